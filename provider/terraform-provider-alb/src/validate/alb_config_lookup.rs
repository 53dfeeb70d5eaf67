//! Validation of a `data "alb_config"` configuration: which load balancer to look up.

use tfplugin::diag::Diagnostics;
use tfplugin::value::Value;

use super::check::{format, Node, Presence};
use super::formats::is_lb_name;

/// Exactly one way of looking up: `id`, or `name` (with an optional `cluster_id`); a well-formed
/// name. Unknown values pass.
pub fn validate(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::default();
    let root = Node::root(config);
    let (id, name, cluster_id) = (root.attr("id"), root.attr("name"), root.attr("cluster_id"));
    match (id.presence(), name.presence()) {
        (Presence::Present, Presence::Present) => name.error(
            &mut d,
            "Conflicting load balancer lookup",
            "Look the load balancer up either by `id` or by `name` (with `cluster_id`), not both: \
             remove `name`, or remove `id`.",
        ),
        (Presence::Absent, Presence::Absent) => root.error(
            &mut d,
            "Missing load balancer lookup",
            "Say which load balancer to look up: set `id` (`alb-…`), or `name` with `cluster_id` \
             (the `cluster_id` of the provider that manages it; default: this provider's).",
        ),
        _ => {}
    }
    if id.presence().is_present() && cluster_id.presence().is_present() {
        cluster_id.error(
            &mut d,
            "`cluster_id` needs `name`",
            "`cluster_id` narrows a lookup by `name`; a lookup by `id` finds exactly one load \
             balancer and reads its cluster id: remove `cluster_id`.",
        );
    }
    format(
        &mut d,
        &name,
        "load balancer name",
        is_lb_name,
        "2 to 128 characters, starting with a letter, with only letters, digits, `.`, `_` and `-`",
    );
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::diag::AttributePath;

    fn config(id: Value, name: Value, cluster_id: Value) -> Value {
        Value::object([("id", id), ("name", name), ("cluster_id", cluster_id)])
    }

    /// (summary, attribute path) of each diagnostic.
    fn errors(config: &Value) -> Vec<(String, AttributePath)> {
        validate(config)
            .iter()
            .map(|d| (d.summary.clone(), d.attribute.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn one_way_of_looking_up() {
        let s = Value::from;
        assert!(errors(&config(s("alb-1"), Value::Null, Value::Null)).is_empty());
        assert!(errors(&config(Value::Null, s("web"), s("c-prod"))).is_empty());
        assert!(errors(&config(Value::Null, s("web"), Value::Null)).is_empty());
        assert!(errors(&config(Value::Unknown, Value::Unknown, Value::Null)).is_empty());
        assert_eq!(
            errors(&config(s("alb-1"), s("web"), Value::Null)),
            [(
                "Conflicting load balancer lookup".to_string(),
                AttributePath::root().attr("name")
            )]
        );
        assert_eq!(
            errors(&config(Value::Null, Value::Null, s("c-prod"))),
            [(
                "Missing load balancer lookup".to_string(),
                AttributePath::root()
            )]
        );
        assert_eq!(
            errors(&config(s("alb-1"), Value::Null, s("c-prod"))),
            [(
                "`cluster_id` needs `name`".to_string(),
                AttributePath::root().attr("cluster_id")
            )]
        );
        assert_eq!(
            errors(&config(Value::Null, s("1web"), Value::Null)),
            [(
                "Invalid load balancer name".to_string(),
                AttributePath::root().attr("name")
            )]
        );
    }
}

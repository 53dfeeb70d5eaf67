//! Planning shared by both resources until the API-backed planning lands: validate, mark what is
//! computed as unknown on create and replace, and flag replacements.

use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::plan::mark_computed_unknown;
use tfplugin::provider::{PlanRequest, PlanResponse};
use tfplugin::schema::Block;

/// Plans `req` for a resource with schema `block` whose top-level `replace_on_change` attributes
/// force replacement; `diagnostics` are the validation results of the configuration.
pub(crate) fn plan(
    block: &Block,
    replace_on_change: &[&str],
    req: PlanRequest,
    diagnostics: Diagnostics,
) -> PlanResponse {
    let PlanRequest {
        prior_state,
        proposed_new_state,
        config,
        prior_private,
    } = req;
    if proposed_new_state.is_null() {
        // Destroy.
        return PlanResponse {
            planned_private: prior_private,
            ..PlanResponse::default()
        };
    }
    let requires_replace: Vec<AttributePath> = if prior_state.is_null() {
        Vec::new()
    } else {
        replace_on_change
            .iter()
            .filter(|name| prior_state.get(name) != proposed_new_state.get(name))
            .map(|name| AttributePath::root().attr(name))
            .collect()
    };
    // On update the proposed state already carries the prior computed values.
    let planned_state = if prior_state.is_null() || !requires_replace.is_empty() {
        mark_computed_unknown(block, &config, &proposed_new_state)
    } else {
        proposed_new_state
    };
    PlanResponse {
        planned_state,
        requires_replace,
        planned_private: prior_private,
        diagnostics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::schema::Attribute;
    use tfplugin::types::Type;
    use tfplugin::value::Value;

    fn block() -> Block {
        Block::new()
            .attr(Attribute::computed("id", Type::String))
            .attr(Attribute::required("vpc_id", Type::String))
            .attr(Attribute::optional("name", Type::String))
    }

    fn state(id: Value, vpc: &str, name: &str) -> Value {
        Value::object([
            ("id", id),
            ("vpc_id", Value::from(vpc)),
            ("name", Value::from(name)),
        ])
    }

    fn request(prior: Value, proposed: Value) -> PlanRequest {
        let config = match &proposed {
            Value::Null => Value::Null,
            p => Value::object([
                ("id", Value::Null),
                ("vpc_id", p.get("vpc_id").clone()),
                ("name", p.get("name").clone()),
            ]),
        };
        PlanRequest {
            prior_state: prior,
            proposed_new_state: proposed,
            config,
            prior_private: b"private".to_vec(),
        }
    }

    #[test]
    fn create_marks_computed_unknown() {
        let response = plan(
            &block(),
            &["vpc_id"],
            request(Value::Null, state(Value::Null, "vpc-1", "a")),
            Diagnostics::default(),
        );
        assert_eq!(response.planned_state, state(Value::Unknown, "vpc-1", "a"));
        assert!(response.requires_replace.is_empty());
    }

    #[test]
    fn update_keeps_computed_and_replacement_is_flagged() {
        let prior = state(Value::from("alb-1"), "vpc-1", "a");
        let update = plan(
            &block(),
            &["vpc_id"],
            request(prior.clone(), state(Value::from("alb-1"), "vpc-1", "b")),
            Diagnostics::default(),
        );
        assert_eq!(
            update.planned_state,
            state(Value::from("alb-1"), "vpc-1", "b")
        );
        assert!(update.requires_replace.is_empty());

        let replace = plan(
            &block(),
            &["vpc_id"],
            request(prior.clone(), state(Value::from("alb-1"), "vpc-2", "a")),
            Diagnostics::default(),
        );
        assert_eq!(replace.planned_state, state(Value::Unknown, "vpc-2", "a"));
        assert_eq!(
            replace.requires_replace,
            vec![AttributePath::root().attr("vpc_id")]
        );

        let destroy = plan(
            &block(),
            &["vpc_id"],
            request(prior, Value::Null),
            Diagnostics::default(),
        );
        assert_eq!(destroy.planned_state, Value::Null);
        assert_eq!(destroy.planned_private, b"private".to_vec());
    }
}

//! Planning an `alb_config` (no API calls; deterministic).
//!
//! * Create or replace: the configuration as proposed, every computed value unknown.
//! * Update: the configuration as proposed; `id` and `dns_name` from the prior state; each
//!   listener's `id` and `default_server_group_id` from the prior listener with the same
//!   (protocol, port), unknown for new listeners; `status` unknown when anything changes.
//! * Replacement when an attribute the API cannot change in place changes
//!   ([`schema::REPLACE_ON_CHANGE`]).
//! * Destroy: refused while the prior state has deletion protection on.
//! * A create (not the create half of a replacement) is checked against the load balancers that
//!   carry its ownership tags (`apply::leftovers_at_plan`, see [`crate::resources::adoption`]).
//!
//! A wholly known configuration is also expanded, so model errors surface at plan time.

use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::plan::mark_computed_unknown;
use tfplugin::provider::{PlanRequest, PlanResponse};
use tfplugin::value::Value;

use super::desired::desired;
use super::schema;
use super::state::listener_key;
use crate::resources::adoption;
use crate::validate;

/// Plans `req`.
pub(crate) fn plan(req: PlanRequest) -> PlanResponse {
    let PlanRequest {
        prior_state,
        proposed_new_state,
        config,
        prior_private,
    } = req;
    if proposed_new_state.is_null() {
        return PlanResponse {
            planned_private: prior_private,
            diagnostics: destroy_check(&prior_state),
            ..PlanResponse::default()
        };
    }
    let mut diagnostics = validate::alb_config::validate(&config);
    if !diagnostics.has_errors() {
        if let Err(d) = desired(&config) {
            diagnostics.push(d);
        }
    }
    let requires_replace: Vec<AttributePath> = if prior_state.is_null() {
        Vec::new()
    } else {
        schema::REPLACE_ON_CHANGE
            .iter()
            .filter(|name| prior_state.get(name) != proposed_new_state.get(name))
            .map(|name| AttributePath::root().attr(name))
            .collect()
    };
    let planned_state = if prior_state.is_null() || !requires_replace.is_empty() {
        mark_computed_unknown(&schema::schema().block, &config, &proposed_new_state)
    } else {
        update(&prior_state, proposed_new_state)
    };
    let planned_private = adoption::planned_private(!requires_replace.is_empty());
    PlanResponse {
        planned_state,
        requires_replace,
        planned_private,
        diagnostics,
    }
}

/// The destroy plan's error when deletion protection is on.
fn destroy_check(prior: &Value) -> Diagnostics {
    if prior.get("deletion_protection").as_bool() != Some(true) {
        return Diagnostics::default();
    }
    let id = prior.get("id").as_str().unwrap_or("(unknown id)");
    Diagnostic::error(
        "Deletion protection is enabled",
        format!(
            "Deletion protection is enabled on load balancer {id}, so it cannot be destroyed: \
             set deletion_protection = false and apply, then destroy."
        ),
    )
    .at(AttributePath::root().attr("deletion_protection"))
    .into()
}

/// An in-place update: listener computed values by key, `status` unknown when anything changes.
fn update(prior: &Value, proposed: Value) -> Value {
    let Value::Map(mut planned) = proposed else {
        return proposed;
    };
    let prior_listeners: &[Value] = prior.get("listener").as_list().unwrap_or_default();
    if let Some(Value::List(listeners)) = planned.get_mut("listener") {
        for l in listeners.iter_mut() {
            let before = listener_key(l).and_then(|key| {
                prior_listeners
                    .iter()
                    .find(|p| listener_key(p) == Some(key))
            });
            if let Value::Map(l) = l {
                for name in ["id", "default_server_group_id"] {
                    let value = before
                        .map(|p| p.get(name))
                        .filter(|v| v.is_known() && !v.is_null())
                        .cloned()
                        .unwrap_or(Value::Unknown);
                    l.insert(name.to_owned(), value);
                }
            }
        }
    }
    let mut planned = Value::Map(planned);
    if &planned != prior {
        if let Some(status) = planned.at_mut(&AttributePath::root().attr("status")) {
            *status = Value::Unknown;
        }
    }
    planned
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::plan::conform;

    fn listener(protocol: &str, port: i64, id: Value, group: Value) -> Value {
        Value::object([
            ("protocol", Value::from(protocol)),
            ("port", Value::from(port)),
            ("id", id),
            ("default_server_group_id", group),
        ])
    }

    fn zone(id: &str) -> Value {
        Value::object([
            ("zone_id", Value::from(id)),
            ("vswitch_id", Value::from("vsw")),
        ])
    }

    fn resource(vpc: &str, listeners: Vec<Value>, computed: bool) -> Value {
        let c = |v: &str| {
            if computed {
                Value::from(v)
            } else {
                Value::Null
            }
        };
        conform(
            &schema::schema().block,
            Value::object([
                ("id", c("alb-1")),
                ("dns_name", c("alb-1.example")),
                ("status", c("Active")),
                ("name", Value::from("web")),
                ("vpc_id", Value::from(vpc)),
                ("zone_mapping", Value::List(vec![zone("a"), zone("b")])),
                ("listener", Value::List(listeners)),
            ]),
        )
    }

    fn request(prior: Value, proposed: Value, config: Value) -> PlanRequest {
        PlanRequest {
            prior_state: prior,
            proposed_new_state: proposed,
            config,
            prior_private: Vec::new(),
        }
    }

    fn http(id: Option<&str>) -> Value {
        let v = |s: Option<&str>| s.map_or(Value::Null, Value::from);
        listener("HTTP", 80, v(id), v(id.map(|_| "sgp-80")))
    }

    fn https(id: Option<&str>) -> Value {
        let v = |s: Option<&str>| s.map_or(Value::Null, Value::from);
        let mut l = listener("HTTPS", 443, v(id), v(id.map(|_| "sgp-443")));
        if let Value::Map(m) = &mut l {
            m.insert(
                "certificate_ids".into(),
                Value::List(vec![Value::from("123-cn-hangzhou")]),
            );
        }
        l
    }

    #[test]
    fn create_marks_every_computed_value_unknown() {
        let config = resource("vpc-1", vec![http(None)], false);
        let response = plan(request(Value::Null, config.clone(), config));
        assert!(
            !response.diagnostics.has_errors(),
            "{:?}",
            response.diagnostics
        );
        let planned = response.planned_state;
        assert!(planned.get("id").is_unknown() && planned.get("status").is_unknown());
        let l = &planned.get("listener").as_list().unwrap_or_default()[0];
        assert!(l.get("id").is_unknown() && l.get("default_server_group_id").is_unknown());
    }

    #[test]
    fn listener_ids_follow_their_key_not_their_position() {
        let prior = resource("vpc-1", vec![http(Some("lsn-80"))], true);
        // A new HTTPS listener inserted first: Terraform proposes by position.
        let proposed = resource("vpc-1", vec![https(Some("lsn-80")), http(Some("x"))], true);
        let config = resource("vpc-1", vec![https(None), http(None)], false);
        let response = plan(request(prior.clone(), proposed.clone(), config.clone()));
        assert!(response.requires_replace.is_empty());
        let planned = &response.planned_state;
        let listeners = planned.get("listener").as_list().unwrap_or_default();
        assert!(listeners[0].get("id").is_unknown());
        assert_eq!(listeners[1].get("id").as_str(), Some("lsn-80"));
        assert_eq!(
            listeners[1].get("default_server_group_id").as_str(),
            Some("sgp-80")
        );
        assert_eq!(planned.get("id").as_str(), Some("alb-1"));
        assert!(planned.get("status").is_unknown());
        // Deterministic.
        assert_eq!(
            plan(request(prior, proposed, config)).planned_state,
            response.planned_state
        );
    }

    #[test]
    fn unchanged_configuration_plans_the_prior_state() {
        let prior = resource("vpc-1", vec![http(Some("lsn-80"))], true);
        let config = resource("vpc-1", vec![http(None)], false);
        let response = plan(request(prior.clone(), prior.clone(), config));
        assert_eq!(response.planned_state, prior);
    }

    #[test]
    fn listener_acls_update_in_place_without_diagnostics() {
        let prior = resource("vpc-1", vec![http(Some("lsn-80"))], false);
        let mut proposed = prior.clone();
        let acl_path = AttributePath::root().attr("listener").index(0).attr("acl");
        let acl = Value::object([
            ("type", Value::from("White")),
            ("entries", Value::List(vec![Value::from("10.0.0.0/8")])),
            ("acl_ids", Value::Null),
        ]);
        if let Some(slot) = proposed.at_mut(&acl_path) {
            *slot = acl.clone();
        }
        let response = plan(request(prior, proposed.clone(), proposed));
        assert!(
            response.diagnostics.is_empty(),
            "{:?}",
            response.diagnostics
        );
        assert!(response.requires_replace.is_empty());
        let listener = &response
            .planned_state
            .get("listener")
            .as_list()
            .unwrap_or_default()[0];
        assert_eq!(listener.get("id").as_str(), Some("lsn-80"));
        assert_eq!(listener.get("acl"), &acl);
    }

    #[test]
    fn vpc_change_replaces_and_protection_blocks_destroy() {
        let prior = resource("vpc-1", vec![http(Some("lsn-80"))], true);
        let proposed = resource("vpc-2", vec![http(Some("lsn-80"))], true);
        let config = resource("vpc-2", vec![http(None)], false);
        let response = plan(request(prior.clone(), proposed, config));
        assert_eq!(
            response.requires_replace,
            vec![AttributePath::root().attr("vpc_id")]
        );
        assert!(response.planned_state.get("id").is_unknown());

        let destroy = plan(request(prior.clone(), Value::Null, Value::Null));
        assert!(destroy.diagnostics.is_empty());
        let mut protected = prior;
        if let Some(slot) = protected.at_mut(&AttributePath::root().attr("deletion_protection")) {
            *slot = Value::from(true);
        }
        let refused = plan(request(protected, Value::Null, Value::Null));
        let d = &refused.diagnostics.0[0];
        assert_eq!(
            d.attribute,
            Some(AttributePath::root().attr("deletion_protection"))
        );
        assert!(d
            .detail
            .contains("set deletion_protection = false and apply, then destroy"));
    }
}

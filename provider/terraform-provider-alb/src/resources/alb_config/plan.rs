//! Planning an `alb_config` (no API calls; deterministic).
//!
//! * Unset attributes with a default ([`schema::defaults`]) are planned as that default, so
//!   removing `address_type = "Internet"` plans no change; `resource_group_id` unset keeps the
//!   prior group.
//! * Create or replace: the configuration as proposed, every other computed value unknown.
//! * Update: the configuration as proposed; `id` and `dns_name` from the prior state; each
//!   listener's `id` and `default_server_group_id` from the prior listener with the same label
//!   (`PROTOCOL:port`), unknown for new listeners, so adding a listener block shows as one
//!   added listener and the others keep their known ids; zone mappings that equal the prior ones as a set by zone keep the prior
//!   order; `status` unknown when anything changes.
//! * Replacement when an attribute the API cannot change in place changes
//!   ([`schema::REPLACE_ON_CHANGE`]), or for an edition change the API refuses (with a warning
//!   saying why). Everything else is an in-place update.
//! * After an import of objects another tool made (see `adopting`): each adopted listener's
//!   `default_server_group_id` is unknown (it moves to a placeholder group); undeclared foreign
//!   listeners are warned about.
//! * Destroy: refused while the prior state has deletion protection on.
//! * A create (not the create half of a replacement) is checked against the load balancers that
//!   carry its ownership tags (`apply::leftovers_at_plan`, see [`crate::resources::adoption`]).
//!
//! A wholly known configuration is also expanded, so model errors surface at plan time.

use model::spec::Edition;
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::plan::mark_computed_unknown;
use tfplugin::provider::{PlanRequest, PlanResponse};
use tfplugin::value::Value;

use super::adopting::Adopting;
use super::desired::desired;
use super::schema;
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
    let proposed = with_defaults(&config, proposed_new_state);
    let mut requires_replace: Vec<AttributePath> = Vec::new();
    if !prior_state.is_null() {
        requires_replace.extend(
            schema::REPLACE_ON_CHANGE
                .iter()
                .filter(|name| prior_state.get(name) != proposed.get(name))
                .map(|name| AttributePath::root().attr(name)),
        );
        if let Some(warning) = edition_replacement(&prior_state, &proposed) {
            requires_replace.push(AttributePath::root().attr("edition"));
            diagnostics.push(warning);
        } else {
            diagnostics.extend(address_type_check(&prior_state, &proposed));
        }
    }
    let planned_state = if prior_state.is_null() || !requires_replace.is_empty() {
        with_defaults(
            &config,
            mark_computed_unknown(&schema::schema().block, &config, &proposed),
        )
    } else {
        let mut planned = update(&prior_state, proposed, &config);
        if let Some(adopting) = Adopting::from_private(&prior_private) {
            diagnostics.extend(adopting.plan(&mut planned));
            status_unknown_on_change(&prior_state, &mut planned);
        }
        planned
    };
    let planned_private = adoption::planned_private(!requires_replace.is_empty());
    PlanResponse {
        planned_state,
        requires_replace,
        planned_private,
        diagnostics,
    }
}

/// `planned` with every defaulted attribute that the configuration leaves unset set to its
/// default.
fn with_defaults(config: &Value, planned: Value) -> Value {
    let Value::Map(mut planned) = planned else {
        return planned;
    };
    for (name, default) in schema::defaults() {
        if config.get(name).is_null() {
            planned.insert(name.to_owned(), default);
        }
    }
    Value::Map(planned)
}

/// The warning of an edition change `UpdateLoadBalancerEdition` refuses (which therefore
/// replaces the load balancer); `None` when the edition stays or changes in place.
fn edition_replacement(prior: &Value, planned: &Value) -> Option<Diagnostic> {
    let edition = |v: &Value| -> Option<Edition> {
        serde_json::from_value(serde_json::Value::from(v.get("edition").as_str()?)).ok()
    };
    let (from, to) = (edition(prior)?, edition(planned)?);
    if from.changes_in_place_to(to) {
        return None;
    }
    let id = prior.get("id").as_str().unwrap_or("(unknown id)");
    Some(
        Diagnostic::warning(
            "Edition change replaces the load balancer",
            format!(
                "The ALB API cannot change the edition of load balancer {id} from {from} to {to} \
                 (it upgrades Basic to Standard or StandardWithWaf and changes StandardWithWaf to \
                 Standard; nothing goes back to Basic). Terraform will create a new load balancer \
                 with a new DNS name and destroy this one; keep edition = \"{from}\" to avoid it."
            ),
        )
        .at(AttributePath::root().attr("edition")),
    )
}

/// The error of an `Intranet` → `Internet` change with a zone lacking an Elastic IP: the API
/// binds one EIP per zone (`allocation_id`) when a load balancer goes public.
fn address_type_check(prior: &Value, planned: &Value) -> Diagnostics {
    let mut d = Diagnostics::default();
    if prior.get("address_type").as_str() != Some("Intranet")
        || planned.get("address_type").as_str() != Some("Internet")
    {
        return d;
    }
    for (i, zone) in planned
        .get("zone_mapping")
        .as_list()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if zone.get("allocation_id").is_null() {
            let zone_id = zone.get("zone_id").as_str().unwrap_or("?");
            d.push(
                Diagnostic::error(
                    "Elastic IP needed to go Internet-facing",
                    format!(
                        "Changing address_type from Intranet to Internet binds an Elastic IP in \
                         every zone: set allocation_id in the zone_mapping of {zone_id}."
                    ),
                )
                .at(AttributePath::root()
                    .attr("zone_mapping")
                    .index(i as i64)
                    .attr("allocation_id")),
            );
        }
    }
    d
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

/// An in-place update: listener computed values by key, zone mappings in the prior order when
/// they are the same set, `status` unknown when anything changes.
fn update(prior: &Value, proposed: Value, config: &Value) -> Value {
    let Value::Map(mut planned) = proposed else {
        return proposed;
    };
    if let Some(zones) = zones_in_prior_order(prior.get("zone_mapping"), config.get("zone_mapping"))
    {
        planned.insert("zone_mapping".to_owned(), zones);
    }
    if let Some(Value::Map(listeners)) = planned.get_mut("listener") {
        for (label, l) in listeners.iter_mut() {
            let before = prior.get("listener").as_map().and_then(|p| p.get(label));
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
    status_unknown_on_change(prior, &mut planned);
    planned
}

/// Marks `status` of `planned` unknown when anything changes.
fn status_unknown_on_change(prior: &Value, planned: &mut Value) {
    if planned != prior {
        if let Some(status) = planned.at_mut(&AttributePath::root().attr("status")) {
            *status = Value::Unknown;
        }
    }
}

/// The prior zone mappings when the configured ones are the same set (each zone with the same
/// values) in another order, and Terraform accepts the prior list in their place: at each
/// position every attribute is either equal in both or set in both (a planned value may differ
/// from the configuration only where it keeps the prior value of a set attribute). `None`
/// otherwise: the configuration's order is planned (still no API call when only the order
/// differs).
fn zones_in_prior_order(prior: &Value, config: &Value) -> Option<Value> {
    let (before, after) = (prior.as_list()?, config.as_list()?);
    if before == after || before.len() != after.len() {
        return None;
    }
    let same_set = after.iter().all(|z| before.iter().any(|p| p == z))
        && before.iter().all(|p| after.iter().any(|z| z == p));
    let acceptable = before.iter().zip(after).all(|(p, c)| match (p, c) {
        (Value::Map(p), Value::Map(c)) => p.iter().all(|(name, pv)| {
            let cv = c.get(name).unwrap_or(&Value::Null);
            pv == cv || (!pv.is_null() && !cv.is_null())
        }),
        _ => false,
    });
    (same_set && acceptable).then(|| prior.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::plan::conform;

    /// A labelled listener block.
    type Listener = (&'static str, Value);

    fn listener(label: &'static str, id: Value, group: Value) -> Listener {
        (
            label,
            Value::object([("id", id), ("default_server_group_id", group)]),
        )
    }

    fn zone(id: &str) -> Value {
        Value::object([
            ("zone_id", Value::from(id)),
            ("vswitch_id", Value::from("vsw")),
        ])
    }

    /// A configuration (`computed` false) or a state with every computed value known.
    fn resource(vpc: &str, listeners: Vec<Listener>, computed: bool) -> Value {
        let value = plain(vpc, listeners, computed);
        if computed {
            with_defaults(&Value::Null, value)
        } else {
            value
        }
    }

    fn plain(vpc: &str, listeners: Vec<Listener>, computed: bool) -> Value {
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
                ("listener", Value::object(listeners)),
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

    fn http(id: Option<&str>) -> Listener {
        let v = |s: Option<&str>| s.map_or(Value::Null, Value::from);
        listener("HTTP:80", v(id), v(id.map(|_| "sgp-80")))
    }

    fn https(id: Option<&str>) -> Listener {
        let v = |s: Option<&str>| s.map_or(Value::Null, Value::from);
        let mut l = listener("HTTPS:443", v(id), v(id.map(|_| "sgp-443")));
        if let Value::Map(m) = &mut l.1 {
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
        let l = planned.get("listener").get("HTTP:80");
        assert!(l.get("id").is_unknown() && l.get("default_server_group_id").is_unknown());
    }

    #[test]
    fn a_new_listener_plans_unknown_ids_and_the_others_keep_theirs() {
        let prior = resource("vpc-1", vec![http(Some("lsn-80"))], true);
        // A new HTTPS listener: Terraform proposes the prior block for the same label, null
        // computed values for the new one.
        let proposed = resource("vpc-1", vec![https(None), http(Some("lsn-80"))], true);
        let config = resource("vpc-1", vec![https(None), http(None)], false);
        let response = plan(request(prior.clone(), proposed.clone(), config.clone()));
        assert!(response.requires_replace.is_empty());
        let planned = &response.planned_state;
        let listeners = planned.get("listener");
        assert!(listeners.get("HTTPS:443").get("id").is_unknown());
        assert!(listeners
            .get("HTTPS:443")
            .get("default_server_group_id")
            .is_unknown());
        assert_eq!(listeners.get("HTTP:80").get("id").as_str(), Some("lsn-80"));
        assert_eq!(
            listeners
                .get("HTTP:80")
                .get("default_server_group_id")
                .as_str(),
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
        let prior = with_defaults(
            &Value::Null,
            resource("vpc-1", vec![http(Some("lsn-80"))], false),
        );
        let mut proposed = prior.clone();
        let acl_path = AttributePath::root()
            .attr("listener")
            .key("HTTP:80")
            .attr("acl");
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
        let listener = response.planned_state.get("listener").get("HTTP:80");
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

    fn set(mut value: Value, name: &str, to: Value) -> Value {
        if let Some(slot) = value.at_mut(&AttributePath::root().attr(name)) {
            *slot = to;
        }
        value
    }

    #[test]
    fn unset_defaults_plan_the_default_so_removing_one_changes_nothing() {
        let prior = resource("vpc-1", vec![http(Some("lsn-80"))], true);
        // `address_type = "Internet"` removed: Terraform proposes the prior value; the
        // configuration no longer sets it.
        let config = resource("vpc-1", vec![http(None)], false);
        let response = plan(request(prior.clone(), prior.clone(), config.clone()));
        assert!(response.requires_replace.is_empty());
        assert_eq!(response.planned_state, prior);
        // A create plans the defaults known, the rest unknown.
        let created = plan(request(Value::Null, config.clone(), config)).planned_state;
        assert_eq!(created.get("address_type").as_str(), Some("Internet"));
        assert_eq!(created.get("edition").as_str(), Some("Standard"));
        assert_eq!(created.get("deletion_protection").as_bool(), Some(false));
        assert!(created.get("resource_group_id").is_unknown());
    }

    #[test]
    fn swapped_zone_mappings_keep_the_prior_order() {
        let prior = resource("vpc-1", vec![http(Some("lsn-80"))], true);
        let reversed = |v: &Value| {
            let mut zones = v.get("zone_mapping").as_list().unwrap_or_default().to_vec();
            zones.reverse();
            set(v.clone(), "zone_mapping", Value::List(zones))
        };
        let config = reversed(&resource("vpc-1", vec![http(None)], false));
        let proposed = reversed(&prior);
        let response = plan(request(prior.clone(), proposed, config));
        assert_eq!(response.planned_state, prior);

        // A zone whose optional value is set only on one side cannot take the other's place.
        let with_eip = |z: &str| {
            let mut v = zone(z);
            if let Value::Map(m) = &mut v {
                m.insert("allocation_id".into(), Value::from("eip-1"));
            }
            v
        };
        let prior_zones = Value::List(vec![with_eip("a"), zone("b")]);
        let config_zones = Value::List(vec![zone("b"), with_eip("a")]);
        assert_eq!(zones_in_prior_order(&prior_zones, &config_zones), None);
        let config_zones = Value::List(vec![zone("b"), zone("a")]);
        assert_eq!(
            zones_in_prior_order(&Value::List(vec![zone("a"), zone("b")]), &config_zones),
            Some(Value::List(vec![zone("a"), zone("b")]))
        );
        assert_eq!(
            zones_in_prior_order(&prior_zones, &config_zones),
            None,
            "not the same set"
        );
    }

    #[test]
    fn edition_upgrade_is_in_place_and_a_downgrade_replaces_with_a_warning() {
        let prior = set(
            resource("vpc-1", vec![http(Some("lsn-80"))], true),
            "edition",
            Value::from("Basic"),
        );
        let config = resource("vpc-1", vec![http(None)], false);
        let upgrade = plan(request(prior.clone(), prior.clone(), config.clone()));
        assert!(upgrade.requires_replace.is_empty());
        assert!(upgrade.diagnostics.is_empty(), "{:?}", upgrade.diagnostics);
        assert_eq!(
            upgrade.planned_state.get("edition").as_str(),
            Some("Standard")
        );
        assert_eq!(upgrade.planned_state.get("id").as_str(), Some("alb-1"));

        let standard = set(prior, "edition", Value::from("Standard"));
        let basic = set(config, "edition", Value::from("Basic"));
        let downgrade = plan(request(standard.clone(), basic.clone(), basic));
        assert_eq!(
            downgrade.requires_replace,
            vec![AttributePath::root().attr("edition")]
        );
        let warning = &downgrade.diagnostics.0[0];
        assert!(!downgrade.diagnostics.has_errors());
        assert_eq!(
            warning.attribute,
            Some(AttributePath::root().attr("edition"))
        );
        assert!(
            warning.detail.contains("from Standard to Basic"),
            "{}",
            warning.detail
        );
        assert!(downgrade.planned_state.get("id").is_unknown());
    }

    #[test]
    fn going_internet_facing_needs_an_eip_in_every_zone() {
        let prior = set(
            resource("vpc-1", vec![http(Some("lsn-80"))], true),
            "address_type",
            Value::from("Intranet"),
        );
        let config = resource("vpc-1", vec![http(None)], false);
        let response = plan(request(prior.clone(), prior, config));
        let paths: Vec<String> = response
            .diagnostics
            .iter()
            .filter_map(|d| d.attribute.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(
            paths,
            [
                "zone_mapping[0].allocation_id",
                "zone_mapping[1].allocation_id"
            ]
        );
        assert!(response.diagnostics.has_errors());
    }
}

//! The Terraform state of an `alb_config` from what exists.
//!
//! * [`applied`] (apply): the planned state with its unknown computed values (ids, DNS name,
//!   status) filled from the observation; every known planned value is kept, as Terraform requires.
//! * [`refreshed`] (read, import): what exists, rendered so that console edits show up as diffs.
//!   Attributes with a default (`address_type`, `edition`, …) and the resource group always show
//!   what exists: the plan fills unset ones with the default (or keeps the prior group). Other
//!   optional attributes follow one rule: when the prior value is null and what exists equals
//!   the model's default, the attribute stays null, so an unset attribute never shows a diff and
//!   an import does not force a replacement. Values the API assigns itself (zone EIPs and
//!   addresses) stay null unless the prior state sets them. A listener's `acl` comes from what is
//!   bound to it (the managed ACL's entries, other ACLs as `acl_ids`), entries and ids in the
//!   prior order; listeners the provider did not create are ignored, except the foreign ones an
//!   import not applied yet takes over (see `adopting`). `adopt` is the load balancer's
//!   `alb.terraform/adopt` tag.

use std::collections::BTreeMap;

use model::acl::canonical_entry;
use model::adopt::is_foreign;
use model::desired::ZoneMapping;
use model::desired::{Acl, ListenerAttributes, ListenerKey, Quic, XForwardedFor};
use model::diff::ActualListener;
use model::ownership::TAG_PREFIX;
use model::spec::{ConfigSpec, ListenerSpec};
use model::takeover::Adopt;
use tfplugin::plan::conform;
use tfplugin::value::Value;

use super::adopting::Adopting;
use super::observe::Observed;
use super::schema;

/// The state after an apply of `planned` to load balancer `id`: unknown computed values come
/// from `observed` when there is one, else become null (a failed create).
pub(crate) fn applied(
    planned: &Value,
    id: &str,
    observed: Option<&Observed>,
    cluster_id: &str,
) -> Value {
    let mut state = planned.clone();
    fill(&mut state, "id", Value::from(id));
    if let Some(o) = observed {
        fill(&mut state, "dns_name", Value::from(o.lb.dns_name.clone()));
        fill(
            &mut state,
            "status",
            Value::from(o.lb.load_balancer_status.clone()),
        );
        fill(
            &mut state,
            "resource_group_id",
            Value::from(o.actual.resource_group_id.clone()),
        );
        if let Value::Map(m) = &mut state {
            if let Some(Value::Map(listeners)) = m.get_mut("listener") {
                for (label, l) in listeners.iter_mut() {
                    let key = label.parse::<ListenerKey>().ok();
                    let found = o
                        .actual
                        .listeners
                        .iter()
                        .find(|a| Some(a.key) == key && o.owns(&a.tags, cluster_id));
                    if let Some(a) = found {
                        fill(l, "id", Value::from(a.id.clone()));
                        fill(
                            l,
                            "default_server_group_id",
                            Value::from(a.default_server_group_id.clone()),
                        );
                    }
                }
            }
        }
    }
    known(state)
}

/// Sets attribute `name` of an object to `value` when it is unknown.
fn fill(object: &mut Value, name: &str, value: Value) {
    if let Value::Map(m) = object {
        if let Some(slot) = m.get_mut(name) {
            if slot.is_unknown() {
                *slot = value;
            }
        }
    }
}

/// `value` with every unknown replaced by null (state never holds unknowns).
pub(crate) fn known(value: Value) -> Value {
    match value {
        Value::Unknown => Value::Null,
        Value::List(items) => Value::List(items.into_iter().map(known).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, known(v))).collect()),
        other => other,
    }
}

/// What exists, rendered against `prior` (the stored state; sparse after an import), with the
/// foreign listeners an import not applied yet takes over (`adopting`).
pub(crate) fn refreshed(
    prior: &Value,
    o: &Observed,
    cluster_id: &str,
    adopting: Option<&Adopting>,
) -> Value {
    let lb = &o.lb;
    let p = |name: &str| prior.get(name);
    let user_tags: BTreeMap<String, Value> = o
        .actual
        .tags
        .iter()
        .filter(|(k, _)| !k.starts_with(TAG_PREFIX))
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    let bandwidth_package = lb
        .bandwidth_package_id
        .clone()
        .or_else(|| {
            lb.load_balancer_billing_config
                .as_ref()
                .and_then(|b| b.bandwidth_package_id.clone())
        })
        .filter(|s| !s.is_empty());
    let access_log = o.actual.access_log.as_ref().map_or(Value::Null, |a| {
        Value::object([
            ("project", Value::from(a.project.as_str())),
            ("logstore", Value::from(a.logstore.as_str())),
        ])
    });
    let state = Value::object([
        ("id", Value::from(lb.load_balancer_id.as_str())),
        ("name", Value::from(o.actual.name.as_str())),
        ("vpc_id", Value::from(lb.vpc_id.clone())),
        (
            "address_type",
            Value::from(o.actual.address_type.map(|t| t.as_str())),
        ),
        ("edition", Value::from(o.actual.edition.map(|e| e.as_str()))),
        (
            "address_ip_version",
            Value::from(lb.address_ip_version.clone()),
        ),
        (
            "address_allocated_mode",
            Value::from(lb.address_allocated_mode.clone()),
        ),
        (
            "resource_group_id",
            Value::from(o.actual.resource_group_id.clone()),
        ),
        ("bandwidth_package_id", Value::from(bandwidth_package)),
        (
            "deletion_protection",
            Value::from(o.actual.deletion_protection),
        ),
        (
            "tags",
            keep_null(
                p("tags"),
                Value::Map(user_tags),
                Value::Map(BTreeMap::new()),
            ),
        ),
        ("dns_name", Value::from(lb.dns_name.clone())),
        ("status", Value::from(lb.load_balancer_status.as_str())),
        (
            "zone_mapping",
            zones(p("zone_mapping"), &o.actual.zone_mappings),
        ),
        ("access_log", access_log),
        (
            "listener",
            listeners(p("listener"), o, cluster_id, adopting),
        ),
        (
            "adopt",
            Value::from(Adopt::of_load_balancer(&o.actual.tags).map(Adopt::as_str)),
        ),
        ("timeouts", p("timeouts").clone()),
    ]);
    known(conform(&schema::schema().block, state))
}

/// `actual`, or null when the prior value is null and `actual` is the model's default.
fn keep_null(prior: &Value, actual: Value, default: impl Into<Value>) -> Value {
    if prior.is_null() && actual == default.into() {
        Value::Null
    } else {
        actual
    }
}

/// A value the API assigns when the configuration leaves it unset: shown only when set before.
fn assigned(prior: &Value, actual: Option<String>) -> Value {
    if prior.is_null() {
        Value::Null
    } else {
        Value::from(actual)
    }
}

fn strings(items: &[String]) -> Value {
    Value::List(items.iter().map(|s| Value::from(s.as_str())).collect())
}

/// `items` in the order their keys have in `prior` (`prior_key` reads a prior item's key), the
/// others after them in their own order.
fn in_prior_order<T>(
    prior: &Value,
    items: &mut [T],
    prior_key: impl Fn(&Value) -> Option<&str>,
    key: impl Fn(&T) -> &str,
) {
    let prior: &[Value] = prior.as_list().unwrap_or_default();
    items.sort_by_key(|item| {
        prior
            .iter()
            .position(|p| prior_key(p) == Some(key(item)))
            .unwrap_or(usize::MAX)
    });
}

/// Zones in the prior order, then the others in API order.
fn zones(prior: &Value, actual: &[ZoneMapping]) -> Value {
    let mut api: Vec<&ZoneMapping> = actual.iter().collect();
    in_prior_order(
        prior,
        &mut api,
        |p| p.get("zone_id").as_str(),
        |z| z.zone_id.as_str(),
    );
    let prior: &[Value] = prior.as_list().unwrap_or_default();
    Value::List(
        api.into_iter()
            .map(|z| {
                let p = prior
                    .iter()
                    .find(|p| p.get("zone_id").as_str() == Some(z.zone_id.as_str()))
                    .unwrap_or(&Value::Null);
                Value::object([
                    ("zone_id", Value::from(z.zone_id.as_str())),
                    ("vswitch_id", Value::from(z.vswitch_id.as_str())),
                    (
                        "allocation_id",
                        assigned(p.get("allocation_id"), z.allocation_id.clone()),
                    ),
                    (
                        "eip_type",
                        assigned(p.get("eip_type"), z.eip_type.map(|t| t.as_str().to_owned())),
                    ),
                    (
                        "intranet_address",
                        assigned(p.get("intranet_address"), z.intranet_address.clone()),
                    ),
                ])
            })
            .collect(),
    )
}

/// The owned listeners (and those `adopting` takes over) by label (`PROTOCOL:port`), each
/// rendered against the prior listener with that label.
fn listeners(prior: &Value, o: &Observed, cluster_id: &str, adopting: Option<&Adopting>) -> Value {
    let adopted = |a: &ActualListener| {
        adopting.is_some_and(|t| t.listeners.contains(&a.key)) && is_foreign(&a.tags)
    };
    let mut out = BTreeMap::new();
    for a in o
        .actual
        .listeners
        .iter()
        .filter(|a| o.owns(&a.tags, cluster_id) || adopted(a))
    {
        let label = a.key.to_string();
        if let Some(value) = listener(prior.get(&label), a) {
            out.entry(label).or_insert(value);
        }
    }
    Value::Map(out)
}

/// The model's defaults of a listener with `key` (what it expands to with nothing set); `None`
/// for a key the model cannot express (such a listener cannot be configured either).
fn default_attributes(key: ListenerKey) -> Option<ListenerAttributes> {
    let spec = ConfigSpec {
        listener: vec![ListenerSpec::new(i64::from(key.port), key.protocol)],
        ..ConfigSpec::default()
    };
    let lb = model::expand_config(&spec).ok()?;
    lb.listeners.into_iter().next().map(|l| l.attributes)
}

/// A listener rendered against its prior value; `None` when the model cannot express it.
fn listener(prior: &Value, a: &ActualListener) -> Option<Value> {
    let d = default_attributes(a.key)?;
    let at = &a.attributes;
    let p = |name: &str| prior.get(name);
    Some(Value::object([
        (
            "description",
            keep_null(
                p("description"),
                Value::from(at.description.as_str()),
                d.description.as_str(),
            ),
        ),
        (
            "certificate_ids",
            keep_null(
                p("certificate_ids"),
                strings(&at.certificate_ids),
                strings(&d.certificate_ids),
            ),
        ),
        (
            "ca_certificate_ids",
            keep_null(
                p("ca_certificate_ids"),
                strings(&at.ca_certificate_ids),
                strings(&d.ca_certificate_ids),
            ),
        ),
        (
            "security_policy_id",
            keep_null(
                p("security_policy_id"),
                Value::from(at.security_policy_id.clone()),
                d.security_policy_id,
            ),
        ),
        (
            "idle_timeout",
            keep_null(
                p("idle_timeout"),
                Value::from(i64::from(at.idle_timeout)),
                i64::from(d.idle_timeout),
            ),
        ),
        (
            "request_timeout",
            keep_null(
                p("request_timeout"),
                Value::from(i64::from(at.request_timeout)),
                i64::from(d.request_timeout),
            ),
        ),
        (
            "http2",
            keep_null(p("http2"), Value::from(at.http2), d.http2),
        ),
        ("gzip", keep_null(p("gzip"), Value::from(at.gzip), d.gzip)),
        (
            "x_forwarded_for",
            x_forwarded_for(
                p("x_forwarded_for"),
                &at.x_forwarded_for,
                &d.x_forwarded_for,
            ),
        ),
        ("acl", acl(p("acl"), at.acl.as_ref())),
        ("quic", quic(p("quic"), at.quic.as_ref())),
        ("id", Value::from(a.id.as_str())),
        (
            "default_server_group_id",
            Value::from(a.default_server_group_id.clone()),
        ),
    ]))
}

fn x_forwarded_for(prior: &Value, a: &XForwardedFor, d: &XForwardedFor) -> Value {
    if prior.is_null() && a == d {
        return Value::Null;
    }
    let flags = [
        ("client_ip", a.client_ip, d.client_ip),
        ("proto", a.proto, d.proto),
        ("slb_id", a.slb_id, d.slb_id),
        ("slb_port", a.slb_port, d.slb_port),
        ("client_src_port", a.client_src_port, d.client_src_port),
        ("host", a.host, d.host),
        (
            "client_source_ips_enabled",
            a.client_source_ips_enabled,
            d.client_source_ips_enabled,
        ),
        (
            "client_cert_subject_dn",
            a.client_cert_subject_dn,
            d.client_cert_subject_dn,
        ),
        (
            "client_cert_issuer_dn",
            a.client_cert_issuer_dn,
            d.client_cert_issuer_dn,
        ),
        (
            "client_cert_fingerprint",
            a.client_cert_fingerprint,
            d.client_cert_fingerprint,
        ),
        (
            "client_cert_client_verify",
            a.client_cert_client_verify,
            d.client_cert_client_verify,
        ),
    ];
    let mut object: BTreeMap<String, Value> = flags
        .into_iter()
        .map(|(name, actual, default)| {
            (
                name.to_owned(),
                keep_null(prior.get(name), Value::from(actual), default),
            )
        })
        .collect();
    object.insert(
        "client_source_ips_trusted".to_owned(),
        Value::from(a.client_source_ips_trusted.clone()),
    );
    Value::Map(object)
}

/// The `acl` block of what is bound: `entries` when the listener's managed ACL is bound,
/// `acl_ids` for the others (both when both, which the next plan shows as a change).
fn acl(prior: &Value, a: Option<&Acl>) -> Value {
    let Some(a) = a else {
        return Value::Null;
    };
    let list = |name: &str, items: &[String]| {
        let mut items: Vec<&String> = items.iter().collect();
        in_prior_order(prior.get(name), &mut items, Value::as_str, |s| s.as_str());
        Value::List(items.into_iter().map(|s| Value::from(s.as_str())).collect())
    };
    // An entry keeps its prior spelling when the API spells the same entry otherwise
    // (`10.0.0.1` / `10.0.0.1/32`).
    let prior_entries: Vec<&str> = prior
        .get("entries")
        .as_list()
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let entries: Vec<String> = a
        .entries
        .iter()
        .map(|e| {
            let canonical = canonical_entry(e);
            prior_entries
                .iter()
                .find(|p| canonical_entry(p) == canonical)
                .map_or_else(|| e.clone(), |p| (*p).to_owned())
        })
        .collect();
    Value::object([
        ("type", Value::from(a.kind.as_str())),
        (
            "entries",
            if a.managed() {
                list("entries", &entries)
            } else {
                Value::Null
            },
        ),
        (
            "acl_ids",
            if a.acl_ids.is_empty() {
                Value::Null
            } else {
                list("acl_ids", &a.acl_ids)
            },
        ),
    ])
}

/// The QUIC block; a prior block that asks for nothing stays as it is when QUIC is off.
fn quic(prior: &Value, a: Option<&Quic>) -> Value {
    match a {
        Some(q) => Value::object([
            (
                "upgrade_enabled",
                keep_null(
                    prior.get("upgrade_enabled"),
                    Value::from(q.upgrade_enabled),
                    false,
                ),
            ),
            ("listener_id", Value::from(q.listener_id.clone())),
        ]),
        None if prior.get("upgrade_enabled").as_bool() != Some(true)
            && prior.get("listener_id").is_null() =>
        {
            prior.clone()
        }
        None => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alb_api::common::Tag;
    use alb_api::load_balancer::{LoadBalancer, ZoneMapping as ApiZone};
    use model::diff::ActualLoadBalancer;
    use model::ownership::{config_tags, ResourceKind};
    use model::spec::ListenerProtocol;
    use model::spec::{AddressType, Edition};

    const CLUSTER: &str = "c1";

    fn observed(idle_timeout: u32) -> Observed {
        let key = ListenerKey::new(ListenerProtocol::Http, 80);
        let mut attributes = default_attributes(key).expect("defaults");
        attributes.idle_timeout = idle_timeout;
        let owned = ActualListener {
            id: "lsn-80".into(),
            key,
            attributes: attributes.clone(),
            default_server_group_id: Some("sgp-80".into()),
            tags: config_tags(CLUSTER, "web", ResourceKind::Listener, Some("HTTP:80")),
            acl_type: None,
            acl_ids: Vec::new(),
        };
        let foreign = ActualListener {
            id: "lsn-8080".into(),
            key: ListenerKey::new(ListenerProtocol::Http, 8080),
            tags: Default::default(),
            ..owned.clone()
        };
        let mut tags = config_tags(CLUSTER, "web", ResourceKind::LoadBalancer, None);
        tags.insert("team".into(), "web".into());
        Observed {
            lb: LoadBalancer {
                load_balancer_id: "alb-1".into(),
                load_balancer_status: "Active".into(),
                address_type: Some("Internet".into()),
                load_balancer_edition: Some("Standard".into()),
                vpc_id: Some("vpc-1".into()),
                dns_name: Some("alb-1.example".into()),
                resource_group_id: Some("rg-default".into()),
                zone_mappings: vec![
                    ApiZone {
                        zone_id: "b".into(),
                        v_switch_id: "vsw-b".into(),
                        ..Default::default()
                    },
                    ApiZone {
                        zone_id: "a".into(),
                        v_switch_id: "vsw-a".into(),
                        ..Default::default()
                    },
                ],
                tags: vec![Tag::new("team", "web")],
                ..Default::default()
            },
            identity: "web".into(),
            actual: ActualLoadBalancer {
                id: "alb-1".into(),
                name: "web".into(),
                deletion_protection: false,
                access_log: None,
                tags,
                edition: Some(Edition::Standard),
                address_type: Some(AddressType::Internet),
                zone_mappings: ["b", "a"]
                    .iter()
                    .map(|z| ZoneMapping {
                        zone_id: (*z).into(),
                        vswitch_id: format!("vsw-{z}"),
                        allocation_id: None,
                        eip_type: None,
                        intranet_address: None,
                    })
                    .collect(),
                resource_group_id: Some("rg-default".into()),
                listeners: vec![foreign, owned],
                placeholders: Vec::new(),
                acls: Vec::new(),
            },
        }
    }

    #[test]
    fn import_renders_what_exists_and_ignores_foreign_listeners() {
        let sparse = conform(
            &schema::schema().block,
            Value::object([("id", Value::from("alb-1"))]),
        );
        let state = refreshed(&sparse, &observed(15), CLUSTER, None);
        assert_eq!(state.get("name").as_str(), Some("web"));
        assert_eq!(state.get("vpc_id").as_str(), Some("vpc-1"));
        // Attributes with a default show the effective value, as the plan does for unset ones.
        assert_eq!(state.get("address_type").as_str(), Some("Internet"));
        assert_eq!(state.get("edition").as_str(), Some("Standard"));
        assert_eq!(state.get("deletion_protection").as_bool(), Some(false));
        assert_eq!(state.get("resource_group_id").as_str(), Some("rg-default"));
        assert_eq!(
            state.get("tags"),
            &Value::object([("team", Value::from("web"))])
        );
        let listeners = state.get("listener").as_map().expect("listeners by label");
        assert_eq!(
            listeners.keys().collect::<Vec<_>>(),
            ["HTTP:80"],
            "only the owned listener, under its label"
        );
        let http = &listeners["HTTP:80"];
        assert_eq!(http.get("id").as_str(), Some("lsn-80"));
        assert!(http.get("idle_timeout").is_null());
        assert!(http.get("x_forwarded_for").is_null());
        assert!(http.get("description").is_null());
        let zones: Vec<_> = state
            .get("zone_mapping")
            .as_list()
            .unwrap_or_default()
            .iter()
            .map(|z| z.get("zone_id").as_str().unwrap_or(""))
            .collect();
        assert_eq!(zones, ["b", "a"], "API order without a prior order");
    }

    #[test]
    fn an_import_not_applied_yet_shows_the_foreign_listeners_it_takes_over() {
        let adopting = Adopting {
            listeners: [ListenerKey::new(ListenerProtocol::Http, 8080)].into(),
        };
        let state = refreshed(&Value::Null, &observed(15), CLUSTER, Some(&adopting));
        let listeners = state.get("listener").as_map().expect("listeners by label");
        assert_eq!(
            listeners.keys().collect::<Vec<_>>(),
            ["HTTP:80", "HTTP:8080"]
        );
        assert_eq!(listeners["HTTP:8080"].get("id").as_str(), Some("lsn-8080"));
        let settled = refreshed(
            &Value::Null,
            &observed(15),
            CLUSTER,
            Some(&Adopting::default()),
        );
        assert_eq!(settled.get("listener").as_map().map(|m| m.len()), Some(1));
    }

    #[test]
    fn refresh_shows_drift_and_keeps_prior_order_and_set_values() {
        let mut prior = refreshed(&Value::Null, &observed(15), CLUSTER, None);
        let zones = tfplugin::diag::AttributePath::root().attr("zone_mapping");
        if let Some(Value::List(items)) = prior.at_mut(&zones) {
            items.reverse();
        }
        let drifted = refreshed(&prior, &observed(99), CLUSTER, None);
        let listener = drifted.get("listener").get("HTTP:80");
        assert_eq!(listener.get("idle_timeout").as_i64(), Some(99));
        let zones: Vec<_> = drifted
            .get("zone_mapping")
            .as_list()
            .unwrap_or_default()
            .iter()
            .map(|z| z.get("zone_id").as_str().unwrap_or(""))
            .collect();
        assert_eq!(zones, ["a", "b"], "prior order kept");
    }

    #[test]
    fn listener_acl_is_rendered_from_what_is_bound_in_the_prior_order() {
        let with_acl = |entries: &[&str], ids: &[&str]| {
            let mut o = observed(15);
            o.actual.listeners[1].attributes.acl = Some(Acl {
                kind: model::spec::AclType::White,
                entries: entries.iter().map(|s| (*s).to_owned()).collect(),
                acl_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
            });
            o
        };
        let acl_of = |state: &Value| state.get("listener").get("HTTP:80").get("acl").clone();
        let strings = |v: &[&str]| Value::List(v.iter().map(|s| Value::from(*s)).collect());
        let imported = refreshed(
            &Value::Null,
            &with_acl(&["1.1.1.1", "10.0.0.0/8"], &[]),
            CLUSTER,
            None,
        );
        assert_eq!(
            acl_of(&imported),
            Value::object([
                ("type", Value::from("White")),
                ("entries", strings(&["1.1.1.1", "10.0.0.0/8"])),
                ("acl_ids", Value::Null),
            ])
        );
        // The configuration's order is kept; an entry added in the console comes last.
        let mut prior = imported.clone();
        let entries = tfplugin::diag::AttributePath::root()
            .attr("listener")
            .key("HTTP:80")
            .attr("acl")
            .attr("entries");
        if let Some(slot) = prior.at_mut(&entries) {
            *slot = strings(&["10.0.0.0/8", "1.1.1.1"]);
        }
        let drifted = refreshed(
            &prior,
            &with_acl(&["1.1.1.1", "10.0.0.0/8", "9.9.9.9"], &["acl-x"]),
            CLUSTER,
            None,
        );
        assert_eq!(
            acl_of(&drifted).get("entries"),
            &strings(&["10.0.0.0/8", "1.1.1.1", "9.9.9.9"])
        );
        assert_eq!(acl_of(&drifted).get("acl_ids"), &strings(&["acl-x"]));
        // An API that answers `1.1.1.1/32` keeps the configured spelling.
        let as_cidrs = refreshed(
            &prior,
            &with_acl(&["1.1.1.1/32", "10.0.0.0/8"], &[]),
            CLUSTER,
            None,
        );
        assert_eq!(
            acl_of(&as_cidrs).get("entries"),
            &strings(&["10.0.0.0/8", "1.1.1.1"])
        );
        let ids_only = refreshed(&prior, &with_acl(&[], &["acl-x"]), CLUSTER, None);
        assert!(acl_of(&ids_only).get("entries").is_null());
        assert!(
            acl_of(&refreshed(&prior, &observed(15), CLUSTER, None)).is_null(),
            "nothing bound"
        );
    }

    #[test]
    fn apply_fills_only_unknown_computed_values() {
        let planned = Value::object([
            ("id", Value::Unknown),
            ("name", Value::from("web")),
            ("dns_name", Value::from("kept")),
            ("status", Value::Unknown),
            (
                "listener",
                Value::object([(
                    "HTTP:80",
                    Value::object([
                        ("id", Value::Unknown),
                        ("default_server_group_id", Value::Unknown),
                    ]),
                )]),
            ),
        ]);
        let state = applied(&planned, "alb-1", Some(&observed(15)), CLUSTER);
        assert_eq!(state.get("id").as_str(), Some("alb-1"));
        assert_eq!(state.get("dns_name").as_str(), Some("kept"));
        assert_eq!(state.get("status").as_str(), Some("Active"));
        let l = state.get("listener").get("HTTP:80");
        assert_eq!(l.get("id").as_str(), Some("lsn-80"));
        assert_eq!(l.get("default_server_group_id").as_str(), Some("sgp-80"));

        let failed = applied(&planned, "alb-1", None, CLUSTER);
        assert_eq!(failed.get("id").as_str(), Some("alb-1"));
        assert!(failed.get("status").is_null(), "no unknowns in state");
    }
}

//! The computed `rules` and `server_groups` as Terraform values: planned from the desired
//! expansion (ids of existing objects copied from the prior state) and observed from what
//! exists. Both go through the model's one renderer ([`model::render`]), so they are equal when
//! nothing drifted.
//!
//! Both are maps keyed by identity (a rule's `alb.terraform/key`, a group's `<service>:<port>`),
//! never lists: Terraform pairs old and new entries by key, so a plan shows exactly the entries
//! that are added, removed or changed, whatever their order.

use std::collections::BTreeMap;

use model::desired::{DesiredIngress, ListenerKey, Member, ServerType};
use model::priority::Held;
use model::render::{GroupView, RuleView};
use tfplugin::value::Value;

use super::observe::{LoadBalancer, Observation};

/// The computed maps of one state.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Computed {
    /// `rules`.
    pub rules: Value,
    /// `server_groups`.
    pub server_groups: Value,
}

impl Computed {
    /// Both maps unknown (the configuration is not known yet).
    pub(crate) fn unknown() -> Self {
        Self {
            rules: Value::Unknown,
            server_groups: Value::Unknown,
        }
    }

    /// Both maps empty (nothing exists).
    pub(crate) fn empty() -> Self {
        Self {
            rules: Value::Map(BTreeMap::new()),
            server_groups: Value::Map(BTreeMap::new()),
        }
    }

    /// The same maps with every server group's `members` unknown (not knowable yet).
    pub(crate) fn with_unknown_members(mut self) -> Self {
        if let Value::Map(groups) = &mut self.server_groups {
            for group in groups.values_mut() {
                if let Value::Map(attributes) = group {
                    attributes.insert("members".to_owned(), Value::Unknown);
                }
            }
        }
        self
    }

    /// The same maps with every rule's `priority` unknown, and the `name` and `summary` that
    /// show it: the order that numbers the rules is chosen at apply.
    pub(crate) fn with_unknown_priorities(mut self) -> Self {
        if let Value::Map(rules) = &mut self.rules {
            for rule in rules.values_mut() {
                if let Value::Map(attributes) = rule {
                    for name in ["priority", "name", "summary"] {
                        attributes.insert(name.to_owned(), Value::Unknown);
                    }
                }
            }
        }
        self
    }

    /// `state` with these maps.
    pub(crate) fn into_state(self, mut state: Value) -> Value {
        if let Value::Map(m) = &mut state {
            m.insert("rules".to_owned(), self.rules);
            m.insert("server_groups".to_owned(), self.server_groups);
        }
        state
    }
}

/// The planned maps: `desired` with listener ids from `lb` (unknown while it is not known)
/// and the ids of rules and groups that already exist from `prior` (unknown for new ones, and
/// for groups whose protocol changes, since they are replaced); a group with no prior id that a
/// takeover adopts shows the id in `adopted` (key → id).
///
/// The prior id is the one of the object apply keeps, chosen as the diff ([`model::diff`])
/// chooses among objects with the same key: a rule's only object on its listener or the one
/// already at the planned priority, a group's object with the planned protocol. When that is
/// ambiguous (duplicates nothing tells apart) the id stays unknown.
pub(crate) fn planned(
    desired: &DesiredIngress,
    lb: Option<&LoadBalancer>,
    prior: &Value,
    adopted: &BTreeMap<String, String>,
) -> Computed {
    let prior_rules = by_key(prior.get("rules"));
    let prior_groups = by_key(prior.get("server_groups"));
    let group_ids: BTreeMap<&str, Value> = desired
        .server_groups
        .iter()
        .map(|g| {
            let protocol = Value::from(g.attributes.protocol.as_str());
            let same_protocol = |e: &Value| e.get("protocol") == &protocol;
            let id = match kept_id(prior_groups.get(g.key.as_str()), same_protocol) {
                Value::Unknown => adopted
                    .get(&g.key)
                    .map_or(Value::Unknown, |id| Value::from(id.as_str())),
                id => id,
            };
            (g.key.as_str(), id)
        })
        .collect();
    let listener_id = |l: ListenerKey| {
        lb.and_then(|lb| lb.listeners.get(&l))
            .map_or(Value::Unknown, |id| Value::from(id.as_str()))
    };
    Computed {
        rules: keyed(desired.rules.iter().enumerate().map(|(i, r)| {
            let view = r.view();
            let listener = Value::from(r.listener.to_string());
            let priority = Value::from(i64::from(r.priority));
            let on_listener: Vec<&Value> = prior_rules
                .get(view.key.as_str())
                .into_iter()
                .flatten()
                .copied()
                .filter(|e| e.get("listener") == &listener)
                .collect();
            let id = match on_listener.as_slice() {
                [only] => known_id(only),
                _ => kept_id(Some(&on_listener), |e| e.get("priority") == &priority),
            };
            let value = rule_value(&view, listener_id(r.listener), id, &|key| {
                group_ids.get(key).cloned().unwrap_or(Value::Unknown)
            });
            (view.key, i.to_string(), value)
        })),
        server_groups: keyed(desired.server_groups.iter().enumerate().map(|(i, g)| {
            let value = group_value(&g.view(), group_ids[g.key.as_str()].clone());
            (g.key.clone(), i.to_string(), value)
        })),
    }
}

/// The entries of a computed map by the key of the object they show: a duplicate's
/// `<key> (<id>)` ([`keyed_entries`]) counts under `<key>`.
fn by_key(map: &Value) -> BTreeMap<&str, Vec<&Value>> {
    let mut out: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for (key, entry) in entries(map) {
        let key = entry
            .get("id")
            .as_str()
            .and_then(|id| key.strip_suffix(format!(" ({id})").as_str()))
            .unwrap_or(key);
        out.entry(key).or_default().push(entry);
    }
    out
}

/// The id of the one candidate that `fits`; unknown when none or several do.
fn kept_id(candidates: Option<&Vec<&Value>>, fits: impl Fn(&Value) -> bool) -> Value {
    let mut fitting = candidates.into_iter().flatten().filter(|e| fits(e));
    match (fitting.next(), fitting.next()) {
        (Some(one), None) => known_id(one),
        _ => Value::Unknown,
    }
}

/// An entry's id when it is a known string.
fn known_id(entry: &Value) -> Value {
    match entry.get("id") {
        Value::String(s) => Value::from(s.as_str()),
        _ => Value::Unknown,
    }
}

/// The maps of what exists: the ingress's own rules and server groups.
pub(crate) fn observed(o: &Observation) -> Computed {
    let groups = o.owned_groups();
    let group_ids: BTreeMap<&str, &str> = groups.iter().map(|g| (g.key(), g.id.as_str())).collect();
    let group_id = |key: &str| {
        let id = group_ids
            .get(key)
            .copied()
            .or_else(|| key.strip_prefix("id:"))
            .unwrap_or_default();
        Value::from(id)
    };
    Computed {
        rules: keyed(o.owned_rules().into_iter().map(|r| {
            let listener_id = o.lb.listeners.get(&r.listener).map_or("", String::as_str);
            let view = r.view();
            let value = rule_value(
                &view,
                Value::from(listener_id),
                Value::from(r.id.as_str()),
                &group_id,
            );
            (view.key, r.id.clone(), value)
        })),
        server_groups: keyed(groups.into_iter().map(|g| {
            let value = group_value(&g.view(), Value::from(g.id.as_str()));
            (g.key().to_owned(), g.id.clone(), value)
        })),
    }
}

/// Entries by key, as a map value ([`keyed_entries`]).
fn keyed(entries: impl IntoIterator<Item = (String, String, Value)>) -> Value {
    Value::Map(keyed_entries(entries))
}

/// `(key, tiebreak, value)` entries by key. Keys are unique in a plan (the expansion makes them
/// so); what exists may hold a duplicate (an interrupted run, a console copy) or an object
/// without a key tag: it is listed under `<key> (<tiebreak>)`, its object id, so that the plan
/// shows it (apply deletes it) instead of one entry hiding the other.
pub(crate) fn keyed_entries<T>(
    entries: impl IntoIterator<Item = (String, String, T)>,
) -> BTreeMap<String, T> {
    let mut out = BTreeMap::new();
    for (key, tiebreak, value) in entries {
        let key = if key.is_empty() || out.contains_key(&key) {
            format!("{key} ({tiebreak})").trim_start().to_owned()
        } else {
            key
        };
        out.insert(key, value);
    }
    out
}

/// The `(key, entry)` pairs of a computed map (none while it is unknown or null).
fn entries(map: &Value) -> impl Iterator<Item = (&str, &Value)> {
    map.as_map()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v))
}

fn list(list: &Value) -> impl Iterator<Item = &Value> {
    list.as_list().unwrap_or_default().iter()
}

fn strings(v: &[String]) -> Value {
    Value::List(v.iter().map(|s| Value::from(s.as_str())).collect())
}

fn string_map(m: &BTreeMap<String, String>) -> Value {
    Value::Map(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect(),
    )
}

/// One `rules` entry.
fn rule_value(
    v: &RuleView,
    listener_id: Value,
    id: Value,
    group_id: &dyn Fn(&str) -> Value,
) -> Value {
    let conditions = v
        .conditions
        .iter()
        .map(|c| {
            Value::object([
                ("type", Value::from(c.kind.as_str())),
                ("key", Value::from(c.key.as_str())),
                ("values", strings(&c.values)),
            ])
        })
        .collect();
    let actions = v
        .actions
        .iter()
        .map(|a| {
            let groups = a
                .server_groups
                .iter()
                .map(|t| {
                    Value::object([
                        ("key", Value::from(t.key.as_str())),
                        ("id", group_id(&t.key)),
                        ("weight", Value::from(i64::from(t.weight))),
                    ])
                })
                .collect();
            Value::object([
                ("type", Value::from(a.kind.as_str())),
                ("order", Value::from(i64::from(a.order))),
                ("server_groups", Value::List(groups)),
                ("config", string_map(&a.config)),
            ])
        })
        .collect();
    Value::object([
        ("listener", Value::from(v.listener.to_string())),
        ("listener_id", listener_id),
        ("priority", Value::from(i64::from(v.priority))),
        ("name", Value::from(v.name.as_str())),
        ("id", id),
        ("summary", Value::from(v.summary.as_str())),
        ("conditions", Value::List(conditions)),
        ("actions", Value::List(actions)),
    ])
}

/// One `server_groups` entry.
fn group_value(v: &GroupView, id: Value) -> Value {
    Value::object([
        ("service", Value::from(v.service.as_str())),
        ("port", Value::from(v.port.as_str())),
        ("id", id),
        ("name", Value::from(v.name.as_str())),
        ("protocol", Value::from(v.protocol.as_str())),
        ("scheduler", Value::from(v.scheduler.as_str())),
        ("member_mode", Value::from(v.member_mode.as_str())),
        ("attributes", string_map(&v.attributes)),
        (
            "members",
            Value::List(v.members.iter().map(member_value).collect()),
        ),
    ])
}

fn member_value(m: &Member) -> Value {
    let kind = match m.kind {
        ServerType::Ecs => "Ecs",
        ServerType::Eni => "Eni",
        ServerType::Eci => "Eci",
        ServerType::Ip => "Ip",
    };
    Value::object([
        ("server_id", Value::from(m.server_id.as_str())),
        ("ip", Value::from(m.ip.as_str())),
        ("port", Value::from(i64::from(m.port))),
        ("weight", Value::from(i64::from(m.weight))),
        ("type", Value::from(kind)),
    ])
}

/// Members of each server group in the planned `server_groups` (apply forwards exactly these).
pub(crate) fn planned_members(planned: &Value) -> model::Members {
    entries(planned.get("server_groups"))
        .map(|(key, g)| {
            let members = list(g.get("members"))
                .filter_map(member_from_value)
                .collect();
            (key.to_owned(), members)
        })
        .collect()
}

/// The rule priorities of the planned `rules` (apply keeps exactly these).
pub(crate) fn planned_priorities(planned: &Value) -> Held {
    Held::planned(entries(planned.get("rules")).filter_map(|(key, r)| {
        let listener: ListenerKey = r.get("listener").as_str()?.parse().ok()?;
        let priority = u32::try_from(r.get("priority").as_i64()?).ok()?;
        Some((listener, key.to_owned(), priority))
    }))
}

fn member_from_value(v: &Value) -> Option<Member> {
    let kind = match v.get("type").as_str()? {
        "Ecs" => ServerType::Ecs,
        "Eni" => ServerType::Eni,
        "Eci" => ServerType::Eci,
        "Ip" => ServerType::Ip,
        _ => return None,
    };
    Some(Member {
        server_id: v.get("server_id").as_str()?.to_owned(),
        ip: v.get("ip").as_str()?.to_owned(),
        port: u16::try_from(v.get("port").as_i64()?).ok()?,
        weight: u32::try_from(v.get("weight").as_i64()?).ok()?,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::spec::IngressSpec;
    use model::{expand_ingress, ConfigListeners, Members};

    fn desired(protocol: &str) -> DesiredIngress {
        let spec: IngressSpec = serde_json::from_value(serde_json::json!({
            "alb_config_id": "alb-1", "namespace": "shop", "name": "web",
            "backend_defaults": {"protocol": protocol},
            "rule": [{"host": "a.example.com", "path": [
                {"path": "/api", "path_type": "Prefix", "backend": [{"service": "api", "port": "80"}]},
                {"path": "/new", "path_type": "Exact", "backend": [{"service": "new", "port": "80"}]}
            ]}]
        }))
        .unwrap();
        let listeners = ConfigListeners {
            cluster_id: "c".into(),
            config: "alb-1".into(),
            edition: model::spec::Edition::Standard,
            listeners: ["HTTP:80".parse().unwrap()].into(),
        };
        expand_ingress(&spec, &listeners, &Members::new(), &Held::default()).unwrap()
    }

    /// The identities of the `/api` and the `/new` rules of `d`.
    fn keys(d: &DesiredIngress) -> (String, String) {
        let key = |path: &str| {
            let rule = d.rules.iter().find(|r| r.view().summary.contains(path));
            rule.map(|r| r.identity.clone()).expect(path)
        };
        (key("path=/api"), key("path=/new"))
    }

    /// A prior state holding the `/api` rule (`rule-1`) and group `api:80` (`sgp-1`) of `d`.
    fn prior(d: &DesiredIngress) -> Value {
        let rule = Value::object([
            ("id", Value::from("rule-1")),
            ("listener", Value::from("HTTP:80")),
        ]);
        let group = Value::object([
            ("protocol", Value::from("HTTP")),
            ("id", Value::from("sgp-1")),
        ]);
        Value::object([
            ("rules", Value::Map([(keys(d).0, rule)].into())),
            (
                "server_groups",
                Value::Map([("api:80".to_owned(), group)].into()),
            ),
        ])
    }

    #[test]
    fn planned_ids_come_from_the_prior_state_for_existing_objects_only() {
        let lb = LoadBalancer {
            config: "web".into(),
            edition: model::spec::Edition::Standard,
            listeners: [("HTTP:80".parse().unwrap(), "lsn-1".to_owned())].into(),
            adopt: None,
        };
        let d = desired("HTTP");
        let (api_key, new_key) = keys(&d);
        let c = planned(&d, Some(&lb), &prior(&d), &BTreeMap::new());
        let rules = c.rules.as_map().unwrap();
        assert_eq!(rules.len(), 2);
        let api = &rules[&api_key];
        assert_eq!(api.get("id").as_str(), Some("rule-1"));
        assert_eq!(api.get("listener_id").as_str(), Some("lsn-1"));
        assert_eq!(api.get("listener").as_str(), Some("HTTP:80"));
        assert!(api.get("key").is_null(), "the map key is not repeated");
        let forward = &api.get("actions").as_list().unwrap()[0];
        assert_eq!(
            forward.get("server_groups").as_list().unwrap()[0]
                .get("id")
                .as_str(),
            Some("sgp-1")
        );
        let new = &rules[&new_key];
        assert!(new.get("id").is_unknown());
        let groups = c.server_groups.as_map().unwrap();
        assert_eq!(
            groups.keys().map(String::as_str).collect::<Vec<_>>(),
            ["api:80", "new:80"]
        );
        assert_eq!(groups["api:80"].get("id").as_str(), Some("sgp-1"));
        assert_eq!(groups["api:80"].get("service").as_str(), Some("api"));
        assert!(groups["new:80"].get("id").is_unknown());
        assert_eq!(groups["api:80"].get("members"), &Value::List(Vec::new()));

        // A protocol change replaces the group: its id is not known any more.
        let d = desired("HTTPS");
        let c = planned(&d, None, &prior(&d), &BTreeMap::new());
        let groups = c.server_groups.as_map().unwrap();
        assert!(groups["api:80"].get("id").is_unknown());
        assert!(c.rules.as_map().unwrap()[&keys(&d).0]
            .get("listener_id")
            .is_unknown());
        assert_eq!(
            c,
            planned(&d, None, &prior(&d), &BTreeMap::new()),
            "deterministic"
        );
    }

    #[test]
    fn planned_ids_follow_the_object_apply_keeps() {
        let d = desired("HTTP");
        let (api_key, _) = keys(&d);
        let priority = d
            .rules
            .iter()
            .find(|r| r.identity == api_key)
            .unwrap()
            .priority;
        let entry = |id: &str, listener: &str, priority: u32| {
            Value::object([
                ("id", Value::from(id)),
                ("listener", Value::from(listener)),
                ("priority", Value::from(i64::from(priority))),
            ])
        };
        let planned_id = |rules: Vec<(String, Value)>| {
            let prior = Value::object([("rules", Value::Map(rules.into_iter().collect()))]);
            let c = planned(&d, None, &prior, &BTreeMap::new());
            c.rules.as_map().unwrap()[&api_key].get("id").clone()
        };
        // Its only object keeps its id whatever its priority (a drift is an update).
        assert_eq!(
            planned_id(vec![(api_key.clone(), entry("rule-1", "HTTP:80", 150))]),
            Value::from("rule-1")
        );
        // Of duplicates, the one at the planned priority is kept, listed under either key.
        let duplicates = |second_priority| {
            vec![
                (api_key.clone(), entry("rule-1", "HTTP:80", 150)),
                (
                    format!("{api_key} (rule-2)"),
                    entry("rule-2", "HTTP:80", second_priority),
                ),
            ]
        };
        assert_eq!(planned_id(duplicates(priority)), Value::from("rule-2"));
        assert!(planned_id(duplicates(160)).is_unknown(), "ambiguous");
        // An entry on another listener is another rule.
        assert!(
            planned_id(vec![(api_key.clone(), entry("rule-1", "HTTPS:443", 150))]).is_unknown()
        );
    }

    #[test]
    fn every_rule_and_group_of_an_ingress_has_its_own_key() {
        // Two listeners, an SSL redirect (the same paths on HTTP:80 and HTTPS:443), header and
        // cookie canaries, a mirror, a default backend and a service port given twice, by
        // number and by name.
        let spec: IngressSpec = serde_json::from_value(serde_json::json!({
            "alb_config_id": "alb-1", "namespace": "shop", "name": "web",
            "tls_hosts": ["a.example.com"], "ssl_redirect": true,
            "rule": [
                {"host": "a.example.com", "path": [
                    {"path": "/api", "path_type": "Prefix", "backend": [{"service": "api", "port": "80"}]},
                    {"path": "/api", "path_type": "Exact", "backend": [{"service": "api", "port": "http"}]},
                    {"path": "/v2", "path_type": "Prefix", "backend": [{"service": "api", "port": "80"}],
                     "mirror": {"service": "shadow", "port": "80"}}
                ]},
                {"host": "b.example.com", "path": [
                    {"path": "/api", "path_type": "Prefix", "backend": [{"service": "b", "port": "80"}]}
                ]},
                {"path": [{"path": "/api", "path_type": "Prefix", "backend": [{"service": "any", "port": "80"}]}]}
            ],
            "canary": [{"header": {"name": "x-canary"}, "backend": {"service": "api-next", "port": "80"}}],
            "default_backend": {"service": "web", "port": "80"}
        }))
        .unwrap();
        let listeners = ConfigListeners {
            cluster_id: "c".into(),
            config: "alb-1".into(),
            edition: model::spec::Edition::Standard,
            listeners: ["HTTP:80".parse().unwrap(), "HTTPS:443".parse().unwrap()].into(),
        };
        let d = expand_ingress(&spec, &listeners, &Members::new(), &Held::default()).unwrap();
        let c = planned(&d, None, &Value::Null, &BTreeMap::new());
        let rules = c.rules.as_map().unwrap();
        assert!(d.rules.len() >= 12, "{:#?}", d.rules);
        assert_eq!(rules.len(), d.rules.len(), "one entry per rule");
        for r in &d.rules {
            let entry = &rules[r.identity.as_str()];
            assert_eq!(entry.get("priority").as_i64(), Some(i64::from(r.priority)));
            assert_eq!(
                entry.get("listener").as_str(),
                Some(&*r.listener.to_string())
            );
        }
        let groups = c.server_groups.as_map().unwrap();
        assert_eq!(
            groups.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "any:80",
                "api-next:80",
                "api:80",
                "api:http",
                "b:80",
                "shadow:80",
                "web:80"
            ]
        );
    }

    #[test]
    fn duplicates_and_untagged_objects_keep_their_own_entries() {
        let entries = keyed_entries([
            ("a".to_owned(), "rule-1".to_owned(), 1),
            ("b".to_owned(), "rule-2".to_owned(), 2),
            ("a".to_owned(), "rule-3".to_owned(), 3),
            (String::new(), "rule-4".to_owned(), 4),
        ]);
        assert_eq!(
            entries.into_iter().collect::<Vec<_>>(),
            [
                ("(rule-4)".to_owned(), 4),
                ("a".to_owned(), 1),
                ("a (rule-3)".to_owned(), 3),
                ("b".to_owned(), 2),
            ]
        );
    }

    #[test]
    fn planned_members_round_trip() {
        let m = Member {
            server_id: "eni-1".into(),
            ip: "10.0.0.1".into(),
            port: 8080,
            weight: 50,
            kind: ServerType::Eni,
        };
        let planned = Value::object([(
            "server_groups",
            Value::Map(
                [(
                    "api:80".to_owned(),
                    Value::object([("members", Value::List(vec![member_value(&m)]))]),
                )]
                .into(),
            ),
        )]);
        assert_eq!(planned_members(&planned)["api:80"], vec![m]);
        assert!(planned_members(&Value::Unknown).is_empty());
    }
}

//! The computed `rules` and `server_groups` as Terraform values: planned from the desired
//! expansion (ids of existing objects copied from the prior state) and observed from what
//! exists. Both go through the model's one renderer ([`model::render`]), so they are equal when
//! nothing drifted.

use std::collections::BTreeMap;

use model::desired::{DesiredIngress, ListenerKey, Member, ServerType};
use model::priority::Held;
use model::render::{GroupView, RuleView};
use tfplugin::value::Value;

use super::observe::{LoadBalancer, Observation};

/// The computed lists of one state.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Computed {
    /// `rules`.
    pub rules: Value,
    /// `server_groups`.
    pub server_groups: Value,
}

impl Computed {
    /// Both lists unknown (the configuration is not known yet).
    pub(crate) fn unknown() -> Self {
        Self {
            rules: Value::Unknown,
            server_groups: Value::Unknown,
        }
    }

    /// Both lists empty (nothing exists).
    pub(crate) fn empty() -> Self {
        Self {
            rules: Value::List(Vec::new()),
            server_groups: Value::List(Vec::new()),
        }
    }

    /// `state` with these lists.
    pub(crate) fn into_state(self, mut state: Value) -> Value {
        if let Value::Map(m) = &mut state {
            m.insert("rules".to_owned(), self.rules);
            m.insert("server_groups".to_owned(), self.server_groups);
        }
        state
    }
}

/// The planned lists: `desired` with listener ids from `lb` (unknown while it is not known)
/// and the ids of rules and groups that already exist from `prior` (unknown for new ones, and
/// for groups whose protocol changes, since they are replaced).
pub(crate) fn planned(
    desired: &DesiredIngress,
    lb: Option<&LoadBalancer>,
    prior: &Value,
) -> Computed {
    let prior_rules: BTreeMap<&str, &Value> = entries(prior.get("rules"))
        .filter_map(|r| Some((r.get("key").as_str()?, r.get("id"))))
        .collect();
    let prior_groups: BTreeMap<(&str, &str), &Value> = entries(prior.get("server_groups"))
        .filter_map(|g| {
            Some((
                (g.get("key").as_str()?, g.get("protocol").as_str()?),
                g.get("id"),
            ))
        })
        .collect();
    let known = |v: Option<&&Value>| match v {
        Some(Value::String(s)) => Value::from(s.as_str()),
        _ => Value::Unknown,
    };
    let group_ids: BTreeMap<&str, Value> = desired
        .server_groups
        .iter()
        .map(|g| {
            let id = prior_groups.get(&(g.key.as_str(), g.attributes.protocol.as_str()));
            (g.key.as_str(), known(id))
        })
        .collect();
    let listener_id = |l: ListenerKey| {
        lb.and_then(|lb| lb.listeners.get(&l))
            .map_or(Value::Unknown, |id| Value::from(id.as_str()))
    };
    Computed {
        rules: Value::List(
            desired
                .rules
                .iter()
                .map(|r| {
                    let view = r.view();
                    let id = known(prior_rules.get(view.key.as_str()));
                    rule_value(&view, listener_id(r.listener), id, &|key| {
                        group_ids.get(key).cloned().unwrap_or(Value::Unknown)
                    })
                })
                .collect(),
        ),
        server_groups: Value::List(
            desired
                .server_groups
                .iter()
                .map(|g| group_value(&g.view(), group_ids[g.key.as_str()].clone()))
                .collect(),
        ),
    }
}

/// The lists of what exists: the ingress's own rules and server groups.
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
        rules: Value::List(
            o.owned_rules()
                .into_iter()
                .map(|r| {
                    let listener_id = o.lb.listeners.get(&r.listener).map_or("", String::as_str);
                    rule_value(
                        &r.view(),
                        Value::from(listener_id),
                        Value::from(r.id.as_str()),
                        &group_id,
                    )
                })
                .collect(),
        ),
        server_groups: Value::List(
            groups
                .into_iter()
                .map(|g| group_value(&g.view(), Value::from(g.id.as_str())))
                .collect(),
        ),
    }
}

fn entries(list: &Value) -> impl Iterator<Item = &Value> {
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

/// One `rules` element.
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
        ("key", Value::from(v.key.as_str())),
        ("summary", Value::from(v.summary.as_str())),
        ("conditions", Value::List(conditions)),
        ("actions", Value::List(actions)),
    ])
}

/// One `server_groups` element.
fn group_value(v: &GroupView, id: Value) -> Value {
    Value::object([
        ("key", Value::from(v.key.as_str())),
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
        .filter_map(|g| {
            let members = entries(g.get("members"))
                .filter_map(member_from_value)
                .collect();
            Some((g.get("key").as_str()?.to_owned(), members))
        })
        .collect()
}

/// The rule priorities of the planned `rules` (apply keeps exactly these), whether the
/// attribute is a list or a map of rule objects.
pub(crate) fn planned_priorities(planned: &Value) -> Held {
    let rules = planned.get("rules");
    let values: Vec<&Value> = match (rules.as_list(), rules.as_map()) {
        (Some(list), _) => list.iter().collect(),
        (None, Some(map)) => map.values().collect(),
        (None, None) => Vec::new(),
    };
    Held::planned(values.into_iter().filter_map(|r| {
        let listener: ListenerKey = r.get("listener").as_str()?.parse().ok()?;
        let key = r.get("key").as_str()?.to_owned();
        let priority = u32::try_from(r.get("priority").as_i64()?).ok()?;
        Some((listener, key, priority))
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

    fn prior() -> Value {
        let rule = |key: &str, id: &str| {
            Value::object([("key", Value::from(key)), ("id", Value::from(id))])
        };
        let group = |key: &str, id: &str| {
            Value::object([
                ("key", Value::from(key)),
                ("protocol", Value::from("HTTP")),
                ("id", Value::from(id)),
            ])
        };
        Value::object([
            (
                "rules",
                Value::List(vec![rule(
                    "HTTP:80 host=a.example.com path=Prefix#0",
                    "rule-1",
                )]),
            ),
            ("server_groups", Value::List(vec![group("api:80", "sgp-1")])),
        ])
    }

    #[test]
    fn planned_ids_come_from_the_prior_state_for_existing_objects_only() {
        let lb = LoadBalancer {
            config: "web".into(),
            edition: model::spec::Edition::Standard,
            listeners: [("HTTP:80".parse().unwrap(), "lsn-1".to_owned())].into(),
        };
        let c = planned(&desired("HTTP"), Some(&lb), &prior());
        let rules = c.rules.as_list().unwrap();
        let api = rules
            .iter()
            .find(|r| r.get("key").as_str() == Some("HTTP:80 host=a.example.com path=Prefix#0"))
            .unwrap();
        assert_eq!(api.get("id").as_str(), Some("rule-1"));
        assert_eq!(api.get("listener_id").as_str(), Some("lsn-1"));
        let forward = &api.get("actions").as_list().unwrap()[0];
        assert_eq!(
            forward.get("server_groups").as_list().unwrap()[0]
                .get("id")
                .as_str(),
            Some("sgp-1")
        );
        let new = rules
            .iter()
            .find(|r| r.get("key").as_str() == Some("HTTP:80 host=a.example.com path=Exact#0"))
            .unwrap();
        assert!(new.get("id").is_unknown());
        let groups = c.server_groups.as_list().unwrap();
        assert_eq!(groups[0].get("id").as_str(), Some("sgp-1"));
        assert!(groups[1].get("id").is_unknown());
        assert_eq!(groups[0].get("members"), &Value::List(Vec::new()));

        // A protocol change replaces the group: its id is not known any more.
        let c = planned(&desired("HTTPS"), None, &prior());
        let groups = c.server_groups.as_list().unwrap();
        assert!(groups[0].get("id").is_unknown());
        assert!(c.rules.as_list().unwrap()[0]
            .get("listener_id")
            .is_unknown());
        assert_eq!(
            c,
            planned(&desired("HTTPS"), None, &prior()),
            "deterministic"
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
            Value::List(vec![Value::object([
                ("key", Value::from("api:80")),
                ("members", Value::List(vec![member_value(&m)])),
            ])]),
        )]);
        assert_eq!(planned_members(&planned)["api:80"], vec![m]);
        assert!(planned_members(&Value::Unknown).is_empty());
    }
}

//! The computed view of an ingress's rules and server groups (`alb_ingress.rules` and
//! `alb_ingress.server_groups`), rendered the same way from desired and from actual objects.
//!
//! Plans render the desired expansion, reads render what exists; when nothing drifted both must
//! be identical, or every plan would show a change. So the renderer works on the canonical form
//! the diff compares ([`canonical_conditions`], [`canonical_actions`]): conditions sorted with
//! sorted values, actions by order with sorted forward targets. Whatever the diff treats as equal
//! renders equal.

use std::collections::BTreeMap;

use crate::desired::{
    Action, ActionKind, Condition, DesiredRule, DesiredServerGroup, FlatAction, FlatCondition,
    GroupTarget, KeyValue, ListenerKey, Member,
};
use crate::diff::{ActualRule, ActualServerGroup};
use crate::expand::rule_identity;
use crate::ownership::TAG_KEY;
use crate::spec::{BackendProtocol, MemberMode, Scheduler};

/// Conditions in canonical order: each with sorted values, the list sorted.
pub fn canonical_conditions(conditions: &[Condition]) -> Vec<Condition> {
    let mut v: Vec<Condition> = conditions.iter().map(Condition::normalized).collect();
    v.sort();
    v
}

/// Actions in canonical order: by `order`, forward targets by descending weight, then key.
pub fn canonical_actions(actions: &[Action]) -> Vec<Action> {
    let mut v = actions.to_vec();
    v.sort_by_key(|a| a.order);
    for a in &mut v {
        if let ActionKind::ForwardGroup { server_groups, .. } = &mut a.kind {
            server_groups.sort_by(|x, y| (y.weight, &x.key).cmp(&(x.weight, &y.key)));
        }
    }
    v
}

/// One element of the computed `rules`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleView {
    /// Listener.
    pub listener: ListenerKey,
    /// Priority.
    pub priority: u32,
    /// RuleName.
    pub name: String,
    /// Identity (`alb.terraform/key`): how plans match rules to existing ones.
    pub key: String,
    /// One line for humans.
    pub summary: String,
    /// Flat conditions.
    pub conditions: Vec<FlatCondition>,
    /// Flat actions (server groups by key; the provider adds their ids).
    pub actions: Vec<FlatAction>,
}

impl RuleView {
    /// Renders a rule from its parts.
    pub fn new(
        listener: ListenerKey,
        priority: u32,
        name: &str,
        key: &str,
        conditions: &[Condition],
        actions: &[Action],
    ) -> Self {
        let conditions = canonical_conditions(conditions);
        let actions = canonical_actions(actions);
        Self {
            listener,
            priority,
            name: name.to_owned(),
            key: key.to_owned(),
            summary: summary(listener, priority, &conditions, &actions),
            conditions: conditions.iter().map(Condition::flat).collect(),
            actions: actions.iter().map(flat_action).collect(),
        }
    }
}

fn summary(
    listener: ListenerKey,
    priority: u32,
    conditions: &[Condition],
    actions: &[Action],
) -> String {
    let mut parts = vec![format!("{listener} #{priority}")];
    for c in conditions {
        parts.push(match c {
            Condition::Host { values } => format!("host={}", values.join(",")),
            Condition::Path { values } => format!("path={}", values.join(",")),
            Condition::Header { key, values } => format!("header {key}={}", values.join("|")),
            Condition::QueryString { values } => format!("query {}", join_pairs(values)),
            Condition::Cookie { values } => format!("cookie {}", join_pairs(values)),
            Condition::Method { values } => {
                let v: Vec<&str> = values.iter().map(|m| m.as_str()).collect();
                format!("method={}", v.join(","))
            }
            Condition::SourceIp { values } => format!("source-ip={}", values.join(",")),
        });
    }
    let actions: Vec<String> = actions.iter().map(|a| a.kind.summary()).collect();
    format!("{} → {}", parts.join(" "), actions.join(" + "))
}

fn join_pairs(values: &[KeyValue]) -> String {
    values
        .iter()
        .map(|kv| format!("{}={}", kv.key, kv.value))
        .collect::<Vec<_>>()
        .join("|")
}

fn flat_action(a: &Action) -> FlatAction {
    FlatAction {
        kind: a.kind.type_name().to_owned(),
        order: a.order,
        server_groups: match &a.kind {
            ActionKind::ForwardGroup { server_groups, .. } => server_groups.clone(),
            ActionKind::TrafficMirror { server_group } => vec![GroupTarget {
                key: server_group.clone(),
                weight: 100,
            }],
            _ => Vec::new(),
        },
        config: a.kind.config(),
    }
}

impl DesiredRule {
    /// The computed view of this rule.
    pub fn view(&self) -> RuleView {
        RuleView::new(
            self.listener,
            self.priority,
            &self.name,
            &self.identity,
            &self.conditions,
            &self.actions,
        )
    }
}

impl ActualRule {
    /// The computed view of this rule; its key is its identity ([`rule_identity`]: the
    /// `alb.terraform/key` tag, "" without it).
    pub fn view(&self) -> RuleView {
        RuleView::new(
            self.listener,
            self.priority,
            &self.name,
            &rule_identity(self).unwrap_or_default(),
            &self.conditions,
            &self.actions,
        )
    }
}

/// One element of the computed `server_groups`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupView {
    /// `<service>:<port>`.
    pub key: String,
    /// Service.
    pub service: String,
    /// Service port number or name.
    pub port: String,
    /// ServerGroupName.
    pub name: String,
    /// Backend protocol.
    pub protocol: BackendProtocol,
    /// Scheduler.
    pub scheduler: Scheduler,
    /// Member mode.
    pub member_mode: MemberMode,
    /// Flat attributes.
    pub attributes: BTreeMap<String, String>,
    /// Members, sorted.
    pub members: Vec<Member>,
}

impl DesiredServerGroup {
    /// The computed view of this group.
    pub fn view(&self) -> GroupView {
        let mut members = self.members.clone();
        members.sort();
        GroupView {
            key: self.key.clone(),
            service: self.service.clone(),
            port: self.port.clone(),
            name: self.name.clone(),
            protocol: self.attributes.protocol,
            scheduler: self.attributes.scheduler,
            member_mode: self.member_mode,
            attributes: self.attributes.flat(),
            members,
        }
    }
}

impl ActualServerGroup {
    /// The group's key (`alb.terraform/key` tag, "" without it).
    pub fn key(&self) -> &str {
        self.tags.get(TAG_KEY).map_or("", String::as_str)
    }

    /// The computed view of this group.
    pub fn view(&self) -> GroupView {
        let key = self.key();
        let (service, port) = key.split_once(':').unwrap_or((key, ""));
        let mut members = self.members.clone();
        members.sort();
        GroupView {
            key: key.to_owned(),
            service: service.to_owned(),
            port: port.to_owned(),
            name: self.name.clone(),
            protocol: self.attributes.protocol,
            scheduler: self.attributes.scheduler,
            member_mode: self.member_mode,
            attributes: self.attributes.flat(),
            members,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::{IngressId, ServerGroupAttributes};
    use crate::ownership::{ingress_tags, ResourceKind};
    use crate::spec::HttpMethod;

    fn rule() -> DesiredRule {
        DesiredRule {
            listener: "HTTP:80".parse().unwrap(),
            priority: 91,
            name: "k8s-shop-web-http-80-91".into(),
            identity: "HTTP:80 host=a.com path=Prefix:/api".into(),
            conditions: vec![
                Condition::Host {
                    values: vec!["a.com".into()],
                },
                Condition::Path {
                    values: vec!["/api".into(), "/api/*".into()],
                },
                Condition::Cookie {
                    values: vec![KeyValue {
                        key: "u".into(),
                        value: "1".into(),
                    }],
                },
                Condition::Method {
                    values: vec![HttpMethod::Post, HttpMethod::Get],
                },
            ],
            actions: vec![
                Action {
                    order: 1,
                    kind: ActionKind::RemoveHeader { name: "x".into() },
                },
                Action {
                    order: 2,
                    kind: ActionKind::ForwardGroup {
                        server_groups: vec![
                            GroupTarget {
                                key: "web:80".into(),
                                weight: 70,
                            },
                            GroupTarget {
                                key: "api:80".into(),
                                weight: 30,
                            },
                        ],
                        sticky: None,
                    },
                },
            ],
            owner: IngressId::new("shop", "web"),
        }
    }

    /// What the API may return for the same rule: other order of conditions, values, actions
    /// and forward targets.
    fn shuffled(d: &DesiredRule) -> ActualRule {
        let mut conditions = d.conditions.clone();
        conditions.reverse();
        for c in &mut conditions {
            if let Condition::Method { values } = c {
                values.reverse();
            }
        }
        let mut actions = d.actions.clone();
        actions.reverse();
        for a in &mut actions {
            if let ActionKind::ForwardGroup { server_groups, .. } = &mut a.kind {
                server_groups.reverse();
            }
        }
        ActualRule {
            id: "rule-1".into(),
            listener: d.listener,
            priority: d.priority,
            name: d.name.clone(),
            conditions,
            actions,
            tags: ingress_tags("c", "alb-1", &d.owner, ResourceKind::Rule, &d.identity),
        }
    }

    #[test]
    fn desired_and_actual_render_identically() {
        let d = rule();
        let a = shuffled(&d);
        assert_eq!(d.view(), a.view());
        assert_eq!(d.view().key, d.identity);
        assert_eq!(
            d.summary(),
            "HTTP:80 #91 host=a.com path=/api,/api/* method=GET,POST cookie u=1 → remove-header x + forward web:80 (70%), api:80 (30%)"
        );
    }

    #[test]
    fn drift_renders_differently() {
        let d = rule();
        let mut a = shuffled(&d);
        a.conditions.pop();
        assert_ne!(d.view(), a.view());
        let mut a = shuffled(&d);
        a.priority = 92;
        assert_ne!(d.view().summary, a.view().summary);
    }

    #[test]
    fn groups_render_identically() {
        let attributes = ServerGroupAttributes {
            protocol: BackendProtocol::Http,
            scheduler: Scheduler::Wrr,
            health_check: None,
            sticky_session: None,
            slow_start: None,
            connection_drain: None,
            keepalive: false,
            cross_zone: true,
            uch: None,
        };
        let d = DesiredServerGroup {
            key: "api:http".into(),
            service: "api".into(),
            port: "http".into(),
            name: "k8s-shop-web-api-http".into(),
            attributes: attributes.clone(),
            member_mode: MemberMode::Ip,
            members: Vec::new(),
            agent: None,
        };
        let a = ActualServerGroup {
            id: "sgp-1".into(),
            name: d.name.clone(),
            attributes,
            members: Vec::new(),
            member_mode: MemberMode::Ip,
            tags: ingress_tags(
                "c",
                "alb-1",
                &IngressId::new("shop", "web"),
                ResourceKind::ServerGroup,
                &d.key,
            ),
        };
        assert_eq!(d.view(), a.view());
        assert_eq!(a.key(), "api:http");
    }
}

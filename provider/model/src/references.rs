//! Rules this ingress does not own that still forward to (or mirror into) one of its server
//! groups about to be deleted. ALB refuses to delete a group in use (`ResourceInUse`), so the
//! plan reports them, by rule, instead of an apply that retries and fails halfway.

use std::fmt;

use crate::desired::{IngressId, ListenerKey};
use crate::diff::{ActualIngress, ActualServerGroup};
use crate::ownership::owns;

/// A rule outside this ingress that uses one of its server groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignReference {
    /// The rule's id.
    pub rule_id: String,
    /// Its listener.
    pub listener: ListenerKey,
    /// Its priority.
    pub priority: u32,
    /// The server group's id.
    pub group_id: String,
    /// The server group's key (`<service>:<port>`).
    pub group_key: String,
}

impl fmt::Display for ForeignReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rule {} (listener {}, priority {}) sends traffic to server group {} ({})",
            self.rule_id, self.listener, self.priority, self.group_id, self.group_key
        )
    }
}

/// The references to `deleted` (groups of ingress `owner`) from rules in `actual` that `owner`
/// does not own. A rule whose actions the model cannot represent is not seen (its content is
/// empty in `actual`).
pub fn foreign_references(
    actual: &ActualIngress,
    owner: &IngressId,
    cluster_id: &str,
    deleted: &[&ActualServerGroup],
) -> Vec<ForeignReference> {
    let mut found = Vec::new();
    for rule in actual
        .rules
        .iter()
        .filter(|r| !owns(&r.tags, cluster_id, owner))
    {
        for group in deleted {
            let key = actual.group_key(&group.id);
            let uses = rule
                .actions
                .iter()
                .any(|a| a.kind.group_keys().contains(&key.as_str()));
            if uses {
                found.push(ForeignReference {
                    rule_id: rule.id.clone(),
                    listener: rule.listener,
                    priority: rule.priority,
                    group_id: group.id.clone(),
                    group_key: group.key().to_owned(),
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::{Action, ActionKind, GroupTarget};
    use crate::diff::ActualRule;
    use crate::ownership::{ingress_tags, ResourceKind, Tags};
    use crate::spec::{Edition, IngressSpec, MemberMode};
    use crate::{expand_ingress, ConfigListeners, Members};

    fn group(id: &str, key: &str, owner: &IngressId) -> ActualServerGroup {
        let spec: IngressSpec = serde_json::from_value(serde_json::json!({
            "alb_config_id": "alb-1", "namespace": "shop", "name": "web",
            "rule": [{"path": [{"backend": [{"service": "web", "port": "80"}]}]}]
        }))
        .unwrap();
        let listeners = ConfigListeners {
            cluster_id: "c".into(),
            config: "web".into(),
            edition: Edition::Standard,
            listeners: ["HTTP:80".parse().unwrap()].into(),
        };
        let desired = expand_ingress(
            &spec,
            &listeners,
            &Members::new(),
            &crate::priority::Held::default(),
        )
        .unwrap();
        ActualServerGroup {
            id: id.into(),
            name: format!("k8s-{key}"),
            attributes: desired.server_groups[0].attributes.clone(),
            members: Vec::new(),
            member_mode: MemberMode::Ip,
            tags: ingress_tags("c", "web", owner, ResourceKind::ServerGroup, key),
        }
    }

    fn forwarding(id: &str, key: &str, tags: Tags) -> ActualRule {
        ActualRule {
            id: id.into(),
            listener: "HTTP:80".parse().unwrap(),
            priority: 500,
            name: id.into(),
            conditions: Vec::new(),
            actions: vec![Action {
                order: 1,
                kind: ActionKind::ForwardGroup {
                    server_groups: vec![GroupTarget {
                        key: key.into(),
                        weight: 100,
                    }],
                    sticky: None,
                },
            }],
            tags,
        }
    }

    #[test]
    fn finds_foreign_rules_using_deleted_groups_only() {
        let shop = IngressId::new("shop", "web");
        let api = group("sgp-api", "api:80", &shop);
        let web = group("sgp-web", "web:80", &shop);
        let own = ingress_tags("c", "web", &shop, ResourceKind::Rule, "r");
        let console: Tags = [("team".to_owned(), "ops".to_owned())].into();
        let actual = ActualIngress {
            rules: vec![
                forwarding("rule-own", "api:80", own),
                forwarding("rule-console", "api:80", console.clone()),
                forwarding("rule-other", "web:80", console),
            ],
            server_groups: vec![api.clone(), web],
        };
        let found = foreign_references(&actual, &shop, "c", &[&api]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rule_id, "rule-console");
        assert_eq!(
            found[0].to_string(),
            "rule rule-console (listener HTTP:80, priority 500) sends traffic to server group \
             sgp-api (api:80)"
        );
        assert!(foreign_references(&actual, &shop, "c", &[]).is_empty());
    }
}

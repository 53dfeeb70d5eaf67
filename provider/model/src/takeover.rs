//! Taking over what ACK's ALB Ingress controller made (`alb_config.adopt = "ack"`).
//!
//! ACK finds its objects again by its own tags (research/ack-alb-ingress.md b.1, b.6): the load
//! balancer carries `ack.aliyun.com` and `ingress.k8s.alibaba/albconfig`/`resource`; a server
//! group of an Ingress backend carries `ingress.k8s.alibaba/service_ns`, `service_name`,
//! `service_port` and `ingress_name`. A takeover turns them into objects of this provider:
//!
//! * **Config** ([`take_over_config`]): the load balancer is re-tagged with this provider's
//!   ownership tags and [`TAG_ADOPT`], which tells the ingresses on it to take over too (`Retag`,
//!   ACK's tags removed). Its declared listeners are taken over as any imported foreign listener
//!   ([`crate::adopt`]: tagged, default action moved to a placeholder group); the others are left
//!   alone.
//! * **Ingress** ([`take_over_ingress`]): ACK's server group of each desired backend (matched by
//!   the four tags above) is re-tagged as this ingress's group of that key, so its id, members
//!   and attributes carry over (attributes and members are then diffed as for any owned group).
//!   The API cannot re-tag rules, so ACK's rules are replaced: a foreign rule on one of the
//!   ingress's listeners whose conditions equal a desired rule's and whose forwards reach only
//!   adopted groups counts as a rule of this ingress to delete; the diff then creates the new
//!   rules (ascending priority) before it deletes the old ones (highest first), so every request
//!   reaches its old or new target at every step ([`crate::diff`]). Everything else stays as it
//!   is and is listed as left alone.
//!
//! The re-tags run before every other operation, so the diff sees the adopted objects as owned.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::adopt::is_foreign;
use crate::desired::{DesiredIngress, ListenerKey};
use crate::diff::{ActualIngress, ActualLoadBalancer, ActualServerGroup, Op, OpKind};
use crate::ownership::{config_tags, ingress_tags, owns, ResourceKind, Tags};
use crate::render::canonical_conditions;

/// Load balancer tag saying which controller's objects the ingresses on it take over.
pub const TAG_ADOPT: &str = "alb.terraform/adopt";
/// ACK's cluster tag key.
pub const ACK_TAG_CLUSTER: &str = "ack.aliyun.com";
/// Prefix of ACK's other tag keys.
pub const ACK_TAG_PREFIX: &str = "ingress.k8s.alibaba/";
/// ACK's tag: namespace of a server group's Service (= of its Ingress).
pub const ACK_TAG_SERVICE_NS: &str = "ingress.k8s.alibaba/service_ns";
/// ACK's tag: name of a server group's Service.
pub const ACK_TAG_SERVICE_NAME: &str = "ingress.k8s.alibaba/service_name";
/// ACK's tag: port of a server group's Service, as the Ingress backend names it.
pub const ACK_TAG_SERVICE_PORT: &str = "ingress.k8s.alibaba/service_port";
/// ACK's tag: name of the Ingress a server group serves.
pub const ACK_TAG_INGRESS_NAME: &str = "ingress.k8s.alibaba/ingress_name";
/// Rule key (`alb.terraform/key`) given in memory to an adopted ACK rule: never a desired
/// identity, so the diff replaces the rule.
const ACK_RULE_KEY_PREFIX: &str = "ack-rule:";

/// Whose objects an `alb_config` takes over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Adopt {
    /// ACK's ALB Ingress controller.
    Ack,
}

impl Adopt {
    /// The attribute and tag value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ack => "ack",
        }
    }

    /// From the attribute or tag value.
    pub fn parse(s: &str) -> Option<Self> {
        (s == "ack").then_some(Self::Ack)
    }

    /// The takeover the tags of a load balancer ask for ([`TAG_ADOPT`]).
    pub fn of_load_balancer(tags: &Tags) -> Option<Self> {
        tags.get(TAG_ADOPT).and_then(|v| Self::parse(v))
    }
}

/// Whether `key` is one of ACK's tag keys.
pub fn is_ack_tag(key: &str) -> bool {
    key == ACK_TAG_CLUSTER || key.starts_with(ACK_TAG_PREFIX)
}

/// The `Retag` turning `tags` into `wanted` ownership tags with ACK's tags removed; `None` when
/// nothing would change.
fn retag(
    resource: ResourceKind,
    id: &str,
    key: &str,
    tags: &Tags,
    wanted: &Tags,
) -> Option<(OpKind, Tags)> {
    let add: Tags = wanted
        .iter()
        .filter(|(k, v)| tags.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove: Vec<String> = tags.keys().filter(|k| is_ack_tag(k)).cloned().collect();
    if add.is_empty() && remove.is_empty() {
        return None;
    }
    let mut after: Tags = tags
        .iter()
        .filter(|(k, _)| !is_ack_tag(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    after.extend(add.clone());
    let op = OpKind::Retag {
        resource,
        id: id.to_owned(),
        key: key.to_owned(),
        add,
        remove,
    };
    Some((op, after))
}

/// A config takeover: the re-tag to run first, and the load balancer as it is after it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigTakeover {
    /// The load balancer's `Retag` (none when nothing changes), with `config`'s ClientToken.
    pub retags: Vec<Op>,
    /// What exists once it ran.
    pub actual: ActualLoadBalancer,
}

/// The takeover of load balancer `actual` by the alb_config with identity `config` (see the
/// module documentation); with `adopt` `None` only [`TAG_ADOPT`] is removed if set.
pub fn take_over_config(
    actual: &ActualLoadBalancer,
    cluster_id: &str,
    config: &str,
    adopt: Option<Adopt>,
) -> ConfigTakeover {
    let mut out = ConfigTakeover {
        retags: Vec::new(),
        actual: actual.clone(),
    };
    let kind = match adopt {
        None if actual.tags.contains_key(TAG_ADOPT) => {
            out.actual.tags.remove(TAG_ADOPT);
            OpKind::Retag {
                resource: ResourceKind::LoadBalancer,
                id: actual.id.clone(),
                key: String::new(),
                add: Tags::new(),
                remove: vec![TAG_ADOPT.to_owned()],
            }
        }
        None => return out,
        Some(adopt) => {
            let mut wanted = config_tags(cluster_id, config, ResourceKind::LoadBalancer, None);
            wanted.insert(TAG_ADOPT.to_owned(), adopt.as_str().to_owned());
            let lb = ResourceKind::LoadBalancer;
            let Some((op, after)) = retag(lb, &actual.id, "", &actual.tags, &wanted) else {
                return out;
            };
            out.actual.tags = after;
            op
        }
    };
    out.retags.push(Op::of(config, kind));
    out
}

/// An ACK rule an ingress takes over: replaced by the desired rule with the same conditions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplacedRule {
    /// ACK's rule id.
    pub id: String,
    /// Listener.
    pub listener: ListenerKey,
    /// ACK's priority.
    pub from: u32,
    /// The priority of the rule that replaces it.
    pub to: u32,
}

/// An ingress takeover (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
pub struct IngressTakeover {
    /// `Retag` ops of the adopted server groups, with the ingress's ClientTokens.
    pub retags: Vec<Op>,
    /// What exists once they ran, ACK's replaced rules counted as this ingress's to delete.
    pub actual: ActualIngress,
    /// Adopted server groups: key → ACK's group id.
    pub groups: BTreeMap<String, String>,
    /// ACK rules replaced by desired ones.
    pub rules: Vec<ReplacedRule>,
    /// ACK's server groups of this ingress that no desired backend matches (left alone).
    pub groups_left: Vec<String>,
    /// Rules on the ingress's listeners that belong to nobody of this provider and are not
    /// replaced (left alone), as `id (listener, priority)`.
    pub rules_left: Vec<String>,
}

impl IngressTakeover {
    /// Whether the takeover changes anything.
    pub fn is_empty(&self) -> bool {
        self.retags.is_empty() && self.rules.is_empty()
    }
}

/// Whether ACK's group `g` serves backend `service:port` of Ingress `namespace/name`.
fn ack_group_of(
    g: &ActualServerGroup,
    namespace: &str,
    name: &str,
    service: &str,
    port: &str,
) -> bool {
    let tag = |k: &str| g.tags.get(k).map(String::as_str);
    tag(ACK_TAG_SERVICE_NS) == Some(namespace)
        && tag(ACK_TAG_INGRESS_NAME) == Some(name)
        && tag(ACK_TAG_SERVICE_NAME) == Some(service)
        && tag(ACK_TAG_SERVICE_PORT) == Some(port)
}

/// The takeover by `desired` of ACK's `ack_groups` (ACK's server groups of this Ingress) and of
/// ACK's rules among `actual.rules` (see the module documentation).
pub fn take_over_ingress(
    desired: &DesiredIngress,
    actual: &ActualIngress,
    ack_groups: &[ActualServerGroup],
) -> IngressTakeover {
    let owner = desired.id.to_string();
    let mine = |tags: &Tags| owns(tags, &desired.cluster_id, &desired.id);
    let mut out = IngressTakeover {
        retags: Vec::new(),
        actual: actual.clone(),
        groups: BTreeMap::new(),
        rules: Vec::new(),
        groups_left: Vec::new(),
        rules_left: Vec::new(),
    };
    let owned_keys: BTreeSet<String> = actual
        .server_groups
        .iter()
        .filter(|g| mine(&g.tags))
        .map(|g| g.key().to_owned())
        .collect();
    for g in ack_groups.iter().filter(|g| is_foreign(&g.tags)) {
        let wanted = desired.server_groups.iter().find(|d| {
            !owned_keys.contains(&d.key)
                && !out.groups.contains_key(&d.key)
                && ack_group_of(
                    g,
                    &desired.id.namespace,
                    &desired.id.name,
                    &d.service,
                    &d.port,
                )
        });
        let Some(d) = wanted else {
            out.groups_left.push(g.id.clone());
            continue;
        };
        let tags = ingress_tags(
            &desired.cluster_id,
            &desired.config,
            &desired.id,
            ResourceKind::ServerGroup,
            &d.key,
        );
        if let Some((op, after)) = retag(ResourceKind::ServerGroup, &g.id, &d.key, &g.tags, &tags) {
            out.retags.push(Op::of(&owner, op));
            let mut adopted = g.clone();
            adopted.tags = after;
            out.actual.server_groups.push(adopted);
            out.groups.insert(d.key.clone(), g.id.clone());
        }
    }
    let by_id: BTreeMap<String, String> = out
        .groups
        .iter()
        .map(|(k, id)| (format!("id:{id}"), k.clone()))
        .collect();
    for r in &mut out.actual.rules {
        if !is_foreign(&r.tags) {
            continue;
        }
        for a in &mut r.actions {
            a.kind.rename_groups(&|k| by_id.get(k).cloned());
        }
        let keys: Vec<&str> = r.actions.iter().flat_map(|a| a.kind.group_keys()).collect();
        let reaches_adopted = !keys.is_empty() && keys.iter().all(|k| out.groups.contains_key(*k));
        let replacement = desired.rules.iter().find(|d| {
            d.listener == r.listener
                && canonical_conditions(&d.conditions) == canonical_conditions(&r.conditions)
        });
        match replacement.filter(|_| reaches_adopted) {
            Some(d) => {
                out.rules.push(ReplacedRule {
                    id: r.id.clone(),
                    listener: r.listener,
                    from: r.priority,
                    to: d.priority,
                });
                r.tags = ingress_tags(
                    &desired.cluster_id,
                    &desired.config,
                    &desired.id,
                    ResourceKind::Rule,
                    &format!("{ACK_RULE_KEY_PREFIX}{}", r.id),
                );
            }
            None if desired.listeners.contains(&r.listener) => out
                .rules_left
                .push(format!("{} ({} priority {})", r.id, r.listener, r.priority)),
            None => {}
        }
    }
    out
}

/// The rules the takeover replaces, as listed for a reviewer: `id (listener priority a → b)`.
pub fn describe_replaced(rules: &[ReplacedRule]) -> Vec<String> {
    rules
        .iter()
        .map(|r| format!("{} ({} priority {} → {})", r.id, r.listener, r.from, r.to))
        .collect()
}

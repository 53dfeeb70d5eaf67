//! Replays planned operations one API call at a time over a simulated listener state and checks,
//! after every call, where sample requests go ([`crate::routing`]): each must reach its target
//! before the apply or its target after it — never no rule and never another path's backend —
//! and never a server group that does not exist.
//!
//! One call is one state change: a call's job may become visible at any moment between the
//! call's acceptance and its job's success [INF], so the states before and after each call are
//! the states the load balancer can show, and both are checked. Like ALB, the simulation refuses
//! two rules on one priority of a listener, writes to rules that do not exist, and deleting a
//! server group a rule still forwards to.

use std::collections::{BTreeMap, BTreeSet};

use crate::desired::{DesiredIngress, ListenerKey};
use crate::diff::{ActualIngress, ActualRule, ActualServerGroup, GroupRef, Op, OpKind};
use crate::ownership::{AgentMembers, ResourceKind, TAG_KEY};
use crate::routing::{route, samples, Request, Routed, RuleRef, Target};

/// An API call the simulated load balancer refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Two rules would hold one priority (`IllegalParam.Priority`).
    #[error("priority {priority} on {listener} is already held by rule {holder}")]
    PriorityHeld {
        /// Listener.
        listener: ListenerKey,
        /// Priority.
        priority: u32,
        /// The rule holding it.
        holder: String,
    },
    /// A rule or server group that does not exist.
    #[error("{0} does not exist")]
    NotFound(String),
    /// A server group a rule still forwards to (`ResourceInUse`).
    #[error("server group {0} is still used by a rule")]
    InUse(String),
    /// An operation that is not about an ingress's rules or server groups.
    #[error("operation {0} is not an ingress operation")]
    Unsupported(&'static str),
}

/// What went wrong at one step of a replay.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// The call was refused.
    #[error("call {step} ({op}) refused: {refused}")]
    Refused {
        /// 0-based index of the call.
        step: usize,
        /// Operation name.
        op: &'static str,
        /// Why.
        refused: Refused,
    },
    /// A request reached neither its old nor its new target.
    #[error("after call {step} ({op}) {request:?} on {listener} went to {got:?} (rule {rule:?}); before the apply {before:?}, after it {after:?}")]
    Misrouted {
        /// 0-based index of the call after which it happened.
        step: usize,
        /// Operation name.
        op: &'static str,
        /// Listener.
        listener: ListenerKey,
        /// The request.
        request: Request,
        /// Target before the apply.
        before: Target,
        /// Target after the apply.
        after: Target,
        /// Target at this step.
        got: Target,
        /// The rule it hit.
        rule: Option<String>,
    },
    /// A request was forwarded to a server group that does not exist at that step.
    #[error("after call {step} ({op}) {request:?} on {listener} is forwarded to missing server group {group}")]
    MissingGroup {
        /// 0-based index of the call.
        step: usize,
        /// Operation name.
        op: &'static str,
        /// Listener.
        listener: ListenerKey,
        /// The request.
        request: Request,
        /// The group key.
        group: String,
    },
}

/// A simulated load balancer holding one ingress's view ([`ActualIngress`]).
#[derive(Clone, Debug)]
pub struct Replay {
    /// The current state.
    pub state: ActualIngress,
    next: u32,
    /// Server groups created by the plan being replayed: key → id.
    created: BTreeMap<String, String>,
}

impl Replay {
    /// Starts from `state`; new ids never repeat one of its ids.
    pub fn new(state: ActualIngress) -> Self {
        let next = state
            .rules
            .iter()
            .map(|r| r.id.as_str())
            .chain(state.server_groups.iter().map(|g| g.id.as_str()))
            .filter_map(|id| id.rsplit_once("-new")?.1.parse().ok())
            .max()
            .unwrap_or(0);
        Self {
            state,
            next,
            created: BTreeMap::new(),
        }
    }

    fn new_id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}-new{}", self.next)
    }

    fn group_mut(&mut self, g: &GroupRef) -> Result<&mut ActualServerGroup, Refused> {
        let id =
            g.id.clone()
                .or_else(|| self.created.get(&g.key).cloned())
                .ok_or_else(|| Refused::NotFound(format!("server group {}", g.key)))?;
        self.state
            .server_groups
            .iter_mut()
            .find(|x| x.id == id)
            .ok_or(Refused::NotFound(format!("server group {id}")))
    }

    fn rule_mut(&mut self, id: &str) -> Result<&mut ActualRule, Refused> {
        self.state
            .rules
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or_else(|| Refused::NotFound(format!("rule {id}")))
    }

    fn holder(&self, l: ListenerKey, p: u32, except: &BTreeSet<&str>) -> Option<String> {
        self.state
            .rules
            .iter()
            .find(|r| r.listener == l && r.priority == p && !except.contains(r.id.as_str()))
            .map(|r| r.id.clone())
    }

    /// Applies one call (atomically, as one job).
    pub fn apply(&mut self, op: &Op) -> Result<(), Refused> {
        match &op.kind {
            OpKind::CreateServerGroup { group, tags } => {
                let id = self.new_id("sgp");
                self.created.insert(group.key.clone(), id.clone());
                self.state.server_groups.push(ActualServerGroup {
                    id,
                    name: group.name.clone(),
                    attributes: group.attributes.clone(),
                    members: Vec::new(),
                    member_mode: group.member_mode,
                    tags: tags.clone(),
                });
            }
            OpKind::AddMembers { group, members } => {
                self.group_mut(group)?.members.extend(members.clone())
            }
            OpKind::ReplaceMembers {
                group,
                added,
                removed,
            } => {
                let members = &mut self.group_mut(group)?.members;
                members.retain(|x| !removed.iter().any(|m| m.identity() == x.identity()));
                members.extend(added.clone());
            }
            OpKind::UpdateMembers { group, members } => {
                for x in self.group_mut(group)?.members.iter_mut() {
                    if let Some(m) = members.iter().find(|m| m.identity() == x.identity()) {
                        x.weight = m.weight;
                    }
                }
            }
            OpKind::RemoveMembers { group, members } => self
                .group_mut(group)?
                .members
                .retain(|x| !members.iter().any(|m| m.identity() == x.identity())),
            OpKind::UpdateServerGroup {
                id,
                name,
                attributes,
                key,
            } => {
                let g = self.group_mut(&GroupRef {
                    key: key.clone(),
                    id: Some(id.clone()),
                })?;
                g.name = name.clone();
                g.attributes = attributes.clone();
            }
            OpKind::SetMemberSync {
                id,
                key,
                agent,
                stale,
            } => {
                let g = self.group_mut(&GroupRef {
                    key: key.clone(),
                    id: Some(id.clone()),
                })?;
                g.tags.retain(|k, _| !stale.contains(k));
                g.tags
                    .extend(agent.as_ref().map(AgentMembers::tags).unwrap_or_default());
            }
            OpKind::CreateRules { listener, rules } => {
                let none = BTreeSet::new();
                for r in rules {
                    if let Some(holder) = self.holder(*listener, r.rule.priority, &none) {
                        return Err(Refused::PriorityHeld {
                            listener: *listener,
                            priority: r.rule.priority,
                            holder,
                        });
                    }
                }
                for r in rules {
                    let id = self.new_id("rule");
                    self.state.rules.push(ActualRule {
                        id,
                        listener: *listener,
                        priority: r.rule.priority,
                        name: r.rule.name.clone(),
                        conditions: r.rule.conditions.clone(),
                        actions: r.rule.actions.clone(),
                        tags: r.tags.clone(),
                    });
                }
            }
            OpKind::UpdateRules { rules } => {
                // Every target must be free, or held by a rule of the same call that moves away
                // (the API checks the batch as a whole) or by the rule itself.
                let moving: BTreeSet<&str> = rules.iter().map(|u| u.id.as_str()).collect();
                for u in rules {
                    self.rule_mut(&u.id)?;
                    if let Some(holder) = self.holder(u.listener, u.priority, &moving) {
                        return Err(Refused::PriorityHeld {
                            listener: u.listener,
                            priority: u.priority,
                            holder,
                        });
                    }
                }
                let mut targets = BTreeSet::new();
                for u in rules {
                    if !targets.insert((u.listener, u.priority)) {
                        return Err(Refused::PriorityHeld {
                            listener: u.listener,
                            priority: u.priority,
                            holder: u.id.clone(),
                        });
                    }
                }
                for u in rules {
                    let r = self.rule_mut(&u.id)?;
                    r.priority = u.priority;
                    if let Some(n) = &u.name {
                        r.name = n.clone();
                    }
                    if let Some(c) = &u.conditions {
                        r.conditions = c.clone();
                    }
                    if let Some(a) = &u.actions {
                        r.actions = a.clone();
                    }
                }
            }
            OpKind::DeleteRules { ids, .. } => {
                for id in ids {
                    self.rule_mut(id)?;
                }
                self.state.rules.retain(|r| !ids.contains(&r.id));
            }
            OpKind::DeleteServerGroup { id, key } => {
                let g = self
                    .state
                    .server_groups
                    .iter()
                    .find(|g| &g.id == id)
                    .ok_or_else(|| Refused::NotFound(format!("server group {id}")))?;
                let tag = g.tags.get(TAG_KEY).cloned().unwrap_or_else(|| key.clone());
                // A key created anew in this plan means the rules forward to the new group.
                let replaced = self.created.get(&tag).is_some_and(|new| new != id);
                let used = !replaced
                    && self.state.rules.iter().any(|r| {
                        r.actions
                            .iter()
                            .any(|a| a.kind.group_keys().contains(&tag.as_str()))
                    });
                if used {
                    return Err(Refused::InUse(tag));
                }
                self.state.server_groups.retain(|g| &g.id != id);
            }
            OpKind::Retag {
                resource: ResourceKind::ServerGroup,
                id,
                add,
                remove,
                ..
            } => {
                let g = self
                    .state
                    .server_groups
                    .iter_mut()
                    .find(|g| &g.id == id)
                    .ok_or_else(|| Refused::NotFound(format!("server group {id}")))?;
                g.tags.extend(add.clone());
                g.tags.retain(|k, _| !remove.contains(k));
            }
            other => return Err(Refused::Unsupported(other.name())),
        }
        Ok(())
    }

    /// Applies every call; the plan's created groups are then ordinary existing ones.
    pub fn apply_all(&mut self, ops: &[Op]) -> Result<(), Box<Violation>> {
        for (step, op) in ops.iter().enumerate() {
            self.apply(op).map_err(|refused| {
                Box::new(Violation::Refused {
                    step,
                    op: op.kind.name(),
                    refused,
                })
            })?;
        }
        self.created.clear();
        Ok(())
    }

    /// Where `req` goes on `listener` now.
    pub fn route(&self, listener: ListenerKey, req: &Request) -> Routed {
        route(
            self.state
                .rules
                .iter()
                .filter(|r| r.listener == listener)
                .map(|r| RuleRef {
                    id: &r.id,
                    priority: r.priority,
                    conditions: &r.conditions,
                    actions: &r.actions,
                }),
            req,
        )
    }

    /// Server-group keys that exist now.
    fn group_keys(&self) -> BTreeSet<&str> {
        self.state
            .server_groups
            .iter()
            .filter_map(|g| g.tags.get(TAG_KEY).map(String::as_str))
            .collect()
    }
}

/// Sample requests for every rule of `before` and of `desired`, per listener (see
/// [`samples`]).
pub fn sample_requests(
    before: &ActualIngress,
    desired: &DesiredIngress,
) -> Vec<(ListenerKey, Request)> {
    let mut out: BTreeSet<(ListenerKey, Request)> = BTreeSet::new();
    let all = before
        .rules
        .iter()
        .map(|r| (r.listener, &r.conditions))
        .chain(desired.rules.iter().map(|r| (r.listener, &r.conditions)));
    for (listener, conditions) in all {
        out.extend(samples(conditions).into_iter().map(|r| (listener, r)));
    }
    out.into_iter().collect()
}

/// Replays `ops` on `before`, checking every sample after every call against its target
/// before and after the whole plan. Returns the final state.
pub fn check_plan(
    before: &ActualIngress,
    ops: &[Op],
    samples: &[(ListenerKey, Request)],
) -> Result<ActualIngress, Box<Violation>> {
    let mut end = Replay::new(before.clone());
    end.apply_all(ops)?;
    let start = Replay::new(before.clone());
    let expected: Vec<(Target, Target)> = samples
        .iter()
        .map(|(l, r)| (start.route(*l, r).target, end.route(*l, r).target))
        .collect();
    let mut replay = Replay::new(before.clone());
    for (step, op) in ops.iter().enumerate() {
        let name = op.kind.name();
        replay.apply(op).map_err(|refused| {
            Box::new(Violation::Refused {
                step,
                op: name,
                refused,
            })
        })?;
        let groups = replay.group_keys();
        for ((listener, request), (old, new)) in samples.iter().zip(&expected) {
            let routed = replay.route(*listener, request);
            if routed.target != *old && routed.target != *new {
                return Err(Box::new(Violation::Misrouted {
                    step,
                    op: name,
                    listener: *listener,
                    request: request.clone(),
                    before: old.clone(),
                    after: new.clone(),
                    got: routed.target,
                    rule: routed.rule,
                }));
            }
            let missing = routed
                .target
                .groups()
                .find(|g| !g.starts_with("id:") && !groups.contains(g))
                .map(str::to_owned);
            if let Some(group) = missing {
                return Err(Box::new(Violation::MissingGroup {
                    step,
                    op: name,
                    listener: *listener,
                    request: request.clone(),
                    group,
                }));
            }
        }
    }
    Ok(end.state)
}

//! Which ops of a run may run at once.
//!
//! The model orders a run's ops so that each one may rely on every earlier one (create before
//! use, add members before switching rules, switch before removing). Steps that touch different
//! objects of the same kind do not rely on each other, though: the server groups of different
//! services, the member batches of different groups, the new rules of different listeners.
//! A *stage* is a maximal run of consecutive ops of one such kind; inside it, the ops on one
//! object form a *lane* that keeps its order (a group's member batches one after another — the
//! group is `Configuring` while a batch's job runs), and the lanes run concurrently, at most
//! [`LANES_AT_ONCE`] at a time. Every other op is a stage of its own, so it starts only after
//! everything before it has finished and finishes before anything after it starts.

use model::desired::ListenerKey;
use model::ownership::ResourceKind;
use model::{Op, OpKind};

/// Most lanes of a stage in flight at once: the concurrency Alibaba's own ingress controller
/// uses for server groups, listeners and certificates (research: ack-alb-ingress). With
/// Terraform's default parallelism of 10 resources, a process then makes at most 50 of these
/// writes at once; throttled calls are retried by the client.
pub(super) const LANES_AT_ONCE: usize = 5;

/// The object an op works on, when ops on other objects of its kind may run beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Lane {
    /// One server group (by key, or id when it has no key): create, members, attributes, delete.
    Group(String),
    /// New rules on one listener.
    NewRules(ListenerKey),
}

impl Lane {
    fn of(kind: &OpKind) -> Option<Lane> {
        let group =
            |key: &str, id: &str| Lane::Group(if key.is_empty() { id } else { key }.to_owned());
        match kind {
            OpKind::CreateServerGroup { group: g, .. } => Some(group(&g.key, "")),
            OpKind::CreatePlaceholderGroup { group: g, .. } => Some(group(&g.key, "")),
            OpKind::AddMembers { group: g, .. }
            | OpKind::UpdateMembers { group: g, .. }
            | OpKind::RemoveMembers { group: g, .. } => {
                Some(group(&g.key, g.id.as_deref().unwrap_or_default()))
            }
            OpKind::UpdateServerGroup { key, id, .. }
            | OpKind::SetMemberSync { key, id, .. }
            | OpKind::DeleteServerGroup { key, id } => Some(group(key, id)),
            OpKind::Retag {
                resource: ResourceKind::ServerGroup,
                key,
                id,
                ..
            } => Some(group(key, id)),
            OpKind::CreateRules { listener, .. } => Some(Lane::NewRules(*listener)),
            _ => None,
        }
    }

    /// Whether ops of `self` and `other` may share a stage.
    fn same_kind(&self, other: &Lane) -> bool {
        matches!(
            (self, other),
            (Lane::Group(_), Lane::Group(_)) | (Lane::NewRules(_), Lane::NewRules(_))
        )
    }
}

/// `ops` cut into stages, each a list of lanes, each lane a list of ops in their order.
pub(super) fn stages(ops: &[Op]) -> Vec<Vec<Vec<&Op>>> {
    let mut stages: Vec<Vec<(Option<Lane>, Vec<&Op>)>> = Vec::new();
    for op in ops {
        let lane = Lane::of(&op.kind);
        let joins = match (&lane, stages.last()) {
            (Some(lane), Some(stage)) => stage
                .first()
                .and_then(|(first, _)| first.as_ref())
                .is_some_and(|first| first.same_kind(lane)),
            _ => false,
        };
        if !joins {
            stages.push(vec![(lane, vec![op])]);
            continue;
        }
        let stage = stages.last_mut().expect("a stage to join");
        match stage.iter_mut().find(|(l, _)| *l == lane) {
            Some((_, lane_ops)) => lane_ops.push(op),
            None => stage.push((lane, vec![op])),
        }
    }
    stages
        .into_iter()
        .map(|stage| stage.into_iter().map(|(_, ops)| ops).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::desired::Member;
    use model::diff::GroupRef;
    use model::spec::ListenerProtocol;

    fn op(kind: OpKind) -> Op {
        Op {
            kind,
            client_token: String::new(),
        }
    }

    fn members(key: &str) -> Op {
        op(OpKind::AddMembers {
            group: GroupRef {
                key: key.into(),
                id: None,
            },
            members: Vec::<Member>::new(),
        })
    }

    fn delete_group(id: &str) -> Op {
        op(OpKind::DeleteServerGroup {
            id: id.into(),
            key: String::new(),
        })
    }

    fn delete_rules() -> Op {
        op(OpKind::DeleteRules {
            ids: vec!["rule-1".into()],
            listeners: vec![ListenerKey {
                protocol: ListenerProtocol::Http,
                port: 80,
            }],
        })
    }

    /// Stages as lists of lanes as lists of op objects.
    fn shape(ops: &[Op]) -> Vec<Vec<Vec<String>>> {
        stages(ops)
            .iter()
            .map(|s| {
                s.iter()
                    .map(|l| l.iter().map(|o| o.kind.object()).collect())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn group_steps_run_lane_by_lane_between_barriers() {
        let ops = [
            members("a"),
            members("b"),
            members("a"),
            delete_rules(),
            delete_group("sgp-1"),
            delete_group("sgp-2"),
        ];
        assert_eq!(
            shape(&ops),
            [
                vec![vec!["a", "a"], vec!["b"]],
                vec![vec!["rule-1"]],
                vec![vec![""], vec![""]],
            ]
        );
        // Ungrouped kinds never share a stage, not even with each other.
        assert_eq!(stages(&[delete_rules(), delete_rules()]).len(), 2);
    }
}

//! Creation marks (see `model::ownership`): a create run marks the load balancer it creates with
//! the `alb.terraform/creating` tag. The objects of an ingress are marked only when its rules do
//! not come last in one `CreateRules` call ([`ingress_objects_marked`]): then the server groups
//! get the tag and the rules a `creating-` RuleName. Once every op is done, the run removes the
//! marks — rules renamed first, then server groups untagged, the load balancer last — together
//! with the marks of the objects it adopted from an interrupted create.

use alb_api::batch::split_batches;
use alb_api::job::UnTagResourcesRequest;
use alb_api::rule::RuleUpdate as ApiRuleUpdate;
use alb_api::token::new_client_token;
use model::ownership::{with_creation_mark, Tags, TAG_CREATING};
use model::{Op, OpKind};

use super::listener_turns;
use super::run::{derived_token, Run};
use crate::ReconcileError;

/// Resources per `UnTagResources` call (the documented maximum is not known \[INF\]; 20 is the
/// common Alibaba Cloud tag-API limit).
const RESOURCES_PER_UNTAG: usize = 20;
/// Tag resource type of load balancers.
pub(super) const LB_RESOURCE: &str = "loadbalancer";
/// Tag resource type of server groups.
pub(super) const GROUP_RESOURCE: &str = "servergroup";

/// How a run treats creation marks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreationMarks {
    /// Set when the run creates its resource: the token its marks carry.
    pub token: Option<String>,
    /// A marked load balancer the run adopts (its mark goes once every op is done).
    pub load_balancer: Option<String>,
    /// Marked server groups the run adopts (their marks go once every op is done).
    pub server_groups: Vec<String>,
}

impl CreationMarks {
    /// The marks of a create run: a fresh token, nothing adopted yet.
    pub fn create() -> Self {
        Self {
            token: Some(new_client_token()),
            ..Self::default()
        }
    }

    /// `tags` with this run's creation mark when it is a create run.
    pub(super) fn mark(&self, tags: &Tags) -> Tags {
        match &self.token {
            Some(token) => with_creation_mark(tags, token),
            None => tags.clone(),
        }
    }
}

/// Whether a create run of `ops` marks the ingress objects it creates. Not when its only rule
/// op is its last op, one `CreateRules`: that one call makes every rule at once (≤ 10 rules on
/// one listener), so what an interrupted run leaves is server groups without any rule of the
/// ingress, which the create after it judges unfinished (`adoption::ingress_leftovers` in the
/// provider), and the run saves the calls that would remove the marks (a rename of the rules and
/// an untag of the groups). A run that also renames, updates or deletes rules (adopting marked
/// ones) marks as before.
pub(super) fn ingress_objects_marked(ops: &[Op]) -> bool {
    let rule_op = |op: &Op| {
        matches!(
            op.kind,
            OpKind::CreateRules { .. } | OpKind::UpdateRules { .. } | OpKind::DeleteRules { .. }
        )
    };
    let rules_last_in_one_call = ops
        .last()
        .is_some_and(|op| matches!(op.kind, OpKind::CreateRules { .. }))
        && ops.iter().filter(|op| rule_op(op)).count() == 1;
    !rules_last_in_one_call
}

/// A rule created with a `creating-` name.
#[derive(Debug)]
pub(super) struct PendingRule {
    /// Rule id.
    pub id: String,
    /// Its priority (sent again with the rename).
    pub priority: i64,
    /// Its listener's id.
    pub listener_id: String,
    /// The final name.
    pub name: String,
}

/// Marks the run set or adopted, removed by [`Run::finish_creation`].
#[derive(Debug, Default)]
pub(super) struct PendingMarks {
    /// Rules created with a `creating-` name.
    pub rules: Vec<PendingRule>,
    /// Marked server groups.
    pub server_groups: Vec<String>,
    /// Marked load balancer.
    pub load_balancer: Option<String>,
}

impl PendingMarks {
    pub(super) fn adopted(marks: &CreationMarks) -> Self {
        Self {
            rules: Vec::new(),
            server_groups: marks.server_groups.clone(),
            load_balancer: marks.load_balancer.clone(),
        }
    }
}

impl Run<'_> {
    /// Removes every pending mark: renames the rules (`UpdateRulesAttribute`, jobs awaited,
    /// in their listeners' turns), then untags the server groups and the load balancer
    /// (`UnTagResources`).
    pub(super) async fn finish_creation(&self) -> Result<(), ReconcileError> {
        let pending = self.take_pending_marks();
        let seed = self.token_for("FinishCreation");
        if !pending.rules.is_empty() {
            let updates: Vec<ApiRuleUpdate> = pending
                .rules
                .iter()
                .map(|r| ApiRuleUpdate {
                    rule_id: r.id.clone(),
                    rule_name: Some(r.name.clone()),
                    priority: Some(r.priority),
                    rule_conditions: Vec::new(),
                    rule_actions: Vec::new(),
                })
                .collect();
            let token = derived_token(&seed, "UpdateRulesAttribute", &updates);
            let listeners: Vec<&str> = pending
                .rules
                .iter()
                .map(|r| r.listener_id.as_str())
                .collect();
            let _turn = listener_turns::take(self.client(), &listeners).await;
            self.client()
                .update_rules_batched(&updates, Some(&token), self.wait())
                .await?;
        }
        self.untag(GROUP_RESOURCE, &pending.server_groups, &seed)
            .await?;
        let lb: Vec<String> = pending.load_balancer.into_iter().collect();
        self.untag(LB_RESOURCE, &lb, &seed).await?;
        Ok(())
    }

    /// `UnTagResources` of the creation mark on `ids` of `resource_type`.
    async fn untag(
        &self,
        resource_type: &str,
        ids: &[String],
        seed: &str,
    ) -> Result<(), ReconcileError> {
        for batch in split_batches(ids, RESOURCES_PER_UNTAG) {
            let request = UnTagResourcesRequest {
                resource_type: resource_type.to_owned(),
                resource_id: batch,
                tag_key: vec![TAG_CREATING.to_owned()],
                ..Default::default()
            };
            let token = derived_token(seed, "UnTagResources", &request);
            self.client()
                .un_tag_resources(&request, Some(&token))
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use model::desired::ListenerKey;
    use model::diff::GroupRef;

    use super::*;

    fn op(kind: OpKind) -> Op {
        Op {
            kind,
            client_token: "t".into(),
        }
    }

    fn listener() -> ListenerKey {
        "HTTP:80".parse().expect("listener key")
    }

    fn create_rules() -> Op {
        op(OpKind::CreateRules {
            listener: listener(),
            rules: Vec::new(),
        })
    }

    fn add_members() -> Op {
        op(OpKind::AddMembers {
            group: GroupRef {
                key: "web:80".into(),
                id: None,
            },
            members: Vec::new(),
        })
    }

    #[test]
    fn only_a_run_whose_one_rule_op_is_a_final_create_leaves_its_objects_unmarked() {
        assert!(!ingress_objects_marked(&[add_members(), create_rules()]));
        assert!(!ingress_objects_marked(&[create_rules()]));
        // Rules in two calls: an interruption between them leaves some rules.
        assert!(ingress_objects_marked(&[create_rules(), create_rules()]));
        // Rules not last, or other rule ops (an adopting run renaming marked rules).
        assert!(ingress_objects_marked(&[create_rules(), add_members()]));
        let rename = op(OpKind::UpdateRules { rules: Vec::new() });
        assert!(ingress_objects_marked(&[rename, create_rules()]));
        let delete = op(OpKind::DeleteRules {
            ids: vec!["rule-1".into()],
            listeners: vec![listener()],
        });
        assert!(ingress_objects_marked(&[create_rules(), delete]));
        // No rules at all (groups only): marked.
        assert!(ingress_objects_marked(&[add_members()]));
        assert!(ingress_objects_marked(&[]));
    }
}

//! Creation marks (see `model::ownership`): a create run marks the load balancer and the
//! ingress server groups it creates with the `alb.terraform/creating` tag and gives the rules it
//! creates a `creating-` RuleName; once every op is done, the run removes the marks — rules
//! renamed first, then server groups untagged, the load balancer last — together with the marks
//! of the objects it adopted from an interrupted create.

use alb_api::batch::split_batches;
use alb_api::job::UnTagResourcesRequest;
use alb_api::rule::RuleUpdate as ApiRuleUpdate;
use alb_api::token::new_client_token;
use model::ownership::{with_creation_mark, Tags, TAG_CREATING};

use super::listener_turns;
use super::run::{derived_token, Run};
use crate::ReconcileError;

/// Resources per `UnTagResources` call (the documented maximum is not known \[INF\]; 20 is the
/// common Alibaba Cloud tag-API limit).
const RESOURCES_PER_UNTAG: usize = 20;
/// Tag resource type of load balancers.
pub(super) const LB_RESOURCE: &str = "loadbalancer";
/// Tag resource type of server groups.
const GROUP_RESOURCE: &str = "servergroup";

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

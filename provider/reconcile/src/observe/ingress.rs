//! Observation of an `alb_ingress`: every rule on the load balancer's listeners and the server
//! groups (with their members) owned by the ingress.

use std::collections::BTreeMap;

use alb_api::batch::split_batches;
use alb_api::rule::{ListRulesRequest, Rule};
use alb_api::server_group::{ListServerGroupServersRequest, ListServerGroupsRequest, ServerGroup};
use model::desired::{IngressId, ListenerKey};
use model::diff::{ActualIngress, ActualRule, ActualServerGroup};
use model::ownership::{
    bounded, ingress_tags, members_kept_by_agent, ResourceKind, Tags, MEMBERS_AGENT, TAG_CLUSTER,
    TAG_INGRESS, TAG_MEMBERS, TAG_RESOURCE,
};

use super::tag_filter;
use crate::convert::{
    action_from_api, condition_from_api, group_attributes_from_api, member_from_api,
    member_mode_from_api, tags_from_api,
};
use crate::error::ConvertError;
use crate::{ReconcileError, Reconciler};

/// Listener ids per `ListRules` call.
const LISTENERS_PER_CALL: usize = 20;

impl Reconciler {
    /// Every rule on the load balancer's `listeners` (ids by key, from
    /// [`Reconciler::listener_ids`]; any owner: foreign rules occupy priorities) and the server
    /// groups owned by `ingress` in this cluster (tags cluster + ingress + `server-group`, as the
    /// plan's ownership test; `lb_id` and `config` only label the logs).
    pub async fn observe_ingress(
        &self,
        lb_id: &str,
        listeners: &BTreeMap<ListenerKey, String>,
        ingress: &IngressId,
        config: &str,
    ) -> Result<ActualIngress, ReconcileError> {
        let mut actual = ActualIngress {
            rules: Vec::new(),
            server_groups: self.owned_groups(ingress).await?,
        };
        let ids: Vec<String> = listeners.values().cloned().collect();
        for chunk in split_batches(&ids, LISTENERS_PER_CALL) {
            let rules = self
                .client
                .list_all(ListRulesRequest {
                    listener_ids: chunk,
                    ..Default::default()
                })
                .await?;
            for r in rules {
                let Some((key, _)) = listeners.iter().find(|(_, id)| **id == r.listener_id) else {
                    continue;
                };
                let rule = actual_rule(&r, *key, &actual);
                actual.rules.push(rule);
            }
        }
        actual.rules.sort_by_key(|r| (r.listener, r.priority));
        tracing::debug!(
            lb_id,
            %ingress,
            config,
            rules = actual.rules.len(),
            server_groups = actual.server_groups.len(),
            "observed ingress"
        );
        Ok(actual)
    }

    async fn owned_groups(
        &self,
        ingress: &IngressId,
    ) -> Result<Vec<ActualServerGroup>, ReconcileError> {
        let owner = ingress_tags(&self.cluster_id, "", ingress, ResourceKind::ServerGroup, "");
        self.groups_tagged(&group_filter(&owner), |_| true).await
    }

    /// The server groups of this cluster whose members the in-cluster agent owns
    /// (`model::ownership::members_kept_by_agent`), each with its members: what `alb-member-sync`
    /// keeps in step. Groups of other clusters, groups whose members Terraform owns and foreign
    /// groups are never returned.
    pub async fn agent_groups(&self) -> Result<Vec<ActualServerGroup>, ReconcileError> {
        let mut filter = Tags::new();
        filter.insert(TAG_CLUSTER.to_owned(), bounded(&self.cluster_id, 128));
        filter.insert(
            TAG_RESOURCE.to_owned(),
            ResourceKind::ServerGroup.as_str().to_owned(),
        );
        filter.insert(TAG_MEMBERS.to_owned(), MEMBERS_AGENT.to_owned());
        // [INF] the service is read as filtering by every tag given; checked here again so a
        // looser filter never hands the agent a group it does not own.
        self.groups_tagged(&filter, |tags| {
            members_kept_by_agent(tags, &self.cluster_id)
        })
        .await
    }

    /// The server groups carrying every tag of `filter` whose tags pass `keep`, with members.
    async fn groups_tagged(
        &self,
        filter: &Tags,
        keep: impl Fn(&Tags) -> bool,
    ) -> Result<Vec<ActualServerGroup>, ReconcileError> {
        let groups = self
            .client
            .list_all(ListServerGroupsRequest {
                tag: tag_filter(filter),
                ..Default::default()
            })
            .await?;
        let mut out = Vec::with_capacity(groups.len());
        for g in groups {
            if keep(&tags_from_api(&g.tags)) {
                let members = self.group_members(&g.server_group_id).await?;
                out.push(actual_group(g, members)?);
            }
        }
        Ok(out)
    }

    /// The servers of group `group_id`, leaving out those being removed, sorted.
    pub async fn group_members(
        &self,
        group_id: &str,
    ) -> Result<Vec<model::desired::Member>, ReconcileError> {
        let servers = self
            .client
            .list_all(ListServerGroupServersRequest {
                server_group_id: Some(group_id.to_owned()),
                ..Default::default()
            })
            .await?;
        let mut members = servers
            .iter()
            .filter(|s| s.status.as_deref() != Some("Removing"))
            .map(|s| member_from_api(&s.server))
            .collect::<Result<Vec<_>, ConvertError>>()?;
        members.sort();
        Ok(members)
    }
}

/// The tag filter finding the server groups of the ingress whose ownership tags (of any of
/// its objects) are `owner`: its cluster and ingress tags plus `resource = server-group`.
pub(crate) fn group_filter(owner: &Tags) -> Tags {
    let mut filter: Tags = owner
        .iter()
        .filter(|(k, _)| *k == TAG_CLUSTER || *k == TAG_INGRESS)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    filter.insert(
        TAG_RESOURCE.to_owned(),
        ResourceKind::ServerGroup.as_str().to_owned(),
    );
    filter
}

fn actual_group(
    g: ServerGroup,
    members: Vec<model::desired::Member>,
) -> Result<ActualServerGroup, ConvertError> {
    Ok(ActualServerGroup {
        attributes: group_attributes_from_api(&g)?,
        name: g.server_group_name.unwrap_or_default(),
        tags: tags_from_api(&g.tags),
        member_mode: member_mode_from_api(g.server_group_type.as_deref()),
        id: g.server_group_id,
        members,
    })
}

/// A listed rule in the model's terms. Conditions or actions the model cannot represent (a
/// console edit, a response rule) leave the rule's content empty: a foreign rule then still
/// occupies its priority, and an owned one differs from its desired content and is rewritten.
fn actual_rule(r: &Rule, listener: ListenerKey, actual: &ActualIngress) -> ActualRule {
    let conditions = r
        .rule_conditions
        .iter()
        .map(condition_from_api)
        .collect::<Result<Vec<_>, _>>();
    let actions = r
        .rule_actions
        .iter()
        .map(|a| action_from_api(a, &|id| actual.group_key(id)))
        .collect::<Result<Vec<_>, _>>();
    let (conditions, actions) = match (conditions, actions) {
        (Ok(c), Ok(a)) => (c, a),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(rule = %r.rule_id, error = %e, "rule content not representable");
            (Vec::new(), Vec::new())
        }
    };
    ActualRule {
        id: r.rule_id.clone(),
        listener,
        priority: u32::try_from(r.priority).unwrap_or(0),
        name: r.rule_name.clone().unwrap_or_default(),
        conditions,
        actions,
        tags: tags_from_api(&r.tags),
    }
}

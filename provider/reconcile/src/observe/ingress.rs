//! Observation of an `alb_ingress`: every rule on the load balancer's listeners and the server
//! groups owned by the ingress, taken from the load balancer's snapshot, with their members
//! unless the agent keeps them.

use alb_api::rule::Rule;
use alb_api::server_group::{ListServerGroupsRequest, ServerGroup, ServerGroupServer};
use futures::{StreamExt, TryStreamExt};
use model::desired::{DesiredIngress, IngressId, ListenerKey};
use model::diff::{ActualIngress, ActualRule, ActualServerGroup};
use model::ownership::{
    bounded, members_kept_by_agent, owns, tagged_for_agent, ResourceKind, Tags, MEMBERS_AGENT,
    TAG_CLUSTER, TAG_INGRESS, TAG_MEMBERS, TAG_RESOURCE,
};

use model::takeover::{ACK_TAG_INGRESS_NAME, ACK_TAG_SERVICE_NS};

use super::{key_of_listener, tag_filter};
use crate::convert::{
    action_from_api, condition_from_api, group_attributes_from_api, member_from_api,
    member_mode_from_api, tags_from_api,
};
use crate::error::ConvertError;
use crate::{ReconcileError, Reconciler};

/// Member lists (`ListServerGroupServers`) one observation has in flight at a time.
const MEMBER_LISTS_IN_FLIGHT: usize = 8;

/// What [`Reconciler::observe_ingress`] reads besides the load balancer's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IngressReads {
    /// Only the rules: the ingress's server groups are left out, so rule actions name groups
    /// as `id:<id>`. Enough for priorities and clash checks.
    Rules,
    /// The rules and the ingress's server groups, without members.
    Groups,
    /// The rules, the server groups and the members of each group whose members are compared
    /// (see [`members_compared`]); the other groups' members are left empty.
    Members,
}

/// Whether an observation that reads members lists those of group `g`: the single place that
/// decides. A group the API reports with no servers (`ServerCount` 0) has none to list; an
/// absent count is listed (tolerant: the field is optional in the API reference).
pub(crate) fn members_compared(g: &ServerGroup) -> bool {
    g.server_count != Some(0)
}

impl Reconciler {
    /// Every rule on the load balancer's listeners (any owner: foreign rules occupy
    /// priorities) and, as `reads` asks, the server groups owned by `ingress` in this cluster
    /// among those of `config` (the load balancer's config identity), with their members.
    pub async fn observe_ingress(
        &self,
        lb_id: &str,
        ingress: &IngressId,
        config: &str,
        reads: IngressReads,
    ) -> Result<ActualIngress, ReconcileError> {
        let server_groups = match reads {
            IngressReads::Rules => Vec::new(),
            IngressReads::Groups => self.owned_groups(lb_id, ingress, config, false).await?,
            IngressReads::Members => self.owned_groups(lb_id, ingress, config, true).await?,
        };
        let mut actual = ActualIngress {
            rules: Vec::new(),
            server_groups,
        };
        let listeners = self.listeners(lb_id).await?;
        for r in self.rules(lb_id).await?.iter() {
            let Some(key) = key_of_listener(&listeners, &r.listener_id) else {
                continue;
            };
            let rule = actual_rule(r, key, &actual);
            actual.rules.push(rule);
        }
        actual.rules.sort_by_key(|r| (r.listener, r.priority));
        tracing::debug!(
            lb_id,
            %ingress,
            config,
            ?reads,
            rules = actual.rules.len(),
            server_groups = actual.server_groups.len(),
            "observed ingress"
        );
        Ok(actual)
    }

    /// The server groups of `config` that `ingress` owns (tags cluster + ingress +
    /// `server-group`, as the plan's ownership test), with their members when `with_members`.
    async fn owned_groups(
        &self,
        lb_id: &str,
        ingress: &IngressId,
        config: &str,
        with_members: bool,
    ) -> Result<Vec<ActualServerGroup>, ReconcileError> {
        let groups = self.config_groups(lb_id, config).await?;
        let members = if !with_members {
            MemberReads::Skip
        } else if config_listing_pays(&groups) {
            MemberReads::ConfigListing
        } else {
            MemberReads::GroupListing
        };
        let reads: Vec<_> = groups
            .iter()
            .map(|g| (g, tags_from_api(&g.tags)))
            .filter(|(_, tags)| {
                owns(tags, &self.cluster_id, ingress)
                    && tags.get(TAG_RESOURCE).map(String::as_str)
                        == Some(ResourceKind::ServerGroup.as_str())
            })
            .map(|(g, tags)| self.owned_group(lb_id, config, g.clone(), tags, members))
            .collect();
        futures::stream::iter(reads)
            .buffered(MEMBER_LISTS_IN_FLIGHT)
            .try_collect()
            .await
    }

    /// Group `g` of `config` (with ownership `tags`) in the model's terms, with its members
    /// (from the load balancer's snapshot, read as `members` says) when [`members_compared`].
    async fn owned_group(
        &self,
        lb_id: &str,
        config: &str,
        g: ServerGroup,
        tags: Tags,
        members: MemberReads,
    ) -> Result<ActualServerGroup, ReconcileError> {
        let compared = members != MemberReads::Skip && members_compared(&g);
        let members = if compared && !tagged_for_agent(&tags) {
            self.members_of_group(lb_id, config, &g, members).await?
        } else {
            Vec::new()
        };
        Ok(actual_group(&g, tags, members)?)
    }

    /// The members of group `g` of `config`. With [`MemberReads::ConfigListing`], from the
    /// config's listing ([`Self::config_servers`]) when it found as many serving servers as the
    /// group's `ServerCount`; otherwise (or when the count disagrees: the listing missed some,
    /// or members changed in between) from a listing of the group alone.
    async fn members_of_group(
        &self,
        lb_id: &str,
        config: &str,
        g: &ServerGroup,
        reads: MemberReads,
    ) -> Result<Vec<model::desired::Member>, ReconcileError> {
        if reads == MemberReads::ConfigListing {
            let listed = self.config_servers(lb_id, config).await?;
            let found = listed
                .get(&g.server_group_id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            if listing_complete(g, found) {
                return Ok(members_of(found)?);
            }
            tracing::debug!(
            group = %g.server_group_id,
            found = found.len(),
            server_count = ?g.server_count,
            "servers listed by tags disagree with ServerCount: listing the group"
            );
        }
        let servers = self.group_servers(lb_id, &g.server_group_id).await?;
        Ok(members_of(&servers)?)
    }

    /// Fills in the members of the groups of `actual` that the agent kept (observed without
    /// members) and that `desired` gives back to Terraform, so the diff starts from what the
    /// agent left instead of adding every member again.
    pub async fn take_back_members(
        &self,
        actual: &mut ActualIngress,
        desired: &DesiredIngress,
    ) -> Result<(), ReconcileError> {
        for g in &mut actual.server_groups {
            let taken_back = tagged_for_agent(&g.tags)
                && desired
                    .server_groups
                    .iter()
                    .any(|d| d.key == g.key() && !d.members_by_agent());
            if taken_back {
                g.members = self.group_members(&g.id).await?;
            }
        }
        Ok(())
    }

    /// The server groups of this cluster whose members the in-cluster agent owns
    /// (`model::ownership::members_kept_by_agent`), each with its members: what `alb-member-sync`
    /// keeps in step. Groups of other clusters, groups whose members Terraform owns and foreign
    /// groups are never returned. Read afresh, never from a snapshot.
    pub async fn agent_groups(&self) -> Result<Vec<ActualServerGroup>, ReconcileError> {
        let mut filter = Tags::new();
        filter.insert(TAG_CLUSTER.to_owned(), bounded(&self.cluster_id, 128));
        filter.insert(
            TAG_RESOURCE.to_owned(),
            ResourceKind::ServerGroup.as_str().to_owned(),
        );
        filter.insert(TAG_MEMBERS.to_owned(), MEMBERS_AGENT.to_owned());
        let mut out = Vec::new();
        for (g, tags) in self.tagged_groups(&filter).await? {
            if members_kept_by_agent(&tags, &self.cluster_id) {
                let members = self.group_members(&g.server_group_id).await?;
                out.push(actual_group(&g, tags, members)?);
            }
        }
        Ok(out)
    }

    /// ACK's server groups of Ingress `ingress` (tags `ingress.k8s.alibaba/service_ns` and
    /// `ingress_name`, see `model::takeover`), with their members when `with_members`. Read
    /// afresh: a takeover looks for them only while it runs.
    pub async fn ack_groups(
        &self,
        ingress: &IngressId,
        with_members: bool,
    ) -> Result<Vec<ActualServerGroup>, ReconcileError> {
        let filter = Tags::from([
            (ACK_TAG_SERVICE_NS.to_owned(), ingress.namespace.clone()),
            (ACK_TAG_INGRESS_NAME.to_owned(), ingress.name.clone()),
        ]);
        let mut out = Vec::new();
        for (g, tags) in self.tagged_groups(&filter).await? {
            let members = if with_members && members_compared(&g) {
                self.group_members(&g.server_group_id).await?
            } else {
                Vec::new()
            };
            out.push(actual_group(&g, tags, members)?);
        }
        Ok(out)
    }

    /// Every server group carrying all of `filter`'s tags, with its tags (read afresh).
    async fn tagged_groups(
        &self,
        filter: &Tags,
    ) -> Result<Vec<(ServerGroup, Tags)>, ReconcileError> {
        let groups = self
            .client
            .list_all(ListServerGroupsRequest {
                tag: tag_filter(filter),
                ..Default::default()
            })
            .await?;
        // [INF] the service is read as filtering by every tag given; checked here again so a
        // looser filter never hands out a group of someone else.
        Ok(groups
            .into_iter()
            .map(|g| {
                let tags = tags_from_api(&g.tags);
                (g, tags)
            })
            .filter(|(_, tags)| filter.iter().all(|(k, v)| tags.get(k) == Some(v)))
            .collect())
    }

    /// The servers of group `group_id`, leaving out those being removed, sorted (read afresh).
    pub async fn group_members(
        &self,
        group_id: &str,
    ) -> Result<Vec<model::desired::Member>, ReconcileError> {
        let servers = self.list_group_servers(group_id).await?;
        Ok(members_of(&servers)?)
    }
}

/// How an observation reads the members of the groups it compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MemberReads {
    /// Not at all (groups without members).
    Skip,
    /// One listing of the servers of all the config's groups, shared by its ingresses.
    ConfigListing,
    /// One listing per group.
    GroupListing,
}

/// Whether one listing of the servers of all of a config's `groups` reads less than listing
/// the compared groups one by one: unless most of their servers (by `ServerCount`) are in
/// groups the agent keeps, whose members no observation compares.
fn config_listing_pays(groups: &[ServerGroup]) -> bool {
    let (kept, compared) = groups.iter().fold((0, 0), |(kept, compared), g| {
        let n = g.server_count.unwrap_or(0).max(0);
        if tagged_for_agent(&tags_from_api(&g.tags)) {
            (kept + n, compared)
        } else {
            (kept, compared + n)
        }
    });
    kept <= compared
}

/// Whether `found`, the servers a listing by tags returned for group `g`, are all of its
/// servers: as many serving ones as its `ServerCount` (an absent count proves nothing).
fn listing_complete(g: &ServerGroup, found: &[ServerGroupServer]) -> bool {
    let serving = found.iter().filter(|s| serving(s)).count();
    g.server_count.and_then(|n| usize::try_from(n).ok()) == Some(serving)
}

/// Whether listed server `s` serves: it is not being removed.
fn serving(s: &ServerGroupServer) -> bool {
    s.status.as_deref() != Some("Removing")
}

/// The members of a group with `servers`, leaving out those being removed, sorted.
fn members_of(servers: &[ServerGroupServer]) -> Result<Vec<model::desired::Member>, ConvertError> {
    let mut members = servers
        .iter()
        .filter(|s| serving(s))
        .map(|s| member_from_api(&s.server))
        .collect::<Result<Vec<_>, ConvertError>>()?;
    members.sort();
    Ok(members)
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
    g: &ServerGroup,
    tags: Tags,
    members: Vec<model::desired::Member>,
) -> Result<ActualServerGroup, ConvertError> {
    Ok(ActualServerGroup {
        attributes: group_attributes_from_api(g)?,
        name: g.server_group_name.clone().unwrap_or_default(),
        tags,
        member_mode: member_mode_from_api(g.server_group_type.as_deref()),
        id: g.server_group_id.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn group(server_count: Option<i64>) -> ServerGroup {
        ServerGroup {
            server_group_id: "sgp-1".into(),
            server_count,
            ..Default::default()
        }
    }

    fn server(status: &str) -> ServerGroupServer {
        ServerGroupServer {
            server_group_id: "sgp-1".into(),
            status: Some(status.into()),
            ..Default::default()
        }
    }

    #[test]
    fn one_listing_pays_unless_most_servers_are_kept_by_the_agent() {
        let agent = vec![alb_api::common::Tag::new(TAG_MEMBERS, MEMBERS_AGENT)];
        let with = |n: i64, tags: &[alb_api::common::Tag]| ServerGroup {
            server_count: Some(n),
            tags: tags.to_vec(),
            ..Default::default()
        };
        assert!(config_listing_pays(&[with(10, &[]), with(10, &agent)]));
        assert!(config_listing_pays(&[with(10, &[]), with(3, &[])]));
        assert!(!config_listing_pays(&[with(10, &[]), with(500, &agent)]));
        assert!(config_listing_pays(&[]));
    }

    #[test]
    fn a_listing_is_complete_when_it_has_as_many_serving_servers_as_the_count() {
        let found = [server("Available"), server("Adding"), server("Removing")];
        assert!(listing_complete(&group(Some(2)), &found));
        assert!(!listing_complete(&group(Some(3)), &found), "one missed");
        assert!(
            !listing_complete(&group(Some(1)), &found),
            "one more than counted"
        );
        assert!(!listing_complete(&group(None), &found), "no count to check");
        assert!(listing_complete(&group(Some(0)), &[]));
    }
}

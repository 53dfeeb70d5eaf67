//! Reading what exists on the load balancer into the model's actual-state types. The parts of a
//! load balancer that several resources read (attributes, listeners, rules, a config's server
//! groups and their members) go through its [`Snapshot`](crate::snapshot::Snapshot), each part
//! a single list paged at the API's maximum page size.

mod acl;
mod config;
mod health;

pub use config::FoundLoadBalancer;
pub use health::MemberHealth;
pub use ingress::IngressReads;
pub(crate) mod ingress;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;

use alb_api::common::Tag;
use alb_api::listener::{ListListenersRequest, Listener};
use alb_api::load_balancer::{LoadBalancer, LoadBalancerIdRequest};
use alb_api::rule::{ListRulesRequest, Rule};
use alb_api::server_group::{
    ListServerGroupServersRequest, ListServerGroupsRequest, ServerGroup, ServerGroupServer,
};
use alb_api::NotFoundExt;
use model::desired::ListenerKey;
use model::ownership::{config_tags, ResourceKind, TAG_CLUSTER, TAG_CONFIG};

use crate::convert::{default_server_group, listener_key};
use crate::snapshot::ServersByGroup;
use crate::{ReconcileError, Reconciler};

impl Reconciler {
    /// The load balancer's attributes (`GetLoadBalancerAttribute`, from its snapshot);
    /// `Ok(None)` when it does not exist.
    pub async fn load_balancer(
        &self,
        lb_id: &str,
    ) -> Result<Option<Arc<LoadBalancer>>, ReconcileError> {
        let snapshot = self.snapshots.of(lb_id);
        let lb = snapshot
            .load_balancer
            .get_or_try_init(|| async {
                let found = self
                    .client
                    .get_load_balancer_attribute(&LoadBalancerIdRequest::new(lb_id))
                    .await
                    .ok_if_not_found()?;
                Ok::<_, ReconcileError>(found.map(|r| Arc::new(r.load_balancer)))
            })
            .await?;
        Ok(lb.clone())
    }

    /// Every listener of the load balancer with its key (from its snapshot); listeners whose
    /// protocol or port the model cannot represent are left out (see `keyed`). The one
    /// `ListListeners` that fills it also fills the snapshots of up to 19 other load balancers
    /// read in this process whose listeners are not read yet (the API takes 20
    /// `LoadBalancerIds`): a plan of many configs lists their listeners in a few calls instead
    /// of one per load balancer.
    pub(crate) async fn listeners(
        &self,
        lb_id: &str,
    ) -> Result<Arc<Vec<(ListenerKey, Listener)>>, ReconcileError> {
        self.snapshots
            .fill_batched(
                lb_id,
                |s| &s.listeners,
                LOAD_BALANCER_IDS,
                |ids| async move {
                    let named =
                        |l: &Listener| Some(l.load_balancer_id.clone()).filter(|id| !id.is_empty());
                    let list = |ids| self.listed_listeners(ids);
                    let by_lb = listed_by_load_balancer(lb_id, ids, list, named).await?;
                    Ok(by_lb.into_iter().map(|(id, l)| (id, keyed(l))).collect())
                },
            )
            .await
    }

    /// Every listener of load balancers `lb_ids` (`ListListeners`, all pages).
    async fn listed_listeners(&self, lb_ids: Vec<String>) -> Result<Vec<Listener>, ReconcileError> {
        Ok(self
            .client
            .list_all(ListListenersRequest {
                load_balancer_ids: lb_ids,
                ..Default::default()
            })
            .await?)
    }

    /// The ids of the load balancer's listeners by key (see [`Self::listeners`]): what
    /// [`Self::observe_ingress`] reads rules from.
    pub async fn listener_ids(
        &self,
        lb_id: &str,
    ) -> Result<BTreeMap<ListenerKey, String>, ReconcileError> {
        Ok(self
            .listeners(lb_id)
            .await?
            .iter()
            .map(|(key, l)| (*key, l.listener_id.clone()))
            .collect())
    }

    /// Every listener of the load balancer (whoever owns it) with the priorities its rules
    /// hold (from its snapshot), by key: what a lookup of the load balancer shows.
    pub async fn listener_overviews(
        &self,
        lb_id: &str,
    ) -> Result<BTreeMap<ListenerKey, ListenerOverview>, ReconcileError> {
        let listeners = self.listeners(lb_id).await?;
        let mut overviews: BTreeMap<ListenerKey, ListenerOverview> = listeners
            .iter()
            .map(|(key, l)| {
                let overview = ListenerOverview {
                    id: l.listener_id.clone(),
                    default_server_group_id: default_server_group(l),
                    priorities: Vec::new(),
                };
                (*key, overview)
            })
            .collect();
        for rule in self.rules(lb_id).await?.iter() {
            let key = key_of_listener(&listeners, &rule.listener_id);
            if let Some(overview) = key.and_then(|key| overviews.get_mut(&key)) {
                overview
                    .priorities
                    .push(u32::try_from(rule.priority).unwrap_or(0));
            }
        }
        for overview in overviews.values_mut() {
            overview.priorities.sort_unstable();
        }
        Ok(overviews)
    }

    /// Every rule on the load balancer, whoever owns it (`ListRules` by load balancer, from
    /// its snapshot). Like [`Self::listeners`], the read fills the snapshots of up to 19 other
    /// load balancers whose rules are not read yet.
    pub(crate) async fn rules(&self, lb_id: &str) -> Result<Arc<Vec<Rule>>, ReconcileError> {
        self.snapshots
            .fill_batched(
                lb_id,
                |s| &s.rules,
                LOAD_BALANCER_IDS,
                |ids| {
                    let named = |r: &Rule| r.load_balancer_id.clone().filter(|id| !id.is_empty());
                    listed_by_load_balancer(lb_id, ids, |ids| self.list_rules(ids), named)
                },
            )
            .await
    }

    /// Every rule on load balancers `lb_ids` (`ListRules`, all pages).
    async fn list_rules(&self, lb_ids: Vec<String>) -> Result<Vec<Rule>, ReconcileError> {
        Ok(self
            .client
            .list_all(ListRulesRequest {
                load_balancer_ids: lb_ids,
                ..Default::default()
            })
            .await?)
    }

    /// The server groups carrying the ownership tags of `config` in this cluster: the config's
    /// placeholders and its ingresses' groups (`ListServerGroups` by tags, from the snapshot of
    /// load balancer `lb_id`).
    pub(crate) async fn config_groups(
        &self,
        lb_id: &str,
        config: &str,
    ) -> Result<Arc<Vec<ServerGroup>>, ReconcileError> {
        let filter = self.config_filter(config);
        self.snapshots
            .of(lb_id)
            .groups
            .get_or_try_fill(&config.to_owned(), || async {
                let groups = self
                    .client
                    .list_all(ListServerGroupsRequest {
                        tag: filter,
                        ..Default::default()
                    })
                    .await?;
                Ok(Arc::new(groups))
            })
            .await
    }

    /// The servers of every group carrying the ownership tags of `config` in this cluster, by
    /// group id: one `ListServerGroupServers` by those tags (all pages, from the snapshot of
    /// load balancer `lb_id`) instead of one list per group.
    ///
    /// \[INF\] the API reference lists `ServerGroupId` as optional and `Tag.N` as a filter; read
    /// here as filtering by the tags of the servers' groups. The mock is strict about it; this
    /// side stays tolerant: servers are grouped by their own `ServerGroupId`, and the ingress
    /// observation checks each group's count against its `ServerCount` before trusting the
    /// listing, so a looser or different filter costs reads, never a wrong member list.
    pub(crate) async fn config_servers(
        &self,
        lb_id: &str,
        config: &str,
    ) -> Result<Arc<ServersByGroup>, ReconcileError> {
        let filter = self.config_filter(config);
        self.snapshots
            .of(lb_id)
            .config_servers
            .get_or_try_fill(&config.to_owned(), || async {
                let servers = self
                    .client
                    .list_all(ListServerGroupServersRequest {
                        tag: filter,
                        ..Default::default()
                    })
                    .await?;
                let mut by_group = ServersByGroup::new();
                for s in servers {
                    by_group
                        .entry(s.server_group_id.clone())
                        .or_default()
                        .push(s);
                }
                Ok(Arc::new(by_group))
            })
            .await
    }

    /// The tag filter of the objects of `config` in this cluster (cluster + config).
    fn config_filter(&self, config: &str) -> Vec<Tag> {
        let owner = config_tags(&self.cluster_id, config, ResourceKind::Placeholder, None);
        tag_filter(
            owner
                .iter()
                .filter(|(k, _)| *k == TAG_CLUSTER || *k == TAG_CONFIG),
        )
    }

    /// The servers of group `group_id` on load balancer `lb_id` (`ListServerGroupServers`, from
    /// the load balancer's snapshot).
    pub(crate) async fn group_servers(
        &self,
        lb_id: &str,
        group_id: &str,
    ) -> Result<Arc<Vec<ServerGroupServer>>, ReconcileError> {
        self.snapshots
            .of(lb_id)
            .members
            .get_or_try_fill(&group_id.to_owned(), || async {
                Ok(Arc::new(self.list_group_servers(group_id).await?))
            })
            .await
    }

    /// Every server of group `group_id`, read from the API (`ListServerGroupServers`, all pages).
    pub(crate) async fn list_group_servers(
        &self,
        group_id: &str,
    ) -> Result<Vec<ServerGroupServer>, ReconcileError> {
        Ok(self
            .client
            .list_all(ListServerGroupServersRequest {
                server_group_id: Some(group_id.to_owned()),
                ..Default::default()
            })
            .await?)
    }
}

/// A listener as [`Reconciler::listener_overviews`] shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenerOverview {
    /// Listener id.
    pub id: String,
    /// The server group its default action forwards to.
    pub default_server_group_id: Option<String>,
    /// The priorities of the rules on it, whoever owns them, ascending.
    pub priorities: Vec<u32>,
}

/// The key of listener `listener_id` among `listeners`; `None` for a listener the model cannot
/// represent (left out of `listeners`).
fn key_of_listener(
    listeners: &[(ListenerKey, Listener)],
    listener_id: &str,
) -> Option<ListenerKey> {
    listeners
        .iter()
        .find(|(_, l)| l.listener_id == listener_id)
        .map(|(key, _)| *key)
}

/// Load balancer ids a list call takes at most (`LoadBalancerIds` of `ListListeners` and
/// `ListRules`).
const LOAD_BALANCER_IDS: usize = 20;

/// What `list` lists for load balancers `ids`, by the load balancer each item names (`named`);
/// when an item names none, what it lists for `lb_id` alone (see [`by_load_balancer`]).
async fn listed_by_load_balancer<T, Fut>(
    lb_id: &str,
    ids: Vec<String>,
    list: impl Fn(Vec<String>) -> Fut,
    named: impl Fn(&T) -> Option<String>,
) -> Result<HashMap<String, Vec<T>>, ReconcileError>
where
    Fut: Future<Output = Result<Vec<T>, ReconcileError>>,
{
    let listed = list(ids.clone()).await?;
    Ok(match by_load_balancer(&ids, listed, named) {
        Some(by_lb) => by_lb,
        None => HashMap::from([(lb_id.to_owned(), list(vec![lb_id.to_owned()]).await?)]),
    })
}

/// The `items` of a read of load balancers `ids` by the load balancer each names (`named`),
/// every id present (one without items has none); alone, every item is the one load balancer's.
/// `None` when several were read and an item names none (tolerant: the caller then reads its
/// own load balancer alone and fills no other).
fn by_load_balancer<T>(
    ids: &[String],
    items: Vec<T>,
    named: impl Fn(&T) -> Option<String>,
) -> Option<HashMap<String, Vec<T>>> {
    if let [only] = ids {
        return Some(HashMap::from([(only.clone(), items)]));
    }
    let mut by_lb: HashMap<String, Vec<T>> =
        ids.iter().map(|id| (id.clone(), Vec::new())).collect();
    for item in items {
        by_lb.entry(named(&item)?).or_default().push(item);
    }
    Some(by_lb)
}

/// `listeners` with their keys; those whose protocol or port the model cannot represent are
/// skipped (with a warning).
fn keyed(listeners: Vec<Listener>) -> Vec<(ListenerKey, Listener)> {
    listeners
        .into_iter()
        .filter_map(|l| match listener_key(&l) {
            Ok(key) => Some((key, l)),
            Err(e) => {
                tracing::warn!(listener = %l.listener_id, error = %e, "listener skipped");
                None
            }
        })
        .collect()
}

/// A tag filter from (key, value) pairs.
fn tag_filter<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Vec<Tag> {
    pairs.into_iter().map(|(k, v)| Tag::new(k, v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, lb: Option<&str>) -> Rule {
        Rule {
            rule_id: id.into(),
            load_balancer_id: lb.map(Into::into),
            ..Default::default()
        }
    }

    fn ids_of(rules: &[Rule]) -> Vec<&str> {
        rules.iter().map(|r| r.rule_id.as_str()).collect()
    }

    #[test]
    fn a_batched_read_is_split_by_the_load_balancer_each_item_names() {
        let named = |r: &Rule| r.load_balancer_id.clone();
        let ids = ["alb-1".to_owned(), "alb-2".to_owned(), "alb-3".to_owned()];
        let listed = vec![
            rule("r1", Some("alb-1")),
            rule("r2", Some("alb-2")),
            rule("r3", Some("alb-1")),
        ];
        let by_lb = by_load_balancer(&ids, listed, named).unwrap();
        assert_eq!(ids_of(&by_lb["alb-1"]), ["r1", "r3"]);
        assert_eq!(ids_of(&by_lb["alb-2"]), ["r2"]);
        assert!(by_lb["alb-3"].is_empty(), "read, and without rules");

        // An item naming no load balancer makes a batched read unusable, not a lone one.
        let unnamed = vec![rule("r1", Some("alb-1")), rule("r2", None)];
        assert!(by_load_balancer(&ids, unnamed.clone(), named).is_none());
        let alone = by_load_balancer(&ids[..1], unnamed, named).unwrap();
        assert_eq!(ids_of(&alone["alb-1"]), ["r1", "r2"]);
    }
}

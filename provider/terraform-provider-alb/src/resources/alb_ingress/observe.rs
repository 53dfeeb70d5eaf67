//! What plan, apply and read look at on the load balancer: its edition and listeners, the
//! ingress's actual rules and server groups (through the reconciler) and the member mode of
//! each group (its server group type).

use std::collections::BTreeMap;

use alb_api::listener::ListListenersRequest;
use alb_api::load_balancer::LoadBalancerIdRequest;
use alb_api::server_group::ListServerGroupsRequest;
use alb_api::{Client, NotFoundExt};
use model::desired::{IngressId, ListenerKey};
use model::diff::{ActualIngress, ActualRule, ActualServerGroup};
use model::ownership::{owns, ResourceKind, TAG_CONFIG, TAG_RESOURCE};
use model::spec::{Edition, MemberMode};
use model::ConfigListeners;
use reconcile::{ReconcileError, Reconciler};

use super::decode::IngressRef;

/// Server group ids per `ListServerGroups` call.
const GROUPS_PER_CALL: usize = 20;

/// The load balancer as the ingress sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LoadBalancer {
    /// The alb_config identity of the ownership tags: the load balancer's own
    /// `alb.terraform/config` tag, else its id.
    pub config: String,
    /// Edition (rule limits).
    pub edition: Edition,
    /// Listener ids by key.
    pub listeners: BTreeMap<ListenerKey, String>,
}

impl LoadBalancer {
    /// The expansion's view of the load balancer.
    pub(crate) fn config_listeners(&self, cluster_id: &str) -> ConfigListeners {
        ConfigListeners {
            cluster_id: cluster_id.to_owned(),
            config: self.config.clone(),
            edition: self.edition,
            listeners: self.listeners.keys().copied().collect(),
        }
    }
}

/// The load balancer `lb_id` (`None` when it does not exist) with its listeners.
pub(crate) async fn load_balancer(
    client: &Client,
    lb_id: &str,
) -> Result<Option<LoadBalancer>, ReconcileError> {
    let Some(lb) = client
        .get_load_balancer_attribute(&LoadBalancerIdRequest::new(lb_id))
        .await
        .ok_if_not_found()?
        .map(|r| r.load_balancer)
    else {
        return Ok(None);
    };
    let config = lb
        .tags
        .iter()
        .find(|t| t.key == TAG_CONFIG)
        .map_or_else(|| lb_id.to_owned(), |t| t.value.clone());
    let edition = lb
        .load_balancer_edition
        .and_then(|e| serde_json::from_value(serde_json::Value::String(e)).ok())
        .unwrap_or(Edition::Standard);
    let listeners = client
        .list_all(ListListenersRequest {
            load_balancer_ids: vec![lb_id.to_owned()],
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter_map(|l| {
            let key = format!("{}:{}", l.listener_protocol, l.listener_port);
            Some((key.parse().ok()?, l.listener_id))
        })
        .collect();
    Ok(Some(LoadBalancer {
        config,
        edition,
        listeners,
    }))
}

/// Everything that exists for one ingress.
#[derive(Clone, Debug)]
pub(crate) struct Observation {
    /// The ingress.
    pub ingress: IngressRef,
    /// Cluster id of the ownership tags.
    pub cluster_id: String,
    /// The load balancer.
    pub lb: LoadBalancer,
    /// Every rule on its listeners and the ingress's server groups.
    pub actual: ActualIngress,
    /// Member mode of each owned server group, by key.
    pub member_modes: BTreeMap<String, MemberMode>,
}

impl Observation {
    /// The rules this ingress owns, by (listener, priority).
    pub(crate) fn owned_rules(&self) -> Vec<&ActualRule> {
        let mut rules: Vec<&ActualRule> = self
            .actual
            .rules
            .iter()
            .filter(|r| owns(&r.tags, &self.cluster_id, &self.ingress.id))
            .collect();
        rules.sort_by_key(|r| (r.listener, r.priority));
        rules
    }

    /// The server groups this ingress owns, by key.
    pub(crate) fn owned_groups(&self) -> Vec<&ActualServerGroup> {
        owned_groups(&self.actual, &self.cluster_id, &self.ingress.id)
    }
}

fn owned_groups<'a>(
    actual: &'a ActualIngress,
    cluster_id: &str,
    id: &IngressId,
) -> Vec<&'a ActualServerGroup> {
    let mut groups: Vec<&ActualServerGroup> = actual
        .server_groups
        .iter()
        .filter(|g| {
            owns(&g.tags, cluster_id, id)
                && g.tags.get(TAG_RESOURCE).map(String::as_str)
                    == Some(ResourceKind::ServerGroup.as_str())
        })
        .collect();
    groups.sort_by(|a, b| a.key().cmp(b.key()));
    groups
}

/// Observes the ingress; `None` when its load balancer does not exist.
pub(crate) async fn observe(
    reconciler: &Reconciler,
    ingress: &IngressRef,
) -> Result<Option<Observation>, ReconcileError> {
    let Some(lb) = load_balancer(reconciler.client(), &ingress.lb_id).await? else {
        return Ok(None);
    };
    let actual = reconciler
        .observe_ingress(&ingress.lb_id, &ingress.id, &lb.config)
        .await?;
    let cluster_id = reconciler.cluster_id().to_owned();
    let groups = owned_groups(&actual, &cluster_id, &ingress.id);
    let member_modes = member_modes(reconciler.client(), &groups).await?;
    Ok(Some(Observation {
        ingress: ingress.clone(),
        cluster_id,
        lb,
        actual,
        member_modes,
    }))
}

/// Member mode of each group by key, from its server group type (`Instance` = node ports).
async fn member_modes(
    client: &Client,
    groups: &[&ActualServerGroup],
) -> Result<BTreeMap<String, MemberMode>, ReconcileError> {
    let keys: BTreeMap<&str, &str> = groups.iter().map(|g| (g.id.as_str(), g.key())).collect();
    let ids: Vec<String> = keys.keys().map(|id| (*id).to_owned()).collect();
    let mut modes = BTreeMap::new();
    for chunk in ids.chunks(GROUPS_PER_CALL) {
        let listed = client
            .list_all(ListServerGroupsRequest {
                server_group_ids: chunk.to_vec(),
                ..Default::default()
            })
            .await?;
        for g in listed {
            let mode = match g.server_group_type.as_deref() {
                Some("Instance") => MemberMode::NodePort,
                _ => MemberMode::Ip,
            };
            if let Some(key) = keys.get(g.server_group_id.as_str()) {
                modes.insert((*key).to_owned(), mode);
            }
        }
    }
    Ok(modes)
}

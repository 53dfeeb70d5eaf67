//! What plan, apply and read look at on the load balancer: its edition and listeners, and the
//! ingress's actual rules and server groups, each group with its member mode and, when asked,
//! its members (all through the reconciler, from the load balancer's snapshot).

use std::collections::BTreeMap;

use model::desired::{IngressId, ListenerKey};
use model::diff::{ActualIngress, ActualRule, ActualServerGroup};
use model::ownership::{owns, ResourceKind, TAG_CONFIG, TAG_RESOURCE};
use model::spec::Edition;
use model::takeover::{Adopt, TAG_ADOPT};
use model::ConfigListeners;
use reconcile::{IngressReads, ReconcileError, Reconciler};

use super::decode::IngressRef;

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
    /// Whose objects ingresses on it take over (its `alb.terraform/adopt` tag).
    pub adopt: Option<Adopt>,
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
    reconciler: &Reconciler,
    lb_id: &str,
) -> Result<Option<LoadBalancer>, ReconcileError> {
    let Some(lb) = reconciler.load_balancer(lb_id).await? else {
        return Ok(None);
    };
    let config = lb
        .tags
        .iter()
        .find(|t| t.key == TAG_CONFIG)
        .map_or_else(|| lb_id.to_owned(), |t| t.value.clone());
    let edition = lb
        .load_balancer_edition
        .clone()
        .and_then(|e| serde_json::from_value(serde_json::Value::String(e)).ok())
        .unwrap_or(Edition::Standard);
    let adopt = lb
        .tags
        .iter()
        .find(|t| t.key == TAG_ADOPT)
        .and_then(|t| Adopt::parse(&t.value));
    Ok(Some(LoadBalancer {
        config,
        edition,
        listeners: reconciler.listener_ids(lb_id).await?,
        adopt,
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

/// Observes the ingress, reading what `reads` asks; `None` when its load balancer does not
/// exist.
pub(crate) async fn observe(
    reconciler: &Reconciler,
    ingress: &IngressRef,
    reads: IngressReads,
) -> Result<Option<Observation>, ReconcileError> {
    let Some(lb) = load_balancer(reconciler, &ingress.lb_id).await? else {
        return Ok(None);
    };
    let actual = reconciler
        .observe_ingress(&ingress.lb_id, &ingress.id, &lb.config, reads)
        .await?;
    Ok(Some(Observation {
        ingress: ingress.clone(),
        cluster_id: reconciler.cluster_id().to_owned(),
        lb,
        actual,
    }))
}

//! Finding the one load balancer a `data "alb_config"` names: by id, or by name and cluster id,
//! among the load balancers this provider created (tagged `alb.terraform/resource =
//! load-balancer` with an `alb.terraform/cluster`).

use std::sync::Arc;

use alb_api::load_balancer::LoadBalancer;
use model::ownership::{ResourceKind, TAG_CLUSTER, TAG_RESOURCE};
use reconcile::Reconciler;
use tfplugin::diag::{AttributePath, Diagnostic};

use crate::resources::api;

/// How the configuration asks for the load balancer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// By load balancer id.
    Id(String),
    /// By name, among those created for a cluster id.
    Name {
        /// Load balancer name.
        name: String,
        /// Cluster id of the ownership tags.
        cluster_id: String,
    },
}

/// The load balancer found, with the cluster id of its ownership tags.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    /// `GetLoadBalancerAttribute`.
    pub lb: Arc<LoadBalancer>,
    /// Its `alb.terraform/cluster` tag.
    pub cluster_id: String,
}

/// The one load balancer `lookup` names, or an error diagnostic at the attribute that named it:
/// none found, several found, or one the provider does not manage.
pub(crate) async fn find(reconciler: &Reconciler, lookup: &Lookup) -> Result<Found, Diagnostic> {
    let id = match lookup {
        Lookup::Id(id) => id.clone(),
        Lookup::Name { name, cluster_id } => by_name(reconciler, name, cluster_id).await?,
    };
    let at = match lookup {
        Lookup::Id(_) => AttributePath::root().attr("id"),
        Lookup::Name { .. } => AttributePath::root().attr("name"),
    };
    let what = format!("looking up load balancer {id}");
    let lb = reconciler
        .load_balancer(&id)
        .await
        .map_err(|e| api::diagnostic_from(&e, &what))?
        .ok_or_else(|| {
            Diagnostic::error(
                "Load balancer not found",
                format!("No load balancer with id {id} exists in this region."),
            )
            .at(at.clone())
        })?;
    let tag = |key: &str| lb.tags.iter().find(|t| t.key == key).map(|t| &t.value);
    let managed =
        tag(TAG_RESOURCE).map(String::as_str) == Some(ResourceKind::LoadBalancer.as_str());
    match tag(TAG_CLUSTER).filter(|_| managed) {
        Some(cluster_id) => Ok(Found {
            cluster_id: cluster_id.clone(),
            lb: Arc::clone(&lb),
        }),
        None => Err(Diagnostic::error(
            "Load balancer not managed by this provider",
            format!(
                "Load balancer {id} exists but was not created by an `alb_config` (it lacks the \
                 ownership tags `{TAG_RESOURCE}` and `{TAG_CLUSTER}`). Import it into an \
                 `alb_config` first, or look up one the provider manages."
            ),
        )
        .at(at)),
    }
}

/// The id of the one load balancer named `name` created for `cluster_id`.
async fn by_name(
    reconciler: &Reconciler,
    name: &str,
    cluster_id: &str,
) -> Result<String, Diagnostic> {
    let at = AttributePath::root().attr("name");
    let found = reconciler
        .find_by_name(name, cluster_id)
        .await
        .map_err(|e| api::diagnostic_from(&e, &format!("looking up load balancer {name:?}")))?;
    match found.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(Diagnostic::error(
            "Load balancer not found",
            format!(
                "No load balancer named {name:?} managed by this provider for cluster id \
                 {cluster_id:?} exists in this region. Check `name` and `cluster_id` (the \
                 `cluster_id` of the provider configuration that manages it), or look it up by \
                 `id`."
            ),
        )
        .at(at)),
        several => {
            let ids: Vec<&str> = several.iter().map(|lb| lb.id.as_str()).collect();
            Err(Diagnostic::error(
                "Several load balancers match",
                format!(
                    "{} load balancers named {name:?} are managed by this provider for cluster \
                     id {cluster_id:?}: {}. Look the one you mean up by `id`.",
                    ids.len(),
                    ids.join(", ")
                ),
            )
            .at(at))
        }
    }
}

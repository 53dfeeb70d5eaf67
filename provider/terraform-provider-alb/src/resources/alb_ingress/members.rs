//! Members at plan time: the ingress's backends resolved through the cluster crate, with one
//! cluster connection and read cache per provider process.

use std::sync::Arc;

use cluster::{BackendError, Cluster, ClusterError};
use model::spec::IngressSpec;
use model::{member_requests, Members};
use tfplugin::diag::{Diagnostic, Diagnostics};
use tokio::sync::OnceCell;

use crate::config::ProviderSettings;
use crate::resources::diagnostics::attribute_path;

/// The cluster, connected on first use and shared by every plan of the provider process (so each
/// namespace is listed once per Terraform command).
#[derive(Clone, Debug, Default)]
pub(crate) struct ClusterCache(Arc<OnceCell<Result<Arc<Cluster>, ClusterError>>>);

impl ClusterCache {
    async fn get(&self, settings: &ProviderSettings) -> Result<Arc<Cluster>, ClusterError> {
        self.0
            .get_or_init(|| async { Cluster::connect(&settings.kubernetes).await.map(Arc::new) })
            .await
            .clone()
    }
}

/// What the plan knows about the members.
pub(super) enum Discovery {
    /// The members of every server group the ingress may need.
    Known(Members),
    /// Not knowable yet: the provider configuration itself is not known.
    Unknowable,
    /// Discovery failed; the errors are in the diagnostics.
    Failed,
}

/// Discovers the members of every server group `spec` may need. Failures are pushed to
/// `diagnostics`: one error for an unreadable cluster, one per backend naming it for a missing
/// Service, port or unusable node. Without any cluster configured the groups plan empty, with a
/// warning.
pub(super) async fn discover(
    cache: &ClusterCache,
    settings: Option<&ProviderSettings>,
    spec: &IngressSpec,
    diagnostics: &mut Diagnostics,
) -> Discovery {
    let requests = member_requests(spec);
    if requests.is_empty() {
        return Discovery::Known(Members::new());
    }
    let Some(settings) = settings else {
        return Discovery::Unknowable;
    };
    let discovered = match cache.get(settings).await {
        Ok(cluster) => cluster.discover(&requests).await,
        Err(e) => Err(e),
    };
    let discovered = match discovered {
        Ok(d) => d,
        Err(e @ ClusterError::NotConfigured) => {
            diagnostics.push(Diagnostic::warning(
                "Server groups planned without members",
                format!("{e}. Until then the server groups of this ingress have no members."),
            ));
            return Discovery::Known(Members::new());
        }
        Err(e) => {
            diagnostics.push(Diagnostic::error(
                "Cannot read the Kubernetes cluster",
                e.to_string(),
            ));
            return Discovery::Failed;
        }
    };
    for request in &requests {
        if let Some(failure) = discovered.failures.get(&request.key) {
            for path in &request.paths {
                diagnostics.push(
                    Diagnostic::error(summary(failure), failure.to_string())
                        .at(attribute_path(path)),
                );
            }
        }
    }
    if discovered.failures.is_empty() {
        Discovery::Known(discovered.members)
    } else {
        Discovery::Failed
    }
}

fn summary(failure: &BackendError) -> &'static str {
    match failure {
        BackendError::ServiceNotFound { .. } => "Kubernetes Service not found",
        BackendError::PortNotFound { .. } => "Kubernetes Service port not found",
        BackendError::NotNodePort { .. } | BackendError::NoNodePort { .. } => {
            "Service has no node port"
        }
        BackendError::NodeWithoutEcsId { .. } => "Node without ECS instance id",
    }
}

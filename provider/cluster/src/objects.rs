//! The objects `terraform-provider-alb generate` reads from a live cluster: ACK's AlbConfigs,
//! IngressClasses, Ingresses and Services, each as JSON with its `apiVersion` and `kind` (as
//! `kubectl get -o yaml` writes them), so that they go the same way as objects read from files.

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::Client;
use serde_json::Value;

use crate::connect;
use crate::error::ClusterError;
use crate::settings::KubernetesSettings;

/// Why the objects could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ObjectsError {
    /// No usable client configuration.
    #[error(transparent)]
    Config(#[from] ClusterError),
    /// A list request failed.
    #[error("the Kubernetes API at {url} failed listing {what}: {detail}")]
    List {
        /// API server URL.
        url: String,
        /// What was listed (`alibabacloud.com/v1 AlbConfig`).
        what: String,
        /// kube's error.
        detail: String,
    },
}

/// The kinds read: (group, version, kind, plural, namespaced).
const KINDS: &[(&str, &str, &str, &str, bool)] = &[
    ("alibabacloud.com", "v1", "AlbConfig", "albconfigs", false),
    (
        "networking.k8s.io",
        "v1",
        "IngressClass",
        "ingressclasses",
        false,
    ),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", true),
    ("", "v1", "Service", "services", true),
];

/// Every AlbConfig and IngressClass, and the Ingresses and Services of `namespaces` (all
/// namespaces when empty).
pub async fn ingress_objects(
    settings: &KubernetesSettings,
    namespaces: &[String],
) -> Result<Vec<Value>, ObjectsError> {
    let config = connect::config(settings).await?;
    let url = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(|e| ClusterError::Config {
        detail: format!("{url}: {e}"),
    })?;
    let mut out = Vec::new();
    for (group, version, kind, plural, namespaced) in KINDS {
        let resource =
            ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural);
        let apis: Vec<Api<DynamicObject>> = if *namespaced && !namespaces.is_empty() {
            namespaces
                .iter()
                .map(|ns| Api::namespaced_with(client.clone(), ns, &resource))
                .collect()
        } else {
            vec![Api::all_with(client.clone(), &resource)]
        };
        for api in apis {
            let list = api
                .list(&ListParams::default())
                .await
                .map_err(|e| ObjectsError::List {
                    url: url.clone(),
                    what: format!("{} {kind}", resource.api_version),
                    detail: e.to_string(),
                })?;
            for item in list.items {
                let mut value = serde_json::to_value(&item).map_err(|e| ObjectsError::List {
                    url: url.clone(),
                    what: format!("{} {kind}", resource.api_version),
                    detail: e.to_string(),
                })?;
                value["apiVersion"] = Value::String(resource.api_version.clone());
                value["kind"] = Value::String(kind.to_string());
                out.push(value);
            }
        }
    }
    Ok(out)
}

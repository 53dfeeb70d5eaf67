//! Member discovery against a live cluster: batched, cached and bounded reads feeding
//! [`crate::select`].
//!
//! Per provider process (one Terraform command), each namespace's Services and EndpointSlices are
//! listed once and nodes once, however many backends and resources ask; at most
//! [`CONCURRENT_READS`] requests are in flight.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::{Node, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, ListParams};
use kube::Client;
use model::expand::{MemberRequest, Members};
use model::spec::MemberMode;
use serde::de::DeserializeOwned;
use tokio::sync::{OnceCell, Semaphore};

use crate::connect::{self, chain, REQUEST_TIMEOUT};
use crate::error::{BackendError, ClusterError};
use crate::select::{self, SERVICE_NAME_LABEL};
use crate::settings::KubernetesSettings;

/// Most Kubernetes requests in flight at once.
pub const CONCURRENT_READS: usize = 4;

/// Objects per list page.
const PAGE_SIZE: u32 = 500;

/// What discovery found: members per server-group key, and the backends it could not resolve.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Discovered {
    /// Members (sorted, distinct) per server-group key `<service>:<port>`.
    pub members: Members,
    /// Backends whose members cannot be known, per server-group key.
    pub failures: BTreeMap<String, BackendError>,
}

/// A namespace's Services by name and EndpointSlices by Service name.
#[derive(Debug, Default)]
struct NamespaceObjects {
    services: HashMap<String, Service>,
    slices: HashMap<String, Vec<EndpointSlice>>,
}

type Cached<T> = Arc<OnceCell<Result<Arc<T>, ClusterError>>>;

/// A connected cluster with its read cache.
pub struct Cluster {
    client: Client,
    url: String,
    namespaces: Mutex<HashMap<String, Cached<NamespaceObjects>>>,
    nodes: Cached<Vec<Node>>,
    permits: Semaphore,
    list_calls: AtomicUsize,
}

impl Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster").field("url", &self.url).finish()
    }
}

impl Cluster {
    /// Builds the client `settings` describe. Nothing is read from the cluster yet.
    pub async fn connect(settings: &KubernetesSettings) -> Result<Self, ClusterError> {
        let config = connect::config(settings).await?;
        let url = config.cluster_url.to_string();
        let client = Client::try_from(config).map_err(|e| ClusterError::Config {
            detail: format!("{url}: {}", chain(&e)),
        })?;
        Ok(Self {
            client,
            url,
            namespaces: Mutex::default(),
            nodes: Cached::default(),
            permits: Semaphore::new(CONCURRENT_READS),
            list_calls: AtomicUsize::new(0),
        })
    }

    /// URL of the API server.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Number of list requests (pages) sent so far.
    pub fn list_calls(&self) -> usize {
        self.list_calls.load(Ordering::Relaxed)
    }

    /// The members of every requested backend. A backend that cannot be resolved (missing Service
    /// or port, a node without ECS id) is a failure of that backend; a cluster that cannot be read
    /// is one error for all.
    pub async fn discover(&self, requests: &[MemberRequest]) -> Result<Discovered, ClusterError> {
        let mut first_service: BTreeMap<&str, String> = BTreeMap::new();
        for r in requests {
            first_service
                .entry(r.namespace.as_str())
                .or_insert_with(|| qualified(r));
        }
        let needs_nodes = requests.iter().find(|r| r.mode == MemberMode::NodePort);
        let namespace_reads = first_service
            .iter()
            .map(|(namespace, service)| self.namespace(namespace, service));
        let node_read = async {
            match needs_nodes {
                Some(r) => self.nodes(&qualified(r)).await.map(Some),
                None => Ok(None),
            }
        };
        let (namespaces, nodes) =
            futures::join!(futures::future::join_all(namespace_reads), node_read);
        let namespaces: BTreeMap<&str, Arc<NamespaceObjects>> = first_service
            .keys()
            .copied()
            .zip(namespaces)
            .map(|(ns, objects)| objects.map(|o| (ns, o)))
            .collect::<Result<_, _>>()?;
        let nodes = nodes?;
        let nodes = nodes.as_deref().map(Vec::as_slice).unwrap_or_default();

        let mut discovered = Discovered::default();
        for request in requests {
            let objects = &namespaces[request.namespace.as_str()];
            let slices: Vec<&EndpointSlice> = objects
                .slices
                .get(&request.service)
                .map(|s| s.iter().collect())
                .unwrap_or_default();
            let service = objects.services.get(&request.service);
            match select::members(request, service, &slices, nodes) {
                Ok(members) => {
                    discovered.members.insert(request.key.clone(), members);
                }
                Err(failure) => {
                    discovered.failures.insert(request.key.clone(), failure);
                }
            }
        }
        Ok(discovered)
    }

    async fn namespace(
        &self,
        namespace: &str,
        service: &str,
    ) -> Result<Arc<NamespaceObjects>, ClusterError> {
        let cell = self
            .namespaces
            .lock()
            .expect("namespace cache lock")
            .entry(namespace.to_string())
            .or_default()
            .clone();
        cell.get_or_init(|| async {
            let services = Api::<Service>::namespaced(self.client.clone(), namespace);
            let slices = Api::<EndpointSlice>::namespaced(self.client.clone(), namespace);
            let (services, slices) = futures::try_join!(
                self.list_all(services, ListParams::default(), service),
                self.list_all(
                    slices,
                    ListParams::default().labels(SERVICE_NAME_LABEL),
                    service
                ),
            )?;
            let mut objects = NamespaceObjects::default();
            for s in services {
                if let Some(name) = s.metadata.name.clone() {
                    objects.services.insert(name, s);
                }
            }
            for slice in slices {
                let owner = slice
                    .metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(SERVICE_NAME_LABEL))
                    .cloned();
                if let Some(owner) = owner {
                    objects.slices.entry(owner).or_default().push(slice);
                }
            }
            Ok(Arc::new(objects))
        })
        .await
        .clone()
    }

    async fn nodes(&self, service: &str) -> Result<Arc<Vec<Node>>, ClusterError> {
        self.nodes
            .get_or_init(|| async {
                let nodes = Api::<Node>::all(self.client.clone());
                self.list_all(nodes, ListParams::default(), service)
                    .await
                    .map(Arc::new)
            })
            .await
            .clone()
    }

    /// Every object of `api`, page by page, each page within [`REQUEST_TIMEOUT`].
    async fn list_all<K>(
        &self,
        api: Api<K>,
        params: ListParams,
        service: &str,
    ) -> Result<Vec<K>, ClusterError>
    where
        K: Clone + DeserializeOwned + Debug,
    {
        let mut params = params.limit(PAGE_SIZE);
        let mut items = Vec::new();
        loop {
            let page = {
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .expect("semaphore never closed");
                self.list_calls.fetch_add(1, Ordering::Relaxed);
                tokio::time::timeout(REQUEST_TIMEOUT, api.list(&params))
                    .await
                    .map_err(|_| ClusterError::Timeout {
                        url: self.url.clone(),
                        service: service.to_string(),
                        seconds: REQUEST_TIMEOUT.as_secs(),
                    })?
                    .map_err(|e| self.read_error(e, service))?
            };
            items.extend(page.items);
            match page.metadata.continue_.filter(|token| !token.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => return Ok(items),
            }
        }
    }

    fn read_error(&self, error: kube::Error, service: &str) -> ClusterError {
        let url = self.url.clone();
        let service = service.to_string();
        match error {
            kube::Error::Api(status) => match status.code {
                401 => ClusterError::Unauthorized { url, service },
                403 => ClusterError::Forbidden {
                    url,
                    service,
                    message: status.message,
                },
                code => ClusterError::Api {
                    url,
                    service,
                    code,
                    reason: status.reason,
                    message: status.message,
                },
            },
            kube::Error::Auth(e) => ClusterError::Config {
                detail: format!("credentials for {url}: {}", chain(&e)),
            },
            other => ClusterError::Unreachable {
                url,
                service,
                detail: chain(&other),
            },
        }
    }
}

fn qualified(request: &MemberRequest) -> String {
    format!("{}/{}", request.namespace, request.service)
}

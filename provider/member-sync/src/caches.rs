//! The agent's view of the cluster: `kube::runtime` watchers of Services, EndpointSlices, Nodes
//! and Pods feeding reflector stores (one per namespace watched, or one for all), and the
//! [`Trigger`] each event raises. Nothing is polled: after the initial list, only watch events
//! arrive (the watcher re-lists by itself when its watch expires).

use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Node, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::runtime::reflector::{self, Store};
use kube::runtime::{watcher, WatchStreamExt};
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;

use cluster::select::SERVICE_NAME_LABEL;

/// What a watch event may have changed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// A Service or one of its EndpointSlices: the groups of that Service.
    Service {
        /// Namespace.
        namespace: String,
        /// Service name.
        name: String,
    },
    /// A Node: every node-port group.
    Nodes,
    /// A Pod: the readiness gates of its namespace (and the groups there, whose pending
    /// endpoints depend on pods).
    Pods {
        /// Namespace.
        namespace: String,
    },
}

/// The stores of one kind: one per watched namespace, or one for the whole cluster.
#[derive(Clone)]
pub struct Stores<K: Resource<DynamicType = ()> + Clone + 'static>(Vec<Store<K>>);

impl<K: Resource<DynamicType = ()> + Clone + 'static> Stores<K> {
    /// Every object.
    pub fn all(&self) -> Vec<Arc<K>> {
        self.0.iter().flat_map(Store::state).collect()
    }

    /// The objects of `namespace`.
    pub fn in_namespace(&self, namespace: &str) -> Vec<Arc<K>> {
        self.0
            .iter()
            .flat_map(Store::state)
            .filter(|o| o.meta().namespace.as_deref() == Some(namespace))
            .collect()
    }

    /// Waits until every store has its initial list.
    async fn ready(&self) -> bool {
        for store in &self.0 {
            if store.wait_until_ready().await.is_err() {
                return false;
            }
        }
        true
    }
}

/// The reflector stores of everything the agent reads.
#[derive(Clone)]
pub struct Caches {
    /// Services.
    pub services: Stores<Service>,
    /// EndpointSlices owned by a Service (`kubernetes.io/service-name` set).
    pub slices: Stores<EndpointSlice>,
    /// Nodes.
    pub nodes: Stores<Node>,
    /// Pods (their readiness gates and the pods behind pending endpoints).
    pub pods: Stores<Pod>,
}

impl Caches {
    /// Starts the watchers on `tasks`: every namespace in `namespaces` (none: the whole
    /// cluster); each event's [`Trigger`] goes to `triggers`.
    pub fn start(
        client: &Client,
        namespaces: &[String],
        triggers: UnboundedSender<Trigger>,
        tasks: &mut JoinSet<()>,
    ) -> Self {
        let scopes: Vec<Option<&str>> = if namespaces.is_empty() {
            vec![None]
        } else {
            namespaces.iter().map(|n| Some(n.as_str())).collect()
        };
        let mut services = Vec::new();
        let mut slices = Vec::new();
        let mut pods = Vec::new();
        for scope in scopes {
            services.push(watch(
                api(client, scope),
                watcher::Config::default(),
                triggers.clone(),
                |s: &Service| {
                    Some(Trigger::Service {
                        namespace: s.namespace()?,
                        name: s.name_any(),
                    })
                },
                tasks,
            ));
            slices.push(watch(
                api(client, scope),
                watcher::Config::default().labels(SERVICE_NAME_LABEL),
                triggers.clone(),
                |s: &EndpointSlice| {
                    Some(Trigger::Service {
                        namespace: s.namespace()?,
                        name: s.labels().get(SERVICE_NAME_LABEL)?.clone(),
                    })
                },
                tasks,
            ));
            pods.push(watch(
                api(client, scope),
                watcher::Config::default(),
                triggers.clone(),
                |p: &Pod| {
                    Some(Trigger::Pods {
                        namespace: p.namespace()?,
                    })
                },
                tasks,
            ));
        }
        let nodes = watch(
            Api::all(client.clone()),
            watcher::Config::default(),
            triggers,
            |_: &Node| Some(Trigger::Nodes),
            tasks,
        );
        Self {
            services: Stores(services),
            slices: Stores(slices),
            nodes: Stores(vec![nodes]),
            pods: Stores(pods),
        }
    }

    /// Waits until every store has its initial list; `false` when a watcher ended first.
    pub async fn ready(&self) -> bool {
        self.services.ready().await
            && self.slices.ready().await
            && self.nodes.ready().await
            && self.pods.ready().await
    }
}

fn api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// A reflector of `api` whose events go to `triggers` through `trigger`.
fn watch<K>(
    api: Api<K>,
    config: watcher::Config,
    triggers: UnboundedSender<Trigger>,
    trigger: fn(&K) -> Option<Trigger>,
    tasks: &mut JoinSet<()>,
) -> Store<K>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    let (store, writer) = reflector::store();
    let kind = K::kind(&());
    let events =
        reflector::reflector(writer, watcher(api, config).default_backoff()).touched_objects();
    tasks.spawn(async move {
        let mut events = std::pin::pin!(events);
        while let Some(event) = events.next().await {
            match event {
                Ok(object) => {
                    if let Some(t) = trigger(&object) {
                        if triggers.send(t).is_err() {
                            return;
                        }
                    }
                }
                Err(error) => tracing::warn!(%kind, %error, "watch failed; retrying"),
            }
        }
    });
    store
}

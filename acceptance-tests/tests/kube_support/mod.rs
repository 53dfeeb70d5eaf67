//! Kubernetes fixtures for the tests that discover members: a cluster with an admin client, and
//! helpers creating Namespaces, Services without selectors, EndpointSlices this test suite manages
//! and Nodes with their status — all through the API.
//!
//! The cluster is an in-process kube-local, or, for the suites that run anywhere
//! ([`KubeFixture::start`]), the cluster of the kubeconfig in `ACC_KUBECONFIG` (kind, minikube, a
//! cloud cluster). Each fixture works in a namespace of its own with a unique name, and its nodes
//! carry unique names and the label [`RUN_LABEL`] = [`KubeFixture::run`], so that runs never see
//! each other's objects; whatever it created is deleted when it is dropped, also when the test
//! fails.

// Shared by the `discovery` and `acceptance` test crates, each of which uses a part.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Mutex;

use acceptance_tests::kube_local::{KubeLocal, KubeLocalConfig};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Node, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::{json, Value};

/// Value of `endpointslice.kubernetes.io/managed-by` on the slices the tests write.
pub const MANAGED_BY: &str = "acceptance-tests.alb.terraform";

/// Label every node a fixture creates carries, with the fixture's [`KubeFixture::run`] as value.
pub const RUN_LABEL: &str = "acceptance-tests.alb.terraform/run";

/// Environment variable naming the kubeconfig of a cluster to run the suites against.
pub const ACC_KUBECONFIG: &str = "ACC_KUBECONFIG";

/// An endpoint: address, node, `conditions.ready` and `conditions.terminating` (None = unset).
pub type Endpoint<'a> = (&'a str, &'a str, Option<bool>, Option<bool>);

/// A cluster, an admin client, and what this fixture created there.
pub struct KubeFixture {
    /// The in-process kube-local; `None` on the cluster of `ACC_KUBECONFIG`.
    local: Option<KubeLocal>,
    /// A client connected through the kubeconfig.
    pub client: Client,
    /// The kubeconfig of the cluster.
    pub kubeconfig: PathBuf,
    /// This fixture's own namespace (created by [`Self::start`]).
    pub ns: String,
    /// Unique id of this fixture: node name suffix and [`RUN_LABEL`] value.
    pub run: String,
    created: Mutex<Created>,
    _dir: tempfile::TempDir,
}

/// Cluster-scoped objects to delete on drop.
#[derive(Default)]
struct Created {
    namespaces: Vec<String>,
    nodes: Vec<String>,
}

async fn client_for(kubeconfig: &PathBuf) -> Client {
    let config = Config::from_custom_kubeconfig(
        Kubeconfig::read_from(kubeconfig).expect("kubeconfig"),
        &KubeConfigOptions::default(),
    )
    .await
    .expect("client config");
    Client::try_from(config).expect("client")
}

impl KubeFixture {
    /// The cluster of `ACC_KUBECONFIG` when set, else an in-process kube-local; with its own
    /// namespace [`Self::ns`] created.
    pub async fn start() -> Self {
        let fixture = match std::env::var_os(ACC_KUBECONFIG).filter(|v| !v.is_empty()) {
            Some(path) => {
                Self::connect(None, PathBuf::from(path), tempfile::tempdir().unwrap()).await
            }
            None => Self::local(KubeLocalConfig::default()).await,
        };
        fixture.namespace(&fixture.ns).await;
        fixture
    }

    /// An in-process kube-local started with `config`, whatever `ACC_KUBECONFIG` says: for tests
    /// that read the server's request counters or use its tokens.
    pub async fn local(config: KubeLocalConfig) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        let server = KubeLocal::start(config.kubeconfig_out(&kubeconfig)).expect("kube-local");
        Self::connect(Some(server), kubeconfig, dir).await
    }

    async fn connect(
        local: Option<KubeLocal>,
        kubeconfig: PathBuf,
        dir: tempfile::TempDir,
    ) -> Self {
        let client = client_for(&kubeconfig).await;
        let run = uuid::Uuid::new_v4().simple().to_string()[..10].to_string();
        Self {
            local,
            client,
            kubeconfig,
            ns: format!("acc-{run}"),
            run,
            created: Mutex::default(),
            _dir: dir,
        }
    }

    /// An in-process kube-local with `namespace` holding `services` (name, ready addresses) on `port`, their
    /// endpoints on `target_port` (see [`Self::ready_service`]).
    pub async fn serving(
        namespace: &str,
        port: u16,
        target_port: u16,
        services: Vec<(String, Vec<String>)>,
    ) -> Self {
        let kube = Self::local(KubeLocalConfig::default()).await;
        kube.namespace(namespace).await;
        kube.ready_services(namespace, port, target_port, services)
            .await;
        kube
    }

    /// The in-process kube-local (panics on the cluster of `ACC_KUBECONFIG`).
    pub fn server(&self) -> &KubeLocal {
        self.local
            .as_ref()
            .expect("this test needs the in-process kube-local")
    }

    /// API server URL and PEM CA of the cluster, from its kubeconfig.
    pub fn server_url_and_ca(&self) -> (String, String) {
        let config = Kubeconfig::read_from(&self.kubeconfig).expect("kubeconfig");
        let context = config
            .current_context
            .as_ref()
            .and_then(|name| config.contexts.iter().find(|c| &c.name == name))
            .and_then(|c| c.context.as_ref())
            .map(|c| c.cluster.clone());
        let cluster = config
            .clusters
            .iter()
            .find(|c| context.as_ref().is_none_or(|name| &c.name == name))
            .and_then(|c| c.cluster.clone())
            .expect("cluster in kubeconfig");
        let ca = match (
            &cluster.certificate_authority_data,
            &cluster.certificate_authority,
        ) {
            (Some(data), _) => {
                use base64::Engine as _;
                let pem = base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .expect("certificate-authority-data");
                String::from_utf8(pem).expect("PEM")
            }
            (None, Some(path)) => std::fs::read_to_string(path).expect("certificate-authority"),
            (None, None) => String::new(),
        };
        (
            cluster
                .server
                .expect("server")
                .trim_end_matches('/')
                .to_string(),
            ca,
        )
    }

    /// The name a node created as `name` has: `<name>-<run>`.
    pub fn node_name(&self, name: &str) -> String {
        format!("{name}-{}", self.run)
    }

    /// The `node_selector` map (HCL) that selects this fixture's nodes.
    pub fn node_selector_hcl(&self) -> String {
        format!("{{ \"{RUN_LABEL}\" = \"{}\" }}", self.run)
    }

    async fn create<K>(&self, api: Api<K>, object: Value) -> K
    where
        K: kube::Resource
            + Clone
            + serde::de::DeserializeOwned
            + serde::Serialize
            + std::fmt::Debug,
    {
        let object: K = serde_json::from_value(object).expect("fixture shape");
        api.create(&PostParams::default(), &object)
            .await
            .expect("create fixture")
    }

    /// Creates a namespace (deleted on drop).
    pub async fn namespace(&self, name: &str) {
        let api = Api::<Namespace>::all(self.client.clone());
        self.create(api, json!({"metadata": {"name": name}})).await;
        self.created
            .lock()
            .unwrap()
            .namespaces
            .push(name.to_string());
    }

    /// Creates a Service without selector with `spec`.
    pub async fn service(&self, namespace: &str, name: &str, spec: Value) {
        let api = Api::<Service>::namespaced(self.client.clone(), namespace);
        self.create(api, json!({"metadata": {"name": name}, "spec": spec}))
            .await;
    }

    /// Creates or replaces the IPv4 EndpointSlice `name` of `service`; endpoint nodes are named
    /// as [`Self::node`] names them.
    pub async fn slice(
        &self,
        namespace: &str,
        service: &str,
        name: &str,
        ports: Value,
        endpoints: &[Endpoint<'_>],
    ) {
        let endpoints: Vec<Value> = endpoints
            .iter()
            .map(|(ip, node, ready, terminating)| {
                json!({"addresses": [ip], "nodeName": self.node_name(node),
                       "conditions": {"ready": ready, "terminating": terminating}})
            })
            .collect();
        let slice = json!({
            "metadata": {"name": name, "labels": {
                "kubernetes.io/service-name": service,
                "endpointslice.kubernetes.io/managed-by": MANAGED_BY,
            }},
            "addressType": "IPv4",
            "ports": ports,
            "endpoints": endpoints,
        });
        let api = Api::<EndpointSlice>::namespaced(self.client.clone(), namespace);
        if api.get_opt(name).await.expect("get slice").is_some() {
            api.patch(name, &PatchParams::default(), &Patch::Merge(&slice))
                .await
                .expect("replace slice");
        } else {
            self.create(api, slice).await;
        }
    }

    /// Creates Service `name` (port `port`, named `http`) with one EndpointSlice whose ready
    /// `addresses` listen on `target_port`.
    pub async fn ready_service(
        &self,
        namespace: &str,
        name: &str,
        port: u16,
        target_port: u16,
        addresses: &[String],
    ) {
        self.service(
            namespace,
            name,
            json!({"ports": [{"name": "http", "port": port}]}),
        )
        .await;
        let endpoints: Vec<Endpoint<'_>> = addresses
            .iter()
            .map(|ip| (ip.as_str(), "n1", Some(true), None))
            .collect();
        self.slice(
            namespace,
            name,
            &format!("{name}-a"),
            json!([{"name": "http", "port": target_port}]),
            &endpoints,
        )
        .await;
    }

    /// [`Self::ready_service`] for every `(name, addresses)`, a few at a time.
    pub async fn ready_services(
        &self,
        namespace: &str,
        port: u16,
        target_port: u16,
        services: Vec<(String, Vec<String>)>,
    ) {
        futures::stream::iter(services)
            .for_each_concurrent(8, |(name, addresses)| async move {
                self.ready_service(namespace, &name, port, target_port, &addresses)
                    .await;
            })
            .await;
    }

    /// Creates node [`Self::node_name`]`(name)` with `labels` plus [`RUN_LABEL`], and sets its
    /// `Ready` condition through the status subresource (deleted on drop).
    pub async fn node(&self, name: &str, ready: &str, labels: Value, provider_id: &str) {
        let name = self.node_name(name);
        let mut labels = labels;
        labels[RUN_LABEL] = json!(self.run);
        let api = Api::<Node>::all(self.client.clone());
        self.create(
            api.clone(),
            json!({"metadata": {"name": name, "labels": labels},
                   "spec": {"providerID": provider_id}}),
        )
        .await;
        self.created.lock().unwrap().nodes.push(name.clone());
        let status = json!({"status": {"conditions": [{"type": "Ready", "status": ready}]}});
        api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&status))
            .await
            .expect("node status");
    }
}

impl Drop for KubeFixture {
    /// Deletes the namespaces and nodes this fixture created, with a client of its own on a
    /// thread of its own (the test's runtime may be the one blocked here).
    fn drop(&mut self) {
        let created = std::mem::take(&mut *self.created.lock().unwrap());
        if created.namespaces.is_empty() && created.nodes.is_empty() {
            return;
        }
        let kubeconfig = self.kubeconfig.clone();
        let cleanup = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let client = client_for(&kubeconfig).await;
                let params = DeleteParams::default();
                let nodes = Api::<Node>::all(client.clone());
                for name in &created.nodes {
                    if let Err(e) = nodes.delete(name, &params).await {
                        eprintln!("cleanup: deleting node {name}: {e}");
                    }
                }
                let namespaces = Api::<Namespace>::all(client);
                for name in &created.namespaces {
                    if let Err(e) = namespaces.delete(name, &params).await {
                        eprintln!("cleanup: deleting namespace {name}: {e}");
                    }
                }
            });
        });
        if cleanup.join().is_err() {
            eprintln!("cleanup of the Kubernetes fixtures panicked");
        }
    }
}

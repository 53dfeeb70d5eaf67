//! Kubernetes fixtures for the tests that discover members: a kube-local server with a client
//! from the kubeconfig it writes, and helpers creating Namespaces, Services without selectors,
//! EndpointSlices this test suite manages and Nodes with their status — all through the API.

use std::path::PathBuf;

use acceptance_tests::kube_local::{KubeLocal, KubeLocalConfig};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Node, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::{json, Value};

/// Value of `endpointslice.kubernetes.io/managed-by` on the slices the tests write.
pub const MANAGED_BY: &str = "acceptance-tests.alb.terraform";

/// An endpoint: address, node, `conditions.ready` and `conditions.terminating` (None = unset).
pub type Endpoint<'a> = (&'a str, &'a str, Option<bool>, Option<bool>);

/// A running kube-local and an admin client.
pub struct KubeFixture {
    /// The server.
    pub server: KubeLocal,
    /// A client connected through its kubeconfig.
    pub client: Client,
    /// The kubeconfig it wrote.
    pub kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

impl KubeFixture {
    /// Starts kube-local with `config` and connects to it.
    pub async fn start(config: KubeLocalConfig) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        let server = KubeLocal::start(config.kubeconfig_out(&kubeconfig)).expect("kube-local");
        let config = Config::from_custom_kubeconfig(
            Kubeconfig::read_from(&kubeconfig).expect("kubeconfig"),
            &KubeConfigOptions::default(),
        )
        .await
        .expect("client config");
        let client = Client::try_from(config).expect("client");
        Self {
            server,
            client,
            kubeconfig,
            _dir: dir,
        }
    }

    /// kube-local with `namespace` holding `services` (name, ready addresses) on `port`, their
    /// endpoints on `target_port` (see [`Self::ready_service`]).
    pub async fn serving(
        namespace: &str,
        port: u16,
        target_port: u16,
        services: Vec<(String, Vec<String>)>,
    ) -> Self {
        let kube = Self::start(KubeLocalConfig::default()).await;
        kube.namespace(namespace).await;
        kube.ready_services(namespace, port, target_port, services)
            .await;
        kube
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

    /// Creates a namespace.
    pub async fn namespace(&self, name: &str) {
        let api = Api::<Namespace>::all(self.client.clone());
        self.create(api, json!({"metadata": {"name": name}})).await;
    }

    /// Creates a Service without selector with `spec`.
    pub async fn service(&self, namespace: &str, name: &str, spec: Value) {
        let api = Api::<Service>::namespaced(self.client.clone(), namespace);
        self.create(api, json!({"metadata": {"name": name}, "spec": spec}))
            .await;
    }

    /// Creates or replaces the IPv4 EndpointSlice `name` of `service`.
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
                json!({"addresses": [ip], "nodeName": node,
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

    /// Creates a node and sets its `Ready` condition through the status subresource.
    pub async fn node(&self, name: &str, ready: &str, labels: Value, provider_id: &str) {
        let api = Api::<Node>::all(self.client.clone());
        self.create(
            api.clone(),
            json!({"metadata": {"name": name, "labels": labels},
                   "spec": {"providerID": provider_id}}),
        )
        .await;
        let status = json!({"status": {"conditions": [{"type": "Ready", "status": ready}]}});
        api.patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
            .await
            .expect("node status");
    }
}

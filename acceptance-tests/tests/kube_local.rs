//! kube-local against the real `kube` client, connected through the kubeconfig kube-local
//! writes (HTTPS verified against the generated CA, bearer token): authentication, discovery,
//! selectors, paging, resourceVersion conflicts, status subresources, Service allocation,
//! error reasons, namespaces and watches; and the `kube-local` binary itself.

use std::path::Path;
use std::time::Duration;

use acceptance_tests::kube_local::{KubeLocal, KubeLocalConfig};
use futures::{StreamExt as _, TryStreamExt as _};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Namespace, Node, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams,
    WatchEvent, WatchParams,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config, ResourceExt as _};
use serde_json::json;

/// A running kube-local and a client made from its kubeconfig.
struct Cluster {
    server: KubeLocal,
    client: Client,
    dir: tempfile::TempDir,
}

async fn client_for(kubeconfig: &Path, context: Option<&str>) -> Client {
    let options = KubeConfigOptions {
        context: context.map(str::to_string),
        ..KubeConfigOptions::default()
    };
    let config =
        Config::from_custom_kubeconfig(Kubeconfig::read_from(kubeconfig).unwrap(), &options)
            .await
            .unwrap();
    Client::try_from(config).unwrap()
}

async fn start(config: KubeLocalConfig) -> Cluster {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    let server = KubeLocal::start(config.kubeconfig_out(&path)).unwrap();
    let client = client_for(&path, None).await;
    Cluster {
        server,
        client,
        dir,
    }
}

impl Cluster {
    fn kubeconfig(&self) -> std::path::PathBuf {
        self.dir.path().join("kubeconfig")
    }

    fn api<K>(&self, namespace: &str) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as kube::Resource>::DynamicType: Default,
    {
        Api::namespaced(self.client.clone(), namespace)
    }

    async fn namespace(&self, name: &str) {
        let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
        Api::<Namespace>::all(self.client.clone())
            .create(&PostParams::default(), &ns)
            .await
            .unwrap();
    }
}

/// Creates an object that must be accepted.
async fn create<K>(api: &Api<K>, object: &K) -> K
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug,
{
    api.create(&PostParams::default(), object).await.unwrap()
}

/// Creates Services `{prefix}{i}` for each `i`.
async fn create_services(api: &Api<Service>, prefix: &str, range: std::ops::Range<usize>) {
    for i in range {
        create(api, &cluster_ip_service(&format!("{prefix}{i}"), json!({}))).await;
    }
}

/// The code and reason of a failed call.
fn failure<T: std::fmt::Debug>(result: kube::Result<T>) -> (u16, String, String) {
    match result {
        Err(kube::Error::Api(status)) => {
            (status.code, status.reason.clone(), status.message.clone())
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn service(name: &str, labels: serde_json::Value, spec: serde_json::Value) -> Service {
    serde_json::from_value(json!({"metadata": {"name": name, "labels": labels}, "spec": spec}))
        .unwrap()
}

fn cluster_ip_service(name: &str, labels: serde_json::Value) -> Service {
    service(name, labels, json!({"ports": [{"port": 80}]}))
}

fn pod(name: &str, node: &str, labels: serde_json::Value) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name, "labels": labels},
        "spec": {"nodeName": node, "containers": [{"name": "app", "image": "nginx:1.27"}]}
    }))
    .unwrap()
}

fn node(name: &str, ready: &str) -> Node {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"providerID": format!("cn-hangzhou.i-{name}")},
        "status": {"conditions": [{"type": "Ready", "status": ready}], "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]}
    }))
    .unwrap()
}

fn names<K: kube::Resource>(items: &[K]) -> Vec<String> {
    items
        .iter()
        .map(|o| o.meta().name.clone().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn requests_without_the_token_or_with_a_wrong_one_are_unauthorized() {
    let cluster = start(
        KubeLocalConfig::default()
            .read_only_token("reader-token")
            .no_access_token("nobody-token"),
    )
    .await;
    let mut config = Config::from_custom_kubeconfig(
        Kubeconfig::read_from(cluster.kubeconfig()).unwrap(),
        &KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    config.auth_info.token = None;
    let anonymous = Client::try_from(config.clone()).unwrap();
    let (code, reason, _) = failure(
        Api::<Service>::default_namespaced(anonymous)
            .list(&ListParams::default())
            .await,
    );
    assert_eq!((code, reason.as_str()), (401, "Unauthorized"));

    config.auth_info.token = Some("wrong-token".to_string().into());
    let wrong = Client::try_from(config).unwrap();
    let (code, reason, _) = failure(wrong.apiserver_version().await);
    assert_eq!((code, reason.as_str()), (401, "Unauthorized"));

    let reader = client_for(&cluster.kubeconfig(), Some("kube-local-read-only")).await;
    let services = Api::<Service>::namespaced(reader, "default");
    assert!(services.list(&ListParams::default()).await.is_ok());
    let (code, reason, message) = failure(
        services
            .create(
                &PostParams::default(),
                &cluster_ip_service("web", json!({})),
            )
            .await,
    );
    assert_eq!((code, reason.as_str()), (403, "Forbidden"));
    assert_eq!(
        message,
        "services is forbidden: User \"kube-local-reader\" cannot create resource \"services\" in API group \"\" in the namespace \"default\""
    );

    let nobody = client_for(&cluster.kubeconfig(), Some("kube-local-no-access")).await;
    assert!(
        nobody.apiserver_version().await.is_ok(),
        "discovery stays open"
    );
    let (code, reason, _) = failure(Api::<Node>::all(nobody).list(&ListParams::default()).await);
    assert_eq!((code, reason.as_str()), (403, "Forbidden"));
}

#[tokio::test]
async fn discovery_names_the_served_versions_and_types() {
    let cluster = start(KubeLocalConfig::default()).await;
    let version = cluster.client.apiserver_version().await.unwrap();
    assert_eq!(
        (version.major.as_str(), version.minor.as_str()),
        ("1", "37")
    );
    let discovery = kube::Discovery::new(cluster.client.clone())
        .run()
        .await
        .unwrap();
    let group = discovery
        .get("discovery.k8s.io")
        .expect("discovery.k8s.io served");
    let kinds: Vec<String> = group
        .recommended_resources()
        .into_iter()
        .map(|(r, _)| r.kind)
        .collect();
    assert_eq!(kinds, ["EndpointSlice"]);
    assert!(discovery.get("coordination.k8s.io").is_some());
    let namespaces = Api::<Namespace>::all(cluster.client.clone())
        .list(&ListParams::default())
        .await
        .unwrap();
    assert_eq!(
        names(&namespaces.items),
        ["default", "kube-node-lease", "kube-public", "kube-system"]
    );
}

#[tokio::test]
async fn label_and_field_selectors_pick_the_matching_objects() {
    let cluster = start(KubeLocalConfig::default()).await;
    cluster.namespace("shop").await;
    let pods: Api<Pod> = cluster.api("shop");
    for (name, node, labels) in [
        ("a", "n1", json!({"app": "web", "tier": "front"})),
        ("b", "n2", json!({"app": "web"})),
        ("c", "n1", json!({"app": "api", "tier": "back"})),
        ("d", "n2", json!({})),
    ] {
        create(&pods, &pod(name, node, labels)).await;
    }
    let select = |labels: &'static str, fields: &'static str| {
        let pods = pods.clone();
        async move {
            let lp = ListParams::default().labels(labels).fields(fields);
            names(&pods.list(&lp).await.unwrap().items)
        }
    };
    assert_eq!(select("app=web", "").await, ["a", "b"]);
    assert_eq!(select("app!=web", "").await, ["c", "d"]);
    assert_eq!(select("app in (api,web),tier", "").await, ["a", "c"]);
    assert_eq!(select("app notin (web)", "").await, ["c", "d"]);
    assert_eq!(select("!tier", "").await, ["b", "d"]);
    assert_eq!(select("", "spec.nodeName=n1").await, ["a", "c"]);
    assert_eq!(select("app=web", "spec.nodeName!=n1").await, ["b"]);
    assert_eq!(
        select("", "metadata.name=d,metadata.namespace=shop").await,
        ["d"]
    );

    let (code, reason, _) = failure(pods.list(&ListParams::default().labels("app in web")).await);
    assert_eq!((code, reason.as_str()), (400, "BadRequest"));
    let services: Api<Service> = cluster.api("shop");
    let (code, _, message) = failure(
        services
            .list(&ListParams::default().fields("spec.nodeName=n1"))
            .await,
    );
    assert_eq!(
        (code, message.as_str()),
        (400, "field label not supported: spec.nodeName")
    );

    // All namespaces.
    let all = Api::<Pod>::all(cluster.client.clone())
        .list(&ListParams::default().fields("spec.nodeName=n2"))
        .await
        .unwrap();
    assert_eq!(names(&all.items), ["b", "d"]);
}

#[tokio::test]
async fn paging_serves_consistent_pages_at_the_first_pages_version() {
    let cluster = start(KubeLocalConfig::default()).await;
    let services: Api<Service> = cluster.api("default");
    for i in 0..7 {
        create(
            &services,
            &cluster_ip_service(&format!("svc-{i}"), json!({"page": "yes"})),
        )
        .await;
    }
    let first = services
        .list(&ListParams::default().limit(3))
        .await
        .unwrap();
    assert_eq!(names(&first.items), ["svc-0", "svc-1", "svc-2"]);
    assert_eq!(first.metadata.remaining_item_count, Some(4));
    let token = first.metadata.continue_.clone().expect("a continue token");

    // Changes after the first page do not show in the next pages.
    services
        .delete("svc-4", &DeleteParams::default())
        .await
        .unwrap();
    create(&services, &cluster_ip_service("svc-9", json!({}))).await;

    let mut seen = names(&first.items);
    let mut token = Some(token);
    while let Some(t) = token {
        let page = services
            .list(&ListParams::default().limit(3).continue_token(&t))
            .await
            .unwrap();
        assert_eq!(
            page.metadata.resource_version,
            first.metadata.resource_version
        );
        seen.extend(names(&page.items));
        token = page.metadata.continue_.filter(|t| !t.is_empty());
    }
    assert_eq!(seen, (0..7).map(|i| format!("svc-{i}")).collect::<Vec<_>>());

    let now = services
        .list(&ListParams::default().labels("page=yes").limit(10))
        .await
        .unwrap();
    assert_eq!(names(&now.items).len(), 6);
    assert!(now.metadata.continue_.is_none_or(|c| c.is_empty()));

    let (code, reason, _) = failure(
        services
            .list(&ListParams::default().continue_token("bm9wZQ=="))
            .await,
    );
    assert_eq!((code, reason.as_str()), (400, "BadRequest"));
}

#[tokio::test]
async fn a_continue_token_older_than_the_history_is_expired() {
    let cluster = start(KubeLocalConfig::default().history_limit(3)).await;
    let services: Api<Service> = cluster.api("default");
    create_services(&services, "s", 0..3).await;
    let first = services
        .list(&ListParams::default().limit(1))
        .await
        .unwrap();
    create_services(&services, "s", 3..8).await;
    let token = first.metadata.continue_.unwrap();
    let (code, reason, _) = failure(
        services
            .list(&ListParams::default().limit(1).continue_token(&token))
            .await,
    );
    assert_eq!((code, reason.as_str()), (410, "Expired"));
}

#[tokio::test]
async fn stale_resource_versions_conflict() {
    let cluster = start(KubeLocalConfig::default()).await;
    let leases: Api<Lease> = cluster.api("kube-node-lease");
    let lease: Lease = serde_json::from_value(json!({"metadata": {"name": "agent"}, "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15}})).unwrap();
    let created = create(&leases, &lease).await;
    let v1 = created.resource_version().unwrap();

    let mut taken = created.clone();
    taken.spec.as_mut().unwrap().holder_identity = Some("b".into());
    let updated = leases
        .replace("agent", &PostParams::default(), &taken)
        .await
        .unwrap();
    let v2 = updated.resource_version().unwrap();
    assert!(v2.parse::<u64>().unwrap() > v1.parse::<u64>().unwrap());

    // The same replace again carries the old version: someone else won.
    let (code, reason, message) = failure(
        leases
            .replace("agent", &PostParams::default(), &taken)
            .await,
    );
    assert_eq!((code, reason.as_str()), (409, "Conflict"));
    assert_eq!(
        message,
        "Operation cannot be fulfilled on leases.coordination.k8s.io \"agent\": the object has been modified; please apply your changes to the latest version and try again"
    );

    // A replace that changes nothing keeps the version.
    let same = leases
        .replace("agent", &PostParams::default(), &updated)
        .await
        .unwrap();
    assert_eq!(same.resource_version().unwrap(), v2);

    // A patch that names a stale version conflicts too; one without a version applies.
    let stale = json!({"metadata": {"resourceVersion": v1}, "spec": {"holderIdentity": "c"}});
    let (code, _, _) = failure(
        leases
            .patch("agent", &PatchParams::default(), &Patch::Merge(&stale))
            .await,
    );
    assert_eq!(code, 409);
    let fresh = json!({"spec": {"holderIdentity": "c"}});
    let patched = leases
        .patch("agent", &PatchParams::default(), &Patch::Merge(&fresh))
        .await
        .unwrap();
    assert_eq!(patched.spec.unwrap().holder_identity.as_deref(), Some("c"));

    // Delete preconditions.
    let dp = DeleteParams::default().preconditions(kube::api::Preconditions {
        resource_version: Some(v1),
        uid: None,
    });
    let (code, reason, _) = failure(leases.delete("agent", &dp).await);
    assert_eq!((code, reason.as_str()), (409, "Conflict"));
}

#[tokio::test]
async fn status_changes_only_through_the_status_subresource() {
    let cluster = start(KubeLocalConfig::default()).await;
    let nodes = Api::<Node>::all(cluster.client.clone());
    // Nodes may carry their status on create.
    let created = create(&nodes, &node("n1", "True")).await;
    let ready = |n: &Node| {
        n.status.as_ref().unwrap().conditions.as_ref().unwrap()[0]
            .status
            .clone()
    };
    assert_eq!(ready(&created), "True");

    // A replace of the main resource changes labels but not the status.
    let mut changed = created.clone();
    changed.labels_mut().insert("zone".into(), "h".into());
    changed
        .status
        .as_mut()
        .unwrap()
        .conditions
        .as_mut()
        .unwrap()[0]
        .status = "False".into();
    let replaced = nodes
        .replace("n1", &PostParams::default(), &changed)
        .await
        .unwrap();
    assert_eq!(replaced.labels()["zone"], "h");
    assert_eq!(ready(&replaced), "True");

    // A status patch (strategic merge, conditions merged by type) changes the status only.
    let patch = json!({"metadata": {"labels": {"zone": "i"}}, "status": {"conditions": [{"type": "Ready", "status": "False"}]}});
    let patched = nodes
        .patch_status("n1", &PatchParams::default(), &Patch::Strategic(&patch))
        .await
        .unwrap();
    assert_eq!(ready(&patched), "False");
    assert_eq!(patched.labels()["zone"], "h");
    assert_eq!(
        patched
            .status
            .as_ref()
            .unwrap()
            .addresses
            .as_ref()
            .unwrap()
            .len(),
        1
    );

    // replace_status with a stale version conflicts.
    let (code, _, _) = failure(
        nodes
            .replace_status("n1", &PostParams::default(), &replaced)
            .await,
    );
    assert_eq!(code, 409);

    // A providerID cannot change once set.
    let move_id = json!({"spec": {"providerID": "cn-hangzhou.i-other"}});
    let (code, reason, message) = failure(
        nodes
            .patch("n1", &PatchParams::default(), &Patch::Merge(&move_id))
            .await,
    );
    assert_eq!((code, reason.as_str()), (422, "Invalid"));
    assert!(message.contains("spec.providerID: Forbidden"), "{message}");

    // Pods start Pending whatever status the create carries; /status sets it.
    let pods: Api<Pod> = cluster.api("default");
    let mut p = pod("p", "n1", json!({}));
    p.status = Some(serde_json::from_value(json!({"phase": "Running"})).unwrap());
    let created = create(&pods, &p).await;
    assert_eq!(created.status.unwrap().phase.as_deref(), Some("Pending"));
    let running = json!({"status": {"phase": "Running", "podIP": "10.1.0.5"}});
    pods.patch_status("p", &PatchParams::default(), &Patch::Merge(&running))
        .await
        .unwrap();
    let got = pods.get_status("p").await.unwrap();
    assert_eq!(got.status.unwrap().pod_ip.as_deref(), Some("10.1.0.5"));
    let selected = pods
        .list(&ListParams::default().fields("status.phase=Running"))
        .await
        .unwrap();
    assert_eq!(names(&selected.items), ["p"]);
}

/// The node ports of every port of a Service (each must have one).
fn node_ports_of(service: &Service) -> Vec<i32> {
    let ports = service.spec.as_ref().and_then(|s| s.ports.as_ref());
    ports
        .unwrap()
        .iter()
        .map(|p| p.node_port.expect("a node port"))
        .collect()
}

#[tokio::test]
async fn services_get_cluster_ips_and_node_ports() {
    let cluster = start(KubeLocalConfig::default()).await;
    let services: Api<Service> = cluster.api("default");
    let spec = json!({"type": "NodePort", "ports": [
        {"name": "http", "port": 80, "targetPort": "web"},
        {"name": "https", "port": 443, "targetPort": 8443}
    ]});
    let web = create(&services, &service("web", json!({}), spec.clone())).await;
    let web_spec = web.spec.clone().unwrap();
    let node_ports = node_ports_of(&web);
    assert!(
        node_ports.iter().all(|p| (30000..=32767).contains(p)),
        "{node_ports:?}"
    );
    assert_ne!(node_ports[0], node_ports[1]);
    let ip = web_spec.cluster_ip.clone().unwrap();
    assert!(ip.starts_with("10.96."), "{ip}");
    assert_eq!(web_spec.external_traffic_policy.as_deref(), Some("Cluster"));
    assert_eq!(
        serde_json::to_value(&web_spec.ports.as_ref().unwrap()[0].target_port).unwrap(),
        json!("web")
    );

    // A replace without the allocated values keeps them.
    let again = services
        .replace("web", &PostParams::default(), &{
            let mut s = service("web", json!({"v": "2"}), spec.clone());
            s.metadata.resource_version = web.resource_version();
            s
        })
        .await
        .unwrap();
    assert_eq!(node_ports_of(&again), node_ports);
    assert_eq!(again.spec.unwrap().cluster_ip.unwrap(), ip);

    // A node port in use is refused with the real wording.
    let taken = json!({"type": "LoadBalancer", "externalTrafficPolicy": "Local", "ports": [{"port": 80, "nodePort": node_ports[0]}]});
    let (code, reason, message) = failure(
        services
            .create(&PostParams::default(), &service("other", json!({}), taken))
            .await,
    );
    assert_eq!((code, reason.as_str()), (422, "Invalid"));
    assert_eq!(
        message,
        format!("Service \"other\" is invalid: spec.ports[0].nodePort: Invalid value: {}: provided port is already allocated", node_ports[0])
    );

    // ClusterIP Services get an IP and no node port; a LoadBalancer with Local policy gets a
    // health check node port.
    let plain = create(&services, &cluster_ip_service("plain", json!({}))).await;
    let plain_spec = plain.spec.unwrap();
    assert_ne!(plain_spec.cluster_ip.unwrap(), ip);
    assert_eq!(plain_spec.ports.unwrap()[0].node_port, None);
    let lb =
        json!({"type": "LoadBalancer", "externalTrafficPolicy": "Local", "ports": [{"port": 80}]});
    let lb = create(&services, &service("lb", json!({}), lb)).await;
    let health = lb.spec.unwrap().health_check_node_port.unwrap();
    assert!((30000..=32767).contains(&health) && !node_ports.contains(&health));

    // Switching to ClusterIP drops the node ports; deleting frees them.
    let to_cluster_ip = json!({"spec": {"type": "ClusterIP"}});
    let switched = services
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(&to_cluster_ip),
        )
        .await
        .unwrap();
    assert!(switched
        .spec
        .unwrap()
        .ports
        .unwrap()
        .iter()
        .all(|p| p.node_port.is_none()));
    let reuse = json!({"type": "NodePort", "ports": [{"port": 80, "nodePort": node_ports[0]}]});
    create(&services, &service("reuse", json!({}), reuse)).await;
}

#[tokio::test]
async fn errors_carry_the_real_reasons_and_codes() {
    let cluster = start(KubeLocalConfig::default()).await;
    let services: Api<Service> = cluster.api("default");
    let (code, reason, message) = failure(services.get("missing").await);
    assert_eq!(
        (code, reason.as_str(), message.as_str()),
        (404, "NotFound", "services \"missing\" not found")
    );

    create(&services, &cluster_ip_service("web", json!({}))).await;
    let (code, reason, message) = failure(
        services
            .create(
                &PostParams::default(),
                &cluster_ip_service("web", json!({})),
            )
            .await,
    );
    assert_eq!(
        (code, reason.as_str(), message.as_str()),
        (409, "AlreadyExists", "services \"web\" already exists")
    );

    let bad = service(
        "Bad_Name",
        json!({}),
        json!({"ports": [{"port": 0}, {"port": 81}]}),
    );
    let err = services
        .create(&PostParams::default(), &bad)
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("{err:?}")
    };
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));
    let fields: Vec<String> = status
        .details
        .unwrap()
        .causes
        .into_iter()
        .map(|c| c.field)
        .collect();
    for field in [
        "metadata.name",
        "spec.ports[0].name",
        "spec.ports[0].port",
        "spec.ports[1].name",
    ] {
        assert!(fields.iter().any(|f| f == field), "{field} in {fields:?}");
    }

    let elsewhere: Api<Service> = cluster.api("nowhere");
    let (code, reason, message) = failure(
        elsewhere
            .create(
                &PostParams::default(),
                &cluster_ip_service("web", json!({})),
            )
            .await,
    );
    assert_eq!(
        (code, reason.as_str(), message.as_str()),
        (404, "NotFound", "namespaces \"nowhere\" not found")
    );

    let namespaces = Api::<Namespace>::all(cluster.client.clone());
    let (code, reason, message) =
        failure(namespaces.delete("default", &DeleteParams::default()).await);
    assert_eq!(
        (code, reason.as_str(), message.as_str()),
        (
            403,
            "Forbidden",
            "namespaces \"default\" is forbidden: this namespace may not be deleted"
        )
    );

    let slices: Api<EndpointSlice> = cluster.api("default");
    let slice: EndpointSlice = serde_json::from_value(json!({
        "metadata": {"name": "web-1"}, "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.0.0.300"]}]
    }))
    .unwrap();
    let (code, _, message) = failure(slices.create(&PostParams::default(), &slice).await);
    assert_eq!(code, 422);
    assert!(
        message.contains("endpoints[0].addresses[0]: Invalid value: \"10.0.0.300\""),
        "{message}"
    );

    // Wrong JSON shapes are refused as the typed decoding refuses them, never with a crash.
    let resource = ApiResource::erase::<Service>(&());
    let untyped: Api<DynamicObject> =
        Api::namespaced_with(cluster.client.clone(), "default", &resource);
    let bad = DynamicObject::new("shapeless", &resource).data(json!({"spec": 5}));
    let (code, reason, message) = failure(untyped.create(&PostParams::default(), &bad).await);
    assert_eq!((code, reason.as_str()), (400, "BadRequest"));
    assert!(message.contains("Service.spec"), "{message}");
    let scramble = json!({"metadata": "x", "spec": {"ports": ["80"]}});
    let (code, _, _) = failure(
        services
            .patch("web", &PatchParams::default(), &Patch::Merge(&scramble))
            .await,
    );
    assert_eq!(code, 400);
    assert!(
        services.get("web").await.is_ok(),
        "the server still answers"
    );
}

#[tokio::test]
async fn deletion_honours_finalizers_collections_and_dry_run() {
    let cluster = start(KubeLocalConfig::default()).await;
    let leases: Api<Lease> = cluster.api("default");
    let held: Lease = serde_json::from_value(
        json!({"metadata": {"name": "held", "finalizers": ["example.com/keep"], "labels": {"set": "a"}}}),
    )
    .unwrap();
    create(&leases, &held).await;
    let pending = leases
        .delete("held", &DeleteParams::default())
        .await
        .unwrap();
    // A deletion that waits for finalizers answers with the object.
    assert!(pending
        .left()
        .unwrap()
        .metadata
        .deletion_timestamp
        .is_some());
    let still = leases.get("held").await.unwrap();
    assert!(still.metadata.deletion_timestamp.is_some());
    let release = json!({"metadata": {"finalizers": null}});
    leases
        .patch("held", &PatchParams::default(), &Patch::Merge(&release))
        .await
        .unwrap();
    assert_eq!(failure(leases.get("held").await).0, 404);

    // A dry run changes nothing.
    let dry = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    let plain: Lease = serde_json::from_value(json!({"metadata": {"name": "dry"}})).unwrap();
    leases.create(&dry, &plain).await.unwrap();
    assert_eq!(failure(leases.get("dry").await).0, 404);

    // deletecollection removes what the selector picks.
    for (name, set) in [("a1", "a"), ("a2", "a"), ("b1", "b")] {
        let lease: Lease =
            serde_json::from_value(json!({"metadata": {"name": name, "labels": {"set": set}}}))
                .unwrap();
        create(&leases, &lease).await;
    }
    leases
        .delete_collection(
            &DeleteParams::default(),
            &ListParams::default().labels("set=a"),
        )
        .await
        .unwrap();
    let left = leases.list(&ListParams::default()).await.unwrap();
    assert_eq!(names(&left.items), ["b1"]);
}

#[tokio::test]
async fn a_deleted_namespace_terminates_then_disappears_with_its_content() {
    let cluster = start(KubeLocalConfig::default()).await;
    cluster.namespace("tmp").await;
    let services: Api<Service> = cluster.api("tmp");
    create(&services, &cluster_ip_service("web", json!({}))).await;
    let namespaces = Api::<Namespace>::all(cluster.client.clone());
    let watch = namespaces
        .watch(&WatchParams::default().fields("metadata.name=tmp"), "0")
        .await
        .unwrap();
    let deleted = namespaces
        .delete("tmp", &DeleteParams::default())
        .await
        .unwrap();
    let terminating = deleted.left().expect("the namespace is returned");
    assert_eq!(
        terminating.status.unwrap().phase.as_deref(),
        Some("Terminating")
    );
    let (code, reason, _) = failure(
        services
            .create(
                &PostParams::default(),
                &cluster_ip_service("late", json!({})),
            )
            .await,
    );
    assert_eq!((code, reason.as_str()), (403, "Forbidden"));

    let gone = tokio::time::timeout(
        Duration::from_secs(10),
        watch
            .try_filter(|e| futures::future::ready(matches!(e, WatchEvent::Deleted(_))))
            .boxed()
            .next(),
    )
    .await
    .expect("the namespace goes within 10 s");
    assert!(gone.is_some());
    let (code, _, _) = failure(services.get("web").await);
    assert_eq!(code, 404);
}

#[tokio::test]
async fn a_watch_streams_added_modified_and_deleted_from_a_version() {
    let cluster =
        start(KubeLocalConfig::default().bookmark_interval(Duration::from_millis(100))).await;
    let slices: Api<EndpointSlice> = cluster.api("default");
    let slice = |name: &str, service: &str| -> EndpointSlice {
        serde_json::from_value(json!({
            "metadata": {"name": name, "labels": {"kubernetes.io/service-name": service, "endpointslice.kubernetes.io/managed-by": "kube-local-test"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.0.0.1"], "conditions": {"ready": true}, "nodeName": "n1"}],
            "ports": [{"name": "http", "port": 8080}]
        }))
        .unwrap()
    };
    let before = create(&slices, &slice("early", "web")).await;
    let from = before.resource_version().unwrap();
    let stream = slices
        .watch(
            &WatchParams::default().labels("kubernetes.io/service-name=web"),
            &from,
        )
        .await
        .unwrap();

    create(&slices, &slice("web-1", "web")).await;
    create(&slices, &slice("api-1", "api")).await;
    let scale = json!({"endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2"]}]});
    slices
        .patch("web-1", &PatchParams::default(), &Patch::Merge(&scale))
        .await
        .unwrap();
    // Leaving the selection reads as a deletion to this watcher.
    let relabel = json!({"metadata": {"labels": {"kubernetes.io/service-name": "other"}}});
    slices
        .patch("early", &PatchParams::default(), &Patch::Merge(&relabel))
        .await
        .unwrap();
    slices
        .delete("web-1", &DeleteParams::default())
        .await
        .unwrap();

    let mut stream = stream.boxed();
    let mut seen = Vec::new();
    let mut bookmarks = 0;
    while seen.len() < 4 || bookmarks == 0 {
        let event = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("events within 10 s")
            .expect("the stream stays open")
            .unwrap();
        match event {
            WatchEvent::Added(s) => seen.push(format!("ADDED {}", s.name_any())),
            WatchEvent::Modified(s) => seen.push(format!(
                "MODIFIED {} {}",
                s.name_any(),
                s.endpoints.map_or(0, |e| e.len())
            )),
            WatchEvent::Deleted(s) => seen.push(format!("DELETED {}", s.name_any())),
            WatchEvent::Bookmark(b) => {
                assert!(!b.metadata.resource_version.is_empty());
                bookmarks += 1;
            }
            WatchEvent::Error(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(
        seen,
        [
            "ADDED web-1",
            "MODIFIED web-1 2",
            "DELETED early",
            "DELETED web-1"
        ]
    );
}

#[tokio::test]
async fn a_watch_from_a_version_older_than_the_history_gets_410_expired() {
    let cluster = start(KubeLocalConfig::default().history_limit(2)).await;
    let services: Api<Service> = cluster.api("default");
    create_services(&services, "s", 0..4).await;
    let mut stream = services
        .watch(&WatchParams::default(), "2")
        .await
        .unwrap()
        .boxed();
    match stream.next().await {
        Some(Ok(WatchEvent::Error(status))) => {
            assert_eq!((status.code, status.reason.as_str()), (410, "Expired"))
        }
        other => panic!("expected an Expired error event, got {other:?}"),
    }
}

/// A kube-runtime watcher with `config` sees a Service created before it and one created
/// while it runs.
async fn runtime_watcher_sees_services(config: kube::runtime::watcher::Config) {
    let cluster = start(KubeLocalConfig::default()).await;
    let services: Api<Service> = cluster.api("default");
    create(&services, &cluster_ip_service("first", json!({}))).await;
    let mut applied = kube::runtime::watcher(services.clone(), config).boxed();
    let mut names_seen = Vec::new();
    let created = services.clone();
    tokio::spawn(async move {
        create(&created, &cluster_ip_service("second", json!({}))).await;
    });
    // The initial list (paged, or streamed and closed by the initial-events-end bookmark)
    // must complete: InitDone.
    let mut init_done = false;
    while names_seen.len() < 2 || !init_done {
        let event = tokio::time::timeout(Duration::from_secs(10), applied.next())
            .await
            .expect("events within 10 s")
            .unwrap()
            .unwrap();
        match event {
            kube::runtime::watcher::Event::Apply(s)
            | kube::runtime::watcher::Event::InitApply(s) => names_seen.push(s.name_any()),
            kube::runtime::watcher::Event::InitDone => init_done = true,
            kube::runtime::watcher::Event::Init | kube::runtime::watcher::Event::Delete(_) => {}
        }
    }
    names_seen.sort();
    assert_eq!(names_seen, ["first", "second"]);
}

#[tokio::test]
async fn the_runtime_watcher_follows_the_cluster_with_paged_lists() {
    runtime_watcher_sees_services(kube::runtime::watcher::Config::default().page_size(1)).await;
}

#[tokio::test]
async fn the_runtime_watcher_follows_the_cluster_with_streaming_lists() {
    runtime_watcher_sees_services(kube::runtime::watcher::Config::default().streaming_lists())
        .await;
}

#[tokio::test]
async fn requests_are_counted_by_verb_and_resource() {
    let cluster = start(KubeLocalConfig::default()).await;
    let slices: Api<EndpointSlice> = cluster.api("default");
    for _ in 0..2 {
        slices.list(&ListParams::default()).await.unwrap();
    }
    let _ = slices.get("missing").await;
    assert_eq!(cluster.server.request_count("LIST", "endpointslices"), 2);
    assert_eq!(cluster.server.request_count("GET", "endpointslices"), 1);
    assert_eq!(cluster.server.request_count("LIST", "services"), 0);
    let request = axum::http::Request::get("/metrics")
        .body(Vec::new())
        .unwrap();
    let metrics = cluster.client.request_text(request).await.unwrap();
    assert!(
        metrics.contains(r#"apiserver_request_total{code="200",component="apiserver",group="discovery.k8s.io",resource="endpointslices",scope="namespace",subresource="",verb="LIST",version="v1"} 2"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"code="404""#), "{metrics}");
}

#[test]
fn kube_local_help_lists_its_options() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kube-local"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for option in [
        "--listen",
        "--kubeconfig-out",
        "--token",
        "--read-only-token",
        "--no-access-token",
    ] {
        assert!(text.contains(option), "{option} in {text}");
    }
}

#[tokio::test]
async fn the_binary_serves_the_kubeconfig_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kube-local"))
        .args(["--listen", "127.0.0.1:0", "--kubeconfig-out"])
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // The binary prints its listening line after writing the kubeconfig.
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    tokio::io::AsyncBufReadExt::read_line(&mut stdout, &mut line)
        .await
        .unwrap();
    assert!(
        line.starts_with("kube-local listening on https://127.0.0.1:"),
        "{line}"
    );
    let client = client_for(&path, None).await;
    let namespaces = Api::<Namespace>::all(client)
        .list(&ListParams::default())
        .await
        .unwrap();
    assert!(names(&namespaces.items).contains(&"default".to_string()));
    child.kill().await.unwrap();
}

//! What the agent's end-to-end tests share: alb-mock and kube-local in-process, server groups
//! created through the signed ALB API, EndpointSlices written through the Kubernetes API, and
//! the agent run as a real process of the built binary.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

pub use acceptance_tests::harness::member_sync::MemberSync;
use acceptance_tests::mock::{Faults, MockConfig, MockServer};
use alb_api::common::Tag;
use alb_api::job::TagResourcesRequest;
use alb_api::listener::{CreateListenerRequest, DefaultAction};
use alb_api::load_balancer::{BillingConfig, CreateLoadBalancerRequest, ZoneMapping};
use alb_api::server_group::{BackendServer, CreateServerGroupRequest, HealthCheckConfig};
use alb_api::{Client, ClientConfig, Credentials, WaitOptions};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, Patch, PatchParams, PostParams};
use model::desired::IngressId;
use model::ownership::{ingress_tags, ResourceKind, Tags, MEMBERS_AGENT, TAG_MEMBERS};
use serde_json::{json, Value};

#[path = "../../../../acceptance-tests/tests/kube_support/mod.rs"]
mod kube_support;
pub use kube_support::KubeFixture;

/// Cluster id the agent and the groups share.
pub const CLUSTER: &str = "c1";
/// The workload's Service.
pub const SERVICE: &str = "web";
/// Target port of the workload.
pub const TARGET_PORT: u16 = 8080;
/// Namespace of the Lease.
pub const LEASE_NS: &str = "kube-system";
/// Name of the Lease.
pub const LEASE: &str = "alb-member-sync";
/// Longest wait for a condition.
pub const WAIT: Duration = Duration::from_secs(60);

/// Runs the tests of one binary one at a time (their timings are asserted; the machine is small).
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}

/// The mock, kube-local, and a client of each.
pub struct Env {
    pub mock: MockServer,
    pub kube: KubeFixture,
    pub alb: Client,
    dir: tempfile::TempDir,
}

impl Env {
    /// Starts both servers and creates Service `web` (port 80 `http`) in the fixture's
    /// namespace.
    pub async fn start(seed: u64) -> Self {
        let mock = MockServer::start(MockConfig::default().async_delay_ms(30).seed(seed))
            .expect("alb-mock");
        let kube = KubeFixture::local(Default::default()).await;
        kube.namespace(&kube.ns).await;
        kube.service(
            &kube.ns,
            SERVICE,
            json!({"ports": [{"name": "http", "port": 80, "targetPort": TARGET_PORT}]}),
        )
        .await;
        let alb = Client::new(
            ClientConfig::new(
                "cn-hangzhou",
                Credentials::new("mock-access-key", "mock-secret-key"),
            )
            .with_endpoint(mock.endpoint()),
        )
        .expect("ALB client");
        Self {
            mock,
            kube,
            alb,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// Creates an Ip server group for `web:80` of ingress `shop/web` tagged for cluster
    /// `cluster`, with `members` (`Some("agent")` adds `alb.terraform/members=agent`), holding
    /// `servers` (IPs on the target port). Returns its id.
    pub async fn group(
        &self,
        name: &str,
        cluster: Option<&str>,
        members: Option<&str>,
        servers: &[&str],
    ) -> String {
        let tags = self.group_tags(cluster, members, &format!("{SERVICE}:80"));
        let id = self.create_group(name, "Ip", &tags, false).await;
        if !servers.is_empty() {
            let servers: Vec<BackendServer> = servers.iter().map(|ip| server(ip)).collect();
            self.alb
                .add_servers_batched(&id, &servers, None, &WaitOptions::default())
                .await
                .expect("add servers");
        }
        id
    }

    /// Creates a server group of `group_type` (`Ip`, `Instance`) named `name` with `tags`, and
    /// waits until it is available. With `health_checks`, they are on, every second, healthy
    /// after two passes. Returns its id.
    pub async fn create_group(
        &self,
        name: &str,
        group_type: &str,
        tags: &Tags,
        health_checks: bool,
    ) -> String {
        let request = CreateServerGroupRequest {
            server_group_name: name.to_owned(),
            health_check_config: HealthCheckConfig {
                health_check_enabled: Some(health_checks),
                health_check_interval: health_checks.then_some(1),
                healthy_threshold: health_checks.then_some(2),
                ..Default::default()
            },
            server_group_type: Some(group_type.into()),
            vpc_id: Some("vpc-test".into()),
            tag: tags.iter().map(|(k, v)| Tag::new(k, v)).collect(),
            ..Default::default()
        };
        let id = self
            .alb
            .create_server_group(&request, None)
            .await
            .expect("create server group")
            .server_group_id;
        self.alb
            .wait_server_group_available(&id, &WaitOptions::default())
            .await
            .expect("group available");
        id
    }

    /// Ownership tags of group `key` (`<service>:<port>`) of ingress `<ns>/web` for `cluster`
    /// (`None`: a foreign group), plus `alb.terraform/members=<members>`.
    pub fn group_tags(&self, cluster: Option<&str>, members: Option<&str>, key: &str) -> Tags {
        let mut tags = match cluster {
            Some(c) => ingress_tags(
                c,
                "main",
                &IngressId::new(&self.kube.ns, "web"),
                ResourceKind::ServerGroup,
                key,
            ),
            None => [("team".to_owned(), "payments".to_owned())].into(),
        };
        if let Some(m) = members {
            tags.insert(TAG_MEMBERS.to_owned(), m.to_owned());
        }
        tags
    }

    /// A load balancer whose HTTP:80 listener forwards to group `id`, so the API reports the
    /// group's health (`GetListenerHealthStatus`).
    pub async fn listener_forwarding_to(&self, id: &str) {
        let zone = |zone: &str, vswitch: &str| ZoneMapping {
            zone_id: zone.to_owned(),
            v_switch_id: vswitch.to_owned(),
            ..Default::default()
        };
        let lb = self
            .alb
            .create_load_balancer(
                &CreateLoadBalancerRequest {
                    vpc_id: "vpc-test".into(),
                    address_type: "Intranet".into(),
                    load_balancer_edition: "Standard".into(),
                    load_balancer_billing_config: BillingConfig {
                        pay_type: Some("PostPay".into()),
                        ..Default::default()
                    },
                    zone_mappings: vec![
                        zone("cn-hangzhou-h", "vsw-h"),
                        zone("cn-hangzhou-i", "vsw-i"),
                    ],
                    ..Default::default()
                },
                None,
            )
            .await
            .expect("create load balancer")
            .load_balancer_id;
        self.alb
            .wait_load_balancer_active(&lb, &WaitOptions::default())
            .await
            .expect("load balancer active");
        let listener = self
            .alb
            .create_listener(
                &CreateListenerRequest {
                    load_balancer_id: lb,
                    listener_protocol: "HTTP".into(),
                    listener_port: 80,
                    default_actions: vec![DefaultAction::forward_to(id)],
                    ..Default::default()
                },
                None,
            )
            .await
            .expect("create listener")
            .listener_id;
        self.alb
            .wait_listener_running(&listener, &WaitOptions::default())
            .await
            .expect("listener running");
    }

    /// Sets `tags` on group `id` (`TagResources`, as the provider's apply does).
    pub async fn retag(&self, id: &str, tags: &Tags) {
        let request = TagResourcesRequest {
            resource_type: "servergroup".into(),
            resource_id: vec![id.to_owned()],
            tag: tags.iter().map(|(k, v)| Tag::new(k, v)).collect(),
        };
        self.alb
            .tag_resources(&request, None)
            .await
            .expect("tag server group");
    }

    /// `(server id, port, weight)` of the servers of group `id` (those being removed left out),
    /// sorted.
    pub fn weighted_members(&self, id: &str) -> Vec<(String, u64, u64)> {
        let mut servers: Vec<(String, u64, u64)> = self.group_state(id)["Servers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["Status"] != "Removing")
            .map(|s| {
                (
                    s["ServerId"].as_str().unwrap_or_default().to_owned(),
                    s["Port"].as_u64().unwrap_or_default(),
                    s["Weight"].as_u64().unwrap_or_default(),
                )
            })
            .collect();
        servers.sort();
        servers
    }

    /// The agent group of the tests (`members=agent`, cluster `c1`).
    pub async fn agent_group(&self) -> String {
        self.group("k8s-web-80", Some(CLUSTER), Some(MEMBERS_AGENT), &[])
            .await
    }

    /// Writes the Service's EndpointSlice with the ready endpoints `ips`.
    pub async fn endpoints(&self, ips: &[String]) {
        let endpoints: Vec<(&str, &str, Option<bool>, Option<bool>)> = ips
            .iter()
            .map(|ip| (ip.as_str(), "n1", Some(true), None))
            .collect();
        self.kube
            .slice(
                &self.kube.ns,
                SERVICE,
                "web-a",
                json!([{"name": "http", "port": TARGET_PORT}]),
                &endpoints,
            )
            .await;
    }

    /// The server ids of group `id` in the mock (servers being removed left out).
    pub fn members(&self, id: &str) -> Vec<String> {
        let group = self.group_state(id);
        let mut ids: Vec<String> = group["Servers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["Status"] != "Removing")
            .map(|s| s["ServerId"].as_str().unwrap_or_default().to_owned())
            .collect();
        ids.sort();
        ids
    }

    /// Every server entry of group `id` (to find duplicates).
    pub fn server_entries(&self, id: &str) -> Vec<String> {
        self.group_state(id)["Servers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                format!(
                    "{}:{}",
                    s["ServerId"].as_str().unwrap_or_default(),
                    s["Port"]
                )
            })
            .collect()
    }

    /// The fewest serving members the mock saw in group `id` since its first change.
    pub fn min_serving(&self, id: &str) -> Option<u64> {
        self.group_state(id)["MinServingServers"].as_u64()
    }

    fn group_state(&self, id: &str) -> Value {
        self.mock.state()["ServerGroups"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|g| g["ServerGroupId"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no server group {id}"))
    }

    /// Calls of `action` the mock received (faulted ones included).
    pub fn calls(&self, action: &str) -> u64 {
        self.mock
            .counters()
            .actions
            .get(action)
            .map_or(0, |c| c.calls)
    }

    /// Member-changing calls the mock received.
    pub fn member_writes(&self) -> u64 {
        [
            "AddServersToServerGroup",
            "RemoveServersFromServerGroup",
            "ReplaceServersInServerGroup",
            "UpdateServerGroupServersAttribute",
        ]
        .iter()
        .map(|a| self.calls(a))
        .sum()
    }

    /// Sets the mock's faults.
    pub fn faults(&self, faults: Faults) {
        self.mock.set_faults(faults);
    }

    /// The Lease holder (`None`: no Lease or no holder).
    pub async fn lease_holder(&self) -> Option<String> {
        let api: Api<Lease> = Api::namespaced(self.kube.client.clone(), LEASE_NS);
        api.get_opt(LEASE)
            .await
            .expect("read lease")?
            .spec?
            .holder_identity
            .filter(|h| !h.is_empty())
    }

    /// Creates pod `name` with IP `ip`, containers ready and the agent's readiness gate.
    pub async fn gated_pod(&self, name: &str, ip: &str) {
        let api: Api<Pod> = Api::namespaced(self.kube.client.clone(), &self.kube.ns);
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {
                "containers": [{"name": "web", "image": "web:1"}],
                "readinessGates": [{"conditionType": alb_member_sync::gates::CONDITION_TYPE}],
            },
        }))
        .unwrap();
        api.create(&PostParams::default(), &pod)
            .await
            .expect("create pod");
        let status = json!({"status": {"podIP": ip, "conditions": [
            {"type": "ContainersReady", "status": "True"},
            {"type": "Ready", "status": "False"},
        ]}});
        api.patch_status(name, &PatchParams::default(), &Patch::Strategic(&status))
            .await
            .expect("pod status");
    }

    /// The status of the pod's readiness-gate condition.
    pub async fn gate(&self, name: &str) -> Option<String> {
        let api: Api<Pod> = Api::namespaced(self.kube.client.clone(), &self.kube.ns);
        let pod = api.get(name).await.expect("read pod");
        pod.status?
            .conditions?
            .into_iter()
            .find(|c| c.type_ == alb_member_sync::gates::CONDITION_TYPE)
            .map(|c| c.status)
    }

    /// Writes the slice of pod endpoints `(ip, pod, ready)` with their `targetRef`s.
    pub async fn pod_endpoints(&self, endpoints: &[(&str, &str, bool)]) {
        let endpoints: Vec<Value> = endpoints
            .iter()
            .map(|(ip, pod, ready)| {
                json!({
                    "addresses": [ip], "conditions": {"ready": ready},
                    "targetRef": {"kind": "Pod", "name": pod},
                })
            })
            .collect();
        let slice: EndpointSlice = serde_json::from_value(json!({
            "metadata": {"name": "web-pods", "labels": {"kubernetes.io/service-name": SERVICE}},
            "addressType": "IPv4",
            "ports": [{"name": "http", "port": TARGET_PORT}],
            "endpoints": endpoints,
        }))
        .unwrap();
        let api: Api<EndpointSlice> = Api::namespaced(self.kube.client.clone(), &self.kube.ns);
        match api.get_opt("web-pods").await.expect("get slice") {
            Some(_) => {
                api.patch("web-pods", &PatchParams::default(), &Patch::Merge(&slice))
                    .await
                    .expect("replace slice");
            }
            None => {
                api.create(&PostParams::default(), &slice)
                    .await
                    .expect("create slice");
            }
        }
    }

    /// A new agent process named `identity` with the tests' timings plus `extra` flags.
    pub fn agent(&self, identity: &str, extra: &[&str]) -> MemberSync {
        spawn_agent(self, identity, extra)
    }
}

/// A server in the Ip group: `ip` on the target port.
pub fn server(ip: &str) -> BackendServer {
    BackendServer {
        server_id: ip.to_owned(),
        server_ip: None,
        server_type: "Ip".into(),
        port: Some(i64::from(TARGET_PORT)),
        weight: Some(100),
        ..Default::default()
    }
}

/// `n` endpoint IPs `10.<block>.0.1…`.
pub fn ips(block: u8, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("10.{block}.0.{i}")).collect()
}

/// Sorted copy.
pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Waits until `done` holds (checked every 50 ms) or panics after `limit`, naming `what`;
/// returns how long it took.
pub async fn wait_until<F, Fut>(what: &str, limit: Duration, mut done: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if done().await {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Starts `alb-member-sync` (this build's binary) with the tests' flags plus `extra`.
fn spawn_agent(env: &Env, identity: &str, extra: &[&str]) -> MemberSync {
    let mut args: Vec<String> = vec![
        "--region=cn-hangzhou".into(),
        format!("--endpoint={}", env.mock.endpoint()),
        "--access-key=mock-access-key".into(),
        "--secret-key=mock-secret-key".into(),
        format!("--cluster-id={CLUSTER}"),
        format!("--kubeconfig={}", env.kube.kubeconfig.display()),
        format!("--lease-namespace={LEASE_NS}"),
        format!("--lease-name={LEASE}"),
        format!("--identity={identity}"),
        "--lease-duration=3s".into(),
        "--renew-deadline=2s".into(),
        "--retry-period=300ms".into(),
        "--debounce=300ms".into(),
        "--relist=2s".into(),
        "--retry-after=500ms".into(),
        "--shutdown-grace=2s".into(),
        "--log-format=text".into(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    MemberSync::spawn(
        Path::new(env!("CARGO_BIN_EXE_alb-member-sync")),
        &args,
        env.dir.path().join(format!("{identity}.log")),
    )
}

/// The distinct entries of `v`, asserting there are no duplicates.
pub fn distinct(v: &[String]) -> BTreeSet<String> {
    let set: BTreeSet<String> = v.iter().cloned().collect();
    assert_eq!(set.len(), v.len(), "duplicate servers: {v:?}");
    set
}

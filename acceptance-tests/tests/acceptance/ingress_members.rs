//! Server-group members from Kubernetes with real Terraform, kube-local and the ALB mock: the
//! plan fills `server_groups[*].members` from EndpointSlices (ip mode) and Nodes (nodeport
//! mode), apply puts them on the load balancer, a change of the cluster alone is a member diff
//! (also with `-refresh=false`), and bad backends or credentials are plan errors.
//!
//! With `ACC_KUBECONFIG` the fixtures go to that cluster instead of kube-local (see
//! [`KubeFixture`]): a namespace of the test's own, and nodes selected by the run's label.

use acceptance_tests::harness::{provider_block, Workdir};
use acceptance_tests::mock::MockServer;
use serde_json::{json, Value};

use crate::ingress_lifecycle::{mock_with, resource_values, CONFIG};
use crate::kube_support::KubeFixture;

/// The provider block reaching the mock and the cluster through `kubernetes`.
fn provider(mock: &MockServer, kubernetes: &str) -> String {
    provider_block(&mock.endpoint()).replacen(
        "  cluster_id = \"c-acc\"\n",
        &format!("  cluster_id = \"c-acc\"\n  kubernetes {{\n{kubernetes}\n  }}\n"),
        1,
    )
}

/// Ingress `<kube.ns>/<name>` (rule band `order`) on `alb_config.main` routing `/p<i>` of `host`
/// to the i-th (service, port); nodeport members only among the fixture's nodes.
fn ingress(
    kube: &KubeFixture,
    name: &str,
    order: u32,
    host: &str,
    mode: &str,
    backends: &[(&str, &str)],
) -> String {
    let paths: String = backends
        .iter()
        .enumerate()
        .map(|(i, (service, port))| {
            format!(
                "    path {{\n      path = \"/p{i}\"\n      backend {{\n        service = \"{service}\"\n        port    = \"{port}\"\n      }}\n    }}\n"
            )
        })
        .collect();
    format!(
        r#"
resource "alb_ingress" "{name}" {{
  alb_config_id = alb_config.main.id
  namespace     = "{namespace}"
  name          = "{name}"
  order         = {order}
  backend_defaults {{
    member_mode   = "{mode}"
    node_selector = {selector}
  }}
  rule {{
    host = "{host}"
{paths}  }}
}}
"#,
        namespace = kube.ns,
        selector = kube.node_selector_hcl(),
    )
}

/// A runtime for the kube client (it lives as long as the test) and the cluster with the test's
/// namespace.
fn cluster_with_namespace() -> (tokio::runtime::Runtime, KubeFixture) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let kube = rt.block_on(KubeFixture::start());
    (rt, kube)
}

const WEB_PORTS: &str = r#"[{"name": "http", "port": 8080}]"#;

fn web_ports() -> Value {
    serde_json::from_str(WEB_PORTS).unwrap()
}

/// `(server id, port, type)` of the planned/applied members of server group `key`.
pub(crate) fn state_members(wd: &Workdir, ingress: &str, key: &str) -> Vec<(String, i64, String)> {
    let values = resource_values(wd, &format!("alb_ingress.{ingress}"));
    values["server_groups"][key]["members"]
        .as_array()
        .unwrap_or_else(|| panic!("members of {key}: {values:#}"))
        .iter()
        .map(|m| {
            (
                m["server_id"].as_str().unwrap().to_string(),
                m["port"].as_i64().unwrap(),
                m["type"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The mock's server group with key tag `key`, as its state dump shows it.
pub(crate) fn mock_group(mock: &MockServer, key: &str) -> Value {
    mock.state()["ServerGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| {
            g["Tags"].as_array().is_some_and(|t| {
                t.iter()
                    .any(|t| t["Key"] == "alb.terraform/key" && t["Value"] == key)
            })
        })
        .cloned()
        .unwrap_or_else(|| panic!("no server group {key}"))
}

/// `(server id, port)` of the live servers of the mock's group with key tag `key`, sorted.
pub(crate) fn mock_members(mock: &MockServer, key: &str) -> Vec<(String, i64)> {
    let group = mock_group(mock, key);
    let mut servers: Vec<(String, i64)> = group["Servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Status"] != "Removing")
        .map(|s| {
            (
                s["ServerId"].as_str().unwrap().to_string(),
                s["Port"].as_i64().unwrap(),
            )
        })
        .collect();
    servers.sort();
    servers
}

/// Writes the configuration of the `storefront` ingress alone, `kubernetes` being the body of the
/// provider's `kubernetes` block.
pub(crate) fn write_storefront(
    wd: &Workdir,
    mock: &MockServer,
    kube: &KubeFixture,
    kubernetes: &str,
    mode: &str,
    backends: &[(&str, &str)],
) {
    wd.write_config(&format!(
        "{}{CONFIG}{}",
        provider(mock, kubernetes),
        ingress(kube, "storefront", 10, "shop.example.com", mode, backends),
    ));
}

/// A NodePort Service `<kube.ns>/<name>` with port 80 named `http`.
async fn node_port_service(kube: &KubeFixture, name: &str) {
    kube.service(
        &kube.ns,
        name,
        json!({"type": "NodePort", "ports": [{"name": "http", "port": 80}]}),
    )
    .await;
}

/// The `kubernetes` block's body reaching kube-local through its kubeconfig.
pub(crate) fn config_path(kube: &KubeFixture) -> String {
    format!("    config_path = \"{}\"", kube.kubeconfig.display())
}

/// Terraform wraps diagnostic text: compare with single spaces.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn ips(ips: &[&str], port: i64) -> Vec<(String, i64)> {
    ips.iter().map(|ip| (ip.to_string(), port)).collect()
}

#[test]
fn ingress_members_follow_endpoint_slices_and_nodes() {
    let (rt, kube) = cluster_with_namespace();
    rt.block_on(async {
        // A named target port with another number: Service port 80 → endpoints on 8080.
        kube.service(
            &kube.ns,
            "web",
            json!({"ports": [{"name": "http", "port": 80, "targetPort": "web"}]}),
        )
        .await;
        kube.slice(
            &kube.ns,
            "web",
            "web-a",
            web_ports(),
            &[
                ("10.0.0.1", "n1", Some(true), None),
                ("10.0.0.2", "n1", None, None),
                ("10.0.0.3", "n2", Some(true), None),
            ],
        )
        .await;
        node_port_service(&kube, "api").await;
        // Local policy: only the node with a ready endpoint (n2) is a member.
        kube.service(
            &kube.ns,
            "pinned",
            json!({"type": "NodePort", "externalTrafficPolicy": "Local",
                   "ports": [{"name": "http", "port": 80}]}),
        )
        .await;
        kube.slice(
            &kube.ns,
            "pinned",
            "pinned-a",
            web_ports(),
            &[
                ("10.0.1.1", "n2", Some(true), None),
                ("10.0.1.2", "n1", Some(false), None),
            ],
        )
        .await;
        kube.node("n1", "True", json!({}), "cn-hangzhou.i-n1").await;
        kube.node("n2", "True", json!({}), "cn-hangzhou.i-n2").await;
        kube.node("sick", "False", json!({}), "cn-hangzhou.i-sick")
            .await;
        kube.node(
            "spare",
            "True",
            json!({"service.alibabacloud.com/exclude-node": "true"}),
            "cn-hangzhou.i-spare",
        )
        .await;
    });
    let mock = mock_with(30, 41);
    let wd = Workdir::new();
    let kubernetes = config_path(&kube);
    wd.write_config(&format!(
        "{}{CONFIG}{}{}",
        provider(&mock, &kubernetes),
        ingress(
            &kube,
            "storefront",
            10,
            "shop.example.com",
            "ip",
            &[("web", "80")]
        ),
        ingress(
            &kube,
            "nodes",
            20,
            "api.example.com",
            "nodeport",
            &[("api", "http"), ("pinned", "80")]
        )
        .replace(
            "member_mode   = \"nodeport\"",
            "member_mode   = \"nodeport\"\n    member_weight = 50"
        ),
    ));
    wd.apply(&[]).assert_success("create");

    let web = ips(&["10.0.0.1", "10.0.0.2", "10.0.0.3"], 8080);
    assert_eq!(mock_members(&mock, "web:80"), web);
    assert_eq!(
        state_members(&wd, "storefront", "web:80"),
        web.iter()
            .map(|(ip, port)| (ip.clone(), *port, "Ip".to_string()))
            .collect::<Vec<_>>()
    );
    let api = mock_members(&mock, "api:http");
    let node_port = api[0].1;
    assert!((30000..=32767).contains(&node_port), "{api:?}");
    assert_eq!(api, ips(&["i-n1", "i-n2"], node_port));
    assert_eq!(state_members(&wd, "nodes", "api:http")[0].2, "Ecs");
    let pinned = mock_members(&mock, "pinned:80");
    assert_eq!(pinned.len(), 1, "{pinned:?}");
    assert_eq!(pinned[0].0, "i-n2");
    let weights: Vec<Value> = mock.state()["ServerGroups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["Servers"].as_array().cloned().unwrap_or_default())
        .filter(|s| s["ServerType"] == "Ecs")
        .map(|s| s["Weight"].clone())
        .collect();
    assert_eq!(weights, vec![json!(50); 3], "member_weight");
    wd.assert_plan_empty();

    // Scale out: two more endpoints in a second slice, one of them a duplicate of web-a's.
    rt.block_on(kube.slice(
        &kube.ns,
        "web",
        "web-b",
        web_ports(),
        &[
            ("10.0.0.3", "n2", Some(true), None),
            ("10.0.0.4", "n2", Some(true), None),
            ("10.0.0.5", "n1", None, None),
        ],
    ));
    for extra in [&["-refresh=false"][..], &[][..]] {
        let plan = wd.plan(extra);
        assert_eq!(plan.code, 2, "plan {extra:?}:\n{}", plan.combined());
        assert!(
            plan.stdout.contains("10.0.0.4") && plan.stdout.contains("10.0.0.5"),
            "{}",
            plan.stdout
        );
        assert!(plan.stdout.contains("1 to change"), "{}", plan.stdout);
    }
    wd.apply(&[]).assert_success("scale out");
    assert_eq!(
        mock_members(&mock, "web:80"),
        ips(
            &["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"],
            8080
        )
    );
    wd.assert_plan_empty();

    // One endpoint not ready, one terminating: both leave.
    rt.block_on(kube.slice(
        &kube.ns,
        "web",
        "web-a",
        web_ports(),
        &[
            ("10.0.0.1", "n1", Some(false), None),
            ("10.0.0.2", "n1", Some(false), Some(true)),
            ("10.0.0.3", "n2", Some(true), None),
        ],
    ));
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    wd.apply(&[]).assert_success("endpoints leave");
    assert_eq!(
        mock_members(&mock, "web:80"),
        ips(&["10.0.0.3", "10.0.0.4", "10.0.0.5"], 8080)
    );
    // The nodeport group did not move, and the second plan has nothing to do.
    assert_eq!(
        mock_members(&mock, "api:http"),
        ips(&["i-n1", "i-n2"], node_port)
    );
    wd.assert_plan_empty();
    wd.destroy().assert_success("destroy");
}

/// Endpoint slices per Service in [`set_web_endpoints`], each with at most
/// [`ENDPOINTS_PER_SLICE`] endpoints (the EndpointSlice controller's default).
const WEB_SLICES: u32 = 5;
const ENDPOINTS_PER_SLICE: u32 = 100;

/// Makes Service `web` have `count` ready endpoints (10.1.x.y:8080, from the `first`-th address
/// on), spread over [`WEB_SLICES`] slices like the EndpointSlice controller does.
pub(crate) async fn set_web_endpoints(kube: &KubeFixture, first: u32, count: u32) {
    let addresses: Vec<String> = (first..first + count)
        .map(|i| format!("10.1.{}.{}", i / 250, i % 250 + 1))
        .collect();
    for slice in 0..WEB_SLICES {
        let start = (slice * ENDPOINTS_PER_SLICE).min(count) as usize;
        let end = ((slice + 1) * ENDPOINTS_PER_SLICE).min(count) as usize;
        let endpoints: Vec<_> = addresses[start..end]
            .iter()
            .map(|ip| (ip.as_str(), "n1", Some(true), None))
            .collect();
        kube.slice(
            &kube.ns,
            "web",
            &format!("web-{slice}"),
            web_ports(),
            &endpoints,
        )
        .await;
    }
}

/// `(AddServersToServerGroup, RemoveServersFromServerGroup, ReplaceServersInServerGroup)` calls
/// the mock has seen so far.
pub(crate) fn member_calls(mock: &MockServer) -> (u64, u64, u64) {
    let counters = mock.counters();
    let calls = |action: &str| counters.actions.get(action).map_or(0, |c| c.calls);
    (
        calls("AddServersToServerGroup"),
        calls("RemoveServersFromServerGroup"),
        calls("ReplaceServersInServerGroup"),
    )
}

/// The fewest serving (not `Removing`) servers the mock saw in group `key` after any
/// membership change.
fn min_serving(mock: &MockServer, key: &str) -> u64 {
    let group = mock_group(mock, key);
    group["MinServingServers"]
        .as_u64()
        .unwrap_or_else(|| panic!("MinServingServers of {key}: {group:#}"))
}

/// The cluster with Service `web` (port 80 → 8080) having `count` ready endpoints.
pub(crate) fn cluster_with_web(count: u32) -> (tokio::runtime::Runtime, KubeFixture) {
    let (rt, kube) = cluster_with_namespace();
    rt.block_on(async {
        kube.service(
            &kube.ns,
            "web",
            json!({"ports": [{"name": "http", "port": 80, "targetPort": 8080}]}),
        )
        .await;
        set_web_endpoints(&kube, 0, count).await;
    });
    (rt, kube)
}

#[test]
fn ingress_members_apply_in_batches_of_200_and_keep_serving() {
    let (rt, kube) = cluster_with_web(450);
    let mock = mock_with(20, 43);
    let wd = Workdir::new();
    write_storefront(
        &wd,
        &mock,
        &kube,
        &config_path(&kube),
        "ip",
        &[("web", "80")],
    );
    wd.apply(&[]).assert_success("450 endpoints");
    assert_eq!(mock_members(&mock, "web:80").len(), 450);
    assert_eq!(state_members(&wd, "storefront", "web:80").len(), 450);
    // The mock refuses more than 200 servers per call, so 3 calls is the fewest possible.
    assert_eq!(member_calls(&mock), (3, 0, 0), "calls for 0 → 450");
    wd.assert_plan_empty();

    // 450 → 10: no add, 440 removes in 3 calls, never fewer than 10 serving.
    rt.block_on(set_web_endpoints(&kube, 0, 10));
    wd.apply(&[]).assert_success("shrink to 10");
    assert_eq!(
        mock_members(&mock, "web:80").len(),
        10,
        "{:?}",
        mock_members(&mock, "web:80")
    );
    assert_eq!(member_calls(&mock), (3, 3, 0), "calls for 450 → 10");
    assert_eq!(min_serving(&mock, "web:80"), 10, "min(before, after) = 10");
    wd.assert_plan_empty();

    // 10 → 450: 440 adds in 3 calls; the minimum seen stays at 10.
    rt.block_on(set_web_endpoints(&kube, 0, 450));
    wd.apply(&[]).assert_success("grow to 450");
    assert_eq!(mock_members(&mock, "web:80").len(), 450);
    assert_eq!(member_calls(&mock), (6, 3, 0), "calls for 10 → 450");
    assert_eq!(min_serving(&mock, "web:80"), 10, "never below 10 serving");
    wd.assert_plan_empty();

    // A rollout replaces 20 pods: one ReplaceServersInServerGroup swaps them, no add or remove.
    rt.block_on(set_web_endpoints(&kube, 20, 450));
    wd.apply(&[]).assert_success("rollout of 20");
    let members = mock_members(&mock, "web:80");
    assert_eq!(members.len(), 450);
    assert!(
        !members.iter().any(|(ip, _)| ip == "10.1.0.1"),
        "old pod left"
    );
    assert!(
        members.iter().any(|(ip, _)| ip == "10.1.1.220"),
        "new pod in"
    );
    assert_eq!(member_calls(&mock), (6, 3, 1), "calls for the rollout");
    wd.assert_plan_empty();
    wd.destroy().assert_success("destroy");
}

#[test]
fn ingress_member_errors_point_at_the_backend_and_the_cluster() {
    let (rt, kube) = cluster_with_namespace();
    rt.block_on(async {
        kube.service(
            &kube.ns,
            "web",
            json!({"ports": [{"name": "http", "port": 80}, {"name": "admin", "port": 9000}]}),
        )
        .await;
    });
    let mock = mock_with(0, 42);
    let wd = Workdir::new();
    let kubernetes = config_path(&kube);
    write_storefront(
        &wd,
        &mock,
        &kube,
        &kubernetes,
        "ip",
        &[("web", "80"), ("gone", "80"), ("web", "8443")],
    );
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 1, "{}", plan.combined());
    let text = flat(&plan.combined());
    assert!(text.contains("Kubernetes Service not found"), "{text}");
    assert!(
        text.contains(&format!("Service `{}/gone` does not exist", kube.ns)),
        "{text}"
    );
    let at_backend = regex::Regex::new(
        r#"Error: Kubernetes Service not found with alb_ingress\.storefront, on main\.tf line \d+, in resource "alb_ingress" "storefront": \d+: service = "gone""#,
    )
    .unwrap();
    assert!(
        at_backend.is_match(&text),
        "the error points at the backend's service:\n{text}"
    );
    assert!(
        text.contains(&format!(
            "Service `{}/web` has no port `8443`; its ports are: 80 (http), 9000 (admin)",
            kube.ns
        )),
        "{text}"
    );

    // A wrong token: one error naming the API server and the Service, quickly.
    let (server_url, ca_pem) = kube.server_url_and_ca();
    let ca = wd.path().join("ca.pem");
    std::fs::write(&ca, ca_pem).unwrap();
    let kubernetes = format!(
        "    host = \"{server_url}\"\n    token = \"wrong\"\n    cluster_ca_certificate = file(\"{}\")",
        ca.display()
    );
    write_storefront(&wd, &mock, &kube, &kubernetes, "ip", &[("web", "80")]);
    let started = std::time::Instant::now();
    let plan = wd.plan(&[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(plan.code, 1, "{}", plan.combined());
    let text = flat(&plan.combined());
    assert_eq!(
        text.matches("Cannot read the Kubernetes cluster").count(),
        1,
        "{text}"
    );
    assert!(text.contains("401 Unauthorized"), "{text}");
    assert!(text.contains(&server_url), "{text}");
    assert!(text.contains(&format!("`{}/web`", kube.ns)), "{text}");

    // nodeport mode with an eligible node that is no ECS instance: an error naming the node.
    rt.block_on(async {
        node_port_service(&kube, "np").await;
        kube.node(
            "kind-worker",
            "True",
            json!({}),
            "kind://docker/kind/kind-worker",
        )
        .await;
    });
    let kubernetes = config_path(&kube);
    write_storefront(&wd, &mock, &kube, &kubernetes, "nodeport", &[("np", "80")]);
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 1, "{}", plan.combined());
    let text = flat(&plan.combined());
    assert!(
        text.contains("Error: Node without ECS instance id"),
        "{text}"
    );
    assert!(
        text.contains(&format!("node `{}`", kube.node_name("kind-worker"))),
        "{text}"
    );
    assert!(text.contains(r#"service = "np""#), "{text}");
}

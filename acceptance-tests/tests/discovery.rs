//! Member discovery (`cluster` crate) against kube-local through the real kube client: fixtures
//! are created through the Kubernetes API (Services without selectors, EndpointSlices this test
//! manages, Nodes with their status), then discovered through every way of connecting.
//!
//! Always against an in-process kube-local, also when `ACC_KUBECONFIG` is set: these tests count
//! the server's requests and use its extra tokens. The acceptance tests run anywhere.

use std::path::PathBuf;
use std::time::{Duration, Instant};

mod kube_support;

use acceptance_tests::kube_local::KubeLocalConfig;
use cluster::{BackendError, Cluster, ClusterError, ExecSettings, KubernetesSettings};
use kube_support::KubeFixture;
use model::desired::Member;
use model::expand::MemberRequest;
use model::spec::MemberMode;
use serde_json::json;

const NO_ACCESS_TOKEN: &str = "nobody-token";

async fn start() -> KubeFixture {
    KubeFixture::local(KubeLocalConfig::default().no_access_token(NO_ACCESS_TOKEN)).await
}

fn kubeconfig_settings(f: &KubeFixture) -> KubernetesSettings {
    KubernetesSettings {
        config_paths: vec![f.kubeconfig.clone()],
        ..KubernetesSettings::default()
    }
}

fn host_settings(f: &KubeFixture, token: &str) -> KubernetesSettings {
    KubernetesSettings {
        host: Some(f.server().server_url()),
        token: Some(token.to_string()),
        cluster_ca_certificate: Some(f.server().ca_pem().to_string()),
        ..KubernetesSettings::default()
    }
}

fn request(namespace: &str, service: &str, port: &str, mode: MemberMode) -> MemberRequest {
    MemberRequest {
        key: format!("{service}:{port}"),
        namespace: namespace.into(),
        service: service.into(),
        port: port.into(),
        mode,
        weight: 100,
        node_selector: Default::default(),
        paths: Vec::new(),
    }
}

fn ids(members: &[Member]) -> Vec<(&str, u16)> {
    members
        .iter()
        .map(|m| (m.server_id.as_str(), m.port))
        .collect()
}

/// Two namespaces: `shop` with `web` (NodePort, named target port, endpoints over two slices with
/// one duplicate, one not ready, one terminating) and `local` (Local policy), `blog` with `api`;
/// five nodes of which two are eligible.
async fn populate(f: &KubeFixture) {
    f.namespace("shop").await;
    f.namespace("blog").await;
    f.service(
        "shop",
        "web",
        json!({"type": "NodePort", "ports": [
            {"name": "http", "port": 80, "targetPort": "web"},
            {"name": "admin", "port": 9000, "targetPort": 9001},
        ]}),
    )
    .await;
    f.service(
        "shop",
        "local",
        json!({"type": "NodePort", "externalTrafficPolicy": "Local",
               "ports": [{"name": "http", "port": 80}]}),
    )
    .await;
    f.service("blog", "api", json!({"ports": [{"port": 8080}]}))
        .await;
    let web_ports = json!([{"name": "http", "port": 8080}, {"name": "admin", "port": 9001}]);
    f.slice(
        "shop",
        "web",
        "web-a",
        web_ports.clone(),
        &[
            ("10.0.0.1", "n1", Some(true), None),
            ("10.0.0.2", "n1", None, None),
            ("10.0.0.3", "n2", Some(false), None),
        ],
    )
    .await;
    f.slice(
        "shop",
        "web",
        "web-b",
        web_ports,
        &[
            ("10.0.0.2", "n1", Some(true), None),
            ("10.0.0.4", "n2", Some(false), Some(true)),
            ("10.0.0.5", "n2", Some(true), Some(false)),
        ],
    )
    .await;
    f.slice(
        "shop",
        "local",
        "local-a",
        json!([{"name": "http", "port": 8080}]),
        &[("10.0.1.1", "n2", Some(true), None)],
    )
    .await;
    f.slice(
        "blog",
        "api",
        "api-a",
        json!([{"port": 8080}]),
        &[("10.0.2.1", "n1", None, None)],
    )
    .await;
    f.node("n1", "True", json!({}), "cn-hangzhou.i-n1").await;
    f.node("n2", "True", json!({}), "cn-hangzhou.i-n2").await;
    f.node("sick", "False", json!({}), "cn-hangzhou.i-sick")
        .await;
    f.node(
        "spare",
        "True",
        json!({"node.kubernetes.io/exclude-from-external-load-balancers": ""}),
        "",
    )
    .await;
    f.node(
        "cp",
        "True",
        json!({"node-role.kubernetes.io/control-plane": ""}),
        "cn-hangzhou.i-cp",
    )
    .await;
}

#[tokio::test]
async fn discovery_from_kubeconfig_batches_reads_and_resolves_both_modes() {
    let f = start().await;
    populate(&f).await;
    let cluster = Cluster::connect(&kubeconfig_settings(&f)).await.unwrap();
    assert_eq!(cluster.url(), format!("{}/", f.server().server_url()));
    let requests = [
        request("shop", "web", "80", MemberMode::Ip),
        request("shop", "web", "admin", MemberMode::Ip),
        request("shop", "web", "http", MemberMode::NodePort),
        request("shop", "local", "80", MemberMode::NodePort),
        request("blog", "api", "8080", MemberMode::Ip),
        request("shop", "gone", "80", MemberMode::Ip),
        request("shop", "web", "8443", MemberMode::Ip),
        request("blog", "api", "8080", MemberMode::NodePort),
    ];
    let found = cluster.discover(&requests).await.unwrap();
    let m = |key: &str| {
        ids(&found.members[key])
            .into_iter()
            .map(|(s, p)| (s.to_string(), p))
            .collect::<Vec<_>>()
    };
    let pairs = |v: &[(&str, u16)]| {
        v.iter()
            .map(|(s, p)| (s.to_string(), *p))
            .collect::<Vec<_>>()
    };
    // Ready (or unset) and not terminating, one member per address across slices, on the
    // named target port; the admin port maps to its own target port.
    assert_eq!(
        m("web:80"),
        pairs(&[("10.0.0.1", 8080), ("10.0.0.2", 8080), ("10.0.0.5", 8080)])
    );
    assert_eq!(
        m("web:admin"),
        pairs(&[("10.0.0.1", 9001), ("10.0.0.2", 9001), ("10.0.0.5", 9001)])
    );
    assert_eq!(m("api:8080"), pairs(&[("10.0.2.1", 8080)]));
    // Cluster policy: every eligible node on the allocated nodePort; Local: only n2.
    let web_nodes = &found.members["web:http"];
    let node_port = web_nodes[0].port;
    assert!((30000..=32767).contains(&node_port), "{node_port}");
    assert_eq!(
        ids(web_nodes),
        vec![("i-n1", node_port), ("i-n2", node_port)]
    );
    assert_eq!(
        ids(&found.members["local:80"])
            .iter()
            .map(|(s, _)| *s)
            .collect::<Vec<_>>(),
        vec!["i-n2"]
    );
    // Per-backend failures; the rest still resolved.
    assert_eq!(
        found.failures["gone:80"],
        BackendError::ServiceNotFound {
            namespace: "shop".into(),
            service: "gone".into()
        }
    );
    assert_eq!(
        found.failures["web:8443"].to_string(),
        "Service `shop/web` has no port `8443`; its ports are: 80 (http), 9000 (admin)"
    );
    assert!(matches!(
        &found.failures["api:8080"],
        BackendError::NotNodePort { service_type, .. } if service_type == "ClusterIP"
    ));

    // One list of Services and one of EndpointSlices per namespace, nodes once — also for a
    // second plan in the same process.
    cluster.discover(&requests).await.unwrap();
    assert_eq!(f.server().request_count("LIST", "services"), 2);
    assert_eq!(f.server().request_count("LIST", "endpointslices"), 2);
    assert_eq!(f.server().request_count("LIST", "nodes"), 1);
    assert_eq!(cluster.list_calls(), 5);
}

#[tokio::test]
async fn a_node_without_ecs_id_is_a_backend_error_naming_it() {
    let f = start().await;
    f.namespace("shop").await;
    f.service(
        "shop",
        "web",
        json!({"type": "LoadBalancer", "ports": [{"port": 80}]}),
    )
    .await;
    f.node("n1", "True", json!({}), "cn-hangzhou.i-n1").await;
    f.node(
        "kind-worker",
        "True",
        json!({}),
        "kind://docker/kind/kind-worker",
    )
    .await;
    let cluster = Cluster::connect(&kubeconfig_settings(&f)).await.unwrap();
    let found = cluster
        .discover(&[request("shop", "web", "80", MemberMode::NodePort)])
        .await
        .unwrap();
    let failure = found.failures["web:80"].to_string();
    assert!(
        failure.contains(&format!("node `{}`", f.node_name("kind-worker"))),
        "{failure}"
    );
    assert!(
        failure.contains("kind://docker/kind/kind-worker"),
        "{failure}"
    );
}

#[tokio::test]
async fn host_token_ca_and_exec_plugin_connect() {
    let f = start().await;
    populate(&f).await;
    let web = [request("shop", "web", "80", MemberMode::Ip)];
    let with_token = Cluster::connect(&host_settings(&f, f.server().token()))
        .await
        .unwrap();
    assert_eq!(
        with_token.discover(&web).await.unwrap().members["web:80"].len(),
        3
    );

    // An exec credential plugin printing the token, as a kubeconfig user's `exec` carries it.
    let credential = json!({
        "apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
        "status": {"token": f.server().token()}
    });
    let plugin = KubernetesSettings {
        token: None,
        exec: Some(ExecSettings {
            api_version: "client.authentication.k8s.io/v1".into(),
            command: "sh".into(),
            args: vec!["-c".into(), format!("printf '%s' \"$CREDENTIAL\"")],
            env: [("CREDENTIAL".to_string(), credential.to_string())].into(),
        }),
        ..host_settings(&f, "")
    };
    let with_exec = Cluster::connect(&plugin).await.unwrap();
    assert_eq!(
        with_exec.discover(&web).await.unwrap().members["web:80"].len(),
        3
    );

    // Without the CA the certificate is refused, unless `insecure`.
    let no_ca = KubernetesSettings {
        cluster_ca_certificate: None,
        ..host_settings(&f, f.server().token())
    };
    let refused = Cluster::connect(&no_ca).await.unwrap().discover(&web).await;
    assert!(
        matches!(refused, Err(ClusterError::Unreachable { .. })),
        "{refused:?}"
    );
    let insecure = KubernetesSettings {
        insecure: true,
        ..no_ca
    };
    let accepted = Cluster::connect(&insecure)
        .await
        .unwrap()
        .discover(&web)
        .await;
    assert_eq!(accepted.unwrap().members["web:80"].len(), 3);
}

#[tokio::test]
async fn refused_credentials_are_one_error_naming_the_url_and_service() {
    let f = start().await;
    populate(&f).await;
    let url = format!("{}/", f.server().server_url());
    let requests = [
        request("shop", "web", "80", MemberMode::Ip),
        request("blog", "api", "8080", MemberMode::Ip),
    ];
    let wrong = Cluster::connect(&host_settings(&f, "wrong-token"))
        .await
        .unwrap();
    let error = wrong.discover(&requests).await.unwrap_err();
    assert!(
        matches!(&error, ClusterError::Unauthorized { url: u, .. } if *u == url),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains("401 Unauthorized") && text.contains(&url),
        "{text}"
    );
    assert!(
        text.contains("`blog/api`") || text.contains("`shop/web`"),
        "{text}"
    );

    let nobody = Cluster::connect(&host_settings(&f, NO_ACCESS_TOKEN))
        .await
        .unwrap();
    let error = nobody.discover(&requests).await.unwrap_err();
    assert!(matches!(error, ClusterError::Forbidden { .. }), "{error:?}");
    assert!(error.to_string().contains("403 Forbidden"), "{error}");
}

#[tokio::test]
async fn an_unreachable_or_silent_cluster_fails_within_the_timeouts() {
    // Nothing listens on a port just released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("https://{}", closed.local_addr().unwrap());
    drop(closed);
    // A socket that accepts connections (the kernel's backlog) but never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("https://{}", silent.local_addr().unwrap());
    let web = [request("shop", "web", "80", MemberMode::Ip)];
    for (url, expect_timeout) in [(closed_url, false), (silent_url, true)] {
        let settings = KubernetesSettings {
            host: Some(url.clone()),
            token: Some("t".into()),
            ..KubernetesSettings::default()
        };
        let started = Instant::now();
        let error = Cluster::connect(&settings)
            .await
            .unwrap()
            .discover(&web)
            .await
            .unwrap_err();
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(30), "{url}: {elapsed:?}");
        let text = error.to_string();
        assert!(text.contains(&url) && text.contains("`shop/web`"), "{text}");
        match error {
            ClusterError::Timeout { .. } | ClusterError::Unreachable { .. } if expect_timeout => {}
            ClusterError::Unreachable { .. } if !expect_timeout => {}
            other => panic!("{url}: {other:?}"),
        }
    }
    drop(silent);
}

#[tokio::test]
async fn no_configuration_is_a_clear_error() {
    assert_eq!(
        Cluster::connect(&KubernetesSettings::default())
            .await
            .unwrap_err(),
        ClusterError::NotConfigured
    );
    let missing = KubernetesSettings {
        config_paths: vec![PathBuf::from("/nonexistent/kubeconfig")],
        ..KubernetesSettings::default()
    };
    let error = Cluster::connect(&missing).await.unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/kubeconfig"),
        "{error}"
    );
}

/// 200 backends with 100 endpoints each (20,000 members) in one namespace: one list of Services
/// and one of EndpointSlices serve them all. Prints the discovery time.
#[tokio::test]
async fn two_hundred_backends_cost_one_list_per_kind() {
    let addresses: Vec<String> = (0..100)
        .map(|i| format!("10.1.{}.{}", i / 250, i % 250 + 1))
        .collect();
    let names: Vec<String> = (0..200).map(|i| format!("svc-{i}")).collect();
    let services = names
        .iter()
        .map(|n| (n.clone(), addresses.clone()))
        .collect();
    let f = KubeFixture::serving("bench", 80, 8080, services).await;
    let requests: Vec<MemberRequest> = names
        .iter()
        .map(|name| request("bench", name, "80", MemberMode::Ip))
        .collect();
    let cluster = Cluster::connect(&kubeconfig_settings(&f)).await.unwrap();
    let started = Instant::now();
    let found = cluster.discover(&requests).await.unwrap();
    let elapsed = started.elapsed();
    assert!(found.failures.is_empty(), "{:?}", found.failures);
    assert_eq!(found.members.len(), 200);
    assert!(found.members.values().all(|m| m.len() == 100));
    assert_eq!(f.server().request_count("LIST", "services"), 1);
    assert_eq!(f.server().request_count("LIST", "endpointslices"), 1);
    assert_eq!(f.server().request_count("LIST", "nodes"), 0);
    eprintln!("discovery of 200 backends / 20,000 endpoints: {elapsed:?}, 2 list calls");
}

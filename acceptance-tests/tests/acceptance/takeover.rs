//! Issue 9 item 2 through real Terraform: taking over the load balancer ACK's ALB Ingress
//! controller built. The mock is seeded as ACK leaves it, through the signed API: the load
//! balancer, its HTTP:80 listener on a placeholder group, and the rules (ACK's dense priorities
//! and names, ACK's tags) and server groups (ACK's tags, with members) of two Ingresses —
//! `shop/storefront`, which is generated and taken over, and `blog/site`, which Terraform never
//! manages. Then: `generate` from the manifests → `terraform plan` with the generated `import`
//! block (the plan shows the re-tagging: ACK's tags removed, `adopt` set, no listener change;
//! the ingress adopts ACK's server group ids; the warning lists ACK's rules replaced with their
//! priority moves and the other Ingress's rule left alone) → apply, while a background task asks
//! the mock's routing oracle where requests go (never unrouted, never another backend) → the
//! next plan is empty → the other Ingress's rule and server group are exactly as before.

use std::collections::BTreeMap;
use std::time::Duration;

use acceptance_tests::harness::{provider_binary, Workdir};
use acceptance_tests::mock::{state_tag, MockConfig, MockServer};
use alb_api::common::Tag;
use alb_api::listener::{CreateListenerRequest, DefaultAction};
use alb_api::load_balancer::{BillingConfig, CreateLoadBalancerRequest, ZoneMapping};
use alb_api::rule::{CreateRulesRequest, ForwardGroupConfig, NewRule, RuleAction, RuleCondition};
use alb_api::server_group::{
    BackendServer, CreateServerGroupRequest, HealthCheckConfig, ServersRequest,
};
use alb_api::{Client, ClientConfig, Credentials, WaitOptions};
use serde_json::{json, Value};

use crate::ingress_members::config_path;
use crate::kube_support::KubeFixture;
use crate::route_watch::RouteWatch;

const AK: &str = "mock-access-key";
const SK: &str = "mock-secret-key";

/// ACK's cluster id in its tags.
const ACK_CLUSTER: &str = "c-ack0123";

/// Pod IPs of the Services (the members ACK registered, and what Kubernetes still says).
const WEB_PODS: [&str; 2] = ["10.0.1.1", "10.0.1.2"];
const API_PODS: [&str; 1] = ["10.0.2.1"];
const BLOG_PODS: [&str; 1] = ["10.0.3.1"];
const TARGET_PORT: i64 = 8080;

/// ACK's tags on a server group of backend `service:80` of Ingress `ns/name`.
fn group_tags(ns: &str, name: &str, service: &str) -> Vec<Tag> {
    vec![
        Tag::new("ack.aliyun.com", ACK_CLUSTER),
        Tag::new("ingress.k8s.alibaba/albconfig", "public"),
        Tag::new(
            "ingress.k8s.alibaba/resource",
            model::ownership::short_hash(format!("{ns}/{name}-{service}:80").as_bytes(), 64),
        ),
        Tag::new("ingress.k8s.alibaba/service_ns", ns),
        Tag::new("ingress.k8s.alibaba/service_name", service),
        Tag::new("ingress.k8s.alibaba/service_port", "80"),
        Tag::new("ingress.k8s.alibaba/ingress_name", name),
    ]
}

/// ACK's tags on the load balancer.
fn lb_tags() -> Vec<Tag> {
    vec![
        Tag::new("ack.aliyun.com", ACK_CLUSTER),
        Tag::new("ingress.k8s.alibaba/albconfig", "public"),
        Tag::new("ingress.k8s.alibaba/resource", "ApplicationLoadBalancer"),
    ]
}

/// What the seeding made.
struct Seeded {
    lb: String,
    listener: String,
    web: String,
    api: String,
    blog: String,
    /// ACK's rules: (id, priority), in priority order.
    rules: Vec<(String, i64)>,
}

fn waits() -> WaitOptions {
    WaitOptions {
        timeout: Duration::from_secs(60),
        initial_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(200),
        ..WaitOptions::default()
    }
}

/// The mock as ACK leaves it, made through the signed API as ACK's controller makes it.
async fn seed(mock: &MockServer) -> Seeded {
    let config = ClientConfig::new("cn-hangzhou", Credentials::new(AK, SK))
        .with_endpoint(mock.endpoint())
        .with_request_timeout(Duration::from_secs(5));
    let c = Client::new(config).expect("client");
    let w = waits();
    let lb = c
        .create_load_balancer(
            &CreateLoadBalancerRequest {
                vpc_id: "vpc-1".into(),
                address_type: "Internet".into(),
                load_balancer_edition: "Standard".into(),
                load_balancer_billing_config: BillingConfig {
                    pay_type: Some("PostPay".into()),
                    bandwidth_package_id: None,
                },
                zone_mappings: [("cn-hangzhou-h", "vsw-1"), ("cn-hangzhou-i", "vsw-2")]
                    .iter()
                    .map(|(z, v)| ZoneMapping {
                        zone_id: (*z).into(),
                        v_switch_id: (*v).into(),
                        ..Default::default()
                    })
                    .collect(),
                load_balancer_name: Some("shop-public".into()),
                deletion_protection_enabled: Some(true),
                tag: lb_tags(),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("CreateLoadBalancer")
        .load_balancer_id;
    c.wait_load_balancer_active(&lb, &w).await.expect("Active");
    let group = |name: &str, tags: Vec<Tag>, kind: &str| CreateServerGroupRequest {
        server_group_name: name.into(),
        health_check_config: HealthCheckConfig {
            health_check_enabled: Some(false),
            ..Default::default()
        },
        server_group_type: Some(kind.into()),
        protocol: Some("HTTP".into()),
        vpc_id: Some("vpc-1".into()),
        tag: tags,
        ..Default::default()
    };
    let mut ids = BTreeMap::new();
    let groups = [
        ("kube-system-fake-svc-80", lb_tags(), "Instance", &[][..]),
        (
            "shop-web-80",
            group_tags("shop", "storefront", "web"),
            "Ip",
            &WEB_PODS[..],
        ),
        (
            "shop-api-80",
            group_tags("shop", "storefront", "api"),
            "Ip",
            &API_PODS[..],
        ),
        (
            "blog-web-80",
            group_tags("blog", "site", "web"),
            "Ip",
            &BLOG_PODS[..],
        ),
    ];
    for (name, tags, kind, pods) in groups {
        let r = c
            .create_server_group(&group(name, tags, kind), None)
            .await
            .expect("CreateServerGroup");
        c.wait_for_job(r.job_id.as_deref(), &w)
            .await
            .expect("group job");
        if !pods.is_empty() {
            let servers = ServersRequest {
                server_group_id: r.server_group_id.clone(),
                servers: pods
                    .iter()
                    .map(|ip| BackendServer {
                        server_id: (*ip).into(),
                        server_type: "Ip".into(),
                        server_ip: Some((*ip).into()),
                        port: Some(TARGET_PORT),
                        weight: Some(100),
                        ..Default::default()
                    })
                    .collect(),
                dry_run: None,
            };
            let added = c
                .add_servers_to_server_group(&servers, None)
                .await
                .expect("AddServersToServerGroup");
            c.wait_for_job(added.job_id.as_deref(), &w)
                .await
                .expect("servers job");
        }
        ids.insert(name, r.server_group_id);
    }
    let listener = c
        .create_listener(
            &CreateListenerRequest {
                load_balancer_id: lb.clone(),
                listener_protocol: "HTTP".into(),
                listener_port: 80,
                listener_description: Some("ingress-auto-listener-80".into()),
                default_actions: vec![DefaultAction::forward_to(&ids["kube-system-fake-svc-80"])],
                ..Default::default()
            },
            None,
        )
        .await
        .expect("CreateListener");
    c.wait_for_job(listener.job_id.as_deref(), &w)
        .await
        .expect("listener job");
    c.wait_listener_running(&listener.listener_id, &w)
        .await
        .expect("Running");
    // ACK's rules: dense priorities from 1 in its Ingress order, named rule-<port>-<priority>.
    let rule = |priority: i64, host: &str, paths: &[&str], group: &str| NewRule {
        rule_name: format!("rule-80-{priority}"),
        priority,
        rule_conditions: vec![
            RuleCondition::host([host]),
            RuleCondition::path(paths.iter().copied()),
        ],
        rule_actions: vec![RuleAction::forward(1, ForwardGroupConfig::single(group))],
        direction: None,
        tag: vec![
            Tag::new("ack.aliyun.com", ACK_CLUSTER),
            Tag::new("ingress.k8s.alibaba/albconfig", "public"),
        ],
    };
    let created = c
        .create_rules(
            &CreateRulesRequest {
                listener_id: listener.listener_id.clone(),
                rules: vec![
                    rule(1, "blog.example.com", &["/*"], &ids["blog-web-80"]),
                    rule(
                        2,
                        "shop.example.com",
                        &["/api", "/api/*"],
                        &ids["shop-api-80"],
                    ),
                    rule(3, "shop.example.com", &["/*"], &ids["shop-web-80"]),
                ],
                dry_run: None,
            },
            None,
        )
        .await
        .expect("CreateRules");
    c.wait_for_job(created.job_id.as_deref(), &w)
        .await
        .expect("rules job");
    Seeded {
        lb,
        listener: listener.listener_id,
        web: ids["shop-web-80"].clone(),
        api: ids["shop-api-80"].clone(),
        blog: ids["blog-web-80"].clone(),
        rules: created
            .rule_ids
            .iter()
            .map(|r| (r.rule_id.clone(), r.priority))
            .collect(),
    }
}

/// The manifests of the taken-over AlbConfig and Ingress (the other Ingress is not among them:
/// it stays with whoever manages it).
fn manifests(lb: &str) -> String {
    format!(
        r#"apiVersion: alibabacloud.com/v1
kind: AlbConfig
metadata:
  name: public
spec:
  config:
    name: shop-public
    addressType: Internet
    zoneMappings:
      - vSwitchId: vsw-1
        zoneId: cn-hangzhou-h
      - vSwitchId: vsw-2
        zoneId: cn-hangzhou-i
  listeners:
    - port: 80
      protocol: HTTP
status:
  loadBalancer:
    id: {lb}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: alb
spec:
  controller: ingress.k8s.alibabacloud/alb
  parameters:
    apiGroup: alibabacloud.com
    kind: AlbConfig
    name: public
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: storefront
  namespace: shop
spec:
  ingressClassName: alb
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /api
            pathType: Prefix
            backend:
              service: {{name: api, port: {{number: 80}}}}
          - path: /
            pathType: Prefix
            backend:
              service: {{name: web, port: {{number: 80}}}}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: ClusterIP
  ports: [{{name: http, port: 80, targetPort: 8080}}]
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  type: ClusterIP
  ports: [{{name: http, port: 80, targetPort: 8080}}]
"#
    )
}

/// The requests the oracle is asked about: (host, path).
const SAMPLES: [(&str, &str); 6] = [
    ("shop.example.com", "/api"),
    ("shop.example.com", "/api/v1"),
    ("shop.example.com", "/"),
    ("shop.example.com", "/cart"),
    ("blog.example.com", "/"),
    ("blog.example.com", "/post/1"),
];

/// The mock's object of `kind` with `field` = `id`.
fn object<'a>(state: &'a Value, kind: &str, field: &str, id: &str) -> &'a Value {
    state[kind]
        .as_array()
        .and_then(|a| a.iter().find(|o| o[field] == id))
        .unwrap_or_else(|| panic!("{kind} {id} in {state:#}"))
}

#[test]
fn taking_over_acks_load_balancer_re_tags_adopts_and_never_unroutes_a_request() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // Jobs take a while, so the apply passes through states the oracle can see.
    let mock = MockServer::start(MockConfig {
        async_delay_ms: 200,
        ..MockConfig::default()
    })
    .expect("start mock");
    let seeded = rt.block_on(seed(&mock));
    let kube = rt.block_on(async {
        let kube = KubeFixture::local(Default::default()).await;
        kube.namespace("shop").await;
        let pods = |ips: &[&str]| ips.iter().map(|ip| (*ip).to_owned()).collect::<Vec<_>>();
        kube.ready_service("shop", "web", 80, 8080, &pods(&WEB_PODS))
            .await;
        kube.ready_service("shop", "api", 80, 8080, &pods(&API_PODS))
            .await;
        kube
    });
    let before = mock.state();
    let other_rule = object(&before, "Rules", "RuleId", &seeded.rules[0].0).clone();
    let other_group = object(&before, "ServerGroups", "ServerGroupId", &seeded.blog).clone();

    // generate, from the manifests.
    let wd = Workdir::new();
    let input = wd.path().join("ack.yaml");
    std::fs::write(&input, manifests(&seeded.lb)).expect("manifests");
    let generated = std::process::Command::new(provider_binary())
        .args(["generate", "--from-files"])
        .arg(&input)
        .args(["--vpc-id", "vpc-1"])
        .output()
        .expect("generate");
    let hcl = String::from_utf8_lossy(&generated.stdout).into_owned();
    assert_eq!(
        generated.status.code(),
        Some(0),
        "{hcl}\n{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    assert!(hcl.contains(&format!("id = \"{}\"", seeded.lb)), "{hcl}");
    assert!(hcl.contains("adopt"), "{hcl}");
    let provider = acceptance_tests::harness::provider_block(&mock.endpoint()).replacen(
        "  cluster_id = \"c-acc\"\n",
        &format!(
            "  cluster_id = \"c-acc\"\n  kubernetes {{\n{}\n  }}\n",
            config_path(&kube)
        ),
        1,
    );
    wd.write_config(&format!("{provider}\n{hcl}"));

    // The first plan: the import, re-tagging and the documented moves only.
    let plan = wd.plan(&["-out", "tfplan", "-no-color"]);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    // Terraform wraps diagnostics: compare with the line breaks as spaces.
    let text = plan
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let show = wd.run(&["show", "-json", "tfplan"]);
    show.assert_success("show -json tfplan");
    let json: Value = serde_json::from_str(&show.stdout).expect("plan JSON");
    let changes: BTreeMap<String, Value> = json["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| (c["address"].as_str().unwrap().to_owned(), c.clone()))
        .collect();
    assert_eq!(
        changes.keys().collect::<Vec<_>>(),
        ["alb_config.public", "alb_ingress.shop_storefront"]
    );
    let config = &changes["alb_config.public"];
    assert_eq!(config["change"]["actions"], json!(["update"]));
    assert_eq!(config["change"]["importing"]["id"], json!(seeded.lb));
    let (b, a) = (&config["change"]["before"], &config["change"]["after"]);
    let changed: Vec<&String> = a
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| a[*k] != b[*k] && config["change"]["after_unknown"][*k] != json!(true))
        .collect();
    assert_eq!(
        changed,
        ["adopt", "listener", "tags"],
        "only the re-tagging (and the listener's default action, below)"
    );
    assert_eq!(b["tags"]["ack.aliyun.com"], ACK_CLUSTER);
    assert_eq!(a["adopt"], "ack");
    // The listener stays as it is but for its default action, which moves from ACK's
    // placeholder group to this provider's (as for any imported foreign listener).
    let unknown = &config["change"]["after_unknown"]["listener"]["HTTP:80"];
    assert_eq!(unknown["default_server_group_id"], json!(true));
    let without_default = |l: &Value| {
        let mut l = l["HTTP:80"].clone();
        l.as_object_mut().unwrap().remove("default_server_group_id");
        l
    };
    assert_eq!(
        without_default(&a["listener"]),
        without_default(&b["listener"])
    );
    let ingress = &changes["alb_ingress.shop_storefront"]["change"];
    let groups = &ingress["after"]["server_groups"];
    assert_eq!(
        groups["web:80"]["id"],
        json!(seeded.web),
        "adopted, not created"
    );
    assert_eq!(
        groups["api:80"]["id"],
        json!(seeded.api),
        "adopted, not created"
    );
    let mut priorities: Vec<i64> = ingress["after"]["rules"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["priority"].as_i64().unwrap())
        .collect();
    priorities.sort_unstable();
    assert_eq!(priorities, [91, 92], "the band of order 10");
    let (blog_rule, api_rule, web_rule) =
        (&seeded.rules[0].0, &seeded.rules[1].0, &seeded.rules[2].0);
    for documented in [
        "Taking over ACK's objects".to_owned(),
        format!("{} as api:80", seeded.api),
        format!("{} as web:80", seeded.web),
        format!("{api_rule} (HTTP:80 priority 2 → 91)"),
        format!("{web_rule} (HTTP:80 priority 3 → 92)"),
        format!("rule {blog_rule} (HTTP:80 priority 1)"),
    ] {
        assert!(
            text.contains(&documented),
            "plan lacks {documented:?}:\n{text}"
        );
    }

    // The apply, watched through the routing oracle.
    let watch = RouteWatch::start(&mock.endpoint(), &seeded.listener, &SAMPLES);
    wd.apply(&["tfplan"]).assert_success("apply the takeover");
    let seen = watch.finish();
    let forward = |id: &str| json!({"type": "Forward", "groups": {id: 100}});
    let expected: BTreeMap<&str, Value> = [
        ("/api", forward(&seeded.api)),
        ("/api/v1", forward(&seeded.api)),
        ("/", forward(&seeded.web)),
        ("/cart", forward(&seeded.web)),
    ]
    .into();
    let rounds = seen.len() / SAMPLES.len();
    assert!(rounds >= 3, "the oracle saw the apply: {rounds} rounds");
    for ((host, path), target) in &seen {
        let wanted = if host == "blog.example.com" {
            forward(&seeded.blog)
        } else {
            expected[path.as_str()].clone()
        };
        assert_eq!(target, &wanted, "{host}{path} during the takeover");
    }

    // What the load balancer holds now.
    let after = mock.state();
    let lb = object(&after, "LoadBalancers", "LoadBalancerId", &seeded.lb);
    assert_eq!(state_tag(lb, "ack.aliyun.com"), None, "ACK's tags gone");
    assert_eq!(state_tag(lb, "alb.terraform/cluster"), Some("c-acc"));
    assert_eq!(state_tag(lb, "alb.terraform/adopt"), Some("ack"));
    for id in [&seeded.web, &seeded.api] {
        let g = object(&after, "ServerGroups", "ServerGroupId", id);
        assert_eq!(state_tag(g, "ingress.k8s.alibaba/ingress_name"), None);
        assert_eq!(
            state_tag(g, "alb.terraform/ingress"),
            Some("shop/storefront")
        );
    }
    let rule_ids: Vec<&str> = after["Rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["RuleId"].as_str())
        .collect();
    assert!(!rule_ids.contains(&api_rule.as_str()) && !rule_ids.contains(&web_rule.as_str()));
    assert_eq!(
        rule_ids.len(),
        3,
        "ACK's two replaced, the other Ingress's kept"
    );

    wd.assert_plan_empty();
    // The other Ingress's objects: untouched.
    let last = mock.state();
    assert_eq!(
        object(&last, "Rules", "RuleId", blog_rule),
        &other_rule,
        "the other Ingress's rule"
    );
    assert_eq!(
        object(&last, "ServerGroups", "ServerGroupId", &seeded.blog),
        &other_group,
        "the other Ingress's server group and members"
    );
    drop(kube);
}

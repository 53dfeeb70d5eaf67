//! `alb_ingress` against the in-process ALB mock with real Terraform: two ingresses sharing an
//! alb_config, empty re-plans, in-place updates keeping ids, replacement, import, foreign rules,
//! console edits reverted, priority clashes, faults, an apply killed midway, destroy, and the
//! examples. Every step also checks what the mock holds.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use acceptance_tests::harness::hcl::{MOCK_ACCESS_KEY, MOCK_SECRET_KEY};
use acceptance_tests::harness::{provider_block, Interrupted, Workdir};
use acceptance_tests::mock::{Faults, MockConfig, MockServer};
use alb_api::common::Tag;
use alb_api::rule::{
    CreateRuleRequest, FixedResponseConfig, RuleAction, RuleCondition, UpdateRuleAttributeRequest,
};
use alb_api::server_group::{CreateServerGroupRequest, HealthCheckConfig};
use alb_api::{Client, ClientConfig, Credentials};
use serde_json::Value;

use crate::workdir_with_example;

/// What a test varies in the configuration.
#[derive(Clone)]
struct Cfg {
    shop_namespace: &'static str,
    api_path: &'static str,
    header_value: &'static str,
    health_path: &'static str,
    blog_order: u32,
    blog: bool,
    /// Write the `/old` path before `/api` (the order import reconstructs: most specific first).
    old_first: bool,
}

impl Default for Cfg {
    fn default() -> Self {
        Cfg {
            shop_namespace: "shop",
            api_path: "/api",
            header_value: "prod",
            health_path: "/healthz",
            blog_order: 20,
            blog: true,
            old_first: false,
        }
    }
}

/// The alb_config both ingresses use: HTTP:80 and HTTPS:443.
pub(crate) const CONFIG: &str = r#"
resource "alb_config" "main" {
  name   = "web"
  vpc_id = "vpc-1"
  zone_mapping {
    zone_id    = "cn-hangzhou-h"
    vswitch_id = "vsw-1"
  }
  zone_mapping {
    zone_id    = "cn-hangzhou-i"
    vswitch_id = "vsw-2"
  }
  listener "HTTP:80" {}
  listener "HTTPS:443" {
    certificate_ids = ["1234-cn-hangzhou"]
  }
}
"#;

/// The shop ingress (order 10, default): HTTPS for shop.example.com, HTTP for www.
fn shop(c: &Cfg, config_id: &str) -> String {
    let api = format!(
        r#"
    path {{
      path      = "{api}"
      path_type = "Prefix"
      backend {{
        service = "api"
        port    = "80"
        weight  = 80
      }}
      backend {{
        service = "api-v2"
        port    = "http"
        weight  = 20
      }}
      match {{
        header {{
          name   = "x-env"
          values = ["{header}"]
        }}
      }}
    }}"#,
        api = c.api_path,
        header = c.header_value,
    );
    let old = r#"
    path {
      path      = "/old"
      path_type = "Exact"
      redirect {
        path = "/new"
      }
    }"#;
    let paths = if c.old_first {
        format!("{old}{api}")
    } else {
        format!("{api}{old}")
    };
    format!(
        r#"
resource "alb_ingress" "shop" {{
  alb_config_id = {config_id}
  namespace     = "{ns}"
  name          = "storefront"
  tls_hosts     = ["shop.example.com"]

  backend_defaults {{
    health_check {{
      enabled = true
      path    = "{health}"
    }}
  }}

  rule {{
    host = "shop.example.com"{paths}
  }}
  rule {{
    host = "www.example.com"
    path {{
      backend {{
        service = "web"
        port    = "80"
      }}
    }}
  }}
}}
"#,
        ns = c.shop_namespace,
        health = c.health_path,
    )
}

fn blog(order: u32, config_id: &str) -> String {
    format!(
        r#"
resource "alb_ingress" "blog" {{
  alb_config_id = {config_id}
  namespace     = "blog"
  name          = "blog"
  order         = {order}
  rule {{
    host = "blog.example.com"
    path {{
      path      = "/"
      path_type = "Prefix"
      backend {{
        service = "blog"
        port    = "http"
      }}
    }}
  }}
}}
"#
    )
}

fn hcl(endpoint: &str, c: &Cfg) -> String {
    let blog = if c.blog {
        blog(c.blog_order, "alb_config.main.id")
    } else {
        String::new()
    };
    format!(
        "{}{CONFIG}{}{blog}",
        provider_block(endpoint),
        shop(c, "alb_config.main.id")
    )
}

pub(crate) fn mock_with(async_delay_ms: u64, seed: u64) -> MockServer {
    MockServer::start(MockConfig {
        async_delay_ms,
        seed: Some(seed),
        ..MockConfig::default()
    })
    .expect("start mock")
}

fn setup(c: &Cfg) -> (MockServer, Workdir) {
    let mock = mock_with(30, 7);
    let wd = Workdir::new();
    wd.write_config(&hcl(&mock.endpoint(), c));
    (mock, wd)
}

/// The mock's objects of one kind (`Rules`, `ServerGroups`, …).
pub(crate) fn list<'a>(state: &'a Value, kind: &str) -> &'a [Value] {
    state[kind]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The value of tag `key` of a mock object.
pub(crate) fn tag<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object["Tags"]
        .as_array()?
        .iter()
        .find(|t| t["Key"] == key)?["Value"]
        .as_str()
}

/// Objects of the mock owned by alb_ingress `ns/name` of cluster `c-acc`.
fn owned_by<'a>(state: &'a Value, kind: &str, ingress: &str) -> Vec<&'a Value> {
    owned_in(state, kind, "c-acc", ingress)
}

fn owned_in<'a>(state: &'a Value, kind: &str, cluster: &str, ingress: &str) -> Vec<&'a Value> {
    list(state, kind)
        .iter()
        .filter(|o| {
            tag(o, "alb.terraform/ingress") == Some(ingress)
                && tag(o, "alb.terraform/cluster") == Some(cluster)
        })
        .collect()
}

/// `key tag → (id, priority)` of the mock's rules owned by an ingress.
fn rule_ids(state: &Value, ingress: &str) -> BTreeMap<String, (String, i64)> {
    owned_by(state, "Rules", ingress)
        .into_iter()
        .map(|r| {
            (
                tag(r, "alb.terraform/key").unwrap_or_default().to_string(),
                (
                    r["RuleId"].as_str().unwrap_or_default().to_string(),
                    r["Priority"].as_i64().unwrap_or_default(),
                ),
            )
        })
        .collect()
}

/// `key tag → id` of the mock's server groups owned by an ingress.
fn group_ids(state: &Value, ingress: &str) -> BTreeMap<String, String> {
    owned_by(state, "ServerGroups", ingress)
        .into_iter()
        .map(|g| {
            (
                tag(g, "alb.terraform/key").unwrap_or_default().to_string(),
                g["ServerGroupId"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn listener_id(state: &Value, port: i64) -> String {
    list(state, "Listeners")
        .iter()
        .find(|l| l["ListenerPort"] == port)
        .and_then(|l| l["ListenerId"].as_str())
        .unwrap_or_else(|| panic!("no listener on port {port}"))
        .to_string()
}

fn rule_by_key<'a>(state: &'a Value, key: &str) -> &'a Value {
    list(state, "Rules")
        .iter()
        .find(|r| tag(r, "alb.terraform/key") == Some(key))
        .unwrap_or_else(|| panic!("no rule {key}"))
}

pub(crate) fn resource_values(wd: &Workdir, address: &str) -> Value {
    wd.state_json()["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["address"] == address))
        .map(|r| r["values"].clone())
        .unwrap_or(Value::Null)
}

pub(crate) fn client(mock: &MockServer) -> Client {
    Client::new(
        ClientConfig::new(
            "cn-hangzhou",
            Credentials::new(MOCK_ACCESS_KEY, MOCK_SECRET_KEY),
        )
        .with_endpoint(mock.endpoint()),
    )
    .expect("client")
}

pub(crate) fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// Waits until the mock's jobs and transitional statuses settle (foreign writes are async).
pub(crate) fn settle(mock: &MockServer) {
    std::thread::sleep(Duration::from_millis(150));
    let _ = mock.state();
}

fn calls_summary(mock: &MockServer) -> (u64, u64, String) {
    let counters = mock.counters();
    let mutating: u64 = counters
        .actions
        .iter()
        .filter(|(a, _)| !(a.starts_with("List") || a.starts_with("Get")))
        .map(|(_, c)| c.calls)
        .sum();
    let detail = counters
        .actions
        .iter()
        .map(|(a, c)| format!("{a}={}", c.calls))
        .collect::<Vec<_>>()
        .join(" ");
    (counters.total_calls, mutating, detail)
}

const SHOP: &str = "shop/storefront";
const BLOG: &str = "blog/blog";
/// The api path's rule: its key is its content (listener, host, path type and path).
const API_KEY: &str = "HTTPS:443 host=shop.example.com path=Prefix:/api";
/// The same path block after its path became `/v1`: another rule.
const V1_KEY: &str = "HTTPS:443 host=shop.example.com path=Prefix:/v1";

#[test]
fn ingress_two_ingresses_create_update_replace() {
    let mut cfg = Cfg::default();
    let (mock, wd) = setup(&cfg);
    let started = Instant::now();
    wd.apply(&[]).assert_success("create");
    let (calls, mutating, detail) = calls_summary(&mock);
    eprintln!(
        "create (config + 2 ingresses): {:?}, {calls} API calls ({mutating} mutating): {detail}",
        started.elapsed()
    );

    // The mock holds exactly the expected rules and groups.
    let state = mock.state();
    let https = listener_id(&state, 443);
    let http = listener_id(&state, 80);
    let shop_rules = rule_ids(&state, SHOP);
    let expected: Vec<(&str, i64)> = vec![
        (
            "HTTP:80 host=www.example.com path=ImplementationSpecific:/",
            91,
        ),
        ("HTTPS:443 host=shop.example.com path=Exact:/old", 91),
        (API_KEY, 92),
    ];
    assert_eq!(
        shop_rules
            .iter()
            .map(|(k, (_, p))| (k.as_str(), *p))
            .collect::<Vec<_>>(),
        expected,
        "{state:#}"
    );
    let api = rule_by_key(&state, API_KEY);
    assert_eq!(api["ListenerId"], https.as_str());
    let conditions: Vec<&str> = api["RuleConditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["Type"].as_str().unwrap())
        .collect();
    assert_eq!(conditions, ["Host", "Path", "Header"]);
    assert_eq!(
        api["RuleConditions"][1]["PathConfig"]["Values"],
        serde_json::json!(["/api", "/api/*"])
    );
    assert_eq!(
        api["RuleConditions"][2]["HeaderConfig"]["Values"][0],
        "prod"
    );
    let shop_groups = group_ids(&state, SHOP);
    assert_eq!(
        shop_groups.keys().collect::<Vec<_>>(),
        ["api-v2:http", "api:80", "web:80"]
    );
    let tuples = &api["RuleActions"][0]["ForwardGroupConfig"]["ServerGroupTuples"];
    assert_eq!(tuples[0]["ServerGroupId"], shop_groups["api:80"].as_str());
    assert_eq!(tuples[0]["Weight"], 80);
    assert_eq!(
        tuples[1]["ServerGroupId"],
        shop_groups["api-v2:http"].as_str()
    );
    assert_eq!(tuples[1]["Weight"], 20);
    let old = rule_by_key(&state, "HTTPS:443 host=shop.example.com path=Exact:/old");
    assert_eq!(old["RuleActions"][0]["Type"], "Redirect");
    assert_eq!(old["RuleActions"][0]["RedirectConfig"]["Path"], "/new");
    let blog_rules = rule_ids(&state, BLOG);
    assert_eq!(
        blog_rules
            .iter()
            .map(|(k, (_, p))| (k.as_str(), *p))
            .collect::<Vec<_>>(),
        [("HTTP:80 host=blog.example.com path=Prefix:/", 191)]
    );
    assert_eq!(
        rule_by_key(&state, "HTTP:80 host=blog.example.com path=Prefix:/")["ListenerId"],
        http.as_str()
    );
    assert_eq!(
        group_ids(&state, BLOG).keys().collect::<Vec<_>>(),
        ["blog:http"]
    );
    let hc = &owned_by(&state, "ServerGroups", SHOP)[0]["HealthCheckConfig"];
    assert_eq!(hc["HealthCheckPath"], "/healthz");
    // Three placeholder groups? No: two (one per listener) plus the ingresses' four.
    assert_eq!(list(&state, "ServerGroups").len(), 2 + 4, "{state:#}");
    assert_eq!(list(&state, "Rules").len(), 4);

    // The state shows the expansion with the mock's ids.
    let values = resource_values(&wd, "alb_ingress.shop");
    let lb_id = resource_values(&wd, "alb_config.main")["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(values["id"], format!("{lb_id}/shop/storefront").as_str());
    let state_api = &values["rules"][API_KEY];
    assert!(state_api.is_object(), "api rule in state: {values:#}");
    assert_eq!(state_api["id"], shop_rules[API_KEY].0.as_str());
    assert_eq!(state_api["listener_id"], https.as_str());
    assert_eq!(
        state_api["summary"],
        "HTTPS:443 #92 host=shop.example.com path=/api,/api/* header x-env=prod → forward api:80 (80%), api-v2:http (20%)"
    );
    wd.assert_plan_empty();

    // In place: a header match, a health check and a path string. Rules and groups keep their
    // ids, except the edited path's rule: its key is its content, so `/v1` is a new rule,
    // created before the `/api` rule is deleted.
    cfg.header_value = "production";
    cfg.health_path = "/ready";
    cfg.api_path = "/v1";
    wd.write_config(&hcl(&mock.endpoint(), &cfg));
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    assert!(plan.stdout.contains("updated in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    assert!(plan.stdout.contains("x-env=production"), "{}", plan.stdout);
    wd.apply(&[]).assert_success("update");
    let state = mock.state();
    let after = rule_ids(&state, SHOP);
    assert_eq!(after.len(), 3);
    for key in [
        "HTTP:80 host=www.example.com path=ImplementationSpecific:/",
        "HTTPS:443 host=shop.example.com path=Exact:/old",
    ] {
        assert_eq!(
            after[key], shop_rules[key],
            "{key} kept its id and priority"
        );
    }
    assert!(!after.contains_key(API_KEY), "the /api rule is gone");
    assert_ne!(
        after[V1_KEY].0, shop_rules[API_KEY].0,
        "the /v1 rule is a new rule"
    );
    let v1 = rule_by_key(&state, V1_KEY);
    assert_eq!(
        v1["RuleConditions"][1]["PathConfig"]["Values"],
        serde_json::json!(["/v1", "/v1/*"]),
        "the mock's rule has the new path"
    );
    assert_eq!(
        v1["RuleConditions"][2]["HeaderConfig"]["Values"][0],
        "production"
    );
    let values = resource_values(&wd, "alb_ingress.shop");
    let state_api = &values["rules"][V1_KEY];
    assert!(state_api.is_object(), "v1 rule in state: {values:#}");
    assert_eq!(state_api["id"], after[V1_KEY].0.as_str());
    assert!(
        state_api["summary"]
            .as_str()
            .unwrap()
            .contains("path=/v1,/v1/*"),
        "{state_api:#}"
    );
    assert_eq!(
        group_ids(&state, SHOP),
        shop_groups,
        "groups kept their ids"
    );
    for g in owned_by(&state, "ServerGroups", SHOP) {
        assert_eq!(g["HealthCheckConfig"]["HealthCheckPath"], "/ready");
    }
    assert_eq!(
        rule_ids(&state, BLOG),
        blog_rules,
        "the other ingress is untouched"
    );
    wd.assert_plan_empty();

    // A header change alone updates the rule in place.
    cfg.header_value = "staging";
    wd.write_config(&hcl(&mock.endpoint(), &cfg));
    wd.apply(&[]).assert_success("header update");
    let state = mock.state();
    assert_eq!(rule_ids(&state, SHOP)[V1_KEY], after[V1_KEY]);
    assert_eq!(
        rule_by_key(&state, V1_KEY)["RuleConditions"][2]["HeaderConfig"]["Values"][0],
        "staging"
    );

    // Replacement: another namespace is another ingress identity.
    cfg.shop_namespace = "shop2";
    wd.write_config(&hcl(&mock.endpoint(), &cfg));
    let plan = wd.plan(&[]);
    assert!(
        plan.stdout.contains("must be replaced"),
        "{}",
        plan.combined()
    );
    wd.apply(&[]).assert_success("replace");
    let state = mock.state();
    assert!(rule_ids(&state, SHOP).is_empty() && group_ids(&state, SHOP).is_empty());
    let replaced = rule_ids(&state, "shop2/storefront");
    assert_eq!(replaced.len(), 3);
    assert!(replaced
        .values()
        .all(|(id, _)| !after.values().any(|(old, _)| old == id)));
    assert_eq!(group_ids(&state, "shop2/storefront").len(), 3);
    wd.assert_plan_empty();

    wd.destroy().assert_success("destroy");
    let state = mock.state();
    assert!(list(&state, "LoadBalancers").is_empty(), "{state:#}");
    assert!(list(&state, "ServerGroups").is_empty(), "{state:#}");
    assert!(list(&state, "Rules").is_empty(), "{state:#}");
}

/// Import of the ingress and the config into a fresh directory, then an empty plan.
#[test]
fn ingress_import_gives_an_empty_plan() {
    let cfg = Cfg::default();
    let (mock, wd) = setup(&cfg);
    wd.apply(&[]).assert_success("create");
    let lb_id = resource_values(&wd, "alb_config.main")["id"]
        .as_str()
        .unwrap()
        .to_string();

    // The configuration in the canonical form import reconstructs.
    let canonical = Cfg {
        old_first: true,
        ..cfg
    };
    let fresh = Workdir::new();
    fresh.write_config(&format!(
        "{}{CONFIG}{}{}",
        provider_block(&mock.endpoint()),
        shop(&canonical, "alb_config.main.id"),
        blog(cfg.blog_order, "alb_config.main.id"),
    ));
    fresh
        .import("alb_config.main", &lb_id)
        .assert_success("import config");
    for (address, id) in [
        ("alb_ingress.shop", format!("{lb_id}/shop/storefront")),
        ("alb_ingress.blog", format!("{lb_id}/blog/blog")),
    ] {
        fresh
            .import(address, &id)
            .assert_success(&format!("import {address}"));
    }
    fresh.assert_plan_empty();
    let imported = resource_values(&fresh, "alb_ingress.shop");
    assert_eq!(
        imported["rules"],
        resource_values(&wd, "alb_ingress.shop")["rules"]
    );

    // An ingress that owns nothing cannot be imported.
    std::fs::write(
        fresh.main_tf(),
        format!(
            "{}\n{}",
            std::fs::read_to_string(fresh.main_tf()).unwrap(),
            blog(30, "alb_config.main.id").replace("\"blog\" {", "\"x\" {")
        ),
    )
    .unwrap();
    let missing = fresh.import("alb_ingress.x", &format!("{lb_id}/none/none"));
    missing.assert_failure_containing("Nothing to import");
}

/// Foreign objects (a rule on our listener, a server group) are never touched; destroy leaves
/// exactly them.
#[test]
fn ingress_foreign_objects_survive_apply_and_destroy() {
    let mut cfg = Cfg::default();
    let (mock, wd) = setup(&cfg);
    wd.apply(&[]).assert_success("create");
    let state = mock.state();
    let http = listener_id(&state, 80);
    let client = client(&mock);
    let (rule_id, group_id) = block_on(async {
        let rule = client
            .create_rule(
                &CreateRuleRequest {
                    listener_id: http.clone(),
                    rule_name: "console-rule".into(),
                    priority: 500,
                    rule_conditions: vec![RuleCondition::path(["/ops"])],
                    rule_actions: vec![RuleAction::fixed_response(
                        1,
                        FixedResponseConfig {
                            http_code: Some("200".into()),
                            content: Some("ops".into()),
                            content_type: Some("text/plain".into()),
                        },
                    )],
                    tag: vec![Tag::new("team", "ops")],
                    ..Default::default()
                },
                None,
            )
            .await
            .expect("foreign rule");
        let group = client
            .create_server_group(
                &CreateServerGroupRequest {
                    server_group_name: "ops-group".into(),
                    health_check_config: HealthCheckConfig {
                        health_check_enabled: Some(false),
                        ..Default::default()
                    },
                    vpc_id: Some("vpc-1".into()),
                    tag: vec![Tag::new("team", "ops")],
                    ..Default::default()
                },
                None,
            )
            .await
            .expect("foreign group");
        (rule.rule_id, group.server_group_id)
    });
    settle(&mock);
    wd.assert_plan_empty();

    cfg.health_path = "/ready";
    wd.write_config(&hcl(&mock.endpoint(), &cfg));
    wd.apply(&[])
        .assert_success("update with a foreign rule around");
    cfg.blog = false;
    wd.write_config(&hcl(&mock.endpoint(), &cfg));
    wd.apply(&[]).assert_success("remove the blog ingress");
    let state = mock.state();
    assert!(rule_ids(&state, BLOG).is_empty());
    let foreign = list(&state, "Rules")
        .iter()
        .find(|r| r["RuleId"] == rule_id.as_str())
        .expect("foreign rule survives");
    assert_eq!(foreign["Priority"], 500);
    assert_eq!(foreign["RuleName"], "console-rule");
    assert_eq!(rule_ids(&state, SHOP).len(), 3);

    wd.destroy().assert_success("destroy");
    let state = mock.state();
    let groups = list(&state, "ServerGroups");
    assert_eq!(groups.len(), 1, "{state:#}");
    assert_eq!(groups[0]["ServerGroupId"], group_id.as_str());
    assert!(list(&state, "LoadBalancers").is_empty());
}

/// A rule edited on the console shows as a diff and apply reverts it.
#[test]
fn ingress_console_edit_is_shown_and_reverted() {
    let cfg = Cfg::default();
    let (mock, wd) = setup(&cfg);
    wd.apply(&[]).assert_success("create");
    let state = mock.state();
    let (rule_id, priority) = rule_ids(&state, SHOP)[API_KEY].clone();
    block_on(async {
        client(&mock)
            .update_rule_attribute(
                &UpdateRuleAttributeRequest {
                    rule_id: rule_id.clone(),
                    rule_conditions: vec![
                        RuleCondition::host(["shop.example.com"]),
                        RuleCondition::path(["/api", "/api/*"]),
                        RuleCondition::header("x-env", ["hacked"]),
                    ],
                    ..Default::default()
                },
                None,
            )
            .await
            .expect("console edit")
    });
    settle(&mock);
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    assert!(plan.stdout.contains("x-env=hacked"), "{}", plan.stdout);
    assert!(plan.stdout.contains("x-env=prod"), "{}", plan.stdout);
    wd.apply(&[]).assert_success("revert");
    let state = mock.state();
    assert_eq!(rule_ids(&state, SHOP)[API_KEY], (rule_id, priority));
    assert_eq!(
        rule_by_key(&state, API_KEY)["RuleConditions"][2]["HeaderConfig"]["Values"][0],
        "prod"
    );
    wd.assert_plan_empty();
}

/// Two ingresses with the same order on one listener: a plan-time error naming both.
#[test]
fn ingress_priority_clash_is_a_plan_error() {
    let cfg = Cfg {
        blog: false,
        ..Cfg::default()
    };
    let (mock, wd) = setup(&cfg);
    wd.apply(&[]).assert_success("create");
    let rules_before = list(&mock.state(), "Rules").len();
    let mut clash = Cfg {
        blog_order: 10,
        ..cfg
    };
    clash.blog = true;
    wd.write_config(&hcl(&mock.endpoint(), &clash));
    let plan = wd.plan(&[]);
    plan.assert_failure_containing("Rule priority clash");
    // Terraform wraps diagnostic lines.
    let text = plan
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("alb_ingress shop/storefront"), "{text}");
    assert!(text.contains("alb_ingress blog/blog"), "{text}");
    assert!(text.contains("listener HTTP:80"), "{text}");
    assert!(text.contains("order"), "{text}");
    assert_eq!(list(&mock.state(), "Rules").len(), rules_before);
}

/// Throttling, 5xx, busy windows and dropped responses (fixed seed): apply converges, without
/// duplicates.
#[test]
fn ingress_apply_under_faults_converges() {
    let cfg = Cfg::default();
    let (mock, wd) = setup(&cfg);
    mock.set_faults(Faults {
        throttle_rate: 0.15,
        error_rate: 0.1,
        drop_rate: 0.1,
        busy_window_ms: 100,
        ..Faults::default()
    });
    let started = Instant::now();
    wd.apply(&[]).assert_success("apply under faults");
    let counters = mock.counters();
    let (calls, mutating, detail) = calls_summary(&mock);
    eprintln!(
        "apply under faults: {:?}, {calls} API calls ({mutating} mutating), injected: {:?}: {detail}",
        started.elapsed(),
        counters.faults
    );
    mock.set_faults(Faults::default());
    let injected = &counters.faults;
    assert!(
        injected.throttled > 0 && injected.server_errors > 0 && injected.dropped > 0,
        "every kind of fault was injected: {injected:?}"
    );
    let state = mock.state();
    assert_eq!(rule_ids(&state, SHOP).len(), 3, "{state:#}");
    assert_eq!(
        owned_by(&state, "Rules", SHOP).len(),
        3,
        "no duplicate rules"
    );
    assert_eq!(
        owned_by(&state, "ServerGroups", SHOP).len(),
        3,
        "no duplicate groups"
    );
    assert_eq!(owned_by(&state, "Rules", BLOG).len(), 1);
    assert_eq!(owned_by(&state, "ServerGroups", BLOG).len(), 1);
    assert_eq!(list(&state, "LoadBalancers").len(), 1);
    wd.assert_plan_empty();
}

/// `terraform apply` killed (with the provider) while it creates the ingresses; the next apply
/// completes without duplicates.
#[test]
fn ingress_apply_killed_midway_completes_without_duplicates() {
    let cfg = Cfg::default();
    let mock = mock_with(400, 11);
    let wd = Workdir::new();
    wd.write_config(&hcl(&mock.endpoint(), &cfg));
    let reached_ingresses = || {
        let counters = mock.counters();
        let started = ["CreateServerGroup", "CreateRules"]
            .iter()
            .filter_map(|a| counters.actions.get(*a))
            .map(|c| c.calls)
            .sum::<u64>();
        // The placeholders are 2 CreateServerGroup calls; wait for the ingresses' own.
        started >= 4
    };
    assert_eq!(
        wd.apply_killed_when(reached_ingresses, Duration::from_secs(120)),
        Interrupted::Killed
    );
    let partial = mock.state();
    eprintln!(
        "killed with {} rules and {} server groups created",
        list(&partial, "Rules").len(),
        list(&partial, "ServerGroups").len()
    );
    wd.apply(&[]).assert_success("apply after the kill");
    let state = mock.state();
    assert_eq!(list(&state, "LoadBalancers").len(), 1, "{state:#}");
    assert_eq!(owned_by(&state, "Rules", SHOP).len(), 3, "{state:#}");
    assert_eq!(owned_by(&state, "ServerGroups", SHOP).len(), 3, "{state:#}");
    assert_eq!(owned_by(&state, "Rules", BLOG).len(), 1);
    assert_eq!(owned_by(&state, "ServerGroups", BLOG).len(), 1);
    assert_eq!(list(&state, "ServerGroups").len(), 6, "{state:#}");
    wd.assert_plan_empty();
    wd.destroy().assert_success("destroy");
    assert!(list(&mock.state(), "ServerGroups").is_empty());
}

/// examples/complete against the mock: apply, empty plan, destroy.
#[test]
fn ingress_complete_example_applies_replans_empty_and_destroys() {
    let mock = mock_with(30, 3);
    let wd = workdir_with_example("complete");
    let var = format!("endpoint={}", mock.endpoint());
    let started = Instant::now();
    wd.apply(&["-var", &var]).assert_success("apply complete");
    let (calls, mutating, detail) = calls_summary(&mock);
    eprintln!(
        "examples/complete apply: {:?}, {calls} API calls ({mutating} mutating): {detail}",
        started.elapsed()
    );
    let state = mock.state();
    // HTTPS:443: /api, its header canary, /old, /maintenance, the default backend; HTTP:80 (SSL
    // redirect): the same four paths, redirecting.
    let rules = owned_in(&state, "Rules", "c-demo", "shop/storefront");
    assert_eq!(rules.len(), 9, "{state:#}");
    let groups = owned_in(&state, "ServerGroups", "c-demo", "shop/storefront");
    let keys: Vec<&str> = groups
        .iter()
        .filter_map(|g| tag(g, "alb.terraform/key"))
        .collect();
    assert_eq!(keys.len(), 4, "{state:#}");
    for key in ["api:80", "api-v2:http", "web-v2:80", "web:80"] {
        assert!(keys.contains(&key), "{key} missing: {keys:?}");
    }
    for extra in [&["-refresh=false", "-var", &var][..], &["-var", &var][..]] {
        let plan = wd.plan(extra);
        assert_eq!(plan.code, 0, "plan {extra:?}:\n{}", plan.combined());
    }
    wd.run(&[
        "destroy",
        "-no-color",
        "-input=false",
        "-auto-approve",
        "-var",
        &var,
    ])
    .assert_success("destroy complete");
    let state = mock.state();
    assert!(list(&state, "Rules").is_empty() && list(&state, "ServerGroups").is_empty());
}

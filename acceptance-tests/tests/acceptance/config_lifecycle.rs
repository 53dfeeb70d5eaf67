//! `alb_config` against the in-process ALB mock with real Terraform: create, empty plans,
//! in-place update keeping ids, replacement, drift, import, deletion protection, foreign
//! listeners, adoption, timeouts and rejected credentials.

use std::time::{Duration, Instant};

use acceptance_tests::harness::hcl::{MOCK_ACCESS_KEY, MOCK_SECRET_KEY};
use acceptance_tests::harness::{provider_block, Workdir};
use acceptance_tests::mock::{MockConfig, MockServer};
use alb_api::listener::{CreateListenerRequest, DefaultAction, UpdateListenerAttributeRequest};
use alb_api::load_balancer::{CreateLoadBalancerRequest, ZoneMapping};
use alb_api::{Client, ClientConfig, Credentials};
use serde_json::Value;

const OWNER_TAGS: [(&str, &str); 2] = [
    ("alb.terraform/cluster", "c-acc"),
    ("alb.terraform/config", "web"),
];

/// What a test varies in the configuration.
#[derive(Clone)]
pub(crate) struct Cfg {
    pub name: &'static str,
    pub vpc: &'static str,
    pub http_idle_timeout: Option<u32>,
    pub deletion_protection: Option<bool>,
    pub timeouts: &'static str,
    /// Extra HCL in the HTTP:80 listener block.
    pub http_extra: String,
    /// Extra HCL in the HTTPS:443 listener block.
    pub https_extra: String,
}

impl Default for Cfg {
    fn default() -> Self {
        Cfg {
            name: "web",
            vpc: "vpc-1",
            http_idle_timeout: None,
            deletion_protection: None,
            timeouts: "",
            http_extra: String::new(),
            https_extra: String::new(),
        }
    }
}

pub(crate) fn hcl(endpoint: &str, c: &Cfg) -> String {
    let idle = c
        .http_idle_timeout
        .map(|t| format!("idle_timeout = {t}"))
        .unwrap_or_default();
    let protection = c
        .deletion_protection
        .map(|p| format!("deletion_protection = {p}"))
        .unwrap_or_default();
    format!(
        r#"{provider}
resource "alb_config" "main" {{
  name   = "{name}"
  vpc_id = "{vpc}"
  tags   = {{ team = "web" }}
  {protection}

  zone_mapping {{
    zone_id    = "cn-hangzhou-h"
    vswitch_id = "vsw-1"
  }}
  zone_mapping {{
    zone_id    = "cn-hangzhou-i"
    vswitch_id = "vsw-2"
  }}

  listener "HTTP:80" {{
    {idle}
    {http_extra}
  }}
  listener "HTTPS:443" {{
    certificate_ids = ["1234-cn-hangzhou"]
    {https_extra}
  }}
  {timeouts}
}}
"#,
        provider = provider_block(endpoint),
        name = c.name,
        vpc = c.vpc,
        timeouts = c.timeouts,
        http_extra = c.http_extra,
        https_extra = c.https_extra,
    )
}

pub(crate) fn mock(async_delay_ms: u64) -> MockServer {
    MockServer::start(MockConfig {
        async_delay_ms,
        ..MockConfig::default()
    })
    .expect("start mock")
}

fn setup(c: &Cfg) -> (MockServer, Workdir) {
    let mock = mock(30);
    let wd = Workdir::new();
    wd.write_config(&hcl(&mock.endpoint(), c));
    (mock, wd)
}

pub(crate) fn list<'a>(state: &'a Value, kind: &str) -> &'a [Value] {
    state[kind]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

pub(crate) fn tag<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object["Tags"]
        .as_array()?
        .iter()
        .find(|t| t["Key"] == key)?["Value"]
        .as_str()
}

pub(crate) fn owned(object: &Value) -> bool {
    OWNER_TAGS.iter().all(|(k, v)| tag(object, k) == Some(v))
}

/// The `alb_config.main` values from `terraform show -json`.
pub(crate) fn resource_values(wd: &Workdir) -> Value {
    resource(wd)["values"].clone()
}

fn resource(wd: &Workdir) -> Value {
    wd.state_json()["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["address"] == "alb_config.main"))
        .cloned()
        .unwrap_or(Value::Null)
}

/// `(label, listener id)` of the state's listeners, by label.
fn state_listeners(values: &Value) -> Vec<(String, String)> {
    values["listener"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(label, l)| (label.clone(), l["id"].as_str().unwrap_or("").to_string()))
        .collect()
}

pub(crate) fn mock_listener(state: &Value, port: i64) -> &Value {
    list(state, "Listeners")
        .iter()
        .find(|l| l["ListenerPort"] == port)
        .unwrap_or_else(|| panic!("no listener on port {port}: {state:#}"))
}

pub(crate) fn client(mock: &MockServer, secret: &str) -> Client {
    Client::new(
        ClientConfig::new("cn-hangzhou", Credentials::new(MOCK_ACCESS_KEY, secret))
            .with_endpoint(mock.endpoint()),
    )
    .expect("client")
}

/// Creates load balancer `name` (VPC `vpc-1`, zones h and i of cn-hangzhou) with `tags` through
/// the API, behind Terraform's back; returns its id.
pub(crate) fn create_load_balancer(
    api: &Client,
    name: &str,
    tags: Vec<alb_api::common::Tag>,
) -> String {
    block_on(async {
        api.create_load_balancer(
            &CreateLoadBalancerRequest {
                vpc_id: "vpc-1".into(),
                address_type: "Internet".into(),
                load_balancer_edition: "Standard".into(),
                load_balancer_billing_config: alb_api::load_balancer::BillingConfig {
                    pay_type: Some("PostPay".into()),
                    ..Default::default()
                },
                zone_mappings: ["h", "i"]
                    .iter()
                    .enumerate()
                    .map(|(i, z)| ZoneMapping {
                        zone_id: format!("cn-hangzhou-{z}"),
                        v_switch_id: format!("vsw-{}", i + 1),
                        ..Default::default()
                    })
                    .collect(),
                load_balancer_name: Some(name.into()),
                tag: tags,
                ..Default::default()
            },
            None,
        )
        .await
        .expect("create load balancer")
        .load_balancer_id
    })
}

pub(crate) fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[test]
fn config_create_update_replace_destroy() {
    let mut cfg = Cfg::default();
    let (mock, wd) = setup(&cfg);

    let started = Instant::now();
    wd.apply(&[]).assert_success("create");
    let elapsed = started.elapsed();
    let counters = mock.counters();
    let mutating: u64 = counters
        .actions
        .iter()
        .filter(|(a, _)| !(a.starts_with("List") || a.starts_with("Get")))
        .map(|(_, c)| c.calls)
        .sum();
    eprintln!(
        "create: {elapsed:?} (terraform apply), {} API calls ({mutating} mutating): {:?}",
        counters.total_calls,
        counters
            .actions
            .iter()
            .map(|(a, c)| format!("{a}={}", c.calls))
            .collect::<Vec<_>>()
    );

    // Exactly the load balancer, two listeners forwarding to two placeholder groups, all owned.
    let state = mock.state();
    let lbs = list(&state, "LoadBalancers");
    assert_eq!(lbs.len(), 1, "{state:#}");
    assert!(owned(&lbs[0]), "{:#}", lbs[0]);
    assert_eq!(tag(&lbs[0], "team"), Some("web"));
    assert_eq!(
        tag(&lbs[0], "alb.terraform/resource"),
        Some("load-balancer")
    );
    let groups = list(&state, "ServerGroups");
    assert_eq!(groups.len(), 2, "{state:#}");
    assert!(groups.iter().all(owned));
    let listeners = list(&state, "Listeners");
    assert_eq!(listeners.len(), 2);
    for l in listeners {
        assert!(owned(l), "{l:#}");
        let target =
            &l["DefaultActions"][0]["ForwardGroupConfig"]["ServerGroupTuples"][0]["ServerGroupId"];
        assert!(
            groups.iter().any(|g| &g["ServerGroupId"] == target),
            "default action of {l:#} does not forward to a placeholder"
        );
    }
    let values = resource_values(&wd);
    let lb_id = values["id"].as_str().expect("id").to_string();
    assert_eq!(lbs[0]["LoadBalancerId"], lb_id.as_str());
    assert_eq!(values["status"], "Active");
    assert_eq!(values["dns_name"], lbs[0]["DNSName"]);
    let ids = state_listeners(&values);
    assert_eq!(
        ids.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["HTTP:80", "HTTPS:443"]
    );
    assert_eq!(mock_listener(&state, 80)["ListenerId"], ids[0].1.as_str());
    assert_eq!(
        values["listener"]["HTTP:80"]["default_server_group_id"],
        mock_listener(&state, 80)["DefaultActions"][0]["ForwardGroupConfig"]["ServerGroupTuples"]
            [0]["ServerGroupId"]
    );
    wd.assert_plan_empty();

    // In place: name and a listener attribute; every id stays.
    cfg.name = "web-2";
    cfg.http_idle_timeout = Some(30);
    wd.write_config(&hcl(&mock.endpoint(), &cfg));
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    assert!(plan.stdout.contains("updated in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    wd.apply(&[]).assert_success("update");
    let values = resource_values(&wd);
    assert_eq!(values["id"], lb_id.as_str());
    assert_eq!(state_listeners(&values), ids);
    let state = mock.state();
    assert_eq!(list(&state, "LoadBalancers").len(), 1);
    assert_eq!(
        list(&state, "LoadBalancers")[0]["LoadBalancerName"],
        "web-2"
    );
    assert_eq!(mock_listener(&state, 80)["IdleTimeout"], 30);
    assert_eq!(mock_listener(&state, 80)["ListenerId"], ids[0].1.as_str());
    assert_eq!(list(&state, "ServerGroups").len(), 2);
    wd.assert_plan_empty();

    // Replacement: a new VPC means a new load balancer; the old one is gone.
    cfg.vpc = "vpc-2";
    wd.write_config(&hcl(&mock.endpoint(), &cfg));
    let plan = wd.plan(&[]);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    wd.apply(&[]).assert_success("replace");
    let values = resource_values(&wd);
    let new_id = values["id"].as_str().expect("id").to_string();
    assert_ne!(new_id, lb_id);
    let state = mock.state();
    let lbs = list(&state, "LoadBalancers");
    assert_eq!(lbs.len(), 1, "{state:#}");
    assert_eq!(lbs[0]["LoadBalancerId"], new_id.as_str());
    assert_eq!(lbs[0]["VpcId"], "vpc-2");
    assert_eq!(list(&state, "Listeners").len(), 2);
    assert_eq!(list(&state, "ServerGroups").len(), 2, "{state:#}");
    wd.assert_plan_empty();

    wd.destroy().assert_success("destroy");
    let state = mock.state();
    for kind in ["LoadBalancers", "Listeners", "ServerGroups", "Rules"] {
        assert!(list(&state, kind).is_empty(), "{kind} left: {state:#}");
    }
}

#[test]
fn config_drift_is_planned_and_reverted_and_foreign_listeners_are_left_alone() {
    let (mock, wd) = setup(&Cfg::default());
    wd.apply(&[]).assert_success("create");
    let values = resource_values(&wd);
    let lb_id = values["id"].as_str().expect("id").to_string();
    let http_id = values["listener"]["HTTP:80"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let placeholder = values["listener"]["HTTP:80"]["default_server_group_id"]
        .as_str()
        .expect("group")
        .to_string();

    // A console edit of a listener attribute, and a listener someone else added.
    let api = client(&mock, MOCK_SECRET_KEY);
    block_on(async {
        api.update_listener_attribute(
            &UpdateListenerAttributeRequest {
                listener_id: http_id.clone(),
                idle_timeout: Some(99),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("update listener");
        api.create_listener(
            &CreateListenerRequest {
                load_balancer_id: lb_id.clone(),
                listener_protocol: "HTTP".into(),
                listener_port: 8080,
                default_actions: vec![DefaultAction::forward_to(&placeholder)],
                ..Default::default()
            },
            None,
        )
        .await
        .expect("create foreign listener");
    });
    std::thread::sleep(Duration::from_millis(100));

    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 2, "drift not planned:\n{}", plan.combined());
    assert!(
        plan.stdout.contains("idle_timeout") && plan.stdout.contains("99"),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("8080"),
        "foreign listener shown:\n{}",
        plan.stdout
    );
    wd.apply(&[]).assert_success("revert drift");
    let state = mock.state();
    assert_eq!(mock_listener(&state, 80)["IdleTimeout"], 15);
    assert_eq!(mock_listener(&state, 80)["ListenerId"], http_id.as_str());
    let foreign = mock_listener(&state, 8080);
    assert!(tag(foreign, "alb.terraform/config").is_none());
    wd.assert_plan_empty();

    wd.destroy().assert_success("destroy");
    let state = mock.state();
    assert!(list(&state, "LoadBalancers").is_empty(), "{state:#}");
    assert!(
        !list(&state, "ServerGroups").iter().any(owned),
        "owned groups left: {state:#}"
    );
}

#[test]
fn config_import_into_a_fresh_workdir_plans_nothing() {
    let (mock, wd) = setup(&Cfg::default());
    wd.apply(&[]).assert_success("create");
    let values = resource_values(&wd);
    let lb_id = values["id"].as_str().expect("id").to_string();

    let fresh = Workdir::new();
    fresh.write_config(&hcl(&mock.endpoint(), &Cfg::default()));
    fresh
        .import("alb_config.main", &lb_id)
        .assert_success("import");
    let imported = resource_values(&fresh);
    assert_eq!(imported["id"], lb_id.as_str());
    assert_eq!(imported["name"], "web");
    assert_eq!(imported["vpc_id"], "vpc-1");
    assert_eq!(imported["zone_mapping"][1]["vswitch_id"], "vsw-2");
    assert_eq!(
        imported["address_type"], "Internet",
        "the effective default"
    );
    assert_eq!(state_listeners(&imported), state_listeners(&values));
    fresh.assert_plan_empty();

    // Importing something that does not exist fails clearly.
    let missing = Workdir::new();
    missing.write_config(&hcl(&mock.endpoint(), &Cfg::default()));
    missing
        .import("alb_config.main", "alb-doesnotexist")
        .assert_failure_containing("non-existent");
}

#[test]
fn config_deletion_protection_blocks_destroy_until_disabled() {
    let mut cfg = Cfg {
        deletion_protection: Some(true),
        ..Cfg::default()
    };
    let (mock, wd) = setup(&cfg);
    wd.apply(&[]).assert_success("create");
    let state = mock.state();
    assert_eq!(
        list(&state, "LoadBalancers")[0]["DeletionProtectionConfig"]["Enabled"],
        true
    );
    let out = wd.destroy();
    out.assert_failure_containing("Deletion protection is enabled");
    let words = out
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("set deletion_protection = false and apply, then destroy"),
        "{words}"
    );
    assert_eq!(list(&mock.state(), "LoadBalancers").len(), 1);

    cfg.deletion_protection = Some(false);
    wd.write_config(&hcl(&mock.endpoint(), &cfg));
    wd.apply(&[]).assert_success("disable protection");
    wd.destroy().assert_success("destroy");
    let state = mock.state();
    assert!(list(&state, "LoadBalancers").is_empty(), "{state:#}");
    assert!(list(&state, "ServerGroups").is_empty(), "{state:#}");
}

#[test]
fn config_create_adopts_the_load_balancer_an_interrupted_apply_left() {
    let (mock, wd) = setup(&Cfg::default());
    // What a crash right after CreateLoadBalancer leaves: an owned load balancer still marked
    // as in creation, no listeners.
    let api = client(&mock, MOCK_SECRET_KEY);
    let mut tags: Vec<_> = OWNER_TAGS
        .iter()
        .map(|(k, v)| alb_api::common::Tag::new(*k, *v))
        .collect();
    tags.push(alb_api::common::Tag::new(
        "alb.terraform/resource",
        "load-balancer",
    ));
    tags.push(alb_api::common::Tag::new(
        "alb.terraform/creating",
        "alb-run-1",
    ));
    let orphan = create_load_balancer(&api, "web", tags);
    wd.apply(&[]).assert_success("create");
    let state = mock.state();
    let lbs = list(&state, "LoadBalancers");
    assert_eq!(lbs.len(), 1, "adopted instead of duplicated: {state:#}");
    assert_eq!(resource_values(&wd)["id"], orphan.as_str());
    assert_eq!(tag(&lbs[0], "team"), Some("web"));
    assert_eq!(
        tag(&lbs[0], "alb.terraform/creating"),
        None,
        "create finished"
    );
    assert_eq!(list(&state, "Listeners").len(), 2);
    wd.assert_plan_empty();
}

#[test]
fn config_create_timeout_keeps_the_load_balancer_tainted() {
    let mock = mock(4000);
    let wd = Workdir::new();
    let cfg = Cfg {
        timeouts: "timeouts {\n    create = \"1s\"\n  }",
        ..Cfg::default()
    };
    wd.write_config(&hcl(&mock.endpoint(), &cfg));
    let out = wd.apply(&[]);
    out.assert_failure_containing("Timed out creating alb_config \"web\"");
    let lb_id = list(&mock.state(), "LoadBalancers")[0]["LoadBalancerId"]
        .as_str()
        .expect("id")
        .to_string();
    let resource = resource(&wd);
    assert_eq!(resource["values"]["id"], lb_id.as_str(), "{resource:#}");
    assert_eq!(resource["tainted"], true, "{resource:#}");
}

#[test]
fn config_with_rejected_credentials_says_so() {
    let mock = mock(30);
    let wd = Workdir::new();
    let config = hcl(&mock.endpoint(), &Cfg::default()).replace(MOCK_SECRET_KEY, "wrong-secret");
    wd.write_config(&config);
    wd.apply(&[])
        .assert_failure_containing("rejected the credentials");
    assert!(list(&mock.state(), "LoadBalancers").is_empty());
}

//! `data "alb_config"` and `data "alb_zones"` through real Terraform against the mock: lookups by id and by name and
//! cluster id with listener ids and free `order` runs, the lookup diagnostics (conflicting or
//! missing lookup at validate; none, several or an unmanaged load balancer at plan), and the
//! shared-ALB workflow: an app team's own working directory and state finds the platform team's
//! load balancer by the data source and applies an `alb_ingress` on it, with no remote state; the
//! region's zones into an `alb_config`'s zone mappings.

use acceptance_tests::harness::hcl::MOCK_SECRET_KEY;
use acceptance_tests::harness::{provider_block, Workdir};
use acceptance_tests::mock::{MockConfig, MockServer};
use alb_api::common::Tag;
use serde_json::{json, Value};

use crate::config_lifecycle::{block_on, client, create_load_balancer};
use crate::ingress_lifecycle::{list, tag};
use crate::plan_checks::{config, ingress, unwrapped};

const MARKER: &str = "# <- here";

fn mock() -> MockServer {
    MockServer::start(MockConfig {
        async_delay_ms: 20,
        seed: Some(10),
        ..MockConfig::default()
    })
    .expect("start mock")
}

/// The platform team's stack: alb_config `web` (HTTP:80 plus `extra_listener`) and ingress
/// shop/web on HTTP:80 without `order` (the first free band, 10); applied.
fn platform(mock: &MockServer, extra_listener: &str) -> Workdir {
    let wd = Workdir::new();
    wd.write_config(&format!(
        "{}{}{}",
        provider_block(&mock.endpoint()),
        config(extra_listener),
        ingress("shop", "web", "/", "")
    ));
    wd.apply(&[]).assert_success("platform stack");
    wd
}

/// The values of the managed resource `address` in a working directory's state.
fn resource(wd: &Workdir, address: &str) -> Value {
    let state = wd.state_json();
    state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["address"] == address)
        .map(|r| r["values"].clone())
        .unwrap_or_else(|| panic!("{address} not in state: {state:#}"))
}

/// `terraform output -json` as name → value.
fn outputs(wd: &Workdir) -> Value {
    let out = wd.run(&["output", "-json"]);
    out.assert_success("terraform output -json");
    let parsed: Value = serde_json::from_str(&out.stdout).expect("output -json is JSON");
    let mut values = serde_json::Map::new();
    for (name, o) in parsed.as_object().into_iter().flatten() {
        values.insert(name.clone(), o["value"].clone());
    }
    Value::Object(values)
}

/// A stack of only `body` (data sources, outputs, resources) with the mock's provider block.
fn stack(mock: &MockServer, body: &str) -> Workdir {
    let wd = Workdir::new();
    wd.write_config(&format!("{}{body}", provider_block(&mock.endpoint())));
    wd
}

#[test]
fn data_alb_config_finds_by_id_and_by_name_with_listeners_and_free_orders() {
    let mock = mock();
    let platform = platform(&mock, "  listener \"HTTP:8080\" {}");
    let config = resource(&platform, "alb_config.main");
    let id = config["id"].as_str().expect("load balancer id");

    let lookup = stack(
        &mock,
        &format!(
            r#"
data "alb_config" "by_id" {{
  id = "{id}"
}}
data "alb_config" "by_name" {{
  name       = "web"
  cluster_id = "c-acc"
}}
output "by_id" {{
  value = data.alb_config.by_id
}}
output "by_name" {{
  value = data.alb_config.by_name
}}
"#
        ),
    );
    lookup.apply(&[]).assert_success("read the data sources");
    let out = outputs(&lookup);
    assert_eq!(out["by_id"], out["by_name"], "both lookups find the same");
    let found = &out["by_id"];
    assert_eq!(found["id"], id);
    assert_eq!(found["name"], "web");
    assert_eq!(found["cluster_id"], "c-acc");
    assert_eq!(found["vpc_id"], "vpc-1");
    assert_eq!(found["dns_name"], config["dns_name"]);
    assert!(found["dns_name"].as_str().is_some_and(|d| !d.is_empty()));

    for key in ["HTTP:80", "HTTP:8080"] {
        let listener = &found["listener"][key];
        assert_eq!(listener["id"], config["listener"][key]["id"], "{key}");
        assert_eq!(
            listener["default_server_group_id"], config["listener"][key]["default_server_group_id"],
            "{key}"
        );
    }
    assert_eq!(found["listener"]["HTTP:8080"]["port"], 8080);
    // shop/web's rule (order 10: priorities 91–100) takes band 10 on HTTP:80 only.
    let rules = list(&mock.state(), "Rules").to_vec();
    assert_eq!(rules.len(), 1, "{rules:#?}");
    assert!((91..=100).contains(&rules[0]["Priority"].as_u64().unwrap_or_default()));
    assert_eq!(
        found["listener"]["HTTP:80"]["free_orders"],
        json!([{"first": 1, "last": 9}, {"first": 11, "last": 1000}])
    );
    assert_eq!(
        found["listener"]["HTTP:8080"]["free_orders"],
        json!([{"first": 1, "last": 1000}])
    );
}

#[test]
fn data_alb_config_lookup_diagnostics() {
    let mock = mock();
    // Validate: both ways, or neither, at the attribute (or block) that is wrong.
    let both = stack(
        &mock,
        &format!(
            "data \"alb_config\" \"shared\" {{\n  id   = \"alb-1\"\n  name = \"web\" {MARKER}\n}}\n"
        ),
    );
    let report = both.validate_json();
    let errors = report.errors();
    assert_eq!(errors.len(), 1, "{report:#?}");
    assert_eq!(errors[0].summary, "Conflicting load balancer lookup");
    assert_eq!(
        errors[0].range.as_ref().map(|r| r.start.line),
        Some(both.line_of(MARKER))
    );
    let neither = stack(
        &mock,
        "data \"alb_config\" \"shared\" {\n  cluster_id = \"c-acc\"\n}\n",
    );
    let report = neither.validate_json();
    assert_eq!(report.errors().len(), 1, "{report:#?}");
    assert_eq!(report.errors()[0].summary, "Missing load balancer lookup");

    // Plan: nothing matches, several match, or the load balancer is not the provider's.
    let api = client(&mock, MOCK_SECRET_KEY);
    let owned = |name: &str| {
        let tags = [
            ("alb.terraform/cluster", "c-acc"),
            ("alb.terraform/config", name),
            ("alb.terraform/resource", "load-balancer"),
        ];
        tags.iter().map(|(k, v)| Tag::new(*k, *v)).collect()
    };
    let first = create_load_balancer(&api, "web", owned("web"));
    let second = create_load_balancer(&api, "web", owned("web"));
    let foreign = create_load_balancer(&api, "console-made", Vec::new());
    let plan_of = |body: &str| {
        let wd = stack(
            &mock,
            &format!("data \"alb_config\" \"shared\" {{\n{body}\n}}\n"),
        );
        let out = wd.plan(&[]);
        assert_ne!(out.code, 0, "{}", out.combined());
        unwrapped(&out)
    };
    let missing = plan_of("  name = \"nope\"");
    assert!(missing.contains("Load balancer not found"), "{missing}");
    assert!(missing.contains(r#"named "nope""#), "{missing}");
    let other_cluster = plan_of("  name = \"web\"\n  cluster_id = \"c-other\"");
    assert!(
        other_cluster.contains("Load balancer not found")
            && other_cluster.contains(r#"cluster id "c-other""#),
        "{other_cluster}"
    );
    let no_id = plan_of("  id = \"alb-doesnotexist\"");
    assert!(no_id.contains("Load balancer not found"), "{no_id}");
    let several = plan_of("  name = \"web\"");
    assert!(
        several.contains("Several load balancers match"),
        "{several}"
    );
    assert!(
        several.contains(&first) && several.contains(&second),
        "names both ids: {several}"
    );
    let unmanaged = plan_of(&format!("  id = \"{foreign}\""));
    assert!(
        unmanaged.contains("Load balancer not managed by this provider"),
        "{unmanaged}"
    );
}

/// The app team's stack: the platform's load balancer by name and cluster id, and ingress
/// checkout/api at order 20 on its HTTP:80 listener, plus `extra` HCL.
fn app_stack(extra: &str) -> String {
    format!(
        r#"
data "alb_config" "shared" {{
  name       = "web"
  cluster_id = "c-acc"
}}

resource "alb_ingress" "checkout" {{
  alb_config_id = data.alb_config.shared.id
  namespace     = "checkout"
  name          = "api"
  order         = 20
  rule {{
    host = "checkout.example.com"
    path {{
      path      = "/"
      path_type = "Prefix"
      backend {{
        service = "api"
        port    = 80
      }}
    }}
  }}
}}
{extra}"#
    )
}

/// Issue 10's done-when: an app-team configuration, in its own working directory and state,
/// finds the ALB by the data source, plans and applies an ingress on it, and plans empty next;
/// the platform's plan stays empty too.
#[test]
fn app_team_stack_attaches_an_ingress_to_the_platform_alb_through_the_data_source() {
    let mock = mock();
    let platform = platform(&mock, "");
    let lb_id = resource(&platform, "alb_config.main")["id"]
        .as_str()
        .expect("load balancer id")
        .to_owned();

    let app = stack(&mock, &app_stack(""));
    mock.reset_counters();
    let plan = app.plan(&[]);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    assert!(
        plan.stdout.contains("alb_ingress.checkout will be created"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains(&lb_id),
        "plans on {lb_id}: {}",
        plan.stdout
    );
    // The data source and the ingress's plan share the load balancer's snapshot.
    let counters = mock.counters();
    for action in ["GetLoadBalancerAttribute", "ListListeners", "ListRules"] {
        let calls = counters.actions.get(action).map_or(0, |a| a.calls);
        assert_eq!(calls, 1, "{action} calls in the app plan: {counters:#?}");
    }

    app.apply(&[]).assert_success("app stack");
    let state = mock.state();
    let rules = list(&state, "Rules");
    let app_rule = rules
        .iter()
        .find(|r| tag(r, "alb.terraform/ingress") == Some("checkout/api"))
        .unwrap_or_else(|| panic!("the app's rule: {state:#}"));
    let platform_rule = rules
        .iter()
        .find(|r| tag(r, "alb.terraform/ingress") == Some("shop/web"))
        .unwrap_or_else(|| panic!("the platform's rule: {state:#}"));
    assert_eq!(app_rule["ListenerId"], platform_rule["ListenerId"]);
    assert!(
        (191..=200).contains(&app_rule["Priority"].as_u64().unwrap_or_default()),
        "order 20's band: {app_rule:#}"
    );
    app.assert_plan_empty();
    platform.assert_plan_empty();

    // The lookup now shows bands 10 (platform) and 20 (app) taken on HTTP:80.
    app.write_config(&format!(
        "{}{}",
        provider_block(&mock.endpoint()),
        app_stack(
            "output \"free\" {\n  value = data.alb_config.shared.listener[\"HTTP:80\"].free_orders\n}\n"
        )
    ));
    app.apply(&[]).assert_success("add the output");
    assert_eq!(
        outputs(&app)["free"],
        json!([
            {"first": 1, "last": 9},
            {"first": 11, "last": 19},
            {"first": 21, "last": 1000}
        ])
    );
    app.assert_plan_empty();
}

/// `data "alb_zones"`: the region's zones as the API lists them, usable in `zone_mapping`.
#[test]
fn data_alb_zones_lists_the_zones_of_the_region_for_zone_mappings() {
    let mock = mock();
    let api = client(&mock, MOCK_SECRET_KEY);
    let request = alb_api::zone::DescribeZonesRequest {
        accept_language: Some("en-US".into()),
    };
    let listed = block_on(api.describe_zones(&request)).expect("DescribeZones");
    let mut expected: Vec<(String, String)> = listed
        .zones
        .into_iter()
        .map(|z| (z.zone_id, z.local_name))
        .collect();
    expected.sort();
    assert!(expected.len() >= 2, "{expected:?}");

    let wd = stack(
        &mock,
        r#"
data "alb_zones" "all" {}

resource "alb_config" "main" {
  name   = "zoned"
  vpc_id = "vpc-1"
  zone_mapping {
    zone_id    = data.alb_zones.all.ids[0]
    vswitch_id = "vsw-1"
  }
  zone_mapping {
    zone_id    = data.alb_zones.all.ids[1]
    vswitch_id = "vsw-2"
  }
  listener "HTTP:80" {}
}

output "zones" {
  value = data.alb_zones.all
}
"#,
    );
    wd.apply(&[]).assert_success("zones into zone mappings");
    let out = &outputs(&wd)["zones"];
    assert_eq!(out["region"], "cn-hangzhou");
    let ids: Vec<&str> = expected.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(out["ids"], json!(ids));
    let zones: Vec<Value> = expected
        .iter()
        .map(|(id, name)| json!({"zone_id": id, "local_name": name}))
        .collect();
    assert_eq!(out["zones"], json!(zones));
    let state = mock.state();
    let lb = &list(&state, "LoadBalancers")[0];
    let zone_ids: Vec<&str> = lb["ZoneMappings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|z| z["ZoneId"].as_str())
        .collect();
    assert_eq!(zone_ids, &ids[..2], "{lb:#}");
    wd.assert_plan_empty();
}

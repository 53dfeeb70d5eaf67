//! Issue 11 items 5, 7 and 8 through real Terraform against the mock: what the plan must refuse
//! before apply touches anything — a priority clash with another ingress of the same namespace
//! (existing, or planned in the same run), a listener the load balancer lacks and no alb_config
//! of the run adds, and server groups to be deleted while a rule made elsewhere still uses them.
//! And what it must not refuse: the replacement of an ingress by a new name.

use std::time::{Duration, Instant};

use acceptance_tests::harness::hcl::{MOCK_ACCESS_KEY, MOCK_SECRET_KEY};
use acceptance_tests::harness::{provider_block, Output, Workdir};
use acceptance_tests::mock::{MockConfig, MockServer};
use alb_api::common::Tag;
use alb_api::rule::{CreateRuleRequest, ForwardGroupConfig, RuleAction, RuleCondition};
use alb_api::{Client, ClientConfig, Credentials};

use crate::ingress_lifecycle::{list, tag};

/// An alb_config with an HTTP:80 listener, plus `extra_listener` (HCL) when given.
pub(crate) fn config(extra_listener: &str) -> String {
    format!(
        r#"
resource "alb_config" "main" {{
  name   = "web"
  vpc_id = "vpc-1"
  zone_mapping {{
    zone_id    = "cn-hangzhou-h"
    vswitch_id = "vsw-1"
  }}
  zone_mapping {{
    zone_id    = "cn-hangzhou-i"
    vswitch_id = "vsw-2"
  }}
  listener "HTTP:80" {{}}
{extra_listener}
}}
"#
    )
}

/// `alb_ingress.<address>` = `shop/<name>` for shop.example.com `<path>` (order chosen by the
/// provider unless `extra` sets one), with `extra` (HCL) in its body.
pub(crate) fn ingress(address: &str, name: &str, path: &str, extra: &str) -> String {
    format!(
        r#"
resource "alb_ingress" "{address}" {{
  alb_config_id = alb_config.main.id
  namespace     = "shop"
  name          = "{name}"
{extra}
  rule {{
    host = "shop.example.com"
    path {{
      path      = "{path}"
      path_type = "Prefix"
      backend {{
        service = "{name}"
        port    = 80
      }}
    }}
  }}
}}
"#
    )
}

pub(crate) fn write(wd: &Workdir, mock: &MockServer, parts: &[String]) {
    wd.write_config(&format!(
        "{}{}",
        provider_block(&mock.endpoint()),
        parts.concat()
    ));
}

pub(crate) fn start() -> (MockServer, Workdir) {
    let mock = MockServer::start(MockConfig {
        async_delay_ms: 20,
        seed: Some(11),
        ..MockConfig::default()
    })
    .expect("start mock");
    (mock, Workdir::new())
}

/// The ids of the mock's rules and server groups, sorted (to show that nothing changed).
fn objects(mock: &MockServer) -> Vec<String> {
    let state = mock.state();
    let mut ids: Vec<String> = list(&state, "Rules")
        .iter()
        .map(|r| r["RuleId"].as_str().unwrap_or_default().to_owned())
        .chain(
            list(&state, "ServerGroups")
                .iter()
                .map(|g| g["ServerGroupId"].as_str().unwrap_or_default().to_owned()),
        )
        .collect();
    ids.sort();
    ids
}

/// Terraform's output with line wrapping undone.
pub(crate) fn unwrapped(out: &Output) -> String {
    out.combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// Item 8: a second ingress of the same namespace, same host and same explicit order clashes
/// with the existing one at plan time; the replacement of the existing one by a new name does
/// not.
#[test]
fn plan_clash_in_the_same_namespace_and_not_with_a_replaced_self() {
    let (mock, wd) = start();
    let existing = ingress("existing", "existing", "/a", "  order = 10");
    write(&wd, &mock, &[config(""), existing.clone()]);
    wd.apply(&[]).assert_success("create");
    let before = objects(&mock);

    write(
        &wd,
        &mock,
        &[
            config(""),
            existing.clone(),
            ingress("second", "second", "/b", "  order = 10"),
        ],
    );
    let plan = wd.plan(&[]);
    plan.assert_failure_containing("Rule priority clash");
    let text = unwrapped(&plan);
    assert!(text.contains("alb_ingress shop/existing"), "{text}");
    assert!(text.contains("alb_ingress shop/second"), "{text}");
    assert!(text.contains("listener HTTP:80"), "{text}");
    assert_eq!(objects(&mock), before, "a failed plan changes nothing");

    // Renaming the existing ingress replaces it: its old rules are not a clash.
    write(
        &wd,
        &mock,
        &[config(""), ingress("existing", "renamed", "/a", "")],
    );
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    wd.apply(&[]).assert_success("replace by a new name");
    let state = mock.state();
    let owners: Vec<&str> = list(&state, "Rules")
        .iter()
        .filter_map(|r| tag(r, "alb.terraform/ingress"))
        .collect();
    assert_eq!(owners, ["shop/renamed"], "{state:#}");
    wd.assert_plan_empty();
}

/// Item 8: two new ingresses planned in the same run on an existing load balancer, same host
/// and explicit order: the plan fails naming both.
#[test]
fn plan_clash_between_two_new_ingresses_of_one_run() {
    let (mock, wd) = start();
    write(&wd, &mock, &[config("")]);
    wd.apply(&[]).assert_success("create the load balancer");
    write(
        &wd,
        &mock,
        &[
            config(""),
            ingress("one", "one", "/a", "  order = 10"),
            ingress("two", "two", "/b", "  order = 10"),
        ],
    );
    let plan = wd.plan(&[]);
    plan.assert_failure_containing("Rule priority clash");
    let text = unwrapped(&plan);
    assert!(text.contains("planned in this run"), "{text}");
    assert!(
        text.contains("alb_ingress shop/one") && text.contains("alb_ingress shop/two"),
        "{text}"
    );
    assert!(list(&mock.state(), "Rules").is_empty());

    // Different orders: no clash, and both apply.
    write(
        &wd,
        &mock,
        &[
            config(""),
            ingress("one", "one", "/a", "  order = 10"),
            ingress("two", "two", "/b", "  order = 20"),
        ],
    );
    wd.apply(&[]).assert_success("two ingresses in two bands");
    wd.assert_plan_empty();
}

/// Item 7: `listen` naming a port the existing, unchanged alb_config lacks is a plan error on the
/// `listen` entry; adding that listener to the alb_config in the same apply is fine.
#[test]
fn plan_listen_port_missing_on_an_unchanged_config_is_an_error() {
    let (mock, wd) = start();
    write(&wd, &mock, &[config("")]);
    wd.apply(&[]).assert_success("create the load balancer");
    let listen = "  listen {\n    protocol = \"HTTP\"\n    port     = 8080\n  }";
    write(
        &wd,
        &mock,
        &[config(""), ingress("shop", "web", "/", listen)],
    );
    let plan = wd.plan(&[]);
    plan.assert_failure_containing("Listener missing on the load balancer");
    let text = unwrapped(&plan);
    assert!(text.contains("HTTP:8080"), "{text}");
    assert!(
        text.contains("port = 8080"),
        "points at the listen entry: {text}"
    );

    let port_8080 = "  listener \"HTTP:8080\" {}";
    write(
        &wd,
        &mock,
        &[config(port_8080), ingress("shop", "web", "/", listen)],
    );
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    assert!(!plan.combined().contains("Listener"), "{}", plan.combined());
    wd.apply(&[])
        .assert_success("listener and ingress in one apply");
    wd.assert_plan_empty();
}

/// Item 5: destroying (or replacing) an ingress whose server group a console-made rule forwards
/// to fails at plan, naming the rule, instead of a minute of retries and a half-done destroy.
#[test]
fn plan_destroy_of_a_server_group_in_use_names_the_rule() {
    let (mock, wd) = start();
    write(&wd, &mock, &[config(""), ingress("shop", "web", "/", "")]);
    wd.apply(&[]).assert_success("create");
    let state = mock.state();
    let listener = list(&state, "Listeners")[0]["ListenerId"]
        .as_str()
        .expect("listener id")
        .to_owned();
    let group = list(&state, "ServerGroups")
        .iter()
        .find(|g| tag(g, "alb.terraform/ingress") == Some("shop/web"))
        .and_then(|g| g["ServerGroupId"].as_str())
        .expect("ingress group")
        .to_owned();
    let client = Client::new(
        ClientConfig::new(
            "cn-hangzhou",
            Credentials::new(MOCK_ACCESS_KEY, MOCK_SECRET_KEY),
        )
        .with_endpoint(mock.endpoint()),
    )
    .expect("client");
    let rule_id = block_on(async {
        client
            .create_rule(
                &CreateRuleRequest {
                    listener_id: listener,
                    rule_name: "console-rule".into(),
                    priority: 500,
                    rule_conditions: vec![RuleCondition::path(["/ops"])],
                    rule_actions: vec![RuleAction::forward(1, ForwardGroupConfig::single(&group))],
                    tag: vec![Tag::new("team", "ops")],
                    ..Default::default()
                },
                None,
            )
            .await
            .expect("console rule")
            .rule_id
    });
    let before = objects(&mock);

    let started = Instant::now();
    let destroy = wd.destroy();
    let took = started.elapsed();
    destroy.assert_failure_containing("Server group still in use");
    let text = unwrapped(&destroy);
    assert!(text.contains(&rule_id), "{text}");
    assert!(text.contains("listener HTTP:80"), "{text}");
    assert!(text.contains(&group), "{text}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert_eq!(objects(&mock), before, "nothing was deleted");

    // A replacement deletes the same groups: refused at plan too.
    write(
        &wd,
        &mock,
        &[config(""), ingress("shop", "renamed", "/", "")],
    );
    let plan = wd.plan(&[]);
    plan.assert_failure_containing("Server group still in use");
    assert!(unwrapped(&plan).contains(&rule_id));
}

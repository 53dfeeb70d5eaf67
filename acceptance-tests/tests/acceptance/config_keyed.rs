//! `alb_config` listener blocks keyed by their `PROTOCOL:port` label, with real Terraform
//! against the mock: a state whose listeners are a list (schema version 1, written by the
//! provider at commit 507b81a) is upgraded with an empty plan and the same listeners; adding a
//! listener block above another plans exactly one added listener, the other's values (ids
//! included) unchanged and known; removing one plans exactly one removed listener.

use std::collections::BTreeMap;

use acceptance_tests::harness::hcl::TWO_ZONE_MAPPINGS;
use acceptance_tests::harness::{provider_block, Output, Workdir};
use serde_json::Value;

use crate::config_lifecycle::{list, mock, mock_listener, resource_values};
use crate::ingress_keyed::{
    endpoint_var, fixture_workdir, ids_of_map, planned_changes, raw_instance, read_tfstate, text,
    upgrade_with_empty_plans,
};

/// `PROTOCOL:port → id` of a listener list (schema versions 0 and 1).
pub(crate) fn listener_ids_of_list(listeners: &Value) -> BTreeMap<String, String> {
    listeners
        .as_array()
        .unwrap_or_else(|| panic!("a listener list: {listeners:#}"))
        .iter()
        .map(|l| {
            (
                format!("{}:{}", text(&l["protocol"]), l["port"]),
                text(&l["id"]),
            )
        })
        .collect()
}

#[test]
fn config_state_with_a_listener_list_upgrades_to_labelled_blocks_with_an_empty_plan() {
    let (wd, mock, tfstate) = fixture_workdir("config-state-v1");
    let before = read_tfstate(&tfstate);
    let var = endpoint_var(&mock);
    let config = |state| raw_instance(state, "alb_config", "main");
    assert_eq!(config(&before)["schema_version"], 1);
    let old = &config(&before)["attributes"]["listener"];
    let ids = listener_ids_of_list(old);
    assert_eq!(
        ids.keys().map(String::as_str).collect::<Vec<_>>(),
        ["HTTP:80", "HTTPS:443"]
    );
    let mock_before = mock.state();

    upgrade_with_empty_plans(&wd, &var);

    // Stored as version 2: the same listeners under their labels, every value kept.
    let after = read_tfstate(&tfstate);
    assert_eq!(config(&after)["schema_version"], 2);
    let listeners = &config(&after)["attributes"]["listener"];
    assert_eq!(ids_of_map(listeners), ids, "same listeners, same ids");
    for old in old.as_array().unwrap() {
        let label = format!("{}:{}", text(&old["protocol"]), old["port"]);
        let new = &listeners[label.as_str()];
        let mut expected = old.as_object().unwrap().clone();
        expected.remove("protocol");
        expected.remove("port");
        assert_eq!(
            new,
            &Value::Object(expected),
            "{label}: only port and protocol gone"
        );
    }
    let https = &listeners["HTTPS:443"];
    assert_eq!(
        https["certificate_ids"],
        serde_json::json!(["1234-cn-hangzhou", "5678-cn-hangzhou"])
    );
    assert_eq!(
        https["acl"]["entries"],
        serde_json::json!(["10.0.0.0/8", "192.168.1.1"])
    );
    assert_eq!(listeners["HTTP:80"]["description"], "plain-http");
    assert_eq!(mock.state(), mock_before, "the upgrade wrote nothing");
    let plan = wd.plan(&["-var", &var]);
    assert_eq!(plan.code, 0, "plan after the upgrade:\n{}", plan.combined());
}

/// `alb_config.main`: HTTPS:443 with a certificate and an ACL, and (when `with_8080`) an
/// HTTP:8080 listener written above it.
fn hcl(endpoint: &str, with_8080: bool) -> String {
    let http = if with_8080 {
        "  listener \"HTTP:8080\" {\n    idle_timeout = 20\n  }\n"
    } else {
        ""
    };
    format!(
        r#"{provider}
resource "alb_config" "main" {{
  name   = "web"
  vpc_id = "vpc-1"
{TWO_ZONE_MAPPINGS}{http}  listener "HTTPS:443" {{
    certificate_ids = ["1234-cn-hangzhou"]
    acl {{
      type    = "White"
      entries = ["10.0.0.0/8", "192.168.0.1"]
    }}
  }}
}}
"#,
        provider = provider_block(endpoint)
    )
}

/// The planned change of `alb_config.main` (the only resource the plan changes, in place):
/// `before`, `after` and `after_unknown` of its `listener` map.
fn listener_change(json: &Value) -> (&Value, &Value, &Value) {
    let changes = json["resource_changes"]
        .as_array()
        .expect("resource_changes");
    let changed: Vec<&Value> = changes
        .iter()
        .filter(|c| c["change"]["actions"] != serde_json::json!(["no-op"]))
        .collect();
    assert_eq!(changed.len(), 1, "{changes:#?}");
    let change = &changed[0]["change"];
    assert_eq!(changed[0]["address"], "alb_config.main");
    assert_eq!(change["actions"], serde_json::json!(["update"]));
    (
        &change["before"]["listener"],
        &change["after"]["listener"],
        &change["after_unknown"]["listener"],
    )
}

fn labels(listeners: &Value) -> Vec<&str> {
    listeners
        .as_object()
        .unwrap_or_else(|| panic!("a listener map: {listeners:#}"))
        .keys()
        .map(String::as_str)
        .collect()
}

/// Whether any value inside an `after_unknown` tree is `true` (known only after apply).
fn any_unknown(after_unknown: &Value) -> bool {
    match after_unknown {
        Value::Bool(b) => *b,
        Value::Array(items) => items.iter().any(any_unknown),
        Value::Object(m) => m.values().any(any_unknown),
        _ => false,
    }
}

/// The human plan's listener block lines (`+ listener "…" {`, `- …`, `~ …`), spaces collapsed.
fn listener_lines(plan: &Output) -> Vec<String> {
    plan.stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| l.contains("listener \""))
        .collect()
}

#[test]
fn config_listener_added_or_removed_plans_exactly_that_listener() {
    let mock = mock(30);
    let wd = Workdir::new();
    wd.write_config(&hcl(&mock.endpoint(), false));
    wd.apply(&[]).assert_success("create with HTTPS:443");
    let https_id = resource_values(&wd)["listener"]["HTTPS:443"]["id"].clone();
    assert!(https_id.is_string(), "{https_id}");

    // HTTP:8080 written above HTTPS:443: one added listener, 443 unchanged and known.
    wd.write_config(&hcl(&mock.endpoint(), true));
    let (plan, json) = planned_changes(&wd, &[]);
    let (before, after, unknown) = listener_change(&json);
    assert_eq!(labels(before), ["HTTPS:443"]);
    assert_eq!(labels(after), ["HTTP:8080", "HTTPS:443"]);
    assert_eq!(after["HTTPS:443"], before["HTTPS:443"], "443 unchanged");
    assert!(
        !any_unknown(&unknown["HTTPS:443"]),
        "443 all known: {unknown:#}"
    );
    assert_eq!(unknown["HTTP:8080"]["id"], true, "{unknown:#}");
    assert_eq!(after["HTTP:8080"]["idle_timeout"], 20);
    assert_eq!(
        listener_lines(&plan),
        ["+ listener \"HTTP:8080\" {"],
        "{}",
        plan.stdout
    );
    wd.run(&["apply", "-no-color", "-input=false", "tfplan"])
        .assert_success("apply the added listener");
    let values = resource_values(&wd);
    assert_eq!(values["listener"]["HTTPS:443"]["id"], https_id);
    let state = mock.state();
    assert_eq!(mock_listener(&state, 443)["ListenerId"], https_id);
    assert_eq!(mock_listener(&state, 8080)["IdleTimeout"], 20);
    wd.assert_plan_empty();

    // HTTP:8080 removed again: one removed listener, 443 unchanged.
    wd.write_config(&hcl(&mock.endpoint(), false));
    let (plan, json) = planned_changes(&wd, &[]);
    let (before, after, unknown) = listener_change(&json);
    assert_eq!(labels(before), ["HTTP:8080", "HTTPS:443"]);
    assert_eq!(labels(after), ["HTTPS:443"]);
    assert_eq!(after["HTTPS:443"], before["HTTPS:443"], "443 unchanged");
    assert!(!any_unknown(&unknown["HTTPS:443"]), "{unknown:#}");
    assert_eq!(
        listener_lines(&plan),
        ["- listener \"HTTP:8080\" {"],
        "{}",
        plan.stdout
    );
    wd.run(&["apply", "-no-color", "-input=false", "tfplan"])
        .assert_success("apply the removed listener");
    let state = mock.state();
    let ports: Vec<&Value> = list(&state, "Listeners")
        .iter()
        .map(|l| &l["ListenerPort"])
        .collect();
    assert_eq!(ports, [443], "{state:#}");
    assert_eq!(mock_listener(&state, 443)["ListenerId"], https_id);
    assert_eq!(
        resource_values(&wd)["listener"]["HTTPS:443"]["acl"]["entries"],
        serde_json::json!(["10.0.0.0/8", "192.168.0.1"])
    );
    wd.assert_plan_empty();
}

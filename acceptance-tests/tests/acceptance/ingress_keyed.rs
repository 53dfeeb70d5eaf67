//! `alb_ingress.rules` and `server_groups` as maps keyed by identity, with real Terraform: a
//! state written by release 0.1.0 (lists, schema version 0) is upgraded with an empty plan, a
//! rule whose only drift is its priority plans as exactly one changed entry with the same id, and
//! a console copy of a rule (with its tags) shows as its own entry that apply deletes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use acceptance_tests::harness::{Output, Workdir};
use acceptance_tests::mock::{MockConfig, MockServer};
use alb_api::common::Tag;
use alb_api::rule::{
    CreateRuleRequest, FixedResponseConfig, RuleAction, RuleCondition, UpdateRuleAttributeRequest,
};
use serde_json::Value;

use crate::config_keyed::listener_ids_of_list;
use crate::ingress_lifecycle::{block_on, client, mock_with, resource_values, settle};

/// The ingress state fixture: `main.tf`, the `terraform.tfstate` release 0.1.0 wrote applying
/// it (`applied.tf`, the same configuration in the HCL of that release), and the mock's state
/// file of that apply (see `tests/fixtures/regenerate.sh`).
const FIXTURE: &str = "ingress-state-v0";

/// File `name` of state fixture `fixture` (a directory of `tests/fixtures`).
fn fixture(fixture: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture)
        .join(name)
}

/// Copies file `name` of state fixture `fixture` into `dir`.
pub(crate) fn copy_fixture(fixture_dir: &str, name: &str, dir: &Path) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(fixture(fixture_dir, name), &to).unwrap_or_else(|e| panic!("copy {name}: {e}"));
    to
}

/// A working directory with the configuration and Terraform state of state fixture `fixture`,
/// and a mock started on the fixture's mock state; also the state file's path.
pub(crate) fn fixture_workdir(fixture: &str) -> (Workdir, MockServer, PathBuf) {
    let wd = Workdir::new();
    let mock = MockServer::start(MockConfig {
        state_file: Some(copy_fixture(fixture, "mock-state.json", wd.path())),
        async_delay_ms: 30,
        ..MockConfig::default()
    })
    .expect("start mock on the fixture's state");
    copy_fixture(fixture, "main.tf", wd.path());
    let tfstate = copy_fixture(fixture, "terraform.tfstate", wd.path());
    (wd, mock, tfstate)
}

/// `-var endpoint=…` for a fixture's configuration.
pub(crate) fn endpoint_var(mock: &MockServer) -> String {
    format!("endpoint={}", mock.endpoint())
}

/// The instance of resource `<kind>.<name>` in a raw `terraform.tfstate`.
pub(crate) fn raw_instance<'a>(tfstate: &'a Value, kind: &str, name: &str) -> &'a Value {
    tfstate["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["type"] == kind && r["name"] == name))
        .map(|r| &r["instances"][0])
        .unwrap_or_else(|| panic!("{kind}.{name} in {tfstate:#}"))
}

/// Plans a fixture's configuration (`-var` `var`) without and with a refresh, asserting both
/// plans are empty (the stored state upgraded in memory), then stores the upgraded state with a
/// refresh-only apply.
pub(crate) fn upgrade_with_empty_plans(wd: &Workdir, var: &str) {
    for extra in [&["-refresh=false", "-var", var][..], &["-var", var][..]] {
        let plan = wd.plan(extra);
        assert_eq!(plan.code, 0, "plan {extra:?}:\n{}", plan.combined());
    }
    wd.apply(&["-refresh-only", "-var", var])
        .assert_success("refresh-only apply");
}

/// A `terraform.tfstate` file, parsed.
pub(crate) fn read_tfstate(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read terraform.tfstate")).expect("JSON")
}

/// `key → id` of a version 0 list (`[{key, id, …}]`).
fn ids_of_list(list: &Value) -> BTreeMap<String, String> {
    list.as_array()
        .expect("a version 0 list")
        .iter()
        .map(|e| (text(&e["key"]), text(&e["id"])))
        .collect()
}

/// `key → id` of a keyed map (`{key: {id, …}}`).
pub(crate) fn ids_of_map(map: &Value) -> BTreeMap<String, String> {
    map.as_object()
        .unwrap_or_else(|| panic!("a map: {map:#}"))
        .iter()
        .map(|(k, e)| (k.clone(), text(&e["id"])))
        .collect()
}

/// A plan with changes saved to `tfplan` (`extra` arguments added): its human output and
/// `terraform show -json tfplan`.
pub(crate) fn planned_changes(wd: &Workdir, extra: &[&str]) -> (Output, Value) {
    let mut args = vec!["-out", "tfplan"];
    args.extend_from_slice(extra);
    let plan = wd.plan(&args);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    let show = wd.run(&["show", "-json", "tfplan"]);
    show.assert_success("show -json tfplan");
    let json = serde_json::from_str(&show.stdout).expect("plan JSON");
    (plan, json)
}

pub(crate) fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

#[test]
fn ingress_state_of_release_0_1_upgrades_to_maps_with_an_empty_plan() {
    let (wd, mock, tfstate) = fixture_workdir(FIXTURE);
    let before = read_tfstate(&tfstate);
    let var = endpoint_var(&mock);
    let instance = |state, name| raw_instance(state, "alb_ingress", name);
    for name in ["shop", "blog"] {
        assert_eq!(instance(&before, name)["schema_version"], 0);
    }
    let rules_before = ids_of_list(&instance(&before, "shop")["attributes"]["rules"]);
    assert_eq!(rules_before.len(), 7, "{rules_before:?}");
    let mock_before = mock.state();

    upgrade_with_empty_plans(&wd, &var);

    // The stored state is version 1 with maps, the same objects under the same keys.
    let after = read_tfstate(&tfstate);
    // Its alb_config, of schema version 0 (listeners as a list), has them by label now.
    let config = |state| raw_instance(state, "alb_config", "main");
    assert_eq!(config(&before)["schema_version"], 0);
    assert_eq!(config(&after)["schema_version"], 2);
    assert_eq!(
        ids_of_map(&config(&after)["attributes"]["listener"]),
        listener_ids_of_list(&config(&before)["attributes"]["listener"]),
        "the same listeners under their labels"
    );
    for name in ["shop", "blog"] {
        let old = &instance(&before, name)["attributes"];
        let new = &instance(&after, name)["schema_version"];
        assert_eq!(new, 2, "alb_ingress.{name} upgraded");
        let attributes = &instance(&after, name)["attributes"];
        // Release 0.1 read an unset order as 10; the upgrade records it (blog sets 20).
        let order = if name == "blog" { 20 } else { 10 };
        assert_eq!(attributes["order"], order, "alb_ingress.{name}.order");
        for attr in ["rules", "server_groups"] {
            let (got, was) = (ids_of_map(&attributes[attr]), ids_of_list(&old[attr]));
            if attr == "rules" {
                // Rule keys of release 0.1 hold a path's position; they come back as today's
                // content keys (`path=Prefix:/api`), the same rules under them.
                let ids = |m: &BTreeMap<String, String>| {
                    m.values()
                        .cloned()
                        .collect::<std::collections::BTreeSet<_>>()
                };
                assert_eq!(ids(&got), ids(&was), "alb_ingress.{name}.rules: same ids");
                assert!(
                    got.keys().all(|k| !k.contains('#')),
                    "alb_ingress.{name}.rules: content keys {got:?}"
                );
            } else {
                assert_eq!(got, was, "alb_ingress.{name}.{attr}: same keys and ids");
            }
            for entry in attributes[attr].as_object().unwrap().values() {
                assert!(entry.get("key").is_none(), "{entry:#}");
            }
        }
    }
    let shop = resource_values(&wd, "alb_ingress.shop");
    let groups = shop["server_groups"]
        .as_object()
        .expect("server_groups map");
    assert_eq!(
        groups.keys().map(String::as_str).collect::<Vec<_>>(),
        ["api-next:80", "api-v2:http", "api:80", "web:80"]
    );
    assert_eq!(groups["api-v2:http"]["port"], "http");
    assert_eq!(mock.state(), mock_before, "the upgrade wrote nothing");
    let plan = wd.plan(&["-var", &var]);
    assert_eq!(plan.code, 0, "plan after the upgrade:\n{}", plan.combined());
}

#[test]
fn ingress_priority_drift_and_a_console_copy_plan_as_single_rule_entries() {
    let mock = mock_with(30, 21);
    let wd = Workdir::new();
    copy_fixture(FIXTURE, "main.tf", wd.path());
    let var = endpoint_var(&mock);
    wd.apply(&["-var", &var]).assert_success("create");
    let rules = resource_values(&wd, "alb_ingress.shop")["rules"].clone();
    let rules = rules.as_object().expect("rules map");
    // The drifting rule: the first one on HTTPS:443, moved on the console behind the last one.
    // Sorted by priority, as the list of release 0.1.0 was, every rule of the listener shifts
    // (243 plan lines, 42 of them `+`/`-`, measured with 0.1.0); keyed, one entry changes.
    let https: Vec<(&String, &Value)> = rules
        .iter()
        .filter(|(_, r)| r["listener"] == "HTTPS:443")
        .collect();
    let priority_of = |r: &Value| r["priority"].as_i64().expect("priority");
    let (key, rule) = *https
        .iter()
        .min_by_key(|(_, r)| priority_of(r))
        .expect("an HTTPS rule");
    let last = https.iter().map(|(_, r)| priority_of(r)).max().unwrap();
    let (id, priority) = (text(&rule["id"]), priority_of(rule));
    let moved = last + 40;
    assert!(https.len() >= 3, "{rules:#?}");
    assert!(rules.values().all(|r| r["priority"] != moved));
    block_on(async {
        client(&mock)
            .update_rule_attribute(
                &UpdateRuleAttributeRequest {
                    rule_id: id.clone(),
                    priority: Some(moved),
                    ..Default::default()
                },
                None,
            )
            .await
            .expect("console priority change")
    });
    settle(&mock);

    let (plan, json) = planned_changes(&wd, &["-var", &var]);
    let changes = json["resource_changes"]
        .as_array()
        .expect("resource_changes");
    let changed: Vec<&str> = changes
        .iter()
        .filter(|c| c["change"]["actions"] != serde_json::json!(["no-op"]))
        .filter_map(|c| c["address"].as_str())
        .collect();
    assert_eq!(
        changed,
        ["alb_ingress.shop"],
        "{:#}",
        json["resource_changes"]
    );
    let change = &changes
        .iter()
        .find(|c| c["address"] == "alb_ingress.shop")
        .unwrap()["change"];
    assert_eq!(change["actions"], serde_json::json!(["update"]));
    let (before, after) = (&change["before"]["rules"], &change["after"]["rules"]);
    let keys =
        |m: &Value| -> BTreeSet<String> { m.as_object().expect("a map").keys().cloned().collect() };
    assert_eq!(keys(before), keys(after), "no rule added or removed");
    let differing: Vec<&String> = before
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, v)| after[k.as_str()] != **v)
        .map(|(k, _)| k)
        .collect();
    assert_eq!(differing, [key], "exactly the drifted rule changes");
    assert_eq!(before[key]["id"], id.as_str());
    assert_eq!(
        after[key]["id"],
        id.as_str(),
        "the same rule, not a new one"
    );
    assert_eq!(before[key]["priority"], moved);
    assert_eq!(after[key]["priority"], priority);
    assert_eq!(
        change["before"]["server_groups"], change["after"]["server_groups"],
        "groups unchanged"
    );

    // The human plan: one changed entry, no added or removed ones (lines with their alignment
    // collapsed to single spaces).
    let human = &plan.stdout;
    let lines: Vec<String> = human
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let entry_lines: Vec<&String> = lines
        .iter()
        .filter(|l| l.ends_with("= {") && l.contains('"'))
        .collect();
    assert_eq!(
        entry_lines,
        [&format!("~ \"{key}\" = {{")],
        "one changed map entry:\n{human}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("+ \"") || l.starts_with("- \"")),
        "{human}"
    );
    assert!(
        lines.contains(&format!("~ priority = {moved} -> {priority}")),
        "{human}"
    );

    wd.apply(&["-var", &var]).assert_success("revert the drift");
    let values = resource_values(&wd, "alb_ingress.shop");
    assert_eq!(values["rules"][key.as_str()]["id"], id.as_str());
    assert_eq!(values["rules"][key.as_str()]["priority"], priority);
    let plan = wd.plan(&["-var", &var]);
    assert_eq!(plan.code, 0, "{}", plan.combined());

    // A console copy of that rule with all its tags, in front of it: two objects with one key.
    // The copy comes first by priority, so it is listed under the key and the original under
    // `<key> (<id>)`; the plan keeps the original (at the planned priority) and removes the copy.
    let original = mock.state()["Rules"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["RuleId"] == id.as_str()))
        .cloned()
        .expect("the rule in the mock");
    let tags: Vec<Tag> = original["Tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| Tag::new(text(&t["Key"]), text(&t["Value"])))
        .collect();
    let copy = block_on(async {
        client(&mock)
            .create_rule(
                &CreateRuleRequest {
                    listener_id: text(&original["ListenerId"]),
                    rule_name: "console-copy".into(),
                    priority: priority - 40,
                    rule_conditions: vec![RuleCondition::path(["/*"])],
                    rule_actions: vec![RuleAction::fixed_response(
                        1,
                        FixedResponseConfig {
                            http_code: Some("503".into()),
                            content: None,
                            content_type: None,
                        },
                    )],
                    tag: tags,
                    ..Default::default()
                },
                None,
            )
            .await
            .expect("console copy")
            .rule_id
    });
    settle(&mock);
    let (plan, json) = planned_changes(&wd, &["-var", &var]);
    let change = &json["resource_changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["address"] == "alb_ingress.shop"))
        .expect("alb_ingress.shop change")["change"];
    let (before, after) = (&change["before"]["rules"], &change["after"]["rules"]);
    let listed_original = format!("{key} ({id})");
    assert_eq!(before[key]["id"], copy.as_str(), "{before:#}");
    assert_eq!(before[listed_original.as_str()]["id"], id.as_str());
    assert_eq!(after[key]["id"], id.as_str(), "the original is kept");
    assert_eq!(
        keys(before).difference(&keys(after)).collect::<Vec<_>>(),
        [&listed_original]
    );
    let removed = format!("- \"{listed_original}\" = {{");
    assert!(
        plan.stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") == removed),
        "{}",
        plan.stdout
    );
    wd.run(&["apply", "-no-color", "-input=false", "tfplan"])
        .assert_success("apply the plan that deletes the copy");
    let rules = mock.state()["Rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        rules.iter().all(|r| r["RuleId"] != copy.as_str()),
        "copy deleted"
    );
    assert!(rules
        .iter()
        .any(|r| r["RuleId"] == id.as_str() && r["Priority"] == priority));
    let values = resource_values(&wd, "alb_ingress.shop");
    assert_eq!(values["rules"][key.as_str()]["id"], id.as_str());
    assert!(values["rules"].get(&listed_original).is_none());
    let plan = wd.plan(&["-var", &var]);
    assert_eq!(plan.code, 0, "{}", plan.combined());
}

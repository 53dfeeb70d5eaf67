//! Listener ACLs of `alb_config` through real Terraform against the mock: a managed `entries`
//! ACL and a bound foreign ACL, empty plans, entry changes in place, console drift reverted,
//! type change, removal, import and destroy — foreign ACLs never changed or deleted.

use acceptance_tests::harness::hcl::MOCK_SECRET_KEY;
use acceptance_tests::harness::Workdir;
use acceptance_tests::mock::MockServer;
use alb_api::acl::{AclEntryInput, AddEntriesToAclRequest, CreateAclRequest};
use alb_api::WaitOptions;
use serde_json::Value;

use crate::config_lifecycle::{
    self, block_on, client, list, mock, mock_listener, owned, resource_values, tag, Cfg,
};

/// An `acl` block with entries.
fn entries(kind: &str, cidrs: &[&str]) -> String {
    acl_block(kind, "entries", cidrs)
}

/// An `acl` block binding existing ACLs.
fn ids(kind: &str, acl_ids: &[&str]) -> String {
    acl_block(kind, "acl_ids", acl_ids)
}

fn acl_block(kind: &str, attribute: &str, values: &[&str]) -> String {
    let list: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    format!(
        "acl {{\n      type = \"{kind}\"\n      {attribute} = [{}]\n    }}",
        list.join(", ")
    )
}

/// Config `web` (as in the lifecycle tests) with the given `acl` blocks (or nothing) on
/// HTTP:80 and HTTPS:443.
fn hcl(endpoint: &str, http_acl: &str, https_acl: &str) -> String {
    config_lifecycle::hcl(
        endpoint,
        &Cfg {
            http_extra: http_acl.to_owned(),
            https_extra: https_acl.to_owned(),
            ..Cfg::default()
        },
    )
}

/// Creates an ACL outside Terraform (no tags) and waits until it is available.
fn foreign_acl(mock: &MockServer) -> String {
    let api = client(mock, MOCK_SECRET_KEY);
    block_on(async {
        let created = api
            .create_acl(
                &CreateAclRequest {
                    acl_name: "office".into(),
                    ..Default::default()
                },
                None,
            )
            .await
            .expect("create foreign ACL");
        api.wait_for_job(created.job_id.as_deref(), &WaitOptions::default())
            .await
            .expect("foreign ACL ready");
        created.acl_id
    })
}

/// The mock's ACLs as (id, owned by config `web`, sorted entries).
fn mock_acls(mock: &MockServer) -> Vec<(String, bool, Vec<String>)> {
    let state = mock.state();
    list(&state, "Acls")
        .iter()
        .map(|a| {
            let mut entries: Vec<String> = a["AclEntries"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["Entry"].as_str().map(str::to_owned))
                .collect();
            entries.sort();
            let id = a["AclId"].as_str().unwrap_or_default().to_owned();
            (id, owned(a), entries)
        })
        .collect()
}

/// The managed ACL of the mock (exactly one expected): id and entries.
fn managed_acl(mock: &MockServer) -> (String, Vec<String>) {
    let mine: Vec<_> = mock_acls(mock).into_iter().filter(|a| a.1).collect();
    assert_eq!(mine.len(), 1, "owned ACLs: {mine:?}");
    let state = mock.state();
    let acl = list(&state, "Acls")
        .iter()
        .find(|a| a["AclId"] == mine[0].0.as_str())
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(tag(&acl, "alb.terraform/resource"), Some("acl"));
    assert_eq!(tag(&acl, "alb.terraform/key"), Some("acl:HTTP:80"));
    assert_eq!(acl["AclName"], "acl-web-80");
    (mine[0].0.clone(), mine[0].2.clone())
}

/// `(AclType, bound ACL ids)` of the mock's listener on `port`.
fn bound(mock: &MockServer, port: i64) -> (Option<String>, Vec<String>) {
    let state = mock.state();
    let config = &mock_listener(&state, port)["AclConfig"];
    let ids = config["AclRelations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["AclId"].as_str().map(str::to_owned))
        .collect();
    (config["AclType"].as_str().map(str::to_owned), ids)
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn config_acls_apply_converge_follow_changes_revert_drift_and_clean_up() {
    let mock = mock(30);
    let foreign = foreign_acl(&mock);
    let wd = Workdir::new();
    let black_foreign = ids("Black", &[&foreign]);
    let write = |http_acl: &str, https_acl: &str| {
        wd.write_config(&hcl(&mock.endpoint(), http_acl, https_acl));
    };

    // Create: a managed White ACL on 80, the foreign ACL bound as Black on 443.
    write(
        &entries("White", &["192.168.0.1", "10.0.0.0/8"]),
        &black_foreign,
    );
    wd.apply(&[]).assert_success("create");
    let (managed, got) = managed_acl(&mock);
    assert_eq!(got, ["10.0.0.0/8", "192.168.0.1"]);
    assert_eq!(mock_acls(&mock).len(), 2, "the managed and the foreign ACL");
    assert_eq!(
        bound(&mock, 80),
        (Some("White".into()), vec![managed.clone()])
    );
    assert_eq!(
        bound(&mock, 443),
        (Some("Black".into()), vec![foreign.clone()])
    );
    let values = resource_values(&wd);
    assert_eq!(
        values["listener"]["HTTP:80"]["acl"]["entries"],
        serde_json::json!(["192.168.0.1", "10.0.0.0/8"]),
        "configuration order kept"
    );
    wd.assert_plan_empty();

    // Entries change in place on the same ACL; the listener keeps its id.
    let listener_id = values["listener"]["HTTP:80"]["id"].clone();
    write(
        &entries("White", &["10.0.0.0/8", "172.16.0.0/12"]),
        &black_foreign,
    );
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    wd.apply(&[]).assert_success("change entries");
    assert_eq!(
        managed_acl(&mock),
        (managed.clone(), strings(&["10.0.0.0/8", "172.16.0.0/12"]))
    );
    assert_eq!(
        resource_values(&wd)["listener"]["HTTP:80"]["id"],
        listener_id
    );
    wd.assert_plan_empty();

    // Console drift: an entry added to the managed ACL shows in the plan and is reverted.
    let api = client(&mock, MOCK_SECRET_KEY);
    block_on(async {
        let job = api
            .add_entries_to_acl(
                &AddEntriesToAclRequest {
                    acl_id: managed.clone(),
                    acl_entries: vec![AclEntryInput::new("9.9.9.9")],
                },
                None,
            )
            .await
            .expect("console edit")
            .job_id;
        api.wait_for_job(job.as_deref(), &WaitOptions::default())
            .await
            .expect("console edit done");
    });
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 2, "drift not planned:\n{}", plan.combined());
    assert!(plan.stdout.contains("9.9.9.9"), "{}", plan.stdout);
    wd.apply(&[]).assert_success("revert drift");
    assert_eq!(managed_acl(&mock).1, ["10.0.0.0/8", "172.16.0.0/12"]);
    wd.assert_plan_empty();

    // Type change: the same ACL, bound as Black.
    write(
        &entries("Black", &["10.0.0.0/8", "172.16.0.0/12"]),
        &black_foreign,
    );
    wd.apply(&[]).assert_success("type change");
    assert_eq!(
        bound(&mock, 80),
        (Some("Black".into()), vec![managed.clone()])
    );
    assert_eq!(managed_acl(&mock).0, managed);
    wd.assert_plan_empty();

    // No acl blocks: both unbound, the managed ACL deleted, the foreign one untouched.
    write("", "");
    wd.apply(&[]).assert_success("remove acl blocks");
    assert_eq!(bound(&mock, 80).1, Vec::<String>::new());
    assert_eq!(bound(&mock, 443).1, Vec::<String>::new());
    assert_eq!(mock_acls(&mock), vec![(foreign.clone(), false, vec![])]);
    wd.assert_plan_empty();

    // Destroy removes the managed ACL again, never the foreign one.
    write(&entries("White", &["10.0.0.0/8"]), &black_foreign);
    wd.apply(&[]).assert_success("re-add");
    assert_eq!(mock_acls(&mock).len(), 2);
    wd.destroy().assert_success("destroy");
    assert_eq!(mock_acls(&mock), vec![(foreign, false, vec![])]);
}

#[test]
fn config_acls_import_into_a_fresh_workdir_plans_nothing() {
    let mock = mock(30);
    let foreign = foreign_acl(&mock);
    // Import reads entries sorted; a configuration in that order plans nothing.
    let config = hcl(
        &mock.endpoint(),
        &entries("White", &["10.0.0.0/8", "192.168.0.1"]),
        &ids("Black", &[&foreign]),
    );
    let wd = Workdir::new();
    wd.write_config(&config);
    wd.apply(&[]).assert_success("create");
    let values = resource_values(&wd);
    let lb_id = values["id"].as_str().expect("id").to_owned();

    let fresh = Workdir::new();
    fresh.write_config(&config);
    fresh
        .import("alb_config.main", &lb_id)
        .assert_success("import");
    let imported = resource_values(&fresh);
    assert_eq!(
        imported["listener"]["HTTP:80"]["acl"]["entries"],
        serde_json::json!(["10.0.0.0/8", "192.168.0.1"])
    );
    assert_eq!(
        imported["listener"]["HTTPS:443"]["acl"]["acl_ids"],
        serde_json::json!([foreign])
    );
    assert_eq!(imported["listener"]["HTTPS:443"]["acl"]["type"], "Black");
    fresh.assert_plan_empty();
}

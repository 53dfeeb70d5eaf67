//! `reconcile` against the mock over real HTTP: the alb_config lifecycle (create, converge,
//! update in place, listener removal, deletion protection, delete) and listener ACLs.

use std::collections::BTreeMap;
use std::time::Duration;

use acceptance_tests::mock::{Faults, MockConfig, MockServer};
use alb_api::acl::CreateAclRequest;
use alb_api::{Client, ClientConfig, Credentials, RetryPolicy, WaitOptions};
use model::diff::ActualLoadBalancer;
use model::spec::ConfigSpec;
use model::{expand_config, plan_config_ops, Op};
use reconcile::{ReconcileError, Reconciler};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

const CLUSTER: &str = "c-reconcile";
const CONFIG: &str = "web-alb";

fn reconciler(server: &MockServer) -> Reconciler {
    let config = ClientConfig::new(
        "cn-hangzhou",
        Credentials::new("mock-access-key", "mock-secret-key"),
    )
    .with_endpoint(server.endpoint())
    .with_retry(RetryPolicy {
        initial: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        max_elapsed: Duration::from_secs(60),
        max_attempts: 60,
        ..RetryPolicy::default()
    });
    let client = Client::new(config).expect("client");
    Reconciler::new(client, CLUSTER).with_wait_options(WaitOptions {
        timeout: Duration::from_secs(60),
        initial_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(200),
        ..WaitOptions::default()
    })
}

fn spec(listeners: Value, extra: Value) -> ConfigSpec {
    let mut v = json!({
        "name": CONFIG,
        "vpc_id": "vpc-123",
        "zone_mapping": [
            {"zone_id": "cn-hangzhou-h", "vswitch_id": "vsw-h"},
            {"zone_id": "cn-hangzhou-i", "vswitch_id": "vsw-i"}
        ],
        "listener": listeners
    });
    if let (Some(map), Some(more)) = (v.as_object_mut(), extra.as_object()) {
        map.extend(more.clone());
    }
    serde_json::from_value(v).expect("config spec")
}

fn names(ops: &[Op]) -> Vec<&'static str> {
    ops.iter().map(|o| o.kind.name()).collect()
}

async fn observe(r: &Reconciler, lb_id: &str) -> ActualLoadBalancer {
    r.observe_config(lb_id, CONFIG)
        .await
        .expect("observe")
        .expect("load balancer exists")
}

/// Objects in the mock whose tags say this cluster owns them.
fn owned(server: &MockServer, list: &str) -> usize {
    server.state()[list]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|o| {
                    o["Tags"].as_array().is_some_and(|tags| {
                        tags.iter()
                            .any(|t| t["Key"] == "alb.terraform/cluster" && t["Value"] == CLUSTER)
                    })
                })
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn config_lifecycle_converges_updates_in_place_and_deletes() {
    let server = MockServer::start(MockConfig::default().async_delay_ms(50)).expect("mock");
    let r = reconciler(&server);
    let cancel = CancellationToken::new();
    let listeners = json!([
        {"port": 80, "protocol": "HTTP"},
        {"port": 443, "protocol": "HTTPS", "certificate_ids": ["cert-1", "cert-2"]}
    ]);

    // Create from nothing.
    let desired =
        expand_config(&spec(listeners.clone(), json!({"tags": {"team": "web"}}))).expect("expand");
    let ops = plan_config_ops(&desired, None, CLUSTER);
    assert_eq!(
        names(&ops),
        [
            "CreateLoadBalancer",
            "CreatePlaceholderGroup",
            "CreateListener",
            "CreatePlaceholderGroup",
            "CreateListener"
        ]
    );
    let report = r.execute(None, &ops, &cancel).await.expect("create");
    let lb_id = report.created_load_balancer.clone().expect("lb created");
    assert_eq!(report.ops_done, 5);
    assert_eq!(report.listeners.len(), 2);
    assert_eq!(report.server_groups.len(), 2);
    println!(
        "create: {} calls ({} mutating)",
        report.calls, report.mutating_calls
    );
    let found = r.find_config(CONFIG).await.expect("find");
    let ids: Vec<&str> = found.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, [lb_id.as_str()]);
    assert!(
        !found[0].in_creation,
        "a plain execute sets no creation mark"
    );
    assert!(r.find_config("other").await.expect("find").is_empty());

    // Converged: the second certificate came back as an additional one, in order.
    let actual = observe(&r, &lb_id).await;
    let https = actual
        .listeners
        .iter()
        .find(|l| l.key.port == 443)
        .expect("https listener");
    assert_eq!(https.attributes.certificate_ids, ["cert-1", "cert-2"]);
    let again = plan_config_ops(&desired, Some(&actual), CLUSTER);
    assert!(again.is_empty(), "not converged: {again:#?}");

    // Update in place: listener attributes, certificates, tags, access log.
    let changed = json!([
        {"port": 80, "protocol": "HTTP", "idle_timeout": 30, "gzip": false},
        {"port": 443, "protocol": "HTTPS", "certificate_ids": ["cert-1", "cert-3"],
         "x_forwarded_for": {"proto": true}}
    ]);
    let desired = expand_config(&spec(
        changed,
        json!({"tags": {"team": "shop", "env": "prod"},
               "access_log": {"project": "p", "logstore": "s"}}),
    ))
    .expect("expand");
    let ops = plan_config_ops(&desired, Some(&actual), CLUSTER);
    assert_eq!(
        names(&ops),
        ["UpdateLoadBalancer", "UpdateListener", "UpdateListener"]
    );
    let ids_before: Vec<String> = actual.listeners.iter().map(|l| l.id.clone()).collect();
    let report = r
        .execute(Some(&lb_id), &ops, &cancel)
        .await
        .expect("update");
    println!(
        "update: {} calls ({} mutating)",
        report.calls, report.mutating_calls
    );
    let actual = observe(&r, &lb_id).await;
    let ids_after: Vec<String> = actual.listeners.iter().map(|l| l.id.clone()).collect();
    assert_eq!(ids_before, ids_after, "listeners updated in place");
    assert_eq!(
        actual.access_log.as_ref().map(|a| a.project.as_str()),
        Some("p")
    );
    assert_eq!(actual.tags.get("team").map(String::as_str), Some("shop"));
    assert!(
        actual.tags.contains_key("alb.terraform/config"),
        "ownership kept"
    );
    let again = plan_config_ops(&desired, Some(&actual), CLUSTER);
    assert!(again.is_empty(), "not converged after update: {again:#?}");

    // Remove the HTTPS listener: the listener and its placeholder group go.
    let desired = expand_config(&spec(
        json!([{"port": 80, "protocol": "HTTP", "idle_timeout": 30, "gzip": false}]),
        json!({"tags": {"team": "shop", "env": "prod"},
               "access_log": {"project": "p", "logstore": "s"}, "deletion_protection": true}),
    ))
    .expect("expand");
    let ops = plan_config_ops(&desired, Some(&actual), CLUSTER);
    assert_eq!(
        names(&ops),
        ["UpdateLoadBalancer", "DeleteListener", "DeleteServerGroup"]
    );
    r.execute(Some(&lb_id), &ops, &cancel)
        .await
        .expect("shrink");
    let actual = observe(&r, &lb_id).await;
    assert_eq!(actual.listeners.len(), 1);
    assert_eq!(actual.placeholders.len(), 1);
    assert!(actual.deletion_protection);
    assert!(plan_config_ops(&desired, Some(&actual), CLUSTER).is_empty());

    // Deletion protection refuses the delete, without a call.
    let failure = r
        .delete_config(&actual, &cancel)
        .await
        .expect_err("protected");
    assert!(
        matches!(failure.error, ReconcileError::DeletionProtected { .. }),
        "{failure}"
    );
    assert_eq!(failure.report.mutating_calls, 0);

    // Turn it off, then delete everything.
    let desired = expand_config(&spec(
        json!([{"port": 80, "protocol": "HTTP", "idle_timeout": 30, "gzip": false}]),
        json!({"tags": {"team": "shop", "env": "prod"},
               "access_log": {"project": "p", "logstore": "s"}}),
    ))
    .expect("expand");
    let ops = plan_config_ops(&desired, Some(&actual), CLUSTER);
    r.execute(Some(&lb_id), &ops, &cancel)
        .await
        .expect("unprotect");
    let actual = observe(&r, &lb_id).await;
    let report = r.delete_config(&actual, &cancel).await.expect("delete");
    // The minimum: the load balancer (its listener goes with it) and its placeholder group.
    assert_eq!(report.ops_done, 2, "load balancer, placeholder");
    assert_eq!(
        report.mutating_calls, 2,
        "DeleteLoadBalancer, DeleteServerGroup"
    );
    assert!(r
        .observe_config(&lb_id, CONFIG)
        .await
        .expect("observe")
        .is_none());
    assert!(r.find_config(CONFIG).await.expect("find").is_empty());
    for list in ["LoadBalancers", "Listeners", "ServerGroups", "Rules"] {
        assert_eq!(owned(&server, list), 0, "{list} left behind");
    }
    // Deleting again finds nothing to do.
    r.delete_config(&actual, &cancel)
        .await
        .expect("idempotent delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn cancellation_stops_before_the_next_op_and_reports_progress() {
    let server = MockServer::start(MockConfig::default().async_delay_ms(20)).expect("mock");
    let r = reconciler(&server);
    let desired =
        expand_config(&spec(json!([{"port": 80, "protocol": "HTTP"}]), json!({}))).expect("expand");
    let ops = plan_config_ops(&desired, None, CLUSTER);
    let cancel = CancellationToken::new();
    cancel.cancel();
    let failure = r.execute(None, &ops, &cancel).await.expect_err("cancelled");
    assert!(matches!(failure.error, ReconcileError::Cancelled));
    assert!(
        failure.op.starts_with("CreateLoadBalancer"),
        "{}",
        failure.op
    );
    assert_eq!(failure.report.ops_done, 0);
    assert_eq!(server.counters().total_calls, 0);
}

/// The mock's ACLs: id → (owned by this cluster, sorted entries).
fn acls_in_mock(server: &MockServer) -> BTreeMap<String, (bool, Vec<String>)> {
    let state = server.state();
    state["Acls"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|a| {
                    let owned = a["Tags"].as_array().is_some_and(|tags| {
                        tags.iter()
                            .any(|t| t["Key"] == "alb.terraform/cluster" && t["Value"] == CLUSTER)
                    });
                    let mut entries: Vec<String> = a["AclEntries"]
                        .as_array()
                        .map(|e| {
                            e.iter()
                                .filter_map(|x| x["Entry"].as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default();
                    entries.sort();
                    (
                        a["AclId"].as_str().unwrap_or("").to_owned(),
                        (owned, entries),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `(AclType, bound ids)` of the mock's listener on `port`.
fn bound_in_mock(server: &MockServer, port: i64) -> (Option<String>, Vec<String>) {
    let state = server.state();
    let l = state["Listeners"]
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l["ListenerPort"] == port).cloned())
        .unwrap_or(Value::Null);
    let ids = l["AclConfig"]["AclRelations"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|x| x["AclId"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    (l["AclConfig"]["AclType"].as_str().map(str::to_owned), ids)
}

/// Executes the plan of `listeners`, checks its op names and that it converged.
async fn converge(
    r: &Reconciler,
    lb_id: &str,
    listeners: Value,
    expected: &[&str],
) -> ActualLoadBalancer {
    let desired = expand_config(&spec(listeners, json!({}))).expect("expand");
    let actual = observe(r, lb_id).await;
    let ops = plan_config_ops(&desired, Some(&actual), CLUSTER);
    assert_eq!(names(&ops), expected);
    r.execute(Some(lb_id), &ops, &CancellationToken::new())
        .await
        .expect("execute");
    let after = observe(r, lb_id).await;
    let again = plan_config_ops(&desired, Some(&after), CLUSTER);
    assert!(again.is_empty(), "not converged: {:?}", names(&again));
    after
}

#[tokio::test(flavor = "multi_thread")]
async fn listener_acls_are_created_changed_rebound_and_deleted() {
    let server = MockServer::start(MockConfig::default().async_delay_ms(20)).expect("mock");
    let r = reconciler(&server);
    let cancel = CancellationToken::new();
    let wait = WaitOptions {
        timeout: Duration::from_secs(30),
        initial_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(200),
        ..WaitOptions::default()
    };
    // An ACL made outside the provider, bound by id.
    let foreign = r
        .client()
        .create_acl(
            &CreateAclRequest {
                acl_name: "office".into(),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("create foreign ACL");
    r.client()
        .wait_for_job(foreign.job_id.as_deref(), &wait)
        .await
        .expect("foreign ACL ready");
    let foreign = foreign.acl_id;
    let with = |kind: &str, entries: &[&str]| {
        json!([
            {"port": 80, "protocol": "HTTP", "acl": {"type": kind, "entries": entries}},
            {"port": 443, "protocol": "HTTPS", "certificate_ids": ["cert-1"],
             "acl": {"type": "Black", "acl_ids": [foreign]}}
        ])
    };

    let desired = expand_config(&spec(
        with("White", &["10.0.0.0/8", "192.168.0.1"]),
        json!({}),
    ))
    .expect("expand");
    let ops = plan_config_ops(&desired, None, CLUSTER);
    let report = r.execute(None, &ops, &cancel).await.expect("create");
    let lb_id = report.created_load_balancer.clone().expect("lb created");
    let managed = report.acls["acl:HTTP:80"].clone();
    let actual = observe(&r, &lb_id).await;
    assert!(plan_config_ops(&desired, Some(&actual), CLUSTER).is_empty());
    for l in &desired.listeners {
        let a = actual
            .listeners
            .iter()
            .find(|a| a.key == l.key)
            .expect("listener");
        assert_eq!(a.attributes.acl, l.attributes.acl, "{} reads back", l.key);
    }
    let acls = acls_in_mock(&server);
    assert_eq!(acls.len(), 2);
    assert_eq!(
        acls[&managed],
        (
            true,
            vec!["10.0.0.0/8".to_owned(), "192.168.0.1".to_owned()]
        )
    );
    assert_eq!(
        bound_in_mock(&server, 80),
        (Some("White".into()), vec![managed.clone()])
    );
    assert_eq!(
        bound_in_mock(&server, 443),
        (Some("Black".into()), vec![foreign.clone()])
    );

    // Entries change in place on the same ACL.
    converge(
        &r,
        &lb_id,
        with("White", &["192.168.0.1", "172.16.0.0/12"]),
        &["AddAclEntries", "RemoveAclEntries"],
    )
    .await;
    assert_eq!(
        acls_in_mock(&server)[&managed].1,
        ["172.16.0.0/12", "192.168.0.1"]
    );

    // Type change: unbound, then bound as Black.
    converge(
        &r,
        &lb_id,
        with("Black", &["192.168.0.1", "172.16.0.0/12"]),
        &["DissociateAcls", "AssociateAcls"],
    )
    .await;
    assert_eq!(
        bound_in_mock(&server, 80),
        (Some("Black".into()), vec![managed.clone()])
    );

    // No acl blocks: both unbound, the managed ACL deleted, the foreign one untouched.
    converge(
        &r,
        &lb_id,
        json!([
            {"port": 80, "protocol": "HTTP"},
            {"port": 443, "protocol": "HTTPS", "certificate_ids": ["cert-1"]}
        ]),
        &["DissociateAcls", "DissociateAcls", "DeleteAcl"],
    )
    .await;
    let acls = acls_in_mock(&server);
    assert_eq!(acls.keys().collect::<Vec<_>>(), [&foreign]);
    assert_eq!(bound_in_mock(&server, 80).1, Vec::<String>::new());

    // Deleting the config deletes its ACLs, not the foreign one.
    let actual = converge(
        &r,
        &lb_id,
        with("White", &["10.0.0.0/8"]),
        &[
            "CreateAcl",
            "AddAclEntries",
            "AssociateAcls",
            "AssociateAcls",
        ],
    )
    .await;
    assert_eq!(actual.acls.len(), 1);
    let report = r.delete_config(&actual, &cancel).await.expect("delete");
    println!("delete with ACLs: {} calls", report.calls);
    assert_eq!(acls_in_mock(&server).keys().collect::<Vec<_>>(), [&foreign]);
    assert_eq!(owned(&server, "Acls"), 0);
}

/// ACL creation, entry batches (45 entries → 3 calls), an entry change and deletion under
/// throttling, 5xx and dropped responses: converged each time, one ACL, no entry twice.
#[tokio::test(flavor = "multi_thread")]
async fn listener_acls_converge_under_faults_without_duplicates() {
    let server = MockServer::start(
        MockConfig::default().async_delay_ms(20).seed(7).faults(
            Faults::none()
                .throttle_rate(0.3)
                .error_rate(0.1)
                .drop_rate(0.1),
        ),
    )
    .expect("mock");
    let r = reconciler(&server);
    let cancel = CancellationToken::new();
    let entries = |from: usize| -> Vec<String> {
        let mut e: Vec<String> = (from..from + 45)
            .map(|i| format!("10.1.{i}.0/24"))
            .collect();
        e.sort();
        e
    };
    let listeners = |e: &[String]| json!([{"port": 80, "protocol": "HTTP", "acl": {"type": "White", "entries": e}}]);

    let desired = expand_config(&spec(listeners(&entries(0)), json!({}))).expect("expand");
    let ops = plan_config_ops(&desired, None, CLUSTER);
    let report = r
        .execute(None, &ops, &cancel)
        .await
        .expect("create under faults");
    let lb_id = report.created_load_balancer.clone().expect("lb created");
    let managed = report.acls["acl:HTTP:80"].clone();
    let actual = observe(&r, &lb_id).await;
    assert!(plan_config_ops(&desired, Some(&actual), CLUSTER).is_empty());
    let acls = acls_in_mock(&server);
    assert_eq!(acls.keys().collect::<Vec<_>>(), [&managed], "one ACL");
    assert_eq!(acls[&managed].1, entries(0));

    converge(
        &r,
        &lb_id,
        listeners(&entries(10)),
        &["AddAclEntries", "RemoveAclEntries"],
    )
    .await;
    assert_eq!(acls_in_mock(&server)[&managed].1, entries(10));

    let actual = observe(&r, &lb_id).await;
    r.delete_config(&actual, &cancel)
        .await
        .expect("delete under faults");
    assert_eq!(owned(&server, "Acls"), 0);

    let counters = server.counters();
    let metrics = r.client().metrics();
    println!(
        "ACLs under faults: {} calls to the mock ({} throttled, {} 5xx, {} dropped); {} logical calls in {} attempts",
        counters.total_calls,
        counters.faults.throttled,
        counters.faults.server_errors,
        counters.faults.dropped,
        metrics.total_calls(),
        metrics.total_attempts()
    );
    assert!(counters.faults.throttled > 0 && counters.faults.server_errors > 0);
    assert!(counters.faults.dropped > 0);
    assert!(
        metrics.total_attempts() > metrics.total_calls(),
        "retries happened"
    );
}

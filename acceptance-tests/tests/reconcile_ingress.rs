//! `reconcile` against the mock over real HTTP: the alb_ingress lifecycle (two listeners,
//! canary, members), in-place rule updates, removals, a foreign rule that is never touched,
//! convergence under injected faults, and re-runs after a crash.

mod reconcile_support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use acceptance_tests::mock::{Faults, MockConfig, MockServer};
use alb_api::common::Tag;
use alb_api::job::TagResourcesRequest;
use alb_api::listener::ListListenersRequest;
use alb_api::rule::{
    CreateRuleRequest, ForwardGroupConfig, ListRulesRequest, Rule, RuleAction, RuleCondition,
};
use alb_api::server_group::{CreateServerGroupRequest, HealthCheckConfig};
use alb_api::{RetryPolicy, WaitOptions};
use model::desired::{DesiredIngress, DesiredLoadBalancer, IngressId};
use model::diff::ActualIngress;
use model::ownership::{TAG_CREATING, TAG_KEY};
use model::priority::Held;
use model::spec::IngressSpec;
use model::{
    check_clashes, expand_ingress, plan_config_ops, plan_ingress_ops, ConfigListeners, Members, Op,
};
use reconcile::{CreationMarks, ExecReport, IngressReads, Reconciler};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

const CLUSTER: &str = "c-reconcile";
const CONFIG: &str = "web-alb";
/// Outside the bands of orders 10 and 20, first of the band of order 5.
const FOREIGN_PRIORITY: i64 = 41;

fn reconciler(server: &MockServer) -> Reconciler {
    let retry = RetryPolicy {
        initial: Duration::from_millis(10),
        max_delay: Duration::from_millis(200),
        max_elapsed: Duration::from_secs(90),
        max_attempts: 80,
        ..RetryPolicy::default()
    };
    let client = reconcile_support::mock_client(server, Duration::from_secs(5), retry);
    Reconciler::new(client, CLUSTER).with_wait_options(WaitOptions {
        timeout: Duration::from_secs(60),
        initial_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(200),
        ..WaitOptions::default()
    })
}

fn mock() -> MockServer {
    MockServer::start(MockConfig::default().async_delay_ms(30).seed(7)).expect("mock")
}

fn config_desired() -> DesiredLoadBalancer {
    reconcile_support::two_listener_config(CONFIG)
}

/// Creates the alb_config; returns the load balancer id.
async fn create_config(r: &Reconciler) -> String {
    reconcile_support::create_config(r, &config_desired(), CLUSTER).await
}

fn member(ip: &str) -> Value {
    json!({"server_id": ip, "ip": "", "port": 8080, "weight": 100, "type": "Ip"})
}

/// The ingress in three versions: 1 = initial, 2 = `/static` forwards to a new service
/// `static-v2` (same rule identity) and `web`'s members change, 3 = `/static` removed.
fn ingress(name: &str, order: i64, lb_id: &str, version: u8) -> DesiredIngress {
    let static_service = if version == 1 { "static" } else { "static-v2" };
    let mut host_paths = vec![
        json!({"path": "/api", "path_type": "Prefix", "backend": [{"service": "api", "port": "80"}]}),
        json!({"path": "/", "path_type": "Prefix", "backend": [{"service": "web", "port": "80"}]}),
    ];
    if version < 3 {
        host_paths.push(json!({"path": "/static", "path_type": "Prefix",
            "backend": [{"service": static_service, "port": "80"}]}));
    }
    let spec: IngressSpec = serde_json::from_value(json!({
        "alb_config_id": lb_id,
        "namespace": "shop",
        "name": name,
        "order": order,
        "tls_hosts": ["shop.example.com"],
        "rule": [
            {"host": "shop.example.com", "path": host_paths},
            {"path": [{"path": "/healthz", "path_type": "Exact",
                       "backend": [{"service": "web", "port": "80"}]}]}
        ],
        "canary": [{"backend": {"service": "api-canary", "port": "80"},
                    "header": {"name": "x-canary"}, "paths": ["/api"]}]
    }))
    .expect("ingress spec");
    let web = if version == 1 {
        vec![member("10.0.0.1"), member("10.0.0.2")]
    } else {
        vec![member("10.0.0.2"), member("10.0.0.3"), member("10.0.0.4")]
    };
    let members: Members = serde_json::from_value(json!({
        "api:80": [member("10.0.1.1"), member("10.0.1.2")],
        "api-canary:80": [member("10.0.2.1")],
        "static:80": [member("10.0.3.1")],
        "static-v2:80": [member("10.0.4.1")],
        "web:80": web,
    }))
    .expect("members");
    let listeners = ConfigListeners::from_desired(CLUSTER, CONFIG, &config_desired());
    expand_ingress(&spec, &listeners, &members, &Held::default()).expect("expand ingress")
}

async fn observe(r: &Reconciler, lb_id: &str, d: &DesiredIngress) -> ActualIngress {
    r.observe_ingress(lb_id, &d.id, CONFIG, IngressReads::Members)
        .await
        .expect("observe ingress")
}

/// Observe, check clashes, plan, execute; returns the ops and the report.
async fn apply(r: &Reconciler, lb_id: &str, d: &DesiredIngress) -> (Vec<Op>, ExecReport) {
    let actual = observe(r, lb_id, d).await;
    if let Err(clashes) = check_clashes(d, &actual.existing_rules(CLUSTER)) {
        panic!("priority clashes: {clashes:?}");
    }
    let ops = plan_ingress_ops(d, &actual);
    let report = r
        .execute(Some(lb_id), &ops, &CancellationToken::new())
        .await
        .unwrap_or_else(|f| panic!("{f} after {:?}", f.report));
    (ops, report)
}

async fn assert_converged(r: &Reconciler, lb_id: &str, d: &DesiredIngress) -> ActualIngress {
    let actual = observe(r, lb_id, d).await;
    let ops = plan_ingress_ops(d, &actual);
    assert!(ops.is_empty(), "{} not converged: {ops:#?}", d.id);
    actual
}

/// Owned rule ids by identity.
fn rule_ids(actual: &ActualIngress, id: &IngressId) -> BTreeMap<String, String> {
    actual
        .rules
        .iter()
        .filter(|r| model::ownership::owns(&r.tags, CLUSTER, id))
        .filter_map(|r| r.tags.get(TAG_KEY).map(|k| (k.clone(), r.id.clone())))
        .collect()
}

/// Objects in the mock state carrying `alb.terraform/ingress = shop/<name>`, with their
/// `alb.terraform/key` tags (duplicates show up as repeated keys).
fn owned_keys(server: &MockServer, list: &str, name: &str) -> Vec<String> {
    let state = server.state();
    let tag = |o: &Value, key: &str| -> Option<String> {
        o["Tags"]
            .as_array()?
            .iter()
            .find(|t| t["Key"] == key)
            .and_then(|t| t["Value"].as_str().map(str::to_owned))
    };
    let mut keys: Vec<String> = state[list]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| tag(o, "alb.terraform/ingress").as_deref() == Some(&format!("shop/{name}")))
        .filter_map(|o| tag(o, TAG_KEY))
        .collect();
    keys.sort();
    keys
}

/// Asserts the mock holds exactly the desired rules and groups of the ingress, once each.
fn assert_no_duplicates(server: &MockServer, d: &DesiredIngress) {
    let rules = owned_keys(server, "Rules", &d.id.name);
    let unique: BTreeSet<&String> = rules.iter().collect();
    assert_eq!(unique.len(), rules.len(), "duplicate rules: {rules:?}");
    assert_eq!(rules.len(), d.rules.len(), "rules: {rules:?}");
    let groups = owned_keys(server, "ServerGroups", &d.id.name);
    let unique: BTreeSet<&String> = groups.iter().collect();
    assert_eq!(unique.len(), groups.len(), "duplicate groups: {groups:?}");
    let wanted: Vec<String> = d.server_groups.iter().map(|g| g.key.clone()).collect();
    assert_eq!(groups, wanted);
}

/// A rule and a server group created directly, without ownership tags, on HTTPS:443.
async fn create_foreign_rule(r: &Reconciler, lb_id: &str) -> String {
    let client = r.client();
    let wait = WaitOptions {
        initial_interval: Duration::from_millis(20),
        ..WaitOptions::default()
    };
    let listeners = client
        .list_all(ListListenersRequest {
            load_balancer_ids: vec![lb_id.to_owned()],
            ..Default::default()
        })
        .await
        .expect("listeners");
    let https = listeners
        .iter()
        .find(|l| l.listener_port == 443)
        .expect("https listener");
    let group = client
        .create_server_group(
            &CreateServerGroupRequest {
                server_group_name: "someone-else".into(),
                health_check_config: HealthCheckConfig {
                    health_check_enabled: Some(false),
                    ..Default::default()
                },
                vpc_id: Some("vpc-123".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("foreign group");
    client
        .wait_server_group_available(&group.server_group_id, &wait)
        .await
        .expect("group available");
    let rule = client
        .create_rule(
            &CreateRuleRequest {
                listener_id: https.listener_id.clone(),
                rule_name: "someone-else".into(),
                priority: FOREIGN_PRIORITY,
                rule_conditions: vec![RuleCondition::host(["other.example.com"])],
                rule_actions: vec![RuleAction::forward(
                    1,
                    ForwardGroupConfig::single(group.server_group_id),
                )],
                ..Default::default()
            },
            None,
        )
        .await
        .expect("foreign rule");
    client
        .wait_for_job(rule.job_id.as_deref(), &wait)
        .await
        .expect("rule job");
    rule.rule_id
}

async fn foreign_rule(r: &Reconciler, id: &str) -> Rule {
    let rules = r
        .client()
        .list_all(ListRulesRequest {
            rule_ids: vec![id.to_owned()],
            ..Default::default()
        })
        .await
        .expect("list");
    rules.into_iter().next().expect("foreign rule survives")
}

#[tokio::test(flavor = "multi_thread")]
async fn ingress_lifecycle_updates_in_place_removes_and_leaves_foreign_rules_alone() {
    let server = mock();
    let r = reconciler(&server);
    let lb_id = create_config(&r).await;
    let foreign_id = create_foreign_rule(&r, &lb_id).await;
    let foreign_before = foreign_rule(&r, &foreign_id).await;

    // v1: two listeners, a canary, members from the map.
    let v1 = ingress("web", 10, &lb_id, 1);
    let listeners: BTreeSet<String> = v1.rules.iter().map(|r| r.listener.to_string()).collect();
    assert_eq!(listeners.len(), 2, "rules on both listeners");
    let (ops, report) = apply(&r, &lb_id, &v1).await;
    println!(
        "v1: {} ops, {} calls ({} mutating)",
        ops.len(),
        report.calls,
        report.mutating_calls
    );
    assert_eq!(report.rules.len(), v1.rules.len());
    assert_eq!(report.server_groups.len(), v1.server_groups.len());
    let actual = assert_converged(&r, &lb_id, &v1).await;
    assert_no_duplicates(&server, &v1);
    let web = actual
        .server_groups
        .iter()
        .find(|g| g.tags.get(TAG_KEY).map(String::as_str) == Some("web:80"))
        .expect("web group");
    assert_eq!(web.members.len(), 2);
    let ids_v1 = rule_ids(&actual, &v1.id);

    // v2: `/static` forwards to a new group (same identity: the rule is updated in place,
    // after the new group and its members exist and before the old group goes); web's
    // members change.
    let v2 = ingress("web", 10, &lb_id, 2);
    let (ops, report) = apply(&r, &lb_id, &v2).await;
    let names: Vec<&str> = ops.iter().map(|o| o.kind.name()).collect();
    let at = |name: &str| names.iter().position(|n| *n == name);
    assert!(
        !names.contains(&"CreateRules") && !names.contains(&"DeleteRules"),
        "{names:?}"
    );
    assert!(at("CreateServerGroup") < at("UpdateRules"), "{names:?}");
    assert!(at("UpdateRules") < at("DeleteServerGroup"), "{names:?}");
    // web swaps one member for two: a small change, one atomic replace, no separate remove.
    assert!(
        at("ReplaceMembers").is_some_and(|i| Some(i) < at("UpdateRules"))
            && at("RemoveMembers").is_none(),
        "{names:?}"
    );
    let calls = |action: &str| server.counters().actions.get(action).map_or(0, |c| c.calls);
    assert_eq!(calls("ReplaceServersInServerGroup"), 1);
    assert_eq!(calls("RemoveServersFromServerGroup"), 0);
    println!(
        "v2: {} ops {names:?}, {} calls ({} mutating)",
        ops.len(),
        report.calls,
        report.mutating_calls
    );
    let actual = assert_converged(&r, &lb_id, &v2).await;
    assert_eq!(rule_ids(&actual, &v2.id), ids_v1, "rule ids unchanged");
    assert_no_duplicates(&server, &v2);

    // v3: `/static` removed: its rule (one per listener it landed on) and group go.
    let v3 = ingress("web", 10, &lb_id, 3);
    let (ops, _) = apply(&r, &lb_id, &v3).await;
    let names: Vec<&str> = ops.iter().map(|o| o.kind.name()).collect();
    // (The rules behind `/static` in the band move up: priority-only updates.)
    assert!(!names.contains(&"CreateRules"), "{names:?}");
    assert_eq!(
        names[names.len() - 2..],
        ["DeleteRules", "DeleteServerGroup"]
    );
    let actual = assert_converged(&r, &lb_id, &v3).await;
    let mut kept = ids_v1.clone();
    // Keys are the rules' content: `/static`'s rules (one per listener) are gone.
    kept.retain(|identity, _| !identity.contains("host=shop.example.com path=Prefix:/static"));
    assert_eq!(
        rule_ids(&actual, &v3.id),
        kept,
        "surviving rules keep their ids"
    );
    assert_no_duplicates(&server, &v3);
    assert!(!actual
        .server_groups
        .iter()
        .any(|g| g.tags.get(TAG_KEY).map(String::as_str) == Some("static:80")));

    // The foreign rule is untouched and its priority was never taken.
    assert_eq!(foreign_rule(&r, &foreign_id).await, foreign_before);
    assert_eq!(foreign_before.priority, FOREIGN_PRIORITY);
    assert!(actual
        .rules
        .iter()
        .any(|x| x.id == foreign_id && x.priority == FOREIGN_PRIORITY as u32));

    // An ingress whose band holds the foreign rule's priority is refused at plan time.
    let clashing = ingress("clash", 5, &lb_id, 3);
    let existing = observe(&r, &lb_id, &clashing).await.existing_rules(CLUSTER);
    assert!(check_clashes(&clashing, &existing).is_err());

    // Teardown: nothing desired → every owned rule and group deleted, the foreign rule stays.
    let empty = DesiredIngress {
        rules: Vec::new(),
        server_groups: Vec::new(),
        ..v3.clone()
    };
    apply(&r, &lb_id, &empty).await;
    assert_converged(&r, &lb_id, &empty).await;
    assert!(owned_keys(&server, "Rules", "web").is_empty());
    assert!(owned_keys(&server, "ServerGroups", "web").is_empty());
    assert_eq!(foreign_rule(&r, &foreign_id).await, foreign_before);
}

#[tokio::test(flavor = "multi_thread")]
async fn ingress_converges_under_faults_without_duplicates() {
    let server = MockServer::start(
        MockConfig::default().async_delay_ms(30).seed(42).faults(
            Faults::none()
                .throttle_rate(0.3)
                .error_rate(0.1)
                .drop_rate(0.1),
        ),
    )
    .expect("mock");
    let r = reconciler(&server);
    let lb_id = create_config(&r).await;
    let foreign_id = create_foreign_rule(&r, &lb_id).await;
    for version in 1..=3 {
        let d = ingress("web", 10, &lb_id, version);
        let (ops, report) = apply(&r, &lb_id, &d).await;
        println!(
            "faults v{version}: {} ops, {} calls ({} mutating)",
            ops.len(),
            report.calls,
            report.mutating_calls
        );
        assert_converged(&r, &lb_id, &d).await;
        assert_no_duplicates(&server, &d);
    }
    assert_eq!(
        foreign_rule(&r, &foreign_id).await.priority,
        FOREIGN_PRIORITY
    );
    let counters = server.counters();
    let metrics = r.client().metrics();
    println!(
        "faults: {} calls to the mock, {} throttled, {} 5xx, {} dropped; client: {} logical calls, {} attempts",
        counters.total_calls,
        counters.faults.throttled,
        counters.faults.server_errors,
        counters.faults.dropped,
        metrics.total_calls(),
        metrics.total_attempts()
    );
    assert!(counters.faults.throttled > 0);
    assert!(counters.faults.server_errors > 0);
    assert!(counters.faults.dropped > 0);
    assert!(
        metrics.total_attempts() > metrics.total_calls(),
        "retries happened"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rerun_after_a_crash_adopts_what_exists() {
    let server = mock();
    let r = reconciler(&server);
    let cancel = CancellationToken::new();

    // Config: the process dies right after CreateLoadBalancer (a create run marks it); the next
    // run finds the load balancer by its tags, still marked, completes it and removes the mark.
    let desired = config_desired();
    let ops = plan_config_ops(&desired, None, CLUSTER);
    let create = CreationMarks::create();
    let report = r
        .execute_marked(None, &ops[..1], &create, &cancel)
        .await
        .expect("first op");
    let created = report.created_load_balancer.expect("lb");
    assert!(
        !r.find_config(CONFIG).await.expect("find")[0].in_creation,
        "a finished run removes its marks"
    );
    // The crash came before that removal: the mark stays.
    let mark = TagResourcesRequest {
        resource_type: "loadbalancer".into(),
        resource_id: vec![created.clone()],
        tag: vec![Tag::new(TAG_CREATING, "alb-run-1")],
    };
    r.client().tag_resources(&mark, None).await.expect("mark");
    let found = r.find_config(CONFIG).await.expect("find");
    assert_eq!(found.len(), 1);
    assert!(found[0].in_creation, "{found:?}");
    let lb_id = found[0].id.clone();
    assert_eq!(lb_id, created);
    let actual = r.observe_config(&lb_id, CONFIG).await.expect("observe");
    let ops = plan_config_ops(&desired, actual.as_ref(), CLUSTER);
    let adopt = CreationMarks {
        load_balancer: Some(lb_id.clone()),
        ..CreationMarks::create()
    };
    r.execute_marked(Some(&lb_id), &ops, &adopt, &cancel)
        .await
        .expect("rest");
    assert!(!r.find_config(CONFIG).await.expect("find")[0].in_creation);
    let actual = r.observe_config(&lb_id, CONFIG).await.expect("observe");
    assert!(plan_config_ops(&desired, actual.as_ref(), CLUSTER).is_empty());
    assert_eq!(
        server.state()["LoadBalancers"].as_array().map(Vec::len),
        Some(1)
    );

    // Ingress A: half the ops, then observe + plan + execute again.
    let a = ingress("web", 10, &lb_id, 1);
    let ops = plan_ingress_ops(&a, &observe(&r, &lb_id, &a).await);
    let half = ops.len() / 2;
    r.execute(Some(&lb_id), &ops[..half], &cancel)
        .await
        .expect("first half");
    let (rest, _) = apply(&r, &lb_id, &a).await;
    assert!(
        !rest.is_empty() && rest.len() < ops.len(),
        "{} of {}",
        rest.len(),
        ops.len()
    );
    assert_converged(&r, &lb_id, &a).await;
    assert_no_duplicates(&server, &a);

    // Ingress B: going back and forth between two versions converges every time. ClientTokens are
    // salted per run, so re-applying an earlier state is not answered from the service's
    // idempotency cache of the earlier run (which would silently change nothing).
    let v1 = ingress("api", 20, &lb_id, 1);
    let v2 = ingress("api", 20, &lb_id, 2);
    for desired in [&v1, &v2, &v1, &v2] {
        apply(&r, &lb_id, desired).await;
        assert_converged(&r, &lb_id, desired).await;
    }
    assert_no_duplicates(&server, &v2);
    assert_no_duplicates(&server, &a);
}

/// With shared snapshots, concurrent observations of ingresses on one load balancer share
/// one read of each part (counted on the client), a run of operations invalidates it, and the
/// next observation sees what the run did.
#[tokio::test(flavor = "multi_thread")]
async fn shared_snapshots_read_once_until_a_write() {
    let server = mock();
    let r = reconciler(&server).with_snapshots();
    let lb_id = create_config(&r).await;
    let web = ingress("web", 10, &lb_id, 1);
    let blog = ingress("blog", 20, &lb_id, 1);
    apply(&r, &lb_id, &web).await;
    apply(&r, &lb_id, &blog).await;

    r.client().reset_metrics();
    let observations = (0..10).map(|i| {
        let d = if i % 2 == 0 { &web } else { &blog };
        let r = r.clone();
        let lb_id = lb_id.clone();
        async move {
            r.observe_ingress(&lb_id, &d.id, CONFIG, IngressReads::Members)
                .await
        }
    });
    let observed = futures::future::join_all(observations).await;
    for (i, actual) in observed.into_iter().enumerate() {
        let d = if i % 2 == 0 { &web } else { &blog };
        let actual = actual.expect("observe");
        assert!(
            plan_ingress_ops(d, &actual).is_empty(),
            "{} converged",
            d.id
        );
    }
    let metrics = r.client().metrics();
    // The listeners were read before the ingress runs, which write only ingress objects and so
    // keep them (and the load balancer's attributes) in the snapshot.
    assert_eq!(metrics.calls_of("ListListeners"), 0, "{metrics:?}");
    assert_eq!(
        metrics.calls_of("GetLoadBalancerAttribute"),
        0,
        "{metrics:?}"
    );
    assert_eq!(metrics.calls_of("ListRules"), 1, "{metrics:?}");
    assert_eq!(metrics.calls_of("ListServerGroups"), 1, "{metrics:?}");
    assert_eq!(
        metrics.calls_of("ListServerGroupServers"),
        1,
        "the members of every group of the config in one listing: {metrics:?}"
    );

    // Rules only: nothing more is read while the snapshot holds.
    r.client().reset_metrics();
    r.observe_ingress(&lb_id, &web.id, CONFIG, IngressReads::Rules)
        .await
        .expect("observe rules");
    assert_eq!(r.client().metrics().total_calls(), 0);

    // A write invalidates: the next observation reads again and sees the change (the
    // listeners and load balancer attributes excepted: the run wrote only ingress objects).
    let v3 = ingress("web", 10, &lb_id, 3);
    r.client().reset_metrics();
    apply(&r, &lb_id, &v3).await;
    let metrics = r.client().metrics();
    assert_eq!(metrics.calls_of("ListListeners"), 0, "{metrics:?}");
    assert_eq!(
        metrics.calls_of("GetLoadBalancerAttribute"),
        0,
        "{metrics:?}"
    );
    r.client().reset_metrics();
    assert_converged(&r, &lb_id, &v3).await;
    let metrics = r.client().metrics();
    assert_eq!(metrics.calls_of("ListListeners"), 0, "{metrics:?}");
    assert_eq!(metrics.calls_of("ListRules"), 1, "{metrics:?}");
    assert_eq!(metrics.calls_of("ListServerGroups"), 1, "{metrics:?}");
    assert_eq!(metrics.calls_of("ListServerGroupServers"), 1, "{metrics:?}");
}

/// With shared snapshots, the listeners and the rules of the load balancers the reconciler has
/// read are listed together (one call for up to 20 load balancers): after the attributes of two
/// load balancers were read, what each of them holds takes one `ListListeners` and one
/// `ListRules` in all, and each sees only its own.
#[tokio::test(flavor = "multi_thread")]
async fn listeners_and_rules_of_the_load_balancers_read_are_listed_together() {
    let server = mock();
    let r = reconciler(&server).with_snapshots();
    let lb_1 = create_config(&r).await;
    let other = reconcile_support::two_listener_config("other");
    let lb_2 = reconcile_support::create_config(&r, &other, CLUSTER).await;
    apply(&r, &lb_1, &ingress("web", 10, &lb_1, 1)).await;

    for lb in [&lb_1, &lb_2] {
        r.load_balancer(lb)
            .await
            .expect("attributes")
            .expect("exists");
    }
    r.client().reset_metrics();
    let first = r.listener_overviews(&lb_1).await.expect("first");
    let second = r.listener_overviews(&lb_2).await.expect("second");
    let metrics = r.client().metrics();
    assert_eq!(metrics.calls_of("ListListeners"), 1, "{metrics:?}");
    assert_eq!(metrics.calls_of("ListRules"), 1, "{metrics:?}");
    assert_eq!(metrics.total_calls(), 2, "{metrics:?}");

    let ids = |o: &BTreeMap<_, reconcile::ListenerOverview>| {
        o.values().map(|l| l.id.clone()).collect::<BTreeSet<_>>()
    };
    assert_eq!((first.len(), second.len()), (2, 2));
    assert!(ids(&first).is_disjoint(&ids(&second)));
    assert!(
        first.values().any(|l| !l.priorities.is_empty()),
        "the ingress's rules are on the first: {first:?}"
    );
    assert!(
        second.values().all(|l| l.priorities.is_empty()),
        "none on the second: {second:?}"
    );
}

/// The members of a config's groups come from one listing by the config's tags, trusted for a
/// group only when it has as many servers as the group's `ServerCount`: a server added after
/// the groups were read (the snapshot's groups older than its listing) sends that group to a
/// listing of its own, which sees the new server; the other group keeps the shared listing.
#[tokio::test(flavor = "multi_thread")]
async fn members_listed_by_tags_fall_back_to_the_group_when_its_count_disagrees() {
    let server = mock();
    let r = reconciler(&server).with_snapshots();
    let lb_id = create_config(&r).await;
    let d = ingress("web", 10, &lb_id, 1);
    assert!(d.server_groups.len() >= 2, "{:?}", d.server_groups);
    apply(&r, &lb_id, &d).await;

    // The groups (with their ServerCount) enter the snapshot, the members not yet.
    let groups = r
        .observe_ingress(&lb_id, &d.id, CONFIG, IngressReads::Groups)
        .await
        .expect("observe groups");
    let changed = groups.server_groups[0].id.clone();
    r.client()
        .add_servers_to_server_group(
            &alb_api::server_group::ServersRequest {
                server_group_id: changed.clone(),
                servers: vec![alb_api::server_group::BackendServer {
                    server_id: "10.9.9.9".into(),
                    server_type: "Ip".into(),
                    server_ip: Some("10.9.9.9".into()),
                    port: Some(8080),
                    ..Default::default()
                }],
                dry_run: None,
            },
            None,
        )
        .await
        .expect("add a server behind the snapshot");

    r.client().reset_metrics();
    let actual = r
        .observe_ingress(&lb_id, &d.id, CONFIG, IngressReads::Members)
        .await
        .expect("observe members");
    let metrics = r.client().metrics();
    assert_eq!(
        metrics.calls_of("ListServerGroupServers"),
        2,
        "the config's listing and the changed group's own: {metrics:?}"
    );
    let members = |id: &str| {
        actual
            .server_groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| {
                g.members
                    .iter()
                    .map(|m| m.server_id.clone())
                    .collect::<Vec<_>>()
            })
            .expect("group observed")
    };
    assert!(
        members(&changed).contains(&"10.9.9.9".to_owned()),
        "{:?}",
        actual.server_groups
    );
    let other = &actual.server_groups[1];
    let desired = d
        .server_groups
        .iter()
        .find(|g| g.key == other.key())
        .expect("desired group");
    assert_eq!(other.members.len(), desired.members.len(), "{other:?}");
}

//! How `reconcile` schedules its writes, against the mock over real HTTP: ingresses applied at
//! once on one listener take turns (no `ResourceInConfiguring.Listener` refusal), one ingress's
//! independent steps run side by side, job waits start short, and destroying ingresses and
//! their load balancer costs exactly the minimum of mutating calls.

mod reconcile_support;

use std::time::{Duration, Instant};

use acceptance_tests::mock::{MockConfig, MockServer};
use alb_api::{RetryPolicy, WaitOptions};
use model::desired::{DesiredIngress, DesiredLoadBalancer};
use model::priority::Held;
use model::spec::IngressSpec;
use model::{expand_ingress, plan_ingress_ops, ConfigListeners, Members};
use reconcile::{IngressReads, Reconciler};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

const CLUSTER: &str = "c-sched";
const CONFIG: &str = "sched-alb";
/// The mock's job duration in these tests (its default, and the benchmark setting).
const JOB_MS: u64 = 200;
/// Rules per `CreateRules` / `DeleteRules` call.
const RULES_PER_CALL: usize = 10;

/// A reconciler with its own client, as each Terraform resource operation builds one, and the
/// production wait options.
fn reconciler(server: &MockServer) -> Reconciler {
    let retry = RetryPolicy {
        max_elapsed: Duration::from_secs(120),
        ..RetryPolicy::default()
    };
    let client = reconcile_support::mock_client(server, Duration::from_secs(10), retry);
    Reconciler::new(client, CLUSTER).with_wait_options(WaitOptions::default())
}

fn mock() -> MockServer {
    MockServer::start(MockConfig::default().async_delay_ms(JOB_MS).seed(11)).expect("mock")
}

fn config_desired() -> DesiredLoadBalancer {
    reconcile_support::two_listener_config(CONFIG)
}

/// Creates the alb_config; returns the load balancer id.
async fn create_config(r: &Reconciler) -> String {
    reconcile_support::create_config(r, &config_desired(), CLUSTER).await
}

/// Ingress `shop/<name>` in band `order`: `backends` paths of host `<name>.example.com`, each
/// to its own service with two members; with `tls` the host's rules go to HTTPS:443 too.
fn ingress(lb_id: &str, name: &str, order: u32, backends: usize, tls: bool) -> DesiredIngress {
    let host = format!("{name}.example.com");
    let paths: Vec<Value> = (0..backends)
        .map(|i| {
            json!({"path": format!("/p{i}"), "path_type": "Prefix",
                   "backend": [{"service": format!("{name}-s{i}"), "port": "80"}]})
        })
        .collect();
    let tls_hosts: Vec<&str> = if tls { vec![host.as_str()] } else { vec![] };
    let spec: IngressSpec = serde_json::from_value(json!({
        "alb_config_id": lb_id,
        "namespace": "shop",
        "name": name,
        "order": order,
        "tls_hosts": tls_hosts,
        "rule": [{"host": host, "path": paths}],
    }))
    .expect("ingress spec");
    let members: Members = (0..backends)
        .map(|i| {
            let ip = |k: usize| {
                json!({"server_id": format!("10.{order}.{i}.{k}"), "ip": "", "port": 8080,
                       "weight": 100, "type": "Ip"})
            };
            (format!("{name}-s{i}:80"), json!([ip(1), ip(2)]))
        })
        .collect::<serde_json::Map<String, Value>>()
        .pipe(|m| serde_json::from_value(Value::Object(m)).expect("members"));
    let listeners = ConfigListeners::from_desired(CLUSTER, CONFIG, &config_desired());
    expand_ingress(&spec, &listeners, &members, &Held::default()).expect("expand ingress")
}

/// `value.pipe(f)` = `f(value)`, to keep a builder chain readable.
trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}

/// Observes, plans and runs `desired` (`None`: deletes the ingress `like`).
async fn converge(r: &Reconciler, lb_id: &str, desired: &DesiredIngress, delete: bool) {
    let actual = r
        .observe_ingress(lb_id, &desired.id, CONFIG, IngressReads::Members)
        .await
        .expect("observe");
    let target = if delete {
        DesiredIngress {
            listeners: Vec::new(),
            rules: Vec::new(),
            server_groups: Vec::new(),
            ..desired.clone()
        }
    } else {
        desired.clone()
    };
    let ops = plan_ingress_ops(&target, &actual);
    r.execute(Some(lb_id), &ops, &CancellationToken::new())
        .await
        .unwrap_or_else(|f| panic!("{}: {f}", desired.id));
    if !delete {
        let actual = r
            .observe_ingress(lb_id, &desired.id, CONFIG, IngressReads::Members)
            .await
            .expect("observe");
        assert!(
            plan_ingress_ops(desired, &actual).is_empty(),
            "{} converged",
            desired.id
        );
    }
}

/// Each ingress applied by its own reconciler, all at once (Terraform's parallelism).
async fn converge_all(
    server: &MockServer,
    lb_id: &str,
    ingresses: &[DesiredIngress],
    delete: bool,
) {
    let runs = ingresses.iter().map(|d| async move {
        converge(&reconciler(server), lb_id, d, delete).await;
    });
    futures::future::join_all(runs).await;
}

/// `n` rules in calls of at most 10 each.
fn calls_for(n: usize) -> u64 {
    n.div_ceil(RULES_PER_CALL) as u64
}

#[tokio::test(flavor = "multi_thread")]
async fn ingresses_on_one_listener_take_turns_and_destroy_costs_the_minimum() {
    let server = mock();
    let lb_id = create_config(&reconciler(&server)).await;
    // Ten ingresses of two rules each on HTTP:80, one of them also on HTTPS:443 with twelve
    // rules there (two calls per listener).
    let mut ingresses: Vec<DesiredIngress> = (1..=9)
        .map(|i| ingress(&lb_id, &format!("app{i}"), i * 2, 2, false))
        .collect();
    ingresses.push(ingress(&lb_id, "big", 40, 12, true));

    server.reset_counters();
    let started = Instant::now();
    converge_all(&server, &lb_id, &ingresses, false).await;
    let apply = started.elapsed();
    let counters = server.counters();
    println!(
        "apply of {} ingresses: {apply:?}, {} mutating calls, {} refused on a busy listener",
        ingresses.len(),
        counters.mutating_calls(),
        counters.errors("ResourceInConfiguring.Listener")
    );
    assert_eq!(counters.errors("ResourceInConfiguring.Listener"), 0);
    // Each ingress's rules of a listener in calls of ten, nothing retried.
    let create_rules: u64 = ingresses
        .iter()
        .flat_map(|d| {
            d.listeners
                .iter()
                .map(|l| calls_for(d.rules.iter().filter(|r| r.listener == *l).count()))
        })
        .sum();
    assert_eq!(counters.calls("CreateRules"), create_rules);

    // Destroy: the ingresses at once, then the load balancer.
    let r = reconciler(&server);
    let actual_config = r
        .observe_config(&lb_id, CONFIG)
        .await
        .expect("observe config")
        .expect("config exists");
    server.reset_counters();
    converge_all(&server, &lb_id, &ingresses, true).await;
    r.delete_config(&actual_config, &CancellationToken::new())
        .await
        .expect("delete config");
    let counters = server.counters();
    // The minimum from the object counts: per ingress its rules in calls of ten (one call may
    // span listeners) and one call per server group; then the load balancer (its listeners
    // and their rules go with it) and one call per placeholder group.
    let minimum: u64 = ingresses
        .iter()
        .map(|d| calls_for(d.rules.len()) + d.server_groups.len() as u64)
        .sum::<u64>()
        + 1
        + actual_config.placeholders.len() as u64;
    println!(
        "destroy: {} mutating calls (minimum {minimum}): {:?}",
        counters.mutating_calls(),
        counters
            .actions
            .iter()
            .map(|(k, v)| (k.as_str(), v.calls))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        counters.calls("UpdateRulesAttribute"),
        0,
        "no priority moves"
    );
    assert_eq!(counters.calls("DeleteListener"), 0);
    assert_eq!(counters.errors("ResourceInConfiguring.Listener"), 0);
    assert_eq!(counters.mutating_calls(), minimum);
    assert!(server.state()["LoadBalancers"]
        .as_array()
        .is_some_and(Vec::is_empty));
    assert!(server.state()["ServerGroups"]
        .as_array()
        .is_some_and(Vec::is_empty));
}

#[tokio::test(flavor = "multi_thread")]
async fn job_waits_start_short_and_an_ingress_steps_run_side_by_side() {
    let server = mock();
    let r = reconciler(&server);
    let lb_id = create_config(&r).await;

    // One job: the first polls come at 100 and 250 ms, so a 200 ms job is seen done within
    // about 250 ms plus the calls' own time — not at 500 ms or later.
    let group = r
        .client()
        .create_server_group(
            &alb_api::server_group::CreateServerGroupRequest {
                server_group_name: "timing".into(),
                health_check_config: alb_api::server_group::HealthCheckConfig {
                    health_check_enabled: Some(false),
                    ..Default::default()
                },
                vpc_id: Some("vpc-123".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("group");
    r.client()
        .wait_server_group_available(&group.server_group_id, &WaitOptions::default())
        .await
        .expect("available");
    let started = Instant::now();
    let job = r
        .client()
        .delete_server_group(
            &alb_api::server_group::DeleteServerGroupRequest {
                server_group_id: group.server_group_id.clone(),
                dry_run: None,
            },
            None,
        )
        .await
        .expect("delete")
        .job_id;
    r.client()
        .wait_for_job(job.as_deref(), &WaitOptions::default())
        .await
        .expect("job");
    let waited = started.elapsed();
    println!("a {JOB_MS} ms job was awaited in {waited:?}");
    assert!(waited >= Duration::from_millis(JOB_MS), "{waited:?}");
    assert!(waited < Duration::from_millis(JOB_MS + 250), "{waited:?}");

    // One ingress with five backends: five groups at once, their members at once, the rules
    // and their rename: four job rounds instead of twelve.
    let d = ingress(&lb_id, "five", 10, 5, false);
    let started = Instant::now();
    converge(&r, &lb_id, &d, false).await;
    let apply = started.elapsed();
    println!("apply of one ingress with 5 backends at {JOB_MS} ms jobs: {apply:?}");
    // Sequential steps would need 12 job rounds (≥ 2.4 s); concurrent ones 4 rounds of
    // about 250 ms plus the reads around them.
    assert!(apply < Duration::from_millis(12 * JOB_MS), "{apply:?}");
}

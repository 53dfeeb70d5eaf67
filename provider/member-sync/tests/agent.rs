//! The agent as a real process against alb-mock and kube-local: debounce, readiness gates,
//! leader election with two replicas, faults of the ALB API, and SIGTERM.

mod support;

use std::time::Duration;

use acceptance_tests::harness::member_sync::metric_value;
use acceptance_tests::mock::Faults;
use model::ownership::MEMBERS_AGENT;
use nix::sys::signal::Signal;
use support::*;

const MEMBER_ACTIONS: [&str; 2] = ["AddServersToServerGroup", "RemoveServersFromServerGroup"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_50_endpoint_events_is_a_handful_of_api_changes() {
    let _serial = one_at_a_time().await;
    let env = Env::start(21).await;
    let group = env.agent_group().await;
    env.endpoints(&ips(1, 1)).await;
    let _agent = env.agent("a", &["--debounce=1s"]);
    wait_until("the first member", WAIT, || async {
        env.members(&group) == ips(1, 1)
    })
    .await;
    let before = env.member_writes();

    let all = ips(1, 51);
    for n in 2..=51 {
        env.endpoints(&all[..n]).await;
    }
    wait_until("51 members", WAIT, || async {
        env.members(&group) == sorted(all.clone())
    })
    .await;
    let writes = env.member_writes() - before;
    println!("50 EndpointSlice updates -> {writes} member-changing API calls");
    assert!(
        (1..=5).contains(&writes),
        "{writes} member-changing calls for a burst of 50 events"
    );
    distinct(&env.server_entries(&group));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readiness_gate_opens_only_once_the_pod_ip_is_a_member() {
    let _serial = one_at_a_time().await;
    let env = Env::start(22).await;
    let group = env.agent_group().await;
    env.gated_pod("web-1", "10.3.0.1").await;
    // Not ready: the pod waits for the gate; only the agent's registration can open it.
    env.pod_endpoints(&[("10.3.0.1", "web-1", false)]).await;
    env.faults(
        Faults::none()
            .error_rate(1.0)
            .actions(["AddServersToServerGroup"]),
    );
    let agent = env.agent("a", &[]);

    wait_until("refused registrations", WAIT, || async {
        env.calls("AddServersToServerGroup") >= 2
    })
    .await;
    assert!(env.members(&group).is_empty());
    assert_ne!(
        env.gate("web-1").await.as_deref(),
        Some("True"),
        "gate opened before the IP was registered"
    );

    env.faults(Faults::none());
    wait_until("the gate condition True", WAIT, || async {
        env.gate("web-1").await.as_deref() == Some("True")
    })
    .await;
    assert_eq!(env.members(&group), ["10.3.0.1"]);
    assert_eq!(
        agent.metric("alb_member_sync_readiness_gates_opened_total"),
        1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_health_checks_on_the_readiness_gate_waits_until_the_member_is_healthy() {
    let _serial = one_at_a_time().await;
    let env = Env::start(26).await;
    let tags = env.group_tags(Some(CLUSTER), Some(MEMBERS_AGENT), &format!("{SERVICE}:80"));
    let group = env.create_group("k8s-web-80", "Ip", &tags, true).await;
    env.listener_forwarding_to(&group).await;
    env.mock
        .pin_health(&group, "10.3.0.1", Some("Unhealthy"))
        .expect("pin health");
    env.gated_pod("web-1", "10.3.0.1").await;
    env.gated_pod("web-2", "10.3.0.2").await;
    env.pod_endpoints(&[("10.3.0.1", "web-1", false), ("10.3.0.2", "web-2", false)])
        .await;
    let agent = env.agent("a", &["--health-poll=200ms"]);

    // web-2 is registered, then Initial for two 1 s health-check passes, then healthy.
    wait_until("both registered", WAIT, || async {
        env.members(&group) == ["10.3.0.1", "10.3.0.2"]
    })
    .await;
    let registered = std::time::Instant::now();
    wait_until("web-2's gate True", WAIT, || async {
        env.gate("web-2").await.as_deref() == Some("True")
    })
    .await;
    let healthy_after = registered.elapsed();
    println!("web-2: gate True {healthy_after:?} after registration (health checks: 2 x 1 s)");
    assert!(
        healthy_after >= Duration::from_millis(1500),
        "gate opened {healthy_after:?} after registration, before the health checks passed"
    );

    // web-1 is registered but unhealthy: its gate stays shut while the health is re-read.
    let reads = env.calls("GetListenerHealthStatus");
    wait_until("the health re-read", WAIT, || async {
        env.calls("GetListenerHealthStatus") >= reads + 3
    })
    .await;
    assert_ne!(
        env.gate("web-1").await.as_deref(),
        Some("True"),
        "gate opened for an unhealthy member"
    );
    env.mock
        .pin_health(&group, "10.3.0.1", Some("Healthy"))
        .expect("pin health");
    wait_until("web-1's gate True", WAIT, || async {
        env.gate("web-1").await.as_deref() == Some("True")
    })
    .await;
    assert_eq!(
        agent.metric("alb_member_sync_readiness_gates_opened_total"),
        2.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_only_the_lease_holder_writes_and_the_other_takes_over_after_sigkill() {
    let _serial = one_at_a_time().await;
    let env = Env::start(23).await;
    let group = env.agent_group().await;
    env.endpoints(&ips(1, 3)).await;
    let a = env.agent("a", &[]);
    wait_until("a holds the lease and converged", WAIT, || async {
        env.lease_holder().await.as_deref() == Some("a") && env.members(&group) == ips(1, 3)
    })
    .await;
    let b = env.agent("b", &[]);
    wait_until("b ready (caches synced)", WAIT, || async {
        b.get("/readyz").0 == 200
    })
    .await;
    env.endpoints(&ips(1, 5)).await;
    wait_until("5 members", WAIT, || async {
        env.members(&group) == sorted(ips(1, 5))
    })
    .await;
    let b_metrics = b.metrics();
    assert!(
        !b_metrics.contains("alb_member_sync_alb_api_calls_total{"),
        "the follower called the ALB API:\n{b_metrics}"
    );
    assert_eq!(metric_value(&b_metrics, "alb_member_sync_leader"), 0.0);
    assert_eq!(a.metric("alb_member_sync_leader"), 1.0);

    a.signal(Signal::SIGKILL);
    let killed = std::time::Instant::now();
    env.endpoints(&ips(4, 4)).await;
    wait_until("b holds the lease", WAIT, || async {
        env.lease_holder().await.as_deref() == Some("b")
    })
    .await;
    let takeover = killed.elapsed();
    wait_until("b converged", WAIT, || async {
        env.members(&group) == sorted(ips(4, 4))
    })
    .await;
    let converged = killed.elapsed();
    println!("takeover after SIGKILL: {takeover:?}; converged after {converged:?}");
    // Lease 3 s, renewals every 300 ms: the lease expires at most 3 s after a's last renewal.
    assert!(
        takeover <= Duration::from_millis(3000 + 2 * 300 + 500),
        "takeover took {takeover:?}"
    );
    distinct(&env.server_entries(&group));
    assert!(env.min_serving(&group).unwrap_or(0) >= 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn converges_under_throttling_5xx_and_dropped_responses_without_duplicates() {
    let _serial = one_at_a_time().await;
    let env = Env::start(24).await;
    let group = env.agent_group().await;
    env.endpoints(&ips(1, 3)).await;
    env.faults(
        Faults::none()
            .throttle_rate(0.3)
            .error_rate(0.1)
            .drop_rate(0.1),
    );
    let agent = env.agent("a", &[]);
    for want in [ips(1, 3), ips(1, 8), ips(1, 2), ips(5, 3)] {
        env.endpoints(&want).await;
        wait_until(&format!("members {want:?} under faults"), WAIT, || async {
            env.members(&group) == sorted(want.clone())
        })
        .await;
        distinct(&env.server_entries(&group));
    }
    let counters = env.mock.counters();
    assert!(counters.faults.throttled > 0 && counters.faults.server_errors > 0);
    let metrics = agent.metrics();
    let errors = |code: &str| {
        metric_value(
            &metrics,
            &format!("alb_member_sync_alb_api_errors_total{{code=\"{code}\"}}"),
        )
    };
    assert!(errors("Throttling.User") > 0.0, "{metrics}");
    assert!(
        errors("InternalError") + errors("ServiceUnavailable") > 0.0,
        "{metrics}"
    );
    if counters.faults.dropped > 0 {
        assert!(errors("Transport") > 0.0, "{metrics}");
    }
    println!(
        "faults injected: {:?}; agent counted {} throttled, {} 5xx, {} transport",
        counters.faults,
        errors("Throttling.User"),
        errors("InternalError") + errors("ServiceUnavailable"),
        errors("Transport")
    );
    assert!(MEMBER_ACTIONS
        .iter()
        .all(|a| counters.actions.get(*a).is_some_and(|c| c.succeeded > 0)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_reconcile_exits_within_seconds_and_releases_the_lease() {
    let _serial = one_at_a_time().await;
    let env = Env::start(25).await;
    let group = env.agent_group().await;
    env.endpoints(&ips(1, 3)).await;
    let mut a = env.agent("a", &[]);
    wait_until("a converged", WAIT, || async {
        env.lease_holder().await.as_deref() == Some("a") && env.members(&group) == ips(1, 3)
    })
    .await;

    // The next registration hangs in the API for 20 s.
    env.faults(
        Faults::none()
            .latency_ms(20_000)
            .actions(["AddServersToServerGroup"]),
    );
    let before = env.calls("AddServersToServerGroup");
    env.endpoints(&ips(1, 5)).await;
    wait_until("a registration in flight", WAIT, || async {
        env.calls("AddServersToServerGroup") > before
    })
    .await;
    a.signal(Signal::SIGTERM);
    let (status, took) = a.exited(Duration::from_secs(10));
    println!("exit {status} {took:?} after SIGTERM mid-reconcile");
    assert!(status.success(), "{status}; log:\n{}", a.log_text());
    assert!(
        took < Duration::from_secs(5),
        "took {took:?} (shutdown grace 2 s)"
    );
    assert_eq!(env.lease_holder().await, None, "lease not released");

    env.faults(Faults::none());
    let _b = env.agent("b", &[]);
    wait_until("the next leader converged", WAIT, || async {
        env.lease_holder().await.as_deref() == Some("b") && env.members(&group) == sorted(ips(1, 5))
    })
    .await;
    distinct(&env.server_entries(&group));
}

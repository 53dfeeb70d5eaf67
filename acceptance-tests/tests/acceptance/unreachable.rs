//! Issue 11 item 9: an ALB API endpoint that refuses connections or never answers fails
//! `terraform plan` (refresh and plan-time reads) within about 30 s with a clear message, not after
//! three minutes of retries; `api_timeouts` in the provider block shortens that.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use acceptance_tests::harness::hcl::provider_block_with;
use acceptance_tests::harness::{provider_block, Workdir};
use acceptance_tests::mock::{MockConfig, MockServer};

use crate::plan_checks::{config, ingress};

/// An alb_config and an ingress on it (the ingress's plan reads the load balancer).
fn resources() -> String {
    format!("{}{}", config(""), ingress("shop", "web", "/", ""))
}

/// A port nothing listens on.
fn refused_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A listener that accepts connections and never answers (a thread keeps the accepted sockets
/// open until the test process ends).
fn silent_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for socket in listener.incoming().flatten() {
            open.push(socket);
        }
    });
    format!("http://{addr}")
}

/// Runs `terraform plan` and returns how long it took and its output; asserts a clear failure.
fn failing_plan(wd: &Workdir, endpoint: &str, extra: &str) -> (Duration, String) {
    wd.write_config(&format!(
        "{}{}",
        provider_block_with(endpoint, extra),
        resources()
    ));
    let started = Instant::now();
    let plan = wd.plan(&[]);
    let took = started.elapsed();
    plan.assert_failure_containing("Cannot reach the ALB API");
    let text = plan
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains(endpoint), "{text}");
    assert!(text.contains("api_timeouts"), "{text}");
    (took, text)
}

#[test]
fn plan_against_an_unreachable_endpoint_fails_fast() {
    let mock = MockServer::start(MockConfig::default()).expect("start mock");
    let wd = Workdir::new();
    wd.write_config(&format!(
        "{}{}",
        provider_block(&mock.endpoint()),
        resources()
    ));
    wd.apply(&[]).assert_success("create");

    // Refresh of existing resources, connections refused: the default 30 s budget.
    let (took, _) = failing_plan(&wd, &refused_endpoint(), "");
    eprintln!("plan against a refusing endpoint failed after {took:?}");
    assert!(took < Duration::from_secs(40), "took {took:?}");

    // An endpoint that accepts and never answers: one attempt cut at the budget.
    let silent = silent_endpoint();
    let (took, text) = failing_plan(&wd, &silent, "");
    eprintln!("plan against a silent endpoint failed after {took:?}");
    assert!(took < Duration::from_secs(40), "took {took:?}");
    assert!(text.contains("timed out"), "{text}");

    // Configured budgets.
    let (took, _) = failing_plan(
        &wd,
        &silent,
        "  api_timeouts {\n    request     = \"2s\"\n    unreachable = \"4s\"\n  }\n",
    );
    eprintln!("plan with unreachable = 4s failed after {took:?}");
    assert!(took < Duration::from_secs(12), "took {took:?}");

    // Back to the mock: nothing was lost.
    wd.write_config(&format!(
        "{}{}",
        provider_block(&mock.endpoint()),
        resources()
    ));
    wd.assert_plan_empty();
}

#[test]
fn api_timeouts_are_validated() {
    let wd = Workdir::new();
    wd.write_config(&format!(
        "{}{}",
        provider_block_with(
            "http://127.0.0.1:9",
            "  api_timeouts {\n    unreachable = \"soon\"\n  }\n"
        ),
        resources()
    ));
    let out = wd.validate();
    out.assert_failure_containing("Invalid API timeout");
    assert!(out.combined().contains("soon"), "{}", out.combined());
}

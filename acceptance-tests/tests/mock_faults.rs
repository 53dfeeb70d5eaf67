//! Fault injection, counters, the admin API and the alb-mock command line.

mod mock_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use acceptance_tests::mock::{Faults, MockConfig};
use mock_support::*;
use serde_json::{json, Value};

#[tokio::test]
async fn throttling_and_server_errors_are_counted() {
    let server = start();
    server.set_faults(Faults::none().throttle_rate(1.0));
    Req::new("ListLoadBalancers")
        .send(&server)
        .await
        .err(400, "Throttling.User");
    server.set_faults(Faults::none().error_rate(1.0).actions(["ListRules"]));
    Req::new("ListLoadBalancers").send(&server).await.ok();
    let reply = Req::new("ListRules").send(&server).await;
    assert!(
        matches!(
            (reply.status, reply.code()),
            (500, "InternalError") | (503, "ServiceUnavailable")
        ),
        "{:?}",
        reply
    );
    let counters = server.counters();
    assert_eq!(counters.total_calls, 3);
    assert_eq!(counters.faults.throttled, 1);
    assert_eq!(counters.faults.server_errors, 1);
    let list_lbs = &counters.actions["ListLoadBalancers"];
    assert_eq!(
        (list_lbs.calls, list_lbs.throttled, list_lbs.succeeded),
        (2, 1, 1)
    );
    assert_eq!(counters.actions["ListRules"].server_errors, 1);
}

#[tokio::test]
async fn dropped_responses_are_applied() {
    let server = start();
    server.set_faults(Faults::none().drop_rate(1.0));
    let lost = sg_req("dropped")
        .p("ClientToken", "drop-1")
        .try_send(&server)
        .await;
    assert!(
        lost.is_err(),
        "the response should have been lost: {lost:?}"
    );
    server.set_faults(Faults::none());
    let counters = server.counters();
    assert_eq!(counters.faults.dropped, 1);
    assert_eq!(counters.actions["CreateServerGroup"].dropped, 1);
    // The change was applied: the retry with the same token gets the same group, no second one.
    let retry = sg_req("dropped")
        .p("ClientToken", "drop-1")
        .send(&server)
        .await
        .ok();
    let groups = Req::new("ListServerGroups").send(&server).await.ok();
    assert_eq!(groups["TotalCount"], 1);
    assert_eq!(
        groups["ServerGroups"][0]["ServerGroupId"],
        retry["ServerGroupId"]
    );
}

#[tokio::test]
async fn latency_delays_calls() {
    let server = start_with(MockConfig::default().faults(Faults::none().latency_ms(150)));
    let started = Instant::now();
    Req::new("ListLoadBalancers").send(&server).await.ok();
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(server.counters().faults.delayed, 1);
}

#[tokio::test]
async fn seeded_faults_and_ids_repeat() {
    async fn run() -> (Vec<u16>, String) {
        let server = start_with(
            MockConfig::default()
                .seed(42)
                .faults(Faults::none().error_rate(0.5).actions(["ListRules"])),
        );
        let mut statuses = Vec::new();
        for _ in 0..30 {
            statuses.push(Req::new("ListRules").send(&server).await.status);
        }
        let id = sg_req("seeded").send(&server).await.ok()["ServerGroupId"]
            .as_str()
            .expect("id")
            .to_string();
        (statuses, id)
    }
    let (a, id_a) = run().await;
    let (b, id_b) = run().await;
    assert_eq!(a, b);
    assert_eq!(id_a, id_b);
    assert!(a.contains(&200) && a.iter().any(|s| *s >= 500), "{a:?}");
}

#[tokio::test]
async fn admin_api_over_http() {
    let server = start();
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}/__mock/{p}", server.endpoint());
    let faults: Value = http
        .get(url("faults"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(faults["throttle_rate"], 0.0);
    let put = http
        .put(url("faults"))
        .body(r#"{"error_rate": 1.0, "actions": ["ListListeners"]}"#)
        .send()
        .await
        .expect("put");
    assert_eq!(put.status().as_u16(), 200);
    assert_eq!(server.faults().error_rate, 1.0);
    let bad = http
        .put(url("faults"))
        .body(r#"{"error_rate": 2}"#)
        .send()
        .await
        .expect("put");
    assert_eq!(bad.status().as_u16(), 400);
    let bad = http
        .put(url("faults"))
        .body(r#"{"nonsense": 1}"#)
        .send()
        .await
        .expect("put");
    assert_eq!(bad.status().as_u16(), 400);
    assert!(Req::new("ListListeners").send(&server).await.status >= 500);

    sg_req("admin").send(&server).await.ok();
    let state: Value = http
        .get(url("state"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(state["RegionId"], "cn-hangzhou");
    assert_eq!(state["ServerGroups"][0]["ServerGroupName"], "admin");
    assert_eq!(state["ServerGroups"][0]["Servers"], json!([]));
    assert_eq!(state["Jobs"].as_array().map(Vec::len), Some(1));
    let counters: Value = http
        .get(url("counters"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(counters["actions"]["CreateServerGroup"]["calls"], 1);
    assert_eq!(counters["faults"]["server_errors"], 1);

    let clock: Value = http
        .get(url("clock"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(clock["frozen"], true);
    let before = clock["now_ms"].as_u64().expect("now");
    let moved: Value = http
        .post(url("clock"))
        .body(r#"{"advance_ms": 5000}"#)
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(moved["now_ms"].as_u64(), Some(before + 5000));
    let state: Value = http
        .get(url("state"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(state["Jobs"][0]["Status"], "Succeeded");

    let reset = http.post(url("reset")).send().await.expect("reset");
    assert_eq!(reset.status().as_u16(), 200);
    let state = server.state();
    assert_eq!(state["ServerGroups"], json!([]));
    assert_eq!(server.counters().total_calls, 0);
}

#[test]
fn help_lists_every_option() {
    let out = Command::new(env!("CARGO_BIN_EXE_alb-mock"))
        .arg("--help")
        .output()
        .expect("run alb-mock");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for option in [
        "--listen",
        "--access-key",
        "--secret-key",
        "--security-token",
        "--credentials-file",
        "--region",
        "--state-file",
        "--async-delay-ms",
        "--throttle-rate",
        "--error-rate",
        "--drop-rate",
        "--latency-ms",
        "--busy-window-ms",
        "--fault-actions",
        "--seed",
        "ALB_MOCK_LISTEN",
        "/__mock/faults",
    ] {
        assert!(help.contains(option), "--help lacks {option}:\n{help}");
    }
}

#[tokio::test]
async fn binary_serves_with_options_from_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let creds = dir.path().join("keys.txt");
    std::fs::write(&creds, "# extra keys\nfile-key file-secret\n").expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_alb-mock"))
        .args(["--listen", "127.0.0.1:0", "--credentials-file"])
        .arg(&creds)
        .env("ALB_MOCK_REGION", "cn-beijing")
        .env("ALB_MOCK_THROTTLE_RATE", "1")
        .env("ALB_MOCK_FAULT_ACTIONS", "ListRules")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn alb-mock");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read");
    let endpoint = line
        .trim()
        .rsplit(' ')
        .next()
        .expect("endpoint")
        .to_string();
    let http = reqwest::Client::new();
    let faults: Value = http
        .get(format!("{endpoint}/__mock/faults"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(faults["throttle_rate"], 1.0);
    assert_eq!(faults["actions"], json!(["ListRules"]));
    let state: Value = http
        .get(format!("{endpoint}/__mock/state"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(state["RegionId"], "cn-beijing");
    let host = endpoint.trim_start_matches("http://");
    Req::new("ListLoadBalancers")
        .key("file-key", "file-secret")
        .send_to(host)
        .await
        .ok();
    Req::new("ListRules")
        .send_to(host)
        .await
        .err(400, "Throttling.User");
    Req::new("ListLoadBalancers")
        .key("file-key", "wrong")
        .send_to(host)
        .await
        .err(400, "SignatureDoesNotMatch");
    let _ = child.kill();
    let _ = child.wait();
}

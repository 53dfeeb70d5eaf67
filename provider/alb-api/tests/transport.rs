//! End-to-end tests of the transport against a tiny local server: signatures verified with the
//! crate's own signing functions, retries keep the client token, lost responses are retried,
//! validation/auth errors are not, paging, job waits and batching on the wire.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alb_api::rule::{ListRulesRequest, NewRule, RuleAction, RuleCondition};
use alb_api::server_group::BackendServer;
use alb_api::signing::{canonical_request_v3, sha256_hex, signature_v3};
use alb_api::{Client, ClientConfig, Credentials, Error, RetryPolicy, WaitOptions};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

const KEY_ID: &str = "test-key-id";
const SECRET: &str = "test-secret";

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    action: String,
    query: Vec<(String, String)>,
    body: Vec<(String, String)>,
    content_type: Option<String>,
    signature_ok: bool,
}

impl Seen {
    fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .chain(self.body.iter())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server answers: status, JSON body, and a delay before answering.
struct Reply {
    status: u16,
    body: Value,
    delay: Duration,
}

fn ok(body: Value) -> Reply {
    Reply {
        status: 200,
        body,
        delay: Duration::ZERO,
    }
}

fn err(status: u16, code: &str) -> Reply {
    Reply {
        status,
        body: json!({"RequestId": "REQ", "Code": code, "Message": format!("{code} happened")}),
        delay: Duration::ZERO,
    }
}

type Behavior = Arc<dyn Fn(&Seen, usize) -> Reply + Send + Sync>;

#[derive(Clone)]
struct Mock {
    seen: Arc<Mutex<Vec<Seen>>>,
    behavior: Behavior,
}

impl Mock {
    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

fn verify_signature(headers: &HeaderMap, query: &[(String, String)], body: &[u8]) -> bool {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let auth = header("authorization");
    let Some(rest) = auth.strip_prefix("ACS3-HMAC-SHA256 ") else {
        return false;
    };
    let mut parts = BTreeMap::new();
    for part in rest.split(',') {
        if let Some((k, v)) = part.split_once('=') {
            parts.insert(k.to_string(), v.to_string());
        }
    }
    let signed_names = parts.get("SignedHeaders").cloned().unwrap_or_default();
    let signed: Vec<(String, String)> = signed_names
        .split(';')
        .map(|n| (n.to_string(), header(n)))
        .collect();
    let hashed = header("x-acs-content-sha256");
    if hashed != sha256_hex(body) {
        return false;
    }
    let (canonical, names) = canonical_request_v3("POST", "/", query, &signed, &hashed);
    parts.get("Credential").map(String::as_str) == Some(KEY_ID)
        && names == signed_names
        && parts.get("Signature") == Some(&signature_v3(SECRET, &canonical))
}

async fn handle(
    State(mock): State<Mock>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let query: Vec<(String, String)> = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let seen = Seen {
        action: headers
            .get("x-acs-action")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
        signature_ok: verify_signature(&headers, &query, &body),
        query,
        body: form,
        content_type: headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    };
    let n = {
        let mut all = mock.seen.lock().unwrap_or_else(|p| p.into_inner());
        all.push(seen.clone());
        all.iter().filter(|s| s.action == seen.action).count()
    };
    let reply = (mock.behavior)(&seen, n);
    tokio::time::sleep(reply.delay).await;
    (
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        reply.body.to_string(),
    )
}

/// Starts the server; `behavior(request, n)` gets the 1-based count of requests seen for
/// that action so far.
async fn start(behavior: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> (Mock, String) {
    let mock = Mock {
        seen: Arc::default(),
        behavior: Arc::new(behavior),
    };
    let app = Router::new()
        .route("/", post(handle))
        .with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (mock, format!("http://{addr}"))
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_elapsed: Duration::from_secs(5),
        max_attempts: 5,
        ..RetryPolicy::default()
    }
}

fn client(endpoint: &str) -> Client {
    let config = ClientConfig::new("cn-hangzhou", Credentials::new(KEY_ID, SECRET))
        .with_endpoint(endpoint)
        .with_retry(fast_retry())
        .with_request_timeout(Duration::from_millis(500));
    Client::new(config).expect("client")
}

fn fast_wait() -> WaitOptions {
    WaitOptions {
        timeout: Duration::from_secs(5),
        initial_interval: Duration::from_millis(1),
        max_interval: Duration::from_millis(5),
        progress_every: Duration::from_secs(1),
        missing_grace: 2,
    }
}

fn rule(priority: i64) -> NewRule {
    NewRule {
        rule_name: format!("r{priority}"),
        priority,
        rule_conditions: vec![RuleCondition::path([format!("/p{priority}")])],
        rule_actions: vec![RuleAction::remove_header(1, "x")],
        ..Default::default()
    }
}

#[tokio::test]
async fn throttling_is_retried_with_the_same_client_token() {
    let (mock, endpoint) = start(|_, n| {
        if n <= 2 {
            err(400, "Throttling.User")
        } else {
            ok(json!({"RequestId": "R", "RuleId": "rule-1", "JobId": "job-1"}))
        }
    })
    .await;
    let c = client(&endpoint);
    let req = alb_api::rule::CreateRuleRequest {
        listener_id: "lsn-1".into(),
        rule_name: "r".into(),
        priority: 1,
        rule_conditions: vec![RuleCondition::host(["a.example.com"])],
        rule_actions: vec![RuleAction::remove_header(1, "x")],
        ..Default::default()
    };
    let resp = c.create_rule(&req, None).await.expect("create rule");
    assert_eq!(resp.rule_id, "rule-1");
    assert_eq!(resp.job_id.as_deref(), Some("job-1"));

    let seen = mock.requests();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.signature_ok), "signatures verify");
    let tokens: Vec<_> = seen.iter().map(|s| s.param("ClientToken")).collect();
    assert!(tokens[0].is_some());
    assert!(tokens.iter().all(|t| *t == tokens[0]), "{tokens:?}");
    assert_eq!(
        seen[0].param("RuleConditions.1.HostConfig.Values.1"),
        Some("a.example.com")
    );
    assert!(
        seen[0].body.is_empty(),
        "CreateRule sends everything in the query"
    );

    let m = c.metrics();
    assert_eq!(m.calls_of("CreateRule"), 1);
    assert_eq!(m.attempts.get("CreateRule"), Some(&3));
    assert_eq!(
        m.errors,
        [("Throttling.User".to_owned(), 2)].into(),
        "retried failures are counted by code"
    );
}

#[tokio::test]
async fn caller_token_is_used_verbatim() {
    let (mock, endpoint) = start(|_, _| ok(json!({"RequestId": "R", "JobId": "j"}))).await;
    let c = client(&endpoint);
    let req = alb_api::rule::DeleteRuleRequest {
        rule_id: "rule-1".into(),
        dry_run: None,
    };
    c.delete_rule(&req, Some("plan-42-delete-rule-1"))
        .await
        .expect("delete");
    assert_eq!(
        mock.requests()[0].param("ClientToken"),
        Some("plan-42-delete-rule-1")
    );
    let bad = c.delete_rule(&req, Some("has spaces")).await;
    assert!(matches!(bad, Err(Error::InvalidRequest(_))));
}

#[tokio::test]
async fn a_lost_response_is_retried_with_the_same_token_and_deduplicated() {
    // The first answer comes after the client's request timeout: the server acted on it, the
    // client never saw the result. The retry carries the same token, which the server
    // recognises and answers with the original result.
    let created: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    let state = Arc::clone(&created);
    let (mock, endpoint) = start(move |seen, n| {
        let token = seen.param("ClientToken").unwrap_or("").to_string();
        let mut created = state.lock().unwrap_or_else(|p| p.into_inner());
        let next_id = format!("sgp-{}", created.len() + 1);
        let id = created.entry(token).or_insert(next_id).clone();
        Reply {
            status: 200,
            body: json!({"RequestId": "R", "ServerGroupId": id, "JobId": "j"}),
            delay: if n == 1 {
                Duration::from_millis(1500)
            } else {
                Duration::ZERO
            },
        }
    })
    .await;
    let c = client(&endpoint);
    let req = alb_api::server_group::CreateServerGroupRequest {
        server_group_name: "sg".into(),
        ..Default::default()
    };
    let resp = c.create_server_group(&req, None).await.expect("created");
    assert_eq!(resp.server_group_id, "sgp-1");
    let seen = mock.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].param("ClientToken"), seen[1].param("ClientToken"));
    assert_eq!(
        created.lock().map(|c| c.len()).unwrap_or(0),
        1,
        "one server group"
    );
}

#[tokio::test]
async fn validation_errors_are_not_retried() {
    let (mock, endpoint) = start(|_, _| err(400, "IllegalParam.Order")).await;
    let c = client(&endpoint);
    let r = c
        .call(
            "CreateRule",
            vec![("ListenerId".into(), "lsn".into())],
            None,
        )
        .await;
    match r {
        Err(Error::Api {
            code,
            http_status,
            request_id,
            ..
        }) => {
            assert_eq!(code, "IllegalParam.Order");
            assert_eq!(http_status, 400);
            assert_eq!(request_id, "REQ");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn auth_errors_are_not_retried_and_never_echo_the_secret() {
    let (mock, endpoint) = start(|_, _| err(400, "SignatureDoesNotMatch")).await;
    let c = client(&endpoint);
    let r = c.call("ListRules", vec![], None).await;
    let e = r.expect_err("auth error");
    assert!(e.is_auth());
    let text = format!("{e} {e:?} {c:?}");
    assert!(text.contains("rejected the credentials"));
    assert!(!text.contains(SECRET));
    assert_eq!(mock.requests().len(), 1);
    assert!(
        mock.requests()[0].param("ClientToken").is_none(),
        "reads carry no token"
    );
}

#[tokio::test]
async fn busy_until_deadline_gives_up_with_the_last_error() {
    let (mock, endpoint) = start(|_, _| err(400, "IncorrectStatus.Listener")).await;
    let c = client(&endpoint);
    let e = c
        .call(
            "DeleteListener",
            vec![("ListenerId".into(), "lsn".into())],
            None,
        )
        .await
        .expect_err("gives up");
    match &e {
        Error::DeadlineExceeded { attempts, .. } => assert_eq!(*attempts, 5),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(e.code(), Some("IncorrectStatus.Listener"));
    assert_eq!(mock.requests().len(), 5);
}

#[tokio::test]
async fn connection_errors_are_retried_then_reported() {
    // Bind and drop to get a port with nothing listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let c = client(&format!("http://127.0.0.1:{port}"));
    let e = c
        .call("ListRules", vec![], None)
        .await
        .expect_err("refused");
    match &e {
        Error::Unreachable { attempts, last, .. } => {
            assert_eq!(*attempts, 5);
            assert!(matches!(**last, Error::Transport { .. }), "{last:?}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
}

/// A client whose every budget is long except the unreachable one.
fn client_unreachable_after(endpoint: &str, unreachable: Duration) -> Client {
    let config = ClientConfig::new("cn-hangzhou", Credentials::new(KEY_ID, SECRET))
        .with_endpoint(endpoint)
        .with_retry(RetryPolicy {
            initial: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_elapsed: Duration::from_secs(60),
            max_attempts: 1000,
            unreachable,
        })
        .with_request_timeout(Duration::from_secs(2));
    Client::new(config).expect("client")
}

#[tokio::test]
async fn refused_connections_give_up_after_the_unreachable_budget() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let c = client_unreachable_after(
        &format!("http://127.0.0.1:{port}"),
        Duration::from_millis(600),
    );
    let started = std::time::Instant::now();
    let e = c
        .call("ListRules", vec![], None)
        .await
        .expect_err("refused");
    let took = started.elapsed();
    assert!(
        matches!(e, Error::Unreachable { attempts, .. } if attempts > 1),
        "{e:?}"
    );
    assert!(took >= Duration::from_millis(500), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test]
async fn a_silent_endpoint_gives_up_within_the_unreachable_budget() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    // The request timeout (2 s) is longer than the budget: the attempt is cut to the budget.
    let c = client_unreachable_after(&format!("http://{addr}"), Duration::from_millis(1500));
    let started = std::time::Instant::now();
    let e = c.call("ListRules", vec![], None).await.expect_err("silent");
    let took = started.elapsed();
    match &e {
        Error::Unreachable { last, .. } => {
            assert!(matches!(**last, Error::Timeout { .. }), "{last:?}")
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(took < Duration::from_millis(2500), "{took:?}");
}

#[tokio::test]
async fn throttling_keeps_the_long_budget() {
    let (mock, endpoint) = start(|_, n| {
        if n <= 30 {
            err(400, "Throttling.User")
        } else {
            ok(json!({"RequestId": "R"}))
        }
    })
    .await;
    // Unreachable budget far below the time the throttling lasts: answers are not "unreachable".
    let c = client_unreachable_after(&endpoint, Duration::from_millis(1));
    c.call("ListRules", vec![], None)
        .await
        .expect("throttling rides out");
    assert_eq!(mock.requests().len(), 31);
}

#[tokio::test]
async fn server_errors_are_retried() {
    let (_, endpoint) = start(|_, n| {
        if n == 1 {
            Reply {
                status: 503,
                body: json!("unavailable"),
                delay: Duration::ZERO,
            }
        } else {
            ok(json!({"RequestId": "R"}))
        }
    })
    .await;
    let c = client(&endpoint);
    assert!(c.call("ListRules", vec![], None).await.is_ok());
}

#[tokio::test]
async fn list_all_follows_next_token() {
    let (mock, endpoint) = start(|seen, _| {
        let page = match seen.param("NextToken") {
            None => 1,
            Some("t2") => 2,
            Some(_) => 3,
        };
        let rules: Vec<Value> = (0..2)
            .map(|i| json!({"RuleId": format!("rule-{page}-{i}"), "RuleStatus": "Available"}))
            .collect();
        let next = match page {
            1 => json!("t2"),
            2 => json!("t3"),
            _ => json!(""),
        };
        ok(json!({"RequestId": "R", "Rules": rules, "NextToken": next}))
    })
    .await;
    let c = client(&endpoint);
    let rules = c
        .list_all(ListRulesRequest {
            listener_ids: vec!["lsn-1".into()],
            ..Default::default()
        })
        .await
        .expect("listed");
    assert_eq!(rules.len(), 6);
    assert_eq!(rules[5].rule_id, "rule-3-1");
    let seen = mock.requests();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].param("MaxResults"), Some("100"));
    assert_eq!(seen[0].param("ListenerIds.1"), Some("lsn-1"));
}

#[tokio::test]
async fn job_waits_poll_until_succeeded_or_failed() {
    let (_, endpoint) = start(|seen, n| {
        let id = seen.param("JobIds.1").unwrap_or("").to_string();
        let status = match (id.as_str(), n) {
            ("bad", _) => "Failed",
            (_, 1 | 2) => "Processing",
            _ => "Succeeded",
        };
        ok(
            json!({"RequestId": "R", "Jobs": [{"Id": id, "Status": status,
            "ErrorCode": "QuotaExceeded.Rules", "ErrorMessage": "too many"}]}),
        )
    })
    .await;
    let c = client(&endpoint);
    let job = c
        .wait_for_job(Some("good"), &fast_wait())
        .await
        .expect("succeeded");
    assert_eq!(job.map(|j| j.status), Some("Succeeded".into()));
    match c.wait_for_job(Some("bad"), &fast_wait()).await {
        Err(Error::JobFailed {
            job_id,
            code,
            message,
            ..
        }) => {
            assert_eq!(job_id, "bad");
            assert_eq!(code, "QuotaExceeded.Rules");
            assert_eq!(message, "too many");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(c.wait_for_job(None, &fast_wait()).await, Ok(None)));
}

#[tokio::test]
async fn create_rules_batched_sends_ten_per_call_in_the_body() {
    let (mock, endpoint) = start(|seen, n| match seen.action.as_str() {
        "CreateRules" => {
            let ids: Vec<Value> = seen
                .body
                .iter()
                .filter(|(k, _)| k.ends_with(".Priority") && k.matches('.').count() == 2)
                .map(|(_, p)| json!({"RuleId": format!("rule-{p}"), "Priority": p.parse::<i64>().unwrap_or(0)}))
                .collect();
            ok(json!({"RequestId": "R", "RuleIds": ids, "JobId": format!("job-{n}")}))
        }
        _ => {
            let id = seen.param("JobIds.1").unwrap_or("");
            ok(json!({"RequestId": "R", "Jobs": [{"Id": id, "Status": "Succeeded"}]}))
        }
    })
    .await;
    let c = client(&endpoint);
    let rules: Vec<NewRule> = (1..=25).map(rule).collect();
    let created = c
        .create_rules_batched("lsn-1", &rules, Some("apply-7"), &fast_wait())
        .await
        .expect("created");
    assert_eq!(created.len(), 25);
    assert_eq!(created[24].priority, 25);

    let calls: Vec<Seen> = mock
        .requests()
        .into_iter()
        .filter(|s| s.action == "CreateRules")
        .collect();
    let per_call: Vec<usize> = calls
        .iter()
        .map(|s| {
            s.body
                .iter()
                .filter(|(k, _)| k.ends_with(".RuleName"))
                .count()
        })
        .collect();
    assert_eq!(per_call, [10, 10, 5]);
    for s in &calls {
        assert!(s.signature_ok);
        assert_eq!(
            s.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(
            s.query
                .iter()
                .filter(|(k, _)| k.starts_with("Rules"))
                .count(),
            0
        );
        assert_eq!(s.param("ListenerId"), Some("lsn-1"));
    }
    let tokens: Vec<_> = calls.iter().map(|s| s.param("ClientToken")).collect();
    assert_eq!(
        tokens,
        [Some("apply-7-0"), Some("apply-7-1"), Some("apply-7-2")]
    );
    assert_eq!(c.metrics().calls_of("CreateRules"), 3);
    assert_eq!(c.metrics().calls_of("ListAsynJobs"), 3);
}

#[tokio::test]
async fn add_servers_batched_splits_at_two_hundred() {
    let (mock, endpoint) = start(|seen, _| match seen.action.as_str() {
        "AddServersToServerGroup" => ok(json!({"RequestId": "R", "JobId": "j"})),
        _ => ok(json!({"Jobs": [{"Id": "j", "Status": "Succeeded"}]})),
    })
    .await;
    let c = client(&endpoint);
    let servers: Vec<BackendServer> = (0..450)
        .map(|i| BackendServer {
            server_id: format!("10.0.{}.{}", i / 250, i % 250),
            server_type: "Ip".into(),
            port: Some(8080),
            ..Default::default()
        })
        .collect();
    c.add_servers_batched("sgp-1", &servers, None, &fast_wait())
        .await
        .expect("added");
    let sizes: Vec<usize> = mock
        .requests()
        .iter()
        .filter(|s| s.action == "AddServersToServerGroup")
        .map(|s| {
            s.body
                .iter()
                .filter(|(k, _)| k.ends_with(".ServerId"))
                .count()
        })
        .collect();
    assert_eq!(sizes, [200, 200, 50]);
}

#[tokio::test]
async fn deletes_of_missing_resources_succeed() {
    let (_, endpoint) = start(|_, _| err(404, "ResourceNotFound.ServerGroup")).await;
    let c = client(&endpoint);
    let deleted = c
        .delete_server_group_and_wait("sgp-gone", None, &fast_wait())
        .await
        .expect("ok");
    assert!(!deleted);
}

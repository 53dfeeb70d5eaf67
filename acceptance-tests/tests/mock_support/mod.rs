//! Shared helpers for the mock tests: a raw signed request builder (V3 or V1, with every
//! signing input overridable so tests can break them) and fixtures.
#![allow(dead_code)] // every test crate uses a different subset

use std::time::Duration;

use acceptance_tests::mock::{MockConfig, MockServer};
use alb_api::signing;
use serde_json::Value;

/// Default key pair of `MockConfig::default()`.
pub const AK: &str = "mock-access-key";
/// Default secret.
pub const SK: &str = "mock-secret-key";
/// Async delay used by the tests.
pub const DELAY_MS: u64 = 40;

/// A mock with the tests' async delay and a frozen clock.
pub fn start() -> MockServer {
    start_with(MockConfig::default())
}

/// A mock from `config` with the tests' async delay and a frozen clock, so transitional
/// states last until [`settle`] however slow the machine is.
pub fn start_with(config: MockConfig) -> MockServer {
    MockServer::start(config.async_delay_ms(DELAY_MS).frozen_clock()).expect("start mock")
}

/// Ends every transitional state started so far (moves the mock's clock past the delay).
pub fn settle(server: &MockServer) {
    server.advance(Duration::from_millis(DELAY_MS + 1));
}

/// One API request under construction.
#[derive(Debug, Clone)]
pub struct Req {
    action: String,
    query: Vec<(String, String)>,
    form: Vec<(String, String)>,
    ak: String,
    sk: String,
    token: Option<String>,
    timestamp: Option<String>,
    nonce: Option<String>,
    v1: bool,
}

/// The answer: status and JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// The error code ("" on success).
    pub fn code(&self) -> &str {
        self.body["Code"].as_str().unwrap_or("")
    }

    /// Asserts success and returns the body.
    #[track_caller]
    pub fn ok(self) -> Value {
        assert_eq!(self.status, 200, "expected success, got {}", self.body);
        assert!(
            self.body["RequestId"].is_string(),
            "no RequestId: {}",
            self.body
        );
        self.body
    }

    /// Asserts an error with this status and code and returns the body.
    #[track_caller]
    pub fn err(self, status: u16, code: &str) -> Value {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "unexpected answer {}",
            self.body
        );
        for key in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
            assert!(
                self.body[key].is_string(),
                "error body lacks {key}: {}",
                self.body
            );
        }
        self.body
    }
}

impl Req {
    /// A V3-signed request with the default key.
    pub fn new(action: &str) -> Self {
        Self {
            action: action.to_string(),
            query: Vec::new(),
            form: Vec::new(),
            ak: AK.into(),
            sk: SK.into(),
            token: None,
            timestamp: None,
            nonce: None,
            v1: false,
        }
    }

    fn set(list: &mut Vec<(String, String)>, key: &str, value: String) {
        match list.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = value,
            None => list.push((key.to_string(), value)),
        }
    }

    /// Sets a query parameter (replacing an earlier value).
    pub fn p(mut self, key: &str, value: impl ToString) -> Self {
        Self::set(&mut self.query, key, value.to_string());
        self
    }

    /// Sets a form-body parameter (replacing an earlier value).
    pub fn body(mut self, key: &str, value: impl ToString) -> Self {
        Self::set(&mut self.form, key, value.to_string());
        self
    }

    /// Adds several query parameters.
    pub fn ps(mut self, pairs: &[(&str, &str)]) -> Self {
        for (k, v) in pairs {
            self.query.push((k.to_string(), v.to_string()));
        }
        self
    }

    /// Signs with another key pair.
    pub fn key(mut self, ak: &str, sk: &str) -> Self {
        self.ak = ak.into();
        self.sk = sk.into();
        self
    }

    /// Sends an STS security token.
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Overrides the signed timestamp.
    pub fn timestamp(mut self, ts: &str) -> Self {
        self.timestamp = Some(ts.into());
        self
    }

    /// Overrides the nonce.
    pub fn nonce(mut self, nonce: &str) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// Signs with V1 (HMAC-SHA1 parameters) instead of V3.
    pub fn v1(mut self) -> Self {
        self.v1 = true;
        self
    }

    fn encode(pairs: &[(String, String)]) -> String {
        pairs
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    signing::percent_encode(k),
                    signing::percent_encode(v)
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Signs and sends the request; panics on transport errors.
    pub async fn send(&self, server: &MockServer) -> Reply {
        self.try_send(server).await.expect("transport error")
    }

    /// Signs and sends the request.
    pub async fn try_send(&self, server: &MockServer) -> Result<Reply, reqwest::Error> {
        self.try_send_to(&server.addr().to_string()).await
    }

    /// Signs and sends the request to `host` (`127.0.0.1:PORT`); panics on transport errors.
    pub async fn send_to(&self, host: &str) -> Reply {
        self.try_send_to(host).await.expect("transport error")
    }

    /// Signs and sends the request to `host` (`127.0.0.1:PORT`).
    pub async fn try_send_to(&self, host: &str) -> Result<Reply, reqwest::Error> {
        let host = host.to_string();
        let timestamp = self
            .timestamp
            .clone()
            .unwrap_or_else(|| signing::format_timestamp(time::OffsetDateTime::now_utc()));
        let nonce = self.nonce.clone().unwrap_or_else(signing::new_nonce);
        let body = Self::encode(&self.form);
        let client = reqwest::Client::new();
        let request = if self.v1 {
            let mut query = vec![
                ("Action".to_string(), self.action.clone()),
                ("Version".to_string(), "2020-06-16".to_string()),
                ("Format".to_string(), "JSON".to_string()),
                ("Timestamp".to_string(), timestamp),
                ("SignatureNonce".to_string(), nonce),
                ("SignatureMethod".to_string(), "HMAC-SHA1".to_string()),
                ("SignatureVersion".to_string(), "1.0".to_string()),
                ("AccessKeyId".to_string(), self.ak.clone()),
            ];
            if let Some(t) = &self.token {
                query.push(("SecurityToken".to_string(), t.clone()));
            }
            query.extend(self.query.iter().cloned());
            let all: Vec<(String, String)> =
                query.iter().chain(self.form.iter()).cloned().collect();
            query.push((
                "Signature".into(),
                signing::signature_v1(&self.sk, "POST", &all),
            ));
            client
                .post(format!("http://{host}/?{}", Self::encode(&query)))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
        } else {
            let mut headers = vec![
                ("host".to_string(), host.clone()),
                ("x-acs-action".to_string(), self.action.clone()),
                ("x-acs-version".to_string(), "2020-06-16".to_string()),
                ("x-acs-date".to_string(), timestamp),
                ("x-acs-signature-nonce".to_string(), nonce),
                (
                    "x-acs-content-sha256".to_string(),
                    signing::sha256_hex(body.as_bytes()),
                ),
            ];
            if !body.is_empty() {
                headers.push((
                    "content-type".into(),
                    "application/x-www-form-urlencoded".into(),
                ));
            }
            if let Some(t) = &self.token {
                headers.push(("x-acs-security-token".into(), t.clone()));
            }
            let authorization = signing::authorize_v3(
                &self.ak,
                &self.sk,
                "POST",
                "/",
                &self.query,
                &headers,
                &signing::sha256_hex(body.as_bytes()),
            );
            let mut builder = client
                .post(format!("http://{host}/?{}", Self::encode(&self.query)))
                .header("authorization", authorization);
            for (k, v) in headers.iter().filter(|(k, _)| k != "host") {
                builder = builder.header(k, v);
            }
            builder.body(body)
        };
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Reply { status, body })
    }
}

/// Parameters of a valid CreateLoadBalancer.
pub fn lb_req(edition: &str) -> Req {
    Req::new("CreateLoadBalancer").ps(&[
        ("VpcId", "vpc-test"),
        ("AddressType", "Internet"),
        ("LoadBalancerEdition", edition),
        ("LoadBalancerBillingConfig.PayType", "PostPay"),
        ("ZoneMappings.1.ZoneId", "cn-hangzhou-h"),
        ("ZoneMappings.1.VSwitchId", "vsw-h"),
        ("ZoneMappings.2.ZoneId", "cn-hangzhou-i"),
        ("ZoneMappings.2.VSwitchId", "vsw-i"),
        ("LoadBalancerName", "test-lb"),
    ])
}

/// Creates a load balancer and waits until it is Active.
pub async fn create_lb(server: &MockServer, edition: &str) -> String {
    let body = lb_req(edition).send(server).await.ok();
    settle(server);
    body["LoadBalancerId"]
        .as_str()
        .expect("LoadBalancerId")
        .to_string()
}

/// Parameters of a valid CreateServerGroup (Instance type).
pub fn sg_req(name: &str) -> Req {
    Req::new("CreateServerGroup").ps(&[
        ("ServerGroupName", name),
        ("VpcId", "vpc-test"),
        ("HealthCheckConfig.HealthCheckEnabled", "false"),
    ])
}

/// Creates a server group and waits until it is Available.
pub async fn create_sg(server: &MockServer) -> String {
    let body = sg_req("test-sg").send(server).await.ok();
    settle(server);
    body["ServerGroupId"]
        .as_str()
        .expect("ServerGroupId")
        .to_string()
}

/// Parameters of a valid CreateListener forwarding to `sg`.
pub fn listener_req(lb: &str, protocol: &str, port: u16, sg: &str) -> Req {
    let mut req = Req::new("CreateListener")
        .p("LoadBalancerId", lb)
        .p("ListenerProtocol", protocol)
        .p("ListenerPort", port)
        .p("DefaultActions.1.Type", "ForwardGroup")
        .p(
            "DefaultActions.1.ForwardGroupConfig.ServerGroupTuples.1.ServerGroupId",
            sg,
        );
    if protocol != "HTTP" {
        req = req.p("Certificates.1.CertificateId", "cert-1");
    }
    req
}

/// Creates a listener and waits until it is Running.
pub async fn create_listener(
    server: &MockServer,
    lb: &str,
    protocol: &str,
    port: u16,
    sg: &str,
) -> String {
    let body = listener_req(lb, protocol, port, sg).send(server).await.ok();
    settle(server);
    body["ListenerId"].as_str().expect("ListenerId").to_string()
}

/// A load balancer (edition), a server group and an HTTP:80 listener, all settled.
pub async fn stack(server: &MockServer, edition: &str) -> (String, String, String) {
    let lb = create_lb(server, edition).await;
    let sg = create_sg(server).await;
    let listener = create_listener(server, &lb, "HTTP", 80, &sg).await;
    (lb, sg, listener)
}

/// A valid CreateRule: Host condition, ForwardGroup to `sg`.
pub fn rule_req(listener: &str, priority: i64, sg: &str) -> Req {
    Req::new("CreateRule")
        .p("ListenerId", listener)
        .p("RuleName", format!("rule{priority}"))
        .p("Priority", priority)
        .p("RuleConditions.1.Type", "Host")
        .p("RuleConditions.1.HostConfig.Values.1", "www.example.com")
        .p("RuleActions.1.Type", "ForwardGroup")
        .p("RuleActions.1.Order", 10)
        .p(
            "RuleActions.1.ForwardGroupConfig.ServerGroupTuples.1.ServerGroupId",
            sg,
        )
}

/// Creates a rule and waits until it is Available.
pub async fn create_rule(server: &MockServer, listener: &str, priority: i64, sg: &str) -> String {
    let body = rule_req(listener, priority, sg).send(server).await.ok();
    settle(server);
    body["RuleId"].as_str().expect("RuleId").to_string()
}

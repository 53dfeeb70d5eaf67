//! Configuration, credentials and the signed, retried RPC transport.
//!
//! Every action is a `POST /` with the V3 (`ACS3-HMAC-SHA256`) signature headers. Parameters
//! go in the query string except the few the official SDK sends in a form body
//! ([`crate::params::is_body_param`]). A logical call is retried per [`RetryPolicy`] with the
//! same `ClientToken`, so the service can deduplicate a retry whose first response was lost.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tracing::Instrument as _;

use crate::credentials::CredentialsProvider;
use crate::error::Error;
use crate::group_polls::GroupPolls;
use crate::params::{encode_pairs, flatten, split_query_body};
use crate::retry::RetryPolicy;
use crate::signing::{authorize_v3, format_timestamp, new_nonce, sha256_hex};
use crate::token::{new_client_token, validate_client_token};

/// The ALB OpenAPI version this client speaks.
pub const API_VERSION: &str = "2020-06-16";

/// Parameters whose values identify the resource a call is about; logged on the call's span.
const ID_PARAMS: &[&str] = &[
    "LoadBalancerId",
    "ListenerId",
    "RuleId",
    "ServerGroupId",
    "ResourceId",
];

/// Access key credentials, optionally with an STS security token.
///
/// `Debug` prints only whether each field is set, never the values.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The AccessKey id.
    pub access_key_id: String,
    /// The AccessKey secret.
    pub access_key_secret: String,
    /// The STS security token, for temporary credentials.
    pub security_token: Option<String>,
}

impl Credentials {
    /// Long-term access key credentials.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
        }
    }

    /// Adds an STS security token (temporary credentials).
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |set: bool| if set { "<redacted>" } else { "<empty>" };
        f.debug_struct("Credentials")
            .field("access_key_id", &redact(!self.access_key_id.is_empty()))
            .field(
                "access_key_secret",
                &redact(!self.access_key_secret.is_empty()),
            )
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The shortest timeout of an attempt made near the end of the unreachable budget.
const MIN_ATTEMPT_TIMEOUT: Duration = Duration::from_millis(200);

/// Everything needed to build a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Region id, e.g. `cn-hangzhou`; selects the endpoint `https://alb.<region>.aliyuncs.com`.
    pub region: String,
    /// Endpoint override (scheme, host, optional port), e.g. `http://127.0.0.1:8080` for the
    /// local mock. A bare host gets `https://`.
    pub endpoint: Option<String>,
    /// Where the credentials signing every request come from (asked once per attempt, so
    /// temporary credentials are renewed during long operations).
    pub credentials: CredentialsProvider,
    /// The OpenAPI version sent in `x-acs-version` (default [`API_VERSION`]).
    pub api_version: &'static str,
    /// Retry policy of each logical call.
    pub retry: RetryPolicy,
    /// Timeout of one HTTP attempt.
    pub request_timeout: Duration,
    /// Timeout of establishing a connection (DNS resolution, TCP and TLS) in one attempt.
    pub connect_timeout: Duration,
}

impl ClientConfig {
    /// A configuration for `region` with the default endpoint, retry policy, a 30 s request
    /// timeout and a 5 s connect timeout.
    pub fn new(region: impl Into<String>, credentials: impl Into<CredentialsProvider>) -> Self {
        ClientConfig {
            region: region.into(),
            endpoint: None,
            credentials: credentials.into(),
            api_version: API_VERSION,
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// Sets an endpoint override.
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Sets the OpenAPI version (for another service's endpoint, e.g. STS).
    pub fn with_api_version(mut self, version: &'static str) -> Self {
        self.api_version = version;
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the per-attempt request timeout.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the per-attempt connect timeout.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The base URL requests go to (without trailing slash).
    pub fn endpoint_url(&self) -> String {
        match &self.endpoint {
            Some(e) if e.contains("://") => e.trim_end_matches('/').to_string(),
            Some(e) => format!("https://{}", e.trim_end_matches('/')),
            None => format!("https://alb.{}.aliyuncs.com", self.region),
        }
    }
}

/// Call counts per action, for benchmarks and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// Logical calls per action (one per method invocation, however many attempts).
    pub calls: BTreeMap<String, u64>,
    /// HTTP attempts per action (retries included).
    pub attempts: BTreeMap<String, u64>,
    /// Failed attempts (retried ones included) per error kind ([`Error::kind`]).
    pub errors: BTreeMap<String, u64>,
}

impl MetricsSnapshot {
    /// Logical calls of `action`.
    pub fn calls_of(&self, action: &str) -> u64 {
        self.calls.get(action).copied().unwrap_or(0)
    }

    /// Logical calls of all actions.
    pub fn total_calls(&self) -> u64 {
        self.calls.values().sum()
    }

    /// HTTP attempts of all actions.
    pub fn total_attempts(&self) -> u64 {
        self.attempts.values().sum()
    }

    /// Logical calls of actions that change something (not `List*`/`Get*`).
    pub fn mutating_calls(&self) -> u64 {
        self.calls
            .iter()
            .filter(|(a, _)| is_mutating_action(a))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Whether an action changes state (everything except `List*`, `Get*` and `Describe*`).
pub fn is_mutating_action(action: &str) -> bool {
    !(action.starts_with("List") || action.starts_with("Get") || action.starts_with("Describe"))
}

/// A request ready to send: what goes in the query string, the form body and the headers
/// (including `host`, which the HTTP client sets from the URL, and `authorization`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PreparedRequest {
    pub query: Vec<(String, String)>,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

/// Builds and signs one attempt of `action` (pure: date and nonce are inputs).
pub(crate) fn prepare_request(
    action: &str,
    version: &str,
    params: Vec<(String, String)>,
    credentials: &Credentials,
    host: &str,
    date: &str,
    nonce: &str,
) -> PreparedRequest {
    let (query, body_params) = split_query_body(action, params);
    let body = encode_pairs(&body_params);
    let hashed_payload = sha256_hex(body.as_bytes());
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), host.into()),
        ("x-acs-action".into(), action.into()),
        ("x-acs-version".into(), version.into()),
        ("x-acs-date".into(), date.into()),
        ("x-acs-signature-nonce".into(), nonce.into()),
        ("x-acs-content-sha256".into(), hashed_payload.clone()),
        ("accept".into(), "application/json".into()),
    ];
    if let Some(token) = &credentials.security_token {
        headers.push(("x-acs-security-token".into(), token.clone()));
        headers.push((
            "x-acs-accesskey-id".into(),
            credentials.access_key_id.clone(),
        ));
    }
    if !body.is_empty() {
        headers.push((
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
    }
    let authorization = authorize_v3(
        &credentials.access_key_id,
        &credentials.access_key_secret,
        "POST",
        "/",
        &query,
        &headers,
        &hashed_payload,
    );
    headers.push(("authorization".into(), authorization));
    PreparedRequest {
        query,
        body,
        headers,
    }
}

#[derive(Debug, Default)]
struct Metrics {
    calls: BTreeMap<String, u64>,
    attempts: BTreeMap<String, u64>,
    errors: BTreeMap<String, u64>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    host: String,
    region: String,
    credentials: CredentialsProvider,
    api_version: &'static str,
    retry: RetryPolicy,
    request_timeout: Duration,
    metrics: Mutex<Metrics>,
    group_polls: GroupPolls,
}

/// The ALB OpenAPI client. Cheap to clone (shared connection pool and metrics).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.base_url)
            .field("region", &self.inner.region)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client; fails on an unusable endpoint or empty credentials.
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        if config
            .credentials
            .fixed_keys()
            .is_some_and(|keys| keys.access_key_id.is_empty() || keys.access_key_secret.is_empty())
        {
            return Err(Error::InvalidRequest(
                "access key id and secret must not be empty".into(),
            ));
        }
        let base_url = config.endpoint_url();
        let url = reqwest::Url::parse(&base_url)
            .map_err(|e| Error::InvalidRequest(format!("invalid endpoint {base_url:?}: {e}")))?;
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => {
                return Err(Error::InvalidRequest(format!(
                    "endpoint {base_url:?} has no host"
                )))
            }
        };
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout.min(config.request_timeout))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "terraform-provider-alb/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| Error::InvalidRequest(format!("cannot build HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url: format!("{}://{}", url.scheme(), host),
                host,
                region: config.region,
                credentials: config.credentials,
                api_version: config.api_version,
                retry: config.retry,
                request_timeout: config.request_timeout,
                metrics: Mutex::new(Metrics::default()),
                group_polls: GroupPolls::default(),
            }),
        })
    }

    /// The region this client talks to.
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The base URL requests go to.
    pub fn endpoint(&self) -> &str {
        &self.inner.base_url
    }

    /// Whether `other` is a clone of this client (one connection pool, one set of metrics).
    pub fn same_pool(&self, other: &Client) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The status polls of server groups shared by this client's waits.
    pub(crate) fn group_polls(&self) -> &GroupPolls {
        &self.inner.group_polls
    }

    /// The retry policy of each logical call.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// Call and attempt counts per action since the client was built (or last reset).
    pub fn metrics(&self) -> MetricsSnapshot {
        let m = self
            .inner
            .metrics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        MetricsSnapshot {
            calls: m.calls.clone(),
            attempts: m.attempts.clone(),
            errors: m.errors.clone(),
        }
    }

    /// Resets the call counters.
    pub fn reset_metrics(&self) {
        let mut m = self
            .inner
            .metrics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *m = Metrics::default();
    }

    fn count(&self, action: &str, logical: bool) {
        let mut m = self
            .inner
            .metrics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let map = if logical {
            &mut m.calls
        } else {
            &mut m.attempts
        };
        *map.entry(action.to_string()).or_insert(0) += 1;
    }

    fn count_error(&self, error: &Error) {
        let mut m = self
            .inner
            .metrics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *m.errors.entry(error.kind()).or_insert(0) += 1;
    }

    /// Raw escape hatch: calls `action` with already flattened parameters, signed and retried,
    /// and returns the JSON response.
    ///
    /// For mutating actions (not `List*`/`Get*`/`Describe*`) a `ClientToken` is added: the one
    /// given, or a fresh one; it is the same on every retry. A `ClientToken` already present in
    /// `params` is kept when `client_token` is `None`.
    pub async fn call(
        &self,
        action: &str,
        params: Vec<(String, String)>,
        client_token: Option<&str>,
    ) -> Result<Value, Error> {
        let has_token = params.iter().any(|(k, _)| k == "ClientToken");
        let token = match client_token {
            Some(t) => Some(t.to_string()),
            None if is_mutating_action(action) && !has_token => Some(new_client_token()),
            None => None,
        };
        let mut params = params;
        if let Some(t) = token {
            validate_client_token(&t)?;
            params.retain(|(k, _)| k != "ClientToken");
            params.push(("ClientToken".into(), t));
        }
        self.execute(action, params).await
    }

    /// Calls a read-only action with a typed request and decodes the typed response.
    pub(crate) async fn read<Req, Resp>(&self, action: &str, request: &Req) -> Result<Resp, Error>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let params = flatten(request)?;
        let value = self.execute(action, params).await?;
        decode(action, value)
    }

    /// Calls a mutating action with a typed request and a client token (the caller's, else a
    /// fresh one), and decodes the typed response.
    pub(crate) async fn write<Req, Resp>(
        &self,
        action: &str,
        request: &Req,
        client_token: Option<&str>,
    ) -> Result<Resp, Error>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let params = flatten(request)?;
        let value = self.call(action, params, client_token).await?;
        decode(action, value)
    }

    /// The retry loop of one logical call.
    pub(crate) async fn execute(
        &self,
        action: &str,
        params: Vec<(String, String)>,
    ) -> Result<Value, Error> {
        let resource_id = params
            .iter()
            .find(|(k, _)| ID_PARAMS.contains(&k.as_str()))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let client_token = params
            .iter()
            .find(|(k, _)| k == "ClientToken")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let span = tracing::info_span!(
            "alb_api_call",
            action,
            resource_id = %resource_id,
            client_token = %client_token,
        );
        self.count(action, true);
        async {
            let policy = self.inner.retry;
            let started = Instant::now();
            // Start of the current run of attempts that got no HTTP response.
            let mut unanswered_since: Option<Instant> = None;
            let mut attempt: u32 = 0;
            loop {
                attempt += 1;
                self.count(action, false);
                let sent = Instant::now();
                // While unanswered, no attempt may outlast the unreachable budget.
                let timeout = match unanswered_since {
                    None => self.inner.request_timeout,
                    Some(since) => policy
                        .unreachable
                        .saturating_sub(since.elapsed())
                        .clamp(MIN_ATTEMPT_TIMEOUT, self.inner.request_timeout),
                };
                let result = self.attempt(action, params.clone(), timeout).await;
                let latency_ms = sent.elapsed().as_millis() as u64;
                let err = match result {
                    Ok(value) => {
                        tracing::debug!(attempt, latency_ms, "call succeeded");
                        return Ok(value);
                    }
                    Err(err) => err,
                };
                self.count_error(&err);
                if !err.is_retryable() {
                    tracing::debug!(attempt, latency_ms, error = %err, "call failed");
                    return Err(err);
                }
                unanswered_since = if err.is_unanswered() {
                    Some(unanswered_since.unwrap_or(sent))
                } else {
                    None
                };
                let delay = policy.delay(attempt);
                let exhausted = attempt >= policy.max_attempts.max(1)
                    || started.elapsed() + delay > policy.max_elapsed;
                if let Some(since) = unanswered_since {
                    if exhausted || since.elapsed() + delay >= policy.unreachable {
                        tracing::warn!(attempt, latency_ms, error = %err, "endpoint unreachable, giving up");
                        return Err(Error::Unreachable {
                            action: action.to_string(),
                            endpoint: self.inner.base_url.clone(),
                            waited: since.elapsed(),
                            attempts: attempt,
                            last: Box::new(err),
                        });
                    }
                }
                if exhausted {
                    tracing::warn!(attempt, latency_ms, error = %err, "giving up");
                    return Err(Error::DeadlineExceeded {
                        action: action.to_string(),
                        attempts: attempt,
                        last: Box::new(err),
                    });
                }
                tracing::info!(
                    attempt,
                    latency_ms,
                    retry_in_ms = delay.as_millis() as u64,
                    error = %err,
                    "retrying"
                );
                tokio::time::sleep(delay).await;
            }
        }
        .instrument(span)
        .await
    }

    /// One signed HTTP attempt, given up after `timeout`.
    async fn attempt(
        &self,
        action: &str,
        params: Vec<(String, String)>,
        timeout: Duration,
    ) -> Result<Value, Error> {
        let inner = &self.inner;
        let date = format_timestamp(time::OffsetDateTime::now_utc());
        let credentials = inner.credentials.current().await?;
        let prepared = prepare_request(
            action,
            inner.api_version,
            params,
            &credentials,
            &inner.host,
            &date,
            &new_nonce(),
        );
        let url = if prepared.query.is_empty() {
            format!("{}/", inner.base_url)
        } else {
            format!("{}/?{}", inner.base_url, encode_pairs(&prepared.query))
        };
        let mut builder = inner.http.post(url).timeout(timeout);
        for (name, value) in &prepared.headers {
            if name != "host" {
                builder = builder.header(name.as_str(), value.as_str());
            }
        }
        let response = builder
            .body(prepared.body)
            .send()
            .await
            .map_err(|e| transport_error(action, timeout, e))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport_error(action, timeout, e))?;
        interpret_response(action, status, &bytes)
    }
}

/// A failed attempt as [`Error::Timeout`] (after `timeout`) or [`Error::Transport`].
fn transport_error(action: &str, timeout: Duration, err: reqwest::Error) -> Error {
    if err.is_timeout() {
        return Error::Timeout {
            action: action.to_string(),
            timeout,
        };
    }
    Error::Transport {
        action: action.to_string(),
        message: error_chain(&err.without_url()),
    }
}

/// An error and its sources, joined by `: `.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

/// Turns an HTTP status and body into the JSON value or the classified error.
pub(crate) fn interpret_response(action: &str, status: u16, body: &[u8]) -> Result<Value, Error> {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    if (200..300).contains(&status) {
        return parsed.ok_or_else(|| Error::Decode {
            action: action.to_string(),
            message: format!("HTTP {status} with a body that is not JSON"),
        });
    }
    let field = |name: &str| -> Option<String> {
        let obj = parsed.as_ref()?.as_object()?;
        let v = obj
            .get(name)
            .or_else(|| obj.get(&name.to_ascii_lowercase()))?;
        Some(match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    let code = field("Code").unwrap_or_else(|| format!("HTTP{status}"));
    let message = field("Message").unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        text.chars().take(200).collect()
    });
    let request_id = field("RequestId").unwrap_or_default();
    Err(Error::from_response(status, code, message, request_id))
}

/// Removes `null` members and elements so that `#[serde(default)]` fills them in; part of
/// being tolerant of what the service returns.
fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => {
            items.retain(|v| !v.is_null());
            items.iter_mut().for_each(strip_nulls);
        }
        _ => {}
    }
}

/// Decodes a response tolerantly: nulls dropped, unknown fields ignored, missing ones defaulted
/// (by the response types' `#[serde(default)]`).
pub(crate) fn decode<T: DeserializeOwned>(action: &str, mut value: Value) -> Result<T, Error> {
    strip_nulls(&mut value);
    serde_json::from_value(value).map_err(|e| Error::Decode {
        action: action.to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{canonical_request_v3, is_signed_header_v3, string_to_sign_v3};

    fn creds() -> Credentials {
        Credentials::new("LTAItestid", "testsecret")
    }

    #[test]
    fn credentials_debug_redacts() {
        let c = creds().with_security_token("sts-token-value");
        let text = format!("{c:?}");
        assert!(!text.contains("LTAItestid"), "{text}");
        assert!(!text.contains("testsecret"), "{text}");
        assert!(!text.contains("sts-token-value"), "{text}");
        let cfg = ClientConfig::new("cn-hangzhou", c);
        let text = format!("{cfg:?}");
        assert!(!text.contains("testsecret"), "{text}");
    }

    #[test]
    fn endpoint_resolution() {
        let cfg = ClientConfig::new("cn-hangzhou", creds());
        assert_eq!(cfg.endpoint_url(), "https://alb.cn-hangzhou.aliyuncs.com");
        let cfg = cfg.with_endpoint("http://127.0.0.1:8080/");
        assert_eq!(cfg.endpoint_url(), "http://127.0.0.1:8080");
        let cfg = ClientConfig::new("x", creds()).with_endpoint("alb-vpc.x.aliyuncs.com");
        assert_eq!(cfg.endpoint_url(), "https://alb-vpc.x.aliyuncs.com");
    }

    #[test]
    fn client_rejects_empty_credentials() {
        let cfg = ClientConfig::new("cn-hangzhou", Credentials::new("", ""));
        assert!(matches!(Client::new(cfg), Err(Error::InvalidRequest(_))));
    }

    #[test]
    fn mutating_actions() {
        assert!(is_mutating_action("CreateRules"));
        assert!(is_mutating_action("DeleteLoadBalancer"));
        assert!(is_mutating_action("TagResources"));
        assert!(!is_mutating_action("ListAsynJobs"));
        assert!(!is_mutating_action("GetLoadBalancerAttribute"));
    }

    /// A whole ALB request with fixed date, nonce and keys. The expected canonical request,
    /// string to sign and Authorization header were computed independently (Python hashlib/hmac
    /// following section 1.3 of the research notes).
    #[test]
    fn whole_alb_request_is_signed_as_documented() {
        let params = vec![
            ("ListenerId".to_string(), "lsn-abc".to_string()),
            ("Rules.1.RuleName".to_string(), "r 1".to_string()),
            ("Rules.1.Priority".to_string(), "10".to_string()),
            (
                "Rules.1.RuleConditions.1.Type".to_string(),
                "Host".to_string(),
            ),
            (
                "Rules.1.RuleConditions.1.HostConfig.Values.1".to_string(),
                "*.example.com".to_string(),
            ),
            ("ClientToken".to_string(), "tok-1".to_string()),
        ];
        let prepared = prepare_request(
            "CreateRules",
            API_VERSION,
            params,
            &creds(),
            "alb.cn-hangzhou.aliyuncs.com",
            "2024-05-06T07:08:09Z",
            "0123456789abcdef0123456789abcdef",
        );
        assert_eq!(
            prepared.query,
            vec![
                ("ListenerId".to_string(), "lsn-abc".to_string()),
                ("ClientToken".to_string(), "tok-1".to_string()),
            ]
        );
        assert_eq!(
            prepared.body,
            "Rules.1.RuleName=r%201&Rules.1.Priority=10&Rules.1.RuleConditions.1.Type=Host&Rules.1.RuleConditions.1.HostConfig.Values.1=%2A.example.com"
        );
        let hashed = sha256_hex(prepared.body.as_bytes());
        let signed: Vec<(String, String)> = prepared
            .headers
            .iter()
            .filter(|(k, _)| is_signed_header_v3(k))
            .cloned()
            .collect();
        let (canonical, signed_headers) =
            canonical_request_v3("POST", "/", &prepared.query, &signed, &hashed);
        assert_eq!(canonical, EXPECTED_CANONICAL);
        assert_eq!(string_to_sign_v3(&canonical), EXPECTED_STRING_TO_SIGN);
        let auth = prepared
            .headers
            .iter()
            .find(|(k, _)| k == "authorization")
            .map(|(_, v)| v.as_str());
        assert_eq!(auth, Some(EXPECTED_AUTHORIZATION));
        assert_eq!(
            signed_headers,
            "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
        );
    }

    const EXPECTED_CANONICAL: &str = "POST\n/\nClientToken=tok-1&ListenerId=lsn-abc\ncontent-type:application/x-www-form-urlencoded\nhost:alb.cn-hangzhou.aliyuncs.com\nx-acs-action:CreateRules\nx-acs-content-sha256:1e62be5f30e3586257836f0ca0330cc12d604c1092f4c7994bc20eee44ea5aff\nx-acs-date:2024-05-06T07:08:09Z\nx-acs-signature-nonce:0123456789abcdef0123456789abcdef\nx-acs-version:2020-06-16\n\ncontent-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n1e62be5f30e3586257836f0ca0330cc12d604c1092f4c7994bc20eee44ea5aff";
    const EXPECTED_STRING_TO_SIGN: &str =
        "ACS3-HMAC-SHA256\n76ba1763567a71994b959381839e7cea54eaabfac37e637c85b501ec2c55bf69";
    const EXPECTED_AUTHORIZATION: &str = "ACS3-HMAC-SHA256 Credential=LTAItestid,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=c4797d831a703468b888078345d1f01978c35fed4476d484ebbf9392ff67c841";

    #[test]
    fn sts_token_is_sent_and_signed() {
        let c = creds().with_security_token("sts-xyz");
        let p = prepare_request("ListRules", API_VERSION, vec![], &c, "h", "d", "n");
        assert!(p
            .headers
            .iter()
            .any(|(k, v)| k == "x-acs-security-token" && v == "sts-xyz"));
        assert!(p.body.is_empty());
        assert!(!p.headers.iter().any(|(k, _)| k == "content-type"));
        let auth = p
            .headers
            .iter()
            .find(|(k, _)| k == "authorization")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        assert!(auth.contains("x-acs-security-token"), "{auth}");
        assert!(!auth.contains("sts-xyz"));
    }

    #[test]
    fn error_bodies_are_classified() {
        let body = br#"{"RequestId":"R1","Code":"IncorrectStatus.Listener","Message":"busy","Recommend":"x"}"#;
        match interpret_response("CreateRule", 400, body) {
            Err(Error::Api {
                http_status,
                code,
                message,
                request_id,
            }) => {
                assert_eq!(http_status, 400);
                assert_eq!(code, "IncorrectStatus.Listener");
                assert_eq!(message, "busy");
                assert_eq!(request_id, "R1");
            }
            other => panic!("unexpected {other:?}"),
        }
        let e = interpret_response("X", 502, b"<html>bad gateway</html>");
        assert!(matches!(&e, Err(err) if err.is_retryable() && err.code() == Some("HTTP502")));
        let e = interpret_response(
            "X",
            400,
            br#"{"Code":"SignatureDoesNotMatch","Message":"m"}"#,
        );
        assert!(matches!(e, Err(Error::Auth { .. })));
        assert!(matches!(
            interpret_response("X", 200, b"not json"),
            Err(Error::Decode { .. })
        ));
        assert!(interpret_response("X", 200, br#"{"RequestId":"r"}"#).is_ok());
    }

    #[test]
    fn decode_is_tolerant() {
        #[derive(serde::Deserialize, Default, Debug)]
        #[serde(rename_all = "PascalCase", default)]
        struct R {
            name: String,
            items: Vec<String>,
            n: Option<i64>,
        }
        let v = serde_json::json!({"Name": null, "Items": ["a", null], "Unknown": 1});
        let r: R = decode("X", v).unwrap_or_default();
        assert_eq!(r.name, "");
        assert_eq!(r.items, vec!["a".to_string()]);
        assert_eq!(r.n, None);
    }
}

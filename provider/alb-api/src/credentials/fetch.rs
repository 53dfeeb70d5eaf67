//! Obtaining temporary credentials from the network sources: STS AssumeRole (signed with the
//! base credentials, through [`Client`]), STS AssumeRoleWithOIDC (anonymous, as the Alibaba
//! SDKs send it), the ECS instance metadata service (IMDSv2 token first) and a credentials URI.

use std::future::Future;
use std::pin::Pin;
use std::time::SystemTime;

use serde::Deserialize;
use serde_json::Value;

use super::chain::{AssumeRole, OidcRole};
use crate::client::{decode, error_chain, interpret_response, Client, Credentials};
use crate::error::Error;
use crate::signing::{format_timestamp, new_nonce};

/// The STS OpenAPI version.
pub const STS_API_VERSION: &str = "2015-04-01";

/// Header of the IMDSv2 token request: the token's lifetime in seconds.
const METADATA_TOKEN_TTL_HEADER: &str = "X-aliyun-ecs-metadata-token-ttl-seconds";
/// Header carrying the IMDSv2 token.
const METADATA_TOKEN_HEADER: &str = "X-aliyun-ecs-metadata-token";
/// Lifetime asked for the IMDSv2 token (the service's maximum).
const METADATA_TOKEN_TTL_SECONDS: &str = "21600";

/// Credentials as a source issued them.
#[derive(Debug)]
pub(super) struct Fetched {
    pub credentials: Credentials,
    /// When they stop working (`None`: they do not expire).
    pub expiration: Option<SystemTime>,
}

/// The issued-credentials shape shared by STS (`Credentials`), the metadata service and
/// credentials URIs. Missing fields are defaulted, unknown ones ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Issued {
    code: Option<String>,
    access_key_id: String,
    access_key_secret: String,
    security_token: String,
    expiration: String,
}

impl Issued {
    fn into_fetched(self) -> Result<Fetched, String> {
        if let Some(code) = self.code.filter(|c| c != "Success") {
            return Err(format!("the answer's Code is {code}, not Success"));
        }
        if self.access_key_id.is_empty() || self.access_key_secret.is_empty() {
            return Err("the answer has no AccessKeyId and AccessKeySecret".to_string());
        }
        let mut credentials = Credentials::new(self.access_key_id, self.access_key_secret);
        if !self.security_token.is_empty() {
            credentials = credentials.with_security_token(self.security_token);
        }
        // Tolerant: an Expiration that is missing or unreadable means "does not expire".
        let expiration = time::OffsetDateTime::parse(
            &self.expiration,
            &time::format_description::well_known::Rfc3339,
        )
        .ok()
        .map(SystemTime::from);
        Ok(Fetched {
            credentials,
            expiration,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct StsAnswer {
    credentials: Issued,
}

/// An error of an STS call without the "ALB API" wording of [`Error`]'s `Display`.
fn sts_error(e: &Error) -> String {
    match (e.code(), e) {
        (
            Some(code),
            Error::Api {
                http_status,
                message,
                request_id,
                ..
            }
            | Error::Auth {
                http_status,
                message,
                request_id,
                ..
            },
        ) => format!("STS error {code} (HTTP {http_status}): {message} [request id: {request_id}]"),
        _ => e.to_string(),
    }
}

/// STS AssumeRole, signed by `sts` (a client of the STS endpoint with the base credentials).
///
/// Boxed: the STS client asks its own credentials provider for the base credentials, so the
/// future would otherwise contain itself.
pub(super) fn assume_role<'a>(
    sts: &'a Client,
    role: &'a AssumeRole,
) -> Pin<Box<dyn Future<Output = Result<Fetched, String>> + Send + 'a>> {
    Box::pin(assume_role_now(sts, role))
}

async fn assume_role_now(sts: &Client, role: &AssumeRole) -> Result<Fetched, String> {
    let mut params = vec![
        ("RoleArn".to_string(), role.role_arn.clone()),
        ("RoleSessionName".to_string(), role.session_name.clone()),
    ];
    optional_params(&mut params, &role.policy, role.session_expiration);
    if let Some(external_id) = &role.external_id {
        params.push(("ExternalId".to_string(), external_id.clone()));
    }
    let value = sts
        .execute("AssumeRole", params)
        .await
        .map_err(|e| sts_error(&e))?;
    let answer: StsAnswer = decode("AssumeRole", value).map_err(|e| e.to_string())?;
    answer.credentials.into_fetched()
}

fn optional_params(
    params: &mut Vec<(String, String)>,
    policy: &Option<String>,
    expiration: Option<u64>,
) {
    if let Some(policy) = policy {
        params.push(("Policy".to_string(), policy.clone()));
    }
    if let Some(seconds) = expiration {
        params.push(("DurationSeconds".to_string(), seconds.to_string()));
    }
}

/// STS AssumeRoleWithOIDC with the token read from the role's file now (tokens rotate).
pub(super) async fn assume_role_with_oidc(
    http: &reqwest::Client,
    sts_endpoint: &str,
    role: &OidcRole,
) -> Result<Fetched, String> {
    let action = "AssumeRoleWithOIDC";
    let token = tokio::fs::read_to_string(&role.oidc_token_file)
        .await
        .map_err(|e| {
            format!(
                "cannot read the OIDC token file {}: {e}",
                role.oidc_token_file
            )
        })?;
    let query = [
        ("Action", action.to_string()),
        ("Version", STS_API_VERSION.to_string()),
        ("Format", "JSON".to_string()),
        (
            "Timestamp",
            format_timestamp(time::OffsetDateTime::now_utc()),
        ),
        ("SignatureNonce", new_nonce()),
    ];
    let mut form = vec![
        ("RoleArn".to_string(), role.role_arn.clone()),
        (
            "OIDCProviderArn".to_string(),
            role.oidc_provider_arn.clone(),
        ),
        ("OIDCToken".to_string(), token.trim().to_string()),
        ("RoleSessionName".to_string(), role.session_name.clone()),
    ];
    optional_params(&mut form, &role.policy, role.session_expiration);
    let response = http
        .post(format!("{sts_endpoint}/"))
        .query(&query)
        .form(&form)
        .send()
        .await
        .map_err(|e| format!("cannot reach STS at {sts_endpoint}: {}", error_chain(&e)))?;
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("cannot read the STS answer: {}", error_chain(&e)))?;
    let value = interpret_response(action, status, &body).map_err(|e| sts_error(&e))?;
    let answer: StsAnswer = decode(action, value).map_err(|e| e.to_string())?;
    answer.credentials.into_fetched()
}

/// The ECS RAM role's credentials from the instance metadata service: an IMDSv2 token first,
/// then the role's credentials with it.
pub(super) async fn ecs_ram_role(
    http: &reqwest::Client,
    endpoint: &str,
    role_name: &str,
) -> Result<Fetched, String> {
    let unreachable = |e: reqwest::Error| {
        format!(
            "cannot reach the instance metadata at {endpoint}: {}",
            error_chain(&e)
        )
    };
    let token = http
        .put(format!("{endpoint}/latest/api/token"))
        .header(METADATA_TOKEN_TTL_HEADER, METADATA_TOKEN_TTL_SECONDS)
        .send()
        .await
        .map_err(unreachable)?;
    // [INF] a metadata service without IMDSv2 refuses the token request: fall back to a plain
    // GET, as the Alibaba SDKs do unless hardened mode is forced.
    let token = if token.status().is_success() {
        Some(token.text().await.map_err(unreachable)?)
    } else {
        tracing::debug!(
            status = token.status().as_u16(),
            "no IMDSv2 token; reading without one"
        );
        None
    };
    let mut request = http.get(format!(
        "{endpoint}/latest/meta-data/ram/security-credentials/{role_name}"
    ));
    if let Some(token) = token {
        request = request.header(METADATA_TOKEN_HEADER, token.trim());
    }
    json_credentials(
        request.send().await.map_err(unreachable)?,
        "the instance metadata",
    )
    .await
}

/// Credentials from a URI answering `{"Code": "Success", "AccessKeyId", ...}`.
pub(super) async fn from_uri(http: &reqwest::Client, uri: &str) -> Result<Fetched, String> {
    let response = http
        .get(uri)
        .send()
        .await
        .map_err(|e| format!("cannot reach {uri}: {}", error_chain(&e)))?;
    json_credentials(response, uri).await
}

async fn json_credentials(response: reqwest::Response, what: &str) -> Result<Fetched, String> {
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("cannot read the answer of {what}: {}", error_chain(&e)))?;
    if !status.is_success() {
        let text: String = String::from_utf8_lossy(&body).chars().take(200).collect();
        return Err(format!("{what} answered HTTP {}: {text}", status.as_u16()));
    }
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| format!("the answer of {what} is not JSON: {e}"))?;
    let issued: Issued = decode("credentials", value).map_err(|e| e.to_string())?;
    issued.into_fetched()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_credentials_are_read_tolerantly() {
        let issued: Issued = serde_json::from_value(serde_json::json!({
            "AccessKeyId": "STS.id", "AccessKeySecret": "s", "SecurityToken": "t",
            "Expiration": "2030-01-02T03:04:05Z", "Extra": 1
        }))
        .unwrap_or_default();
        let fetched = issued.into_fetched().expect("credentials");
        assert_eq!(fetched.credentials.security_token.as_deref(), Some("t"));
        let at = fetched.expiration.expect("expiration");
        let expected = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_893_553_445);
        assert_eq!(at, expected);
        let failed = Issued {
            code: Some("Failed".into()),
            ..Default::default()
        };
        assert!(failed.into_fetched().is_err());
        assert!(Issued::default().into_fetched().is_err());
    }
}

//! The STS and ECS instance metadata fake, served by the mock next to the ALB API so that every
//! credential source of the provider can be tested locally:
//!
//! * STS (`x-acs-version`/`Version` `2015-04-01` on `POST /`): `AssumeRole`, signed and verified
//!   like ALB calls (by the same [`Verifier`]), and `AssumeRoleWithOIDC`, anonymous, which checks
//!   the OIDC provider ARN and the token against [`IdentitySettings`].
//! * ECS metadata: `PUT /latest/api/token` (IMDSv2 token, required) then
//!   `GET /latest/meta-data/ram/security-credentials/` (the role name) and
//!   `GET /latest/meta-data/ram/security-credentials/<role>` (its credentials).
//! * A credentials URI: `GET /__mock/credentials-uri`.
//!
//! Every issued key is an STS key (AccessKeyId, secret, SecurityToken) the ALB API accepts until
//! it expires, [`IdentitySettings::lifetime`] after issuance.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::auth::Verifier;
use super::error::{ApiError, ApiResult};
use super::model::Millis;
use super::server::Shared;
use super::state::now_ms;
use super::wire::Incoming;

/// Header of the IMDSv2 token request.
const TOKEN_TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
/// Header carrying the IMDSv2 token.
const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";
/// What the fake's role ARNs look like (strict: `acs:ram::<digits>:role/<name>`).
const ROLE_ARN_PREFIX: &str = "acs:ram::";

/// What the STS and metadata fake accepts and how long its keys live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentitySettings {
    /// Lifetime of every issued key (default one hour).
    pub lifetime: Duration,
    /// The OIDC provider AssumeRoleWithOIDC accepts.
    pub oidc_provider_arn: String,
    /// The OIDC token AssumeRoleWithOIDC accepts (`None`: it refuses every token).
    pub oidc_token: Option<String>,
    /// The RAM role of the fake ECS instance (`None`: the instance has none).
    pub ecs_role: Option<String>,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        IdentitySettings {
            lifetime: Duration::from_secs(3600),
            oidc_provider_arn: "acs:ram::1234567890:oidc-provider/ack-rrsa".to_string(),
            oidc_token: None,
            ecs_role: None,
        }
    }
}

/// The fake's settings, issuance counts and IMDSv2 tokens.
#[derive(Debug, Default)]
pub struct Identity {
    settings: Mutex<IdentitySettings>,
    /// Issued keys per way of issuance (`AssumeRole`, `AssumeRoleWithOIDC`, `EcsRamRole`,
    /// `CredentialsUri`).
    issued: Mutex<BTreeMap<String, u64>>,
    metadata_tokens: Mutex<HashSet<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Identity {
    /// Replaces the settings.
    pub fn set(&self, settings: IdentitySettings) {
        *lock(&self.settings) = settings;
    }

    /// Issued keys per way of issuance.
    pub fn issued(&self) -> BTreeMap<String, u64> {
        lock(&self.issued).clone()
    }

    /// Issues a key through `via` and renders it in the shape every issuer shares.
    fn issue(&self, verifier: &Verifier, via: &str) -> Map<String, Value> {
        let now = now_ms();
        let lifetime = lock(&self.settings).lifetime;
        let expires = now + Millis::try_from(lifetime.as_millis()).unwrap_or(Millis::MAX);
        let credential = verifier.issue(expires);
        *lock(&self.issued).entry(via.to_string()).or_insert(0) += 1;
        tracing::debug!(via, "issued temporary credentials");
        let mut out = Map::new();
        out.insert("AccessKeyId".into(), json!(credential.access_key_id));
        out.insert(
            "AccessKeySecret".into(),
            json!(credential.access_key_secret),
        );
        out.insert("SecurityToken".into(), json!(credential.security_token));
        out.insert("Expiration".into(), json!(timestamp(expires)));
        out
    }

    /// Runs an STS call (`AssumeRole` or `AssumeRoleWithOIDC`).
    pub fn sts(
        &self,
        verifier: &Verifier,
        req: &Incoming,
        action: &str,
    ) -> ApiResult<Map<String, Value>> {
        match action {
            "AssumeRole" => {
                verifier.verify(req, now_ms())?;
                let role = role_params(req)?;
                if let Some(id) = req.param("ExternalId") {
                    if id.is_empty() {
                        return Err(ApiError::invalid("ExternalId", "it is empty"));
                    }
                }
                Ok(assumed(role, self.issue(verifier, action)))
            }
            "AssumeRoleWithOIDC" => {
                let role = role_params(req)?;
                let settings = lock(&self.settings).clone();
                let provider = required(req, "OIDCProviderArn")?;
                if provider != settings.oidc_provider_arn {
                    return Err(ApiError::new(
                        404,
                        "EntityNotExist.OIDCProvider",
                        format!("The OIDC provider {provider} does not exist."),
                    ));
                }
                let token = required(req, "OIDCToken")?;
                if settings.oidc_token.as_deref() != Some(token) {
                    return Err(ApiError::new(
                        400,
                        "AuthenticationFail.OIDCToken.Invalid",
                        "The OIDC token is invalid.",
                    ));
                }
                Ok(assumed(role, self.issue(verifier, action)))
            }
            other => Err(ApiError::new(
                404,
                "InvalidAction.NotFound",
                format!("Specified api '{other}' is not found in STS."),
            )),
        }
    }
}

/// `RoleArn` (well formed), `RoleSessionName` and an optional `DurationSeconds` (900–43200).
fn role_params(req: &Incoming) -> ApiResult<&str> {
    let role = required(req, "RoleArn")?;
    let well_formed = role
        .strip_prefix(ROLE_ARN_PREFIX)
        .and_then(|rest| rest.split_once(":role/"))
        .is_some_and(|(account, name)| {
            !account.is_empty() && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
        });
    if !well_formed {
        return Err(ApiError::invalid("RoleArn", role));
    }
    required(req, "RoleSessionName")?;
    if let Some(duration) = req.param("DurationSeconds") {
        if !duration
            .parse::<u64>()
            .is_ok_and(|d| (900..=43200).contains(&d))
        {
            return Err(ApiError::invalid(
                "DurationSeconds",
                format!("{duration} is not within 900 to 43200"),
            ));
        }
    }
    Ok(role)
}

fn required<'a>(req: &'a Incoming, name: &str) -> ApiResult<&'a str> {
    req.param(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing(name))
}

/// The AssumeRole answer: the assumed role and the credentials.
fn assumed(role_arn: &str, credentials: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert(
        "AssumedRoleUser".into(),
        json!({"Arn": role_arn, "AssumedRoleId": format!("3{}", uuid::Uuid::new_v4().simple())}),
    );
    out.insert("Credentials".into(), Value::Object(credentials));
    out
}

/// `yyyy-MM-ddTHH:mm:ssZ` of epoch milliseconds.
fn timestamp(ms: Millis) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp((ms / 1000) as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    alb_api::signing::format_timestamp(at)
}

/// The metadata and credentials-URI routes.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/latest/api/token", put(metadata_token))
        .route(
            "/latest/meta-data/ram/security-credentials/",
            get(role_name),
        )
        .route(
            "/latest/meta-data/ram/security-credentials/{role}",
            get(role_credentials),
        )
        .route("/__mock/credentials-uri", get(credentials_uri))
}

fn text(status: StatusCode, body: &str) -> Response {
    (status, body.to_string()).into_response()
}

async fn metadata_token(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let ttl = headers
        .get(TOKEN_TTL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if !ttl.is_some_and(|t| (1..=21600).contains(&t)) {
        return text(
            StatusCode::BAD_REQUEST,
            "X-aliyun-ecs-metadata-token-ttl-seconds must be 1 to 21600",
        );
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    lock(&shared.identity().metadata_tokens).insert(token.clone());
    text(StatusCode::OK, &token)
}

/// Whether a metadata read carries a token issued by `PUT /latest/api/token`. Strict: IMDSv2
/// is enforced, a read without one is refused with [`no_metadata_token`].
fn has_metadata_token(identity: &Identity, headers: &HeaderMap) -> bool {
    let token = headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok());
    token.is_some_and(|t| lock(&identity.metadata_tokens).contains(t))
}

fn no_metadata_token() -> Response {
    text(
        StatusCode::UNAUTHORIZED,
        "missing or invalid metadata token",
    )
}

async fn role_name(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let identity = shared.identity();
    if !has_metadata_token(identity, &headers) {
        return no_metadata_token();
    }
    match lock(&identity.settings).ecs_role.clone() {
        Some(role) => text(StatusCode::OK, &role),
        None => text(
            StatusCode::NOT_FOUND,
            "no RAM role is attached to the instance",
        ),
    }
}

async fn role_credentials(
    State(shared): State<Arc<Shared>>,
    Path(role): Path<String>,
    headers: HeaderMap,
) -> Response {
    let identity = shared.identity();
    if !has_metadata_token(identity, &headers) {
        return no_metadata_token();
    }
    if lock(&identity.settings).ecs_role.as_deref() != Some(role.as_str()) {
        return text(StatusCode::NOT_FOUND, "no such RAM role on the instance");
    }
    let mut body = identity.issue(shared.verifier(), "EcsRamRole");
    body.insert("Code".into(), json!("Success"));
    body.insert("LastUpdated".into(), json!(timestamp(now_ms())));
    Json(Value::Object(body)).into_response()
}

async fn credentials_uri(State(shared): State<Arc<Shared>>) -> Response {
    let mut body = shared.identity().issue(shared.verifier(), "CredentialsUri");
    body.insert("Code".into(), json!("Success"));
    Json(Value::Object(body)).into_response()
}

//! Signature verification (V3 `ACS3-HMAC-SHA256` headers or V1 HMAC-SHA1 parameters),
//! timestamp window, nonce replay and STS token checks, for ALB and STS calls alike.
//! Canonicalisation is `alb_api::signing`'s, so client and mock share one implementation.
//! Besides the configured keys, the verifier accepts the temporary keys the STS and metadata
//! fake issued ([`Verifier::issue`]) until they expire.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use alb_api::signing;

use super::config::Credential;
use super::error::{ApiError, ApiResult};
use super::model::Millis;
use super::wire::{Incoming, STS_VERSION, VERSION};

/// Allowed clock difference between a request's timestamp and the server.
const WINDOW_MS: u64 = 15 * 60 * 1000;

fn incomplete(detail: &str) -> ApiError {
    ApiError::new(
        400,
        "IncompleteSignature",
        format!("The request signature does not conform to Aliyun standards: {detail}"),
    )
}

fn mismatch() -> ApiError {
    ApiError::new(
        400,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    )
}

/// A temporary key issued by the fake, valid until `expires`.
#[derive(Debug, Clone)]
struct Issued {
    credential: Credential,
    expires: Millis,
}

/// Checks request signatures against the configured keys and the issued temporary ones.
#[derive(Debug)]
pub struct Verifier {
    keys: BTreeMap<String, Credential>,
    issued: Mutex<BTreeMap<String, Issued>>,
    /// `(AccessKeyId, nonce)` → when it was first seen.
    nonces: Mutex<HashMap<(String, String), Millis>>,
}

impl Verifier {
    /// A verifier accepting `credentials`.
    pub fn new(credentials: &[Credential]) -> Self {
        Self {
            keys: credentials
                .iter()
                .map(|c| (c.access_key_id.clone(), c.clone()))
                .collect(),
            issued: Mutex::new(BTreeMap::new()),
            nonces: Mutex::new(HashMap::new()),
        }
    }

    /// Issues a temporary key with an STS token, accepted until `expires`.
    pub fn issue(&self, expires: Millis) -> Credential {
        let random = || uuid::Uuid::new_v4().simple().to_string();
        let credential = Credential::new(format!("STS.{}", random()), random())
            .with_security_token(format!("CAIS{}{}", random(), random()));
        if let Ok(mut issued) = self.issued.lock() {
            issued.insert(
                credential.access_key_id.clone(),
                Issued {
                    credential: credential.clone(),
                    expires,
                },
            );
        }
        credential
    }

    /// Every key issued so far (for tests that look for leaked secrets).
    pub fn issued(&self) -> Vec<Credential> {
        self.issued
            .lock()
            .map(|issued| issued.values().map(|i| i.credential.clone()).collect())
            .unwrap_or_default()
    }

    /// Forgets all seen nonces.
    pub fn forget_nonces(&self) {
        if let Ok(mut n) = self.nonces.lock() {
            n.clear();
        }
    }

    /// Verifies the request and returns the caller's AccessKeyId.
    pub fn verify(&self, req: &Incoming, now: Millis) -> ApiResult<String> {
        match req.header("authorization") {
            Some(auth) if auth.starts_with(signing::ALGORITHM_V3) => self.verify_v3(req, auth, now),
            Some(_) => Err(incomplete("unsupported Authorization scheme")),
            None if req.param("Signature").is_some() => self.verify_v1(req, now),
            None => Err(incomplete(
                "neither an Authorization header nor a Signature parameter",
            )),
        }
    }

    /// The key `id`, configured or issued; an issued key past its expiry is refused.
    /// [INF] the code for an expired STS key: `InvalidSecurityToken.Expired`.
    fn credential(&self, id: &str, now: Millis) -> ApiResult<Credential> {
        if let Some(key) = self.keys.get(id) {
            return Ok(key.clone());
        }
        let issued = self
            .issued
            .lock()
            .ok()
            .and_then(|issued| issued.get(id).cloned());
        match issued {
            Some(issued) if now < issued.expires => Ok(issued.credential),
            Some(_) => Err(ApiError::new(
                400,
                "InvalidSecurityToken.Expired",
                "Specified SecurityToken is expired.",
            )),
            None => Err(ApiError::new(
                404,
                "InvalidAccessKeyId.NotFound",
                "Specified access key is not found.",
            )),
        }
    }

    fn verify_v3(&self, req: &Incoming, auth: &str, now: Millis) -> ApiResult<String> {
        let fields: HashMap<&str, &str> = auth[signing::ALGORITHM_V3.len()..]
            .split(',')
            .filter_map(|part| part.trim().split_once('='))
            .collect();
        let (Some(id), Some(claimed_headers), Some(signature)) = (
            fields.get("Credential"),
            fields.get("SignedHeaders"),
            fields.get("Signature"),
        ) else {
            return Err(incomplete(
                "Authorization needs Credential, SignedHeaders and Signature",
            ));
        };
        let credential = self.credential(id, now)?;
        check_version(req.header("x-acs-version"))?;
        check_time(req.header("x-acs-date"), now)?;
        let nonce = req
            .header("x-acs-signature-nonce")
            .filter(|n| !n.is_empty())
            .ok_or_else(|| incomplete("x-acs-signature-nonce is missing"))?;
        check_token(&credential, req.header("x-acs-security-token"))?;

        // Every header the scheme requires must be signed, and every signed header must exist.
        let claimed: Vec<&str> = claimed_headers
            .split(';')
            .filter(|h| !h.is_empty())
            .collect();
        if let Some((name, _)) = req
            .headers
            .iter()
            .find(|(k, _)| signing::is_signed_header_v3(k) && !claimed.contains(&k.as_str()))
        {
            return Err(incomplete(&format!("header {name} must be signed")));
        }
        let mut headers = Vec::new();
        for name in &claimed {
            let values: Vec<&str> = req
                .headers
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .collect();
            if values.is_empty() {
                return Err(incomplete(&format!("signed header {name} is missing")));
            }
            headers.push((name.to_string(), values.join(",")));
        }
        let (canonical, _) = signing::canonical_request_v3(
            &req.method,
            &req.path,
            &req.query,
            &headers,
            &signing::sha256_hex(&req.body),
        );
        let expected = signing::signature_v3(&credential.access_key_secret, &canonical);
        if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
            return Err(mismatch());
        }
        self.use_nonce(id, nonce, now)?;
        Ok(id.to_string())
    }

    fn verify_v1(&self, req: &Incoming, now: Millis) -> ApiResult<String> {
        let id = req
            .param("AccessKeyId")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| incomplete("AccessKeyId is missing"))?;
        let credential = self.credential(id, now)?;
        if req.param("SignatureMethod") != Some("HMAC-SHA1") {
            return Err(incomplete("SignatureMethod must be HMAC-SHA1"));
        }
        if req.param("SignatureVersion") != Some("1.0") {
            return Err(incomplete("SignatureVersion must be 1.0"));
        }
        check_version(req.param("Version"))?;
        check_time(req.param("Timestamp"), now)?;
        let nonce = req
            .param("SignatureNonce")
            .filter(|n| !n.is_empty())
            .ok_or_else(|| incomplete("SignatureNonce is missing"))?;
        check_token(&credential, req.param("SecurityToken"))?;
        let signature = req.param("Signature").unwrap_or_default();
        let params: Vec<(String, String)> = req
            .all_params()
            .into_iter()
            .filter(|(k, _)| k != "Signature")
            .collect();
        let expected = signing::signature_v1(&credential.access_key_secret, &req.method, &params);
        if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
            return Err(mismatch());
        }
        self.use_nonce(id, nonce, now)?;
        Ok(id.to_string())
    }

    fn use_nonce(&self, id: &str, nonce: &str, now: Millis) -> ApiResult<()> {
        let Ok(mut seen) = self.nonces.lock() else {
            return Err(ApiError::new(
                500,
                "InternalError",
                "nonce cache unavailable",
            ));
        };
        // Nonces older than twice the window can never be replayed successfully: the request's
        // own timestamp would be refused first.
        if seen.len() > 10_000 {
            seen.retain(|_, t| now.saturating_sub(*t) < 2 * WINDOW_MS);
        }
        let key = (id.to_string(), nonce.to_string());
        if seen.contains_key(&key) {
            return Err(ApiError::new(
                400,
                "SignatureNonceUsed",
                "Specified signature nonce was used already.",
            ));
        }
        seen.insert(key, now);
        Ok(())
    }
}

fn check_version(version: Option<&str>) -> ApiResult<()> {
    match version {
        Some(VERSION | STS_VERSION) => Ok(()),
        None | Some("") => Err(ApiError::missing("Version")),
        Some(other) => Err(ApiError::new(
            400,
            "InvalidVersion",
            format!("Specified parameter Version '{other}' is not valid."),
        )),
    }
}

/// Parses `yyyy-MM-ddTHH:mm:ssZ` and checks it lies within 15 minutes of now.
fn check_time(value: Option<&str>, now: Millis) -> ApiResult<()> {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    let at = value
        .and_then(|v| time::PrimitiveDateTime::parse(v, format).ok())
        .map(|t| t.assume_utc().unix_timestamp())
        .ok_or_else(|| {
            ApiError::new(
                400,
                "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted.",
            )
        })?;
    let at_ms = at.saturating_mul(1000);
    if (at_ms - now as i64).unsigned_abs() > WINDOW_MS {
        return Err(ApiError::new(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        ));
    }
    Ok(())
}

/// STS keys must present their token; other keys must not present one.
/// [INF] the exact code for a wrong token: `InvalidSecurityToken.MismatchWithAccessKey`.
fn check_token(credential: &Credential, token: Option<&str>) -> ApiResult<()> {
    let token = token.filter(|t| !t.is_empty());
    if credential.security_token.as_deref() == token {
        return Ok(());
    }
    Err(ApiError::new(
        400,
        "InvalidSecurityToken.MismatchWithAccessKey",
        "The security token does not match the access key.",
    ))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

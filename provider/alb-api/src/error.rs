//! The client's error type and its classification (retryable, not found, authentication).
//!
//! No variant carries an access key, secret, security token or signature, so `Display` and
//! `Debug` are safe to log.

use std::time::Duration;

/// Everything that can go wrong talking to the ALB OpenAPI.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The service answered with an error body (`Code`, `Message`, `RequestId`).
    #[error("ALB API error {code} (HTTP {http_status}): {message} [request id: {request_id}]")]
    Api {
        /// HTTP status code of the response.
        http_status: u16,
        /// The `Code` field, e.g. `IncorrectStatus.Listener`.
        code: String,
        /// The `Message` field.
        message: String,
        /// The `RequestId` field (empty when the body had none).
        request_id: String,
    },
    /// The gateway rejected the credentials or the signature.
    #[error(
        "Alibaba Cloud rejected the credentials ({code}, HTTP {http_status}): {message} \
         [request id: {request_id}]; check the access key id, access key secret, security token \
         and the system clock"
    )]
    Auth {
        /// HTTP status code of the response.
        http_status: u16,
        /// The `Code` field, e.g. `SignatureDoesNotMatch`.
        code: String,
        /// The `Message` field.
        message: String,
        /// The `RequestId` field.
        request_id: String,
    },
    /// The request could not be sent or the response could not be read (connection refused,
    /// reset, TLS failure, response lost).
    #[error("transport error calling {action}: {message}")]
    Transport {
        /// The API action being called.
        action: String,
        /// What failed, without URL or credentials.
        message: String,
    },
    /// A single HTTP attempt exceeded the configured request timeout.
    #[error("{action} timed out after {timeout:?}")]
    Timeout {
        /// The API action being called.
        action: String,
        /// The per-request timeout that elapsed.
        timeout: Duration,
    },
    /// Retries were exhausted (overall deadline or attempt limit) on a retryable error.
    #[error("{action} gave up after {attempts} attempt(s): {last}")]
    DeadlineExceeded {
        /// The API action being called.
        action: String,
        /// How many HTTP attempts were made.
        attempts: u32,
        /// The error of the last attempt.
        last: Box<Error>,
    },
    /// No attempt got an HTTP response for the policy's `unreachable` budget (or its attempt
    /// limit): DNS failure, refused or reset connections, timeouts.
    #[error(
        "the ALB API endpoint {endpoint} did not answer {action} for {} ({attempts} attempt(s)); \
         last error: {last}",
        seconds(*waited)
    )]
    Unreachable {
        /// The API action being called.
        action: String,
        /// The endpoint (scheme, host and port).
        endpoint: String,
        /// How long the call tried.
        waited: Duration,
        /// How many HTTP attempts were made.
        attempts: u32,
        /// The error of the last attempt (a transport error or a timeout).
        last: Box<Error>,
    },
    /// A response body could not be decoded.
    #[error("cannot decode the {action} response: {message}")]
    Decode {
        /// The API action being called.
        action: String,
        /// The decoding problem.
        message: String,
    },
    /// An asynchronous job reported `Failed`.
    #[error("async job {job_id} ({api_name}) failed: {code}: {message}")]
    JobFailed {
        /// The job id.
        job_id: String,
        /// The action that started the job.
        api_name: String,
        /// The job's `ErrorCode`.
        code: String,
        /// The job's `ErrorMessage`.
        message: String,
    },
    /// A resource reached a terminal state that is not the one waited for (e.g. `CreateFailed`).
    #[error("{resource} {id} is in state {status}")]
    UnexpectedState {
        /// Kind of resource, e.g. `load balancer`.
        resource: &'static str,
        /// Its id.
        id: String,
        /// The state it is in.
        status: String,
    },
    /// A wait for a job or a status did not finish in time.
    #[error("timed out after {waited:?} waiting for {what} (last seen: {last_seen})")]
    WaitTimeout {
        /// What was being waited for.
        what: String,
        /// How long the wait lasted.
        waited: Duration,
        /// The last observed state.
        last_seen: String,
    },
    /// No credentials could be had from the configured source.
    #[error(transparent)]
    Credentials(#[from] crate::credentials::CredentialError),
    /// The request could not be built (bad configuration, invalid client token, a value that
    /// cannot be expressed as parameters).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

/// Error codes meaning "the credentials or signature were rejected" (exact match).
const AUTH_CODES: &[&str] = &[
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidAccessKeyId",
    "InvalidAccessKeySecret",
    "InvalidSecurityToken",
    "Forbidden.RAM",
    "Forbidden.AccessKeyDisabled",
    "MissingSecurityToken",
];

/// Prefixes of error codes meaning "the credentials or signature were rejected".
const AUTH_PREFIXES: &[&str] = &[
    "InvalidAccessKeyId.",
    "InvalidTimeStamp.",
    "InvalidSecurityToken.",
    "SignatureDoesNotMatch.",
];

/// Busy/conflict codes, retried with backoff (exact match).
const BUSY_CODES: &[&str] = &[
    "SystemBusy",
    "IdempotenceProcessing",
    "LockFailed",
    "InvalidOperation.Conflict",
    "VipStatusNotSupport",
    "ServiceUnavailable",
    // A retry always carries a fresh nonce, so a nonce clash is transient.
    "SignatureNonceUsed",
    "-21013",
    "-21020",
    "-22001",
    "-22031",
];

/// Prefixes of busy/conflict codes (resource transitional), retried with backoff.
const BUSY_PREFIXES: &[&str] = &[
    "IncorrectStatus.",
    "IncorrectBusinessStatus.",
    "ResourceInConfiguring.",
    "Conflict.",
];

/// Whether an error code means the credentials or signature were rejected.
pub fn is_auth_code(code: &str) -> bool {
    AUTH_CODES.contains(&code) || AUTH_PREFIXES.iter().any(|p| code.starts_with(p))
}

/// A duration as seconds with one decimal, e.g. `30.2s`.
fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// Whether an error code (with its HTTP status) is worth retrying: throttling, transitional
/// ("busy") resources, or a server-side failure.
pub fn is_retryable_code(http_status: u16, code: &str) -> bool {
    if is_auth_code(code) {
        return false;
    }
    http_status >= 500
        || code.contains("Throttling")
        || BUSY_CODES.contains(&code)
        || BUSY_PREFIXES.iter().any(|p| code.starts_with(p))
}

/// Whether an error code (with its HTTP status) means "no such resource".
pub fn is_not_found_code(http_status: u16, code: &str) -> bool {
    !is_auth_code(code)
        && (http_status == 404
            || code == "ResourceNotFound"
            || code.starts_with("ResourceNotFound."))
}

impl Error {
    /// Builds the right variant for an error response: [`Error::Auth`] for credential
    /// problems, [`Error::Api`] otherwise.
    pub fn from_response(
        http_status: u16,
        code: String,
        message: String,
        request_id: String,
    ) -> Self {
        if is_auth_code(&code) {
            Error::Auth {
                http_status,
                code,
                message,
                request_id,
            }
        } else {
            Error::Api {
                http_status,
                code,
                message,
                request_id,
            }
        }
    }

    /// The service error code, if the error came from an error response (looking through
    /// [`Error::DeadlineExceeded`] to the last attempt).
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } | Error::Auth { code, .. } => Some(code),
            Error::JobFailed { code, .. } => Some(code),
            Error::DeadlineExceeded { last, .. } => last.code(),
            _ => None,
        }
    }

    /// A short label of the error for metrics: the service's error code when there is one
    /// (`Throttling.User`, `ServiceUnavailable`, …), else the variant (`Transport`, `Timeout`, …).
    pub fn kind(&self) -> String {
        if let Some(code) = self.code() {
            return code.to_owned();
        }
        match self {
            Error::Api { .. } | Error::Auth { .. } | Error::JobFailed { .. } => "Api",
            Error::Transport { .. } => "Transport",
            Error::Timeout { .. } => "Timeout",
            Error::DeadlineExceeded { .. } => "DeadlineExceeded",
            Error::Unreachable { .. } => "Unreachable",
            Error::Decode { .. } => "Decode",
            Error::UnexpectedState { .. } => "UnexpectedState",
            Error::WaitTimeout { .. } => "WaitTimeout",
            Error::Credentials(_) => "Credentials",
            Error::InvalidRequest(_) => "InvalidRequest",
        }
        .to_owned()
    }

    /// The HTTP status of the error response, if any.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Api { http_status, .. } | Error::Auth { http_status, .. } => Some(*http_status),
            Error::DeadlineExceeded { last, .. } => last.http_status(),
            _ => None,
        }
    }

    /// HTTP 404 or a `ResourceNotFound.*` code.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Api {
                http_status, code, ..
            } => is_not_found_code(*http_status, code),
            _ => false,
        }
    }

    /// Whether the credentials or signature were rejected.
    pub fn is_auth(&self) -> bool {
        match self {
            Error::Auth { .. } => true,
            Error::DeadlineExceeded { last, .. } => last.is_auth(),
            _ => false,
        }
    }

    /// Whether another attempt of the same request (same client token) may succeed:
    /// throttling, busy resources, 5xx, connection errors and request timeouts.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api {
                http_status, code, ..
            } => is_retryable_code(*http_status, code),
            Error::Transport { .. } | Error::Timeout { .. } => true,
            _ => false,
        }
    }

    /// True when the attempt got no HTTP response (transport error or timeout).
    pub fn is_unanswered(&self) -> bool {
        matches!(self, Error::Transport { .. } | Error::Timeout { .. })
    }
}

/// Treating "not found" as a non-error, for deletes and reads of resources that may be gone.
pub trait NotFoundExt<T> {
    /// `Ok(Some(v))` on success, `Ok(None)` if the error is "not found", the error otherwise.
    fn ok_if_not_found(self) -> Result<Option<T>, Error>;
}

impl<T> NotFoundExt<T> for Result<T, Error> {
    fn ok_if_not_found(self) -> Result<Option<T>, Error> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> Error {
        Error::from_response(status, code.into(), "m".into(), "req-1".into())
    }

    #[test]
    fn throttling_and_busy_codes_are_retryable() {
        for code in [
            "Throttling",
            "Throttling.User",
            "Throttling.Api",
            "Rejected.Throttling",
            "ServiceUnavailable",
            "IncorrectStatus.Listener",
            "IncorrectStatus.LoadBalancer",
            "IncorrectBusinessStatus.LoadBalancer",
            "ResourceInConfiguring.Listener",
            "SystemBusy",
            "IdempotenceProcessing",
            "LockFailed",
            "Conflict.Acl",
            "InvalidOperation.Conflict",
            "VipStatusNotSupport",
            "-21013",
            "-21020",
            "-22001",
            "-22031",
        ] {
            assert!(api(400, code).is_retryable(), "{code} should be retryable");
        }
        assert!(api(500, "InternalError").is_retryable());
        assert!(api(503, "Whatever").is_retryable());
    }

    #[test]
    fn validation_and_auth_errors_are_not_retryable() {
        for code in [
            "MissingParameter",
            "InvalidParameter",
            "IllegalParam.Order",
            "QuotaExceeded.Rules",
            "ResourceAlreadyExist.Listener",
            "ResourceInUse.ServerGroup",
            "DryRunOperation",
            "Forbidden.NoPermission",
            "ResourceNotFound.Rule",
        ] {
            assert!(!api(400, code).is_retryable(), "{code} must not be retried");
        }
        for code in [
            "SignatureDoesNotMatch",
            "IncompleteSignature",
            "InvalidAccessKeyId.NotFound",
            "InvalidAccessKeyId.Inactive",
            "InvalidTimeStamp.Expired",
            "Forbidden.RAM",
            "InvalidSecurityToken.Expired",
        ] {
            let e = api(400, code);
            assert!(e.is_auth(), "{code} is an auth error");
            assert!(!e.is_retryable(), "{code} must not be retried");
            assert!(matches!(e, Error::Auth { .. }));
        }
        // Even on a 5xx status, an auth code is never retried.
        assert!(!api(500, "SignatureDoesNotMatch").is_retryable());
    }

    #[test]
    fn acl_codes_are_classified() {
        // Busy ACLs and concurrent binds are retried [INF: LockFailed, Conflict.Acl].
        for code in ["IncorrectStatus.Acl", "LockFailed", "Conflict.Acl"] {
            assert!(api(400, code).is_retryable(), "{code} should be retryable");
        }
        // A bound ACL cannot be deleted: a state error, never retried.
        assert!(!api(400, "ResourceInUse.Acl").is_retryable());
        assert!(!api(400, "ResourceInUse.Acl").is_not_found());
        assert!(api(404, "ResourceNotFound.Acl").is_not_found());
        assert!(!api(404, "ResourceNotFound.Acl").is_retryable());
    }

    #[test]
    fn auth_display_says_credentials_were_rejected() {
        let text = api(400, "SignatureDoesNotMatch").to_string();
        assert!(text.contains("rejected the credentials"), "{text}");
        assert!(text.contains("SignatureDoesNotMatch"));
    }

    #[test]
    fn transport_errors_are_retryable() {
        let t = Error::Transport {
            action: "CreateRule".into(),
            message: "connection reset".into(),
        };
        assert!(t.is_retryable());
        let t = Error::Timeout {
            action: "CreateRule".into(),
            timeout: Duration::from_secs(1),
        };
        assert!(t.is_retryable());
        let d = Error::Decode {
            action: "ListRules".into(),
            message: "x".into(),
        };
        assert!(!d.is_retryable());
    }

    #[test]
    fn not_found_classification() {
        assert!(api(404, "ResourceNotFound.Rule").is_not_found());
        assert!(api(400, "ResourceNotFound.LoadBalancer").is_not_found());
        assert!(api(404, "-735").is_not_found());
        assert!(!api(404, "InvalidAccessKeyId.NotFound").is_not_found());
        assert!(!api(400, "IncorrectStatus.Rule").is_not_found());
        let r: Result<(), Error> = Err(api(404, "ResourceNotFound.Rule"));
        assert!(matches!(r.ok_if_not_found(), Ok(None)));
        let r: Result<(), Error> = Err(api(400, "SystemBusy"));
        assert!(r.ok_if_not_found().is_err());
    }

    #[test]
    fn code_looks_through_deadline() {
        let e = Error::DeadlineExceeded {
            action: "CreateRules".into(),
            attempts: 3,
            last: Box::new(api(400, "Throttling.User")),
        };
        assert_eq!(e.code(), Some("Throttling.User"));
        assert_eq!(e.http_status(), Some(400));
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("after 3 attempt(s)"));
    }
}

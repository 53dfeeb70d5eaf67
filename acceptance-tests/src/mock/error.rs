//! The error type every action returns, rendered as the ALB error body.
//!
//! HTTP statuses follow the research table: validation, busy, quota, conflict and gateway
//! (signature) errors are 400, `ResourceNotFound.*`, `InvalidAccessKeyId.NotFound` and
//! `InvalidAction.NotFound` are 404, injected faults are 5xx.

use std::fmt::Display;

/// An API error: HTTP status, `Code` and `Message` of the error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// ALB error code, e.g. `IncorrectStatus.Listener`.
    pub code: String,
    /// Human readable message.
    pub message: String,
}

impl ApiError {
    /// Any error with an explicit status and code.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// `MissingParameter` (400): a required parameter is absent or empty.
    pub fn missing(param: &str) -> Self {
        Self::new(
            400,
            "MissingParameter",
            format!("The input parameter {param} that is mandatory for processing this request is not supplied."),
        )
    }

    /// `InvalidParameter` (400): malformed value, wrong type or enum, per-call limit exceeded.
    pub fn invalid(param: &str, detail: impl Display) -> Self {
        Self::new(
            400,
            "InvalidParameter",
            format!("The parameter {param} is invalid: {detail}"),
        )
    }

    /// `IllegalParam.<name>` (400): a well-formed value that breaks a semantic rule.
    pub fn illegal(name: &str, detail: impl Display) -> Self {
        Self::new(
            400,
            format!("IllegalParam.{name}"),
            format!("The param of {name} is illegal: {detail}"),
        )
    }

    /// `ResourceNotFound.<kind>` (404).
    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::new(
            404,
            format!("ResourceNotFound.{kind}"),
            format!("The specified resource {kind} [{id}] is not found."),
        )
    }

    /// `IncorrectStatus.<kind>` (400): the object (or a parent) is in a transitional state.
    pub fn incorrect_status(kind: &str, id: &str) -> Self {
        Self::new(
            400,
            format!("IncorrectStatus.{kind}"),
            format!("The status of {kind} [{id}] is incorrect."),
        )
    }

    /// `ResourceInConfiguring.<kind>` (400): a child write while the parent is configuring.
    pub fn in_configuring(kind: &str, id: &str) -> Self {
        Self::new(
            400,
            format!("ResourceInConfiguring.{kind}"),
            format!("The specified resource {kind} [{id}] is in configuring."),
        )
    }

    /// `ResourceInUse.<kind>` (400).
    pub fn in_use(kind: &str, id: &str) -> Self {
        Self::new(
            400,
            format!("ResourceInUse.{kind}"),
            format!("The specified resource of {kind} [{id}] is in use."),
        )
    }

    /// `ResourceAlreadyExist.<kind>` (400).
    pub fn already_exists(kind: &str, detail: impl Display) -> Self {
        Self::new(
            400,
            format!("ResourceAlreadyExist.{kind}"),
            format!("The specified resource {kind} already exists: {detail}"),
        )
    }

    /// `QuotaExceeded.<name>` (400).
    pub fn quota(name: &str, limit: usize) -> Self {
        Self::new(
            400,
            format!("QuotaExceeded.{name}"),
            format!("The quota of {name} is exceeded, usage {limit}/{limit}."),
        )
    }

    /// `OperationDenied.<name>` (400).
    pub fn denied(name: &str, detail: impl Display) -> Self {
        Self::new(
            400,
            format!("OperationDenied.{name}"),
            format!("The operation is denied: {detail}"),
        )
    }

    /// `DryRunOperation` (400): the request passed validation and DryRun was set.
    pub fn dry_run() -> Self {
        Self::new(
            400,
            "DryRunOperation",
            "Request validation has been passed with DryRun flag set.",
        )
    }

    /// `IdempotentParameterMismatch` (400): a ClientToken reused with other parameters.
    pub fn idempotent_mismatch() -> Self {
        Self::new(
            400,
            "IdempotentParameterMismatch",
            "The request uses the same client token as a previous, but non-identical request.",
        )
    }
}

impl Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Result alias used by every action handler.
pub type ApiResult<T> = Result<T, ApiError>;

//! Bearer-token authentication and a three-level authorization: a request without a known
//! token is 401 Unauthorized (anonymous access is off); an authenticated user is allowed
//! everything, reads only, or nothing (403 Forbidden), with discovery open to every
//! authenticated user as the `system:discovery` role does.

use axum::http::HeaderMap;

use super::status::ApiStatus;
use super::verb::Verb;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Every verb (cluster-admin).
    Admin,
    /// `get`, `list`, `watch`.
    ReadOnly,
    /// Nothing but discovery.
    None,
}

/// A token and whom it authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The bearer token.
    pub token: String,
    /// The user name in messages (`kube-local-admin`).
    pub name: String,
    /// What the user may do.
    pub access: Access,
}

impl User {
    /// Whether the user may perform `verb`.
    pub fn may(&self, verb: Verb) -> bool {
        match self.access {
            Access::Admin => true,
            Access::ReadOnly => verb.reads_only(),
            Access::None => false,
        }
    }
}

/// The user a request's `Authorization: Bearer` header names, or 401.
pub fn authenticate<'a>(users: &'a [User], headers: &HeaderMap) -> Result<&'a User, ApiStatus> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(ApiStatus::unauthorized)?;
    users
        .iter()
        .find(|u| !token.is_empty() && u.token == token)
        .ok_or_else(ApiStatus::unauthorized)
}

//! Types shared by several resource families, and the helpers that define typed actions.
//!
//! Conventions for every request/response type in this crate:
//! - wire names are PascalCase (`#[serde(rename_all = "PascalCase")]`), with explicit renames
//!   where the API does not follow the rule (`DNSName`, `QPS`, `XForwardedForSLBIdEnabled`);
//! - requests: `None` and empty lists are simply not sent;
//! - responses are decoded tolerantly (`#[serde(default)]`, unknown fields ignored, `null`s
//!   dropped before decoding); statuses and enums are kept as strings so that values the
//!   research did not see (or marked `[INF]`) do not break decoding.

use serde::{Deserialize, Serialize};

/// A resource tag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Tag {
    /// Tag key.
    pub key: String,
    /// Tag value.
    pub value: String,
}

impl Tag {
    /// A tag from key and value.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// The response of an asynchronous mutating action: `JobId` to poll with `ListAsynJobs`.
///
/// `JobId` is optional because a few mutating actions return only `RequestId`
/// (e.g. `DisableLoadBalancerAccessLog`, deletion protection toggles).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobResponse {
    /// Request id.
    pub request_id: String,
    /// Async job id, when the action is asynchronous.
    pub job_id: Option<String>,
}

/// The response of a synchronous action that returns only `RequestId`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RequestIdResponse {
    /// Request id.
    pub request_id: String,
}

/// A certificate reference (`CertificateId`), as used in listener requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CertificateRef {
    /// Certificate id.
    pub certificate_id: String,
}

impl CertificateRef {
    /// A reference to certificate `id`.
    pub fn new(id: impl Into<String>) -> Self {
        CertificateRef {
            certificate_id: id.into(),
        }
    }
}

/// Defines `async fn` methods on [`crate::Client`] for read-only actions:
/// `name(&self, &Request) -> Result<Response, Error>`.
macro_rules! read_actions {
    ($($(#[$doc:meta])* $name:ident => $action:literal, $req:ty, $resp:ty;)*) => {
        impl $crate::Client {
            $(
                $(#[$doc])*
                pub async fn $name(&self, request: &$req) -> Result<$resp, $crate::Error> {
                    self.read($action, request).await
                }
            )*
        }
    };
}

/// Defines `async fn` methods on [`crate::Client`] for mutating actions:
/// `name(&self, &Request, client_token: Option<&str>) -> Result<Response, Error>`.
/// The client token is the caller's (reused across restarts) or a fresh one; either way it is
/// the same on every retry of the call.
macro_rules! write_actions {
    ($($(#[$doc:meta])* $name:ident => $action:literal, $req:ty, $resp:ty;)*) => {
        impl $crate::Client {
            $(
                $(#[$doc])*
                pub async fn $name(
                    &self,
                    request: &$req,
                    client_token: Option<&str>,
                ) -> Result<$resp, $crate::Error> {
                    self.write($action, request, client_token).await
                }
            )*
        }
    };
}

/// Implements [`crate::paging::ListRequest`] and [`crate::paging::Page`] for a list action.
macro_rules! list_action {
    ($action:literal, $req:ty, $resp:ty, $field:ident, $item:ty) => {
        impl $crate::paging::ListRequest for $req {
            const ACTION: &'static str = $action;
            type Response = $resp;
            fn set_next_token(&mut self, token: Option<String>) {
                self.next_token = token;
            }
            fn set_default_page_size(&mut self, size: i32) {
                self.max_results.get_or_insert(size);
            }
        }
        impl $crate::paging::Page for $resp {
            type Item = $item;
            fn next_token(&self) -> Option<&str> {
                self.next_token.as_deref()
            }
            fn into_items(self) -> Vec<$item> {
                self.$field
            }
        }
    };
}

pub(crate) use {list_action, read_actions, write_actions};

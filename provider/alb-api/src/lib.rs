//! Client for the Alibaba Cloud Application Load Balancer OpenAPI (version 2020-06-16).
//!
//! ```no_run
//! # async fn demo() -> Result<(), alb_api::Error> {
//! use alb_api::{Client, ClientConfig, Credentials};
//! use alb_api::rule::ListRulesRequest;
//!
//! let config = ClientConfig::new("cn-hangzhou", Credentials::new("id", "secret"))
//!     .with_endpoint("http://127.0.0.1:8080");
//! let client = Client::new(config)?;
//! let rules = client
//!     .list_all(ListRulesRequest { listener_ids: vec!["lsn-1".into()], ..Default::default() })
//!     .await?;
//! # let _ = rules;
//! # Ok(())
//! # }
//! ```
//!
//! Modules, one responsibility each:
//! - [`signing`]: V3 (`ACS3-HMAC-SHA256`) and V1 (`HMAC-SHA1`) signatures, pure functions.
//! - [`params`]: flattening typed requests into dotted parameters; query/body placement.
//! - [`client`]: configuration, the signed and retried transport, metrics.
//! - [`credentials`]: the Alibaba Cloud credential chain and the renewal of temporary
//!   credentials.
//! - [`retry`]: backoff policy. [`error`]: the error type and its classification.
//! - [`token`]: client tokens (idempotency keys).
//! - [`load_balancer`], [`listener`], [`rule`], [`server_group`], [`acl`], [`job`], [`zone`],
//!   [`health`]: typed requests,
//!   responses and one method per action on [`Client`]. [`common`]: shared types.
//! - [`paging`]: following `NextToken`. [`wait`]: jobs and statuses (`group_polls`: the
//!   server group polls a client's waits share).
//!   [`batch`]: per-call limits, idempotent deletes, bounded concurrency.

#![deny(missing_docs)]

pub mod acl;
pub mod batch;
pub mod client;
pub mod common;
pub mod credentials;
pub mod error;
mod group_polls;
pub mod health;
pub mod job;
pub mod listener;
pub mod load_balancer;
pub mod paging;
pub mod params;
pub mod retry;
pub mod rule;
pub mod server_group;
pub mod signing;
pub mod token;
pub mod wait;
pub mod zone;

pub use client::{Client, ClientConfig, Credentials, MetricsSnapshot, API_VERSION};
pub use error::{Error, NotFoundExt};
pub use retry::RetryPolicy;
pub use wait::WaitOptions;

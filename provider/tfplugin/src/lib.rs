//! Terraform plugin protocol 6 for Rust: the go-plugin handshake, AutoMTLS,
//! the `tfplugin6.Provider` gRPC service, schema-driven value codecs,
//! diagnostics, and a small Provider/Resource/DataSource trait framework.
//!
//! A provider binary implements [`Provider`], [`Resource`] and [`DataSource`]
//! and calls [`serve`] from `main`.

pub mod data_source;
pub mod diag;
pub mod logging;
mod panic;
pub mod plan;
pub mod proto;
pub mod provider;
pub mod schema;
pub mod server;
mod service;
pub mod tls;
pub mod types;
pub mod value;

pub use data_source::{DataReadResponse, DataSource};
pub use diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
pub use provider::{
    ApplyRequest, ApplyResponse, CancellationToken, Ctx, ImportResponse, PlanRequest, PlanResponse,
    Provider, ReadRequest, ReadResponse, Resource,
};
pub use schema::{Attribute, Block, NestedBlock, Nesting, Schema};
pub use server::{serve, ServeOpts};
pub use types::Type;
pub use value::{Number, Value, ValueError};

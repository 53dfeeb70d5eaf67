//! Terraform provider for Alibaba Cloud Application Load Balancer (ALB) with
//! Kubernetes-Ingress-style routing.
//!
//! Layout:
//! - [`provider`]: the [`tfplugin::provider::Provider`] implementation;
//! - [`config`]: the provider configuration block and its resolution into [`config::ProviderSettings`];
//! - [`resources`]: the `alb_config` and `alb_ingress` resources (schemas and Terraform glue);
//! - [`data_sources`]: the `alb_config` data source (a load balancer looked up by id or name);
//! - [`validate`]: pure validation of configuration values, with attribute paths;
//! - [`docs`]: the registry docs (`docs/`) generated from the schema, and their check;
//! - [`generate`]: the `generate` subcommand (HCL from ACK's AlbConfig/IngressClass/Ingress objects);
//! - [`report`]: the `plan-report` subcommand (a JSON plan as a pull-request comment);
//! - [`schema_file`]: the provider schema as JSON (the checked-in `schemas/provider.json`).

pub mod config;
pub mod data_sources;
pub mod docs;
pub mod generate;
pub mod provider;
pub mod report;
pub mod resources;
pub mod schema_file;
mod schema_kit;
pub mod validate;

pub use provider::AlbProvider;

/// Registry address of the provider (used in `TF_REATTACH_PROVIDERS` and the schema file).
pub const REGISTRY_ADDRESS: &str = "registry.terraform.io/example/alb";

/// One-line description printed by `--help`.
pub const ABOUT: &str = "Terraform provider for Alibaba Cloud Application Load Balancer (ALB) \
with Kubernetes-Ingress-style routing (resources alb_config and alb_ingress).";

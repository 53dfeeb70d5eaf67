//! Acceptance testing for terraform-provider-alb: a harness that drives the real Terraform CLI
//! against the built provider, and `mock`, a local ALB OpenAPI server (also the `alb-mock` binary).

pub mod harness;
pub mod mock;

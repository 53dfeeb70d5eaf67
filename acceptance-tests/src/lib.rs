//! Acceptance testing for terraform-provider-alb: a harness that drives the real Terraform CLI
//! against the built provider, `mock`, a local ALB OpenAPI server (also the `alb-mock` binary),
//! and `kube_local`, a local Kubernetes API server (also the `kube-local` binary).

pub mod background;
pub mod cli;
pub mod fleet;
pub mod harness;
pub mod kube_local;
pub mod mock;

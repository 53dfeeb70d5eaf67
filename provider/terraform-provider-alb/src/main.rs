//! `terraform-provider-alb`: serves the provider over Terraform plugin protocol 6; the
//! `plan-report` subcommand turns a JSON plan into a pull-request comment; `generate` writes
//! Terraform configuration from ACK's ALB Ingress objects.

use std::process::ExitCode;
use std::sync::Arc;

use terraform_provider_alb::{generate, report, AlbProvider, ABOUT, REGISTRY_ADDRESS};
use tfplugin::server::{serve_with_subcommands, ServeOpts};

fn main() -> ExitCode {
    serve_with_subcommands(
        ServeOpts {
            name: "terraform-provider-alb",
            version: env!("CARGO_PKG_VERSION"),
            address: REGISTRY_ADDRESS,
            about: ABOUT,
        },
        Arc::new(AlbProvider::new()),
        vec![report::cli::subcommand(), generate::cli::subcommand()],
    )
}

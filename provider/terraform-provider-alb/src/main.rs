//! `terraform-provider-alb`: serves the provider over Terraform plugin protocol 6.

use std::process::ExitCode;
use std::sync::Arc;

use terraform_provider_alb::{AlbProvider, ABOUT, REGISTRY_ADDRESS};
use tfplugin::server::{serve, ServeOpts};

fn main() -> ExitCode {
    serve(
        ServeOpts {
            name: "terraform-provider-alb",
            version: env!("CARGO_PKG_VERSION"),
            address: REGISTRY_ADDRESS,
            about: ABOUT,
        },
        Arc::new(AlbProvider::new()),
    )
}

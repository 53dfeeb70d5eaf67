//! Harness that runs the real Terraform CLI against the freshly built provider binary.
//!
//! The provider is loaded the way users load a development build: a CLI configuration with
//! `dev_overrides` pointing at the directory of the built binary, so Terraform launches it with the
//! real handshake and AutoMTLS. One binary build (by `make build`) serves every test.

pub mod binaries;
pub mod diagnostics;
pub mod hcl;
pub mod interrupt;
pub mod member_sync;
pub mod terraform;
pub mod workdir;

pub use binaries::{member_sync_binary, provider_binary, terraform_binary, TERRAFORM_ENV};
pub use diagnostics::{Diagnostic, ValidateReport};
pub use hcl::provider_block;
pub use interrupt::Interrupted;
pub use member_sync::MemberSync;
pub use terraform::{Output, Terraform};
pub use workdir::Workdir;

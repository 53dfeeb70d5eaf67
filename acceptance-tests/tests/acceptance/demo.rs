//! `make demo` end to end: `tools/demo.sh` with real Terraform, alb-mock and kube-local must
//! finish green, print the member tables, show the member drift after scaling (in the plan and
//! its plan-report), re-plan empty and leave nothing running.

use acceptance_tests::harness::{provider_binary, terraform_binary};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// The text between the progress line containing `step` and the next progress line.
fn section<'a>(output: &'a str, step: &str) -> &'a str {
    let start = output
        .find(step)
        .unwrap_or_else(|| panic!("no step {step:?} in:\n{output}"));
    let rest = &output[start..];
    let end = rest[1..].find("\n==> ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

#[test]
fn make_demo_shows_members_follows_the_cluster_and_cleans_up() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let port = free_port();
    // alb-mock and kube-local of this build: `<target>/debug/kube-local`.
    let target_dir = Path::new(env!("CARGO_BIN_EXE_kube-local"))
        .ancestors()
        .nth(2)
        .expect("target dir");
    let out = Command::new("bash")
        .arg(root.join("tools/demo.sh"))
        .env("TF_ACC_TERRAFORM_PATH", terraform_binary())
        .env("TF_ACC_PROVIDER_PATH", provider_binary())
        .env("ALB_MOCK_PORT", port.to_string())
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .expect("run tools/demo.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let all = format!(
        "{stdout}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "demo failed:\n{all}");

    let first = section(&stdout, "what the local ALB now holds");
    for expected in [
        "listeners:",
        "HTTP:80",
        "rules:",
        "Host=shop.example.com Path=/api",
        "server groups:",
        "10.0.2.20:9000 w100",
        "10.0.2.22:9000 w100",
        "10.0.1.11:8080 w100",
        "i-demo000a:30080 w100",
        "i-demo000c:30080 w100",
    ] {
        assert!(
            first.contains(expected),
            "{expected:?} not in the tables:\n{all}"
        );
    }
    assert!(!first.contains("10.0.1.12"), "web scaled too early:\n{all}");

    let drift = section(&stdout, "terraform plan: the member drift");
    for expected in ["10.0.1.12", "10.0.1.13", "1 to change"] {
        assert!(
            drift.contains(expected),
            "{expected:?} not in the drift plan:\n{all}"
        );
    }
    assert!(
        section(&stdout, "plan-report of the drift").contains("2 → 4 (+2 −0)"),
        "the drift's plan-report lacks the member counts:\n{all}"
    );
    let scaled = section(&stdout, "terraform apply: add the new members");
    let tables = &stdout[stdout.find(scaled).unwrap() + scaled.len()..];
    let tables = section(tables, "what the local ALB now holds");
    assert!(
        tables.contains("10.0.1.13:8080 w100"),
        "scaled members missing:\n{all}"
    );
    assert!(
        section(&stdout, "expected: no changes").contains("No changes."),
        "re-plan not empty:\n{all}"
    );
    assert!(stdout.contains("terraform destroy") && stdout.contains("done: stopping"));
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "alb-mock still listening after the demo:\n{all}"
    );
}

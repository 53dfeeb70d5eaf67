//! `terraform-provider-alb plan-report` on real plans: real Terraform plans against the mock, saved
//! with `-out`, converted with `terraform show -json`, and reported by the built provider binary.
//! Each report is compared with `tests/golden/plan-report/<scenario>.md` (`UPDATE_GOLDEN=1`
//! rewrites them) and each exit code is asserted.
//!
//! The plans hold volatile values (ids the mock generates, the mock's endpoint, timestamps, the
//! Terraform version); the report never prints them, so the files compare verbatim, unnormalised.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use acceptance_tests::harness::hcl::TWO_ZONE_MAPPINGS;
use acceptance_tests::harness::{provider_binary, provider_block, Workdir};
use acceptance_tests::mock::{MockConfig, MockServer};

/// What a scenario changes in the base configuration.
#[derive(Clone, Copy)]
struct Variant {
    vpc_id: &'static str,
    /// The `HTTP:8080` listener and the `admin` ingress on it.
    admin_listener: bool,
    /// An extra `/cart` path on the shop ingress.
    cart_path: bool,
    /// The canary's weight.
    canary_weight: u32,
}

const BASE: Variant = Variant {
    vpc_id: "vpc-1",
    admin_listener: true,
    cart_path: false,
    canary_weight: 10,
};

/// The configuration of variant `v`. Both ingresses pin `order`, so that the plan that creates them
/// shows their rules' priorities (an unset order is chosen at apply).
fn hcl(endpoint: &str, v: Variant) -> String {
    let admin_listener = if v.admin_listener {
        r#"
  listener "HTTP:8080" {}"#
    } else {
        ""
    };
    let admin = if v.admin_listener {
        r#"
resource "alb_ingress" "admin" {
  alb_config_id = alb_config.main.id
  namespace     = "ops"
  name          = "admin"
  order         = 10
  listen {
    protocol = "HTTP"
    port     = 8080
  }
  rule {
    path {
      path      = "/admin"
      path_type = "Prefix"
      backend {
        service = "admin"
        port    = "80"
      }
    }
  }
}
"#
    } else {
        ""
    };
    let cart = if v.cart_path {
        r#"
    path {
      path      = "/cart"
      path_type = "Prefix"
      backend {
        service = "cart"
        port    = "80"
      }
    }"#
    } else {
        ""
    };
    format!(
        r#"{provider}
resource "alb_config" "main" {{
  name   = "web"
  vpc_id = "{vpc}"
{TWO_ZONE_MAPPINGS}  listener "HTTP:80" {{}}
  listener "HTTPS:443" {{
    certificate_ids = ["1234-cn-hangzhou"]
    acl {{
      type    = "White"
      entries = ["10.0.0.0/8"]
    }}
  }}{admin_listener}
}}

resource "alb_ingress" "shop" {{
  alb_config_id = alb_config.main.id
  namespace     = "shop"
  name          = "storefront"
  order         = 10
  tls_hosts     = ["shop.example.com"]
  rule {{
    host = "shop.example.com"
    path {{
      path      = "/api"
      path_type = "Prefix"
      backend {{
        service = "api"
        port    = "80"
      }}
    }}{cart}
  }}
  canary {{
    weight = {weight}
    paths  = ["/api"]
    backend {{
      service = "api-canary"
      port    = "80"
    }}
  }}
  default_backend {{
    service = "web"
    port    = "80"
  }}
}}
{admin}"#,
        provider = provider_block(endpoint),
        vpc = v.vpc_id,
        weight = v.canary_weight,
    )
}

fn golden_path(scenario: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/plan-report")
        .join(format!("{scenario}.md"))
}

/// What `plan-report` printed and its exit code.
struct ReportRun {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn plan_report(args: &[&str], stdin: Option<&Path>) -> ReportRun {
    let mut command = Command::new(provider_binary());
    command.arg("plan-report").args(args);
    if let Some(path) = stdin {
        command.stdin(Stdio::from(
            std::fs::File::open(path).expect("open plan JSON"),
        ));
    }
    let out = command.output().expect("run plan-report");
    ReportRun {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Plans `variant` in `wd`, writes the JSON plan, reports it, compares with the golden file and the
/// expected exit code; returns the JSON plan's path.
fn check_scenario(
    wd: &Workdir,
    endpoint: &str,
    scenario: &str,
    variant: Variant,
    expected_code: i32,
) -> PathBuf {
    wd.write_config(&hcl(endpoint, variant));
    let plan_json = wd.plan_json(scenario);
    let run = plan_report(&[plan_json.to_str().expect("utf-8 path")], None);
    assert!(run.stderr.is_empty(), "{scenario}: stderr: {}", run.stderr);
    let golden = golden_path(scenario);
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(golden.parent().expect("golden dir")).expect("create golden dir");
        std::fs::write(&golden, &run.stdout).expect("write golden");
    }
    let expected = std::fs::read_to_string(&golden)
        .unwrap_or_else(|e| panic!("read {} ({e}); UPDATE_GOLDEN=1 writes it", golden.display()));
    assert_eq!(
        run.stdout,
        expected,
        "{scenario}: report differs from {} (UPDATE_GOLDEN=1 rewrites it)",
        golden.display()
    );
    assert_eq!(
        run.code,
        Some(expected_code),
        "{scenario}: exit code\n{}",
        run.stdout
    );
    plan_json
}

#[test]
fn plan_report_goldens_from_real_plans() {
    let mock = MockServer::start(MockConfig {
        async_delay_ms: 20,
        seed: Some(11),
        ..MockConfig::default()
    })
    .expect("start mock");
    let endpoint = mock.endpoint();
    let wd = Workdir::new();

    // A new load balancer with its ingresses: everything added, nothing needs attention.
    let created = check_scenario(&wd, &endpoint, "new-alb-and-ingresses", BASE, 0);
    wd.apply(&[]).assert_success("apply base");
    wd.assert_plan_empty();

    check_scenario(
        &wd,
        &endpoint,
        "one-path-added",
        Variant {
            cart_path: true,
            ..BASE
        },
        2,
    );
    check_scenario(
        &wd,
        &endpoint,
        "canary-weight-shift",
        Variant {
            canary_weight: 50,
            ..BASE
        },
        2,
    );
    let removed = check_scenario(
        &wd,
        &endpoint,
        "listener-removed",
        Variant {
            admin_listener: false,
            ..BASE
        },
        2,
    );
    check_scenario(
        &wd,
        &endpoint,
        "replacement",
        Variant {
            vpc_id: "vpc-2",
            ..BASE
        },
        2,
    );

    // Standard input gives the same report; --no-attention-exit turns exit 2 into 0.
    let from_file = plan_report(&[removed.to_str().expect("utf-8 path")], None);
    let from_stdin = plan_report(&["-", "--no-attention-exit"], Some(&removed));
    assert_eq!(from_stdin.code, Some(0), "{}", from_stdin.stderr);
    assert_eq!(from_stdin.stdout, from_file.stdout);
    let no_path = plan_report(&[], Some(&created));
    assert_eq!(no_path.code, Some(0), "{}", no_path.stderr);
    assert_eq!(
        no_path.stdout,
        std::fs::read_to_string(golden_path("new-alb-and-ingresses")).expect("golden")
    );

    // A state instead of a plan, and a missing file: exit 1 with a clear message, nothing on stdout.
    let state = wd.path().join("state.json");
    std::fs::write(&state, wd.state_json().to_string()).expect("write state JSON");
    let wrong = plan_report(&[state.to_str().expect("utf-8 path")], None);
    assert_eq!(wrong.code, Some(1));
    assert!(wrong.stdout.is_empty(), "{}", wrong.stdout);
    assert!(
        wrong
            .stderr
            .contains("this is a Terraform state, not a plan"),
        "{}",
        wrong.stderr
    );
    let missing = plan_report(&["/nonexistent/plan.json"], None);
    assert_eq!(missing.code, Some(1));
    assert!(
        missing
            .stderr
            .contains("cannot read /nonexistent/plan.json"),
        "{}",
        missing.stderr
    );

    wd.destroy().assert_success("destroy");
}

#[test]
fn help_lists_and_describes_plan_report() {
    let top = Command::new(provider_binary())
        .arg("--help")
        .output()
        .expect("run --help");
    let top = String::from_utf8_lossy(&top.stdout);
    assert!(
        top.contains("plan-report  Print a Markdown review of a Terraform JSON plan's ALB changes"),
        "{top}"
    );
    let run = plan_report(&["--help"], None);
    assert_eq!(run.code, Some(0));
    assert!(
        run.stdout.contains("2 when something needs"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("--no-attention-exit"), "{}", run.stdout);
}

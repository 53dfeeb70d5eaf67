//! The provider loads in real Terraform, validates and plans, and shuts down cleanly.

use crate::workdir_with_example;
use acceptance_tests::harness::{provider_block, Terraform, Workdir};
use acceptance_tests::mock::{MockConfig, MockServer};

#[test]
fn complete_example_validates_and_plans_both_resources() {
    let mock = MockServer::start(MockConfig::default()).expect("start mock");
    let wd = workdir_with_example("complete");
    wd.validate().assert_success("validate");
    let endpoint = format!("endpoint={}", mock.endpoint());
    let out = wd.plan(&["-var", &endpoint]);
    assert_eq!(
        out.code,
        2,
        "plan should propose changes:\n{}",
        out.combined()
    );
    assert!(
        out.stdout.contains("alb_config.main will be created"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("alb_ingress.shop will be created"),
        "{}",
        out.stdout
    );
}

/// Terraform calls GRPCController.Shutdown on every provider process it started and then waits
/// up to 2 s before killing it. With two provider configurations several processes start; each
/// must exit on Shutdown, which go-plugin logs as a clean "plugin process exited".
#[test]
fn plan_with_two_provider_instances_exits_every_process_on_shutdown() {
    let mock = MockServer::start(MockConfig::default()).expect("start mock");
    let wd = Workdir::new();
    let second = provider_block(&mock.endpoint()).replace(
        "provider \"alb\" {",
        "provider \"alb\" {\n  alias      = \"second\"",
    );
    wd.write_config(&format!(
        "{}\n{second}\n{}",
        provider_block(&mock.endpoint()),
        r#"

resource "alb_config" "one" {
  name   = "one"
  vpc_id = "vpc-1"
  zone_mapping {
    zone_id    = "cn-hangzhou-h"
    vswitch_id = "vsw-1"
  }
  zone_mapping {
    zone_id    = "cn-hangzhou-i"
    vswitch_id = "vsw-2"
  }
  listener "HTTP:80" {}
}

resource "alb_config" "two" {
  provider = alb.second
  name     = "two"
  vpc_id   = "vpc-2"
  zone_mapping {
    zone_id    = "cn-shanghai-a"
    vswitch_id = "vsw-3"
  }
  zone_mapping {
    zone_id    = "cn-shanghai-b"
    vswitch_id = "vsw-4"
  }
  listener "HTTP:80" {}
}
"#
    ));
    let log = wd.path().join("terraform.log");
    let mut command = wd.command(&["plan", "-no-color", "-input=false"]);
    command.env("TF_LOG", "debug").env("TF_LOG_PATH", &log);
    let out = Terraform::run(command);
    out.assert_success("plan");
    let log = std::fs::read_to_string(&log).expect("terraform log");
    let exited = log.matches("plugin process exited").count();
    assert!(
        exited >= 2,
        "expected every provider process to exit, saw {exited}:\n{log}"
    );
    assert!(
        !log.contains("failed to exit gracefully"),
        "a provider process ignored Shutdown and was killed"
    );
    assert!(
        !log.contains("signal: killed"),
        "a provider process was killed"
    );
}

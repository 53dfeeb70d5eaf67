//! Smoke test with older Terraform CLIs (init from a filesystem mirror, validate, plan), e.g. 1.0.3, the oldest with
//! plugin protocol 6. The binaries come from `TF_ACC_TERRAFORM_SMOKE_PATHS` (colon-separated),
//! defaulting to the one `make tools` installs.

use crate::example;
use acceptance_tests::harness::{Terraform, Workdir};
use acceptance_tests::mock::{MockConfig, MockServer};
use std::path::PathBuf;

fn smoke_binaries() -> Vec<PathBuf> {
    let paths = std::env::var("TF_ACC_TERRAFORM_SMOKE_PATHS").unwrap_or_else(|_| {
        format!(
            "{}/../.tools/terraform-1.0.3/terraform",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let binaries: Vec<PathBuf> = std::env::split_paths(&paths).collect();
    for bin in &binaries {
        assert!(
            bin.is_file(),
            "smoke Terraform {} missing: run `make tools` or set TF_ACC_TERRAFORM_SMOKE_PATHS",
            bin.display()
        );
    }
    binaries
}

#[test]
fn older_terraform_inits_validates_and_plans() {
    let mock = MockServer::start(MockConfig::default()).expect("start mock");
    let endpoint = format!("endpoint={}", mock.endpoint());
    for bin in smoke_binaries() {
        let terraform = Terraform::at(&bin);
        let version = terraform.version();
        let wd = Workdir::with_mirror(terraform);
        std::fs::write(wd.main_tf(), example("complete")).expect("write main.tf");
        wd.run(&["init", "-no-color", "-input=false"])
            .assert_success(&format!("{version} init"));
        wd.validate().assert_success(&format!("{version} validate"));
        let out = wd.plan(&["-var", &endpoint]);
        assert_eq!(out.code, 2, "{version} plan:\n{}", out.combined());
        assert!(out.stdout.contains("alb_ingress.shop will be created"));
    }
}

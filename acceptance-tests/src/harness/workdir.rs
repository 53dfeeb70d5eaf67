//! A temporary Terraform working directory wired to the provider under test.

use super::{provider_binary, Output, Terraform};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A temp directory holding `main.tf` and a CLI configuration that makes Terraform launch the
/// built provider for `example/alb`: through `dev_overrides` (no `terraform init` needed), or
/// installed by `terraform init` from a local filesystem mirror, as `make install` users get it.
pub struct Workdir {
    dir: tempfile::TempDir,
    terraform: Terraform,
    env: Vec<(String, String)>,
}

/// The `terraform { required_providers }` block every test configuration starts with.
pub const REQUIRED_PROVIDERS: &str = r#"terraform {
  required_providers {
    alb = { source = "example/alb" }
  }
}
"#;

impl Workdir {
    /// A fresh directory using the Terraform binary chosen by the environment.
    pub fn new() -> Self {
        Self::with_terraform(Terraform::from_env())
    }

    /// A fresh directory using a specific Terraform binary, with `dev_overrides`.
    pub fn with_terraform(terraform: Terraform) -> Self {
        Self::with_provider(terraform, &provider_binary())
    }

    /// A fresh directory whose `dev_overrides` launch the provider binary `provider` (e.g. a
    /// release build for benchmarks) with a specific Terraform binary.
    pub fn with_provider(terraform: Terraform, provider: &Path) -> Self {
        let workdir = Self::empty(terraform);
        let provider_dir = provider.parent().unwrap_or(Path::new("."));
        workdir.write_cli_config(&format!(
            "provider_installation {{\n  dev_overrides {{\n    \"example/alb\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            provider_dir.display()
        ));
        workdir
    }

    /// A fresh directory whose CLI configuration installs the provider with `terraform init` from
    /// a filesystem mirror holding the built binary (older CLIs query the registry on `init` even
    /// with `dev_overrides`; a mirror works offline with every version).
    pub fn with_mirror(terraform: Terraform) -> Self {
        let workdir = Self::empty(terraform);
        let version = env!("CARGO_PKG_VERSION");
        let mirror = workdir.path().join("mirror");
        let platform = mirror.join(format!(
            "registry.terraform.io/example/alb/{version}/linux_amd64"
        ));
        std::fs::create_dir_all(&platform).expect("create mirror");
        std::os::unix::fs::symlink(
            provider_binary(),
            platform.join(format!("terraform-provider-alb_v{version}")),
        )
        .expect("link provider into mirror");
        workdir.write_cli_config(&format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"example/alb\"]\n  }}\n}}\n",
            mirror.display()
        ));
        workdir
    }

    fn empty(terraform: Terraform) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("alb-acc-")
            .tempdir()
            .expect("create temp dir");
        Self {
            dir,
            terraform,
            env: Vec::new(),
        }
    }

    fn write_cli_config(&self, text: &str) {
        std::fs::write(self.dir.path().join("cli.tfrc"), text).expect("write cli config");
    }

    /// Adds an environment variable for every command run here.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `main.tf` (prefixed with the required_providers block).
    pub fn write_config(&self, hcl: &str) {
        std::fs::write(self.main_tf(), format!("{REQUIRED_PROVIDERS}\n{hcl}"))
            .expect("write main.tf");
    }

    /// Path of `main.tf`.
    pub fn main_tf(&self) -> PathBuf {
        self.dir.path().join("main.tf")
    }

    /// A Terraform command in this directory with the test environment, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = self.terraform.command(args);
        command
            .current_dir(self.dir.path())
            .env("TF_CLI_CONFIG_FILE", self.dir.path().join("cli.tfrc"))
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PATH");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command
    }

    /// Runs `terraform <args>` here.
    pub fn run(&self, args: &[&str]) -> Output {
        Terraform::run(self.command(args))
    }

    /// `terraform validate -no-color`.
    pub fn validate(&self) -> Output {
        self.run(&["validate", "-no-color"])
    }

    /// `terraform plan -detailed-exitcode` (exit 0 = no changes, 2 = changes).
    pub fn plan(&self, extra: &[&str]) -> Output {
        let mut args = vec!["plan", "-no-color", "-input=false", "-detailed-exitcode"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// `terraform apply -auto-approve`.
    pub fn apply(&self, extra: &[&str]) -> Output {
        let mut args = vec!["apply", "-no-color", "-input=false", "-auto-approve"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// `terraform destroy -auto-approve`.
    pub fn destroy(&self) -> Output {
        self.run(&["destroy", "-no-color", "-input=false", "-auto-approve"])
    }

    /// `terraform import <address> <id>`.
    pub fn import(&self, address: &str, id: &str) -> Output {
        self.run(&["import", "-no-color", "-input=false", address, id])
    }

    /// Asserts that both the refresh and the non-refresh plan are empty (exit code 0).
    pub fn assert_plan_empty(&self) {
        for extra in [&["-refresh=false"][..], &[][..]] {
            let out = self.plan(extra);
            assert_eq!(
                out.code,
                0,
                "plan {extra:?} was not empty after apply:\n{}",
                out.combined()
            );
        }
    }

    /// Saves a plan (`terraform plan -out=<name>.tfplan`, asserting it succeeds) and writes its
    /// `terraform show -json` into `<name>.json` here; returns the JSON file's path.
    pub fn plan_json(&self, name: &str) -> PathBuf {
        let plan_file = format!("{name}.tfplan");
        let out = format!("-out={plan_file}");
        let planned = self.plan(&[out.as_str()]);
        assert!(
            planned.code == 0 || planned.code == 2,
            "plan {name} failed:\n{}",
            planned.combined()
        );
        let shown = self.run(&["show", "-json", &plan_file]);
        shown.assert_success("terraform show -json PLANFILE");
        let path = self.dir.path().join(format!("{name}.json"));
        std::fs::write(&path, shown.stdout).expect("write plan JSON");
        path
    }

    /// `terraform show -json` parsed.
    pub fn state_json(&self) -> serde_json::Value {
        let out = self.run(&["show", "-json"]);
        out.assert_success("terraform show -json");
        serde_json::from_str(&out.stdout).expect("show -json output is JSON")
    }
}

impl Default for Workdir {
    fn default() -> Self {
        Self::new()
    }
}

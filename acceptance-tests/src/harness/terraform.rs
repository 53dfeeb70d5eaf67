//! Running one Terraform CLI binary.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A Terraform CLI binary.
#[derive(Clone, Debug)]
pub struct Terraform {
    bin: PathBuf,
}

/// What one Terraform command printed and how it ended.
#[derive(Clone, Debug)]
pub struct Output {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// Standard output followed by standard error.
    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Panics with the whole output unless the command exited 0.
    pub fn assert_success(&self, what: &str) -> &Self {
        assert_eq!(self.code, 0, "{what} failed:\n{}", self.combined());
        self
    }

    /// Panics unless the command failed and its output contains `needle`.
    pub fn assert_failure_containing(&self, needle: &str) -> &Self {
        assert_ne!(
            self.code,
            0,
            "expected failure, got success:\n{}",
            self.combined()
        );
        assert!(
            self.combined().contains(needle),
            "expected {needle:?} in output:\n{}",
            self.combined()
        );
        self
    }
}

impl Terraform {
    /// The binary chosen by the environment (see [`crate::harness::terraform_binary`]).
    pub fn from_env() -> Self {
        Self::at(super::terraform_binary())
    }

    /// A specific binary.
    pub fn at(bin: impl Into<PathBuf>) -> Self {
        Self { bin: bin.into() }
    }

    /// Path of the binary.
    pub fn path(&self) -> &Path {
        &self.bin
    }

    /// A command for this binary with the given arguments, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.bin);
        command.args(args);
        command
    }

    /// Runs a prepared command to completion and captures its output.
    pub fn run(mut command: Command) -> Output {
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("cannot run terraform: {e}"));
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `terraform version`'s first line, e.g. `Terraform v1.15.5`.
    pub fn version(&self) -> String {
        let out = Self::run(self.command(&["version"]));
        out.stdout.lines().next().unwrap_or_default().to_string()
    }
}

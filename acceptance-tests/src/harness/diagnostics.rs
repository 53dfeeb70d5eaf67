//! Reading Terraform's machine-readable diagnostics (`terraform validate -json`).

use super::Workdir;
use serde::Deserialize;

/// One diagnostic as `terraform validate -json` reports it.
#[derive(Clone, Debug, Deserialize)]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub severity: String,
    /// One-line summary.
    pub summary: String,
    /// Longer explanation.
    #[serde(default)]
    pub detail: String,
    /// Source range the diagnostic points at (absent for diagnostics without a location).
    pub range: Option<Range>,
}

/// A source range.
#[derive(Clone, Debug, Deserialize)]
pub struct Range {
    /// File name.
    pub filename: String,
    /// Start position.
    pub start: Pos,
}

/// A position in a file.
#[derive(Clone, Debug, Deserialize)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
}

/// The report of `terraform validate -json`.
#[derive(Clone, Debug, Deserialize)]
pub struct ValidateReport {
    /// Whether the configuration is valid.
    pub valid: bool,
    /// Errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

impl Workdir {
    /// Runs `terraform validate -json` and parses its report.
    pub fn validate_json(&self) -> ValidateReport {
        let out = self.run(&["validate", "-json", "-no-color"]);
        serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("validate -json is not JSON ({e}):\n{}", out.combined()))
    }

    /// The 1-based line of `main.tf` containing `marker` (tests mark the attribute they expect a
    /// diagnostic on with a trailing comment such as `# <- error`).
    pub fn line_of(&self, marker: &str) -> usize {
        let text = std::fs::read_to_string(self.main_tf()).expect("read main.tf");
        text.lines()
            .position(|line| line.contains(marker))
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("marker {marker:?} not in main.tf"))
    }
}

impl ValidateReport {
    /// The error diagnostics.
    pub fn errors(&self) -> Vec<&Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == "error")
            .collect()
    }
}

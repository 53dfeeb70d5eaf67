//! `terraform-provider-alb plan-report`: turns `terraform show -json PLANFILE` into Markdown for a
//! pull-request comment — per load balancer and listener the rules added, changed and removed,
//! server groups with member counts, listener and ACL changes, and a "needs attention" list.
//!
//! The report reads only what a reviewer needs (names, listeners, priorities, rule summaries,
//! weights, members, settings) and never prints ids, timestamps, the Terraform version or
//! provider settings, so the same change always gives the same text.
//!
//! - [`plan_json`] — serde types of the plan JSON;
//! - [`values`] — typed views of the `alb_config` and `alb_ingress` values;
//! - [`changes`] — the analysis (what changes where);
//! - [`attention`] — what needs attention;
//! - [`markdown`] — rendering;
//! - [`cli`] — the subcommand.

pub mod attention;
pub mod changes;
pub mod cli;
pub mod markdown;
pub mod plan_json;
pub mod values;

/// A rendered report.
#[derive(Debug)]
pub struct Report {
    /// The Markdown text.
    pub markdown: String,
    /// The "needs attention" items (empty when nothing needs attention).
    pub attention: Vec<String>,
}

/// Why no report could be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The input is not a readable plan.
    #[error(transparent)]
    Plan(#[from] plan_json::PlanError),
    /// An ALB resource's values have an unexpected shape.
    #[error(transparent)]
    Values(#[from] changes::ValueError),
}

/// Renders the report of a JSON plan.
pub fn report(plan_json: &str) -> Result<Report, ReportError> {
    let plan = plan_json::Plan::parse(plan_json)?;
    let changes = changes::analyse(&plan)?;
    let attention = attention::attention(&changes);
    Ok(Report {
        markdown: markdown::render(&changes, &attention),
        attention,
    })
}

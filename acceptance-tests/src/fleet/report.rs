//! The bench's Markdown tables: per fleet size and phase the median wall time and the calls of
//! the first run against the minimum, the calls by action, and the state size.

use std::fmt::Write as _;
use std::time::Duration;

use super::minimum::Minimum;
use super::phase::{Phase, RunResult};
use super::shape::Fleet;

/// The runs of one fleet size.
pub struct FleetResult {
    /// The fleet.
    pub fleet: Fleet,
    /// Every run (at least one).
    pub runs: Vec<RunResult>,
}

/// The median of some durations (the lower middle one for an even count).
pub fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values
        .get(values.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or_default()
}

fn seconds(d: Duration) -> String {
    if d.as_secs_f64() >= 10.0 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

impl FleetResult {
    fn minimum(&self) -> Minimum {
        Minimum::of(&self.runs[0].inventory)
    }

    fn median_wall(&self, phase: Phase) -> Duration {
        median(
            self.runs
                .iter()
                .filter_map(|r| r.phases.iter().find(|m| m.phase == phase))
                .map(|m| m.cost.wall)
                .collect(),
        )
    }
}

/// The main table: one row per fleet size and phase.
pub fn phase_table(results: &[FleetResult]) -> String {
    let mut out = String::from(
        "| ingresses (LBs) | phase | wall (median) | API calls | mutating (min) | reads (min) | job polls | refused | peak provider RSS | provider CPU | Terraform CPU | mock CPU |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for result in results {
        let minimum = result.minimum();
        let runs = result.runs.len();
        for m in &result.runs[0].phases {
            let least = minimum.phase(m.phase);
            let t = &m.cost.tally;
            let _ = writeln!(
                out,
                "| {} ({}) | {} | {} (of {runs}) | {} | {} ({}) | {} ({}) | {} | {} | {:.1} MiB | {} | {} | {} |",
                result.fleet.ingresses,
                result.fleet.load_balancers,
                m.phase.label(),
                seconds(result.median_wall(m.phase)),
                t.total(),
                t.mutating,
                least.mutating,
                t.reads,
                least.read_pages,
                t.job_polls,
                t.refused_total(),
                m.cost.rss.mib(),
                seconds(m.cost.rss.cpu),
                seconds(m.cost.terraform_cpu()),
                seconds(m.cost.local_cpu),
            );
        }
    }
    out
}

/// Calls by action and refusals by code, per fleet size and phase (first run).
pub fn action_table(results: &[FleetResult]) -> String {
    let mut out = String::from(
        "| ingresses | phase | calls by action | refused by code |\n|---|---|---|---|\n",
    );
    for result in results {
        for m in &result.runs[0].phases {
            let mut actions: Vec<(&String, &u64)> = m.cost.tally.by_action.iter().collect();
            actions.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let list = |items: Vec<(&String, &u64)>| {
                let text: Vec<String> = items.iter().map(|(a, n)| format!("{a} {n}")).collect();
                if text.is_empty() {
                    "–".to_string()
                } else {
                    text.join(", ")
                }
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                result.fleet.ingresses,
                m.phase.label(),
                list(actions),
                list(m.cost.tally.refused.iter().collect()),
            );
        }
    }
    out
}

/// What the apply left on the load balancers, the minimum derived from it and the state size.
pub fn inventory_table(results: &[FleetResult]) -> String {
    let mut out = String::from(
        "| ingresses | load balancers | listeners | rules | server groups | members | min. apply (rules batched across ingresses) | min. destroy | min. reads | state bytes per ingress |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for result in results {
        let run = &result.runs[0];
        let inv = &run.inventory;
        let minimum = result.minimum();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} ({}) | {} | {} | {} |",
            result.fleet.ingresses,
            inv.load_balancers,
            inv.listeners,
            inv.rule_count(),
            inv.server_groups,
            inv.member_count(),
            minimum.apply,
            minimum.apply_across_ingresses,
            minimum.destroy,
            minimum.read_pages,
            run.state_bytes_per_ingress,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_takes_the_middle() {
        let ms = |v: &[u64]| v.iter().map(|m| Duration::from_millis(*m)).collect();
        assert_eq!(median(ms(&[30, 10, 20])), Duration::from_millis(20));
        assert_eq!(median(ms(&[40, 10, 30, 20])), Duration::from_millis(20));
        assert_eq!(median(ms(&[7])), Duration::from_millis(7));
        assert_eq!(median(Vec::new()), Duration::ZERO);
    }
}

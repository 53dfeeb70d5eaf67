//! The Terraform phases the bench measures, run through the real CLI and provider binary
//! against a mock, each with its wall time, API calls, peak provider memory and the CPU the
//! measuring process (the in-process mock and Kubernetes API server) spent meanwhile.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::inventory::Inventory;
use super::rss::{self_cpu, PeakRss, RssSampler, StatCpu};
use super::shape::Fleet;
use super::tally::Tally;
use crate::harness::{Output, Terraform, Workdir};
use crate::mock::MockServer;

/// One Terraform command of the bench, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// `terraform apply` of the whole fleet into an empty region.
    Apply,
    /// `terraform plan` right after (refresh, no changes).
    Plan,
    /// `terraform plan -refresh=false` (no changes).
    PlanNoRefresh,
    /// `terraform apply` of a change of one rule's backend.
    OneRuleChange,
    /// `terraform destroy`.
    Destroy,
}

impl Phase {
    /// Every phase, in running order.
    pub const ALL: [Phase; 5] = [
        Phase::Apply,
        Phase::Plan,
        Phase::PlanNoRefresh,
        Phase::OneRuleChange,
        Phase::Destroy,
    ];

    /// Name in the report.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Apply => "apply from empty",
            Phase::Plan => "no-change plan",
            Phase::PlanNoRefresh => "`-refresh=false` plan",
            Phase::OneRuleChange => "one-rule change",
            Phase::Destroy => "destroy",
        }
    }
}

/// What one Terraform command cost.
#[derive(Debug, Clone)]
pub struct Cost {
    /// Wall time of the command.
    pub wall: Duration,
    /// API calls.
    pub tally: Tally,
    /// Peak resident memory of the provider.
    pub rss: PeakRss,
    /// CPU time of this process (the mock and kube-local run in it) during the command.
    pub local_cpu: Duration,
    /// CPU time of the command's process tree: Terraform and the providers it launched.
    pub terraform_tree_cpu: Duration,
}

impl Cost {
    /// CPU time of Terraform itself: its process tree's less the providers'.
    pub fn terraform_cpu(&self) -> Duration {
        self.terraform_tree_cpu.saturating_sub(self.rss.cpu)
    }
}

/// Runs `command` (a Terraform command launching `provider` against `mock`) and measures it.
pub fn measure(
    provider: &Path,
    mock: &MockServer,
    command: impl FnOnce() -> Output,
) -> (Output, Cost) {
    let before = mock.counters();
    let cpu_before = self_cpu(StatCpu::Own);
    let tree_before = self_cpu(StatCpu::WaitedChildren);
    let sampler = RssSampler::start(provider);
    let started = Instant::now();
    let output = command();
    let wall = started.elapsed();
    let rss = sampler.finish();
    let cost = Cost {
        wall,
        tally: Tally::between(&before, &mock.counters()),
        rss,
        local_cpu: self_cpu(StatCpu::Own).saturating_sub(cpu_before),
        terraform_tree_cpu: self_cpu(StatCpu::WaitedChildren).saturating_sub(tree_before),
    };
    (output, cost)
}

/// What one phase cost.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// The phase.
    pub phase: Phase,
    /// Its cost.
    pub cost: Cost,
}

/// Everything one run of the phases measured.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// One measurement per phase, in [`Phase::ALL`] order.
    pub phases: Vec<Measurement>,
    /// What the load balancers held after the apply.
    pub inventory: Inventory,
    /// Bytes of Terraform state per `alb_ingress` after the apply (its instance's JSON).
    pub state_bytes_per_ingress: usize,
}

/// Runs the phases of one fleet in one working directory against one mock.
pub struct PhaseRunner<'a> {
    workdir: Workdir,
    mock: &'a MockServer,
    provider: PathBuf,
    fleet: Fleet,
    provider_block: String,
}

impl<'a> PhaseRunner<'a> {
    /// A fresh working directory for `fleet` whose Terraform (`terraform`) launches `provider`,
    /// configured with `provider_block`, against `mock`.
    pub fn new(
        terraform: Terraform,
        provider: &Path,
        mock: &'a MockServer,
        fleet: Fleet,
        provider_block: String,
    ) -> Self {
        Self {
            workdir: Workdir::with_provider(terraform, provider),
            mock,
            provider: provider.to_path_buf(),
            fleet,
            provider_block,
        }
    }

    /// The working directory.
    pub fn workdir(&self) -> &Workdir {
        &self.workdir
    }

    /// Runs every phase in order.
    pub fn run_all(&self) -> RunResult {
        let mut phases = Vec::new();
        let mut inventory = Inventory::default();
        let mut state_bytes_per_ingress = 0;
        for phase in Phase::ALL {
            phases.push(self.run(phase));
            if phase == Phase::Apply {
                inventory = Inventory::from_state(&self.mock.state());
                state_bytes_per_ingress = self.state_bytes_per_ingress();
            }
        }
        RunResult {
            phases,
            inventory,
            state_bytes_per_ingress,
        }
    }

    /// Runs one phase; panics with Terraform's output when it fails or a plan is not empty.
    pub fn run(&self, phase: Phase) -> Measurement {
        match phase {
            Phase::Apply => self.write_config(false),
            Phase::OneRuleChange => self.write_config(true),
            _ => {}
        }
        let (output, cost) = measure(&self.provider, self.mock, || match phase {
            Phase::Apply | Phase::OneRuleChange => self.workdir.apply(&[]),
            Phase::Plan => self.workdir.plan(&[]),
            Phase::PlanNoRefresh => self.workdir.plan(&["-refresh=false"]),
            Phase::Destroy => self.workdir.destroy(),
        });
        expect_success(phase, &output);
        Measurement { phase, cost }
    }

    fn write_config(&self, changed: bool) {
        self.workdir
            .write_config(&self.fleet.hcl(&self.provider_block, changed));
    }

    /// Bytes of the `alb_ingress` instances in `terraform.tfstate`, per ingress.
    pub fn state_bytes_per_ingress(&self) -> usize {
        let text = std::fs::read_to_string(self.workdir.path().join("terraform.tfstate"))
            .unwrap_or_default();
        let state: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let bytes: usize = state["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["type"] == "alb_ingress")
            .flat_map(|r| r["instances"].as_array().cloned().unwrap_or_default())
            .map(|i| i.to_string().len())
            .sum();
        bytes / self.fleet.ingresses.max(1)
    }
}

/// Every phase must exit 0; for the plans (`-detailed-exitcode`) that also means no changes.
fn expect_success(phase: Phase, output: &Output) {
    assert_eq!(
        output.code,
        0,
        "{} ended with exit code {} (plans must be empty):\n{}",
        phase.label(),
        output.code,
        output.combined()
    );
}

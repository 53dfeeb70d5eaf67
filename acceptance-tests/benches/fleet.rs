//! Fleet benchmark (`make bench`): the release provider binary and real Terraform against the
//! ALB mock (async jobs of `BENCH_JOB_MS`, default 200 ms) and kube-local, for fleets of
//! `alb_ingress` resources on up to 20 load balancers. Per fleet size and phase (apply from
//! empty, no-change plan, `-refresh=false` plan, one-rule change, destroy) it prints the median
//! wall time, the API calls by kind against the minimum, the peak provider RSS and the mock's
//! CPU; then the members scenario (one ingress with 200 backends of 100 endpoints each: plan
//! wall time, peak RSS, Kubernetes list calls); then the throttled scenario (the apply from
//! empty of the largest fleet with 30 % of calls refused as throttled: the objects it left beyond
//! or short of the fleet, and the next plan, which must be empty). Figures, not assertions: the
//! counting itself is tested by `fleet::*` unit tests and the `bench_counts` acceptance test.
//!
//! Options (environment):
//! * `BENCH_INGRESSES` — fleet sizes, comma separated (default `1,20,200`);
//! * `BENCH_LOAD_BALANCERS` — most load balancers per fleet (default 20);
//! * `BENCH_RUNS` — runs per fleet size; wall times are their medians (default 3);
//! * `BENCH_JOB_MS` — the mock's async job duration (default 200);
//! * `BENCH_MEMBERS` — backends of the members scenario, 0 to skip (default 200);
//! * `BENCH_THROTTLED` — ingresses of the throttled scenario, 0 to skip (default: the largest
//!   fleet size);
//! * `BENCH_OUT` — also write the tables to this file.

#[path = "../tests/kube_support/mod.rs"]
mod kube_support;

use std::path::{Path, PathBuf};

use acceptance_tests::fleet::report::{self, FleetResult};
use acceptance_tests::fleet::shape::{self, NAMESPACE};
use acceptance_tests::fleet::{measure, throttled, Fleet, Inventory, Minimum, Phase, PhaseRunner};
use acceptance_tests::harness::{Terraform, Workdir};
use acceptance_tests::mock::{Faults, MockConfig, MockServer};
use kube_support::KubeFixture;

/// Endpoints per backend of the members scenario.
const MEMBER_ENDPOINTS: usize = 100;

/// Share of calls the mock refuses as throttled in the throttled scenario (issue 12).
const THROTTLE_RATE: f64 = 0.3;

struct Options {
    ingresses: Vec<usize>,
    load_balancers: usize,
    runs: usize,
    job_ms: u64,
    members: usize,
    throttled: usize,
    out: Option<PathBuf>,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}

impl Options {
    fn from_env() -> Self {
        let ingresses: Vec<usize> = std::env::var("BENCH_INGRESSES")
            .unwrap_or_else(|_| "1,20,200".into())
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("BENCH_INGRESSES: {s} is not a number"))
            })
            .collect();
        let largest = ingresses.iter().copied().max().unwrap_or(0);
        Self {
            throttled: env_or("BENCH_THROTTLED", largest),
            ingresses,
            load_balancers: env_or("BENCH_LOAD_BALANCERS", 20),
            runs: env_or("BENCH_RUNS", 3usize).max(1),
            job_ms: env_or("BENCH_JOB_MS", 200),
            members: env_or("BENCH_MEMBERS", 200),
            out: std::env::var_os("BENCH_OUT").map(PathBuf::from),
        }
    }
}

/// The release provider beside this bench binary (`target/release/deps/fleet-…` →
/// `target/release/terraform-provider-alb`), built by `make bench` first.
fn release_provider() -> PathBuf {
    let exe = std::env::current_exe().expect("bench executable");
    let release = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/release");
    let provider = release.join("terraform-provider-alb");
    assert!(
        provider.is_file(),
        "{} not found: `cargo build --release -p terraform-provider-alb` first (make bench does)",
        provider.display()
    );
    provider
}

fn mock(job_ms: u64) -> MockServer {
    MockServer::start(MockConfig {
        async_delay_ms: job_ms,
        seed: Some(12),
        ..MockConfig::default()
    })
    .expect("start mock")
}

fn provider_block(mock: &MockServer, kube: &KubeFixture) -> String {
    shape::provider_hcl(&mock.endpoint(), &kube.kubeconfig)
}

/// kube-local serving `services` in the fleet's namespace.
fn cluster(rt: &tokio::runtime::Runtime, services: Vec<(String, Vec<String>)>) -> KubeFixture {
    rt.block_on(KubeFixture::serving(
        NAMESPACE,
        shape::SERVICE_PORT,
        shape::TARGET_PORT,
        services,
    ))
}

/// The phases of `fleet` in a fresh working directory, against `mock` and `kube`.
fn runner<'a>(
    provider: &Path,
    mock: &'a MockServer,
    kube: &KubeFixture,
    fleet: Fleet,
) -> PhaseRunner<'a> {
    PhaseRunner::new(
        Terraform::from_env(),
        provider,
        mock,
        fleet,
        provider_block(mock, kube),
    )
}

fn fleet_result(
    rt: &tokio::runtime::Runtime,
    options: &Options,
    provider: &Path,
    fleet: Fleet,
) -> FleetResult {
    let kube = cluster(rt, fleet.service_endpoints());
    let runs = (0..options.runs)
        .map(|run| {
            let mock = mock(options.job_ms);
            let result = runner(provider, &mock, &kube, fleet).run_all();
            eprintln!(
                "  {} ingresses, run {}: {}",
                fleet.ingresses,
                run + 1,
                result
                    .phases
                    .iter()
                    .map(|m| format!("{} {:.1} s", m.phase.label(), m.cost.wall.as_secs_f64()))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            result
        })
        .collect();
    FleetResult { fleet, runs }
}

/// The throttled scenario's table: one apply from empty of `options.throttled` ingresses with
/// [`THROTTLE_RATE`] of the calls refused as throttled, then (throttling off) what it left
/// against the fleet and a no-change plan, which [`PhaseRunner::run`] requires to be empty.
fn throttled_table(rt: &tokio::runtime::Runtime, options: &Options, provider: &Path) -> String {
    let fleet = Fleet::new(options.throttled, options.load_balancers);
    let kube = cluster(rt, fleet.service_endpoints());
    let mock = mock(options.job_ms);
    let runner = runner(provider, &mock, &kube, fleet);
    mock.set_faults(Faults::none().throttle_rate(THROTTLE_RATE));
    let apply = runner.run(Phase::Apply);
    mock.set_faults(Faults::none());
    let inventory = Inventory::from_state(&mock.state());
    let counts = throttled::kind_counts(&fleet, &inventory);
    let plan = runner.run(Phase::Plan);
    let t = &apply.cost.tally;
    let mut rows = String::from(
        "| ingresses (LBs) | throttled | apply wall | mutating (min) | objects beyond the fleet (duplicates) | declared objects missing | found / declared | next plan |\n|---|---|---|---|---|---|---|---|\n",
    );
    rows.push_str(&format!(
        "| {} ({}) | {} of {} calls ({:.0} %) | {:.1} s | {} ({}) | {} | {} | {} | empty, {} reads |\n",
        fleet.ingresses,
        fleet.load_balancers,
        t.refused_total(),
        t.total(),
        THROTTLE_RATE * 100.0,
        apply.cost.wall.as_secs_f64(),
        t.mutating,
        Minimum::of(&inventory).apply,
        throttled::surplus(&counts),
        throttled::shortfall(&counts),
        counts
            .iter()
            .map(|c| format!("{} {}/{}", c.kind, c.found, c.declared))
            .collect::<Vec<_>>()
            .join(", "),
        plan.cost.tally.reads,
    ));
    rows
}

/// The members scenario's table: one plan of an ingress with `backends` backends.
fn members_table(rt: &tokio::runtime::Runtime, options: &Options, provider: &Path) -> String {
    let backends = options.members;
    let kube = cluster(
        rt,
        shape::member_service_endpoints(backends, MEMBER_ENDPOINTS),
    );
    let mut rows = String::from(
        "| backends | endpoints | plan wall (median) | peak provider RSS | Kubernetes LIST calls (services, endpointslices, nodes) | ALB API calls |\n|---|---|---|---|---|---|\n",
    );
    let mut walls = Vec::new();
    let mut last = None;
    for _ in 0..options.runs {
        let mock = mock(options.job_ms);
        let wd = Workdir::with_provider(Terraform::from_env(), provider);
        wd.write_config(&shape::members_hcl(&provider_block(&mock, &kube), backends));
        let lists = |k: &KubeFixture| {
            ["services", "endpointslices", "nodes"].map(|r| k.server().request_count("LIST", r))
        };
        let before = lists(&kube);
        let (output, cost) = measure(provider, &mock, || wd.plan(&[]));
        assert_eq!(output.code, 2, "members plan:\n{}", output.combined());
        let after = lists(&kube);
        walls.push(cost.wall);
        last = Some((cost, [0, 1, 2].map(|i| after[i] - before[i])));
    }
    let (cost, lists) = last.expect("at least one run");
    rows.push_str(&format!(
        "| {backends} | {} | {:.2} s (of {}) | {:.1} MiB | {} ({}, {}, {}) | {} |\n",
        backends * MEMBER_ENDPOINTS,
        report::median(walls).as_secs_f64(),
        options.runs,
        cost.rss.mib(),
        lists.iter().sum::<u64>(),
        lists[0],
        lists[1],
        lists[2],
        cost.tally.total(),
    ));
    rows
}

/// nproc, CPU model, memory and load of this machine.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "{cpus} CPUs ({model}), {mem_gib:.1} GiB memory, load average {} at the start",
        load.join(" ")
    )
}

fn main() {
    let options = Options::from_env();
    let provider = release_provider();
    let terraform = Terraform::from_env();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let header = format!(
        "Machine: {}. {}; provider {}; mock jobs {} ms; {} run(s) per size, wall times are medians, call counts from the first run.\n",
        machine(),
        terraform.version(),
        provider.display(),
        options.job_ms,
        options.runs,
    );
    let mut results = Vec::new();
    for &n in &options.ingresses {
        let fleet = Fleet::new(n, options.load_balancers);
        eprintln!(
            "fleet of {n} ingresses on {} load balancers",
            fleet.load_balancers
        );
        results.push(fleet_result(&rt, &options, &provider, fleet));
    }
    let mut out = header;
    if !results.is_empty() {
        out.push_str(&format!(
            "\n{}\n{}\n{}",
            report::phase_table(&results),
            report::inventory_table(&results),
            report::action_table(&results)
        ));
    }
    if options.members > 0 {
        eprintln!(
            "members scenario: {} backends x {MEMBER_ENDPOINTS} endpoints",
            options.members
        );
        out.push_str(&format!("\n{}", members_table(&rt, &options, &provider)));
    }
    if options.throttled > 0 {
        eprintln!(
            "throttled scenario: {} ingresses, {:.0} % throttled",
            options.throttled,
            THROTTLE_RATE * 100.0
        );
        out.push_str(&format!("\n{}", throttled_table(&rt, &options, &provider)));
    }
    println!("{out}");
    if let Some(path) = &options.out {
        std::fs::write(path, &out).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
}

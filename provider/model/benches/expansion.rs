//! Expansion and planning benchmark: prints figures, asserts nothing about time.
//!
//! A large ingress (hosts × paths on HTTP and HTTPS, every path with two weighted backends, a few
//! hundred members per server group) is expanded and planned against an empty load balancer.
//! Printed: median wall time of expansion and of planning, peak heap while expanding, the rules and
//! server groups produced, and the planned API calls next to the minimum the batch limits allow.
//! Run with `make bench` (or `cargo bench -p model`).

use model::diff::{ActualIngress, MEMBER_BATCH, RULE_BATCH};
use model::priority::Held;
use model::spec::{ConfigSpec, IngressSpec};
use model::{expand_config, expand_ingress, plan_ingress_ops, ConfigListeners, Members};
use serde_json::json;
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live and peak heap bytes.
struct CountingAlloc;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const HOSTS: usize = 10;
const PATHS_PER_HOST: usize = 20;
const MEMBERS_PER_GROUP: usize = 200;
const ITERATIONS: usize = 15;

fn config() -> ConfigSpec {
    serde_json::from_value(json!({
        "name": "bench", "vpc_id": "vpc-1",
        "zone_mapping": [
            {"zone_id": "cn-hangzhou-h", "vswitch_id": "vsw-1"},
            {"zone_id": "cn-hangzhou-i", "vswitch_id": "vsw-2"}
        ],
        "listener": [
            {"port": 80, "protocol": "HTTP"},
            {"port": 443, "protocol": "HTTPS", "certificate_ids": ["c-1"]}
        ]
    }))
    .expect("bench config spec")
}

fn ingress() -> (IngressSpec, Members) {
    let mut rules = Vec::new();
    let mut members: Members = BTreeMap::new();
    for h in 0..HOSTS {
        let paths: Vec<_> = (0..PATHS_PER_HOST)
            .map(|p| {
                let (a, b) = (format!("svc-{h}-{p}"), format!("svc-{h}-{p}-v2"));
                for service in [&a, &b] {
                    let group = (0..MEMBERS_PER_GROUP)
                        .map(|m| {
                            serde_json::from_value(json!({
                                "server_id": format!("eni-{h}-{p}-{m}"),
                                "ip": format!("10.{h}.{p}.{m}"),
                                "port": 8080, "weight": 100, "type": "Eni"
                            }))
                            .expect("member")
                        })
                        .collect();
                    members.insert(format!("{service}:80"), group);
                }
                json!({
                    "path": format!("/p{p}"), "path_type": "Prefix",
                    "backend": [
                        {"service": a, "port": "80", "weight": 90},
                        {"service": b, "port": "80", "weight": 10}
                    ]
                })
            })
            .collect();
        rules.push(json!({"host": format!("h{h}.example.com"), "path": paths}));
    }
    let spec = serde_json::from_value(json!({
        "alb_config_id": "alb-bench", "namespace": "bench", "name": "big", "order": 1,
        "listen": [{"protocol": "HTTP", "port": 80}, {"protocol": "HTTPS", "port": 443}],
        "rule": rules
    }))
    .expect("bench ingress spec");
    (spec, members)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let lb = expand_config(&config()).expect("expand config");
    let listeners = ConfigListeners::from_desired("c-bench", "bench", &lb);
    let (spec, members) = ingress();

    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let desired =
        expand_ingress(&spec, &listeners, &members, &Held::default()).expect("expand ingress");
    let peak = PEAK.load(Ordering::Relaxed) - before;

    let expand_times = (0..ITERATIONS)
        .map(|_| {
            let start = Instant::now();
            let out = expand_ingress(&spec, &listeners, &members, &Held::default())
                .expect("expand ingress");
            let elapsed = start.elapsed();
            assert_eq!(out.rules.len(), desired.rules.len());
            elapsed
        })
        .collect();
    let empty = ActualIngress::default();
    let mut ops = Vec::new();
    let plan_times = (0..ITERATIONS)
        .map(|_| {
            let start = Instant::now();
            ops = plan_ingress_ops(&desired, &empty);
            start.elapsed()
        })
        .collect();

    let rules = desired.rules.len();
    let groups = desired.server_groups.len();
    let servers: usize = desired.server_groups.iter().map(|g| g.members.len()).sum();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for op in &ops {
        *by_kind.entry(op.kind.name()).or_default() += 1;
    }
    let minimum = groups + rules.div_ceil(RULE_BATCH) + servers.div_ceil(MEMBER_BATCH);

    println!("model expansion benchmark ({ITERATIONS} iterations, median)");
    println!("  input: {HOSTS} hosts x {PATHS_PER_HOST} paths x 2 listeners, {MEMBERS_PER_GROUP} members per server group");
    println!("  rules: {rules}, server groups: {groups}, servers: {servers}");
    println!("  expand_ingress: {:?}", median(expand_times));
    println!(
        "  plan_ingress_ops (empty load balancer): {:?}",
        median(plan_times)
    );
    println!(
        "  peak heap during expansion: {:.1} MiB",
        peak as f64 / 1_048_576.0
    );
    println!(
        "  planned calls: {} (minimum at the API's batch sizes {RULE_BATCH} rules / {MEMBER_BATCH} servers: {minimum})",
        ops.len()
    );
    for (kind, count) in by_kind {
        println!("    {kind}: {count}");
    }
}

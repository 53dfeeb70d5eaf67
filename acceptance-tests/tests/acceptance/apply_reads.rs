//! Reads during an apply from empty, through real Terraform: the bench's fleet shape (ingresses
//! of five server groups with members, on two load balancers, 200 ms jobs) applied into an empty
//! region costs at most a small budget of reads per ingress besides its job polls. Concurrent
//! waits for new server groups share their `ListServerGroups` polls, and a run on ingress
//! objects takes the load balancer's VPC and listener ids from the observation its ops were
//! planned from instead of reading them again.

use acceptance_tests::fleet::shape::PATHS;
use acceptance_tests::fleet::{Fleet, Phase};

use crate::bench_counts::{runner, serve_fleet};
use crate::ingress_lifecycle::mock_with;

/// Ingresses of the fleet, on [`LOAD_BALANCERS`] load balancers.
const INGRESSES: usize = 10;
const LOAD_BALANCERS: usize = 2;
/// `ListServerGroups` per ingress during the apply: its observations before and after its run
/// and the polls of its five new groups, shared with the other groups created meanwhile (17.7
/// per ingress when each group polled alone, measured at this size).
const GROUP_LISTS_PER_INGRESS: u64 = 8;
/// `GetLoadBalancerAttribute` + `ListListeners` per load balancer, however many ingresses it
/// carries: its creation's waits and one observation (5.7 per ingress when every ingress run
/// read both again).
const LOAD_BALANCER_READS_PER_LB: u64 = 6;
/// Every read besides job polls, per ingress (27.4 before the shared polls and kept load
/// balancer parts; 9.2 after).
const READS_PER_INGRESS: u64 = 15;

#[test]
fn apply_from_empty_reads_within_a_budget_per_ingress() {
    let fleet = Fleet::new(INGRESSES, LOAD_BALANCERS);
    let (_rt, kube) = serve_fleet(&fleet);
    // The bench's setting: asynchronous jobs of 200 ms.
    let mock = mock_with(200, 31);
    let runner = runner(fleet, &mock, &kube);
    let apply = runner.run(Phase::Apply);
    let t = &apply.cost.tally;
    eprintln!(
        "apply of {INGRESSES} ingresses on {LOAD_BALANCERS} load balancers: {:?}, {} reads, {} \
         job polls, {} mutating: {:?}",
        apply.cost.wall, t.reads, t.job_polls, t.mutating, t.by_action
    );
    let ingresses = INGRESSES as u64;
    // A group per path of each ingress and a placeholder per listener (two per load balancer).
    let groups = ingresses * PATHS as u64 + 2 * LOAD_BALANCERS as u64;
    assert_eq!(t.calls("CreateServerGroup"), groups, "{t:?}");
    assert!(
        t.calls("ListServerGroups") <= GROUP_LISTS_PER_INGRESS * ingresses,
        "{} ListServerGroups for {INGRESSES} ingresses: {t:?}",
        t.calls("ListServerGroups")
    );
    let lb_reads = t.calls("GetLoadBalancerAttribute") + t.calls("ListListeners");
    assert!(
        lb_reads <= LOAD_BALANCER_READS_PER_LB * LOAD_BALANCERS as u64,
        "{lb_reads} reads of {LOAD_BALANCERS} load balancers and their listeners: {t:?}"
    );
    assert!(
        t.reads <= READS_PER_INGRESS * ingresses,
        "{} reads for {INGRESSES} ingresses: {t:?}",
        t.reads
    );
}

//! The fleet bench's counting, through real Terraform at a small size (3 ingresses on 2 load
//! balancers): what the bench takes as the fleet really is what the apply leaves on the mock,
//! the minimum it derives from that is a lower bound the provider's calls respect, and every
//! call of every phase is counted once in exactly one of the bench's columns, and the apply
//! from empty spends at most 1.05 × the minimum of mutating calls and a refreshing plan at most
//! 2 × the minimum of reads (issue 12's targets).

use acceptance_tests::fleet::shape::{self, ENDPOINTS_PER_SERVICE, NAMESPACE, PATHS};
use acceptance_tests::fleet::{Fleet, Minimum, Phase, PhaseRunner};
use acceptance_tests::harness::{provider_binary, Terraform};
use acceptance_tests::mock::MockServer;

use crate::ingress_lifecycle::mock_with;
use crate::kube_support::KubeFixture;

/// A local Kubernetes API serving the Services of `fleet` (on the returned runtime).
pub(crate) fn serve_fleet(fleet: &Fleet) -> (tokio::runtime::Runtime, KubeFixture) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let kube = rt.block_on(KubeFixture::serving(
        NAMESPACE,
        shape::SERVICE_PORT,
        shape::TARGET_PORT,
        fleet.service_endpoints(),
    ));
    (rt, kube)
}

/// The bench's phases of `fleet` against `mock`, with the cluster of `kube`.
pub(crate) fn runner<'a>(
    fleet: Fleet,
    mock: &'a MockServer,
    kube: &KubeFixture,
) -> PhaseRunner<'a> {
    PhaseRunner::new(
        Terraform::from_env(),
        &provider_binary(),
        mock,
        fleet,
        shape::provider_hcl(&mock.endpoint(), &kube.kubeconfig),
    )
}

#[test]
fn bench_phases_count_every_call_against_a_minimum_that_holds() {
    let fleet = Fleet::new(3, 2);
    let (_rt, kube) = serve_fleet(&fleet);
    let mock = mock_with(30, 11);
    let runner = runner(fleet, &mock, &kube);
    let result = runner.run_all();

    // The inventory is the fleet: each ingress's rules on one listener, tagged with it.
    let inventory = &result.inventory;
    assert_eq!(inventory.load_balancers, 2);
    assert_eq!(inventory.listeners, 4);
    let mut owners: Vec<(&str, usize)> = inventory
        .rules
        .iter()
        .map(|((owner, _), n)| (owner.as_str(), *n))
        .collect();
    owners.sort();
    let rules = Fleet::rules_per_ingress();
    assert_eq!(
        owners,
        vec![
            ("fleet/app-0", rules),
            ("fleet/app-1", rules),
            ("fleet/app-2", rules)
        ]
    );
    assert_eq!(inventory.members, vec![ENDPOINTS_PER_SERVICE; 3 * PATHS]);
    let placeholders = inventory.server_groups - 3 * PATHS;
    assert!(
        (1..=inventory.listeners).contains(&placeholders),
        "{inventory:?}"
    );

    // The minimum from it: 2 + 4 + groups + 3 rule batches + 15 member batches; reads: one
    // page each of listeners, rules, groups, members and ACLs, and the attributes of 2 load
    // balancers and 4 listeners, and the certificates of the 2 HTTPS listeners.
    let minimum = Minimum::of(inventory);
    assert_eq!(minimum.apply, 6 + inventory.server_groups + 3 + 15);
    assert_eq!(minimum.destroy, 2 + inventory.server_groups + 3);
    assert_eq!(minimum.read_pages, 5 + 2 + 4 + 2);

    let mut counted = 0;
    for m in &result.phases {
        let t = &m.cost.tally;
        assert_eq!(
            t.mutating + t.refused_total() + t.reads + t.job_polls,
            t.total(),
            "{:?}: {t:?}",
            m.phase
        );
        counted += t.total();
        let least = minimum.phase(m.phase);
        assert!(
            t.mutating >= least.mutating as u64,
            "{:?}: {} mutating calls, fewer than the minimum {}: {t:?}",
            m.phase,
            t.mutating,
            least.mutating
        );
        assert!(
            m.cost.rss.processes >= 1 && m.cost.rss.kib > 0,
            "{:?}",
            m.cost.rss
        );
        eprintln!(
            "{:?}: {} mutating (minimum {}), {} reads (minimum {})",
            m.phase, t.mutating, least.mutating, t.reads, least.read_pages
        );
        match m.phase {
            // Issue 12's target: an apply from empty within 5 % of the minimum.
            Phase::Apply => assert!(
                t.mutating * 100 <= least.mutating as u64 * 105,
                "apply: {} mutating calls, more than 1.05 × the minimum {}: {t:?}",
                t.mutating,
                least.mutating
            ),
            // Issue 12's read target: a refreshing plan within 2 × the minimum.
            Phase::Plan => {
                assert_eq!(t.mutating, 0, "{t:?}");
                assert!(
                    t.reads <= 2 * least.read_pages as u64,
                    "plan: {} reads, more than 2 × the minimum {}: {t:?}",
                    t.reads,
                    least.read_pages
                );
            }
            Phase::PlanNoRefresh => assert_eq!(t.mutating, 0, "{t:?}"),
            Phase::OneRuleChange => assert!(
                t.calls("UpdateRuleAttribute") + t.calls("UpdateRulesAttribute") >= 1,
                "{t:?}"
            ),
            Phase::Destroy => {}
        }
    }
    assert_eq!(
        counted,
        mock.counters().total_calls,
        "every call belongs to one phase"
    );
    assert!(result.state_bytes_per_ingress > 1000);
    let state = mock.state();
    for kind in ["LoadBalancers", "Listeners", "Rules", "ServerGroups"] {
        assert_eq!(state[kind].as_array().map(Vec::len), Some(0), "{kind} left");
    }
}

//! Reads during an apply from empty, through real Terraform: the bench's fleet shape (ingresses
//! of five server groups with members, on two load balancers, 200 ms jobs) applied into an empty
//! region costs at most a small budget of reads per ingress besides its job polls. Concurrent
//! waits for new server groups share their `ListServerGroups` polls, and a run on ingress
//! objects takes the load balancer's VPC and listener ids from the observation its ops were
//! planned from instead of reading them again.

use acceptance_tests::fleet::shape::{self, NAMESPACE};
use acceptance_tests::fleet::{Fleet, Phase, PhaseRunner};
use acceptance_tests::harness::{provider_binary, Terraform};

use crate::ingress_lifecycle::mock_with;
use crate::kube_support::KubeFixture;

/// Ingresses of the fleet, on [`LOAD_BALANCERS`] load balancers.
const INGRESSES: usize = 10;
const LOAD_BALANCERS: usize = 2;

#[test]
fn apply_from_empty_reads_within_a_budget_per_ingress() {
    let fleet = Fleet::new(INGRESSES, LOAD_BALANCERS);
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
    // The bench's setting: asynchronous jobs of 200 ms.
    let mock = mock_with(200, 31);
    let runner = PhaseRunner::new(
        Terraform::from_env(),
        &provider_binary(),
        &mock,
        fleet,
        shape::provider_hcl(&mock.endpoint(), &kube.kubeconfig),
    );
    let apply = runner.run(Phase::Apply);
    let t = &apply.cost.tally;
    eprintln!(
        "apply of {INGRESSES} ingresses on {LOAD_BALANCERS} load balancers: {:?}, {} reads, {} \
         job polls, {} mutating: {:?}",
        apply.cost.wall, t.reads, t.job_polls, t.mutating, t.by_action
    );
}

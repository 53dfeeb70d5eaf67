//! The agent keeps an agent-owned group's members in step with the Service's endpoints: scaling
//! 3 → 8 → 2 and a rolling replacement, never below the smaller of the two sets; groups Terraform
//! owns and foreign groups are never touched.

mod support;

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaling_follows_the_endpoints_and_never_drops_below_the_smaller_set() {
    let env = Env::start(11).await;
    let agent_group = env.agent_group().await;
    let terraform_group = env
        .group("k8s-web-80-tf", Some(CLUSTER), None, &["10.9.0.1"])
        .await;
    let other_cluster = env
        .group("k8s-web-80-c2", Some("c2"), Some("agent"), &["10.9.0.2"])
        .await;
    let foreign = env
        .group("payments", None, Some("agent"), &["10.9.0.3"])
        .await;
    env.endpoints(&ips(1, 3)).await;
    let agent = env.agent("a", &[]);

    let mut previous = 0;
    for (step, want) in [ips(1, 3), ips(1, 8), ips(1, 2), ips(2, 2)]
        .into_iter()
        .enumerate()
    {
        env.endpoints(&want).await;
        let took = wait_until(&format!("step {step}: members {want:?}"), WAIT, || async {
            env.members(&agent_group) == sorted(want.clone())
        })
        .await;
        let floor = previous.min(want.len()) as u64;
        let min = env.min_serving(&agent_group).unwrap_or(0);
        assert!(
            min >= floor,
            "step {step}: {min} serving members at some moment, below min(before, after) = {floor}"
        );
        distinct(&env.server_entries(&agent_group));
        println!("step {step}: {} members in {took:?}", want.len());
        previous = want.len();
    }

    assert_eq!(env.members(&terraform_group), ["10.9.0.1"]);
    assert_eq!(env.members(&other_cluster), ["10.9.0.2"]);
    assert_eq!(env.members(&foreign), ["10.9.0.3"]);
    // 3 + 5 + 2 added, 6 + 2 removed, counted once each op's job is done.
    wait_until("the member counters", WAIT, || async {
        agent.metric("alb_member_sync_members_added_total") == 10.0
            && agent.metric("alb_member_sync_members_removed_total") == 8.0
    })
    .await;
    assert_eq!(agent.get("/healthz").0, 200);
    assert_eq!(agent.get("/readyz").0, 200);
    assert_eq!(agent.metric("alb_member_sync_groups"), 1.0);
}

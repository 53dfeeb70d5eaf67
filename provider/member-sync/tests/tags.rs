//! The agent computes members with the weight and node selector the provider writes on the
//! group (`alb.terraform/member-weight`, `alb.terraform/node-selector`), and follows an in-place
//! retag (a changed `member_weight` or `node_selector` applied by Terraform) without an event of
//! the cluster.

mod support;

use std::collections::BTreeMap;

use model::ownership::{AgentMembers, MEMBERS_AGENT};
use serde_json::json;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_take_the_weight_the_group_tags_carry_and_follow_a_retag() {
    let _serial = one_at_a_time().await;
    let env = Env::start(31).await;
    let mut tags = env.group_tags(Some(CLUSTER), Some(MEMBERS_AGENT), &format!("{SERVICE}:80"));
    let weighted = |weight: u32| AgentMembers {
        weight,
        node_selector: BTreeMap::new(),
    };
    tags.extend(weighted(30).tags());
    let group = env.create_group("k8s-web-80", "Ip", &tags, false).await;
    env.endpoints(&ips(1, 3)).await;
    let _agent = env.agent("a", &[]);
    let with_weight = |weight: u64| -> Vec<(String, u64, u64)> {
        ips(1, 3)
            .into_iter()
            .map(|ip| (ip, u64::from(TARGET_PORT), weight))
            .collect()
    };
    wait_until("3 members of weight 30", WAIT, || async {
        env.weighted_members(&group) == with_weight(30)
    })
    .await;

    let (adds, removes) = (
        env.calls("AddServersToServerGroup"),
        env.calls("RemoveServersFromServerGroup"),
    );
    env.retag(&group, &weighted(60).tags()).await;
    let took = wait_until("the same members at weight 60", WAIT, || async {
        env.weighted_members(&group) == with_weight(60)
    })
    .await;
    println!("retag to weight 60 converged in {took:?}");
    assert!(env.calls("UpdateServerGroupServersAttribute") > 0);
    assert_eq!(
        (
            env.calls("AddServersToServerGroup"),
            env.calls("RemoveServersFromServerGroup")
        ),
        (adds, removes),
        "a weight change neither adds nor removes members"
    );
    assert_eq!(env.min_serving(&group), Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_port_members_are_the_nodes_the_group_node_selector_picks() {
    let _serial = one_at_a_time().await;
    let env = Env::start(32).await;
    env.kube
        .service(
            &env.kube.ns,
            "legacy",
            json!({"type": "NodePort", "ports": [{"name": "http", "port": 80, "nodePort": 30080}]}),
        )
        .await;
    env.kube
        .node(
            "edge",
            "True",
            json!({"pool": "edge"}),
            "cn-hangzhou.i-edge",
        )
        .await;
    env.kube
        .node(
            "core",
            "True",
            json!({"pool": "core"}),
            "cn-hangzhou.i-core",
        )
        .await;
    let in_pool = |pool: &str| AgentMembers {
        weight: 20,
        node_selector: BTreeMap::from([("pool".to_owned(), pool.to_owned())]),
    };
    let mut tags = env.group_tags(Some(CLUSTER), Some(MEMBERS_AGENT), "legacy:http");
    tags.extend(in_pool("edge").tags());
    let group = env
        .create_group("k8s-legacy-http", "Instance", &tags, false)
        .await;
    let _agent = env.agent("a", &[]);
    let node = |id: &str| vec![(id.to_owned(), 30080, 20)];
    wait_until("the edge node, weight 20", WAIT, || async {
        env.weighted_members(&group) == node("i-edge")
    })
    .await;

    env.retag(&group, &in_pool("core").tags()).await;
    wait_until("the core node instead", WAIT, || async {
        env.weighted_members(&group) == node("i-core")
    })
    .await;
    assert_eq!(env.min_serving(&group), Some(1), "replaced, never empty");
}

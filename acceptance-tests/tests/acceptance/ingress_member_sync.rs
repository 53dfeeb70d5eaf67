//! `backend_defaults.member_sync` with real Terraform, kube-local and the ALB mock: with
//! `"agent"` the server groups carry `alb.terraform/members=agent` and Terraform neither plans,
//! refreshes nor changes their members; switching modes keeps the groups and `"terraform"` plans
//! the members again from what the agent left; with the real `alb-member-sync` running, the
//! members follow the workload and `terraform plan` stays empty.

use std::time::{Duration, Instant};

use acceptance_tests::harness::hcl::{MOCK_ACCESS_KEY, MOCK_SECRET_KEY};
use acceptance_tests::harness::{member_sync_binary, MemberSync, Workdir};
use acceptance_tests::mock::MockServer;
use serde_json::json;

use crate::ingress_lifecycle::{mock_with, resource_values};
use crate::ingress_members::{
    cluster_with_web, config_path, member_calls, mock_group, mock_members, set_web_endpoints,
    state_members, write_storefront,
};
use crate::kube_support::KubeFixture;

/// Writes the `storefront` ingress routing to `web:80` with `member_sync = sync`.
fn write_with_sync(wd: &Workdir, mock: &MockServer, kube: &KubeFixture, sync: &str) {
    write_storefront(
        wd,
        mock,
        kube,
        &config_path(kube),
        &format!("ip\"\n    member_sync   = \"{sync}"),
        &[("web", "80")],
    );
}

/// `(server group id, members tag)` of the mock's group `web:80`.
fn web_group(mock: &MockServer) -> (String, Option<String>) {
    let group = mock_group(mock, "web:80");
    (
        group["ServerGroupId"].as_str().unwrap().to_string(),
        web_group_tag(mock, "alb.terraform/members"),
    )
}

/// `ListServerGroupServers` calls the mock has seen so far.
fn member_lists(mock: &MockServer) -> u64 {
    mock.counters()
        .actions
        .get("ListServerGroupServers")
        .map_or(0, |c| c.calls)
}

/// The endpoints `10.1.0.1..=count` on port 8080 that [`set_web_endpoints`] makes.
fn web_endpoints(count: u32) -> Vec<(String, i64)> {
    (1..=count).map(|i| (format!("10.1.0.{i}"), 8080)).collect()
}

#[test]
fn member_sync_agent_leaves_members_alone_and_switches_in_place() {
    let (rt, kube) = cluster_with_web(3);
    let mock = mock_with(20, 47);
    let wd = Workdir::new();

    // Agent mode: the group is created and tagged, Terraform adds no member.
    write_with_sync(&wd, &mock, &kube, "agent");
    wd.apply(&[])
        .assert_success("create with member_sync = agent");
    let (id, tag) = web_group(&mock);
    assert_eq!(tag.as_deref(), Some("agent"), "members tag on the group");
    assert!(mock_members(&mock, "web:80").is_empty(), "no first fill");
    assert_eq!(member_calls(&mock), (0, 0, 0));
    assert!(state_members(&wd, "storefront", "web:80").is_empty());

    // The workload scales: no member churn in the plan, and refresh lists no members.
    rt.block_on(set_web_endpoints(&kube, 0, 8));
    let lists = member_lists(&mock);
    wd.assert_plan_empty();
    assert_eq!(
        member_lists(&mock),
        lists,
        "refresh listed agent-kept members"
    );

    // Back to Terraform: same group, tag removed, the 8 members planned and applied.
    write_with_sync(&wd, &mock, &kube, "terraform");
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 2, "members planned again:\n{}", plan.combined());
    wd.apply(&[]).assert_success("switch to terraform");
    assert_eq!(web_group(&mock), (id.clone(), None), "same group, untagged");
    assert_eq!(mock_members(&mock, "web:80"), web_endpoints(8));
    wd.assert_plan_empty();

    // Agent again: the members stay as they are while the workload shrinks.
    write_with_sync(&wd, &mock, &kube, "agent");
    wd.apply(&[]).assert_success("switch to agent");
    assert_eq!(web_group(&mock), (id.clone(), Some("agent".to_string())));
    let calls = member_calls(&mock);
    rt.block_on(set_web_endpoints(&kube, 0, 2));
    wd.assert_plan_empty();
    wd.apply(&[]).assert_success("apply in agent mode");
    assert_eq!(member_calls(&mock), calls, "no member call in agent mode");
    assert_eq!(mock_members(&mock, "web:80"), web_endpoints(8));

    // Terraform takes back what the agent left: only the 6 stale members go.
    write_with_sync(&wd, &mock, &kube, "terraform");
    wd.apply(&[]).assert_success("take back");
    assert_eq!(web_group(&mock), (id, None));
    assert_eq!(mock_members(&mock, "web:80"), web_endpoints(2));
    assert_eq!(
        member_calls(&mock),
        (calls.0, calls.1 + 1, calls.2),
        "one remove call"
    );
    wd.assert_plan_empty();
    wd.destroy().assert_success("destroy");
}

/// Waits (up to 30 s) until `observe` (what the mock holds) equals `want`; on timeout shows it
/// and the agent's log.
fn wait_for<T: PartialEq + std::fmt::Debug>(agent: &MemberSync, want: &T, observe: impl Fn() -> T) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen = observe();
        if seen == *want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{seen:?}, want {want:?}; agent log:\n{}",
            agent.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits (up to 30 s) until the mock's group `web:80` holds `want`.
fn wait_for_members(mock: &MockServer, want: &[(String, i64)], agent: &MemberSync) {
    wait_for(agent, &want.to_vec(), || mock_members(mock, "web:80"));
}

/// The real `alb-member-sync` for the provider's cluster id, against `mock` and `kube`.
fn start_agent(wd: &Workdir, mock: &MockServer, kube: &KubeFixture) -> MemberSync {
    let args: Vec<String> = vec![
        "--region=cn-hangzhou".into(),
        format!("--endpoint={}", mock.endpoint()),
        format!("--access-key={MOCK_ACCESS_KEY}"),
        format!("--secret-key={MOCK_SECRET_KEY}"),
        "--cluster-id=c-acc".into(),
        format!("--kubeconfig={}", kube.kubeconfig.display()),
        format!("--lease-namespace={}", kube.ns),
        "--identity=acc-agent".into(),
        "--debounce=200ms".into(),
        "--relist=1s".into(),
    ];
    MemberSync::spawn(&member_sync_binary(), &args, wd.path().join("agent.log"))
}

#[test]
fn member_sync_agent_converges_and_terraform_plans_nothing() {
    let (rt, kube) = cluster_with_web(3);
    let mock = mock_with(20, 53);
    let wd = Workdir::new();
    write_with_sync(&wd, &mock, &kube, "agent");
    wd.apply(&[])
        .assert_success("create with member_sync = agent");

    let agent = start_agent(&wd, &mock, &kube);
    wait_for_members(&mock, &web_endpoints(3), &agent);

    rt.block_on(set_web_endpoints(&kube, 0, 8));
    wait_for_members(&mock, &web_endpoints(8), &agent);
    wd.assert_plan_empty();

    rt.block_on(set_web_endpoints(&kube, 0, 2));
    wait_for_members(&mock, &web_endpoints(2), &agent);
    wd.assert_plan_empty();
    drop(agent);
    wd.destroy().assert_success("destroy");
}

/// The weights of the mock's members of group `web:80`, sorted.
fn mock_weights(mock: &MockServer) -> Vec<i64> {
    let mut weights: Vec<i64> = mock_group(mock, "web:80")["Servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Status"] != "Removing")
        .map(|s| s["Weight"].as_i64().unwrap())
        .collect();
    weights.sort();
    weights
}

/// The value of tag `key` on the mock's group `web:80`.
fn web_group_tag(mock: &MockServer, key: &str) -> Option<String> {
    mock_group(mock, "web:80")["Tags"]
        .as_array()
        .and_then(|tags| {
            tags.iter()
                .find(|t| t["Key"] == key)
                .map(|t| t["Value"].as_str().unwrap().to_string())
        })
}

#[test]
fn member_sync_agent_follows_a_member_weight_change_and_terraform_plans_nothing() {
    let (_rt, kube) = cluster_with_web(3);
    let mock = mock_with(20, 59);
    let wd = Workdir::new();
    let write_weight = |weight: u32| {
        write_with_sync(
            &wd,
            &mock,
            &kube,
            &format!("agent\"\n    member_weight = \"{weight}"),
        );
    };
    write_weight(100);
    wd.apply(&[]).assert_success("create at weight 100");
    let (id, _) = web_group(&mock);
    assert_eq!(
        web_group_tag(&mock, "alb.terraform/member-weight").as_deref(),
        Some("100")
    );
    let agent = start_agent(&wd, &mock, &kube);
    wait_for_members(&mock, &web_endpoints(3), &agent);
    assert_eq!(mock_weights(&mock), [100, 100, 100]);

    // Terraform changes the weight: the group is retagged in place, no member call.
    write_weight(40);
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 2, "weight change planned:\n{}", plan.combined());
    wd.apply(&[]).assert_success("weight 40");
    assert_eq!(web_group(&mock).0, id, "same group");
    assert_eq!(
        web_group_tag(&mock, "alb.terraform/member-weight").as_deref(),
        Some("40")
    );

    // The agent converges the same members to the new weight; the next plan is empty.
    wait_for(&agent, &vec![40, 40, 40], || mock_weights(&mock));
    assert_eq!(mock_members(&mock, "web:80"), web_endpoints(3));
    wd.assert_plan_empty();
    drop(agent);
    wd.destroy().assert_success("destroy");
}

#[test]
fn importing_an_agent_kept_ingress_gives_member_sync_agent_and_an_empty_plan() {
    let (_rt, kube) = cluster_with_web(3);
    let mock = mock_with(20, 61);
    let wd = Workdir::new();
    write_with_sync(&wd, &mock, &kube, "agent\"\n    member_weight = \"40");
    wd.apply(&[])
        .assert_success("create with member_sync = agent");
    let agent = start_agent(&wd, &mock, &kube);
    wait_for_members(&mock, &web_endpoints(3), &agent);
    drop(agent);
    let lb_id = resource_values(&wd, "alb_config.main")["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Import into a fresh state, with the configuration in the canonical form import
    // reconstructs: the defaults `order = 10` and `member_mode = "ip"` unset, and no node
    // selector (an ip-mode group carries none).
    let fresh = Workdir::new();
    let config = std::fs::read_to_string(wd.main_tf()).unwrap();
    let canonical: Vec<&str> = config
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            !["node_selector", "order ", "member_mode"]
                .iter()
                .any(|default| l.starts_with(default))
        })
        .collect();
    std::fs::write(fresh.main_tf(), canonical.join("\n")).unwrap();
    fresh
        .import("alb_config.main", &lb_id)
        .assert_success("import config");
    let lists = member_lists(&mock);
    fresh
        .import(
            "alb_ingress.storefront",
            &format!("{lb_id}/{}/storefront", kube.ns),
        )
        .assert_success("import ingress");
    assert_eq!(
        member_lists(&mock),
        lists,
        "import listed agent-kept members"
    );
    let imported = resource_values(&fresh, "alb_ingress.storefront");
    let defaults = &imported["backend_defaults"];
    assert_eq!(
        (&defaults["member_sync"], &defaults["member_weight"]),
        (&json!("agent"), &json!(40)),
        "{imported:#}"
    );
    assert!(state_members(&fresh, "storefront", "web:80").is_empty());
    fresh.assert_plan_empty();
    wd.destroy().assert_success("destroy");
}

//! Observe once, through real Terraform: within one Terraform operation the provider reads each
//! load balancer's listeners, rules and server groups once (shared by the refresh and plan of
//! every ingress on it; listeners and rules of several load balancers in one list), lists members only of groups that have servers, lists no groups in a
//! plan whose checks need only rules, and a one-rule change costs one mutating call. The bounds
//! are computed from what the mock holds and the API's page size, not hard-coded.

use std::collections::BTreeMap;
use std::time::Instant;

use acceptance_tests::harness::hcl::TWO_ZONE_MAPPINGS;
use acceptance_tests::harness::{provider_block, Workdir};
use acceptance_tests::mock::{Counters, MockConfig, MockServer};
use alb_api::client::is_mutating_action;
use alb_api::paging::PAGE_SIZE;
use alb_api::server_group::{BackendServer, ServersRequest};
use serde_json::Value;

use crate::ingress_lifecycle::{block_on, client, list, settle, tag};

/// Load balancers, and ingresses spread over them.
const LOAD_BALANCERS: usize = 2;
const INGRESSES: usize = 20;

/// Two alb_configs and [`INGRESSES`] ingresses alternating between them, each with a forward
/// path (one server group) and a redirect path; the first ingress redirects to `first_redirect`.
fn fleet(endpoint: &str, first_redirect: &str) -> String {
    format!(
        r#"{provider}
resource "alb_config" "lb" {{
  count  = {LOAD_BALANCERS}
  name   = "fleet-${{count.index}}"
  vpc_id = "vpc-1"
{TWO_ZONE_MAPPINGS}
  listener "HTTP:80" {{}}
}}

resource "alb_ingress" "app" {{
  count         = {INGRESSES}
  alb_config_id = alb_config.lb[count.index % {LOAD_BALANCERS}].id
  namespace     = "fleet"
  name          = "app-${{count.index}}"
  order         = 10 + count.index
  rule {{
    host = "app-${{count.index}}.example.com"
    path {{
      path      = "/"
      path_type = "Prefix"
      backend {{
        service = "web"
        port    = "80"
      }}
    }}
    path {{
      path      = "/old"
      path_type = "Exact"
      redirect {{
        path = count.index == 0 ? "{first_redirect}" : "/new"
      }}
    }}
  }}
}}
"#,
        provider = provider_block(endpoint),
    )
}

/// Calls per action made between two counter readings.
#[derive(Debug)]
struct Calls(BTreeMap<String, u64>);

impl Calls {
    fn between(before: &Counters, after: &Counters) -> Self {
        Calls(
            after
                .actions
                .iter()
                .map(|(action, c)| {
                    let earlier = before.actions.get(action).map_or(0, |b| b.calls);
                    (action.clone(), c.calls - earlier)
                })
                .filter(|(_, n)| *n > 0)
                .collect(),
        )
    }

    fn of(&self, action: &str) -> u64 {
        self.0.get(action).copied().unwrap_or(0)
    }

    fn reads(&self) -> u64 {
        self.0
            .iter()
            .filter(|(a, _)| !is_mutating_action(a))
            .map(|(_, n)| n)
            .sum()
    }

    fn mutating(&self) -> u64 {
        self.0
            .iter()
            .filter(|(a, _)| is_mutating_action(a))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Runs `step` and returns its calls and wall time (printed for the record).
fn measured(mock: &MockServer, what: &str, step: impl FnOnce()) -> Calls {
    let before = mock.counters();
    let started = Instant::now();
    step();
    let elapsed = started.elapsed();
    let calls = Calls::between(&before, &mock.counters());
    eprintln!(
        "{what}: {elapsed:?}, {} reads, {} mutating: {:?}",
        calls.reads(),
        calls.mutating(),
        calls.0
    );
    calls
}

/// Pages of a list of `n` items at the API's page size (an empty list is still one call).
fn pages(n: usize) -> u64 {
    n.div_ceil(PAGE_SIZE as usize).max(1) as u64
}

/// The fewest reads that observe everything a plan of this fleet compares, from what the mock
/// holds: per load balancer its attributes, listener, rule and server-group pages (the
/// config's groups, placeholders included), each owned listener's attributes (bound ACLs) and
/// the config's ACL page; member pages of every group that has servers.
fn minimum_reads(state: &Value) -> u64 {
    let lbs = list(state, "LoadBalancers");
    let per_lb: u64 = lbs
        .iter()
        .map(|lb| {
            let id = &lb["LoadBalancerId"];
            let config = tag(lb, "alb.terraform/config");
            let listeners = list(state, "Listeners")
                .iter()
                .filter(|l| l["LoadBalancerId"] == *id)
                .count();
            let rules = list(state, "Rules")
                .iter()
                .filter(|r| r["LoadBalancerId"] == *id)
                .count();
            let groups = list(state, "ServerGroups")
                .iter()
                .filter(|g| tag(g, "alb.terraform/config") == config)
                .count();
            1 + pages(listeners) + pages(rules) + pages(groups) + listeners as u64 + 1
        })
        .sum();
    let members: u64 = list(state, "ServerGroups")
        .iter()
        .map(|g| list(g, "Servers").len())
        .filter(|n| *n > 0)
        .map(pages)
        .sum();
    per_lb + members
}

/// Pages of `ListRules` when the rules of all load balancers are listed in one go.
fn region_rule_pages(state: &Value) -> u64 {
    pages(list(state, "Rules").len())
}

/// Pages of `ListRules` when each load balancer's rules are listed once.
fn rule_pages(state: &Value) -> u64 {
    list(state, "LoadBalancers")
        .iter()
        .map(|lb| {
            pages(
                list(state, "Rules")
                    .iter()
                    .filter(|r| r["LoadBalancerId"] == lb["LoadBalancerId"])
                    .count(),
            )
        })
        .sum()
}

#[test]
fn a_fleet_plan_reads_each_load_balancer_once_and_a_rule_change_writes_once() {
    let mock = MockServer::start(MockConfig::default().async_delay_ms(20)).expect("mock");
    let wd = Workdir::new();
    wd.write_config(&fleet(&mock.endpoint(), "/new"));
    measured(&mock, "apply from empty", || {
        wd.apply(&[]).assert_success("apply the fleet");
    });
    let state = mock.state();
    assert_eq!(list(&state, "LoadBalancers").len(), LOAD_BALANCERS);
    let minimum = minimum_reads(&state);

    // A no-change plan: every ingress refreshes and plans, the load balancers are read once.
    let plan = measured(&mock, "no-change plan", || {
        let out = wd.plan(&[]);
        assert_eq!(out.code, 0, "no-change plan:\n{}", out.combined());
    });
    eprintln!("minimum reads (list pages): {minimum}");
    assert!(
        plan.reads() <= 2 * minimum,
        "{} reads, minimum {minimum}: {plan:?}",
        plan.reads()
    );
    assert_eq!(plan.mutating(), 0, "{plan:?}");
    let lbs = LOAD_BALANCERS as u64;
    assert_eq!(plan.of("GetLoadBalancerAttribute"), lbs, "{plan:?}");
    // The rules of the load balancers known when the first ingress reads them are listed
    // together: between the region's pages and one list per load balancer.
    assert!(
        (region_rule_pages(&state)..=rule_pages(&state)).contains(&plan.of("ListRules")),
        "{plan:?}"
    );
    assert_eq!(
        plan.of("ListServerGroupServers"),
        0,
        "no group has servers: {plan:?}"
    );

    // Without refresh, only rules feed the plan's checks: no server groups, no members.
    let unrefreshed = measured(&mock, "-refresh=false plan", || {
        let out = wd.plan(&["-refresh=false"]);
        assert_eq!(out.code, 0, "-refresh=false plan:\n{}", out.combined());
    });
    assert_eq!(unrefreshed.of("ListServerGroups"), 0, "{unrefreshed:?}");
    assert_eq!(
        unrefreshed.of("ListServerGroupServers"),
        0,
        "{unrefreshed:?}"
    );
    assert!(
        (region_rule_pages(&state)..=rule_pages(&state)).contains(&unrefreshed.of("ListRules")),
        "{unrefreshed:?}"
    );

    // Each Terraform operation is a provider process of its own: the next plan reads again.
    let again = measured(&mock, "second no-change plan", || {
        assert_eq!(wd.plan(&[]).code, 0);
    });
    assert_eq!(again.of("GetLoadBalancerAttribute"), lbs, "{again:?}");

    // One rule's content changes: one mutating call.
    wd.write_config(&fleet(&mock.endpoint(), "/newer"));
    let change = measured(&mock, "one-rule change apply", || {
        wd.apply(&[]).assert_success("one-rule change");
    });
    assert_eq!(change.mutating(), 1, "{change:?}");
    assert_eq!(change.of("UpdateRulesAttribute"), 1, "{change:?}");
    wd.assert_plan_empty();

    // A server added behind Terraform's back: only that group's members are listed, and the
    // drift shows.
    let state = mock.state();
    let group = list(&state, "ServerGroups")
        .iter()
        .find(|g| tag(g, "alb.terraform/ingress") == Some("fleet/app-0"))
        .and_then(|g| g["ServerGroupId"].as_str())
        .expect("a group of app-0")
        .to_owned();
    block_on(async {
        client(&mock)
            .add_servers_to_server_group(
                &ServersRequest {
                    server_group_id: group,
                    servers: vec![BackendServer {
                        server_id: "10.0.0.9".into(),
                        server_type: "Ip".into(),
                        server_ip: Some("10.0.0.9".into()),
                        port: Some(80),
                        ..Default::default()
                    }],
                    dry_run: None,
                },
                None,
            )
            .await
            .expect("add a server")
    });
    settle(&mock);
    let state = mock.state();
    let drift = measured(&mock, "plan with one drifted group", || {
        let out = wd.plan(&[]);
        assert_eq!(
            out.code,
            2,
            "the added server is drift:\n{}",
            out.combined()
        );
    });
    assert_eq!(drift.of("ListServerGroupServers"), 1, "{drift:?}");
    assert!(drift.reads() <= 2 * minimum_reads(&state), "{drift:?}");
}

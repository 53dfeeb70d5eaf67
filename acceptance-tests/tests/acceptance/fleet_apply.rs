//! A fleet of `alb_ingress` resources on one listener with real Terraform (default parallelism
//! 10) against the ALB mock: one apply creates them all without a single
//! `ResourceInConfiguring.Listener` refusal (the provider serialises writes per listener), the
//! destroy makes exactly the minimum of mutating calls computed from the objects it removes, and
//! under 30 % throttling a smaller fleet still converges with no duplicates.

use std::collections::BTreeSet;
use std::time::Instant;

use acceptance_tests::harness::hcl::TWO_ZONE_MAPPINGS;
use acceptance_tests::harness::{provider_block, Workdir};
use acceptance_tests::mock::{Faults, MockServer};
use serde_json::Value;

use crate::ingress_lifecycle::{list, mock_with, tag};

/// Rules per `DeleteRules` call.
const RULES_PER_CALL: usize = 10;

/// `count` ingresses `app<i>` (order `2i`) on the one HTTP:80 listener of `alb_config.main`,
/// each routing `/a` and `/b` of its own host to a service of its own.
fn fleet(mock: &MockServer, count: u32) -> String {
    let ingresses: String = (1..=count)
        .map(|i| {
            format!(
                r#"
resource "alb_ingress" "app{i}" {{
  alb_config_id = alb_config.main.id
  namespace     = "fleet"
  name          = "app{i}"
  order         = {order}
  rule {{
    host = "app{i}.example.com"
    path {{
      path = "/a"
      backend {{
        service = "app{i}-a"
        port    = "80"
      }}
    }}
    path {{
      path = "/b"
      backend {{
        service = "app{i}-b"
        port    = "80"
      }}
    }}
  }}
}}
"#,
                order = i * 2
            )
        })
        .collect();
    format!(
        r#"{provider}
resource "alb_config" "main" {{
  name   = "fleet"
  vpc_id = "vpc-1"
{TWO_ZONE_MAPPINGS}
  listener "HTTP:80" {{}}
}}
{ingresses}"#,
        provider = provider_block(&mock.endpoint()),
    )
}

/// The mock's objects of `kind` owned by an `alb_ingress` of the fleet, as `(ingress, key)`.
fn owned(state: &Value, kind: &str) -> Vec<(String, String)> {
    list(state, kind)
        .iter()
        .filter_map(|o| {
            let ingress = tag(o, "alb.terraform/ingress")?;
            Some((ingress.to_owned(), tag(o, "alb.terraform/key")?.to_owned()))
        })
        .filter(|(ingress, _)| ingress.starts_with("fleet/"))
        .collect()
}

/// Asserts every ingress has exactly `rules` rules and `groups` server groups, none twice.
fn assert_fleet_without_duplicates(state: &Value, count: usize, rules: usize, groups: usize) {
    for (kind, each) in [("Rules", rules), ("ServerGroups", groups)] {
        let objects = owned(state, kind);
        let unique: BTreeSet<&(String, String)> = objects.iter().collect();
        assert_eq!(unique.len(), objects.len(), "duplicate {kind}: {objects:?}");
        assert_eq!(objects.len(), count * each, "{kind}: {objects:?}");
    }
}

#[test]
fn fleet_on_one_listener_applies_without_refusals_and_destroys_at_the_minimum() {
    const COUNT: u32 = 10;
    // The issue's benchmark setting: asynchronous jobs of 200 ms.
    let mock = mock_with(200, 21);
    let wd = Workdir::new();
    wd.write_config(&fleet(&mock, COUNT));

    let started = Instant::now();
    wd.apply(&[]).assert_success("apply the fleet");
    let apply = started.elapsed();
    let counters = mock.counters();
    eprintln!(
        "apply of {COUNT} ingresses on one listener: {apply:?}, {} calls, {} mutating, \
         CreateRules {}, UpdateRulesAttribute {}, refused on a busy listener {}",
        counters.total_calls,
        counters.mutating_calls(),
        counters.calls("CreateRules"),
        counters.calls("UpdateRulesAttribute"),
        counters.errors("ResourceInConfiguring.Listener"),
    );
    assert_eq!(counters.errors("ResourceInConfiguring.Listener"), 0);
    let state = mock.state();
    assert_fleet_without_duplicates(&state, COUNT as usize, 2, 2);
    wd.assert_plan_empty();

    // The minimum of a destroy, from what exists: per ingress its rules in calls of ten and
    // one call per server group; the load balancer (its listener and the rules on it go with
    // it) and one call per placeholder group of the config.
    let state = mock.state();
    let rules = owned(&state, "Rules");
    let groups = owned(&state, "ServerGroups");
    let ingresses: BTreeSet<&String> = rules.iter().map(|(i, _)| i).collect();
    let rule_calls: usize = ingresses
        .iter()
        .map(|i| {
            rules
                .iter()
                .filter(|(o, _)| o == *i)
                .count()
                .div_ceil(RULES_PER_CALL)
        })
        .sum();
    let placeholders = list(&state, "ServerGroups").len() - groups.len();
    let load_balancers = list(&state, "LoadBalancers").len();
    let minimum = (rule_calls + groups.len() + load_balancers + placeholders) as u64;
    mock.reset_counters();
    let started = Instant::now();
    wd.destroy().assert_success("destroy the fleet");
    let destroy = started.elapsed();
    let counters = mock.counters();
    let mutating: Vec<(&String, u64)> = counters
        .actions
        .iter()
        .filter(|(_, a)| a.calls > 0)
        .map(|(name, a)| (name, a.calls))
        .collect();
    eprintln!(
        "destroy: {destroy:?}, {} calls, {} mutating (minimum {minimum}): {mutating:?}",
        counters.total_calls,
        counters.mutating_calls()
    );
    assert_eq!(counters.mutating_calls(), minimum, "{mutating:?}");
    assert_eq!(counters.calls("DeleteListener"), 0);
    assert_eq!(counters.calls("UpdateRulesAttribute"), 0);
    assert_eq!(counters.errors("ResourceInConfiguring.Listener"), 0);
    let state = mock.state();
    for kind in ["LoadBalancers", "Listeners", "Rules", "ServerGroups"] {
        assert!(list(&state, kind).is_empty(), "{kind} left: {state:#}");
    }
}

#[test]
fn fleet_converges_under_throttling_without_duplicates() {
    const COUNT: u32 = 4;
    let mock = mock_with(30, 22);
    mock.set_faults(Faults::none().throttle_rate(0.3));
    let wd = Workdir::new();
    wd.write_config(&fleet(&mock, COUNT));
    let started = Instant::now();
    wd.apply(&[]).assert_success("apply under 30 % throttling");
    let counters = mock.counters();
    eprintln!(
        "apply of {COUNT} ingresses under 30 % throttling: {:?}, {} calls, {} throttled",
        started.elapsed(),
        counters.total_calls,
        counters.faults.throttled
    );
    assert!(counters.faults.throttled > 0, "throttling was injected");
    mock.set_faults(Faults::none());
    assert_fleet_without_duplicates(&mock.state(), COUNT as usize, 2, 2);
    wd.assert_plan_empty();
}

/// The `elapsed_ms` the provider logged for its `alb_ingress` apply step whose message contains
/// `what` (hclog lines in Terraform's log: `… alb_ingress creating …: … elapsed_ms=812 …`).
fn logged_elapsed_ms(log: &str, what: &str) -> Option<u64> {
    let line = log.lines().find(|l| l.contains(what))?;
    let rest = &line[line.find("elapsed_ms=")? + "elapsed_ms=".len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[test]
fn one_ingress_with_five_backends_applies_in_three_job_rounds() {
    let mock = mock_with(200, 23);
    let wd = Workdir::new();
    wd.write_config(&fleet(&mock, 0));
    wd.apply(&[]).assert_success("apply the config");
    let paths: String = (0..5)
        .map(|i| {
            format!(
                "    path {{\n      path = \"/p{i}\"\n      backend {{\n        service = \"five-{i}\"\n        port    = \"80\"\n      }}\n    }}\n"
            )
        })
        .collect();
    wd.write_config(&format!(
        "{}\nresource \"alb_ingress\" \"five\" {{\n  alb_config_id = alb_config.main.id\n  namespace     = \"fleet\"\n  name          = \"five\"\n  rule {{\n    host = \"five.example.com\"\n{paths}  }}\n}}\n",
        fleet(&mock, 0)
    ));
    let log = wd.path().join("apply.log");
    let mut command = wd.command(&["apply", "-no-color", "-input=false", "-auto-approve"]);
    command
        .env("TF_LOG_PROVIDER", "INFO")
        .env("TF_LOG_PATH", &log);
    let started = Instant::now();
    acceptance_tests::harness::Terraform::run(command).assert_success("apply the ingress");
    let wall = started.elapsed();
    let log = std::fs::read_to_string(&log).expect("terraform log");
    let applied = logged_elapsed_ms(&log, "alb_ingress creating")
        .unwrap_or_else(|| panic!("no apply step in the log:\n{log}"));
    eprintln!(
        "one ingress with 5 backends at 200 ms jobs: provider apply {applied} ms, terraform \
         apply {wall:?}"
    );
    // (No `kubernetes` block, so no members.) One after another, its 5 server groups, the rules
    // and their rename each wait for a 200 ms job, polled from 500 ms on: 3.6 s before this
    // change; with the groups created side by side and short polls, 3 job rounds.
    assert!(applied <= 1_500, "{applied} ms");
    assert_fleet_without_duplicates(&mock.state(), 1, 5, 5);
}

//! Safe adoption and crash safety with real Terraform: a second state with the same identity is
//! refused at plan (naming what exists and the import command) instead of taking it over, and a
//! create killed (SIGKILL, Terraform and the provider) right after each of its writes in turn is
//! completed by the next apply without duplicates, leaving an empty plan.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use acceptance_tests::harness::{provider_block, Interrupted, Workdir};
use acceptance_tests::mock::{Faults, MockConfig, MockServer};
use serde_json::Value;

use crate::config_lifecycle::{hcl as config_hcl, list, tag, Cfg};

/// Two ingresses on `config_id`: `shop/store` forwards to two services; `shop/moved` only
/// redirects (it has rules and no server group).
fn ingresses(config_id: &str) -> String {
    format!(
        r#"
resource "alb_ingress" "store" {{
  alb_config_id = {config_id}
  namespace     = "shop"
  name          = "store"
  rule {{
    host = "shop.example.com"
    path {{
      path      = "/api"
      path_type = "Prefix"
      backend {{
        service = "api"
        port    = "80"
      }}
    }}
  }}
  default_backend {{
    service = "web"
    port    = "80"
  }}
}}

resource "alb_ingress" "moved" {{
  alb_config_id = {config_id}
  namespace     = "shop"
  name          = "moved"
  order         = 20
  rule {{
    host = "old.example.com"
    path {{
      path      = "/"
      path_type = "Prefix"
      redirect {{
        host = "new.example.com"
      }}
    }}
  }}
}}
"#
    )
}

/// alb_config `web` (HTTP:80 with a managed ACL, HTTPS:443) and both ingresses.
fn everything(endpoint: &str) -> String {
    let cfg = Cfg {
        http_extra: "acl {\n      type    = \"White\"\n      entries = [\"10.0.0.0/8\"]\n    }"
            .to_owned(),
        ..Cfg::default()
    };
    format!(
        "{}{}",
        config_hcl(endpoint, &cfg),
        ingresses("alb_config.main.id")
    )
}

fn mock(async_delay_ms: u64) -> MockServer {
    MockServer::start(MockConfig {
        async_delay_ms,
        ..MockConfig::default()
    })
    .expect("start mock")
}

/// What the mock holds, without ids and times: per kind, one line per object (its name, its
/// listener or priority where that identifies it, its tags), sorted. Two states with the same
/// shape have the same objects, none duplicated or missing.
fn shape(state: &Value) -> BTreeMap<&'static str, Vec<String>> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let fields: [(&str, &[&str]); 5] = [
        ("LoadBalancers", &["LoadBalancerName"]),
        ("Listeners", &["ListenerProtocol", "ListenerPort"]),
        ("ServerGroups", &["ServerGroupName"]),
        ("Rules", &["RuleName", "Priority"]),
        ("Acls", &["AclName", "AclEntries"]),
    ];
    fields
        .into_iter()
        .map(|(kind, names)| {
            let mut lines: Vec<String> = list(state, kind)
                .iter()
                .map(|o| {
                    let mut tags: Vec<String> = o["Tags"]
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                        .iter()
                        .map(|t| format!("{}={}", text(&t["Key"]), text(&t["Value"])))
                        .collect();
                    tags.sort();
                    let name: Vec<String> = names.iter().map(|n| text(&o[*n])).collect();
                    format!("{} {tags:?}", name.join(" "))
                })
                .collect();
            lines.sort();
            (kind, lines)
        })
        .collect()
}

/// No object carries a creation mark.
fn assert_no_creation_marks(state: &Value, context: &str) {
    for kind in ["LoadBalancers", "ServerGroups"] {
        for o in list(state, kind) {
            assert_eq!(tag(o, "alb.terraform/creating"), None, "{context}: {o:#}");
        }
    }
    for r in list(state, "Rules") {
        let name = r["RuleName"].as_str().unwrap_or_default();
        assert!(!name.starts_with("creating-"), "{context}: {r:#}");
    }
}

#[test]
fn a_second_state_with_the_same_identity_is_refused_at_plan() {
    let mock = mock(10);
    let endpoint = mock.endpoint();
    let first = Workdir::new();
    first.write_config(&everything(&endpoint));
    first.apply(&[]).assert_success("the first state");
    let before = mock.state();
    assert_no_creation_marks(&before, "after a finished create");
    let lb_id = list(&before, "LoadBalancers")[0]["LoadBalancerId"]
        .as_str()
        .expect("load balancer id")
        .to_owned();

    // Another state declares alb_config "web" in the same cluster: its plan says "create", so
    // it must not take over the first state's load balancer.
    let second = Workdir::new();
    second.write_config(&config_hcl(&endpoint, &Cfg::default()));
    let out = second.plan(&[]);
    out.assert_failure_containing("Load balancer already exists");
    let text = out.combined();
    assert!(
        text.contains(&format!("Load balancer {lb_id} (name \"web\")")),
        "{text}"
    );
    assert!(
        text.contains(&format!("terraform import ADDRESS {lb_id}")),
        "{text}"
    );
    second
        .apply(&[])
        .assert_failure_containing("Load balancer already exists");

    // A third state declares the ingress shop/store on the first state's load balancer.
    let third = Workdir::new();
    let config_id = format!("\"{lb_id}\"");
    third.write_config(&format!(
        "{}{}",
        provider_block(&endpoint),
        ingresses(&config_id)
    ));
    let out = third.plan(&[]);
    out.assert_failure_containing("Ingress objects already exist");
    let text = out.combined();
    assert!(
        text.contains(&format!("terraform import ADDRESS {lb_id}/shop/store")),
        "{text}"
    );
    assert!(text.contains("alb_ingress shop/moved"), "{text}");
    assert_eq!(shape(&mock.state()), shape(&before), "nothing was touched");

    // The way the message shows: importing instead of creating.
    second
        .import("alb_config.main", &lb_id)
        .assert_success("import");
    let out = second.plan(&[]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.stdout
            .contains("alb_config.main will be updated in-place"),
        "{}",
        out.stdout
    );
    assert_eq!(list(&mock.state(), "LoadBalancers").len(), 1);
}

/// Kills `terraform apply` of [`everything`] right after its first write, then after its
/// second, … until an apply finishes before its kill point. After each kill the next apply
/// must leave exactly what an uninterrupted apply makes (same objects, no creation marks) and
/// plan nothing afterwards.
///
/// The one exception is a resource whose create made its last write (removing its creation
/// marks) but whose result Terraform had not saved when it was killed (Terraform writes the
/// state file at intervals during an apply, not after every resource): its objects are
/// finished, and a create that finds finished objects of its identity cannot tell them from
/// another state's, so it refuses with the import command. There the test checks that the
/// refused resource was complete when the apply was killed, imports what the message names and
/// applies again, with the same expectations.
///
/// Two tests share the kill points (odd and even writes) so that they run in parallel.
#[test]
fn a_create_killed_after_each_odd_write_resumes_without_duplicates() {
    kill_after_each_write(1);
}

/// See [`a_create_killed_after_each_odd_write_resumes_without_duplicates`].
#[test]
fn a_create_killed_after_each_even_write_resumes_without_duplicates() {
    kill_after_each_write(2);
}

/// Kill points `first`, `first + 2`, … (see the tests above).
fn kill_after_each_write(first: u64) {
    let started = Instant::now();
    let reference = {
        let mock = mock(5);
        let wd = Workdir::new();
        wd.write_config(&everything(&mock.endpoint()));
        wd.apply(&[]).assert_success("uninterrupted create");
        let state = mock.state();
        assert_no_creation_marks(&state, "uninterrupted create");
        shape(&state)
    };
    let (mut kill_points, mut imports) = (0, 0);
    for n in (first..).step_by(2) {
        let mock = mock(5);
        let wd = Workdir::new();
        wd.write_config(&everything(&mock.endpoint()));
        mock.set_faults(Faults::none().hang_at_write(n));
        let hung = || mock.counters().faults.hung > 0;
        match wd.apply_killed_when(hung, Duration::from_secs(120)) {
            Interrupted::Finished(code) => {
                assert_eq!(code, 0, "the apply without a kill point failed");
                assert_eq!(mock.counters().faults.hung, 0);
                assert_eq!(shape(&mock.state()), reference);
                break;
            }
            Interrupted::Killed => kill_points += 1,
        }
        let counters = mock.counters();
        let (action, _) = counters
            .actions
            .iter()
            .find(|(_, c)| c.hung > 0)
            .expect("the write that hung");
        let at = format!("killed after write {n} ({action})");
        let partial = mock.state();
        mock.set_faults(Faults::none());
        // Each refusal names what to import; the config's import lets the ingresses' checks run.
        let mut out = wd.apply(&[]);
        for _ in 0..3 {
            if out.code == 0 {
                break;
            }
            for owner in import_what_is_named(&wd, &out.combined(), &partial) {
                assert_eq!(
                    owned(&shape(&partial), owner),
                    owned(&reference, owner),
                    "{at}: refused although its create had not finished\n{}",
                    out.combined()
                );
                imports += 1;
                eprintln!("{at}: {owner} was finished but not in the state; imported");
            }
            out = wd.apply(&[]);
        }
        out.assert_success(&at);
        let state = mock.state();
        assert_no_creation_marks(&state, &at);
        assert_eq!(
            shape(&state),
            reference,
            "{at}; the kill left {:#?}",
            shape(&partial)
        );
        wd.assert_plan_empty();
    }
    // A load balancer, 2 placeholders, 2 listeners, the ACL and its 2 calls, 2 server groups,
    // 2 rule batches (each ingress's rules in one last call, so neither marks its objects) and
    // the untag of the load balancer: 13 writes, 6 or 7 kill points each.
    assert!(
        kill_points >= 6,
        "only {kill_points} kill points from write {first}"
    );
    eprintln!(
        "kill points from write {first}, every other one: {kill_points} ({imports} resumed by an \
         import), no duplicates, in {:?}",
        started.elapsed()
    );
}

/// Imports what a refused create names (the alb_config or ingresses of [`everything`]);
/// returns the ownership tag that marks the objects of each, as [`shape`] prints it.
fn import_what_is_named(wd: &Workdir, refusal: &str, state: &Value) -> Vec<&'static str> {
    let lb_id = list(state, "LoadBalancers")[0]["LoadBalancerId"]
        .as_str()
        .expect("load balancer id");
    let mut imported = Vec::new();
    if refusal.contains("Load balancer already exists") {
        wd.import("alb_config.main", lb_id)
            .assert_success("import alb_config");
        imported.push(CONFIG_OBJECTS);
    }
    for (name, owner) in [("store", STORE_OBJECTS), ("moved", MOVED_OBJECTS)] {
        if refusal.contains(&format!("alb_ingress shop/{name} of cluster")) {
            wd.import(
                &format!("alb_ingress.{name}"),
                &format!("{lb_id}/shop/{name}"),
            )
            .assert_success("import alb_ingress");
            imported.push(owner);
        }
    }
    assert!(
        !imported.is_empty(),
        "the refusal names what to import:\n{refusal}"
    );
    imported
}

/// The alb_config's objects in [`shape`]: those without an ingress tag.
const CONFIG_OBJECTS: &str = "config";
/// The objects of ingress shop/store in [`shape`].
const STORE_OBJECTS: &str = "alb.terraform/ingress=shop/store";
/// The objects of ingress shop/moved in [`shape`].
const MOVED_OBJECTS: &str = "alb.terraform/ingress=shop/moved";

/// The lines of `shape` that belong to `owner` ([`CONFIG_OBJECTS`] or an ingress tag).
fn owned(
    shape: &BTreeMap<&'static str, Vec<String>>,
    owner: &str,
) -> BTreeMap<&'static str, Vec<String>> {
    let belongs = |line: &String| {
        if owner == CONFIG_OBJECTS {
            !line.contains("alb.terraform/ingress=")
        } else {
            line.contains(owner)
        }
    };
    shape
        .iter()
        .map(|(kind, lines)| {
            (
                *kind,
                lines.iter().filter(|l| belongs(l)).cloned().collect(),
            )
        })
        .collect()
}

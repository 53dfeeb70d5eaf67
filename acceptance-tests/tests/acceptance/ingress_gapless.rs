//! Issue 11 item 1 through real Terraform: an ingress serving `/keep` becomes `/admin, /keep`.
//! The plan shows exactly one added rule, the `/keep` rule unchanged; during the real apply a
//! background task keeps asking the mock where requests go (`/__mock/route`, the model's
//! matcher over the mock's rules) and no request is ever unrouted or sent to another path's
//! backend.

use std::collections::BTreeMap;

use acceptance_tests::harness::hcl::TWO_ZONE_MAPPINGS;
use acceptance_tests::harness::{provider_block, Workdir};
use acceptance_tests::mock::{state_tag, MockConfig, MockServer};
use serde_json::{json, Value};

use crate::route_watch::RouteWatch;

/// The alb_config of the test: one HTTP:80 listener.
fn config() -> String {
    format!(
        r#"
resource "alb_config" "main" {{
  name   = "web"
  vpc_id = "vpc-1"
{TWO_ZONE_MAPPINGS}  listener "HTTP:80" {{}}
}}
"#
    )
}

fn hcl(endpoint: &str, paths: &[&str]) -> String {
    let paths: String = paths
        .iter()
        .map(|p| {
            format!(
                r#"
    path {{
      path      = "{p}"
      path_type = "Prefix"
      backend {{
        service = "{svc}"
        port    = "80"
      }}
    }}"#,
                svc = p.trim_start_matches('/')
            )
        })
        .collect();
    let config = config();
    format!(
        r#"{provider}{config}
resource "alb_ingress" "shop" {{
  alb_config_id = alb_config.main.id
  namespace     = "shop"
  name          = "storefront"
  rule {{
    host = "shop.example.com"{paths}
  }}
}}
"#,
        provider = provider_block(endpoint)
    )
}

/// `alb.terraform/key` → id of the mock's objects of one kind.
fn ids(state: &Value, kind: &str) -> BTreeMap<String, String> {
    state[kind]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| {
            let id = o["RuleId"].as_str().or(o["ServerGroupId"].as_str())?;
            Some((state_tag(o, "alb.terraform/key")?.to_owned(), id.to_owned()))
        })
        .collect()
}

const KEEP: &str = "HTTP:80 host=shop.example.com path=Prefix:/keep";
const ADMIN: &str = "HTTP:80 host=shop.example.com path=Prefix:/admin";

/// The paths asked about during the apply.
const SAMPLES: [&str; 5] = ["/keep", "/keep/x", "/admin", "/admin/x", "/other"];

#[test]
fn inserting_a_path_is_one_added_rule_and_never_unroutes_a_request_during_the_apply() {
    // Jobs take a while, so the apply passes through several states the poller can see.
    let mock = MockServer::start(MockConfig {
        async_delay_ms: 300,
        seed: Some(11),
        ..MockConfig::default()
    })
    .expect("start mock");
    let wd = Workdir::new();
    wd.write_config(&hcl(&mock.endpoint(), &["/keep"]));
    wd.apply(&[]).assert_success("apply /keep");
    let state = mock.state();
    let listener = state["Listeners"][0]["ListenerId"]
        .as_str()
        .expect("listener")
        .to_owned();
    let rules_before = ids(&state, "Rules");
    assert_eq!(rules_before.keys().collect::<Vec<_>>(), [KEEP]);

    // The plan: one rule added, the /keep rule unchanged (same id, priority, everything).
    wd.write_config(&hcl(&mock.endpoint(), &["/admin", "/keep"]));
    let plan = wd.plan(&["-out", "tfplan"]);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    let show = wd.run(&["show", "-json", "tfplan"]);
    show.assert_success("show -json tfplan");
    let json: Value = serde_json::from_str(&show.stdout).expect("plan JSON");
    let change = json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "alb_ingress.shop")
        .expect("alb_ingress.shop changes")["change"]
        .clone();
    let before = change["before"]["rules"].as_object().expect("rules map");
    let after = change["after"]["rules"].as_object().expect("rules map");
    let added: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert_eq!(added, [ADMIN], "exactly one added rule");
    assert!(before.keys().all(|k| after.contains_key(k)), "none removed");
    assert_eq!(after[KEEP], before[KEEP], "the /keep rule is unchanged");
    let unknown = change["after_unknown"]["rules"][KEEP].to_string();
    assert!(
        !unknown.contains("true"),
        "nothing of /keep unknown: {unknown}"
    );

    // The apply, watched by a background task asking the mock's routing endpoint.
    let samples = SAMPLES.map(|path| ("shop.example.com", path));
    let watch = RouteWatch::start(&mock.endpoint(), &listener, &samples);
    wd.apply(&["tfplan"]).assert_success("apply /admin, /keep");
    let seen: Vec<(String, Value)> = watch
        .finish()
        .into_iter()
        .map(|((_, path), target)| (path, target))
        .collect();

    let state = mock.state();
    let groups = ids(&state, "ServerGroups");
    let forward = |key: &str| json!({"type": "Forward", "groups": {groups[key].as_str(): 100}});
    let default = json!({"type": "Default"});
    let rules_after = ids(&state, "Rules");
    assert_eq!(
        rules_after[KEEP], rules_before[KEEP],
        "the /keep rule kept its id"
    );
    let allowed: BTreeMap<&str, Vec<Value>> = [
        ("/keep", vec![forward("keep:80")]),
        ("/keep/x", vec![forward("keep:80")]),
        ("/admin", vec![default.clone(), forward("admin:80")]),
        ("/admin/x", vec![default.clone(), forward("admin:80")]),
        ("/other", vec![default.clone()]),
    ]
    .into();
    let rounds = seen.len() / SAMPLES.len();
    assert!(rounds >= 3, "the watcher saw the apply: {rounds} rounds");
    for (path, target) in &seen {
        assert!(
            allowed[path.as_str()].contains(target),
            "{path} went to {target} during the apply; allowed {:?}",
            allowed[path.as_str()]
        );
    }
    // Where it ends: the new path is served.
    assert_eq!(seen.last().map(|(_, t)| t), Some(&default), "/other last");
    let last_admin = seen.iter().rev().find(|(p, _)| p == "/admin").unwrap();
    assert_eq!(last_admin.1, forward("admin:80"));
    wd.assert_plan_empty();
}

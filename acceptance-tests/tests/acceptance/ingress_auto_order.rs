//! Issue 10 item 3, automatic ordering, through real Terraform against the mock: ingresses without
//! `order` get a free band when they are created (known after apply in the plan), keep it in the
//! state, and never move; explicit orders keep their meaning next to them; import keeps the order.

use std::collections::BTreeMap;

use acceptance_tests::harness::Workdir;
use acceptance_tests::mock::MockServer;
use serde_json::Value;

use crate::ingress_lifecycle::{list, resource_values, tag};
use crate::plan_checks::{config, ingress, start, write};

/// `order` of `alb_ingress.<address>` in the state.
fn order_of(wd: &Workdir, address: &str) -> i64 {
    let values = resource_values(wd, &format!("alb_ingress.{address}"));
    values["order"]
        .as_i64()
        .unwrap_or_else(|| panic!("order of {address} in the state: {values:#}"))
}

/// Rule id → priority of the mock's rules owned by `shop/<name>`.
fn priorities(mock: &MockServer, name: &str) -> BTreeMap<String, i64> {
    let owner = format!("shop/{name}");
    list(&mock.state(), "Rules")
        .iter()
        .filter(|r| tag(r, "alb.terraform/ingress") == Some(owner.as_str()))
        .map(|r| {
            let id = r["RuleId"].as_str().unwrap_or_default().to_owned();
            (id, r["Priority"].as_i64().unwrap_or_default())
        })
        .collect()
}

/// The priorities of order `o`'s band.
fn band(o: i64) -> std::ops::RangeInclusive<i64> {
    (o - 1) * 10 + 1..=o * 10
}

/// Asserts that `alb_ingress.<name>` (`shop/<name>`) has `order` in the state and its rules in
/// the mock lie in that order's band.
fn assert_band(wd: &Workdir, mock: &MockServer, name: &str, order: i64) {
    assert_eq!(order_of(wd, name), order, "{name}'s order in the state");
    let rules = priorities(mock, name);
    assert!(
        !rules.is_empty() && rules.values().all(|p| band(order).contains(p)),
        "{name}'s rules lie in the band of order {order}: {rules:?}"
    );
}

/// The planned change of `address` in a saved plan's JSON.
fn planned_change<'a>(plan: &'a Value, address: &str) -> &'a Value {
    plan["resource_changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["address"] == address))
        .map(|c| &c["change"])
        .unwrap_or_else(|| panic!("no change of {address} in {plan:#}"))
}

fn plan_json(wd: &Workdir, name: &str) -> Value {
    let path = wd.plan_json(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("read plan")).expect("plan JSON")
}

/// Done-when: three ingresses without `order` on one listener, created in one apply, all
/// succeed in distinct bands; the next plan is empty; a fourth moves none of them.
#[test]
fn three_ingresses_without_order_get_stable_bands_and_a_fourth_moves_none() {
    let (mock, wd) = start();
    write(&wd, &mock, &[config("")]);
    wd.apply(&[]).assert_success("create the load balancer");

    let three: Vec<String> = ["one", "two", "three"]
        .iter()
        .map(|n| ingress(n, n, &format!("/{n}"), ""))
        .collect();
    write(&wd, &mock, &[vec![config("")], three.clone()].concat());
    let plan = plan_json(&wd, "three");
    for n in ["one", "two", "three"] {
        let change = planned_change(&plan, &format!("alb_ingress.{n}"));
        assert_eq!(change["actions"], serde_json::json!(["create"]));
        assert_eq!(
            change["after_unknown"]["order"], true,
            "{n}: order is known after apply: {change:#}"
        );
    }
    wd.apply(&[])
        .assert_success("three ingresses without order in one apply");

    let orders: BTreeMap<&str, i64> = ["one", "two", "three"]
        .iter()
        .map(|n| (*n, order_of(&wd, n)))
        .collect();
    let mut taken: Vec<i64> = orders.values().copied().collect();
    taken.sort_unstable();
    assert_eq!(taken, [10, 11, 12], "distinct bands from 10: {orders:?}");
    let before: BTreeMap<&str, BTreeMap<String, i64>> = ["one", "two", "three"]
        .iter()
        .map(|n| (*n, priorities(&mock, n)))
        .collect();
    for (n, rules) in &before {
        assert_eq!(rules.len(), 1, "{n}: {rules:?}");
        assert_band(&wd, &mock, n, orders[n]);
    }
    wd.assert_plan_empty();

    let mut four = three.clone();
    four.push(ingress("four", "four", "/four", ""));
    write(&wd, &mock, &[vec![config("")], four].concat());
    let plan = plan_json(&wd, "four");
    for n in ["one", "two", "three"] {
        let change = planned_change(&plan, &format!("alb_ingress.{n}"));
        assert_eq!(change["actions"], serde_json::json!(["no-op"]), "{n}");
    }
    wd.apply(&[])
        .assert_success("a fourth ingress without order");
    for n in ["one", "two", "three"] {
        assert_eq!(order_of(&wd, n), orders[n], "{n}'s order in the state");
        assert_eq!(priorities(&mock, n), before[n], "{n}'s rules in the mock");
    }
    assert_band(&wd, &mock, "four", 13);
    wd.assert_plan_empty();
}

/// Explicit and automatic orders side by side: an automatic order skips the bands explicit ones
/// hold; writing the chosen order into the configuration, or removing an explicit one, changes
/// nothing; changing an explicit order moves that ingress's rules.
#[test]
fn explicit_and_automatic_orders_mixed() {
    let (mock, wd) = start();
    // `order` lines of alb_ingress.pinned and .auto_a, and whether .auto_b is there.
    let configure = |pinned: &str, auto_a: &str, with_b: bool| {
        let mut parts = vec![
            config(""),
            ingress("pinned", "pinned", "/pinned", pinned),
            ingress("auto_a", "auto-a", "/a", auto_a),
        ];
        if with_b {
            parts.push(ingress("auto_b", "auto-b", "/b", ""));
        }
        write(&wd, &mock, &parts);
    };
    configure("  order = 11", "", false);
    wd.apply(&[])
        .assert_success("load balancer, an explicit and an automatic order");
    assert_eq!(order_of(&wd, "pinned"), 11);
    assert_eq!(order_of(&wd, "auto_a"), 10, "10 is free next to 11");
    wd.assert_plan_empty();

    configure("  order = 11", "", true);
    wd.apply(&[]).assert_success("a second automatic order");
    assert_eq!(order_of(&wd, "auto_b"), 12, "skips the explicit 11");
    wd.assert_plan_empty();

    // The chosen order written down, and the explicit one removed: nothing to do.
    configure("", "  order = 10", true);
    wd.assert_plan_empty();
    assert_eq!(order_of(&wd, "pinned"), 11, "kept without `order`");

    // An explicit change is a change: the rules move to the new band.
    configure("  order = 20", "  order = 10", true);
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    assert!(plan.stdout.contains("~ order"), "{}", plan.stdout);
    wd.apply(&[]).assert_success("move the pinned ingress");
    assert_band(&wd, &mock, "pinned", 20);
    wd.assert_plan_empty();
}

/// Import of an ingress whose order was chosen automatically keeps that order: a configuration
/// without `order` plans nothing.
#[test]
fn import_keeps_an_automatic_order() {
    let (mock, wd) = start();
    let taken = ingress("taken", "taken", "/taken", "  order = 10");
    let auto = ingress("auto", "auto", "/auto", "");
    write(&wd, &mock, &[config(""), taken.clone(), auto.clone()]);
    wd.apply(&[]).assert_success("create");
    assert_eq!(order_of(&wd, "auto"), 11);
    let lb_id = resource_values(&wd, "alb_config.main")["id"]
        .as_str()
        .expect("load balancer id")
        .to_owned();

    let fresh = Workdir::new();
    write(&fresh, &mock, &[config(""), taken, auto]);
    fresh
        .import("alb_config.main", &lb_id)
        .assert_success("import config");
    for name in ["taken", "auto"] {
        fresh
            .import(
                &format!("alb_ingress.{name}"),
                &format!("{lb_id}/shop/{name}"),
            )
            .assert_success(&format!("import {name}"));
    }
    assert_eq!(order_of(&fresh, "auto"), 11, "the imported order");
    fresh.assert_plan_empty();
}

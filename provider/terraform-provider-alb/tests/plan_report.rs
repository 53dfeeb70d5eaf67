//! `plan-report` on small hand-written JSON plans: what is shown, what needs attention, and bad
//! input. The golden tests on real plans are in the acceptance suite.

use serde_json::{json, Value};
use terraform_provider_alb::report::{report, Report};

const LB_ID: &str = "alb-1";

fn plan(changes: Vec<Value>) -> String {
    json!({
        "format_version": "1.2",
        "terraform_version": "1.15.5",
        "planned_values": {},
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": [
            {"address": "alb_ingress.shop", "expressions": {"alb_config_id": {"references": ["alb_config.main.id", "alb_config.main"]}}}
        ]}}
    })
    .to_string()
}

fn resource(kind: &str, name: &str, actions: &[&str], before: Value, after: Value) -> Value {
    json!({
        "address": format!("{kind}.{name}"),
        "mode": "managed",
        "type": kind,
        "name": name,
        "provider_name": "registry.terraform.io/example/alb",
        "change": {"actions": actions, "before": before, "after": after, "after_unknown": {}}
    })
}

fn listener(protocol: &str, port: u32) -> Value {
    json!({"protocol": protocol, "port": port, "id": format!("lsn-{port}"), "idle_timeout": 15, "acl": null})
}

fn lb(listeners: Vec<Value>) -> Value {
    json!({"id": LB_ID, "name": "web", "vpc_id": "vpc-1", "deletion_protection": false, "listener": listeners})
}

fn rule(listener: &str, priority: u32, path: &str, targets: &[(&str, u32)]) -> Value {
    let groups: Vec<Value> = targets
        .iter()
        .map(|(key, weight)| json!({"key": key, "id": null, "weight": weight}))
        .collect();
    let total: u32 = targets.iter().map(|t| t.1).sum();
    let shares: Vec<String> = match targets {
        [(key, _)] => vec![key.to_string()],
        _ => targets
            .iter()
            .map(|(key, weight)| format!("{key} ({}%)", weight * 100 / total))
            .collect(),
    };
    let action = format!("forward {}", shares.join(", "));
    json!({
        "listener": listener, "listener_id": "lsn", "priority": priority, "name": "r", "id": "rule-x",
        "summary": format!("{listener} #{priority} host=shop.example.com path={path} → {action}"),
        "conditions": [
            {"type": "Host", "key": "", "values": ["shop.example.com"]},
            {"type": "Path", "key": "", "values": [path]}
        ],
        "actions": [{"type": "ForwardGroup", "order": 1, "server_groups": groups, "config": {}}]
    })
}

fn group(members: usize) -> Value {
    let members: Vec<Value> = (0..members)
        .map(|i| json!({"server_id": format!("10.0.0.{i}"), "ip": format!("10.0.0.{i}"), "port": 8080, "weight": 100, "type": "Ip"}))
        .collect();
    json!({"service": "api", "port": "80", "id": "sgp-1", "name": "k8s-api", "protocol": "HTTP",
           "scheduler": "Wrr", "member_mode": "ip", "attributes": {}, "members": members})
}

fn ingress(rules: Value, groups: Value) -> Value {
    json!({"alb_config_id": LB_ID, "namespace": "shop", "name": "storefront", "rules": rules, "server_groups": groups})
}

fn run(changes: Vec<Value>) -> Report {
    report(&plan(changes)).unwrap_or_else(|e| panic!("report failed: {e}"))
}

fn unchanged_lb() -> Value {
    resource(
        "alb_config",
        "main",
        &["no-op"],
        lb(vec![listener("HTTPS", 443)]),
        lb(vec![listener("HTTPS", 443)]),
    )
}

/// The report of a change of `alb_ingress.shop` on the unchanged load balancer.
fn shop_change(actions: &[&str], before: Value, after: Value) -> Report {
    run(vec![
        unchanged_lb(),
        resource("alb_ingress", "shop", actions, before, after),
    ])
}

#[test]
fn an_added_rule_is_one_row_and_needs_no_attention() {
    let api = rule("HTTPS:443", 101, "/api", &[("api:80", 100)]);
    let admin = rule("HTTPS:443", 100, "/admin", &[("api:80", 100)]);
    let r = shop_change(
        &["update"],
        ingress(json!({"k-api": api}), json!({"api:80": group(2)})),
        ingress(
            json!({"k-api": api, "k-admin": admin}),
            json!({"api:80": group(2)}),
        ),
    );
    assert!(r.attention.is_empty(), "{:?}", r.attention);
    let md = &r.markdown;
    assert!(md.contains("Rules: 1 added, 0 changed, 0 removed"), "{md}");
    assert!(md.contains("#### Rules on `HTTPS:443`"), "{md}");
    assert!(
        md.contains("| + | 100 | `host=shop.example.com path=/admin` | `forward api:80` | shop/storefront |"),
        "{md}"
    );
    assert!(
        !md.contains("/api`"),
        "unchanged rules are not shown:\n{md}"
    );
    assert!(!md.contains("#### Server groups"), "{md}");
}

#[test]
fn priority_moves_and_weight_shifts_need_attention() {
    let before = rule("HTTPS:443", 101, "/", &[("web:80", 90), ("canary:80", 10)]);
    let after = rule("HTTPS:443", 102, "/", &[("web:80", 50), ("canary:80", 50)]);
    let r = shop_change(
        &["update"],
        ingress(json!({"k": before}), json!({})),
        ingress(json!({"k": after}), json!({})),
    );
    assert_eq!(
        r.attention,
        [
            "rule `HTTPS:443` `host=shop.example.com path=/` of `shop/storefront`: priority moves 101 → 102",
            "rule `HTTPS:443` `host=shop.example.com path=/` of `shop/storefront`: weight shift `canary:80` 10% → 50%, `web:80` 90% → 50%",
        ]
    );
    assert!(
        r.markdown.contains("| ~ | 101 → 102 | `host=shop.example.com path=/` | `forward web:80 (90%), canary:80 (10%)` → `forward web:80 (50%), canary:80 (50%)` | shop/storefront |"),
        "{}",
        r.markdown
    );
}

#[test]
fn a_removed_rule_needs_attention_a_removed_ingress_once() {
    let api = rule("HTTPS:443", 101, "/api", &[("api:80", 100)]);
    let old = rule("HTTPS:443", 102, "/old", &[("api:80", 100)]);
    let r = shop_change(
        &["update"],
        ingress(json!({"a": api, "o": old}), json!({})),
        ingress(json!({"a": api}), json!({})),
    );
    assert_eq!(
        r.attention,
        ["rule `HTTPS:443` `host=shop.example.com path=/old` of `shop/storefront` is **removed** (was `forward api:80`)"]
    );

    let r = shop_change(
        &["delete"],
        ingress(json!({"a": api, "o": old}), json!({"api:80": group(3)})),
        Value::Null,
    );
    assert_eq!(
        r.attention,
        ["ingress `shop/storefront` (`alb_ingress.shop`) is **destroyed**, with its rules"]
    );
    assert!(
        r.markdown
            .contains("| − | `api:80` | shop/storefront | 3 → 0 |  |"),
        "{}",
        r.markdown
    );
}

#[test]
fn a_rule_under_a_new_key_serving_the_same_requests_is_a_change() {
    let before = rule("HTTPS:443", 101, "/api", &[("api:80", 100)]);
    let after = rule("HTTPS:443", 101, "/api", &[("api-v2:80", 100)]);
    let r = shop_change(
        &["update"],
        ingress(json!({"old-key": before}), json!({})),
        ingress(json!({"new-key": after}), json!({})),
    );
    assert!(
        r.markdown.contains("Rules: 0 added, 1 changed, 0 removed"),
        "{}",
        r.markdown
    );
    assert_eq!(
        r.attention,
        ["rule `HTTPS:443` `host=shop.example.com path=/api` of `shop/storefront`: weight shift `api-v2:80` 0% → 100%, `api:80` 100% → 0%"]
    );
}

#[test]
fn a_removed_listener_needs_attention_with_its_rule_count() {
    let api = rule("HTTP:8080", 101, "/api", &[("api:80", 100)]);
    let r = run(vec![
        resource(
            "alb_config",
            "main",
            &["update"],
            lb(vec![listener("HTTPS", 443), listener("HTTP", 8080)]),
            lb(vec![listener("HTTPS", 443)]),
        ),
        resource(
            "alb_ingress",
            "shop",
            &["update"],
            ingress(json!({"a": api}), json!({})),
            ingress(json!({}), json!({})),
        ),
    ]);
    assert_eq!(
        r.attention,
        ["listener `HTTP:8080` is **removed** (it had 1 rule)"]
    );
    assert!(
        r.markdown.contains("| − | `HTTP:8080` |  |"),
        "{}",
        r.markdown
    );
}

#[test]
fn listener_attributes_and_acl_entries_are_shown() {
    let mut before = listener("HTTPS", 443);
    before["acl"] =
        json!({"type": "White", "entries": ["10.0.0.0/8", "192.0.2.1/32"], "acl_ids": null});
    let mut after = before.clone();
    after["idle_timeout"] = json!(60);
    after["acl"]["entries"] = json!(["10.0.0.0/8", "198.51.100.0/24"]);
    let r = run(vec![resource(
        "alb_config",
        "main",
        &["update"],
        lb(vec![before]),
        lb(vec![after]),
    )]);
    assert!(r.attention.is_empty(), "{:?}", r.attention);
    assert!(
        r.markdown.contains("| ~ | `HTTPS:443` | `idle_timeout`: `15` → `60`; ACL White: +`198.51.100.0/24`, −`192.0.2.1/32` |"),
        "{}",
        r.markdown
    );
}

#[test]
fn replacement_and_deletion_protection_off_need_attention() {
    let mut before = lb(vec![listener("HTTPS", 443)]);
    before["deletion_protection"] = json!(true);
    let mut after = lb(vec![listener("HTTPS", 443)]);
    after["vpc_id"] = json!("vpc-2");
    after["id"] = Value::Null;
    let mut change = resource("alb_config", "main", &["delete", "create"], before, after);
    change["change"]["replace_paths"] = json!([["vpc_id"]]);
    change["change"]["after_unknown"] = json!({"id": true});
    let r = run(vec![change]);
    assert_eq!(
        r.attention,
        [
            "load balancer `web` is **replaced** (forced by `vpc_id`): a new load balancer gets a new DNS name",
            "load balancer `web`: deletion protection is turned **off**",
        ]
    );
    let md = &r.markdown;
    assert!(
        md.contains("### Load balancer `web` (`alb_config.main`): **replace**"),
        "{md}"
    );
    assert!(md.contains("| `vpc_id` | `vpc-1` | `vpc-2` |"), "{md}");
    assert!(
        md.contains("| `deletion_protection` | `true` | `false` |"),
        "{md}"
    );
    assert!(!md.contains("`id`"), "ids are not shown:\n{md}");
}

#[test]
fn members_dropping_by_more_than_half_need_attention() {
    let changes = |after: usize| {
        vec![
            unchanged_lb(),
            resource(
                "alb_ingress",
                "shop",
                &["update"],
                ingress(json!({}), json!({"api:80": group(4)})),
                ingress(json!({}), json!({"api:80": group(after)})),
            ),
        ]
    };
    let half = run(changes(2));
    assert!(half.attention.is_empty(), "{:?}", half.attention);
    assert!(
        half.markdown
            .contains("| ~ | `api:80` | shop/storefront | 4 → 2 (+0 −2) |  |"),
        "{}",
        half.markdown
    );
    let less = run(changes(1));
    assert_eq!(
        less.attention,
        ["server group `api:80` of `shop/storefront`: members drop from 4 to 1"]
    );
}

#[test]
fn a_new_ingress_finds_its_new_load_balancer_through_the_configuration() {
    let mut after = ingress(
        json!({"k": rule("HTTPS:443", 101, "/api", &[("api:80", 100)])}),
        json!({"api:80": group(0)}),
    );
    after["alb_config_id"] = Value::Null;
    let mut new_lb = lb(vec![listener("HTTPS", 443)]);
    new_lb["id"] = Value::Null;
    let r = run(vec![
        resource("alb_config", "main", &["create"], Value::Null, new_lb),
        resource("alb_ingress", "shop", &["create"], Value::Null, after),
    ]);
    let md = &r.markdown;
    assert!(r.attention.is_empty(), "{:?}", r.attention);
    assert_eq!(md.matches("### Load balancer").count(), 1, "{md}");
    assert!(
        md.contains("Load balancers: 1 to create · Ingresses: 1 to create · Rules: 1 added"),
        "{md}"
    );
    assert!(md.contains("| + | `HTTPS:443` |  |"), "{md}");
    assert!(
        md.contains("| + | `api:80` | shop/storefront | 0 |  |"),
        "{md}"
    );
}

#[test]
fn list_shaped_rules_of_older_states_are_read_by_their_key_attribute() {
    let mut api = rule("HTTPS:443", 101, "/api", &[("api:80", 100)]);
    api["key"] = json!("k-api");
    let mut moved = api.clone();
    moved["priority"] = json!(105);
    moved["summary"] = json!("HTTPS:443 #105 host=shop.example.com path=/api → forward api:80");
    let r = shop_change(
        &["update"],
        ingress(json!([api]), json!([])),
        ingress(json!([moved]), json!([])),
    );
    assert!(
        r.markdown
            .contains("| ~ | 101 → 105 | `host=shop.example.com path=/api` | `forward api:80` |"),
        "{}",
        r.markdown
    );
}

#[test]
fn pipes_in_matches_are_escaped_in_tables() {
    let mut r1 = rule("HTTPS:443", 101, "/api", &[("api:80", 100)]);
    r1["summary"] = json!("HTTPS:443 #101 header x-env=a|b → forward api:80");
    let r = shop_change(
        &["update"],
        ingress(json!({}), json!({})),
        ingress(json!({"k": r1}), json!({})),
    );
    assert!(
        r.markdown.contains("`header x-env=a\\|b`"),
        "{}",
        r.markdown
    );
}

#[test]
fn output_does_not_depend_on_the_order_of_resource_changes() {
    let a = rule("HTTPS:443", 101, "/a", &[("a:80", 100)]);
    let b = rule("HTTP:80", 100, "/b", &[("b:80", 100)]);
    let changes = vec![
        resource(
            "alb_config",
            "main",
            &["update"],
            lb(vec![listener("HTTPS", 443)]),
            lb(vec![listener("HTTP", 80), listener("HTTPS", 443)]),
        ),
        resource(
            "alb_ingress",
            "shop",
            &["update"],
            ingress(json!({}), json!({})),
            ingress(
                json!({"a": a, "b": b}),
                json!({"a:80": group(1), "b:80": group(1)}),
            ),
        ),
    ];
    let forward = run(changes.clone()).markdown;
    let mut reversed = changes;
    reversed.reverse();
    assert_eq!(forward, run(reversed).markdown);
    let http = forward
        .find("#### Rules on `HTTP:80`")
        .expect("HTTP:80 rules");
    let https = forward
        .find("#### Rules on `HTTPS:443`")
        .expect("HTTPS:443 rules");
    assert!(http < https, "listeners sorted by port:\n{forward}");
}

#[test]
fn a_plan_without_alb_changes_says_so() {
    let r = run(vec![unchanged_lb()]);
    assert!(r.attention.is_empty());
    assert_eq!(
        r.markdown,
        "## ALB plan report\n\nNo `alb_config` or `alb_ingress` changes in this plan.\n"
    );
}

#[test]
fn bad_input_is_an_error_with_a_reason() {
    let not_json = report("plan:").unwrap_err().to_string();
    assert!(
        not_json.starts_with("not a Terraform JSON plan"),
        "{not_json}"
    );
    let state = report(r#"{"format_version":"1.0","values":{}}"#)
        .unwrap_err()
        .to_string();
    assert!(state.contains("state, not a plan"), "{state}");
    let bad_rules = plan(vec![resource(
        "alb_ingress",
        "shop",
        &["create"],
        Value::Null,
        json!({"rules": {"k": {"priority": "high"}}}),
    )]);
    let err = report(&bad_rules).unwrap_err().to_string();
    assert!(
        err.starts_with("alb_ingress.shop: unexpected after value"),
        "{err}"
    );
}

#[test]
fn server_groups_differing_only_in_ids_are_not_shown() {
    let mut recreated = group(2);
    recreated["id"] = Value::Null;
    let r = shop_change(
        &["delete", "create"],
        ingress(json!({}), json!({"api:80": group(2)})),
        ingress(json!({}), json!({"api:80": recreated})),
    );
    assert!(!r.markdown.contains("#### Server groups"), "{}", r.markdown);
    assert_eq!(
        r.attention,
        ["ingress `shop/storefront` (`alb_ingress.shop`) is **replaced**"]
    );
}

#[test]
fn sensitive_and_unknown_attributes_are_not_printed() {
    let before = lb(vec![listener("HTTPS", 443)]);
    let mut after = before.clone();
    after["tags"] = json!({"owner": "secret-team"});
    after["name"] = Value::Null;
    let mut change = resource("alb_config", "main", &["update"], before, after);
    change["change"]["after_sensitive"] = json!({"tags": true});
    change["change"]["after_unknown"] = json!({"name": true});
    let md = run(vec![change]).markdown;
    assert!(!md.contains("secret-team"), "{md}");
    assert!(
        md.contains("| `tags.owner` | `(unset)` | `(sensitive)` |"),
        "{md}"
    );
    assert!(
        md.contains("| `name` | `web` | `(known after apply)` |"),
        "{md}"
    );
}

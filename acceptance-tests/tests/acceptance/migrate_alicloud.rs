//! `examples/migrate-from-alicloud` through real Terraform (docs/guides/migrating-from-alicloud.md):
//! the mock holds what the alicloud provider's `alicloud_alb_*` resources made — a load
//! balancer, two listeners, rules and a server group, created through the mock's signed API with
//! no tag of ours. The example's `import {}` block takes over the load balancer and both
//! listeners (same ids, default actions moved to placeholder groups), the next plan is empty,
//! the foreign rules and server group are untouched, and an `alb_ingress` then takes over the
//! `/api` path of a foreign rule with a lower priority (a clashing order is a plan error).

use acceptance_tests::harness::Workdir;
use acceptance_tests::mock::{state_tag, MockConfig, MockServer};
use alb_api::common::{CertificateRef, Tag};
use alb_api::listener::{CreateListenerRequest, DefaultAction};
use alb_api::load_balancer::{BillingConfig, CreateLoadBalancerRequest, ZoneMapping};
use alb_api::rule::{CreateRuleRequest, ForwardGroupConfig, RuleAction, RuleCondition};
use alb_api::server_group::{CreateServerGroupRequest, HealthCheckConfig};
use alb_api::wait::WaitOptions;
use alb_api::Client;
use serde_json::Value;

use crate::example;
use crate::ingress_lifecycle::{block_on, client, list};
use crate::route_watch;

/// What the alicloud configuration made: ids of the mock's objects.
struct Foreign {
    lb: String,
    http: String,
    https: String,
    group: String,
    /// `/static` on HTTP:80, priority 11.
    static_rule: String,
    /// `/api` on HTTP:80, priority 20.
    api_rule: String,
    /// `/` on HTTPS:443, priority 10.
    root_rule: String,
}

fn team() -> Vec<Tag> {
    vec![Tag::new("team", "shop")]
}

/// Creates what `alicloud_alb_load_balancer`, `alicloud_alb_server_group`,
/// `alicloud_alb_listener` and `alicloud_alb_rule` would: the values of the example's
/// configuration, user tags only.
fn seed(api: &Client) -> Foreign {
    block_on(async {
        let wait = WaitOptions::default();
        let group = api
            .create_server_group(
                &CreateServerGroupRequest {
                    server_group_name: "shop-backend".into(),
                    health_check_config: HealthCheckConfig {
                        health_check_enabled: Some(false),
                        ..Default::default()
                    },
                    vpc_id: Some("vpc-shop".into()),
                    tag: team(),
                    ..Default::default()
                },
                None,
            )
            .await
            .expect("server group")
            .server_group_id;
        let lb = api
            .create_load_balancer(
                &CreateLoadBalancerRequest {
                    vpc_id: "vpc-shop".into(),
                    address_type: "Internet".into(),
                    load_balancer_edition: "Standard".into(),
                    load_balancer_billing_config: BillingConfig {
                        pay_type: Some("PostPay".into()),
                        ..Default::default()
                    },
                    zone_mappings: ["h", "i"]
                        .map(|z| ZoneMapping {
                            zone_id: format!("cn-hangzhou-{z}"),
                            v_switch_id: format!("vsw-shop-{z}"),
                            ..Default::default()
                        })
                        .into(),
                    load_balancer_name: Some("shop".into()),
                    tag: team(),
                    ..Default::default()
                },
                None,
            )
            .await
            .expect("load balancer")
            .load_balancer_id;
        api.wait_load_balancer_active(&lb, &wait)
            .await
            .expect("active");
        let listener = |protocol: &str, port: i64, description: &str| CreateListenerRequest {
            load_balancer_id: lb.clone(),
            listener_protocol: protocol.into(),
            listener_port: port,
            listener_description: Some(description.into()),
            default_actions: vec![DefaultAction::forward_to(&group)],
            tag: team(),
            ..Default::default()
        };
        let http = listener("HTTP", 80, "shop-http");
        let http = CreateListenerRequest {
            idle_timeout: Some(30),
            ..http
        };
        let https = CreateListenerRequest {
            certificates: vec![CertificateRef::new("1234-cn-hangzhou")],
            ..listener("HTTPS", 443, "shop-https")
        };
        let mut ids = Vec::new();
        for request in [http, https] {
            let created = api.create_listener(&request, None).await.expect("listener");
            api.wait_for_job(created.job_id.as_deref(), &wait)
                .await
                .expect("listener job");
            ids.push(created.listener_id);
        }
        let rule = |listener: &str, name: &str, priority: i64, path: &str| CreateRuleRequest {
            listener_id: listener.to_owned(),
            rule_name: name.into(),
            priority,
            rule_conditions: vec![RuleCondition::path([path])],
            rule_actions: vec![RuleAction::forward(1, ForwardGroupConfig::single(&group))],
            tag: team(),
            ..Default::default()
        };
        let mut rules = Vec::new();
        for request in [
            rule(&ids[0], "static", 11, "/static"),
            rule(&ids[0], "api", 20, "/api"),
            rule(&ids[1], "root", 10, "/"),
        ] {
            let created = api.create_rule(&request, None).await.expect("rule");
            api.wait_for_job(created.job_id.as_deref(), &wait)
                .await
                .expect("rule job");
            rules.push(created.rule_id);
        }
        Foreign {
            lb,
            http: ids[0].clone(),
            https: ids[1].clone(),
            group,
            static_rule: rules[0].clone(),
            api_rule: rules[1].clone(),
            root_rule: rules[2].clone(),
        }
    })
}

fn by_id<'a>(state: &'a Value, kind: &str, field: &str, id: &str) -> &'a Value {
    list(state, kind)
        .iter()
        .find(|o| o[field] == id)
        .unwrap_or_else(|| panic!("no {kind} {id}: {state:#}"))
}

/// The server group a listener's default action forwards to.
fn default_group(listener: &Value) -> &str {
    listener["DefaultActions"][0]["ForwardGroupConfig"]["ServerGroupTuples"][0]["ServerGroupId"]
        .as_str()
        .unwrap_or_default()
}

/// `(RuleId, Priority, RuleConditions, RuleActions, Tags)` of the foreign rules, by id.
fn foreign_rules(state: &Value, foreign: &Foreign) -> Vec<Value> {
    [&foreign.static_rule, &foreign.api_rule, &foreign.root_rule]
        .iter()
        .map(|id| {
            let r = by_id(state, "Rules", "RuleId", id);
            serde_json::json!([
                r["RuleId"],
                r["Priority"],
                r["RuleConditions"],
                r["RuleActions"],
                r["Tags"]
            ])
        })
        .collect()
}

/// Which rule the mock's rules give `path` on listener `listener` (`null`: the default action).
fn routed_rule(mock: &MockServer, listener: &str, path: &str) -> Value {
    let url = format!("{}/__mock/route", mock.endpoint());
    let answer = block_on(route_watch::ask(
        &reqwest::Client::new(),
        &url,
        listener,
        "shop.example.com",
        path,
    ));
    answer["rule"].clone()
}

/// The mock holding what the alicloud configuration made.
fn seeded_mock() -> (MockServer, Foreign) {
    let mock = MockServer::start(MockConfig {
        async_delay_ms: 30,
        ..MockConfig::default()
    })
    .expect("start mock");
    let foreign = seed(&client(&mock));
    (mock, foreign)
}

/// The plan line of a listener whose default action moves off `group`.
fn default_action_moved(group: &str) -> String {
    format!("default_server_group_id = \"{group}\" -> (known after apply)")
}

#[test]
fn alicloud_made_load_balancer_is_imported_its_listeners_adopted_and_a_rule_taken_over() {
    let (mock, foreign) = seeded_mock();
    let before = mock.state();
    let rules_before = foreign_rules(&before, &foreign);
    let group_before = by_id(&before, "ServerGroups", "ServerGroupId", &foreign.group).clone();

    let wd = Workdir::new();
    std::fs::write(wd.main_tf(), example("migrate-from-alicloud")).expect("write main.tf");
    let endpoint = format!("endpoint={}", mock.endpoint());
    let lb = format!("load_balancer_id={}", foreign.lb);
    let step1 = ["-var", endpoint.as_str(), "-var", lb.as_str()];
    let step2 = [&step1[..], &["-var", "take_over_api=true"]].concat();

    // The import's plan: one import, one in-place update whose only changes are the listeners'
    // default actions (to placeholder groups); no listener is created or replaced.
    let plan = wd.plan(&step1);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    assert!(
        plan.stdout
            .contains("Plan: 1 to import, 0 to add, 1 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    let moved = default_action_moved(&foreign.group);
    assert_eq!(plan.stdout.matches(&moved).count(), 2, "{}", plan.stdout);
    for unwanted in [
        "~ description",
        "~ idle_timeout",
        "~ certificate_ids",
        "+ listener",
        "- listener",
        "must be replaced",
    ] {
        assert!(
            !plan.stdout.contains(unwanted),
            "{unwanted}:\n{}",
            plan.stdout
        );
    }

    wd.apply(&step1).assert_success("import and adopt");
    let state = mock.state();
    let balancer = by_id(&state, "LoadBalancers", "LoadBalancerId", &foreign.lb);
    assert_eq!(state_tag(balancer, "alb.terraform/cluster"), Some("c-shop"));
    assert_eq!(state_tag(balancer, "alb.terraform/config"), Some("shop"));
    assert_eq!(state_tag(balancer, "team"), Some("shop"), "user tags kept");
    for (id, key) in [(&foreign.http, "HTTP:80"), (&foreign.https, "HTTPS:443")] {
        let listener = by_id(&state, "Listeners", "ListenerId", id);
        assert_eq!(
            state_tag(listener, "alb.terraform/key"),
            Some(key),
            "{listener:#}"
        );
        assert_eq!(state_tag(listener, "alb.terraform/config"), Some("shop"));
        let placeholder = default_group(listener);
        assert_ne!(placeholder, foreign.group, "{key} default action moved");
        let group = by_id(&state, "ServerGroups", "ServerGroupId", placeholder);
        assert_eq!(
            state_tag(group, "alb.terraform/resource"),
            Some("placeholder")
        );
    }
    assert_eq!(
        list(&state, "Listeners").len(),
        2,
        "no listener added: {state:#}"
    );
    assert_eq!(
        by_id(&state, "Listeners", "ListenerId", &foreign.http)["IdleTimeout"],
        30
    );
    assert_eq!(
        foreign_rules(&state, &foreign),
        rules_before,
        "foreign rules untouched"
    );
    assert_eq!(
        by_id(&state, "ServerGroups", "ServerGroupId", &foreign.group),
        &group_before,
        "foreign server group untouched"
    );
    let values = &wd.state_json()["values"]["root_module"]["resources"][0]["values"];
    assert_eq!(values["id"], foreign.lb.as_str());
    assert_eq!(values["listener"]["HTTP:80"]["id"], foreign.http.as_str());
    assert_eq!(
        values["listener"]["HTTPS:443"]["id"],
        foreign.https.as_str()
    );
    for extra in [&["-refresh=false"][..], &[][..]] {
        let plan = wd.plan(&[&step1[..], extra].concat());
        assert_eq!(
            plan.code,
            0,
            "plan {extra:?} after the import:\n{}",
            plan.combined()
        );
    }
    assert_eq!(
        routed_rule(&mock, &foreign.http, "/api"),
        foreign.api_rule.as_str()
    );

    // Step 2 with an order whose band holds the foreign /static rule's priority: a plan error
    // naming that rule.
    let clashing = Workdir::new();
    std::fs::write(
        clashing.main_tf(),
        example("migrate-from-alicloud").replace("order         = 1", "order         = 2"),
    )
    .expect("write main.tf");
    std::fs::copy(
        wd.path().join("terraform.tfstate"),
        clashing.path().join("terraform.tfstate"),
    )
    .expect("copy state");
    let refused = clashing.plan(&step2);
    assert_eq!(refused.code, 1, "{}", refused.combined());
    for needle in [
        "priority 11 on listener HTTP:80 is already used by a rule not managed by this",
        foreign.static_rule.as_str(),
    ] {
        assert!(
            refused
                .combined()
                .replace('\n', " ")
                .replace("  ", " ")
                .contains(needle),
            "{needle}:\n{}",
            refused.combined()
        );
    }

    // Step 2 as the example writes it: /api moves to the alb_ingress's rule at priority 1; the
    // foreign /api rule (priority 20) still exists but no longer gets the requests.
    wd.apply(&step2).assert_success("take over /api");
    let api_rule = routed_rule(&mock, &foreign.http, "/api");
    let state = mock.state();
    let ours = by_id(
        &state,
        "Rules",
        "RuleId",
        api_rule.as_str().expect("a rule"),
    );
    assert_eq!(ours["Priority"], 1, "{ours:#}");
    assert_eq!(state_tag(ours, "alb.terraform/ingress"), Some("shop/api"));
    assert_eq!(
        routed_rule(&mock, &foreign.http, "/static"),
        foreign.static_rule.as_str()
    );
    assert_eq!(
        routed_rule(&mock, &foreign.https, "/"),
        foreign.root_rule.as_str()
    );
    assert_eq!(
        foreign_rules(&state, &foreign),
        rules_before,
        "foreign rules untouched"
    );

    // The alicloud configuration drops its /api rule (here: the API call its destroy makes);
    // nothing of ours depends on it.
    block_on(async {
        client(&mock)
            .delete_rule_and_wait(&foreign.api_rule, None, &WaitOptions::default())
            .await
            .expect("delete the foreign /api rule")
    });
    for extra in [&["-refresh=false"][..], &[][..]] {
        let plan = wd.plan(&[&step2[..], extra].concat());
        assert_eq!(
            plan.code,
            0,
            "plan {extra:?} after step 2:\n{}",
            plan.combined()
        );
    }
}

/// The guide's other way: `terraform import` (Terraform before 1.5), with a listener the
/// configuration does not declare — named in a plan warning, dropped from the state and left as
/// it is on the load balancer.
#[test]
fn terraform_import_adopts_declared_listeners_and_leaves_an_undeclared_one_alone() {
    let (mock, foreign) = seeded_mock();
    let api = client(&mock);
    let extra = block_on(async {
        let created = api
            .create_listener(
                &CreateListenerRequest {
                    load_balancer_id: foreign.lb.clone(),
                    listener_protocol: "HTTP".into(),
                    listener_port: 8080,
                    default_actions: vec![DefaultAction::forward_to(&foreign.group)],
                    ..Default::default()
                },
                None,
            )
            .await
            .expect("undeclared listener");
        api.wait_for_job(created.job_id.as_deref(), &WaitOptions::default())
            .await
            .expect("listener job");
        created.listener_id
    });
    let config = example("migrate-from-alicloud");
    let without_block = config.replace(
        "import {\n  to = alb_config.main\n  id = var.load_balancer_id\n}\n",
        "",
    );
    assert_ne!(without_block, config, "the example's import block");
    let wd = Workdir::new();
    std::fs::write(wd.main_tf(), without_block).expect("write main.tf");
    let endpoint = format!("endpoint={}", mock.endpoint());
    let lb = format!("load_balancer_id={}", foreign.lb);
    let vars = ["-var", endpoint.as_str(), "-var", lb.as_str()];
    let mut import = vec!["import", "-no-color", "-input=false"];
    import.extend_from_slice(&vars);
    import.extend_from_slice(&["alb_config.main", foreign.lb.as_str()]);
    wd.run(&import).assert_success("terraform import");

    let plan = wd.plan(&vars);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    let text = plan.combined().replace('\n', " ");
    assert!(
        text.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{text}"
    );
    let moved = default_action_moved(&foreign.group);
    assert_eq!(plan.stdout.matches(&moved).count(), 2, "{}", plan.stdout);
    assert!(
        text.contains("Imported listener not declared") && text.contains("listener HTTP:8080"),
        "{text}"
    );
    // It leaves the state (the plan shows its block removed), not the load balancer.
    assert!(
        plan.stdout.contains("- listener \"HTTP:8080\""),
        "{}",
        plan.stdout
    );

    wd.apply(&vars).assert_success("adopt");
    let state = mock.state();
    let undeclared = by_id(&state, "Listeners", "ListenerId", &extra);
    assert_eq!(default_group(undeclared), foreign.group, "left as it is");
    assert!(state_tag(undeclared, "alb.terraform/config").is_none());
    let adopted = by_id(&state, "Listeners", "ListenerId", &foreign.http);
    assert_eq!(state_tag(adopted, "alb.terraform/key"), Some("HTTP:80"));
    for extra in [&["-refresh=false"][..], &[][..]] {
        let plan = wd.plan(&[&vars[..], extra].concat());
        assert_eq!(plan.code, 0, "plan {extra:?}:\n{}", plan.combined());
    }
}

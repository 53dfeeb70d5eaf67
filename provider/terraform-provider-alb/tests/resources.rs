//! The resources through the `tfplugin` traits: validation, planning, and the operations that do
//! not reach the API (unconfigured provider, import ids).

mod common;

use common::{alb_config, alb_ingress, found, n, with};
use terraform_provider_alb::AlbProvider;
use tfplugin::provider::{ApplyRequest, Ctx, PlanRequest, Provider, ReadRequest, Resource};
use tfplugin::value::Value;

fn resource(name: &str) -> std::sync::Arc<dyn Resource> {
    AlbProvider::new()
        .resources()
        .into_iter()
        .find(|r| r.type_name() == name)
        .expect("resource")
}

fn create(config: Value) -> PlanRequest {
    PlanRequest {
        prior_state: Value::Null,
        proposed_new_state: config.clone(),
        config,
        prior_private: Vec::new(),
    }
}

#[tokio::test]
async fn provider_serves_both_resources_with_their_schema_versions() {
    let names: Vec<_> = AlbProvider::new()
        .resources()
        .iter()
        .map(|r| (r.type_name(), r.schema().version))
        .collect();
    assert_eq!(names, vec![("alb_config", 2), ("alb_ingress", 2)]);
}

#[tokio::test]
async fn validate_reports_through_the_trait() {
    let ctx = Ctx::default();
    let config = resource("alb_config");
    let invalid = with(alb_config(), r#"listener["HTTP:80"].idle_timeout"#, n(0));
    assert_eq!(
        found(&config.validate(&ctx, &invalid).await),
        vec![(
            "Invalid idle timeout".to_string(),
            r#"listener["HTTP:80"].idle_timeout"#.to_string()
        )]
    );
    let ingress = resource("alb_ingress");
    assert!(ingress.validate(&ctx, &alb_ingress(0)).await.is_empty());
}

#[tokio::test]
async fn plan_on_create_leaves_computed_attributes_unknown() {
    let ctx = Ctx::default();
    let response = resource("alb_config")
        .plan(&ctx, create(alb_config()))
        .await;
    // The fixture's listener ACL is only a warning (not applicable by this build yet).
    assert!(
        !response.diagnostics.has_errors(),
        "{:?}",
        response.diagnostics
    );
    let planned = &response.planned_state;
    for attr in ["id", "dns_name", "status"] {
        assert!(planned.get(attr).is_unknown(), "{attr}");
    }
    let listener = planned.get("listener").get("HTTP:80");
    assert!(listener.get("id").is_unknown());
    assert!(listener.get("default_server_group_id").is_unknown());
    assert_eq!(planned.get("name"), alb_config().get("name"));

    // The ingress's expansion is planned even before its load balancer can be looked at: every
    // value is known except the ids of objects that do not exist yet.
    let response = resource("alb_ingress")
        .plan(&ctx, create(alb_ingress(0)))
        .await;
    let planned = &response.planned_state;
    assert_eq!(planned.get("id").as_str(), Some("alb-123/shop/web.v1"));
    let rules = planned.get("rules").as_map().expect("rules is a map");
    assert!(!rules.is_empty());
    for rule in rules.values() {
        assert!(rule.get("id").is_unknown() && rule.get("listener_id").is_unknown());
        assert!(rule.get("summary").as_str().is_some());
        assert!(rule.get("priority").as_i64().is_some());
    }
    let groups = planned.get("server_groups").as_map().expect("a map");
    assert!(!groups.is_empty());
    assert!(groups.values().all(|g| g.get("id").is_unknown()));
    // Without provider settings the cluster cannot be read: members are unknown, never empty.
    assert!(groups.values().all(|g| g.get("members").is_unknown()));
}

#[tokio::test]
async fn plan_reports_validation_errors_and_replacements() {
    let ctx = Ctx::default();
    let invalid = with(alb_ingress(0), "order", n(0));
    let response = resource("alb_ingress").plan(&ctx, create(invalid)).await;
    assert_eq!(
        found(&response.diagnostics),
        vec![("Invalid order".to_string(), "order".to_string())]
    );

    let prior = with(alb_ingress(0), "id", Value::from("alb-123/shop/web.v1"));
    let renamed = with(prior.clone(), "namespace", Value::from("shop2"));
    let response = resource("alb_ingress")
        .plan(
            &ctx,
            PlanRequest {
                prior_state: prior,
                proposed_new_state: renamed.clone(),
                config: with(renamed, "id", Value::Null),
                prior_private: Vec::new(),
            },
        )
        .await;
    let replaced: Vec<String> = response
        .requires_replace
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(replaced, vec!["namespace"]);
    assert_eq!(
        response.planned_state.get("id").as_str(),
        Some("alb-123/shop2/web.v1")
    );
    let rules = response.planned_state.get("rules").as_map().expect("a map");
    assert!(!rules.is_empty());
    assert!(rules.values().all(|r| r.get("id").is_unknown()));
}

#[tokio::test]
async fn alb_ingress_needs_a_configured_provider_and_checks_import_ids() {
    let ctx = Ctx::default();
    let resource = resource("alb_ingress");
    let apply = resource
        .apply(
            &ctx,
            ApplyRequest {
                prior_state: Value::Null,
                planned_state: alb_ingress(0),
                config: alb_ingress(0),
                planned_private: Vec::new(),
            },
        )
        .await;
    assert_eq!(
        found(&apply.diagnostics),
        vec![("Provider not configured".to_string(), String::new())]
    );
    assert!(apply.new_state.is_null());

    let read = resource
        .read(
            &ctx,
            ReadRequest {
                current_state: Value::Null,
                private: Vec::new(),
            },
        )
        .await;
    assert!(read.diagnostics.is_empty() && read.new_state.is_null());
    let state = with(alb_ingress(0), "id", Value::from("alb-123/shop/web.v1"));
    let read = resource
        .read(
            &ctx,
            ReadRequest {
                current_state: state.clone(),
                private: Vec::new(),
            },
        )
        .await;
    assert_eq!(
        found(&read.diagnostics),
        vec![("Provider not configured".to_string(), String::new())]
    );
    assert_eq!(read.new_state, state, "a failed read keeps the state");

    let import = resource.import(&ctx, "alb-1").await;
    assert_eq!(
        found(&import.diagnostics),
        vec![("Invalid import id".to_string(), String::new())]
    );
    let import = resource.import(&ctx, "alb-1/shop/web").await;
    assert_eq!(
        found(&import.diagnostics),
        vec![("Provider not configured".to_string(), String::new())]
    );
}

#[tokio::test]
async fn alb_config_needs_a_configured_provider_and_imports_by_id() {
    let ctx = Ctx::default();
    let resource = resource("alb_config");
    let apply = resource
        .apply(
            &ctx,
            ApplyRequest {
                prior_state: Value::Null,
                planned_state: alb_config(),
                config: alb_config(),
                planned_private: Vec::new(),
            },
        )
        .await;
    assert_eq!(
        found(&apply.diagnostics),
        vec![("Provider not configured".to_string(), String::new())]
    );
    assert!(apply.new_state.is_null());
    let read = resource
        .read(
            &ctx,
            ReadRequest {
                current_state: with(alb_config(), "id", Value::from("alb-1")),
                private: Vec::new(),
            },
        )
        .await;
    assert_eq!(
        found(&read.diagnostics),
        vec![("Provider not configured".to_string(), String::new())]
    );
    assert_eq!(read.new_state.get("id").as_str(), Some("alb-1"));
    let import = resource.import(&ctx, "alb-1").await;
    assert!(import.diagnostics.is_empty());
    assert_eq!(import.state.get("id").as_str(), Some("alb-1"));
}

/// With the load balancer created in the same apply (`alb_config_id` unknown), the plan expands
/// onto the listeners the ingress needs without calling the API.
#[tokio::test]
async fn configured_provider_plans_an_unknown_load_balancer_without_calls() {
    let provider = AlbProvider::new();
    let ctx = Ctx::default();
    let config = Value::object([
        ("region", Value::from("cn-hangzhou")),
        ("access_key", Value::from("AK")),
        ("secret_key", Value::from("SK")),
        ("endpoint", Value::from("http://127.0.0.1:9")),
    ]);
    assert!(provider.configure(&ctx, &config, "1.11.4").await.is_empty());
    let resource = provider.resources().remove(1);
    let ingress = with(alb_ingress(2), "alb_config_id", Value::Unknown);
    let response = resource.plan(&ctx, create(ingress)).await;
    // No Kubernetes cluster configured (none in this environment either): groups without members.
    assert_eq!(
        found(&response.diagnostics),
        vec![(
            "Server groups planned without members".to_string(),
            String::new()
        )],
    );
    let groups = response.planned_state.get("server_groups");
    let groups = groups.as_map().expect("server groups");
    assert!(!groups.is_empty());
    for group in groups.values() {
        assert_eq!(group.get("members"), &Value::List(Vec::new()));
    }
    assert!(response.planned_state.get("id").is_unknown());
    let rules = response.planned_state.get("rules");
    let listeners: Vec<&str> = rules
        .as_map()
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(|r| r.get("listener").as_str())
        .collect();
    assert!(listeners.contains(&"HTTP:80") && listeners.contains(&"HTTPS:443"));
}

#[tokio::test]
async fn provider_validates_endpoint_format() {
    let provider = AlbProvider::new();
    let ctx = Ctx::default();
    let config = Value::object([("endpoint", Value::from("127.0.0.1:18080"))]);
    assert_eq!(
        found(&provider.validate_config(&ctx, &config).await),
        vec![("Invalid endpoint".to_string(), "endpoint".to_string())]
    );
    let config = Value::object([("endpoint", Value::from("http://127.0.0.1:18080"))]);
    assert!(provider.validate_config(&ctx, &config).await.is_empty());
}

//! The resources through the `tfplugin` traits: validation, planning, and the operations that do
//! not reach the API (unconfigured provider, import, the not-yet-implemented ones).

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
async fn provider_serves_both_resources_with_version_0() {
    let names: Vec<_> = AlbProvider::new()
        .resources()
        .iter()
        .map(|r| (r.type_name(), r.schema().version))
        .collect();
    assert_eq!(names, vec![("alb_config", 0), ("alb_ingress", 0)]);
}

#[tokio::test]
async fn validate_reports_through_the_trait() {
    let ctx = Ctx::default();
    let config = resource("alb_config");
    let invalid = with(alb_config(), "listener[0].port", n(0));
    assert_eq!(
        found(&config.validate(&ctx, &invalid).await),
        vec![(
            "Invalid listener port".to_string(),
            "listener[0].port".to_string()
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
    assert!(response.diagnostics.is_empty());
    let planned = &response.planned_state;
    for attr in ["id", "dns_name", "status"] {
        assert!(planned.get(attr).is_unknown(), "{attr}");
    }
    let listener = &planned.get("listener").as_list().unwrap_or_default()[0];
    assert!(listener.get("id").is_unknown());
    assert!(listener.get("default_server_group_id").is_unknown());
    assert_eq!(planned.get("name"), alb_config().get("name"));

    let response = resource("alb_ingress")
        .plan(&ctx, create(alb_ingress(0)))
        .await;
    for attr in ["id", "rules", "server_groups"] {
        assert!(response.planned_state.get(attr).is_unknown(), "{attr}");
    }
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
    assert!(response.planned_state.get("id").is_unknown());
}

#[tokio::test]
async fn apply_read_and_import_say_they_are_not_implemented() {
    let ctx = Ctx::default();
    for name in ["alb_ingress"] {
        let resource = resource(name);
        let apply = resource
            .apply(
                &ctx,
                ApplyRequest {
                    prior_state: Value::Null,
                    planned_state: Value::Unknown,
                    config: Value::Null,
                    planned_private: Vec::new(),
                },
            )
            .await;
        // The provider was never configured, so the configuration error comes first.
        assert_eq!(
            found(&apply.diagnostics),
            vec![("Provider not configured".to_string(), String::new())]
        );

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
        let read = resource
            .read(
                &ctx,
                ReadRequest {
                    current_state: alb_config(),
                    private: Vec::new(),
                },
            )
            .await;
        assert_eq!(
            found(&read.diagnostics),
            vec![("Not implemented yet".to_string(), String::new())]
        );

        let import = resource.import(&ctx, "alb-1").await;
        let detail: String = import
            .diagnostics
            .iter()
            .map(|d| d.detail.clone())
            .collect();
        assert!(detail.contains("not implemented yet"), "{detail}");
    }
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

#[tokio::test]
async fn configured_provider_apply_is_not_implemented() {
    let provider = AlbProvider::new();
    let ctx = Ctx::default();
    let config = Value::object([
        ("region", Value::from("cn-hangzhou")),
        ("access_key", Value::from("AK")),
        ("secret_key", Value::from("SK")),
    ]);
    assert!(provider.configure(&ctx, &config, "1.11.4").await.is_empty());
    let resource = provider.resources().remove(1);
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
    let messages: Vec<String> = apply
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect();
    assert_eq!(
        messages,
        vec![
            "Not implemented yet: Applying alb_ingress is not implemented yet in this build of \
              terraform-provider-alb: it can validate and plan, but not change or read real load \
              balancers."
                .to_string()
        ]
    );
    assert!(apply.new_state.is_null());
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

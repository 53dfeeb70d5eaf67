//! The provider: configuration, settings resolution, the resource and data source lists.

use std::sync::Arc;

use tfplugin::data_source::DataSource;
use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::provider::{Ctx, Provider, Resource};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::config::{self, Resolution, SharedSettings};
use crate::resources::api::Session;
use crate::resources::run_plans::RunPlans;
use crate::{data_sources, resources, validate};

/// The `alb` provider.
#[derive(Clone, Debug, Default)]
pub struct AlbProvider {
    settings: SharedSettings,
    run: RunPlans,
    api: Session,
}

impl AlbProvider {
    /// A provider that is not configured yet.
    pub fn new() -> Self {
        AlbProvider::default()
    }

    /// The settings shared with the resources (filled by ConfigureProvider).
    pub fn settings(&self) -> &SharedSettings {
        &self.settings
    }

    /// Resolves `config` with `env` as the environment and stores the outcome.
    fn configure_with(&self, config: &Value, env: &dyn Fn(&str) -> Option<String>) -> Diagnostics {
        match config::resolve(config, env) {
            Ok(Resolution::Ready(settings)) => {
                tracing::info!(
                    region = %settings.region,
                    endpoint = settings.endpoint.as_deref().unwrap_or("(default)"),
                    cluster_id = %settings.cluster_id,
                    credentials = %settings.credentials.source().origin().description,
                    "provider configured"
                );
                self.settings.set_ready(*settings);
                Diagnostics::default()
            }
            Ok(Resolution::Deferred(attributes)) => {
                tracing::info!(%attributes, "provider configuration deferred: unknown values");
                self.settings.set_deferred(attributes);
                Diagnostics::default()
            }
            Err(diagnostics) => diagnostics,
        }
    }
}

#[async_trait::async_trait]
impl Provider for AlbProvider {
    fn schema(&self) -> Schema {
        config::schema()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        resources::all(&self.settings, &self.run, &self.api)
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        data_sources::all(&self.settings, &self.api)
    }

    async fn validate_config(&self, _ctx: &Ctx, config: &Value) -> Diagnostics {
        validate::provider_config::validate(config)
    }

    /// Resolves the configuration, then gets credentials from the chosen source once, so that a
    /// source that cannot give any fails here with one diagnostic naming it.
    async fn configure(&self, _ctx: &Ctx, config: &Value, _terraform_version: &str) -> Diagnostics {
        let mut diagnostics = self.configure_with(config, &|name| std::env::var(name).ok());
        if let Ok(settings) = self.settings.get() {
            if let Err(error) = settings.credentials.current().await {
                diagnostics.push(
                    config::credential_diagnostic(&error)
                        .at(AttributePath::root().attr(error.attribute())),
                );
            }
        }
        diagnostics
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configure_stores_settings_or_defers() {
        let provider = AlbProvider::new();
        let env = |name: &str| match name {
            "ALIBABA_CLOUD_ACCESS_KEY_ID" => Some("AK".to_string()),
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET" => Some("SK".to_string()),
            _ => None,
        };
        let deferred = Value::object([("region", Value::Unknown)]);
        assert!(provider.configure_with(&deferred, &env).is_empty());
        assert_eq!(
            provider.settings().get().map_err(|d| d.summary),
            Err("Provider configuration not yet known".to_string())
        );
        let known = Value::object([("region", Value::from("cn-hangzhou"))]);
        assert!(provider.configure_with(&known, &env).is_empty());
        assert_eq!(
            provider.settings().get().map(|s| s.region.clone()),
            Ok("cn-hangzhou".to_string())
        );
        let missing = provider.configure_with(&Value::object([("region", Value::Null)]), &|_| None);
        assert!(missing.has_errors());
    }
}

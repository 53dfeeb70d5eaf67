//! The `alb_config` data source: a load balancer managed by this provider, found by id or by
//! name and cluster id, with its listeners and the `order` values still free on each.
//!
//! Modules: [`schema`]; `lookup` (which load balancer), `state` (its value). Reads go through
//! the process's [`Session`], so they share the load balancer's snapshot with the resources of
//! the same plan.

mod lookup;
pub mod schema;
mod state;

use tfplugin::data_source::{DataReadResponse, DataSource};
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::Ctx;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::config::SharedSettings;
use crate::resources::alb_config::TYPE_NAME;
use crate::resources::api::{self, Session};
use crate::validate;
use lookup::Lookup;

/// The `alb_config` data source.
#[derive(Clone, Debug)]
pub struct AlbConfigLookup {
    settings: SharedSettings,
    api: Session,
}

impl AlbConfigLookup {
    /// The data source, using the provider settings in `settings` and calling the API through
    /// the process's session `api`.
    pub fn new(settings: SharedSettings, api: Session) -> Self {
        AlbConfigLookup { settings, api }
    }

    async fn lookup(&self, config: &Value) -> Result<Value, Diagnostic> {
        let settings = self.settings.get()?;
        let lookup = match (config.get("id").as_str(), config.get("name").as_str()) {
            (Some(id), _) => Lookup::Id(id.to_owned()),
            (None, Some(name)) => Lookup::Name {
                name: name.to_owned(),
                cluster_id: config
                    .get("cluster_id")
                    .as_str()
                    .unwrap_or(&settings.cluster_id)
                    .to_owned(),
            },
            // Validation rejects this configuration before any read.
            (None, None) => {
                return Err(Diagnostic::error(
                    "Missing load balancer lookup",
                    "Set `id`, or `name` with `cluster_id`.",
                ))
            }
        };
        let reconciler = self.api.reconciler(&settings, api::DEFAULT_TIME_LIMIT)?;
        let found = lookup::find(&reconciler, &lookup).await?;
        let id = &found.lb.load_balancer_id;
        let listeners = reconciler
            .listener_overviews(id)
            .await
            .map_err(|e| api::diagnostic_from(&e, &format!("reading the listeners of {id}")))?;
        Ok(state::state(&found, &listeners))
    }
}

#[async_trait::async_trait]
impl DataSource for AlbConfigLookup {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn validate(&self, _ctx: &Ctx, config: &Value) -> Diagnostics {
        validate::alb_config_lookup::validate(config)
    }

    async fn read(&self, _ctx: &Ctx, config: Value) -> DataReadResponse {
        DataReadResponse::from_result(self.lookup(&config).await)
    }
}

//! The `alb_config` resource: an ALB instance and its listeners.
//!
//! Modules: [`schema`]; `desired` (value → model), `plan` (no API calls), `observe` (what exists
//! and the operations to converge it), `state` (rendering state), `apply` (create, update,
//! delete), `read` (refresh, import), `adopting` (an import taking over what another tool made),
//! `upgrade` (states of older schema versions).

mod adopting;
mod apply;
mod desired;
mod observe;
mod plan;
mod read;
pub mod schema;
mod state;
mod upgrade;

use tfplugin::diag::Diagnostics;
use tfplugin::provider::{
    ApplyRequest, ApplyResponse, Ctx, ImportResponse, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, Resource,
};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

pub use desired::spec_json;

use super::api::Session;
use super::run_plans::{PlannedListeners, RunPlans};
use crate::config::SharedSettings;
use crate::resources::adoption;
use crate::validate;

/// Terraform type name.
pub const TYPE_NAME: &str = "alb_config";

/// The `alb_config` resource.
#[derive(Clone, Debug)]
pub struct AlbConfig {
    settings: SharedSettings,
    run: RunPlans,
    api: Session,
}

impl AlbConfig {
    /// The resource, using the provider settings in `settings`, recording its plans in `run` and
    /// calling the API through the process's session `api`.
    pub fn new(settings: SharedSettings, run: RunPlans, api: Session) -> Self {
        AlbConfig { settings, run, api }
    }
}

/// The listeners of a planned `alb_config` value: the labels of its listener blocks.
fn planned_listeners(planned: &Value) -> PlannedListeners {
    let keys: Option<std::collections::BTreeSet<_>> = match planned.get("listener") {
        Value::Map(listeners) => listeners.keys().map(|label| label.parse().ok()).collect(),
        Value::Null => Some(Default::default()),
        _ => None,
    };
    keys.map_or(PlannedListeners::Unknown, PlannedListeners::Known)
}

#[async_trait::async_trait]
impl Resource for AlbConfig {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn validate(&self, _ctx: &Ctx, config: &Value) -> Diagnostics {
        validate::alb_config::validate(config)
    }

    async fn plan(&self, _ctx: &Ctx, req: PlanRequest) -> PlanResponse {
        let check = !req.proposed_new_state.is_null()
            && adoption::checks_leftovers(req.prior_state.is_null(), &req.prior_private);
        let config = req.config.clone();
        let lb_id = req.prior_state.get("id").as_str().map(str::to_owned);
        let mut response = plan::plan(req);
        if check && !response.diagnostics.has_errors() {
            if let Err(d) = apply::leftovers_at_plan(&self.settings, &self.api, &config).await {
                response.diagnostics.push(d);
            }
        }
        // What ingresses on this load balancer can rely on after this apply.
        if let Some(lb_id) = lb_id.filter(|_| response.requires_replace.is_empty()) {
            self.run
                .plan_listeners(&lb_id, planned_listeners(&response.planned_state));
            let adopt = response.planned_state.get("adopt").as_str();
            self.run
                .plan_adopt(&lb_id, adopt.and_then(model::takeover::Adopt::parse));
        }
        response
    }

    async fn apply(&self, ctx: &Ctx, req: ApplyRequest) -> ApplyResponse {
        apply::apply(&self.settings, &self.api, ctx, req).await
    }

    async fn read(&self, _ctx: &Ctx, req: ReadRequest) -> ReadResponse {
        read::read(&self.settings, &self.api, req).await
    }

    async fn import(&self, _ctx: &Ctx, id: &str) -> ImportResponse {
        read::import(id)
    }

    async fn upgrade(
        &self,
        _ctx: &Ctx,
        version: i64,
        raw_json: &[u8],
    ) -> Result<Value, Diagnostics> {
        upgrade::upgrade(version, raw_json)
    }
}

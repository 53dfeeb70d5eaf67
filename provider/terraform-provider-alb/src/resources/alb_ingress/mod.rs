//! The `alb_ingress` resource: Ingress-style routing on an `alb_config`.
//!
//! Modules: [`decode`] (values → spec, identity), [`members`] (from Kubernetes), [`observe`] (what exists), [`render`] (the
//! computed maps), [`order`] (explicit, kept or automatic), [`plan`], [`apply`], [`read`] (read
//! and import), [`takeover`] (of ACK's objects), [`upgrade`] (older states).

mod apply;
mod decode;
mod members;
mod observe;
mod order;
mod plan;
mod read;
mod render;
mod replacing;
pub mod schema;
mod takeover;
mod upgrade;

use tfplugin::diag::Diagnostics;
use tfplugin::provider::{
    ApplyRequest, ApplyResponse, Ctx, ImportResponse, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, Resource,
};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use super::api::Session;
use super::run_plans::RunPlans;
use crate::config::SharedSettings;
use crate::validate;

/// Terraform type name.
pub const TYPE_NAME: &str = "alb_ingress";

/// The `alb_ingress` resource.
#[derive(Clone, Debug)]
pub struct AlbIngress {
    settings: SharedSettings,
    cluster: members::ClusterCache,
    run: RunPlans,
    api: Session,
}

impl AlbIngress {
    /// The resource, using the provider settings in `settings`, the plans of this run in `run`
    /// and the process's ALB API session `api`.
    pub fn new(settings: SharedSettings, run: RunPlans, api: Session) -> Self {
        AlbIngress {
            settings,
            cluster: members::ClusterCache::default(),
            run,
            api,
        }
    }
}

#[async_trait::async_trait]
impl Resource for AlbIngress {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn validate(&self, _ctx: &Ctx, config: &Value) -> Diagnostics {
        validate::alb_ingress::validate(config)
    }

    async fn plan(&self, _ctx: &Ctx, req: PlanRequest) -> PlanResponse {
        plan::plan(self, req).await
    }

    async fn apply(&self, ctx: &Ctx, req: ApplyRequest) -> ApplyResponse {
        apply::apply(self, ctx, req).await
    }

    async fn read(&self, _ctx: &Ctx, req: ReadRequest) -> ReadResponse {
        read::read(self, req).await
    }

    async fn import(&self, _ctx: &Ctx, id: &str) -> ImportResponse {
        read::import(self, id).await
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

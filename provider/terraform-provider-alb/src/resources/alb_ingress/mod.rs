//! The `alb_ingress` resource: Ingress-style routing on an `alb_config`.

pub mod schema;

use tfplugin::diag::Diagnostics;
use tfplugin::provider::{
    ApplyRequest, ApplyResponse, Ctx, ImportResponse, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, Resource,
};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use super::{not_implemented, plan};
use crate::config::SharedSettings;
use crate::validate;

/// Terraform type name.
pub const TYPE_NAME: &str = "alb_ingress";

/// The `alb_ingress` resource.
#[derive(Clone, Debug)]
pub struct AlbIngress {
    settings: SharedSettings,
}

impl AlbIngress {
    /// The resource, using the provider settings in `settings`.
    pub fn new(settings: SharedSettings) -> Self {
        AlbIngress { settings }
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
        let diagnostics = validate::alb_ingress::validate(&req.config);
        plan::plan(
            &schema::schema().block,
            schema::REPLACE_ON_CHANGE,
            req,
            diagnostics,
        )
    }

    async fn apply(&self, _ctx: &Ctx, req: ApplyRequest) -> ApplyResponse {
        not_implemented::apply(TYPE_NAME, &self.settings, req)
    }

    async fn read(&self, _ctx: &Ctx, req: ReadRequest) -> ReadResponse {
        not_implemented::read(TYPE_NAME, req)
    }

    async fn import(&self, _ctx: &Ctx, _id: &str) -> ImportResponse {
        not_implemented::import(TYPE_NAME)
    }
}

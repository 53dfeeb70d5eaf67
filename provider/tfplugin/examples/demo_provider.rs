//! A minimal provider built on tfplugin, for trying the protocol with a
//! real Terraform CLI (dev_overrides or `--debug` reattach).
//!
//! Resource `demo_thing`: computed `id`, required `name` (forces
//! replacement), optional+computed `size` (defaults to the name's length),
//! and `rule` blocks with a required `path` and a computed `priority`.

use std::process::ExitCode;
use std::sync::Arc;

use tfplugin::plan::{mark_computed_unknown, use_prior};
use tfplugin::{
    ApplyRequest, ApplyResponse, Attribute, AttributePath, Block, Ctx, Diagnostic, Diagnostics,
    ImportResponse, NestedBlock, PlanRequest, PlanResponse, Provider, ReadRequest, ReadResponse,
    Resource, Schema, ServeOpts, Type, Value,
};

struct Demo;

#[async_trait::async_trait]
impl Provider for Demo {
    fn schema(&self) -> Schema {
        Schema::new(0, Block::new())
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(Thing)]
    }

    async fn validate_config(&self, _ctx: &Ctx, _config: &Value) -> Diagnostics {
        Diagnostics::default()
    }

    async fn configure(&self, _ctx: &Ctx, _config: &Value, _version: &str) -> Diagnostics {
        Diagnostics::default()
    }
}

struct Thing;

#[async_trait::async_trait]
impl Resource for Thing {
    fn type_name(&self) -> &'static str {
        "demo_thing"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new()
                .attr(Attribute::computed("id", Type::String))
                .attr(Attribute::required("name", Type::String))
                .attr(Attribute::optional_computed("size", Type::Number))
                .block(NestedBlock::list(
                    "rule",
                    Block::new()
                        .attr(Attribute::required("path", Type::String))
                        .attr(Attribute::computed("priority", Type::Number)),
                )),
        )
    }

    async fn validate(&self, _ctx: &Ctx, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::default();
        for (i, rule) in config
            .get("rule")
            .as_list()
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            if let Some(p) = rule.get("path").as_str() {
                if !p.starts_with('/') {
                    let at = AttributePath::root()
                        .attr("rule")
                        .index(i as i64)
                        .attr("path");
                    d.push(Diagnostic::error("Invalid path", "A path must start with /.").at(at));
                }
            }
        }
        d
    }

    async fn plan(&self, _ctx: &Ctx, req: PlanRequest) -> PlanResponse {
        let block = self.schema().block;
        let planned = if req.proposed_new_state == req.prior_state {
            req.proposed_new_state
        } else {
            let marked = mark_computed_unknown(&block, &req.config, &req.proposed_new_state);
            use_prior(
                marked,
                &req.prior_state,
                &[AttributePath::root().attr("id")],
            )
        };
        PlanResponse {
            planned_state: planned,
            requires_replace: vec![AttributePath::root().attr("name")],
            ..Default::default()
        }
    }

    async fn apply(&self, _ctx: &Ctx, req: ApplyRequest) -> ApplyResponse {
        let Value::Map(mut state) = req.planned_state else {
            return ApplyResponse::default(); // delete
        };
        let name = state
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if state.get("id").is_none_or(Value::is_unknown) {
            state.insert("id".into(), Value::string(format!("thing-{name}")));
        }
        if state.get("size").is_none_or(Value::is_unknown) {
            state.insert("size".into(), Value::from(name.len() as i64));
        }
        if let Some(Value::List(rules)) = state.get_mut("rule") {
            for (i, rule) in rules.iter_mut().enumerate() {
                if let Value::Map(r) = rule {
                    r.insert("priority".into(), Value::from(i as i64 + 1));
                }
            }
        }
        ApplyResponse {
            new_state: Value::Map(state),
            ..Default::default()
        }
    }

    async fn read(&self, _ctx: &Ctx, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: req.current_state,
            private: req.private,
            ..Default::default()
        }
    }

    async fn import(&self, _ctx: &Ctx, id: &str) -> ImportResponse {
        let name = id.strip_prefix("thing-").unwrap_or(id);
        ImportResponse {
            state: Value::object([
                ("id", Value::string(id)),
                ("name", Value::string(name)),
                ("size", Value::from(name.len() as i64)),
            ]),
            ..Default::default()
        }
    }
}

fn main() -> ExitCode {
    tfplugin::serve(
        ServeOpts {
            name: "terraform-provider-demo",
            version: env!("CARGO_PKG_VERSION"),
            address: "registry.terraform.io/example/demo",
            about: "Demo provider for the tfplugin crate",
        },
        Arc::new(Demo),
    )
}

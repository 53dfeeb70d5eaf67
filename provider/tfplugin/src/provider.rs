//! The traits a provider implements, and the request/response types of the
//! resource lifecycle.

use std::sync::Arc;

pub use tokio_util::sync::CancellationToken;

use crate::data_source::DataSource;
use crate::diag::{AttributePath, Diagnostic, Diagnostics};
use crate::schema::Schema;
use crate::value::{json, Value};

/// Passed to every call; `cancel` fires on `StopProvider`. Long work checks
/// it between steps.
#[derive(Clone, Default)]
pub struct Ctx {
    /// Cancelled when Terraform asks the provider to stop.
    pub cancel: CancellationToken,
}

impl Ctx {
    /// A context with a fresh (not cancelled) token.
    pub fn new() -> Self {
        Ctx::default()
    }

    /// True once `StopProvider` was received.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

/// Input of [`Resource::plan`].
#[derive(Clone, Debug)]
pub struct PlanRequest {
    /// Current state; null on create.
    pub prior_state: Value,
    /// Terraform's merge of config and prior state; null on destroy.
    pub proposed_new_state: Value,
    /// Configuration (may contain unknowns); null on destroy.
    pub config: Value,
    /// Opaque private data from the prior state.
    pub prior_private: Vec<u8>,
}

/// Output of [`Resource::plan`].
#[derive(Clone, Debug, Default)]
pub struct PlanResponse {
    /// The planned new state (unknowns where apply decides).
    pub planned_state: Value,
    /// Attribute paths whose change forces replacement.
    pub requires_replace: Vec<AttributePath>,
    /// Private data carried to apply (echo `prior_private` unless changed).
    pub planned_private: Vec<u8>,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

/// Input of [`Resource::apply`].
#[derive(Clone, Debug)]
pub struct ApplyRequest {
    /// Current state; null on create.
    pub prior_state: Value,
    /// The planned state; null means delete.
    pub planned_state: Value,
    /// Configuration (wholly known at apply).
    pub config: Value,
    /// Private data from the plan.
    pub planned_private: Vec<u8>,
}

/// Output of [`Resource::apply`].
#[derive(Clone, Debug, Default)]
pub struct ApplyResponse {
    /// The resulting state; null after a delete (or a failed create).
    pub new_state: Value,
    /// Private data to store with the state.
    pub private: Vec<u8>,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

/// Input of [`Resource::read`].
#[derive(Clone, Debug)]
pub struct ReadRequest {
    /// The stored (upgraded) state.
    pub current_state: Value,
    /// Private data stored with the state.
    pub private: Vec<u8>,
}

/// Output of [`Resource::read`].
#[derive(Clone, Debug, Default)]
pub struct ReadResponse {
    /// Refreshed state; null means the object is gone.
    pub new_state: Value,
    /// Private data to store.
    pub private: Vec<u8>,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

/// Output of [`Resource::import`].
#[derive(Clone, Debug, Default)]
pub struct ImportResponse {
    /// Imported state (may be sparse; Terraform reads it next).
    pub state: Value,
    /// Private data to store.
    pub private: Vec<u8>,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

/// A managed resource type.
#[async_trait::async_trait]
pub trait Resource: Send + Sync + 'static {
    /// Full type name, e.g. "alb_config".
    fn type_name(&self) -> &'static str;

    /// The resource schema.
    fn schema(&self) -> Schema;

    /// Validate configuration. Config may contain unknowns; never error on an unknown.
    async fn validate(&self, ctx: &Ctx, config: &Value) -> Diagnostics;

    /// Plan a change. Destroy: config/proposed null → return a Null planned state.
    async fn plan(&self, ctx: &Ctx, req: PlanRequest) -> PlanResponse;

    /// Apply a planned change; `planned_state` Null = delete.
    async fn apply(&self, ctx: &Ctx, req: ApplyRequest) -> ApplyResponse;

    /// Refresh; a Null `new_state` means the object is gone.
    async fn read(&self, ctx: &Ctx, req: ReadRequest) -> ReadResponse;

    /// Import an existing object by id.
    async fn import(&self, ctx: &Ctx, id: &str) -> ImportResponse;

    /// Raw stored JSON of an older schema version → current state. The
    /// default decodes with the current schema when versions match
    /// (missing attributes null, missing block collections empty) and
    /// errors otherwise; a resource with older versions overrides it and
    /// finishes with [`decode_stored_state`].
    async fn upgrade(
        &self,
        _ctx: &Ctx,
        version: i64,
        raw_json: &[u8],
    ) -> Result<Value, Diagnostics> {
        let schema = self.schema();
        if version != schema.version {
            return Err(unsupported_state_version(
                self.type_name(),
                &schema,
                version,
            ));
        }
        decode_stored_state(self.type_name(), &schema, raw_json)
    }
}

/// Decodes stored JSON already in the shape of `schema` (see [`Resource::upgrade`]).
pub fn decode_stored_state(
    type_name: &str,
    schema: &Schema,
    raw_json: &[u8],
) -> Result<Value, Diagnostics> {
    json::decode_block_state(raw_json, &schema.block)
        .map_err(|e| Diagnostic::error("Invalid stored state", format!("{type_name}: {e}")).into())
}

/// The error for a stored state of a schema `version` the resource cannot upgrade.
pub fn unsupported_state_version(type_name: &str, schema: &Schema, version: i64) -> Diagnostics {
    Diagnostic::error(
        "Unsupported state version",
        format!(
            "{type_name} has schema version {} and cannot upgrade state of version {version}.",
            schema.version
        ),
    )
    .into()
}

/// A provider: its configuration schema, its resources and its data sources.
#[async_trait::async_trait]
pub trait Provider: Send + Sync + 'static {
    /// Provider (configuration block) schema.
    fn schema(&self) -> Schema;

    /// Every managed resource, created once.
    fn resources(&self) -> Vec<Arc<dyn Resource>>;

    /// Every data source, created once (none by default).
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }

    /// Validate the provider configuration (may contain unknowns).
    async fn validate_config(&self, ctx: &Ctx, config: &Value) -> Diagnostics;

    /// Called before any Read/Plan/Apply/Import; config may contain unknowns.
    async fn configure(&self, ctx: &Ctx, config: &Value, terraform_version: &str) -> Diagnostics;
}

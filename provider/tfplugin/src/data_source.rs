//! The trait a data source implements, and the output of its read.

use crate::diag::{Diagnostic, Diagnostics};
use crate::provider::Ctx;
use crate::schema::Schema;
use crate::value::Value;

/// Output of [`DataSource::read`].
#[derive(Clone, Debug, Default)]
pub struct DataReadResponse {
    /// The data source's state: the configuration with every computed attribute filled in
    /// (wholly known). Ignored when `diagnostics` has errors.
    pub state: Value,
    /// Errors and warnings.
    pub diagnostics: Diagnostics,
}

impl DataReadResponse {
    /// The response to a read that gave `state`, or failed with one diagnostic.
    pub fn from_result(result: Result<Value, Diagnostic>) -> Self {
        match result {
            Ok(state) => Self {
                state,
                diagnostics: Diagnostics::default(),
            },
            Err(d) => Self {
                state: Value::Null,
                diagnostics: d.into(),
            },
        }
    }
}

/// A data source type: reads something that exists into a value Terraform can reference.
#[async_trait::async_trait]
pub trait DataSource: Send + Sync + 'static {
    /// Full type name, e.g. "alb_config" (`data "alb_config" "x" { … }`).
    fn type_name(&self) -> &'static str;

    /// The data source schema (its version is not used: data sources keep no state).
    fn schema(&self) -> Schema;

    /// Validate configuration. Config may contain unknowns; never error on an unknown.
    async fn validate(&self, ctx: &Ctx, config: &Value) -> Diagnostics;

    /// Read with a wholly known configuration (Terraform defers the read to apply while any
    /// value is unknown).
    async fn read(&self, ctx: &Ctx, config: Value) -> DataReadResponse;
}

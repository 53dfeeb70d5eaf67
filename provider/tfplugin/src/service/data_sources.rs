//! The data-source side of the service: schemas and metadata of every [`DataSource`], and the
//! `ValidateDataResourceConfig` and `ReadDataSource` RPCs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::{decode, encode, require_known, WithDiagnostics};
use crate::data_source::DataSource;
use crate::diag::{Diagnostic, Diagnostics};
use crate::plan::conform;
use crate::proto::diagnostics;
use crate::proto::tfplugin6 as pb;
use crate::provider::Ctx;
use crate::schema::Schema;
use crate::types::Type;

/// A data source with its schema and implied type, computed once.
struct Entry {
    data_source: Arc<dyn DataSource>,
    schema: Schema,
    ty: Type,
}

/// The provider's data sources by type name.
pub(super) struct DataSources(BTreeMap<String, Entry>);

impl DataSources {
    /// Collects the schemas of `data_sources` once.
    pub(super) fn new(data_sources: Vec<Arc<dyn DataSource>>) -> Self {
        DataSources(
            data_sources
                .into_iter()
                .map(|data_source| {
                    let schema = data_source.schema();
                    let ty = schema.block.implied_type();
                    let name = data_source.type_name().to_string();
                    let entry = Entry {
                        data_source,
                        schema,
                        ty,
                    };
                    (name, entry)
                })
                .collect(),
        )
    }

    fn entry(&self, type_name: &str) -> Result<&Entry, Diagnostics> {
        self.0.get(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown data source type",
                format!("This provider has no data source type {type_name:?}."),
            )
            .into()
        })
    }

    /// `GetProviderSchema.data_source_schemas`.
    pub(super) fn schemas(&self) -> HashMap<String, pb::Schema> {
        self.0
            .iter()
            .map(|(name, e)| (name.clone(), (&e.schema).into()))
            .collect()
    }

    /// `GetMetadata.data_sources`.
    pub(super) fn metadata(&self) -> Vec<pb::get_metadata::DataSourceMetadata> {
        self.0
            .keys()
            .map(|name| pb::get_metadata::DataSourceMetadata {
                type_name: name.clone(),
            })
            .collect()
    }

    /// `ValidateDataResourceConfig`: the data source's own validation.
    pub(super) async fn validate(
        &self,
        ctx: &Ctx,
        req: pb::validate_data_resource_config::Request,
    ) -> Result<pb::validate_data_resource_config::Response, Diagnostics> {
        let e = self.entry(&req.type_name)?;
        let config = decode(req.config.as_ref(), &e.ty, "data source configuration")?;
        let d = e.data_source.validate(ctx, &config).await;
        Ok(WithDiagnostics::from_diagnostics(&d))
    }

    /// `ReadDataSource`: the state is sent only without errors, and must be wholly known.
    pub(super) async fn read(
        &self,
        ctx: &Ctx,
        req: pb::read_data_source::Request,
    ) -> Result<pb::read_data_source::Response, Diagnostics> {
        let e = self.entry(&req.type_name)?;
        let config = decode(req.config.as_ref(), &e.ty, "data source configuration")?;
        let out = e.data_source.read(ctx, config).await;
        let mut diags = out.diagnostics;
        if diags.has_errors() {
            return Err(diags);
        }
        let state = conform(&e.schema.block, out.state);
        if let Err(bug) = require_known(&state, &req.type_name, "data source state") {
            diags.extend(bug);
            return Err(diags);
        }
        let state = encode(&state, &e.ty, "data source state", &mut diags);
        Ok(pb::read_data_source::Response {
            state,
            diagnostics: diagnostics(&diags),
            deferred: None,
        })
    }
}

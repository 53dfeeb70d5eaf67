//! The `tfplugin6.Provider` gRPC service: maps every RPC onto the
//! [`Provider`]/[`Resource`] traits, and the data-source RPCs onto
//! [`DataSource`](crate::data_source::DataSource)s (module `data_sources`). RPCs not
//! implemented here answer `Unimplemented` through the generated default stubs.

mod data_sources;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use tonic::{Request, Response, Status};
use tracing::Instrument;

use crate::diag::{Diagnostic, Diagnostics};
use crate::panic::CatchPanic;
use crate::plan::conform;
use crate::proto::tfplugin6 as pb;
use crate::proto::{decode_dynamic, diagnostics, encode_dynamic};
use crate::provider::{
    ApplyRequest, CancellationToken, Ctx, PlanRequest, Provider, ReadRequest, Resource,
};
use crate::schema::Schema;
use crate::types::Type;
use crate::value::Value;
use data_sources::DataSources;

/// A resource with its schema and implied type, computed once.
struct ResourceEntry {
    resource: Arc<dyn Resource>,
    schema: Schema,
    ty: Type,
}

/// Implementation of the generated `tfplugin6.Provider` server trait.
pub(crate) struct ProviderService {
    provider: Arc<dyn Provider>,
    provider_schema: Schema,
    provider_ty: Type,
    resources: BTreeMap<String, ResourceEntry>,
    data_sources: DataSources,
    ctx: Ctx,
}

impl ProviderService {
    /// Collect schemas once; `cancel` is the token `StopProvider` cancels.
    pub(crate) fn new(provider: Arc<dyn Provider>, cancel: CancellationToken) -> Self {
        let provider_schema = provider.schema();
        let provider_ty = provider_schema.block.implied_type();
        let resources = provider
            .resources()
            .into_iter()
            .map(|resource| {
                let schema = resource.schema();
                let ty = schema.block.implied_type();
                let entry = ResourceEntry {
                    resource: resource.clone(),
                    schema,
                    ty,
                };
                (resource.type_name().to_string(), entry)
            })
            .collect();
        let data_sources = DataSources::new(provider.data_sources());
        ProviderService {
            provider,
            provider_schema,
            provider_ty,
            resources,
            data_sources,
            ctx: Ctx { cancel },
        }
    }

    fn resource(&self, type_name: &str) -> Result<&ResourceEntry, Diagnostics> {
        self.resources.get(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown resource type",
                format!("This provider has no managed resource type {type_name:?}."),
            )
            .into()
        })
    }

    fn capabilities() -> pb::ServerCapabilities {
        pb::ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: true,
            move_resource_state: false,
            generate_resource_config: false,
        }
    }
}

/// Response messages that carry a diagnostics list.
trait WithDiagnostics: Default {
    fn diagnostics_mut(&mut self) -> &mut Vec<pb::Diagnostic>;

    fn from_diagnostics(d: &Diagnostics) -> Self {
        let mut r = Self::default();
        r.diagnostics_mut().extend(diagnostics(d));
        r
    }
}

macro_rules! with_diagnostics {
    ($($t:ty),* $(,)?) => {
        $(impl WithDiagnostics for $t {
            fn diagnostics_mut(&mut self) -> &mut Vec<pb::Diagnostic> {
                &mut self.diagnostics
            }
        })*
    };
}

with_diagnostics!(
    pb::get_metadata::Response,
    pb::get_provider_schema::Response,
    pb::validate_provider_config::Response,
    pb::validate_resource_config::Response,
    pb::validate_data_resource_config::Response,
    pb::configure_provider::Response,
    pb::upgrade_resource_state::Response,
    pb::read_resource::Response,
    pb::plan_resource_change::Response,
    pb::apply_resource_change::Response,
    pb::import_resource_state::Response,
    pb::read_data_source::Response,
    pb::get_functions::Response,
);

/// Run a handler so that a panic becomes an error diagnostic instead of a
/// cancelled request, and `Err(diagnostics)` becomes a response carrying them.
async fn guarded<R, F>(rpc: &'static str, handler: F) -> Result<Response<R>, Status>
where
    R: WithDiagnostics,
    F: Future<Output = Result<R, Diagnostics>>,
{
    let span = tracing::debug_span!("rpc", tf_rpc = rpc);
    let resp = async {
        tracing::debug!("received request");
        let resp = match CatchPanic::new(handler).await {
            Ok(Ok(r)) => r,
            Ok(Err(d)) => R::from_diagnostics(&d),
            Err(panic) => {
                tracing::error!(panic = %panic, "provider bug: request handler panicked");
                R::from_diagnostics(
                    &Diagnostic::error(
                        format!("provider bug: {rpc} panicked"),
                        format!("{panic}\n\nThis is a bug in the provider, please report it."),
                    )
                    .into(),
                )
            }
        };
        tracing::debug!("served request");
        resp
    }
    .instrument(span)
    .await;
    Ok(Response::new(resp))
}

fn decode(dv: Option<&pb::DynamicValue>, ty: &Type, what: &str) -> Result<Value, Diagnostics> {
    decode_dynamic(dv, ty).map_err(|e| {
        Diagnostic::error(
            format!("Invalid {what}"),
            format!("The {what} sent by Terraform could not be decoded: {e}"),
        )
        .into()
    })
}

/// Encode a value the provider produced; a failure is a provider bug and is
/// added to `diags` (the field is then left empty).
fn encode(v: &Value, ty: &Type, what: &str, diags: &mut Diagnostics) -> Option<pb::DynamicValue> {
    match encode_dynamic(v, ty) {
        Ok(dv) => Some(dv),
        Err(e) => {
            diags.push(Diagnostic::error(
                format!("provider bug: invalid {what}"),
                format!("The {what} does not conform to the schema: {e}"),
            ));
            None
        }
    }
}

/// An error unless `value`, the `what` that `type_name` returned, is wholly known (a provider bug
/// otherwise: Terraform accepts no unknown value there).
fn require_known(value: &Value, type_name: &str, what: &str) -> Result<(), Diagnostics> {
    if value.is_wholly_known() {
        return Ok(());
    }
    Err(Diagnostic::error(
        format!("provider bug: {what} contains unknown values"),
        format!("{type_name} returned a {what} that is not wholly known."),
    )
    .into())
}

/// Empty private data from the provider means "keep what Terraform sent".
fn keep_private(new: Vec<u8>, old: Vec<u8>) -> Vec<u8> {
    if new.is_empty() {
        old
    } else {
        new
    }
}

impl ProviderService {
    fn get_provider_schema(&self) -> Result<pb::get_provider_schema::Response, Diagnostics> {
        Ok(pb::get_provider_schema::Response {
            provider: Some((&self.provider_schema).into()),
            resource_schemas: self
                .resources
                .iter()
                .map(|(name, e)| (name.clone(), (&e.schema).into()))
                .collect(),
            data_source_schemas: self.data_sources.schemas(),
            server_capabilities: Some(Self::capabilities()),
            ..Default::default()
        })
    }

    fn get_metadata(&self) -> Result<pb::get_metadata::Response, Diagnostics> {
        Ok(pb::get_metadata::Response {
            server_capabilities: Some(Self::capabilities()),
            resources: self
                .resources
                .keys()
                .map(|name| pb::get_metadata::ResourceMetadata {
                    type_name: name.clone(),
                })
                .collect(),
            data_sources: self.data_sources.metadata(),
            ..Default::default()
        })
    }

    async fn validate_provider_config(
        &self,
        req: pb::validate_provider_config::Request,
    ) -> Result<pb::validate_provider_config::Response, Diagnostics> {
        let config = decode(
            req.config.as_ref(),
            &self.provider_ty,
            "provider configuration",
        )?;
        let d = self.provider.validate_config(&self.ctx, &config).await;
        Ok(WithDiagnostics::from_diagnostics(&d))
    }

    async fn configure_provider(
        &self,
        req: pb::configure_provider::Request,
    ) -> Result<pb::configure_provider::Response, Diagnostics> {
        let config = decode(
            req.config.as_ref(),
            &self.provider_ty,
            "provider configuration",
        )?;
        let d = self
            .provider
            .configure(&self.ctx, &config, &req.terraform_version)
            .await;
        Ok(WithDiagnostics::from_diagnostics(&d))
    }

    async fn validate_resource_config(
        &self,
        req: pb::validate_resource_config::Request,
    ) -> Result<pb::validate_resource_config::Response, Diagnostics> {
        let e = self.resource(&req.type_name)?;
        let config = decode(req.config.as_ref(), &e.ty, "resource configuration")?;
        let d = e.resource.validate(&self.ctx, &config).await;
        Ok(WithDiagnostics::from_diagnostics(&d))
    }

    async fn upgrade_resource_state(
        &self,
        req: pb::upgrade_resource_state::Request,
    ) -> Result<pb::upgrade_resource_state::Response, Diagnostics> {
        let e = self.resource(&req.type_name)?;
        let raw = req.raw_state.unwrap_or_default();
        if raw.json.is_empty() {
            return Err(Diagnostic::error(
                "Unsupported state format",
                "The stored state has no JSON form (legacy flatmap state is not supported).",
            )
            .into());
        }
        let upgraded = e
            .resource
            .upgrade(&self.ctx, req.version, &raw.json)
            .await?;
        let upgraded = conform(&e.schema.block, upgraded);
        require_known(&upgraded, &req.type_name, "upgraded state")?;
        let mut diags = Diagnostics::default();
        let upgraded_state = encode(&upgraded, &e.ty, "upgraded state", &mut diags);
        Ok(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: diagnostics(&diags),
        })
    }

    async fn read_resource(
        &self,
        req: pb::read_resource::Request,
    ) -> Result<pb::read_resource::Response, Diagnostics> {
        let e = self.resource(&req.type_name)?;
        let current_state = decode(req.current_state.as_ref(), &e.ty, "current state")?;
        let out = e
            .resource
            .read(
                &self.ctx,
                ReadRequest {
                    current_state,
                    private: req.private.clone(),
                },
            )
            .await;
        let mut diags = out.diagnostics;
        let new_state = conform(&e.schema.block, out.new_state);
        let new_state = encode(&new_state, &e.ty, "refreshed state", &mut diags);
        Ok(pb::read_resource::Response {
            new_state,
            diagnostics: diagnostics(&diags),
            private: keep_private(out.private, req.private),
            ..Default::default()
        })
    }

    async fn plan_resource_change(
        &self,
        req: pb::plan_resource_change::Request,
    ) -> Result<pb::plan_resource_change::Response, Diagnostics> {
        let e = self.resource(&req.type_name)?;
        let prior_state = decode(req.prior_state.as_ref(), &e.ty, "prior state")?;
        let proposed_new_state = decode(req.proposed_new_state.as_ref(), &e.ty, "proposed state")?;
        let config = decode(req.config.as_ref(), &e.ty, "resource configuration")?;
        let mut diags = Diagnostics::default();
        let destroy = proposed_new_state.is_null();
        let out = e
            .resource
            .plan(
                &self.ctx,
                PlanRequest {
                    prior_state,
                    proposed_new_state,
                    config,
                    prior_private: req.prior_private.clone(),
                },
            )
            .await;
        diags.extend(out.diagnostics);
        // Destroy: the resource is consulted (it may refuse, e.g. deletion protection) but the
        // plan is always null, whatever it returned.
        let planned = if destroy {
            Value::Null
        } else {
            conform(&e.schema.block, out.planned_state)
        };
        let planned_state = encode(&planned, &e.ty, "planned state", &mut diags);
        Ok(pb::plan_resource_change::Response {
            planned_state,
            requires_replace: if destroy {
                Vec::new()
            } else {
                out.requires_replace.iter().map(Into::into).collect()
            },
            planned_private: keep_private(out.planned_private, req.prior_private),
            diagnostics: diagnostics(&diags),
            ..Default::default()
        })
    }

    async fn apply_resource_change(
        &self,
        req: pb::apply_resource_change::Request,
    ) -> Result<pb::apply_resource_change::Response, Diagnostics> {
        let e = self.resource(&req.type_name)?;
        let prior_state = decode(req.prior_state.as_ref(), &e.ty, "prior state")?;
        let planned_state = decode(req.planned_state.as_ref(), &e.ty, "planned state")?;
        let config = decode(req.config.as_ref(), &e.ty, "resource configuration")?;
        let out = e
            .resource
            .apply(
                &self.ctx,
                ApplyRequest {
                    prior_state,
                    planned_state,
                    config,
                    planned_private: req.planned_private.clone(),
                },
            )
            .await;
        let mut diags = out.diagnostics;
        let new_state = conform(&e.schema.block, out.new_state);
        let new_state = encode(&new_state, &e.ty, "new state", &mut diags);
        Ok(pb::apply_resource_change::Response {
            new_state,
            private: keep_private(out.private, req.planned_private),
            diagnostics: diagnostics(&diags),
            ..Default::default()
        })
    }

    async fn import_resource_state(
        &self,
        req: pb::import_resource_state::Request,
    ) -> Result<pb::import_resource_state::Response, Diagnostics> {
        let e = self.resource(&req.type_name)?;
        let out = e.resource.import(&self.ctx, &req.id).await;
        let mut diags = out.diagnostics;
        let mut imported_resources = Vec::new();
        if out.state.is_null() {
            if !diags.has_errors() {
                diags.push(Diagnostic::error(
                    "Cannot import",
                    format!("No {} object was found for id {:?}.", req.type_name, req.id),
                ));
            }
        } else {
            let state = conform(&e.schema.block, out.state);
            if let Some(state) = encode(&state, &e.ty, "imported state", &mut diags) {
                imported_resources.push(pb::import_resource_state::ImportedResource {
                    type_name: req.type_name.clone(),
                    state: Some(state),
                    private: out.private,
                    identity: None,
                });
            }
        }
        Ok(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: diagnostics(&diags),
            deferred: None,
        })
    }
}

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _req: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        guarded("GetMetadata", async { self.get_metadata() }).await
    }

    async fn get_provider_schema(
        &self,
        _req: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        guarded("GetProviderSchema", async { self.get_provider_schema() }).await
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        guarded(
            "ValidateProviderConfig",
            self.validate_provider_config(req.into_inner()),
        )
        .await
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        guarded(
            "ValidateResourceConfig",
            self.validate_resource_config(req.into_inner()),
        )
        .await
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        guarded(
            "ValidateDataResourceConfig",
            self.data_sources.validate(&self.ctx, req.into_inner()),
        )
        .await
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        guarded(
            "UpgradeResourceState",
            self.upgrade_resource_state(req.into_inner()),
        )
        .await
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        guarded(
            "ConfigureProvider",
            self.configure_provider(req.into_inner()),
        )
        .await
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        guarded("ReadResource", self.read_resource(req.into_inner())).await
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        guarded(
            "PlanResourceChange",
            self.plan_resource_change(req.into_inner()),
        )
        .await
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        guarded(
            "ApplyResourceChange",
            self.apply_resource_change(req.into_inner()),
        )
        .await
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        guarded(
            "ImportResourceState",
            self.import_resource_state(req.into_inner()),
        )
        .await
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        guarded(
            "ReadDataSource",
            self.data_sources.read(&self.ctx, req.into_inner()),
        )
        .await
    }

    async fn get_functions(
        &self,
        _req: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        guarded("GetFunctions", async {
            Ok(pb::get_functions::Response::default())
        })
        .await
    }

    async fn stop_provider(
        &self,
        _req: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        tracing::info!(tf_rpc = "StopProvider", "cancelling in-flight work");
        self.ctx.cancel.cancel();
        Ok(Response::new(pb::stop_provider::Response::default()))
    }
}

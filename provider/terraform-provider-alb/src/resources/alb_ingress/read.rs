//! Read (refresh) and import: what exists, rendered by the same renderer as the plan.

use model::reverse::{spec_from_actual, Observed};
use reconcile::IngressReads;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::plan::conform;
use tfplugin::provider::{ImportResponse, ReadRequest, ReadResponse};
use tfplugin::value::json::decode_block_state;
use tfplugin::value::Value;

use super::decode::IngressRef;
use super::observe::{self, Observation};
use super::{render, schema, AlbIngress};
use crate::resources::api;

/// Refreshes the rules and server groups; a vanished load balancer removes the ingress.
pub(crate) async fn read(resource: &AlbIngress, req: ReadRequest) -> ReadResponse {
    let ReadRequest {
        current_state,
        private,
    } = req;
    let mut diagnostics = Diagnostics::default();
    let new_state = match IngressRef::from_value(&current_state) {
        None => current_state,
        Some(ingress) => {
            let what = format!("reading alb_ingress \"{}\"", ingress.id);
            match observation(resource, &ingress, &what).await {
                Ok(Some(o)) => render::observed(&o).into_state(current_state),
                Ok(None) => Value::Null,
                Err(d) => {
                    diagnostics.push(d);
                    current_state
                }
            }
        }
    };
    ReadResponse {
        new_state,
        private,
        diagnostics,
    }
}

/// Imports `<load balancer id>/<namespace>/<name>`: the configuration is reconstructed from
/// what the ingress owns (see [`model::reverse`]); differences it cannot explain are warnings.
pub(crate) async fn import(resource: &AlbIngress, id: &str) -> ImportResponse {
    let mut diagnostics = Diagnostics::default();
    let state = match import_state(resource, id, &mut diagnostics).await {
        Ok(state) => state,
        Err(d) => {
            diagnostics.push(d);
            Value::Null
        }
    };
    ImportResponse {
        state,
        private: Vec::new(),
        diagnostics,
    }
}

async fn import_state(
    resource: &AlbIngress,
    id: &str,
    diagnostics: &mut Diagnostics,
) -> Result<Value, Diagnostic> {
    let ingress = IngressRef::parse(id)?;
    let what = format!("importing alb_ingress \"{}\"", ingress.id);
    let Some(o) = observation(resource, &ingress, &what).await? else {
        return Err(Diagnostic::error(
            "Load balancer not found",
            format!(
                "Cannot import {id}: load balancer {} does not exist.",
                ingress.lb_id
            ),
        ));
    };
    if o.owned_rules().is_empty() && o.owned_groups().is_empty() {
        return Err(Diagnostic::error(
            "Nothing to import",
            format!(
                "Load balancer {} holds no rules or server groups of alb_ingress \"{}\" created \
                 with cluster_id \"{}\".",
                ingress.lb_id, ingress.id, o.cluster_id
            ),
        ));
    }
    let listeners = o.lb.config_listeners(&o.cluster_id);
    let rebuilt = spec_from_actual(&Observed {
        alb_config_id: &ingress.lb_id,
        id: &ingress.id,
        listeners: &listeners,
        actual: &o.actual,
    });
    if !rebuilt.differences.is_empty() {
        diagnostics.push(Diagnostic::warning(
            "Import is not exact",
            format!(
                "The imported configuration of alb_ingress \"{}\" does not reproduce everything \
                 that exists; the next plan shows these as changes:\n{}",
                ingress.id,
                rebuilt.differences.join("\n")
            ),
        ));
    }
    let block = schema::schema().block;
    let json = serde_json::to_vec(&rebuilt.spec).map_err(|e| invalid(&e.to_string()))?;
    let mut state = decode_block_state(&json, &block).map_err(|e| invalid(&e.to_string()))?;
    if let Value::Map(m) = &mut state {
        m.insert("id".to_owned(), Value::from(ingress.resource_id()));
    }
    Ok(conform(&block, render::observed(&o).into_state(state)))
}

fn invalid(e: &str) -> Diagnostic {
    Diagnostic::error(
        "Import failed",
        format!("The reconstructed configuration does not fit the schema: {e}."),
    )
}

async fn observation(
    resource: &AlbIngress,
    ingress: &IngressRef,
    what: &str,
) -> Result<Option<Observation>, Diagnostic> {
    let settings = resource.settings.get()?;
    let reconciler = resource
        .api
        .reconciler(&settings, api::DEFAULT_TIME_LIMIT)?;
    observe::observe(&reconciler, ingress, IngressReads::Members)
        .await
        .map_err(|e| api::diagnostic_from(&e, what))
}

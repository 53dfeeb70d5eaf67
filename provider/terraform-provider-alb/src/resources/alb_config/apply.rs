//! Applying an `alb_config`: create (adopting a load balancer an earlier, interrupted create
//! made), update and delete, each bounded by its `timeouts` entry and Terraform's stop signal.
//!
//! Every path returns the best known state with its error: a create that fails after the load
//! balancer exists returns a state with its id (Terraform keeps it, tainted); a failed update
//! returns what exists; a failed delete keeps the prior state.

use reconcile::Reconciler;
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::provider::{ApplyRequest, ApplyResponse, Ctx};
use tfplugin::value::Value;

use super::desired::{desired, DesiredLoadBalancer};
use super::observe::{observe, plan_ops};
use super::state::{applied, refreshed};
use crate::config::{ProviderSettings, SharedSettings};
use crate::resources::api::{self, Deadline};

/// Applies `req`.
pub(crate) async fn apply(
    settings: &SharedSettings,
    ctx: &Ctx,
    req: ApplyRequest,
) -> ApplyResponse {
    let ApplyRequest {
        prior_state,
        planned_state,
        config,
        planned_private,
    } = req;
    let (new_state, diagnostics) = match settings.get() {
        Err(d) => (prior_state, d.into()),
        Ok(settings) if planned_state.is_null() => delete(&settings, ctx, &prior_state).await,
        Ok(settings) if prior_state.is_null() => {
            create(&settings, ctx, &planned_state, &config).await
        }
        Ok(settings) => update(&settings, ctx, &prior_state, &planned_state, &config).await,
    };
    ApplyResponse {
        new_state,
        private: planned_private,
        diagnostics,
    }
}

/// `<verb> alb_config "<name>"`, for diagnostics.
fn describe(verb: &str, value: &Value) -> String {
    match value.get("name").as_str() {
        Some(name) => format!("{verb} alb_config {name:?}"),
        None => format!("{verb} alb_config"),
    }
}

/// The desired load balancer of the (wholly known) configuration at apply time.
fn desired_at_apply(config: &Value) -> Result<DesiredLoadBalancer, Diagnostic> {
    desired(config)?.ok_or_else(|| {
        Diagnostic::error(
            "Configuration not known at apply",
            "The alb_config configuration still has unknown values at apply time; this is a bug \
             in Terraform or the provider.",
        )
    })
}

async fn create(
    settings: &ProviderSettings,
    ctx: &Ctx,
    planned: &Value,
    config: &Value,
) -> (Value, Diagnostics) {
    let what = describe("creating", config);
    let limit = api::time_limit(planned, "create");
    let (desired, reconciler) = match (desired_at_apply(config), api::reconciler(settings, limit)) {
        (Ok(d), Ok(r)) => (d, r),
        (Err(e), _) | (_, Err(e)) => return (Value::Null, e.into()),
    };
    let deadline = Deadline::start(&ctx.cancel, limit);
    let adopted = match reconciler.find_config(&desired.name).await {
        Ok(found) => found,
        Err(e) => return (Value::Null, deadline.diagnostic(&e, &what).into()),
    };
    let observed = match &adopted {
        Some(id) => {
            tracing::info!(lb_id = %id, config = %desired.name, "adopting the load balancer an earlier apply created");
            match observe(&reconciler, id).await {
                Ok(o) => o,
                Err(e) => return (Value::Null, deadline.diagnostic(&e, &what).into()),
            }
        }
        None => None,
    };
    let ops = plan_ops(&desired, observed.as_ref(), &settings.cluster_id);
    let lb_id = observed.as_ref().map(|o| o.actual.id.clone());
    let (id, diagnostics) = match reconciler
        .execute(lb_id.as_deref(), &ops, deadline.token())
        .await
    {
        Ok(report) => {
            tracing::info!(
                calls = report.calls,
                mutating = report.mutating_calls,
                ops = report.ops_done,
                "alb_config created"
            );
            (
                lb_id.or(report.created_load_balancer),
                Diagnostics::default(),
            )
        }
        Err(failure) => (
            lb_id.or_else(|| failure.report.created_load_balancer.clone()),
            deadline.failure_diagnostic(&failure, &what).into(),
        ),
    };
    match id {
        Some(id) => settle(&reconciler, &id, planned, settings, diagnostics, &what).await,
        None if diagnostics.has_errors() => (Value::Null, diagnostics),
        None => (
            Value::Null,
            Diagnostic::error(
                "No load balancer created",
                format!("While {what}, the operations finished without creating a load balancer."),
            )
            .into(),
        ),
    }
}

async fn update(
    settings: &ProviderSettings,
    ctx: &Ctx,
    prior: &Value,
    planned: &Value,
    config: &Value,
) -> (Value, Diagnostics) {
    let what = describe("updating", config);
    let limit = api::time_limit(planned, "update");
    let Some(id) = prior.get("id").as_str() else {
        return (prior.clone(), missing_id(&what).into());
    };
    let (desired, reconciler) = match (desired_at_apply(config), api::reconciler(settings, limit)) {
        (Ok(d), Ok(r)) => (d, r),
        (Err(e), _) | (_, Err(e)) => return (prior.clone(), e.into()),
    };
    let deadline = Deadline::start(&ctx.cancel, limit);
    let observed = match observe(&reconciler, id).await {
        Ok(Some(o)) => o,
        Ok(None) => return (prior.clone(), gone(id, &what).into()),
        Err(e) => return (prior.clone(), deadline.diagnostic(&e, &what).into()),
    };
    let ops = plan_ops(&desired, Some(&observed), &settings.cluster_id);
    match reconciler.execute(Some(id), &ops, deadline.token()).await {
        Ok(report) => {
            tracing::info!(lb_id = %id, calls = report.calls, mutating = report.mutating_calls, ops = report.ops_done, "alb_config updated");
            settle(
                &reconciler,
                id,
                planned,
                settings,
                Diagnostics::default(),
                &what,
            )
            .await
        }
        Err(failure) => {
            let mut diagnostics: Diagnostics = deadline.failure_diagnostic(&failure, &what).into();
            // Record what exists now, so the next plan shows what is left to do.
            let state = match observe(&reconciler, id).await {
                Ok(Some(o)) => refreshed(planned, &o, &settings.cluster_id),
                Ok(None) => Value::Null,
                Err(e) => {
                    diagnostics.push(api::diagnostic_from(&e, &what));
                    prior.clone()
                }
            };
            (state, diagnostics)
        }
    }
}

async fn delete(settings: &ProviderSettings, ctx: &Ctx, prior: &Value) -> (Value, Diagnostics) {
    let what = describe("destroying", prior);
    let limit = api::time_limit(prior, "delete");
    let Some(id) = prior.get("id").as_str() else {
        return (Value::Null, Diagnostics::default());
    };
    let reconciler = match api::reconciler(settings, limit) {
        Ok(r) => r,
        Err(e) => return (prior.clone(), e.into()),
    };
    let deadline = Deadline::start(&ctx.cancel, limit);
    let observed = match observe(&reconciler, id).await {
        Ok(Some(o)) => o,
        Ok(None) => return (Value::Null, Diagnostics::default()),
        Err(e) => return (prior.clone(), deadline.diagnostic(&e, &what).into()),
    };
    match reconciler
        .delete_config(&observed.actual, deadline.token())
        .await
    {
        Ok(report) => {
            tracing::info!(lb_id = %id, calls = report.calls, ops = report.ops_done, "alb_config destroyed");
            (Value::Null, Diagnostics::default())
        }
        Err(failure) => {
            let d = deadline.failure_diagnostic(&failure, &what);
            let d = match failure.error {
                reconcile::ReconcileError::DeletionProtected { .. } => {
                    d.at(AttributePath::root().attr("deletion_protection"))
                }
                _ => d,
            };
            (prior.clone(), d.into())
        }
    }
}

/// The state after operations on load balancer `id`: `planned` completed by what exists.
async fn settle(
    reconciler: &Reconciler,
    id: &str,
    planned: &Value,
    settings: &ProviderSettings,
    mut diagnostics: Diagnostics,
    what: &str,
) -> (Value, Diagnostics) {
    let observed = match observe(reconciler, id).await {
        Ok(Some(o)) => Some(o),
        Ok(None) => {
            diagnostics.push(gone(id, what));
            None
        }
        Err(e) => {
            diagnostics.push(api::diagnostic_from(&e, what));
            None
        }
    };
    (
        applied(planned, id, observed.as_ref(), &settings.cluster_id),
        diagnostics,
    )
}

fn gone(id: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        "Load balancer no longer exists",
        format!(
            "While {what}, load balancer {id} was not found: it was deleted outside Terraform. \
             Run terraform apply again: the refresh notices it is gone and plans to create it."
        ),
    )
}

fn missing_id(what: &str) -> Diagnostic {
    Diagnostic::error(
        "Missing load balancer id",
        format!("While {what}, the prior state has no load balancer id; this is a provider bug."),
    )
}

//! Applying an `alb_config`: create (adopting a load balancer an interrupted create left, still
//! carrying its creation mark; refusing a finished one, see [`adoption`]), update and delete, each bounded by its `timeouts` entry and Terraform's stop signal.
//!
//! Every path returns the best known state with its error: a create that fails after the load
//! balancer exists returns a state with its id (Terraform keeps it, tainted); a failed update
//! returns what exists; a failed delete keeps the prior state.

use model::ownership::in_creation;
use model::takeover::Adopt;
use reconcile::{CreationMarks, Reconciler};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::provider::{ApplyRequest, ApplyResponse, Ctx};
use tfplugin::value::Value;

use super::adopting::{Adopting, SETTLED};
use super::desired::{desired, DesiredLoadBalancer};
use super::observe::{observe, plan_ops};
use super::state::{applied, refreshed};
use crate::config::{ProviderSettings, SharedSettings};
use crate::resources::adoption;
use crate::resources::api::{self, Deadline, Session};

/// Applies `req`.
pub(crate) async fn apply(
    settings: &SharedSettings,
    session: &Session,
    ctx: &Ctx,
    req: ApplyRequest,
) -> ApplyResponse {
    let ApplyRequest {
        prior_state,
        planned_state,
        config,
        planned_private,
    } = req;
    let adopting = Adopting::from_private(&planned_private);
    let (new_state, diagnostics) = match settings.get() {
        Err(d) => (prior_state, d.into()),
        Ok(settings) => {
            let at = Target {
                settings: &settings,
                session,
                ctx,
            };
            if planned_state.is_null() {
                delete(at, &prior_state).await
            } else if prior_state.is_null() {
                create(at, &planned_state, &config).await
            } else {
                let change = Change {
                    prior: &prior_state,
                    planned: &planned_state,
                    config: &config,
                    adopting: adopting.as_ref(),
                };
                update(at, change).await
            }
        }
    };
    // An applied adoption is over; a failed one stays pending for the next plan.
    let private = match adopting {
        Some(_) if !diagnostics.has_errors() => SETTLED.to_vec(),
        _ => planned_private,
    };
    ApplyResponse {
        new_state,
        private,
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

/// The takeover the configuration asks for (`adopt`).
fn adopt_of(config: &Value) -> Option<Adopt> {
    config.get("adopt").as_str().and_then(Adopt::parse)
}

/// An update: the prior and planned states, the configuration and the import's pending
/// adoption, if any.
#[derive(Clone, Copy)]
struct Change<'a> {
    prior: &'a Value,
    planned: &'a Value,
    config: &'a Value,
    adopting: Option<&'a Adopting>,
}

/// Where an apply runs: the provider settings, the process's API session and the RPC context.
#[derive(Clone, Copy)]
struct Target<'a> {
    settings: &'a ProviderSettings,
    session: &'a Session,
    ctx: &'a Ctx,
}

async fn create(at: Target<'_>, planned: &Value, config: &Value) -> (Value, Diagnostics) {
    let Target {
        settings,
        session,
        ctx,
    } = at;
    let what = describe("creating", config);
    let limit = api::time_limit(planned, "create");
    let (desired, reconciler) = match (
        desired_at_apply(config),
        session.reconciler(settings, limit),
    ) {
        (Ok(d), Ok(r)) => (d, r),
        (Err(e), _) | (_, Err(e)) => return (Value::Null, e.into()),
    };
    let deadline = Deadline::start(&ctx.cancel, limit);
    let adopted = match reconciler.find_config(&desired.name).await {
        Ok(found) => {
            match adoption::config_leftovers(&found, &desired.name, &settings.cluster_id) {
                Ok(adopted) => adopted,
                Err(d) => return (Value::Null, d.into()),
            }
        }
        Err(e) => return (Value::Null, deadline.diagnostic(&e, &what).into()),
    };
    let observed = match &adopted {
        Some(id) => {
            tracing::info!(lb_id = %id, config = %desired.name, "adopting the load balancer an interrupted create left");
            match observe(&reconciler, id).await {
                Ok(o) => o,
                Err(e) => return (Value::Null, deadline.diagnostic(&e, &what).into()),
            }
        }
        None => None,
    };
    let ops = plan_ops(
        &desired,
        observed.as_ref(),
        &settings.cluster_id,
        None,
        adopt_of(config),
    );
    let lb_id = observed.as_ref().map(|o| o.actual.id.clone());
    let marks = CreationMarks {
        load_balancer: lb_id.clone(),
        ..CreationMarks::create()
    };
    let (id, diagnostics) = match reconciler
        .execute_marked(lb_id.as_deref(), &ops, &marks, deadline.token())
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

/// The plan-time check of a create: the error naming a finished load balancer that carries
/// this config's ownership tags (see [`adoption`]). Skipped while the provider settings or the
/// name are not known.
pub(crate) async fn leftovers_at_plan(
    settings: &SharedSettings,
    session: &Session,
    config: &Value,
) -> Result<(), Diagnostic> {
    let (Ok(settings), Some(name)) = (settings.get(), config.get("name").as_str()) else {
        return Ok(());
    };
    let reconciler = session.reconciler(&settings, api::DEFAULT_TIME_LIMIT)?;
    let found = reconciler
        .find_config(name)
        .await
        .map_err(|e| api::diagnostic_from(&e, &describe("planning", config)))?;
    adoption::config_leftovers(&found, name, &settings.cluster_id).map(|_| ())
}

async fn update(at: Target<'_>, change: Change<'_>) -> (Value, Diagnostics) {
    let Target {
        settings,
        session,
        ctx,
    } = at;
    let Change {
        prior,
        planned,
        config,
        adopting,
    } = change;
    let what = describe("updating", config);
    let limit = api::time_limit(planned, "update");
    let Some(id) = prior.get("id").as_str() else {
        return (prior.clone(), missing_id(&what).into());
    };
    let (desired, reconciler) = match (
        desired_at_apply(config),
        session.reconciler(settings, limit),
    ) {
        (Ok(d), Ok(r)) => (d, r),
        (Err(e), _) | (_, Err(e)) => return (prior.clone(), e.into()),
    };
    let deadline = Deadline::start(&ctx.cancel, limit);
    let observed = match observe(&reconciler, id).await {
        Ok(Some(o)) => o,
        Ok(None) => return (prior.clone(), gone(id, &what).into()),
        Err(e) => return (prior.clone(), deadline.diagnostic(&e, &what).into()),
    };
    let adopt = adopting.map(|a| a.declared(planned));
    let ops = plan_ops(
        &desired,
        Some(&observed),
        &settings.cluster_id,
        adopt.as_ref(),
        adopt_of(config),
    );
    // A load balancer imported before its create finished still carries its creation mark.
    let marks = CreationMarks {
        load_balancer: in_creation(&observed.actual.tags).then(|| id.to_owned()),
        ..CreationMarks::default()
    };
    match reconciler
        .execute_marked(Some(id), &ops, &marks, deadline.token())
        .await
    {
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
                Ok(Some(o)) => refreshed(planned, &o, &settings.cluster_id, adopting),
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

async fn delete(at: Target<'_>, prior: &Value) -> (Value, Diagnostics) {
    let Target {
        settings,
        session,
        ctx,
    } = at;
    let what = describe("destroying", prior);
    let limit = api::time_limit(prior, "delete");
    let Some(id) = prior.get("id").as_str() else {
        return (Value::Null, Diagnostics::default());
    };
    let reconciler = match session.reconciler(settings, limit) {
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

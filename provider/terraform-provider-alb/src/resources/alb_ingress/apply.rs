//! Apply: executes exactly what was planned. The desired model is rebuilt from the configuration
//! by the same expansion as the plan, with the members and rule priorities the plan showed; the model diffs it
//! against what exists, the reconciler executes the operations, and the new state is rendered
//! from a fresh observation, also when the run failed midway (what exists is recorded).
//! Create is the same path starting from whatever the ingress's ownership tags find: objects an
//! interrupted create left (still carrying creation marks) are adopted, not duplicated, and
//! finished ones are refused ([`adoption`]); delete removes only this ingress's rules and server
//! groups. An ingress planned without an order (new, no `order`) gets its order here
//! ([`order::choose`]), before its rules are numbered. On a load balancer whose alb_config takes
//! over ACK's objects (`adopt`), the ops start with that takeover ([`takeover`]).

use std::time::Duration;

use model::desired::DesiredIngress;
use model::ownership::{in_creation, Leftovers};
use model::priority::Held;
use model::{expand_ingress, plan_ingress_ops, Op};
use reconcile::{CreationMarks, IngressReads, Reconciler};
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{ApplyRequest, ApplyResponse, Ctx};
use tfplugin::value::Value;

use super::decode::{self, IngressRef};
use super::observe::{self, Observation};
use super::order::{self, PlannedOrder};
use super::render::{self, Computed};
use super::{takeover, AlbIngress};
use crate::resources::adoption;
use crate::resources::api::{self, Deadline};
use crate::resources::diagnostics::expand_diagnostic;

/// Time limit of an operation whose `timeouts` entry is unset (the schema documents it).
const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(20 * 60);

/// The time limit of `operation` from the resource's `timeouts` block.
fn time_limit(value: &Value, operation: &str) -> Duration {
    if value.get("timeouts").get(operation).is_null() {
        DEFAULT_TIME_LIMIT
    } else {
        api::time_limit(value, operation)
    }
}

/// Creates, updates or (planned state null) deletes the ingress.
pub(crate) async fn apply(resource: &AlbIngress, ctx: &Ctx, req: ApplyRequest) -> ApplyResponse {
    let mut diagnostics = Diagnostics::default();
    let new_state = match run(resource, ctx, &req, &mut diagnostics).await {
        Some(state) => state,
        None => req.prior_state.clone(),
    };
    ApplyResponse {
        new_state,
        private: req.planned_private,
        diagnostics,
    }
}

/// The new state; `None` keeps the prior state (nothing was attempted).
async fn run(
    resource: &AlbIngress,
    ctx: &Ctx,
    req: &ApplyRequest,
    diagnostics: &mut Diagnostics,
) -> Option<Value> {
    let deleting = req.planned_state.is_null();
    let (operation, limits_from) = match (deleting, req.prior_state.is_null()) {
        (true, _) => ("delete", &req.prior_state),
        (false, true) => ("create", &req.planned_state),
        (false, false) => ("update", &req.planned_state),
    };
    let settings = resource
        .settings
        .get()
        .map_err(|d| diagnostics.push(d))
        .ok()?;
    let limit = time_limit(limits_from, operation);
    let reconciler = resource
        .api
        .reconciler(&settings, limit)
        .map_err(|d| diagnostics.push(d))
        .ok()?;
    let deadline = Deadline::start(&ctx.cancel, limit);
    if deleting {
        let ingress = IngressRef::from_value(&req.prior_state)?;
        let what = format!("destroying alb_ingress \"{}\"", ingress.id);
        return delete(
            &reconciler,
            &deadline,
            &ingress,
            &req.prior_state,
            &what,
            diagnostics,
        )
        .await;
    }
    let mut spec = match decode::spec(&req.config) {
        Ok(Some(spec)) if !spec.alb_config_id.is_empty() => spec,
        Ok(_) => {
            diagnostics.push(Diagnostic::error(
                "Configuration not known at apply",
                "The alb_ingress configuration still has unknown values at apply; this is a bug \
                 in Terraform or the provider.",
            ));
            return None;
        }
        Err(d) => {
            diagnostics.push(d);
            return None;
        }
    };
    let ingress = IngressRef {
        lb_id: spec.alb_config_id.clone(),
        id: model::desired::IngressId::new(&spec.namespace, &spec.name),
    };
    let verb = if operation == "create" {
        "creating"
    } else {
        "updating"
    };
    let what = format!("{verb} alb_ingress \"{}\"", ingress.id);
    let mut before = match observe::observe(&reconciler, &ingress, IngressReads::Members).await {
        Ok(Some(o)) => o,
        Ok(None) => {
            diagnostics.push(Diagnostic::error(
                "Load balancer not found",
                format!(
                    "Load balancer {} (alb_config_id) does not exist, so alb_ingress \"{}\" \
                     cannot be applied to it.",
                    ingress.lb_id, ingress.id
                ),
            ));
            return None;
        }
        Err(e) => {
            diagnostics.push(deadline.diagnostic(&e, &what));
            return None;
        }
    };
    let listeners = before.lb.config_listeners(reconciler.cluster_id());
    let members = render::planned_members(&req.planned_state);
    let held = render::planned_priorities(&req.planned_state);
    let planned_order = order::planned(&req.planned_state);
    let chosen = match planned_order {
        Some(o) => o,
        None => {
            let chosen = expand_ingress(&spec, &listeners, &members, &Held::default()).and_then(
                |provisional| {
                    order::choose(&resource.run, &ingress.lb_id, &provisional, &before.actual)
                },
            );
            match chosen {
                Ok(o) => o,
                Err(e) => {
                    diagnostics.push(expand_diagnostic(&e));
                    return None;
                }
            }
        }
    };
    spec.order = Some(i64::from(chosen));
    let desired = match expand_ingress(&spec, &listeners, &members, &held) {
        Ok(d) => d,
        Err(e) => {
            diagnostics.push(expand_diagnostic(&e));
            return None;
        }
    };
    if planned_order.is_none() {
        // Ingresses planned after this choice (in this process) see its rules.
        resource.run.plan_rules(&ingress.lb_id, &desired);
    }
    if let Err(e) = reconciler
        .take_back_members(&mut before.actual, &desired)
        .await
    {
        diagnostics.push(deadline.diagnostic(&e, &what));
        return None;
    }
    let leftovers = adoption::ingress_leftovers(&before.actual, &before.cluster_id, &ingress.id);
    if operation == "create" && leftovers == Leftovers::Finished {
        diagnostics.push(adoption::finished_ingress(
            &before.actual,
            &before.cluster_id,
            &ingress.id,
            &ingress.lb_id,
        ));
        return None;
    }
    let marks = CreationMarks {
        server_groups: before
            .owned_groups()
            .into_iter()
            .filter(|g| in_creation(&g.tags))
            .map(|g| g.id.clone())
            .collect(),
        ..if operation == "create" {
            CreationMarks::create()
        } else {
            CreationMarks::default()
        }
    };
    // A takeover re-tags ACK's groups first; ACK's replaced rules count as this ingress's.
    let (mut ops, actual) = match before.lb.adopt {
        None => (Vec::new(), before.actual.clone()),
        Some(_) => match takeover::take_over(&reconciler, &desired, &before.actual, true).await {
            Ok(t) => (t.retags, t.actual),
            Err(e) => {
                diagnostics.push(deadline.diagnostic(&e, &what));
                return None;
            }
        },
    };
    ops.extend(plan_ingress_ops(&desired, &actual));
    let state =
        PlannedOrder::Known(chosen).into_state(with_identity(req.planned_state.clone(), &ingress));
    converge(
        &reconciler,
        &deadline,
        &ingress,
        (&ops, &marks),
        state,
        &what,
        diagnostics,
    )
    .await
}

/// Runs `ops` with their creation marks, then renders `state` from a fresh observation (on
/// failure too).
async fn converge(
    reconciler: &Reconciler,
    deadline: &Deadline,
    ingress: &IngressRef,
    (ops, marks): (&[Op], &CreationMarks),
    state: Value,
    what: &str,
    diagnostics: &mut Diagnostics,
) -> Option<Value> {
    let started = std::time::Instant::now();
    let result = reconciler
        .execute_marked(Some(&ingress.lb_id), ops, marks, deadline.token())
        .await;
    if let Err(failure) = &result {
        diagnostics.push(deadline.failure_diagnostic(failure, what));
    }
    let after = observe::observe(reconciler, ingress, IngressReads::Members).await;
    tracing::info!(
        ops = ops.len(),
        api_calls = reconciler.client().metrics().total_calls(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        ok = result.is_ok(),
        "alb_ingress {what}"
    );
    match after {
        Ok(Some(o)) => Some(render::observed(&o).into_state(state)),
        Ok(None) => {
            diagnostics.push(Diagnostic::error(
                "Load balancer disappeared",
                format!("Load balancer {} vanished while {what}.", ingress.lb_id),
            ));
            Some(Computed::empty().into_state(state))
        }
        Err(e) => {
            diagnostics.push(api::diagnostic_from(
                &e,
                &format!("{what} (reading the result)"),
            ));
            // What exists is unknown: claim nothing, so the next plan recreates and adopts it.
            Some(Computed::empty().into_state(state))
        }
    }
}

/// Deletes this ingress's rules and server groups (only those its ownership tags mark).
async fn delete(
    reconciler: &Reconciler,
    deadline: &Deadline,
    ingress: &IngressRef,
    prior: &Value,
    what: &str,
    diagnostics: &mut Diagnostics,
) -> Option<Value> {
    let before: Observation =
        match observe::observe(reconciler, ingress, IngressReads::Members).await {
            Ok(Some(o)) => o,
            Ok(None) => return Some(Value::Null),
            Err(e) => {
                diagnostics.push(deadline.diagnostic(&e, what));
                return None;
            }
        };
    let nothing = DesiredIngress {
        id: ingress.id.clone(),
        cluster_id: reconciler.cluster_id().to_owned(),
        config: before.lb.config.clone(),
        order: 0,
        listeners: Vec::new(),
        rules: Vec::new(),
        server_groups: Vec::new(),
    };
    let ops = plan_ingress_ops(&nothing, &before.actual);
    let state = converge(
        reconciler,
        deadline,
        ingress,
        (&ops, &CreationMarks::default()),
        prior.clone(),
        what,
        diagnostics,
    )
    .await;
    if diagnostics.has_errors() {
        state
    } else {
        Some(Value::Null)
    }
}

/// `state` with its `id`.
fn with_identity(mut state: Value, ingress: &IngressRef) -> Value {
    if let Value::Map(m) = &mut state {
        m.insert("id".to_owned(), Value::from(ingress.resource_id()));
    }
    state
}

//! Taking over ACK's objects of the same Ingress when the load balancer's `alb_config` says
//! `adopt = "ack"` (see [`model::takeover`]): at plan for the checks, the planned ids and the
//! warning that lists what is adopted, replaced and left alone; at apply for the operations.

use model::desired::DesiredIngress;
use model::diff::ActualIngress;
use model::takeover::{describe_replaced, take_over_ingress, Adopt, IngressTakeover};
use reconcile::{ReconcileError, Reconciler};
use tfplugin::diag::Diagnostic;

use super::observe::LoadBalancer;
use crate::resources::run_plans::RunPlans;

/// The takeover on load balancer `lb` (`lb_id`): what its alb_config plans in this run, else its
/// `alb.terraform/adopt` tag.
pub(crate) fn active(run: &RunPlans, lb_id: &str, lb: &LoadBalancer) -> Option<Adopt> {
    run.adopt(lb_id).unwrap_or(lb.adopt)
}

/// The takeover by `desired` of ACK's objects of its Ingress, from `actual` and ACK's server
/// groups (with their members when `with_members`, as apply diffs them).
pub(crate) async fn take_over(
    reconciler: &Reconciler,
    desired: &DesiredIngress,
    actual: &ActualIngress,
    with_members: bool,
) -> Result<IngressTakeover, ReconcileError> {
    let ack_groups = reconciler.ack_groups(&desired.id, with_members).await?;
    Ok(take_over_ingress(desired, actual, &ack_groups))
}

/// The plan warning of a takeover that changes something: the server groups adopted, ACK's
/// rules replaced (priority moves included) and what is left alone.
pub(crate) fn warning(t: &IngressTakeover, desired: &DesiredIngress) -> Option<Diagnostic> {
    if t.is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    let groups: Vec<String> = t
        .groups
        .iter()
        .map(|(key, id)| format!("{id} as {key}"))
        .collect();
    lines.push(format!(
        "Server groups adopted (re-tagged as this ingress's, ACK's tags removed; id and members \
         kept): {}.",
        list(&groups)
    ));
    lines.push(format!(
        "ACK rules replaced (the API cannot re-tag rules: the new rule is created first, the old \
         one deleted after it): {}.",
        list(&describe_replaced(&t.rules))
    ));
    let mut left: Vec<String> = t
        .groups_left
        .iter()
        .map(|id| format!("server group {id}"))
        .collect();
    left.extend(t.rules_left.iter().map(|r| format!("rule {r}")));
    lines.push(format!(
        "Left alone (nothing of this ingress matches them; neither changed nor deleted): {}.",
        list(&left)
    ));
    Some(Diagnostic::warning(
        "Taking over ACK's objects",
        format!(
            "alb_ingress {} takes over what ACK's ALB Ingress controller made for Ingress {} \
             (alb_config adopt = \"ack\").\n{}",
            desired.id,
            desired.id,
            lines.join("\n")
        ),
    ))
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

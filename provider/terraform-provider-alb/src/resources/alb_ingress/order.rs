//! `order`: explicit, kept from the state, or chosen automatically at apply.
//!
//! A configured `order` is used as it is. Without one, an ingress that exists keeps the order its
//! state records (never moved: the choice is made once); a new (or replaced) ingress gets its
//! order at apply ([`model::auto_order`]), so its plan shows `order` and the priorities of its
//! rules as known after apply. The choice cannot be shown at plan time without risking an
//! inconsistent apply: another ingress new in the same apply may be planned after this one (the
//! provider sees one resource at a time) or take the band first, and Terraform re-plans every
//! resource at apply with nothing kept from the first plan but the configuration and the state.
//! At apply the choices of one provider process are serialised ([`RunPlans::choose_order`]),
//! against the rules that exist and every rule this process planned or chose.

use model::auto_order::{Needs, Occupancy};
use model::desired::{DesiredIngress, IngressId};
use model::diff::ActualIngress;
use model::ExpandError;
use tfplugin::value::Value;

use crate::resources::run_plans::RunPlans;

/// How a plan resolves `order`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlannedOrder {
    /// Configured, or kept from the state.
    Known(u32),
    /// Not configured, and the ingress is new: chosen at apply.
    Automatic,
    /// The configured value is unknown yet.
    Unknown,
}

impl PlannedOrder {
    /// The order of `config` (null when unset), else the one `prior` (the state of an ingress that
    /// stays, null for a create or replacement) records.
    pub(crate) fn of(config: &Value, prior: &Value) -> Self {
        let known = |v: &Value| v.as_i64().and_then(|o| u32::try_from(o).ok());
        match config.get("order") {
            Value::Unknown => Self::Unknown,
            Value::Null => prior
                .get("order")
                .as_i64()
                .and_then(|o| u32::try_from(o).ok())
                .map_or(Self::Automatic, Self::Known),
            v => known(v).map_or(Self::Unknown, Self::Known),
        }
    }

    /// The order a spec expands with: `None` (the provisional default) while it is chosen at apply.
    pub(crate) fn for_spec(self) -> Option<i64> {
        match self {
            Self::Known(o) => Some(i64::from(o)),
            Self::Automatic | Self::Unknown => None,
        }
    }

    /// `state` with this order: unknown until apply chooses it.
    pub(crate) fn into_state(self, mut state: Value) -> Value {
        if let Value::Map(m) = &mut state {
            let value = match self {
                Self::Known(o) => Value::from(i64::from(o)),
                Self::Automatic | Self::Unknown => Value::Unknown,
            };
            m.insert("order".to_owned(), value);
        }
        state
    }
}

/// The planned order at apply: `None` when the plan left it to apply to choose.
pub(crate) fn planned(planned_state: &Value) -> Option<u32> {
    planned_state
        .get("order")
        .as_i64()
        .and_then(|o| u32::try_from(o).ok())
}

/// The priorities rules of others hold on the load balancer of `actual`: what an automatic
/// order must leave alone.
pub(crate) fn occupied_by_others(
    actual: &ActualIngress,
    cluster_id: &str,
    id: &IngressId,
) -> Occupancy {
    Occupancy::of(
        actual
            .existing_rules(cluster_id)
            .into_iter()
            .filter(|r| r.owner.as_ref() != Some(id))
            .map(|r| (r.listener, r.priority)),
    )
}

/// Chooses the order of `provisional` (the ingress expanded with the default order, for its rule
/// counts) on load balancer `lb_id` at apply, against `actual` and what `run` records.
pub(crate) fn choose(
    run: &RunPlans,
    lb_id: &str,
    provisional: &DesiredIngress,
    actual: &ActualIngress,
) -> Result<u32, ExpandError> {
    let occupied = occupied_by_others(actual, &provisional.cluster_id, &provisional.id);
    run.choose_order(lb_id, &provisional.id, Needs::of(provisional), occupied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_order(order: Value) -> Value {
        Value::object([("order", order)])
    }

    #[test]
    fn configured_orders_win_then_the_state_then_apply_chooses() {
        let five = with_order(Value::from(5));
        let twelve = with_order(Value::from(12));
        let unset = with_order(Value::Null);
        assert_eq!(PlannedOrder::of(&five, &twelve), PlannedOrder::Known(5));
        assert_eq!(PlannedOrder::of(&unset, &twelve), PlannedOrder::Known(12));
        assert_eq!(
            PlannedOrder::of(&unset, &Value::Null),
            PlannedOrder::Automatic
        );
        assert_eq!(
            PlannedOrder::of(&with_order(Value::Unknown), &twelve),
            PlannedOrder::Unknown
        );
        let state = PlannedOrder::Automatic.into_state(unset.clone());
        assert!(state.get("order").is_unknown());
        assert_eq!(planned(&state), None);
        let state = PlannedOrder::Known(12).into_state(unset);
        assert_eq!(planned(&state), Some(12));
    }
}

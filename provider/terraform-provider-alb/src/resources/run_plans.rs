//! What this provider process planned so far in the current Terraform run, for the plan checks
//! that span resources: the listeners an `alb_config` plans on its load balancer (does a listener
//! an ingress needs exist after this apply?), its takeover (`adopt`: do the ingresses on it take
//! over ACK's objects?) and the rule priorities each `alb_ingress` plans (do two ingresses
//! planned in the same run clash?).
//!
//! One provider process serves a whole `terraform plan`, and Terraform plans a resource only after
//! the resources it references. So an ingress whose `alb_config_id` is `alb_config.x.id` sees that
//! config's plan; of two ingresses that do not reference each other, the one planned second sees
//! the first. What is never knowable: ingresses on a load balancer created in the same apply
//! (their `alb_config_id` is unknown at plan time).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use model::desired::{DesiredIngress, IngressId, ListenerKey};
use model::priority::ExistingRule;
use model::takeover::Adopt;

/// Rule id shown for a rule that is only planned.
pub const PLANNED_RULE: &str = "planned in this run";

/// The listeners an alb_config plans on its load balancer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlannedListeners {
    /// Every planned listener is known.
    Known(BTreeSet<ListenerKey>),
    /// Some listener's protocol or port is known only after apply.
    Unknown,
}

/// Shared between the resources of one provider process; clones share the same record.
#[derive(Clone, Debug, Default)]
pub struct RunPlans(Arc<Mutex<Record>>);

#[derive(Debug, Default)]
struct Record {
    /// Load balancer id → the listeners its alb_config plans.
    listeners: BTreeMap<String, PlannedListeners>,
    /// Ingress → (load balancer id, planned (listener, priority) of its rules).
    rules: BTreeMap<IngressId, (String, Vec<(ListenerKey, u32)>)>,
    /// Load balancer id → the takeover its alb_config plans (`adopt`).
    adopts: BTreeMap<String, Option<Adopt>>,
}

impl RunPlans {
    /// Records the listeners the alb_config of load balancer `lb_id` plans.
    pub fn plan_listeners(&self, lb_id: &str, listeners: PlannedListeners) {
        self.lock().listeners.insert(lb_id.to_owned(), listeners);
    }

    /// Records the takeover (`adopt`) the alb_config of load balancer `lb_id` plans.
    pub fn plan_adopt(&self, lb_id: &str, adopt: Option<Adopt>) {
        self.lock().adopts.insert(lb_id.to_owned(), adopt);
    }

    /// The takeover planned for load balancer `lb_id`; `None` when no alb_config of this run
    /// planned it (yet).
    pub fn adopt(&self, lb_id: &str) -> Option<Option<Adopt>> {
        self.lock().adopts.get(lb_id).copied()
    }

    /// The listeners planned for load balancer `lb_id`; `None` when no alb_config of this run
    /// planned it (yet).
    pub fn listeners(&self, lb_id: &str) -> Option<PlannedListeners> {
        self.lock().listeners.get(lb_id).cloned()
    }

    /// Records the rules `desired` plans on load balancer `lb_id` and returns, in the same step,
    /// those other ingresses planned there before (so of two clashing ingresses planned at the
    /// same time, at least one sees the other).
    pub fn plan_rules(&self, lb_id: &str, desired: &DesiredIngress) -> Vec<ExistingRule> {
        let mut record = self.lock();
        let rules = desired
            .rules
            .iter()
            .map(|r| (r.listener, r.priority))
            .collect();
        record
            .rules
            .insert(desired.id.clone(), (lb_id.to_owned(), rules));
        record
            .rules
            .iter()
            .filter(|(owner, (lb, _))| **owner != desired.id && lb == lb_id)
            .flat_map(|(owner, (_, rules))| {
                rules.iter().map(|(listener, priority)| ExistingRule {
                    listener: *listener,
                    priority: *priority,
                    id: PLANNED_RULE.to_owned(),
                    owner: Some(owner.clone()),
                })
            })
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Record> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

//! What this provider process planned so far in the current Terraform run, for the plan checks
//! that span resources: the listeners an `alb_config` plans on its load balancer (does a listener
//! an ingress needs exist after this apply?), its takeover (`adopt`: do the ingresses on it take
//! over ACK's objects?), the rule priorities each `alb_ingress` plans (do two ingresses planned
//! in the same run clash?), and the ingresses without `order` that get theirs at apply
//! ([`RunPlans::choose_order`]: which bands are taken or promised).
//!
//! One provider process serves a whole `terraform plan`, and Terraform plans a resource only after
//! the resources it references. So an ingress whose `alb_config_id` is `alb_config.x.id` sees that
//! config's plan; of two ingresses that do not reference each other, the one planned second sees
//! the first. What is never knowable: ingresses on a load balancer created in the same apply
//! (their `alb_config_id` is unknown at plan time).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use model::auto_order::{assign, Candidate, Needs, Occupancy};
use model::desired::{DesiredIngress, IngressId, ListenerKey};
use model::priority::ExistingRule;
use model::takeover::Adopt;
use model::ExpandError;

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
    /// Ingress without `order`, new on a load balancer → that load balancer id, its rules per
    /// listener and, once apply chose it, its order.
    automatic: BTreeMap<IngressId, (String, Needs, Option<u32>)>,
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

    /// Records that `id`, new on load balancer `lb_id` with `needs`, gets its order at apply:
    /// an order chosen before that for another ingress leaves the band `id` would get in
    /// `namespace/name` order free for it.
    pub fn plan_automatic(&self, lb_id: &str, id: &IngressId, needs: Needs) {
        let mut record = self.lock();
        if !matches!(record.automatic.get(id), Some((lb, _, Some(_))) if lb == lb_id) {
            record
                .automatic
                .insert(id.clone(), (lb_id.to_owned(), needs, None));
        }
    }

    /// Chooses the order of `id` (new on load balancer `lb_id`, with `needs`) and records it, in
    /// one step, so that two ingresses choosing at once never get the same band. It is the
    /// first free band ([`assign`]) against `occupied` (the rules of others that exist), the
    /// rules other ingresses planned in this process, the orders chosen for others, and the
    /// ingresses planned without `order` that have not chosen yet, served in `namespace/name`
    /// order with `id`: of ingresses created in the same apply, the one first by name gets the
    /// lowest band, whichever is applied first.
    pub fn choose_order(
        &self,
        lb_id: &str,
        id: &IngressId,
        needs: Needs,
        mut occupied: Occupancy,
    ) -> Result<u32, ExpandError> {
        let mut record = self.lock();
        if let Some((lb, _, Some(order))) = record.automatic.get(id) {
            if lb == lb_id {
                return Ok(*order);
            }
        }
        for (owner, (lb, rules)) in &record.rules {
            if owner != id && lb == lb_id {
                for (listener, priority) in rules {
                    occupied.insert(*listener, *priority);
                }
            }
        }
        let mut candidates = vec![Candidate {
            id: id.clone(),
            needs: needs.clone(),
        }];
        for (other, (lb, other_needs, chosen)) in &record.automatic {
            if other == id || lb != lb_id {
                continue;
            }
            match chosen {
                Some(order) => occupied.take(*order, other_needs),
                None => candidates.push(Candidate {
                    id: other.clone(),
                    needs: other_needs.clone(),
                }),
            }
        }
        let order = assign(&occupied, &candidates)?[id];
        record
            .automatic
            .insert(id.clone(), (lb_id.to_owned(), needs, Some(order)));
        Ok(order)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Record> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http80() -> ListenerKey {
        "HTTP:80".parse().unwrap()
    }

    fn one_rule() -> Needs {
        Needs([(http80(), 1)].into())
    }

    fn id(s: &str) -> IngressId {
        s.parse().unwrap()
    }

    #[test]
    fn ingresses_created_together_get_bands_in_name_order_whoever_chooses_first() {
        let run = RunPlans::default();
        for name in ["shop/c", "shop/a", "shop/b"] {
            run.plan_automatic("alb-1", &id(name), one_rule());
        }
        // Order 10 is taken by a rule of another ingress.
        let existing = || Occupancy::of([(http80(), 95)]);
        let choose = |name: &str| {
            run.choose_order("alb-1", &id(name), one_rule(), existing())
                .unwrap()
        };
        assert_eq!(choose("shop/c"), 13);
        assert_eq!(choose("shop/a"), 11);
        assert_eq!(choose("shop/b"), 12);
        // A choice is made once.
        assert_eq!(choose("shop/c"), 13);
        // A fourth, not planned with them, takes the next free band.
        assert_eq!(choose("shop/0"), 14);
        // Another load balancer is not affected.
        assert_eq!(
            run.choose_order("alb-2", &id("shop/a"), one_rule(), Occupancy::default())
                .unwrap(),
            10
        );
    }

    #[test]
    fn automatic_orders_leave_the_rules_planned_by_others_alone() {
        let run = RunPlans::default();
        let explicit = DesiredIngress {
            id: id("shop/pinned"),
            cluster_id: "c".into(),
            config: "web".into(),
            order: 10,
            listeners: vec![http80()],
            rules: vec![model::desired::DesiredRule {
                listener: http80(),
                priority: 91,
                name: String::new(),
                identity: String::new(),
                conditions: Vec::new(),
                actions: Vec::new(),
                owner: id("shop/pinned"),
            }],
            server_groups: Vec::new(),
        };
        assert!(run.plan_rules("alb-1", &explicit).is_empty());
        let order = run
            .choose_order("alb-1", &id("shop/auto"), one_rule(), Occupancy::default())
            .unwrap();
        assert_eq!(order, 11);
    }
}

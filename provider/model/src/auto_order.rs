//! Automatic orders: the band an `alb_ingress` without `order` gets.
//!
//! An ingress without `order` takes the lowest order from [`FIRST_AUTOMATIC_ORDER`] (10, ACK's
//! default) whose priorities are all free on every listener it lands on: its whole band of
//! [`BAND_WIDTH`] priorities, or more when it has more rules than that on a listener
//! ([`span`]). Several ingresses that choose at the same time are served in `namespace/name`
//! string order, the order ACK gives Ingresses of equal `order` ([`assign`]). The choice depends
//! only on the rules that exist (and the ingresses choosing with it), so it is deterministic; the
//! provider records it in the state and never chooses again for that ingress.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

use crate::desired::{DesiredIngress, IngressId, ListenerKey};
use crate::error::{AttrPath, ExpandError};
use crate::priority::{band, BAND_WIDTH, MAX_PRIORITY};

/// The first order chosen automatically: ACK's default order (and this provider's default
/// before automatic ordering).
pub const FIRST_AUTOMATIC_ORDER: u32 = 10;
/// The highest order.
pub const MAX_ORDER: u32 = MAX_PRIORITY / BAND_WIDTH;

/// The priorities an ingress of `order` with `rules` rules on a listener occupies and keeps for
/// itself there: its band, extended past the band's end when it has more rules than fit in it.
pub fn span(order: u32, rules: usize) -> RangeInclusive<u32> {
    let (first, last) = band(order);
    let needed = u32::try_from(rules).unwrap_or(u32::MAX);
    first..=last.max(first.saturating_add(needed.saturating_sub(1)))
}

/// How many rules an ingress puts on each listener it lands on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs(pub BTreeMap<ListenerKey, usize>);

impl Needs {
    /// The rules `desired` puts on each of its listeners (at least one per listener it lands
    /// on, so that an ingress whose rules are not known yet still reserves its band).
    pub fn of(desired: &DesiredIngress) -> Self {
        let mut needs: BTreeMap<ListenerKey, usize> =
            desired.listeners.iter().map(|l| (*l, 1)).collect();
        let mut counted: BTreeMap<ListenerKey, usize> = BTreeMap::new();
        for r in &desired.rules {
            *counted.entry(r.listener).or_default() += 1;
        }
        for (listener, n) in counted {
            needs.insert(listener, n);
        }
        Self(needs)
    }
}

/// The rule priorities in use on the listeners of one load balancer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Occupancy {
    used: BTreeMap<ListenerKey, BTreeSet<u32>>,
}

impl Occupancy {
    /// The priorities of `rules` (listener, priority): the rules that exist, and those planned.
    pub fn of(rules: impl IntoIterator<Item = (ListenerKey, u32)>) -> Self {
        let mut occupancy = Self::default();
        for (listener, priority) in rules {
            occupancy.insert(listener, priority);
        }
        occupancy
    }

    /// Marks `priority` on `listener` as used.
    pub fn insert(&mut self, listener: ListenerKey, priority: u32) {
        self.used.entry(listener).or_default().insert(priority);
    }

    /// Marks the span of an ingress of `order` with `needs` as used.
    pub fn take(&mut self, order: u32, needs: &Needs) {
        for (listener, rules) in &needs.0 {
            self.used
                .entry(*listener)
                .or_default()
                .extend(span(order, *rules));
        }
    }

    /// Whether no priority of `range` is used on `listener`.
    pub fn is_free(&self, listener: ListenerKey, range: RangeInclusive<u32>) -> bool {
        self.used
            .get(&listener)
            .is_none_or(|used| used.range(range).next().is_none())
    }

    /// Every order (1–1000) whose whole band is free on `listener`, lowest first: what an
    /// explicit `order` can take there without a clash.
    pub fn free_orders(&self, listener: ListenerKey) -> Vec<u32> {
        (1..=MAX_ORDER)
            .filter(|&o| {
                let (first, last) = band(o);
                self.is_free(listener, first..=last)
            })
            .collect()
    }

    /// The order an ingress with `needs` gets automatically: the lowest from
    /// [`FIRST_AUTOMATIC_ORDER`] whose span is free on every listener of `needs` and ends by
    /// priority 10000; `None` when there is none.
    pub fn first_free(&self, needs: &Needs) -> Option<u32> {
        (FIRST_AUTOMATIC_ORDER..=MAX_ORDER).find(|&o| {
            needs.0.iter().all(|(listener, rules)| {
                let s = span(o, *rules);
                *s.end() <= MAX_PRIORITY && self.is_free(*listener, s)
            })
        })
    }
}

/// An ingress that gets its order automatically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Its identity (the tie breaker).
    pub id: IngressId,
    /// Its rules per listener.
    pub needs: Needs,
}

/// The orders of `candidates` choosing at the same time: in `namespace/name` string order
/// (ACK's order of Ingresses with equal `order`), each takes [`Occupancy::first_free`] of what
/// `occupied` and the candidates before it use. An error for the first candidate that finds no
/// free order.
pub fn assign(
    occupied: &Occupancy,
    candidates: &[Candidate],
) -> Result<BTreeMap<IngressId, u32>, ExpandError> {
    let mut sorted: Vec<&Candidate> = candidates.iter().collect();
    sorted.sort_by_cached_key(|c| c.id.to_string());
    let mut occupancy = occupied.clone();
    let mut out = BTreeMap::new();
    for c in sorted {
        let order = occupancy
            .first_free(&c.needs)
            .ok_or_else(|| ExpandError::NoFreeOrder {
                path: AttrPath::root().attr("order"),
                ingress: c.id.clone(),
                listeners: c.needs.0.keys().copied().collect(),
            })?;
        occupancy.take(order, &c.needs);
        out.insert(c.id.clone(), order);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ListenerProtocol;

    fn http(port: u16) -> ListenerKey {
        ListenerKey::new(ListenerProtocol::Http, port)
    }

    fn candidate(id: &str, needs: &[(ListenerKey, usize)]) -> Candidate {
        Candidate {
            id: id.parse().unwrap(),
            needs: Needs(needs.iter().copied().collect()),
        }
    }

    fn orders(assigned: &BTreeMap<IngressId, u32>) -> Vec<(String, u32)> {
        assigned.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn spans_cover_the_band_and_spill_past_it() {
        assert_eq!(span(10, 1), 91..=100);
        assert_eq!(span(10, 10), 91..=100);
        assert_eq!(span(10, 12), 91..=102);
    }

    #[test]
    fn the_first_free_band_from_order_10_is_taken() {
        let l = http(80);
        // Order 10 (91–100) is held by one rule; 11 is free.
        let occupied = Occupancy::of([(l, 95), (l, 3)]);
        let needs = Needs([(l, 2)].into());
        assert_eq!(occupied.first_free(&needs), Some(11));
        // Orders below 10 are never chosen, even when free.
        assert_eq!(Occupancy::default().first_free(&needs), Some(10));
        // A rule at 112 blocks order 11 (and 12) only for an ingress that spills that far.
        let occupied = Occupancy::of([(l, 95), (l, 112)]);
        assert_eq!(occupied.first_free(&needs), Some(11));
        assert_eq!(occupied.first_free(&Needs([(l, 12)].into())), Some(13));
    }

    #[test]
    fn every_listener_of_the_ingress_must_be_free() {
        let (a, b) = (http(80), http(8080));
        let occupied = Occupancy::of([(a, 91), (b, 101)]);
        assert_eq!(occupied.first_free(&Needs([(a, 1)].into())), Some(11));
        assert_eq!(occupied.first_free(&Needs([(b, 1)].into())), Some(10));
        assert_eq!(
            occupied.first_free(&Needs([(a, 1), (b, 1)].into())),
            Some(12)
        );
    }

    #[test]
    fn ties_are_served_in_namespace_name_order_whatever_the_input_order() {
        let l = http(80);
        let occupied = Occupancy::of([(l, 101)]);
        let c = candidate("shop/cart", &[(l, 1)]);
        let a = candidate("shop/api", &[(l, 1)]);
        let b = candidate("admin/web", &[(l, 1)]);
        let expected = vec![
            ("admin/web".to_owned(), 10),
            ("shop/api".to_owned(), 12),
            ("shop/cart".to_owned(), 13),
        ];
        for input in [
            vec![c.clone(), a.clone(), b.clone()],
            vec![a.clone(), b.clone(), c.clone()],
            vec![b.clone(), c.clone(), a.clone()],
        ] {
            assert_eq!(orders(&assign(&occupied, &input).unwrap()), expected);
        }
        // ACK compares the `namespace/name` string: `a-b/x` sorts before `a/x` ('-' < '/').
        let assigned = assign(
            &Occupancy::default(),
            &[candidate("a/x", &[(l, 1)]), candidate("a-b/x", &[(l, 1)])],
        )
        .unwrap();
        assert_eq!(
            orders(&assigned),
            [("a/x".to_owned(), 11), ("a-b/x".to_owned(), 10)]
        );
    }

    #[test]
    fn a_candidate_with_more_rules_than_a_band_keeps_the_next_band_free_of_others() {
        let l = http(80);
        let assigned = assign(
            &Occupancy::default(),
            &[
                candidate("a/big", &[(l, 15)]),
                candidate("b/small", &[(l, 1)]),
            ],
        )
        .unwrap();
        assert_eq!(
            orders(&assigned),
            [("a/big".to_owned(), 10), ("b/small".to_owned(), 12)]
        );
    }

    #[test]
    fn no_free_order_is_an_error_at_order() {
        let l = http(80);
        let full = Occupancy::of((91..=MAX_PRIORITY).step_by(10).map(|p| (l, p)));
        let err = assign(&full, &[candidate("shop/web", &[(l, 1)])]).unwrap_err();
        assert_eq!(err.path().to_string(), "order");
        assert!(err.to_string().contains("shop/web"), "{err}");
        // The last band fits one band's worth of rules, not more.
        let almost = Occupancy::of((91..9991).step_by(10).map(|p| (l, p)));
        assert_eq!(almost.first_free(&Needs([(l, 10)].into())), Some(MAX_ORDER));
        assert_eq!(almost.first_free(&Needs([(l, 11)].into())), None);
    }

    #[test]
    fn free_orders_are_the_wholly_free_bands() {
        let l = http(80);
        let occupied = Occupancy::of([(l, 1), (l, 100), (l, 9995)]);
        let free = occupied.free_orders(l);
        assert_eq!(free.len(), 1000 - 3);
        assert_eq!(&free[..3], [2, 3, 4]);
        assert!(!free.contains(&10) && !free.contains(&1000));
        assert_eq!(Occupancy::default().free_orders(http(443)).len(), 1000);
    }

    #[test]
    fn needs_count_rules_per_listener_and_at_least_one_per_landing() {
        let (a, b) = (http(80), http(8080));
        let mut desired = DesiredIngress {
            id: IngressId::new("shop", "web"),
            cluster_id: String::new(),
            config: String::new(),
            order: 10,
            listeners: vec![a, b],
            rules: Vec::new(),
            server_groups: Vec::new(),
        };
        assert_eq!(Needs::of(&desired), Needs([(a, 1), (b, 1)].into()));
        let rule = crate::desired::DesiredRule {
            listener: a,
            priority: 91,
            name: String::new(),
            identity: String::new(),
            conditions: Vec::new(),
            actions: Vec::new(),
            owner: desired.id.clone(),
        };
        desired.rules = vec![rule.clone(), rule.clone(), rule];
        assert_eq!(Needs::of(&desired), Needs([(a, 3), (b, 1)].into()));
    }
}

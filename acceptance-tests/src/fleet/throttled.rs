//! The throttled scenario of the bench: what an apply from empty under throttling left on the
//! load balancers, compared with what the fleet declares, kind by kind. A retried call that the
//! service had carried out (a create whose answer was lost to a refusal after it) shows as a
//! surplus; a call given up on shows as a shortfall.

use super::inventory::Inventory;
use super::shape::{Fleet, ENDPOINTS_PER_SERVICE, PATHS};

/// Listeners of each load balancer of the fleet (HTTP:80 and HTTPS:443).
const LISTENERS_PER_LOAD_BALANCER: usize = 2;

/// Found against declared counts of one kind of object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindCount {
    /// Kind of object.
    pub kind: &'static str,
    /// On the load balancers.
    pub found: usize,
    /// Declared by the fleet.
    pub declared: usize,
}

/// Found against declared counts of every kind the fleet declares (placeholder groups, which
/// the fleet does not count, left out).
pub fn kind_counts(fleet: &Fleet, inventory: &Inventory) -> Vec<KindCount> {
    let groups = fleet.ingresses * PATHS;
    [
        (
            "load balancers",
            inventory.load_balancers,
            fleet.load_balancers,
        ),
        (
            "listeners",
            inventory.listeners,
            fleet.load_balancers * LISTENERS_PER_LOAD_BALANCER,
        ),
        (
            "rules",
            inventory.rule_count(),
            fleet.ingresses * Fleet::rules_per_ingress(),
        ),
        ("server groups", inventory.ingress_server_groups, groups),
        (
            "members",
            inventory.member_count(),
            groups * ENDPOINTS_PER_SERVICE,
        ),
    ]
    .into_iter()
    .map(|(kind, found, declared)| KindCount {
        kind,
        found,
        declared,
    })
    .collect()
}

/// Objects beyond what the fleet declares (duplicates), summed over the kinds.
pub fn surplus(counts: &[KindCount]) -> usize {
    counts
        .iter()
        .map(|c| c.found.saturating_sub(c.declared))
        .sum()
}

/// Declared objects missing, summed over the kinds.
pub fn shortfall(counts: &[KindCount]) -> usize {
    counts
        .iter()
        .map(|c| c.declared.saturating_sub(c.found))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// What a fleet of 3 ingresses on 2 load balancers leaves when all went well.
    fn exact(fleet: &Fleet) -> Inventory {
        let rules = (0..fleet.ingresses)
            .map(|i| {
                (
                    (format!("ns/{i}"), "lsn".to_string()),
                    Fleet::rules_per_ingress(),
                )
            })
            .collect::<BTreeMap<_, _>>();
        Inventory {
            load_balancers: fleet.load_balancers,
            listeners: fleet.load_balancers * 2,
            https_listeners: fleet.load_balancers,
            acls: 0,
            server_groups: fleet.ingresses * PATHS + 2,
            ingress_server_groups: fleet.ingresses * PATHS,
            rules,
            members: vec![ENDPOINTS_PER_SERVICE; fleet.ingresses * PATHS],
        }
    }

    #[test]
    fn an_exact_fleet_has_neither_surplus_nor_shortfall() {
        let fleet = Fleet::new(3, 2);
        let counts = kind_counts(&fleet, &exact(&fleet));
        assert_eq!(counts.len(), 5);
        assert!(counts.iter().all(|c| c.found == c.declared), "{counts:?}");
        assert_eq!((surplus(&counts), shortfall(&counts)), (0, 0));
    }

    #[test]
    fn a_duplicate_group_and_a_missing_rule_are_counted_apart() {
        let fleet = Fleet::new(3, 2);
        let mut inventory = exact(&fleet);
        inventory.ingress_server_groups += 1;
        inventory.server_groups += 1;
        *inventory.rules.values_mut().next().unwrap() -= 1;
        let counts = kind_counts(&fleet, &inventory);
        assert_eq!((surplus(&counts), shortfall(&counts)), (1, 1));
    }
}

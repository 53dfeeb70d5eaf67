//! The least API work for a fleet's phases, from what the load balancers hold after the apply
//! (an [`Inventory`]) and the API's batch limits: the yardstick the bench prints next to what
//! the provider spent.
//!
//! * Mutating calls of an apply from empty: one create per load balancer, listener and server
//!   group; rules in `CreateRules` batches of 10 per (ingress, listener) — each `alb_ingress` is
//!   its own Terraform resource — (or per listener, when rules of different ingresses are batched
//!   together: [`Minimum::apply_across_ingresses`]); members in `AddServersToServerGroup` batches
//!   of 200 per group.
//! * Mutating calls of a destroy: the rules in `DeleteRules` batches of 10 per (ingress,
//!   listener) — an ingress is destroyed before its load balancer —, one `DeleteServerGroup` per
//!   group and one `DeleteLoadBalancer` per load balancer (its listeners go with it).
//! * Reads: list pages of 100 (the API's largest page) over the whole region, once per kind —
//!   listeners, rules, server groups, members (`ListServerGroupServers` without a group
//!   filter), ACLs (one page even when there are none: it takes a list to learn that) — plus
//!   one read per object for what no list returns: `GetLoadBalancerAttribute` per load balancer
//!   (`ListLoadBalancers` items lack the zone mappings), `GetListenerAttribute` per listener
//!   (`ListListeners` items lack the ACL binding and certificates) and
//!   `ListListenerCertificates` per HTTPS listener (its additional certificates). A plan that
//!   refreshes needs them all once; a `-refresh=false` plan only the rule pages (the priority
//!   clash check reads the listeners' rules); an apply from empty none. Job polls
//!   (`ListAsynJobs`) are not reads of state and are counted apart.

use super::inventory::Inventory;
use super::phase::Phase;
use crate::mock::limits::{MAX_RESULTS, RULES_PER_CALL, SERVERS_PER_CALL};

/// The least calls of one phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseMinimum {
    /// Mutating calls.
    pub mutating: usize,
    /// Read calls (list pages and per-object reads).
    pub read_pages: usize,
}

/// The least calls for a fleet's phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minimum {
    /// Mutating calls of an apply from empty, rules batched per ingress.
    pub apply: usize,
    /// The same with rules of one listener batched across ingresses.
    pub apply_across_ingresses: usize,
    /// Mutating calls of a destroy.
    pub destroy: usize,
    /// List pages and per-object reads that read everything once.
    pub read_pages: usize,
    /// List pages that read every rule once.
    pub rule_pages: usize,
}

fn pages(items: usize, per_call: usize) -> usize {
    items.div_ceil(per_call)
}

impl Minimum {
    /// The minimum for what `inventory` holds.
    pub fn of(inventory: &Inventory) -> Self {
        let page = MAX_RESULTS as usize;
        let rule_batches_per_ingress: usize = inventory
            .rules
            .values()
            .map(|n| pages(*n, RULES_PER_CALL))
            .sum();
        let rule_batches_per_listener: usize = inventory
            .rules_per_listener()
            .values()
            .map(|n| pages(*n, RULES_PER_CALL))
            .sum();
        let member_batches: usize = inventory
            .members
            .iter()
            .map(|n| pages(*n, SERVERS_PER_CALL))
            .sum();
        let objects = inventory.load_balancers + inventory.listeners + inventory.server_groups;
        let rule_pages = pages(inventory.rule_count(), page);
        Self {
            apply: objects + rule_batches_per_ingress + member_batches,
            apply_across_ingresses: objects + rule_batches_per_listener + member_batches,
            destroy: inventory.load_balancers + inventory.server_groups + rule_batches_per_ingress,
            read_pages: pages(inventory.listeners, page)
                + rule_pages
                + pages(inventory.server_groups, page)
                + pages(inventory.member_count(), page)
                + pages(inventory.acls, page).max(usize::from(inventory.load_balancers > 0))
                + inventory.load_balancers
                + inventory.listeners
                + inventory.https_listeners,
            rule_pages,
        }
    }

    /// The least calls of `phase`.
    pub fn phase(&self, phase: Phase) -> PhaseMinimum {
        let (mutating, read_pages) = match phase {
            Phase::Apply => (self.apply, 0),
            Phase::Plan => (0, self.read_pages),
            Phase::PlanNoRefresh => (0, self.rule_pages),
            Phase::OneRuleChange => (1, self.read_pages),
            Phase::Destroy => (self.destroy, self.read_pages),
        };
        PhaseMinimum {
            mutating,
            read_pages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Two load balancers with two listeners each (one HTTPS), no ACL; ingress a has 12 rules
    /// on lsn-1, ingress b 6 on lsn-1 and 3 on lsn-2; 7 server groups (2 placeholders), members
    /// 250, 2 and 1.
    fn inventory() -> Inventory {
        let rules = BTreeMap::from([
            (("ns/a".to_string(), "lsn-1".to_string()), 12),
            (("ns/b".to_string(), "lsn-1".to_string()), 6),
            (("ns/b".to_string(), "lsn-2".to_string()), 3),
        ]);
        Inventory {
            load_balancers: 2,
            listeners: 4,
            https_listeners: 2,
            acls: 0,
            server_groups: 7,
            ingress_server_groups: 5,
            rules,
            members: vec![250, 2, 1],
        }
    }

    #[test]
    fn creates_batch_rules_by_ten_and_members_by_two_hundred() {
        let m = Minimum::of(&inventory());
        // 13 objects; rules 2 + 1 + 1 batches per ingress, 2 + 1 per listener; members 2 + 1 + 1.
        assert_eq!(m.apply, 13 + 4 + 4);
        assert_eq!(m.apply_across_ingresses, 13 + 3 + 4);
        assert_eq!(m.destroy, 2 + 7 + 4);
    }

    #[test]
    fn reads_are_pages_of_a_hundred_per_kind_and_one_read_per_unlisted_object() {
        let m = Minimum::of(&inventory());
        // 1 page each of listeners, rules (21), groups and ACLs (none); 253 members: 3 pages;
        // 2 load balancer, 4 listener attribute and 2 certificate reads.
        let reads = 4 + 3 + 2 + 4 + 2;
        assert_eq!(m.read_pages, reads);
        assert_eq!(m.rule_pages, 1);
        assert_eq!(m.phase(Phase::PlanNoRefresh).read_pages, 1);
        assert_eq!(m.phase(Phase::Apply).read_pages, 0);
        assert_eq!(
            m.phase(Phase::OneRuleChange),
            PhaseMinimum {
                mutating: 1,
                read_pages: reads
            }
        );
        assert_eq!(m.phase(Phase::Plan).mutating, 0);
    }

    #[test]
    fn an_empty_region_needs_nothing() {
        let m = Minimum::of(&Inventory::default());
        assert_eq!((m.apply, m.destroy, m.read_pages), (0, 0, 0));
    }
}

//! Lookups the actions make on every call without scanning the whole store, so a call's cost
//! does not grow with objects it does not touch: listeners by load balancer, rules by listener,
//! the listeners and rules forwarding to each server group, and the objects whose removal is
//! under way. Derived from the store, never persisted: rebuilt when a state file is loaded and
//! kept in step by the [`Store`] methods that add, change and remove listeners and rules.

use std::collections::{BTreeMap, BTreeSet};

use super::actions::referenced_server_groups;
use super::model::{Listener, Millis, Rule, Store};

/// An object (or the parts of one) whose removal (`Deleting`, `Removing`, `Dissociating`)
/// has been started and must be dropped once it completes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Removal {
    /// A load balancer.
    LoadBalancer(String),
    /// A listener.
    Listener(String),
    /// Additional certificates or ACL bindings of a listener.
    ListenerParts(String),
    /// A rule.
    Rule(String),
    /// A server group.
    ServerGroup(String),
    /// Servers of a server group.
    Servers(String),
    /// An ACL.
    Acl(String),
    /// Entries of an ACL.
    AclEntries(String),
}

/// The derived lookups.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Index {
    listeners_by_lb: BTreeMap<String, BTreeSet<String>>,
    rules_by_listener: BTreeMap<String, BTreeSet<String>>,
    /// Server group → (listener or rule id forwarding to it → that object's load balancer).
    forwarders: BTreeMap<String, BTreeMap<String, String>>,
    /// Listener or rule id → the server groups it forwards to.
    targets: BTreeMap<String, Vec<String>>,
    /// Removals under way.
    removals: BTreeSet<Removal>,
}

impl Index {
    fn set_forwards(&mut self, owner: &str, lb: &str, groups: Vec<String>) {
        self.clear_forwards(owner);
        for g in &groups {
            self.forwarders
                .entry(g.clone())
                .or_default()
                .insert(owner.to_string(), lb.to_string());
        }
        self.targets.insert(owner.to_string(), groups);
    }

    fn clear_forwards(&mut self, owner: &str) {
        for g in self.targets.remove(owner).unwrap_or_default() {
            if let Some(map) = self.forwarders.get_mut(&g) {
                map.remove(owner);
                if map.is_empty() {
                    self.forwarders.remove(&g);
                }
            }
        }
    }
}

fn remove_from(map: &mut BTreeMap<String, BTreeSet<String>>, key: &str, id: &str) {
    if let Some(set) = map.get_mut(key) {
        set.remove(id);
        if set.is_empty() {
            map.remove(key);
        }
    }
}

impl Store {
    /// Rebuilds the index from the objects (after loading a state file).
    pub fn reindex(&mut self) {
        self.index = Index::default();
        let listeners: Vec<String> = self.listeners.keys().cloned().collect();
        for id in listeners {
            self.index_listener(&id);
        }
        let rules: Vec<String> = self.rules.keys().cloned().collect();
        for id in rules {
            self.index_rule(&id);
        }
        let mut removals = BTreeSet::new();
        for lb in self.load_balancers.values().filter(|x| x.phase.removal) {
            removals.insert(Removal::LoadBalancer(lb.id.clone()));
        }
        for l in self.listeners.values() {
            if l.phase.removal {
                removals.insert(Removal::Listener(l.id.clone()));
            }
            let parts = l.acls.values().map(|b| &b.phase);
            if parts
                .chain(l.additional_certificates.values().map(|c| &c.phase))
                .any(|p| p.removal)
            {
                removals.insert(Removal::ListenerParts(l.id.clone()));
            }
        }
        for r in self.rules.values().filter(|x| x.phase.removal) {
            removals.insert(Removal::Rule(r.id.clone()));
        }
        for g in self.server_groups.values() {
            if g.phase.removal {
                removals.insert(Removal::ServerGroup(g.id.clone()));
            }
            if g.servers.iter().any(|s| s.phase.removal) {
                removals.insert(Removal::Servers(g.id.clone()));
            }
        }
        for a in self.acls.values() {
            if a.phase.removal {
                removals.insert(Removal::Acl(a.id.clone()));
            }
            if a.entries.iter().any(|e| e.phase.removal) {
                removals.insert(Removal::AclEntries(a.id.clone()));
            }
        }
        self.index.removals = removals;
    }

    /// Adds a listener.
    pub fn insert_listener(&mut self, listener: Listener) {
        let id = listener.id.clone();
        self.listeners.insert(id.clone(), listener);
        self.index_listener(&id);
    }

    /// Adds a rule.
    pub fn insert_rule(&mut self, rule: Rule) {
        let id = rule.id.clone();
        self.rules.insert(id.clone(), rule);
        self.index_rule(&id);
    }

    /// Re-reads which server groups listener `id` (default actions) forwards to; call after
    /// changing them.
    pub fn index_listener(&mut self, id: &str) {
        let Some(l) = self.listeners.get(id) else {
            return;
        };
        let (lb, groups) = (
            l.load_balancer_id.clone(),
            referenced_server_groups(&l.default_actions),
        );
        self.index
            .listeners_by_lb
            .entry(lb.clone())
            .or_default()
            .insert(id.to_string());
        self.index.set_forwards(id, &lb, groups);
    }

    /// Re-reads which server groups rule `id` forwards to; call after changing its actions.
    pub fn index_rule(&mut self, id: &str) {
        let Some(r) = self.rules.get(id) else {
            return;
        };
        let (listener, lb, groups) = (
            r.listener_id.clone(),
            r.load_balancer_id.clone(),
            referenced_server_groups(&r.actions),
        );
        self.index
            .rules_by_listener
            .entry(listener)
            .or_default()
            .insert(id.to_string());
        self.index.set_forwards(id, &lb, groups);
    }

    /// The listeners of load balancer `lb`.
    pub fn listeners_of<'s>(&'s self, lb: &str) -> impl Iterator<Item = &'s Listener> + 's {
        self.index
            .listeners_by_lb
            .get(lb)
            .into_iter()
            .flatten()
            .filter_map(|id| self.listeners.get(id))
    }

    /// The rules of listener `listener`.
    pub fn rules_of<'s>(&'s self, listener: &str) -> impl Iterator<Item = &'s Rule> + 's {
        self.index
            .rules_by_listener
            .get(listener)
            .into_iter()
            .flatten()
            .filter_map(|id| self.rules.get(id))
    }

    /// The rules on every listener of load balancer `lb`.
    pub fn rules_of_load_balancer<'s>(&'s self, lb: &str) -> impl Iterator<Item = &'s Rule> + 's {
        self.listeners_of(lb).flat_map(|l| self.rules_of(&l.id))
    }

    /// `(listener or rule id, its load balancer)` of everything forwarding to server group `group`.
    pub fn forwarders_of<'s>(&'s self, group: &str) -> impl Iterator<Item = (&'s str, &'s str)> {
        self.index
            .forwarders
            .get(group)
            .into_iter()
            .flatten()
            .map(|(owner, lb)| (owner.as_str(), lb.as_str()))
    }

    /// The server groups listener or rule `owner` forwards to.
    pub fn forward_targets(&self, owner: &str) -> &[String] {
        self.index.targets.get(owner).map_or(&[], Vec::as_slice)
    }

    /// Records that a removal was started (its phase set to a removing one).
    pub fn removal_started(&mut self, removal: Removal) {
        self.index.removals.insert(removal);
    }

    /// Drops what finished being removed by `now`; costs only the removals under way.
    pub fn settle(&mut self, now: Millis) {
        let pending = std::mem::take(&mut self.index.removals);
        for removal in pending {
            if !self.settle_one(&removal, now) {
                self.index.removals.insert(removal);
            }
        }
    }

    /// Completes `removal` when its time has come; false while it is still under way.
    fn settle_one(&mut self, removal: &Removal, now: Millis) -> bool {
        match removal {
            Removal::LoadBalancer(id) => {
                settle_object(&mut self.load_balancers, id, now, |x| &x.phase).is_some()
                    || !self.load_balancers.contains_key(id)
            }
            Removal::Listener(id) => {
                let Some(l) = settle_object(&mut self.listeners, id, now, |x| &x.phase) else {
                    return !self.listeners.contains_key(id);
                };
                remove_from(&mut self.index.listeners_by_lb, &l.load_balancer_id, id);
                self.index.clear_forwards(id);
                true
            }
            Removal::Rule(id) => {
                let Some(r) = settle_object(&mut self.rules, id, now, |x| &x.phase) else {
                    return !self.rules.contains_key(id);
                };
                remove_from(&mut self.index.rules_by_listener, &r.listener_id, id);
                self.index.clear_forwards(id);
                true
            }
            Removal::ServerGroup(id) => {
                settle_object(&mut self.server_groups, id, now, |x| &x.phase).is_some()
                    || !self.server_groups.contains_key(id)
            }
            Removal::Acl(id) => {
                settle_object(&mut self.acls, id, now, |x| &x.phase).is_some()
                    || !self.acls.contains_key(id)
            }
            Removal::ListenerParts(id) => {
                let Some(l) = self.listeners.get_mut(id) else {
                    return true;
                };
                l.additional_certificates.retain(|_, c| !c.phase.gone(now));
                l.acls.retain(|_, b| !b.phase.gone(now));
                if l.acls.is_empty() {
                    l.acl_type = None;
                }
                let certificates = l.additional_certificates.values().map(|c| &c.phase);
                !certificates
                    .chain(l.acls.values().map(|b| &b.phase))
                    .any(|p| p.removal)
            }
            Removal::Servers(id) => {
                let Some(g) = self.server_groups.get_mut(id) else {
                    return true;
                };
                g.servers.retain(|s| !s.phase.gone(now));
                !g.servers.iter().any(|s| s.phase.removal)
            }
            Removal::AclEntries(id) => {
                let Some(a) = self.acls.get_mut(id) else {
                    return true;
                };
                a.entries.retain(|e| !e.phase.gone(now));
                !a.entries.iter().any(|e| e.phase.removal)
            }
        }
    }
}

/// Removes and returns object `id` of `map` when its removal has completed by `now`.
fn settle_object<T>(
    map: &mut BTreeMap<String, T>,
    id: &str,
    now: Millis,
    phase: impl Fn(&T) -> &super::model::Phase,
) -> Option<T> {
    if map.get(id).is_some_and(|x| phase(x).gone(now)) {
        map.remove(id)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::model::{Phase, ServerGroup};
    use serde_json::{json, Value};

    fn forward(group: &str) -> Value {
        json!([{"Type": "ForwardGroup", "Order": 1,
                "ForwardGroupConfig": {"ServerGroupTuples": [{"ServerGroupId": group}]}}])
    }

    fn listener(id: &str, lb: &str, group: &str) -> Listener {
        serde_json::from_value(json!({
            "Id": id, "LoadBalancerId": lb, "Protocol": "HTTP", "Port": 80,
            "DefaultActions": forward(group), "Certificates": [], "AdditionalCertificates": {},
            "Attrs": {}, "Tags": {}, "Seq": 1, "Phase": Phase::default()
        }))
        .unwrap()
    }

    fn rule(id: &str, listener: &str, lb: &str, group: &str) -> Rule {
        serde_json::from_value(json!({
            "Id": id, "ListenerId": listener, "LoadBalancerId": lb, "Name": id, "Priority": 1,
            "Direction": "Request", "Conditions": [], "Actions": forward(group), "Tags": {},
            "Phase": Phase::default()
        }))
        .unwrap()
    }

    fn rebuilt(store: &Store) -> Index {
        let mut copy = store.clone();
        copy.reindex();
        copy.index
    }

    #[test]
    fn incremental_changes_match_a_rebuilt_index() {
        let mut store = Store::default();
        store.insert_listener(listener("lsn-1", "alb-1", "sgp-d"));
        store.insert_listener(listener("lsn-2", "alb-2", "sgp-d"));
        store.insert_rule(rule("rule-1", "lsn-1", "alb-1", "sgp-a"));
        store.insert_rule(rule("rule-2", "lsn-1", "alb-1", "sgp-b"));
        store.insert_rule(rule("rule-3", "lsn-2", "alb-2", "sgp-a"));
        assert_eq!(store.index, rebuilt(&store));
        assert_eq!(store.rules_of("lsn-1").count(), 2);
        assert_eq!(store.rules_of_load_balancer("alb-2").count(), 1);
        let lbs: BTreeSet<&str> = store.forwarders_of("sgp-a").map(|(_, lb)| lb).collect();
        assert_eq!(lbs, BTreeSet::from(["alb-1", "alb-2"]));

        // rule-2 now forwards to sgp-a; listener 2's default to sgp-c.
        store.rules.get_mut("rule-2").unwrap().actions = forward("sgp-a");
        store.index_rule("rule-2");
        store.listeners.get_mut("lsn-2").unwrap().default_actions = forward("sgp-c");
        store.index_listener("lsn-2");
        assert_eq!(store.index, rebuilt(&store));
        assert_eq!(store.forwarders_of("sgp-b").count(), 0);
        assert_eq!(store.forward_targets("lsn-2"), ["sgp-c".to_string()]);

        // Deleting listener 1 and its rules; they go once the deadline passes.
        for id in ["rule-1", "rule-2"] {
            store.rules.get_mut(id).unwrap().phase = Phase::removing("Deleting", 100);
            store.removal_started(Removal::Rule(id.into()));
        }
        store.listeners.get_mut("lsn-1").unwrap().phase = Phase::removing("Deleting", 100);
        store.removal_started(Removal::Listener("lsn-1".into()));
        store.settle(99);
        assert_eq!(store.rules.len(), 3, "not before the deadline");
        assert_eq!(store.index.removals.len(), 3);
        store.settle(100);
        assert_eq!(store.rules.len(), 1);
        assert!(!store.listeners.contains_key("lsn-1"));
        assert!(store.index.removals.is_empty());
        assert_eq!(store.index, rebuilt(&store));
        assert_eq!(store.listeners_of("alb-1").count(), 0);
    }

    #[test]
    fn removed_servers_go_and_the_rest_stay() {
        let mut store = Store::default();
        let mut group: ServerGroup = serde_json::from_value(json!({
            "Id": "sgp-1", "Name": "g", "ServerGroupType": "Ip", "Protocol": "HTTP",
            "VpcId": "vpc-1", "Attrs": {}, "Servers": [], "CreateTime": "", "Tags": {},
            "Phase": Phase::default()
        }))
        .unwrap();
        for (ip, phase) in [
            ("10.0.0.1", Phase::removing("Removing", 50)),
            ("10.0.0.2", Phase::default()),
            ("10.0.0.3", Phase::removing("Removing", 80)),
        ] {
            group.servers.push(
                serde_json::from_value(json!({
                    "ServerId": ip, "ServerType": "Ip", "Port": 80, "ServerIp": null,
                    "Weight": 100, "Description": null, "RemoteIpEnabled": false, "Phase": phase
                }))
                .unwrap(),
            );
        }
        store.server_groups.insert("sgp-1".into(), group);
        store.reindex();
        assert_eq!(
            store.index.removals,
            BTreeSet::from([Removal::Servers("sgp-1".into())])
        );
        store.settle(60);
        assert_eq!(store.server_groups["sgp-1"].servers.len(), 2);
        assert_eq!(store.index.removals.len(), 1, "one removal still under way");
        store.settle(80);
        assert_eq!(store.server_groups["sgp-1"].servers.len(), 1);
        assert!(store.index.removals.is_empty());
    }
}

//! What the load balancers hold, counted from the mock's state dump (`/__mock/state`): the
//! input of the minimum-call computation.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::mock::state_tag;

/// Tag naming the `alb_ingress` (`<namespace>/<name>`) that owns a rule.
const TAG_INGRESS: &str = "alb.terraform/ingress";

/// Object counts of a mock state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    /// Load balancers.
    pub load_balancers: usize,
    /// Listeners.
    pub listeners: usize,
    /// HTTPS listeners (their certificates are read listener by listener).
    pub https_listeners: usize,
    /// ACLs.
    pub acls: usize,
    /// Server groups (placeholders included).
    pub server_groups: usize,
    /// Server groups owned by an ingress (tagged with it).
    pub ingress_server_groups: usize,
    /// Rules by (owning ingress, or `""` for none; listener id).
    pub rules: BTreeMap<(String, String), usize>,
    /// Members of every server group that has any.
    pub members: Vec<usize>,
}

impl Inventory {
    /// Counts the objects of a `/__mock/state` document (servers being removed excluded).
    pub fn from_state(state: &Value) -> Self {
        let list = |name: &str| state[name].as_array().cloned().unwrap_or_default();
        let mut rules = BTreeMap::new();
        for rule in list("Rules") {
            let owner = state_tag(&rule, TAG_INGRESS)
                .unwrap_or_default()
                .to_string();
            let listener = rule["ListenerId"].as_str().unwrap_or_default().to_string();
            *rules.entry((owner, listener)).or_default() += 1;
        }
        let groups = list("ServerGroups");
        let members = groups
            .iter()
            .map(|g| {
                g["Servers"]
                    .as_array()
                    .map(|s| s.iter().filter(|s| s["Status"] != "Removing").count())
                    .unwrap_or(0)
            })
            .filter(|n| *n > 0)
            .collect();
        let listeners = list("Listeners");
        Self {
            load_balancers: list("LoadBalancers").len(),
            https_listeners: listeners
                .iter()
                .filter(|l| l["ListenerProtocol"] == "HTTPS")
                .count(),
            listeners: listeners.len(),
            acls: list("Acls").len(),
            ingress_server_groups: groups
                .iter()
                .filter(|g| state_tag(g, TAG_INGRESS).is_some())
                .count(),
            server_groups: groups.len(),
            rules,
            members,
        }
    }

    /// All rules.
    pub fn rule_count(&self) -> usize {
        self.rules.values().sum()
    }

    /// All members.
    pub fn member_count(&self) -> usize {
        self.members.iter().sum()
    }

    /// Rules per listener, whatever their owner.
    pub fn rules_per_listener(&self) -> BTreeMap<&str, usize> {
        let mut out = BTreeMap::new();
        for ((_, listener), n) in &self.rules {
            *out.entry(listener.as_str()).or_default() += n;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_rules_by_owner_and_listener_and_live_members() {
        let state = json!({
            "LoadBalancers": [{}],
            "Listeners": [{"ListenerProtocol": "HTTP"}, {"ListenerProtocol": "HTTPS"}],
            "Acls": [{}],
            "Rules": [
                {"ListenerId": "lsn-1", "Tags": [{"Key": TAG_INGRESS, "Value": "ns/a"}]},
                {"ListenerId": "lsn-1", "Tags": [{"Key": TAG_INGRESS, "Value": "ns/a"}]},
                {"ListenerId": "lsn-1", "Tags": [{"Key": TAG_INGRESS, "Value": "ns/b"}]},
                {"ListenerId": "lsn-2", "Tags": []}
            ],
            "ServerGroups": [
                {"Servers": [], "Tags": [{"Key": TAG_INGRESS, "Value": "ns/a"}]},
                {"Servers": [{"Status": "Available"}, {"Status": "Removing"}, {"Status": "Adding"}]}
            ]
        });
        let inventory = Inventory::from_state(&state);
        assert_eq!(inventory.load_balancers, 1);
        assert_eq!(inventory.listeners, 2);
        assert_eq!(inventory.https_listeners, 1);
        assert_eq!(inventory.acls, 1);
        assert_eq!(inventory.server_groups, 2);
        assert_eq!(inventory.ingress_server_groups, 1);
        assert_eq!(inventory.rules[&("ns/a".into(), "lsn-1".into())], 2);
        assert_eq!(inventory.rules[&("".into(), "lsn-2".into())], 1);
        assert_eq!(inventory.rule_count(), 4);
        assert_eq!(inventory.rules_per_listener()["lsn-1"], 3);
        assert_eq!(inventory.members, vec![2]);
    }
}

//! Typed views of the `alb_config` and `alb_ingress` values in a JSON plan: only the attributes
//! the report shows. Every field is optional (unknown values are null in a plan), and keyed
//! collections are read from either shape: a map keyed by identity, or a list whose elements
//! carry their identity in an attribute.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Number, Value};

/// An `alb_config` value.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoadBalancerValues {
    /// Load balancer id.
    pub id: Option<String>,
    /// Load balancer name.
    pub name: Option<String>,
    /// Deletion protection.
    pub deletion_protection: Option<bool>,
    /// Listener blocks (a list, or a map keyed by `PROTOCOL:port`).
    #[serde(deserialize_with = "keyed_listeners")]
    pub listener: Vec<(String, Value)>,
}

/// The attributes of `alb_config` not shown in the attribute table: identity, computed status,
/// listeners (shown per listener) and timeouts.
pub const LOAD_BALANCER_HIDDEN: &[&str] = &["id", "dns_name", "status", "listener", "timeouts"];

/// The attributes of a listener not shown as its changes: computed ids and the ACL (shown apart).
pub const LISTENER_HIDDEN: &[&str] = &["id", "default_server_group_id", "acl", "port", "protocol"];

/// A listener's `acl` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AclValues {
    /// `White` or `Black`.
    #[serde(rename = "type")]
    pub acl_type: Option<String>,
    /// Managed entries.
    #[serde(deserialize_with = "null_as_default")]
    pub entries: Vec<String>,
    /// Existing ACLs bound.
    #[serde(deserialize_with = "null_as_default")]
    pub acl_ids: Vec<String>,
}

impl AclValues {
    /// The `acl` block of a listener value (a single nested block: an object, or a one-element
    /// list), if set.
    pub fn of_listener(listener: &Value) -> Option<Self> {
        let acl = match listener.get("acl")? {
            Value::Array(items) => items.first()?.clone(),
            Value::Null => return None,
            other => other.clone(),
        };
        serde_json::from_value(acl).ok()
    }
}

/// An `alb_ingress` value.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct IngressValues {
    /// Id of the `alb_config`.
    pub alb_config_id: Option<String>,
    /// Namespace.
    pub namespace: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Computed rules by identity.
    #[serde(deserialize_with = "keyed_by_key")]
    pub rules: Vec<(String, RuleValues)>,
    /// Computed server groups by `<service>:<port>`.
    #[serde(deserialize_with = "keyed_by_key")]
    pub server_groups: Vec<(String, ServerGroupValues)>,
}

impl IngressValues {
    /// `namespace/name`, or `?` parts while unknown.
    pub fn label(&self) -> String {
        format!(
            "{}/{}",
            self.namespace.as_deref().unwrap_or("?"),
            self.name.as_deref().unwrap_or("?")
        )
    }
}

/// One computed rule.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct RuleValues {
    /// Listener, `PROTOCOL:port`.
    pub listener: Option<String>,
    /// Priority.
    pub priority: Option<Number>,
    /// One line for humans: `<listener> #<priority> <conditions> → <actions>`.
    pub summary: Option<String>,
    /// Conditions.
    #[serde(deserialize_with = "null_as_default")]
    pub conditions: Vec<Value>,
    /// Actions.
    #[serde(deserialize_with = "null_as_default")]
    pub actions: Vec<ActionValues>,
}

/// One action of a rule.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ActionValues {
    /// Action type, e.g. `ForwardGroup`.
    #[serde(rename = "type")]
    pub action_type: Option<String>,
    /// Forward targets.
    #[serde(deserialize_with = "null_as_default")]
    pub server_groups: Vec<TargetValues>,
}

/// A forward target: a server group by key, with its weight.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct TargetValues {
    /// `<service>:<port>`.
    pub key: Option<String>,
    /// Weight.
    pub weight: Option<Number>,
}

impl RuleValues {
    /// The summary split into its match and action parts (without the `<listener> #<priority>`
    /// prefix), as the provider renders them.
    pub fn match_and_action(&self) -> (String, String) {
        let summary = self.summary.as_deref().unwrap_or("(known after apply)");
        let prefix = format!(
            "{} #{} ",
            self.listener.as_deref().unwrap_or_default(),
            self.priority
                .as_ref()
                .map(Number::to_string)
                .unwrap_or_default()
        );
        let rest = summary.strip_prefix(&prefix).unwrap_or(summary);
        match rest.split_once(" → ") {
            Some((matched, action)) => (matched.to_owned(), action.to_owned()),
            None => (rest.to_owned(), String::new()),
        }
    }

    /// Weights of the forward targets by server group key (the forward action's share of each).
    pub fn weights(&self) -> BTreeMap<String, f64> {
        self.actions
            .iter()
            .filter(|a| a.action_type.as_deref() == Some("ForwardGroup"))
            .flat_map(|a| &a.server_groups)
            .filter_map(|t| Some((t.key.clone()?, t.weight.as_ref()?.as_f64()?)))
            .collect()
    }
}

/// One computed server group.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ServerGroupValues {
    /// Members; `None` while unknown.
    pub members: Option<Vec<MemberValues>>,
    /// Its other attributes (protocol, scheduler, settings, identity), compared as they are.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// The attributes of a server group not shown as its setting changes: identity and names.
pub const SERVER_GROUP_HIDDEN: &[&str] = &["id", "name", "key", "service", "port"];

/// One member of a server group.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct MemberValues {
    /// ECS instance id, or the IP for IP members.
    pub server_id: Option<String>,
    /// IP.
    pub ip: Option<String>,
    /// Port.
    pub port: Option<Number>,
}

impl MemberValues {
    /// What tells members apart: server, IP and port.
    pub fn identity(&self) -> (Option<&str>, Option<&str>, String) {
        (
            self.server_id.as_deref(),
            self.ip.as_deref(),
            self.port
                .as_ref()
                .map(Number::to_string)
                .unwrap_or_default(),
        )
    }
}

/// Null as the type's default (plans write unknown or unset collections as null).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + DeserializeOwned,
{
    let value = Value::deserialize(deserializer)?;
    if value.is_null() {
        return Ok(T::default());
    }
    serde_json::from_value(value).map_err(serde::de::Error::custom)
}

/// A keyed collection: a map (its keys) or a list whose elements name themselves with `key`.
fn keyed_by_key<'de, D, T>(deserializer: D) -> Result<Vec<(String, T)>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    keyed(deserializer, |element| {
        element
            .get("key")
            .and_then(Value::as_str)
            .map(str::to_owned)
    })
}

/// Listener blocks: a map, or a list of blocks named `PROTOCOL:port`.
fn keyed_listeners<'de, D>(deserializer: D) -> Result<Vec<(String, Value)>, D::Error>
where
    D: Deserializer<'de>,
{
    keyed(deserializer, listener_key)
}

/// `PROTOCOL:port` of a listener value.
pub fn listener_key(listener: &Value) -> Option<String> {
    let protocol = listener.get("protocol")?.as_str()?;
    let port = listener.get("port")?.as_number()?;
    Some(format!("{protocol}:{port}"))
}

fn keyed<'de, D, T>(
    deserializer: D,
    key_of: impl Fn(&Value) -> Option<String>,
) -> Result<Vec<(String, T)>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let entries: Vec<(String, Value)> = match Value::deserialize(deserializer)? {
        Value::Object(map) => map.into_iter().collect(),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| (key_of(&item).unwrap_or_else(|| format!("#{i}")), item))
            .collect(),
        _ => Vec::new(),
    };
    entries
        .into_iter()
        .map(|(key, value)| {
            serde_json::from_value(value)
                .map(|v| (key, v))
                .map_err(serde::de::Error::custom)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_read_from_a_map_and_from_a_list() {
        let rule = json!({"listener": "HTTP:80", "priority": 10, "summary": "HTTP:80 #10 path=/a → forward a:80"});
        let mut listed = rule.clone();
        listed["key"] = json!("k1");
        let from_map: IngressValues =
            serde_json::from_value(json!({"rules": {"k1": rule}})).unwrap();
        let from_list: IngressValues = serde_json::from_value(json!({"rules": [listed]})).unwrap();
        assert_eq!(from_map.rules[0].0, "k1");
        assert_eq!(from_list.rules[0].0, "k1");
        assert_eq!(from_map.rules[0].1.priority, from_list.rules[0].1.priority);
    }

    #[test]
    fn unknown_collections_read_as_empty() {
        let v: IngressValues =
            serde_json::from_value(json!({"rules": null, "server_groups": null})).unwrap();
        assert!(v.rules.is_empty() && v.server_groups.is_empty());
        let g: ServerGroupValues = serde_json::from_value(json!({"members": null})).unwrap();
        assert_eq!(g.members, None);
    }

    #[test]
    fn summary_splits_into_match_and_action() {
        let rule: RuleValues = serde_json::from_value(json!({
            "listener": "HTTPS:443", "priority": 101,
            "summary": "HTTPS:443 #101 host=a.example.com path=/api → forward api:80 (80%), v2:80 (20%)",
            "actions": [{"type": "ForwardGroup", "server_groups": [
                {"key": "api:80", "weight": 80}, {"key": "v2:80", "weight": 20}]}]
        }))
        .unwrap();
        let (matched, action) = rule.match_and_action();
        assert_eq!(matched, "host=a.example.com path=/api");
        assert_eq!(action, "forward api:80 (80%), v2:80 (20%)");
        assert_eq!(rule.weights()["v2:80"], 20.0);
    }

    #[test]
    fn listeners_are_named_by_protocol_and_port() {
        let lb: LoadBalancerValues = serde_json::from_value(json!({
            "listener": [{"protocol": "HTTPS", "port": 443}, {"protocol": "HTTP", "port": 80}]
        }))
        .unwrap();
        let keys: Vec<&str> = lb.listener.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["HTTPS:443", "HTTP:80"]);
    }

    #[test]
    fn acl_block_as_object_or_list() {
        let object = json!({"acl": {"type": "White", "entries": ["10.0.0.0/8"], "acl_ids": null}});
        let list = json!({"acl": [{"type": "White", "entries": ["10.0.0.0/8"]}]});
        assert_eq!(
            AclValues::of_listener(&object),
            AclValues::of_listener(&list)
        );
        assert_eq!(AclValues::of_listener(&json!({"acl": null})), None);
    }
}

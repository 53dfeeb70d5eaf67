//! State upgrade (`UpgradeResourceState`). Version 0 stored `rules` and `server_groups` as lists
//! whose elements carried their identity in `key`; version 1 keys both maps by it (the element's
//! `key` attribute is gone: it is the map key), rule keys in today's content form. Versions 0 and
//! 1 read an unset `order` as 10; version 2 records the order in use, so their null `order`
//! becomes 10 (the ingress keeps its band; without it the next plan would choose a new one).
//! Everything else is unchanged.

use tfplugin::diag::Diagnostics;
use tfplugin::provider::{decode_stored_state, unsupported_state_version};
use tfplugin::value::Value;

use model::expand::content_key;

use super::render::keyed_entries;
use super::{schema, TYPE_NAME};

/// The computed attributes that were lists in version 0.
const KEYED: [&str; 2] = ["rules", "server_groups"];

/// What an unset `order` meant before version 2.
const ORDER_BEFORE_VERSION_2: i64 = 10;

/// The stored state `raw_json` of schema `version` in the current shape.
pub(crate) fn upgrade(version: i64, raw_json: &[u8]) -> Result<Value, Diagnostics> {
    let schema = schema::schema();
    match version {
        0 => {
            let json = keyed_v0(raw_json)?;
            decode_stored_state(TYPE_NAME, &schema, &json).map(with_order)
        }
        1 => decode_stored_state(TYPE_NAME, &schema, raw_json).map(with_order),
        v if v == schema.version => decode_stored_state(TYPE_NAME, &schema, raw_json),
        v => Err(unsupported_state_version(TYPE_NAME, &schema, v)),
    }
}

/// A version 0 or 1 state with the order an unset `order` meant.
fn with_order(mut state: Value) -> Value {
    if let Value::Map(m) = &mut state {
        let order = m.entry("order".to_owned()).or_insert(Value::Null);
        if order.is_null() {
            *order = Value::from(ORDER_BEFORE_VERSION_2);
        }
    }
    state
}

/// The `Path` condition values of a version 0 rule element.
fn path_patterns(rule: &serde_json::Value) -> Vec<String> {
    rule["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Path")
        .and_then(|c| c["values"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// Version 0 JSON with `rules` and `server_groups` turned from lists into objects by `key`
/// (rule keys of release 0.1 hold a path's position instead of the path: they become the
/// content keys of today, [`content_key`]).
/// Entries without a key or with a key already taken are kept, under `<key> (<id>)`, as the
/// read that follows renders them.
fn keyed_v0(raw_json: &[u8]) -> Result<Vec<u8>, Diagnostics> {
    let invalid = |e: serde_json::Error| -> Diagnostics {
        tfplugin::diag::Diagnostic::error(
            "Invalid stored state",
            format!("{TYPE_NAME} (schema version 0): {e}"),
        )
        .into()
    };
    let mut state: serde_json::Value = serde_json::from_slice(raw_json).map_err(invalid)?;
    if let Some(object) = state.as_object_mut() {
        for name in KEYED {
            let Some(serde_json::Value::Array(items)) = object.remove(name) else {
                continue;
            };
            let entries = items.into_iter().map(|mut item| {
                let text = |v: Option<serde_json::Value>| {
                    v.and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                };
                let mut key = text(item.as_object_mut().and_then(|o| o.remove("key")));
                if name == "rules" {
                    key = content_key(&key, &path_patterns(&item));
                }
                let id = text(item.get("id").cloned());
                (key, id, item)
            });
            let map = keyed_entries(entries).into_iter().collect();
            object.insert(name.to_owned(), serde_json::Value::Object(map));
        }
    }
    serde_json::to_vec(&state).map_err(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A version 0 state as the release before keyed maps wrote it (abridged to what matters:
    /// the decoder fills missing attributes with null).
    fn v0() -> serde_json::Value {
        let rule = |key: &str, id: &str, priority: i64| {
            json!({
                "listener": "HTTPS:443", "listener_id": "lsn-1", "priority": priority,
                "name": format!("k8s-{priority}"), "id": id, "key": key,
                "summary": format!("HTTPS:443 #{priority} → forward api:80"),
                "conditions": [{"type": "Path", "key": "", "values": ["/api"]}],
                "actions": [{"type": "ForwardGroup", "order": 1,
                    "server_groups": [{"key": "api:80", "id": "sgp-1", "weight": 100}],
                    "config": {}}]
            })
        };
        json!({
            "id": "alb-1/shop/web", "alb_config_id": "alb-1", "namespace": "shop", "name": "web",
            "order": null, "tls_hosts": null, "ssl_redirect": null, "use_regex": null,
            "rules": [
                rule("HTTPS:443 path=Prefix#0", "rule-1", 11),
                rule("HTTPS:443 path=Exact#0", "rule-2", 12),
                rule("HTTPS:443 path=Exact#0", "rule-3", 13),
            ],
            "server_groups": [{
                "key": "api:80", "service": "api", "port": "80", "id": "sgp-1",
                "name": "k8s-shop-web-api-80", "protocol": "HTTP", "scheduler": "Wrr",
                "member_mode": "ip", "attributes": {"health_check.enabled": "false"},
                "members": [{"server_id": "eni-1", "ip": "10.0.0.1", "port": 8080,
                    "weight": 100, "type": "Eni"}]
            }],
            "rule": [{"host": null, "path": [{"path": "/api", "path_type": "Prefix",
                "backend": [{"service": "api", "port": "80", "weight": null}]}]}],
            "timeouts": null
        })
    }

    #[test]
    fn version_0_lists_become_maps_by_key() {
        let raw = serde_json::to_vec(&v0()).unwrap();
        let state = upgrade(0, &raw).unwrap();
        let rules = state.get("rules").as_map().expect("rules is a map");
        assert_eq!(
            rules.keys().map(String::as_str).collect::<Vec<_>>(),
            // Exact `/api` fits its Path condition: today's content key. A Prefix path's
            // condition is `/api` and `/api/*`; this one's does not fit and keeps its key.
            [
                "HTTPS:443 path=Exact:/api",
                "HTTPS:443 path=Exact:/api (rule-3)",
                "HTTPS:443 path=Prefix#0"
            ]
        );
        let api = &rules["HTTPS:443 path=Prefix#0"];
        assert_eq!(api.get("id").as_str(), Some("rule-1"));
        assert_eq!(api.get("priority").as_i64(), Some(11));
        assert!(api.get("key").is_null(), "no key attribute inside");
        let forward = &api.get("actions").as_list().unwrap()[0];
        assert_eq!(
            forward.get("server_groups").as_list().unwrap()[0]
                .get("key")
                .as_str(),
            Some("api:80"),
            "references to groups keep their key"
        );
        let groups = state.get("server_groups").as_map().expect("a map");
        let api = &groups["api:80"];
        assert_eq!(api.get("id").as_str(), Some("sgp-1"));
        assert_eq!(api.get("service").as_str(), Some("api"));
        assert_eq!(
            api.get("members").as_list().unwrap()[0].get("ip").as_str(),
            Some("10.0.0.1")
        );
        // The configuration is untouched.
        assert_eq!(
            state.get("rule").as_list().unwrap()[0]
                .get("path")
                .as_list()
                .unwrap()[0]
                .get("path")
                .as_str(),
            Some("/api")
        );
        assert_eq!(state.get("namespace").as_str(), Some("shop"));
        assert_eq!(state.get("order").as_i64(), Some(10), "the order in use");
    }

    #[test]
    fn version_1_records_the_order_an_unset_order_meant() {
        let v1 = upgrade(0, &serde_json::to_vec(&v0()).unwrap()).unwrap();
        let mut json = v1.to_json().unwrap();
        json["order"] = serde_json::Value::Null;
        let state = upgrade(1, &serde_json::to_vec(&json).unwrap()).unwrap();
        assert_eq!(state.get("order").as_i64(), Some(10));
        json["order"] = json!(7);
        let state = upgrade(1, &serde_json::to_vec(&json).unwrap()).unwrap();
        assert_eq!(state.get("order").as_i64(), Some(7), "a set order stays");
    }

    #[test]
    fn empty_and_missing_lists_become_empty_maps_or_null() {
        let mut v0 = v0();
        v0["rules"] = json!([]);
        v0.as_object_mut().unwrap().remove("server_groups");
        let state = upgrade(0, &serde_json::to_vec(&v0).unwrap()).unwrap();
        assert_eq!(state.get("rules").as_map().map(|m| m.len()), Some(0));
        assert!(state.get("server_groups").is_null());
    }

    #[test]
    fn the_current_version_decodes_as_is_and_others_are_refused() {
        let raw = serde_json::to_vec(&v0()).unwrap();
        let current = upgrade(0, &raw).unwrap();
        let json = serde_json::to_vec(&current.to_json().unwrap()).unwrap();
        assert_eq!(upgrade(schema::VERSION, &json).unwrap(), current);
        let refused = upgrade(schema::VERSION + 1, &json).unwrap_err();
        assert!(
            refused
                .iter()
                .any(|d| d.summary == "Unsupported state version"),
            "{refused:?}"
        );
        let broken = upgrade(0, b"{not json").unwrap_err();
        assert!(broken.iter().any(|d| d.summary == "Invalid stored state"));
    }
}

//! Stored states of older `alb_config` schema versions, brought to the current one.
//!
//! * Versions 0 and 1 stored `listener` as a list of blocks with `protocol` and `port`;
//!   version 2 keys the blocks by their label `PROTOCOL:port`, which replaces both attributes.
//!   An element without a valid protocol and port is dropped (the read that follows shows the
//!   listener if it exists); two elements with one label cannot have been stored (validation
//!   refused them), the first would be kept.
//! * Version 0 kept `address_type`, `edition`, `address_ip_version`, `address_allocated_mode`
//!   and `deletion_protection` null when the load balancer had the default value; so a
//!   version-0 null is that default. Later versions plan unset attributes as their default, and
//!   without this step a plan with `-refresh=false` would show each of them changing from null
//!   to the default.

use model::desired::ListenerKey;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{decode_stored_state, unsupported_state_version};
use tfplugin::value::Value;

use super::{schema, TYPE_NAME};

/// The current state from the raw JSON of a state stored at schema `version`.
pub(crate) fn upgrade(version: i64, raw_json: &[u8]) -> Result<Value, Diagnostics> {
    let schema = schema::schema();
    let state = match version {
        0 | 1 => {
            let json = labelled_listeners(version, raw_json)?;
            decode_stored_state(TYPE_NAME, &schema, &json)?
        }
        v if v == schema.version => return decode_stored_state(TYPE_NAME, &schema, raw_json),
        v => return Err(unsupported_state_version(TYPE_NAME, &schema, v)),
    };
    let Value::Map(mut state) = state else {
        return Ok(state);
    };
    if version == 0 {
        for (name, default) in schema::defaults() {
            if state.get(name).is_none_or(Value::is_null) {
                state.insert(name.to_owned(), default);
            }
        }
    }
    Ok(Value::Map(state))
}

/// The JSON of a version 0 or 1 state with its `listener` list turned into an object keyed by
/// `PROTOCOL:port`, without `protocol` and `port` in the elements.
fn labelled_listeners(version: i64, raw_json: &[u8]) -> Result<Vec<u8>, Diagnostics> {
    let invalid = |e: serde_json::Error| -> Diagnostics {
        Diagnostic::error(
            "Invalid stored state",
            format!("{TYPE_NAME} (schema version {version}): {e}"),
        )
        .into()
    };
    let mut state: serde_json::Value = serde_json::from_slice(raw_json).map_err(invalid)?;
    if let Some(object) = state.as_object_mut() {
        if let Some(serde_json::Value::Array(items)) = object.get_mut("listener") {
            let items = std::mem::take(items);
            let mut listeners = serde_json::Map::new();
            for mut item in items {
                let Some(block) = item.as_object_mut() else {
                    continue;
                };
                let (protocol, port) = (block.remove("protocol"), block.remove("port"));
                let label = format!(
                    "{}:{}",
                    protocol
                        .as_ref()
                        .and_then(|p| p.as_str())
                        .unwrap_or_default(),
                    port.as_ref().and_then(|p| p.as_u64()).unwrap_or_default()
                );
                if label.parse::<ListenerKey>().is_ok() && !listeners.contains_key(&label) {
                    listeners.insert(label, item);
                }
            }
            object.insert("listener".to_owned(), listeners.into());
        }
    }
    serde_json::to_vec(&state).map_err(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state as version 0 of the provider wrote it (from `terraform show -json` of a state
    /// created with schema version 0, trimmed to one listener). Version 1 differs only in the
    /// defaults.
    const VERSION_0: &str = r#"{
        "id": "alb-1", "name": "web", "vpc_id": "vpc-1",
        "address_type": null, "edition": "Basic", "address_ip_version": null,
        "address_allocated_mode": null, "resource_group_id": null,
        "bandwidth_package_id": null, "deletion_protection": null,
        "tags": {"team": "web"}, "dns_name": "alb-1.example", "status": "Active",
        "zone_mapping": [
            {"zone_id": "a", "vswitch_id": "v1", "allocation_id": null, "eip_type": null, "intranet_address": null},
            {"zone_id": "b", "vswitch_id": "v2", "allocation_id": null, "eip_type": null, "intranet_address": null}
        ],
        "access_log": null,
        "listener": [{
            "port": 80, "protocol": "HTTP", "description": null, "certificate_ids": null,
            "ca_certificate_ids": null, "security_policy_id": null, "idle_timeout": null,
            "request_timeout": null, "http2": null, "gzip": null, "id": "lsn-1",
            "default_server_group_id": "sgp-1", "x_forwarded_for": null, "acl": null, "quic": null
        }],
        "timeouts": null
    }"#;

    #[test]
    fn version_0_nulls_become_the_defaults_and_set_values_stay() {
        let state = upgrade(0, VERSION_0.as_bytes()).expect("upgrades");
        assert_eq!(state.get("address_type").as_str(), Some("Internet"));
        assert_eq!(state.get("address_ip_version").as_str(), Some("IPv4"));
        assert_eq!(
            state.get("address_allocated_mode").as_str(),
            Some("Dynamic")
        );
        assert_eq!(state.get("deletion_protection").as_bool(), Some(false));
        assert_eq!(
            state.get("edition").as_str(),
            Some("Basic"),
            "set value kept"
        );
        assert!(state.get("resource_group_id").is_null(), "read fills it");
        let listeners = state.get("listener").as_map().expect("listeners keyed");
        assert_eq!(listeners.keys().collect::<Vec<_>>(), ["HTTP:80"]);
        let listener = &listeners["HTTP:80"];
        assert_eq!(listener.get("id").as_str(), Some("lsn-1"));
        assert_eq!(
            listener.get("default_server_group_id").as_str(),
            Some("sgp-1")
        );
        assert!(listener.get("port").is_null() && listener.get("protocol").is_null());
        assert_eq!(
            state.get("zone_mapping").as_list().map(<[Value]>::len),
            Some(2)
        );
    }

    #[test]
    fn version_1_listener_lists_become_maps_by_label_keeping_every_value() {
        let mut v1: serde_json::Value = serde_json::from_str(VERSION_0).unwrap();
        v1["address_type"] = "Intranet".into();
        let https = serde_json::json!({
            "port": 443, "protocol": "HTTPS", "certificate_ids": ["c-1", "c-2"],
            "idle_timeout": 30, "id": "lsn-2", "default_server_group_id": "sgp-2",
            "acl": {"type": "White", "entries": ["10.0.0.0/8"], "acl_ids": null}
        });
        let broken = serde_json::json!({"port": 0, "protocol": "HTTP", "id": "lsn-x"});
        v1["listener"].as_array_mut().unwrap().insert(0, https);
        v1["listener"].as_array_mut().unwrap().push(broken);
        let state = upgrade(1, &serde_json::to_vec(&v1).unwrap()).expect("upgrades");
        let listeners = state.get("listener").as_map().expect("keyed");
        assert_eq!(
            listeners.keys().collect::<Vec<_>>(),
            ["HTTP:80", "HTTPS:443"],
            "the element without a valid key is dropped"
        );
        let https = &listeners["HTTPS:443"];
        assert_eq!(https.get("id").as_str(), Some("lsn-2"));
        assert_eq!(https.get("idle_timeout").as_i64(), Some(30));
        assert_eq!(
            https
                .get("acl")
                .get("entries")
                .as_list()
                .map(<[Value]>::len),
            Some(1)
        );
        assert_eq!(state.get("address_type").as_str(), Some("Intranet"));
        assert!(
            state.get("address_ip_version").is_null(),
            "version 1 nulls are not version 0 defaults"
        );
    }

    #[test]
    fn current_states_pass_and_unknown_versions_fail() {
        let current = upgrade(0, VERSION_0.as_bytes()).expect("upgrades");
        let json = current.to_json().expect("known").to_string();
        assert_eq!(
            upgrade(schema::VERSION, json.as_bytes()).ok().as_ref(),
            Some(&current)
        );
        let listeners =
            |state: Result<Value, Diagnostics>| state.ok().map(|s| s.get("listener").clone());
        assert_eq!(
            listeners(upgrade(1, json.as_bytes())),
            Some(current.get("listener").clone()),
            "listeners already keyed stay"
        );
        let d = upgrade(schema::VERSION + 1, json.as_bytes()).expect_err("future version");
        assert_eq!(d.0[0].summary, "Unsupported state version", "{d:?}");
        assert!(upgrade(0, b"{not json").is_err());
    }
}

//! Stored states of older `alb_config` schema versions, brought to the current one.
//!
//! Version 0 kept `address_type`, `edition`, `address_ip_version`, `address_allocated_mode` and
//! `deletion_protection` null when the load balancer had the default value, and had the same
//! types as version 1; so a version-0 null is that default. Version 1 plans unset attributes as
//! their default, and without this step a plan with `-refresh=false` would show each of them
//! changing from null to the default.

use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::value::{json, Value};

use super::schema;

/// The current state from the raw JSON of a state stored at schema `version`.
pub(crate) fn upgrade(version: i64, raw_json: &[u8]) -> Result<Value, Diagnostics> {
    if !(0..=schema::VERSION).contains(&version) {
        return Err(Diagnostic::error(
            "Unsupported state version",
            format!(
                "alb_config has schema version {} and cannot upgrade state of version {version}; \
                 use a newer provider.",
                schema::VERSION
            ),
        )
        .into());
    }
    let state = json::decode_block_state(raw_json, &schema::schema().block).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Invalid stored state",
            format!("alb_config (schema version {version}): {e}"),
        ))
    })?;
    if version > 0 {
        return Ok(state);
    }
    let Value::Map(mut state) = state else {
        return Ok(state);
    };
    for (name, default) in schema::defaults() {
        if state.get(name).is_none_or(Value::is_null) {
            state.insert(name.to_owned(), default);
        }
    }
    Ok(Value::Map(state))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state as version 0 of the provider wrote it (from `terraform show -json` of a state
    /// created with schema version 0, trimmed to one listener).
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
        let listener = &state.get("listener").as_list().unwrap_or_default()[0];
        assert_eq!(listener.get("id").as_str(), Some("lsn-1"));
        assert_eq!(
            state.get("zone_mapping").as_list().map(<[Value]>::len),
            Some(2)
        );
    }

    #[test]
    fn current_states_pass_and_unknown_versions_fail() {
        let current = upgrade(0, VERSION_0.as_bytes()).expect("upgrades");
        let json = current.to_json().expect("known").to_string();
        assert_eq!(
            upgrade(schema::VERSION, json.as_bytes()).ok(),
            Some(current)
        );
        let d = upgrade(schema::VERSION + 1, json.as_bytes()).expect_err("future version");
        assert!(d.0[0].detail.contains("use a newer provider"), "{d:?}");
        assert!(upgrade(0, b"{not json").is_err());
    }
}

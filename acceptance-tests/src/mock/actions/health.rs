//! GetListenerHealthStatus: the health-check results of the servers behind a listener (the
//! groups its default action forwards to) and, with `IncludeRule=true`, behind each of its rules.
//!
//! [INF] The reference describes the shape, not when a server changes state; the mock takes the
//! strict reading. Only servers that are not healthy are listed (`NonNormalServers`). In a group
//! with health checks on (`HealthCheckEnabled` `on`) a server is `Initial` from its add until
//! `HealthyThreshold` checks `HealthCheckInterval` seconds apart have passed after the add
//! finished, `Unused` at weight 0, healthy (not listed) after that; a test pins a server's health
//! with `PUT /__mock/health` (`Healthy`, `Unhealthy`, `Initial`), which wins over the clock. A
//! group with health checks off reports `HealthCheckEnabled` `off` and each server
//! `Unavailable`. Servers being removed are left out. One page: `MaxResults` (1–30) is checked,
//! no `NextToken` is returned.

use serde_json::{json, Map, Value};

use super::{listener, object, Ctx};
use crate::mock::error::ApiResult;
use crate::mock::model::{Millis, Server, ServerGroup, Store};
use crate::mock::params::Scope;

/// Largest `MaxResults`.
const MAX_RESULTS: i64 = 30;

/// Health a test may pin on a server.
pub const PINNABLE: &[&str] = &["Healthy", "Unhealthy", "Initial"];

/// The key of a pinned health in [`Store::health_pins`].
pub fn pin_key(group: &str, server_id: &str) -> String {
    format!("{group}/{server_id}")
}

/// GetListenerHealthStatus.
pub fn get(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("ListenerId")?;
    let include_rule = p.bool("IncludeRule")?.unwrap_or(false);
    p.int_in("MaxResults", 1, MAX_RESULTS)?;
    let l = listener(ctx.state, id)?;
    let store = &ctx.state.store;
    let now = ctx.now;
    let infos = |owner: &str| -> Vec<Value> {
        store
            .forward_targets(owner)
            .iter()
            .filter_map(|g| store.server_groups.get(g))
            .map(|g| group_health(store, g, now))
            .collect()
    };
    let mut out = object(json!({
        "ListenerHealthStatus": [{
            "ListenerId": l.id,
            "ListenerPort": l.port,
            "ListenerProtocol": l.protocol,
            "ServerGroupInfos": infos(&l.id),
        }],
    }));
    if include_rule {
        let rules: Vec<Value> = store
            .rules_of(&l.id)
            .map(|r| json!({"RuleId": r.id, "ServerGroupInfos": infos(&r.id)}))
            .collect();
        out.insert("RuleHealthStatus".into(), Value::Array(rules));
    }
    Ok(out)
}

/// One `ServerGroupInfos` item.
fn group_health(store: &Store, g: &ServerGroup, now: Millis) -> Value {
    let config = g.attrs.get("HealthCheckConfig");
    let setting = |name: &str| config.and_then(|c| c.get(name));
    let checked = setting("HealthCheckEnabled").and_then(Value::as_bool) == Some(true);
    let int = |name: &str, default: u64| setting(name).and_then(Value::as_u64).unwrap_or(default);
    let settle_ms = int("HealthCheckInterval", 2) * int("HealthyThreshold", 3) * 1000;
    let servers: Vec<Value> = g
        .servers
        .iter()
        .filter(|s| s.phase.status("Available", now) != "Removing")
        .filter_map(|s| {
            let status = if checked {
                let pinned = store.health_pins.get(&pin_key(&g.id, &s.server_id));
                server_status(s, pinned.map(String::as_str), settle_ms, now)?
            } else {
                "Unavailable"
            };
            Some(non_normal(s, status))
        })
        .collect();
    json!({
        "ServerGroupId": g.id,
        "HealthCheckEnabled": if checked { "on" } else { "off" },
        "NonNormalServers": servers,
    })
}

/// The status of a server of a health-checked group, `None` when healthy.
fn server_status(
    s: &Server,
    pinned: Option<&str>,
    settle_ms: Millis,
    now: Millis,
) -> Option<&'static str> {
    match pinned {
        Some("Healthy") => None,
        Some("Unhealthy") => Some("Unhealthy"),
        Some(_) => Some("Initial"),
        None if s.weight == 0 => Some("Unused"),
        None if now < s.checked_from_ms.saturating_add(settle_ms) => Some("Initial"),
        None => None,
    }
}

/// One `NonNormalServers` item.
fn non_normal(s: &Server, status: &str) -> Value {
    let mut out = object(json!({"ServerId": s.server_id, "Status": status}));
    if let Some(port) = s.port {
        out.insert("Port".into(), json!(port));
    }
    if let Some(ip) = &s.server_ip {
        out.insert("ServerIp".into(), json!(ip));
    }
    if status == "Unhealthy" {
        out.insert("Reason".into(), json!({"ReasonCode": "CONNECT_FAIL"}));
    }
    Value::Object(out)
}

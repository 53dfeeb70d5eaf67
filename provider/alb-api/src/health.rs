//! `GetListenerHealthStatus`: the health-check results of the servers behind a listener and,
//! with `IncludeRule`, behind its forwarding rules. Only servers that are not healthy are listed.
//!
//! [`Client::list_all`] follows `NextToken` and yields the server groups of every page, those of
//! the listener and those of its rules alike ([`ServerGroupHealth`]).

use serde::{Deserialize, Serialize};

use crate::paging::{ListRequest, Page};

/// Largest `MaxResults` the action accepts.
const MAX_PAGE: i32 = 30;

/// `GetListenerHealthStatus` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetListenerHealthStatusRequest {
    /// Listener id.
    pub listener_id: String,
    /// Also the health behind the listener's rules.
    pub include_rule: Option<bool>,
    /// Page size (1–30).
    pub max_results: Option<i32>,
    /// Page token.
    pub next_token: Option<String>,
}

/// `GetListenerHealthStatus` response page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetListenerHealthStatusResponse {
    /// Request id.
    pub request_id: String,
    /// The server groups behind the listener's default action.
    pub listener_health_status: Vec<ListenerHealthStatus>,
    /// The server groups behind each rule (with `IncludeRule`).
    pub rule_health_status: Vec<RuleHealthStatus>,
    /// Next page token.
    pub next_token: Option<String>,
}

/// The health behind one listener.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListenerHealthStatus {
    /// Listener id.
    pub listener_id: String,
    /// Listener port.
    pub listener_port: Option<i64>,
    /// Listener protocol.
    pub listener_protocol: Option<String>,
    /// Its server groups.
    pub server_group_infos: Vec<ServerGroupHealth>,
}

/// The health behind one rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RuleHealthStatus {
    /// Rule id.
    pub rule_id: String,
    /// Its server groups.
    pub server_group_infos: Vec<ServerGroupHealth>,
}

/// The health of one server group behind a listener or rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServerGroupHealth {
    /// Server group id.
    pub server_group_id: String,
    /// `on` when the group's health checks are on.
    pub health_check_enabled: Option<String>,
    /// `ForwardGroup` or `TrafficMirror`.
    pub action_type: Option<String>,
    /// The servers that are not healthy.
    pub non_normal_servers: Vec<ServerHealth>,
}

impl ServerGroupHealth {
    /// Whether the group's health checks are on. [INF] the reference shows `on`; the client
    /// also accepts `true` and any letter case.
    pub fn checked(&self) -> bool {
        self.health_check_enabled
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("on") || v.eq_ignore_ascii_case("true"))
    }
}

/// A server that is not healthy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServerHealth {
    /// Instance id, or the IP in Ip groups.
    pub server_id: String,
    /// Private IP (Eni/Eci).
    pub server_ip: Option<String>,
    /// Backend port.
    pub port: Option<i64>,
    /// `Initial` (no result yet), `Unhealthy`, `Unused` (weight 0), `Unavailable` (checks off).
    pub status: Option<String>,
    /// Why, for `Unhealthy`.
    pub reason: Option<HealthReason>,
}

impl ServerHealth {
    /// Whether the server may serve, as far as its health goes: only `Unused` (weight 0, never
    /// checked) and `Unavailable` (checks off) say nothing against it. `Initial`, `Unhealthy`
    /// and statuses the reference does not list count as not healthy.
    pub fn may_serve(&self) -> bool {
        matches!(self.status.as_deref(), Some("Unused" | "Unavailable"))
    }
}

/// The cause of an unhealthy state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HealthReason {
    /// `CONNECT_TIMEOUT`, `CONNECT_FAIL`, `RECV_RESPONSE_TIMEOUT`, `RESPONSE_MISMATCH`, ….
    pub reason_code: Option<String>,
    /// Expected response (`RESPONSE_MISMATCH`).
    pub expected_response: Option<String>,
    /// Actual response (`RESPONSE_MISMATCH`).
    pub actual_response: Option<String>,
}

impl ListRequest for GetListenerHealthStatusRequest {
    const ACTION: &'static str = "GetListenerHealthStatus";
    type Response = GetListenerHealthStatusResponse;
    fn set_next_token(&mut self, token: Option<String>) {
        self.next_token = token;
    }
    fn set_default_page_size(&mut self, size: i32) {
        self.max_results.get_or_insert(size.min(MAX_PAGE));
    }
}

impl Page for GetListenerHealthStatusResponse {
    type Item = ServerGroupHealth;
    fn next_token(&self) -> Option<&str> {
        self.next_token.as_deref()
    }
    fn into_items(self) -> Vec<ServerGroupHealth> {
        self.listener_health_status
            .into_iter()
            .flat_map(|l| l.server_group_infos)
            .chain(
                self.rule_health_status
                    .into_iter()
                    .flat_map(|r| r.server_group_infos),
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::flatten;

    #[test]
    fn a_page_yields_the_groups_of_the_listener_and_its_rules() {
        let page: GetListenerHealthStatusResponse = serde_json::from_value(serde_json::json!({
            "RequestId": "r",
            "ListenerHealthStatus": [{"ListenerId": "lsn-1", "ListenerPort": 80,
                "ServerGroupInfos": [{"ServerGroupId": "sgp-1", "HealthCheckEnabled": "on",
                    "NonNormalServers": [{"ServerId": "10.0.0.1", "Port": 8080,
                        "Status": "Unhealthy", "Reason": {"ReasonCode": "CONNECT_FAIL"}}]}]}],
            "RuleHealthStatus": [{"RuleId": "rule-1",
                "ServerGroupInfos": [{"ServerGroupId": "sgp-2", "HealthCheckEnabled": "off"}]}],
        }))
        .unwrap();
        let groups = page.into_items();
        assert_eq!(groups.len(), 2);
        assert!(groups[0].checked() && !groups[1].checked());
        let server = &groups[0].non_normal_servers[0];
        assert_eq!((server.port, server.may_serve()), (Some(8080), false));
        let status = |s: &str| ServerHealth {
            status: Some(s.into()),
            ..Default::default()
        };
        assert!(status("Unused").may_serve() && status("Unavailable").may_serve());
        assert!(!status("Initial").may_serve() && !status("Draining").may_serve());
    }

    #[test]
    fn the_page_size_stays_within_the_action_limit() {
        let mut request = GetListenerHealthStatusRequest {
            listener_id: "lsn-1".into(),
            include_rule: Some(true),
            ..Default::default()
        };
        request.set_default_page_size(100);
        let params = flatten(&request).unwrap();
        assert!(params.contains(&("MaxResults".to_owned(), "30".to_owned())));
        assert!(params.contains(&("IncludeRule".to_owned(), "true".to_owned())));
    }
}

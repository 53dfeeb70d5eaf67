//! Server groups and their backend servers: types and actions.

use serde::{Deserialize, Serialize};

use crate::common::{list_action, read_actions, write_actions, JobResponse, Tag};

/// `HealthCheckConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HealthCheckConfig {
    /// Health checks on (required on create).
    pub health_check_enabled: Option<bool>,
    /// `HTTP`, `HTTPS`, `TCP`, `gRPC`.
    pub health_check_protocol: Option<String>,
    /// `HEAD`, `GET`, `POST`.
    pub health_check_method: Option<String>,
    /// Path (starts with `/`).
    pub health_check_path: Option<String>,
    /// Host header.
    pub health_check_host: Option<String>,
    /// `HTTP1.0` or `HTTP1.1`.
    pub health_check_http_version: Option<String>,
    /// Port (0 = the server's port).
    pub health_check_connect_port: Option<i64>,
    /// Interval seconds (1–50).
    pub health_check_interval: Option<i64>,
    /// Timeout seconds (1–300).
    pub health_check_timeout: Option<i64>,
    /// Successes to become healthy (2–10).
    pub healthy_threshold: Option<i64>,
    /// Failures to become unhealthy (2–10).
    pub unhealthy_threshold: Option<i64>,
    /// Healthy codes (`http_2xx`, …).
    pub health_check_codes: Vec<String>,
}

/// `StickySessionConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct StickySessionConfig {
    /// Sticky sessions on.
    pub sticky_session_enabled: Option<bool>,
    /// `Insert` or `Server`.
    pub sticky_session_type: Option<String>,
    /// Cookie lifetime (Insert).
    pub cookie_timeout: Option<i64>,
    /// Cookie name (Server).
    pub cookie: Option<String>,
}

/// `ConnectionDrainConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ConnectionDrainConfig {
    /// Draining on.
    pub connection_drain_enabled: Option<bool>,
    /// Seconds (0–900).
    pub connection_drain_timeout: Option<i64>,
}

/// `SlowStartConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SlowStartConfig {
    /// Slow start on.
    pub slow_start_enabled: Option<bool>,
    /// Seconds (30–900).
    pub slow_start_duration: Option<i64>,
}

/// `UchConfig` (consistent hashing by URL parameter).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UchConfig {
    /// `QueryString`.
    pub r#type: String,
    /// Parameter name.
    pub value: String,
}

/// A server group as returned by `ListServerGroups`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServerGroup {
    /// Id (`sgp-…`).
    pub server_group_id: String,
    /// Name.
    pub server_group_name: Option<String>,
    /// `Creating`, `Available`, `Configuring`, `Deleting`.
    pub server_group_status: String,
    /// `Instance`, `Ip`, `Fc`.
    pub server_group_type: Option<String>,
    /// `HTTP`, `HTTPS`, `gRPC`.
    pub protocol: Option<String>,
    /// `Wrr`, `Wlc`, `Sch`, `Uch`.
    pub scheduler: Option<String>,
    /// VPC.
    pub vpc_id: Option<String>,
    /// Health check.
    pub health_check_config: Option<HealthCheckConfig>,
    /// Sticky sessions.
    pub sticky_session_config: Option<StickySessionConfig>,
    /// Connection draining.
    pub connection_drain_config: Option<ConnectionDrainConfig>,
    /// Slow start.
    pub slow_start_config: Option<SlowStartConfig>,
    /// URL hashing.
    pub uch_config: Option<UchConfig>,
    /// Cross-zone balancing.
    pub cross_zone_enabled: Option<bool>,
    /// IPv6.
    pub ipv6_enabled: Option<bool>,
    /// Upstream keep-alive.
    pub upstream_keepalive_enabled: Option<bool>,
    /// Service name.
    pub service_name: Option<String>,
    /// Managed by an AlbConfig.
    pub config_managed_enabled: Option<bool>,
    /// Load balancers using the group.
    pub related_load_balancer_ids: Vec<String>,
    /// Number of servers.
    pub server_count: Option<i64>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Creation time.
    pub create_time: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
}

/// `CreateServerGroup` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateServerGroupRequest {
    /// Name (required).
    pub server_group_name: String,
    /// Health check (required: at least `HealthCheckEnabled`).
    pub health_check_config: HealthCheckConfig,
    /// `Instance` (default), `Ip`, `Fc`.
    pub server_group_type: Option<String>,
    /// `HTTP` (default), `HTTPS`, `gRPC`.
    pub protocol: Option<String>,
    /// VPC (Instance/Ip).
    pub vpc_id: Option<String>,
    /// `Wrr` (default), `Wlc`, `Sch`, `Uch`.
    pub scheduler: Option<String>,
    /// Sticky sessions.
    pub sticky_session_config: Option<StickySessionConfig>,
    /// Connection draining.
    pub connection_drain_config: Option<ConnectionDrainConfig>,
    /// Slow start.
    pub slow_start_config: Option<SlowStartConfig>,
    /// URL hashing (Uch).
    pub uch_config: Option<UchConfig>,
    /// Cross-zone balancing.
    pub cross_zone_enabled: Option<bool>,
    /// IPv6.
    pub ipv6_enabled: Option<bool>,
    /// Upstream keep-alive.
    pub upstream_keepalive_enabled: Option<bool>,
    /// Service name.
    pub service_name: Option<String>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Tags.
    pub tag: Vec<Tag>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `CreateServerGroup` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateServerGroupResponse {
    /// Request id.
    pub request_id: String,
    /// New server group id.
    pub server_group_id: String,
    /// Async job.
    pub job_id: Option<String>,
}

/// `ListServerGroups` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListServerGroupsRequest {
    /// Filter by ids.
    pub server_group_ids: Vec<String>,
    /// Filter by names (≤10).
    pub server_group_names: Vec<String>,
    /// Filter by type.
    pub server_group_type: Option<String>,
    /// Filter by VPC.
    pub vpc_id: Option<String>,
    /// Filter by resource group.
    pub resource_group_id: Option<String>,
    /// Filter by tags (≤10).
    pub tag: Vec<Tag>,
    /// Page size.
    pub max_results: Option<i32>,
    /// Page token.
    pub next_token: Option<String>,
}

/// `ListServerGroups` response page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListServerGroupsResponse {
    /// Request id.
    pub request_id: String,
    /// Server groups of this page.
    pub server_groups: Vec<ServerGroup>,
    /// Next page token.
    pub next_token: Option<String>,
    /// Total count.
    pub total_count: Option<i64>,
}

list_action!(
    "ListServerGroups",
    ListServerGroupsRequest,
    ListServerGroupsResponse,
    server_groups,
    ServerGroup
);

/// `UpdateServerGroupAttribute` request; unset fields are unchanged (type, protocol, VPC and
/// IPv6 are immutable).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateServerGroupAttributeRequest {
    /// Server group id (required).
    pub server_group_id: String,
    /// Name.
    pub server_group_name: Option<String>,
    /// Scheduler.
    pub scheduler: Option<String>,
    /// Health check.
    pub health_check_config: Option<HealthCheckConfig>,
    /// Sticky sessions.
    pub sticky_session_config: Option<StickySessionConfig>,
    /// Connection draining.
    pub connection_drain_config: Option<ConnectionDrainConfig>,
    /// Slow start.
    pub slow_start_config: Option<SlowStartConfig>,
    /// URL hashing.
    pub uch_config: Option<UchConfig>,
    /// Cross-zone balancing.
    pub cross_zone_enabled: Option<bool>,
    /// Upstream keep-alive.
    pub upstream_keepalive_enabled: Option<bool>,
    /// Service name.
    pub service_name: Option<String>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `DeleteServerGroup` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteServerGroupRequest {
    /// Server group id.
    pub server_group_id: String,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// A backend server in a request (`Servers.N`, `AddedServers.N`, `RemovedServers.N`).
/// Identity is (`ServerId`, `ServerIp`, `Port`, `ServerType`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct BackendServer {
    /// Instance/ENI/ECI id, the IP for `Ip` groups, the function ARN for `Fc`.
    pub server_id: String,
    /// `Ecs`, `Eni`, `Eci`, `Ip`, `Fc`.
    pub server_type: String,
    /// Private IP (ENI/ECI).
    pub server_ip: Option<String>,
    /// Port 1–65535 (not for Fc).
    pub port: Option<i64>,
    /// Weight 0–100 (the SDK documents default 100).
    pub weight: Option<i64>,
    /// Description.
    pub description: Option<String>,
    /// Remote IP (Ip type only).
    pub remote_ip_enabled: Option<bool>,
}

/// A backend server as listed by `ListServerGroupServers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServerGroupServer {
    /// The group.
    pub server_group_id: String,
    /// The server.
    #[serde(flatten)]
    pub server: BackendServer,
    /// `Adding`, `Available`, `Configuring`, `Removing`, `Replacing`.
    pub status: Option<String>,
}

/// `AddServersToServerGroup` / `RemoveServersFromServerGroup` /
/// `UpdateServerGroupServersAttribute` request (≤200, ≤200, ≤40 servers; see the `*_batched`
/// helpers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServersRequest {
    /// Server group id.
    pub server_group_id: String,
    /// Servers.
    pub servers: Vec<BackendServer>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `ReplaceServersInServerGroup` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplaceServersRequest {
    /// Server group id.
    pub server_group_id: String,
    /// Servers to add (form body).
    pub added_servers: Vec<BackendServer>,
    /// Servers to remove (query).
    pub removed_servers: Vec<BackendServer>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `ListServerGroupServers` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListServerGroupServersRequest {
    /// Server group id.
    pub server_group_id: Option<String>,
    /// Filter by server ids.
    pub server_ids: Vec<String>,
    /// Filter by tags.
    pub tag: Vec<Tag>,
    /// Page size.
    pub max_results: Option<i32>,
    /// Page token.
    pub next_token: Option<String>,
}

/// `ListServerGroupServers` response page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListServerGroupServersResponse {
    /// Request id.
    pub request_id: String,
    /// Servers of this page.
    pub servers: Vec<ServerGroupServer>,
    /// Next page token.
    pub next_token: Option<String>,
    /// Total count.
    pub total_count: Option<i64>,
}

list_action!(
    "ListServerGroupServers",
    ListServerGroupServersRequest,
    ListServerGroupServersResponse,
    servers,
    ServerGroupServer
);

read_actions! {
    /// `ListServerGroups`: one page (an unknown id yields an empty page, not an error).
    list_server_groups => "ListServerGroups", ListServerGroupsRequest, ListServerGroupsResponse;
    /// `ListServerGroupServers`: one page.
    list_server_group_servers => "ListServerGroupServers", ListServerGroupServersRequest, ListServerGroupServersResponse;
}

write_actions! {
    /// `CreateServerGroup` (async job).
    create_server_group => "CreateServerGroup", CreateServerGroupRequest, CreateServerGroupResponse;
    /// `UpdateServerGroupAttribute` (async job).
    update_server_group_attribute => "UpdateServerGroupAttribute", UpdateServerGroupAttributeRequest, JobResponse;
    /// `DeleteServerGroup` (async job; fails with `ResourceInUse.ServerGroup` while referenced).
    delete_server_group => "DeleteServerGroup", DeleteServerGroupRequest, JobResponse;
    /// `AddServersToServerGroup` (async job; ≤200 servers, sent in the form body).
    add_servers_to_server_group => "AddServersToServerGroup", ServersRequest, JobResponse;
    /// `RemoveServersFromServerGroup` (async job; ≤200 servers).
    remove_servers_from_server_group => "RemoveServersFromServerGroup", ServersRequest, JobResponse;
    /// `ReplaceServersInServerGroup` (async job; ≤200 each).
    replace_servers_in_server_group => "ReplaceServersInServerGroup", ReplaceServersRequest, JobResponse;
    /// `UpdateServerGroupServersAttribute` (async job; ≤40 servers, form body).
    update_server_group_servers_attribute => "UpdateServerGroupServersAttribute", ServersRequest, JobResponse;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{flatten, split_query_body};

    fn server(id: &str, port: i64) -> BackendServer {
        BackendServer {
            server_id: id.into(),
            server_type: "Ecs".into(),
            port: Some(port),
            weight: Some(100),
            ..Default::default()
        }
    }

    #[test]
    fn create_server_group_flattens_all_configs() {
        let req = CreateServerGroupRequest {
            server_group_name: "sg".into(),
            health_check_config: HealthCheckConfig {
                health_check_enabled: Some(true),
                health_check_path: Some("/healthz".into()),
                health_check_codes: vec!["http_2xx".into(), "http_3xx".into()],
                ..Default::default()
            },
            vpc_id: Some("vpc-1".into()),
            scheduler: Some("Uch".into()),
            sticky_session_config: Some(StickySessionConfig {
                sticky_session_enabled: Some(true),
                sticky_session_type: Some("Insert".into()),
                cookie_timeout: Some(1000),
                cookie: None,
            }),
            connection_drain_config: Some(ConnectionDrainConfig {
                connection_drain_enabled: Some(true),
                connection_drain_timeout: Some(300),
            }),
            slow_start_config: Some(SlowStartConfig {
                slow_start_enabled: Some(false),
                slow_start_duration: None,
            }),
            uch_config: Some(UchConfig {
                r#type: "QueryString".into(),
                value: "uid".into(),
            }),
            tag: vec![Tag::new("a", "b")],
            ..Default::default()
        };
        let p = flatten(&req).unwrap_or_default();
        for (k, v) in [
            ("ServerGroupName", "sg"),
            ("HealthCheckConfig.HealthCheckEnabled", "true"),
            ("HealthCheckConfig.HealthCheckPath", "/healthz"),
            ("HealthCheckConfig.HealthCheckCodes.1", "http_2xx"),
            ("HealthCheckConfig.HealthCheckCodes.2", "http_3xx"),
            ("StickySessionConfig.StickySessionType", "Insert"),
            ("StickySessionConfig.CookieTimeout", "1000"),
            ("ConnectionDrainConfig.ConnectionDrainTimeout", "300"),
            ("SlowStartConfig.SlowStartEnabled", "false"),
            ("UchConfig.Type", "QueryString"),
            ("UchConfig.Value", "uid"),
            ("Tag.1.Key", "a"),
        ] {
            assert!(
                p.contains(&(k.to_string(), v.to_string())),
                "missing {k}={v}"
            );
        }
        assert!(!p
            .iter()
            .any(|(k, _)| k.starts_with("SlowStartConfig.SlowStartDuration")));
    }

    #[test]
    fn servers_go_in_the_body_only_where_the_sdk_puts_them() {
        let req = ServersRequest {
            server_group_id: "sgp-1".into(),
            servers: vec![server("i-1", 80), server("i-2", 81)],
            dry_run: None,
        };
        let params = flatten(&req).unwrap_or_default();
        let (q, b) = split_query_body("AddServersToServerGroup", params.clone());
        assert_eq!(q, vec![("ServerGroupId".to_string(), "sgp-1".to_string())]);
        assert_eq!(b.len(), 8);
        assert_eq!(b[0], ("Servers.1.ServerId".into(), "i-1".into()));
        assert_eq!(b[6], ("Servers.2.Port".into(), "81".into()));
        let (q, b) = split_query_body("RemoveServersFromServerGroup", params.clone());
        assert!(b.is_empty());
        assert_eq!(q.len(), 9);
        let (_, b) = split_query_body("UpdateServerGroupServersAttribute", params);
        assert_eq!(b.len(), 8);

        let replace = ReplaceServersRequest {
            server_group_id: "sgp-1".into(),
            added_servers: vec![server("i-3", 80)],
            removed_servers: vec![server("i-1", 80)],
            dry_run: None,
        };
        let (q, b) = split_query_body(
            "ReplaceServersInServerGroup",
            flatten(&replace).unwrap_or_default(),
        );
        assert!(b.iter().all(|(k, _)| k.starts_with("AddedServers.1.")));
        assert!(q.iter().any(|(k, _)| k == "RemovedServers.1.ServerId"));
        assert!(!q.iter().any(|(k, _)| k.starts_with("AddedServers")));
    }

    #[test]
    fn listed_server_decodes_with_status() {
        let v = serde_json::json!({"Servers": [{"ServerGroupId": "sgp-1", "ServerId": "i-1",
            "ServerType": "Ecs", "Port": 80, "Weight": 100, "Status": "Available"}], "TotalCount": 1});
        let r: ListServerGroupServersResponse =
            crate::client::decode("ListServerGroupServers", v).unwrap_or_default();
        assert_eq!(r.servers[0].server, server("i-1", 80));
        assert_eq!(r.servers[0].status.as_deref(), Some("Available"));
    }
}

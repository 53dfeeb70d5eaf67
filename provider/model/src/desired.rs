//! The desired model: what the load balancer should look like after apply.
//!
//! Every type serialises with a stable field order (declaration order, `BTreeMap`s for maps), so
//! the rendering is golden-testable and shows up unchanged in the Terraform plan.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ownership::AgentMembers;

use crate::spec::{
    AclType, AddressAllocatedMode, AddressIpVersion, AddressType, BackendProtocol, ContentType,
    Edition, EipType, HeaderValueType, HealthCheckMethod, HealthCheckProtocol, HttpMethod,
    HttpVersion, ListenerProtocol, MemberMode, Scheduler, StickyType,
};

/// A listener's identity on the load balancer: (protocol, port). Renders as `HTTPS:443`.
/// Sorted by port, then protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListenerKey {
    /// Protocol.
    pub protocol: ListenerProtocol,
    /// Port.
    pub port: u16,
}

impl ListenerKey {
    /// Builds a key.
    pub fn new(protocol: ListenerProtocol, port: u16) -> Self {
        Self { protocol, port }
    }
}

impl Ord for ListenerKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.port, self.protocol).cmp(&(other.port, other.protocol))
    }
}

impl PartialOrd for ListenerKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for ListenerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.protocol, self.port)
    }
}

/// Error parsing a [`ListenerKey`] from `PROTOCOL:PORT` (only the form [`ListenerKey`] renders:
/// `HTTP`, `HTTPS` or `QUIC`, a colon, and a port 1–65535 in decimal without sign or leading
/// zeros).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid listener key {0:?}; expected PROTOCOL:PORT such as HTTPS:443")]
pub struct ParseListenerKeyError(pub String);

impl FromStr for ListenerKey {
    type Err = ParseListenerKeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseListenerKeyError(s.to_owned());
        let (proto, port) = s.split_once(':').ok_or_else(err)?;
        let protocol = match proto {
            "HTTP" => ListenerProtocol::Http,
            "HTTPS" => ListenerProtocol::Https,
            "QUIC" => ListenerProtocol::Quic,
            _ => return Err(err()),
        };
        let number: u16 = port.parse().map_err(|_| err())?;
        if number == 0 || number.to_string() != port {
            return Err(err());
        }
        Ok(Self {
            protocol,
            port: number,
        })
    }
}

impl Serialize for ListenerKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ListenerKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// An `alb_ingress` identity: `<namespace>/<name>`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IngressId {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl IngressId {
    /// Builds an id.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for IngressId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

impl FromStr for IngressId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok(Self::new(ns, name))
            }
            _ => Err(format!(
                "invalid ingress id {s:?}; expected <namespace>/<name>"
            )),
        }
    }
}

impl Serialize for IngressId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IngressId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

// ------------------------------------------------------------------------------------------------
// Load balancer and listeners (alb_config)
// ------------------------------------------------------------------------------------------------

/// The expansion of an `alb_config`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredLoadBalancer {
    /// LoadBalancerName.
    pub name: String,
    /// VPC.
    pub vpc_id: String,
    /// Network type.
    pub address_type: AddressType,
    /// Edition.
    pub edition: Edition,
    /// IP version.
    pub address_ip_version: AddressIpVersion,
    /// Address mode.
    pub address_allocated_mode: AddressAllocatedMode,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Shared bandwidth package.
    pub bandwidth_package_id: Option<String>,
    /// Deletion protection.
    pub deletion_protection: bool,
    /// User tags (ownership tags are added by [`crate::ownership`]).
    pub tags: BTreeMap<String, String>,
    /// Zones.
    pub zone_mappings: Vec<ZoneMapping>,
    /// Access log.
    pub access_log: Option<AccessLog>,
    /// Listeners sorted by key.
    pub listeners: Vec<DesiredListener>,
}

/// A zone and its vSwitch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneMapping {
    /// Zone.
    pub zone_id: String,
    /// vSwitch.
    pub vswitch_id: String,
    /// EIP allocation.
    pub allocation_id: Option<String>,
    /// EIP type.
    pub eip_type: Option<EipType>,
    /// Fixed intranet address.
    pub intranet_address: Option<String>,
}

/// SLS access log target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLog {
    /// Project.
    pub project: String,
    /// Logstore.
    pub logstore: String,
}

/// A listener with its attributes and its placeholder default server group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredListener {
    /// (protocol, port).
    pub key: ListenerKey,
    /// Updatable attributes.
    #[serde(flatten)]
    pub attributes: ListenerAttributes,
    /// The empty server group the default action forwards to (as ACK does).
    pub default_server_group: PlaceholderServerGroup,
}

/// Listener attributes with defaults applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerAttributes {
    /// Description.
    pub description: String,
    /// Server certificates, default first.
    pub certificate_ids: Vec<String>,
    /// CA certificates (mutual TLS).
    pub ca_certificate_ids: Vec<String>,
    /// TLS policy (HTTPS/QUIC).
    pub security_policy_id: Option<String>,
    /// Idle timeout seconds.
    pub idle_timeout: u32,
    /// Request timeout seconds.
    pub request_timeout: u32,
    /// HTTP/2 (HTTPS).
    pub http2: Option<bool>,
    /// Gzip.
    pub gzip: bool,
    /// X-Forwarded-* headers.
    pub x_forwarded_for: XForwardedFor,
    /// Access control.
    pub acl: Option<Acl>,
    /// QUIC upgrade.
    pub quic: Option<Quic>,
}

/// X-Forwarded-* settings with defaults applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct XForwardedFor {
    /// X-Forwarded-For.
    pub client_ip: bool,
    /// X-Forwarded-Proto.
    pub proto: bool,
    /// SLB-ID.
    pub slb_id: bool,
    /// X-Forwarded-Port.
    pub slb_port: bool,
    /// X-Forwarded-Client-srcport.
    pub client_src_port: bool,
    /// X-Forwarded-Host.
    pub host: bool,
    /// Client IP from trusted proxies.
    pub client_source_ips_enabled: bool,
    /// Trusted proxies.
    pub client_source_ips_trusted: Option<String>,
    /// Client certificate subject DN.
    pub client_cert_subject_dn: bool,
    /// Client certificate issuer DN.
    pub client_cert_issuer_dn: bool,
    /// Client certificate fingerprint.
    pub client_cert_fingerprint: bool,
    /// Client certificate verify result.
    pub client_cert_client_verify: bool,
}

/// Listener ACL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acl {
    /// White / Black.
    #[serde(rename = "type")]
    pub kind: AclType,
    /// CIDR entries (the provider manages an ACL holding them).
    pub entries: Vec<String>,
    /// Existing ACLs.
    pub acl_ids: Vec<String>,
}

impl Acl {
    /// Whether the provider manages an ACL holding [`Self::entries`]: `entries` is set (even
    /// empty), i.e. there are entries or no `acl_ids`.
    pub fn managed(&self) -> bool {
        !self.entries.is_empty() || self.acl_ids.is_empty()
    }
}

/// QUIC upgrade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quic {
    /// Enabled.
    pub upgrade_enabled: bool,
    /// Target QUIC listener.
    pub listener_id: Option<String>,
}

/// The placeholder server group of a listener's default action (no members, serves nothing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceholderServerGroup {
    /// Key, `placeholder:<PROTOCOL>:<port>`.
    pub key: String,
    /// Server group name.
    pub name: String,
}

// ------------------------------------------------------------------------------------------------
// Rules and server groups (alb_ingress)
// ------------------------------------------------------------------------------------------------

/// The expansion of an `alb_ingress`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredIngress {
    /// `<namespace>/<name>`.
    pub id: IngressId,
    /// Cluster id used in ownership tags.
    pub cluster_id: String,
    /// alb_config identity used in ownership tags.
    pub config: String,
    /// The ingress order (priority band).
    pub order: u32,
    /// Listeners the ingress lands on, sorted.
    pub listeners: Vec<ListenerKey>,
    /// Rules sorted by (listener, priority).
    pub rules: Vec<DesiredRule>,
    /// Server groups sorted by key.
    pub server_groups: Vec<DesiredServerGroup>,
}

/// One forwarding rule on one listener.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredRule {
    /// Listener.
    pub listener: ListenerKey,
    /// Priority 1–10000, unique per listener.
    pub priority: u32,
    /// RuleName.
    pub name: String,
    /// Stable identity (listener, host, path, variant); the `alb.terraform/key` tag. Rules are
    /// matched by it, never by priority.
    pub identity: String,
    /// Conditions, AND-ed.
    pub conditions: Vec<Condition>,
    /// Actions by ascending order; the final action is last.
    pub actions: Vec<Action>,
    /// Owning ingress.
    pub owner: IngressId,
}

/// A key/value pair of a QueryString or Cookie condition.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct KeyValue {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// A rule condition; values inside one condition are OR-ed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Condition {
    /// Host names.
    Host {
        /// Values.
        values: Vec<String>,
    },
    /// Path patterns.
    Path {
        /// Values.
        values: Vec<String>,
    },
    /// A request header.
    Header {
        /// Header name.
        key: String,
        /// Values.
        values: Vec<String>,
    },
    /// Query string pairs.
    QueryString {
        /// Values.
        values: Vec<KeyValue>,
    },
    /// Request methods.
    Method {
        /// Values.
        values: Vec<HttpMethod>,
    },
    /// Cookie pairs.
    Cookie {
        /// Values.
        values: Vec<KeyValue>,
    },
    /// Client CIDRs.
    SourceIp {
        /// Values.
        values: Vec<String>,
    },
}

impl Condition {
    /// The API `Type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Host { .. } => "Host",
            Self::Path { .. } => "Path",
            Self::Header { .. } => "Header",
            Self::QueryString { .. } => "QueryString",
            Self::Method { .. } => "Method",
            Self::Cookie { .. } => "Cookie",
            Self::SourceIp { .. } => "SourceIp",
        }
    }

    /// The flat form of the computed `conditions` attribute.
    pub fn flat(&self) -> FlatCondition {
        let pairs = |v: &[KeyValue]| {
            v.iter()
                .map(|kv| format!("{}={}", kv.key, kv.value))
                .collect()
        };
        let (key, values) = match self {
            Self::Host { values } | Self::Path { values } | Self::SourceIp { values } => {
                (String::new(), values.clone())
            }
            Self::Header { key, values } => (key.clone(), values.clone()),
            Self::QueryString { values } | Self::Cookie { values } => {
                (String::new(), pairs(values))
            }
            Self::Method { values } => (
                String::new(),
                values.iter().map(|m| m.as_str().to_owned()).collect(),
            ),
        };
        FlatCondition {
            kind: self.type_name().to_owned(),
            key,
            values,
        }
    }

    /// Same condition regardless of value order (the API may return values in another order).
    pub fn normalized(&self) -> Self {
        let mut c = self.clone();
        match &mut c {
            Self::Host { values }
            | Self::Path { values }
            | Self::SourceIp { values }
            | Self::Header { values, .. } => values.sort(),
            Self::QueryString { values } | Self::Cookie { values } => values.sort(),
            Self::Method { values } => values.sort(),
        }
        c
    }
}

/// Computed `conditions` element: `{type, key, values}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlatCondition {
    /// Type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Header key, or "".
    pub key: String,
    /// Values (`key=value` for QueryString and Cookie).
    pub values: Vec<String>,
}

/// A rule action and its API `Order` (position + 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// API Order, 1-based, unique in the rule; the final action has the highest.
    pub order: u32,
    /// What the action does.
    #[serde(flatten)]
    pub kind: ActionKind,
}

/// A server group of a forward action, by key, with its weight.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GroupTarget {
    /// Server group key `<service>:<port>`. In actual rules: see [`crate::diff::ActualIngress`].
    pub key: String,
    /// Weight 0–100.
    pub weight: u32,
}

/// Session stickiness across the server groups of one forward action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardSticky {
    /// Timeout seconds.
    pub timeout: u32,
}

/// Every ALB action type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ActionKind {
    /// Forward to server groups (final).
    ForwardGroup {
        /// Targets.
        server_groups: Vec<GroupTarget>,
        /// Group stickiness.
        sticky: Option<ForwardSticky>,
    },
    /// Redirect (final). `None` fields keep the request's value (`${host}` …).
    Redirect {
        /// Protocol.
        protocol: Option<String>,
        /// Host.
        host: Option<String>,
        /// Port.
        port: Option<String>,
        /// Path.
        path: Option<String>,
        /// Query.
        query: Option<String>,
        /// HTTP code.
        code: u16,
    },
    /// Fixed response (final).
    FixedResponse {
        /// HTTP status.
        status: u16,
        /// Content type.
        content_type: ContentType,
        /// Body.
        content: Option<String>,
    },
    /// Rewrite host/path/query.
    Rewrite {
        /// Host.
        host: Option<String>,
        /// Path.
        path: Option<String>,
        /// Query.
        query: Option<String>,
    },
    /// Insert a request header.
    InsertHeader {
        /// Name.
        name: String,
        /// Value.
        value: String,
        /// Value type.
        value_type: HeaderValueType,
    },
    /// Remove a request header.
    RemoveHeader {
        /// Name.
        name: String,
    },
    /// QPS limit.
    TrafficLimit {
        /// Whole-rule QPS.
        qps: u32,
        /// Per-IP QPS.
        per_ip_qps: Option<u32>,
    },
    /// Mirror traffic to a server group.
    TrafficMirror {
        /// Server group key.
        server_group: String,
    },
    /// CORS.
    Cors {
        /// Origins.
        allow_origins: Vec<String>,
        /// Methods.
        allow_methods: Vec<String>,
        /// Headers.
        allow_headers: Vec<String>,
        /// Exposed headers.
        expose_headers: Vec<String>,
        /// Credentials.
        allow_credentials: bool,
        /// Max age.
        max_age: i32,
    },
}

impl ActionKind {
    /// The API `Type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::ForwardGroup { .. } => "ForwardGroup",
            Self::Redirect { .. } => "Redirect",
            Self::FixedResponse { .. } => "FixedResponse",
            Self::Rewrite { .. } => "Rewrite",
            Self::InsertHeader { .. } => "InsertHeader",
            Self::RemoveHeader { .. } => "RemoveHeader",
            Self::TrafficLimit { .. } => "TrafficLimit",
            Self::TrafficMirror { .. } => "TrafficMirror",
            Self::Cors { .. } => "Cors",
        }
    }

    /// Whether this is a final action (forward, redirect, fixed response).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::ForwardGroup { .. } | Self::Redirect { .. } | Self::FixedResponse { .. }
        )
    }

    /// Renames the server group keys the action references that `rename` maps.
    pub fn rename_groups(&mut self, rename: &dyn Fn(&str) -> Option<String>) {
        match self {
            Self::ForwardGroup { server_groups, .. } => {
                for t in server_groups {
                    if let Some(k) = rename(&t.key) {
                        t.key = k;
                    }
                }
            }
            Self::TrafficMirror { server_group } => {
                if let Some(k) = rename(server_group) {
                    *server_group = k;
                }
            }
            _ => {}
        }
    }

    /// Server group keys the action references.
    pub fn group_keys(&self) -> Vec<&str> {
        match self {
            Self::ForwardGroup { server_groups, .. } => {
                server_groups.iter().map(|t| t.key.as_str()).collect()
            }
            Self::TrafficMirror { server_group } => vec![server_group.as_str()],
            _ => Vec::new(),
        }
    }

    /// The flat `config` map of the computed `actions` attribute.
    pub fn config(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), v);
            }
        };
        match self {
            Self::ForwardGroup { sticky, .. } => {
                put(
                    "sticky_session.timeout",
                    sticky.as_ref().map(|s| s.timeout.to_string()),
                );
            }
            Self::Redirect {
                protocol,
                host,
                port,
                path,
                query,
                code,
            } => {
                put("protocol", protocol.clone());
                put("host", host.clone());
                put("port", port.clone());
                put("path", path.clone());
                put("query", query.clone());
                put("code", Some(code.to_string()));
            }
            Self::FixedResponse {
                status,
                content_type,
                content,
            } => {
                put("status", Some(status.to_string()));
                put("content_type", Some(content_type.as_str().to_owned()));
                put("content", content.clone());
            }
            Self::Rewrite { host, path, query } => {
                put("host", host.clone());
                put("path", path.clone());
                put("query", query.clone());
            }
            Self::InsertHeader {
                name,
                value,
                value_type,
            } => {
                put("name", Some(name.clone()));
                put("value", Some(value.clone()));
                put("value_type", Some(value_type.as_str().to_owned()));
            }
            Self::RemoveHeader { name } => put("name", Some(name.clone())),
            Self::TrafficLimit { qps, per_ip_qps } => {
                put("qps", Some(qps.to_string()));
                put("per_ip_qps", per_ip_qps.map(|q| q.to_string()));
            }
            Self::TrafficMirror { server_group } => put("server_group", Some(server_group.clone())),
            Self::Cors {
                allow_origins,
                allow_methods,
                allow_headers,
                expose_headers,
                allow_credentials,
                max_age,
            } => {
                put("allow_origins", Some(allow_origins.join(",")));
                put("allow_methods", Some(allow_methods.join(",")));
                put("allow_headers", Some(allow_headers.join(",")));
                put("expose_headers", Some(expose_headers.join(",")));
                put("allow_credentials", Some(allow_credentials.to_string()));
                put("max_age", Some(max_age.to_string()));
            }
        }
        m
    }

    /// Short human form for [`DesiredRule::summary`].
    pub(crate) fn summary(&self) -> String {
        match self {
            Self::ForwardGroup { server_groups, .. } => {
                let total: u32 = server_groups.iter().map(|t| t.weight).sum();
                let targets: Vec<String> = if server_groups.len() == 1 {
                    vec![server_groups[0].key.clone()]
                } else {
                    server_groups
                        .iter()
                        .map(|t| {
                            let pct = (t.weight * 100).checked_div(total).unwrap_or(0);
                            format!("{} ({pct}%)", t.key)
                        })
                        .collect()
                };
                format!("forward {}", targets.join(", "))
            }
            Self::Redirect {
                protocol,
                host,
                port,
                path,
                code,
                ..
            } => {
                let target = format!(
                    "{}://{}:{}{}",
                    protocol.as_deref().unwrap_or("${protocol}").to_lowercase(),
                    host.as_deref().unwrap_or("${host}"),
                    port.as_deref().unwrap_or("${port}"),
                    path.as_deref().unwrap_or("${path}")
                );
                format!("redirect {code} {target}")
            }
            Self::FixedResponse { status, .. } => format!("respond {status}"),
            Self::Rewrite { host, path, query } => {
                let parts: Vec<String> = [("host", host), ("path", path), ("query", query)]
                    .iter()
                    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
                    .collect();
                format!("rewrite {}", parts.join(" "))
            }
            Self::InsertHeader { name, .. } => format!("insert-header {name}"),
            Self::RemoveHeader { name } => format!("remove-header {name}"),
            Self::TrafficLimit { qps, per_ip_qps } => match per_ip_qps {
                Some(ip) => format!("limit {qps} qps ({ip} per ip)"),
                None => format!("limit {qps} qps"),
            },
            Self::TrafficMirror { server_group } => format!("mirror {server_group}"),
            Self::Cors { .. } => "cors".to_owned(),
        }
    }
}

/// Computed `actions` element.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlatAction {
    /// Type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Order.
    pub order: u32,
    /// Referenced server groups (the provider adds the ids).
    pub server_groups: Vec<GroupTarget>,
    /// Flattened settings.
    pub config: BTreeMap<String, String>,
}

impl DesiredRule {
    /// One line for humans, e.g.
    /// `HTTPS:443 #101 host=shop.example.com path=/api,/api/* header x-env=prod → forward api:80 (80%), api-v2:http (20%)`
    /// (see [`crate::render`]).
    pub fn summary(&self) -> String {
        self.view().summary
    }

    /// The computed `conditions` attribute of this rule.
    pub fn flat_conditions(&self) -> Vec<FlatCondition> {
        self.view().conditions
    }

    /// The computed `actions` attribute of this rule.
    pub fn flat_actions(&self) -> Vec<FlatAction> {
        self.view().actions
    }
}

/// Backend server type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ServerType {
    /// ECS instance (nodeport members).
    Ecs,
    /// Elastic network interface (pod IPs).
    Eni,
    /// Elastic container instance.
    Eci,
    /// Plain IP (Ip server groups).
    Ip,
}

/// A backend server of a server group. Identity: (server_id, ip, port).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Member {
    /// ECS/ENI/ECI id, or the IP.
    pub server_id: String,
    /// Private IP ("" when the server id says it all, e.g. ECS).
    pub ip: String,
    /// Port.
    pub port: u16,
    /// Weight 0–100.
    pub weight: u32,
    /// Server type.
    #[serde(rename = "type")]
    pub kind: ServerType,
}

impl Member {
    /// The member's identity for diffs.
    pub fn identity(&self) -> (&str, &str, u16) {
        (&self.server_id, &self.ip, self.port)
    }
}

/// One server group per (ingress, service, port).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredServerGroup {
    /// `<service>:<port>`.
    pub key: String,
    /// Service.
    pub service: String,
    /// Service port number or name.
    pub port: String,
    /// ServerGroupName.
    pub name: String,
    /// Attributes.
    #[serde(flatten)]
    pub attributes: ServerGroupAttributes,
    /// How members are discovered.
    pub member_mode: MemberMode,
    /// Members sorted by identity (always empty when the agent keeps them).
    pub members: Vec<Member>,
    /// Set when `alb-member-sync` keeps the members (`member_sync = "agent"`): what it needs to
    /// compute them, carried on the group's tags. Terraform then neither plans nor changes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentMembers>,
}

impl DesiredServerGroup {
    /// Whether `alb-member-sync` keeps the members.
    pub fn members_by_agent(&self) -> bool {
        self.agent.is_some()
    }
}

/// Server group attributes (shared by desired and actual groups).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerGroupAttributes {
    /// Protocol (immutable: a change replaces the group).
    pub protocol: BackendProtocol,
    /// Scheduler.
    pub scheduler: Scheduler,
    /// Health check; `None` = disabled.
    pub health_check: Option<HealthCheck>,
    /// Sticky session; `None` = disabled.
    pub sticky_session: Option<StickySession>,
    /// Slow start; `None` = disabled.
    pub slow_start: Option<SlowStart>,
    /// Connection drain; `None` = disabled.
    pub connection_drain: Option<ConnectionDrain>,
    /// Upstream keepalive.
    pub keepalive: bool,
    /// Cross-zone balancing.
    pub cross_zone: bool,
    /// URL consistent hash (scheduler `Uch`).
    pub uch: Option<Uch>,
}

impl ServerGroupAttributes {
    /// The flat `attributes` map of the computed `server_groups` attribute.
    pub fn flat(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            m.insert(k.to_owned(), v);
        };
        put(
            "health_check.enabled",
            self.health_check.is_some().to_string(),
        );
        if let Some(hc) = &self.health_check {
            put("health_check.protocol", hc.protocol.to_string());
            if let Some(v) = hc.method {
                put("health_check.method", v.to_string());
            }
            if let Some(v) = &hc.path {
                put("health_check.path", v.clone());
            }
            if let Some(v) = &hc.host {
                put("health_check.host", v.clone());
            }
            if !hc.codes.is_empty() {
                put("health_check.codes", hc.codes.join(","));
            }
            if let Some(v) = hc.http_version {
                put("health_check.http_version", v.to_string());
            }
            put("health_check.connect_port", hc.connect_port.to_string());
            put("health_check.interval", hc.interval.to_string());
            put("health_check.timeout", hc.timeout.to_string());
            put(
                "health_check.healthy_threshold",
                hc.healthy_threshold.to_string(),
            );
            put(
                "health_check.unhealthy_threshold",
                hc.unhealthy_threshold.to_string(),
            );
        }
        put(
            "sticky_session.enabled",
            self.sticky_session.is_some().to_string(),
        );
        if let Some(s) = &self.sticky_session {
            put("sticky_session.type", s.kind.to_string());
            if let Some(t) = s.cookie_timeout {
                put("sticky_session.cookie_timeout", t.to_string());
            }
            if let Some(c) = &s.cookie {
                put("sticky_session.cookie", c.clone());
            }
        }
        if let Some(s) = &self.slow_start {
            put("slow_start.duration", s.duration.to_string());
        }
        if let Some(d) = &self.connection_drain {
            put("connection_drain.timeout", d.timeout.to_string());
        }
        put("keepalive", self.keepalive.to_string());
        put("cross_zone", self.cross_zone.to_string());
        if let Some(u) = &self.uch {
            put("uch.query_key", u.query_key.clone());
        }
        m
    }
}

/// An enabled health check with defaults applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    /// Protocol.
    pub protocol: HealthCheckProtocol,
    /// Method (not for TCP).
    pub method: Option<HealthCheckMethod>,
    /// Path (not for TCP).
    pub path: Option<String>,
    /// Host header.
    pub host: Option<String>,
    /// Healthy codes (empty for TCP).
    pub codes: Vec<String>,
    /// HTTP version (HTTP/HTTPS only).
    pub http_version: Option<HttpVersion>,
    /// Port, 0 = backend port.
    pub connect_port: u16,
    /// Interval seconds.
    pub interval: u32,
    /// Timeout seconds.
    pub timeout: u32,
    /// Healthy threshold.
    pub healthy_threshold: u32,
    /// Unhealthy threshold.
    pub unhealthy_threshold: u32,
}

/// Sticky session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StickySession {
    /// Insert / Server.
    #[serde(rename = "type")]
    pub kind: StickyType,
    /// Cookie timeout (Insert).
    pub cookie_timeout: Option<u32>,
    /// Cookie name (Server).
    pub cookie: Option<String>,
}

/// Slow start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlowStart {
    /// Seconds.
    pub duration: u32,
}

/// Connection drain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionDrain {
    /// Seconds.
    pub timeout: u32,
}

/// URL consistent hash on a query parameter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uch {
    /// Query parameter.
    pub query_key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listener_key_roundtrip_and_order() {
        let a: ListenerKey = "HTTPS:443".parse().unwrap();
        let b: ListenerKey = "HTTP:80".parse().unwrap();
        assert_eq!(a.to_string(), "HTTPS:443");
        assert!(b < a);
        assert!("HTTP:0".parse::<ListenerKey>().is_err());
        assert!("TCP:80".parse::<ListenerKey>().is_err());
        for not_canonical in [
            "HTTP:080",
            "HTTP:+80",
            "http:80",
            "HTTP: 80",
            "HTTP:65536",
            "HTTP",
        ] {
            assert!(
                not_canonical.parse::<ListenerKey>().is_err(),
                "{not_canonical}"
            );
        }
    }

    #[test]
    fn summary_matches_contract_example() {
        let rule = DesiredRule {
            listener: "HTTPS:443".parse().unwrap(),
            priority: 101,
            name: "r".into(),
            identity: "x".into(),
            conditions: vec![
                Condition::Host {
                    values: vec!["shop.example.com".into()],
                },
                Condition::Path {
                    values: vec!["/api".into(), "/api/*".into()],
                },
                Condition::Header {
                    key: "x-env".into(),
                    values: vec!["prod".into()],
                },
            ],
            actions: vec![Action {
                order: 1,
                kind: ActionKind::ForwardGroup {
                    server_groups: vec![
                        GroupTarget {
                            key: "api:80".into(),
                            weight: 80,
                        },
                        GroupTarget {
                            key: "api-v2:http".into(),
                            weight: 20,
                        },
                    ],
                    sticky: None,
                },
            }],
            owner: IngressId::new("shop", "web"),
        };
        assert_eq!(
            rule.summary(),
            "HTTPS:443 #101 host=shop.example.com path=/api,/api/* header x-env=prod → forward api:80 (80%), api-v2:http (20%)"
        );
    }
}

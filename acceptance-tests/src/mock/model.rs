//! The mock's stored objects. They serialize to the state file as they are; the API shapes
//! are rendered from them by the action modules.
//!
//! Transitional states are not driven by timers: a [`Phase`] stores the transitional status
//! and the deadline, and the visible status is computed by comparing the deadline with now.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Milliseconds since the Unix epoch.
pub type Millis = u64;

/// A transitional status (`Provisioning`, `Configuring`, `Deleting`, …) that lasts until a deadline.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Phase {
    /// Transitional status shown until `until_ms`; `None` when stable.
    pub pending: Option<String>,
    /// Deadline of the transitional status.
    pub until_ms: Millis,
    /// When true, the object disappears once the deadline passes (Deleting, Removing …).
    pub removal: bool,
}

impl Phase {
    /// A phase that shows `pending` until `until_ms`.
    pub fn transition(pending: &str, until_ms: Millis) -> Self {
        Self {
            pending: Some(pending.to_string()),
            until_ms,
            removal: false,
        }
    }

    /// A phase that shows `pending` until `until_ms` and then removes the object.
    pub fn removing(pending: &str, until_ms: Millis) -> Self {
        Self {
            pending: Some(pending.to_string()),
            until_ms,
            removal: true,
        }
    }

    /// True while the transitional status is showing.
    pub fn busy(&self, now: Millis) -> bool {
        self.pending.is_some() && now < self.until_ms
    }

    /// True once a removal has completed.
    pub fn gone(&self, now: Millis) -> bool {
        self.removal && now >= self.until_ms
    }

    /// True while the object is being removed (it is then invisible to writes).
    pub fn removing_now(&self) -> bool {
        self.removal
    }

    /// The visible status: the transitional one while busy, else `stable`.
    pub fn status(&self, stable: &str, now: Millis) -> String {
        match &self.pending {
            Some(pending) if now < self.until_ms => pending.clone(),
            _ => stable.to_string(),
        }
    }
}

/// One zone mapping of a load balancer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Zone {
    /// Zone id, e.g. `cn-hangzhou-h`.
    pub zone_id: String,
    /// VSwitch in that zone.
    pub v_switch_id: String,
    /// Address allocated in the zone.
    pub address: String,
    /// Other request fields (AllocationId, EipType, IntranetAddress).
    pub extra: Map<String, Value>,
}

/// An ALB instance.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct LoadBalancer {
    /// `alb-…`.
    pub id: String,
    /// Optional name.
    pub name: Option<String>,
    /// VPC.
    pub vpc_id: String,
    /// Basic / Standard / StandardWithWaf.
    pub edition: String,
    /// Internet / Intranet.
    pub address_type: String,
    /// `alb-….<region>.alb.aliyuncs.com`.
    pub dns_name: String,
    /// Zone mappings.
    pub zones: Vec<Zone>,
    /// Deletion protection flag and the time it was switched on.
    pub deletion_protection: Option<String>,
    /// Access log (LogProject, LogStore) when enabled.
    pub access_log: Option<(String, String)>,
    /// Remaining attributes in API shape (AddressIpVersion, ModificationProtectionConfig, …).
    pub attrs: Map<String, Value>,
    /// ISO-8601 creation time.
    pub create_time: String,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Transitional status.
    pub phase: Phase,
}

/// An additional certificate of a listener.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ListenerCertificate {
    /// Associating → Associated, or Dissociating → gone.
    pub phase: Phase,
}

/// A binding of an ACL to a listener.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ListenerAcl {
    /// Associating → Associated, or Dissociating → gone.
    pub phase: Phase,
}

/// A listener.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Listener {
    /// `lsn-…`.
    pub id: String,
    /// Owning load balancer.
    pub load_balancer_id: String,
    /// HTTP / HTTPS / QUIC.
    pub protocol: String,
    /// 1–65535.
    pub port: i64,
    /// DefaultActions in API shape.
    pub default_actions: Value,
    /// Default server certificate ids.
    pub certificates: Vec<String>,
    /// Additional server certificates.
    pub additional_certificates: BTreeMap<String, ListenerCertificate>,
    /// `White` / `Black` while ACLs are bound.
    #[serde(default)]
    pub acl_type: Option<String>,
    /// Bound ACLs by id.
    #[serde(default)]
    pub acls: BTreeMap<String, ListenerAcl>,
    /// Remaining attributes in API shape (IdleTimeout, XForwardedForConfig, …).
    pub attrs: Map<String, Value>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Creation order (for stable listing).
    pub seq: u64,
    /// Transitional status.
    pub phase: Phase,
}

/// A forwarding rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    /// `rule-…`.
    pub id: String,
    /// Owning listener.
    pub listener_id: String,
    /// Owning load balancer.
    pub load_balancer_id: String,
    /// Name.
    pub name: String,
    /// 1–10000, unique per listener.
    pub priority: i64,
    /// Request / Response.
    pub direction: String,
    /// RuleConditions in API shape.
    pub conditions: Value,
    /// RuleActions in API shape.
    pub actions: Value,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Transitional status.
    pub phase: Phase,
}

/// A backend server in a server group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Server {
    /// Instance id, or the IP for Ip groups, or the function ARN for Fc groups.
    pub server_id: String,
    /// Ecs / Eni / Eci / Ip / Fc.
    pub server_type: String,
    /// Port (absent for Fc).
    pub port: Option<i64>,
    /// Private IP (Eni/Eci).
    pub server_ip: Option<String>,
    /// 0–100.
    pub weight: i64,
    /// Description.
    pub description: Option<String>,
    /// RemoteIpEnabled (Ip groups).
    pub remote_ip_enabled: bool,
    /// Transitional status (Adding, Configuring, Replacing, Removing).
    pub phase: Phase,
    /// When health checks of the server start: the end of its add (mock-only; see the
    /// `health` action module).
    #[serde(default)]
    pub checked_from_ms: Millis,
}

/// A server group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ServerGroup {
    /// `sgp-…`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Instance / Ip / Fc.
    pub server_group_type: String,
    /// HTTP / HTTPS / gRPC (absent for Fc).
    pub protocol: Option<String>,
    /// VPC (absent for Fc).
    pub vpc_id: Option<String>,
    /// Remaining attributes in API shape (Scheduler, HealthCheckConfig, …).
    pub attrs: Map<String, Value>,
    /// Backend servers in insertion order.
    pub servers: Vec<Server>,
    /// ISO-8601 creation time.
    pub create_time: String,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Transitional status.
    pub phase: Phase,
    /// Fewest serving servers (not `Removing`) seen after any membership change; mock-only,
    /// for tests that check a group keeps serving while its members change.
    #[serde(default)]
    pub min_serving: Option<usize>,
}

impl ServerGroup {
    /// Servers that are not being removed.
    pub fn serving(&self) -> usize {
        self.servers
            .iter()
            .filter(|s| !s.phase.removing_now())
            .count()
    }

    /// Records the current serving count into [`Self::min_serving`]; call after every
    /// membership change.
    pub fn note_serving(&mut self) {
        let now = self.serving();
        self.min_serving = Some(self.min_serving.map_or(now, |min| min.min(now)));
    }
}

/// An entry of an ACL.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AclEntry {
    /// IPv4 address or CIDR block, as given.
    pub entry: String,
    /// Description.
    pub description: Option<String>,
    /// Adding → Available, or Removing → gone.
    pub phase: Phase,
}

/// An access control list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Acl {
    /// `acl-…`.
    pub id: String,
    /// Name (optional in the API).
    pub name: Option<String>,
    /// `IPv4`.
    pub address_ip_version: String,
    /// Resource group.
    pub resource_group_id: String,
    /// Entries in insertion order.
    pub entries: Vec<AclEntry>,
    /// ISO-8601 creation time.
    pub create_time: String,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Transitional status (Creating, Configuring, Deleting).
    pub phase: Phase,
}

/// An asynchronous job.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Job {
    /// UUID-like id.
    pub id: String,
    /// The action that started it.
    pub api_name: String,
    /// loadbalancer / listener / rule / servergroup / acl.
    pub resource_type: String,
    /// The object it works on.
    pub resource_id: String,
    /// Create / Update / Delete.
    pub operate_type: String,
    /// Start time.
    pub create_ms: Millis,
    /// When it reports Succeeded.
    pub finish_ms: Millis,
    /// Creation order.
    pub seq: u64,
}

/// A remembered response for a ClientToken.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct TokenRecord {
    /// Fingerprint of the action and its business parameters.
    pub fingerprint: String,
    /// The response body without RequestId.
    pub response: Map<String, Value>,
}

/// Everything the mock stores; this is what the state file holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct Store {
    /// Load balancers by id.
    pub load_balancers: BTreeMap<String, LoadBalancer>,
    /// Listeners by id.
    pub listeners: BTreeMap<String, Listener>,
    /// Rules by id.
    pub rules: BTreeMap<String, Rule>,
    /// Server groups by id.
    pub server_groups: BTreeMap<String, ServerGroup>,
    /// ACLs by id.
    pub acls: BTreeMap<String, Acl>,
    /// Jobs by id.
    pub jobs: BTreeMap<String, Job>,
    /// ClientToken records by `<AccessKeyId>/<ClientToken>`.
    pub client_tokens: BTreeMap<String, TokenRecord>,
    /// Health a test pinned (`PUT /__mock/health`), by `<server group id>/<server id>`:
    /// `Healthy`, `Unhealthy` or `Initial` (mock-only; see the `health` action module).
    #[serde(default)]
    pub health_pins: BTreeMap<String, String>,
    /// Next sequence number.
    pub next_seq: u64,
    /// Derived lookups (see the `index` module); not part of the state file.
    #[serde(skip)]
    pub(super) index: super::index::Index,
}

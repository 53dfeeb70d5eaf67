//! Typed specs of `alb_config` and `alb_ingress`, deserialised from the JSON form of the Terraform
//! configuration (see `contracts/hcl.md`).
//!
//! Conventions:
//! * Field names are the HCL names; every struct denies unknown fields.
//! * LIST blocks are `Vec<T>` (absent or `null` → empty); SINGLE blocks and optional attributes are
//!   `Option<T>` (Terraform sends `null`). Plain (non-`Option`) fields are required.
//! * Numbers are `i64` so that out-of-range values decode and are reported by the provider's
//!   validation (on Terraform values, with attribute paths) instead of as opaque decoding errors;
//!   expansion stays total on any spec.
//! * Computed attributes (`id`, `rules`, `server_groups`, `dns_name`, `status`, listener `id` and
//!   `default_server_group_id`) are accepted and ignored through the zero-sized [`Computed`] type,
//!   so the provider can hand over the whole resource value unchanged.
//! * Specs also serialise to the same JSON form: import turns a spec reconstructed from what exists
//!   ([`crate::reverse`]) back into a Terraform value (computed attributes become `null`).
//! * Defaults live in accessor methods (e.g. [`ListenerSpec::idle_timeout`]); they are never written
//!   back into the spec, so an unset optional attribute stays `null` in Terraform state.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::takeover::Adopt;

/// Placeholder for a computed attribute: accepts any JSON value (including `null`) and keeps nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Computed;

impl Serialize for Computed {
    /// Always `null`: the provider fills computed attributes itself.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl<'de> Deserialize<'de> for Computed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Computed)
    }
}

/// `null` or absent → empty list (Terraform normally sends `[]` for an empty LIST block).
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A port reference that is a Terraform string; a bare JSON number is accepted too.
fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        S(String),
        N(i64),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::S(s) => s,
        Raw::N(n) => n.to_string(),
    })
}

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $wire)] $variant),+
        }

        impl $name {
            /// The HCL / API spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// Listener protocol.
    ListenerProtocol { Http = "HTTP", Https = "HTTPS", Quic = "QUIC" }
);
wire_enum!(
    /// Load balancer network type.
    AddressType { Internet = "Internet", Intranet = "Intranet" }
);
wire_enum!(
    /// Load balancer edition.
    Edition { Basic = "Basic", Standard = "Standard", StandardWithWaf = "StandardWithWaf" }
);
impl Edition {
    /// Whether `UpdateLoadBalancerEdition` changes this edition to `to` in place. The API
    /// reference allows Basic → Standard, Basic → StandardWithWaf and StandardWithWaf →
    /// Standard; nothing goes back to Basic, and Standard → StandardWithWaf is not offered, so
    /// those need a new load balancer. An unchanged edition is trivially in place.
    pub fn changes_in_place_to(self, to: Edition) -> bool {
        use Edition::{Basic, Standard, StandardWithWaf};
        self == to
            || matches!(
                (self, to),
                (Basic, Standard) | (Basic, StandardWithWaf) | (StandardWithWaf, Standard)
            )
    }
}

wire_enum!(
    /// Load balancer IP version.
    AddressIpVersion { IPv4 = "IPv4", DualStack = "DualStack" }
);
wire_enum!(
    /// Load balancer address allocation mode.
    AddressAllocatedMode { Dynamic = "Dynamic", Fixed = "Fixed" }
);
wire_enum!(
    /// EIP type of a zone mapping.
    EipType { Common = "Common", Anycast = "Anycast" }
);
wire_enum!(
    /// ACL type of a listener.
    AclType { White = "White", Black = "Black" }
);
wire_enum!(
    /// Ingress path type.
    PathType { Exact = "Exact", Prefix = "Prefix", ImplementationSpecific = "ImplementationSpecific" }
);
wire_enum!(
    /// Server group (backend) protocol.
    BackendProtocol { Http = "HTTP", Https = "HTTPS", Grpc = "GRPC" }
);
wire_enum!(
    /// Server group scheduling algorithm.
    Scheduler { Wrr = "Wrr", Wlc = "Wlc", Sch = "Sch", Uch = "Uch" }
);
wire_enum!(
    /// How backend members are discovered.
    MemberMode { Ip = "ip", NodePort = "nodeport" }
);
wire_enum!(
    /// Who keeps the members of the server groups: Terraform (plan and apply) or the in-cluster
    /// agent `alb-member-sync`.
    MemberSync { Terraform = "terraform", Agent = "agent" }
);
wire_enum!(
    /// Health check protocol.
    HealthCheckProtocol { Http = "HTTP", Https = "HTTPS", Tcp = "TCP", Grpc = "GRPC" }
);
wire_enum!(
    /// Health check HTTP method.
    HealthCheckMethod { Head = "HEAD", Get = "GET", Post = "POST" }
);
wire_enum!(
    /// Health check HTTP version.
    HttpVersion { Http10 = "HTTP1.0", Http11 = "HTTP1.1" }
);
wire_enum!(
    /// Sticky session type.
    StickyType { Insert = "Insert", Server = "Server" }
);
wire_enum!(
    /// Value type of an inserted header.
    HeaderValueType { UserDefined = "UserDefined", ReferenceHeader = "ReferenceHeader", SystemDefined = "SystemDefined" }
);
wire_enum!(
    /// Request method in a `match` block.
    HttpMethod { Head = "HEAD", Get = "GET", Post = "POST", Options = "OPTIONS", Put = "PUT", Patch = "PATCH", Delete = "DELETE" }
);
wire_enum!(
    /// Redirect target protocol.
    RedirectProtocol { Http = "HTTP", Https = "HTTPS" }
);
wire_enum!(
    /// Content type of a fixed response.
    ContentType {
        TextPlain = "text/plain",
        TextCss = "text/css",
        TextHtml = "text/html",
        ApplicationJavascript = "application/javascript",
        ApplicationJson = "application/json",
    }
);

/// `timeouts` block (both resources).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    /// Create timeout, e.g. "10m".
    pub create: Option<String>,
    /// Update timeout.
    pub update: Option<String>,
    /// Delete timeout.
    pub delete: Option<String>,
}

impl Timeouts {
    /// Parses a Go duration: one or more `<number><unit>` with units `h`, `m`, `s`, `ms`, `us`,
    /// `µs`, `ns` (e.g. `30s`, `10m`, `1h30m`, `1.5h`, `250ms`). `None` when malformed or empty.
    pub fn parse(s: &str) -> Option<std::time::Duration> {
        const UNITS: [(&str, f64); 7] = [
            ("ns", 1e-9),
            ("us", 1e-6),
            ("µs", 1e-6),
            ("ms", 1e-3),
            ("h", 3600.0),
            ("m", 60.0),
            ("s", 1.0),
        ];
        if s.is_empty() {
            return None;
        }
        let mut rest = s;
        let mut seconds = 0.0;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let (number, tail) = rest.split_at(digits);
            if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
                return None;
            }
            let value: f64 = number.parse().ok()?;
            let (unit, factor) = UNITS.iter().find(|(unit, _)| tail.starts_with(unit))?;
            seconds += value * factor;
            rest = &tail[unit.len()..];
        }
        std::time::Duration::try_from_secs_f64(seconds).ok()
    }
}

// ------------------------------------------------------------------------------------------------
// alb_config
// ------------------------------------------------------------------------------------------------

/// The `alb_config` resource: one ALB instance and its listeners.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigSpec {
    /// Computed load balancer id (ignored).
    #[serde(default)]
    pub id: Computed,
    /// LoadBalancerName.
    pub name: String,
    /// VPC of the load balancer.
    pub vpc_id: String,
    /// `Internet` (default) / `Intranet`.
    pub address_type: Option<AddressType>,
    /// `Basic` / `Standard` (default) / `StandardWithWaf`.
    pub edition: Option<Edition>,
    /// `IPv4` (default) / `DualStack`.
    pub address_ip_version: Option<AddressIpVersion>,
    /// `Dynamic` (default) / `Fixed`.
    pub address_allocated_mode: Option<AddressAllocatedMode>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Shared bandwidth package.
    pub bandwidth_package_id: Option<String>,
    /// Deletion protection (default false).
    pub deletion_protection: Option<bool>,
    /// User tags on the load balancer.
    pub tags: Option<BTreeMap<String, String>>,
    /// Zones and vSwitches (at least 2).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub zone_mapping: Vec<ZoneMappingSpec>,
    /// SLS access log.
    pub access_log: Option<AccessLogSpec>,
    /// Listeners (at least 1).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub listener: Vec<ListenerSpec>,
    /// Computed DNS name (ignored).
    #[serde(default)]
    pub dns_name: Computed,
    /// Computed status (ignored).
    #[serde(default)]
    pub status: Computed,
    /// Operation timeouts.
    pub timeouts: Option<Timeouts>,
    /// Whose objects the config takes over (see [`crate::takeover`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopt: Option<Adopt>,
}

impl ConfigSpec {
    /// Edition, default `Standard`.
    pub fn edition(&self) -> Edition {
        self.edition.unwrap_or(Edition::Standard)
    }
    /// Network type, default `Internet`.
    pub fn address_type(&self) -> AddressType {
        self.address_type.unwrap_or(AddressType::Internet)
    }
    /// IP version, default `IPv4`.
    pub fn address_ip_version(&self) -> AddressIpVersion {
        self.address_ip_version.unwrap_or(AddressIpVersion::IPv4)
    }
    /// Address mode, default `Dynamic`.
    pub fn address_allocated_mode(&self) -> AddressAllocatedMode {
        self.address_allocated_mode
            .unwrap_or(AddressAllocatedMode::Dynamic)
    }
    /// Deletion protection, default false.
    pub fn deletion_protection(&self) -> bool {
        self.deletion_protection.unwrap_or(false)
    }
}

/// `zone_mapping` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneMappingSpec {
    /// Zone id.
    pub zone_id: String,
    /// vSwitch id.
    pub vswitch_id: String,
    /// EIP allocation id.
    pub allocation_id: Option<String>,
    /// EIP type.
    pub eip_type: Option<EipType>,
    /// Fixed intranet address.
    pub intranet_address: Option<String>,
}

/// `access_log` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccessLogSpec {
    /// SLS project.
    pub project: String,
    /// SLS logstore.
    pub logstore: String,
}

/// `listener` block of `alb_config`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerSpec {
    /// Port 1–65535.
    pub port: i64,
    /// Protocol.
    pub protocol: ListenerProtocol,
    /// Description, default `ingress-auto-listener-<port>`.
    pub description: Option<String>,
    /// Server certificates; the first is the default certificate.
    pub certificate_ids: Option<Vec<String>>,
    /// CA certificate (at most one; enables mutual TLS).
    pub ca_certificate_ids: Option<Vec<String>>,
    /// TLS policy, default `tls_cipher_policy_1_0` (HTTPS/QUIC).
    pub security_policy_id: Option<String>,
    /// Idle timeout seconds, default 15.
    pub idle_timeout: Option<i64>,
    /// Request timeout seconds, default 60.
    pub request_timeout: Option<i64>,
    /// HTTP/2 (HTTPS only), default true.
    pub http2: Option<bool>,
    /// Gzip, default true.
    pub gzip: Option<bool>,
    /// X-Forwarded-* headers.
    pub x_forwarded_for: Option<XForwardedForSpec>,
    /// Access control.
    pub acl: Option<AclSpec>,
    /// QUIC upgrade.
    pub quic: Option<QuicSpec>,
    /// Computed listener id (ignored).
    #[serde(default)]
    pub id: Computed,
    /// Computed placeholder server group id (ignored).
    #[serde(default)]
    pub default_server_group_id: Computed,
}

impl ListenerSpec {
    /// A listener on `port` with `protocol` and nothing else set (it expands to the defaults).
    pub fn new(port: i64, protocol: ListenerProtocol) -> Self {
        ListenerSpec {
            port,
            protocol,
            description: None,
            certificate_ids: None,
            ca_certificate_ids: None,
            security_policy_id: None,
            idle_timeout: None,
            request_timeout: None,
            http2: None,
            gzip: None,
            x_forwarded_for: None,
            acl: None,
            quic: None,
            id: Default::default(),
            default_server_group_id: Default::default(),
        }
    }

    /// Description, default `ingress-auto-listener-<port>`.
    pub fn description(&self) -> String {
        self.description
            .clone()
            .unwrap_or_else(|| format!("ingress-auto-listener-{}", self.port))
    }
    /// Idle timeout, default 15 s.
    pub fn idle_timeout(&self) -> i64 {
        self.idle_timeout.unwrap_or(15)
    }
    /// Request timeout, default 60 s.
    pub fn request_timeout(&self) -> i64 {
        self.request_timeout.unwrap_or(60)
    }
    /// Gzip, default true.
    pub fn gzip(&self) -> bool {
        self.gzip.unwrap_or(true)
    }
    /// HTTP/2: `Some(default true)` on HTTPS, `None` elsewhere (not applicable).
    pub fn http2(&self) -> Option<bool> {
        (self.protocol == ListenerProtocol::Https).then(|| self.http2.unwrap_or(true))
    }
    /// TLS policy: `Some(default tls_cipher_policy_1_0)` on HTTPS/QUIC, `None` on HTTP.
    pub fn security_policy_id(&self) -> Option<String> {
        (self.protocol != ListenerProtocol::Http).then(|| {
            self.security_policy_id
                .clone()
                .unwrap_or_else(|| "tls_cipher_policy_1_0".to_owned())
        })
    }
    /// Certificate ids (empty when unset).
    pub fn certificate_ids(&self) -> &[String] {
        self.certificate_ids.as_deref().unwrap_or_default()
    }
    /// CA certificate ids (empty when unset).
    pub fn ca_certificate_ids(&self) -> &[String] {
        self.ca_certificate_ids.as_deref().unwrap_or_default()
    }
}

/// `x_forwarded_for` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct XForwardedForSpec {
    /// X-Forwarded-For with the client IP (default true).
    pub client_ip: Option<bool>,
    /// X-Forwarded-Proto.
    pub proto: Option<bool>,
    /// SLB-ID header.
    pub slb_id: Option<bool>,
    /// X-Forwarded-Port.
    pub slb_port: Option<bool>,
    /// X-Forwarded-Client-srcport.
    pub client_src_port: Option<bool>,
    /// X-Forwarded-Host.
    pub host: Option<bool>,
    /// Take the client IP from trusted proxies.
    pub client_source_ips_enabled: Option<bool>,
    /// Trusted proxy addresses.
    pub client_source_ips_trusted: Option<String>,
    /// Client certificate subject DN header (HTTPS only).
    pub client_cert_subject_dn: Option<bool>,
    /// Client certificate issuer DN header (HTTPS only).
    pub client_cert_issuer_dn: Option<bool>,
    /// Client certificate fingerprint header (HTTPS only).
    pub client_cert_fingerprint: Option<bool>,
    /// Client certificate verify result header (HTTPS only).
    pub client_cert_client_verify: Option<bool>,
}

/// `acl` block.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AclSpec {
    /// `White` / `Black`.
    pub r#type: AclType,
    /// CIDR entries (XOR `acl_ids`).
    pub entries: Option<Vec<String>>,
    /// Existing ACL ids (XOR `entries`).
    pub acl_ids: Option<Vec<String>>,
}

/// `quic` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QuicSpec {
    /// Advertise QUIC upgrade.
    pub upgrade_enabled: Option<bool>,
    /// QUIC listener to upgrade to.
    pub listener_id: Option<String>,
}

// ------------------------------------------------------------------------------------------------
// alb_ingress
// ------------------------------------------------------------------------------------------------

/// The `alb_ingress` resource: Ingress-style routing onto an `alb_config`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IngressSpec {
    /// Computed `<lb id>/<namespace>/<name>` (ignored).
    #[serde(default)]
    pub id: Computed,
    /// `alb_config.x.id`.
    pub alb_config_id: String,
    /// Namespace of the backend Services.
    pub namespace: String,
    /// Ingress name inside the namespace.
    pub name: String,
    /// Priority band, 1–1000, default 10.
    pub order: Option<i64>,
    /// Hosts served over HTTPS.
    pub tls_hosts: Option<Vec<String>>,
    /// Redirect HTTP to HTTPS, default false.
    pub ssl_redirect: Option<bool>,
    /// Prefix paths become `~*<path>` regex matches, default false.
    pub use_regex: Option<bool>,
    /// Explicit listeners.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub listen: Vec<ListenSpec>,
    /// Server group attributes for every backend.
    pub backend_defaults: Option<BackendDefaults>,
    /// Host rules.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub rule: Vec<RuleSpec>,
    /// Canary releases.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub canary: Vec<CanarySpec>,
    /// Catch-all backend.
    pub default_backend: Option<ServiceRef>,
    /// Computed expansion (ignored).
    #[serde(default)]
    pub rules: Computed,
    /// Computed expansion (ignored).
    #[serde(default)]
    pub server_groups: Computed,
    /// Operation timeouts.
    pub timeouts: Option<Timeouts>,
}

impl IngressSpec {
    /// Order, default 10.
    pub fn order(&self) -> i64 {
        self.order.unwrap_or(10)
    }
    /// TLS hosts (empty when unset).
    pub fn tls_hosts(&self) -> &[String] {
        self.tls_hosts.as_deref().unwrap_or_default()
    }
    /// SSL redirect, default false.
    pub fn ssl_redirect(&self) -> bool {
        self.ssl_redirect.unwrap_or(false)
    }
    /// Regex paths, default false.
    pub fn use_regex(&self) -> bool {
        self.use_regex.unwrap_or(false)
    }
}

/// `listen` block: an explicit (protocol, port).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ListenSpec {
    /// Protocol.
    pub protocol: ListenerProtocol,
    /// Port.
    pub port: i64,
}

/// A Service and port (`default_backend`, `mirror`, canary `backend`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceRef {
    /// Service name.
    pub service: String,
    /// Service port number or name (a Terraform string).
    #[serde(deserialize_with = "string_or_number")]
    pub port: String,
}

/// `rule` block.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Host (lowercase, `*.` wildcard allowed); none = every host.
    pub host: Option<String>,
    /// Paths (at least one).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub path: Vec<PathSpec>,
}

/// `path` block inside a rule.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PathSpec {
    /// Path, default `/`.
    pub path: Option<String>,
    /// Path type, default `ImplementationSpecific`.
    pub path_type: Option<PathType>,
    /// Forward backends (max 5).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub backend: Vec<BackendSpec>,
    /// Extra conditions.
    pub r#match: Option<MatchSpec>,
    /// Rewrite action.
    pub rewrite: Option<RewriteSpec>,
    /// Insert-header actions.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub insert_header: Vec<InsertHeaderSpec>,
    /// Remove-header actions.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub remove_header: Vec<RemoveHeaderSpec>,
    /// Traffic limit action.
    pub traffic_limit: Option<TrafficLimitSpec>,
    /// CORS action.
    pub cors: Option<CorsSpec>,
    /// Traffic mirror action.
    pub mirror: Option<ServiceRef>,
    /// Redirect (final action).
    pub redirect: Option<RedirectSpec>,
    /// Fixed response (final action).
    pub fixed_response: Option<FixedResponseSpec>,
}

impl PathSpec {
    /// Path, default `/`.
    pub fn path(&self) -> &str {
        self.path.as_deref().unwrap_or("/")
    }
    /// Path type, default `ImplementationSpecific`.
    pub fn path_type(&self) -> PathType {
        self.path_type.unwrap_or(PathType::ImplementationSpecific)
    }
}

/// `backend` block inside a path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BackendSpec {
    /// Service name.
    pub service: String,
    /// Service port number or name (a Terraform string).
    #[serde(deserialize_with = "string_or_number")]
    pub port: String,
    /// Weight 0–100 (required when there are several backends; default 100 for a single one).
    pub weight: Option<i64>,
}

/// `match` block: extra conditions, AND-ed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    /// Header conditions.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub header: Vec<HeaderMatchSpec>,
    /// Query string pairs (OR-ed).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub query_string: Vec<KeyValueSpec>,
    /// Cookie pairs (OR-ed).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub cookie: Vec<KeyValueSpec>,
    /// Request methods.
    pub methods: Option<Vec<HttpMethod>>,
    /// Client CIDRs (≤5).
    pub source_ips: Option<Vec<String>>,
}

/// `header` block inside `match`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderMatchSpec {
    /// Header name.
    pub name: String,
    /// Accepted values (≥1, OR-ed).
    pub values: Vec<String>,
}

/// A key/value pair (`query_string`, `cookie`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyValueSpec {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// `rewrite` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RewriteSpec {
    /// New host.
    pub host: Option<String>,
    /// New path.
    pub path: Option<String>,
    /// New query.
    pub query: Option<String>,
}

/// `insert_header` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InsertHeaderSpec {
    /// Header name.
    pub name: String,
    /// Value (or referenced header / system value).
    pub value: String,
    /// Value type, default `UserDefined`.
    pub value_type: Option<HeaderValueType>,
}

/// `remove_header` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveHeaderSpec {
    /// Header name.
    pub name: String,
}

/// `traffic_limit` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficLimitSpec {
    /// Whole-rule QPS.
    pub qps: i64,
    /// Per client IP QPS (< qps).
    pub per_ip_qps: Option<i64>,
}

/// `cors` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CorsSpec {
    /// Allowed origins, default `["*"]`.
    pub allow_origins: Option<Vec<String>>,
    /// Allowed methods, default GET, PUT, POST, DELETE, PATCH, OPTIONS.
    pub allow_methods: Option<Vec<String>>,
    /// Allowed headers, default the ACK list.
    pub allow_headers: Option<Vec<String>>,
    /// Exposed headers, default none.
    pub expose_headers: Option<Vec<String>>,
    /// Allow credentials, default true.
    pub allow_credentials: Option<bool>,
    /// Max age seconds, default 172800.
    pub max_age: Option<i64>,
}

impl CorsSpec {
    /// Allowed origins, default `["*"]`.
    pub fn allow_origins(&self) -> Vec<String> {
        self.allow_origins
            .clone()
            .unwrap_or_else(|| vec!["*".to_owned()])
    }
    /// Allowed methods, default GET, PUT, POST, DELETE, PATCH, OPTIONS.
    pub fn allow_methods(&self) -> Vec<String> {
        self.allow_methods.clone().unwrap_or_else(|| {
            ["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"]
                .map(str::to_owned)
                .to_vec()
        })
    }
    /// Allowed headers, default the ACK list.
    pub fn allow_headers(&self) -> Vec<String> {
        self.allow_headers.clone().unwrap_or_else(|| {
            [
                "DNT",
                "X-CustomHeader",
                "Keep-Alive",
                "User-Agent",
                "X-Requested-With",
                "If-Modified-Since",
                "Cache-Control",
                "Content-Type",
                "Authorization",
            ]
            .map(str::to_owned)
            .to_vec()
        })
    }
    /// Exposed headers, default none.
    pub fn expose_headers(&self) -> Vec<String> {
        self.expose_headers.clone().unwrap_or_default()
    }
    /// Allow credentials, default true.
    pub fn allow_credentials(&self) -> bool {
        self.allow_credentials.unwrap_or(true)
    }
    /// Max age, default 172800.
    pub fn max_age(&self) -> i64 {
        self.max_age.unwrap_or(172_800)
    }
}

/// `redirect` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RedirectSpec {
    /// Target protocol.
    pub protocol: Option<RedirectProtocol>,
    /// Target host.
    pub host: Option<String>,
    /// Target port (a Terraform string).
    pub port: Option<String>,
    /// Target path.
    pub path: Option<String>,
    /// Target query.
    pub query: Option<String>,
    /// HTTP code, default 301.
    pub code: Option<i64>,
}

impl RedirectSpec {
    /// HTTP code, default 301.
    pub fn code(&self) -> i64 {
        self.code.unwrap_or(301)
    }
}

/// `fixed_response` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FixedResponseSpec {
    /// HTTP status 200–599.
    pub status: i64,
    /// Content type, default `text/plain`.
    pub content_type: Option<ContentType>,
    /// Body (≤1024 ASCII).
    pub content: Option<String>,
}

impl FixedResponseSpec {
    /// Content type, default `text/plain`.
    pub fn content_type(&self) -> ContentType {
        self.content_type.unwrap_or(ContentType::TextPlain)
    }
}

/// `canary` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CanarySpec {
    /// The canary Service (required).
    pub backend: Option<ServiceRef>,
    /// Route by header.
    pub header: Option<CanaryHeaderSpec>,
    /// Route by cookie `<name>=always`.
    pub cookie: Option<String>,
    /// Route this percentage of traffic (0–100).
    pub weight: Option<i64>,
    /// Only rules with these hosts (default: all).
    pub hosts: Option<Vec<String>>,
    /// Only paths with these `path` values (default: all).
    pub paths: Option<Vec<String>>,
}

/// `header` block of a canary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryHeaderSpec {
    /// Header name.
    pub name: String,
    /// Header value, default `always`.
    pub value: Option<String>,
}

impl CanaryHeaderSpec {
    /// Header value, default `always`.
    pub fn value(&self) -> &str {
        self.value.as_deref().unwrap_or("always")
    }
}

/// Weight of a member unless `backend_defaults.member_weight` says otherwise.
pub const DEFAULT_MEMBER_WEIGHT: u32 = 100;

/// `backend_defaults` block: server group attributes of every backend of the ingress.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BackendDefaults {
    /// Backend protocol, default `HTTP`.
    pub protocol: Option<BackendProtocol>,
    /// Scheduler, default `Wrr`.
    pub scheduler: Option<Scheduler>,
    /// Query key for `Uch`.
    pub uch_query_key: Option<String>,
    /// Member mode, default `ip`.
    pub member_mode: Option<MemberMode>,
    /// Weight of every member, default [`DEFAULT_MEMBER_WEIGHT`].
    pub member_weight: Option<u32>,
    /// Who keeps the members, default `terraform`.
    pub member_sync: Option<MemberSync>,
    /// nodeport mode: only nodes carrying all these labels are members.
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Upstream keepalive, default false.
    pub keepalive: Option<bool>,
    /// Cross-zone balancing, default true.
    pub cross_zone: Option<bool>,
    /// Health check.
    pub health_check: Option<HealthCheckSpec>,
    /// Sticky session.
    pub sticky_session: Option<StickySessionSpec>,
    /// Slow start.
    pub slow_start: Option<SlowStartSpec>,
    /// Connection drain.
    pub connection_drain: Option<ConnectionDrainSpec>,
}

impl BackendDefaults {
    /// Backend protocol, default `HTTP`.
    pub fn protocol(&self) -> BackendProtocol {
        self.protocol.unwrap_or(BackendProtocol::Http)
    }
    /// Scheduler, default `Wrr`.
    pub fn scheduler(&self) -> Scheduler {
        self.scheduler.unwrap_or(Scheduler::Wrr)
    }
    /// Member mode, default `ip`.
    pub fn member_mode(&self) -> MemberMode {
        self.member_mode.unwrap_or(MemberMode::Ip)
    }
    /// Who keeps the members, default `terraform`.
    pub fn member_sync(&self) -> MemberSync {
        self.member_sync.unwrap_or(MemberSync::Terraform)
    }
    /// Member weight, default [`DEFAULT_MEMBER_WEIGHT`].
    pub fn member_weight(&self) -> u32 {
        self.member_weight.unwrap_or(DEFAULT_MEMBER_WEIGHT)
    }
    /// Keepalive, default false.
    pub fn keepalive(&self) -> bool {
        self.keepalive.unwrap_or(false)
    }
    /// Cross-zone, default true.
    pub fn cross_zone(&self) -> bool {
        self.cross_zone.unwrap_or(true)
    }
}

/// `health_check` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSpec {
    /// Enabled, default false.
    pub enabled: Option<bool>,
    /// Protocol, default `HTTP` (`GRPC` for a GRPC backend).
    pub protocol: Option<HealthCheckProtocol>,
    /// Method, default `HEAD` (`POST` for GRPC).
    pub method: Option<HealthCheckMethod>,
    /// Path, default `/`.
    pub path: Option<String>,
    /// Host header.
    pub host: Option<String>,
    /// Healthy codes, default `http_2xx` (`0` for GRPC).
    pub codes: Option<Vec<String>>,
    /// HTTP version, default `HTTP1.1`.
    pub http_version: Option<HttpVersion>,
    /// Port, default 0 (the backend port).
    pub connect_port: Option<i64>,
    /// Interval seconds, default 2.
    pub interval: Option<i64>,
    /// Timeout seconds, default 5.
    pub timeout: Option<i64>,
    /// Healthy threshold, default 3.
    pub healthy_threshold: Option<i64>,
    /// Unhealthy threshold, default 3.
    pub unhealthy_threshold: Option<i64>,
}

/// `sticky_session` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StickySessionSpec {
    /// `Insert` (default) / `Server`.
    pub r#type: Option<StickyType>,
    /// Cookie timeout (Insert), default 1000.
    pub cookie_timeout: Option<i64>,
    /// Cookie name (Server).
    pub cookie: Option<String>,
}

/// `slow_start` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SlowStartSpec {
    /// Duration seconds 30–900, default 30.
    pub duration: Option<i64>,
}

/// `connection_drain` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionDrainSpec {
    /// Timeout seconds 0–900, default 300.
    pub timeout: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn config_accepts_computed_and_nulls() {
        let spec: ConfigSpec = serde_json::from_value(json!({
            "id": null, "name": "web", "vpc_id": "vpc-1", "address_type": null, "edition": null,
            "address_ip_version": null, "address_allocated_mode": null, "resource_group_id": null,
            "bandwidth_package_id": null, "deletion_protection": null, "tags": null,
            "zone_mapping": [{"zone_id": "a", "vswitch_id": "vsw-a", "allocation_id": null, "eip_type": null, "intranet_address": null}],
            "access_log": null,
            "listener": [{"port": 443, "protocol": "HTTPS", "description": null, "certificate_ids": ["c1"],
                          "ca_certificate_ids": null, "security_policy_id": null, "idle_timeout": null,
                          "request_timeout": null, "http2": null, "gzip": null, "x_forwarded_for": null,
                          "acl": null, "quic": null, "id": "lsn-1", "default_server_group_id": "sgp-1"}],
            "dns_name": "x.alb.aliyuncs.com", "status": "Active", "timeouts": null
        }))
        .unwrap();
        assert_eq!(spec.edition(), Edition::Standard);
        let l = &spec.listener[0];
        assert_eq!(l.description(), "ingress-auto-listener-443");
        assert_eq!(l.idle_timeout(), 15);
        assert_eq!(l.http2(), Some(true));
        assert_eq!(
            l.security_policy_id().as_deref(),
            Some("tls_cipher_policy_1_0")
        );
    }

    #[test]
    fn unknown_field_rejected() {
        let err =
            serde_json::from_value::<ListenSpec>(json!({"protocol": "HTTP", "port": 80, "x": 1}));
        assert!(err.is_err());
    }

    #[test]
    fn ingress_with_computed_lists_and_numeric_port() {
        let spec: IngressSpec = serde_json::from_value(json!({
            "alb_config_id": "alb-1", "namespace": "shop", "name": "web",
            "rules": [{"listener": "HTTP:80"}], "server_groups": [], "canary": null,
            "rule": [{"host": null, "path": [{"backend": [{"service": "api", "port": 80, "weight": null}], "match": null}]}]
        }))
        .unwrap();
        assert_eq!(spec.order(), 10);
        assert_eq!(spec.rule[0].path[0].backend[0].port, "80");
        assert_eq!(spec.rule[0].path[0].path(), "/");
    }

    #[test]
    fn timeouts_parse() {
        use std::time::Duration;
        assert_eq!(Timeouts::parse("1h30m").unwrap().as_secs(), 5400);
        assert_eq!(Timeouts::parse("45s").unwrap().as_secs(), 45);
        assert_eq!(Timeouts::parse("10m"), Some(Duration::from_secs(600)));
        assert_eq!(Timeouts::parse("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(Timeouts::parse("250ms"), Some(Duration::from_millis(250)));
        for ok in ["30s", "500ms", "0s", "1us", "1µs", "1ns"] {
            assert!(Timeouts::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "", "10", "m", "1x", ".5s", "5.s", "5d", "10 m", "-1s", "1h30", "1d",
        ] {
            assert_eq!(Timeouts::parse(bad), None, "{bad}");
        }
    }
}

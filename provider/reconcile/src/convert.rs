//! Conversions between ALB API shapes (`alb_api`) and the model's types (`model`), one function
//! per conversion and direction. API → model is fallible ([`ConvertError`]); model → API is not.
//!
//! Normalisations (so that what the API echoes compares equal to what the model expands):
//! * health-check fields that do not apply to the check protocol are dropped (as the expansion
//!   does); the API's `$SERVER_IP` host means "no host";
//! * redirect fields equal to the `${…}` placeholders mean "keep the request's value" (`None`);
//! * a QUIC config that neither upgrades nor names a listener means "no QUIC";
//! * HTTP/2 is an HTTPS-only attribute, TLS policy a non-HTTP one.

use std::collections::BTreeMap;

use alb_api::common::{CertificateRef, Tag};
use alb_api::listener::{
    CreateListenerRequest, DefaultAction, Listener, ListenerCertificate, QuicConfig,
    UpdateListenerAttributeRequest, XForwardedForConfig,
};
use alb_api::load_balancer::{BillingConfig, CreateLoadBalancerRequest, ZoneMapping};
use alb_api::rule::{
    CorsConfig, FixedResponseConfig, ForwardGroupConfig, InsertHeaderConfig, MirrorGroupConfig,
    RedirectConfig, RewriteConfig, RuleAction, RuleCondition, ServerGroupStickySession,
    ServerGroupTuple, TrafficLimitConfig, TrafficMirrorConfig,
};
use alb_api::server_group::{
    BackendServer, ConnectionDrainConfig, CreateServerGroupRequest, HealthCheckConfig, ServerGroup,
    SlowStartConfig, StickySessionConfig, UchConfig, UpdateServerGroupAttributeRequest,
};
use model::desired::{
    Action, ActionKind, Condition, ConnectionDrain, DesiredLoadBalancer, ForwardSticky,
    GroupTarget, HealthCheck, KeyValue, ListenerAttributes, ListenerKey, Member, Quic,
    ServerGroupAttributes, ServerType, SlowStart, StickySession, Uch, XForwardedFor,
};
use model::ownership::Tags;
use model::spec::{
    BackendProtocol, HealthCheckProtocol, ListenerProtocol, MemberMode, Scheduler, StickyType,
};
use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::de::DeserializeOwned;

use crate::error::ConvertError;

/// Parses a wire spelling into one of the model's enums (which deserialise from it).
pub(crate) fn parse_enum<T: DeserializeOwned>(what: &str, s: &str) -> Result<T, ConvertError> {
    T::deserialize(StrDeserializer::<ValueError>::new(s))
        .map_err(|_| ConvertError(format!("unknown {what} {s:?}")))
}

fn number<T: TryFrom<i64>>(what: &str, v: i64) -> Result<T, ConvertError> {
    T::try_from(v).map_err(|_| ConvertError(format!("{what} {v} is out of range")))
}

// ------------------------------------------------------------------------------------------------
// Tags
// ------------------------------------------------------------------------------------------------

/// API tags → the model's tag map.
pub(crate) fn tags_from_api(tags: &[Tag]) -> Tags {
    tags.iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

/// The model's tag map → API tags.
pub(crate) fn tags_to_api(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::new(k, v)).collect()
}

// ------------------------------------------------------------------------------------------------
// Enums whose API spelling differs from the model's
// ------------------------------------------------------------------------------------------------

/// Backend protocol as the API spells it (`gRPC`).
pub(crate) fn backend_protocol_to_api(p: BackendProtocol) -> &'static str {
    match p {
        BackendProtocol::Http => "HTTP",
        BackendProtocol::Https => "HTTPS",
        BackendProtocol::Grpc => "gRPC",
    }
}

fn backend_protocol_from_api(s: &str) -> Result<BackendProtocol, ConvertError> {
    parse_enum("server group protocol", &s.to_ascii_uppercase())
}

fn health_protocol_to_api(p: HealthCheckProtocol) -> &'static str {
    match p {
        HealthCheckProtocol::Http => "HTTP",
        HealthCheckProtocol::Https => "HTTPS",
        HealthCheckProtocol::Tcp => "TCP",
        HealthCheckProtocol::Grpc => "gRPC",
    }
}

fn health_protocol_from_api(s: &str) -> Result<HealthCheckProtocol, ConvertError> {
    parse_enum("health check protocol", &s.to_ascii_uppercase())
}

/// `ServerGroupType` for a member mode: pod IPs go in `Ip` groups, node ports in `Instance`
/// groups (ECS members).
pub(crate) fn server_group_type(mode: MemberMode) -> &'static str {
    match mode {
        MemberMode::Ip => "Ip",
        MemberMode::NodePort => "Instance",
    }
}

/// The member mode of a server group of type `kind` (inverse of [`server_group_type`]; `Ip`
/// for any type other than `Instance`).
pub(crate) fn member_mode_from_api(kind: Option<&str>) -> MemberMode {
    match kind {
        Some("Instance") => MemberMode::NodePort,
        _ => MemberMode::Ip,
    }
}

// ------------------------------------------------------------------------------------------------
// Rule conditions
// ------------------------------------------------------------------------------------------------

/// A model condition → the API's condition.
pub(crate) fn condition_to_api(c: &Condition) -> RuleCondition {
    let pairs = |v: &[KeyValue]| {
        v.iter()
            .map(|kv| (kv.key.clone(), kv.value.clone()))
            .collect::<Vec<_>>()
    };
    match c {
        Condition::Host { values } => RuleCondition::host(values.clone()),
        Condition::Path { values } => RuleCondition::path(values.clone()),
        Condition::Header { key, values } => RuleCondition::header(key.clone(), values.clone()),
        Condition::QueryString { values } => RuleCondition::query_string(pairs(values)),
        Condition::Method { values } => RuleCondition::method(values.iter().map(|m| m.as_str())),
        Condition::Cookie { values } => RuleCondition::cookie(pairs(values)),
        Condition::SourceIp { values } => RuleCondition::source_ip(values.clone()),
    }
}

/// An API condition → the model's (request conditions only).
pub(crate) fn condition_from_api(c: &RuleCondition) -> Result<Condition, ConvertError> {
    let missing = || ConvertError(format!("{} condition without its config", c.r#type));
    let values = |v: &Option<alb_api::rule::ValuesConfig>| {
        v.as_ref().map(|x| x.values.clone()).ok_or_else(missing)
    };
    let pairs = |v: &Option<alb_api::rule::KeyValuesConfig>| {
        v.as_ref()
            .map(|x| {
                x.values
                    .iter()
                    .map(|kv| KeyValue {
                        key: kv.key.clone(),
                        value: kv.value.clone(),
                    })
                    .collect()
            })
            .ok_or_else(missing)
    };
    Ok(match c.r#type.as_str() {
        "Host" => Condition::Host {
            values: values(&c.host_config)?,
        },
        "Path" => Condition::Path {
            values: values(&c.path_config)?,
        },
        "Header" => {
            let h = c.header_config.as_ref().ok_or_else(missing)?;
            Condition::Header {
                key: h.key.clone(),
                values: h.values.clone(),
            }
        }
        "QueryString" => Condition::QueryString {
            values: pairs(&c.query_string_config)?,
        },
        "Method" => Condition::Method {
            values: values(&c.method_config)?
                .iter()
                .map(|m| parse_enum("method", m))
                .collect::<Result<_, _>>()?,
        },
        "Cookie" => Condition::Cookie {
            values: pairs(&c.cookie_config)?,
        },
        "SourceIp" => Condition::SourceIp {
            values: values(&c.source_ip_config)?,
        },
        other => {
            return Err(ConvertError(format!(
                "unsupported condition type {other:?}"
            )))
        }
    })
}

// ------------------------------------------------------------------------------------------------
// Rule actions
// ------------------------------------------------------------------------------------------------

/// A model action → the API's, with server-group keys turned into ids by `group_id`.
pub(crate) fn action_to_api(
    a: &Action,
    group_id: &dyn Fn(&str) -> Result<String, ConvertError>,
) -> Result<RuleAction, ConvertError> {
    let order = i64::from(a.order);
    Ok(match &a.kind {
        ActionKind::ForwardGroup {
            server_groups,
            sticky,
        } => RuleAction::forward(
            order,
            ForwardGroupConfig {
                server_group_tuples: server_groups
                    .iter()
                    .map(|t| {
                        Ok(ServerGroupTuple {
                            server_group_id: group_id(&t.key)?,
                            weight: Some(i64::from(t.weight)),
                        })
                    })
                    .collect::<Result<_, ConvertError>>()?,
                server_group_sticky_session: sticky.as_ref().map(|s| ServerGroupStickySession {
                    enabled: Some(true),
                    timeout: Some(i64::from(s.timeout)),
                }),
            },
        ),
        ActionKind::Redirect {
            protocol,
            host,
            port,
            path,
            query,
            code,
        } => RuleAction::redirect(
            order,
            RedirectConfig {
                host: host.clone(),
                path: path.clone(),
                query: query.clone(),
                port: port.clone(),
                protocol: protocol.clone(),
                http_code: Some(code.to_string()),
            },
        ),
        ActionKind::FixedResponse {
            status,
            content_type,
            content,
        } => RuleAction::fixed_response(
            order,
            FixedResponseConfig {
                content: content.clone(),
                content_type: Some(content_type.as_str().to_owned()),
                http_code: Some(status.to_string()),
            },
        ),
        ActionKind::Rewrite { host, path, query } => RuleAction::rewrite(
            order,
            RewriteConfig {
                host: host.clone(),
                path: path.clone(),
                query: query.clone(),
            },
        ),
        ActionKind::InsertHeader {
            name,
            value,
            value_type,
        } => RuleAction::insert_header(
            order,
            InsertHeaderConfig {
                key: name.clone(),
                value: Some(value.clone()),
                value_type: Some(value_type.as_str().to_owned()),
                cover_enabled: None,
            },
        ),
        ActionKind::RemoveHeader { name } => RuleAction::remove_header(order, name.clone()),
        ActionKind::TrafficLimit { qps, per_ip_qps } => RuleAction::traffic_limit(
            order,
            TrafficLimitConfig {
                qps: Some(i64::from(*qps)),
                per_ip_qps: per_ip_qps.map(i64::from),
            },
        ),
        ActionKind::TrafficMirror { server_group } => RuleAction::traffic_mirror(
            order,
            TrafficMirrorConfig {
                target_type: Some("ForwardGroupMirror".to_owned()),
                mirror_group_config: Some(MirrorGroupConfig {
                    server_group_tuples: vec![ServerGroupTuple {
                        server_group_id: group_id(server_group)?,
                        weight: None,
                    }],
                }),
            },
        ),
        ActionKind::Cors {
            allow_origins,
            allow_methods,
            allow_headers,
            expose_headers,
            allow_credentials,
            max_age,
        } => RuleAction::cors(
            order,
            CorsConfig {
                allow_origin: allow_origins.clone(),
                allow_methods: allow_methods.clone(),
                allow_headers: allow_headers.clone(),
                expose_headers: expose_headers.clone(),
                allow_credentials: Some(if *allow_credentials { "on" } else { "off" }.to_owned()),
                max_age: Some(i64::from(*max_age)),
            },
        ),
    })
}

/// `None` for an absent, empty or `${…}` placeholder value (keep the request's value).
fn explicit(v: &Option<String>) -> Option<String> {
    v.clone()
        .filter(|s| !(s.is_empty() || s.starts_with("${") && s.ends_with('}')))
}

/// A status code such as `301` or `HTTP_301`.
fn status_code(what: &str, v: &Option<String>) -> Result<u16, ConvertError> {
    let raw = v.as_deref().unwrap_or_default();
    raw.trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .map_err(|_| ConvertError(format!("{what} {raw:?} is not a status code")))
}

/// An API action → the model's, with server-group ids turned into keys by `group_key`
/// (see `model::diff::ActualIngress::group_key`).
pub(crate) fn action_from_api(
    a: &RuleAction,
    group_key: &dyn Fn(&str) -> String,
) -> Result<Action, ConvertError> {
    let missing = || ConvertError(format!("{} action without its config", a.r#type));
    let kind = match a.r#type.as_str() {
        "ForwardGroup" => {
            let f = a.forward_group_config.as_ref().ok_or_else(missing)?;
            ActionKind::ForwardGroup {
                server_groups: f
                    .server_group_tuples
                    .iter()
                    .map(|t| {
                        Ok(GroupTarget {
                            key: group_key(&t.server_group_id),
                            weight: number("weight", t.weight.unwrap_or(100))?,
                        })
                    })
                    .collect::<Result<_, ConvertError>>()?,
                sticky: match &f.server_group_sticky_session {
                    Some(s) if s.enabled == Some(true) => Some(ForwardSticky {
                        timeout: number("sticky timeout", s.timeout.unwrap_or(1000))?,
                    }),
                    _ => None,
                },
            }
        }
        "Redirect" => {
            let r = a.redirect_config.as_ref().ok_or_else(missing)?;
            ActionKind::Redirect {
                protocol: explicit(&r.protocol),
                host: explicit(&r.host),
                port: explicit(&r.port),
                path: explicit(&r.path),
                query: explicit(&r.query),
                code: status_code("redirect code", &r.http_code)?,
            }
        }
        "FixedResponse" => {
            let r = a.fixed_response_config.as_ref().ok_or_else(missing)?;
            ActionKind::FixedResponse {
                status: status_code("fixed response code", &r.http_code)?,
                content_type: parse_enum(
                    "content type",
                    r.content_type.as_deref().unwrap_or("text/plain"),
                )?,
                content: r.content.clone().filter(|c| !c.is_empty()),
            }
        }
        "Rewrite" => {
            let r = a.rewrite_config.as_ref().ok_or_else(missing)?;
            ActionKind::Rewrite {
                host: explicit(&r.host),
                path: explicit(&r.path),
                query: explicit(&r.query),
            }
        }
        "InsertHeader" => {
            let h = a.insert_header_config.as_ref().ok_or_else(missing)?;
            ActionKind::InsertHeader {
                name: h.key.clone(),
                value: h.value.clone().unwrap_or_default(),
                value_type: parse_enum(
                    "header value type",
                    h.value_type.as_deref().unwrap_or("UserDefined"),
                )?,
            }
        }
        "RemoveHeader" => ActionKind::RemoveHeader {
            name: a
                .remove_header_config
                .as_ref()
                .ok_or_else(missing)?
                .key
                .clone(),
        },
        "TrafficLimit" => {
            let t = a.traffic_limit_config.as_ref().ok_or_else(missing)?;
            ActionKind::TrafficLimit {
                qps: number("QPS", t.qps.ok_or_else(missing)?)?,
                per_ip_qps: t.per_ip_qps.map(|q| number("per-IP QPS", q)).transpose()?,
            }
        }
        "TrafficMirror" => {
            let id = a
                .traffic_mirror_config
                .as_ref()
                .and_then(|m| m.mirror_group_config.as_ref())
                .and_then(|g| g.server_group_tuples.first())
                .ok_or_else(missing)?;
            ActionKind::TrafficMirror {
                server_group: group_key(&id.server_group_id),
            }
        }
        "Cors" => {
            let c = a.cors_config.as_ref().ok_or_else(missing)?;
            ActionKind::Cors {
                allow_origins: c.allow_origin.clone(),
                allow_methods: c.allow_methods.clone(),
                allow_headers: c.allow_headers.clone(),
                expose_headers: c.expose_headers.clone(),
                allow_credentials: c.allow_credentials.as_deref() == Some("on"),
                max_age: number("max age", c.max_age.unwrap_or(0))?,
            }
        }
        other => return Err(ConvertError(format!("unsupported action type {other:?}"))),
    };
    Ok(Action {
        order: number("action order", a.order)?,
        kind,
    })
}

// ------------------------------------------------------------------------------------------------
// Server groups and members
// ------------------------------------------------------------------------------------------------

/// The attribute blocks of a server group as the API takes them.
pub(crate) struct GroupSettings {
    scheduler: String,
    health_check: HealthCheckConfig,
    sticky_session: StickySessionConfig,
    connection_drain: ConnectionDrainConfig,
    slow_start: SlowStartConfig,
    uch: Option<UchConfig>,
    cross_zone: bool,
    keepalive: bool,
}

impl From<&ServerGroupAttributes> for GroupSettings {
    /// Disabled features are sent as explicitly disabled, so an update turns them off.
    fn from(a: &ServerGroupAttributes) -> Self {
        let health_check = match &a.health_check {
            None => HealthCheckConfig {
                health_check_enabled: Some(false),
                ..Default::default()
            },
            Some(h) => HealthCheckConfig {
                health_check_enabled: Some(true),
                health_check_protocol: Some(health_protocol_to_api(h.protocol).to_owned()),
                health_check_method: h.method.map(|m| m.as_str().to_owned()),
                health_check_path: h.path.clone(),
                health_check_host: h.host.clone(),
                health_check_http_version: h.http_version.map(|v| v.as_str().to_owned()),
                health_check_connect_port: Some(i64::from(h.connect_port)),
                health_check_interval: Some(i64::from(h.interval)),
                health_check_timeout: Some(i64::from(h.timeout)),
                healthy_threshold: Some(i64::from(h.healthy_threshold)),
                unhealthy_threshold: Some(i64::from(h.unhealthy_threshold)),
                health_check_codes: h.codes.clone(),
            },
        };
        let sticky_session = match &a.sticky_session {
            None => StickySessionConfig {
                sticky_session_enabled: Some(false),
                ..Default::default()
            },
            Some(s) => StickySessionConfig {
                sticky_session_enabled: Some(true),
                sticky_session_type: Some(s.kind.as_str().to_owned()),
                cookie_timeout: s.cookie_timeout.map(i64::from),
                cookie: s.cookie.clone(),
            },
        };
        Self {
            scheduler: a.scheduler.as_str().to_owned(),
            health_check,
            sticky_session,
            connection_drain: ConnectionDrainConfig {
                connection_drain_enabled: Some(a.connection_drain.is_some()),
                connection_drain_timeout: a.connection_drain.as_ref().map(|d| i64::from(d.timeout)),
            },
            slow_start: SlowStartConfig {
                slow_start_enabled: Some(a.slow_start.is_some()),
                slow_start_duration: a.slow_start.as_ref().map(|s| i64::from(s.duration)),
            },
            uch: a.uch.as_ref().map(|u| UchConfig {
                r#type: "QueryString".to_owned(),
                value: u.query_key.clone(),
            }),
            cross_zone: a.cross_zone,
            keepalive: a.keepalive,
        }
    }
}

/// What a `CreateServerGroup` needs besides the attributes.
pub(crate) struct NewGroup<'a> {
    /// ServerGroupName.
    pub name: &'a str,
    /// ServerGroupType.
    pub kind: &'a str,
    /// Protocol.
    pub protocol: BackendProtocol,
    /// VPC of the load balancer.
    pub vpc_id: &'a str,
    /// Tags.
    pub tags: &'a Tags,
}

/// A `CreateServerGroup` request.
pub(crate) fn create_group_request(
    g: &NewGroup<'_>,
    attributes: Option<&ServerGroupAttributes>,
) -> CreateServerGroupRequest {
    let base = CreateServerGroupRequest {
        server_group_name: g.name.to_owned(),
        health_check_config: HealthCheckConfig {
            health_check_enabled: Some(false),
            ..Default::default()
        },
        server_group_type: Some(g.kind.to_owned()),
        protocol: Some(backend_protocol_to_api(g.protocol).to_owned()),
        vpc_id: Some(g.vpc_id.to_owned()),
        tag: tags_to_api(g.tags),
        ..Default::default()
    };
    let Some(attributes) = attributes else {
        return base;
    };
    let s = GroupSettings::from(attributes);
    CreateServerGroupRequest {
        health_check_config: s.health_check,
        scheduler: Some(s.scheduler),
        sticky_session_config: Some(s.sticky_session),
        connection_drain_config: Some(s.connection_drain),
        slow_start_config: Some(s.slow_start),
        uch_config: s.uch,
        cross_zone_enabled: Some(s.cross_zone),
        upstream_keepalive_enabled: Some(s.keepalive),
        ..base
    }
}

/// An `UpdateServerGroupAttribute` request setting every attribute.
pub(crate) fn update_group_request(
    id: &str,
    name: &str,
    attributes: &ServerGroupAttributes,
) -> UpdateServerGroupAttributeRequest {
    let s = GroupSettings::from(attributes);
    UpdateServerGroupAttributeRequest {
        server_group_id: id.to_owned(),
        server_group_name: Some(name.to_owned()),
        scheduler: Some(s.scheduler),
        health_check_config: Some(s.health_check),
        sticky_session_config: Some(s.sticky_session),
        connection_drain_config: Some(s.connection_drain),
        slow_start_config: Some(s.slow_start),
        uch_config: s.uch,
        cross_zone_enabled: Some(s.cross_zone),
        upstream_keepalive_enabled: Some(s.keepalive),
        ..Default::default()
    }
}

fn health_check_from_api(h: &HealthCheckConfig) -> Result<Option<HealthCheck>, ConvertError> {
    if h.health_check_enabled != Some(true) {
        return Ok(None);
    }
    let protocol = health_protocol_from_api(h.health_check_protocol.as_deref().unwrap_or("HTTP"))?;
    let http = matches!(
        protocol,
        HealthCheckProtocol::Http | HealthCheckProtocol::Https
    );
    let tcp = protocol == HealthCheckProtocol::Tcp;
    let int = |what: &str, v: Option<i64>, default: i64| number::<u32>(what, v.unwrap_or(default));
    Ok(Some(HealthCheck {
        protocol,
        method: match (&h.health_check_method, tcp) {
            (Some(m), false) => Some(parse_enum("health check method", m)?),
            _ => None,
        },
        path: h.health_check_path.clone().filter(|_| !tcp),
        host: h
            .health_check_host
            .clone()
            .filter(|v| !tcp && !v.is_empty() && v != "$SERVER_IP"),
        codes: if tcp {
            Vec::new()
        } else {
            h.health_check_codes.clone()
        },
        http_version: match (&h.health_check_http_version, http) {
            (Some(v), true) => Some(parse_enum("health check HTTP version", v)?),
            _ => None,
        },
        connect_port: number(
            "health check port",
            h.health_check_connect_port.unwrap_or(0),
        )?,
        interval: int("health check interval", h.health_check_interval, 2)?,
        timeout: int("health check timeout", h.health_check_timeout, 5)?,
        healthy_threshold: int("healthy threshold", h.healthy_threshold, 3)?,
        unhealthy_threshold: int("unhealthy threshold", h.unhealthy_threshold, 3)?,
    }))
}

/// A listed server group → the model's attributes.
pub(crate) fn group_attributes_from_api(
    g: &ServerGroup,
) -> Result<ServerGroupAttributes, ConvertError> {
    let scheduler: Scheduler = parse_enum("scheduler", g.scheduler.as_deref().unwrap_or("Wrr"))?;
    let sticky_session = match &g.sticky_session_config {
        Some(s) if s.sticky_session_enabled == Some(true) => {
            let kind: StickyType = parse_enum(
                "sticky session type",
                s.sticky_session_type.as_deref().unwrap_or("Insert"),
            )?;
            Some(StickySession {
                kind,
                cookie_timeout: (kind == StickyType::Insert)
                    .then(|| number("cookie timeout", s.cookie_timeout.unwrap_or(1000)))
                    .transpose()?,
                cookie: s.cookie.clone().filter(|_| kind == StickyType::Server),
            })
        }
        _ => None,
    };
    let slow_start = match &g.slow_start_config {
        Some(s) if s.slow_start_enabled == Some(true) => Some(SlowStart {
            duration: number("slow start duration", s.slow_start_duration.unwrap_or(30))?,
        }),
        _ => None,
    };
    let connection_drain = match &g.connection_drain_config {
        Some(d) if d.connection_drain_enabled == Some(true) => Some(ConnectionDrain {
            timeout: number("drain timeout", d.connection_drain_timeout.unwrap_or(300))?,
        }),
        _ => None,
    };
    Ok(ServerGroupAttributes {
        protocol: backend_protocol_from_api(g.protocol.as_deref().unwrap_or("HTTP"))?,
        scheduler,
        health_check: match &g.health_check_config {
            Some(h) => health_check_from_api(h)?,
            None => None,
        },
        sticky_session,
        slow_start,
        connection_drain,
        keepalive: g.upstream_keepalive_enabled.unwrap_or(false),
        cross_zone: g.cross_zone_enabled.unwrap_or(true),
        uch: (scheduler == Scheduler::Uch).then(|| Uch {
            query_key: g
                .uch_config
                .as_ref()
                .map(|u| u.value.clone())
                .unwrap_or_default(),
        }),
    })
}

/// A member → the API's backend server (with its weight).
pub(crate) fn member_to_api(m: &Member) -> BackendServer {
    BackendServer {
        server_id: m.server_id.clone(),
        server_type: server_type_to_api(m.kind).to_owned(),
        server_ip: Some(m.ip.clone()).filter(|ip| !ip.is_empty()),
        port: Some(i64::from(m.port)),
        weight: Some(i64::from(m.weight)),
        ..Default::default()
    }
}

fn server_type_to_api(t: ServerType) -> &'static str {
    match t {
        ServerType::Ecs => "Ecs",
        ServerType::Eni => "Eni",
        ServerType::Eci => "Eci",
        ServerType::Ip => "Ip",
    }
}

/// A listed backend server → the model's member.
pub(crate) fn member_from_api(s: &BackendServer) -> Result<Member, ConvertError> {
    Ok(Member {
        server_id: s.server_id.clone(),
        ip: s.server_ip.clone().unwrap_or_default(),
        port: number("server port", s.port.unwrap_or(0))?,
        weight: number("server weight", s.weight.unwrap_or(100))?,
        kind: parse_enum("server type", &s.server_type)?,
    })
}

// ------------------------------------------------------------------------------------------------
// Listeners
// ------------------------------------------------------------------------------------------------

/// The listener key of a listed listener.
pub(crate) fn listener_key(l: &Listener) -> Result<ListenerKey, ConvertError> {
    let protocol: ListenerProtocol = parse_enum("listener protocol", &l.listener_protocol)?;
    Ok(ListenerKey::new(
        protocol,
        number("listener port", l.listener_port)?,
    ))
}

/// The server group a listener's default action forwards to.
pub(crate) fn default_server_group(l: &Listener) -> Option<String> {
    l.default_actions
        .iter()
        .filter_map(|a| a.forward_group_config.as_ref())
        .flat_map(|f| f.server_group_tuples.iter())
        .map(|t| t.server_group_id.clone())
        .next()
}

/// A listed listener and its certificates (`ListListenerCertificates`) → the model's
/// attributes. ACLs are not read (see the crate docs).
pub(crate) fn listener_attributes_from_api(
    l: &Listener,
    key: ListenerKey,
    certificates: &[ListenerCertificate],
) -> Result<ListenerAttributes, ConvertError> {
    let active = |c: &&ListenerCertificate| {
        !matches!(
            c.status.as_deref(),
            Some("Dissociating" | "Diassociating" | "Dissociated")
        )
    };
    let mut servers: Vec<&ListenerCertificate> = certificates
        .iter()
        .filter(|c| c.certificate_type.as_deref() != Some("Ca"))
        .filter(active)
        .collect();
    servers.sort_by_key(|c| c.is_default != Some(true));
    let x = l.x_forwarded_for_config.clone().unwrap_or_default();
    let off = |v: Option<bool>| v.unwrap_or(false);
    let secure = key.protocol != ListenerProtocol::Http;
    Ok(ListenerAttributes {
        description: l.listener_description.clone().unwrap_or_default(),
        certificate_ids: servers.iter().map(|c| c.certificate_id.clone()).collect(),
        ca_certificate_ids: certificates
            .iter()
            .filter(|c| c.certificate_type.as_deref() == Some("Ca"))
            .filter(active)
            .map(|c| c.certificate_id.clone())
            .collect(),
        security_policy_id: l.security_policy_id.clone().filter(|_| secure),
        idle_timeout: number("idle timeout", l.idle_timeout.unwrap_or(15))?,
        request_timeout: number("request timeout", l.request_timeout.unwrap_or(60))?,
        http2: (key.protocol == ListenerProtocol::Https).then(|| l.http2_enabled.unwrap_or(true)),
        gzip: l.gzip_enabled.unwrap_or(true),
        x_forwarded_for: XForwardedFor {
            client_ip: x.enabled.unwrap_or(true),
            proto: off(x.proto_enabled),
            slb_id: off(x.slb_id_enabled),
            slb_port: off(x.slb_port_enabled),
            client_src_port: off(x.client_src_port_enabled),
            host: off(x.host_enabled),
            client_source_ips_enabled: off(x.client_source_ips_enabled),
            client_source_ips_trusted: x.client_source_ips_trusted.filter(|s| !s.is_empty()),
            client_cert_subject_dn: off(x.client_cert_subject_dn_enabled),
            client_cert_issuer_dn: off(x.client_cert_issuer_dn_enabled),
            client_cert_fingerprint: off(x.client_cert_fingerprint_enabled),
            client_cert_client_verify: off(x.client_cert_client_verify_enabled),
        },
        acl: None,
        quic: l
            .quic_config
            .as_ref()
            .filter(|q| q.quic_upgrade_enabled == Some(true) || q.quic_listener_id.is_some())
            .map(|q| Quic {
                upgrade_enabled: q.quic_upgrade_enabled.unwrap_or(false),
                listener_id: q.quic_listener_id.clone().filter(|s| !s.is_empty()),
            }),
    })
}

/// The listener attributes the create and update calls share.
struct ListenerSettings {
    description: Option<String>,
    idle_timeout: i64,
    request_timeout: i64,
    gzip: bool,
    http2: Option<bool>,
    security_policy_id: Option<String>,
    default_certificate: Vec<CertificateRef>,
    ca_certificates: Vec<CertificateRef>,
    quic: Option<QuicConfig>,
    x_forwarded_for: XForwardedForConfig,
}

impl From<&ListenerAttributes> for ListenerSettings {
    fn from(a: &ListenerAttributes) -> Self {
        let x = &a.x_forwarded_for;
        Self {
            description: Some(a.description.clone()).filter(|d| !d.is_empty()),
            idle_timeout: i64::from(a.idle_timeout),
            request_timeout: i64::from(a.request_timeout),
            gzip: a.gzip,
            http2: a.http2,
            security_policy_id: a.security_policy_id.clone(),
            default_certificate: a
                .certificate_ids
                .first()
                .map(CertificateRef::new)
                .into_iter()
                .collect(),
            ca_certificates: a
                .ca_certificate_ids
                .iter()
                .map(CertificateRef::new)
                .collect(),
            quic: a.quic.as_ref().map(|q| QuicConfig {
                quic_upgrade_enabled: Some(q.upgrade_enabled),
                quic_listener_id: q.listener_id.clone(),
            }),
            x_forwarded_for: XForwardedForConfig {
                enabled: Some(x.client_ip),
                proto_enabled: Some(x.proto),
                slb_id_enabled: Some(x.slb_id),
                slb_port_enabled: Some(x.slb_port),
                client_src_port_enabled: Some(x.client_src_port),
                host_enabled: Some(x.host),
                client_source_ips_enabled: Some(x.client_source_ips_enabled),
                client_source_ips_trusted: x.client_source_ips_trusted.clone(),
                client_cert_subject_dn_enabled: Some(x.client_cert_subject_dn),
                client_cert_issuer_dn_enabled: Some(x.client_cert_issuer_dn),
                client_cert_fingerprint_enabled: Some(x.client_cert_fingerprint),
                client_cert_client_verify_enabled: Some(x.client_cert_client_verify),
                ..Default::default()
            },
        }
    }
}

/// A `CreateListener` request (default certificate only; additional ones are associated after).
pub(crate) fn create_listener_request(
    lb_id: &str,
    key: ListenerKey,
    attributes: &ListenerAttributes,
    placeholder_id: &str,
    tags: &Tags,
) -> CreateListenerRequest {
    let s = ListenerSettings::from(attributes);
    CreateListenerRequest {
        load_balancer_id: lb_id.to_owned(),
        listener_protocol: key.protocol.as_str().to_owned(),
        listener_port: i64::from(key.port),
        default_actions: vec![DefaultAction::forward_to(placeholder_id)],
        listener_description: s.description,
        idle_timeout: Some(s.idle_timeout),
        request_timeout: Some(s.request_timeout),
        gzip_enabled: Some(s.gzip),
        http2_enabled: s.http2,
        security_policy_id: s.security_policy_id,
        ca_enabled: (!s.ca_certificates.is_empty()).then_some(true),
        certificates: s.default_certificate,
        ca_certificates: s.ca_certificates,
        quic_config: s.quic,
        x_forwarded_for_config: Some(s.x_forwarded_for),
        tag: tags_to_api(tags),
        dry_run: None,
    }
}

/// An `UpdateListenerAttribute` request setting every attribute and the default action.
pub(crate) fn update_listener_request(
    id: &str,
    attributes: &ListenerAttributes,
    placeholder_id: &str,
) -> UpdateListenerAttributeRequest {
    let s = ListenerSettings::from(attributes);
    UpdateListenerAttributeRequest {
        listener_id: id.to_owned(),
        listener_description: s.description,
        idle_timeout: Some(s.idle_timeout),
        request_timeout: Some(s.request_timeout),
        gzip_enabled: Some(s.gzip),
        http2_enabled: s.http2,
        security_policy_id: s.security_policy_id,
        ca_enabled: Some(!s.ca_certificates.is_empty()),
        certificates: s.default_certificate,
        ca_certificates: s.ca_certificates,
        default_actions: vec![DefaultAction::forward_to(placeholder_id)],
        quic_config: s.quic,
        x_forwarded_for_config: Some(s.x_forwarded_for),
        dry_run: None,
    }
}

// ------------------------------------------------------------------------------------------------
// Load balancer
// ------------------------------------------------------------------------------------------------

/// A `CreateLoadBalancer` request (deletion protection set at creation).
pub(crate) fn create_load_balancer_request(
    lb: &DesiredLoadBalancer,
    tags: &Tags,
) -> CreateLoadBalancerRequest {
    CreateLoadBalancerRequest {
        vpc_id: lb.vpc_id.clone(),
        address_type: lb.address_type.as_str().to_owned(),
        load_balancer_edition: lb.edition.as_str().to_owned(),
        load_balancer_billing_config: BillingConfig {
            pay_type: Some("PostPay".to_owned()),
            bandwidth_package_id: lb.bandwidth_package_id.clone(),
        },
        zone_mappings: lb.zone_mappings.iter().map(zone_mapping_to_api).collect(),
        load_balancer_name: Some(lb.name.clone()),
        address_ip_version: Some(lb.address_ip_version.as_str().to_owned()),
        address_allocated_mode: Some(lb.address_allocated_mode.as_str().to_owned()),
        deletion_protection_enabled: Some(lb.deletion_protection),
        resource_group_id: lb.resource_group_id.clone(),
        tag: tags_to_api(tags),
        ..Default::default()
    }
}

/// A zone as the API's `ZoneMappings.N` takes it.
pub(crate) fn zone_mapping_to_api(z: &model::desired::ZoneMapping) -> ZoneMapping {
    ZoneMapping {
        zone_id: z.zone_id.clone(),
        v_switch_id: z.vswitch_id.clone(),
        allocation_id: z.allocation_id.clone(),
        eip_type: z.eip_type.map(|e| e.as_str().to_owned()),
        intranet_address: z.intranet_address.clone(),
        ..Default::default()
    }
}

/// A zone as the API reports it: the EIP, its type and the fixed address from the zone itself
/// or else from its first address (where `GetLoadBalancerAttribute` puts them); an EIP type the
/// model does not know is left out.
pub(crate) fn zone_mapping_from_api(z: &ZoneMapping) -> model::desired::ZoneMapping {
    let address = z.load_balancer_addresses.first();
    let pick = |own: &Option<String>, from_address: Option<&Option<String>>| {
        own.clone()
            .or_else(|| from_address.cloned().flatten())
            .filter(|s| !s.is_empty())
    };
    model::desired::ZoneMapping {
        zone_id: z.zone_id.clone(),
        vswitch_id: z.v_switch_id.clone(),
        allocation_id: pick(&z.allocation_id, address.map(|a| &a.allocation_id)),
        eip_type: pick(&z.eip_type, address.map(|a| &a.eip_type))
            .and_then(|t| parse_enum("EIP type", &t).ok()),
        intranet_address: pick(&z.intranet_address, address.map(|a| &a.intranet_address)),
    }
}

/// User tags (without the provider's `alb.terraform/` ones).
pub(crate) fn user_tags(tags: &Tags) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|(k, _)| !k.starts_with(model::ownership::TAG_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use model::spec::{ContentType, HeaderValueType, HealthCheckMethod, HttpMethod, HttpVersion};

    use super::*;

    fn key_to_id(key: &str) -> Result<String, ConvertError> {
        Ok(format!("sgp-{key}"))
    }

    fn id_to_key(id: &str) -> String {
        id.trim_start_matches("sgp-").to_owned()
    }

    #[test]
    fn conditions_round_trip() {
        let kv = |k: &str, v: &str| KeyValue {
            key: k.into(),
            value: v.into(),
        };
        let all = vec![
            Condition::Host {
                values: vec!["a.example.com".into()],
            },
            Condition::Path {
                values: vec!["/a".into(), "/b/*".into()],
            },
            Condition::Header {
                key: "x-env".into(),
                values: vec!["prod".into()],
            },
            Condition::QueryString {
                values: vec![kv("a", "1")],
            },
            Condition::Method {
                values: vec![HttpMethod::Get, HttpMethod::Post],
            },
            Condition::Cookie {
                values: vec![kv("c", "2")],
            },
            Condition::SourceIp {
                values: vec!["10.0.0.0/8".into()],
            },
        ];
        for c in all {
            assert_eq!(condition_from_api(&condition_to_api(&c)), Ok(c));
        }
        let response = RuleCondition::response_status_code(["500"]);
        assert!(condition_from_api(&response).is_err());
    }

    #[test]
    fn actions_round_trip_with_keys_and_ids() {
        let kinds = vec![
            ActionKind::ForwardGroup {
                server_groups: vec![
                    GroupTarget {
                        key: "web:80".into(),
                        weight: 80,
                    },
                    GroupTarget {
                        key: "web-next:80".into(),
                        weight: 20,
                    },
                ],
                sticky: Some(ForwardSticky { timeout: 100 }),
            },
            ActionKind::Redirect {
                protocol: Some("HTTPS".into()),
                host: None,
                port: Some("443".into()),
                path: None,
                query: None,
                code: 308,
            },
            ActionKind::FixedResponse {
                status: 503,
                content_type: ContentType::ApplicationJson,
                content: Some("{}".into()),
            },
            ActionKind::Rewrite {
                host: None,
                path: Some("/x".into()),
                query: None,
            },
            ActionKind::InsertHeader {
                name: "x-a".into(),
                value: "b".into(),
                value_type: HeaderValueType::UserDefined,
            },
            ActionKind::RemoveHeader { name: "x-b".into() },
            ActionKind::TrafficLimit {
                qps: 100,
                per_ip_qps: Some(10),
            },
            ActionKind::TrafficMirror {
                server_group: "shadow:80".into(),
            },
            ActionKind::Cors {
                allow_origins: vec!["*".into()],
                allow_methods: vec!["GET".into()],
                allow_headers: vec![],
                expose_headers: vec!["x".into()],
                allow_credentials: true,
                max_age: 600,
            },
        ];
        for (i, kind) in kinds.into_iter().enumerate() {
            let action = Action {
                order: i as u32 + 1,
                kind,
            };
            let api = action_to_api(&action, &key_to_id).expect("to api");
            assert_eq!(action_from_api(&api, &id_to_key), Ok(action));
        }
        let missing = |_: &str| Err(ConvertError("unknown".into()));
        let forward = Action {
            order: 1,
            kind: ActionKind::TrafficMirror {
                server_group: "x".into(),
            },
        };
        assert!(action_to_api(&forward, &missing).is_err());
    }

    #[test]
    fn redirect_placeholders_mean_keep() {
        let api = RuleAction::redirect(
            1,
            RedirectConfig {
                host: Some("${host}".into()),
                path: Some("${path}".into()),
                query: Some(String::new()),
                port: Some("443".into()),
                protocol: Some("HTTPS".into()),
                http_code: Some("HTTP_301".into()),
            },
        );
        let a = action_from_api(&api, &id_to_key).expect("redirect");
        assert_eq!(
            a.kind,
            ActionKind::Redirect {
                protocol: Some("HTTPS".into()),
                host: None,
                port: Some("443".into()),
                path: None,
                query: None,
                code: 301,
            }
        );
    }

    /// What the API would list after a create with this request.
    fn listed(request: &CreateServerGroupRequest) -> ServerGroup {
        ServerGroup {
            protocol: request.protocol.clone(),
            scheduler: request.scheduler.clone(),
            health_check_config: Some(request.health_check_config.clone()),
            sticky_session_config: request.sticky_session_config.clone(),
            connection_drain_config: request.connection_drain_config.clone(),
            slow_start_config: request.slow_start_config.clone(),
            uch_config: request.uch_config.clone(),
            cross_zone_enabled: request.cross_zone_enabled,
            upstream_keepalive_enabled: request.upstream_keepalive_enabled,
            ..Default::default()
        }
    }

    #[test]
    fn server_group_attributes_round_trip() {
        let full = ServerGroupAttributes {
            protocol: BackendProtocol::Grpc,
            scheduler: Scheduler::Uch,
            health_check: Some(HealthCheck {
                protocol: HealthCheckProtocol::Grpc,
                method: Some(HealthCheckMethod::Post),
                path: Some("/healthz".into()),
                host: Some("h.example.com".into()),
                codes: vec!["0-12".into()],
                http_version: None,
                connect_port: 8080,
                interval: 3,
                timeout: 4,
                healthy_threshold: 5,
                unhealthy_threshold: 6,
            }),
            sticky_session: Some(StickySession {
                kind: StickyType::Server,
                cookie_timeout: None,
                cookie: Some("sid".into()),
            }),
            slow_start: Some(SlowStart { duration: 60 }),
            connection_drain: Some(ConnectionDrain { timeout: 10 }),
            keepalive: true,
            cross_zone: false,
            uch: Some(Uch {
                query_key: "uid".into(),
            }),
        };
        let tags = Tags::new();
        let group = NewGroup {
            name: "g",
            kind: "Ip",
            protocol: full.protocol,
            vpc_id: "vpc-1",
            tags: &tags,
        };
        let request = create_group_request(&group, Some(&full));
        assert_eq!(request.protocol.as_deref(), Some("gRPC"));
        assert_eq!(group_attributes_from_api(&listed(&request)), Ok(full));

        let plain = ServerGroupAttributes {
            protocol: BackendProtocol::Http,
            scheduler: Scheduler::Wrr,
            health_check: Some(HealthCheck {
                protocol: HealthCheckProtocol::Http,
                method: Some(HealthCheckMethod::Head),
                path: Some("/".into()),
                host: None,
                codes: vec!["http_2xx".into()],
                http_version: Some(HttpVersion::Http11),
                connect_port: 0,
                interval: 2,
                timeout: 5,
                healthy_threshold: 3,
                unhealthy_threshold: 3,
            }),
            sticky_session: None,
            slow_start: None,
            connection_drain: None,
            keepalive: false,
            cross_zone: true,
            uch: None,
        };
        let group = NewGroup {
            protocol: plain.protocol,
            ..group
        };
        let request = create_group_request(&group, Some(&plain));
        assert_eq!(group_attributes_from_api(&listed(&request)), Ok(plain));
    }

    #[test]
    fn tcp_health_check_drops_http_fields_the_api_keeps() {
        let g = ServerGroup {
            health_check_config: Some(HealthCheckConfig {
                health_check_enabled: Some(true),
                health_check_protocol: Some("TCP".into()),
                health_check_method: Some("HEAD".into()),
                health_check_path: Some("/".into()),
                health_check_host: Some("$SERVER_IP".into()),
                health_check_http_version: Some("HTTP1.1".into()),
                health_check_codes: vec!["http_2xx".into()],
                ..Default::default()
            }),
            ..Default::default()
        };
        let hc = group_attributes_from_api(&g)
            .expect("attributes")
            .health_check
            .expect("enabled");
        assert_eq!(
            (hc.method, hc.path, hc.host, hc.codes, hc.http_version),
            (None, None, None, vec![], None)
        );
    }

    #[test]
    fn members_round_trip() {
        for m in [
            Member {
                server_id: "10.0.0.5".into(),
                ip: String::new(),
                port: 8080,
                weight: 100,
                kind: ServerType::Ip,
            },
            Member {
                server_id: "eni-1".into(),
                ip: "10.0.0.6".into(),
                port: 80,
                weight: 50,
                kind: ServerType::Eni,
            },
        ] {
            assert_eq!(member_from_api(&member_to_api(&m)), Ok(m));
        }
    }

    #[test]
    fn listener_attributes_round_trip() {
        let key: ListenerKey = "HTTPS:443".parse().expect("key");
        let attributes = ListenerAttributes {
            description: "web".into(),
            certificate_ids: vec!["c1".into(), "c2".into()],
            ca_certificate_ids: vec!["ca".into()],
            security_policy_id: Some("tls_cipher_policy_1_2".into()),
            idle_timeout: 30,
            request_timeout: 90,
            http2: Some(false),
            gzip: false,
            x_forwarded_for: XForwardedFor {
                client_ip: true,
                proto: true,
                slb_id: false,
                slb_port: true,
                client_src_port: false,
                host: true,
                client_source_ips_enabled: true,
                client_source_ips_trusted: Some("10.0.0.0/8".into()),
                client_cert_subject_dn: true,
                client_cert_issuer_dn: false,
                client_cert_fingerprint: true,
                client_cert_client_verify: false,
            },
            acl: None,
            quic: Some(Quic {
                upgrade_enabled: true,
                listener_id: Some("lsn-q".into()),
            }),
        };
        let r = create_listener_request("alb-1", key, &attributes, "sgp-p", &Tags::new());
        assert_eq!(r.certificates.len(), 1, "only the default certificate");
        let listed = Listener {
            listener_protocol: r.listener_protocol.clone(),
            listener_port: r.listener_port,
            default_actions: r.default_actions.clone(),
            listener_description: r.listener_description.clone(),
            idle_timeout: r.idle_timeout,
            request_timeout: r.request_timeout,
            gzip_enabled: r.gzip_enabled,
            http2_enabled: r.http2_enabled,
            security_policy_id: r.security_policy_id.clone(),
            quic_config: r.quic_config.clone(),
            x_forwarded_for_config: r.x_forwarded_for_config.clone(),
            ..Default::default()
        };
        let cert = |id: &str, kind: &str, default: bool, status: &str| ListenerCertificate {
            certificate_id: id.into(),
            certificate_type: Some(kind.into()),
            is_default: Some(default),
            status: Some(status.into()),
        };
        let certificates = [
            cert("c2", "Server", false, "Associated"),
            cert("c1", "Server", true, "Associated"),
            cert("gone", "Server", false, "Dissociating"),
            cert("ca", "Ca", true, "Associated"),
        ];
        assert_eq!(listener_key(&listed), Ok(key));
        assert_eq!(default_server_group(&listed).as_deref(), Some("sgp-p"));
        assert_eq!(
            listener_attributes_from_api(&listed, key, &certificates),
            Ok(attributes)
        );
    }

    #[test]
    fn enums_parse_from_wire_spellings() {
        assert_eq!(
            parse_enum::<HttpMethod>("method", "PATCH"),
            Ok(HttpMethod::Patch)
        );
        assert!(parse_enum::<HttpMethod>("method", "BREW").is_err());
        assert_eq!(backend_protocol_from_api("gRPC"), Ok(BackendProtocol::Grpc));
        assert_eq!(server_group_type(MemberMode::NodePort), "Instance");
        for mode in [MemberMode::Ip, MemberMode::NodePort] {
            assert_eq!(member_mode_from_api(Some(server_group_type(mode))), mode);
        }
        assert_eq!(member_mode_from_api(None), MemberMode::Ip);
    }
}

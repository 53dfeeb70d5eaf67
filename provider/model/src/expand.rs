//! Expansion of specs (validated by the provider on Terraform values) into the desired model (research `ack-alb-ingress.md` b.3–b.6).
//!
//! * Listener landing (b.3): `listen` blocks win; otherwise HTTPS:443 when `tls_hosts` is set and
//!   HTTP:80 when some rule host is not a TLS host, a rule has no host, or there is no TLS at all.
//!   Rules with a host land on HTTPS only if the host is a TLS host and on HTTP only if not;
//!   host-less rules and the default backend land on both. `ssl_redirect` adds HTTP:80, turns every
//!   HTTP listener of the ingress into a redirect listener (each rule only redirects 308 to
//!   HTTPS:443 keeping host, path and query) and disables the host filter; it needs an HTTPS or
//!   QUIC listener to redirect to. A listener the alb_config lacks is an error.
//! * Rules (b.4): one per (host, path) per listener; conditions Host, Path (patterns per path type),
//!   then the `match` extras; actions TrafficLimit, InsertHeader, RemoveHeader, Rewrite, Cors,
//!   TrafficMirror, final action last.
//! * Canary (b.5): header/cookie canaries get their own rule (base conditions + the canary
//!   condition) sorted right before the base rule; weight canaries are merged into each targeted
//!   forward. Canaries apply to path rules with backends (not to the default backend).
//! * Server groups (b.6): one per (ingress, service, port), attributes from `backend_defaults`,
//!   members from the caller-supplied [`Members`] map (never invented here).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::desired::{
    AccessLog, Acl, Action, ActionKind, Condition, ConnectionDrain, DesiredIngress,
    DesiredListener, DesiredLoadBalancer, DesiredRule, DesiredServerGroup, ForwardSticky,
    GroupTarget, HealthCheck, IngressId, KeyValue, ListenerAttributes, ListenerKey, Member,
    PlaceholderServerGroup, Quic, ServerGroupAttributes, SlowStart, StickySession, Uch,
    XForwardedFor, ZoneMapping,
};
use crate::diff::ActualRule;
use crate::error::{AttrPath, ExpandError};
use crate::ownership::{
    member_weight_tag, node_selector_tag, short_hash, AgentMembers, Tags, TAG_INGRESS, TAG_KEY,
};
use crate::priority::{self, Held, Numbered, RuleVariant, Specificity};
use crate::spec::{
    BackendDefaults, BackendProtocol, ConfigSpec, Edition, HealthCheckMethod, HealthCheckProtocol,
    HealthCheckSpec, HttpVersion, IngressSpec, ListenerProtocol, ListenerSpec, MemberMode,
    MemberSync, PathSpec, PathType, RuleSpec, Scheduler, StickyType,
};

/// Members per server-group key (`<service>:<port>`), supplied by the member source.
pub type Members = BTreeMap<String, Vec<Member>>;

/// What `expand_ingress` needs to know about the alb_config and the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigListeners {
    /// Cluster id (ownership tags).
    pub cluster_id: String,
    /// alb_config name or load balancer id (ownership tags).
    pub config: String,
    /// Edition (per-rule limits).
    pub edition: Edition,
    /// Declared listeners.
    pub listeners: BTreeSet<ListenerKey>,
}

impl ConfigListeners {
    /// From an expanded alb_config.
    pub fn from_desired(cluster_id: &str, config: &str, lb: &DesiredLoadBalancer) -> Self {
        Self {
            cluster_id: cluster_id.to_owned(),
            config: config.to_owned(),
            edition: lb.edition,
            listeners: lb.listeners.iter().map(|l| l.key).collect(),
        }
    }
}

/// A server group whose members the member source must look up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRequest {
    /// Server group key `<service>:<port>`.
    pub key: String,
    /// Namespace of the Service.
    pub namespace: String,
    /// Service name.
    pub service: String,
    /// Service port number or name.
    pub port: String,
    /// Member mode.
    pub mode: MemberMode,
    /// Weight of every member.
    pub weight: u32,
    /// nodeport mode: labels a node must carry to be a member (empty: every eligible node).
    pub node_selector: BTreeMap<String, String>,
    /// The `service` attributes of the backends naming this server group, in configuration order
    /// (where a discovery error about it is reported).
    pub paths: Vec<AttrPath>,
}

impl MemberRequest {
    /// The backend an existing ingress server group serves, read back from its tags: the
    /// Service's namespace from `alb.terraform/ingress` (`<namespace>/<name>`), Service and port
    /// from `alb.terraform/key` (`<service>:<port>`, see [`group_key`]), the weight from
    /// `alb.terraform/member-weight` (`weight_without_tag` when the group has no such tag) and,
    /// in node-port mode, the node selector from `alb.terraform/node-selector` (see
    /// [`AgentMembers::tags`]); `mode` comes from the group's type. `Err` says which tag names
    /// no backend or holds a malformed value.
    pub fn from_group_tags(
        tags: &Tags,
        mode: MemberMode,
        weight_without_tag: u32,
    ) -> Result<Self, String> {
        let ingress: IngressId = tags
            .get(TAG_INGRESS)
            .and_then(|i| i.parse().ok())
            .ok_or_else(|| format!("no <namespace>/<name> in {TAG_INGRESS}"))?;
        let key = tags.get(TAG_KEY).ok_or_else(|| format!("no {TAG_KEY}"))?;
        let (service, port) = key
            .split_once(':')
            .filter(|(s, p)| !s.is_empty() && !p.is_empty())
            .ok_or_else(|| format!("{TAG_KEY} = {key:?} names no <service>:<port>"))?;
        let node_selector = match mode {
            MemberMode::NodePort => node_selector_tag(tags)?,
            MemberMode::Ip => BTreeMap::new(),
        };
        Ok(Self {
            key: key.clone(),
            namespace: ingress.namespace,
            service: service.to_owned(),
            port: port.to_owned(),
            mode,
            weight: member_weight_tag(tags)?.unwrap_or(weight_without_tag),
            node_selector,
            paths: Vec::new(),
        })
    }
}

/// The server groups an ingress may need (a superset of the expansion's), so the member source
/// can fetch their members before [`expand_ingress`].
pub fn member_requests(spec: &IngressSpec) -> Vec<MemberRequest> {
    let defaults = spec.backend_defaults.clone().unwrap_or_default();
    if defaults.member_sync() == MemberSync::Agent {
        return Vec::new();
    }
    let (mode, weight) = (defaults.member_mode(), defaults.member_weight());
    group_refs(spec)
        .into_iter()
        .map(|(key, group)| MemberRequest {
            key,
            namespace: spec.namespace.clone(),
            service: group.service,
            port: group.port,
            mode,
            weight,
            node_selector: defaults.node_selector.clone().unwrap_or_default(),
            paths: group.paths,
        })
        .collect()
}

/// Expands an `alb_config` into the desired load balancer and listeners.
pub fn expand_config(spec: &ConfigSpec) -> Result<DesiredLoadBalancer, ExpandError> {
    let mut listeners = Vec::with_capacity(spec.listener.len());
    for (i, l) in spec.listener.iter().enumerate() {
        let key = listener_key(
            l.protocol,
            l.port,
            AttrPath::root().attr("listener").index(i),
        )?;
        listeners.push(DesiredListener {
            key,
            attributes: listener_attributes(l),
            default_server_group: PlaceholderServerGroup {
                key: format!("placeholder:{key}"),
                name: bounded_name(&format!(
                    "k8s-{}-{}-{}-default",
                    spec.name,
                    key.protocol.as_str().to_lowercase(),
                    key.port
                )),
            },
        });
    }
    listeners.sort_by_key(|l| l.key);
    Ok(DesiredLoadBalancer {
        name: spec.name.clone(),
        vpc_id: spec.vpc_id.clone(),
        address_type: spec.address_type(),
        edition: spec.edition(),
        address_ip_version: spec.address_ip_version(),
        address_allocated_mode: spec.address_allocated_mode(),
        resource_group_id: spec.resource_group_id.clone(),
        bandwidth_package_id: spec.bandwidth_package_id.clone(),
        deletion_protection: spec.deletion_protection(),
        tags: spec.tags.clone().unwrap_or_default(),
        zone_mappings: spec
            .zone_mapping
            .iter()
            .map(|z| ZoneMapping {
                zone_id: z.zone_id.clone(),
                vswitch_id: z.vswitch_id.clone(),
                allocation_id: z.allocation_id.clone(),
                eip_type: z.eip_type,
                intranet_address: z.intranet_address.clone(),
            })
            .collect(),
        access_log: spec.access_log.as_ref().map(|a| AccessLog {
            project: a.project.clone(),
            logstore: a.logstore.clone(),
        }),
        listeners,
    })
}

fn listener_attributes(l: &ListenerSpec) -> ListenerAttributes {
    let x = l.x_forwarded_for.clone().unwrap_or_default();
    let f = |v: Option<bool>| v.unwrap_or(false);
    ListenerAttributes {
        description: l.description(),
        certificate_ids: l.certificate_ids().to_vec(),
        ca_certificate_ids: l.ca_certificate_ids().to_vec(),
        security_policy_id: l.security_policy_id(),
        idle_timeout: num(l.idle_timeout()),
        request_timeout: num(l.request_timeout()),
        http2: l.http2(),
        gzip: l.gzip(),
        x_forwarded_for: XForwardedFor {
            client_ip: x.client_ip.unwrap_or(true),
            proto: f(x.proto),
            slb_id: f(x.slb_id),
            slb_port: f(x.slb_port),
            client_src_port: f(x.client_src_port),
            host: f(x.host),
            client_source_ips_enabled: f(x.client_source_ips_enabled),
            client_source_ips_trusted: x.client_source_ips_trusted.clone(),
            client_cert_subject_dn: f(x.client_cert_subject_dn),
            client_cert_issuer_dn: f(x.client_cert_issuer_dn),
            client_cert_fingerprint: f(x.client_cert_fingerprint),
            client_cert_client_verify: f(x.client_cert_client_verify),
        },
        acl: l.acl.as_ref().map(|a| Acl {
            kind: a.r#type,
            entries: a.entries.clone().unwrap_or_default(),
            acl_ids: a.acl_ids.clone().unwrap_or_default(),
        }),
        quic: l.quic.as_ref().map(|q| Quic {
            upgrade_enabled: q.upgrade_enabled.unwrap_or(false),
            listener_id: q.listener_id.clone(),
        }),
    }
}

/// Expands an `alb_ingress` onto the listeners of its alb_config.
///
/// Rule priorities stay where `held` has them while that keeps the rules in order
/// ([`priority::allocate`]); pass [`Held::default`] for a new ingress.
pub fn expand_ingress(
    spec: &IngressSpec,
    config: &ConfigListeners,
    members: &Members,
    held: &Held,
) -> Result<DesiredIngress, ExpandError> {
    let id = IngressId::new(&spec.namespace, &spec.name);
    let order = num(spec.order());
    let landings = landings(spec)?;
    for l in &landings {
        if !config.listeners.contains(&l.key) {
            return Err(ExpandError::MissingListener {
                path: l.path.clone(),
                listener: l.key,
            });
        }
    }
    check_canaries_match(spec)?;
    let limits = Limits::of(config.edition);
    let mut rules = Vec::new();
    for landing in &landings {
        let mut drafts = drafts_for(spec, landing, &limits)?;
        disambiguate(&mut drafts);
        drafts.sort_by(|a, b| a.specificity.cmp(&b.specificity));
        let numbered: Vec<Numbered<'_>> = drafts
            .iter()
            .map(|d| Numbered {
                identity: &d.identity,
                conditions: &d.conditions,
            })
            .collect();
        let priorities = priority::allocate(&id, order, landing.key, &numbered, held)?;
        for (draft, priority) in drafts.into_iter().zip(priorities) {
            rules.push(DesiredRule {
                listener: landing.key,
                priority,
                name: bounded_name(&format!(
                    "k8s-{}-{}-{}-{}-{priority}",
                    id.namespace,
                    id.name,
                    landing.key.protocol.as_str().to_lowercase(),
                    landing.key.port
                )),
                identity: draft.identity,
                conditions: draft.conditions,
                actions: draft
                    .actions
                    .into_iter()
                    .zip(1..)
                    .map(|(kind, order)| Action { order, kind })
                    .collect(),
                owner: id.clone(),
            });
        }
    }
    rules.sort_by_key(|r| (r.listener, r.priority));
    Ok(DesiredIngress {
        id: id.clone(),
        cluster_id: config.cluster_id.clone(),
        config: config.config.clone(),
        order,
        listeners: landings.iter().map(|l| l.key).collect(),
        server_groups: server_groups(spec, &id, members, &rules),
        rules,
    })
}

/// Converts a validated non-negative number.
fn num(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn listener_key(
    protocol: ListenerProtocol,
    port: i64,
    path: AttrPath,
) -> Result<ListenerKey, ExpandError> {
    match u16::try_from(port) {
        Ok(p) if p > 0 => Ok(ListenerKey::new(protocol, p)),
        _ => Err(ExpandError::Invalid {
            path: path.attr("port"),
            message: format!("must be between 1 and 65535, got {port}"),
        }),
    }
}

/// A cloud object name: 2–128 of `[A-Za-z0-9._-]`, starting with a letter; too long → prefix + hash.
fn bounded_name(s: &str) -> String {
    if s.chars().count() <= 128 {
        return s.to_owned();
    }
    let prefix: String = s.chars().take(119).collect();
    format!("{prefix}-{}", short_hash(s.as_bytes(), 8))
}

// ------------------------------------------------------------------------------------------------
// Listener landing
// ------------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HostFilter {
    All,
    TlsOnly,
    NonTlsOnly,
}

#[derive(Clone, Debug)]
struct Landing {
    key: ListenerKey,
    path: AttrPath,
    redirect: bool,
    filter: HostFilter,
}

fn landings(spec: &IngressSpec) -> Result<Vec<Landing>, ExpandError> {
    let root = AttrPath::root();
    let tls: BTreeSet<&str> = spec.tls_hosts().iter().map(String::as_str).collect();
    let mut out: BTreeMap<ListenerKey, Landing> = BTreeMap::new();
    let mut land = |key, path, filter| {
        out.entry(key).or_insert(Landing {
            key,
            path,
            redirect: false,
            filter,
        });
    };
    if !spec.listen.is_empty() {
        for (i, l) in spec.listen.iter().enumerate() {
            let path = root.clone().attr("listen").index(i);
            land(
                listener_key(l.protocol, l.port, path.clone())?,
                path,
                HostFilter::All,
            );
        }
    } else {
        if !tls.is_empty() {
            land(
                ListenerKey::new(ListenerProtocol::Https, 443),
                root.clone().attr("tls_hosts"),
                HostFilter::TlsOnly,
            );
        }
        let plain = spec
            .rule
            .iter()
            .any(|r| r.host.as_deref().is_none_or(|h| !tls.contains(h)));
        if tls.is_empty() || plain {
            land(
                ListenerKey::new(ListenerProtocol::Http, 80),
                root.clone().attr("rule"),
                HostFilter::NonTlsOnly,
            );
        }
    }
    if spec.ssl_redirect() {
        land(
            ListenerKey::new(ListenerProtocol::Http, 80),
            root.clone().attr("ssl_redirect"),
            HostFilter::All,
        );
        for l in out.values_mut() {
            l.filter = HostFilter::All;
            l.redirect = l.key.protocol == ListenerProtocol::Http;
        }
        if out.values().all(|l| l.redirect) {
            return Err(ExpandError::Invalid {
                path: root.attr("ssl_redirect"),
                message: "ssl_redirect redirects to HTTPS:443, but this ingress serves no HTTPS listener; set tls_hosts or add listen { protocol = \"HTTPS\", port = 443 }".to_owned(),
            });
        }
    }
    Ok(out.into_values().collect())
}

fn host_lands(filter: HostFilter, tls: &[String], host: Option<&str>) -> bool {
    match (filter, host) {
        (HostFilter::All, _) | (_, None) => true,
        (HostFilter::TlsOnly, Some(h)) => tls.iter().any(|t| t == h),
        (HostFilter::NonTlsOnly, Some(h)) => !tls.iter().any(|t| t == h),
    }
}

// ------------------------------------------------------------------------------------------------
// Rules
// ------------------------------------------------------------------------------------------------

struct Limits {
    edition: Edition,
    conditions: usize,
    actions: usize,
    groups: usize,
}

impl Limits {
    fn of(edition: Edition) -> Self {
        match edition {
            Edition::Basic => Self {
                edition,
                conditions: 5,
                actions: 3,
                groups: 5,
            },
            _ => Self {
                edition,
                conditions: 10,
                actions: 5,
                groups: 5,
            },
        }
    }

    fn check(&self, d: &Draft, path: &AttrPath) -> Result<(), ExpandError> {
        let edition = self.edition;
        let too_many = |what: &str, n: usize, max: usize| ExpandError::Invalid {
            path: path.clone(),
            message: format!(
                "this path needs {n} rule {what}; the {edition} edition allows at most {max}"
            ),
        };
        if d.conditions.len() > self.conditions {
            return Err(too_many("conditions", d.conditions.len(), self.conditions));
        }
        if d.actions.len() > self.actions {
            return Err(too_many("actions", d.actions.len(), self.actions));
        }
        for a in &d.actions {
            if let ActionKind::ForwardGroup { server_groups, .. } = a {
                if server_groups.len() > self.groups {
                    return Err(too_many(
                        "forward server groups",
                        server_groups.len(),
                        self.groups,
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A rule before its priority is known.
struct Draft {
    specificity: Specificity,
    identity: String,
    conditions: Vec<Condition>,
    actions: Vec<ActionKind>,
}

fn group_key(service: &str, port: &str) -> String {
    format!("{service}:{port}")
}

fn path_patterns(p: &PathSpec, regex: bool) -> Vec<String> {
    let raw = p.path();
    match p.path_type() {
        PathType::Exact => vec![raw.to_owned()],
        PathType::Prefix if regex => vec![format!("~*{raw}")],
        PathType::Prefix => match raw.trim_end_matches('/') {
            "" => vec!["/*".to_owned()],
            t => vec![t.to_owned(), format!("{t}/*")],
        },
        // An unset or "/" ImplementationSpecific path means the whole site, not the literal root.
        PathType::ImplementationSpecific if raw == "/" => vec!["/*".to_owned()],
        PathType::ImplementationSpecific => vec![raw.to_owned()],
    }
}

fn base_conditions(rule: &RuleSpec, p: &PathSpec, regex: bool) -> Vec<Condition> {
    let mut c = Vec::new();
    if let Some(h) = &rule.host {
        c.push(Condition::Host {
            values: vec![h.clone()],
        });
    }
    c.push(Condition::Path {
        values: path_patterns(p, regex),
    });
    if let Some(m) = &p.r#match {
        for h in &m.header {
            c.push(Condition::Header {
                key: h.name.clone(),
                values: h.values.clone(),
            });
        }
        let pairs = |v: &[crate::spec::KeyValueSpec]| {
            v.iter()
                .map(|kv| KeyValue {
                    key: kv.key.clone(),
                    value: kv.value.clone(),
                })
                .collect::<Vec<_>>()
        };
        if !m.query_string.is_empty() {
            c.push(Condition::QueryString {
                values: pairs(&m.query_string),
            });
        }
        if !m.cookie.is_empty() {
            c.push(Condition::Cookie {
                values: pairs(&m.cookie),
            });
        }
        if let Some(methods) = m.methods.as_ref().filter(|v| !v.is_empty()) {
            c.push(Condition::Method {
                values: methods.clone(),
            });
        }
        if let Some(ips) = m.source_ips.as_ref().filter(|v| !v.is_empty()) {
            c.push(Condition::SourceIp {
                values: ips.clone(),
            });
        }
    }
    c
}

/// Non-final actions in API order. Redirect listeners keep only limit, header and CORS actions.
fn ext_actions(p: &PathSpec, redirect_listener: bool) -> Vec<ActionKind> {
    let mut a = Vec::new();
    if let Some(t) = &p.traffic_limit {
        a.push(ActionKind::TrafficLimit {
            qps: num(t.qps),
            per_ip_qps: t.per_ip_qps.map(num),
        });
    }
    for h in &p.insert_header {
        a.push(ActionKind::InsertHeader {
            name: h.name.clone(),
            value: h.value.clone(),
            value_type: h
                .value_type
                .unwrap_or(crate::spec::HeaderValueType::UserDefined),
        });
    }
    for h in &p.remove_header {
        a.push(ActionKind::RemoveHeader {
            name: h.name.clone(),
        });
    }
    if let (Some(r), false) = (&p.rewrite, redirect_listener) {
        a.push(ActionKind::Rewrite {
            host: r.host.clone(),
            path: r.path.clone(),
            query: r.query.clone(),
        });
    }
    if let Some(c) = &p.cors {
        a.push(ActionKind::Cors {
            allow_origins: c.allow_origins(),
            allow_methods: c.allow_methods(),
            allow_headers: c.allow_headers(),
            expose_headers: c.expose_headers(),
            allow_credentials: c.allow_credentials(),
            max_age: i32::try_from(c.max_age()).unwrap_or(172_800),
        });
    }
    if let (Some(m), false) = (&p.mirror, redirect_listener) {
        a.push(ActionKind::TrafficMirror {
            server_group: group_key(&m.service, &m.port),
        });
    }
    a
}

fn ssl_redirect_action() -> ActionKind {
    ActionKind::Redirect {
        protocol: Some("HTTPS".to_owned()),
        host: None,
        port: Some("443".to_owned()),
        path: None,
        query: None,
        code: 308,
    }
}

fn final_action(spec: &IngressSpec, rule: &RuleSpec, p: &PathSpec) -> ActionKind {
    if let Some(r) = &p.redirect {
        return ActionKind::Redirect {
            protocol: r.protocol.map(|x| x.as_str().to_owned()),
            host: r.host.clone(),
            port: r.port.clone(),
            path: r.path.clone(),
            query: r.query.clone(),
            code: u16::try_from(r.code()).unwrap_or(301),
        };
    }
    if let Some(f) = &p.fixed_response {
        return ActionKind::FixedResponse {
            status: u16::try_from(f.status).unwrap_or(200),
            content_type: f.content_type(),
            content: f.content.clone(),
        };
    }
    let base: Vec<GroupTarget> = p
        .backend
        .iter()
        .map(|b| GroupTarget {
            key: group_key(&b.service, &b.port),
            weight: b.weight.map_or(100, num),
        })
        .collect();
    let canaries: Vec<GroupTarget> = spec
        .canary
        .iter()
        .filter(|c| c.weight.is_some_and(|w| w > 0) && canary_targets(c, rule, p))
        .filter_map(|c| {
            let b = c.backend.as_ref()?;
            Some(GroupTarget {
                key: group_key(&b.service, &b.port),
                weight: c.weight.map_or(0, num),
            })
        })
        .collect();
    forward(spec, merge_weights(base, canaries))
}

fn forward(spec: &IngressSpec, server_groups: Vec<GroupTarget>) -> ActionKind {
    let sticky = spec
        .backend_defaults
        .as_ref()
        .and_then(|b| b.sticky_session.as_ref())
        .filter(|_| server_groups.len() > 1)
        .map(|s| ForwardSticky {
            timeout: s.cookie_timeout.map_or(1000, num),
        });
    ActionKind::ForwardGroup {
        server_groups,
        sticky,
    }
}

/// Weight canaries: canaries keep their weights, the base backends share `100 − Σcanary`
/// in proportion to their own weights (largest remainder, so the total is exactly 100).
fn merge_weights(base: Vec<GroupTarget>, canaries: Vec<GroupTarget>) -> Vec<GroupTarget> {
    let canary_total: u32 = canaries.iter().map(|c| c.weight).sum();
    if canary_total == 0 {
        return base;
    }
    let rest = 100u32.saturating_sub(canary_total);
    let base_total: u32 = base.iter().map(|b| b.weight).sum();
    let mut out: Vec<GroupTarget> = Vec::new();
    if rest > 0 && base_total > 0 {
        let shares: Vec<(u32, u32)> = base
            .iter()
            .map(|b| {
                let exact = b.weight * rest;
                (exact / base_total, exact % base_total)
            })
            .collect();
        let mut left = rest - shares.iter().map(|s| s.0).sum::<u32>();
        let mut by_remainder: Vec<usize> = (0..base.len()).collect();
        by_remainder.sort_by_key(|&i| (std::cmp::Reverse(shares[i].1), i));
        let mut weights: Vec<u32> = shares.iter().map(|s| s.0).collect();
        for i in by_remainder {
            if left == 0 {
                break;
            }
            weights[i] += 1;
            left -= 1;
        }
        out.extend(
            base.into_iter()
                .zip(weights)
                .map(|(b, weight)| GroupTarget { key: b.key, weight }),
        );
    }
    for c in canaries {
        match out.iter_mut().find(|t| t.key == c.key) {
            Some(t) => t.weight += c.weight,
            None => out.push(c),
        }
    }
    out
}

fn canary_targets(c: &crate::spec::CanarySpec, rule: &RuleSpec, p: &PathSpec) -> bool {
    let host_ok = match (&c.hosts, &rule.host) {
        (None, _) => true,
        (Some(hosts), Some(h)) => hosts.contains(h),
        (Some(_), None) => false,
    };
    let path_ok = c
        .paths
        .as_ref()
        .is_none_or(|paths| paths.iter().any(|x| x == p.path()));
    !p.backend.is_empty() && host_ok && path_ok
}

fn check_canaries_match(spec: &IngressSpec) -> Result<(), ExpandError> {
    for (i, c) in spec.canary.iter().enumerate() {
        let hit = spec
            .rule
            .iter()
            .any(|r| r.path.iter().any(|p| canary_targets(c, r, p)));
        if !hit {
            return Err(ExpandError::Invalid {
                path: AttrPath::root().attr("canary").index(i),
                message: "this canary applies to no path with a backend; check its hosts and paths"
                    .to_owned(),
            });
        }
    }
    Ok(())
}

/// A rule's identity (the `alb.terraform/key` tag, the key of its `rules` entry): its content,
/// `<listener>[ host=<h>] path=<PathType>:<path>[ canary=header|cookie[#i]]`, or
/// `<listener> default` for the default backend; ` #n` (n ≥ 2) tells apart paths written twice
/// (the same host, type and path, e.g. with different `match` blocks). Longer than 128
/// characters, the end is replaced by a hash.
///
/// So editing a path, its type or its host is a new rule (created before the old one is
/// deleted), and inserting a path creates one rule and leaves the others alone. Actions,
/// `match` conditions and regex matching change in place.
fn identity(key: ListenerKey, rule: &RuleSpec, p: &PathSpec, variant: RuleVariant) -> String {
    let canary = match variant {
        RuleVariant::CanaryHeader(i) => Some(("header", i)),
        RuleVariant::CanaryCookie(i) => Some(("cookie", i)),
        RuleVariant::Base | RuleVariant::DefaultBackend => None,
    };
    format_identity(key, rule.host.as_deref(), p.path_type(), p.path(), canary)
}

/// The identity text.
fn format_identity(
    key: ListenerKey,
    host: Option<&str>,
    path_type: PathType,
    path: &str,
    canary: Option<(&str, usize)>,
) -> String {
    let mut s = key.to_string();
    if let Some(h) = host {
        s.push_str(&format!(" host={h}"));
    }
    s.push_str(&format!(" path={path_type}:{path}"));
    if let Some((kind, i)) = canary {
        s.push_str(&format!(" canary={kind}"));
        if i > 0 {
            s.push_str(&format!("#{i}"));
        }
    }
    s
}

/// The identity of an existing rule: its `alb.terraform/key` tag, or, for a tag written by
/// release 0.1 (`path=<PathType>#<slot>`, the path's position instead of the path), the
/// identity the expansion gives the same content today, so upgraded ingresses keep their rules.
/// The path then comes from the `Path` condition (a Prefix path's trailing `/` cannot be told
/// apart).
pub fn rule_identity(rule: &ActualRule) -> Option<String> {
    let tag = rule.tags.get(TAG_KEY)?;
    let patterns = rule.conditions.iter().find_map(|c| match c {
        Condition::Path { values } => Some(values.as_slice()),
        _ => None,
    });
    Some(content_key(tag, patterns.unwrap_or_default()))
}

/// `key` itself, or, for a key of release 0.1, the key of today for a rule with the `Path`
/// condition `patterns` (see [`rule_identity`]; `key` itself when that does not fit).
pub fn content_key(key: &str, patterns: &[String]) -> String {
    let legacy = || -> Option<String> {
        let (head, rest) = key.split_once(" path=")?;
        let mut tokens = rest.split(' ');
        let (ty, slot) = tokens.next()?.split_once('#')?;
        if slot.is_empty() || !slot.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let path_type = match ty {
            "Exact" => PathType::Exact,
            "Prefix" => PathType::Prefix,
            "ImplementationSpecific" => PathType::ImplementationSpecific,
            _ => return None,
        };
        let canary = match tokens.next().map(|t| t.strip_prefix("canary=")) {
            None => None,
            Some(c) => {
                let c = c?;
                let (kind, i) = c.split_once('#').unwrap_or((c, "0"));
                Some((kind, i.parse().ok()?))
            }
        };
        let (listener, host) = match head.split_once(" host=") {
            Some((l, h)) => (l, Some(h)),
            None => (head, None),
        };
        let listener: ListenerKey = listener.parse().ok()?;
        let path = path_of_patterns(patterns, path_type)?;
        let identity = format_identity(listener, host, path_type, &path, canary);
        Some(crate::ownership::bounded(&identity, 128))
    };
    legacy().unwrap_or_else(|| key.to_owned())
}

/// The path string of a `Path` condition, inverting the expansion's patterns: Exact and
/// ImplementationSpecific are literal (`/*` alone is the unset ImplementationSpecific path `/`);
/// Prefix is `/*` for `/`, `<p>` and `<p>/*` otherwise, or `~*<p>` with regex. `None` when
/// the values fit no pattern of the type.
pub(crate) fn path_of_patterns(values: &[String], path_type: PathType) -> Option<String> {
    match (path_type, values) {
        (PathType::ImplementationSpecific, [v]) if v == "/*" => Some("/".to_owned()),
        (PathType::Exact | PathType::ImplementationSpecific, [v]) => Some(v.clone()),
        (PathType::Prefix, [v]) if v == "/*" => Some("/".to_owned()),
        (PathType::Prefix, [v]) => v.strip_prefix("~*").map(str::to_owned),
        (PathType::Prefix, [a, b]) | (PathType::Prefix, [b, a])
            if b.strip_suffix("/*") == Some(a.as_str()) =>
        {
            Some(a.clone())
        }
        _ => None,
    }
}

/// Rules with the same identity (the same path written twice) get ` #2`, ` #3` … in spec order;
/// then every identity is bounded to a tag value's 128 characters.
fn disambiguate(drafts: &mut [Draft]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for d in drafts.iter_mut() {
        let n = seen.entry(d.identity.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            d.identity = format!("{} #{n}", d.identity);
        }
        d.identity = crate::ownership::bounded(&d.identity, 128);
    }
}

fn drafts_for(
    spec: &IngressSpec,
    landing: &Landing,
    limits: &Limits,
) -> Result<Vec<Draft>, ExpandError> {
    let regex_all = spec.use_regex();
    let mut drafts = Vec::new();
    let mut seq = 0;
    for (i, rule) in spec.rule.iter().enumerate() {
        if !host_lands(landing.filter, spec.tls_hosts(), rule.host.as_deref()) {
            continue;
        }
        for (j, p) in rule.path.iter().enumerate() {
            let at = AttrPath::root().attr("rule").index(i).attr("path").index(j);
            let conditions = base_conditions(rule, p, regex_all || p.rewrite.is_some());
            let extra = conditions.len() - 1 - usize::from(rule.host.is_some());
            let spec_key = |variant, identity: &str, seq| {
                Specificity::new(
                    rule.host.as_deref(),
                    p.path_type(),
                    p.path(),
                    extra,
                    variant,
                    identity,
                    seq,
                )
            };
            let ext = ext_actions(p, landing.redirect);
            let mut actions = ext.clone();
            actions.push(if landing.redirect {
                ssl_redirect_action()
            } else {
                final_action(spec, rule, p)
            });
            let base_identity = identity(landing.key, rule, p, RuleVariant::Base);
            let base = Draft {
                specificity: spec_key(RuleVariant::Base, &base_identity, seq),
                identity: base_identity,
                conditions: conditions.clone(),
                actions,
            };
            limits.check(&base, &at)?;
            drafts.push(base);
            seq += 1;
            if landing.redirect {
                continue;
            }
            for (k, c) in spec.canary.iter().enumerate() {
                let Some(b) = c.backend.as_ref().filter(|_| canary_targets(c, rule, p)) else {
                    continue;
                };
                let (variant, condition) = match (&c.header, &c.cookie) {
                    (Some(h), _) => (
                        RuleVariant::CanaryHeader(k),
                        Condition::Header {
                            key: h.name.clone(),
                            values: vec![h.value().to_owned()],
                        },
                    ),
                    (None, Some(name)) => (
                        RuleVariant::CanaryCookie(k),
                        Condition::Cookie {
                            values: vec![KeyValue {
                                key: name.clone(),
                                value: "always".to_owned(),
                            }],
                        },
                    ),
                    (None, None) => continue,
                };
                let canary_identity = identity(landing.key, rule, p, variant);
                let mut conditions = conditions.clone();
                conditions.push(condition);
                let mut actions = ext.clone();
                actions.push(forward(
                    spec,
                    vec![GroupTarget {
                        key: group_key(&b.service, &b.port),
                        weight: 100,
                    }],
                ));
                let draft = Draft {
                    specificity: spec_key(variant, &canary_identity, seq),
                    identity: canary_identity,
                    conditions,
                    actions,
                };
                limits.check(&draft, &AttrPath::root().attr("canary").index(k))?;
                drafts.push(draft);
                seq += 1;
            }
        }
    }
    if let Some(d) = &spec.default_backend {
        let final_action = if landing.redirect {
            ssl_redirect_action()
        } else {
            forward(
                spec,
                vec![GroupTarget {
                    key: group_key(&d.service, &d.port),
                    weight: 100,
                }],
            )
        };
        let identity = format!("{} default", landing.key);
        drafts.push(Draft {
            specificity: Specificity::new(
                None,
                PathType::Prefix,
                "/",
                0,
                RuleVariant::DefaultBackend,
                &identity,
                seq,
            ),
            identity,
            conditions: vec![Condition::Path {
                values: vec!["/*".to_owned()],
            }],
            actions: vec![final_action],
        });
    }
    Ok(drafts)
}

// ------------------------------------------------------------------------------------------------
// Server groups
// ------------------------------------------------------------------------------------------------

/// Every (service, port) the ingress references, by key.
fn group_refs(spec: &IngressSpec) -> BTreeMap<String, BackendRef> {
    let mut refs: BTreeMap<String, BackendRef> = BTreeMap::new();
    let mut add = |service: &str, port: &str, at: AttrPath| {
        refs.entry(group_key(service, port))
            .or_insert_with(|| BackendRef {
                service: service.to_owned(),
                port: port.to_owned(),
                paths: Vec::new(),
            })
            .paths
            .push(at.attr("service"));
    };
    for (i, r) in spec.rule.iter().enumerate() {
        for (j, p) in r.path.iter().enumerate() {
            let at = AttrPath::root().attr("rule").index(i).attr("path").index(j);
            for (k, b) in p.backend.iter().enumerate() {
                add(&b.service, &b.port, at.clone().attr("backend").index(k));
            }
            if let Some(m) = &p.mirror {
                add(&m.service, &m.port, at.clone().attr("mirror"));
            }
        }
    }
    for (i, c) in spec.canary.iter().enumerate() {
        if let Some(b) = &c.backend {
            let at = AttrPath::root().attr("canary").index(i).attr("backend");
            add(&b.service, &b.port, at);
        }
    }
    if let Some(d) = &spec.default_backend {
        add(
            &d.service,
            &d.port,
            AttrPath::root().attr("default_backend"),
        );
    }
    refs
}

/// A (service, port) the ingress names, and where.
struct BackendRef {
    service: String,
    port: String,
    /// The `service` attributes of the backends naming it, in configuration order.
    paths: Vec<AttrPath>,
}

/// The server groups the rules reference (a backend fully replaced by a weight-100 canary gets none).
fn server_groups(
    spec: &IngressSpec,
    id: &IngressId,
    members: &Members,
    rules: &[DesiredRule],
) -> Vec<DesiredServerGroup> {
    let defaults = spec.backend_defaults.clone().unwrap_or_default();
    let attributes = group_attributes(&defaults);
    let agent = (defaults.member_sync() == MemberSync::Agent).then(|| AgentMembers {
        weight: defaults.member_weight(),
        node_selector: match defaults.member_mode() {
            MemberMode::NodePort => defaults.node_selector.clone().unwrap_or_default(),
            MemberMode::Ip => BTreeMap::new(),
        },
    });
    let used: BTreeSet<&str> = rules
        .iter()
        .flat_map(|r| r.actions.iter().flat_map(|a| a.kind.group_keys()))
        .collect();
    group_refs(spec)
        .into_iter()
        .filter(|(key, _)| used.contains(key.as_str()))
        .map(|(key, BackendRef { service, port, .. })| {
            let mut list: Vec<Member> = members.get(&key).cloned().unwrap_or_default();
            list.sort();
            list.dedup_by(|a, b| a.identity() == b.identity());
            DesiredServerGroup {
                name: bounded_name(&format!(
                    "k8s-{}-{}-{service}-{port}",
                    id.namespace, id.name
                )),
                key,
                service,
                port,
                attributes: attributes.clone(),
                member_mode: defaults.member_mode(),
                members: if agent.is_some() { Vec::new() } else { list },
                agent: agent.clone(),
            }
        })
        .collect()
}

fn group_attributes(d: &BackendDefaults) -> ServerGroupAttributes {
    ServerGroupAttributes {
        protocol: d.protocol(),
        scheduler: d.scheduler(),
        health_check: health_check(d.health_check.as_ref(), d.protocol()),
        sticky_session: d.sticky_session.as_ref().map(|s| {
            let kind = s.r#type.unwrap_or(StickyType::Insert);
            StickySession {
                kind,
                cookie_timeout: (kind == StickyType::Insert)
                    .then(|| s.cookie_timeout.map_or(1000, num)),
                cookie: (kind == StickyType::Server)
                    .then(|| s.cookie.clone())
                    .flatten(),
            }
        }),
        slow_start: d.slow_start.as_ref().map(|s| SlowStart {
            duration: s.duration.map_or(30, num),
        }),
        connection_drain: d.connection_drain.as_ref().map(|c| ConnectionDrain {
            timeout: c.timeout.map_or(300, num),
        }),
        keepalive: d.keepalive(),
        cross_zone: d.cross_zone(),
        uch: (d.scheduler() == Scheduler::Uch).then(|| Uch {
            query_key: d.uch_query_key.clone().unwrap_or_default(),
        }),
    }
}

fn health_check(hc: Option<&HealthCheckSpec>, backend: BackendProtocol) -> Option<HealthCheck> {
    let hc = hc.filter(|h| h.enabled.unwrap_or(false))?;
    let protocol = hc.protocol.unwrap_or(if backend == BackendProtocol::Grpc {
        HealthCheckProtocol::Grpc
    } else {
        HealthCheckProtocol::Http
    });
    let (method, path, codes, http_version) = match protocol {
        HealthCheckProtocol::Tcp => (None, None, Vec::new(), None),
        HealthCheckProtocol::Grpc => (
            Some(hc.method.unwrap_or(HealthCheckMethod::Post)),
            Some(hc.path.clone().unwrap_or_else(|| "/".to_owned())),
            hc.codes.clone().unwrap_or_else(|| vec!["0".to_owned()]),
            None,
        ),
        HealthCheckProtocol::Http | HealthCheckProtocol::Https => (
            Some(hc.method.unwrap_or(HealthCheckMethod::Head)),
            Some(hc.path.clone().unwrap_or_else(|| "/".to_owned())),
            hc.codes
                .clone()
                .unwrap_or_else(|| vec!["http_2xx".to_owned()]),
            Some(hc.http_version.unwrap_or(HttpVersion::Http11)),
        ),
    };
    Some(HealthCheck {
        protocol,
        method,
        path,
        host: hc
            .host
            .clone()
            .filter(|_| protocol != HealthCheckProtocol::Tcp),
        codes,
        http_version,
        connect_port: u16::try_from(hc.connect_port.unwrap_or(0)).unwrap_or(0),
        interval: hc.interval.map_or(2, num),
        timeout: hc.timeout.map_or(5, num),
        healthy_threshold: hc.healthy_threshold.map_or(3, num),
        unhealthy_threshold: hc.unhealthy_threshold.map_or(3, num),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(key: &str, weight: u32) -> GroupTarget {
        GroupTarget {
            key: key.into(),
            weight,
        }
    }

    #[test]
    fn a_server_group_names_its_backend_in_its_tags() {
        use crate::ownership::{ingress_tags, ResourceKind, TAG_NODE_SELECTOR};
        let id = IngressId::new("shop", "web");
        let tags = ingress_tags("c1", "main", &id, ResourceKind::ServerGroup, "api:http");
        let r = MemberRequest::from_group_tags(&tags, MemberMode::NodePort, 30).unwrap();
        assert_eq!(
            (
                r.key.as_str(),
                r.namespace.as_str(),
                r.service.as_str(),
                r.port.as_str()
            ),
            ("api:http", "shop", "api", "http")
        );
        assert_eq!((r.mode, r.weight), (MemberMode::NodePort, 30));
        assert!(r.node_selector.is_empty());

        let agent = AgentMembers {
            weight: 40,
            node_selector: BTreeMap::from([("pool".to_owned(), "edge".to_owned())]),
        };
        let mut tagged = tags.clone();
        tagged.extend(agent.tags());
        let r = MemberRequest::from_group_tags(&tagged, MemberMode::NodePort, 30).unwrap();
        assert_eq!((r.weight, &r.node_selector), (40, &agent.node_selector));
        let r = MemberRequest::from_group_tags(&tagged, MemberMode::Ip, 30).unwrap();
        assert!(r.node_selector.is_empty(), "ip mode selects no nodes");
        tagged.insert(TAG_NODE_SELECTOR.to_owned(), "pool=edge".to_owned());
        assert!(MemberRequest::from_group_tags(&tagged, MemberMode::NodePort, 30).is_err());

        let placeholder = ingress_tags("c1", "main", &id, ResourceKind::ServerGroup, "api");
        assert!(MemberRequest::from_group_tags(&placeholder, MemberMode::Ip, 1).is_err());
        let mut no_ingress = tags.clone();
        no_ingress.remove(TAG_INGRESS);
        assert!(MemberRequest::from_group_tags(&no_ingress, MemberMode::Ip, 1).is_err());
    }

    #[test]
    fn member_requests_name_every_backend_of_a_server_group() {
        let spec: IngressSpec = serde_json::from_value(serde_json::json!({
            "alb_config_id": "alb-1", "namespace": "shop", "name": "web",
            "backend_defaults": {"member_mode": "nodeport", "member_weight": 40},
            "rule": [
                {"path": [{"backend": [{"service": "api", "port": 80}]}]},
                {"path": [
                    {"path": "/a", "backend": [{"service": "web", "port": "http"}]},
                    {"path": "/b", "backend": [{"service": "api", "port": 80}],
                     "mirror": {"service": "shadow", "port": 80}}
                ]}
            ],
            "canary": [{"backend": {"service": "web-v2", "port": "http"}}],
            "default_backend": {"service": "api", "port": 80}
        }))
        .unwrap();
        let found: Vec<(String, String, MemberMode, Vec<String>)> = member_requests(&spec)
            .into_iter()
            .map(|r| {
                assert_eq!(r.key, group_key(&r.service, &r.port));
                assert_eq!(r.weight, 40);
                (
                    r.key,
                    r.namespace,
                    r.mode,
                    r.paths.iter().map(|p| p.0.join(".")).collect(),
                )
            })
            .collect();
        let nodeport = MemberMode::NodePort;
        let shop = || "shop".to_string();
        assert_eq!(
            found,
            vec![
                (
                    "api:80".into(),
                    shop(),
                    nodeport,
                    vec![
                        "rule.0.path.0.backend.0.service".into(),
                        "rule.1.path.1.backend.0.service".into(),
                        "default_backend.service".into()
                    ]
                ),
                (
                    "shadow:80".into(),
                    shop(),
                    nodeport,
                    vec!["rule.1.path.1.mirror.service".into()]
                ),
                (
                    "web-v2:http".into(),
                    shop(),
                    nodeport,
                    vec!["canary.0.backend.service".into()]
                ),
                (
                    "web:http".into(),
                    shop(),
                    nodeport,
                    vec!["rule.1.path.0.backend.0.service".into()]
                ),
            ]
        );
    }

    #[test]
    fn weight_merge() {
        let w = |v: &[GroupTarget]| v.iter().map(|t| t.weight).collect::<Vec<_>>();
        assert_eq!(
            w(&merge_weights(vec![t("a", 100)], vec![t("c", 20)])),
            [80, 20]
        );
        assert_eq!(
            w(&merge_weights(vec![t("a", 1), t("b", 1)], vec![t("c", 25)])),
            [38, 37, 25]
        );
        assert_eq!(
            w(&merge_weights(vec![t("a", 100)], vec![t("c", 100)])),
            [100]
        );
        assert_eq!(
            w(&merge_weights(vec![t("a", 70), t("b", 30)], vec![])),
            [70, 30]
        );
    }

    #[test]
    fn patterns() {
        let p = |path: &str, ty| PathSpec {
            path: Some(path.into()),
            path_type: Some(ty),
            ..Default::default()
        };
        assert_eq!(path_patterns(&p("/", PathType::Prefix), false), ["/*"]);
        assert_eq!(
            path_patterns(&p("/api/", PathType::Prefix), false),
            ["/api", "/api/*"]
        );
        assert_eq!(
            path_patterns(&p("/api", PathType::Prefix), true),
            ["~*/api"]
        );
        assert_eq!(path_patterns(&p("/api", PathType::Exact), true), ["/api"]);
        assert_eq!(
            path_patterns(&p("/a/*.js", PathType::ImplementationSpecific), false),
            ["/a/*.js"]
        );
        assert_eq!(path_patterns(&PathSpec::default(), false), ["/*"]);
    }

    #[test]
    fn long_names_are_bounded() {
        let n = bounded_name(&format!("k8s-{}", "a".repeat(200)));
        assert_eq!(n.len(), 128);
        assert!(n.starts_with("k8s-"));
    }
}

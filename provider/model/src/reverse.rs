//! The reverse of [`crate::expand_ingress`] for import: the `alb_ingress` spec that expands to
//! the rules and server groups an ingress owns on a load balancer.
//!
//! Sources: rule identities (`alb.terraform/key`: listener, host, path type, path, canary
//! variant) give the rule and path blocks; the `Path` condition gives the path (the expansion's
//! patterns inverted); conditions beyond host and path give `match`;
//! actions give the backends, rewrite, headers, limits, CORS, mirror, redirect and fixed
//! response; the server groups' attributes give `backend_defaults`; the lowest priority gives
//! `order`; the listeners used give `tls_hosts` / `listen` and `ssl_redirect`.
//!
//! The spec is canonical: attributes equal to their default are left unset (a path is kept when
//! its `path_type` is set), rule blocks are one per host (exact hosts alphabetically, then
//! wildcard hosts, then the host-less block) with their paths in priority order. The expansion
//! it is verified with keeps the priorities that exist (as the next plan would).
//! Several specs may expand to the same objects (e.g.
//! `tls_hosts` or `listen`, canary `hosts` or `paths`); the candidates are expanded and the
//! first whose expansion renders exactly like what exists ([`crate::render`]) wins. When none
//! does, the closest one is returned with the differences.
//!
//! Not reconstructible (documented for users): weight canaries (they come back as weighted
//! backends, which expand the same), `tls_hosts` that carry no rule, settings of a disabled
//! health check, defaults written explicitly in the configuration, and rules whose identity tag
//! was shortened to a hash (longer than 128 characters).

use std::collections::{BTreeMap, BTreeSet};

use crate::desired::{ActionKind, Condition, IngressId, ListenerKey, Member};
use crate::diff::{ActualIngress, ActualRule, ActualServerGroup};
use crate::expand::{expand_ingress, path_of_patterns, ConfigListeners, Members};
use crate::ownership::{owns, tagged_for_agent, ResourceKind, TAG_RESOURCE};
use crate::priority::{Held, BAND_WIDTH};
use crate::render::canonical_conditions;
use crate::spec::{
    BackendDefaults, BackendProtocol, BackendSpec, CanaryHeaderSpec, CanarySpec,
    ConnectionDrainSpec, ContentType, CorsSpec, FixedResponseSpec, HeaderMatchSpec,
    HeaderValueType, HealthCheckMethod, HealthCheckProtocol, HealthCheckSpec, HttpVersion,
    IngressSpec, InsertHeaderSpec, KeyValueSpec, ListenSpec, ListenerProtocol, MatchSpec,
    MemberMode, MemberSync, PathSpec, PathType, RedirectProtocol, RedirectSpec, RemoveHeaderSpec,
    RewriteSpec, RuleSpec, Scheduler, ServiceRef, SlowStartSpec, StickySessionSpec, StickyType,
    TrafficLimitSpec, DEFAULT_MEMBER_WEIGHT,
};

/// What exists for one ingress, as import sees it.
#[derive(Clone, Copy, Debug)]
pub struct Observed<'a> {
    /// The `alb_config_id` (load balancer id).
    pub alb_config_id: &'a str,
    /// The ingress.
    pub id: &'a IngressId,
    /// Cluster id, edition and listeners of the load balancer.
    pub listeners: &'a ConfigListeners,
    /// Every rule on the load balancer and the ingress's server groups.
    pub actual: &'a ActualIngress,
}

/// A reconstructed spec and how its expansion differs from what exists (empty = exactly).
#[derive(Clone, Debug, PartialEq)]
pub struct Reconstruction {
    /// The spec.
    pub spec: IngressSpec,
    /// Human-readable differences between its expansion and what exists.
    pub differences: Vec<String>,
}

/// The canonical spec that expands to what `observed` shows (see the module documentation).
pub fn spec_from_actual(observed: &Observed<'_>) -> Reconstruction {
    let owned = Owned::of(observed);
    let mut unparsed = Vec::new();
    let mut entries: BTreeMap<PathKey, Entry<'_>> = BTreeMap::new();
    let mut defaults: BTreeMap<ListenerKey, &ActualRule> = BTreeMap::new();
    for r in &owned.rules {
        let key = r.view().key;
        match parse_identity(&key) {
            Some((listener, _)) if listener != r.listener => unparsed.push(format!(
                "rule {}: identity {key:?} names another listener",
                r.id
            )),
            Some((_, Ident::Default)) => {
                defaults.insert(r.listener, r);
            }
            Some((_, Ident::Path(k, variant))) => {
                let e = entries.entry(k).or_default();
                let slot = match variant {
                    Variant::Base => &mut e.base,
                    Variant::Canary => &mut e.canary,
                };
                slot.insert(r.listener, r);
            }
            None => unparsed.push(format!(
                "rule {} ({}): identity {key:?} not recognised",
                r.id,
                r.view().summary
            )),
        }
    }
    let redirect = redirect_listeners(&owned.rules);
    let mut paths: BTreeMap<PathKey, String> = BTreeMap::new();
    for (k, e) in &entries {
        let Some(source) = Entry::source(&e.base, &redirect) else {
            continue;
        };
        // The identity holds the path as written (`/api/` stays `/api/`); the condition
        // must fit it.
        match path_from_conditions(source, k.path_type) {
            Some(_) => {
                paths.insert(k.clone(), k.path.clone());
            }
            None => unparsed.push(format!(
                "rule {} ({}): path condition does not fit path type {}",
                source.id,
                source.view().summary,
                k.path_type
            )),
        }
    }
    let parts = Parts::build(observed, &owned, &entries, &paths, &defaults, &redirect);
    let members: Members = owned
        .groups
        .iter()
        .map(|g| (g.key().to_owned(), g.members.clone()))
        .collect();
    let mut best: Option<Reconstruction> = None;
    for spec in parts.candidates() {
        let mut differences = unparsed.clone();
        differences.extend(compare(&spec, observed, &owned, &members));
        if differences.is_empty() {
            return Reconstruction { spec, differences };
        }
        if best
            .as_ref()
            .is_none_or(|b| differences.len() < b.differences.len())
        {
            best = Some(Reconstruction { spec, differences });
        }
    }
    best.unwrap_or_else(|| Reconstruction {
        spec: parts.spec(None, None),
        differences: unparsed,
    })
}

/// The ingress's own rules and server groups.
struct Owned<'a> {
    rules: Vec<&'a ActualRule>,
    groups: Vec<&'a ActualServerGroup>,
}

impl<'a> Owned<'a> {
    fn of(o: &Observed<'a>) -> Self {
        let cluster = o.listeners.cluster_id.as_str();
        let mut rules: Vec<&ActualRule> = o
            .actual
            .rules
            .iter()
            .filter(|r| owns(&r.tags, cluster, o.id))
            .collect();
        rules.sort_by_key(|r| (r.listener, r.priority));
        let mut groups: Vec<&ActualServerGroup> = o
            .actual
            .server_groups
            .iter()
            .filter(|g| {
                owns(&g.tags, cluster, o.id)
                    && g.tags.get(TAG_RESOURCE).map(String::as_str)
                        == Some(ResourceKind::ServerGroup.as_str())
            })
            .collect();
        groups.sort_by(|a, b| a.key().cmp(b.key()));
        Self { rules, groups }
    }
}

// ------------------------------------------------------------------------------------------------
// Rule identities
// ------------------------------------------------------------------------------------------------

/// (host, path type, path, occurrence): one path block.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct PathKey {
    host: Option<String>,
    path_type: PathType,
    path: String,
    /// 1 for the first block with this host, type and path, 2 for a second one (` #2`) …
    occurrence: usize,
}

/// A path block's host and path (what a canary's `hosts` / `paths` select on).
#[derive(Clone, Debug, PartialEq, Eq)]
struct PathRef {
    host: Option<String>,
    path: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Base,
    Canary,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Ident {
    Default,
    Path(PathKey, Variant),
}

/// Parses `<listener>[ host=<h>] path=<type>:<path>[ canary=<kind>[#i]][ #n]`
/// or `<listener> default` (see the expansion's identities).
fn parse_identity(s: &str) -> Option<(ListenerKey, Ident)> {
    let mut tokens = s.split(' ');
    let listener: ListenerKey = tokens.next()?.parse().ok()?;
    let rest: Vec<&str> = tokens.collect();
    if rest == ["default"] {
        return Some((listener, Ident::Default));
    }
    let (mut host, mut path, mut variant, mut occurrence) = (None, None, Variant::Base, 1);
    for t in rest {
        if let Some(h) = t.strip_prefix("host=") {
            host = Some(h.to_owned());
        } else if let Some(p) = t.strip_prefix("path=") {
            let (ty, p) = p.split_once(':')?;
            let path_type = match ty {
                "Exact" => PathType::Exact,
                "Prefix" => PathType::Prefix,
                "ImplementationSpecific" => PathType::ImplementationSpecific,
                _ => return None,
            };
            path = Some((path_type, p.to_owned()));
        } else if let Some(kind) = t.strip_prefix("canary=") {
            if !matches!(kind.split('#').next(), Some("header" | "cookie")) {
                return None;
            }
            variant = Variant::Canary;
        } else if let Some(n) = t.strip_prefix('#') {
            occurrence = n.parse().ok().filter(|n| *n >= 2)?;
        } else {
            return None;
        }
    }
    let (path_type, path) = path?;
    let key = PathKey {
        host,
        path_type,
        path,
        occurrence,
    };
    Some((listener, Ident::Path(key, variant)))
}

/// The path string of a rule's `Path` condition ([`path_of_patterns`]); `None` when the
/// condition is missing or fits no pattern of the type.
fn path_from_conditions(r: &ActualRule, path_type: PathType) -> Option<String> {
    let values = r.conditions.iter().find_map(|c| match c {
        Condition::Path { values } => Some(values),
        _ => None,
    })?;
    path_of_patterns(values, path_type)
}

/// The rules of one path block, per listener.
#[derive(Default)]
struct Entry<'a> {
    base: BTreeMap<ListenerKey, &'a ActualRule>,
    canary: BTreeMap<ListenerKey, &'a ActualRule>,
}

impl<'a> Entry<'a> {
    /// The rule to read the path from: on a listener that is not an SSL-redirect listener.
    fn source(
        map: &BTreeMap<ListenerKey, &'a ActualRule>,
        redirect: &BTreeSet<ListenerKey>,
    ) -> Option<&'a ActualRule> {
        map.iter()
            .find(|(l, _)| !redirect.contains(l))
            .or(map.iter().next())
            .map(|(_, r)| *r)
    }

    /// The earliest (listener, priority) of the block, for ordering.
    fn first(&self) -> Option<(ListenerKey, u32)> {
        self.base
            .values()
            .chain(self.canary.values())
            .map(|r| (r.listener, r.priority))
            .min()
    }
}

/// Rule blocks come exact hosts first, then wildcard hosts, then the host-less block.
fn host_rank(host: Option<&str>) -> u8 {
    match host {
        Some(h) if h.starts_with('*') => 1,
        Some(_) => 0,
        None => 2,
    }
}

fn is_ssl_redirect(r: &ActualRule) -> bool {
    r.actions.iter().any(|a| {
        a.kind
            == ActionKind::Redirect {
                protocol: Some("HTTPS".to_owned()),
                host: None,
                port: Some("443".to_owned()),
                path: None,
                query: None,
                code: 308,
            }
    })
}

/// HTTP listeners whose every owned rule only redirects to HTTPS:443 (`ssl_redirect`).
fn redirect_listeners(rules: &[&ActualRule]) -> BTreeSet<ListenerKey> {
    let mut by_listener: BTreeMap<ListenerKey, bool> = BTreeMap::new();
    for r in rules {
        let all = by_listener.entry(r.listener).or_insert(true);
        *all &= is_ssl_redirect(r);
    }
    by_listener
        .into_iter()
        .filter(|(l, all)| *all && l.protocol == ListenerProtocol::Http)
        .map(|(l, _)| l)
        .collect()
}

// ------------------------------------------------------------------------------------------------
// Building the spec
// ------------------------------------------------------------------------------------------------

/// A canary without its `hosts` / `paths`, and the path blocks it applies to.
struct Canary {
    spec: CanarySpec,
    targets: Vec<PathRef>,
}

/// Everything but the choices that several specs could explain.
struct Parts {
    alb_config_id: String,
    id: IngressId,
    order: Option<i64>,
    ssl_redirect: bool,
    use_regex: bool,
    rules: Vec<RuleSpec>,
    /// Path blocks with backends (the ones a canary may apply to).
    forward_paths: Vec<PathRef>,
    backend_defaults: Option<BackendDefaults>,
    default_backend: Option<ServiceRef>,
    canary: Option<Canary>,
    /// Listeners with owned rules.
    used: BTreeSet<ListenerKey>,
    /// Hosts with a rule on HTTPS:443.
    https_hosts: Vec<String>,
}

impl Parts {
    fn build(
        o: &Observed<'_>,
        owned: &Owned<'_>,
        entries: &BTreeMap<PathKey, Entry<'_>>,
        paths: &BTreeMap<PathKey, String>,
        defaults: &BTreeMap<ListenerKey, &ActualRule>,
        redirect: &BTreeSet<ListenerKey>,
    ) -> Self {
        let mut ordered: Vec<(&PathKey, &Entry<'_>)> = entries.iter().collect();
        ordered.sort_by_key(|(k, e)| (host_rank(k.host.as_deref()), k.host.clone(), e.first()));
        let mut rules: Vec<RuleSpec> = Vec::new();
        let mut forward_paths = Vec::new();
        let mut use_regex = false;
        let mut canary: Option<Canary> = None;
        for (key, entry) in ordered {
            let (Some(source), Some(path_str)) =
                (Entry::source(&entry.base, redirect), paths.get(key))
            else {
                continue;
            };
            let from_redirect = redirect.contains(&source.listener);
            let (path, regex) = path_spec(source, key.path_type, path_str, from_redirect);
            use_regex |= regex;
            let path_ref = PathRef {
                host: key.host.clone(),
                path: path_str.clone(),
            };
            if !path.backend.is_empty() {
                forward_paths.push(path_ref.clone());
            }
            if let Some(c) = Entry::source(&entry.canary, redirect) {
                let found = canary.get_or_insert_with(|| Canary {
                    spec: canary_spec(c, source),
                    targets: Vec::new(),
                });
                found.targets.push(path_ref);
            }
            match rules.iter_mut().find(|r| r.host == key.host) {
                Some(rule) => rule.path.push(path),
                None => rules.push(RuleSpec {
                    host: key.host.clone(),
                    path: vec![path],
                }),
            }
        }
        let default_backend = defaults
            .iter()
            .find(|(l, _)| !redirect.contains(l))
            .and_then(|(_, r)| forward_targets(r).into_iter().next())
            .map(|(key, _)| service_ref(&key));
        let https = ListenerKey::new(ListenerProtocol::Https, 443);
        let mut https_hosts: Vec<String> = entries
            .iter()
            .filter(|(_, e)| e.base.contains_key(&https))
            .filter_map(|(k, _)| k.host.clone())
            .collect();
        https_hosts.sort();
        https_hosts.dedup();
        let order = owned
            .rules
            .iter()
            .map(|r| r.priority)
            .min()
            .map(|p| i64::from(p.saturating_sub(1) / BAND_WIDTH + 1));
        Self {
            alb_config_id: o.alb_config_id.to_owned(),
            id: o.id.clone(),
            order,
            ssl_redirect: !redirect.is_empty(),
            use_regex,
            rules,
            forward_paths,
            backend_defaults: owned.groups.first().copied().and_then(backend_defaults),
            default_backend,
            canary,
            used: owned.rules.iter().map(|r| r.listener).collect(),
            https_hosts,
        }
    }

    /// The specs that may explain what exists, most canonical first.
    fn candidates(&self) -> Vec<IngressSpec> {
        let http = ListenerKey::new(ListenerProtocol::Http, 80);
        let https = ListenerKey::new(ListenerProtocol::Https, 443);
        let mut listens: Vec<Listening> = Vec::new();
        let implicit = self.used.iter().all(|l| *l == http || *l == https)
            && (!self.used.contains(&https) || !self.https_hosts.is_empty());
        if implicit {
            listens.push(Listening::Implicit);
        }
        listens.push(Listening::Explicit);
        let canaries: Vec<Option<CanarySpec>> = match &self.canary {
            None => vec![None],
            Some(c) => canary_scopes(c, &self.forward_paths)
                .into_iter()
                .map(Some)
                .collect(),
        };
        listens
            .iter()
            .flat_map(|l| canaries.iter().map(move |c| self.spec(Some(*l), c.clone())))
            .collect()
    }

    fn spec(&self, listening: Option<Listening>, canary: Option<CanarySpec>) -> IngressSpec {
        let (tls_hosts, listen) = match listening {
            Some(Listening::Implicit) | None => (
                (!self.https_hosts.is_empty()).then(|| self.https_hosts.clone()),
                Vec::new(),
            ),
            Some(Listening::Explicit) => (
                None,
                self.used
                    .iter()
                    .map(|l| ListenSpec {
                        protocol: l.protocol,
                        port: i64::from(l.port),
                    })
                    .collect(),
            ),
        };
        IngressSpec {
            alb_config_id: self.alb_config_id.clone(),
            namespace: self.id.namespace.clone(),
            name: self.id.name.clone(),
            order: self.order,
            tls_hosts,
            ssl_redirect: self.ssl_redirect.then_some(true),
            use_regex: self.use_regex.then_some(true),
            listen,
            backend_defaults: self.backend_defaults.clone(),
            rule: self.rules.clone(),
            canary: canary.into_iter().collect(),
            default_backend: self.default_backend.clone(),
            ..IngressSpec::default()
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Listening {
    /// `tls_hosts` (HTTPS:443) and HTTP:80.
    Implicit,
    /// `listen` blocks.
    Explicit,
}

/// The canary with every `hosts` / `paths` restriction that could select its targets.
fn canary_scopes(c: &Canary, forward_paths: &[PathRef]) -> Vec<CanarySpec> {
    let mut out = vec![c.spec.clone()];
    if c.targets.len() == forward_paths.len() {
        return out;
    }
    let mut hosts: Vec<String> = c.targets.iter().filter_map(|k| k.host.clone()).collect();
    hosts.sort();
    hosts.dedup();
    let mut paths: Vec<String> = c.targets.iter().map(|k| k.path.clone()).collect();
    paths.sort();
    paths.dedup();
    let with = |hosts: Option<Vec<String>>, paths: Option<Vec<String>>| CanarySpec {
        hosts,
        paths,
        ..c.spec.clone()
    };
    let hosts = c.targets.iter().all(|k| k.host.is_some()).then_some(hosts);
    if hosts.is_some() {
        out.push(with(hosts.clone(), None));
    }
    out.push(with(None, Some(paths.clone())));
    if hosts.is_some() {
        out.push(with(hosts, Some(paths)));
    }
    out
}

fn service_ref(key: &str) -> ServiceRef {
    let (service, port) = key.split_once(':').unwrap_or((key, ""));
    ServiceRef {
        service: service.to_owned(),
        port: port.to_owned(),
    }
}

/// Forward targets (key, weight) of a rule's final forward action, in the API's order.
fn forward_targets(r: &ActualRule) -> Vec<(String, u32)> {
    r.actions
        .iter()
        .find_map(|a| match &a.kind {
            ActionKind::ForwardGroup { server_groups, .. } => Some(
                server_groups
                    .iter()
                    .map(|t| (t.key.clone(), t.weight))
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default()
}

/// The path block of a base rule, and whether it shows a regex Prefix path (`use_regex`).
/// A rule on an SSL-redirect listener gives no final action.
fn path_spec(
    r: &ActualRule,
    path_type: PathType,
    path: &str,
    from_redirect: bool,
) -> (PathSpec, bool) {
    let mut p = PathSpec {
        path: (path != "/" || path_type != PathType::ImplementationSpecific)
            .then(|| path.to_owned()),
        path_type: (path_type != PathType::ImplementationSpecific).then_some(path_type),
        ..PathSpec::default()
    };
    let mut m = MatchSpec::default();
    let mut regex_pattern = false;
    let pairs = |v: &[crate::desired::KeyValue]| -> Vec<KeyValueSpec> {
        v.iter()
            .map(|kv| KeyValueSpec {
                key: kv.key.clone(),
                value: kv.value.clone(),
            })
            .collect()
    };
    for c in &r.conditions {
        match c {
            Condition::Host { .. } => {}
            Condition::Path { values } => {
                regex_pattern = values.iter().any(|v| v.starts_with("~*"));
            }
            Condition::Header { key, values } => m.header.push(HeaderMatchSpec {
                name: key.clone(),
                values: values.clone(),
            }),
            Condition::QueryString { values } => m.query_string.extend(pairs(values)),
            Condition::Cookie { values } => m.cookie.extend(pairs(values)),
            Condition::Method { values } => m.methods = Some(values.clone()),
            Condition::SourceIp { values } => m.source_ips = Some(values.clone()),
        }
    }
    if m != MatchSpec::default() {
        p.r#match = Some(m);
    }
    let mut actions = r.actions.clone();
    actions.sort_by_key(|a| a.order);
    for a in actions {
        match a.kind {
            ActionKind::TrafficLimit { qps, per_ip_qps } => {
                p.traffic_limit = Some(TrafficLimitSpec {
                    qps: i64::from(qps),
                    per_ip_qps: per_ip_qps.map(i64::from),
                })
            }
            ActionKind::InsertHeader {
                name,
                value,
                value_type,
            } => p.insert_header.push(InsertHeaderSpec {
                name,
                value,
                value_type: (value_type != HeaderValueType::UserDefined).then_some(value_type),
            }),
            ActionKind::RemoveHeader { name } => p.remove_header.push(RemoveHeaderSpec { name }),
            ActionKind::Rewrite { host, path, query } => {
                p.rewrite = Some(RewriteSpec { host, path, query })
            }
            ActionKind::Cors {
                allow_origins,
                allow_methods,
                allow_headers,
                expose_headers,
                allow_credentials,
                max_age,
            } => {
                p.cors = Some(cors_spec(CorsParts {
                    allow_origins,
                    allow_methods,
                    allow_headers,
                    expose_headers,
                    allow_credentials,
                    max_age,
                }))
            }
            ActionKind::TrafficMirror { server_group } => {
                p.mirror = Some(service_ref(&server_group))
            }
            ActionKind::ForwardGroup { server_groups, .. } if !from_redirect => {
                let single = server_groups.len() == 1;
                p.backend = server_groups
                    .into_iter()
                    .map(|t| {
                        let s = service_ref(&t.key);
                        BackendSpec {
                            service: s.service,
                            port: s.port,
                            weight: (!single || t.weight != 100).then_some(i64::from(t.weight)),
                        }
                    })
                    .collect();
            }
            ActionKind::Redirect {
                protocol,
                host,
                port,
                path,
                query,
                code,
            } if !from_redirect => {
                p.redirect = Some(RedirectSpec {
                    protocol: protocol.as_deref().and_then(|x| match x {
                        "HTTP" => Some(RedirectProtocol::Http),
                        "HTTPS" => Some(RedirectProtocol::Https),
                        _ => None,
                    }),
                    host,
                    port,
                    path,
                    query,
                    code: (code != 301).then_some(i64::from(code)),
                })
            }
            ActionKind::FixedResponse {
                status,
                content_type,
                content,
            } if !from_redirect => {
                p.fixed_response = Some(FixedResponseSpec {
                    status: i64::from(status),
                    content_type: (content_type != ContentType::TextPlain).then_some(content_type),
                    content,
                })
            }
            _ => {}
        }
    }
    let regex = regex_pattern && path_type == PathType::Prefix && p.rewrite.is_none();
    (p, regex)
}

struct CorsParts {
    allow_origins: Vec<String>,
    allow_methods: Vec<String>,
    allow_headers: Vec<String>,
    expose_headers: Vec<String>,
    allow_credentials: bool,
    max_age: i32,
}

/// A CORS block with the defaults left unset.
fn cors_spec(c: CorsParts) -> CorsSpec {
    let d = CorsSpec::default();
    let unless = |v: Vec<String>, default: Vec<String>| (v != default).then_some(v);
    CorsSpec {
        allow_origins: unless(c.allow_origins, d.allow_origins()),
        allow_methods: unless(c.allow_methods, d.allow_methods()),
        allow_headers: unless(c.allow_headers, d.allow_headers()),
        expose_headers: unless(c.expose_headers, d.expose_headers()),
        allow_credentials: (c.allow_credentials != d.allow_credentials())
            .then_some(c.allow_credentials),
        max_age: (i64::from(c.max_age) != d.max_age()).then_some(i64::from(c.max_age)),
    }
}

/// The canary of a header/cookie canary rule: the condition it adds to its base rule, and the
/// service it forwards to.
fn canary_spec(canary: &ActualRule, base: &ActualRule) -> CanarySpec {
    let base_conditions = canonical_conditions(&base.conditions);
    let extra = canonical_conditions(&canary.conditions)
        .into_iter()
        .find(|c| !base_conditions.contains(c));
    let (header, cookie) = match extra {
        Some(Condition::Header { key, values }) => {
            let value = values.into_iter().next().filter(|v| v != "always");
            (Some(CanaryHeaderSpec { name: key, value }), None)
        }
        Some(Condition::Cookie { values }) => (None, values.into_iter().next().map(|kv| kv.key)),
        _ => (None, None),
    };
    CanarySpec {
        backend: forward_targets(canary)
            .into_iter()
            .next()
            .map(|(key, _)| service_ref(&key)),
        header,
        cookie,
        ..CanarySpec::default()
    }
}

/// The weight every member has, if they agree.
fn common_weight(members: &[Member]) -> Option<u32> {
    let first = members.first()?.weight;
    members.iter().all(|m| m.weight == first).then_some(first)
}

/// `backend_defaults` from a server group's attributes, `None` when everything is default.
fn backend_defaults(g: &ActualServerGroup) -> Option<BackendDefaults> {
    let a = &g.attributes;
    let mode = g.member_mode;
    let spec = BackendDefaults {
        protocol: (a.protocol != BackendProtocol::Http).then_some(a.protocol),
        scheduler: (a.scheduler != Scheduler::Wrr).then_some(a.scheduler),
        uch_query_key: a.uch.as_ref().map(|u| u.query_key.clone()),
        member_mode: (mode != MemberMode::Ip).then_some(mode),
        member_weight: common_weight(&g.members).filter(|w| *w != DEFAULT_MEMBER_WEIGHT),
        member_sync: tagged_for_agent(&g.tags).then_some(MemberSync::Agent),
        // Not recorded on the load balancer.
        node_selector: None,
        keepalive: a.keepalive.then_some(true),
        cross_zone: (!a.cross_zone).then_some(false),
        health_check: a.health_check.as_ref().map(|h| {
            let grpc = a.protocol == BackendProtocol::Grpc;
            let default_protocol = if grpc {
                HealthCheckProtocol::Grpc
            } else {
                HealthCheckProtocol::Http
            };
            let (method, codes) = match h.protocol {
                HealthCheckProtocol::Grpc => (HealthCheckMethod::Post, vec!["0".to_owned()]),
                _ => (HealthCheckMethod::Head, vec!["http_2xx".to_owned()]),
            };
            let unless_u32 = |v: u32, d: u32| (v != d).then_some(i64::from(v));
            HealthCheckSpec {
                enabled: Some(true),
                protocol: (h.protocol != default_protocol).then_some(h.protocol),
                method: h.method.filter(|m| *m != method),
                path: h.path.clone().filter(|p| p != "/"),
                host: h.host.clone(),
                codes: (h.protocol != HealthCheckProtocol::Tcp && h.codes != codes)
                    .then(|| h.codes.clone()),
                http_version: h.http_version.filter(|v| *v != HttpVersion::Http11),
                connect_port: unless_u32(u32::from(h.connect_port), 0),
                interval: unless_u32(h.interval, 2),
                timeout: unless_u32(h.timeout, 5),
                healthy_threshold: unless_u32(h.healthy_threshold, 3),
                unhealthy_threshold: unless_u32(h.unhealthy_threshold, 3),
            }
        }),
        sticky_session: a.sticky_session.as_ref().map(|s| StickySessionSpec {
            r#type: (s.kind != StickyType::Insert).then_some(s.kind),
            cookie_timeout: s.cookie_timeout.filter(|t| *t != 1000).map(i64::from),
            cookie: s.cookie.clone(),
        }),
        slow_start: a.slow_start.as_ref().map(|s| SlowStartSpec {
            duration: Some(i64::from(s.duration)),
        }),
        connection_drain: a.connection_drain.as_ref().map(|c| ConnectionDrainSpec {
            timeout: Some(i64::from(c.timeout)),
        }),
    };
    (spec != BackendDefaults::default()).then_some(spec)
}

// ------------------------------------------------------------------------------------------------
// Verification
// ------------------------------------------------------------------------------------------------

/// How the expansion of `spec` differs from the owned objects, as the plan would render them.
fn compare(
    spec: &IngressSpec,
    o: &Observed<'_>,
    owned: &Owned<'_>,
    members: &Members,
) -> Vec<String> {
    let held = Held::of_rules(owned.rules.iter().copied(), false);
    let desired = match expand_ingress(spec, o.listeners, members, &held) {
        Ok(d) => d,
        Err(e) => {
            return vec![format!(
                "the reconstructed configuration does not expand: {e}"
            )]
        }
    };
    let mut out = Vec::new();
    let want: BTreeMap<_, _> = desired
        .rules
        .iter()
        .map(|r| ((r.listener, r.identity.clone()), r.view()))
        .collect();
    let have: BTreeMap<_, _> = owned
        .rules
        .iter()
        .map(|r| {
            let v = r.view();
            ((r.listener, v.key.clone()), v)
        })
        .collect();
    for (k, v) in &want {
        match have.get(k) {
            None => out.push(format!("rule {:?} would be created", v.key)),
            Some(h) if h != v => out.push(format!(
                "rule {:?} differs: exists as {:?}, would be {:?}",
                v.key, h.summary, v.summary
            )),
            Some(_) => {}
        }
    }
    for (k, h) in &have {
        if !want.contains_key(k) {
            out.push(format!("rule {:?} would be deleted", h.key));
        }
    }
    let want: BTreeMap<_, _> = desired
        .server_groups
        .iter()
        .map(|g| (g.key.clone(), g.view()))
        .collect();
    for g in &owned.groups {
        match want.get(g.key()) {
            None => out.push(format!("server group {:?} would be deleted", g.key())),
            Some(w) if *w != g.view() => out.push(format!("server group {:?} differs", g.key())),
            Some(_) => {}
        }
    }
    for key in want.keys() {
        if !owned.groups.iter().any(|g| g.key() == key) {
            out.push(format!("server group {key:?} would be created"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_parse() {
        let http: ListenerKey = "HTTP:80".parse().unwrap();
        assert_eq!(
            parse_identity("HTTP:80 default"),
            Some((http, Ident::Default))
        );
        let (l, ident) =
            parse_identity("HTTPS:443 host=a.com path=Prefix:/api canary=header#1 #2").unwrap();
        assert_eq!(l.to_string(), "HTTPS:443");
        assert_eq!(
            ident,
            Ident::Path(
                PathKey {
                    host: Some("a.com".into()),
                    path_type: PathType::Prefix,
                    path: "/api".into(),
                    occurrence: 2,
                },
                Variant::Canary
            )
        );
        let (_, ident) = parse_identity("HTTP:80 path=ImplementationSpecific:/").unwrap();
        assert!(
            matches!(ident, Ident::Path(k, Variant::Base) if k.path == "/" && k.host.is_none() && k.occurrence == 1)
        );
        assert_eq!(parse_identity("HTTP:80 path=Bogus:/a"), None);
        assert_eq!(parse_identity("HTTP:80 path=Prefix#0"), None);
        assert_eq!(parse_identity("HTTP:80 path=Prefix:/a #1"), None);
        assert_eq!(parse_identity("HTTP:80 path=Prefix:/a extra"), None);
        assert_eq!(parse_identity("HTTP:80 x~0123456789ab"), None);
        assert_eq!(parse_identity("nonsense"), None);
    }

    fn rule_with_path(values: &[&str]) -> ActualRule {
        ActualRule {
            id: "r".into(),
            listener: "HTTP:80".parse().unwrap(),
            priority: 1,
            name: "r".into(),
            conditions: vec![
                Condition::Host {
                    values: vec!["a.com".into()],
                },
                Condition::Path {
                    values: values.iter().map(|v| (*v).to_owned()).collect(),
                },
            ],
            actions: Vec::new(),
            tags: Default::default(),
        }
    }

    #[test]
    fn paths_invert_the_expansion_patterns() {
        let path = |values: &[&str], ty| path_from_conditions(&rule_with_path(values), ty);
        use PathType::{Exact, ImplementationSpecific as Impl, Prefix};
        assert_eq!(path(&["/a"], Exact).as_deref(), Some("/a"));
        assert_eq!(path(&["/*"], Impl).as_deref(), Some("/"));
        assert_eq!(path(&["/a*"], Impl).as_deref(), Some("/a*"));
        assert_eq!(path(&["/*"], Prefix).as_deref(), Some("/"));
        assert_eq!(path(&["/api", "/api/*"], Prefix).as_deref(), Some("/api"));
        assert_eq!(path(&["~*/api/(.*)"], Prefix).as_deref(), Some("/api/(.*)"));
        assert_eq!(path(&["/api"], Prefix), None);
        assert_eq!(path(&["/api", "/other/*"], Prefix), None);
        assert_eq!(path(&["/a", "/b"], Exact), None);
    }
}

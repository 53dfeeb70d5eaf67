//! A model of ALB request matching (research `alb-routing.md`): which rule of a listener a
//! request hits and where it ends up. Used to prove plans gapless ([`crate::replay`]), by the
//! priority allocation to know which rules may compete for a request ([`may_overlap`]), and by
//! alb-mock's routing endpoint.
//!
//! * Rules are tried by ascending priority; the first whose conditions all match wins (AND
//!   across conditions, OR within one condition's values); no match → the listener's default
//!   action ([`Target::Default`]).
//! * Host: exact or wildcard (`*`, `?`), compared case-insensitively; `~` / `~*` regex
//!   [INF: `~*` case-insensitive, `~` as written, both searched unanchored like nginx].
//! * Path: exact or wildcard, case-sensitive; `~` regex (case-sensitive), `~*` regex
//!   (case-insensitive) [INF: unanchored search].
//! * Header (name case-insensitive, values wildcard, case-insensitive [INF]), Cookie and
//!   QueryString (key exact, value wildcard [INF]), Method, SourceIp (CIDR or address).
//! * The target is the final action: forward (the weighted groups with weight > 0), redirect or
//!   fixed response.

use std::collections::BTreeMap;
use std::net::IpAddr;

use regex::RegexBuilder;
use serde::{Deserialize, Serialize};

use crate::desired::{Action, ActionKind, Condition, KeyValue};

/// A request as the matcher sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Request {
    /// Host header (without port).
    pub host: String,
    /// Path (without query).
    pub path: String,
    /// Method (`GET` when empty).
    #[serde(default)]
    pub method: String,
    /// Headers (names compared case-insensitively).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Cookies.
    #[serde(default)]
    pub cookies: BTreeMap<String, String>,
    /// Query parameters.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Client address (`None` matches no SourceIp condition).
    #[serde(default)]
    pub source_ip: Option<IpAddr>,
}

impl Request {
    /// A GET of `path` on `host`.
    pub fn get(host: &str, path: &str) -> Self {
        Self {
            host: host.to_owned(),
            path: path.to_owned(),
            ..Self::default()
        }
    }
}

/// Where a request ends up.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Target {
    /// No rule matched: the listener's default action.
    Default,
    /// Forward to server groups: key → weight (groups with weight 0 left out).
    Forward {
        /// Groups.
        groups: BTreeMap<String, u32>,
    },
    /// Redirect.
    Redirect {
        /// The redirect's configuration, rendered.
        to: String,
    },
    /// Fixed response.
    FixedResponse {
        /// Status.
        status: u16,
        /// Body.
        content: Option<String>,
    },
}

impl Target {
    /// The target of a rule's actions: its final action (`Default` when it has none).
    pub fn of(actions: &[Action]) -> Self {
        let Some(last) = actions
            .iter()
            .filter(|a| a.kind.is_final())
            .max_by_key(|a| a.order)
        else {
            return Self::Default;
        };
        match &last.kind {
            ActionKind::ForwardGroup { server_groups, .. } => Self::Forward {
                groups: server_groups
                    .iter()
                    .filter(|t| t.weight > 0)
                    .map(|t| (t.key.clone(), t.weight))
                    .collect(),
            },
            ActionKind::FixedResponse {
                status, content, ..
            } => Self::FixedResponse {
                status: *status,
                content: content.clone(),
            },
            other => Self::Redirect {
                to: other.summary(),
            },
        }
    }

    /// Server group keys this target forwards to.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        let groups = match self {
            Self::Forward { groups } => Some(groups.keys().map(String::as_str)),
            _ => None,
        };
        groups.into_iter().flatten()
    }
}

/// A rule as the matcher needs it.
#[derive(Clone, Copy, Debug)]
pub struct RuleRef<'a> {
    /// Rule id (or identity for rules not created yet).
    pub id: &'a str,
    /// Priority.
    pub priority: u32,
    /// Conditions.
    pub conditions: &'a [Condition],
    /// Actions.
    pub actions: &'a [Action],
}

/// The rule a request hits and its target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routed {
    /// Id of the matching rule; `None` = the default action.
    pub rule: Option<String>,
    /// Priority of the matching rule.
    pub priority: Option<u32>,
    /// Target.
    pub target: Target,
}

/// Routes `req` over the rules of one listener (any order; evaluated by ascending priority).
pub fn route<'a>(rules: impl IntoIterator<Item = RuleRef<'a>>, req: &Request) -> Routed {
    let mut rules: Vec<RuleRef<'a>> = rules.into_iter().collect();
    rules.sort_by_key(|r| r.priority);
    rules
        .iter()
        .find(|r| rule_matches(r.conditions, req))
        .map_or(
            Routed {
                rule: None,
                priority: None,
                target: Target::Default,
            },
            |r| Routed {
                rule: Some(r.id.to_owned()),
                priority: Some(r.priority),
                target: Target::of(r.actions),
            },
        )
}

/// Whether every condition matches `req`.
pub fn rule_matches(conditions: &[Condition], req: &Request) -> bool {
    conditions.iter().all(|c| condition_matches(c, req))
}

/// Whether one condition (any of its values) matches `req`.
pub fn condition_matches(c: &Condition, req: &Request) -> bool {
    match c {
        Condition::Host { values } => values.iter().any(|v| host_matches(v, &req.host)),
        Condition::Path { values } => values.iter().any(|v| path_matches(v, &req.path)),
        Condition::Header { key, values } => req
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .any(|(_, value)| values.iter().any(|v| glob(v, value, true))),
        Condition::Cookie { values } => pairs_match(values, &req.cookies),
        Condition::QueryString { values } => pairs_match(values, &req.query),
        Condition::Method { values } => {
            let method = if req.method.is_empty() {
                "GET"
            } else {
                req.method.as_str()
            };
            values
                .iter()
                .any(|m| m.as_str().eq_ignore_ascii_case(method))
        }
        Condition::SourceIp { values } => req
            .source_ip
            .is_some_and(|ip| values.iter().any(|v| in_cidr(v, ip))),
    }
}

fn pairs_match(values: &[KeyValue], have: &BTreeMap<String, String>) -> bool {
    values
        .iter()
        .any(|kv| have.get(&kv.key).is_some_and(|v| glob(&kv.value, v, false)))
}

/// A Host condition value against a host name.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    match regex_of(pattern) {
        Some((re, insensitive)) => regex_search(re, host, insensitive),
        None => glob(pattern, host, true),
    }
}

/// A Path condition value against a path.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    match regex_of(pattern) {
        Some((re, insensitive)) => regex_search(re, path, insensitive),
        None => glob(pattern, path, false),
    }
}

/// `(expression, case-insensitive)` of a `~` / `~*` value.
fn regex_of(pattern: &str) -> Option<(&str, bool)> {
    if let Some(re) = pattern.strip_prefix("~*") {
        Some((re, true))
    } else {
        pattern.strip_prefix('~').map(|re| (re, false))
    }
}

fn regex_search(re: &str, s: &str, insensitive: bool) -> bool {
    RegexBuilder::new(re)
        .case_insensitive(insensitive)
        .build()
        .is_ok_and(|re| re.is_match(s))
}

/// Wildcard match: `*` any run of characters, `?` one character.
pub fn glob(pattern: &str, s: &str, case_insensitive: bool) -> bool {
    let fold = |c: char| {
        if case_insensitive {
            c.to_ascii_lowercase()
        } else {
            c
        }
    };
    let p: Vec<char> = pattern.chars().map(fold).collect();
    let s: Vec<char> = s.chars().map(fold).collect();
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn in_cidr(cidr: &str, ip: IpAddr) -> bool {
    let (addr, len) = cidr.split_once('/').unwrap_or((cidr, ""));
    let Ok(net) = addr.parse::<IpAddr>() else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let len: u32 = len.parse().unwrap_or(32).min(32);
            let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let len: u32 = len.parse().unwrap_or(128).min(128);
            let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

// ------------------------------------------------------------------------------------------------
// Overlap
// ------------------------------------------------------------------------------------------------

/// Whether some request could match both condition sets. Conservative: `false` only when the
/// hosts, the paths or the methods provably exclude each other; anything else may overlap.
pub fn may_overlap(a: &[Condition], b: &[Condition]) -> bool {
    let hosts = |c: &[Condition]| {
        c.iter().find_map(|c| match c {
            Condition::Host { values } => Some(values.clone()),
            _ => None,
        })
    };
    let paths = |c: &[Condition]| {
        c.iter().find_map(|c| match c {
            Condition::Path { values } => Some(values.clone()),
            _ => None,
        })
    };
    let methods = |c: &[Condition]| {
        c.iter().find_map(|c| match c {
            Condition::Method { values } => Some(values.clone()),
            _ => None,
        })
    };
    let disjoint_sets =
        |x: Option<Vec<String>>, y: Option<Vec<String>>, f: fn(&str, &str) -> bool| match (x, y) {
            (Some(x), Some(y)) => x.iter().all(|p| y.iter().all(|q| f(p, q))),
            _ => false,
        };
    let methods_disjoint = match (methods(a), methods(b)) {
        (Some(x), Some(y)) => !x.iter().any(|m| y.contains(m)),
        _ => false,
    };
    !(disjoint_sets(hosts(a), hosts(b), hosts_disjoint)
        || disjoint_sets(paths(a), paths(b), paths_disjoint)
        || methods_disjoint)
}

fn is_wild(p: &str) -> bool {
    p.contains(['*', '?'])
}

fn hosts_disjoint(a: &str, b: &str) -> bool {
    patterns_disjoint(a, b, true)
}

fn paths_disjoint(a: &str, b: &str) -> bool {
    patterns_disjoint(a, b, false)
}

/// Two values provably match no common string: regexes never are (unless against a literal).
fn patterns_disjoint(a: &str, b: &str, case_insensitive: bool) -> bool {
    let literal = |p: &str| regex_of(p).is_none() && !is_wild(p);
    let matches = |pattern: &str, s: &str| {
        if case_insensitive {
            host_matches(pattern, s)
        } else {
            path_matches(pattern, s)
        }
    };
    match (literal(a), literal(b)) {
        (true, true) => {
            if case_insensitive {
                !a.eq_ignore_ascii_case(b)
            } else {
                a != b
            }
        }
        (true, false) => !matches(b, a),
        (false, true) => !matches(a, b),
        (false, false) if regex_of(a).is_none() && regex_of(b).is_none() => {
            let fold = |s: &str| {
                if case_insensitive {
                    s.to_ascii_lowercase()
                } else {
                    s.to_owned()
                }
            };
            let (a, b) = (fold(a), fold(b));
            let head = |p: &str| p[..p.find(['*', '?']).unwrap_or(p.len())].to_owned();
            let tail = |p: &str| p[p.rfind(['*', '?']).map_or(0, |i| i + 1)..].to_owned();
            let (ha, hb) = (head(&a), head(&b));
            let (ta, tb) = (tail(&a), tail(&b));
            !(ha.starts_with(&hb) || hb.starts_with(&ha))
                || !(ta.ends_with(&tb) || tb.ends_with(&ta))
        }
        (false, false) => false,
    }
}

// ------------------------------------------------------------------------------------------------
// Sample requests
// ------------------------------------------------------------------------------------------------

/// Requests that exercise `conditions`: one meeting every condition (where a value can be
/// derived), and the same without the conditions beyond host and path, with concrete hosts and
/// paths for each value (wildcards filled in, regexes skipped).
pub fn samples(conditions: &[Condition]) -> Vec<Request> {
    let concrete = |v: &str, fill: &str| -> Option<String> {
        if regex_of(v).is_some() {
            return None;
        }
        Some(v.replace('*', fill).replace('?', "q"))
    };
    let hosts: Vec<String> = conditions
        .iter()
        .find_map(|c| match c {
            Condition::Host { values } => Some(
                values
                    .iter()
                    .filter_map(|v| concrete(v, "www"))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .unwrap_or_else(|| vec!["any.example.com".to_owned()]);
    let paths: Vec<String> = conditions
        .iter()
        .find_map(|c| match c {
            Condition::Path { values } => Some(
                values
                    .iter()
                    .flat_map(|v| [concrete(v, "x"), concrete(v, "x/y")])
                    .flatten()
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .unwrap_or_else(|| vec!["/".to_owned()]);
    let mut out = Vec::new();
    for host in &hosts {
        for path in &paths {
            let plain = Request::get(host, path);
            let mut full = plain.clone();
            for c in conditions {
                match c {
                    Condition::Header { key, values } => {
                        if let Some(v) = values.first().and_then(|v| concrete(v, "v")) {
                            full.headers.insert(key.clone(), v);
                        }
                    }
                    Condition::Cookie { values } => {
                        if let Some(kv) = values.first() {
                            full.cookies
                                .insert(kv.key.clone(), kv.value.replace(['*', '?'], "v"));
                        }
                    }
                    Condition::QueryString { values } => {
                        if let Some(kv) = values.first() {
                            full.query
                                .insert(kv.key.clone(), kv.value.replace(['*', '?'], "v"));
                        }
                    }
                    Condition::Method { values } => {
                        if let Some(m) = values.first() {
                            full.method = m.as_str().to_owned();
                        }
                    }
                    Condition::SourceIp { values } => {
                        full.source_ip = values
                            .first()
                            .and_then(|v| v.split('/').next())
                            .and_then(|ip| ip.parse().ok());
                    }
                    Condition::Host { .. } | Condition::Path { .. } => {}
                }
            }
            if full != plain {
                out.push(full);
            }
            out.push(plain);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::GroupTarget;
    use crate::spec::HttpMethod;

    fn host(v: &[&str]) -> Condition {
        Condition::Host {
            values: v.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn path(v: &[&str]) -> Condition {
        Condition::Path {
            values: v.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn forward(key: &str) -> Vec<Action> {
        vec![Action {
            order: 1,
            kind: ActionKind::ForwardGroup {
                server_groups: vec![GroupTarget {
                    key: key.into(),
                    weight: 100,
                }],
                sticky: None,
            },
        }]
    }

    fn hit(rules: &[(u32, Vec<Condition>, Vec<Action>)], req: &Request) -> Option<String> {
        let ids: Vec<String> = rules.iter().map(|r| format!("r{}", r.0)).collect();
        route(
            rules.iter().zip(&ids).map(|((p, c, a), id)| RuleRef {
                id,
                priority: *p,
                conditions: c,
                actions: a,
            }),
            req,
        )
        .rule
    }

    #[test]
    fn lowest_priority_number_wins_and_no_match_is_the_default_action() {
        let rules = vec![
            (20, vec![path(&["/*"])], forward("all")),
            (10, vec![path(&["/api", "/api/*"])], forward("api")),
        ];
        assert_eq!(
            hit(&rules, &Request::get("a", "/api/x")),
            Some("r10".into())
        );
        assert_eq!(hit(&rules, &Request::get("a", "/web")), Some("r20".into()));
        let routed = route(
            rules.iter().skip(1).map(|(p, c, a)| RuleRef {
                id: "x",
                priority: *p,
                conditions: c,
                actions: a,
            }),
            &Request::get("a", "/web"),
        );
        assert_eq!(routed.target, Target::Default);
        assert_eq!(routed.rule, None);
    }

    #[test]
    fn hosts_exact_and_wildcard_case_insensitive_regex_by_tilde() {
        assert!(host_matches("Shop.Example.com", "shop.example.COM"));
        assert!(host_matches("*.example.com", "www.Example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(host_matches("www.example.*", "www.example.org"));
        assert!(host_matches("w?w.example.com", "wxw.example.com"));
        assert!(host_matches("~*^www\\.example\\.com$", "WWW.example.com"));
        assert!(!host_matches("~^www\\.example\\.com$", "WWW.example.com"));
        assert!(!host_matches("a.example.com", "b.example.com"));
    }

    #[test]
    fn paths_exact_wildcard_case_sensitive_and_regex() {
        assert!(path_matches("/api", "/api"));
        assert!(!path_matches("/api", "/API"));
        assert!(!path_matches("/api", "/api/"));
        assert!(path_matches("/api/*", "/api/v1/x"));
        assert!(path_matches("/a/*.js", "/a/b/c.js"));
        assert!(!path_matches("/a/*.js", "/a/b/c.css"));
        assert!(path_matches("~*/API/v[0-9]+", "/api/v12/x"));
        assert!(!path_matches("~/API/v[0-9]+", "/api/v12/x"));
        assert!(path_matches("~^/img/.*\\.png$", "/img/a.png"));
        assert!(!path_matches("~^/img/.*\\.png$", "/img/a.gif"));
        // An invalid expression matches nothing.
        assert!(!path_matches("~*/api/(v1|v2", "/api/v1"));
    }

    #[test]
    fn conditions_and_across_or_within() {
        let conditions = vec![
            host(&["a.com", "b.com"]),
            path(&["/x"]),
            Condition::Header {
                key: "X-Env".into(),
                values: vec!["prod*".into()],
            },
            Condition::Method {
                values: vec![HttpMethod::Get, HttpMethod::Post],
            },
            Condition::SourceIp {
                values: vec!["10.0.0.0/8".into()],
            },
            Condition::Cookie {
                values: vec![KeyValue {
                    key: "canary".into(),
                    value: "always".into(),
                }],
            },
            Condition::QueryString {
                values: vec![KeyValue {
                    key: "v".into(),
                    value: "2".into(),
                }],
            },
        ];
        let mut req = Request::get("B.com", "/x");
        req.headers.insert("x-env".into(), "PRODUCTION".into());
        req.method = "post".into();
        req.source_ip = Some("10.1.2.3".parse().unwrap());
        req.cookies.insert("canary".into(), "always".into());
        req.query.insert("v".into(), "2".into());
        assert!(rule_matches(&conditions, &req));
        let mut other = req.clone();
        other.source_ip = Some("192.168.0.1".parse().unwrap());
        assert!(!rule_matches(&conditions, &other));
        let mut other = req.clone();
        other.method = "DELETE".into();
        assert!(!rule_matches(&conditions, &other));
        let mut other = req.clone();
        other.cookies.clear();
        assert!(!rule_matches(&conditions, &other));
        let mut other = req;
        other.headers.insert("x-env".into(), "staging".into());
        assert!(!rule_matches(&conditions, &other));
    }

    #[test]
    fn weighted_groups_redirects_and_fixed_responses_are_targets() {
        let actions = vec![
            Action {
                order: 1,
                kind: ActionKind::RemoveHeader { name: "x".into() },
            },
            Action {
                order: 2,
                kind: ActionKind::ForwardGroup {
                    server_groups: vec![
                        GroupTarget {
                            key: "a:80".into(),
                            weight: 80,
                        },
                        GroupTarget {
                            key: "b:80".into(),
                            weight: 0,
                        },
                    ],
                    sticky: None,
                },
            },
        ];
        assert_eq!(
            Target::of(&actions),
            Target::Forward {
                groups: [("a:80".to_owned(), 80)].into()
            }
        );
        let fixed = vec![Action {
            order: 1,
            kind: ActionKind::FixedResponse {
                status: 503,
                content_type: crate::spec::ContentType::TextPlain,
                content: None,
            },
        }];
        assert!(matches!(
            Target::of(&fixed),
            Target::FixedResponse { status: 503, .. }
        ));
    }

    #[test]
    fn overlap_is_conservative() {
        let prefix = |p: &str| path(&[p, &format!("{p}/*")]);
        assert!(!may_overlap(&[prefix("/admin")], &[prefix("/keep")]));
        assert!(may_overlap(&[prefix("/api")], &[prefix("/api/v1")]));
        assert!(may_overlap(&[prefix("/api")], &[path(&["/*"])]));
        assert!(!may_overlap(
            &[host(&["a.com"]), path(&["/*"])],
            &[host(&["b.com"]), path(&["/*"])]
        ));
        assert!(may_overlap(&[host(&["*.a.com"])], &[host(&["x.A.com"])]));
        assert!(!may_overlap(&[host(&["*.a.com"])], &[host(&["x.b.com"])]));
        assert!(may_overlap(&[path(&["~*/api"])], &[path(&["/web/*"])]));
        assert!(!may_overlap(&[path(&["~*^/api"])], &[path(&["/web"])]));
        assert!(!may_overlap(&[path(&["/a/*.js"])], &[path(&["/b/*.js"])]));
        assert!(!may_overlap(&[path(&["/a/*.js"])], &[path(&["/a/*.css"])]));
        assert!(may_overlap(&[path(&["/a/*"])], &[path(&["/*.css"])]));
        // Rules without a host condition overlap every host.
        assert!(may_overlap(
            &[prefix("/x")],
            &[host(&["a.com"]), prefix("/x")]
        ));
    }

    #[test]
    fn samples_meet_their_conditions() {
        let conditions = vec![
            host(&["*.a.com"]),
            path(&["/api", "/api/*"]),
            Condition::Header {
                key: "x-canary".into(),
                values: vec!["always".into()],
            },
        ];
        let s = samples(&conditions);
        assert!(s.iter().any(|r| rule_matches(&conditions, r)));
        assert!(s.iter().any(|r| !rule_matches(&conditions, r)));
        assert!(s.iter().all(|r| r.host == "www.a.com"));
    }
}

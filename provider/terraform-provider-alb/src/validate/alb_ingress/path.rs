//! A `rule.path` block: the path match, its backends or other final action, extra conditions and
//! actions, and the ALB per-rule limits.

use tfplugin::diag::Diagnostics;

use super::refs::{header_name, service_ref, HeaderUse};
use crate::validate::check::{
    count, each, format, int_one_of, int_range, length, one_of, Node, Presence,
};
use crate::validate::formats::{
    is_header_name, is_host, is_ip_or_cidr, is_port_number, regex_error,
};

/// Conditions an ALB rule may carry (Standard and WAF editions).
const MAX_CONDITIONS: usize = 10;
/// Actions an ALB rule may carry (Standard and WAF editions).
const MAX_ACTIONS: usize = 5;

/// HTTP methods of `match.methods`.
const METHODS: &[&str] = &["HEAD", "GET", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"];
/// HTTP methods of `cors.allow_methods`.
const CORS_METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"];
/// Values of an `insert_header` with `value_type = "SystemDefined"`.
const SYSTEM_VALUES: &[&str] = &[
    "ClientSrcPort",
    "ClientSrcIp",
    "Protocol",
    "SLBId",
    "SLBPort",
];
/// The final actions of a path, in the order they are reported.
const FINAL_ACTIONS: &[&str] = &["backend", "redirect", "fixed_response"];

/// Checks one path of a rule. `use_regex` is the ingress flag (`None` while unknown); `has_host`
/// whether the rule has a host (`None` while unknown).
pub fn check(d: &mut Diagnostics, path: &Node, use_regex: Option<bool>, has_host: Option<bool>) {
    pattern(d, path, use_regex);
    final_action(d, path);
    backends(d, &path.attr("backend"));
    if let Some(matches) = path.block("match") {
        conditions(d, &matches);
    }
    let rewrite = path.attr("rewrite");
    if rewrite.presence().is_present() && path.attr("backend").presence().is_absent() {
        rewrite.error(
            d,
            "Rewrite needs a backend",
            "`rewrite` changes requests before they are forwarded; the path has no `backend`.",
        );
    }
    each(d, &path.attr("insert_header"), insert_header);
    each(d, &path.attr("remove_header"), |d, header| {
        header_name(d, &header.attr("name"), HeaderUse::Action);
    });
    if let Some(limit) = path.block("traffic_limit") {
        traffic_limit(d, &limit);
    }
    if let Some(cors) = path.block("cors") {
        int_range(d, &cors.attr("max_age"), "CORS max age", -1, 172_800);
        each(d, &cors.attr("allow_methods"), |d, method| {
            one_of(d, method, "CORS method", CORS_METHODS);
        });
    }
    if let Some(mirror) = path.block("mirror") {
        service_ref(d, &mirror);
    }
    if let Some(redirect) = path.block("redirect") {
        self::redirect(d, &redirect);
    }
    if let Some(response) = path.block("fixed_response") {
        fixed_response(d, &response);
    }
    limits(d, path, has_host);
}

fn pattern(d: &mut Diagnostics, path: &Node, use_regex: Option<bool>) {
    let value = path.attr("path");
    format(
        d,
        &value,
        "path",
        |p| p.starts_with('/') && p.chars().count() <= 128,
        "1 to 128 characters starting with `/`",
    );
    let path_type = path.attr("path_type");
    one_of(
        d,
        &path_type,
        "path type",
        &["Exact", "Prefix", "ImplementationSpecific"],
    );
    // With use_regex or a rewrite, Prefix paths become regular expressions (`~*<path>`).
    let regex = match path.attr("rewrite").presence() {
        Presence::Present => Some(true),
        Presence::Unknown => None,
        Presence::Absent => use_regex,
    };
    let literal = match path_type.str_or("ImplementationSpecific") {
        Some("Exact") => true,
        Some("Prefix") if regex == Some(true) => {
            if let Some((p, why)) = value.str().and_then(|p| Some((p, regex_error(p)?))) {
                value.error(
                    d,
                    "Invalid regular expression path",
                    format!(
                        "With `use_regex` or `rewrite`, this Prefix path is matched as the regular \
                         expression `~*{p}`, which ALB refuses: {why}."
                    ),
                );
            }
            false
        }
        Some("Prefix") => regex == Some(false),
        _ => false,
    };
    if let (true, Some(p)) = (literal, value.str()) {
        if p.contains(['*', '?']) {
            value.error(
                d,
                "Wildcard in Exact or Prefix path",
                format!(
                    "`Exact` and `Prefix` paths match literally and cannot contain `*` or `?`; got `{p}`. \
                     Use `path_type = \"ImplementationSpecific\"` for wildcard patterns."
                ),
            );
        }
    }
}

/// Exactly one of `backend`, `redirect` and `fixed_response`.
fn final_action(d: &mut Diagnostics, path: &Node) {
    let actions: Vec<(&str, Node, Presence)> = FINAL_ACTIONS
        .iter()
        .map(|name| {
            let node = path.attr(name);
            let presence = node.presence();
            (*name, node, presence)
        })
        .collect();
    let mut present = actions.iter().filter(|(_, _, p)| p.is_present());
    match present.next() {
        Some((first, _, _)) => {
            for (name, node, _) in present {
                node.error(
                    d,
                    "Conflicting path actions",
                    format!(
                        "A path takes exactly one of `backend`, `redirect` or `fixed_response`; this path \
                         already has `{first}`, so `{name}` is not allowed."
                    ),
                );
            }
        }
        None if actions.iter().all(|(_, _, p)| p.is_absent()) => path.error(
            d,
            "Missing path action",
            "A path needs exactly one of `backend` (forward to Services), `redirect` or `fixed_response`.",
        ),
        None => {}
    }
}

fn backends(d: &mut Diagnostics, node: &Node) {
    count(d, node, "backends", 0, 5);
    let items = node.items();
    for item in &items {
        service_ref(d, item);
        int_range(d, &item.attr("weight"), "backend weight", 0, 100);
    }
    if items.len() < 2 {
        return;
    }
    let mut all_zero = true;
    for item in &items {
        let weight = item.attr("weight");
        if weight.presence().is_absent() {
            weight.error(
                d,
                "Missing backend weight",
                "A path with more than one backend needs a `weight` (0–100) on every backend.",
            );
        }
        all_zero &= weight.int() == Some(0);
    }
    if all_zero {
        for item in &items {
            item.attr("weight").error(
                d,
                "All backend weights are zero",
                "At least one backend of the path needs a weight above 0, or no request could be \
                 served.",
            );
        }
    }
}

fn conditions(d: &mut Diagnostics, matches: &Node) {
    each(d, &matches.attr("header"), |d, header| {
        header_name(d, &header.attr("name"), HeaderUse::Condition);
        let values = header.attr("values");
        count(d, &values, "header values", 1, usize::MAX);
        each(d, &values, |d, value| {
            length(d, value, "header value", 1, 128)
        });
    });
    let query = matches.attr("query_string");
    count(d, &query, "query string conditions", 0, 20);
    each(d, &query, |d, pair| {
        length(d, &pair.attr("key"), "query string key", 1, 100);
        length(d, &pair.attr("value"), "query string value", 1, 128);
    });
    each(d, &matches.attr("cookie"), |d, pair| {
        length(d, &pair.attr("key"), "cookie key", 1, 100);
        length(d, &pair.attr("value"), "cookie value", 1, 128);
    });
    each(d, &matches.attr("methods"), |d, method| {
        one_of(d, method, "method", METHODS);
    });
    let source_ips = matches.attr("source_ips");
    count(d, &source_ips, "source IPs", 0, 5);
    each(d, &source_ips, |d, ip| {
        format(
            d,
            ip,
            "source IP",
            is_ip_or_cidr,
            "an IP address or CIDR block",
        );
    });
}

fn insert_header(d: &mut Diagnostics, header: &Node) {
    header_name(d, &header.attr("name"), HeaderUse::Action);
    let value_type = header.attr("value_type");
    one_of(
        d,
        &value_type,
        "header value type",
        &["UserDefined", "ReferenceHeader", "SystemDefined"],
    );
    let value = header.attr("value");
    match value_type.str_or("UserDefined") {
        Some("SystemDefined") => one_of(d, &value, "system-defined header value", SYSTEM_VALUES),
        Some("ReferenceHeader") => format(
            d,
            &value,
            "referenced header name",
            is_header_name,
            "the name of a request header: 1 to 40 characters of letters, digits, `_` and `-`",
        ),
        Some("UserDefined") => length(d, &value, "header value", 1, 128),
        _ => {}
    }
}

fn traffic_limit(d: &mut Diagnostics, limit: &Node) {
    let qps = limit.attr("qps");
    let per_ip = limit.attr("per_ip_qps");
    int_range(d, &qps, "QPS limit", 1, 1_000_000);
    int_range(d, &per_ip, "per-IP QPS limit", 1, 1_000_000);
    if let (Some(total), Some(ip)) = (qps.int(), per_ip.int()) {
        if ip >= total {
            per_ip.error(
                d,
                "Per-IP QPS limit not below QPS limit",
                format!("`per_ip_qps` ({ip}) must be less than `qps` ({total})."),
            );
        }
    }
}

fn redirect(d: &mut Diagnostics, redirect: &Node) {
    let protocol = redirect.attr("protocol");
    one_of(d, &protocol, "redirect protocol", &["HTTP", "HTTPS"]);
    format(
        d,
        &redirect.attr("host"),
        "redirect host",
        |h| h == "${host}" || is_host(h),
        "a lowercase host name with at least one dot (or `${host}`)",
    );
    format(
        d,
        &redirect.attr("port"),
        "redirect port",
        |p| p == "${port}" || is_port_number(p),
        "a port number from 1 to 65535 (or `${port}`)",
    );
    format(
        d,
        &redirect.attr("path"),
        "redirect path",
        |p| p.starts_with('/') || p == "${path}",
        "a path starting with `/` (or `${path}`)",
    );
    int_one_of(
        d,
        &redirect.attr("code"),
        "redirect code",
        &[301, 302, 303, 307, 308],
    );

    // Unset fields keep the request's value, so at least one must change something.
    let mut changes = Some(false);
    for field in ["protocol", "host", "port", "path", "query"] {
        let node = redirect.attr(field);
        let placeholder = format!("${{{field}}}");
        let changed = match node.presence() {
            Presence::Absent => Some(false),
            Presence::Unknown => None,
            Presence::Present => Some(node.str() != Some(placeholder.as_str())),
        };
        changes = match (changes, changed) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        };
    }
    if changes == Some(false) {
        redirect.error(
            d,
            "Redirect changes nothing",
            "Set at least one of `protocol`, `host`, `port`, `path` or `query` to a new value; otherwise \
             the redirect points back at the request itself.",
        );
    }
}

fn fixed_response(d: &mut Diagnostics, response: &Node) {
    int_range(
        d,
        &response.attr("status"),
        "fixed response status",
        200,
        599,
    );
    one_of(
        d,
        &response.attr("content_type"),
        "fixed response content type",
        &[
            "text/plain",
            "text/css",
            "text/html",
            "application/javascript",
            "application/json",
        ],
    );
    format(
        d,
        &response.attr("content"),
        "fixed response content",
        |c| c.len() <= 1024 && c.is_ascii(),
        "at most 1024 ASCII characters",
    );
}

/// The ALB per-rule limits on conditions and actions, counted as the expansion produces them.
fn limits(d: &mut Diagnostics, path: &Node, has_host: Option<bool>) {
    let matches = path.attr("match");
    let block = |name: &str| path.attr(name).known_len().map(|n| n.min(1));
    let listed = |name: &str| path.attr(name).known_len();
    let any = |node: Node| node.known_len().map(|n| n.min(1));
    // Host and Path conditions, one Header condition per header, one each for the other kinds.
    let conditions = [
        has_host.map(usize::from),
        Some(1),
        matches.attr("header").known_len(),
        any(matches.attr("query_string")),
        any(matches.attr("cookie")),
        any(matches.attr("methods")),
        any(matches.attr("source_ips")),
    ];
    let actions = [
        block("traffic_limit"),
        listed("insert_header"),
        listed("remove_header"),
        block("rewrite"),
        block("cors"),
        block("mirror"),
        Some(1),
    ];
    let total = |parts: &[Option<usize>]| parts.iter().try_fold(0, |sum, n| Some(sum + (*n)?));
    if matches.presence() != Presence::Unknown {
        if let Some(n) = total(&conditions).filter(|n| *n > MAX_CONDITIONS) {
            path.error(
                d,
                "Too many conditions",
                format!(
                    "An ALB rule can match at most {MAX_CONDITIONS} conditions; this path needs {n} (host, \
                     path, one per header and one per other kind of match)."
                ),
            );
        }
    }
    if let Some(n) = total(&actions).filter(|n| *n > MAX_ACTIONS) {
        path.error(
            d,
            "Too many actions",
            format!(
                "An ALB rule can carry at most {MAX_ACTIONS} actions; this path needs {n} (the final \
                 action, one per inserted or removed header, and one each for traffic_limit, rewrite, cors \
                 and mirror)."
            ),
        );
    }
}

//! Validation of an `alb_ingress` configuration.

mod backend_defaults;
mod path;
mod refs;
mod routes;

use tfplugin::diag::Diagnostics;
use tfplugin::value::Value;

use super::check::{each, format, int_range, length, unique, Node, Presence};
use super::formats::{is_dns1123_label, is_dns1123_subdomain, is_host};
use super::{listeners, timeouts};
use refs::{header_name, service_ref, HeaderUse};

/// What the host checks expect, for messages.
const HOST_FORMAT: &str =
    "a lowercase host name with at least one dot, like `shop.example.com`; a \
                           wildcard is only allowed as a leading `*.`";

/// Checks every rule of the `alb_ingress` contract that needs no API call. Unknown values pass.
pub fn validate(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::default();
    let root = Node::root(config);
    identity(&mut d, &root);
    listeners::check(&mut d, &root.attr("listen").items(), "listener");
    backend_defaults::check(&mut d, &root);
    grpc_needs_https(&mut d, &root);
    let use_regex = root.attr("use_regex").bool_or(false);
    for rule in root.attr("rule").items() {
        let host = rule.attr("host");
        format(&mut d, &host, "host", is_host, HOST_FORMAT);
        let has_host = match host.presence() {
            Presence::Unknown => None,
            presence => Some(presence.is_present()),
        };
        for path in rule.attr("path").items() {
            path::check(&mut d, &path, use_regex, has_host);
        }
    }
    routes::unique(&mut d, &root);
    each(&mut d, &root.attr("canary"), canary);
    if let Some(backend) = root.block("default_backend") {
        service_ref(&mut d, &backend);
    }
    timeouts::check(&mut d, &root);
    d
}

fn identity(d: &mut Diagnostics, root: &Node) {
    format(
        d,
        &root.attr("namespace"),
        "namespace",
        is_dns1123_label,
        "a Kubernetes namespace: at most 63 lowercase letters, digits and `-`, starting and ending with \
         a letter or digit",
    );
    format(
        d,
        &root.attr("name"),
        "ingress name",
        |n| is_dns1123_subdomain(n, 63),
        "at most 63 characters of lowercase letters, digits, `-` and `.`, each dot-separated part \
         starting and ending with a letter or digit",
    );
    int_range(d, &root.attr("order"), "order", 1, 1000);
    let tls_hosts = root.attr("tls_hosts");
    each(d, &tls_hosts, |d, host| {
        format(d, host, "TLS host", is_host, HOST_FORMAT);
    });
    unique(d, &tls_hosts.items(), "TLS host", |host| {
        host.str().map(|h| format!("`{h}`"))
    });
}

/// gRPC backends are served only on HTTPS listeners (HTTP only to redirect, with `ssl_redirect`).
fn grpc_needs_https(d: &mut Diagnostics, root: &Node) {
    let protocol = root.attr("backend_defaults").attr("protocol");
    let (Some("GRPC"), Some(ssl_redirect)) =
        (protocol.str(), root.attr("ssl_redirect").bool_or(false))
    else {
        return;
    };
    let listen = root.attr("listen");
    match listen.presence() {
        Presence::Present => {
            for entry in listen.items() {
                let entry_protocol = entry.attr("protocol");
                let allowed = match entry_protocol.str() {
                    Some("HTTPS") | None => true,
                    Some("HTTP") => ssl_redirect,
                    Some(_) => false,
                };
                if !allowed {
                    entry_protocol.error(
                        d,
                        "GRPC backends need HTTPS listeners",
                        "With `backend_defaults.protocol = \"GRPC\"` every listener must be HTTPS; HTTP is \
                         allowed only together with `ssl_redirect = true`.",
                    );
                }
            }
        }
        Presence::Absent if root.attr("tls_hosts").presence().is_absent() => protocol.error(
            d,
            "GRPC backends need HTTPS listeners",
            "With `backend_defaults.protocol = \"GRPC\"` the rules must go on HTTPS listeners: set \
             `tls_hosts` or HTTPS `listen` entries.",
        ),
        _ => {}
    }
}

/// One `canary` block: exactly one mode, and well-formed references.
fn canary(d: &mut Diagnostics, canary: &Node) {
    const MODES: &[&str] = &["header", "cookie", "weight"];
    let modes: Vec<(&str, Node)> = MODES.iter().map(|m| (*m, canary.attr(m))).collect();
    let mut present = modes
        .iter()
        .filter(|(_, node)| node.presence().is_present());
    match present.next() {
        Some((first, _)) => {
            for (name, node) in present {
                node.error(
                    d,
                    "Conflicting canary modes",
                    format!(
                        "A canary selects requests by exactly one of `header`, `cookie` or `weight`; it \
                         already uses `{first}`, so `{name}` is not allowed."
                    ),
                );
            }
        }
        None if modes.iter().all(|(_, node)| node.presence().is_absent()) => canary.error(
            d,
            "Missing canary mode",
            "A canary needs exactly one of `header`, `cookie` or `weight` to select its requests.",
        ),
        None => {}
    }
    if let Some(header) = canary.block("header") {
        header_name(d, &header.attr("name"), HeaderUse::Condition);
        length(d, &header.attr("value"), "header value", 1, 128);
    }
    format(
        d,
        &canary.attr("cookie"),
        "canary cookie",
        |c| {
            (1..=100).contains(&c.len())
                && c.bytes()
                    .all(|b| b.is_ascii_graphic() && b != b';' && b != b'=')
        },
        "a cookie name: 1 to 100 printable characters without spaces, `;` or `=`",
    );
    int_range(d, &canary.attr("weight"), "canary weight", 0, 100);
    each(d, &canary.attr("hosts"), |d, host| {
        format(d, host, "host", is_host, HOST_FORMAT);
    });
    each(d, &canary.attr("paths"), |d, path| {
        format(
            d,
            path,
            "path",
            |p| p.starts_with('/'),
            "a path starting with `/`",
        );
    });
    if let Some(backend) = canary.block("backend") {
        service_ref(d, &backend);
    }
}

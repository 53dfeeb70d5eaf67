//! Validation of specs against the HCL contract and the ALB API limits. Every problem becomes an
//! [`ExpandError::Invalid`] pointing at its attribute; all problems are reported, not just the first.

use std::collections::BTreeSet;

use crate::error::{AttrPath, ExpandError};
use crate::ownership::{check_tag, TAG_PREFIX};
use crate::spec::{
    BackendDefaults, ConfigSpec, HeaderValueType, IngressSpec, ListenerProtocol, MatchSpec,
    PathSpec, PathType, Scheduler, ServiceRef, StickyType,
};

/// Collects errors.
#[derive(Default)]
struct Errors(Vec<ExpandError>);

impl Errors {
    fn push(&mut self, path: &AttrPath, message: impl Into<String>) {
        self.0.push(ExpandError::Invalid {
            path: path.clone(),
            message: message.into(),
        });
    }
    fn check(&mut self, ok: bool, path: &AttrPath, message: impl Into<String>) {
        if !ok {
            self.push(path, message);
        }
    }
    fn range(&mut self, v: Option<i64>, lo: i64, hi: i64, path: &AttrPath) {
        if let Some(v) = v {
            self.check(
                (lo..=hi).contains(&v),
                path,
                format!("must be between {lo} and {hi}, got {v}"),
            );
        }
    }
}

fn is_dns_label(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns_subdomain(s: &str, max: usize) -> bool {
    s.len() <= max && !s.is_empty() && s.split('.').all(|l| is_dns_label(l, 63))
}

/// ALB host rule: lowercase labels, optional `*.` wildcard prefix, at least one dot, 3–128.
fn is_host(s: &str) -> bool {
    let body = s.strip_prefix("*.").unwrap_or(s);
    (3..=128).contains(&s.len())
        && s.contains('.')
        && body
            .split('.')
            .all(|l| is_dns_label(l, 63) || l.bytes().all(|b| b == b'*' || b == b'?'))
}

fn is_header_name(s: &str) -> bool {
    (1..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Backend port: a number 1–65535 or a Service port name (IANA service name, ≤15).
fn check_port_ref(e: &mut Errors, port: &str, path: &AttrPath) {
    if port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty() {
        let ok = port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        e.check(ok, path, format!("port {port} must be between 1 and 65535"));
    } else {
        e.check(
            is_dns_label(port, 15) && port.bytes().any(|b| b.is_ascii_lowercase()),
            path,
            format!("{port:?} is neither a port number nor a valid Service port name"),
        );
    }
}

fn check_service_ref(e: &mut Errors, r: &ServiceRef, path: &AttrPath) {
    e.check(
        is_dns_label(&r.service, 63),
        &path.clone().attr("service"),
        format!("{:?} is not a valid Service name", r.service),
    );
    check_port_ref(e, &r.port, &path.clone().attr("port"));
}

/// Validates an `alb_config`.
pub fn validate_config(spec: &ConfigSpec) -> Vec<ExpandError> {
    let mut e = Errors::default();
    let root = AttrPath::root();
    let name_ok = (2..=128).contains(&spec.name.len())
        && spec.name.starts_with(|c: char| c.is_ascii_alphabetic())
        && spec
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    e.check(
        name_ok,
        &root.clone().attr("name"),
        "must be 2–128 characters, start with a letter and contain only letters, digits, '.', '_' and '-'",
    );
    e.check(
        !spec.vpc_id.is_empty(),
        &root.clone().attr("vpc_id"),
        "must not be empty",
    );
    let zp = root.clone().attr("zone_mapping");
    e.check(
        (2..=10).contains(&spec.zone_mapping.len()),
        &zp,
        format!("needs 2 to 10 zones, got {}", spec.zone_mapping.len()),
    );
    let mut zones = BTreeSet::new();
    for (i, z) in spec.zone_mapping.iter().enumerate() {
        e.check(
            zones.insert(&z.zone_id),
            &zp.clone().index(i).attr("zone_id"),
            format!("zone {} is listed twice", z.zone_id),
        );
    }
    for (k, v) in spec.tags.iter().flatten() {
        let p = root.clone().attr("tags").attr(k);
        if let Err(m) = check_tag(k, 128) {
            e.push(&p, format!("tag key {m}"));
        }
        if let Err(m) = check_tag(v, 128) {
            e.push(&p, format!("tag value {m}"));
        }
        e.check(
            !k.starts_with(TAG_PREFIX),
            &p,
            format!("tag keys starting with {TAG_PREFIX} are reserved for the provider"),
        );
    }
    if let Some(al) = &spec.access_log {
        let p = root.clone().attr("access_log");
        e.check(
            !al.project.is_empty(),
            &p.clone().attr("project"),
            "must not be empty",
        );
        e.check(
            !al.logstore.is_empty(),
            &p.clone().attr("logstore"),
            "must not be empty",
        );
    }
    let lp = root.clone().attr("listener");
    e.check(
        (1..=50).contains(&spec.listener.len()),
        &lp,
        format!("needs 1 to 50 listeners, got {}", spec.listener.len()),
    );
    for (i, l) in spec.listener.iter().enumerate() {
        let p = lp.clone().index(i);
        e.range(Some(l.port), 1, 65535, &p.clone().attr("port"));
        for (j, other) in spec.listener[..i].iter().enumerate() {
            let web = |x: ListenerProtocol| x != ListenerProtocol::Quic;
            if other.port == l.port
                && (other.protocol == l.protocol || (web(other.protocol) && web(l.protocol)))
            {
                e.push(
                    &p.clone().attr("port"),
                    format!(
                        "listener {}:{} conflicts with listener[{j}] {}:{} (a port serves one of HTTP or HTTPS)",
                        l.protocol, l.port, other.protocol, other.port
                    ),
                );
            }
        }
        let tls = l.protocol != ListenerProtocol::Http;
        let https = l.protocol == ListenerProtocol::Https;
        if let Some(d) = &l.description {
            e.check(
                (2..=256).contains(&d.chars().count()),
                &p.clone().attr("description"),
                "must be 2–256 characters",
            );
        }
        let certs = l.certificate_ids();
        if tls {
            e.check(
                !certs.is_empty(),
                &p.clone().attr("certificate_ids"),
                format!("{} listeners need at least one certificate", l.protocol),
            );
        } else {
            e.check(
                certs.is_empty(),
                &p.clone().attr("certificate_ids"),
                "only HTTPS and QUIC listeners take certificates",
            );
        }
        let ca = l.ca_certificate_ids();
        e.check(
            ca.len() <= 1,
            &p.clone().attr("ca_certificate_ids"),
            "at most one CA certificate",
        );
        e.check(
            ca.is_empty() || https,
            &p.clone().attr("ca_certificate_ids"),
            "mutual TLS is only available on HTTPS listeners",
        );
        e.check(
            l.security_policy_id.is_none() || tls,
            &p.clone().attr("security_policy_id"),
            "only HTTPS and QUIC listeners take a TLS policy",
        );
        e.check(
            l.http2.is_none() || https,
            &p.clone().attr("http2"),
            "http2 applies to HTTPS listeners only",
        );
        e.range(l.idle_timeout, 1, 600, &p.clone().attr("idle_timeout"));
        e.range(
            l.request_timeout,
            1,
            600,
            &p.clone().attr("request_timeout"),
        );
        if let Some(x) = &l.x_forwarded_for {
            let cert = [
                x.client_cert_subject_dn,
                x.client_cert_issuer_dn,
                x.client_cert_fingerprint,
                x.client_cert_client_verify,
            ];
            e.check(
                https || cert.iter().all(|c| c != &Some(true)),
                &p.clone().attr("x_forwarded_for"),
                "client certificate headers need an HTTPS listener",
            );
        }
        if let Some(acl) = &l.acl {
            let ap = p.clone().attr("acl");
            let entries = acl.entries.as_deref().unwrap_or_default();
            let ids = acl.acl_ids.as_deref().unwrap_or_default();
            e.check(
                entries.is_empty() != ids.is_empty(),
                &ap,
                "set exactly one of entries and acl_ids",
            );
            e.check(
                ids.len() <= 3,
                &ap.clone().attr("acl_ids"),
                "at most 3 ACLs per listener",
            );
            let max = if spec.edition() == crate::spec::Edition::Basic {
                300
            } else {
                500
            };
            e.check(
                entries.len() <= max,
                &ap.clone().attr("entries"),
                format!("at most {max} entries on {} edition", spec.edition()),
            );
        }
        e.check(
            l.quic.is_none() || https,
            &p.clone().attr("quic"),
            "QUIC upgrade applies to HTTPS listeners only",
        );
    }
    e.0
}

/// Validates an `alb_ingress`.
pub fn validate_ingress(spec: &IngressSpec) -> Vec<ExpandError> {
    let mut e = Errors::default();
    let root = AttrPath::root();
    e.check(
        is_dns_label(&spec.namespace, 63),
        &root.clone().attr("namespace"),
        "must be a DNS-1123 label (lowercase letters, digits, '-', at most 63)",
    );
    e.check(
        is_dns_subdomain(&spec.name, 63),
        &root.clone().attr("name"),
        "must be a DNS-1123 subdomain of at most 63 characters",
    );
    e.range(spec.order, 1, 1000, &root.clone().attr("order"));
    for (i, h) in spec.tls_hosts().iter().enumerate() {
        e.check(
            is_host(h),
            &root.clone().attr("tls_hosts").index(i),
            format!("{h:?} is not a valid lowercase host name"),
        );
    }
    let mut listen = BTreeSet::new();
    for (i, l) in spec.listen.iter().enumerate() {
        let p = root.clone().attr("listen").index(i);
        e.range(Some(l.port), 1, 65535, &p.clone().attr("port"));
        e.check(
            listen.insert((l.protocol, l.port)),
            &p,
            format!("{}:{} is listed twice", l.protocol, l.port),
        );
    }
    if let Some(bd) = &spec.backend_defaults {
        validate_backend_defaults(&mut e, bd, &root.clone().attr("backend_defaults"));
    }
    for (i, rule) in spec.rule.iter().enumerate() {
        let rp = root.clone().attr("rule").index(i);
        if let Some(h) = &rule.host {
            e.check(
                is_host(h),
                &rp.clone().attr("host"),
                format!(
                    "{h:?} is not a valid lowercase host name (wildcards as \"*.example.com\")"
                ),
            );
        }
        e.check(
            !rule.path.is_empty(),
            &rp.clone().attr("path"),
            "needs at least one path block",
        );
        for (j, path) in rule.path.iter().enumerate() {
            let regex = spec.use_regex() || path.rewrite.is_some();
            validate_path(&mut e, path, regex, &rp.clone().attr("path").index(j));
        }
    }
    let mut weight_total = 0;
    for (i, c) in spec.canary.iter().enumerate() {
        let p = root.clone().attr("canary").index(i);
        match &c.backend {
            Some(b) => check_service_ref(&mut e, b, &p.clone().attr("backend")),
            None => e.push(&p.clone().attr("backend"), "a canary needs a backend block"),
        }
        let kinds = [c.header.is_some(), c.cookie.is_some(), c.weight.is_some()];
        e.check(
            kinds.iter().filter(|k| **k).count() == 1,
            &p,
            "set exactly one of header, cookie and weight",
        );
        if let Some(h) = &c.header {
            e.check(
                is_header_name(&h.name) && !is_reserved_match_header(&h.name),
                &p.clone().attr("header").attr("name"),
                "must be 1–40 of [A-Za-z0-9_-] and not Cookie or Host",
            );
        }
        if let Some(ck) = &c.cookie {
            e.check(
                (1..=100).contains(&ck.len()),
                &p.clone().attr("cookie"),
                "must be 1–100 characters",
            );
        }
        e.range(c.weight, 0, 100, &p.clone().attr("weight"));
        weight_total += c.weight.unwrap_or(0);
    }
    e.check(
        weight_total <= 100,
        &root.clone().attr("canary"),
        format!("canary weights add up to {weight_total}, more than 100"),
    );
    if let Some(d) = &spec.default_backend {
        check_service_ref(&mut e, d, &root.clone().attr("default_backend"));
    }
    e.0
}

fn is_reserved_match_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("cookie") || name.eq_ignore_ascii_case("host")
}

/// `regex`: Prefix paths are regular expressions (use_regex or rewrite), so wildcards are allowed.
fn validate_path(e: &mut Errors, p: &PathSpec, regex: bool, pp: &AttrPath) {
    let raw = p.path();
    let at = pp.clone().attr("path");
    e.check(
        raw.starts_with('/'),
        &at,
        format!("{raw:?} must start with '/'"),
    );
    e.check(
        (1..=128).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic()),
        &at,
        "must be 1–128 printable ASCII characters",
    );
    if p.path_type() == PathType::Exact || (p.path_type() == PathType::Prefix && !regex) {
        e.check(
            !raw.contains(['*', '?']),
            &at,
            format!("{} paths must not contain '*' or '?'", p.path_type()),
        );
    }
    let finals = [
        !p.backend.is_empty(),
        p.redirect.is_some(),
        p.fixed_response.is_some(),
    ];
    match finals.iter().filter(|f| **f).count() {
        0 => e.push(
            pp,
            "needs exactly one of backend, redirect and fixed_response",
        ),
        1 => {}
        _ => e.push(
            pp,
            "backend, redirect and fixed_response are mutually exclusive",
        ),
    }
    e.check(
        p.backend.len() <= 5,
        &pp.clone().attr("backend"),
        "at most 5 backends",
    );
    let mut keys = BTreeSet::new();
    for (k, b) in p.backend.iter().enumerate() {
        let bp = pp.clone().attr("backend").index(k);
        check_service_ref(
            e,
            &ServiceRef {
                service: b.service.clone(),
                port: b.port.clone(),
            },
            &bp,
        );
        e.check(
            keys.insert((&b.service, &b.port)),
            &bp,
            format!("backend {}:{} is listed twice", b.service, b.port),
        );
        e.range(b.weight, 0, 100, &bp.clone().attr("weight"));
        e.check(
            p.backend.len() == 1 || b.weight.is_some(),
            &bp.clone().attr("weight"),
            "required when a path has several backends",
        );
    }
    if p.backend.len() > 1 && p.backend.iter().all(|b| b.weight == Some(0)) {
        e.push(
            &pp.clone().attr("backend"),
            "the weights of a path must not all be 0",
        );
    }
    if let Some(m) = &p.r#match {
        validate_match(e, m, &pp.clone().attr("match"));
    }
    if p.rewrite.is_some() {
        e.check(
            !p.backend.is_empty(),
            &pp.clone().attr("rewrite"),
            "rewrite needs a backend (forward) in the same path",
        );
    }
    if let Some(m) = &p.mirror {
        check_service_ref(e, m, &pp.clone().attr("mirror"));
        e.check(
            !p.backend.is_empty(),
            &pp.clone().attr("mirror"),
            "mirror needs a backend (forward) in the same path",
        );
    }
    for (k, h) in p.insert_header.iter().enumerate() {
        let hp = pp.clone().attr("insert_header").index(k);
        e.check(
            is_header_name(&h.name) && !is_reserved_insert_header(&h.name),
            &hp.clone().attr("name"),
            format!(
                "{:?} must be 1–40 of [A-Za-z0-9_-] and not a reserved header",
                h.name
            ),
        );
        if h.value_type == Some(HeaderValueType::SystemDefined) {
            e.check(
                [
                    "ClientSrcPort",
                    "ClientSrcIp",
                    "Protocol",
                    "SLBId",
                    "SLBPort",
                ]
                .contains(&h.value.as_str()),
                &hp.clone().attr("value"),
                "SystemDefined values: ClientSrcPort, ClientSrcIp, Protocol, SLBId, SLBPort",
            );
        } else {
            e.check(
                (1..=128).contains(&h.value.len()),
                &hp.clone().attr("value"),
                "must be 1–128 characters",
            );
        }
    }
    for (k, h) in p.remove_header.iter().enumerate() {
        e.check(
            is_header_name(&h.name) && !is_reserved_insert_header(&h.name),
            &pp.clone().attr("remove_header").index(k).attr("name"),
            format!(
                "{:?} must be 1–40 of [A-Za-z0-9_-] and not a reserved header",
                h.name
            ),
        );
    }
    if let Some(t) = &p.traffic_limit {
        let tp = pp.clone().attr("traffic_limit");
        e.range(Some(t.qps), 1, 1_000_000, &tp.clone().attr("qps"));
        if let Some(ip) = t.per_ip_qps {
            e.check(
                ip >= 1 && ip < t.qps,
                &tp.clone().attr("per_ip_qps"),
                "must be at least 1 and less than qps",
            );
        }
    }
    if let Some(c) = &p.cors {
        e.range(
            c.max_age,
            -1,
            172_800,
            &pp.clone().attr("cors").attr("max_age"),
        );
    }
    if let Some(r) = &p.redirect {
        let rp = pp.clone().attr("redirect");
        e.check(
            [301, 302, 303, 307, 308].contains(&r.code()),
            &rp.clone().attr("code"),
            "must be one of 301, 302, 303, 307, 308",
        );
        e.check(
            r.protocol.is_some()
                || r.host.is_some()
                || r.port.is_some()
                || r.path.is_some()
                || r.query.is_some(),
            &rp,
            "set at least one of protocol, host, port, path and query",
        );
        if let Some(port) = &r.port {
            e.check(
                port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p)),
                &rp.clone().attr("port"),
                "must be a port number 1–65535",
            );
        }
    }
    if let Some(f) = &p.fixed_response {
        let fp = pp.clone().attr("fixed_response");
        e.range(Some(f.status), 200, 599, &fp.clone().attr("status"));
        if let Some(c) = &f.content {
            e.check(
                c.len() <= 1024 && c.is_ascii(),
                &fp.clone().attr("content"),
                "must be at most 1024 ASCII characters",
            );
        }
    }
}

fn is_reserved_insert_header(name: &str) -> bool {
    const RESERVED: [&str; 10] = [
        "slb-id",
        "slb-ip",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-eip",
        "x-forwarded-port",
        "x-forwarded-client-srcport",
        "connection",
        "upgrade",
        "content-length",
    ];
    let lower = name.to_ascii_lowercase();
    RESERVED.contains(&lower.as_str())
        || [
            "transfer-encoding",
            "keep-alive",
            "te",
            "host",
            "cookie",
            "set-cookie",
        ]
        .contains(&lower.as_str())
}

fn validate_match(e: &mut Errors, m: &MatchSpec, mp: &AttrPath) {
    for (i, h) in m.header.iter().enumerate() {
        let hp = mp.clone().attr("header").index(i);
        e.check(
            is_header_name(&h.name) && !is_reserved_match_header(&h.name),
            &hp.clone().attr("name"),
            "must be 1–40 of [A-Za-z0-9_-] and not Cookie or Host",
        );
        e.check(
            !h.values.is_empty() && h.values.iter().all(|v| (1..=128).contains(&v.len())),
            &hp.clone().attr("values"),
            "needs at least one value of 1–128 characters",
        );
    }
    e.check(
        m.query_string.len() <= 20,
        &mp.clone().attr("query_string"),
        "at most 20 pairs",
    );
    for (name, list) in [("query_string", &m.query_string), ("cookie", &m.cookie)] {
        for (i, kv) in list.iter().enumerate() {
            e.check(
                (1..=100).contains(&kv.key.len())
                    && (1..=128).contains(&kv.value.len())
                    && !kv.key.contains(' ')
                    && !kv.value.contains(' '),
                &mp.clone().attr(name).index(i),
                "key must be 1–100 and value 1–128 characters, without spaces",
            );
        }
    }
    if let Some(methods) = &m.methods {
        e.check(
            !methods.is_empty(),
            &mp.clone().attr("methods"),
            "must not be empty",
        );
    }
    if let Some(ips) = &m.source_ips {
        e.check(
            (1..=5).contains(&ips.len()),
            &mp.clone().attr("source_ips"),
            "needs 1 to 5 addresses",
        );
    }
}

fn validate_backend_defaults(e: &mut Errors, bd: &BackendDefaults, p: &AttrPath) {
    let uch = bd.scheduler() == Scheduler::Uch;
    e.check(
        uch == bd.uch_query_key.is_some(),
        &p.clone().attr("uch_query_key"),
        "required exactly when scheduler is Uch",
    );
    if let Some(hc) = &bd.health_check {
        let hp = p.clone().attr("health_check");
        if let Some(path) = &hc.path {
            e.check(
                path.starts_with('/') && (1..=80).contains(&path.len()),
                &hp.clone().attr("path"),
                "must start with '/' and be 1–80 characters",
            );
        }
        e.range(hc.connect_port, 0, 65535, &hp.clone().attr("connect_port"));
        e.range(hc.interval, 1, 50, &hp.clone().attr("interval"));
        e.range(hc.timeout, 1, 300, &hp.clone().attr("timeout"));
        e.range(
            hc.healthy_threshold,
            2,
            10,
            &hp.clone().attr("healthy_threshold"),
        );
        e.range(
            hc.unhealthy_threshold,
            2,
            10,
            &hp.clone().attr("unhealthy_threshold"),
        );
        for (i, c) in hc.codes.iter().flatten().enumerate() {
            let http = ["http_2xx", "http_3xx", "http_4xx", "http_5xx"].contains(&c.as_str());
            let grpc = c
                .split('-')
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            e.check(
                http || grpc,
                &hp.clone().attr("codes").index(i),
                "must be http_2xx…http_5xx, or a numeric GRPC code or range like 0-99",
            );
        }
    }
    if let Some(s) = &bd.sticky_session {
        let sp = p.clone().attr("sticky_session");
        let kind = s.r#type.unwrap_or(StickyType::Insert);
        e.range(
            s.cookie_timeout,
            1,
            86_400,
            &sp.clone().attr("cookie_timeout"),
        );
        e.check(
            kind == StickyType::Insert || s.cookie_timeout.is_none(),
            &sp.clone().attr("cookie_timeout"),
            "applies to Insert sticky sessions only",
        );
        e.check(
            kind == StickyType::Insert
                || s.cookie
                    .as_ref()
                    .is_some_and(|c| (1..=200).contains(&c.len())),
            &sp.clone().attr("cookie"),
            "Server sticky sessions need a cookie name of 1–200 characters",
        );
        e.check(
            bd.cross_zone(),
            &p.clone().attr("cross_zone"),
            "sticky sessions need cross_zone = true",
        );
    }
    if let Some(s) = &bd.slow_start {
        e.range(
            s.duration,
            30,
            900,
            &p.clone().attr("slow_start").attr("duration"),
        );
    }
    if let Some(d) = &bd.connection_drain {
        e.range(
            d.timeout,
            0,
            900,
            &p.clone().attr("connection_drain").attr("timeout"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ingress(v: serde_json::Value) -> IngressSpec {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        let spec = ingress(json!({
            "alb_config_id": "alb-1", "namespace": "Shop", "name": "web", "order": 0,
            "rule": [{"host": "Shop.example.com", "path": [
                {"path": "/api*", "path_type": "Prefix", "backend": [{"service": "api", "port": "80"}, {"service": "v2", "port": "80"}]},
                {"path": "/x"}
            ]}]
        }));
        let errs = validate_ingress(&spec);
        let paths: Vec<String> = errs.iter().map(|e| e.path().to_string()).collect();
        assert!(paths.contains(&"namespace".to_owned()), "{paths:?}");
        assert!(paths.contains(&"order".to_owned()));
        assert!(paths.contains(&"rule[0].host".to_owned()));
        assert!(paths.contains(&"rule[0].path[0].path".to_owned()));
        assert!(paths.contains(&"rule[0].path[0].backend[0].weight".to_owned()));
        assert!(paths.contains(&"rule[0].path[1]".to_owned()));
    }

    #[test]
    fn config_listener_conflicts() {
        let spec: ConfigSpec = serde_json::from_value(json!({
            "name": "web", "vpc_id": "vpc-1",
            "zone_mapping": [{"zone_id": "a", "vswitch_id": "v1"}, {"zone_id": "b", "vswitch_id": "v2"}],
            "listener": [{"port": 80, "protocol": "HTTP"}, {"port": 80, "protocol": "HTTPS", "certificate_ids": ["c"]}]
        }))
        .unwrap();
        let errs = validate_config(&spec);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].path().to_string(), "listener[1].port");
    }
}

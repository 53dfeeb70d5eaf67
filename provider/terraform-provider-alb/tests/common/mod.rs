//! Fixtures shared by the integration tests: complete, valid configurations of both resources
//! (every attribute of the schema set in at least one variant) and small value helpers.

#![allow(dead_code)] // each test binary uses a different subset

use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::schema::{Block, Nesting};
use tfplugin::value::Value;

/// A string value.
pub fn s(v: &str) -> Value {
    Value::from(v)
}

/// A number value.
pub fn n(v: i64) -> Value {
    Value::from(v)
}

/// A list of strings.
pub fn strs(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

/// An object.
pub fn obj(fields: &[(&str, Value)]) -> Value {
    Value::object(fields.iter().map(|(k, v)| (*k, v.clone())))
}

/// Parses `zone_mapping[0].zone_id` or `listener["HTTP:80"].acl.entries` (attributes, indexes
/// and map keys without dots) into a path.
pub fn path(text: &str) -> AttributePath {
    let mut path = AttributePath::root();
    for part in text.split('.') {
        let mut pieces = part.split('[');
        if let Some(name) = pieces.next().filter(|n| !n.is_empty()) {
            path = path.attr(name);
        }
        for step in pieces {
            let step = step.trim_end_matches(']');
            path = match step.strip_prefix('"') {
                Some(key) => path.key(key.trim_end_matches('"')),
                None => path.index(step.parse().expect("index")),
            };
        }
    }
    path
}

/// `value` with the node at `at` replaced by `new` (the node must exist).
pub fn with(mut value: Value, at: &str, new: Value) -> Value {
    *value
        .at_mut(&path(at))
        .unwrap_or_else(|| panic!("no value at {at}")) = new;
    value
}

/// `(summary, attribute path)` of every diagnostic.
pub fn found(diagnostics: &Diagnostics) -> Vec<(String, String)> {
    diagnostics
        .iter()
        .map(|d| {
            (
                d.summary.clone(),
                d.attribute
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// Asserts that every attribute and block of `block` is set (non-null, non-empty) in at least one
/// of `values`, recursing into blocks; computed-only attributes are skipped.
pub fn assert_covers(block: &Block, values: &[&Value], at: &str) {
    for attr in &block.attributes {
        if attr.computed && !attr.optional && !attr.required {
            continue;
        }
        assert!(
            values.iter().any(|v| !v.get(&attr.name).is_null()),
            "fixtures never set {at}{}",
            attr.name
        );
    }
    for nested in &block.block_types {
        let items: Vec<&Value> = values
            .iter()
            .flat_map(|v| match (nested.nesting, v.get(&nested.type_name)) {
                (Nesting::List | Nesting::Set, Value::List(items)) => items.iter().collect(),
                (Nesting::Map, Value::Map(blocks)) => blocks.values().collect(),
                (_, Value::Null) => Vec::new(),
                (_, other) => vec![other],
            })
            .collect();
        assert!(
            !items.is_empty(),
            "fixtures never set block {at}{}",
            nested.type_name
        );
        assert_covers(&nested.block, &items, &format!("{at}{}.", nested.type_name));
    }
}

/// A valid `alb_config` with nearly every attribute set.
pub fn alb_config() -> Value {
    let zone = |zone: &str, vswitch: &str, address: &str| {
        obj(&[
            ("zone_id", s(zone)),
            ("vswitch_id", s(vswitch)),
            ("allocation_id", s("eip-1")),
            ("eip_type", s("Common")),
            ("intranet_address", s(address)),
        ])
    };
    let xff = |https: bool| {
        let cert = if https {
            Value::from(true)
        } else {
            Value::Null
        };
        obj(&[
            ("client_ip", Value::from(true)),
            ("proto", Value::from(true)),
            ("slb_id", Value::from(false)),
            ("slb_port", Value::from(true)),
            ("client_src_port", Value::from(true)),
            ("host", Value::from(true)),
            ("client_source_ips_enabled", Value::from(true)),
            ("client_source_ips_trusted", s("10.0.0.0/8")),
            ("client_cert_subject_dn", cert.clone()),
            ("client_cert_issuer_dn", cert.clone()),
            ("client_cert_fingerprint", cert.clone()),
            ("client_cert_client_verify", cert),
        ])
    };
    let listener = || {
        obj(&[
            ("description", Value::Null),
            ("certificate_ids", Value::Null),
            ("ca_certificate_ids", Value::Null),
            ("security_policy_id", Value::Null),
            ("idle_timeout", Value::Null),
            ("request_timeout", Value::Null),
            ("http2", Value::Null),
            ("gzip", Value::Null),
            ("x_forwarded_for", Value::Null),
            ("acl", Value::Null),
            ("quic", Value::Null),
            ("id", Value::Null),
            ("default_server_group_id", Value::Null),
        ])
    };
    let http = [
        ("description", s("ingress-auto-listener-80")),
        ("idle_timeout", n(15)),
        ("request_timeout", n(60)),
        ("gzip", Value::from(true)),
        ("x_forwarded_for", xff(false)),
        (
            "acl",
            obj(&[
                ("type", s("White")),
                ("entries", strs(&["10.0.0.0/8", "192.168.1.1"])),
                ("acl_ids", Value::Null),
            ]),
        ),
    ]
    .into_iter()
    .fold(listener(), |l, (k, v)| with(l, k, v));
    let https = [
        ("description", s("public https")),
        (
            "certificate_ids",
            strs(&["123-cn-hangzhou", "456-cn-hangzhou"]),
        ),
        ("ca_certificate_ids", strs(&["ca-1"])),
        ("security_policy_id", s("tls_cipher_policy_1_2")),
        ("idle_timeout", n(600)),
        ("request_timeout", n(1)),
        ("http2", Value::from(true)),
        ("gzip", Value::from(false)),
        ("x_forwarded_for", xff(true)),
        (
            "acl",
            obj(&[
                ("type", s("Black")),
                ("entries", Value::Null),
                ("acl_ids", strs(&["acl-1", "acl-2", "acl-3"])),
            ]),
        ),
        (
            "quic",
            obj(&[
                ("upgrade_enabled", Value::from(true)),
                ("listener_id", s("lsn-quic")),
            ]),
        ),
    ]
    .into_iter()
    .fold(listener(), |l, (k, v)| with(l, k, v));
    let quic = with(listener(), "certificate_ids", strs(&["123-cn-hangzhou"]));
    obj(&[
        ("id", Value::Null),
        ("name", s("demo-alb")),
        ("vpc_id", s("vpc-123")),
        ("address_type", s("Internet")),
        ("edition", s("Standard")),
        ("address_ip_version", s("IPv4")),
        ("address_allocated_mode", s("Fixed")),
        ("resource_group_id", s("rg-1")),
        ("bandwidth_package_id", s("cbwp-1")),
        ("deletion_protection", Value::from(false)),
        ("adopt", Value::from("ack")),
        ("tags", obj(&[("env", s("prod")), ("team", s("web"))])),
        (
            "zone_mapping",
            Value::List(vec![
                zone("cn-hangzhou-h", "vsw-1", "10.0.1.10"),
                zone("cn-hangzhou-i", "vsw-2", "10.0.2.10"),
            ]),
        ),
        (
            "access_log",
            obj(&[("project", s("k8s-log")), ("logstore", s("alb_demo"))]),
        ),
        (
            "listener",
            obj(&[("HTTP:80", http), ("HTTPS:443", https), ("QUIC:443", quic)]),
        ),
        ("dns_name", Value::Null),
        ("status", Value::Null),
        (
            "timeouts",
            obj(&[
                ("create", s("10m")),
                ("update", s("1h30m")),
                ("delete", s("30s")),
            ]),
        ),
    ])
}

fn service(name: &str, port: &str) -> Value {
    obj(&[("service", s(name)), ("port", s(port))])
}

fn backend(name: &str, port: &str, weight: Value) -> Value {
    obj(&[("service", s(name)), ("port", s(port)), ("weight", weight)])
}

/// A path block with nothing set but `path`.
fn bare_path(p: &str) -> Value {
    obj(&[
        ("path", s(p)),
        ("path_type", Value::Null),
        ("backend", Value::List(vec![])),
        ("match", Value::Null),
        ("rewrite", Value::Null),
        ("insert_header", Value::List(vec![])),
        ("remove_header", Value::List(vec![])),
        ("traffic_limit", Value::Null),
        ("cors", Value::Null),
        ("mirror", Value::Null),
        ("redirect", Value::Null),
        ("fixed_response", Value::Null),
    ])
}

/// A valid `alb_ingress`; `variant` 0, 1 and 2 differ in the mutually exclusive parts (canary mode,
/// sticky session type) so that together they set every attribute.
pub fn alb_ingress(variant: u8) -> Value {
    let kv = |k: &str, v: &str| obj(&[("key", s(k)), ("value", s(v))]);
    let api = [
        ("path_type", s("Prefix")),
        (
            "backend",
            Value::List(vec![
                backend("api", "80", n(80)),
                backend("api-v2", "http", n(20)),
            ]),
        ),
        (
            "match",
            obj(&[
                (
                    "header",
                    Value::List(vec![obj(&[
                        ("name", s("x-env")),
                        ("values", strs(&["prod"])),
                    ])]),
                ),
                ("query_string", Value::List(vec![kv("version", "v2")])),
                ("cookie", Value::List(vec![kv("beta", "yes")])),
                ("methods", strs(&["GET", "POST"])),
                ("source_ips", strs(&["10.0.0.0/8", "192.168.0.1"])),
            ]),
        ),
        (
            "rewrite",
            obj(&[
                ("host", s("api.internal")),
                ("path", s("/v2")),
                ("query", s("a=1")),
            ]),
        ),
        (
            "insert_header",
            Value::List(vec![obj(&[
                ("name", s("x-request-source")),
                ("value", s("alb")),
                ("value_type", s("UserDefined")),
            ])]),
        ),
        (
            "remove_header",
            Value::List(vec![obj(&[("name", s("x-debug"))])]),
        ),
        (
            "traffic_limit",
            obj(&[("qps", n(100)), ("per_ip_qps", n(10))]),
        ),
    ]
    .into_iter()
    .fold(bare_path("/api"), |p, (k, v)| with(p, k, v));
    let static_files = [
        ("path_type", s("Exact")),
        (
            "backend",
            Value::List(vec![backend("static", "8080", Value::Null)]),
        ),
        (
            "cors",
            obj(&[
                ("allow_origins", strs(&["https://shop.example.com"])),
                ("allow_methods", strs(&["GET", "OPTIONS"])),
                ("allow_headers", strs(&["Authorization"])),
                ("expose_headers", strs(&["X-Trace"])),
                ("allow_credentials", Value::from(true)),
                ("max_age", n(-1)),
            ]),
        ),
        ("mirror", service("shadow", "80")),
    ]
    .into_iter()
    .fold(bare_path("/static"), |p, (k, v)| with(p, k, v));
    let old = with(
        bare_path("/old"),
        "redirect",
        obj(&[
            ("protocol", s("HTTPS")),
            ("host", s("new.example.com")),
            ("port", s("443")),
            ("path", s("/new")),
            ("query", s("from=old")),
            ("code", n(308)),
        ]),
    );
    let maintenance = [
        ("path_type", s("ImplementationSpecific")),
        (
            "fixed_response",
            obj(&[
                ("status", n(503)),
                ("content_type", s("text/plain")),
                ("content", s("down for maintenance")),
            ]),
        ),
    ]
    .into_iter()
    .fold(bare_path("/maint*"), |p, (k, v)| with(p, k, v));
    let catch_all = with(
        bare_path("/"),
        "backend",
        Value::List(vec![backend("web", "80", Value::Null)]),
    );

    let sticky = if variant == 1 {
        obj(&[
            ("type", s("Insert")),
            ("cookie_timeout", n(1000)),
            ("cookie", Value::Null),
        ])
    } else {
        obj(&[
            ("type", s("Server")),
            ("cookie_timeout", Value::Null),
            ("cookie", s("sid")),
        ])
    };
    let (header, cookie, weight) = match variant {
        0 => (
            obj(&[("name", s("x-canary")), ("value", s("always"))]),
            Value::Null,
            Value::Null,
        ),
        1 => (Value::Null, Value::Null, n(20)),
        _ => (Value::Null, s("canary"), Value::Null),
    };
    obj(&[
        ("id", Value::Null),
        ("alb_config_id", s("alb-123")),
        ("namespace", s("shop")),
        ("name", s("web.v1")),
        ("order", n(10)),
        ("tls_hosts", strs(&["shop.example.com", "*.example.com"])),
        ("ssl_redirect", Value::from(true)),
        ("use_regex", Value::from(false)),
        (
            "listen",
            Value::List(vec![
                obj(&[("protocol", s("HTTP")), ("port", n(80))]),
                obj(&[("protocol", s("HTTPS")), ("port", n(443))]),
            ]),
        ),
        (
            "backend_defaults",
            obj(&[
                ("protocol", s("HTTP")),
                ("scheduler", s("Uch")),
                ("uch_query_key", s("uid")),
                ("member_mode", s("ip")),
                ("member_weight", n(80)),
                ("member_sync", s("terraform")),
                (
                    "node_selector",
                    Value::Map([("pool".to_owned(), s("web"))].into()),
                ),
                ("keepalive", Value::from(true)),
                ("cross_zone", Value::from(true)),
                (
                    "health_check",
                    obj(&[
                        ("enabled", Value::from(true)),
                        ("protocol", s("HTTP")),
                        ("method", s("GET")),
                        ("path", s("/healthz")),
                        ("host", s("shop.example.com")),
                        ("codes", strs(&["http_2xx", "http_3xx"])),
                        ("http_version", s("HTTP1.1")),
                        ("connect_port", n(0)),
                        ("interval", n(2)),
                        ("timeout", n(5)),
                        ("healthy_threshold", n(3)),
                        ("unhealthy_threshold", n(3)),
                    ]),
                ),
                ("sticky_session", sticky),
                ("slow_start", obj(&[("duration", n(30))])),
                ("connection_drain", obj(&[("timeout", n(300))])),
            ]),
        ),
        (
            "rule",
            Value::List(vec![
                obj(&[
                    ("host", s("shop.example.com")),
                    (
                        "path",
                        Value::List(vec![api, static_files, old, maintenance]),
                    ),
                ]),
                obj(&[
                    ("host", Value::Null),
                    ("path", Value::List(vec![catch_all])),
                ]),
            ]),
        ),
        (
            "canary",
            Value::List(vec![obj(&[
                ("backend", service("api-canary", "80")),
                ("header", header),
                ("cookie", cookie),
                ("weight", weight),
                ("hosts", strs(&["shop.example.com"])),
                ("paths", strs(&["/api"])),
            ])]),
        ),
        ("default_backend", service("default-svc", "8080")),
        ("rules", Value::Null),
        ("server_groups", Value::Null),
        (
            "timeouts",
            obj(&[
                ("create", s("5m")),
                ("update", s("5m")),
                ("delete", s("90s")),
            ]),
        ),
    ])
}

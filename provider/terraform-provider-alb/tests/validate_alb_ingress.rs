//! `alb_ingress` validation: each invalid input yields one diagnostic with a stable summary and the
//! exact attribute path; valid and unknown-laden configurations yield none.

mod common;

use common::{alb_ingress, found, n, obj, s, strs, with};
use terraform_provider_alb::validate::alb_ingress::validate;
use tfplugin::value::Value;

const API: &str = "rule[0].path[0]";
const STATIC: &str = "rule[0].path[1]";
const OLD: &str = "rule[0].path[2]";
const MAINT: &str = "rule[0].path[3]";
const HC: &str = "backend_defaults.health_check";
const STICKY: &str = "backend_defaults.sticky_session";

/// One invalid input: the attribute to change, its new value, the expected summary and path.
struct Case {
    at: String,
    value: Value,
    summary: &'static str,
    path: String,
}

fn case(
    at: impl Into<String>,
    value: Value,
    summary: &'static str,
    path: impl Into<String>,
) -> Case {
    Case {
        at: at.into(),
        value,
        summary,
        path: path.into(),
    }
}

fn backend(service: &str, weight: Value) -> Value {
    obj(&[
        ("service", s(service)),
        ("port", s("80")),
        ("weight", weight),
    ])
}

fn header(name: &str) -> Value {
    obj(&[("name", s(name)), ("values", strs(&["v"]))])
}

fn insert_header(name: &str, value: &str, value_type: Value) -> Value {
    obj(&[
        ("name", s(name)),
        ("value", s(value)),
        ("value_type", value_type),
    ])
}

fn cases() -> Vec<Case> {
    let kv = obj(&[("key", s("k")), ("value", s("v"))]);
    vec![
        case("namespace", s("Shop"), "Invalid namespace", "namespace"),
        case("name", s("web_1"), "Invalid ingress name", "name"),
        case("name", s(&"a".repeat(64)), "Invalid ingress name", "name"),
        case("order", n(0), "Invalid order", "order"),
        case("order", n(1001), "Invalid order", "order"),
        case(
            "tls_hosts",
            strs(&["Shop.example.com"]),
            "Invalid TLS host",
            "tls_hosts[0]",
        ),
        case(
            "tls_hosts",
            strs(&["a.example.com", "a.example.com"]),
            "Duplicate TLS host",
            "tls_hosts[1]",
        ),
        case(
            "listen[1].port",
            n(70000),
            "Invalid listener port",
            "listen[1].port",
        ),
        case(
            "listen[1].protocol",
            s("TCP"),
            "Invalid listener protocol",
            "listen[1].protocol",
        ),
        case(
            "listen[1]",
            obj(&[("protocol", s("HTTP")), ("port", n(80))]),
            "Duplicate listener",
            "listen[1].port",
        ),
        case(
            "listen[1].port",
            n(80),
            "Conflicting listener protocols",
            "listen[1].port",
        ),
        case(
            "rule[0].host",
            s("*.*.example.com"),
            "Invalid host",
            "rule[0].host",
        ),
        case(
            "rule[0].host",
            s("localhost"),
            "Invalid host",
            "rule[0].host",
        ),
        case(
            "rule[0].host",
            s("Shop.Example.com"),
            "Invalid host",
            "rule[0].host",
        ),
        case(
            format!("{API}.path"),
            s("api"),
            "Invalid path",
            format!("{API}.path"),
        ),
        case(
            format!("{STATIC}.path"),
            s("/static/*"),
            "Wildcard in Exact or Prefix path",
            format!("{STATIC}.path"),
        ),
        case(
            format!("{STATIC}.path"),
            s("/static?"),
            "Wildcard in Exact or Prefix path",
            format!("{STATIC}.path"),
        ),
        case(
            format!("{API}.path_type"),
            s("prefix"),
            "Invalid path type",
            format!("{API}.path_type"),
        ),
        case(
            format!("{API}.backend"),
            Value::List((0..6).map(|i| backend(&format!("s{i}"), n(10))).collect()),
            "Too many backends",
            format!("{API}.backend"),
        ),
        case(
            format!("{API}.backend[0].weight"),
            n(101),
            "Invalid backend weight",
            format!("{API}.backend[0].weight"),
        ),
        case(
            format!("{API}.backend[1].weight"),
            Value::Null,
            "Missing backend weight",
            format!("{API}.backend[1].weight"),
        ),
        case(
            format!("{API}.backend[0].service"),
            s("Api"),
            "Invalid service name",
            format!("{API}.backend[0].service"),
        ),
        case(
            format!("{API}.backend[0].port"),
            s("0"),
            "Invalid service port",
            format!("{API}.backend[0].port"),
        ),
        case(
            format!("{OLD}.backend"),
            Value::List(vec![backend("a", Value::Null)]),
            "Conflicting path actions",
            format!("{OLD}.redirect"),
        ),
        case(
            format!("{MAINT}.redirect"),
            obj(&[
                ("protocol", s("HTTPS")),
                ("host", Value::Null),
                ("port", Value::Null),
                ("path", Value::Null),
                ("query", Value::Null),
                ("code", Value::Null),
            ]),
            "Conflicting path actions",
            format!("{MAINT}.fixed_response"),
        ),
        case(
            format!("{MAINT}.fixed_response"),
            Value::Null,
            "Missing path action",
            MAINT,
        ),
        case(
            format!("{OLD}.rewrite"),
            obj(&[
                ("host", Value::Null),
                ("path", s("/x")),
                ("query", Value::Null),
            ]),
            "Rewrite needs a backend",
            format!("{OLD}.rewrite"),
        ),
        case(
            format!("{OLD}.redirect.code"),
            n(304),
            "Invalid redirect code",
            format!("{OLD}.redirect.code"),
        ),
        case(
            format!("{OLD}.redirect.protocol"),
            s("FTP"),
            "Invalid redirect protocol",
            format!("{OLD}.redirect.protocol"),
        ),
        case(
            format!("{OLD}.redirect.port"),
            s("http"),
            "Invalid redirect port",
            format!("{OLD}.redirect.port"),
        ),
        case(
            format!("{OLD}.redirect"),
            obj(&[
                ("protocol", Value::Null),
                ("host", s("${host}")),
                ("port", Value::Null),
                ("path", Value::Null),
                ("query", Value::Null),
                ("code", n(302)),
            ]),
            "Redirect changes nothing",
            format!("{OLD}.redirect"),
        ),
        case(
            format!("{MAINT}.fixed_response.status"),
            n(600),
            "Invalid fixed response status",
            format!("{MAINT}.fixed_response.status"),
        ),
        case(
            format!("{MAINT}.fixed_response.content_type"),
            s("text/xml"),
            "Invalid fixed response content type",
            format!("{MAINT}.fixed_response.content_type"),
        ),
        case(
            format!("{MAINT}.fixed_response.content"),
            s(&"x".repeat(1025)),
            "Invalid fixed response content",
            format!("{MAINT}.fixed_response.content"),
        ),
        case(
            format!("{MAINT}.fixed_response.content"),
            s("café"),
            "Invalid fixed response content",
            format!("{MAINT}.fixed_response.content"),
        ),
        case(
            format!("{API}.match.header[0].name"),
            s("Host"),
            "Reserved header name",
            format!("{API}.match.header[0].name"),
        ),
        case(
            format!("{API}.match.header[0].name"),
            s("x env"),
            "Invalid header name",
            format!("{API}.match.header[0].name"),
        ),
        case(
            format!("{API}.match.header[0].values"),
            strs(&[]),
            "Too few header values",
            format!("{API}.match.header[0].values"),
        ),
        case(
            format!("{API}.match.methods"),
            strs(&["get"]),
            "Invalid method",
            format!("{API}.match.methods[0]"),
        ),
        case(
            format!("{API}.match.source_ips"),
            strs(&[
                "1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5", "1.1.1.6",
            ]),
            "Too many source IPs",
            format!("{API}.match.source_ips"),
        ),
        case(
            format!("{API}.match.source_ips"),
            strs(&["10.0.0.0/40"]),
            "Invalid source IP",
            format!("{API}.match.source_ips[0]"),
        ),
        case(
            format!("{API}.match.query_string"),
            Value::List(vec![kv.clone(); 21]),
            "Too many query string conditions",
            format!("{API}.match.query_string"),
        ),
        case(
            format!("{API}.match.header"),
            Value::List((0..5).map(|i| header(&format!("x-h{i}"))).collect()),
            "Too many conditions",
            API,
        ),
        case(
            format!("{API}.insert_header"),
            Value::List(vec![
                insert_header("x-a", "1", Value::Null),
                insert_header("x-b", "2", Value::Null),
            ]),
            "Too many actions",
            API,
        ),
        case(
            format!("{API}.insert_header[0].name"),
            s("X-Forwarded-For"),
            "Reserved header name",
            format!("{API}.insert_header[0].name"),
        ),
        case(
            format!("{API}.insert_header[0].value_type"),
            s("SystemDefined"),
            "Invalid system-defined header value",
            format!("{API}.insert_header[0].value"),
        ),
        case(
            format!("{API}.insert_header[0].value_type"),
            s("Custom"),
            "Invalid header value type",
            format!("{API}.insert_header[0].value_type"),
        ),
        case(
            format!("{API}.remove_header[0].name"),
            s("content-length"),
            "Reserved header name",
            format!("{API}.remove_header[0].name"),
        ),
        case(
            format!("{API}.traffic_limit.qps"),
            n(2_000_000),
            "Invalid QPS limit",
            format!("{API}.traffic_limit.qps"),
        ),
        case(
            format!("{API}.traffic_limit.per_ip_qps"),
            n(100),
            "Per-IP QPS limit not below QPS limit",
            format!("{API}.traffic_limit.per_ip_qps"),
        ),
        case(
            format!("{STATIC}.cors.max_age"),
            n(172_801),
            "Invalid CORS max age",
            format!("{STATIC}.cors.max_age"),
        ),
        case(
            format!("{STATIC}.cors.allow_methods"),
            strs(&["TRACE"]),
            "Invalid CORS method",
            format!("{STATIC}.cors.allow_methods[0]"),
        ),
        case(
            format!("{STATIC}.mirror.service"),
            s("-shadow"),
            "Invalid service name",
            format!("{STATIC}.mirror.service"),
        ),
        case(
            "backend_defaults.protocol",
            s("gRPC"),
            "Invalid backend protocol",
            "backend_defaults.protocol",
        ),
        case(
            "backend_defaults.scheduler",
            s("Rr"),
            "Invalid scheduler",
            "backend_defaults.scheduler",
        ),
        case(
            "backend_defaults.uch_query_key",
            Value::Null,
            "Missing hash query key",
            "backend_defaults.uch_query_key",
        ),
        case(
            "backend_defaults.scheduler",
            s("Wrr"),
            "Hash query key needs the Uch scheduler",
            "backend_defaults.uch_query_key",
        ),
        case(
            "backend_defaults.member_mode",
            s("eni"),
            "Invalid member mode",
            "backend_defaults.member_mode",
        ),
        case(
            "backend_defaults.member_sync",
            s("kubelet"),
            "Invalid member sync",
            "backend_defaults.member_sync",
        ),
        case(
            "backend_defaults.member_weight",
            n(101),
            "Invalid member weight",
            "backend_defaults.member_weight",
        ),
        case(
            "backend_defaults.cross_zone",
            Value::from(false),
            "Sticky sessions need cross-zone balancing",
            "backend_defaults.cross_zone",
        ),
        case(
            format!("{HC}.protocol"),
            s("UDP"),
            "Invalid health check protocol",
            format!("{HC}.protocol"),
        ),
        case(
            format!("{HC}.method"),
            s("PUT"),
            "Invalid health check method",
            format!("{HC}.method"),
        ),
        case(
            format!("{HC}.path"),
            s("healthz"),
            "Invalid health check path",
            format!("{HC}.path"),
        ),
        case(
            format!("{HC}.codes"),
            strs(&["200"]),
            "Invalid health check code",
            format!("{HC}.codes[0]"),
        ),
        case(
            format!("{HC}.http_version"),
            s("HTTP2"),
            "Invalid health check HTTP version",
            format!("{HC}.http_version"),
        ),
        case(
            format!("{HC}.connect_port"),
            n(65536),
            "Invalid health check port",
            format!("{HC}.connect_port"),
        ),
        case(
            format!("{HC}.interval"),
            n(51),
            "Invalid health check interval",
            format!("{HC}.interval"),
        ),
        case(
            format!("{HC}.timeout"),
            n(0),
            "Invalid health check timeout",
            format!("{HC}.timeout"),
        ),
        case(
            format!("{HC}.healthy_threshold"),
            n(1),
            "Invalid healthy threshold",
            format!("{HC}.healthy_threshold"),
        ),
        case(
            format!("{HC}.unhealthy_threshold"),
            n(11),
            "Invalid unhealthy threshold",
            format!("{HC}.unhealthy_threshold"),
        ),
        case(
            format!("{STICKY}.type"),
            s("insert"),
            "Invalid sticky session type",
            format!("{STICKY}.type"),
        ),
        case(
            format!("{STICKY}.cookie"),
            Value::Null,
            "Missing sticky session cookie",
            format!("{STICKY}.cookie"),
        ),
        case(
            format!("{STICKY}.cookie_timeout"),
            n(100),
            "Cookie timeout needs the Insert type",
            format!("{STICKY}.cookie_timeout"),
        ),
        case(
            format!("{STICKY}.type"),
            s("Insert"),
            "Cookie name needs the Server type",
            format!("{STICKY}.cookie"),
        ),
        case(
            "backend_defaults.slow_start.duration",
            n(10),
            "Invalid slow start duration",
            "backend_defaults.slow_start.duration",
        ),
        case(
            "backend_defaults.connection_drain.timeout",
            n(901),
            "Invalid connection drain timeout",
            "backend_defaults.connection_drain.timeout",
        ),
        case(
            "canary[0].weight",
            n(20),
            "Conflicting canary modes",
            "canary[0].weight",
        ),
        case(
            "canary[0].header",
            Value::Null,
            "Missing canary mode",
            "canary[0]",
        ),
        case(
            "canary[0].header.name",
            s("Cookie"),
            "Reserved header name",
            "canary[0].header.name",
        ),
        case(
            "canary[0].paths",
            strs(&["api"]),
            "Invalid path",
            "canary[0].paths[0]",
        ),
        case(
            "canary[0].hosts",
            strs(&["*"]),
            "Invalid host",
            "canary[0].hosts[0]",
        ),
        case(
            "canary[0].backend.port",
            s("http_port"),
            "Invalid service port",
            "canary[0].backend.port",
        ),
        case(
            "default_backend.port",
            s("0"),
            "Invalid service port",
            "default_backend.port",
        ),
        case(
            "timeouts.update",
            s("5x"),
            "Invalid timeout",
            "timeouts.update",
        ),
    ]
}

#[test]
fn full_configurations_are_valid() {
    for variant in 0..3 {
        assert_eq!(
            found(&validate(&alb_ingress(variant))),
            vec![],
            "variant {variant}"
        );
    }
}

#[test]
fn all_zero_weights_are_reported_at_each_weight() {
    let config = with(
        alb_ingress(0),
        &format!("{API}.backend"),
        Value::List(vec![backend("a", n(0)), backend("b", n(0))]),
    );
    let zero = "All backend weights are zero".to_string();
    assert_eq!(
        found(&validate(&config)),
        vec![
            (zero.clone(), format!("{API}.backend[0].weight")),
            (zero, format!("{API}.backend[1].weight")),
        ]
    );
}

#[test]
fn each_invalid_input_is_reported_at_its_path() {
    for Case {
        at,
        value,
        summary,
        path,
    } in cases()
    {
        let config = with(alb_ingress(0), &at, value);
        assert_eq!(
            found(&validate(&config)),
            vec![(summary.to_string(), path)],
            "after setting {at}"
        );
    }
}

#[test]
fn canary_mode_rules() {
    let weighted = alb_ingress(1);
    let config = with(weighted.clone(), "canary[0].weight", n(101));
    assert_eq!(
        found(&validate(&config)),
        vec![(
            "Invalid canary weight".to_string(),
            "canary[0].weight".to_string()
        )]
    );
    let config = with(weighted, "canary[0].cookie", s("a=b"));
    assert_eq!(
        found(&validate(&config)),
        vec![
            (
                "Conflicting canary modes".to_string(),
                "canary[0].weight".to_string()
            ),
            (
                "Invalid canary cookie".to_string(),
                "canary[0].cookie".to_string()
            ),
        ]
    );
}

#[test]
fn grpc_backends_need_https() {
    let grpc = with(alb_ingress(0), "backend_defaults.protocol", s("GRPC"));
    assert_eq!(
        found(&validate(&grpc)),
        vec![],
        "HTTP is fine with ssl_redirect"
    );
    let no_redirect = with(grpc.clone(), "ssl_redirect", Value::from(false));
    assert_eq!(
        found(&validate(&no_redirect)),
        vec![(
            "GRPC backends need HTTPS listeners".to_string(),
            "listen[0].protocol".to_string()
        )]
    );
    let implicit = with(
        with(grpc, "listen", Value::List(vec![])),
        "tls_hosts",
        Value::Null,
    );
    assert_eq!(
        found(&validate(&implicit)),
        vec![(
            "GRPC backends need HTTPS listeners".to_string(),
            "backend_defaults.protocol".to_string()
        )]
    );
}

#[test]
fn an_agent_node_selector_must_fit_its_server_group_tag() {
    let agent = with(alb_ingress(0), "backend_defaults.member_sync", s("agent"));
    let agent = with(agent, "backend_defaults.member_mode", s("nodeport"));
    assert_eq!(found(&validate(&agent)), vec![], "a short selector fits");
    let long = Value::Map(
        (0..10)
            .map(|i| (format!("example.com/label-{i}"), s("value")))
            .collect(),
    );
    let too_long = with(
        agent.clone(),
        "backend_defaults.node_selector",
        long.clone(),
    );
    assert_eq!(
        found(&validate(&too_long)),
        vec![(
            "Node selector too long for the agent".to_string(),
            "backend_defaults.node_selector".to_string()
        )]
    );
    let ip = with(too_long, "backend_defaults.member_mode", s("ip"));
    assert_eq!(found(&validate(&ip)), vec![], "ip mode carries no selector");
    let terraform = with(agent, "backend_defaults.node_selector", long);
    let terraform = with(terraform, "backend_defaults.member_sync", s("terraform"));
    assert_eq!(
        found(&validate(&terraform)),
        vec![],
        "Terraform keeps the members"
    );
}

#[test]
fn grpc_health_check_codes_are_numeric_ranges() {
    let grpc = with(alb_ingress(0), &format!("{HC}.protocol"), s("GRPC"));
    let grpc = with(grpc, &format!("{HC}.codes"), strs(&["0-99", "12"]));
    assert_eq!(found(&validate(&grpc)), vec![]);
    let bad = with(grpc, &format!("{HC}.codes"), strs(&["0-100"]));
    assert_eq!(
        found(&validate(&bad)),
        vec![(
            "Invalid health check code".to_string(),
            format!("{HC}.codes[0]")
        )]
    );
}

#[test]
fn regex_prefix_paths_may_use_wildcards() {
    let literal = with(alb_ingress(0), &format!("{API}.rewrite"), Value::Null);
    let wildcard = with(literal, &format!("{API}.path"), s("/api/.*"));
    assert_eq!(found(&validate(&wildcard)).len(), 1);
    let regex = with(wildcard.clone(), "use_regex", Value::from(true));
    assert_eq!(found(&validate(&regex)), vec![]);
    // A rewrite makes a Prefix path a regular expression as well.
    let rewrite = obj(&[("path", s("/v2"))]);
    let rewritten = with(wildcard, &format!("{API}.rewrite"), rewrite);
    assert_eq!(found(&validate(&rewritten)), vec![]);
}

#[test]
fn regex_paths_alb_refuses_are_errors_at_the_path() {
    let unbalanced = with(alb_ingress(0), &format!("{API}.path"), s("/api/(v1|v2"));
    assert_eq!(
        found(&validate(&unbalanced)),
        vec![(
            "Invalid regular expression path".to_string(),
            format!("{API}.path")
        )]
    );
}

#[test]
fn unknown_values_are_never_errors() {
    for variant in 0..3 {
        let config = alb_ingress(variant);
        let mut paths = Vec::new();
        config.walk(&mut |p, _| paths.push(p.clone()));
        for p in paths {
            let mut unknown = config.clone();
            if let Some(slot) = unknown.at_mut(&p) {
                *slot = Value::Unknown;
            }
            assert_eq!(
                found(&validate(&unknown)),
                vec![],
                "variant {variant} with {p} unknown"
            );
        }
    }
    for Case { at, .. } in cases() {
        let config = with(alb_ingress(0), &at, Value::Unknown);
        assert_eq!(found(&validate(&config)), vec![], "with {at} unknown");
    }
    // Unknown flags that decide a rule suspend it.
    let wildcard = with(alb_ingress(0), &format!("{API}.path"), s("/api/*"));
    assert_eq!(
        found(&validate(&with(wildcard, "use_regex", Value::Unknown))),
        vec![]
    );
    let grpc = with(alb_ingress(0), "backend_defaults.protocol", s("GRPC"));
    let grpc = with(grpc, "listen[0].protocol", s("QUIC"));
    assert_eq!(
        found(&validate(&with(grpc, "ssl_redirect", Value::Unknown))),
        vec![]
    );
}

//! `alb_config` validation: each invalid input yields one diagnostic with a stable summary and the
//! exact attribute path; valid and unknown-laden configurations yield none.

mod common;

use common::{alb_config, found, n, obj, s, strs, with};
use terraform_provider_alb::validate::alb_config::validate;
use tfplugin::value::Value;

fn zone(id: &str) -> Value {
    obj(&[
        ("zone_id", s(id)),
        ("vswitch_id", s("vsw")),
        ("allocation_id", Value::Null),
        ("eip_type", Value::Null),
        ("intranet_address", Value::Null),
    ])
}

/// (attribute to change, new value, expected summary, expected path)
fn cases() -> Vec<(&'static str, Value, &'static str, &'static str)> {
    let many = |count: usize, f: &dyn Fn(usize) -> String| {
        Value::List((0..count).map(|i| Value::from(f(i))).collect())
    };
    vec![
        ("name", s("1alb"), "Invalid load balancer name", "name"),
        ("name", s("a"), "Invalid load balancer name", "name"),
        ("edition", s("standard"), "Invalid edition", "edition"),
        (
            "address_type",
            s("Public"),
            "Invalid address type",
            "address_type",
        ),
        (
            "address_ip_version",
            s("IPv6"),
            "Invalid address IP version",
            "address_ip_version",
        ),
        (
            "address_allocated_mode",
            s("Static"),
            "Invalid address allocation mode",
            "address_allocated_mode",
        ),
        (
            "tags",
            obj(&[("aliyun:owner", s("x"))]),
            "Invalid tag key",
            "tags[\"aliyun:owner\"]",
        ),
        (
            "tags",
            obj(&[("site", s("https://x.example.com"))]),
            "Invalid tag value",
            "tags[\"site\"]",
        ),
        (
            "zone_mapping",
            Value::List(vec![zone("cn-hangzhou-h")]),
            "Too few zone mappings",
            "zone_mapping",
        ),
        (
            "zone_mapping[1].zone_id",
            s("cn-hangzhou-h"),
            "Duplicate zone",
            "zone_mapping[1].zone_id",
        ),
        (
            "zone_mapping[0].eip_type",
            s("BGP"),
            "Invalid EIP type",
            "zone_mapping[0].eip_type",
        ),
        (
            "zone_mapping[0].intranet_address",
            s("10.0.1"),
            "Invalid intranet address",
            "zone_mapping[0].intranet_address",
        ),
        (
            r#"listener["HTTPS:443"].certificate_ids"#,
            Value::Null,
            "Missing listener certificate",
            r#"listener["HTTPS:443"].certificate_ids"#,
        ),
        (
            r#"listener["QUIC:443"].certificate_ids"#,
            strs(&[]),
            "Missing listener certificate",
            r#"listener["QUIC:443"].certificate_ids"#,
        ),
        (
            r#"listener["HTTP:80"].certificate_ids"#,
            strs(&["c-1"]),
            "Certificates need an HTTPS or QUIC listener",
            r#"listener["HTTP:80"].certificate_ids"#,
        ),
        (
            r#"listener["QUIC:443"].ca_certificate_ids"#,
            strs(&["ca-1"]),
            "CA certificates need an HTTPS listener",
            r#"listener["QUIC:443"].ca_certificate_ids"#,
        ),
        (
            r#"listener["HTTPS:443"].ca_certificate_ids"#,
            strs(&["ca-1", "ca-2"]),
            "Too many CA certificates",
            r#"listener["HTTPS:443"].ca_certificate_ids"#,
        ),
        (
            r#"listener["HTTP:80"].security_policy_id"#,
            s("tls_cipher_policy_1_0"),
            "Security policy needs an HTTPS or QUIC listener",
            r#"listener["HTTP:80"].security_policy_id"#,
        ),
        (
            r#"listener["QUIC:443"].http2"#,
            Value::from(false),
            "HTTP/2 setting needs an HTTPS listener",
            r#"listener["QUIC:443"].http2"#,
        ),
        (
            r#"listener["HTTP:80"].quic"#,
            obj(&[
                ("upgrade_enabled", Value::from(true)),
                ("listener_id", Value::Null),
            ]),
            "QUIC upgrade needs an HTTPS listener",
            r#"listener["HTTP:80"].quic"#,
        ),
        (
            r#"listener["HTTP:80"].x_forwarded_for.client_cert_fingerprint"#,
            Value::from(true),
            "Client certificate headers need an HTTPS listener",
            r#"listener["HTTP:80"].x_forwarded_for.client_cert_fingerprint"#,
        ),
        (
            r#"listener["HTTP:80"].idle_timeout"#,
            n(601),
            "Invalid idle timeout",
            r#"listener["HTTP:80"].idle_timeout"#,
        ),
        (
            r#"listener["HTTPS:443"].request_timeout"#,
            n(0),
            "Invalid request timeout",
            r#"listener["HTTPS:443"].request_timeout"#,
        ),
        (
            r#"listener["HTTP:80"].description"#,
            s("x"),
            "Invalid listener description",
            r#"listener["HTTP:80"].description"#,
        ),
        (
            r#"listener["HTTP:80"].acl.type"#,
            s("white"),
            "Invalid ACL type",
            r#"listener["HTTP:80"].acl.type"#,
        ),
        (
            r#"listener["HTTP:80"].acl.acl_ids"#,
            strs(&["acl-9"]),
            "Conflicting ACL sources",
            r#"listener["HTTP:80"].acl.acl_ids"#,
        ),
        (
            r#"listener["HTTP:80"].acl.entries"#,
            Value::List(vec![]),
            "Missing ACL sources",
            r#"listener["HTTP:80"].acl"#,
        ),
        (
            r#"listener["HTTP:80"].acl.entries"#,
            strs(&["10.0.0.300/8"]),
            "Invalid ACL entry",
            r#"listener["HTTP:80"].acl.entries[0]"#,
        ),
        (
            r#"listener["HTTP:80"].acl.entries"#,
            strs(&["10.0.0.0/8", "2001:db8::/32"]),
            "Invalid ACL entry",
            r#"listener["HTTP:80"].acl.entries[1]"#,
        ),
        (
            r#"listener["HTTP:80"].acl.entries"#,
            many(501, &|i| format!("10.{}.{}.0/24", i / 256, i % 256)),
            "Too many ACL entries",
            r#"listener["HTTP:80"].acl.entries"#,
        ),
        (
            r#"listener["HTTP:80"].acl.entries"#,
            strs(&["10.0.0.0/8", "10.0.0.0/8"]),
            "Duplicate ACL entry",
            r#"listener["HTTP:80"].acl.entries[1]"#,
        ),
        (
            r#"listener["HTTP:80"].acl.entries"#,
            strs(&["10.0.0.1", "192.168.0.0/16", "10.0.0.1/32"]),
            "Duplicate ACL entry",
            r#"listener["HTTP:80"].acl.entries[2]"#,
        ),
        (
            r#"listener["HTTPS:443"].acl.acl_ids"#,
            strs(&["acl-1", "acl-2", "acl-1"]),
            "Duplicate ACL id",
            r#"listener["HTTPS:443"].acl.acl_ids[2]"#,
        ),
        (
            r#"listener["HTTPS:443"].acl.acl_ids"#,
            strs(&["a", "b", "c", "d"]),
            "Too many ACL ids",
            r#"listener["HTTPS:443"].acl.acl_ids"#,
        ),
        (
            "timeouts.create",
            s("10 minutes"),
            "Invalid timeout",
            "timeouts.create",
        ),
        (
            "timeouts.delete",
            s("0s"),
            "Invalid timeout",
            "timeouts.delete",
        ),
    ]
}

#[test]
fn full_configuration_is_valid() {
    assert_eq!(found(&validate(&alb_config())), vec![]);
}

#[test]
fn each_invalid_input_is_reported_at_its_path() {
    for (at, value, summary, expected_path) in cases() {
        let config = with(alb_config(), at, value);
        assert_eq!(
            found(&validate(&config)),
            vec![(summary.to_string(), expected_path.to_string())],
            "after setting {at}"
        );
    }
}

#[test]
fn acl_entry_limit_depends_on_edition() {
    let entries = Value::List(
        (0..301)
            .map(|i| Value::from(format!("10.{}.{}.0/24", i / 256, i % 256)))
            .collect(),
    );
    let config = with(alb_config(), r#"listener["HTTP:80"].acl.entries"#, entries);
    assert_eq!(found(&validate(&config)), vec![]);
    let basic = with(config, "edition", s("Basic"));
    assert_eq!(
        found(&validate(&basic)),
        vec![(
            "Too many ACL entries".to_string(),
            r#"listener["HTTP:80"].acl.entries"#.to_string()
        )]
    );
}

#[test]
fn unknown_values_are_never_errors() {
    // Every node of the valid configuration, one at a time, replaced by an unknown value.
    let config = alb_config();
    let mut paths = Vec::new();
    config.walk(&mut |p, _| paths.push(p.clone()));
    for p in paths {
        let mut unknown = config.clone();
        if let Some(slot) = unknown.at_mut(&p) {
            *slot = Value::Unknown;
        }
        assert_eq!(found(&validate(&unknown)), vec![], "with {p} unknown");
    }
    // Each invalid case's offending value replaced by an unknown one.
    for (at, _, _, _) in cases() {
        let config = with(alb_config(), at, Value::Unknown);
        assert_eq!(found(&validate(&config)), vec![], "with {at} unknown");
    }
    // Unknown listener blocks (a `dynamic` block over an unknown collection) are not checked.
    let config = with(alb_config(), "listener", Value::Unknown);
    assert_eq!(found(&validate(&config)), vec![]);
}

#[test]
fn diagnostics_explain_the_problem() {
    let config = with(
        alb_config(),
        r#"listener["HTTPS:443"].certificate_ids"#,
        Value::Null,
    );
    let diagnostics = validate(&config);
    let detail = diagnostics
        .iter()
        .map(|d| d.detail.clone())
        .collect::<String>();
    assert_eq!(
        detail,
        "HTTPS listeners need at least one certificate id in `certificate_ids`; the first is their \
         default certificate."
    );
    let config = relabel(alb_config(), "HTTP:80", "http:80");
    let detail = validate(&config)
        .iter()
        .map(|d| d.detail.clone())
        .collect::<String>();
    assert_eq!(
        detail,
        "A listener block is labelled by its protocol and port, `PROTOCOL:port`: one of HTTP, \
         HTTPS, QUIC (upper case), a colon and a port 1–65535 without leading zeros, e.g. \
         `listener \"HTTPS:443\" { … }`; got \"http:80\"."
    );
}

/// `config` with its listener block labelled `from` labelled `to`.
fn relabel(config: Value, from: &str, to: &str) -> Value {
    let mut listeners = config.get("listener").as_map().cloned().expect("listeners");
    let block = listeners.remove(from).expect("the listener");
    listeners.insert(to.to_owned(), block);
    with(config, "listener", Value::Map(listeners))
}

#[test]
fn listener_labels_are_checked_at_their_block() {
    for label in [
        "http:80",
        "HTTP:0",
        "HTTP:080",
        "HTTP:65536",
        "TCP:80",
        "80",
        "HTTP 80",
    ] {
        assert_eq!(
            found(&validate(&relabel(alb_config(), "HTTP:80", label))),
            vec![(
                "Invalid listener label".to_string(),
                format!("listener[{label:?}]")
            )],
            "label {label}"
        );
    }
    // HTTP on 443 sorts before HTTPS:443, which is reported (QUIC may share the port).
    assert_eq!(
        found(&validate(&relabel(alb_config(), "HTTP:80", "HTTP:443"))),
        vec![(
            "Conflicting listener protocols".to_string(),
            r#"listener["HTTPS:443"]"#.to_string()
        )]
    );
    assert_eq!(
        found(&validate(&with(
            alb_config(),
            "listener",
            Value::Map(Default::default())
        ))),
        vec![(
            "Wrong number of listeners".to_string(),
            "listener".to_string()
        )]
    );
    let many: Value = Value::object((1..=51).map(|port| {
        (
            format!("HTTP:{port}"),
            alb_config().get("listener").get("HTTP:80").clone(),
        )
    }));
    assert_eq!(
        found(&validate(&with(alb_config(), "listener", many))),
        vec![(
            "Wrong number of listeners".to_string(),
            "listener".to_string()
        )]
    );
}

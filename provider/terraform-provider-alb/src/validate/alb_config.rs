//! Validation of an `alb_config` configuration.

use tfplugin::diag::Diagnostics;
use tfplugin::value::Value;

use super::check::{
    count, each, format, int_range, length, one_of, only_when, unique, unique_at, Node,
};
use super::formats::{is_ipv4_or_cidr, is_lb_name};
use super::{listeners, timeouts};
use crate::resources::alb_config::schema::MAX_LISTENERS;

/// Checks every rule of the `alb_config` contract that needs no API call. Unknown values pass.
pub fn validate(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::default();
    let root = Node::root(config);
    load_balancer(&mut d, &root);
    zone_mappings(&mut d, &root.attr("zone_mapping"));
    let edition = root.attr("edition");
    let max_acl_entries = if edition.str() == Some("Basic") {
        300
    } else {
        500
    };
    let listeners = root.attr("listener");
    let labelled = listeners::check_labels(&mut d, listeners.entries());
    listener_count(&mut d, &listeners, labelled.len());
    for (item, key) in labelled
        .iter()
        .filter(|(item, _)| !item.value().is_unknown())
    {
        listener(
            &mut d,
            item,
            key.map(|k| k.protocol.as_str()),
            max_acl_entries,
        );
    }
    timeouts::check(&mut d, &root);
    d
}

fn load_balancer(d: &mut Diagnostics, root: &Node) {
    format(
        d,
        &root.attr("name"),
        "load balancer name",
        is_lb_name,
        "2 to 128 characters, starting with a letter, with only letters, digits, `.`, `_` and `-`",
    );
    one_of(
        d,
        &root.attr("address_type"),
        "address type",
        &["Internet", "Intranet"],
    );
    one_of(
        d,
        &root.attr("edition"),
        "edition",
        &["Basic", "Standard", "StandardWithWaf"],
    );
    one_of(
        d,
        &root.attr("address_ip_version"),
        "address IP version",
        &["IPv4", "DualStack"],
    );
    one_of(
        d,
        &root.attr("address_allocated_mode"),
        "address allocation mode",
        &["Dynamic", "Fixed"],
    );
    one_of(d, &root.attr("adopt"), "adopt", &["ack"]);
    for (key, value) in root.attr("tags").entries() {
        reserved_tag_key(d, key, &value);
        let reserved = key.starts_with("acs:") || key.starts_with("aliyun");
        let has_url = |s: &str| s.contains("http://") || s.contains("https://");
        if key.is_empty() || key.chars().count() > 128 || reserved || has_url(key) {
            value.error(
                d,
                "Invalid tag key",
                format!(
                    "Tag keys must be 1 to 128 characters, must not start with `acs:` or `aliyun` and \
                     must not contain `http://` or `https://`; got `{key}`."
                ),
            );
        }
        format(
            d,
            &value,
            "tag value",
            |v| v.chars().count() <= 128 && !has_url(v),
            "at most 128 characters without `http://` or `https://`",
        );
    }
}

/// Tag keys that mark an owner: the provider's own ownership tags (a user value would overwrite
/// them, and the plan would never converge) and those of ACK's ALB Ingress Controller (its
/// controller would take the load balancer for one of its AlbConfigs).
const RESERVED_TAG_KEYS: &[(&str, &str)] = &[
    (
        model::ownership::TAG_PREFIX,
        "the provider writes its ownership tags under it",
    ),
    (
        "ack.aliyun.com",
        "ACK's ALB Ingress Controller marks the load balancers of its clusters with it",
    ),
    (
        "ingress.k8s.alibaba/",
        "ACK's ALB Ingress Controller marks the load balancers of its AlbConfigs with it",
    ),
];

/// A user tag key must not be one of [`RESERVED_TAG_KEYS`] (a prefix, or the exact key).
fn reserved_tag_key(d: &mut Diagnostics, key: &str, tag: &Node) {
    if let Some((reserved, why)) = RESERVED_TAG_KEYS
        .iter()
        .find(|(reserved, _)| key.starts_with(reserved))
    {
        tag.error(
            d,
            "Reserved tag key",
            format!("The tag key `{key}` is reserved: `{reserved}` is not for user tags, {why}."),
        );
    }
}

fn zone_mappings(d: &mut Diagnostics, node: &Node) {
    count(d, node, "zone mappings", 2, 10);
    let items = node.items();
    unique_at(
        d,
        &items,
        "zone",
        |item| item.attr("zone_id"),
        |item| item.attr("zone_id").str().map(|z| format!("`{z}`")),
    );
    for item in &items {
        one_of(
            d,
            &item.attr("eip_type"),
            "EIP type",
            &["Common", "Anycast"],
        );
        format(
            d,
            &item.attr("intranet_address"),
            "intranet address",
            |s| s.parse::<std::net::IpAddr>().is_ok(),
            "an IP address",
        );
    }
}

/// 1 to [`MAX_LISTENERS`] listener blocks (when the map is known: Terraform sends an empty
/// map when there are none).
fn listener_count(d: &mut Diagnostics, listeners: &Node, count: usize) {
    if listeners.value().as_map().is_none() || (1..=MAX_LISTENERS).contains(&count) {
        return;
    }
    listeners.error(
        d,
        "Wrong number of listeners",
        format!(
            "An alb_config needs 1 to {MAX_LISTENERS} `listener \"PROTOCOL:port\"` blocks; \
             it has {count}."
        ),
    );
}

/// The checks of one listener block; `protocol` from its label (`None` when invalid).
fn listener(d: &mut Diagnostics, item: &Node, protocol: Option<&str>, max_acl_entries: usize) {
    length(d, &item.attr("description"), "listener description", 2, 256);
    int_range(d, &item.attr("idle_timeout"), "idle timeout", 1, 600);
    int_range(d, &item.attr("request_timeout"), "request timeout", 1, 600);
    count(d, &item.attr("ca_certificate_ids"), "CA certificates", 0, 1);
    if let Some(acl) = item.block("acl") {
        self::acl(d, &acl, max_acl_entries);
    }

    let Some(protocol) = protocol else {
        return;
    };
    let https = Some(protocol == "HTTPS");
    let tls = Some(protocol == "HTTPS" || protocol == "QUIC");
    let certificates = item.attr("certificate_ids");
    if tls == Some(true) && certificates.presence().is_absent() {
        certificates.error(
            d,
            "Missing listener certificate",
            format!(
                "{protocol} listeners need at least one certificate id in `certificate_ids`; the first is \
                 their default certificate."
            ),
        );
    }
    only_when(
        d,
        &certificates,
        tls,
        "Certificates need an HTTPS or QUIC listener",
        "`certificate_ids` can only be set on HTTPS and QUIC listeners.",
    );
    only_when(
        d,
        &item.attr("ca_certificate_ids"),
        https,
        "CA certificates need an HTTPS listener",
        "`ca_certificate_ids` (mutual TLS) can only be set on HTTPS listeners.",
    );
    only_when(
        d,
        &item.attr("security_policy_id"),
        tls,
        "Security policy needs an HTTPS or QUIC listener",
        "`security_policy_id` can only be set on HTTPS and QUIC listeners.",
    );
    only_when(
        d,
        &item.attr("http2"),
        https,
        "HTTP/2 setting needs an HTTPS listener",
        "`http2` can only be set on HTTPS listeners.",
    );
    only_when(
        d,
        &item.attr("quic"),
        https,
        "QUIC upgrade needs an HTTPS listener",
        "The `quic` block can only be set on HTTPS listeners.",
    );
    if let Some(xff) = item.block("x_forwarded_for") {
        for flag in [
            "client_cert_subject_dn",
            "client_cert_issuer_dn",
            "client_cert_fingerprint",
            "client_cert_client_verify",
        ] {
            only_when(
                d,
                &xff.attr(flag),
                https,
                "Client certificate headers need an HTTPS listener",
                &format!("`x_forwarded_for.{flag}` can only be set on HTTPS listeners."),
            );
        }
    }
}

fn acl(d: &mut Diagnostics, acl: &Node, max_entries: usize) {
    one_of(d, &acl.attr("type"), "ACL type", &["White", "Black"]);
    let entries = acl.attr("entries");
    let ids = acl.attr("acl_ids");
    match (entries.presence(), ids.presence()) {
        (p, q) if p.is_present() && q.is_present() => ids.error(
            d,
            "Conflicting ACL sources",
            "Set either `entries` (an ACL managed by the provider) or `acl_ids` (existing ACLs), not both.",
        ),
        (p, q) if p.is_absent() && q.is_absent() => acl.error(
            d,
            "Missing ACL sources",
            "An `acl` block needs either `entries` (CIDRs) or `acl_ids` (existing ACLs).",
        ),
        _ => {}
    }
    count(d, &entries, "ACL entries", 0, max_entries);
    // `10.0.0.1` and `10.0.0.1/32` are one entry to the API.
    unique(d, &entries.items(), "ACL entry", |e| {
        e.str()
            .map(|s| format!("`{}`", model::acl::canonical_entry(s)))
    });
    unique(d, &ids.items(), "ACL id", |e| {
        e.str().map(|s| format!("`{s}`"))
    });
    each(d, &entries, |d, entry| {
        format(
            d,
            entry,
            "ACL entry",
            is_ipv4_or_cidr,
            "an IPv4 address or CIDR block (the ACL the provider manages is an IPv4 ACL; bind \
             IPv6 ACLs through `acl_ids`)",
        );
    });
    count(d, &ids, "ACL ids", 0, 3);
}

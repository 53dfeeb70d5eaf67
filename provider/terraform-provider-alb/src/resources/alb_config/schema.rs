//! Schema of `alb_config`: one ALB instance and its listeners (≈ the ACK AlbConfig CRD).

use tfplugin::schema::{Block, NestedBlock, Schema};
use tfplugin::types::Type;

use crate::resources::timeouts;
use crate::schema_kit::{
    computed_str, opt_bool, opt_computed_bool, opt_computed_str, opt_num, opt_str, opt_str_list,
    req_str,
};

/// Schema version of `alb_config`. Version 2: `listener` blocks are a map keyed by their
/// `PROTOCOL:port` label (versions 0 and 1: a list of blocks with `protocol` and `port`).
/// Version 1: `address_type`, `edition`, `address_ip_version`, `address_allocated_mode` and
/// `deletion_protection` hold their effective value (the default when unset) and
/// `resource_group_id` the load balancer's group; version 0 kept them null when they equalled
/// the default. See `upgrade`.
pub const VERSION: i64 = 2;

/// Listeners per load balancer (the ALB quota); checked by validation, since Terraform allows
/// no item limits on map blocks.
pub const MAX_LISTENERS: usize = 50;

/// Top-level attributes whose change forces a new load balancer, each because the API has no
/// action that changes it: the VPC, the IP version and the address mode are fixed at creation,
/// and a shared bandwidth package cannot be detached. (`edition` forces one only for the
/// changes `UpdateLoadBalancerEdition` refuses: see `plan`.)
pub const REPLACE_ON_CHANGE: &[&str] = &[
    "vpc_id",
    "address_ip_version",
    "address_allocated_mode",
    "bandwidth_package_id",
];

/// Attributes with a fixed default and that default: unset in the configuration means this
/// value, so removing an attribute that equals its default plans no change.
pub fn defaults() -> [(&'static str, tfplugin::value::Value); 5] {
    let d = model::spec::ConfigSpec::default();
    [
        ("address_type", d.address_type().as_str().into()),
        ("edition", d.edition().as_str().into()),
        ("address_ip_version", d.address_ip_version().as_str().into()),
        (
            "address_allocated_mode",
            d.address_allocated_mode().as_str().into(),
        ),
        ("deletion_protection", d.deletion_protection().into()),
    ]
}

/// The full `alb_config` schema.
pub fn schema() -> Schema {
    Schema::new(VERSION, block())
}

fn block() -> Block {
    Block::new()
        .describe(
            "An Alibaba Cloud Application Load Balancer (ALB) instance and its listeners, field for \
             field the ACK `AlbConfig` custom resource (`spec.config` and `spec.listeners`). Each \
             listener forwards by default to an empty placeholder server group, as ACK does; the \
             forwarding rules are added by `alb_ingress` resources that reference this one.",
        )
        .attr(computed_str("id", "Load balancer id (`alb-…`)."))
        .attr(req_str(
            "name",
            "Load balancer name (`LoadBalancerName`, AlbConfig `spec.config.name`): 2–128 characters, \
             starts with a letter, letters, digits, `.`, `_` and `-` only.",
        ))
        .attr(req_str(
            "vpc_id",
            "VPC of the load balancer; the same VPC as the Kubernetes cluster. Changing this forces \
             a new load balancer.",
        ))
        .attr(opt_computed_str(
            "address_type",
            "Network type: `Internet` (default) or `Intranet` (AlbConfig `addressType`). Changed \
             in place (`UpdateLoadBalancerAddressTypeConfig`); going to `Internet` needs an \
             `allocation_id` (Elastic IP) in every `zone_mapping`.",
        ))
        .attr(opt_computed_str(
            "edition",
            "Edition: `Basic`, `Standard` (default) or `StandardWithWaf` (AlbConfig `edition`). \
             `Basic` → `Standard`, `Basic` → `StandardWithWaf` and `StandardWithWaf` → `Standard` \
             change in place (`UpdateLoadBalancerEdition`); the API refuses the others (back to \
             `Basic`, `Standard` → `StandardWithWaf`), so they force a new load balancer and the \
             plan warns why.",
        ))
        .attr(opt_computed_str(
            "address_ip_version",
            "IP version: `IPv4` (default) or `DualStack` (AlbConfig `addressIpVersion`). Changing \
             this forces a new load balancer.",
        ))
        .attr(opt_computed_str(
            "address_allocated_mode",
            "Address mode: `Dynamic` (default) or `Fixed` (AlbConfig `addressAllocatedMode`). \
             Changing this forces a new load balancer.",
        ))
        .attr(opt_computed_str(
            "resource_group_id",
            "Resource group of the load balancer (AlbConfig `resourceGroupId`); default: the \
             account's default resource group. Changed in place (`MoveResourceGroup`); unset \
             leaves the load balancer in its current group.",
        ))
        .attr(opt_str(
            "bandwidth_package_id",
            "Internet Shared Bandwidth package to attach (AlbConfig `billingConfig.bandWidthPackageId`); \
             it cannot be detached. Changing this forces a new load balancer.",
        ))
        .attr(opt_computed_bool(
            "deletion_protection",
            "Deletion protection (default `false`). While `true`, destroying the load balancer fails \
             with a clear error: set it to `false` and apply first.",
        ))
        .attr(
            tfplugin::schema::Attribute::optional("tags", Type::map(Type::String)).describe(
                "User tags on the load balancer (AlbConfig `tags`). The ownership tags the provider \
                 adds are never shown here. Keys and values up to 128 characters; keys must not \
                 start with `acs:` or `aliyun`, and neither may contain `http://` or `https://`. \
                 Reserved keys: the `alb.terraform/` prefix, `ack.aliyun.com` and \
                 `ingress.k8s.alibaba/`.",
            ),
        )
        .attr(opt_str(
            "adopt",
            "Take over what another controller made on this load balancer: `ack` (ACK's ALB \
             Ingress controller). With `terraform import` of the load balancer, the next apply \
             re-tags it, the listeners this configuration declares and their default server \
             groups as this provider's (ACK's tags removed), and every `alb_ingress` on it adopts \
             ACK's server groups of the same Ingress (re-tagged, ids and members kept) and \
             replaces ACK's rules with the same conditions (new rules first, the old ones \
             deleted after, so no request goes unrouted). ACK objects nothing matches are left \
             alone and listed in a plan warning. Stop ACK's controller for the AlbConfig first \
             (see the guide \"Migrating from ACK\"). Unset: nothing foreign is taken over.",
        ))
        .attr(computed_str("dns_name", "DNS name of the load balancer."))
        .attr(computed_str(
            "status",
            "Status of the load balancer (`Active`, `Provisioning`, `Configuring`, …).",
        ))
        .block(NestedBlock::list("zone_mapping", zone_mapping()).max(10))
        .block(NestedBlock::single("access_log", access_log()))
        .block(NestedBlock::map("listener", listener()))
        .block(timeouts::block("30m"))
}

fn zone_mapping() -> Block {
    Block::new()
        .describe(
            "A zone and vSwitch the load balancer serves from (AlbConfig `zoneMappings`): at least 2, \
             in different zones, at most 10. Zone mappings compare as a set by zone (their order \
             does not matter); adding, removing or changing one is an in-place update \
             (`UpdateLoadBalancerZones`).",
        )
        .attr(req_str("zone_id", "Zone id, e.g. `cn-hangzhou-h`."))
        .attr(req_str(
            "vswitch_id",
            "vSwitch in that zone, in the load balancer's VPC.",
        ))
        .attr(opt_str(
            "allocation_id",
            "Elastic IP to use for an Internet load balancer in this zone (`allocationId`).",
        ))
        .attr(opt_str("eip_type", "Elastic IP type: `Common` or `Anycast`."))
        .attr(opt_str(
            "intranet_address",
            "Fixed private IPv4 address in this zone's vSwitch (with `address_allocated_mode = \"Fixed\"`).",
        ))
}

fn access_log() -> Block {
    Block::new()
        .describe(
            "Access logs to Simple Log Service (AlbConfig `accessLogConfig`). Omit to disable.",
        )
        .attr(req_str("project", "SLS project (`logProject`)."))
        .attr(req_str(
            "logstore",
            "SLS logstore (`logStore`); by convention its name starts with `alb_`.",
        ))
}

fn listener() -> Block {
    Block::new()
        .describe(
            "A listener (AlbConfig `spec.listeners[]`), labelled by its identity `PROTOCOL:port`: \
             `listener \"HTTPS:443\" { … }` with `HTTP`, `HTTPS` or `QUIC` and a port 1–65535. \
             Listeners are keyed by that label, so adding or removing one plans exactly that \
             listener and leaves the others unchanged. HTTP and HTTPS cannot share a port (HTTPS \
             and QUIC can). Each gets a default forward action to an empty placeholder server \
             group; `alb_ingress` rules are added to it. 1–50 listeners.",
        )
        .attr(opt_str(
            "description",
            "Listener description, 2–256 characters. Default `ingress-auto-listener-<port>`.",
        ))
        .attr(opt_str_list(
            "certificate_ids",
            "Certificate ids (Certificate Management Service, e.g. `123456-cn-hangzhou`). Required \
             (at least one) for `HTTPS` and `QUIC`, not allowed for `HTTP`. The first is the default \
             certificate, the others are additional certificates (AlbConfig `certificates`).",
        ))
        .attr(opt_str_list(
            "ca_certificate_ids",
            "CA certificate id enabling mutual TLS (AlbConfig `caCertificates`). At most one; `HTTPS` only.",
        ))
        .attr(opt_str(
            "security_policy_id",
            "TLS security policy (AlbConfig `securityPolicyId`). `HTTPS` and `QUIC` only; default \
             `tls_cipher_policy_1_0`.",
        ))
        .attr(opt_num(
            "idle_timeout",
            "Idle connection timeout in seconds, 1–600. Default 15 (AlbConfig `idleTimeout`).",
        ))
        .attr(opt_num(
            "request_timeout",
            "Request timeout in seconds, 1–600. Default 60 (AlbConfig `requestTimeout`).",
        ))
        .attr(opt_bool(
            "http2",
            "HTTP/2 (AlbConfig `http2Enabled`). `HTTPS` only; default `true`.",
        ))
        .attr(opt_bool(
            "gzip",
            "Gzip compression (AlbConfig `gzipEnabled`). Default `true`.",
        ))
        .attr(computed_str("id", "Listener id (`lsn-…`)."))
        .attr(computed_str(
            "default_server_group_id",
            "Id of the placeholder server group the listener's default action forwards to.",
        ))
        .block(NestedBlock::single("x_forwarded_for", x_forwarded_for()))
        .block(NestedBlock::single("acl", acl()))
        .block(NestedBlock::single("quic", quic()))
}

fn x_forwarded_for() -> Block {
    Block::new()
        .describe(
            "`X-Forwarded-*` headers added to requests (AlbConfig `xForwardedForConfig`). Unset flags \
             keep the API defaults.",
        )
        .attr(opt_bool(
            "client_ip",
            "`X-Forwarded-For` with the client IP. Default `true`.",
        ))
        .attr(opt_bool("proto", "`X-Forwarded-Proto` with the listener protocol."))
        .attr(opt_bool("slb_id", "`SLB-ID` with the load balancer id."))
        .attr(opt_bool("slb_port", "`X-Forwarded-Port` with the listener port."))
        .attr(opt_bool(
            "client_src_port",
            "`X-Forwarded-Client-srcport` with the client source port.",
        ))
        .attr(opt_bool("host", "`X-Forwarded-Host` with the requested host."))
        .attr(opt_bool(
            "client_source_ips_enabled",
            "Take the client IP from `X-Forwarded-For` when the request comes from a trusted proxy \
             (see `client_source_ips_trusted`).",
        ))
        .attr(opt_str(
            "client_source_ips_trusted",
            "Trusted proxy addresses or CIDRs for `client_source_ips_enabled`, comma separated.",
        ))
        .attr(opt_bool(
            "client_cert_subject_dn",
            "`X-Forwarded-Clientcert-subjectdn` with the client certificate subject. `HTTPS` only.",
        ))
        .attr(opt_bool(
            "client_cert_issuer_dn",
            "`X-Forwarded-Clientcert-issuerdn` with the client certificate issuer. `HTTPS` only.",
        ))
        .attr(opt_bool(
            "client_cert_fingerprint",
            "`X-Forwarded-Clientcert-fingerprint` with the client certificate fingerprint. `HTTPS` only.",
        ))
        .attr(opt_bool(
            "client_cert_client_verify",
            "`X-Forwarded-Clientcert-clientverify` with the client certificate verification result. \
             `HTTPS` only.",
        ))
}

fn acl() -> Block {
    Block::new()
        .describe(
            "Access control list of the listener (AlbConfig `aclConfig`): either `entries` (the \
             provider manages an ACL with these CIDRs) or `acl_ids` (existing ACLs), not both.",
        )
        .attr(req_str(
            "type",
            "`White` (only the listed sources may connect) or `Black` (the listed sources are rejected).",
        ))
        .attr(opt_str_list(
            "entries",
            "Source IPv4 CIDRs or addresses (AlbConfig `aclEntries`), kept in an IPv4 ACL the provider manages: at most 300 on `Basic`, 500 otherwise.",
        ))
        .attr(opt_str_list(
            "acl_ids",
            "Existing ACL ids (AlbConfig `aclIds`), at most 3.",
        ))
}

fn quic() -> Block {
    Block::new()
        .describe("QUIC upgrade of an `HTTPS` listener (AlbConfig `quicConfig`).")
        .attr(opt_bool(
            "upgrade_enabled",
            "Advertise the QUIC listener to clients (`quicUpgradeEnabled`).",
        ))
        .attr(opt_str(
            "listener_id",
            "Id of the QUIC listener to upgrade to (`quicListenerId`).",
        ))
}

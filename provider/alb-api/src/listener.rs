//! Listeners and their certificates: types and actions.

use serde::{Deserialize, Serialize};

use crate::common::{list_action, read_actions, write_actions, CertificateRef, JobResponse, Tag};
use crate::rule::ForwardGroupConfig;

/// A listener default action (`DefaultActions.N`); only `ForwardGroup` is documented.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DefaultAction {
    /// `ForwardGroup`.
    pub r#type: String,
    /// Target server groups.
    pub forward_group_config: Option<ForwardGroupConfig>,
}

impl DefaultAction {
    /// Forward everything to one server group.
    pub fn forward_to(server_group_id: impl Into<String>) -> Self {
        DefaultAction {
            r#type: "ForwardGroup".into(),
            forward_group_config: Some(ForwardGroupConfig::single(server_group_id)),
        }
    }
}

/// `QuicConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct QuicConfig {
    /// Upgrade to QUIC.
    pub quic_upgrade_enabled: Option<bool>,
    /// The QUIC listener to upgrade to.
    pub quic_listener_id: Option<String>,
}

/// `XForwardedForConfig`: which `X-Forwarded-*` headers the load balancer adds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct XForwardedForConfig {
    /// `X-Forwarded-For`.
    #[serde(rename = "XForwardedForEnabled")]
    pub enabled: Option<bool>,
    /// `X-Forwarded-Proto`.
    #[serde(rename = "XForwardedForProtoEnabled")]
    pub proto_enabled: Option<bool>,
    /// `SLB-ID`.
    #[serde(rename = "XForwardedForSLBIdEnabled")]
    pub slb_id_enabled: Option<bool>,
    /// `X-Forwarded-Port`.
    #[serde(rename = "XForwardedForSLBPortEnabled")]
    pub slb_port_enabled: Option<bool>,
    /// `X-Forwarded-Client-srcport`.
    #[serde(rename = "XForwardedForClientSrcPortEnabled")]
    pub client_src_port_enabled: Option<bool>,
    /// `X-Forwarded-Host`.
    #[serde(rename = "XForwardedForHostEnabled")]
    pub host_enabled: Option<bool>,
    /// `append` or `remove`.
    #[serde(rename = "XForwardedForProcessingMode")]
    pub processing_mode: Option<String>,
    /// Take the client IP from trusted addresses.
    #[serde(rename = "XForwardedForClientSourceIpsEnabled")]
    pub client_source_ips_enabled: Option<bool>,
    /// Trusted proxy addresses.
    #[serde(rename = "XForwardedForClientSourceIpsTrusted")]
    pub client_source_ips_trusted: Option<String>,
    /// Client certificate subject DN header.
    #[serde(rename = "XForwardedForClientCertSubjectDNEnabled")]
    pub client_cert_subject_dn_enabled: Option<bool>,
    /// Its header name.
    #[serde(rename = "XForwardedForClientCertSubjectDNAlias")]
    pub client_cert_subject_dn_alias: Option<String>,
    /// Client certificate issuer DN header.
    #[serde(rename = "XForwardedForClientCertIssuerDNEnabled")]
    pub client_cert_issuer_dn_enabled: Option<bool>,
    /// Its header name.
    #[serde(rename = "XForwardedForClientCertIssuerDNAlias")]
    pub client_cert_issuer_dn_alias: Option<String>,
    /// Client certificate fingerprint header.
    #[serde(rename = "XForwardedForClientCertFingerprintEnabled")]
    pub client_cert_fingerprint_enabled: Option<bool>,
    /// Its header name.
    #[serde(rename = "XForwardedForClientCertFingerprintAlias")]
    pub client_cert_fingerprint_alias: Option<String>,
    /// Client certificate verification result header.
    #[serde(rename = "XForwardedForClientCertClientVerifyEnabled")]
    pub client_cert_client_verify_enabled: Option<bool>,
    /// Its header name.
    #[serde(rename = "XForwardedForClientCertClientVerifyAlias")]
    pub client_cert_client_verify_alias: Option<String>,
}

/// A certificate attached to a listener, as returned by `GetListenerAttribute`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListenerCertificate {
    /// Certificate id.
    pub certificate_id: String,
    /// `Ca` or `Server` (ListListenerCertificates only).
    pub certificate_type: Option<String>,
    /// Whether this is the default certificate.
    pub is_default: Option<bool>,
    /// `Associating`, `Associated`, `Dissociating`, `Dissociated`.
    pub status: Option<String>,
}

/// An ACL bound to a listener.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclRelation {
    /// ACL id.
    pub acl_id: String,
    /// Binding status.
    pub status: Option<String>,
}

/// `AclConfig` of a listener (response).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclConfig {
    /// `White` or `Black`.
    pub acl_type: Option<String>,
    /// Bound ACLs.
    pub acl_relations: Vec<AclRelation>,
}

/// `AccessLogTracingConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AccessLogTracingConfig {
    /// Tracing on.
    pub tracing_enabled: Option<bool>,
    /// Sampling (1–10000).
    pub tracing_sample: Option<i64>,
    /// `Zipkin`.
    pub tracing_type: Option<String>,
}

/// `LogConfig` of a listener (response).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LogConfig {
    /// Custom headers in access logs.
    pub access_log_record_customized_headers_enabled: Option<bool>,
    /// Tracing.
    pub access_log_tracing_config: Option<AccessLogTracingConfig>,
}

/// A listener as returned by `GetListenerAttribute` and `ListListeners`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Listener {
    /// Id (`lsn-…`).
    pub listener_id: String,
    /// Owning load balancer.
    pub load_balancer_id: String,
    /// `HTTP`, `HTTPS`, `QUIC`.
    pub listener_protocol: String,
    /// Port.
    pub listener_port: i64,
    /// `Provisioning`, `Running`, `Configuring`, `Stopped`, `Deleting`.
    pub listener_status: String,
    /// Description.
    pub listener_description: Option<String>,
    /// Default actions.
    pub default_actions: Vec<DefaultAction>,
    /// Idle timeout (s).
    pub idle_timeout: Option<i64>,
    /// Request timeout (s).
    pub request_timeout: Option<i64>,
    /// Gzip.
    pub gzip_enabled: Option<bool>,
    /// HTTP/2.
    pub http2_enabled: Option<bool>,
    /// TLS policy.
    pub security_policy_id: Option<String>,
    /// Default server certificate (Get only).
    pub certificates: Vec<ListenerCertificate>,
    /// CA certificates (Get only).
    pub ca_certificates: Vec<ListenerCertificate>,
    /// Mutual TLS (Get only).
    pub ca_enabled: Option<bool>,
    /// ACLs (Get only).
    pub acl_config: Option<AclConfig>,
    /// Logging.
    pub log_config: Option<LogConfig>,
    /// QUIC upgrade.
    pub quic_config: Option<QuicConfig>,
    /// X-Forwarded-* headers.
    pub x_forwarded_for_config: Option<XForwardedForConfig>,
    /// Tags.
    pub tags: Vec<Tag>,
}

/// `CreateListener` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateListenerRequest {
    /// Load balancer id (required).
    pub load_balancer_id: String,
    /// `HTTP`, `HTTPS` or `QUIC` (required).
    pub listener_protocol: String,
    /// Port 1–65535 (required).
    pub listener_port: i64,
    /// Default actions (required).
    pub default_actions: Vec<DefaultAction>,
    /// Description.
    pub listener_description: Option<String>,
    /// Idle timeout (s).
    pub idle_timeout: Option<i64>,
    /// Request timeout (s).
    pub request_timeout: Option<i64>,
    /// Gzip.
    pub gzip_enabled: Option<bool>,
    /// HTTP/2 (HTTPS).
    pub http2_enabled: Option<bool>,
    /// TLS policy (HTTPS).
    pub security_policy_id: Option<String>,
    /// Default server certificate (HTTPS/QUIC).
    pub certificates: Vec<CertificateRef>,
    /// Mutual TLS.
    pub ca_enabled: Option<bool>,
    /// CA certificate (one).
    pub ca_certificates: Vec<CertificateRef>,
    /// QUIC upgrade.
    pub quic_config: Option<QuicConfig>,
    /// X-Forwarded-* headers.
    pub x_forwarded_for_config: Option<XForwardedForConfig>,
    /// Tags.
    pub tag: Vec<Tag>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `CreateListener` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateListenerResponse {
    /// Request id.
    pub request_id: String,
    /// New listener id.
    pub listener_id: String,
    /// Async job.
    pub job_id: Option<String>,
}

/// A request naming one listener (`GetListenerAttribute`, `DeleteListener`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListenerIdRequest {
    /// Listener id.
    pub listener_id: String,
    /// Validate only (ignored by reads).
    pub dry_run: Option<bool>,
}

impl ListenerIdRequest {
    /// A request for listener `id`.
    pub fn new(id: impl Into<String>) -> Self {
        ListenerIdRequest {
            listener_id: id.into(),
            dry_run: None,
        }
    }
}

/// `GetListenerAttribute` response: the listener plus `RequestId`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct GetListenerAttributeResponse {
    /// Request id.
    #[serde(rename = "RequestId")]
    pub request_id: String,
    /// The listener.
    #[serde(flatten)]
    pub listener: Listener,
}

/// `ListListeners` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListListenersRequest {
    /// Filter by ids (≤20).
    pub listener_ids: Vec<String>,
    /// Filter by load balancers (≤20).
    pub load_balancer_ids: Vec<String>,
    /// Filter by protocol.
    pub listener_protocol: Option<String>,
    /// Filter by tags.
    pub tag: Vec<Tag>,
    /// Page size.
    pub max_results: Option<i32>,
    /// Page token.
    pub next_token: Option<String>,
}

/// `ListListeners` response page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListListenersResponse {
    /// Request id.
    pub request_id: String,
    /// Listeners of this page.
    pub listeners: Vec<Listener>,
    /// Next page token.
    pub next_token: Option<String>,
    /// Total count.
    pub total_count: Option<i64>,
}

list_action!(
    "ListListeners",
    ListListenersRequest,
    ListListenersResponse,
    listeners,
    Listener
);

/// `UpdateListenerAttribute` request; unset fields are left unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateListenerAttributeRequest {
    /// Listener id (required).
    pub listener_id: String,
    /// Description.
    pub listener_description: Option<String>,
    /// Idle timeout (s).
    pub idle_timeout: Option<i64>,
    /// Request timeout (s).
    pub request_timeout: Option<i64>,
    /// Gzip.
    pub gzip_enabled: Option<bool>,
    /// HTTP/2.
    pub http2_enabled: Option<bool>,
    /// TLS policy.
    pub security_policy_id: Option<String>,
    /// Replaces the default certificate.
    pub certificates: Vec<CertificateRef>,
    /// Mutual TLS.
    pub ca_enabled: Option<bool>,
    /// CA certificate.
    pub ca_certificates: Vec<CertificateRef>,
    /// Default actions (empty = unchanged).
    pub default_actions: Vec<DefaultAction>,
    /// QUIC upgrade.
    pub quic_config: Option<QuicConfig>,
    /// X-Forwarded-* headers.
    pub x_forwarded_for_config: Option<XForwardedForConfig>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `AssociateAdditionalCertificatesWithListener` / `DissociateAdditionalCertificatesFromListener`
/// request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListenerCertificatesRequest {
    /// Listener id (HTTPS/QUIC).
    pub listener_id: String,
    /// Server certificates.
    pub certificates: Vec<CertificateRef>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `ListListenerCertificates` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListListenerCertificatesRequest {
    /// Listener id (required).
    pub listener_id: String,
    /// `Ca` or `Server`.
    pub certificate_type: Option<String>,
    /// Filter by ids.
    pub certificate_ids: Vec<String>,
    /// Page size.
    pub max_results: Option<i32>,
    /// Page token.
    pub next_token: Option<String>,
}

/// `ListListenerCertificates` response page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListListenerCertificatesResponse {
    /// Request id.
    pub request_id: String,
    /// Certificates of this page.
    pub certificates: Vec<ListenerCertificate>,
    /// Next page token.
    pub next_token: Option<String>,
    /// Total count.
    pub total_count: Option<i64>,
}

list_action!(
    "ListListenerCertificates",
    ListListenerCertificatesRequest,
    ListListenerCertificatesResponse,
    certificates,
    ListenerCertificate
);

read_actions! {
    /// `GetListenerAttribute`: full attributes of one listener.
    get_listener_attribute => "GetListenerAttribute", ListenerIdRequest, GetListenerAttributeResponse;
    /// `ListListeners`: one page.
    list_listeners => "ListListeners", ListListenersRequest, ListListenersResponse;
    /// `ListListenerCertificates`: one page.
    list_listener_certificates => "ListListenerCertificates", ListListenerCertificatesRequest, ListListenerCertificatesResponse;
}

write_actions! {
    /// `CreateListener` (async job).
    create_listener => "CreateListener", CreateListenerRequest, CreateListenerResponse;
    /// `UpdateListenerAttribute` (async job).
    update_listener_attribute => "UpdateListenerAttribute", UpdateListenerAttributeRequest, JobResponse;
    /// `DeleteListener` (async job; its rules go with it).
    delete_listener => "DeleteListener", ListenerIdRequest, JobResponse;
    /// `AssociateAdditionalCertificatesWithListener` (async job).
    associate_additional_certificates_with_listener => "AssociateAdditionalCertificatesWithListener", ListenerCertificatesRequest, JobResponse;
    /// `DissociateAdditionalCertificatesFromListener` (async job).
    dissociate_additional_certificates_from_listener => "DissociateAdditionalCertificatesFromListener", ListenerCertificatesRequest, JobResponse;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::flatten;

    #[test]
    fn create_listener_flattens() {
        let req = CreateListenerRequest {
            load_balancer_id: "alb-1".into(),
            listener_protocol: "HTTPS".into(),
            listener_port: 443,
            default_actions: vec![DefaultAction::forward_to("sgp-1")],
            certificates: vec![CertificateRef::new("cert-1")],
            x_forwarded_for_config: Some(XForwardedForConfig {
                enabled: Some(true),
                slb_id_enabled: Some(true),
                client_cert_subject_dn_alias: Some("x-dn".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let p = flatten(&req).unwrap_or_default();
        let expected: Vec<(String, String)> = [
            ("LoadBalancerId", "alb-1"),
            ("ListenerProtocol", "HTTPS"),
            ("ListenerPort", "443"),
            ("DefaultActions.1.Type", "ForwardGroup"),
            (
                "DefaultActions.1.ForwardGroupConfig.ServerGroupTuples.1.ServerGroupId",
                "sgp-1",
            ),
            ("Certificates.1.CertificateId", "cert-1"),
            ("XForwardedForConfig.XForwardedForEnabled", "true"),
            ("XForwardedForConfig.XForwardedForSLBIdEnabled", "true"),
            (
                "XForwardedForConfig.XForwardedForClientCertSubjectDNAlias",
                "x-dn",
            ),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(p, expected);
    }

    #[test]
    fn listener_decodes() {
        let v = serde_json::json!({
            "RequestId": "R",
            "ListenerId": "lsn-1",
            "ListenerPort": 80,
            "ListenerStatus": "Running",
            "DefaultActions": [{"Type": "ForwardGroup", "ForwardGroupConfig": {"ServerGroupTuples": [{"ServerGroupId": "sgp-1"}]}}],
            "XForwardedForConfig": {"XForwardedForEnabled": true},
            "Certificates": [{"CertificateId": "c"}]
        });
        let r: GetListenerAttributeResponse =
            crate::client::decode("GetListenerAttribute", v).unwrap_or_default();
        assert_eq!(r.listener.listener_status, "Running");
        assert_eq!(
            r.listener.default_actions[0],
            DefaultAction::forward_to("sgp-1")
        );
        assert_eq!(
            r.listener.x_forwarded_for_config.and_then(|x| x.enabled),
            Some(true)
        );
    }
}

//! Load balancer instances: types and actions.

use serde::{Deserialize, Serialize};

use crate::common::{
    list_action, read_actions, write_actions, JobResponse, RequestIdResponse, Tag,
};

/// `LoadBalancerBillingConfig` of a create request / attribute response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct BillingConfig {
    /// `PostPay` (the only documented value).
    pub pay_type: Option<String>,
    /// Shared bandwidth package id.
    pub bandwidth_package_id: Option<String>,
}

/// A zone and vSwitch the load balancer is deployed in (`ZoneMappings.N`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ZoneMapping {
    /// Zone id.
    pub zone_id: String,
    /// vSwitch id.
    pub v_switch_id: String,
    /// EIP allocation id (Internet).
    pub allocation_id: Option<String>,
    /// `Common` or `Anycast`.
    pub eip_type: Option<String>,
    /// Fixed private address.
    pub intranet_address: Option<String>,
    /// Zone status (response only).
    #[serde(skip_serializing)]
    pub status: Option<String>,
    /// Addresses in the zone (response only).
    #[serde(skip_serializing)]
    pub load_balancer_addresses: Vec<LoadBalancerAddress>,
}

/// An address of the load balancer in one zone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LoadBalancerAddress {
    /// Public or private IPv4 address.
    pub address: Option<String>,
    /// EIP allocation id.
    pub allocation_id: Option<String>,
    /// EIP type.
    pub eip_type: Option<String>,
    /// Private address.
    pub intranet_address: Option<String>,
    /// Health of the private address.
    pub intranet_address_hc_status: Option<String>,
    /// IPv6 address.
    pub ipv6_address: Option<String>,
    /// Health of the IPv6 address.
    pub ipv6_address_hc_status: Option<String>,
    /// Local IPv4 addresses.
    pub ipv4_local_addresses: Vec<String>,
    /// Local IPv6 addresses.
    pub ipv6_local_addresses: Vec<String>,
}

/// `ModificationProtectionConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModificationProtectionConfig {
    /// `NonProtection` or `ConsoleProtection`.
    pub status: Option<String>,
    /// Reason text.
    pub reason: Option<String>,
}

/// `AccessLogConfig` (response).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AccessLogConfig {
    /// SLS project.
    pub log_project: Option<String>,
    /// SLS logstore.
    pub log_store: Option<String>,
}

/// `DeletionProtectionConfig` (response).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeletionProtectionConfig {
    /// Whether deletion protection is on.
    pub enabled: bool,
    /// When it was turned on.
    pub enabled_time: Option<String>,
}

/// A lock on the instance (`LoadBalancerOperationLocks`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct OperationLock {
    /// `SecurityLocked`, `RelatedResourceLocked`, `FinancialLocked`, `ResidualLocked`.
    pub lock_type: String,
    /// Why.
    pub lock_reason: Option<String>,
}

/// A load balancer as returned by `GetLoadBalancerAttribute` and `ListLoadBalancers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LoadBalancer {
    /// Id (`alb-…`).
    pub load_balancer_id: String,
    /// Name.
    pub load_balancer_name: Option<String>,
    /// `Provisioning`, `Active`, `Configuring`, `Inactive`, `CreateFailed`, `Deleting`.
    pub load_balancer_status: String,
    /// `Normal` or `Abnormal` (the API's spelling).
    pub load_balancer_bussiness_status: Option<String>,
    /// `Basic`, `Standard`, `StandardWithWaf`.
    pub load_balancer_edition: Option<String>,
    /// `Internet` or `Intranet`.
    pub address_type: Option<String>,
    /// `IPv4` or `DualStack`.
    pub address_ip_version: Option<String>,
    /// `Fixed` or `Dynamic`.
    pub address_allocated_mode: Option<String>,
    /// IPv6 address type.
    pub ipv6_address_type: Option<String>,
    /// DNS name.
    #[serde(rename = "DNSName")]
    pub dns_name: Option<String>,
    /// VPC id.
    pub vpc_id: Option<String>,
    /// Region (Get only).
    pub region_id: Option<String>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Bandwidth package.
    pub bandwidth_package_id: Option<String>,
    /// Creation time (ISO 8601).
    pub create_time: Option<String>,
    /// Billing.
    pub load_balancer_billing_config: Option<BillingConfig>,
    /// Deletion protection.
    pub deletion_protection_config: Option<DeletionProtectionConfig>,
    /// Modification protection.
    pub modification_protection_config: Option<ModificationProtectionConfig>,
    /// Access log.
    pub access_log_config: Option<AccessLogConfig>,
    /// Locks.
    pub load_balancer_operation_locks: Vec<OperationLock>,
    /// Security groups.
    pub security_group_ids: Vec<String>,
    /// Zones (Get only).
    pub zone_mappings: Vec<ZoneMapping>,
    /// Tags.
    pub tags: Vec<Tag>,
}

/// `CreateLoadBalancer` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateLoadBalancerRequest {
    /// VPC id (required).
    pub vpc_id: String,
    /// `Internet` or `Intranet` (required).
    pub address_type: String,
    /// `Basic`, `Standard` or `StandardWithWaf` (required).
    pub load_balancer_edition: String,
    /// Billing (required; `PayType=PostPay`).
    pub load_balancer_billing_config: BillingConfig,
    /// Zones (required).
    pub zone_mappings: Vec<ZoneMapping>,
    /// Name.
    pub load_balancer_name: Option<String>,
    /// `IPv4` or `DualStack`.
    pub address_ip_version: Option<String>,
    /// `Fixed` or `Dynamic`.
    pub address_allocated_mode: Option<String>,
    /// Deletion protection at creation.
    pub deletion_protection_enabled: Option<bool>,
    /// Modification protection.
    pub modification_protection_config: Option<ModificationProtectionConfig>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Tags (`Tag.N.Key/Value`).
    pub tag: Vec<Tag>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `CreateLoadBalancer` response (no job: poll the status until `Active`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateLoadBalancerResponse {
    /// Request id.
    pub request_id: String,
    /// The new load balancer's id.
    pub load_balancer_id: String,
}

/// A request naming one load balancer (`GetLoadBalancerAttribute`, `DeleteLoadBalancer`,
/// `DisableLoadBalancerAccessLog`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoadBalancerIdRequest {
    /// Load balancer id.
    pub load_balancer_id: String,
    /// Validate only (ignored by `GetLoadBalancerAttribute`).
    pub dry_run: Option<bool>,
}

impl LoadBalancerIdRequest {
    /// A request for load balancer `id`.
    pub fn new(id: impl Into<String>) -> Self {
        LoadBalancerIdRequest {
            load_balancer_id: id.into(),
            dry_run: None,
        }
    }
}

/// `GetLoadBalancerAttribute` response: the load balancer plus `RequestId`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct GetLoadBalancerAttributeResponse {
    /// Request id.
    #[serde(rename = "RequestId")]
    pub request_id: String,
    /// The load balancer.
    #[serde(flatten)]
    pub load_balancer: LoadBalancer,
}

/// `ListLoadBalancers` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListLoadBalancersRequest {
    /// Filter by ids (≤20).
    pub load_balancer_ids: Vec<String>,
    /// Filter by names (≤10).
    pub load_balancer_names: Vec<String>,
    /// Filter by VPCs (≤10).
    pub vpc_ids: Vec<String>,
    /// Filter by address type.
    pub address_type: Option<String>,
    /// Filter by status.
    pub load_balancer_status: Option<String>,
    /// Filter by zone.
    pub zone_id: Option<String>,
    /// Filter by resource group.
    pub resource_group_id: Option<String>,
    /// Filter by tags.
    pub tag: Vec<Tag>,
    /// Page size (1–100).
    pub max_results: Option<i32>,
    /// Page token.
    pub next_token: Option<String>,
}

/// `ListLoadBalancers` response page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListLoadBalancersResponse {
    /// Request id.
    pub request_id: String,
    /// Load balancers of this page.
    pub load_balancers: Vec<LoadBalancer>,
    /// Next page token.
    pub next_token: Option<String>,
    /// Total count.
    pub total_count: Option<i64>,
}

list_action!(
    "ListLoadBalancers",
    ListLoadBalancersRequest,
    ListLoadBalancersResponse,
    load_balancers,
    LoadBalancer
);

/// `UpdateLoadBalancerAttribute` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateLoadBalancerAttributeRequest {
    /// Load balancer id.
    pub load_balancer_id: String,
    /// New name.
    pub load_balancer_name: Option<String>,
    /// New modification protection.
    pub modification_protection_config: Option<ModificationProtectionConfig>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `EnableDeletionProtection` / `DisableDeletionProtection` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeletionProtectionRequest {
    /// The load balancer id.
    pub resource_id: String,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `EnableLoadBalancerAccessLog` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnableAccessLogRequest {
    /// Load balancer id.
    pub load_balancer_id: String,
    /// SLS project.
    pub log_project: String,
    /// SLS logstore.
    pub log_store: String,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `UpdateLoadBalancerEdition` request. The API upgrades `Basic` to `Standard` or
/// `StandardWithWaf` and changes `StandardWithWaf` to `Standard`; nothing goes back to `Basic`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateLoadBalancerEditionRequest {
    /// Load balancer id.
    pub load_balancer_id: String,
    /// `Basic`, `Standard` or `StandardWithWaf`.
    pub load_balancer_edition: String,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `UpdateLoadBalancerZones` request: the complete new set of zones (2–10).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateLoadBalancerZonesRequest {
    /// Load balancer id.
    pub load_balancer_id: String,
    /// Every zone the load balancer serves from after the change.
    pub zone_mappings: Vec<ZoneMapping>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `UpdateLoadBalancerAddressTypeConfig` request. Going from `Intranet` to `Internet` takes an
/// Elastic IP per zone (`ZoneMappings.N.AllocationId`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateAddressTypeRequest {
    /// Load balancer id.
    pub load_balancer_id: String,
    /// `Internet` or `Intranet`.
    pub address_type: String,
    /// The zones with their Elastic IPs (at least two when given).
    pub zone_mappings: Vec<ZoneMapping>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `MoveResourceGroup` request (synchronous).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MoveResourceGroupRequest {
    /// The resource id.
    pub resource_id: String,
    /// `loadbalancer`, `acl`, `securitypolicy` or `servergroup`.
    pub resource_type: String,
    /// Target resource group (`rg-…`).
    pub new_resource_group_id: String,
}

read_actions! {
    /// `GetLoadBalancerAttribute`: full attributes of one load balancer.
    get_load_balancer_attribute => "GetLoadBalancerAttribute", LoadBalancerIdRequest, GetLoadBalancerAttributeResponse;
    /// `ListLoadBalancers`: one page (see [`crate::Client::list_all`]).
    list_load_balancers => "ListLoadBalancers", ListLoadBalancersRequest, ListLoadBalancersResponse;
}

write_actions! {
    /// `CreateLoadBalancer` (no job; wait with `wait_load_balancer_active`).
    create_load_balancer => "CreateLoadBalancer", CreateLoadBalancerRequest, CreateLoadBalancerResponse;
    /// `UpdateLoadBalancerAttribute` (async job).
    update_load_balancer_attribute => "UpdateLoadBalancerAttribute", UpdateLoadBalancerAttributeRequest, JobResponse;
    /// `EnableDeletionProtection` (synchronous).
    enable_deletion_protection => "EnableDeletionProtection", DeletionProtectionRequest, RequestIdResponse;
    /// `DisableDeletionProtection` (synchronous).
    disable_deletion_protection => "DisableDeletionProtection", DeletionProtectionRequest, RequestIdResponse;
    /// `EnableLoadBalancerAccessLog` (async job).
    enable_load_balancer_access_log => "EnableLoadBalancerAccessLog", EnableAccessLogRequest, JobResponse;
    /// `DisableLoadBalancerAccessLog` (synchronous per the SDK; a `JobId` is used if present).
    disable_load_balancer_access_log => "DisableLoadBalancerAccessLog", LoadBalancerIdRequest, JobResponse;
    /// `UpdateLoadBalancerEdition` (no job: the load balancer is `Configuring` until done).
    update_load_balancer_edition => "UpdateLoadBalancerEdition", UpdateLoadBalancerEditionRequest, RequestIdResponse;
    /// `UpdateLoadBalancerZones` (async job).
    update_load_balancer_zones => "UpdateLoadBalancerZones", UpdateLoadBalancerZonesRequest, JobResponse;
    /// `UpdateLoadBalancerAddressTypeConfig` (async job).
    update_load_balancer_address_type => "UpdateLoadBalancerAddressTypeConfig", UpdateAddressTypeRequest, JobResponse;
    /// `MoveResourceGroup` (synchronous).
    move_resource_group => "MoveResourceGroup", MoveResourceGroupRequest, RequestIdResponse;
    /// `DeleteLoadBalancer` (async job; `ResourceNotFound` means already gone).
    delete_load_balancer => "DeleteLoadBalancer", LoadBalancerIdRequest, JobResponse;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::flatten;

    #[test]
    fn create_request_flattens() {
        let req = CreateLoadBalancerRequest {
            vpc_id: "vpc-1".into(),
            address_type: "Internet".into(),
            load_balancer_edition: "Standard".into(),
            load_balancer_billing_config: BillingConfig {
                pay_type: Some("PostPay".into()),
                bandwidth_package_id: None,
            },
            zone_mappings: vec![
                ZoneMapping {
                    zone_id: "cn-hangzhou-h".into(),
                    v_switch_id: "vsw-1".into(),
                    ..Default::default()
                },
                ZoneMapping {
                    zone_id: "cn-hangzhou-i".into(),
                    v_switch_id: "vsw-2".into(),
                    ..Default::default()
                },
            ],
            load_balancer_name: Some("lb".into()),
            deletion_protection_enabled: Some(false),
            tag: vec![Tag::new("owner", "tf")],
            ..Default::default()
        };
        let p = flatten(&req).unwrap_or_default();
        let keys: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "VpcId",
                "AddressType",
                "LoadBalancerEdition",
                "LoadBalancerBillingConfig.PayType",
                "ZoneMappings.1.ZoneId",
                "ZoneMappings.1.VSwitchId",
                "ZoneMappings.2.ZoneId",
                "ZoneMappings.2.VSwitchId",
                "LoadBalancerName",
                "DeletionProtectionEnabled",
                "Tag.1.Key",
                "Tag.1.Value",
            ]
        );
        assert!(p.contains(&("DeletionProtectionEnabled".into(), "false".into())));
    }

    #[test]
    fn in_place_update_requests_flatten() {
        let zones = UpdateLoadBalancerZonesRequest {
            load_balancer_id: "alb-1".into(),
            zone_mappings: vec![ZoneMapping {
                zone_id: "z".into(),
                v_switch_id: "v".into(),
                allocation_id: Some("eip-1".into()),
                ..Default::default()
            }],
            dry_run: None,
        };
        let p = flatten(&zones).unwrap_or_default();
        assert_eq!(
            p,
            [
                ("LoadBalancerId".to_string(), "alb-1".to_string()),
                ("ZoneMappings.1.ZoneId".into(), "z".into()),
                ("ZoneMappings.1.VSwitchId".into(), "v".into()),
                ("ZoneMappings.1.AllocationId".into(), "eip-1".into()),
            ]
        );
        let moved = MoveResourceGroupRequest {
            resource_id: "alb-1".into(),
            resource_type: "loadbalancer".into(),
            new_resource_group_id: "rg-2".into(),
        };
        let keys: Vec<String> = flatten(&moved)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["ResourceId", "ResourceType", "NewResourceGroupId"]);
    }

    #[test]
    fn attribute_response_decodes_tolerantly() {
        let v = serde_json::json!({
            "RequestId": "R",
            "LoadBalancerId": "alb-1",
            "LoadBalancerStatus": "Active",
            "LoadBalancerBussinessStatus": "Normal",
            "DNSName": "alb-1.cn-hangzhou.alb.aliyuncs.com",
            "DeletionProtectionConfig": {"Enabled": true},
            "ZoneMappings": [{"ZoneId": "z", "VSwitchId": "v", "LoadBalancerAddresses": [{"Address": "1.2.3.4"}]}],
            "Tags": [{"Key": "k", "Value": "v"}],
            "SomethingNew": {"x": 1}
        });
        let r: GetLoadBalancerAttributeResponse =
            crate::client::decode("GetLoadBalancerAttribute", v).unwrap_or_default();
        assert_eq!(r.request_id, "R");
        let lb = r.load_balancer;
        assert_eq!(lb.load_balancer_id, "alb-1");
        assert_eq!(lb.load_balancer_status, "Active");
        assert_eq!(
            lb.dns_name.as_deref(),
            Some("alb-1.cn-hangzhou.alb.aliyuncs.com")
        );
        assert_eq!(lb.deletion_protection_config.map(|d| d.enabled), Some(true));
        assert_eq!(
            lb.zone_mappings[0].load_balancer_addresses[0]
                .address
                .as_deref(),
            Some("1.2.3.4")
        );
        assert_eq!(lb.tags, vec![Tag::new("k", "v")]);
    }
}

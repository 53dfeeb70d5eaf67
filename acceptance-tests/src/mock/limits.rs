//! Per-call limits and default quotas of the real service (research §4.5 and §5).
//!
//! Where the sources disagree the mock takes the stricter number and says so.

/// Allowed `MaxResults` on every List* call, and its default.
pub const MAX_RESULTS: i64 = 100;
/// Default page size.
pub const DEFAULT_MAX_RESULTS: i64 = 20;

/// Rules per CreateRules / UpdateRulesAttribute call.
pub const RULES_PER_CALL: usize = 10;
/// RuleIds per DeleteRules call. [INF] the old SDK doc says 100, Alibaba's own controller uses
/// 10: the mock enforces the stricter 10.
pub const DELETE_RULES_PER_CALL: usize = 10;
/// Servers per Add/Remove/Replace call (each list).
pub const SERVERS_PER_CALL: usize = 200;
/// Servers per UpdateServerGroupServersAttribute call.
pub const SERVERS_PER_UPDATE_CALL: usize = 40;
/// Server groups in one ForwardGroupConfig.
pub const SERVER_GROUPS_PER_FORWARD: usize = 5;
/// Certificates per Associate/Dissociate call.
pub const CERTIFICATES_PER_CALL: usize = 20;
/// Entries per AddEntriesToAcl / RemoveEntriesFromAcl call.
pub const ACL_ENTRIES_PER_CALL: usize = 20;
/// ACL ids per AssociateAclsWithListener / DissociateAclsFromListener call.
pub const ACLS_PER_CALL: usize = 3;
/// ACLs bound to one listener.
pub const ACLS_PER_LISTENER: usize = 3;
/// Entries per ACL. [INF] the API reference says 1,000, the quota page 500: the mock enforces
/// the stricter 500.
pub const ENTRIES_PER_ACL: usize = 500;
/// Tags per resource.
pub const TAGS_PER_RESOURCE: usize = 20;
/// Tags per TagResources call.
pub const TAGS_PER_CALL: usize = 20;
/// Resource ids per TagResources / UnTagResources / ListTagResources call.
pub const RESOURCES_PER_TAG_CALL: usize = 50;
/// Ids in a list filter (LoadBalancerIds, ListenerIds, RuleIds, ServerGroupIds, JobIds …).
pub const IDS_PER_FILTER: usize = 20;
/// Names in a list filter (LoadBalancerNames, ServerGroupNames, VpcIds).
pub const NAMES_PER_FILTER: usize = 10;

/// Rule priority range.
pub const PRIORITY_RANGE: (i64, i64) = (1, 10_000);
/// Rule action order range.
pub const ORDER_RANGE: (i64, i64) = (1, 50_000);

/// ALB instances per region.
pub const LOAD_BALANCERS_PER_REGION: usize = 60;
/// Listeners per instance (all editions).
pub const LISTENERS_PER_LOAD_BALANCER: usize = 50;
/// Server groups per region.
pub const SERVER_GROUPS_PER_REGION: usize = 3000;
/// Backend servers per server group.
pub const SERVERS_PER_SERVER_GROUP: usize = 1000;

/// Edition-dependent quotas.
#[derive(Debug, Clone, Copy)]
pub struct EditionLimits {
    /// Forwarding rules per instance, default rules excluded.
    pub rules: usize,
    /// Backend servers per instance (all server groups the instance forwards to).
    pub servers: usize,
    /// Additional certificates per instance.
    pub additional_certificates: usize,
    /// Conditions per rule.
    pub conditions_per_rule: usize,
    /// Actions per rule.
    pub actions_per_rule: usize,
    /// Entries of all ACLs bound to one listener.
    pub acl_entries_per_listener: usize,
}

/// The quotas of an edition (`Basic`, `Standard`, `StandardWithWaf`).
pub fn edition(edition: &str) -> EditionLimits {
    if edition == "Basic" {
        EditionLimits {
            rules: 40,
            servers: 200,
            additional_certificates: 10,
            conditions_per_rule: 5,
            actions_per_rule: 3,
            acl_entries_per_listener: 300,
        }
    } else {
        EditionLimits {
            rules: 100,
            servers: 1000,
            additional_certificates: 25,
            conditions_per_rule: 10,
            actions_per_rule: 5,
            acl_entries_per_listener: 500,
        }
    }
}

//! alb-mock: a local stand-in for the Alibaba Cloud ALB OpenAPI (version 2020-06-16) that
//! speaks the real wire format, checks real signatures and enforces the real rules.
//!
//! * Wire: `POST /` (GET accepted too) with parameters in the query string and/or an
//!   `application/x-www-form-urlencoded` body; the action comes from `x-acs-action` (V3) or
//!   `Action` (V1); dotted parameters are rebuilt into structures; unknown
//!   parameters are ignored. Answers are JSON with PascalCase keys and `RequestId`; errors are
//!   `{"RequestId","HostId","Code","Message","Recommend"}` with the research's HTTP statuses.
//! * Time: transitional statuses and jobs end at stored deadlines compared with the clock on
//!   each call; nothing runs in the background. The clock is the wall clock, or frozen
//!   ([`MockConfig::frozen_clock`]) and moved by [`MockServer::advance`] for deterministic tests.
//! * Faults, counters and the admin API: see [`Faults`], [`Counters`] and the `admin` module
//!   (`/__mock/faults`, `/__mock/state`, `/__mock/counters`, `/__mock/clock`, `/__mock/reset`,
//!   `/__mock/route`: which rule a request hits now, by the model's matcher).
//!   `/__mock/state` (and [`MockServer::state`]) is
//!   `{"RegionId", "LoadBalancers": [GetLoadBalancerAttribute shape], "Listeners":
//!   [GetListenerAttribute shape], "Rules": [ListRules item], "ServerGroups": [ListServerGroups
//!   item + "Servers": [ListServerGroupServers item]], "Acls": [ListAcls item + "AclEntries":
//!   [ListAclEntries item]], "Jobs": [ListAsynJobs item], "ClientTokens": count}`, every list
//!   ordered by id, statuses as of now.
//! * Credentials: an STS and ECS metadata fake (module `identity`) issues temporary keys the
//!   API accepts until they expire; see [`IdentitySettings`].
//! * Persistence: with a state file, the stored objects, jobs and ClientToken records are
//!   written (atomically) after every successful change and loaded at start.
//!
//! Error codes the research could not confirm (marked INF there); the mock picks the strict
//! reading:
//!
//! | Situation | Code (HTTP 400 unless noted) |
//! |---|---|
//! | rule priority duplicate on the listener (either direction) or outside 1–10000 | `IllegalParam.Priority` |
//! | action Order duplicate, outside 1–50000, or final action not the highest | `IllegalParam.Order` |
//! | not exactly one final action; Rewrite without ForwardGroup or twice | `IllegalParam.RuleActions` |
//! | Response-only condition in a Request rule or vice versa | `IllegalParam.RuleConditions` |
//! | more than 5 server groups in a forward, or one twice | `IllegalParam.ServerGroupTuples` |
//! | weight outside 0–100 | `IllegalParam.Weight` |
//! | listener default action not a single ForwardGroup | `IllegalParam.DefaultActions` |
//! | server type not fitting the group type | `IllegalParam.ServerType` |
//! | per-call batch limits, malformed values, unknown enum values | `InvalidParameter` |
//! | DeleteLoadBalancer with deletion protection on | `OperationDenied.DeletionProtection` |
//! | additional certificates on an HTTP listener | `OperationDenied.ListenerProtocol` |
//! | rules / listeners / servers per instance, servers per group, LBs / server groups per region, conditions / actions per rule, tags per resource, additional certificates | `QuotaExceeded.{RulesNum, ListenersNum, LoadBalancerServersNum, ServerGroupServersNum, LoadBalancersNum, ServerGroupsNum, RuleConditionsNum, RuleActionsNum, TagsNum, AdditionalCertificatesNum}` |
//! | a server added twice / removed but absent | `ResourceAlreadyExist.BackendServer` / `ResourceNotFound.BackendServer` (404) |
//! | ACL entry already in the ACL or twice in a call / removed but absent | `ResourceAlreadyExist.AclEntry` / `ResourceNotFound.AclEntry` (404) |
//! | entries per ACL (500), ACL entries behind a listener (300 Basic, 500 otherwise), ACLs per listener (3) | `QuotaExceeded.{AclEntriesNum, ListenerAclEntriesNum, ListenerAclsNum}` |
//! | binding a White ACL to a listener with Black ACLs bound, or vice versa | `OperationDenied.AclType` |
//! | binding an ACL already bound to the listener / dissociating one not bound | `ResourceAlreadyAssociated.Acl` / `ResourceNotFound.Acl` (404) |
//! | STS token missing or wrong | `InvalidSecurityToken.MismatchWithAccessKey` |
//! | throttling fault | `Throttling.User` (400) |
//!
//! Busy codes: a write to a transitional load balancer (or a listener write while its load
//! balancer is transitional) is `IncorrectStatus.LoadBalancer`; a write to a transitional
//! listener is `IncorrectStatus.Listener`; a rule write or DeleteListener while the listener is
//! transitional is `ResourceInConfiguring.Listener`; a write to a transitional rule or server
//! group is `IncorrectStatus.Rule` / `IncorrectStatus.ServerGroup`; a write to an ACL that is
//! Creating or Configuring is `IncorrectStatus.Acl`; DeleteAcl of a bound ACL is
//! `ResourceInUse.Acl`. Rule writes also put their
//! listener into Configuring (the stricter reading of Terraform's retry lists).

mod actions;
mod admin;
mod auth;
mod config;
mod error;
mod faults;
mod identity;
mod index;
pub(crate) mod limits;
mod model;
mod params;
mod routing;
mod server;
mod state;
mod validate;
mod wire;

pub use actions::is_mutating;
pub use config::{load_credentials_file, Credential, MockConfig};
pub use error::ApiError;
pub use faults::{ActionCounters, Counters, FaultCounters, Faults};
pub use identity::IdentitySettings;
pub use server::MockServer;

/// The value of tag `key` of an object in the mock's state dump (its `Tags` list of
/// `{"Key", "Value"}`).
pub fn state_tag<'a>(object: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    object["Tags"]
        .as_array()?
        .iter()
        .find(|t| t["Key"] == key)?["Value"]
        .as_str()
}

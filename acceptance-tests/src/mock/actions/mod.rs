//! Action dispatch, ClientToken idempotency, DryRun, pagination and the lookups and busy
//! checks the action modules share.

mod acl;
mod job;
mod listener;
mod load_balancer;
mod rule;
mod server_group;
mod tag;
mod zone;

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::error::{ApiError, ApiResult};
use super::limits;
use super::model::{Listener, LoadBalancer, Millis, Rule, ServerGroup, TokenRecord};
use super::params::{Params, Scope};
use super::state::State;

/// A handler: validates, then (unless DryRun) applies, and returns the response body
/// without `RequestId`.
type Handler = fn(&mut Ctx<'_>, &Scope<'_>) -> ApiResult<Map<String, Value>>;

/// One supported action.
struct Action {
    name: &'static str,
    handler: Handler,
    mutating: bool,
}

const fn read(name: &'static str, handler: Handler) -> Action {
    Action {
        name,
        handler,
        mutating: false,
    }
}

const fn write(name: &'static str, handler: Handler) -> Action {
    Action {
        name,
        handler,
        mutating: true,
    }
}

const ACTIONS: &[Action] = &[
    write("CreateLoadBalancer", load_balancer::create),
    read("GetLoadBalancerAttribute", load_balancer::get),
    read("ListLoadBalancers", load_balancer::list),
    write("UpdateLoadBalancerAttribute", load_balancer::update),
    write(
        "EnableDeletionProtection",
        load_balancer::enable_deletion_protection,
    ),
    write(
        "DisableDeletionProtection",
        load_balancer::disable_deletion_protection,
    ),
    write(
        "EnableLoadBalancerAccessLog",
        load_balancer::enable_access_log,
    ),
    write(
        "DisableLoadBalancerAccessLog",
        load_balancer::disable_access_log,
    ),
    write("UpdateLoadBalancerEdition", load_balancer::update_edition),
    write("UpdateLoadBalancerZones", load_balancer::update_zones),
    write(
        "UpdateLoadBalancerAddressTypeConfig",
        load_balancer::update_address_type,
    ),
    write("MoveResourceGroup", load_balancer::move_resource_group),
    write("DeleteLoadBalancer", load_balancer::delete),
    write("CreateListener", listener::create),
    read("GetListenerAttribute", listener::get),
    read("ListListeners", listener::list),
    write("UpdateListenerAttribute", listener::update),
    write("DeleteListener", listener::delete),
    write(
        "AssociateAdditionalCertificatesWithListener",
        listener::associate_certificates,
    ),
    write(
        "DissociateAdditionalCertificatesFromListener",
        listener::dissociate_certificates,
    ),
    read("ListListenerCertificates", listener::list_certificates),
    write("CreateRule", rule::create_one),
    write("CreateRules", rule::create_many),
    read("ListRules", rule::list),
    write("UpdateRuleAttribute", rule::update_one),
    write("UpdateRulesAttribute", rule::update_many),
    write("DeleteRule", rule::delete_one),
    write("DeleteRules", rule::delete_many),
    write("CreateServerGroup", server_group::create),
    read("ListServerGroups", server_group::list),
    write("UpdateServerGroupAttribute", server_group::update),
    write("DeleteServerGroup", server_group::delete),
    write("AddServersToServerGroup", server_group::add_servers),
    write("RemoveServersFromServerGroup", server_group::remove_servers),
    write("ReplaceServersInServerGroup", server_group::replace_servers),
    write(
        "UpdateServerGroupServersAttribute",
        server_group::update_servers,
    ),
    read("ListServerGroupServers", server_group::list_servers),
    write("CreateAcl", acl::create),
    read("ListAcls", acl::list),
    read("ListAclEntries", acl::list_entries),
    write("AddEntriesToAcl", acl::add_entries),
    write("RemoveEntriesFromAcl", acl::remove_entries),
    write("DeleteAcl", acl::delete),
    write("AssociateAclsWithListener", acl::associate),
    write("DissociateAclsFromListener", acl::dissociate),
    read("ListAsynJobs", job::list),
    write("TagResources", tag::tag),
    write("UnTagResources", tag::untag),
    read("ListTagResources", tag::list),
    read("DescribeZones", zone::describe),
];

/// True when `name` is an action the mock implements.
pub fn is_known(name: &str) -> bool {
    ACTIONS.iter().any(|a| a.name == name)
}

/// True when `name` is an action that changes something.
pub fn is_mutating(name: &str) -> bool {
    ACTIONS.iter().any(|a| a.name == name && a.mutating)
}

/// One API call, already authenticated.
pub struct Call<'a> {
    /// Action name.
    pub action: &'a str,
    /// Parameter tree.
    pub params: &'a Params,
    /// Business parameters (common and signature parameters removed), for the ClientToken fingerprint.
    pub business: &'a [(String, String)],
    /// Caller identity (ClientTokens are scoped to it).
    pub access_key_id: &'a str,
    /// Current time.
    pub now: Millis,
    /// Extra busy time after each write (fault injection).
    pub busy_window_ms: u64,
}

/// Runs an action against the state; returns the response body without `RequestId`.
pub fn execute(state: &mut State, call: &Call<'_>) -> ApiResult<Map<String, Value>> {
    let Some(action) = ACTIONS.iter().find(|a| a.name == call.action) else {
        return Err(ApiError::new(
            404,
            "InvalidAction.NotFound",
            format!(
                "Specified api '{}' is not found, please check your url and method.",
                call.action
            ),
        ));
    };
    state.settle(call.now);
    let scope = call.params.scope();
    let dry_run = scope.bool("DryRun")?.unwrap_or(false);
    let token = scope.str("ClientToken")?.filter(|t| !t.is_empty());
    if let Some(token) = token {
        if token.len() > 64 || !token.is_ascii() {
            return Err(ApiError::invalid(
                "ClientToken",
                "at most 64 ASCII characters",
            ));
        }
    }
    let token_key = match token {
        Some(token) if action.mutating && !dry_run => {
            Some(format!("{}/{}", call.access_key_id, token))
        }
        _ => None,
    };
    let fingerprint = fingerprint(call.action, call.business);
    if let Some(key) = &token_key {
        if let Some(record) = state.store.client_tokens.get(key) {
            return if record.fingerprint == fingerprint {
                Ok(record.response.clone())
            } else {
                Err(ApiError::idempotent_mismatch())
            };
        }
    }
    let mut ctx = Ctx {
        state,
        now: call.now,
        dry_run,
        busy_window_ms: call.busy_window_ms,
        action: action.name,
    };
    let response = (action.handler)(&mut ctx, &scope)?;
    if action.mutating {
        if let Some(key) = token_key {
            state.store.client_tokens.insert(
                key,
                TokenRecord {
                    fingerprint,
                    response: response.clone(),
                },
            );
        }
        state.persist()?;
    }
    Ok(response)
}

/// SHA-256 over the action and its sorted business parameters without ClientToken.
fn fingerprint(action: &str, business: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = business
        .iter()
        .filter(|(k, _)| k != "ClientToken")
        .collect();
    pairs.sort();
    let mut hasher = Sha256::new();
    hasher.update(action.as_bytes());
    for (k, v) in pairs {
        hasher.update(b"\n");
        hasher.update(k.as_bytes());
        hasher.update(b"=");
        hasher.update(v.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// What a handler works with.
pub struct Ctx<'a> {
    /// The state to read and change.
    pub state: &'a mut State,
    /// Current time.
    pub now: Millis,
    dry_run: bool,
    busy_window_ms: u64,
    action: &'static str,
}

impl Ctx<'_> {
    /// Call after validation, before the first change: returns `DryRunOperation` for DryRun calls.
    pub fn commit(&self) -> ApiResult<()> {
        if self.dry_run {
            Err(ApiError::dry_run())
        } else {
            Ok(())
        }
    }

    /// End of the transitional status of an object touched now (async delay, stretched by the
    /// busy-window fault).
    pub fn busy_until(&self) -> Millis {
        self.now + self.state.async_delay_ms.max(self.busy_window_ms)
    }

    /// When a job started now finishes; also the end of side-effect transitions (a parent
    /// Configuring because a child changed) and of deletions.
    pub fn job_done(&self) -> Millis {
        self.now + self.state.async_delay_ms
    }

    /// Records a job for the current action.
    pub fn job(&mut self, resource_type: &str, resource_id: &str, operate_type: &str) -> String {
        let action = self.action;
        self.state
            .record_job(self.now, action, resource_type, resource_id, operate_type)
    }

    /// Creation time string of now.
    pub fn now_iso(&self) -> String {
        super::state::iso(self.now)
    }
}

/// A body with only `JobId`.
pub fn job_response(job_id: String) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("JobId".into(), Value::from(job_id));
    out
}

/// Converts a `json!({...})` object literal into a response map.
pub fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Lookups and busy checks shared by the action modules.

/// The load balancer `id` or `ResourceNotFound.LoadBalancer`.
pub fn load_balancer<'s>(state: &'s State, id: &str) -> ApiResult<&'s LoadBalancer> {
    state
        .store
        .load_balancers
        .get(id)
        .ok_or_else(|| ApiError::not_found("LoadBalancer", id))
}

/// The listener `id` or `ResourceNotFound.Listener`.
pub fn listener<'s>(state: &'s State, id: &str) -> ApiResult<&'s Listener> {
    state
        .store
        .listeners
        .get(id)
        .ok_or_else(|| ApiError::not_found("Listener", id))
}

/// The rule `id` or `ResourceNotFound.Rule`.
pub fn rule<'s>(state: &'s State, id: &str) -> ApiResult<&'s Rule> {
    state
        .store
        .rules
        .get(id)
        .ok_or_else(|| ApiError::not_found("Rule", id))
}

/// The server group `id` or `ResourceNotFound.ServerGroup`.
pub fn server_group<'s>(state: &'s State, id: &str) -> ApiResult<&'s ServerGroup> {
    state
        .store
        .server_groups
        .get(id)
        .ok_or_else(|| ApiError::not_found("ServerGroup", id))
}

/// Fails with `IncorrectStatus.LoadBalancer` unless the load balancer exists and is stable.
pub fn writable_load_balancer(ctx: &Ctx<'_>, id: &str) -> ApiResult<()> {
    let lb = load_balancer(ctx.state, id)?;
    if lb.phase.busy(ctx.now) || lb.phase.removing_now() {
        return Err(ApiError::incorrect_status("LoadBalancer", id));
    }
    Ok(())
}

/// Checks a write to the listener itself: its load balancer and it must be stable
/// (`IncorrectStatus.LoadBalancer` / `IncorrectStatus.Listener`).
pub fn writable_listener(ctx: &Ctx<'_>, id: &str) -> ApiResult<()> {
    let l = listener(ctx.state, id)?;
    writable_load_balancer(ctx, &l.load_balancer_id)?;
    if l.phase.busy(ctx.now) || l.phase.removing_now() {
        return Err(ApiError::incorrect_status("Listener", id));
    }
    Ok(())
}

/// Checks a write to a child (rule) of the listener: load balancer stable
/// (`IncorrectStatus.LoadBalancer`), listener stable (`ResourceInConfiguring.Listener`).
pub fn writable_listener_child(ctx: &Ctx<'_>, id: &str) -> ApiResult<()> {
    let l = listener(ctx.state, id)?;
    writable_load_balancer(ctx, &l.load_balancer_id)?;
    if l.phase.busy(ctx.now) || l.phase.removing_now() {
        return Err(ApiError::in_configuring("Listener", id));
    }
    Ok(())
}

/// Fails with `IncorrectStatus.ServerGroup` unless the server group exists and is stable.
pub fn writable_server_group(ctx: &Ctx<'_>, id: &str) -> ApiResult<()> {
    let g = server_group(ctx.state, id)?;
    if g.phase.busy(ctx.now) || g.phase.removing_now() {
        return Err(ApiError::incorrect_status("ServerGroup", id));
    }
    Ok(())
}

/// Every server group id referenced by a ForwardGroup or TrafficMirror config inside
/// `actions` (a JSON array of actions, rule or listener default).
pub fn referenced_server_groups(actions: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for action in actions.as_array().into_iter().flatten() {
        let tuples = [
            action.pointer("/ForwardGroupConfig/ServerGroupTuples"),
            action.pointer("/TrafficMirrorConfig/MirrorGroupConfig/ServerGroupTuples"),
        ];
        for tuple in tuples
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
        {
            if let Some(id) = tuple.get("ServerGroupId").and_then(Value::as_str) {
                if !out.iter().any(|x| x == id) {
                    out.push(id.to_string());
                }
            }
        }
    }
    out
}

/// Load balancers whose listeners or rules forward to the server group.
pub fn related_load_balancers(state: &State, server_group_id: &str) -> Vec<String> {
    let lbs: BTreeSet<&str> = state
        .store
        .forwarders_of(server_group_id)
        .map(|(_, lb)| lb)
        .collect();
    lbs.into_iter().map(str::to_string).collect()
}

/// Checks the per-instance backend server quota of `lb_id` as if `extra_groups` were attached
/// and `extra_servers` more servers were added (`QuotaExceeded.LoadBalancerServersNum`).
/// Costs the load balancer's own listeners, rules and groups, nothing else.
pub fn check_instance_servers(
    state: &State,
    lb_id: &str,
    extra_groups: &[String],
    extra_servers: usize,
) -> ApiResult<()> {
    let Ok(lb) = load_balancer(state, lb_id) else {
        return Ok(());
    };
    let limit = limits::edition(&lb.edition).servers;
    let store = &state.store;
    let owners = store
        .listeners_of(lb_id)
        .map(|l| l.id.as_str())
        .chain(store.rules_of_load_balancer(lb_id).map(|r| r.id.as_str()));
    let groups: BTreeSet<&str> = owners
        .flat_map(|owner| store.forward_targets(owner))
        .chain(extra_groups)
        .map(String::as_str)
        .collect();
    let count: usize = groups
        .iter()
        .filter_map(|g| store.server_groups.get(*g))
        .map(|g| g.servers.iter().filter(|s| !s.phase.removing_now()).count())
        .sum::<usize>()
        + extra_servers;
    if count > limit {
        return Err(ApiError::quota("LoadBalancerServersNum", limit));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Pagination.

/// One page of a List* result.
pub struct Page {
    items: Vec<Value>,
    next_token: Option<String>,
    max_results: i64,
    total: usize,
}

impl Page {
    /// Cuts a page out of `items`, which must be sorted by their key. The NextToken is the
    /// hex-encoded key of the last item returned, so deletions between calls skip nothing.
    pub fn cut(scope: &Scope<'_>, items: Vec<(String, Value)>) -> ApiResult<Self> {
        let max_results = scope
            .int_in("MaxResults", 1, limits::MAX_RESULTS)?
            .unwrap_or(limits::DEFAULT_MAX_RESULTS);
        let after = match scope.str("NextToken")?.filter(|t| !t.is_empty()) {
            None => None,
            Some(token) => Some(
                hex::decode(token)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| {
                        ApiError::invalid("NextToken", "not a token returned by this API")
                    })?,
            ),
        };
        let total = items.len();
        let mut rest = items
            .into_iter()
            .filter(|(key, _)| after.as_ref().is_none_or(|a| key > a))
            .peekable();
        let mut page = Vec::new();
        let mut last_key = None;
        while page.len() < max_results as usize {
            match rest.next() {
                Some((key, value)) => {
                    page.push(value);
                    last_key = Some(key);
                }
                None => break,
            }
        }
        let next_token = match rest.peek() {
            Some(_) => last_key.map(hex::encode),
            None => None,
        };
        Ok(Self {
            items: page,
            next_token,
            max_results,
            total,
        })
    }

    /// Renders `{<list>: [...], MaxResults, NextToken?, TotalCount?}`.
    pub fn render(self, list_name: &str, with_total: bool) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert(list_name.to_string(), Value::Array(self.items));
        out.insert("MaxResults".into(), json!(self.max_results));
        if let Some(token) = self.next_token {
            out.insert("NextToken".into(), json!(token));
        }
        if with_total {
            out.insert("TotalCount".into(), json!(self.total));
        }
        out
    }
}

/// Sort key that orders by creation sequence.
pub fn seq_key(seq: u64) -> String {
    format!("{seq:020}")
}

// ---------------------------------------------------------------------------------------------
// Whole-state view for the admin API.

/// All objects rendered in their API shapes with the statuses as of `now`, ordered by id.
pub fn snapshot(state: &State, now: Millis) -> Value {
    let store = &state.store;
    json!({
        "RegionId": state.region,
        "LoadBalancers": store.load_balancers.values().map(|lb| load_balancer::render(state, lb, now, true)).collect::<Vec<_>>(),
        "Listeners": store.listeners.values().map(|l| listener::render(l, now, true)).collect::<Vec<_>>(),
        "Rules": store.rules.values().map(|r| rule::render(r, now)).collect::<Vec<_>>(),
        "ServerGroups": store.server_groups.values().map(|g| {
            let mut v = server_group::render(state, g, now);
            if let Value::Object(map) = &mut v {
                map.insert("Servers".into(), Value::Array(g.servers.iter().map(|s| server_group::render_server(&g.id, s, now)).collect()));
                map.insert("MinServingServers".into(), json!(g.min_serving));
            }
            v
        }).collect::<Vec<_>>(),
        "Acls": store.acls.values().map(|a| {
            let mut v = acl::render(a, now);
            if let Value::Object(map) = &mut v {
                map.insert("AclEntries".into(), Value::Array(acl::entries_by_key(a, now).into_iter().map(|(_, e)| e).collect()));
            }
            v
        }).collect::<Vec<_>>(),
        "Jobs": store.jobs.values().map(|j| job::render(j, now)).collect::<Vec<_>>(),
        "ClientTokens": store.client_tokens.len(),
    })
}

//! Server group and backend server actions.
//!
//! Codes chosen where the research is silent ([INF]): a server already in the group →
//! `ResourceAlreadyExist.BackendServer`; a server not in the group →
//! `ResourceNotFound.BackendServer` (404); a server type that does not fit the group type →
//! `IllegalParam.ServerType`; more than 1000 servers in a group →
//! `QuotaExceeded.ServerGroupServersNum`; more servers behind one instance than its edition
//! allows → `QuotaExceeded.LoadBalancerServersNum`.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::{
    check_instance_servers, job_response, object, related_load_balancers, server_group,
    writable_server_group, Ctx, Page,
};
use crate::mock::error::{ApiError, ApiResult};
use crate::mock::index::Removal;
use crate::mock::limits;
use crate::mock::model::{Millis, Phase, Server, ServerGroup};
use crate::mock::params::Scope;
use crate::mock::state::State;
use crate::mock::validate::{self, f, Field, Kind};

const HEALTH_CHECK: &[Field] = &[
    f("HealthCheckEnabled", Kind::Bool),
    f(
        "HealthCheckProtocol",
        Kind::Enum(&["HTTP", "HTTPS", "TCP", "gRPC"]),
    ),
    f("HealthCheckMethod", Kind::Enum(&["HEAD", "GET", "POST"])),
    f("HealthCheckPath", Kind::Str),
    f("HealthCheckHost", Kind::Str),
    f(
        "HealthCheckHttpVersion",
        Kind::Enum(&["HTTP1.0", "HTTP1.1"]),
    ),
    f("HealthCheckConnectPort", Kind::Int(0, 65_535)),
    f("HealthCheckInterval", Kind::Int(1, 50)),
    f("HealthCheckTimeout", Kind::Int(1, 300)),
    f("HealthyThreshold", Kind::Int(2, 10)),
    f("UnhealthyThreshold", Kind::Int(2, 10)),
    f("HealthCheckCodes", Kind::StrList),
];
const STICKY: &[Field] = &[
    f("StickySessionEnabled", Kind::Bool),
    f("StickySessionType", Kind::Enum(&["Insert", "Server"])),
    f("CookieTimeout", Kind::Int(1, 86_400)),
    f("Cookie", Kind::Str),
];
const DRAIN: &[Field] = &[
    f("ConnectionDrainEnabled", Kind::Bool),
    f("ConnectionDrainTimeout", Kind::Int(0, 900)),
];
const SLOW_START: &[Field] = &[
    f("SlowStartEnabled", Kind::Bool),
    f("SlowStartDuration", Kind::Int(30, 900)),
];
const UCH: &[Field] = &[
    f("Type", Kind::Enum(&["QueryString"])),
    f("Value", Kind::Str),
];

/// Attributes settable by Create and Update.
const ATTRS: &[Field] = &[
    f("Scheduler", Kind::Enum(&["Wrr", "Wlc", "Sch", "Uch"])),
    f("HealthCheckConfig", Kind::Obj(HEALTH_CHECK)),
    f("StickySessionConfig", Kind::Obj(STICKY)),
    f("ConnectionDrainConfig", Kind::Obj(DRAIN)),
    f("SlowStartConfig", Kind::Obj(SLOW_START)),
    f("UchConfig", Kind::Obj(UCH)),
    f("CrossZoneEnabled", Kind::Bool),
    f("UpstreamKeepaliveEnabled", Kind::Bool),
    f("ServiceName", Kind::Str),
];

/// CreateServerGroup.
pub fn create(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let name = p.req_str("ServerGroupName")?;
    validate::name("ServerGroupName", name, 2, 128)?;
    let health = p
        .object("HealthCheckConfig")?
        .ok_or_else(|| ApiError::missing("HealthCheckConfig.HealthCheckEnabled"))?;
    if health.bool("HealthCheckEnabled")?.is_none() {
        return Err(ApiError::missing("HealthCheckConfig.HealthCheckEnabled"));
    }
    let kind = p
        .enumeration("ServerGroupType", &["Instance", "Ip", "Fc"])?
        .unwrap_or("Instance");
    let protocol = match kind {
        "Fc" => None,
        _ => Some(
            p.enumeration("Protocol", &["HTTP", "HTTPS", "gRPC"])?
                .unwrap_or("HTTP"),
        ),
    };
    let vpc_id = match kind {
        "Fc" => None,
        _ => Some(p.req_str("VpcId")?),
    };
    let attrs = validate::convert(p, ATTRS)?;
    let ipv6 = p.bool("Ipv6Enabled")?.unwrap_or(false);
    let resource_group = p
        .str("ResourceGroupId")?
        .filter(|s| !s.is_empty())
        .unwrap_or("rg-mockdefault");
    let tags = validate::tags(p)?;
    if ctx.state.store.server_groups.len() >= limits::SERVER_GROUPS_PER_REGION {
        return Err(ApiError::quota(
            "ServerGroupsNum",
            limits::SERVER_GROUPS_PER_REGION,
        ));
    }
    ctx.commit()?;

    let mut full = object(json!({
        "Scheduler": "Wrr",
        "HealthCheckConfig": {
            "HealthCheckEnabled": false,
            "HealthCheckProtocol": "HTTP",
            "HealthCheckMethod": "HEAD",
            "HealthCheckPath": "/",
            "HealthCheckHttpVersion": "HTTP1.1",
            "HealthCheckConnectPort": 0,
            "HealthCheckInterval": 2,
            "HealthCheckTimeout": 5,
            "HealthyThreshold": 3,
            "UnhealthyThreshold": 3,
            "HealthCheckCodes": ["http_2xx", "http_3xx"],
        },
        "StickySessionConfig": {"StickySessionEnabled": false},
        "ConnectionDrainConfig": {"ConnectionDrainEnabled": false, "ConnectionDrainTimeout": 300},
        "SlowStartConfig": {"SlowStartEnabled": false, "SlowStartDuration": 30},
        "CrossZoneEnabled": true,
        "UpstreamKeepaliveEnabled": false,
        "Ipv6Enabled": ipv6,
        "ConfigManagedEnabled": false,
        "ResourceGroupId": resource_group,
    }));
    validate::merge(&mut full, attrs);
    let id = ctx.state.new_id("sgp");
    let group = ServerGroup {
        id: id.clone(),
        name: name.to_string(),
        server_group_type: kind.to_string(),
        protocol: protocol.map(str::to_string),
        vpc_id: vpc_id.map(str::to_string),
        attrs: full,
        servers: Vec::new(),
        create_time: ctx.now_iso(),
        tags,
        phase: Phase::transition("Creating", ctx.busy_until()),
        min_serving: None,
    };
    ctx.state.store.server_groups.insert(id.clone(), group);
    let job = ctx.job("servergroup", &id, "Create");
    Ok(object(json!({"ServerGroupId": id, "JobId": job})))
}

/// ListServerGroups: unknown ids simply match nothing.
pub fn list(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let ids = validate::filter_list(p, "ServerGroupIds", limits::IDS_PER_FILTER)?;
    let names = validate::filter_list(p, "ServerGroupNames", limits::NAMES_PER_FILTER)?;
    let kind = p.str("ServerGroupType")?.filter(|s| !s.is_empty());
    let vpc = p.str("VpcId")?.filter(|s| !s.is_empty());
    let resource_group = p.str("ResourceGroupId")?.filter(|s| !s.is_empty());
    let tags = validate::tag_filters(p)?;
    let now = ctx.now;
    let state: &State = ctx.state;
    let groups = &state.store.server_groups;
    // With an id filter only those groups are looked at.
    let wanted: BTreeSet<&str> = ids.iter().copied().collect();
    let candidates: Box<dyn Iterator<Item = &ServerGroup>> = if wanted.is_empty() {
        Box::new(groups.values())
    } else {
        Box::new(wanted.into_iter().filter_map(|id| groups.get(id)))
    };
    let items = candidates
        .filter(|g| names.is_empty() || names.contains(&g.name.as_str()))
        .filter(|g| kind.is_none_or(|k| k == g.server_group_type))
        .filter(|g| vpc.is_none_or(|v| g.vpc_id.as_deref() == Some(v)))
        .filter(|g| {
            resource_group.is_none_or(|rg| g.attrs.get("ResourceGroupId") == Some(&json!(rg)))
        })
        .filter(|g| validate::tags_match(&g.tags, &tags))
        .map(|g| (g.id.clone(), render(state, g, now)))
        .collect();
    Ok(Page::cut(p, items)?.render("ServerGroups", true))
}

/// UpdateServerGroupAttribute: type, protocol, VPC and IPv6 are immutable and ignored.
pub fn update(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("ServerGroupId")?;
    let name = p.str("ServerGroupName")?;
    if let Some(n) = name {
        validate::name("ServerGroupName", n, 2, 128)?;
    }
    let attrs = validate::convert(p, ATTRS)?;
    writable_server_group(ctx, id)?;
    ctx.commit()?;
    let until = ctx.busy_until();
    if let Some(g) = ctx.state.store.server_groups.get_mut(id) {
        if let Some(n) = name {
            g.name = n.to_string();
        }
        validate::merge(&mut g.attrs, attrs);
        g.phase = Phase::transition("Configuring", until);
    }
    Ok(job_response(ctx.job("servergroup", id, "Update")))
}

/// DeleteServerGroup: `ResourceInUse.ServerGroup` while a listener or rule forwards to it.
pub fn delete(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("ServerGroupId")?;
    server_group(ctx.state, id)?;
    let store = &ctx.state.store;
    let used = store.forwarders_of(id).any(|(owner, _)| {
        let phase = match store.listeners.get(owner) {
            Some(l) => Some(&l.phase),
            None => store.rules.get(owner).map(|r| &r.phase),
        };
        phase.is_some_and(|p| !p.removing_now())
    });
    if used {
        return Err(ApiError::in_use("ServerGroup", id));
    }
    writable_server_group(ctx, id)?;
    ctx.commit()?;
    let until = ctx.job_done();
    if let Some(g) = ctx.state.store.server_groups.get_mut(id) {
        g.phase = Phase::removing("Deleting", until);
    }
    ctx.state
        .store
        .removal_started(Removal::ServerGroup(id.to_string()));
    Ok(job_response(ctx.job("servergroup", id, "Delete")))
}

/// A server definition from `Servers.N` / `AddedServers.N` (`full` = Add semantics).
fn parse_server(group: &ServerGroup, s: &Scope<'_>, full: bool) -> ApiResult<Server> {
    let server_type = s.req_str("ServerType")?;
    s.enumeration("ServerType", &["Ecs", "Eni", "Eci", "Ip", "Fc"])?;
    let fits = match group.server_group_type.as_str() {
        "Instance" => matches!(server_type, "Ecs" | "Eni" | "Eci"),
        "Ip" => server_type == "Ip",
        _ => server_type == "Fc",
    };
    if !fits {
        return Err(ApiError::illegal(
            "ServerType",
            format!(
                "{server_type} servers cannot join a {} server group",
                group.server_group_type
            ),
        ));
    }
    let server_id = s.req_str("ServerId")?;
    let port = s.int_in("Port", 1, 65_535)?;
    if port.is_none() && server_type != "Fc" {
        return Err(ApiError::missing(&s.path("Port")));
    }
    // The SDK documents a default weight of 100 (Terraform's docs say 0); the mock uses 100.
    let weight = match s.int("Weight")? {
        Some(w) if !(0..=100).contains(&w) => {
            return Err(ApiError::illegal(
                "Weight",
                format!("{w} is outside 0..100"),
            ))
        }
        Some(w) => w,
        None => 100,
    };
    let description = s.str("Description")?.filter(|d| !d.is_empty());
    if let (true, Some(d)) = (full, description) {
        validate::description(&s.path("Description"), d)?;
    }
    Ok(Server {
        server_id: server_id.to_string(),
        server_type: server_type.to_string(),
        port,
        server_ip: s
            .str("ServerIp")?
            .filter(|x| !x.is_empty())
            .map(str::to_string),
        weight,
        description: description.map(str::to_string),
        remote_ip_enabled: s.bool("RemoteIpEnabled")?.unwrap_or(false),
        phase: Phase::default(),
        checked_from_ms: 0,
    })
}

/// Identity of a backend server inside a group: (ServerId, ServerType, Port, ServerIp when given).
fn same_server(a: &Server, id: &str, kind: &str, port: Option<i64>, ip: Option<&str>) -> bool {
    a.server_id == id
        && a.server_type == kind
        && a.port == port
        && ip.is_none_or(|ip| a.server_ip.as_deref().is_none_or(|x| x == ip))
}

/// Index of a live (not Removing) server in the group matching the identity in `s`.
fn find_server(group: &ServerGroup, s: &Scope<'_>) -> ApiResult<usize> {
    let id = s.req_str("ServerId")?;
    let kind = s.req_str("ServerType")?;
    let port = s.int("Port")?;
    let ip = s.str("ServerIp")?.filter(|x| !x.is_empty());
    group
        .servers
        .iter()
        .position(|x| !x.phase.removing_now() && same_server(x, id, kind, port, ip))
        .ok_or_else(|| ApiError::not_found("BackendServer", id))
}

fn servers_param<'a>(p: &Scope<'a>, name: &str, limit: usize) -> ApiResult<Vec<Scope<'a>>> {
    let items = p.obj_list(name)?;
    if items.is_empty() {
        return Err(ApiError::missing(&format!("{name}.1.ServerId")));
    }
    validate::at_most(name, &items, limit)?;
    Ok(items)
}

/// Validates servers to add: not already present, no duplicates, quotas per group and
/// instance. `group` must already show the servers this call removes as removing;
/// `removed` is their number.
fn check_additions(
    state: &State,
    group: &ServerGroup,
    added: &[Server],
    removed: usize,
) -> ApiResult<()> {
    for (i, s) in added.iter().enumerate() {
        let exists = group
            .servers
            .iter()
            .filter(|x| !x.phase.removing_now())
            .chain(added[..i].iter())
            .any(|x| {
                same_server(
                    x,
                    &s.server_id,
                    &s.server_type,
                    s.port,
                    s.server_ip.as_deref(),
                )
            });
        if exists {
            return Err(ApiError::already_exists(
                "BackendServer",
                format!(
                    "{} port {:?} is already in {}",
                    s.server_id, s.port, group.id
                ),
            ));
        }
    }
    if group.serving() + added.len() > limits::SERVERS_PER_SERVER_GROUP {
        return Err(ApiError::quota(
            "ServerGroupServersNum",
            limits::SERVERS_PER_SERVER_GROUP,
        ));
    }
    let extra = added.len().saturating_sub(removed);
    for lb in related_load_balancers(state, &group.id) {
        check_instance_servers(state, &lb, &[], extra)?;
    }
    Ok(())
}

/// AddServersToServerGroup: at most 200 servers.
pub fn add_servers(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("ServerGroupId")?;
    let items = servers_param(p, "Servers", limits::SERVERS_PER_CALL)?;
    let group = server_group(ctx.state, id)?;
    let added = items
        .iter()
        .map(|s| parse_server(group, s, true))
        .collect::<ApiResult<Vec<_>>>()?;
    check_additions(ctx.state, group, &added, 0)?;
    writable_server_group(ctx, id)?;
    ctx.commit()?;
    let until = ctx.busy_until();
    if let Some(g) = ctx.state.store.server_groups.get_mut(id) {
        for mut s in added {
            s.phase = Phase::transition("Adding", until);
            s.checked_from_ms = until;
            g.servers.push(s);
        }
        g.phase = Phase::transition("Configuring", until);
        g.note_serving();
    }
    Ok(job_response(ctx.job("servergroup", id, "Update")))
}

/// RemoveServersFromServerGroup: at most 200 servers.
pub fn remove_servers(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("ServerGroupId")?;
    let items = servers_param(p, "Servers", limits::SERVERS_PER_CALL)?;
    let group = server_group(ctx.state, id)?;
    let indexes = items
        .iter()
        .map(|s| find_server(group, s))
        .collect::<ApiResult<Vec<_>>>()?;
    writable_server_group(ctx, id)?;
    ctx.commit()?;
    let until = ctx.job_done();
    let busy = ctx.busy_until();
    if let Some(g) = ctx.state.store.server_groups.get_mut(id) {
        for i in indexes {
            if let Some(s) = g.servers.get_mut(i) {
                s.phase = Phase::removing("Removing", until);
            }
        }
        g.phase = Phase::transition("Configuring", busy);
        g.note_serving();
    }
    ctx.state
        .store
        .removal_started(Removal::Servers(id.to_string()));
    Ok(job_response(ctx.job("servergroup", id, "Update")))
}

/// ReplaceServersInServerGroup: at most 200 servers in each list; not for Fc groups.
pub fn replace_servers(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("ServerGroupId")?;
    let removed_items = servers_param(p, "RemovedServers", limits::SERVERS_PER_CALL)?;
    let added_items = servers_param(p, "AddedServers", limits::SERVERS_PER_CALL)?;
    let group = server_group(ctx.state, id)?;
    if group.server_group_type == "Fc" {
        return Err(ApiError::illegal(
            "ServerGroupType",
            "Fc server groups do not support replacing servers",
        ));
    }
    let mut indexes = removed_items
        .iter()
        .map(|s| find_server(group, s))
        .collect::<ApiResult<Vec<_>>>()?;
    indexes.sort_unstable();
    indexes.dedup();
    let added = added_items
        .iter()
        .map(|s| parse_server(group, s, true))
        .collect::<ApiResult<Vec<_>>>()?;
    // Servers being removed by this call may be added back with new attributes.
    let mut remaining = group.clone();
    for i in &indexes {
        if let Some(s) = remaining.servers.get_mut(*i) {
            s.phase = Phase::removing("Removing", 0);
        }
    }
    check_additions(ctx.state, &remaining, &added, indexes.len())?;
    writable_server_group(ctx, id)?;
    ctx.commit()?;
    let until = ctx.job_done();
    let busy = ctx.busy_until();
    if let Some(g) = ctx.state.store.server_groups.get_mut(id) {
        for i in indexes {
            if let Some(s) = g.servers.get_mut(i) {
                s.phase = Phase::removing("Removing", until);
            }
        }
        for mut s in added {
            s.phase = Phase::transition("Replacing", busy);
            s.checked_from_ms = busy;
            g.servers.push(s);
        }
        g.phase = Phase::transition("Configuring", busy);
        g.note_serving();
    }
    ctx.state
        .store
        .removal_started(Removal::Servers(id.to_string()));
    Ok(job_response(ctx.job("servergroup", id, "Update")))
}

/// UpdateServerGroupServersAttribute: weight and description of existing servers, at most 40.
pub fn update_servers(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("ServerGroupId")?;
    let items = servers_param(p, "Servers", limits::SERVERS_PER_UPDATE_CALL)?;
    let group = server_group(ctx.state, id)?;
    let mut changes = Vec::new();
    for s in &items {
        let index = find_server(group, s)?;
        let weight = match s.int("Weight")? {
            Some(w) if !(0..=100).contains(&w) => {
                return Err(ApiError::illegal(
                    "Weight",
                    format!("{w} is outside 0..100"),
                ))
            }
            w => w,
        };
        let description = s.str("Description")?;
        if let Some(d) = description.filter(|d| !d.is_empty()) {
            validate::description(&s.path("Description"), d)?;
        }
        changes.push((index, weight, description.map(str::to_string)));
    }
    writable_server_group(ctx, id)?;
    ctx.commit()?;
    let until = ctx.busy_until();
    if let Some(g) = ctx.state.store.server_groups.get_mut(id) {
        for (index, weight, description) in changes {
            if let Some(s) = g.servers.get_mut(index) {
                if let Some(w) = weight {
                    s.weight = w;
                }
                if let Some(d) = description {
                    s.description = Some(d).filter(|d| !d.is_empty());
                }
                s.phase = Phase::transition("Configuring", until);
            }
        }
        g.phase = Phase::transition("Configuring", until);
    }
    Ok(job_response(ctx.job("servergroup", id, "Update")))
}

/// ListServerGroupServers. [INF] an unknown ServerGroupId is `ResourceNotFound.ServerGroup`
/// (404) rather than an empty page: the stricter reading.
pub fn list_servers(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let group_id = p.str("ServerGroupId")?.filter(|s| !s.is_empty());
    if let Some(g) = group_id {
        server_group(ctx.state, g)?;
    }
    let server_ids = validate::filter_list(p, "ServerIds", limits::IDS_PER_FILTER)?;
    let tags = validate::tag_filters(p)?;
    let now = ctx.now;
    let groups = &ctx.state.store.server_groups;
    let candidates: Box<dyn Iterator<Item = &ServerGroup>> = match group_id {
        Some(id) => Box::new(groups.get(id).into_iter()),
        None => Box::new(groups.values()),
    };
    let items = candidates
        .filter(|g| validate::tags_match(&g.tags, &tags))
        .flat_map(|g| {
            g.servers
                .iter()
                .enumerate()
                .map(move |(i, s)| (format!("{}/{i:06}", g.id), s, render_server(&g.id, s, now)))
        })
        .filter(|(_, s, _)| server_ids.is_empty() || server_ids.contains(&s.server_id.as_str()))
        .map(|(key, _, v)| (key, v))
        .collect();
    Ok(Page::cut(p, items)?.render("Servers", true))
}

/// The API shape of a backend server.
pub fn render_server(group_id: &str, s: &Server, now: Millis) -> Value {
    let mut out = Map::new();
    if let Some(d) = &s.description {
        out.insert("Description".into(), json!(d));
    }
    if let Some(port) = s.port {
        out.insert("Port".into(), json!(port));
    }
    out.insert("RemoteIpEnabled".into(), json!(s.remote_ip_enabled));
    out.insert("ServerGroupId".into(), json!(group_id));
    out.insert("ServerId".into(), json!(s.server_id));
    if let Some(ip) = &s.server_ip {
        out.insert("ServerIp".into(), json!(ip));
    }
    out.insert("ServerType".into(), json!(s.server_type));
    out.insert("Status".into(), json!(s.phase.status("Available", now)));
    out.insert("Weight".into(), json!(s.weight));
    Value::Object(out)
}

/// The API shape of a server group.
pub fn render(state: &State, g: &ServerGroup, now: Millis) -> Value {
    let mut out = g.attrs.clone();
    out.insert("CreateTime".into(), json!(g.create_time));
    if let Some(p) = &g.protocol {
        out.insert("Protocol".into(), json!(p));
    }
    out.insert(
        "RelatedLoadBalancerIds".into(),
        json!(related_load_balancers(state, &g.id)),
    );
    out.insert("ServerCount".into(), json!(g.serving()));
    out.insert("ServerGroupId".into(), json!(g.id));
    out.insert("ServerGroupName".into(), json!(g.name));
    out.insert(
        "ServerGroupStatus".into(),
        json!(g.phase.status("Available", now)),
    );
    out.insert("ServerGroupType".into(), json!(g.server_group_type));
    out.insert("Tags".into(), validate::render_tags(&g.tags));
    if let Some(v) = &g.vpc_id {
        out.insert("VpcId".into(), json!(v));
    }
    Value::Object(out)
}

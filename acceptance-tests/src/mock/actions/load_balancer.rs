//! Load balancer actions.

use serde_json::{json, Map, Value};

use super::{job_response, load_balancer, object, writable_load_balancer, Ctx, Page};
use crate::mock::error::{ApiError, ApiResult};
use crate::mock::index::Removal;
use crate::mock::limits;
use crate::mock::model::{LoadBalancer, Millis, Phase, Zone};
use crate::mock::params::Scope;
use crate::mock::state::State;
use crate::mock::validate::{self, f, Field, Kind};

const EDITIONS: &[&str] = &["Basic", "Standard", "StandardWithWaf"];

const MODIFICATION_PROTECTION: &[Field] = &[
    f(
        "Status",
        Kind::Enum(&["NonProtection", "ConsoleProtection"]),
    ),
    f("Reason", Kind::Str),
];

const ZONE_EXTRA: &[Field] = &[
    f("AllocationId", Kind::Str),
    f("EipType", Kind::Enum(&["Common", "Anycast"])),
    f("IntranetAddress", Kind::Str),
];

/// A zone of a request (`ZoneMappings.N`), not yet deployed.
struct ZoneRequest {
    zone_id: String,
    v_switch_id: String,
    extra: Map<String, Value>,
}

impl ZoneRequest {
    /// The zone with a new address of `address_type`.
    fn deploy(self, state: &mut State, address_type: &str) -> Zone {
        Zone {
            address: new_address(state, address_type),
            zone_id: self.zone_id,
            v_switch_id: self.v_switch_id,
            extra: self.extra,
        }
    }
}

/// A made-up public or private IPv4 address.
fn new_address(state: &mut State, address_type: &str) -> String {
    let (a, b) = (state.random_octet(), state.random_octet());
    if address_type == "Internet" {
        format!("47.98.{a}.{b}")
    } else {
        format!("172.16.{a}.{b}")
    }
}

/// `ZoneMappings.N` of CreateLoadBalancer and UpdateLoadBalancerZones: 2–10 distinct zones, each
/// with a vSwitch.
fn zone_requests(p: &Scope<'_>) -> ApiResult<Vec<ZoneRequest>> {
    let zone_items = p.obj_list("ZoneMappings")?;
    // The SDK says 2–10 zones "where the region has at least two"; every region the mock
    // pretends to serve has, so at least two are required.
    if zone_items.is_empty() {
        return Err(ApiError::missing("ZoneMappings.1.ZoneId"));
    }
    if zone_items.len() < 2 || zone_items.len() > 10 {
        return Err(ApiError::invalid(
            "ZoneMappings",
            "between 2 and 10 zone mappings are required",
        ));
    }
    let mut zones: Vec<ZoneRequest> = Vec::new();
    for z in &zone_items {
        let zone_id = z.req_str("ZoneId")?;
        let v_switch_id = z.req_str("VSwitchId")?;
        if zones.iter().any(|x| x.zone_id == zone_id) {
            return Err(ApiError::invalid(
                &z.path("ZoneId"),
                "zones must be distinct",
            ));
        }
        zones.push(ZoneRequest {
            zone_id: zone_id.to_string(),
            v_switch_id: v_switch_id.to_string(),
            extra: validate::convert(z, ZONE_EXTRA)?,
        });
    }
    Ok(zones)
}

/// CreateLoadBalancer: no JobId; the instance is Provisioning until the async delay passes.
pub fn create(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let vpc_id = p.req_str("VpcId")?;
    let address_type = p.req_str("AddressType")?;
    p.enumeration("AddressType", &["Internet", "Intranet"])?;
    let edition = p.req_str("LoadBalancerEdition")?;
    p.enumeration("LoadBalancerEdition", EDITIONS)?;
    let billing = p
        .object("LoadBalancerBillingConfig")?
        .ok_or_else(|| ApiError::missing("LoadBalancerBillingConfig.PayType"))?;
    billing.req_str("PayType")?;
    let pay_type = billing
        .enumeration("PayType", &["PostPay"])?
        .unwrap_or("PostPay");
    let bandwidth_package = billing.str("BandwidthPackageId")?.filter(|s| !s.is_empty());
    let name = p.str("LoadBalancerName")?;
    if let Some(name) = name {
        validate::name("LoadBalancerName", name, 2, 128)?;
    }
    let ip_version = p
        .enumeration("AddressIpVersion", &["IPv4", "DualStack"])?
        .unwrap_or("IPv4");
    let allocated_mode = p
        .enumeration("AddressAllocatedMode", &["Fixed", "Dynamic"])?
        .unwrap_or("Dynamic");
    let deletion_protection = p.bool("DeletionProtectionEnabled")?.unwrap_or(false);
    let modification = match p.object("ModificationProtectionConfig")? {
        Some(m) => validate::convert(&m, MODIFICATION_PROTECTION)?,
        None => object(json!({"Status": "NonProtection"})),
    };
    let resource_group = p
        .str("ResourceGroupId")?
        .filter(|s| !s.is_empty())
        .unwrap_or("rg-mockdefault")
        .to_string();
    let tags = validate::tags(p)?;

    let zones = zone_requests(p)?;
    if ctx.state.store.load_balancers.len() >= limits::LOAD_BALANCERS_PER_REGION {
        return Err(ApiError::quota(
            "LoadBalancersNum",
            limits::LOAD_BALANCERS_PER_REGION,
        ));
    }
    ctx.commit()?;

    let id = ctx.state.new_id("alb");
    let dns_name = format!("{id}.{}.alb.aliyuncs.com", ctx.state.region);
    let zones = zones
        .into_iter()
        .map(|z| z.deploy(ctx.state, address_type))
        .collect();
    let mut attrs = Map::new();
    attrs.insert("AddressIpVersion".into(), json!(ip_version));
    attrs.insert("AddressAllocatedMode".into(), json!(allocated_mode));
    attrs.insert("PayType".into(), json!(pay_type));
    if let Some(bp) = bandwidth_package {
        attrs.insert("BandwidthPackageId".into(), json!(bp));
    }
    attrs.insert(
        "ModificationProtectionConfig".into(),
        Value::Object(modification),
    );
    attrs.insert("ResourceGroupId".into(), json!(resource_group));
    let lb = LoadBalancer {
        id: id.clone(),
        name: name.map(str::to_string),
        vpc_id: vpc_id.to_string(),
        edition: edition.to_string(),
        address_type: address_type.to_string(),
        dns_name,
        zones,
        deletion_protection: deletion_protection.then(|| ctx.now_iso()),
        access_log: None,
        attrs,
        create_time: ctx.now_iso(),
        tags,
        phase: Phase::transition("Provisioning", ctx.busy_until()),
    };
    ctx.state.store.load_balancers.insert(id.clone(), lb);
    Ok(object(json!({"LoadBalancerId": id})))
}

/// GetLoadBalancerAttribute.
pub fn get(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("LoadBalancerId")?;
    let lb = load_balancer(ctx.state, id)?;
    Ok(object(render(ctx.state, lb, ctx.now, true)))
}

/// ListLoadBalancers with its id/name/VPC/status/tag filters.
pub fn list(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let ids = validate::filter_list(p, "LoadBalancerIds", limits::IDS_PER_FILTER)?;
    let names = validate::filter_list(p, "LoadBalancerNames", limits::NAMES_PER_FILTER)?;
    let vpcs = validate::filter_list(p, "VpcIds", limits::NAMES_PER_FILTER)?;
    let address_type = p.str("AddressType")?.filter(|s| !s.is_empty());
    let status = p.str("LoadBalancerStatus")?.filter(|s| !s.is_empty());
    let dns = p.str("DNSName")?.filter(|s| !s.is_empty());
    let zone = p.str("ZoneId")?.filter(|s| !s.is_empty());
    let resource_group = p.str("ResourceGroupId")?.filter(|s| !s.is_empty());
    let tags = validate::tag_filters(p)?;
    let now = ctx.now;
    let items = ctx
        .state
        .store
        .load_balancers
        .values()
        .filter(|lb| ids.is_empty() || ids.contains(&lb.id.as_str()))
        .filter(|lb| names.is_empty() || lb.name.as_deref().is_some_and(|n| names.contains(&n)))
        .filter(|lb| vpcs.is_empty() || vpcs.contains(&lb.vpc_id.as_str()))
        .filter(|lb| address_type.is_none_or(|t| t == lb.address_type))
        .filter(|lb| status.is_none_or(|s| s == lb.phase.status("Active", now)))
        .filter(|lb| dns.is_none_or(|d| d == lb.dns_name))
        .filter(|lb| zone.is_none_or(|z| lb.zones.iter().any(|x| x.zone_id == z)))
        .filter(|lb| {
            resource_group.is_none_or(|rg| lb.attrs.get("ResourceGroupId") == Some(&json!(rg)))
        })
        .filter(|lb| validate::tags_match(&lb.tags, &tags))
        .map(|lb| (lb.id.clone(), render(ctx.state, lb, now, false)))
        .collect();
    Ok(Page::cut(p, items)?.render("LoadBalancers", true))
}

/// UpdateLoadBalancerAttribute: name and modification protection.
pub fn update(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("LoadBalancerId")?;
    let name = p.str("LoadBalancerName")?;
    if let Some(name) = name {
        validate::name("LoadBalancerName", name, 2, 128)?;
    }
    let modification = match p.object("ModificationProtectionConfig")? {
        Some(m) => Some(validate::convert(&m, MODIFICATION_PROTECTION)?),
        None => None,
    };
    writable_load_balancer(ctx, id)?;
    ctx.commit()?;
    let until = ctx.busy_until();
    if let Some(lb) = ctx.state.store.load_balancers.get_mut(id) {
        if let Some(name) = name {
            lb.name = Some(name.to_string());
        }
        if let Some(m) = modification {
            lb.attrs
                .insert("ModificationProtectionConfig".into(), Value::Object(m));
        }
        lb.phase = Phase::transition("Configuring", until);
    }
    Ok(job_response(ctx.job("loadbalancer", id, "Update")))
}

fn set_deletion_protection(
    ctx: &mut Ctx<'_>,
    p: &Scope<'_>,
    on: bool,
) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("ResourceId")?;
    writable_load_balancer(ctx, id)?;
    ctx.commit()?;
    let now = ctx.now_iso();
    if let Some(lb) = ctx.state.store.load_balancers.get_mut(id) {
        lb.deletion_protection = on.then_some(now);
    }
    Ok(Map::new())
}

/// EnableDeletionProtection (synchronous, RequestId only).
pub fn enable_deletion_protection(
    ctx: &mut Ctx<'_>,
    p: &Scope<'_>,
) -> ApiResult<Map<String, Value>> {
    set_deletion_protection(ctx, p, true)
}

/// DisableDeletionProtection (synchronous, RequestId only).
pub fn disable_deletion_protection(
    ctx: &mut Ctx<'_>,
    p: &Scope<'_>,
) -> ApiResult<Map<String, Value>> {
    set_deletion_protection(ctx, p, false)
}

/// EnableLoadBalancerAccessLog: `OperationDenied.AccessLogEnabled` when already on.
pub fn enable_access_log(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("LoadBalancerId")?;
    let project = p.req_str("LogProject")?;
    let store = p.req_str("LogStore")?;
    writable_load_balancer(ctx, id)?;
    if load_balancer(ctx.state, id)?.access_log.is_some() {
        return Err(ApiError::denied(
            "AccessLogEnabled",
            "access log is already enabled",
        ));
    }
    ctx.commit()?;
    let until = ctx.busy_until();
    if let Some(lb) = ctx.state.store.load_balancers.get_mut(id) {
        lb.access_log = Some((project.to_string(), store.to_string()));
        lb.phase = Phase::transition("Configuring", until);
    }
    Ok(job_response(ctx.job("loadbalancer", id, "Update")))
}

/// DisableLoadBalancerAccessLog (synchronous, RequestId only; no-op when off).
pub fn disable_access_log(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("LoadBalancerId")?;
    writable_load_balancer(ctx, id)?;
    ctx.commit()?;
    if let Some(lb) = ctx.state.store.load_balancers.get_mut(id) {
        lb.access_log = None;
    }
    Ok(Map::new())
}

/// The edition changes `UpdateLoadBalancerEdition` makes: Basic → Standard, Basic →
/// StandardWithWaf, StandardWithWaf → Standard (the API reference); nothing goes back to Basic,
/// and Standard → StandardWithWaf is not listed, so the mock refuses it too.
pub fn edition_change_allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("Basic", "Standard") | ("Basic", "StandardWithWaf") | ("StandardWithWaf", "Standard")
    )
}

/// UpdateLoadBalancerEdition: RequestId only; the load balancer is Configuring until done.
pub fn update_edition(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("LoadBalancerId")?;
    let edition = p.req_str("LoadBalancerEdition")?;
    p.enumeration("LoadBalancerEdition", EDITIONS)?;
    writable_load_balancer(ctx, id)?;
    let current = load_balancer(ctx.state, id)?.edition.clone();
    if !edition_change_allowed(&current, edition) {
        // [INF] the code of a refused edition change is not documented; strict here.
        return Err(ApiError::denied(
            "LoadBalancerEdition",
            format!("the edition of LoadBalancer [{id}] cannot change from {current} to {edition}"),
        ));
    }
    ctx.commit()?;
    let until = ctx.busy_until();
    if let Some(lb) = ctx.state.store.load_balancers.get_mut(id) {
        lb.edition = edition.to_string();
        lb.phase = Phase::transition("Configuring", until);
    }
    Ok(Map::new())
}

/// UpdateLoadBalancerZones: the complete new zone set; zones that stay keep their address.
pub fn update_zones(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("LoadBalancerId")?;
    let wanted = zone_requests(p)?;
    writable_load_balancer(ctx, id)?;
    let lb = load_balancer(ctx.state, id)?;
    let (address_type, old) = (lb.address_type.clone(), lb.zones.clone());
    ctx.commit()?;
    let zones: Vec<Zone> = wanted
        .into_iter()
        .map(|z| {
            match old
                .iter()
                .find(|o| o.zone_id == z.zone_id && o.v_switch_id == z.v_switch_id)
            {
                Some(kept) => Zone {
                    extra: z.extra,
                    ..kept.clone()
                },
                None => z.deploy(ctx.state, &address_type),
            }
        })
        .collect();
    let until = ctx.busy_until();
    if let Some(lb) = ctx.state.store.load_balancers.get_mut(id) {
        lb.zones = zones;
        lb.phase = Phase::transition("Configuring", until);
    }
    Ok(job_response(ctx.job("loadbalancer", id, "Update")))
}

/// UpdateLoadBalancerAddressTypeConfig: Internet ⇄ Intranet. `ZoneMappings`, when given, must
/// name the load balancer's zones and vSwitches. Going to Internet needs an Elastic IP per zone
/// (the API reference: "you must first create an EIP"); the mock requires `AllocationId` for
/// every zone [INF], and refuses a change to the current type [INF].
pub fn update_address_type(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("LoadBalancerId")?;
    let address_type = p.req_str("AddressType")?;
    p.enumeration("AddressType", &["Internet", "Intranet"])?;
    let given = p.obj_list("ZoneMappings")?;
    writable_load_balancer(ctx, id)?;
    let lb = load_balancer(ctx.state, id)?.clone();
    if lb.address_type == address_type {
        return Err(ApiError::illegal(
            "AddressType",
            format!("LoadBalancer [{id}] is already {address_type}"),
        ));
    }
    if !given.is_empty() && given.len() < 2 {
        return Err(ApiError::invalid(
            "ZoneMappings",
            "at least two zone mappings are required",
        ));
    }
    let mut eips = Map::new();
    for z in &given {
        let zone_id = z.req_str("ZoneId")?;
        let v_switch_id = z.req_str("VSwitchId")?;
        if !lb
            .zones
            .iter()
            .any(|o| o.zone_id == zone_id && o.v_switch_id == v_switch_id)
        {
            return Err(ApiError::illegal(
                "ZoneMappings",
                format!("zone {zone_id} with vSwitch {v_switch_id} is not a zone of LoadBalancer [{id}]"),
            ));
        }
        if let Some(eip) = z.str("AllocationId")?.filter(|s| !s.is_empty()) {
            eips.insert(zone_id.to_string(), json!(eip));
        }
    }
    if address_type == "Internet" {
        if let Some(missing) = lb.zones.iter().find(|z| !eips.contains_key(&z.zone_id)) {
            return Err(ApiError::missing(&format!(
                "ZoneMappings.AllocationId (zone {})",
                missing.zone_id
            )));
        }
    }
    ctx.commit()?;
    let until = ctx.busy_until();
    let mut zones = lb.zones.clone();
    for z in &mut zones {
        z.address = new_address(ctx.state, address_type);
        match eips.get(&z.zone_id) {
            Some(eip) => {
                z.extra.insert("AllocationId".into(), eip.clone());
            }
            None => {
                z.extra.remove("AllocationId");
                z.extra.remove("EipType");
            }
        }
    }
    if let Some(lb) = ctx.state.store.load_balancers.get_mut(id) {
        lb.address_type = address_type.to_string();
        lb.zones = zones;
        lb.phase = Phase::transition("Configuring", until);
    }
    Ok(job_response(ctx.job("loadbalancer", id, "Update")))
}

/// MoveResourceGroup (synchronous). The mock keeps resource groups of load balancers only;
/// a group id must look like `rg-…` [INF], else `NotExist.ResourceGroup` (seen by Terraform).
pub fn move_resource_group(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("ResourceId")?;
    let kind = p.req_str("ResourceType")?;
    p.enumeration(
        "ResourceType",
        &["loadbalancer", "acl", "securitypolicy", "servergroup"],
    )?;
    let group = p.req_str("NewResourceGroupId")?;
    if kind != "loadbalancer" {
        return Err(ApiError::invalid(
            "ResourceType",
            format!("the mock moves only load balancers, not {kind}"),
        ));
    }
    if !group.starts_with("rg-") || group.len() < 4 {
        return Err(ApiError::new(
            400,
            "NotExist.ResourceGroup",
            format!("The resource group [{group}] does not exist."),
        ));
    }
    writable_load_balancer(ctx, id)?;
    ctx.commit()?;
    if let Some(lb) = ctx.state.store.load_balancers.get_mut(id) {
        lb.attrs.insert("ResourceGroupId".into(), json!(group));
    }
    Ok(Map::new())
}

/// DeleteLoadBalancer: refused while deletion protection is on; listeners and rules go with it.
///
/// \[INF\] The research documents the load balancer's `Deleting → not found` but not what
/// happens to its listeners; the provider relies on them going with it (as the console does,
/// and as the controllers' "delete the AlbConfig deletes the ALB" reads). The mock takes the
/// strict reading of everything around that: the call is refused
/// (`IncorrectStatus.Listener`) while one of the listeners is still changing, and the
/// listeners and rules are `Deleting` until the job ends, so any later write to them fails.
pub fn delete(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("LoadBalancerId")?;
    writable_load_balancer(ctx, id)?;
    if let Some(busy) = ctx
        .state
        .store
        .listeners
        .values()
        .find(|l| l.load_balancer_id == id && l.phase.busy(ctx.now))
    {
        return Err(ApiError::incorrect_status("Listener", &busy.id));
    }
    if load_balancer(ctx.state, id)?.deletion_protection.is_some() {
        // [INF] the exact code is not documented; the mock uses OperationDenied.DeletionProtection.
        return Err(ApiError::denied(
            "DeletionProtection",
            format!("deletion protection of LoadBalancer [{id}] is enabled"),
        ));
    }
    ctx.commit()?;
    let until = ctx.job_done();
    let store = &mut ctx.state.store;
    if let Some(lb) = store.load_balancers.get_mut(id) {
        lb.phase = Phase::removing("Deleting", until);
    }
    store.removal_started(Removal::LoadBalancer(id.to_string()));
    let listeners: Vec<String> = store.listeners_of(id).map(|l| l.id.clone()).collect();
    let rules: Vec<String> = store
        .rules_of_load_balancer(id)
        .map(|r| r.id.clone())
        .collect();
    for listener in listeners {
        if let Some(l) = store.listeners.get_mut(&listener) {
            l.phase = Phase::removing("Deleting", until);
        }
        store.removal_started(Removal::Listener(listener));
    }
    for rule in rules {
        if let Some(r) = store.rules.get_mut(&rule) {
            r.phase = Phase::removing("Deleting", until);
        }
        store.removal_started(Removal::Rule(rule));
    }
    Ok(job_response(ctx.job("loadbalancer", id, "Delete")))
}

/// The API shape; `full` adds RegionId and ZoneMappings (GetLoadBalancerAttribute).
pub fn render(state: &State, lb: &LoadBalancer, now: Millis, full: bool) -> Value {
    let mut out = Map::new();
    let attr = |k: &str| lb.attrs.get(k).cloned().unwrap_or(Value::Null);
    if let Some((project, store)) = &lb.access_log {
        out.insert(
            "AccessLogConfig".into(),
            json!({"LogProject": project, "LogStore": store}),
        );
    }
    out.insert("AddressAllocatedMode".into(), attr("AddressAllocatedMode"));
    out.insert("AddressIpVersion".into(), attr("AddressIpVersion"));
    out.insert("AddressType".into(), json!(lb.address_type));
    if let Some(bp) = lb.attrs.get("BandwidthPackageId") {
        out.insert("BandwidthPackageId".into(), bp.clone());
    }
    out.insert("CreateTime".into(), json!(lb.create_time));
    out.insert("DNSName".into(), json!(lb.dns_name));
    let mut protection = Map::new();
    protection.insert("Enabled".into(), json!(lb.deletion_protection.is_some()));
    if let Some(t) = &lb.deletion_protection {
        protection.insert("EnabledTime".into(), json!(t));
    }
    out.insert("DeletionProtectionConfig".into(), Value::Object(protection));
    out.insert(
        "LoadBalancerBillingConfig".into(),
        json!({"PayType": attr("PayType")}),
    );
    out.insert("LoadBalancerBussinessStatus".into(), json!("Normal"));
    out.insert("LoadBalancerEdition".into(), json!(lb.edition));
    out.insert("LoadBalancerId".into(), json!(lb.id));
    if let Some(name) = &lb.name {
        out.insert("LoadBalancerName".into(), json!(name));
    }
    out.insert("LoadBalancerOperationLocks".into(), json!([]));
    out.insert(
        "LoadBalancerStatus".into(),
        json!(lb.phase.status("Active", now)),
    );
    out.insert(
        "ModificationProtectionConfig".into(),
        attr("ModificationProtectionConfig"),
    );
    if full {
        out.insert("RegionId".into(), json!(state.region));
    }
    out.insert("ResourceGroupId".into(), attr("ResourceGroupId"));
    out.insert("SecurityGroupIds".into(), json!([]));
    out.insert("Tags".into(), validate::render_tags(&lb.tags));
    out.insert("VpcId".into(), json!(lb.vpc_id));
    if full {
        let zones: Vec<Value> = lb
            .zones
            .iter()
            .map(|z| {
                let mut address = Map::new();
                address.insert("Address".into(), json!(z.address));
                for (k, v) in &z.extra {
                    address.insert(k.clone(), v.clone());
                }
                json!({
                    "ZoneId": z.zone_id,
                    "VSwitchId": z.v_switch_id,
                    "Status": "Active",
                    "LoadBalancerAddresses": [Value::Object(address)],
                })
            })
            .collect();
        out.insert("ZoneMappings".into(), Value::Array(zones));
    }
    Value::Object(out)
}

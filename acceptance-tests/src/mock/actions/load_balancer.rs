//! Load balancer actions.

use serde_json::{json, Map, Value};

use super::{job_response, load_balancer, object, writable_load_balancer, Ctx, Page};
use crate::mock::error::{ApiError, ApiResult};
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
    let mut zones = Vec::new();
    for z in &zone_items {
        let zone_id = z.req_str("ZoneId")?;
        let v_switch_id = z.req_str("VSwitchId")?;
        if zones
            .iter()
            .any(|x: &(String, String, Map<String, Value>)| x.0 == zone_id)
        {
            return Err(ApiError::invalid(
                &z.path("ZoneId"),
                "zones must be distinct",
            ));
        }
        zones.push((
            zone_id.to_string(),
            v_switch_id.to_string(),
            validate::convert(z, ZONE_EXTRA)?,
        ));
    }
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
        .map(|(zone_id, v_switch_id, extra)| {
            let (a, b) = (ctx.state.random_octet(), ctx.state.random_octet());
            let address = if address_type == "Internet" {
                format!("47.98.{a}.{b}")
            } else {
                format!("172.16.{a}.{b}")
            };
            Zone {
                zone_id,
                v_switch_id,
                address,
                extra,
            }
        })
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

/// DeleteLoadBalancer: refused while deletion protection is on; listeners and rules go with it.
pub fn delete(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("LoadBalancerId")?;
    writable_load_balancer(ctx, id)?;
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
    for l in store
        .listeners
        .values_mut()
        .filter(|l| l.load_balancer_id == id)
    {
        l.phase = Phase::removing("Deleting", until);
    }
    for r in store
        .rules
        .values_mut()
        .filter(|r| r.load_balancer_id == id)
    {
        r.phase = Phase::removing("Deleting", until);
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

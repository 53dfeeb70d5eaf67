//! Listener actions, including additional certificates.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::{
    check_instance_servers, job_response, listener, load_balancer, object,
    referenced_server_groups, writable_listener, writable_listener_child, writable_load_balancer,
    Ctx, Page,
};
use crate::mock::error::{ApiError, ApiResult};
use crate::mock::index::Removal;
use crate::mock::limits;
use crate::mock::model::{Listener, ListenerCertificate, Millis, Phase};
use crate::mock::params::Scope;
use crate::mock::state::State;
use crate::mock::validate::{self, f, Field, Kind};

const PROTOCOLS: &[&str] = &["HTTP", "HTTPS", "QUIC"];

const XFF: &[Field] = &[
    f("XForwardedForEnabled", Kind::Bool),
    f("XForwardedForProtoEnabled", Kind::Bool),
    f("XForwardedForSLBIdEnabled", Kind::Bool),
    f("XForwardedForSLBPortEnabled", Kind::Bool),
    f("XForwardedForClientSrcPortEnabled", Kind::Bool),
    f("XForwardedForHostEnabled", Kind::Bool),
    f(
        "XForwardedForProcessingMode",
        Kind::Enum(&["append", "remove"]),
    ),
    f("XForwardedForClientSourceIpsEnabled", Kind::Bool),
    f("XForwardedForClientSourceIpsTrusted", Kind::Str),
    f("XForwardedForClientCertSubjectDNEnabled", Kind::Bool),
    f("XForwardedForClientCertSubjectDNAlias", Kind::Str),
    f("XForwardedForClientCertIssuerDNEnabled", Kind::Bool),
    f("XForwardedForClientCertIssuerDNAlias", Kind::Str),
    f("XForwardedForClientCertFingerprintEnabled", Kind::Bool),
    f("XForwardedForClientCertFingerprintAlias", Kind::Str),
    f("XForwardedForClientCertClientVerifyEnabled", Kind::Bool),
    f("XForwardedForClientCertClientVerifyAlias", Kind::Str),
];

const QUIC: &[Field] = &[
    f("QuicUpgradeEnabled", Kind::Bool),
    f("QuicListenerId", Kind::Str),
];

/// Scalar and structured attributes settable by Create and Update. The SDK documents idle
/// 1–60 s and request 1–180 s; newer docs and Terraform allow 1–600 s, which the mock accepts.
const ATTRS: &[Field] = &[
    f("IdleTimeout", Kind::Int(1, 600)),
    f("RequestTimeout", Kind::Int(1, 600)),
    f("GzipEnabled", Kind::Bool),
    f("Http2Enabled", Kind::Bool),
    f("SecurityPolicyId", Kind::Str),
    f("CaEnabled", Kind::Bool),
    f("QuicConfig", Kind::Obj(QUIC)),
    f("XForwardedForConfig", Kind::Obj(XFF)),
];

const TUPLE: &[Field] = &[f("ServerGroupId", Kind::Str), f("Weight", Kind::AnyInt)];
const FORWARD: &[Field] = &[f("ServerGroupTuples", Kind::ObjList(TUPLE))];
const DEFAULT_ACTION: &[Field] = &[
    f("Type", Kind::Str),
    f("ForwardGroupConfig", Kind::Obj(FORWARD)),
];

fn cert_ids(p: &Scope<'_>, name: &str) -> ApiResult<Vec<String>> {
    p.obj_list(name)?
        .iter()
        .map(|c| c.req_str("CertificateId").map(str::to_string))
        .collect()
}

/// Validates `DefaultActions`: exactly one ForwardGroup action to 1–5 existing server groups.
fn default_actions(state: &State, p: &Scope<'_>) -> ApiResult<Value> {
    let items = p.obj_list("DefaultActions")?;
    let Some(first) = items.first() else {
        return Err(ApiError::missing("DefaultActions.1.Type"));
    };
    if items.len() > 1 {
        return Err(ApiError::illegal(
            "DefaultActions",
            "exactly one default action is allowed",
        ));
    }
    let kind = first.req_str("Type")?;
    if kind != "ForwardGroup" {
        return Err(ApiError::illegal(
            "DefaultActions",
            format!("the default action must be ForwardGroup, not {kind}"),
        ));
    }
    let forward = first.object("ForwardGroupConfig")?.ok_or_else(|| {
        ApiError::missing("DefaultActions.1.ForwardGroupConfig.ServerGroupTuples.1.ServerGroupId")
    })?;
    let tuples = forward.obj_list("ServerGroupTuples")?;
    if tuples.is_empty() {
        return Err(ApiError::missing(
            &forward.path("ServerGroupTuples.1.ServerGroupId"),
        ));
    }
    if tuples.len() > limits::SERVER_GROUPS_PER_FORWARD {
        return Err(ApiError::illegal(
            "ServerGroupTuples",
            format!(
                "at most {} server groups",
                limits::SERVER_GROUPS_PER_FORWARD
            ),
        ));
    }
    let mut seen = Vec::new();
    for t in &tuples {
        let id = t.req_str("ServerGroupId")?;
        check_forward_target(state, id)?;
        if seen.contains(&id) {
            return Err(ApiError::illegal(
                "ServerGroupTuples",
                format!("{id} appears twice"),
            ));
        }
        seen.push(id);
        if let Some(w) = t.int("Weight")? {
            if !(0..=100).contains(&w) {
                return Err(ApiError::illegal(
                    "Weight",
                    format!("{w} is outside 0..100"),
                ));
            }
        }
    }
    Ok(Value::Array(vec![Value::Object(validate::convert(
        first,
        DEFAULT_ACTION,
    )?)]))
}

/// A server group used as a forward target must exist and not be in deletion.
pub fn check_forward_target(state: &State, id: &str) -> ApiResult<()> {
    let group = super::server_group(state, id)?;
    if group.phase.removing_now() {
        return Err(ApiError::incorrect_status("ServerGroup", id));
    }
    Ok(())
}

/// `ResourceAlreadyExist.Listener` when the port is taken by the same protocol, or when HTTP
/// and HTTPS would share it (QUIC runs over UDP and may share a port with either).
fn check_port(state: &State, lb_id: &str, protocol: &str, port: i64) -> ApiResult<()> {
    let tcp = |p: &str| p == "HTTP" || p == "HTTPS";
    let clash = state
        .store
        .listeners_of(lb_id)
        .any(|l| l.port == port && (l.protocol == protocol || (tcp(&l.protocol) && tcp(protocol))));
    if clash {
        return Err(ApiError::already_exists(
            "Listener",
            format!("port {port} of LoadBalancer [{lb_id}] is already used"),
        ));
    }
    Ok(())
}

/// CreateListener.
pub fn create(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let lb_id = p.req_str("LoadBalancerId")?;
    p.req_str("ListenerProtocol")?;
    let protocol = p
        .enumeration("ListenerProtocol", PROTOCOLS)?
        .unwrap_or("HTTP");
    if !p.has("ListenerPort") {
        return Err(ApiError::missing("ListenerPort"));
    }
    let port = p.int_in("ListenerPort", 1, 65535)?.unwrap_or(0);
    let description = p.str("ListenerDescription")?;
    if let Some(d) = description {
        validate::description("ListenerDescription", d)?;
    }
    let mut attrs = validate::convert(p, ATTRS)?;
    let certificates = cert_ids(p, "Certificates")?;
    let ca_certificates = cert_ids(p, "CaCertificates")?;
    let secure = protocol != "HTTP";
    if secure && certificates.is_empty() {
        return Err(ApiError::missing("Certificates.1.CertificateId"));
    }
    // Only the default certificate is set here; more go through AssociateAdditional….
    validate::at_most("Certificates", &certificates, 1)?;
    validate::at_most("CaCertificates", &ca_certificates, 1)?;
    let tags = validate::tags(p)?;
    let default_actions = default_actions(ctx.state, p)?;

    load_balancer(ctx.state, lb_id)?;
    check_port(ctx.state, lb_id, protocol, port)?;
    let count = ctx.state.store.listeners_of(lb_id).count();
    if count >= limits::LISTENERS_PER_LOAD_BALANCER {
        return Err(ApiError::quota(
            "ListenersNum",
            limits::LISTENERS_PER_LOAD_BALANCER,
        ));
    }
    check_instance_servers(
        ctx.state,
        lb_id,
        &referenced_server_groups(&default_actions),
        0,
    )?;
    writable_load_balancer(ctx, lb_id)?;
    ctx.commit()?;

    let mut full = object(json!({
        "IdleTimeout": 15,
        "RequestTimeout": 60,
        "GzipEnabled": true,
        "CaEnabled": false,
        "XForwardedForConfig": {
            "XForwardedForEnabled": true,
            "XForwardedForProtoEnabled": false,
            "XForwardedForSLBIdEnabled": false,
            "XForwardedForSLBPortEnabled": false,
            "XForwardedForClientSrcPortEnabled": false,
            "XForwardedForHostEnabled": false,
            "XForwardedForProcessingMode": "append",
            "XForwardedForClientSourceIpsEnabled": false,
            "XForwardedForClientCertSubjectDNEnabled": false,
            "XForwardedForClientCertIssuerDNEnabled": false,
            "XForwardedForClientCertFingerprintEnabled": false,
            "XForwardedForClientCertClientVerifyEnabled": false,
        },
    }));
    if secure {
        full.insert("Http2Enabled".into(), json!(true));
        full.insert("SecurityPolicyId".into(), json!("tls_cipher_policy_1_0"));
    } else {
        attrs.remove("Http2Enabled");
        attrs.remove("SecurityPolicyId");
    }
    validate::merge(&mut full, attrs);
    if let Some(d) = description {
        full.insert("ListenerDescription".into(), json!(d));
    }
    full.insert("CaCertificates".into(), json!(ca_certificates));

    let id = ctx.state.new_id("lsn");
    let seq = ctx.state.next_seq();
    let listener = Listener {
        id: id.clone(),
        load_balancer_id: lb_id.to_string(),
        protocol: protocol.to_string(),
        port,
        default_actions,
        certificates: if secure { certificates } else { Vec::new() },
        additional_certificates: Default::default(),
        acl_type: None,
        acls: Default::default(),
        attrs: full,
        tags,
        seq,
        phase: Phase::transition("Provisioning", ctx.busy_until()),
    };
    ctx.state.store.insert_listener(listener);
    let job = ctx.job("listener", &id, "Create");
    Ok(object(json!({"ListenerId": id, "JobId": job})))
}

/// GetListenerAttribute.
pub fn get(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("ListenerId")?;
    Ok(object(render(listener(ctx.state, id)?, ctx.now, true)))
}

/// ListListeners.
pub fn list(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let ids = validate::filter_list(p, "ListenerIds", limits::IDS_PER_FILTER)?;
    let lbs = validate::filter_list(p, "LoadBalancerIds", limits::IDS_PER_FILTER)?;
    let protocol = p.str("ListenerProtocol")?.filter(|s| !s.is_empty());
    let tags = validate::tag_filters(p)?;
    let now = ctx.now;
    let store = &ctx.state.store;
    let by_lb: BTreeSet<&str> = lbs.iter().copied().collect();
    let candidates: Box<dyn Iterator<Item = &Listener>> = if by_lb.is_empty() {
        Box::new(store.listeners.values())
    } else {
        Box::new(by_lb.into_iter().flat_map(|lb| store.listeners_of(lb)))
    };
    let mut items = candidates
        .filter(|l| ids.is_empty() || ids.contains(&l.id.as_str()))
        .filter(|l| lbs.is_empty() || lbs.contains(&l.load_balancer_id.as_str()))
        .filter(|l| protocol.is_none_or(|x| x == l.protocol))
        .filter(|l| validate::tags_match(&l.tags, &tags))
        .map(|l| (super::seq_key(l.seq), render(l, now, false)))
        .collect::<Vec<_>>();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Page::cut(p, items)?.render("Listeners", true))
}

/// UpdateListenerAttribute: only the given fields change (objects merge, lists replace).
pub fn update(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("ListenerId")?;
    let description = p.str("ListenerDescription")?;
    if let Some(d) = description {
        validate::description("ListenerDescription", d)?;
    }
    let mut attrs = validate::convert(p, ATTRS)?;
    let certificates = cert_ids(p, "Certificates")?;
    validate::at_most("Certificates", &certificates, 1)?;
    let ca_certificates = cert_ids(p, "CaCertificates")?;
    validate::at_most("CaCertificates", &ca_certificates, 1)?;
    let defaults = if p.has("DefaultActions") {
        Some(default_actions(ctx.state, p)?)
    } else {
        None
    };
    let current = listener(ctx.state, id)?;
    let lb_id = current.load_balancer_id.clone();
    let secure = current.protocol != "HTTP";
    writable_listener(ctx, id)?;
    if let Some(d) = &defaults {
        check_instance_servers(ctx.state, &lb_id, &referenced_server_groups(d), 0)?;
    }
    ctx.commit()?;
    if !secure {
        attrs.remove("Http2Enabled");
        attrs.remove("SecurityPolicyId");
    }
    let until = ctx.busy_until();
    if let Some(l) = ctx.state.store.listeners.get_mut(id) {
        validate::merge(&mut l.attrs, attrs);
        if let Some(d) = description {
            l.attrs.insert("ListenerDescription".into(), json!(d));
        }
        if secure && !certificates.is_empty() {
            l.certificates = certificates;
        }
        if p.has("CaCertificates") {
            l.attrs
                .insert("CaCertificates".into(), json!(ca_certificates));
        }
        if let Some(d) = defaults {
            l.default_actions = d;
        }
        l.phase = Phase::transition("Configuring", until);
    }
    ctx.state.store.index_listener(id);
    Ok(job_response(ctx.job("listener", id, "Update")))
}

/// DeleteListener: its rules are deleted with it.
pub fn delete(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("ListenerId")?;
    writable_listener_child(ctx, id)?;
    ctx.commit()?;
    let until = ctx.job_done();
    let store = &mut ctx.state.store;
    if let Some(l) = store.listeners.get_mut(id) {
        l.phase = Phase::removing("Deleting", until);
        for binding in l.acls.values_mut() {
            binding.phase = Phase::removing("Dissociating", until);
        }
    }
    store.removal_started(Removal::Listener(id.to_string()));
    store.removal_started(Removal::ListenerParts(id.to_string()));
    let rules: Vec<String> = store.rules_of(id).map(|r| r.id.clone()).collect();
    for rule in rules {
        if let Some(r) = store.rules.get_mut(&rule) {
            r.phase = Phase::removing("Deleting", until);
        }
        store.removal_started(Removal::Rule(rule));
    }
    Ok(job_response(ctx.job("listener", id, "Delete")))
}

/// Shared front part of Associate/Dissociate: listener id, certificate ids, protocol check.
fn certificate_call(ctx: &Ctx<'_>, p: &Scope<'_>) -> ApiResult<(String, Vec<String>)> {
    let id = p.req_str("ListenerId")?;
    let certs = cert_ids(p, "Certificates")?;
    if certs.is_empty() {
        return Err(ApiError::missing("Certificates.1.CertificateId"));
    }
    validate::at_most("Certificates", &certs, limits::CERTIFICATES_PER_CALL)?;
    let l = listener(ctx.state, id)?;
    if l.protocol == "HTTP" {
        // [INF] code not documented.
        return Err(ApiError::denied(
            "ListenerProtocol",
            "additional certificates need an HTTPS or QUIC listener",
        ));
    }
    writable_listener(ctx, id)?;
    Ok((id.to_string(), certs))
}

/// AssociateAdditionalCertificatesWithListener (quota: additional certificates per instance).
pub fn associate_certificates(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let (id, certs) = certificate_call(ctx, p)?;
    let l = listener(ctx.state, &id)?;
    let lb_id = l.load_balancer_id.clone();
    let new: Vec<String> = certs
        .into_iter()
        .filter(|c| !l.certificates.contains(c) && !l.additional_certificates.contains_key(c))
        .collect();
    let limit = limits::edition(&load_balancer(ctx.state, &lb_id)?.edition).additional_certificates;
    let used: usize = ctx
        .state
        .store
        .listeners_of(&lb_id)
        .map(|l| l.additional_certificates.len())
        .sum();
    if used + new.len() > limit {
        return Err(ApiError::quota("AdditionalCertificatesNum", limit));
    }
    ctx.commit()?;
    let until = ctx.busy_until();
    if let Some(l) = ctx.state.store.listeners.get_mut(&id) {
        for c in new {
            l.additional_certificates.insert(
                c,
                ListenerCertificate {
                    phase: Phase::transition("Associating", until),
                },
            );
        }
        l.phase = Phase::transition("Configuring", until);
    }
    Ok(job_response(ctx.job("listener", &id, "Update")))
}

/// DissociateAdditionalCertificatesFromListener (`ResourceNotFound.Certificate` when not associated).
pub fn dissociate_certificates(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let (id, certs) = certificate_call(ctx, p)?;
    let l = listener(ctx.state, &id)?;
    for c in &certs {
        match l.additional_certificates.get(c) {
            Some(cert) if !cert.phase.removing_now() => {}
            _ => return Err(ApiError::not_found("Certificate", c)),
        }
    }
    ctx.commit()?;
    let until = ctx.busy_until();
    if let Some(l) = ctx.state.store.listeners.get_mut(&id) {
        for c in certs {
            if let Some(cert) = l.additional_certificates.get_mut(&c) {
                cert.phase = Phase::removing("Dissociating", until);
            }
        }
        l.phase = Phase::transition("Configuring", until);
    }
    ctx.state
        .store
        .removal_started(Removal::ListenerParts(id.clone()));
    Ok(job_response(ctx.job("listener", &id, "Update")))
}

/// ListListenerCertificates: default (IsDefault), additional and CA certificates.
pub fn list_certificates(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("ListenerId")?;
    let kind = p.enumeration("CertificateType", &["Ca", "Server"])?;
    let ids = validate::filter_list(p, "CertificateIds", limits::IDS_PER_FILTER)?;
    let l = listener(ctx.state, id)?;
    let now = ctx.now;
    let cert = |cid: &str, kind: &str, default: bool, status: String| json!({"CertificateId": cid, "CertificateType": kind, "IsDefault": default, "Status": status});
    let mut items = Vec::new();
    for c in &l.certificates {
        items.push((
            format!("0/{c}"),
            "Server",
            cert(c, "Server", true, "Associated".into()),
        ));
    }
    for (c, state) in &l.additional_certificates {
        let status = state.phase.status("Associated", now);
        items.push((format!("1/{c}"), "Server", cert(c, "Server", false, status)));
    }
    let cas = l
        .attrs
        .get("CaCertificates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for c in cas.iter().filter_map(Value::as_str) {
        items.push((
            format!("2/{c}"),
            "Ca",
            cert(c, "Ca", true, "Associated".into()),
        ));
    }
    let items = items
        .into_iter()
        .filter(|(_, k, _)| kind.is_none_or(|x| x == *k))
        .filter(|(_, _, v)| {
            ids.is_empty()
                || v["CertificateId"]
                    .as_str()
                    .is_some_and(|c| ids.contains(&c))
        })
        .map(|(key, _, v)| (key, v))
        .collect();
    Ok(Page::cut(p, items)?.render("Certificates", true))
}

/// The API shape; `full` adds certificates (GetListenerAttribute).
pub fn render(l: &Listener, now: Millis, full: bool) -> Value {
    let mut out = Map::new();
    let attrs = &l.attrs;
    if full {
        out.insert("AclConfig".into(), super::acl::render_listener_acls(l, now));
        let cas: Vec<Value> = attrs
            .get("CaCertificates")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| json!({"CertificateId": c, "IsDefault": true, "Status": "Associated"}))
            .collect();
        out.insert("CaCertificates".into(), Value::Array(cas));
        out.insert(
            "CaEnabled".into(),
            attrs.get("CaEnabled").cloned().unwrap_or(json!(false)),
        );
        out.insert(
            "Certificates".into(),
            Value::Array(
                l.certificates
                    .iter()
                    .map(|c| json!({"CertificateId": c}))
                    .collect(),
            ),
        );
    }
    out.insert("DefaultActions".into(), l.default_actions.clone());
    for key in [
        "GzipEnabled",
        "Http2Enabled",
        "IdleTimeout",
        "ListenerDescription",
    ] {
        if let Some(v) = attrs.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    out.insert("ListenerId".into(), json!(l.id));
    out.insert("ListenerPort".into(), json!(l.port));
    out.insert("ListenerProtocol".into(), json!(l.protocol));
    out.insert(
        "ListenerStatus".into(),
        json!(l.phase.status("Running", now)),
    );
    out.insert("LoadBalancerId".into(), json!(l.load_balancer_id));
    out.insert(
        "LogConfig".into(),
        json!({"AccessLogRecordCustomizedHeadersEnabled": false, "AccessLogTracingConfig": {"TracingEnabled": false}}),
    );
    for key in ["QuicConfig", "RequestTimeout", "SecurityPolicyId"] {
        if let Some(v) = attrs.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    out.insert("Tags".into(), validate::render_tags(&l.tags));
    if let Some(v) = attrs.get("XForwardedForConfig") {
        out.insert("XForwardedForConfig".into(), v.clone());
    }
    Value::Object(out)
}

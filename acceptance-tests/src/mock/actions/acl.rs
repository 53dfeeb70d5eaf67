//! Access control lists: CreateAcl, ListAcls, ListAclEntries, AddEntriesToAcl,
//! RemoveEntriesFromAcl, DeleteAcl, AssociateAclsWithListener and DissociateAclsFromListener,
//! and the listener's `AclConfig`.
//!
//! An ACL is `Creating` and then `Available`; an entry change makes it `Configuring` and the
//! entries `Adding` / `Removing`; a write to an ACL in a transitional status is
//! `IncorrectStatus.Acl`. A binding is `Associating` → `Associated` (`Dissociating` → gone),
//! and puts the listener into `Configuring` like a certificate change.
//!
//! Codes chosen where the research is silent ([INF]): an entry already in the ACL (or twice in
//! one call) → `ResourceAlreadyExist.AclEntry`; removing an entry that is not there →
//! `ResourceNotFound.AclEntry` (404); more than 500 entries in an ACL →
//! `QuotaExceeded.AclEntriesNum`; more entries behind one listener than its edition allows →
//! `QuotaExceeded.ListenerAclEntriesNum`; more than 3 ACLs on a listener →
//! `QuotaExceeded.ListenerAclsNum`; binding an ACL of the other type while ACLs are bound →
//! `OperationDenied.AclType`; binding an ACL already bound → `ResourceAlreadyAssociated.Acl`;
//! dissociating an ACL that is not bound → `ResourceNotFound.Acl` (404, like certificates).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::{job_response, listener, load_balancer, object, writable_listener, Ctx, Page};
use crate::mock::error::{ApiError, ApiResult};
use crate::mock::index::Removal;
use crate::mock::limits;
use crate::mock::model::{Acl, AclEntry, Listener, ListenerAcl, Millis, Phase};
use crate::mock::params::Scope;
use crate::mock::state::State;
use crate::mock::validate;

/// The ACL `id` or `ResourceNotFound.Acl`.
fn acl<'s>(state: &'s State, id: &str) -> ApiResult<&'s Acl> {
    state
        .store
        .acls
        .get(id)
        .ok_or_else(|| ApiError::not_found("Acl", id))
}

/// Fails with `IncorrectStatus.Acl` unless the ACL exists and is stable.
fn writable_acl(ctx: &Ctx<'_>, id: &str) -> ApiResult<()> {
    let a = acl(ctx.state, id)?;
    if a.phase.busy(ctx.now) || a.phase.removing_now() {
        return Err(ApiError::incorrect_status("Acl", id));
    }
    Ok(())
}

/// Entries that count (not being removed).
fn live_entries(a: &Acl) -> impl Iterator<Item = &AclEntry> {
    a.entries.iter().filter(|e| !e.phase.removing_now())
}

/// ACLs bound to the listener (not being dissociated).
fn live_bindings(l: &Listener) -> impl Iterator<Item = &String> {
    l.acls
        .iter()
        .filter(|(_, b)| !b.phase.removing_now())
        .map(|(id, _)| id)
}

/// Checks that the ACLs bound to `listener` plus `extra_acls` and `extra_entries` stay within
/// the listener's entry quota (`QuotaExceeded.ListenerAclEntriesNum`).
fn check_listener_entries(
    state: &State,
    l: &Listener,
    extra_acls: &[&str],
    extra_entries: usize,
) -> ApiResult<()> {
    let limit = limits::edition(&load_balancer(state, &l.load_balancer_id)?.edition)
        .acl_entries_per_listener;
    let bound = live_bindings(l).map(String::as_str);
    let count: usize = bound
        .chain(extra_acls.iter().copied())
        .filter_map(|id| state.store.acls.get(id))
        .map(|a| live_entries(a).count())
        .sum::<usize>()
        + extra_entries;
    if count > limit {
        return Err(ApiError::quota("ListenerAclEntriesNum", limit));
    }
    Ok(())
}

/// CreateAcl.
pub fn create(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let name = p.str("AclName")?.filter(|n| !n.is_empty());
    if let Some(n) = name {
        validate::name("AclName", n, 2, 128)?;
    }
    // [INF] not in the current reference; older SDKs send it. Only IPv4 ACLs exist.
    let version = p
        .enumeration("AddressIpVersion", &["IPv4"])?
        .unwrap_or("IPv4");
    let resource_group = p
        .str("ResourceGroupId")?
        .filter(|s| !s.is_empty())
        .unwrap_or("rg-mockdefault");
    let tags = validate::tags(p)?;
    ctx.commit()?;
    let id = ctx.state.new_id("acl");
    let new = Acl {
        id: id.clone(),
        name: name.map(str::to_string),
        address_ip_version: version.to_string(),
        resource_group_id: resource_group.to_string(),
        entries: Vec::new(),
        create_time: ctx.now_iso(),
        tags,
        phase: Phase::transition("Creating", ctx.busy_until()),
    };
    ctx.state.store.acls.insert(id.clone(), new);
    let job = ctx.job("acl", &id, "Create");
    Ok(object(json!({"AclId": id, "JobId": job})))
}

/// ListAcls: unknown ids simply match nothing.
pub fn list(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let ids = validate::filter_list(p, "AclIds", limits::IDS_PER_FILTER)?;
    let names = validate::filter_list(p, "AclNames", limits::NAMES_PER_FILTER)?;
    let resource_group = p.str("ResourceGroupId")?.filter(|s| !s.is_empty());
    let tags = validate::tag_filters(p)?;
    let now = ctx.now;
    let items = ctx
        .state
        .store
        .acls
        .values()
        .filter(|a| ids.is_empty() || ids.contains(&a.id.as_str()))
        .filter(|a| names.is_empty() || a.name.as_deref().is_some_and(|n| names.contains(&n)))
        .filter(|a| resource_group.is_none_or(|rg| a.resource_group_id == rg))
        .filter(|a| validate::tags_match(&a.tags, &tags))
        .map(|a| (a.id.clone(), render(a, now)))
        .collect();
    Ok(Page::cut(p, items)?.render("Acls", true))
}

/// ListAclEntries, ordered by entry.
pub fn list_entries(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("AclId")?;
    let items = entries_by_key(acl(ctx.state, id)?, ctx.now);
    Ok(Page::cut(p, items)?.render("AclEntries", true))
}

/// AddEntriesToAcl: ≤20 valid, new, distinct entries within the ACL and listener quotas.
pub fn add_entries(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("AclId")?;
    let items = p.obj_list("AclEntries")?;
    if items.is_empty() {
        return Err(ApiError::missing("AclEntries.1.Entry"));
    }
    validate::at_most("AclEntries", &items, limits::ACL_ENTRIES_PER_CALL)?;
    let mut new = Vec::with_capacity(items.len());
    for item in &items {
        let entry = item.req_str("Entry")?;
        validate::ipv4_cidr(&item.path("Entry"), entry)?;
        let description = item.str("Description")?.filter(|d| !d.is_empty());
        if let Some(d) = description {
            validate::description(&item.path("Description"), d)?;
        }
        new.push((entry, description));
    }
    let a = acl(ctx.state, id)?;
    let mut seen: BTreeSet<&str> = live_entries(a).map(|e| e.entry.as_str()).collect();
    for (entry, _) in &new {
        if !seen.insert(entry) {
            return Err(ApiError::already_exists("AclEntry", entry));
        }
    }
    if seen.len() > limits::ENTRIES_PER_ACL {
        return Err(ApiError::quota("AclEntriesNum", limits::ENTRIES_PER_ACL));
    }
    for l in ctx.state.store.listeners.values() {
        if live_bindings(l).any(|b| b == id) {
            check_listener_entries(ctx.state, l, &[], new.len())?;
        }
    }
    writable_acl(ctx, id)?;
    ctx.commit()?;
    let until = ctx.busy_until();
    if let Some(a) = ctx.state.store.acls.get_mut(id) {
        // A re-added entry that is still being removed is replaced.
        a.entries
            .retain(|e| !new.iter().any(|(entry, _)| *entry == e.entry));
        a.entries
            .extend(new.into_iter().map(|(entry, description)| AclEntry {
                entry: entry.to_string(),
                description: description.map(str::to_string),
                phase: Phase::transition("Adding", until),
            }));
        a.phase = Phase::transition("Configuring", until);
    }
    Ok(job_response(ctx.job("acl", id, "Update")))
}

/// RemoveEntriesFromAcl: ≤20 entries, each present.
pub fn remove_entries(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("AclId")?;
    let entries = p.str_list("Entries")?;
    if entries.is_empty() {
        return Err(ApiError::missing("Entries.1"));
    }
    validate::at_most("Entries", &entries, limits::ACL_ENTRIES_PER_CALL)?;
    let a = acl(ctx.state, id)?;
    let mut present: BTreeSet<&str> = live_entries(a).map(|e| e.entry.as_str()).collect();
    for entry in &entries {
        // Removing an entry from the set also catches an entry listed twice.
        if !present.remove(entry) {
            return Err(ApiError::not_found("AclEntry", entry));
        }
    }
    writable_acl(ctx, id)?;
    ctx.commit()?;
    let until = ctx.busy_until();
    if let Some(a) = ctx.state.store.acls.get_mut(id) {
        for e in a
            .entries
            .iter_mut()
            .filter(|e| entries.contains(&e.entry.as_str()))
        {
            e.phase = Phase::removing("Removing", until);
        }
        a.phase = Phase::transition("Configuring", until);
    }
    ctx.state
        .store
        .removal_started(Removal::AclEntries(id.to_string()));
    Ok(job_response(ctx.job("acl", id, "Update")))
}

/// DeleteAcl: `ResourceInUse.Acl` while bound to a listener.
pub fn delete(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("AclId")?;
    acl(ctx.state, id)?;
    let used = ctx
        .state
        .store
        .listeners
        .values()
        .filter(|l| !l.phase.removing_now())
        .any(|l| live_bindings(l).any(|b| b == id));
    if used {
        return Err(ApiError::in_use("Acl", id));
    }
    writable_acl(ctx, id)?;
    ctx.commit()?;
    let until = ctx.job_done();
    if let Some(a) = ctx.state.store.acls.get_mut(id) {
        a.phase = Phase::removing("Deleting", until);
    }
    ctx.state
        .store
        .removal_started(Removal::Acl(id.to_string()));
    Ok(job_response(ctx.job("acl", id, "Delete")))
}

/// Shared front part of Associate/Dissociate: listener id and ≤3 distinct ACL ids.
fn binding_call<'a>(ctx: &Ctx<'_>, p: &Scope<'a>) -> ApiResult<(&'a str, Vec<&'a str>)> {
    let id = p.req_str("ListenerId")?;
    let acl_ids = p.str_list("AclIds")?;
    if acl_ids.is_empty() {
        return Err(ApiError::missing("AclIds.1"));
    }
    validate::at_most("AclIds", &acl_ids, limits::ACLS_PER_CALL)?;
    let distinct: BTreeSet<&str> = acl_ids.iter().copied().collect();
    if distinct.len() != acl_ids.len() {
        return Err(ApiError::invalid("AclIds", "an ACL is listed twice"));
    }
    listener(ctx.state, id)?;
    Ok((id, acl_ids))
}

/// AssociateAclsWithListener: one type per listener, ≤3 ACLs, each bound once.
pub fn associate(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let acl_type = p.req_str("AclType")?;
    p.enumeration("AclType", &["White", "Black"])?;
    let (id, acl_ids) = binding_call(ctx, p)?;
    for a in &acl_ids {
        acl(ctx.state, a)?;
    }
    let l = listener(ctx.state, id)?;
    let bound: Vec<&String> = live_bindings(l).collect();
    if let Some(a) = acl_ids.iter().find(|a| bound.iter().any(|b| b == *a)) {
        return Err(ApiError::new(
            400,
            "ResourceAlreadyAssociated.Acl",
            format!(
                "The specified resource Acl [{a}] is already associated with the listener [{id}]."
            ),
        ));
    }
    if !bound.is_empty() && l.acl_type.as_deref() != Some(acl_type) {
        return Err(ApiError::denied(
            "AclType",
            format!(
                "the listener already uses {} ACLs; dissociate them before binding {acl_type} ACLs",
                l.acl_type.as_deref().unwrap_or("other")
            ),
        ));
    }
    if bound.len() + acl_ids.len() > limits::ACLS_PER_LISTENER {
        return Err(ApiError::quota(
            "ListenerAclsNum",
            limits::ACLS_PER_LISTENER,
        ));
    }
    check_listener_entries(ctx.state, l, &acl_ids, 0)?;
    for a in &acl_ids {
        writable_acl(ctx, a)?;
    }
    writable_listener(ctx, id)?;
    ctx.commit()?;
    let until = ctx.busy_until();
    if let Some(l) = ctx.state.store.listeners.get_mut(id) {
        for a in acl_ids {
            l.acls.insert(
                a.to_string(),
                ListenerAcl {
                    phase: Phase::transition("Associating", until),
                },
            );
        }
        l.acl_type = Some(acl_type.to_string());
        l.phase = Phase::transition("Configuring", until);
    }
    Ok(job_response(ctx.job("listener", id, "Update")))
}

/// DissociateAclsFromListener: every ACL must be bound.
pub fn dissociate(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let (id, acl_ids) = binding_call(ctx, p)?;
    let l = listener(ctx.state, id)?;
    if let Some(a) = acl_ids.iter().find(|a| !live_bindings(l).any(|b| b == *a)) {
        return Err(ApiError::not_found("Acl", a));
    }
    writable_listener(ctx, id)?;
    ctx.commit()?;
    let until = ctx.busy_until();
    if let Some(l) = ctx.state.store.listeners.get_mut(id) {
        for a in acl_ids {
            if let Some(binding) = l.acls.get_mut(a) {
                binding.phase = Phase::removing("Dissociating", until);
            }
        }
        l.phase = Phase::transition("Configuring", until);
    }
    ctx.state
        .store
        .removal_started(Removal::ListenerParts(id.to_string()));
    Ok(job_response(ctx.job("listener", id, "Update")))
}

/// The listener's `AclConfig`: `AclType` while ACLs are bound, and `AclRelations`.
pub fn render_listener_acls(l: &Listener, now: Millis) -> Value {
    let relations: Vec<Value> = l
        .acls
        .iter()
        .map(|(id, b)| json!({"AclId": id, "Status": b.phase.status("Associated", now)}))
        .collect();
    let mut out = Map::new();
    if let Some(t) = &l.acl_type {
        out.insert("AclType".into(), json!(t));
    }
    out.insert("AclRelations".into(), Value::Array(relations));
    Value::Object(out)
}

/// The ListAcls shape of an ACL.
pub fn render(a: &Acl, now: Millis) -> Value {
    let mut out = object(json!({
        "AclId": a.id,
        "AclStatus": a.phase.status("Available", now),
        "AddressIPVersion": a.address_ip_version,
        "ConfigManagedEnabled": false,
        "CreateTime": a.create_time,
        "ResourceGroupId": a.resource_group_id,
        "Tags": validate::render_tags(&a.tags),
    }));
    if let Some(name) = &a.name {
        out.insert("AclName".into(), json!(name));
    }
    Value::Object(out)
}

/// The entries of an ACL in ListAclEntries shape, keyed and ordered by entry.
pub fn entries_by_key(a: &Acl, now: Millis) -> Vec<(String, Value)> {
    let mut items: Vec<(String, Value)> = a
        .entries
        .iter()
        .map(|e| (e.entry.clone(), render_entry(e, now)))
        .collect();
    items.sort_by(|x, y| x.0.cmp(&y.0));
    items
}

/// The ListAclEntries shape of an entry.
fn render_entry(e: &AclEntry, now: Millis) -> Value {
    let mut out = object(json!({
        "Entry": e.entry,
        "Status": e.phase.status("Available", now),
    }));
    if let Some(d) = &e.description {
        out.insert("Description".into(), json!(d));
    }
    Value::Object(out)
}

//! TagResources, UnTagResources and ListTagResources.
//!
//! Resource types: `loadbalancer`, `listener`, `servergroup` and `acl` (the types the mock stores
//! that are taggable); others are `InvalidParameter`. More than 20 tags on one resource is
//! `QuotaExceeded.TagsNum` ([INF] code).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{Ctx, Page};
use crate::mock::error::{ApiError, ApiResult};
use crate::mock::limits;
use crate::mock::params::Scope;
use crate::mock::state::State;
use crate::mock::validate;

const TYPES: &[&str] = &["loadbalancer", "listener", "servergroup", "acl"];

fn kind_name(resource_type: &str) -> &'static str {
    match resource_type {
        "loadbalancer" => "LoadBalancer",
        "listener" => "Listener",
        "acl" => "Acl",
        _ => "ServerGroup",
    }
}

fn tags_of<'s>(
    state: &'s State,
    resource_type: &str,
    id: &str,
) -> Option<&'s BTreeMap<String, String>> {
    let s = &state.store;
    match resource_type {
        "loadbalancer" => s.load_balancers.get(id).map(|x| &x.tags),
        "listener" => s.listeners.get(id).map(|x| &x.tags),
        "acl" => s.acls.get(id).map(|x| &x.tags),
        _ => s.server_groups.get(id).map(|x| &x.tags),
    }
}

fn tags_of_mut<'s>(
    state: &'s mut State,
    resource_type: &str,
    id: &str,
) -> Option<&'s mut BTreeMap<String, String>> {
    let s = &mut state.store;
    match resource_type {
        "loadbalancer" => s.load_balancers.get_mut(id).map(|x| &mut x.tags),
        "listener" => s.listeners.get_mut(id).map(|x| &mut x.tags),
        "acl" => s.acls.get_mut(id).map(|x| &mut x.tags),
        _ => s.server_groups.get_mut(id).map(|x| &mut x.tags),
    }
}

/// ResourceType and ResourceId.N, every id existing.
fn targets<'a>(state: &State, p: &Scope<'a>) -> ApiResult<(&'a str, Vec<&'a str>)> {
    let resource_type = p.req_str("ResourceType")?;
    p.enumeration("ResourceType", TYPES)?;
    let ids = p.str_list("ResourceId")?;
    if ids.is_empty() {
        return Err(ApiError::missing("ResourceId.1"));
    }
    validate::at_most("ResourceId", &ids, limits::RESOURCES_PER_TAG_CALL)?;
    for id in &ids {
        if tags_of(state, resource_type, id).is_none() {
            return Err(ApiError::not_found(kind_name(resource_type), id));
        }
    }
    Ok((resource_type, ids))
}

/// TagResources: adds or overwrites tags.
pub fn tag(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let (resource_type, ids) = targets(ctx.state, p)?;
    let tags = validate::tags(p)?;
    if tags.is_empty() {
        return Err(ApiError::missing("Tag.1.Key"));
    }
    for id in &ids {
        let mut merged = tags_of(ctx.state, resource_type, id)
            .cloned()
            .unwrap_or_default();
        merged.extend(tags.clone());
        if merged.len() > limits::TAGS_PER_RESOURCE {
            return Err(ApiError::quota("TagsNum", limits::TAGS_PER_RESOURCE));
        }
    }
    ctx.commit()?;
    for id in ids {
        if let Some(existing) = tags_of_mut(ctx.state, resource_type, id) {
            existing.extend(tags.clone());
        }
    }
    Ok(Map::new())
}

/// UnTagResources: by TagKey.N (or Tag.N.Key), or All=true.
pub fn untag(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let (resource_type, ids) = targets(ctx.state, p)?;
    let all = p.bool("All")?.unwrap_or(false);
    let mut keys: Vec<String> = p
        .str_list("TagKey")?
        .into_iter()
        .map(str::to_string)
        .collect();
    keys.extend(validate::tag_filters(p)?.into_iter().map(|(k, _)| k));
    if !all && keys.is_empty() {
        return Err(ApiError::missing("TagKey.1"));
    }
    ctx.commit()?;
    for id in ids {
        if let Some(existing) = tags_of_mut(ctx.state, resource_type, id) {
            if all {
                existing.clear();
            } else {
                existing.retain(|k, _| !keys.contains(k));
            }
        }
    }
    Ok(Map::new())
}

/// ListTagResources: one item per (resource, tag); no TotalCount.
pub fn list(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let resource_type = p.req_str("ResourceType")?;
    p.enumeration("ResourceType", TYPES)?;
    let ids = validate::filter_list(p, "ResourceId", limits::RESOURCES_PER_TAG_CALL)?;
    let filters = validate::tag_filters(p)?;
    let s = &ctx.state.store;
    let all: Vec<(&String, &BTreeMap<String, String>)> = match resource_type {
        "loadbalancer" => s
            .load_balancers
            .values()
            .map(|x| (&x.id, &x.tags))
            .collect(),
        "listener" => s.listeners.values().map(|x| (&x.id, &x.tags)).collect(),
        "acl" => s.acls.values().map(|x| (&x.id, &x.tags)).collect(),
        _ => s.server_groups.values().map(|x| (&x.id, &x.tags)).collect(),
    };
    let items = all
        .into_iter()
        .filter(|(id, _)| ids.is_empty() || ids.contains(&id.as_str()))
        .flat_map(|(id, tags)| {
            tags.iter()
                .filter(|(k, v)| {
                    filters.is_empty()
                        || filters
                            .iter()
                            .any(|(fk, fv)| fk == *k && fv.as_ref().is_none_or(|fv| fv == *v))
                })
                .map(move |(k, v)| {
                    (
                        format!("{id}/{k}"),
                        json!({"ResourceId": id, "ResourceType": resource_type, "TagKey": k, "TagValue": v}),
                    )
                })
        })
        .collect();
    Ok(Page::cut(p, items)?.render("TagResources", false))
}

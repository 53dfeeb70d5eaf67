//! ListAsynJobs. Jobs are kept for the life of the state; a job reports Processing until its
//! deadline and Succeeded afterwards.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::{seq_key, Ctx, Page};
use crate::mock::error::ApiResult;
use crate::mock::limits;
use crate::mock::model::{Job, Millis};
use crate::mock::params::Scope;
use crate::mock::validate;

/// ListAsynJobs, ordered by creation.
pub fn list(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let ids = validate::filter_list(p, "JobIds", limits::IDS_PER_FILTER)?;
    let resources = validate::filter_list(p, "ResourceIds", limits::IDS_PER_FILTER)?;
    let resource_type = p.enumeration(
        "ResourceType",
        &[
            "loadbalancer",
            "listener",
            "rule",
            "acl",
            "securitypolicy",
            "servergroup",
        ],
    )?;
    let api_name = p.str("ApiName")?.filter(|s| !s.is_empty());
    let begin = p.int("BeginTime")?;
    let end = p.int("EndTime")?;
    let now = ctx.now;
    let jobs = &ctx.state.store.jobs;
    // Polls name their jobs: only those are looked at.
    let wanted: BTreeSet<&str> = ids.iter().copied().collect();
    let candidates: Box<dyn Iterator<Item = &Job>> = if wanted.is_empty() {
        Box::new(jobs.values())
    } else {
        Box::new(wanted.into_iter().filter_map(|id| jobs.get(id)))
    };
    let mut items: Vec<(String, Value)> = candidates
        .filter(|j| resources.is_empty() || resources.contains(&j.resource_id.as_str()))
        .filter(|j| resource_type.is_none_or(|t| t == j.resource_type))
        .filter(|j| api_name.is_none_or(|a| a == j.api_name))
        .filter(|j| begin.is_none_or(|b| j.create_ms as i64 >= b))
        .filter(|j| end.is_none_or(|e| j.create_ms as i64 <= e))
        .map(|j| (seq_key(j.seq), render(j, now)))
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Page::cut(p, items)?.render("Jobs", true))
}

/// The API shape of a job (times in epoch milliseconds).
pub fn render(j: &Job, now: Millis) -> Value {
    let done = now >= j.finish_ms;
    json!({
        "ApiName": j.api_name,
        "CreateTime": j.create_ms,
        "Id": j.id,
        "ModifyTime": if done { j.finish_ms } else { j.create_ms },
        "OperateType": j.operate_type,
        "ResourceId": j.resource_id,
        "ResourceType": j.resource_type,
        "Status": if done { "Succeeded" } else { "Processing" },
    })
}

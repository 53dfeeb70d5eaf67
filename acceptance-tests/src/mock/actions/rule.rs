//! Forwarding rule actions and the rule composition checks.
//!
//! Codes chosen where the research is uncertain ([INF]): duplicate or out-of-range priority →
//! `IllegalParam.Priority`; bad, duplicate or misplaced action order → `IllegalParam.Order`
//! (named by Terraform's docs); wrong set of final/Rewrite actions → `IllegalParam.RuleActions`;
//! too many conditions/actions for the edition → `QuotaExceeded.RuleConditionsNum` /
//! `QuotaExceeded.RuleActionsNum`. Priority is unique per listener across both directions
//! (the stricter reading).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::listener::check_forward_target;
use super::{
    check_instance_servers, job_response, listener, load_balancer, object,
    referenced_server_groups, rule, writable_listener_child, Ctx, Page,
};
use crate::mock::error::{ApiError, ApiResult};
use crate::mock::index::Removal;
use crate::mock::limits::{self, EditionLimits};
use crate::mock::model::{Millis, Phase, Rule};
use crate::mock::params::Scope;
use crate::mock::state::State;
use crate::mock::validate::{self, f, Field, Kind};

const VALUES: &[Field] = &[f("Values", Kind::StrList)];
const KEY_VALUES: &[Field] = &[f("Key", Kind::Str), f("Values", Kind::StrList)];
const PAIR: &[Field] = &[f("Key", Kind::Str), f("Value", Kind::Str)];
const PAIRS: &[Field] = &[f("Values", Kind::ObjList(PAIR))];

const CONDITION_TYPES: &[&str] = &[
    "Host",
    "Path",
    "Header",
    "QueryString",
    "Method",
    "Cookie",
    "SourceIp",
    "ResponseHeader",
    "ResponseStatusCode",
];

const CONDITION: &[Field] = &[
    f("Type", Kind::Str),
    f("HostConfig", Kind::Obj(VALUES)),
    f("PathConfig", Kind::Obj(VALUES)),
    f("HeaderConfig", Kind::Obj(KEY_VALUES)),
    f("QueryStringConfig", Kind::Obj(PAIRS)),
    f("MethodConfig", Kind::Obj(VALUES)),
    f("CookieConfig", Kind::Obj(PAIRS)),
    f("SourceIpConfig", Kind::Obj(VALUES)),
    f("ResponseHeaderConfig", Kind::Obj(KEY_VALUES)),
    f("ResponseStatusCodeConfig", Kind::Obj(VALUES)),
];

const METHODS: &[&str] = &["HEAD", "GET", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"];

const ACTION_TYPES: &[&str] = &[
    "ForwardGroup",
    "Redirect",
    "FixedResponse",
    "Rewrite",
    "InsertHeader",
    "RemoveHeader",
    "TrafficLimit",
    "TrafficMirror",
    "Cors",
];
const FINAL_TYPES: &[&str] = &["ForwardGroup", "Redirect", "FixedResponse"];
const RESPONSE_ACTION_TYPES: &[&str] = &["InsertHeader", "RemoveHeader"];

const TUPLE: &[Field] = &[f("ServerGroupId", Kind::Str), f("Weight", Kind::AnyInt)];
const STICKY: &[Field] = &[f("Enabled", Kind::Bool), f("Timeout", Kind::Int(1, 86_400))];
const FORWARD: &[Field] = &[
    f("ServerGroupTuples", Kind::ObjList(TUPLE)),
    f("ServerGroupStickySession", Kind::Obj(STICKY)),
];
const REDIRECT: &[Field] = &[
    f("Host", Kind::Str),
    f("Path", Kind::Str),
    f("Query", Kind::Str),
    f("Port", Kind::Str),
    f("Protocol", Kind::Enum(&["HTTP", "HTTPS", "${protocol}"])),
    f("HttpCode", Kind::Enum(&["301", "302", "303", "307", "308"])),
];
const FIXED: &[Field] = &[
    f("Content", Kind::Str),
    f(
        "ContentType",
        Kind::Enum(&[
            "text/plain",
            "text/css",
            "text/html",
            "application/javascript",
            "application/json",
        ]),
    ),
    f("HttpCode", Kind::Str),
];
const REWRITE: &[Field] = &[
    f("Host", Kind::Str),
    f("Path", Kind::Str),
    f("Query", Kind::Str),
];
const INSERT_HEADER: &[Field] = &[
    f("Key", Kind::Str),
    f("Value", Kind::Str),
    f(
        "ValueType",
        Kind::Enum(&["UserDefined", "ReferenceHeader", "SystemDefined"]),
    ),
    f("CoverEnabled", Kind::Bool),
];
const REMOVE_HEADER: &[Field] = &[f("Key", Kind::Str)];
const TRAFFIC_LIMIT: &[Field] = &[
    f("QPS", Kind::Int(1, 1_000_000)),
    f("PerIpQps", Kind::Int(1, 1_000_000)),
];
const MIRROR_TUPLE: &[Field] = &[f("ServerGroupId", Kind::Str)];
const MIRROR_GROUP: &[Field] = &[f("ServerGroupTuples", Kind::ObjList(MIRROR_TUPLE))];
const MIRROR: &[Field] = &[
    f("TargetType", Kind::Enum(&["ForwardGroupMirror"])),
    f("MirrorGroupConfig", Kind::Obj(MIRROR_GROUP)),
];
const CORS: &[Field] = &[
    f("AllowOrigin", Kind::StrList),
    f("AllowMethods", Kind::StrList),
    f("AllowHeaders", Kind::StrList),
    f("ExposeHeaders", Kind::StrList),
    f("AllowCredentials", Kind::Enum(&["on", "off"])),
    f("MaxAge", Kind::Int(-1, 172_800)),
];
const ACTION: &[Field] = &[
    f("Type", Kind::Str),
    f("Order", Kind::AnyInt),
    f("ForwardGroupConfig", Kind::Obj(FORWARD)),
    f("RedirectConfig", Kind::Obj(REDIRECT)),
    f("FixedResponseConfig", Kind::Obj(FIXED)),
    f("RewriteConfig", Kind::Obj(REWRITE)),
    f("InsertHeaderConfig", Kind::Obj(INSERT_HEADER)),
    f("RemoveHeaderConfig", Kind::Obj(REMOVE_HEADER)),
    f("TrafficLimitConfig", Kind::Obj(TRAFFIC_LIMIT)),
    f("TrafficMirrorConfig", Kind::Obj(MIRROR)),
    f("CorsConfig", Kind::Obj(CORS)),
];

/// A validated rule definition (fields absent on update stay `None`).
struct RuleInput {
    name: Option<String>,
    priority: Option<i64>,
    conditions: Option<Value>,
    actions: Option<Value>,
    tags: BTreeMap<String, String>,
}

/// Validates one rule definition in `p`; `create` makes name, priority, conditions and
/// actions required.
fn parse_rule(
    state: &State,
    p: &Scope<'_>,
    direction: &str,
    limits: EditionLimits,
    create: bool,
) -> ApiResult<RuleInput> {
    let name = match p.str("RuleName")? {
        Some(n) => {
            validate::name(&p.path("RuleName"), n, 2, 128)?;
            Some(n.to_string())
        }
        None if create => return Err(ApiError::missing(&p.path("RuleName"))),
        None => None,
    };
    let priority = match p.int("Priority")? {
        Some(v) if v < limits::PRIORITY_RANGE.0 || v > limits::PRIORITY_RANGE.1 => {
            return Err(ApiError::illegal(
                "Priority",
                format!("{v} is outside 1..10000"),
            ))
        }
        Some(v) => Some(v),
        None if create => return Err(ApiError::missing(&p.path("Priority"))),
        None => None,
    };
    let conditions = if create || p.has("RuleConditions") {
        Some(conditions(p, direction, limits)?)
    } else {
        None
    };
    let actions = if create || p.has("RuleActions") {
        Some(actions(state, p, direction, limits)?)
    } else {
        None
    };
    Ok(RuleInput {
        name,
        priority,
        conditions,
        actions,
        tags: validate::tags(p)?,
    })
}

fn conditions(p: &Scope<'_>, direction: &str, limits: EditionLimits) -> ApiResult<Value> {
    let items = p.obj_list("RuleConditions")?;
    if items.is_empty() {
        return Err(ApiError::missing(&p.path("RuleConditions.1.Type")));
    }
    if items.len() > limits.conditions_per_rule {
        return Err(ApiError::quota(
            "RuleConditionsNum",
            limits.conditions_per_rule,
        ));
    }
    let mut out = Vec::new();
    for c in &items {
        let kind = c.req_str("Type")?;
        c.enumeration("Type", CONDITION_TYPES)?;
        let response_only = kind.starts_with("Response");
        if response_only != (direction == "Response") {
            return Err(ApiError::illegal(
                "RuleConditions",
                format!("condition {kind} cannot be used in a {direction} rule"),
            ));
        }
        let config_name = format!("{kind}Config");
        let config = c
            .object(&config_name)?
            .ok_or_else(|| ApiError::missing(&c.path(&format!("{config_name}.Values.1"))))?;
        let values = if matches!(kind, "QueryString" | "Cookie") {
            config.obj_list("Values")?.len()
        } else {
            config.str_list("Values")?.len()
        };
        if values == 0 {
            return Err(ApiError::missing(&config.path("Values.1")));
        }
        if matches!(kind, "Header" | "ResponseHeader") {
            config.req_str("Key")?;
        }
        if kind == "QueryString" || kind == "Cookie" {
            for pair in config.obj_list("Values")? {
                pair.req_str("Key")?;
                pair.req_str("Value")?;
            }
        }
        if kind == "Method" {
            for m in config.str_list("Values")? {
                if !METHODS.contains(&m) {
                    return Err(ApiError::invalid(
                        &config.path("Values"),
                        format!("unknown method {m}"),
                    ));
                }
            }
        }
        if kind == "SourceIp" && values > 5 {
            return Err(ApiError::invalid(
                &config.path("Values"),
                "at most 5 source IPs",
            ));
        }
        let mut converted = validate::convert(c, CONDITION)?;
        converted.retain(|k, _| k == "Type" || *k == config_name);
        out.push(Value::Object(converted));
    }
    Ok(Value::Array(out))
}

fn actions(
    state: &State,
    p: &Scope<'_>,
    direction: &str,
    limits: EditionLimits,
) -> ApiResult<Value> {
    let items = p.obj_list("RuleActions")?;
    if items.is_empty() {
        return Err(ApiError::missing(&p.path("RuleActions.1.Type")));
    }
    if items.len() > limits.actions_per_rule {
        return Err(ApiError::quota("RuleActionsNum", limits.actions_per_rule));
    }
    let mut parsed: Vec<(String, i64, Map<String, Value>)> = Vec::new();
    for a in &items {
        let kind = a.req_str("Type")?;
        a.enumeration("Type", ACTION_TYPES)?;
        let order = a
            .int("Order")?
            .ok_or_else(|| ApiError::missing(&a.path("Order")))?;
        if order < limits::ORDER_RANGE.0 || order > limits::ORDER_RANGE.1 {
            return Err(ApiError::illegal(
                "Order",
                format!("{order} is outside 1..50000"),
            ));
        }
        if parsed.iter().any(|(_, o, _)| *o == order) {
            return Err(ApiError::illegal(
                "Order",
                format!("order {order} is used twice"),
            ));
        }
        let config_name = format!("{kind}Config");
        let config = a
            .object(&config_name)?
            .ok_or_else(|| ApiError::missing(&a.path(&config_name)))?;
        check_action_config(state, kind, &config)?;
        let mut converted = validate::convert(a, ACTION)?;
        converted.retain(|k, _| k == "Type" || k == "Order" || *k == config_name);
        parsed.push((kind.to_string(), order, converted));
    }
    let count = |t: &str| parsed.iter().filter(|(k, _, _)| k == t).count();
    if direction == "Response" {
        if let Some((k, _, _)) = parsed
            .iter()
            .find(|(k, _, _)| !RESPONSE_ACTION_TYPES.contains(&k.as_str()))
        {
            return Err(ApiError::illegal(
                "RuleActions",
                format!("{k} cannot be used in a Response rule"),
            ));
        }
    } else {
        let finals: Vec<&(String, i64, Map<String, Value>)> = parsed
            .iter()
            .filter(|(k, _, _)| FINAL_TYPES.contains(&k.as_str()))
            .collect();
        if finals.len() != 1 {
            return Err(ApiError::illegal(
                "RuleActions",
                "exactly one of ForwardGroup, Redirect or FixedResponse is required",
            ));
        }
        let final_order = finals[0].1;
        if parsed.iter().any(|(_, o, _)| *o > final_order) {
            return Err(ApiError::illegal(
                "Order",
                "the final action (ForwardGroup, Redirect or FixedResponse) must have the highest Order",
            ));
        }
        if count("Rewrite") > 1 || (count("Rewrite") == 1 && count("ForwardGroup") == 0) {
            return Err(ApiError::illegal(
                "RuleActions",
                "at most one Rewrite, and only together with a ForwardGroup",
            ));
        }
    }
    parsed.sort_by_key(|(_, o, _)| *o);
    Ok(Value::Array(
        parsed
            .into_iter()
            .map(|(_, _, m)| Value::Object(m))
            .collect(),
    ))
}

fn check_action_config(state: &State, kind: &str, config: &Scope<'_>) -> ApiResult<()> {
    match kind {
        "ForwardGroup" => {
            let tuples = config.obj_list("ServerGroupTuples")?;
            if tuples.is_empty() {
                return Err(ApiError::missing(
                    &config.path("ServerGroupTuples.1.ServerGroupId"),
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
                if seen.contains(&id) {
                    return Err(ApiError::illegal(
                        "ServerGroupTuples",
                        format!("{id} appears twice"),
                    ));
                }
                seen.push(id);
                match t.int("Weight")? {
                    Some(w) if !(0..=100).contains(&w) => {
                        return Err(ApiError::illegal(
                            "Weight",
                            format!("{w} is outside 0..100"),
                        ))
                    }
                    None if tuples.len() > 1 => return Err(ApiError::missing(&t.path("Weight"))),
                    _ => {}
                }
                check_forward_target(state, id)?;
            }
        }
        "TrafficMirror" => {
            let group = config.object("MirrorGroupConfig")?.ok_or_else(|| {
                ApiError::missing(
                    &config.path("MirrorGroupConfig.ServerGroupTuples.1.ServerGroupId"),
                )
            })?;
            let tuples = group.obj_list("ServerGroupTuples")?;
            if tuples.is_empty() {
                return Err(ApiError::missing(
                    &group.path("ServerGroupTuples.1.ServerGroupId"),
                ));
            }
            for t in tuples {
                check_forward_target(state, t.req_str("ServerGroupId")?)?;
            }
        }
        "FixedResponse" => {
            // [INF] list docs also show `HTTP_2xx`; the mock accepts only three digits 2xx–5xx.
            let code = config.req_str("HttpCode")?;
            let digits_ok = code.len() == 3
                && code.chars().all(|c| c.is_ascii_digit())
                && ('2'..='5').contains(&code.chars().next().unwrap_or('0'));
            if !digits_ok {
                return Err(ApiError::invalid(
                    &config.path("HttpCode"),
                    "must be a 2xx-5xx status code",
                ));
            }
            if let Some(content) = config.str("Content")? {
                if content.len() > 1024 || !content.is_ascii() {
                    return Err(ApiError::invalid(
                        &config.path("Content"),
                        "at most 1 KB of ASCII",
                    ));
                }
            }
        }
        "InsertHeader" => {
            config.req_str("Key")?;
            config.req_str("Value")?;
            config.req_str("ValueType")?;
        }
        "RemoveHeader" => {
            config.req_str("Key")?;
        }
        "Redirect" => {
            config.req_str("HttpCode")?;
        }
        _ => {}
    }
    Ok(())
}

/// The listener's load balancer id and edition limits.
fn listener_context(state: &State, listener_id: &str) -> ApiResult<(String, EditionLimits)> {
    let l = listener(state, listener_id)?;
    let lb = load_balancer(state, &l.load_balancer_id)?;
    Ok((lb.id.clone(), limits::edition(&lb.edition)))
}

/// `IllegalParam.Priority` when `priority` is used on the listener by a rule not in `except`.
fn check_priority_free(
    state: &State,
    listener_id: &str,
    priority: i64,
    except: &[String],
) -> ApiResult<()> {
    let taken = state
        .store
        .rules_of(listener_id)
        .any(|r| r.priority == priority && !except.contains(&r.id));
    if taken {
        return Err(ApiError::illegal(
            "Priority",
            format!("priority {priority} is already used on listener {listener_id}"),
        ));
    }
    Ok(())
}

fn check_rule_quota(
    state: &State,
    lb_id: &str,
    limits: EditionLimits,
    adding: usize,
) -> ApiResult<()> {
    let used = state.store.rules_of_load_balancer(lb_id).count();
    if used + adding > limits.rules {
        return Err(ApiError::quota("RulesNum", limits.rules));
    }
    Ok(())
}

/// Creates validated rules on one listener (shared by CreateRule and CreateRules).
fn create_rules(
    ctx: &mut Ctx<'_>,
    listener_id: &str,
    defs: &[Scope<'_>],
) -> ApiResult<Vec<(String, i64)>> {
    let (lb_id, limits) = listener_context(ctx.state, listener_id)?;
    let mut inputs = Vec::new();
    let mut priorities: Vec<i64> = Vec::new();
    let mut groups = Vec::new();
    for def in defs {
        let direction = def
            .enumeration("Direction", &["Request", "Response"])?
            .unwrap_or("Request")
            .to_string();
        if direction == "Response" && load_balancer(ctx.state, &lb_id)?.edition == "Basic" {
            return Err(ApiError::illegal(
                "Direction",
                "Response rules need a Standard or WAF edition",
            ));
        }
        let input = parse_rule(ctx.state, def, &direction, limits, true)?;
        let priority = input.priority.unwrap_or_default();
        if priorities.contains(&priority) {
            return Err(ApiError::illegal(
                "Priority",
                format!("priority {priority} is used twice in the request"),
            ));
        }
        check_priority_free(ctx.state, listener_id, priority, &[])?;
        priorities.push(priority);
        if let Some(a) = &input.actions {
            groups.extend(referenced_server_groups(a));
        }
        inputs.push((direction, input));
    }
    check_rule_quota(ctx.state, &lb_id, limits, inputs.len())?;
    check_instance_servers(ctx.state, &lb_id, &groups, 0)?;
    writable_listener_child(ctx, listener_id)?;
    ctx.commit()?;
    let until = ctx.busy_until();
    let mut created = Vec::new();
    for (direction, input) in inputs {
        let id = ctx.state.new_id("rule");
        let priority = input.priority.unwrap_or_default();
        let rule = Rule {
            id: id.clone(),
            listener_id: listener_id.to_string(),
            load_balancer_id: lb_id.clone(),
            name: input.name.unwrap_or_default(),
            priority,
            direction,
            conditions: input.conditions.unwrap_or_default(),
            actions: input.actions.unwrap_or_default(),
            tags: input.tags,
            phase: Phase::transition("Provisioning", until),
        };
        ctx.state.store.insert_rule(rule);
        created.push((id, priority));
    }
    let listener_until = ctx.job_done();
    if let Some(l) = ctx.state.store.listeners.get_mut(listener_id) {
        l.phase = Phase::transition("Configuring", listener_until);
    }
    Ok(created)
}

/// CreateRule.
pub fn create_one(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let listener_id = p.req_str("ListenerId")?;
    let created = create_rules(ctx, listener_id, std::slice::from_ref(p))?;
    let rule_id = created
        .into_iter()
        .next()
        .map(|(id, _)| id)
        .unwrap_or_default();
    let job = ctx.job("rule", &rule_id, "Create");
    Ok(object(json!({"RuleId": rule_id, "JobId": job})))
}

/// CreateRules: at most 10 rules, all or nothing.
pub fn create_many(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let listener_id = p.req_str("ListenerId")?;
    let defs = p.obj_list("Rules")?;
    if defs.is_empty() {
        return Err(ApiError::missing("Rules.1.RuleName"));
    }
    validate::at_most("Rules", &defs, limits::RULES_PER_CALL)?;
    let created = create_rules(ctx, listener_id, &defs)?;
    let job = ctx.job("listener", listener_id, "Create");
    let ids: Vec<Value> = created
        .into_iter()
        .map(|(id, priority)| json!({"RuleId": id, "Priority": priority}))
        .collect();
    Ok(object(json!({"RuleIds": ids, "JobId": job})))
}

/// Updates rules given as `(RuleId scope)`; priorities are checked on the state after all
/// updates of the call, so two rules may swap priorities in one UpdateRulesAttribute.
fn update_rules(ctx: &mut Ctx<'_>, defs: &[Scope<'_>]) -> ApiResult<Vec<String>> {
    let mut updates = Vec::new();
    for def in defs {
        let id = def.req_str("RuleId")?;
        let r = rule(ctx.state, id)?;
        let (listener_id, direction) = (r.listener_id.clone(), r.direction.clone());
        let (_, limits) = listener_context(ctx.state, &listener_id)?;
        if updates
            .iter()
            .any(|(x, _, _): &(String, String, RuleInput)| x == id)
        {
            return Err(ApiError::invalid(
                "Rules",
                format!("rule {id} appears twice"),
            ));
        }
        let input = parse_rule(ctx.state, def, &direction, limits, false)?;
        updates.push((id.to_string(), listener_id, input));
    }
    // Final priorities per listener after the whole call (only touched listeners can clash).
    let touched: Vec<String> = updates.iter().map(|(id, _, _)| id.clone()).collect();
    let listeners: BTreeSet<&str> = updates.iter().map(|(_, l, _)| l.as_str()).collect();
    let mut final_priorities: BTreeMap<(String, i64), String> = BTreeMap::new();
    for r in listeners.iter().flat_map(|l| ctx.state.store.rules_of(l)) {
        let priority = updates
            .iter()
            .find(|(id, _, _)| *id == r.id)
            .and_then(|(_, _, input)| input.priority)
            .unwrap_or(r.priority);
        if let Some(other) =
            final_priorities.insert((r.listener_id.clone(), priority), r.id.clone())
        {
            if touched.contains(&other) || touched.contains(&r.id) {
                return Err(ApiError::illegal(
                    "Priority",
                    format!(
                        "priority {priority} is already used on listener {}",
                        r.listener_id
                    ),
                ));
            }
        }
    }
    for (id, listener_id, input) in &updates {
        if let Some(a) = &input.actions {
            let (lb_id, _) = listener_context(ctx.state, listener_id)?;
            check_instance_servers(ctx.state, &lb_id, &referenced_server_groups(a), 0)?;
        }
        writable_listener_child(ctx, listener_id)?;
        if rule(ctx.state, id)?.phase.busy(ctx.now) {
            return Err(ApiError::incorrect_status("Rule", id));
        }
    }
    ctx.commit()?;
    let until = ctx.busy_until();
    let listener_until = ctx.job_done();
    let mut ids = Vec::new();
    for (id, listener_id, input) in updates {
        if let Some(r) = ctx.state.store.rules.get_mut(&id) {
            if let Some(name) = input.name {
                r.name = name;
            }
            if let Some(priority) = input.priority {
                r.priority = priority;
            }
            if let Some(c) = input.conditions {
                r.conditions = c;
            }
            if let Some(a) = input.actions {
                r.actions = a;
            }
            r.phase = Phase::transition("Configuring", until);
        }
        ctx.state.store.index_rule(&id);
        if let Some(l) = ctx.state.store.listeners.get_mut(&listener_id) {
            l.phase = Phase::transition("Configuring", listener_until);
        }
        ids.push(id);
    }
    Ok(ids)
}

/// UpdateRuleAttribute: given lists replace the whole set.
pub fn update_one(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let ids = update_rules(ctx, std::slice::from_ref(p))?;
    let id = ids.into_iter().next().unwrap_or_default();
    Ok(job_response(ctx.job("rule", &id, "Update")))
}

/// UpdateRulesAttribute: at most 10 rules.
pub fn update_many(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let defs = p.obj_list("Rules")?;
    if defs.is_empty() {
        return Err(ApiError::missing("Rules.1.RuleId"));
    }
    validate::at_most("Rules", &defs, limits::RULES_PER_CALL)?;
    let ids = update_rules(ctx, &defs)?;
    let first = ids.into_iter().next().unwrap_or_default();
    Ok(job_response(ctx.job("rule", &first, "Update")))
}

fn delete_rules(ctx: &mut Ctx<'_>, ids: &[&str]) -> ApiResult<()> {
    for id in ids {
        let r = rule(ctx.state, id)?;
        let listener_id = r.listener_id.clone();
        writable_listener_child(ctx, &listener_id)?;
        let r = rule(ctx.state, id)?;
        if r.phase.busy(ctx.now) || r.phase.removing_now() {
            return Err(ApiError::incorrect_status("Rule", id));
        }
    }
    ctx.commit()?;
    let until = ctx.job_done();
    for id in ids {
        let listener_id = match ctx.state.store.rules.get_mut(*id) {
            Some(r) => {
                r.phase = Phase::removing("Deleting", until);
                r.listener_id.clone()
            }
            None => continue,
        };
        ctx.state
            .store
            .removal_started(Removal::Rule(id.to_string()));
        if let Some(l) = ctx.state.store.listeners.get_mut(&listener_id) {
            l.phase = Phase::transition("Configuring", until);
        }
    }
    Ok(())
}

/// DeleteRule.
pub fn delete_one(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let id = p.req_str("RuleId")?;
    delete_rules(ctx, &[id])?;
    Ok(job_response(ctx.job("rule", id, "Delete")))
}

/// DeleteRules: at most 10 ids.
pub fn delete_many(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let ids = p.str_list("RuleIds")?;
    if ids.is_empty() {
        return Err(ApiError::missing("RuleIds.1"));
    }
    validate::at_most("RuleIds", &ids, limits::DELETE_RULES_PER_CALL)?;
    delete_rules(ctx, &ids)?;
    Ok(job_response(ctx.job("rule", ids[0], "Delete")))
}

/// ListRules, ordered by listener then priority.
pub fn list(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let listener_ids = validate::filter_list(p, "ListenerIds", limits::IDS_PER_FILTER)?;
    let lb_ids = validate::filter_list(p, "LoadBalancerIds", limits::IDS_PER_FILTER)?;
    let rule_ids = validate::filter_list(p, "RuleIds", limits::IDS_PER_FILTER)?;
    let direction = p.enumeration("Direction", &["Request", "Response"])?;
    let tags = validate::tag_filters(p)?;
    let now = ctx.now;
    let store = &ctx.state.store;
    // Filtered by listener or load balancer, only their rules are looked at.
    let listeners: BTreeSet<&str> = listener_ids.iter().copied().collect();
    let lbs: BTreeSet<&str> = lb_ids.iter().copied().collect();
    let candidates: Box<dyn Iterator<Item = &Rule>> = if !listeners.is_empty() {
        Box::new(listeners.into_iter().flat_map(|l| store.rules_of(l)))
    } else if !lbs.is_empty() {
        Box::new(
            lbs.into_iter()
                .flat_map(|lb| store.rules_of_load_balancer(lb)),
        )
    } else {
        Box::new(store.rules.values())
    };
    let mut items: Vec<(String, Value)> = candidates
        .filter(|r| listener_ids.is_empty() || listener_ids.contains(&r.listener_id.as_str()))
        .filter(|r| lb_ids.is_empty() || lb_ids.contains(&r.load_balancer_id.as_str()))
        .filter(|r| rule_ids.is_empty() || rule_ids.contains(&r.id.as_str()))
        .filter(|r| direction.is_none_or(|d| d == r.direction))
        .filter(|r| validate::tags_match(&r.tags, &tags))
        .map(|r| {
            (
                format!("{}/{:05}/{}", r.listener_id, r.priority, r.id),
                render(r, now),
            )
        })
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Page::cut(p, items)?.render("Rules", true))
}

/// The API shape of a rule.
pub fn render(r: &Rule, now: Millis) -> Value {
    json!({
        "Direction": r.direction,
        "ListenerId": r.listener_id,
        "LoadBalancerId": r.load_balancer_id,
        "Priority": r.priority,
        "RuleActions": r.actions,
        "RuleConditions": r.conditions,
        "RuleId": r.id,
        "RuleName": r.name,
        "RuleStatus": r.phase.status("Available", now),
        "Tags": validate::render_tags(&r.tags),
    })
}

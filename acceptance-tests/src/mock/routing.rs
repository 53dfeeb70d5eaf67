//! `GET /__mock/route`: where the mock's current rules send a request, decided by the model's
//! matcher ([`model::routing`]) — the same one the plans are proved gapless against.
//!
//! Query parameters: `listener` (id, required), `host`, `path` (default `/`), `method`,
//! `source_ip`, and `header.<name>`, `cookie.<name>`, `query.<name>` for each header, cookie
//! and query parameter. Answer: `{"listener", "rule", "priority", "target"}` with the matching
//! rule's id and priority (`null` for the listener's default action) and the target as
//! [`model::routing::Target`] (forward groups keyed by server group id). Rules count from the
//! moment their call is accepted until their deletion completes [INF: the real API may show a
//! change only when its job ends; either moment is a state the load balancer can be in].

use std::collections::BTreeMap;

use ::model::desired::{Action, ActionKind, Condition, GroupTarget, KeyValue};
use ::model::routing::{route, Request, RuleRef};
use ::model::spec::{ContentType, HttpMethod};
use serde_json::{json, Value};

use super::model::Rule;

/// The request the query parameters describe, or what is wrong with them.
pub fn request(q: &BTreeMap<String, String>) -> Result<(String, Request), String> {
    let listener = q
        .get("listener")
        .cloned()
        .ok_or("the listener parameter (a listener id) is required")?;
    let mut req = Request::get(
        q.get("host").map_or("", String::as_str),
        q.get("path").map_or("/", String::as_str),
    );
    req.method = q.get("method").cloned().unwrap_or_default();
    if let Some(ip) = q.get("source_ip") {
        req.source_ip = Some(ip.parse().map_err(|_| format!("source_ip {ip:?}"))?);
    }
    for (k, v) in q {
        let into = if let Some(name) = k.strip_prefix("header.") {
            Some((&mut req.headers, name))
        } else if let Some(name) = k.strip_prefix("cookie.") {
            Some((&mut req.cookies, name))
        } else {
            k.strip_prefix("query.").map(|name| (&mut req.query, name))
        };
        if let Some((map, name)) = into {
            map.insert(name.to_owned(), v.clone());
        }
    }
    Ok((listener, req))
}

/// Routes `req` over `rules` (those of one listener) and renders the answer.
pub fn answer<'a>(listener: &str, rules: impl Iterator<Item = &'a Rule>, req: &Request) -> Value {
    let parsed: Vec<(&Rule, Vec<Condition>, Vec<Action>)> = rules
        .filter(|r| r.direction != "Response")
        .map(|r| (r, conditions(&r.conditions), actions(&r.actions)))
        .collect();
    let routed = route(
        parsed.iter().map(|(r, c, a)| RuleRef {
            id: &r.id,
            priority: u32::try_from(r.priority).unwrap_or(u32::MAX),
            conditions: c,
            actions: a,
        }),
        req,
    );
    json!({
        "listener": listener,
        "rule": routed.rule,
        "priority": routed.priority,
        "target": routed.target,
    })
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

fn pairs(v: &Value) -> Vec<KeyValue> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|kv| KeyValue {
            key: kv["Key"].as_str().unwrap_or_default().to_owned(),
            value: kv["Value"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// Stored conditions (API shape) as the model's.
fn conditions(v: &Value) -> Vec<Condition> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let kind = c["Type"].as_str()?;
            let config = &c[format!("{kind}Config")];
            Some(match kind {
                "Host" => Condition::Host {
                    values: strings(&config["Values"]),
                },
                "Path" => Condition::Path {
                    values: strings(&config["Values"]),
                },
                "Header" => Condition::Header {
                    key: config["Key"].as_str()?.to_owned(),
                    values: strings(&config["Values"]),
                },
                "QueryString" => Condition::QueryString {
                    values: pairs(&config["Values"]),
                },
                "Cookie" => Condition::Cookie {
                    values: pairs(&config["Values"]),
                },
                "Method" => Condition::Method {
                    values: strings(&config["Values"])
                        .iter()
                        .filter_map(|m| serde_json::from_value::<HttpMethod>(json!(m)).ok())
                        .collect(),
                },
                "SourceIp" => Condition::SourceIp {
                    values: strings(&config["Values"]),
                },
                _ => return None,
            })
        })
        .collect()
}

fn number(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str()?.parse().ok())
}

/// The final actions of stored actions (API shape) as the model's; forward groups keyed by id.
fn actions(v: &Value) -> Vec<Action> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let order = u32::try_from(number(&a["Order"])?).ok()?;
            let text = |c: &Value, k: &str| c[k].as_str().map(str::to_owned);
            let kind = match a["Type"].as_str()? {
                "ForwardGroup" => ActionKind::ForwardGroup {
                    server_groups: a["ForwardGroupConfig"]["ServerGroupTuples"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|t| GroupTarget {
                            key: t["ServerGroupId"].as_str().unwrap_or_default().to_owned(),
                            weight: number(&t["Weight"])
                                .and_then(|w| u32::try_from(w).ok())
                                .unwrap_or(100),
                        })
                        .collect(),
                    sticky: None,
                },
                "Redirect" => {
                    let c = &a["RedirectConfig"];
                    ActionKind::Redirect {
                        protocol: text(c, "Protocol"),
                        host: text(c, "Host"),
                        port: text(c, "Port"),
                        path: text(c, "Path"),
                        query: text(c, "Query"),
                        code: number(&c["HttpCode"])
                            .and_then(|n| u16::try_from(n).ok())
                            .unwrap_or(301),
                    }
                }
                "FixedResponse" => {
                    let c = &a["FixedResponseConfig"];
                    ActionKind::FixedResponse {
                        status: number(&c["HttpCode"])
                            .and_then(|n| u16::try_from(n).ok())
                            .unwrap_or(200),
                        content_type: ContentType::TextPlain,
                        content: text(c, "Content"),
                    }
                }
                _ => return None,
            };
            Some(Action { order, kind })
        })
        .collect()
}

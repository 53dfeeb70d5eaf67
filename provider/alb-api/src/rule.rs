//! Forwarding rules: conditions, actions, and the rule actions.
//!
//! A condition or action is a `Type` plus exactly one matching `*Config` object on the wire.
//! They are modelled as structs with one optional field per config (so unknown or future types
//! still decode) and constructors that fill in the right pair.

use serde::{Deserialize, Serialize};

use crate::common::{list_action, read_actions, write_actions, JobResponse, Tag};

/// A list of values (`HostConfig`, `PathConfig`, `MethodConfig`, `SourceIpConfig`,
/// `ResponseStatusCodeConfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ValuesConfig {
    /// The values (OR-ed).
    pub values: Vec<String>,
}

/// A header name with values (`HeaderConfig`, `ResponseHeaderConfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HeaderMatchConfig {
    /// Header name.
    pub key: String,
    /// Values (OR-ed).
    pub values: Vec<String>,
}

/// A key/value pair (query string or cookie match).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct KeyValue {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// Key/value pairs (`QueryStringConfig`, `CookieConfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct KeyValuesConfig {
    /// The pairs (OR-ed).
    pub values: Vec<KeyValue>,
}

/// A rule condition (`RuleConditions.N`): `Type` plus the config of that type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RuleCondition {
    /// `Host`, `Path`, `Header`, `QueryString`, `Method`, `Cookie`, `SourceIp`,
    /// `ResponseHeader`, `ResponseStatusCode`.
    pub r#type: String,
    /// Host match.
    pub host_config: Option<ValuesConfig>,
    /// Path match.
    pub path_config: Option<ValuesConfig>,
    /// Request header match.
    pub header_config: Option<HeaderMatchConfig>,
    /// Query string match.
    pub query_string_config: Option<KeyValuesConfig>,
    /// Method match.
    pub method_config: Option<ValuesConfig>,
    /// Cookie match.
    pub cookie_config: Option<KeyValuesConfig>,
    /// Source IP/CIDR match (≤5).
    pub source_ip_config: Option<ValuesConfig>,
    /// Response header match (Direction=Response).
    pub response_header_config: Option<HeaderMatchConfig>,
    /// Response status code match (Direction=Response).
    pub response_status_code_config: Option<ValuesConfig>,
}

fn values(v: impl IntoIterator<Item = impl Into<String>>) -> ValuesConfig {
    ValuesConfig {
        values: v.into_iter().map(Into::into).collect(),
    }
}

fn pairs(v: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>) -> KeyValuesConfig {
    KeyValuesConfig {
        values: v
            .into_iter()
            .map(|(k, val)| KeyValue {
                key: k.into(),
                value: val.into(),
            })
            .collect(),
    }
}

impl RuleCondition {
    fn typed(t: &str) -> Self {
        RuleCondition {
            r#type: t.into(),
            ..Default::default()
        }
    }

    /// `Host` condition.
    pub fn host(v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        RuleCondition {
            host_config: Some(values(v)),
            ..Self::typed("Host")
        }
    }

    /// `Path` condition.
    pub fn path(v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        RuleCondition {
            path_config: Some(values(v)),
            ..Self::typed("Path")
        }
    }

    /// `Header` condition.
    pub fn header(key: impl Into<String>, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        RuleCondition {
            header_config: Some(HeaderMatchConfig {
                key: key.into(),
                values: values(v).values,
            }),
            ..Self::typed("Header")
        }
    }

    /// `QueryString` condition.
    pub fn query_string(
        v: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        RuleCondition {
            query_string_config: Some(pairs(v)),
            ..Self::typed("QueryString")
        }
    }

    /// `Method` condition.
    pub fn method(v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        RuleCondition {
            method_config: Some(values(v)),
            ..Self::typed("Method")
        }
    }

    /// `Cookie` condition.
    pub fn cookie(v: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>) -> Self {
        RuleCondition {
            cookie_config: Some(pairs(v)),
            ..Self::typed("Cookie")
        }
    }

    /// `SourceIp` condition.
    pub fn source_ip(v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        RuleCondition {
            source_ip_config: Some(values(v)),
            ..Self::typed("SourceIp")
        }
    }

    /// `ResponseHeader` condition (Direction=Response).
    pub fn response_header(
        key: impl Into<String>,
        v: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        RuleCondition {
            response_header_config: Some(HeaderMatchConfig {
                key: key.into(),
                values: values(v).values,
            }),
            ..Self::typed("ResponseHeader")
        }
    }

    /// `ResponseStatusCode` condition (Direction=Response).
    pub fn response_status_code(v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        RuleCondition {
            response_status_code_config: Some(values(v)),
            ..Self::typed("ResponseStatusCode")
        }
    }
}

/// A server group target with optional weight (`ServerGroupTuples.N`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServerGroupTuple {
    /// Server group id.
    pub server_group_id: String,
    /// Weight 0–100 (required when there are several groups).
    pub weight: Option<i64>,
}

/// `ServerGroupStickySession` of a forward action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServerGroupStickySession {
    /// Sticky across groups.
    pub enabled: Option<bool>,
    /// Timeout in seconds (1–86400).
    pub timeout: Option<i64>,
}

/// `ForwardGroupConfig`: forward to up to five weighted server groups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ForwardGroupConfig {
    /// Targets.
    pub server_group_tuples: Vec<ServerGroupTuple>,
    /// Stickiness between the groups.
    pub server_group_sticky_session: Option<ServerGroupStickySession>,
}

impl ForwardGroupConfig {
    /// Forward to one server group (no weight).
    pub fn single(server_group_id: impl Into<String>) -> Self {
        ForwardGroupConfig {
            server_group_tuples: vec![ServerGroupTuple {
                server_group_id: server_group_id.into(),
                weight: None,
            }],
            server_group_sticky_session: None,
        }
    }
}

/// `RedirectConfig`; unset fields keep the request's value (`${host}` …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RedirectConfig {
    /// Host.
    pub host: Option<String>,
    /// Path.
    pub path: Option<String>,
    /// Query.
    pub query: Option<String>,
    /// Port (a string, `${port}` allowed).
    pub port: Option<String>,
    /// `HTTP` or `HTTPS`.
    pub protocol: Option<String>,
    /// 301, 302, 303, 307, 308.
    pub http_code: Option<String>,
}

/// `FixedResponseConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FixedResponseConfig {
    /// Body (≤1 KB).
    pub content: Option<String>,
    /// `text/plain`, `text/css`, `text/html`, `application/javascript`, `application/json`.
    pub content_type: Option<String>,
    /// Status code. `[INF]` The docs disagree between `200` and `HTTP_2xx`; kept as a string
    /// so either decodes. Send three digits.
    pub http_code: Option<String>,
}

/// `RewriteConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RewriteConfig {
    /// Host.
    pub host: Option<String>,
    /// Path.
    pub path: Option<String>,
    /// Query.
    pub query: Option<String>,
}

/// `InsertHeaderConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InsertHeaderConfig {
    /// Header name.
    pub key: String,
    /// Value (literal, header name, or system variable per `ValueType`).
    pub value: Option<String>,
    /// `UserDefined`, `ReferenceHeader`, `SystemDefined`.
    pub value_type: Option<String>,
    /// Overwrite an existing header.
    pub cover_enabled: Option<bool>,
}

/// `RemoveHeaderConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RemoveHeaderConfig {
    /// Header name.
    pub key: String,
}

/// `TrafficLimitConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrafficLimitConfig {
    /// Total queries per second.
    #[serde(rename = "QPS")]
    pub qps: Option<i64>,
    /// Queries per second per client IP.
    #[serde(rename = "PerIpQps")]
    pub per_ip_qps: Option<i64>,
}

/// `MirrorGroupConfig` of a traffic mirror action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MirrorGroupConfig {
    /// Mirror targets.
    pub server_group_tuples: Vec<ServerGroupTuple>,
}

/// `TrafficMirrorConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TrafficMirrorConfig {
    /// `ForwardGroupMirror`.
    pub target_type: Option<String>,
    /// Mirror targets.
    pub mirror_group_config: Option<MirrorGroupConfig>,
}

/// `CorsConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CorsConfig {
    /// Allowed origins.
    pub allow_origin: Vec<String>,
    /// Allowed methods.
    pub allow_methods: Vec<String>,
    /// Allowed request headers.
    pub allow_headers: Vec<String>,
    /// Exposed response headers.
    pub expose_headers: Vec<String>,
    /// `on` or `off`.
    pub allow_credentials: Option<String>,
    /// Preflight cache seconds (-1..172800).
    pub max_age: Option<i64>,
}

/// A rule action (`RuleActions.N`): `Type`, `Order`, plus the config of that type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RuleAction {
    /// `ForwardGroup`, `Redirect`, `FixedResponse`, `Rewrite`, `InsertHeader`,
    /// `RemoveHeader`, `TrafficLimit`, `TrafficMirror`, `Cors`.
    pub r#type: String,
    /// Execution order 1–50000, unique within the rule; the final action has the highest.
    pub order: i64,
    /// Forward.
    pub forward_group_config: Option<ForwardGroupConfig>,
    /// Redirect.
    pub redirect_config: Option<RedirectConfig>,
    /// Fixed response.
    pub fixed_response_config: Option<FixedResponseConfig>,
    /// Rewrite.
    pub rewrite_config: Option<RewriteConfig>,
    /// Insert header.
    pub insert_header_config: Option<InsertHeaderConfig>,
    /// Remove header.
    pub remove_header_config: Option<RemoveHeaderConfig>,
    /// Rate limit.
    pub traffic_limit_config: Option<TrafficLimitConfig>,
    /// Mirror.
    pub traffic_mirror_config: Option<TrafficMirrorConfig>,
    /// CORS.
    pub cors_config: Option<CorsConfig>,
}

impl RuleAction {
    fn typed(t: &str, order: i64) -> Self {
        RuleAction {
            r#type: t.into(),
            order,
            ..Default::default()
        }
    }

    /// `ForwardGroup` action.
    pub fn forward(order: i64, config: ForwardGroupConfig) -> Self {
        RuleAction {
            forward_group_config: Some(config),
            ..Self::typed("ForwardGroup", order)
        }
    }

    /// `Redirect` action.
    pub fn redirect(order: i64, config: RedirectConfig) -> Self {
        RuleAction {
            redirect_config: Some(config),
            ..Self::typed("Redirect", order)
        }
    }

    /// `FixedResponse` action.
    pub fn fixed_response(order: i64, config: FixedResponseConfig) -> Self {
        RuleAction {
            fixed_response_config: Some(config),
            ..Self::typed("FixedResponse", order)
        }
    }

    /// `Rewrite` action.
    pub fn rewrite(order: i64, config: RewriteConfig) -> Self {
        RuleAction {
            rewrite_config: Some(config),
            ..Self::typed("Rewrite", order)
        }
    }

    /// `InsertHeader` action.
    pub fn insert_header(order: i64, config: InsertHeaderConfig) -> Self {
        RuleAction {
            insert_header_config: Some(config),
            ..Self::typed("InsertHeader", order)
        }
    }

    /// `RemoveHeader` action.
    pub fn remove_header(order: i64, key: impl Into<String>) -> Self {
        RuleAction {
            remove_header_config: Some(RemoveHeaderConfig { key: key.into() }),
            ..Self::typed("RemoveHeader", order)
        }
    }

    /// `TrafficLimit` action.
    pub fn traffic_limit(order: i64, config: TrafficLimitConfig) -> Self {
        RuleAction {
            traffic_limit_config: Some(config),
            ..Self::typed("TrafficLimit", order)
        }
    }

    /// `TrafficMirror` action.
    pub fn traffic_mirror(order: i64, config: TrafficMirrorConfig) -> Self {
        RuleAction {
            traffic_mirror_config: Some(config),
            ..Self::typed("TrafficMirror", order)
        }
    }

    /// `Cors` action.
    pub fn cors(order: i64, config: CorsConfig) -> Self {
        RuleAction {
            cors_config: Some(config),
            ..Self::typed("Cors", order)
        }
    }
}

/// A rule as returned by `ListRules`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Rule {
    /// Id (`rule-…`).
    pub rule_id: String,
    /// Name.
    pub rule_name: Option<String>,
    /// Listener.
    pub listener_id: String,
    /// Load balancer.
    pub load_balancer_id: Option<String>,
    /// Priority 1–10000.
    pub priority: i64,
    /// `Request` or `Response`.
    pub direction: Option<String>,
    /// `Provisioning`, `Available`, `Configuring`, `Deleting`, `CreateFailed`.
    pub rule_status: String,
    /// Conditions.
    pub rule_conditions: Vec<RuleCondition>,
    /// Actions.
    pub rule_actions: Vec<RuleAction>,
    /// Tags.
    pub tags: Vec<Tag>,
}

/// `CreateRule` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRuleRequest {
    /// Listener (required).
    pub listener_id: String,
    /// Name (required).
    pub rule_name: String,
    /// Priority 1–10000 (required).
    pub priority: i64,
    /// Conditions (required).
    pub rule_conditions: Vec<RuleCondition>,
    /// Actions (required).
    pub rule_actions: Vec<RuleAction>,
    /// `Request` (default) or `Response`.
    pub direction: Option<String>,
    /// Tags.
    pub tag: Vec<Tag>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `CreateRule` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateRuleResponse {
    /// Request id.
    pub request_id: String,
    /// New rule id.
    pub rule_id: String,
    /// Async job.
    pub job_id: Option<String>,
}

/// One rule of a `CreateRules` request (`Rules.N`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NewRule {
    /// Name.
    pub rule_name: String,
    /// Priority.
    pub priority: i64,
    /// Conditions.
    pub rule_conditions: Vec<RuleCondition>,
    /// Actions.
    pub rule_actions: Vec<RuleAction>,
    /// `Request` or `Response`.
    pub direction: Option<String>,
    /// Tags.
    pub tag: Vec<Tag>,
}

/// `CreateRules` request (≤10 rules; see [`crate::Client::create_rules_batched`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRulesRequest {
    /// Listener (query).
    pub listener_id: String,
    /// Rules (form body).
    pub rules: Vec<NewRule>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// A created rule's id and priority.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RuleIdPriority {
    /// Rule id.
    pub rule_id: String,
    /// Its priority (to match it with the request).
    pub priority: i64,
}

/// `CreateRules` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateRulesResponse {
    /// Request id.
    pub request_id: String,
    /// Created rules.
    pub rule_ids: Vec<RuleIdPriority>,
    /// Async job.
    pub job_id: Option<String>,
}

/// `ListRules` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRulesRequest {
    /// Filter by listeners.
    pub listener_ids: Vec<String>,
    /// Filter by load balancers.
    pub load_balancer_ids: Vec<String>,
    /// Filter by rule ids.
    pub rule_ids: Vec<String>,
    /// Filter by direction.
    pub direction: Option<String>,
    /// Filter by tags.
    pub tag: Vec<Tag>,
    /// Page size.
    pub max_results: Option<i32>,
    /// Page token.
    pub next_token: Option<String>,
}

/// `ListRules` response page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListRulesResponse {
    /// Request id.
    pub request_id: String,
    /// Rules of this page.
    pub rules: Vec<Rule>,
    /// Next page token.
    pub next_token: Option<String>,
    /// Total count.
    pub total_count: Option<i64>,
}

list_action!(
    "ListRules",
    ListRulesRequest,
    ListRulesResponse,
    rules,
    Rule
);

/// `UpdateRuleAttribute` request. Conditions and actions, when given, replace the whole set
/// (`[INF]`, matching what Terraform sends); empty lists are not sent (unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateRuleAttributeRequest {
    /// Rule id (required).
    pub rule_id: String,
    /// Name.
    pub rule_name: Option<String>,
    /// Priority.
    pub priority: Option<i64>,
    /// Full condition set.
    pub rule_conditions: Vec<RuleCondition>,
    /// Full action set.
    pub rule_actions: Vec<RuleAction>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// One rule of an `UpdateRulesAttribute` request (`Rules.N`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleUpdate {
    /// Rule id.
    pub rule_id: String,
    /// Name.
    pub rule_name: Option<String>,
    /// Priority.
    pub priority: Option<i64>,
    /// Full condition set.
    pub rule_conditions: Vec<RuleCondition>,
    /// Full action set.
    pub rule_actions: Vec<RuleAction>,
}

/// `UpdateRulesAttribute` request (≤10 rules; see [`crate::Client::update_rules_batched`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateRulesAttributeRequest {
    /// Rules (form body).
    pub rules: Vec<RuleUpdate>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `DeleteRule` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteRuleRequest {
    /// Rule id.
    pub rule_id: String,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `DeleteRules` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteRulesRequest {
    /// Rule ids (batched ≤10 by [`crate::Client::delete_rules_batched`]).
    pub rule_ids: Vec<String>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

read_actions! {
    /// `ListRules`: one page.
    list_rules => "ListRules", ListRulesRequest, ListRulesResponse;
}

write_actions! {
    /// `CreateRule` (async job).
    create_rule => "CreateRule", CreateRuleRequest, CreateRuleResponse;
    /// `CreateRules` (async job; ≤10 rules).
    create_rules => "CreateRules", CreateRulesRequest, CreateRulesResponse;
    /// `UpdateRuleAttribute` (async job).
    update_rule_attribute => "UpdateRuleAttribute", UpdateRuleAttributeRequest, JobResponse;
    /// `UpdateRulesAttribute` (async job; ≤10 rules).
    update_rules_attribute => "UpdateRulesAttribute", UpdateRulesAttributeRequest, JobResponse;
    /// `DeleteRule` (async job).
    delete_rule => "DeleteRule", DeleteRuleRequest, JobResponse;
    /// `DeleteRules` (async job).
    delete_rules => "DeleteRules", DeleteRulesRequest, JobResponse;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{flatten, split_query_body};

    fn p(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn create_rules_flattens_nested_conditions_and_actions_into_the_body() {
        let req = CreateRulesRequest {
            listener_id: "lsn-1".into(),
            rules: vec![
                NewRule {
                    rule_name: "r1".into(),
                    priority: 10,
                    rule_conditions: vec![
                        RuleCondition::host(["www.example.com"]),
                        RuleCondition::path(["/a", "/b*"]),
                    ],
                    rule_actions: vec![RuleAction::forward(
                        1,
                        ForwardGroupConfig {
                            server_group_tuples: vec![
                                ServerGroupTuple {
                                    server_group_id: "sgp-1".into(),
                                    weight: Some(80),
                                },
                                ServerGroupTuple {
                                    server_group_id: "sgp-2".into(),
                                    weight: Some(20),
                                },
                            ],
                            server_group_sticky_session: Some(ServerGroupStickySession {
                                enabled: Some(true),
                                timeout: Some(100),
                            }),
                        },
                    )],
                    direction: None,
                    tag: vec![Tag::new("k", "v")],
                },
                NewRule {
                    rule_name: "r2".into(),
                    priority: 11,
                    rule_conditions: vec![RuleCondition::header("x-canary", ["1"])],
                    rule_actions: vec![
                        RuleAction::insert_header(
                            1,
                            InsertHeaderConfig {
                                key: "x-a".into(),
                                value: Some("b".into()),
                                value_type: Some("UserDefined".into()),
                                cover_enabled: None,
                            },
                        ),
                        RuleAction::fixed_response(
                            2,
                            FixedResponseConfig {
                                content: Some("ok".into()),
                                content_type: Some("text/plain".into()),
                                http_code: Some("200".into()),
                            },
                        ),
                    ],
                    direction: Some("Request".into()),
                    tag: vec![],
                },
            ],
            dry_run: None,
        };
        let (query, body) = split_query_body("CreateRules", flatten(&req).unwrap_or_default());
        assert_eq!(query, p(&[("ListenerId", "lsn-1")]));
        assert_eq!(
            body,
            p(&[
                ("Rules.1.RuleName", "r1"),
                ("Rules.1.Priority", "10"),
                ("Rules.1.RuleConditions.1.Type", "Host"),
                (
                    "Rules.1.RuleConditions.1.HostConfig.Values.1",
                    "www.example.com"
                ),
                ("Rules.1.RuleConditions.2.Type", "Path"),
                ("Rules.1.RuleConditions.2.PathConfig.Values.1", "/a"),
                ("Rules.1.RuleConditions.2.PathConfig.Values.2", "/b*"),
                ("Rules.1.RuleActions.1.Type", "ForwardGroup"),
                ("Rules.1.RuleActions.1.Order", "1"),
                (
                    "Rules.1.RuleActions.1.ForwardGroupConfig.ServerGroupTuples.1.ServerGroupId",
                    "sgp-1"
                ),
                (
                    "Rules.1.RuleActions.1.ForwardGroupConfig.ServerGroupTuples.1.Weight",
                    "80"
                ),
                (
                    "Rules.1.RuleActions.1.ForwardGroupConfig.ServerGroupTuples.2.ServerGroupId",
                    "sgp-2"
                ),
                (
                    "Rules.1.RuleActions.1.ForwardGroupConfig.ServerGroupTuples.2.Weight",
                    "20"
                ),
                (
                    "Rules.1.RuleActions.1.ForwardGroupConfig.ServerGroupStickySession.Enabled",
                    "true"
                ),
                (
                    "Rules.1.RuleActions.1.ForwardGroupConfig.ServerGroupStickySession.Timeout",
                    "100"
                ),
                ("Rules.1.Tag.1.Key", "k"),
                ("Rules.1.Tag.1.Value", "v"),
                ("Rules.2.RuleName", "r2"),
                ("Rules.2.Priority", "11"),
                ("Rules.2.RuleConditions.1.Type", "Header"),
                ("Rules.2.RuleConditions.1.HeaderConfig.Key", "x-canary"),
                ("Rules.2.RuleConditions.1.HeaderConfig.Values.1", "1"),
                ("Rules.2.RuleActions.1.Type", "InsertHeader"),
                ("Rules.2.RuleActions.1.Order", "1"),
                ("Rules.2.RuleActions.1.InsertHeaderConfig.Key", "x-a"),
                ("Rules.2.RuleActions.1.InsertHeaderConfig.Value", "b"),
                (
                    "Rules.2.RuleActions.1.InsertHeaderConfig.ValueType",
                    "UserDefined"
                ),
                ("Rules.2.RuleActions.2.Type", "FixedResponse"),
                ("Rules.2.RuleActions.2.Order", "2"),
                ("Rules.2.RuleActions.2.FixedResponseConfig.Content", "ok"),
                (
                    "Rules.2.RuleActions.2.FixedResponseConfig.ContentType",
                    "text/plain"
                ),
                ("Rules.2.RuleActions.2.FixedResponseConfig.HttpCode", "200"),
                ("Rules.2.Direction", "Request"),
            ])
        );
    }

    #[test]
    fn every_condition_type_has_its_config_key() {
        let conditions = vec![
            RuleCondition::host(["a.example.com"]),
            RuleCondition::path(["/"]),
            RuleCondition::header("h", ["v"]),
            RuleCondition::query_string([("q", "1")]),
            RuleCondition::method(["GET"]),
            RuleCondition::cookie([("c", "v")]),
            RuleCondition::source_ip(["10.0.0.0/8"]),
            RuleCondition::response_header("rh", ["v"]),
            RuleCondition::response_status_code(["404"]),
        ];
        let req = CreateRuleRequest {
            listener_id: "lsn".into(),
            rule_name: "r".into(),
            priority: 1,
            rule_conditions: conditions,
            ..Default::default()
        };
        let params = flatten(&req).unwrap_or_default();
        let (query, body) = split_query_body("CreateRule", params.clone());
        assert!(body.is_empty(), "CreateRule sends everything in the query");
        assert_eq!(query, params);
        for key in [
            "RuleConditions.1.HostConfig.Values.1",
            "RuleConditions.2.PathConfig.Values.1",
            "RuleConditions.3.HeaderConfig.Key",
            "RuleConditions.3.HeaderConfig.Values.1",
            "RuleConditions.4.QueryStringConfig.Values.1.Key",
            "RuleConditions.4.QueryStringConfig.Values.1.Value",
            "RuleConditions.5.MethodConfig.Values.1",
            "RuleConditions.6.CookieConfig.Values.1.Key",
            "RuleConditions.7.SourceIpConfig.Values.1",
            "RuleConditions.8.ResponseHeaderConfig.Key",
            "RuleConditions.9.ResponseStatusCodeConfig.Values.1",
            "RuleConditions.9.Type",
        ] {
            assert!(params.iter().any(|(k, _)| k == key), "missing {key}");
        }
    }

    #[test]
    fn every_action_type_has_its_config_key() {
        let actions = vec![
            RuleAction::rewrite(
                1,
                RewriteConfig {
                    path: Some("/x".into()),
                    ..Default::default()
                },
            ),
            RuleAction::remove_header(2, "x-r"),
            RuleAction::traffic_limit(
                3,
                TrafficLimitConfig {
                    qps: Some(100),
                    per_ip_qps: Some(10),
                },
            ),
            RuleAction::traffic_mirror(
                4,
                TrafficMirrorConfig {
                    target_type: Some("ForwardGroupMirror".into()),
                    mirror_group_config: Some(MirrorGroupConfig {
                        server_group_tuples: vec![ServerGroupTuple {
                            server_group_id: "sgp-m".into(),
                            weight: None,
                        }],
                    }),
                },
            ),
            RuleAction::cors(
                5,
                CorsConfig {
                    allow_origin: vec!["*".into()],
                    allow_methods: vec!["GET".into()],
                    allow_credentials: Some("on".into()),
                    max_age: Some(600),
                    ..Default::default()
                },
            ),
            RuleAction::redirect(
                6,
                RedirectConfig {
                    protocol: Some("HTTPS".into()),
                    http_code: Some("301".into()),
                    ..Default::default()
                },
            ),
        ];
        let req = UpdateRuleAttributeRequest {
            rule_id: "rule-1".into(),
            rule_actions: actions,
            ..Default::default()
        };
        let params = flatten(&req).unwrap_or_default();
        for (key, value) in [
            ("RuleId", "rule-1"),
            ("RuleActions.1.RewriteConfig.Path", "/x"),
            ("RuleActions.2.RemoveHeaderConfig.Key", "x-r"),
            ("RuleActions.3.TrafficLimitConfig.QPS", "100"),
            ("RuleActions.3.TrafficLimitConfig.PerIpQps", "10"),
            (
                "RuleActions.4.TrafficMirrorConfig.TargetType",
                "ForwardGroupMirror",
            ),
            (
                "RuleActions.4.TrafficMirrorConfig.MirrorGroupConfig.ServerGroupTuples.1.ServerGroupId",
                "sgp-m",
            ),
            ("RuleActions.5.CorsConfig.AllowOrigin.1", "*"),
            ("RuleActions.5.CorsConfig.AllowMethods.1", "GET"),
            ("RuleActions.5.CorsConfig.AllowCredentials", "on"),
            ("RuleActions.5.CorsConfig.MaxAge", "600"),
            ("RuleActions.6.Type", "Redirect"),
            ("RuleActions.6.Order", "6"),
            ("RuleActions.6.RedirectConfig.Protocol", "HTTPS"),
            ("RuleActions.6.RedirectConfig.HttpCode", "301"),
        ] {
            assert!(
                params.contains(&(key.to_string(), value.to_string())),
                "missing {key}={value} in {params:?}"
            );
        }
        assert!(!params.iter().any(|(k, _)| k.starts_with("RuleConditions")));
    }

    #[test]
    fn rule_round_trips_through_list_response() {
        let v = serde_json::json!({
            "RequestId": "R",
            "NextToken": "",
            "Rules": [{
                "RuleId": "rule-1", "ListenerId": "lsn-1", "Priority": 5, "RuleStatus": "Available",
                "RuleConditions": [{"Type": "Host", "HostConfig": {"Values": ["a.b.c"]}}],
                "RuleActions": [{"Type": "ForwardGroup", "Order": 1,
                    "ForwardGroupConfig": {"ServerGroupTuples": [{"ServerGroupId": "sgp-1", "Weight": 100}]}}],
                "Unknown": true
            }]
        });
        let r: ListRulesResponse = crate::client::decode("ListRules", v).unwrap_or_default();
        assert_eq!(r.rules.len(), 1);
        let rule = &r.rules[0];
        assert_eq!(rule.rule_conditions[0], RuleCondition::host(["a.b.c"]));
        assert_eq!(rule.rule_actions[0].r#type, "ForwardGroup");
        assert_eq!(
            rule.rule_actions[0]
                .forward_group_config
                .as_ref()
                .map(|f| f.server_group_tuples[0].weight),
            Some(Some(100))
        );
    }
}

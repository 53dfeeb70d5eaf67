//! `labelSelector` and `fieldSelector` query parameters: parsing with the real server's
//! grammar and matching objects.
//!
//! Label selectors: comma-separated requirements `k`, `!k`, `k=v`, `k==v`, `k!=v`,
//! `k in (a,b)`, `k notin (a,b)`, `k>n`, `k<n`. As in Kubernetes, `!=` and `notin` match
//! objects that do not carry the label. Field selectors: `f=v`, `f==v`, `f!=v` on the labels a
//! type supports (`metadata.name`, `metadata.namespace`, plus the type's own).

use serde_json::Value;

use super::resources::ResourceType;
use super::status::ApiStatus;
use super::validation::is_qualified_name;

#[derive(Debug, Clone, PartialEq)]
enum LabelOp {
    Exists,
    DoesNotExist,
    Equals(String),
    NotEquals(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    GreaterThan(i64),
    LessThan(i64),
}

#[derive(Debug, Clone, PartialEq)]
struct LabelRequirement {
    key: String,
    op: LabelOp,
}

/// A parsed label selector; empty selects everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(Vec<LabelRequirement>);

fn parse_error(detail: impl std::fmt::Display) -> ApiStatus {
    ApiStatus::bad_request(format!("unable to parse requirement: {detail}"))
}

/// Splits at commas outside parentheses.
fn split_requirements(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn check_key(key: &str) -> Result<String, ApiStatus> {
    if is_qualified_name(key) {
        Ok(key.to_string())
    } else {
        Err(parse_error(format!(
            "<nil>: Invalid value: \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.'"
        )))
    }
}

fn parse_set(rest: &str) -> Result<Vec<String>, ApiStatus> {
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| parse_error(format!("found '{rest}', expected: '('")))?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

fn parse_requirement(raw: &str) -> Result<LabelRequirement, ApiStatus> {
    let req = raw.trim();
    if req.is_empty() {
        return Err(parse_error(
            "found '', expected: !, identifier, or 'end of string'",
        ));
    }
    if let Some(key) = req.strip_prefix('!') {
        return Ok(LabelRequirement {
            key: check_key(key.trim())?,
            op: LabelOp::DoesNotExist,
        });
    }
    for (token, build) in [
        ("!=", LabelOp::NotEquals as fn(String) -> LabelOp),
        ("==", LabelOp::Equals),
        ("=", LabelOp::Equals),
    ] {
        if let Some((key, value)) = req.split_once(token) {
            return Ok(LabelRequirement {
                key: check_key(key.trim())?,
                op: build(value.trim().to_string()),
            });
        }
    }
    for (token, greater) in [(">", true), ("<", false)] {
        if let Some((key, value)) = req.split_once(token) {
            let n: i64 = value.trim().parse().map_err(|_| {
                parse_error(format!(
                    "for 'gt', 'lt' operators, the value must be an integer: {value}"
                ))
            })?;
            let op = if greater {
                LabelOp::GreaterThan(n)
            } else {
                LabelOp::LessThan(n)
            };
            return Ok(LabelRequirement {
                key: check_key(key.trim())?,
                op,
            });
        }
    }
    let mut words = req.splitn(2, char::is_whitespace);
    let key = words.next().unwrap_or_default();
    let rest = words.next().unwrap_or_default().trim_start();
    if rest.is_empty() {
        return Ok(LabelRequirement {
            key: check_key(key)?,
            op: LabelOp::Exists,
        });
    }
    if let Some(set) = rest.strip_prefix("notin") {
        return Ok(LabelRequirement {
            key: check_key(key)?,
            op: LabelOp::NotIn(parse_set(set)?),
        });
    }
    if let Some(set) = rest.strip_prefix("in") {
        return Ok(LabelRequirement {
            key: check_key(key)?,
            op: LabelOp::In(parse_set(set)?),
        });
    }
    Err(parse_error(format!(
        "found '{rest}', expected: in, notin, =, ==, !=, gt, lt"
    )))
}

impl LabelSelector {
    /// Parses a `labelSelector` value.
    pub fn parse(s: &str) -> Result<Self, ApiStatus> {
        if s.trim().is_empty() {
            return Ok(Self::default());
        }
        split_requirements(s)
            .into_iter()
            .map(parse_requirement)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether the selector selects everything.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether an object with these labels is selected.
    pub fn matches(&self, object: &Value) -> bool {
        let labels = object.pointer("/metadata/labels");
        self.0.iter().all(|req| {
            let value = labels.and_then(|l| l.get(&req.key)).and_then(Value::as_str);
            match (&req.op, value) {
                (LabelOp::Exists, v) => v.is_some(),
                (LabelOp::DoesNotExist, v) => v.is_none(),
                (LabelOp::Equals(want), v) => v == Some(want.as_str()),
                (LabelOp::NotEquals(want), v) => v != Some(want.as_str()),
                (LabelOp::In(set), Some(v)) => set.iter().any(|s| s == v),
                (LabelOp::In(_), None) => false,
                (LabelOp::NotIn(set), v) => v.is_none_or(|v| !set.iter().any(|s| s == v)),
                (LabelOp::GreaterThan(n), v) => v
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|v| v > *n),
                (LabelOp::LessThan(n), v) => v
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|v| v < *n),
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
struct FieldRequirement {
    pointer: &'static str,
    value: String,
    equal: bool,
}

/// A parsed field selector; empty selects everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector(Vec<FieldRequirement>);

/// The string a field selector compares: strings as they are, booleans and numbers printed,
/// absent fields as `""`.
fn field_text(object: &Value, pointer: &str) -> String {
    match object.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

impl FieldSelector {
    /// Parses a `fieldSelector` value for `resource`; unknown fields are `BadRequest`.
    pub fn parse(s: &str, resource: &ResourceType) -> Result<Self, ApiStatus> {
        if s.trim().is_empty() {
            return Ok(Self::default());
        }
        s.split(',')
            .map(|term| {
                let (field, value, equal) = if let Some((f, v)) = term.split_once("!=") {
                    (f, v, false)
                } else if let Some((f, v)) = term.split_once("==") {
                    (f, v, true)
                } else if let Some((f, v)) = term.split_once('=') {
                    (f, v, true)
                } else {
                    return Err(ApiStatus::bad_request(format!(
                        "invalid selector: '{s}'; can't understand '{term}'"
                    )));
                };
                let field = field.trim();
                let pointer = resource.field_pointer(field).ok_or_else(|| {
                    ApiStatus::bad_request(format!("field label not supported: {field}"))
                })?;
                Ok(FieldRequirement {
                    pointer,
                    value: value.trim().to_string(),
                    equal,
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether the selector selects everything.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `object` is selected.
    pub fn matches(&self, object: &Value) -> bool {
        self.0
            .iter()
            .all(|req| (field_text(object, req.pointer) == req.value) == req.equal)
    }
}

/// Both selectors of a list or watch request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// `labelSelector`.
    pub labels: LabelSelector,
    /// `fieldSelector`.
    pub fields: FieldSelector,
}

impl Selection {
    /// Whether `object` is selected by both.
    pub fn matches(&self, object: &Value) -> bool {
        self.labels.matches(object) && self.fields.matches(object)
    }

    /// Whether nothing is filtered out.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.fields.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kube_local::resources::by_kind;

    fn obj(labels: Value) -> Value {
        json!({"metadata": {"name": "a", "namespace": "ns", "labels": labels}, "spec": {"nodeName": "n1"}})
    }

    fn selects(selector: &str, labels: Value) -> bool {
        LabelSelector::parse(selector)
            .unwrap()
            .matches(&obj(labels))
    }

    #[test]
    fn label_operators() {
        let l = json!({"app": "web", "tier": "front", "rank": "3"});
        assert!(selects("app=web", l.clone()));
        assert!(selects("app==web,tier", l.clone()));
        assert!(!selects("app!=web", l.clone()));
        assert!(selects("missing!=x", l.clone()));
        assert!(selects("app in (api, web)", l.clone()));
        assert!(!selects("app in (api)", l.clone()));
        assert!(selects("app notin (api),!missing", l.clone()));
        assert!(selects("missing notin (api)", l.clone()));
        assert!(!selects("!app", l.clone()));
        assert!(selects("rank>2,rank<4", l.clone()));
        assert!(selects("", l));
    }

    #[test]
    fn label_syntax_errors_are_bad_requests() {
        for bad in ["app in api", "a b c", "app,", "bad key=1", "rank>x"] {
            let err = LabelSelector::parse(bad).unwrap_err();
            assert_eq!((err.code, err.reason), (400, "BadRequest"), "{bad}");
        }
    }

    #[test]
    fn field_selectors_know_their_labels() {
        let pods = by_kind("Pod");
        let o = obj(json!({}));
        assert!(FieldSelector::parse("spec.nodeName=n1", pods)
            .unwrap()
            .matches(&o));
        assert!(
            FieldSelector::parse("metadata.name!=b,metadata.namespace==ns", pods)
                .unwrap()
                .matches(&o)
        );
        assert!(!FieldSelector::parse("spec.nodeName=n2", pods)
            .unwrap()
            .matches(&o));
        let err = FieldSelector::parse("spec.nodeName=n1", by_kind("Service")).unwrap_err();
        assert_eq!(err.message, "field label not supported: spec.nodeName");
    }
}

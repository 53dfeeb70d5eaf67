//! Declarative shapes of structured parameters and the checks shared by several actions.
//!
//! A [`Field`] list describes an object parameter (its sub-fields and their types); [`convert`]
//! turns the flattened parameters into the JSON the API returns (numbers as numbers, booleans as
//! booleans, lists as arrays), rejecting malformed values and ignoring unknown sub-fields.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};
use super::limits;
use super::params::Scope;

/// The type of one field of a structured parameter.
#[derive(Debug)]
pub enum Kind {
    /// Free-form string.
    Str,
    /// `true` / `false`.
    Bool,
    /// Integer within an inclusive range.
    Int(i64, i64),
    /// Integer, range checked by the caller (which then chooses the error code).
    AnyInt,
    /// One of the listed strings.
    Enum(&'static [&'static str]),
    /// `Name.N` list of strings.
    StrList,
    /// Nested object.
    Obj(&'static [Field]),
    /// `Name.N.Field` list of objects.
    ObjList(&'static [Field]),
}

/// One named field of a structured parameter.
#[derive(Debug)]
pub struct Field {
    /// PascalCase parameter name.
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
}

/// Shorthand constructor for field tables.
pub const fn f(name: &'static str, kind: Kind) -> Field {
    Field { name, kind }
}

/// Converts the fields of `scope` described by `fields` into a JSON object.
/// Absent fields are left out; unknown ones are ignored.
pub fn convert(scope: &Scope<'_>, fields: &[Field]) -> ApiResult<Map<String, Value>> {
    let mut out = Map::new();
    for field in fields {
        if !scope.has(field.name) {
            continue;
        }
        let value = match &field.kind {
            Kind::Str => scope.str(field.name)?.map(|s| Value::from(s.to_string())),
            Kind::Bool => scope.bool(field.name)?.map(Value::from),
            Kind::Int(min, max) => scope.int_in(field.name, *min, *max)?.map(Value::from),
            Kind::AnyInt => scope.int(field.name)?.map(Value::from),
            Kind::Enum(allowed) => scope
                .enumeration(field.name, allowed)?
                .map(|s| Value::from(s.to_string())),
            Kind::StrList => Some(Value::from(
                scope
                    .str_list(field.name)?
                    .into_iter()
                    .map(|s| Value::from(s.to_string()))
                    .collect::<Vec<_>>(),
            )),
            Kind::Obj(inner) => match scope.object(field.name)? {
                Some(sub) => Some(Value::Object(convert(&sub, inner)?)),
                None => None,
            },
            Kind::ObjList(inner) => {
                let mut items = Vec::new();
                for item in scope.obj_list(field.name)? {
                    items.push(Value::Object(convert(&item, inner)?));
                }
                Some(Value::Array(items))
            }
        };
        if let Some(value) = value {
            out.insert(field.name.to_string(), value);
        }
    }
    Ok(out)
}

/// Deep-merges `patch` into `base`: objects merge field by field, anything else is replaced.
pub fn merge(base: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, value) in patch {
        match (base.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => merge(existing, incoming),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Checks a resource name: `min..=max` characters, starting with a letter, then letters,
/// digits, `.`, `_` or `-`. (The real service also accepts Chinese characters; the mock is
/// stricter and accepts ASCII only.)
pub fn name(param: &str, value: &str, min: usize, max: usize) -> ApiResult<()> {
    let len = value.chars().count();
    let mut chars = value.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if len < min || len > max || !starts_with_letter || !rest_ok {
        return Err(ApiError::invalid(
            param,
            format!("must be {min}-{max} characters, start with a letter and contain only letters, digits, '.', '_' or '-'"),
        ));
    }
    Ok(())
}

/// Checks a description: `2..=256` characters, not starting with `http://` or `https://`.
pub fn description(param: &str, value: &str) -> ApiResult<()> {
    let len = value.chars().count();
    if !(2..=256).contains(&len) || value.starts_with("http://") || value.starts_with("https://") {
        return Err(ApiError::invalid(
            param,
            "must be 2-256 characters and must not start with http:// or https://",
        ));
    }
    Ok(())
}

/// Checks an ACL entry: an IPv4 address or an IPv4 CIDR block (`a.b.c.d/0..32`). [INF] the
/// ACLs are IPv4 only; host bits outside the prefix are accepted.
pub fn ipv4_cidr(param: &str, value: &str) -> ApiResult<()> {
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (value, None),
    };
    let address_ok = address.parse::<std::net::Ipv4Addr>().is_ok();
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u8>().is_ok_and(|n| n <= 32)
    });
    if !address_ok || !prefix_ok {
        return Err(ApiError::invalid(
            param,
            format!("'{value}' is not an IPv4 address or CIDR block"),
        ));
    }
    Ok(())
}

/// Checks the length of a repeated parameter against a per-call limit.
pub fn at_most<T>(param: &str, items: &[T], limit: usize) -> ApiResult<()> {
    if items.len() > limit {
        return Err(ApiError::invalid(
            param,
            format!(
                "at most {limit} items are allowed per call, got {}",
                items.len()
            ),
        ));
    }
    Ok(())
}

/// Parses `Tag.N.Key` / `Tag.N.Value` (keys required, ≤128 chars, not `acs:`/`aliyun`,
/// no `http(s)://`) into an ordered map.
pub fn tags(scope: &Scope<'_>) -> ApiResult<BTreeMap<String, String>> {
    let items = scope.obj_list("Tag")?;
    at_most(&scope.path("Tag"), &items, limits::TAGS_PER_CALL)?;
    let mut out = BTreeMap::new();
    for item in items {
        let key = item.req_str("Key")?;
        let value = item.str("Value")?.unwrap_or_default();
        let bad = |s: &str| s.contains("http://") || s.contains("https://");
        if key.chars().count() > 128
            || key.starts_with("acs:")
            || key.starts_with("aliyun")
            || bad(key)
        {
            return Err(ApiError::invalid(
                &item.path("Key"),
                "reserved or malformed tag key",
            ));
        }
        if value.chars().count() > 128 || bad(value) {
            return Err(ApiError::invalid(
                &item.path("Value"),
                "malformed tag value",
            ));
        }
        out.insert(key.to_string(), value.to_string());
    }
    Ok(out)
}

/// Tag filters `Tag.N.Key` (+ optional `Tag.N.Value`) of a List* call.
pub fn tag_filters(scope: &Scope<'_>) -> ApiResult<Vec<(String, Option<String>)>> {
    let items = scope.obj_list("Tag")?;
    at_most(&scope.path("Tag"), &items, limits::TAGS_PER_CALL)?;
    items
        .iter()
        .map(|item| {
            Ok((
                item.req_str("Key")?.to_string(),
                item.str("Value")?.map(str::to_string),
            ))
        })
        .collect()
}

/// True when `tags` satisfy every filter (key present; value equal when given).
pub fn tags_match(tags: &BTreeMap<String, String>, filters: &[(String, Option<String>)]) -> bool {
    filters
        .iter()
        .all(|(key, value)| match (tags.get(key), value) {
            (Some(_), None) => true,
            (Some(actual), Some(wanted)) => actual == wanted,
            (None, _) => false,
        })
}

/// Renders tags as the API's `Tags: [{Key, Value}]`.
pub fn render_tags(tags: &BTreeMap<String, String>) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| serde_json::json!({"Key": k, "Value": v}))
            .collect(),
    )
}

/// A list filter of ids or names with its per-call cap; empty means "no filter".
pub fn filter_list<'a>(scope: &Scope<'a>, name: &str, cap: usize) -> ApiResult<Vec<&'a str>> {
    let values = scope.str_list(name)?;
    at_most(&scope.path(name), &values, cap)?;
    Ok(values)
}

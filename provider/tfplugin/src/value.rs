//! Tri-state Terraform values (null, unknown, known) and their codecs.

pub mod json;
pub mod msgpack;

use std::collections::BTreeMap;
use std::fmt;

use crate::diag::{AttributePath, PathStep};
use crate::types::Type;

/// A tri-state Terraform value. Collections and objects nest Values, so
/// null/unknown can appear at any level.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// The null value of any type (the default).
    #[default]
    Null,
    /// A value not known until apply. Refinements sent by Terraform are
    /// accepted on decode and dropped.
    Unknown,
    /// A known bool.
    Bool(bool),
    /// A known number.
    Number(Number),
    /// A known string.
    String(String),
    /// A list, set or tuple.
    List(Vec<Value>),
    /// A map, object or block.
    Map(BTreeMap<String, Value>),
}

/// A Terraform number: exact integers, floats, or a decimal string for
/// values beyond `i64`/`f64` precision.
///
/// Equality is numeric: `Int(5) == Float(5.0)`.
#[derive(Clone, Debug)]
pub enum Number {
    /// An integer that fits `i64`.
    Int(i64),
    /// A binary floating point number.
    Float(f64),
    /// A decimal string (e.g. a `u64` beyond `i64::MAX` or a long fraction).
    Big(String),
}

impl Number {
    /// The value as `i64` if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            Number::Float(f) => float_as_i64(*f),
            Number::Big(s) => s.parse().ok(),
        }
    }

    /// The value as `f64` (possibly rounded).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Number::Int(i) => Some(*i as f64),
            Number::Float(f) => Some(*f),
            Number::Big(s) => s.parse().ok(),
        }
    }

    /// Parse a decimal number as Terraform writes it; integers that fit
    /// become `Int`, other valid decimals `Big`.
    pub fn parse(s: &str) -> Option<Number> {
        let s = s.trim();
        if let Ok(i) = s.parse::<i64>() {
            return Some(Number::Int(i));
        }
        match s.parse::<f64>() {
            Ok(f) if f.is_finite() => Some(Number::Big(s.to_string())),
            _ => None,
        }
    }
}

/// `f` as `i64` when it is integral and exactly representable.
pub(crate) fn float_as_i64(f: f64) -> Option<i64> {
    // 2^63 is exactly representable; anything at or above overflows i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a == b,
            (Number::Float(a), Number::Float(b)) => a == b,
            (Number::Int(i), Number::Float(f)) | (Number::Float(f), Number::Int(i)) => {
                float_as_i64(*f) == Some(*i)
            }
            (Number::Big(a), Number::Big(b)) => a == b,
            (Number::Big(s), Number::Int(i)) | (Number::Int(i), Number::Big(s)) => {
                s.parse::<i64>().ok() == Some(*i)
            }
            (Number::Big(s), Number::Float(f)) | (Number::Float(f), Number::Big(s)) => {
                s.parse::<f64>().ok() == Some(*f)
            }
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
            Number::Big(s) => f.write_str(s),
        }
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number::Int(i)
    }
}

impl From<f64> for Number {
    fn from(f: f64) -> Self {
        Number::Float(f)
    }
}

impl From<u64> for Number {
    fn from(u: u64) -> Self {
        match i64::try_from(u) {
            Ok(i) => Number::Int(i),
            Err(_) => Number::Big(u.to_string()),
        }
    }
}

/// Errors converting values to or from their wire and JSON forms.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueError {
    /// The data does not conform to the expected type.
    #[error("{}: {message}", show_path(path))]
    Mismatch {
        /// Where in the value the problem is.
        path: AttributePath,
        /// What was wrong.
        message: String,
    },
    /// The bytes are not well-formed msgpack.
    #[error("malformed msgpack: {0}")]
    Msgpack(String),
    /// The bytes are not well-formed JSON.
    #[error("malformed JSON: {0}")]
    Json(String),
}

fn show_path(p: &AttributePath) -> String {
    if p.is_root() {
        "<root>".to_string()
    } else {
        p.to_string()
    }
}

impl ValueError {
    pub(crate) fn mismatch(path: &AttributePath, message: impl Into<String>) -> Self {
        ValueError::Mismatch {
            path: path.clone(),
            message: message.into(),
        }
    }
}

static NULL: Value = Value::Null;

impl Value {
    /// True for `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// True for `Unknown` (at the top level only).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// True unless `Unknown` at the top level (a null value is known).
    pub fn is_known(&self) -> bool {
        !self.is_unknown()
    }

    /// True if no `Unknown` appears anywhere inside.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// Object attribute (or map element) by name; `&Value::Null` when absent
    /// or when `self` is not a map.
    pub fn get(&self, attr: &str) -> &Value {
        match self {
            Value::Map(m) => m.get(attr).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bool, if this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number as `i64`, if this is a known integral number in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The number as `f64`, if this is a known number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The number, if this is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The elements, if this is a known list, set or tuple.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, if this is a known map, object or block.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Walk a path; `&Value::Null` when any step is absent.
    /// `Attr` and `Key` steps both index maps, `Index` steps lists.
    pub fn at(&self, path: &AttributePath) -> &Value {
        let mut cur = self;
        for step in &path.0 {
            cur = match (step, cur) {
                (PathStep::Attr(k) | PathStep::Key(k), Value::Map(m)) => m.get(k).unwrap_or(&NULL),
                (PathStep::Index(i), Value::List(items)) => usize::try_from(*i)
                    .ok()
                    .and_then(|i| items.get(i))
                    .unwrap_or(&NULL),
                _ => &NULL,
            };
        }
        cur
    }

    /// Mutable access to the value at `path`, if every step exists.
    pub fn at_mut(&mut self, path: &AttributePath) -> Option<&mut Value> {
        let mut cur = self;
        for step in &path.0 {
            cur = match (step, cur) {
                (PathStep::Attr(k) | PathStep::Key(k), Value::Map(m)) => m.get_mut(k)?,
                (PathStep::Index(i), Value::List(items)) => {
                    items.get_mut(usize::try_from(*i).ok()?)?
                }
                _ => return None,
            };
        }
        Some(cur)
    }

    /// A known string value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// An object value from `(name, value)` pairs.
    pub fn object<I: IntoIterator<Item = (K, Value)>, K: Into<String>>(i: I) -> Value {
        Value::Map(i.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Known values to JSON (`null` for Null); `None` if anything inside is
    /// unknown. Numbers become JSON numbers (non-finite floats become null).
    pub fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Unknown => return None,
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Number(n) => number_to_json(n),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect::<Option<_>>()?)
            }
            Value::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
        })
    }

    /// JSON to Value guided by a type (used for raw state and for turning
    /// typed data back into values). Object attributes missing from the JSON
    /// become null; extra ones are dropped. A `dynamic` value is expected in
    /// Terraform's state form `{"value": ..., "type": ...}`.
    pub fn from_json(json: &serde_json::Value, ty: &Type) -> Result<Value, ValueError> {
        json::from_json_at(json, ty, &AttributePath::root())
    }

    /// Walk every `(path, value)` pair depth first, the root (empty path)
    /// first. Map entries are reported with `Attr` steps, list elements
    /// with `Index` steps.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&AttributePath, &'a Value)) {
        fn go<'a>(
            v: &'a Value,
            path: &mut AttributePath,
            f: &mut dyn FnMut(&AttributePath, &'a Value),
        ) {
            f(path, v);
            match v {
                Value::List(items) => {
                    for (i, item) in items.iter().enumerate() {
                        path.0.push(PathStep::Index(i as i64));
                        go(item, path, f);
                        path.0.pop();
                    }
                }
                Value::Map(m) => {
                    for (k, item) in m {
                        path.0.push(PathStep::Attr(k.clone()));
                        go(item, path, f);
                        path.0.pop();
                    }
                }
                _ => {}
            }
        }
        go(self, &mut AttributePath::root(), f);
    }
}

fn number_to_json(n: &Number) -> serde_json::Value {
    match n {
        Number::Int(i) => serde_json::Value::from(*i),
        Number::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Number::Big(s) => match s.parse::<u64>() {
            Ok(u) => serde_json::Value::from(u),
            Err(_) => s
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
        },
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Number(Number::Int(i))
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Number(Number::Float(f))
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::List(items)
    }
}

impl From<BTreeMap<String, Value>> for Value {
    fn from(m: BTreeMap<String, Value>) -> Self {
        Value::Map(m)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        Value::object([
            ("name", Value::string("a")),
            (
                "listener",
                Value::List(vec![
                    Value::object([("port", Value::from(80))]),
                    Value::object([("port", Value::Unknown)]),
                ]),
            ),
        ])
    }

    #[test]
    fn accessors() {
        let v = sample();
        assert_eq!(v.get("name").as_str(), Some("a"));
        assert!(v.get("missing").is_null());
        assert!(Value::from(true).get("x").is_null());
        let p = AttributePath::root().attr("listener").index(0).attr("port");
        assert_eq!(v.at(&p).as_i64(), Some(80));
        let p1 = AttributePath::root().attr("listener").index(1).attr("port");
        assert!(v.at(&p1).is_unknown());
        assert!(v
            .at(&AttributePath::root().attr("listener").index(7))
            .is_null());
        assert!(!v.is_wholly_known());
        assert!(v.is_known());
        assert_eq!(v.to_json(), None);
        assert_eq!(Value::from(Some("x")), Value::string("x"));
        assert_eq!(Value::from(None::<bool>), Value::Null);
    }

    #[test]
    fn numbers_compare_numerically() {
        assert_eq!(Number::Int(5), Number::Float(5.0));
        assert_ne!(Number::Int(5), Number::Float(5.5));
        assert_eq!(
            Number::from(u64::MAX),
            Number::Big("18446744073709551615".into())
        );
        assert_eq!(Number::parse("12"), Some(Number::Int(12)));
        assert_eq!(Number::parse("1.5"), Some(Number::Big("1.5".into())));
        assert_eq!(Number::parse("x"), None);
        assert_eq!(Number::Float(1e19).as_i64(), None);
    }

    #[test]
    fn json_both_ways() {
        let ty = Type::object([
            ("name", Type::String),
            ("n", Type::Number),
            ("tags", Type::map(Type::String)),
        ]);
        let v = Value::from_json(&json!({"name": "x", "n": 1.5, "extra": 1}), &ty).unwrap();
        assert_eq!(
            v,
            Value::object([
                ("name", Value::string("x")),
                ("n", Value::from(1.5)),
                ("tags", Value::Null),
            ])
        );
        assert_eq!(
            v.to_json(),
            Some(json!({"name": "x", "n": 1.5, "tags": null}))
        );
        assert!(Value::from_json(&json!({"name": [3]}), &ty).is_err());
    }

    #[test]
    fn walk_visits_depth_first() {
        let mut seen = Vec::new();
        sample().walk(&mut |p, _| seen.push(p.to_string()));
        assert_eq!(
            seen,
            vec![
                "",
                "listener",
                "listener[0]",
                "listener[0].port",
                "listener[1]",
                "listener[1].port",
                "name"
            ]
        );
    }
}

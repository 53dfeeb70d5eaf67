//! Terraform type constraints (the cty type system as seen on the wire).

use std::collections::BTreeMap;

use serde_json::json;

/// A Terraform type constraint (cty type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// `bool`
    Bool,
    /// `number` (arbitrary precision in Terraform)
    Number,
    /// `string`
    String,
    /// `dynamic`: the concrete type travels with the value.
    Dynamic,
    /// `list(T)`
    List(Box<Type>),
    /// `set(T)`
    Set(Box<Type>),
    /// `map(T)`
    Map(Box<Type>),
    /// `object({name = T, ...})`
    Object(BTreeMap<String, Type>),
    /// `tuple([T, ...])`
    Tuple(Vec<Type>),
}

/// Error for a malformed JSON type constraint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid type constraint: {0}")]
pub struct TypeError(pub String);

impl Type {
    /// `list(t)`
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    /// `set(t)`
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }

    /// `map(t)`
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    /// `object({...})` from `(name, type)` pairs.
    pub fn object<I, K>(attrs: I) -> Type
    where
        I: IntoIterator<Item = (K, Type)>,
        K: Into<String>,
    {
        Type::Object(attrs.into_iter().map(|(k, t)| (k.into(), t)).collect())
    }

    /// JSON type-constraint bytes as Terraform expects in `Attribute.type`,
    /// e.g. `"string"` or `["list","number"]`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Type::Bool => json!("bool"),
            Type::Number => json!("number"),
            Type::String => json!("string"),
            Type::Dynamic => json!("dynamic"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Object(attrs) => {
                let obj: serde_json::Map<String, serde_json::Value> = attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect();
                json!(["object", obj])
            }
            Type::Tuple(elems) => {
                let elems: Vec<serde_json::Value> = elems.iter().map(Type::to_json).collect();
                json!(["tuple", elems])
            }
        }
    }

    /// Parse a JSON type constraint (the inverse of [`Type::to_json`]).
    /// Object optional-attribute markers (a third array element) are ignored.
    pub fn from_json(json: &serde_json::Value) -> Result<Type, TypeError> {
        match json {
            serde_json::Value::String(s) => match s.as_str() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(TypeError(format!("unknown primitive type {other:?}"))),
            },
            serde_json::Value::Array(parts) if parts.len() >= 2 => {
                let kind = parts[0]
                    .as_str()
                    .ok_or_else(|| TypeError("type kind must be a string".into()))?;
                let arg = &parts[1];
                match kind {
                    "list" => Ok(Type::list(Type::from_json(arg)?)),
                    "set" => Ok(Type::set(Type::from_json(arg)?)),
                    "map" => Ok(Type::map(Type::from_json(arg)?)),
                    "object" => {
                        let obj = arg
                            .as_object()
                            .ok_or_else(|| TypeError("object attributes must be a map".into()))?;
                        obj.iter()
                            .map(|(k, v)| Ok((k.clone(), Type::from_json(v)?)))
                            .collect::<Result<BTreeMap<_, _>, _>>()
                            .map(Type::Object)
                    }
                    "tuple" => {
                        let elems = arg
                            .as_array()
                            .ok_or_else(|| TypeError("tuple elements must be an array".into()))?;
                        elems
                            .iter()
                            .map(Type::from_json)
                            .collect::<Result<Vec<_>, _>>()
                            .map(Type::Tuple)
                    }
                    other => Err(TypeError(format!("unknown type kind {other:?}"))),
                }
            }
            other => Err(TypeError(format!("unexpected JSON {other}"))),
        }
    }

    /// True if `dynamic` appears anywhere in this type.
    pub fn has_dynamic(&self) -> bool {
        match self {
            Type::Dynamic => true,
            Type::Bool | Type::Number | Type::String => false,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_dynamic(),
            Type::Object(attrs) => attrs.values().any(Type::has_dynamic),
            Type::Tuple(elems) => elems.iter().any(Type::has_dynamic),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let t = Type::object([
            ("a", Type::list(Type::String)),
            ("b", Type::map(Type::set(Type::Number))),
            ("c", Type::Tuple(vec![Type::Bool, Type::Dynamic])),
        ]);
        let j = t.to_json();
        assert_eq!(
            j.to_string(),
            r#"["object",{"a":["list","string"],"b":["map",["set","number"]],"c":["tuple",["bool","dynamic"]]}]"#
        );
        assert_eq!(Type::from_json(&j), Ok(t));
        assert!(Type::from_json(&json!("float")).is_err());
        assert!(Type::from_json(&json!(["list"])).is_err());
    }
}

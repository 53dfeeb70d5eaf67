//! JSON ⇄ [`Value`] for raw state (`UpgradeResourceState`) and typed data.

use std::collections::BTreeMap;

use crate::diag::{AttributePath, PathStep};
use crate::schema::{Block, Nesting};
use crate::types::Type;
use crate::value::{Number, Value, ValueError};

/// Decode raw state JSON by type: missing object attributes become null,
/// attributes not in the type are dropped.
pub fn decode_state(raw: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let json = parse(raw)?;
    from_json_at(&json, ty, &AttributePath::root())
}

/// Decode raw state JSON by schema block. Like [`decode_state`], and in
/// addition a missing or null LIST/SET nested block becomes an empty list,
/// a MAP block an empty map and a GROUP block an object of nulls, as
/// Terraform expects in a state.
pub fn decode_block_state(raw: &[u8], block: &Block) -> Result<Value, ValueError> {
    let json = parse(raw)?;
    if json.is_null() {
        return Ok(Value::Null);
    }
    block_from_json(&json, block, &AttributePath::root())
}

fn parse(raw: &[u8]) -> Result<serde_json::Value, ValueError> {
    serde_json::from_slice(raw).map_err(|e| ValueError::Json(e.to_string()))
}

fn block_from_json(
    json: &serde_json::Value,
    block: &Block,
    path: &AttributePath,
) -> Result<Value, ValueError> {
    let obj = match json {
        serde_json::Value::Object(o) => o,
        serde_json::Value::Null => &serde_json::Map::new(),
        _ => return Err(ValueError::mismatch(path, "expected a JSON object")),
    };
    let mut out = BTreeMap::new();
    for attr in &block.attributes {
        let p = path.child(PathStep::Attr(attr.name.clone()));
        let v = match obj.get(&attr.name) {
            Some(j) => from_json_at(j, &attr.ty, &p)?,
            None => Value::Null,
        };
        out.insert(attr.name.clone(), v);
    }
    for nb in &block.block_types {
        let p = path.child(PathStep::Attr(nb.type_name.clone()));
        let j = obj.get(&nb.type_name).unwrap_or(&serde_json::Value::Null);
        let v = match nb.nesting {
            Nesting::Single if j.is_null() => Value::Null,
            Nesting::Single | Nesting::Group => block_from_json(j, &nb.block, &p)?,
            Nesting::List | Nesting::Set => match j {
                serde_json::Value::Null => Value::List(Vec::new()),
                serde_json::Value::Array(items) => Value::List(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| {
                            block_from_json(item, &nb.block, &p.child(PathStep::Index(i as i64)))
                        })
                        .collect::<Result<_, _>>()?,
                ),
                _ => return Err(ValueError::mismatch(&p, "expected a JSON array of blocks")),
            },
            Nesting::Map => match j {
                serde_json::Value::Null => Value::Map(BTreeMap::new()),
                serde_json::Value::Object(items) => Value::Map(
                    items
                        .iter()
                        .map(|(k, item)| {
                            let v = block_from_json(
                                item,
                                &nb.block,
                                &p.child(PathStep::Key(k.clone())),
                            )?;
                            Ok((k.clone(), v))
                        })
                        .collect::<Result<_, ValueError>>()?,
                ),
                _ => return Err(ValueError::mismatch(&p, "expected a JSON object of blocks")),
            },
        };
        out.insert(nb.type_name.clone(), v);
    }
    Ok(Value::Map(out))
}

/// Type-directed conversion used by [`Value::from_json`].
pub(crate) fn from_json_at(
    json: &serde_json::Value,
    ty: &Type,
    path: &AttributePath,
) -> Result<Value, ValueError> {
    use serde_json::Value as J;
    if json.is_null() {
        return Ok(Value::Null);
    }
    let mismatch = |what: &str| ValueError::mismatch(path, format!("expected {what}, got {json}"));
    Ok(match ty {
        Type::Bool => match json {
            J::Bool(b) => Value::Bool(*b),
            J::String(s) if s == "true" || s == "false" => Value::Bool(s == "true"),
            _ => return Err(mismatch("bool")),
        },
        Type::Number => match json {
            J::Number(n) => Value::Number(json_number(n)),
            J::String(s) => Value::Number(Number::parse(s).ok_or_else(|| mismatch("number"))?),
            _ => return Err(mismatch("number")),
        },
        Type::String => match json {
            J::String(s) => Value::String(s.clone()),
            J::Number(n) => Value::String(n.to_string()),
            J::Bool(b) => Value::String(b.to_string()),
            _ => return Err(mismatch("string")),
        },
        Type::List(elem) | Type::Set(elem) => match json {
            J::Array(items) => Value::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        from_json_at(item, elem, &path.child(PathStep::Index(i as i64)))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(mismatch("array")),
        },
        Type::Tuple(elems) => match json {
            J::Array(items) if items.len() == elems.len() => Value::List(
                items
                    .iter()
                    .zip(elems)
                    .enumerate()
                    .map(|(i, (item, t))| {
                        from_json_at(item, t, &path.child(PathStep::Index(i as i64)))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(mismatch(&format!("array of {} elements", elems.len()))),
        },
        Type::Map(elem) => match json {
            J::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, item)| {
                        Ok((
                            k.clone(),
                            from_json_at(item, elem, &path.child(PathStep::Key(k.clone())))?,
                        ))
                    })
                    .collect::<Result<_, ValueError>>()?,
            ),
            _ => return Err(mismatch("object")),
        },
        Type::Object(attrs) => match json {
            J::Object(o) => Value::Map(
                attrs
                    .iter()
                    .map(|(k, t)| {
                        let v = match o.get(k) {
                            Some(item) => {
                                from_json_at(item, t, &path.child(PathStep::Attr(k.clone())))?
                            }
                            None => Value::Null,
                        };
                        Ok((k.clone(), v))
                    })
                    .collect::<Result<_, ValueError>>()?,
            ),
            _ => return Err(mismatch("object")),
        },
        Type::Dynamic => {
            let o = json
                .as_object()
                .ok_or_else(|| mismatch(r#"{"value":…,"type":…}"#))?;
            let (Some(v), Some(t)) = (o.get("value"), o.get("type")) else {
                return Err(mismatch(r#"{"value":…,"type":…}"#));
            };
            let t = Type::from_json(t).map_err(|e| ValueError::mismatch(path, e.to_string()))?;
            from_json_at(v, &t, path)?
        }
    })
}

fn json_number(n: &serde_json::Number) -> Number {
    if let Some(i) = n.as_i64() {
        Number::Int(i)
    } else if let Some(u) = n.as_u64() {
        Number::from(u)
    } else {
        n.as_f64()
            .map_or_else(|| Number::Big(n.to_string()), Number::Float)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, NestedBlock};

    fn block() -> Block {
        Block::new()
            .attr(Attribute::required("name", Type::String))
            .attr(Attribute::computed("id", Type::String))
            .attr(Attribute::optional("count", Type::Number))
            .block(NestedBlock::list(
                "rule",
                Block::new().attr(Attribute::required("path", Type::String)),
            ))
            .block(NestedBlock::set(
                "tag",
                Block::new().attr(Attribute::optional("k", Type::String)),
            ))
            .block(NestedBlock::single(
                "opts",
                Block::new().attr(Attribute::optional("x", Type::Bool)),
            ))
    }

    #[test]
    fn missing_attributes_and_blocks() {
        let v = decode_block_state(br#"{"name":"a","gone":true}"#, &block()).unwrap();
        assert_eq!(
            v,
            Value::object([
                ("name", Value::string("a")),
                ("id", Value::Null),
                ("count", Value::Null),
                ("rule", Value::List(vec![])),
                ("tag", Value::List(vec![])),
                ("opts", Value::Null),
            ])
        );
    }

    #[test]
    fn nested_blocks_decoded() {
        let raw = br#"{"name":"a","id":"i-1","count":3,"rule":[{"path":"/x","old":1}],"tag":null,"opts":{"x":true}}"#;
        let v = decode_block_state(raw, &block()).unwrap();
        assert_eq!(v.get("count").as_i64(), Some(3));
        assert_eq!(
            v.get("rule"),
            &Value::List(vec![Value::object([("path", Value::string("/x"))])])
        );
        assert_eq!(v.get("tag"), &Value::List(vec![]));
        assert_eq!(v.get("opts").get("x"), &Value::Bool(true));
    }

    #[test]
    fn type_driven_state() {
        let ty = block().implied_type();
        let v = decode_state(br#"{"name":"a"}"#, &ty).unwrap();
        // Type-only decoding cannot tell blocks from attributes: everything missing is null.
        assert!(v.get("rule").is_null());
        assert_eq!(v.get("name").as_str(), Some("a"));
    }

    #[test]
    fn errors_carry_paths() {
        let err = decode_block_state(br#"{"rule":[{"path":[1]}]}"#, &block()).unwrap_err();
        assert!(err.to_string().starts_with("rule[0].path:"), "{err}");
        assert!(matches!(
            decode_state(b"{", &Type::String),
            Err(ValueError::Json(_))
        ));
    }

    #[test]
    fn dynamic_state_form() {
        let v = decode_state(
            br#"{"value":["a","b"],"type":["list","string"]}"#,
            &Type::Dynamic,
        )
        .unwrap();
        assert_eq!(v, Value::List(vec![Value::string("a"), Value::string("b")]));
        assert!(decode_state(br#"["a"]"#, &Type::Dynamic).is_err());
    }

    #[test]
    fn big_numbers() {
        let v = decode_state(b"18446744073709551615", &Type::Number).unwrap();
        assert_eq!(v, Value::Number(Number::Big("18446744073709551615".into())));
        let v = decode_state(br#""12.25""#, &Type::Number).unwrap();
        assert_eq!(v.as_f64(), Some(12.25));
    }
}

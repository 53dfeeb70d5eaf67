//! msgpack ⇄ [`Value`], driven by a [`Type`], in the shapes go-cty uses on
//! the Terraform side.
//!
//! * objects always carry every attribute of their type (missing → nil);
//! * null is nil; unknown is written as fixext1 type 0 (`d4 00 00`), and any
//!   ext (including refined unknowns, ext 12) decodes as unknown;
//! * numbers are written as an integer when exact, else float64, else a
//!   decimal string;
//! * `dynamic` values travel as `[type-json as bin, value]`.

use std::collections::BTreeMap;

use rmpv::Value as Mp;

use crate::diag::{AttributePath, PathStep};
use crate::types::Type;
use crate::value::{float_as_i64, Number, Value, ValueError};

/// Encode `value` as msgpack per `ty`.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mp = to_mp(value, ty, &AttributePath::root())?;
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &mp).map_err(|e| ValueError::Msgpack(e.to_string()))?;
    Ok(out)
}

/// Decode msgpack bytes per `ty`. Empty input is read as null, as Terraform does.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let mut rd = bytes;
    let mp = rmpv::decode::read_value(&mut rd).map_err(|e| ValueError::Msgpack(e.to_string()))?;
    if !rd.is_empty() {
        return Err(ValueError::Msgpack(format!("{} trailing bytes", rd.len())));
    }
    from_mp(&mp, ty, &AttributePath::root())
}

/// The canonical unknown: fixext1, type 0, one zero byte.
fn unknown_mp() -> Mp {
    Mp::Ext(0, vec![0])
}

fn to_mp(v: &Value, ty: &Type, path: &AttributePath) -> Result<Mp, ValueError> {
    match v {
        Value::Null => return Ok(Mp::Nil),
        Value::Unknown => return Ok(unknown_mp()),
        _ => {}
    }
    let mismatch = |what: &str| ValueError::mismatch(path, format!("expected {what}, got {v:?}"));
    Ok(match ty {
        Type::Bool => Mp::Boolean(v.as_bool().ok_or_else(|| mismatch("bool"))?),
        Type::String => Mp::from(v.as_str().ok_or_else(|| mismatch("string"))?),
        Type::Number => number_mp(v.as_number().ok_or_else(|| mismatch("number"))?),
        Type::List(elem) | Type::Set(elem) => {
            let items = v.as_list().ok_or_else(|| mismatch("list"))?;
            Mp::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| to_mp(item, elem, &path.child(PathStep::Index(i as i64))))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Tuple(elems) => {
            let items = v.as_list().ok_or_else(|| mismatch("tuple"))?;
            if items.len() != elems.len() {
                return Err(mismatch(&format!("tuple of {} elements", elems.len())));
            }
            Mp::Array(
                items
                    .iter()
                    .zip(elems)
                    .enumerate()
                    .map(|(i, (item, t))| to_mp(item, t, &path.child(PathStep::Index(i as i64))))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Map(elem) => {
            let m = v.as_map().ok_or_else(|| mismatch("map"))?;
            Mp::Map(
                m.iter()
                    .map(|(k, item)| {
                        Ok((
                            Mp::from(k.as_str()),
                            to_mp(item, elem, &path.child(PathStep::Key(k.clone())))?,
                        ))
                    })
                    .collect::<Result<_, ValueError>>()?,
            )
        }
        Type::Object(attrs) => {
            let m = v.as_map().ok_or_else(|| mismatch("object"))?;
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(ValueError::mismatch(
                    path,
                    format!("unexpected attribute {extra:?}"),
                ));
            }
            Mp::Map(
                attrs
                    .iter()
                    .map(|(k, t)| {
                        let item = v.get(k);
                        Ok((
                            Mp::from(k.as_str()),
                            to_mp(item, t, &path.child(PathStep::Attr(k.clone())))?,
                        ))
                    })
                    .collect::<Result<_, ValueError>>()?,
            )
        }
        Type::Dynamic => {
            let concrete = infer_type(v);
            let type_json = concrete.to_json().to_string().into_bytes();
            Mp::Array(vec![Mp::Binary(type_json), to_mp(v, &concrete, path)?])
        }
    })
}

/// The type a known value is sent with when the schema says `dynamic`:
/// lists become tuples and maps objects, so every element keeps its own type.
fn infer_type(v: &Value) -> Type {
    match v {
        Value::Null | Value::Unknown => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => Type::Tuple(items.iter().map(infer_type).collect()),
        Value::Map(m) => Type::Object(m.iter().map(|(k, v)| (k.clone(), infer_type(v))).collect()),
    }
}

fn number_mp(n: &Number) -> Mp {
    match n {
        Number::Int(i) => Mp::from(*i),
        Number::Float(f) => match float_as_i64(*f) {
            Some(i) => Mp::from(i),
            None => Mp::F64(*f),
        },
        Number::Big(s) => match s.parse::<i64>() {
            Ok(i) => Mp::from(i),
            Err(_) => Mp::from(s.as_str()),
        },
    }
}

fn from_mp(mp: &Mp, ty: &Type, path: &AttributePath) -> Result<Value, ValueError> {
    match mp {
        Mp::Nil => return Ok(Value::Null),
        // Any extension is an unknown; refinements (ext 12) are dropped.
        Mp::Ext(_, _) => return Ok(Value::Unknown),
        _ => {}
    }
    let mismatch = |what: &str| ValueError::mismatch(path, format!("expected {what}, got {mp}"));
    Ok(match ty {
        Type::Bool => Value::Bool(mp.as_bool().ok_or_else(|| mismatch("bool"))?),
        Type::String => match mp {
            Mp::String(s) => Value::String(
                s.as_str()
                    .ok_or_else(|| ValueError::mismatch(path, "string is not valid UTF-8"))?
                    .to_string(),
            ),
            _ => return Err(mismatch("string")),
        },
        Type::Number => Value::Number(match mp {
            Mp::Integer(i) => match (i.as_i64(), i.as_u64()) {
                (Some(i), _) => Number::Int(i),
                (None, Some(u)) => Number::from(u),
                (None, None) => return Err(mismatch("number")),
            },
            Mp::F32(f) => Number::Float(f64::from(*f)),
            Mp::F64(f) => Number::Float(*f),
            Mp::String(s) => s
                .as_str()
                .and_then(Number::parse)
                .ok_or_else(|| mismatch("number"))?,
            _ => return Err(mismatch("number")),
        }),
        Type::List(elem) | Type::Set(elem) => match mp {
            Mp::Array(items) => Value::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| from_mp(item, elem, &path.child(PathStep::Index(i as i64))))
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(mismatch("array")),
        },
        Type::Tuple(elems) => match mp {
            Mp::Array(items) if items.len() == elems.len() => Value::List(
                items
                    .iter()
                    .zip(elems)
                    .enumerate()
                    .map(|(i, (item, t))| from_mp(item, t, &path.child(PathStep::Index(i as i64))))
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(mismatch(&format!("array of {} elements", elems.len()))),
        },
        Type::Map(elem) => {
            let entries = map_entries(mp, path)?;
            Value::Map(
                entries
                    .into_iter()
                    .map(|(k, item)| {
                        let v = from_mp(item, elem, &path.child(PathStep::Key(k.to_string())))?;
                        Ok((k.to_string(), v))
                    })
                    .collect::<Result<_, ValueError>>()?,
            )
        }
        Type::Object(attrs) => {
            let entries: BTreeMap<&str, &Mp> = map_entries(mp, path)?.into_iter().collect();
            Value::Map(
                attrs
                    .iter()
                    .map(|(k, t)| {
                        let v = match entries.get(k.as_str()) {
                            Some(item) => from_mp(item, t, &path.child(PathStep::Attr(k.clone())))?,
                            None => Value::Null,
                        };
                        Ok((k.clone(), v))
                    })
                    .collect::<Result<_, ValueError>>()?,
            )
        }
        Type::Dynamic => match mp {
            Mp::Array(pair) if pair.len() == 2 => {
                let type_bytes: &[u8] = match &pair[0] {
                    Mp::Binary(b) => b,
                    Mp::String(s) => s.as_bytes(),
                    _ => return Err(mismatch("[type, value]")),
                };
                let json: serde_json::Value = serde_json::from_slice(type_bytes)
                    .map_err(|e| ValueError::mismatch(path, format!("dynamic type: {e}")))?;
                let t = Type::from_json(&json)
                    .map_err(|e| ValueError::mismatch(path, e.to_string()))?;
                from_mp(&pair[1], &t, path)?
            }
            _ => return Err(mismatch("[type, value]")),
        },
    })
}

fn map_entries<'a>(mp: &'a Mp, path: &AttributePath) -> Result<Vec<(&'a str, &'a Mp)>, ValueError> {
    let Mp::Map(entries) = mp else {
        return Err(ValueError::mismatch(
            path,
            format!("expected map, got {mp}"),
        ));
    };
    entries
        .iter()
        .map(|(k, v)| match k {
            Mp::String(s) => s
                .as_str()
                .map(|s| (s, v))
                .ok_or_else(|| ValueError::mismatch(path, "map key is not valid UTF-8")),
            _ => Err(ValueError::mismatch(
                path,
                format!("map key {k} is not a string"),
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj_ty() -> Type {
        Type::object([
            ("a", Type::String),
            ("b", Type::Number),
            ("c", Type::list(Type::Bool)),
        ])
    }

    #[test]
    fn unknown_is_fixext_zero() {
        assert_eq!(
            encode(&Value::Unknown, &Type::String).unwrap(),
            vec![0xd4, 0x00, 0x00]
        );
        assert_eq!(encode(&Value::Null, &Type::String).unwrap(), vec![0xc0]);
    }

    #[test]
    fn object_carries_every_attribute() {
        let v = Value::object([("a", Value::string("x"))]);
        let bytes = encode(&v, &obj_ty()).unwrap();
        // fixmap of 3: "a" -> "x", "b" -> nil, "c" -> nil (sorted keys)
        assert_eq!(
            bytes,
            vec![0x83, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0, 0xa1, b'c', 0xc0]
        );
        let back = decode(&bytes, &obj_ty()).unwrap();
        assert_eq!(
            back,
            Value::object([
                ("a", Value::string("x")),
                ("b", Value::Null),
                ("c", Value::Null)
            ])
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(encode(&Value::from(1), &Type::Number).unwrap(), vec![0x01]);
        assert_eq!(encode(&Value::from(-1), &Type::Number).unwrap(), vec![0xff]);
        assert_eq!(
            encode(&Value::from(3.0), &Type::Number).unwrap(),
            vec![0x03]
        );
        let half = encode(&Value::from(0.5), &Type::Number).unwrap();
        assert_eq!(half, [vec![0xcb], 0.5f64.to_be_bytes().to_vec()].concat());
        let big = Value::Number(Number::Big("0.1000000000000000000001".into()));
        let bytes = encode(&big, &Type::Number).unwrap();
        assert_eq!(bytes[0], 0xb8); // fixstr of 24 bytes
        assert_eq!(decode(&bytes, &Type::Number).unwrap(), big);
        // uint64 beyond i64
        let u = decode(
            &[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            &Type::Number,
        )
        .unwrap();
        assert_eq!(u, Value::Number(Number::Big(u64::MAX.to_string())));
    }

    #[test]
    fn refined_unknown_is_accepted() {
        // ext 12 with body {1: false} (refinement "not null")
        let bytes = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2];
        assert_eq!(decode(&bytes, &Type::String).unwrap(), Value::Unknown);
        // unknown inside an object
        let bytes = [0x81, 0xa1, b'a', 0xd4, 0x00, 0x00];
        let v = decode(&bytes, &Type::object([("a", Type::String)])).unwrap();
        assert!(v.get("a").is_unknown());
    }

    #[test]
    fn dynamic_wrapping() {
        let v = Value::string("hi");
        let bytes = encode(&v, &Type::Dynamic).unwrap();
        let mut expect = vec![0x92, 0xc4, 8];
        expect.extend_from_slice(b"\"string\"");
        expect.extend_from_slice(&[0xa2, b'h', b'i']);
        assert_eq!(bytes, expect);
        assert_eq!(decode(&bytes, &Type::Dynamic).unwrap(), v);
        assert_eq!(encode(&Value::Null, &Type::Dynamic).unwrap(), vec![0xc0]);
    }

    #[test]
    fn type_errors() {
        assert!(encode(&Value::from(1), &Type::String).is_err());
        assert!(encode(&Value::object([("zzz", Value::Null)]), &obj_ty()).is_err());
        assert!(decode(&[0xa1, b'x'], &Type::Bool).is_err());
        assert!(decode(&[0x01, 0x02], &Type::Number).is_err());
        assert!(decode(&[0xd9], &Type::String).is_err());
        assert_eq!(decode(&[], &obj_ty()).unwrap(), Value::Null);
    }
}

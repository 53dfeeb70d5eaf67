//! Generic, schema-driven helpers for planning resource changes.

use std::collections::BTreeMap;

use crate::diag::AttributePath;
use crate::schema::{Block, Nesting};
use crate::value::Value;

/// Mark every computed attribute whose configuration is null as Unknown in
/// `proposed`, recursively into nested blocks (LIST/SET elements matched by
/// position, MAP elements by key). Use it on create, or when the plan
/// differs from the prior state, for attributes the provider cannot predict;
/// when `proposed` equals the prior state keep it as is, or every plan would
/// show "(known after apply)" changes. Null or unknown `proposed` values are
/// returned unchanged.
pub fn mark_computed_unknown(block: &Block, config: &Value, proposed: &Value) -> Value {
    let Value::Map(entries) = proposed else {
        return proposed.clone();
    };
    let mut out = entries.clone();
    for attr in &block.attributes {
        if attr.computed && config.get(&attr.name).is_null() {
            out.insert(attr.name.clone(), Value::Unknown);
        }
    }
    for nb in &block.block_types {
        let cfg = config.get(&nb.type_name);
        let Some(prop) = entries.get(&nb.type_name) else {
            continue;
        };
        let marked = match (nb.nesting, prop) {
            (Nesting::Single | Nesting::Group, _) => mark_computed_unknown(&nb.block, cfg, prop),
            (Nesting::List | Nesting::Set, Value::List(items)) => Value::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let c = cfg.as_list().and_then(|l| l.get(i)).unwrap_or(&Value::Null);
                        mark_computed_unknown(&nb.block, c, item)
                    })
                    .collect(),
            ),
            (Nesting::Map, Value::Map(items)) => Value::Map(
                items
                    .iter()
                    .map(|(k, item)| {
                        (
                            k.clone(),
                            mark_computed_unknown(&nb.block, cfg.get(k), item),
                        )
                    })
                    .collect(),
            ),
            _ => prop.clone(),
        };
        out.insert(nb.type_name.clone(), marked);
    }
    Value::Map(out)
}

/// "Use state for unknown": for each path whose planned value is Unknown,
/// take the prior value when that is known and not null (stable computed
/// values such as ids). Do not use it on create or replace.
pub fn use_prior(mut planned: Value, prior: &Value, paths: &[AttributePath]) -> Value {
    for path in paths {
        let old = prior.at(path);
        if old.is_null() || !old.is_wholly_known() {
            continue;
        }
        if let Some(slot) = planned.at_mut(path) {
            if slot.is_unknown() {
                *slot = old.clone();
            }
        }
    }
    planned
}

/// Bring a known object into the shape Terraform requires for `block`:
/// every attribute present (missing → null), null LIST/SET block
/// collections → empty lists, MAP → empty maps, GROUP → an object of nulls.
/// Null and unknown values are returned unchanged.
pub fn conform(block: &Block, value: Value) -> Value {
    let Value::Map(mut entries) = value else {
        return value;
    };
    let mut out = BTreeMap::new();
    for attr in &block.attributes {
        let v = entries.remove(&attr.name).unwrap_or(Value::Null);
        out.insert(attr.name.clone(), v);
    }
    for nb in &block.block_types {
        let v = entries.remove(&nb.type_name).unwrap_or(Value::Null);
        let v = match (nb.nesting, v) {
            (Nesting::Single, v) => conform(&nb.block, v),
            (Nesting::Group, Value::Null) => conform(&nb.block, Value::Map(BTreeMap::new())),
            (Nesting::Group, v) => conform(&nb.block, v),
            (Nesting::List | Nesting::Set, Value::Null) => Value::List(Vec::new()),
            (Nesting::List | Nesting::Set, Value::List(items)) => {
                Value::List(items.into_iter().map(|i| conform(&nb.block, i)).collect())
            }
            (Nesting::Map, Value::Null) => Value::Map(BTreeMap::new()),
            (Nesting::Map, Value::Map(items)) => Value::Map(
                items
                    .into_iter()
                    .map(|(k, i)| (k, conform(&nb.block, i)))
                    .collect(),
            ),
            (_, other) => other,
        };
        out.insert(nb.type_name.clone(), v);
    }
    // Keys not in the schema are kept so that the encoder reports them.
    out.extend(entries);
    Value::Map(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, NestedBlock};
    use crate::types::Type;

    fn block() -> Block {
        Block::new()
            .attr(Attribute::computed("id", Type::String))
            .attr(Attribute::optional_computed("size", Type::Number))
            .attr(Attribute::required("name", Type::String))
            .block(NestedBlock::list(
                "rule",
                Block::new()
                    .attr(Attribute::required("path", Type::String))
                    .attr(Attribute::computed("rule_id", Type::String)),
            ))
            .block(NestedBlock::group(
                "g",
                Block::new().attr(Attribute::optional("x", Type::Bool)),
            ))
    }

    #[test]
    fn marks_computed_with_null_config() {
        let config = Value::object([
            ("id", Value::Null),
            ("size", Value::from(3)),
            ("name", Value::string("n")),
            (
                "rule",
                Value::List(vec![Value::object([("path", Value::string("/a"))])]),
            ),
        ]);
        let proposed = Value::object([
            ("id", Value::string("old")),
            ("size", Value::from(3)),
            ("name", Value::string("n")),
            (
                "rule",
                Value::List(vec![Value::object([
                    ("path", Value::string("/a")),
                    ("rule_id", Value::string("r1")),
                ])]),
            ),
        ]);
        let planned = mark_computed_unknown(&block(), &config, &proposed);
        assert!(planned.get("id").is_unknown());
        assert_eq!(planned.get("size").as_i64(), Some(3));
        assert_eq!(planned.get("name").as_str(), Some("n"));
        let rule_id = AttributePath::root().attr("rule").index(0).attr("rule_id");
        assert!(planned.at(&rule_id).is_unknown());
        assert_eq!(
            mark_computed_unknown(&block(), &Value::Null, &Value::Null),
            Value::Null
        );

        let id = AttributePath::root().attr("id");
        let kept = use_prior(planned, &proposed, &[id.clone(), rule_id.clone()]);
        assert_eq!(kept.at(&id).as_str(), Some("old"));
        assert_eq!(kept.at(&rule_id).as_str(), Some("r1"));
    }

    #[test]
    fn conform_fills_blocks() {
        let v = conform(&block(), Value::object([("name", Value::string("n"))]));
        assert_eq!(
            v,
            Value::object([
                ("id", Value::Null),
                ("size", Value::Null),
                ("name", Value::string("n")),
                ("rule", Value::List(vec![])),
                ("g", Value::object([("x", Value::Null)])),
            ])
        );
        assert_eq!(conform(&block(), Value::Null), Value::Null);
    }
}

//! Patch bodies: JSON merge patch (RFC 7386) and an approximation of strategic merge patch.
//!
//! Strategic merge patch here is a merge patch in which the lists the served types declare with
//! a `patchMergeKey` (service ports by `port`, node and pod conditions and node addresses by
//! `type`, containers by `name`, owner references by `uid`) are merged item by item, an item
//! carrying `"$patch": "delete"` removes its match, and `$setElementOrder/...`/`$retainKeys`
//! directives are ignored. Every other list is replaced whole, as the real server does for
//! atomic lists. That covers how the kube client and these tests patch the served types; it
//! is not the full strategic-merge algorithm.

use serde_json::{Map, Value};

/// Lists merged by key: (path of the list with `*` for any key, merge key).
const MERGE_KEYS: &[(&[&str], &str)] = &[
    (&["spec", "ports"], "port"),
    (&["status", "conditions"], "type"),
    (&["status", "addresses"], "type"),
    (&["spec", "containers"], "name"),
    (&["spec", "initContainers"], "name"),
    (&["metadata", "ownerReferences"], "uid"),
    (&["spec", "taints"], "key"),
];

/// Applies a JSON merge patch to `target`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(fields) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let object = target.as_object_mut().expect("made an object above");
            for (key, value) in fields {
                if value.is_null() {
                    object.remove(key);
                } else {
                    merge_patch(object.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// Applies a strategic merge patch to `target` (see the module documentation).
pub fn strategic_merge_patch(target: &mut Value, patch: &Value) {
    strategic_at(target, patch, &mut Vec::new());
}

fn merge_key(path: &[String]) -> Option<&'static str> {
    MERGE_KEYS
        .iter()
        .find(|(p, _)| p.len() == path.len() && p.iter().zip(path).all(|(a, b)| a == b))
        .map(|(_, key)| *key)
}

fn strategic_at(target: &mut Value, patch: &Value, path: &mut Vec<String>) {
    let Value::Object(fields) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let object = target.as_object_mut().expect("made an object above");
    for (key, value) in fields {
        if key.starts_with("$setElementOrder/") || key == "$retainKeys" || key == "$patch" {
            continue;
        }
        if value.is_null() {
            object.remove(key);
            continue;
        }
        path.push(key.clone());
        let slot = object.entry(key.clone()).or_insert(Value::Null);
        match (merge_key(path), value) {
            (Some(merge_key), Value::Array(items)) => merge_list(slot, items, merge_key, path),
            _ => strategic_at(slot, value, path),
        }
        path.pop();
    }
}

fn merge_list(slot: &mut Value, items: &[Value], key: &str, path: &mut Vec<String>) {
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    let list = slot.as_array_mut().expect("made an array above");
    for item in items {
        let id = item.get(key);
        let position = id.and_then(|id| list.iter().position(|old| old.get(key) == Some(id)));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, delete) {
            (Some(i), true) => {
                list.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => strategic_at(&mut list[i], item, path),
            (None, false) => {
                let mut fresh = Value::Null;
                strategic_at(&mut fresh, item, path);
                list.push(fresh);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]});
        merge_patch(
            &mut doc,
            &json!({"a": "z", "c": {"f": null}, "l": [3], "n": {"x": 1}}),
        );
        assert_eq!(
            doc,
            json!({"a": "z", "c": {"d": "e"}, "l": [3], "n": {"x": 1}})
        );
    }

    #[test]
    fn strategic_patch_merges_keyed_lists() {
        let mut node = json!({"status": {"conditions": [
            {"type": "Ready", "status": "False"},
            {"type": "DiskPressure", "status": "False"}
        ], "other": [1]}});
        strategic_merge_patch(
            &mut node,
            &json!({"status": {
                "$setElementOrder/conditions": [{"type": "Ready"}],
                "conditions": [{"type": "Ready", "status": "True"}, {"type": "DiskPressure", "$patch": "delete"}, {"type": "PIDPressure", "status": "False"}],
                "other": [2]
            }}),
        );
        assert_eq!(
            node,
            json!({"status": {"conditions": [
                {"type": "Ready", "status": "True"},
                {"type": "PIDPressure", "status": "False"}
            ], "other": [2]}})
        );
    }
}

//! Namespaces: `spec.finalizers: ["kubernetes"]`, `status.phase: Active`, and the
//! `kubernetes.io/metadata.name` label the server always sets.

use serde_json::{json, Value};

pub(super) fn defaults(object: &mut Value) {
    if object.pointer("/spec/finalizers").is_none() {
        object["spec"]["finalizers"] = json!(["kubernetes"]);
    }
}

pub(super) fn prepare_create(object: &mut Value) {
    object["status"] = json!({"phase": "Active"});
    prepare_create_labels(object);
}

/// Sets `kubernetes.io/metadata.name=<name>` (on create and on every update).
pub(super) fn prepare_create_labels(object: &mut Value) {
    let name = object["metadata"]["name"].clone();
    if !object["metadata"]["labels"].is_object() {
        object["metadata"]["labels"] = json!({});
    }
    object["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
}

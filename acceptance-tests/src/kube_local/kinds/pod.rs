//! Pods: a create starts `Pending`; containers need a name and an image; an update may change
//! only container images, `activeDeadlineSeconds` and tolerations.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::kube_local::validation::{check_name, FieldError, NameRule};

pub(super) fn defaults(object: &mut Value) {
    let spec = &mut object["spec"];
    for (field, value) in [
        ("restartPolicy", json!("Always")),
        ("dnsPolicy", json!("ClusterFirst")),
        ("schedulerName", json!("default-scheduler")),
        ("terminationGracePeriodSeconds", json!(30)),
    ] {
        if spec.get(field).is_none() {
            spec[field] = value;
        }
    }
    if let Some(containers) = spec.get_mut("containers").and_then(Value::as_array_mut) {
        for c in containers {
            if c.get("imagePullPolicy").is_none() {
                let latest = c["image"]
                    .as_str()
                    .is_some_and(|i| !i.contains(':') || i.ends_with(":latest"));
                c["imagePullPolicy"] = json!(if latest { "Always" } else { "IfNotPresent" });
            }
        }
    }
}

pub(super) fn prepare_create(object: &mut Value) {
    object["status"] = json!({"phase": "Pending"});
}

/// The spec with the fields an update may change taken from `new`.
fn mutable_view(old: &Value, new: &Value) -> Value {
    let mut view = old["spec"].clone();
    for field in ["activeDeadlineSeconds", "tolerations"] {
        match new["spec"].get(field) {
            Some(v) => view[field] = v.clone(),
            None => {
                view.as_object_mut().map(|o| o.remove(field));
            }
        }
    }
    for list in ["containers", "initContainers"] {
        if let (Some(old_items), Some(new_items)) = (
            view.get_mut(list).and_then(Value::as_array_mut),
            new["spec"].get(list).and_then(Value::as_array),
        ) {
            for (o, n) in old_items.iter_mut().zip(new_items) {
                o["image"] = n["image"].clone();
            }
        }
    }
    view
}

pub(super) fn validate(object: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let containers = object
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if containers.is_empty() {
        errors.push(FieldError::required("spec.containers", ""));
    }
    let mut names = HashSet::new();
    for (i, c) in containers.iter().enumerate() {
        match c["name"].as_str() {
            None | Some("") => errors.push(FieldError::required(
                format!("spec.containers[{i}].name"),
                "",
            )),
            Some(name) => {
                check_name(
                    &mut errors,
                    &format!("spec.containers[{i}].name"),
                    name,
                    NameRule::Dns1123Label,
                );
                if !names.insert(name.to_string()) {
                    errors.push(FieldError::duplicate(
                        format!("spec.containers[{i}].name"),
                        &c["name"],
                    ));
                }
            }
        }
        if c["image"].as_str().is_none_or(str::is_empty) {
            errors.push(FieldError::required(
                format!("spec.containers[{i}].image"),
                "",
            ));
        }
    }
    if let Some(old) = old {
        if mutable_view(old, object) != object["spec"] {
            errors.push(FieldError::forbidden(
                "spec",
                "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
            ));
        }
    }
    errors
}

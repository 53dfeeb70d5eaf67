//! Ingresses and IngressClasses (`networking.k8s.io/v1`) and ACK's AlbConfig
//! (`alibabacloud.com/v1`, a custom resource with a status subresource), as far as
//! `terraform-provider-alb generate --from-cluster` reads them: a create resets the status (the
//! Ingress strategy and the custom-resource strategy do), and Ingress paths are checked as the
//! networking validation does.

use serde_json::{json, Value};

use crate::kube_local::validation::{check_port_number, FieldError};

/// The path types an Ingress path may have.
const PATH_TYPES: &[&str] = &["Exact", "Prefix", "ImplementationSpecific"];

/// Status is written through the `/status` subresource only.
pub(super) fn prepare_create(object: &mut Value) {
    if let Some(o) = object.as_object_mut() {
        o.remove("status");
    }
}

/// Every Ingress path has a `pathType` and an absolute `path`, and a backend that is a Service
/// (with a port number or name) or a resource.
pub(super) fn validate(object: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let rules = object.pointer("/spec/rules").and_then(Value::as_array);
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        let paths = rule.pointer("/http/paths").and_then(Value::as_array);
        for (j, path) in paths.into_iter().flatten().enumerate() {
            let field = format!("spec.rules[{i}].http.paths[{j}]");
            match path.get("pathType") {
                None => errors.push(FieldError::required(
                    format!("{field}.pathType"),
                    "pathType must be specified",
                )),
                Some(t) if !PATH_TYPES.contains(&t.as_str().unwrap_or_default()) => errors.push(
                    FieldError::not_supported(format!("{field}.pathType"), t, PATH_TYPES),
                ),
                Some(_) => {}
            }
            if let Some(p) = path.get("path") {
                if !p.as_str().is_some_and(|p| p.starts_with('/')) {
                    errors.push(FieldError::invalid(
                        format!("{field}.path"),
                        p,
                        "must be an absolute path",
                    ));
                }
            }
            backend(&mut errors, &format!("{field}.backend"), &path["backend"]);
        }
    }
    if let Some(default) = object.pointer("/spec/defaultBackend") {
        backend(&mut errors, "spec.defaultBackend", default);
    }
    errors
}

fn backend(errors: &mut Vec<FieldError>, field: &str, backend: &Value) {
    match (backend.get("service"), backend.get("resource")) {
        (Some(service), None) => match (
            service.pointer("/port/number"),
            service.pointer("/port/name"),
        ) {
            (Some(number), None) => {
                check_port_number(errors, &format!("{field}.service.port.number"), number)
            }
            (None, Some(_)) => {}
            _ => errors.push(FieldError::invalid(
                format!("{field}.service.port"),
                &service["port"],
                "port name or number is required",
            )),
        },
        (None, Some(_)) => {}
        _ => errors.push(FieldError::invalid(
            field.to_string(),
            &json!(backend),
            "exactly one of service or resource is required",
        )),
    }
}

//! Nodes: cluster-scoped; `spec.providerID` may only change from unset to set.

use serde_json::Value;

use crate::kube_local::validation::FieldError;

pub(super) fn validate(object: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let provider_id = |o: &Value| {
        o.pointer("/spec/providerID")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    if let Some(old) = old {
        let before = provider_id(old);
        if !before.is_empty() && before != provider_id(object) {
            errors.push(FieldError::forbidden(
                "spec.providerID",
                "node updates may not change providerID except from \"\" to valid",
            ));
        }
    }
    errors
}

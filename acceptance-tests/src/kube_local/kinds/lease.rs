//! Leases (`coordination.k8s.io/v1`): duration and transitions are checked.

use serde_json::Value;

use crate::kube_local::validation::FieldError;

pub(super) fn validate(object: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(v) = object.pointer("/spec/leaseDurationSeconds") {
        if v.as_i64().is_none_or(|n| n <= 0) {
            errors.push(FieldError::invalid(
                "spec.leaseDurationSeconds",
                v,
                "must be greater than 0",
            ));
        }
    }
    if let Some(v) = object.pointer("/spec/leaseTransitions") {
        if v.as_i64().is_none_or(|n| n < 0) {
            errors.push(FieldError::invalid(
                "spec.leaseTransitions",
                v,
                "must be greater than or equal to 0",
            ));
        }
    }
    errors
}

//! What differs between the served kinds: defaults, what a create or update may set, and
//! validation, each following the real registry strategy of the kind where the provider and
//! the tests touch it.

mod endpointslice;
mod ingress;
mod lease;
mod namespace;
mod node;
mod pod;
pub mod service;

use serde_json::Value;

use super::resources::ResourceType;
use super::validation::{FieldError, NameRule};

/// The rule `metadata.name` follows.
pub fn name_rule(resource: &ResourceType) -> NameRule {
    match resource.kind {
        "Namespace" => NameRule::Dns1123Label,
        "Service" => NameRule::Dns1035Label,
        _ => NameRule::Dns1123Subdomain,
    }
}

/// Fills the defaults the API server's defaulting sets on every written object.
pub fn apply_defaults(resource: &ResourceType, object: &mut Value) {
    match resource.kind {
        "Namespace" => namespace::defaults(object),
        "Service" => service::defaults(object),
        "Pod" => pod::defaults(object),
        "EndpointSlice" => endpointslice::defaults(object),
        _ => {}
    }
}

/// What a create may not set (the strategy's `PrepareForCreate`): status reset where it is
/// written through the subresource only.
pub fn prepare_create(resource: &ResourceType, object: &mut Value) {
    match resource.kind {
        "Namespace" => namespace::prepare_create(object),
        "Service" => service::prepare_create(object),
        "Pod" => pod::prepare_create(object),
        "Ingress" | "AlbConfig" => ingress::prepare_create(object),
        // Nodes may carry their status on create (the kubelet registers that way).
        _ => {}
    }
}

/// Per-kind changes an update makes to the new object (the strategy's `PrepareForUpdate`).
pub fn prepare_update(resource: &ResourceType, object: &mut Value, old: &Value) {
    match resource.kind {
        "Namespace" => namespace::prepare_create_labels(object),
        "Service" => service::drop_type_dependent_fields(object, old),
        _ => {}
    }
}

/// Kind-specific validation; `old` is the stored object on update.
pub fn validate(resource: &ResourceType, object: &Value, old: Option<&Value>) -> Vec<FieldError> {
    match resource.kind {
        "Service" => service::validate(object, old),
        "EndpointSlice" => endpointslice::validate(object, old),
        "Node" => node::validate(object, old),
        "Pod" => pod::validate(object, old),
        "Lease" => lease::validate(object),
        "Ingress" => ingress::validate(object),
        _ => Vec::new(),
    }
}

/// The top-level fields whose change increments `metadata.generation`.
pub fn generation_fields(resource: &ResourceType) -> &'static [&'static str] {
    match resource.kind {
        "Service" | "Pod" | "Ingress" | "IngressClass" | "AlbConfig" => &["spec"],
        "EndpointSlice" => &["addressType", "endpoints", "ports"],
        _ => &[],
    }
}

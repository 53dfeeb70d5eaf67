//! The provider's own validation (`validate::alb_config`, `validate::alb_ingress`) run on each
//! generated resource, so a generated value the provider would refuse (a range, a format, a
//! combination) is an error here, naming the annotation it came from.

use tfplugin::diag::{AttributePath, Severity};
use tfplugin::value::Value;

use super::render::{Resource, ResourceType};
use super::Finding;

/// The errors the provider's validation finds in `resource`.
pub fn check(resource: &Resource) -> Vec<Finding> {
    let schema = resource.kind.schema();
    let mut value = match Value::from_json(&resource.body, &schema.implied_type()) {
        Ok(value) => value,
        Err(e) => {
            return vec![Finding::new(
                &resource.source,
                "(generated value)",
                format!("does not fit the {} schema: {e}", resource.kind.type_name()),
            )]
        }
    };
    if let Value::Map(map) = &mut value {
        for (attr, _) in &resource.references {
            map.insert((*attr).to_string(), Value::Unknown);
        }
    }
    let diagnostics = match resource.kind {
        ResourceType::AlbConfig => crate::validate::alb_config::validate(&value),
        ResourceType::AlbIngress => crate::validate::alb_ingress::validate(&value),
    };
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            let path = d.attribute.clone().unwrap_or_else(AttributePath::root);
            let origin = annotation_of(resource, &path)
                .unwrap_or_else(|| format!("{} attribute {path}", resource.kind.type_name()));
            let detail = if d.detail.is_empty() {
                d.summary.clone()
            } else {
                format!("{}: {}", d.summary, d.detail)
            };
            Finding::new(&resource.source, origin, detail)
        })
        .collect()
}

/// The annotation that set `path` or its closest parent.
fn annotation_of(resource: &Resource, path: &AttributePath) -> Option<String> {
    resource
        .provenance
        .iter()
        .filter(|(p, _)| path.0.starts_with(&p.0))
        .max_by_key(|(p, _)| p.0.len())
        .map(|(_, annotation)| annotation.clone())
}

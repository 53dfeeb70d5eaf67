//! The provider schema as JSON, in the layout of `terraform providers schema -json`; checked in as
//! `schemas/provider.json` and kept in sync by a test.

use serde_json::{json, Map, Value as Json};
use tfplugin::provider::Provider;

use crate::{AlbProvider, REGISTRY_ADDRESS};

/// The full provider schema document (provider block and every resource, resources by name).
pub fn document() -> Json {
    let provider = AlbProvider::new();
    let mut resources: Vec<_> = provider
        .resources()
        .iter()
        .map(|r| (r.type_name(), r.schema().to_json()))
        .collect();
    resources.sort_by_key(|(name, _)| *name);
    let resource_schemas: Map<String, Json> = resources
        .into_iter()
        .map(|(name, schema)| (name.to_string(), schema))
        .collect();
    json!({
        "format_version": "1.0",
        "provider_schemas": {
            REGISTRY_ADDRESS: {
                "provider": provider.schema().to_json(),
                "resource_schemas": resource_schemas,
            }
        }
    })
}

/// [`document`] as the exact text of the checked-in file (pretty JSON, trailing newline).
pub fn render() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

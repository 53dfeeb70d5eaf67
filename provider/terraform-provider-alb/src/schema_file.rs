//! The provider schema as JSON, in the layout of `terraform providers schema -json`; checked in as
//! `schemas/provider.json` and kept in sync by a test.

use serde_json::{json, Map, Value as Json};
use tfplugin::provider::Provider;
use tfplugin::schema::Schema;

use crate::{AlbProvider, REGISTRY_ADDRESS};

/// The full provider schema document (provider block, every resource and every data source, each
/// kind by name).
pub fn document() -> Json {
    let provider = AlbProvider::new();
    let resource_schemas = by_name(
        provider
            .resources()
            .iter()
            .map(|r| (r.type_name(), r.schema())),
    );
    let data_source_schemas = by_name(
        provider
            .data_sources()
            .iter()
            .map(|d| (d.type_name(), d.schema())),
    );
    json!({
        "format_version": "1.0",
        "provider_schemas": {
            REGISTRY_ADDRESS: {
                "provider": provider.schema().to_json(),
                "resource_schemas": resource_schemas,
                "data_source_schemas": data_source_schemas,
            }
        }
    })
}

/// Schemas as a JSON object keyed by type name, sorted by name.
fn by_name<'a>(schemas: impl Iterator<Item = (&'a str, Schema)>) -> Map<String, Json> {
    let mut named: Vec<_> = schemas.collect();
    named.sort_by_key(|(name, _)| *name);
    named
        .into_iter()
        .map(|(name, schema)| (name.to_string(), schema.to_json()))
        .collect()
}

/// [`document`] as the exact text of the checked-in file (pretty JSON, trailing newline).
pub fn render() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

//! The provider schema as the docs read it: the JSON of `terraform providers schema -json` (see
//! [`crate::schema_file::document`]) turned into blocks and attributes in declaration order.
//!
//! Reading the JSON rather than the provider's types keeps the generator generic: whatever the
//! document lists (the provider block, resources, data sources) gets a page.

use serde_json::Value as Json;

use super::DocsError;

/// Every schema of one provider.
#[derive(Clone, Debug)]
pub struct ProviderSchemas {
    /// The provider configuration block.
    pub provider: Block,
    /// Managed resources by type name, sorted.
    pub resources: Vec<(String, Block)>,
    /// Data sources by type name, sorted.
    pub data_sources: Vec<(String, Block)>,
}

/// A block: its description, attributes and nested block types.
#[derive(Clone, Debug, Default)]
pub struct Block {
    /// Markdown description.
    pub description: String,
    /// Marked deprecated.
    pub deprecated: bool,
    /// Attributes in declaration order.
    pub attributes: Vec<Attribute>,
    /// Nested block types in declaration order.
    pub blocks: Vec<NestedBlock>,
}

/// One attribute.
#[derive(Clone, Debug)]
pub struct Attribute {
    /// Name in configuration.
    pub name: String,
    /// Type constraint in Terraform's JSON notation (`"string"`, `["list", "string"]`, …).
    pub ty: Json,
    /// Markdown description.
    pub description: String,
    /// Must be set.
    pub required: bool,
    /// May be set.
    pub optional: bool,
    /// The provider may set it.
    pub computed: bool,
    /// Hidden in Terraform's output.
    pub sensitive: bool,
    /// Marked deprecated.
    pub deprecated: bool,
}

/// A nested block type.
#[derive(Clone, Debug)]
pub struct NestedBlock {
    /// Block type name.
    pub name: String,
    /// `single`, `group`, `list`, `set` or `map`.
    pub nesting: String,
    /// Minimum number of blocks (0: none).
    pub min_items: u64,
    /// Maximum number of blocks (0: no maximum).
    pub max_items: u64,
    /// The block's content.
    pub block: Block,
}

impl ProviderSchemas {
    /// The schemas of the only provider in `document`.
    pub fn from_document(document: &Json) -> Result<Self, DocsError> {
        let providers = document
            .get("provider_schemas")
            .and_then(Json::as_object)
            .ok_or_else(|| malformed("no `provider_schemas` object"))?;
        let mut entries = providers.values();
        let (Some(schemas), None) = (entries.next(), entries.next()) else {
            return Err(malformed(
                "`provider_schemas` must hold exactly one provider",
            ));
        };
        let provider = schemas
            .get("provider")
            .ok_or_else(|| malformed("no `provider` schema"))
            .and_then(schema_block)?;
        Ok(ProviderSchemas {
            provider,
            resources: named_schemas(schemas.get("resource_schemas"))?,
            data_sources: named_schemas(schemas.get("data_source_schemas"))?,
        })
    }
}

fn named_schemas(map: Option<&Json>) -> Result<Vec<(String, Block)>, DocsError> {
    let Some(map) = map else {
        return Ok(Vec::new());
    };
    let map = map
        .as_object()
        .ok_or_else(|| malformed("schemas by type name must be an object"))?;
    let mut named = map
        .iter()
        .map(|(name, schema)| Ok((name.clone(), schema_block(schema)?)))
        .collect::<Result<Vec<_>, DocsError>>()?;
    named.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(named)
}

fn schema_block(schema: &Json) -> Result<Block, DocsError> {
    block(
        schema
            .get("block")
            .ok_or_else(|| malformed("a schema without `block`"))?,
    )
}

fn block(json: &Json) -> Result<Block, DocsError> {
    let attributes = entries(json, "attributes")?
        .map(|(name, a)| Attribute {
            name: name.clone(),
            ty: a.get("type").cloned().unwrap_or(Json::Null),
            description: text(a, "description"),
            required: flag(a, "required"),
            optional: flag(a, "optional"),
            computed: flag(a, "computed"),
            sensitive: flag(a, "sensitive"),
            deprecated: flag(a, "deprecated"),
        })
        .collect();
    let blocks =
        entries(json, "block_types")?
            .map(|(name, b)| {
                Ok(NestedBlock {
                    name: name.clone(),
                    nesting: text(b, "nesting_mode"),
                    min_items: b.get("min_items").and_then(Json::as_u64).unwrap_or(0),
                    max_items: b.get("max_items").and_then(Json::as_u64).unwrap_or(0),
                    block: block(b.get("block").ok_or_else(|| {
                        malformed(&format!("block type `{name}` without `block`"))
                    })?)?,
                })
            })
            .collect::<Result<_, DocsError>>()?;
    Ok(Block {
        description: text(json, "description"),
        deprecated: flag(json, "deprecated"),
        attributes,
        blocks,
    })
}

fn entries<'a>(
    json: &'a Json,
    key: &str,
) -> Result<impl Iterator<Item = (&'a String, &'a Json)>, DocsError> {
    match json.get(key) {
        None => Ok(None.into_iter().flatten()),
        Some(Json::Object(map)) => Ok(Some(map.iter()).into_iter().flatten()),
        Some(_) => Err(malformed(&format!("`{key}` must be an object"))),
    }
}

fn text(json: &Json, key: &str) -> String {
    json.get(key)
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string()
}

fn flag(json: &Json, key: &str) -> bool {
    json.get(key).and_then(Json::as_bool).unwrap_or(false)
}

fn malformed(what: &str) -> DocsError {
    DocsError::Schema(what.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_blocks_in_declaration_order_and_data_sources() {
        let document = json!({"provider_schemas": {"registry.terraform.io/x/y": {
            "provider": {"version": 0, "block": {"attributes": {
                "zeta": {"type": "string", "optional": true, "description": "Z."},
                "alpha": {"type": ["list", "string"], "required": true, "sensitive": true}
            }}},
            "resource_schemas": {"y_b": {"block": {}}, "y_a": {"block": {"block_types": {
                "inner": {"nesting_mode": "list", "max_items": 2, "block": {"description": "I."}}
            }}}},
            "data_source_schemas": {"y_d": {"block": {"description": "D."}}}
        }}});
        let schemas = ProviderSchemas::from_document(&document).expect("valid document");
        let names: Vec<&str> = schemas
            .provider
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(names, ["zeta", "alpha"]);
        assert!(
            schemas.provider.attributes[1].required && schemas.provider.attributes[1].sensitive
        );
        assert_eq!(schemas.resources[0].0, "y_a");
        assert_eq!(schemas.resources[0].1.blocks[0].max_items, 2);
        assert_eq!(schemas.data_sources[0].1.description, "D.");
        assert!(ProviderSchemas::from_document(&json!({})).is_err());
    }
}

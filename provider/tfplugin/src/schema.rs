//! Provider and resource schemas: blocks, attributes and nested blocks.

use std::collections::BTreeMap;

use serde_json::json;

use crate::types::Type;

/// A versioned schema (provider configuration or resource).
#[derive(Clone, Debug)]
pub struct Schema {
    /// State schema version, fed back to `UpgradeResourceState`.
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

/// A configuration block: attributes plus nested block types.
#[derive(Clone, Debug, Default)]
pub struct Block {
    /// Attributes, in declaration order.
    pub attributes: Vec<Attribute>,
    /// Nested block types, in declaration order.
    pub block_types: Vec<NestedBlock>,
    /// Markdown description.
    pub description: String,
    /// Marks the block deprecated.
    pub deprecated: bool,
}

/// One attribute of a block.
#[derive(Clone, Debug)]
pub struct Attribute {
    /// Attribute name (`[a-z0-9_]+`).
    pub name: String,
    /// Type constraint.
    pub ty: Type,
    /// Markdown description.
    pub description: String,
    /// Must be set in configuration.
    pub required: bool,
    /// May be set in configuration.
    pub optional: bool,
    /// The provider may set the value.
    pub computed: bool,
    /// Hidden in Terraform's output.
    pub sensitive: bool,
    /// Marks the attribute deprecated.
    pub deprecated: bool,
}

/// How a nested block type may repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// At most one block; absent is null.
    Single,
    /// Exactly one block; absent means all attributes null.
    Group,
    /// Ordered blocks.
    List,
    /// Unordered blocks.
    Set,
    /// Blocks with one label each.
    Map,
}

impl Nesting {
    fn as_str(self) -> &'static str {
        match self {
            Nesting::Single => "single",
            Nesting::Group => "group",
            Nesting::List => "list",
            Nesting::Set => "set",
            Nesting::Map => "map",
        }
    }
}

/// A nested block type.
#[derive(Clone, Debug)]
pub struct NestedBlock {
    /// Block type name as written in configuration.
    pub type_name: String,
    /// The block's content.
    pub block: Block,
    /// Repetition mode.
    pub nesting: Nesting,
    /// Minimum number of blocks (0 = no minimum).
    pub min_items: i64,
    /// Maximum number of blocks (0 = no maximum).
    pub max_items: i64,
}

impl Attribute {
    fn new(name: &str, ty: Type) -> Self {
        Attribute {
            name: name.to_string(),
            ty,
            description: String::new(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            deprecated: false,
        }
    }

    /// A required attribute.
    pub fn required(name: &str, ty: Type) -> Self {
        Attribute {
            required: true,
            ..Attribute::new(name, ty)
        }
    }

    /// An optional attribute.
    pub fn optional(name: &str, ty: Type) -> Self {
        Attribute {
            optional: true,
            ..Attribute::new(name, ty)
        }
    }

    /// A computed (read-only) attribute.
    pub fn computed(name: &str, ty: Type) -> Self {
        Attribute {
            computed: true,
            ..Attribute::new(name, ty)
        }
    }

    /// An optional attribute the provider fills when not configured.
    pub fn optional_computed(name: &str, ty: Type) -> Self {
        Attribute {
            optional: true,
            computed: true,
            ..Attribute::new(name, ty)
        }
    }

    /// Mark sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Mark deprecated.
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    /// Set the markdown description.
    pub fn describe(mut self, markdown: &str) -> Self {
        self.description = markdown.to_string();
        self
    }

    fn to_json(&self) -> serde_json::Value {
        let mut o = serde_json::Map::new();
        o.insert("type".into(), self.ty.to_json());
        describe_json(&mut o, &self.description);
        for (key, set) in [
            ("required", self.required),
            ("optional", self.optional),
            ("computed", self.computed),
            ("sensitive", self.sensitive),
            ("deprecated", self.deprecated),
        ] {
            if set {
                o.insert(key.into(), json!(true));
            }
        }
        serde_json::Value::Object(o)
    }
}

fn describe_json(o: &mut serde_json::Map<String, serde_json::Value>, description: &str) {
    if !description.is_empty() {
        o.insert("description".into(), json!(description));
        o.insert("description_kind".into(), json!("markdown"));
    }
}

impl Block {
    /// An empty block.
    pub fn new() -> Self {
        Block::default()
    }

    /// Set the markdown description.
    pub fn describe(mut self, markdown: &str) -> Self {
        self.description = markdown.to_string();
        self
    }

    /// Add an attribute.
    pub fn attr(mut self, a: Attribute) -> Self {
        self.attributes.push(a);
        self
    }

    /// Add a nested block type.
    pub fn block(mut self, nb: NestedBlock) -> Self {
        self.block_types.push(nb);
        self
    }

    /// Mark deprecated.
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    /// The object type values of this block have (Terraform's implied type).
    /// LIST and MAP blocks containing `dynamic` are themselves `dynamic`,
    /// as in Terraform.
    pub fn implied_type(&self) -> Type {
        let mut attrs: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.ty.clone()))
            .collect();
        for nb in &self.block_types {
            let inner = nb.block.implied_type();
            let ty = match nb.nesting {
                Nesting::Single | Nesting::Group => inner,
                Nesting::List | Nesting::Map if inner.has_dynamic() => Type::Dynamic,
                Nesting::List => Type::list(inner),
                Nesting::Set => Type::set(inner),
                Nesting::Map => Type::map(inner),
            };
            attrs.insert(nb.type_name.clone(), ty);
        }
        Type::Object(attrs)
    }

    /// Attribute by name.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Nested block type by name.
    pub fn nested(&self, name: &str) -> Option<&NestedBlock> {
        self.block_types.iter().find(|b| b.type_name == name)
    }

    /// The block as JSON in the `terraform providers schema -json` layout.
    pub fn to_json(&self) -> serde_json::Value {
        let mut o = serde_json::Map::new();
        if !self.attributes.is_empty() {
            let attrs: serde_json::Map<_, _> = self
                .attributes
                .iter()
                .map(|a| (a.name.clone(), a.to_json()))
                .collect();
            o.insert("attributes".into(), serde_json::Value::Object(attrs));
        }
        if !self.block_types.is_empty() {
            let blocks: serde_json::Map<_, _> = self
                .block_types
                .iter()
                .map(|b| (b.type_name.clone(), b.to_json()))
                .collect();
            o.insert("block_types".into(), serde_json::Value::Object(blocks));
        }
        describe_json(&mut o, &self.description);
        if self.deprecated {
            o.insert("deprecated".into(), json!(true));
        }
        serde_json::Value::Object(o)
    }
}

impl NestedBlock {
    fn new(name: &str, block: Block, nesting: Nesting) -> Self {
        NestedBlock {
            type_name: name.to_string(),
            block,
            nesting,
            min_items: 0,
            max_items: 0,
        }
    }

    /// At most one block (null when absent).
    pub fn single(name: &str, b: Block) -> Self {
        NestedBlock::new(name, b, Nesting::Single)
    }

    /// Exactly one block, all-null when absent.
    pub fn group(name: &str, b: Block) -> Self {
        NestedBlock::new(name, b, Nesting::Group)
    }

    /// An ordered list of blocks.
    pub fn list(name: &str, b: Block) -> Self {
        NestedBlock::new(name, b, Nesting::List)
    }

    /// An unordered set of blocks.
    pub fn set(name: &str, b: Block) -> Self {
        NestedBlock::new(name, b, Nesting::Set)
    }

    /// Labelled blocks keyed by label.
    pub fn map(name: &str, b: Block) -> Self {
        NestedBlock::new(name, b, Nesting::Map)
    }

    /// Minimum number of blocks.
    pub fn min(mut self, n: i64) -> Self {
        self.min_items = n;
        self
    }

    /// Maximum number of blocks.
    pub fn max(mut self, n: i64) -> Self {
        self.max_items = n;
        self
    }

    fn to_json(&self) -> serde_json::Value {
        let mut o = serde_json::Map::new();
        o.insert("nesting_mode".into(), json!(self.nesting.as_str()));
        o.insert("block".into(), self.block.to_json());
        if self.min_items != 0 {
            o.insert("min_items".into(), json!(self.min_items));
        }
        if self.max_items != 0 {
            o.insert("max_items".into(), json!(self.max_items));
        }
        serde_json::Value::Object(o)
    }
}

impl Schema {
    /// A schema of the given version.
    pub fn new(version: i64, block: Block) -> Self {
        Schema { version, block }
    }

    /// The schema as JSON like `terraform providers schema -json` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        json!({ "version": self.version, "block": self.block.to_json() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Schema {
        Schema::new(
            1,
            Block::new()
                .describe("A thing.")
                .attr(Attribute::computed("id", Type::String))
                .attr(Attribute::required("name", Type::String).describe("Name."))
                .attr(Attribute::optional("secret", Type::String).sensitive())
                .block(
                    NestedBlock::list(
                        "rule",
                        Block::new().attr(Attribute::optional_computed("port", Type::Number)),
                    )
                    .min(1)
                    .max(3),
                )
                .block(NestedBlock::single("opts", Block::new())),
        )
    }

    #[test]
    fn implied_type() {
        let s = sample();
        assert_eq!(
            s.block.implied_type(),
            Type::object([
                ("id", Type::String),
                ("name", Type::String),
                ("secret", Type::String),
                ("rule", Type::list(Type::object([("port", Type::Number)]))),
                ("opts", Type::object(Vec::<(String, Type)>::new())),
            ])
        );
        let dynamic_list = Block::new().block(NestedBlock::list(
            "d",
            Block::new().attr(Attribute::optional("v", Type::Dynamic)),
        ));
        assert_eq!(
            dynamic_list.implied_type(),
            Type::object([("d", Type::Dynamic)])
        );
        let set = Block::new().block(NestedBlock::set("s", Block::new()));
        assert_eq!(
            set.implied_type(),
            Type::object([("s", Type::set(Type::object(Vec::<(String, Type)>::new())))])
        );
    }

    #[test]
    fn to_json_layout() {
        let j = sample().to_json();
        assert_eq!(
            j,
            json!({
                "version": 1,
                "block": {
                    "attributes": {
                        "id": {"type": "string", "computed": true},
                        "name": {"type": "string", "description": "Name.", "description_kind": "markdown", "required": true},
                        "secret": {"type": "string", "optional": true, "sensitive": true}
                    },
                    "block_types": {
                        "rule": {
                            "nesting_mode": "list",
                            "block": {"attributes": {"port": {"type": "number", "optional": true, "computed": true}}},
                            "min_items": 1,
                            "max_items": 3
                        },
                        "opts": {"nesting_mode": "single", "block": {}}
                    },
                    "description": "A thing.",
                    "description_kind": "markdown"
                }
            })
        );
    }

    #[test]
    fn lookups() {
        let s = sample();
        assert!(s.block.attribute("name").is_some_and(|a| a.required));
        assert!(s.block.attribute("rule").is_none());
        assert_eq!(
            s.block.nested("rule").map(|b| b.nesting),
            Some(Nesting::List)
        );
    }
}

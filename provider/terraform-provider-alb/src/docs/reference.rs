//! The generated attribute reference (`## Schema`) of one block, in the layout of HashiCorp's
//! tfplugindocs: the top level's attributes and blocks grouped as Required, Optional and
//! Read-Only, then one `### Nested Schema for `path`` section per nested block and per
//! object-typed attribute. Every entry is one line:
//!
//! ```text
//! - `name` (String, Optional, Computed) Description from the schema.
//! ```
//!
//! [`entries`] lists what a block's reference must contain; [`super::consistency`] checks a
//! page against it.

use serde_json::Value as Json;

use super::schema::{Attribute, Block, NestedBlock};

/// Heading that starts the reference in a page.
pub const HEADING: &str = "## Schema";

/// One documented name: where it is, its parenthesised labels and its description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Dotted path of the enclosing block or object (`""` at the top level).
    pub parent: String,
    /// Attribute, block or object field name.
    pub name: String,
    /// Type and Required/Optional/Computed (plus Sensitive, Deprecated), e.g.
    /// `String, Optional, Computed` or `Block List, Max: 10, Optional`.
    pub labels: String,
    /// The schema's description (empty for object fields, which have none).
    pub description: String,
    /// Anchor of its nested schema section, when it has one.
    pub nested_anchor: Option<String>,
    /// Which group it is listed in.
    pub group: Group,
}

/// The groups entries are listed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// Must be set.
    Required,
    /// May be set.
    Optional,
    /// Set by the provider only.
    ReadOnly,
    /// A field of an object-typed attribute.
    Field,
}

impl Group {
    fn title(self) -> &'static str {
        match self {
            Group::Required => "Required",
            Group::Optional => "Optional",
            Group::ReadOnly => "Read-Only",
            Group::Field => "Fields",
        }
    }
}

/// One section of the reference: the entries of the top level or of one nested path.
struct Section {
    path: String,
    entries: Vec<Entry>,
}

/// Every entry the reference of `block` lists, top level first, then each nested path in
/// depth-first order.
pub fn entries(block: &Block) -> Vec<Entry> {
    sections(block)
        .into_iter()
        .flat_map(|section| section.entries)
        .collect()
}

/// The Markdown of the reference of `block`, starting with [`HEADING`].
pub fn render(block: &Block) -> String {
    let mut out = format!("{HEADING}\n");
    for section in sections(block) {
        let nested = !section.path.is_empty();
        if nested {
            out.push_str(&format!(
                "\n<a id=\"{}\"></a>\n### Nested Schema for `{}`\n",
                anchor_of(&section),
                section.path
            ));
        }
        for group in [
            Group::Required,
            Group::Optional,
            Group::ReadOnly,
            Group::Field,
        ] {
            let listed: Vec<&Entry> = section
                .entries
                .iter()
                .filter(|e| e.group == group)
                .collect();
            if listed.is_empty() {
                continue;
            }
            if nested {
                out.push_str(&format!("\n{}:\n\n", group.title()));
            } else {
                out.push_str(&format!("\n### {}\n\n", group.title()));
            }
            for entry in listed {
                out.push_str(&line(entry));
                out.push('\n');
            }
        }
    }
    out
}

/// The reference line of one entry.
pub fn line(entry: &Entry) -> String {
    let mut text = format!("- `{}` ({})", entry.name, entry.labels);
    if !entry.description.is_empty() {
        text.push(' ');
        text.push_str(&entry.description);
    }
    if let Some(anchor) = &entry.nested_anchor {
        text.push_str(&format!(" (see [below for nested schema](#{anchor}))"));
    }
    text
}

/// The anchor of a section: every entry of a section shares the kind of its parent link.
fn anchor_of(section: &Section) -> String {
    section
        .entries
        .first()
        .map(|e| anchor(&section.path, e.group == Group::Field))
        .unwrap_or_default()
}

fn anchor(path: &str, object: bool) -> String {
    let kind = if object { "nestedatt" } else { "nestedblock" };
    format!("{kind}--{}", path.replace('.', "--"))
}

fn sections(block: &Block) -> Vec<Section> {
    let mut out = Vec::new();
    block_sections(block, "", &mut out);
    out
}

fn child_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

/// Appends the section of `block` at `path`, then the sections nested in it.
fn block_sections(block: &Block, path: &str, out: &mut Vec<Section>) {
    let index = out.len();
    out.push(Section {
        path: path.to_string(),
        entries: Vec::new(),
    });
    let mut entries = Vec::new();
    for attribute in &block.attributes {
        let child = child_path(path, &attribute.name);
        let nested = object_fields(&attribute.ty).is_some();
        entries.push(attribute_entry(
            attribute,
            path,
            nested.then(|| anchor(&child, true)),
        ));
        if let Some(fields) = object_fields(&attribute.ty) {
            object_sections(fields, &child, out);
        }
    }
    for nested in &block.blocks {
        let child = child_path(path, &nested.name);
        entries.push(block_entry(nested, path, anchor(&child, false)));
        block_sections(&nested.block, &child, out);
    }
    entries.sort_by_key(|e| e.group);
    out[index].entries = entries;
}

/// Appends the section of an object type's fields at `path`, then those of objects inside them.
fn object_sections(fields: &serde_json::Map<String, Json>, path: &str, out: &mut Vec<Section>) {
    let index = out.len();
    out.push(Section {
        path: path.to_string(),
        entries: Vec::new(),
    });
    let mut entries = Vec::new();
    for (name, ty) in fields {
        let child = child_path(path, name);
        let nested = object_fields(ty);
        entries.push(Entry {
            parent: path.to_string(),
            name: name.clone(),
            labels: type_label(ty),
            description: String::new(),
            nested_anchor: nested.map(|_| anchor(&child, true)),
            group: Group::Field,
        });
        if let Some(inner) = nested {
            object_sections(inner, &child, out);
        }
    }
    out[index].entries = entries;
}

fn attribute_entry(attribute: &Attribute, parent: &str, nested_anchor: Option<String>) -> Entry {
    let mut labels = vec![type_label(&attribute.ty)];
    let group = match (attribute.required, attribute.optional, attribute.computed) {
        (true, _, _) => {
            labels.push("Required".into());
            Group::Required
        }
        (false, true, computed) => {
            labels.push("Optional".into());
            if computed {
                labels.push("Computed".into());
            }
            Group::Optional
        }
        (false, false, _) => {
            labels.push("Computed".into());
            Group::ReadOnly
        }
    };
    if attribute.sensitive {
        labels.push("Sensitive".into());
    }
    if attribute.deprecated {
        labels.push("Deprecated".into());
    }
    Entry {
        parent: parent.to_string(),
        name: attribute.name.clone(),
        labels: labels.join(", "),
        description: attribute.description.clone(),
        nested_anchor,
        group,
    }
}

fn block_entry(nested: &NestedBlock, parent: &str, nested_anchor: String) -> Entry {
    let kind = match nested.nesting.as_str() {
        "list" => "Block List",
        "set" => "Block Set",
        "map" => "Block Map",
        _ => "Block",
    };
    let mut labels = vec![kind.to_string()];
    if nested.min_items > 0 {
        labels.push(format!("Min: {}", nested.min_items));
    }
    if nested.max_items > 0 {
        labels.push(format!("Max: {}", nested.max_items));
    }
    let group = if nested.min_items > 0 {
        labels.push("Required".into());
        Group::Required
    } else {
        labels.push("Optional".into());
        Group::Optional
    };
    if nested.block.deprecated {
        labels.push("Deprecated".into());
    }
    Entry {
        parent: parent.to_string(),
        name: nested.name.clone(),
        labels: labels.join(", "),
        description: nested.block.description.clone(),
        nested_anchor: Some(nested_anchor),
        group,
    }
}

/// The type in words: `String`, `Number`, `Boolean`, `List of String`, `Map of Object`, ….
pub fn type_label(ty: &Json) -> String {
    match ty {
        Json::String(s) => match s.as_str() {
            "string" => "String".into(),
            "number" => "Number".into(),
            "bool" => "Boolean".into(),
            "dynamic" => "Dynamic".into(),
            other => other.to_string(),
        },
        Json::Array(parts) => match (parts.first().and_then(Json::as_str), parts.get(1)) {
            (Some("list"), Some(inner)) => format!("List of {}", type_label(inner)),
            (Some("set"), Some(inner)) => format!("Set of {}", type_label(inner)),
            (Some("map"), Some(inner)) => format!("Map of {}", type_label(inner)),
            (Some("object"), _) => "Object".into(),
            (Some("tuple"), _) => "Tuple".into(),
            _ => ty.to_string(),
        },
        _ => ty.to_string(),
    }
}

/// The fields of an object type, or of the objects a collection type holds.
fn object_fields(ty: &Json) -> Option<&serde_json::Map<String, Json>> {
    let parts = ty.as_array()?;
    match parts.first().and_then(Json::as_str)? {
        "object" => parts.get(1)?.as_object(),
        "list" | "set" | "map" => object_fields(parts.get(1)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attribute(name: &str, ty: Json, flags: (bool, bool, bool)) -> Attribute {
        Attribute {
            name: name.into(),
            ty,
            description: format!("About {name}."),
            required: flags.0,
            optional: flags.1,
            computed: flags.2,
            sensitive: false,
            deprecated: false,
        }
    }

    fn sample() -> Block {
        Block {
            attributes: vec![
                attribute("id", json!("string"), (false, false, true)),
                attribute("mode", json!("string"), (false, true, true)),
                attribute("name", json!("string"), (true, false, false)),
                attribute(
                    "rules",
                    json!(["map", ["object", {"priority": "number", "tags": ["list", "string"]}]]),
                    (false, false, true),
                ),
            ],
            blocks: vec![NestedBlock {
                name: "zone".into(),
                nesting: "list".into(),
                min_items: 2,
                max_items: 10,
                block: Block {
                    description: "A zone.".into(),
                    attributes: vec![Attribute {
                        sensitive: true,
                        ..attribute("key", json!("string"), (false, true, false))
                    }],
                    ..Block::default()
                },
            }],
            ..Block::default()
        }
    }

    #[test]
    fn renders_groups_and_nested_sections() {
        let expected = "## Schema

### Required

- `name` (String, Required) About name.
- `zone` (Block List, Min: 2, Max: 10, Required) A zone. (see [below for nested schema](#nestedblock--zone))

### Optional

- `mode` (String, Optional, Computed) About mode.

### Read-Only

- `id` (String, Computed) About id.
- `rules` (Map of Object, Computed) About rules. (see [below for nested schema](#nestedatt--rules))

<a id=\"nestedatt--rules\"></a>
### Nested Schema for `rules`

Fields:

- `priority` (Number)
- `tags` (List of String)

<a id=\"nestedblock--zone\"></a>
### Nested Schema for `zone`

Optional:

- `key` (String, Optional, Sensitive) About key.
";
        assert_eq!(render(&sample()), expected);
    }

    #[test]
    fn type_labels() {
        assert_eq!(type_label(&json!("bool")), "Boolean");
        assert_eq!(
            type_label(&json!(["set", ["map", "number"]])),
            "Set of Map of Number"
        );
        assert_eq!(type_label(&json!(["object", {}])), "Object");
    }
}

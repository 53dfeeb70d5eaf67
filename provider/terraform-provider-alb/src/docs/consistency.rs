//! Checks that docs and schema agree: every attribute and nested block has a description, every
//! one is documented in its page's reference with its type and Required/Optional/Computed, and
//! nothing is documented that the schema does not have. Reads the pages as text, so a page edited
//! by hand (or left stale) is caught, naming the attribute.

use std::collections::BTreeMap;

use super::reference::{self, Entry, Group};
use super::schema::{Block, ProviderSchemas};

/// Attributes, nested blocks and top-level schemas without a description, one message each
/// (`alb_config: listener.gzip has no description`).
pub fn undescribed(schemas: &ProviderSchemas) -> Vec<String> {
    let mut problems = Vec::new();
    let pages = std::iter::once(("provider", &schemas.provider))
        .chain(schemas.resources.iter().map(|(n, b)| (n.as_str(), b)))
        .chain(schemas.data_sources.iter().map(|(n, b)| (n.as_str(), b)));
    for (page, block) in pages {
        if block.description.trim().is_empty() {
            problems.push(format!("{page}: the schema has no description"));
        }
        undescribed_in(block, "", page, &mut problems);
    }
    problems
}

fn undescribed_in(block: &Block, path: &str, page: &str, problems: &mut Vec<String>) {
    let at = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    for attribute in &block.attributes {
        if attribute.description.trim().is_empty() {
            problems.push(format!(
                "{page}: {} has no description",
                at(&attribute.name)
            ));
        }
    }
    for nested in &block.blocks {
        let child = at(&nested.name);
        if nested.block.description.trim().is_empty() {
            problems.push(format!("{page}: block {child} has no description"));
        }
        undescribed_in(&nested.block, &child, page, problems);
    }
}

/// One reference line as documented: where, its group and the text after the name.
struct Documented {
    parent: String,
    name: String,
    group: Option<Group>,
    labels: String,
    rest: String,
}

/// Differences between the reference of `block` and the `## Schema` section of `markdown` (the
/// page `page`), one message each.
pub fn reference_mismatches(page: &str, block: &Block, markdown: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let documented = match documented_entries(markdown) {
        Ok(documented) => documented,
        Err(problem) => return vec![format!("{page}: {problem}")],
    };
    let mut remaining: BTreeMap<(String, String), Vec<Documented>> = BTreeMap::new();
    for entry in documented {
        let key = (entry.parent.clone(), entry.name.clone());
        remaining.entry(key).or_default().push(entry);
    }
    for expected in reference::entries(block) {
        let shown = dotted(&expected.parent, &expected.name);
        let key = (expected.parent.clone(), expected.name.clone());
        let Some(mut found) = remaining.remove(&key) else {
            problems.push(format!(
                "{page}: `{shown}` ({}) is not documented",
                expected.labels
            ));
            continue;
        };
        if found.len() > 1 {
            problems.push(format!(
                "{page}: `{shown}` is documented {} times",
                found.len()
            ));
        }
        let documented = found.swap_remove(0);
        problems.extend(entry_mismatches(page, &shown, &expected, &documented));
    }
    for (parent, name) in remaining.keys() {
        problems.push(format!(
            "{page}: `{}` is documented but the schema has no such attribute or block",
            dotted(parent, name)
        ));
    }
    problems
}

fn entry_mismatches(
    page: &str,
    shown: &str,
    expected: &Entry,
    documented: &Documented,
) -> Vec<String> {
    let mut problems = Vec::new();
    if documented.labels != expected.labels {
        problems.push(format!(
            "{page}: `{shown}` is documented as ({}) but the schema says ({})",
            documented.labels, expected.labels
        ));
    }
    if documented.group != Some(expected.group) {
        problems.push(format!(
            "{page}: `{shown}` is listed under {:?} but belongs under {:?}",
            documented.group, expected.group
        ));
    }
    let described = expected.group == Group::Field || !documented.rest.trim().is_empty();
    if !described {
        problems.push(format!("{page}: `{shown}` has no description"));
    } else if !documented.rest.starts_with(&expected.description) {
        problems.push(format!(
            "{page}: the description of `{shown}` differs from the schema's"
        ));
    }
    problems
}

fn dotted(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

/// The reference lines of the `## Schema` section, in page order.
fn documented_entries(markdown: &str) -> Result<Vec<Documented>, String> {
    let mut lines = markdown.lines();
    if !lines.any(|l| l == reference::HEADING) {
        return Err(format!("no `{}` section", reference::HEADING));
    }
    let mut parent = String::new();
    let mut group = None;
    let mut found = Vec::new();
    for line in lines {
        if line.starts_with("## ") {
            break;
        }
        if let Some(path) = line
            .strip_prefix("### Nested Schema for `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            parent = path.to_string();
            group = None;
            continue;
        }
        let Some(item) = line.strip_prefix("- `") else {
            let title = line.strip_prefix("### ").or_else(|| line.strip_suffix(':'));
            group = match title {
                Some("Required") => Some(Group::Required),
                Some("Optional") => Some(Group::Optional),
                Some("Read-Only") => Some(Group::ReadOnly),
                Some("Fields") => Some(Group::Field),
                _ => group,
            };
            continue;
        };
        let (name, rest) = item
            .split_once("` (")
            .ok_or_else(|| format!("malformed reference line: {line}"))?;
        let (labels, rest) = rest
            .split_once(')')
            .ok_or_else(|| format!("malformed reference line: {line}"))?;
        found.push(Documented {
            parent: parent.clone(),
            name: name.to_string(),
            group,
            labels: labels.to_string(),
            rest: rest.trim_start().to_string(),
        });
    }
    Ok(found)
}

/// Why a hand-written guide's front matter is not what the registry needs, if it is not: it must
/// start the file and hold a non-empty `page_title` and `description`.
pub fn guide_front_matter_problem(markdown: &str) -> Option<String> {
    let Some(rest) = markdown.strip_prefix("---\n") else {
        return Some("does not start with front matter (`---`)".into());
    };
    let Some((front, _)) = rest.split_once("\n---\n") else {
        return Some("front matter is not closed by `---`".into());
    };
    for key in ["page_title", "description"] {
        let present = front.lines().enumerate().any(|(i, line)| {
            line.strip_prefix(key)
                .and_then(|l| l.strip_prefix(':'))
                .is_some_and(|value| {
                    let value = value.trim().trim_matches('"');
                    let block_scalar = value.starts_with('|') || value.starts_with('>');
                    let next = front.lines().nth(i + 1).unwrap_or_default();
                    if block_scalar {
                        next.starts_with("  ") && !next.trim().is_empty()
                    } else {
                        !value.is_empty()
                    }
                })
        });
        if !present {
            return Some(format!("front matter has no `{key}`"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::schema::{Attribute, NestedBlock};
    use serde_json::json;

    fn block() -> Block {
        Block {
            description: "Thing.".into(),
            attributes: vec![Attribute {
                name: "name".into(),
                ty: json!("string"),
                description: "Its name.".into(),
                required: true,
                optional: false,
                computed: false,
                sensitive: false,
                deprecated: false,
            }],
            blocks: vec![NestedBlock {
                name: "opts".into(),
                nesting: "single".into(),
                min_items: 0,
                max_items: 0,
                block: Block {
                    description: "Options.".into(),
                    ..Block::default()
                },
            }],
            ..Block::default()
        }
    }

    #[test]
    fn a_rendered_reference_matches_its_schema() {
        let page = format!(
            "# x\n\n{}\n## Import\n\n- `ignored` (x)\n",
            reference::render(&block())
        );
        assert_eq!(
            reference_mismatches("x", &block(), &page),
            Vec::<String>::new()
        );
    }

    #[test]
    fn missing_extra_relabelled_and_undescribed_entries_are_named() {
        let page = "## Schema\n\n### Required\n\n- `name` (Number, Required) Its name.\n\n\
                    ### Optional\n\n- `ghost` (String, Optional) Boo.\n";
        assert_eq!(
            reference_mismatches("x", &block(), page),
            [
                "x: `name` is documented as (Number, Required) but the schema says (String, Required)",
                "x: `opts` (Block, Optional) is not documented",
                "x: `ghost` is documented but the schema has no such attribute or block",
            ]
        );
        let bare = "## Schema\n\n### Required\n\n- `name` (String, Required)\n\n### Optional\n\n- `opts` (Block, Optional) Options.\n";
        assert_eq!(
            reference_mismatches("x", &block(), bare),
            ["x: `name` has no description"]
        );
        assert_eq!(
            reference_mismatches("x", &block(), "# x\n"),
            ["x: no `## Schema` section"]
        );
    }

    #[test]
    fn undescribed_names_attributes_and_blocks() {
        let mut b = block();
        b.attributes[0].description.clear();
        b.blocks[0].block.description.clear();
        let schemas = ProviderSchemas {
            provider: Block::default(),
            resources: vec![("x".into(), b)],
            data_sources: Vec::new(),
        };
        assert_eq!(
            undescribed(&schemas),
            [
                "provider: the schema has no description",
                "x: name has no description",
                "x: block opts has no description",
            ]
        );
    }

    #[test]
    fn guide_front_matter() {
        let good =
            "---\npage_title: \"Credentials\"\ndescription: |-\n  How.\n---\n\n# Credentials\n";
        assert_eq!(guide_front_matter_problem(good), None);
        assert_eq!(
            guide_front_matter_problem("# Credentials\n").as_deref(),
            Some("does not start with front matter (`---`)")
        );
        assert_eq!(
            guide_front_matter_problem("---\npage_title: \"C\"\n---\n").as_deref(),
            Some("front matter has no `description`")
        );
    }
}

//! The schemas obey the rules Terraform checks when it loads a provider schema
//! (`configschema.Block.InternalValidate`): otherwise every command fails with "invalid schema".

use terraform_provider_alb::AlbProvider;
use tfplugin::provider::Provider;
use tfplugin::schema::{Block, Nesting};

fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn check(block: &Block, at: &str, problems: &mut Vec<String>) {
    let mut names: Vec<&str> = Vec::new();
    for attr in &block.attributes {
        let name = format!("{at}{}", attr.name);
        if !is_identifier(&attr.name) {
            problems.push(format!("{name}: invalid name"));
        }
        if u8::from(attr.required)
            + u8::from(attr.optional)
            + u8::from(attr.computed && !attr.optional)
            != 1
        {
            problems.push(format!(
                "{name}: exactly one of required, optional, computed"
            ));
        }
        if attr.description.is_empty() {
            problems.push(format!("{name}: no description"));
        }
        names.push(&attr.name);
    }
    for nested in &block.block_types {
        let name = format!("{at}{}", nested.type_name);
        if names.contains(&nested.type_name.as_str()) {
            problems.push(format!("{name}: name used twice"));
        }
        if nested.block.description.is_empty() {
            problems.push(format!("{name}: no description"));
        }
        let (min, max) = (nested.min_items, nested.max_items);
        match nested.nesting {
            Nesting::Single | Nesting::Group if min != max || min > 1 => {
                problems.push(format!(
                    "{name}: single blocks need min_items == max_items (0 or 1)"
                ));
            }
            Nesting::List | Nesting::Set if max != 0 && min > max => {
                problems.push(format!("{name}: min_items above max_items"));
            }
            _ => {}
        }
        names.push(&nested.type_name);
        check(&nested.block, &format!("{name}."), problems);
    }
}

#[test]
fn schemas_pass_terraform_internal_validation() {
    let provider = AlbProvider::new();
    let mut problems = Vec::new();
    check(&provider.schema().block, "provider.", &mut problems);
    for resource in provider.resources() {
        check(
            &resource.schema().block,
            &format!("{}.", resource.type_name()),
            &mut problems,
        );
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

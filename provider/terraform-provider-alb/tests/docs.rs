//! The registry docs (`docs/index.md`, `docs/resources/`, `docs/data-sources/`) are what the
//! schema, `templates/` and `examples/` give, every attribute is described and documented with
//! its type and Required/Optional/Computed, and every guide has front matter.
//! Regenerate with `make docs` (`UPDATE_DOCS=1 cargo test -p terraform-provider-alb --test docs`).

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use serde_json::json;
use terraform_provider_alb::docs::{self, schema::ProviderSchemas};
use terraform_provider_alb::{schema_file, REGISTRY_ADDRESS};

/// Held by each test while it reads the committed pages.
static DOCS: Mutex<()> = Mutex::new(());

/// Locks the committed pages; with `UPDATE_DOCS=1` (`make docs`) first writes them from the
/// schema, so every test of this file sees the regenerated pages.
fn committed_docs() -> MutexGuard<'static, ()> {
    let guard = DOCS.lock().unwrap_or_else(|e| e.into_inner());
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let schemas = docs::provider_schemas().expect("schema document");
        let pages = docs::pages(&root(), &schemas).expect("generate the docs");
        docs::write(&root(), &pages).expect("write the docs");
    }
    guard
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn committed_docs_agree_with_the_schema() {
    let _docs = committed_docs();
    let schemas = docs::provider_schemas().expect("schema document");
    let problems = docs::problems(&root(), &schemas).expect("check the docs");
    assert!(
        problems.is_empty(),
        "the docs disagree with the schema (run `make docs` after describing every attribute):\n{}",
        problems.join("\n")
    );
}

/// The real schema document with `edit` applied to the `alb_config` block.
fn edited_schema(edit: impl FnOnce(&mut serde_json::Value)) -> ProviderSchemas {
    let mut document = schema_file::document();
    edit(
        &mut document["provider_schemas"][REGISTRY_ADDRESS]["resource_schemas"]["alb_config"]
            ["block"],
    );
    ProviderSchemas::from_document(&document).expect("edited schema document")
}

#[test]
fn an_attribute_added_without_description_and_docs_fails_the_check() {
    let _docs = committed_docs();
    let schemas = edited_schema(|block| {
        block["attributes"]["extra"] = json!({"type": ["list", "string"], "optional": true});
    });
    let problems = docs::problems(&root(), &schemas).expect("check the docs");
    assert_eq!(
        problems,
        [
            "alb_config: extra has no description",
            "docs/resources/alb_config.md is stale: run `make docs`",
            "docs/resources/alb_config.md: `extra` (List of String, Optional) is not documented",
        ]
    );
}

#[test]
fn a_documented_attribute_the_schema_lost_or_relabelled_fails_the_check() {
    let _docs = committed_docs();
    let schemas = edited_schema(|block| {
        let attributes = block["attributes"].as_object_mut().expect("attributes");
        attributes.shift_remove("dns_name");
        attributes["vpc_id"]["required"] = json!(false);
        attributes["vpc_id"]["optional"] = json!(true);
    });
    let problems = docs::problems(&root(), &schemas).expect("check the docs");
    assert_eq!(
        problems,
        [
            "docs/resources/alb_config.md is stale: run `make docs`",
            "docs/resources/alb_config.md: `vpc_id` is documented as (String, Required) but the schema says (String, Optional)",
            "docs/resources/alb_config.md: `vpc_id` is listed under Some(Required) but belongs under Optional",
            "docs/resources/alb_config.md: `dns_name` is documented but the schema has no such attribute or block",
        ]
    );
}

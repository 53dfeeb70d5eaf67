//! `schemas/provider.json` must match the schema the provider serves.
//! Regenerate it with `UPDATE_SCHEMAS=1 cargo test -p terraform-provider-alb`.

use std::path::PathBuf;

fn schema_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/provider.json")
}

#[test]
fn checked_in_schema_is_current() {
    let generated = terraform_provider_alb::schema_file::render();
    let path = schema_file();
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &generated).expect("write schemas/provider.json");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{} is stale: the provider schema changed. Run `UPDATE_SCHEMAS=1 cargo test -p \
         terraform-provider-alb` and commit the updated file.",
        path.display()
    );
}

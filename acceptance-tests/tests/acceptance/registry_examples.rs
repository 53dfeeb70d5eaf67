//! The registry examples the docs pages include — `examples/provider/provider.tf`,
//! `examples/resources/<type>/resource.tf`, `examples/data-sources/<type>/data-source.tf` — and the
//! `import {}` blocks of the generated resource pages are `terraform fmt`-clean and pass
//! `terraform validate` with the real provider, all in one configuration (the resource examples
//! refer to each other, e.g. `alb_config.main.id`).

use std::path::{Path, PathBuf};

use acceptance_tests::harness::Workdir;

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The files named `file` in each subdirectory of `dir` (none when `dir` does not exist).
fn per_type(dir: &Path, file: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| Some(entry.ok()?.path().join(file)))
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Every registry example configuration: the provider's, then each resource's and data source's.
fn registry_examples() -> Vec<PathBuf> {
    let examples = repository().join("examples");
    let mut files = vec![examples.join("provider/provider.tf")];
    files.extend(per_type(&examples.join("resources"), "resource.tf"));
    files.extend(per_type(&examples.join("data-sources"), "data-source.tf"));
    files
}

/// The ` ```terraform ` code blocks of `markdown` that are `import {}` blocks.
fn import_blocks(markdown: &str) -> Vec<String> {
    markdown
        .split("```terraform\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(code, _)| code))
        .filter(|code| code.starts_with("import {"))
        .map(str::to_string)
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

#[test]
fn registry_examples_are_formatted_and_valid() {
    let wd = Workdir::new();
    let examples = registry_examples();
    assert!(
        examples.len() >= 3,
        "provider, alb_config and alb_ingress examples: {examples:?}"
    );
    for (index, example) in examples.iter().enumerate() {
        let name = format!("example-{index}.tf");
        std::fs::write(wd.path().join(name), read(example)).expect("write example");
    }
    let mut imports = Vec::new();
    for entry in std::fs::read_dir(repository().join("docs/resources")).expect("docs/resources") {
        let page = entry.expect("page").path();
        let blocks = import_blocks(&read(&page));
        assert_eq!(blocks.len(), 1, "one import block in {}", page.display());
        imports.extend(blocks);
    }
    std::fs::write(wd.path().join("imports.tf"), imports.concat()).expect("write imports");

    let fmt = wd.run(&["fmt", "-check", "-diff", "-no-color"]);
    assert_eq!(
        fmt.code,
        0,
        "terraform fmt -check of the registry examples ({examples:?}):\n{}",
        fmt.combined()
    );
    wd.validate()
        .assert_success("terraform validate of the registry examples and import blocks");
}

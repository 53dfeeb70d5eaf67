//! Registry docs generated from the provider schema (our counterpart of HashiCorp's
//! tfplugindocs): `docs/index.md`, `docs/resources/<type>.md` and `docs/data-sources/<type>.md`,
//! each from a hand-written template under `templates/`, the examples under `examples/` and the
//! schema's descriptions. Guides (`docs/guides/`) stay hand-written.
//!
//! `make docs` writes the pages (the test `docs` with `UPDATE_DOCS=1`); the same test fails when a
//! committed page differs from what the schema and templates give ([`problems`]).
//!
//! - [`schema`] — the schema JSON read into blocks and attributes;
//! - [`reference`] — the generated attribute reference of a block;
//! - [`page`] — front matter, templates, example and import sections;
//! - [`consistency`] — docs against schema: descriptions, documented attributes, guides.

pub mod consistency;
pub mod page;
pub mod reference;
pub mod schema;

use std::path::{Path, PathBuf};

use page::Kind;
use schema::ProviderSchemas;

/// Directory of the hand-written guides.
pub const GUIDES_DIR: &str = "docs/guides";

/// The directories whose pages are all generated.
const GENERATED_DIRS: [&str; 2] = ["docs/resources", "docs/data-sources"];

/// Why the docs could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file, relative to the repository root.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A template or example is not usable.
    #[error("{path}: {message}")]
    Template {
        /// The file, relative to the repository root.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The schema document has an unexpected shape.
    #[error("provider schema: {0}")]
    Schema(String),
}

impl DocsError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        DocsError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A generated page: its path under the repository root and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// Path relative to the repository root, e.g. `docs/resources/alb_config.md`.
    pub path: PathBuf,
    /// The Markdown.
    pub text: String,
}

/// The schemas of this provider, as [`crate::schema_file::document`] describes them.
pub fn provider_schemas() -> Result<ProviderSchemas, DocsError> {
    ProviderSchemas::from_document(&crate::schema_file::document())
}

/// Every generated page for `schemas`, reading templates and examples under `root`.
pub fn pages(root: &Path, schemas: &ProviderSchemas) -> Result<Vec<Page>, DocsError> {
    let kinds = std::iter::once((Kind::Provider, &schemas.provider))
        .chain(
            schemas
                .resources
                .iter()
                .map(|(name, block)| (Kind::Resource(name), block)),
        )
        .chain(
            schemas
                .data_sources
                .iter()
                .map(|(name, block)| (Kind::DataSource(name), block)),
        );
    kinds
        .map(|(kind, block)| {
            Ok(Page {
                path: kind.page_path(),
                text: page::render(root, kind, block)?,
            })
        })
        .collect()
}

/// Writes `pages` under `root` and removes pages of the generated directories that are not among
/// them (a resource or data source that no longer exists).
pub fn write(root: &Path, pages: &[Page]) -> Result<(), DocsError> {
    for page in pages {
        let path = root.join(&page.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| DocsError::io(&page.path, e))?;
        }
        std::fs::write(&path, &page.text).map_err(|e| DocsError::io(&page.path, e))?;
    }
    for stale in unexpected_pages(root, pages)? {
        std::fs::remove_file(root.join(&stale)).map_err(|e| DocsError::io(&stale, e))?;
    }
    Ok(())
}

/// Everything in which the committed docs under `root` disagree with `schemas`, one message each:
/// stale or extra generated pages, schema entries without a description, reference sections that
/// miss, invent or mislabel attributes, guides without front matter.
pub fn problems(root: &Path, schemas: &ProviderSchemas) -> Result<Vec<String>, DocsError> {
    let mut problems = consistency::undescribed(schemas);
    let pages = pages(root, schemas)?;
    for page in &pages {
        let shown = page.path.display();
        match std::fs::read_to_string(root.join(&page.path)) {
            Ok(text) if text == page.text => {}
            Ok(_) => problems.push(format!("{shown} is stale: run `make docs`")),
            Err(_) => problems.push(format!("{shown} is missing: run `make docs`")),
        }
    }
    for stale in unexpected_pages(root, &pages)? {
        problems.push(format!(
            "{} documents nothing the schema has: run `make docs`",
            stale.display()
        ));
    }
    let documented = std::iter::once((Kind::Provider, &schemas.provider))
        .chain(
            schemas
                .resources
                .iter()
                .map(|(n, b)| (Kind::Resource(n), b)),
        )
        .chain(
            schemas
                .data_sources
                .iter()
                .map(|(n, b)| (Kind::DataSource(n), b)),
        );
    for (kind, block) in documented {
        let path = kind.page_path();
        if let Ok(text) = std::fs::read_to_string(root.join(&path)) {
            let shown = path.display().to_string();
            problems.extend(consistency::reference_mismatches(&shown, block, &text));
        }
    }
    for guide in markdown_files(root, Path::new(GUIDES_DIR))? {
        let text =
            std::fs::read_to_string(root.join(&guide)).map_err(|e| DocsError::io(&guide, e))?;
        if let Some(problem) = consistency::guide_front_matter_problem(&text) {
            problems.push(format!("{}: {problem}", guide.display()));
        }
    }
    Ok(problems)
}

/// Markdown files in the generated directories that are not among `pages`.
fn unexpected_pages(root: &Path, pages: &[Page]) -> Result<Vec<PathBuf>, DocsError> {
    let mut unexpected = Vec::new();
    for dir in GENERATED_DIRS {
        for file in markdown_files(root, Path::new(dir))? {
            if !pages.iter().any(|p| p.path == file) {
                unexpected.push(file);
            }
        }
    }
    Ok(unexpected)
}

/// The `.md` files directly in `dir` (relative to `root`), sorted; none when it does not exist.
fn markdown_files(root: &Path, dir: &Path) -> Result<Vec<PathBuf>, DocsError> {
    let entries = match std::fs::read_dir(root.join(dir)) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(DocsError::io(dir, e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let name = entry.map_err(|e| DocsError::io(dir, e))?.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".md") {
            files.push(dir.join(name.as_ref()));
        }
    }
    files.sort();
    Ok(files)
}

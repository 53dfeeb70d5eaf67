//! Diagnostics (errors and warnings) with optional attribute paths.

use std::fmt;

/// A path to a value inside a resource or provider configuration,
/// e.g. `listener[1].port`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct AttributePath(pub Vec<PathStep>);

/// One step of an [`AttributePath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// An object attribute or nested block name.
    Attr(String),
    /// A list or tuple index.
    Index(i64),
    /// A map key (or map-nested block label).
    Key(String),
}

impl AttributePath {
    /// The empty path (the whole object).
    pub fn root() -> Self {
        AttributePath(Vec::new())
    }

    /// Append an attribute step.
    pub fn attr(mut self, name: &str) -> Self {
        self.0.push(PathStep::Attr(name.to_string()));
        self
    }

    /// Append a list index step.
    pub fn index(mut self, i: i64) -> Self {
        self.0.push(PathStep::Index(i));
        self
    }

    /// Append a map key step.
    pub fn key(mut self, k: &str) -> Self {
        self.0.push(PathStep::Key(k.to_string()));
        self
    }

    /// Append an arbitrary step (non-consuming helper for walkers).
    pub fn child(&self, step: PathStep) -> Self {
        let mut p = self.clone();
        p.0.push(step);
        p
    }

    /// True for the empty path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attr(name) if i == 0 => write!(f, "{name}")?,
                PathStep::Attr(name) => write!(f, ".{name}")?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
                PathStep::Key(k) => write!(f, "[{k:?}]")?,
            }
        }
        Ok(())
    }
}

/// Diagnostic severity.
#[derive(Clone, Debug, PartialEq, Eq, Copy)]
pub enum Severity {
    /// Fails the operation.
    Error,
    /// Shown to the user, does not fail.
    Warning,
}

/// One error or warning for the user.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Short one-line summary.
    pub summary: String,
    /// Longer explanation (may be empty).
    pub detail: String,
    /// Attribute the diagnostic is about; `None` means the whole block.
    pub attribute: Option<AttributePath>,
}

impl Diagnostic {
    /// An error diagnostic.
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            attribute: None,
        }
    }

    /// A warning diagnostic.
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            attribute: None,
        }
    }

    /// Attach the diagnostic to an attribute path.
    pub fn at(mut self, path: AttributePath) -> Self {
        self.attribute = Some(path);
        self
    }
}

/// An ordered collection of diagnostics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Add one diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// True if any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// Append all diagnostics of `o`.
    pub fn extend(&mut self, o: Diagnostics) {
        self.0.extend(o.0);
    }

    /// True if there are no diagnostics.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Iterate over the diagnostics.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics(iter.into_iter().collect())
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_display() {
        let p = AttributePath::root()
            .attr("listener")
            .index(1)
            .attr("tags")
            .key("env");
        assert_eq!(p.to_string(), r#"listener[1].tags["env"]"#);
        assert_eq!(AttributePath::root().to_string(), "");
    }

    #[test]
    fn has_errors_only_for_errors() {
        let mut d = Diagnostics::default();
        assert!(d.is_empty());
        d.push(Diagnostic::warning("w", ""));
        assert!(!d.has_errors());
        d.extend(
            Diagnostic::error("e", "x")
                .at(AttributePath::root().attr("a"))
                .into(),
        );
        assert!(d.has_errors());
        assert_eq!(d.len(), 2);
    }
}

//! Model errors as Terraform diagnostics, shared by both resources.

use model::{AttrPath, ExpandError};
use tfplugin::diag::{AttributePath, Diagnostic};

/// An error diagnostic for an expansion error, at its attribute path.
pub(crate) fn expand_diagnostic(error: &ExpandError) -> Diagnostic {
    Diagnostic::error("Invalid configuration", error.to_string()).at(attribute_path(error.path()))
}

/// A model attribute path as a Terraform one (numeric steps are list indexes).
pub(crate) fn attribute_path(path: &AttrPath) -> AttributePath {
    path.0
        .iter()
        .fold(AttributePath::root(), |p, step| match step.parse::<i64>() {
            Ok(i) => p.index(i),
            Err(_) => p.attr(step),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_steps_become_list_indexes() {
        assert_eq!(
            attribute_path(&AttrPath::root().attr("listener").index(2).attr("acl")).to_string(),
            "listener[2].acl"
        );
    }
}

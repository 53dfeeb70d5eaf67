//! Errors of validation and expansion, carrying the attribute path they point at.

use std::fmt;

use crate::desired::{IngressId, ListenerKey};

/// An attribute path in the resource configuration, e.g. `["rule", "0", "path", "1", "backend"]`.
/// Numeric steps are list indexes; the provider turns the path into a Terraform diagnostic path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttrPath(pub Vec<String>);

impl AttrPath {
    /// The resource itself.
    pub fn root() -> Self {
        Self::default()
    }
    /// Appends an attribute name.
    pub fn attr(mut self, name: &str) -> Self {
        self.0.push(name.to_owned());
        self
    }
    /// Appends a list index.
    pub fn index(mut self, i: usize) -> Self {
        self.0.push(i.to_string());
        self
    }
}

impl fmt::Display for AttrPath {
    /// Renders `rule[0].path[1].backend`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            if step.bytes().all(|b| b.is_ascii_digit()) && !step.is_empty() {
                write!(f, "[{step}]")?;
            } else if i == 0 {
                f.write_str(step)?;
            } else {
                write!(f, ".{step}")?;
            }
        }
        Ok(())
    }
}

/// Why a spec cannot be expanded. Every variant that concerns one attribute carries its path.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    /// An attribute value is invalid.
    #[error("{path}: {message}")]
    Invalid {
        /// Where.
        path: AttrPath,
        /// What is wrong, in words a Terraform user understands.
        message: String,
    },
    /// The ingress needs a listener the alb_config does not declare (ACK: "listener is not exist in alb").
    #[error("listener {listener} is not declared in the alb_config (listener is not exist in alb); add listener {{ protocol = \"{}\", port = {} }} to the alb_config", listener.protocol, listener.port)]
    MissingListener {
        /// The attribute that makes the ingress land on the listener.
        path: AttrPath,
        /// The missing listener.
        listener: ListenerKey,
    },
    /// The ingress needs more priorities on a listener than fit below 10000.
    #[error("alb_ingress {ingress} needs {rules} rules on listener {listener}, but order {order} starts its priorities at {first} and ALB priorities end at 10000; choose a lower order")]
    BandOverflow {
        /// Points at `order`.
        path: AttrPath,
        /// The ingress.
        ingress: IngressId,
        /// The listener.
        listener: ListenerKey,
        /// The ingress order.
        order: u32,
        /// First priority of the band.
        first: u32,
        /// Number of rules the ingress needs on the listener.
        rules: usize,
    },
    /// An ingress without `order` finds no order whose band is free on all its listeners.
    #[error("alb_ingress {ingress} has no `order` and no order from 10 to 1000 has its priorities free on {}: set `order` to a band that is free, or free one", listeners.iter().map(ToString::to_string).collect::<Vec<_>>().join(" and "))]
    NoFreeOrder {
        /// Points at `order`.
        path: AttrPath,
        /// The ingress.
        ingress: IngressId,
        /// Its listeners.
        listeners: Vec<ListenerKey>,
    },
}

impl ExpandError {
    /// The attribute path the error points at (empty = the whole resource).
    pub fn path(&self) -> &AttrPath {
        match self {
            Self::Invalid { path, .. }
            | Self::MissingListener { path, .. }
            | Self::BandOverflow { path, .. }
            | Self::NoFreeOrder { path, .. } => path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_display() {
        let p = AttrPath::root()
            .attr("rule")
            .index(0)
            .attr("path")
            .index(1)
            .attr("backend");
        assert_eq!(p.to_string(), "rule[0].path[1].backend");
        assert_eq!(p.0, ["rule", "0", "path", "1", "backend"]);
    }
}

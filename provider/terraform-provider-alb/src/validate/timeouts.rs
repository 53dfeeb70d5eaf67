//! The `timeouts` block: every operation's limit is a duration like `30s`, `10m` or `1h30m`.

use tfplugin::diag::Diagnostics;

use super::check::{format, Node};
use super::formats::is_duration;
use crate::resources::timeouts::OPERATIONS;

/// Checks the `timeouts` block of a resource configuration.
pub fn check(d: &mut Diagnostics, root: &Node) {
    let Some(timeouts) = root.block("timeouts") else {
        return;
    };
    for operation in OPERATIONS {
        format(
            d,
            &timeouts.attr(operation),
            "timeout",
            is_duration,
            "a positive duration like `30s`, `10m` or `1h30m`",
        );
    }
}

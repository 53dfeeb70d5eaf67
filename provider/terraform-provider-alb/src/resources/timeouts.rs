//! The `timeouts` block shared by both resources.

use tfplugin::schema::{Block, NestedBlock};

use crate::schema_kit::opt_str;

/// Names of the operations a `timeouts` block can bound.
pub const OPERATIONS: &[&str] = &["create", "update", "delete"];

/// The `timeouts` SINGLE block; `default` is shown in the descriptions.
pub fn block(default: &str) -> NestedBlock {
    let block = OPERATIONS.iter().fold(
        Block::new().describe(
            "How long each operation may take before it fails, as a duration like `30s`, `10m` or `1h30m`.",
        ),
        |block, operation| {
            block.attr(opt_str(
                operation,
                &format!("Time limit of {operation}. Default `{default}`."),
            ))
        },
    );
    NestedBlock::single("timeouts", block)
}

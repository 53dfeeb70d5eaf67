//! Process entry point: CLI flags, go-plugin handshake and transport.

use std::process::ExitCode;
use std::sync::Arc;

use crate::provider::Provider;

/// What `main()` passes to [`serve`].
#[derive(Clone, Copy, Debug)]
pub struct ServeOpts {
    /// Binary name, e.g. "terraform-provider-alb".
    pub name: &'static str,
    /// Version string printed by `--version`.
    pub version: &'static str,
    /// Registry address, e.g. "registry.terraform.io/example/alb".
    pub address: &'static str,
    /// One-line description printed by `--help`.
    pub about: &'static str,
}

/// Parse CLI flags, check the magic cookie, set up logging and serve until
/// Shutdown. (Transport is being written; this placeholder refuses to run.)
pub fn serve(opts: ServeOpts, _provider: Arc<dyn Provider>) -> ExitCode {
    eprintln!("{}: server not implemented yet", opts.name);
    ExitCode::FAILURE
}

//! `alb-member-sync`: keeps the members of the server groups marked `member_sync = "agent"` in
//! step with the cluster. See the crate documentation of `alb_member_sync`.

use std::process::ExitCode;

use alb_member_sync::{run, Args};
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    alb_member_sync::logs::init(args.log_format);
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "alb-member-sync stopped");
            ExitCode::FAILURE
        }
    }
}

//! The `plan-report` subcommand: arguments, input, output and exit codes.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, FromArgMatches};

/// Exit code when something needs attention.
pub const EXIT_ATTENTION: u8 = 2;

/// Arguments of `plan-report`.
#[derive(Debug, Args)]
pub struct PlanReportArgs {
    /// JSON plan (`terraform show -json PLANFILE`); `-` or nothing reads standard input.
    #[arg(value_name = "PLAN_JSON_PATH")]
    pub path: Option<PathBuf>,
    /// Exit 0 even when something needs attention (default: exit 2 then).
    #[arg(long)]
    pub no_attention_exit: bool,
}

/// The subcommand for the provider binary's CLI.
pub fn subcommand() -> tfplugin::server::Subcommand {
    tfplugin::server::Subcommand {
        // `about` after `augment_args`, which would put the struct's doc comment there.
        command: PlanReportArgs::augment_args(clap::Command::new("plan-report"))
            .about("Print a Markdown review of a Terraform JSON plan's ALB changes")
            .long_about(
                "Reads `terraform show -json PLANFILE` (a path, or standard input) and prints \
                 Markdown for a pull-request comment: per load balancer and listener the rules \
                 added, changed and removed, server groups and member counts, listener and ACL \
                 changes, and a \"needs attention\" list. Exit code 0, 2 when something needs \
                 attention (unless --no-attention-exit), 1 on bad input.",
            ),
        run,
    }
}

fn run(matches: &clap::ArgMatches) -> ExitCode {
    let args = match PlanReportArgs::from_arg_matches(matches) {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return ExitCode::FAILURE;
        }
    };
    let (source, text) = match read_input(args.path.as_deref()) {
        Ok(input) => input,
        Err(message) => {
            eprintln!("plan-report: {message}");
            return ExitCode::FAILURE;
        }
    };
    match super::report(&text) {
        Ok(report) => {
            print!("{}", report.markdown);
            if report.attention.is_empty() || args.no_attention_exit {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_ATTENTION)
            }
        }
        Err(e) => {
            eprintln!("plan-report: {source}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The input's name for messages and its text.
fn read_input(path: Option<&std::path::Path>) -> Result<(String, String), String> {
    match path {
        None => read_stdin(),
        Some(p) if p.as_os_str() == "-" => read_stdin(),
        Some(p) => std::fs::read_to_string(p)
            .map(|text| (p.display().to_string(), text))
            .map_err(|e| format!("cannot read {}: {e}", p.display())),
    }
}

fn read_stdin() -> Result<(String, String), String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(("standard input".to_owned(), text))
}

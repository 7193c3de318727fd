//! `hubsync`: parse, start logging and the runtime, run, and turn an error into exit status 1
//! (2 for a command line that can't be parsed, 3 for a live run a guardrail held).

use std::process::ExitCode;

use clap::Parser;
use hubsync_cli::cli::Cli;
use hubsync_cli::error::CliError;
use hubsync_cli::output::{OUTPUT_CLOSED_STATUS, output_closed, print_error};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return parse_failure(error),
    };
    init_logging();
    let json = cli.json;
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(hubsync_cli::run(cli)));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        // `| head -1` read what it wanted: nothing to say, and nowhere to say it.
        Err(error) if output_closed(&error) => ExitCode::from(OUTPUT_CLOSED_STATUS),
        Err(error) if error.downcast_ref::<hubsync_cli::error::Reported>().is_some() => ExitCode::from(1),
        Err(ref error) if let Some(exit) = error.downcast_ref::<hubsync_cli::error::ExitWith>() => {
            ExitCode::from(exit.0)
        }
        Err(error) => {
            let error = CliError::from_anyhow(&error);
            print_error(&error, json);
            ExitCode::from(error.exit_status())
        }
    }
}

/// Help and version print as clap prints them; a bad command line is a `usage` error, as JSON
/// when `--json` was among the arguments.
fn parse_failure(error: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let wants_json = std::env::args_os().any(|a| a == "--json");
    if wants_json && !matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        print_error(&CliError::usage(one_line(&error)), true);
        return ExitCode::from(2);
    }
    let _ = error.print();
    ExitCode::from(error.exit_code().clamp(0, 255) as u8)
}

/// Clap's message on one line, without its `error: ` prefix and the usage that follows.
fn one_line(error: &clap::Error) -> String {
    let text = error.render().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    let message = text.split("\n\n").next().unwrap_or_default();
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Logs go to stderr, filtered by `HUBSYNC_LOG` (default `warn`). Nothing logs a token: it is
/// held in a `Secret`, which prints as `[redacted]`.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HUBSYNC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A closed stderr drops log lines; reporting that on stderr would panic.
        .log_internal_errors(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}

//! The `hubsync` command line: connect to HubSpot, manage the lead store the desktop app uses,
//! and push leads with a preview first. `main.rs` only parses, builds the runtime and maps errors to an exit status; the
//! commands live here so they can be reused and tested.

pub mod cli;
pub mod commands;
pub mod context;
pub mod error;
pub mod output;

use cli::{Cli, Command};
use context::Context;

/// Runs one parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut ctx = Context::open(cli.db, cli.json)?;
    // `connect` names a token's missing scope for the connection it makes, not the active one.
    let uses_active_portal = !matches!(cli.command, Command::Connect(_));
    let outcome = match cli.command {
        Command::Connect(args) => commands::connect::run(&mut ctx, args).await,
        Command::Portals(command) => commands::portals::run(&mut ctx, command).await,
        Command::TestConnection => commands::connect::test_connection(&mut ctx).await,
        Command::Status => commands::status::run(&ctx).await,
        Command::Fields(command) => commands::fields::run(&mut ctx, command).await,
        Command::Leads(command) => commands::leads::run(&mut ctx, command),
        Command::Mapping(command) => commands::mapping::run(&mut ctx, command).await,
        Command::Rules(command) => commands::rules::run(&mut ctx, command).await,
        Command::Companies(command) => commands::companies::run(&mut ctx, command).await,
        Command::Push(args) => commands::push::run(&mut ctx, args).await,
        Command::Owners(cli::OwnersCommand::List) => commands::owners::list(&mut ctx).await,
        Command::Config(command) => commands::config::run(&mut ctx, command).await,
        Command::Pull(args) => commands::pull::run(&mut ctx, args).await,
        Command::Runs(command) => commands::runs::run(&mut ctx, command).await,
        Command::Guardrails(flags) => commands::guardrails::run(&mut ctx, flags).await,
        Command::Schedule(command) => commands::schedule::run(&mut ctx, command).await,
        Command::Disconnect(args) => commands::connect::disconnect(&mut ctx, args).await,
    };
    // Whatever the command's outcome, a refresh token HubSpot refused is remembered.
    let settled = ctx.settle();
    let portal = if uses_active_portal { ctx.store().active_portal().ok().flatten() } else { None };
    outcome.and(settled).map_err(|e| error::locate_store(error::fix_missing_scopes(e, portal.as_ref()), ctx.db_path()))
}

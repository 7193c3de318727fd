//! `hubsync rules push [--update on|off] [--create on|off]` and
//! `hubsync rules pull [--all | --filter 'PROPERTY OP VALUE' …] [--new-only] [--modified-since DATE]`.

use hubsync_store::PushRules;
use hubsync_sync::pull_rules::{self, Condition, PullRules};
use serde::Serialize;

use hubsync_api::config;

use crate::cli::{PullRulesArgs, RulesCommand};
use crate::context::Context;
use crate::error::{CliError, codes};
use crate::output::{emit, on_off, pairs};

/// `rules pull --json`: the rules, and the HubSpot search filters they compile to (when they
/// were checked against the portal).
#[derive(Debug, Serialize)]
pub struct PullRulesReport {
    pub rules: PullRules,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<serde_json::Value>>,
}

pub async fn run(ctx: &mut Context, command: RulesCommand) -> anyhow::Result<()> {
    match command {
        RulesCommand::Push(args) => {
            let rules = if args.update.is_none() && args.create.is_none() {
                config::push_rules(&ctx.ws).await?
            } else {
                config::set_push_rules(&ctx.ws, args.update.map(Into::into), args.create.map(Into::into)).await?
            };
            emit(ctx.json, &rules, render_push)
        }
        RulesCommand::Pull(args) => pull(ctx, args).await,
    }
}

async fn pull(ctx: &mut Context, args: PullRulesArgs) -> anyhow::Result<()> {
    let changes =
        args.all || !args.filter.is_empty() || args.new_only || args.modified_since.is_some() || args.since_last_pull;
    if !changes {
        let rules = hubsync_api::pull_rules::load(&ctx.ws).await?;
        return emit(ctx.json, &PullRulesReport { rules, filters: None }, |r| render_pull(&r.rules));
    }
    let conditions = args
        .filter
        .iter()
        .map(|f| Condition::parse(f).map_err(|e| CliError::new(codes::INVALID_RULE, e)))
        .collect::<Result<Vec<_>, _>>()?;
    let modified_since = args
        .modified_since
        .as_deref()
        .map(|d| pull_rules::parse_instant(d).map_err(|e| CliError::new(codes::INVALID_RULE, e)))
        .transpose()?;
    let rules =
        PullRules { conditions, new_only: args.new_only, modified_since, since_last_pull: args.since_last_pull };
    // Conditions are checked against the live portal (the application layer's one check, the
    // app's too): a rule HubSpot can't take is refused now, not mid-pull. Without any (every
    // contact, new or modified since), no connection is needed.
    let saved = hubsync_api::pull_rules::save(&ctx.ws, rules).await?;
    if !saved.saved {
        let reason =
            saved.problems.into_iter().next().map(|p| p.message).unwrap_or_else(|| "the rules can't be used".into());
        return Err(CliError::new(codes::INVALID_RULE, format!("HubSpot can't take this pull rule: {reason}")).into());
    }
    let report = PullRulesReport { rules: saved.rules, filters: Some(saved.filters) };
    emit(ctx.json, &report, |r| render_pull(&r.rules))
}

fn render_push(rules: &PushRules) -> String {
    pairs(&[
        ("update", format!("{} (change the contact a lead matches)", on_off(rules.update))),
        ("create", format!("{} (add a contact when none matches)", on_off(rules.create))),
    ])
}

fn render_pull(rules: &PullRules) -> String {
    let contacts = if rules.conditions.is_empty() {
        "every contact".to_string()
    } else {
        rules.conditions.iter().map(Condition::describe).collect::<Vec<_>>().join(" AND ")
    };
    pairs(&[
        ("contacts", contacts),
        ("new only", on_off(rules.new_only).to_string()),
        ("modified since", rules.modified_since.map(|t| t.to_rfc3339()).unwrap_or_else(|| "-".into())),
        ("since last pull", on_off(rules.since_last_pull).to_string()),
    ])
}

//! `hubsync pull --preview` and `hubsync pull [--yes]`: HubSpot contacts into the lead store,
//! through the pull rules and the mapping in reverse.

use hubsync_api::plans::CONCURRENCY;
use hubsync_api::{Plan, PlanRequest};
use hubsync_hubspot::describe_scopes;
use hubsync_store::PulledRelated;
use hubsync_sync::{Estimate, PreparedPull, PullAction, PullCounts, PullItem, PullSkip, RelatedPart, pull_item};
use serde::Serialize;

use crate::cli::PullArgs;
use crate::commands::guardrails;
use crate::commands::push::{Bars, confirmed, duration_words, stop_signals};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{JournalItems, Table, confirm_write, pairs, try_emit};

/// `pull --preview --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullPreview<'a> {
    pub run_id: i64,
    pub mode: &'static str,
    pub counts: &'a PullCounts,
    pub api_calls: u64,
    /// What the live pull costs: it reads the same pages again.
    pub estimate: &'a Estimate,
    pub items: JournalItems<'a, PullItem>,
    /// The guardrails the plan crosses: its live run would be held.
    pub crossed: Vec<hubsync_store::Crossing>,
}

pub async fn run(ctx: &mut Context, args: PullArgs) -> anyhow::Result<()> {
    let (connection, client) = ctx.connected(|_| {}).await?;
    let limits = guardrails::limits_for(ctx, &args.limits)?;
    // Ctrl-C stops the preview between pages, and the live pull between chunks (resumable).
    let cancel = stop_signals(ctx, connection.portal_id);
    let mut bars = Bars::new(ctx.json);
    let plan =
        Plan::prepare(&mut ctx.store(), &client, PlanRequest::Pull, CONCURRENCY, &cancel, &mut |p| bars.update(p))
            .await?;
    bars.finish();
    let Plan::Pull(prepared) = &plan else { unreachable!("a pull request plans a pull") };
    if args.preview || plan.writes() == 0 {
        let run_id = plan.record(&mut ctx.store())?;
        let crossed = guardrails::crossed(ctx, run_id, &limits)?;
        guardrails::warn_crossed(ctx.json, &crossed);
        let store = ctx.store();
        let report = PullPreview {
            run_id,
            mode: "preview",
            counts: &prepared.counts,
            api_calls: prepared.plan.api_calls,
            estimate: &prepared.plan.estimate,
            items: JournalItems::new(&store, run_id, pull_item),
            crossed,
        };
        return try_emit(ctx.json, &report, |r| preview_text(r, connection.portal_id));
    }
    guardrails::hold_if_crossed(ctx, &plan, &PlanRequest::Pull, &limits)?;
    if let Err(error) = confirmed(&cancel, || confirm(&args, connection.portal_id, prepared)) {
        plan.discard(&mut ctx.store())?;
        return Err(error);
    }
    let mut bars = Bars::new(ctx.json);
    let run = plan.run(&mut ctx.store(), &client, CONCURRENCY, &limits, &cancel, &mut |p| bars.update(p)).await?;
    bars.finish();
    crate::commands::push::finish(ctx, run)
}

/// A row's company (the company, then each company field it sets) and deals, as preview lines
/// `(field, now, new)`.
fn related_lines(related: Option<&PulledRelated>) -> Vec<(String, String, String)> {
    let Some(related) = related else { return Vec::new() };
    let mut lines = Vec::new();
    if let Some(company) = &related.company {
        let named = company
            .name
            .clone()
            .or_else(|| company.domain.clone())
            .unwrap_or_else(|| company.hubspot_company_id.clone());
        let state = if company.company_id.is_some() { "" } else { " (new)" };
        lines.push(("(company)".to_string(), String::new(), format!("{named}{state}")));
        for change in &company.changes {
            let after = change.after.clone().unwrap_or_else(|| "(kept: the company's value is not empty)".into());
            lines.push((format!("company {}", change.field), change.before.clone().unwrap_or_default(), after));
        }
    }
    if related.company_dropped.is_some() {
        lines.push(("(company)".to_string(), String::new(), "(none: the contact has no company now)".into()));
    }
    if let Some(deals) = &related.deals {
        let open = deals.iter().filter(|d| !d.closed).count();
        lines.push(("(deals)".to_string(), String::new(), format!("{} ({open} open)", deals.len())));
    }
    lines
}

fn confirm(args: &PullArgs, portal_id: u64, prepared: &PreparedPull) -> Result<(), CliError> {
    if args.yes {
        return Ok(());
    }
    let question = format!(
        "Write to the lead store from portal {portal_id}: add {} leads and update {} (read with {} API calls)?",
        prepared.counts.new, prepared.counts.update, prepared.plan.api_calls
    );
    confirm_write("pull", &question)
}

fn preview_text(report: &PullPreview<'_>, portal_id: u64) -> anyhow::Result<String> {
    let c = report.counts;
    let mut out = format!("Pull preview (run {}), portal {portal_id}: nothing was written.\n\n", report.run_id);
    out.push_str(&pairs(&[
        ("new leads", c.new.to_string()),
        ("updated leads", c.update.to_string()),
        ("unchanged", c.unchanged.to_string()),
        ("no email (skipped)", c.no_email.to_string()),
        ("already in the store", c.already_in_store.to_string()),
        ("left out by a company rule", c.company_rule_left_out.to_string()),
        ("invalid", c.invalid.to_string()),
        ("with a company", c.with_company.to_string()),
        ("new companies", c.new_companies.to_string()),
        ("deals", c.deals.to_string()),
        ("API calls", report.api_calls.to_string()),
        (
            "live pull",
            format!(
                "{} API calls, about {} at {} requests per {} s",
                report.estimate.api_calls,
                duration_words(report.estimate.seconds),
                report.estimate.rate_limit_per_window,
                report.estimate.rate_limit_window_ms / 1000
            ),
        ),
    ]));
    for skipped in &c.skipped_parts {
        let part = match skipped.part {
            RelatedPart::Companies => "companies",
            RelatedPart::Deals => "deals",
        };
        out.push_str(&format!(
            "{part} were not read ({}): the connection lacks {}; the contacts come in without them\n",
            skipped.code,
            describe_scopes(&skipped.scopes)
        ));
    }
    let mut table = Table::new(&["CONTACT", "EMAIL", "ACTION", "FIELD", "LEAD NOW", "NEW VALUE"]);
    for item in report.items.each() {
        let item = item?;
        // Rows that change the store, or that something holds back (a company rule among them).
        let left_out = matches!(&item.action, PullAction::Skip { reason: PullSkip::CompanyRuleLeftOut { .. } });
        if !left_out && !matches!(item.action, PullAction::New | PullAction::Update { .. } | PullAction::Invalid { .. })
        {
            continue;
        }
        let action = match &item.action {
            PullAction::New => "new",
            PullAction::Update { .. } => "update",
            PullAction::Skip { .. } => "left out",
            PullAction::Invalid { .. } => "invalid",
        };
        let mut first = true;
        let mut lines: Vec<(String, String, String)> = item
            .changes
            .iter()
            .map(|c| {
                let after = match (&c.after, c.kept) {
                    (Some(a), _) => a.clone(),
                    (None, _) => "(kept: the lead's value is not empty)".into(),
                };
                (c.field.clone(), c.before.clone().unwrap_or_default(), after)
            })
            .collect();
        if let PullAction::Invalid { reasons } = &item.action {
            lines.extend(reasons.iter().map(|r| ("!".to_string(), String::new(), r.to_string())));
        }
        if let PullAction::Skip { reason } = &item.action {
            lines.push(("!".to_string(), String::new(), reason.row_reason().to_string()));
        }
        lines.extend(related_lines(item.related.as_ref()));
        if lines.is_empty() {
            lines.push(("(link to contact)".into(), String::new(), String::new()));
        }
        for (field, before, after) in lines {
            let head = if first {
                (item.contact_id.clone(), item.email.clone().unwrap_or_default(), action.to_string())
            } else {
                (String::new(), String::new(), String::new())
            };
            first = false;
            let cells = vec![head.0, head.1, head.2, field, before, after];
            // A reason (`!`) is shown whole: cut, it would say nothing.
            if cells[3] == "!" { table.row_ending_in_reason(cells) } else { table.row(cells) }
        }
    }
    out.push('\n');
    out.push_str(&table.render());
    Ok(out)
}

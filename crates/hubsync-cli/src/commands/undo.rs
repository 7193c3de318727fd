//! `hubsync runs undo RUN [--preview] [--archive-created] [--force]`: what undoing a live push
//! would put back, recorded as a preview run; or, after a confirmation, the live undo.

use hubsync_api::{Plan, PlanRequest};
use hubsync_store::{AssociationAction, AssociationReason, CompanyReason, Portal, RowReason, RunAction, RunItem};
use hubsync_sync::{Estimate, PreparedUndo, UndoCounts, UndoOptions};
use serde::Serialize;

use crate::cli::UndoArgs;
use crate::commands::guardrails;
use crate::commands::push::{
    Bars, CompanyReport, CompanyRows, company_table, confirmed, duration_words, finish, stop_signals,
};
use crate::context::Context;
use crate::output::{JournalItems, Table, confirm_write, pairs, try_emit, warn};

/// `runs undo --preview --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UndoPreview<'a> {
    pub run_id: i64,
    pub undo_of: i64,
    pub mode: &'static str,
    pub portal_id: Option<u64>,
    pub counts: &'a UndoCounts,
    pub estimate: &'a Estimate,
    pub items: JournalItems<'a, RunItem>,
    /// The run's companies and associations taken back, when it wrote any: the counts, every
    /// company row and every association row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub companies: Option<CompanyReport<'a>>,
    /// The guardrails the plan crosses: its live run would be held.
    pub crossed: Vec<hubsync_store::Crossing>,
}

pub async fn run(ctx: &mut Context, args: UndoArgs) -> anyhow::Result<()> {
    let (connection, client) = ctx.connected(|_| {}).await?;
    let concurrency = args.concurrency.max(1);
    let limits = guardrails::limits_for(ctx, &args.limits)?;
    let options =
        UndoOptions { archive_created: args.archive_created, force: args.force, concurrency, ..UndoOptions::default() };
    // Ctrl-C stops the preview between reads as well as the live undo between batches.
    let cancel = stop_signals(ctx, connection.portal_id);
    let mut bars = Bars::new(ctx.json);
    let request = PlanRequest::Undo { run_id: args.run, options };
    let plan = Plan::prepare(&mut ctx.store(), &client, request.clone(), concurrency, &cancel, &mut |p| bars.update(p))
        .await?;
    bars.finish();
    let Plan::Undo(prepared) = &plan else { unreachable!("an undo request plans an undo") };

    if args.preview || plan.writes() == 0 {
        if !args.preview {
            warn(ctx.json, "nothing to undo: every row is back already, changed since, or kept");
        }
        let run_id = plan.record(&mut ctx.store())?;
        let crossed = guardrails::crossed(ctx, run_id, &limits)?;
        guardrails::warn_crossed(ctx.json, &crossed);
        let store = ctx.store();
        let report = UndoPreview {
            run_id,
            undo_of: prepared.undo_of,
            mode: "preview",
            portal_id: prepared.plan.portal_id,
            counts: &prepared.counts,
            estimate: &prepared.plan.estimate,
            items: JournalItems::new(&store, run_id, std::convert::identity),
            companies: match plan.companies(&store, run_id)? {
                Some(summary) => Some(CompanyReport::new(&store, run_id, summary)?),
                None => None,
            },
            crossed,
        };
        return try_emit(ctx.json, &report, |r| preview_text(r, &connection));
    }
    guardrails::hold_if_crossed(ctx, &plan, &request, &limits)?;
    if let Err(error) = confirmed(&cancel, || confirm(&args, &connection, prepared)) {
        plan.discard(&mut ctx.store())?;
        return Err(error);
    }
    let mut bars = Bars::new(ctx.json);
    let run = plan.run(&mut ctx.store(), &client, concurrency, &limits, &cancel, &mut |p| bars.update(p)).await?;
    bars.finish();
    finish(ctx, run)
}

fn confirm(args: &UndoArgs, connection: &Portal, prepared: &PreparedUndo) -> anyhow::Result<()> {
    if args.yes {
        return Ok(());
    }
    let c = &prepared.counts;
    let (k, a) = (&c.companies, &c.associations);
    let companies = if k.restore + k.archive + a.unassociate > 0 {
        format!(", restore {} companies and archive {}, take back {} associations", k.restore, k.archive, a.unassociate)
    } else {
        String::new()
    };
    let question = format!(
        "Undo run {} in HubSpot portal {} ({}): restore {} contacts and archive {}{companies}, about {} API calls and {}?",
        prepared.undo_of,
        connection.portal_id,
        connection.name,
        c.restore,
        c.archive,
        prepared.plan.estimate.api_calls,
        duration_words(prepared.plan.estimate.seconds)
    );
    Ok(confirm_write("undo", &question)?)
}

fn action_words(item: &RunItem) -> &'static str {
    match item.action {
        RunAction::Update if item.step > 0 => "restore (step 2)",
        RunAction::Update => "restore",
        RunAction::Archive => "archive",
        _ => "leave",
    }
}

fn preview_text(report: &UndoPreview<'_>, connection: &Portal) -> anyhow::Result<String> {
    let c = report.counts;
    let e = report.estimate;
    let mut out = format!(
        "Undo preview of run {} (run {}), portal {} ({}): nothing was written.\n\n",
        report.undo_of, report.run_id, connection.portal_id, connection.name
    );
    out.push_str(&pairs(&[
        ("restore", c.restore.to_string()),
        ("archive", c.archive.to_string()),
        ("changed since", c.changed_since.to_string()),
        ("nothing to do", c.skip.to_string()),
        ("live undo", format!("{} API calls, about {}", e.api_calls, duration_words(e.seconds))),
    ]));
    let mut table = Table::new(&["EMAIL", "ACTION", "CONTACT", "PROPERTY", "HUBSPOT NOW", "RESTORED VALUE"]);
    // Rows the options left as they are: the flags that would change that, said once below.
    let (mut left_alone, mut kept_created) = (false, false);
    for item in report.items.each() {
        let item = &item?;
        left_alone |= item.reasons.iter().any(|r| matches!(r, RowReason::ChangedSince { .. }));
        kept_created |= item.reasons.iter().any(|r| matches!(r, RowReason::CreatedKept { .. }));
        let mut lines: Vec<(String, String, String)> = item
            .changes
            .iter()
            .map(|ch| {
                let after = match ch.after.as_deref() {
                    Some("") => "(cleared)".to_string(),
                    Some(v) => v.to_string(),
                    None => String::new(),
                };
                (ch.property.clone(), ch.before.clone().unwrap_or_default(), after)
            })
            .collect();
        lines.extend(item.reasons.iter().map(|r| ("!".to_string(), String::new(), r.to_string())));
        lines.extend(item.notes.iter().map(|n| ("note".to_string(), String::new(), n.to_string())));
        if lines.is_empty() {
            lines.push(Default::default());
        }
        for (i, (property, now, restored)) in lines.into_iter().enumerate() {
            let lead = if i == 0 {
                vec![item.email.clone(), action_words(item).into(), item.contact_id.clone().unwrap_or_default()]
            } else {
                vec![String::new(); 3]
            };
            table.row(lead.into_iter().chain([property, now, restored]).collect());
        }
    }
    out.push('\n');
    out.push_str(&table.render());
    if let Some(companies) = &report.companies {
        let (text, company_left_alone, company_kept) = companies_text(report.counts, companies)?;
        out.push_str(&text);
        left_alone |= company_left_alone;
        kept_created |= company_kept;
    }
    if let Some(scope) = &c.companies_missing_scope {
        out.push_str(&format!(
            "\nThe connection lacks the scope {scope}: the run's companies and associations are left as they are.\n"
        ));
    }
    if left_alone {
        out.push_str("\n`--force` restores the rows changed in HubSpot since as well.");
    }
    if kept_created {
        out.push_str("\n`--archive-created` archives the contacts and companies the run created.");
    }
    out.push_str(&format!(
        "\n`hubsync runs undo {} --yes` runs it for real (with the same options); `hubsync runs show {} --json` has every row.\n",
        report.undo_of, report.run_id
    ));
    Ok(out)
}

/// The companies and associations part of an undo preview: the counts, the company table a push
/// preview shows (with the values put back), and a row per association taken back or left.
/// Also says whether some row was left alone as changed since, or kept as created.
fn companies_text(counts: &UndoCounts, report: &CompanyReport<'_>) -> anyhow::Result<(String, bool, bool)> {
    let (k, a) = (&counts.companies, &counts.associations);
    let mut out = format!(
        "\nCompanies: {} restore, {} archive, {} changed since, {} nothing to do. \
         Associations: {} to take back ({} with the previous primary company made primary again), {} changed since, {} nothing to do.\n",
        k.restore, k.archive, k.changed_since, k.skip, a.unassociate, a.restore_primary, a.changed_since, a.skip
    );
    let left_alone =
        report.items.iter().any(|c| c.reasons.iter().any(|r| matches!(r, CompanyReason::ChangedSince { .. })));
    let kept = report.items.iter().any(|c| c.reasons.iter().any(|r| matches!(r, CompanyReason::CreatedKept { .. })));
    if !report.items.is_empty() {
        out.push('\n');
        out.push_str(&company_table(&report.items, CompanyRows::Undo));
    }
    let mut table = Table::new(&["EMAIL", "ACTION", "CONTACT", "COMPANY", "PRIMARY AGAIN", "NOTE"]);
    let mut any = false;
    let mut primary_changed = false;
    for row in report.associations.each() {
        let row = row?;
        any = true;
        let action = match (row.action, &row.reason) {
            (AssociationAction::Unassociate, _) if row.previously_associated == Some(true) => "remove primary label",
            (AssociationAction::Unassociate, _) => "unassociate",
            _ => "leave",
        };
        primary_changed |= matches!(row.reason, Some(AssociationReason::PrimaryChangedSince { .. }))
            && row.action == AssociationAction::Skip;
        let note = match (&row.reason, row.action) {
            (Some(reason), AssociationAction::Skip) => reason.to_string(),
            (Some(reason), _) => format!("forced: {reason}"),
            (None, _) => String::new(),
        };
        table.row_ending_in_reason(vec![
            row.email,
            action.into(),
            row.contact_id.unwrap_or_default(),
            row.company_id.unwrap_or_default(),
            row.previous_primary.unwrap_or_default(),
            note,
        ]);
    }
    if any {
        out.push('\n');
        out.push_str(&table.render());
    }
    Ok((out, left_alone || primary_changed, kept))
}

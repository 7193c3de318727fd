//! `hubsync runs list | show RUN | resume RUN`: the history of previews and live runs, one run
//! row by row, and finishing a live run that stopped early.

use hubsync_api::plans::{needs_connection, resume};
use hubsync_api::runs;
use hubsync_store::{HoldState, LeaseHolder, Run, RunHold, RunItem, RunItemFilter};
use serde::Serialize;

use crate::cli::RunsCommand;
use crate::commands::push::{Bars, CompanyReport, at_prompt, ctrl_c_cancel, finish, stop_signals};
use crate::context::Context;
use crate::output::{Table, confirm_write, emit, on_off, pairs};

#[derive(Debug, Serialize)]
pub struct RunList {
    pub runs: Vec<Run>,
}

#[derive(Debug, Serialize)]
pub struct RunDetail<'a> {
    pub run: Run,
    /// The process writing the run now, if one is (the app, or another `hubsync`).
    pub writer: Option<LeaseHolder>,
    pub items: Vec<RunItem>,
    /// What a guardrail held it for, and what became of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold: Option<RunHold>,
    /// A push's companies and associations, when it has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub companies: Option<CompanyReport<'a>>,
}

pub async fn run(ctx: &mut Context, command: RunsCommand) -> anyhow::Result<()> {
    match command {
        RunsCommand::List => {
            let list = RunList { runs: runs::list(&ctx.store())? };
            emit(ctx.json, &list, |l| list_text(&l.runs))
        }
        RunsCommand::Show(args) => {
            let store = ctx.store();
            let runs::RunDetail { run, writer, companies, hold, .. } = runs::detail(&store, args.run)?;
            let items = runs::items(&store, args.run, &RunItemFilter::default())?;
            let companies = match companies {
                Some(summary) => Some(CompanyReport::new(&store, args.run, summary)?),
                None => None,
            };
            emit(ctx.json, &RunDetail { run, writer, items, hold, companies }, detail_text)
        }
        RunsCommand::Export(args) => {
            let export = runs::export(&ctx.store(), args.run, &args.dir)?;
            emit(ctx.json, &export, |e| {
                format!(
                    "Run {}: {} rows in {}, {} in {}.",
                    e.run_id, e.success_rows, e.success_file, e.error_rows, e.error_file
                )
            })
        }
        RunsCommand::Undo(args) => crate::commands::undo::run(ctx, args).await,
        RunsCommand::Approve(args) => approve(ctx, args).await,
        RunsCommand::Refuse(args) => {
            let hold = hubsync_api::guardrails::refuse(&mut ctx.store(), args.run)?;
            emit(ctx.json, &hold, |h| format!("Run {} refused: it will not run. The history keeps it.", h.run_id))
        }
        RunsCommand::Resume(args) => {
            let run = runs::get(&ctx.store(), args.run)?;
            // A live pull's remaining rows are local writes: no connection needed.
            let (client, cancel) = if needs_connection(run.kind) {
                let (connection, client) = ctx.connected(|_| {}).await?;
                (Some(client), stop_signals(ctx, connection.portal_id))
            } else {
                (None, ctrl_c_cancel())
            };
            let mut bars = Bars::new(ctx.json);
            let concurrency = args.concurrency.max(1);
            let limits = crate::cli::GuardrailFlags { max_failed_share: args.max_failed_share, ..Default::default() };
            let limits = crate::commands::guardrails::limits_for(ctx, &limits)?;
            let run = resume(&mut ctx.store(), args.run, client.as_ref(), concurrency, &limits, &cancel, &mut |p| {
                bars.update(p)
            })
            .await?;
            bars.finish();
            finish(ctx, run)
        }
    }
}

/// `runs approve RUN`: after a confirmation, plans the held run again and runs it within what it
/// was held for.
async fn approve(ctx: &mut Context, args: crate::cli::ApproveArgs) -> anyhow::Result<()> {
    let hold = ctx.store().run_hold(args.run)?.ok_or(hubsync_store::StoreError::NotHeld(args.run))?;
    let (connection, client) = ctx.connected(|_| {}).await?;
    if !args.yes {
        let question = format!(
            "Run held run {} once on portal {} ({}), allowing {}?",
            args.run,
            connection.portal_id,
            connection.name,
            hubsync_api::guardrails::words(&hold.crossed)
        );
        at_prompt(|| confirm_write("runs approve", &question))?;
    }
    let cancel = stop_signals(ctx, connection.portal_id);
    let mut bars = Bars::new(ctx.json);
    let concurrency = args.concurrency.max(1);
    let run = hubsync_api::guardrails::approve(&mut ctx.store(), &client, args.run, concurrency, &cancel, &mut |p| {
        bars.update(p)
    })
    .await;
    ctx.ws.record_outcome(&client).await?;
    bars.finish();
    finish(ctx, run?)
}

fn duration(run: &Run) -> String {
    match run.ended_at {
        Some(end) => format!("{:.1} s", (end - run.started_at).num_milliseconds() as f64 / 1000.0),
        None => "-".into(),
    }
}

fn list_text(runs: &[Run]) -> String {
    if runs.is_empty() {
        return "No runs yet: `hubsync push --preview` makes the first.".into();
    }
    let mut table = Table::new(&[
        "RUN",
        "KIND",
        "MODE",
        "STATUS",
        "STARTED",
        "DURATION",
        "API CALLS",
        "UPDATE",
        "CREATE",
        "SKIP",
        "INVALID",
        "ARCHIVED",
        "FAILED",
        "PENDING",
        "NOTE",
    ]);
    for run in runs {
        let c = &run.counts;
        table.row(vec![
            run.id.to_string(),
            run.kind.as_str().into(),
            run.mode.as_str().into(),
            run.status.as_str().into(),
            run.started_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            duration(run),
            run.api_calls.to_string(),
            c.update.to_string(),
            c.create.to_string(),
            c.skip.to_string(),
            c.invalid.to_string(),
            c.archived.to_string(),
            c.failed.to_string(),
            c.pending.to_string(),
            note(run),
        ]);
    }
    table.render()
}

/// What `runs list` says of a run beside its counts: held, approved or refused; stopped by a
/// guardrail; started by a schedule.
fn note(run: &Run) -> String {
    let mut parts = Vec::new();
    match run.hold {
        Some(HoldState::Held) => parts.push("held: approve or refuse".to_string()),
        Some(HoldState::Approved) => parts.push("held, approved".to_string()),
        Some(HoldState::Refused) => parts.push("held, refused".to_string()),
        None => {}
    }
    if let Some(guardrail) = run.stopped_by {
        parts.push(format!("stopped itself ({})", guardrail.as_str()));
    }
    if let Some(schedule) = run.schedule_id {
        parts.push(format!("schedule {schedule}"));
    }
    parts.join("; ")
}

/// The rules and mapping a run was planned with, as `runs show` prints them.
fn settings_lines(settings: &serde_json::Value) -> Vec<(&'static str, String)> {
    let mut lines = Vec::new();
    if let Some(undone) = settings.get("undo_of").and_then(|v| v.as_i64()) {
        lines.push(("undoes", format!("run {undone}")));
        let flag = |key: &str| settings.get(key).and_then(|v| v.as_bool()).unwrap_or(false);
        lines.push(("options", format!("archive created: {}, force: {}", flag("archive_created"), flag("force"))));
    }
    if let Some(rules) = settings.get("rules") {
        let on = |key: &str| on_off(rules.get(key).and_then(|v| v.as_bool()).unwrap_or(false));
        let text = if rules.get("update").is_some() {
            format!("update {}, create {}", on("update"), on("create"))
        } else {
            rules.to_string()
        };
        lines.push(("rules", text));
    }
    if let Some(mappings) = settings.get("mappings").and_then(|v| v.as_array()) {
        let text: Vec<String> = mappings
            .iter()
            .map(|m| {
                let text = |key: &str| m.get(key).and_then(|v| v.as_str()).unwrap_or("?").to_string();
                format!("{} → {} ({})", text("field_key"), text("property"), text("write_rule"))
            })
            .collect();
        lines.push(("mapping", text.join(", ")));
    }
    if let Some(emails) = settings.get("emails").and_then(|v| v.as_array()).filter(|e| !e.is_empty()) {
        let text: Vec<&str> = emails.iter().filter_map(|e| e.as_str()).collect();
        lines.push(("leads", text.join(", ")));
    }
    lines
}

fn detail_text(detail: &RunDetail<'_>) -> String {
    let run = &detail.run;
    let c = &run.counts;
    let mut lines = vec![
        ("run", run.id.to_string()),
        ("kind", format!("{} ({})", run.kind.as_str(), run.mode.as_str())),
        ("status", run.status.as_str().to_string()),
        ("portal", run.portal_id.map(|p| p.to_string()).unwrap_or_default()),
        ("started", run.started_at.to_rfc3339()),
        ("duration", duration(run)),
        ("api calls", run.api_calls.to_string()),
        (
            "planned",
            format!(
                "{} update, {} create, {} archive, {} skip, {} invalid",
                c.update, c.create, c.archive, c.skip, c.invalid
            ),
        ),
        (
            "outcomes",
            format!(
                "{} updated, {} created, {} archived, {} failed, {} pending",
                c.updated, c.created, c.archived, c.failed, c.pending
            ),
        ),
    ];
    if let Some(hold) = &detail.hold {
        let state = match (hold.state, hold.approved_run_id) {
            (HoldState::Held, _) => format!("held: `hubsync runs approve {0}` or `hubsync runs refuse {0}`", run.id),
            (HoldState::Approved, Some(live)) => format!("approved: it ran as run {live}"),
            (HoldState::Approved, None) => "approved".to_string(),
            (HoldState::Refused, _) => "refused".to_string(),
        };
        lines.push(("guardrails", hubsync_api::guardrails::words(&hold.crossed)));
        lines.push(("hold", state));
    }
    if let Some(guardrail) = run.stopped_by {
        lines.push(("stopped by", format!("its guardrail ({})", guardrail.as_str())));
    }
    if let Some(schedule) = run.schedule_id {
        lines.push(("schedule", format!("started by schedule {schedule}")));
    }
    if let Some(companies) = &detail.companies {
        let k = &companies.summary.counts;
        lines.push((
            "companies",
            format!(
                "{} update, {} create, {} unchanged, {} skip, {} invalid; {} updated, {} created, {} failed, {} pending",
                k.update, k.create, k.unchanged, k.skip, k.invalid, k.updated, k.created, k.failed, k.pending
            ),
        ));
        lines.push((
            "associations",
            format!(
                "{} to make, {} already made, {} none; {} made, {} failed, {} pending",
                k.associate, k.already, k.no_association, k.associated, k.association_failed, k.association_pending
            ),
        ));
    }
    lines.extend(settings_lines(&run.settings));
    if let Some(reason) = &run.stop_reason {
        lines.push(("stopped", reason.clone()));
    }
    if let Some(writer) = &detail.writer {
        lines.push((
            "written by",
            format!(
                "process {} on {}, since {} (last seen {})",
                writer.pid,
                writer.host,
                writer.taken_at.format("%Y-%m-%d %H:%M:%S UTC"),
                writer.renewed_at.format("%H:%M:%S UTC")
            ),
        ));
    }
    let mut out = pairs(&lines);
    let mut table = Table::new(&["#", "EMAIL", "ACTION", "OUTCOME", "CONTACT", "CHANGES / REASON"]);
    for item in &detail.items {
        let mut what: Vec<String> = item
            .changes
            .iter()
            .map(|ch| match (&ch.after, ch.kept) {
                (Some(after), _) => format!("{}: {} → {after}", ch.property, ch.before.as_deref().unwrap_or("(empty)")),
                (None, _) => format!("{}: kept {}", ch.property, ch.before.as_deref().unwrap_or("")),
            })
            .collect();
        what.extend(item.reasons.iter().map(ToString::to_string));
        what.extend(item.error.iter().map(ToString::to_string));
        let has_reason = !item.reasons.is_empty() || item.error.is_some();
        let cells = vec![
            item.seq.to_string(),
            item.email.clone(),
            item.action.as_str().into(),
            item.outcome.map(|o| o.as_str()).unwrap_or("pending").into(),
            item.contact_id.clone().unwrap_or_default(),
            what.join("; "),
        ];
        if has_reason { table.row_ending_in_reason(cells) } else { table.row(cells) }
    }
    out.push('\n');
    out.push_str(&table.render());
    out
}

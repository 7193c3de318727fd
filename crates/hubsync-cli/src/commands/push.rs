//! `hubsync push [--preview]`: the plan with every field's before and after, recorded as a
//! preview run; or, after a confirmation, the live run with a progress bar. Ctrl-C stops a live
//! run between batches and leaves it resumable.

use hubsync_api::plans::{CompanySummary, company_summary};
use hubsync_api::{Plan, PlanRequest};
use hubsync_store::{ItemOutcome, Portal, Run, RunAction, RunAssociation, RunCompany, RunItemFilter, RunStatus, Store};
use hubsync_sync::{Action, Cancel, Counts, Estimate, Phase, PlanItem, PreparedPush, Progress, plan_item};
use indicatif::ProgressBar;
use serde::Serialize;

use crate::cli::PushArgs;
use crate::commands::guardrails;
use crate::context::Context;
use crate::error::{CliError, codes};
use crate::output::{JournalItems, Table, confirm_write, emit, note, pairs, progress, try_emit};

/// `push --preview --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewReport<'a> {
    pub run_id: i64,
    pub mode: &'static str,
    pub portal_id: Option<u64>,
    pub counts: &'a Counts,
    pub estimate: &'a Estimate,
    /// Skipped rows by reason (`unchanged`, `no-match-create-off`, `update-off`), those there are.
    pub skipped: Vec<hubsync_api::plans::CountLine>,
    pub items: JournalItems<'a, PlanItem>,
    /// The companies and associations, when the company rules associate contacts with companies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub companies: Option<CompanyReport<'a>>,
    /// The guardrails the plan crosses: its live run would be held.
    pub crossed: Vec<hubsync_store::Crossing>,
}

/// A push's companies as `push --preview --json` shows them: the counts, the leads left without
/// an association by why, every company row, and every lead's association row.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyReport<'a> {
    #[serde(flatten)]
    pub summary: CompanySummary,
    pub items: Vec<RunCompany>,
    pub associations: AssociationRows<'a>,
}

impl<'a> CompanyReport<'a> {
    /// Run `run_id`'s company rows, and its association rows as they are written out.
    pub fn new(store: &'a Store, run_id: i64, summary: CompanySummary) -> Result<Self, hubsync_store::StoreError> {
        Ok(CompanyReport {
            summary,
            items: store.run_companies(run_id)?,
            associations: AssociationRows { store, run_id },
        })
    }
}

/// A run's association rows, read from the store a page at a time as they are written out.
pub struct AssociationRows<'a> {
    store: &'a Store,
    run_id: i64,
}

impl AssociationRows<'_> {
    const PAGE: usize = 5_000;

    pub fn each(&self) -> impl Iterator<Item = Result<RunAssociation, hubsync_store::StoreError>> + '_ {
        let mut after = -1;
        let mut page: std::vec::IntoIter<RunAssociation> = Vec::new().into_iter();
        let mut done = false;
        std::iter::from_fn(move || {
            loop {
                if let Some(row) = page.next() {
                    after = row.seq;
                    return Some(Ok(row));
                }
                if done {
                    return None;
                }
                match self.store.run_associations_page(self.run_id, after, Self::PAGE) {
                    Ok(rows) if rows.is_empty() => done = true,
                    Ok(rows) => page = rows.into_iter(),
                    Err(error) => {
                        done = true;
                        return Some(Err(error));
                    }
                }
            }
        })
    }
}

impl Serialize for AssociationRows<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let mut seq = serializer.serialize_seq(None)?;
        for row in self.each() {
            seq.serialize_element(&row.map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

impl std::fmt::Debug for AssociationRows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssociationRows").field("run_id", &self.run_id).finish_non_exhaustive()
    }
}

/// `push --json` (live) and `runs resume --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveReport {
    pub run: Run,
    /// The rows that failed, with HubSpot's reason.
    pub failed: Vec<hubsync_store::RunItem>,
    /// A push's companies and associations, with the company rows that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub companies: Option<LiveCompanies>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveCompanies {
    #[serde(flatten)]
    pub summary: CompanySummary,
    pub failed: Vec<RunCompany>,
}

pub async fn run(ctx: &mut Context, args: PushArgs) -> anyhow::Result<()> {
    let (connection, client) = ctx.connected(|_| {}).await?;
    let concurrency = args.concurrency.max(1);
    let limits = guardrails::limits_for(ctx, &args.limits)?;
    // Ctrl-C stops the preview between reads as well as the live run between batches.
    let cancel = stop_signals(ctx, connection.portal_id);
    let mut bars = Bars::new(ctx.json);
    let request = PlanRequest::push(args.email.clone());
    let plan = Plan::prepare(&mut ctx.store(), &client, request.clone(), concurrency, &cancel, &mut |p| bars.update(p))
        .await?;
    bars.finish();
    let Plan::Push(prepared) = &plan else { unreachable!("a push request plans a push") };

    if args.preview || plan.writes() == 0 {
        let run_id = plan.record(&mut ctx.store())?;
        let crossed = guardrails::crossed(ctx, run_id, &limits)?;
        guardrails::warn_crossed(ctx.json, &crossed);
        let store = ctx.store();
        let report = PreviewReport {
            run_id,
            mode: "preview",
            portal_id: prepared.plan.portal_id,
            counts: &prepared.counts,
            estimate: &prepared.plan.estimate,
            skipped: plan.details(&store, run_id)?,
            items: JournalItems::new(&store, run_id, plan_item),
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

/// Prints a live run's result; an interrupted run is an error that says how to resume it.
pub fn finish(ctx: &Context, run: Run) -> anyhow::Result<()> {
    // Only the failed rows are read: the run may have a million.
    let only_failed = RunItemFilter { outcome: Some(ItemOutcome::Failed), ..RunItemFilter::default() };
    let failed = hubsync_api::runs::items(&ctx.store(), run.id, &only_failed)?;
    let companies = {
        let store = ctx.store();
        let summary = company_summary(&store, run.id)?;
        let failed =
            store.run_companies(run.id)?.into_iter().filter(|c| c.outcome == Some(ItemOutcome::Failed)).collect();
        Some(LiveCompanies { summary, failed }).filter(|c| !c.summary.counts.is_empty())
    };
    if run.status != RunStatus::Completed {
        let reason = run.stop_reason.clone().unwrap_or_else(|| "it stopped early".into());
        let pending = run.counts.pending
            + companies.as_ref().map_or(0, |c| c.summary.counts.pending + c.summary.counts.association_pending);
        let message = format!("run {} stopped with {pending} of its rows still to write: {reason}", run.id);
        return Err(CliError::new(codes::RUN_INTERRUPTED, message)
            .with_hint(format!("`hubsync runs resume {}` finishes it; nothing is written twice", run.id))
            .into());
    }
    let report = LiveReport { run, failed, companies };
    emit(ctx.json, &report, |r| {
        let c = &r.run.counts;
        let archived = if c.archived > 0 { format!(", {} archived", c.archived) } else { String::new() };
        let mut out = format!(
            "Run {} completed: {} updated, {} created{archived}, {} failed, {} skipped, {} invalid; {} API calls.\n",
            r.run.id, c.updated, c.created, c.failed, c.skip, c.invalid, r.run.api_calls
        );
        if let Some(companies) = &r.companies {
            let k = &companies.summary.counts;
            if r.run.kind == hubsync_store::RunKind::Undo {
                out.push_str(&format!(
                    "Companies: {} restored, {} archived, {} failed; {} associations taken back, {} failed.\n",
                    k.updated, k.archived, k.failed, k.unassociated, k.association_failed
                ));
            } else {
                out.push_str(&format!(
                    "Companies: {} created, {} updated, {} failed; {} contacts associated, {} failed.\n",
                    k.created, k.updated, k.failed, k.associated, k.association_failed
                ));
            }
            if !companies.failed.is_empty() {
                let mut table = Table::new(&["DOMAIN", "COMPANY", "ERROR"]);
                for company in &companies.failed {
                    table.row_ending_in_reason(vec![
                        company.domain.clone(),
                        company.company_id.clone().unwrap_or_default(),
                        company.error.as_ref().map(ToString::to_string).unwrap_or_default(),
                    ]);
                }
                out.push_str("\nFailed companies:\n");
                out.push_str(&table.render());
            }
        }
        if !r.failed.is_empty() {
            let mut table = Table::new(&["EMAIL", "CONTACT", "ERROR"]);
            for item in &r.failed {
                table.row_ending_in_reason(vec![
                    item.email.clone(),
                    item.contact_id.clone().unwrap_or_default(),
                    item.error.as_ref().map(ToString::to_string).unwrap_or_default(),
                ]);
            }
            out.push_str("\nFailed rows (`hubsync runs show ID` has every row):\n");
            out.push_str(&table.render());
        }
        out
    })?;
    Ok(())
}

/// On a terminal, asks; elsewhere `--yes` is required.
fn confirm(args: &PushArgs, connection: &Portal, prepared: &PreparedPush) -> Result<(), CliError> {
    if args.yes {
        return Ok(());
    }
    let counts = &prepared.counts;
    let companies = match &prepared.companies {
        Some(c) => format!(
            ", create {} companies and update {}, associate {} contacts with their companies",
            c.create, c.update, c.associate
        ),
        None => String::new(),
    };
    let question = format!(
        "Write to HubSpot portal {} ({}): update {} contacts and create {}{companies}, about {} API calls and {}?",
        connection.portal_id,
        connection.name,
        counts.update,
        counts.create,
        prepared.plan.estimate.api_calls,
        duration_words(prepared.plan.estimate.seconds)
    );
    confirm_write("push", &question)
}

/// Whether the command waits at its confirmation, where Ctrl-C quits at once.
static AT_PROMPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A `Cancel` that Ctrl-C cancels. Once the handler is in, Ctrl-C no longer ends the process by
/// itself, so at a confirmation (`at_prompt`), where nothing is being written, it quits as it
/// would without the handler.
pub fn ctrl_c_cancel() -> Cancel {
    let cancel = Cancel::default();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            if AT_PROMPT.load(std::sync::atomic::Ordering::SeqCst) {
                note("\nnothing was written: not confirmed");
                std::process::exit(130);
            }
            if !on_ctrl_c.is_cancelled() {
                on_ctrl_c.cancel();
                note(
                    "\nstopping: a preview records nothing; a live run stops after the batches or chunks in flight, and `hubsync runs resume` finishes it",
                );
            }
        }
    });
    cancel
}

/// Asks for confirmation (`at_prompt`), then checks no Ctrl-C came between the preview and the
/// answer. An error means nothing may be written: the caller throws its plan away.
pub fn confirmed<E: Into<anyhow::Error>>(cancel: &Cancel, ask: impl FnOnce() -> Result<(), E>) -> anyhow::Result<()> {
    at_prompt(ask).map_err(Into::into)?;
    Ok(cancel.check()?)
}

/// Runs a confirmation with Ctrl-C quitting at once.
pub fn at_prompt<T>(ask: impl FnOnce() -> T) -> T {
    AT_PROMPT.store(true, std::sync::atomic::Ordering::SeqCst);
    let answer = ask();
    AT_PROMPT.store(false, std::sync::atomic::Ordering::SeqCst);
    answer
}

/// What stops a preview between reads (nothing is recorded) and a live run between batches
/// (the batches in flight finish and are recorded): Ctrl-C, or its portal disconnected or
/// needing a reconnect, which another `hubsync` or the desktop app may record while this run
/// goes on (the application layer's watch).
pub fn stop_signals(ctx: &Context, portal_id: u64) -> Cancel {
    let cancel = ctrl_c_cancel();
    hubsync_api::jobs::stop_when_portal_leaves(ctx.db_path().to_path_buf(), portal_id, cancel.clone()).detach();
    cancel
}

pub fn duration_words(seconds: f64) -> String {
    if seconds < 1.0 {
        "under a second".into()
    } else if seconds < 90.0 {
        format!("{seconds:.0} s")
    } else {
        format!("{:.0} min", seconds / 60.0)
    }
}

fn action_words(item: &PlanItem) -> String {
    match &item.action {
        Action::Update { .. } => "update".into(),
        Action::Create => "create".into(),
        Action::Skip { reason } => format!("skip ({})", reason.as_str()),
        Action::Invalid { .. } => "invalid".into(),
    }
}

fn preview_text(report: &PreviewReport<'_>, connection: &Portal) -> anyhow::Result<String> {
    let c = report.counts;
    let e = report.estimate;
    let mut out = format!(
        "Preview (run {}), portal {} ({}): nothing was written.\n\n",
        report.run_id, connection.portal_id, connection.name
    );
    out.push_str(&pairs(&[
        ("update", c.update.to_string()),
        ("create", c.create.to_string()),
        ("skip", c.skip.to_string()),
        ("invalid", c.invalid.to_string()),
        (
            "live run",
            format!(
                "{} API calls ({} setup, {} reads, {} writes), about {} at {} requests per {} s",
                e.api_calls,
                e.setup_calls,
                e.read_calls,
                e.write_calls,
                duration_words(e.seconds),
                e.rate_limit_per_window,
                e.rate_limit_window_ms / 1000
            ),
        ),
    ]));
    let mut table = Table::new(&["EMAIL", "ACTION", "CONTACT", "PROPERTY", "HUBSPOT NOW", "NEW VALUE"]);
    for item in report.items.each() {
        let item = &item?;
        let contact = item.contact_id.clone().unwrap_or_default();
        let mut first = true;
        let mut row = |property: String, before: String, after: String, first: &mut bool| {
            let (email, action, contact) = if *first {
                (item.email.clone(), action_words(item), contact.clone())
            } else {
                (String::new(), String::new(), String::new())
            };
            *first = false;
            // A reason or a note stands where a new value would: it is shown whole.
            let is_reason = property == "!" || property == "note";
            let cells = vec![email, action, contact, property, before, after];
            if is_reason { table.row_ending_in_reason(cells) } else { table.row(cells) }
        };
        for change in &item.changes {
            let after = match (&change.after, change.kept) {
                (Some(after), _) => after.clone(),
                (None, true) => "(kept: HubSpot's value is not empty)".into(),
                (None, false) => String::new(),
            };
            row(change.property.clone(), change.before.clone().unwrap_or_default(), after, &mut first);
        }
        if let Action::Invalid { reasons } = &item.action {
            for reason in reasons {
                row("!".into(), String::new(), reason.to_string(), &mut first);
            }
        }
        for note in &item.notes {
            row("note".into(), String::new(), note.to_string(), &mut first);
        }
        if first {
            row(String::new(), String::new(), String::new(), &mut first);
        }
    }
    out.push('\n');
    out.push_str(&table.render());
    if let Some(companies) = &report.companies {
        out.push_str(&companies_text(companies));
    }
    let no_match = report.skipped.iter().find(|l| l.key == "no-match-create-off").map_or(0, |l| l.count);
    if no_match > 0 {
        let leads = if no_match == 1 { "lead has" } else { "leads have" };
        out.push_str(&format!(
            "\n{no_match} {leads} no matching HubSpot contact and creating contacts is off, so they are skipped: \
             `hubsync rules push --create on` creates them.\n"
        ));
    }
    let company_writes = report.companies.as_ref().map_or(0, |k| k.summary.counts.writes());
    if c.update + c.create == 0 && company_writes == 0 {
        out.push_str("\nNothing needs writing: every selected lead is unchanged, skipped or invalid. ");
    } else {
        out.push_str("\n`hubsync push --yes` runs it for real (with --email for the same selection); ");
    }
    out.push_str(&format!("`hubsync runs show {} --json` has every row.\n", report.run_id));
    Ok(out)
}

/// The companies part of a push preview: the counts, a row per domain with each field's
/// before and after, and the leads left without an association by why (each lead's association
/// is in `--json` and `runs show --json`).
fn companies_text(report: &CompanyReport<'_>) -> String {
    let k = &report.summary.counts;
    let mut out = format!(
        "\nCompanies: {} update, {} create, {} unchanged, {} skip, {} invalid. Associations: {} to make (as primary), {} already made, {} none.\n",
        k.update, k.create, k.unchanged, k.skip, k.invalid, k.associate, k.already, k.no_association
    );
    if !report.items.is_empty() {
        out.push('\n');
        out.push_str(&company_table(&report.items, CompanyRows::Push));
    }
    if !report.summary.skipped.is_empty() {
        let reasons: Vec<String> = report.summary.skipped.iter().map(|l| format!("{} {}", l.count, l.label)).collect();
        out.push_str(&format!("Leads without an association: {}.\n", reasons.join(", ")));
    }
    out
}

/// Whose company rows a table shows: a push's (new values) or an undo's (values put back).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CompanyRows {
    Push,
    Undo,
}

/// A row per company with each field's value in HubSpot now and the value written, then the
/// row's reasons (an invalid push row's, an undo's skipped row's) and notes.
pub fn company_table(items: &[RunCompany], rows: CompanyRows) -> String {
    let written = if rows == CompanyRows::Undo { "RESTORED VALUE" } else { "NEW VALUE" };
    let mut table = Table::new(&["DOMAIN", "ACTION", "COMPANY", "PROPERTY", "HUBSPOT NOW", written]);
    for company in items {
        let action = match company.action {
            RunAction::Skip | RunAction::Invalid => match company.reasons.first() {
                Some(reason) if company.action == RunAction::Skip => format!("skip ({})", reason.code()),
                _ => company.action.as_str().to_string(),
            },
            RunAction::Update if rows == CompanyRows::Undo => "restore".into(),
            other => other.as_str().to_string(),
        };
        let name = match (&company.company_id, &company.name) {
            (Some(id), Some(name)) => format!("{id} {name}"),
            (Some(id), None) => id.clone(),
            (None, Some(name)) => format!("new: {name}"),
            (None, None) => "new".into(),
        };
        // (property, HubSpot now, new value, whether the last cell is a reason to show whole)
        let mut lines: Vec<(String, String, String, bool)> = Vec::new();
        for change in &company.changes {
            let after = match (&change.after, change.kept) {
                (Some(after), _) => after.clone(),
                (None, true) => "(kept: HubSpot's value is not empty)".into(),
                (None, false) => String::new(),
            };
            lines.push((change.property.clone(), change.before.clone().unwrap_or_default(), after, false));
        }
        if company.action == RunAction::Invalid || (rows == CompanyRows::Undo && company.action == RunAction::Skip) {
            lines.extend(company.reasons.iter().map(|r| ("!".into(), String::new(), r.to_string(), true)));
        }
        lines.extend(company.notes.iter().map(|n| ("note".into(), String::new(), n.to_string(), true)));
        if lines.is_empty() {
            lines.push((String::new(), String::new(), String::new(), false));
        }
        let mut lead = vec![company.domain.clone(), action, name];
        for (property, before, after, reason) in lines {
            let cells: Vec<String> = std::mem::replace(&mut lead, vec![String::new(); 3])
                .into_iter()
                .chain([property, before, after])
                .collect();
            if reason { table.row_ending_in_reason(cells) } else { table.row(cells) }
        }
    }
    table.render()
}

/// One progress bar per phase, on a terminal only.
pub struct Bars {
    json: bool,
    current: Option<(Phase, Option<ProgressBar>)>,
}

impl Bars {
    pub fn new(json: bool) -> Bars {
        Bars { json, current: None }
    }

    pub fn update(&mut self, p: Progress) {
        if self.current.as_ref().map(|(phase, _)| *phase) != Some(p.phase) {
            self.finish();
            let label = match p.phase {
                Phase::Reading => "reading HubSpot",
                Phase::Writing => "writing",
                Phase::Applying => "applying to the lead store",
            };
            self.current = Some((p.phase, progress(self.json, p.total, label)));
        }
        if let Some((_, Some(bar))) = &self.current {
            // A pull's total grows as pages come in when HubSpot reports none.
            bar.set_length(p.total);
            bar.set_position(p.done);
        }
    }

    pub fn finish(&mut self) {
        if let Some((_, Some(bar))) = self.current.take() {
            bar.finish_and_clear();
        }
    }
}

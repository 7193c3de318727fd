//! Sync runs and their items: every preview and live run with its settings, counts and
//! per-row outcomes. For a live run this is also the journal: the items are written before
//! anything is sent, and each outcome lands in the same transaction as the lead's link to its
//! contact, so a run cut off at any moment resumes from exactly what is left.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::Result;
use crate::error::StoreError;
use crate::leases::{self, LeaseHolder};
use crate::store::{Store, parse_stamp, stamp};

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        #[serde(rename_all = "kebab-case")]
        #[ts(export)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                match raw { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

text_enum!(RunKind { Push = "push", Pull = "pull", Undo = "undo" });
text_enum!(RunMode { Preview = "preview", Live = "live" });

impl RunMode {
    /// A planned row's outcome as the run records it: a preview marks every row previewed that
    /// has no outcome of its own (skipped, invalid); a live run leaves its writes pending.
    pub fn initial_outcome(self, planned: Option<ItemOutcome>) -> Option<ItemOutcome> {
        match self {
            RunMode::Preview => planned.or(Some(ItemOutcome::Previewed)),
            RunMode::Live => planned,
        }
    }
}
text_enum!(
    /// `Running` is also what a run cut off by a crash is left as; both it and `Interrupted` resume.
    RunStatus { Running = "running", Interrupted = "interrupted", Completed = "completed" }
);
text_enum!(RunAction {
    Update = "update",
    Create = "create",
    Skip = "skip",
    Invalid = "invalid",
    // An undo archiving a contact its push created.
    Archive = "archive",
});
text_enum!(ItemOutcome {
    Previewed = "previewed",
    Skipped = "skipped",
    Invalid = "invalid",
    Updated = "updated",
    Created = "created",
    Failed = "failed",
    Archived = "archived",
});

/// One mapped field of one row: HubSpot's value before, and what it became (`None` when
/// nothing was written; `kept` when an `if-empty` rule kept HubSpot's value).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FieldChange {
    pub field: String,
    pub property: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub kept: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NewRun {
    pub kind: RunKind,
    pub mode: RunMode,
    pub portal_id: Option<u64>,
    /// The rules and mapping as they were.
    pub settings: Value,
    /// API calls and seconds the live run was expected to take.
    pub estimate: Value,
    /// Calls already made for it (the reads that planned it).
    pub api_calls: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunItem {
    /// The row's place in the run, from 0.
    #[ts(type = "number")]
    pub seq: i64,
    #[ts(type = "number")]
    pub lead_id: i64,
    pub email: String,
    pub contact_id: Option<String>,
    pub action: RunAction,
    /// The skip reason, or for an invalid row every reason.
    pub reasons: Vec<String>,
    pub changes: Vec<FieldChange>,
    pub notes: Vec<String>,
    /// `None` while a live write is pending.
    pub outcome: Option<ItemOutcome>,
    pub error: Option<String>,
    /// A live run writes step 0's rows, then step 1's: a row that must follow another write
    /// to the same contact (setting a lifecycle stage after clearing it) has a later step.
    pub step: u32,
    /// The row's values by lead field as the run saw them, those its `changes` don't already
    /// set (a push keeps every mapped value; a pull only its unchanged and kept ones): the
    /// original columns of an export.
    #[ts(type = "Record<string, string>")]
    pub record: BTreeMap<String, String>,
}

impl RunItem {
    /// A planned row, no changes yet: a skipped or invalid row has its outcome at once, a row to
    /// write has none in a live run (it is pending) and `previewed` in a preview.
    pub fn planned(
        seq: i64,
        lead_id: i64,
        email: String,
        contact_id: Option<String>,
        action: RunAction,
        reasons: Vec<String>,
        mode: RunMode,
    ) -> RunItem {
        let planned = match action {
            RunAction::Skip => Some(ItemOutcome::Skipped),
            RunAction::Invalid => Some(ItemOutcome::Invalid),
            RunAction::Update | RunAction::Create | RunAction::Archive => None,
        };
        RunItem {
            seq,
            lead_id,
            email,
            contact_id,
            action,
            reasons,
            changes: Vec::new(),
            notes: Vec::new(),
            outcome: mode.initial_outcome(planned),
            error: None,
            step: 0,
            record: BTreeMap::new(),
        }
    }
}

/// One row of a live pull to apply: the lead it updates (or `None` for a new lead), the
/// contact's email and id, and the lead values it sets (canonical for their fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PulledLead {
    pub seq: i64,
    pub lead_id: Option<i64>,
    pub email: String,
    pub contact_id: String,
    pub values: Vec<(String, String)>,
}

/// What became of one pending row of a live run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemResult {
    pub seq: i64,
    pub outcome: ItemOutcome,
    pub contact_id: Option<String>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunCounts {
    /// Planned actions.
    #[ts(type = "number")]
    pub update: u64,
    #[ts(type = "number")]
    pub create: u64,
    #[ts(type = "number")]
    pub skip: u64,
    #[ts(type = "number")]
    pub invalid: u64,
    #[ts(type = "number")]
    pub archive: u64,
    /// Outcomes of a live run's writes so far.
    #[ts(type = "number")]
    pub updated: u64,
    #[ts(type = "number")]
    pub created: u64,
    #[ts(type = "number")]
    pub archived: u64,
    #[ts(type = "number")]
    pub failed: u64,
    #[ts(type = "number")]
    pub pending: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Run {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: RunKind,
    pub mode: RunMode,
    pub status: RunStatus,
    #[ts(type = "number | null")]
    pub portal_id: Option<u64>,
    /// The rules and mapping as they were (and an undo's `undo_of` and options).
    #[ts(type = "unknown")]
    pub settings: Value,
    #[ts(type = "unknown")]
    pub estimate: Value,
    #[ts(type = "number")]
    pub api_calls: u64,
    #[ts(type = "string")]
    pub started_at: DateTime<Utc>,
    #[ts(type = "string | null")]
    pub ended_at: Option<DateTime<Utc>>,
    pub stop_reason: Option<String>,
    pub counts: RunCounts,
    /// The address the run was made against (`None` for runs of no portal).
    pub base_url: Option<String>,
}

impl Run {
    /// A live run that has rows left to write.
    pub fn is_resumable(&self) -> bool {
        self.mode == RunMode::Live && self.status != RunStatus::Completed
    }
}

/// Which rows of a run a page shows: all of them, or those with this action, this outcome, and
/// an email containing `search` (any case). `pending` picks the rows a live run has yet to write.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct RunItemFilter {
    pub action: Option<RunAction>,
    pub outcome: Option<ItemOutcome>,
    #[serde(default)]
    pub pending: bool,
    pub search: Option<String>,
}

/// One page of a run's rows, and how many rows the filter matches in all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunItemPage {
    #[ts(type = "number")]
    pub total: u64,
    #[ts(type = "number")]
    pub offset: u64,
    pub items: Vec<RunItem>,
}

fn corrupt(what: &str, raw: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {raw:?} in the run history"))
}

const RUN_COLUMNS: &str =
    "id, kind, mode, status, portal_id, settings, estimate, api_calls, started_at, ended_at, stop_reason, base_url";
const ITEM_COLUMNS: &str =
    "seq, lead_id, email, contact_id, action, reason, changes, notes, outcome, error, step, record";

impl Store {
    /// Records a run and all its rows in one transaction; returns the run's id. A live run's
    /// rows to write have no outcome yet: they are the journal `pending_items_at_step` reads
    /// back. The rows are written as they come. A sync's plans are journaled page by page as
    /// they are made instead (`start_plan`); this records a run whole, as tests and benches do.
    pub fn create_run<I>(&mut self, run: &NewRun, items: I) -> Result<i64>
    where
        I: IntoIterator,
        I::Item: Borrow<RunItem>,
    {
        let at = self.clock.now();
        let now = stamp(at);
        let token = if run.mode == RunMode::Live { Some(self.presence_token()?) } else { None };
        // Running until every row is in: only then is it known whether any is still to write.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO sync_runs (kind, mode, status, portal_id, settings, estimate, api_calls, started_at, ended_at, base_url)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, (SELECT base_url FROM portals WHERE portal_id = ?4))",
            params![
                run.kind.as_str(),
                run.mode.as_str(),
                RunStatus::Running.as_str(),
                run.portal_id.map(|p| p as i64),
                run.settings.to_string(),
                run.estimate.to_string(),
                run.api_calls as i64,
                now,
                None::<String>,
            ],
        )?;
        let run_id = tx.last_insert_rowid();
        let portal = run_portal(&tx, run_id)?;
        let mut every_row_done = true;
        for item in items {
            let item = item.borrow();
            every_row_done &= item.outcome.is_some();
            // A live run links each lead it skipped to the contact it matched (a lead it
            // writes is linked when HubSpot answers); a preview links nothing.
            let mut notes = std::borrow::Cow::Borrowed(&item.notes);
            if run.mode == RunMode::Live
                && item.outcome == Some(ItemOutcome::Skipped)
                && let Some(contact) = item.contact_id.as_deref()
                && let Some(note) = link_lead(&tx, portal, item.lead_id, contact)?
            {
                notes.to_mut().push(note);
            }
            insert_item(&tx, run_id, item, &notes)?;
        }
        let mut lease = None;
        if run.mode == RunMode::Preview || every_row_done {
            tx.execute(
                "UPDATE sync_runs SET status = ?2, ended_at = ?3 WHERE id = ?1",
                params![run_id, RunStatus::Completed.as_str(), now],
            )?;
        } else if let Some(token) = &token {
            // A live run with rows to write is written under its portal's lease.
            lease = Some(leases::take(&tx, self.leases_dir.as_deref(), token, self.lease.as_ref(), run_id, at)?);
        }
        tx.commit()?;
        if lease.is_some() {
            self.lease = lease;
        }
        Ok(run_id)
    }

    /// Records what became of some pending rows and links each written lead to its contact, in
    /// one transaction, under the run's lease (`LeaseLost` when this connection does not hold
    /// it). A contact already linked to another lead is not relinked; the row says so in its
    /// notes. A row that has its outcome already keeps it: outcomes never go back (a row recorded
    /// `created` stays `created`, whatever a later reply says).
    pub fn record_outcomes(&mut self, run_id: i64, results: &[ItemResult], api_calls: u64) -> Result<()> {
        let tx = self.conn.transaction()?;
        leases::renew(&tx, self.lease.as_ref(), run_id, self.clock.now())?;
        let portal = run_portal(&tx, run_id)?;
        {
            let mut row_of = tx.prepare_cached(
                "SELECT lead_id, notes, outcome IS NOT NULL FROM sync_run_items WHERE run_id = ?1 AND seq = ?2",
            )?;
            let mut update = tx.prepare_cached(
                "UPDATE sync_run_items SET outcome = ?3, contact_id = COALESCE(?4, contact_id), error = ?5, notes = ?6
                 WHERE run_id = ?1 AND seq = ?2 AND outcome IS NULL",
            )?;
            for result in results {
                let (lead_id, notes, settled): (i64, String, bool) = row_of
                    .query_row(params![run_id, result.seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?
                    .ok_or_else(|| StoreError::Corrupt(format!("run {run_id} has no row {}", result.seq)))?;
                if settled {
                    tracing::warn!(
                        run_id,
                        seq = result.seq,
                        outcome = result.outcome.as_str(),
                        "row already has its outcome; kept"
                    );
                    continue;
                }
                let mut notes: Vec<String> = serde_json::from_str(&notes).map_err(|_| corrupt("notes", &notes))?;
                let written = matches!(result.outcome, ItemOutcome::Updated | ItemOutcome::Created);
                if let Some(contact) = result.contact_id.as_deref().filter(|_| written)
                    && let Some(note) = link_lead(&tx, portal, lead_id, contact)?
                {
                    notes.push(note);
                }
                // An archived contact is gone from HubSpot's lists: its lead no longer links to it.
                if let Some(contact) = result.contact_id.as_deref().filter(|_| result.outcome == ItemOutcome::Archived)
                {
                    tx.prepare_cached(
                        "DELETE FROM lead_links WHERE portal_id = ?1 AND lead_id = ?2 AND contact_id = ?3",
                    )?
                    .execute(params![portal, lead_id, contact])?;
                }
                update.execute(params![
                    run_id,
                    result.seq,
                    result.outcome.as_str(),
                    result.contact_id,
                    result.error,
                    serde_json::to_string(&notes).expect("strings"),
                ])?;
            }
        }
        tx.execute("UPDATE sync_runs SET api_calls = ?2 WHERE id = ?1", params![run_id, api_calls as i64])?;
        tx.commit()?;
        Ok(())
    }

    /// Applies pulled rows to the leads and records their outcomes, in one transaction: a row
    /// with a lead updates it, one without adds a lead (or, if a lead with that email appeared
    /// since the plan, updates it); each lead is linked to its contact unless another lead holds
    /// it. Values are checked again, so a row the field types refuse fails alone.
    pub fn apply_pull(&mut self, run_id: i64, rows: &[PulledLead]) -> Result<()> {
        let fields: std::collections::BTreeMap<String, crate::Field> =
            self.fields()?.into_iter().map(|f| (f.key.clone(), f)).collect();
        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        leases::renew(&tx, self.lease.as_ref(), run_id, self.clock.now())?;
        let portal = run_portal(&tx, run_id)?;
        let fail = |seq: i64, error: StoreError| -> Result<()> {
            tx.prepare_cached(
                "UPDATE sync_run_items SET outcome = 'failed', error = ?3 WHERE run_id = ?1 AND seq = ?2",
            )?
            .execute(params![run_id, seq, error.to_string()])?;
            Ok(())
        };
        for row in rows {
            // Applied already (outcomes never go back).
            let settled: bool = tx
                .prepare_cached("SELECT outcome IS NOT NULL FROM sync_run_items WHERE run_id = ?1 AND seq = ?2")?
                .query_row(params![run_id, row.seq], |r| r.get(0))
                .optional()?
                .unwrap_or(true);
            if settled {
                continue;
            }
            let values: Vec<(&str, &str)> = row.values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let checked = match crate::store::check_values(&fields, &values) {
                Ok(checked) => checked,
                Err(e) => {
                    fail(row.seq, e)?;
                    continue;
                }
            };
            let existing = match row.lead_id {
                Some(id) => Some(id),
                None => tx
                    .prepare_cached(crate::store::FIND_LEAD_BY_EMAIL_KEY)?
                    .query_row([crate::fields::email_key(&row.email)], |r| r.get(0))
                    .optional()?,
            };
            let (lead_id, outcome) = match existing {
                Some(id) => {
                    tx.prepare_cached("UPDATE leads SET updated_at = ?1 WHERE id = ?2")?.execute(params![now, id])?;
                    (id, ItemOutcome::Updated)
                }
                None => {
                    let (email, key) = match crate::fields::canonical_email(&row.email) {
                        Ok(canonical) => canonical,
                        Err(invalid) => {
                            fail(row.seq, invalid)?;
                            continue;
                        }
                    };
                    tx.prepare_cached(crate::store::INSERT_LEAD)?.execute(params![email, key, now])?;
                    (tx.last_insert_rowid(), ItemOutcome::Created)
                }
            };
            crate::store::write_values(&tx, lead_id, &checked)?;
            crate::store::write_search_text(&tx, lead_id)?;
            let note = link_lead(&tx, portal, lead_id, &row.contact_id)?;
            tx.prepare_cached(
                "UPDATE sync_run_items SET outcome = ?3, lead_id = ?4,
                 notes = CASE WHEN ?5 IS NULL THEN notes ELSE json_insert(notes, '$[#]', ?5) END
                 WHERE run_id = ?1 AND seq = ?2",
            )?
            .execute(params![run_id, row.seq, outcome.as_str(), lead_id, note])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Ends a live run: `Completed` when no row is pending, else `Interrupted` with the reason,
    /// and gives its lease back. A run with rows pending is ended only by its lease's holder.
    pub fn finish_run(&mut self, run_id: i64, stop_reason: Option<&str>, api_calls: u64) -> Result<RunStatus> {
        let tx = self.conn.transaction()?;
        let pending: i64 =
            tx.query_row("SELECT COUNT(*) FROM sync_run_items WHERE run_id = ?1 AND outcome IS NULL", [run_id], |r| {
                r.get(0)
            })?;
        let holds = self.lease.as_ref().is_some_and(|held| held.run_id == run_id);
        if holds || pending > 0 {
            leases::renew(&tx, self.lease.as_ref(), run_id, self.clock.now())?;
        }
        let status = if pending == 0 { RunStatus::Completed } else { RunStatus::Interrupted };
        let changed = tx.execute(
            "UPDATE sync_runs SET status = ?2, stop_reason = ?3, api_calls = ?4, ended_at = ?5 WHERE id = ?1",
            params![
                run_id,
                status.as_str(),
                if pending == 0 { None } else { stop_reason },
                api_calls as i64,
                stamp(self.clock.now())
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::RunNotFound(run_id));
        }
        if let Some(held) = self.lease.as_ref().filter(|_| holds) {
            leases::end(&tx, held)?;
        }
        tx.commit()?;
        if holds {
            self.lease = None;
        }
        Ok(status)
    }

    /// Checks that this connection still holds run `run_id`'s lease, and renews it: what a
    /// writer does before it sends anything. `LeaseLost` once another process took it over.
    pub fn check_lease(&mut self, run_id: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        leases::renew(&tx, self.lease.as_ref(), run_id, self.clock.now())?;
        tx.commit()?;
        Ok(())
    }

    /// Gives back the lease this connection holds, if any, leaving its run as it is (a run that
    /// stopped on an error: it resumes later). Safe to call on every way out of a run. Returns
    /// whether no lease is left behind (a row it could not delete is taken over once this
    /// connection's lock is free).
    pub fn release_lease(&mut self) -> bool {
        let Some(held) = self.lease.take() else { return true };
        match leases::end(&self.conn, &held) {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, run_id = held.run_id, "could not give back the run's lease");
                false
            }
        }
    }

    /// Who is writing run `run_id` now, if a live process is.
    pub fn run_writer(&self, run_id: i64) -> Result<Option<LeaseHolder>> {
        leases::holder_of(&self.conn, self.leases_dir.as_deref(), run_id, self.clock.now())
    }

    /// Refuses run `run`'s writes when its portal is reached at another address than the run was
    /// made against: that may be another HubSpot account. The built-in sandbox portal moves to a
    /// new port every time the app starts and is the same portal wherever it listens.
    pub fn check_run_address(&self, run: &Run) -> Result<()> {
        check_address(&self.conn, run.id, run.portal_id, run.base_url.as_deref())
    }

    /// Marks a resumable run as running again and takes its lease: refused with `RunInProgress`
    /// while another process writes it (or another run of its portal), taken over when the
    /// process that wrote it has ended.
    pub fn reopen_run(&mut self, run_id: i64) -> Result<Run> {
        let run = self.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?;
        if !run.is_resumable() {
            return Err(StoreError::RunNotResumable { run_id, why: resumable_why(&run) });
        }
        let token = self.presence_token()?;
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        check_address(&tx, run_id, run.portal_id, run.base_url.as_deref())?;
        let lease =
            leases::take(&tx, self.leases_dir.as_deref(), &token, self.lease.as_ref(), run_id, self.clock.now())?;
        tx.execute(
            "UPDATE sync_runs SET status = 'running', stop_reason = NULL, ended_at = NULL WHERE id = ?1",
            [run_id],
        )?;
        tx.commit()?;
        self.lease = Some(lease);
        self.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))
    }

    /// Every run, newest first.
    pub fn runs(&self) -> Result<Vec<Run>> {
        let mut stmt = self.conn.prepare(&format!("SELECT {RUN_COLUMNS} FROM sync_runs ORDER BY id DESC"))?;
        let mut runs: Vec<Run> = stmt.query_map([], read_run)?.collect::<rusqlite::Result<_>>()?;
        let mut counts = self
            .conn
            .prepare("SELECT run_id, action, outcome, COUNT(*) FROM sync_run_items GROUP BY run_id, action, outcome")?;
        let index: std::collections::HashMap<i64, usize> = runs.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        let rows = counts.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, i64>(3)?))
        })?;
        for row in rows {
            let (run_id, action, outcome, n) = row?;
            if let Some(&i) = index.get(&run_id) {
                add_count(&mut runs[i].counts, &action, outcome.as_deref(), n as u64)?;
            }
        }
        Ok(runs)
    }

    pub fn run(&self, run_id: i64) -> Result<Option<Run>> {
        let Some(mut run) = self
            .conn
            .query_row(&format!("SELECT {RUN_COLUMNS} FROM sync_runs WHERE id = ?1"), [run_id], read_run)
            .optional()?
        else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare(
            "SELECT action, outcome, COUNT(*) FROM sync_run_items WHERE run_id = ?1 GROUP BY action, outcome",
        )?;
        let rows = stmt.query_map([run_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?))
        })?;
        for row in rows {
            let (action, outcome, n) = row?;
            add_count(&mut run.counts, &action, outcome.as_deref(), n as u64)?;
        }
        Ok(Some(run))
    }

    /// The newest live run of this kind with this portal (`None`: of no portal) that completed:
    /// an incremental pull starts from it. Another portal's runs say nothing of this one.
    pub fn last_completed_live_run(&self, kind: RunKind, portal_id: Option<u64>) -> Result<Option<Run>> {
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM sync_runs WHERE kind = ?1 AND mode = 'live' AND status = 'completed' AND portal_id IS ?2
                 ORDER BY id DESC LIMIT 1",
                params![kind.as_str(), portal_id.map(|p| p as i64)],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => self.run(id),
            None => Ok(None),
        }
    }

    /// A run's rows, in order.
    pub fn run_items(&self, run_id: i64) -> Result<Vec<RunItem>> {
        self.items_where(run_id, "", None, -1, i64::MAX)
    }

    /// Journals that these rows' batch is about to be sent, so that a later session knows a
    /// pending row may have landed already.
    pub fn mark_sent(&mut self, run_id: i64, seqs: &[i64]) -> Result<()> {
        let tx = self.conn.transaction()?;
        leases::renew(&tx, self.lease.as_ref(), run_id, self.clock.now())?;
        {
            let mut mark = tx.prepare_cached("UPDATE sync_run_items SET sent = 1 WHERE run_id = ?1 AND seq = ?2")?;
            for seq in seqs {
                mark.execute(params![run_id, seq])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The pending rows of a run that an earlier session sent without recording a reply.
    pub fn sent_pending(&self, run_id: i64) -> Result<std::collections::HashSet<i64>> {
        let mut stmt =
            self.conn.prepare("SELECT seq FROM sync_run_items WHERE run_id = ?1 AND outcome IS NULL AND sent = 1")?;
        let seqs = stmt.query_map([run_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(seqs)
    }

    /// Up to `limit` pending rows after row `after_seq`, in order: for working through a big
    /// run a page at a time.
    pub fn pending_items_page(&self, run_id: i64, after_seq: i64, limit: usize) -> Result<Vec<RunItem>> {
        self.items_where(run_id, "AND outcome IS NULL", None, after_seq, i64::try_from(limit).unwrap_or(i64::MAX))
    }

    /// The steps that still have rows to write in a live run, in order.
    pub fn pending_steps(&self, run_id: i64) -> Result<Vec<u32>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT step FROM sync_run_items WHERE run_id = ?1 AND outcome IS NULL ORDER BY step",
        )?;
        let steps = stmt.query_map([run_id], |r| r.get(0))?;
        Ok(steps.collect::<rusqlite::Result<_>>()?)
    }

    /// Up to `limit` pending rows of one step after row `after_seq`, in order: a live run's
    /// writes, a page at a time.
    pub fn pending_items_at_step(&self, run_id: i64, step: u32, after_seq: i64, limit: usize) -> Result<Vec<RunItem>> {
        self.items_where(run_id, "AND outcome IS NULL", Some(step), after_seq, i64::try_from(limit).unwrap_or(i64::MAX))
    }

    /// Up to `limit` rows of one step after row `after_seq`, in order: a run's rows at that step,
    /// a page at a time.
    pub fn step_items_page(&self, run_id: i64, step: u32, after_seq: i64, limit: usize) -> Result<Vec<RunItem>> {
        self.items_where(run_id, "", Some(step), after_seq, i64::try_from(limit).unwrap_or(i64::MAX))
    }

    /// A run's rows after step 0, in order (an undo's stages set after their clear: few).
    pub fn later_step_items(&self, run_id: i64) -> Result<Vec<RunItem>> {
        self.items_where(run_id, "AND step > 0", None, -1, i64::MAX)
    }

    /// Every row of a run, in order, read a page at a time: a run of any size in bounded memory.
    pub fn iter_run_items(&self, run_id: i64) -> RunItemPages<'_> {
        RunItemPages { store: self, run_id, after_seq: -1, page: Vec::new().into_iter(), finished: false }
    }

    /// The contacts whose row at `step` failed: a later step for the same contact must not go on
    /// as if it had landed.
    pub fn failed_contacts(&self, run_id: i64, step: u32) -> Result<std::collections::HashSet<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT contact_id FROM sync_run_items WHERE run_id = ?1 AND step = ?2 AND outcome = 'failed' AND contact_id IS NOT NULL",
        )?;
        let rows = stmt.query_map(params![run_id, step], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The live undo runs made of run `run_id`, newest first.
    pub fn undo_runs_of(&self, run_id: i64) -> Result<Vec<Run>> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM sync_runs WHERE kind = 'undo' AND mode = 'live' AND json_extract(settings, '$.undo_of') = ?1 ORDER BY id DESC",
        )?;
        let ids: Vec<i64> = stmt.query_map([run_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        ids.into_iter().map(|id| self.run(id)?.ok_or(StoreError::RunNotFound(id))).collect()
    }

    /// `filter` is a fixed condition; `step`, when given, keeps that step's rows alone.
    fn items_where(
        &self,
        run_id: i64,
        filter: &str,
        step: Option<u32>,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<RunItem>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS} FROM sync_run_items
             WHERE run_id = ?1 AND seq > ?2 AND (?4 IS NULL OR step = ?4) {filter} ORDER BY seq LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![run_id, after_seq, limit, step], RawItem::read)?;
        rows.map(|row| row?.parse()).collect()
    }

    /// Up to `limit` rows of a run from the `offset`th row the filter matches, in order, with
    /// the number of rows it matches: a table of any size a page at a time. An empty search
    /// matches every row.
    pub fn run_items_page(&self, run_id: i64, filter: &RunItemFilter, offset: u64, limit: u64) -> Result<RunItemPage> {
        let search = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase);
        // Unset parts match everything, so one statement serves every filter.
        let conditions = "run_id = ?1
             AND (?2 IS NULL OR action = ?2)
             AND (?3 IS NULL OR outcome = ?3)
             AND (?4 = 0 OR outcome IS NULL)
             AND (?5 IS NULL OR instr(lower(email), ?5) > 0)";
        let (action, outcome) = (filter.action.map(RunAction::as_str), filter.outcome.map(ItemOutcome::as_str));
        let args = params![run_id, action, outcome, filter.pending, search];
        let total: i64 = self
            .conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM sync_run_items WHERE {conditions}"))?
            .query_row(args, |r| r.get(0))?;
        // Plain numbers, written into the statement so both statements take the same parameters.
        let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ITEM_COLUMNS} FROM sync_run_items WHERE {conditions} ORDER BY seq LIMIT {} OFFSET {}",
            clamp(limit),
            clamp(offset)
        ))?;
        let rows = stmt.query_map(args, RawItem::read)?;
        let items = rows.map(|row| row?.parse()).collect::<Result<Vec<_>>>()?;
        Ok(RunItemPage { total: total as u64, offset, items })
    }

    /// The id of the newest run, if any: what a run started after it is newer than.
    pub fn newest_run_id(&self) -> Result<Option<i64>> {
        Ok(self.conn.query_row("SELECT MAX(id) FROM sync_runs", [], |r| r.get(0))?)
    }
}

/// A row of `sync_run_items` as SQLite holds it, before its JSON and names are checked.
struct RawItem {
    seq: i64,
    lead_id: i64,
    email: String,
    contact_id: Option<String>,
    action: String,
    reasons: Option<String>,
    changes: String,
    notes: String,
    outcome: Option<String>,
    error: Option<String>,
    step: u32,
    record: String,
}

impl RawItem {
    /// Reads the `ITEM_COLUMNS`, in their order.
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawItem> {
        Ok(RawItem {
            seq: r.get(0)?,
            lead_id: r.get(1)?,
            email: r.get(2)?,
            contact_id: r.get(3)?,
            action: r.get(4)?,
            reasons: r.get(5)?,
            changes: r.get(6)?,
            notes: r.get(7)?,
            outcome: r.get(8)?,
            error: r.get(9)?,
            step: r.get(10)?,
            record: r.get(11)?,
        })
    }

    fn parse(self) -> Result<RunItem> {
        let RawItem { seq, lead_id, email, contact_id, action, reasons, changes, notes, outcome, error, step, record } =
            self;
        Ok(RunItem {
            seq,
            lead_id,
            email,
            contact_id,
            action: RunAction::parse(&action).ok_or_else(|| corrupt("action", &action))?,
            reasons: match reasons {
                Some(raw) => serde_json::from_str(&raw).map_err(|_| corrupt("reasons", &raw))?,
                None => Vec::new(),
            },
            changes: serde_json::from_str(&changes).map_err(|_| corrupt("changes", &changes))?,
            notes: serde_json::from_str(&notes).map_err(|_| corrupt("notes", &notes))?,
            outcome: match outcome {
                Some(raw) => Some(ItemOutcome::parse(&raw).ok_or_else(|| corrupt("outcome", &raw))?),
                None => None,
            },
            error,
            step,
            record: serde_json::from_str(&record).map_err(|_| corrupt("record", &record))?,
        })
    }
}

/// A run's rows, a page at a time (`Store::iter_run_items`).
pub struct RunItemPages<'a> {
    store: &'a Store,
    run_id: i64,
    after_seq: i64,
    page: std::vec::IntoIter<RunItem>,
    finished: bool,
}

impl RunItemPages<'_> {
    const PAGE: i64 = 5_000;
}

impl Iterator for RunItemPages<'_> {
    type Item = Result<RunItem>;

    fn next(&mut self) -> Option<Result<RunItem>> {
        loop {
            if let Some(item) = self.page.next() {
                self.after_seq = item.seq;
                return Some(Ok(item));
            }
            if self.finished {
                return None;
            }
            match self.store.items_where(self.run_id, "", None, self.after_seq, Self::PAGE) {
                Ok(page) if page.is_empty() => self.finished = true,
                Ok(page) => self.page = page.into_iter(),
                Err(error) => {
                    self.finished = true;
                    return Some(Err(error));
                }
            }
        }
    }
}

/// Writes one row of run `run_id`, with `notes` for the item's own.
pub(crate) fn insert_item(tx: &rusqlite::Transaction<'_>, run_id: i64, item: &RunItem, notes: &[String]) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_run_items (run_id, seq, lead_id, email, contact_id, action, reason, changes, notes, outcome, error, step, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        run_id,
        item.seq,
        item.lead_id,
        item.email,
        item.contact_id,
        item.action.as_str(),
        (!item.reasons.is_empty()).then(|| serde_json::to_string(&item.reasons).expect("strings")),
        serde_json::to_string(&item.changes).expect("plain data"),
        serde_json::to_string(notes).expect("strings"),
        item.outcome.map(ItemOutcome::as_str),
        item.error,
        item.step,
        serde_json::to_string(&item.record).expect("strings"),
    ])?;
    Ok(())
}

/// The portal a run's links belong to: the run's own, whichever portal is active now.
pub(crate) fn run_portal(tx: &rusqlite::Transaction<'_>, run_id: i64) -> Result<i64> {
    let portal: Option<Option<i64>> =
        tx.query_row("SELECT portal_id FROM sync_runs WHERE id = ?1", [run_id], |r| r.get(0)).optional()?;
    match portal {
        Some(Some(portal)) => Ok(portal),
        Some(None) => crate::store::active_profile(tx),
        None => Err(StoreError::RunNotFound(run_id)),
    }
}

/// Links a lead to its contact in `portal`, unless another lead holds that contact: then it
/// says so, for the row's notes. A lead deleted since the run was planned has nothing to link.
pub(crate) fn link_lead(
    tx: &rusqlite::Transaction<'_>,
    portal: i64,
    lead_id: i64,
    contact: &str,
) -> Result<Option<String>> {
    if let Some(other) = crate::store::linked_lead(tx, portal, contact, lead_id)? {
        return Ok(Some(format!("contact {contact} is linked to lead {other}, so this lead was not linked to it")));
    }
    if tx.prepare_cached("SELECT 1 FROM leads WHERE id = ?1")?.query_row([lead_id], |_| Ok(())).optional()?.is_none() {
        return Ok(None);
    }
    crate::store::set_link(tx, portal, lead_id, contact)?;
    Ok(None)
}

/// `Store::check_run_address` on a connection (or a transaction).
fn check_address(conn: &rusqlite::Connection, run_id: i64, portal_id: Option<u64>, then: Option<&str>) -> Result<()> {
    let (Some(portal_id), Some(then)) = (portal_id, then) else { return Ok(()) };
    let now: Option<(String, String)> = conn
        .query_row("SELECT base_url, token_kind FROM portals WHERE portal_id = ?1", [portal_id as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match now {
        Some((now, kind)) if kind != "sandbox" && !crate::portals::same_address(then, &now) => {
            Err(StoreError::PortalMoved { run_id, portal_id, then: then.to_string(), now })
        }
        _ => Ok(()),
    }
}

fn resumable_why(run: &Run) -> String {
    match (run.mode, run.status) {
        (RunMode::Preview, _) => "it is a preview, which writes nothing; run the sync live instead".into(),
        _ => "it has completed: every row has its outcome".into(),
    }
}

fn add_count(counts: &mut RunCounts, action: &str, outcome: Option<&str>, n: u64) -> Result<()> {
    match RunAction::parse(action).ok_or_else(|| corrupt("action", action))? {
        RunAction::Update => counts.update += n,
        RunAction::Create => counts.create += n,
        RunAction::Skip => counts.skip += n,
        RunAction::Invalid => counts.invalid += n,
        RunAction::Archive => counts.archive += n,
    }
    match outcome.map(|o| ItemOutcome::parse(o).ok_or_else(|| corrupt("outcome", o))).transpose()? {
        Some(ItemOutcome::Updated) => counts.updated += n,
        Some(ItemOutcome::Created) => counts.created += n,
        Some(ItemOutcome::Failed) => counts.failed += n,
        Some(ItemOutcome::Archived) => counts.archived += n,
        None => counts.pending += n,
        Some(_) => {}
    }
    Ok(())
}

fn read_run(r: &rusqlite::Row<'_>) -> rusqlite::Result<Run> {
    let text = |i: usize, raw: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, format!("unknown {raw:?}").into())
    };
    let json = |i: usize, raw: String| {
        serde_json::from_str::<Value>(&raw)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
    };
    let kind: String = r.get(1)?;
    let mode: String = r.get(2)?;
    let status: String = r.get(3)?;
    Ok(Run {
        id: r.get(0)?,
        kind: RunKind::parse(&kind).ok_or_else(|| text(1, kind.clone()))?,
        mode: RunMode::parse(&mode).ok_or_else(|| text(2, mode.clone()))?,
        status: RunStatus::parse(&status).ok_or_else(|| text(3, status.clone()))?,
        portal_id: r.get::<_, Option<i64>>(4)?.map(|p| p as u64),
        settings: json(5, r.get(5)?)?,
        estimate: json(6, r.get(6)?)?,
        api_calls: r.get::<_, i64>(7)? as u64,
        started_at: parse_stamp(&r.get::<_, String>(8)?)?,
        ended_at: r.get::<_, Option<String>>(9)?.as_deref().map(parse_stamp).transpose()?,
        stop_reason: r.get(10)?,
        counts: RunCounts::default(),
        base_url: r.get(11)?,
    })
}

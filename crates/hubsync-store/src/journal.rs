//! The journal the sync engine keeps while it plans and writes a run. A plan is journaled page
//! by page as it is made (`PlanJournal`, `journal/plans.rs`); a live run's rows are in the store
//! before anything is sent, each batch is marked sent before it goes out, and each outcome lands
//! in the same transaction as the lead's link to its contact, under the run's lease (`Journal`),
//! so a run cut off at any moment resumes from exactly what is left. A push's company and
//! association rows are journaled and written the same way (`CompanyJournal`,
//! `journal/companies.rs`).
//!
//! They are traits implemented for `Store`, so their operations can be called only where one is
//! imported. Only the sync engine (`hubsync-sync`) imports them: it keeps the journal's order,
//! which a single call out of place would break (a row sent before it was marked, a lease given
//! back mid-run). The shells and the app layer write runs through `hubsync_sync`'s use cases and
//! read them through `Store` (`runs.rs`, `run_items.rs`); `tests/store/journal_access.rs` fails
//! when any other crate imports this module.

mod companies;
mod plans;

use std::borrow::Borrow;

use rusqlite::{OptionalExtension, params};

use crate::Result;
use crate::error::StoreError;
use crate::leases;
use crate::pulled::{PulledRelated, apply_related, check_related};
use crate::row_messages::{RowFailure, RowNote, RowReason, stored};
use crate::run_items::insert_item;
use crate::runs::{ItemOutcome, NewRun, Run, RunItem, RunKind, RunMode, RunStatus, corrupt};
use crate::store::{Store, stamp};

pub use companies::{
    AssociationDecision, AssociationDraft, AssociationResult, CompanyJournal, CompanyResult, CompanySide,
    DomainLeadValue, DomainToPlan, LeadDomainRow, PendingAssociation, PlannedCompanyRow, SharedAssociation,
    UnassociationFilter, UndoAssociationRow,
};
pub use plans::{ContestedRow, PlanJournal, PlanRow};

/// One row of a live pull to apply: the lead it updates (or `None` for a new lead), the
/// contact's email and id, the lead values it sets (canonical for their fields), and the
/// contact's company and deals as read (`None`: neither was read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PulledLead {
    pub seq: i64,
    pub lead_id: Option<i64>,
    pub email: String,
    pub contact_id: String,
    pub values: Vec<(String, String)>,
    pub related: Option<PulledRelated>,
}

/// What became of one pending row of a live run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemResult {
    pub seq: i64,
    pub outcome: ItemOutcome,
    pub contact_id: Option<String>,
    pub error: Option<RowFailure>,
}

/// A live run's journal: recording a run, its sends and outcomes under its lease, reading what is
/// left to write, ending and reopening it. Only the sync engine imports it (see the module docs).
pub trait Journal {
    /// Records a run and all its rows in one transaction; returns the run's id. A live run's
    /// rows to write have no outcome yet: they are the journal `pending_items_at_step` reads
    /// back. The rows are written as they come. A sync's plans are journaled page by page as
    /// they are made instead (`start_plan`); this records a run whole, as tests and benches do.
    fn create_run<I>(&mut self, run: &NewRun, items: I) -> Result<i64>
    where
        I: IntoIterator,
        I::Item: Borrow<RunItem>;

    /// Records what became of some pending rows and links each written lead to its contact, in
    /// one transaction, under the run's lease (`LeaseLost` when this connection does not hold
    /// it). A contact already linked to another lead is not relinked; the row says so in its
    /// notes. A row that has its outcome already keeps it: outcomes never go back (a row recorded
    /// `created` stays `created`, whatever a later reply says).
    fn record_outcomes(&mut self, run_id: i64, results: &[ItemResult], api_calls: u64) -> Result<()>;

    /// Applies pulled rows to the leads and records their outcomes, in one transaction: a row
    /// with a lead updates it, one without adds a lead (or, if a lead with that email appeared
    /// since the plan, updates it); each lead is linked to its contact unless another lead holds
    /// it, and gets the contact's company and deals the row carries (`pulled::apply_related`).
    /// Values, company values and deals are checked again, so a row the store refuses fails alone.
    fn apply_pull(&mut self, run_id: i64, rows: &[PulledLead]) -> Result<()>;

    /// Ends a live run: `Completed` when no row is pending, else `Interrupted` with the reason,
    /// and gives its lease back. A run with rows pending is ended only by its lease's holder.
    fn finish_run(&mut self, run_id: i64, stop_reason: Option<&str>, api_calls: u64) -> Result<RunStatus>;

    /// Notes that live run `run_id`, which `finish_run` left interrupted, stopped itself at `guardrail`;
    /// a resume clears it.
    fn mark_stopped_by(&mut self, run_id: i64, guardrail: crate::Guardrail) -> Result<()>;

    /// Checks that this connection still holds run `run_id`'s lease, and renews it: what a
    /// writer does before it sends anything. `LeaseLost` once another process took it over.
    fn check_lease(&mut self, run_id: i64) -> Result<()>;

    /// Gives back the lease this connection holds, if any, leaving its run as it is (a run that
    /// stopped on an error: it resumes later). Safe to call on every way out of a run. Returns
    /// whether no lease is left behind (a row it could not delete is taken over once this
    /// connection's lock is free).
    fn release_lease(&mut self) -> bool;

    /// Refuses run `run`'s writes when its portal is reached at another address than the run was
    /// made against: that may be another HubSpot account. The built-in sandbox portal moves to a
    /// new port every time the app starts and is the same portal wherever it listens.
    fn check_run_address(&self, run: &Run) -> Result<()>;

    /// Marks a resumable run as running again and takes its lease: refused with `RunInProgress`
    /// while another process writes it (or another run of its portal), taken over when the
    /// process that wrote it has ended.
    fn reopen_run(&mut self, run_id: i64) -> Result<Run>;

    /// Journals that these rows' batch is about to be sent, so that a later session knows a
    /// pending row may have landed already.
    fn mark_sent(&mut self, run_id: i64, seqs: &[i64]) -> Result<()>;

    /// The pending rows of a run that an earlier session sent without recording a reply.
    fn sent_pending(&self, run_id: i64) -> Result<std::collections::HashSet<i64>>;

    /// Up to `limit` pending rows after row `after_seq`, in order: for working through a big
    /// run a page at a time.
    fn pending_items_page(&self, run_id: i64, after_seq: i64, limit: usize) -> Result<Vec<RunItem>>;

    /// The steps that still have rows to write in a live run, in order.
    fn pending_steps(&self, run_id: i64) -> Result<Vec<u32>>;

    /// Up to `limit` pending rows of one step after row `after_seq`, in order: a live run's
    /// writes, a page at a time.
    fn pending_items_at_step(&self, run_id: i64, step: u32, after_seq: i64, limit: usize) -> Result<Vec<RunItem>>;

    /// The contacts whose row at `step` failed: a later step for the same contact must not go on
    /// as if it had landed.
    fn failed_contacts(&self, run_id: i64, step: u32) -> Result<std::collections::HashSet<String>>;
}

impl Journal for Store {
    fn create_run<I>(&mut self, run: &NewRun, items: I) -> Result<i64>
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
            "INSERT INTO sync_runs (kind, mode, status, portal_id, settings, estimate, api_calls, started_at, ended_at, base_url,
                                    planned_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, (SELECT base_url FROM portals WHERE portal_id = ?4), ?8)",
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
            // writes is linked when HubSpot answers); a preview links nothing. A push's lead
            // that matched unchanged is in step with its contact.
            let mut notes = std::borrow::Cow::Borrowed(&item.notes);
            if run.mode == RunMode::Live
                && item.outcome == Some(ItemOutcome::Skipped)
                && let Some(contact) = item.contact_id.as_deref()
            {
                match link_lead(&tx, portal, item.lead_id, contact)? {
                    Some(note) => notes.to_mut().push(note),
                    None if run.kind == RunKind::Push && item.reasons.contains(&RowReason::Unchanged) => {
                        mark_synced(&tx, portal, item.lead_id, contact, &now)?;
                    }
                    None => {}
                }
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

    fn record_outcomes(&mut self, run_id: i64, results: &[ItemResult], api_calls: u64) -> Result<()> {
        let tx = self.conn.transaction()?;
        leases::renew(&tx, self.lease.as_ref(), run_id, self.clock.now())?;
        let portal = run_portal(&tx, run_id)?;
        let (kind, planned) = planned_moment(&tx, run_id)?;
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
                let mut notes: Vec<RowNote> = serde_json::from_str(&notes).map_err(|_| corrupt("notes", &notes))?;
                let written = matches!(result.outcome, ItemOutcome::Updated | ItemOutcome::Created);
                if let Some(contact) = result.contact_id.as_deref().filter(|_| written) {
                    match link_lead(&tx, portal, lead_id, contact)? {
                        Some(note) => notes.push(note),
                        // A push's write holds the lead as its plan read it.
                        None if kind == RunKind::Push => mark_synced(&tx, portal, lead_id, contact, &planned)?,
                        None => {}
                    }
                }
                // An undo took the lead's values back from the contact: it is no longer in step.
                if kind == RunKind::Undo && result.outcome == ItemOutcome::Updated {
                    tx.prepare_cached("UPDATE lead_links SET synced_at = NULL WHERE portal_id = ?1 AND lead_id = ?2")?
                        .execute(params![portal, lead_id])?;
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
                    result.error.as_ref().map(stored),
                    stored(&notes),
                ])?;
            }
        }
        tx.execute("UPDATE sync_runs SET api_calls = ?2 WHERE id = ?1", params![run_id, api_calls as i64])?;
        tx.commit()?;
        Ok(())
    }

    fn apply_pull(&mut self, run_id: i64, rows: &[PulledLead]) -> Result<()> {
        let fields: std::collections::BTreeMap<String, crate::Field> =
            self.fields()?.into_iter().map(|f| (f.key.clone(), f)).collect();
        let company_fields = crate::fields::field_map_in(&self.conn, crate::fields::FieldTable::Company)?;
        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        leases::renew(&tx, self.lease.as_ref(), run_id, self.clock.now())?;
        let portal = run_portal(&tx, run_id)?;
        // Deals were read when the plan was made.
        let (_, read_at) = planned_moment(&tx, run_id)?;
        let fail = |seq: i64, error: StoreError| -> Result<()> {
            let failure = RowFailure::NotApplied { error_code: error.code().into(), detail: error.to_string() };
            tx.prepare_cached(
                "UPDATE sync_run_items SET outcome = 'failed', error = ?3 WHERE run_id = ?1 AND seq = ?2",
            )?
            .execute(params![run_id, seq, stored(&failure)])?;
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
            let checked = match crate::leads::check_values(&fields, &values) {
                Ok(checked) => checked,
                Err(e) => {
                    fail(row.seq, e)?;
                    continue;
                }
            };
            let related = match row.related.as_ref().map(|r| check_related(&company_fields, r)).transpose() {
                Ok(related) => related,
                Err(e) => {
                    fail(row.seq, e)?;
                    continue;
                }
            };
            let existing = match row.lead_id {
                Some(id) => Some(id),
                None => tx
                    .prepare_cached(crate::leads::FIND_LEAD_BY_EMAIL_KEY)?
                    .query_row([crate::fields::email_key(&row.email)], |r| r.get(0))
                    .optional()?,
            };
            // A lead the pull creates is in step with its contact; one it updates is when it was
            // before (else changes of its own may remain that the pull didn't write over).
            let (lead_id, outcome, in_step) = match existing {
                Some(id) => {
                    let in_step: bool = tx
                        .prepare_cached(
                            "SELECT EXISTS (SELECT 1 FROM lead_links k JOIN leads l ON l.id = k.lead_id
                             WHERE k.portal_id = ?1 AND k.lead_id = ?2 AND k.contact_id = ?3
                               AND l.updated_at <= k.synced_at)",
                        )?
                        .query_row(params![portal, id, row.contact_id], |r| r.get(0))?;
                    tx.prepare_cached("UPDATE leads SET updated_at = ?1 WHERE id = ?2")?.execute(params![now, id])?;
                    (id, ItemOutcome::Updated, in_step)
                }
                None => {
                    let (email, key) = match crate::fields::canonical_email(&row.email) {
                        Ok(canonical) => canonical,
                        Err(invalid) => {
                            fail(row.seq, invalid)?;
                            continue;
                        }
                    };
                    tx.prepare_cached(crate::leads::INSERT_LEAD)?.execute(params![email, key, now])?;
                    (tx.last_insert_rowid(), ItemOutcome::Created, true)
                }
            };
            crate::leads::write_values(&tx, lead_id, &checked)?;
            crate::leads::write_search_text(&tx, lead_id)?;
            if let Some(related) = &related {
                apply_related(&tx, portal, lead_id, related, &now, &read_at)?;
            }
            let note = link_lead(&tx, portal, lead_id, &row.contact_id)?;
            if note.is_none() && in_step {
                mark_synced(&tx, portal, lead_id, &row.contact_id, &now)?;
            }
            tx.prepare_cached(
                "UPDATE sync_run_items SET outcome = ?3, lead_id = ?4,
                 notes = CASE WHEN ?5 IS NULL THEN notes ELSE json_insert(notes, '$[#]', json(?5)) END
                 WHERE run_id = ?1 AND seq = ?2",
            )?
            .execute(params![run_id, row.seq, outcome.as_str(), lead_id, note.as_ref().map(stored)])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn finish_run(&mut self, run_id: i64, stop_reason: Option<&str>, api_calls: u64) -> Result<RunStatus> {
        let tx = self.conn.transaction()?;
        let pending = companies::pending_rows(&tx, run_id)?;
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

    fn mark_stopped_by(&mut self, run_id: i64, guardrail: crate::Guardrail) -> Result<()> {
        self.conn.execute("UPDATE sync_runs SET stop_code = ?2 WHERE id = ?1", params![run_id, guardrail.as_str()])?;
        Ok(())
    }

    fn check_lease(&mut self, run_id: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        leases::renew(&tx, self.lease.as_ref(), run_id, self.clock.now())?;
        tx.commit()?;
        Ok(())
    }

    fn release_lease(&mut self) -> bool {
        let Some(held) = self.lease.take() else { return true };
        match leases::end(&self.conn, &held) {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, run_id = held.run_id, "could not give back the run's lease");
                false
            }
        }
    }

    fn check_run_address(&self, run: &Run) -> Result<()> {
        check_address(&self.conn, run.id, run.portal_id, run.base_url.as_deref())
    }

    fn reopen_run(&mut self, run_id: i64) -> Result<Run> {
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
            "UPDATE sync_runs SET status = 'running', stop_reason = NULL, stop_code = NULL, ended_at = NULL WHERE id = ?1",
            [run_id],
        )?;
        tx.commit()?;
        self.lease = Some(lease);
        self.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))
    }

    fn mark_sent(&mut self, run_id: i64, seqs: &[i64]) -> Result<()> {
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

    fn sent_pending(&self, run_id: i64) -> Result<std::collections::HashSet<i64>> {
        let mut stmt =
            self.conn.prepare("SELECT seq FROM sync_run_items WHERE run_id = ?1 AND outcome IS NULL AND sent = 1")?;
        let seqs = stmt.query_map([run_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(seqs)
    }

    fn pending_items_page(&self, run_id: i64, after_seq: i64, limit: usize) -> Result<Vec<RunItem>> {
        self.items_where(run_id, "AND outcome IS NULL", None, after_seq, i64::try_from(limit).unwrap_or(i64::MAX))
    }

    fn pending_steps(&self, run_id: i64) -> Result<Vec<u32>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT step FROM sync_run_items WHERE run_id = ?1 AND outcome IS NULL ORDER BY step",
        )?;
        let steps = stmt.query_map([run_id], |r| r.get(0))?;
        Ok(steps.collect::<rusqlite::Result<_>>()?)
    }

    fn pending_items_at_step(&self, run_id: i64, step: u32, after_seq: i64, limit: usize) -> Result<Vec<RunItem>> {
        self.items_where(run_id, "AND outcome IS NULL", Some(step), after_seq, i64::try_from(limit).unwrap_or(i64::MAX))
    }

    fn failed_contacts(&self, run_id: i64, step: u32) -> Result<std::collections::HashSet<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT contact_id FROM sync_run_items WHERE run_id = ?1 AND step = ?2 AND outcome = 'failed' AND contact_id IS NOT NULL",
        )?;
        let rows = stmt.query_map(params![run_id, step], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// The portal a run's links belong to: the run's own, whichever portal is active now.
pub(crate) fn run_portal(tx: &rusqlite::Transaction<'_>, run_id: i64) -> Result<i64> {
    let portal: Option<Option<i64>> =
        tx.query_row("SELECT portal_id FROM sync_runs WHERE id = ?1", [run_id], |r| r.get(0)).optional()?;
    match portal {
        Some(Some(portal)) => Ok(portal),
        Some(None) => crate::portals::active_profile(tx),
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
) -> Result<Option<RowNote>> {
    if let Some(other) = crate::leads::linked_lead(tx, portal, contact, lead_id)? {
        return Ok(Some(RowNote::NotLinked { contact_id: contact.into(), lead_id: other }));
    }
    if tx.prepare_cached("SELECT 1 FROM leads WHERE id = ?1")?.query_row([lead_id], |_| Ok(())).optional()?.is_none() {
        return Ok(None);
    }
    crate::leads::set_link(tx, portal, lead_id, contact)?;
    Ok(None)
}

/// A run's kind, and the moment its plan began reading the leads (its start for a run from
/// before that was kept).
pub(crate) fn planned_moment(tx: &rusqlite::Transaction<'_>, run_id: i64) -> Result<(RunKind, String)> {
    let (kind, planned): (String, String) = tx
        .query_row("SELECT kind, COALESCE(planned_at, started_at) FROM sync_runs WHERE id = ?1", [run_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .ok_or(StoreError::RunNotFound(run_id))?;
    Ok((RunKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?, planned))
}

/// Marks `lead_id`'s link to `contact` in `portal` in step with it as of `at`: a lead edited
/// after that has changes a push would send. A link another lead holds is not the lead's to mark.
pub(crate) fn mark_synced(
    tx: &rusqlite::Transaction<'_>,
    portal: i64,
    lead_id: i64,
    contact: &str,
    at: &str,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE lead_links SET synced_at = ?4 WHERE portal_id = ?1 AND lead_id = ?2 AND contact_id = ?3",
    )?
    .execute(params![portal, lead_id, contact, at])?;
    Ok(())
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

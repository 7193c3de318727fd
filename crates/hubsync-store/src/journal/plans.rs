//! A plan journaled as it is made. A push of a million leads plans a page at a time and writes
//! each page's rows here, so its plan is never held in memory: it is a preview run whose status
//! stays `running` while it is made and until it is recorded as a preview (`record_plan`), made
//! the live run (`live_run_from_plan`), or thrown away (`discard_plan`).
//!
//! Rows that matched a contact also leave a claim on it in a table of the connection's own
//! (`temp.plan_claims`): when several rows reach one contact, `contested_rows` names those the
//! strongest claim beats, without the plan ever being in memory at once.

use rusqlite::{OptionalExtension, params};
use serde_json::Value;

use super::{link_lead, mark_synced, planned_moment, run_portal};
use crate::Result;
use crate::error::StoreError;
use crate::leases;
use crate::row_messages::{RowReason, stored};
use crate::run_items::insert_item;
use crate::runs::{NewRun, RunItem, RunKind, RunMode, RunStatus};
use crate::store::{Store, stamp};

/// One planned row, and its claim on the contact it matched: of several rows on one contact, the
/// greatest claim (then the latest row) is the one that writes it. Claims compare as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanRow {
    pub item: RunItem,
    pub claim: Option<String>,
}

/// A row that writes a contact another row of the plan holds a stronger claim on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestedRow {
    pub seq: i64,
    pub contact_id: String,
    /// The email of the row whose claim is the strongest: the one that writes the contact.
    pub winner_email: String,
}

/// Rows of a journal handled at a time when a plan becomes a live run.
const LINK_PAGE: i64 = 10_000;

/// A plan journaled as it is made, then recorded as a preview, made the live run or thrown away.
/// Only the sync engine imports it (see `journal`'s docs).
pub trait PlanJournal {
    /// Starts journaling a plan: a preview run, `running` until it is recorded or run.
    fn start_plan(&mut self, run: &NewRun) -> Result<i64>;

    /// Adds planned rows to plan `run_id`, in one transaction. Rows may come in any order of
    /// `seq`.
    fn add_plan_rows(&mut self, run_id: i64, rows: impl IntoIterator<Item = PlanRow>) -> Result<()>;

    /// The update rows of plan `run_id` whose contact another row has a stronger claim on, in
    /// order. Only contacts claimed more than once are ranked.
    fn contested_rows(&self, run_id: i64) -> Result<Vec<ContestedRow>>;

    /// Makes rows of plan `run_id` invalid, each with its reasons (its changes stay, to show).
    fn invalidate_plan_rows(&mut self, run_id: i64, rows: &[(i64, Vec<RowReason>)]) -> Result<()>;

    /// Ends the making of plan `run_id`: its estimate and the calls its reads made are set, and
    /// its claims are dropped. It stays `running` until it is recorded or run.
    fn finish_plan(&mut self, run_id: i64, estimate: &Value, api_calls: u64) -> Result<()>;

    /// Renumbers plan `run_id`'s rows from `from` on to start at `to`, in their order: rows
    /// journaled out of the way until the rows before them were all numbered. Every other row
    /// must be numbered below `to`.
    fn move_rows(&mut self, run_id: i64, from: i64, to: i64) -> Result<()>;

    /// Records plan `run_id` as a completed preview (again: nothing changes).
    fn record_plan(&mut self, run_id: i64) -> Result<()>;

    /// Throws away plan `run_id` if it was neither recorded nor run: a preview stopped midway,
    /// or a push not confirmed.
    fn discard_plan(&mut self, run_id: i64) -> Result<()>;

    /// Throws away the plans of this kind neither recorded nor run that no open connection is
    /// still making or holding (a crash's leftovers), and this connection's own earlier ones:
    /// another process's plan (the app's preview kept for its Run button, a `push` waiting at its
    /// prompt) stays. Returns how many went.
    fn discard_unfinished_plans(&mut self, kind: crate::RunKind) -> Result<usize>;

    /// The live run of plan `run_id`, in one transaction: the plan itself when it was not
    /// recorded as a preview, else a copy of the preview (which the history keeps). Its rows to
    /// write are pending; each lead it skipped is linked to the contact it matched. A run with
    /// rows to write takes its portal's lease in the same transaction (`RunInProgress`, and
    /// nothing changed, while another process writes to that portal). Returns the live run's id.
    fn live_run_from_plan(&mut self, run_id: i64) -> Result<i64>;
}

impl PlanJournal for Store {
    fn start_plan(&mut self, run: &NewRun) -> Result<i64> {
        debug_assert_eq!(run.mode, RunMode::Preview, "a plan is made as a preview");
        let maker = self.presence_token()?;
        self.conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS plan_claims (
                 run_id     INTEGER NOT NULL,
                 contact_id TEXT NOT NULL,
                 claim      TEXT NOT NULL,
                 seq        INTEGER NOT NULL,
                 PRIMARY KEY (run_id, contact_id, claim, seq)
             ) WITHOUT ROWID",
        )?;
        self.conn.execute(
            "INSERT INTO sync_runs (kind, mode, status, portal_id, settings, estimate, api_calls, started_at, base_url, maker,
                                    planned_at)
             VALUES (?1, 'preview', 'running', ?2, ?3, ?4, ?5, ?6, (SELECT base_url FROM portals WHERE portal_id = ?2), ?7, ?6)",
            params![
                run.kind.as_str(),
                run.portal_id.map(|p| p as i64),
                run.settings.to_string(),
                run.estimate.to_string(),
                run.api_calls as i64,
                stamp(self.clock.now()),
                maker,
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn add_plan_rows(&mut self, run_id: i64, rows: impl IntoIterator<Item = PlanRow>) -> Result<()> {
        let tx = self.conn.transaction()?;
        for PlanRow { item, claim } in rows {
            insert_item(&tx, run_id, &item, &item.notes)?;
            if let (Some(contact_id), Some(claim)) = (&item.contact_id, claim) {
                tx.prepare_cached(
                    "INSERT INTO temp.plan_claims (run_id, contact_id, claim, seq) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![run_id, contact_id, claim, item.seq])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn contested_rows(&self, run_id: i64) -> Result<Vec<ContestedRow>> {
        let mut stmt = self.conn.prepare(
            "WITH contested AS (
                 SELECT contact_id FROM temp.plan_claims WHERE run_id = ?1 GROUP BY contact_id HAVING COUNT(*) > 1
             ),
             ranked AS (
                 SELECT c.seq, c.contact_id,
                        ROW_NUMBER() OVER (PARTITION BY c.contact_id ORDER BY c.claim DESC, c.seq DESC) AS place
                 FROM temp.plan_claims c JOIN contested USING (contact_id)
                 WHERE c.run_id = ?1
             )
             SELECT loser.seq, loser.contact_id, winner_row.email
             FROM ranked loser
             JOIN ranked winner ON winner.contact_id = loser.contact_id AND winner.place = 1
             JOIN sync_run_items loser_row ON loser_row.run_id = ?1 AND loser_row.seq = loser.seq
             JOIN sync_run_items winner_row ON winner_row.run_id = ?1 AND winner_row.seq = winner.seq
             WHERE loser.place > 1 AND loser_row.action = 'update'
             ORDER BY loser.seq",
        )?;
        let rows = stmt.query_map([run_id], |r| {
            Ok(ContestedRow { seq: r.get(0)?, contact_id: r.get(1)?, winner_email: r.get(2)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn invalidate_plan_rows(&mut self, run_id: i64, rows: &[(i64, Vec<RowReason>)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for (seq, reasons) in rows {
            tx.prepare_cached(
                "UPDATE sync_run_items SET action = 'invalid', outcome = 'invalid', reason = ?3
                 WHERE run_id = ?1 AND seq = ?2",
            )?
            .execute(params![run_id, seq, stored(reasons)])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn finish_plan(&mut self, run_id: i64, estimate: &Value, api_calls: u64) -> Result<()> {
        self.conn.execute("DELETE FROM temp.plan_claims WHERE run_id = ?1", [run_id])?;
        self.conn.execute(
            "UPDATE sync_runs SET estimate = ?2, api_calls = ?3 WHERE id = ?1",
            params![run_id, estimate.to_string(), api_calls as i64],
        )?;
        Ok(())
    }

    fn move_rows(&mut self, run_id: i64, from: i64, to: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        // Through negative numbers, which no row has, so no two rows ever share one.
        tx.execute(
            "UPDATE sync_run_items SET seq = -1 - (seq - ?2) WHERE run_id = ?1 AND seq >= ?2",
            params![run_id, from],
        )?;
        tx.execute(
            "UPDATE sync_run_items SET seq = ?2 + (-1 - seq) WHERE run_id = ?1 AND seq < 0",
            params![run_id, to],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn record_plan(&mut self, run_id: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE sync_runs SET status = 'completed', ended_at = ?2
             WHERE id = ?1 AND mode = 'preview' AND status = 'running'",
            params![run_id, stamp(self.clock.now())],
        )?;
        Ok(())
    }

    fn discard_plan(&mut self, run_id: i64) -> Result<()> {
        self.conn.execute("DELETE FROM temp.plan_claims WHERE run_id = ?1", [run_id]).or_else(no_claims_yet)?;
        self.conn
            .execute("DELETE FROM sync_runs WHERE id = ?1 AND mode = 'preview' AND status = 'running'", [run_id])?;
        Ok(())
    }

    fn discard_unfinished_plans(&mut self, kind: crate::RunKind) -> Result<usize> {
        let mine = self.presence.as_ref().map(|p| p.token.clone());
        let unfinished: Vec<(i64, Option<String>)> = self
            .conn
            .prepare("SELECT id, maker FROM sync_runs WHERE kind = ?1 AND mode = 'preview' AND status = 'running'")?
            .query_map([kind.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut discarded = 0;
        for (run_id, maker) in unfinished {
            let abandoned = match maker {
                None => true,
                Some(maker) if Some(&maker) == mine.as_ref() => true,
                // A maker whose presence can't be told is left alone.
                Some(maker) => leases::present(self.leases_dir.as_deref(), &maker) == Some(false),
            };
            if abandoned {
                discarded += self.conn.execute(
                    "DELETE FROM sync_runs WHERE id = ?1 AND mode = 'preview' AND status = 'running'",
                    [run_id],
                )?;
            }
        }
        Ok(discarded)
    }

    fn live_run_from_plan(&mut self, run_id: i64) -> Result<i64> {
        let at = self.clock.now();
        let now = stamp(at);
        let token = self.presence_token()?;
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let run: Option<(String, String)> = tx
            .query_row("SELECT mode, status FROM sync_runs WHERE id = ?1", [run_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let live_id = match run.as_ref().map(|(mode, status)| (mode.as_str(), status.as_str())) {
            None => return Err(StoreError::RunNotFound(run_id)),
            Some(("preview", "running")) => {
                tx.execute(
                    "UPDATE sync_runs SET mode = 'live', planned_at = COALESCE(planned_at, started_at), started_at = ?2
                     WHERE id = ?1",
                    params![run_id, now],
                )?;
                tx.execute(
                    "UPDATE sync_run_items SET outcome = NULL WHERE run_id = ?1 AND outcome = 'previewed'",
                    [run_id],
                )?;
                super::companies::make_pending(&tx, run_id)?;
                run_id
            }
            Some(("preview", "completed")) => {
                tx.execute(
                    "INSERT INTO sync_runs (kind, mode, status, portal_id, settings, estimate, api_calls, started_at, base_url,
                                            planned_at, schedule_id)
                     SELECT kind, 'live', 'running', portal_id, settings, estimate, api_calls, ?2, base_url,
                            COALESCE(planned_at, started_at), schedule_id
                     FROM sync_runs WHERE id = ?1",
                    params![run_id, now],
                )?;
                let live_id = tx.last_insert_rowid();
                tx.execute(
                    "INSERT INTO sync_run_items (run_id, seq, lead_id, email, contact_id, action, reason, changes, notes, outcome, error, step, record,
                                                 related)
                     SELECT ?2, seq, lead_id, email, contact_id, action, reason, changes, notes,
                            CASE WHEN outcome = 'previewed' THEN NULL ELSE outcome END, error, step, record, related
                     FROM sync_run_items WHERE run_id = ?1",
                    params![run_id, live_id],
                )?;
                super::companies::copy_rows(&tx, run_id, live_id)?;
                live_id
            }
            Some(_) => {
                return Err(StoreError::RunNotResumable {
                    run_id,
                    why: "it is a live run already, not a plan; resume it instead".into(),
                });
            }
        };
        let portal = run_portal(&tx, live_id)?;
        let (kind, planned) = planned_moment(&tx, live_id)?;
        let mut after = -1;
        loop {
            // A push's lead that matched unchanged is in step with its contact.
            let skipped: Vec<(i64, i64, String, bool)> = tx
                .prepare_cached(
                    "SELECT seq, lead_id, contact_id,
                            EXISTS (SELECT 1 FROM json_each(reason) WHERE json_extract(json_each.value, '$.code') = 'unchanged')
                     FROM sync_run_items
                     WHERE run_id = ?1 AND outcome = 'skipped' AND contact_id IS NOT NULL AND seq > ?2
                     ORDER BY seq LIMIT ?3",
                )?
                .query_map(params![live_id, after, LINK_PAGE], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let Some(&(last, _, _, _)) = skipped.last() else { break };
            after = last;
            for (seq, lead_id, contact, unchanged) in skipped {
                match link_lead(&tx, portal, lead_id, &contact)? {
                    Some(note) => {
                        tx.prepare_cached(
                            "UPDATE sync_run_items SET notes = json_insert(notes, '$[#]', json(?3)) WHERE run_id = ?1 AND seq = ?2",
                        )?
                        .execute(params![live_id, seq, stored(&note)])?;
                    }
                    None if unchanged && kind == RunKind::Push => {
                        mark_synced(&tx, portal, lead_id, &contact, &planned)?
                    }
                    None => {}
                }
            }
        }
        super::companies::go_live_companies(&tx, live_id, portal, &planned, &now)?;
        let pending = super::companies::pending_rows(&tx, live_id)?;
        let mut lease = None;
        if pending == 0 {
            tx.execute(
                "UPDATE sync_runs SET status = ?2, ended_at = ?3 WHERE id = ?1",
                params![live_id, RunStatus::Completed.as_str(), now],
            )?;
        } else {
            lease = Some(leases::take(&tx, self.leases_dir.as_deref(), &token, self.lease.as_ref(), live_id, at)?);
        }
        tx.commit()?;
        if lease.is_some() {
            self.lease = lease;
        }
        Ok(live_id)
    }
}

/// A plan discarded before `start_plan` made the claims table has no claims to drop.
fn no_claims_yet(error: rusqlite::Error) -> rusqlite::Result<usize> {
    match &error {
        rusqlite::Error::SqliteFailure(_, Some(message)) if message.contains("no such table") => Ok(0),
        _ => Err(error),
    }
}

//! Sync runs as the history shows them: every preview and live run with its settings, counts
//! and per-row outcomes, and the types a run's rows are made of. Reading a run's rows is in
//! `run_items.rs`; writing a live run and a plan as it is made (the journal) in `journal`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::Result;
use crate::error::StoreError;
use crate::leases::{self, LeaseHolder};
use crate::pulled::PulledRelated;
use crate::row_messages::{RowFailure, RowNote, RowReason};
use crate::store::{Store, parse_stamp};

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
    // The run history keeps reasons, notes and the failure as codes (`row_messages`); what the
    // app and `--json` get is their words. Doc comments here would land in the TS binding.
    /// The skip reason, or for an invalid row every reason.
    #[serde(serialize_with = "crate::row_messages::serialize_words")]
    #[ts(type = "Array<string>")]
    pub reasons: Vec<RowReason>,
    pub changes: Vec<FieldChange>,
    #[serde(serialize_with = "crate::row_messages::serialize_words")]
    #[ts(type = "Array<string>")]
    pub notes: Vec<RowNote>,
    /// `None` while a live write is pending.
    pub outcome: Option<ItemOutcome>,
    #[serde(serialize_with = "crate::row_messages::serialize_word")]
    #[ts(type = "string | null")]
    pub error: Option<RowFailure>,
    /// A live run writes step 0's rows, then step 1's: a row that must follow another write
    /// to the same contact (setting a lifecycle stage after clearing it) has a later step.
    pub step: u32,
    /// The row's values by lead field as the run saw them, those its `changes` don't already
    /// set (a push keeps every mapped value; a pull only its unchanged and kept ones): the
    /// original columns of an export.
    #[ts(type = "Record<string, string>")]
    pub record: BTreeMap<String, String>,
    /// A pull's row: the contact's primary company and deals as read, which apply with it.
    pub related: Option<PulledRelated>,
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
        reasons: Vec<RowReason>,
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
            related: None,
        }
    }
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
    /// The guardrail a live run stopped itself at (its failed share), with rows pending.
    pub stopped_by: Option<crate::Guardrail>,
    /// The schedule that started it; `None` when an admin did.
    #[ts(type = "number | null")]
    pub schedule_id: Option<i64>,
    /// A preview a guardrail held: held still, approved or refused.
    pub hold: Option<crate::HoldState>,
}

/// How far a portal's syncs have come (`Store::sync_milestones`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncMilestones {
    /// A push or pull was planned and shown: a recorded preview, or a plan that went live.
    pub previewed: bool,
    /// A live push or pull ran to its end.
    pub ran_live: bool,
}

impl Run {
    /// A live run that has rows left to write.
    pub fn is_resumable(&self) -> bool {
        self.mode == RunMode::Live && self.status != RunStatus::Completed
    }
}

pub(crate) fn corrupt(what: &str, raw: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {raw:?} in the run history"))
}

const RUN_COLUMNS: &str = "id, kind, mode, status, portal_id, settings, estimate, api_calls, started_at, ended_at, \
    stop_reason, base_url, stop_code, schedule_id, (SELECT state FROM run_holds h WHERE h.run_id = sync_runs.id)";

impl Store {
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

    /// The newest `limit` runs and previews of a portal (`None`: of no portal), newest first,
    /// each with its counts.
    pub fn recent_runs(&self, portal_id: Option<u64>, limit: usize) -> Result<Vec<Run>> {
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM sync_runs WHERE portal_id IS ?1 ORDER BY id DESC LIMIT ?2")?
            .query_map(params![portal_id.map(|p| p as i64), i64::try_from(limit).unwrap_or(i64::MAX)], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter().map(|id| self.run(id)?.ok_or(StoreError::RunNotFound(id))).collect()
    }

    /// How far a portal's syncs have come: whether a push or pull was ever planned and shown
    /// (a recorded preview, or a plan made live), and whether one ever ran live to its end.
    pub fn sync_milestones(&self, portal_id: u64) -> Result<SyncMilestones> {
        Ok(self.conn.query_row(
            "SELECT
                 EXISTS (SELECT 1 FROM sync_runs WHERE portal_id = ?1 AND kind IN ('push', 'pull')
                         AND (mode = 'live' OR status = 'completed')),
                 EXISTS (SELECT 1 FROM sync_runs WHERE portal_id = ?1 AND kind IN ('push', 'pull')
                         AND mode = 'live' AND status = 'completed')",
            [portal_id as i64],
            |r| Ok(SyncMilestones { previewed: r.get(0)?, ran_live: r.get(1)? }),
        )?)
    }

    /// The live undo runs made of run `run_id`, newest first.
    pub fn undo_runs_of(&self, run_id: i64) -> Result<Vec<Run>> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM sync_runs WHERE kind = 'undo' AND mode = 'live' AND json_extract(settings, '$.undo_of') = ?1 ORDER BY id DESC",
        )?;
        let ids: Vec<i64> = stmt.query_map([run_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        ids.into_iter().map(|id| self.run(id)?.ok_or(StoreError::RunNotFound(id))).collect()
    }

    /// The id of the newest run, if any: what a run started after it is newer than.
    pub fn newest_run_id(&self) -> Result<Option<i64>> {
        Ok(self.conn.query_row("SELECT MAX(id) FROM sync_runs", [], |r| r.get(0))?)
    }

    /// Who is writing run `run_id` now, if a live process is.
    pub fn run_writer(&self, run_id: i64) -> Result<Option<LeaseHolder>> {
        leases::holder_of(&self.conn, self.leases_dir.as_deref(), run_id, self.clock.now())
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
        stopped_by: r
            .get::<_, Option<String>>(12)?
            .map(|c| crate::Guardrail::parse(&c).ok_or_else(|| text(12, c)))
            .transpose()?,
        schedule_id: r.get(13)?,
        hold: r
            .get::<_, Option<String>>(14)?
            .map(|h| crate::HoldState::parse(&h).ok_or_else(|| text(14, h)))
            .transpose()?,
    })
}

//! Guardrails (`0022_guardrails_and_schedules.sql`): the limits a profile's live runs are held
//! to, what a plan would do measured against them, and the runs they held. A live run whose plan
//! crosses a limit writes nothing; its plan is kept as a held preview, which the admin approves
//! once or refuses. The share of failed rows is checked while a run writes (`hubsync-sync`).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::Result;
use crate::error::StoreError;
use crate::store::{Store, parse_stamp, stamp};

/// A profile's limits; `None` is no limit. Shares are percentages (0 to 100).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct Guardrails {
    /// Records a run may create (contacts and companies for a push, leads for a pull).
    #[ts(type = "number | null")]
    pub max_creates: Option<u64>,
    /// Records a run may write over a non-empty value of.
    #[ts(type = "number | null")]
    pub max_overwrites: Option<u64>,
    /// The share of a plan's rows that may write over a non-empty value.
    pub max_overwrite_percent: Option<f64>,
    /// Records a run may archive (an undo archiving what its push created).
    #[ts(type = "number | null")]
    pub max_archives: Option<u64>,
    /// The share of the rows written so far that may fail before the run stops itself.
    pub max_failed_percent: Option<f64>,
}

impl Guardrails {
    /// Whether any limit is set.
    pub fn is_empty(&self) -> bool {
        *self == Guardrails::default()
    }

    /// These limits with `overrides`' set ones in their place: a run's own (`--max-creates`)
    /// over the saved ones.
    pub fn overridden_by(&self, overrides: &Guardrails) -> Guardrails {
        Guardrails {
            max_creates: overrides.max_creates.or(self.max_creates),
            max_overwrites: overrides.max_overwrites.or(self.max_overwrites),
            max_overwrite_percent: overrides.max_overwrite_percent.or(self.max_overwrite_percent),
            max_archives: overrides.max_archives.or(self.max_archives),
            max_failed_percent: overrides.max_failed_percent.or(self.max_failed_percent),
        }
    }

    /// Every problem with these limits, in words: a share outside 0–100 or not a number, a count
    /// beyond what SQLite keeps.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, share) in
            [("the overwrite share", self.max_overwrite_percent), ("the failed share", self.max_failed_percent)]
        {
            if let Some(share) = share.filter(|s| !(s.is_finite() && (0.0..=100.0).contains(s))) {
                problems.push(format!("{name} must be a percentage from 0 to 100, not {share}"));
            }
        }
        for (name, count) in [
            ("max creates", self.max_creates),
            ("max overwrites", self.max_overwrites),
            ("max archives", self.max_archives),
        ] {
            if count.is_some_and(|c| i64::try_from(c).is_err()) {
                problems.push(format!("{name} is larger than any run can be"));
            }
        }
        problems
    }

    /// The limits the plan `figures` crosses, in the order the admin reads them.
    pub fn crossed_by(&self, figures: &PlanFigures) -> Vec<Crossing> {
        let mut crossed = Vec::new();
        let mut count = |guardrail, planned: u64, limit: Option<u64>| {
            if let Some(limit) = limit.filter(|&l| planned > l) {
                crossed.push(Crossing { guardrail, planned: planned as f64, limit: limit as f64 });
            }
        };
        count(Guardrail::Creates, figures.creates, self.max_creates);
        count(Guardrail::Overwrites, figures.overwrites, self.max_overwrites);
        count(Guardrail::Archives, figures.archives, self.max_archives);
        if let Some(limit) = self.max_overwrite_percent {
            let share = figures.overwrite_percent();
            if share > limit {
                crossed.push(Crossing { guardrail: Guardrail::OverwriteShare, planned: share, limit });
            }
        }
        crossed.sort_by_key(|c| c.guardrail.order());
        crossed
    }

    /// Whether `failed` failures among `written` rows cross the failed share. Judged only once a
    /// batch's worth of rows (`FAILED_SHARE_MIN_ROWS`) or the whole run (`total`) is written: the
    /// first row failing is not yet a share.
    pub fn failures_cross(&self, failed: u64, written: u64, total: u64) -> Option<Crossing> {
        let limit = self.max_failed_percent?;
        if written == 0 || written < FAILED_SHARE_MIN_ROWS.min(total) {
            return None;
        }
        let share = percent(failed, written);
        (share > limit).then_some(Crossing { guardrail: Guardrail::FailedShare, planned: share, limit })
    }
}

/// Rows written before the failed share is judged: one batch.
pub const FAILED_SHARE_MIN_ROWS: u64 = 100;

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}

text_enum!(
    /// One guardrail, by its stable code.
    Guardrail {
        Creates = "creates",
        Overwrites = "overwrites",
        OverwriteShare = "overwrite-share",
        Archives = "archives",
        FailedShare = "failed-share",
    }
);

impl Guardrail {
    fn order(self) -> u8 {
        self as u8
    }
}

/// A limit a run crossed: what it planned (or, for failures, reached) and the limit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Crossing {
    pub guardrail: Guardrail,
    pub planned: f64,
    pub limit: f64,
}

impl std::fmt::Display for Crossing {
    /// "1,204 creates, your limit is 500".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (planned, limit) = (self.planned, self.limit);
        let counted = |one: &str, many: &str| {
            let noun = if planned.round() == 1.0 { one } else { many };
            format!("{} {noun}, your limit is {}", thousands(planned.round() as u64), thousands(limit.round() as u64))
        };
        match self.guardrail {
            Guardrail::Creates => f.write_str(&counted("create", "creates")),
            Guardrail::Overwrites => f.write_str(&counted(
                "record with a non-empty value overwritten",
                "records with a non-empty value overwritten",
            )),
            Guardrail::OverwriteShare => write!(
                f,
                "{} % of the rows overwrite a non-empty value, your limit is {} %",
                share(planned),
                share(limit)
            ),
            Guardrail::Archives => f.write_str(&counted("archive", "archives")),
            Guardrail::FailedShare => {
                write!(f, "{} % of the rows written failed, your limit is {} %", share(planned), share(limit))
            }
        }
    }
}

/// A whole count with thousands separators: 1204 → "1,204".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// 33.3333 → "33.3"; 20 → "20".
fn share(p: f64) -> String {
    let rounded = (p * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 { format!("{rounded:.0}") } else { format!("{rounded:.1}") }
}

/// What a journaled plan would do, as the guardrails measure it: its rows (contacts or leads,
/// and companies), the records it creates, those it writes over a non-empty value of (a
/// change whose target had a value it replaces), and those it archives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PlanFigures {
    #[ts(type = "number")]
    pub rows: u64,
    #[ts(type = "number")]
    pub creates: u64,
    #[ts(type = "number")]
    pub overwrites: u64,
    #[ts(type = "number")]
    pub archives: u64,
}

impl PlanFigures {
    /// The share of the rows that overwrite a non-empty value, in percent.
    pub fn overwrite_percent(&self) -> f64 {
        percent(self.overwrites, self.rows)
    }
}

text_enum!(
    /// What became of a held run.
    HoldState { Held = "held", Approved = "approved", Refused = "refused" }
);

/// A run a guardrail held: the preview run holding its plan, what it crossed, what was asked (to
/// plan it again on approval), and what became of it.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RunHold {
    #[ts(type = "number")]
    pub run_id: i64,
    pub crossed: Vec<Crossing>,
    /// What was asked, as the application layer keeps it.
    #[ts(type = "unknown")]
    pub request: Value,
    pub state: HoldState,
    #[ts(type = "string")]
    pub held_at: DateTime<Utc>,
    #[ts(type = "string | null")]
    pub decided_at: Option<DateTime<Utc>>,
    /// The live run an approval became.
    #[ts(type = "number | null")]
    pub approved_run_id: Option<i64>,
}

const HOLD_COLUMNS: &str = "run_id, crossed, request, state, held_at, decided_at, approved_run_id";

fn read_hold(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunHold> {
    let json_error = |i: usize, e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    };
    let state: String = r.get(3)?;
    Ok(RunHold {
        run_id: r.get(0)?,
        crossed: serde_json::from_str(&r.get::<_, String>(1)?).map_err(|e| json_error(1, e))?,
        request: serde_json::from_str(&r.get::<_, String>(2)?).map_err(|e| json_error(2, e))?,
        state: HoldState::parse(&state).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                format!("unknown {state:?}").into(),
            )
        })?,
        held_at: parse_stamp(&r.get::<_, String>(4)?)?,
        decided_at: r.get::<_, Option<String>>(5)?.as_deref().map(parse_stamp).transpose()?,
        approved_run_id: r.get(6)?,
    })
}

impl Store {
    /// The active profile's guardrails (none set: no limits).
    pub fn guardrails(&self) -> Result<Guardrails> {
        Ok(self
            .conn
            .query_row(
                "SELECT max_creates, max_overwrites, max_overwrite_percent, max_archives, max_failed_percent
                 FROM portal_guardrails WHERE portal_id = (SELECT portal_id FROM active_profile)",
                [],
                |r| {
                    Ok(Guardrails {
                        max_creates: r.get::<_, Option<i64>>(0)?.map(|n| n as u64),
                        max_overwrites: r.get::<_, Option<i64>>(1)?.map(|n| n as u64),
                        max_overwrite_percent: r.get(2)?,
                        max_archives: r.get::<_, Option<i64>>(3)?.map(|n| n as u64),
                        max_failed_percent: r.get(4)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    /// Replaces the active profile's guardrails, checked whole first.
    pub fn set_guardrails(&mut self, limits: &Guardrails) -> Result<Guardrails> {
        let problems = limits.problems();
        if !problems.is_empty() {
            return Err(StoreError::InvalidGuardrails(problems));
        }
        let now = stamp(self.clock.now());
        set_guardrails_in(&self.conn, limits, &now)?;
        self.guardrails()
    }

    /// What journaled plan `run_id` would do, as the guardrails measure it (see `PlanFigures`).
    pub fn plan_figures(&self, run_id: i64) -> Result<PlanFigures> {
        // A change overwrites when its target had a value and the plan writes another in its place.
        const OVERWRITES: &str = "EXISTS (SELECT 1 FROM json_each(t.changes) c
                 WHERE COALESCE(json_extract(c.value, '$.before'), '') <> ''
                   AND json_extract(c.value, '$.after') IS NOT NULL
                   AND json_extract(c.value, '$.after') <> json_extract(c.value, '$.before')
                   AND NOT json_extract(c.value, '$.kept'))";
        let figures = |table: &str| -> Result<PlanFigures> {
            Ok(self.conn.query_row(
                &format!(
                    "SELECT COUNT(*), COALESCE(SUM(t.action = 'create'), 0),
                            COALESCE(SUM(t.action = 'update' AND {OVERWRITES}), 0),
                            COALESCE(SUM(t.action = 'archive'), 0)
                     FROM {table} t WHERE t.run_id = ?1"
                ),
                [run_id],
                |r| {
                    Ok(PlanFigures {
                        rows: r.get::<_, i64>(0)? as u64,
                        creates: r.get::<_, i64>(1)? as u64,
                        overwrites: r.get::<_, i64>(2)? as u64,
                        archives: r.get::<_, i64>(3)? as u64,
                    })
                },
            )?)
        };
        let (contacts, companies) = (figures("sync_run_items")?, figures("sync_run_companies")?);
        Ok(PlanFigures {
            rows: contacts.rows + companies.rows,
            creates: contacts.creates + companies.creates,
            overwrites: contacts.overwrites + companies.overwrites,
            archives: contacts.archives + companies.archives,
        })
    }

    /// Holds recorded preview `run_id`: its plan crossed `crossed`; `request` is what was asked,
    /// to plan it again when approved.
    pub fn hold_run(&mut self, run_id: i64, crossed: &[Crossing], request: &Value) -> Result<RunHold> {
        let run = self.run(run_id)?.ok_or(StoreError::RunNotFound(run_id))?;
        if run.mode != crate::RunMode::Preview {
            return Err(StoreError::NotHeld(run_id));
        }
        let crossed = serde_json::to_string(crossed).expect("plain data");
        self.conn.execute(
            "INSERT INTO run_holds (run_id, crossed, request, state, held_at) VALUES (?1, ?2, ?3, 'held', ?4)",
            params![run_id, crossed, request.to_string(), stamp(self.clock.now())],
        )?;
        self.run_hold(run_id)?.ok_or(StoreError::NotHeld(run_id))
    }

    /// What held run `run_id` crossed and what became of it; `None` for a run never held.
    pub fn run_hold(&self, run_id: i64) -> Result<Option<RunHold>> {
        Ok(self
            .conn
            .query_row(&format!("SELECT {HOLD_COLUMNS} FROM run_holds WHERE run_id = ?1"), [run_id], read_hold)
            .optional()?)
    }

    /// The runs of `portal_id` still held, newest first.
    pub fn held_runs(&self, portal_id: u64) -> Result<Vec<RunHold>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {HOLD_COLUMNS} FROM run_holds
             WHERE state = 'held' AND run_id IN (SELECT id FROM sync_runs WHERE portal_id = ?1)
             ORDER BY run_id DESC"
        ))?;
        Ok(stmt.query_map([portal_id as i64], read_hold)?.collect::<rusqlite::Result<_>>()?)
    }

    /// Decides held run `run_id`: approved (its approval starts now) or refused. Only a run still
    /// held can be decided, once: a second approval, here or in another process, is refused with
    /// `HoldDecided`.
    pub fn decide_hold(&mut self, run_id: i64, state: HoldState) -> Result<RunHold> {
        let hold = self.run_hold(run_id)?.ok_or(StoreError::NotHeld(run_id))?;
        let changed = self.conn.execute(
            "UPDATE run_holds SET state = ?2, decided_at = ?3 WHERE run_id = ?1 AND state = 'held'",
            params![run_id, state.as_str(), stamp(self.clock.now())],
        )?;
        if changed == 0 {
            return Err(StoreError::HoldDecided { run_id, state: hold.state.as_str() });
        }
        self.run_hold(run_id)?.ok_or(StoreError::NotHeld(run_id))
    }

    /// Ends an approval of held run `run_id`: the live run it became, or `None` when it stopped
    /// before a live run was made (the run is held again, to approve later).
    pub fn finish_approval(&mut self, run_id: i64, live_run_id: Option<i64>) -> Result<RunHold> {
        match live_run_id {
            Some(live) => self.conn.execute(
                "UPDATE run_holds SET approved_run_id = ?2 WHERE run_id = ?1 AND state = 'approved'",
                params![run_id, live],
            )?,
            None => self.conn.execute(
                "UPDATE run_holds SET state = 'held', decided_at = NULL WHERE run_id = ?1 AND state = 'approved'
                 AND approved_run_id IS NULL",
                [run_id],
            )?,
        };
        self.run_hold(run_id)?.ok_or(StoreError::NotHeld(run_id))
    }

    /// Marks run `run_id` as started by schedule `schedule_id`.
    pub fn mark_scheduled(&mut self, run_id: i64, schedule_id: i64) -> Result<()> {
        self.conn.execute("UPDATE sync_runs SET schedule_id = ?2 WHERE id = ?1", params![run_id, schedule_id])?;
        Ok(())
    }
}

/// Writes the active profile's guardrails in `conn` (a transaction of a bigger change, or the
/// store's connection).
pub(crate) fn set_guardrails_in(conn: &rusqlite::Connection, limits: &Guardrails, now: &str) -> Result<()> {
    let count = |n: Option<u64>| n.map(|n| n as i64);
    conn.execute(
        "INSERT INTO portal_guardrails (portal_id, max_creates, max_overwrites, max_overwrite_percent, max_archives,
                                        max_failed_percent, updated_at)
         VALUES ((SELECT portal_id FROM active_profile), ?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (portal_id) DO UPDATE SET max_creates = ?1, max_overwrites = ?2, max_overwrite_percent = ?3,
             max_archives = ?4, max_failed_percent = ?5, updated_at = ?6",
        params![
            count(limits.max_creates),
            count(limits.max_overwrites),
            limits.max_overwrite_percent,
            count(limits.max_archives),
            limits.max_failed_percent,
            now
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(rows: u64, creates: u64, overwrites: u64, archives: u64) -> PlanFigures {
        PlanFigures { rows, creates, overwrites, archives }
    }

    #[test]
    fn each_limit_is_crossed_only_beyond_it() {
        let limits = Guardrails {
            max_creates: Some(500),
            max_overwrites: Some(10),
            max_overwrite_percent: Some(20.0),
            max_archives: Some(0),
            max_failed_percent: None,
        };
        assert!(limits.crossed_by(&figures(1000, 500, 10, 0)).is_empty(), "at the limit is within it");
        let crossed = limits.crossed_by(&figures(40, 1204, 11, 1));
        let codes: Vec<_> = crossed.iter().map(|c| c.guardrail.as_str()).collect();
        assert_eq!(codes, ["creates", "overwrites", "overwrite-share", "archives"]);
        assert_eq!(crossed[0].to_string(), "1,204 creates, your limit is 500");
        assert_eq!(crossed[2].to_string(), "27.5 % of the rows overwrite a non-empty value, your limit is 20 %");
        assert!(Guardrails::default().crossed_by(&figures(9, 9, 9, 9)).is_empty(), "no limits, nothing crossed");
    }

    #[test]
    fn the_failed_share_waits_for_a_batch_or_the_whole_run() {
        let limits = Guardrails { max_failed_percent: Some(10.0), ..Guardrails::default() };
        assert_eq!(limits.failures_cross(1, 1, 1000), None, "one failed row is not a share yet");
        assert_eq!(limits.failures_cross(10, 100, 1000), None, "10 % is the limit, not beyond it");
        let crossed = limits.failures_cross(11, 100, 1000).expect("11 % of 100");
        assert_eq!(crossed.to_string(), "11 % of the rows written failed, your limit is 10 %");
        assert!(limits.failures_cross(2, 5, 5).is_some(), "a run of 5 is judged once all 5 are written");
        assert_eq!(Guardrails::default().failures_cross(100, 100, 100), None);
    }

    #[test]
    fn overrides_replace_only_what_they_set_and_bad_shares_are_named() {
        let saved = Guardrails { max_creates: Some(5), max_archives: Some(3), ..Guardrails::default() };
        let run = Guardrails { max_creates: Some(50), ..Guardrails::default() };
        let limits = saved.overridden_by(&run);
        assert_eq!((limits.max_creates, limits.max_archives), (Some(50), Some(3)));
        let bad = Guardrails { max_overwrite_percent: Some(120.0), max_failed_percent: Some(f64::NAN), ..limits };
        assert_eq!(bad.problems().len(), 2, "{:?}", bad.problems());
    }
}

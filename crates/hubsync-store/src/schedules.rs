//! Schedules (`0022_guardrails_and_schedules.sql`): a portal's scheduled pushes and pulls, when
//! each last fired and what came of it, "pause all", and the claim a scheduled job holds on its
//! portal across processes. When a schedule is due is `hubsync_schedule`'s pure answer; firing it
//! is the application layer's. What is kept here makes both safe with two processes at once (the
//! app and `hubsync schedule run-due`): a slot is claimed by compare-and-set, so it fires once,
//! and a scheduled job claims its portal only while no other run of it is under way.

use chrono::{DateTime, Utc};
use hubsync_schedule::Schedule;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Result;
use crate::error::StoreError;
use crate::leases;
use crate::runs::RunKind;
use crate::store::{Store, parse_stamp, stamp};

/// What a schedule runs: a push of every lead or of the leads changed since their last push, or a
/// pull by the portal's saved pull rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum ScheduleScope {
    AllLeads,
    ChangedLeads,
    PullRules,
}

impl ScheduleScope {
    pub const ALL: [ScheduleScope; 3] =
        [ScheduleScope::AllLeads, ScheduleScope::ChangedLeads, ScheduleScope::PullRules];

    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleScope::AllLeads => "all",
            ScheduleScope::ChangedLeads => "changed",
            ScheduleScope::PullRules => "pull-rules",
        }
    }

    pub fn parse(raw: &str) -> Option<ScheduleScope> {
        ScheduleScope::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn kind(self) -> RunKind {
        match self {
            ScheduleScope::AllLeads | ScheduleScope::ChangedLeads => RunKind::Push,
            ScheduleScope::PullRules => RunKind::Pull,
        }
    }
}

text_enum!(
    /// What a schedule's last firing came to.
    ScheduleOutcome {
        /// Its run wrote everything (or had nothing to write).
        Completed = "completed",
        /// Its plan crossed a guardrail: held for the admin.
        Held = "held",
        /// Its run stopped itself (failures past the limit) or was stopped, with rows pending.
        Stopped = "stopped",
        /// It could not plan or run: `detail` is the error's code.
        Failed = "failed",
        /// Another run of its portal was under way: it let the slot pass.
        Waited = "waited",
    }
);

/// A schedule as kept.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleRecord {
    pub id: i64,
    pub portal_id: u64,
    pub scope: ScheduleScope,
    pub timing: Schedule,
    pub paused: bool,
    pub notify_success: bool,
    pub created_at: DateTime<Utc>,
    /// The slot it last fired for (or let pass).
    pub last_slot: Option<DateTime<Utc>>,
    pub last: Option<LastFiring>,
}

/// What a schedule's last firing came to.
#[derive(Clone, Debug, PartialEq)]
pub struct LastFiring {
    pub outcome: ScheduleOutcome,
    /// Its run: the live run, or the held preview.
    pub run_id: Option<i64>,
    /// A failure's error code, or what it waited for (`run-<id>`, `schedule-<id>`).
    pub detail: Option<String>,
    pub ended_at: DateTime<Utc>,
}

/// Another run of a portal under way, as a schedule finding it says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "by", rename_all = "kebab-case")]
#[ts(export)]
pub enum PortalBusy {
    /// A live run writing under the portal's lease.
    Run {
        #[ts(type = "number")]
        run_id: i64,
    },
    /// A plan being made (a preview reading HubSpot).
    Plan {
        #[ts(type = "number")]
        run_id: i64,
    },
    /// Another schedule's job.
    Schedule {
        #[ts(type = "number")]
        schedule_id: i64,
    },
}

impl PortalBusy {
    /// The code kept as a waiting firing's detail.
    pub fn code(&self) -> String {
        match self {
            PortalBusy::Run { run_id } | PortalBusy::Plan { run_id } => format!("run-{run_id}"),
            PortalBusy::Schedule { schedule_id } => format!("schedule-{schedule_id}"),
        }
    }
}

const COLUMNS: &str = "id, portal_id, scope, timing, paused, notify_success, created_at, last_slot, last_outcome, \
                       last_run_id, last_detail, last_ended_at";

fn read_schedule(r: &rusqlite::Row<'_>) -> rusqlite::Result<ScheduleRecord> {
    let bad = |i: usize, raw: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, format!("unknown {raw:?}").into())
    };
    let scope: String = r.get(2)?;
    let timing: String = r.get(3)?;
    let last = match r.get::<_, Option<String>>(8)? {
        Some(outcome) => Some(LastFiring {
            outcome: ScheduleOutcome::parse(&outcome).ok_or_else(|| bad(8, outcome.clone()))?,
            run_id: r.get(9)?,
            detail: r.get(10)?,
            ended_at: parse_stamp(&r.get::<_, String>(11)?)?,
        }),
        None => None,
    };
    Ok(ScheduleRecord {
        id: r.get(0)?,
        portal_id: r.get::<_, i64>(1)? as u64,
        scope: ScheduleScope::parse(&scope).ok_or_else(|| bad(2, scope.clone()))?,
        timing: serde_json::from_str(&timing)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e)))?,
        paused: r.get(4)?,
        notify_success: r.get(5)?,
        created_at: parse_stamp(&r.get::<_, String>(6)?)?,
        last_slot: r.get::<_, Option<String>>(7)?.as_deref().map(parse_stamp).transpose()?,
        last,
    })
}

impl Store {
    /// Adds a schedule to portal `portal_id` (one this store knows).
    pub fn add_schedule(
        &mut self,
        portal_id: u64,
        scope: ScheduleScope,
        timing: &Schedule,
        notify_success: bool,
    ) -> Result<ScheduleRecord> {
        if self.portal(portal_id)?.is_none() {
            return Err(StoreError::PortalNotFound(portal_id));
        }
        self.conn.execute(
            "INSERT INTO schedules (portal_id, kind, scope, timing, notify_success, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                portal_id as i64,
                scope.kind().as_str(),
                scope.as_str(),
                serde_json::to_string(timing).expect("plain data"),
                notify_success,
                stamp(self.clock.now())
            ],
        )?;
        let id = self.conn.last_insert_rowid();
        self.schedule(id)?.ok_or(StoreError::ScheduleNotFound(id))
    }

    pub fn schedule(&self, id: i64) -> Result<Option<ScheduleRecord>> {
        Ok(self
            .conn
            .query_row(&format!("SELECT {COLUMNS} FROM schedules WHERE id = ?1"), [id], read_schedule)
            .optional()?)
    }

    /// A portal's schedules (every portal's with `None`), oldest first.
    pub fn schedules(&self, portal_id: Option<u64>) -> Result<Vec<ScheduleRecord>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM schedules WHERE ?1 IS NULL OR portal_id = ?1 ORDER BY id"))?;
        Ok(stmt.query_map([portal_id.map(|p| p as i64)], read_schedule)?.collect::<rusqlite::Result<_>>()?)
    }

    /// Removes a schedule; the runs it started stay in the history, marked with its id.
    pub fn remove_schedule(&mut self, id: i64) -> Result<ScheduleRecord> {
        let schedule = self.schedule(id)?.ok_or(StoreError::ScheduleNotFound(id))?;
        self.conn.execute("DELETE FROM schedules WHERE id = ?1", [id])?;
        Ok(schedule)
    }

    /// Pauses a schedule or lets it fire again. Resuming moves its anchor to `now`: the slots it
    /// slept through are not "missed".
    pub fn set_schedule_paused(&mut self, id: i64, paused: bool, now: DateTime<Utc>) -> Result<ScheduleRecord> {
        let schedule = self.schedule(id)?.ok_or(StoreError::ScheduleNotFound(id))?;
        if schedule.paused && !paused {
            self.reanchor(&schedule, now)?;
        }
        self.conn.execute("UPDATE schedules SET paused = ?2 WHERE id = ?1", params![id, paused])?;
        self.schedule(id)?.ok_or(StoreError::ScheduleNotFound(id))
    }

    /// Whether every schedule of portal `portal_id` is paused ("pause all").
    pub fn schedules_paused(&self, portal_id: u64) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT schedules_paused FROM portals WHERE portal_id = ?1", [portal_id as i64], |r| r.get(0))
            .optional()?
            .unwrap_or(false))
    }

    /// "Pause all" for portal `portal_id`, or lets its schedules fire again (each by its own pause,
    /// and from `now`: what they slept through is not missed).
    pub fn set_schedules_paused(&mut self, portal_id: u64, paused: bool, now: DateTime<Utc>) -> Result<()> {
        if self.portal(portal_id)?.is_none() {
            return Err(StoreError::PortalNotFound(portal_id));
        }
        if self.schedules_paused(portal_id)? && !paused {
            for schedule in self.schedules(Some(portal_id))? {
                self.reanchor(&schedule, now)?;
            }
        }
        self.conn.execute(
            "UPDATE portals SET schedules_paused = ?2 WHERE portal_id = ?1",
            params![portal_id as i64, paused],
        )?;
        Ok(())
    }

    /// Counts a schedule's slots from `now` on (its cadence and zone as they are).
    fn reanchor(&mut self, schedule: &ScheduleRecord, now: DateTime<Utc>) -> Result<()> {
        let timing = Schedule::new(schedule.timing.cadence(), schedule.timing.zone(), whole_seconds(now))
            .map_err(|e| StoreError::InvalidSchedule(e.to_string()))?;
        self.conn.execute(
            "UPDATE schedules SET timing = ?2, last_slot = NULL WHERE id = ?1",
            params![schedule.id, serde_json::to_string(&timing).expect("plain data")],
        )?;
        Ok(())
    }

    /// Claims `slot` for schedule `id`, whose last slot was `previous` when read: true for the
    /// one connection, of any process, whose claim changed it.
    pub fn claim_slot(&mut self, id: i64, previous: Option<DateTime<Utc>>, slot: DateTime<Utc>) -> Result<bool> {
        let changed = self.conn.execute(
            "UPDATE schedules SET last_slot = ?3 WHERE id = ?1 AND last_slot IS ?2",
            params![id, previous.map(exact_stamp), exact_stamp(slot)],
        )?;
        Ok(changed == 1)
    }

    /// Records what schedule `id`'s firing came to.
    pub fn record_firing(
        &mut self,
        id: i64,
        outcome: ScheduleOutcome,
        run_id: Option<i64>,
        detail: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE schedules SET last_outcome = ?2, last_run_id = ?3, last_detail = ?4, last_ended_at = ?5 WHERE id = ?1",
            params![id, outcome.as_str(), run_id, detail, stamp(self.clock.now())],
        )?;
        Ok(())
    }

    /// Claims portal `portal_id` for schedule `schedule_id`'s job: refused with what runs there
    /// when anything does. Checked and taken in one write transaction, so of two processes firing
    /// two schedules at once, one claims and the other waits. The claim ends with
    /// `release_schedule_claim`, or with this connection.
    pub fn claim_portal_for_schedule(&mut self, portal_id: u64, schedule_id: i64) -> Result<Option<PortalBusy>> {
        let token = self.presence_token()?;
        let now = self.clock.now();
        let dir = self.leases_dir.clone();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(busy) = busy_in(&tx, dir.as_deref(), Some(&token), portal_id, now)? {
            return Ok(Some(busy));
        }
        tx.execute(
            "INSERT OR REPLACE INTO schedule_claims (portal_id, schedule_id, holder_token, taken_at) VALUES (?1, ?2, ?3, ?4)",
            params![portal_id as i64, schedule_id, token, stamp(now)],
        )?;
        tx.commit()?;
        Ok(None)
    }

    /// Ends this connection's claim on portal `portal_id`.
    pub fn release_schedule_claim(&mut self, portal_id: u64) -> Result<()> {
        let Some(token) = self.presence.as_ref().map(|p| p.token.clone()) else { return Ok(()) };
        self.conn.execute(
            "DELETE FROM schedule_claims WHERE portal_id = ?1 AND holder_token = ?2",
            params![portal_id as i64, token],
        )?;
        Ok(())
    }
}

/// A slot as kept: to the nanosecond, so that reading it back gives the very slot that fired
/// (one a millisecond earlier would be due again).
fn exact_stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// `at` without its fraction of a second: an anchor (and so every slot counted from it) falls on
/// a whole second.
pub fn whole_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}

/// What runs on `portal_id` besides the connection `mine`, its holders' presence checked.
fn busy_in(
    conn: &rusqlite::Connection,
    dir: Option<&std::path::Path>,
    mine: Option<&str>,
    portal_id: u64,
    now: DateTime<Utc>,
) -> Result<Option<PortalBusy>> {
    let portal = portal_id as i64;
    let present = |token: &str| Some(token) != mine && leases::present(dir, token).unwrap_or(true);
    if let Some(holder) = leases::portal_holder(conn, dir, portal, now)? {
        return Ok(Some(PortalBusy::Run { run_id: holder.run_id }));
    }
    let plans: Vec<(i64, Option<String>)> = conn
        .prepare("SELECT id, maker FROM sync_runs WHERE portal_id = ?1 AND mode = 'preview' AND status = 'running'")?
        .query_map([portal], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if let Some((run_id, _)) = plans.into_iter().find(|(_, maker)| maker.as_deref().is_some_and(present)) {
        return Ok(Some(PortalBusy::Plan { run_id }));
    }
    let claim: Option<(i64, String)> = conn
        .query_row("SELECT schedule_id, holder_token FROM schedule_claims WHERE portal_id = ?1", [portal], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(claim.filter(|(_, token)| present(token)).map(|(schedule_id, _)| PortalBusy::Schedule { schedule_id }))
}

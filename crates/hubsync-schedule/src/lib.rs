//! When a scheduled push or pull is due (issue 21): the slots of a cadence ("every 15 minutes",
//! "daily at 07:00", "weekdays at 07:00") in a portal owner's IANA time zone, and what fires when
//! the app comes back after missing some of them.
//!
//! Everything here is pure: every function takes the instant it reasons about (`after`, `now`,
//! `last_fired`) and nothing reads the system clock. That is what lets the tests pin the awkward
//! cases to fixed instants (a daily time that a spring-forward day skips or a fall-back day
//! repeats, a week with the app closed, a clock moved backwards) instead of waiting for them, and
//! lets the app, the tray and `hubsync schedule run-due` share one answer.
//!
//! The rules:
//! - `Every` slots are `anchor + k × interval` (k ≥ 1) in absolute time: daylight saving does not
//!   move them, so "every 6 hours" stays 6 hours apart across a change.
//! - `Daily` and `Weekdays` times are wall-clock times in the zone. A time a spring-forward day
//!   skips fires at the first instant after the gap; a time a fall-back day repeats fires once, at
//!   its first occurrence. So each (week)day has exactly one slot.
//! - However many slots passed since the last firing, `Schedule::due` fires once, for the latest,
//!   and says how many it covers. A `now` before the last firing (a clock moved backwards) is never
//!   due again until the next slot after that firing.

use std::str::FromStr;

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Timelike, Utc,
    Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The shortest interval, a minute (as Zapier's paid plans; Userpilot's 5 minutes, Zapier's free
/// 15). A run never starts while another of its portal runs, and an incremental push or pull
/// between two slots reads little, so a tight schedule costs reads, never overlapping writes.
pub const MIN_INTERVAL_MINUTES: u32 = 1;
/// The longest interval, a week: anything rarer is better said as a daily or weekday time.
pub const MAX_INTERVAL_MINUTES: u32 = 7 * 24 * 60;

/// Why a cadence or schedule was refused. `code()` is stable: store and match on it, not on the
/// message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("an interval of {minutes} minutes is shorter than the minimum of {MIN_INTERVAL_MINUTES}")]
    IntervalTooShort { minutes: u32 },
    #[error("an interval of {minutes} minutes is longer than the maximum of {MAX_INTERVAL_MINUTES} (7 days)")]
    IntervalTooLong { minutes: u64 },
    #[error("a schedule's time of day must be whole seconds, without a leap second: {at}")]
    InvalidTimeOfDay { at: NaiveTime },
    #[error("unknown time zone {name:?} (expected an IANA name such as Europe/Paris)")]
    UnknownTimeZone { name: String },
}

impl ScheduleError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::IntervalTooShort { .. } => "interval_too_short",
            Self::IntervalTooLong { .. } => "interval_too_long",
            Self::InvalidTimeOfDay { .. } => "invalid_time_of_day",
            Self::UnknownTimeZone { .. } => "unknown_time_zone",
        }
    }
}

/// How often a schedule fires. Build one with the constructors (`every_minutes`, `every_hours`,
/// `daily`, `weekdays`), which validate; a `Schedule` only ever holds a validated one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cadence {
    /// Every `minutes` minutes of absolute time, counted from the schedule's anchor.
    Every { minutes: u32 },
    /// Every day at `at`, wall-clock time in the schedule's zone.
    Daily { at: NaiveTime },
    /// Monday to Friday at `at`, wall-clock time in the schedule's zone.
    Weekdays { at: NaiveTime },
}

impl Cadence {
    pub fn every_minutes(minutes: u32) -> Result<Self, ScheduleError> {
        let cadence = Self::Every { minutes };
        cadence.validate()?;
        Ok(cadence)
    }

    /// Hours are only a way of typing minutes: stored as `Every { minutes: hours × 60 }`.
    pub fn every_hours(hours: u32) -> Result<Self, ScheduleError> {
        let minutes = u64::from(hours) * 60;
        let minutes = u32::try_from(minutes).map_err(|_| ScheduleError::IntervalTooLong { minutes })?;
        Self::every_minutes(minutes)
    }

    pub fn daily(at: NaiveTime) -> Result<Self, ScheduleError> {
        let cadence = Self::Daily { at };
        cadence.validate()?;
        Ok(cadence)
    }

    pub fn weekdays(at: NaiveTime) -> Result<Self, ScheduleError> {
        let cadence = Self::Weekdays { at };
        cadence.validate()?;
        Ok(cadence)
    }

    /// The checks the constructors make, for a cadence built or read some other way.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        match *self {
            Self::Every { minutes } if minutes < MIN_INTERVAL_MINUTES => {
                Err(ScheduleError::IntervalTooShort { minutes })
            }
            Self::Every { minutes } if minutes > MAX_INTERVAL_MINUTES => {
                Err(ScheduleError::IntervalTooLong { minutes: u64::from(minutes) })
            }
            Self::Every { .. } => Ok(()),
            // A leap second (nanosecond ≥ 1e9) or a fraction would make "the same time every day"
            // depend on which day it is.
            Self::Daily { at } | Self::Weekdays { at } if at.nanosecond() != 0 => {
                Err(ScheduleError::InvalidTimeOfDay { at })
            }
            Self::Daily { .. } | Self::Weekdays { .. } => Ok(()),
        }
    }
}

/// Whether a schedule fires now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Nothing is due; `next` is the next slot.
    NotYet { next: DateTime<Utc> },
    /// Fire once, for `slot` (the latest slot at or before `now`); `missed` more slots passed
    /// since the last firing and are covered by this one. Record `slot` as the last firing.
    Now { slot: DateTime<Utc>, missed: u32 },
}

/// A cadence in a time zone, from an anchor: when the schedule was created or last edited. Slots
/// before the anchor never count as missed, and `Every` slots are counted from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredSchedule", into = "StoredSchedule")]
pub struct Schedule {
    cadence: Cadence,
    zone: Tz,
    anchor: DateTime<Utc>,
}

/// The stored form: the zone by its IANA name, checked (with the cadence) when read back.
#[derive(Serialize, Deserialize)]
struct StoredSchedule {
    cadence: Cadence,
    zone: String,
    anchor: DateTime<Utc>,
}

impl TryFrom<StoredSchedule> for Schedule {
    type Error = ScheduleError;

    fn try_from(stored: StoredSchedule) -> Result<Self, ScheduleError> {
        Schedule::new(stored.cadence, parse_zone(&stored.zone)?, stored.anchor)
    }
}

impl From<Schedule> for StoredSchedule {
    fn from(schedule: Schedule) -> Self {
        StoredSchedule { cadence: schedule.cadence, zone: schedule.zone.name().to_owned(), anchor: schedule.anchor }
    }
}

/// An IANA zone by name, exactly as the tz database spells it ("Europe/Paris").
pub fn parse_zone(name: &str) -> Result<Tz, ScheduleError> {
    Tz::from_str(name).map_err(|_| ScheduleError::UnknownTimeZone { name: name.to_owned() })
}

impl Schedule {
    pub fn new(cadence: Cadence, zone: Tz, anchor: DateTime<Utc>) -> Result<Self, ScheduleError> {
        cadence.validate()?;
        Ok(Self { cadence, zone, anchor })
    }

    /// `new` with the zone given by name, as the CLI and the app's form receive it.
    pub fn with_zone_name(cadence: Cadence, zone: &str, anchor: DateTime<Utc>) -> Result<Self, ScheduleError> {
        Self::new(cadence, parse_zone(zone)?, anchor)
    }

    pub fn cadence(&self) -> Cadence {
        self.cadence
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    pub fn anchor(&self) -> DateTime<Utc> {
        self.anchor
    }

    /// The first slot strictly after `after`.
    pub fn next_slot(&self, after: DateTime<Utc>) -> DateTime<Utc> {
        match self.cadence {
            Cadence::Every { minutes } => self.every_slot(self.every_index_after(after, minutes), minutes),
            Cadence::Daily { at } | Cadence::Weekdays { at } => {
                self.wall_clock_slot_after(after, at).map_or(DateTime::<Utc>::MAX_UTC, |(slot, _)| slot)
            }
        }
    }

    /// Whether the schedule fires at `now`, given its last firing (`None`: never fired since the
    /// anchor). Fires at most once however many slots were missed; a `now` before `last_fired` (a
    /// clock moved backwards) waits for the first slot after `last_fired`.
    pub fn due(&self, last_fired: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Due {
        // A firing before the anchor belongs to the schedule as it was before its last edit.
        let since = last_fired.map_or(self.anchor, |fired| fired.max(self.anchor));
        match self.cadence {
            Cadence::Every { minutes } => {
                let first = self.every_index_after(since, minutes);
                let latest = self.every_index_at_or_before(now, minutes);
                match latest {
                    Some(latest) if latest >= first => {
                        Due::Now { slot: self.every_slot(latest, minutes), missed: saturating_u32(latest - first) }
                    }
                    _ => Due::NotYet { next: self.every_slot(first, minutes) },
                }
            }
            Cadence::Daily { at } | Cadence::Weekdays { at } => {
                let Some((first, first_date)) = self.wall_clock_slot_after(since, at) else {
                    return Due::NotYet { next: DateTime::<Utc>::MAX_UTC };
                };
                if first > now {
                    return Due::NotYet { next: first };
                }
                // `first <= now`, so a slot at or before `now` exists (`first` at the least).
                let (slot, slot_date) = self.wall_clock_slot_at_or_before(now, at).unwrap_or((first, first_date));
                let slots = match self.cadence {
                    Cadence::Weekdays { .. } => weekdays_between(first_date, slot_date),
                    _ => (slot_date - first_date).num_days() + 1,
                };
                Due::Now { slot, missed: saturating_u32(slots - 1) }
            }
        }
    }

    /// The index k ≥ 1 of the first `Every` slot (`anchor + k × interval`) strictly after `after`.
    fn every_index_after(&self, after: DateTime<Utc>, minutes: u32) -> i64 {
        match self.every_index_at_or_before(after, minutes) {
            Some(k) => k.saturating_add(1),
            None => 1,
        }
    }

    /// The index of the latest `Every` slot at or before `at` (the anchor itself being index 0,
    /// which is not a slot), or `None` when `at` is before the anchor.
    fn every_index_at_or_before(&self, at: DateTime<Utc>, minutes: u32) -> Option<i64> {
        let elapsed = at - self.anchor;
        if elapsed < TimeDelta::zero() {
            return None;
        }
        // Whole seconds (nanoseconds would overflow past 292 years): the interval is whole
        // minutes, so flooring the seconds first does not change the quotient.
        Some(elapsed.num_seconds() / (i64::from(minutes) * 60))
    }

    fn every_slot(&self, index: i64, minutes: u32) -> DateTime<Utc> {
        index
            .checked_mul(i64::from(minutes))
            .and_then(TimeDelta::try_minutes)
            .and_then(|offset| self.anchor.checked_add_signed(offset))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Whether a local date has a slot: every day for `Daily`, Monday to Friday for `Weekdays`.
    fn fires_on(&self, date: NaiveDate) -> bool {
        match self.cadence {
            Cadence::Weekdays { .. } => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
            Cadence::Every { .. } | Cadence::Daily { .. } => true,
        }
    }

    /// The first wall-clock slot strictly after `after`, with the local date it belongs to.
    fn wall_clock_slot_after(&self, after: DateTime<Utc>, at: NaiveTime) -> Option<(DateTime<Utc>, NaiveDate)> {
        let local_date = self.wall_clock(after)?.date();
        // From the day before: a slot resolved past a gap can land on the next local date. Nine
        // days cover a weekend and any zone's offsets.
        let mut date = local_date.pred_opt()?;
        for _ in 0..10 {
            if self.fires_on(date) {
                let slot = self.resolve(date.and_time(at));
                if slot > after {
                    return Some((slot, date));
                }
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// The latest wall-clock slot at or before `at`, with the local date it belongs to.
    fn wall_clock_slot_at_or_before(&self, at: DateTime<Utc>, time: NaiveTime) -> Option<(DateTime<Utc>, NaiveDate)> {
        let local_date = self.wall_clock(at)?.date();
        let mut date = local_date.succ_opt()?;
        for _ in 0..10 {
            if self.fires_on(date) {
                let slot = self.resolve(date.and_time(time));
                if slot <= at {
                    return Some((slot, date));
                }
            }
            date = date.pred_opt()?;
        }
        None
    }

    /// The instant a wall-clock time stands for in the zone: itself when it exists once, its first
    /// occurrence when a fall-back repeats it, the end of the gap when a spring-forward skips it.
    fn resolve(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.zone.from_local_datetime(&local) {
            LocalResult::Single(instant) => instant.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
            // Only at the ends of representable time can the gap not be bracketed; any instant will do.
            LocalResult::None => self.end_of_gap(local).unwrap_or_else(|| local.and_utc()),
        }
    }

    /// The first instant whose wall-clock time is past `skipped`, a local time inside a gap. The
    /// gap's transition lies between `skipped` read with the offset after it and with the offset
    /// before it; chrono-tz does not expose its transitions, so find it by bisection (a gap is
    /// at most a day, so about 17 steps of a second).
    fn end_of_gap(&self, skipped: NaiveDateTime) -> Option<DateTime<Utc>> {
        let as_utc = skipped.and_utc();
        let offset_at = |instant: DateTime<Utc>| {
            TimeDelta::seconds(i64::from(
                self.zone.offset_from_utc_datetime(&instant.naive_utc()).fix().local_minus_utc(),
            ))
        };
        let before = offset_at(as_utc.checked_sub_signed(TimeDelta::days(1))?);
        let after = offset_at(as_utc.checked_add_signed(TimeDelta::days(1))?);
        // Invariant: the wall-clock time at `low` is not past `skipped`, at `high` it is.
        let mut low = as_utc.checked_sub_signed(after)?;
        let mut high = as_utc.checked_sub_signed(before)?;
        let past_skipped = |instant: DateTime<Utc>| self.wall_clock(instant).is_some_and(|local| local > skipped);
        if !past_skipped(high) || past_skipped(low) {
            // Not the single gap this expects (two transitions within a day): the offset before,
            // which lands after the gap too, just not at its first instant.
            return Some(high);
        }
        while high - low > TimeDelta::seconds(1) {
            let middle = low + (high - low) / 2;
            if past_skipped(middle) {
                high = middle;
            } else {
                low = middle;
            }
        }
        // Transitions fall on whole seconds; `high` is the first whole second past the gap.
        Some(high.with_nanosecond(0).filter(|whole| past_skipped(*whole)).unwrap_or(high))
    }

    /// The wall-clock time in the zone, or `None` past the ends of representable time (where
    /// chrono's own conversion would panic).
    fn wall_clock(&self, instant: DateTime<Utc>) -> Option<NaiveDateTime> {
        let offset = self.zone.offset_from_utc_datetime(&instant.naive_utc()).fix();
        instant.naive_utc().checked_add_offset(offset)
    }
}

fn saturating_u32(count: i64) -> u32 {
    u32::try_from(count.max(0)).unwrap_or(u32::MAX)
}

/// How many Mondays to Fridays lie in `first..=last`.
fn weekdays_between(first: NaiveDate, last: NaiveDate) -> i64 {
    let days = (last - first).num_days() + 1;
    if days <= 0 {
        return 0;
    }
    let full_weeks = days / 7;
    let start = first.weekday().num_days_from_monday();
    let remainder = (0..days % 7).filter(|offset| (i64::from(start) + offset) % 7 < 5).count() as i64;
    full_weeks * 5 + remainder
}

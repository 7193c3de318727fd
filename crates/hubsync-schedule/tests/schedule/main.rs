//! The schedule arithmetic at fixed instants: no clock, no sleeping. The daylight-saving cases use
//! 2026's changes: Europe/Paris springs forward on 29 March (02:00 CET → 03:00 CEST, 01:00 UTC)
//! and falls back on 25 October (03:00 CEST → 02:00 CET, 01:00 UTC); America/New_York springs
//! forward on 8 March (02:00 EST → 03:00 EDT, 07:00 UTC) and falls back on 1 November (02:00 EDT
//! → 01:00 EST, 06:00 UTC).

mod due;
mod every;
mod input;
mod wall_clock;

use chrono::{DateTime, NaiveTime, Utc};
use hubsync_schedule::{Cadence, Schedule};

/// An instant written as RFC 3339 with its offset, so each test says which wall-clock time it means.
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).expect("a valid RFC 3339 instant in a test").with_timezone(&Utc)
}

pub fn time(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).expect("a valid time of day in a test")
}

pub fn schedule(cadence: Cadence, zone: &str, anchor: &str) -> Schedule {
    Schedule::with_zone_name(cadence, zone, at(anchor)).expect("a valid schedule in a test")
}

pub fn daily(hour: u32, minute: u32) -> Cadence {
    Cadence::daily(time(hour, minute)).expect("a valid daily cadence")
}

pub fn weekdays(hour: u32, minute: u32) -> Cadence {
    Cadence::weekdays(time(hour, minute)).expect("a valid weekday cadence")
}

pub fn every(minutes: u32) -> Cadence {
    Cadence::every_minutes(minutes).expect("a valid interval")
}

use chrono::TimeDelta;
use hubsync_schedule::Cadence;

use crate::{at, every, schedule};

#[test]
fn every_slots_count_from_the_anchor_and_are_strictly_after() {
    let schedule = schedule(every(15), "UTC", "2026-01-05T10:00:07Z");

    // The anchor is when the schedule was made, not a slot: the first one is an interval later.
    assert_eq!(schedule.next_slot(at("2026-01-05T10:00:07Z")), at("2026-01-05T10:15:07Z"));
    assert_eq!(schedule.next_slot(at("2026-01-05T10:15:06Z")), at("2026-01-05T10:15:07Z"));
    assert_eq!(schedule.next_slot(at("2026-01-05T10:15:07Z")), at("2026-01-05T10:30:07Z"));
    assert_eq!(schedule.next_slot(at("2026-01-05T13:59:59Z")), at("2026-01-05T14:00:07Z"));
    // Before the anchor (a clock behind the one that made it): still the first slot.
    assert_eq!(schedule.next_slot(at("2026-01-01T00:00:00Z")), at("2026-01-05T10:15:07Z"));
}

#[test]
fn every_keeps_absolute_time_across_daylight_saving_changes() {
    // Every 6 hours from 23:00 Paris (CET) on 28 March: the spring-forward night does not move it.
    let spring = schedule(Cadence::every_hours(6).expect("6 hours"), "Europe/Paris", "2026-03-28T23:00:00+01:00");
    let first = spring.next_slot(at("2026-03-28T22:00:00Z"));
    let second = spring.next_slot(first);
    assert_eq!(first, at("2026-03-29T04:00:00Z"));
    assert_eq!(second - first, TimeDelta::hours(6));
    // On the wall clock that is 06:00 CEST then 12:00 CEST, one hour later than 05:00 CET would be.
    assert_eq!(first, at("2026-03-29T06:00:00+02:00"));

    let autumn = schedule(every(90), "America/New_York", "2026-11-01T00:00:00-04:00");
    let mut slot = autumn.anchor();
    for _ in 0..8 {
        let next = autumn.next_slot(slot);
        assert_eq!(next - slot, TimeDelta::minutes(90), "after {slot}");
        slot = next;
    }
    assert_eq!(slot, at("2026-11-01T16:00:00Z"));
}

#[test]
fn hours_are_stored_as_minutes() {
    assert_eq!(Cadence::every_hours(2), Ok(Cadence::Every { minutes: 120 }));
    assert_eq!(Cadence::every_hours(168), Ok(Cadence::Every { minutes: 7 * 24 * 60 }));
}

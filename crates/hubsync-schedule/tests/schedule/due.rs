use chrono::{DateTime, TimeDelta, Utc};
use hubsync_schedule::Due;

use crate::{at, daily, every, schedule, weekdays};

#[test]
fn a_week_off_fires_once_and_counts_the_missed_slots() {
    // Daily 07:00 Paris, last fired Monday 5 January; the app comes back Monday 12 January at 09:00.
    let daily = schedule(daily(7, 0), "Europe/Paris", "2026-01-01T00:00:00Z");
    let last = at("2026-01-05T07:00:00+01:00");
    let now = at("2026-01-12T09:00:00+01:00");
    let fired = at("2026-01-12T07:00:00+01:00");
    // Tuesday 6th to Monday 12th: 7 slots, one firing covering 6 more.
    assert_eq!(daily.due(Some(last), now), Due::Now { slot: fired, missed: 6 });
    // Once recorded, nothing more is due that day, however often it is asked.
    assert_eq!(daily.due(Some(fired), now), Due::NotYet { next: at("2026-01-13T07:00:00+01:00") });
    assert_eq!(
        daily.due(Some(fired), now + TimeDelta::hours(12)),
        Due::NotYet { next: at("2026-01-13T07:00:00+01:00") }
    );

    // Weekdays: Tuesday 6th to Friday 9th and Monday 12th, 5 slots.
    let weekdays = schedule(weekdays(7, 0), "Europe/Paris", "2026-01-01T00:00:00Z");
    assert_eq!(weekdays.due(Some(last), now), Due::Now { slot: fired, missed: 4 });
    // Three weeks off, from Friday 2nd to Wednesday 21st 08:00: 13 weekdays, the last on the 21st.
    assert_eq!(
        weekdays.due(Some(at("2026-01-02T07:00:00+01:00")), at("2026-01-21T08:00:00+01:00")),
        Due::Now { slot: at("2026-01-21T07:00:00+01:00"), missed: 12 }
    );
    // Back on Sunday: the latest slot is Friday's.
    assert_eq!(
        weekdays.due(Some(last), at("2026-01-11T10:00:00+01:00")),
        Due::Now { slot: at("2026-01-09T07:00:00+01:00"), missed: 3 }
    );

    // Every 15 minutes for a week: 672 slots, the latest fired, 671 covered.
    let every = schedule(every(15), "UTC", "2026-01-05T10:00:00Z");
    let last = at("2026-01-05T10:15:00Z");
    assert_eq!(
        every.due(Some(last), last + TimeDelta::days(7) + TimeDelta::minutes(1)),
        Due::Now { slot: last + TimeDelta::days(7), missed: 671 }
    );
}

#[test]
fn due_exactly_at_a_slot_and_not_a_moment_before() {
    let every = schedule(every(30), "UTC", "2026-01-05T10:00:00Z");
    let slot = at("2026-01-05T10:30:00Z");
    assert_eq!(every.due(None, slot - TimeDelta::seconds(1)), Due::NotYet { next: slot });
    assert_eq!(every.due(None, slot), Due::Now { slot, missed: 0 });
    assert_eq!(every.due(Some(slot), slot), Due::NotYet { next: at("2026-01-05T11:00:00Z") });
}

#[test]
fn a_schedule_never_fired_counts_from_its_anchor() {
    // Made at 12:00 Paris on 5 January: that morning's 07:00 was before it, so is not missed.
    let daily = schedule(daily(7, 0), "Europe/Paris", "2026-01-05T12:00:00+01:00");
    let tuesday = at("2026-01-06T07:00:00+01:00");
    assert_eq!(daily.due(None, at("2026-01-06T06:00:00+01:00")), Due::NotYet { next: tuesday });
    assert_eq!(daily.due(None, at("2026-01-06T08:00:00+01:00")), Due::Now { slot: tuesday, missed: 0 });
    assert_eq!(
        daily.due(None, at("2026-01-08T08:00:00+01:00")),
        Due::Now { slot: at("2026-01-08T07:00:00+01:00"), missed: 2 }
    );
    // A firing from before the schedule was edited does not reach back past the edit.
    assert_eq!(
        daily.due(Some(at("2025-12-01T07:00:00+01:00")), at("2026-01-06T08:00:00+01:00")),
        Due::Now { slot: tuesday, missed: 0 }
    );
}

#[test]
fn a_clock_moved_backwards_never_fires_a_slot_twice() {
    let daily = schedule(daily(7, 0), "Europe/Paris", "2026-01-01T00:00:00Z");
    let fired = at("2026-01-12T07:00:00+01:00");
    // The clock goes back a day and a half: Sunday's 07:00 lies between "now" and the firing,
    // and Monday's already fired.
    let now = at("2026-01-10T20:00:00+01:00");
    assert_eq!(daily.due(Some(fired), now), Due::NotYet { next: at("2026-01-13T07:00:00+01:00") });
    // A clock set back by an hour across the slot itself.
    assert_eq!(
        daily.due(Some(fired), fired - TimeDelta::minutes(30)),
        Due::NotYet { next: at("2026-01-13T07:00:00+01:00") }
    );

    let every = schedule(every(15), "UTC", "2026-01-05T10:00:00Z");
    let fired = at("2026-01-05T12:00:00Z");
    assert_eq!(every.due(Some(fired), at("2026-01-05T11:00:00Z")), Due::NotYet { next: at("2026-01-05T12:15:00Z") });
}

#[test]
fn a_doubled_hour_is_due_once() {
    // New York daily 01:30 on 1 November: fired at the first 01:30 (EDT); at the second (EST) and
    // after it, nothing is due until the next day.
    let new_york = schedule(daily(1, 30), "America/New_York", "2026-10-01T00:00:00Z");
    let first = at("2026-11-01T01:30:00-04:00");
    assert_eq!(new_york.due(Some(at("2026-10-31T01:30:00-04:00")), first), Due::Now { slot: first, missed: 0 });
    let next = Due::NotYet { next: at("2026-11-02T01:30:00-05:00") };
    assert_eq!(new_york.due(Some(first), at("2026-11-01T01:30:00-05:00")), next);
    assert_eq!(new_york.due(Some(first), at("2026-11-01T06:45:00Z")), next);
}

#[test]
fn a_skipped_hour_is_due_once_at_the_end_of_the_gap() {
    let paris = schedule(daily(2, 30), "Europe/Paris", "2026-03-01T00:00:00Z");
    let last = at("2026-03-28T02:30:00+01:00");
    let end_of_gap = at("2026-03-29T03:00:00+02:00");
    assert_eq!(paris.due(Some(last), end_of_gap - TimeDelta::seconds(1)), Due::NotYet { next: end_of_gap });
    assert_eq!(paris.due(Some(last), end_of_gap), Due::Now { slot: end_of_gap, missed: 0 });
    // Back on 30 March at noon: the slots of the 29th (end of the gap) and the 30th passed; one fires.
    assert_eq!(
        paris.due(Some(last), at("2026-03-30T12:00:00+02:00")),
        Due::Now { slot: at("2026-03-30T02:30:00+02:00"), missed: 1 }
    );
}

#[test]
fn instants_at_the_ends_of_time_do_not_panic() {
    // A corrupted store or a clock set to nonsense must give an answer, not bring the app down.
    let far = [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC];
    for zone in ["UTC", "Europe/Paris", "Pacific/Kiritimati", "America/Los_Angeles"] {
        for cadence in [daily(2, 30), weekdays(23, 59), every(5), every(7 * 24 * 60)] {
            for anchor in far {
                let schedule = hubsync_schedule::Schedule::new(
                    cadence,
                    hubsync_schedule::parse_zone(zone).expect("a zone"),
                    anchor,
                )
                .expect("a schedule");
                for instant in far {
                    let next = schedule.next_slot(instant);
                    assert!(
                        next > instant || next == DateTime::<Utc>::MAX_UTC,
                        "{zone} {cadence:?} {anchor} {instant}"
                    );
                    for last in [None, Some(DateTime::<Utc>::MIN_UTC), Some(DateTime::<Utc>::MAX_UTC)] {
                        schedule.due(last, instant);
                    }
                }
            }
        }
    }
}

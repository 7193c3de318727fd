use crate::{at, daily, schedule, weekdays};

#[test]
fn daily_fires_at_the_wall_clock_time_on_both_sides_of_a_change() {
    let schedule = schedule(daily(7, 0), "Europe/Paris", "2026-01-01T00:00:00Z");

    assert_eq!(schedule.next_slot(at("2026-01-10T05:59:59Z")), at("2026-01-10T07:00:00+01:00"));
    assert_eq!(schedule.next_slot(at("2026-01-10T07:00:00+01:00")), at("2026-01-11T07:00:00+01:00"));
    // 07:00 stays 07:00 in Paris when the offset changes, so the UTC instant moves an hour.
    assert_eq!(schedule.next_slot(at("2026-03-28T07:00:00+01:00")), at("2026-03-29T07:00:00+02:00"));
    assert_eq!(schedule.next_slot(at("2026-03-29T07:00:00+02:00")), at("2026-03-30T05:00:00Z"));
    assert_eq!(schedule.next_slot(at("2026-10-24T07:00:00+02:00")), at("2026-10-25T07:00:00+01:00"));
}

#[test]
fn a_skipped_time_fires_at_the_end_of_the_gap() {
    // Paris, 29 March: 02:30 does not exist; the clock reads 03:00 CEST at 01:00 UTC.
    let paris = schedule(daily(2, 30), "Europe/Paris", "2026-03-01T00:00:00Z");
    let before = paris.next_slot(at("2026-03-27T02:30:00+01:00"));
    assert_eq!(before, at("2026-03-28T02:30:00+01:00"));
    let skipped = paris.next_slot(before);
    assert_eq!(skipped, at("2026-03-29T03:00:00+02:00"));
    assert_eq!(skipped, at("2026-03-29T01:00:00Z"));
    assert_eq!(paris.next_slot(skipped), at("2026-03-30T02:30:00+02:00"));
    // Asking from inside the gap's day, just before it, finds the same slot.
    assert_eq!(paris.next_slot(at("2026-03-29T01:59:00+01:00")), skipped);

    // New York, 8 March: 02:30 does not exist; the clock reads 03:00 EDT at 07:00 UTC.
    let new_york = schedule(daily(2, 30), "America/New_York", "2026-03-01T00:00:00Z");
    let skipped = new_york.next_slot(at("2026-03-07T02:30:00-05:00"));
    assert_eq!(skipped, at("2026-03-08T03:00:00-04:00"));
    assert_eq!(new_york.next_slot(skipped), at("2026-03-09T02:30:00-04:00"));

    // Lord Howe Island moves by half an hour (02:00 +10:30 → 02:30 +11:00 on 4 October 2026), so
    // the end of the gap is not "the same time an hour later".
    let lord_howe = schedule(daily(2, 15), "Australia/Lord_Howe", "2026-09-01T00:00:00Z");
    let skipped = lord_howe.next_slot(at("2026-10-03T02:15:00+10:30"));
    assert_eq!(skipped, at("2026-10-04T02:30:00+11:00"));
    assert_eq!(lord_howe.next_slot(skipped), at("2026-10-05T02:15:00+11:00"));
}

#[test]
fn a_doubled_time_fires_once_at_its_first_occurrence() {
    // New York, 1 November: 01:30 happens at 05:30 UTC (EDT), then again at 06:30 UTC (EST).
    let new_york = schedule(daily(1, 30), "America/New_York", "2026-10-01T00:00:00Z");
    let first = new_york.next_slot(at("2026-11-01T00:00:00-04:00"));
    assert_eq!(first, at("2026-11-01T05:30:00Z"));
    assert_eq!(new_york.next_slot(first), at("2026-11-02T01:30:00-05:00"));
    // Between the two occurrences, the second is not a slot either.
    assert_eq!(new_york.next_slot(at("2026-11-01T06:00:00Z")), at("2026-11-02T06:30:00Z"));

    // Paris, 25 October: 02:30 happens at 00:30 UTC (CEST), then again at 01:30 UTC (CET).
    let paris = schedule(daily(2, 30), "Europe/Paris", "2026-10-01T00:00:00Z");
    let first = paris.next_slot(at("2026-10-24T02:30:00+02:00"));
    assert_eq!(first, at("2026-10-25T00:30:00Z"));
    assert_eq!(paris.next_slot(first), at("2026-10-26T02:30:00+01:00"));
}

#[test]
fn weekdays_skip_the_weekend() {
    let schedule = schedule(weekdays(7, 0), "Europe/Paris", "2026-01-01T00:00:00Z");
    let monday = at("2026-01-12T07:00:00+01:00");

    // Friday 9 January 2026, after its slot; Saturday; Sunday evening: all wait for Monday.
    assert_eq!(schedule.next_slot(at("2026-01-09T07:00:00+01:00")), monday);
    assert_eq!(schedule.next_slot(at("2026-01-10T12:00:00+01:00")), monday);
    assert_eq!(schedule.next_slot(at("2026-01-11T23:59:00+01:00")), monday);
    // Before Friday's slot, Friday's.
    assert_eq!(schedule.next_slot(at("2026-01-09T06:59:00+01:00")), at("2026-01-09T07:00:00+01:00"));
    // The weekday is the zone's: 23:30 UTC on Sunday is already Monday 00:30 in Paris.
    let late = crate::schedule(weekdays(0, 30), "Europe/Paris", "2026-01-01T00:00:00Z");
    assert_eq!(late.next_slot(at("2026-01-11T23:00:00Z")), at("2026-01-12T00:30:00+01:00"));
}

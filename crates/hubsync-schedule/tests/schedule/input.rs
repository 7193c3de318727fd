use chrono::NaiveTime;
use hubsync_schedule::{Cadence, Schedule, ScheduleError};

use crate::{at, daily, every, schedule, time, weekdays};

#[test]
fn schedules_round_trip_through_json_with_the_zone_by_name() {
    let cases = [
        (
            schedule(daily(7, 30), "Europe/Paris", "2026-01-05T12:00:00Z"),
            r#"{"cadence":{"kind":"daily","at":"07:30:00"},"zone":"Europe/Paris","anchor":"2026-01-05T12:00:00Z"}"#,
        ),
        (
            schedule(weekdays(18, 0), "America/New_York", "2026-01-05T12:00:00Z"),
            r#"{"cadence":{"kind":"weekdays","at":"18:00:00"},"zone":"America/New_York","anchor":"2026-01-05T12:00:00Z"}"#,
        ),
        (
            schedule(every(45), "UTC", "2026-01-05T12:00:00Z"),
            r#"{"cadence":{"kind":"every","minutes":45},"zone":"UTC","anchor":"2026-01-05T12:00:00Z"}"#,
        ),
    ];
    for (schedule, json) in cases {
        assert_eq!(serde_json::to_string(&schedule).expect("serializes"), json);
        let read: Schedule = serde_json::from_str(json).expect("deserializes");
        assert_eq!(read, schedule);
    }
}

#[test]
fn stored_schedules_are_validated_when_read() {
    let unknown_zone =
        r#"{"cadence":{"kind":"daily","at":"07:30:00"},"zone":"Europe/Atlantis","anchor":"2026-01-05T12:00:00Z"}"#;
    let error = serde_json::from_str::<Schedule>(unknown_zone).expect_err("an unknown zone");
    assert!(error.to_string().contains("Europe/Atlantis"), "{error}");

    let too_short = r#"{"cadence":{"kind":"every","minutes":0},"zone":"UTC","anchor":"2026-01-05T12:00:00Z"}"#;
    let error = serde_json::from_str::<Schedule>(too_short).expect_err("a 0-minute interval");
    assert!(error.to_string().contains("shorter than the minimum"), "{error}");

    let unknown_kind = r#"{"cadence":{"kind":"monthly","day":1},"zone":"UTC","anchor":"2026-01-05T12:00:00Z"}"#;
    assert!(serde_json::from_str::<Schedule>(unknown_kind).is_err());
}

#[test]
fn bad_input_has_stable_codes() {
    let code = |result: Result<Cadence, ScheduleError>| result.expect_err("refused").code();
    assert_eq!(code(Cadence::every_minutes(0)), "interval_too_short");
    assert_eq!(code(Cadence::every_hours(0)), "interval_too_short");
    assert_eq!(code(Cadence::every_minutes(7 * 24 * 60 + 1)), "interval_too_long");
    assert_eq!(code(Cadence::every_hours(169)), "interval_too_long");
    assert_eq!(code(Cadence::every_hours(u32::MAX)), "interval_too_long");
    let with_fraction = NaiveTime::from_hms_milli_opt(7, 0, 0, 500).expect("a time");
    assert_eq!(code(Cadence::daily(with_fraction)), "invalid_time_of_day");
    let leap_second = NaiveTime::from_hms_milli_opt(23, 59, 59, 1_500).expect("a leap second");
    assert_eq!(code(Cadence::weekdays(leap_second)), "invalid_time_of_day");
    assert_eq!(Cadence::every_minutes(1), Ok(Cadence::Every { minutes: 1 }));

    let zone = Schedule::with_zone_name(daily(7, 0), "Paris", at("2026-01-05T12:00:00Z"));
    assert_eq!(zone.expect_err("not an IANA name").code(), "unknown_time_zone");
    // A cadence built directly, bypassing its constructor, is still checked by the schedule.
    let direct = Schedule::with_zone_name(Cadence::Every { minutes: 0 }, "UTC", at("2026-01-05T12:00:00Z"));
    assert_eq!(direct.expect_err("too short").code(), "interval_too_short");
    assert!(
        Schedule::with_zone_name(Cadence::Daily { at: time(7, 0) }, "Asia/Kolkata", at("2026-01-05T12:00:00Z")).is_ok()
    );
}

//! HubSpot's rate limit is the portal's: two `hubsync` processes on one store, run together,
//! share one window through the store's rate ledger and draw no 429.

use crate::support::{Hub, Portal};

/// Sixty pages of contacts each: together about 130 calls, more than the 100 a private app may
/// send in any 10 s, which two processes each counting alone would send at once.
#[test]
fn two_commands_at_once_share_the_portals_window_and_draw_no_429() {
    let portal = Portal::start_with(|config| config.seed_contacts = 6_000);
    let hub = Hub::new();
    hub.connect(&portal).ok();
    let before = portal.counter("totalRequests");
    let mut pulls: Vec<_> = (0..2).map(|_| hub.start(&["pull", "--preview"])).collect();
    for pull in &mut pulls {
        assert!(pull.wait().unwrap().success(), "both previews finish");
    }
    let sent = portal.counter("totalRequests") - before;
    assert!(sent > 120, "the two together went past one window's 100: {sent} requests");
    assert_eq!(portal.counter("rateLimited"), 0, "no 429 in {sent} requests");
}

/// The last tenth of a private app's daily limit is the portal's other apps': a push that would
/// dip into it stops, unsent, saying how to go on; `status` shows the day's use.
#[test]
fn a_push_stops_short_of_the_daily_share_kept_for_other_apps_until_the_reserve_is_lowered() {
    let (portal, hub) = crate::support::portal_with_new_leads(3, |i| format!("lead{i}@example.com"));
    // 25,000 left of 250,000: the next reply will say the reserve is reached.
    portal.control(reqwest::Method::PUT, "/rate-limits", Some(serde_json::json!({ "dailyUsed": 225_000 })));
    let before = portal.counter("totalRequests");
    let refused = hub.json_error(&["push", "--yes"]);
    assert_eq!(refused["code"], "daily_reserve_reached", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("10 % kept free"), "{refused}");
    assert!(refused["hint"].as_str().unwrap().contains("hubsync portals reserve"), "{refused}");
    assert_eq!(portal.counter("totalRequests") - before, 1, "one call told the client; nothing after it was sent");
    // Another process knows it from the store's rate ledger: it sends nothing at all.
    let again = hub.json_error(&["push", "--yes"]);
    assert_eq!(again["code"], "daily_reserve_reached", "{again}");
    assert_eq!(portal.counter("totalRequests") - before, 1, "the second process sent nothing");

    let status = hub.json(&["status"]);
    let daily = &status["daily_use"];
    assert_eq!((daily["limit"].as_u64(), daily["reserve_percent"].as_u64()), (Some(250_000), Some(10)), "{status}");
    assert!(daily["used"].as_u64().unwrap() > 225_000, "{status}");
    assert!(hub.run(&["status"]).ok().stdout.contains("10 % kept free for the portal's other apps"));

    let bad = hub.json_error(&["portals", "reserve", "95"]);
    assert_eq!(bad["code"], "invalid_daily_reserve", "{bad}");
    assert_eq!(hub.json(&["portals", "reserve", "0"])["daily_reserve_percent"], 0);
    let pushed = hub.json(&["push", "--yes"]);
    assert_eq!(
        (pushed["run"]["status"].as_str(), pushed["run"]["counts"]["created"].as_u64()),
        (Some("completed"), Some(3))
    );
}

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

//! What a live run will cost in calls and time at the portal's rate limit.

use std::time::Duration;

use hubsync_hubspot::{HubSpotClient, SAFETY_MARGIN};
use serde::Serialize;

/// What the live run will cost, at the portal's rate limit.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    /// Every call the live run makes: `setup_calls + read_calls + write_calls`.
    pub api_calls: u64,
    /// Properties and owners (a pull's also its company properties and deal pipelines).
    pub setup_calls: u64,
    /// A push's batch reads by email, and by id for leads whose email found nothing; a pull's
    /// pages of contacts with their companies and deals.
    pub read_calls: u64,
    /// Batch updates and upserts, 100 rows each; and a push's company creates, updates and
    /// associations, 100 each.
    pub write_calls: u64,
    /// Of `read_calls`, a push's company reads: linked companies read by id and searches by
    /// domain (100 domains each), then the contacts' companies read (100 contacts each); an
    /// undo's, the companies the push wrote read by id and its contacts' companies read.
    pub company_read_calls: u64,
    /// Of `write_calls`, a push's company creates, updates and association batches; an undo's
    /// re-primaries, association removals, company updates and archives.
    pub company_write_calls: u64,
    /// The requests the portal admits per window, and the window.
    pub rate_limit_per_window: u32,
    pub rate_limit_window_ms: u64,
    /// Wall time: the rate limit's bound, or the round trips at this concurrency, whichever is longer.
    pub seconds: f64,
}

/// `estimate` at the client's portal's rate limit.
pub(crate) async fn estimate_at_limit(
    client: &HubSpotClient,
    setup_calls: u64,
    read_calls: u64,
    write_calls: u64,
    per_call: Duration,
) -> Estimate {
    let capacity = client.window_capacity().await;
    estimate(setup_calls, read_calls, write_calls, capacity, client.config().limits.window, per_call)
}

/// The time a run of `calls` takes: the rate limit admits a window's worth at once, then
/// another each window (plus the limiter's margin); or, when that is faster, the calls at the
/// pace (`per_call`, round trips overlapped) the preparation's reads went at.
fn estimate(
    setup_calls: u64,
    read_calls: u64,
    write_calls: u64,
    capacity: u32,
    window: Duration,
    per_call: Duration,
) -> Estimate {
    let api_calls = setup_calls + read_calls + write_calls;
    // A rolling window: `capacity` go at once, the next `capacity` a window (plus the limiter's
    // margin) after the first of them, and so on.
    let windows = api_calls.saturating_sub(1) / u64::from(capacity.max(1));
    let bound = windows as f64 * (window + SAFETY_MARGIN).as_secs_f64();
    let round_trips = api_calls as f64 * per_call.as_secs_f64();
    Estimate {
        api_calls,
        setup_calls,
        read_calls,
        write_calls,
        company_read_calls: 0,
        company_write_calls: 0,
        rate_limit_per_window: capacity,
        rate_limit_window_ms: window.as_millis() as u64,
        seconds: (bound.max(round_trips) * 10.0).round() / 10.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_is_the_rate_limit_bound_or_the_round_trips() {
        let window = Duration::from_secs(10);
        let small = estimate(1, 1, 1, 110, window, Duration::from_millis(100));
        assert_eq!((small.api_calls, small.seconds), (3, 0.3), "inside one window: round trips only");
        let big = estimate(1, 1000, 625, 110, window, Duration::from_millis(10));
        // 1,626 calls: 110 at once, then 14 more windows of 10.25 s (the limiter's margin).
        assert_eq!(big.seconds, 143.5);
    }
}

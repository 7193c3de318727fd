//! The client's side of HubSpot's limits, one limiter per portal shared by every request to it:
//! a rolling window (110 per 10 s for OAuth apps, the tier's burst for private apps, learned
//! from `X-HubSpot-RateLimit-*` headers when they come) and search's 5 per second. A healthy
//! run waits here instead of collecting 429s.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::{Instant, sleep_until};

/// A little more than the server's window, so requests that arrive late by network jitter
/// still fall in a fresh window on HubSpot's side.
pub const SAFETY_MARGIN: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSettings {
    pub per_window: u32,
    pub window: Duration,
    pub search_per_second: u32,
}

impl RateLimitSettings {
    /// An OAuth app, per installing portal.
    pub fn oauth() -> Self {
        RateLimitSettings { per_window: 110, window: Duration::from_secs(10), search_per_second: 5 }
    }

    /// A private app or service key with this tier's 10-second burst (100, 190 or 250).
    pub fn private_app(burst: u32) -> Self {
        RateLimitSettings { per_window: burst, window: Duration::from_secs(10), search_per_second: 5 }
    }
}

#[derive(Debug)]
struct Window {
    capacity: u32,
    span: Duration,
    sent: VecDeque<Instant>,
}

impl Window {
    fn new(capacity: u32, span: Duration) -> Self {
        Window { capacity: capacity.max(1), span, sent: VecDeque::new() }
    }

    /// Takes a slot now, or says when one frees up.
    fn try_take(&mut self, now: Instant) -> Result<(), Instant> {
        let span = self.span + SAFETY_MARGIN;
        while self.sent.front().is_some_and(|&t| now.duration_since(t) >= span) {
            self.sent.pop_front();
        }
        if self.sent.len() < self.capacity as usize {
            self.sent.push_back(now);
            Ok(())
        } else {
            // Enough of the oldest must age out for one slot.
            let excess = self.sent.len() + 1 - self.capacity as usize;
            Err(self.sent[excess - 1] + span)
        }
    }
}

#[derive(Debug)]
pub struct PortalLimiter {
    general: Mutex<Window>,
    search: Mutex<Window>,
}

impl PortalLimiter {
    pub fn new(settings: RateLimitSettings) -> Self {
        PortalLimiter {
            general: Mutex::new(Window::new(settings.per_window, settings.window)),
            search: Mutex::new(Window::new(settings.search_per_second, Duration::from_secs(1))),
        }
    }

    /// Waits for a slot in the rolling window; call before every non-search request.
    pub async fn acquire(&self) {
        take(&self.general).await;
    }

    /// Waits for a search slot; search requests don't count against the rolling window.
    pub async fn acquire_search(&self) {
        take(&self.search).await;
    }

    /// Adopts the limit a reply's `X-HubSpot-RateLimit-Max` / `-Interval-Milliseconds` headers
    /// state (they may be absent: then nothing changes).
    pub async fn learn(&self, max: Option<u32>, interval_ms: Option<u64>) {
        let mut window = self.general.lock().await;
        if let Some(max) = max.filter(|m| *m > 0) {
            window.capacity = max;
        }
        if let Some(ms) = interval_ms.filter(|ms| *ms > 0) {
            window.span = Duration::from_millis(ms);
        }
    }

    pub async fn capacity(&self) -> u32 {
        self.general.lock().await.capacity
    }
}

async fn take(window: &Mutex<Window>) {
    loop {
        let wait_until = match window.lock().await.try_take(Instant::now()) {
            Ok(()) => return,
            Err(at) => at,
        };
        sleep_until(wait_until).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_window_admits_its_capacity_then_waits_for_the_oldest_to_age_out() {
        let limiter = PortalLimiter::new(RateLimitSettings::oauth());
        let start = Instant::now();
        for _ in 0..110 {
            limiter.acquire().await;
        }
        assert_eq!(Instant::now(), start, "110 go at once");
        limiter.acquire().await;
        assert_eq!(Instant::now() - start, Duration::from_secs(10) + SAFETY_MARGIN);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_budget() {
        let limiter = Arc::new(PortalLimiter::new(RateLimitSettings::private_app(100)));
        let start = Instant::now();
        let tasks: Vec<_> = (0..250)
            .map(|_| {
                let limiter = limiter.clone();
                tokio::spawn(async move {
                    limiter.acquire().await;
                    Instant::now()
                })
            })
            .collect();
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.unwrap() - start);
        }
        times.sort();
        // Never more than 100 inside any window of 10.5 s.
        for (i, t) in times.iter().enumerate().skip(100) {
            assert!(*t - times[i - 100] >= Duration::from_secs(10) + SAFETY_MARGIN, "request {i} came too soon");
        }
        assert_eq!(*times.last().unwrap(), (Duration::from_secs(10) + SAFETY_MARGIN) * 2);
    }

    #[tokio::test(start_paused = true)]
    async fn search_has_its_own_five_per_second_and_headers_teach_the_limit() {
        let limiter = PortalLimiter::new(RateLimitSettings::oauth());
        let start = Instant::now();
        for _ in 0..6 {
            limiter.acquire_search().await;
        }
        assert_eq!(Instant::now() - start, Duration::from_secs(1) + SAFETY_MARGIN);
        limiter.acquire().await;
        assert_eq!(limiter.capacity().await, 110);
        limiter.learn(Some(190), Some(10_000)).await;
        assert_eq!(limiter.capacity().await, 190);
        limiter.learn(None, None).await;
        assert_eq!(limiter.capacity().await, 190, "absent headers change nothing");
    }
}

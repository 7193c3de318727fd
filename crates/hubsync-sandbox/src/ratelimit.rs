//! HubSpot's limits as a portal applies them: a rolling 10-second window per app, a daily cap
//! for private apps shared across the portal, and search's own 5-per-second limit.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use crate::config::ApiTier;
use crate::errors::RatePolicy;
use crate::oauth::Principal;

pub const WINDOW: Duration = Duration::from_secs(10);
pub const OAUTH_BURST: u32 = 110;
pub const SEARCH_PER_SECOND: usize = 5;

/// The `X-HubSpot-RateLimit-*` values for one reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateHeaders {
    pub max: u32,
    pub remaining: u32,
    pub daily: Option<(u64, u64)>,
}

impl RateHeaders {
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![
            ("x-hubspot-ratelimit-max", self.max.to_string()),
            ("x-hubspot-ratelimit-remaining", self.remaining.to_string()),
            ("x-hubspot-ratelimit-interval-milliseconds", WINDOW.as_millis().to_string()),
        ];
        if let Some((limit, remaining)) = self.daily {
            pairs.push(("x-hubspot-ratelimit-daily", limit.to_string()));
            pairs.push(("x-hubspot-ratelimit-daily-remaining", remaining.to_string()));
        }
        pairs
    }
}

/// The result of asking to make one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Go ahead; add these headers (none on search replies).
    Allowed(Option<RateHeaders>),
    Refused(RatePolicy, Option<RateHeaders>),
}

#[derive(Debug)]
pub struct RateLimiter {
    pub enabled: bool,
    pub tier: ApiTier,
    windows: HashMap<String, VecDeque<Instant>>,
    search: VecDeque<Instant>,
    daily_used: u64,
    daily_date: Option<NaiveDate>,
}

impl RateLimiter {
    pub fn new(enabled: bool, tier: ApiTier) -> Self {
        RateLimiter { enabled, tier, windows: HashMap::new(), search: VecDeque::new(), daily_used: 0, daily_date: None }
    }

    fn burst(&self, principal: &Principal) -> u32 {
        if principal.is_private() { self.tier.burst_per_ten_seconds() } else { OAUTH_BURST }
    }

    /// Starts a new day's count at the portal's local midnight.
    fn roll_day(&mut self, now: DateTime<Utc>, utc_offset_minutes: i32) {
        let offset = FixedOffset::east_opt(utc_offset_minutes * 60).unwrap_or(FixedOffset::east_opt(0).expect("zero"));
        let today = now.with_timezone(&offset).date_naive();
        if self.daily_date != Some(today) {
            self.daily_date = Some(today);
            self.daily_used = 0;
        }
    }

    /// Decides one request. Refused requests do not use up the window.
    pub fn admit(
        &mut self,
        principal: &Principal,
        is_search: bool,
        at: Instant,
        now: DateTime<Utc>,
        utc_offset_minutes: i32,
    ) -> Admission {
        self.roll_day(now, utc_offset_minutes);
        let daily_limit = self.tier.daily_limit();
        let private = principal.is_private();
        if self.enabled && private && self.daily_used >= daily_limit {
            let headers = (!is_search).then(|| self.headers(principal, at));
            return Admission::Refused(RatePolicy::Daily, headers);
        }
        if is_search {
            prune(&mut self.search, at, Duration::from_secs(1));
            if self.enabled && self.search.len() >= SEARCH_PER_SECOND {
                return Admission::Refused(RatePolicy::Secondly, None);
            }
            self.search.push_back(at);
            if private {
                self.daily_used += 1;
            }
            return Admission::Allowed(None);
        }
        let burst = self.burst(principal) as usize;
        let window = self.windows.entry(principal.bucket()).or_default();
        prune(window, at, WINDOW);
        if self.enabled && window.len() >= burst {
            return Admission::Refused(RatePolicy::TenSecondlyRolling, Some(self.headers(principal, at)));
        }
        window.push_back(at);
        if private {
            self.daily_used += 1;
        }
        Admission::Allowed(Some(self.headers(principal, at)))
    }

    /// The headers as they stand now for this principal.
    pub fn headers(&mut self, principal: &Principal, at: Instant) -> RateHeaders {
        let max = self.burst(principal);
        let window = self.windows.entry(principal.bucket()).or_default();
        prune(window, at, WINDOW);
        let used = window.len() as u32;
        let daily = principal
            .is_private()
            .then(|| (self.tier.daily_limit(), self.tier.daily_limit().saturating_sub(self.daily_used)));
        RateHeaders { max, remaining: max.saturating_sub(used), daily }
    }

    pub fn daily_used(&self) -> u64 {
        self.daily_used
    }

    /// Control API: pretend this many calls were made today (to reach the daily cap mid-run).
    pub fn set_daily_used(&mut self, used: u64, now: DateTime<Utc>, utc_offset_minutes: i32) {
        self.roll_day(now, utc_offset_minutes);
        self.daily_used = used;
    }

    pub fn reset(&mut self) {
        self.windows.clear();
        self.search.clear();
        self.daily_used = 0;
        self.daily_date = None;
    }
}

fn prune(window: &mut VecDeque<Instant>, at: Instant, span: Duration) {
    while window.front().is_some_and(|&t| at.duration_since(t) >= span) {
        window.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth() -> Principal {
        Principal::OAuth { app_id: 1, scopes: vec![] }
    }

    fn private() -> Principal {
        Principal::Private { index: 0, scopes: vec![] }
    }

    #[test]
    fn oauth_window_allows_110_per_rolling_ten_seconds() {
        let mut limiter = RateLimiter::new(true, ApiTier::Starter);
        let start = Instant::now();
        let now = Utc::now();
        for i in 0..110 {
            let at = start + Duration::from_millis(i * 10);
            assert!(matches!(limiter.admit(&oauth(), false, at, now, 0), Admission::Allowed(_)), "request {i}");
        }
        let refused = limiter.admit(&oauth(), false, start + Duration::from_secs(5), now, 0);
        assert!(matches!(refused, Admission::Refused(RatePolicy::TenSecondlyRolling, Some(ref h)) if h.remaining == 0));
        // Ten seconds after the first requests, their slots free up again.
        let later = start + Duration::from_millis(10_005);
        assert!(matches!(limiter.admit(&oauth(), false, later, now, 0), Admission::Allowed(_)));
    }

    #[test]
    fn private_apps_get_tier_burst_and_daily_headers() {
        let mut limiter = RateLimiter::new(true, ApiTier::Professional);
        let Admission::Allowed(Some(h)) = limiter.admit(&private(), false, Instant::now(), Utc::now(), 0) else {
            panic!("allowed with headers")
        };
        assert_eq!((h.max, h.remaining, h.daily), (190, 189, Some((625_000, 624_999))));
    }

    #[test]
    fn daily_cap_refuses_until_local_midnight() {
        let mut limiter = RateLimiter::new(true, ApiTier::Starter);
        let now: DateTime<Utc> = "2026-05-01T03:00:00Z".parse().unwrap();
        limiter.set_daily_used(250_000, now, -300);
        let at = Instant::now();
        assert!(matches!(limiter.admit(&private(), false, at, now, -300), Admission::Refused(RatePolicy::Daily, _)));
        // 03:00 UTC is 22:00 the day before in UTC-5; local midnight is 05:00 UTC.
        let after_midnight: DateTime<Utc> = "2026-05-01T05:00:01Z".parse().unwrap();
        assert!(matches!(limiter.admit(&private(), false, at, after_midnight, -300), Admission::Allowed(_)));
    }

    #[test]
    fn search_has_its_own_five_per_second() {
        let mut limiter = RateLimiter::new(true, ApiTier::Starter);
        let start = Instant::now();
        for _ in 0..5 {
            assert_eq!(limiter.admit(&oauth(), true, start, Utc::now(), 0), Admission::Allowed(None));
        }
        assert_eq!(limiter.admit(&oauth(), true, start, Utc::now(), 0), Admission::Refused(RatePolicy::Secondly, None));
        // Search doesn't use the 10-second window.
        assert!(
            matches!(limiter.admit(&oauth(), false, start, Utc::now(), 0), Admission::Allowed(Some(h)) if h.remaining == 109)
        );
    }

    #[test]
    fn disabled_limiter_never_refuses() {
        let mut limiter = RateLimiter::new(false, ApiTier::Starter);
        let at = Instant::now();
        for _ in 0..500 {
            assert!(matches!(limiter.admit(&oauth(), false, at, Utc::now(), 0), Admission::Allowed(_)));
        }
    }
}

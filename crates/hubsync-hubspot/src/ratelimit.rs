//! The client's side of HubSpot's limits, one limiter per portal shared by every request to it:
//! a rolling window (110 per 10 s for OAuth apps, the tier's burst for private apps, learned
//! from `X-HubSpot-RateLimit-*` headers when they come) and search's 5 per second. A healthy
//! run waits here instead of collecting 429s.
//!
//! The limits are the portal's, not the process's: given `SharedLimits` (the lead store's rate
//! ledger), the windows are the ones every process using the portal records its requests in, so
//! the app and the command line, together or back to back, stay within one budget.
//!
//! A request holds its slot from when it is granted until a window after its reply came:
//! HubSpot counts it somewhere between the two, and a request slowed on its way (a busy machine,
//! a slow network) would otherwise free its slot before HubSpot's window lets go of it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::{Instant, sleep, sleep_until};

use crate::client::RateLimitSeen;

/// A little more than the server's window, for the difference between its clock's reading and
/// ours. Each window costs it once: at 500 ms a run of several windows reached 0.94 of what the
/// limit allows, at 250 ms about 0.97 (the `rate_limit` bench).
pub const SAFETY_MARGIN: Duration = Duration::from_millis(250);

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
    /// Each send's id and when it went or, once its reply came, when that came; oldest first.
    sent: VecDeque<(u64, Instant)>,
    next_id: u64,
}

impl Window {
    fn new(capacity: u32, span: Duration) -> Self {
        Window { capacity: capacity.max(1), span, sent: VecDeque::new(), next_id: 0 }
    }

    /// The capacity and span a reply's headers state, where they state them.
    fn adopt(&mut self, max: Option<u32>, interval_ms: Option<u64>) {
        if let Some(max) = max.filter(|m| *m > 0) {
            self.capacity = max;
        }
        if let Some(ms) = interval_ms.filter(|ms| *ms > 0) {
            self.span = Duration::from_millis(ms);
        }
    }

    /// Takes a slot now, or says when one frees up.
    fn try_take(&mut self, now: Instant) -> Result<u64, Instant> {
        let span = self.span + SAFETY_MARGIN;
        while self.sent.front().is_some_and(|&(_, t)| now.duration_since(t) >= span) {
            self.sent.pop_front();
        }
        if self.sent.len() < self.capacity as usize {
            self.next_id += 1;
            self.sent.push_back((self.next_id, now));
            Ok(self.next_id)
        } else {
            // Enough of the oldest must age out for one slot.
            let excess = self.sent.len() + 1 - self.capacity as usize;
            Err(self.sent[excess - 1].1 + span)
        }
    }

    /// Moves send `id` to `now`, when its reply came (back in if it aged out on its way).
    fn replied(&mut self, id: u64, now: Instant) {
        self.sent.retain(|&(sent, _)| sent != id);
        let at = self.sent.partition_point(|&(_, t)| t <= now);
        self.sent.insert(at, (id, now));
    }
}

/// A slot a request holds in its portal's window: hand it back to `PortalLimiter::replied` once
/// the reply came.
#[derive(Debug)]
#[must_use = "a slot is handed back when its reply came"]
pub struct Slot {
    lane: Lane,
    id: SlotId,
}

#[derive(Debug)]
enum SlotId {
    Own(u64),
    Shared(i64),
}

/// What `SharedLimits::take` gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SharedTake {
    /// A send recorded under this id.
    Sent(i64),
    /// Nothing recorded: a slot frees after this long.
    Wait(Duration),
}

/// Which of a portal's limits a request counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    /// The rolling window every call but search counts against.
    General,
    /// Search's own requests per second.
    Search,
}

impl Lane {
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::General => "general",
            Lane::Search => "search",
        }
    }
}

pub type SharedLimitsError = Box<dyn std::error::Error + Send + Sync>;

/// A portal's windows and learned limits as every process using the portal sees them. Its calls
/// are short blocking writes: the limiter makes them off the async threads.
pub trait SharedLimits: std::fmt::Debug + Send + Sync + 'static {
    /// Records a request in `lane` now if fewer than `capacity` went in the last `span`, by any
    /// process; else, recording nothing, how long until one may go.
    fn take(&self, lane: Lane, capacity: u32, span: Duration) -> Result<SharedTake, SharedLimitsError>;
    /// Moves the send `id` to now, when its reply came.
    fn replied(&self, lane: Lane, id: i64) -> Result<(), SharedLimitsError>;
    /// Keeps what a reply's headers said of the limits, for every process.
    fn learn(&self, seen: &RateLimitSeen) -> Result<(), SharedLimitsError>;
    /// What the headers last said, by any process.
    fn seen(&self) -> Result<Option<RateLimitSeen>, SharedLimitsError>;
    /// Records requests in `lane` that went out `ages` ago, before their portal was known.
    fn record(&self, lane: Lane, ages: &[Duration]) -> Result<(), SharedLimitsError>;
}

/// Each portal's `SharedLimits`: a client opens its portal's once it knows the portal.
pub trait SharedLimitsByPortal: std::fmt::Debug + Send + Sync + 'static {
    /// `None` when they can't be had (the client then keeps its own windows).
    fn for_portal(&self, portal_id: u64) -> Option<Arc<dyn SharedLimits>>;
}

pub struct PortalLimiter {
    general: Mutex<Window>,
    search: Mutex<Window>,
    /// Set when the portal is known (at once for a saved portal's client; after the account
    /// details for a connection being made).
    shared: std::sync::OnceLock<Arc<dyn SharedLimits>>,
    /// Set once the shared windows failed: this limiter keeps to its own from then on.
    shared_failed: AtomicBool,
    /// The portal's daily limit and what was left of it, as the last reply that said stated it.
    daily: Mutex<Option<(u64, u64)>>,
}

impl std::fmt::Debug for PortalLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalLimiter").field("shared", &self.shared.get().is_some()).finish_non_exhaustive()
    }
}

impl PortalLimiter {
    /// A limiter whose windows are this process's own.
    pub fn new(settings: RateLimitSettings) -> Self {
        PortalLimiter {
            general: Mutex::new(Window::new(settings.per_window, settings.window)),
            search: Mutex::new(Window::new(settings.search_per_second, Duration::from_secs(1))),
            shared: std::sync::OnceLock::new(),
            shared_failed: AtomicBool::new(false),
            daily: Mutex::new(None),
        }
    }

    /// The limiter a client made with `config` uses: on its portal's shared windows when the
    /// config names both.
    pub fn for_config(config: &crate::client::ClientConfig) -> Self {
        let shared = config.shared_limits.as_ref().zip(config.expected_portal);
        match shared.and_then(|(by_portal, portal_id)| by_portal.for_portal(portal_id)) {
            Some(shared) => Self::shared(config.limits, shared),
            None => Self::new(config.limits),
        }
    }

    /// A limiter on the windows `shared` keeps for every process, starting from the limits the
    /// last reply with headers stated, whichever process got it.
    pub fn shared(settings: RateLimitSettings, shared: Arc<dyn SharedLimits>) -> Self {
        let mut general = Window::new(settings.per_window, settings.window);
        let mut daily = None;
        match shared.seen() {
            Ok(Some(seen)) => {
                general.adopt(seen.max, seen.interval_ms);
                daily = seen.daily.zip(seen.daily_remaining);
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "the limits other processes learned could not be read"),
        }
        PortalLimiter {
            general: Mutex::new(general),
            search: Mutex::new(Window::new(settings.search_per_second, Duration::from_secs(1))),
            shared: std::sync::OnceLock::from(shared),
            shared_failed: AtomicBool::new(false),
            daily: Mutex::new(daily),
        }
    }

    /// Whether the windows are the ones shared with other processes.
    pub fn is_shared(&self) -> bool {
        self.shared.get().is_some()
    }

    /// Moves onto `shared` once the portal is known: the requests already sent from this
    /// limiter's own windows are recorded there, and the limits other processes learned adopted.
    pub async fn share(&self, shared: Arc<dyn SharedLimits>) {
        if self.shared.set(shared.clone()).is_err() {
            return;
        }
        let now = Instant::now();
        let mut sent = Vec::new();
        for (lane, window) in [(Lane::General, &self.general), (Lane::Search, &self.search)] {
            let window = window.lock().await;
            sent.push((lane, window.sent.iter().map(|&(_, t)| now.duration_since(t)).collect::<Vec<_>>()));
        }
        let recorded = tokio::task::spawn_blocking(move || {
            for (lane, ages) in &sent {
                shared.record(*lane, ages)?;
            }
            shared.seen()
        })
        .await;
        match recorded {
            Ok(Ok(seen)) => {
                if let Some(seen) = seen {
                    self.general.lock().await.adopt(seen.max, seen.interval_ms);
                    if let Some(daily) = seen.daily.zip(seen.daily_remaining) {
                        self.daily.lock().await.get_or_insert(daily);
                    }
                }
            }
            Ok(Err(error)) => self.shared_failed(&*error),
            Err(error) => self.shared_failed(&error),
        }
    }

    /// Waits for a slot in the rolling window; call before every non-search request.
    pub async fn acquire(&self) -> Slot {
        self.take(Lane::General).await
    }

    /// Waits for a search slot; search requests don't count against the rolling window.
    pub async fn acquire_search(&self) -> Slot {
        self.take(Lane::Search).await
    }

    /// Hands back `slot` when its request's reply came (or its sending failed): it frees a
    /// window from now.
    pub async fn replied(&self, slot: Slot) {
        match slot.id {
            SlotId::Own(id) => self.window(slot.lane).lock().await.replied(id, Instant::now()),
            SlotId::Shared(id) => {
                let Some(shared) = self.working_shared() else { return };
                match tokio::task::spawn_blocking(move || shared.replied(slot.lane, id)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => self.shared_failed(&*error),
                    Err(error) => self.shared_failed(&error),
                }
            }
        }
    }

    /// Adopts the limit a reply's `X-HubSpot-RateLimit-Max` / `-Interval-Milliseconds` headers
    /// state (they may be absent: then nothing changes), and keeps the reply's figures for the
    /// other processes.
    pub async fn learn(&self, seen: &RateLimitSeen) {
        self.general.lock().await.adopt(seen.max, seen.interval_ms);
        if let Some(daily) = seen.daily.zip(seen.daily_remaining) {
            *self.daily.lock().await = Some(daily);
        }
        if *seen == RateLimitSeen::default() {
            return;
        }
        if let Some(shared) = self.working_shared() {
            let seen = *seen;
            match tokio::task::spawn_blocking(move || shared.learn(&seen)).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => self.shared_failed(&*error),
                Err(error) => self.shared_failed(&error),
            }
        }
    }

    /// The portal's daily limit and what was left of it, as the last reply that said stated
    /// it (this process's, or another's when this limiter started).
    pub async fn daily_left(&self) -> Option<(u64, u64)> {
        *self.daily.lock().await
    }

    pub async fn capacity(&self) -> u32 {
        self.general.lock().await.capacity
    }

    fn working_shared(&self) -> Option<Arc<dyn SharedLimits>> {
        self.shared.get().cloned().filter(|_| !self.shared_failed.load(Ordering::Relaxed))
    }

    fn shared_failed(&self, error: &dyn std::error::Error) {
        if !self.shared_failed.swap(true, Ordering::Relaxed) {
            tracing::warn!(%error, "the rate limits shared with other processes failed; this run keeps its own");
        }
    }

    fn window(&self, lane: Lane) -> &Mutex<Window> {
        match lane {
            Lane::General => &self.general,
            Lane::Search => &self.search,
        }
    }

    async fn take(&self, lane: Lane) -> Slot {
        let window = self.window(lane);
        while let Some(shared) = self.working_shared() {
            let (capacity, span) = {
                let window = window.lock().await;
                (window.capacity, window.span + SAFETY_MARGIN)
            };
            match tokio::task::spawn_blocking(move || shared.take(lane, capacity, span)).await {
                Ok(Ok(SharedTake::Sent(id))) => return Slot { lane, id: SlotId::Shared(id) },
                Ok(Ok(SharedTake::Wait(wait))) => sleep(wait).await,
                Ok(Err(error)) => self.shared_failed(&*error),
                Err(error) => self.shared_failed(&error),
            }
        }
        loop {
            let wait_until = match window.lock().await.try_take(Instant::now()) {
                Ok(id) => return Slot { lane, id: SlotId::Own(id) },
                Err(at) => at,
            };
            sleep_until(wait_until).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// A request whose reply comes at once.
    async fn send(limiter: &PortalLimiter) {
        let slot = limiter.acquire().await;
        limiter.replied(slot).await;
    }

    /// Two sends, the first with a reply 3 s late: its slot frees a window after the reply.
    async fn assert_a_slow_reply_holds_its_slot(limiter: &PortalLimiter) {
        let start = Instant::now();
        let slow = limiter.acquire().await;
        send(limiter).await;
        sleep(Duration::from_secs(3)).await;
        limiter.replied(slow).await;
        send(limiter).await;
        assert_eq!(Instant::now() - start, Duration::from_secs(10) + SAFETY_MARGIN, "the quick one freed first");
        send(limiter).await;
        assert_eq!(
            Instant::now() - start,
            Duration::from_secs(13) + SAFETY_MARGIN,
            "HubSpot may have counted the slow one as late as its reply"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_frees_a_window_after_its_reply_came_not_after_it_was_sent() {
        assert_a_slow_reply_holds_its_slot(&PortalLimiter::new(RateLimitSettings::private_app(2))).await;
        let shared: Arc<dyn SharedLimits> = Arc::new(SharedWindows::default());
        assert_a_slow_reply_holds_its_slot(&PortalLimiter::shared(RateLimitSettings::private_app(2), shared)).await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_admits_its_capacity_then_waits_for_the_oldest_to_age_out() {
        let limiter = PortalLimiter::new(RateLimitSettings::oauth());
        let start = Instant::now();
        for _ in 0..110 {
            send(&limiter).await;
        }
        assert_eq!(Instant::now(), start, "110 go at once");
        send(&limiter).await;
        assert_eq!(Instant::now() - start, Duration::from_secs(10) + SAFETY_MARGIN);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_budget() {
        let limiter = Arc::new(PortalLimiter::new(RateLimitSettings::private_app(100)));
        assert_250_within_100_per_window(&[limiter]).await;
    }

    /// 250 callers spread over `limiters` all get through, never more than 100 inside any window
    /// of 10 s and the margin, the last two windows after the first.
    async fn assert_250_within_100_per_window(limiters: &[Arc<PortalLimiter>]) {
        let start = Instant::now();
        let tasks: Vec<_> = (0..250)
            .map(|i| {
                let limiter = limiters[i % limiters.len()].clone();
                tokio::spawn(async move {
                    send(&limiter).await;
                    Instant::now()
                })
            })
            .collect();
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.unwrap() - start);
        }
        times.sort();
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
            limiter.replied(limiter.acquire_search().await).await;
        }
        assert_eq!(Instant::now() - start, Duration::from_secs(1) + SAFETY_MARGIN);
        send(&limiter).await;
        assert_eq!(limiter.capacity().await, 110);
        limiter.learn(&RateLimitSeen { max: Some(190), interval_ms: Some(10_000), ..Default::default() }).await;
        assert_eq!(limiter.capacity().await, 190);
        limiter.learn(&RateLimitSeen::default()).await;
        assert_eq!(limiter.capacity().await, 190, "absent headers change nothing");
    }

    /// Windows shared as the store's ledger shares them between processes, on tokio's clock.
    #[derive(Debug, Default)]
    struct SharedWindows {
        /// Each lane's sends, by id, when they went or their reply came.
        sent: std::sync::Mutex<std::collections::HashMap<&'static str, Vec<(i64, Instant)>>>,
        next_id: std::sync::atomic::AtomicI64,
        seen: std::sync::Mutex<Option<RateLimitSeen>>,
        broken: bool,
    }

    impl SharedLimits for SharedWindows {
        fn take(&self, lane: Lane, capacity: u32, span: Duration) -> Result<SharedTake, SharedLimitsError> {
            if self.broken {
                return Err("the ledger is locked".into());
            }
            let now = Instant::now();
            let mut sent = self.sent.lock().unwrap();
            let window = sent.entry(lane.as_str()).or_default();
            window.retain(|&(_, t)| now.duration_since(t) < span);
            window.sort_by_key(|&(_, t)| t);
            if window.len() < capacity as usize {
                let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                window.push((id, now));
                Ok(SharedTake::Sent(id))
            } else {
                Ok(SharedTake::Wait(window[window.len() - capacity as usize].1 + span - now))
            }
        }

        fn replied(&self, lane: Lane, id: i64) -> Result<(), SharedLimitsError> {
            let now = Instant::now();
            let mut sent = self.sent.lock().unwrap();
            let window = sent.entry(lane.as_str()).or_default();
            window.retain(|&(sent, _)| sent != id);
            window.push((id, now));
            Ok(())
        }

        fn learn(&self, seen: &RateLimitSeen) -> Result<(), SharedLimitsError> {
            *self.seen.lock().unwrap() = Some(*seen);
            Ok(())
        }

        fn seen(&self) -> Result<Option<RateLimitSeen>, SharedLimitsError> {
            Ok(*self.seen.lock().unwrap())
        }

        fn record(&self, lane: Lane, ages: &[Duration]) -> Result<(), SharedLimitsError> {
            let now = Instant::now();
            let mut sent = self.sent.lock().unwrap();
            let window = sent.entry(lane.as_str()).or_default();
            for age in ages {
                let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                window.push((id, now - *age));
            }
            Ok(())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn limiters_of_two_processes_on_one_shared_window_stay_within_it_together() {
        let shared: Arc<dyn SharedLimits> = Arc::new(SharedWindows::default());
        let settings = RateLimitSettings::private_app(100);
        let processes = [
            Arc::new(PortalLimiter::shared(settings, shared.clone())),
            Arc::new(PortalLimiter::shared(settings, shared.clone())),
        ];
        assert_250_within_100_per_window(&processes).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_limiter_starts_from_the_limits_another_process_learned() {
        let shared: Arc<dyn SharedLimits> = Arc::new(SharedWindows::default());
        let first = PortalLimiter::shared(RateLimitSettings::private_app(100), shared.clone());
        first
            .learn(&RateLimitSeen {
                max: Some(190),
                interval_ms: Some(10_000),
                daily: Some(625_000),
                ..Default::default()
            })
            .await;
        let second = PortalLimiter::shared(RateLimitSettings::private_app(100), shared.clone());
        assert_eq!(second.capacity().await, 190);
        assert_eq!(shared.seen().unwrap().unwrap().daily, Some(625_000));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_shared_window_leaves_the_limiter_its_own() {
        let shared: Arc<dyn SharedLimits> = Arc::new(SharedWindows { broken: true, ..SharedWindows::default() });
        let limiter = PortalLimiter::shared(RateLimitSettings::private_app(100), shared);
        let start = Instant::now();
        for _ in 0..101 {
            send(&limiter).await;
        }
        assert_eq!(Instant::now() - start, Duration::from_secs(10) + SAFETY_MARGIN, "still within 100 per window");
    }

    #[tokio::test(start_paused = true)]
    async fn a_limiter_that_learns_its_portal_later_brings_its_sends_into_the_shared_window() {
        let shared: Arc<dyn SharedLimits> = Arc::new(SharedWindows::default());
        let connecting = PortalLimiter::new(RateLimitSettings::private_app(100));
        for _ in 0..40 {
            send(&connecting).await;
        }
        connecting.share(shared.clone()).await;
        assert!(connecting.is_shared());
        let other = PortalLimiter::shared(RateLimitSettings::private_app(100), shared);
        let start = Instant::now();
        for _ in 0..61 {
            send(&other).await;
        }
        assert_eq!(Instant::now() - start, Duration::from_secs(10) + SAFETY_MARGIN, "the 40 sent before count");
    }
}

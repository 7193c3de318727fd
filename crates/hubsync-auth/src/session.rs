//! An OAuth connection as the token source of a `HubSpotClient`.
//!
//! HubSpot's access tokens live 30 minutes and a 401 is not a reliable signal of expiry, so the
//! session refreshes ahead of time: when 5 minutes (or, for short-lived tokens, a quarter of the
//! lifetime) remain. However many requests need a token at once, one refresh is in flight; the
//! others wait for it and take its result. A refused refresh token means the grant is gone:
//! the session turns "reconnect needed" and fails every later call without asking HubSpot.
//!
//! Public API: `Clock` (`SystemClock`, `ManualClock`), `OAuthSession` (`new`, `from_grant`,
//! `on_new_refresh_token`, `is_reconnect_needed`, `refresh_token`) and its `TokenSource`
//! implementation.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use hubsync_hubspot::{ClientError, Secret, TokenSource};
use tokio::sync::Mutex;
use tracing::Instrument;

use crate::oauth::{AuthError, HubSpotOAuth, OAuthGrant};

/// Refresh this long before expiry…
const REFRESH_AHEAD: Duration = Duration::from_secs(5 * 60);
/// …or, for tokens living less than 20 minutes, once this share of the lifetime is left.
const REFRESH_AHEAD_SHARE: u32 = 4;

/// Where the session reads the time, so tests can move it.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told.
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    elapsed: std::sync::Mutex<Duration>,
}

impl ManualClock {
    pub fn new() -> Self {
        ManualClock { start: Instant::now(), elapsed: std::sync::Mutex::new(Duration::ZERO) }
    }

    pub fn advance(&self, by: Duration) {
        *self.elapsed.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + *self.elapsed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

type RefreshTokenCallback = Box<dyn Fn(&Secret) + Send + Sync>;

/// A connected portal's tokens, refreshed as needed. Share it (`Arc`) between the clients of
/// that portal.
pub struct OAuthSession {
    oauth: HubSpotOAuth,
    clock: Arc<dyn Clock>,
    /// Held across a refresh: that is what keeps it to one at a time.
    state: Mutex<State>,
    /// Read without the lock, so a dead connection fails fast even while a refresh is stuck.
    reconnect_needed: AtomicBool,
    on_new_refresh_token: Option<RefreshTokenCallback>,
}

struct State {
    refresh_token: Secret,
    access: Option<Access>,
}

struct Access {
    token: Secret,
    expires_at: Instant,
    refresh_at: Instant,
}

impl Access {
    fn new(token: Secret, now: Instant, lifetime: Duration) -> Self {
        let ahead = REFRESH_AHEAD.min(lifetime / REFRESH_AHEAD_SHARE);
        Access { token, expires_at: now + lifetime, refresh_at: now + lifetime.saturating_sub(ahead) }
    }
}

impl fmt::Debug for OAuthSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthSession")
            .field("oauth", &self.oauth)
            .field("reconnect_needed", &self.is_reconnect_needed())
            .finish_non_exhaustive()
    }
}

impl OAuthSession {
    /// A session from a saved refresh token: the first `access_token` refreshes.
    pub fn new(oauth: HubSpotOAuth, refresh_token: Secret, clock: Arc<dyn Clock>) -> Self {
        Self::with_state(oauth, State { refresh_token, access: None }, clock)
    }

    /// A session right after connecting: the grant's access token is used until it is due.
    pub fn from_grant(oauth: HubSpotOAuth, grant: &OAuthGrant, clock: Arc<dyn Clock>) -> Self {
        let access = Access::new(grant.access_token.clone(), clock.now(), grant.expires_in);
        Self::with_state(oauth, State { refresh_token: grant.refresh_token.clone(), access: Some(access) }, clock)
    }

    fn with_state(oauth: HubSpotOAuth, state: State, clock: Arc<dyn Clock>) -> Self {
        OAuthSession {
            oauth,
            clock,
            state: Mutex::new(state),
            reconnect_needed: AtomicBool::new(false),
            on_new_refresh_token: None,
        }
    }

    /// Called with every new refresh token HubSpot hands out (it may rotate them), so the caller
    /// can save it to the keychain. Called while the session's lock is held: keep it short.
    pub fn on_new_refresh_token(mut self, callback: impl Fn(&Secret) + Send + Sync + 'static) -> Self {
        self.on_new_refresh_token = Some(Box::new(callback));
        self
    }

    /// HubSpot refused the refresh token: the portal must be connected again. Callers persist
    /// this so the app shows "reconnect" without trying.
    pub fn is_reconnect_needed(&self) -> bool {
        self.reconnect_needed.load(Ordering::SeqCst)
    }

    /// The app and endpoints the session refreshes with (for token info and revoking).
    pub fn oauth(&self) -> &HubSpotOAuth {
        &self.oauth
    }

    /// The refresh token as it stands (for revoking it on disconnect).
    pub async fn refresh_token(&self) -> Secret {
        self.state.lock().await.refresh_token.clone()
    }

    fn fail_fast(&self) -> Result<(), ClientError> {
        if self.is_reconnect_needed() { Err(ClientError::reconnect_needed()) } else { Ok(()) }
    }

    async fn current_token(&self) -> Result<Secret, ClientError> {
        self.fail_fast()?;
        let mut state = self.state.lock().await;
        // Re-checked under the lock: whoever waited behind a refresh finds its token here.
        self.fail_fast()?;
        let now = self.clock.now();
        match &state.access {
            Some(access) if now < access.refresh_at => Ok(access.token.clone()),
            _ => match self.refresh(&mut state, now).await {
                Ok(token) => Ok(token),
                // A token that is due but not yet expired still works; a passing network
                // failure shouldn't stop a run that has minutes left.
                Err(error) if !self.is_reconnect_needed() => match &state.access {
                    Some(access) if now < access.expires_at => {
                        tracing::warn!(error = %error, "refreshing ahead of expiry failed; using the current token");
                        Ok(access.token.clone())
                    }
                    _ => Err(error),
                },
                Err(error) => Err(error),
            },
        }
    }

    async fn replace_rejected(&self, token: &Secret) -> Result<bool, ClientError> {
        self.fail_fast()?;
        let mut state = self.state.lock().await;
        self.fail_fast()?;
        if state.access.as_ref().is_some_and(|access| access.token != *token) {
            // Another caller refreshed since this token was handed out: retry with that one.
            return Ok(true);
        }
        let now = self.clock.now();
        self.refresh(&mut state, now).await.map(|_| true)
    }

    /// Refreshes with the lock held; `now` is when the caller looked.
    async fn refresh(&self, state: &mut State, now: Instant) -> Result<Secret, ClientError> {
        let refreshed =
            self.oauth.refresh(&state.refresh_token).instrument(tracing::debug_span!("refresh_hubspot_token")).await;
        match refreshed {
            Ok(tokens) => {
                if let Some(new_refresh) = tokens.refresh_token.filter(|t| *t != state.refresh_token) {
                    tracing::info!("HubSpot handed out a new refresh token");
                    state.refresh_token = new_refresh;
                    if let Some(callback) = &self.on_new_refresh_token {
                        callback(&state.refresh_token);
                    }
                }
                tracing::debug!(expires_in_secs = tokens.expires_in.as_secs(), "refreshed the HubSpot access token");
                state.access = Some(Access::new(tokens.access_token.clone(), now, tokens.expires_in));
                Ok(tokens.access_token)
            }
            Err(AuthError::ReconnectNeeded) => {
                tracing::warn!("HubSpot refused the refresh token: the portal must be connected again");
                self.reconnect_needed.store(true, Ordering::SeqCst);
                state.access = None;
                Err(ClientError::reconnect_needed())
            }
            Err(error) => {
                tracing::warn!(code = error.code(), "refreshing the HubSpot access token failed: {error}");
                Err(client_error(error))
            }
        }
    }
}

/// An auth failure as the HubSpot client reports failures.
fn client_error(error: AuthError) -> ClientError {
    match error {
        AuthError::ReconnectNeeded => ClientError::reconnect_needed(),
        AuthError::Unreachable { url, detail } => ClientError::Unreachable { url, detail },
        AuthError::BadReply { .. } => ClientError::Decode(error.to_string()),
        // The token endpoint answers its refusals with a 400.
        other => ClientError::Api { status: 400, body: None, message: other.to_string() },
    }
}

impl TokenSource for OAuthSession {
    fn access_token(&self) -> BoxFuture<'_, Result<Secret, ClientError>> {
        Box::pin(self.current_token())
    }

    fn rejected<'a>(&'a self, token: &'a Secret) -> BoxFuture<'a, Result<bool, ClientError>> {
        Box::pin(self.replace_rejected(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_is_due_five_minutes_ahead_or_a_quarter_of_a_short_life() {
        let now = Instant::now();
        let long = Access::new(Secret::new("a"), now, Duration::from_secs(1800));
        assert_eq!(long.refresh_at - now, Duration::from_secs(1500));
        let short = Access::new(Secret::new("a"), now, Duration::from_secs(60));
        assert_eq!(short.refresh_at - now, Duration::from_secs(45));
        let none = Access::new(Secret::new("a"), now, Duration::ZERO);
        assert_eq!(none.refresh_at, now);
    }

    #[test]
    fn the_manual_clock_moves_when_told() {
        let clock = ManualClock::new();
        let start = clock.now();
        assert_eq!(clock.now(), start);
        clock.advance(Duration::from_secs(90));
        assert_eq!(clock.now() - start, Duration::from_secs(90));
    }
}

//! Whether and when to try a request again: a pure function of what happened, the attempt
//! number and a jitter value the caller draws, so every rule is table-tested.

use std::time::Duration;

use crate::errors::{ErrorBody, RateLimitPolicy};

/// What one attempt came to.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    /// The server answered.
    Answered { status: u16, body: Option<&'a ErrorBody>, retry_after: Option<Duration> },
    /// No connection was made: the request was certainly not sent.
    NotSent,
    /// The connection failed once the request may have gone out (timeout, reset, a body cut
    /// off): it may have been applied.
    MaybeSent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    Retry {
        after: Duration,
    },
    /// The portal's daily limit is reached: stop the run cleanly; it can resume after the
    /// portal's midnight. Never retried.
    StopDaily,
    /// A success, a permanent failure, a write that may have landed, or attempts used up.
    DontRetry,
}

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Sending the request twice has the effect of sending it once (reads, updates by id,
    /// upserts, creates carrying an `objectWriteTraceId`): then a request that may have been
    /// sent can be sent again.
    pub idempotent: bool,
    /// The rolling window a 10-second 429 waits out (the portal's, from its rate-limit settings).
    pub window: Duration,
}

/// Transient failures back off from this, doubling per attempt.
const BASE: Duration = Duration::from_millis(500);
const CAP: Duration = Duration::from_secs(8);
/// HubSpot's rolling window: after a 429 on it, everything sent before has aged out.
const WINDOW: Duration = Duration::from_secs(10);

impl RetryPolicy {
    /// The longest wait before a retry, whatever a `Retry-After` header asks: a reply asking for
    /// hours (or for `u64::MAX` seconds) must not leave a run asleep. Longer than any of
    /// HubSpot's windows (10 s, 1 s), so an honest header is obeyed; the daily cap stops instead.
    pub const MAX_WAIT: Duration = Duration::from_secs(60);

    pub fn new(idempotent: bool) -> Self {
        RetryPolicy { max_attempts: 6, idempotent, window: WINDOW }
    }

    /// `attempt` counts attempts made so far (1 after the first); `jitter` is drawn uniformly
    /// from [0, 1) by the caller.
    pub fn decide(&self, outcome: &Outcome<'_>, attempt: u32, jitter: f64) -> RetryDecision {
        // NaN survives `clamp`, and `mul_f64` panics on it.
        let jitter = if jitter.is_finite() { jitter.clamp(0.0, 1.0) } else { 0.0 };
        let backoff = || {
            let exp = BASE.saturating_mul(1 << attempt.saturating_sub(1).min(8)).min(CAP);
            exp + exp.mul_f64(jitter / 2.0)
        };
        let decision = match *outcome {
            Outcome::Answered { status, body, retry_after } => match status {
                429 => match body.and_then(ErrorBody::rate_limit_policy) {
                    Some(RateLimitPolicy::Daily) => return RetryDecision::StopDaily,
                    Some(RateLimitPolicy::Secondly) => {
                        RetryDecision::Retry { after: retry_after.unwrap_or(Duration::from_secs(1) * attempt.max(1)) }
                    }
                    _ => RetryDecision::Retry { after: retry_after.unwrap_or(self.window) },
                },
                423 => RetryDecision::Retry {
                    after: Duration::from_secs(2) * attempt.max(1) + Duration::from_secs(1).mul_f64(jitter),
                },
                500..=599 => RetryDecision::Retry { after: retry_after.unwrap_or_else(backoff) },
                _ => RetryDecision::DontRetry,
            },
            Outcome::NotSent => RetryDecision::Retry { after: backoff() },
            Outcome::MaybeSent if self.idempotent => RetryDecision::Retry { after: backoff() },
            Outcome::MaybeSent => RetryDecision::DontRetry,
        };
        // A 429 says nothing was done, only "later": a storm of them gets twice the attempts
        // before the run gives up (and stays resumable).
        let limit = match *outcome {
            Outcome::Answered { status: 429, .. } => self.max_attempts.saturating_mul(2),
            _ => self.max_attempts,
        };
        match decision {
            _ if attempt >= limit => RetryDecision::DontRetry,
            RetryDecision::Retry { after } => RetryDecision::Retry { after: after.min(Self::MAX_WAIT) },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> ErrorBody {
        ErrorBody::parse(json.as_bytes()).unwrap()
    }

    fn answered(status: u16, body: Option<&ErrorBody>) -> Outcome<'_> {
        Outcome::Answered { status, body, retry_after: None }
    }

    #[test]
    fn the_retry_table() {
        let ten = body(r#"{"policyName":"TEN_SECONDLY_ROLLING"}"#);
        let secondly = body(r#"{"policyName":"SECONDLY"}"#);
        let daily = body(r#"{"policyName":"DAILY"}"#);
        let validation = body(r#"{"category":"VALIDATION_ERROR"}"#);
        let write = RetryPolicy::new(false);
        let read = RetryPolicy::new(true);
        let secs = |s: f64| RetryDecision::Retry { after: Duration::from_secs_f64(s) };
        let cases: Vec<(&str, RetryPolicy, Outcome<'_>, u32, RetryDecision)> = vec![
            ("10-second 429 waits out the window", write, answered(429, Some(&ten)), 1, secs(10.0)),
            ("a 429 without a body is the 10-second one", write, answered(429, None), 2, secs(10.0)),
            ("search 429 waits a second per attempt", read, answered(429, Some(&secondly)), 3, secs(3.0)),
            ("daily cap stops the run", read, answered(429, Some(&daily)), 1, RetryDecision::StopDaily),
            (
                "daily cap stops even on the last attempt",
                read,
                answered(429, Some(&daily)),
                6,
                RetryDecision::StopDaily,
            ),
            ("423 waits at least 2 s per attempt", write, answered(423, None), 2, secs(4.0)),
            ("503 backs off exponentially", write, answered(503, None), 1, secs(0.5)),
            ("502 backs off exponentially", write, answered(502, None), 3, secs(2.0)),
            ("backoff is capped", write, answered(504, None), 5, secs(8.0)),
            ("400 is never retried", write, answered(400, Some(&validation)), 1, RetryDecision::DontRetry),
            ("401 is the token layer's business", read, answered(401, None), 1, RetryDecision::DontRetry),
            ("404 is never retried", read, answered(404, None), 1, RetryDecision::DontRetry),
            ("409 is never retried", write, answered(409, None), 1, RetryDecision::DontRetry),
            ("a success is not retried", read, answered(200, None), 1, RetryDecision::DontRetry),
            ("not sent is always safe to retry", write, Outcome::NotSent, 1, secs(0.5)),
            ("maybe sent retries idempotent requests", read, Outcome::MaybeSent, 2, secs(1.0)),
            ("maybe sent never resends other writes", write, Outcome::MaybeSent, 1, RetryDecision::DontRetry),
            ("attempts run out", write, answered(503, None), 6, RetryDecision::DontRetry),
            ("a 429 storm gets twice the attempts", write, answered(429, Some(&ten)), 6, secs(10.0)),
            ("even a 429 storm ends", write, answered(429, Some(&ten)), 12, RetryDecision::DontRetry),
        ];
        for (name, policy, outcome, attempt, want) in cases {
            assert_eq!(policy.decide(&outcome, attempt, 0.0), want, "{name}");
        }
    }

    #[test]
    fn retry_after_is_honoured_and_jitter_only_lengthens() {
        let policy = RetryPolicy::new(true);
        let short = RetryPolicy { window: Duration::from_secs(1), ..policy };
        assert_eq!(short.decide(&answered(429, None), 1, 0.5), RetryDecision::Retry { after: Duration::from_secs(1) });
        let outcome = Outcome::Answered { status: 429, body: None, retry_after: Some(Duration::from_secs(3)) };
        assert_eq!(policy.decide(&outcome, 1, 0.9), RetryDecision::Retry { after: Duration::from_secs(3) });
        let RetryDecision::Retry { after } = policy.decide(&answered(503, None), 2, 0.99) else { panic!() };
        assert!(after >= Duration::from_secs(1) && after < Duration::from_millis(1500), "{after:?}");
    }

    #[test]
    fn no_reply_makes_a_run_wait_without_bound() {
        let policy = RetryPolicy::new(true);
        for seconds in [3_600, u64::MAX] {
            let outcome =
                Outcome::Answered { status: 429, body: None, retry_after: Some(Duration::from_secs(seconds)) };
            assert_eq!(policy.decide(&outcome, 1, 0.0), RetryDecision::Retry { after: RetryPolicy::MAX_WAIT });
            let outcome =
                Outcome::Answered { status: 503, body: None, retry_after: Some(Duration::from_secs(seconds)) };
            assert_eq!(policy.decide(&outcome, 1, 0.0), RetryDecision::Retry { after: RetryPolicy::MAX_WAIT });
        }
        let slow_window = RetryPolicy { window: Duration::from_secs(86_400), ..policy };
        assert_eq!(
            slow_window.decide(&answered(429, None), 1, 0.0),
            RetryDecision::Retry { after: RetryPolicy::MAX_WAIT }
        );
    }

    #[test]
    fn a_jitter_outside_its_range_does_not_panic() {
        let policy = RetryPolicy::new(true);
        for jitter in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, 7.0] {
            let RetryDecision::Retry { after } = policy.decide(&answered(503, None), 2, jitter) else { panic!() };
            assert!(after >= Duration::from_secs(1) && after <= Duration::from_millis(1500), "{jitter}: {after:?}");
            assert!(matches!(policy.decide(&answered(423, None), 2, jitter), RetryDecision::Retry { .. }));
        }
    }
}

//! Hubsync's HubSpot client (issue 3, in progress). What is here so far is the part that needs
//! no network: secrets that never print, HubSpot's error bodies, the retry policy as a pure
//! function, and the per-portal rate limiter.

pub mod errors;
pub mod ratelimit;
pub mod retry;
pub mod secret;

pub use errors::{ErrorBody, RateLimitPolicy};
pub use ratelimit::{PortalLimiter, RateLimitSettings};
pub use retry::{Outcome, RetryDecision, RetryPolicy};
pub use secret::Secret;

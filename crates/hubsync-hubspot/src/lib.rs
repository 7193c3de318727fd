//! Hubsync's HubSpot client: requests as values sent through one path
//! that applies the portal's rate limiter and the retry policy, typed operations for the calls
//! the sync makes, secrets that never print, HubSpot's error bodies, and the `TokenSource` an
//! OAuth session plugs into.

pub mod base_url;
pub mod client;
pub mod errors;
pub mod models;
pub mod ratelimit;
pub mod retry;
pub mod secret;
pub mod token;

pub use base_url::{InsecureBaseUrl, check_base_url};
pub use client::{
    ApiRequest, ApiVersion, BATCH_LIMIT, ClientConfig, ClientError, HubSpotClient, RateLimitSeen, Reply, Sent,
    with_causes,
};
pub use errors::{ErrorBody, PropertyProblem, RateLimitPolicy, describe_scopes};
pub use models::{AccountDetails, BatchItemError, BatchOutcome, Owner, Page, Property, Record};
pub use ratelimit::{
    Lane, PortalLimiter, RateLimitSettings, SAFETY_MARGIN, SharedLimits, SharedLimitsByPortal, SharedLimitsError,
    SharedTake, Slot,
};
pub use retry::{Outcome, RetryDecision, RetryPolicy};
pub use secret::Secret;
pub use token::{StaticToken, TokenSource};

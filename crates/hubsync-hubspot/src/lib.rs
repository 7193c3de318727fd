//! Hubsync's HubSpot client: requests as values sent through one path
//! that applies the portal's rate limiter and the retry policy, typed operations for the calls
//! the sync makes (contacts, companies, deals, pipelines, associations), what those operations
//! cost in requests (`estimate`), secrets that never print, HubSpot's error bodies, and the
//! `TokenSource` an OAuth session plugs into.

pub mod associations;
pub mod base_url;
pub mod client;
pub mod companies;
pub mod deals;
pub mod errors;
pub mod estimate;
pub mod models;
pub mod objects;
pub mod ratelimit;
pub mod retry;
pub mod secret;
pub mod token;

pub use associations::{
    AssociatedRecord, AssociationCategory, AssociationInput, AssociationMade, AssociationType, AssociationsRead,
    DefaultAssociation, RecordRef, is_no_associations, type_ids,
};
pub use base_url::{InsecureBaseUrl, check_base_url};
pub use client::{
    ApiRequest, ApiVersion, BATCH_LIMIT, ClientConfig, ClientError, HubSpotClient, MissingScopes, RateLimitSeen, Reply,
    Sent, with_causes,
};
pub use companies::{
    CompaniesByDomain, DOMAINS_PER_SEARCH, MAX_SEARCH_BODY_CHARS, domain_search_groups, search_domain_key,
};
pub use deals::{Pipeline, PipelineStage};
pub use errors::{ErrorBody, PropertyProblem, RateLimitPolicy, describe_scopes};
pub use models::{AccountDetails, BatchItemError, BatchOutcome, BatchReply, Owner, Page, Property, Record};
pub use objects::{ObjectType, SEARCH_PAGE, SearchWindows};
pub use ratelimit::{
    Lane, PortalLimiter, RateLimitSettings, SAFETY_MARGIN, SharedLimits, SharedLimitsByPortal, SharedLimitsError,
    SharedTake, Slot,
};
pub use retry::{Outcome, RetryDecision, RetryPolicy};
pub use secret::Secret;
pub use token::{StaticToken, TokenSource};

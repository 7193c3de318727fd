//! Fixtures the unit tests share.

use std::sync::Arc;

use hubsync_hubspot::HubSpotClient;
use hubsync_store::Store;
use serde_json::json;

/// A sandbox portal holding `contacts` with no rate limit, a client for it, and an empty store:
/// what the unit tests of a run's paging start from.
pub(crate) async fn sandboxed(contacts: Vec<serde_json::Value>) -> (hubsync_sandbox::Sandbox, HubSpotClient, Store) {
    use hubsync_hubspot::{ClientConfig, PortalLimiter, RateLimitSettings, Secret};
    use hubsync_sandbox::{Fixture, PrivateToken, Sandbox, SandboxConfig};

    let fixture = Fixture::from_json(&json!({ "contacts": contacts }).to_string()).unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        rate_limits: false,
        fixture: Some(fixture),
        private_tokens: vec![PrivateToken::new("pat-paged")],
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let limits = RateLimitSettings::private_app(100);
    let client = HubSpotClient::new(
        ClientConfig::new(sandbox.base_url(), limits),
        Secret::new("pat-paged"),
        Arc::new(PortalLimiter::new(limits)),
    )
    .unwrap();
    let store = Store::open_in_memory(Arc::new(hubsync_store::SystemClock)).unwrap();
    (sandbox, client, store)
}

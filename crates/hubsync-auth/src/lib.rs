//! Connecting to HubSpot. Tauri-free, so the command line and the desktop app share it.
//!
//! - `oauth`: the authorization code grant (state + PKCE S256) against HubSpot's endpoints, the
//!   code exchange, token info, refresh and revoke.
//! - `loopback`: the one-shot callback listener on `http://localhost:PORT/callback`.
//! - `session`: the token source a `HubSpotClient` draws access tokens from: refresh ahead of
//!   expiry, one refresh at a time, "reconnect needed" on a revoked grant.
//! - `connection`: a portal's secrets within one lead store, and Test Connection's checks.
//! - `portals`: connecting a lead store's portals (where the secret goes, the checks before
//!   saving, clients for saved portals, a refused grant recorded, disconnecting), shared by both
//!   apps.
//! - `shared_limits`: a portal's rate limits shared by every process using a lead store.
//! - `keychain`: where refresh tokens, private-app tokens and client secrets are kept: the OS
//!   keychain, or (opted into) a file only the user can read.

pub mod connection;
pub mod keychain;
pub mod loopback;
pub mod oauth;
pub mod portals;
pub mod session;
pub mod shared_limits;

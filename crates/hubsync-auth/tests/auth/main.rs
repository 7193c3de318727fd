//! The auth crate against the sandbox's OAuth endpoints (the test plays the browser) and a real
//! Secret Service.

mod connection;
mod keychain;
mod loopback;
mod oauth;
mod portals;
mod session;
mod support;

//! HubSpot's OAuth 2.0 authorization code grant, from the consent page in the system browser to
//! a checked grant, and the token calls a connection makes afterwards.
//!
//! Public API:
//! - `REQUIRED_SCOPES`, `OPTIONAL_SCOPES`, `check_scopes`: what Hubsync asks for and refuses to
//!   go without.
//! - `OAuthApp` (the HubSpot app's client id and secret; `built_in()` for a distribution build)
//!   and `Endpoints` (`hubspot()`, or `at(base)` for the sandbox).
//! - `HubSpotOAuth` (`client.rs`): `new`, `authorization` (the consent URL with state and PKCE
//!   S256), `exchange_code`, `refresh`, `token_info`, `revoke`; `Authorization`, `Tokens`,
//!   `TokenInfo`.
//! - The whole flow (`flow.rs`): `connect`, or `PendingConnect::start` → `authorize_url` →
//!   `finish` when the caller wants the URL before waiting (to print it, or show it beside a
//!   "copy link" button); `ConnectOptions`, `OAuthGrant`.
//! - `AuthError` (`error.rs`), with a stable `code()`. No error's text ever holds a token, a code
//!   or a secret.

mod client;
mod error;
mod flow;

use hubsync_hubspot::Secret;

use crate::connection::{COMPANIES_READ, COMPANIES_WRITE, DEALS_READ};

pub use client::{Authorization, HubSpotOAuth, TokenInfo, Tokens};
pub use error::{AuthError, in_words};
pub use flow::{ConnectOptions, OAuthGrant, PendingConnect, connect};

/// The scopes a connection must have: the sync reads and writes contacts and reads owners
/// (properties come with the contacts read scope).
pub const REQUIRED_SCOPES: [&str; 4] =
    ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.owners.read"];

/// Scopes asked for as `optional_scope`: granted when the portal has them, never a reason to
/// refuse the connection. Companies (read and write) and deals (read): a portal whose plan or
/// admin doesn't grant them still connects, and syncs contacts; Test Connection says which it
/// holds.
pub const OPTIONAL_SCOPES: [&str; 3] = [COMPANIES_READ, COMPANIES_WRITE, DEALS_READ];

/// The HubSpot app Hubsync connects as. The secret is sent only in token requests' forms.
#[derive(Clone, Debug)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: Secret,
}

impl OAuthApp {
    pub fn new(client_id: impl Into<String>, client_secret: Secret) -> Self {
        OAuthApp { client_id: client_id.into(), client_secret }
    }

    /// The app compiled into a distribution build (`HUBSYNC_OAUTH_CLIENT_ID` and
    /// `HUBSYNC_OAUTH_CLIENT_SECRET` set when building); `None` in a developer build, which then
    /// needs an app configured by the admin.
    pub fn built_in() -> Option<OAuthApp> {
        let client_id = option_env!("HUBSYNC_OAUTH_CLIENT_ID").filter(|v| !v.trim().is_empty())?;
        let secret = option_env!("HUBSYNC_OAUTH_CLIENT_SECRET").filter(|v| !v.trim().is_empty())?;
        Some(OAuthApp::new(client_id.trim(), Secret::new(secret.trim())))
    }
}

/// Where the consent page, the token endpoint and the API are. Public fields, so an EU portal's
/// consent page (`app-eu1.hubspot.com`) can be set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub authorize_url: String,
    pub token_url: String,
    /// Token info and revocation live under it.
    pub api_base: String,
}

impl Endpoints {
    pub fn hubspot() -> Self {
        Endpoints {
            authorize_url: "https://app.hubspot.com/oauth/authorize".into(),
            token_url: "https://api.hubapi.com/oauth/v1/token".into(),
            api_base: "https://api.hubapi.com".into(),
        }
    }

    /// Everything on one base URL, as the sandbox serves it.
    pub fn at(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        Endpoints {
            authorize_url: format!("{base}/oauth/authorize"),
            token_url: format!("{base}/oauth/v1/token"),
            api_base: base.to_string(),
        }
    }
}

/// The scopes in `REQUIRED_SCOPES` that `granted` lacks, by name.
pub fn check_scopes(granted: &[String]) -> Result<(), Vec<String>> {
    let missing: Vec<String> =
        REQUIRED_SCOPES.iter().filter(|r| !granted.iter().any(|g| g == *r)).map(|s| s.to_string()).collect();
    if missing.is_empty() { Ok(()) } else { Err(missing) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_scopes_are_named() {
        let granted: Vec<String> = ["oauth", "crm.objects.contacts.read"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            check_scopes(&granted),
            Err(vec!["crm.objects.contacts.write".into(), "crm.objects.owners.read".into()])
        );
        let all: Vec<String> = REQUIRED_SCOPES.iter().map(|s| s.to_string()).chain(["extra".to_string()]).collect();
        assert_eq!(check_scopes(&all), Ok(()));
    }

    #[test]
    fn companies_and_deals_are_asked_for_as_optional_scopes_only() {
        assert_eq!(
            OPTIONAL_SCOPES,
            ["crm.objects.companies.read", "crm.objects.companies.write", "crm.objects.deals.read"]
        );
        assert!(OPTIONAL_SCOPES.iter().all(|s| !REQUIRED_SCOPES.contains(s)));
        let defaults = ConnectOptions::default().optional_scopes;
        assert_eq!(defaults, OPTIONAL_SCOPES.map(String::from));
    }

    #[test]
    fn endpoints_on_one_base() {
        let e = Endpoints::at("http://127.0.0.1:9/");
        assert_eq!(e.authorize_url, "http://127.0.0.1:9/oauth/authorize");
        assert_eq!(e.token_url, "http://127.0.0.1:9/oauth/v1/token");
        assert_eq!(e.api_base, "http://127.0.0.1:9");
        assert_eq!(Endpoints::hubspot().token_url, "https://api.hubapi.com/oauth/v1/token");
    }
}

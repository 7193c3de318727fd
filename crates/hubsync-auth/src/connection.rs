//! A portal's connection as the command line and the desktop app both use it: where its secrets
//! are kept (`Credentials`), and Test Connection's checks (`test_connection`), each passed or
//! failed with its reason and round-trip time.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hubsync_hubspot::{ClientError, HubSpotClient, ObjectType, RateLimitSeen, describe_scopes};
use hubsync_store::{SecretStoreKind, TokenKind};
use serde::Serialize;
use ts_rs::TS;

use crate::keychain::{self, DEFAULT_SERVICE, EntryName, SecretStore};

/// The scopes a read can prove, and the one only a write can.
pub const CONTACTS_READ: &str = "crm.objects.contacts.read";
pub const CONTACTS_WRITE: &str = "crm.objects.contacts.write";
pub const OWNERS_READ: &str = "crm.objects.owners.read";

/// The scopes companies and deals need. A connection without them still syncs contacts: they
/// are asked for as optional scopes, and Test Connection says which the token holds.
pub const COMPANIES_READ: &str = ObjectType::Companies.read_scope();
pub const COMPANIES_WRITE: &str = ObjectType::Companies.write_scope();
pub const DEALS_READ: &str = ObjectType::Deals.read_scope();

/// Where one lead store keeps its secrets: the OS keychain, or the opted-into file beside the
/// store. Entry names start with the store's id, so two stores connected to one portal never
/// read or delete each other's tokens.
#[derive(Clone, Debug)]
pub struct Credentials {
    store_id: String,
    keychain: SecretStore,
    file: SecretStore,
    secret_file: PathBuf,
}

impl Credentials {
    /// The OS keychain under the app's service name, and `secret_file` for the opt-in store.
    pub fn new(store_id: &str, secret_file: PathBuf) -> Credentials {
        Credentials {
            store_id: store_id.to_string(),
            keychain: SecretStore::keychain(DEFAULT_SERVICE),
            file: SecretStore::file(&secret_file),
            secret_file,
        }
    }

    /// Whether the opt-in file store was ever used (so cleaning it up doesn't create it).
    pub fn has_secret_file(&self) -> bool {
        self.secret_file.exists()
    }

    /// The opt-in secret file that belongs to the store at `db_path`: `<db path>.secrets`.
    pub fn secret_file_for(db_path: &Path) -> PathBuf {
        let mut name = db_path.as_os_str().to_owned();
        name.push(".secrets");
        PathBuf::from(name)
    }

    pub fn store(&self, kind: SecretStoreKind) -> &SecretStore {
        match kind {
            SecretStoreKind::Keychain => &self.keychain,
            SecretStoreKind::File => &self.file,
        }
    }

    /// The entry holding a portal's long-lived secret: the refresh token of an OAuth
    /// connection, else the private token.
    pub fn portal_entry(&self, portal_id: u64, kind: TokenKind) -> EntryName {
        let entry = match kind {
            TokenKind::Oauth => keychain::refresh_token_entry(portal_id),
            _ => keychain::private_token_entry(portal_id),
        };
        self.scoped(entry)
    }

    /// The entry holding an OAuth app's client secret.
    pub fn client_secret_entry(&self, client_id: &str) -> EntryName {
        self.scoped(keychain::client_secret_entry(client_id))
    }

    fn scoped(&self, entry: EntryName) -> EntryName {
        EntryName::new(format!("{}/{}", self.store_id, entry.as_str()), entry.label())
    }
}

/// One check of Test Connection.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct Check {
    /// `token`, `contacts read`, `owners read`, `rate limit`.
    #[ts(type = "string")]
    pub check: &'static str,
    pub passed: bool,
    /// What it found, or why it failed, in words.
    pub detail: String,
    /// The round trip, for checks that made a call.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub millis: Option<u64>,
    /// The stable code of a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub code: Option<String>,
}

/// Whether a token holds a scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum ScopeState {
    Granted,
    Missing,
    /// Neither the token nor a call could tell (HubSpot could not be reached, or answered
    /// something else): `detail` says what happened.
    Unknown,
}

/// How Test Connection learned a scope's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum ScopeSource {
    /// The token's own list of scopes (an OAuth token's info).
    Token,
    /// A call that needs the scope: HubSpot answers one the token lacks with 403
    /// `MISSING_SCOPES`.
    Probe,
}

/// One of the scopes the sync can do without (companies, deals), as Test Connection found it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ScopeCheck {
    #[ts(type = "string")]
    pub scope: &'static str,
    pub state: ScopeState,
    pub source: ScopeSource,
    /// What it found, and what a missing scope turns off, in words.
    pub detail: String,
    /// The stable code of an `unknown`'s failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub code: Option<String>,
}

/// What Test Connection found.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct ConnectionReport {
    /// Every check passed. The optional scopes in `scopes` count for nothing here: contacts
    /// sync without them.
    pub passed: bool,
    pub checks: Vec<Check>,
    pub rate_limit: RateLimitSeen,
    /// The companies read and write and deals read scopes, each granted, missing or unknown.
    pub scopes: Vec<ScopeCheck>,
}

/// What the token check learned: who and where the token belongs to.
#[derive(Clone, Debug, Default)]
pub struct TokenFacts {
    pub portal_id: u64,
    pub detail: String,
    /// The account details' `accountType`, when the check read it.
    pub account_type: Option<String>,
    /// The scopes the token was granted, when it says (an OAuth token's info does; a private
    /// app token, a service key or the sandbox's own token doesn't).
    pub scopes: Option<Vec<String>>,
}

/// Runs Test Connection's checks in order, each timed: the token (`token_check`, e.g. the OAuth
/// token info, or the account details for a private token), one contacts read, one owners read,
/// and the rate-limit tier HubSpot's headers give. A failed check doesn't stop the next. Then
/// the optional scopes (`optional_scopes`): from the token's list when the token check gave
/// one, else by probing.
pub async fn test_connection<F>(
    client: &HubSpotClient,
    kind: TokenKind,
    expected_portal: u64,
    token_check: F,
) -> ConnectionReport
where
    F: std::future::Future<Output = Result<TokenFacts, String>>,
{
    let mut checks = Vec::new();
    let started = Instant::now();
    let token = token_check.await;
    let token_millis = Some(millis(started.elapsed()));
    let granted = token.as_ref().ok().and_then(|facts| facts.scopes.clone());
    checks.push(match token {
        Ok(facts) if facts.portal_id != expected_portal => Check {
            check: "token",
            passed: false,
            detail: format!(
                "the token belongs to portal {}, not to portal {expected_portal}: connect that portal again",
                facts.portal_id
            ),
            millis: token_millis,
            code: Some("other_portal".into()),
        },
        Ok(facts) => Check { check: "token", passed: true, detail: facts.detail, millis: token_millis, code: None },
        Err(reason) => {
            Check { check: "token", passed: false, detail: reason, millis: token_millis, code: Some("token".into()) }
        }
    });

    let started = Instant::now();
    let contacts = client.list_contacts(1, None, &[]).await;
    checks.push(timed(
        "contacts read",
        started,
        contacts.map(|page| match page.results.len() {
            0 => format!("the portal has no contacts yet ({CONTACTS_READ})"),
            _ => format!("one contact read ({CONTACTS_READ})"),
        }),
    ));

    let started = Instant::now();
    let owners = client.owners(false).await;
    checks.push(timed(
        "owners read",
        started,
        owners.map(|owners| format!("{} active owners ({OWNERS_READ})", owners.len())),
    ));

    let seen = client.rate_limit_seen();
    checks.push(match describe_tier(&seen, kind) {
        Some(tier) => Check { check: "rate limit", passed: true, detail: tier, millis: None, code: None },
        None => Check {
            check: "rate limit",
            passed: false,
            detail: "HubSpot's replies carried no rate-limit headers".into(),
            millis: None,
            code: Some("no_rate_limit_headers".into()),
        },
    });
    let scopes = optional_scopes(client, granted.as_deref()).await;
    ConnectionReport { passed: checks.iter().all(|c| c.passed), checks, rate_limit: seen, scopes }
}

/// What each optional scope turns on, for the words of a missing one.
fn needed_for(scope: &str) -> &'static str {
    match scope {
        COMPANIES_READ => "companies can't be read",
        COMPANIES_WRITE => "companies can't be created or updated",
        DEALS_READ => "deals can't be read",
        _ => "what needs it is off",
    }
}

/// The companies read and write and deals read scopes: from `granted` (the token's own list)
/// when known, else one cheap call each. Reads are probed with a one-record list. The write is
/// probed with a batch archive of no companies, which can change nothing: HubSpot's scopes are
/// an endpoint's, checked before its body is read (unverified), so any answer but
/// MISSING_SCOPES, even a refusal of the empty list, means the scope is there.
pub async fn optional_scopes(client: &HubSpotClient, granted: Option<&[String]>) -> Vec<ScopeCheck> {
    let mut checks = Vec::new();
    for scope in [COMPANIES_READ, COMPANIES_WRITE, DEALS_READ] {
        let check = match granted {
            Some(granted) => {
                let held = granted.iter().any(|g| g == scope);
                ScopeCheck {
                    scope,
                    state: if held { ScopeState::Granted } else { ScopeState::Missing },
                    source: ScopeSource::Token,
                    detail: if held {
                        "granted to the token".into()
                    } else {
                        format!("not granted to the token: {}; connect again to grant it", needed_for(scope))
                    },
                    code: None,
                }
            }
            None => {
                let probe = match scope {
                    COMPANIES_READ => client.list_companies(1, None, &[]).await.map(drop),
                    COMPANIES_WRITE => client.batch_archive_companies(&[]).await,
                    _ => client.list_deals(1, None, &[]).await.map(drop),
                };
                probed(scope, probe)
            }
        };
        checks.push(check);
    }
    checks
}

/// A probe's answer as a scope's state.
fn probed(scope: &'static str, outcome: Result<(), ClientError>) -> ScopeCheck {
    let check = |state, detail: String, code: Option<String>| ScopeCheck {
        scope,
        state,
        source: ScopeSource::Probe,
        detail,
        code,
    };
    match outcome {
        Ok(()) => check(ScopeState::Granted, "HubSpot took a call that needs it".into(), None),
        Err(error) => match error.missing_scopes_error() {
            Some(missing) => check(
                ScopeState::Missing,
                format!("{missing}: {}; add it to the app's scopes", needed_for(scope)),
                None,
            ),
            // The body was read, so the scope was there (an empty write's refusal, say).
            None if error.status() == Some(400) => {
                check(ScopeState::Granted, "HubSpot read a call that needs it".into(), None)
            }
            None => check(ScopeState::Unknown, explain(&error), Some(error.code().into())),
        },
    }
}

fn millis(elapsed: Duration) -> u64 {
    elapsed.as_millis().try_into().unwrap_or(u64::MAX)
}

fn timed(check: &'static str, started: Instant, outcome: Result<String, ClientError>) -> Check {
    let millis = Some(millis(started.elapsed()));
    match outcome {
        Ok(detail) => Check { check, passed: true, detail, millis, code: None },
        Err(error) => Check { check, passed: false, detail: explain(&error), millis, code: Some(error.code().into()) },
    }
}

/// A client error as Test Connection shows it: what it means for the connection.
pub fn explain(error: &ClientError) -> String {
    match error {
        ClientError::Api { status: 401, message, .. } => {
            format!("HubSpot refused the token: it is wrong, revoked or expired (HubSpot: {message})")
        }
        ClientError::Api { status: 403, message, .. } => match error.missing_scopes() {
            Some(scopes) if !scopes.is_empty() => format!("the token lacks {}", describe_scopes(&scopes)),
            _ => format!("HubSpot refused the call: {message}"),
        },
        other => other.to_string(),
    }
}

/// The rate-limit tier HubSpot's headers show, in words: `110 per 10 s (OAuth app)`,
/// `190 per 10 s, 650,000 a day (Professional)`. `None` without headers.
pub fn describe_tier(seen: &RateLimitSeen, kind: TokenKind) -> Option<String> {
    let max = seen.max?;
    let interval = seen.interval_ms.map_or_else(|| "interval".to_string(), |ms| format!("{} s", ms as f64 / 1000.0));
    let mut text = format!("{max} per {interval}");
    if let Some(daily) = seen.daily {
        text.push_str(&format!(", {} a day", thousands(daily)));
    }
    let tier = match (kind, max, seen.daily) {
        (TokenKind::Oauth, _, _) => "OAuth app, per portal",
        (_, 100, Some(250_000) | None) => "Free or Starter",
        (_, 190, Some(650_000) | None) => "Professional",
        (_, 190, Some(1_000_000)) => "Enterprise",
        (_, 250, _) => "API limit increase",
        _ => "",
    };
    if !tier.is_empty() {
        text.push_str(&format!(" ({tier})"));
    }
    Some(text)
}

/// 250000 → "250,000", as the checks and the command line word limits.
pub use hubsync_store::thousands;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tier_is_read_from_the_headers() {
        let seen = |max, daily| RateLimitSeen {
            max: Some(max),
            remaining: None,
            interval_ms: Some(10_000),
            daily,
            daily_remaining: None,
        };
        assert_eq!(
            describe_tier(&seen(100, Some(250_000)), TokenKind::PrivateApp).unwrap(),
            "100 per 10 s, 250,000 a day (Free or Starter)"
        );
        assert_eq!(describe_tier(&seen(110, None), TokenKind::Oauth).unwrap(), "110 per 10 s (OAuth app, per portal)");
        assert_eq!(
            describe_tier(&seen(190, Some(1_000_000)), TokenKind::PrivateApp).unwrap(),
            "190 per 10 s, 1,000,000 a day (Enterprise)"
        );
        assert_eq!(describe_tier(&RateLimitSeen::default(), TokenKind::Oauth), None);
    }

    #[test]
    fn entries_are_named_within_the_store() {
        let credentials = Credentials::new("abc", PathBuf::from("/tmp/x.secrets"));
        assert_eq!(credentials.portal_entry(7, TokenKind::Oauth).as_str(), "abc/portal-7/refresh-token");
        assert_eq!(credentials.portal_entry(7, TokenKind::PrivateApp).as_str(), "abc/portal-7/private-token");
        assert_eq!(credentials.client_secret_entry("id-1").as_str(), "abc/oauth-app-id-1/client-secret");
        assert_eq!(Credentials::secret_file_for(Path::new("/d/hubsync.db")), PathBuf::from("/d/hubsync.db.secrets"));
    }
}

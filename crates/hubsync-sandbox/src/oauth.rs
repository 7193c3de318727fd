//! OAuth 2.0 and bearer-token state: registered apps, authorization codes, refresh and access
//! tokens, private-app tokens, and who a request's bearer token belongs to.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::config::{OAuthClient, PrivateToken, SandboxConfig};
use crate::errors::ApiError;

/// How long an authorization code may wait for its exchange.
const CODE_LIFETIME_SECS: i64 = 600;

#[derive(Debug, Clone)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    /// PKCE `code_challenge`, S256.
    pub code_challenge: Option<String>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub client_id: String,
    pub app_id: u64,
    pub scopes: Vec<String>,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub struct AccessGrant {
    pub client_id: String,
    pub app_id: u64,
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

/// Who made a request, as far as limits and scopes go.
#[derive(Debug, Clone)]
pub enum Principal {
    OAuth {
        app_id: u64,
        scopes: Vec<String>,
    },
    /// `index` tells private apps apart without keeping their token around.
    Private {
        index: usize,
        scopes: Vec<String>,
    },
}

impl Principal {
    pub fn scopes(&self) -> &[String] {
        match self {
            Principal::OAuth { scopes, .. } | Principal::Private { scopes, .. } => scopes,
        }
    }

    /// Checks that the token was granted `scope`.
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        self.require_any(&[scope])
    }

    /// Checks that the token was granted one of `scopes`; HubSpot's 403 lists them all, since
    /// any one suffices.
    pub fn require_any(&self, scopes: &[&str]) -> Result<(), ApiError> {
        if self.scopes().iter().any(|s| scopes.contains(&s.as_str())) {
            Ok(())
        } else {
            Err(ApiError::MissingScopes(scopes.iter().map(|s| s.to_string()).collect()))
        }
    }

    pub fn is_private(&self) -> bool {
        matches!(self, Principal::Private { .. })
    }

    /// The 10-second limit applies per app and portal.
    pub fn bucket(&self) -> String {
        match self {
            Principal::OAuth { app_id, .. } => format!("oauth-app:{app_id}"),
            Principal::Private { index, .. } => format!("private-app:{index}"),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Principal::OAuth { .. } => "oauth",
            Principal::Private { .. } => "private",
        }
    }
}

#[derive(Debug, Default)]
pub struct OAuthState {
    pub clients: HashMap<String, OAuthClient>,
    pub codes: HashMap<String, CodeGrant>,
    pub refresh: HashMap<String, RefreshGrant>,
    pub access: HashMap<String, AccessGrant>,
    pub private: Vec<PrivateToken>,
    pub access_ttl_secs: u64,
}

/// Why a token request was refused, in HubSpot's OAuth error vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// HubSpot's `status`, e.g. BAD_REFRESH_TOKEN.
    pub status: &'static str,
    /// The OAuth 2.0 `error` code, e.g. invalid_grant.
    pub error: &'static str,
    pub message: String,
}

impl OAuthError {
    fn new(status: &'static str, error: &'static str, message: impl Into<String>) -> Self {
        OAuthError { status, error, message: message.into() }
    }
}

/// What the token endpoint hands out.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub scopes: Vec<String>,
}

fn random_token(bytes: usize) -> String {
    let raw: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    URL_SAFE_NO_PAD.encode(raw)
}

pub fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl OAuthState {
    pub fn new(config: &SandboxConfig) -> Self {
        OAuthState {
            clients: config.oauth_clients.iter().map(|c| (c.client_id.clone(), c.clone())).collect(),
            private: config.private_tokens.clone(),
            access_ttl_secs: config.access_token_ttl_secs,
            ..Default::default()
        }
    }

    /// Resolves a bearer token to its principal, or the 401 HubSpot would answer.
    pub fn authenticate(&self, bearer: Option<&str>, now: DateTime<Utc>) -> Result<Principal, ApiError> {
        let token = bearer.ok_or(ApiError::InvalidAuthentication)?;
        if let Some(index) = self.private.iter().position(|p| p.token == token) {
            return Ok(Principal::Private { index, scopes: self.private[index].scopes.clone() });
        }
        let grant = self.access.get(token).ok_or(ApiError::InvalidAuthentication)?;
        if grant.expires_at <= now {
            let seconds_ago = (now - grant.expires_at).num_seconds().max(1);
            return Err(ApiError::ExpiredAuthentication { seconds_ago });
        }
        Ok(Principal::OAuth { app_id: grant.app_id, scopes: grant.scopes.clone() })
    }

    pub fn client(&self, client_id: &str) -> Option<&OAuthClient> {
        self.clients.get(client_id)
    }

    pub fn check_client(&self, client_id: &str, client_secret: &str) -> Result<&OAuthClient, OAuthError> {
        let client = self
            .client(client_id)
            .ok_or_else(|| OAuthError::new("BAD_CLIENT_ID", "invalid_client", "missing or unknown client id"))?;
        if client.client_secret != client_secret {
            return Err(OAuthError::new("BAD_CLIENT_SECRET", "invalid_client", "missing or invalid client secret"));
        }
        Ok(client)
    }

    pub fn issue_code(
        &mut self,
        client_id: &str,
        redirect_uri: &str,
        scopes: Vec<String>,
        code_challenge: Option<String>,
        now: DateTime<Utc>,
    ) -> String {
        let code = crate::errors::new_uuid();
        self.codes.insert(
            code.clone(),
            CodeGrant {
                client_id: client_id.into(),
                redirect_uri: redirect_uri.into(),
                scopes,
                code_challenge,
                expires_at: now + Duration::seconds(CODE_LIFETIME_SECS),
            },
        );
        code
    }

    /// `grant_type=authorization_code`: a code is good once, for the client and redirect URI it
    /// was issued to.
    pub fn exchange_code(
        &mut self,
        form: &HashMap<String, String>,
        now: DateTime<Utc>,
    ) -> Result<IssuedTokens, OAuthError> {
        let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
        let client = self.check_client(field("client_id"), field("client_secret"))?.clone();
        let redirect_uri = field("redirect_uri");
        if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
            return Err(OAuthError::new("BAD_REDIRECT_URI", "invalid_request", "redirect_uri does not match"));
        }
        let grant = self
            .codes
            .remove(field("code"))
            .ok_or_else(|| OAuthError::new("BAD_AUTH_CODE", "invalid_grant", "missing or unknown auth code"))?;
        if grant.client_id != client.client_id || grant.redirect_uri != redirect_uri {
            return Err(OAuthError::new(
                "BAD_AUTH_CODE",
                "invalid_grant",
                "auth code was issued to another client or redirect_uri",
            ));
        }
        if grant.expires_at <= now {
            return Err(OAuthError::new("BAD_AUTH_CODE", "invalid_grant", "auth code expired"));
        }
        if let Some(challenge) = &grant.code_challenge {
            match form.get("code_verifier") {
                Some(verifier) if pkce_s256(verifier) == *challenge => {}
                _ => {
                    return Err(OAuthError::new(
                        "BAD_AUTH_CODE",
                        "invalid_grant",
                        "code_verifier does not match the code_challenge",
                    ));
                }
            }
        }
        let refresh_token = format!("na1-{}", crate::errors::new_uuid());
        self.refresh.insert(
            refresh_token.clone(),
            RefreshGrant {
                client_id: client.client_id.clone(),
                app_id: client.app_id,
                scopes: grant.scopes,
                revoked: false,
            },
        );
        self.issue_access(&refresh_token, now)
    }

    /// `grant_type=refresh_token`: a new access token; the refresh token stays the same.
    pub fn refresh(&mut self, form: &HashMap<String, String>, now: DateTime<Utc>) -> Result<IssuedTokens, OAuthError> {
        let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
        let client_id = self.check_client(field("client_id"), field("client_secret"))?.client_id.clone();
        let token = field("refresh_token");
        match self.refresh.get(token) {
            Some(grant) if !grant.revoked && grant.client_id == client_id => self.issue_access(token, now),
            _ => Err(OAuthError::new("BAD_REFRESH_TOKEN", "invalid_grant", "missing or invalid refresh token")),
        }
    }

    fn issue_access(&mut self, refresh_token: &str, now: DateTime<Utc>) -> Result<IssuedTokens, OAuthError> {
        let grant = self.refresh.get(refresh_token).expect("caller checked").clone();
        let access_token = format!("CN{}", random_token(96));
        self.access.insert(
            access_token.clone(),
            AccessGrant {
                client_id: grant.client_id,
                app_id: grant.app_id,
                scopes: grant.scopes.clone(),
                expires_at: now + Duration::seconds(self.access_ttl_secs as i64),
            },
        );
        Ok(IssuedTokens {
            access_token,
            refresh_token: refresh_token.to_string(),
            expires_in: self.access_ttl_secs,
            scopes: grant.scopes,
        })
    }

    /// Revokes a refresh token (and so the app's access to the portal). Access tokens already
    /// issued stay valid until they expire, like signed tokens do.
    pub fn revoke_refresh(&mut self, token: &str) -> bool {
        match self.refresh.get_mut(token) {
            Some(grant) if !grant.revoked => {
                grant.revoked = true;
                true
            }
            _ => false,
        }
    }

    /// Control API: revoke every refresh token.
    pub fn revoke_all_refresh(&mut self) -> usize {
        let mut count = 0;
        for grant in self.refresh.values_mut().filter(|g| !g.revoked) {
            grant.revoked = true;
            count += 1;
        }
        count
    }

    /// Control API: expire every access token now.
    pub fn expire_all_access(&mut self, now: DateTime<Utc>) -> usize {
        for grant in self.access.values_mut() {
            grant.expires_at = grant.expires_at.min(now);
        }
        self.access.len()
    }

    /// Forgets expired access tokens and used-up codes, so a long soak doesn't grow without bound.
    pub fn sweep(&mut self, now: DateTime<Utc>) {
        // Kept an hour past expiry so a late request still gets EXPIRED_AUTHENTICATION, not
        // INVALID_AUTHENTICATION.
        let horizon = now - Duration::hours(1);
        self.access.retain(|_, g| g.expires_at > horizon);
        self.codes.retain(|_, g| g.expires_at > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_rfc_7636_example() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}

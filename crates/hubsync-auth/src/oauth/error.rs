//! Why connecting or a token call failed, and the wording its messages share.

use std::time::Duration;

use hubsync_hubspot::InsecureBaseUrl;

/// How much of HubSpot's own wording an error keeps.
const MAX_QUOTED: usize = 300;
/// Why connecting or a token call failed, in words an admin can act on.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(
        "you declined to connect Hubsync on HubSpot's consent page, so nothing was shared; connect again when you \
         are ready{}",
        quoted(.description)
    )]
    Denied { description: Option<String> },
    #[error("HubSpot did not authorize the connection ({error}){}", quoted(.description))]
    AuthorizationFailed { error: String, description: Option<String> },
    #[error(
        "no answer came back from HubSpot's consent page within {}{}: the tab may have been closed, the consent \
         declined (HubSpot then sends nothing back), or the app may lack the redirect URL {redirect_uri} (HubSpot \
         then shows a \"redirect URL does not match\" page). Connect again, or register that redirect URL on the app",
        in_words(*.waited),
        browser_note(.browser_error)
    )]
    Timeout { waited: Duration, redirect_uri: String, browser_error: Option<String> },
    #[error(
        "no valid answer came back from HubSpot's consent page within {}: {refused} callback(s) arrived with a \
         state that does not belong to this attempt (a link from an earlier attempt, or a forged one) and were \
         refused. Connect again and use the newest browser tab",
        in_words(*.waited)
    )]
    StateMismatch { waited: Duration, refused: u32 },
    #[error("connecting to HubSpot was cancelled")]
    Cancelled,
    #[error(
        "cannot listen for HubSpot's answer: port(s) {} on this computer (127.0.0.1 or ::1) are in use by other \
         programs. Close them, or choose another port that is registered on the HubSpot app as http://localhost:PORT/callback",
        ports_list(.ports)
    )]
    PortBusy { ports: Vec<u16> },
    #[error("cannot listen for HubSpot's answer on port {port} of this computer (127.0.0.1 and ::1): {detail}")]
    Listener { port: u16, detail: String },
    #[error("the HubSpot connection settings are not usable: {0}")]
    InvalidConfig(String),
    #[error("HubSpot refused to hand out tokens for this authorization: {message}")]
    ExchangeFailed { message: String },
    #[error("refreshing the HubSpot access token failed: {message}")]
    RefreshFailed { message: String },
    #[error(
        "HubSpot no longer accepts this connection's refresh token (the app was uninstalled or its access \
         revoked): reconnect the portal"
    )]
    ReconnectNeeded,
    #[error(
        "the connection lacks the HubSpot scope(s) {}, which Hubsync needs, so it was not saved. Ask a super admin \
         to connect, or add the scopes to the app, then connect again",
        .missing.join(", ")
    )]
    MissingScopes { missing: Vec<String> },
    #[error("could not reach HubSpot at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("HubSpot's reply could not be read: {detail}")]
    BadReply { detail: String },
    #[error("HubSpot could not say which portal the new token belongs to: {message}")]
    TokenInfoFailed { message: String },
    #[error("HubSpot did not revoke the token: {message}")]
    RevokeFailed { message: String },
    /// An endpoint would carry the client secret or a token in plain text.
    #[error(transparent)]
    InsecureBaseUrl(#[from] InsecureBaseUrl),
}

impl AuthError {
    /// A stable code for the UI and `--json` output.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Denied { .. } => "oauth_denied",
            AuthError::AuthorizationFailed { .. } => "oauth_authorization_failed",
            AuthError::Timeout { .. } => "oauth_timeout",
            AuthError::StateMismatch { .. } => "oauth_state_mismatch",
            AuthError::Cancelled => "oauth_cancelled",
            AuthError::PortBusy { .. } => "oauth_port_busy",
            AuthError::Listener { .. } => "oauth_listener_failed",
            AuthError::InvalidConfig(_) => "oauth_invalid_config",
            AuthError::ExchangeFailed { .. } => "oauth_exchange_failed",
            AuthError::RefreshFailed { .. } => "oauth_refresh_failed",
            AuthError::ReconnectNeeded => "reconnect_needed",
            AuthError::MissingScopes { .. } => "oauth_missing_scopes",
            AuthError::Unreachable { .. } => "oauth_unreachable",
            AuthError::BadReply { .. } => "oauth_bad_reply",
            AuthError::TokenInfoFailed { .. } => "oauth_token_info_failed",
            AuthError::RevokeFailed { .. } => "oauth_revoke_failed",
            AuthError::InsecureBaseUrl(_) => InsecureBaseUrl::CODE,
        }
    }
}

fn quoted(text: &Option<String>) -> String {
    match text.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => format!(" (HubSpot: {t})"),
        _ => String::new(),
    }
}

fn browser_note(error: &Option<String>) -> String {
    match error {
        Some(e) => format!(" (the browser could not be opened: {e})"),
        None => String::new(),
    }
}

fn ports_list(ports: &[u16]) -> String {
    ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

/// A duration in words, exactly (`20 seconds`, `5 minutes`), as a wait is announced.
pub fn in_words(duration: Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        0 => format!("{} ms", duration.as_millis()),
        s if s % 60 == 0 => format!("{} minute{}", s / 60, if s == 60 { "" } else { "s" }),
        1 => "1 second".into(),
        s => format!("{s} seconds"),
    }
}

/// HubSpot's own words, shortened, with any secret it might echo replaced.
pub(super) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut text = text.trim().to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        text = text.replace(secret, "[redacted]");
    }
    if text.chars().count() > MAX_QUOTED {
        text = text.chars().take(MAX_QUOTED).collect::<String>() + "…";
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_quote_hubspot_without_secrets() {
        assert_eq!(scrub("bad token abcdef here", &["abcdef"]), "bad token [redacted] here");
        assert!(scrub(&"x".repeat(1000), &[]).chars().count() <= MAX_QUOTED + 1);
        assert_eq!(in_words(Duration::from_secs(300)), "5 minutes");
        assert_eq!(in_words(Duration::from_millis(400)), "400 ms");
        assert_eq!(in_words(Duration::from_secs(2)), "2 seconds");
        let busy = AuthError::PortBusy { ports: vec![42813, 42814, 42815] };
        assert!(busy.to_string().contains("42813, 42814, 42815"), "{busy}");
        assert_eq!(busy.code(), "oauth_port_busy");
    }
}

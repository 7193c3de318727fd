//! The whole connection attempt: listen for the callback, send the browser to the consent page,
//! exchange the code, ask whose token it is and check its scopes.

use std::io;
use std::time::Duration;

use hubsync_hubspot::Secret;

use super::{AuthError, Authorization, Endpoints, HubSpotOAuth, OAuthApp, OPTIONAL_SCOPES, TokenInfo, check_scopes};
use crate::loopback::{CallbackListener, CancelHandle, DEFAULT_CALLBACK_PORTS, DEFAULT_TIMEOUT};

/// A connected portal: the tokens and who they belong to, scopes checked.
#[derive(Clone, Debug)]
pub struct OAuthGrant {
    pub access_token: Secret,
    pub refresh_token: Secret,
    pub expires_in: Duration,
    pub info: TokenInfo,
}

/// How a connection attempt listens and how long it waits.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Tried in order; each must be registered on the app as `http://localhost:PORT/callback`.
    /// One port (an explicit `--port`) means only that one.
    pub ports: Vec<u16>,
    /// How long to wait for the browser to come back.
    pub timeout: Duration,
    /// Ends the wait early (the UI's Cancel button, Ctrl-C).
    pub cancel: CancelHandle,
    pub optional_scopes: Vec<String>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            ports: DEFAULT_CALLBACK_PORTS.to_vec(),
            timeout: DEFAULT_TIMEOUT,
            cancel: CancelHandle::new(),
            optional_scopes: OPTIONAL_SCOPES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// A connection attempt that is listening for the callback: show or open `authorize_url`,
/// then `finish`. Dropping it closes the listener.
#[derive(Debug)]
pub struct PendingConnect {
    oauth: HubSpotOAuth,
    listener: CallbackListener,
    authorization: Authorization,
    timeout: Duration,
    cancel: CancelHandle,
}

impl PendingConnect {
    /// Binds the callback listener (first free port of `options.ports`) and builds the consent
    /// URL for it.
    pub async fn start(oauth: HubSpotOAuth, options: ConnectOptions) -> Result<Self, AuthError> {
        let listener = CallbackListener::bind(&options.ports).await?;
        let authorization = oauth.authorization(&listener.redirect_uri(), &options.optional_scopes)?;
        Ok(PendingConnect { oauth, listener, authorization, timeout: options.timeout, cancel: options.cancel })
    }

    pub fn authorize_url(&self) -> &str {
        self.authorization.url()
    }

    pub fn redirect_uri(&self) -> &str {
        self.authorization.redirect_uri()
    }

    /// Waits for the callback, exchanges the code, asks HubSpot whose token it is and checks
    /// the scopes; the browser tab then shows the outcome in words.
    pub async fn finish(self) -> Result<OAuthGrant, AuthError> {
        let PendingConnect { oauth, listener, authorization, timeout, cancel } = self;
        let callback = listener.wait(authorization.state(), timeout, &cancel).await?;
        let result = tokio::select! {
            result = complete(&oauth, callback.code(), authorization) => result,
            () = cancel.cancelled() => Err(AuthError::Cancelled),
        };
        match &result {
            Ok(grant) => callback.reply_connected(&grant.info.hub_domain).await,
            Err(error) => callback.reply_failed(error).await,
        }
        result
    }
}

async fn complete(oauth: &HubSpotOAuth, code: &Secret, authorization: Authorization) -> Result<OAuthGrant, AuthError> {
    let tokens = oauth.exchange_code(code, authorization).await?;
    let refresh_token = tokens.refresh_token.ok_or_else(|| AuthError::BadReply {
        detail: "the token reply carried no refresh token, so the connection could not last".into(),
    })?;
    let info = oauth.token_info(&tokens.access_token).await?;
    check_scopes(&info.scopes).map_err(|missing| AuthError::MissingScopes { missing })?;
    tracing::info!(hub_id = info.hub_id, hub_domain = %info.hub_domain, "connected to HubSpot");
    Ok(OAuthGrant { access_token: tokens.access_token, refresh_token, expires_in: tokens.expires_in, info })
}

/// The whole flow: listen, open the consent page with `open_browser` (the apps pass
/// `open::that`; it is also the place to show the URL), wait, exchange, check.
///
/// A browser that can't be opened does not end the attempt: the user can still paste the URL
/// the caller showed, and a later timeout says the browser failed. Use `PendingConnect` to get
/// the URL before anything is opened.
pub async fn connect(
    app: OAuthApp,
    endpoints: Endpoints,
    options: ConnectOptions,
    open_browser: impl FnOnce(&str) -> io::Result<()>,
) -> Result<OAuthGrant, AuthError> {
    let pending = PendingConnect::start(HubSpotOAuth::new(app, endpoints)?, options).await?;
    let opened = open_browser(pending.authorize_url());
    if let Err(e) = &opened {
        tracing::warn!(error = %e, "could not open the browser; waiting for the consent URL to be opened by hand");
    }
    match (pending.finish().await, opened) {
        (Err(AuthError::Timeout { waited, redirect_uri, .. }), Err(e)) => {
            Err(AuthError::Timeout { waited, redirect_uri, browser_error: Some(e.to_string()) })
        }
        (result, _) => result,
    }
}

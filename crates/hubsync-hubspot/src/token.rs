//! Where a client's access tokens come from. A private app's token never changes
//! (`StaticToken`); an OAuth connection's expires every 30 minutes and is refreshed by its
//! source (`hubsync-auth`'s session), which this crate knows only through `TokenSource`.
//!
//! The client asks the source for a token before every attempt and tells it once per request
//! when HubSpot answered 401 for one (`rejected`), so a token that expired early is replaced
//! and the request tried once more, never in a loop.

use futures_util::future::BoxFuture;

use crate::client::ClientError;
use crate::secret::Secret;

/// A supplier of bearer tokens for one portal, shared by every client of that portal.
pub trait TokenSource: Send + Sync {
    /// The token to send now; it may refresh first (ahead of expiry), so it can fail, e.g. with
    /// `ClientError::ReconnectNeeded` when HubSpot revoked the grant.
    fn access_token(&self) -> BoxFuture<'_, Result<Secret, ClientError>>;

    /// HubSpot answered 401 for `token`. `Ok(true)`: a newer token is there to retry with (this
    /// call refreshed, or another caller already had); `Ok(false)`: nothing can change (a static
    /// token), so the 401 stands.
    fn rejected<'a>(&'a self, token: &'a Secret) -> BoxFuture<'a, Result<bool, ClientError>>;
}

/// A token that never changes: a private app's or a service key's.
#[derive(Clone, Debug)]
pub struct StaticToken(pub Secret);

impl TokenSource for StaticToken {
    fn access_token(&self) -> BoxFuture<'_, Result<Secret, ClientError>> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }

    fn rejected<'a>(&'a self, _token: &'a Secret) -> BoxFuture<'a, Result<bool, ClientError>> {
        Box::pin(async { Ok(false) })
    }
}

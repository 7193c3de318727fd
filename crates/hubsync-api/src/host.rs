//! What a shell tells the application layer about itself (Yaak's `Host`): where the token of a
//! portal comes from when it is not the keychain's. The app knows its built-in sandbox's token;
//! the command line honours `HUBSYNC_TOKEN` for a HubSpot private app.

use hubsync_hubspot::Secret;
use hubsync_store::Portal;

pub trait Host: Send + Sync {
    /// The token to send to `portal` instead of the one the keychain keeps, if any.
    fn token_for(&self, portal: &Portal) -> Option<Secret>;
}

/// A host with no tokens of its own: every portal's token comes from the keychain.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeychainOnly;

impl Host for KeychainOnly {
    fn token_for(&self, _portal: &Portal) -> Option<Secret> {
        None
    }
}

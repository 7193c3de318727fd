//! The connection service both apps use, against the sandbox, with the opt-in file store (so
//! it runs without a keychain): prove a token or a grant and save it, clients for the saved portal, a
//! refused grant recorded, disconnect.

use std::sync::Arc;

use hubsync_auth::connection::Credentials;
use hubsync_auth::portals::{client_config, prove_grant, prove_token, usable};
use hubsync_auth::session::SystemClock as AuthClock;
use hubsync_hubspot::Secret;
use hubsync_sandbox::PrivateToken;
use hubsync_store::{PortalStatus, SecretStoreKind, Store, SystemClock, TokenKind};

use crate::oauth::{CLIENT_SECRET, connected, control, free_port, oauth, portal};

const TOKEN: &str = "pat-na1-portals-service";

fn store_and_credentials(dir: &tempfile::TempDir) -> (Store, Credentials) {
    let store = Store::open(&dir.path().join("hubsync.db"), Arc::new(SystemClock)).unwrap();
    let credentials = Credentials::new(&store.store_id().unwrap(), dir.path().join("hubsync.db.secrets"));
    (store, credentials)
}

#[tokio::test]
async fn a_token_connects_serves_clients_and_disconnects_keeping_the_portal() {
    let sandbox = portal(&[], |c| c.private_tokens = vec![PrivateToken::new(TOKEN)]).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut store, credentials) = store_and_credentials(&dir);
    let config = client_config(&sandbox.base_url(), TokenKind::PrivateApp);
    let token = Secret::new(TOKEN);
    let proven = prove_token(config, TokenKind::PrivateApp, &token, SecretStoreKind::File, &SystemClock).await.unwrap();
    let connected = credentials.save(&mut store, proven).await.unwrap();
    assert_eq!(connected.portal.portal_id, sandbox.portal_id());
    assert_eq!(connected.checks.len(), 4);
    assert!(connected.secret_kept_in.contains("readable by you only"));

    let active = store.active_portal().unwrap().unwrap();
    let config = client_config(&active.base_url, active.token_kind);
    let client = credentials.client_for(active.clone(), config, None, Arc::new(AuthClock)).unwrap();
    assert_eq!(client.account_details().await.unwrap().portal_id, sandbox.portal_id());

    let wrong = prove_token(
        client_config(&sandbox.base_url(), TokenKind::PrivateApp),
        TokenKind::PrivateApp,
        &Secret::new("pat-na1-wrong"),
        SecretStoreKind::File,
        &SystemClock,
    )
    .await
    .unwrap_err();
    assert_eq!(wrong.code(), "hubspot_unauthorized");
    assert!(wrong.to_string().starts_with("cannot read the account details (nothing was saved)"), "{wrong}");

    let gone = credentials.disconnect(&mut store, &active).await.unwrap();
    assert!(gone.secret_deleted && !gone.revoked);
    assert_eq!(gone.portal.status, PortalStatus::Disconnected);
    assert_eq!(usable(&gone.portal).unwrap_err().code(), "not_connected");
    let config = client_config(&active.base_url, active.token_kind);
    let error = credentials.client_for(gone.portal, config, None, Arc::new(AuthClock)).err().unwrap();
    assert_eq!(error.code(), "not_connected", "no token is kept any more: {error}");
    let file = std::fs::read_to_string(dir.path().join("hubsync.db.secrets")).unwrap();
    assert!(!file.contains(TOKEN));
}

#[tokio::test]
async fn a_grant_connects_refreshes_in_a_new_client_and_a_revoked_one_is_recorded() {
    let port = free_port();
    let sandbox = portal(&[port], |c| c.oauth_auto_approve = true).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut store, credentials) = store_and_credentials(&dir);
    let grant = connected(&sandbox, port).await;
    let config = client_config(&sandbox.base_url(), TokenKind::Oauth);
    let secret = Some(Secret::new(CLIENT_SECRET));
    let clock = Arc::new(AuthClock);
    let proven =
        prove_grant(oauth(&sandbox), &grant, config, secret, SecretStoreKind::File, clock, &SystemClock).await.unwrap();
    let connected = credentials.save(&mut store, proven).await.unwrap();
    assert_eq!(connected.portal.token_kind, TokenKind::Oauth);
    assert_eq!(connected.portal.user_email, grant.info.user.clone().unwrap());

    // Another process: the app resolved from the store, the secret from the file, a refresh.
    let (again, _) = credentials.resolve_app(&store, None, None, SecretStoreKind::File).unwrap();
    assert_eq!(again.client_id, crate::oauth::CLIENT_ID);
    let active = store.active_portal().unwrap().unwrap();
    let config = client_config(&active.base_url, active.token_kind);
    let client = credentials.client_for(active.clone(), config, None, Arc::new(AuthClock)).unwrap();
    client.owners(false).await.unwrap();

    control(&sandbox, "/oauth/revoke-refresh-tokens").await;
    let config = client_config(&active.base_url, active.token_kind);
    let client = credentials.client_for(active.clone(), config, None, Arc::new(AuthClock)).unwrap();
    assert_eq!(client.owners(false).await.unwrap_err().code(), "reconnect_needed");
    client.record_outcome(&mut store).unwrap();
    let portal = store.active_portal().unwrap().unwrap();
    assert_eq!(portal.status, PortalStatus::ReconnectNeeded);
    assert_eq!(usable(&portal).unwrap_err().code(), "reconnect_needed");
}

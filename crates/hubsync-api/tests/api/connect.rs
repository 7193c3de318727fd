//! The connection: connecting with a token, Test Connection, Disconnect (which stops a running
//! sync, whichever process disconnects), and the portals overview.

use std::sync::Arc;
use std::time::Instant;

use hubsync_api::Workspace;
use hubsync_api::builtin::{PortalSummary, SANDBOX_TOKEN};
use hubsync_api::connect::{
    OAuthOptions, connect_target, connect_token, disconnect, oauth_cancel, oauth_start, pasted_token, portals_overview,
    register_sandbox, test_connection, use_portal, use_sandbox,
};
use hubsync_api::host::KeychainOnly;
use hubsync_api::plans::PlanRequest;
use hubsync_api::sync::{preview, run_previewed};
use hubsync_api::workspace::DB_FILE_NAME;
use hubsync_hubspot::Secret;
use hubsync_sandbox::faults::FaultConfig;
use hubsync_sandbox::{AccountType, OAuthClient, PortalInfo, Sandbox, SandboxConfig};
use hubsync_store::{ExistingFolder, PortalEnvironment, PortalStatus, RunStatus, TokenKind};

use crate::support::{connected_workspace, fixture, open_workspace, portal_with_token};

/// Both shells connect a pasted private app token through one use case: checked with the
/// portal, kept where the secrets go, and the token the workspace's clients use from then on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_app_token_connects_and_is_the_one_later_calls_use() {
    const TOKEN: &str = "pat-na1-connect-test";
    let dir = tempfile::tempdir().unwrap();
    let sandbox = portal_with_token(TOKEN, |_| {}).await;
    // No host token: later calls must find the token where connecting kept it.
    let ws = Workspace::open(&dir.path().join(DB_FILE_NAME), ExistingFolder::Tighten, Arc::new(KeychainOnly)).unwrap();

    let insecure = connect_target(&ws, "http://example.com", true).await.unwrap_err();
    assert_eq!(insecure.code, "insecure_base_url", "{insecure:?}");
    assert_eq!(pasted_token("pat na1").unwrap_err().code, "invalid_token");

    // The keychain may be unavailable here: the file store is allowed.
    let target = connect_target(&ws, &sandbox.base_url(), true).await.unwrap();
    let refused = connect_token(&ws, &target, &pasted_token("pat-na1-wrong").unwrap(), TokenKind::PrivateApp, |_| {})
        .await
        .unwrap_err();
    assert_eq!(refused.code, "hubspot_unauthorized", "{refused:?}");
    assert!(portals_overview(&ws).await.unwrap().portals.is_empty(), "a refused token saves nothing: {refused:?}");

    let token = pasted_token(&format!("  {TOKEN}\n")).unwrap();
    let connected = connect_token(&ws, &target, &token, TokenKind::PrivateApp, |_| {}).await.unwrap();
    assert_eq!(connected.portal.portal_id, sandbox.portal_id());
    assert_eq!(connected.portal.token_kind, TokenKind::PrivateApp);
    assert_eq!(connected.portal.secret_store, target.secret_store);
    assert!(connected.portal.active && connected.previously_active.is_none(), "{connected:?}");
    let report = test_connection(&ws).await.unwrap();
    assert!(report.passed, "the kept token answers: {report:?}");

    // Disconnecting deletes the kept token (from the keychain too, when it was there).
    assert!(disconnect(&ws, None, "in the app").await.unwrap().secret_deleted);
    sandbox.shutdown().await;
}

/// Both shells connect in the browser through one use case, the command line with its own
/// callback port and wait: a cancelled attempt saves nothing, an approved one is the portal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oauth_attempt_on_a_chosen_port_connects_once_approved_and_a_cancelled_one_saves_nothing() {
    const CLIENT_ID: &str = "hubsync-api-test-app";
    const CLIENT_SECRET: &str = "api-test-client-secret";
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let sandbox = Sandbox::start(SandboxConfig {
        seed_contacts: 0,
        oauth_clients: vec![OAuthClient {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uris: vec![format!("http://localhost:{port}/callback")],
            app_id: 4242,
        }],
        oauth_auto_approve: true,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(&dir.path().join(DB_FILE_NAME), ExistingFolder::Tighten, Arc::new(KeychainOnly)).unwrap();
    let target = connect_target(&ws, &sandbox.base_url(), true).await.unwrap();
    let options = OAuthOptions { ports: vec![port], timeout: std::time::Duration::from_secs(30) };
    let secret = || Some(Secret::new(CLIENT_SECRET));

    let attempt = oauth_start(&ws, &target, Some(CLIENT_ID), secret(), options.clone()).await.unwrap();
    assert_eq!(attempt.started.redirect_uri, format!("http://localhost:{port}/callback"));
    oauth_cancel(&ws);
    let cancelled = attempt.finish(&ws, |_| {}).await.unwrap_err();
    assert_eq!(cancelled.code, "oauth_cancelled", "{cancelled:?}");
    assert!(portals_overview(&ws).await.unwrap().portals.is_empty(), "nothing was saved");

    let attempt = oauth_start(&ws, &target, Some(CLIENT_ID), secret(), options).await.unwrap();
    // The test plays the browser: the sandbox approves and redirects to the loopback callback.
    let (page, connected) =
        tokio::join!(reqwest::get(attempt.started.authorize_url.clone()), attempt.finish(&ws, |_| {}));
    assert!(page.unwrap().status().is_success());
    let connected = connected.unwrap();
    assert_eq!(connected.portal.portal_id, sandbox.portal_id());
    assert_eq!(connected.portal.token_kind, TokenKind::Oauth);
    assert_eq!(connected.portal.client_id.as_deref(), Some(CLIENT_ID));
    assert_eq!(connected.portal.environment, PortalEnvironment::HubspotSandbox);
    let report = test_connection(&ws).await.unwrap();
    assert!(report.passed, "the kept refresh token answers: {report:?}");
    let tested = ws.active_portal().await.unwrap();
    assert_eq!((tested.environment, tested.check_passed), (PortalEnvironment::HubspotSandbox, Some(true)));
    assert!(disconnect(&ws, None, "in the app").await.unwrap().revoked);
    sandbox.shutdown().await;
}

/// What kind of account a portal is comes from its account details when it connects: a portal
/// answering STANDARD is production, SANDBOX a HubSpot sandbox. Test Connection reads it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_is_saved_as_the_kind_of_account_it_says_it_is_and_test_connection_reads_it_again() {
    const TOKEN: &str = "pat-na1-environment";
    for (account_type, environment) in [
        (AccountType::Standard, PortalEnvironment::Production),
        (AccountType::Sandbox, PortalEnvironment::HubspotSandbox),
        (AccountType::DeveloperTest, PortalEnvironment::DeveloperTest),
        (AccountType::AppDeveloper, PortalEnvironment::AppDeveloper),
    ] {
        let sandbox = portal_with_token(TOKEN, |config| config.portal.account_type = account_type).await;
        let (_dir, ws) = connected_workspace(&sandbox, TOKEN).await;
        let portal = ws.active_portal().await.unwrap();
        assert_eq!((portal.account_type.as_deref(), portal.environment), (Some(account_type.as_str()), environment));
        assert_eq!(portal.check_passed, Some(true), "connecting checked it");
        sandbox.shutdown().await;
    }

    // The same portal, now answering as production (as a sandbox account promoted, or a portal
    // whose type was read wrongly): Test Connection learns it.
    let test = portal_with_token(TOKEN, |config| config.portal.account_type = AccountType::Sandbox).await;
    let (_dir, ws) = connected_workspace(&test, TOKEN).await;
    let portal_id = test.portal_id();
    test.shutdown().await;
    let production = portal_with_token(TOKEN, |config| {
        config.portal.portal_id = portal_id;
        config.portal.account_type = AccountType::Standard;
    })
    .await;
    ws.store.lock().await.set_portal_base_url(portal_id, &production.base_url()).unwrap();
    let report = test_connection(&ws).await.unwrap();
    assert!(report.passed, "{report:?}");
    let portal = ws.active_portal().await.unwrap();
    assert_eq!((portal.environment, portal.check_passed), (PortalEnvironment::Production, Some(true)));
    production.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_connection_passes_and_a_disconnected_portal_is_refused_until_it_is_connected_again() {
    let f = fixture().await;
    let ws = &f.workspace;
    let builtin = ws.active_portal().await.unwrap();
    assert_eq!(builtin.environment, PortalEnvironment::BuiltinSandbox, "whatever its server says it is");
    let report = test_connection(ws).await.unwrap();
    assert!(report.passed, "{report:?}");
    let checked = ws.active_portal().await.unwrap();
    assert_eq!((checked.environment, checked.check_passed), (PortalEnvironment::BuiltinSandbox, Some(true)));

    let gone = disconnect(ws, None, "in the app").await.unwrap();
    assert_eq!(gone.portal.status, PortalStatus::Disconnected);
    let overview = portals_overview(ws).await.unwrap();
    assert_eq!(overview.portals.len(), 1, "its rules and runs are kept: {overview:?}");
    let refused = test_connection(ws).await.unwrap_err();
    assert_eq!(refused.code, "not_connected", "{refused:?}");
    let unknown = disconnect(ws, Some(1), "in the app").await.unwrap_err();
    assert_eq!(unknown.code, "portal_not_found");
    f.builtin.shutdown().await;
}

/// Another process (here a second workspace on the same store file, as the command line opens
/// it) disconnects the portal while the app writes to it: the app's run stops between batches,
/// resumable, and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_stops_when_another_process_disconnects_its_portal() {
    let dir = tempfile::tempdir().unwrap();
    // A second a batch, eight at a time: five rounds, time enough to disconnect between them.
    let faults = FaultConfig {
        latency_ms: 1000,
        latency_probability: 1.0,
        paths: vec!["/batch/".into()],
        ..FaultConfig::default()
    };
    let sandbox = portal_with_token(SANDBOX_TOKEN, |config| config.faults = faults).await;
    let app = open_workspace(dir.path());
    let summary = PortalSummary { base_url: sandbox.base_url(), portal_id: sandbox.portal_id(), contact_count: 0 };
    register_sandbox(&app, &summary).await.unwrap();
    {
        let mut store = app.store.lock().await;
        store.set_push_rules(Some(true), Some(true)).unwrap();
        for i in 0..4000 {
            store.add_lead(&format!("w{i}@example.com"), &[]).unwrap();
        }
    }
    let planned = preview(&app, PlanRequest::push(Vec::new()), |_| {}).await.unwrap();
    assert_eq!(planned.writes, 4000);

    let command_line = open_workspace(dir.path());
    let started = Instant::now();
    let (run, ()) = tokio::join!(run_previewed(&app, planned.run_id, started, |_| {}), async {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        disconnect(&command_line, None, "from the command line").await.unwrap();
    });
    let run = run.unwrap().ran().expect("not held");
    assert_eq!(run.status, RunStatus::Interrupted, "{run:?}");
    let reason = run.stop_reason.clone().unwrap_or_default();
    assert!(reason.contains("disconnected while the run went on"), "{reason}");
    assert!(run.counts.pending >= 100, "stopped well before the end: {:?}", run.counts);
    assert!(run.is_resumable());
    sandbox.shutdown().await;
}

/// A second portal connected with a token becomes the active one; either shell switches back
/// to a known portal, or to the built-in sandbox, by one use case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_active_portal_is_switched_between_known_portals_and_the_built_in_one() {
    const TOKEN: &str = "pat-na1-second-portal";
    let f = fixture().await;
    let ws = &f.workspace;
    let builtin = f.builtin.info().await.unwrap();
    let sandbox_id = portals_overview(ws).await.unwrap().active.unwrap().portal_id;
    let other =
        portal_with_token(TOKEN, |config| config.portal = PortalInfo { portal_id: 7_654_321, ..PortalInfo::default() })
            .await;
    let target = connect_target(ws, &other.base_url(), true).await.unwrap();
    let connected =
        connect_token(ws, &target, &pasted_token(TOKEN).unwrap(), TokenKind::PrivateApp, |_| {}).await.unwrap();
    assert_eq!(connected.previously_active, Some(sandbox_id), "{connected:?}");
    let overview = portals_overview(ws).await.unwrap();
    assert_eq!(overview.portals.len(), 2);
    assert_eq!(overview.active.unwrap().portal_id, other.portal_id());

    let back = use_portal(ws, sandbox_id).await.unwrap();
    assert!(back.active && back.portal_id == sandbox_id, "{back:?}");
    assert!(test_connection(ws).await.unwrap().passed, "the sandbox's own token is used again");
    assert_eq!(use_portal(ws, 424_242).await.unwrap_err().code, "portal_not_found");

    use_portal(ws, other.portal_id()).await.unwrap();
    let sandbox = use_sandbox(ws, &builtin).await.unwrap();
    assert_eq!(sandbox.portal_id, sandbox_id);
    assert_eq!(portals_overview(ws).await.unwrap().active.unwrap().portal_id, sandbox_id);
    other.shutdown().await;
    f.builtin.shutdown().await;
}

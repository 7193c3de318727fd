//! Test Connection's report of the scopes companies and deals need, against the sandbox: an
//! OAuth token's come from its own list (no call made for them), a private token's are probed;
//! a missing one fails no check, since contacts sync without them.

use std::sync::Arc;
use std::time::Duration;

use hubsync_auth::connection::{
    COMPANIES_READ, COMPANIES_WRITE, ConnectionReport, Credentials, DEALS_READ, ScopeSource, ScopeState, TokenFacts,
    test_connection,
};
use hubsync_auth::oauth::{ConnectOptions, Endpoints, OAuthGrant, connect};
use hubsync_auth::portals::{client_config, prove_grant, token_facts};
use hubsync_auth::session::SystemClock as AuthClock;
use hubsync_hubspot::{HubSpotClient, ObjectType, PortalLimiter, RateLimitSettings, Secret};
use hubsync_sandbox::{PrivateToken, Sandbox};
use hubsync_store::{SecretStoreKind, Store, SystemClock, TokenKind};

use crate::oauth::{CLIENT_SECRET, Decision, app, browser, free_port, oauth, options, portal};

const EVERY_SCOPE: &str = "pat-na1-every-scope";
const CONTACTS_AND_COMPANY_READS: &str = "pat-na1-company-reads";

fn states(report: &ConnectionReport) -> Vec<(&str, ScopeState, ScopeSource)> {
    report.scopes.iter().map(|s| (s.scope, s.state, s.source)).collect()
}

fn private_client(sandbox: &Sandbox, token: &str) -> HubSpotClient {
    let limits = RateLimitSettings::private_app(100);
    let config = client_config(&sandbox.base_url(), TokenKind::PrivateApp);
    HubSpotClient::new(config, Secret::new(token), Arc::new(PortalLimiter::new(limits))).unwrap()
}

async fn report_for(sandbox: &Sandbox, client: &HubSpotClient) -> ConnectionReport {
    let facts = TokenFacts { portal_id: sandbox.portal_id(), detail: "accepted".into(), ..TokenFacts::default() };
    test_connection(client, TokenKind::PrivateApp, sandbox.portal_id(), async { Ok(facts) }).await
}

#[tokio::test]
async fn a_private_tokens_scopes_are_probed_and_a_missing_one_fails_no_check() {
    let sandbox = portal(&[], |c| {
        c.private_tokens = vec![
            PrivateToken::new(EVERY_SCOPE),
            PrivateToken {
                token: CONTACTS_AND_COMPANY_READS.into(),
                scopes: [
                    "crm.objects.contacts.read",
                    "crm.objects.contacts.write",
                    "crm.objects.owners.read",
                    "crm.objects.companies.read",
                ]
                .map(String::from)
                .to_vec(),
            },
        ];
    })
    .await;
    let every = report_for(&sandbox, &private_client(&sandbox, EVERY_SCOPE)).await;
    assert!(every.passed, "{every:?}");
    assert_eq!(
        states(&every),
        [
            (COMPANIES_READ, ScopeState::Granted, ScopeSource::Probe),
            (COMPANIES_WRITE, ScopeState::Granted, ScopeSource::Probe),
            (DEALS_READ, ScopeState::Granted, ScopeSource::Probe),
        ]
    );

    let narrow = report_for(&sandbox, &private_client(&sandbox, CONTACTS_AND_COMPANY_READS)).await;
    assert!(narrow.passed, "contacts and owners are all a connection needs: {narrow:?}");
    assert_eq!(
        states(&narrow),
        [
            (COMPANIES_READ, ScopeState::Granted, ScopeSource::Probe),
            (COMPANIES_WRITE, ScopeState::Missing, ScopeSource::Probe),
            (DEALS_READ, ScopeState::Missing, ScopeSource::Probe),
        ]
    );
    let write = &narrow.scopes[1];
    assert!(write.detail.contains("lacks the scope crm.objects.companies.write"), "{}", write.detail);
    assert!(write.detail.contains("companies can't be created or updated"), "{}", write.detail);
    assert_eq!(sandbox.record_count(hubsync_sandbox::ObjectType::Company), 0, "the write probe wrote nothing");

    // A portal that can't be reached can't say: unknown, with why.
    let base = sandbox.base_url();
    sandbox.shutdown().await;
    let limits = RateLimitSettings::private_app(100);
    let mut config = client_config(&base, TokenKind::PrivateApp);
    config.max_attempts = 1;
    let orphan = HubSpotClient::new(config, Secret::new(EVERY_SCOPE), Arc::new(PortalLimiter::new(limits))).unwrap();
    let unknown = hubsync_auth::connection::optional_scopes(&orphan, None).await;
    assert!(unknown.iter().all(|s| s.state == ScopeState::Unknown && s.code.as_deref() == Some("hubspot_unreachable")));
}

/// Connects through the consent page (the test approving it), asking for `optional_scopes`.
async fn grant(sandbox: &Sandbox, port: u16, optional_scopes: Vec<String>) -> OAuthGrant {
    let (open, _browser) = browser(Decision::Approve, |u| u);
    let options = ConnectOptions { optional_scopes, ..options(vec![port], Duration::from_secs(30)) };
    connect(app(), Endpoints::at(&sandbox.base_url()), options, open).await.expect("connects")
}

#[tokio::test]
async fn an_oauth_tokens_scopes_come_from_its_own_list_and_the_optional_ones_are_asked_for() {
    let port = free_port();
    let sandbox = portal(&[port], |c| c.oauth_auto_approve = true).await;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("hubsync.db"), Arc::new(SystemClock)).unwrap();
    let credentials = Credentials::new(&store.store_id().unwrap(), dir.path().join("hubsync.db.secrets"));

    let with_them = grant(&sandbox, port, ConnectOptions::default().optional_scopes).await;
    for scope in [COMPANIES_READ, COMPANIES_WRITE, DEALS_READ] {
        assert!(with_them.info.scopes.iter().any(|s| s == scope), "{scope} was asked for and granted");
    }
    let without_them = grant(&sandbox, port, Vec::new()).await;
    assert!(!without_them.info.scopes.iter().any(|s| s == COMPANIES_READ), "{:?}", without_them.info.scopes);

    for (grant, expected) in [(with_them, ScopeState::Granted), (without_them, ScopeState::Missing)] {
        let config = client_config(&sandbox.base_url(), TokenKind::Oauth);
        let secret = Some(Secret::new(CLIENT_SECRET));
        let proven = prove_grant(
            oauth(&sandbox),
            &grant,
            config,
            secret,
            SecretStoreKind::File,
            Arc::new(AuthClock),
            &SystemClock,
        )
        .await
        .unwrap();
        credentials.save(&mut store, proven).await.unwrap();
        let portal = store.active_portal().unwrap().unwrap();
        let config = client_config(&portal.base_url, portal.token_kind);
        let client = credentials.client_for(portal.clone(), config, None, Arc::new(AuthClock)).unwrap();
        let report = test_connection(&client, TokenKind::Oauth, portal.portal_id, token_facts(&client)).await;
        assert!(report.passed, "{report:?}");
        assert!(report.scopes.iter().all(|s| s.state == expected && s.source == ScopeSource::Token), "{report:?}");
        assert_eq!(client.api_calls(), 3, "account details, contacts, owners: no probe");
        if expected == ScopeState::Missing {
            let deals = report.scopes.iter().find(|s| s.scope == DEALS_READ).unwrap();
            assert!(deals.detail.contains("connect again"), "{}", deals.detail);
        }
    }
    assert_eq!(COMPANIES_WRITE, ObjectType::Companies.write_scope());
}

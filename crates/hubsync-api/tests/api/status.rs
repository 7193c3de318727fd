//! The workspace at a glance, as `hubsync status` shows it.

use hubsync_api::connect::disconnect;
use hubsync_api::status::status;
use hubsync_auth::connection::{COMPANIES_READ, COMPANIES_WRITE, DEALS_READ, ScopeState};

use crate::support::{fixture, open_workspace};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_counts_the_store_and_asks_the_active_portal_once() {
    let f = fixture().await;
    let ws = &f.workspace;
    let seen = status(ws).await.unwrap();
    let active = seen.active.as_ref().expect("the sandbox is active");
    assert_eq!(active.name, hubsync_api::builtin::SANDBOX_NAME);
    assert_eq!((seen.counts.leads, seen.counts.linked_leads, seen.other_portals), (2, 0, 0));
    assert_eq!(seen.counts.mappings, 1 + hubsync_store::STANDARD_MAPPINGS.len(), "email and the standard mapping");
    assert!(seen.push_rules.update && seen.push_rules.create);
    let check = seen.check.expect("a connected portal is asked");
    assert!(check.reachable && check.error.is_none(), "{check:?}");
    assert_eq!(check.portal_id, Some(active.portal_id), "the token answers for the saved portal");
    assert!(check.rate_limit.is_some(), "{check:?}");
    let scopes: Vec<(&str, ScopeState)> = check.scopes.iter().map(|s| (s.scope, s.state)).collect();
    assert_eq!(
        scopes,
        [
            (COMPANIES_READ, ScopeState::Granted),
            (COMPANIES_WRITE, ScopeState::Granted),
            (DEALS_READ, ScopeState::Granted)
        ],
        "the built-in portal's token holds every scope"
    );

    // Disconnected: nothing is sent, and the check says why.
    disconnect(ws, None, "from the command line").await.unwrap();
    let seen = status(ws).await.unwrap();
    let check = seen.check.expect("the portal is still the active one");
    assert!(!check.reachable && check.portal_id.is_none(), "{check:?}");
    assert_eq!(check.error.unwrap().code, "not_connected");
    f.builtin.shutdown().await;
}

#[tokio::test]
async fn without_a_portal_the_status_has_only_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open_workspace(dir.path());
    let seen = status(&ws).await.unwrap();
    assert!(seen.active.is_none() && seen.check.is_none(), "{seen:?}");
    assert_eq!(seen.db_path, ws.db_path);
    assert_eq!(seen.counts.leads, 0);
}

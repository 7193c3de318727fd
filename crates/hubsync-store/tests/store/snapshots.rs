//! What pushes remember of contacts: an older read never replaces a newer one, a push that reads
//! everything starts a new epoch whose moment an older push can't set, and a live run forgets the
//! contacts it is about to write.

use std::collections::BTreeMap;

use hubsync_store::ContactSnapshot;

use crate::portals::connection;

fn snapshot(id: &str, epoch: i64, company: &str, modified_at: &str) -> ContactSnapshot {
    ContactSnapshot {
        contact_id: id.into(),
        epoch,
        properties: BTreeMap::from([("company".into(), Some(company.into())), ("city".into(), None)]),
        modified_at: Some(modified_at.into()),
    }
}

#[test]
fn an_older_read_never_replaces_a_newer_one() {
    let mut store = super::store();
    store.connect_portal(&connection(7, "portal")).unwrap();
    store.save_contact_snapshots(7, &[snapshot("1", 0, "New", "2026-12-07T10:00:00.500Z")]).unwrap();
    // Another process's read from before the change lands after it.
    store.save_contact_snapshots(7, &[snapshot("1", 0, "Old", "2026-12-07T09:59:59.000Z")]).unwrap();
    let kept = store.contact_snapshots(7, &["1", "2"]).unwrap();
    assert_eq!(kept.len(), 1, "only the contacts read");
    assert_eq!(kept["1"].properties["company"].as_deref(), Some("New"));
    assert_eq!(kept["1"].properties["city"], None, "an empty value is remembered as empty");
    store.save_contact_snapshots(7, &[snapshot("1", 0, "Newer", "2026-12-07T10:00:01Z")]).unwrap();
    assert_eq!(store.contact_snapshots(7, &["1"]).unwrap()["1"].properties["company"].as_deref(), Some("Newer"));
}

#[test]
fn a_push_of_an_older_epoch_sets_no_moment_and_a_restart_forgets_every_snapshot() {
    let mut store = super::store();
    store.connect_portal(&connection(7, "portal")).unwrap();
    assert_eq!(store.snapshots_state(7).unwrap(), (0, None));
    let first = store.restart_contact_snapshots(7).unwrap();
    store.save_contact_snapshots(7, &[snapshot("1", first, "Acme", "2026-12-07T10:00:00Z")]).unwrap();
    // Another push reads everything meanwhile: a new epoch, nothing of the old one left.
    let second = store.restart_contact_snapshots(7).unwrap();
    assert_eq!(second, first + 1);
    assert!(store.contact_snapshots(7, &["1"]).unwrap().is_empty());
    let at = "2026-12-07T10:05:00Z".parse().unwrap();
    assert!(!store.set_snapshots_valid_from(7, first, at).unwrap(), "the older push's moment is not set");
    assert_eq!(store.snapshots_state(7).unwrap(), (second, None));
    assert!(store.set_snapshots_valid_from(7, second, at).unwrap());
    assert_eq!(store.snapshots_state(7).unwrap(), (second, Some(at)));
    assert_eq!(store.snapshots_state(8).unwrap(), (0, None), "another portal has its own");
}

/// Two connections on one store file, as the app and a `hubsync` command are: one starts a new
/// epoch while the other was reading in the old one; the older push's snapshots and moment are
/// never used.
#[test]
fn a_push_in_another_connection_that_restarts_the_snapshots_voids_what_an_older_push_saves() {
    let dir = super::temp_dir("snapshots-two-connections");
    let path = dir.join("hubsync.db");
    let mut app = hubsync_store::Store::open(&path, super::clock()).unwrap();
    app.connect_portal(&connection(7, "portal")).unwrap();
    let mut cli = hubsync_store::Store::open(&path, super::clock()).unwrap();

    let app_epoch = app.restart_contact_snapshots(7).unwrap();
    let cli_epoch = cli.restart_contact_snapshots(7).unwrap();
    assert_ne!(app_epoch, cli_epoch);
    // The app's push, of the older epoch, saves a read and finishes after the command's.
    app.save_contact_snapshots(7, &[snapshot("1", app_epoch, "Acme", "2026-12-07T10:00:00Z")]).unwrap();
    let at = "2026-12-07T10:05:00Z".parse().unwrap();
    assert!(cli.set_snapshots_valid_from(7, cli_epoch, at).unwrap());
    assert!(!app.set_snapshots_valid_from(7, app_epoch, at).unwrap());
    let (epoch, from) = cli.snapshots_state(7).unwrap();
    assert_eq!((epoch, from), (cli_epoch, Some(at)));
    let saved = cli.contact_snapshots(7, &["1"]).unwrap();
    assert_eq!(saved["1"].epoch, app_epoch, "kept, but of an epoch no push plans from");
    drop((app, cli));
    std::fs::remove_dir_all(dir).unwrap();
}

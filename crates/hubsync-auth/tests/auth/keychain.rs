//! The secret stores: the OS keychain against a real Secret Service (gnome-keyring on a private
//! D-Bus session, started by each test), and the opt-in file store.

use hubsync_auth::keychain::{
    EntryName, SecretStore, SecretStoreError, SecretStoreKind, client_secret_entry, private_token_entry,
    refresh_token_entry,
};
use hubsync_hubspot::Secret;

/// Asserts that nothing an error shows contains `value`.
fn assert_no_secret(error: &SecretStoreError, value: &str) {
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(value), "an error shows the secret: {shown}");
}

#[cfg(target_os = "linux")]
mod os_keychain {
    use std::time::Duration;

    use hubsync_auth::keychain::testing::{SecretServiceDaemon, unreachable_bus_env};

    use super::*;
    use crate::support::{child_phase, run_child, test_name};

    /// Not the app's service, so a test run pointed at a real keyring by mistake would stand out.
    const SERVICE: &str = "app.hubsync.test";

    fn keychain() -> SecretStore {
        SecretStore::keychain(SERVICE)
    }

    fn started_daemon() -> SecretServiceDaemon {
        let daemon = SecretServiceDaemon::start().expect("a Secret Service (gnome-keyring) for the test");
        assert!(daemon.ready_in() < Duration::from_secs(30));
        daemon
    }

    /// Runs `body` in a child process whose keychain is a fresh Secret Service.
    fn in_keychain_child(test_path: &str, body: impl FnOnce(SecretStore)) {
        let test = test_name(test_path);
        if child_phase(test).is_some() {
            return body(keychain());
        }
        let daemon = started_daemon();
        run_child(test, "main", daemon.env());
    }

    #[test]
    fn a_stored_token_reads_back() {
        in_keychain_child(concat!(module_path!(), "::a_stored_token_reads_back"), |store| {
            let entry = refresh_token_entry(123);
            store.set(&entry, &Secret::new("refresh-0f7d2a")).unwrap();
            assert_eq!(store.get(&entry).unwrap().unwrap().expose(), "refresh-0f7d2a");
        });
    }

    #[test]
    fn a_second_set_replaces_the_value() {
        in_keychain_child(concat!(module_path!(), "::a_second_set_replaces_the_value"), |store| {
            let entry = private_token_entry(123);
            store.set(&entry, &Secret::new("pat-na1-first")).unwrap();
            store.set(&entry, &Secret::new("pat-na1-second")).unwrap();
            assert_eq!(store.get(&entry).unwrap().unwrap().expose(), "pat-na1-second");
        });
    }

    #[test]
    fn delete_removes_and_a_missing_entry_is_not_an_error() {
        in_keychain_child(concat!(module_path!(), "::delete_removes_and_a_missing_entry_is_not_an_error"), |store| {
            let entry = refresh_token_entry(7);
            assert!(store.get(&entry).unwrap().is_none(), "nothing stored yet");
            assert!(!store.delete(&entry).unwrap(), "deleting what isn't there");
            store.set(&entry, &Secret::new("refresh-7")).unwrap();
            assert!(store.delete(&entry).unwrap());
            assert!(store.get(&entry).unwrap().is_none());
            assert!(!store.delete(&entry).unwrap());
        });
    }

    #[test]
    fn entries_do_not_collide() {
        in_keychain_child(concat!(module_path!(), "::entries_do_not_collide"), |store| {
            let entries = [
                (refresh_token_entry(1), "refresh-1"),
                (private_token_entry(1), "private-1"),
                (refresh_token_entry(11), "refresh-11"),
                (client_secret_entry("1"), "client-secret-1"),
            ];
            for (entry, value) in &entries {
                store.set(entry, &Secret::new(*value)).unwrap();
            }
            for (entry, value) in &entries {
                assert_eq!(store.get(entry).unwrap().unwrap().expose(), *value, "{entry}");
            }
            // Another service's entry of the same name is another entry.
            assert!(SecretStore::keychain("app.hubsync.other").get(&refresh_token_entry(1)).unwrap().is_none());
            assert!(store.delete(&refresh_token_entry(1)).unwrap());
            assert_eq!(store.get(&refresh_token_entry(11)).unwrap().unwrap().expose(), "refresh-11");
            assert_eq!(store.get(&private_token_entry(1)).unwrap().unwrap().expose(), "private-1");
        });
    }

    /// The value is in the daemon, not in the process that stored it: a new process, and the
    /// daemon's own item list, see it.
    #[test]
    fn a_token_stored_by_one_process_is_read_by_another() {
        let test = test_name(concat!(module_path!(), "::a_token_stored_by_one_process_is_read_by_another"));
        let entry = refresh_token_entry(424242);
        match child_phase(test).as_deref() {
            Some("store") => return keychain().set(&entry, &Secret::new("refresh-from-a-past-process")).unwrap(),
            Some("read") => {
                return assert_eq!(keychain().get(&entry).unwrap().unwrap().expose(), "refresh-from-a-past-process");
            }
            Some("delete") => return assert!(keychain().delete(&entry).unwrap()),
            Some("gone") => return assert!(keychain().get(&entry).unwrap().is_none()),
            _ => {}
        }
        let daemon = started_daemon();
        run_child(test, "store", daemon.env());
        assert_eq!(daemon.item_labels().unwrap(), ["Hubsync: HubSpot portal 424242 refresh token"]);
        run_child(test, "read", daemon.env());
        run_child(test, "delete", daemon.env());
        assert!(daemon.item_labels().unwrap().is_empty());
        run_child(test, "gone", daemon.env());
    }

    #[test]
    fn probe_and_status_of_a_working_keychain() {
        let test = test_name(concat!(module_path!(), "::probe_and_status_of_a_working_keychain"));
        if child_phase(test).is_some() {
            let store = keychain();
            store.probe().unwrap();
            assert_eq!(store.kind(), SecretStoreKind::Keychain);
            assert_eq!(store.describe(), "OS keychain (Secret Service)");
            return;
        }
        let daemon = started_daemon();
        run_child(test, "main", daemon.env());
        assert!(daemon.item_labels().unwrap().is_empty(), "a probe stores nothing");
    }

    #[test]
    fn async_callers_get_the_same_store() {
        in_keychain_child(concat!(module_path!(), "::async_callers_get_the_same_store"), |store| {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let entry = client_secret_entry("5e3b");
                store.probe_async().await.unwrap();
                store.set_async(&entry, &Secret::new("client-secret-5e3b")).await.unwrap();
                assert_eq!(store.get_async(&entry).await.unwrap().unwrap().expose(), "client-secret-5e3b");
                assert!(store.delete_async(&entry).await.unwrap());
                assert!(store.get_async(&entry).await.unwrap().is_none());
            });
        });
    }

    /// Every operation on an unusable keychain fails the same way, saying what was tried and
    /// what to do, and never showing the value.
    fn assert_unavailable(store: &SecretStore, why: &str) {
        let entry = refresh_token_entry(9);
        let value = Secret::new("refresh-never-shown-3c1e");
        let errors = [
            store.probe().unwrap_err(),
            store.get(&entry).unwrap_err(),
            store.set(&entry, &value).unwrap_err(),
            store.delete(&entry).unwrap_err(),
        ];
        for error in &errors {
            assert_eq!(error.code(), "keychain_unavailable", "{error}");
            let message = error.to_string();
            for part in ["Secret Service", why, "GNOME Keyring", "KWallet", "a file only you can read"] {
                assert!(message.contains(part), "{part:?} missing from: {message}");
            }
            // The shells name their own way to opt in: a flag, or a setting.
            assert!(!message.contains("--insecure-file-store"), "no command line in the core's words: {message}");
            assert_no_secret(error, value.expose());
        }
    }

    #[test]
    fn no_session_bus_means_keychain_unavailable() {
        let test = test_name(concat!(module_path!(), "::no_session_bus_means_keychain_unavailable"));
        if child_phase(test).is_some() {
            return assert_unavailable(&keychain(), "org.freedesktop.DBus.Error.FileNotFound");
        }
        let dir = tempfile::tempdir().unwrap();
        run_child(test, "main", unreachable_bus_env(dir.path()));
    }

    #[test]
    fn a_bus_without_a_secret_service_means_keychain_unavailable() {
        let test = test_name(concat!(module_path!(), "::a_bus_without_a_secret_service_means_keychain_unavailable"));
        if child_phase(test).is_some() {
            return assert_unavailable(&keychain(), "org.freedesktop.DBus.Error.ServiceUnknown");
        }
        let bus = SecretServiceDaemon::bus_without_secret_service().unwrap();
        run_child(test, "main", bus.env());
    }

    /// A locked keyring needs an unlock prompt; with nobody to answer it (no prompter here, a
    /// dismissed prompt on a desktop) the keychain is unavailable, and the value stays unread.
    #[test]
    fn a_locked_keyring_means_keychain_unavailable() {
        let test = test_name(concat!(module_path!(), "::a_locked_keyring_means_keychain_unavailable"));
        let entry = refresh_token_entry(5);
        match child_phase(test).as_deref() {
            Some("store") => return keychain().set(&entry, &Secret::new("refresh-locked-away-9d2f")).unwrap(),
            Some("locked") => {
                let error = keychain().get(&entry).unwrap_err();
                assert_eq!(error.code(), "keychain_unavailable", "{error}");
                assert!(error.to_string().contains("unlock"), "{error}");
                assert_no_secret(&error, "refresh-locked-away-9d2f");
                let error = keychain().set(&entry, &Secret::new("refresh-new-7a7a")).unwrap_err();
                assert_eq!(error.code(), "keychain_unavailable", "{error}");
                assert_no_secret(&error, "refresh-new-7a7a");
                return;
            }
            _ => {}
        }
        let daemon = started_daemon();
        run_child(test, "store", daemon.env());
        daemon.lock_default_collection().unwrap();
        run_child(test, "locked", daemon.env());
    }

    #[test]
    fn arbitrary_entry_names_work_too() {
        in_keychain_child(concat!(module_path!(), "::arbitrary_entry_names_work_too"), |store| {
            let entry = EntryName::new("portal-1/some thing: with spaces/é", "Hubsync: a test entry");
            store.set(&entry, &Secret::new("ünïcödé value with spaces\nand a newline")).unwrap();
            assert_eq!(store.get(&entry).unwrap().unwrap().expose(), "ünïcödé value with spaces\nand a newline");
        });
    }
}

mod file_store {
    use std::fs;
    use std::path::Path;

    use super::*;

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn round_trip_overwrite_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::file(dir.path().join("secrets.json"));
        let (refresh, private) = (refresh_token_entry(123), private_token_entry(123));
        assert!(store.get(&refresh).unwrap().is_none(), "no file yet");
        assert!(!store.delete(&refresh).unwrap(), "deleting from no file");
        store.set(&refresh, &Secret::new("refresh-1")).unwrap();
        store.set(&private, &Secret::new("pat-na1-1")).unwrap();
        store.set(&refresh, &Secret::new("refresh-2")).unwrap();
        assert_eq!(store.get(&refresh).unwrap().unwrap().expose(), "refresh-2");
        assert_eq!(store.get(&private).unwrap().unwrap().expose(), "pat-na1-1");
        // Another store on the same file (another process) sees the same.
        let again = SecretStore::file(dir.path().join("secrets.json"));
        assert_eq!(again.get(&private).unwrap().unwrap().expose(), "pat-na1-1");
        assert!(store.delete(&refresh).unwrap());
        assert!(!store.delete(&refresh).unwrap());
        assert!(store.get(&refresh).unwrap().is_none());
        assert_eq!(store.get(&private).unwrap().unwrap().expose(), "pat-na1-1");
        let json: serde_json::Value = serde_json::from_slice(&fs::read(store_path(&dir)).unwrap()).unwrap();
        assert_eq!(json, serde_json::json!({"portal-123/private-token": "pat-na1-1"}));
    }

    fn store_path(dir: &tempfile::TempDir) -> std::path::PathBuf {
        dir.path().join("secrets.json")
    }

    #[test]
    fn status_names_the_file() {
        let store = SecretStore::file("/home/ann/.local/share/app.hubsync.desktop/secrets.json");
        assert_eq!(store.kind(), SecretStoreKind::File);
        assert_eq!(store.kind().as_str(), "file");
        assert_eq!(
            store.describe(),
            "file /home/ann/.local/share/app.hubsync.desktop/secrets.json (readable by you only)"
        );
        assert_eq!(serde_json::to_value(SecretStoreKind::Keychain).unwrap(), "keychain");
    }

    #[test]
    fn the_folder_is_created_and_nothing_but_the_file_and_its_lock_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new").join("folder").join("secrets.json");
        let store = SecretStore::file(&path);
        store.set(&refresh_token_entry(1), &Secret::new("refresh-1")).unwrap();
        store.set(&refresh_token_entry(2), &Secret::new("refresh-2")).unwrap();
        store.delete(&refresh_token_entry(1)).unwrap();
        assert_eq!(names_in(path.parent().unwrap()), ["secrets.json", "secrets.json.lock"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&path.with_extension("json.lock")), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
            assert_eq!(mode(&dir.path().join("new")), 0o700);
        }
    }

    /// The file is replaced by a rename, never rewritten in place: whoever opened the old one
    /// reads it whole, and the new one is another file.
    #[cfg(unix)]
    #[test]
    fn a_change_replaces_the_file_whole() {
        use std::io::Read;
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = store_path(&dir);
        let store = SecretStore::file(&path);
        store.set(&refresh_token_entry(1), &Secret::new("refresh-old")).unwrap();
        let mut old = fs::File::open(&path).unwrap();
        let old_inode = old.metadata().unwrap().ino();
        store.set(&refresh_token_entry(1), &Secret::new("refresh-new")).unwrap();
        assert_ne!(fs::metadata(&path).unwrap().ino(), old_inode);
        let mut old_text = String::new();
        old.read_to_string(&mut old_text).unwrap();
        assert!(old_text.contains("refresh-old") && !old_text.contains("refresh-new"), "{old_text}");
        assert!(fs::read_to_string(&path).unwrap().contains("refresh-new"));
    }

    /// Writers in parallel (the CLI and the app, or two threads) each keep their entry.
    #[test]
    fn parallel_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = store_path(&dir);
        std::thread::scope(|scope| {
            for portal in 0..8u64 {
                let path = &path;
                scope.spawn(move || {
                    let store = SecretStore::file(path);
                    for round in 0..5 {
                        store
                            .set(&refresh_token_entry(portal), &Secret::new(format!("refresh-{portal}-{round}")))
                            .unwrap();
                    }
                });
            }
        });
        let store = SecretStore::file(&path);
        for portal in 0..8u64 {
            assert_eq!(
                store.get(&refresh_token_entry(portal)).unwrap().unwrap().expose(),
                format!("refresh-{portal}-4")
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_file_other_users_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = store_path(&dir);
        let store = SecretStore::file(&path);
        store.set(&refresh_token_entry(1), &Secret::new("refresh-exposed-5b5b")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let before = fs::read(&path).unwrap();
        let errors = [
            store.get(&refresh_token_entry(1)).unwrap_err(),
            store.probe().unwrap_err(),
            store.set(&refresh_token_entry(2), &Secret::new("refresh-new-6c6c")).unwrap_err(),
            store.delete(&refresh_token_entry(1)).unwrap_err(),
        ];
        for error in &errors {
            assert_eq!(error.code(), "secret_file_error");
            let message = error.to_string();
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert!(message.contains("mode 0644"), "{message}");
            assert!(message.contains(&format!("chmod 600 {}", path.display())), "{message}");
            assert_no_secret(error, "refresh-exposed-5b5b");
            assert_no_secret(error, "refresh-new-6c6c");
        }
        assert_eq!(fs::read(&path).unwrap(), before, "a refused file is left as it was");
        // Group-writable only is refused too.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o620)).unwrap();
        assert_eq!(store.get(&refresh_token_entry(1)).unwrap_err().code(), "secret_file_error");
        // Fixed as the message says, it works again.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(store.get(&refresh_token_entry(1)).unwrap().unwrap().expose(), "refresh-exposed-5b5b");
    }

    #[test]
    fn a_damaged_file_is_an_error_that_quotes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = store_path(&dir);
        let store = SecretStore::file(&path);
        let write_private = |text: &str| {
            let _ = fs::remove_file(&path);
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            std::io::Write::write_all(&mut options.open(&path).unwrap(), text.as_bytes()).unwrap();
        };
        for (text, problem) in [
            ("pat-na1-raw-token-1a1a", "it is not valid JSON"),
            ("\"pat-na1-quoted-token-2b2b\"", "it is not a JSON object"),
            ("{\"portal-1/refresh-token\": [\"refresh-in-a-list-3c3c\"]}", "it is not a JSON object"),
            ("{\"portal-1/refresh-token\": \"refresh-cut-4d4d", "it is not valid JSON"),
        ] {
            write_private(text);
            let error = store.get(&refresh_token_entry(1)).unwrap_err();
            assert_eq!(error.code(), "secret_file_error");
            assert!(error.to_string().contains(problem), "{error}");
            assert!(error.to_string().contains(&path.display().to_string()), "{error}");
            for secret in ["1a1a", "2b2b", "3c3c", "4d4d"] {
                assert_no_secret(&error, secret);
            }
        }
        // An empty file holds nothing.
        write_private("");
        assert!(store.get(&refresh_token_entry(1)).unwrap().is_none());
        store.probe().unwrap();
    }

    #[test]
    fn probe_accepts_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        SecretStore::file(dir.path().join("not-yet").join("secrets.json")).probe().unwrap();
        assert!(!dir.path().join("not-yet").exists(), "a probe creates nothing");
    }

    #[tokio::test]
    async fn async_callers_get_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::file(store_path(&dir));
        let entry = client_secret_entry("ab12");
        store.set_async(&entry, &Secret::new("client-secret-ab12")).await.unwrap();
        assert_eq!(store.get_async(&entry).await.unwrap().unwrap().expose(), "client-secret-ab12");
        assert!(store.delete_async(&entry).await.unwrap());
        store.probe_async().await.unwrap();
    }
}

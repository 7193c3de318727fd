//! The lead store's file in trouble, as the command line meets it: held by another Hubsync, on
//! a full disk, from a newer Hubsync, damaged. Each fails with a clear message naming the file
//! and what to do, exit status 1, and leaves the data as it was.

use crate::support::{Hub, Run};

/// The file's bytes, compared whole (stronger than a hash of them).
fn digest(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

fn hub_with_leads(count: usize) -> Hub {
    let hub = Hub::new();
    let mut csv = String::from("email,company\n");
    for i in 0..count {
        csv.push_str(&format!("lead{i}@example.com,Company {i:04} {}\n", "x".repeat(60)));
    }
    let file = hub.dir().join("leads.csv");
    std::fs::write(&file, csv).unwrap();
    hub.run(&["leads", "import", file.to_str().unwrap()]).ok();
    hub
}

fn leads_json(hub: &Hub) -> serde_json::Value {
    hub.json(&["leads", "list"])
}

/// Every row of every table, as text: what the store holds, whatever command shows it.
fn contents(hub: &Hub) -> Vec<String> {
    let conn = rusqlite::Connection::open(&hub.db).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut rows = Vec::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = stmt.column_count();
        let mut query = stmt.query([]).unwrap();
        while let Some(row) = query.next().unwrap() {
            let values: Vec<String> = (0..columns).map(|i| format!("{:?}", row.get_ref(i).unwrap())).collect();
            rows.push(format!("{table}: {}", values.join(", ")));
        }
    }
    rows
}

/// The human output of a failed command: the message on stderr, then its hint.
fn says(run: &Run, words: &[&str]) {
    for word in words {
        assert!(run.stderr.contains(word), "{word:?} in {run:?}");
    }
}

#[test]
fn a_store_another_hubsync_holds_refuses_writes_clearly_and_keeps_its_data() {
    let hub = hub_with_leads(3);
    let before = leads_json(&hub);
    let held = contents(&hub);
    let db = hub.db.display().to_string();

    // Another process in the middle of a write: writes wait for it, then give up; reads go on.
    let holder = rusqlite::Connection::open(&hub.db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE; DELETE FROM lead_values;").unwrap();
    let error = hub.json_error(&["leads", "add", "--email", "new@example.com"]);
    assert_eq!(error["code"], "store_busy", "{error}");
    assert!(error["message"].as_str().unwrap().contains("in use by another Hubsync"), "{error}");
    assert!(error["hint"].as_str().unwrap().contains(&db), "the hint names the file: {error}");
    assert_eq!(leads_json(&hub), before, "a read shows the last committed data meanwhile");
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(leads_json(&hub), before, "the refused write left nothing");

    // Another process holding the file exclusively: even reads can't start, and say why.
    holder.pragma_update(None, "locking_mode", "EXCLUSIVE").unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE; COMMIT;").unwrap();
    let read = hub.run(&["leads", "list"]).fails();
    says(&read, &["in use by another Hubsync", "try again", "close the Hubsync app", &db]);
    drop(holder);
    assert_eq!(leads_json(&hub), before);
    assert_eq!(contents(&hub), held, "not a row changed anywhere");
}

#[test]
fn a_full_disk_fails_the_import_clearly_and_the_store_holds_what_it_held() {
    let hub = hub_with_leads(3);
    let before = leads_json(&hub);
    let held = contents(&hub);
    let files_before = hub.files_beside_the_store();
    let mut csv = String::from("email,company\n");
    for i in 0..3000 {
        csv.push_str(&format!("big{i}@example.com,Big Company {i:05} {}\n", "y".repeat(100)));
    }
    let file = hub.dir().join("big.csv");
    std::fs::write(&file, csv).unwrap();
    // The store's files may be rewritten in place and the WAL may start, but nothing may grow
    // past the store's size today: the import's 3,000 rows need more.
    let limit_kib = std::fs::metadata(&hub.db).unwrap().len().div_ceil(1024);
    assert!(limit_kib >= 32, "room for SQLite's 32 KiB shared-memory file ({limit_kib} KiB)");

    let run = hub.run_with_file_size_limit(limit_kib, &["--json", "leads", "import", file.to_str().unwrap()]);
    let error = run.fails().json()["error"].clone();
    assert_eq!(error["code"], "store_disk_full", "{error}");
    assert!(error["message"].as_str().unwrap().contains("the disk is full"), "{error}");
    assert!(error["hint"].as_str().unwrap().contains(&hub.db.display().to_string()), "{error}");
    let human = hub.run_with_file_size_limit(limit_kib, &["leads", "import", file.to_str().unwrap()]).fails();
    says(&human, &["Nothing was changed", "free space on the disk"]);

    assert_eq!(leads_json(&hub), before, "not one of the 3,000 rows went in");
    assert_eq!(contents(&hub), held, "not a row changed anywhere");
    assert_eq!(hub.files_beside_the_store(), files_before, "no journal left behind");
    let store = hubsync_store::Store::open(&hub.db, std::sync::Arc::new(hubsync_store::SystemClock)).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    drop(store);
    // With room again, the same import works: the failure was the disk, not the store.
    hub.run(&["leads", "import", file.to_str().unwrap()]).ok();
    assert_eq!(leads_json(&hub)["leads"].as_array().unwrap().len(), 3003);
}

#[test]
fn a_store_from_a_newer_hubsync_is_refused_and_not_a_byte_changes() {
    let hub = hub_with_leads(3);
    let conn = rusqlite::Connection::open(&hub.db).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let bytes = digest(&hub.db);
    let files = hub.files_beside_the_store();

    for args in [&["leads", "list"][..], &["leads", "add", "--email", "new@example.com"], &["push", "--preview"]] {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let error = hub.run(&all).fails().json()["error"].clone();
        assert_eq!(error["code"], "store_too_new", "{args:?}: {error}");
        assert!(error["message"].as_str().unwrap().contains("newer Hubsync"), "{error}");
        assert!(error["hint"].as_str().unwrap().contains("update Hubsync"), "{error}");
    }
    assert_eq!(digest(&hub.db), bytes, "the file is as it was");
    assert_eq!(hub.files_beside_the_store(), files);
}

/// A damaged store: every command says so, names the file and what to do, and neither
/// writes to it nor puts a new empty store in its place.
fn refused_as_damaged(hub: &Hub, what: &str) {
    let bytes = digest(&hub.db);
    let files = hub.files_beside_the_store();
    let db = hub.db.display().to_string();
    for args in [&["leads", "list"][..], &["leads", "add", "--email", "new@example.com"]] {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let error = hub.run(&all).fails().json()["error"].clone();
        assert_eq!(error["code"], "store_file_damaged", "{what}, {args:?}: {error}");
        assert!(error["message"].as_str().unwrap().contains("is damaged"), "{what}: {error}");
        let hint = error["hint"].as_str().unwrap();
        assert!(hint.contains(&db) && hint.contains("move it aside") && hint.contains("backup"), "{what}: {hint}");
    }
    let human = hub.run(&["leads", "list"]).fails();
    says(&human, &["is damaged", "left the file as it is", &db]);
    assert_eq!(digest(&hub.db), bytes, "{what}: the file is as it was");
    assert_eq!(hub.files_beside_the_store(), files, "{what}: nothing new beside it");
}

#[test]
fn a_damaged_store_is_named_left_alone_and_never_replaced() {
    // Garbage where SQLite's header is.
    let hub = hub_with_leads(300);
    let mut bytes = digest(&hub.db);
    bytes[..100].copy_from_slice(&[b'#'; 100]);
    std::fs::write(&hub.db, &bytes).unwrap();
    refused_as_damaged(&hub, "garbage header");

    // Cut in half (a copy that stopped part way).
    let hub = hub_with_leads(300);
    let bytes = digest(&hub.db);
    std::fs::write(&hub.db, &bytes[..bytes.len() / 2]).unwrap();
    refused_as_damaged(&hub, "truncated file");

    // The leads table's first page overwritten with junk.
    let hub = hub_with_leads(300);
    let (root, page_size): (usize, usize) = {
        let conn = rusqlite::Connection::open(&hub.db).unwrap();
        let root = conn.query_row("SELECT rootpage FROM sqlite_master WHERE name = 'leads'", [], |r| r.get(0)).unwrap();
        (root, conn.pragma_query_value(None, "page_size", |r| r.get(0)).unwrap())
    };
    let mut bytes = digest(&hub.db);
    let at = (root - 1) * page_size;
    for (i, byte) in bytes[at..at + page_size].iter_mut().enumerate() {
        *byte = (i * 31 + 7) as u8;
    }
    std::fs::write(&hub.db, &bytes).unwrap();
    refused_as_damaged(&hub, "junk page");
}

//! The journal (`hubsync_store::journal`) is the sync engine's alone: no other crate of the
//! workspace (the shells, the app layer, the client, auth, the sandbox) imports it. Its traits
//! keep its operations off `Store` unless imported; this finds an import the compiler can't
//! refuse.

use std::path::{Path, PathBuf};

/// The lines of `source` that reach into the journal: a path through `journal::`, the module in
/// a `hubsync_store::{…}` group, or either trait by name. Comment lines are passed over.
fn journal_uses(source: &str) -> Vec<String> {
    let code: Vec<&str> = source.lines().filter(|line| !line.trim_start().starts_with("//")).collect();
    let mut found: Vec<String> = code
        .iter()
        .filter(|line| line.contains("journal::") || has_word(line, "Journal") || has_word(line, "PlanJournal"))
        .map(|line| line.trim().to_string())
        .collect();
    // `use hubsync_store::{journal, …}`, which may span lines.
    let joined = code.join("\n");
    let mut rest = joined.as_str();
    while let Some(at) = rest.find("hubsync_store::{") {
        let group = &rest[at..];
        let end = group.find('}').unwrap_or(group.len());
        if has_word(&group[..end], "journal") {
            found.push(group[..end + 1].split_whitespace().collect::<Vec<_>>().join(" "));
        }
        rest = &group[end..];
    }
    found
}

/// `word` in `text` with no identifier character on either side.
fn has_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(is_ident)
            && !text[at + word.len()..].chars().next().is_some_and(is_ident)
    })
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy();
        if path.is_dir() {
            if !(name.starts_with('.') || name == "target" || name == "node_modules") {
                rust_files(&path, files);
            }
        } else if name.ends_with(".rs") {
            files.push(path);
        }
    }
}

#[test]
fn the_check_sees_each_way_in() {
    for source in [
        "use hubsync_store::journal::Journal;",
        "use hubsync_store::journal::{Journal, PlanJournal};",
        "use hubsync_store::journal::*;",
        "use hubsync_store::{Store,\n    journal, RunKind};",
        "    hubsync_store::journal::Journal::mark_sent(&mut store, 1, &[2])?;",
        "fn f(store: &mut impl PlanJournal) {}",
    ] {
        assert!(!journal_uses(source).is_empty(), "not seen: {source}");
    }
    for source in [
        "use hubsync_store::{RunItem, Store};",
        "// the journal's order: hubsync_store::journal::Journal",
        "let journal = store.run_items(run_id)?; // no journal left behind",
        "assert_eq!(files, before, \"no journal left behind\");",
        "struct JournalEntry; fn journaled() {}",
    ] {
        assert_eq!(journal_uses(source), Vec::<String>::new(), "seen in: {source}");
    }
}

#[test]
fn only_the_sync_engine_imports_the_journal() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut dirs = vec![root.join("src-tauri")];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        // The store defines the journal; the sync engine is the one crate that keeps it.
        if dir.is_dir() && name != "hubsync-store" && name != "hubsync-sync" {
            dirs.push(dir);
        }
    }
    let mut files = Vec::new();
    for dir in &dirs {
        rust_files(dir, &mut files);
    }
    for shell in ["src-tauri/src/lib.rs", "crates/hubsync-cli/src/main.rs"] {
        assert!(files.contains(&root.join(shell)), "{shell} was not read: the check would see nothing");
    }
    let mut uses = Vec::new();
    for file in &files {
        for found in journal_uses(&std::fs::read_to_string(file).unwrap()) {
            uses.push(format!("{}: {found}", file.strip_prefix(&root).unwrap().display()));
        }
    }
    assert!(
        uses.is_empty(),
        "only hubsync-sync imports hubsync_store::journal; write runs through its use cases instead:\n{}",
        uses.join("\n")
    );
}

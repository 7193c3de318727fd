//! `ErrorCode` lists every code an error can reach a shell with: each literal a core error's
//! `code()` returns, and each code the shells' adapters make, is one of its variants. Read from
//! the sources, since the codes are strings in crates that know nothing of this one.

use std::path::{Path, PathBuf};

use hubsync_api::ErrorCode;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// The `"…"` literals in `text` that look like codes (lower case and underscores).
fn code_literals(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(str::to_owned)
        .collect()
}

/// The body of each `fn code(&self) -> &'static str` in `source`.
fn code_fn_bodies(source: &str) -> Vec<&str> {
    let mut bodies = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("fn code(&self) -> &'static str {") {
        let body = &rest[at..];
        let end = body.find("\n    }").unwrap_or(body.len());
        bodies.push(&body[..end]);
        rest = &body[end..];
    }
    bodies
}

/// Every code the core's errors and the app's adapters can produce, with where it is written.
fn codes_in_sources() -> Vec<(String, PathBuf)> {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates/hubsync-store/src", "crates/hubsync-hubspot/src", "crates/hubsync-auth/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    for dir in ["crates/hubsync-sync/src", "crates/hubsync-email/src", "src-tauri/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut found = Vec::new();
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        for body in code_fn_bodies(&source) {
            found.extend(code_literals(body).into_iter().map(|c| (c, path.clone())));
        }
        // A code written as a constant (`InsecureBaseUrl::CODE`).
        for line in source.lines().filter(|l| l.contains("const CODE: &'static str")) {
            found.extend(code_literals(line).into_iter().map(|c| (c, path.clone())));
        }
    }
    assert!(found.len() > 50, "the scan found only {} codes: did the sources move?", found.len());
    found
}

#[test]
fn every_code_a_core_error_or_the_app_can_return_is_an_error_code() {
    let missing: Vec<String> = codes_in_sources()
        .into_iter()
        .filter(|(code, _)| ErrorCode::parse(code).is_none())
        .map(|(code, path)| format!("{code} ({})", path.display()))
        .collect();
    assert!(missing.is_empty(), "codes missing from hubsync_api::ErrorCode: {missing:?}");
}

#[test]
fn the_scanner_reads_code_functions_only() {
    let source = r#"
impl E {
    pub fn code(&self) -> &'static str {
        match self {
            E::A => "first_code",
            E::B(e) => e.code(),
        }
    }

    fn other(&self) -> &'static str { "not_a_code" }
}"#;
    let bodies = code_fn_bodies(source);
    assert_eq!(bodies.len(), 1);
    assert_eq!(code_literals(bodies[0]), ["first_code"]);
}

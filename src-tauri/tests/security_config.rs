//! The app's attack surface, read from the files that define it: the Tauri configuration, the
//! capability that grants the page its commands, the commands the shell declares (one list,
//! `src/commands/list.rs`), and the commands the UI really calls. Adding a command without granting it,
//! granting one nobody calls, granting a plugin, or loosening the CSP fails here.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn shell_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
}

fn tauri_conf() -> Value {
    serde_json::from_str(&read(&shell_dir().join("tauri.conf.json"))).expect("tauri.conf.json is JSON")
}

/// The capability files, by file name.
fn capabilities() -> Vec<(String, Value)> {
    let dir = shell_dir().join("capabilities");
    let mut found: Vec<(String, Value)> = fs::read_dir(&dir)
        .expect("capabilities/ exists")
        .map(|entry| entry.expect("capabilities/ is readable").path())
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(name.ends_with(".json"), "capabilities/{name}: only JSON capabilities are checked here");
            (
                name,
                serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("capabilities/{}: {e}", path.display())),
            )
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// The commands `src/commands/list.rs` declares (`module::command`), by function name: the
/// handlers `lib.rs` registers and the ones `build.rs` makes permissions for.
fn declared_commands() -> Vec<String> {
    let list = read(&shell_dir().join("src/commands/list.rs"));
    let start = list.find("app_commands![").expect("list.rs declares its commands with app_commands!");
    let body = &list[start + "app_commands![".len()..];
    let body = &body[..body.find(']').expect("app_commands! ends")];
    body.split(',')
        .map(str::trim)
        .filter(|path| !path.is_empty())
        .map(|path| path.rsplit("::").next().unwrap().to_owned())
        .collect()
}

/// The names `ui/src/bindings/CommandName.ts` (written by build.rs) allows.
fn typed_command_names() -> Vec<String> {
    let text = read(&shell_dir().join("../ui/src/bindings/CommandName.ts"));
    text.lines()
        .filter_map(|line| line.trim().trim_end_matches(';').strip_prefix("| \"")?.strip_suffix('"'))
        .map(str::to_owned)
        .collect()
}

/// How the UI's source names a command: `call("x"`, `call<T>("x"` or the sync screens'
/// `withProgress("x"`, which forwards its `command` argument to `call`.
const CALLERS: &[&str] = &["call", "withProgress"];
/// Forwarders that pass a variable, not a literal, on to `call` (file, argument name).
const FORWARDERS: &[(&str, &str)] = &[("sync/ipc.ts", "command")];

#[derive(Default)]
struct UiCalls {
    /// Every literal command name the UI calls.
    literal: BTreeSet<String>,
    /// Calls whose command is not a literal: (file, first argument).
    dynamic: Vec<(String, String)>,
}

fn ui_source_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            // Tests and their helpers call no command of their own; generated bindings neither.
            if name != "test" && name != "bindings" {
                ui_source_files(&path, into);
            }
        } else if (name.ends_with(".ts") || name.ends_with(".tsx")) && !name.contains(".test.") {
            into.push(path);
        }
    }
}

/// Scans `source` for calls of the `CALLERS` and records their first argument.
fn scan_calls(file: &str, source: &str, calls: &mut UiCalls) {
    let bytes = source.as_bytes();
    for caller in CALLERS {
        let mut from = 0;
        while let Some(found) = source[from..].find(caller) {
            let at = from + found;
            from = at + caller.len();
            // A whole word only: not `recall(` nor `.call(`.
            let before = at.checked_sub(1).map(|i| bytes[i] as char);
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '$') {
                continue;
            }
            let mut i = from;
            // Skip a type argument list, which may nest (`call<Array<Foo>>(`).
            if bytes.get(i) == Some(&b'<') {
                let mut depth = 0;
                while let Some(&b) = bytes.get(i) {
                    match b {
                        b'<' => depth += 1,
                        b'>' => depth -= 1,
                        _ => {}
                    }
                    i += 1;
                    if depth == 0 {
                        break;
                    }
                }
            }
            if bytes.get(i) != Some(&b'(') {
                continue;
            }
            let argument = source[i + 1..].trim_start();
            let end = argument.find([',', ')']).unwrap_or(argument.len());
            let first = argument[..end].trim();
            // The declarations themselves (`function call<T>(command: string, …)`) name a parameter.
            if first.contains(':') {
                continue;
            }
            match first.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                Some(name) => {
                    calls.literal.insert(name.to_owned());
                }
                None => calls.dynamic.push((file.to_owned(), first.to_owned())),
            }
        }
    }
}

fn ui_calls() -> UiCalls {
    let src = shell_dir().join("../ui/src");
    let mut files = Vec::new();
    ui_source_files(&src, &mut files);
    assert!(!files.is_empty(), "no UI sources under {}", src.display());
    let mut calls = UiCalls::default();
    for path in files {
        let file = path.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        scan_calls(&file, &read(&path), &mut calls);
    }
    calls
}

fn kebab(command: &str) -> String {
    command.replace('_', "-")
}

fn set(items: &[String]) -> BTreeSet<String> {
    items.iter().cloned().collect()
}

fn duplicates(items: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    items.iter().filter(|item| !seen.insert(item.as_str())).cloned().collect()
}

/// The CSP's directives, each with its sources.
fn directives(csp: &Value) -> Vec<(String, Vec<String>)> {
    let object = csp.as_object().expect("the CSP is written as an object of directives");
    object
        .iter()
        .map(|(name, sources)| {
            let sources = sources.as_str().expect("a directive's sources are one string");
            (name.clone(), sources.split_whitespace().map(str::to_owned).collect())
        })
        .collect()
}

/// Checks a CSP; `allowed_remote` lists the (directive, origin) pairs it may name.
fn check_csp(which: &str, csp: &Value, allowed_remote: &[(&str, &str)]) {
    let directives = directives(csp);
    let get = |name: &str| directives.iter().find(|(n, _)| n == name).map(|(_, s)| s.clone());
    assert_eq!(get("default-src"), Some(vec!["'self'".to_owned()]), "{which}: default-src must be 'self'");
    let scripts = get("script-src").unwrap_or_else(|| panic!("{which}: script-src must be set"));
    for unsafe_source in ["'unsafe-inline'", "'unsafe-eval'", "'wasm-unsafe-eval'", "'unsafe-hashes'"] {
        assert!(!scripts.iter().any(|s| s == unsafe_source), "{which}: script-src allows {unsafe_source}");
    }
    assert_eq!(get("object-src"), Some(vec!["'none'".to_owned()]), "{which}: object-src must be 'none'");
    for (directive, sources) in &directives {
        for source in sources {
            assert!(source != "*" && !source.contains("*."), "{which}: {directive} allows a wildcard {source}");
            let is_scheme_only = source.ends_with(':') && !source.contains("//");
            if is_scheme_only {
                // `ipc:` is Tauri's IPC; `data:`, `blob:`, `http:`, `https:` would open the page up.
                assert!(
                    source == "ipc:" && directive == "connect-src",
                    "{which}: {directive} allows the whole {source} scheme"
                );
            }
            if source.contains("://") {
                assert!(
                    allowed_remote.contains(&(directive.as_str(), source.as_str())),
                    "{which}: {directive} names the origin {source}, which the app does not need"
                );
            }
        }
    }
}

#[test]
fn the_release_csp_is_strict_and_names_only_the_ipc_origin() {
    let conf = tauri_conf();
    let security = &conf["app"]["security"];
    check_csp("csp", &security["csp"], &[("connect-src", "http://ipc.localhost")]);
    // The page must not reach the IPC through a global, nor patch built-in prototypes.
    assert_eq!(conf["app"]["withGlobalTauri"], Value::Bool(false), "withGlobalTauri must stay off");
    assert_eq!(security["freezePrototype"], Value::Bool(true), "freezePrototype must stay on");
    assert!(security.get("dangerousDisableAssetCspModification").is_none(), "Tauri must keep adding its CSP nonces");
}

#[test]
fn the_dev_csp_adds_only_the_local_dev_server() {
    let conf = tauri_conf();
    let Some(dev) = conf["app"]["security"].get("devCsp") else { return };
    check_csp("devCsp", dev, &[("connect-src", "http://ipc.localhost"), ("connect-src", "ws://localhost:5173")]);
}

#[test]
fn the_page_is_loaded_from_local_files_only() {
    let conf = tauri_conf();
    let build = &conf["build"];
    let dist = build["frontendDist"].as_str().expect("frontendDist is a path");
    assert!(!dist.contains("://"), "frontendDist must be the built UI on disk, not the URL {dist}");
    let index = shell_dir().join(dist).join("index.html");
    assert!(index.is_file(), "{} is missing: build the UI (`npm --prefix ui run build`)", index.display());
    // devUrl is only used by `tauri dev` (no custom-protocol); even then it must be this machine.
    if let Some(dev_url) = build.get("devUrl").and_then(Value::as_str) {
        assert!(
            dev_url.starts_with("http://localhost:") || dev_url.starts_with("http://127.0.0.1:"),
            "devUrl must be the local Vite server, not {dev_url}"
        );
    }
    // No window may open a remote page.
    for window in conf["app"]["windows"].as_array().expect("windows is a list") {
        if let Some(url) = window.get("url").and_then(Value::as_str) {
            assert!(!url.contains("://"), "window {} opens the remote page {url}", window["label"]);
        }
    }
    // The built page itself loads nothing from elsewhere.
    let html = read(&index);
    for remote in ["http://", "https://", "//cdn", "src=\"//"] {
        assert!(!html.contains(remote), "ui/dist/index.html loads something remote ({remote})");
    }
}

#[test]
fn the_release_build_does_not_serve_from_the_dev_server() {
    // The Cargo feature `custom-protocol` is what makes Tauri serve `frontendDist` instead of
    // `devUrl`; the release build (`tauri build`) turns it on, and so must our checks.
    assert!(
        !tauri::is_dev(),
        "built without tauri/custom-protocol: this build would load the page from devUrl. \
         Build and test the app with `--features tauri/custom-protocol`."
    );
}

#[test]
fn the_only_capability_is_the_main_windows_and_it_is_local() {
    let conf = tauri_conf();
    let listed: Vec<&str> = conf["app"]["security"]["capabilities"]
        .as_array()
        .expect("tauri.conf.json lists its capabilities explicitly")
        .iter()
        .map(|c| c.as_str().expect("capabilities are listed by identifier"))
        .collect();
    assert_eq!(listed, ["main-window"]);
    let files = capabilities();
    assert_eq!(
        files.len(),
        1,
        "one capability file expected, found {:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let (_, capability) = &files[0];
    assert_eq!(capability["identifier"], "main-window");
    assert_eq!(capability["windows"], serde_json::json!(["main"]));
    assert!(capability.get("remote").is_none(), "no remote URL may be granted any command");
    assert!(capability.get("webviews").is_none(), "only the main window is granted commands");
}

#[test]
fn the_capability_grants_exactly_the_commands_registered_and_called() {
    let declared = declared_commands();
    assert!(duplicates(&declared).is_empty(), "declared twice: {:?}", duplicates(&declared));
    let registered = set(&declared);
    assert_eq!(
        set(&typed_command_names()),
        registered,
        "ui/src/bindings/CommandName.ts is out of date: build the app (build.rs writes it) and commit it"
    );

    let files = capabilities();
    let permissions: Vec<String> = files[0].1["permissions"]
        .as_array()
        .expect("permissions is a list")
        .iter()
        .map(|p| p.as_str().expect("permissions are plain identifiers, not scoped objects").to_owned())
        .collect();
    assert!(duplicates(&permissions).is_empty(), "granted twice: {:?}", duplicates(&permissions));

    // Beyond our commands, the page may only listen to events (the channels' plumbing).
    const PLUGIN_PERMISSIONS: &[&str] = &["core:event:allow-listen", "core:event:allow-unlisten"];
    let (plugin, own): (Vec<String>, Vec<String>) = permissions.into_iter().partition(|p| p.contains(':'));
    let unexpected: Vec<&String> = plugin.iter().filter(|p| !PLUGIN_PERMISSIONS.contains(&p.as_str())).collect();
    assert!(unexpected.is_empty(), "plugin permissions beyond core events: {unexpected:?}");

    let granted: BTreeSet<String> = own
        .iter()
        .map(|p| {
            p.strip_prefix("allow-")
                .unwrap_or_else(|| panic!("{p}: only allow-<command> permissions are expected"))
                .to_owned()
        })
        .collect();
    let registered_kebab: BTreeSet<String> = registered.iter().map(|c| kebab(c)).collect();
    let not_granted: Vec<_> = registered_kebab.difference(&granted).collect();
    let granted_unregistered: Vec<_> = granted.difference(&registered_kebab).collect();
    assert!(not_granted.is_empty(), "registered but not granted to the main window: {not_granted:?}");
    assert!(granted_unregistered.is_empty(), "granted but not registered: {granted_unregistered:?}");

    let calls = ui_calls();
    let called: BTreeSet<String> = calls.literal.iter().cloned().collect();
    let never_called: Vec<_> = registered.difference(&called).collect();
    let unknown: Vec<_> = called.difference(&registered).collect();
    assert!(never_called.is_empty(), "registered and granted, but the UI never calls them: {never_called:?}");
    assert!(unknown.is_empty(), "the UI calls commands the app does not register: {unknown:?}");
    for (file, argument) in &calls.dynamic {
        assert!(
            FORWARDERS.contains(&(file.as_str(), argument.as_str())),
            "ui/src/{file} calls a command named by `{argument}`, not a literal; name the command so it can be checked"
        );
    }
}

/// The plugins the shell uses from Rust alone, each with why: the page is granted none of their
/// commands (`the_capability_grants_exactly_the_commands_registered_and_called`).
const RUST_ONLY_PLUGINS: &[(&str, &str)] = &[
    ("tauri-plugin-window-state", "the window opens as big and where it was when the app closed"),
    (
        "tauri-plugin-notification",
        "a run's end (src/notices.rs) and a schedule's firing (src/scheduler.rs) are notified",
    ),
];

/// Tauri's own features the shell uses from Rust alone, each with why: the page is granted none
/// of their permissions.
const RUST_ONLY_TAURI_FEATURES: &[(&str, &str)] =
    &[("tray-icon", "the tray icon and its menu, made and answered in Rust (src/tray.rs)")];

#[test]
fn the_shell_pulls_in_only_the_plugins_it_calls_from_rust() {
    let manifest = read(&shell_dir().join("Cargo.toml"));
    for line in manifest.lines().map(str::trim) {
        if line.starts_with("tauri-plugin") {
            let name = line.split([' ', '=', '.']).next().unwrap();
            assert!(
                RUST_ONLY_PLUGINS.iter().any(|(plugin, _)| *plugin == name),
                "Cargo.toml adds the plugin {name}: list it in RUST_ONLY_PLUGINS with why, and grant the page none of it"
            );
        }
        if line.starts_with("tauri =") || line.starts_with("tauri=") {
            // Features such as `protocol-asset` or `devtools` widen what the page can reach.
            let features = line.split_once("features = [").and_then(|(_, rest)| rest.split_once(']'));
            let Some((features, _)) = features else { panic!("tauri's features are not a list: {line}") };
            for feature in features.split(',').map(|f| f.trim().trim_matches('"')).filter(|f| !f.is_empty()) {
                assert!(
                    RUST_ONLY_TAURI_FEATURES.iter().any(|(allowed, _)| *allowed == feature),
                    "tauri is built with the feature {feature}: list it in RUST_ONLY_TAURI_FEATURES with why, \
                     and grant the page none of it"
                );
            }
        }
    }
    let capability = &capabilities()[0].1;
    for permission in capability["permissions"].as_array().expect("permissions is a list") {
        let permission = permission.as_str().unwrap_or_default();
        for prefix in ["notification:", "window-state:", "core:tray:", "core:menu:"] {
            assert!(!permission.starts_with(prefix), "the page is granted the plugin permission {permission}");
        }
    }
}

#[test]
fn the_call_scanner_finds_literal_generic_and_dynamic_calls() {
    let mut calls = UiCalls::default();
    scan_calls(
        "x.ts",
        r#"export async function call<T>(command: string, args?: InvokeArgs) {}
           call("plain"); call<Array<Foo>>("generic", { a }); withProgress("job", {}, f);
           recall("not_me"); obj.call("nor_me"); call(name, {});"#,
        &mut calls,
    );
    assert_eq!(calls.literal, ["generic", "job", "plain"].map(String::from).into_iter().collect());
    assert_eq!(calls.dynamic, [("x.ts".to_owned(), "name".to_owned())]);
}

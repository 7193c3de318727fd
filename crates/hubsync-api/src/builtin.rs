//! The built-in sandbox portal: a HubSpot-compatible server run inside the app so there is
//! always a portal to show and sync with while no HubSpot account is connected.

use hubsync_sandbox::{PrivateToken, Sandbox, SandboxConfig};
use serde::Serialize;
use tokio::sync::{Mutex, OnceCell};
use ts_rs::TS;

use hubsync_hubspot::Secret;
use hubsync_store::Portal;

use crate::error::{ApiError, ErrorCode};
use crate::host::Host;

/// Demo contacts the built-in portal is seeded with (deterministic, so every run shows the same).
pub const SEED_CONTACTS: usize = 250;

/// The built-in portal's own file in the app's data folder.
pub const SANDBOX_DB_FILE_NAME: &str = "sandbox-portal.db";

/// The private app token the built-in portal accepts; the sync engine authenticates with it.
pub const SANDBOX_TOKEN: &str = "pat-sandbox-hubsync-desktop";

/// What the built-in sandbox portal is called wherever a portal's name shows.
pub const SANDBOX_NAME: &str = "Built-in sandbox portal";

/// The app's host: the built-in sandbox portal's token is its own; every other portal's comes
/// from the keychain.
#[derive(Debug, Default, Clone, Copy)]
pub struct BuiltinSandboxHost;

impl Host for BuiltinSandboxHost {
    fn token_for(&self, portal: &Portal) -> Option<Secret> {
        portal.is_sandbox().then(|| Secret::new(SANDBOX_TOKEN))
    }
}

/// What the UI shows about the portal the app is talking to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PortalSummary {
    pub base_url: String,
    // HubSpot portal ids stay far below 2^53: a plain number in the page.
    #[ts(type = "number")]
    pub portal_id: u64,
    pub contact_count: usize,
}

/// The sandbox's lifecycle as app state. The first caller starts it and every other caller
/// waits for that start, so the page may ask before `setup`'s eager start has finished.
#[derive(Default)]
pub struct BuiltinPortal {
    started: OnceCell<Result<(), ApiError>>,
    sandbox: Mutex<Option<Sandbox>>,
    /// Where the portal keeps its contacts between runs; in memory when unset.
    db_path: std::sync::OnceLock<std::path::PathBuf>,
}

impl BuiltinPortal {
    /// Keeps the portal in a SQLite file, so contacts a push created are still there next time
    /// (and leads stay linked to them). Takes effect if called before the portal starts.
    pub fn keep_in(&self, path: std::path::PathBuf) {
        let _ = self.db_path.set(path);
    }

    /// Starts the sandbox unless it already is (or failed to); returns the start's outcome.
    pub async fn ensure_started(&self) -> Result<(), ApiError> {
        self.started
            .get_or_init(|| async {
                match Sandbox::start(config(self.db_path.get().cloned())).await {
                    Ok(sandbox) => {
                        tracing::info!(
                            base_url = %sandbox.base_url(),
                            portal_id = sandbox.portal_id(),
                            "built-in sandbox portal started"
                        );
                        *self.sandbox.lock().await = Some(sandbox);
                        Ok(())
                    }
                    Err(error) => {
                        tracing::error!(%error, "built-in sandbox portal failed to start");
                        Err(ApiError::new(
                            ErrorCode::SandboxStartFailed,
                            format!("The built-in sandbox portal could not start: {error}"),
                        ))
                    }
                }
            })
            .await
            .clone()
    }

    pub async fn info(&self) -> Result<PortalSummary, ApiError> {
        self.ensure_started().await?;
        let sandbox = self.sandbox.lock().await;
        let sandbox = sandbox
            .as_ref()
            .ok_or_else(|| ApiError::new(ErrorCode::SandboxStopped, "The built-in sandbox portal has shut down."))?;
        Ok(PortalSummary {
            base_url: sandbox.base_url(),
            portal_id: sandbox.portal_id(),
            contact_count: sandbox.contact_count(),
        })
    }

    /// Stops the sandbox if it is running; later `info` calls report it stopped.
    pub async fn shutdown(&self) {
        let sandbox = self.sandbox.lock().await.take();
        if let Some(sandbox) = sandbox {
            sandbox.shutdown().await;
            tracing::info!("built-in sandbox portal stopped");
        }
    }
}

/// On a free loopback port, with HubSpot's rate limits (the sandbox defaults), kept in `db_path`
/// (seeded when the file is new) or in memory, and never with the control API: any web page the
/// admin opens could send it requests.
fn config(db_path: Option<std::path::PathBuf>) -> SandboxConfig {
    SandboxConfig {
        seed_contacts: SEED_CONTACTS,
        private_tokens: vec![PrivateToken::new(SANDBOX_TOKEN)],
        db_path,
        control_secret: None,
        ..SandboxConfig::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_kept_portal_is_seeded_once_and_reopened_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sandbox-portal.db");
        let first = BuiltinPortal::default();
        first.keep_in(path.clone());
        let info = first.info().await.unwrap();
        assert_eq!(info.contact_count, SEED_CONTACTS);
        let body = serde_json::json!({ "properties": { "email": "kept@example.com" } });
        let created = post_with_token(&info.base_url, "/crm/v3/objects/contacts", &body).await;
        assert!(created.contains("kept@example.com"), "{created}");
        first.shutdown().await;

        let second = BuiltinPortal::default();
        second.keep_in(path);
        assert_eq!(second.info().await.unwrap().contact_count, SEED_CONTACTS + 1, "reopened, not reseeded");
        second.shutdown().await;
    }

    /// A POST of JSON with the portal's token.
    async fn post_with_token(base_url: &str, path: &str, body: &serde_json::Value) -> String {
        let bearer = format!("Bearer {SANDBOX_TOKEN}");
        let headers = [("Authorization", bearer.as_str()), ("Content-Type", "application/json")];
        send(base_url, "POST", path, &headers, &body.to_string()).await
    }

    /// A request over a plain TCP connection (the shell has no HTTP client); the whole reply.
    async fn send(base_url: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address = base_url.strip_prefix("http://").unwrap();
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).await.unwrap();
        reply
    }

    fn status_of(reply: &str) -> u16 {
        reply.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("no status: {reply}"))
    }

    /// Any web page can send the built-in portal a cross-origin "simple" POST (text/plain), and a
    /// DNS-rebinding page can read its replies: so it has no control API at all, and its paths
    /// answer as HubSpot answers a path it doesn't know.
    #[tokio::test]
    async fn the_built_in_portal_has_no_control_api() {
        let portal = BuiltinPortal::default();
        let info = portal.info().await.unwrap();
        let body = serde_json::json!({ "properties": { "email": "stays@example.com" } });
        let created = post_with_token(&info.base_url, "/crm/v3/objects/contacts", &body).await;
        assert!(created.contains("stays@example.com"), "{created}");

        let bearer = format!("Bearer {SANDBOX_TOKEN}");
        let text_plain = ("Content-Type", "text/plain");
        let json = ("Content-Type", "application/json");
        let token = ("Authorization", bearer.as_str());
        for (headers, status) in [(vec![text_plain], 401), (vec![text_plain, token], 404), (vec![json, token], 404)] {
            let reply = send(&info.base_url, "POST", "/__sandbox/reset", &headers, "{}").await;
            assert_eq!(status_of(&reply), status, "{reply}");
        }
        for (headers, status) in [(vec![], 401), (vec![token], 404)] {
            let reply = send(&info.base_url, "GET", "/__sandbox/contacts", &headers, "").await;
            assert_eq!(status_of(&reply), status, "{reply}");
            assert!(!reply.contains("\"results\""), "no contact is listed: {reply}");
        }
        assert_eq!(portal.info().await.unwrap().contact_count, SEED_CONTACTS + 1, "nothing reset the portal");
        portal.shutdown().await;
    }

    #[tokio::test]
    async fn starts_seeded_on_loopback() {
        let portal = BuiltinPortal::default();
        let info = portal.info().await.expect("sandbox starts");
        assert_eq!(info.contact_count, SEED_CONTACTS);
        assert!(info.portal_id > 0);
        let port = info
            .base_url
            .strip_prefix("http://127.0.0.1:")
            .and_then(|port| port.parse::<u16>().ok())
            .expect("base URL is http on a loopback port");
        assert_ne!(port, 0);
        portal.shutdown().await;
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_sandbox() {
        let portal = BuiltinPortal::default();
        let (first, second) = tokio::join!(portal.info(), portal.info());
        assert_eq!(first.expect("first caller"), second.expect("second caller"));
        portal.shutdown().await;
    }

    #[tokio::test]
    async fn reports_stopped_after_shutdown() {
        let portal = BuiltinPortal::default();
        portal.ensure_started().await.expect("sandbox starts");
        portal.shutdown().await;
        let error = portal.info().await.expect_err("stopped sandbox has no info");
        assert_eq!(error.code, "sandbox_stopped");
        // A second shutdown has nothing left to stop.
        portal.shutdown().await;
    }

    #[test]
    fn info_crosses_ipc_in_camel_case() {
        let info =
            PortalSummary { base_url: "http://127.0.0.1:4010".into(), portal_id: 12_345_678, contact_count: 250 };
        let json = serde_json::to_value(&info).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "baseUrl": "http://127.0.0.1:4010",
                "portalId": 12_345_678,
                "contactCount": 250,
            })
        );
    }
}

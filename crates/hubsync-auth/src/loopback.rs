//! The one-shot listener HubSpot's consent page redirects the browser back to:
//! `http://localhost:PORT/callback?code=…&state=…`.
//!
//! HubSpot accepts only redirect URLs registered on the app, port included, so the listener
//! tries a few fixed ports (all registered) rather than a random one. The redirect names
//! `localhost`, which a browser may resolve to 127.0.0.1 or to ::1, so a port is used only when
//! it is ours on both: another program listening on the other address would receive the code
//! and state. It binds loopback only, answers every request with a small page in words, and
//! takes exactly one callback whose `state` matches, on either address; forged or stale
//! callbacks get a 400 page and the wait goes on.
//!
//! Public API: `DEFAULT_CALLBACK_PORTS`, `DEFAULT_TIMEOUT`, `CancelHandle`, `CallbackListener`
//! (`bind`, `port`, `redirect_uri`, `wait`), `Callback` (`code`, `reply_connected`,
//! `reply_failed`).

use std::fmt;
use std::io::{self, ErrorKind};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hubsync_hubspot::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::oauth::AuthError;

/// Ports tried in order; each is registered on the HubSpot app as
/// `http://localhost:PORT/callback`.
pub const DEFAULT_CALLBACK_PORTS: [u16; 3] = [42813, 42814, 42815];

/// How long the consent page may take: time to sign in and pick a portal.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// A request head larger than this is not a browser coming back from HubSpot.
const MAX_HEAD_BYTES: usize = 8 * 1024;
/// Per connection, so a connection that never sends (a browser's speculative one) can't hold
/// anything up.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; more are dropped until some finish.
const MAX_CONNECTIONS: usize = 32;

/// Ends a wait early. Cloned handles cancel the same attempt; cancelling before the wait
/// starts makes it end at once.
#[derive(Clone)]
pub struct CancelHandle(Arc<watch::Sender<bool>>);

impl CancelHandle {
    pub fn new() -> Self {
        CancelHandle(Arc::new(watch::channel(false).0))
    }

    pub fn cancel(&self) {
        self.0.send_replace(true);
    }

    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once `cancel` has been called.
    pub async fn cancelled(&self) {
        let mut receiver = self.0.subscribe();
        // The sender lives in `self`, so the channel can't close while this waits.
        let _ = receiver.wait_for(|cancelled| *cancelled).await;
    }
}

impl Default for CancelHandle {
    fn default() -> Self {
        CancelHandle::new()
    }
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CancelHandle").field(&self.is_cancelled()).finish()
    }
}

/// A bound, not yet answered callback listener.
#[derive(Debug)]
pub struct CallbackListener {
    /// 127.0.0.1 and ::1 on one port (127.0.0.1 alone on a machine without IPv6 loopback).
    listeners: Vec<TcpListener>,
    port: u16,
}

/// Why one port could not be used.
enum PortError {
    /// Taken by another program (or refused by the system) on one of the addresses: try the next.
    Busy(io::Error),
    Failed(io::Error),
}

impl CallbackListener {
    /// Binds 127.0.0.1 and ::1 on the first of `ports` that is free on both. A port in use (or
    /// refused by the system) on either moves on to the next; when none is left,
    /// `AuthError::PortBusy` names them all.
    pub async fn bind(ports: &[u16]) -> Result<Self, AuthError> {
        if ports.is_empty() {
            return Err(AuthError::InvalidConfig("no callback port was given".into()));
        }
        for &port in ports {
            match bind_loopback(port).await {
                Ok(listener) => {
                    tracing::debug!(port = listener.port, "listening for HubSpot's callback");
                    return Ok(listener);
                }
                Err(PortError::Busy(e)) => {
                    tracing::debug!(port, error = %e, "callback port unavailable, trying the next");
                }
                Err(PortError::Failed(e)) => return Err(AuthError::Listener { port, detail: e.to_string() }),
            }
        }
        Err(AuthError::PortBusy { ports: ports.to_vec() })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// What the consent URL names: `localhost`, as registered on the app (HubSpot allows
    /// `http://` only for localhost).
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}/callback", self.port)
    }

    /// Serves requests until a callback carrying `state` arrives, `timeout` passes, or `cancel`
    /// fires. The listener is closed when this returns, whatever the outcome. A callback with
    /// a code is returned unanswered: the caller replies once the code has been exchanged, so
    /// the tab shows the real outcome.
    pub async fn wait(self, state: &str, timeout: Duration, cancel: &CancelHandle) -> Result<Callback, AuthError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let expected: Arc<str> = state.into();
        let redirect_uri = self.redirect_uri();
        let mut connections: JoinSet<Seen> = JoinSet::new();
        let mut refused = 0u32;
        let outcome = loop {
            tokio::select! {
                () = cancel.cancelled() => break Err(AuthError::Cancelled),
                () = tokio::time::sleep_until(deadline) => {
                    break Err(if refused > 0 {
                        AuthError::StateMismatch { waited: timeout, refused }
                    } else {
                        AuthError::Timeout { waited: timeout, redirect_uri, browser_error: None }
                    });
                }
                Some(joined) = connections.join_next(), if !connections.is_empty() => match joined {
                    Ok(Seen::Callback(callback)) => break Ok(callback),
                    Ok(Seen::Failed(error)) => break Err(error),
                    Ok(Seen::WrongState) => refused += 1,
                    Ok(Seen::Other) | Err(_) => {}
                },
                accepted = accept_any(&self.listeners) => match accepted {
                    Ok((stream, _)) if connections.len() < MAX_CONNECTIONS => {
                        connections.spawn(serve(stream, expected.clone()));
                    }
                    Ok(_) => tracing::debug!("too many open callback connections; one dropped"),
                    Err(e) => {
                        // Out of file descriptors and the like: wait a moment rather than spin.
                        tracing::warn!(error = %e, "accepting a callback connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        };
        drop(self.listeners);
        connections.shutdown().await;
        match &outcome {
            Ok(_) => tracing::debug!("HubSpot's callback arrived"),
            Err(error) => tracing::info!(code = error.code(), "no usable callback: {error}"),
        }
        outcome
    }
}

/// Binds `port` on 127.0.0.1, then the same port on ::1; a failure on ::1 lets 127.0.0.1 go
/// again before the next port is tried.
async fn bind_loopback(port: u16) -> Result<CallbackListener, PortError> {
    let classify = |e: io::Error| match e.kind() {
        ErrorKind::AddrInUse | ErrorKind::PermissionDenied => PortError::Busy(e),
        _ => PortError::Failed(e),
    };
    let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await.map_err(classify)?;
    // Port 0 (tests) gives a free port on 127.0.0.1: ::1 must then take that one.
    let port = v4.local_addr().map_err(PortError::Failed)?.port();
    match TcpListener::bind((Ipv6Addr::LOCALHOST, port)).await {
        Ok(v6) => Ok(CallbackListener { listeners: vec![v4, v6], port }),
        // With no IPv6 loopback at all, `localhost` can only be 127.0.0.1 and no one can listen
        // on ::1 either, so 127.0.0.1 alone is safe.
        Err(e) if no_ipv6_loopback(&e) => {
            tracing::debug!(port, error = %e, "no IPv6 loopback on this machine; listening on 127.0.0.1 only");
            Ok(CallbackListener { listeners: vec![v4], port })
        }
        Err(e) => Err(classify(e)),
    }
}

/// Whether binding ::1 failed because the machine has no IPv6 loopback: the address is not
/// configured (EADDRNOTAVAIL) or the system has no IPv6 at all (EAFNOSUPPORT, which the
/// standard library leaves uncategorised).
fn no_ipv6_loopback(error: &io::Error) -> bool {
    const EAFNOSUPPORT: i32 = if cfg!(windows) {
        10047 // WSAEAFNOSUPPORT
    } else if cfg!(any(target_os = "linux", target_os = "android")) {
        97
    } else {
        47 // macOS and the BSDs
    };
    error.kind() == ErrorKind::AddrNotAvailable || error.raw_os_error() == Some(EAFNOSUPPORT)
}

/// The next connection on any of `listeners`.
async fn accept_any(listeners: &[TcpListener]) -> io::Result<(TcpStream, SocketAddr)> {
    let accepts = listeners.iter().map(|listener| Box::pin(listener.accept()));
    futures_util::future::select_all(accepts).await.0
}

/// The browser's request with a matching state and a code, its answer still owed.
pub struct Callback {
    code: Secret,
    stream: TcpStream,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback").field("code", &self.code).finish_non_exhaustive()
    }
}

impl Callback {
    /// The authorization code, good once and for minutes.
    pub fn code(&self) -> &Secret {
        &self.code
    }

    /// Tells the browser tab the portal is connected.
    pub async fn reply_connected(self, hub_domain: &str) {
        let portal = if hub_domain.is_empty() { "your HubSpot portal".to_string() } else { hub_domain.to_string() };
        let body = page(
            "Connected to HubSpot",
            &format!("Hubsync is connected to {portal}. You can close this tab and return to Hubsync."),
        );
        respond(self.stream, 200, &body).await;
    }

    /// Tells the browser tab why connecting failed.
    pub async fn reply_failed(self, error: &AuthError) {
        let body =
            page("Hubsync could not connect to HubSpot", &format!("{}. You can close this tab.", capital(error)));
        respond(self.stream, 200, &body).await;
    }
}

/// What one connection came to.
enum Seen {
    Callback(Callback),
    /// The matching callback carried an error (consent declined…): the attempt is over.
    Failed(AuthError),
    /// A callback with a missing or wrong state: refused, and remembered for the timeout.
    WrongState,
    /// Anything else (a favicon, a stray or broken request).
    Other,
}

async fn serve(mut stream: TcpStream, expected: Arc<str>) -> Seen {
    let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(Ok(head)) => head,
        Ok(Err(HeadError::TooLarge)) => {
            respond(stream, 431, &page("Request too large", "This address only takes HubSpot's answer.")).await;
            return Seen::Other;
        }
        Ok(Err(HeadError::Closed)) | Err(_) => return Seen::Other,
    };
    let mut parts = head.lines().next().unwrap_or("").split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let url = match target.starts_with('/').then(|| reqwest::Url::parse(&format!("http://localhost{target}"))) {
        Some(Ok(url)) => url,
        _ => {
            respond(stream, 400, &page("Bad request", "This address only takes HubSpot's answer.")).await;
            return Seen::Other;
        }
    };
    if url.path() != "/callback" {
        respond(stream, 404, &page("Not found", "This address only takes HubSpot's answer to Hubsync.")).await;
        return Seen::Other;
    }
    if method != "GET" {
        respond(stream, 405, &page("Method not allowed", "HubSpot's answer comes as a GET request.")).await;
        return Seen::Other;
    }
    let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    let state_matches = param("state").is_some_and(|state| constant_time_eq(state.as_bytes(), expected.as_bytes()));
    if !state_matches {
        tracing::warn!("refused a callback whose state does not belong to this connection attempt");
        let body = page(
            "This link is not for the current connection",
            "Hubsync did not accept this answer: it does not belong to the connection attempt in progress (it may \
             come from an earlier attempt or another tab). Return to Hubsync and finish connecting in the newest tab.",
        );
        respond(stream, 400, &body).await;
        return Seen::WrongState;
    }
    if let Some(error) = param("error") {
        let description = param("error_description").map(|d| d.chars().take(200).collect());
        let failure = if error == "access_denied" {
            AuthError::Denied { description }
        } else {
            AuthError::AuthorizationFailed { error: error.chars().take(60).collect(), description }
        };
        let body = page("Hubsync was not connected", &format!("{}. You can close this tab.", capital(&failure)));
        respond(stream, 200, &body).await;
        return Seen::Failed(failure);
    }
    match param("code").filter(|c| !c.is_empty()) {
        Some(code) => Seen::Callback(Callback { code: Secret::new(code), stream }),
        None => {
            let failure = AuthError::AuthorizationFailed {
                error: "no code".into(),
                description: Some("the answer carried neither an authorization code nor an error".into()),
            };
            let body = page("Hubsync was not connected", &format!("{}. You can close this tab.", capital(&failure)));
            respond(stream, 400, &body).await;
            Seen::Failed(failure)
        }
    }
}

enum HeadError {
    TooLarge,
    /// Closed or failed before a whole head arrived.
    Closed,
}

/// Reads up to the blank line that ends a request head; the body, if any, is ignored.
async fn read_head(stream: &mut TcpStream) -> Result<String, HeadError> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let read = stream.read(&mut chunk).await.map_err(|_| HeadError::Closed)?;
        if read == 0 {
            return Err(HeadError::Closed);
        }
        head.extend_from_slice(&chunk[..read]);
        if let Some(end) = find_blank_line(&head) {
            head.truncate(end);
            return Ok(String::from_utf8_lossy(&head).into_owned());
        }
        if head.len() > MAX_HEAD_BYTES {
            return Err(HeadError::TooLarge);
        }
    }
}

fn find_blank_line(bytes: &[u8]) -> Option<usize> {
    let crlf = bytes.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = bytes.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An error's message as a sentence.
fn capital(error: &AuthError) -> String {
    let text = error.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, text: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Hubsync</title>
<style>
  :root {{ color-scheme: light dark; font-family: system-ui, sans-serif; }}
  body {{ margin: 0; display: grid; place-items: center; min-height: 100vh; }}
  main {{ max-width: 32rem; padding: 2rem; }}
  h1 {{ font-size: 1.3rem; margin-top: 0; }}
</style></head>
<body><main><h1>{title}</h1><p>{text}</p></main></body></html>
"#,
        title = escape(title),
        text = escape(text)
    )
}

async fn respond(mut stream: TcpStream, status: u16, body: &str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Request Header Fields Too Large",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await
    };
    // The browser may be gone; there is no one else to tell.
    let _ = tokio::time::timeout(READ_TIMEOUT, write).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_end_at_the_blank_line() {
        assert_eq!(find_blank_line(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody"), Some(23));
        assert_eq!(find_blank_line(b"GET / HTTP/1.0\n\n"), Some(14));
        assert_eq!(find_blank_line(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
    }

    #[test]
    fn pages_escape_and_states_compare() {
        assert!(page("a<b", "x & \"y\"").contains("a&lt;b · Hubsync"));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert_eq!(capital(&AuthError::Cancelled), "Connecting to HubSpot was cancelled");
    }

    #[test]
    fn only_a_missing_ipv6_loopback_lets_127_0_0_1_listen_alone() {
        assert!(no_ipv6_loopback(&io::Error::from(ErrorKind::AddrNotAvailable)));
        #[cfg(target_os = "linux")]
        assert!(no_ipv6_loopback(&io::Error::from_raw_os_error(97)), "EAFNOSUPPORT");
        // Taken or forbidden is not missing: that port must not be used.
        assert!(!no_ipv6_loopback(&io::Error::from(ErrorKind::AddrInUse)));
        assert!(!no_ipv6_loopback(&io::Error::from(ErrorKind::PermissionDenied)));
    }

    #[tokio::test]
    async fn cancelling_before_the_wait_ends_it_at_once() {
        let cancel = CancelHandle::new();
        cancel.clone().cancel();
        assert!(cancel.is_cancelled());
        cancel.cancelled().await;
    }
}

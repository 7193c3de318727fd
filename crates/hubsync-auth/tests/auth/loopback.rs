//! The callback listener against hostile and broken clients, spoken to in raw HTTP: it listens
//! on loopback only (both 127.0.0.1 and ::1, as `localhost` may be either), answers only `/callback`, refuses and counts wrong states, is not held up
//! by clients that send nothing or dribble, refuses oversized heads, and is gone once the one
//! good callback has arrived.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use hubsync_auth::loopback::{CallbackListener, CancelHandle};
use hubsync_auth::oauth::AuthError;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use crate::oauth::free_port;

const STATE: &str = "the-expected-state-3f9a";

async fn listener() -> CallbackListener {
    CallbackListener::bind(&[free_port()]).await.expect("a free port binds")
}

fn local(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

/// Sends `request` whole and returns the status of the answer (0: closed without one).
async fn status_of(port: u16, request: &[u8]) -> u16 {
    let mut stream = TcpStream::connect(local(port)).await.expect("the listener accepts");
    stream.write_all(request).await.expect("the request is sent");
    read_status(&mut stream).await
}

async fn read_status(stream: &mut TcpStream) -> u16 {
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn get(target: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n").into_bytes()
}

type Wait = JoinHandle<Result<hubsync_auth::loopback::Callback, AuthError>>;

/// A listener on a free port, waiting for `STATE` in the background; and its port.
async fn waiting(timeout: Duration) -> (u16, Wait) {
    let listener = listener().await;
    let port = listener.port();
    (port, tokio::spawn(async move { listener.wait(STATE, timeout, &CancelHandle::new()).await }))
}

/// This machine's address on its default route, if it has one that is not loopback: the
/// source address the system would pick (a UDP "connect" sends nothing).
fn non_loopback_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// Whether this machine has an IPv6 loopback address to listen on.
fn has_ipv6_loopback() -> bool {
    std::net::TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok()
}

#[tokio::test]
async fn it_listens_on_loopback_only() {
    let listener = listener().await;
    let port = listener.port();
    // Loopback reaches it…
    TcpStream::connect(local(port)).await.expect("127.0.0.1 reaches the listener");
    // …but the machine's network address does not.
    match non_loopback_address() {
        Some(ip) => {
            let error = TcpStream::connect(SocketAddr::new(ip, port))
                .await
                .expect_err("the listener must not be reachable from the network");
            assert_eq!(error.kind(), ErrorKind::ConnectionRefused, "{ip}:{port}: {error}");
        }
        None => eprintln!("skipped the network-address check: this machine has no non-loopback IPv4 route"),
    }
}

#[tokio::test]
async fn stray_requests_are_answered_and_the_wait_goes_on_until_the_real_callback() {
    let (port, wait) = waiting(Duration::from_secs(60)).await;

    // Clients that send nothing, or a byte at a time, are kept waiting on their own.
    let mut silent = TcpStream::connect(local(port)).await.unwrap();
    let mut dribbler = TcpStream::connect(local(port)).await.unwrap();
    let dribbling = tokio::spawn(async move {
        for byte in format!("GET /callback?state={STATE}&code=dribbled HTTP/1.1\r\n").bytes() {
            if dribbler.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        dribbler
    });

    let started = Instant::now();
    assert_eq!(status_of(port, &get("/")).await, 404);
    assert_eq!(status_of(port, &get("/favicon.ico")).await, 404);
    assert_eq!(status_of(port, &get("/callbackx?state=x")).await, 404);
    assert_eq!(status_of(port, &get("/../callback%2F..?state=x")).await, 404);
    assert_eq!(status_of(port, &get(&format!("http://evil.example/callback?state={STATE}&code=c"))).await, 400);
    assert_eq!(status_of(port, b"POST /callback HTTP/1.1\r\nContent-Length: 0\r\n\r\n").await, 405);
    assert_eq!(status_of(port, b"\x16\x03\x01 not http at all\r\n\r\n").await, 400);
    let oversized = format!("GET /callback?state={STATE}&code={} HTTP/1.1\r\n\r\n", "a".repeat(16 * 1024));
    assert_eq!(status_of(port, oversized.as_bytes()).await, 431, "an oversized request line is refused");
    assert_eq!(status_of(port, &get("/callback?state=wrong&code=forged")).await, 400);
    assert_eq!(status_of(port, &get(&format!("/callback?state={STATE}x&code=forged"))).await, 400);
    assert_eq!(status_of(port, &get("/callback?code=forged")).await, 400);
    assert!(!wait.is_finished(), "no stray request may end the wait");

    // The real callback is taken at once, however slow the others are.
    let mut browser = TcpStream::connect(local(port)).await.unwrap();
    browser.write_all(&get(&format!("/callback?code=the-real-code&state={STATE}"))).await.unwrap();
    let callback = tokio::time::timeout(Duration::from_secs(5), wait)
        .await
        .expect("the callback is taken while slow clients still hang on")
        .unwrap()
        .expect("the matching callback is returned");
    assert!(started.elapsed() < Duration::from_secs(5), "slow clients held the callback up: {:?}", started.elapsed());
    assert_eq!(callback.code().expose(), "the-real-code");
    callback.reply_connected("example.hubspot.com").await;
    assert_eq!(read_status(&mut browser).await, 200);

    // The listener is closed: the silent client is let go and a second callback finds no one.
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(2), silent.read_to_end(&mut rest)).await;
    assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "the silent client was not let go: {closed:?}");
    let dribbler = dribbling.await.unwrap();
    drop(dribbler);
    let again = TcpStream::connect(local(port)).await;
    assert!(again.is_err(), "a second callback reached a listener that should be closed");
}

#[tokio::test]
async fn wrong_states_are_counted_and_other_requests_are_not() {
    let (port, wait) = waiting(Duration::from_secs(2)).await;
    assert_eq!(status_of(port, &get("/callback?state=old&code=c1")).await, 400);
    assert_eq!(status_of(port, &get("/callback?state=&code=c2")).await, 400);
    assert_eq!(status_of(port, &get("/callback?code=c3")).await, 400);
    assert_eq!(status_of(port, &get("/elsewhere?state=old")).await, 404);
    let error = wait.await.unwrap().unwrap_err();
    assert!(matches!(error, AuthError::StateMismatch { refused: 3, .. }), "{error:?}");
    assert!(TcpStream::connect(local(port)).await.is_err(), "the listener outlived its wait");
}

#[tokio::test]
async fn a_client_that_never_sends_does_not_keep_the_listener_alive() {
    let (port, wait) = waiting(Duration::from_secs(1)).await;
    let mut silent = TcpStream::connect(local(port)).await.unwrap();
    let started = Instant::now();
    let error = wait.await.unwrap().unwrap_err();
    assert!(matches!(error, AuthError::Timeout { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "the wait outlived its timeout: {:?}", started.elapsed());
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(2), silent.read_to_end(&mut rest)).await;
    assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "the silent client was not let go: {closed:?}");
    assert!(TcpStream::connect(local(port)).await.is_err(), "the listener outlived its wait");
}

/// A browser that resolves `localhost` to ::1 must find this listener there, never another
/// program's: the redirect URL names `localhost`, not an address.
#[tokio::test]
async fn a_callback_sent_to_ipv6_loopback_reaches_the_listener() {
    if !has_ipv6_loopback() {
        eprintln!("skipped: this machine has no IPv6 loopback, so no one can listen there either");
        return;
    }
    let (port, wait) = waiting(Duration::from_secs(60)).await;
    let mut browser =
        TcpStream::connect(SocketAddr::from((Ipv6Addr::LOCALHOST, port))).await.expect("[::1] reaches the listener");
    browser.write_all(&get(&format!("/callback?code=the-v6-code&state={STATE}"))).await.unwrap();
    let callback = tokio::time::timeout(Duration::from_secs(5), wait)
        .await
        .expect("the callback sent to [::1] is taken")
        .unwrap()
        .expect("the matching callback is returned");
    assert_eq!(callback.code().expose(), "the-v6-code");
    callback.reply_connected("example.hubspot.com").await;
    assert_eq!(read_status(&mut browser).await, 200);
    // Both addresses are let go once the callback is in.
    assert!(TcpStream::connect(local(port)).await.is_err(), "127.0.0.1 outlived the wait");
    assert!(
        TcpStream::connect(SocketAddr::from((Ipv6Addr::LOCALHOST, port))).await.is_err(),
        "[::1] outlived the wait"
    );
}

/// Another program listening on [::1] at a port would receive the code and state of a browser
/// that resolves `localhost` to ::1: such a port is skipped like one taken on 127.0.0.1.
#[tokio::test]
async fn a_port_taken_on_ipv6_loopback_is_skipped() {
    if !has_ipv6_loopback() {
        eprintln!("skipped: this machine has no IPv6 loopback, so no one can listen there either");
        return;
    }
    let squatter = std::net::TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).unwrap();
    let taken = squatter.local_addr().unwrap().port();
    let free = free_port();

    let error = CallbackListener::bind(&[taken]).await.expect_err("a port another program holds on ::1 is refused");
    assert!(matches!(&error, AuthError::PortBusy { ports } if ports == &[taken]), "{error:?}");
    // Nothing of ours was left behind on 127.0.0.1.
    assert!(TcpStream::connect(local(taken)).await.is_err(), "127.0.0.1:{taken} is still held");

    let listener = CallbackListener::bind(&[taken, free]).await.expect("the next port is free");
    assert_eq!(listener.port(), free, "the port taken on ::1 was used");
    assert_eq!(listener.redirect_uri(), format!("http://localhost:{free}/callback"));
    let port = listener.port();
    let wait = tokio::spawn(async move { listener.wait(STATE, Duration::from_secs(60), &CancelHandle::new()).await });
    let mut browser = TcpStream::connect(SocketAddr::from((Ipv6Addr::LOCALHOST, port))).await.unwrap();
    browser.write_all(&get(&format!("/callback?code=ours&state={STATE}"))).await.unwrap();
    let callback = wait.await.unwrap().expect("the callback reached our listener");
    assert_eq!(callback.code().expose(), "ours");
    squatter.set_nonblocking(true).unwrap();
    assert!(squatter.accept().is_err(), "the other program received a connection");
}

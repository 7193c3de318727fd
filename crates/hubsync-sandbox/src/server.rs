//! The accept loop. It is ours rather than `axum::serve` so that fault injection can do what a
//! real network does: close a connection without a reply, or cut a reply's body short.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, header};
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::faults::ConnectionFault;

/// Returned to hyper to make it close the connection without answering.
#[derive(Debug)]
struct DroppedConnection;

impl std::fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DroppedConnection {}

pub async fn serve(listener: TcpListener, router: Router, mut shutdown: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let router = router.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<Incoming>| respond(router.clone(), req));
                    if let Err(e) = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await
                    {
                        tracing::debug!(error = %e, "connection ended");
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
}

async fn respond(router: Router, mut req: Request<Incoming>) -> Result<Response<Body>, DroppedConnection> {
    trim_trailing_slash(&mut req);
    let response = match router.oneshot(req.map(Body::new)).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    match response.extensions().get::<ConnectionFault>().copied() {
        Some(ConnectionFault::Drop) => Err(DroppedConnection),
        Some(ConnectionFault::Truncate) => Ok(truncate(response).await),
        None => Ok(response),
    }
}

/// HubSpot serves `/crm/v3/owners/` like `/crm/v3/owners` (its own clients call the former), so
/// the path loses a trailing slash before routing.
fn trim_trailing_slash<B>(req: &mut Request<B>) {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let path_and_query = match req.uri().query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed.to_string(),
        };
        let mut parts = req.uri().clone().into_parts();
        if let Ok(pq) = path_and_query.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = axum::http::Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
}

/// Sends the headers and half the body, announcing the whole length, then fails the stream so
/// the connection closes mid-body.
async fn truncate(response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let full = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let length = full.len() as u64;
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    let half = full.slice(..full.len() / 2);
    Response::from_parts(parts, Body::new(TruncatedBody { part: Some(half), pause: None, length }))
}

/// Half a body, then (after a pause long enough for it to be flushed to the socket) an error
/// that makes hyper close the connection.
struct TruncatedBody {
    part: Option<Bytes>,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
    length: u64,
}

impl HttpBody for TruncatedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(part) = self.part.take() {
            self.pause = Some(Box::pin(tokio::time::sleep(std::time::Duration::from_millis(50))));
            if !part.is_empty() {
                return Poll::Ready(Some(Ok(Frame::data(part))));
            }
        }
        if let Some(pause) = self.pause.as_mut()
            && pause.as_mut().poll(cx).is_pending()
        {
            return Poll::Pending;
        }
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "body truncated by fault injection",
        ))))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.length)
    }
}

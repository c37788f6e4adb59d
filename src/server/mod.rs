//! Serving client connections (HTTP/1.1 and HTTP/2 via hyper-util's auto builder) with
//! the edge limits poem's `Server` cannot set: a cap on open connections, a header read
//! timeout, an idle keep-alive timeout, and request heads over the size limit answered
//! 431 with the JSON error body. Graceful shutdown as before: stop accepting, let
//! running requests finish within the grace period, then close what is left.

mod watch;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Endpoint, EndpointExt, IntoEndpoint, Response};
use tokio::sync::{Semaphore, watch as signal};
use tokio::task::JoinSet;

use crate::config::ConnectionSettings;
use crate::error::GatewayError;
use crate::listener::NoDelayAcceptor;
use watch::{Tracked, Watch, Watched};

/// Pause after a failed accept (e.g. out of file descriptors), instead of spinning.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// Serves `ep` until `stop` resolves, then shuts down gracefully within `grace`.
pub async fn serve<E>(
    mut acceptor: NoDelayAcceptor,
    ep: E,
    limits: ConnectionSettings,
    stop: impl Future<Output = ()>,
    grace: Duration,
) where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    let ep = Arc::new(ep.into_endpoint().map_to_response());
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stopping, stop_seen) = signal::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    loop {
        while connections.try_join_next().is_some() {}
        // Beyond the cap, new connections wait in the listen backlog (not accepted).
        let slot = tokio::select! {
            () = &mut stop => break,
            slot = slots.clone().acquire_owned() => slot,
        };
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            () = &mut stop => break,
            accepted = acceptor.accept() => accepted,
        };
        let (io, local, remote, _) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                tracing::warn!(%err, "accepting a connection failed");
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        let (ep, stop_seen) = (ep.clone(), stop_seen.clone());
        connections.spawn(async move {
            serve_connection(io, local, remote, ep, limits, stop_seen).await;
            drop(slot);
        });
    }
    drop(acceptor);
    let _ = stopping.send(true);
    let drained = tokio::time::timeout(grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "grace period over; closing the remaining connections"
        );
    }
}

/// Serves one connection until it ends, expires, or the server stops.
async fn serve_connection<E, T>(
    io: T,
    local: LocalAddr,
    remote: RemoteAddr,
    ep: Arc<E>,
    limits: ConnectionSettings,
    mut stop_seen: signal::Receiver<bool>,
) where
    E: Endpoint<Output = Response> + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let watch = Watch::new(limits.header_read_timeout, limits.keep_alive_timeout);
    let io = TokioIo::new(Watched {
        io,
        watch: watch.clone(),
    });
    let service = {
        let watch = watch.clone();
        hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let busy = watch.begin();
            let (ep, local, remote) = (ep.clone(), local.clone(), remote.clone());
            async move {
                let response = match head_too_large(&req, limits.max_header_bytes) {
                    Some(refused) => refused,
                    None => {
                        let req = poem::Request::from((
                            req,
                            local,
                            remote,
                            poem::http::uri::Scheme::HTTP,
                        ));
                        ep.get_response(req).await
                    }
                };
                let response = hyper::Response::from(response);
                Ok::<_, Infallible>(response.map(|body| Tracked { body, _busy: busy }))
            }
        })
    };
    // Heads between the limit and twice it get the JSON 431 above; larger ones are
    // refused by hyper itself (a bare 431) before they take more memory.
    let hard_limit = limits.max_header_bytes.saturating_mul(2).max(8192);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .keep_alive(true)
        .header_read_timeout(None)
        .max_buf_size(hard_limit);
    builder
        .http2()
        .max_header_list_size(u32::try_from(hard_limit).unwrap_or(u32::MAX));
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        // Nothing runs on the connection: closing it loses nothing.
        () = watch.expired() => return,
        _ = stop_seen.changed() => conn.as_mut().graceful_shutdown(),
    }
    let _ = conn.await;
}

/// The JSON 431 for a request line plus headers longer than `limit` bytes. It is
/// answered before routing, so it has no request id and no request log row.
fn head_too_large<B>(req: &hyper::Request<B>, limit: usize) -> Option<Response> {
    let uri = req.uri();
    let target = uri.path_and_query().map_or(1, |pq| pq.as_str().len())
        + uri.authority().map_or(0, |a| a.as_str().len() + 7);
    // `METHOD target HTTP/1.1\r\n`
    let line = req.method().as_str().len() + target + 12;
    let headers: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if line + headers <= limit {
        return None;
    }
    let err = GatewayError::HeadersTooLarge(format!(
        "the request line and headers take {} bytes; at most {limit} are accepted",
        line + headers
    ));
    // The Anthropic error shape on its endpoints, as everywhere else.
    let mut response = if uri.path().starts_with("/v1/messages") {
        err.anthropic_response()
    } else {
        poem::IntoResponse::into_response(err)
    };
    if req.version() < poem::http::Version::HTTP_2 {
        response.headers_mut().insert(
            poem::http::header::CONNECTION,
            poem::http::HeaderValue::from_static("close"),
        );
    }
    Some(response)
}

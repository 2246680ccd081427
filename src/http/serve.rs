//! Serving an axum app on the open internet: the accept loop that the example server and the
//! gateway share (feature `axum`).
//!
//! `axum::serve` is fine behind a trusted proxy, but it has no header-read timeout and no cap
//! on connections: a few thousand idle, half-sent connections exhaust the process's file
//! descriptors, and then nothing is answered. [`serve`] bounds every resource a client can hold:
//!
//! 1. at most [`ServeLimits::max_connections`] connections at once (by default below the
//!    process's descriptor limit): when full, it stops accepting, and new connections wait in
//!    the kernel's backlog until one closes;
//! 2. a connection must send a complete request head within
//!    [`ServeLimits::header_read_timeout`], counted from the moment it waits for a request, so
//!    the same bound closes idle keep-alive connections (hyper runs one timer for both);
//! 3. a request head is at most [`ServeLimits::max_header_bytes`] and
//!    [`ServeLimits::max_headers`] headers (hyper answers `431` and closes);
//! 4. a handler, body reading included, has [`ServeLimits::request_timeout`] (then `408`);
//! 5. on shutdown it stops accepting, closes idle keep-alive connections, lets requests in
//!    flight finish, and gives up on the rest after [`ServeLimits::shutdown_grace`].
//!
//! It speaks HTTP/1.1 only (what reverse proxies use towards their upstreams and auth hooks).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The `tracing` target of the serving loop's events.
const LOG_TARGET: &str = "client_keys::serve";

/// The resources one client can hold on a server run by [`serve`]; see the module docs.
///
/// ```
/// use std::time::Duration;
/// use client_keys::http::ServeLimits;
///
/// let limits = ServeLimits::default()
///     .with_max_connections(500)
///     .with_header_read_timeout(Duration::from_secs(5));
/// assert_eq!(limits.max_connections(), 500);
/// ```
#[derive(Debug, Clone)]
pub struct ServeLimits {
    header_read_timeout: Duration,
    request_timeout: Duration,
    max_connections: usize,
    max_header_bytes: usize,
    max_headers: usize,
    shutdown_grace: Duration,
}

impl Default for ServeLimits {
    /// A 2-second header-read (and keep-alive idle) timeout, a 10-second request timeout,
    /// [`ServeLimits::default_max_connections`] connections, request heads of at most 32 KiB
    /// and 100 headers, and 5 seconds to finish requests at shutdown.
    fn default() -> ServeLimits {
        ServeLimits {
            header_read_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(10),
            max_connections: ServeLimits::default_max_connections(),
            max_header_bytes: 32 * 1024,
            max_headers: 100,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

impl ServeLimits {
    /// The default connection cap: the process's soft limit on open files less 64 (for the
    /// listeners, configuration files and logs), at least 16 and at most 16,384; 960 where the
    /// limit cannot be read (it is read from `/proc/self/limits`).
    #[must_use]
    pub fn default_max_connections() -> usize {
        match descriptor_limit() {
            Some(limit) => usize::try_from(limit.saturating_sub(64))
                .unwrap_or(usize::MAX)
                .clamp(16, 16_384),
            None => 960,
        }
    }

    /// Sets the time a connection has to send a complete request head, counted from when it
    /// waits for one: also the idle keep-alive timeout.
    #[must_use]
    pub fn with_header_read_timeout(mut self, timeout: Duration) -> ServeLimits {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets the time a handler has, reading the body included, before the answer is `408`.
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> ServeLimits {
        self.request_timeout = timeout;
        self
    }

    /// Sets the most connections served at once (at least 1).
    #[must_use]
    pub fn with_max_connections(mut self, max: usize) -> ServeLimits {
        self.max_connections = max.max(1);
        self
    }

    /// Sets the largest request head (request line and headers), in bytes; at least 8 KiB.
    #[must_use]
    pub fn with_max_header_bytes(mut self, max: usize) -> ServeLimits {
        self.max_header_bytes = max.max(8 * 1024);
        self
    }

    /// Sets the most headers in a request.
    #[must_use]
    pub fn with_max_headers(mut self, max: usize) -> ServeLimits {
        self.max_headers = max.max(1);
        self
    }

    /// Sets how long requests in flight may take to finish once shutdown has begun.
    #[must_use]
    pub fn with_shutdown_grace(mut self, grace: Duration) -> ServeLimits {
        self.shutdown_grace = grace;
        self
    }

    /// The header-read and keep-alive idle timeout.
    #[must_use]
    pub fn header_read_timeout(&self) -> Duration {
        self.header_read_timeout
    }

    /// The request timeout.
    #[must_use]
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The connection cap.
    #[must_use]
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    /// The largest request head, in bytes.
    #[must_use]
    pub fn max_header_bytes(&self) -> usize {
        self.max_header_bytes
    }

    /// The most headers in a request.
    #[must_use]
    pub fn max_headers(&self) -> usize {
        self.max_headers
    }

    /// The time requests in flight get at shutdown.
    #[must_use]
    pub fn shutdown_grace(&self) -> Duration {
        self.shutdown_grace
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then shuts down
/// gracefully (see the module docs).
///
/// Errors accepting a connection (such as running out of descriptors) are logged and retried
/// after a short pause: they never end the loop.
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use client_keys::http::{ServeLimits, serve, shutdown_signal};
///
/// #[tokio::main]
/// async fn main() -> std::io::Result<()> {
///     let shutdown = shutdown_signal()?; // before anything slow, so SIGTERM is never lost
///     let app = Router::new().route("/", get(|| async { "ok" }));
///     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
///     serve(listener, app, &ServeLimits::default(), shutdown).await
/// }
/// ```
///
/// # Errors
/// None today: the result leaves room for listener errors that cannot be retried.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &ServeLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let app = app.layer(axum::middleware::from_fn_with_state(
        limits.request_timeout,
        request_timeout,
    ));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes + 16 * 1024)
        .max_headers(limits.max_headers)
        .keep_alive(true);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        // The semaphore is never closed.
        let Ok(slot) = slot else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    if !is_connection_error(&error) {
                        tracing::error!(target: LOG_TARGET, %error, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(
                target: LOG_TARGET,
                grace = ?limits.shutdown_grace,
                "requests still in flight at the end of the shutdown grace period were dropped"
            );
        }
    }
    Ok(())
}

/// A future that completes on `SIGTERM` or `SIGINT` (Ctrl-C), for [`serve`]'s `shutdown`.
///
/// The handlers are installed when this is called, not when the future is first polled: call
/// it first thing in `main`, before loading the configuration, so that a signal that arrives
/// during start-up is not lost (and does not kill the process without a graceful shutdown).
///
/// # Errors
/// A signal handler cannot be installed.
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
            tracing::info!(target: LOG_TARGET, "shutting down");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!(target: LOG_TARGET, "shutting down");
        })
    }
}

/// `408 {"error": "request_timeout"}` when the handler has not answered in time.
async fn request_timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (
            StatusCode::REQUEST_TIMEOUT,
            [(http::header::CONNECTION, "close")],
            axum::Json(serde_json::json!({ "error": "request_timeout" })),
        )
            .into_response(),
    }
}

/// Errors of one connection that the accept loop can skip at once (as `axum::serve` does).
fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// The soft limit on open files, from `/proc/self/limits` (Linux).
fn descriptor_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    parse_descriptor_limit(&limits)
}

fn parse_descriptor_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// One line for a start-up log.
impl fmt::Display for ServeLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} connections, header-read timeout {:?}, request timeout {:?}, heads up to {} \
             bytes and {} headers",
            self.max_connections,
            self.header_read_timeout,
            self.request_timeout,
            self.max_header_bytes,
            self.max_headers
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_descriptor_limit_is_read_from_proc() {
        let text = "Limit                     Soft Limit           Hard Limit           Units     \n\
                    Max cpu time              unlimited            unlimited            seconds   \n\
                    Max open files            1024                 524288               files     \n";
        assert_eq!(parse_descriptor_limit(text), Some(1024));
        assert_eq!(parse_descriptor_limit("nothing"), None);
        assert!(ServeLimits::default_max_connections() >= 16);
    }
}

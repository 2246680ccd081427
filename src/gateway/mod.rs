//! The gateway (feature `gateway`): client-key authentication for any backend, behind a
//! reverse proxy's forward-auth hook (nginx `auth_request`, Caddy `forward_auth`, Traefik
//! `ForwardAuth`, Envoy `ext_authz`, ingress-nginx `auth-url`). The `client-keys-gateway`
//! binary is a thin layer over [`Gateway`]; `docs/GATEWAY.md` has the proxies' configuration.
//!
//! The main listener serves:
//!
//! - `/verify`, any method, any path below it (`/verify/apps/1`): reads `Authorization:
//!   Bearer` exactly as [`ClientKeyLayer`](crate::ClientKeyLayer) does, never reads the body,
//!   and answers `200` (allowed: empty body, `Cache-Control: no-store` and the identity headers
//!   [`IDENTITY_HEADERS`]), `401` or `403` (refused, with the middleware's `WWW-Authenticate`
//!   and JSON body; a malformed header is `401 invalid_request` here, not `400`, because nginx
//!   turns any other status into a 500), or `503` while no valid configuration is loaded. The
//!   scopes a route needs come from the proxy, in the [`SCOPE_HEADER`] header or `?scope=`
//!   (space-separated, all required).
//! - `POST /auth/token`: [`crate::http::token_endpoint`], the example server's
//!   exchange of a client key for a short-lived access token.
//!
//! The admin listener (at most 32 connections) serves `/healthz` (alive), `/readyz` (`200`
//! once a valid configuration is loaded; a later failed reload keeps it) and `/metrics`
//! (OpenMetrics text, names prefixed `client_keys_`).
//!
//! The configuration is what [`Config::from_env`](crate::Config::from_env) reads (the
//! environment, `.env`, and the files that `CLIENT_SECRET_FILE`, `CLIENT_SECRET_PREVIOUS_FILE`
//! and `CLIENT_KEYS_FILE` name). [`Gateway::reload`] swaps it in without a lock; a
//! configuration that does not load is refused, logged and counted, and the old one keeps
//! serving. [`Gateway::run`] reloads on `SIGHUP` and when a watched file changes.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use http::HeaderValue;
use tokio::net::TcpListener;

use crate::access::DEFAULT_MAX_ACCESS_TTL;
use crate::config::allowlist::Allowlist;
use crate::config::source::{EnvSource, Missing};
use crate::config::{Config, ConfigError};
use crate::http::middleware::{Challenges, Realm, json_response};
use crate::http::{ServeLimits, SharedVerifier, serve, token_endpoint};
use crate::token::secret::ClientSecret;
use crate::verify::{Accept, Verifier};

mod decision;
mod metrics;
mod watch;

pub use decision::{IDENTITY_HEADERS, SCOPE_HEADER};

use decision::LOG_TARGET;
use metrics::Metrics;

/// How the gateway decides and serves; everything has a default.
///
/// ```
/// use client_keys::gateway::GatewayOptions;
/// use client_keys::{Accept, TokenKind};
///
/// let options = GatewayOptions::default().accepting(Accept::Only(TokenKind::AccessToken));
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct GatewayOptions {
    accept: Accept,
    realm: String,
    limits: ServeLimits,
    watch_interval: Duration,
    env_file: PathBuf,
}

impl Default for GatewayOptions {
    /// Client keys and access tokens, realm `api`, [`ServeLimits::default`], files checked
    /// every second, `.env` in the current directory.
    fn default() -> GatewayOptions {
        GatewayOptions {
            accept: Accept::All,
            realm: "api".to_owned(),
            limits: ServeLimits::default(),
            watch_interval: Duration::from_secs(1),
            env_file: PathBuf::from(".env"),
        }
    }
}

impl GatewayOptions {
    /// Which kinds of token `/verify` accepts (both by default).
    #[must_use]
    pub fn accepting(mut self, accept: Accept) -> GatewayOptions {
        self.accept = accept;
        self
    }

    /// The realm of the `WWW-Authenticate` challenges (default `api`).
    ///
    /// # Errors
    /// The realm has a character other than visible ASCII and space, or a `"` or `\`.
    pub fn with_realm(mut self, realm: &str) -> Result<GatewayOptions, InvalidRealm> {
        if !realm
            .bytes()
            .all(|b| matches!(b, b' '..=b'~') && b != b'"' && b != b'\\')
        {
            return Err(InvalidRealm { _private: () });
        }
        self.realm = realm.to_owned();
        Ok(self)
    }

    /// The limits of both listeners.
    #[must_use]
    pub fn with_limits(mut self, limits: ServeLimits) -> GatewayOptions {
        self.limits = limits;
        self
    }

    /// How often the configuration files are checked for changes (default 1 second; at
    /// least 50 ms).
    #[must_use]
    pub fn with_watch_interval(mut self, interval: Duration) -> GatewayOptions {
        self.watch_interval = interval.max(Duration::from_millis(50));
        self
    }

    /// The `.env` file read under the environment (default `.env` in the working directory;
    /// a file that does not exist is skipped, as for [`Config::from_env`]).
    #[must_use]
    pub fn with_env_file(mut self, path: impl Into<PathBuf>) -> GatewayOptions {
        self.env_file = path.into();
        self
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> &ServeLimits {
        &self.limits
    }
}

/// A realm that cannot be written into a header as a quoted string.
#[derive(Debug)]
pub struct InvalidRealm {
    _private: (),
}

impl fmt::Display for InvalidRealm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the realm must be printable ASCII without `\"` or `\\`")
    }
}

impl std::error::Error for InvalidRealm {}

/// The admin listener's connection cap.
const ADMIN_MAX_CONNECTIONS: usize = 32;

/// What the handlers share.
pub(crate) struct Shared {
    pub(crate) verifier: SharedVerifier,
    pub(crate) ready: AtomicBool,
    pub(crate) challenges: Challenges,
    pub(crate) metrics: Metrics,
    accept: Accept,
    env_file: PathBuf,
    /// The watched files as the last load saw them.
    seen: std::sync::Mutex<watch::Snapshot>,
}

/// The gateway: its verifier, readiness and metrics, and the two routers that serve them.
///
/// ```no_run
/// use client_keys::gateway::{Gateway, GatewayOptions};
/// use client_keys::http::shutdown_signal;
///
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     // Signal handlers first, then the configuration.
///     let shutdown = shutdown_signal()?;
///     let hangups = Gateway::hangups()?;
///     let gateway = Gateway::new(GatewayOptions::default());
///     if let Err(error) = gateway.reload() {
///         // Serves 503 until a SIGHUP or a file change brings a valid configuration.
///         eprintln!("not ready: {error}");
///     }
///     let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
///     let admin = tokio::net::TcpListener::bind("127.0.0.1:9090").await?;
///     gateway.run_with(listener, admin, hangups, shutdown).await?;
///     Ok(())
/// }
/// ```
#[derive(Clone)]
pub struct Gateway {
    shared: Arc<Shared>,
    options: GatewayOptions,
}

impl Gateway {
    /// A gateway with no configuration loaded yet: `/verify` answers `503` until
    /// [`Gateway::reload`] succeeds.
    #[must_use]
    pub fn new(options: GatewayOptions) -> Gateway {
        // Until a configuration loads, a verifier that refuses everything sits in the slot (so
        // that even a mistake in the readiness check fails closed).
        let placeholder = Verifier::new(&ClientSecret::generate(), Allowlist::default());
        let shared = Shared {
            verifier: SharedVerifier::new(placeholder),
            ready: AtomicBool::new(false),
            challenges: Challenges::new(Realm(Arc::from(options.realm.as_str()))),
            metrics: Metrics::new(),
            accept: options.accept,
            env_file: options.env_file.clone(),
            seen: std::sync::Mutex::new(Vec::new()),
        };
        Gateway {
            shared: Arc::new(shared),
            options,
        }
    }

    /// Loads the configuration ([`Config::from_env`] with the `_FILE` variables) and swaps it
    /// in; requests in flight finish with the configuration they started with. On error the
    /// current configuration (and readiness) stays; the error is counted in the metrics and
    /// returned, naming the variable or file and the fix, never a value. Blocking: it reads
    /// files (run it on a blocking thread in async code).
    ///
    /// # Errors
    /// As [`Config::from_env`] and [`Verifier::try_from`].
    pub fn reload(&self) -> Result<(), ConfigError> {
        let started = std::time::Instant::now();
        let seen = watch::snapshot(self);
        *self
            .shared
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = seen;
        let loaded = Config::from_optional_env_file(&self.shared.env_file).and_then(|config| {
            let secrets = 1 + config.previous_secrets().len();
            let verifier = Verifier::try_from(config)?
                .accepting(self.shared.accept)
                .with_max_access_ttl(DEFAULT_MAX_ACCESS_TTL);
            Ok((verifier, secrets))
        });
        match loaded {
            Ok((verifier, secrets)) => {
                let keys = verifier.allowlist().len();
                self.shared.verifier.store(verifier);
                self.shared.ready.store(true, Ordering::Release);
                self.shared.metrics.loaded(keys, secrets);
                tracing::info!(
                    target: LOG_TARGET,
                    keys,
                    secrets,
                    took_ms = started.elapsed().as_millis() as u64,
                    "configuration loaded"
                );
                Ok(())
            }
            Err(error) => {
                self.shared.metrics.load_failed();
                tracing::error!(
                    target: LOG_TARGET,
                    %error,
                    ready = self.is_ready(),
                    "configuration refused: the previous one stays in place"
                );
                Err(error)
            }
        }
    }

    /// Whether a valid configuration has been loaded.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.shared.ready.load(Ordering::Acquire)
    }

    /// The watched files as the last load saw them.
    fn last_snapshot(&self) -> watch::Snapshot {
        self.shared
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The files whose change triggers a reload: the `.env` file and the files the `_FILE`
    /// variables name (from the environment or `.env`).
    #[must_use]
    pub fn watched_files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.shared.env_file.clone()];
        if let Ok(source) = EnvSource::load(&self.shared.env_file, Missing::Allowed) {
            files.extend(source.named_files());
        }
        files
    }

    /// The main listener's routes: `/verify`, `/verify/{*path}` and `POST /auth/token`.
    pub fn router(&self) -> Router {
        let shared = Arc::clone(&self.shared);
        let token = Router::new()
            .route("/auth/token", token_endpoint(self.shared.verifier.clone()))
            .route_layer(axum::middleware::from_fn_with_state(
                Arc::clone(&shared),
                only_when_ready,
            ));
        Router::new()
            .route("/verify", any(decision::decide))
            .route("/verify/", any(decision::decide))
            .route("/verify/{*path}", any(decision::decide))
            .with_state(shared)
            .merge(token)
    }

    /// The admin listener's routes: `/healthz`, `/readyz`, `/metrics`.
    pub fn admin_router(&self) -> Router {
        Router::new()
            .route("/healthz", get(|| async { "ok\n" }))
            .route("/readyz", get(readyz))
            .route("/metrics", get(metrics))
            .with_state(Arc::clone(&self.shared))
    }

    /// Serves the main and admin listeners until `shutdown` completes, reloading the
    /// configuration on `SIGHUP` and within about twice the watch interval of a change to a
    /// watched file (the `.env` file and those the `_FILE` variables name). It does not load
    /// the configuration first: call [`Gateway::reload`] before. It installs the `SIGHUP`
    /// handler only now; [`Gateway::run_with`] takes one installed by [`Gateway::hangups`]
    /// before the configuration was loaded, so that no signal during start-up is lost.
    ///
    /// # Errors
    /// A listener fails.
    pub async fn run(
        self,
        listener: TcpListener,
        admin: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let hangups = Hangups::install()?;
        self.run_with(listener, admin, hangups, shutdown).await
    }

    /// [`Gateway::run`] with `SIGHUP` handling already installed by [`Gateway::hangups`].
    ///
    /// # Errors
    /// A listener fails.
    pub async fn run_with(
        self,
        listener: TcpListener,
        admin: TcpListener,
        hangups: Hangups,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let until_stopped = move || {
            let mut stopped = stopped.clone();
            async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            }
        };
        let watcher = tokio::spawn(watch::reload_loop(
            self.clone(),
            hangups,
            self.options.watch_interval,
            until_stopped(),
        ));
        let admin_server = tokio::spawn({
            let router = self.admin_router();
            // Probes and a scraper need few connections; the descriptors go to the main
            // listener (whose default cap leaves 64 below the open-file limit).
            let limits = self.options.limits.clone().with_max_connections(
                self.options
                    .limits
                    .max_connections()
                    .min(ADMIN_MAX_CONNECTIONS),
            );
            let until = until_stopped();
            async move { serve(admin, router, &limits, until).await }
        });
        let main = serve(
            listener,
            self.router(),
            &self.options.limits,
            until_stopped(),
        );
        let signal = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let (served, ()) = tokio::join!(main, signal);
        let admin_served = admin_server.await.unwrap_or(Ok(()));
        let _ = watcher.await;
        served.and(admin_served)
    }

    /// Installs the `SIGHUP` handler for [`Gateway::run_with`]: call it before loading the
    /// configuration.
    ///
    /// # Errors
    /// The handler cannot be installed.
    pub fn hangups() -> std::io::Result<Hangups> {
        Hangups::install()
    }
}

impl fmt::Debug for Gateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gateway")
            .field("verifier", &self.shared.verifier)
            .field("ready", &self.is_ready())
            .field("options", &self.options)
            .finish()
    }
}

/// The `SIGHUP` stream (nothing on other platforms).
pub struct Hangups {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Hangups {
    fn install() -> std::io::Result<Hangups> {
        Ok(Hangups {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?,
        })
    }

    /// The next `SIGHUP` (never, where there are none).
    pub(crate) async fn next(&mut self) {
        #[cfg(unix)]
        {
            if self.signal.recv().await.is_some() {
                return;
            }
        }
        std::future::pending::<()>().await;
    }
}

impl fmt::Debug for Hangups {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hangups").finish_non_exhaustive()
    }
}

/// `503` for `/auth/token` while no configuration is loaded.
async fn only_when_ready(
    State(shared): State<Arc<Shared>>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    if shared.ready.load(Ordering::Acquire) {
        return next.run(request).await;
    }
    let mut response: Response = json_response(
        StatusCode::SERVICE_UNAVAILABLE,
        None,
        &serde_json::json!({ "error": "temporarily_unavailable" }),
    );
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    response
}

async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    if shared.ready.load(Ordering::Acquire) {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "no valid configuration is loaded\n",
        )
            .into_response()
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    (
        [(
            http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        shared.metrics.encode(),
    )
        .into_response()
}

//! The API from Trivial's client API keys guide, protected by client keys.
//!
//! ```sh
//! issue-client-key init                                   # .env: CLIENT_SECRET, CLIENT_KEYS=
//! issue-client-key --name billing --scope write --save    # prints the key_access_token
//! cargo run --example server --features axum              # http://127.0.0.1:3000
//! curl -H "Authorization: Bearer $TOKEN" http://localhost:3000/apps
//! ```
//!
//! - `GET /`: public health check.
//! - `GET /apps`: the apps, for any valid key.
//! - `POST /apps` with `{"name": "…"}`: creates an app (201); the key needs scope `write`.
//! - `POST /auth/token` (`client_keys::http::token_endpoint`) with `{"api_key": "ckey_…", "session_id": "…", "scopes": ["read"]}`
//!   (or EyePop's `{"secret_key": "ckey_…"}`): exchanges a client key for a short-lived access
//!   token, `{"access_token": "ckat_…", "expires_in": N, "token_type": "Bearer"}`, that
//!   `GET /apps` accepts until it expires or its client key is revoked.
//!
//! `PORT` sets the port (default 3000, 0 for any free one); the address is printed on stdout,
//! logs go to stderr (refusals and reloads; `RUST_LOG=debug` adds every accepted request). Configuration comes from `Verifier::from_env` (the environment, then
//! `.env`). After editing `.env` (say `issue-client-key revoke <key_id>`), `kill -HUP <pid>`
//! reloads it: a revoked key is refused from the next request on. `SIGTERM` or Ctrl-C shuts it
//! down gracefully. It is served by `client_keys::http::serve`, whose limits (header-read
//! timeout, connection cap, header sizes, request timeout) keep idle or half-sent connections
//! from taking it down: copy that part too.

use std::error::Error;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::State;
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use client_keys::http::{ServeLimits, serve, shutdown_signal, token_endpoint};
use client_keys::{Authenticated, ClientKeyLayer, RequireScope, SharedVerifier, Verifier};
use serde_json::{Value, json};

/// The apps, kept in memory.
type Apps = Arc<Mutex<Vec<Value>>>;

// `pub(crate)` items are shared with `tests/server.rs`, which includes this file.

#[tokio::main]
pub(crate) async fn main() {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    let colors = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // `RUST_LOG` as usual (`debug`, `client_keys::middleware=debug,info`, ...); `LOG_LEVEL=debug`
    // is kept as a shorthand. At `debug` every accepted request is logged too.
    let filter = std::env::var("RUST_LOG")
        .ok()
        .or_else(|| std::env::var("LOG_LEVEL").ok())
        .and_then(|text| text.parse::<tracing_subscriber::filter::Targets>().ok())
        .unwrap_or_else(|| {
            tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO)
        });
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(colors),
        )
        .with(filter)
        .init();
    if let Err(error) = run().await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    // Signal handlers first, so that a SIGHUP or SIGTERM during start-up cannot kill the
    // process: SIGTERM and Ctrl-C shut down gracefully, SIGHUP reloads.
    let shutdown = shutdown_signal()?;
    #[cfg(unix)]
    let hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;

    // Access tokens from /auth/token live at most DEFAULT_MAX_ACCESS_TTL: refuse any that claim
    // to live longer (only a holder of the secret could mint one).
    let verifier = SharedVerifier::new(
        Verifier::from_env()?.with_max_access_ttl(client_keys::limits::DEFAULT_MAX_ACCESS_TTL),
    );
    #[cfg(unix)]
    reload_on_sighup(hangups, verifier.clone());

    let port = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|_| "PORT must be a port number")?,
        Err(_) => 3000,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    // A header-read timeout, a connection cap below the descriptor limit, bounded headers,
    // a request timeout and a graceful shutdown: what `axum::serve` alone does not give.
    serve(listener, app(verifier), &ServeLimits::default(), shutdown).await?;
    Ok(())
}

/// The routes: public ones, then those behind a client key (add new routes to either).
pub(crate) fn app(verifier: SharedVerifier) -> Router {
    let apps: Apps = Arc::new(Mutex::new(vec![json!({ "id": 1, "name": "Welcome" })]));
    let protected = Router::new()
        .route(
            "/apps",
            get(list_apps).post(create_app.layer(RequireScope::new("write"))),
        )
        .route_layer(ClientKeyLayer::new(verifier.clone()));
    Router::new()
        .route("/", get(health))
        .route("/auth/token", token_endpoint(verifier.clone()))
        .merge(protected)
        .with_state(apps)
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn list_apps(State(apps): State<Apps>) -> Json<Vec<Value>> {
    Json(apps.lock().unwrap_or_else(PoisonError::into_inner).clone())
}

async fn create_app(
    State(apps): State<Apps>,
    Authenticated(key): Authenticated,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let Some(name) = body["name"].as_str().filter(|name| !name.is_empty()) else {
        let error = json!({ "error": "the body must be {\"name\": \"…\"}" });
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(error));
    };
    let mut apps = apps.lock().unwrap_or_else(PoisonError::into_inner);
    let app = json!({
        "id": apps.len() + 1,
        "name": name,
        "created_by": key.key_id().to_string(),
    });
    apps.push(app.clone());
    (StatusCode::CREATED, Json(app))
}

/// On `SIGHUP`, reads the configuration again; a broken one is logged and the old one kept.
#[cfg(unix)]
fn reload_on_sighup(mut hangups: tokio::signal::unix::Signal, verifier: SharedVerifier) {
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            match verifier.reload_from_env() {
                Ok(()) => tracing::info!(
                    keys = verifier.load().allowlist().len(),
                    "configuration reloaded"
                ),
                Err(error) => tracing::error!(%error, "configuration kept: the new one is broken"),
            }
        }
    });
}

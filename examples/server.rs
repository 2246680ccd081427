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
//!
//! `PORT` sets the port (default 3000, 0 for any free one); the address is printed on stdout,
//! logs go to stderr. Configuration comes from `Verifier::from_env` (the environment, then
//! `.env`). After editing `.env` (say `issue-client-key revoke <key_id>`), `kill -HUP <pid>`
//! reloads it: a revoked key is refused from the next request on.

use std::error::Error;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::State;
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use client_keys::{Authenticated, ClientKeyLayer, RequireScope, SharedVerifier};
use serde_json::{Value, json};

/// The apps, kept in memory.
type Apps = Arc<Mutex<Vec<Value>>>;

// `pub(crate)` items are shared with `tests/server.rs`, which includes this file.

#[tokio::main]
pub(crate) async fn main() {
    let colors = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(colors)
        .init();
    if let Err(error) = run().await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    let verifier = SharedVerifier::from_env()?;
    #[cfg(unix)]
    reload_on_sighup(verifier.clone())?;

    let port = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|_| "PORT must be a port number")?,
        Err(_) => 3000,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(verifier)).await?;
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
        .route_layer(ClientKeyLayer::new(verifier));
    Router::new()
        .route("/", get(health))
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
fn reload_on_sighup(verifier: SharedVerifier) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};

    // Registered before the server starts, so that no SIGHUP can kill the process.
    let mut hangups = signal(SignalKind::hangup())?;
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
    Ok(())
}

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
//! - `POST /auth/token` with `{"api_key": "ckey_…", "session_id": "…", "scopes": ["read"]}`
//!   (or EyePop's `{"secret_key": "ckey_…"}`): exchanges a client key for a short-lived access
//!   token, `{"access_token": "ckat_…", "expires_in": N, "token_type": "Bearer"}`, that
//!   `GET /apps` accepts until it expires or its client key is revoked.
//!
//! `PORT` sets the port (default 3000, 0 for any free one); the address is printed on stdout,
//! logs go to stderr (refusals and reloads; `RUST_LOG=debug` adds every accepted request). Configuration comes from `Verifier::from_env` (the environment, then
//! `.env`). After editing `.env` (say `issue-client-key revoke <key_id>`), `kill -HUP <pid>`
//! reloads it: a revoked key is refused from the next request on.

use std::error::Error;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRef, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use client_keys::{
    AccessIssuer, AccessRequest, Authenticated, ClientKeyLayer, ExchangeError, RequireScope,
    SharedVerifier, Verifier,
};
use serde_json::{Value, json};

/// The apps, kept in memory.
type Apps = Arc<Mutex<Vec<Value>>>;

/// What the handlers share.
#[derive(Clone)]
struct AppState {
    apps: Apps,
    verifier: SharedVerifier,
}

impl FromRef<AppState> for Apps {
    fn from_ref(state: &AppState) -> Apps {
        state.apps.clone()
    }
}

impl FromRef<AppState> for SharedVerifier {
    fn from_ref(state: &AppState) -> SharedVerifier {
        state.verifier.clone()
    }
}

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
    // Access tokens from /auth/token live at most DEFAULT_MAX_ACCESS_TTL: refuse any that claim
    // to live longer (only a holder of the secret could mint one).
    let verifier = SharedVerifier::new(
        Verifier::from_env()?.with_max_access_ttl(client_keys::limits::DEFAULT_MAX_ACCESS_TTL),
    );
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
        .route_layer(ClientKeyLayer::new(verifier.clone()));
    Router::new()
        .route("/", get(health))
        .route(
            "/auth/token",
            post(issue_access_token).layer(DefaultBodyLimit::max(MAX_TOKEN_REQUEST)),
        )
        .merge(protected)
        .with_state(AppState { apps, verifier })
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

/// The largest body `POST /auth/token` reads: far more than a key, a session id and 16 scopes.
const MAX_TOKEN_REQUEST: usize = 8 * 1024;

/// `POST /auth/token`: a client key in the body, a short-lived access token in the answer
/// (RFC 6749 §5 shapes: `invalid_request`, `invalid_client`, `invalid_scope`; never cached).
async fn issue_access_token(
    State(verifier): State<SharedVerifier>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let description = format!("the body is larger than {MAX_TOKEN_REQUEST} bytes");
            return match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => token_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "invalid_request",
                    Some(&description),
                ),
                status => token_error(
                    status,
                    "invalid_request",
                    Some("the body could not be read"),
                ),
            };
        }
    };
    let Some((client_key, request)) = parse_token_request(&body) else {
        let error = "the body must be {\"api_key\": \"…\", \"session_id\": \"…\", \"scopes\": […]}";
        return token_error(StatusCode::BAD_REQUEST, "invalid_request", Some(error));
    };
    match AccessIssuer::new(verifier.load()).exchange(&client_key, &request) {
        Ok(access) => {
            tracing::info!(
                key_id = %access.key_id(),
                scopes = ?access.scopes(),
                expires_in = access.expires_in(),
                "access token issued"
            );
            let answer = json!({
                "access_token": access.token().expose_secret(),
                "expires_in": access.expires_in(),
                "token_type": access.token_type(),
            });
            no_store((StatusCode::OK, Json(answer)).into_response())
        }
        Err(ExchangeError::InvalidClient(reason)) => {
            tracing::warn!(%reason, "access token refused");
            token_error(StatusCode::UNAUTHORIZED, "invalid_client", None)
        }
        Err(ExchangeError::ScopeNotGranted { scope }) => {
            tracing::warn!(%scope, "access token refused: scope not granted");
            token_error(StatusCode::BAD_REQUEST, "invalid_scope", None)
        }
        Err(error) => token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some(&error.to_string()),
        ),
    }
}

/// `{"api_key" | "secret_key": "…", "session_id"?: "…", "scopes"?: ["…"]}`.
fn parse_token_request(body: &[u8]) -> Option<(zeroize::Zeroizing<String>, AccessRequest)> {
    let body: Value = serde_json::from_slice(body).ok()?;
    let object = body.as_object()?;
    let key = object
        .get("api_key")
        .or_else(|| object.get("secret_key"))?
        .as_str()?;
    let mut request = AccessRequest::new();
    match object.get("session_id") {
        None | Some(Value::Null) => {}
        Some(id) => request = request.with_session_id(id.as_str()?),
    }
    match object.get("scopes") {
        None | Some(Value::Null) => {}
        Some(scopes) => {
            for scope in scopes.as_array()? {
                request = request.with_scope(scope.as_str()?);
            }
        }
    }
    Some((zeroize::Zeroizing::new(key.to_owned()), request))
}

fn token_error(status: StatusCode, error: &str, description: Option<&str>) -> Response {
    let mut body = json!({ "error": error });
    if let Some(description) = description {
        body["error_description"] = json!(description);
    }
    no_store((status, Json(body)).into_response())
}

/// Token answers must not be cached (RFC 6749 §5.1).
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
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

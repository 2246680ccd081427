//! `POST /auth/token` over HTTP (feature `axum`): the token endpoint that the example server
//! and the gateway share.

use axum::Json;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::access::{AccessIssuer, AccessRequest, ExchangeError};
use crate::http::reload::SharedVerifier;

/// The `tracing` target of the endpoint's events.
const LOG_TARGET: &str = "client_keys::exchange";

/// The largest body `POST /auth/token` reads: far more than a key, a session id and 16 scopes.
pub const MAX_TOKEN_REQUEST: usize = 8 * 1024;

/// The token endpoint, for `Router::route("/auth/token", token_endpoint(verifier))`: a client
/// key in the body, a short-lived access token in the answer.
///
/// The request is JSON, `{"api_key": "ckey_…", "session_id": "…", "scopes": ["read"]}` (only
/// the key is required; `secret_key` is accepted for `api_key`, as EyePop names it). The
/// answer is `{"access_token": "ckat_…", "expires_in": N, "token_type": "Bearer"}` from
/// [`AccessIssuer::exchange`] with the current verifier (so a reload applies at once): the same
/// token for the same request within a window, at most
/// [`DEFAULT_MAX_ACCESS_TTL`](crate::limits::DEFAULT_MAX_ACCESS_TTL). Refusals take RFC 6749
/// §5.2's shapes: `400 invalid_request` (a body that is not that JSON), `401 invalid_client`
/// (the key does not verify, the same for every cause), `400 invalid_scope` (a scope the key
/// lacks), `413 invalid_request` (a body over [`MAX_TOKEN_REQUEST`] bytes). Every answer has
/// `Cache-Control: no-store`.
///
/// Each exchange makes one `tracing` event (target `client_keys::exchange`): `INFO` "access
/// token issued" with the `key_id`, scopes and lifetime, or `WARN` "access token refused" with
/// the reason. Neither the key nor the token is logged.
pub fn token_endpoint<S>(verifier: SharedVerifier) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    post(move |body: Result<Bytes, BytesRejection>| {
        let verifier = verifier.clone();
        async move { issue_access_token(&verifier, body) }
    })
    .layer(DefaultBodyLimit::max(MAX_TOKEN_REQUEST))
}

fn issue_access_token(verifier: &SharedVerifier, body: Result<Bytes, BytesRejection>) -> Response {
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
                target: LOG_TARGET,
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
            tracing::warn!(target: LOG_TARGET, %reason, "access token refused");
            token_error(StatusCode::UNAUTHORIZED, "invalid_client", None)
        }
        Err(ExchangeError::ScopeNotGranted { scope }) => {
            tracing::warn!(target: LOG_TARGET, %scope, "access token refused: scope not granted");
            token_error(StatusCode::BAD_REQUEST, "invalid_scope", None)
        }
        Err(ExchangeError::SessionRevoked(reason)) => {
            tracing::warn!(target: LOG_TARGET, %reason, "access token refused: session revoked");
            token_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                Some("this session is revoked: start a new session, with another session id"),
            )
        }
        Err(error) => token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some(&error.to_string()),
        ),
    }
}

/// `{"api_key" | "secret_key": "…", "session_id"?: "…", "scopes"?: ["…"]}`.
fn parse_token_request(body: &[u8]) -> Option<(Zeroizing<String>, AccessRequest)> {
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
    Some((Zeroizing::new(key.to_owned()), request))
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

//! Server integration (feature `axum`): a tower layer that verifies `Authorization: Bearer`
//! on every request, a per-route scope requirement, and an axum extractor for the verified key.
//!
//! Answers follow RFC 6750 §3; every refusal and every acceptance is one `tracing` event.

use std::fmt;
use std::future::{Future, ready};
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::FromRequestParts;
use axum::response::IntoResponse;
use http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use tower::{Layer, Service};

use crate::bearer::bearer_token;
use crate::error::VerifyError;
use crate::http::reload::SharedVerifier;
use crate::token::claims::is_scope;
use crate::token::key_id::KeyId;
use crate::verify::VerifiedKey;

/// The `tracing` target of every event the middleware makes: stable whatever the module layout,
/// so that a log filter such as `client_keys::middleware=debug` keeps working.
const LOG_TARGET: &str = "client_keys::middleware";

/// The future of the services below: the inner service's, or an immediate refusal.
type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A tower [`Layer`] that lets through only requests with a valid client key (or access token).
///
/// For each request it reads `Authorization: Bearer <token>` (the scheme in any case), verifies
/// the token, and either passes the request on with the [`VerifiedKey`] in its extensions (take
/// it with the [`Authenticated`] extractor or `Extension<VerifiedKey>`), or answers itself as
/// RFC 6750 says, with a JSON body `{"error": "…"}`:
///
/// | request | status | `WWW-Authenticate` |
/// | --- | --- | --- |
/// | no `Authorization`, or another scheme (`Basic …`) | 401 | `Bearer realm="api"` |
/// | malformed header: `Bearer` with no token, two tokens, a tab, a control or non-ASCII character, two `Authorization` headers | 400 | `Bearer realm="api", error="invalid_request", error_description="…"` |
/// | a token that does not verify: forged, altered, expired, revoked, another secret's, too long | 401 | `Bearer realm="api", error="invalid_token"` |
///
/// The `invalid_token` answer is byte for byte the same whatever the cause, so a caller learns
/// nothing about which tokens exist; the cause goes to the log. The 400's `error_description`
/// only describes the header's syntax. Per-route scopes are [`RequireScope`].
///
/// Each request makes one `tracing` event (target `client_keys::middleware`): `DEBUG` "client
/// key accepted" with `key_id`, `kind` and `name`, or `WARN` "request refused" with `status`, `error`,
/// `reason` and, when the token decrypted, `key_id`; both with `method` and `path` (no query).
/// The token, the header and the secret are never logged. After verification the
/// `Authorization` header is marked sensitive, so that its `Debug` output is redacted.
///
/// The verifier is a [`SharedVerifier`], so the configuration can be reloaded while the server
/// runs; a plain [`Verifier`](crate::Verifier) works too. It accepts what
/// [`Verifier::verify`](crate::Verifier::verify) accepts: client keys and the access tokens of
/// [`AccessIssuer::exchange`](crate::AccessIssuer::exchange), unless narrowed with
/// [`Verifier::accepting`](crate::Verifier::accepting). It works for any tower service taking
/// an `http::Request` and answering an `http::Response` whose body can be made from a `String`
/// (axum's `Body`, `String`, `Full<Bytes>`…).
///
/// Protecting an axum app:
///
/// ```no_run
/// use axum::{Json, Router, routing::get};
/// use client_keys::{Authenticated, ClientKeyLayer, Verifier};
///
/// async fn apps(Authenticated(key): Authenticated) -> Json<Vec<String>> {
///     Json(vec![format!("app of {}", key.name().unwrap_or("an unnamed key"))])
/// }
///
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let app = Router::new()
///         .route("/apps", get(apps))
///         .layer(ClientKeyLayer::new(Verifier::from_env()?));
///     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
///     axum::serve(listener, app).await?;
///     Ok(())
/// }
/// ```
///
/// Use `route_layer` instead of `layer` to leave unmatched paths a 404, and put public routes
/// (a health check) on a router merged in without the layer. Browsers send a CORS preflight
/// without credentials: put a CORS layer outside this one if browsers call the API.
#[derive(Clone)]
pub struct ClientKeyLayer {
    verifier: SharedVerifier,
    challenges: Arc<Challenges>,
}

impl ClientKeyLayer {
    /// The realm used unless [`ClientKeyLayer::with_realm`] sets another.
    pub const DEFAULT_REALM: &'static str = "api";

    /// Verifies with `verifier`: a [`Verifier`](crate::Verifier), or a [`SharedVerifier`] to
    /// reload it while the server runs.
    #[must_use]
    pub fn new(verifier: impl Into<SharedVerifier>) -> ClientKeyLayer {
        ClientKeyLayer {
            verifier: verifier.into(),
            challenges: Arc::new(Challenges::new(Realm(Arc::from(Self::DEFAULT_REALM)))),
        }
    }

    /// Names the protection space in the `WWW-Authenticate` challenges (default `"api"`).
    ///
    /// # Panics
    ///
    /// If `realm` has a character other than visible ASCII and space, or a `"` or `\`: it is
    /// written into a header as a quoted string.
    #[must_use]
    pub fn with_realm(mut self, realm: &str) -> ClientKeyLayer {
        assert!(
            is_quotable(realm),
            "the realm must be printable ASCII without `\"` or `\\`"
        );
        self.challenges = Arc::new(Challenges::new(Realm(Arc::from(realm))));
        self
    }
}

impl<S> Layer<S> for ClientKeyLayer {
    type Service = ClientKeyService<S>;

    fn layer(&self, inner: S) -> ClientKeyService<S> {
        ClientKeyService {
            inner,
            verifier: self.verifier.clone(),
            challenges: Arc::clone(&self.challenges),
        }
    }
}

impl fmt::Debug for ClientKeyLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientKeyLayer")
            .field("realm", &&*self.challenges.realm.0)
            .field("verifier", &self.verifier)
            .finish()
    }
}

/// The service made by [`ClientKeyLayer`].
#[derive(Clone)]
pub struct ClientKeyService<S> {
    inner: S,
    verifier: SharedVerifier,
    challenges: Arc<Challenges>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ClientKeyService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: From<String> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        match authenticate(&self.verifier, request.headers()) {
            Ok(key) => {
                // DEBUG: one line per accepted request at INFO costs more than verifying it.
                tracing::debug!(
                    target: LOG_TARGET,
                    key_id = %key.key_id(),
                    kind = %key.kind(),
                    name = key.name(),
                    method = %request.method(),
                    path = request.uri().path(),
                    "client key accepted"
                );
                if key.is_legacy() {
                    // INFO: operators watch these to see which clients still have to move.
                    tracing::info!(
                        target: LOG_TARGET,
                        key_id = %key.key_id(),
                        "legacy token"
                    );
                }
                if let Some(value) = request.headers_mut().get_mut(AUTHORIZATION) {
                    value.set_sensitive(true);
                }
                request.extensions_mut().insert(key);
                request
                    .extensions_mut()
                    .insert(self.challenges.realm.clone());
                Box::pin(self.inner.call(request))
            }
            Err(refused) => {
                tracing::warn!(
                    target: LOG_TARGET,
                    status = refused.status().as_u16(),
                    error = refused.code(),
                    reason = %refused.reason,
                    key_id = refused.key_id.as_ref().map(tracing::field::display),
                    method = %request.method(),
                    path = request.uri().path(),
                    "request refused"
                );
                Box::pin(ready(Ok(self.challenges.refusal(&refused))))
            }
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for ClientKeyService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientKeyService")
            .field("inner", &self.inner)
            .field("realm", &&*self.challenges.realm.0)
            .field("verifier", &self.verifier)
            .finish()
    }
}

/// A tower [`Layer`] that lets through only requests whose verified key has a scope.
///
/// It goes inside a [`ClientKeyLayer`] (which verifies the key first, so a request without a
/// valid key still gets 401), typically on one route or handler. A key without the scope gets
/// `403` with `WWW-Authenticate: Bearer realm="api", error="insufficient_scope",
/// scope="write"` and the body `{"error": "insufficient_scope", "scope": "write"}`, and one
/// `WARN` "request refused" event with the `key_id` and the `scope`. Requests that pass make no
/// event of their own ([`ClientKeyLayer`] has logged them). Stack two layers to demand two scopes.
///
/// Without a [`ClientKeyLayer`] in front, every request gets `500` (`{"error":
/// "server_error"}`) and an `ERROR` event naming the mistake: a misconfigured server fails closed.
///
/// ```
/// use axum::{Router, handler::Handler, routing::get};
/// use client_keys::{ClientKeyLayer, RequireScope, Verifier};
///
/// async fn list() -> &'static str { "[]" }
/// async fn create() -> &'static str { "{}" }
///
/// # let verifier = Verifier::new(&client_keys::ClientSecret::generate(), Default::default());
/// let app: Router = Router::new()
///     .route("/apps", get(list).post(create.layer(RequireScope::new("write"))))
///     .route_layer(ClientKeyLayer::new(verifier));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RequireScope {
    scope: Arc<str>,
}

impl RequireScope {
    /// Demands `scope`.
    ///
    /// # Panics
    ///
    /// If `scope` is not a scope a key can carry (1 to 32 visible ASCII characters without
    /// space, comma, `"` or `\`; see [`Claims::with_scope`](crate::Claims::with_scope)).
    #[must_use]
    pub fn new(scope: &str) -> RequireScope {
        assert!(
            is_scope(scope.as_bytes()),
            "a required scope must be 1 to 32 visible ASCII characters without space, comma, \
             `\"` or `\\`"
        );
        RequireScope {
            scope: Arc::from(scope),
        }
    }
}

impl<S> Layer<S> for RequireScope {
    type Service = RequireScopeService<S>;

    fn layer(&self, inner: S) -> RequireScopeService<S> {
        RequireScopeService {
            inner,
            scope: Arc::clone(&self.scope),
        }
    }
}

/// The service made by [`RequireScope`].
#[derive(Debug, Clone)]
pub struct RequireScopeService<S> {
    inner: S,
    scope: Arc<str>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequireScopeService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: From<String> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let Some(key) = request.extensions().get::<VerifiedKey>() else {
            tracing::error!(
                target: LOG_TARGET,
                status = 500,
                reason = "RequireScope is used without a ClientKeyLayer in front of it",
                method = %request.method(),
                path = request.uri().path(),
                "request refused"
            );
            return Box::pin(ready(Ok(server_error())));
        };
        if key.has_scope(&self.scope) {
            return Box::pin(self.inner.call(request));
        }
        tracing::warn!(
            target: LOG_TARGET,
            status = 403,
            error = "insufficient_scope",
            reason = "the key does not have the required scope",
            key_id = %key.key_id(),
            scope = &*self.scope,
            method = %request.method(),
            path = request.uri().path(),
            "request refused"
        );
        let default_realm = Realm(Arc::from(ClientKeyLayer::DEFAULT_REALM));
        let realm = request
            .extensions()
            .get::<Realm>()
            .unwrap_or(&default_realm);
        Box::pin(ready(Ok(realm.insufficient_scope(&self.scope))))
    }
}

/// Axum extractor for the key that [`ClientKeyLayer`] verified.
///
/// ```
/// use client_keys::Authenticated;
///
/// async fn whoami(Authenticated(key): Authenticated) -> String {
///     format!("{} {:?} {:?} {:?}", key.key_id(), key.name(), key.scopes(), key.expires_at())
/// }
/// ```
///
/// The same key is in the request extensions, for `Extension<VerifiedKey>` or other tower
/// services. If the route has no [`ClientKeyLayer`], extraction fails with
/// [`AuthenticatedRejection`] (`500`): the server is misconfigured, and it fails closed.
#[derive(Debug, Clone)]
pub struct Authenticated(pub VerifiedKey);

impl Deref for Authenticated {
    type Target = VerifiedKey;

    fn deref(&self) -> &VerifiedKey {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = AuthenticatedRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<VerifiedKey>() {
            Some(key) => Ok(Authenticated(key.clone())),
            None => {
                tracing::error!(
                    target: LOG_TARGET,
                    status = 500,
                    reason = "the Authenticated extractor is used on a route without a ClientKeyLayer",
                    method = %parts.method,
                    path = parts.uri.path(),
                    "request refused"
                );
                Err(AuthenticatedRejection { _private: () })
            }
        }
    }
}

/// The [`Authenticated`] extractor was used on a route without a [`ClientKeyLayer`]: a server
/// mistake, answered with `500` and `{"error": "server_error"}`.
#[derive(Debug)]
pub struct AuthenticatedRejection {
    _private: (),
}

impl fmt::Display for AuthenticatedRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the Authenticated extractor is used on a route without a ClientKeyLayer")
    }
}

impl std::error::Error for AuthenticatedRejection {}

impl IntoResponse for AuthenticatedRejection {
    fn into_response(self) -> axum::response::Response {
        server_error()
    }
}

/// The realm, in the extensions of an accepted request (for [`RequireScope`]'s challenge).
#[derive(Debug, Clone)]
pub(crate) struct Realm(pub(crate) Arc<str>);

impl Realm {
    /// `403 insufficient_scope` for `scope` (one scope, or several separated by spaces, as
    /// RFC 6750 §3 writes them).
    pub(crate) fn insufficient_scope<B: From<String>>(&self, scope: &str) -> Response<B> {
        json_response(
            StatusCode::FORBIDDEN,
            Some(self.challenge(&[("error", "insufficient_scope"), ("scope", scope)])),
            &serde_json::json!({ "error": "insufficient_scope", "scope": scope }),
        )
    }

    /// `Bearer realm="…"` followed by `, name="value"` for each parameter (all quotable).
    fn challenge(&self, params: &[(&str, &str)]) -> HeaderValue {
        let mut text = format!("Bearer realm=\"{}\"", self.0);
        for (name, value) in params {
            text.push_str(&format!(", {name}=\"{value}\""));
        }
        // The realm and every value are checked quotable, so this cannot fail; if it did, the
        // bare scheme is still a valid challenge.
        HeaderValue::try_from(text).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
    }
}

/// The challenges a [`ClientKeyLayer`] (or the gateway) sends, built once.
pub(crate) struct Challenges {
    pub(crate) realm: Realm,
    no_credentials: HeaderValue,
    invalid_token: HeaderValue,
}

impl Challenges {
    pub(crate) fn new(realm: Realm) -> Challenges {
        Challenges {
            no_credentials: realm.challenge(&[]),
            invalid_token: realm.challenge(&[("error", "invalid_token")]),
            realm,
        }
    }

    /// The answer for a forward-auth hook (the gateway's `/verify`): as
    /// [`Challenges::refusal`], except that a malformed header answers `401` (still with
    /// `error="invalid_request"`), because nginx's `auth_request` passes only 401 and 403 to the
    /// client and turns every other status into a 500.
    #[cfg_attr(not(feature = "gateway"), allow(dead_code))]
    pub(crate) fn forward_auth_refusal<B: From<String>>(&self, refused: &Refused) -> Response<B> {
        self.answer(refused, StatusCode::UNAUTHORIZED)
    }

    pub(crate) fn refusal<B: From<String>>(&self, refused: &Refused) -> Response<B> {
        self.answer(refused, refused.status())
    }

    /// The answer to `refused`, with `status` (the middleware's, or 401 for a forward-auth
    /// hook).
    fn answer<B: From<String>>(&self, refused: &Refused, status: StatusCode) -> Response<B> {
        match refused.answer {
            Answer::NoCredentials => json_response(
                StatusCode::UNAUTHORIZED,
                Some(self.no_credentials.clone()),
                &serde_json::json!({ "error": "unauthorized" }),
            ),
            Answer::InvalidToken => json_response(
                StatusCode::UNAUTHORIZED,
                Some(self.invalid_token.clone()),
                &serde_json::json!({ "error": "invalid_token" }),
            ),
            Answer::InvalidRequest(description) => {
                let mut params = vec![("error", "invalid_request")];
                if is_quotable(description) {
                    params.push(("error_description", description));
                }
                json_response(
                    status,
                    Some(self.realm.challenge(&params)),
                    &serde_json::json!({
                        "error": "invalid_request",
                        "error_description": description,
                    }),
                )
            }
        }
    }
}

/// Why a [`ClientKeyLayer`] (or the gateway) refused a request.
pub(crate) struct Refused {
    answer: Answer,
    /// For the log only.
    pub(crate) reason: Reason,
    /// For the log only: known when the token decrypted.
    pub(crate) key_id: Option<KeyId>,
}

/// What the caller is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// 401 with a bare challenge.
    NoCredentials,
    /// 400 `invalid_request`, with a description of the header's syntax.
    InvalidRequest(&'static str),
    /// 401 `invalid_token`, the same for every cause.
    InvalidToken,
}

/// What the operator is told.
pub(crate) enum Reason {
    NoHeader,
    Header(HeaderProblem),
    Verify(VerifyError),
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum HeaderProblem {
    Repeated,
    NotVisibleAscii,
}

impl HeaderProblem {
    fn description(self) -> &'static str {
        match self {
            HeaderProblem::Repeated => "more than one Authorization header",
            HeaderProblem::NotVisibleAscii => {
                "a character outside visible ASCII in the Authorization header"
            }
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NoHeader => f.write_str("no Authorization header"),
            Reason::Header(problem) => {
                write!(
                    f,
                    "malformed Authorization header: {}",
                    problem.description()
                )
            }
            Reason::Verify(error) => error.fmt(f),
        }
    }
}

impl Reason {
    /// A short, stable label for metrics (a small, fixed set of values).
    #[cfg_attr(not(feature = "gateway"), allow(dead_code))]
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Reason::NoHeader => "no_credentials",
            Reason::Header(_) => "invalid_request",
            Reason::Verify(error) => error.reason(),
        }
    }
}

impl Refused {
    pub(crate) fn status(&self) -> StatusCode {
        match self.answer {
            Answer::NoCredentials | Answer::InvalidToken => StatusCode::UNAUTHORIZED,
            Answer::InvalidRequest(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// The RFC 6750 error code, if any.
    pub(crate) fn code(&self) -> Option<&'static str> {
        match self.answer {
            Answer::NoCredentials => None,
            Answer::InvalidRequest(_) => Some("invalid_request"),
            Answer::InvalidToken => Some("invalid_token"),
        }
    }

    fn header(problem: HeaderProblem) -> Refused {
        Refused {
            answer: Answer::InvalidRequest(problem.description()),
            reason: Reason::Header(problem),
            key_id: None,
        }
    }

    fn verify(error: VerifyError, key_id: Option<KeyId>) -> Refused {
        let answer = match &error {
            VerifyError::InvalidHeader(why) => Answer::InvalidRequest(why.description()),
            _ if error.is_invalid_request() => {
                Answer::InvalidRequest("malformed Authorization header")
            }
            _ if error.is_missing_credentials() => Answer::NoCredentials,
            _ => Answer::InvalidToken,
        };
        Refused {
            answer,
            reason: Reason::Verify(error),
            key_id,
        }
    }
}

/// Reads and verifies the request's bearer token: the one reading of `Authorization` that the
/// layer and the gateway share.
pub(crate) fn authenticate(
    verifier: &SharedVerifier,
    headers: &HeaderMap,
) -> Result<VerifiedKey, Refused> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(Refused {
            answer: Answer::NoCredentials,
            reason: Reason::NoHeader,
            key_id: None,
        });
    };
    if values.next().is_some() {
        return Err(Refused::header(HeaderProblem::Repeated));
    }
    let text = value
        .to_str()
        .map_err(|_| Refused::header(HeaderProblem::NotVisibleAscii))?;
    let token = bearer_token(text).map_err(|error| Refused::verify(error, None))?;
    let verifier = verifier.current();
    verifier.verify(token).map_err(|error| {
        // Only for the log: which key a genuine but refused token belongs to.
        let key_id = error.key_id();
        Refused::verify(error, key_id)
    })
}

/// `500 {"error": "server_error"}`, for a misconfigured server.
fn server_error<B: From<String>>() -> Response<B> {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        None,
        &serde_json::json!({ "error": "server_error" }),
    )
}

pub(crate) fn json_response<B: From<String>>(
    status: StatusCode,
    challenge: Option<HeaderValue>,
    body: &serde_json::Value,
) -> Response<B> {
    let mut response = Response::new(B::from(body.to_string()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(challenge) = challenge {
        headers.insert(WWW_AUTHENTICATE, challenge);
    }
    response
}

/// Whether `text` can go between quotes in a header without escaping: visible ASCII and space,
/// no `"` or `\` (RFC 6750 also limits `error_description` to these).
fn is_quotable(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' '..=b'~') && b != b'"' && b != b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotable_text() {
        assert!(is_quotable("api"));
        assert!(is_quotable("my api v2"));
        assert!(!is_quotable("a\"b"));
        assert!(!is_quotable("a\\b"));
        assert!(!is_quotable("caf\u{e9}"));
        assert!(!is_quotable("a\tb"));
    }

    #[test]
    fn challenges() {
        let realm = Realm(Arc::from("api"));
        assert_eq!(realm.challenge(&[]), "Bearer realm=\"api\"");
        assert_eq!(
            realm.challenge(&[("error", "insufficient_scope"), ("scope", "write")]),
            "Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"write\""
        );
    }

    #[test]
    #[should_panic(expected = "realm")]
    fn realms_must_be_quotable() {
        let verifier = crate::Verifier::new(
            &crate::ClientSecret::generate(),
            crate::Allowlist::default(),
        );
        let _ = ClientKeyLayer::new(verifier).with_realm("a\"b");
    }

    #[test]
    #[should_panic(expected = "scope")]
    fn required_scopes_must_be_scopes() {
        let _ = RequireScope::new("read write");
    }
}

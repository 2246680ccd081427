//! The example server (`examples/server.rs`) and the middleware, over real HTTP on 127.0.0.1:
//! RFC 6750 answers, scopes, the verified key in handlers, logs, and reloading on SIGHUP.
#![cfg(feature = "axum")]

#[path = "../examples/server.rs"]
mod example;

mod common;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::routing::get;
use axum::{Extension, Json, Router};
use client_keys::{
    AccessRequest, Authenticated, Claims, ClientKeyLayer, IssuedKey, RequireScope, RevokedSession,
    SharedVerifier, TokenKind, VerifiedKey, Verifier,
};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde_json::{Value, json};

const SECRET: &str = "8f1d6a3c2b4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e";
const OTHER_SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// ---------------------------------------------------------------------------------------------
// Keys, servers, requests.

/// Keys minted under [`SECRET`]: two in the allowlist, one not.
struct Keys {
    reader: IssuedKey,
    writer: IssuedKey,
    revoked: IssuedKey,
}

impl Keys {
    fn mint() -> Keys {
        let issuer = common::issuer(SECRET).expect("secret");
        let mint = |claims: Claims| issuer.issue(&claims).expect("mint");
        Keys {
            reader: mint(Claims::new().with_name("reader").with_scope("read")),
            writer: mint(
                Claims::new()
                    .with_name("writer")
                    .with_scope("read")
                    .with_scope("write"),
            ),
            revoked: mint(Claims::new().with_name("revoked")),
        }
    }

    /// `CLIENT_KEYS` listing the reader and the writer.
    fn allowlist(&self) -> String {
        format!("{}, {}", self.reader.key_id(), self.writer.key_id())
    }

    fn verifier(&self) -> Verifier {
        common::verifier(SECRET, &self.allowlist()).expect("verifier")
    }
}

fn token(key: &IssuedKey) -> &str {
    key.token().expose_secret()
}

fn bearer(key: &IssuedKey) -> String {
    format!("Bearer {}", token(key))
}

/// A key that expires within a second, and the wait until it has.
fn soon_expired_key() -> (IssuedKey, Duration) {
    let key = common::issuer(SECRET)
        .expect("secret")
        .issue(&Claims::new().with_expires_in(Duration::from_secs(1)))
        .expect("mint");
    let expires_at = Duration::from_secs(key.claims().expires_at().expect("expiry"));
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock");
    (
        key,
        expires_at.saturating_sub(now) + Duration::from_millis(50),
    )
}

/// Serves `router` on 127.0.0.1 (a free port) until the test ends; returns its base URL.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

/// The example's app, verifying with `verifier`.
async fn serve_example(verifier: impl Into<SharedVerifier>) -> String {
    serve(example::app(verifier.into())).await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// What the tests look at in an answer.
#[derive(Debug, Clone, PartialEq)]
struct Answer {
    status: u16,
    challenge: Option<String>,
    body: Value,
}

/// Sends `method url` with one `Authorization` header per entry of `authorization`.
async fn send(method: &str, url: &str, authorization: &[&[u8]], body: Option<Value>) -> Answer {
    let (answer, _) = send_full(method, url, authorization, body).await;
    answer
}

/// [`send`], also returning every header but `date`, and the body's exact text.
async fn send_full(
    method: &str,
    url: &str,
    authorization: &[&[u8]],
    body: Option<Value>,
) -> (Answer, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = client().request(method, url);
    for value in authorization {
        // `header` appends, so two entries make two headers.
        request = request.header(
            AUTHORIZATION,
            HeaderValue::from_bytes(value).expect("header value"),
        );
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().expect("ascii challenge").to_owned());
    let mut headers: Vec<String> = response
        .headers()
        .iter()
        .filter(|(name, _)| *name != "date")
        .map(|(name, value)| format!("{name}: {value:?}"))
        .collect();
    headers.sort();
    let text = response.text().await.expect("body");
    if status != 200 && status != 201 {
        assert_eq!(
            headers.iter().find(|h| h.starts_with("content-type")),
            Some(&"content-type: \"application/json\"".to_owned()),
            "{text}"
        );
    }
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
    (
        Answer {
            status,
            challenge,
            body,
        },
        format!("{status}\n{}\n\n{text}", headers.join("\n")),
    )
}

async fn get_apps(base: &str, authorization: &[&[u8]]) -> Answer {
    send("GET", &format!("{base}/apps"), authorization, None).await
}

// The answers RFC 6750 prescribes.

fn no_credentials() -> Answer {
    Answer {
        status: 401,
        challenge: Some(r#"Bearer realm="api""#.to_owned()),
        body: json!({ "error": "unauthorized" }),
    }
}

fn invalid_token() -> Answer {
    Answer {
        status: 401,
        challenge: Some(r#"Bearer realm="api", error="invalid_token""#.to_owned()),
        body: json!({ "error": "invalid_token" }),
    }
}

fn invalid_request(description: &str) -> Answer {
    Answer {
        status: 400,
        challenge: Some(format!(
            r#"Bearer realm="api", error="invalid_request", error_description="{description}""#
        )),
        body: json!({ "error": "invalid_request", "error_description": description }),
    }
}

fn insufficient_scope(scope: &str) -> Answer {
    Answer {
        status: 403,
        challenge: Some(format!(
            r#"Bearer realm="api", error="insufficient_scope", scope="{scope}""#
        )),
        body: json!({ "error": "insufficient_scope", "scope": scope }),
    }
}

fn assert_lists_apps(answer: &Answer, context: &str) {
    assert_eq!(answer.status, 200, "{context}: {answer:?}");
    assert_eq!(answer.challenge, None, "{context}");
    assert!(answer.body.is_array(), "{context}: {answer:?}");
}

// ---------------------------------------------------------------------------------------------
// The example server.

#[tokio::test]
async fn health_check_is_public() {
    let base = serve_example(Keys::mint().verifier()).await;
    let answer = send("GET", &format!("{base}/"), &[], None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, json!({ "status": "ok" }));
}

#[tokio::test]
async fn a_valid_key_lists_the_apps() {
    let keys = Keys::mint();
    let base = serve_example(keys.verifier()).await;
    let answer = get_apps(&base, &[bearer(&keys.reader).as_bytes()]).await;
    assert_lists_apps(&answer, "reader");
    assert_eq!(answer.body, json!([{ "id": 1, "name": "Welcome" }]));
}

#[tokio::test]
async fn the_scheme_is_case_insensitive_and_extra_spaces_are_fine() {
    let keys = Keys::mint();
    let base = serve_example(keys.verifier()).await;
    let token = token(&keys.reader);
    for value in [
        format!("bearer {token}"),
        format!("BEARER {token}"),
        format!("bEaReR {token}"),
        format!("Bearer    {token}"),
        format!("   Bearer {token}   "),
    ] {
        let answer = get_apps(&base, &[value.as_bytes()]).await;
        assert_lists_apps(&answer, &value.replace(token, "<token>"));
    }
}

#[tokio::test]
async fn requests_without_bearer_credentials_get_a_bare_challenge() {
    let base = serve_example(Keys::mint().verifier()).await;
    assert_eq!(get_apps(&base, &[]).await, no_credentials(), "no header");
    for value in [
        &b"Basic dXNlcjpwYXNzd29yZA=="[..],
        b"Digest username=\"x\"",
        b"Token abc",
        b"Bearerabc",
        b"",
    ] {
        let answer = get_apps(&base, &[value]).await;
        assert_eq!(
            answer,
            no_credentials(),
            "{:?}",
            String::from_utf8_lossy(value)
        );
    }
}

#[tokio::test]
async fn every_token_that_does_not_verify_gets_the_same_answer() {
    let keys = Keys::mint();
    let (expired, wait) = soon_expired_key();
    // The expired key is in the allowlist: only its expiry refuses it.
    let allowlist = format!("{}, {}", keys.allowlist(), expired.key_id());
    let base = serve_example(common::verifier(SECRET, &allowlist).expect("verifier")).await;

    let valid = token(&keys.reader);
    let mut tampered = valid.as_bytes().to_vec();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    let other_secret = common::issuer(OTHER_SECRET)
        .expect("secret")
        .issue(&Claims::new())
        .expect("mint");
    let forged = format!("ckey_{}", "A".repeat(valid.len() - 5));
    let access_prefix = valid.replacen("ckey_", "ckat_", 1);

    tokio::time::sleep(wait).await;
    let cases = [
        ("tampered", tampered),
        ("truncated", valid[..valid.len() - 4].to_owned()),
        ("forged", forged),
        ("another kind's prefix", access_prefix),
        ("revoked", token(&keys.revoked).to_owned()),
        ("another secret", token(&other_secret).to_owned()),
        ("expired", token(&expired).to_owned()),
        ("not a token", "abc".to_owned()),
        ("8 KiB", "a".repeat(8 * 1024)),
    ];
    let mut first = None;
    for (what, token) in cases {
        let header = format!("Bearer {token}");
        let (answer, exact) =
            send_full("GET", &format!("{base}/apps"), &[header.as_bytes()], None).await;
        assert_eq!(answer, invalid_token(), "{what}");
        // Byte for byte, headers included: nothing tells one cause from another.
        assert_eq!(first.get_or_insert_with(|| exact.clone()), &exact, "{what}");
    }
}

#[tokio::test]
async fn malformed_authorization_headers_are_invalid_requests() {
    let keys = Keys::mint();
    let base = serve_example(keys.verifier()).await;
    let token = token(&keys.reader);
    let cases: [(Vec<u8>, &str); 9] = [
        (b"Bearer".to_vec(), "the Bearer scheme has no token"),
        (b"Bearer   ".to_vec(), "the Bearer scheme has no token"),
        (
            format!("Bearer {token} {token}").into_bytes(),
            "more than one token after Bearer",
        ),
        (
            format!("Bearer\t{token}").into_bytes(),
            "a tab in the Authorization header",
        ),
        (
            format!("Bearer {token}\tx").into_bytes(),
            "a tab in the Authorization header",
        ),
        (b"Bearer a,b".to_vec(), "the Bearer token is not a b64token"),
        (b"Bearer ===".to_vec(), "the Bearer token is not a b64token"),
        (
            b"Be@rer abc".to_vec(),
            "the authorization scheme is not a valid token",
        ),
        (
            "Bearer caf\u{e9}".as_bytes().to_vec(),
            "a character outside visible ASCII in the Authorization header",
        ),
    ];
    for (value, description) in &cases {
        let answer = get_apps(&base, &[value]).await;
        assert_eq!(
            answer,
            invalid_request(description),
            "{:?}",
            String::from_utf8_lossy(value).replace(token, "<token>")
        );
    }

    let valid = bearer(&keys.reader);
    for pair in [
        [valid.as_bytes(), valid.as_bytes()],
        [valid.as_bytes(), b"Basic dXNlcjpwYXNzd29yZA=="],
    ] {
        assert_eq!(
            get_apps(&base, &pair).await,
            invalid_request("more than one Authorization header"),
            "two Authorization headers"
        );
    }
}

#[tokio::test]
async fn eight_kib_headers_reach_the_middleware() {
    // hyper's limits (a 400 KB buffer, 100 headers) let an 8 KiB value through; the library
    // refuses an overlong token before scanning it, whatever it contains.
    let base = serve_example(Keys::mint().verifier()).await;
    let long = "a".repeat(8 * 1024);
    let cases = [
        (format!("Bearer {long}"), invalid_token()),
        (format!("Bearer {long} {long}"), invalid_token()),
        (format!("Basic {long}"), no_credentials()),
    ];
    for (value, expected) in cases {
        assert_eq!(
            get_apps(&base, &[value.as_bytes()]).await,
            expected,
            "{}",
            &value[..10]
        );
    }
}

#[tokio::test]
async fn control_characters_are_refused_by_hyper_before_the_middleware() {
    let keys = Keys::mint();
    let base = serve_example(keys.verifier()).await;
    let address = base.trim_start_matches("http://").to_owned();
    let valid = bearer(&keys.reader);
    let head = |value: &[u8]| {
        let mut head = b"GET /apps HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n".to_vec();
        head.extend_from_slice(b"Authorization: ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n\r\n");
        head
    };
    let raw = |request: Vec<u8>| {
        let address = address.clone();
        tokio::task::spawn_blocking(move || {
            use std::io::{Read, Write};
            let mut stream = std::net::TcpStream::connect(address).expect("connect");
            stream.write_all(&request).expect("write");
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).expect("read");
            String::from_utf8_lossy(&answer).into_owned()
        })
    };

    // The raw path works: a valid header, and the header name in lower case.
    let ok = raw(head(valid.as_bytes())).await.expect("task");
    assert!(ok.starts_with("HTTP/1.1 200 "), "{ok}");
    let mut lower = head(valid.as_bytes());
    let at = lower
        .windows(14)
        .position(|w| w == b"Authorization:")
        .expect("header");
    lower[at..at + 14].make_ascii_lowercase();
    let lower = raw(lower).await.expect("task");
    assert!(lower.starts_with("HTTP/1.1 200 "), "{lower}");

    // NUL, other controls and DEL are not header bytes: hyper answers 400 itself.
    for bad in [&b"Bearer a\x00b"[..], b"Bearer a\x01b", b"Bearer a\x7fb"] {
        let answer = raw(head(bad)).await.expect("task");
        assert!(answer.starts_with("HTTP/1.1 400 "), "{bad:?}: {answer}");
        assert!(
            !answer.to_ascii_lowercase().contains("www-authenticate"),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn creating_an_app_needs_the_write_scope() {
    let keys = Keys::mint();
    let base = serve_example(keys.verifier()).await;
    let url = format!("{base}/apps");
    let new_app = || Some(json!({ "name": "Billing" }));

    // No key: 401 before the scope is looked at.
    assert_eq!(send("POST", &url, &[], new_app()).await, no_credentials());
    assert_eq!(
        send("POST", &url, &[b"Bearer nope"], new_app()).await,
        invalid_token()
    );
    // A valid key without `write`.
    assert_eq!(
        send("POST", &url, &[bearer(&keys.reader).as_bytes()], new_app()).await,
        insufficient_scope("write")
    );
    // With `write`.
    let writer = bearer(&keys.writer);
    let created = send("POST", &url, &[writer.as_bytes()], new_app()).await;
    assert_eq!(created.status, 201, "{created:?}");
    assert_eq!(
        created.body,
        json!({ "id": 2, "name": "Billing", "created_by": keys.writer.key_id().to_string() })
    );
    let listed = get_apps(&base, &[bearer(&keys.reader).as_bytes()]).await;
    assert_eq!(listed.body[1], created.body);

    let empty = send("POST", &url, &[writer.as_bytes()], Some(json!({}))).await;
    assert_eq!(empty.status, 422, "{empty:?}");
}

#[tokio::test]
async fn revoking_through_a_shared_verifier_takes_effect_at_once() {
    let keys = Keys::mint();
    let shared = SharedVerifier::new(keys.verifier());
    let base = serve_example(shared.clone()).await;
    let reader = bearer(&keys.reader);
    assert_lists_apps(&get_apps(&base, &[reader.as_bytes()]).await, "before");

    let only_writer = keys.writer.key_id().to_string();
    shared.store(common::verifier(SECRET, &only_writer).expect("verifier"));

    assert_eq!(get_apps(&base, &[reader.as_bytes()]).await, invalid_token());
    let writer = bearer(&keys.writer);
    assert_lists_apps(&get_apps(&base, &[writer.as_bytes()]).await, "writer");
}

#[tokio::test]
async fn access_tokens_pass_with_their_own_scopes_and_die_with_their_parent() {
    let keys = Keys::mint();
    let shared = SharedVerifier::new(keys.verifier());
    let base = serve_example(shared.clone()).await;
    let read_only = client_keys::AccessIssuer::new(shared.load())
        .exchange(
            token(&keys.writer),
            &AccessRequest::new().with_scope("read"),
        )
        .expect("exchange");
    let header = format!("Bearer {}", read_only.token().expose_secret());
    let url = format!("{base}/apps");

    assert_lists_apps(&get_apps(&base, &[header.as_bytes()]).await, "access token");
    let create = Some(json!({ "name": "x" }));
    assert_eq!(
        send("POST", &url, &[header.as_bytes()], create).await,
        insufficient_scope("write")
    );

    // Revoking the client key revokes its access tokens.
    let only_reader = keys.reader.key_id().to_string();
    shared.store(common::verifier(SECRET, &only_reader).expect("verifier"));
    assert_eq!(get_apps(&base, &[header.as_bytes()]).await, invalid_token());

    // A server that takes access tokens only refuses client keys like any bad token.
    let access_only = keys
        .verifier()
        .accepting(client_keys::Accept::Only(TokenKind::AccessToken));
    let base = serve_example(access_only).await;
    let reader = bearer(&keys.reader);
    assert_eq!(get_apps(&base, &[reader.as_bytes()]).await, invalid_token());
}

// ---------------------------------------------------------------------------------------------
// The middleware outside the example.

#[tokio::test]
async fn handlers_get_the_verified_key() {
    let in_a_day = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 86_400;
    let key = common::issuer(SECRET)
        .expect("secret")
        .issue(
            &Claims::new()
                .with_name("billing")
                .with_scope("read")
                .with_scope("write")
                .with_expires_at(in_a_day),
        )
        .expect("mint");
    let verifier = common::verifier(SECRET, &key.key_id().to_string()).expect("verifier");

    async fn whoami(
        Authenticated(key): Authenticated,
        Extension(same): Extension<VerifiedKey>,
        headers: axum::http::HeaderMap,
    ) -> Json<Value> {
        assert_eq!(key, same);
        let authorization = headers.get("authorization").expect("header");
        Json(json!({
            "key_id": key.key_id().to_string(),
            "name": key.name(),
            "scopes": key.scopes(),
            "expires_at": key.expires_at(),
            "authorization_is_sensitive": authorization.is_sensitive(),
            "authorization_debug": format!("{authorization:?}"),
        }))
    }
    let router = Router::new()
        .route("/whoami", get(whoami))
        .route_layer(ClientKeyLayer::new(verifier));
    let base = serve(router).await;

    let answer = send(
        "GET",
        &format!("{base}/whoami"),
        &[bearer(&key).as_bytes()],
        None,
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.body,
        json!({
            "key_id": key.key_id().to_string(),
            "name": "billing",
            "scopes": ["read", "write"],
            "expires_at": in_a_day,
            "authorization_is_sensitive": true,
            "authorization_debug": "Sensitive",
        })
    );
}

#[tokio::test]
async fn a_route_without_the_layer_fails_closed() {
    let keys = Keys::mint();
    async fn handler(Authenticated(key): Authenticated) -> String {
        key.key_id().to_string()
    }
    let router = Router::new().route("/extractor", get(handler)).route(
        "/scope",
        get(|| async { "secret stuff" }).layer(RequireScope::new("write")),
    );
    let base = serve(router).await;
    let server_error = Answer {
        status: 500,
        challenge: None,
        body: json!({ "error": "server_error" }),
    };
    for path in ["/extractor", "/scope"] {
        let answer = send(
            "GET",
            &format!("{base}{path}"),
            &[bearer(&keys.writer).as_bytes()],
            None,
        )
        .await;
        assert_eq!(answer, server_error, "{path}");
    }
}

#[tokio::test]
async fn the_realm_is_configurable() {
    let keys = Keys::mint();
    let router = Router::new()
        .route(
            "/admin",
            get(|| async { "ok" }).layer(RequireScope::new("admin")),
        )
        .route_layer(ClientKeyLayer::new(keys.verifier()).with_realm("billing api"));
    let base = serve(router).await;
    let url = format!("{base}/admin");

    let missing = send("GET", &url, &[], None).await;
    assert_eq!(
        missing.challenge.as_deref(),
        Some(r#"Bearer realm="billing api""#)
    );
    let bad = send("GET", &url, &[b"Bearer nope"], None).await;
    assert_eq!(
        bad.challenge.as_deref(),
        Some(r#"Bearer realm="billing api", error="invalid_token""#)
    );
    let scope = send("GET", &url, &[bearer(&keys.writer).as_bytes()], None).await;
    assert_eq!(scope.status, 403);
    assert_eq!(
        scope.challenge.as_deref(),
        Some(r#"Bearer realm="billing api", error="insufficient_scope", scope="admin""#)
    );
}

#[tokio::test]
async fn any_tower_service_can_be_protected() {
    use tower::{ServiceBuilder, ServiceExt};

    let keys = Keys::mint();
    let service = ServiceBuilder::new()
        .layer(ClientKeyLayer::new(keys.verifier()))
        .layer(RequireScope::new("write"))
        .service_fn(|request: http::Request<()>| async move {
            let key = request.extensions().get::<VerifiedKey>().expect("key");
            Ok::<_, Infallible>(http::Response::new(format!("hello {}", key.key_id())))
        });
    let call = |authorization: Option<String>| {
        let service = service.clone();
        async move {
            let mut request = http::Request::builder().uri("/");
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            let response = service
                .oneshot(request.body(()).expect("request"))
                .await
                .expect("infallible");
            let challenge = response
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().expect("ascii").to_owned());
            (response.status().as_u16(), challenge, response.into_body())
        }
    };

    let (status, _, body) = call(Some(bearer(&keys.writer))).await;
    assert_eq!(
        (status, body),
        (200, format!("hello {}", keys.writer.key_id()))
    );
    let (status, challenge, body) = call(None).await;
    assert_eq!(status, 401);
    assert_eq!(challenge.as_deref(), Some(r#"Bearer realm="api""#));
    assert_eq!(body, r#"{"error":"unauthorized"}"#);
    let (status, _, body) = call(Some(bearer(&keys.reader))).await;
    assert_eq!(status, 403);
    assert_eq!(body, r#"{"error":"insufficient_scope","scope":"write"}"#);
}

// ---------------------------------------------------------------------------------------------
// Logs.

/// One captured `tracing` event: its level and fields as text.
#[derive(Debug, Clone)]
struct Event {
    level: tracing::Level,
    fields: BTreeMap<String, String>,
}

impl Event {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// Captures this crate's events on the threads that ask for it.
///
/// It is the global subscriber: a scoped one (`set_default`) can miss events when another
/// test's thread registers a callsite first (tracing caches the interest of the only
/// dispatcher), so this one stays global and sorts events by thread.
struct Capture;

thread_local! {
    /// The events of this thread, when it captures.
    static CAPTURED: std::cell::RefCell<Option<Vec<Event>>> =
        const { std::cell::RefCell::new(None) };
}

impl Capture {
    /// Starts capturing this thread's events.
    fn start() {
        use tracing_subscriber::layer::SubscriberExt;
        static INSTALL: std::sync::Once = std::sync::Once::new();
        INSTALL.call_once(|| {
            tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Capture))
                .expect("no other global subscriber");
        });
        CAPTURED.with(|captured| *captured.borrow_mut() = Some(Vec::new()));
    }

    /// This thread's events so far.
    fn take() -> Vec<Event> {
        CAPTURED
            .with(|captured| captured.borrow_mut().as_mut().map(std::mem::take))
            .expect("capturing")
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if !event.metadata().target().starts_with("client_keys") {
            return;
        }
        struct Fields(BTreeMap<String, String>);
        impl tracing::field::Visit for Fields {
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                self.0.insert(field.name().to_owned(), value.to_owned());
            }
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
                self.0.insert(field.name().to_owned(), format!("{value:?}"));
            }
        }
        CAPTURED.with(|captured| {
            if let Some(events) = captured.borrow_mut().as_mut() {
                let mut fields = Fields(BTreeMap::new());
                event.record(&mut fields);
                events.push(Event {
                    level: *event.metadata().level(),
                    fields: fields.0,
                });
            }
        });
    }
}

#[tokio::test]
async fn one_log_event_per_decision_with_the_reason_and_never_a_secret() {
    // The test's runtime has one thread, which also runs the server's tasks.
    Capture::start();

    let keys = Keys::mint();
    let (expired, wait) = soon_expired_key();
    let mut allowlist = keys.allowlist();
    allowlist.push_str(&format!(", {}", expired.key_id()));
    let base = serve_example(common::verifier(SECRET, &allowlist).expect("verifier")).await;
    tokio::time::sleep(wait).await;

    let reader = bearer(&keys.reader);
    let revoked = bearer(&keys.revoked);
    let expired_header = bearer(&expired);
    let tampered = format!("{}x", bearer(&keys.writer));

    // Each step: its requests, then the events they must make (status, error, key id, reason).
    type Expected<'a> = (&'a str, Option<&'a str>, Option<String>, &'a str);
    let steps: Vec<(&str, Answer, Vec<Expected<'_>>)> = vec![
        (
            "accepted",
            get_apps(&base, &[reader.as_bytes()]).await,
            vec![("accepted", None, Some(keys.reader.key_id().to_string()), "")],
        ),
        (
            "health check",
            send("GET", &format!("{base}/"), &[], None).await,
            vec![],
        ),
        (
            "no header",
            get_apps(&base, &[]).await,
            vec![("401", None, None, "no Authorization header")],
        ),
        (
            "basic",
            get_apps(&base, &[b"Basic dXNlcjpwYXNzd29yZA=="]).await,
            vec![(
                "401",
                None,
                None,
                "no bearer token in the Authorization header",
            )],
        ),
        (
            "two tokens",
            get_apps(&base, &[b"Bearer a b"]).await,
            vec![(
                "400",
                Some("invalid_request"),
                None,
                "malformed Authorization header: more than one token after Bearer",
            )],
        ),
        (
            "revoked",
            get_apps(&base, &[revoked.as_bytes()]).await,
            vec![(
                "401",
                Some("invalid_token"),
                Some(keys.revoked.key_id().to_string()),
                "is not in CLIENT_KEYS",
            )],
        ),
        (
            "expired",
            get_apps(&base, &[expired_header.as_bytes()]).await,
            vec![(
                "401",
                Some("invalid_token"),
                Some(expired.key_id().to_string()),
                "expired at",
            )],
        ),
        (
            "tampered",
            get_apps(&base, &[tampered.as_bytes()]).await,
            vec![("401", Some("invalid_token"), None, "")],
        ),
        (
            "insufficient scope",
            send(
                "POST",
                &format!("{base}/apps"),
                &[reader.as_bytes()],
                Some(json!({ "name": "x" })),
            )
            .await,
            vec![
                ("accepted", None, Some(keys.reader.key_id().to_string()), ""),
                (
                    "403",
                    Some("insufficient_scope"),
                    Some(keys.reader.key_id().to_string()),
                    "the key does not have the required scope",
                ),
            ],
        ),
    ];
    // The requests ran one after the other; now match their events in order.
    let captured = Capture::take();
    let mut events = captured.iter();
    for (step, answer, expected) in &steps {
        let status = expected
            .iter()
            .rev()
            .find(|(status, ..)| *status != "accepted")
            .map_or("200", |(status, ..)| *status);
        assert_eq!(answer.status.to_string(), status, "{step}");
        for (status, error, key_id, reason) in expected {
            let event = events.next().unwrap_or_else(|| panic!("{step}: no event"));
            if *status == "accepted" {
                assert_eq!(event.level, tracing::Level::DEBUG, "{step}: {event:?}");
                assert_eq!(
                    event.field("message"),
                    Some("client key accepted"),
                    "{step}"
                );
                assert_eq!(event.field("kind"), Some("client key"), "{step}");
                assert_eq!(event.field("name"), Some("reader"), "{step}");
            } else {
                assert_eq!(event.level, tracing::Level::WARN, "{step}: {event:?}");
                assert_eq!(event.field("message"), Some("request refused"), "{step}");
                assert_eq!(event.field("status"), Some(*status), "{step}: {event:?}");
                assert_eq!(event.field("error"), *error, "{step}: {event:?}");
                let logged = event.field("reason").expect("a reason");
                assert!(logged.contains(reason), "{step}: {logged}");
            }
            assert_eq!(
                event.field("key_id"),
                key_id.as_deref(),
                "{step}: {event:?}"
            );
            assert!(event.field("method").is_some(), "{step}");
            assert_eq!(event.field("path"), Some("/apps"), "{step}");
        }
    }
    let rest: Vec<_> = events.collect();
    assert!(rest.is_empty(), "unexpected events: {rest:?}");

    // Neither a token nor the secret appears in any event.
    let everything = format!("{captured:?}");
    for secret in [
        token(&keys.reader),
        token(&keys.writer),
        token(&keys.revoked),
        token(&expired),
        SECRET,
    ] {
        assert!(!everything.contains(secret));
    }
}

// ---------------------------------------------------------------------------------------------
// The example as a real process: reloading on SIGHUP.

/// Set in the environment of the child process that runs the example.
const RUN_EXAMPLE: &str = "CLIENT_KEYS_TEST_RUN_EXAMPLE_SERVER";

/// Not a test of its own: `sighup_reloads_the_configuration` runs this test binary again with
/// only this function, which then runs the example's `main` in that child process.
#[test]
#[ignore = "runs the example server; started by sighup_reloads_the_configuration"]
fn example_server_process() {
    if std::env::var_os(RUN_EXAMPLE).is_some() {
        example::main();
    }
}

#[cfg(unix)]
mod process {
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::sync::mpsc::Receiver;
    use std::time::Duration;

    use crate::common::lines;

    /// Bound on every wait for the child, which is already built: only a broken run hits it.
    const PATIENCE: Duration = Duration::from_secs(60);

    /// The example server running in a child process; killed when dropped.
    pub(super) struct ExampleServer {
        child: Child,
        pub(super) base: String,
        stderr: Receiver<String>,
        /// Kept so that the reader thread keeps reading: a closed pipe would make the child's
        /// test harness fail with EPIPE when it prints its result at exit.
        stdout: Receiver<String>,
        /// Every stderr line so far, for the leak check.
        pub(super) log: Vec<String>,
    }

    impl ExampleServer {
        /// Starts the example in `dir` (with its `.env`), on a free port.
        pub(super) fn start(dir: &Path) -> ExampleServer {
            let mut child = Command::new(std::env::current_exe().expect("test binary"))
                .args([
                    "example_server_process",
                    "--exact",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .current_dir(dir)
                .env(super::RUN_EXAMPLE, "1")
                .env("PORT", "0")
                .env_remove("CLIENT_SECRET")
                .env_remove("CLIENT_SECRET_PREVIOUS")
                .env_remove("CLIENT_KEYS")
                .env_remove("RUST_LOG")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start the example");
            let stdout = lines(child.stdout.take().expect("stdout"));
            let stderr = lines(child.stderr.take().expect("stderr"));
            let mut server = ExampleServer {
                child,
                base: String::new(),
                stderr,
                stdout,
                log: Vec::new(),
            };
            // The harness prints its own lines around the example's.
            let line = loop {
                let line = server.stdout.recv_timeout(PATIENCE).unwrap_or_else(|_| {
                    let log = server.drain();
                    panic!("the example printed no address; stderr: {log:?}")
                });
                if line.contains("listening on http://") {
                    break line;
                }
            };
            let at = line.find("http://").expect("url");
            server.base = line[at..]
                .split_whitespace()
                .next()
                .expect("url")
                .to_owned();
            server
        }

        /// Sends `SIGHUP` and waits for the stderr line that contains `expected`.
        pub(super) fn hang_up(&mut self, expected: &str) -> String {
            let status = Command::new("kill")
                .args(["-HUP", &self.child.id().to_string()])
                .status()
                .expect("kill");
            assert!(status.success());
            loop {
                let line = self
                    .stderr
                    .recv_timeout(PATIENCE)
                    .unwrap_or_else(|_| panic!("no {expected:?} on stderr; saw {:?}", self.log));
                self.log.push(line.clone());
                if line.contains(expected) {
                    return line;
                }
            }
        }

        /// Sends `SIGTERM` and waits (bounded) for the process to exit.
        pub(super) fn terminate(&mut self) -> std::process::ExitStatus {
            let status = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status()
                .expect("kill");
            assert!(status.success());
            let deadline = std::time::Instant::now() + PATIENCE;
            loop {
                if let Some(status) = self.child.try_wait().expect("wait") {
                    return status;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "the example did not exit"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }

        /// What stderr has said so far.
        pub(super) fn drain(&mut self) -> Vec<String> {
            while let Ok(line) = self.stderr.recv_timeout(Duration::from_millis(200)) {
                self.log.push(line);
            }
            self.log.clone()
        }
    }

    impl Drop for ExampleServer {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(unix)]
#[tokio::test]
async fn sighup_reloads_the_configuration() {
    let keys = Keys::mint();
    let dir = tempfile::tempdir().expect("temp dir");
    let env_file = dir.path().join(".env");
    let write_env = |keys_line: &str| {
        std::fs::write(
            &env_file,
            format!("CLIENT_SECRET={SECRET}\nCLIENT_KEYS=\"{keys_line}\"\n"),
        )
        .expect("write .env");
    };
    write_env(&keys.allowlist());

    let mut server = process::ExampleServer::start(dir.path());
    let base = server.base.clone();
    let reader = bearer(&keys.reader);
    let writer = bearer(&keys.writer);
    let health = send("GET", &format!("{base}/"), &[], None).await;
    assert_eq!(health.status, 200);
    assert_lists_apps(&get_apps(&base, &[reader.as_bytes()]).await, "reader");
    assert_eq!(get_apps(&base, &[]).await, no_credentials());

    // Revoke the reader: edit .env, SIGHUP, and the very next request is refused.
    write_env(&keys.writer.key_id().to_string());
    let line = server.hang_up("configuration reloaded");
    assert!(line.contains("keys=1"), "{line}");
    assert_eq!(get_apps(&base, &[reader.as_bytes()]).await, invalid_token());
    assert_lists_apps(&get_apps(&base, &[writer.as_bytes()]).await, "writer");

    // A broken .env is refused and the running configuration kept.
    std::fs::write(&env_file, format!("CLIENT_KEYS={}\n", keys.reader.key_id()))
        .expect("write .env");
    let line = server.hang_up("configuration kept");
    assert!(line.contains("CLIENT_SECRET is not set"), "{line}");
    assert_lists_apps(&get_apps(&base, &[writer.as_bytes()]).await, "writer kept");
    assert_eq!(get_apps(&base, &[reader.as_bytes()]).await, invalid_token());

    // The log names keys, never tokens or the secret.
    let log = server.drain().join("\n");
    assert!(log.contains(&keys.reader.key_id().to_string()), "{log}");
    for secret in [token(&keys.reader), token(&keys.writer), SECRET] {
        assert!(!log.contains(secret), "{log}");
    }
}

/// A Trivial token, made by Ruby's `jwt` gem as Trivial makes them, on a server whose `.env`
/// has `CLIENT_SECRET_LEGACY`: accepted where no scope is required, refused (403) where one is,
/// and each use logged as a `legacy token` event with its id, never the token.
#[cfg(all(unix, feature = "legacy"))]
#[tokio::test]
async fn a_trivial_token_is_accepted_unscoped_and_logged_as_legacy() {
    let trivial_secret = "trivial's old secret";
    let token = common::trivial_token("trivial-client-1", trivial_secret);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "CLIENT_SECRET={SECRET}\nCLIENT_SECRET_LEGACY=\"{trivial_secret}\"\nCLIENT_KEYS=trivial-client-1\n"
        ),
    )
    .expect("write .env");
    let mut server = process::ExampleServer::start(dir.path());
    let base = server.base.clone();
    let bearer = format!("Bearer {token}");
    // GET /apps needs no scope; POST /apps needs `write`, which a Trivial key never has.
    assert_lists_apps(&get_apps(&base, &[bearer.as_bytes()]).await, "legacy");
    let created = send(
        "POST",
        &format!("{base}/apps"),
        &[bearer.as_bytes()],
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(created.status, 403, "{created:?}");
    let log = server.drain().join("\n");
    assert!(
        log.lines()
            .any(|l| l.contains("legacy token") && l.contains("trivial-client-1")),
        "{log}"
    );
    assert!(
        !log.contains(&token) && !log.contains(trivial_secret),
        "{log}"
    );
}

/// Revoking one session on a running server: after the edit and `SIGHUP`, that session's access
/// token is refused at once, while its sibling session and its parent key keep working, and the
/// session cannot be exchanged again.
#[cfg(unix)]
#[tokio::test]
async fn a_revoked_session_is_refused_after_sighup_and_its_siblings_are_not() {
    let keys = Keys::mint();
    let dir = tempfile::tempdir().expect("temp dir");
    let env_file = dir.path().join(".env");
    let write_env = |extra: &str| {
        std::fs::write(
            &env_file,
            format!(
                "CLIENT_SECRET={SECRET}\nCLIENT_KEYS={}\n{extra}",
                keys.allowlist().replace(' ', "")
            ),
        )
        .expect("write .env");
    };
    write_env("");
    let mut server = process::ExampleServer::start(dir.path());
    let base = server.base.clone();
    let exchange = |session: &'static str| {
        let body = json!({"api_key": token(&keys.reader), "session_id": session}).to_string();
        let base = base.clone();
        async move { post_token(&base, &body).await }
    };
    let (status, body, _) = exchange("tab-a").await;
    assert_eq!(status, 200, "{body}");
    let tab_a = format!("Bearer {}", access_token_of(&body));
    let (_, body, _) = exchange("tab-b").await;
    let tab_b = format!("Bearer {}", access_token_of(&body));
    assert_lists_apps(&get_apps(&base, &[tab_a.as_bytes()]).await, "tab-a");

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let entry =
        RevokedSession::revoked_at(keys.reader.key_id(), Some("tab-a"), now).expect("entry");
    write_env(&format!("CLIENT_REVOKED_SESSIONS={entry}\n"));
    server.hang_up("configuration reloaded");
    assert_eq!(get_apps(&base, &[tab_a.as_bytes()]).await, invalid_token());
    assert_lists_apps(&get_apps(&base, &[tab_b.as_bytes()]).await, "tab-b");
    let reader = bearer(&keys.reader);
    assert_lists_apps(&get_apps(&base, &[reader.as_bytes()]).await, "parent");

    let (status, body, no_store) = exchange("tab-a").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(no_store);

    let log = server.drain().join("\n");
    assert!(log.contains("revoked (CLIENT_REVOKED_SESSIONS)"), "{log}");
    assert!(!log.contains(&tab_a[7..]), "{log}");
}

/// The example is served by `client_keys::http::serve`: half-sent requests are cut off by the
/// header-read timeout, and SIGTERM ends it gracefully with exit status 0, closing an idle
/// keep-alive connection.
#[cfg(unix)]
#[tokio::test]
async fn the_example_cuts_half_sent_requests_and_exits_0_on_sigterm() {
    use std::io::{Read as _, Write as _};

    let keys = Keys::mint();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "CLIENT_SECRET={SECRET}\nCLIENT_KEYS=\"{}\"\n",
            keys.allowlist()
        ),
    )
    .expect("write .env");
    let mut server = process::ExampleServer::start(dir.path());
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut half = std::net::TcpStream::connect(&address).expect("connect");
    half.write_all(b"GET /apps HTTP/1.1\r\nHost: x\r\n")
        .expect("half a request");
    half.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut buffer = [0u8; 256];
    // Closed by the server (the header-read timeout), never answered.
    assert!(matches!(half.read(&mut buffer), Ok(0) | Err(_)));

    let mut idle = std::net::TcpStream::connect(&address).expect("connect");
    idle.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("request");
    idle.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let read = idle.read(&mut buffer).expect("answer");
    assert!(buffer[..read].starts_with(b"HTTP/1.1 200"));

    let status = server.terminate();
    assert_eq!(status.code(), Some(0), "{:?}", server.drain());
}

// ---------------------------------------------------------------------------------------------
// POST /auth/token: short-lived access tokens from the example server.

/// Posts `body` (raw text) to `/auth/token`; returns the status, the body, and whether the
/// answer forbids caching.
async fn post_token(base: &str, body: &str) -> (u16, Value, bool) {
    let response = client()
        .post(format!("{base}/auth/token"))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let no_store = response
        .headers()
        .get("cache-control")
        .is_some_and(|v| v == "no-store");
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        no_store,
    )
}

fn access_token_of(body: &Value) -> String {
    body["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

#[tokio::test]
async fn an_oversized_token_request_gets_a_json_413_that_is_not_cached() {
    let keys = Keys::mint();
    let base = serve_example(keys.verifier()).await;
    let padding = "x".repeat(9 * 1024);
    let request = json!({ "api_key": token(&keys.writer), "padding": padding }).to_string();
    let (status, body, no_store) = post_token(&base, &request).await;
    assert_eq!(status, 413, "{body}");
    assert!(no_store, "token answers must not be cached");
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("8192 bytes")),
        "{body}"
    );
}

#[tokio::test]
async fn auth_token_exchanges_a_client_key_for_a_short_lived_token() {
    let keys = Keys::mint();
    let base = serve_example(keys.verifier()).await;
    let request =
        json!({ "api_key": token(&keys.writer), "session_id": "tab-1", "scopes": ["read"] });
    let (status, body, no_store) = post_token(&base, &request.to_string()).await;
    assert_eq!(status, 200, "{body}");
    assert!(no_store, "token answers must not be cached");
    let object = body.as_object().expect("object");
    assert_eq!(object.len(), 3, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    let expires_in = body["expires_in"].as_u64().expect("expires_in");
    assert!((5400..=7200).contains(&expires_in), "{expires_in}");
    let access = access_token_of(&body);
    assert!(access.starts_with("ckat_"));

    // The access token reads /apps, but its narrowed scopes cannot write.
    let header = format!("Bearer {access}");
    assert_lists_apps(&get_apps(&base, &[header.as_bytes()]).await, "access token");
    let created = send(
        "POST",
        &format!("{base}/apps"),
        &[header.as_bytes()],
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(created, insufficient_scope("write"));

    // EyePop's field name works too, and with no session or scopes the parent's scopes pass.
    let eyepop = json!({ "secret_key": token(&keys.writer) }).to_string();
    let (status, body, _) = post_token(&base, &eyepop).await;
    assert_eq!(status, 200, "{body}");
    let header = format!("Bearer {}", access_token_of(&body));
    let created = send(
        "POST",
        &format!("{base}/apps"),
        &[header.as_bytes()],
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(created.status, 201, "{created:?}");
}

#[tokio::test]
async fn auth_token_returns_the_same_token_in_a_window_and_a_new_one_per_session() {
    let keys = Keys::mint();
    let base = serve_example(keys.verifier()).await;
    let body = |session: &str| {
        json!({ "api_key": token(&keys.reader), "session_id": session }).to_string()
    };
    // Two calls can straddle a window boundary (every 30 minutes); a third is then inside one.
    let mut same = false;
    for _ in 0..3 {
        let (_, a, _) = post_token(&base, &body("tab-1")).await;
        let (_, b, _) = post_token(&base, &body("tab-1")).await;
        if access_token_of(&a) == access_token_of(&b) {
            same = true;
            let (_, other, _) = post_token(&base, &body("tab-2")).await;
            assert_ne!(access_token_of(&other), access_token_of(&a));
            assert!(
                b["expires_in"].as_u64() <= a["expires_in"].as_u64(),
                "true remaining life"
            );
            break;
        }
    }
    assert!(
        same,
        "identical requests in one window get the identical token"
    );
}

#[tokio::test]
async fn auth_token_refuses_bad_keys_bodies_and_wider_scopes() {
    let keys = Keys::mint();
    let base = serve_example(keys.verifier()).await;
    let mut tampered = token(&keys.reader).to_owned();
    tampered.replace_range(30..31, if &tampered[30..31] == "A" { "B" } else { "A" });
    for key in [tampered.as_str(), token(&keys.revoked), "not-a-key", ""] {
        let (status, body, no_store) =
            post_token(&base, &json!({ "api_key": key }).to_string()).await;
        assert_eq!(
            (status, body.clone()),
            (401, json!({ "error": "invalid_client" })),
            "{key}"
        );
        assert!(no_store);
    }
    for bad in [
        "",
        "{",
        "[]",
        "{}",
        r#"{"api_key": 7}"#,
        r#"{"api_key": "k", "scopes": "read"}"#,
        r#"{"api_key": "k", "session_id": 3}"#,
    ] {
        let (status, body, _) = post_token(&base, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"], "invalid_request", "{bad}");
    }
    let wider = json!({ "api_key": token(&keys.reader), "scopes": ["read", "write"] });
    let (status, body, _) = post_token(&base, &wider.to_string()).await;
    assert_eq!((status, body), (400, json!({ "error": "invalid_scope" })));
    let bad_session = json!({ "api_key": token(&keys.reader), "session_id": "has space" });
    let (status, body, _) = post_token(&base, &bad_session.to_string()).await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("invalid_request")),
        "{body}"
    );
    // The client key is never echoed in an answer.
    assert!(!body.to_string().contains(token(&keys.reader)));
}

#[tokio::test]
async fn revoking_the_client_key_kills_its_access_tokens_at_once() {
    let keys = Keys::mint();
    let verifier = SharedVerifier::new(keys.verifier());
    let base = serve_example(verifier.clone()).await;
    let (_, body, _) = post_token(
        &base,
        &json!({ "api_key": token(&keys.reader) }).to_string(),
    )
    .await;
    let header = format!("Bearer {}", access_token_of(&body));
    assert_lists_apps(
        &get_apps(&base, &[header.as_bytes()]).await,
        "before revocation",
    );
    // Revoke the reader: only the writer stays in CLIENT_KEYS.
    verifier.store(common::verifier(SECRET, &keys.writer.key_id().to_string()).expect("verifier"));
    assert_eq!(get_apps(&base, &[header.as_bytes()]).await, invalid_token());
    let (status, _, _) = post_token(
        &base,
        &json!({ "api_key": token(&keys.reader) }).to_string(),
    )
    .await;
    assert_eq!(status, 401);
}

//! `/verify`: the decision a reverse proxy asks for before it forwards a request.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use http::header::CACHE_CONTROL;
use http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::http::middleware::{authenticate, json_response};
use crate::token::claims::is_scope;
use crate::token::time::Rfc3339;
use crate::verify::VerifiedKey;

use super::Shared;

/// The `tracing` target of the gateway's decision events.
pub(crate) const LOG_TARGET: &str = "client_keys::gateway";

/// The header a proxy sets to demand scopes (space-separated; all are required).
pub const SCOPE_HEADER: &str = "x-client-keys-scope";

/// The identity headers of an allowed request, for the proxy to copy to the upstream. The
/// documented proxy configurations remove any of these that the client sent.
pub const IDENTITY_HEADERS: [&str; 6] = [
    "x-client-key-id",
    "x-client-key-kind",
    "x-client-key-name",
    "x-client-key-scopes",
    "x-client-key-expires-at",
    "x-client-key-metadata",
];

/// What percent-encoding leaves as it is: RFC 3986's unreserved characters. Everything else
/// (space, `%`, `+`, `&`, `=`, controls, non-ASCII) becomes `%XX` of its UTF-8 bytes.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `text` as the name and metadata headers carry it (see [`ENCODED`]):
/// `decodeURIComponent`, Python's `urllib.parse.unquote`, Ruby's `CGI.unescape`, PHP's
/// `rawurldecode` and Go's `url.QueryUnescape` all give the original text back.
pub(crate) fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, ENCODED).to_string()
}

/// The metadata as one header value: `key=value&key=value`, each key and value
/// percent-encoded, in the claims' order (sorted by key). Any URL query parser reads it back
/// exactly (`URLSearchParams`, `parse_qsl(…, keep_blank_values=True)`,
/// `Rack::Utils.parse_query`, `url.ParseQuery`), since a `+` is always encoded.
pub(crate) fn encode_metadata(metadata: &[(String, String)]) -> String {
    let mut text = String::new();
    for (key, value) in metadata {
        if !text.is_empty() {
            text.push('&');
        }
        text.push_str(&encode_component(key));
        text.push('=');
        text.push_str(&encode_component(value));
    }
    text
}

/// The `/verify` handler: any method, any path below `/verify`; the body is never read.
pub(crate) async fn decide(State(shared): State<Arc<Shared>>, request: Request<Body>) -> Response {
    let started = Instant::now();
    let (parts, _body) = request.into_parts();
    let headers = &parts.headers;
    let origin = Origin::of(&parts.method, &parts.uri, headers);
    if !shared.ready.load(Ordering::Acquire) {
        shared
            .metrics
            .decision("unavailable", "not_ready", started.elapsed());
        tracing::warn!(
            target: LOG_TARGET,
            status = 503,
            reason = "no valid configuration is loaded yet",
            method = origin.method,
            host = origin.host,
            uri = origin.uri,
            "request refused"
        );
        let mut response = json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            &serde_json::json!({ "error": "temporarily_unavailable" }),
        );
        no_store(&mut response);
        return response;
    }
    let key = match authenticate(&shared.verifier, headers) {
        Ok(key) => key,
        Err(refused) => {
            let took = started.elapsed();
            shared
                .metrics
                .decision("refused", refused.reason.label(), took);
            tracing::warn!(
                target: LOG_TARGET,
                status = 401,
                error = refused.code(),
                reason = %refused.reason,
                key_id = refused.key_id.as_ref().map(tracing::field::display),
                method = origin.method,
                host = origin.host,
                uri = origin.uri,
                latency_us = took.as_micros() as u64,
                "request refused"
            );
            let mut response = shared.challenges.forward_auth_refusal(&refused);
            no_store(&mut response);
            return response;
        }
    };
    let required = match required_scopes(headers, parts.uri.query()) {
        Ok(required) => required,
        Err(bad) => {
            let took = started.elapsed();
            shared.metrics.decision("error", "bad_scope", took);
            tracing::error!(
                target: LOG_TARGET,
                status = 500,
                reason = "the proxy asks for a scope no key can carry: fix X-Client-Keys-Scope or ?scope= in its configuration",
                scope = %bad.escape_debug(),
                method = origin.method,
                host = origin.host,
                uri = origin.uri,
                "request refused"
            );
            let mut response = json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                &serde_json::json!({ "error": "server_error" }),
            );
            no_store(&mut response);
            return response;
        }
    };
    if required.iter().any(|scope| !key.has_scope(scope)) {
        let took = started.elapsed();
        shared
            .metrics
            .decision("refused", "insufficient_scope", took);
        let scope = required.join(" ");
        tracing::warn!(
            target: LOG_TARGET,
            status = 403,
            error = "insufficient_scope",
            reason = "the key does not have the required scope",
            key_id = %key.key_id(),
            scope = scope.as_str(),
            method = origin.method,
            host = origin.host,
            uri = origin.uri,
            latency_us = took.as_micros() as u64,
            "request refused"
        );
        let mut response = shared.challenges.realm.insufficient_scope(&scope);
        no_store(&mut response);
        return response;
    }
    let response = allowed(&key);
    let took = started.elapsed();
    // A Trivial token is counted apart, so that operators see who still has to move.
    let reason = if key.is_legacy() { "legacy" } else { "ok" };
    shared.metrics.decision("allowed", reason, took);
    if key.is_legacy() {
        tracing::info!(target: LOG_TARGET, key_id = %key.key_id(), "legacy token");
    }
    tracing::info!(
        target: LOG_TARGET,
        status = 200,
        key_id = %key.key_id(),
        kind = key.kind_name(),
        method = origin.method,
        host = origin.host,
        uri = origin.uri,
        latency_us = took.as_micros() as u64,
        "request allowed"
    );
    response
}

/// `200`, an empty body, `Cache-Control: no-store`, and the identity headers.
fn allowed(key: &VerifiedKey) -> Response {
    let mut response = Response::new(Body::empty());
    let headers = response.headers_mut();
    no_store_headers(headers);
    let mut set = |name: &'static str, value: String| {
        // Every value below is visible ASCII by construction; a value that were not would be
        // left out rather than answered with a 500.
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set("x-client-key-id", key.key_id().to_string());
    set("x-client-key-kind", key.kind_name().to_owned());
    if let Some(name) = key.name() {
        set("x-client-key-name", encode_component(name));
    }
    if !key.scopes().is_empty() {
        set("x-client-key-scopes", key.scopes().join(" "));
    }
    if let Some(expires_at) = key.expires_at() {
        set("x-client-key-expires-at", Rfc3339(expires_at).to_string());
    }
    if !key.metadata().is_empty() {
        set("x-client-key-metadata", encode_metadata(key.metadata()));
    }
    response
}

/// The scopes the proxy demands: every `X-Client-Keys-Scope` header and every `scope` query
/// parameter, each space-separated (`+` or `%20` in the query). A requested text that is not a
/// scope is returned as the error.
fn required_scopes(headers: &HeaderMap, query: Option<&str>) -> Result<Vec<String>, String> {
    let mut scopes = Vec::new();
    let mut add = |text: &str| -> Result<(), String> {
        for scope in text.split([' ', '\t']).filter(|s| !s.is_empty()) {
            if !is_scope(scope.as_bytes()) {
                return Err(scope.to_owned());
            }
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_owned());
            }
        }
        Ok(())
    };
    for value in headers.get_all(SCOPE_HEADER) {
        let text = value
            .to_str()
            .map_err(|_| String::from_utf8_lossy(value.as_bytes()).into_owned())?;
        add(text)?;
    }
    for pair in query.unwrap_or_default().split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name != "scope" {
            continue;
        }
        let value = value.replace('+', " ");
        let decoded = percent_encoding::percent_decode_str(&value).decode_utf8_lossy();
        add(&decoded)?;
    }
    Ok(scopes)
}

/// Where the proxied request was going, for the log: from the headers the proxies set,
/// bounded in length, the query left out (it may carry credentials).
struct Origin<'a> {
    method: &'a str,
    host: &'a str,
    uri: &'a str,
}

/// The longest header text the log takes.
const MAX_LOGGED: usize = 256;

impl<'a> Origin<'a> {
    fn of(method: &'a http::Method, uri: &'a http::Uri, headers: &'a HeaderMap) -> Origin<'a> {
        let header = |names: &[&str]| {
            names.iter().find_map(|name| {
                headers
                    .get(*name)
                    .and_then(|value| value.to_str().ok())
                    .map(|text| bounded(text.trim()))
            })
        };
        Origin {
            method: header(&["x-forwarded-method", "x-original-method"]).unwrap_or(method.as_str()),
            host: header(&["x-forwarded-host", "host"]).unwrap_or(""),
            uri: header(&["x-original-uri", "x-forwarded-uri", "x-original-url"])
                .map(|uri| uri.split('?').next().unwrap_or_default())
                .unwrap_or(uri.path()),
        }
    }
}

fn bounded(text: &str) -> &str {
    if text.len() <= MAX_LOGGED {
        return text;
    }
    let mut end = MAX_LOGGED;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn no_store(response: &mut Response) {
    no_store_headers(response.headers_mut());
}

fn no_store_headers(headers: &mut HeaderMap) {
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_metadata_round_trip_without_header_injection() {
        let metadata = vec![
            ("plan".to_owned(), "pro & co = 1+1".to_owned()),
            (
                "team".to_owned(),
                "R&D\r\nX-Client-Key-Id: forged caf\u{e9} %41".to_owned(),
            ),
        ];
        let text = encode_metadata(&metadata);
        assert!(text.bytes().all(|b| b.is_ascii_graphic()), "{text}");
        assert!(HeaderValue::from_str(&text).is_ok());
        let decoded: Vec<(String, String)> = text
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').expect("pair");
                let decode = |s: &str| {
                    percent_encoding::percent_decode_str(s)
                        .decode_utf8()
                        .expect("utf-8")
                        .into_owned()
                };
                (decode(k), decode(v))
            })
            .collect();
        assert_eq!(decoded, metadata);
        assert_eq!(encode_component("billing team"), "billing%20team");
        assert_eq!(encode_component("a-b_c.d~e"), "a-b_c.d~e");
    }

    #[test]
    fn scopes_come_from_the_header_and_the_query() {
        let mut headers = HeaderMap::new();
        headers.insert(SCOPE_HEADER, HeaderValue::from_static("read  write"));
        assert_eq!(
            required_scopes(&headers, Some("x=1&scope=admin+read&scope=b%20c")),
            Ok(vec![
                "read".to_owned(),
                "write".to_owned(),
                "admin".to_owned(),
                "b".to_owned(),
                "c".to_owned()
            ])
        );
        assert_eq!(required_scopes(&HeaderMap::new(), None), Ok(vec![]));
        assert_eq!(
            required_scopes(&HeaderMap::new(), Some("scope=a,b")),
            Err("a,b".to_owned())
        );
    }

    #[test]
    fn the_logged_origin_is_bounded_and_has_no_query() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-original-uri",
            HeaderValue::from_static("/apps/1?access_token=secret"),
        );
        headers.insert("host", HeaderValue::from_static("api.example"));
        let method = http::Method::GET;
        let uri: http::Uri = "/verify".parse().expect("uri");
        let origin = Origin::of(&method, &uri, &headers);
        assert_eq!(
            (origin.method, origin.host, origin.uri),
            ("GET", "api.example", "/apps/1")
        );
        assert_eq!(bounded(&"é".repeat(200)).len(), 256);
    }
}

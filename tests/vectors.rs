//! The test vectors of `docs/FORMAT.md`, run through the public API.
//!
//! The generating direction (fixed nonce → exact token) is a unit test in `src/issue.rs`, as
//! minting with a chosen nonce is not public. `tests/vectors/reference.py` checks the same
//! file against an independent implementation.

mod common;

use client_keys::{Config, RevokedSessions, TokenKind, Verifier, VerifyError};
use serde_json::Value;

/// Every vector file with the kind of token it holds.
fn vector_files() -> [(TokenKind, Value); 2] {
    let parse = |text: &str| serde_json::from_str::<Value>(text).expect("vectors parse");
    [
        (
            TokenKind::ClientKey,
            parse(include_str!("vectors/client_key_v1.json")),
        ),
        (
            TokenKind::AccessToken,
            parse(include_str!("vectors/access_token_v1.json")),
        ),
    ]
}

/// The case's `CLIENT_REVOKED_SESSIONS`, if it gives one.
fn revoked_sessions(case: &Value) -> RevokedSessions {
    case.get("revoked_sessions")
        .map(|text| {
            text.as_str()
                .expect("text")
                .parse()
                .expect("revoked sessions")
        })
        .unwrap_or_default()
}

fn error_name(err: &VerifyError) -> &'static str {
    let name = err.reason();
    assert!(
        [
            "malformed",
            "unknown_secret",
            "forged",
            "expired",
            "key_not_allowed",
            "session_revoked"
        ]
        .contains(&name),
        "no vector uses {err:?}"
    );
    name
}

#[test]
fn valid_vectors_verify_to_their_claims() {
    for (kind, doc) in vector_files() {
        let cases = doc["valid"].as_array().expect("valid");
        assert!(cases.len() >= 3, "too few valid vectors");
        for case in cases {
            let desc = case["desc"].as_str().expect("desc");
            let key_id = case["key_id"].as_str().expect("key_id");
            let secret = case.get("verifier_secret").unwrap_or(&case["secret"]);
            let previous: Vec<&str> = case
                .get("previous_secrets")
                .and_then(Value::as_array)
                .map(|list| list.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let config = Config::from_values(
                secret.as_str().expect("secret"),
                Some(&previous.join(",")),
                Some(key_id),
            )
            .expect("config")
            .with_revoked_sessions(revoked_sessions(case));
            let verifier = Verifier::from_config(&config).expect("verifier");
            let now = case["now"].as_u64().expect("now");
            let key = verifier
                .verify_at(case["token"].as_str().expect("token"), now)
                .unwrap_or_else(|e| panic!("{desc}: {e}"));
            let claims = &case["claims"];
            assert_eq!(key.kind(), kind, "{desc}");
            assert_eq!(key.key_id().to_string(), key_id, "{desc}");
            assert_eq!(key.session_id(), claims["session_id"].as_str(), "{desc}");
            assert_eq!(key.expires_at(), claims["expires_at"].as_u64(), "{desc}");
            assert_eq!(key.name(), claims["name"].as_str(), "{desc}");
            let scopes: Vec<&str> = claims["scopes"]
                .as_array()
                .expect("scopes")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(key.scopes(), scopes.as_slice(), "{desc}");
            let metadata: Vec<(String, String)> = claims["metadata"]
                .as_object()
                .expect("metadata")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("value").to_owned()))
                .collect();
            assert_eq!(key.metadata(), metadata.as_slice(), "{desc}");
        }
    }
}

#[test]
fn invalid_vectors_fail_for_their_stated_reason() {
    for (_, doc) in vector_files() {
        let cases = doc["invalid"].as_array().expect("invalid");
        assert!(cases.len() >= 10, "too few invalid vectors");
        for case in cases {
            let desc = case["desc"].as_str().expect("desc");
            let verifier = common::verifier(
                case["secret"].as_str().expect("secret"),
                case["client_keys"].as_str().expect("client_keys"),
            )
            .expect("verifier")
            .with_revoked_sessions(revoked_sessions(case));
            let token = case["token"].as_str().expect("token");
            let now = case["now"].as_u64().expect("now");
            let err = verifier
                .verify_at(token, now)
                .err()
                .unwrap_or_else(|| panic!("{desc}: accepted"));
            assert_eq!(
                error_name(&err),
                case["error"].as_str().expect("error"),
                "{desc}: {err}"
            );
            // The operator's message never repeats the token.
            if token.len() > 8 {
                assert!(!err.to_string().contains(token), "{desc}");
            }
        }
    }
}

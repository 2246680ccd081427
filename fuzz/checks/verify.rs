//! `verify`: token verification never panics and never accepts a token that was not minted.
//!
//! `CLIENT_SECRET_PREVIOUS` holds the two secrets of the test vectors, so the vectors' tokens
//! are known mints in every process and a saved corpus stays meaningful across runs.
//! `CLIENT_SECRET` and a third secret (first in `CLIENT_SECRET_PREVIOUS`) are drawn at random
//! per process: the tokens minted at start-up with [`Issuer`] and exchanged for access tokens
//! with [`client_keys::AccessIssuer`] are under them, so a token another process minted (found
//! in a saved corpus) is refused here, as it should be.
//! Every check runs at the vectors' fixed time [`NOW`], so that the vectors' access tokens
//! (which expire within a day of it) and the tokens minted here keep their answers whatever
//! the date.
//! Every token this process knows to be genuine is in [`Fixture::minted`], with what
//! verification must say about it. For any other input, every entry point must refuse.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use client_keys::limits::{CLOCK_SKEW, MAX_ACCESS_TTL};
use client_keys::{
    AccessRequest, Claims, ClientSecret, Config, Inspector, Issuer, KeyId, TokenKind, Verifier,
    VerifyError, bearer_token,
};
use serde_json::Value;

use super::assert_not_echoed;

/// Entry 2 of `CLIENT_SECRET_PREVIOUS`: the vectors' first secret.
const VECTOR_A: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// Entry 3: the vectors' second secret (written in upper case here).
const VECTOR_B: &str = "F0E1D2C3B4A5968778695A4B3C2D1E0FF0E1D2C3B4A5968778695A4B3C2D1E0F";
/// The time every check runs at: the vectors' `now`.
const NOW: u64 = 1_800_000_000;

/// A secret the verifier does not have.
const OTHER: &str = "abababababababababababababababababababababababababababababababab";

const CLIENT_KEY_VECTORS: &str = include_str!("../../tests/vectors/client_key_v1.json");
const ACCESS_TOKEN_VECTORS: &str = include_str!("../../tests/vectors/access_token_v1.json");

/// What verification must say about a genuine token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Minted {
    kind: TokenKind,
    key_id: KeyId,
    /// 0 for `CLIENT_SECRET`, n for entry n of `CLIENT_SECRET_PREVIOUS`.
    secret_index: usize,
    /// Whether its key id is in `CLIENT_KEYS`.
    listed: bool,
    expired: bool,
    /// An access token that expires later than a verifier allows (24 hours and the skew
    /// after `NOW`): genuine, and refused as malformed.
    too_long: bool,
}

impl Minted {
    fn accepted(&self) -> bool {
        self.listed && !self.expired && !self.too_long
    }
}

/// The fixed verifier and every token known to be minted under its secrets.
pub(crate) struct Fixture {
    verifier: Verifier,
    inspector: Inspector,
    client_keys_only: Verifier,
    access_tokens_only: Verifier,
    /// Genuine tokens under the verifier's secrets.
    pub(crate) minted: HashMap<String, Minted>,
    /// Tokens that must be refused but are close to real ones (the vectors' invalid cases, a
    /// token of another secret): good starting points for the fuzzer.
    pub(crate) near_misses: Vec<String>,
    /// The error messages of fixed bad inputs (see [`super::assert_not_echoed`]).
    vocabulary: Vec<String>,
}

/// The fixture, built once per process.
pub(crate) fn fixture() -> &'static Fixture {
    static FIXTURE: LazyLock<Fixture> = LazyLock::new(Fixture::build);
    &FIXTURE
}

fn secret_index(secret: &str) -> usize {
    if secret.eq_ignore_ascii_case(VECTOR_A) {
        2
    } else if secret.eq_ignore_ascii_case(VECTOR_B) {
        3
    } else {
        panic!("a vector uses a secret the fixture does not configure")
    }
}

fn kind_of(token: &str) -> TokenKind {
    if token.starts_with(TokenKind::AccessToken.prefix()) {
        TokenKind::AccessToken
    } else {
        TokenKind::ClientKey
    }
}

impl Fixture {
    fn build() -> Fixture {
        let secret = ClientSecret::generate();
        let previous_secret = ClientSecret::generate();
        let current = Issuer::new(&secret);
        let previous = Issuer::new(&previous_secret);
        let plain = current.issue(&Claims::new()).expect("mints");
        let rich = current
            .issue(
                &Claims::new()
                    .with_name("fuzz ✓ client")
                    .with_scope("read")
                    .with_scope("write")
                    .with_metadata("team", "payments")
                    .with_expires_at(client_keys::limits::MAX_EXPIRES_AT),
            )
            .expect("mints");
        let old = previous
            .issue(&Claims::new().with_scope("read"))
            .expect("mints");
        let revoked = current.issue(&Claims::new()).expect("mints");
        let foreign = Issuer::new(&OTHER.parse().expect("other secret"))
            .issue(&Claims::new())
            .expect("mints");

        let mut minted: HashMap<String, Minted> = HashMap::new();
        let mut listed_ids: Vec<KeyId> = Vec::new();
        let mut near_misses = vec![foreign.token().expose_secret().to_owned()];

        let issued_keys = [
            (&plain, 0, true),
            (&rich, 0, true),
            (&old, 1, true),
            (&revoked, 0, false),
        ];
        for (issued, index, listed) in issued_keys {
            if listed {
                listed_ids.push(issued.key_id());
            }
            minted.insert(
                issued.token().expose_secret().to_owned(),
                Minted {
                    kind: TokenKind::ClientKey,
                    key_id: issued.key_id(),
                    secret_index: index,
                    listed,
                    expired: false,
                    too_long: false,
                },
            );
        }

        // The vectors: valid cases are listed and unexpired at `NOW`; invalid ones are near
        // misses, except those that decrypt (refused for their expiry or lifetime, key id,
        // secret or revoked session, which this verifier does not revoke): genuine mints,
        // calibrated below.
        let mut genuine_refused = Vec::new();
        for doc in [CLIENT_KEY_VECTORS, ACCESS_TOKEN_VECTORS] {
            let doc: Value = serde_json::from_str(doc).expect("vectors are JSON");
            for case in doc["valid"].as_array().expect("valid cases") {
                let token = case["token"].as_str().expect("token");
                let key_id: KeyId = case["key_id"]
                    .as_str()
                    .expect("key_id")
                    .parse()
                    .expect("a key id");
                let secret = case["secret"].as_str().expect("secret");
                listed_ids.push(key_id);
                minted.insert(
                    token.to_owned(),
                    Minted {
                        kind: kind_of(token),
                        key_id,
                        secret_index: secret_index(secret),
                        listed: true,
                        expired: false,
                        too_long: false,
                    },
                );
            }
            for case in doc["invalid"].as_array().expect("invalid cases") {
                let token = case["token"].as_str().expect("token").to_owned();
                let expired = case["error"].as_str() == Some("expired");
                genuine_refused.push((token, expired));
            }
        }

        let client_keys = listed_ids
            .iter()
            .enumerate()
            // One id in upper case: the allowlist ignores case.
            .map(|(i, id)| {
                let id = id.to_string();
                if i == 1 { id.to_uppercase() } else { id }
            })
            .chain(["legacy-entry".to_owned(), String::new()])
            .collect::<Vec<_>>()
            .join(" , ");
        let previous_secrets = format!(
            " {}, {VECTOR_A}, {VECTOR_B},",
            previous_secret.to_hex().as_str()
        );
        let config = Config::from_values(
            &secret.to_hex(),
            Some(&previous_secrets),
            Some(&client_keys),
        )
        .expect("config");
        let verifier = Verifier::from_config(&config).expect("verifier");
        let inspector = Inspector::from_config(&config);

        // The vectors' invalid tokens (refused by a verifier with only the first secret and a
        // one-id allowlist): those that decrypt are genuine, and carry whatever `inspect`
        // reads, which is trusted here only for these fixed texts. A token "minted under another secret"
        // may be minted under `VECTOR_B`, and the key_not_allowed one may carry a listed id:
        // then this verifier accepts them, as it should.
        for (token, expired) in genuine_refused {
            let Ok(found) = inspector.inspect_at(&token, NOW) else {
                near_misses.push(token);
                continue;
            };
            assert_eq!(found.is_expired(), expired, "the expired vector");
            let too_long = found.kind() == TokenKind::AccessToken
                && found
                    .claims()
                    .expires_at()
                    .is_some_and(|at| at > NOW + MAX_ACCESS_TTL.as_secs() + CLOCK_SKEW.as_secs());
            let key_id = found
                .key_id()
                .as_key_id()
                .expect("the vectors hold tokens of this tool");
            let listed = listed_ids.contains(&key_id);
            assert_eq!(found.in_allowlist(), Some(listed));
            minted.insert(
                token.clone(),
                Minted {
                    kind: kind_of(&token),
                    key_id,
                    secret_index: found.secret_index(),
                    listed,
                    expired,
                    too_long,
                },
            );
        }

        // Access tokens, exchanged from listed client keys under both secrets.
        let requests = [
            AccessRequest::new(),
            AccessRequest::new()
                .with_session_id("fuzz-session-1")
                .with_scope("read")
                .with_ttl(Duration::from_secs(600)),
        ];
        for (parent, request, secret_index) in [
            (&plain, &requests[0], 0),
            (&rich, &requests[1], 0),
            (&old, &requests[0], 1),
        ] {
            let access = client_keys::AccessIssuer::new(verifier.clone())
                .exchange_at(parent.token().expose_secret(), request, NOW)
                .expect("a listed client key exchanges");
            minted.insert(
                access.token().expose_secret().to_owned(),
                Minted {
                    kind: TokenKind::AccessToken,
                    key_id: parent.key_id(),
                    // Access tokens are minted under the secret of their parent.
                    secret_index,
                    listed: true,
                    expired: false,
                    too_long: false,
                },
            );
        }

        let mut fixture = Fixture {
            client_keys_only: verifier
                .clone()
                .accepting(client_keys::Accept::Only(TokenKind::ClientKey)),
            access_tokens_only: verifier
                .clone()
                .accepting(client_keys::Accept::Only(TokenKind::AccessToken)),
            verifier,
            inspector,
            minted,
            near_misses,
            vocabulary: Vec::new(),
        };
        fixture.vocabulary = fixture.vocabulary();
        // The fixture itself must hold: every genuine token gets its expected answer.
        for token in fixture.minted.keys().chain(&fixture.near_misses) {
            check_token_with(&fixture, token);
        }
        fixture
    }

    /// Every error message the entry points give for the known tokens and a few fixed bad
    /// inputs, one per kind of refusal.
    fn vocabulary(&self) -> Vec<String> {
        let long = format!("ckey_{}", "A".repeat(600));
        let long_header = format!("Bearer {}", "a".repeat(600));
        let fixed = [
            "",
            "x",
            "ckey_",
            "ckat_",
            "ckey_!!!!",
            "ckey_AAAA",
            "Basic abc",
            "Bearer",
            "Bearer a b",
            "Bearer a\tb",
            "Bearer a\u{1}b",
            "Bearer \u{e9}",
            "Bearer ===",
            "B@d x",
            &long,
            &long_header,
        ];
        let inputs = fixed
            .into_iter()
            .chain(self.minted.keys().map(String::as_str))
            .chain(self.near_misses.iter().map(String::as_str));
        let mut messages = Vec::new();
        for input in inputs {
            let header = format!("Bearer {input}");
            for verifier in [
                &self.verifier,
                &self.client_keys_only,
                &self.access_tokens_only,
            ] {
                messages.extend(verifier.verify_at(input, NOW).err().map(|e| e.to_string()));
            }
            for value in [input, header.as_str()] {
                let refused = self.verifier.verify_authorization_at(value, NOW).err();
                messages.extend(refused.map(|e| e.to_string()));
            }
            messages.extend(
                self.inspector
                    .inspect_at(input, NOW)
                    .err()
                    .map(|e| e.to_string()),
            );
            let exchanged = client_keys::AccessIssuer::new(self.verifier.clone())
                .exchange_at(input, &AccessRequest::new(), NOW)
                .err();
            messages.extend(exchanged.map(|e| e.to_string()));
        }
        messages.sort_unstable();
        messages.dedup();
        messages
    }

    /// The genuine token `token`, if it is one.
    fn lookup(&self, token: &str) -> Option<&Minted> {
        self.minted.get(token)
    }

    /// The genuine token `token` if every check passes for it.
    fn accepted(&self, token: &str) -> Option<&Minted> {
        self.lookup(token).filter(|m| m.accepted())
    }
}

/// The fuzz target's body: the input is a token text (lossy UTF-8).
pub(crate) fn check(data: &[u8]) {
    check_token(&super::text(data));
}

/// Every verification entry point on `input`, against what is known about it.
pub(crate) fn check_token(input: &str) {
    check_token_with(fixture(), input);
}

fn check_token_with(fx: &Fixture, input: &str) {
    let known = fx.lookup(input);
    let accepted = fx.accepted(input);

    match fx.verifier.verify_at(input, NOW) {
        Ok(key) => {
            let m = accepted.unwrap_or_else(|| {
                panic!("verify accepted a token that was not minted: {input:?}")
            });
            assert_eq!(key.key_id(), m.key_id, "verify: wrong key id");
            assert_eq!(key.kind(), m.kind, "verify: wrong kind");
        }
        Err(e) => {
            assert!(accepted.is_none(), "verify refused a minted token: {e}");
            if let Some(m) = known {
                let expected = if m.expired {
                    matches!(e, VerifyError::Expired { .. })
                } else if m.too_long {
                    e == VerifyError::Malformed(client_keys::Malformed::AccessTokenTooLong)
                } else {
                    matches!(e, VerifyError::KeyNotAllowed { key_id, .. } if key_id == m.key_id)
                };
                assert!(
                    expected,
                    "verify refused a genuine token for the wrong reason: {e}"
                );
            }
            assert_not_echoed(&e.to_string(), input, &fx.vocabulary, "verify");
        }
    }

    for (verifier, kind) in [
        (&fx.client_keys_only, TokenKind::ClientKey),
        (&fx.access_tokens_only, TokenKind::AccessToken),
    ] {
        let wanted = accepted.filter(|m| m.kind == kind);
        match verifier.verify_at(input, NOW) {
            Ok(key) => {
                let m = wanted.unwrap_or_else(|| {
                    panic!("a verifier of {kind}s accepted another token: {input:?}")
                });
                assert_eq!(key.key_id(), m.key_id);
            }
            Err(e) => {
                assert!(
                    wanted.is_none(),
                    "a verifier of {kind}s refused a minted one: {e}"
                );
                if let Some(m) = known.filter(|m| m.kind != kind) {
                    assert!(
                        matches!(e, VerifyError::WrongKind { found, .. } if found == m.kind),
                        "a token of the wrong kind refused for another reason: {e}"
                    );
                }
                assert_not_echoed(&e.to_string(), input, &fx.vocabulary, "verify (one kind)");
            }
        }
    }

    // `Bearer <input>`: the header parser drops the spaces after the scheme and blanks at
    // the end; nothing else.
    let header = format!("Bearer {input}");
    let token = input.trim_start_matches(' ').trim_end_matches([' ', '\t']);
    let wanted = fx.accepted(token);
    match fx.verifier.verify_authorization_at(&header, NOW) {
        Ok(key) => {
            let m = wanted.unwrap_or_else(|| {
                panic!("verify_authorization accepted a token that was not minted: {input:?}")
            });
            assert_eq!(key.key_id(), m.key_id);
            assert_eq!(key.kind(), m.kind);
        }
        Err(e) => {
            assert!(
                wanted.is_none(),
                "verify_authorization refused a minted token: {e}"
            );
            assert_not_echoed(
                &e.to_string(),
                input,
                &fx.vocabulary,
                "verify_authorization",
            );
        }
    }

    // The input as a whole header value.
    let wanted = bearer_token(input).ok().and_then(|t| fx.accepted(t));
    match fx.verifier.verify_authorization_at(input, NOW) {
        Ok(key) => {
            let m = wanted.unwrap_or_else(|| {
                panic!("verify_authorization accepted a header without a minted token: {input:?}")
            });
            assert_eq!(key.key_id(), m.key_id);
        }
        Err(e) => {
            assert!(
                wanted.is_none(),
                "verify_authorization refused a minted token: {e}"
            );
            assert_not_echoed(
                &e.to_string(),
                input,
                &fx.vocabulary,
                "verify_authorization (header)",
            );
        }
    }

    match fx.inspector.inspect_at(input, NOW) {
        Ok(found) => {
            let m = known
                .unwrap_or_else(|| panic!("inspect opened a token that was not minted: {input:?}"));
            assert_eq!(found.key_id(), m.key_id, "inspect: wrong key id");
            assert_eq!(found.kind(), m.kind, "inspect: wrong kind");
            assert_eq!(
                found.secret_index(),
                m.secret_index,
                "inspect: wrong secret"
            );
            assert_eq!(
                found.in_allowlist(),
                Some(m.listed),
                "inspect: wrong allowlist answer"
            );
            assert_eq!(
                found.is_expired(),
                m.expired,
                "inspect: wrong expiry answer"
            );
        }
        Err(e) => {
            assert!(known.is_none(), "inspect refused a minted token: {e}");
            assert_not_echoed(&e.to_string(), input, &fx.vocabulary, "inspect");
        }
    }

    let parent = accepted.filter(|m| m.kind == TokenKind::ClientKey);
    match client_keys::AccessIssuer::new(fx.verifier.clone()).exchange_at(
        input,
        &AccessRequest::new(),
        NOW,
    ) {
        Ok(access) => {
            let m = parent.unwrap_or_else(|| {
                panic!("exchange accepted something other than a minted client key: {input:?}")
            });
            let key = fx
                .verifier
                .verify_at(access.token().expose_secret(), NOW)
                .expect("a fresh access token verifies");
            assert_eq!(key.kind(), TokenKind::AccessToken);
            assert_eq!(key.key_id(), m.key_id);
        }
        Err(e) => {
            assert!(
                parent.is_none(),
                "exchange refused a minted client key: {e}"
            );
            assert_not_echoed(&e.to_string(), input, &fx.vocabulary, "exchange");
        }
    }
}

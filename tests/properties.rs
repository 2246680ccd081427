//! Property tests: minted keys round-trip, and no small change of a token is ever accepted.

mod common;

use std::collections::HashSet;

use client_keys::{Claims, ClientSecret, Issuer, Verifier};
use proptest::prelude::*;

const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn scope() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9:._-]{0,15}"
}

fn claims() -> impl Strategy<Value = Claims> {
    (
        proptest::option::of(2_000_000_000u64..=client_keys::limits::MAX_EXPIRES_AT),
        proptest::option::of("[\\PC]{1,16}".prop_filter("name fits", |n| n.len() <= 64)),
        proptest::collection::vec(scope(), 0..4),
        proptest::collection::btree_map("[a-z][a-z0-9_.-]{0,8}", "[\\PC]{0,12}", 0..3),
    )
        .prop_map(|(expires_at, name, scopes, metadata)| {
            let mut claims = Claims::new();
            if let Some(at) = expires_at {
                claims = claims.with_expires_at(at);
            }
            if let Some(name) = name {
                claims = claims.with_name(name);
            }
            for s in scopes {
                claims = claims.with_scope(s);
            }
            for (k, v) in metadata {
                claims = claims.with_metadata(k, v);
            }
            claims
        })
}

/// A verifier that accepts `key_id`, with its issuer.
fn setup(key_ids: &str) -> (Issuer, Verifier, ClientSecret) {
    let secret = ClientSecret::generate();
    let issuer = Issuer::new(&secret);
    let verifier = common::verifier(&secret.to_hex(), key_ids).expect("verifier");
    (issuer, verifier, secret)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn minted_keys_verify_to_their_claims(claims in claims()) {
        let secret = ClientSecret::generate();
        let issued = Issuer::new(&secret).issue(&claims).expect("mints");
        let token = issued.token().expose_secret();
        prop_assert!(token.starts_with("ckey_"));
        prop_assert!(token.len() <= client_keys::limits::MAX_TOKEN_LEN);
        prop_assert!(token[5..].bytes().all(|b| BASE64URL.contains(&b)));
        let verifier = common::verifier(&secret.to_hex(), &issued.key_id().to_string()).expect("verifier");
        let key = verifier.verify(token).expect("verifies");
        prop_assert_eq!(key.key_id(), issued.key_id());
        prop_assert_eq!(key.claims(), &claims);
    }

    /// Every single-character substitution, deletion and insertion is rejected.
    #[test]
    fn every_single_character_change_is_rejected(claims in claims()) {
        let (issuer, _, secret) = setup("");
        let issued = issuer.issue(&claims).expect("mints");
        let verifier = common::verifier(&secret.to_hex(), &issued.key_id().to_string()).expect("verifier");
        let token = issued.token().expose_secret().as_bytes().to_vec();
        prop_assert!(verifier.verify(std::str::from_utf8(&token).expect("ascii")).is_ok());
        let rejected = |candidate: &[u8]| match std::str::from_utf8(candidate) {
            Ok(text) => verifier.verify(text).is_err(),
            Err(_) => true,
        };
        let alphabet: Vec<u8> = BASE64URL.iter().copied().chain(*b"=+/. ~\0").collect();
        for i in 0..token.len() {
            for &c in &alphabet {
                if c == token[i] {
                    continue;
                }
                let mut changed = token.clone();
                changed[i] = c;
                prop_assert!(rejected(&changed), "substitution at {} accepted", i);
                let mut inserted = token.clone();
                inserted.insert(i, c);
                prop_assert!(rejected(&inserted), "insertion at {} accepted", i);
            }
            let mut deleted = token.clone();
            deleted.remove(i);
            prop_assert!(rejected(&deleted), "deletion at {} accepted", i);
        }
        for &c in &alphabet {
            let mut appended = token.clone();
            appended.push(c);
            prop_assert!(rejected(&appended), "extension accepted");
        }
    }

    /// Flipping any bit of the decoded body (re-encoded canonically) is rejected.
    #[test]
    fn every_bit_flip_of_the_body_is_rejected(claims in claims()) {
        use base64::Engine as _;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (issuer, _, secret) = setup("");
        let issued = issuer.issue(&claims).expect("mints");
        let verifier = common::verifier(&secret.to_hex(), &issued.key_id().to_string()).expect("verifier");
        let body = URL_SAFE_NO_PAD.decode(&issued.token().expose_secret()[5..]).expect("decodes");
        for bit in 0..body.len() * 8 {
            let mut flipped = body.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let token = format!("ckey_{}", URL_SAFE_NO_PAD.encode(&flipped));
            prop_assert!(verifier.verify(&token).is_err(), "bit {} accepted", bit);
        }
    }

    #[test]
    fn random_strings_are_rejected(text in "\\PC{0,600}", b64 in "ckey_[A-Za-z0-9_-]{0,120}") {
        let (_, verifier, _) = setup("00112233445566778899aabbccddeeff");
        prop_assert!(verifier.verify(&text).is_err());
        prop_assert!(verifier.verify(&b64).is_err());
        let header = format!("Bearer {}", b64);
        prop_assert!(verifier.verify_authorization(&header).is_err());
    }
}

/// Catches a random source that repeats (a constant, a short cycle, a fork-shared state). Ten
/// thousand draws are plenty: a collision among them by chance has probability about 2^-70
/// for the 96-bit nonces, so any repeat here is a broken generator.
#[test]
fn ten_thousand_mints_give_distinct_ids_and_nonces() {
    let (issuer, _, _) = setup("");
    let mut ids = HashSet::new();
    let mut nonces = HashSet::new();
    for _ in 0..10_000 {
        let issued = issuer.issue(&Claims::new()).expect("mints");
        assert!(ids.insert(issued.key_id()));
        // Characters 13..29 of a plain token encode the nonce (body bytes 6..18).
        let token = issued.token().expose_secret();
        assert!(nonces.insert(token[13..29].to_owned()));
    }
}

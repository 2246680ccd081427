//! What `benches/verify.rs` and `benches/ratios.rs` both measure, built once here so that their
//! figures are of the same keys, tokens and alternatives.

use std::collections::HashSet;
use std::hint::black_box;

use client_keys::{Allowlist, Claims, ClientSecret, IssuedKey, Issuer, KeyId, Verifier};

pub(crate) const SECRET: &str = "8f1d6a3c2b4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e";

/// A plain key and a key with every kind of claim, minted under [`SECRET`].
pub(crate) fn sample_keys(issuer: &Issuer) -> (IssuedKey, IssuedKey) {
    let plain = issuer.issue(&Claims::new()).expect("issue");
    let with_claims = issuer
        .issue(
            &Claims::new()
                .with_name("billing-worker")
                .with_scope("read")
                .with_scope("write")
                .with_metadata("team", "payments")
                .with_expires_at(4_102_444_800),
        )
        .expect("issue");
    (plain, with_claims)
}

/// `n` random key ids as `CLIENT_KEYS` text, followed by `extra`.
pub(crate) fn allowlist_text(n: usize, extra: &[KeyId]) -> String {
    let mut text = String::with_capacity((n + extra.len()) * 34);
    for id in (0..n)
        .map(|_| KeyId::generate())
        .chain(extra.iter().copied())
    {
        text.push_str(&id.to_string());
        text.push(',');
    }
    text
}

/// A character in the middle of the base64 body (ciphertext or tag) changed to another
/// base64url character: the token stays well-formed and fails only at the AES-GCM tag.
pub(crate) fn flip_one_char(token: &str) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let at = token.len() - 10;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).expect("ASCII")
}

#[derive(serde::Serialize, serde::Deserialize)]
struct JwtClaims {
    key_id: String,
}

/// What a user would pick instead: an HS256 JWT (what Trivial does) and a PASETO v4.local
/// token, each carrying the key id, checked and then looked up in a set of three ids.
pub(crate) struct Alternatives {
    ids: HashSet<String>,
    jwt: String,
    jwt_key: jsonwebtoken::DecodingKey,
    jwt_validation: jsonwebtoken::Validation,
    paseto: String,
    paseto_key: pasetors::keys::SymmetricKey<pasetors::version4::V4>,
}

impl Alternatives {
    pub(crate) fn new(key_id: &KeyId) -> Alternatives {
        let key_id = key_id.to_string();
        let mut ids: HashSet<String> = (0..2).map(|_| KeyId::generate().to_string()).collect();
        ids.insert(key_id.clone());
        let jwt_secret = [42u8; 32];
        let jwt = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &JwtClaims {
                key_id: key_id.clone(),
            },
            &jsonwebtoken::EncodingKey::from_secret(&jwt_secret),
        )
        .expect("jwt");
        let mut jwt_validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        jwt_validation.required_spec_claims.clear();
        jwt_validation.validate_exp = false;
        let paseto_key =
            pasetors::keys::SymmetricKey::<pasetors::version4::V4>::from(&[43u8; 32]).expect("key");
        let paseto =
            pasetors::version4::LocalToken::encrypt(&paseto_key, key_id.as_bytes(), None, None)
                .expect("paseto");
        let alternatives = Alternatives {
            ids,
            jwt,
            jwt_key: jsonwebtoken::DecodingKey::from_secret(&jwt_secret),
            jwt_validation,
            paseto,
            paseto_key,
        };
        alternatives.jwt_verify();
        alternatives.paseto_verify();
        alternatives
    }

    /// `jsonwebtoken` HS256 decoding of `{"key_id": …}`, then the set lookup.
    pub(crate) fn jwt_verify(&self) {
        let data = jsonwebtoken::decode::<JwtClaims>(
            black_box(&self.jwt),
            &self.jwt_key,
            &self.jwt_validation,
        )
        .expect("jwt verifies");
        assert!(self.ids.contains(&data.claims.key_id));
    }

    /// `pasetors` v4.local decryption of the key id, then the set lookup.
    pub(crate) fn paseto_verify(&self) {
        let untrusted = pasetors::token::UntrustedToken::<
            pasetors::token::Local,
            pasetors::version4::V4,
        >::try_from(black_box(self.paseto.as_str()))
        .expect("parses");
        let trusted =
            pasetors::version4::LocalToken::decrypt(&self.paseto_key, &untrusted, None, None)
                .expect("decrypts");
        assert!(self.ids.contains(trusted.payload()));
    }
}

/// [`SECRET`], parsed.
pub(crate) fn secret() -> ClientSecret {
    SECRET.parse().expect("a valid secret")
}

/// A verifier of [`SECRET`] whose `CLIENT_KEYS` is `keys`.
pub(crate) fn verifier(keys: &str) -> Verifier {
    Verifier::new(&secret(), Allowlist::parse(keys))
}

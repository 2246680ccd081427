//! The issuing side: minting client keys under `CLIENT_SECRET`.

use std::fmt;

use crate::config::{Config, ConfigError};
use crate::token::claims::{ClaimError, Claims, now_unix};
use crate::token::key_id::KeyId;
use crate::token::keys::{SecretId, SecretKeys};
use crate::token::secret::{ClientSecret, os_random};
use crate::token::{self, NONCE_LEN, SecretToken, TokenKind, payload};

/// Mints client keys under one secret (the current `CLIENT_SECRET`).
///
/// ```
/// use client_keys::{Claims, ClientSecret, Issuer};
///
/// let issuer = Issuer::new(&ClientSecret::generate());
/// let issued = issuer.issue(&Claims::new().with_name("ci runner"))?;
/// assert_eq!(issued.key_id().to_string().len(), 32);
/// assert!(issued.token().expose_secret().starts_with("ckey_"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Issuer {
    keys: SecretKeys,
}

impl Issuer {
    /// Mints under `secret`.
    #[must_use]
    pub fn new(secret: &ClientSecret) -> Issuer {
        Issuer {
            keys: SecretKeys::derive(secret),
        }
    }

    /// Reads `CLIENT_SECRET` from the environment, after `.env` in the current directory.
    ///
    /// # Errors
    /// As [`Config::from_env`].
    pub fn from_env() -> Result<Issuer, ConfigError> {
        Ok(Issuer::new(Config::from_env()?.secret()))
    }

    /// Mints a new key with a fresh random key id and nonce.
    ///
    /// # Errors
    /// A claim breaks a limit, or the expiry is not in the future.
    pub fn issue(&self, claims: &Claims) -> Result<IssuedKey, ClaimError> {
        claims.validate()?;
        if claims.expires_at().is_some_and(|at| at <= now_unix()) {
            return Err(ClaimError::ExpiryInPast);
        }
        let mut nonce = [0u8; NONCE_LEN];
        os_random(&mut nonce);
        Ok(self.seal(KeyId::generate(), &nonce, claims))
    }

    /// Mints with a chosen key id and nonce: for test vectors only, never for real keys (a
    /// repeated nonce under one secret breaks AES-GCM).
    #[cfg(test)]
    pub(crate) fn issue_with(
        &self,
        key_id: KeyId,
        nonce: &[u8; NONCE_LEN],
        claims: &Claims,
    ) -> Result<IssuedKey, ClaimError> {
        claims.validate()?;
        Ok(self.seal(key_id, nonce, claims))
    }

    /// Encrypts a key id and claims that passed [`Claims::validate`].
    fn seal(&self, key_id: KeyId, nonce: &[u8; NONCE_LEN], claims: &Claims) -> IssuedKey {
        let plaintext = payload::encode(key_id, claims);
        let token = token::seal(&self.keys, TokenKind::ClientKey, nonce, &plaintext);
        IssuedKey {
            key_id,
            token,
            claims: claims.clone(),
        }
    }

    /// The identifier of the secret, carried in every token it mints.
    #[must_use]
    pub fn secret_id(&self) -> SecretId {
        self.keys.id()
    }
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issuer")
            .field("secret_id", &self.secret_id())
            .finish_non_exhaustive()
    }
}

/// A freshly minted key: its id (for `CLIENT_KEYS`) and its token (for the client).
#[derive(Debug, Clone)]
pub struct IssuedKey {
    key_id: KeyId,
    token: SecretToken,
    claims: Claims,
}

impl IssuedKey {
    /// The key id, to add to `CLIENT_KEYS`.
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The token (`key_access_token`), to hand to the client once.
    #[must_use]
    pub fn token(&self) -> &SecretToken {
        &self.token
    }

    /// The claims it carries.
    #[must_use]
    pub fn claims(&self) -> &Claims {
        &self.claims
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The generating direction of the vectors: fixed inputs give exactly the recorded token.
    /// (The verifying direction runs through the public API in `tests/vectors.rs`.)
    #[test]
    fn minting_reproduces_the_vectors() {
        let doc: Value = serde_json::from_str(include_str!("../tests/vectors/client_key_v1.json"))
            .expect("json");
        let cases = doc["valid"].as_array().expect("valid cases");
        assert!(cases.len() >= 5);
        for case in cases {
            let text = |k: &str| case[k].as_str().expect(k);
            let issuer = Issuer::new(&text("secret").parse().expect("secret"));
            let mut nonce = [0u8; NONCE_LEN];
            hex::decode_to_slice(text("nonce"), &mut nonce).expect("nonce");
            let c = &case["claims"];
            let mut claims = Claims::new();
            if let Some(at) = c["expires_at"].as_u64() {
                claims = claims.with_expires_at(at);
            }
            if let Some(name) = c["name"].as_str() {
                claims = claims.with_name(name);
            }
            for scope in c["scopes"].as_array().expect("scopes") {
                claims = claims.with_scope(scope.as_str().expect("scope"));
            }
            for (k, v) in c["metadata"].as_object().expect("metadata") {
                claims = claims.with_metadata(k.as_str(), v.as_str().expect("value"));
            }
            let issued = issuer
                .issue_with(text("key_id").parse().expect("key id"), &nonce, &claims)
                .expect("mints");
            assert_eq!(
                issued.token().expose_secret(),
                text("token"),
                "{}",
                text("desc")
            );
        }
    }

    #[test]
    fn refuses_an_expiry_in_the_past() {
        let issuer = Issuer::new(&ClientSecret::generate());
        let err = issuer
            .issue(&Claims::new().with_expires_at(1_000_000_000))
            .unwrap_err();
        assert_eq!(err, ClaimError::ExpiryInPast);
    }

    #[test]
    fn plain_tokens_are_72_characters_and_differ_each_time() {
        let issuer = Issuer::new(&ClientSecret::generate());
        let a = issuer.issue(&Claims::new()).expect("a");
        let b = issuer.issue(&Claims::new()).expect("b");
        assert_eq!(a.token().expose_secret().len(), 72);
        assert_ne!(a.key_id(), b.key_id());
        assert_ne!(a.token().expose_secret(), b.token().expose_secret());
    }
}

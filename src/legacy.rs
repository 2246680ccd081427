//! Trivial's client keys, accepted during a migration (feature `legacy`).
//!
//! Trivial mints `JWT.encode({key_id: …}, ENV['CLIENT_SECRET'], 'HS256')` with ruby-jwt: an
//! HS256 JWT whose HMAC key is the bytes of its `CLIENT_SECRET` text. With that text in
//! `CLIENT_SECRET_LEGACY`, a verifier accepts such a token when its header says `HS256`
//! exactly (no `crit`), its signature holds, its `key_id` is listed in `CLIENT_KEYS`, and its
//! `exp`, if any, has not passed. The JWT is read by the `jsonwebtoken` crate with the algorithm
//! pinned; nothing here parses JWTs by hand.

use std::fmt;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::config::allowlist::Allowlist;
use crate::error::{LegacyRefusal, VerifyError};
use crate::token::Malformed;
use crate::token::claims::{Claims, MAX_EXPIRES_AT};
use crate::token::client_id::LegacyId;

/// The longest text read as a legacy token: a Trivial JWT of a 30-character id is about 130.
const MAX_LEGACY_TOKEN_LEN: usize = 1024;

/// Whether `token` has the shape of a JWT (`eyJ…` with three dot-separated parts), which no
/// token of this tool has.
pub(crate) fn looks_like_jwt(token: &str) -> bool {
    token.len() <= MAX_LEGACY_TOKEN_LEN
        && token.starts_with("eyJ")
        && token.bytes().filter(|&b| b == b'.').count() == 2
}

/// The text of Trivial's `CLIENT_SECRET`, now `CLIENT_SECRET_LEGACY`: the HMAC key of its
/// tokens. Wiped on drop; `Debug` shows nothing of it.
#[derive(Clone)]
pub(crate) struct LegacySecret(Zeroizing<Vec<u8>>);

impl LegacySecret {
    /// The variable's text; `None` when it is empty (unset, for a migration not begun).
    pub(crate) fn new(text: &str) -> Option<LegacySecret> {
        (!text.is_empty()).then(|| LegacySecret(Zeroizing::new(text.as_bytes().to_vec())))
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for LegacySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LegacySecret(..)")
    }
}

/// What a Trivial token carries (other claims are ignored, as Trivial ignored them).
#[derive(Deserialize)]
struct TrivialClaims {
    key_id: String,
    #[serde(default)]
    exp: Option<u64>,
    #[serde(default)]
    nbf: Option<u64>,
}

/// Checks Trivial's tokens under one `CLIENT_SECRET_LEGACY`.
#[derive(Clone)]
pub(crate) struct LegacyVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl fmt::Debug for LegacyVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LegacyVerifier(..)")
    }
}

/// A genuine Trivial token, opened: its id and expiry, not yet checked against the allowlist.
pub(crate) struct Opened {
    pub(crate) key_id: LegacyId,
    pub(crate) expires_at: Option<u64>,
}

impl LegacyVerifier {
    pub(crate) fn new(secret: &LegacySecret) -> LegacyVerifier {
        // HS256 only; the registered claims are checked below, with the verifier's clock.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        LegacyVerifier {
            key: DecodingKey::from_secret(secret.as_bytes()),
            validation,
        }
    }

    /// Checks the header and the signature, and reads the claims.
    ///
    /// # Errors
    /// [`VerifyError::Forged`] when the signature does not hold; [`Malformed::LegacyToken`]
    /// for anything else that is not a Trivial token (another algorithm, `crit`, a bad
    /// `key_id`, an `nbf` in the future).
    pub(crate) fn open(&self, token: &str, now: u64) -> Result<Opened, VerifyError> {
        let malformed = || VerifyError::Malformed(Malformed::LegacyToken);
        if !looks_like_jwt(token) {
            return Err(malformed());
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| malformed())?;
        if header.alg != Algorithm::HS256 || header.crit.is_some() {
            return Err(malformed());
        }
        let data = jsonwebtoken::decode::<TrivialClaims>(token, &self.key, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidSignature => VerifyError::Forged,
                _ => malformed(),
            })?;
        let claims = data.claims;
        let key_id = LegacyId::new(&claims.key_id).ok_or_else(malformed)?;
        if claims.exp.is_some_and(|exp| exp > MAX_EXPIRES_AT)
            || claims.nbf.is_some_and(|nbf| now < nbf)
        {
            return Err(malformed());
        }
        Ok(Opened {
            key_id,
            expires_at: claims.exp,
        })
    }

    /// Verifies a Trivial token at `now`: [`LegacyVerifier::open`], then its expiry and its
    /// `key_id` in `CLIENT_KEYS` (compared as Trivial did: the trimmed entries, exactly).
    ///
    /// # Errors
    /// As [`LegacyVerifier::open`], and [`VerifyError::LegacyRefused`] for an expired or
    /// unlisted key.
    pub(crate) fn verify(
        &self,
        token: &str,
        allowlist: &Allowlist,
        now: u64,
    ) -> Result<(LegacyId, Claims), VerifyError> {
        let Opened { key_id, expires_at } = self.open(token, now)?;
        if let Some(expires_at) = expires_at.filter(|&at| now >= at) {
            return Err(VerifyError::LegacyRefused {
                key_id,
                why: LegacyRefusal::Expired { expires_at },
            });
        }
        if !allowlist.contains_entry(key_id.as_str()) {
            return Err(VerifyError::LegacyRefused {
                key_id,
                why: LegacyRefusal::NotAllowed,
            });
        }
        let claims = expires_at.map_or_else(Claims::new, |at| Claims::new().with_expires_at(at));
        Ok((key_id, claims))
    }
}

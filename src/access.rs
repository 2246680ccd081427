//! Short-lived access tokens: a client key exchanged for a `ckat_…` token, with no state.
//!
//! An access token carries its parent's key id, an expiry and a subset of the parent's scopes,
//! encrypted under a key derived for access tokens only. It verifies only while its parent's
//! key id is in `CLIENT_KEYS`, so revoking a client key revokes its access tokens at once.
//!
//! The nonce is not random: it is HMAC-SHA256 (under its own derived key) of everything the
//! token says, truncated to 96 bits (SIV-style, as in RFC 5297 and AES-GCM-SIV). The same
//! request in the same time window therefore returns the same token, with no storage; a
//! different request gives a different plaintext and so, but for a 2^-96 PRF collision, a
//! different nonce. See `docs/FORMAT.md`.

use std::fmt;
use std::time::Duration;

use hmac::{KeyInit, Mac};

use crate::error::VerifyError;
use crate::token::claims::{ClaimError, Claims, now_unix};
use crate::token::key_id::KeyId;
use crate::token::keys::SecretKeys;
use crate::token::{self, NONCE_LEN, SecretToken, TokenKind, payload};
use crate::verify::{MAX_ACCESS_TTL, Verifier};

/// Lifetime of an access token when the request names none: 2 hours.
pub const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(2 * 3600);
/// The longest lifetime an [`AccessIssuer`] grants unless told otherwise: 2 hours.
pub const DEFAULT_MAX_ACCESS_TTL: Duration = DEFAULT_ACCESS_TTL;

/// What a client asks for when it exchanges its client key.
///
/// ```
/// use std::time::Duration;
/// use client_keys::AccessRequest;
///
/// let request = AccessRequest::new()
///     .with_session_id("browser-tab-7")
///     .with_scope("read")
///     .with_ttl(Duration::from_secs(15 * 60));
/// assert_eq!(request.scopes(), Some(&["read".to_owned()][..]));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessRequest {
    session_id: Option<String>,
    scopes: Option<Vec<String>>,
    ttl: Option<Duration>,
}

impl AccessRequest {
    /// All of the parent's scopes, the default lifetime, no session id.
    #[must_use]
    pub fn new() -> AccessRequest {
        AccessRequest::default()
    }

    /// A session id (1 to 64 visible ASCII characters): another id gives another token.
    #[must_use]
    pub fn with_session_id(mut self, session_id: impl Into<String>) -> AccessRequest {
        self.session_id = Some(session_id.into());
        self
    }

    /// Narrows the token to this scope (repeat for several); each must be one of the
    /// parent's. With none, the token has all of the parent's scopes.
    #[must_use]
    pub fn with_scope(mut self, scope: impl Into<String>) -> AccessRequest {
        self.scopes.get_or_insert_with(Vec::new).push(scope.into());
        self
    }

    /// The lifetime asked for, in whole seconds: 1 second to 24 hours, capped at the issuer's
    /// maximum (a request outside those bounds is refused, not capped).
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> AccessRequest {
        self.ttl = Some(ttl);
        self
    }

    /// The requested scopes, if narrowed.
    #[must_use]
    pub fn scopes(&self) -> Option<&[String]> {
        self.scopes.as_deref()
    }
}

/// A minted access token and what a token endpoint answers with it.
#[derive(Debug, Clone)]
pub struct AccessToken {
    token: SecretToken,
    key_id: KeyId,
    expires_at: u64,
    expires_in: u64,
    scopes: Vec<String>,
}

impl AccessToken {
    /// The token (`ckat_…`), for `Authorization: Bearer`.
    #[must_use]
    pub fn token(&self) -> &SecretToken {
        &self.token
    }

    /// The key id of the client key it was exchanged for (its parent).
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// When it expires (unix seconds).
    #[must_use]
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// Its remaining life in seconds when it was returned (`expires_in` of the answer).
    #[must_use]
    pub fn expires_in(&self) -> u64 {
        self.expires_in
    }

    /// The scopes it grants.
    #[must_use]
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// `"Bearer"`, the `token_type` of the answer (RFC 6750).
    #[must_use]
    pub fn token_type(&self) -> &'static str {
        "Bearer"
    }
}

/// Why an exchange was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExchangeError {
    /// The client key did not verify (answer `401`, `invalid_client`).
    InvalidClient(VerifyError),
    /// A requested scope is not one of the client key's (answer `400`, `invalid_scope`).
    ScopeNotGranted {
        /// The first such scope.
        scope: String,
    },
    /// The request is malformed, e.g. a bad session id (answer `400`, `invalid_request`).
    InvalidRequest(ClaimError),
    /// The requested lifetime is under a second or over 24 hours (answer `400`,
    /// `invalid_request`).
    InvalidLifetime,
    /// The requested session is revoked (`CLIENT_REVOKED_SESSIONS`): any token minted for it
    /// would be refused, so none is minted; the client must start a new session (answer
    /// `400`, `invalid_grant`).
    SessionRevoked(VerifyError),
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExchangeError::InvalidClient(e) => write!(f, "client key refused: {e}"),
            ExchangeError::ScopeNotGranted { scope } => {
                write!(f, "scope {scope:?} is not granted to the client key")
            }
            ExchangeError::InvalidRequest(e) => write!(f, "invalid request: {e}"),
            ExchangeError::InvalidLifetime => f.write_str(
                "invalid request: the lifetime must be from 1 second to 24 hours (86400 seconds)",
            ),
            ExchangeError::SessionRevoked(e) => {
                write!(f, "{e}: start a new session, with another session id")
            }
        }
    }
}

impl std::error::Error for ExchangeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ExchangeError::InvalidClient(e) | ExchangeError::SessionRevoked(e) => Some(e),
            ExchangeError::InvalidRequest(e) => Some(e),
            ExchangeError::ScopeNotGranted { .. } | ExchangeError::InvalidLifetime => None,
        }
    }
}

/// Exchanges client keys for short-lived access tokens: the token endpoint's side.
///
/// Built from the [`Verifier`] that checks the client keys; it owns the lifetimes it grants
/// (by default 2 hours, and at most 2 hours unless [`AccessIssuer::with_max_ttl`] says more).
/// Give servers that accept its tokens the same maximum with
/// [`Verifier::with_max_access_ttl`].
///
/// ```
/// use client_keys::{AccessIssuer, AccessRequest, Claims, ClientSecret, Issuer, TokenKind, Verifier};
///
/// let secret = ClientSecret::generate();
/// let key = Issuer::new(&secret).issue(&Claims::new().with_scope("read").with_scope("write"))?;
/// let verifier = Verifier::new(&secret, key.key_id().to_string().parse()?);
/// let issuer = AccessIssuer::new(verifier.clone());
///
/// let request = AccessRequest::new().with_session_id("s-1").with_scope("read");
/// let access = issuer.exchange(key.token().expose_secret(), &request)?;
/// assert!(access.expires_in() <= 7200);
///
/// let verified = verifier.verify(access.token().expose_secret())?;
/// assert_eq!(verified.kind(), TokenKind::AccessToken);
/// assert_eq!(verified.key_id(), key.key_id());
/// assert_eq!(verified.scopes(), ["read"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct AccessIssuer {
    verifier: Verifier,
    default_ttl: u64,
    max_ttl: u64,
}

impl AccessIssuer {
    /// Exchanges the client keys `verifier` accepts (whatever kinds it accepts for requests).
    #[must_use]
    pub fn new(verifier: Verifier) -> AccessIssuer {
        AccessIssuer {
            verifier,
            default_ttl: DEFAULT_ACCESS_TTL.as_secs(),
            max_ttl: DEFAULT_MAX_ACCESS_TTL.as_secs(),
        }
    }

    /// The lifetime of a token whose request names none (2 hours unless set here; never more
    /// than the maximum).
    #[must_use]
    pub fn with_default_ttl(mut self, ttl: Duration) -> AccessIssuer {
        self.default_ttl = ttl.as_secs().clamp(1, MAX_ACCESS_TTL.as_secs());
        self
    }

    /// The longest lifetime granted (2 hours unless set here, at most 24 hours): longer
    /// requests are capped to it.
    #[must_use]
    pub fn with_max_ttl(mut self, max: Duration) -> AccessIssuer {
        self.max_ttl = max.as_secs().clamp(1, MAX_ACCESS_TTL.as_secs());
        self
    }

    /// The verifier that checks client keys.
    #[must_use]
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Exchanges a client key for a short-lived access token.
    ///
    /// The token lives for the requested lifetime (default [`DEFAULT_ACCESS_TTL`], capped at
    /// the issuer's maximum and at the parent's own expiry), counted from the start of a time
    /// window a quarter of that lifetime long: every identical request in one window gets the
    /// identical token, and `expires_in` is its true remaining life. It is minted under the
    /// secret that minted its parent, so removing that secret revokes both.
    ///
    /// # Errors
    /// The client key does not verify, a scope is not the parent's, the session id is
    /// malformed or revoked, or the lifetime is outside 1 second to 24 hours.
    pub fn exchange(
        &self,
        client_key: &str,
        request: &AccessRequest,
    ) -> Result<AccessToken, ExchangeError> {
        self.exchange_at(client_key, request, now_unix())
    }

    /// [`AccessIssuer::exchange`] as if the time were `now` (unix seconds).
    ///
    /// # Errors
    /// As [`AccessIssuer::exchange`].
    pub fn exchange_at(
        &self,
        client_key: &str,
        request: &AccessRequest,
        now: u64,
    ) -> Result<AccessToken, ExchangeError> {
        let (parent, parent_id, keys) = self
            .verifier
            .verify_parent_at(client_key, now)
            .map_err(ExchangeError::InvalidClient)?;
        let session = request.session_id.as_deref();
        if self.verifier.is_session_revoked(&parent_id, session) {
            return Err(ExchangeError::SessionRevoked(VerifyError::SessionRevoked {
                key_id: parent_id,
                session_id: session.map(str::to_owned),
            }));
        }
        let scopes = match request.scopes() {
            None => parent.scopes().to_vec(),
            Some(asked) => {
                if let Some(scope) = asked.iter().find(|s| !parent.has_scope(s)) {
                    return Err(ExchangeError::ScopeNotGranted {
                        scope: scope.clone(),
                    });
                }
                asked.to_vec()
            }
        };
        let ttl = request
            .ttl
            .map_or(self.default_ttl.min(self.max_ttl), |t| t.as_secs());
        if !(1..=MAX_ACCESS_TTL.as_secs()).contains(&ttl) {
            return Err(ExchangeError::InvalidLifetime);
        }
        let ttl = ttl.min(self.max_ttl);
        let mut expires_at = window_start(now, ttl).saturating_add(ttl);
        if let Some(parent_expiry) = parent.expires_at() {
            expires_at = expires_at.min(parent_expiry);
        }
        let claims = scopes
            .into_iter()
            .fold(
                Claims::new().with_expires_at(expires_at),
                Claims::with_scope,
            )
            .with_session_id(request.session_id.clone());
        claims.validate().map_err(ExchangeError::InvalidRequest)?;
        Ok(AccessToken {
            token: mint(keys, parent_id, &claims),
            key_id: parent_id,
            expires_at,
            expires_in: expires_at.saturating_sub(now),
            scopes: claims.scopes().to_vec(),
        })
    }
}

/// The start of the window `now` falls in; windows are a quarter of `ttl` long (at least 1 s)
/// and aligned to the unix epoch, so a token has between ¾ and all of `ttl` left when given.
pub(crate) fn window_start(now: u64, ttl: u64) -> u64 {
    let window = (ttl / 4).max(1);
    now - now % window
}

/// Seals an access token for `parent` with validated `claims` (an expiry, scopes, and maybe a
/// session id), under its synthetic nonce.
pub(crate) fn mint(keys: &SecretKeys, parent: KeyId, claims: &Claims) -> SecretToken {
    let plaintext = payload::encode(parent, claims);
    let nonce = synthetic_nonce(keys, &plaintext);
    token::seal(keys, TokenKind::AccessToken, &nonce, &plaintext)
}

/// `HMAC-SHA256(access_nonce_key, aad || plaintext)[..12]`.
fn synthetic_nonce(keys: &SecretKeys, plaintext: &[u8]) -> [u8; NONCE_LEN] {
    let aad = token::aad(
        TokenKind::AccessToken,
        &token::header(TokenKind::AccessToken, keys.id()),
    );
    #[allow(clippy::expect_used)]
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(keys.access_nonce_key())
        .expect("HMAC takes a key of any length");
    mac.update(&aad);
    mac.update(plaintext);
    let tag = mac.finalize().into_bytes();
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&tag[..NONCE_LEN]);
    nonce
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::allowlist::Allowlist;
    use crate::error::VerifyError;
    use crate::token::Malformed;
    use crate::{ClientSecret, Issuer};

    /// The start of a 30-minute window (a multiple of 1800 s), after every parent is minted.
    const NOW: u64 = 1_899_999_000;

    fn parent(claims: &Claims) -> (AccessIssuer, String) {
        let secret = ClientSecret::generate();
        let issued = Issuer::new(&secret).issue(claims).expect("mints");
        let verifier = Verifier::new(&secret, Allowlist::parse(&issued.key_id().to_string()));
        (
            AccessIssuer::new(verifier),
            issued.token().expose_secret().to_owned(),
        )
    }

    #[test]
    fn identical_requests_in_one_window_get_identical_tokens() {
        let (issuer, key) = parent(&Claims::new().with_scope("read").with_scope("write"));
        let request = AccessRequest::new().with_session_id("s1");
        let a = issuer.exchange_at(&key, &request, NOW).expect("a");
        let b = issuer.exchange_at(&key, &request, NOW + 1799).expect("b");
        assert_eq!(a.token().expose_secret(), b.token().expose_secret());
        assert_eq!(a.expires_at(), b.expires_at());
        // expires_in is the true remaining life at each call.
        assert_eq!(a.expires_in(), a.expires_at() - NOW);
        assert_eq!(b.expires_in(), a.expires_at() - NOW - 1799);
        // The next window, another session, other scopes or another lifetime: another token.
        let next = issuer
            .exchange_at(&key, &request, window_start(NOW, 7200) + 1800)
            .expect("c");
        let other_session = issuer
            .exchange_at(&key, &AccessRequest::new().with_session_id("s2"), NOW)
            .expect("d");
        let narrower = issuer
            .exchange_at(&key, &request.clone().with_scope("read"), NOW)
            .expect("e");
        let shorter = issuer
            .exchange_at(
                &key,
                &request.clone().with_ttl(Duration::from_secs(600)),
                NOW,
            )
            .expect("f");
        let tokens: std::collections::HashSet<&str> =
            [&a, &next, &other_session, &narrower, &shorter]
                .iter()
                .map(|t| t.token().expose_secret())
                .collect();
        assert_eq!(tokens.len(), 5);
    }

    #[test]
    fn lifetimes_are_capped_by_the_server_and_the_parent() {
        let (issuer, key) = parent(&Claims::new().with_expires_at(NOW + 600));
        let t = issuer
            .exchange_at(&key, &AccessRequest::new(), NOW)
            .expect("t");
        assert_eq!(t.expires_at(), NOW + 600, "never outlives its parent");
        let (issuer, key) = parent(&Claims::new());
        let issuer = issuer.with_max_ttl(Duration::from_secs(300));
        let t = issuer
            .exchange_at(
                &key,
                &AccessRequest::new().with_ttl(Duration::from_secs(86_400)),
                NOW,
            )
            .expect("t");
        assert!(
            t.expires_at() <= NOW + 300 && t.expires_at() > NOW + 225,
            "{}",
            t.expires_at()
        );
        for ttl in [0, 86_401] {
            let request = AccessRequest::new().with_ttl(Duration::from_secs(ttl));
            assert_eq!(
                issuer.exchange_at(&key, &request, NOW).unwrap_err(),
                ExchangeError::InvalidLifetime,
                "{ttl}"
            );
        }
    }

    #[test]
    fn an_access_token_dies_with_the_secret_of_its_parent() {
        let (old, new) = (ClientSecret::generate(), ClientSecret::generate());
        let issued = Issuer::new(&old).issue(&Claims::new()).expect("mints");
        let allowlist = Allowlist::parse(&issued.key_id().to_string());
        let rotated = Verifier::new(&new, allowlist.clone()).with_previous_secrets([&old]);
        let access = AccessIssuer::new(rotated.clone())
            .with_max_ttl(Duration::from_secs(86_400))
            .exchange_at(
                issued.token().expose_secret(),
                &AccessRequest::new().with_ttl(Duration::from_secs(86_400)),
                NOW,
            )
            .expect("exchanges");
        let token = access.token().expose_secret();
        assert!(rotated.verify_at(token, NOW).is_ok());
        // The old secret is removed: the parent and its access token are refused together.
        let after = Verifier::new(&new, allowlist);
        assert_eq!(
            after.verify_at(issued.token().expose_secret(), NOW),
            Err(VerifyError::UnknownSecret)
        );
        assert_eq!(after.verify_at(token, NOW), Err(VerifyError::UnknownSecret));
    }

    #[test]
    fn verifiers_refuse_access_tokens_that_live_longer_than_they_grant() {
        let secret = ClientSecret::generate();
        let id = KeyId::generate();
        // No lifetime set: the default is the format's 24 hours.
        let verifier = Verifier::new(&secret, Allowlist::parse(&id.to_string()));
        let keys = SecretKeys::derive(&secret);
        let sealed = |expires_at: u64| {
            let claims = Claims::new().with_expires_at(expires_at);
            mint(&keys, id, &claims)
        };
        // Sealed by anyone holding the secret, with an expiry in year 9999.
        let far = sealed(crate::token::claims::MAX_EXPIRES_AT);
        assert_eq!(
            verifier.verify_at(far.expose_secret(), NOW),
            Err(VerifyError::Malformed(Malformed::AccessTokenTooLong))
        );
        let day = sealed(NOW + 86_400 + 60);
        assert!(verifier.verify_at(day.expose_secret(), NOW).is_ok());
        let past_skew = sealed(NOW + 86_400 + 61);
        assert_eq!(
            verifier.verify_at(past_skew.expose_secret(), NOW),
            Err(VerifyError::Malformed(Malformed::AccessTokenTooLong))
        );
        // A longer maximum cannot raise the format's.
        let raised = verifier
            .clone()
            .with_max_access_ttl(Duration::from_secs(7 * 86_400));
        assert!(raised.verify_at(past_skew.expose_secret(), NOW).is_err());
        let short = verifier.with_max_access_ttl(Duration::from_secs(600));
        assert!(
            short
                .verify_at(sealed(NOW + 660).expose_secret(), NOW)
                .is_ok()
        );
        assert_eq!(
            short.verify_at(sealed(NOW + 661).expose_secret(), NOW),
            Err(VerifyError::Malformed(Malformed::AccessTokenTooLong))
        );
        // A client key's expiry is its own: no cap.
        let far_claims = Claims::new().with_expires_at(crate::token::claims::MAX_EXPIRES_AT);
        let key = Issuer::new(&secret).issue(&far_claims).expect("issue");
        let keys_verifier = Verifier::new(&secret, Allowlist::parse(&key.key_id().to_string()));
        assert!(
            keys_verifier
                .verify_at(key.token().expose_secret(), NOW)
                .is_ok()
        );
    }

    #[test]
    fn minting_reproduces_the_access_token_vectors() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../tests/vectors/access_token_v1.json"))
                .expect("json");
        let cases = doc["valid"].as_array().expect("valid");
        assert!(cases.len() >= 3);
        for case in cases {
            let text = |k: &str| case[k].as_str().expect(k);
            let secret = ClientSecret::from_hex(text("secret")).expect("secret");
            let keys = SecretKeys::derive(&secret);
            let c = &case["claims"];
            let claims = c["scopes"]
                .as_array()
                .expect("scopes")
                .iter()
                .map(|s| s.as_str().expect("scope"))
                .fold(
                    Claims::new().with_expires_at(c["expires_at"].as_u64().expect("expiry")),
                    Claims::with_scope,
                )
                .with_session_id(c["session_id"].as_str().map(str::to_owned));
            claims.validate().expect("valid claims");
            let token = mint(&keys, text("key_id").parse().expect("key id"), &claims);
            assert_eq!(token.expose_secret(), text("token"), "{}", text("desc"));
        }
    }

    #[test]
    fn windows_are_a_quarter_of_the_lifetime() {
        assert_eq!(window_start(7200 * 10 + 1799, 7200), 7200 * 10);
        assert_eq!(window_start(7200 * 10 + 1800, 7200), 7200 * 10 + 1800);
        assert_eq!(window_start(12_345, 3), 12_345);
        for now in [1_000_000_000u64, 1_000_000_001, 1_000_001_799] {
            let start = window_start(now, 7200);
            let remaining = start + 7200 - now;
            assert!((5400 + 1..=7200).contains(&remaining), "{remaining}");
        }
    }
}

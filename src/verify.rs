//! The server side: verifying tokens against the secrets and the `CLIENT_KEYS` allowlist.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::bearer::bearer_token;
use crate::config::allowlist::Allowlist;
use crate::config::revoked::RevokedSessions;
use crate::config::{Config, ConfigError};
use crate::error::VerifyError;
use crate::token::claims::{Claims, now_unix};
use crate::token::client_id::ClientId;
use crate::token::key_id::KeyId;
use crate::token::keys::{Keyring, SecretKeys};
use crate::token::secret::ClientSecret;
use crate::token::{Malformed, TokenKind, payload};

/// The longest lifetime an access token can have: 24 hours. A verifier refuses an access token
/// that expires later than this (or its own, shorter, maximum) from now.
pub const MAX_ACCESS_TTL: Duration = Duration::from_secs(24 * 3600);

/// How far ahead of this server's clock another server's clock may be when it mints an access
/// token: 60 seconds, allowed on top of the maximum lifetime.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// Where a verification takes the time from. The system clock is read only when a token has
/// an expiry: a plain key, and any text refused before its claims are read, never pay for it.
#[derive(Debug, Clone, Copy)]
enum Clock {
    System,
    At(u64),
}

impl Clock {
    fn now(self) -> u64 {
        match self {
            Clock::System => now_unix(),
            Clock::At(now) => now,
        }
    }
}

/// Which kinds of token a [`Verifier`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Accept {
    /// Client keys and access tokens (the default).
    #[default]
    All,
    /// Only this kind; the other fails with [`VerifyError::WrongKind`].
    Only(TokenKind),
}

impl Accept {
    fn contains(self, kind: TokenKind) -> bool {
        match self {
            Accept::All => true,
            Accept::Only(only) => only == kind,
        }
    }
}

/// Verifies bearer tokens: decrypts them under `CLIENT_SECRET` (or a previous secret) and checks
/// expiry and the `CLIENT_KEYS` allowlist.
///
/// Keys are derived once, when the verifier is built; [`Verifier::verify`] then takes no lock,
/// allocates nothing for a plain key, and costs about one AES-GCM decryption. Cloning is cheap
/// (an `Arc`), and `Debug` shows no secret.
///
/// ```
/// use client_keys::{Allowlist, Claims, ClientSecret, Issuer, Verifier};
///
/// let secret = ClientSecret::generate();
/// let issued = Issuer::new(&secret).issue(&Claims::new().with_scope("read"))?;
///
/// let allowlist: Allowlist = format!("{}, another-key", issued.key_id()).parse()?;
/// let verifier = Verifier::new(&secret, allowlist);
/// let key = verifier.verify(issued.token().expose_secret())?;
/// assert_eq!(key.key_id(), issued.key_id());
/// assert!(key.has_scope("read"));
///
/// let header = format!("Bearer {}", issued.token().expose_secret());
/// assert_eq!(verifier.verify_authorization(&header)?.key_id(), issued.key_id());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
    accept: Accept,
    /// Access tokens that expire later than this many seconds (plus [`CLOCK_SKEW`]) from now
    /// are refused: [`MAX_ACCESS_TTL`] unless lowered by [`Verifier::with_max_access_ttl`].
    max_access_ttl: u64,
}

#[derive(Clone)]
struct Inner {
    keyring: Keyring,
    allowlist: Allowlist,
    revoked: RevokedSessions,
    #[cfg(feature = "legacy")]
    legacy: Option<crate::legacy::LegacyVerifier>,
}

impl Verifier {
    /// Verifies tokens minted under `secret` whose key id is in `allowlist`.
    #[must_use]
    pub fn new(secret: &ClientSecret, allowlist: Allowlist) -> Verifier {
        Verifier {
            inner: Arc::new(Inner {
                keyring: Keyring::new(secret, &[]),
                allowlist,
                revoked: RevokedSessions::default(),
                #[cfg(feature = "legacy")]
                legacy: None,
            }),
            accept: Accept::All,
            max_access_ttl: MAX_ACCESS_TTL.as_secs(),
        }
    }

    /// The same verifier, also accepting tokens minted under `previous` secrets (after a
    /// rotation: `CLIENT_SECRET_PREVIOUS`), tried in the order given.
    #[must_use]
    pub fn with_previous_secrets<'a>(
        mut self,
        previous: impl IntoIterator<Item = &'a ClientSecret>,
    ) -> Verifier {
        let inner = Arc::make_mut(&mut self.inner);
        for secret in previous {
            inner.keyring.push_previous(secret);
        }
        self
    }

    /// The same verifier, refusing the access tokens of the sessions in `revoked`
    /// (`CLIENT_REVOKED_SESSIONS`) as [`VerifyError::SessionRevoked`]. Client keys are not
    /// affected, nor the listed sessions' parents and their other sessions.
    #[must_use]
    pub fn with_revoked_sessions(mut self, revoked: RevokedSessions) -> Verifier {
        Arc::make_mut(&mut self.inner).revoked = revoked;
        self
    }

    /// Reads `CLIENT_SECRET`, `CLIENT_SECRET_PREVIOUS` (optional), `CLIENT_KEYS` and
    /// `CLIENT_REVOKED_SESSIONS` (optional) from the environment, after `.env` in the current directory if there is one (the environment
    /// wins; the file is not loaded into the process environment).
    ///
    /// # Errors
    /// As [`Config::from_env`], and [`ConfigError::MissingKeys`] when `CLIENT_KEYS` is unset.
    pub fn from_env() -> Result<Verifier, ConfigError> {
        Verifier::try_from(Config::from_env()?)
    }

    /// Builds a verifier from a loaded configuration.
    ///
    /// # Errors
    /// [`ConfigError::MissingKeys`] when the configuration has no `CLIENT_KEYS`.
    pub fn from_config(config: &Config) -> Result<Verifier, ConfigError> {
        Verifier::try_from(config.clone())
    }

    /// The same verifier, accepting only the given kinds of token (both by default). A refused
    /// kind fails with [`VerifyError::WrongKind`].
    ///
    /// ```
    /// # use client_keys::{Accept, Allowlist, Claims, ClientSecret, Issuer, TokenKind, Verifier, VerifyError};
    /// # let secret = ClientSecret::generate();
    /// # let issued = Issuer::new(&secret).issue(&Claims::new())?;
    /// let verifier = Verifier::new(&secret, issued.key_id().to_string().parse()?);
    /// let access_only = verifier.clone().accepting(Accept::Only(TokenKind::AccessToken));
    /// assert_eq!(
    ///     access_only.verify(issued.token().expose_secret()),
    ///     Err(VerifyError::WrongKind { key_id: issued.key_id(), found: TokenKind::ClientKey })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn accepting(mut self, accept: Accept) -> Verifier {
        self.accept = accept;
        self
    }

    /// Whether [`Verifier::verify`] accepts tokens of `kind`.
    #[must_use]
    pub fn accepts(&self, kind: TokenKind) -> bool {
        self.accept.contains(kind)
    }

    /// The same verifier, refusing access tokens that expire more than `max` (plus
    /// [`CLOCK_SKEW`]) from now, as [`Malformed::AccessTokenTooLong`]: set it to the longest
    /// lifetime your token endpoint grants. Every verifier already refuses access tokens that
    /// expire more than [`MAX_ACCESS_TTL`] (24 hours, plus the skew) from now, whoever sealed
    /// them; `max` can only lower that (it is clamped to 1 s ..= 24 h).
    #[must_use]
    pub fn with_max_access_ttl(mut self, max: Duration) -> Verifier {
        self.max_access_ttl = max.as_secs().clamp(1, MAX_ACCESS_TTL.as_secs());
        self
    }

    /// Verifies a token (a client key, or an access token), as a server does on every request.
    ///
    /// Checks, in order: length and form, the secret it names, authenticity (AES-GCM), that
    /// its kind is accepted ([`Verifier::accepting`]), expiry (and, for an access token, that
    /// it expires within its longest lifetime), that its key id (for an access token, its
    /// parent's) is in `CLIENT_KEYS`, and for an access token that its session is not revoked.
    ///
    /// # Errors
    /// Which check failed, as a [`VerifyError`] (for logs; answer every one with the same 401).
    pub fn verify(&self, token: &str) -> Result<VerifiedKey, VerifyError> {
        self.verify_with(token, Clock::System)
    }

    /// [`Verifier::verify`] as if the time were `now` (unix seconds).
    ///
    /// # Errors
    /// As [`Verifier::verify`].
    pub fn verify_at(&self, token: &str, now: u64) -> Result<VerifiedKey, VerifyError> {
        self.verify_with(token, Clock::At(now))
    }

    /// A token of this format, or, with `CLIENT_SECRET_LEGACY`, a Trivial JWT.
    fn verify_with(&self, token: &str, clock: Clock) -> Result<VerifiedKey, VerifyError> {
        #[cfg(feature = "legacy")]
        if let Some(legacy) = &self.inner.legacy
            && crate::legacy::looks_like_jwt(token)
        {
            return self.verify_legacy(legacy, token, clock.now());
        }
        self.verify_as(token, self.accept, clock)
            .map(|(key, _)| key)
    }

    #[cfg(feature = "legacy")]
    fn verify_legacy(
        &self,
        legacy: &crate::legacy::LegacyVerifier,
        token: &str,
        now: u64,
    ) -> Result<VerifiedKey, VerifyError> {
        let (key_id, claims) = legacy.verify(token, &self.inner.allowlist, now)?;
        if !self.accept.contains(TokenKind::ClientKey) {
            return Err(VerifyError::LegacyRefused {
                key_id,
                why: crate::error::LegacyRefusal::WrongKind,
            });
        }
        Ok(VerifiedKey {
            kind: TokenKind::ClientKey,
            key_id: ClientId::Legacy(key_id),
            claims,
        })
    }

    /// The same verifier, also accepting Trivial's client keys: HS256 JWTs of `{key_id}`
    /// signed with `secret`, the text of Trivial's `CLIENT_SECRET` (`CLIENT_SECRET_LEGACY`),
    /// whose `key_id` is in `CLIENT_KEYS` (feature `legacy`). They verify as
    /// [`VerifiedKey::is_legacy`] client keys with no scopes and no name. An empty `secret`
    /// accepts none.
    #[cfg(feature = "legacy")]
    #[must_use]
    pub fn with_legacy_secret(mut self, secret: &str) -> Verifier {
        Arc::make_mut(&mut self.inner).legacy = crate::legacy::LegacySecret::new(secret)
            .map(|secret| crate::legacy::LegacyVerifier::new(&secret));
        self
    }

    /// Verifies a client key of this tool whatever this verifier accepts, and returns its key
    /// id and the keys of the secret that minted it: the input of an access-token exchange,
    /// whose token is minted under the same secret so that removing that secret revokes both.
    pub(crate) fn verify_parent_at(
        &self,
        token: &str,
        now: u64,
    ) -> Result<(VerifiedKey, KeyId, &SecretKeys), VerifyError> {
        let (key, keys) =
            self.verify_as(token, Accept::Only(TokenKind::ClientKey), Clock::At(now))?;
        match key.key_id {
            ClientId::Key(id) => Ok((key, id, keys)),
            // `verify_as` opens only tokens of this format.
            ClientId::Legacy(_) => Err(Malformed::UnknownPrefix.into()),
        }
    }

    fn verify_as(
        &self,
        token: &str,
        accept: Accept,
        clock: Clock,
    ) -> Result<(VerifiedKey, &SecretKeys), VerifyError> {
        let payload::Opened {
            kind,
            secret_index,
            key_id,
            claims,
        } = payload::open(token, &self.inner.keyring)?;
        if !accept.contains(kind) {
            return Err(VerifyError::WrongKind {
                key_id,
                found: kind,
            });
        }
        if let Some(expires_at) = claims.expires_at() {
            let now = clock.now();
            if now >= expires_at {
                return Err(VerifyError::Expired { key_id, expires_at });
            }
            let latest = now
                .saturating_add(self.max_access_ttl)
                .saturating_add(CLOCK_SKEW.as_secs());
            if kind == TokenKind::AccessToken && expires_at > latest {
                return Err(Malformed::AccessTokenTooLong.into());
            }
        }
        if !self.inner.allowlist.contains(&key_id) {
            return Err(VerifyError::KeyNotAllowed { key_id });
        }
        if kind == TokenKind::AccessToken && self.is_session_revoked(&key_id, claims.session_id()) {
            return Err(VerifyError::SessionRevoked {
                key_id,
                session_id: claims.session_id().map(str::to_owned),
            });
        }
        #[allow(clippy::expect_used)]
        let keys = self
            .inner
            .keyring
            .get(secret_index)
            .expect("the keyring numbered the secret that opened the token");
        Ok((
            VerifiedKey {
                kind,
                key_id: ClientId::Key(key_id),
                claims,
            },
            keys,
        ))
    }

    /// Verifies the value of an `Authorization` header (`Bearer <token>`, scheme
    /// case-insensitive); see [`bearer_token`] for what is refused before the token is read.
    ///
    /// # Errors
    /// As [`bearer_token`], then as [`Verifier::verify`].
    pub fn verify_authorization(&self, header_value: &str) -> Result<VerifiedKey, VerifyError> {
        self.verify(bearer_token(header_value)?)
    }

    /// [`Verifier::verify_authorization`] as if the time were `now` (unix seconds).
    ///
    /// # Errors
    /// As [`Verifier::verify_authorization`].
    pub fn verify_authorization_at(
        &self,
        header_value: &str,
        now: u64,
    ) -> Result<VerifiedKey, VerifyError> {
        self.verify_at(bearer_token(header_value)?, now)
    }

    /// Whether the session `session_id` of the parent `key_id` is in `CLIENT_REVOKED_SESSIONS`.
    pub(crate) fn is_session_revoked(&self, key_id: &KeyId, session_id: Option<&str>) -> bool {
        self.inner.revoked.contains(key_id, session_id)
    }

    /// `fresh` (a reloaded configuration) with this verifier's policy: the kinds it accepts and
    /// its longest access-token lifetime, which come from code, not from the variables.
    pub(crate) fn policy_onto(&self, mut fresh: Verifier) -> Verifier {
        fresh.accept = self.accept;
        fresh.max_access_ttl = self.max_access_ttl;
        fresh
    }

    /// The allowlist this verifier enforces.
    #[must_use]
    pub fn allowlist(&self) -> &Allowlist {
        &self.inner.allowlist
    }
}

/// Builds a verifier from a loaded configuration, taking its allowlist and revoked sessions
/// rather than copying them (what a reload of a large `CLIENT_KEYS` wants).
///
/// # Errors
/// [`ConfigError::MissingKeys`] when the configuration has no `CLIENT_KEYS`.
impl TryFrom<Config> for Verifier {
    type Error = ConfigError;

    fn try_from(config: Config) -> Result<Verifier, ConfigError> {
        let parts = config.into_parts();
        let allowlist = parts.keys.ok_or(ConfigError::MissingKeys)?;
        let verifier = Verifier::new(&parts.secret, allowlist)
            .with_previous_secrets(&parts.previous)
            .with_revoked_sessions(parts.revoked);
        #[cfg(feature = "legacy")]
        let verifier = match &parts.legacy {
            Some(secret) => {
                let mut verifier = verifier;
                Arc::make_mut(&mut verifier.inner).legacy =
                    Some(crate::legacy::LegacyVerifier::new(secret));
                verifier
            }
            None => verifier,
        };
        Ok(verifier)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secret_ids", &self.inner.keyring.ids().collect::<Vec<_>>())
            .field("allowlist", &self.inner.allowlist)
            .field("accept", &self.accept)
            .field("max_access_ttl", &self.max_access_ttl)
            .finish()
    }
}

/// A key that passed [`Verifier::verify`]: only a successful verification makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedKey {
    kind: TokenKind,
    key_id: ClientId,
    claims: Claims,
}

impl VerifiedKey {
    /// The kind of token that was presented.
    #[must_use]
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The key id (as listed in `CLIENT_KEYS`); for an access token, its parent client key's;
    /// for a Trivial JWT accepted with `CLIENT_SECRET_LEGACY`, Trivial's id
    /// ([`ClientId::Legacy`]).
    #[must_use]
    pub fn key_id(&self) -> ClientId {
        self.key_id.clone()
    }

    /// The kind as logs, headers and JSON name it: `client_key`, `access_token`, or
    /// `legacy_client_key` for a Trivial JWT.
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        self.key_id.kind_name(self.kind)
    }

    /// Whether this was a Trivial JWT, accepted during a migration (`CLIENT_SECRET_LEGACY`).
    /// Such a key has no scopes and no name.
    #[must_use]
    pub fn is_legacy(&self) -> bool {
        self.key_id.is_legacy()
    }

    /// The key's name, if it has one (access tokens carry none).
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.claims.name()
    }

    /// The key's scopes, sorted.
    #[must_use]
    pub fn scopes(&self) -> &[String] {
        self.claims.scopes()
    }

    /// Whether the key has `scope`.
    #[must_use]
    pub fn has_scope(&self, scope: &str) -> bool {
        self.claims.has_scope(scope)
    }

    /// The key's metadata pairs, sorted by key (access tokens carry none).
    #[must_use]
    pub fn metadata(&self) -> &[(String, String)] {
        self.claims.metadata()
    }

    /// The key's expiry (unix seconds), if it has one (an access token always has one).
    #[must_use]
    pub fn expires_at(&self) -> Option<u64> {
        self.claims.expires_at()
    }

    /// For an access token, the session id it was issued for, if any.
    #[must_use]
    pub fn session_id(&self) -> Option<&str> {
        self.claims.session_id()
    }

    /// All the claims.
    #[must_use]
    pub fn claims(&self) -> &Claims {
        &self.claims
    }
}

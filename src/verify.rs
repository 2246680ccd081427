//! The server side: verifying tokens against the secrets and the `CLIENT_KEYS` allowlist.

use std::fmt;
use std::sync::Arc;

use crate::bearer::bearer_token;
use crate::config::Config;
use crate::config::allowlist::Allowlist;
use crate::error::{ConfigError, VerifyError};
use crate::token::claims::{Claims, now_unix};
use crate::token::key_id::{KEY_ID_LEN, KeyId};
use crate::token::keys::Keyring;
use crate::token::{self, TokenKind};

/// Verifies bearer tokens: decrypts them under `CLIENT_SECRET` (or a previous secret) and checks
/// expiry and the `CLIENT_KEYS` allowlist.
///
/// Keys are derived once, when the verifier is built; [`Verifier::verify`] then takes no lock,
/// allocates nothing for a plain key, and costs about one AES-GCM decryption. Cloning is cheap
/// (an `Arc`), and `Debug` shows no secret.
///
/// ```
/// use client_keys::{Claims, Issuer, Verifier};
///
/// let secret = "8f1d6a3c2b4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e";
/// let issued = Issuer::new(secret)?.issue(&Claims::new().with_scope("read"))?;
///
/// let verifier = Verifier::new(secret, &format!("{}, another-key", issued.key_id()))?;
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
    accepted: Accepted,
    max_access_ttl: u64,
}

struct Inner {
    keyring: Keyring,
    allowlist: Allowlist,
}

/// Which kinds of token [`Verifier::verify`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Accepted {
    client_keys: bool,
    access_tokens: bool,
}

impl Accepted {
    const ALL: Accepted = Accepted {
        client_keys: true,
        access_tokens: true,
    };

    fn of(kinds: &[TokenKind]) -> Accepted {
        Accepted {
            client_keys: kinds.contains(&TokenKind::ClientKey),
            access_tokens: kinds.contains(&TokenKind::AccessToken),
        }
    }

    fn contains(self, kind: TokenKind) -> bool {
        match kind {
            TokenKind::ClientKey => self.client_keys,
            TokenKind::AccessToken => self.access_tokens,
        }
    }
}

impl Verifier {
    /// Builds a verifier from the text of `CLIENT_SECRET` and `CLIENT_KEYS`.
    pub fn new(client_secret: &str, client_keys: &str) -> Result<Verifier, ConfigError> {
        Verifier::from_config(&Config::new(client_secret, None, Some(client_keys))?)
    }

    /// Reads `CLIENT_SECRET`, `CLIENT_SECRET_PREVIOUS` (optional) and `CLIENT_KEYS` from the
    /// environment, after `.env` in the current directory if there is one (the environment
    /// wins; the file is not loaded into the process environment).
    pub fn from_env() -> Result<Verifier, ConfigError> {
        Verifier::from_config(&Config::from_env()?)
    }

    /// Builds a verifier from a loaded configuration; `CLIENT_KEYS` must be set.
    pub fn from_config(config: &Config) -> Result<Verifier, ConfigError> {
        let allowlist = config.allowlist().ok_or(ConfigError::MissingKeys)?.clone();
        let keyring = Keyring::new(config.secret(), config.previous_secrets());
        Ok(Verifier {
            inner: Arc::new(Inner { keyring, allowlist }),
            accepted: Accepted::ALL,
            max_access_ttl: crate::access::DEFAULT_MAX_ACCESS_TTL.as_secs(),
        })
    }

    /// The same verifier, accepting only the given kinds of token in [`Verifier::verify`]
    /// (both by default). A refused kind fails with [`VerifyError::WrongKind`].
    ///
    /// ```
    /// # use client_keys::{Claims, Issuer, TokenKind, Verifier, VerifyError};
    /// # let secret = "ab".repeat(32);
    /// # let issued = Issuer::new(&secret)?.issue(&Claims::new())?;
    /// let verifier = Verifier::new(&secret, &issued.key_id().to_string())?;
    /// let access_only = verifier.clone().accepting(&[TokenKind::AccessToken]);
    /// assert_eq!(
    ///     access_only.verify(issued.token().expose_secret()),
    ///     Err(VerifyError::WrongKind { key_id: issued.key_id(), found: TokenKind::ClientKey })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn accepting(mut self, kinds: &[TokenKind]) -> Verifier {
        self.accepted = Accepted::of(kinds);
        self
    }

    /// Whether [`Verifier::verify`] accepts tokens of `kind`.
    #[must_use]
    pub fn accepts(&self, kind: TokenKind) -> bool {
        self.accepted.contains(kind)
    }

    /// The same verifier, with the longest lifetime [`Verifier::exchange`] grants an access
    /// token (2 hours unless set here). Requests for longer are capped.
    #[must_use]
    pub fn with_max_access_ttl(mut self, max: std::time::Duration) -> Verifier {
        self.max_access_ttl = max.as_secs().max(1);
        self
    }

    /// The longest lifetime of an access token, in seconds.
    pub(crate) fn max_access_ttl(&self) -> u64 {
        self.max_access_ttl
    }

    /// The keyring (for minting access tokens under the current secret).
    pub(crate) fn keyring(&self) -> &Keyring {
        &self.inner.keyring
    }

    /// Verifies a token (a client key, or an access token from [`Verifier::exchange`]), as a
    /// server does on every request.
    ///
    /// Checks, in order: length and form, the secret it names, authenticity (AES-GCM), that
    /// its kind is accepted ([`Verifier::accepting`]), expiry, and that its key id (for an
    /// access token, its parent's) is in `CLIENT_KEYS`. The error says which failed.
    pub fn verify(&self, token: &str) -> Result<VerifiedKey, VerifyError> {
        self.verify_as(token, self.accepted)
    }

    /// Verifies a client key whatever this verifier accepts (the input of an exchange).
    pub(crate) fn verify_client_key(&self, token: &str) -> Result<VerifiedKey, VerifyError> {
        self.verify_as(token, Accepted::of(&[TokenKind::ClientKey]))
    }

    fn verify_as(&self, token: &str, accepted: Accepted) -> Result<VerifiedKey, VerifyError> {
        let opened = self.open(token)?;
        let key_id = opened.key_id;
        if !accepted.contains(opened.kind) {
            return Err(VerifyError::WrongKind {
                key_id,
                found: opened.kind,
            });
        }
        if let Some(expires_at) = opened.claims.expires_at().filter(|&at| now_unix() >= at) {
            return Err(VerifyError::Expired { key_id, expires_at });
        }
        if !self.inner.allowlist.contains(&opened.key_id) {
            return Err(VerifyError::KeyNotAllowed {
                key_id: opened.key_id,
            });
        }
        Ok(VerifiedKey {
            kind: opened.kind,
            key_id: opened.key_id,
            claims: opened.claims,
        })
    }

    /// Verifies the value of an `Authorization` header (`Bearer <token>`, scheme
    /// case-insensitive); see [`bearer_token`] for what is refused before the token is read.
    pub fn verify_authorization(&self, header_value: &str) -> Result<VerifiedKey, VerifyError> {
        self.verify(bearer_token(header_value)?)
    }

    /// Decrypts a token without enforcing the allowlist or expiry, to see what it is.
    ///
    /// For operators (`issue-client-key inspect`), e.g. to find the key id of a leaked token
    /// and revoke it. Never use this to authenticate a request: use [`Verifier::verify`].
    pub fn inspect(&self, token: &str) -> Result<Inspection, VerifyError> {
        let opened = self.open(token)?;
        let expired = opened
            .claims
            .expires_at()
            .is_some_and(|at| now_unix() >= at);
        Ok(Inspection {
            kind: opened.kind,
            in_allowlist: self.inner.allowlist.contains(&opened.key_id),
            key_id: opened.key_id,
            claims: opened.claims,
            expired,
            secret_index: opened.secret_index,
        })
    }

    /// The allowlist this verifier enforces.
    #[must_use]
    pub fn allowlist(&self) -> &Allowlist {
        &self.inner.allowlist
    }

    /// Decodes, decrypts and parses a token (the token module wipes the decoded bytes).
    fn open(&self, token: &str) -> Result<Opened, VerifyError> {
        token::open(token, &self.inner.keyring, |o| {
            let (key_id, claims) = o
                .plaintext
                .split_first_chunk::<KEY_ID_LEN>()
                .ok_or(VerifyError::Malformed("plaintext is too short"))?;
            // A plain key has no claims: nothing to decode (the common case, kept cheap).
            let claims = if claims.is_empty() {
                Claims::new()
            } else {
                Claims::decode(claims).map_err(VerifyError::Malformed)?
            };
            check_kind_rules(o.kind, &claims)?;
            Ok(Opened {
                kind: o.kind,
                secret_index: o.secret_index,
                key_id: KeyId::from_bytes(*key_id),
                claims,
            })
        })
    }
}

/// Claims each kind must or must not carry.
fn check_kind_rules(kind: TokenKind, claims: &Claims) -> Result<(), VerifyError> {
    match kind {
        TokenKind::ClientKey if claims.session_id().is_some() => {
            Err(VerifyError::Malformed("a client key carries a session id"))
        }
        TokenKind::AccessToken if claims.expires_at().is_none() => {
            Err(VerifyError::Malformed("an access token has no expiry"))
        }
        TokenKind::AccessToken if claims.name().is_some() || !claims.metadata().is_empty() => Err(
            VerifyError::Malformed("an access token carries a name or metadata"),
        ),
        _ => Ok(()),
    }
}

struct Opened {
    kind: TokenKind,
    secret_index: usize,
    key_id: KeyId,
    claims: Claims,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secret_ids", &self.inner.keyring.ids().collect::<Vec<_>>())
            .field("allowlist", &self.inner.allowlist)
            .field("accepted", &self.accepted)
            .field("max_access_ttl", &self.max_access_ttl)
            .finish()
    }
}

/// A key that passed [`Verifier::verify`]: only a successful verification makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedKey {
    kind: TokenKind,
    key_id: KeyId,
    claims: Claims,
}

impl VerifiedKey {
    /// The kind of token that was presented.
    #[must_use]
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The key id (as listed in `CLIENT_KEYS`); for an access token, its parent client key's.
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        self.key_id
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

/// What [`Verifier::inspect`] found in a token that decrypted. Not proof of access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    kind: TokenKind,
    key_id: KeyId,
    claims: Claims,
    in_allowlist: bool,
    expired: bool,
    secret_index: usize,
}

impl Inspection {
    /// The kind of token.
    #[must_use]
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The key id it carries.
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// Its claims.
    #[must_use]
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// Whether its key id is in `CLIENT_KEYS`.
    #[must_use]
    pub fn in_allowlist(&self) -> bool {
        self.in_allowlist
    }

    /// Whether its expiry has passed.
    #[must_use]
    pub fn is_expired(&self) -> bool {
        self.expired
    }

    /// Which secret decrypted it: 0 for `CLIENT_SECRET`, n for entry n of
    /// `CLIENT_SECRET_PREVIOUS`.
    #[must_use]
    pub fn secret_index(&self) -> usize {
        self.secret_index
    }
}

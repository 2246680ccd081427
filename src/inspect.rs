//! The operator's untrusted path: reading what a token is without deciding whether it grants
//! access, to find the key id of a leaked token, or to tell why one is refused.

use crate::config::Config;
use crate::config::allowlist::Allowlist;
use crate::error::VerifyError;
use crate::token::claims::{Claims, now_unix};
use crate::token::client_id::ClientId;
use crate::token::keys::Keyring;
use crate::token::secret::ClientSecret;
use crate::token::{TokenKind, payload};

/// Decrypts tokens with the secrets alone, without enforcing expiry or the allowlist.
///
/// For operators (`issue-client-key inspect`, revoking by token). Never use it to authenticate
/// a request: a [`crate::Verifier`] does that.
///
/// ```
/// use client_keys::{Claims, ClientSecret, Inspector, Issuer};
///
/// let secret = ClientSecret::generate();
/// let issued = Issuer::new(&secret).issue(&Claims::new().with_name("billing"))?;
/// let found = Inspector::new(&secret).inspect(issued.token().expose_secret())?;
/// assert_eq!(found.key_id(), issued.key_id());
/// assert_eq!(found.in_allowlist(), None); // no allowlist was given
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Inspector {
    keyring: Keyring,
    allowlist: Option<Allowlist>,
    #[cfg(feature = "legacy")]
    legacy: Option<crate::legacy::LegacyVerifier>,
}

impl Inspector {
    /// Opens tokens minted under `secret`.
    #[must_use]
    pub fn new(secret: &ClientSecret) -> Inspector {
        Inspector {
            keyring: Keyring::new(secret, &[]),
            allowlist: None,
            #[cfg(feature = "legacy")]
            legacy: None,
        }
    }

    /// The same inspector, also opening tokens minted under `previous` secrets.
    #[must_use]
    pub fn with_previous_secrets<'a>(
        mut self,
        previous: impl IntoIterator<Item = &'a ClientSecret>,
    ) -> Inspector {
        for secret in previous {
            self.keyring.push_previous(secret);
        }
        self
    }

    /// The same inspector, telling whether each token's key id is in `allowlist`.
    #[must_use]
    pub fn with_allowlist(mut self, allowlist: Allowlist) -> Inspector {
        self.allowlist = Some(allowlist);
        self
    }

    /// The secrets of `config`, and its allowlist when `CLIENT_KEYS` is set (it need not be).
    #[must_use]
    pub fn from_config(config: &Config) -> Inspector {
        Inspector {
            keyring: Keyring::new(config.secret(), config.previous_secrets()),
            allowlist: config.allowlist().cloned(),
            #[cfg(feature = "legacy")]
            legacy: config
                .legacy_secret()
                .map(crate::legacy::LegacyVerifier::new),
        }
    }

    /// Decrypts a token to see what it is.
    ///
    /// # Errors
    /// [`VerifyError::Malformed`], [`VerifyError::UnknownSecret`] or [`VerifyError::Forged`]:
    /// the token is not one of these secrets'.
    pub fn inspect(&self, token: &str) -> Result<Inspection, VerifyError> {
        self.inspect_at(token, now_unix())
    }

    /// [`Inspector::inspect`] as if the time were `now` (unix seconds).
    ///
    /// # Errors
    /// As [`Inspector::inspect`].
    pub fn inspect_at(&self, token: &str, now: u64) -> Result<Inspection, VerifyError> {
        #[cfg(feature = "legacy")]
        if let Some(legacy) = &self.legacy
            && crate::legacy::looks_like_jwt(token)
        {
            let opened = legacy.open(token, now)?;
            let claims = opened
                .expires_at
                .map_or_else(Claims::new, |at| Claims::new().with_expires_at(at));
            return Ok(Inspection {
                kind: TokenKind::ClientKey,
                in_allowlist: self
                    .allowlist
                    .as_ref()
                    .map(|list| list.contains_entry(opened.key_id.as_str())),
                expired: opened.expires_at.is_some_and(|at| now >= at),
                key_id: ClientId::Legacy(opened.key_id),
                claims,
                secret_index: 0,
            });
        }
        let payload::Opened {
            kind,
            secret_index,
            key_id,
            claims,
        } = payload::open(token, &self.keyring)?;
        Ok(Inspection {
            kind,
            in_allowlist: self.allowlist.as_ref().map(|list| list.contains(&key_id)),
            expired: claims.expires_at().is_some_and(|at| now >= at),
            key_id: ClientId::Key(key_id),
            claims,
            secret_index,
        })
    }
}

/// What [`Inspector::inspect`] found in a token that decrypted. Not proof of access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    kind: TokenKind,
    key_id: ClientId,
    claims: Claims,
    in_allowlist: Option<bool>,
    expired: bool,
    secret_index: usize,
}

impl Inspection {
    /// The kind of token.
    #[must_use]
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The kind as logs and JSON name it (see [`VerifiedKey::kind_name`]).
    ///
    /// [`VerifiedKey::kind_name`]: crate::VerifiedKey::kind_name
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        self.key_id.kind_name(self.kind)
    }

    /// The key id it carries (for a Trivial token during a migration, Trivial's id).
    #[must_use]
    pub fn key_id(&self) -> ClientId {
        self.key_id.clone()
    }

    /// Whether it is a Trivial token, opened with `CLIENT_SECRET_LEGACY`.
    #[must_use]
    pub fn is_legacy(&self) -> bool {
        self.key_id.is_legacy()
    }

    /// Its claims.
    #[must_use]
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// Whether its key id is in `CLIENT_KEYS`, if the inspector was given an allowlist.
    #[must_use]
    pub fn in_allowlist(&self) -> Option<bool> {
        self.in_allowlist
    }

    /// Whether its expiry has passed.
    #[must_use]
    pub fn is_expired(&self) -> bool {
        self.expired
    }

    /// Which secret decrypted it: 0 for `CLIENT_SECRET`, n for entry n of
    /// `CLIENT_SECRET_PREVIOUS` (0 for a Trivial token: see [`Inspection::is_legacy`]).
    #[must_use]
    pub fn secret_index(&self) -> usize {
        self.secret_index
    }
}

//! Why a token or an `Authorization` header was refused. It never holds a secret or a token.

use std::fmt;

use crate::token::client_id::LegacyId;
use crate::token::key_id::KeyId;
use crate::token::{Malformed, OpenError, TokenKind};

/// Why a genuine Trivial token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LegacyRefusal {
    /// Its `key_id` is not in `CLIENT_KEYS`.
    NotAllowed,
    /// Its `exp` has passed.
    Expired {
        /// When it expired (unix seconds).
        expires_at: u64,
    },
    /// The verifier accepts only access tokens here.
    WrongKind,
}

/// What is wrong with an `Authorization` header that names the `Bearer` scheme or an invalid one
/// (RFC 6750 `invalid_request`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidHeader {
    /// `Bearer` with no token.
    NoToken,
    /// More than one token after `Bearer`.
    MoreThanOneToken,
    /// The token has a character outside RFC 6750's `b64token`.
    NotB64token,
    /// The scheme is not an RFC 7230 token.
    InvalidScheme,
    /// A tab.
    Tab,
    /// A control character.
    ControlCharacter,
    /// A character outside ASCII.
    NonAscii,
}

impl InvalidHeader {
    /// The text of RFC 6750's `error_description` for this problem.
    pub(crate) const fn description(self) -> &'static str {
        match self {
            InvalidHeader::NoToken => "the Bearer scheme has no token",
            InvalidHeader::MoreThanOneToken => "more than one token after Bearer",
            InvalidHeader::NotB64token => "the Bearer token is not a b64token",
            InvalidHeader::InvalidScheme => "the authorization scheme is not a valid token",
            InvalidHeader::Tab => "a tab in the Authorization header",
            InvalidHeader::ControlCharacter => "a control character in the Authorization header",
            InvalidHeader::NonAscii => "a non-ASCII character in the Authorization header",
        }
    }
}

impl fmt::Display for InvalidHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// Why a token or `Authorization` header was refused.
///
/// Meant for the operator (logs, the CLI). A server should answer every variant but the header
/// ones with the same 401, so that callers learn nothing (see [`VerifyError::is_invalid_request`]
/// and [`VerifyError::is_missing_credentials`]). `Display` never contains the token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The `Authorization` header carries no bearer token (another scheme, such as `Basic`).
    NotBearer,
    /// The `Authorization` header is malformed (RFC 6750 `invalid_request`).
    InvalidHeader(InvalidHeader),
    /// The token is not well-formed: too long or short, unknown prefix or version, not canonical
    /// base64url, or its decrypted claims break the format.
    Malformed(Malformed),
    /// The token names a secret this verifier does not have: it was minted under a secret that
    /// was rotated out of `CLIENT_SECRET_PREVIOUS`, or by another deployment.
    UnknownSecret,
    /// Decryption failed: the token was altered, or forged without the secret.
    Forged,
    /// A valid token of a kind this verifier does not accept here.
    WrongKind {
        /// The key id it carries (for an access token, its parent's).
        key_id: KeyId,
        /// The kind that was presented.
        found: TokenKind,
    },
    /// The token's expiry has passed.
    Expired {
        /// The key id it carries (for an access token, its parent's).
        key_id: KeyId,
        /// When it expired (unix seconds).
        expires_at: u64,
    },
    /// The token is genuine but its key id is not in `CLIENT_KEYS` (revoked, or never added).
    KeyNotAllowed {
        /// The key id the token carries.
        key_id: KeyId,
    },
    /// A Trivial token (accepted with `CLIENT_SECRET_LEGACY`) that is genuine, but refused.
    LegacyRefused {
        /// Trivial's id for the key.
        key_id: LegacyId,
        /// Why it was refused.
        why: LegacyRefusal,
    },
    /// An access token whose session is listed in `CLIENT_REVOKED_SESSIONS`; its parent key
    /// and the parent's other sessions are still accepted.
    SessionRevoked {
        /// The parent's key id.
        key_id: KeyId,
        /// The session id (`None`: the session of the tokens minted without one).
        session_id: Option<String>,
    },
}

impl VerifyError {
    /// A short, stable name for the reason, as in logs, metrics and the test vectors:
    /// `no_credentials`, `invalid_request`, `malformed`, `unknown_secret`, `forged`,
    /// `wrong_kind`, `expired`, `key_not_allowed` or `session_revoked`.
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            VerifyError::NotBearer => "no_credentials",
            VerifyError::InvalidHeader(_) => "invalid_request",
            VerifyError::Malformed(_) => "malformed",
            VerifyError::UnknownSecret => "unknown_secret",
            VerifyError::Forged => "forged",
            VerifyError::WrongKind { .. } => "wrong_kind",
            VerifyError::Expired { .. } => "expired",
            VerifyError::KeyNotAllowed { .. } => "key_not_allowed",
            VerifyError::SessionRevoked { .. } => "session_revoked",
            VerifyError::LegacyRefused { why, .. } => match why {
                LegacyRefusal::NotAllowed => "key_not_allowed",
                LegacyRefusal::Expired { .. } => "expired",
                LegacyRefusal::WrongKind => "wrong_kind",
            },
        }
    }

    /// The key id of a genuine token that was refused (for an access token, its parent's), for
    /// logs: which client was turned away.
    #[must_use]
    pub const fn key_id(&self) -> Option<KeyId> {
        match self {
            VerifyError::WrongKind { key_id, .. }
            | VerifyError::Expired { key_id, .. }
            | VerifyError::KeyNotAllowed { key_id }
            | VerifyError::SessionRevoked { key_id, .. } => Some(*key_id),
            _ => None,
        }
    }

    /// Whether the request should get RFC 6750's `400 invalid_request` (a malformed header).
    #[must_use]
    pub fn is_invalid_request(&self) -> bool {
        matches!(self, VerifyError::InvalidHeader(_))
    }

    /// Whether the request carried no bearer credentials at all (`401` without an error code).
    #[must_use]
    pub fn is_missing_credentials(&self) -> bool {
        matches!(self, VerifyError::NotBearer)
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::NotBearer => f.write_str("no bearer token in the Authorization header"),
            VerifyError::InvalidHeader(why) => write!(f, "malformed Authorization header: {why}"),
            VerifyError::Malformed(why) => write!(f, "malformed token: {why}"),
            VerifyError::UnknownSecret => f.write_str(
                "token was minted under a secret this server does not have (an old secret no \
                 longer in CLIENT_SECRET_PREVIOUS, or another deployment's)",
            ),
            VerifyError::Forged => f.write_str("token does not decrypt: tampered with or forged"),
            VerifyError::WrongKind { key_id, found } => {
                write!(f, "{found}s are not accepted here (key_id {key_id})")
            }
            VerifyError::Expired { key_id, expires_at } => {
                write!(
                    f,
                    "token of key_id {key_id} expired at {}",
                    crate::token::time::Rfc3339(*expires_at)
                )
            }
            VerifyError::KeyNotAllowed { key_id } => {
                write!(
                    f,
                    "key_id {key_id} is not in CLIENT_KEYS (revoked or never added)"
                )
            }
            VerifyError::LegacyRefused { key_id, why } => match why {
                LegacyRefusal::NotAllowed => write!(
                    f,
                    "legacy token of key_id {key_id} is not in CLIENT_KEYS (revoked or never \
                     added)"
                ),
                LegacyRefusal::Expired { expires_at } => write!(
                    f,
                    "legacy token of key_id {key_id} expired at {}",
                    crate::token::time::Rfc3339(*expires_at)
                ),
                LegacyRefusal::WrongKind => write!(
                    f,
                    "legacy tokens are client keys, not accepted here (key_id {key_id})"
                ),
            },
            VerifyError::SessionRevoked { key_id, session_id } => match session_id {
                Some(session) => write!(
                    f,
                    "session {session:?} of key_id {key_id} is revoked (CLIENT_REVOKED_SESSIONS)"
                ),
                None => write!(
                    f,
                    "the access tokens minted without a session id for key_id {key_id} are \
                     revoked (CLIENT_REVOKED_SESSIONS)"
                ),
            },
        }
    }
}

impl std::error::Error for VerifyError {}

impl From<OpenError> for VerifyError {
    fn from(e: OpenError) -> VerifyError {
        match e {
            OpenError::Malformed(why) => VerifyError::Malformed(why),
            OpenError::UnknownSecret => VerifyError::UnknownSecret,
            OpenError::Forged => VerifyError::Forged,
        }
    }
}

impl From<Malformed> for VerifyError {
    fn from(why: Malformed) -> VerifyError {
        VerifyError::Malformed(why)
    }
}

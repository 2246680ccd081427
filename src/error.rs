//! Error types. None of them ever holds a secret or a token.

use std::fmt;
use std::path::PathBuf;

use crate::token::TokenKind;
use crate::token::key_id::KeyId;

/// What is wrong with a secret's text (it is never repeated back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretProblem {
    /// The value is empty.
    Empty,
    /// The value starts or ends with whitespace.
    Whitespace,
    /// The value is wrapped in quotes that became part of it.
    Quoted,
    /// The value is not 64 characters long.
    WrongLength {
        /// How many characters it has.
        chars: usize,
    },
    /// A character is not a hexadecimal digit.
    NotHex {
        /// 1-based position of the first such character.
        position: usize,
    },
}

impl fmt::Display for SecretProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretProblem::Empty => f.write_str("is empty"),
            SecretProblem::Whitespace => f.write_str("has whitespace around it"),
            SecretProblem::Quoted => f.write_str("is wrapped in quotes that are part of the value"),
            SecretProblem::WrongLength { chars } => write!(f, "is {chars} characters long"),
            SecretProblem::NotHex { position } => {
                write!(
                    f,
                    "has a character that is not hexadecimal at position {position}"
                )
            }
        }
    }
}

impl std::error::Error for SecretProblem {}

/// The configuration (`CLIENT_SECRET`, `CLIENT_SECRET_PREVIOUS`, `CLIENT_KEYS`, `.env`) is
/// unusable. The message names the variable and the fix, never a value.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// `CLIENT_SECRET` is not set.
    MissingSecret,
    /// A secret is set but is not 64 hex characters.
    InvalidSecret {
        /// `CLIENT_SECRET`, or `CLIENT_SECRET_PREVIOUS entry N`.
        variable: String,
        /// What is wrong.
        problem: SecretProblem,
    },
    /// `CLIENT_KEYS` is not set (an empty value is fine: it refuses every key).
    MissingKeys,
    /// A variable is not valid Unicode.
    NotUnicode {
        /// The variable's name.
        variable: &'static str,
    },
    /// The `.env` file could not be read.
    EnvFileIo {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The `.env` file does not parse.
    EnvFileSyntax {
        /// The file.
        path: PathBuf,
        /// 1-based line number of the first line that does not parse.
        line: usize,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::MissingSecret => f.write_str(
                "CLIENT_SECRET is not set: create one with `issue-client-key init` (writes .env) \
                 or `issue-client-key secret`, and put it in the environment or .env",
            ),
            ConfigError::InvalidSecret { variable, problem } => write!(
                f,
                "{variable} {problem}; it must be exactly 64 hexadecimal characters (32 bytes), \
                 unquoted: make one with `issue-client-key secret`"
            ),
            ConfigError::MissingKeys => f.write_str(
                "CLIENT_KEYS is not set: add `CLIENT_KEYS=` (comma-separated key ids) to the \
                 environment or .env; an empty value refuses every key",
            ),
            ConfigError::NotUnicode { variable } => {
                write!(
                    f,
                    "{variable} is not valid UTF-8: set it again as plain text"
                )
            }
            ConfigError::EnvFileIo { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            ConfigError::EnvFileSyntax { path, line } => write!(
                f,
                "{} does not parse at line {line}: fix that line (values with spaces or `#` \
                 need quotes)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::InvalidSecret { problem, .. } => Some(problem),
            ConfigError::EnvFileIo { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A claim breaks a limit; the message names the claim and the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimError {
    /// The name is empty, too long, or has control characters.
    Name,
    /// A scope is empty, too long, or has a character outside the allowed set.
    Scope,
    /// Too many scopes.
    TooManyScopes,
    /// A metadata key is empty, too long, or has a character outside the allowed set.
    MetadataKey,
    /// A metadata value is too long or has control characters.
    MetadataValue,
    /// Two metadata pairs have the same key.
    DuplicateMetadataKey,
    /// Too many metadata pairs.
    TooManyMetadata,
    /// The expiry is 0 or after 9999-12-31.
    ExpiryOutOfRange,
    /// A session id is empty, too long, or not visible ASCII.
    SessionId,
    /// The expiry is not in the future.
    ExpiryInPast,
    /// All claims together do not fit in a token of at most 512 characters.
    TooLarge,
}

impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::token::claims::*;
        match self {
            ClaimError::Name => write!(
                f,
                "the name must be 1 to {MAX_NAME_LEN} bytes of UTF-8 with no control characters"
            ),
            ClaimError::Scope => write!(
                f,
                "a scope must be 1 to {MAX_SCOPE_LEN} visible ASCII characters without space, \
                 comma, quote or backslash"
            ),
            ClaimError::TooManyScopes => write!(f, "a key can have at most {MAX_SCOPES} scopes"),
            ClaimError::MetadataKey => write!(
                f,
                "a metadata key must be 1 to {MAX_METADATA_KEY_LEN} characters of A-Z a-z 0-9 _ . -"
            ),
            ClaimError::MetadataValue => write!(
                f,
                "a metadata value must be at most {MAX_METADATA_VALUE_LEN} bytes of UTF-8 with no \
                 control characters"
            ),
            ClaimError::DuplicateMetadataKey => f.write_str("a metadata key is given twice"),
            ClaimError::TooManyMetadata => {
                write!(f, "a key can have at most {MAX_METADATA} metadata pairs")
            }
            ClaimError::ExpiryOutOfRange => {
                f.write_str("the expiry must be after 1970 and no later than 9999-12-31")
            }
            ClaimError::ExpiryInPast => f.write_str("the expiry must be in the future"),
            ClaimError::SessionId => write!(
                f,
                "a session id must be 1 to {MAX_SESSION_ID_LEN} visible ASCII characters"
            ),
            ClaimError::TooLarge => write!(
                f,
                "the claims take more than {MAX_CLAIMS_LEN} bytes: shorten the name, scopes or \
                 metadata"
            ),
        }
    }
}

impl std::error::Error for ClaimError {}

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
    InvalidHeader(&'static str),
    /// The token is not well-formed: too long or short, unknown prefix or version, not canonical
    /// base64url, or its decrypted claims break the format.
    Malformed(&'static str),
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
}

impl VerifyError {
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
                write!(f, "a {found} (key_id {key_id}) is not accepted here")
            }
            VerifyError::Expired { key_id, expires_at } => {
                write!(
                    f,
                    "token of key_id {key_id} expired at {expires_at} (unix time)"
                )
            }
            VerifyError::KeyNotAllowed { key_id } => {
                write!(
                    f,
                    "key_id {key_id} is not in CLIENT_KEYS (revoked or never added)"
                )
            }
        }
    }
}

impl std::error::Error for VerifyError {}

//! Optional claims carried inside a token: expiry, name, scopes, metadata.
//!
//! They are encoded as a compact, canonical tag-length-value list (see `docs/FORMAT.md`):
//! one set of claims has exactly one encoding, so a decoder can reject anything else.

use std::fmt;
use std::ops::RangeInclusive;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::token::Malformed;

/// Claim tag: expiry, 8-byte big-endian unix seconds.
pub(crate) const TAG_EXPIRES_AT: u8 = 0x01;
/// Claim tag: name, 1..=64 bytes of UTF-8.
pub(crate) const TAG_NAME: u8 = 0x02;
/// Claim tag: one scope (repeated, strictly increasing).
pub(crate) const TAG_SCOPE: u8 = 0x03;
/// Claim tag: one metadata pair `klen || key || value` (repeated, keys strictly increasing).
pub(crate) const TAG_METADATA: u8 = 0x04;
/// Claim tag: the session id of an access token, 1..=64 visible ASCII bytes.
pub(crate) const TAG_SESSION_ID: u8 = 0x05;

/// Longest name, in bytes of UTF-8.
pub const MAX_NAME_LEN: usize = 64;
/// Longest scope, in bytes.
pub const MAX_SCOPE_LEN: usize = 32;
/// Most scopes in one token.
pub const MAX_SCOPES: usize = 16;
/// Longest metadata key, in bytes.
pub const MAX_METADATA_KEY_LEN: usize = 32;
/// Longest metadata value, in bytes of UTF-8.
pub const MAX_METADATA_VALUE_LEN: usize = 128;
/// Most metadata pairs in one token.
pub const MAX_METADATA: usize = 8;
/// Longest session id of an access token, in bytes.
pub const MAX_SESSION_ID_LEN: usize = 64;
/// The latest expiry a token can carry: 9999-12-31T23:59:59Z.
pub const MAX_EXPIRES_AT: u64 = 253_402_300_799;
/// Most bytes the encoded claims may take (so that every token fits in 512 characters).
pub const MAX_CLAIMS_LEN: usize =
    crate::token::MAX_PLAINTEXT_LEN - crate::token::key_id::KEY_ID_LEN;

/// The optional claims of a key, set when it is minted and returned when it verifies.
///
/// Build them with the `with_*` methods; limits are checked when the key is issued
/// ([`crate::Issuer::issue`]), and the error names the claim and the limit.
///
/// ```
/// use std::time::Duration;
/// use client_keys::Claims;
///
/// let claims = Claims::new()
///     .with_name("billing-worker")
///     .with_scope("read")
///     .with_scope("write")
///     .with_metadata("team", "payments")
///     .with_expires_in(Duration::from_secs(90 * 86_400));
/// assert_eq!(claims.scopes(), ["read", "write"]);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Claims {
    expires_at: Option<u64>,
    name: Option<String>,
    scopes: Vec<String>,
    metadata: Vec<(String, String)>,
    session_id: Option<String>,
}

impl Claims {
    /// No claims: a key that never expires, with no name, scopes or metadata.
    #[must_use]
    pub fn new() -> Claims {
        Claims::default()
    }

    /// Expires at `unix_seconds` (seconds since 1970-01-01T00:00:00Z).
    #[must_use]
    pub fn with_expires_at(mut self, unix_seconds: u64) -> Claims {
        self.expires_at = Some(unix_seconds);
        self
    }

    /// Expires `lifetime` from now (rounded up to a whole second).
    #[must_use]
    pub fn with_expires_in(self, lifetime: Duration) -> Claims {
        let secs = lifetime.as_secs() + u64::from(lifetime.subsec_nanos() > 0);
        self.with_expires_at(now_unix().saturating_add(secs))
    }

    /// A human label, at most [`MAX_NAME_LEN`] bytes of UTF-8 with no control characters.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Claims {
        self.name = Some(name.into());
        self
    }

    /// Adds a scope: 1 to [`MAX_SCOPE_LEN`] visible ASCII characters, no space, comma, `"` or
    /// `\` (an RFC 6749 scope token). Scopes form a set: order and repeats do not matter.
    #[must_use]
    pub fn with_scope(mut self, scope: impl Into<String>) -> Claims {
        let scope = scope.into();
        if let Err(at) = self.scopes.binary_search(&scope) {
            self.scopes.insert(at, scope);
        }
        self
    }

    /// Adds a metadata pair, returned on verification. Keys are 1 to [`MAX_METADATA_KEY_LEN`]
    /// characters of `A-Z a-z 0-9 _ . -`, unique; values at most [`MAX_METADATA_VALUE_LEN`]
    /// bytes of UTF-8 with no control characters.
    #[must_use]
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Claims {
        let key = key.into();
        match self
            .metadata
            .binary_search_by(|(k, _)| k.as_str().cmp(&key))
        {
            // A repeated key is kept twice so that `validate` can report it.
            Ok(at) | Err(at) => self.metadata.insert(at, (key, value.into())),
        }
        self
    }

    /// Sets the session id (access tokens only; see [`crate::AccessRequest`]).
    pub(crate) fn with_session_id(mut self, session_id: Option<String>) -> Claims {
        self.session_id = session_id;
        self
    }

    /// The expiry in unix seconds, if any.
    #[must_use]
    pub fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }

    /// The expiry as an RFC 3339 UTC date-time (`2027-01-31T12:00:00Z`), if any.
    #[must_use]
    pub fn expires_at_rfc3339(&self) -> Option<String> {
        self.expires_at
            .map(|at| crate::token::time::Rfc3339(at).to_string())
    }

    /// The name, if any.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The scopes, sorted.
    #[must_use]
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Whether the scopes include `scope`.
    #[must_use]
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The session id an access token was issued for, if any (never set on client keys).
    #[must_use]
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    /// The metadata pairs, sorted by key.
    #[must_use]
    pub fn metadata(&self) -> &[(String, String)] {
        &self.metadata
    }

    /// The value of metadata `key`, if present.
    #[must_use]
    pub fn metadata_value(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Checks every limit, and the total size, without encoding.
    ///
    /// # Errors
    /// The first claim that breaks a limit, or [`ClaimError::TooLarge`].
    pub fn validate(&self) -> Result<(), ClaimError> {
        if self
            .expires_at
            .is_some_and(|at| at == 0 || at > MAX_EXPIRES_AT)
        {
            return Err(ClaimError::ExpiryOutOfRange);
        }
        if let Some(name) = &self.name {
            check_text(name, 1..=MAX_NAME_LEN, ClaimError::Name)?;
        }
        if self.scopes.len() > MAX_SCOPES {
            return Err(ClaimError::TooManyScopes);
        }
        for scope in &self.scopes {
            if !is_scope(scope.as_bytes()) {
                return Err(ClaimError::Scope);
            }
        }
        if self.metadata.len() > MAX_METADATA {
            return Err(ClaimError::TooManyMetadata);
        }
        for pair in self.metadata.windows(2) {
            if pair[0].0 == pair[1].0 {
                return Err(ClaimError::DuplicateMetadataKey);
            }
        }
        for (key, value) in &self.metadata {
            if !is_metadata_key(key.as_bytes()) {
                return Err(ClaimError::MetadataKey);
            }
            check_text(value, 0..=MAX_METADATA_VALUE_LEN, ClaimError::MetadataValue)?;
        }
        if self
            .session_id
            .as_ref()
            .is_some_and(|s| !is_session_id(s.as_bytes()))
        {
            return Err(ClaimError::SessionId);
        }
        if self.encoded_len() > MAX_CLAIMS_LEN {
            return Err(ClaimError::TooLarge);
        }
        Ok(())
    }

    /// Length of the encoding.
    pub(crate) fn encoded_len(&self) -> usize {
        self.expires_at.map_or(0, |_| 2 + 8)
            + self.name.as_ref().map_or(0, |n| 2 + n.len())
            + self.scopes.iter().map(|s| 2 + s.len()).sum::<usize>()
            + self
                .metadata
                .iter()
                .map(|(k, v)| 3 + k.len() + v.len())
                .sum::<usize>()
            + self.session_id.as_ref().map_or(0, |s| 2 + s.len())
    }

    /// Appends the canonical encoding to `out`; the claims must have passed [`Claims::validate`].
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        // Lengths below fit in a byte: `validate` bounds every field well under 255.
        if let Some(at) = self.expires_at {
            out.extend_from_slice(&[TAG_EXPIRES_AT, 8]);
            out.extend_from_slice(&at.to_be_bytes());
        }
        if let Some(name) = &self.name {
            out.extend_from_slice(&[TAG_NAME, name.len() as u8]);
            out.extend_from_slice(name.as_bytes());
        }
        for scope in &self.scopes {
            out.extend_from_slice(&[TAG_SCOPE, scope.len() as u8]);
            out.extend_from_slice(scope.as_bytes());
        }
        for (key, value) in &self.metadata {
            out.extend_from_slice(&[TAG_METADATA, (1 + key.len() + value.len()) as u8]);
            out.push(key.len() as u8);
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(value.as_bytes());
        }
        if let Some(session_id) = &self.session_id {
            out.extend_from_slice(&[TAG_SESSION_ID, session_id.len() as u8]);
            out.extend_from_slice(session_id.as_bytes());
        }
    }

    /// Decodes a canonical encoding, rejecting anything [`Claims::encode_into`] would not write.
    ///
    /// Allocates nothing when `bytes` is empty (a plain key).
    pub(crate) fn decode(mut bytes: &[u8]) -> Result<Claims, Malformed> {
        let mut claims = Claims::new();
        let mut last_tag = 0u8;
        while !bytes.is_empty() {
            let [tag, len, rest @ ..] = bytes else {
                return Err(Malformed::TruncatedClaim);
            };
            let (tag, len) = (*tag, usize::from(*len));
            if rest.len() < len {
                return Err(Malformed::TruncatedClaim);
            }
            let (value, rest) = rest.split_at(len);
            bytes = rest;
            let repeatable = tag == TAG_SCOPE || tag == TAG_METADATA;
            if tag < last_tag || (tag == last_tag && !repeatable) {
                return Err(Malformed::ClaimsOutOfOrder);
            }
            last_tag = tag;
            match tag {
                TAG_EXPIRES_AT => {
                    let at = u64::from_be_bytes(value.try_into().map_err(|_| Malformed::Expiry)?);
                    if at == 0 || at > MAX_EXPIRES_AT {
                        return Err(Malformed::Expiry);
                    }
                    claims.expires_at = Some(at);
                }
                TAG_NAME => {
                    let name = std::str::from_utf8(value).map_err(|_| Malformed::Name)?;
                    check_text(name, 1..=MAX_NAME_LEN, Malformed::Name)?;
                    claims.name = Some(name.to_owned());
                }
                TAG_SCOPE => {
                    if !is_scope(value) {
                        return Err(Malformed::Scope);
                    }
                    if claims.scopes.last().is_some_and(|s| s.as_bytes() >= value) {
                        return Err(Malformed::ClaimsOutOfOrder);
                    }
                    if claims.scopes.len() == MAX_SCOPES {
                        return Err(Malformed::Scope);
                    }
                    // `is_scope` admits ASCII only.
                    claims
                        .scopes
                        .push(String::from_utf8_lossy(value).into_owned());
                }
                TAG_METADATA => {
                    let [klen, pair @ ..] = value else {
                        return Err(Malformed::Metadata);
                    };
                    let klen = usize::from(*klen);
                    if pair.len() < klen {
                        return Err(Malformed::Metadata);
                    }
                    let (key, value) = pair.split_at(klen);
                    if !is_metadata_key(key) {
                        return Err(Malformed::Metadata);
                    }
                    if claims
                        .metadata
                        .last()
                        .is_some_and(|(k, _)| k.as_bytes() >= key)
                    {
                        return Err(Malformed::ClaimsOutOfOrder);
                    }
                    if claims.metadata.len() == MAX_METADATA {
                        return Err(Malformed::Metadata);
                    }
                    let value = std::str::from_utf8(value).map_err(|_| Malformed::Metadata)?;
                    check_text(value, 0..=MAX_METADATA_VALUE_LEN, Malformed::Metadata)?;
                    claims
                        .metadata
                        .push((String::from_utf8_lossy(key).into_owned(), value.to_owned()));
                }
                TAG_SESSION_ID => {
                    if !is_session_id(value) {
                        return Err(Malformed::SessionId);
                    }
                    // `is_session_id` admits ASCII only.
                    claims.session_id = Some(String::from_utf8_lossy(value).into_owned());
                }
                _ => return Err(Malformed::UnknownClaim),
            }
        }
        Ok(claims)
    }
}

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claims")
            .field("expires_at", &self.expires_at)
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .field("metadata", &self.metadata)
            .field("session_id", &self.session_id)
            .finish()
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

/// Seconds since the unix epoch, now (0 if the clock is before 1970).
pub(crate) fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Text of a byte length in `len`, with no control characters.
fn check_text<E>(text: &str, len: RangeInclusive<usize>, err: E) -> Result<(), E> {
    if !len.contains(&text.len()) || text.chars().any(char::is_control) {
        return Err(err);
    }
    Ok(())
}

/// An RFC 6749 scope-token (`%x21 / %x23-5B / %x5D-7E`) without `,`, 1..=32 bytes.
pub(crate) fn is_scope(s: &[u8]) -> bool {
    (1..=MAX_SCOPE_LEN).contains(&s.len())
        && s.iter()
            .all(|&b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E) && b != b',')
}

/// 1..=64 visible ASCII bytes.
pub(crate) fn is_session_id(s: &[u8]) -> bool {
    (1..=MAX_SESSION_ID_LEN).contains(&s.len()) && s.iter().all(|b| (0x21..=0x7e).contains(b))
}

fn is_metadata_key(k: &[u8]) -> bool {
    (1..=MAX_METADATA_KEY_LEN).contains(&k.len())
        && k.iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(claims: &Claims) -> Claims {
        claims.validate().expect("valid");
        let mut buf = Vec::new();
        claims.encode_into(&mut buf);
        assert_eq!(buf.len(), claims.encoded_len());
        Claims::decode(&buf).expect("decodes")
    }

    #[test]
    fn empty_claims_encode_to_nothing() {
        let mut buf = Vec::new();
        Claims::new().encode_into(&mut buf);
        assert!(buf.is_empty());
        assert_eq!(Claims::decode(&[]), Ok(Claims::new()));
    }

    #[test]
    fn full_claims_round_trip_canonically() {
        let claims = Claims::new()
            .with_expires_at(1_900_000_000)
            .with_name("Billing worker ✓")
            .with_scope("write")
            .with_scope("read")
            .with_scope("read")
            .with_metadata("team", "payments")
            .with_metadata("env", "prod");
        assert_eq!(claims.scopes(), ["read", "write"]);
        assert_eq!(claims.metadata()[0].0, "env");
        assert_eq!(round_trip(&claims), claims);
    }

    #[test]
    fn limits_are_enforced() {
        let name = "x".repeat(MAX_NAME_LEN + 1);
        assert_eq!(
            Claims::new().with_name(name).validate(),
            Err(ClaimError::Name)
        );
        assert_eq!(
            Claims::new().with_name("").validate(),
            Err(ClaimError::Name)
        );
        assert_eq!(
            Claims::new().with_name("a\nb").validate(),
            Err(ClaimError::Name)
        );
        for bad in [
            "",
            "a b",
            "a,b",
            "a\"b",
            "é",
            &"s".repeat(MAX_SCOPE_LEN + 1),
        ] {
            assert_eq!(
                Claims::new().with_scope(bad).validate(),
                Err(ClaimError::Scope),
                "{bad:?}"
            );
        }
        let many = (0..=MAX_SCOPES).fold(Claims::new(), |c, i| c.with_scope(format!("s{i}")));
        assert_eq!(many.validate(), Err(ClaimError::TooManyScopes));
        assert_eq!(
            Claims::new().with_metadata("a b", "x").validate(),
            Err(ClaimError::MetadataKey)
        );
        assert_eq!(
            Claims::new()
                .with_metadata("k", "x")
                .with_metadata("k", "y")
                .validate(),
            Err(ClaimError::DuplicateMetadataKey)
        );
        assert_eq!(
            Claims::new().with_expires_at(MAX_EXPIRES_AT + 1).validate(),
            Err(ClaimError::ExpiryOutOfRange)
        );
        let big = (0..MAX_METADATA).fold(Claims::new(), |c, i| {
            c.with_metadata(format!("k{i}"), "v".repeat(MAX_METADATA_VALUE_LEN))
        });
        assert_eq!(big.validate(), Err(ClaimError::TooLarge));
    }

    #[test]
    fn decoder_rejects_non_canonical_input() {
        let cases: &[(&[u8], Malformed)] = &[
            (&[TAG_SCOPE], Malformed::TruncatedClaim),
            (&[TAG_SCOPE, 2, b'a'], Malformed::TruncatedClaim),
            (
                &[TAG_NAME, 1, b'a', TAG_EXPIRES_AT, 8, 0, 0, 0, 0, 0, 0, 0, 1],
                Malformed::ClaimsOutOfOrder,
            ),
            (
                &[TAG_NAME, 1, b'a', TAG_NAME, 1, b'b'],
                Malformed::ClaimsOutOfOrder,
            ),
            (
                &[TAG_SCOPE, 1, b'b', TAG_SCOPE, 1, b'a'],
                Malformed::ClaimsOutOfOrder,
            ),
            (
                &[TAG_SCOPE, 1, b'a', TAG_SCOPE, 1, b'a'],
                Malformed::ClaimsOutOfOrder,
            ),
            (
                &[TAG_EXPIRES_AT, 8, 0, 0, 0, 0, 0, 0, 0, 0],
                Malformed::Expiry,
            ),
            (
                &[
                    TAG_EXPIRES_AT,
                    8,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                ],
                Malformed::Expiry,
            ),
            (&[TAG_EXPIRES_AT, 4, 0, 0, 0, 1], Malformed::Expiry),
            (&[TAG_NAME, 2, 0xc3, 0x28], Malformed::Name),
            (&[TAG_METADATA, 3, 5, b'k', b'v'], Malformed::Metadata),
            (&[TAG_SESSION_ID, 1, b' '], Malformed::SessionId),
            (&[0x09, 0], Malformed::UnknownClaim),
        ];
        for (bytes, reason) in cases {
            assert_eq!(Claims::decode(bytes), Err(*reason), "{bytes:?}");
        }
    }
}

//! The token wire format, version 1 (`docs/FORMAT.md` is the normative description).
//!
//! ```text
//! token = prefix || base64url_nopad(body)
//! body  = version (1) || kind (1) || secret_id (4) || nonce (12) || ciphertext (n) || tag (16)
//! aad   = prefix || version || kind || secret_id
//! ```

pub(crate) mod claims;
pub(crate) mod client_id;
pub(crate) mod key_id;
pub(crate) mod keys;
pub(crate) mod payload;
pub(crate) mod scan;
pub(crate) mod secret;
pub(crate) mod time;

use std::fmt;

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Nonce, Tag};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::{Zeroize, Zeroizing};

use crate::token::keys::{Keyring, SECRET_ID_LEN, SecretId, SecretKeys};

/// The longest token text accepted, in bytes; anything longer is rejected before decoding.
pub const MAX_TOKEN_LEN: usize = 512;

/// The format version this library writes.
pub(crate) const VERSION_1: u8 = 0x01;

pub(crate) const PREFIX_LEN: usize = 5;
pub(crate) const HEADER_LEN: usize = 2 + SECRET_ID_LEN;
pub(crate) const NONCE_LEN: usize = 12;
pub(crate) const TAG_LEN: usize = 16;
/// The largest body whose base64url text fits in [`MAX_TOKEN_LEN`] with the prefix.
pub(crate) const MAX_BODY_LEN: usize = (MAX_TOKEN_LEN - PREFIX_LEN) * 3 / 4;
/// The smallest body: a plaintext holds at least a 16-byte key id.
pub(crate) const MIN_BODY_LEN: usize =
    HEADER_LEN + NONCE_LEN + crate::token::key_id::KEY_ID_LEN + TAG_LEN;
/// The largest plaintext a token can carry.
pub(crate) const MAX_PLAINTEXT_LEN: usize = MAX_BODY_LEN - HEADER_LEN - NONCE_LEN - TAG_LEN;

/// Which kind of token a text is; each kind has its own prefix and its own derived key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKind {
    /// A long-lived client key (`ckey_…`), minted by `issue-client-key`.
    ClientKey,
    /// A short-lived access token (`ckat_…`), exchanged for a client key.
    AccessToken,
}

impl TokenKind {
    /// The text every token of this kind starts with.
    #[must_use]
    pub const fn prefix(self) -> &'static str {
        match self {
            TokenKind::ClientKey => "ckey_",
            TokenKind::AccessToken => "ckat_",
        }
    }

    /// The kind as logs, headers and JSON name it: `client_key` or `access_token`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            TokenKind::ClientKey => "client_key",
            TokenKind::AccessToken => "access_token",
        }
    }

    pub(crate) const fn byte(self) -> u8 {
        match self {
            TokenKind::ClientKey => 0x01,
            TokenKind::AccessToken => 0x02,
        }
    }

    fn from_prefix(text: &[u8]) -> Option<TokenKind> {
        match text {
            b"ckey_" => Some(TokenKind::ClientKey),
            b"ckat_" => Some(TokenKind::AccessToken),
            _ => None,
        }
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenKind::ClientKey => "client key",
            TokenKind::AccessToken => "access token",
        })
    }
}

/// A token's text: a bearer credential, handled like a secret.
///
/// No `Display`, a redacted `Debug`, no `==`, wiped on drop. Read it with
/// [`SecretToken::expose_secret`] only to hand it over.
#[derive(Clone)]
pub struct SecretToken(Zeroizing<String>);

impl SecretToken {
    /// The token text, to print once or send in an `Authorization` header.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken([redacted])")
    }
}

/// Encrypts `plaintext` into a token of `kind` under `keys`, with the given nonce.
///
/// The nonce must never repeat under one secret and kind: callers pass a fresh random one
/// (client keys) or a PRF output over distinct inputs (access tokens).
pub(crate) fn seal(
    keys: &SecretKeys,
    kind: TokenKind,
    nonce: &[u8; NONCE_LEN],
    plaintext: &[u8],
) -> SecretToken {
    assert!(
        plaintext.len() <= MAX_PLAINTEXT_LEN,
        "plaintext is bounded by the claims' validation"
    );
    let mut body = Zeroizing::new([0u8; MAX_BODY_LEN]);
    let header = header(kind, keys.id());
    body[..HEADER_LEN].copy_from_slice(&header);
    body[HEADER_LEN..HEADER_LEN + NONCE_LEN].copy_from_slice(nonce);
    let start = HEADER_LEN + NONCE_LEN;
    let end = start + plaintext.len();
    body[start..end].copy_from_slice(plaintext);
    let aad = aad(kind, &header);
    #[allow(clippy::expect_used)]
    let tag = keys
        .cipher(kind)
        .encrypt_inout_detached(&Nonce::from(*nonce), &aad, (&mut body[start..end]).into())
        .expect("AES-GCM encrypts any message of this size");
    body[end..end + TAG_LEN].copy_from_slice(&tag);
    let body = &body[..end + TAG_LEN];

    let mut text = String::with_capacity(PREFIX_LEN + body.len().div_ceil(3) * 4);
    text.push_str(kind.prefix());
    URL_SAFE_NO_PAD.encode_string(body, &mut text);
    SecretToken(Zeroizing::new(text))
}

/// Why a token text is not a well-formed token of this format.
///
/// For logs and the CLI; a server answers every one of them with the same `401`. In which
/// order the checks run is not part of the format: a text with two defects may be reported
/// with either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Malformed {
    /// Longer than 512 bytes.
    TooLong,
    /// Shorter than the smallest token.
    TooShort,
    /// Neither `ckey_` nor `ckat_`.
    UnknownPrefix,
    /// Not canonical, unpadded base64url.
    NotBase64url,
    /// A version other than 1.
    UnsupportedVersion,
    /// The kind byte does not match the prefix.
    KindMismatch,
    /// A claim runs past the end of the plaintext.
    TruncatedClaim,
    /// Claims out of canonical order, or repeated.
    ClaimsOutOfOrder,
    /// A claim tag this version does not define.
    UnknownClaim,
    /// The expiry is not 8 bytes, is 0, or is after 9999-12-31T23:59:59Z.
    Expiry,
    /// The name is empty, too long, not UTF-8 or has control characters.
    Name,
    /// A scope breaks the scope rules, or there are too many.
    Scope,
    /// A metadata pair breaks the metadata rules, or there are too many.
    Metadata,
    /// The session id is empty, too long or not visible ASCII.
    SessionId,
    /// A client key carries a session id.
    SessionIdOnClientKey,
    /// An access token has no expiry.
    AccessTokenWithoutExpiry,
    /// An access token carries a name or metadata.
    NameOrMetadataOnAccessToken,
    /// An access token expires further in the future than any this verifier grants.
    AccessTokenTooLong,
    /// A JWT, with `CLIENT_SECRET_LEGACY` set, that is not one Trivial makes: not `HS256`, a
    /// `crit` header, no usable `key_id`, or not valid yet.
    LegacyToken,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Malformed::TooLong => "token is too long",
            Malformed::TooShort => "token is too short",
            Malformed::UnknownPrefix => "unknown token prefix",
            Malformed::NotBase64url => "token is not canonical base64url",
            Malformed::UnsupportedVersion => "unsupported token version",
            Malformed::KindMismatch => "token kind does not match its prefix",
            Malformed::TruncatedClaim => "truncated claim",
            Malformed::ClaimsOutOfOrder => "claims out of order or repeated",
            Malformed::UnknownClaim => "unknown claim tag",
            Malformed::Expiry => "expiry out of range",
            Malformed::Name => "bad name",
            Malformed::Scope => "bad scope",
            Malformed::Metadata => "bad metadata",
            Malformed::SessionId => "bad session id",
            Malformed::SessionIdOnClientKey => "a client key carries a session id",
            Malformed::AccessTokenWithoutExpiry => "an access token has no expiry",
            Malformed::NameOrMetadataOnAccessToken => "an access token carries a name or metadata",
            Malformed::AccessTokenTooLong => {
                "an access token expires later than this server's longest access-token lifetime"
            }
            Malformed::LegacyToken => {
                "not a legacy token as Trivial makes them (an HS256 JWT of a key_id)"
            }
        })
    }
}

/// Why [`open`] refused a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenError {
    Malformed(Malformed),
    UnknownSecret,
    Forged,
}

impl From<Malformed> for OpenError {
    fn from(why: Malformed) -> OpenError {
        OpenError::Malformed(why)
    }
}

/// A token that decrypted: its kind, the secret that opened it, and its plaintext.
#[derive(Debug)]
pub(crate) struct Opened<'a> {
    pub(crate) kind: TokenKind,
    pub(crate) secret_index: usize,
    pub(crate) plaintext: &'a [u8],
}

/// Decodes and decrypts `token` with the keyring into a stack buffer, hands the result to
/// `read`, then wipes the bytes it decoded.
///
/// Every check that can be made before touching the cipher is made first, cheapest first:
/// length, prefix, base64url (strict), version and kind, secret id. Nothing is allocated.
pub(crate) fn open<T>(
    token: &str,
    keyring: &Keyring,
    read: impl FnOnce(Opened<'_>) -> Result<T, Malformed>,
) -> Result<T, OpenError> {
    let text = token.as_bytes();
    if text.len() > MAX_TOKEN_LEN {
        return Err(Malformed::TooLong.into());
    }
    if text.len() < PREFIX_LEN {
        return Err(Malformed::TooShort.into());
    }
    let (prefix, encoded) = text.split_at(PREFIX_LEN);
    let kind = TokenKind::from_prefix(prefix).ok_or(Malformed::UnknownPrefix)?;
    let mut buf = [0u8; MAX_BODY_LEN];
    // A decoding error leaves only bytes of a string that is not a token in the buffer.
    let len = URL_SAFE_NO_PAD
        .decode_slice(encoded, &mut buf[..])
        .map_err(|_| Malformed::NotBase64url)?;
    let result = open_body(kind, keyring, &mut buf[..len]).and_then(|secret_index| {
        read(Opened {
            kind,
            secret_index,
            plaintext: &buf[HEADER_LEN + NONCE_LEN..len - TAG_LEN],
        })
        .map_err(OpenError::from)
    });
    buf[..len].zeroize();
    result
}

fn open_body(kind: TokenKind, keyring: &Keyring, body: &mut [u8]) -> Result<usize, OpenError> {
    if body.len() < MIN_BODY_LEN {
        return Err(Malformed::TooShort.into());
    }
    let Some((header, rest)) = body.split_first_chunk_mut::<HEADER_LEN>() else {
        return Err(Malformed::TooShort.into());
    };
    if header[0] != VERSION_1 {
        return Err(Malformed::UnsupportedVersion.into());
    }
    if header[1] != kind.byte() {
        return Err(Malformed::KindMismatch.into());
    }
    let Some((nonce, rest)) = rest.split_first_chunk_mut::<NONCE_LEN>() else {
        return Err(Malformed::TooShort.into());
    };
    let Some((ciphertext, tag)) = rest.split_last_chunk_mut::<TAG_LEN>() else {
        return Err(Malformed::TooShort.into());
    };
    let secret_id = SecretId([header[2], header[3], header[4], header[5]]);
    let aad = aad(kind, header);
    let (nonce, tag) = (Nonce::from(*nonce), Tag::from(*tag));
    let mut candidates = keyring.with_id(secret_id).peekable();
    if candidates.peek().is_none() {
        return Err(OpenError::UnknownSecret);
    }
    for (index, keys) in candidates {
        // A 4-byte id can collide between two configured secrets (about 2^-32 per pair);
        // then each is tried. Decryption does not touch the buffer when the tag is wrong.
        if keys
            .cipher(kind)
            .decrypt_inout_detached(&nonce, &aad, (&mut *ciphertext).into(), &tag)
            .is_ok()
        {
            return Ok(index);
        }
    }
    Err(OpenError::Forged)
}

pub(crate) fn header(kind: TokenKind, secret_id: SecretId) -> [u8; HEADER_LEN] {
    let [a, b, c, d] = secret_id.0;
    [VERSION_1, kind.byte(), a, b, c, d]
}

/// The associated data: the prefix text and the header, so none can be swapped.
pub(crate) fn aad(kind: TokenKind, header: &[u8; HEADER_LEN]) -> [u8; PREFIX_LEN + HEADER_LEN] {
    let mut aad = [0u8; PREFIX_LEN + HEADER_LEN];
    aad[..PREFIX_LEN].copy_from_slice(kind.prefix().as_bytes());
    aad[PREFIX_LEN..].copy_from_slice(header);
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_fit_the_bound() {
        assert_eq!(MAX_BODY_LEN, 380);
        assert_eq!(MAX_PLAINTEXT_LEN, 346);
        assert_eq!(MIN_BODY_LEN, 50);
        // The largest body encodes to at most MAX_TOKEN_LEN characters with its prefix.
        assert!(PREFIX_LEN + MAX_BODY_LEN.div_ceil(3) * 4 <= MAX_TOKEN_LEN + 1);
        assert_eq!(
            PREFIX_LEN + base64::encoded_len(MAX_BODY_LEN, false).unwrap_or(0),
            MAX_TOKEN_LEN
        );
        for kind in [TokenKind::ClientKey, TokenKind::AccessToken] {
            assert_eq!(kind.prefix().len(), PREFIX_LEN);
            assert_eq!(TokenKind::from_prefix(kind.prefix().as_bytes()), Some(kind));
        }
    }
}

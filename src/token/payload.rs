//! The plaintext inside a token: `key_id (16) || claims`, and the rules each kind's claims obey.
//!
//! The one place that encodes and decodes it: minting client keys, minting access tokens,
//! verifying and inspecting all come through here.

use zeroize::Zeroizing;

use crate::token::claims::Claims;
use crate::token::key_id::{KEY_ID_LEN, KeyId};
use crate::token::keys::Keyring;
use crate::token::{Malformed, OpenError, TokenKind};

/// A token that decrypted and whose plaintext follows the format.
#[derive(Debug)]
pub(crate) struct Opened {
    pub(crate) kind: TokenKind,
    /// Which secret of the keyring opened it (0 = current).
    pub(crate) secret_index: usize,
    pub(crate) key_id: KeyId,
    pub(crate) claims: Claims,
}

/// Decrypts `token` with `keyring` and decodes its plaintext: the common first half of
/// verifying and inspecting.
pub(crate) fn open(token: &str, keyring: &Keyring) -> Result<Opened, OpenError> {
    crate::token::open(token, keyring, |o| {
        let (key_id, claims) = decode(o.kind, o.plaintext)?;
        Ok(Opened {
            kind: o.kind,
            secret_index: o.secret_index,
            key_id,
            claims,
        })
    })
}

/// Encodes the plaintext of a token; `claims` must have passed [`Claims::validate`].
pub(crate) fn encode(key_id: KeyId, claims: &Claims) -> Zeroizing<Vec<u8>> {
    let mut plaintext = Zeroizing::new(Vec::with_capacity(KEY_ID_LEN + claims.encoded_len()));
    plaintext.extend_from_slice(key_id.as_bytes());
    claims.encode_into(&mut plaintext);
    plaintext
}

/// Decodes the plaintext of a token of `kind` and checks the claims that kind must or must not
/// carry. A plain key (no claims) allocates nothing.
pub(crate) fn decode(kind: TokenKind, plaintext: &[u8]) -> Result<(KeyId, Claims), Malformed> {
    let (key_id, claims) = plaintext
        .split_first_chunk::<KEY_ID_LEN>()
        .ok_or(Malformed::TooShort)?;
    let claims = if claims.is_empty() {
        Claims::new()
    } else {
        Claims::decode(claims)?
    };
    check_kind_rules(kind, &claims)?;
    Ok((KeyId::from_bytes(*key_id), claims))
}

/// A client key never carries a session id; an access token always carries an expiry and
/// never a name or metadata.
fn check_kind_rules(kind: TokenKind, claims: &Claims) -> Result<(), Malformed> {
    match kind {
        TokenKind::ClientKey if claims.session_id().is_some() => {
            Err(Malformed::SessionIdOnClientKey)
        }
        TokenKind::AccessToken if claims.expires_at().is_none() => {
            Err(Malformed::AccessTokenWithoutExpiry)
        }
        TokenKind::AccessToken if claims.name().is_some() || !claims.metadata().is_empty() => {
            Err(Malformed::NameOrMetadataOnAccessToken)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_enforces_the_kind_rules() {
        let id = KeyId::generate();
        let claims = Claims::new()
            .with_scope("read")
            .with_expires_at(4_102_444_800);
        let plaintext = encode(id, &claims);
        for kind in [TokenKind::ClientKey, TokenKind::AccessToken] {
            assert_eq!(decode(kind, &plaintext), Ok((id, claims.clone())));
        }
        let plain = encode(id, &Claims::new());
        assert_eq!(plain.len(), KEY_ID_LEN);
        assert_eq!(
            decode(TokenKind::AccessToken, &plain),
            Err(Malformed::AccessTokenWithoutExpiry)
        );
        let named = encode(id, &claims.clone().with_name("n"));
        assert_eq!(
            decode(TokenKind::AccessToken, &named),
            Err(Malformed::NameOrMetadataOnAccessToken)
        );
        let session = encode(id, &claims.with_session_id(Some("s".into())));
        assert_eq!(
            decode(TokenKind::ClientKey, &session),
            Err(Malformed::SessionIdOnClientKey)
        );
        assert_eq!(
            decode(TokenKind::ClientKey, &[0; 15]),
            Err(Malformed::TooShort)
        );
    }
}

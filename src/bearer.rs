//! Parsing the `Authorization` header value for the `Bearer` scheme (RFC 6750 §2.1, RFC 7235).

use crate::error::{InvalidHeader, VerifyError};
use crate::token::{MAX_TOKEN_LEN, Malformed};

/// Extracts the token from an `Authorization` header value of the `Bearer` scheme.
///
/// The grammar is RFC 7235's `credentials = auth-scheme 1*SP token68`, with RFC 6750's
/// `b64token` characters. The scheme is matched case-insensitively; optional whitespace around
/// the whole value (which HTTP strips) is tolerated. Everything else is refused:
///
/// - another scheme (`Basic …`), or an empty value: [`VerifyError::NotBearer`], to be
///   answered with `401` and a `WWW-Authenticate: Bearer` challenge;
/// - `Bearer` with no token, two tokens, a tab, a control or non-ASCII character, a character
///   outside `b64token`: [`VerifyError::InvalidHeader`] (`400 invalid_request`);
/// - a token longer than any this library mints: [`VerifyError::Malformed`], without scanning it.
///
/// # Errors
/// As listed above.
///
/// ```
/// use client_keys::{bearer_token, VerifyError};
///
/// assert_eq!(bearer_token("bearer ckey_abc")?, "ckey_abc");
/// assert_eq!(bearer_token("Basic dXNlcjpwdw=="), Err(VerifyError::NotBearer));
/// assert!(bearer_token("Bearer a b").unwrap_err().is_invalid_request());
/// # Ok::<(), VerifyError>(())
/// ```
pub fn bearer_token(header_value: &str) -> Result<&str, VerifyError> {
    let value = header_value.trim_matches([' ', '\t']);
    let bytes = value.as_bytes();
    let scheme_len = bytes.iter().position(|&b| b == b' ').unwrap_or(bytes.len());
    let (scheme, rest) = bytes.split_at(scheme_len);
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return match scheme.iter().find(|&&b| !is_tchar(b)) {
            None => Err(VerifyError::NotBearer),
            Some(&bad) => Err(VerifyError::InvalidHeader(describe(
                bad,
                InvalidHeader::InvalidScheme,
            ))),
        };
    }
    let token = &rest[rest.iter().take_while(|&&b| b == b' ').count()..];
    if token.is_empty() {
        return Err(VerifyError::InvalidHeader(InvalidHeader::NoToken));
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(VerifyError::Malformed(Malformed::TooLong));
    }
    let body_len = token.len() - token.iter().rev().take_while(|&&b| b == b'=').count();
    if body_len == 0 {
        return Err(VerifyError::InvalidHeader(InvalidHeader::NotB64token));
    }
    if let Some(&bad) = token[..body_len].iter().find(|&&b| !is_b64token_char(b)) {
        return Err(VerifyError::InvalidHeader(match bad {
            b' ' => InvalidHeader::MoreThanOneToken,
            _ => describe(bad, InvalidHeader::NotB64token),
        }));
    }
    // Only ASCII was accepted, so this slice is on character boundaries.
    Ok(&value[value.len() - token.len()..])
}

/// What is wrong with a byte that may not stand where it stands; `otherwise` for a visible
/// ASCII character.
fn describe(bad: u8, otherwise: InvalidHeader) -> InvalidHeader {
    match bad {
        b'\t' => InvalidHeader::Tab,
        0..=0x1f | 0x7f => InvalidHeader::ControlCharacter,
        0x80.. => InvalidHeader::NonAscii,
        _ => otherwise,
    }
}

/// RFC 6750 `b64token` characters (before any trailing `=`).
fn is_b64token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// RFC 7230 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_bearer_in_any_case_and_spacing() {
        for value in [
            "Bearer ckey_x",
            "bearer ckey_x",
            "BEARER ckey_x",
            "Bearer   ckey_x",
            " Bearer ckey_x\t",
        ] {
            assert_eq!(bearer_token(value), Ok("ckey_x"), "{value:?}");
        }
        assert_eq!(bearer_token("Bearer abc=="), Ok("abc=="));
    }

    #[test]
    fn other_schemes_carry_no_bearer_credentials() {
        for value in [
            "",
            "Basic dXNlcjpwYXNz",
            "Digest a=b",
            "Bearerx abc",
            "Token abc",
        ] {
            assert_eq!(
                bearer_token(value),
                Err(VerifyError::NotBearer),
                "{value:?}"
            );
        }
    }

    #[test]
    fn malformed_headers_are_invalid_requests() {
        for value in [
            "Bearer",
            "Bearer ",
            "Bearer a b",
            "Bearer\tabc",
            "Bearer a\tb",
            "Bearer a\u{0}b",
            "Bearer cl\u{e9}",
            "Bearer a,b",
            "Bearer ===",
            "Bearer a=b",
            "Be@rer abc",
        ] {
            let err = bearer_token(value).unwrap_err();
            assert!(err.is_invalid_request(), "{value:?}: {err:?}");
        }
        assert_eq!(
            bearer_token("Bearer\tabc"),
            Err(VerifyError::InvalidHeader(InvalidHeader::Tab))
        );
    }

    #[test]
    fn long_tokens_are_refused_before_scanning() {
        let value = format!("Bearer {}", "a".repeat(MAX_TOKEN_LEN + 1));
        assert_eq!(
            bearer_token(&value),
            Err(VerifyError::Malformed(Malformed::TooLong))
        );
    }
}

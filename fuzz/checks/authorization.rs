//! `authorization`: the `Authorization: Bearer` parser, [`client_keys::bearer_token`].
//!
//! For any header value it never panics, and what it returns is checked three ways: the
//! properties of an accepted token (a non-empty suffix of the trimmed value, at most 512
//! bytes of RFC 6750 `b64token`, after a first word that is `bearer` in any case); agreement
//! with a small independent model of the grammar on whether the value is accepted; and,
//! built from the same input, a well-formed `Bearer <b64token>` that must give back exactly
//! its token.

use client_keys::limits::MAX_TOKEN_LEN;
use client_keys::{VerifyError, bearer_token};

/// RFC 6750 `b64token` characters before the trailing `=`.
const B64TOKEN: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/";

/// The fuzz target's body.
pub(crate) fn check(data: &[u8]) {
    check_header(&super::text(data));
    check_well_formed(data);
}

fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty() && body.bytes().all(|b| B64TOKEN.contains(&b))
}

/// The grammar, written independently of the library: `credentials = auth-scheme 1*SP
/// token68` with blanks (SP, HTAB) around the whole value tolerated, the scheme `Bearer` in
/// any case, and a `b64token` of at most [`MAX_TOKEN_LEN`] bytes.
fn model(header: &str) -> Option<&str> {
    let value = header.trim_matches(|c| c == ' ' || c == '\t');
    let (scheme, rest) = value.split_once(' ')?;
    let token = rest.trim_start_matches(' ');
    (scheme.eq_ignore_ascii_case("bearer") && token.len() <= MAX_TOKEN_LEN && is_b64token(token))
        .then_some(token)
}

/// `bearer_token` on an arbitrary header value.
pub(crate) fn check_header(header: &str) {
    let result = bearer_token(header);
    let trimmed = header.trim_matches([' ', '\t']);
    let first_word = trimmed.split(' ').next().unwrap_or("");
    match result {
        Ok(token) => {
            assert!(!token.is_empty(), "empty token from {header:?}");
            assert!(
                token.len() <= MAX_TOKEN_LEN,
                "token over {MAX_TOKEN_LEN} bytes"
            );
            assert!(is_b64token(token), "not a b64token: {token:?}");
            assert!(
                trimmed.ends_with(token),
                "not a suffix of the value: {token:?}"
            );
            // A sub-slice of the input, not a copy.
            let start = token.as_ptr() as usize - header.as_ptr() as usize;
            assert!(start + token.len() <= header.len());
            assert!(
                first_word.eq_ignore_ascii_case("bearer"),
                "scheme {first_word:?}"
            );
        }
        Err(VerifyError::NotBearer) => {
            assert!(
                !first_word.eq_ignore_ascii_case("bearer"),
                "NotBearer for {header:?}"
            );
        }
        Err(VerifyError::InvalidHeader(_)) => {}
        Err(VerifyError::Malformed(why)) => {
            assert_eq!(why, client_keys::Malformed::TooLong);
            assert!(trimmed.len() > MAX_TOKEN_LEN, "too long? {header:?}");
        }
        Err(other) => panic!("bearer_token gave a token-level error: {other:?}"),
    }
    assert_eq!(
        result.ok(),
        model(header),
        "bearer_token and the grammar disagree on {header:?}"
    );
}

/// A well-formed `Bearer <b64token>` derived from `data` (scheme case, spacing, blanks and
/// padding chosen by the input) gives back exactly the token.
fn check_well_formed(data: &[u8]) {
    let Some((&shape, rest)) = data.split_first() else {
        return;
    };
    let len = rest.len().min(MAX_TOKEN_LEN);
    let mut token: String = rest[..len]
        .iter()
        .map(|&b| char::from(B64TOKEN[usize::from(b) % B64TOKEN.len()]))
        .collect();
    if token.is_empty() {
        token.push('A');
    }
    // Up to two `=` of padding, when they fit.
    let padding = usize::from(shape & 0b11).min(2);
    if token.len() + padding <= MAX_TOKEN_LEN {
        token.extend(std::iter::repeat_n('=', padding));
    }
    let scheme: String = "bearer"
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if (shape >> (2 + i % 6)) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    let spaces = " ".repeat(1 + usize::from(shape >> 6));
    for header in [
        format!("{scheme}{spaces}{token}"),
        format!(" \t{scheme}{spaces}{token}\t "),
    ] {
        assert_eq!(bearer_token(&header), Ok(token.as_str()), "{header:?}");
        check_header(&header);
    }
}

//! `pasted_token`: the rule by which the CLI reads a token an operator pasted (ASCII
//! whitespace at the ends, one pair of quotes, a leading `Bearer `).
//!
//! Properties, for any input: it never panics; what it returns is a part of the input (a
//! subslice, never a new string); everything it removed is ASCII, and only whitespace, quotes
//! and the letters of `Bearer` (so a non-breaking space or any other character around a token
//! stays, and the verifier refuses it); nothing ASCII-blank is left at the ends. And a genuine
//! token wrapped in each allowed way comes back exactly.

use client_keys::operator::pasted_token;

/// A token of the test vectors (its validity does not matter here, only its text).
const TOKEN: &str = "ckey_AQFW-Xf1AAAAAAAAAAAAAAABgIoSSjgfEN0efrRyAZfgbQTTISmRG2wO8tjDMivfdLo";

pub(crate) fn check(data: &[u8]) {
    let input = super::text(data);
    let token = pasted_token(&input);
    let start = (token.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
    assert!(
        start <= input.len() && start + token.len() <= input.len(),
        "the result is not a part of the input"
    );
    assert!(
        input.is_char_boundary(start),
        "the result starts inside a character"
    );
    let (before, after) = (&input[..start], &input[start + token.len()..]);
    let removable =
        |c: char| c.is_ascii_whitespace() || c == '"' || c == '\'' || "bearerBEARER".contains(c);
    assert!(
        before.chars().all(removable) && after.chars().all(removable),
        "it removed something other than whitespace, quotes or Bearer"
    );
    assert_eq!(
        token.trim_ascii(),
        token,
        "ASCII whitespace is left at an end"
    );

    // The same input wrapped around a genuine token: only the allowed wrappers are removed.
    for pasted in [
        format!(" {TOKEN}\n"),
        format!("\"{TOKEN}\""),
        format!("'{TOKEN}'\r\n"),
        format!("Bearer {TOKEN}"),
        format!("\t\"bearer {TOKEN}\" "),
    ] {
        assert_eq!(pasted_token(&pasted), TOKEN, "{pasted:?}");
    }
    if !input.is_empty() && !input.chars().all(removable) {
        // Arbitrary text before the token is not removed.
        let glued = format!("{input}{TOKEN}");
        assert!(pasted_token(&glued).len() > TOKEN.len(), "{glued:?}");
    }
}

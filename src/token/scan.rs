//! Recognising text that may be a credential, so that nothing repeats one back: the one
//! detector behind `check`'s report and the CLI's last-line redaction of what it prints.

use crate::token::TokenKind;

/// The prefixes every token starts with.
const PREFIXES: [&str; 2] = [
    TokenKind::ClientKey.prefix(),
    TokenKind::AccessToken.prefix(),
];

/// Runs of this many hex digits or more may be a secret (a secret is 64; a key id, 32, is not).
const SECRET_LIKE_HEX: usize = 48;

/// Whether `entry`, a value a user typed where something else belonged, may be a credential:
/// it holds a token prefix (in any case), a secret-sized run of hex digits, or is longer than
/// any identifier.
#[cfg_attr(not(feature = "operator"), allow(dead_code))]
pub(crate) fn looks_like_a_credential(entry: &str) -> bool {
    let lower = entry.to_ascii_lowercase();
    PREFIXES.iter().any(|p| lower.contains(p))
        || hex_runs(entry).any(|run| run >= SECRET_LIKE_HEX)
        || entry.len() > 64
}

/// The lengths of the maximal runs of hex digits in `text`.
fn hex_runs(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.as_bytes()
        .split(|b| !b.is_ascii_hexdigit())
        .map(<[u8]>::len)
}

/// `text` with every token (`ckey_…`, `ckat_…`, in any case) and every secret-sized run of hex
/// digits replaced by `[redacted]`. Key ids (32 hex digits) are kept.
///
/// The last line of defence for text that quotes user input before it is printed.
///
/// ```
/// use client_keys::operator::redact;
///
/// let text = format!("unexpected 'ckey_AQFW-x' and {}", "ab".repeat(32));
/// assert_eq!(redact(&text), "unexpected '[redacted]' and [redacted]");
/// ```
#[cfg_attr(not(feature = "operator"), allow(dead_code, unreachable_pub))]
pub fn redact(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let token = PREFIXES
            .iter()
            .any(|p| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p.as_bytes()));
        let run =
            |from: usize, ok: fn(&u8) -> bool| bytes[from..].iter().take_while(|b| ok(b)).count();
        let skip = if token {
            5 + run(i + 5, |b| {
                b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'
            })
        } else {
            let hex = run(i, u8::is_ascii_hexdigit);
            let starts_word = i == 0 || !bytes[i - 1].is_ascii_hexdigit();
            if hex >= SECRET_LIKE_HEX && starts_word {
                hex
            } else {
                0
            }
        };
        if skip > 0 {
            out.push_str("[redacted]");
            i += skip;
        } else {
            // Copy one character (text is UTF-8; `i` is on a character boundary).
            let ch = text[i..].chars().next().unwrap_or_default();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_tokens_and_secrets_but_not_key_ids() {
        let id = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e";
        let secret = "ab".repeat(32);
        let text = format!(
            "error: unexpected argument 'ckey_AQFW-Xf1_abc' and {secret}; key {id} ok; \
             'ckat_x' 'CKEY_Y' é"
        );
        assert_eq!(
            redact(&text),
            format!(
                "error: unexpected argument '[redacted]' and [redacted]; key {id} ok; \
                 '[redacted]' '[redacted]' é"
            )
        );
    }

    #[test]
    fn credentials_are_recognised_and_key_ids_are_not() {
        assert!(looks_like_a_credential("ckey_AQFW"));
        assert!(looks_like_a_credential("CKAT_x"));
        assert!(looks_like_a_credential(&"ab".repeat(32)));
        assert!(looks_like_a_credential(&"x".repeat(65)));
        assert!(!looks_like_a_credential("3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e"));
        assert!(!looks_like_a_credential("another-key"));
    }
}

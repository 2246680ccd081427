//! Turning errors into one sentence on stderr and a documented exit code.

use std::fmt;
use std::process::ExitCode;

use client_keys::{ClaimError, ConfigError, ConfigFileError, TokenKind, VerifyError};

/// Why the command failed. `Display` never contains a secret or a token.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Bad arguments (exit 2).
    Usage(String),
    /// Bad configuration (exit 2).
    Config(ConfigError),
    /// A claim breaks a limit (exit 2).
    Claim(ClaimError),
    /// Reading or writing failed (exit 2).
    Io(String),
    /// The token was refused (exit 1).
    Rejected(VerifyError),
    /// Editing the .env file was refused (exit 2, or 1 when the key id was not listed).
    ConfigFile(ConfigFileError),
    /// `check` found errors; the report is already printed (exit 2).
    Unhealthy,
}

impl Failure {
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Rejected(_) => ExitCode::from(1),
            Failure::ConfigFile(e) if e.is_not_found() => ExitCode::from(1),
            _ => ExitCode::from(2),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(text) | Failure::Io(text) => f.write_str(text),
            Failure::Config(e) => with_causes(f, e),
            Failure::Claim(e) => write!(f, "{e}"),
            Failure::Rejected(e) => write!(f, "token rejected: {e}"),
            Failure::ConfigFile(e) => with_causes(f, e),
            Failure::Unhealthy => f.write_str("the configuration is not healthy (see above)"),
        }
    }
}

/// The error, then each underlying cause not already in its text (e.g. the OS's reason).
fn with_causes(f: &mut fmt::Formatter<'_>, error: &dyn std::error::Error) -> fmt::Result {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let more = e.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = e.source();
    }
    f.write_str(&text)
}

impl From<ConfigFileError> for Failure {
    fn from(e: ConfigFileError) -> Failure {
        Failure::ConfigFile(e)
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Failure {
        Failure::Config(e)
    }
}

impl From<ClaimError> for Failure {
    fn from(e: ClaimError) -> Failure {
        Failure::Claim(e)
    }
}

/// Replaces anything that looks like a token (`ckey_…`, `ckat_…`) or a secret (48 or more hex
/// digits in a row) with `[redacted]`: the last line of defence for text that quotes user input
/// (clap's usage errors do). Key ids (32 hex digits) are kept.
pub(crate) fn redact(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let token = [
            TokenKind::ClientKey.prefix(),
            TokenKind::AccessToken.prefix(),
        ]
        .iter()
        .any(|p| bytes[i..].starts_with(p.as_bytes()));
        let run =
            |from: usize, ok: fn(&u8) -> bool| bytes[from..].iter().take_while(|b| ok(b)).count();
        let skip = if token {
            5 + run(i + 5, |b| {
                b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'
            })
        } else {
            let hex = run(i, u8::is_ascii_hexdigit);
            let starts_word = i == 0 || !bytes[i - 1].is_ascii_hexdigit();
            if hex >= 48 && starts_word { hex } else { 0 }
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
    use super::redact;

    #[test]
    fn redacts_tokens_and_secrets_but_not_key_ids() {
        let id = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e";
        let secret = "ab".repeat(32);
        let text = format!(
            "error: unexpected argument 'ckey_AQFW-Xf1_abc' and {secret}; key {id} ok; \
             'ckat_x' é"
        );
        assert_eq!(
            redact(&text),
            format!(
                "error: unexpected argument '[redacted]' and [redacted]; key {id} ok; '[redacted]' é"
            )
        );
    }
}

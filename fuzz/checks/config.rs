//! `config`: parsing `CLIENT_SECRET`, `CLIENT_SECRET_PREVIOUS`, `CLIENT_KEYS` and key ids.
//!
//! The input is split at `0xFF` bytes (never part of UTF-8) into the secret, the previous
//! secrets and the allowlist; a part that is missing is an unset variable. Nothing may
//! panic; a secret is accepted exactly when it is 64 hex digits, and a refusal names the
//! right variable and problem without repeating the value; the allowlist contains every
//! entry it was given; a key id is accepted exactly when it is 32 hex digits.

use client_keys::limits::SECRET_LEN;
use client_keys::{Allowlist, ClientSecret, Config, ConfigError, KeyId, SecretProblem, Variable};

use super::assert_not_echoed;

/// The fuzz target's body.
pub(crate) fn check(data: &[u8]) {
    let mut parts = data.splitn(3, |&b| b == 0xFF).map(super::text);
    let secret = parts.next().unwrap_or_default();
    let previous = parts.next();
    let keys = parts.next();
    check_parts(&secret, previous.as_deref(), keys.as_deref());
}

/// The trimmed, non-empty comma-separated entries of a list variable.
fn entries(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect()
}

fn is_hex(text: &str, digits: usize) -> bool {
    text.len() == digits && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// All the parsers on one split input.
pub(crate) fn check_parts(secret: &str, previous: Option<&str>, keys: Option<&str>) {
    let secret_problem = check_secret(secret);
    let previous_problems: Vec<(usize, SecretProblem)> = previous
        .map(entries)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| check_secret(entry).map(|p| (i + 1, p)))
        .collect();

    match Config::from_values(secret, previous, keys) {
        Ok(config) => {
            assert!(secret_problem.is_none(), "Config accepted a bad secret");
            assert!(
                previous_problems.is_empty(),
                "Config accepted a bad previous secret"
            );
            assert_eq!(
                config.previous_secrets().len(),
                previous.map(entries).unwrap_or_default().len()
            );
            assert_eq!(config.allowlist().is_some(), keys.is_some());
            if let (Some(list), Some(keys)) = (config.allowlist(), keys) {
                assert_eq!(list.len(), Allowlist::parse(keys).len());
            }
            let debug = format!("{config:?}");
            assert!(!debug.contains(secret), "Config's Debug shows the secret");
        }
        Err(e) => {
            let message = e.to_string();
            // The first problem is reported, under the variable that has it.
            let (variable, problem, entry) = match (secret_problem, previous_problems.first()) {
                (Some(p), _) => (Variable::ClientSecret, p, 0),
                (None, Some(&(i, p))) => (Variable::ClientSecretPrevious, p, i),
                (None, None) => panic!("Config refused good secrets: {message}"),
            };
            match e {
                ConfigError::InvalidSecret(e) => {
                    let expected = (variable, (entry > 0).then_some(entry), problem);
                    assert_eq!((e.variable, e.entry, e.problem), expected, "{message}");
                }
                other => panic!("Config::from_values failed with {other:?}"),
            }
            // The message is the one a canonical value with the same problem gets: it does
            // not depend on the value, so it cannot repeat it.
            let neutral = neutral_message(problem, entry);
            assert_eq!(message, neutral, "the message depends on the value");
            let vocabulary = [neutral];
            assert_not_echoed(
                &message,
                secret,
                &vocabulary,
                "Config::from_values (secret)",
            );
            for entry in previous.map(entries).unwrap_or_default() {
                assert_not_echoed(
                    &message,
                    entry,
                    &vocabulary,
                    "Config::from_values (previous)",
                );
            }
        }
    }

    for text in [Some(secret), previous, keys].into_iter().flatten() {
        check_allowlist(text);
        check_key_id(text);
        for entry in entries(text) {
            check_key_id(entry);
        }
    }
}

/// A good secret, for the positions that are not under test.
const GOOD: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A value of the canonical shape that has `problem`.
fn canonical(problem: SecretProblem) -> String {
    let zeros = |n: usize| "0".repeat(n);
    let text = match problem {
        SecretProblem::Empty => String::new(),
        SecretProblem::Whitespace => " 0".to_owned(),
        SecretProblem::Quoted => "\"0\"".to_owned(),
        // 64 characters in 65 bytes.
        SecretProblem::WrongLength { chars: 64 } => format!("\u{e9}{}", zeros(63)),
        SecretProblem::WrongLength { chars } => zeros(chars),
        SecretProblem::NotHex { position } if (1..=64).contains(&position) => {
            format!("{}g{}", zeros(position - 1), zeros(64 - position))
        }
        other => panic!("no canonical value has {other:?}"),
    };
    assert_eq!(
        ClientSecret::from_hex(&text).err(),
        Some(problem),
        "canonical {text:?}"
    );
    text
}

/// The message of `Config::from_values` for a canonical value with `problem` as `CLIENT_SECRET`
/// (`entry` 0) or as entry `entry` of `CLIENT_SECRET_PREVIOUS`.
fn neutral_message(problem: SecretProblem, entry: usize) -> String {
    let bad = canonical(problem);
    let result = if entry == 0 {
        Config::from_values(&bad, None, None)
    } else {
        let list: Vec<&str> = std::iter::repeat_n(GOOD, entry - 1)
            .chain([bad.as_str()])
            .collect();
        Config::from_values(GOOD, Some(&list.join(", ")), None)
    };
    result
        .expect_err("a canonical bad value is refused")
        .to_string()
}

/// [`ClientSecret::from_hex`] on `text`; returns the problem it reports, after checking it.
fn check_secret(text: &str) -> Option<SecretProblem> {
    match ClientSecret::from_hex(text) {
        Ok(secret) => {
            assert!(
                is_hex(text, 2 * SECRET_LEN),
                "accepted a secret that is not 64 hex digits"
            );
            assert_eq!(secret.to_hex().as_str(), text.to_ascii_lowercase());
            assert!(!format!("{secret:?}").contains(text));
            None
        }
        Err(problem) => {
            assert!(
                !is_hex(text, 2 * SECRET_LEN),
                "refused 64 hex digits: {problem}"
            );
            let holds = match problem {
                SecretProblem::Empty => text.is_empty(),
                SecretProblem::Whitespace => text.trim() != text,
                SecretProblem::Quoted => {
                    let quoted = |q| text.len() >= 2 && text.starts_with(q) && text.ends_with(q);
                    quoted('"') || quoted('\'')
                }
                // Lengths and positions count characters, not bytes.
                SecretProblem::WrongLength { chars } => {
                    chars == text.chars().count() && chars != 2 * SECRET_LEN
                }
                SecretProblem::NotHex { position } => {
                    let chars: Vec<char> = text.chars().collect();
                    chars.len() == 2 * SECRET_LEN
                        && (1..=chars.len()).contains(&position)
                        && chars[..position - 1].iter().all(char::is_ascii_hexdigit)
                        && !chars[position - 1].is_ascii_hexdigit()
                }
                _ => false,
            };
            assert!(holds, "wrong problem {problem:?} for {text:?}");
            // The same message as for a canonical value with the same problem.
            let message = problem.to_string();
            let neutral = ClientSecret::from_hex(&canonical(problem))
                .err()
                .map(|p| p.to_string());
            assert_eq!(
                Some(&message),
                neutral.as_ref(),
                "the message depends on the value"
            );
            let vocabulary = Vec::from_iter(neutral);
            assert_not_echoed(&message, text, &vocabulary, "ClientSecret::from_hex");
            Some(problem)
        }
    }
}

/// [`Allowlist::parse`] contains every entry of `text`, and counts them right.
fn check_allowlist(text: &str) {
    let list = Allowlist::parse(text);
    let given = entries(text);
    for entry in &given {
        assert!(
            list.contains_entry(entry),
            "entry {entry:?} of {text:?} is not listed"
        );
        if let Ok(id) = entry.parse::<KeyId>() {
            assert!(list.contains(&id));
            assert!(list.contains_entry(&entry.to_ascii_uppercase()));
            assert!(list.contains_entry(&entry.to_ascii_lowercase()));
        }
    }
    assert!(list.len() <= given.len());
    assert_eq!(
        list.len() + list.duplicates(),
        given.len(),
        "len + duplicates"
    );
    assert_eq!(list.is_empty(), given.is_empty());
    let mut legacy: Vec<&str> = given
        .iter()
        .copied()
        .filter(|e| e.parse::<KeyId>().is_err())
        .collect();
    legacy.sort_unstable();
    legacy.dedup();
    assert_eq!(list.legacy_entries(), legacy);
    let parsed: Allowlist = text.parse().unwrap_or_else(|never| match never {});
    assert_eq!(parsed.len(), list.len());
}

/// [`KeyId`]'s `FromStr` accepts exactly 32 hex digits, and round-trips.
fn check_key_id(text: &str) {
    match text.parse::<KeyId>() {
        Ok(id) => {
            assert!(
                is_hex(text, 32),
                "accepted a key id that is not 32 hex digits"
            );
            assert_eq!(id.to_string(), text.to_ascii_lowercase());
            assert_eq!(id.to_string().parse::<KeyId>(), Ok(id));
        }
        Err(e) => {
            assert!(!is_hex(text, 32), "refused 32 hex digits: {text:?}");
            let neutral = "not a key id".parse::<KeyId>().err().map(|e| e.to_string());
            assert_eq!(
                Some(e.to_string()),
                neutral,
                "the message depends on the value"
            );
        }
    }
}

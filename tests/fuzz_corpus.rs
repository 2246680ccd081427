//! Replays the saved fuzz corpus on stable Rust, without libFuzzer.
//!
//! Every file in `fuzz/regressions/<target>/` goes through the same property check as the
//! cargo-fuzz target of that name (`fuzz/checks/`, included below), so a regression of any
//! finding or of any covered behaviour fails `cargo test`. A missing or empty directory is a
//! failure, not a skip. See `docs/FUZZING.md`.
//!
//! `cargo test --test fuzz_corpus -- --ignored write_seeds` writes the starting corpus of
//! each target into `fuzz/corpus/<target>/` (not committed) for a fuzzing session.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

#[path = "../fuzz/checks/mod.rs"]
mod checks;

const TARGETS: [&str; 6] = [
    "authorization",
    "config",
    "env_file",
    "pasted_token",
    "revoked_sessions",
    "verify",
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The saved inputs of `target`, sorted by name; panics if there are none.
fn saved_inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = fuzz_dir().join("regressions").join(target);
    let entries = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}: the saved corpus is missing", dir.display()));
    let mut inputs: Vec<(PathBuf, Vec<u8>)> = entries
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .map(|path| {
            let data = fs::read(&path).expect("read a saved input");
            (path, data)
        })
        .collect();
    assert!(
        !inputs.is_empty(),
        "{}: the saved corpus is empty",
        dir.display()
    );
    inputs.sort();
    inputs
}

/// Runs `check` on every saved input of `target` and fails naming every input that fails.
fn replay(target: &str, mut check: impl FnMut(&[u8])) {
    let inputs = saved_inputs(target);
    let failed: Vec<String> = inputs
        .iter()
        .filter(|(_, data)| catch_unwind(AssertUnwindSafe(|| check(data))).is_err())
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} saved {target} inputs fail (messages above):\n{}",
        failed.len(),
        inputs.len(),
        failed.join("\n")
    );
}

#[test]
fn authorization_corpus() {
    replay("authorization", checks::authorization::check);
}

#[test]
fn config_corpus() {
    replay("config", checks::config::check);
}

#[test]
fn env_file_corpus() {
    let scratch = tempfile::tempdir().expect("a scratch directory");
    replay("env_file", |data| {
        checks::env_file::check(scratch.path(), data)
    });
}

#[test]
fn pasted_token_corpus() {
    replay("pasted_token", checks::pasted_token::check);
}

#[test]
fn revoked_sessions_corpus() {
    replay("revoked_sessions", checks::revoked_sessions::check);
}

#[test]
fn verify_corpus() {
    replay("verify", checks::verify::check);
}

#[test]
fn every_target_has_a_saved_corpus() {
    for target in TARGETS {
        assert!(
            saved_inputs(target).len() <= 200,
            "{target}: keep the saved corpus small"
        );
        let source = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
        assert!(source.is_file(), "no fuzz target {}", source.display());
    }
}

// ---------------------------------------------------------------------------
// Starting corpus for fuzzing sessions
// ---------------------------------------------------------------------------

/// Small edits of a token: truncated, extended, one character changed, re-prefixed.
fn mutations(token: &str) -> Vec<String> {
    let mut out = vec![
        token[..token.len() - 1].to_owned(),
        format!("{token}A"),
        format!("{token}="),
        token.replacen("ckey_", "ckat_", 1),
        token.replacen("ckat_", "ckey_", 1),
        token.to_uppercase(),
        format!(" {token}\t"),
        format!("Bearer {token}"),
    ];
    for at in [5, 6, 12, 30, token.len() - 2] {
        let mut bytes = token.as_bytes().to_vec();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        out.push(String::from_utf8(bytes).expect("ASCII"));
    }
    out
}

fn seed_verify() -> Vec<Vec<u8>> {
    let fixture = checks::verify::fixture();
    let mut tokens: Vec<&String> = fixture.minted.keys().collect();
    tokens.sort();
    let mut seeds: Vec<String> = Vec::new();
    for token in tokens.iter().copied().chain(&fixture.near_misses) {
        seeds.push(token.clone());
    }
    for token in tokens.iter().take(6) {
        seeds.extend(mutations(token));
    }
    seeds.into_iter().map(String::into_bytes).collect()
}

fn seed_authorization() -> Vec<Vec<u8>> {
    let long = format!("Bearer {}", "a".repeat(513));
    [
        "Bearer ckey_abc",
        "bearer ckey_abc",
        "BEARER   abc==",
        " \tBearer a-._~+/9\t ",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Bearer\tabc",
        "Bearer a\u{0}b",
        "Bearer cl\u{e9}",
        "Bearer ===",
        "Bearer a=b",
        "Be@rer abc",
        "",
        &long,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

fn seed_env_file() -> Vec<Vec<u8>> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/env");
    let mut files: Vec<Vec<u8>> = fs::read_dir(&fixtures)
        .expect("tests/fixtures/env")
        .map(|e| fs::read(e.expect("entry").path()).expect("read a fixture"))
        .collect();
    files.extend(
        [
            "",
            "CLIENT_KEYS=a\r\nB=2\r\n",
            "\u{feff}CLIENT_KEYS=x\n",
            "A=${CLIENT_KEYS}\nCLIENT_KEYS=1\nB=${CLIENT_KEYS}\n",
            "CLIENT_KEYS=1\nCLIENT_KEYS=2\n",
            "CLIENT_KEYS=#x\nA=1",
            "A='x\n",
        ]
        .map(|s| s.as_bytes().to_vec()),
    );
    let values = checks::env_file::VALUES.len();
    let mut seeds = Vec::new();
    for (i, file) in files.iter().enumerate() {
        // Every file with a value from the list, and with its own first line as the value.
        for selector in [i % values, values + i] {
            let mut seed = vec![u8::try_from(selector).expect("small")];
            seed.extend_from_slice(file);
            seeds.push(seed);
        }
    }
    seeds
}

fn seed_config() -> Vec<Vec<u8>> {
    let good = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let ids = "00112233445566778899aabbccddeeff, 3F2A9C1E5B7D4F6A8C0E2B4D6F8A1C3E,, legacy-key ,";
    [
        good.to_owned(),
        format!("{good}\u{ff}\u{ff}{ids}"),
        format!("{good}\u{ff}{good}, {}\u{ff}", good.to_uppercase()),
        format!("{good}\u{ff}{good},zz\u{ff}{ids}"),
        format!("\"{good}\""),
        format!(" {good}"),
        format!("\u{e9}{}", &good[1..]),
        format!("{}g", &good[1..]),
        String::new(),
    ]
    .into_iter()
    // `\u{ff}` stands for the separator byte 0xFF.
    .map(|s| {
        s.chars()
            .flat_map(|c| match c {
                '\u{ff}' => vec![0xFF],
                c => c.to_string().into_bytes(),
            })
            .collect()
    })
    .collect()
}

/// Pasted tokens: wrapped in each allowed way, in other ways, and around other characters.
fn seed_pasted_token() -> Vec<Vec<u8>> {
    let token = "ckey_AQFW-Xf1AAAAAAAAAAAAAAABgIoSSjgfEN0efrRyAZfgbQTTISmRG2wO8tjDMivfdLo";
    [
        token.to_owned(),
        format!(" {token}\n"),
        format!("\"{token}\""),
        format!("'{token}'"),
        format!("Bearer {token}"),
        format!("\"Bearer '{token}'\""),
        format!("{token}\u{a0}"),
        format!("\u{2003}{token}"),
        format!("Basic {token}"),
        "\"".to_owned(),
        "Bearer".to_owned(),
        String::new(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

fn seed_revoked_sessions() -> Vec<Vec<u8>> {
    const K: &str = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e";
    const UNTIL: &str = "2027-01-16T08:01:00Z";
    [
        format!("{K}@{UNTIL}"),
        format!("{K}:browser-tab-7@{UNTIL}"),
        format!(" {K}:tab%237%2Ca@{UNTIL} ,, {}@{UNTIL},", K.to_uppercase()),
        format!("{K}:%7E%21%22@9999-12-31T23:59:59Z"),
        format!("{K}:a b@{UNTIL}"),
        format!("{K}:s@2027-02-30T00:00:00Z"),
        format!("{K}:s@1969-12-31T23:59:59Z"),
        format!("{K}:%zz@{UNTIL}"),
        format!("{K}:{}@{UNTIL}", "s".repeat(65)),
        format!("{}@{UNTIL}", &K[1..]),
        "not-an-entry".to_owned(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

#[test]
#[ignore = "writes fuzz/corpus/<target>/ for a fuzzing session"]
fn write_seeds() {
    for (target, seeds) in [
        ("authorization", seed_authorization()),
        ("config", seed_config()),
        ("env_file", seed_env_file()),
        ("pasted_token", seed_pasted_token()),
        ("revoked_sessions", seed_revoked_sessions()),
        ("verify", seed_verify()),
    ] {
        let dir = fuzz_dir().join("corpus").join(target);
        fs::create_dir_all(&dir).expect("create the corpus directory");
        for (i, seed) in seeds.iter().enumerate() {
            fs::write(dir.join(format!("seed-{i:03}")), seed).expect("write a seed");
        }
        println!("{target}: {} seeds in {}", seeds.len(), dir.display());
    }
}

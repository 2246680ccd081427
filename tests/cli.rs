//! The `issue-client-key` binary, run as a user would, in a temporary directory.

#![cfg(feature = "cli")]

mod common;

use common::cli;

use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

const SECRET: &str = "5f0c4a7e9d2b8f1a3c6e0d9b7a5f3e1c2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a";
const OTHER_SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn dir_with_env(content: &str) -> TempDir {
    let dir = TempDir::new().expect("tempdir");
    std::fs::write(dir.path().join(".env"), content).expect("write .env");
    dir
}

struct Minted {
    key_id: String,
    token: String,
    stderr: String,
}

fn mint(dir: &Path, args: &[&str]) -> Minted {
    let out = cli(dir).args(args).output().expect("runs");
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(out.status.success(), "mint failed: {stderr}");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        stdout.lines().count(),
        1,
        "one JSON object on one line: {stdout}"
    );
    let json: Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    let object = json.as_object().expect("an object");
    assert_eq!(
        object.len(),
        2,
        "exactly key_id and key_access_token: {stdout}"
    );
    Minted {
        key_id: json["key_id"].as_str().expect("key_id").to_owned(),
        token: json["key_access_token"].as_str().expect("token").to_owned(),
        stderr,
    }
}

fn verify_json(dir: &Path, token: &str, keys: &str) -> Value {
    common::success_json(cli(dir).env("CLIENT_KEYS", keys).args(["verify", token]))
}

#[test]
fn secret_prints_64_fresh_hex_characters() {
    let dir = TempDir::new().expect("tempdir");
    let a = cli(dir.path()).arg("secret").output().expect("runs");
    let b = cli(dir.path()).arg("secret").output().expect("runs");
    assert!(a.status.success() && b.status.success());
    let (a, b) = (
        String::from_utf8(a.stdout).expect("utf-8"),
        String::from_utf8(b.stdout).expect("utf-8"),
    );
    for s in [&a, &b] {
        let hex = s.strip_suffix('\n').expect("newline-terminated");
        assert_eq!(hex.len(), 64);
        assert!(
            hex.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)),
            "{hex}"
        );
    }
    assert_ne!(a, b);
}

#[test]
fn mints_a_key_that_verifies_once_allowed() {
    let dir = dir_with_env(&format!("CLIENT_SECRET={SECRET}\nCLIENT_KEYS=\n"));
    let minted = mint(dir.path(), &[]);
    assert_eq!(minted.key_id.len(), 32);
    assert!(
        minted
            .key_id
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert!(minted.token.starts_with("ckey_"));
    assert_eq!(
        minted.token.len(),
        72,
        "a plain key's token stays under 80 characters"
    );
    assert!(minted.stderr.contains("CLIENT_KEYS"), "{}", minted.stderr);
    assert!(minted.stderr.contains(&minted.key_id));
    assert!(minted.stderr.contains("cannot be shown again"));
    assert!(
        !minted.stderr.contains(&minted.token),
        "the token is printed once, on stdout"
    );

    // Not yet in CLIENT_KEYS (the .env has it empty): refused with exit 1 and the reason.
    cli(dir.path())
        .args(["verify", &minted.token])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("is not in CLIENT_KEYS"));

    let json = verify_json(
        dir.path(),
        &minted.token,
        &format!("another-key, {}", minted.key_id),
    );
    assert_eq!(json["key_id"], minted.key_id.as_str());
    assert_eq!(json["kind"], "client_key");
    assert_eq!(json["name"], Value::Null);
    assert_eq!(json["scopes"], serde_json::json!([]));
    assert_eq!(json["expires_at"], Value::Null);
}

#[test]
fn claims_round_trip_through_verify() {
    let dir = dir_with_env(&format!("CLIENT_SECRET={SECRET}\n"));
    let minted = mint(
        dir.path(),
        &[
            "--name",
            "billing worker",
            "--scope",
            "write",
            "--scope",
            "read",
            "--meta",
            "team=payments",
            "--meta",
            "env=prod",
            "--expires-at",
            "2099-12-31",
        ],
    );
    let json = verify_json(dir.path(), &minted.token, &minted.key_id);
    assert_eq!(json["name"], "billing worker");
    assert_eq!(json["scopes"], serde_json::json!(["read", "write"]));
    assert_eq!(
        json["metadata"],
        serde_json::json!({"env": "prod", "team": "payments"})
    );
    assert_eq!(json["expires_at"], "2099-12-31T00:00:00Z");
}

#[test]
fn expires_in_sets_an_expiry_that_far_ahead() {
    let dir = dir_with_env(&format!("CLIENT_SECRET={SECRET}\n"));
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let minted = mint(dir.path(), &["--expires-in", "90d"]);
    let out = cli(dir.path())
        .args(["inspect", &minted.token])
        .output()
        .expect("runs");
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let at = json["expires_at"].as_str().expect("an expiry");
    let at: i64 = jiff_free_parse(at);
    let expected = i64::try_from(before).expect("fits") + 90 * 86_400;
    assert!(
        (expected..=expected + 60).contains(&at),
        "{at} vs {expected}"
    );
}

#[test]
fn the_last_second_of_year_9999_is_a_valid_expiry() {
    let dir = dir_with_env(&format!("CLIENT_SECRET={SECRET}\n"));
    for (given, shown) in [
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
        ("9999-12-31T23:00:00-00:30", "9999-12-31T23:30:00Z"),
        ("9999-12-31", "9999-12-31T00:00:00Z"),
    ] {
        let minted = mint(dir.path(), &["--expires-at", given]);
        let json = verify_json(dir.path(), &minted.token, &minted.key_id);
        assert_eq!(json["expires_at"], shown, "{given}");
    }
    // One second past the format's range: refused as out of range, not as unparseable.
    let out = cli(dir.path())
        .args(["--expires-at", "9999-12-31T23:59:59-00:01"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no later than 9999-12-31"), "{stderr}");
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (what the CLI prints) into unix seconds, independently.
fn jiff_free_parse(text: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| text[r].parse::<i64>().expect("digits");
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    // Days from civil (H. Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

#[test]
fn the_environment_wins_over_the_env_file() {
    let dir = dir_with_env(&format!("CLIENT_SECRET={SECRET}\n"));
    let out = cli(dir.path())
        .env("CLIENT_SECRET", OTHER_SECRET)
        .output()
        .expect("runs");
    assert!(out.status.success());
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let token = json["key_access_token"].as_str().expect("token");
    let key_id = json["key_id"].as_str().expect("key_id");
    // Verifies under the environment's secret, not the file's.
    cli(dir.path())
        .env("CLIENT_SECRET", OTHER_SECRET)
        .env("CLIENT_KEYS", key_id)
        .args(["verify", token])
        .assert()
        .success();
    cli(dir.path())
        .env("CLIENT_KEYS", key_id)
        .args(["verify", token])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "secret this server does not have",
        ));
}

#[test]
fn env_file_option_reads_that_file() {
    let dir = TempDir::new().expect("tempdir");
    let path = dir.path().join("prod.env");
    std::fs::write(&path, format!("CLIENT_SECRET={SECRET}\n")).expect("write");
    let minted = mint(dir.path(), &["--env-file", path.to_str().expect("utf-8")]);
    assert!(minted.token.starts_with("ckey_"));
    cli(dir.path())
        .args(["--env-file", "missing.env"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("missing.env"));
}

#[test]
fn a_bad_client_secret_exits_2_and_is_never_echoed() {
    let cases: &[(&str, &str)] = &[
        ("", "is empty"),
        (&SECRET[..63], "is 63 characters long"),
        (&format!("{SECRET}a"), "is 65 characters long"),
        (
            &format!("{}zz", &SECRET[..62]),
            "not hexadecimal at position 63",
        ),
        (&format!("\"{SECRET}\""), "quotes"),
        (&format!(" {SECRET}"), "whitespace"),
        (
            &format!("{} {}", &SECRET[..32], &SECRET[33..]),
            "not hexadecimal at position 33",
        ),
    ];
    let dir = TempDir::new().expect("tempdir");
    for (value, problem) in cases {
        let out = cli(dir.path())
            .env("CLIENT_SECRET", value)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{value:?}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8(out.stderr).expect("utf-8");
        assert!(stderr.contains("CLIENT_SECRET"), "{stderr}");
        assert!(stderr.contains(problem), "{value:?}: {stderr}");
        assert!(stderr.contains("issue-client-key secret"), "{stderr}");
        if value.len() > 8 {
            assert!(
                !stderr.contains(&value[1..value.len() - 1]),
                "value echoed: {stderr}"
            );
        }
    }
    // Missing entirely.
    cli(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("CLIENT_SECRET is not set"));
    // Quoted inside .env is fine: dotenv removes the quotes.
    let quoted = dir_with_env(&format!("CLIENT_SECRET=\"{SECRET}\"\n"));
    mint(quoted.path(), &[]);
}

#[test]
fn verify_reads_the_token_from_stdin() {
    let dir = dir_with_env(&format!("CLIENT_SECRET={SECRET}\n"));
    let minted = mint(dir.path(), &[]);
    let out = cli(dir.path())
        .env("CLIENT_KEYS", &minted.key_id)
        .arg("verify")
        .write_stdin(format!("{}\n", minted.token))
        .output()
        .expect("runs");
    assert!(out.status.success());
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["key_id"], minted.key_id.as_str());
}

#[test]
fn rejected_tokens_exit_1_with_the_reason_and_never_the_token() {
    let dir = dir_with_env(&format!("CLIENT_SECRET={SECRET}\nCLIENT_KEYS=\n"));
    let minted = mint(dir.path(), &[]);
    let mut tampered = minted.token.clone().into_bytes();
    tampered[40] = if tampered[40] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    for (token, reason) in [
        (tampered.as_str(), "tampered with or forged"),
        ("ckey_AAAA", "malformed token"),
        ("eyJhbGciOiJIUzI1NiJ9.e30.sig", "unknown token prefix"),
        (minted.token.as_str(), "not in CLIENT_KEYS"),
    ] {
        let out = cli(dir.path())
            .args(["verify", token])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "{token}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8(out.stderr).expect("utf-8");
        assert!(stderr.contains(reason), "{stderr}");
        assert!(!stderr.contains(token), "{stderr}");
    }
}

#[test]
fn verify_without_client_keys_is_a_configuration_error() {
    let dir = dir_with_env(&format!("CLIENT_SECRET={SECRET}\n"));
    let minted = mint(dir.path(), &[]);
    cli(dir.path())
        .args(["verify", &minted.token])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("CLIENT_KEYS is not set"));
}

#[test]
fn inspect_shows_a_revoked_key_and_its_secret() {
    let dir = dir_with_env(&format!("CLIENT_SECRET={SECRET}\n"));
    let minted = mint(dir.path(), &["--name", "leaky"]);
    // After a rotation: the token was minted under what is now a previous secret.
    let json = common::success_json(
        cli(dir.path())
            .env("CLIENT_SECRET", OTHER_SECRET)
            .env("CLIENT_SECRET_PREVIOUS", SECRET)
            .env("CLIENT_KEYS", "another-key")
            .args(["inspect", &minted.token]),
    );
    assert_eq!(json["key_id"], minted.key_id.as_str());
    assert_eq!(json["name"], "leaky");
    assert_eq!(json["in_client_keys"], false);
    assert_eq!(json["expired"], false);
    assert_eq!(json["minted_under"], "CLIENT_SECRET_PREVIOUS entry 1");
    // Without CLIENT_KEYS the allowlist answer is unknown, not "false".
    let out = cli(dir.path())
        .args(["inspect", &minted.token])
        .output()
        .expect("runs");
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["in_client_keys"], Value::Null);
    assert_eq!(json["minted_under"], "CLIENT_SECRET");
}

#[test]
fn bad_issuing_options_exit_2() {
    let dir = dir_with_env(&format!("CLIENT_SECRET={SECRET}\n"));
    for (args, message) in [
        (&["--expires-in", "soon"][..], "not a duration"),
        (&["--expires-at", "31/12/2099"][..], "not an RFC 3339 date"),
        (&["--expires-at", "2001-01-01"][..], "must be in the future"),
        (
            &["--expires-in", "1d", "--expires-at", "2099-01-01"][..],
            "cannot be used with",
        ),
        (&["--scope", "a b"][..], "scope"),
        (&["--meta", "novalue"][..], "KEY=VALUE"),
        (
            &["--name", &"n".repeat(65)][..],
            "name must be 1 to 64 bytes",
        ),
        (&["--frobnicate"][..], "unexpected argument"),
    ] {
        let out = cli(dir.path()).args(args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing minted");
        let stderr = String::from_utf8(out.stderr).expect("utf-8");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn help_documents_exit_codes_and_shows_no_environment_value() {
    let dir = TempDir::new().expect("tempdir");
    let out = cli(dir.path())
        .env("CLIENT_SECRET", SECRET)
        .env("CLIENT_KEYS", "sentinel-key-id")
        .arg("--help")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).expect("utf-8");
    assert!(help.contains("Exit codes: 0 success, 1 token rejected"));
    assert!(help.contains("CLIENT_SECRET_PREVIOUS"));
    assert!(!help.contains(SECRET) && !help.contains("sentinel-key-id"));
}

#[test]
fn exchange_prints_an_access_token_that_verify_and_inspect_understand() {
    let dir = dir_with_env(&format!("CLIENT_SECRET={SECRET}\n"));
    let minted = mint(dir.path(), &["--scope", "read", "--scope", "write"]);
    let out = cli(dir.path())
        .env("CLIENT_KEYS", &minted.key_id)
        .args([
            "exchange",
            "--ttl",
            "15m",
            "--session-id",
            "job-7",
            "--scope",
            "read",
        ])
        .write_stdin(minted.token.clone())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        json.as_object().map(serde_json::Map::len),
        Some(3),
        "{json}"
    );
    assert_eq!(json["token_type"], "Bearer");
    let expires_in = json["expires_in"].as_u64().expect("expires_in");
    assert!((675..=900).contains(&expires_in), "{expires_in}");
    let access = json["access_token"].as_str().expect("token");
    assert!(access.starts_with("ckat_"));

    let verified = verify_json(dir.path(), access, &minted.key_id);
    assert_eq!(verified["kind"], "access_token");
    assert_eq!(verified["key_id"], minted.key_id.as_str());
    assert_eq!(verified["scopes"], serde_json::json!(["read"]));
    assert_eq!(verified["session_id"], "job-7");
    // Revoked parent: the access token is refused too.
    cli(dir.path())
        .env("CLIENT_KEYS", "")
        .args(["verify", access])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("is not in CLIENT_KEYS"));
    let out = cli(dir.path())
        .args(["inspect", access])
        .output()
        .expect("runs");
    let inspected: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(inspected["kind"], "access_token");
}

#[test]
fn exchange_refuses_what_it_cannot_grant() {
    let dir = dir_with_env(&format!("CLIENT_SECRET={SECRET}\n"));
    let minted = mint(dir.path(), &["--scope", "read"]);
    for (args, code, message) in [
        (&["--scope", "write"][..], 2, "not granted"),
        (&["--ttl", "2d"][..], 2, "at most 24h"),
        (&["--session-id", "has space"][..], 2, "session id"),
    ] {
        let out = cli(dir.path())
            .env("CLIENT_KEYS", &minted.key_id)
            .arg("exchange")
            .arg(&minted.token)
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{args:?}"
        );
    }
    // An unknown key is a rejected token: exit 1.
    cli(dir.path())
        .env("CLIENT_KEYS", "")
        .args(["exchange", &minted.token])
        .assert()
        .code(1);
}

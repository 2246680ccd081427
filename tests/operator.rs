//! The operator workflow through the real binary: init, --save, revoke, rotate, check, with
//! real `.env` files that hold other variables which must come through untouched.

#![cfg(feature = "cli")]

mod common;

use common::cli;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::Output;

use serde_json::Value;
use tempfile::TempDir;

/// Lines an operator already has: every one must survive every edit byte for byte.
const TRICKY: &str = "# production settings\r\n\
export DATABASE_URL=\"postgres://app@db/app?sslmode=require\"\r\n\
\r\n\
GREETING='hello # not a comment'\r\n\
MULTI=\"line one\r\nCLIENT_KEYS=not-a-definition\r\nline three\"\r\n\
PATH_LIKE=${HOME}/bin # inline comment\r\n\
EMPTY=\r\n\
LAST=no-newline-at-end";

fn run(dir: &Path, args: &[&str]) -> Output {
    cli(dir).args(args).output().expect("runs")
}

fn ok(dir: &Path, args: &[&str]) -> Output {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every variable of a file as dotenvy reads it, in order.
fn parse(path: &Path) -> Vec<(String, String)> {
    dotenvy::from_path_iter(path)
        .expect("opens")
        .map(|item| item.expect("parses"))
        .collect()
}

fn others(vars: &[(String, String)]) -> Vec<(String, String)> {
    vars.iter()
        .filter(|(k, _)| !k.starts_with("CLIENT_"))
        .cloned()
        .collect()
}

fn var(path: &Path, name: &str) -> Option<String> {
    parse(path)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn keys_in(path: &Path) -> Vec<String> {
    var(path, "CLIENT_KEYS")
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn minted(out: &Output) -> (String, String) {
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    (
        json["key_id"].as_str().expect("key_id").to_owned(),
        json["key_access_token"].as_str().expect("token").to_owned(),
    )
}

/// The lines of `TRICKY` still appear, in order and byte for byte, in the file.
fn assert_original_lines_intact(path: &Path) {
    let now = std::fs::read_to_string(path).expect("reads");
    let mut rest = now.as_str();
    for line in TRICKY.split_inclusive("\r\n") {
        let at = rest
            .find(line)
            .unwrap_or_else(|| panic!("line {line:?} lost in:\n{now}"));
        rest = &rest[at + line.len()..];
    }
}

#[test]
fn from_an_existing_env_to_a_rotated_secret_with_every_other_line_untouched() {
    let dir = TempDir::new().expect("tempdir");
    let env = dir.path().join(".env");
    std::fs::write(&env, TRICKY).expect("write");
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let before = others(&parse(&env));
    assert_eq!(
        before.len(),
        6,
        "the fixture defines six variables: {before:?}"
    );

    ok(dir.path(), &["init"]);
    assert_original_lines_intact(&env);
    assert_eq!(var(&env, "CLIENT_SECRET").map(|s| s.len()), Some(64));
    assert_eq!(var(&env, "CLIENT_KEYS").as_deref(), Some(""));

    let mut tokens = Vec::new();
    for name in ["alpha", "beta", "gamma"] {
        let out = ok(dir.path(), &["--save", "--name", name]);
        let (key_id, token) = minted(&out);
        assert!(
            keys_in(&env).contains(&key_id),
            "printed token has its key id saved"
        );
        tokens.push((key_id, token));
    }
    assert_eq!(
        keys_in(&env),
        tokens.iter().map(|t| t.0.clone()).collect::<Vec<_>>()
    );
    assert!(
        std::fs::read_to_string(&env)
            .expect("reads")
            .contains(&format!(
                "CLIENT_KEYS=\"{}, {}, {}\"",
                tokens[0].0, tokens[1].0, tokens[2].0
            ))
    );

    // Revoke beta by its token, read from stdin.
    let out = cli(dir.path())
        .args(["revoke", "-"])
        .write_stdin(tokens[1].1.clone())
        .output()
        .expect("runs");
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        stdout.contains(&format!("revoked {}", tokens[1].0)),
        "{stdout}"
    );
    assert!(stdout.contains("2 key(s) remain"), "{stdout}");
    assert_eq!(keys_in(&env), [tokens[0].0.clone(), tokens[2].0.clone()]);

    let old_secret = var(&env, "CLIENT_SECRET").expect("secret");
    let out = ok(dir.path(), &["rotate"]);
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(stderr.contains("keep verifying until you remove it from CLIENT_SECRET_PREVIOUS"));
    assert!(!stderr.contains(&old_secret));
    let new_secret = var(&env, "CLIENT_SECRET").expect("secret");
    assert_ne!(new_secret, old_secret);
    assert_eq!(
        var(&env, "CLIENT_SECRET_PREVIOUS"),
        Some(old_secret.clone())
    );

    // Keys minted before the rotation still verify; the revoked one does not.
    ok(dir.path(), &["verify", &tokens[0].1]);
    assert_eq!(
        run(dir.path(), &["verify", &tokens[1].1]).status.code(),
        Some(1)
    );
    // A key minted now is under the new secret.
    let (new_id, new_token) = minted(&ok(dir.path(), &["--save"]));
    let inspected: Value =
        serde_json::from_slice(&ok(dir.path(), &["inspect", &new_token]).stdout).expect("JSON");
    assert_eq!(inspected["minted_under"], "CLIENT_SECRET");
    assert_eq!(inspected["key_id"], new_id.as_str());

    let report = ok(dir.path(), &["check"]);
    let report = String::from_utf8(report.stdout).expect("utf-8");
    assert!(report.contains("healthy"), "{report}");
    assert!(!report.contains(&new_secret) && !report.contains(&old_secret));

    // Through all of it: every other variable reads the same, every original line is intact,
    // the mode is kept.
    assert_eq!(others(&parse(&env)), before);
    assert_original_lines_intact(&env);
    let mode = std::fs::metadata(&env).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn init_creates_a_private_file_and_refuses_to_overwrite_a_secret() {
    let dir = TempDir::new().expect("tempdir");
    let env = dir.path().join("config.env");
    let path = env.to_str().expect("utf-8");
    ok(dir.path(), &["init", "--env-file", path]);
    let mode = std::fs::metadata(&env).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let before = std::fs::read(&env).expect("read");
    let out = run(dir.path(), &["init", "--env-file", path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already has a CLIENT_SECRET"));
    assert_eq!(
        std::fs::read(&env).expect("read"),
        before,
        "byte-for-byte unchanged"
    );
}

#[test]
fn a_failed_revoke_repeats_only_key_ids() {
    let dir = TempDir::new().expect("tempdir");
    ok(dir.path(), &["init"]);
    for typed in [
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "eyJhbGciOiJIUzI1NiJ9.eyJrZXlfaWQiOiJ4In0.c2lnbmF0dXJl",
        "AQFW-Xf1AAAAAAAAAAAAAAABgIoSSjgfEN0efrRyAZfgbQTTISmRG2wO8tjDMivfdLo",
    ] {
        let out = run(dir.path(), &["revoke", typed]);
        assert_eq!(out.status.code(), Some(1), "{typed}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("not in CLIENT_KEYS"), "{stderr}");
        assert!(!stderr.contains(typed), "{typed} was repeated: {stderr}");
    }
}

#[test]
fn revoke_by_id_in_any_case_and_not_listed_is_exit_1() {
    let dir = TempDir::new().expect("tempdir");
    ok(dir.path(), &["init"]);
    let (key_id, _) = minted(&ok(dir.path(), &["--save"]));
    let env = dir.path().join(".env");
    let before = std::fs::read(&env).expect("read");
    let out = run(dir.path(), &["revoke", "0123456789abcdef0123456789abcdef"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not in CLIENT_KEYS"));
    assert_eq!(std::fs::read(&env).expect("read"), before);
    ok(dir.path(), &["revoke", &key_id.to_uppercase()]);
    assert!(keys_in(&env).is_empty());
}

#[test]
fn legacy_ids_can_be_revoked_and_are_kept_otherwise() {
    let dir = TempDir::new().expect("tempdir");
    let env = dir.path().join(".env");
    std::fs::write(&env, "CLIENT_KEYS=\"xxx, another-key\"\n").expect("write");
    ok(dir.path(), &["init"]);
    let (key_id, _) = minted(&ok(dir.path(), &["--save"]));
    assert_eq!(keys_in(&env), ["xxx", "another-key", key_id.as_str()]);
    ok(dir.path(), &["revoke", "another-key"]);
    assert_eq!(keys_in(&env), ["xxx", key_id.as_str()]);
}

#[test]
fn sixteen_concurrent_saves_keep_all_sixteen_ids() {
    let dir = TempDir::new().expect("tempdir");
    ok(dir.path(), &["init"]);
    let bin = assert_cmd::cargo::cargo_bin("issue-client-key");
    let children: Vec<_> = (0..16)
        .map(|_| {
            std::process::Command::new(&bin)
                .arg("--save")
                .current_dir(dir.path())
                .env_remove("CLIENT_SECRET")
                .env_remove("CLIENT_KEYS")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("spawns")
        })
        .collect();
    let mut ids: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().expect("waits");
            assert!(out.status.success());
            minted(&out).0
        })
        .collect();
    let mut saved = keys_in(&dir.path().join(".env"));
    ids.sort();
    saved.sort();
    assert_eq!(saved, ids);
}

#[test]
fn a_file_that_does_not_parse_is_refused_and_nothing_is_minted() {
    let dir = TempDir::new().expect("tempdir");
    let env = dir.path().join(".env");
    let content = "CLIENT_SECRET=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\
                   CLIENT_KEYS=\nBROKEN='unterminated\n";
    std::fs::write(&env, content).expect("write");
    for args in [&["--save"][..], &["revoke", "x"], &["rotate"], &["init"]] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing printed");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("line 3"), "{args:?}: {stderr}");
        assert!(!stderr.contains("0123456789abcdef0123"), "{stderr}");
        assert_eq!(std::fs::read_to_string(&env).expect("read"), content);
    }
}

#[test]
fn client_keys_defined_twice_is_refused_naming_both_lines() {
    let dir = TempDir::new().expect("tempdir");
    let env = dir.path().join(".env");
    let content = "CLIENT_SECRET=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\
                   CLIENT_KEYS=\nOTHER=1\nCLIENT_KEYS=\n";
    std::fs::write(&env, content).expect("write");
    let out = run(dir.path(), &["--save"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stdout.is_empty(),
        "no token printed without its id saved"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("lines 2 and 4"));
    assert_eq!(std::fs::read_to_string(&env).expect("read"), content);
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("CLIENT_KEYS is defined twice in")
            && stdout.contains("(lines 2 and 4): keep one definition"),
        "{stdout}"
    );
}

#[test]
fn a_symlinked_env_stays_a_symlink() {
    let dir = TempDir::new().expect("tempdir");
    let real = dir.path().join("shared.env");
    ok(
        dir.path(),
        &["init", "--env-file", real.to_str().expect("utf-8")],
    );
    symlink("shared.env", dir.path().join(".env")).expect("symlink");
    let (key_id, _) = minted(&ok(dir.path(), &["--save"]));
    assert!(
        std::fs::symlink_metadata(dir.path().join(".env"))
            .expect("meta")
            .file_type()
            .is_symlink()
    );
    assert_eq!(keys_in(&real), [key_id]);
}

#[test]
fn a_readable_secret_file_is_warned_about() {
    let dir = TempDir::new().expect("tempdir");
    ok(dir.path(), &["init"]);
    let env = dir.path().join(".env");
    let quiet = ok(dir.path(), &[]);
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("readable by group or others"));
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let loud = ok(dir.path(), &[]);
    assert!(
        String::from_utf8_lossy(&loud.stderr)
            .contains("readable by group or others: run `chmod 600")
    );
    let report = ok(dir.path(), &["check"]);
    assert!(String::from_utf8_lossy(&report.stdout).contains("warning: "));
}

#[test]
fn check_reports_problems_without_showing_secrets() {
    let dir = TempDir::new().expect("tempdir");
    let env = dir.path().join(".env");
    let bad_previous = "ab".repeat(31);
    let secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    std::fs::write(
        &env,
        format!("CLIENT_SECRET={secret}\nCLIENT_SECRET_PREVIOUS={bad_previous},{secret}\nCLIENT_KEYS=\"a1, a1, another-key\"\n"),
    )
    .expect("write");
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let report = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        report.contains("CLIENT_SECRET_PREVIOUS entry 1 is 62 characters long"),
        "{report}"
    );
    assert!(
        report.contains("CLIENT_SECRET_PREVIOUS entry 2 is the current CLIENT_SECRET"),
        "{report}"
    );
    assert!(report.contains("more than once"), "{report}");
    assert!(
        report.contains("not 32-hex key ids (a1, another-key)"),
        "{report}"
    );
    assert!(report.contains("not healthy"), "{report}");
    assert!(
        !report.contains(secret) && !report.contains(&bad_previous),
        "{report}"
    );
}

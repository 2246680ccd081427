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
                "CLIENT_KEYS={},{},{}\r\n",
                tokens[0].0, tokens[1].0, tokens[2].0
            )),
        "a list is written unquoted, comma-separated, without spaces"
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
        // A JWT is read as a token (Trivial's, with CLIENT_SECRET_LEGACY), and refused here.
        let expected = if typed.starts_with("eyJ") {
            "token rejected"
        } else {
            "not in CLIENT_KEYS"
        };
        assert!(stderr.contains(expected), "{stderr}");
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
fn a_client_line_that_cannot_be_read_is_refused_and_nothing_is_minted() {
    let dir = TempDir::new().expect("tempdir");
    let env = dir.path().join(".env");
    let content = "CLIENT_SECRET=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\
                   OTHER=1\nCLIENT_KEYS='unterminated\n";
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

/// Trivial's guide's `.env`, verbatim, with the lines every Rails `.env` has: `--save`,
/// `revoke` and `rotate` edit the one value concerned and keep every other byte, the other
/// entries' spelling and the inline comments.
#[test]
fn trivials_env_is_edited_in_place_keeping_comments_and_entries() {
    let dir = TempDir::new().expect("tempdir");
    let env = dir.path().join(".env");
    let secret = "8d105ffc0a5b4c7e9f1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a596877";
    let original = format!(
        "CLIENT_SECRET={secret} # paste your secret here\n\
         CLIENT_KEYS=xxx, Another-Key # key_id from key\n\
         APP_NAME=My App\nWINPATH=C:\\Users\\me\nFLAG\n"
    );
    std::fs::write(&env, &original).expect("write");
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let (id, _) = minted(&ok(dir.path(), &["--save"]));
    let after_save = original.replace(
        "CLIENT_KEYS=xxx, Another-Key #",
        &format!("CLIENT_KEYS=xxx,Another-Key,{id} #"),
    );
    assert_eq!(std::fs::read_to_string(&env).expect("read"), after_save);
    ok(dir.path(), &["revoke", "xxx"]);
    assert_eq!(
        std::fs::read_to_string(&env).expect("read"),
        after_save.replace("=xxx,Another-Key,", "=Another-Key,")
    );
    ok(dir.path(), &["rotate"]);
    let now = std::fs::read_to_string(&env).expect("read");
    assert!(now.contains(" # paste your secret here\n"), "{now}");
    assert!(
        now.ends_with(&format!(
            "APP_NAME=My App\nWINPATH=C:\\Users\\me\nFLAG\nCLIENT_SECRET_PREVIOUS={secret}\n"
        )),
        "{now}"
    );
}

#[test]
fn a_reference_in_client_keys_is_refused_for_editing_with_the_reason() {
    let dir = TempDir::new().expect("tempdir");
    ok(dir.path(), &["init"]);
    let env = dir.path().join(".env");
    let content = std::fs::read_to_string(&env).expect("read").replace(
        "CLIENT_KEYS=",
        "CLIENT_KEYS=${OLD_KEYS},0123456789abcdef0123456789abcdef",
    );
    std::fs::write(&env, &content).expect("write");
    for args in [
        &["revoke", "0123456789abcdef0123456789abcdef"][..],
        &["--save"],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("CLIENT_KEYS at line 2"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("`$` references"), "{args:?}: {stderr}");
        assert_eq!(
            std::fs::read_to_string(&env).expect("read"),
            content,
            "not flattened"
        );
    }
}

#[test]
fn init_fills_an_empty_secret_copied_from_env_example() {
    let dir = TempDir::new().expect("tempdir");
    let env = dir.path().join(".env");
    let example =
        "# copy to .env and run `issue-client-key init`\nCLIENT_SECRET=\nCLIENT_KEYS=\nPORT=8080\n";
    std::fs::write(&env, example).expect("write");
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let out = ok(dir.path(), &["init"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Added a fresh CLIENT_SECRET"));
    let secret = var(&env, "CLIENT_SECRET").expect("secret");
    assert_eq!(secret.len(), 64);
    assert_eq!(
        std::fs::read_to_string(&env).expect("read"),
        example.replace("CLIENT_SECRET=\n", &format!("CLIENT_SECRET={secret}\n")),
        "filled in place"
    );
    ok(dir.path(), &["rotate"]);
    assert_eq!(var(&env, "CLIENT_SECRET_PREVIOUS"), Some(secret));
    // An empty secret is "no secret" for rotate too.
    std::fs::write(&env, example).expect("write");
    let out = run(dir.path(), &["rotate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no CLIENT_SECRET to rotate"));
}

#[test]
fn every_command_that_reads_or_writes_env_warns_when_it_is_readable() {
    let dir = TempDir::new().expect("tempdir");
    let env = dir.path().join(".env");
    std::fs::write(&env, "CLIENT_KEYS=\n").expect("write");
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let warned = |out: &Output| {
        String::from_utf8_lossy(&out.stderr).contains(
            ".env is readable by group or others and may hold CLIENT_SECRET: run `chmod 600",
        )
    };
    assert!(warned(&ok(dir.path(), &["init"])), "init");
    let (id, token) = minted(&ok(dir.path(), &["--save"]));
    for args in [
        &["--save"][..],
        &[],
        &["verify", &token],
        &["inspect", &token],
        &["exchange", &token],
        &["rotate"],
        &["revoke", &id],
    ] {
        assert!(warned(&ok(dir.path(), args)), "{args:?}");
    }
    // Once, not once per read.
    let out = ok(dir.path(), &["--save"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .matches("readable by group")
            .count(),
        1
    );
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    assert!(!warned(&ok(dir.path(), &["rotate"])), "private: no warning");
}

#[test]
fn save_refuses_when_the_environments_secret_is_not_the_files() {
    let dir = TempDir::new().expect("tempdir");
    ok(dir.path(), &["init"]);
    let env = dir.path().join(".env");
    let before = std::fs::read(&env).expect("read");
    let other = "ab".repeat(32);
    let out = cli(dir.path())
        .arg("--save")
        .env("CLIENT_SECRET", &other)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no token printed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("CLIENT_SECRET in the environment is not the one in"),
        "{stderr}"
    );
    assert!(!stderr.contains(&other), "{stderr}");
    assert_eq!(std::fs::read(&env).expect("read"), before, "nothing saved");
    // The same secret in both places is fine.
    let secret = var(&env, "CLIENT_SECRET").expect("secret");
    let out = cli(dir.path())
        .arg("--save")
        .env("CLIENT_SECRET", secret.to_uppercase())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn save_that_cannot_print_the_token_saves_nothing() {
    let dir = TempDir::new().expect("tempdir");
    ok(dir.path(), &["init"]);
    let env = dir.path().join(".env");
    let before = std::fs::read(&env).expect("read");
    let bin = assert_cmd::cargo::cargo_bin("issue-client-key");
    let run_to = |stdout: std::process::Stdio| {
        std::process::Command::new(&bin)
            .arg("--save")
            .current_dir(dir.path())
            .env_remove("CLIENT_SECRET")
            .env_remove("CLIENT_KEYS")
            .env_remove("CLIENT_SECRET_PREVIOUS")
            .stdout(stdout)
            .output()
            .expect("runs")
    };
    // A full disk: the id saved is removed again.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = run_to(full.into());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot write to stdout"), "{stderr}");
    assert!(stderr.contains("removed from CLIENT_KEYS"), "{stderr}");
    assert_eq!(std::fs::read(&env).expect("read"), before);
    // /dev/null, or a closed stdout (which Rust's runtime reopens on /dev/null): refused first.
    let out = run_to(std::process::Stdio::null());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stdout is /dev/null"), "{stderr}");
    assert_eq!(std::fs::read(&env).expect("read"), before);
    // Without --save nothing is kept, so nothing is refused.
    let out = std::process::Command::new(&bin)
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .output()
        .expect("runs");
    assert!(out.status.success());
}

#[test]
fn a_fifo_env_file_is_refused_at_once_by_every_command() {
    let dir = TempDir::new().expect("tempdir");
    let fifo = dir.path().join(".env");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    for args in [
        &["check"][..],
        &["--save"],
        &["rotate"],
        &["revoke", "x"],
        &["init"],
    ] {
        let out = cli(dir.path())
            .args(args)
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let text = String::from_utf8_lossy(&out.stderr) + String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("not a regular file"), "{args:?}: {text}");
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
            .contains("readable by group or others and may hold CLIENT_SECRET: run `chmod 600")
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
        report.contains("CLIENT_KEYS entry 1 (a1) is 2 characters long"),
        "{report}"
    );
    assert!(
        report.contains("CLIENT_KEYS entry 2 (a1) is 2 characters long"),
        "{report}"
    );
    assert!(
        report.contains("CLIENT_KEYS entry 3 (another-key) is not hexadecimal"),
        "{report}"
    );
    assert!(report.contains("not healthy"), "{report}");
    assert!(
        !report.contains(secret) && !report.contains(&bad_previous),
        "{report}"
    );
}

/// What `docker --env-file` makes of `CLIENT_KEYS="a, b"` (it keeps the quotes), a key id one
/// character short, and a leftover temporary copy of `.env`: each is a warning of its own.
#[test]
fn check_warns_about_every_entry_that_can_never_match_and_leftover_copies() {
    let dir = TempDir::new().expect("tempdir");
    ok(dir.path(), &["init"]);
    let (id, _) = minted(&ok(dir.path(), &["--save"]));
    let out = cli(dir.path())
        .arg("check")
        .env(
            "CLIENT_KEYS",
            format!("\"{id}, {}\", {}", "ab".repeat(16), &id[1..]),
        )
        .output()
        .expect("runs");
    assert!(out.status.success());
    let report = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        report.contains(&format!("CLIENT_KEYS entry 1 (\"{id}) has a quote")),
        "{report}"
    );
    assert!(
        report.contains("CLIENT_KEYS entry 2 (") && report.contains("\") has a quote"),
        "{report}"
    );
    assert!(
        report.contains("CLIENT_KEYS entry 3 (") && report.contains(") is 31 characters long"),
        "{report}"
    );
    let leftover = dir
        .path()
        .join(".env.client-keys-tmp-4242-00ff00ff00ff00ff");
    std::fs::copy(dir.path().join(".env"), &leftover).expect("copy");
    let report = String::from_utf8(ok(dir.path(), &["check"]).stdout).expect("utf-8");
    assert!(
        report.contains(".env.client-keys-tmp-4242-00ff00ff00ff00ff is a copy of"),
        "{report}"
    );
    assert!(leftover.exists(), "check changes nothing");
    ok(dir.path(), &["revoke", &id]);
    assert!(!leftover.exists(), "the next edit removes it");
}

/// A `.env` bind-mounted on its own (as `docker run -v ./.env:/app/.env` does) cannot be
/// renamed over: the command says so rather than suggesting a full disk. Needs `unshare
/// --mount` (root, or user namespaces): skipped where it is not available.
#[test]
fn a_bind_mounted_env_gets_the_true_reason() {
    let dir = TempDir::new().expect("tempdir");
    ok(dir.path(), &["init", "--env-file", "host.env"]);
    std::fs::write(dir.path().join(".env"), "").expect("mount point");
    let probe = std::process::Command::new("unshare")
        .args(["--mount", "true"])
        .output();
    if !probe.is_ok_and(|out| out.status.success()) {
        eprintln!("skipped: `unshare --mount` is not available here");
        return;
    }
    let before = std::fs::read(dir.path().join("host.env")).expect("read");
    let bin = assert_cmd::cargo::cargo_bin("issue-client-key");
    let out = std::process::Command::new("unshare")
        .args([
            "--mount",
            "sh",
            "-c",
            "mount --bind host.env .env && exec \"$0\" --save",
        ])
        .arg(&bin)
        .current_dir(dir.path())
        .env_remove("CLIENT_SECRET")
        .env_remove("CLIENT_KEYS")
        .env_remove("CLIENT_SECRET_PREVIOUS")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no token printed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("it is a mount point"), "{stderr}");
    assert!(!stderr.contains("disk"), "{stderr}");
    assert_eq!(
        std::fs::read(dir.path().join("host.env")).expect("read"),
        before
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("tmp")), "{names:?}");
}

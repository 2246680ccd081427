//! `issue-client-key migrate` through the real binary: a Trivial `.env`, as Trivial's guide
//! writes it, becomes a client-keys one in one edit that changes only the secret's value and
//! appends `CLIENT_SECRET_LEGACY`; it refuses to run twice, never shows a secret, and `check`
//! accepts the result.

#![cfg(feature = "cli")]

mod common;

use common::cli;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use serde_json::Value;
use tempfile::TempDir;

/// Trivial's secret, as its guide's `.env` holds it.
const OLD: &str = "8d105ffc0a5b4c7e9f1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a596877";

/// Trivial's guide's `.env`, verbatim, among the lines a Rails app's `.env` has.
fn trivial_env() -> String {
    format!(
        "# Trivial\n\
         APP_NAME=My App\n\
         CLIENT_SECRET={OLD} # paste your secret here\n\
         CLIENT_KEYS=xxx, another-key # key_id from key\n\
         MAIL_FROM=Support <support@example.com>\n\
         WINPATH=C:\\Users\\me\n\
         FLAG\n"
    )
}

fn env_with(content: &str, mode: u32) -> (TempDir, std::path::PathBuf) {
    let dir = TempDir::new().expect("tempdir");
    let env = dir.path().join(".env");
    std::fs::write(&env, content).expect("write");
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(mode)).expect("chmod");
    (dir, env)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    cli(dir).args(args).output().expect("runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("reads")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

/// The value of `name` as the servers read the file (the project's one `.env` reader).
fn var(path: &Path, name: &str) -> Option<String> {
    let file = client_keys::operator::EnvFile::open(path).expect("reads");
    file.value(name).expect("readable").map(str::to_owned)
}

#[test]
fn trivials_env_is_migrated_in_one_edit_that_keeps_every_other_byte() {
    let original = trivial_env();
    let (dir, env) = env_with(&original, 0o600);

    let out = run(dir.path(), &["migrate"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(out.stdout.is_empty(), "advice goes to stderr");

    let after = read(&env);
    let line = after
        .lines()
        .find_map(|l| l.strip_prefix("CLIENT_SECRET="))
        .expect("CLIENT_SECRET is still there");
    let new = line
        .strip_suffix(" # paste your secret here")
        .expect("the inline comment is kept");
    assert_eq!(new.len(), 64, "{new:?}");
    assert!(
        new.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{new:?}"
    );
    assert_ne!(new, OLD, "a fresh secret");
    // Every other byte as it was: only the secret's value changed, and the old one was
    // appended as CLIENT_SECRET_LEGACY.
    assert_eq!(
        after,
        format!("{}CLIENT_SECRET_LEGACY={OLD}\n", original.replace(OLD, new))
    );
    assert_eq!(var(&env, "CLIENT_SECRET_LEGACY").as_deref(), Some(OLD));
    assert_eq!(mode(&env), 0o600, "the file's mode is kept");

    for secret in [OLD, new] {
        assert!(!stderr.contains(secret), "a secret was printed: {stderr}");
    }
    assert!(stderr.contains("CLIENT_SECRET_LEGACY"), "{stderr}");
    assert!(stderr.contains("2 of them Trivial id(s)"), "{stderr}");
    assert!(
        stderr.contains("only verifies Trivial's JWTs"),
        "the old secret was 64 hex: {stderr}"
    );
    assert!(
        stderr.contains("issue-client-key --save --name")
            && stderr.contains("legacy token")
            && stderr.contains("issue-client-key revoke ID"),
        "the next steps: {stderr}"
    );

    // `check` accepts the result (warning about the Trivial ids), and shows no secret.
    let check = run(dir.path(), &["check"]);
    let report = text(&check.stdout) + &text(&check.stderr);
    assert!(check.status.success(), "{report}");
    for secret in [OLD, new] {
        assert!(!report.contains(secret), "{report}");
    }

    // New keys are minted under the new secret and saved next to Trivial's ids.
    let minted = run(dir.path(), &["--save", "--name", "billing"]);
    assert!(minted.status.success(), "{}", text(&minted.stderr));
    let json: Value = serde_json::from_slice(&minted.stdout).expect("JSON");
    let token = json["key_access_token"].as_str().expect("token");
    let verified = run(dir.path(), &["verify", token]);
    assert!(verified.status.success(), "{}", text(&verified.stderr));
    assert!(read(&env).contains("CLIENT_KEYS=xxx,another-key,"));

    // Never twice: exit 2, and the file is left byte for byte.
    let before = std::fs::read(&env).expect("reads");
    let again = run(dir.path(), &["migrate"]);
    let stderr = text(&again.stderr);
    assert_eq!(again.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("already has a CLIENT_SECRET_LEGACY"),
        "{stderr}"
    );
    assert!(!stderr.contains(OLD) && !stderr.contains(new), "{stderr}");
    assert_eq!(std::fs::read(&env).expect("reads"), before);
}

#[test]
fn any_secret_text_moves_exactly_and_is_never_shown() {
    // Trivial's secret need not be hex: whatever text it is, it is the HMAC key.
    let secret = "rails secret, with spaces #1";
    let original =
        format!("CLIENT_SECRET='{secret}'\nCLIENT_KEYS=0123456789abcdef0123456789abcd\n");
    let (dir, env) = env_with(&original, 0o600);

    let out = run(dir.path(), &["migrate"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(var(&env, "CLIENT_SECRET_LEGACY").as_deref(), Some(secret));
    let new = var(&env, "CLIENT_SECRET").expect("CLIENT_SECRET");
    assert!(client_keys::ClientSecret::from_hex(&new).is_ok(), "64 hex");
    assert_eq!(
        var(&env, "CLIENT_KEYS").as_deref(),
        Some("0123456789abcdef0123456789abcd")
    );
    assert!(
        !stderr.contains("rails secret") && !stderr.contains(&new),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 entry, 1 of them Trivial id(s)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("only verifies Trivial's JWTs"),
        "not a secret of this tool: {stderr}"
    );
    let check = run(dir.path(), &["check"]);
    assert!(check.status.success(), "{}", text(&check.stdout));
}

#[test]
fn a_file_without_a_secret_is_refused_and_left_as_it_was() {
    for content in [
        "APP_NAME=My App\nCLIENT_KEYS=xxx, another-key # key_id from key\n",
        "CLIENT_SECRET=\nCLIENT_KEYS=\n",
    ] {
        let (dir, env) = env_with(content, 0o600);
        let out = run(dir.path(), &["migrate"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("no CLIENT_SECRET to migrate"), "{stderr}");
        assert!(stderr.contains("issue-client-key init"), "{stderr}");
        assert_eq!(read(&env), content);
    }

    let dir = TempDir::new().expect("tempdir");
    let out = run(dir.path(), &["migrate", "--env-file", "missing.env"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(!dir.path().join("missing.env").exists(), "nothing created");
}

#[test]
fn env_file_names_the_file_and_warnings_show_no_value() {
    let (dir, env) = env_with(&trivial_env(), 0o644);
    let moved = dir.path().join("trivial.env");
    std::fs::rename(&env, &moved).expect("rename");
    let from_environment = "f".repeat(64);

    let out = cli(dir.path())
        .args(["migrate", "--env-file", "trivial.env"])
        .env("CLIENT_SECRET", &from_environment)
        .output()
        .expect("runs");
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(var(&moved, "CLIENT_SECRET_LEGACY").as_deref(), Some(OLD));
    assert!(stderr.contains("chmod 600"), "readable by others: {stderr}");
    assert_eq!(mode(&moved), 0o644, "the mode is kept (and warned about)");
    assert!(
        stderr.contains("CLIENT_SECRET is also set in the environment"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(&from_environment) && !stderr.contains(OLD),
        "{stderr}"
    );
}

/// A key id and its token, made by Ruby's `jwt` gem as Trivial's `issue_client_key!` makes them
/// (`.ci/run` installs `ruby` and `ruby-jwt`).
fn trivial_key(secret: &str) -> (String, String) {
    let out = std::process::Command::new("ruby")
        .args([
            "-rjwt",
            "-rsecurerandom",
            "-e",
            "key_id = SecureRandom.hex(15)\n\
             puts key_id\n\
             puts JWT.encode({key_id: key_id}, ARGV[0], 'HS256')",
            secret,
        ])
        .output()
        .expect("ruby runs (install ruby and ruby-jwt)");
    assert!(out.status.success(), "ruby: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines().map(str::to_owned);
    (lines.next().expect("key id"), lines.next().expect("token"))
}

#[test]
fn after_migrate_trivials_tokens_verify_until_their_id_is_revoked() {
    let secret = "Trivial's secret: any text";
    let (id, token) = trivial_key(secret);
    let (dir, env) = env_with(
        &format!("CLIENT_SECRET=\"{secret}\"\nCLIENT_KEYS={id}, another-key # key_id from key\n"),
        0o600,
    );
    let before = run(dir.path(), &["verify", &token]);
    assert!(!before.status.success(), "not before the migration");

    let out = run(dir.path(), &["migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(var(&env, "CLIENT_SECRET_LEGACY").as_deref(), Some(secret));

    let verified = run(dir.path(), &["verify", &token]);
    assert!(verified.status.success(), "{}", text(&verified.stderr));
    let json: Value = serde_json::from_slice(&verified.stdout).expect("JSON");
    assert_eq!(json["key_id"].as_str(), Some(id.as_str()));
    assert_eq!(
        json["scopes"],
        serde_json::json!([]),
        "Trivial's keys have no scopes"
    );

    let revoked = run(dir.path(), &["revoke", &id]);
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    let refused = run(dir.path(), &["verify", &token]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
}

#[test]
fn what_migrate_returns_shows_no_secret() {
    use client_keys::operator::{ConfigFile, ConfigFileError};

    let (_dir, env) = env_with(&trivial_env(), 0o600);
    let file = ConfigFile::new(&env);
    let done = file.migrate().expect("migrates");
    let new = var(&env, "CLIENT_SECRET").expect("CLIENT_SECRET");
    assert_eq!(
        client_keys::ClientSecret::from_hex(&new).expect("hex").id(),
        done.secret_id
    );
    let again = file.migrate().expect_err("twice");
    assert!(matches!(again, ConfigFileError::AlreadyMigrated { .. }));
    let (_empty_dir, empty) = env_with("CLIENT_KEYS=xxx\n", 0o600);
    let none = ConfigFile::new(&empty).migrate().expect_err("no secret");
    assert!(matches!(none, ConfigFileError::NoSecretToMigrate { .. }));
    for shown in [
        format!("{done:?}"),
        format!("{again} {again:?}"),
        format!("{none} {none:?}"),
    ] {
        assert!(!shown.contains(OLD) && !shown.contains(&new), "{shown}");
    }
}

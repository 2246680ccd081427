//! Revoking one session from the command line: `revoke <access token>` and
//! `revoke --session SESSION_ID KEY_ID` add it to `CLIENT_REVOKED_SESSIONS` in `.env`, and
//! `verify` then refuses that session alone.

mod common;

use std::path::Path;

use common::cli;
use serde_json::Value;

/// `init`, then one key minted and saved; returns the token and its key id.
fn set_up(dir: &Path) -> (String, String) {
    cli(dir).arg("init").assert().success();
    let out = cli(dir)
        .args(["--save", "--scope", "read"])
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    (
        json["key_access_token"].as_str().expect("token").to_owned(),
        json["key_id"].as_str().expect("key id").to_owned(),
    )
}

fn exchange(dir: &Path, key: &str, session: Option<&str>) -> String {
    let mut cmd = cli(dir);
    cmd.arg("exchange").arg(key);
    if let Some(session) = session {
        cmd.args(["--session-id", session]);
    }
    let out = cmd.assert().success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    json["access_token"].as_str().expect("token").to_owned()
}

fn verify(dir: &Path, token: &str) -> (i32, String) {
    let out = cli(dir).args(["verify", token]).output().expect("runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn env_line(dir: &Path, name: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(".env"))
        .expect("read .env")
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")).map(str::to_owned))
}

#[test]
fn revoking_an_access_token_revokes_its_session_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (key, key_id) = set_up(dir.path());
    let tab_a = exchange(dir.path(), &key, Some("tab-a"));
    let tab_b = exchange(dir.path(), &key, Some("tab-b"));
    let keys_before = env_line(dir.path(), "CLIENT_KEYS");

    let out = cli(dir.path())
        .args(["revoke", "-"])
        .write_stdin(format!("{tab_a}\n"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stdout.starts_with(&format!("revoked session \"tab-a\" of key_id {key_id}")),
        "{stdout}"
    );
    // It says the parent lives on, and how to revoke it too.
    assert!(stderr.contains("keep working"), "{stderr}");
    assert!(
        stderr.contains(&format!("issue-client-key revoke {key_id}")),
        "{stderr}"
    );
    assert!(!stdout.contains(&tab_a[5..]) && !stderr.contains(&tab_a[5..]));

    // The parent is still listed, and the session is in the deny-list.
    assert_eq!(env_line(dir.path(), "CLIENT_KEYS"), keys_before);
    let listed = env_line(dir.path(), "CLIENT_REVOKED_SESSIONS").expect("the variable");
    assert!(listed.starts_with(&format!("{key_id}:tab-a@")), "{listed}");

    let (code, stderr) = verify(dir.path(), &tab_a);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("is revoked (CLIENT_REVOKED_SESSIONS)"),
        "{stderr}"
    );
    assert_eq!(verify(dir.path(), &tab_b).0, 0);
    assert_eq!(verify(dir.path(), &key).0, 0);

    // A new exchange for the revoked session is refused; another session id works.
    let again = cli(dir.path())
        .args(["exchange", &key, "--session-id", "tab-a"])
        .output()
        .expect("runs");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("start a new session"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let tab_c = exchange(dir.path(), &key, Some("tab-c"));
    assert_eq!(verify(dir.path(), &tab_c).0, 0);
}

#[test]
fn a_session_is_revoked_by_its_id_without_the_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (key, key_id) = set_up(dir.path());
    let odd = "tab#7,a\"b";
    let tab = exchange(dir.path(), &key, Some(odd));
    let default = exchange(dir.path(), &key, None);
    cli(dir.path())
        .args(["revoke", "--session", odd, &key_id])
        .assert()
        .success();
    assert_eq!(verify(dir.path(), &tab).0, 1);
    assert_eq!(verify(dir.path(), &default).0, 0);

    cli(dir.path())
        .args(["revoke", "--default-session", &key_id])
        .assert()
        .success();
    let (code, stderr) = verify(dir.path(), &default);
    assert_eq!(code, 1);
    assert!(stderr.contains("minted without a session id"), "{stderr}");
    assert_eq!(verify(dir.path(), &key).0, 0);
    // Two entries, unquoted, without spaces.
    let listed = env_line(dir.path(), "CLIENT_REVOKED_SESSIONS").expect("the variable");
    assert_eq!(listed.split(',').count(), 2, "{listed}");
    assert!(!listed.contains(' ') && !listed.contains('"'), "{listed}");
}

#[test]
fn bad_session_arguments_are_usage_errors_that_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (key, key_id) = set_up(dir.path());
    let before = std::fs::read(dir.path().join(".env")).expect("read");
    // A token where the parent's key id belongs: refused without echoing it.
    let out = cli(dir.path())
        .args(["revoke", "--session", "s", &key])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("parent key's id"), "{stderr}");
    assert!(!stderr.contains(&key[5..]), "{stderr}");
    // A session id no token can carry.
    let out = cli(dir.path())
        .args(["revoke", "--session", "a b", &key_id])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("visible ASCII"));
    assert_eq!(
        std::fs::read(dir.path().join(".env")).expect("read"),
        before
    );
}

#[test]
fn check_reports_the_deny_list_and_what_can_be_pruned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, key_id) = set_up(dir.path());
    let env = dir.path().join(".env");
    let mut text = std::fs::read_to_string(&env).expect("read");
    text.push_str(&format!(
        "CLIENT_REVOKED_SESSIONS={key_id}:old@2020-01-01T00:00:00Z,{key_id}:new@9999-01-01T00:00:00Z\n"
    ));
    std::fs::write(&env, &text).expect("write");
    let out = cli(dir.path()).arg("check").output().expect("runs");
    let report =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(report.contains("revokes 2 session(s)"), "{report}");
    assert!(
        report.contains("1 entr(ies) whose time has passed"),
        "{report}"
    );
    assert_eq!(out.status.code(), Some(0), "{report}");

    // The next session revocation prunes the passed entry and keeps the other.
    cli(dir.path())
        .args(["revoke", "--session", "newer", &key_id])
        .assert()
        .success();
    let listed = env_line(dir.path(), "CLIENT_REVOKED_SESSIONS").expect("the variable");
    assert!(!listed.contains(":old@"), "{listed}");
    assert!(listed.contains(":new@9999"), "{listed}");
    assert!(listed.contains(":newer@"), "{listed}");

    // A malformed list is an error for check, and every server refuses it.
    std::fs::write(
        &env,
        text.replace(":old@2020-01-01T00:00:00Z", ":old@yesterday"),
    )
    .expect("write");
    let out = cli(dir.path()).arg("check").output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let report =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        report.contains("CLIENT_REVOKED_SESSIONS entry 1"),
        "{report}"
    );
}

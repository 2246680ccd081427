//! Secret hygiene: a sentinel `CLIENT_SECRET` (and `CLIENT_SECRET_PREVIOUS`) and sentinel
//! tokens never appear in the binary's stdout or stderr, on any command or error path, nor in
//! the `Debug`/`Display` text of any public type or error, nor in panic messages; secrets and
//! token buffers are wiped when dropped.
//!
//! "Appear" is strict: the whole value, its upper-case form, or any 16-character slice of it
//! (for tokens, any 16-character slice of the random part after the shared prefix and header).

#![cfg(feature = "cli")]

mod common;

use common::cli;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use client_keys::operator::{CheckReport, ConfigFile, EnvFile};
use client_keys::{
    AccessRequest, Allowlist, Claims, ClientSecret, Config, IssuedKey, Issuer, KeyId,
    SharedVerifier, TokenKind, Verifier,
};
use serde_json::Value;
use tempfile::TempDir;

/// The sentinel secret: distinctive, and used nowhere else.
const S: &str = "5e5e871693b74010de69b166cf6b89a247aec4cdc0a2a675bb629737e70400b3";
/// The sentinel previous secret.
const P: &str = "9e9e2c4728cb848c8cb6f9dc7ff812b013ea24a23fb1c7f33ff95dc3cc433ff8";
/// A secret the configuration does not know.
const OTHER: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
/// Where a token's random part starts: prefix (5) and base64url of the 6-byte header (8).
const TOKEN_RANDOM_START: usize = 13;

// ---------------------------------------------------------------------------
// Sentinels and the check
// ---------------------------------------------------------------------------

/// Tokens minted for the test; none of them may ever be echoed.
struct Sentinels {
    /// A client key under `S`, listed in `CLIENT_KEYS`, scopes `read` and `write`.
    token: String,
    key_id: String,
    /// A client key under `P` (the previous secret), listed.
    old_token: String,
    old_key_id: String,
    /// An access token for `token` (session `sentinel-session`, scope `read`).
    access: String,
    /// A client key under `S` whose id is not listed.
    not_allowed: String,
    /// A client key under a secret the configuration does not have.
    unknown: String,
    /// `token` with one character changed.
    tampered: String,
}

impl Sentinels {
    fn new() -> Sentinels {
        let claims = Claims::new()
            .with_name("sentinel")
            .with_scope("read")
            .with_scope("write");
        let issued = common::issuer(S)
            .expect("issuer")
            .issue(&claims)
            .expect("issue");
        let old = common::issuer(P)
            .expect("issuer")
            .issue(&Claims::new())
            .expect("issue");
        let not_allowed = common::issuer(S)
            .expect("issuer")
            .issue(&Claims::new())
            .expect("issue");
        let unknown = common::issuer(OTHER)
            .expect("issuer")
            .issue(&Claims::new())
            .expect("issue");
        let verifier = common::verifier(S, &issued.key_id().to_string()).expect("verifier");
        let request = AccessRequest::new()
            .with_session_id("sentinel-session")
            .with_scope("read");
        let access = client_keys::AccessIssuer::new(verifier.clone())
            .exchange(token(&issued), &request)
            .expect("exchange");
        Sentinels {
            token: token(&issued).to_owned(),
            key_id: issued.key_id().to_string(),
            old_token: token(&old).to_owned(),
            old_key_id: old.key_id().to_string(),
            access: access.token().expose_secret().to_owned(),
            not_allowed: token(&not_allowed).to_owned(),
            unknown: token(&unknown).to_owned(),
            tampered: tamper(token(&issued)),
        }
    }

    /// `CLIENT_KEYS` of the sentinel configuration.
    fn keys(&self) -> String {
        format!("{}, {}, legacy-entry", self.key_id, self.old_key_id)
    }

    fn tokens(&self) -> Vec<&str> {
        vec![
            &self.token,
            &self.old_token,
            &self.access,
            &self.not_allowed,
            &self.unknown,
            &self.tampered,
            expired().0.as_str(),
        ]
    }

    /// What must never appear, each with a label for the failure message.
    fn needles(&self) -> Vec<(String, String)> {
        let mut needles = Vec::new();
        for (name, secret) in [("CLIENT_SECRET", S), ("CLIENT_SECRET_PREVIOUS", P)] {
            for form in [secret.to_owned(), secret.to_uppercase()] {
                for start in 0..=form.len() - 16 {
                    needles.push((
                        format!("{name} sentinel, chars {start}..{}", start + 16),
                        form[start..start + 16].to_owned(),
                    ));
                }
            }
        }
        for (i, token) in self.tokens().into_iter().enumerate() {
            needles.push((format!("sentinel token {i}"), token.to_owned()));
            for start in TOKEN_RANDOM_START..=token.len() - 16 {
                needles.push((
                    format!("sentinel token {i}, chars {start}..{}", start + 16),
                    token[start..start + 16].to_owned(),
                ));
            }
        }
        needles
    }
}

fn token(issued: &IssuedKey) -> &str {
    issued.token().expose_secret()
}

fn tamper(token: &str) -> String {
    let mut bytes = token.as_bytes().to_vec();
    bytes[40] = if bytes[40] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).expect("ASCII")
}

fn sentinels() -> &'static Sentinels {
    static SENTINELS: OnceLock<Sentinels> = OnceLock::new();
    SENTINELS.get_or_init(Sentinels::new)
}

fn needles() -> &'static [(String, String)] {
    static NEEDLES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    NEEDLES.get_or_init(|| sentinels().needles())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// A client key under `S` (listed in no allowlist) that has expired, and its key id. Made once;
/// waits for the clock to pass its expiry (about a second), with no timing assertion.
fn expired() -> &'static (String, String) {
    static EXPIRED: OnceLock<(String, String)> = OnceLock::new();
    EXPIRED.get_or_init(|| {
        let at = now() + 1;
        let issued = common::issuer(S)
            .expect("issuer")
            .issue(&Claims::new().with_expires_at(at))
            .expect("issue");
        while now() <= at {
            std::thread::sleep(Duration::from_millis(50));
        }
        (token(&issued).to_owned(), issued.key_id().to_string())
    })
}

/// Fails if `text` holds any sentinel.
fn assert_clean(context: &str, text: &str) {
    if let Some((label, _)) = needles()
        .iter()
        .find(|(_, needle)| text.contains(needle.as_str()))
    {
        panic!("{context}: shows the {label}:\n{text}");
    }
}

// ---------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------

/// The binary with the sentinel configuration in the environment.
fn cli_env(dir: &Path) -> Command {
    let mut cmd = cli(dir);
    cmd.env("CLIENT_SECRET", S)
        .env("CLIENT_SECRET_PREVIOUS", P)
        .env("CLIENT_KEYS", sentinels().keys());
    cmd
}

fn sentinel_env_file() -> String {
    format!(
        "# sentinel configuration\nCLIENT_SECRET={S}\nCLIENT_SECRET_PREVIOUS=\"{P}\"\nCLIENT_KEYS=\"{}\"\n",
        sentinels().keys()
    )
}

fn write_private(path: &Path, content: &[u8]) {
    std::fs::write(path, content).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

fn dir_with_env(content: &[u8]) -> TempDir {
    let dir = TempDir::new().expect("tempdir");
    write_private(&dir.path().join(".env"), content);
    dir
}

/// Runs `cmd` (with `stdin`), checks its exit code when given, and checks that neither stream
/// shows a sentinel, and that a token the command printed on stdout is not on stderr.
fn run(context: &str, cmd: &mut Command, stdin: Option<&str>, code: Option<i32>) -> Output {
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_owned());
    }
    let out = cmd.output().expect("runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    if let Some(code) = code {
        assert_eq!(out.status.code(), Some(code), "{context}: {stderr}");
    }
    assert_clean(&format!("{context}, stdout"), &stdout);
    assert_clean(&format!("{context}, stderr"), &stderr);
    if let Ok(json) = serde_json::from_str::<Value>(&stdout) {
        for field in ["key_access_token", "access_token"] {
            if let Some(printed) = json[field].as_str() {
                assert!(
                    !stderr.contains(printed),
                    "{context}: the new {field} is on stderr"
                );
            }
        }
    }
    out
}

struct Case {
    args: Vec<String>,
    stdin: Option<String>,
    code: i32,
}

fn case(args: &[&str], code: i32) -> Case {
    Case {
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        stdin: None,
        code,
    }
}

fn case_stdin(args: &[&str], stdin: &str, code: i32) -> Case {
    Case {
        stdin: Some(format!("{stdin}\n")),
        ..case(args, code)
    }
}

/// Commands that read the sentinel configuration and change nothing, with their exit codes.
fn read_only_cases() -> Vec<Case> {
    let s = sentinels();
    let (expired, _) = expired();
    let long_name = "n".repeat(65);
    let mut cases = vec![
        // Mint.
        case(&[], 0),
        case(
            &[
                "--name",
                "hygiene",
                "--scope",
                "read",
                "--meta",
                "team=a",
                "--expires-in",
                "90d",
            ],
            0,
        ),
        case(&["--scope", "a b"], 2),
        case(&["--name", &long_name], 2),
        case(&["--meta", "novalue"], 2),
        case(&["--meta", "k=\u{7}"], 2),
        case(&["--expires-in", "soon"], 2),
        case(&["--expires-at", "2001-01-01"], 2),
        case(&["--expires-at", "31/12/2099"], 2),
        case(&["--expires-in", "1d", "--expires-at", "2099-01-01"], 2),
        case(&["--frobnicate"], 2),
        case(&["secret"], 0),
        case(&["check"], 0),
        case(&["--env-file", "missing.env"], 2),
    ];
    for (command, not_allowed_code, expired_code) in [("verify", 1, 1), ("inspect", 0, 0)] {
        cases.extend([
            case(&[command, &s.token], 0),
            case(&[command, &s.old_token], 0),
            case(&[command, &s.access], 0),
            case(&[command, &s.tampered], 1),
            case(&[command, &s.not_allowed], not_allowed_code),
            case(&[command, &s.unknown], 1),
            case(&[command, expired], expired_code),
            case(&[command, "ckey_AAAA"], 1),
            // One input rule for every command: a pasted header or quoted token is read, ASCII
            // whitespace around it is trimmed, anything else around it is refused.
            case(&[command, &format!("Bearer {}", s.token)], 0),
            case(&[command, &format!("\"{}\"", s.token)], 0),
            case(&[command, &format!(" {}\t\r\n", s.token)], 0),
            case(&[command, &format!("{}\u{a0}", s.token)], 1),
            case(&[command, &format!("\u{2003}{}", s.token)], 1),
            case(&[command, S], 1),
            case(&[command, &S.to_uppercase()], 1),
            case_stdin(&[command], &s.token, 0),
            case_stdin(&[command, "-"], &s.access, 0),
            case_stdin(&[command, "-"], &s.tampered, 1),
            case_stdin(&[command], "", 2),
        ]);
    }
    cases.extend([
        case(&["exchange", &s.token], 0),
        case(
            &[
                "exchange",
                &s.token,
                "--scope",
                "read",
                "--ttl",
                "15m",
                "--session-id",
                "s-1",
            ],
            0,
        ),
        case(&["exchange", &s.old_token], 0),
        case(&["exchange", &s.token, "--scope", "admin"], 2),
        case(&["exchange", &s.token, "--ttl", "25h"], 2),
        case(&["exchange", &s.token, "--ttl", "0s"], 2),
        case(&["exchange", &s.token, "--session-id", "two words"], 2),
        case(&["exchange", &s.access], 1),
        case(&["exchange", &s.tampered], 1),
        case(&["exchange", &s.not_allowed], 1),
        case(&["exchange", &s.unknown], 1),
        case(&["exchange", expired], 1),
        case(&["exchange", S], 1),
        case_stdin(&["exchange"], &s.token, 0),
        case_stdin(&["exchange", "-", "--scope", "write"], &s.token, 0),
    ]);
    cases
}

fn run_cases(context: &str, dir: &Path, with_env: bool, cases: &[Case]) {
    for c in cases {
        let mut cmd = if with_env { cli_env(dir) } else { cli(dir) };
        cmd.args(&c.args);
        run(
            &format!("{context}: {:?}", c.args),
            &mut cmd,
            c.stdin.as_deref(),
            Some(c.code),
        );
    }
}

#[test]
fn read_only_commands_with_the_secret_in_the_environment() {
    let dir = TempDir::new().expect("tempdir");
    run_cases("environment", dir.path(), true, &read_only_cases());
    // The upper-case form of the secret is the same secret.
    let mut cmd = cli(dir.path());
    cmd.env("CLIENT_SECRET", S.to_uppercase())
        .env("CLIENT_KEYS", sentinels().keys());
    run("upper-case secret, mint", &mut cmd, None, Some(0));
    let mut cmd = cli(dir.path());
    cmd.env("CLIENT_SECRET", S.to_uppercase())
        .env("CLIENT_KEYS", sentinels().keys())
        .args(["verify", &sentinels().token]);
    run("upper-case secret, verify", &mut cmd, None, Some(0));
}

#[test]
fn read_only_commands_with_the_secret_in_the_env_file() {
    let dir = dir_with_env(sentinel_env_file().as_bytes());
    run_cases(".env", dir.path(), false, &read_only_cases());
    // A file readable by others is warned about, by path only.
    std::fs::set_permissions(
        dir.path().join(".env"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    let out = run(
        "0644 .env, mint",
        cli(dir.path()).arg("--save"),
        None,
        Some(0),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("readable by group or others"));
    let out = run(
        "0644 .env, check",
        cli(dir.path()).arg("check"),
        None,
        Some(0),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("warning"));
    // The environment differs from the file: named, not shown.
    let mut cmd = cli(dir.path());
    cmd.env("CLIENT_SECRET", P).arg("check");
    let out = run(
        "environment differs from .env, check",
        &mut cmd,
        None,
        Some(0),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("different values"));
}

#[test]
fn editing_commands_never_show_the_sentinels() {
    let s = sentinels();
    let dir = dir_with_env(sentinel_env_file().as_bytes());
    let path = dir.path();
    let steps = [
        case(&["--save", "--name", "saved"], 0),
        case(&["init"], 2),
        case(&["revoke", "0123456789abcdef0123456789abcdef"], 1),
        case(&["revoke", &s.tampered], 1),
        case(&["revoke", &s.unknown], 1),
        case(&["revoke", &s.not_allowed], 1),
        case_stdin(&["revoke", "-"], &s.token, 0),
        case(&["verify", &s.token], 1),
        case(&["revoke", &s.access], 1),
        case(&["rotate"], 0),
        case(&["verify", &s.old_token], 0),
        case(&["inspect", &s.token], 0),
        case(&["check"], 0),
        case(&["rotate"], 0),
        case(&["revoke", &s.old_key_id.to_uppercase()], 0),
        case(&["check"], 0),
    ];
    run_cases("editing .env", path, false, &steps);

    // With the secret in the environment and a file that does not have it.
    let dir = TempDir::new().expect("tempdir");
    let steps = [
        case(&["rotate"], 2),
        case(&["init"], 0),
        // `init` wrote another secret to the file: a key minted under the environment's would
        // not verify on servers reading the file, so it is not saved.
        case(&["--save"], 2),
        case(&["revoke", &s.token], 1),
        case(&["rotate"], 0),
        case(&["init"], 2),
        case(&["check"], 0),
    ];
    run_cases("editing with the environment", dir.path(), true, &steps);
}

/// Malformed values built from `base`; none of them is a valid secret.
fn bad_variants(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("63 characters", base[..63].to_owned()),
        ("65 characters", format!("{base}a")),
        ("twice", format!("{base}{base}")),
        ("not hex at the end", format!("{}zz", &base[..62])),
        (
            "not hex, upper case",
            format!("{}G", &base.to_uppercase()[..63]),
        ),
        ("double quoted", format!("\"{base}\"")),
        ("single quoted", format!("'{base}'")),
        ("leading space", format!(" {base}")),
        ("trailing space", format!("{base} ")),
        ("trailing newline", format!("{base}\n")),
        ("space inside", format!("{} {}", &base[..32], &base[33..])),
        ("multi-byte character", format!("é{}", &base[2..])),
        ("with a comma", format!("{base},{base}")),
    ]
}

/// The variants that are malformed as an entry of `CLIENT_SECRET_PREVIOUS` too (entries are
/// split at commas and trimmed).
fn bad_previous_variants(base: &str) -> Vec<(&'static str, String)> {
    let fine_as_entries = [
        "leading space",
        "trailing space",
        "trailing newline",
        "with a comma",
    ];
    bad_variants(base)
        .into_iter()
        .filter(|(what, _)| !fine_as_entries.contains(what))
        .collect()
}

#[test]
fn bad_secrets_in_the_environment_are_never_echoed() {
    let s = sentinels();
    let dir = TempDir::new().expect("tempdir");
    let commands: [&[&str]; 7] = [
        &[],
        &["--save"],
        &["verify", &s.token],
        &["inspect", &s.token],
        &["exchange", &s.token],
        &["revoke", &s.token],
        &["check"],
    ];
    for (what, value) in bad_variants(S) {
        for args in commands {
            let mut cmd = cli(dir.path());
            cmd.env("CLIENT_SECRET", &value)
                .env("CLIENT_KEYS", s.keys())
                .args(args);
            let out = run(
                &format!("CLIENT_SECRET {what}: {args:?}"),
                &mut cmd,
                None,
                Some(2),
            );
            let text = String::from_utf8_lossy(&out.stderr) + String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("CLIENT_SECRET"), "{what} {args:?}: {text}");
        }
    }
    for (what, value) in bad_previous_variants(P) {
        for args in [
            &["verify", &s.token][..],
            &["inspect", &s.token],
            &["check"],
        ] {
            let mut cmd = cli(dir.path());
            cmd.env("CLIENT_SECRET", S)
                .env("CLIENT_SECRET_PREVIOUS", format!("{P}, {value}"))
                .env("CLIENT_KEYS", s.keys())
                .args(args);
            run(
                &format!("CLIENT_SECRET_PREVIOUS {what}: {args:?}"),
                &mut cmd,
                None,
                Some(2),
            );
        }
    }
    // Not valid UTF-8 at all.
    let mut bytes = S.as_bytes().to_vec();
    bytes.push(0xff);
    for args in [&[][..], &["check"], &["verify", &s.token]] {
        let mut cmd = cli(dir.path());
        cmd.env("CLIENT_SECRET", OsString::from_vec(bytes.clone()))
            .env("CLIENT_KEYS", s.keys())
            .args(args);
        let out = run(
            &format!("CLIENT_SECRET not UTF-8: {args:?}"),
            &mut cmd,
            None,
            Some(2),
        );
        let text = String::from_utf8_lossy(&out.stderr) + String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("not valid UTF-8"), "{args:?}: {text}");
    }
}

/// `.env` files that are read but hold a malformed sentinel, and files whose line holding it
/// every command refuses (with that line's number): a `CLIENT_*` line that Ruby's dotenv and
/// python-dotenv do not read alike, and that dotenvy (the editor's parser) refuses too. Lines
/// they read alike (unquoted spaces, a stray quote) are read, and unreadable lines of other
/// variables skipped: those files must only never echo a secret.
fn bad_env_files() -> Vec<(String, Vec<u8>, Option<usize>)> {
    let keys = sentinels().keys();
    let mut files: Vec<(String, Vec<u8>, Option<usize>)> = Vec::new();
    for (what, value) in bad_variants(S) {
        let quoted = if value.contains('"') {
            format!("'{value}'")
        } else {
            format!("\"{}\"", value.replace('\n', "\\n"))
        };
        files.push((
            format!("CLIENT_SECRET {what}"),
            format!("# c\nCLIENT_SECRET={quoted}\nCLIENT_KEYS=\"{keys}\"\n").into_bytes(),
            None,
        ));
    }
    files.push((
        "CLIENT_SECRET_PREVIOUS 63 characters".to_owned(),
        format!(
            "CLIENT_SECRET={S}\nCLIENT_SECRET_PREVIOUS=\"{}, {P}\"\nCLIENT_KEYS=\"{keys}\"\n",
            &P[..63]
        )
        .into_bytes(),
        None,
    ));
    files.push((
        "CLIENT_SECRET_PREVIOUS is the current secret".to_owned(),
        format!("CLIENT_SECRET={S}\nCLIENT_SECRET_PREVIOUS={S}\nCLIENT_KEYS=\"{keys}\"\n")
            .into_bytes(),
        None,
    ));
    files.push((
        "CLIENT_SECRET defined twice".to_owned(),
        format!("CLIENT_SECRET={S}\nCLIENT_KEYS=\"{keys}\"\nCLIENT_SECRET={P}\n").into_bytes(),
        None,
    ));
    for (what, line, unreadable) in [
        (
            "unquoted space",
            format!("CLIENT_SECRET={} {}", &S[..32], &S[32..]),
            false,
        ),
        (
            "unterminated double quote",
            format!("CLIENT_SECRET=\"{S}"),
            true,
        ),
        (
            "unterminated single quote",
            format!("CLIENT_SECRET='{S}"),
            true,
        ),
        ("stray quote", format!("CLIENT_SECRET={S}'"), false),
        // Refused by every command that reads the configuration, naming line 3; not by
        // `revoke <id>`, which only edits CLIENT_KEYS (the editor still reads with dotenvy).
        (
            "comment glued to the value",
            format!("CLIENT_SECRET={S}#{P}"),
            false,
        ),
        (
            "escape in double quotes",
            format!("CLIENT_SECRET=\"{S}\\t{P}\""),
            false,
        ),
        (
            "previous, unquoted space",
            format!("CLIENT_SECRET_PREVIOUS={P} {S}"),
            false,
        ),
        (
            "previous, unterminated quote",
            format!("CLIENT_SECRET_PREVIOUS=\"{P}, {S}"),
            true,
        ),
        // Neither Ruby's dotenv nor python-dotenv defines a variable here: skipped.
        (
            "previous, no equals sign",
            format!("CLIENT_SECRET_PREVIOUS {P}"),
            false,
        ),
        ("another variable", format!("OTHER_SETTING={S} {P}"), false),
        (
            "another variable, unreadable",
            format!("OTHER_SETTING=\"{S}\\n{P}"),
            false,
        ),
        (
            "unterminated substitution",
            format!("CLIENT_SECRET=${{{S}"),
            true,
        ),
        ("no equals sign", S.to_owned(), false),
    ] {
        files.push((
            what.to_owned(),
            format!("# c\nCLIENT_KEYS=\"{keys}\"\n{line}\nLATER=1\n").into_bytes(),
            unreadable.then_some(3),
        ));
    }
    let mut not_utf8 = format!("# c\nCLIENT_SECRET={S}").into_bytes();
    not_utf8.extend_from_slice(b"\xff\nCLIENT_KEYS=x\n");
    files.push(("not UTF-8".to_owned(), not_utf8, None));
    files
}

#[test]
fn bad_and_unparsable_env_files_are_never_echoed() {
    let s = sentinels();
    for (what, content, bad_line) in bad_env_files() {
        let dir = dir_with_env(&content);
        for args in [
            &[][..],
            &["--save"],
            &["verify", &s.token],
            &["inspect", &s.token],
            &["exchange", &s.token],
            &["check"],
            &["revoke", &s.token],
            &["revoke", &s.key_id],
            &["rotate"],
            &["init"],
        ] {
            let context = format!(".env with {what}: {args:?}");
            let out = run(&context, cli(dir.path()).args(args), None, None);
            if let Some(line) = bad_line {
                assert_eq!(out.status.code(), Some(2), "{context}");
                let text =
                    String::from_utf8_lossy(&out.stderr) + String::from_utf8_lossy(&out.stdout);
                assert!(text.contains(&format!("line {line}")), "{context}: {text}");
            }
        }
    }
}

#[test]
fn help_and_version_show_no_environment_value() {
    let dir = dir_with_env(sentinel_env_file().as_bytes());
    let mut variants: Vec<Vec<&str>> =
        vec![vec!["--help"], vec!["-h"], vec!["--version"], vec!["help"]];
    for sub in [
        "secret", "init", "verify", "inspect", "exchange", "revoke", "rotate", "check",
    ] {
        variants.extend([vec![sub, "--help"], vec![sub, "-h"], vec!["help", sub]]);
    }
    for args in variants {
        let context = format!("{args:?}");
        let out = run(&context, cli_env(dir.path()).args(&args), None, Some(0));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.is_empty(), "{context}");
        assert!(
            !stdout.contains(&sentinels().key_id),
            "{context}: shows CLIENT_KEYS"
        );
    }
    // Usage errors print the usage, not the environment.
    run(
        "no such command",
        cli_env(dir.path()).arg("frobnicate"),
        None,
        Some(2),
    );
}

/// Input typed in the wrong place, which can be a token or the secret, is never echoed:
///
/// - `revoke` of a token pasted with `Bearer ` or in quotes, or of the secret;
/// - `check` with a token or the secret pasted into `CLIENT_KEYS`;
/// - a stray argument clap reports: `issue-client-key <token>`, `verify <token> <token>`;
/// - a bad option value: `exchange --ttl <token>`.
#[test]
fn mistyped_input_is_not_echoed() {
    let s = sentinels();
    let dir = dir_with_env(sentinel_env_file().as_bytes());
    let pasted =
        dir_with_env(format!("CLIENT_SECRET={S}\nCLIENT_KEYS=\"{}, {S}\"\n", s.token).as_bytes());
    let cases: [(&Path, Vec<String>); 7] = [
        (
            dir.path(),
            vec!["revoke".into(), format!("Bearer {}", s.token)],
        ),
        (
            dir.path(),
            vec!["revoke".into(), format!("\"{}\"", s.token)],
        ),
        (dir.path(), vec!["revoke".into(), S.into()]),
        (dir.path(), vec![s.token.clone()]),
        (
            dir.path(),
            vec!["verify".into(), s.token.clone(), s.access.clone()],
        ),
        (
            dir.path(),
            vec![
                "exchange".into(),
                "--ttl".into(),
                s.token.clone(),
                s.access.clone(),
            ],
        ),
        (pasted.path(), vec!["check".into()]),
    ];
    let mut leaks = Vec::new();
    for (dir, args) in cases {
        let out = cli(dir).args(&args).output().expect("runs");
        let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
        if let Some((label, _)) = needles().iter().find(|(_, n)| text.contains(n.as_str())) {
            leaks.push(format!("{args:?} shows the {label}:\n{text}"));
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leak(s):\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}

// ---------------------------------------------------------------------------
// The library: Debug, Display, errors, panic messages
// ---------------------------------------------------------------------------

/// `{:?}` and `{:#?}` of `value`, checked.
fn debug<T: std::fmt::Debug>(context: &str, value: &T) {
    assert_clean(&format!("{context} (Debug)"), &format!("{value:?}"));
    assert_clean(
        &format!("{context} (Debug, alternate)"),
        &format!("{value:#?}"),
    );
}

/// `Debug`, `Display` and the whole `source()` chain of an error, checked.
fn error<E: std::error::Error>(context: &str, e: &E) {
    debug(context, e);
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(&format!("\n{c}\n{c:?}"));
        cause = c.source();
    }
    assert_clean(&format!("{context} (Display and sources)"), &text);
}

fn env_file_in(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    write_private(&path, content);
    path
}

#[test]
fn debug_and_display_of_every_public_type_show_no_sentinel() {
    let s = sentinels();
    let secret = ClientSecret::from_hex(S).expect("secret");
    debug("ClientSecret", &secret);
    debug(
        "ClientSecret, upper case",
        &ClientSecret::from_hex(&S.to_uppercase()).expect("secret"),
    );
    let issuer = common::issuer(S).expect("issuer");
    debug("Issuer", &issuer);
    debug("Issuer::from_secret", &Issuer::new(&secret));
    let issued = issuer
        .issue(
            &Claims::new()
                .with_name("n")
                .with_scope("read")
                .with_expires_in(Duration::from_secs(60)),
        )
        .expect("issue");
    let minted = token(&issued).to_owned();
    debug("IssuedKey", &issued);
    debug("SecretToken", issued.token());
    debug("Claims", issued.claims());

    let config = Config::from_values(
        S,
        Some(P),
        Some(&format!("{}, {}", s.keys(), issued.key_id())),
    )
    .expect("config");
    debug("Config", &config);
    debug("Config::previous_secrets", &config.previous_secrets());
    let verifier = Verifier::from_config(&config).expect("verifier");
    debug("Verifier", &verifier);
    debug(
        "Verifier, access tokens only",
        &verifier
            .clone()
            .accepting(client_keys::Accept::Only(TokenKind::AccessToken)),
    );
    debug("SharedVerifier", &SharedVerifier::new(verifier.clone()));
    debug("Allowlist", verifier.allowlist());
    debug("Allowlist parsed", &Allowlist::parse(&s.keys()));
    debug("VerifiedKey", &verifier.verify(&s.token).expect("verifies"));
    debug(
        "VerifiedKey, fresh token",
        &verifier.verify(&minted).expect("verifies"),
    );
    debug(
        "VerifiedKey, access token",
        &verifier.verify(&s.access).expect("verifies"),
    );
    debug(
        "Inspection",
        &client_keys::Inspector::from_config(&config)
            .inspect(&s.old_token)
            .expect("inspects"),
    );
    debug(
        "Inspection, expired",
        &client_keys::Inspector::from_config(&config)
            .inspect(&expired().0)
            .expect("inspects"),
    );
    let request = AccessRequest::new()
        .with_scope("read")
        .with_session_id("s-2");
    debug("AccessRequest", &request);
    let access = client_keys::AccessIssuer::new(verifier.clone())
        .exchange(&s.token, &request)
        .expect("exchange");
    debug("AccessToken", &access);
    debug("AccessToken::token", access.token());
    assert_clean(
        "TokenKind",
        &format!("{} {:?}", TokenKind::ClientKey, TokenKind::AccessToken),
    );
    // The freshly minted token and access token are secrets too.
    for text in [
        format!("{issued:?}"),
        format!("{access:?}"),
        format!("{verifier:?}"),
    ] {
        assert!(!text.contains(&minted[TOKEN_RANDOM_START..]), "{text}");
        assert!(
            !text.contains(&access.token().expose_secret()[TOKEN_RANDOM_START..]),
            "{text}"
        );
    }

    #[cfg(feature = "axum")]
    debug(
        "ClientKeyLayer",
        &client_keys::ClientKeyLayer::new(verifier.clone()),
    );

    let dir = TempDir::new().expect("tempdir");
    let path = env_file_in(dir.path(), ".env", sentinel_env_file().as_bytes());
    let file = ConfigFile::new(&path);
    debug("ConfigFile", &file);
    let mut env = EnvFile::open(&path).expect("opens");
    debug("EnvFile", &env);
    env.set("CLIENT_SECRET", P).expect("set");
    env.set("CLIENT_SECRET_PREVIOUS", &format!("{S},{P}"))
        .expect("set");
    debug("EnvFile with pending edits", &env);
    drop(env);
    file.save_key_id(KeyId::generate()).expect("save");
    debug("Revoked", &file.revoke(&s.key_id).expect("revoke"));
    debug("Rotated", &file.rotate().expect("rotate"));
    let fresh = ConfigFile::new(dir.path().join("fresh.env"));
    debug("Initialized", &fresh.init().expect("init"));

    // Check reports, healthy and not, from the file only (the environment is not ours to set).
    let healthy = env_file_in(dir.path(), "healthy.env", sentinel_env_file().as_bytes());
    let report = CheckReport::run(Some(&healthy));
    debug("CheckReport", &report);
    assert_clean("CheckReport (Display)", &report.to_string());
    debug("Finding", &report.findings().first());
    for (what, content, _) in bad_env_files() {
        let bad = env_file_in(dir.path(), "bad.env", &content);
        let report = CheckReport::run(Some(&bad));
        debug(&format!("CheckReport, {what}"), &report);
        assert_clean(
            &format!("CheckReport, {what} (Display)"),
            &report.to_string(),
        );
    }
}

#[test]
fn every_error_shows_no_sentinel() {
    let s = sentinels();
    // SecretProblem and ConfigError::InvalidSecret, for the secret and a previous one.
    for (what, value) in bad_variants(S) {
        let problem = ClientSecret::from_hex(&value).expect_err(what);
        error(&format!("SecretProblem, {what}"), &problem);
        error(
            &format!("Config::new, {what}"),
            &Config::from_values(&value, None, Some("")).expect_err(what),
        );
        error(
            &format!("Verifier::new, {what}"),
            &common::verifier(&value, "").expect_err(what),
        );
        error(
            &format!("Issuer::new, {what}"),
            &common::issuer(&value).expect_err(what),
        );
    }
    for (what, value) in bad_previous_variants(S) {
        let previous = format!("{P},{value}");
        let e = Config::from_values(P, Some(&previous), Some("")).expect_err(what);
        error(&format!("Config::new, previous {what}"), &e);
    }
    // ConfigError::MissingKeys.
    let config = Config::from_values(S, Some(P), None).expect("config");
    error(
        "MissingKeys",
        &Verifier::from_config(&config).expect_err("no CLIENT_KEYS"),
    );

    // Every VerifyError.
    let verifier =
        Verifier::from_config(&Config::from_values(S, Some(P), Some(&s.keys())).expect("config"))
            .expect("verifier");
    let (expired, _) = expired();
    let refused = [
        (
            "NotBearer",
            verifier.verify_authorization(&format!("Basic {S}")),
        ),
        (
            "NotBearer, token",
            verifier.verify_authorization(&format!("Token {}", s.token)),
        ),
        (
            "InvalidHeader",
            verifier.verify_authorization(&format!("Bearer {} {S}", s.token)),
        ),
        (
            "InvalidHeader, quoted",
            verifier.verify_authorization(&format!("Bearer \"{}\"", s.token)),
        ),
        ("Malformed, the secret", verifier.verify(S)),
        (
            "Malformed, prefixed secret",
            verifier.verify(&format!("ckey_{S}")),
        ),
        (
            "Malformed, long",
            verifier.verify(&format!("{}{}", s.token, S.repeat(8))),
        ),
        ("UnknownSecret", verifier.verify(&s.unknown)),
        ("Forged", verifier.verify(&s.tampered)),
        (
            "WrongKind",
            verifier
                .clone()
                .accepting(client_keys::Accept::Only(TokenKind::AccessToken))
                .verify(&s.token),
        ),
        (
            "WrongKind, access",
            verifier
                .clone()
                .accepting(client_keys::Accept::Only(TokenKind::ClientKey))
                .verify(&s.access),
        ),
        ("Expired", verifier.verify(expired)),
        ("KeyNotAllowed", verifier.verify(&s.not_allowed)),
    ];
    for (what, result) in refused {
        error(what, &result.expect_err(what));
    }
    error(
        "inspect, Forged",
        &client_keys::Inspector::from_config(&config)
            .inspect(&s.tampered)
            .expect_err("forged"),
    );

    // ExchangeError, each variant.
    let refused = [
        (
            "InvalidClient",
            client_keys::AccessIssuer::new(verifier.clone())
                .exchange(&s.tampered, &AccessRequest::new()),
        ),
        (
            "InvalidClient, access token",
            client_keys::AccessIssuer::new(verifier.clone())
                .exchange(&s.access, &AccessRequest::new()),
        ),
        (
            "ScopeNotGranted",
            client_keys::AccessIssuer::new(verifier.clone())
                .exchange(&s.token, &AccessRequest::new().with_scope("admin")),
        ),
        (
            "InvalidRequest",
            client_keys::AccessIssuer::new(verifier.clone())
                .exchange(&s.token, &AccessRequest::new().with_ttl(Duration::ZERO)),
        ),
        (
            "InvalidRequest, session id",
            client_keys::AccessIssuer::new(verifier.clone()).exchange(
                &s.token,
                &AccessRequest::new().with_session_id(format!("{S} {P}")),
            ),
        ),
    ];
    for (what, result) in refused {
        error(what, &result.expect_err(what));
    }

    // ClaimError, with the sentinel in the refused claims.
    let issuer = common::issuer(S).expect("issuer");
    for (what, claims) in [
        ("name", Claims::new().with_name(format!("{S}\u{7}"))),
        ("scope", Claims::new().with_scope(format!("{S} {P}"))),
        (
            "metadata key",
            Claims::new().with_metadata(format!("{S}!"), "v"),
        ),
        (
            "metadata value",
            Claims::new().with_metadata("k", format!("{S}\n")),
        ),
        ("expiry", Claims::new().with_expires_at(1)),
    ] {
        error(
            &format!("ClaimError, {what}"),
            &issuer.issue(&claims).expect_err(what),
        );
    }

    // ConfigError and EnvFileError from files that hold the sentinel.
    let dir = TempDir::new().expect("tempdir");
    for (what, content, bad_line) in bad_env_files() {
        let path = env_file_in(dir.path(), ".env", &content);
        if bad_line.is_some() || what == "not UTF-8" {
            let e = Config::from_env_file(&path).expect_err(&what);
            error(&format!("Config::from_env_file, {what}"), &e);
            error(
                &format!("EnvFile::open, {what}"),
                &EnvFile::open(&path).expect_err(&what),
            );
            let file = ConfigFile::new(&path);
            error(
                &format!("save_key_id, {what}"),
                &file.save_key_id(KeyId::generate()).expect_err(&what),
            );
            error(&format!("rotate, {what}"), &file.rotate().expect_err(&what));
        } else if let Err(e) = ConfigFile::new(&path).rotate() {
            error(&format!("rotate, {what}"), &e);
        }
    }
    error(
        "EnvFileIo",
        &Config::from_env_file(dir.path().join("missing.env")).expect_err("missing"),
    );
    let e = EnvFile::open(dir.path().join("no-such-dir").join(".env")).expect_err("no dir");
    error("EnvFileError::Io", &e);
    std::fs::create_dir(dir.path().join("a-directory")).expect("mkdir");
    error(
        "EnvFileError::InvalidPath",
        &EnvFile::open(dir.path().join("a-directory")).expect_err("dir"),
    );

    // EnvFileError from edits: duplicate definition, self-check failure, unrepresentable value.
    let path = env_file_in(
        dir.path(),
        "dup.env",
        format!("CLIENT_SECRET={S}\nCLIENT_SECRET={P}\n").as_bytes(),
    );
    let mut env = EnvFile::open(&path).expect("opens");
    error(
        "DuplicateDefinition",
        &env.set("CLIENT_SECRET", OTHER).expect_err("duplicate"),
    );
    let path = env_file_in(
        dir.path(),
        "ref.env",
        format!("CLIENT_SECRET={S}\nCOPY=${{CLIENT_SECRET}}\n").as_bytes(),
    );
    let mut env = EnvFile::open(&path).expect("opens");
    error(
        "SelfCheckFailed",
        &env.set("CLIENT_SECRET", P).expect_err("self-check"),
    );
    let mut env = EnvFile::open(dir.path().join("new.env")).expect("opens");
    for value in [format!("{S}\r"), format!("{S}\0"), format!("'{S}\"\\\r")] {
        if let Err(e) = env.set("CLIENT_SECRET", &value) {
            error("EnvFile::set, odd value", &e);
        }
    }

    // ConfigFileError, each variant.
    let path = env_file_in(dir.path(), "ok.env", sentinel_env_file().as_bytes());
    let file = ConfigFile::new(&path);
    error("AlreadyInitialized", &file.init().expect_err("initialised"));
    error(
        "NotListed",
        &file
            .revoke("0123456789abcdef0123456789abcdef")
            .expect_err("not listed"),
    );
    let empty = ConfigFile::new(env_file_in(dir.path(), "empty.env", b"CLIENT_KEYS=\n"));
    error("NoSecret", &empty.rotate().expect_err("no secret"));
    for (what, value) in bad_variants(S) {
        let content = format!("CLIENT_SECRET='{}'\n", value.replace(['\'', '\n'], ""));
        let bad = ConfigFile::new(env_file_in(dir.path(), "bad.env", content.as_bytes()));
        if let Err(e) = bad.rotate() {
            error(&format!("ConfigFileError::InvalidSecret, {what}"), &e);
        }
    }
}

/// What `unwrap`, `expect` and `expect_err` print when they panic is the value's `Debug`.
#[test]
fn panic_messages_show_no_sentinel() {
    let s = sentinels();
    fn message(what: &str, f: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let payload = std::panic::catch_unwind(f).expect_err(what);
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|m| (*m).to_owned()))
            .unwrap_or_default()
    }
    let bad = format!("{S} ");
    let messages = [
        message("unwrap ConfigError", || {
            common::verifier(&bad, "").unwrap();
        }),
        message("unwrap SecretProblem", || {
            ClientSecret::from_hex(&bad).unwrap();
        }),
        message("expect_err on a Verifier", || {
            common::verifier(S, &s.keys()).expect_err("expected an error");
        }),
        message("expect_err on an Issuer", || {
            common::issuer(S).expect_err("expected an error");
        }),
        message("expect_err on an IssuedKey", || {
            common::issuer(S)
                .expect("issuer")
                .issue(&Claims::new())
                .expect_err("expected an error");
        }),
        message("expect_err on a Config", || {
            Config::from_values(S, Some(P), None).expect_err("expected an error");
        }),
        message("expect_err on a ClientSecret", || {
            ClientSecret::from_hex(S).expect_err("expected an error");
        }),
        message("unwrap VerifyError", || {
            common::verifier(S, &s.keys())
                .expect("verifier")
                .verify(&s.tampered)
                .unwrap();
        }),
        message("expect_err on an AccessToken", || {
            client_keys::AccessIssuer::new(common::verifier(S, &s.keys()).expect("verifier"))
                .exchange(&s.token, &AccessRequest::new())
                .expect_err("expected an error");
        }),
    ];
    for (i, m) in messages.iter().enumerate() {
        assert!(!m.is_empty(), "panic {i} has a message");
        assert_clean(&format!("panic message {i}"), m);
    }
}

// ---------------------------------------------------------------------------
// Zeroization
// ---------------------------------------------------------------------------

/// The contracts that make wiping possible, checked by the compiler: `ClientSecret` is
/// `Zeroize + ZeroizeOnDrop`.
#[test]
fn client_secret_zeroizes() {
    fn zeroize_on_drop<T: zeroize::ZeroizeOnDrop + zeroize::Zeroize>(_: &T) {}
    let mut secret = ClientSecret::from_hex(S).expect("secret");
    zeroize_on_drop(&secret);
    zeroize::Zeroize::zeroize(&mut secret);
    assert_eq!(
        secret.to_hex().as_str(),
        "0".repeat(64),
        "zeroize() wipes the bytes"
    );
}

/// Freed memory, read back through `/proc/self/mem` (no `unsafe`): after a secret-bearing value
/// is dropped, the bytes it held must not be there any more.
///
/// glibc's allocator reuses the first 16 bytes of a freed block for its free-list links and
/// leaves the rest alone, so those bytes are skipped; no allocation happens between the drop and
/// the read (the buffer and the file are made first), and freed blocks go to this thread's
/// cache, so nothing else can reuse the block meanwhile. A control (a plain `String`, not
/// wiped) proves the probe sees stale bytes on this machine, so the test can fail. (With
/// glibc's `MALLOC_PERTURB_` set, freed memory is overwritten and the control fails.)
///
/// This probes the final buffer of each value only: a stale copy left elsewhere (by a
/// reallocation, a temporary `String`, a dependency's buffer) is not seen.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod freed_memory {
    use std::fs::File;
    use std::os::unix::fs::FileExt;

    use super::*;

    /// Bytes at the start of a freed block that the allocator overwrites.
    const ALLOCATOR_HEADER: usize = 16;

    /// Drops `value` and returns how many of the bytes it held at `addr..addr + original.len()`
    /// (past the allocator's header) are still there. Zero bytes are not counted: they are what
    /// a wipe leaves.
    fn surviving<T>(value: T, addr: usize, original: &[u8]) -> usize {
        let mem = File::open("/proc/self/mem").expect("open /proc/self/mem");
        let mut after = vec![0u8; original.len()];
        drop(value);
        mem.read_exact_at(&mut after, addr as u64)
            .expect("read freed memory");
        original
            .iter()
            .zip(&after)
            .skip(ALLOCATOR_HEADER)
            .filter(|(a, b)| a == b && **a != 0)
            .count()
    }

    fn assert_wiped<T>(what: &str, value: T, addr: usize, original: &[u8]) {
        assert!(
            original.len() > ALLOCATOR_HEADER + 8,
            "{what}: too short to probe"
        );
        let n = surviving(value, addr, original);
        assert_eq!(n, 0, "{what}: {n} byte(s) survive in freed memory");
    }

    #[test]
    fn the_probe_sees_bytes_that_are_not_wiped() {
        for len in [32, 64, 72, 160] {
            let text: String = (0..len)
                .map(|i| char::from(b'a' + (i % 26) as u8))
                .collect();
            let original = text.clone().into_bytes();
            let addr = text.as_ptr() as usize;
            let n = surviving(text, addr, &original);
            assert!(
                n >= (len - ALLOCATOR_HEADER) * 3 / 4,
                "control of {len} bytes: {n} survive"
            );
        }
        let boxed = Box::new([0x5eu8; 32]);
        let addr = boxed.as_ptr() as usize;
        assert_eq!(
            surviving(boxed, addr, &[0x5eu8; 32]),
            16,
            "control: a boxed array"
        );
    }

    #[test]
    fn a_minted_token_is_wiped_when_dropped() {
        let issued = common::issuer(S)
            .expect("issuer")
            .issue(&Claims::new())
            .expect("issue");
        let text = token(&issued);
        let (addr, original) = (text.as_ptr() as usize, text.as_bytes().to_vec());
        assert_wiped("IssuedKey", issued, addr, &original);

        let issued = common::issuer(S)
            .expect("issuer")
            .issue(&Claims::new())
            .expect("issue");
        let copy = issued.token().clone();
        let text = copy.expose_secret();
        let (addr, original) = (text.as_ptr() as usize, text.as_bytes().to_vec());
        assert_wiped("a cloned SecretToken", copy, addr, &original);
    }

    #[test]
    fn an_access_token_is_wiped_when_dropped() {
        let s = sentinels();
        let verifier = common::verifier(S, &s.keys()).expect("verifier");
        let access = client_keys::AccessIssuer::new(verifier.clone())
            .exchange(&s.token, &AccessRequest::new())
            .expect("exchange");
        let text = access.token().expose_secret();
        let (addr, original) = (text.as_ptr() as usize, text.as_bytes().to_vec());
        assert_wiped("AccessToken", access, addr, &original);
    }

    #[test]
    fn secrets_are_wiped_when_dropped() {
        let secret = ClientSecret::generate();
        let hex = secret.to_hex();
        let (addr, original) = (hex.as_ptr() as usize, hex.as_bytes().to_vec());
        assert_wiped("ClientSecret::to_hex", hex, addr, &original);

        let boxed = Box::new(ClientSecret::generate());
        let mut raw = [0u8; 32];
        hex::decode_to_slice(boxed.to_hex().as_str(), &mut raw).expect("hex");
        let addr = std::ptr::from_ref::<ClientSecret>(&boxed) as usize;
        assert_wiped("a boxed ClientSecret", boxed, addr, &raw);

        let previous: Vec<ClientSecret> = (0..3).map(|_| ClientSecret::generate()).collect();
        let text = previous
            .iter()
            .map(|p| p.to_hex().as_str().to_owned())
            .collect::<Vec<_>>();
        let config = Config::from_values(
            &ClientSecret::generate().to_hex(),
            Some(&text.join(",")),
            None,
        )
        .expect("config");
        let mut raw = vec![0u8; 32 * previous.len()];
        hex::decode_to_slice(text.concat(), &mut raw).expect("hex");
        let addr = config.previous_secrets().as_ptr() as usize;
        assert_wiped("Config's previous secrets", config, addr, &raw);
    }
}

//! `.env` as Ruby's dotenv and python-dotenv read it, through the public API and the binary:
//! Trivial's guide's file verbatim, the lines every Rails `.env` has (read or skipped, never
//! fatal), `CLIENT_*` lines that cannot be read, and `CLIENT_*` variables defined twice.

mod common;

use std::path::{Path, PathBuf};

use client_keys::{Config, ConfigError, Verifier};
use tempfile::TempDir;

/// The secret of Trivial's guide's example.
const GUIDE_SECRET: &str = "8d105ffc0a5b4c7e9f1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a596877";

/// Trivial's guide's `.env`, verbatim (unquoted spaces, inline comments).
fn guide_env() -> String {
    format!(
        "CLIENT_SECRET={GUIDE_SECRET} # paste your secret here\n\
         CLIENT_KEYS=xxx, another-key # key_id from key\n"
    )
}

/// A private `.env` (mode 0600, so that `check` has no reason to warn about it).
fn env_file(content: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new().expect("tempdir");
    let path = dir.path().join(".env");
    std::fs::write(&path, content).expect("write .env");
    set_private(&path);
    (dir, path)
}

fn set_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// Runs the tests that read `.env` from the library only when the test process does not set
/// our variables itself (the environment would win over the file).
fn environment_is_clean() -> bool {
    ["CLIENT_SECRET", "CLIENT_SECRET_PREVIOUS", "CLIENT_KEYS"]
        .iter()
        .all(|name| std::env::var_os(name).is_none())
}

#[test]
fn trivials_guide_env_verbatim_gives_the_secret_and_both_entries() {
    if !environment_is_clean() {
        return;
    }
    let (_dir, path) = env_file(&guide_env());
    let config = Config::from_env_file(&path).expect("the guide's .env is read");
    let expected = Config::from_values(GUIDE_SECRET, None, Some("")).expect("valid secret");
    assert_eq!(config.secret().id(), expected.secret().id());
    assert_eq!(config.secret_file(), Some(path.as_path()));
    let allowlist = config.allowlist().expect("CLIENT_KEYS is set");
    assert_eq!(allowlist.len(), 2);
    assert!(allowlist.contains_entry("xxx"));
    assert!(allowlist.contains_entry("another-key"));
    assert!(
        !allowlist.contains_entry("key_id"),
        "the comment is not an entry"
    );
}

/// The lines the brief lists, each next to valid `CLIENT_*` lines: read or skipped as the
/// reader says, never fatal.
const BRIEF_LINES: [(&str, Option<&str>); 6] = [
    ("APP_NAME=My App", None),
    ("MAIL_FROM=Support <support@example.com>", None),
    ("WINPATH=C:\\Users\\me", Some("backslash")),
    ("JSON={\"a\": 1}", None),
    ("MSG='it\\'s'", Some("backslash")),
    ("FLAG", Some("no `=value`")),
];

fn valid_client_lines() -> String {
    format!("CLIENT_SECRET={GUIDE_SECRET}\nCLIENT_KEYS=00112233445566778899aabbccddeeff\n")
}

#[test]
fn lines_other_readers_accept_never_stop_config() {
    if !environment_is_clean() {
        return;
    }
    for (line, _) in BRIEF_LINES {
        for content in [
            format!("{line}\n{}", valid_client_lines()),
            format!("{}{line}\n", valid_client_lines()),
            format!("{}{line}", valid_client_lines()),
        ] {
            let (_dir, path) = env_file(&content);
            let config = Config::from_env_file(&path)
                .unwrap_or_else(|e| panic!("{content:?} is refused: {e}"));
            assert_eq!(config.allowlist().map(|a| a.len()), Some(1), "{content:?}");
        }
    }
    // All of them in one file.
    let all: String = BRIEF_LINES.iter().map(|(l, _)| format!("{l}\n")).collect();
    let (_dir, path) = env_file(&format!("{all}{}", valid_client_lines()));
    Config::from_env_file(&path).expect("all the brief's lines at once");
}

#[test]
fn a_client_keys_defined_twice_is_refused_naming_both_lines() {
    if !environment_is_clean() {
        return;
    }
    let content = format!(
        "CLIENT_SECRET={GUIDE_SECRET}\nCLIENT_KEYS=\"A, B\"\nX=1\nY=2\nZ=3\nW=4\nCLIENT_KEYS=B\n"
    );
    let (_dir, path) = env_file(&content);
    for result in [
        Config::from_env_file(&path).map(|_| ()),
        Config::from_env_file(&path).and_then(|c| Verifier::from_config(&c).map(|_| ())),
    ] {
        match result {
            Err(e @ ConfigError::DefinedTwice { .. }) => {
                let text = e.to_string();
                assert!(
                    text.starts_with("CLIENT_KEYS is defined twice in ")
                        && text.ends_with("(lines 2 and 7): keep one definition"),
                    "{text}"
                );
            }
            other => panic!("not refused as defined twice: {other:?}"),
        }
    }
}

#[test]
fn an_unreadable_client_secret_line_is_refused_naming_its_line() {
    if !environment_is_clean() {
        return;
    }
    for (line, fix) in [
        (format!("CLIENT_SECRET={GUIDE_SECRET}#comment"), "comment"),
        (format!("CLIENT_SECRET=\"{GUIDE_SECRET}"), "quotes closed"),
        (format!("CLIENT_SECRET=\"{GUIDE_SECRET}\\n\""), "backslash"),
        ("export CLIENT_SECRET".to_owned(), "`NAME=`"),
    ] {
        let content = format!("# settings\nAPP_NAME=My App\n{line}\nCLIENT_KEYS=\n");
        let (_dir, path) = env_file(&content);
        let err = Config::from_env_file(&path).expect_err(&line);
        let text = err.to_string();
        assert!(
            matches!(&err, ConfigError::UnreadableLine { line: 3, name, .. } if name == "CLIENT_SECRET"),
            "{line:?}: {err:?}"
        );
        assert!(
            text.starts_with("cannot read CLIENT_SECRET at line 3 of ") && text.contains(fix),
            "{line:?}: {text}"
        );
        assert!(!text.contains(&GUIDE_SECRET[..16]), "{text}");
    }
}

/// A FIFO would block a reader for ever, `/dev/zero` would fill memory: both are refused at
/// once, as is a file over 1 MiB.
#[test]
fn a_fifo_a_device_or_a_huge_env_is_refused_at_once() {
    let dir = TempDir::new().expect("tempdir");
    let fifo = dir.path().join("fifo.env");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let huge = dir.path().join("huge.env");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(1024 * 1024 + 1))
        .expect("huge file");
    for (path, expected) in [
        (fifo.as_path(), "not a regular file"),
        (Path::new("/dev/zero"), "not a regular file"),
        (huge.as_path(), "larger than 1 MiB"),
    ] {
        let (done, wait) = std::sync::mpsc::channel();
        let owned = path.to_owned();
        std::thread::spawn(move || {
            let _ = done.send(Config::from_env_file(&owned).map(|_| ()));
        });
        let result = wait
            .recv_timeout(std::time::Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("{}: still reading after 10 s", path.display()));
        let err = result.expect_err("refused");
        assert!(
            matches!(err, ConfigError::EnvFileIo { .. }) && err.to_string().contains(expected),
            "{}: {err}",
            path.display()
        );
    }
}

#[cfg(feature = "cli")]
mod cli {
    use super::*;
    use common::cli;
    use serde_json::Value;

    fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
        let out = cli(dir).args(args).output().expect("runs");
        (
            out.status.code(),
            String::from_utf8(out.stdout).expect("utf-8"),
            String::from_utf8(out.stderr).expect("utf-8"),
        )
    }

    /// The `check` lines of one severity.
    fn lines<'a>(stdout: &'a str, label: &str) -> Vec<&'a str> {
        let label = format!("{label}: ");
        stdout
            .lines()
            .filter(|l| l.trim_start().starts_with(&label))
            .collect()
    }

    #[test]
    fn the_guides_env_works_for_check_minting_and_verify() {
        let (dir, path) = env_file(&guide_env());
        let (code, stdout, stderr) = run(dir.path(), &["check"]);
        assert_eq!(code, Some(0), "{stdout}{stderr}");
        // The warnings due: each entry no token of this tool can match.
        let warnings = lines(&stdout, "warning");
        assert_eq!(warnings.len(), 2, "{stdout}");
        assert!(
            warnings[0].contains("CLIENT_KEYS entry 1 (xxx) is not hexadecimal")
                && warnings[1].contains("CLIENT_KEYS entry 2 (another-key) is not hexadecimal"),
            "{stdout}"
        );
        assert!(lines(&stdout, "error").is_empty(), "{stdout}");
        assert!(!stdout.contains(GUIDE_SECRET), "{stdout}");

        // Minting reads the secret; verify reads the allowlist: the new id is not in it yet.
        let (code, stdout, stderr) = run(dir.path(), &[]);
        assert_eq!(code, Some(0), "{stderr}");
        let minted: Value = serde_json::from_str(&stdout).expect("JSON");
        let (key_id, token) = (
            minted["key_id"].as_str().expect("key_id"),
            minted["key_access_token"].as_str().expect("token"),
        );
        let (code, _, stderr) = run(dir.path(), &["verify", token]);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains("is not in CLIENT_KEYS"), "{stderr}");

        // Added by hand, in the guide's style: accepted.
        std::fs::write(
            &path,
            format!(
                "CLIENT_SECRET={GUIDE_SECRET} # paste your secret here\n\
                 CLIENT_KEYS=xxx, another-key, {key_id} # key_id from key\n"
            ),
        )
        .expect("write");
        let (code, stdout, stderr) = run(dir.path(), &["verify", token]);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(stdout.contains(key_id), "{stdout}");

        // `--save` and `revoke` edit the list in place: unquoted, comma-separated, the other
        // entries and the comments kept.
        let (code, stdout, stderr) = run(dir.path(), &["--save"]);
        assert_eq!(code, Some(0), "{stderr}");
        let saved: Value = serde_json::from_str(&stdout).expect("JSON");
        let saved = saved["key_id"].as_str().expect("key_id");
        let (code, _, stderr) = run(dir.path(), &["revoke", "xxx"]);
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            format!(
                "CLIENT_SECRET={GUIDE_SECRET} # paste your secret here\n\
                 CLIENT_KEYS=another-key,{key_id},{saved} # key_id from key\n"
            )
        );
    }

    #[test]
    fn check_names_each_skipped_line_without_its_content() {
        let mut content = valid_client_lines();
        for (line, _) in BRIEF_LINES {
            content.push_str(line);
            content.push('\n');
        }
        let (dir, _path) = env_file(&content);
        let (code, stdout, stderr) = run(dir.path(), &["check"]);
        assert_eq!(code, Some(0), "{stdout}{stderr}");
        let warnings = lines(&stdout, "warning");
        let mut skipped = Vec::new();
        for (i, (line, why)) in BRIEF_LINES.iter().enumerate() {
            let number = i + 3;
            let shown: Vec<_> = warnings
                .iter()
                .filter(|w| w.contains(&format!(".env line {number} is skipped")))
                .collect();
            match why {
                Some(why) => {
                    assert_eq!(shown.len(), 1, "{line:?}: {stdout}");
                    assert!(shown[0].contains(why), "{line:?}: {stdout}");
                    skipped.push(number);
                }
                None => assert!(shown.is_empty(), "{line:?} is read: {stdout}"),
            }
        }
        assert_eq!(warnings.len(), skipped.len(), "{stdout}");
        for shown in ["My App", "Users", "it\\'s", "FLAG", "support@"] {
            assert!(!stdout.contains(shown), "{shown}: {stdout}");
        }
    }

    #[test]
    fn a_duplicated_client_keys_is_refused_by_every_reader() {
        let content = format!(
            "CLIENT_SECRET={GUIDE_SECRET}\nCLIENT_KEYS=\"A, B\"\nX=1\nY=2\nZ=3\nW=4\nCLIENT_KEYS=B\n"
        );
        let (dir, _path) = env_file(&content);
        // `check`: an error naming both lines, and the other findings still made.
        let (code, stdout, _) = run(dir.path(), &["check"]);
        assert_eq!(code, Some(2), "{stdout}");
        let errors = lines(&stdout, "error");
        assert_eq!(errors.len(), 1, "{stdout}");
        assert!(
            errors[0].contains("CLIENT_KEYS is defined twice in")
                && errors[0].contains("(lines 2 and 7): keep one definition"),
            "{stdout}"
        );
        assert!(stdout.contains("CLIENT_SECRET is valid"), "{stdout}");
        // Every command that reads the configuration as a server does (`Config::from_env`).
        for args in [&[][..], &["verify", "ckey_x"], &["inspect", "ckey_x"]] {
            let (code, stdout, stderr) = run(dir.path(), args);
            assert_eq!(code, Some(2), "{args:?}: {stderr}");
            assert!(stdout.is_empty(), "{args:?}: {stdout}");
            assert!(stderr.contains("(lines 2 and 7)"), "{args:?}: {stderr}");
        }
    }

    #[test]
    fn check_reports_an_unreadable_client_line_and_keeps_the_other_findings() {
        let content =
            format!("CLIENT_SECRET={GUIDE_SECRET}\nAPP_NAME=My App\nCLIENT_KEYS=a#b\nFLAG\n");
        let (dir, _path) = env_file(&content);
        let (code, stdout, _) = run(dir.path(), &["check"]);
        assert_eq!(code, Some(2), "{stdout}");
        let errors = lines(&stdout, "error");
        assert_eq!(errors.len(), 1, "{stdout}");
        assert!(
            errors[0].contains("cannot read CLIENT_KEYS at line 3 of"),
            "{stdout}"
        );
        assert!(stdout.contains(".env line 4 is skipped"), "{stdout}");
        assert!(stdout.contains("CLIENT_SECRET is valid"), "{stdout}");
        assert!(!stdout.contains("a#b"), "{stdout}");
    }
}

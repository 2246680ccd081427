//! Integration tests of `client_keys::env_file` with real files in temporary
//! directories.
#![cfg(feature = "operator")]
#![allow(clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Barrier};

#[cfg(feature = "danger-test-hooks")]
use client_keys::operator::CommitStage;
use client_keys::operator::{EnvFile, EnvFileError, is_readable_by_others};

const HEX_A: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const HEX_B: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
const HEX_C: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const NEW_SECRET: &str = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
const NEW_ID: &str = "3f2a9c1de5b7a4f0e1";
/// Put into files by the redaction tests; must never show up in messages.
const SENTINEL: &str = "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn read_fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/env")
        .join(name);
    fs::read_to_string(&path).unwrap()
}

/// What dotenvy makes of `bytes` (BOM skipped like dotenvy's loaders do).
fn dotenvy_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    dotenvy::Iter::new(bytes)
        .collect::<Result<Vec<_>, _>>()
        .expect("dotenvy parses the file")
}

fn write_file(dir: &Path, name: &str, bytes: &[u8], mode: u32) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    path
}

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Names of leftover temporary files in `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

fn set_and_commit(path: &Path, edits: &[(&str, &str)]) {
    let mut env = EnvFile::open(path).unwrap();
    for (name, value) in edits {
        env.set(name, value).unwrap();
    }
    env.commit().unwrap();
}

/// Splits an id list the way the tests need (`,` with optional blanks).
fn ids(list: &str) -> Vec<&str> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------
// The corpus: every fixture, in four line-ending variants, three operations,
// checked against an exact expected file.
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Unquoted,
    Single,
    Double,
}

/// Where a variable is defined in a fixture: the text `before` the value
/// (enough context to be unique), the value's text as written, and its
/// quoting. Tokens are written with `\n` and converted for CRLF variants.
#[derive(Clone, Copy, Debug)]
struct Def {
    before: &'static str,
    text: &'static str,
    style: Style,
}

const fn def(before: &'static str, text: &'static str, style: Style) -> Option<Def> {
    Some(Def {
        before,
        text,
        style,
    })
}

struct Fixture {
    file: &'static str,
    secret: Option<Def>,
    keys: Option<Def>,
    previous: Option<Def>,
}

fn corpus() -> Vec<Fixture> {
    use Style::*;
    vec![
        Fixture {
            file: "basic.env",
            secret: def("\nCLIENT_SECRET=", HEX_A, Unquoted),
            keys: def("\nCLIENT_KEYS=", "id-one", Unquoted),
            previous: None,
        },
        Fixture {
            file: "export.env",
            secret: def("\nexport CLIENT_SECRET=", HEX_A, Unquoted),
            keys: def("\nexport CLIENT_KEYS=", "\"id-one, id-two\"", Double),
            previous: def("\nexport CLIENT_SECRET_PREVIOUS=", HEX_B, Unquoted),
        },
        Fixture {
            file: "quotes.env",
            secret: def(
                "\nCLIENT_SECRET=",
                concat!(
                    "\"",
                    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                    "\""
                ),
                Double,
            ),
            keys: def("\nCLIENT_KEYS=", "'id-one, id-two'", Single),
            previous: def("\nCLIENT_SECRET_PREVIOUS=", "''", Single),
        },
        Fixture {
            file: "multiline.env",
            secret: def("\nCLIENT_SECRET=", HEX_A, Unquoted),
            keys: None,
            previous: None,
        },
        Fixture {
            file: "empty.env",
            secret: def("\nCLIENT_SECRET=", HEX_A, Unquoted),
            keys: def("\nCLIENT_KEYS=", "", Unquoted),
            previous: def("\nCLIENT_SECRET_PREVIOUS=", "", Unquoted),
        },
        Fixture {
            file: "substitution.env",
            secret: def("\nCLIENT_SECRET=", HEX_A, Unquoted),
            keys: def("\nCLIENT_KEYS=", "id-one,id-two", Unquoted),
            previous: None,
        },
        Fixture {
            file: "spacing.env",
            secret: def("\nCLIENT_SECRET = ", HEX_A, Unquoted),
            keys: def("\nexport   CLIENT_KEYS =\t", "id-one", Unquoted),
            previous: def(
                "\n  CLIENT_SECRET_PREVIOUS=",
                concat!(
                    "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
                    ",",
                    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
                ),
                Unquoted,
            ),
        },
        Fixture {
            file: "multiline_previous.env",
            secret: def("CLIENT_SECRET=", HEX_A, Unquoted),
            keys: def("\nCLIENT_KEYS=", "\"id-one\"", Double),
            previous: def(
                "\nCLIENT_SECRET_PREVIOUS=",
                concat!(
                    "\"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
                    ",\n",
                    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\""
                ),
                Double,
            ),
        },
        Fixture {
            file: "keys_last.env",
            secret: None,
            keys: def("\nCLIENT_KEYS=", "id-one", Unquoted),
            previous: None,
        },
        Fixture {
            file: "absent.env",
            secret: None,
            keys: None,
            previous: None,
        },
    ]
}

#[derive(Clone, Copy, Debug)]
struct Variant {
    crlf: bool,
    final_newline: bool,
}

const VARIANTS: [Variant; 4] = [
    Variant {
        crlf: false,
        final_newline: true,
    },
    Variant {
        crlf: true,
        final_newline: true,
    },
    Variant {
        crlf: false,
        final_newline: false,
    },
    Variant {
        crlf: true,
        final_newline: false,
    },
];

impl Variant {
    fn eol(self) -> &'static str {
        if self.crlf { "\r\n" } else { "\n" }
    }

    fn convert(self, text: &str) -> String {
        if self.crlf {
            text.replace('\n', "\r\n")
        } else {
            text.to_owned()
        }
    }

    fn file(self, lf_text: &str) -> String {
        let mut text = self.convert(lf_text);
        if !self.final_newline {
            let eol = self.eol();
            assert!(text.ends_with(eol));
            text.truncate(text.len() - eol.len());
        }
        text
    }
}

/// The test's own (simple) expectation of how a value is written.
fn render(style: Style, value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.,:/".contains(c));
    match style {
        Style::Unquoted if plain || value.is_empty() => value.to_owned(),
        Style::Single if !value.contains(['\'', '\\']) => format!("'{value}'"),
        _ => {
            let mut out = String::from("\"");
            for c in value.chars() {
                match c {
                    '\\' | '"' | '$' => {
                        out.push('\\');
                        out.push(c);
                    }
                    '\n' => out.push_str("\\n"),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
    }
}

/// Expected bytes after setting `edits` (name, definition, new value) on
/// `original`: each present value text replaced in place, each absent
/// variable appended as `NAME=value` on a new last line.
fn expected_file(original: &str, variant: Variant, edits: &[(&str, Option<Def>, &str)]) -> String {
    let mut out = original.to_owned();
    for (_, definition, value) in edits {
        if let Some(d) = definition {
            let token = variant.convert(&format!("{}{}", d.before, d.text));
            assert_eq!(
                out.matches(&token).count(),
                1,
                "token {token:?} must be unique"
            );
            let replacement = variant.convert(d.before) + &render(d.style, value);
            out = out.replacen(&token, &replacement, 1);
        }
    }
    for (name, definition, value) in edits {
        if definition.is_none() {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push_str(variant.eol());
            }
            out.push_str(&format!(
                "{name}={}{}",
                render(Style::Unquoted, value),
                variant.eol()
            ));
        }
    }
    out
}

/// Runs one operation on one fixture variant and checks (a) every other
/// variable parses exactly as before, (b) the edited variables have the new
/// values, (c) the file is byte-for-byte the expected one.
fn check_edit(
    fixture: &Fixture,
    variant: Variant,
    op: &str,
    edits: &[(&str, Option<Def>, &str)],
    original: &str,
) {
    let context = format!("{} {variant:?} {op}", fixture.file);
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), ".env", original.as_bytes(), 0o600);
    let before = dotenvy_pairs(original.as_bytes());

    let mut env = EnvFile::open(&path).unwrap();
    for (name, _, value) in edits {
        env.set(name, value)
            .unwrap_or_else(|e| panic!("{context}: {e}"));
    }
    env.commit().unwrap_or_else(|e| panic!("{context}: {e}"));
    let written = fs::read_to_string(&path).unwrap();

    // (a) + (b)
    let after = dotenvy_pairs(written.as_bytes());
    let mut expected_pairs: Vec<(String, String)> = before
        .iter()
        .map(|(n, v)| {
            let new = edits
                .iter()
                .find(|(name, _, _)| name == n)
                .map(|(_, _, v)| *v);
            (n.clone(), new.unwrap_or(v).to_owned())
        })
        .collect();
    for (name, _, value) in edits {
        if !before.iter().any(|(n, _)| n == name) {
            expected_pairs.push(((*name).to_owned(), (*value).to_owned()));
        }
    }
    assert_eq!(after, expected_pairs, "{context}: parsed values");

    // (c)
    assert_eq!(
        written,
        expected_file(original, variant, edits),
        "{context}: bytes"
    );
    assert!(
        temp_files(dir.path()).is_empty(),
        "{context}: temp files left"
    );
}

#[test]
fn corpus_edits_change_only_the_edited_values() {
    let mut checked = 0;
    for fixture in corpus() {
        let lf_text = read_fixture(fixture.file);
        for variant in VARIANTS {
            let original = variant.file(&lf_text);
            let values = dotenvy_pairs(original.as_bytes());
            let get = |name: &str| {
                values
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
            };

            // The value EnvFile reports is the one dotenvy loads.
            {
                let dir = tempfile::tempdir().unwrap();
                let path = write_file(dir.path(), ".env", original.as_bytes(), 0o600);
                let env = EnvFile::open(&path).unwrap();
                for (name, value) in &values {
                    assert_eq!(
                        env.get(name),
                        Some(value.as_str()),
                        "{} get {name}",
                        fixture.file
                    );
                }
                assert_eq!(env.get("NOT_DEFINED_ANYWHERE"), None);
            }

            // `--save`: append an id.
            let keys = get("CLIENT_KEYS").unwrap_or_default();
            let appended = if keys.is_empty() {
                NEW_ID.to_owned()
            } else {
                format!("{keys}, {NEW_ID}")
            };
            check_edit(
                &fixture,
                variant,
                "append",
                &[("CLIENT_KEYS", fixture.keys, &appended)],
                &original,
            );

            // `revoke`: remove the first id.
            if let Some(first) = ids(&keys).first() {
                let rest: Vec<&str> = ids(&keys).into_iter().filter(|id| id != first).collect();
                let removed = rest.join(", ");
                check_edit(
                    &fixture,
                    variant,
                    "remove",
                    &[("CLIENT_KEYS", fixture.keys, &removed)],
                    &original,
                );
            }

            // `rotate`: new secret, old one prepended to the previous list.
            let old_secret = get("CLIENT_SECRET").unwrap_or_else(|| HEX_C.to_owned());
            let previous = match get("CLIENT_SECRET_PREVIOUS") {
                Some(p) if !p.is_empty() => format!("{old_secret},{p}"),
                _ => old_secret.clone(),
            };
            check_edit(
                &fixture,
                variant,
                "rotate",
                &[
                    ("CLIENT_SECRET", fixture.secret, NEW_SECRET),
                    ("CLIENT_SECRET_PREVIOUS", fixture.previous, &previous),
                ],
                &original,
            );
            checked += 1;
        }
    }
    assert_eq!(checked, corpus().len() * VARIANTS.len());
}

#[test]
fn unquoted_list_with_spaces_gets_double_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), ".env", b"CLIENT_KEYS=id-a\n", 0o600);
    set_and_commit(&path, &[("CLIENT_KEYS", "id-a, id-b")]);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "CLIENT_KEYS=\"id-a, id-b\"\n"
    );
    // ...and back to unquoted when it fits? No: the quoting style is kept.
    set_and_commit(&path, &[("CLIENT_KEYS", "id-b")]);
    assert_eq!(fs::read_to_string(&path).unwrap(), "CLIENT_KEYS=\"id-b\"\n");
}

#[test]
fn empty_value_followed_by_a_hash_keeps_the_comment() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        ".env",
        b"CLIENT_KEYS=#no keys yet\nB=2\n",
        0o600,
    );
    set_and_commit(&path, &[("CLIENT_KEYS", "id-a")]);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "CLIENT_KEYS=id-a #no keys yet\nB=2\n"
    );
}

#[test]
fn byte_order_mark_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        ".env",
        "\u{feff}A=1\nCLIENT_KEYS=x\n".as_bytes(),
        0o600,
    );
    set_and_commit(&path, &[("CLIENT_KEYS", "y")]);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "\u{feff}A=1\nCLIENT_KEYS=y\n"
    );
}

#[test]
fn new_file_gets_both_variables_and_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".env");
    let mut env = EnvFile::open(&path).unwrap();
    assert!(!env.exists());
    assert_eq!(env.get("CLIENT_KEYS"), None);
    env.set("CLIENT_SECRET", HEX_A).unwrap();
    env.set("CLIENT_KEYS", "").unwrap();
    assert_eq!(
        env.get("CLIENT_SECRET"),
        Some(HEX_A),
        "get sees pending edits"
    );
    env.commit().unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        format!("CLIENT_SECRET={HEX_A}\nCLIENT_KEYS=\n")
    );
    assert_eq!(mode_of(&path), 0o600);
    assert_eq!(mode_of(&dir.path().join(".env.lock")), 0o600);
    let env = EnvFile::open(&path).unwrap();
    assert!(env.exists());
    assert_eq!(env.path(), fs::canonicalize(&path).unwrap());
}

#[test]
fn nothing_changed_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // Missing file, no edit: not created.
    let missing = dir.path().join("missing.env");
    EnvFile::open(&missing).unwrap().commit().unwrap();
    assert!(!missing.exists());
    // Same value: the file (even its odd formatting) stays.
    let path = write_file(dir.path(), ".env", b"CLIENT_KEYS = 'a'  # x\n", 0o640);
    let inode = fs::metadata(&path).unwrap();
    set_and_commit(&path, &[("CLIENT_KEYS", "a")]);
    assert_eq!(fs::read(&path).unwrap(), b"CLIENT_KEYS = 'a'  # x\n");
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        fs::metadata(&path).unwrap().ino(),
        inode.ino(),
        "not rewritten"
    );
}

#[test]
fn several_sets_of_the_same_variable_keep_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), ".env", b"A=1\n", 0o600);
    let mut env = EnvFile::open(&path).unwrap();
    env.set("CLIENT_KEYS", "x").unwrap();
    env.set("A", "2").unwrap();
    env.set("CLIENT_KEYS", "x, y").unwrap();
    env.set("A", "1").unwrap(); // back to the original: no edit of A
    env.commit().unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "A=1\nCLIENT_KEYS=\"x, y\"\n"
    );
}

// ---------------------------------------------------------------------------
// Refusals: nothing is written
// ---------------------------------------------------------------------------

fn assert_untouched(dir: &Path, path: &Path, bytes: &[u8]) {
    assert_eq!(fs::read(path).unwrap(), bytes, "file unchanged");
    assert!(temp_files(dir).is_empty(), "no temp file left");
}

#[test]
fn unparseable_file_is_refused_with_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = format!("A=1\n# comment\n\nCLIENT_SECRET={SENTINEL} oops\nB=2\n");
    let path = write_file(dir.path(), ".env", bytes.as_bytes(), 0o600);
    let err = EnvFile::open(&path).unwrap_err();
    assert!(
        matches!(err, EnvFileError::Parse { line: 4, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("line 4"), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(!message.contains("deadbeef") && !format!("{err:?}").contains("deadbeef"));
    assert_untouched(dir.path(), &path, bytes.as_bytes());
}

#[test]
fn unquoted_list_with_spaces_in_the_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"CLIENT_SECRET=x\nCLIENT_KEYS=a, b\n";
    let path = write_file(dir.path(), ".env", bytes, 0o600);
    let err = EnvFile::open(&path).unwrap_err();
    assert!(
        matches!(err, EnvFileError::Parse { line: 2, .. }),
        "{err:?}"
    );
    assert_untouched(dir.path(), &path, bytes);
}

#[test]
fn unterminated_quote_is_refused_at_its_opening_line() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"A=1\nB=\"open\nC=2\nD=3\n";
    let path = write_file(dir.path(), ".env", bytes, 0o600);
    let err = EnvFile::open(&path).unwrap_err();
    assert!(
        matches!(err, EnvFileError::Parse { line: 2, .. }),
        "{err:?}"
    );
    assert_untouched(dir.path(), &path, bytes);
}

#[test]
fn trailing_blank_on_unterminated_last_line_is_refused_like_dotenvy() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"A=1\nB=2 ";
    let path = write_file(dir.path(), ".env", bytes, 0o600);
    let err = EnvFile::open(&path).unwrap_err();
    assert!(
        matches!(err, EnvFileError::Parse { line: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn invalid_utf8_is_refused_with_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"A=1\nB=\xff\xfe\n";
    let path = write_file(dir.path(), ".env", bytes, 0o600);
    let err = EnvFile::open(&path).unwrap_err();
    assert!(
        matches!(err, EnvFileError::NotUtf8 { line: 2, .. }),
        "{err:?}"
    );
    assert_untouched(dir.path(), &path, bytes);
}

#[test]
fn duplicate_definition_is_refused_naming_both_lines() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = format!("A=1\nCLIENT_KEYS={SENTINEL}\nB=2\n\nexport CLIENT_KEYS=other\nA=again\n");
    let path = write_file(dir.path(), ".env", bytes.as_bytes(), 0o600);
    let mut env = EnvFile::open(&path).unwrap();
    let err = env.set("CLIENT_KEYS", "x").unwrap_err();
    assert!(
        matches!(
            &err,
            EnvFileError::DuplicateDefinition { name, first_line: 2, second_line: 5, .. } if name == "CLIENT_KEYS"
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("lines 2 and 5") && message.contains("CLIENT_KEYS"),
        "{message}"
    );
    assert!(!message.contains("deadbeef"));
    // The refused edit is not pending: committing writes nothing.
    env.commit().unwrap();
    assert_untouched(dir.path(), &path, bytes.as_bytes());
    // Duplicates of a variable we do not edit are fine.
    set_and_commit(&path, &[("CLIENT_SECRET", HEX_A)]);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        format!("{bytes}CLIENT_SECRET={HEX_A}\n")
    );
}

#[test]
fn edit_changing_another_variable_is_refused_by_the_self_check() {
    if std::env::var_os("CLIENT_KEYS").is_some() {
        return; // dotenvy would substitute from the environment instead
    }
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"CLIENT_KEYS=a\nCOPY=${CLIENT_KEYS}\n";
    let path = write_file(dir.path(), ".env", bytes, 0o600);
    let mut env = EnvFile::open(&path).unwrap();
    assert_eq!(env.get("COPY"), Some("a"));
    let err = env.set("CLIENT_KEYS", "b").unwrap_err();
    assert!(
        matches!(&err, EnvFileError::SelfCheckFailed { name: Some(n), .. } if n == "COPY"),
        "{err:?}"
    );
    assert_eq!(
        env.get("CLIENT_KEYS"),
        Some("a"),
        "refused edit not pending"
    );
    env.commit().unwrap();
    assert_untouched(dir.path(), &path, bytes);
}

#[test]
fn invalid_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = EnvFile::open(dir.path().join(".env")).unwrap();
    for name in ["", "1A", "A B", "A-B", "A=B"] {
        assert!(
            matches!(env.set(name, "x"), Err(EnvFileError::InvalidName { .. })),
            "{name:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Modes, symlinks
// ---------------------------------------------------------------------------

#[test]
fn mode_is_preserved() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), ".env", b"CLIENT_KEYS=a\n", 0o640);
    set_and_commit(&path, &[("CLIENT_KEYS", "a, b")]);
    assert_eq!(mode_of(&path), 0o640);
    assert!(is_readable_by_others(&path).unwrap());
}

#[test]
fn readable_by_others_checks_group_and_other_read_bits() {
    let dir = tempfile::tempdir().unwrap();
    for (mode, expected) in [
        (0o600, false),
        (0o640, true),
        (0o604, true),
        (0o620, false),
        (0o400, false),
    ] {
        let path = write_file(dir.path(), "f", b"", mode);
        assert_eq!(is_readable_by_others(&path).unwrap(), expected, "{mode:o}");
    }
    assert!(is_readable_by_others(&dir.path().join("missing")).is_err());
}

#[test]
fn symlink_stays_a_symlink_and_the_target_is_edited() {
    let dir = tempfile::tempdir().unwrap();
    let real = write_file(dir.path(), "real.env", b"# real\nCLIENT_KEYS=a\n", 0o640);
    let link = dir.path().join(".env");
    symlink("real.env", &link).unwrap();

    let env = EnvFile::open(&link).unwrap();
    assert_eq!(env.path(), fs::canonicalize(&real).unwrap());
    drop(env);
    set_and_commit(&link, &[("CLIENT_KEYS", "b")]);

    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("real.env"));
    assert_eq!(
        fs::read_to_string(&real).unwrap(),
        "# real\nCLIENT_KEYS=b\n"
    );
    assert_eq!(mode_of(&real), 0o640);
    assert!(
        dir.path().join("real.env.lock").exists(),
        "lock next to the target"
    );
    assert!(!dir.path().join(".env.lock").exists());
}

#[test]
fn symlink_chain_into_another_directory_and_dangling_link() {
    let root = tempfile::tempdir().unwrap();
    let config = root.path().join("config");
    let app = root.path().join("app");
    fs::create_dir(&config).unwrap();
    fs::create_dir(&app).unwrap();
    // app/.env -> app/middle.env -> ../config/prod.env (does not exist yet)
    symlink("../config/prod.env", app.join("middle.env")).unwrap();
    symlink("middle.env", app.join(".env")).unwrap();

    set_and_commit(&app.join(".env"), &[("CLIENT_SECRET", HEX_A)]);
    let target = config.join("prod.env");
    assert_eq!(
        fs::read_to_string(&target).unwrap(),
        format!("CLIENT_SECRET={HEX_A}\n")
    );
    assert_eq!(mode_of(&target), 0o600);
    for link in [app.join(".env"), app.join("middle.env")] {
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
    assert!(config.join("prod.env.lock").exists());
    assert!(temp_files(&app).is_empty() && temp_files(&config).is_empty());
}

#[test]
fn directory_is_refused_without_creating_a_lock_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    let err = EnvFile::open(dir.path().join("sub")).unwrap_err();
    assert!(matches!(err, EnvFileError::InvalidPath { .. }), "{err:?}");
    assert!(!dir.path().join("sub.lock").exists());
}

#[test]
fn symlink_loop_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    symlink("b", dir.path().join("a")).unwrap();
    symlink("a", dir.path().join("b")).unwrap();
    let err = EnvFile::open(dir.path().join("a")).unwrap_err();
    assert!(matches!(err, EnvFileError::InvalidPath { .. }), "{err:?}");
}

// ---------------------------------------------------------------------------
// Interruptions
// ---------------------------------------------------------------------------

#[test]
#[cfg(feature = "danger-test-hooks")]
fn interrupted_before_rename_leaves_the_original_intact() {
    for stop_at in [
        CommitStage::TempCreated,
        CommitStage::TempWritten,
        CommitStage::BeforeRename,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let bytes = b"# keep me\nCLIENT_KEYS=a\n";
        let path = write_file(dir.path(), ".env", bytes, 0o640);
        let mut env = EnvFile::open(&path).unwrap();
        env.set("CLIENT_KEYS", "a, b").unwrap();
        let mut seen_temp = None;
        let err = env
            .commit_with(|stage, temp| {
                if stage == CommitStage::BeforeRename {
                    // The temp file is complete, synced and has the final mode.
                    assert_eq!(
                        fs::read_to_string(temp).unwrap(),
                        "# keep me\nCLIENT_KEYS=\"a, b\"\n"
                    );
                    assert_eq!(mode_of(temp), 0o640);
                }
                if stage == stop_at {
                    assert_eq!(
                        temp.parent(),
                        Some(fs::canonicalize(dir.path()).unwrap().as_path())
                    );
                    assert!(
                        temp.file_name()
                            .unwrap()
                            .to_string_lossy()
                            .starts_with(".env.tmp-")
                    );
                    seen_temp = Some(temp.to_path_buf());
                    return Err(std::io::Error::other("simulated crash"));
                }
                Ok(())
            })
            .unwrap_err();
        assert!(matches!(err, EnvFileError::Io { .. }), "{err:?}");
        assert!(!seen_temp.unwrap().exists());
        assert_untouched(dir.path(), &path, bytes);
        // The lock was released: the file can be edited again.
        set_and_commit(&path, &[("CLIENT_KEYS", "c")]);
    }
}

#[test]
#[cfg(feature = "danger-test-hooks")]
fn panic_before_rename_removes_the_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"CLIENT_KEYS=a\n";
    let path = write_file(dir.path(), ".env", bytes, 0o600);
    let mut env = EnvFile::open(&path).unwrap();
    env.set("CLIENT_KEYS", "b").unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        env.commit_with(|stage, _| {
            assert_ne!(stage, CommitStage::BeforeRename, "simulated panic");
            Ok(())
        })
    }));
    assert!(result.is_err());
    assert_untouched(dir.path(), &path, bytes);
}

#[test]
#[cfg(feature = "danger-test-hooks")]
fn hook_error_after_rename_keeps_the_new_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), ".env", b"CLIENT_KEYS=a\n", 0o600);
    let mut env = EnvFile::open(&path).unwrap();
    env.set("CLIENT_KEYS", "b").unwrap();
    let result = env.commit_with(|stage, _| {
        if stage == CommitStage::Renamed {
            return Err(std::io::Error::other("simulated crash"));
        }
        Ok(())
    });
    assert!(result.is_err());
    assert_untouched(dir.path(), &path, b"CLIENT_KEYS=b\n");
}

// ---------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------

fn append_id(path: &Path, id: &str) {
    let mut env = EnvFile::open(path).unwrap();
    let keys = env.get("CLIENT_KEYS").unwrap_or_default().to_owned();
    let keys = if keys.is_empty() {
        id.to_owned()
    } else {
        format!("{keys}, {id}")
    };
    env.set("CLIENT_KEYS", &keys).unwrap();
    env.commit().unwrap();
}

fn assert_all_ids(path: &Path, n: usize) {
    let pairs = dotenvy_pairs(&fs::read(path).unwrap());
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    let keys = &pairs.iter().find(|(n, _)| n == "CLIENT_KEYS").unwrap().1;
    let mut found: Vec<&str> = ids(keys);
    found.sort_unstable();
    let mut expected: Vec<String> = (0..n).map(|i| format!("id-{i:02}")).collect();
    expected.sort_unstable();
    assert_eq!(found, expected);
}

#[test]
fn sixteen_threads_appending_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), ".env", b"# shared\nCLIENT_SECRET=x\n", 0o600);
    let barrier = Arc::new(Barrier::new(16));
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let (path, barrier) = (path.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                append_id(&path, &format!("id-{i:02}"));
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_all_ids(&path, 16);
    assert!(temp_files(dir.path()).is_empty());
}

const CHILD_FILE: &str = "CLIENT_KEYS_TEST_ENV_FILE_CHILD_FILE";
const CHILD_ID: &str = "CLIENT_KEYS_TEST_ENV_FILE_CHILD_ID";

/// The child process that `sixteen_processes_appending_lose_nothing` starts (with `--ignored`).
#[test]
#[ignore = "child process of sixteen_processes_appending_lose_nothing"]
fn child_process_appends_one_id() {
    let file = std::env::var_os(CHILD_FILE).expect("started by its parent test");
    let id = std::env::var(CHILD_ID).expect("started by its parent test");
    append_id(Path::new(&file), &id);
}

#[test]
fn sixteen_processes_appending_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), ".env", b"CLIENT_SECRET=x\r\n", 0o600);
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..16)
        .map(|i| {
            Command::new(&exe)
                .args([
                    "child_process_appends_one_id",
                    "--exact",
                    "--ignored",
                    "--quiet",
                    "--test-threads=1",
                ])
                .env(CHILD_FILE, &path)
                .env(CHILD_ID, format!("id-{i:02}"))
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    assert_all_ids(&path, 16);
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .starts_with("CLIENT_SECRET=x\r\nCLIENT_KEYS=")
    );
    assert!(temp_files(dir.path()).is_empty());
}

// ---------------------------------------------------------------------------
// Secrets never leak into Debug or Display
// ---------------------------------------------------------------------------

#[test]
fn debug_and_errors_never_show_values() {
    let dir = tempfile::tempdir().unwrap();
    let content = format!(
        "CLIENT_SECRET={SENTINEL}\nCLIENT_SECRET_PREVIOUS=\"{SENTINEL},\n{SENTINEL}\"\nCLIENT_KEYS={SENTINEL}\nCOPY=${{CLIENT_KEYS}}\n"
    );
    let path = write_file(dir.path(), ".env", content.as_bytes(), 0o600);
    let mut env = EnvFile::open(&path).unwrap();
    env.set("CLIENT_SECRET", &SENTINEL.replace('d', "e"))
        .unwrap();
    let debug = format!("{env:?} {env:#?}");
    assert!(debug.contains("CLIENT_SECRET"), "{debug}");

    let mut errors: Vec<EnvFileError> = Vec::new();
    errors.push(
        env.set("CLIENT_KEYS", &SENTINEL.replace('d', "e"))
            .unwrap_err(),
    ); // self-check (COPY)
    errors.push(env.set("BAD NAME", SENTINEL).unwrap_err());
    drop(env);

    let dup = write_file(
        dir.path(),
        "dup.env",
        format!("K={SENTINEL}\nK={SENTINEL}\n").as_bytes(),
        0o600,
    );
    errors.push(EnvFile::open(&dup).unwrap().set("K", SENTINEL).unwrap_err());
    let bad = write_file(
        dir.path(),
        "bad.env",
        format!("K={SENTINEL} {SENTINEL}\n").as_bytes(),
        0o600,
    );
    errors.push(EnvFile::open(&bad).unwrap_err());
    let open_quote = write_file(
        dir.path(),
        "quote.env",
        format!("K=\"{SENTINEL}\n").as_bytes(),
        0o600,
    );
    errors.push(EnvFile::open(&open_quote).unwrap_err());
    let mut not_utf8 = SENTINEL.as_bytes().to_vec();
    not_utf8.extend_from_slice(b"=\xff\n");
    let not_utf8 = write_file(dir.path(), "utf8.env", &not_utf8, 0o600);
    errors.push(EnvFile::open(&not_utf8).unwrap_err());
    errors.push(EnvFile::open(dir.path().join("no/such/dir/.env")).unwrap_err());

    assert_eq!(errors.len(), 7);
    for err in &errors {
        let shown = format!("{err} {err:?} {:?}", std::error::Error::source(err));
        assert!(
            !shown.contains("deadbeef") && !shown.contains("eeabeef"),
            "{shown}"
        );
        let display = err.to_string();
        assert!(display.starts_with(|c: char| c.is_lowercase()), "{display}");
        assert!(!display.ends_with('.'), "{display}");
    }
    assert!(
        !debug.contains("deadbeef") && !debug.contains("eeabeef"),
        "{debug}"
    );
}

#[test]
fn the_next_edit_removes_temp_files_left_by_a_crash_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = write_file(dir.path(), ".env", b"CLIENT_KEYS=\n", 0o600);
    // What a process killed between creating its temporary file and the rename leaves.
    let stale = write_file(
        dir.path(),
        ".env.tmp-4242-00ff00ff00ff00ff",
        b"CLIENT_SECRET=x\n",
        0o600,
    );
    // Look-alikes that are not ours stay.
    let notes = write_file(dir.path(), ".env.tmp-notes", b"mine\n", 0o600);
    let other = write_file(
        dir.path(),
        ".other.tmp-4242-00ff00ff00ff00ff",
        b"x\n",
        0o600,
    );
    set_and_commit(&env, &[("CLIENT_KEYS", "a1")]);
    assert!(!stale.exists(), "the stale temporary file is removed");
    assert!(notes.exists() && other.exists(), "look-alikes are not ours");
}

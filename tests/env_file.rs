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
    files_in(dir)
        .into_iter()
        .filter(|n| n.contains("tmp-"))
        .collect()
}

/// Names of every file in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
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

/// Where a variable is defined in a fixture: the text `before` the value
/// (enough context to be unique) and the value's text as written. Tokens are
/// written with `\n` and converted for CRLF variants.
#[derive(Clone, Copy, Debug)]
struct Def {
    before: &'static str,
    text: &'static str,
}

const fn def(before: &'static str, text: &'static str) -> Option<Def> {
    Some(Def { before, text })
}

struct Fixture {
    file: &'static str,
    secret: Option<Def>,
    keys: Option<Def>,
    previous: Option<Def>,
}

fn corpus() -> Vec<Fixture> {
    vec![
        Fixture {
            file: "basic.env",
            secret: def("\nCLIENT_SECRET=", HEX_A),
            keys: def("\nCLIENT_KEYS=", "id-one"),
            previous: None,
        },
        Fixture {
            file: "export.env",
            secret: def("\nexport CLIENT_SECRET=", HEX_A),
            keys: def("\nexport CLIENT_KEYS=", "\"id-one, id-two\""),
            previous: def("\nexport CLIENT_SECRET_PREVIOUS=", HEX_B),
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
            ),
            keys: def("\nCLIENT_KEYS=", "'id-one, id-two'"),
            previous: def("\nCLIENT_SECRET_PREVIOUS=", "''"),
        },
        Fixture {
            file: "multiline.env",
            secret: def("\nCLIENT_SECRET=", HEX_A),
            keys: None,
            previous: None,
        },
        Fixture {
            file: "empty.env",
            secret: def("\nCLIENT_SECRET=", HEX_A),
            keys: def("\nCLIENT_KEYS=", ""),
            previous: def("\nCLIENT_SECRET_PREVIOUS=", "''"),
        },
        Fixture {
            file: "substitution.env",
            secret: def("\nCLIENT_SECRET=", HEX_A),
            keys: def("\nCLIENT_KEYS=", "id-one,id-two"),
            previous: None,
        },
        Fixture {
            file: "spacing.env",
            secret: def("\nCLIENT_SECRET = ", HEX_A),
            keys: def("\nexport   CLIENT_KEYS =\t", "id-one"),
            previous: def(
                "\n  CLIENT_SECRET_PREVIOUS=",
                concat!(
                    "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
                    ",",
                    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
                ),
            ),
        },
        Fixture {
            file: "multiline_previous.env",
            secret: def("CLIENT_SECRET=", HEX_A),
            keys: def("\nCLIENT_KEYS=", "\"id-one\""),
            previous: def(
                "\nCLIENT_SECRET_PREVIOUS=",
                concat!(
                    "\"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
                    ",\n",
                    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\""
                ),
            ),
        },
        Fixture {
            file: "keys_last.env",
            secret: None,
            keys: def("\nCLIENT_KEYS=", "id-one"),
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

/// The test's own expectation of how a value is written: unquoted when it
/// can be, else in single quotes, else in double quotes; an empty value as
/// nothing, or as `''` where nothing would not read back (before an inline
/// comment, right after `export NAME=`).
fn render(value: &str, comment_follows: bool, exported: bool) -> String {
    let plain = value
        .chars()
        .all(|c| !(c.is_whitespace() || c.is_control() || "#\\$'\"".contains(c)));
    if value.is_empty() {
        if comment_follows || exported {
            "''".to_owned()
        } else {
            String::new()
        }
    } else if plain {
        value.to_owned()
    } else if !value.contains(['\'', '\\']) && !value.contains("${") {
        format!("'{value}'")
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
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
            let at = out.find(&token).unwrap() + token.len();
            let rest = &out[at..];
            let line_rest = &rest[..rest.find(['\r', '\n']).unwrap_or(rest.len())];
            let comment_follows = line_rest.trim_start().starts_with('#');
            // `export NAME=` then the line's end: Ruby 3 reads `export NAME`.
            let exported = d.before.contains("export") && d.before.ends_with('=');
            let replacement = variant.convert(d.before) + &render(value, comment_follows, exported);
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
                render(value, false, false),
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

            // The value EnvFile reports is the one dotenvy loads, for every `CLIENT_*`
            // variable; another variable on a line Ruby's dotenv and python-dotenv do not
            // read alike (a `${VAR}` reference, say) has none.
            {
                let dir = tempfile::tempdir().unwrap();
                let path = write_file(dir.path(), ".env", original.as_bytes(), 0o600);
                let env = EnvFile::open(&path).unwrap();
                for (name, value) in &values {
                    let got = env.get(name);
                    // Line breaks in quotes read as `\n`, as Ruby and Python read them.
                    let other = !name.starts_with("CLIENT_");
                    assert!(
                        got == Some(value.as_str())
                            || (other && got.is_none())
                            || got == Some(value.replace("\r\n", "\n").as_str()),
                        "{} get {name}: {got:?}",
                        fixture.file
                    );
                }
                assert_eq!(env.get("NOT_DEFINED_ANYWHERE"), None);
            }

            // `--save`: append an id, as `ConfigFile` writes a list.
            let keys = get("CLIENT_KEYS").unwrap_or_default();
            let mut list = ids(&keys);
            list.push(NEW_ID);
            let appended = list.join(",");
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
                let removed = rest.join(",");
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
                Some(p) if !p.is_empty() => format!("{old_secret},{}", ids(&p).join(",")),
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
fn lists_are_written_unquoted_without_spaces() {
    let dir = tempfile::tempdir().unwrap();
    // Quoted as `--save` wrote it before: `docker --env-file` keeps the quotes in the value.
    let path = write_file(dir.path(), ".env", b"CLIENT_KEYS=\"id-a, id-b\"\n", 0o600);
    set_and_commit(&path, &[("CLIENT_KEYS", "id-a,id-b,id-c")]);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "CLIENT_KEYS=id-a,id-b,id-c\n"
    );
    // A value that needs them still gets quotes every reader reads alike.
    set_and_commit(&path, &[("CLIENT_KEYS", "id a")]);
    assert_eq!(fs::read_to_string(&path).unwrap(), "CLIENT_KEYS='id a'\n");
}

#[test]
fn the_inline_comment_stays_even_when_the_list_empties() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        ".env",
        b"CLIENT_KEYS=a,b # key ids\nexport CLIENT_SECRET_PREVIOUS=x\nB=2\n",
        0o600,
    );
    set_and_commit(&path, &[("CLIENT_KEYS", "b")]);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "CLIENT_KEYS=b # key ids\nexport CLIENT_SECRET_PREVIOUS=x\nB=2\n"
    );
    // `CLIENT_KEYS= # key ids` and `export NAME=` are read differently by Ruby's dotenv and
    // python-dotenv: an empty value before a comment or after `export` is written `''`.
    set_and_commit(
        &path,
        &[("CLIENT_KEYS", ""), ("CLIENT_SECRET_PREVIOUS", "")],
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "CLIENT_KEYS='' # key ids\nexport CLIENT_SECRET_PREVIOUS=''\nB=2\n"
    );
    let env = EnvFile::open(&path).unwrap();
    assert_eq!(env.get("CLIENT_KEYS"), Some(""));
    assert_eq!(env.get("CLIENT_SECRET_PREVIOUS"), Some(""));
}

#[test]
fn a_comment_glued_to_a_closing_quote_stays_a_comment() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), ".env", b"CLIENT_KEYS='a b'#ids\n", 0o600);
    set_and_commit(&path, &[("CLIENT_KEYS", "a,b")]);
    assert_eq!(fs::read_to_string(&path).unwrap(), "CLIENT_KEYS=a,b #ids\n");
}

/// Trivial's guide's `.env` and the lines every Rails `.env` has, which dotenvy refuses:
/// the editor reads them as `Config` does, and an edit changes the list and nothing else.
#[test]
fn the_editor_reads_what_ruby_and_python_read_and_edits_only_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let content = format!(
        "CLIENT_SECRET={HEX_A} # paste your secret here\r\n\
         CLIENT_KEYS=xxx, another-key # key_id from key\r\n\
         APP_NAME=My App\r\nWINPATH=C:\\Users\\me\r\nFLAG\r\nMSG='it\\'s'\r\nJSON={{\"a\": 1}}\r\n"
    );
    let path = write_file(dir.path(), ".env", content.as_bytes(), 0o600);
    let mut env = EnvFile::open(&path).unwrap();
    assert_eq!(env.get("CLIENT_SECRET"), Some(HEX_A));
    assert_eq!(env.get("CLIENT_KEYS"), Some("xxx, another-key"));
    assert_eq!(env.get("APP_NAME"), Some("My App"));
    assert_eq!(env.get("WINPATH"), None, "read differently: skipped");
    env.set("CLIENT_KEYS", &format!("xxx,another-key,{NEW_ID}"))
        .unwrap();
    env.commit().unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        content.replace(
            "CLIENT_KEYS=xxx, another-key #",
            &format!("CLIENT_KEYS=xxx,another-key,{NEW_ID} #")
        )
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
    assert_eq!(
        files_in(dir.path()),
        [".env"],
        "no lock file, no temporary file"
    );
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
    env.set("CLIENT_KEYS", "x,y").unwrap();
    env.set("A", "1").unwrap(); // back to the original: no edit of A
    env.commit().unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "A=1\nCLIENT_KEYS=x,y\n");
}

// ---------------------------------------------------------------------------
// Refusals: nothing is written
// ---------------------------------------------------------------------------

fn assert_untouched(dir: &Path, path: &Path, bytes: &[u8]) {
    assert_eq!(fs::read(path).unwrap(), bytes, "file unchanged");
    assert!(temp_files(dir).is_empty(), "no temp file left");
}

#[test]
fn an_unreadable_client_line_is_refused_with_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = format!("A=1\n# comment\n\nCLIENT_SECRET={SENTINEL}#oops\nB=2\n");
    let path = write_file(dir.path(), ".env", bytes.as_bytes(), 0o600);
    let err = EnvFile::open(&path).unwrap_err();
    assert!(
        matches!(&err, EnvFileError::UnreadableLine { line: 4, name, .. } if name == "CLIENT_SECRET"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("line 4"), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(!message.contains("deadbeef") && !format!("{err:?}").contains("deadbeef"));
    assert_untouched(dir.path(), &path, bytes.as_bytes());
}

#[test]
fn a_reference_in_client_keys_is_refused_for_editing_not_flattened() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"OTHER_KEYS=a1\nCLIENT_KEYS=${OTHER_KEYS},b2\n";
    let path = write_file(dir.path(), ".env", bytes, 0o600);
    let err = EnvFile::open(&path).unwrap_err();
    assert!(
        matches!(&err, EnvFileError::UnreadableLine { line: 2, name, .. } if name == "CLIENT_KEYS"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("cannot edit CLIENT_KEYS at line 2") && message.contains("`$` references"),
        "{message}"
    );
    assert_untouched(dir.path(), &path, bytes);
    // Another variable's reference is left alone, and does not stop an edit.
    let bytes = b"BASE=/srv\nDATA=${BASE}/data\nCLIENT_KEYS=a1\n";
    let path = write_file(dir.path(), "other.env", bytes, 0o600);
    set_and_commit(&path, &[("CLIENT_KEYS", "a1,b2")]);
    assert_eq!(
        fs::read(&path).unwrap(),
        b"BASE=/srv\nDATA=${BASE}/data\nCLIENT_KEYS=a1,b2\n"
    );
}

#[test]
fn unterminated_quote_is_refused_at_its_opening_line() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"A=1\nCLIENT_KEYS=\"open\nC=2\nD=3\n";
    let path = write_file(dir.path(), ".env", bytes, 0o600);
    let err = EnvFile::open(&path).unwrap_err();
    assert!(
        matches!(err, EnvFileError::UnreadableLine { line: 2, .. }),
        "{err:?}"
    );
    assert_untouched(dir.path(), &path, bytes);
}

#[test]
fn a_trailing_blank_on_an_unterminated_last_line_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), ".env", b"A=1\nB=2 ", 0o600);
    set_and_commit(&path, &[("CLIENT_KEYS", "x")]);
    assert_eq!(fs::read(&path).unwrap(), b"A=1\nB=2 \nCLIENT_KEYS=x\n");
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
    // Ruby's dotenv and python-dotenv take the last definition, dotenvy the first: neither is
    // read, nor edited.
    assert_eq!(env.get("CLIENT_KEYS"), None);
    for err in [
        env.value("CLIENT_KEYS").unwrap_err(),
        env.set("CLIENT_KEYS", "x").unwrap_err(),
        env.set("A", "2").unwrap_err(),
    ] {
        assert!(
            matches!(&err, EnvFileError::DuplicateDefinition { .. }),
            "{err:?}"
        );
    }
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
    // The refused edits are not pending: committing writes nothing.
    env.commit().unwrap();
    assert_untouched(dir.path(), &path, bytes.as_bytes());
    // A variable defined once can still be edited (a key revoked while the other waits).
    set_and_commit(&path, &[("CLIENT_SECRET", HEX_A)]);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        format!("{bytes}CLIENT_SECRET={HEX_A}\n")
    );
}

#[test]
fn an_edit_that_would_change_a_reference_to_the_variable_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (bytes, other) in [
        (&b"CLIENT_KEYS=a\nCOPY=${CLIENT_KEYS}\n"[..], "COPY"),
        (b"CLIENT_KEYS=a\nRUBY=\"$CLIENT_KEYS,b\"\n", "RUBY"),
        (b"CLIENT_KEYS=a\nDEFAULT=${CLIENT_KEYS:-x}\n", "DEFAULT"),
    ] {
        let path = write_file(dir.path(), ".env", bytes, 0o600);
        let mut env = EnvFile::open(&path).unwrap();
        assert_eq!(env.get(other), None, "not read alike: skipped");
        let err = env.set("CLIENT_KEYS", "b").unwrap_err();
        assert!(
            matches!(&err, EnvFileError::SelfCheckFailed { name: Some(n), .. } if n == other),
            "{err:?}"
        );
        assert!(
            err.to_string().contains(&format!("how {other} is read")),
            "{err}"
        );
        assert_eq!(
            env.get("CLIENT_KEYS"),
            Some("a"),
            "refused edit not pending"
        );
        env.commit().unwrap();
        assert_untouched(dir.path(), &path, bytes);
    }
    // `$CLIENT_KEYS_OLD` is another variable.
    let path = write_file(
        dir.path(),
        ".env",
        b"CLIENT_KEYS=a\nX=$CLIENT_KEYS_OLD\n",
        0o600,
    );
    set_and_commit(&path, &[("CLIENT_KEYS", "b")]);
}

#[test]
fn an_edit_that_would_not_read_back_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // python-dotenv 1.0 may read `"a\\"` on to the next quote: with a quote in the new last
    // line, `X` (and the new line) would no longer be read alike.
    let bytes = b"A=1\nX=\"a\\\\\"\n";
    let path = write_file(dir.path(), ".env", bytes, 0o600);
    let mut env = EnvFile::open(&path).unwrap();
    assert_eq!(env.get("X"), Some("a\\"));
    let err = env.set("CLIENT_KEYS", "say \"hi\"").unwrap_err();
    assert!(
        matches!(&err, EnvFileError::SelfCheckFailed { .. }),
        "{err:?}"
    );
    assert_eq!(env.get("CLIENT_KEYS"), None, "refused edit not pending");
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
    assert_eq!(
        files_in(dir.path()),
        [".env", "real.env"],
        "no lock file left"
    );
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
    assert_eq!(files_in(&config), ["prod.env"]);
    assert!(temp_files(&app).is_empty());
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
        env.set("CLIENT_KEYS", "a,b").unwrap();
        let mut seen_temp = None;
        let err = env
            .commit_with(|stage, temp| {
                if stage == CommitStage::BeforeRename {
                    // The temp file is complete, synced and has the final mode.
                    assert_eq!(
                        fs::read_to_string(temp).unwrap(),
                        "# keep me\nCLIENT_KEYS=a,b\n"
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
                            .starts_with(".env.client-keys-tmp-")
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
        format!("{keys},{id}")
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
        "CLIENT_SECRET={SENTINEL}\nCLIENT_SECRET_PREVIOUS=\"{SENTINEL},\n{SENTINEL}\"\nCLIENT_KEYS={SENTINEL}\nCOPY=${{CLIENT_KEYS}}\nX=\"a\\\\\"\n"
    );
    let path = write_file(dir.path(), ".env", content.as_bytes(), 0o600);
    let mut env = EnvFile::open(&path).unwrap();
    env.set("CLIENT_SECRET", &SENTINEL.replace('d', "e"))
        .unwrap();
    let debug = format!("{env:?} {env:#?}");
    assert!(debug.contains("CLIENT_SECRET"), "{debug}");

    let mut errors: Vec<EnvFileError> = Vec::new();
    errors.push(
        env.set("APPENDED", &format!("\"{}\"", SENTINEL.replace('d', "e")))
            .unwrap_err(),
    ); // read-back check (X)
    errors.push(env.set("COPY", SENTINEL).unwrap_err()); // a reference
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
        format!("CLIENT_KEYS={SENTINEL}#{SENTINEL}\n").as_bytes(),
        0o600,
    );
    errors.push(EnvFile::open(&bad).unwrap_err());
    let open_quote = write_file(
        dir.path(),
        "quote.env",
        format!("CLIENT_SECRET=\"{SENTINEL}\n").as_bytes(),
        0o600,
    );
    errors.push(EnvFile::open(&open_quote).unwrap_err());
    let mut not_utf8 = SENTINEL.as_bytes().to_vec();
    not_utf8.extend_from_slice(b"=\xff\n");
    let not_utf8 = write_file(dir.path(), "utf8.env", &not_utf8, 0o600);
    errors.push(EnvFile::open(&not_utf8).unwrap_err());
    errors.push(EnvFile::open(dir.path().join("no/such/dir/.env")).unwrap_err());

    assert_eq!(errors.len(), 8);
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
    // What a process killed between creating its temporary file and the rename leaves (and
    // what earlier versions left).
    let stale = write_file(
        dir.path(),
        ".env.client-keys-tmp-4242-00ff00ff00ff00ff",
        b"CLIENT_SECRET=x\n",
        0o600,
    );
    let legacy = write_file(
        dir.path(),
        ".env.tmp-4242-00ff00ff00ff00ff",
        b"CLIENT_SECRET=x\n",
        0o600,
    );
    // Look-alikes that are not ours stay.
    let notes = write_file(dir.path(), ".env.client-keys-tmp-notes", b"mine\n", 0o600);
    let other = write_file(
        dir.path(),
        ".other.client-keys-tmp-4242-00ff00ff00ff00ff",
        b"x\n",
        0o600,
    );
    set_and_commit(&env, &[("CLIENT_KEYS", "a1")]);
    assert!(!stale.exists(), "the stale temporary file is removed");
    assert!(!legacy.exists(), "so is an earlier version's");
    assert!(notes.exists() && other.exists(), "look-alikes are not ours");
}

/// Whether `name` matches the `.gitignore` pattern `pattern` (`*` only, no `/`).
fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => name.strip_prefix(head).is_some_and(|rest| {
            (0..=rest.len()).any(|i| rest.is_char_boundary(i) && glob(tail, &rest[i..]))
        }),
    }
}

#[test]
#[cfg(feature = "danger-test-hooks")]
fn temporary_files_are_covered_by_a_gitignore_line_env_star_and_by_ours() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), ".env", b"CLIENT_KEYS=a\n", 0o600);
    let mut env = EnvFile::open(&path).unwrap();
    env.set("CLIENT_KEYS", "a,b").unwrap();
    let mut name = String::new();
    env.commit_with(|stage, temp| {
        if stage == CommitStage::TempCreated {
            assert_eq!(
                temp.parent(),
                Some(fs::canonicalize(dir.path()).unwrap().as_path())
            );
            name = temp.file_name().unwrap().to_string_lossy().into_owned();
        }
        Ok(())
    })
    .unwrap();
    assert!(name.starts_with(".env.client-keys-tmp-"), "{name}");
    // A user's `.gitignore` of `.env*`, and this project's own.
    assert!(glob(".env*", &name), "{name}");
    let ours =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".gitignore")).unwrap();
    assert!(
        ours.lines().any(|line| glob(line.trim(), &name)),
        "the project's .gitignore does not cover {name}"
    );
    assert!(
        !glob(".env", &name),
        "the old `.gitignore` of `.env` alone does not"
    );
}

// ---------------------------------------------------------------------------
// Files a rename cannot edit safely, and what is not a file
// ---------------------------------------------------------------------------

fn assert_refused_at_once(path: &Path, what: &str, expected: &str) {
    let started = std::time::Instant::now();
    let err = EnvFile::open(path).unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{what}: took too long"
    );
    assert!(
        matches!(err, EnvFileError::InvalidPath { .. }),
        "{what}: {err:?}"
    );
    let message = err.to_string();
    assert!(message.contains(expected), "{what}: {message}");
}

#[test]
fn a_fifo_a_device_and_a_huge_file_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.env");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    assert_refused_at_once(&fifo, "FIFO", "not a regular file");
    let link = dir.path().join(".env");
    symlink("/dev/zero", &link).unwrap();
    assert_refused_at_once(&link, "/dev/zero", "not a regular file");
    let huge = dir.path().join("huge.env");
    let file = fs::File::create(&huge).unwrap();
    file.set_len(1024 * 1024 + 1).unwrap();
    assert_refused_at_once(&huge, "1 MiB + 1", "larger than 1 MiB");
    // 1 MiB exactly is read.
    file.set_len(1024 * 1024).unwrap();
    let mut bytes = b"CLIENT_KEYS=a\n".to_vec();
    bytes.resize(1024 * 1024, b'\n');
    fs::write(&huge, &bytes).unwrap();
    assert_eq!(EnvFile::open(&huge).unwrap().get("CLIENT_KEYS"), Some("a"));
}

#[test]
fn a_hard_linked_env_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"CLIENT_KEYS=a\n";
    let path = write_file(dir.path(), ".env", bytes, 0o600);
    fs::hard_link(&path, dir.path().join("backup.env")).unwrap();
    assert_refused_at_once(&path, "hard link", "other hard links");
    assert_untouched(dir.path(), &path, bytes);
    assert_eq!(fs::read(dir.path().join("backup.env")).unwrap(), bytes);
}

#[test]
fn a_read_only_env_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"CLIENT_KEYS=a\n";
    let path = write_file(dir.path(), ".env", bytes, 0o400);
    assert_refused_at_once(&path, "0400", "read-only");
    assert_untouched(dir.path(), &path, bytes);
    assert_eq!(mode_of(&path), 0o400);
}

#[test]
fn no_lock_file_is_left_to_block_the_owner_after_a_run_as_another_user() {
    // The lock is taken on the file itself: nothing is left behind, so a run as root cannot
    // leave a root-owned lock file that the file's owner may not open.
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), ".env", b"CLIENT_KEYS=a\n", 0o600);
    set_and_commit(&path, &[("CLIENT_KEYS", "a,b")]);
    EnvFile::open(dir.path().join("new.env"))
        .unwrap()
        .commit()
        .unwrap();
    assert_eq!(files_in(dir.path()), [".env"]);
    // While one edit holds the lock, another waits for it, then sees the first one's result.
    let env = EnvFile::open(&path).unwrap();
    let waiter = {
        let path = path.clone();
        std::thread::spawn(move || {
            let env = EnvFile::open(&path).unwrap();
            env.get("CLIENT_KEYS").map(str::to_owned)
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(!waiter.is_finished(), "the second edit waits for the lock");
    let mut env = env;
    env.set("CLIENT_KEYS", "a,b,c").unwrap();
    env.commit().unwrap();
    assert_eq!(waiter.join().unwrap().as_deref(), Some("a,b,c"));
}

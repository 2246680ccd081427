//! `env_file`: the `.env` editor changes `CLIENT_KEYS` and nothing else.
//!
//! The input's first byte picks the new value of `CLIENT_KEYS` (one of [`VALUES`], or text
//! taken from the input); the rest is the file. The file is opened with [`EnvFile::open`],
//! `CLIENT_KEYS` is set and the edit committed. dotenvy (the parser servers load `.env`
//! with) is the judge: after a successful edit the file reads exactly as before, with only
//! `CLIENT_KEYS` changed (or appended); after a refused one the file is byte for byte the
//! same. Nothing ever panics and no temporary file is left behind.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const CLIENT_KEYS: &str = client_keys::Variable::ClientKeys.name();
use client_keys::operator::{EnvFile, EnvFileError};

/// Realistic new values of `CLIENT_KEYS`, which must always be writable.
pub(crate) const VALUES: &[&str] = &[
    "",
    "00112233445566778899aabbccddeeff",
    "00112233445566778899aabbccddeeff,3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e",
    "00112233445566778899aabbccddeeff, 3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e, another-key",
    "it's \"quoted\" # not a comment",
    "$HOME ${CLIENT_SECRET} \\n",
    "multi\nline\r\nvalue",
    "'single'",
];

/// The longest value taken from the input (when the first byte is past [`VALUES`]).
const MAX_INPUT_VALUE: usize = 64;

/// The name of the file edited inside the scratch directory.
const FILE: &str = ".env";

/// What dotenvy makes of `bytes`: every definition in order, or `None` if it refuses the
/// file. A leading BOM is skipped, as dotenvy's loaders (`dotenv`, `from_path`) do.
fn dotenvy_parse(bytes: &[u8]) -> Option<Vec<(String, String)>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    dotenvy::from_read_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .ok()
}

/// The first definition of `name`, which is the one dotenvy's loaders apply.
fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The new value the input asks for, and the file content.
fn split_input(data: &[u8]) -> (String, &[u8]) {
    let Some((&selector, content)) = data.split_first() else {
        return (String::new(), data);
    };
    if let Some(value) = VALUES.get(usize::from(selector)) {
        return ((*value).to_owned(), content);
    }
    // Arbitrary text: the first line of the content, cut to a character boundary.
    let line = content.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let mut value = String::from_utf8_lossy(line).into_owned();
    let mut end = value.len().min(MAX_INPUT_VALUE);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    value.truncate(end);
    (value, content)
}

/// The fuzz target's body; `dir` is a scratch directory owned by the caller (reused).
pub(crate) fn check(dir: &Path, data: &[u8]) {
    let (value, content) = split_input(data);
    let from_list = VALUES.contains(&value.as_str());
    let path = dir.join(FILE);
    fs::write(&path, content).expect("write the input file");
    let mode = fs::metadata(&path).expect("metadata").permissions().mode();
    let before = dotenvy_parse(content);
    let unchanged = || {
        assert_eq!(
            fs::read(&path).expect("read back"),
            content,
            "the file changed"
        );
        assert_no_temp_files(dir);
    };

    let mut env = match EnvFile::open(&path) {
        Ok(env) => env,
        Err(e) => {
            match &e {
                EnvFileError::NotUtf8 { .. } => {
                    assert!(std::str::from_utf8(content).is_err(), "NotUtf8 for UTF-8");
                }
                EnvFileError::Parse { .. } => {
                    assert!(before.is_none(), "open refused a file dotenvy parses: {e}");
                }
                // The locator could not map the file with certainty: refusing is safe.
                EnvFileError::Unsupported { .. } => {}
                other => panic!("open failed unexpectedly: {other}"),
            }
            unchanged();
            return;
        }
    };
    let before = before.expect("EnvFile::open accepted a file dotenvy refuses");
    for (name, _) in &before {
        assert_eq!(
            env.get(name),
            first(&before, name),
            "get({name}) disagrees with dotenvy"
        );
    }

    let definitions = before.iter().filter(|(n, _)| n == CLIENT_KEYS).count();
    let old_value = first(&before, CLIENT_KEYS).map(str::to_owned);
    if let Err(e) = env.set(CLIENT_KEYS, &value) {
        match &e {
            EnvFileError::DuplicateDefinition { .. } => {
                assert!(definitions > 1, "DuplicateDefinition with {definitions}");
            }
            EnvFileError::UnrepresentableValue { .. } => {
                assert!(!from_list, "a realistic value cannot be written: {value:?}");
            }
            // e.g. another variable refers to CLIENT_KEYS with `${CLIENT_KEYS}`.
            EnvFileError::SelfCheckFailed { .. } => {}
            other => panic!("set failed unexpectedly: {other}"),
        }
        drop(env);
        unchanged();
        return;
    }
    assert!(
        definitions <= 1,
        "set accepted a variable defined {definitions} times"
    );
    assert_eq!(env.get(CLIENT_KEYS), Some(value.as_str()), "get after set");
    env.commit().expect("commit on a scratch tmpfs");

    let after_bytes = fs::read(&path).expect("read the edited file");
    let after = dotenvy_parse(&after_bytes).expect("dotenvy parses the edited file");
    let mut expected = before.clone();
    match expected.iter_mut().find(|(n, _)| n == CLIENT_KEYS) {
        Some((_, v)) => v.clone_from(&value),
        None => expected.push((CLIENT_KEYS.to_owned(), value.clone())),
    }
    assert_eq!(after, expected, "the edit changed how the file reads");
    if old_value.as_deref() == Some(value.as_str()) {
        assert_eq!(
            after_bytes, content,
            "setting the current value rewrote the file"
        );
    } else if old_value.is_none() {
        assert!(
            after_bytes.starts_with(content),
            "appending changed the existing bytes"
        );
    }
    let new_mode = fs::metadata(&path).expect("metadata").permissions().mode();
    assert_eq!(new_mode, mode, "the edit changed the file's mode");
    assert_no_temp_files(dir);

    // The edited file can be edited again, and reads back the new value.
    let again = EnvFile::open(&path).expect("the edited file opens again");
    assert_eq!(
        again.get(CLIENT_KEYS),
        Some(value.as_str()),
        "reopened value"
    );
}

/// Only the file and its lock file are in `dir`.
fn assert_no_temp_files(dir: &Path) {
    for entry in fs::read_dir(dir).expect("list the scratch directory") {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            name == FILE || name == ".env.lock",
            "a file was left behind: {name}"
        );
    }
}

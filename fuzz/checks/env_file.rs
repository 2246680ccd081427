//! `env_file`: the `.env` editor changes `CLIENT_KEYS` and nothing else.
//!
//! The input's first byte picks the new value of `CLIENT_KEYS` (one of [`VALUES`], or text
//! taken from the input); the rest is the file. The file is opened with [`EnvFile::open`],
//! `CLIENT_KEYS` is set and the edit committed. After a successful edit the bytes are the
//! original's but for one region starting in `CLIENT_KEYS`'s line (or an appended line), and
//! the file reopens with every other variable read as before and `CLIENT_KEYS` read as set;
//! after a refused one the file is byte for byte the same. Nothing ever panics and no
//! temporary file or lock file is left behind. (How the reader reads a line is judged against
//! Ruby's dotenv and python-dotenv by the reader's own corpus tests.)

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
                // A `CLIENT_*` variable on a line the readers do not read alike: refused, as
                // `Config` refuses it.
                EnvFileError::UnreadableLine { name, .. } => {
                    assert!(name.starts_with("CLIENT_"), "open refused for {name}: {e}");
                    let shown = e.to_string();
                    assert!(!shown.is_empty());
                }
                other => panic!("open failed unexpectedly: {other}"),
            }
            unchanged();
            return;
        }
    };
    // Every name the file defines, and what the editor reads for it, before the edit.
    let text = String::from_utf8_lossy(content);
    let names: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let line = line
                .trim_start()
                .strip_prefix("export ")
                .unwrap_or(line)
                .trim_start();
            let (name, _) = line.split_once('=')?;
            let name = name.trim_end();
            (!name.is_empty()).then(|| name.to_owned())
        })
        .collect();
    let before: Vec<(String, Option<String>)> = names
        .iter()
        .map(|n| (n.clone(), env.get(n).map(str::to_owned)))
        .collect();
    let old_value = env.get(CLIENT_KEYS).map(str::to_owned);
    if let Err(e) = env.set(CLIENT_KEYS, &value) {
        match &e {
            EnvFileError::UnrepresentableValue { .. } => {
                // No quoting makes Ruby's dotenv and python-dotenv read a CR or a `$`
                // reference alike.
                assert!(
                    !from_list || value.contains(['\r', '$']),
                    "a realistic value cannot be written: {value:?}"
                );
            }
            // Defined twice: the readers disagree on which definition counts.
            EnvFileError::DuplicateDefinition { name, .. } => {
                assert_eq!(name, CLIENT_KEYS, "{e}");
            }
            // e.g. an earlier line's open quote would take the new line, or another line
            // refers to CLIENT_KEYS.
            EnvFileError::SelfCheckFailed { .. } => {}
            other => panic!("set failed unexpectedly: {other}"),
        }
        drop(env);
        unchanged();
        return;
    }
    assert_eq!(env.get(CLIENT_KEYS), Some(value.as_str()), "get after set");
    env.commit().expect("commit on a scratch tmpfs");

    let after_bytes = fs::read(&path).expect("read the edited file");
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
    } else {
        // The bytes before the change include CLIENT_KEYS's definition.
        let prefix = content
            .iter()
            .zip(&after_bytes)
            .take_while(|(a, b)| a == b)
            .count();
        assert!(
            String::from_utf8_lossy(&content[..prefix]).contains(CLIENT_KEYS),
            "the edit changed bytes before CLIENT_KEYS's definition"
        );
    }
    let new_mode = fs::metadata(&path).expect("metadata").permissions().mode();
    assert_eq!(new_mode, mode, "the edit changed the file's mode");
    assert_no_temp_files(dir);

    // The edited file can be edited again, reads back the new value, and every other name
    // reads as before.
    let again = EnvFile::open(&path).expect("the edited file opens again");
    assert_eq!(
        again.get(CLIENT_KEYS),
        Some(value.as_str()),
        "reopened value"
    );
    for (name, value) in &before {
        if name != CLIENT_KEYS {
            assert_eq!(again.get(name), value.as_deref(), "{name} changed");
        }
    }
}

/// Only the file and its lock file are in `dir`.
fn assert_no_temp_files(dir: &Path) {
    for entry in fs::read_dir(dir).expect("list the scratch directory") {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        assert!(name == FILE, "a file was left behind: {name}");
    }
}

//! The reader against the real ones: for every file in `tests/dotenv/corpus/`,
//! `tests/dotenv/compare/gen_expected.py` wrote what Ruby's dotenv and python-dotenv read
//! (`tests/dotenv/expected/<file>.json`). Where they all agree on a name, the last statement
//! naming it must be read with exactly that value; where they disagree (or only some define
//! it), no value may be claimed for it and its line must be reported unreadable. A name this
//! reader reads must be one they agree on.
use super::*;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// `tests/dotenv`, or the directory `compare/fuzz.py` made (`DOTENV_READER_ROOT`), which
/// holds `corpus/` and `expected/`.
fn root() -> (String, bool) {
    match std::env::var("DOTENV_READER_ROOT") {
        Ok(root) => (root, true),
        Err(_) => (
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/dotenv").to_owned(),
            false,
        ),
    }
}

/// The corpus files' names, sorted.
fn corpus_files(root: &str) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(format!("{root}/corpus"))
        .expect("corpus/")
        .map(|e| {
            e.expect("entry")
                .file_name()
                .into_string()
                .expect("utf-8 name")
        })
        .collect();
    files.sort();
    files
}

fn read_corpus_file(root: &str, file: &str) -> String {
    let bytes = std::fs::read(format!("{root}/corpus/{file}")).expect("read corpus file");
    String::from_utf8(bytes).expect("corpus files are UTF-8")
}

fn name_of_item(item: &Item) -> Option<&str> {
    match item {
        Item::Assignment(a) => Some(&a.name),
        Item::Unreadable(u) => u.name.as_deref(),
    }
}

/// What the reader gives for each name: the value of the last statement naming it (the one
/// the readers keep), when that statement is read.
fn values(items: &[Item]) -> BTreeMap<&str, &str> {
    let mut last = BTreeMap::new();
    for item in items {
        if let Some(name) = name_of_item(item) {
            last.insert(name, item);
        }
    }
    last.into_iter()
        .filter_map(|(name, item)| match item {
            Item::Assignment(a) => Some((name, a.value.as_str())),
            Item::Unreadable(_) => None,
        })
        .collect()
}

/// For `tests/dotenv/compare/live.py` (run by `tests/dotenv/ci.sh`): writes to the file
/// `DOTENV_DUMP` what the reader gives for each corpus file, as
/// `{"file": {"values": {name: value}, "unreadable": [line, ...]}}`.
#[test]
#[ignore = "run by tests/dotenv/ci.sh"]
fn dump_for_live_comparison() {
    let out = std::env::var("DOTENV_DUMP").expect("DOTENV_DUMP names the output file");
    let (root, _) = root();
    let mut dump = Map::new();
    for file in corpus_files(&root) {
        let content = read_corpus_file(&root, &file);
        let items = parse(&content);
        let values: Map<String, Value> = values(&items)
            .into_iter()
            .map(|(name, value)| (name.to_owned(), Value::from(value)))
            .collect();
        let unreadable: Vec<Value> = items
            .iter()
            .filter_map(|i| match i {
                Item::Unreadable(u) => Some(Value::from(u.line)),
                Item::Assignment(_) => None,
            })
            .collect();
        dump.insert(
            file,
            serde_json::json!({"values": values, "unreadable": unreadable}),
        );
    }
    let text = serde_json::to_string_pretty(&Value::Object(dump)).expect("json");
    std::fs::write(&out, text).expect("write DOTENV_DUMP");
}

#[test]
fn corpus_matches_the_reference_readers() {
    let (root, fuzz) = root();
    let files = corpus_files(&root);
    let (mut agreed_checked, mut disagreed_checked, mut failures, mut refused) =
        (0, 0, Vec::new(), Vec::new());
    for file in &files {
        let content = read_corpus_file(&root, file);
        let expected_path = format!("{root}/expected/{file}.json");
        let Ok(expected) = std::fs::read_to_string(&expected_path) else {
            failures.push(format!(
                "{file}: no {expected_path}; run python3 tests/dotenv/compare/gen_expected.py"
            ));
            continue;
        };
        let expected: Value = serde_json::from_str(&expected).expect("expectation is JSON");
        let items = parse(&content);
        let last = |name: &str| items.iter().rev().find(|i| name_of_item(i) == Some(name));
        let Some(agreed) = expected["agreed"].as_object() else {
            panic!("{file}: agreed")
        };
        let Some(disagreed) = expected["disagreed"].as_array() else {
            panic!("{file}: disagreed")
        };
        if expected["raised"].as_array().is_some_and(|r| !r.is_empty()) {
            // A reader raised on this file, so it reads nothing from it: the culprit must show.
            if !items.iter().any(|i| matches!(i, Item::Unreadable(_))) {
                failures.push(format!(
                    "{file}: a reader raises here, but every line was read"
                ));
            }
            continue;
        }
        for (name, want) in agreed {
            agreed_checked += 1;
            match (last(name), want.as_str()) {
                (Some(Item::Assignment(a)), Some(v)) if a.value.as_str() == v => {}
                // They agree on `${X}` here only because X is unset or set the same way in both
                // (Ruby lets the environment win, python-dotenv the file): refused all the same.
                (Some(Item::Unreadable(u)), _) if u.reason == Reason::Reference => {}
                // Refusing what they agree on is safe, but the real-life corpus must be read.
                (Some(Item::Unreadable(u)), _) => {
                    refused.push(format!("{file}: {name} is agreed, refused: {u:?}"))
                }
                (got, _) => failures.push(format!("{file}: {name} is agreed, got {got:?}")),
            }
        }
        for name in disagreed {
            let Some(name) = name.as_str() else {
                panic!("{file}: a disagreed name is not a string")
            };
            disagreed_checked += 1;
            match last(name) {
                Some(Item::Unreadable(_)) => {}
                Some(Item::Assignment(a)) => failures.push(format!(
                    "{file}: {name:?} disagreed, read on line {}",
                    a.line
                )),
                None => {
                    // Unnamed here (python-dotenv's name for it is not a name): some line that
                    // holds that text must be covered by an unreadable statement.
                    // A name over lines is python's `'...'` key: look for its opening line.
                    let shown = match name.split_once('\n') {
                        Some((first, _)) => format!("'{first}"),
                        None => name.trim_start_matches('\u{feff}').to_owned(),
                    };
                    let lines: Vec<usize> = content
                        .split('\n')
                        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
                        .enumerate()
                        .filter(|(_, l)| shown.is_empty() || l.contains(&shown))
                        .map(|(n, _)| n + 1)
                        .collect();
                    let covered = items.iter().any(|i| matches!(i, Item::Unreadable(u) if lines.iter().any(|l| (u.line..=u.last_line).contains(l))));
                    if !covered {
                        failures.push(format!(
                            "{file}: {name:?} disagreed, lines {lines:?} not marked"
                        ));
                    }
                }
            }
        }
        for item in &items {
            // Only the last statement for a name shows in the readers' output.
            if let Some(Item::Assignment(a)) = name_of_item(item)
                .and_then(last)
                .filter(|l| std::ptr::eq(*l, item))
                && !agreed.contains_key(&a.name)
            {
                failures.push(format!(
                    "{file}: line {} reads {}, which the readers do not agree on",
                    a.line, a.name
                ));
            }
        }
    }
    println!(
        "{} files: {agreed_checked} agreed names ({} refused all the same), {disagreed_checked} disagreed names",
        files.len(),
        refused.len()
    );
    if !fuzz {
        failures.append(&mut refused);
    } else {
        println!(
            "refused though agreed (safe), first ones:\n{}",
            refused
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        fuzz || (files.len() >= 20 && agreed_checked > 200),
        "corpus too small"
    );
}

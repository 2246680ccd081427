//! The reader against the real ones: for every file in `corpus/`, `compare/gen_expected.py`
//! wrote what Ruby's dotenv and python-dotenv read (`compare/expected/<file>.json`). Where
//! they all agree on a name, the last statement naming it must be read with exactly that
//! value; where they disagree (or only some define it), no value may be claimed for it and
//! its line must be reported unreadable. A name this reader reads must be one they agree on.
use super::*;
use std::collections::BTreeMap;

#[derive(Debug, PartialEq)]
enum Json {
    Null,
    Str(String),
    List(Vec<Json>),
    Map(BTreeMap<String, Json>),
}

/// Just enough JSON for the expectation files (objects, arrays, strings, null).
fn json(s: &str) -> Json {
    fn ws(s: &[u8], i: &mut usize) {
        while s.get(*i).is_some_and(u8::is_ascii_whitespace) {
            *i += 1;
        }
    }
    fn string(s: &str, i: &mut usize) -> String {
        let (b, mut out) = (s.as_bytes(), String::new());
        *i += 1;
        loop {
            match b[*i] {
                b'"' => break,
                b'\\' => {
                    *i += 1;
                    out.push(match b[*i] {
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => {
                            let hex =
                                |at: usize| u32::from_str_radix(&s[at..at + 4], 16).expect("hex");
                            let mut c = hex(*i + 1);
                            *i += 4;
                            if (0xd800..0xdc00).contains(&c) {
                                c = 0x10000 + ((c - 0xd800) << 10) + (hex(*i + 3) - 0xdc00);
                                *i += 6;
                            }
                            char::from_u32(c).expect("scalar")
                        }
                        c => c as char,
                    });
                    *i += 1;
                }
                _ => {
                    let c = s[*i..].chars().next().expect("char");
                    out.push(c);
                    *i += c.len_utf8();
                }
            }
        }
        *i += 1;
        out
    }
    fn value(s: &str, i: &mut usize) -> Json {
        let b = s.as_bytes();
        ws(b, i);
        match b[*i] {
            b'"' => Json::Str(string(s, i)),
            b'n' => {
                *i += 4;
                Json::Null
            }
            open @ (b'[' | b'{') => {
                *i += 1;
                let (mut list, mut map) = (Vec::new(), BTreeMap::new());
                loop {
                    ws(b, i);
                    match b[*i] {
                        b']' | b'}' => break,
                        b',' => *i += 1,
                        _ if open == b'[' => list.push(value(s, i)),
                        _ => {
                            let key = string(s, i);
                            ws(b, i);
                            *i += 1; // ':'
                            map.insert(key, value(s, i));
                        }
                    }
                }
                *i += 1;
                if open == b'[' {
                    Json::List(list)
                } else {
                    Json::Map(map)
                }
            }
            c => panic!("unexpected {:?} at {i}", c as char),
        }
    }
    value(s, &mut 0)
}

fn field<'a>(j: &'a Json, key: &str) -> &'a Json {
    match j {
        Json::Map(m) => m.get(key).unwrap_or(&Json::Null),
        _ => &Json::Null,
    }
}

#[test]
fn json_reader_reads_what_python_writes() {
    let j = json(r#"{"a": ["x\"\\\u00e9\ud83d\ude00", null], "b": {}}"#);
    assert_eq!(
        field(&j, "a"),
        &Json::List(vec![Json::Str("x\"\\é😀".into()), Json::Null])
    );
}

#[test]
fn corpus_matches_the_reference_readers() {
    // compare/fuzz.py points this at random files it has had the real readers read.
    let fuzz = std::env::var("DOTENV_READER_ROOT").ok();
    let root = fuzz.as_deref().unwrap_or(env!("CARGO_MANIFEST_DIR"));
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
    let (mut agreed_checked, mut disagreed_checked, mut failures, mut refused) =
        (0, 0, Vec::new(), Vec::new());
    for file in &files {
        let bytes = std::fs::read(format!("{root}/corpus/{file}")).expect("read corpus file");
        let content = String::from_utf8(bytes).expect("corpus files are UTF-8");
        let expected_path = format!("{root}/compare/expected/{file}.json");
        let Ok(expected) = std::fs::read_to_string(&expected_path) else {
            failures.push(format!(
                "{file}: no {expected_path}; run python3 compare/gen_expected.py"
            ));
            continue;
        };
        let expected = json(&expected);
        let items = parse(&content);
        let name_of_item = |i: &Item| match i {
            Item::Assignment(a) => Some(a.name.clone()),
            Item::Unreadable(u) => u.name.clone(),
        };
        let last = |name: &str| {
            items
                .iter()
                .rev()
                .find(|i| name_of_item(i).as_deref() == Some(name))
        };
        let Json::Map(agreed) = field(&expected, "agreed") else {
            panic!("{file}: agreed")
        };
        let Json::List(disagreed) = field(&expected, "disagreed") else {
            panic!("{file}: disagreed")
        };
        if matches!(field(&expected, "raised"), Json::List(r) if !r.is_empty()) {
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
            match (last(name), want) {
                (Some(Item::Assignment(a)), Json::Str(v)) if a.value.as_str() == v => {}
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
            let Json::Str(name) = name else { panic!() };
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
                .and_then(|n| last(&n))
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
    if fuzz.is_none() {
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
        fuzz.is_some() || (files.len() >= 20 && agreed_checked > 200),
        "corpus too small"
    );
}

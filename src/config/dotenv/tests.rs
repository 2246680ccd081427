//! Unit tests of the reader: rules one by one, edits through spans, quote_value round trips,
//! and random input (never a panic, spans always valid).
use super::*;

fn one(content: &str) -> Item {
    let mut items = parse(content);
    assert_eq!(items.len(), 1, "{content:?} gave {items:?}");
    items.remove(0)
}

fn value(content: &str) -> String {
    match one(content) {
        Item::Assignment(a) => a.value.to_string(),
        Item::Unreadable(u) => panic!("{content:?} is unreadable: {u:?}"),
    }
}

fn reason(content: &str) -> Reason {
    match one(content) {
        Item::Unreadable(u) => u.reason,
        Item::Assignment(a) => panic!("{content:?} read as {:?}", a.value.as_str()),
    }
}

#[test]
fn the_lines_from_the_brief() {
    assert_eq!(value("APP_NAME=My App\n"), "My App");
    assert_eq!(
        value("CLIENT_KEYS=xxx, another-key # key_id from key\n"),
        "xxx, another-key"
    );
    assert_eq!(
        value("MAIL_FROM=Support <support@example.com>\n"),
        "Support <support@example.com>"
    );
    assert_eq!(value("JSON={\"a\": 1}\n"), "{\"a\": 1}");
    assert_eq!(reason("WINPATH=C:\\Users\\me\n"), Reason::Escape);
    assert_eq!(reason("MSG='it\\'s'\n"), Reason::Escape);
    assert_eq!(reason("FLAG\n"), Reason::NoValue);
}

#[test]
fn spacing_export_and_line_ends() {
    for text in [
        "KEY =  value",
        "export KEY=value",
        "  export\tKEY\t=\tvalue\t",
        "KEY=value   ",
    ] {
        assert_eq!(value(text), "value", "{text:?}");
        assert_eq!(value(&format!("{text}\r\n")), "value");
        assert_eq!(value(&format!("{text}\r")), "value");
    }
    assert_eq!(value("export=1"), "1");
    assert_eq!(value("my.dotted.key=1"), "1");
    assert_eq!(value("KEY==x"), "=x");
    let items = parse("\u{feff}A=1\n\n# comment\n   \nB=2");
    assert!(
        matches!(&items[0], Item::Unreadable(u) if u.reason == Reason::Bom && u.name.as_deref() == Some("A"))
    );
    assert!(matches!(&items[1], Item::Assignment(a) if a.line == 5 && a.value.as_str() == "2"));
}

#[test]
fn comments() {
    assert_eq!(value("A=value # comment"), "value");
    assert_eq!(value("A=value\t# tab"), "value");
    assert_eq!(value("A=\"q # not\" # real"), "q # not");
    assert_eq!(value("A='q'#no space"), "q");
    assert_eq!(value("A=a  b   c   # spaced"), "a  b   c");
    assert_eq!(reason("A=value#x"), Reason::Comment);
    assert_eq!(reason("A=#x"), Reason::Comment);
    assert_eq!(reason("A= # only a comment"), Reason::Comment);
    assert_eq!(reason("A=abc\u{a0}#x"), Reason::Whitespace);
    assert_eq!(reason("A # note"), Reason::NoValue);
}

#[test]
fn quotes_and_escapes() {
    assert_eq!(value("A=''"), "");
    assert_eq!(value("A=\"\""), "");
    assert_eq!(value("A="), "");
    assert_eq!(value("A='C:\\Users\\me'"), "C:\\Users\\me");
    assert_eq!(value("A='$HOME $(cmd)'"), "$HOME $(cmd)");
    assert_eq!(
        value(r#"A="say \"hi\", it\'s C:\\x""#),
        "say \"hi\", it's C:\\x"
    );
    assert_eq!(
        value("A=\"line1\r\nline2\rline3\"\r\n"),
        "line1\nline2\nline3"
    );
    assert_eq!(value("A='a\\\nb'"), "a\\\nb");
    for text in [
        r#"A="a\nb""#,
        r#"A="a\$b""#,
        r#"A="a\qb""#,
        "A=\"a\\\nb\"",
        r"A='a\\b'",
        r"A='a\'b'",
    ] {
        assert_eq!(reason(text), Reason::Escape, "{text:?}");
    }
    for text in [
        "A=$HOME",
        "A=${HOME}",
        "A=$(id)",
        "A=\"${X}\"",
        "A='${X}'",
        "A=pa$$word",
        "A=$5",
    ] {
        assert_eq!(reason(text), Reason::Reference, "{text:?}");
    }
    assert_eq!(value("A=abc$"), "abc$");
    // python-dotenv 1.0 reads `\"` as an escaped quote, and runs on to a later one if any.
    assert_eq!(value(r#"A="ab\\""#), "ab\\");
    assert!(matches!(
        &parse("A=\"ab\\\\\"\nB=\"x\"\n")[..],
        [Item::Unreadable(_), Item::Unreadable(_)]
    ));
    assert_eq!(value("A=abc\\"), "abc\\");
    assert_eq!(reason("A=abc\\\\"), Reason::Escape);
    assert_eq!(value("A=$ 5"), "$ 5");
}

#[test]
fn multi_line_values_and_their_lines() {
    let content = "A=\"one\ntwo\" # c\nB='x\r\ny'\nC=3\n";
    let items = parse(content);
    let Item::Assignment(a) = &items[0] else {
        panic!()
    };
    assert_eq!((a.line, a.last_line, a.value.as_str()), (1, 2, "one\ntwo"));
    assert_eq!(&content[a.value_span.clone()], "\"one\ntwo\"");
    assert_eq!(&content[a.comment_span.clone().unwrap_or_default()], "# c");
    let Item::Assignment(b) = &items[1] else {
        panic!()
    };
    assert_eq!(
        (b.line, b.last_line, b.value.as_str(), b.quote),
        (3, 4, "x\ny", Quote::Single)
    );
    assert!(matches!(&items[2], Item::Assignment(c) if c.line == 5));
}

#[test]
fn malformed_quotes_poison_what_python_swallows() {
    // python-dotenv reads A's quote up to C's, then fails: A, B and C are not read alike.
    let items = parse("A=\"abc\nB=1\nC=\"x\"\nD=4\n");
    let lines: Vec<_> = items
        .iter()
        .map(|i| match i {
            Item::Assignment(a) => (a.line, false),
            Item::Unreadable(u) => (u.line, true),
        })
        .collect();
    assert_eq!(lines, [(1, true), (2, true), (3, true), (4, false)]);
    // An unterminated quote is one unreadable line.
    let items = parse("A='abc\nB=2\n");
    assert!(matches!(&items[1], Item::Assignment(b) if b.value.as_str() == "2"));
    // An empty value followed by a quoted line: Ruby reads the quote as the value.
    let items = parse("A=\n\"x\ny\"\nB=1\n");
    assert!(matches!(&items[0], Item::Unreadable(u) if u.reason == Reason::Syntax));
    assert!(items[1..3].iter().all(|i| matches!(i, Item::Unreadable(_))));
    assert!(matches!(&items[3], Item::Assignment(b) if b.name == "B"));
}

#[test]
fn names_of_unreadable_lines() {
    let name = |text: &str| match one(text) {
        Item::Unreadable(u) => u.name,
        Item::Assignment(_) => panic!(),
    };
    assert_eq!(name("my-dashed-key=2"), Some("my-dashed-key".into()));
    assert_eq!(name("'CLIENT_KEYS'=x"), Some("CLIENT_KEYS".into()));
    assert_eq!(name("CLIENT_SECRET: abc"), Some("CLIENT_SECRET".into()));
    assert_eq!(name("CLIENT_SECRET:abc"), Some("CLIENT_SECRET".into()));
    assert_eq!(name("export FLAG"), Some("FLAG".into()));
    assert_eq!(name("\u{a0}LEAD=1"), Some("LEAD".into()));
    assert_eq!(name("=novalue"), None);
    assert_eq!(name("[section]"), None);
}

#[test]
fn duplicates_come_back_in_order() {
    let names: Vec<_> = parse("A=1\nB=2\nA=3\n")
        .into_iter()
        .map(|i| match i {
            Item::Assignment(a) => (a.name, a.value.to_string()),
            Item::Unreadable(_) => panic!(),
        })
        .collect();
    assert_eq!(
        names,
        [
            ("A".into(), "1".into()),
            ("B".into(), "2".into()),
            ("A".into(), "3".into())
        ]
    );
}

#[test]
fn reasons_say_what_to_do() {
    for reason in [
        Reason::Reference,
        Reason::Escape,
        Reason::Comment,
        Reason::NoValue,
        Reason::Whitespace,
        Reason::Bom,
        Reason::Syntax,
    ] {
        let text = reason.to_string();
        assert!(
            text.contains(": ") && !text.ends_with('.') && text.starts_with(char::is_lowercase)
                || text.starts_with("Ruby"),
            "{text}"
        );
    }
}

#[test]
fn debug_never_shows_a_value() {
    let shown = format!(
        "{:?}",
        parse("CLIENT_SECRET=s3cr3t-value # c\nX='s3cr3t-value'\n")
    );
    assert!(!shown.contains("s3cr3t"), "{shown}");
    assert!(shown.contains("[redacted]"));
}

#[rustfmt::skip]
pub(super) const QUOTE_CASES: &[&str] = &[
    "", "abc", "a,b,c", "8d105ffc0a5b4c7e9f1d2c3b4a596877", "with space", " padded ", "a#b", "#x",
    "it's", "say \"hi\"", "C:\\Users\\me", "$HOME", "${HOME}", "$(id)", "pa$$word", "tab\there",
    "two\nlines", "ends with backslash\\", "quote'and\\backslash", "it's $HOME", "=x", "héllo ✓",
    "\u{a0}nbsp", "x=y", "'", "\"", "\\", "#", "a\"b'c\\d", "'${X}'", "`cmd`", "a;b|c&d", "a\\$b",
    "it's $ 5", "{\"json\": [1, 2]}", "-----BEGIN KEY-----\nMIIE\n-----END KEY-----",
];

#[test]
fn quote_value_reads_back() {
    for &v in QUOTE_CASES
        .iter()
        .chain(&["cr\rhere", "abc\\", "it's ${X}"])
    {
        let Some(text) = quote_value(v) else {
            assert!(v.contains(['\r', '\\', '$']), "{v:?}");
            continue;
        };
        for line in [
            format!("K={text}\n"),
            format!("K={text} # note\nNEXT='x'\n"),
            format!("K={text}"),
        ] {
            assert!(
                matches!(&parse(&line)[0], Item::Assignment(a) if a.value.as_str() == v),
                "{line:?}"
            );
        }
    }
    assert_eq!(quote_value("a,b,c").as_deref(), Some("a,b,c"));
    assert_eq!(quote_value("with space").as_deref(), Some("'with space'"));
    assert_eq!(quote_value("it's").as_deref(), Some("\"it's\""));
    assert_eq!(quote_value("").as_deref(), Some("''"));
}

/// The corpus file compared with the real readers is exactly what quote_value writes today.
#[test]
fn quote_corpus_is_current() {
    let mut text = String::from(
        "# Written by quote_value (src/config/dotenv/tests.rs): every reader must read back the listed value.\n",
    );
    for (i, v) in QUOTE_CASES.iter().enumerate() {
        if let Some(q) = quote_value(v) {
            text.push_str(&format!("Q{i:02}={q}\n"));
        }
    }
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/dotenv/corpus/quote-value.env"
    );
    if std::env::var_os("WRITE_QUOTE_CORPUS").is_some() {
        std::fs::write(path, &text).expect("write tests/dotenv/corpus/quote-value.env");
    }
    assert_eq!(
        std::fs::read_to_string(path).unwrap_or_default(),
        text,
        "run WRITE_QUOTE_CORPUS=1 cargo test --lib config::dotenv"
    );
}

/// Random bytes (as UTF-8, lossily), and random mixes of the characters that matter: no
/// panic, spans on char boundaries and in order, and replacing a value through its span
/// changes that value only.
#[test]
fn random_input() {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const ALPHABET: &[&str] = &[
        "A",
        "b",
        "_",
        ".",
        "=",
        " ",
        "\t",
        "#",
        "'",
        "\"",
        "\\",
        "$",
        "{",
        "}",
        "(",
        "\n",
        "\r",
        "\r\n",
        "export ",
        "CLIENT_KEYS",
        "\u{feff}",
        "\u{a0}",
        "\0",
        "x",
        "-",
        ":",
        "é",
    ];
    for round in 0..20_000 {
        let len = (next() % 40) as usize;
        let content = if round % 2 == 0 {
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect()
        };
        let items = parse(&content);
        let mut last = 0;
        for (i, item) in items.iter().enumerate() {
            let Item::Assignment(a) = item else { continue };
            assert!(a.line <= a.last_line && a.line >= last, "{content:?}");
            last = a.last_line;
            for span in [Some(a.value_span.clone()), a.comment_span.clone()]
                .into_iter()
                .flatten()
            {
                assert!(content.get(span).is_some(), "{content:?}");
            }
            // A quote in the new value can close one an earlier unreadable line left open.
            if items[..i].iter().any(|i| matches!(i, Item::Unreadable(_))) {
                continue;
            }
            let new = ["abc", "two words", "it's", ""][(next() % 4) as usize];
            let mut text = quote_value(new).unwrap_or_default();
            if a.comment_span
                .as_ref()
                .is_some_and(|c| c.start == a.value_span.end)
            {
                text.push(' ');
            }
            let edited = format!(
                "{}{text}{}",
                &content[..a.value_span.start],
                &content[a.value_span.end..]
            );
            let again = parse(&edited);
            assert_eq!(again.len(), items.len(), "{content:?} -> {edited:?}");
            let same = again
                .iter()
                .find(|i| matches!(i, Item::Assignment(b) if b.line == a.line));
            assert!(
                matches!(same, Some(Item::Assignment(b)) if b.value.as_str() == new && b.name == a.name),
                "{edited:?}"
            );
        }
    }
}

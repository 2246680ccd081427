//! The one `.env` reader: it reads a statement only where Ruby's dotenv (2.8, 3.x) and
//! python-dotenv (1.0, 1.2) read it alike, and reports every other statement as
//! [`Unreadable`], with its line and, when one can be seen, its name. `tests/dotenv/NOTES.md`
//! has the evidence for each rule and the list of disagreements; `tests/dotenv/corpus/` and
//! `tests/dotenv/expected/` are the files and what the real readers read from them.
//!
//! 1. Lines end with `\n`, `\r\n` or `\r`. A leading BOM is skipped, and the first line
//!    refused ([`Reason::Bom`]).
//! 2. Blank lines and lines whose first non-blank character is `#` are skipped. Blanks are
//!    space, tab, vertical tab and form feed.
//! 3. A statement is `[export ]NAME[blanks]=[blanks]VALUE[blanks][# comment]`, with `NAME` in
//!    `[A-Za-z0-9_.]+`; `export NAME=` with nothing after the `=` is refused.
//! 4. An unquoted value runs to the end of the line or to a `#` after a blank (the comment);
//!    trailing blanks are dropped. Refused if it has a `\` (but as its last character), a
//!    reference (`$` before a letter, digit, `_`, `{` or `(`), a `#` after a non-blank, or
//!    other whitespace (or NUL) at either end.
//! 5. `'...'` is literal and may span lines; refused if it has `\\`, `\'` or `${`.
//! 6. `"..."` may span lines; `\"`, `\\`, `\'` stand for their second character. Refused for
//!    any other backslash, a reference, or a decoded `\$`.
//! 7. After a closing quote only blanks and a comment may follow. Line breaks inside quotes
//!    are read as `\n`.
//! 8. Where python-dotenv or Ruby may open a quote that closes on a later line (`NAME=` then a
//!    quoted line, a bad name before `="...`, `"...\\"` before another quote), that statement and every
//!    statement on the lines it may take are refused ([`Reason::Syntax`]).
//!
//! Duplicates are not resolved: every statement comes back, in file order.
//!
//! `Config` reads with it (`source.rs`), and so does the `.env` editor
//! (`operator/env_file`), which replaces exactly a value's span and reads the result back with
//! [`parse`] before writing it. [`read_file`] is the one way both read the file: a regular
//! file only (a FIFO or a device is refused without blocking), at most [`MAX_FILE_LEN`] bytes.
use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::ops::Range;
use std::path::Path;
use zeroize::Zeroizing;

/// The largest `.env` file read (1 MiB): far more than any real one, small enough that a path
/// naming the wrong file (a log, a disk image) is refused at once rather than read into memory.
pub(crate) const MAX_FILE_LEN: u64 = 1024 * 1024;

/// The prefix of the names this tool owns in `.env`: their statements must be readable and
/// defined once, for `Config` and the editor alike.
pub(crate) const OURS: &str = "CLIENT_";

/// Why the `.env` file was not read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Opening, inspecting or reading it failed (`NotFound` when there is no file).
    Io(io::Error),
    /// It is not a regular file: a directory, a FIFO, a socket or a device.
    NotRegular,
    /// It is larger than [`MAX_FILE_LEN`].
    TooLarge,
}

impl ReadError {
    /// What is wrong with the file, and the fix (for `NotRegular` and `TooLarge`).
    pub(crate) const NOT_REGULAR: &'static str = "it is not a regular file (a directory, a FIFO \
        or a device): name the .env file itself";
    pub(crate) const TOO_LARGE: &'static str = "it is larger than 1 MiB, far more than any .env \
        file: check that the path names your .env file";
}

/// As an [`io::Error`] (for `Config`, whose error names the file and shows this): the kind is
/// kept, `NotFound` included.
impl From<ReadError> for io::Error {
    fn from(e: ReadError) -> io::Error {
        match e {
            ReadError::Io(e) => e,
            ReadError::NotRegular => {
                io::Error::new(io::ErrorKind::InvalidInput, ReadError::NOT_REGULAR)
            }
            ReadError::TooLarge => {
                io::Error::new(io::ErrorKind::FileTooLarge, ReadError::TOO_LARGE)
            }
        }
    }
}

/// Opens `path` for reading if it is a regular file, without blocking on a FIFO: its
/// metadata is checked first, and it is opened with `O_NONBLOCK` and checked again (the path
/// may have changed in between).
///
/// # Errors
/// [`ReadError::NotRegular`], or the I/O error (`NotFound` when there is no file).
pub(crate) fn open_file(path: &Path) -> Result<(File, Metadata), ReadError> {
    if !std::fs::metadata(path).map_err(ReadError::Io)?.is_file() {
        return Err(ReadError::NotRegular);
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(ReadError::Io)?;
    let metadata = file.metadata().map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular);
    }
    Ok((file, metadata))
}

/// Reads an opened `.env` file (from [`open_file`]) whole, refusing it past [`MAX_FILE_LEN`]
/// bytes whatever its metadata says.
///
/// # Errors
/// [`ReadError::TooLarge`], or the I/O error.
pub(crate) fn read_opened(
    file: &File,
    metadata: &Metadata,
) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    read_opened_within(file, metadata, MAX_FILE_LEN)
}

/// Reads an opened file (from [`open_file`]) whole, refusing it past `limit` bytes whatever
/// its metadata says. The buffer is sized once, so that no reallocation leaves a copy of a
/// secret behind.
///
/// # Errors
/// [`ReadError::TooLarge`], or the I/O error.
pub(crate) fn read_opened_within(
    file: &File,
    metadata: &Metadata,
    limit: u64,
) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    if metadata.len() > limit {
        return Err(ReadError::TooLarge);
    }
    let capacity = usize::try_from(metadata.len())
        .unwrap_or(0)
        .saturating_add(1);
    let mut bytes = Zeroizing::new(Vec::with_capacity(capacity));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge);
    }
    Ok(bytes)
}

/// Reads the `.env` file at `path`: a regular file of at most [`MAX_FILE_LEN`] bytes (a FIFO,
/// `/dev/zero` or a huge file is refused at once). The error keeps the kind (`NotFound` when
/// there is no file) and says what is wrong.
///
/// The bytes are moved out of their wiping container, not copied: wrap them again at once.
///
/// # Errors
/// The file cannot be opened or read, is not a regular file, or is too large.
pub(crate) fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    let (file, metadata) = open_file(path)?;
    let mut bytes = read_opened(&file, &metadata)?;
    Ok(std::mem::take(&mut *bytes))
}

/// The 1-based line that byte `at` of `content` is on; lines end as [`parse`] ends them
/// (`\n`, `\r\n` or `\r`).
pub(crate) fn line_at(content: &[u8], at: usize) -> usize {
    let before = &content[..at.min(content.len())];
    let breaks = before
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && content.get(i + 1) != Some(&b'\n')))
        .count();
    1 + breaks
}

/// One statement of the file.
#[derive(Debug)]
pub(crate) enum Item {
    Assignment(Assignment),
    Unreadable(Unreadable),
}

/// `NAME=value`, read the same by every reference reader.
pub(crate) struct Assignment {
    pub(crate) name: String,
    /// The value as the readers see it (quotes removed, escapes decoded).
    pub(crate) value: Zeroizing<String>,
    /// First and last line of the statement, 1-based.
    pub(crate) line: usize,
    pub(crate) last_line: usize,
    /// The value as written, quotes included (empty, after the `=` and its blanks, for
    /// `NAME=`): replacing exactly these bytes changes the value and nothing else.
    #[cfg_attr(not(feature = "operator"), allow(dead_code))] // for the editor
    pub(crate) value_span: Range<usize>,
    #[cfg_attr(not(feature = "operator"), allow(dead_code))] // for the editor
    pub(crate) quote: Quote,
    /// The inline comment, from its `#` to the end of the line.
    #[cfg_attr(not(feature = "operator"), allow(dead_code))] // for the editor
    pub(crate) comment_span: Option<Range<usize>>,
}

/// How a value is quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "operator"), allow(dead_code))] // for the editor
pub(crate) enum Quote {
    None,
    Single,
    Double,
}

/// A statement the readers read differently (or do not read), so this reader will not guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unreadable {
    pub(crate) line: usize,
    pub(crate) last_line: usize,
    /// The name python-dotenv would give it, when it looks like a name. A line that is not an
    /// assignment (a pasted token, say) can yield one too: show it only when it is one of yours.
    pub(crate) name: Option<String>,
    pub(crate) reason: Reason,
}

/// Why a statement is [`Unreadable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// `$NAME`, `${NAME}` or `$(command)`, which the readers expand differently.
    Reference,
    /// A backslash the readers decode differently: any in an unquoted value, `\\` or `\'` in
    /// single quotes, anything but `\"`, `\\`, `\'` in double quotes (`\n`, `\t`, `\$`, ...).
    Escape,
    /// A `#` that one reader takes as a comment and another as value: `a#b`, `NAME=#x`,
    /// `NAME= # x`.
    Comment,
    /// A name without `=` (`FLAG`, `export FLAG`, `FLAG # note`).
    NoValue,
    /// Whitespace other than blanks, or NUL, at an end of an unquoted value or before its `#`.
    Whitespace,
    /// The first line after a byte-order mark: python-dotenv 1.0 reads the mark into the name.
    Bom,
    /// Not read alike: a name outside `[A-Za-z0-9_.]`, `NAME: value`, an unterminated quote,
    /// text after a closing quote, `NAME=` followed by a quoted line (Ruby reads that as the
    /// value), or a line that another statement's quote may take.
    Syntax,
}

impl Reason {
    /// What the readers disagree on, and how to write the line so that they agree.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Reason::Reference => {
                "Ruby's dotenv and python-dotenv expand `$` references differently: write the value itself (in single quotes if it has a `$`)"
            }
            Reason::Escape => {
                "the readers decode this backslash differently: write the character itself, in single quotes"
            }
            Reason::Comment => {
                "one reader takes this `#` for a comment, the other for the value: put a space before a comment, and quotes around a value with `#`"
            }
            Reason::NoValue => {
                "a name with no `=value`, which the readers read differently: write `NAME=` for an empty value"
            }
            Reason::Whitespace => {
                "one reader trims this unusual whitespace, the other keeps it: remove it, or quote the value"
            }
            Reason::Bom => {
                "the file starts with a byte-order mark, which python-dotenv before 1.2 reads into the first name: save it as UTF-8 without BOM"
            }
            Reason::Syntax => {
                "not an assignment the readers read alike: write `NAME=value` (NAME of letters, digits, `_`, `.`), with quotes closed on the line that ends the value"
            }
        }
    }
}

/// What the readers disagree on, and how to write the line so that they agree.
impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

impl Unreadable {
    fn at(line: usize, last_line: usize, name: Option<String>, reason: Reason) -> Item {
        Item::Unreadable(Unreadable {
            line,
            last_line,
            name,
            reason,
        })
    }
}

impl fmt::Debug for Assignment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Assignment")
            .field("name", &self.name)
            .field("value", &"[redacted]")
            .field("line", &self.line)
            .field("last_line", &self.last_line)
            .field("value_span", &self.value_span)
            .field("quote", &self.quote)
            .field("comment_span", &self.comment_span)
            .finish()
    }
}

/// Reads `content` (a leading BOM is skipped) into its statements, in file order.
pub(crate) fn parse(content: &str) -> Vec<Item> {
    let bom = content.starts_with('\u{feff}');
    let mut c = Cursor {
        s: content,
        pos: if bom { 3 } else { 0 },
        line: 1,
    };
    let (mut items, mut swallowed_to, mut exported) = (Vec::new(), 0, false);
    while c.pos < content.len() {
        let start = c.pos;
        // Ruby's `export\s+` runs over line breaks: a bare `export` line exports the next.
        let text = content[start..line_end(content, start)].trim_matches(blank);
        let Some(mut item) = statement(&mut c, exported) else {
            exported &= text.is_empty();
            continue;
        };
        exported = text == "export";
        // A quote another reader opens here and closes on a later line: this statement and
        // the lines it would take are not read alike.
        let reach = reach(content, start);
        if start < swallowed_to || reach > c.pos {
            item = unreadable(&item, Reason::Syntax);
        }
        swallowed_to = swallowed_to.max(reach);
        items.push(item);
    }
    if bom {
        match items.first_mut() {
            Some(first @ Item::Assignment(Assignment { line: 1, .. }))
            | Some(first @ Item::Unreadable(Unreadable { line: 1, .. })) => {
                *first = unreadable(first, Reason::Bom)
            }
            _ => items.insert(0, Unreadable::at(1, 1, None, Reason::Bom)),
        }
    }
    items
}

/// The text to write after `NAME=` so that every reference reader (and [`parse`]) reads
/// `value` back: unquoted when that is safe, else single quotes, else double quotes; `None`
/// when nothing is (a `\r`; a trailing `\`, `\$`, `${` or `$NAME` with `'` or `\`). Keep a blank between it
/// and a comment that follows (`"x"#c` becomes `abc #c`, not `abc#c`).
#[cfg_attr(not(feature = "operator"), allow(dead_code))] // for the editor
pub(crate) fn quote_value(value: &str) -> Option<String> {
    if value.contains('\r') {
        return None;
    }
    let plain = |c: char| !(c.is_whitespace() || c.is_control() || "#\\$'\"".contains(c));
    if !value.is_empty() && value.chars().all(plain) {
        return Some(value.to_owned());
    }
    if !value.contains(['\'', '\\']) && !value.contains("${") {
        return Some(format!("'{value}'"));
    }
    if value.ends_with('\\') || value.contains("\\$") || has_reference(value) {
        return None;
    }
    Some(format!(
        "\"{}\"",
        value.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
    line: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }
    fn bump(&mut self) -> Option<char> {
        let ch = self.peek()?;
        self.pos += ch.len_utf8();
        if ch == '\n' || (ch == '\r' && self.peek() != Some('\n')) {
            self.line += 1;
        }
        Some(ch)
    }
    fn at_line_end(&self) -> bool {
        matches!(self.peek(), None | Some('\n' | '\r'))
    }
    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(blank) {
            self.bump();
        }
    }
    /// Moves past the end of the current line.
    fn next_line(&mut self) {
        let line = self.line;
        while self.line == line && self.bump().is_some() {}
    }
}

fn line_end(s: &str, at: usize) -> usize {
    s[at..].find(['\n', '\r']).map_or(s.len(), |i| at + i)
}

/// The end of the last line that python-dotenv or Ruby's dotenv may take the statement at
/// `start` to span: each lets a quoted value run over lines, from its own idea of where a
/// value starts (python: after `TOKEN=` with any token and any whitespace; Ruby: after
/// `NAME=` or `NAME: `, across line breaks), up to the first quote not after a `\`.
fn reach(s: &str, start: usize) -> usize {
    // Python-dotenv 1.0 and Ruby pass a quote after `\` and can back up to it: a value may close
    // at any quote up to the first one without a `\` before it (the last one if none has).
    // Ruby takes the furthest after which only blanks and a comment follow; python the furthest.
    let closing = |open: usize, q: char, ruby: bool| {
        let body = &s[open + 1..];
        let mut best = None;
        for (i, _) in body.match_indices(q) {
            let after = &body[i + 1..];
            let rest = after.trim_start_matches(blank);
            if !ruby || rest.is_empty() || rest.starts_with(['#', '\n', '\r']) {
                best = Some(open + 1 + i + 1);
            }
            if !body[..i].ends_with('\\') {
                break;
            }
        }
        best
    };
    let skip =
        |at: usize, f: &dyn Fn(char) -> bool| s[at..].find(|c| !f(c)).map_or(s.len(), |i| at + i);
    let py_space =
        |c: char| (c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)) && c != '\n' && c != '\r';
    let rb_space = |c: char| c.is_ascii_whitespace() || c == '\x0b';
    let quote_at = |at: usize| s[at..].chars().next().filter(|&q| q == '\'' || q == '"');
    let mut ends = vec![line_end(s, start)];
    // python-dotenv
    let mut i = skip(start, &py_space);
    if s[i..].starts_with("export") && s[i + 6..].starts_with(py_space) {
        i = skip(i + 6, &py_space);
    }
    let key = i;
    i = match s[i..].strip_prefix('\'') {
        // `'NAME'` may run over lines too: python then skips the rest of the closing line.
        Some(r) => r.find('\'').map_or(key, |j| i + 1 + j + 1),
        None => skip(i, &|c| !(c == '=' || c == '#' || c.is_whitespace())),
    };
    ends.push(line_end(s, i));
    i = skip(i, &py_space);
    if i > key && s[i..].starts_with('=') {
        let v = skip(i + 1, &py_space);
        if let Some(end) = quote_at(v).and_then(|q| closing(v, q, false)) {
            ends.push(line_end(s, end));
        }
    }
    // Ruby's dotenv
    let mut i = skip(start, &blank);
    if s[i..].starts_with("export")
        && s[i + 6..].starts_with(blank)
        && skip(skip(i + 6, &blank), &key_char) > skip(i + 6, &blank)
    {
        i = skip(i + 6, &blank); // (Ruby's `export\s+` may cross a line: it then reads the next line alike)
    }
    let key_end = skip(i, &key_char);
    let after = skip(key_end, &rb_space);
    let value = if key_end > i && s[after..].starts_with('=') {
        Some(skip(after + 1, &rb_space))
    } else if key_end > i && s[key_end..].starts_with(':') && s[key_end + 1..].starts_with(rb_space)
    {
        if s[key_end + 1..].starts_with(['\n', '\r']) {
            // `NAME:` then a line break: Ruby reads the next line as the value.
            let line_break = if s[key_end + 1..].starts_with("\r\n") {
                2
            } else {
                1
            };
            ends.push(line_end(s, key_end + 1 + line_break));
        }
        Some(skip(key_end + 1, &rb_space))
    } else {
        None
    };
    if let Some(end) = value.and_then(|v| quote_at(v).and_then(|q| closing(v, q, true))) {
        ends.push(line_end(s, end));
    }
    ends.into_iter().max().unwrap_or(start)
}

/// Space, tab, vertical tab, form feed: what both readers skip around names and values.
fn blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0b' | '\x0c')
}

/// Whitespace or a control character one reader trims and another keeps (NBSP, NUL, ...).
fn odd_space(c: char) -> bool {
    !blank(c) && (c.is_whitespace() || c.is_control())
}

fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// `$` before a letter, digit, `_`, `{` or `(`: Ruby expands `$NAME`, `${NAME}`, `$(cmd)`;
/// python-dotenv only `${NAME}`.
fn has_reference(s: &str) -> bool {
    s.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'$' && (w[1].is_ascii_alphanumeric() || b"_{(".contains(&w[1])))
}

/// The item refused for `reason` (an already refused one keeps its reason, except for a BOM).
fn unreadable(item: &Item, reason: Reason) -> Item {
    match item {
        Item::Assignment(a) => Unreadable::at(a.line, a.last_line, Some(a.name.clone()), reason),
        Item::Unreadable(u) if reason == Reason::Bom => {
            Unreadable::at(u.line, u.last_line, u.name.clone(), reason)
        }
        Item::Unreadable(u) => Item::Unreadable(u.clone()),
    }
}

/// The name python-dotenv would read from a statement's text, if it looks like a name, or the
/// name Ruby reads from `NAME: value`.
fn name_of(text: &str) -> Option<String> {
    let py_space = |c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c);
    let t = text.trim_start_matches(py_space);
    let t = match t
        .strip_prefix("export")
        .map(|rest| rest.trim_start_matches(blank))
    {
        Some(rest)
            if rest.len() < t.len() - 6 && !rest.is_empty() && !rest.starts_with(['=', '#']) =>
        {
            rest
        }
        _ => t,
    };
    let (token, after) = match t.strip_prefix('\'') {
        Some(rest) => rest.split_once('\'').unwrap_or((rest, "")),
        None => t.split_at(
            t.find(|c| c == '=' || c == '#' || py_space(c))
                .unwrap_or(t.len()),
        ),
    };
    let after = after.trim_start_matches(py_space);
    let key_len = token.find(|c| !key_char(c)).unwrap_or(token.len());
    if !token.is_empty()
        && token.chars().all(|c| key_char(c) || c == '-')
        && (after.is_empty() || after.starts_with(['=', '#']))
    {
        Some(token.to_owned())
    } else if key_len > 0 && token[key_len..].starts_with(':') {
        Some(token[..key_len].to_owned())
    } else {
        None
    }
}

/// Reads the statement at the start of a line and moves to the next one; `None` for a blank
/// or comment line.
fn statement(c: &mut Cursor<'_>, exported: bool) -> Option<Item> {
    let (start, line) = (c.pos, c.line);
    c.skip_blanks();
    if c.at_line_end() || c.peek() == Some('#') {
        c.next_line();
        return None;
    }
    let text_end = line_end(c.s, start);
    let fail = |c: &mut Cursor<'_>, reason| {
        (c.pos, c.line) = (start, line);
        c.next_line();
        Some(Unreadable::at(
            line,
            line,
            name_of(&c.s[start..text_end]),
            reason,
        ))
    };
    let export = c.s[c.pos..].starts_with("export") && c.s[c.pos + 6..].starts_with(blank);
    if export {
        c.pos += 6;
        c.skip_blanks();
    }
    let key_start = c.pos;
    while c.peek().is_some_and(key_char) {
        c.bump();
    }
    let name = c.s[key_start..c.pos].to_owned();
    if name.is_empty()
        || !(c.at_line_end()
            || c.peek()
                .is_some_and(|ch| blank(ch) || ch == '=' || ch == '#'))
    {
        return fail(c, Reason::Syntax);
    }
    c.skip_blanks();
    match c.peek() {
        Some('=') => c.bump(),
        Some('#') | None | Some('\n' | '\r') => return fail(c, Reason::NoValue),
        Some(_) => return fail(c, Reason::Syntax),
    };
    // Ruby 3 reads `export NAME=` with nothing after the `=` as `export NAME`.
    if (export || exported) && (c.at_line_end() || c.peek() == Some('#')) {
        return fail(c, Reason::NoValue);
    }
    c.skip_blanks();
    let v_start = c.pos;
    let (value, quote, reason) = match c.peek() {
        Some('#') => return fail(c, Reason::Comment),
        Some(q @ ('\'' | '"')) => {
            let Some((value, reason)) = quoted(c, q) else {
                return fail(c, Reason::Syntax);
            };
            (
                value,
                if q == '"' {
                    Quote::Double
                } else {
                    Quote::Single
                },
                reason,
            )
        }
        _ => {
            let rest = &c.s[v_start..text_end];
            let mut raw = rest;
            if let Some(i) = rest.find('#') {
                match rest[..i].chars().next_back() {
                    Some(b) if blank(b) => raw = &rest[..i],
                    Some(b) if odd_space(b) => return fail(c, Reason::Whitespace),
                    _ => return fail(c, Reason::Comment),
                }
            }
            raw = raw.trim_end_matches(blank);
            if raw.starts_with(odd_space) || raw.ends_with(odd_space) {
                return fail(c, Reason::Whitespace);
            } else if has_reference(raw) {
                return fail(c, Reason::Reference);
            } else if raw.strip_suffix('\\').unwrap_or(raw).contains('\\') {
                return fail(c, Reason::Escape); // Ruby drops a `\` before a character
            }
            c.pos = v_start + raw.len();
            (Zeroizing::new(raw.to_owned()), Quote::None, None)
        }
    };
    let (value_span, last_line) = (v_start..c.pos, c.line);
    let comment_span = comment(c);
    if !c.at_line_end() {
        return fail(c, Reason::Syntax); // text after a closing quote
    }
    c.next_line();
    Some(match reason {
        None => Item::Assignment(Assignment {
            name,
            value,
            line,
            last_line,
            value_span,
            quote,
            comment_span,
        }),
        Some(reason) => Unreadable::at(line, last_line, Some(name), reason),
    })
}

/// Reads a quoted value from its opening quote `q` through its closing one: the value, and why
/// it is unreadable if it is. `None` if no closing quote comes.
fn quoted(c: &mut Cursor<'_>, q: char) -> Option<(Zeroizing<String>, Option<Reason>)> {
    let open = c.pos;
    c.bump();
    let mut reason = None;
    loop {
        let ch = c.bump()?;
        if ch == q {
            break;
        }
        let escaped = (ch == '\\').then(|| c.bump()).flatten();
        match (q, ch, escaped) {
            (_, '\\', None) => return None,
            ('"', _, Some('"' | '\\' | '\'')) => {}
            ('"', _, Some(_)) | ('\'', _, Some('\\' | '\'')) => reason = Some(Reason::Escape),
            _ => {}
        }
    }
    let raw = &c.s[open + 1..c.pos - 1];
    // Sized once, so that no reallocation leaves a copy of the secret behind.
    let mut value = Zeroizing::new(String::with_capacity(raw.len()));
    let mut chars = raw.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' if q == '"' => value.extend(chars.next()),
            '\r' => {
                chars.next_if_eq(&'\n');
                value.push('\n');
            }
            _ => value.push(ch),
        }
    }
    // Ruby drops the `\` of a decoded `\$`. (A final `\\"`, which python-dotenv 1.0 may read
    // past, is left to `reach`.)
    if q == '"' && value.contains("\\$") {
        reason = Some(Reason::Escape);
    } else if reason.is_none()
        && (if q == '"' {
            has_reference(raw)
        } else {
            raw.contains("${")
        })
    {
        reason = Some(Reason::Reference);
    }
    Some((value, reason))
}

/// After a value: blanks, then a `#` comment to the end of the line, if any.
fn comment(c: &mut Cursor<'_>) -> Option<Range<usize>> {
    c.skip_blanks();
    (c.peek() == Some('#')).then(|| {
        let start = c.pos;
        c.pos = line_end(c.s, start);
        start..c.pos
    })
}

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod tests;

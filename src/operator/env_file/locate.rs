//! Parsing with dotenvy, locating each value's bytes, and writing values that read back.

use std::ops::Range;
use std::path::Path;

use zeroize::Zeroizing;

use super::{Assignment, BOM, EnvFileError, Quote};

// ---------------------------------------------------------------------------
// Parsing: dotenvy is the authority
// ---------------------------------------------------------------------------

pub(super) type Pairs = Vec<(String, Zeroizing<String>)>;

/// Parses `text` (BOM already stripped) with dotenvy. The error carries
/// nothing: dotenvy's `LineParse` holds the line's text, which may be secret.
pub(super) fn dotenvy_parse(text: &str) -> Result<Pairs, ()> {
    let mut pairs = Vec::new();
    for item in dotenvy::Iter::new(text.as_bytes()) {
        match item {
            Ok((name, value)) => pairs.push((name, Zeroizing::new(value))),
            Err(_) => return Err(()),
        }
    }
    Ok(pairs)
}

pub(super) fn strip_bom(text: &str) -> &str {
    text.strip_prefix(BOM).unwrap_or(text)
}

pub(super) fn uses_crlf(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .position(|&b| b == b'\n')
        .is_some_and(|i| i > 0 && bytes[i - 1] == b'\r')
}

pub(super) fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Parses the file with dotenvy and locates every assignment's value.
pub(super) fn analyze(path: &Path, bytes: &[u8]) -> Result<Vec<Assignment>, EnvFileError> {
    let full = std::str::from_utf8(bytes).map_err(|e| EnvFileError::NotUtf8 {
        path: path.to_path_buf(),
        line: line_of(bytes, e.valid_up_to()),
    })?;
    let text = strip_bom(full);
    let base = full.len() - text.len();
    let lines = logical_lines(text);

    let parsed = match dotenvy_parse(text) {
        Ok(parsed) => parsed,
        Err(()) => {
            // Parse each logical line alone to find the failing one: syntax
            // errors do not depend on earlier lines (only substitutions do).
            let line = lines
                .iter()
                .find(|l| !l.comment && dotenvy_parse(&text[l.start..l.end]).is_err())
                .or(lines.last())
                .map_or(1, |l| l.line);
            return Err(EnvFileError::Parse {
                path: path.to_path_buf(),
                line,
            });
        }
    };

    let unsupported = |line: usize| EnvFileError::Unsupported {
        path: path.to_path_buf(),
        line,
    };
    let mut assignments = Vec::with_capacity(parsed.len());
    let mut parsed_iter = parsed.into_iter();
    for l in lines.iter().filter(|l| !l.comment) {
        if !l.complete {
            return Err(unsupported(l.line));
        }
        let content = &text[l.start..l.content_end];
        let Some(lexed) = lex_assignment(content).map_err(|()| unsupported(l.line))? else {
            continue;
        };
        let Some((name, value)) = parsed_iter.next() else {
            return Err(unsupported(l.line));
        };
        if name != content[lexed.name.clone()] {
            return Err(unsupported(l.line));
        }
        let offset = base + l.start;
        assignments.push(Assignment {
            name,
            value,
            line: l.line,
            span: offset + lexed.value.start..offset + lexed.value.end,
            quote: match content[lexed.value.clone()].chars().next() {
                Some('\'') => Quote::Single,
                Some('"') => Quote::Double,
                _ => Quote::None,
            },
        });
    }
    if parsed_iter.next().is_some() {
        return Err(unsupported(lines.last().map_or(1, |l| l.line)));
    }
    Ok(assignments)
}

// ---------------------------------------------------------------------------
// Locator: mirrors dotenvy 0.15.7 (iter.rs `QuotedLines`, parse.rs
// `LineParser` and `parse_value`) to find byte positions. It never decides
// values; `analyze` checks its names against dotenvy's, and every edit is
// re-parsed by dotenvy.
// ---------------------------------------------------------------------------

/// A logical line as dotenvy's `QuotedLines` yields it (byte offsets into the
/// BOM-stripped text).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct LogicalLine {
    /// First byte.
    pub(super) start: usize,
    /// End of the raw bytes, including the line break(s).
    pub(super) end: usize,
    /// End of the content dotenvy parses (line break or comment removed).
    pub(super) content_end: usize,
    /// 1-based physical line where it starts.
    pub(super) line: usize,
    /// A full-line comment (skipped by dotenvy).
    pub(super) comment: bool,
    /// False if the text ended inside a quote (dotenvy reports an error).
    pub(super) complete: bool,
}

/// `iter.rs::ParseState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LineState {
    Complete,
    Escape,
    StrongOpen,
    StrongOpenEscape,
    WeakOpen,
    WeakOpenEscape,
    Comment,
    WhiteSpace,
}

/// `iter.rs::eval_end_state`.
pub(super) fn eval_end_state(prev: LineState, buf: &str) -> (usize, LineState) {
    let mut state = prev;
    let mut cur_pos = 0;
    for (pos, c) in buf.char_indices() {
        cur_pos = pos;
        state = match state {
            LineState::WhiteSpace => match c {
                '#' => return (cur_pos, LineState::Comment),
                '\\' => LineState::Escape,
                '"' => LineState::WeakOpen,
                '\'' => LineState::StrongOpen,
                _ => LineState::Complete,
            },
            LineState::Escape => LineState::Complete,
            LineState::Complete => match c {
                c if c.is_whitespace() && c != '\n' && c != '\r' => LineState::WhiteSpace,
                '\\' => LineState::Escape,
                '"' => LineState::WeakOpen,
                '\'' => LineState::StrongOpen,
                _ => LineState::Complete,
            },
            LineState::WeakOpen => match c {
                '\\' => LineState::WeakOpenEscape,
                '"' => LineState::Complete,
                _ => LineState::WeakOpen,
            },
            LineState::WeakOpenEscape => LineState::WeakOpen,
            LineState::StrongOpen => match c {
                '\\' => LineState::StrongOpenEscape,
                '\'' => LineState::Complete,
                _ => LineState::StrongOpen,
            },
            LineState::StrongOpenEscape => LineState::StrongOpen,
            // Unreachable: `Comment` returns above. Stay there harmlessly.
            LineState::Comment => LineState::Comment,
        };
    }
    (cur_pos, state)
}

/// Splits `text` into logical lines exactly like `QuotedLines::next`.
pub(super) fn logical_lines(text: &str) -> Vec<LogicalLine> {
    let mut lines = Vec::new();
    let mut pos = 0;
    let mut line_no = 1;
    while pos < text.len() {
        let start = pos;
        let mut state = LineState::Complete;
        let logical = loop {
            if pos == text.len() {
                break LogicalLine {
                    start,
                    end: pos,
                    content_end: pos,
                    line: line_no,
                    comment: false,
                    complete: false,
                };
            }
            let buf_pos = pos;
            pos = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
            if text[start..pos].trim_start().starts_with('#') {
                break LogicalLine {
                    start,
                    end: pos,
                    content_end: pos,
                    line: line_no,
                    comment: true,
                    complete: true,
                };
            }
            let (cur_pos, new_state) = eval_end_state(state, &text[buf_pos..pos]);
            state = new_state;
            match state {
                LineState::Complete => {
                    let mut content_end = pos;
                    if text[start..content_end].ends_with('\n') {
                        content_end -= 1;
                        if text[start..content_end].ends_with('\r') {
                            content_end -= 1;
                        }
                    }
                    break LogicalLine {
                        start,
                        end: pos,
                        content_end,
                        line: line_no,
                        comment: false,
                        complete: true,
                    };
                }
                LineState::Comment => {
                    break LogicalLine {
                        start,
                        end: pos,
                        content_end: buf_pos + cur_pos,
                        line: line_no,
                        comment: false,
                        complete: true,
                    };
                }
                _ => {}
            }
        };
        line_no += text[logical.start..logical.end].matches('\n').count();
        lines.push(logical);
    }
    lines
}

/// Byte ranges (within a logical line's content) of an assignment.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Lexed {
    pub(super) name: Range<usize>,
    pub(super) value: Range<usize>,
}

/// Mirrors `LineParser::parse_line`: `Ok(None)` for blank/comment lines,
/// `Err(())` where dotenvy would report an error.
pub(super) fn lex_assignment(content: &str) -> Result<Option<Lexed>, ()> {
    let line = content.trim_end();
    let skip_ws = |p: usize| {
        line[p..]
            .find(|c: char| !c.is_whitespace())
            .map_or(line.len(), |i| p + i)
    };
    let parse_key = |p: usize| -> Result<usize, ()> {
        if !line[p..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return Err(());
        }
        Ok(line[p..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .map_or(line.len(), |i| p + i))
    };
    let expect_equal = |p: usize| -> Result<usize, ()> {
        if line[p..].starts_with('=') {
            Ok(p + 1)
        } else {
            Err(())
        }
    };

    let mut p = skip_ws(0);
    if p == line.len() || line[p..].starts_with('#') {
        return Ok(None);
    }
    let key_start = p;
    p = parse_key(p)?;
    let mut name = key_start..p;
    p = skip_ws(p);
    if &line[name.clone()] == "export" {
        match expect_equal(p) {
            Ok(q) => p = q,
            Err(()) => {
                let key_start = p;
                p = parse_key(p)?;
                name = key_start..p;
                p = skip_ws(p);
                p = expect_equal(p)?;
            }
        }
    } else {
        p = expect_equal(p)?;
    }
    let after_equal = p;
    p = skip_ws(p);
    if p == line.len() || line[p..].starts_with('#') {
        return Ok(Some(Lexed {
            name,
            value: after_equal..after_equal,
        }));
    }
    let end = p + value_len(&line[p..]);
    Ok(Some(Lexed {
        name,
        value: p..end,
    }))
}

/// Mirrors `parse_value`'s state machine and returns the length of the value
/// text: up to the unquoted blank that starts `expecting_end` (after which
/// only blanks and a `#` comment may follow), else all of `input`.
pub(super) fn value_len(input: &str) -> usize {
    #[derive(PartialEq, Eq)]
    enum Subst {
        None,
        Block,
        EscapedBlock,
    }
    let (mut strong, mut weak, mut escaped) = (false, false, false);
    let mut subst = Subst::None;
    let mut name_empty = true;
    for (i, c) in input.char_indices() {
        if escaped {
            escaped = false;
        } else if strong {
            if c == '\'' {
                strong = false;
            }
        } else if subst != Subst::None {
            if c.is_alphanumeric() {
                name_empty = false;
            } else if subst == Subst::Block {
                if c == '{' && name_empty {
                    subst = Subst::EscapedBlock;
                } else {
                    name_empty = true;
                    subst = if c == '$' { Subst::Block } else { Subst::None };
                }
            } else if c == '}' {
                name_empty = true;
                subst = Subst::None;
            } else {
                name_empty = false;
            }
        } else if c == '$' {
            subst = Subst::Block;
        } else if weak {
            if c == '"' {
                weak = false;
            } else if c == '\\' {
                escaped = true;
            }
        } else if c == '\'' {
            strong = true;
        } else if c == '"' {
            weak = true;
        } else if c == '\\' {
            escaped = true;
        } else if c == ' ' || c == '\t' {
            return i;
        }
    }
    input.len()
}

// ---------------------------------------------------------------------------
// Writing values
// ---------------------------------------------------------------------------

/// dotenvy's key syntax.
pub(super) fn is_valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// Renders `value` for `name` in the preferred quoting, falling back to
/// other quotings; each candidate must read back identically on its own.
pub(super) fn render_value(
    path: &Path,
    name: &str,
    value: &str,
    prefer: Quote,
) -> Result<Zeroizing<String>, EnvFileError> {
    let order: [Quote; 3] = match prefer {
        Quote::None => [Quote::None, Quote::Double, Quote::Single],
        Quote::Double => [Quote::Double, Quote::Single, Quote::None],
        Quote::Single => [Quote::Single, Quote::Double, Quote::None],
    };
    for quote in order {
        let Some(candidate) = quoted(value, quote) else {
            continue;
        };
        if reads_back(name, &candidate, value) {
            return Ok(candidate);
        }
    }
    Err(EnvFileError::UnrepresentableValue {
        path: path.to_path_buf(),
        name: name.to_owned(),
    })
}

/// `value` written with `quote`, or `None` if that quoting cannot hold it.
pub(super) fn quoted(value: &str, quote: Quote) -> Option<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::with_capacity(value.len() * 2 + 2));
    match quote {
        Quote::None => {
            let plain = value.chars().all(|c| {
                !c.is_whitespace() && !c.is_control() && !matches!(c, '\\' | '\'' | '"' | '$' | '#')
            });
            if !plain {
                return None;
            }
            out.push_str(value);
        }
        Quote::Single => {
            if value.contains(['\'', '\\']) {
                return None;
            }
            out.push('\'');
            out.push_str(value);
            out.push('\'');
        }
        Quote::Double => {
            out.push('"');
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
        }
    }
    Some(out)
}

/// Whether `NAME=<rendered>` alone parses to exactly `(name, value)`.
pub(super) fn reads_back(name: &str, rendered: &str, value: &str) -> bool {
    let mut line = Zeroizing::new(String::with_capacity(name.len() + rendered.len() + 2));
    line.push_str(name);
    line.push('=');
    line.push_str(rendered);
    line.push('\n');
    matches!(dotenvy_parse(&line).as_deref(), Ok([(n, v)]) if n == name && v.as_str() == value)
}

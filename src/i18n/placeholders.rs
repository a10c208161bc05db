//! Every `fill(…)` and `plural(…)` in `src/` whose template is a catalogue text passes exactly
//! the placeholders that text has, in English and in Dutch: a name misspelt or forgotten at a
//! call site would otherwise reach the page as `{eta}`.
//!
//! The check reads the source: it finds each call, the catalogue texts its template names
//! (`t.finder.found_count`, `t.import().rate`, `self.groups().op_add`, `self.err_http` inside
//! `impl ConfigTexts`, both arms of an `if`), and the names of its arguments (`&[("rate", …), ("eta", …)]`, or a
//! `let args = [(…)]` earlier in the file). An array at the call passes exactly the text's
//! names; a `let` array that several calls share holds at least them. A call whose arguments
//! can't be read this way fails the test, so every call stays checkable.

use super::{Texts, EN, NL};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/ can be read")
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src` with comments and the insides of string and char literals replaced by spaces, byte
/// for byte, so brackets and commas can be matched on it and positions still fit `src`.
fn blank(src: &str) -> Vec<u8> {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let clear = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to.min(b.len())] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = src[i..].find('\n').map_or(b.len(), |n| i + n);
                clear(&mut out, i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = src[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                clear(&mut out, i, end);
                i = end;
            }
            b'r' if matches!(b.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                let hashes = b[i + 1..].iter().take_while(|c| **c == b'#').count();
                if b.get(i + 1 + hashes) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let start = i + 2 + hashes;
                let end = src[start..].find(&close).map_or(b.len(), |n| start + n);
                clear(&mut out, start, end);
                i = end + close.len();
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                clear(&mut out, i + 1, j);
                i = j + 1;
            }
            b'\'' => {
                // A char literal ('x', '\n', 'é'), not a lifetime ('static).
                let end = if b.get(i + 1) == Some(&b'\\') {
                    src[i + 3..].find('\'').map(|n| i + 3 + n)
                } else {
                    src[i + 1..]
                        .chars()
                        .next()
                        .map(|c| i + 1 + c.len_utf8())
                        .filter(|&e| b.get(e) == Some(&b'\''))
                };
                match end {
                    Some(end) => {
                        clear(&mut out, i + 1, end);
                        i = end + 1;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The top-level comma-separated pieces of `code[from..to]`, as ranges.
fn split_top(code: &[u8], from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, from);
    for (i, c) in code.iter().enumerate().take(to).skip(from) {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => {
                parts.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
    }
    if code[start..to].iter().any(|c| !c.is_ascii_whitespace()) {
        parts.push((start, to));
    }
    parts
}

fn trim(code: &[u8], (mut a, mut b): (usize, usize)) -> (usize, usize) {
    while a < b && code[a].is_ascii_whitespace() {
        a += 1;
    }
    while b > a && code[b - 1].is_ascii_whitespace() {
        b -= 1;
    }
    (a, b)
}

/// The position just after the bracket that closes the one opened at `open`.
fn close_of(code: &[u8], open: usize) -> usize {
    let mut depth = 0i32;
    for (i, c) in code.iter().enumerate().skip(open) {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    code.len()
}

const AREAS: [(&str, &str); 10] = [
    ("CommonTexts", "common"),
    ("FinderTexts", "finder"),
    ("GroupTexts", "groups"),
    ("ImportTexts", "import"),
    ("ConfigTexts", "config"),
    ("SignInHelpTexts", "signin"),
    ("DeployTexts", "deploy"),
    ("ExternalsTexts", "externals"),
    ("PersonTexts", "person"),
    ("ModeTexts", "mode"),
];

/// The catalogue texts (`area.field`) a template expression names. `self.x` is the area of
/// the `impl` block the call is in.
fn templates(code: &str, impl_area: Option<&str>) -> Vec<String> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let ident_at = |from: usize| {
        let end = (from..b.len())
            .find(|&i| !is_ident(b[i]))
            .unwrap_or(b.len());
        (&code[from..end], end)
    };
    let not_called = |end: usize| !code[end..].trim_start().starts_with('(');
    for (i, _) in code.match_indices('.') {
        let (word, end) = ident_at(i + 1);
        if let Some((_, area)) = AREAS.iter().find(|(_, a)| *a == word) {
            // `t.common.x`, or a lazily loaded area's `t.groups().x`.
            let end = if code[end..].starts_with("()") {
                end + 2
            } else {
                end
            };
            if b.get(end) == Some(&b'.') {
                let (field, fend) = ident_at(end + 1);
                if !field.is_empty() && not_called(fend) {
                    out.push(format!("{area}.{field}"));
                }
            }
        } else if code[..i].ends_with("self")
            && (i < 5 || !is_ident(b[i - 5]))
            && !word.is_empty()
            && not_called(end)
        {
            if let (Some(area), false) = (impl_area, b.get(end) == Some(&b'.')) {
                out.push(format!("{area}.{word}"));
            }
        }
    }
    out
}

/// The names of an argument array `[("a", …), ("b", …)]` at `code[from..to]`, if every
/// element is a tuple that starts with a string literal.
fn array_names(src: &str, code: &[u8], from: usize, to: usize) -> Option<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for part in split_top(code, from + 1, to - 1) {
        let (a, b) = trim(code, part);
        let first = (a + 1..b).find(|&i| !code[i].is_ascii_whitespace())?;
        if code[a] != b'(' || code[first] != b'"' {
            return None;
        }
        let end = src[first + 1..].find('"')? + first + 1;
        names.insert(src[first + 1..end].to_owned());
    }
    Some(names)
}

/// The names an argument expression passes: an array literal, or a `let` array earlier on
/// (`true`: several calls may share it, so it may hold more names than one text uses).
fn arg_names(src: &str, code: &[u8], (a, b): (usize, usize)) -> Option<(BTreeSet<String>, bool)> {
    let text = std::str::from_utf8(&code[a..b])
        .ok()?
        .trim_start_matches('&')
        .trim();
    let start = a + std::str::from_utf8(&code[a..b]).ok()?.find(text)?;
    if text.starts_with('[') {
        return array_names(src, code, start, start + text.len()).map(|n| (n, false));
    }
    if !text.bytes().all(is_ident) {
        return None;
    }
    let code_str = std::str::from_utf8(code).ok()?;
    let decl = code_str[..a].rfind(&format!("let {text} = "))?;
    let open = decl + code_str[decl..].find('[')?;
    array_names(src, code, open, close_of(code, open)).map(|n| (n, true))
}

struct Call {
    place: String,
    plural: bool,
    templates: Vec<String>,
    /// The names passed, and whether they come from a shared `let` array.
    names: Option<(BTreeSet<String>, bool)>,
}

fn calls_in(path: &Path) -> Vec<Call> {
    let src = std::fs::read_to_string(path).expect("source file");
    let code = blank(&src);
    let code_str = std::str::from_utf8(&code).expect("blanked source stays UTF-8");
    let mut out = Vec::new();
    for (name, plural) in [("fill(", false), ("plural(", true)] {
        for (at, _) in code_str.match_indices(name) {
            if at > 0 && (is_ident(code[at - 1]) || code[at - 1] == b'.' || code[at - 1] == b':') {
                continue;
            }
            if code_str[..at].trim_end().ends_with("fn") {
                continue;
            }
            let open = at + name.len() - 1;
            let close = close_of(&code, open);
            let args = split_top(&code, open + 1, close - 1);
            let impl_area = code_str[..at].rfind("impl ").and_then(|i| {
                let rest = &code_str[i + 5..];
                AREAS
                    .iter()
                    .find(|(ty, _)| rest.starts_with(&format!("{ty} ")))
                    .map(|(_, area)| *area)
            });
            let Some(&template) = args.first() else {
                continue;
            };
            let found = templates(&code_str[template.0..template.1], impl_area);
            if found.is_empty() {
                continue;
            }
            let names = args
                .get(if plural { 2 } else { 1 })
                .and_then(|&arg| arg_names(&src, &code, trim(&code, arg)));
            let line = src[..at].matches('\n').count() + 1;
            let rel = path
                .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .unwrap_or(path)
                .display();
            out.push(Call {
                place: format!("{rel}:{line}"),
                plural,
                templates: found,
                names,
            });
        }
    }
    out
}

/// The placeholders of a catalogue text (both forms of a plural, `{count}` left out there),
/// or `None` if the catalogue has no such text.
fn expected(t: &Texts, template: &str, plural: bool) -> Option<BTreeSet<String>> {
    let texts: Vec<&str> = t
        .entries()
        .into_iter()
        .filter(|(name, _)| {
            name == template
                || (plural
                    && (*name == format!("{template}.one") || *name == format!("{template}.other")))
        })
        .map(|(_, text)| text)
        .collect();
    if texts.is_empty() {
        return None;
    }
    let mut names: BTreeSet<String> = texts
        .iter()
        .flat_map(|s| s.split('{').skip(1))
        .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
        .collect();
    if plural {
        names.remove("count");
    }
    Some(names)
}

fn problems(root: &Path) -> (usize, Vec<String>) {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let mut checked = 0;
    let mut problems = Vec::new();
    for call in files.iter().flat_map(|f| calls_in(f)) {
        let Some((passed, shared)) = &call.names else {
            problems.push(format!(
                "{}: the names passed can't be read; pass them as `&[(\"name\", …)]`",
                call.place
            ));
            continue;
        };
        for template in &call.templates {
            checked += 1;
            for (lang, t) in [("English", &EN), ("Dutch", &NL)] {
                match expected(t, template, call.plural) {
                    None => {
                        problems.push(format!("{}: {template} is no catalogue text", call.place))
                    }
                    Some(wanted)
                        if if *shared {
                            !wanted.is_subset(passed)
                        } else {
                            &wanted != passed
                        } =>
                    {
                        problems.push(format!(
                            "{}: {template} in {lang} has {wanted:?}, the call passes {passed:?}",
                            call.place
                        ))
                    }
                    Some(_) => {}
                }
            }
        }
    }
    (checked, problems)
}

#[test]
fn every_fill_and_plural_passes_the_placeholders_its_text_has() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (checked, problems) = problems(&root);
    // The scan finds the calls (a scan that found none would pass whatever the code says).
    assert!(checked >= 100, "only {checked} calls found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_scan_sees_a_wrong_name_a_missing_one_and_an_unreadable_call() {
    let dir = std::env::temp_dir().join(format!("guestlist-placeholders-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("a.rs"),
        r#"
        fn view(t: &Texts, rate: &str, args: &[(&str, &str)]) {
            // fill(t.import().rate, &[]) in a comment is no call.
            let ok = fill(t.import().rate, &[("rate", rate), ("eta", "1:00")]);
            let wrong = fill(t.import().rate, &[("rate", rate), ("time", "1:00")]);
            let missing = plural(&t.import().progress, 3, &[]);
            let pairs = [("done", "1")];
            let via_let = plural(&t.import().progress, 3, &pairs);
            let unreadable = fill(t.import().rate, args);
        }
        impl ConfigTexts {
            fn f(&self) -> String { fill(self.err_http, &[("status", "503")]) }
        }
        "#,
    )
    .expect("write");
    let (checked, problems) = problems(&dir);
    std::fs::remove_dir_all(&dir).expect("clean up");
    assert_eq!(checked, 5, "{problems:#?}");
    let lines: Vec<&str> = problems
        .iter()
        .map(|p| p.split(": ").next().unwrap_or(""))
        .collect();
    assert_eq!(problems.len(), 5, "{problems:#?}");
    assert!(
        problems
            .iter()
            .all(|p| !p.contains(":4:") && !p.contains(":8:") && !p.contains(":12:")),
        "{problems:#?}"
    );
    assert!(lines.iter().any(|l| l.ends_with(":5")), "{problems:#?}");
    assert!(lines.iter().any(|l| l.ends_with(":6")), "{problems:#?}");
    assert!(lines.iter().any(|l| l.ends_with(":9")), "{problems:#?}");
}

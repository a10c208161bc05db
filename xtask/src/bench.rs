//! `cargo xtask bench`: figures that must stay within budget.
//!
//! First-load transfer: what a browser downloads before the first screen works — index.html,
//! everything it links (scripts: boot, the sign-in bridge, the app's glue; the main wasm
//! module; stylesheets; the icon), the JS modules those import statically (wasm-split's link
//! module) and config.json — raw and gzip-compressed (level 9, what a static host serves at
//! best). That is what both first screens need: the sign-in screen, and the group finder, whose
//! list waits for nothing else. What a session fetches once that screen works (MSAL.js,
//! [`FETCHED_NEXT`], and for a signed-in one the split points of [`SIGNED_IN_NEXT`]) is listed
//! next, then the lazily loaded wasm modules (xtask/src/split.rs), per page: what opening that
//! page first fetches.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::error::{Error, Result};
use crate::workspace::Workspace;

/// The budget for the finished app, MSAL included (bytes of gzip, 1 KB = 1000 bytes).
pub const FIRST_LOAD_BUDGET_GZIP: u64 = 350_000;

/// The split points a signed-in session fetches once its first screen works (name prefixes in
/// the link module): the mode probe (`ui::session::run_probe`), which waits for the first
/// screen, and the finder's badges (`ui::groups::delivery::found_delivery`), which follow its
/// first list.
const SIGNED_IN_NEXT: [&str; 2] = ["run_probe", "found_delivery"];

/// Files every session fetches once its first screen works: MSAL.js, which js/auth.js loads
/// then (or sooner, when a sign-in or a token the tab's session lacks needs it).
const FETCHED_NEXT: [&str; 1] = ["msal-browser.min.js"];

pub fn run(ws: &Workspace, args: &[String]) -> Result<()> {
    let mut rebuild = false;
    let mut browser = true;
    for arg in args {
        match arg.as_str() {
            "--build" => rebuild = true,
            "--sizes-only" => browser = false,
            other => return Err(Error::Usage(format!("unknown option {other:?} for bench"))),
        }
    }
    let dist = ws.dist();
    if rebuild || !dist.join("index.html").is_file() {
        crate::setup::run(ws)?;
        crate::test::build(ws)?;
    }
    let (counted, lazy, others) = first_load_files(&dist)?;

    println!(
        "first-load transfer of {} (gzip level 9; 1 KB = 1000 bytes)",
        dist.display()
    );
    let (_, gz_total) = size_table(&dist, &counted, 48)?;
    let share = gz_total as f64 * 100.0 / FIRST_LOAD_BUDGET_GZIP as f64;
    println!(
        "  budget: {} KB gzip; used {} KB ({share:.0}%){}",
        kb(FIRST_LOAD_BUDGET_GZIP),
        kb(gz_total),
        if gz_total > FIRST_LOAD_BUDGET_GZIP {
            "  OVER BUDGET"
        } else {
            ""
        }
    );
    let splits = link_splits(&dist, &counted)?;
    signed_in_next(&dist, &splits)?;
    if !lazy.is_empty() {
        lazy_modules(&dist, &splits, &lazy)?;
    }
    if !others.is_empty() {
        let names: Vec<String> = others.iter().map(|p| p.display().to_string()).collect();
        println!("  not loaded at start (not counted): {}", names.join(", "));
    }
    if browser {
        measurements(ws, &dist)?;
        bulk(ws)?;
    }
    Ok(())
}

/// The bulk-run figures: `examples/bulk_bench` (1,000 externals into a distribution group against
/// the simulated tenant at 100 ms latency, 4 Exchange calls at once, 5% 429s; ratio to N·L/C,
/// rows lost or duplicated; 2,000 new guests into a Microsoft 365 group against Graph's write
/// budget scaled down; ratio to the budget's bound, writes throttled, rows lost or duplicated),
/// `examples/register_bench` (the externals register over the large seed: requests, time to the
/// first rows and to every membership; then the cross-tenant register over the seeded GDAP
/// customers: tenants, externals, requests, time), then parse + validate + plan of 10,000 CSV rows in headless Chromium
/// (`tests/web_import.rs`, release build). Both print their own figures.
fn bulk(ws: &Workspace) -> Result<()> {
    println!(
        "
bulk run against the simulated tenant (native executor)"
    );
    crate::cmd::run(ws.cargo().args([
        "run",
        "--release",
        "-p",
        "guestlist-core",
        "--example",
        "bulk_bench",
    ]))?;
    println!(
        "
the externals register over the large simulated tenant, then across the seeded customers (native reads)"
    );
    crate::cmd::run(ws.cargo().args([
        "run",
        "--release",
        "-p",
        "guestlist-core",
        "--example",
        "register_bench",
    ]))?;
    println!(
        "
bulk import in the browser (release wasm)"
    );
    let runner = crate::test::tool(ws, "wasm-bindgen-test-runner")?;
    let chromedriver = crate::test::tool(ws, "chromedriver")?;
    let (_, result) = crate::cmd::run_tests_with(
        ws.cargo()
            .args(["test", "--release", "-p", "guestlist"])
            .args(["--target", "wasm32-unknown-unknown", "--test", "web_import"])
            .args(["--", "--nocapture"])
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", runner)
            .env("CHROMEDRIVER", chromedriver)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "300"),
        |line| {
            if line.contains("BENCH ") {
                println!("  {}", line.trim());
            }
        },
    );
    result
}

/// Runs the `bench_*` test targets (ignored tests, one at a time so they do not compete for
/// the CPU) and prints the `key=value` figures they report.
fn measurements(ws: &Workspace, dist: &Path) -> Result<()> {
    crate::setup::run(ws)?;
    let mut figures = Vec::new();
    let mut failures = Vec::new();
    for package in crate::test::workspace_packages(ws)? {
        for target in package.tests.iter().filter(|t| t.starts_with("bench_")) {
            let mut cmd = ws.cargo();
            cmd.args(["test", "-p", &package.name, "--test", target, "--"])
                .args(["--ignored", "--nocapture", "--test-threads=1"])
                .env(crate::test::DIST_ENV, dist);
            let (_, result) = crate::cmd::run_tests_with(&mut cmd, |line| {
                // libtest prints "test name ... " without a newline before the test's own
                // output, so a figure can end a longer line.
                if let Some(figure) = line.split_whitespace().last().filter(|w| is_figure(w)) {
                    figures.push(format!("{target}: {figure}"));
                }
            });
            if let Err(e) = result {
                failures.push(e.to_string());
            }
        }
    }
    if !figures.is_empty() {
        println!("\nbrowser measurements");
        for f in &figures {
            println!("  {f}");
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Error::TestStages(format!(
            "measurements failed: {}",
            failures.join("; ")
        )))
    }
}

/// `members_first_rows_after_data_ms=123`: a figure a measurement reports.
fn is_figure(line: &str) -> bool {
    let Some((key, value)) = line.trim().split_once('=') else {
        return false;
    };
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !value.is_empty()
        && !value.contains(char::is_whitespace)
}

fn kb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1000.0)
}

fn gzip_len(bytes: &[u8]) -> u64 {
    let mut enc = GzEncoder::new(Vec::new(), Compression::new(9));
    // Writing into a Vec cannot fail.
    enc.write_all(bytes).expect("gzip into memory");
    enc.finish().expect("gzip into memory").len() as u64
}

/// (raw, gzip) bytes by file name relative to dist/.
type Sizes = std::collections::BTreeMap<String, (u64, u64)>;

/// Prints `files` (paths relative to `dist`, the name column `width` wide) with their raw and
/// gzip sizes, then the totals; returns each file's sizes and the gzip total.
fn size_table(dist: &Path, files: &BTreeSet<PathBuf>, width: usize) -> Result<(Sizes, u64)> {
    println!("  {:<width$} {:>10} {:>10}", "file", "raw KB", "gzip KB");
    let mut sizes = Sizes::new();
    let (mut raw_total, mut gz_total) = (0u64, 0u64);
    for rel in files {
        let path = dist.join(rel);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let (raw, gz) = (bytes.len() as u64, gzip_len(&bytes));
        raw_total += raw;
        gz_total += gz;
        println!("  {:<width$} {:>10} {:>10}", rel.display(), kb(raw), kb(gz));
        sizes.insert(rel.display().to_string(), (raw, gz));
    }
    println!(
        "  {:<width$} {:>10} {:>10}",
        "total",
        kb(raw_total),
        kb(gz_total)
    );
    Ok((sizes, gz_total))
}

/// The split points of the first load's link modules, each with the files it fetches
/// ([`split_loads`]).
fn link_splits(dist: &Path, counted: &BTreeSet<PathBuf>) -> Result<Vec<(String, Vec<String>)>> {
    let mut splits = Vec::new();
    for link in counted.iter().filter(|p| is_link_module(p)) {
        let path = dist.join(link);
        let js = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        splits.extend(split_loads(&js));
    }
    Ok(splits)
}

/// The lazily loaded modules: each file with its size, then per split point (page) what its
/// first use fetches, from the link module's loaders.
fn lazy_modules(
    dist: &Path,
    splits: &[(String, Vec<String>)],
    lazy: &BTreeSet<PathBuf>,
) -> Result<()> {
    println!("\nlazily loaded wasm modules (not in the first load)");
    let (sizes, _) = size_table(dist, lazy, 64)?;
    println!("  first use of a page fetches (gzip KB):");
    for (split, files) in splits {
        let gz: u64 = files.iter().filter_map(|f| sizes.get(f)).map(|s| s.1).sum();
        println!("    {:<62} {:>10}", split, kb(gz));
    }
    Ok(())
}

/// Prints what a signed-in session fetches once its first screen works ([`FETCHED_NEXT`], the
/// split points of [`SIGNED_IN_NEXT`] and the chunks they need, each file once) and their total.
fn signed_in_next(dist: &Path, splits: &[(String, Vec<String>)]) -> Result<()> {
    println!(
        "\nsigned in, fetched once the first screen works (MSAL.js, {}; not in the first load):",
        SIGNED_IN_NEXT.join(", ")
    );
    let files = next_files(splits)
        .into_iter()
        .chain(FETCHED_NEXT.map(String::from))
        .map(PathBuf::from)
        .collect();
    size_table(dist, &files, 48)?;
    Ok(())
}

/// The files the split points of [`SIGNED_IN_NEXT`] fetch, each once.
fn next_files(splits: &[(String, Vec<String>)]) -> BTreeSet<String> {
    splits
        .iter()
        .filter(|(name, _)| SIGNED_IN_NEXT.iter().any(|s| name.starts_with(s)))
        .flat_map(|(_, files)| files.iter().cloned())
        .collect()
}

fn is_link_module(rel: &Path) -> bool {
    rel.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("__wasm_split") && n.ends_with(".js"))
}

/// The split points of a wasm-split link module, each with the files its loader fetches (its
/// own module and the shared chunks it depends on). The module declares
/// `const __chunk_N = makeLoad(… new URL("./file.wasm" …), []);` per chunk and
/// `export const __wasm_split_load_NAME = wrapAsyncCb(makeLoad(… "./file.wasm" …, [__chunk_N, …]));`
/// per split point (release builds strip its whitespace: `const __chunk_N=makeLoad(…`).
fn split_loads(js: &str) -> Vec<(String, Vec<String>)> {
    const CHUNK: &str = "const __chunk_";
    // `export const …`, or (whitespace stripped) `const …` and one `export{…}` at the end.
    const SPLIT: &str = "const __wasm_split_load_";
    let mut starts: Vec<usize> = js
        .match_indices(CHUNK)
        .map(|(i, _)| i)
        .filter(|&i| !js[..i].ends_with("export "))
        .chain(js.match_indices(SPLIT).map(|(i, _)| i))
        .collect();
    starts.sort_unstable();
    let mut chunks = std::collections::BTreeMap::new();
    let mut splits = Vec::new();
    for (n, &start) in starts.iter().enumerate() {
        let segment = &js[start..starts.get(n + 1).copied().unwrap_or(js.len())];
        let name = segment
            .split('=')
            .next()
            .unwrap_or("")
            .trim_end()
            .rsplit(' ')
            .next()
            .unwrap_or("");
        let file = segment
            .split("new URL(\"./")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("")
            .to_owned();
        if let Some(split) = name.strip_prefix("__wasm_split_load_") {
            let deps = segment
                .rfind('[')
                .and_then(|open| segment[open + 1..].split(']').next())
                .unwrap_or("");
            let mut files: Vec<String> = deps
                .split(',')
                .map(str::trim)
                .filter_map(|d| chunks.get(d).cloned())
                .collect();
            if !file.is_empty() {
                files.push(file);
            }
            splits.push((split.to_owned(), files));
        } else {
            chunks.insert(name.to_owned(), file);
        }
    }
    splits
}

/// (files of the first load, lazily loaded wasm modules, other files in dist/), as paths
/// relative to dist/.
type Files = BTreeSet<PathBuf>;
fn first_load_files(dist: &Path) -> Result<(Files, Files, Files)> {
    let index_path = dist.join("index.html");
    let index = std::fs::read_to_string(&index_path).map_err(|e| Error::io(&index_path, e))?;
    let mut counted = BTreeSet::from([PathBuf::from("index.html")]);
    // config.json is fetched at start (when the host has one next to index.html).
    let mut pending: Vec<PathBuf> = linked_paths(&index);
    pending.push(PathBuf::from("config.json"));
    while let Some(rel) = pending.pop() {
        let path = dist.join(&rel);
        if !path.is_file() || !counted.insert(rel.clone()) {
            continue;
        }
        // Modules a first-load module imports statically load with it.
        if rel.extension().is_some_and(|e| e == "js" || e == "mjs") {
            let js = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            pending.extend(static_imports(&js));
        }
    }
    let mut lazy = BTreeSet::new();
    let mut others = BTreeSet::new();
    for rel in walk(dist, Path::new(""))? {
        if counted.contains(&rel) {
            continue;
        }
        if rel.extension().is_some_and(|e| e == "wasm") {
            lazy.insert(rel);
        } else {
            others.insert(rel);
        }
    }
    Ok((counted, lazy, others))
}

/// The relative modules a JS module imports statically: `import … from "./x.js"`,
/// `import "./x.js"` (not `import("./x.js")`, which loads on demand).
fn static_imports(js: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (at, _) in js.match_indices("import") {
        if at > 0
            && (js.as_bytes()[at - 1].is_ascii_alphanumeric() || js.as_bytes()[at - 1] == b'.')
        {
            continue;
        }
        let rest = &js[at + "import".len()..];
        // A keyword, not part of a name (`import1`), and not a dynamic `import(…)`.
        if !rest.starts_with(|c: char| c.is_ascii_whitespace() || "{*\"'".contains(c))
            || rest.trim_start().starts_with('(')
        {
            continue;
        }
        // The specifier: the first string literal of the statement, after `from` if any.
        let statement = rest.split(';').next().unwrap_or(rest);
        let statement = statement
            .split('\n')
            .take(20)
            .collect::<Vec<_>>()
            .join("\n");
        let spec_part = match statement.find("from") {
            Some(f) => &statement[f + 4..],
            None => statement.as_str(),
        };
        let spec_part = spec_part.trim_start();
        let Some(q @ ('"' | '\'')) = spec_part.chars().next() else {
            continue;
        };
        if let Some(spec) = spec_part[1..].split(q).next() {
            if let Some(local) = spec.strip_prefix("./") {
                out.push(PathBuf::from(local));
            }
        }
    }
    out
}

fn walk(root: &Path, rel: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join(rel);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
        let entry = entry.map_err(|e| Error::io(&dir, e))?;
        let rel = rel.join(entry.file_name());
        if entry.path().is_dir() {
            out.extend(walk(root, &rel)?);
        } else {
            out.push(rel);
        }
    }
    Ok(out)
}

/// Local paths in the `src` and `href` attributes of an HTML page, quoted or not (Trunk's
/// minifier drops the quotes).
fn linked_paths(html: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    for attr in ["src=", "href="] {
        let mut from = 0;
        while let Some(at) = html[from..].find(attr).map(|i| i + from) {
            from = at + attr.len();
            // An attribute name starts after whitespace (not `data-src=`).
            if at == 0 || !bytes[at - 1].is_ascii_whitespace() {
                continue;
            }
            let rest = &html[from..];
            let value = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
                _ => rest
                    .split(|c: char| c.is_ascii_whitespace() || c == '>')
                    .next()
                    .unwrap_or(""),
            };
            let value = value.split(['?', '#']).next().unwrap_or("");
            if !value.is_empty() && !value.contains("://") && !value.starts_with("data:") {
                out.push(PathBuf::from(
                    value.trim_start_matches("./").trim_start_matches('/'),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_local_links_only() {
        let html = r#"<link rel="modulepreload" href="/app-1a2b.js"><script src='./msal.min.js?v=1'></script>
                      <link href="https://example.com/x.css"><img src="data:image/png;base64,AA">
                      <link href=/favicon-9f.svg rel=icon><script data-src=/no.js src=/boot.js>"#;
        assert_eq!(
            linked_paths(html),
            vec![
                PathBuf::from("msal.min.js"),
                PathBuf::from("boot.js"),
                PathBuf::from("app-1a2b.js"),
                PathBuf::from("favicon-9f.svg"),
            ]
        );
    }

    #[test]
    fn follows_static_imports_only() {
        let js = "import * as import1 from \"./__wasm_split-ab.js\"\nimport { a } from './b.js';\n\
                  import './side.js';\nconst m = await import(\"./lazy.js\");\nx.import(\"./no.js\");\n\
                  import c from \"https://example.com/c.js\";";
        assert_eq!(
            static_imports(js),
            vec![
                PathBuf::from("__wasm_split-ab.js"),
                PathBuf::from("b.js"),
                PathBuf::from("side.js"),
            ]
        );
    }

    #[test]
    fn reads_what_each_split_point_fetches() {
        let js = r#"import { initSync } from "./guestlist-1.js";
/* a, b */
const __chunk_5 = makeLoad(() => {
    const src = fetch(new URL("./chunk_5-aa.wasm", import.meta.url));
}
, []);
const __chunk_6 = makeLoad(() => {
    const src = fetch(new URL("./chunk_6-bb.wasm", import.meta.url));
}
, []);
export const __wasm_split_load_a_1 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_a_1-cc.wasm", import.meta.url));
}
, [__chunk_5, __chunk_6]));
export const __wasm_split_load_b_1 = wrapAsyncCb(makeLoad(() => async (_imp) => ({}), [__chunk_5]));
"#;
        assert_eq!(
            split_loads(js),
            vec![
                (
                    "a_1".to_owned(),
                    vec![
                        "chunk_5-aa.wasm".to_owned(),
                        "chunk_6-bb.wasm".to_owned(),
                        "split_a_1-cc.wasm".to_owned()
                    ]
                ),
                ("b_1".to_owned(), vec!["chunk_5-aa.wasm".to_owned()]),
            ]
        );
    }

    #[test]
    fn reads_what_each_split_point_fetches_without_whitespace() {
        let js = concat!(
            r#"import{initSync}from"./guestlist-1.js";"#,
            r#"const __chunk_5=makeLoad(()=>{const src=fetch(new URL("./chunk_5-aa.wasm",import.meta.url))},[]);"#,
            r#"const __wasm_split_load_a_1=wrapAsyncCb(makeLoad(()=>{const src=fetch(new URL("./split_a_1-cc.wasm",import.meta.url))},[__chunk_5]));"#,
            r#"export{__wasm_split_load_a_1};"#,
        );
        assert_eq!(
            split_loads(js),
            vec![(
                "a_1".to_owned(),
                vec!["chunk_5-aa.wasm".to_owned(), "split_a_1-cc.wasm".to_owned()]
            )]
        );
    }

    #[test]
    fn what_a_session_fetches_next_counts_each_shared_chunk_once() {
        let splits = vec![
            (
                "run_probe_1".to_owned(),
                vec![
                    "chunk_1.wasm".to_owned(),
                    "split_run_probe_1.wasm".to_owned(),
                ],
            ),
            (
                "found_delivery_2".to_owned(),
                vec![
                    "chunk_1.wasm".to_owned(),
                    "split_found_delivery_2.wasm".to_owned(),
                ],
            ),
            (
                "import_page_view_3".to_owned(),
                vec!["chunk_9.wasm".to_owned()],
            ),
        ];
        assert_eq!(
            next_files(&splits),
            BTreeSet::from([
                "chunk_1.wasm".to_owned(),
                "split_found_delivery_2.wasm".to_owned(),
                "split_run_probe_1.wasm".to_owned(),
            ])
        );
    }

    #[test]
    fn recognises_figures() {
        assert!(is_figure("members_row_elements=212"));
        assert!(is_figure("  members_all_loaded_ms=5120.5"));
        assert!(!is_figure("test result: ok. 1 passed"));
        assert!(!is_figure("a = b"));
        assert!(!is_figure("Key=1"));
    }

    #[test]
    fn gzip_shrinks_repetitive_text() {
        let text = "guestlist ".repeat(1000);
        let gz = gzip_len(text.as_bytes());
        assert!(gz > 20 && gz < 200, "{gz}");
    }
}

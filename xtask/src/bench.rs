//! `cargo xtask bench`: figures that must stay within budget.
//!
//! First-load transfer: what a browser downloads to show the app the first time — index.html,
//! every script (the app's glue and the MSAL bundle), the wasm, the stylesheets and whatever
//! else index.html links — raw and gzip-compressed (level 9, what a static host serves at best).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::error::{Error, Result};
use crate::workspace::Workspace;

/// The budget for the finished app, MSAL included (bytes of gzip, 1 KB = 1000 bytes).
pub const FIRST_LOAD_BUDGET_GZIP: u64 = 350_000;

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
    let (counted, others) = first_load_files(&dist)?;

    println!(
        "first-load transfer of {} (gzip level 9; 1 KB = 1000 bytes)",
        dist.display()
    );
    println!("  {:<48} {:>10} {:>10}", "file", "raw KB", "gzip KB");
    let (mut raw_total, mut gz_total) = (0u64, 0u64);
    for rel in &counted {
        let path = dist.join(rel);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let gz = gzip_len(&bytes);
        raw_total += bytes.len() as u64;
        gz_total += gz;
        println!(
            "  {:<48} {:>10} {:>10}",
            rel.display(),
            kb(bytes.len() as u64),
            kb(gz)
        );
    }
    println!(
        "  {:<48} {:>10} {:>10}",
        "total",
        kb(raw_total),
        kb(gz_total)
    );
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
/// rows lost or duplicated), then parse + validate + plan of 10,000 CSV rows in headless Chromium
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
        "guestlist",
        "--example",
        "bulk_bench",
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

/// (files of the first load, other files in dist/), as paths relative to dist/.
fn first_load_files(dist: &Path) -> Result<(BTreeSet<PathBuf>, BTreeSet<PathBuf>)> {
    let index_path = dist.join("index.html");
    let index = std::fs::read_to_string(&index_path).map_err(|e| Error::io(&index_path, e))?;
    let linked: BTreeSet<PathBuf> = linked_paths(&index)
        .into_iter()
        .filter(|p| dist.join(p).is_file())
        .collect();

    let mut counted = BTreeSet::from([PathBuf::from("index.html")]);
    let mut others = BTreeSet::new();
    for rel in walk(dist, Path::new(""))? {
        let ext = rel.extension().and_then(|e| e.to_str()).unwrap_or("");
        // config.json is fetched at start; scripts, wasm and styles are all needed to render.
        let first_load = matches!(ext, "wasm" | "js" | "mjs" | "css")
            || rel == Path::new("config.json")
            || linked.contains(&rel);
        if rel == Path::new("index.html") {
            continue;
        }
        if first_load {
            counted.insert(rel);
        } else {
            others.insert(rel);
        }
    }
    Ok((counted, others))
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

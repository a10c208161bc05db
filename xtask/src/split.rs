//! `cargo xtask split`: Trunk's post_build hook (Trunk.toml) that code-splits the app.
//!
//! Trunk 0.21 cannot split a wasm module itself (trunk-rs/trunk#1022): the split has to happen
//! between cargo and wasm-bindgen, and Trunk runs both in one pipeline. So Trunk builds as usual
//! (index.html asks for the `split` feature, and build.rs keeps the linker's relocations), and
//! runs wasm-bindgen on the unsplit module, whose output this hook then replaces:
//!
//! 1. `wasm-split-cli` cuts cargo's wasm at the `#[lazy]` split points (src/ui/mod.rs) into the
//!    main module, one module per split point, shared chunks, and `__wasm_split.js`, the JS
//!    link module that fetches and instantiates them on first use;
//! 2. wasm-bindgen (as Trunk would run it, plus `--keep-lld-exports`, which the link module
//!    needs) turns the main module into the JS glue and the `_bg.wasm` Trunk named in
//!    index.html; the exported classes nothing uses are taken out of both (`unused.rs`);
//! 3. in release builds, wasm-opt -Oz on every module (Trunk's own wasm-opt is off in
//!    index.html: it would only optimise the module thrown away here);
//! 4. in release builds, the JS glue, boot.js and auth.js minified (esbuild); Trunk's own JS
//!    minifier leaves them nearly as they are;
//! 5. content hashes in every new file name (the chunks and the link module have fixed names
//!    otherwise, and a cached old chunk must never meet a new main module), the names and the
//!    integrity hashes in index.html updated, and a modulepreload for the link module added.
//!
//! The chunks are fetched relative to the link module (`new URL(…, import.meta.url)`), which
//! sits next to index.html, so they resolve from whatever URL dist/ is served at.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use sha2::{Digest, Sha256, Sha384};

use crate::cmd;
use crate::error::{Error, Result};
use crate::unused;
use crate::workspace::Workspace;

/// The app's cargo binary (index.html `data-bin`), and Trunk's file-name prefix for it.
const BIN: &str = "guestlist";
/// The link module wasm-split-cli writes, and that the main module imports.
const LINK_MODULE: &str = "__wasm_split.js";

pub fn run(ws: &Workspace) -> Result<()> {
    let staging = std::env::var_os("TRUNK_STAGING_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| {
            Error::Usage(
                "`split` is Trunk's post_build hook (Trunk.toml): run `cargo xtask build`".into(),
            )
        })?;
    let release = std::env::var("TRUNK_PROFILE").as_deref() == Ok("release");
    let target_dir = target_dir(ws)?;
    let profile = if release { "release" } else { "debug" };
    let raw = target_dir
        .join("wasm32-unknown-unknown")
        .join(profile)
        .join(format!("{BIN}.wasm"));
    if !raw.is_file() {
        return Err(Error::MissingInput {
            stage: "build",
            path: raw,
            hint: "Trunk builds it before its post_build hook runs",
        });
    }
    let trunk = TrunkOutput::find(&staging)?;
    let work = target_dir.join("wasm-split");
    let split_dir = work.join("split");
    let bindgen_dir = work.join("bindgen");
    for dir in [&split_dir, &bindgen_dir] {
        crate::workspace::fresh_dir(dir)?;
    }

    // 1. Split. --out-name: the main module's name, and the JS module the link module imports
    //    `initSync` from ("./<stem>.js", the glue Trunk named).
    cmd::run(
        ws.command("wasm-split-cli")
            .arg(&raw)
            .arg(&split_dir)
            .args(["--target", "web", "--out-name", &trunk.stem]),
    )?;
    // 2. Bindgen on the main module.
    let main_split = split_dir.join(format!("{}.wasm", trunk.stem));
    cmd::run(
        ws.command("wasm-bindgen")
            .args(["--target", "web", "--no-typescript"])
            .args(["--keep-lld-exports", "--no-demangle"])
            .arg("--out-dir")
            .arg(&bindgen_dir)
            .args(["--out-name", &trunk.stem])
            .arg(&main_split),
    )?;
    if bindgen_dir.join("snippets").exists() {
        // Inline JS snippets would need copying too; the app has none (js/ is copied by Trunk).
        return Err(Error::Parse {
            what: "wasm-bindgen output",
            path: bindgen_dir.join("snippets"),
            reason: "JS snippets are not handled by the split hook".into(),
        });
    }
    let main_wasm = bindgen_dir.join(format!("{}_bg.wasm", trunk.stem));
    let chunks = chunk_files(&split_dir, &main_split)?;
    //    Without the exports of the classes nothing uses (unused.rs), wasm-opt drops their code.
    let trimmed =
        unused::drop_exports(&read(&main_wasm)?, &unused::UNUSED_CLASSES).map_err(|reason| {
            Error::Parse {
                what: "the main module's exports",
                path: main_wasm.clone(),
                reason,
            }
        })?;
    write(&main_wasm, &trimmed)?;

    // 3. Optimise every module in place.
    if release {
        for wasm in std::iter::once(&main_wasm).chain(&chunks) {
            // What Trunk runs (index.html asked for z), plus --low-memory-unused: it lets
            // wasm-opt fold constant offsets into loads and stores, which differs only where an
            // address computation wraps around 4 GiB into the lowest 1 KiB, something Rust code
            // never does (-1.1 KB gzip on the main module).
            cmd::run(
                ws.command("wasm-opt")
                    .args(["-Oz", "--low-memory-unused"])
                    .arg(format!("--output={}", wasm.display()))
                    .arg(wasm),
            )?;
        }
    }

    // 4. Hashed names into the staging directory.
    let mut renamed = BTreeMap::new();
    for chunk in &chunks {
        let bytes = read(chunk)?;
        let stem = file_stem(chunk);
        let name = format!("{stem}-{}.wasm", name_hash(&bytes));
        write(&staging.join(&name), &bytes)?;
        renamed.insert(format!("./{stem}.wasm"), format!("./{name}"));
    }
    let link_source = split_dir.join(LINK_MODULE);
    let mut link_js = replace_all(&read_text(&link_source)?, &renamed, &link_source)?;
    if release {
        link_js = minify_whitespace(ws, &work.join(LINK_MODULE), &link_js)?;
    }
    let link_name = format!("__wasm_split-{}.js", name_hash(link_js.as_bytes()));
    write(&staging.join(&link_name), link_js.as_bytes())?;

    let glue_source = bindgen_dir.join(format!("{}.js", trunk.stem));
    let glue = unused::drop_classes(&read_text(&glue_source)?, &unused::UNUSED_CLASSES).map_err(
        |reason| Error::Parse {
            what: "wasm-bindgen's JS glue",
            path: glue_source.clone(),
            reason,
        },
    )?;
    let glue = replace_all(
        &glue,
        // Only the import statements: the keys of the imports object must stay the module name
        // the wasm imports from.
        &BTreeMap::from([(
            format!("from \"./{LINK_MODULE}\""),
            format!("from \"./{link_name}\""),
        )]),
        &glue_source,
    )?;
    write(&glue_source, glue.as_bytes())?;
    if release {
        minify(ws, &glue_source, true)?;
    }
    let glue = read_text(&glue_source)?;
    write(&trunk.js, glue.as_bytes())?;

    let wasm_bytes = read(&main_wasm)?;
    let wasm_name = format!("{BIN}-{}_bg.wasm", name_hash(&wasm_bytes));
    std::fs::remove_file(&trunk.wasm).map_err(|e| Error::io(&trunk.wasm, e))?;
    write(&staging.join(&wasm_name), &wasm_bytes)?;

    // The hand-written scripts Trunk copied, minified too (no integrity hashes name them), and
    // MSAL bundled from its ES modules in place of the package's UMD build.
    if release {
        for (script, module) in [("boot.js", true), ("auth.js", false)] {
            let path = staging.join(script);
            if path.is_file() {
                minify(ws, &path, module)?;
            }
        }
        let msal = staging.join(MSAL);
        if msal.is_file() {
            bundle_msal(ws, &work, &msal)?;
        }
    }

    let index_path = staging.join("index.html");
    let index = read_text(&index_path)?;
    let index = update_index(
        &index,
        &IndexUpdate {
            old_wasm: file_name(&trunk.wasm),
            new_wasm: &wasm_name,
            old_wasm_sri: &trunk.wasm_sri,
            new_wasm_sri: &sri(&wasm_bytes),
            js: file_name(&trunk.js),
            old_js_sri: &trunk.js_sri,
            new_js_sri: &sri(glue.as_bytes()),
            link: &link_name,
            link_sri: &sri(link_js.as_bytes()),
        },
    )
    .map_err(|reason| Error::Parse {
        what: "Trunk's index.html",
        path: index_path.clone(),
        reason,
    })?;
    write(&index_path, index.as_bytes())?;
    println!(
        "split: {} + {} lazily loaded modules, link module {link_name}",
        wasm_name,
        chunks.len()
    );
    Ok(())
}

/// What Trunk put in the staging directory for the app: `<stem>.js` and `<stem>_bg.wasm`, with
/// the integrity hashes index.html gives them.
struct TrunkOutput {
    stem: String,
    js: PathBuf,
    wasm: PathBuf,
    js_sri: String,
    wasm_sri: String,
}

impl TrunkOutput {
    fn find(staging: &Path) -> Result<Self> {
        let mut found = None;
        for entry in std::fs::read_dir(staging).map_err(|e| Error::io(staging, e))? {
            let name = entry
                .map_err(|e| Error::io(staging, e))?
                .file_name()
                .to_string_lossy()
                .into_owned();
            if let Some(stem) = name.strip_suffix("_bg.wasm") {
                if stem == BIN || stem.starts_with(&format!("{BIN}-")) {
                    if found.is_some() {
                        return Err(Error::Parse {
                            what: "Trunk's output",
                            path: staging.to_path_buf(),
                            reason: format!("more than one {BIN} wasm module"),
                        });
                    }
                    found = Some(stem.to_owned());
                }
            }
        }
        let stem = found.ok_or_else(|| Error::MissingInput {
            stage: "build",
            path: staging.join(format!("{BIN}-…_bg.wasm")),
            hint: "Trunk writes it before its post_build hook runs",
        })?;
        let js = staging.join(format!("{stem}.js"));
        let wasm = staging.join(format!("{stem}_bg.wasm"));
        Ok(TrunkOutput {
            js_sri: sri(&read(&js)?),
            wasm_sri: sri(&read(&wasm)?),
            stem,
            js,
            wasm,
        })
    }
}

/// Minifies a script in place with esbuild (npm, package-lock.json): whitespace, comments and
/// local names only; `module` for ES modules (exports and `import.meta` kept). Not the link
/// module, whose names `cargo xtask bench` reads ([`minify_whitespace`]).
fn minify(ws: &Workspace, path: &Path, module: bool) -> Result<()> {
    let format: &[&str] = if module { &["--format=esm"] } else { &[] };
    esbuild_in_place(ws, path, &[&["--minify"], format].concat())
}

/// Runs esbuild with `options` on the script at `path`, writing the result back there.
fn esbuild_in_place(ws: &Workspace, path: &Path, options: &[&str]) -> Result<()> {
    cmd::run(
        ws.command("esbuild")
            .arg(path)
            .arg(format!("--outfile={}", path.display()))
            .args(options)
            .args(["--allow-overwrite", "--log-level=warning"]),
    )
}

/// MSAL.js as index.html loads it (a classic script defining `globalThis.msal`).
const MSAL: &str = "msal-browser.min.js";
/// What the app uses of MSAL (its exports become `globalThis.msal`'s properties).
const MSAL_ENTRY: &str = "js/msal.mjs";

/// Replaces `target` (the package's UMD build, copied by Trunk) with MSAL bundled from its ES
/// modules ([`MSAL_ENTRY`], esbuild: only what the entry reaches, as an IIFE assigning the global
/// `msal`) and minified by terser (compress, two passes, and mangle). The package's license
/// header (the UMD build's first line, `/*! @azure/msal-browser v… */`) heads the bundle once,
/// instead of esbuild's copy of it per module: 5 KB gzip smaller than the UMD build.
fn bundle_msal(ws: &Workspace, work: &Path, target: &Path) -> Result<()> {
    let umd = read_text(target)?;
    let header = umd
        .lines()
        .next()
        .filter(|l| l.starts_with("/*!") && l.ends_with("*/"))
        .ok_or_else(|| Error::Parse {
            what: "MSAL's UMD build",
            path: target.to_owned(),
            reason: "its first line is not the /*! … */ license header".into(),
        })?;
    let bundle = work.join("msal.js");
    cmd::run(
        ws.command("esbuild")
            .arg(MSAL_ENTRY)
            .args(["--bundle", "--format=iife", "--global-name=msal"])
            .args(["--legal-comments=none", &format!("--banner:js={header}")])
            .args(["--log-level=warning", "--allow-overwrite"])
            .arg(format!("--outfile={}", bundle.display())),
    )?;
    cmd::run(
        ws.command("terser")
            .arg(&bundle)
            .args(["--compress", "passes=2", "--mangle"])
            .arg("--output")
            .arg(target),
    )
}

/// `js` without its whitespace and comments (esbuild, an ES module; names kept, so `cargo xtask
/// bench` still reads which files each split point loads), through the scratch file `scratch`.
fn minify_whitespace(ws: &Workspace, scratch: &Path, js: &str) -> Result<String> {
    write(scratch, js.as_bytes())?;
    esbuild_in_place(ws, scratch, &["--minify-whitespace", "--format=esm"])?;
    read_text(scratch)
}

/// The wasm modules wasm-split-cli wrote besides the main one.
fn chunk_files(split_dir: &Path, main: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(split_dir).map_err(|e| Error::io(split_dir, e))? {
        let path = entry.map_err(|e| Error::io(split_dir, e))?.path();
        if path.extension().is_some_and(|e| e == "wasm") && path != main {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Cargo's target directory (CARGO_TARGET_DIR, a config file, or target/).
fn target_dir(ws: &Workspace) -> Result<PathBuf> {
    let mut c = ws.cargo();
    c.args(["metadata", "--no-deps", "--format-version", "1"]);
    let out = cmd::probe(&mut c).ok_or_else(|| Error::Parse {
        what: "cargo metadata",
        path: ws.root.join("Cargo.toml"),
        reason: format!("`{}` failed", cmd::display(&c)),
    })?;
    let meta: serde_json::Value = serde_json::from_str(&out).map_err(|e| Error::Parse {
        what: "cargo metadata",
        path: ws.root.join("Cargo.toml"),
        reason: e.to_string(),
    })?;
    meta["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| Error::Parse {
            what: "cargo metadata",
            path: ws.root.join("Cargo.toml"),
            reason: "no target_directory".into(),
        })
}

struct IndexUpdate<'a> {
    old_wasm: &'a str,
    new_wasm: &'a str,
    old_wasm_sri: &'a str,
    new_wasm_sri: &'a str,
    js: &'a str,
    old_js_sri: &'a str,
    new_js_sri: &'a str,
    link: &'a str,
    link_sri: &'a str,
}

/// index.html with the main module's new name, the new integrity hashes, and a modulepreload
/// for the link module next to the one for the glue (the glue imports it statically, so
/// without the hint the browser would only find it after the glue arrived).
fn update_index(html: &str, u: &IndexUpdate) -> std::result::Result<String, String> {
    let mut html = html.to_owned();
    for (old, new, what) in [
        (u.old_wasm, u.new_wasm, "the wasm module's name"),
        (
            u.old_wasm_sri,
            u.new_wasm_sri,
            "the wasm module's integrity",
        ),
        (u.old_js_sri, u.new_js_sri, "the glue's integrity"),
    ] {
        if !html.contains(old) {
            return Err(format!("{what} ({old}) is not in it"));
        }
        html = html.replace(old, new);
    }
    // The glue's modulepreload tag: the `<link …>` that names the glue and says modulepreload.
    let tag = html
        .match_indices("<link")
        .map(|(start, _)| {
            let end = html[start..]
                .find('>')
                .map_or(html.len(), |e| start + e + 1);
            (start, end)
        })
        .find(|&(start, end)| {
            let tag = &html[start..end];
            tag.contains(u.js) && tag.contains("modulepreload")
        })
        .ok_or_else(|| format!("no modulepreload link for {}", u.js))?;
    let preload = html[tag.0..tag.1]
        .replace(u.js, u.link)
        .replace(u.new_js_sri, u.link_sri);
    html.insert_str(tag.1, &preload);
    Ok(html)
}

/// Replaces each key of `names` (which must all occur) by its value.
fn replace_all(text: &str, names: &BTreeMap<String, String>, path: &Path) -> Result<String> {
    let mut text = text.to_owned();
    for (old, new) in names {
        if !text.contains(old.as_str()) {
            return Err(Error::Parse {
                what: "wasm-split output",
                path: path.to_path_buf(),
                reason: format!("expected a reference to {old}"),
            });
        }
        text = text.replace(old.as_str(), new);
    }
    Ok(text)
}

/// 16 hex digits of SHA-256, as Trunk's hashed names have.
fn name_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A Subresource Integrity value, in the algorithm Trunk uses.
fn sri(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update() -> IndexUpdate<'static> {
        IndexUpdate {
            old_wasm: "guestlist-aa_bg.wasm",
            new_wasm: "guestlist-bb_bg.wasm",
            old_wasm_sri: "sha384-oldwasm",
            new_wasm_sri: "sha384-newwasm",
            js: "guestlist-aa.js",
            old_js_sri: "sha384-oldjs",
            new_js_sri: "sha384-newjs",
            link: "__wasm_split-cc.js",
            link_sri: "sha384-link",
        }
    }

    #[test]
    fn index_gets_new_names_hashes_and_a_preload_for_the_link_module() {
        // Trunk's minified output: unquoted attributes.
        let html = "<script data-bindgen-js=/guestlist-aa.js data-bindgen-wasm=/guestlist-aa_bg.wasm src=/boot.js type=module></script>\
                    <link crossorigin href=/guestlist-aa.js integrity=sha384-oldjs rel=modulepreload>\
                    <link as=fetch crossorigin href=/guestlist-aa_bg.wasm integrity=sha384-oldwasm rel=preload type=application/wasm></head>";
        let out = update_index(html, &update()).unwrap();
        assert_eq!(
            out,
            "<script data-bindgen-js=/guestlist-aa.js data-bindgen-wasm=/guestlist-bb_bg.wasm src=/boot.js type=module></script>\
             <link crossorigin href=/guestlist-aa.js integrity=sha384-newjs rel=modulepreload>\
             <link crossorigin href=/__wasm_split-cc.js integrity=sha384-link rel=modulepreload>\
             <link as=fetch crossorigin href=/guestlist-bb_bg.wasm integrity=sha384-newwasm rel=preload type=application/wasm></head>"
        );
    }

    #[test]
    fn index_without_the_expected_tags_is_an_error() {
        let html = "<script data-bindgen-wasm=/guestlist-aa_bg.wasm></script>";
        assert!(update_index(html, &update()).is_err());
    }

    #[test]
    fn hashes_have_the_expected_shape() {
        assert_eq!(name_hash(b"").len(), 16);
        // Known SHA-384 of the empty input, base64.
        assert_eq!(
            sri(b""),
            "sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb"
        );
    }
}

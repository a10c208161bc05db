//! `cargo xtask setup`: install whatever the build and the tests need and is missing.
//!
//! Every tool is checked by asking it for its version, so a machine that has everything is a
//! sub-second no-op. Pins live in one place each: trunk and wasm-split-cli here, wasm-bindgen in Cargo.lock (the CLI
//! must equal the library), wasm-opt (binaryen) and MSAL in package-lock.json.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cmd::{self, human, probe};
use crate::error::{Error, Result};
use crate::workspace::Workspace;

/// trunk 0.22 needs a newer rustc than the project's MSRV; Trunk.toml pins the same version.
pub const TRUNK_VERSION: &str = "0.21.14";
/// wasm-split-cli (crate wasm_split_cli_support), the code-splitting step of the build
/// (xtask/src/split.rs); its output must match the wasm_split_helpers runtime leptos uses.
pub const WASM_SPLIT_VERSION: &str = "0.2.4";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Where the `rust-src` component puts the standard library's source, under the sysroot.
const RUST_SRC_LIBRARY: &str = "lib/rustlib/src/rust/library";

enum Outcome {
    Present(String),
    Installed(String, Duration),
    Skipped(String),
}

#[derive(Default)]
struct Report {
    rows: Vec<Outcome>,
}

impl Report {
    fn present(&mut self, what: impl Into<String>) {
        self.rows.push(Outcome::Present(what.into()));
    }
    fn installed(&mut self, what: impl Into<String>, took: Duration) {
        let what = what.into();
        println!("setup: installed {what} in {}", human(took));
        self.rows.push(Outcome::Installed(what, took));
    }
    fn skipped(&mut self, what: impl Into<String>) {
        self.rows.push(Outcome::Skipped(what.into()));
    }
}

pub fn run(ws: &Workspace) -> Result<()> {
    let started = Instant::now();
    let mut report = Report::default();
    rust_parts(ws, &mut report)?;
    system_packages(ws, &mut report)?;
    cargo_tools(ws, &mut report)?;
    npm_packages(ws, &mut report)?;

    let installed = report
        .rows
        .iter()
        .filter(|r| matches!(r, Outcome::Installed(..)))
        .count();
    println!(
        "setup: {} in {} ({installed} installed)",
        if installed == 0 {
            "everything present"
        } else {
            "done"
        },
        human(started.elapsed())
    );
    for row in &report.rows {
        match row {
            Outcome::Present(what) => println!("  present    {what}"),
            Outcome::Installed(what, took) => println!("  installed  {what} ({})", human(*took)),
            Outcome::Skipped(what) => println!("  skipped    {what}"),
        }
    }
    Ok(())
}

/// The wasm32 target, rust-src, rustfmt and clippy (a minimal rustup profile has none of the
/// last three).
fn rust_parts(ws: &Workspace, report: &mut Report) -> Result<()> {
    let sysroot = probe(ws.command("rustc").args(["--print", "sysroot"]));
    let has_target = sysroot
        .as_deref()
        .map(|root| {
            Path::new(&root)
                .join("lib/rustlib")
                .join(WASM_TARGET)
                .join("lib")
                .is_dir()
        })
        .unwrap_or(false);
    if has_target {
        report.present(format!("rust target {WASM_TARGET}"));
    } else {
        let t = Instant::now();
        rustup(ws, &["target", "add", WASM_TARGET], WASM_TARGET)?;
        report.installed(format!("rust target {WASM_TARGET}"), t.elapsed());
    }

    let mut missing = Vec::new();
    for (component, subcommand) in [("rustfmt", "fmt"), ("clippy", "clippy")] {
        if probe(ws.cargo().args([subcommand, "--version"])).is_some() {
            report.present(component);
        } else {
            missing.push(component);
        }
    }
    // The standard library's source: the release build compiles it for the wasm target
    // (`test::release_std`).
    let has_src = sysroot
        .as_deref()
        .is_some_and(|root| Path::new(root).join(RUST_SRC_LIBRARY).is_dir());
    if has_src {
        report.present("rust-src");
    } else {
        missing.push("rust-src");
    }
    if !missing.is_empty() {
        let t = Instant::now();
        let mut args = vec!["component", "add"];
        args.extend(&missing);
        rustup(ws, &args, &missing.join(" "))?;
        report.installed(missing.join(" + "), t.elapsed());
    }
    Ok(())
}

fn rustup(ws: &Workspace, args: &[&str], what: &str) -> Result<()> {
    if ws.which("rustup").is_none() {
        return Err(Error::CannotInstall {
            tool: what.to_owned(),
            reason: "rustup is not on PATH; install it from https://rustup.rs or add the \
                     component to your Rust toolchain by hand"
                .into(),
        });
    }
    cmd::run(ws.command("rustup").args(args))
}

/// Chromium and its WebDriver (Debian packages), and node + npm for the pinned npm packages.
/// Debian ships chromium and chromium-driver from the same source package, so their versions
/// always agree; the archive only holds the current security release, so they are not pinned.
fn system_packages(ws: &Workspace, report: &mut Report) -> Result<()> {
    let mut apt = Vec::new();
    match probe(ws.command("chromium").arg("--version")) {
        Some(v) => report.present(v),
        None => apt.push("chromium"),
    }
    match probe(ws.command("chromedriver").arg("--version")) {
        Some(v) => report.present(v.split(" (").next().unwrap_or(&v).to_owned()),
        None => apt.push("chromium-driver"),
    }
    match (
        probe(ws.command("node").arg("--version")),
        probe(ws.command("npm").arg("--version")),
    ) {
        (Some(node), Some(npm)) => report.present(format!("node {node}, npm {npm}")),
        _ => apt.extend(["nodejs", "npm"]),
    }
    if apt.is_empty() {
        return Ok(());
    }

    let what = apt.join(" ");
    if ws.which("apt-get").is_none() {
        return Err(Error::CannotInstall {
            tool: what,
            reason: "no apt-get on this machine; install Chromium, its chromedriver, node and \
                     npm with your package manager"
                .into(),
        });
    }
    let sudo = if is_root(ws) {
        None
    } else if ws.which("sudo").is_some() {
        Some("sudo")
    } else {
        return Err(Error::CannotInstall {
            tool: what,
            reason: "not root and no sudo; run `apt-get install chromium chromium-driver \
                     nodejs npm` as root"
                .into(),
        });
    };
    let apt_get = |args: &[&str]| -> Command {
        let mut c = match sudo {
            // -n: never prompt; CI has no stdin, and a hanging prompt is worse than an error.
            Some(sudo) => {
                let mut c = ws.command(sudo);
                c.args(["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
                c
            }
            None => {
                let mut c = ws.command("apt-get");
                c.env("DEBIAN_FRONTEND", "noninteractive");
                c
            }
        };
        c.args(args);
        c
    };
    let t = Instant::now();
    cmd::run(&mut apt_get(&["update", "-q"]))?;
    let mut install = vec!["install", "-y", "-q"];
    install.extend(&apt);
    cmd::run(&mut apt_get(&install))?;
    for (tool, flag) in [("chromium", "--version"), ("chromedriver", "--version")] {
        if probe(ws.command(tool).arg(flag)).is_none() {
            return Err(Error::CannotInstall {
                tool: tool.into(),
                reason: "apt-get install succeeded but the program does not run".into(),
            });
        }
    }
    report.installed(format!("apt: {what}"), t.elapsed());
    Ok(())
}

fn is_root(ws: &Workspace) -> bool {
    probe(ws.command("id").arg("-u")).as_deref() == Some("0")
}

/// trunk, wasm-split-cli and wasm-bindgen-cli (which also brings wasm-bindgen-test-runner).
fn cargo_tools(ws: &Workspace, report: &mut Report) -> Result<()> {
    let trunk_expected = format!("trunk {TRUNK_VERSION}");
    let trunk_found = probe(ws.command("trunk").arg("--version"));
    if trunk_found.as_deref() == Some(trunk_expected.as_str()) {
        report.present(&trunk_expected);
    } else {
        let t = Instant::now();
        // --locked: trunk's own lock file builds with our rustc; newer deps may not.
        // Trunk's release profile asks for fat LTO in one codegen unit: minutes of serial LLVM
        // work on two cores for a tool that only starts other tools. The environment overrides
        // the installed crate's profile (measured here: 7m43s wall, 575 s of CPU, niced on a
        // busy machine).
        cmd::run(
            ws.cargo()
                .args(["install", "--locked", "trunk", "--version", TRUNK_VERSION])
                .env("CARGO_PROFILE_RELEASE_LTO", "off")
                .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
        )?;
        verify(ws, "trunk", &trunk_expected)?;
        report.installed(&trunk_expected, t.elapsed());
    }

    wasm_split_cli(ws, report)?;

    let wb_version = ws.locked_version("wasm-bindgen")?;
    let wb_expected = format!("wasm-bindgen {wb_version}");
    let wb_found = probe(ws.command("wasm-bindgen").arg("--version"));
    let has_runner = ws.which("wasm-bindgen-test-runner").is_some();
    if wb_found.as_deref() == Some(wb_expected.as_str()) && has_runner {
        report.present(format!("wasm-bindgen-cli {wb_version}"));
    } else {
        let t = Instant::now();
        // Not --locked: the CLI's lock file names a crate version this registry lacks.
        cmd::run(ws.cargo().args([
            "install",
            "--force",
            "wasm-bindgen-cli",
            "--version",
            &wb_version,
        ]))?;
        verify(ws, "wasm-bindgen", &wb_expected)?;
        report.installed(format!("wasm-bindgen-cli {wb_version}"), t.elapsed());
    }
    Ok(())
}

/// wasm-split-cli has no `--version`; cargo's list of installed crates says which one it is.
fn wasm_split_cli(ws: &Workspace, report: &mut Report) -> Result<()> {
    let what = format!("wasm-split-cli {WASM_SPLIT_VERSION}");
    let installed = |ws: &Workspace| {
        let line = format!("wasm_split_cli_support v{WASM_SPLIT_VERSION}:");
        ws.which("wasm-split-cli").is_some()
            && probe(ws.cargo().args(["install", "--list"]))
                .is_some_and(|list| list.lines().any(|l| l.trim() == line))
    };
    if installed(ws) {
        report.present(&what);
        return Ok(());
    }
    let t = Instant::now();
    // --locked: the crate's own lock file, as published.
    cmd::run(ws.cargo().args([
        "install",
        "--locked",
        "--force",
        "wasm_split_cli_support",
        "--version",
        WASM_SPLIT_VERSION,
        "--features",
        "build-binary",
    ]))?;
    if !installed(ws) {
        return Err(Error::CannotInstall {
            tool: what,
            reason: "cargo install succeeded but wasm-split-cli is not on PATH".into(),
        });
    }
    report.installed(&what, t.elapsed());
    Ok(())
}

fn verify(ws: &Workspace, tool: &str, expected: &str) -> Result<()> {
    let found = probe(ws.command(tool).arg("--version")).unwrap_or_else(|| "nothing".into());
    if found == expected {
        Ok(())
    } else {
        Err(Error::WrongVersion {
            tool: tool.into(),
            expected: expected.into(),
            found: format!("{found} (is another {tool} earlier on PATH?)"),
        })
    }
}

/// `npm ci` when node_modules is missing, older than package-lock.json, or its wasm-opt is not
/// the binaryen version the lock file pins (Debian's binaryen 108 produces wasm that breaks).
fn npm_packages(ws: &Workspace, report: &mut Report) -> Result<()> {
    let lock_path = ws.root.join("package-lock.json");
    if !lock_path.is_file() {
        report.skipped("npm packages (no package-lock.json yet)");
        return Ok(());
    }
    let lock_text = std::fs::read_to_string(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
    let lock: serde_json::Value = serde_json::from_str(&lock_text).map_err(|e| Error::Parse {
        what: "JSON",
        path: lock_path.clone(),
        reason: e.to_string(),
    })?;
    let binaryen = lock["packages"]["node_modules/binaryen"]["version"]
        .as_str()
        .map(str::to_owned);
    // binaryen's npm version 132.0.0 reports itself as "wasm-opt version 132 (version_132)".
    let wasm_opt_ok = |ws: &Workspace| match &binaryen {
        None => true,
        Some(v) => {
            let major = v.split('.').next().unwrap_or(v);
            probe(Command::new(ws.node_bin().join("wasm-opt")).arg("--version"))
                .is_some_and(|out| out.contains(&format!("version {major}")))
        }
    };

    // npm ci writes node_modules/.package-lock.json last, so its age tells when it completed.
    let installed_marker = ws.root.join("node_modules/.package-lock.json");
    let up_to_date = match (modified(&installed_marker), modified(&lock_path)) {
        (Some(installed), Some(lock)) => installed >= lock,
        _ => false,
    };
    let label = match &binaryen {
        Some(v) => format!("npm packages (binaryen {v})"),
        None => "npm packages".to_owned(),
    };
    if up_to_date && wasm_opt_ok(ws) {
        report.present(label);
        return Ok(());
    }
    let t = Instant::now();
    cmd::run(ws.command("npm").args(["ci", "--no-audit", "--no-fund"]))?;
    if !wasm_opt_ok(ws) {
        return Err(Error::WrongVersion {
            tool: "node_modules/.bin/wasm-opt".into(),
            expected: format!("binaryen {}", binaryen.unwrap_or_default()),
            found: probe(Command::new(ws.node_bin().join("wasm-opt")).arg("--version"))
                .unwrap_or_else(|| "nothing".into()),
        });
    }
    report.installed(label, t.elapsed());
    Ok(())
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

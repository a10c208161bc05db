//! `cargo xtask test`: every check CI runs, as named stages that can be picked one by one.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::cmd::{self, human, TestCounts};
use crate::error::{Error, Result};
use crate::workspace::Workspace;

/// Test targets named `e2e` or `e2e_*` drive the built app in a browser: they run after the
/// release build, in their own stage, and never in `unit`.
fn is_e2e_target(name: &str) -> bool {
    name == "e2e" || name.starts_with("e2e_")
}

/// Test targets named `web` or `web_*` are wasm-bindgen-test suites run in headless Chromium.
fn is_browser_target(name: &str) -> bool {
    name == "web" || name.starts_with("web_")
}

/// The environment variable through which end-to-end tests learn where the built app is.
pub const DIST_ENV: &str = "GUESTLIST_DIST";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Fmt,
    Clippy,
    ClippyWasm,
    Unit,
    Browser,
    Build,
    E2e,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Fmt,
        Stage::Clippy,
        Stage::ClippyWasm,
        Stage::Unit,
        Stage::Browser,
        Stage::Build,
        Stage::E2e,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Fmt => "fmt",
            Stage::Clippy => "clippy",
            Stage::ClippyWasm => "clippy-wasm",
            Stage::Unit => "unit",
            Stage::Browser => "browser",
            Stage::Build => "build",
            Stage::E2e => "e2e",
        }
    }

    fn parse(s: &str) -> Result<Stage> {
        Stage::ALL
            .into_iter()
            .find(|stage| stage.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Stage::ALL.iter().map(|s| s.name()).collect();
                Error::Usage(format!("unknown stage {s:?}; stages: {}", names.join(", ")))
            })
    }

    /// Stages whose job is running tests must run some: zero tests means something is wired
    /// wrong (a target filtered away, a cfg that compiles everything out), not success.
    fn expects_tests(self) -> bool {
        matches!(self, Stage::Unit | Stage::Browser | Stage::E2e)
    }
}

pub struct Options {
    stages: Vec<Stage>,
    setup: bool,
    fail_fast: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options> {
        let mut only: Option<Vec<Stage>> = None;
        let mut skip = Vec::new();
        let mut setup = true;
        let mut fail_fast = false;
        let mut args = args.iter();
        let list = |value: Option<&String>, flag: &str| -> Result<Vec<Stage>> {
            let value = value.ok_or_else(|| Error::Usage(format!("{flag} needs a stage list")))?;
            value
                .split(',')
                .filter(|s| !s.is_empty())
                .map(Stage::parse)
                .collect()
        };
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--only" => only
                    .get_or_insert_with(Vec::new)
                    .extend(list(args.next(), "--only")?),
                "--skip" => skip.extend(list(args.next(), "--skip")?),
                "--no-setup" => setup = false,
                "--fail-fast" => fail_fast = true,
                other => return Err(Error::Usage(format!("unknown option {other:?} for test"))),
            }
        }
        let stages = Stage::ALL
            .into_iter()
            .filter(|s| only.as_ref().is_none_or(|only| only.contains(s)))
            .filter(|s| !skip.contains(s))
            .collect();
        Ok(Options {
            stages,
            setup,
            fail_fast,
        })
    }
}

struct StageResult {
    stage: Stage,
    took: Duration,
    counts: Option<TestCounts>,
    outcome: std::result::Result<(), String>,
}

pub fn run(ws: &Workspace, options: Options) -> Result<()> {
    let started = Instant::now();
    if options.setup {
        crate::setup::run(ws)?;
    }
    let mut results: Vec<StageResult> = Vec::new();
    for stage in options.stages.iter().copied() {
        let build_failed = results
            .iter()
            .any(|r| r.stage == Stage::Build && r.outcome.is_err());
        if stage == Stage::E2e && build_failed {
            results.push(StageResult {
                stage,
                took: Duration::ZERO,
                counts: None,
                outcome: Err("not run: the build stage failed".into()),
            });
            continue;
        }
        println!("\n==> stage {}", stage.name());
        let t = Instant::now();
        let outcome = run_stage(ws, stage);
        let took = t.elapsed();
        let (counts, outcome) = match outcome {
            Ok(Some(counts)) if stage.expects_tests() && counts.passed == 0 => (
                Some(counts),
                Err("no tests ran (expected more than zero)".to_owned()),
            ),
            Ok(Some(counts)) if counts.failed > 0 => {
                (Some(counts), Err(format!("{} tests failed", counts.failed)))
            }
            Ok(counts) => (counts, Ok(())),
            Err((counts, e)) => (counts, Err(e.to_string())),
        };
        println!(
            "==> stage {} {} in {}",
            stage.name(),
            if outcome.is_ok() { "ok" } else { "FAILED" },
            human(took)
        );
        let failed = outcome.is_err();
        results.push(StageResult {
            stage,
            took,
            counts,
            outcome,
        });
        if failed && options.fail_fast {
            break;
        }
    }

    println!("\nsummary ({} in total)", human(started.elapsed()));
    for r in &results {
        let counts = r
            .counts
            .map(|c| {
                format!(
                    "{} passed, {} failed, {} ignored ({} test binaries)",
                    c.passed, c.failed, c.ignored, c.binaries
                )
            })
            .unwrap_or_default();
        match &r.outcome {
            Ok(()) => println!(
                "  {:<12} ok      {:>7}  {counts}",
                r.stage.name(),
                human(r.took)
            ),
            Err(why) => println!(
                "  {:<12} FAILED  {:>7}  {counts} {why}",
                r.stage.name(),
                human(r.took)
            ),
        }
    }
    let failed: Vec<_> = results
        .iter()
        .filter(|r| r.outcome.is_err())
        .map(|r| r.stage.name())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::TestStages(format!(
            "failed stages: {}",
            failed.join(", ")
        )))
    }
}

/// Ok(test counts, for stages that run tests), or the error with whatever was counted.
type StageOutcome = std::result::Result<Option<TestCounts>, (Option<TestCounts>, Error)>;

fn run_stage(ws: &Workspace, stage: Stage) -> StageOutcome {
    let plain = |r: Result<()>| r.map(|()| None).map_err(|e| (None, e));
    match stage {
        Stage::Fmt => plain(cmd::run(ws.cargo().args(["fmt", "--all", "--check"]))),
        Stage::Clippy => plain(cmd::run(ws.cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))),
        Stage::ClippyWasm => plain(cmd::run(ws.cargo().args([
            "clippy",
            "-p",
            "guestlist",
            "-p",
            "guestlist-core",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))),
        Stage::Unit => tests_outcome(unit(ws)),
        Stage::Browser => tests_outcome(browser(ws)),
        Stage::Build => plain(build(ws)),
        Stage::E2e => tests_outcome(e2e(ws)),
    }
}

/// A test stage's counts survive its failure, so the summary can say how many failed.
fn tests_outcome(run: Result<(TestCounts, Result<()>)>) -> StageOutcome {
    match run {
        Ok((counts, Ok(()))) => Ok(Some(counts)),
        Ok((counts, Err(e))) => Err((Some(counts), e)),
        Err(e) => Err((None, e)),
    }
}

pub struct Package {
    pub name: String,
    has_lib: bool,
    pub tests: Vec<String>,
}

pub fn workspace_packages(ws: &Workspace) -> Result<Vec<Package>> {
    let mut cmd = ws.cargo();
    cmd.args(["metadata", "--no-deps", "--format-version", "1"]);
    let json = cmd::probe(&mut cmd).ok_or_else(|| Error::Parse {
        what: "workspace metadata",
        path: ws.root.join("Cargo.toml"),
        reason: "`cargo metadata` failed".into(),
    })?;
    let meta: serde_json::Value = serde_json::from_str(&json).map_err(|e| Error::Parse {
        what: "workspace metadata",
        path: ws.root.join("Cargo.toml"),
        reason: e.to_string(),
    })?;
    let kinds = |t: &serde_json::Value| -> Vec<String> {
        t["kind"]
            .as_array()
            .map(|k| {
                k.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let packages = meta["packages"].as_array().cloned().unwrap_or_default();
    Ok(packages
        .iter()
        .map(|p| {
            let targets = p["targets"].as_array().cloned().unwrap_or_default();
            Package {
                name: p["name"].as_str().unwrap_or_default().to_owned(),
                has_lib: targets
                    .iter()
                    .any(|t| kinds(t).iter().any(|k| k == "lib" || k == "rlib")),
                tests: targets
                    .iter()
                    .filter(|t| kinds(t).iter().any(|k| k == "test"))
                    .filter_map(|t| t["name"].as_str().map(str::to_owned))
                    .collect(),
            }
        })
        .collect())
}

/// Native tests of every workspace member: everything `cargo test` would run, minus the
/// end-to-end targets (they need the release build and run in their own stage). Every cargo
/// invocation runs even when an earlier one failed, so one run reports every failure.
fn unit(ws: &Workspace) -> Result<(TestCounts, Result<()>)> {
    let packages = workspace_packages(ws)?;
    let mut runs = Runs::default();
    let (with_e2e, plain): (Vec<&Package>, Vec<&Package>) = packages
        .iter()
        .partition(|p| p.tests.iter().any(|t| is_e2e_target(t)));
    if !plain.is_empty() {
        let mut c = ws.cargo();
        c.args(["test", "--no-fail-fast"]);
        for p in &plain {
            c.args(["-p", &p.name]);
        }
        runs.add(cmd::run_tests(&mut c));
    }
    for p in with_e2e {
        let mut c = ws.cargo();
        c.args(["test", "--no-fail-fast", "-p", &p.name, "--bins"]);
        if p.has_lib {
            c.arg("--lib");
        }
        for t in p.tests.iter().filter(|t| !is_e2e_target(t)) {
            c.args(["--test", t]);
        }
        runs.add(cmd::run_tests(&mut c));
        if p.has_lib {
            // Doc tests cannot be selected together with other targets.
            runs.add(cmd::run_tests(ws.cargo().args([
                "test",
                "--no-fail-fast",
                "-p",
                &p.name,
                "--doc",
            ])));
        }
    }
    Ok(runs.finish())
}

/// Counts and failures of several test runner invocations.
#[derive(Default)]
struct Runs {
    counts: TestCounts,
    failures: Vec<String>,
}

impl Runs {
    fn add(&mut self, (counts, result): (TestCounts, Result<()>)) {
        self.counts.merge(counts);
        if let Err(e) = result {
            self.failures.push(e.to_string());
        }
    }

    fn finish(self) -> (TestCounts, Result<()>) {
        let result = if self.failures.is_empty() {
            Ok(())
        } else {
            Err(Error::TestStages(self.failures.join("; ")))
        };
        (self.counts, result)
    }
}

/// wasm-bindgen-test in headless Chromium, driven by chromedriver.
fn browser(ws: &Workspace) -> Result<(TestCounts, Result<()>)> {
    let webdriver_json = ws.root.join("webdriver.json");
    if !webdriver_json.is_file() {
        return Err(Error::MissingInput {
            stage: "browser",
            path: webdriver_json,
            hint: "it carries the Chromium flags (headless, no sandbox as root) for \
                   wasm-bindgen-test-runner",
        });
    }
    let runner = tool(ws, "wasm-bindgen-test-runner")?;
    let chromedriver = tool(ws, "chromedriver")?;
    let packages = workspace_packages(ws)?;
    let targets: Vec<&String> = packages
        .iter()
        .filter(|p| p.name == "guestlist")
        .flat_map(|p| p.tests.iter())
        .filter(|t| is_browser_target(t))
        .collect();
    let mut c = ws.cargo();
    c.args([
        "test",
        "--no-fail-fast",
        "-p",
        "guestlist",
        "--target",
        "wasm32-unknown-unknown",
    ]);
    for t in targets {
        c.args(["--test", t]);
    }
    let tmp = Scratch::new(ws, "browser")?;
    Ok(cmd::run_tests(
        c.env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", runner)
            .env("CHROMEDRIVER", chromedriver)
            // A cold Chromium on two busy cores can take longer than the runner's default.
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
            .env("TMPDIR", tmp.path()),
    ))
}

/// A `TMPDIR` for one browser stage, emptied before and removed after it. chromedriver gives
/// a Chromium started without `--user-data-dir` (wasm-bindgen-test-runner's) a profile in
/// TMPDIR of 70–140 MB and does not always remove it; across runs they filled the disk.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(ws: &Workspace, stage: &str) -> Result<Scratch> {
        let path = ws.root.join("target").join(format!("{stage}-tmp"));
        crate::workspace::fresh_dir(&path)?;
        Ok(Scratch(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Best effort: a leftover is emptied by the next run's `Scratch::new`.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn tool(ws: &Workspace, name: &str) -> Result<std::path::PathBuf> {
    ws.which(name).ok_or_else(|| Error::CannotInstall {
        tool: name.into(),
        reason: "not on PATH; run `cargo xtask setup`".into(),
    })
}

/// The release build of the app into dist/ (Trunk with wasm-opt from node_modules), with the
/// standard library built for the app ([`release_std`]).
pub fn build(ws: &Workspace) -> Result<()> {
    let mut trunk = ws.command("trunk");
    release_std(&mut trunk);
    cmd::run(trunk.args(["build", "--release"]))
}

/// Builds the standard library from source (the `rust-src` component, installed by setup) with
/// the release profile and `panic = immediate-abort`, for the wasm target only: a panic traps at
/// once instead of formatting its message, so neither the formatting nor the messages nor their
/// source locations go into the wasm. The main module is 19 KB gzip smaller (measured: 200.8 →
/// 181.4 KB; building std alone, keeping the messages, saves 4 KB). A release build's panic shows
/// in the console as `RuntimeError: unreachable` without its message; debug builds (tests,
/// `trunk serve`) keep the message through `console_error_panic_hook`.
///
/// Both are unstable cargo/rustc features, which the pinned stable toolchain accepts with
/// `RUSTC_BOOTSTRAP=1`, the way the Leptos book's size chapter uses them on nightly. Cargo reads
/// `CARGO_UNSTABLE_BUILD_STD` as `[unstable] build-std`; the rustflags add to
/// `.cargo/config.toml`'s for the wasm target. Trunk's `post_build` hook (Trunk.toml) clears the
/// first two so that `cargo xtask split` builds as every other host build does.
pub fn release_std(cmd: &mut std::process::Command) {
    cmd.env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            "-Zunstable-options -Cpanic=immediate-abort",
        );
}

fn e2e(ws: &Workspace) -> Result<(TestCounts, Result<()>)> {
    let dist = ws.dist();
    require_dist(&dist, "e2e")?;
    let packages = workspace_packages(ws)?;
    let tmp = Scratch::new(ws, "e2e")?;
    let mut runs = Runs::default();
    for p in &packages {
        let targets: Vec<&String> = p.tests.iter().filter(|t| is_e2e_target(t)).collect();
        if targets.is_empty() {
            continue;
        }
        let mut c = ws.cargo();
        c.args(["test", "--no-fail-fast", "-p", &p.name]);
        for t in targets {
            c.args(["--test", t]);
        }
        c.env(DIST_ENV, &dist).env("TMPDIR", tmp.path());
        runs.add(cmd::run_tests(&mut c));
    }
    Ok(runs.finish())
}

pub fn require_dist(dist: &Path, stage: &'static str) -> Result<()> {
    let index = dist.join("index.html");
    if index.is_file() {
        Ok(())
    } else {
        Err(Error::MissingInput {
            stage,
            path: index,
            hint: "build the app first: `cargo xtask test --only build`",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn all_stages_by_default_in_pipeline_order() {
        let o = Options::parse(&[]).unwrap();
        assert_eq!(o.stages, Stage::ALL.to_vec());
        assert!(o.setup);
    }

    #[test]
    fn only_and_skip_select_stages_but_keep_pipeline_order() {
        let o = Options::parse(&args("--only e2e,build --no-setup")).unwrap();
        assert_eq!(o.stages, vec![Stage::Build, Stage::E2e]);
        assert!(!o.setup);
        let o = Options::parse(&args("--skip browser --skip e2e,build")).unwrap();
        assert_eq!(
            o.stages,
            vec![Stage::Fmt, Stage::Clippy, Stage::ClippyWasm, Stage::Unit]
        );
    }

    #[test]
    fn unknown_stage_is_a_usage_error() {
        assert!(matches!(
            Options::parse(&args("--only lint")),
            Err(Error::Usage(_))
        ));
    }

    #[test]
    fn e2e_targets_by_name() {
        assert!(is_e2e_target("e2e"));
        assert!(is_e2e_target("e2e_signin"));
        assert!(!is_e2e_target("web"));
        assert!(is_browser_target("web") && is_browser_target("web_groups"));
        assert!(!is_browser_target("webhook") && !is_browser_target("e2e"));
        assert!(!is_e2e_target("sim_e2elike"));
    }
}

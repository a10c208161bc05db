//! Project tasks for Guestlist: `cargo xtask setup | test | build | demo | bench`.
//!
//! The alias in .cargo/config.toml runs this crate, so a fresh clone needs nothing but cargo.

mod bench;
mod cmd;
mod demo;
mod error;
mod serve;
mod setup;
mod split;
mod test;
mod unused;
mod workspace;

use std::process::ExitCode;

use error::Error;
use workspace::Workspace;

pub const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  setup                 install what is missing: wasm32 target, rust-src, rustfmt, clippy, trunk,
                        wasm-split-cli, wasm-bindgen-cli (version from Cargo.lock), Chromium + chromedriver (apt),
                        node + npm (apt), npm packages (npm ci: MSAL, binaryen's wasm-opt, axe-core)
  test [options]        setup, then the stages fmt, clippy, clippy-wasm, unit, browser, build, e2e
      --only a,b          run only these stages (in pipeline order)
      --skip a,b          leave these stages out
      --no-setup          do not check the tools first
      --fail-fast         stop at the first failing stage (default: run all, report all)
  build                 setup, then the release build into dist/ (Trunk, the standard library
                        built for the wasm target, then `split`): what to deploy
  demo [options]        setup, release build, serve the app on 127.0.0.1 until Ctrl-C
      --port N            port (default 8080)
      --sim | --static    serve through the simulated tenant, or dist/ as plain files
      --seed N            the simulated tenant's seed (default 0)
      --no-build          reuse dist/ if it exists
      --script-mode       the sim's Exchange refuses the browser (CORS), as Exchange Online
                          may: the app works in script mode (PowerShell + Verify)
  bench [options]       first-load transfer of dist/ (raw and gzip) against the budget, then
                        the browser measurements (test targets bench_*, key=value figures),
                        the bulk-run and register benchmarks (examples/bulk_bench,
                        examples/register_bench) and the 10,000-row
                        import in the browser (tests/web_import.rs, release)
      --build             rebuild dist/ first (default: only when missing)
      --sizes-only        only the transfer sizes
  split                 Trunk's post_build hook (Trunk.toml): cut the app into its first-load
                        module and lazily loaded ones (wasm-split-cli), then wasm-bindgen and
                        wasm-opt; not for direct use";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ws = Workspace::locate();
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run(&ws),
        Some("test") => test::Options::parse(rest).and_then(|o| test::run(&ws, o)),
        Some("build") => setup::run(&ws).and_then(|()| test::build(&ws)),
        Some("demo") => demo::run(&ws, rest),
        Some("bench") => bench::run(&ws, rest),
        Some("split") => split::run(&ws),
        None | Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(Error::Usage(format!("unknown command {other:?}"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

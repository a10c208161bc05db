//! Bulk-run benchmark, native, against the simulated tenant in-process over real HTTP.
//!
//! 1. 1,000 external people into one distribution group: 100 ms added latency per request,
//!    4 Exchange requests in flight at most, 5% of requests answered 429 with `Retry-After: 1`.
//!    Prints the wall time, the bound N·L/C (N = Exchange calls the plan needs: New-MailContact
//!    and Add-DistributionGroupMember per row; L = 100 ms; C = 4) and their ratio (goal ≤ 1.3),
//!    and the rows lost or duplicated according to the sim's own state (goal 0).
//! 2. Parse + validate + plan of 10,000 CSV rows (`csv_import::synthetic_csv`).
//!
//! Prints, doesn't assert. Run: `cargo run --release --example bulk_bench` (about a minute).

// The example is native: the simulated tenant and reqwest don't build for wasm32, and
// `cargo clippy --target wasm32-unknown-unknown --all-targets` still compiles examples.
#[cfg(not(target_arch = "wasm32"))]
mod bench;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    bench::main();
}

#[cfg(target_arch = "wasm32")]
fn main() {}

//! Bulk-run benchmark, native, against the simulated tenant in-process over real HTTP.
//!
//! 1. 1,000 external people into one distribution group: 100 ms added latency per request,
//!    4 Exchange requests on the wire at most, 5% of requests answered 429 with
//!    `Retry-After: 1`. Prints the wall time, the bound N·L/C (N = Exchange calls the plan needs
//!    when nothing goes wrong: New-MailContact and Add-DistributionGroupMember per row; L = 100 ms;
//!    C = 4) and their ratio (goal ≤ 1.3), and the rows lost or duplicated according to the sim's
//!    own state (goal 0). Then where the time went, from the transport's log: requests per
//!    cmdlet and row (429 repeats included), the bound with those repeats, the measured request
//!    time against L, how many requests were on the wire over the run (idle slots are the
//!    executor's share), the waits asked for, and the process's CPU. A short calibration run
//!    first (200 rows, no latency, no 429s) shows the sim's own time per request.
//! 2. 2,000 new guests into one Microsoft 365 group (an invitation and a member add each),
//!    against Graph's write budget scaled to a short window (300 writes per 3 s per app and
//!    tenant, 1,800 per 6 s per tenant, 100 ms latency): the wall time against the budget's
//!    bound (writes ÷ allowed writes a second; goal ratio ≤ 1.10), writes that reached Graph
//!    and how many were throttled (goal ≤ 2 %), requests sent, rows lost or duplicated (goal 0).
//! 3. Parse + validate + plan of 10,000 CSV rows (`csv_import::synthetic_csv`).
//!
//! Prints, doesn't assert. Run: `cargo run --release --example bulk_bench` (about a minute).
//! The machine's load shows in the request times: compare runs by their "wall / that" line.

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

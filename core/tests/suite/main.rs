//! The core's suites against the simulated tenant, as one test binary: one link and one process
//! (the tests of every file run side by side) instead of one per file. A file directly under
//! `tests/` would still be a test binary of its own; a file here must be declared below.
//!
//! Run one file's tests with a filter: `cargo test -p guestlist-core --test suite workflow::`.
//! Native only: the sim is a server (the wasm clippy still checks this crate, and finds it empty).
#![cfg(not(target_arch = "wasm32"))]

mod support;

mod clients;
mod delivery;
mod executor;
mod offboarding;
mod person;
mod register;
mod register_writes;
mod workflow;

//! The sim's suites, as one test binary: one link and one process (the tests of every file run
//! side by side) instead of one per file. A file directly under `tests/` would still be a test
//! binary of its own; a file here must be declared below.
//!
//! Run one file's tests with a filter: `cargo test -p guestlist-sim --test suite identity::`.

/// Helpers of the server-half tests (identity, knobs, server, consent).
mod server_support;
/// Helpers of the tenant-half tests (Graph, Exchange, replication, delivery, register, tenants).
mod tenant_support;

mod consent;
mod delivery;
mod exchange;
mod graph;
mod identity;
mod knobs;
mod register;
mod replication;
mod server;
mod tenants;

//! guestlist-sim: a simulated Microsoft 365 tenant.
//!
//! Module ownership (two people work here at once; keep to your files):
//! - server side: `lib.rs`, `main.rs`, `server.rs` (router, flags, TLS, serve-dir, `/_sim/`),
//!   `identity.rs` (OIDC, JWT, sign-in page), `knobs.rs` (latency, throttling, faults, CORS).
//! - tenant side: `store.rs` (in-memory tenant + seed), `graph.rs`, `exchange.rs`, `odata.rs`.
//!
//! The contract between the two halves is in `state.rs` and is changed only by agreement.

pub mod exchange;
pub mod graph;
pub mod identity;
pub mod odata;
pub mod seed;
pub mod state;
pub mod store;

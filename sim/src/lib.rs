//! guestlist-sim: a simulated Microsoft 365 tenant.
//!
//! Module ownership (two people work here at once; keep to your files):
//! - server side: `lib.rs`, `main.rs`, `server.rs` (router, flags, TLS, serve-dir, `/_sim/`),
//!   `identity.rs` (OIDC, JWT, sign-in page), `knobs.rs` (latency, throttling, faults, CORS).
//! - tenant side: `store.rs` (in-memory tenant + seed), `graph.rs`, `exchange.rs`, `odata.rs`.
//!
//! The contract between the two halves is in `state.rs` and is changed only by agreement.
//!
//! Start the sim in-process with [`start`] and a [`SimConfig`]; the returned [`RunningSim`] gives
//! the bound URLs, the HTTPS certificate and the shared [`AppState`]. Tests that need a token
//! without a sign-in use [`identity::issue_access_token`].

pub mod auth;
#[cfg(feature = "test-client")]
pub mod client;
pub mod contract;
pub mod exchange;
pub mod graph;
pub mod identity;
pub mod knobs;
pub mod odata;
pub mod seed;
pub mod server;
pub mod state;
pub mod store;
pub mod tls;
pub mod tokens;

pub use contract::Knobs;
pub use server::{app_state, start, RunningSim, SimConfig, SimError};
pub use state::AppState;

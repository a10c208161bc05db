//! guestlist-sim: a simulated Microsoft 365 tenant.
//!
//! Modules, in layers; each imports only from the layers below it (no cycles):
//! - the server: `server` (router, listeners, TLS, serve-dir, `/_sim/`), with `main.rs` (flags)
//!   and `client` (the `test-client` feature) on top of it.
//! - handlers: `identity` (OpenID Connect endpoints, sign-in page), `graph/` (Graph v1.0, one
//!   module per resource) and `exchange/` (InvokeCommand, one module per cmdlet family).
//! - shared: `auth` (token claims, the bearer check) → `state` (`AppState`) → `tokens` (signing
//!   key, grants) and `store` (the in-memory tenant, filled by `seed`); `odata` (query options),
//!   `address` (the e-mail address check), `knobs` (latency, throttling, faults, CORS middleware),
//!   `tls`.
//! - `contract`: the types every module shares (tenant constants, `Caller`, `Knobs`, request
//!   metadata such as `RequestOrigin` and `RequestMeta`); it imports no other module of the sim.
//!
//! Changes to `contract` touch every handler: they are made by agreement.
//!
//! Start the sim in-process with [`start`] and a [`SimConfig`]; the returned [`RunningSim`] gives
//! the bound URLs, the HTTPS certificate and the shared [`AppState`]. Tests that need a token
//! without a sign-in use [`identity::issue_access_token`].

pub mod address;
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
pub mod tenancy;
pub mod tls;
pub mod tokens;

pub use contract::{Knobs, RegistrationProblem};
pub use server::{app_state, start, RunningSim, SimConfig, SimError};
pub use state::AppState;

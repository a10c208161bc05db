//! Guestlist's core: everything that decides and does, without a browser or a UI.
//!
//! - [`domain`]: pure Rust: addresses, names, CSV, the plan, the journal, reports, PowerShell.
//! - [`tenant`]: the Graph and Exchange clients behind [`tenant::Transport`],
//!   [`tenant::TokenSource`] and [`tenant::Sleeper`] (the browser's implementations live in the
//!   app crate; tests use reqwest and tokio).
//! - [`run`]: the executor (journalled, resumable, paced per service).
//! - [`engine`]: the one path of every change: read → plan → run → verify → record.
//! - [`activity`]: the log of every change, which the engine writes.
//!
//! Cargo enforces the layering: this crate depends on no Leptos, web-sys or wasm-bindgen.

pub mod activity;
pub mod domain;
pub mod engine;
pub mod run;
pub mod tenant;

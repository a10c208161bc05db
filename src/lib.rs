//! Guestlist: bring external people into Microsoft 365 mail groups from the browser.
//!
//! Layers (see README "Map of the code"): the domain, the Graph and Exchange clients and the
//! change engine are the `guestlist-core` crate (`core/`), which Cargo keeps free of Leptos,
//! web-sys and wasm-bindgen. This crate is the browser app on top of it:
//! - [`platform`]: the browser's transport, timers, randomness and clock for the core's traits.
//! - [`auth`]: sign-in through the MSAL.js bridge, the account, the clients' token source.
//! - [`probe`]: after sign-in, direct or script mode (pure decision logic).
//! - [`tenancy`]: partners (GDAP): the tenants the admin can act in, consent per customer (pure).
//! - [`config`]: `config.json`, parsed and validated by pure functions.
//! - [`i18n`]: the English and Dutch text catalogue and the language context.
//! - [`ui`]: the Leptos app (root, layout, pages, components).

pub mod activity;
pub mod auth;
pub mod config;
pub mod deployment;
pub mod i18n;
pub mod platform;
pub mod probe;
pub mod tenancy;
pub mod ui;

/// Entry point used by `main.rs`: installs the panic hook and mounts the app.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ui::App);
}

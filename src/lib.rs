//! Guestlist: bring external people into Microsoft 365 mail groups from the browser.
//!
//! Layers (see README "Map of the code"):
//! - [`domain`]: pure Rust, no web-sys; tested natively.
//! - [`tenant`]: Graph and Exchange clients behind small traits.
//! - [`auth`]: sign-in through the MSAL.js bridge, the account, the clients' token source.
//! - [`run`]: the bulk-run executor (journalled, resumable, paced per service).
//! - [`probe`]: after sign-in, direct or script mode (pure decision logic).
//! - [`config`]: `config.json`, parsed and validated by pure functions.
//! - [`i18n`]: the English and Dutch text catalogue and the language context.
//! - [`ui`]: the Leptos app (root, layout, pages, components).

pub mod activity;
pub mod auth;
pub mod config;
pub mod domain;
pub mod i18n;
pub mod probe;
pub mod run;
pub mod tenant;
pub mod ui;

/// Entry point used by `main.rs`: installs the panic hook and mounts the app.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ui::App);
}

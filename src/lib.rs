//! Guestlist: bring external people into Microsoft 365 mail groups from the browser.
//!
//! Layers (see README "Map of the code"):
//! - [`domain`]: pure Rust, no web-sys; tested natively.
//! - [`tenant`]: Graph and Exchange clients behind small traits.
//! - `auth`, `ui`, `config`, `i18n`: the browser side.

pub mod domain;
pub mod tenant;

/// Entry point used by `main.rs`: installs the panic hook and mounts the app.
pub fn start() {
    console_error_panic_hook::set_once();
}

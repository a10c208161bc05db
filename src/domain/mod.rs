//! Pure domain logic: no web-sys, no async, no I/O. Runs natively in tests and in the browser.
//!
//! - [`email`]: e-mail addresses as Exchange accepts them.
//! - [`person`]: the external person and Exchange's field limits.
pub mod email;
pub mod person;

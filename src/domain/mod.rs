//! Pure domain logic: no web-sys, no async, no I/O. Runs natively in tests and in the browser.
//!
//! - [`csv_import`]: reading a CSV of people: encodings, delimiters, header mapping, validation.
//! - [`csv_export`]: CSV downloads neutralised against formula injection.
//! - [`email`]: e-mail addresses as Exchange accepts them.
//! - [`journal`]: the run journal and its resume logic.
//! - [`person`]: the external person and Exchange's field limits.
//! - [`group`]: group kinds and what each allows.
//! - [`plan`]: desired people + tenant state → operations.
//! - [`powershell`]: escaping and the idempotent Exchange script for script mode.
//! - [`report`]: row outcomes, the run report (CSV) and the JSON audit file.
//! - [`retry`]: when and how long to wait before trying again.
//! - [`verify`]: script mode's check of what the script did, from fresh Graph reads.
pub mod csv_export;
pub mod csv_import;
pub mod email;
pub mod group;
pub mod journal;
pub mod person;
pub mod plan;
pub mod powershell;
pub mod report;
pub mod retry;
pub mod verify;

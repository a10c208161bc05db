//! Pure domain logic: no web-sys, no async, no I/O. Runs natively in tests and in the browser.
//!
//! - [`csv_import`]: reading a CSV of people: encodings, delimiters, header mapping, validation.
//! - [`csv_export`]: CSV downloads neutralised against formula injection.
//! - [`delivery`]: a group's delivery settings evaluated for one sender ("why can't they
//!   mail the group?"): outcome, NDR code, findings and fixes; "will they receive"; the
//!   changes a fix makes (`changes_for`), run by `ExchangeClient::apply_delivery_change`
//!   (direct mode) or written by `powershell::delivery_script` (script mode).
//! - [`email`]: e-mail addresses as Exchange accepts them.
//! - [`journal`]: the run journal and its resume logic.
//! - [`person`]: the external person and Exchange's field limits.
//! - [`group`]: group kinds and what each allows.
//! - [`plan`]: desired people + tenant state → operations.
//! - [`powershell`]: escaping and the idempotent Exchange script for script mode.
//! - [`register`]: the externals register: rows, filters, search, sorting, CSV export.
//! - [`register_tenants`]: partners' registers of several tenants as one, filtered by tenant.
//! - [`report`]: row outcomes, the run report (CSV) and the JSON audit file.
//! - [`retry`]: when and how long to wait before trying again.
//! - [`template`]: `{name}` placeholders in texts.
//! - [`verify`]: script mode's check of what the script did, from fresh Graph reads.
//!
//! The flow, for the UI and the executor:
//! 1. single person: `PersonInput::validate` → `Person`; bulk: `csv_import::import(bytes)`
//!    (or `read_pasted`), then `ColumnMapping::set` + `validate` if no e-mail column was
//!    recognised → `Validated::desired()`.
//! 2. bulk reads from Graph/Exchange → `plan::TenantSnapshot`; target groups → `TargetGroup`s.
//! 3. `plan::plan(groups, desired, snapshot, options)` → `Plan` (preview: `entries`,
//!    `totals`, `warnings`); drop declined external-sender fixes with `Plan::without_optional`.
//! 4. direct mode: run `plan.ops` in order of `depends_on`, writing `Journal::started` /
//!    `finished`; on reload `journal::resume_actions` says run / re-check / skip; the
//!    `retry::RetryPolicy` decides waits. Script mode: `powershell::exchange_script` for the
//!    Exchange operations, then `verify::verify` + `verify::record` after fresh reads.
//! 5. `report::build_report`, `report_csv`, `audit_file`; "retry failed rows" =
//!    `journal::failed_rows` → re-plan those rows only.
//!
//! The externals register and offboarding: `tenant::lookup::RegisterReads::source` (+
//! `Source::add_exchange_contacts` in direct mode) → `register::Register::build`; the page asks
//! `Register::select(filter, sort)` and exports with `Register::to_csv`; the chosen rows'
//! `Person::leaver`s (or `Register::find_addresses` for a list) → `plan::offboarding` with the
//! targets and `engine::reads::register_snapshot` → a plan of removals for the executor (or
//! `plan::offboarding_deleting`: `DeleteContact` / `DeleteGuest` operations), scripted by
//! `powershell::exchange_script` like any plan (`Remove-DistributionGroupMember`,
//! `Remove-MailContact`).
pub mod csv_export;
pub mod csv_import;
pub mod day;
pub mod delivery;
pub mod email;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod group;
pub mod journal;
pub mod person;
pub mod plan;
pub mod powershell;
pub mod register;
pub mod register_tenants;
pub mod report;
pub mod retry;
pub mod template;
pub mod verify;

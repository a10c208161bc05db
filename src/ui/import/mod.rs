//! Bulk import: a CSV of people into one or more groups — read, map, validate, then the change
//! engine: plan from bulk reads, run (journalled in IndexedDB, resumable after a reload),
//! verify in script mode, report; every operation recorded in the activity log.
//!
//! - [`page`]: the Import page ([`ImportPage`]), its steps in `steps` (file, mapping, rows,
//!   groups, plan, run, report), a file each.
//! - [`state`]: the tab-wide state, owned above the routes.
//! - [`driver`]: the engine's steps started from the page: planning, running, resuming,
//!   verifying, retrying.
//! - [`renewal`]: a run paused for sign-in first tries to renew the tokens silently.
//! - [`tenants`]: a partner's file for several tenants (a tenant column): one plan and one
//!   run per tenant, each in its own tenant's session.
//! - the run's journal in IndexedDB and the pointer to an unfinished run: [`crate::ui::runs`].
//!
//! Files for the admin (report CSV, audit JSON, script) go through [`crate::ui::groups::download`].

pub mod driver;
pub mod page;
pub mod renewal;
pub mod state;
mod steps;
pub mod tenants;

pub use page::ImportPage;

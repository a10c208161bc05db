//! The bulk-run executor: takes a [`Plan`](crate::domain::plan::Plan) and carries it out
//! against the tenant, journalled so that a reload or a crash resumes without doing anything
//! twice. Platform-neutral: single-threaded futures, no spawned tasks, no web-sys.
//!
//! - [`executor`]: [`Executor::run`] — dependency order, bounded concurrency per service,
//!   journal before and after each operation, re-checks on resume, pause/resume/cancel,
//!   progress events, script mode; ends with the [`RunReport`](crate::domain::report::RunReport).
//! - [`schedule`]: which operation goes next (pure).
//! - [`pacer`]: when the next Graph writes may go, under Graph's write budgets (pure).
//! - [`progress`]: done/total, rate and time left (pure).
//! - [`control`]: [`RunControl`] (pause/resume/cancel handle), [`Limiter`] and
//!   [`LimitedTransport`] (requests in flight per service).
//! - [`store`]: [`JournalStore`] (IndexedDB in the browser) and [`MemoryJournalStore`].
//! - [`tenant`]: [`TenantApi`], the calls the executor makes; [`Clients`] implements it with the
//!   Graph and Exchange clients.
//!
//! Use:
//! ```ignore
//! let control = RunControl::new();               // keep a clone for the buttons
//! let store = /* the run's JournalStore */;
//! let tenant = Clients { graph: &graph, exchange: Some(&exchange) };   // None: script mode
//! let outcome = Executor::new(tenant, &store, SystemClock)
//!     .with_control(control.clone())
//!     .on_event(|e| if let RunEvent::Progress(p) = e { set_progress.set(p.clone()) })
//!     .run(&plan)
//!     .await?;
//! // outcome.report: every row; outcome.pending_script → domain::powershell::exchange_script
//! ```

pub mod control;
pub mod executor;
pub mod failure;
pub mod pacer;
pub mod progress;
pub mod schedule;
pub mod store;
pub mod tenant;

pub use control::{LimitedTransport, Limiter, RunControl};
pub use executor::{Clock, Executor, ExecutorOptions, RunError, RunEvent, RunOutcome, SystemClock};
pub use failure::failure;
pub use pacer::{Pacer, WriteBudget};
pub use progress::{Progress, RunState};
pub use schedule::{Mode, Scheduler};
pub use store::{JournalStore, MemoryJournalStore, StoreError};
pub use tenant::{Clients, TenantApi};

//! The import's state, owned above the routes: one per browser tab, in reference-counted
//! signals that belong to no page, so leaving the Import page neither stops a run nor loses the
//! file, the plan or the report. The run itself is a task of its own (`spawn_local`) that only
//! touches these signals.
//!
//! A reload finds the unfinished run through a pointer in `localStorage` and its plan and
//! journal in IndexedDB ([`super::idb`]); resuming hands both to the executor, which re-checks
//! whatever was under way before repeating anything.

use std::cell::RefCell;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use guestlist_core::domain::csv_import::{ColumnMapping, MappingError, Table, Validated};
use guestlist_core::domain::journal::Journal;
use guestlist_core::domain::plan::{Desired, OpId, Plan};
use guestlist_core::domain::report::RunReport;
use guestlist_core::run::{Progress, RunControl, RunState};
use guestlist_core::tenant::Group;

/// `localStorage` key naming the run that hasn't finished.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub const CURRENT_RUN_KEY: &str = "guestlist.import.run";

/// What IndexedDB keeps of a run besides its journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRun {
    pub id: String,
    pub plan: Plan,
    /// The valid rows the plan was made from ("retry failed rows" re-plans some of them).
    pub desired: Vec<Desired>,
    /// Direct mode (Exchange reachable) or script mode.
    pub direct: bool,
    pub started_at: String,
    pub signed_in_as: String,
    pub tenant_id: String,
}

/// A file as read, with its name.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub name: String,
    pub table: Table,
}

/// A plan and the rows it was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub plan: Plan,
    pub desired: Vec<Desired>,
}

// Natively (type-checking only) runs don't start, so some states are never built there.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Found after a reload, not running.
    Interrupted,
    Starting,
    Running,
    /// The executor returned (finished, or cancelled).
    Ended(RunState),
    Error(String),
}

/// Script mode's Verify result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyCounts {
    pub done: usize,
    pub missing: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    pub saved: SavedRun,
    pub phase: Phase,
    pub progress: Option<Progress>,
    pub journal: Journal,
    pub report: Option<RunReport>,
    /// Script mode: the PowerShell for the Exchange steps.
    pub script: Option<Result<String, String>>,
    pub verify: Option<Result<VerifyCounts, String>>,
}

/// Everything the Import page shows. Cheap to clone.
#[derive(Clone)]
pub struct ImportState {
    pub loaded: ArcRwSignal<Option<Loaded>>,
    pub load_error: ArcRwSignal<Option<String>>,
    pub mapping: ArcRwSignal<ColumnMapping>,
    pub validated: ArcRwSignal<Option<Result<Validated, MappingError>>>,
    pub groups: ArcRwSignal<Vec<Group>>,
    pub planning: ArcRwSignal<bool>,
    pub planned: ArcRwSignal<Option<Result<Planned, String>>>,
    /// External-sender fixes the admin declined (all are offered ticked).
    pub declined: ArcRwSignal<Vec<OpId>>,
    pub run: ArcRwSignal<Option<RunInfo>>,
}

thread_local! {
    static STATE: ImportState = ImportState {
        loaded: ArcRwSignal::new(None),
        load_error: ArcRwSignal::new(None),
        mapping: ArcRwSignal::new(ColumnMapping::default()),
        validated: ArcRwSignal::new(None),
        groups: ArcRwSignal::new(Vec::new()),
        planning: ArcRwSignal::new(false),
        planned: ArcRwSignal::new(None),
        declined: ArcRwSignal::new(Vec::new()),
        run: ArcRwSignal::new(None),
    };
    static CONTROL: RefCell<Option<RunControl>> = const { RefCell::new(None) };
    static LOOKED_FOR_RUN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The tab's import state. The first call also looks for a run a reload interrupted.
pub fn import_state() -> ImportState {
    let st = STATE.with(Clone::clone);
    if !LOOKED_FOR_RUN.with(|c| c.replace(true)) {
        super::driver::find_interrupted(st.clone());
    }
    st
}

/// The running executor's control handle, for the buttons.
pub fn control() -> Option<RunControl> {
    CONTROL.with(|c| c.borrow().clone())
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn set_control(control: Option<RunControl>) {
    CONTROL.with(|c| *c.borrow_mut() = control);
}

impl ImportState {
    /// Sets the file and its recognised mapping, and validates.
    pub fn set_table(&self, name: String, table: Table, mapping: ColumnMapping) {
        self.load_error.set(None);
        self.planned.set(None);
        self.mapping.set(mapping.clone());
        self.validated
            .set(Some(guestlist_core::domain::csv_import::validate(
                &table, &mapping,
            )));
        self.loaded.set(Some(Loaded { name, table }));
    }

    /// The manual mapping step: one field from one column (or none), then validate again.
    pub fn map(
        &self,
        target: guestlist_core::domain::csv_import::MapTarget,
        column: Option<usize>,
    ) {
        let result = self.loaded.with_untracked(|l| {
            let l = l.as_ref()?;
            let mut m = self.mapping.get_untracked();
            Some(m.set(&l.table, target, column).map(|()| {
                (
                    guestlist_core::domain::csv_import::validate(&l.table, &m),
                    m,
                )
            }))
        });
        match result {
            Some(Ok((validated, m))) => {
                self.mapping.set(m);
                self.validated.set(Some(validated));
                self.planned.set(None);
            }
            Some(Err(e)) => self.validated.set(Some(Err(e))),
            None => {}
        }
    }

    pub fn update_run(&self, f: impl FnOnce(&mut RunInfo)) {
        self.run.update(|r| {
            if let Some(r) = r {
                f(r)
            }
        });
    }
}

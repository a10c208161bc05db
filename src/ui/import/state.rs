//! The import's state, owned above the routes: one per browser tab, in reference-counted
//! signals that belong to no page, kept in the shell's [`JobSlot`] context, so leaving the
//! Import page neither stops a run nor loses the file, the plan or the report. The run itself
//! is a task of its own (`spawn_local`) that only touches these signals.
//!
//! A reload finds the unfinished run through a pointer in `localStorage` and its plan and
//! journal in IndexedDB ([`crate::ui::runs::idb`]); resuming hands both to the executor, which re-checks
//! whatever was under way before repeating anything.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use serde::{Deserialize, Serialize};

use super::tenants::TenantPart;
use crate::i18n::{fill, Texts};
use crate::tenancy::TenantChoice;
use crate::ui::runs::RunPointer;
use crate::ui::JobSlot;
use guestlist_core::domain::journal::Failure;
use guestlist_core::domain::powershell::PsError;
use guestlist_core::run::StoreError;

use guestlist_core::domain::csv_import::{ColumnMapping, MappingError, Table, Validated};
use guestlist_core::domain::journal::Journal;
use guestlist_core::domain::plan::{Desired, OpId, Plan};
use guestlist_core::domain::report::RunReport;
use guestlist_core::run::{Progress, RunControl, RunState};
use guestlist_core::tenant::Group;

/// Where `localStorage` names the import run that hasn't finished.
pub const CURRENT_RUN: RunPointer = RunPointer("guestlist.import.run");

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
    /// The tenant whose reads the plan was made from: the run acts there and nowhere else.
    pub tenant_id: String,
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
    Error(ImportProblem),
}

/// Why a file (or pasted text) couldn't be loaded, typed so the page words it in the admin's
/// language.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadProblem {
    /// The CSV reader's verdict.
    File(guestlist_core::domain::csv_import::ImportError),
    /// The browser couldn't read the file: its own words.
    Browser(String),
    /// The browser wouldn't save the example file: its own words.
    Download(String),
}

/// Why the import couldn't go on, typed so the page words it in the admin's language.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportProblem {
    /// A read or a change the tenant refused (the same failure the group pages show).
    Tenant(Failure),
    /// The run's journal in this browser (IndexedDB) can't be read or written.
    Journal(StoreError),
    /// The script can't be written (a value PowerShell can't take).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    Script(PsError),
    /// The run was planned for another tenant than the one Guestlist acts in now (a partner
    /// switched customers): it is not run here. `planned` is that tenant's id.
    OtherTenant { planned: String },
}

impl ImportProblem {
    /// In the admin's language; what the browser or the service said stays as said.
    pub fn words(&self, t: &Texts) -> String {
        match self {
            ImportProblem::Tenant(f) => t.failure(f),
            ImportProblem::Journal(StoreError::Write(said) | StoreError::Read(said)) => {
                fill(t.import().journal_failed, &[("detail", said)])
            }
            ImportProblem::Journal(other) => {
                fill(t.import().journal_failed, &[("detail", &other.to_string())])
            }
            ImportProblem::Script(e) => {
                fill(t.import().script_failed, &[("detail", &e.to_string())])
            }
            ImportProblem::OtherTenant { planned } => {
                fill(t.import().other_tenant, &[("planned", planned)])
            }
        }
    }
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
    pub script: Option<Result<String, ImportProblem>>,
    pub verify: Option<Result<VerifyCounts, ImportProblem>>,
}

impl RunInfo {
    /// A run about to start.
    pub fn starting(saved: SavedRun) -> RunInfo {
        RunInfo {
            saved,
            phase: Phase::Starting,
            progress: None,
            journal: Journal::default(),
            report: None,
            script: None,
            verify: None,
        }
    }

    /// A run found after a reload, with its journal so far, ready to resume.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub fn interrupted(saved: SavedRun, journal: Journal) -> RunInfo {
        let report = guestlist_core::domain::report::build_report(&saved.plan, &journal);
        RunInfo {
            phase: Phase::Interrupted,
            report: Some(report),
            journal,
            ..RunInfo::starting(saved)
        }
    }

    /// Script mode's Verify found `v`: what is now done joins the journal and the report.
    pub fn verified(&mut self, v: &guestlist_core::engine::Verification) {
        self.journal.entries.extend(v.added.iter().cloned());
        self.report = Some(guestlist_core::domain::report::build_report(
            &self.saved.plan,
            &self.journal,
        ));
        self.verify = Some(Ok(VerifyCounts {
            done: v.done(),
            missing: v.missing(),
        }));
    }
}

/// Everything the Import page shows. Cheap to clone.
#[derive(Clone)]
pub struct ImportState {
    pub loaded: ArcRwSignal<Option<Loaded>>,
    pub load_error: ArcRwSignal<Option<LoadProblem>>,
    pub mapping: ArcRwSignal<ColumnMapping>,
    pub validated: ArcRwSignal<Option<Result<Validated, MappingError>>>,
    pub groups: ArcRwSignal<Vec<Group>>,
    pub planning: ArcRwSignal<bool>,
    pub planned: ArcRwSignal<Option<Result<Planned, ImportProblem>>>,
    /// External-sender fixes the admin declined (all are offered ticked).
    pub declined: ArcRwSignal<Vec<OpId>>,
    pub run: ArcRwSignal<Option<RunInfo>>,
    /// The running executor's control handle, for the buttons.
    control: SendWrapper<Rc<RefCell<Option<RunControl>>>>,
    /// Partners (a CSV with a tenant column): the groups chosen, each in its tenant.
    pub tenant_groups: ArcRwSignal<Vec<(TenantChoice, Group)>>,
    /// Partners: the import's share per tenant, planned, then run ([`super::tenants`]).
    pub parts: ArcRwSignal<Option<Vec<TenantPart>>>,
}

impl ImportState {
    fn new() -> ImportState {
        ImportState {
            loaded: ArcRwSignal::new(None),
            load_error: ArcRwSignal::new(None),
            mapping: ArcRwSignal::new(ColumnMapping::default()),
            validated: ArcRwSignal::new(None),
            groups: ArcRwSignal::new(Vec::new()),
            planning: ArcRwSignal::new(false),
            planned: ArcRwSignal::new(None),
            declined: ArcRwSignal::new(Vec::new()),
            run: ArcRwSignal::new(None),
            control: SendWrapper::new(Rc::new(RefCell::new(None))),
            tenant_groups: ArcRwSignal::new(Vec::new()),
            parts: ArcRwSignal::new(None),
        }
    }

    /// The running executor's control handle, for the buttons.
    pub fn control(&self) -> Option<RunControl> {
        self.control.borrow().clone()
    }

    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub fn set_control(&self, control: Option<RunControl>) {
        *self.control.borrow_mut() = control;
    }
}

/// The tab's import, from the shell's [`JobSlot`]: made there the first time the Import page
/// is shown (the page's code is loaded lazily, so the shell can't make it itself), which is
/// also when a run a reload interrupted is looked for. Without a shell (a component mounted
/// alone in a test) the page gets a state of its own.
pub fn import_state() -> ImportState {
    let Some(slot) = use_context::<JobSlot>() else {
        return ImportState::new();
    };
    if let Some(st) = slot.get::<ImportState>() {
        return st;
    }
    let st = ImportState::new();
    slot.put(st.clone());
    super::driver::find_interrupted(st.clone());
    st
}

impl ImportState {
    /// Sets the file and its recognised mapping, and validates.
    pub fn set_table(&self, name: String, table: Table, mapping: ColumnMapping) {
        self.load_error.set(None);
        self.planned.set(None);
        self.parts.set(None);
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
                self.parts.set(None);
            }
            Some(Err(e)) => self.validated.set(Some(Err(e))),
            None => {}
        }
    }

    /// Whether the file is a partner's, for several tenants (it has a tenant column).
    pub fn by_tenant(&self) -> bool {
        self.mapping.with(|m| m.tenant.is_some())
    }

    pub fn update_run(&self, f: impl FnOnce(&mut RunInfo)) {
        self.run.update(|r| {
            if let Some(r) = r {
                f(r)
            }
        });
    }
}

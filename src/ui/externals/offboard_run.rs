//! Offboarding's run, owned above the routes like the bulk import's: the panel's state lives in
//! the shell's [`JobSlot`], so leaving the External people page neither stops a run nor loses
//! its report. The run is journalled in IndexedDB ([`crate::ui::runs::idb`]) under a header
//! naming the plan, the mode, the admin and the tenant; a reload finds the unfinished run
//! through a pointer in `localStorage` and offers to resume it, and the executor re-checks
//! whatever was under way before repeating anything. A run planned in one tenant is never
//! resumed in another.

use super::offboard::Prepared;
use crate::ui::groups::run_result::OpLine;
use crate::ui::runs::{new_run_id, now_iso, same_tenant, RunPointer};
use crate::ui::session::Session;
use crate::ui::JobSlot;
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::domain::plan::{OpId, Plan};
use guestlist_core::run::RunControl;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// Where `localStorage` names the offboarding run that hasn't finished.
pub const CURRENT_RUN: RunPointer = RunPointer("guestlist.offboarding.run");

/// The journal a run keeps (in the browser, IndexedDB).
#[cfg(target_arch = "wasm32")]
pub type RunStore = crate::ui::runs::idb::IdbJournalStore;
#[cfg(not(target_arch = "wasm32"))]
pub type RunStore = guestlist_core::run::MemoryJournalStore;

/// What IndexedDB keeps of an offboarding run besides its journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedOffboarding {
    pub id: String,
    pub prepared: Prepared,
    /// Direct mode (Exchange reachable) or script mode, as when the run started.
    pub direct: bool,
    pub started_at: String,
    pub signed_in_as: String,
    /// The tenant whose reads the plan was made from: the run acts there and nowhere else.
    pub tenant_id: String,
}

/// A run that has returned: a line per operation, the script for what is left to it.
pub struct Finished {
    pub plan: Arc<Plan>,
    pub lines: Vec<(OpId, OpLine)>,
    pub script: Option<String>,
    pub store: SendWrapper<Rc<RunStore>>,
}

/// Where the offboarding panel stands.
#[derive(Clone)]
pub enum Step {
    Idle,
    Planning,
    Preview(Arc<Prepared>),
    Running(Arc<SavedOffboarding>),
    /// Stopped before the operations that need `User.ReadWrite.All` (deleting guests): the
    /// admin consents, then the run goes on with its journal.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    NeedsConsent(Arc<SavedOffboarding>),
    /// Found after a reload, not running: `.1` operations finished before.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    Interrupted(Arc<SavedOffboarding>, usize),
    // Natively (type-checking only) runs don't start.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    Finished(Arc<Finished>),
    Failed(Failure),
    /// The run was planned in the tenant with this id, and Guestlist acts in another now.
    OtherTenant(String),
}

/// The tab's offboarding: its step, the operations finished in the run under way, and the
/// run's control (stop). Cheap to clone.
#[derive(Clone)]
pub struct OffboardJob {
    pub step: ArcRwSignal<Step>,
    pub progress: ArcRwSignal<usize>,
    control: SendWrapper<Rc<RefCell<Option<RunControl>>>>,
}

impl OffboardJob {
    fn new() -> Self {
        OffboardJob {
            step: ArcRwSignal::new(Step::Idle),
            progress: ArcRwSignal::new(0),
            control: SendWrapper::new(Rc::new(RefCell::new(None))),
        }
    }

    /// Stops the run under way after the operations already sent.
    pub fn cancel(&self) {
        if let Some(c) = self.control.borrow().as_ref() {
            c.cancel();
        }
    }
}

/// The tab's offboarding from the shell's [`JobSlot`], made the first time the page is shown
/// (which is also when a run a reload interrupted is looked for). Without a shell (a component
/// mounted alone in a test) the panel gets a job of its own.
pub fn offboard_job() -> OffboardJob {
    let Some(slot) = use_context::<JobSlot>() else {
        return OffboardJob::new();
    };
    if let Some(job) = slot.get::<OffboardJob>() {
        return job;
    }
    let job = OffboardJob::new();
    slot.put(job.clone());
    find_interrupted(job.clone());
    job
}

#[cfg(target_arch = "wasm32")]
/// Operations of `plan` the journal shows finished (done, already so or failed).
fn finished_ops(plan: &Plan, journal: &guestlist_core::domain::journal::Journal) -> usize {
    use guestlist_core::domain::journal::OpState;
    plan.ops
        .iter()
        .filter(|o| matches!(journal.state(o.id), OpState::Finished(_)))
        .count()
}

/// After a reload: shows the unfinished run, ready to resume.
fn find_interrupted(job: OffboardJob) {
    let Some(id) = CURRENT_RUN.get() else {
        return;
    };
    #[cfg(target_arch = "wasm32")]
    leptos::task::spawn_local(async move {
        match RunStore::open::<SavedOffboarding>(&id).await {
            Ok((_, saved, journal)) => {
                let finished = finished_ops(&saved.prepared.plan, &journal);
                job.step.set(Step::Interrupted(Arc::new(saved), finished));
            }
            Err(e) => {
                leptos::logging::warn!("the interrupted offboarding can't be read: {e}");
                CURRENT_RUN.set(None);
            }
        }
    });
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (id, job);
}

/// A new run of `prepared` in `session`'s tenant, in its mode, by its admin.
pub fn new_run(session: &Session, prepared: &Prepared) -> SavedOffboarding {
    SavedOffboarding {
        // Unique when several tenants' runs start in the same millisecond.
        id: format!("{}-{}", new_run_id("offboarding"), session.tenant.id),
        prepared: prepared.clone(),
        direct: session.is_direct(),
        started_at: now_iso(),
        signed_in_as: session.account.username.clone(),
        tenant_id: session.tenant.id.clone(),
    }
}

/// Starts a run of the previewed plan.
pub fn start(job: OffboardJob, session: Session, prepared: Arc<Prepared>) {
    let saved = new_run(&session, &prepared);
    run(job, session, Arc::new(saved), true);
}

/// Resumes the run a reload interrupted.
pub fn resume(job: OffboardJob, session: Session, saved: Arc<SavedOffboarding>) {
    run(job, session, saved, false);
}

/// Leaves the run as it is (its Activity entries stay) and starts over.
pub fn forget(job: &OffboardJob) {
    CURRENT_RUN.set(None);
    job.step.set(Step::Idle);
}

fn run(job: OffboardJob, session: Session, saved: Arc<SavedOffboarding>, fresh: bool) {
    if !same_tenant(&saved.tenant_id, &session.tenant.id) {
        job.step.set(Step::OtherTenant(saved.tenant_id.clone()));
        return;
    }
    job.progress.set(0);
    job.step.set(Step::Running(saved.clone()));
    #[cfg(target_arch = "wasm32")]
    leptos::task::spawn_local(run_journalled(job, session, saved, fresh));
    #[cfg(not(target_arch = "wasm32"))]
    {
        // Natively the UI is only type-checked: there is no IndexedDB to journal in.
        let _ = (session, fresh);
        job.step.set(Step::Failed(Failure::new(
            Service::Graph,
            "no IndexedDB outside the browser",
        )));
    }
}

#[cfg(target_arch = "wasm32")]
async fn run_journalled(
    job: OffboardJob,
    session: Session,
    saved: Arc<SavedOffboarding>,
    fresh: bool,
) {
    let control = RunControl::new();
    *job.control.borrow_mut() = Some(control.clone());
    let progress = job.progress.clone();
    let ran = execute(&session, &saved, fresh, Some(CURRENT_RUN), control, |n| {
        progress.set(n)
    })
    .await;
    *job.control.borrow_mut() = None;
    job.step.set(match ran {
        Ok(Ran::Finished(f)) => Step::Finished(Arc::new(f)),
        Ok(Ran::NeedsConsent) => Step::NeedsConsent(saved),
        Err(e) => Step::Failed(Failure::new(Service::Graph, e)),
    });
}

/// How a journalled run returned.
#[cfg(target_arch = "wasm32")]
pub enum Ran {
    Finished(Finished),
    /// Stopped before the operations that need `User.ReadWrite.All` (deleting guests).
    NeedsConsent,
}

/// Runs `saved` in `session` (its tenant) with its journal in IndexedDB (made when `fresh`),
/// recorded in that tenant's Activity; `pointer`, when given, names the run while it is
/// unfinished, so a reload finds it. Err: the journal couldn't be kept (in words).
#[cfg(target_arch = "wasm32")]
pub async fn execute(
    session: &Session,
    saved: &SavedOffboarding,
    fresh: bool,
    pointer: Option<RunPointer>,
    control: RunControl,
    progress: impl Fn(usize),
) -> Result<Ran, String> {
    use crate::platform::BrowserClock;
    use crate::ui::groups::run_result::op_lines;
    use guestlist_core::engine::RunSetup;
    use guestlist_core::run::{RunEvent, RunState};

    let store = if fresh {
        RunStore::create(&saved.id, saved).await
    } else {
        RunStore::open::<SavedOffboarding>(&saved.id)
            .await
            .map(|(s, _, _)| s)
    };
    let store = store.map_err(|e| e.to_string())?;
    if let Some(p) = pointer {
        p.set(Some(&saved.id));
    }
    let plan = &saved.prepared.plan;
    let needs_sign_in = RefCell::new(None::<String>);
    // A token that can't be had without the admin ends the run; it is resumed after signing in.
    let setup = RunSetup::default()
        .with_control(control.clone())
        .recorded_as(&saved.id)
        .on_event(|e| match e {
            RunEvent::Progress(p) => progress(p.done + p.failed),
            RunEvent::NeedsSignIn { message, .. } => {
                needs_sign_in.replace(Some(message.clone()));
                control.cancel();
            }
            _ => {}
        });
    let engine = crate::ui::runs::run_engine(session, plan, saved.direct, &saved.signed_in_as);
    let outcome = engine
        .run(plan, &store, &BrowserClock, &session.activity(), setup)
        .await
        .map_err(|e| e.to_string())?;
    let people = plan.ops.iter().any(|o| super::writes_users(&o.op));
    if people && needs_sign_in.borrow().is_some() {
        // A token without the permission: what needs it hasn't been sent.
        return Ok(Ran::NeedsConsent);
    }
    if outcome.state == RunState::Finished && outcome.pending_script.is_empty() {
        if let Some(p) = pointer {
            p.set(None);
        }
    }
    let script = engine
        .script(plan, &outcome.pending_script)
        .unwrap_or_else(|e| Some(format!("# {e}")));
    let lines = op_lines(
        plan,
        &outcome.journal,
        &outcome.pending_script,
        needs_sign_in.into_inner().as_deref(),
    );
    Ok(Ran::Finished(Finished {
        plan: Arc::new(plan.clone()),
        lines,
        script,
        store: SendWrapper::new(Rc::new(store)),
    }))
}

//! The import's asynchronous work: bulk reads and planning, the run (started, resumed after a
//! reload, verified in script mode, retried for failed rows). Every task here only touches the
//! tab-wide [`ImportState`], never a page's signals, so it may outlive the page.

use super::state::{ImportProblem, ImportState, Phase, Planned, RunInfo, SavedRun, CURRENT_RUN};
#[cfg(target_arch = "wasm32")]
use crate::platform::BrowserClock;
#[cfg(target_arch = "wasm32")]
use crate::ui::runs::idb::IdbJournalStore;
use crate::ui::runs::{new_run_id, now_iso, same_tenant};
use crate::ui::session::Session;
#[cfg(target_arch = "wasm32")]
use crate::ui::session::SessionEngine;
use guestlist_core::domain::journal::Service;
use guestlist_core::domain::plan::{Desired, PlanOptions};
use guestlist_core::run::failure;
use guestlist_core::tenant::{Group, GroupId, TenantError};
use leptos::prelude::*;

/// A tenant's refusal, as the page shows it.
pub(super) fn tenant(e: &TenantError) -> ImportProblem {
    ImportProblem::Tenant(failure(Service::Graph, e))
}

/// The groups as targets, then the plan from the engine's bulk reads in `session`'s tenant.
pub(super) async fn make_plan(
    session: &Session,
    groups: &[Group],
    desired: Vec<Desired>,
) -> Result<Planned, TenantError> {
    let engine = session.engine();
    let targets = engine.targets(groups).await?;
    let options = PlanOptions {
        access_until_attribute: crate::ui::externals::access_attribute(),
        ..PlanOptions::default()
    };
    let plan = engine.plan_adds(&targets, &desired, &options).await?;
    Ok(Planned {
        plan,
        desired,
        tenant_id: session.tenant.id.clone(),
    })
}

/// "Prepare the plan": bulk reads, then the planner.
pub fn prepare(st: ImportState, session: Session) {
    let desired = st.validated.with_untracked(|v| match v {
        Some(Ok(v)) => v.desired(),
        _ => Vec::new(),
    });
    let groups = st.groups.get_untracked();
    st.planning.set(true);
    // The previous plan goes: its "Start the run" must not stay on screen while another plan
    // is being made.
    st.planned.set(None);
    st.declined.set(Vec::new());
    leptos::task::spawn_local(async move {
        let result = make_plan(&session, &groups, desired).await;
        st.planned.set(Some(result.map_err(|e| tenant(&e))));
        st.planning.set(false);
    });
}

/// Starts a run of the previewed plan (declined fixes dropped).
pub fn start(st: ImportState, session: Session) {
    let Some(Ok(planned)) = st.planned.get_untracked() else {
        return;
    };
    if !same_tenant(&planned.tenant_id, &session.tenant.id) {
        // Planned in another tenant (the admin switched since): plan again here.
        let planned = planned.tenant_id;
        st.planned
            .set(Some(Err(ImportProblem::OtherTenant { planned })));
        return;
    }
    let declined = st.declined.get_untracked();
    let plan = planned.plan.for_bulk_run(&declined);
    let saved = SavedRun {
        id: new_run_id("run"),
        plan,
        desired: planned.desired,
        direct: session.is_direct(),
        started_at: now_iso(),
        signed_in_as: session.account.username.clone(),
        tenant_id: planned.tenant_id,
    };
    st.run.set(Some(RunInfo::starting(saved.clone())));
    run(st, session, saved, true);
}

/// Whether `session` acts in the tenant the run was planned for; if not, the run shows why and
/// is left alone. A run (journal, report) names its tenant, and never acts in another.
fn in_planned_tenant(st: &ImportState, session: &Session, saved: &SavedRun) -> bool {
    if same_tenant(&saved.tenant_id, &session.tenant.id) {
        return true;
    }
    let planned = saved.tenant_id.clone();
    st.update_run(|r| r.phase = Phase::Error(ImportProblem::OtherTenant { planned }));
    false
}

/// Resumes the run shown (after a reload, a cancel or a verify).
pub fn resume(st: ImportState, session: Session) {
    let Some(info) = st.run.get_untracked() else {
        return;
    };
    if !in_planned_tenant(&st, &session, &info.saved) {
        return;
    }
    st.update_run(|r| r.phase = Phase::Starting);
    run(st, session, info.saved, false);
}

/// The engine as the run was planned: direct or script mode as it was then; with
/// `User.ReadWrite.All` where the plan writes guests' end dates.
#[cfg(target_arch = "wasm32")]
pub(super) fn engine_for<'s>(session: &'s Session, saved: &'s SavedRun) -> SessionEngine<'s> {
    crate::ui::runs::run_engine(session, &saved.plan, saved.direct, &saved.signed_in_as)
}

/// The run's journal in IndexedDB: made for a run starting now (`fresh`), else found again.
#[cfg(target_arch = "wasm32")]
pub(super) async fn open_store(
    saved: &SavedRun,
    fresh: bool,
) -> Result<IdbJournalStore, guestlist_core::run::StoreError> {
    if fresh {
        IdbJournalStore::create(&saved.id, saved).await
    } else {
        IdbJournalStore::open::<SavedRun>(&saved.id)
            .await
            .map(|(s, _, _)| s)
    }
}

#[cfg(target_arch = "wasm32")]
fn run(st: ImportState, session: Session, saved: SavedRun, fresh: bool) {
    use guestlist_core::engine::RunSetup;
    use guestlist_core::run::{RunControl, RunEvent, RunState};

    leptos::task::spawn_local(async move {
        let store = match open_store(&saved, fresh).await {
            Ok(s) => s,
            Err(e) => {
                st.update_run(|r| r.phase = Phase::Error(ImportProblem::Journal(e)));
                return;
            }
        };
        CURRENT_RUN.set(Some(&saved.id));
        let control = RunControl::new();
        st.set_control(Some(control.clone()));
        st.update_run(|r| r.phase = Phase::Running);
        let events = st.clone();
        let gate = super::renewal::SharedGate::default();
        // The last progress as the executor reported it, for when a renewal fails.
        let reported = std::rc::Rc::new(std::cell::RefCell::new(
            None::<guestlist_core::run::Progress>,
        ));
        let direct = saved.direct;
        let tenant = session.tenant.authority_tenant().map(str::to_owned);
        let listener_control = control.clone();
        let setup = RunSetup::default()
            .with_control(control)
            .on_event(move |e| match e {
                RunEvent::Progress(p) => {
                    gate.progress(p.done);
                    *reported.borrow_mut() = Some(p.clone());
                    let mut shown = p.clone();
                    if gate.renewing() && shown.state == RunState::NeedsSignIn {
                        shown.state = RunState::Running;
                    }
                    events.update_run(|r| r.progress = Some(shown));
                }
                // `begin` is false while a renewal is under way or once the tries are spent.
                RunEvent::NeedsSignIn { message, .. } if gate.begin() => {
                    renew_silently(
                        events.clone(),
                        gate.clone(),
                        reported.clone(),
                        listener_control.clone(),
                        direct,
                        tenant.clone(),
                        message.clone(),
                    );
                }
                _ => {}
            });
        let outcome = execute(&session, &saved, &store, setup).await;
        st.set_control(None);
        match outcome {
            Ok((o, script)) => {
                if o.state == RunState::Finished && o.pending_script.is_empty() {
                    CURRENT_RUN.set(None);
                }
                st.update_run(|r| {
                    r.phase = Phase::Ended(o.state);
                    r.progress = Some(o.progress.clone());
                    r.journal = o.journal.clone();
                    r.report = Some(o.report.clone());
                    if script.is_some() {
                        r.script = script;
                    }
                });
            }
            Err(problem) => st.update_run(|r| r.phase = Phase::Error(problem)),
        }
    });
}

/// A script-mode run's PowerShell for what it left, or why it can't be written.
#[cfg(target_arch = "wasm32")]
pub(super) type Script = Option<Result<String, ImportProblem>>;

/// Runs `saved`'s plan in `session`'s tenant, journalled in `store`: the outcome, and in
/// script mode the script for the Exchange steps it left.
#[cfg(target_arch = "wasm32")]
pub(super) async fn execute(
    session: &Session,
    saved: &SavedRun,
    store: &IdbJournalStore,
    setup: guestlist_core::engine::RunSetup<'_>,
) -> Result<(guestlist_core::run::RunOutcome, Script), ImportProblem> {
    let engine = engine_for(session, saved);
    let o = engine
        .run(
            &saved.plan,
            store,
            &BrowserClock,
            &session.activity(),
            setup.recorded_as(&saved.id),
        )
        .await
        .map_err(|e| match e {
            guestlist_core::run::RunError::Store(s) => ImportProblem::Journal(s),
            other => {
                ImportProblem::Journal(guestlist_core::run::StoreError::Write(other.to_string()))
            }
        })?;
    let script = engine
        .script(&saved.plan, &o.pending_script)
        .map_err(ImportProblem::Script)
        .transpose();
    Ok((o, script))
}

/// See [`super::renewal`]: fresh tokens for the run's resources without the admin, then the
/// run resumes; if MSAL needs the admin, the run stays paused and the page says so.
#[cfg(target_arch = "wasm32")]
fn renew_silently(
    st: ImportState,
    gate: super::renewal::SharedGate,
    reported: std::rc::Rc<std::cell::RefCell<Option<guestlist_core::run::Progress>>>,
    control: guestlist_core::run::RunControl,
    direct: bool,
    tenant: Option<String>,
    why: String,
) {
    use crate::auth::bridge;
    use guestlist_core::tenant::Resource;
    leptos::task::spawn_local(async move {
        let tenant = tenant.as_deref();
        let mut renewed = bridge::token(Resource::Graph, true, tenant)
            .await
            .map(|_| ());
        if renewed.is_ok() && direct {
            renewed = bridge::token(Resource::Exchange, true, tenant)
                .await
                .map(|_| ());
        }
        gate.end();
        match renewed {
            Ok(()) if control.is_paused() && !control.is_cancelled() => {
                leptos::logging::log!("import: token refused ({why}); renewed silently, resuming");
                control.resume();
            }
            Ok(()) => {}
            Err(e) => {
                leptos::logging::warn!("import: token refused ({why}); silent renewal failed: {e}");
                // The page showed "Running" while renewing: now the real state.
                let last = reported.borrow().clone();
                st.update_run(|r| r.progress = last);
            }
        }
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn run(st: ImportState, _session: Session, _saved: SavedRun, _fresh: bool) {
    // Natively the UI is only type-checked: there is no IndexedDB to journal in.
    st.update_run(|r| {
        r.phase = Phase::Error(ImportProblem::Journal(
            guestlist_core::run::StoreError::Write("no IndexedDB outside the browser".into()),
        ))
    });
}

/// After a reload: shows the unfinished run, ready to resume.
pub fn find_interrupted(st: ImportState) {
    super::tenants::find_interrupted(st.clone());
    #[cfg(target_arch = "wasm32")]
    {
        let Some(id) = CURRENT_RUN.get() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match IdbJournalStore::open::<SavedRun>(&id).await {
                Ok((_, saved, journal)) => {
                    st.run.set(Some(RunInfo::interrupted(saved, journal)));
                }
                Err(e) => {
                    leptos::logging::warn!("the interrupted import can't be read: {e}");
                    CURRENT_RUN.set(None);
                }
            }
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = st;
}

/// Script mode's Verify: fresh Graph reads, each operation marked done or missing; what is
/// done is journalled (and recorded as confirmed), then the run resumes for the Graph steps
/// that waited on the script.
pub fn verify(st: ImportState, session: Session) {
    let Some(info) = st.run.get_untracked() else {
        return;
    };
    if !in_planned_tenant(&st, &session, &info.saved) {
        return;
    }
    leptos::task::spawn_local(async move {
        match verify_run(&session, &info.saved).await {
            Ok(v) => {
                st.update_run(|r| r.verified(&v));
                resume(st, session);
            }
            Err(e) => st.update_run(|r| r.verify = Some(Err(e))),
        }
    });
}

/// Script mode's Verify of `saved`'s run in `session`'s tenant: fresh Graph reads, what is now
/// done journalled.
#[cfg(target_arch = "wasm32")]
pub(super) async fn verify_run(
    session: &Session,
    saved: &SavedRun,
) -> Result<guestlist_core::engine::Verification, ImportProblem> {
    use guestlist_core::engine::EngineError;
    let (store, _, _) = IdbJournalStore::open::<SavedRun>(&saved.id)
        .await
        .map_err(ImportProblem::Journal)?;
    engine_for(session, saved)
        .verify(
            &saved.plan,
            &store,
            &BrowserClock,
            &session.activity(),
            Some(&saved.id),
        )
        .await
        .map_err(|e| match e {
            EngineError::Tenant(t) => tenant(&t),
            EngineError::Store(s) => ImportProblem::Journal(s),
            other => {
                ImportProblem::Journal(guestlist_core::run::StoreError::Read(other.to_string()))
            }
        })
}

#[cfg(not(target_arch = "wasm32"))]
pub(super) async fn verify_run(
    _session: &Session,
    _saved: &SavedRun,
) -> Result<guestlist_core::engine::Verification, ImportProblem> {
    Err(ImportProblem::Journal(
        guestlist_core::run::StoreError::Read("no IndexedDB outside the browser".into()),
    ))
}

/// "Retry failed rows": re-reads the tenant and re-plans only the rows that failed, then shows
/// that plan for review.
pub fn retry_failed(st: ImportState, session: Session) {
    let Some(info) = st.run.get_untracked() else {
        return;
    };
    if !in_planned_tenant(&st, &session, &info.saved) {
        return;
    }
    let rows = guestlist_core::domain::journal::failed_rows(&info.saved.plan, &info.journal);
    let desired: Vec<Desired> = info
        .saved
        .desired
        .iter()
        .filter(|d| rows.contains(&d.row))
        .cloned()
        .collect();
    st.planning.set(true);
    // The finished run's plan is still in `planned`: without this, the page would show it,
    // with its "Start the run", until the re-plan arrives.
    st.planned.set(None);
    st.declined.set(Vec::new());
    CURRENT_RUN.set(None);
    st.run.set(None);
    let ids: Vec<GroupId> = info
        .saved
        .plan
        .groups
        .iter()
        .map(|g| GroupId(g.id.clone()))
        .collect();
    leptos::task::spawn_local(async move {
        // The groups are read again, not taken from the first plan: the run may have changed
        // them (opened to external senders), and so may anyone since. After a reload the
        // wizard's chosen groups are empty, so they are refilled from these reads.
        let result = async {
            let mut groups = Vec::with_capacity(ids.len());
            for id in &ids {
                groups.push(session.graph.get_group(id).await?);
            }
            st.groups.set(groups.clone());
            make_plan(&session, &groups, desired).await
        }
        .await;
        st.planned.set(Some(result.map_err(|e| tenant(&e))));
        st.planning.set(false);
    });
}

/// Forgets the finished (or abandoned) run and starts over.
pub fn new_import(st: ImportState) {
    super::tenants::forget(&st);
    CURRENT_RUN.set(None);
    st.run.set(None);
    st.planned.set(None);
}

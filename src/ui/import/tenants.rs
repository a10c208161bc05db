//! A partner's import into several tenants (GDAP): a CSV with a tenant column. The rows are
//! split by tenant ([`crate::tenancy::split_by_tenant`]); each tenant gets its own plan from
//! its own reads and its own run, in a session made for that tenant (its tokens, its mode
//! probe), one tenant after the other. A tenant where Guestlist isn't consented yet is reported
//! with its consent link, and the others still run.
//!
//! Each tenant's run is an ordinary run ([`RunInfo`]: a [`SavedRun`], which names its tenant,
//! with its own journal in IndexedDB), planned without the group fixes the admin unticked in
//! that tenant's preview; in script mode it has its script and the single-tenant import's
//! Verify, in that tenant's session. The run under way takes the page's Pause, Resume and
//! Cancel. `localStorage` lists the runs of the import, so after a reload each tenant's part is
//! resumed in that tenant, whichever tenant the header shows.

use super::driver::{make_plan, tenant as refusal};
use super::state::{ImportProblem, ImportState, Phase, Planned, RunInfo, SavedRun};
use crate::tenancy::{consent_missing, split_by_tenant, TenantChoice};
use crate::ui::runs::{new_run_id, now_iso};
use crate::ui::session::Session;
use crate::ui::tenants::{not_consented, OtherSessions};
use guestlist_core::domain::plan::{Desired, OpId};
use guestlist_core::tenant::Group;
use leptos::prelude::*;

/// `localStorage` key listing the runs of a partner's import that hasn't finished.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
const CURRENT_RUNS_KEY: &str = "guestlist.import.runs";

/// What became of one tenant's share when it was planned.
#[derive(Debug, Clone, PartialEq)]
pub enum PartPlan {
    Planned(Planned),
    /// No group was chosen in this tenant.
    NoGroups,
    /// Guestlist isn't consented in this tenant yet (AADSTS65001).
    NotConsented,
    Failed(ImportProblem),
}

/// One tenant's share of the import.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantPart {
    pub tenant: TenantChoice,
    pub desired: Vec<Desired>,
    pub plan: PartPlan,
    /// The group fixes the admin unticked in this tenant's preview (all are offered ticked).
    pub declined: ArcRwSignal<Vec<OpId>>,
    /// The tenant's run: an ordinary run, as the single-tenant import's (in script mode with
    /// its script and Verify).
    pub run: Option<RunInfo>,
}

impl ImportState {
    fn update_part(&self, index: usize, f: impl FnOnce(&mut RunInfo)) {
        self.parts.update(|parts| {
            if let Some(run) = parts
                .as_mut()
                .and_then(|p| p.get_mut(index))
                .and_then(|p| p.run.as_mut())
            {
                f(run)
            }
        });
    }
}

/// The tenants a partner's file names, in the switcher's order (tracked); empty for a file
/// without a tenant column.
pub fn file_tenants(st: ImportState) -> Memo<Vec<TenantChoice>> {
    let choices = use_context::<crate::ui::tenants::Tenants>().map(|t| t.choices);
    Memo::new(move |_| {
        let Some(choices) = choices.filter(|_| st.by_tenant()) else {
            return Vec::new();
        };
        st.validated
            .with(|v| match v {
                Some(Ok(v)) => choices.with(|c| split_by_tenant(v, c).0),
                _ => Vec::new(),
            })
            .into_iter()
            .map(|share| share.tenant)
            .collect()
    })
}

/// "Prepare the plan" for a file with a tenant column: each tenant's rows planned in that
/// tenant, against the groups chosen there.
pub fn prepare(
    st: ImportState,
    current: Session,
    reach: OtherSessions,
    choices: Vec<TenantChoice>,
) {
    let Some(Ok(validated)) = st.validated.get_untracked() else {
        return;
    };
    let (shares, _unknown) = split_by_tenant(&validated, &choices);
    let groups = st.tenant_groups.get_untracked();
    st.planning.set(true);
    st.parts.set(None);
    leptos::task::spawn_local(async move {
        let mut parts = Vec::with_capacity(shares.len());
        for share in shares {
            let chosen: Vec<Group> = groups
                .iter()
                .filter(|(t, _)| t.id == share.tenant.id)
                .map(|(_, g)| g.clone())
                .collect();
            let planned = match reach.session(&current, &share.tenant).await {
                Ok(session) if not_consented(&session) => Err(None),
                Ok(_) if chosen.is_empty() => Ok(None),
                Ok(session) => make_plan(&session, &chosen, share.desired.clone())
                    .await
                    .map(Some)
                    .map_err(Some),
                Err(e) => Err(Some(e)),
            };
            let plan = match planned {
                Ok(Some(p)) => PartPlan::Planned(p),
                Ok(None) => PartPlan::NoGroups,
                Err(None) => PartPlan::NotConsented,
                Err(Some(e)) if consent_missing(&e) => PartPlan::NotConsented,
                Err(Some(e)) => PartPlan::Failed(refusal(&e)),
            };
            parts.push(TenantPart {
                tenant: share.tenant,
                desired: share.desired,
                plan,
                declined: ArcRwSignal::new(Vec::new()),
                run: None,
            });
        }
        st.parts.set(Some(parts));
        st.planning.set(false);
    });
}

/// Starts every planned tenant's run, one tenant after the other.
pub fn start(st: ImportState, current: Session, reach: OtherSessions) {
    let Some(mut parts) = st.parts.get_untracked() else {
        return;
    };
    leptos::task::spawn_local(async move {
        for part in parts.iter_mut() {
            let PartPlan::Planned(planned) = &part.plan else {
                continue;
            };
            // The mode of the tenant's own session decides direct or script mode.
            let direct = match reach.session(&current, &part.tenant).await {
                Ok(s) => s.is_direct(),
                Err(_) => false,
            };
            part.run = Some(RunInfo::starting(SavedRun {
                id: new_run_id_for(&part.tenant),
                plan: planned
                    .plan
                    .clone()
                    .for_bulk_run(&part.declined.get_untracked()),
                desired: planned.desired.clone(),
                direct,
                started_at: now_iso(),
                signed_in_as: current.account.username.clone(),
                tenant_id: planned.tenant_id.clone(),
            }));
        }
        // Every tenant's plan and journal are kept before the first run starts: a reload
        // during one tenant's run finds the tenants still waiting too.
        for part in parts.iter_mut() {
            if let Some(run) = part.run.as_mut() {
                if let Err(e) = create_journal(&run.saved).await {
                    run.phase = Phase::Error(ImportProblem::Journal(e));
                }
            }
        }
        set_current(&parts);
        st.parts.set(Some(parts));
        run_all(st, current, reach).await;
    });
}

#[cfg(target_arch = "wasm32")]
async fn create_journal(saved: &SavedRun) -> Result<(), guestlist_core::run::StoreError> {
    crate::ui::runs::idb::IdbJournalStore::create(&saved.id, saved)
        .await
        .map(|_| ())
}

#[cfg(not(target_arch = "wasm32"))]
async fn create_journal(_: &SavedRun) -> Result<(), guestlist_core::run::StoreError> {
    Err(guestlist_core::run::StoreError::Write(
        "no IndexedDB outside the browser".into(),
    ))
}

/// A run id unique within the import (several runs start in the same millisecond).
fn new_run_id_for(tenant: &TenantChoice) -> String {
    format!("{}-{}", new_run_id("run"), tenant.id)
}

/// Whether a tenant's run can be resumed: found after a reload, or stopped.
pub fn resumable(phase: &Phase) -> bool {
    matches!(
        phase,
        Phase::Interrupted | Phase::Ended(guestlist_core::run::RunState::Cancelled)
    )
}

/// "Resume the import" after a reload or a stop: each tenant's unfinished part, in that
/// tenant.
pub fn resume(st: ImportState, current: Session, reach: OtherSessions) {
    st.parts.update(|parts| {
        for run in parts.iter_mut().flatten().filter_map(|p| p.run.as_mut()) {
            if resumable(&run.phase) {
                run.phase = Phase::Starting;
            }
        }
    });
    leptos::task::spawn_local(run_all(st, current, reach));
}

/// Script mode's Verify for tenant part `index`, in that tenant's session: the single-tenant
/// import's ([`RunInfo::verified`]), then that tenant's run resumes for the steps that waited
/// on the script.
pub fn verify(st: ImportState, current: Session, reach: OtherSessions, index: usize) {
    let Some(part) = st
        .parts
        .with_untracked(|p| p.as_ref().and_then(|p| p.get(index)).cloned())
    else {
        return;
    };
    let Some(run) = part.run else { return };
    leptos::task::spawn_local(async move {
        let verified = match reach.session(&current, &part.tenant).await {
            Ok(session) => super::driver::verify_run(&session, &run.saved)
                .await
                .map(|v| (session, v)),
            Err(e) => Err(refusal(&e)),
        };
        match verified {
            Ok((session, v)) => {
                st.update_part(index, |r| {
                    r.verified(&v);
                    r.phase = Phase::Starting;
                });
                let _ = run_part(&st, index, &session, &run.saved).await;
                forget_when_finished(&st);
            }
            Err(e) => st.update_part(index, |r| r.verify = Some(Err(e))),
        }
    });
}

/// Runs every part that is starting, in order, each with its tenant's session.
async fn run_all(st: ImportState, current: Session, reach: OtherSessions) {
    let parts = st.parts.get_untracked().unwrap_or_default();
    for (index, part) in parts.iter().enumerate() {
        let Some(run) = part.run.as_ref().filter(|r| r.phase == Phase::Starting) else {
            continue;
        };
        let stopped = match reach.session(&current, &part.tenant).await {
            Ok(session) => run_part(&st, index, &session, &run.saved).await,
            Err(e) => {
                st.update_part(index, |r| r.phase = Phase::Error(refusal(&e)));
                false
            }
        };
        if stopped {
            // The admin cancelled: the tenants still waiting wait for "Resume the import".
            st.parts.update(|parts| {
                for run in parts.iter_mut().flatten().filter_map(|p| p.run.as_mut()) {
                    if run.phase == Phase::Starting {
                        run.phase = Phase::Interrupted;
                    }
                }
            });
            break;
        }
    }
    forget_when_finished(&st);
}

/// Once every tenant's run has finished with nothing left to a script, a reload no longer
/// offers the import to resume.
fn forget_when_finished(st: &ImportState) {
    let finished = st.parts.with_untracked(|parts| {
        parts
            .iter()
            .flatten()
            .filter_map(|p| p.run.as_ref())
            .all(|r| {
                r.phase == Phase::Ended(guestlist_core::run::RunState::Finished)
                    && r.progress.as_ref().is_none_or(|p| p.pending_script == 0)
            })
    });
    if finished {
        clear_current();
    }
}

/// Runs part `index` in `session`'s tenant; true when the admin cancelled it (the tenants after
/// it then wait), false when it ended otherwise or stopped for a refused token.
#[cfg(target_arch = "wasm32")]
async fn run_part(st: &ImportState, index: usize, session: &Session, saved: &SavedRun) -> bool {
    use guestlist_core::engine::RunSetup;
    use guestlist_core::run::{RunEvent, RunState};

    let store = match super::driver::open_store(saved, false).await {
        Ok(s) => s,
        Err(e) => {
            st.update_part(index, |r| r.phase = Phase::Error(ImportProblem::Journal(e)));
            return false;
        }
    };
    let control = guestlist_core::run::RunControl::new();
    // The page's Pause, Resume and Cancel act on the tenant's run under way.
    st.set_control(Some(control.clone()));
    st.update_part(index, |r| r.phase = Phase::Running);
    let events = st.clone();
    let stop = control.clone();
    let signed_out = std::rc::Rc::new(std::cell::Cell::new(false));
    let refused = signed_out.clone();
    let setup = RunSetup::default()
        .with_control(control)
        .on_event(move |e| match e {
            RunEvent::Progress(p) => {
                events.update_part(index, |r| r.progress = Some(p.clone()));
            }
            // A token refused mid-run: this tenant's run stops (journalled), and "Resume the
            // import" goes on with fresh tokens; the other tenants still run.
            RunEvent::NeedsSignIn { .. } => {
                refused.set(true);
                stop.cancel()
            }
            _ => {}
        });
    let outcome = super::driver::execute(session, saved, &store, setup).await;
    st.set_control(None);
    let stopped =
        matches!(&outcome, Ok((o, _)) if o.state == RunState::Cancelled) && !signed_out.get();
    match outcome {
        Ok((o, script)) => st.update_part(index, |r| {
            r.phase = Phase::Ended(o.state);
            r.progress = Some(o.progress.clone());
            r.journal = o.journal.clone();
            r.report = Some(o.report.clone());
            // Resumed after Verify with nothing left to script: the script stays on screen
            // with Verify's result, as in the single-tenant import.
            if script.is_some() {
                r.script = script;
            }
        }),
        Err(problem) => st.update_part(index, |r| r.phase = Phase::Error(problem)),
    }
    stopped
}

#[cfg(not(target_arch = "wasm32"))]
async fn run_part(st: &ImportState, index: usize, _: &Session, _: &SavedRun) -> bool {
    // Natively the UI is only type-checked: there is no IndexedDB to journal in.
    st.update_part(index, |r| {
        r.phase = Phase::Error(ImportProblem::Journal(
            guestlist_core::run::StoreError::Write("no IndexedDB outside the browser".into()),
        ))
    });
    false
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Points `localStorage` at the import's runs.
fn set_current(parts: &[TenantPart]) {
    let ids: Vec<&str> = parts
        .iter()
        .filter_map(|p| p.run.as_ref().map(|r| r.saved.id.as_str()))
        .collect();
    if let (Some(s), Ok(json)) = (local_storage(), serde_json::to_string(&ids)) {
        let _ = s.set_item(CURRENT_RUNS_KEY, &json);
    }
}

fn clear_current() {
    if let Some(s) = local_storage() {
        let _ = s.remove_item(CURRENT_RUNS_KEY);
    }
}

/// Forgets the partner's import (a new import begins).
pub fn forget(st: &ImportState) {
    clear_current();
    st.parts.set(None);
    st.tenant_groups.set(Vec::new());
}

/// After a reload: the partner's unfinished import, each tenant's part ready to resume. The
/// tenant's name comes from the header's list when it is there, else its id stands in.
pub fn find_interrupted(st: ImportState) {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(ids) = local_storage()
            .and_then(|s| s.get_item(CURRENT_RUNS_KEY).ok().flatten())
            .and_then(|json| serde_json::from_str::<Vec<String>>(&json).ok())
        else {
            return;
        };
        let choices = use_context::<crate::ui::tenants::Tenants>().map(|t| t.choices);
        leptos::task::spawn_local(async move {
            let mut parts = Vec::with_capacity(ids.len());
            for id in ids {
                match crate::ui::runs::idb::IdbJournalStore::open::<SavedRun>(&id).await {
                    Ok((_, saved, journal)) => {
                        let known = choices.and_then(|c| {
                            c.get_untracked()
                                .into_iter()
                                .find(|c| c.id.eq_ignore_ascii_case(&saved.tenant_id))
                        });
                        let tenant = known.unwrap_or_else(|| TenantChoice {
                            id: saved.tenant_id.clone(),
                            name: saved.tenant_id.clone(),
                            home: false,
                            domain: None,
                        });
                        parts.push(TenantPart {
                            tenant,
                            desired: saved.desired.clone(),
                            plan: PartPlan::Planned(Planned {
                                plan: saved.plan.clone(),
                                desired: saved.desired.clone(),
                                tenant_id: saved.tenant_id.clone(),
                            }),
                            declined: ArcRwSignal::new(Vec::new()),
                            run: Some(RunInfo::interrupted(saved, journal)),
                        });
                    }
                    Err(e) => leptos::logging::warn!("a tenant's interrupted import: {e}"),
                }
            }
            if parts.is_empty() {
                clear_current();
            } else {
                st.parts.set(Some(parts));
            }
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = st;
}

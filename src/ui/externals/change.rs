//! A change to one person (or a restore from the Activity page) through the change engine: the
//! plan previewed → run (in script mode the Exchange steps as the script, then Verify) → a line
//! per operation, recorded in Activity. Deleting and restoring guests and writing their end date
//! need `User.ReadWrite.All`, asked by incremental consent the first time (as opening a Microsoft
//! 365 group asks `Group.ReadWrite.All`): the run stops before anything changes, the panel says
//! why and asks consent in a popup from the admin's click, then goes on with the same journal.

use crate::auth::{BridgeError, Need};
use crate::i18n::{plural, use_i18n};
use crate::platform::BrowserClock;
use crate::ui::components::TextFn;
use crate::ui::groups::run_result::{op_lines, OpLine, OpLines, ScriptAndVerify};
use crate::ui::groups::{explain, tx, FailureView};
use crate::ui::session::Session;
use guestlist_core::domain::group::MemberKind;
use guestlist_core::domain::journal::{Failure, FailureKind, Service};
use guestlist_core::domain::plan::{OpId, Operation, Plan};
use guestlist_core::engine::RunNow;
use guestlist_core::run::{MemoryJournalStore, RunError};
use guestlist_core::tenant::{AuthError, Resource, TenantError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use std::rc::Rc;
use std::sync::Arc;

/// A run's journal kept for Verify and for going on after consent.
type Store = SendWrapper<Rc<MemoryJournalStore>>;

/// Where a change stands.
#[derive(Clone)]
pub enum Change {
    Idle,
    Preview(Arc<Plan>),
    Running,
    /// Stopped before the operations that need `User.ReadWrite.All`: consent first.
    NeedsConsent(Arc<Plan>, Store),
    Finished(Arc<Ran>),
    Failed(Failure),
}

/// A finished run.
pub struct Ran {
    plan: Arc<Plan>,
    lines: Vec<(OpId, OpLine)>,
    script: Option<String>,
    store: Store,
}

/// Whether the operation writes users through Graph (`User.ReadWrite.All`).
pub fn writes_users(op: &Operation) -> bool {
    matches!(
        op,
        Operation::DeleteGuest { .. }
            | Operation::RestoreGuest { .. }
            | Operation::SetAccessUntil {
                kind: MemberKind::Guest | MemberKind::MemberUser,
                ..
            }
    )
}

/// Asks the admin to consent to `User.ReadWrite.All` in MSAL's popup (call it from a click, so
/// the browser lets the popup open): `Ok(true)` once consented, `Ok(false)` if the admin closed
/// the popup, else why it failed.
pub async fn consent_to_people() -> Result<bool, Failure> {
    let scopes = crate::auth::scopes::when_needed_scopes(Resource::Graph, Need::People);
    match crate::auth::bridge::consent(&scopes).await {
        Ok(_) => Ok(true),
        Err(BridgeError::Cancelled { .. }) => Ok(false),
        Err(e) => Err(explain(
            Service::Graph,
            &TenantError::from(AuthError::from(e)),
        )),
    }
}

/// Why the run stopped for `User.ReadWrite.All`, "Consent and go on", and a way out (`leave`).
#[component]
pub fn ConsentNeeded(
    on_consent: impl Fn() + Send + Sync + 'static,
    on_leave: impl Fn() + Send + Sync + 'static,
    /// The way out's label.
    leave: TextFn,
) -> impl IntoView {
    view! {
        <p class="notice" role="status">{tx(|t| t.externals().needs_people_consent)}</p>
        <div class="actions">
            <button type="button" class="button button--primary" on:click=move |_| on_consent()>
                {tx(|t| t.externals().consent_button)}
            </button>
            <button type="button" class="button" on:click=move |_| on_leave()>{tx(leave)}</button>
        </div>
    }
}

/// How a run that may need `User.ReadWrite.All` came back.
pub enum PeopleRun {
    Ran(Box<RunNow>),
    /// Stopped before what needs `User.ReadWrite.All` was sent: the journal so far, to go on
    /// from once the admin has consented.
    NeedsConsent(MemoryJournalStore),
}

/// Runs `plan` now (going on from `again`'s journal) with the Graph client that holds
/// `User.ReadWrite.All` where the plan needs it (deleting or restoring guests, their end dates).
/// A token without that permission stops the run for consent: the add dialog, a person's page
/// and the import's plan all ask it this way.
pub async fn run_now_for_people(
    session: &Session,
    plan: &Plan,
    again: Option<MemoryJournalStore>,
) -> Result<PeopleRun, RunError> {
    let people = plan.ops.iter().any(|o| writes_users(&o.op));
    let engine = if people {
        session.engine_with(&session.graph_people)
    } else {
        session.engine()
    };
    let now = engine
        .run_now(plan, again, &BrowserClock, &session.activity())
        .await?;
    Ok(match now.needs_sign_in {
        Some(_) if people => PeopleRun::NeedsConsent(now.store),
        _ => PeopleRun::Ran(Box::new(now)),
    })
}

/// Runs `plan` (going on from `again`'s journal), stopping for consent where it needs it.
async fn run(session: &Session, plan: Arc<Plan>, again: Option<MemoryJournalStore>) -> Change {
    match run_now_for_people(session, &plan, again).await {
        Err(e) => Change::Failed(Failure::new(Service::Graph, e.to_string())),
        Ok(PeopleRun::NeedsConsent(store)) => {
            Change::NeedsConsent(plan, SendWrapper::new(Rc::new(store)))
        }
        Ok(PeopleRun::Ran(now)) => {
            let lines = op_lines(
                &plan,
                &now.outcome.journal,
                &now.outcome.pending_script,
                now.needs_sign_in.as_deref(),
            );
            Change::Finished(Arc::new(Ran {
                plan,
                lines,
                script: now.script,
                store: SendWrapper::new(Rc::new(now.store)),
            }))
        }
    }
}

/// Graph refused a user write for want of an Entra role (403 `Authorization_RequestDenied`).
fn refused_for_role(ran: &Ran) -> bool {
    ran.lines.iter().any(|(id, line)| match line {
        OpLine::Failed(f) => {
            f.kind == Some(FailureKind::Forbidden)
                && ran.plan.op(*id).is_some_and(|o| writes_users(&o.op))
        }
        _ => false,
    })
}

/// The preview, the run, the consent it may need, and the report of a change in `change`.
/// `on_done` is called after a run (the page reads the person again).
#[component]
pub fn ChangePanel(
    session: Session,
    change: RwSignal<Change>,
    on_done: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let start = {
        let session = session.clone();
        let on_done = on_done.clone();
        move |plan: Arc<Plan>, again: Option<Store>, consent: bool| {
            let session = session.clone();
            let on_done = on_done.clone();
            change.set(Change::Running);
            spawn_local(async move {
                if consent {
                    match consent_to_people().await {
                        Ok(true) => {}
                        Ok(false) => {
                            let store = again.unwrap_or_else(|| SendWrapper::new(Rc::default()));
                            change.try_set(Change::NeedsConsent(plan, store));
                            return;
                        }
                        Err(f) => {
                            change.try_set(Change::Failed(f));
                            return;
                        }
                    }
                }
                let again = again.map(|s| MemoryJournalStore::with_journal(s.snapshot()));
                let next = run(&session, plan, again).await;
                let finished = matches!(next, Change::Finished(_));
                if change.try_set(next).is_none() && finished {
                    on_done();
                }
            });
        }
    };
    let body = move || match change.get() {
        Change::Idle => None,
        Change::Preview(plan) => {
            let n = plan.ops.len() as u64;
            let items = {
                let plan = plan.clone();
                move || {
                    let t = i18n.t();
                    plan.ops
                        .iter()
                        .map(|o| view! { <li>{t.operation(&plan, &o.op)}</li> })
                        .collect_view()
                }
            };
            let direct = session.is_direct() || plan.totals.exchange_ops == 0;
            let go = {
                let start = start.clone();
                move |_| start(plan.clone(), None, false)
            };
            Some(
                view! {
                    <p role="status">{move || { let t = i18n.t(); plural(&t.externals().change_preview, t.count(n), &[]) }}</p>
                    <ul class="plan-ops">{items}</ul>
                    <div class="actions">
                        <button type="button" class="button button--danger" on:click=go>
                            {move || if direct { i18n.t().externals().change_run } else { i18n.t().externals().run_script }}
                        </button>
                        <button type="button" class="button" on:click=move |_| change.set(Change::Idle)>
                            {tx(|t| t.groups().cancel)}
                        </button>
                    </div>
                }
                .into_any(),
            )
        }
        Change::Running => Some(
            view! { <p role="status" aria-busy="true">{tx(|t| t.externals().change_running)}</p> }
                .into_any(),
        ),
        Change::NeedsConsent(plan, store) => {
            let go = {
                let start = start.clone();
                move || start(plan.clone(), Some(store.clone()), true)
            };
            Some(
                view! {
                    <ConsentNeeded on_consent=go on_leave=move || change.set(Change::Idle)
                        leave=|t| t.groups().cancel/>
                }
                .into_any(),
            )
        }
        Change::Failed(f) => Some(view! { <FailureView failure=f/> }.into_any()),
        Change::Finished(ran) => {
            let role = refused_for_role(&ran);
            let script = ran.script.clone().map(|script| {
                view! {
                    <ScriptAndVerify session=session.clone() plan=ran.plan.clone() store=ran.store.clone()
                        script file_name="guestlist-person.ps1".to_owned() intro=|t| t.externals().script_intro/>
                }
            });
            Some(
                view! {
                    <h3>{tx(|t| t.externals().change_heading)}</h3>
                    <OpLines plan=ran.plan.clone() lines=ran.lines.clone()/>
                    {role.then(|| view! { <p class="failure" role="alert">{tx(|t| t.externals().forbidden_users)}</p> })}
                    {script}
                }
                .into_any(),
            )
        }
    };
    view! { <div class="change">{body}</div> }
}

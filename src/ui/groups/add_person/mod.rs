//! Add an external person to one group: one dialog, routed by the group's kind.
//!
//! 1. The form: address (validated by `domain::person`; IDN addresses accepted), display name,
//!    optional first/last name and company, "hide from address lists" (on by default: the
//!    contact exists so that group mail reaches the person, not to appear in every employee's
//!    address book), and for Microsoft 365 groups whether Microsoft sends its invitation mail.
//! 2. The change engine (`guestlist_core::engine`) with one row: its reads for this person (the
//!    members the page already listed are not read again) → the plan in words, *before*
//!    anything changes.
//! 3. `Engine::run_now` carries it out, journalled in memory and recorded in the activity log;
//!    each step ends done, skipped or failed (with the service's request id). Script mode: the
//!    Graph steps run, the Exchange steps become the idempotent script, then **Verify**
//!    (`Engine::verify`) re-reads through Graph and marks each step done or still missing.

pub(crate) mod finished;
mod review;

use finished::{finished, not_run, Finished, FinishedView, OpLine};
use review::ReviewView;

use crate::i18n::{fill, use_i18n, Texts};
use crate::probe::Mode;
use crate::ui::externals::{consent_to_people, run_now_for_people, ConsentNeeded, PeopleRun};
use crate::ui::groups::dialog::{focus_soon, Modal};
use crate::ui::groups::members::MemberRow;
use crate::ui::groups::tx;
use crate::ui::groups::{explain, FailureView, GroupInfo};
use crate::ui::session::Session;
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::domain::person::PersonInput;
use guestlist_core::domain::plan::{Desired, Operation, Plan, PlanOptions};
use guestlist_core::run::MemoryJournalStore;
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

/// Where the dialog stands.
#[derive(Clone)]
enum Stage {
    Form,
    Planning,
    Review(Arc<Plan>),
    Running,
    /// Stopped before a guest's end date was written: `User.ReadWrite.All` is consented first,
    /// then the run goes on with its journal.
    NeedsConsent(Arc<Plan>, SendWrapper<Rc<MemoryJournalStore>>),
    Finished(Arc<Finished>),
}

/// The dialog. `on_close(changed)` is called when it closes; `changed` when the run changed
/// anything (the page then reloads the members).
#[component]
pub fn AddPersonDialog(
    session: Session,
    info: GroupInfo,
    members: RwSignal<Vec<MemberRow>>,
    external: RwSignal<ExternalSenders>,
    on_close: impl Fn(bool) + Clone + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let stage = RwSignal::new(Stage::Form);
    let email = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let company = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let hide = RwSignal::new(true);
    let send_invitation = RwSignal::new(false);
    let open_external = RwSignal::new(false);
    let allow_listed = RwSignal::new(false);
    let errors = RwSignal::new(Vec::<String>::new());
    let failure = RwSignal::new(None::<Failure>);
    let changed = StoredValue::new(false);
    let kind = info.target.kind;
    let first_field = NodeRef::<leptos::html::Input>::new();
    // Each step replaces the dialog's content (and the button that had focus): focus goes to
    // the new step's heading or first field, so keyboard and screen reader users follow.
    Effect::new(move |_| {
        let target = match stage.get() {
            Stage::Form => "#add-email",
            Stage::Planning | Stage::Running | Stage::NeedsConsent(..) => "#add-title",
            Stage::Review(_) => "#plan-heading",
            Stage::Finished(_) => "#result-heading",
        };
        focus_soon(target);
    });

    let review = {
        let session = session.clone();
        let info = info.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            failure.set(None);
            let input = PersonInput {
                email: email.get_untracked(),
                display_name: display_name.get_untracked(),
                first_name: first_name.get_untracked(),
                last_name: last_name.get_untracked(),
                company: company.get_untracked(),
                access_until: until.get_untracked(),
            };
            let person = match input.validate() {
                Ok(p) => p,
                Err(problems) => {
                    errors.set(
                        problems
                            .iter()
                            .map(|e| i18n.t().person().field_error(e))
                            .collect(),
                    );
                    return;
                }
            };
            errors.set(Vec::new());
            stage.set(Stage::Planning);
            let session = session.clone();
            let mut info = info.clone();
            info.target.external_senders = external.get_untracked();
            let options = PlanOptions {
                hide_contacts: hide.get_untracked(),
                send_invitation: send_invitation.get_untracked(),
                access_until_attribute: crate::ui::externals::access_attribute(),
                ..PlanOptions::default()
            };
            // The members the page has just listed: the group isn't read again for them.
            let ids: HashSet<String> = members
                .try_with_untracked(|m| m.iter().map(|r| r.id.clone()).collect())
                .unwrap_or_default();
            spawn_local(async move {
                let desired = [Desired {
                    row: 1,
                    person: Ok(person),
                }];
                let known = HashMap::from([(info.target.id.clone(), ids)]);
                let planned = session
                    .engine()
                    .plan_adds_knowing(
                        std::slice::from_ref(&info.target),
                        &desired,
                        &options,
                        known,
                    )
                    .await;
                match planned {
                    Ok(p) => {
                        stage.try_set(Stage::Review(Arc::new(p)));
                    }
                    Err(e) => {
                        failure.try_set(Some(explain(Service::Graph, &e)));
                        stage.try_set(Stage::Form);
                    }
                }
            });
        }
    };

    // Runs the reviewed plan (`again`: going on with a stopped run's journal, after `consent`).
    let run = {
        let session = session.clone();
        move |p: Arc<Plan>, again: Option<SendWrapper<Rc<MemoryJournalStore>>>, consent: bool| {
            let session = session.clone();
            stage.set(Stage::Running);
            spawn_local(async move {
                if consent {
                    match consent_to_people().await {
                        Ok(true) => {}
                        Ok(false) => {
                            let store = again.unwrap_or_else(|| SendWrapper::new(Rc::default()));
                            stage.try_set(Stage::NeedsConsent(p, store));
                            return;
                        }
                        Err(f) => {
                            stage.try_set(Stage::Finished(Arc::new(not_run(
                                (*p).clone(),
                                &f.message,
                            ))));
                            return;
                        }
                    }
                }
                let again = again.map(|s| MemoryJournalStore::with_journal(s.snapshot()));
                // A guest's end date needs User.ReadWrite.All: asked here the first time.
                let finished = match run_now_for_people(&session, &p, again).await {
                    Ok(PeopleRun::Ran(run)) => finished((*p).clone(), *run),
                    Ok(PeopleRun::NeedsConsent(store)) => {
                        stage.try_set(Stage::NeedsConsent(p, SendWrapper::new(Rc::new(store))));
                        return;
                    }
                    Err(e) => not_run((*p).clone(), &e),
                };
                let any_change = finished
                    .results
                    .iter()
                    .any(|(_, l)| matches!(l, OpLine::Done));
                if any_change {
                    changed.try_set_value(true);
                }
                let opened = finished.results.iter().any(|(id, l)| {
                    matches!(l, OpLine::Done | OpLine::AlreadyDone)
                        && matches!(
                            finished.plan.op(*id).map(|o| &o.op),
                            Some(Operation::OpenExternalSenders { .. })
                        )
                });
                if opened {
                    external.try_set(ExternalSenders::Allowed);
                }
                stage.try_set(Stage::Finished(Arc::new(finished)));
            });
        }
    };

    // Views must be Send; the callback may hold page state that isn't.
    let on_close = send_wrapper::SendWrapper::new(on_close);
    let close = {
        let on_close = on_close.clone();
        move || (*on_close)(changed.get_value())
    };
    // Escape closes, except while the tenant is being read or changed.
    let can_close =
        Signal::derive(move || !matches!(stage.get(), Stage::Running | Stage::Planning));
    let title = {
        let name = info.target.name.clone();
        move || fill(i18n.t().groups().add_title, &[("group", &name)])
    };

    let field = move |id: &'static str,
                      label: fn(&'static Texts) -> &'static str,
                      value: RwSignal<String>,
                      kind: &'static str,
                      node: Option<NodeRef<leptos::html::Input>>| {
        let input = match node {
            Some(n) => view! {
                <input id=id type=kind autocomplete="off" node_ref=n required=true autofocus=true
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            }
            .into_any(),
            None => view! {
                <input id=id type=kind autocomplete="off"
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            }
            .into_any(),
        };
        view! {
            <div class="field">
                <label for=id>{move || label(i18n.t())}</label>
                {input}
            </div>
        }
    };

    let body = {
        let info = info.clone();
        let session = session.clone();
        let close = close.clone();
        move || {
            let close = close.clone();
            match stage.get() {
            Stage::Form | Stage::Planning => {
                let planning = matches!(stage.get_untracked(), Stage::Planning);
                view! {
                    <form class="add-form" on:submit=review.clone() novalidate=true>
                        <p class="hint">{move || i18n.t().groups().add_route(kind)}</p>
                        {field("add-email", |t| t.groups().field_email, email, "email", Some(first_field))}
                        {field("add-display", |t| t.groups().field_display, display_name, "text", None)}
                        {field("add-first", |t| t.groups().field_first, first_name, "text", None)}
                        {field("add-last", |t| t.groups().field_last, last_name, "text", None)}
                        {field("add-company", |t| t.groups().field_company, company, "text", None)}
                        {field("add-until", |t| t.person().field_until, until, "date", None)}
                        {(kind != GroupKind::Microsoft365).then(|| view! {
                            <div class="field field--check">
                                <input id="add-hide" type="checkbox" prop:checked=move || hide.get()
                                    on:change=move |ev| hide.set(event_target_checked(&ev))/>
                                <label for="add-hide">{tx(|t| t.groups().field_hide)}</label>
                                <p class="hint">{tx(|t| t.groups().field_hide_why)}</p>
                            </div>
                        })}
                        {(kind == GroupKind::Microsoft365).then(|| view! {
                            <div class="field field--check">
                                <input id="add-invite" type="checkbox" prop:checked=move || send_invitation.get()
                                    on:change=move |ev| send_invitation.set(event_target_checked(&ev))/>
                                <label for="add-invite">{tx(|t| t.groups().field_send_invitation)}</label>
                            </div>
                        })}
                        {move || {
                            let list = errors.get();
                            (!list.is_empty()).then(|| view! {
                                <ul class="form-errors" role="alert">
                                    {list.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}
                                </ul>
                            })
                        }}
                        {move || failure.get().map(|f| view! { <FailureView failure=f/> })}
                        <div class="actions">
                            <button type="submit" class="button button--primary" disabled=planning>
                                {tx(|t| t.groups().review_plan)}
                            </button>
                            <button type="button" class="button" on:click=move |_| close()>
                                {tx(|t| t.groups().cancel)}
                            </button>
                        </div>
                        {planning.then(|| view! { <p role="status" aria-busy="true">{tx(|t| t.groups().planning)}</p> })}
                    </form>
                }
                .into_any()
            }
            Stage::Review(p) => {
                let run = run.clone();
                let p_run = p.clone();
                let direct = session.mode() == Some(Mode::Direct);
                view! { <ReviewView plan=p direct=direct open_external=open_external allow_listed=allow_listed/>
                    <div class="actions">
                        {
                            let nothing = p_run.ops.iter().all(|o| o.optional);
                            // The optional changes the admin kept.
                            let chosen = move || {
                                let (keep_open, keep_listed) =
                                    (open_external.get_untracked(), allow_listed.get_untracked());
                                Arc::new((*p_run).clone().without_optional(|o| match o.op {
                                    Operation::EditSenderList { .. } => keep_listed,
                                    _ => keep_open,
                                }))
                            };
                            (!nothing).then(|| view! {
                                <button type="button" class="button button--primary" on:click=move |_| run(chosen(), None, false)>
                                    {move || if direct { i18n.t().groups().make_changes } else { i18n.t().groups().make_changes_script }}
                                </button>
                            })
                        }
                        <button type="button" class="button" on:click=move |_| stage.set(Stage::Form)>
                            {tx(|t| t.groups().back)}
                        </button>
                        <button type="button" class="button" on:click=move |_| close()>
                            {tx(|t| t.groups().close)}
                        </button>
                    </div>
                }
                .into_any()
            }
            Stage::Running => view! {
                <p role="status" aria-busy="true">{tx(|t| t.groups().running)}</p>
            }
            .into_any(),
            Stage::NeedsConsent(p, store) => {
                let run = run.clone();
                view! {
                    <ConsentNeeded on_consent=move || run(p.clone(), Some(store.clone()), true)
                        on_leave=move || close() leave=|t| t.groups().close/>
                }
                .into_any()
            }
            Stage::Finished(f) => view! {
                <FinishedView session=session.clone() finished=f info=info.clone()/>
                <div class="actions">
                    <button type="button" class="button button--primary" on:click=move |_| close()>
                        {tx(|t| t.groups().close)}
                    </button>
                </div>
            }
            .into_any(),
        }
        }
    };

    view! {
        <Modal labelled_by="add-title" class="dialog--wide" can_close on_close=close>
            <h2 id="add-title" tabindex="-1">{title}</h2>
            {body}
        </Modal>
    }
}

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

use super::dialog::{focus_soon, Modal};
use super::members::MemberRow;
use super::{explain, kind_label, FailureView, GroupInfo, ScriptBox};
use crate::activity::LocalActivity;
use crate::i18n::{fill, use_i18n, Texts};
use crate::platform::BrowserClock;
use crate::probe::Mode;
use crate::ui::groups::tx;
use crate::ui::session::Session;
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::journal::{Failure, OpResult, Service};
use guestlist_core::domain::person::PersonInput;
use guestlist_core::domain::plan::{
    Desired, GroupWarning, OpId, Operation, Plan, PlanOptions, SkipReason, Step,
};
use guestlist_core::domain::verify::Verified;
use guestlist_core::engine::{EngineError, RunNow};
use guestlist_core::run::MemoryJournalStore;
use guestlist_core::tenant::TenantError;
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
    Finished(Arc<Finished>),
}

/// The result of a run, per operation.
struct Finished {
    plan: Plan,
    results: Vec<(OpId, OpLine)>,
    /// Script mode: the script for the Exchange steps.
    script: Option<String>,
    skip: Option<SkipReason>,
    /// The run's journal, which Verify reads and writes.
    store: SendWrapper<Rc<MemoryJournalStore>>,
}

#[derive(Clone, PartialEq)]
enum OpLine {
    Done,
    AlreadyDone,
    Failed(Failure),
    /// Left for the script.
    InScript,
}

/// One operation in the admin's words.
pub fn op_words(t: &Texts, plan: &Plan, op: &Operation) -> String {
    match op {
        Operation::CreateContact {
            address,
            display_name,
            hidden,
            ..
        } => {
            let base = fill(
                t.gr_op_create_contact,
                &[("name", display_name), ("address", &address.to_string())],
            );
            if *hidden {
                format!("{base} {}", t.gr_op_hidden)
            } else {
                base
            }
        }
        Operation::InviteGuest {
            address,
            send_invitation,
            ..
        } => fill(
            if *send_invitation {
                t.gr_op_invite_mail
            } else {
                t.gr_op_invite_quiet
            },
            &[("address", &address.to_string())],
        ),
        Operation::AddMember {
            group_name,
            member,
            group_id,
            ..
        } => {
            let kind = plan
                .groups
                .iter()
                .find(|g| &g.id == group_id)
                .map(|g| kind_label(t, g.kind))
                .unwrap_or_default();
            fill(
                t.gr_op_add,
                &[
                    ("address", &member.address.to_string()),
                    ("group", group_name),
                    ("kind", kind),
                ],
            )
        }
        Operation::OpenExternalSenders { group_name, .. } => {
            fill(t.gr_op_open, &[("group", group_name)])
        }
        Operation::RemoveMember { .. } => t.activity_action(&(op.into())),
    }
}

fn skip_words(t: &Texts, reason: &SkipReason, group: &str, address: &str) -> String {
    let args = [("group", group), ("address", address)];
    match reason {
        SkipReason::AlreadyMember => fill(t.gr_skip_already_member, &args),
        SkipReason::DynamicGroup => fill(t.gr_skip_dynamic, &args),
        SkipReason::OnPremisesSynced => fill(t.gr_skip_onprem, &args),
        SkipReason::ContactIntoM365 => fill(t.gr_skip_contact_m365, &args),
        other => other.to_string(),
    }
}

/// The reuse steps in words (what exists and will be used).
fn step_words(t: &Texts, step: &Step, address: &str) -> Option<String> {
    let args = [("address", address)];
    match step {
        Step::ReuseContact { .. } => Some(fill(t.gr_step_reuse_contact, &args)),
        Step::ReuseGuest { .. } => Some(fill(t.gr_step_reuse_guest, &args)),
        Step::ReuseUser { .. } => Some(fill(t.gr_step_reuse_user, &args)),
        _ => None,
    }
}

/// The run's result per operation, from the engine's answer.
fn finished(plan: Plan, run: RunNow) -> Finished {
    let skip = plan.entries.first().and_then(|e| e.skip_reason().cloned());
    let sign_in = run
        .needs_sign_in
        .as_ref()
        .map(|why| explain(Service::Graph, &TenantError::SignInAgain(why.clone())));
    let results = plan
        .ops
        .iter()
        .map(|op| {
            let line = match run.result(op.id) {
                Some(OpResult::Done { .. }) => OpLine::Done,
                Some(OpResult::AlreadyDone { .. }) => OpLine::AlreadyDone,
                Some(OpResult::Failed(f)) => OpLine::Failed(f),
                None => match &sign_in {
                    Some(f) => OpLine::Failed(f.clone()),
                    None => OpLine::InScript,
                },
            };
            (op.id, line)
        })
        .collect();
    Finished {
        plan,
        results,
        script: run.script,
        skip,
        store: SendWrapper::new(Rc::new(run.store)),
    }
}

/// The engine's failure to run at all (the in-memory journal can't fail to be written; if it
/// ever does, say so) as every operation's result.
fn not_run(plan: Plan, e: &impl std::fmt::Display) -> Finished {
    let f = Failure::new(Service::Graph, e.to_string());
    let results = plan
        .ops
        .iter()
        .map(|o| (o.id, OpLine::Failed(f.clone())))
        .collect();
    Finished {
        skip: plan.entries.first().and_then(|e| e.skip_reason().cloned()),
        plan,
        results,
        script: None,
        store: SendWrapper::new(Rc::new(MemoryJournalStore::new())),
    }
}

/// Verify's failure in the admin's words.
fn verify_failure(e: &EngineError) -> Failure {
    match e {
        EngineError::Tenant(t) => explain(Service::Graph, t),
        other => Failure::new(Service::Graph, other.to_string()),
    }
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
    let hide = RwSignal::new(true);
    let send_invitation = RwSignal::new(false);
    let open_external = RwSignal::new(false);
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
            Stage::Planning | Stage::Running => "#add-title",
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
            };
            let person = match input.validate() {
                Ok(p) => p,
                Err(problems) => {
                    errors.set(problems.iter().map(ToString::to_string).collect());
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

    let run = {
        let session = session.clone();
        move |p: Arc<Plan>| {
            let session = session.clone();
            let keep_open = open_external.get_untracked();
            let p = (*p).clone().without_optional(|_| keep_open);
            stage.set(Stage::Running);
            spawn_local(async move {
                let run = session
                    .engine()
                    .run_now(&p, None, &BrowserClock, &LocalActivity)
                    .await;
                let finished = match run {
                    Ok(run) => finished(p, run),
                    Err(e) => not_run(p, &e),
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
        move || fill(i18n.t().gr_add_title, &[("group", &name)])
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
                        <p class="hint">{move || match kind {
                            GroupKind::Microsoft365 => i18n.t().gr_add_route_guest,
                            GroupKind::Security => i18n.t().gr_add_route_security,
                            _ => i18n.t().gr_add_route_contact,
                        }}</p>
                        {field("add-email", |t| t.gr_field_email, email, "email", Some(first_field))}
                        {field("add-display", |t| t.gr_field_display, display_name, "text", None)}
                        {field("add-first", |t| t.gr_field_first, first_name, "text", None)}
                        {field("add-last", |t| t.gr_field_last, last_name, "text", None)}
                        {field("add-company", |t| t.gr_field_company, company, "text", None)}
                        {(kind != GroupKind::Microsoft365).then(|| view! {
                            <div class="field field--check">
                                <input id="add-hide" type="checkbox" prop:checked=move || hide.get()
                                    on:change=move |ev| hide.set(event_target_checked(&ev))/>
                                <label for="add-hide">{tx(|t| t.gr_field_hide)}</label>
                                <p class="hint">{tx(|t| t.gr_field_hide_why)}</p>
                            </div>
                        })}
                        {(kind == GroupKind::Microsoft365).then(|| view! {
                            <div class="field field--check">
                                <input id="add-invite" type="checkbox" prop:checked=move || send_invitation.get()
                                    on:change=move |ev| send_invitation.set(event_target_checked(&ev))/>
                                <label for="add-invite">{tx(|t| t.gr_field_send_invitation)}</label>
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
                                {tx(|t| t.gr_review_plan)}
                            </button>
                            <button type="button" class="button" on:click=move |_| close()>
                                {tx(|t| t.gr_cancel)}
                            </button>
                        </div>
                        {planning.then(|| view! { <p role="status" aria-busy="true">{tx(|t| t.gr_planning)}</p> })}
                    </form>
                }
                .into_any()
            }
            Stage::Review(p) => {
                let run = run.clone();
                let p_run = p.clone();
                let direct = session.mode() == Some(Mode::Direct);
                view! { <ReviewView plan=p direct=direct open_external=open_external/>
                    <div class="actions">
                        {
                            let nothing = p_run.ops.iter().all(|o| o.optional);
                            let p2 = p_run.clone();
                            (!nothing).then(|| view! {
                                <button type="button" class="button button--primary" on:click=move |_| run(p2.clone())>
                                    {move || if direct { i18n.t().gr_make_changes } else { i18n.t().gr_make_changes_script }}
                                </button>
                            })
                        }
                        <button type="button" class="button" on:click=move |_| stage.set(Stage::Form)>
                            {tx(|t| t.gr_back)}
                        </button>
                        <button type="button" class="button" on:click=move |_| close()>
                            {tx(|t| t.gr_close)}
                        </button>
                    </div>
                }
                .into_any()
            }
            Stage::Running => view! {
                <p role="status" aria-busy="true">{tx(|t| t.gr_running)}</p>
            }
            .into_any(),
            Stage::Finished(f) => view! {
                <FinishedView session=session.clone() finished=f info=info.clone()/>
                <div class="actions">
                    <button type="button" class="button button--primary" on:click=move |_| close()>
                        {tx(|t| t.gr_close)}
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

/// The plan in words, before anything changes.
#[component]
fn ReviewView(plan: Arc<Plan>, direct: bool, open_external: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let p = plan.clone();
    let lines = move || {
        let t = i18n.t();
        let mut out: Vec<String> = Vec::new();
        let group = &p.groups[0].name;
        for entry in &p.entries {
            let address = entry
                .address
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            for step in &entry.steps {
                match step {
                    Step::CreateContact(id) | Step::InviteGuest(id) | Step::AddMember(id) => {
                        if let Some(o) = p.op(*id) {
                            out.push(op_words(t, &p, &o.op));
                        }
                    }
                    Step::Skip(reason) => out.push(skip_words(t, reason, group, &address)),
                    other => out.extend(step_words(t, other, &address)),
                }
            }
        }
        out
    };
    let warnings = {
        let p = plan.clone();
        move || {
            let t = i18n.t();
            p.warnings
                .iter()
                .map(|w| {
                    let group = match w {
                        GroupWarning::RejectsExternalSenders { group, .. }
                        | GroupWarning::ExternalSendersUnknown { group }
                        | GroupWarning::DynamicGroup { group }
                        | GroupWarning::OnPremisesSynced { group } => p.groups[*group].name.clone(),
                        GroupWarning::GuestAddressHeldByContact { .. } => p.groups[0].name.clone(),
                    };
                    let args = [("group", group.as_str())];
                    match w {
                        GroupWarning::RejectsExternalSenders { .. } => {
                            (fill(t.gr_warn_rejects, &args), true)
                        }
                        GroupWarning::ExternalSendersUnknown { .. } => {
                            (fill(t.gr_warn_unknown, &args), false)
                        }
                        GroupWarning::DynamicGroup { .. } => {
                            (fill(t.gr_skip_dynamic, &args), false)
                        }
                        GroupWarning::OnPremisesSynced { .. } => {
                            (fill(t.gr_skip_onprem, &args), false)
                        }
                        GroupWarning::GuestAddressHeldByContact { .. } => {
                            (t.gr_warn_contact_holds_address.to_owned(), false)
                        }
                    }
                })
                .collect::<Vec<_>>()
        }
    };
    let group_name = plan.groups[0].name.clone();
    view! {
        <section class="plan" aria-labelledby="plan-heading">
            <h3 id="plan-heading" tabindex="-1">{tx(|t| t.gr_plan_heading)}</h3>
            <ol class="plan-steps">
                {move || lines().into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
            </ol>
            {move || warnings().into_iter().map(|(w, offer)| {
                let group_name = group_name.clone();
                view! {
                    <div class="warning">
                        <p>{w}</p>
                        {offer.then(|| view! {
                            <div class="field field--check">
                                <input id="add-open" type="checkbox" prop:checked=move || open_external.get()
                                    on:change=move |ev| open_external.set(event_target_checked(&ev))/>
                                <label for="add-open">{move || fill(i18n.t().gr_offer_open, &[("group", &group_name)])}</label>
                            </div>
                        })}
                    </div>
                }
            }).collect_view()}
            <p class="plan-mode">{move || if direct { i18n.t().gr_plan_direct } else { i18n.t().gr_plan_script }}</p>
        </section>
    }
}

/// After the run: each step done, skipped or failed; in script mode the script and Verify.
#[component]
fn FinishedView(session: Session, finished: Arc<Finished>, info: GroupInfo) -> impl IntoView {
    let i18n = use_i18n();
    let verified = RwSignal::new(None::<Result<Vec<(OpId, Verified)>, Failure>>);
    let verifying = RwSignal::new(false);
    let f = finished.clone();
    let failed = f
        .results
        .iter()
        .any(|(_, l)| matches!(l, OpLine::Failed(_)));
    let in_script = f.script.is_some();
    let summary = {
        let f = f.clone();
        let name = info.target.name.clone();
        move || {
            let t = i18n.t();
            let address = f
                .plan
                .entries
                .first()
                .and_then(|e| e.address.as_ref())
                .map(ToString::to_string)
                .unwrap_or_default();
            let args = [("address", address.as_str()), ("group", name.as_str())];
            if let Some(reason) = &f.skip {
                skip_words(t, reason, &name, &address)
            } else if failed {
                fill(t.gr_result_failed, &args)
            } else if in_script {
                fill(t.gr_result_script, &args)
            } else {
                fill(t.gr_result_done, &args)
            }
        }
    };
    let lines = {
        let f = f.clone();
        move || {
            let t = i18n.t();
            f.results
                .iter()
                .filter_map(|(id, line)| {
                    let op = f.plan.op(*id)?;
                    let what = op_words(t, &f.plan, &op.op);
                    let (status, class) = match line {
                        OpLine::Done => (t.gr_status_done, "op op--done"),
                        OpLine::AlreadyDone => (t.gr_status_already, "op op--done"),
                        OpLine::Failed(_) => (t.gr_status_failed, "op op--failed"),
                        OpLine::InScript => (t.gr_status_script, "op op--script"),
                    };
                    let fail = match line {
                        OpLine::Failed(f) => Some(f.clone()),
                        _ => None,
                    };
                    Some(view! {
                        <li class=class>
                            <span class="op-status">{status}</span> " " {what}
                            {fail.map(|f| view! { <FailureView failure=f/> })}
                        </li>
                    })
                })
                .collect_view()
        }
    };
    let verify_click = {
        let session = session.clone();
        let f = f.clone();
        move |_| {
            let session = session.clone();
            let f = f.clone();
            verifying.set(true);
            spawn_local(async move {
                let r = session
                    .engine()
                    .verify(&f.plan, &**f.store, &BrowserClock, &LocalActivity, None)
                    .await
                    .map(|v| v.results)
                    .map_err(|e| verify_failure(&e));
                verifying.try_set(false);
                verified.try_set(Some(r));
            });
        }
    };
    let verify_lines = {
        let f = f.clone();
        move || {
            let t = i18n.t();
            match verified.get() {
                None => None,
                Some(Err(e)) => Some(view! { <FailureView failure=e/> }.into_any()),
                Some(Ok(list)) => {
                    let all_done = list.iter().all(|(_, v)| !matches!(v, Verified::Missing));
                    Some(view! {
                        <p role="status" class=if all_done { "success" } else { "notice" }>
                            {if all_done { t.gr_verify_all_done } else { t.gr_verify_some_missing }}
                        </p>
                        <ul class="verify-list" aria-label=t.gr_verify_heading>
                            {list.into_iter().filter_map(|(id, v)| {
                                let op = f.plan.op(id)?;
                                let what = op_words(t, &f.plan, &op.op);
                                let (status, class, reason) = match v {
                                    Verified::Done { .. } => (t.gr_status_done, "op op--done", None),
                                    Verified::Missing => (t.gr_status_missing, "op op--failed", None),
                                    Verified::CannotCheck { reason } => (t.gr_status_cannot_check, "op op--script", Some(reason)),
                                };
                                Some(view! {
                                    <li class=class>
                                        <span class="op-status">{status}</span> " " {what}
                                        {reason.map(|r| view! { <span class="hint">" (" {r} ")"</span> })}
                                    </li>
                                })
                            }).collect_view()}
                        </ul>
                    }.into_any())
                }
            }
        }
    };
    let script = f.script.clone();
    let file = format!("guestlist-{}.ps1", super::file_stem(&info.target.name));
    view! {
        <section class="result" aria-labelledby="result-heading">
            <h3 id="result-heading" tabindex="-1">{tx(|t| t.gr_result_heading)}</h3>
            <p role="status" class=if failed { "failure" } else { "success" }>{summary}</p>
            <ul class="op-list">{lines}</ul>
            {script.map(|s| view! {
                <h3>{tx(|t| t.gr_script_heading)}</h3>
                <p>{tx(|t| t.gr_script_intro)}</p>
                <ScriptBox script=s file_name=file.clone()/>
                <div class="actions">
                    <button type="button" class="button button--primary" disabled=move || verifying.get() on:click=verify_click.clone()>
                        {tx(|t| t.gr_verify)}
                    </button>
                </div>
                {move || verifying.get().then(|| view! { <p role="status" aria-busy="true">{tx(|t| t.gr_verifying)}</p> })}
                {verify_lines.clone()}
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guestlist_core::domain::email::EmailAddress;
    use guestlist_core::domain::person::Person;
    use guestlist_core::domain::plan::{
        plan, Desired, ExistingContact, ExistingUser, TenantSnapshot,
    };
    use std::collections::HashSet;

    /// The plan for one person and one group.
    fn plan_one(
        info: &GroupInfo,
        person: Person,
        contacts: Vec<ExistingContact>,
        users: Vec<ExistingUser>,
        members: HashSet<String>,
        options: &PlanOptions,
    ) -> Plan {
        let mut snapshot = TenantSnapshot {
            contacts,
            users,
            ..TenantSnapshot::default()
        };
        snapshot.members.insert(info.target.id.clone(), members);
        plan(
            std::slice::from_ref(&info.target),
            &[Desired {
                row: 1,
                person: Ok(person),
            }],
            &snapshot,
            options,
        )
    }

    use crate::i18n::EN;
    use guestlist_core::domain::plan::TargetGroup;

    fn info(kind: GroupKind, external: ExternalSenders) -> GroupInfo {
        GroupInfo {
            target: TargetGroup {
                id: "g1".into(),
                name: "Sales Partners".into(),
                mail: Some("partners@contoso.example".into()),
                kind,
                external_senders: external,
                dynamic_membership: false,
                on_premises_synced: false,
            },
            description: None,
            recipient_filter: None,
        }
    }

    fn jan() -> Person {
        PersonInput {
            email: "jan@partner.nl".into(),
            display_name: "Jan de Vries".into(),
            ..PersonInput::default()
        }
        .validate()
        .expect("valid person")
    }

    fn words(p: &Plan) -> Vec<String> {
        p.ops.iter().map(|o| op_words(&EN, p, &o.op)).collect()
    }

    #[test]
    fn distribution_group_new_contact_in_words() {
        let p = plan_one(
            &info(GroupKind::Distribution, ExternalSenders::Rejected),
            jan(),
            vec![],
            vec![],
            HashSet::new(),
            &PlanOptions::default(),
        );
        assert_eq!(
            words(&p),
            [
                "Create mail contact Jan de Vries <jan@partner.nl>. (hidden from address lists)",
                "Add jan@partner.nl to Sales Partners (Distribution group).",
                "Let Sales Partners receive mail from outside the organisation.",
            ]
        );
        // Opening the group is offered, not imposed.
        assert!(p.ops[2].optional);
        assert!(matches!(
            p.warnings[..],
            [GroupWarning::RejectsExternalSenders { .. }]
        ));
    }

    #[test]
    fn microsoft_365_group_invites_a_guest() {
        let p = plan_one(
            &info(GroupKind::Microsoft365, ExternalSenders::Allowed),
            jan(),
            vec![],
            vec![],
            HashSet::new(),
            &PlanOptions::default(),
        );
        assert_eq!(
            words(&p),
            [
                "Invite jan@partner.nl as a guest (no invitation mail).",
                "Add jan@partner.nl to Sales Partners (Microsoft 365 group).",
            ]
        );
    }

    #[test]
    fn existing_contact_is_reused_and_members_are_skipped() {
        let contact = ExistingContact {
            id: "c1".into(),
            mail: EmailAddress::parse("jan@partner.nl").expect("address"),
            display_name: "Jan de Vries".into(),
        };
        let g = info(GroupKind::Distribution, ExternalSenders::Allowed);
        let p = plan_one(
            &g,
            jan(),
            vec![contact.clone()],
            vec![],
            HashSet::new(),
            &PlanOptions::default(),
        );
        assert_eq!(
            words(&p),
            ["Add jan@partner.nl to Sales Partners (Distribution group)."]
        );
        assert!(matches!(p.entries[0].steps[0], Step::ReuseContact { .. }));
        assert_eq!(
            step_words(&EN, &p.entries[0].steps[0], "jan@partner.nl").as_deref(),
            Some("Use the existing mail contact for jan@partner.nl (no duplicate is created).")
        );

        let members: HashSet<String> = ["c1".to_owned()].into();
        let p = plan_one(
            &g,
            jan(),
            vec![contact],
            vec![],
            members,
            &PlanOptions::default(),
        );
        assert!(p.ops.is_empty());
        assert_eq!(
            skip_words(
                &EN,
                p.entries[0].skip_reason().expect("skipped"),
                "Sales Partners",
                "jan@partner.nl"
            ),
            "jan@partner.nl is already a member of Sales Partners: nothing to do."
        );
    }
}

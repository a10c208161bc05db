//! Add an external person to one group: one dialog, routed by the group's kind.
//!
//! 1. The form: address (validated by `domain::person`; IDN addresses accepted), display name,
//!    optional first/last name and company, "hide from address lists" (on by default: the
//!    contact exists so that group mail reaches the person, not to appear in every employee's
//!    address book), and for Microsoft 365 groups whether Microsoft sends its invitation mail.
//! 2. Bulk reads for this one person (contacts and users by address; the members already loaded)
//!    → `domain::plan` → the plan in words, *before* anything changes.
//! 3. Direct mode: `run::Executor` carries it out; each step ends done, skipped or failed (with
//!    the service's request id). Script mode: the Graph steps run, the Exchange steps become the
//!    idempotent script of `domain::powershell`, then **Verify** re-reads through Graph and marks
//!    each step done or still missing (`domain::verify`).

use super::dialog::{focus_soon, Modal};
use super::members::MemberRow;
use super::{explain, log_activity, FailureView, GroupInfo, ScriptBox};
use crate::activity::{Action, Entry, Outcome, Reason};
use crate::i18n::{fill, use_i18n, Texts};
use crate::platform::now_ms;
use crate::probe::Mode;
use crate::ui::groups::tx;
use crate::ui::session::Session;
use guestlist_core::domain::email::EmailAddress;
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::journal::{Failure, OpResult, OpState, Service};
use guestlist_core::domain::person::{Person, PersonInput};
use guestlist_core::domain::plan::{
    plan, Desired, ExistingContact, ExistingUser, GroupWarning, OpId, Operation, Plan, PlanOptions,
    SkipReason, Step, TenantSnapshot, UserType,
};
use guestlist_core::domain::powershell::exchange_script;
use guestlist_core::domain::verify::{verify, Verified};
use guestlist_core::run::{Clients, Executor, MemoryJournalStore};
use guestlist_core::tenant::{GroupId, Member, OrgContact, User};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::{HashMap, HashSet};
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
}

#[derive(Clone, PartialEq)]
enum OpLine {
    Done,
    AlreadyDone,
    Failed(Failure),
    /// Left for the script.
    InScript,
}

fn contact_from(c: OrgContact) -> Option<ExistingContact> {
    Some(ExistingContact {
        mail: EmailAddress::parse(c.mail.as_deref()?).ok()?,
        display_name: c.display_name.unwrap_or_default(),
        id: c.id.0,
    })
}

fn user_from(u: User) -> ExistingUser {
    ExistingUser {
        user_type: if u.is_guest() {
            UserType::Guest
        } else {
            UserType::Member
        },
        mail: u.mail.as_deref().and_then(|m| EmailAddress::parse(m).ok()),
        other_mails: u
            .other_mails
            .iter()
            .filter_map(|m| EmailAddress::parse(m).ok())
            .collect(),
        user_principal_name: u.user_principal_name.unwrap_or_default(),
        display_name: u.display_name.unwrap_or_default(),
        id: u.id.0,
    }
}

/// Contacts and users holding `address`: the tenant as far as this one person is concerned.
async fn read_person(
    session: &Session,
    address: &EmailAddress,
) -> Result<(Vec<ExistingContact>, Vec<ExistingUser>), Failure> {
    let key = address.to_ascii();
    let contacts = session
        .graph
        .find_contacts_by_mail(&key)
        .await
        .map_err(|e| explain(Service::Graph, &e))?;
    let users = session
        .graph
        .find_users_by_mail(&key)
        .await
        .map_err(|e| explain(Service::Graph, &e))?;
    Ok((
        contacts.into_iter().filter_map(contact_from).collect(),
        users.into_iter().map(user_from).collect(),
    ))
}

/// The plan for one person and one group.
pub fn plan_one(
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
                t.groups.op_create_contact,
                &[("name", display_name), ("address", &address.to_string())],
            );
            if *hidden {
                format!("{base} {}", t.groups.op_hidden)
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
                t.groups.op_invite_mail
            } else {
                t.groups.op_invite_quiet
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
                .map(|g| t.groups.kind(g.kind))
                .unwrap_or_default();
            fill(
                t.groups.op_add,
                &[
                    ("address", &member.address.to_string()),
                    ("group", group_name),
                    ("kind", kind),
                ],
            )
        }
        Operation::OpenExternalSenders { group_name, .. } => {
            fill(t.groups.op_open, &[("group", group_name)])
        }
    }
}

fn skip_words(t: &Texts, reason: &SkipReason, group: &str, address: &str) -> String {
    let args = [("group", group), ("address", address)];
    match reason {
        SkipReason::AlreadyMember => fill(t.groups.skip_already_member, &args),
        SkipReason::DynamicGroup => fill(t.groups.skip_dynamic, &args),
        SkipReason::OnPremisesSynced => fill(t.groups.skip_onprem, &args),
        SkipReason::ContactIntoM365 => fill(t.groups.skip_contact_m365, &args),
        other => other.to_string(),
    }
}

/// The reuse steps in words (what exists and will be used).
fn step_words(t: &Texts, step: &Step, address: &str) -> Option<String> {
    let args = [("address", address)];
    match step {
        Step::ReuseContact { .. } => Some(fill(t.groups.step_reuse_contact, &args)),
        Step::ReuseGuest { .. } => Some(fill(t.groups.step_reuse_guest, &args)),
        Step::ReuseUser { .. } => Some(fill(t.groups.step_reuse_user, &args)),
        _ => None,
    }
}

/// Reads the members of `group` afresh (every page), for Verify.
async fn fresh_members(session: &Session, group: &GroupId) -> Result<HashSet<String>, Failure> {
    let first = session
        .graph
        .list_members(group)
        .await
        .map_err(|e| explain(Service::Graph, &e))?;
    let all = session
        .graph
        .all_pages::<Member>(first, usize::MAX)
        .await
        .map_err(|e| explain(Service::Graph, &e))?;
    Ok(all.items.iter().map(|m| m.id().to_owned()).collect())
}

/// Fresh Graph reads after the script ran → each operation done, missing or not checkable.
async fn verify_now(session: &Session, plan: &Plan) -> Result<Vec<(OpId, Verified)>, Failure> {
    let group = &plan.groups[0];
    let mut contacts = Vec::new();
    let mut users = Vec::new();
    for e in &plan.entries {
        if let Some(address) = &e.address {
            let (c, u) = read_person(session, address).await?;
            contacts.extend(c);
            users.extend(u);
        }
    }
    let members = fresh_members(session, &GroupId(group.id.clone())).await?;
    let mut after = TenantSnapshot {
        contacts,
        users,
        ..TenantSnapshot::default()
    };
    after.members.insert(group.id.clone(), members);
    let mut external = HashMap::new();
    if group.kind == GroupKind::Microsoft365 {
        let g = session
            .graph
            .get_group(&GroupId(group.id.clone()), true)
            .await
            .map_err(|e| explain(Service::Graph, &e))?;
        external.insert(
            group.id.clone(),
            match g.allow_external_senders {
                Some(true) => ExternalSenders::Allowed,
                Some(false) => ExternalSenders::Rejected,
                None => ExternalSenders::Unknown,
            },
        );
    }
    Ok(verify(plan, &after, &external))
}

async fn run_plan(session: &Session, plan: Plan, direct: bool) -> Finished {
    let store = MemoryJournalStore::new();
    let clients = Clients {
        graph: &*session.graph,
        exchange: direct.then_some(&*session.exchange),
    };
    let group = plan.groups[0].name.clone();
    let skip = plan.entries.first().and_then(|e| e.skip_reason().cloned());
    let outcome = Executor::new(clients, &store, crate::platform::BrowserClock)
        .run(&plan)
        .await;
    let (journal, pending) = match outcome {
        Ok(o) => (o.journal, o.pending_script),
        Err(e) => {
            // The in-memory journal can't fail to be written; if it ever does, say so.
            let f = Failure::new(Service::Graph, e.to_string());
            let results = plan
                .ops
                .iter()
                .map(|o| (o.id, OpLine::Failed(f.clone())))
                .collect();
            return Finished {
                plan,
                results,
                script: None,
                skip,
            };
        }
    };
    let states = journal.states();
    let mut results = Vec::new();
    for op in &plan.ops {
        let line = match states.get(&op.id) {
            Some(OpState::Finished(OpResult::Done { .. })) => OpLine::Done,
            Some(OpState::Finished(OpResult::AlreadyDone { .. })) => OpLine::AlreadyDone,
            Some(OpState::Finished(OpResult::Failed(f))) => OpLine::Failed(f.clone()),
            _ => OpLine::InScript,
        };
        let action = Action::from(&op.op);
        log_activity(match &line {
            OpLine::Done => Entry::new(action, group.clone(), Outcome::Done, now_ms()),
            OpLine::AlreadyDone => Entry::new(action, group.clone(), Outcome::Skipped, now_ms())
                .because(Reason::AlreadyDone),
            OpLine::Failed(f) => Entry::failed(action, group.clone(), f, now_ms()),
            OpLine::InScript => Entry::new(action, group.clone(), Outcome::Script, now_ms())
                .because(Reason::InScript),
        });
        results.push((op.id, line));
    }
    let script = if pending.is_empty() {
        None
    } else {
        // Only the operations left for the script; Graph steps already done stay out.
        let script_plan = Plan {
            ops: plan
                .ops
                .iter()
                .filter(|o| pending.contains(&o.id))
                .cloned()
                .collect(),
            ..plan.clone()
        };
        Some(
            exchange_script(&script_plan, Some(&session.account.username))
                .unwrap_or_else(|e| format!("# {e}")),
        )
    };
    Finished {
        plan,
        results,
        script,
        skip,
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
                    errors.set(
                        problems
                            .iter()
                            .map(|e| i18n.t().common.field_error(e))
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
                ..PlanOptions::default()
            };
            spawn_local(async move {
                match read_person(&session, &person.email).await {
                    Ok((contacts, users)) => {
                        let ids: HashSet<String> = members
                            .try_with_untracked(|m| m.iter().map(|r| r.id.clone()).collect())
                            .unwrap_or_default();
                        let p = plan_one(&info, person, contacts, users, ids, &options);
                        stage.try_set(Stage::Review(Arc::new(p)));
                    }
                    Err(f) => {
                        failure.try_set(Some(f));
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
            let direct = untrack(|| session.mode()) == Some(Mode::Direct);
            stage.set(Stage::Running);
            spawn_local(async move {
                let finished = run_plan(&session, p, direct).await;
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
        move || fill(i18n.t().groups.add_title, &[("group", &name)])
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
                            GroupKind::Microsoft365 => i18n.t().groups.add_route_guest,
                            GroupKind::Security => i18n.t().groups.add_route_security,
                            _ => i18n.t().groups.add_route_contact,
                        }}</p>
                        {field("add-email", |t| t.groups.field_email, email, "email", Some(first_field))}
                        {field("add-display", |t| t.groups.field_display, display_name, "text", None)}
                        {field("add-first", |t| t.groups.field_first, first_name, "text", None)}
                        {field("add-last", |t| t.groups.field_last, last_name, "text", None)}
                        {field("add-company", |t| t.groups.field_company, company, "text", None)}
                        {(kind != GroupKind::Microsoft365).then(|| view! {
                            <div class="field field--check">
                                <input id="add-hide" type="checkbox" prop:checked=move || hide.get()
                                    on:change=move |ev| hide.set(event_target_checked(&ev))/>
                                <label for="add-hide">{tx(|t| t.groups.field_hide)}</label>
                                <p class="hint">{tx(|t| t.groups.field_hide_why)}</p>
                            </div>
                        })}
                        {(kind == GroupKind::Microsoft365).then(|| view! {
                            <div class="field field--check">
                                <input id="add-invite" type="checkbox" prop:checked=move || send_invitation.get()
                                    on:change=move |ev| send_invitation.set(event_target_checked(&ev))/>
                                <label for="add-invite">{tx(|t| t.groups.field_send_invitation)}</label>
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
                                {tx(|t| t.groups.review_plan)}
                            </button>
                            <button type="button" class="button" on:click=move |_| close()>
                                {tx(|t| t.groups.cancel)}
                            </button>
                        </div>
                        {planning.then(|| view! { <p role="status" aria-busy="true">{tx(|t| t.groups.planning)}</p> })}
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
                                    {move || if direct { i18n.t().groups.make_changes } else { i18n.t().groups.make_changes_script }}
                                </button>
                            })
                        }
                        <button type="button" class="button" on:click=move |_| stage.set(Stage::Form)>
                            {tx(|t| t.groups.back)}
                        </button>
                        <button type="button" class="button" on:click=move |_| close()>
                            {tx(|t| t.groups.close)}
                        </button>
                    </div>
                }
                .into_any()
            }
            Stage::Running => view! {
                <p role="status" aria-busy="true">{tx(|t| t.groups.running)}</p>
            }
            .into_any(),
            Stage::Finished(f) => view! {
                <FinishedView session=session.clone() finished=f info=info.clone()/>
                <div class="actions">
                    <button type="button" class="button button--primary" on:click=move |_| close()>
                        {tx(|t| t.groups.close)}
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
                            (fill(t.groups.warn_rejects, &args), true)
                        }
                        GroupWarning::ExternalSendersUnknown { .. } => {
                            (fill(t.groups.warn_unknown, &args), false)
                        }
                        GroupWarning::DynamicGroup { .. } => {
                            (fill(t.groups.skip_dynamic, &args), false)
                        }
                        GroupWarning::OnPremisesSynced { .. } => {
                            (fill(t.groups.skip_onprem, &args), false)
                        }
                        GroupWarning::GuestAddressHeldByContact { .. } => {
                            (t.groups.warn_contact_holds_address.to_owned(), false)
                        }
                    }
                })
                .collect::<Vec<_>>()
        }
    };
    let group_name = plan.groups[0].name.clone();
    view! {
        <section class="plan" aria-labelledby="plan-heading">
            <h3 id="plan-heading" tabindex="-1">{tx(|t| t.groups.plan_heading)}</h3>
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
                                <label for="add-open">{move || fill(i18n.t().groups.offer_open, &[("group", &group_name)])}</label>
                            </div>
                        })}
                    </div>
                }
            }).collect_view()}
            <p class="plan-mode">{move || if direct { i18n.t().groups.plan_direct } else { i18n.t().groups.plan_script }}</p>
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
                fill(t.groups.result_failed, &args)
            } else if in_script {
                fill(t.groups.result_script, &args)
            } else {
                fill(t.groups.result_done, &args)
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
                        OpLine::Done => (t.groups.status_done, "op op--done"),
                        OpLine::AlreadyDone => (t.groups.status_already, "op op--done"),
                        OpLine::Failed(_) => (t.groups.status_failed, "op op--failed"),
                        OpLine::InScript => (t.groups.status_script, "op op--script"),
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
                let r = verify_now(&session, &f.plan).await;
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
                            {if all_done { t.groups.verify_all_done } else { t.groups.verify_some_missing }}
                        </p>
                        <ul class="verify-list" aria-label=t.groups.verify_heading>
                            {list.into_iter().filter_map(|(id, v)| {
                                let op = f.plan.op(id)?;
                                let what = op_words(t, &f.plan, &op.op);
                                let (status, class, reason) = match v {
                                    Verified::Done { .. } => (t.groups.status_done, "op op--done", None),
                                    Verified::Missing => (t.groups.status_missing, "op op--failed", None),
                                    Verified::CannotCheck { reason } => (t.groups.status_cannot_check, "op op--script", Some(reason)),
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
            <h3 id="result-heading" tabindex="-1">{tx(|t| t.groups.result_heading)}</h3>
            <p role="status" class=if failed { "failure" } else { "success" }>{summary}</p>
            <ul class="op-list">{lines}</ul>
            {script.map(|s| view! {
                <h3>{tx(|t| t.groups.script_heading)}</h3>
                <p>{tx(|t| t.groups.script_intro)}</p>
                <ScriptBox script=s file_name=file.clone()/>
                <div class="actions">
                    <button type="button" class="button button--primary" disabled=move || verifying.get() on:click=verify_click.clone()>
                        {tx(|t| t.groups.verify)}
                    </button>
                </div>
                {move || verifying.get().then(|| view! { <p role="status" aria-busy="true">{tx(|t| t.groups.verifying)}</p> })}
                {verify_lines.clone()}
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

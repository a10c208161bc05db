//! A person's own page (route `/externals/:kind/:id`, from the register's row): who they are,
//! every group they are in, and each change the register offers for one person — out of one,
//! several or all groups, deleted, invited again (a guest who hasn't accepted), a contact's
//! details, the end date. Each is a plan previewed and run through the change engine
//! ([`ChangePanel`]): directly, or in script mode with the Exchange steps as a script + Verify.

use super::change::{Change, ChangePanel};
use super::offboard::offboarding_target;
use super::{access_attribute, groups_text, kind_text, today, until_text};
use crate::i18n::{fill, use_i18n};
use crate::ui::groups::{explain, tx, FailureView, KindBadge};
use crate::ui::pages::groups::SignInFirst;
use crate::ui::router::use_params;
use crate::ui::router::A;
use crate::ui::session::{use_session, Session};
use guestlist_core::domain::group::MemberKind;
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::domain::plan::{
    offboarding, ContactEdit, Leaver, Operation, PersonRef, Plan, PlanOptions, TargetGroup,
};
use guestlist_core::domain::register::{
    AccessUntil, Day, ExternalKind, InvitationState, Person, Register,
};
use guestlist_core::engine::reads::register_snapshot;
use guestlist_core::tenant::lookup::RegisterReads;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The route's word for a kind of person.
pub fn kind_path(kind: ExternalKind) -> &'static str {
    match kind {
        ExternalKind::Contact => "contact",
        ExternalKind::Guest => "guest",
    }
}

/// A person's page address.
pub fn person_href(p: &Person) -> String {
    format!("/externals/{}/{}", kind_path(p.kind), p.id)
}

/// The person read afresh: their register row and the reads it was made from.
struct Loaded {
    register: Register,
    reads: RegisterReads,
}

impl Loaded {
    fn person(&self) -> Option<&Person> {
        self.register.people.first()
    }
}

async fn load(
    session: &Session,
    kind: ExternalKind,
    id: &str,
    attribute: u8,
) -> Result<Loaded, Failure> {
    let reads = session
        .graph
        .register_person(kind, id)
        .await
        .map_err(|e| explain(Service::Graph, &e))?;
    let mut source = reads.source(attribute);
    // A contact's end date and creation date are Exchange's (direct mode only).
    if kind == ExternalKind::Contact && session.is_direct() {
        if let Ok(details) = session.exchange.mail_contact_detail(id).await {
            source.add_exchange_contacts(&details, attribute);
        }
    }
    Ok(Loaded {
        register: Register::build(source),
        reads,
    })
}

/// Route `/externals/:kind/:id`.
#[component]
pub fn PersonPage() -> impl IntoView {
    let params = use_params();
    move || {
        let (kind, id) = params.with(|p| {
            let kind = match p.get("kind").as_deref() {
                Some("contact") => Some(ExternalKind::Contact),
                Some("guest") => Some(ExternalKind::Guest),
                _ => None,
            };
            (kind, p.get("id").unwrap_or_default())
        });
        match (use_session(), kind) {
            (None, _) => view! { <SignInFirst/> }.into_any(),
            (Some(_), None) => view! { <crate::ui::pages::NotFoundPage/> }.into_any(),
            (Some(session), Some(kind)) => view! { <PersonLoader session kind id/> }.into_any(),
        }
    }
}

#[component]
fn PersonLoader(session: Session, kind: ExternalKind, id: String) -> impl IntoView {
    let attribute = access_attribute();
    let loaded = RwSignal::new(None::<Result<Arc<Loaded>, Failure>>);
    let reload = {
        let session = session.clone();
        move || {
            let session = session.clone();
            let id = id.clone();
            spawn_local(async move {
                let r = load(&session, kind, &id, attribute).await.map(Arc::new);
                loaded.try_set(Some(r));
            });
        }
    };
    // Read again once the mode is known: a contact's end date is readable in direct mode only.
    {
        let session = session.clone();
        let reload = reload.clone();
        Effect::new(move |_| {
            session.mode();
            reload();
        });
    }
    let change = RwSignal::new(Change::Idle);
    let panel_session = session.clone();
    view! {
        <div class="page">
            <p class="breadcrumb"><A href="/externals">{tx(|t| t.externals().back_to_register)}</A></p>
            {move || match loaded.get() {
                None => view! {
                    <h1 class="page-title" tabindex="-1">{tx(|t| t.externals().person_loading)}</h1>
                    <p role="status" aria-busy="true">{tx(|t| t.externals().person_loading)}</p>
                }
                .into_any(),
                Some(Err(f)) => view! {
                    <h1 class="page-title" tabindex="-1">{tx(|t| t.externals().person_failed)}</h1>
                    <FailureView failure=f/>
                }
                .into_any(),
                Some(Ok(l)) => view! { <PersonView session=session.clone() loaded=l change/> }.into_any(),
            }}
            <section class="card" aria-live="polite">
                <ChangePanel session=panel_session change on_done=reload/>
            </section>
        </div>
    }
}

#[component]
fn PersonView(session: Session, loaded: Arc<Loaded>, change: RwSignal<Change>) -> impl IntoView {
    let i18n = use_i18n();
    let Some(p) = loaded.person().cloned() else {
        return view! { <p>{tx(|t| t.externals().person_failed)}</p> }.into_any();
    };
    let Some(leaver) = p.leaver() else {
        return view! { <p>{tx(|t| t.externals().person_failed)}</p> }.into_any();
    };
    let name = leaver.name.clone();
    let details = {
        let p = p.clone();
        let loaded = loaded.clone();
        let session = session.clone();
        move || {
            let t = i18n.t();
            let groups = groups_text(t, &loaded.register, &p, true);
            let until = until_text(t, &p, today(), session.mode().is_some());
            view! {
                <dl class="person-details">
                    <dt>{t.person().field_email}</dt><dd>{p.address.clone()}</dd>
                    <dt>{t.externals().kind_label}</dt><dd>{kind_text(t, &p)}</dd>
                    <dt>{t.externals().company_label}</dt><dd>{p.company.clone().unwrap_or_default()}</dd>
                    <dt>{t.externals().person_groups_heading}</dt><dd>{groups}</dd>
                    <dt>{t.externals().until_heading}</dt><dd>{until}</dd>
                </dl>
            }
        }
    };
    let pending = p.invitation == Some(InvitationState::PendingAcceptance);
    view! {
        <h1 class="page-title" tabindex="-1">{name}</h1>
        {details}
        <GroupsCard loaded=loaded.clone() leaver=leaver.clone() change/>
        {(p.kind == ExternalKind::Contact).then(|| view! { <EditCard loaded=loaded.clone() leaver=leaver.clone() change/> })}
        <UntilCard session person=p.clone() leaver=leaver.clone() change/>
        {pending.then(|| view! { <ResendCard leaver=leaver.clone() change/> })}
        <DeleteCard leaver change/>
    }
    .into_any()
}

/// Their groups, each to choose; out of the chosen ones or all.
#[component]
fn GroupsCard(loaded: Arc<Loaded>, leaver: Leaver, change: RwSignal<Change>) -> impl IntoView {
    let i18n = use_i18n();
    let chosen = RwSignal::new(BTreeSet::<String>::new());
    let groups: Vec<(
        String,
        String,
        Option<guestlist_core::domain::group::GroupKind>,
    )> = loaded
        .reads
        .groups
        .iter()
        .map(|g| {
            (
                g.id.as_str().to_owned(),
                g.display_name.clone().unwrap_or_default(),
                g.kind().ok(),
            )
        })
        .collect();
    let plan_for = {
        let loaded = loaded.clone();
        move |all: bool| {
            let ids = chosen.get_untracked();
            let targets: Vec<TargetGroup> = loaded
                .reads
                .groups
                .iter()
                .filter(|g| all || ids.contains(g.id.as_str()))
                .filter_map(offboarding_target)
                .collect();
            let off = offboarding(
                std::slice::from_ref(&leaver),
                &targets,
                &register_snapshot(&loaded.reads),
            );
            change.set(Change::Preview(Arc::new(off.plan)));
        }
    };
    let remove_chosen = {
        let plan_for = plan_for.clone();
        move |_| plan_for(false)
    };
    let empty = groups.is_empty();
    view! {
        <section class="card" aria-labelledby="person-groups">
            <h2 id="person-groups">{tx(|t| t.externals().person_groups_heading)}</h2>
            {empty.then(|| view! { <p>{tx(|t| t.externals().person_no_group)}</p> })}
            <ul class="person-groups">
                {groups.into_iter().map(|(id, name, kind)| {
                    let label = {
                        let name = name.clone();
                        move || fill(i18n.t().externals().person_choose_group, &[("group", &name)])
                    };
                    let checked = {
                        let id = id.clone();
                        move || chosen.with(|c| c.contains(&id))
                    };
                    view! {
                        <li>
                            <label class="checkbox">
                                <input type="checkbox" prop:checked=checked aria-label=label
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| { if on { c.insert(id.clone()); } else { c.remove(&id); } });
                                    }/>
                                {name}
                            </label>
                            " " {kind.map(|kind| view! { <KindBadge kind/> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(!empty).then(|| view! {
                <div class="actions">
                    <button type="button" class="button" disabled=move || chosen.with(BTreeSet::is_empty)
                        on:click=remove_chosen>{tx(|t| t.externals().remove_chosen)}</button>
                    <button type="button" class="button" on:click=move |_| plan_for(true)>
                        {tx(|t| t.externals().remove_all)}
                    </button>
                </div>
            })}
        </section>
    }
}

/// Deleting the contact or the guest.
#[component]
fn DeleteCard(leaver: Leaver, change: RwSignal<Change>) -> impl IntoView {
    let i18n = use_i18n();
    let contact = leaver.kind == MemberKind::MailContact;
    let delete = move |_| {
        if let Some(plan) = Plan::deletion(&leaver) {
            change.set(Change::Preview(Arc::new(plan)));
        }
    };
    view! {
        <section class="card" aria-labelledby="person-delete">
            <h2 id="person-delete">{tx(|t| t.externals().delete_heading)}</h2>
            <p class="hint">
                {move || { let t = i18n.t().externals(); if contact { t.delete_contact_note } else { t.delete_guest_note } }}
            </p>
            <div class="actions">
                <button type="button" class="button button--danger" on:click=delete>
                    {move || { let t = i18n.t().externals(); if contact { t.delete_contact } else { t.delete_guest } }}
                </button>
            </div>
        </section>
    }
}

/// Inviting a guest who hasn't accepted again.
#[component]
fn ResendCard(leaver: Leaver, change: RwSignal<Change>) -> impl IntoView {
    let send_mail = RwSignal::new(true);
    let message = RwSignal::new(String::new());
    let resend = move |_| {
        let text = message.get_untracked();
        let op = Operation::ResendInvitation {
            person: PersonRef::from(&leaver),
            send_mail: send_mail.get_untracked(),
            message: Some(text.trim().to_owned()).filter(|m| !m.is_empty()),
            redirect_url: PlanOptions::default().invite_redirect_url,
        };
        change.set(Change::Preview(Arc::new(Plan::of(Vec::new(), vec![op]))));
    };
    view! {
        <section class="card" aria-labelledby="person-invitation">
            <h2 id="person-invitation">{tx(|t| t.externals().resend_heading)}</h2>
            <p class="hint">{tx(|t| t.externals().resend_note)}</p>
            <label class="checkbox">
                <input type="checkbox" prop:checked=move || send_mail.get()
                    on:change=move |ev| send_mail.set(event_target_checked(&ev))/>
                {tx(|t| t.externals().resend_mail)}
            </label>
            <div class="field">
                <label for="resend-message">{tx(|t| t.externals().resend_message)}</label>
                <textarea id="resend-message" rows="3" disabled=move || !send_mail.get()
                    on:input=move |ev| message.set(event_target_value(&ev))></textarea>
            </div>
            <div class="actions">
                <button type="button" class="button" on:click=resend>{tx(|t| t.externals().resend_button)}</button>
            </div>
        </section>
    }
}

/// A mail contact's details: what changed goes to Exchange.
#[component]
fn EditCard(loaded: Arc<Loaded>, leaver: Leaver, change: RwSignal<Change>) -> impl IntoView {
    let i18n = use_i18n();
    let Some(c) = loaded.reads.contacts.first().cloned() else {
        return ().into_any();
    };
    let was = [
        c.display_name.clone().unwrap_or_default(),
        c.given_name.clone().unwrap_or_default(),
        c.surname.clone().unwrap_or_default(),
        c.company_name.clone().unwrap_or_default(),
    ];
    let fields = was.clone().map(RwSignal::new);
    // Graph doesn't show "hidden from address lists": left as it is unless chosen.
    let hidden = RwSignal::new(String::new());
    let notice = RwSignal::new(false);
    let save = move |_| {
        let now = fields.map(|f| f.get_untracked().trim().to_owned());
        let changed = |i: usize| (now[i] != was[i]).then(|| now[i].clone());
        let edit = ContactEdit {
            display_name: changed(0).filter(|d| !d.is_empty()),
            first_name: changed(1),
            last_name: changed(2),
            company: changed(3),
            hidden: match hidden.get_untracked().as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
        };
        if edit == ContactEdit::default() {
            notice.set(true);
            return;
        }
        notice.set(false);
        let op = Operation::EditContact {
            person: PersonRef::from(&leaver),
            edit,
        };
        change.set(Change::Preview(Arc::new(Plan::of(Vec::new(), vec![op]))));
    };
    let labels: [crate::ui::components::TextFn; 4] = [
        |t| t.externals().edit_display,
        |t| t.externals().edit_first,
        |t| t.externals().edit_last,
        |t| t.externals().edit_company,
    ];
    view! {
        <section class="card" aria-labelledby="person-edit">
            <h2 id="person-edit">{tx(|t| t.externals().edit_heading)}</h2>
            {labels.into_iter().zip(fields).enumerate().map(|(i, (label, field))| {
                let id = format!("person-edit-{i}");
                view! {
                    <div class="field">
                        <label for=id.clone()>{tx(label)}</label>
                        <input id=id type="text" prop:value=move || field.get()
                            on:input=move |ev| field.set(event_target_value(&ev))/>
                    </div>
                }
            }).collect_view()}
            <div class="field">
                <label for="person-edit-hidden">{tx(|t| t.externals().edit_hidden)}</label>
                <select id="person-edit-hidden" on:change=move |ev| hidden.set(event_target_value(&ev))>
                    <option value="">{tx(|t| t.externals().edit_hidden_keep)}</option>
                    <option value="yes">{tx(|t| t.externals().edit_hidden_yes)}</option>
                    <option value="no">{tx(|t| t.externals().edit_hidden_no)}</option>
                </select>
            </div>
            {move || notice.get().then(|| view! { <p class="notice" role="status">{i18n.t().externals().edit_nothing}</p> })}
            <div class="actions">
                <button type="button" class="button" on:click=save>{tx(|t| t.externals().edit_button)}</button>
            </div>
        </section>
    }
    .into_any()
}

/// The end date: set or cleared, in the tenant.
#[component]
fn UntilCard(
    session: Session,
    person: Person,
    leaver: Leaver,
    change: RwSignal<Change>,
) -> impl IntoView {
    let attribute = access_attribute();
    let current = match &person.access_until {
        AccessUntil::Until(d) => d.to_string(),
        _ => String::new(),
    };
    let date = RwSignal::new(current);
    let bad = RwSignal::new(false);
    let script_note = person.kind == ExternalKind::Contact && !session.is_direct();
    let plan = move |until: Option<Day>| {
        let op = Operation::SetAccessUntil {
            person: PersonRef::from(&leaver),
            kind: leaver.kind,
            attribute,
            until: until.map(|d| d.to_string()),
        };
        change.set(Change::Preview(Arc::new(Plan::of(Vec::new(), vec![op]))));
    };
    let save = {
        let plan = plan.clone();
        move |_| match Day::parse(&date.get_untracked()) {
            Some(d) => {
                bad.set(false);
                plan(Some(d));
            }
            None => bad.set(true),
        }
    };
    view! {
        <section class="card" aria-labelledby="person-until">
            <h2 id="person-until">{tx(|t| t.externals().until_heading)}</h2>
            {script_note.then(|| view! { <p class="hint">{tx(|t| t.externals().until_script_note)}</p> })}
            <div class="field">
                <label for="person-until-date">{tx(|t| t.externals().until_label)}</label>
                <input id="person-until-date" type="date" prop:value=move || date.get()
                    on:input=move |ev| date.set(event_target_value(&ev))/>
            </div>
            {move || bad.get().then(|| view! { <p class="failure" role="alert">{tx(|t| t.externals().until_bad_date)}</p> })}
            <div class="actions">
                <button type="button" class="button" on:click=save>{tx(|t| t.externals().until_save)}</button>
                <button type="button" class="button" on:click=move |_| plan(None)>{tx(|t| t.externals().until_clear)}</button>
            </div>
        </section>
    }
}

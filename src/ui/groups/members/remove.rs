//! Taking one member out of the group: the confirmation, then a one-operation plan through the
//! change engine (journalled, recorded in the activity log); in script mode its answer is the
//! step's script.

use super::MemberRow;
use crate::i18n::{fill, use_i18n, I18n};
use crate::platform::BrowserClock;
use crate::ui::groups::{dialog, explain, file_stem, tx, FailureView, GroupInfo, ScriptBox};
use crate::ui::session::Session;
use guestlist_core::domain::group::MembershipApi;
use guestlist_core::domain::journal::{Failure, OpResult, Service};
use guestlist_core::domain::plan::{OpId, Plan};
use guestlist_core::tenant::{Member, ObjectId, TenantError};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum RemoveState {
    Confirm(MemberRow),
    Working(MemberRow),
    /// Script mode: the line to run.
    Script(MemberRow, String),
    Failed(MemberRow, Failure),
}

/// The member list's signals a removal changes.
#[derive(Clone, Copy)]
pub(super) struct Removal {
    pub removing: RwSignal<Option<RemoveState>>,
    /// Set when the member was removed: focus then can't go back to its row.
    pub removed: RwSignal<bool>,
    pub rows: RwSignal<Vec<MemberRow>>,
    pub notice: RwSignal<Option<String>>,
    pub i18n: I18n,
}

/// Removes `row` from the group (after the admin confirmed).
pub(super) fn remove(session: Session, info: GroupInfo, row: MemberRow, ui: Removal) {
    let Removal {
        removing,
        removed,
        rows,
        notice,
        i18n,
    } = ui;
    let kind = info.target.kind;
    let Some(plan) = row
        .member_ref()
        .and_then(|member| Plan::removal(&info.target, member))
    else {
        notice.set(Some(fill(
            untrack(|| i18n.t()).groups().remove_unnamed,
            &[("name", display(&row))],
        )));
        removing.set(None);
        return;
    };
    removing.set(Some(RemoveState::Working(row.clone())));
    spawn_local(async move {
        let service = match kind.membership_api() {
            Some(MembershipApi::Exchange) => Service::Exchange,
            _ => Service::Graph,
        };
        // A one-operation plan through the change engine: journalled and recorded in
        // the activity log; in script mode its answer is the step's script.
        let run = session
            .engine()
            .run_now(&plan, None, &BrowserClock, &session.activity())
            .await;
        let run = match run {
            Ok(run) => run,
            Err(e) => {
                let f = Failure::new(service, e.to_string());
                removing.try_set(Some(RemoveState::Failed(row, f)));
                return;
            }
        };
        if let Some(script) = run.script.clone() {
            removing.try_set(Some(RemoveState::Script(row, script)));
            return;
        }
        match run.result(OpId(0)) {
            Some(OpResult::Done { .. } | OpResult::AlreadyDone { .. }) => {
                removed.try_set(true);
                rows.try_update(|rs| rs.retain(|r| r.id != row.id));
                let t = untrack(|| i18n.t());
                notice.try_set(Some(fill(
                    t.groups().removed,
                    &[("name", display(&row)), ("group", &info.target.name)],
                )));
                removing.try_set(None);
            }
            Some(OpResult::Failed(f)) => {
                removing.try_set(Some(RemoveState::Failed(row, f)));
            }
            None => {
                let why = run.needs_sign_in.unwrap_or_default();
                let f = explain(service, &TenantError::SignInAgain(why));
                removing.try_set(Some(RemoveState::Failed(row, f)));
            }
        }
    });
}

pub(super) fn display(row: &MemberRow) -> &str {
    if !row.name.is_empty() {
        &row.name
    } else if !row.mail.is_empty() {
        &row.mail
    } else {
        &row.id
    }
}

/// The confirmation (and, in script mode, the script) for removing one member: a modal
/// dialog (see [`dialog::Modal`]) that follows `state` until it is cleared.
#[component]
pub(super) fn RemoveDialog(
    state: RwSignal<Option<RemoveState>>,
    /// Set when the member was removed: focus then can't go back to its row.
    removed: Signal<bool>,
    group: String,
    on_confirm: impl Fn(MemberRow) + Clone + Send + Sync + 'static,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    // The member stays the same through the steps; only the step changes.
    let row = state.with_untracked(|s| match s {
        Some(
            RemoveState::Confirm(r)
            | RemoveState::Working(r)
            | RemoveState::Script(r, _)
            | RemoveState::Failed(r, _),
        ) => r.clone(),
        None => MemberRow::from_member(Member::Other {
            id: ObjectId(String::new()),
            odata_type: String::new(),
        }),
    });
    let name = display(&row).to_owned();
    let title = {
        let (name, group) = (name.clone(), group.clone());
        move || {
            fill(
                i18n.t().groups().remove_title,
                &[("name", &name), ("group", &group)],
            )
        }
    };
    let working = move || matches!(state.get(), Some(RemoveState::Working(_)));
    let can_confirm = move || {
        matches!(
            state.get(),
            Some(RemoveState::Confirm(_) | RemoveState::Failed(..))
        )
    };
    // The confirm button goes away while it works: focus then waits on the title.
    Effect::new(move |_| {
        if working() {
            dialog::focus_soon("#remove-title");
        }
    });
    let body = {
        let group = group.clone();
        move || {
            match state.get() {
            Some(RemoveState::Script(_, script)) => view! {
                <p>{tx(|t| t.groups().remove_script_intro)}</p>
                <ScriptBox script=script file_name=format!("remove-member-{}.ps1", file_stem(&group))/>
            }
            .into_any(),
            Some(RemoveState::Failed(_, f)) => view! { <FailureView failure=f/> }.into_any(),
            _ => view! { <p>{tx(|t| t.groups().remove_body)}</p> }.into_any(),
        }
        }
    };
    let confirm = {
        let row = row.clone();
        move |_| on_confirm(row.clone())
    };
    let close = on_close.clone();
    view! {
        <dialog::Modal
            labelled_by="remove-title"
            can_close=Signal::derive(move || !working())
            on_close=on_close
            // After a removal the member's row is gone: focus goes to the list it was in.
            fallback_focus=".member-viewport"
            restore_opener=Signal::derive(move || !removed.get())
        >
            <h2 id="remove-title" tabindex="-1">{title}</h2>
            {body}
            {move || working().then(|| view! { <p role="status" aria-busy="true">{tx(|t| t.groups().working)}</p> })}
            <div class="actions">
                {move || can_confirm().then(|| view! {
                    <button type="button" class="button button--danger" on:click=confirm.clone()>
                        {tx(|t| t.groups().remove_confirm)}
                    </button>
                })}
                <button type="button" id="remove-cancel" class="button" autofocus=true disabled=working
                    on:click={
                        let close = close.clone();
                        move |_| close()
                    }>
                    {move || if can_confirm() { i18n.t().groups().cancel } else { i18n.t().groups().close }}
                </button>
            </div>
        </dialog::Modal>
    }
}

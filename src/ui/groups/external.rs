//! Whether a group accepts mail from outside the organisation, said in one sentence, with the
//! one-click fix through the API that owns the setting:
//! - distribution lists and mail-enabled security groups: Exchange
//!   `Set-DistributionGroup -RequireSenderAuthenticationEnabled $false` (direct mode), or the
//!   engine's idempotent script for it (script mode);
//! - Microsoft 365 groups: Graph `PATCH /groups/{id}` `{"allowExternalSenders": true}`, which
//!   needs `Group.ReadWrite.All`. That permission is asked only when needed (`auth::scopes`):
//!   the first time, the silent token fails with "interaction required", the card explains why
//!   and offers a button that asks consent in a popup, then runs the fix.
//!
//! The fix is a one-operation plan (`Plan::opening`) through the change engine: journalled,
//! and recorded in the activity log like every change.

use super::{explain, FailureView, GroupInfo, ScriptBox};
use crate::auth::BridgeError;
use crate::i18n::{fill, use_i18n};
use crate::platform::BrowserClock;
use crate::probe::Mode;
use crate::ui::groups::tx;
use crate::ui::session::Session;
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::journal::{Failure, OpResult, Service};
use guestlist_core::domain::plan::{OpId, Plan};
use guestlist_core::engine::RunNow;
use guestlist_core::run::RunError;
use guestlist_core::tenant::{AuthError, Resource, TenantError};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Clone, Debug, PartialEq)]
enum FixState {
    Idle,
    Working,
    /// Graph wants the admin's consent to `Group.ReadWrite.All` first.
    NeedsConsent,
    Done,
    Failed(Failure),
}

/// Runs the fix as a one-operation plan through the change engine, which journals it and
/// records it in the activity log. A Microsoft 365 group's setting needs the Graph client with
/// the permission asked only when needed. In script mode (a distribution group without
/// Exchange) the run hands the step over: the answer is then its script.
async fn open_group(session: &Session, info: &GroupInfo) -> Option<Result<RunNow, RunError>> {
    let plan = Plan::opening(&info.target)?;
    let engine = match info.target.kind {
        GroupKind::Microsoft365 => session.engine_with(&session.graph_when_needed),
        _ => session.engine(),
    };
    Some(
        engine
            .run_now(&plan, None, &BrowserClock, &session.activity())
            .await,
    )
}

/// The external-senders card of the group page.
#[component]
pub fn ExternalSendersCard(
    session: Session,
    info: GroupInfo,
    status: RwSignal<ExternalSenders>,
    /// Why Exchange couldn't tell the status, if it couldn't.
    unread: RwSignal<Option<Failure>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let kind = info.target.kind;
    let synced = info.target.on_premises_synced;
    let name = info.target.name.clone();
    let sentence = move || {
        let t = i18n.t();
        let text = match (kind, status.get()) {
            (GroupKind::Security, _) | (_, ExternalSenders::NotApplicable) => {
                t.groups().ext_not_applicable
            }
            (GroupKind::DynamicDistribution, ExternalSenders::Rejected) => {
                t.groups().ext_rejected_dynamic
            }
            (_, ExternalSenders::Rejected) if synced => t.groups().ext_rejected_onprem,
            (_, ExternalSenders::Allowed) => t.groups().ext_allowed,
            (_, ExternalSenders::Rejected) => t.groups().ext_rejected,
            (GroupKind::Microsoft365, ExternalSenders::Unknown) => t.groups().ext_unknown_m365,
            (_, ExternalSenders::Unknown) => t.groups().ext_unknown_exchange,
        };
        fill(text, &[("group", &name)])
    };
    view! {
        <section class="card external" aria-labelledby="ext-heading">
            <h2 id="ext-heading">{tx(|t| t.groups().ext_heading)}</h2>
            <p class="ext-sentence">{sentence}</p>
            {move || unread.get().map(|f| view! { <FailureView failure=f/> })}
            <OpenToExternalSenders session info status label=Signal::derive(move || i18n.t().groups().ext_fix.to_owned())/>
        </section>
    }
}

/// The fix's button and what became of it: run directly (Exchange in direct mode, Graph), as a
/// script (Exchange in script mode), or first the consent a Microsoft 365 group needs. The
/// group page's card and the import preview's warning both use it.
#[component]
pub fn OpenToExternalSenders(
    session: Session,
    info: GroupInfo,
    status: RwSignal<ExternalSenders>,
    /// The button's words (the import preview names the group; the group page needn't).
    label: Signal<String>,
) -> impl IntoView {
    let kind = info.target.kind;
    // Exchange Online refuses changes to a group synced from on-premises: no button for them.
    let synced = info.target.on_premises_synced;
    let fix = RwSignal::new(FixState::Idle);
    let show_script = RwSignal::new(false);
    // Script mode: the step's script, made (and its handover recorded) when first shown.
    let script = RwSignal::new(None::<String>);
    let run_fix = {
        let session = session.clone();
        let info = info.clone();
        move |consent_first: bool| {
            let session = session.clone();
            let info = info.clone();
            fix.set(FixState::Working);
            spawn_local(async move {
                if consent_first {
                    // Called from the click, so the browser lets MSAL open its popup.
                    let scopes = crate::auth::scopes::when_needed_scopes(
                        Resource::Graph,
                        crate::auth::Need::GroupSettings,
                    );
                    match crate::auth::bridge::consent(&scopes).await {
                        Ok(_) => {}
                        Err(BridgeError::Cancelled { .. }) => {
                            fix.try_set(FixState::NeedsConsent);
                            return;
                        }
                        Err(e) => {
                            let failure =
                                explain(Service::Graph, &TenantError::from(AuthError::from(e)));
                            fix.try_set(FixState::Failed(failure));
                            return;
                        }
                    }
                }
                let service = match info.target.kind {
                    GroupKind::Microsoft365 => Service::Graph,
                    _ => Service::Exchange,
                };
                let run = match open_group(&session, &info).await {
                    Some(Ok(run)) => run,
                    Some(Err(e)) => {
                        fix.try_set(FixState::Failed(Failure::new(service, e.to_string())));
                        return;
                    }
                    None => return,
                };
                match (run.result(OpId(0)), run.needs_sign_in) {
                    (Some(OpResult::Done { .. } | OpResult::AlreadyDone { .. }), _) => {
                        status.try_set(ExternalSenders::Allowed);
                        fix.try_set(FixState::Done);
                    }
                    (Some(OpResult::Failed(f)), _) => {
                        fix.try_set(FixState::Failed(f));
                    }
                    // No consent to Group.ReadWrite.All yet: nothing was changed; ask for it.
                    (None, Some(_)) if service == Service::Graph && !consent_first => {
                        fix.try_set(FixState::NeedsConsent);
                    }
                    (None, Some(why)) => {
                        let f = explain(service, &TenantError::SignInAgain(why));
                        fix.try_set(FixState::Failed(f));
                    }
                    (None, None) => {
                        fix.try_set(FixState::Idle);
                    }
                }
            });
        }
    };

    // Memos, so that the fix's button is rebuilt only when what it does changes: a button
    // rebuilt under the admin's click (Idle → Working) would drop keyboard focus.
    let fixable = Memo::new(move |_| {
        !synced
            && matches!(
                kind,
                GroupKind::Distribution | GroupKind::MailEnabledSecurity | GroupKind::Microsoft365
            )
            && matches!(
                status.get(),
                ExternalSenders::Rejected | ExternalSenders::Unknown
            )
            && fix.get() != FixState::Done
    });
    let via_script = {
        let session = session.clone();
        Memo::new(move |_| kind != GroupKind::Microsoft365 && session.mode() != Some(Mode::Direct))
    };

    view! {
        {
            let run_fix = run_fix.clone();
            let session = session.clone();
            let info = info.clone();
            let file = format!("open-{}.ps1", super::file_stem(&info.target.name));
            move || {
                if !fixable.get() {
                    return None;
                }
                let view = if via_script.get() {
                    let file = file.clone();
                    let show = {
                        let session = session.clone();
                        let info = info.clone();
                        move |_| {
                            show_script.update(|s| *s = !*s);
                            if script.get_untracked().is_some() {
                                return;
                            }
                            let session = session.clone();
                            let info = info.clone();
                            spawn_local(async move {
                                let text = match open_group(&session, &info).await {
                                    Some(Ok(run)) => run.script,
                                    Some(Err(e)) => Some(format!("# {e}")),
                                    None => None,
                                };
                                script.try_set(text);
                            });
                        }
                    };
                    view! {
                        <button type="button" class="button" on:click=show>
                            {tx(|t| t.groups().ext_fix_script)}
                        </button>
                        <Show when=move || show_script.get() && script.with(Option::is_some)>
                            <ScriptBox script=script.get().unwrap_or_default() file_name=file.clone()/>
                        </Show>
                    }
                    .into_any()
                } else {
                    let run_fix = run_fix.clone();
                    view! {
                        <button
                            type="button"
                            class="button button--primary"
                            disabled=move || {
                                matches!(fix.get(), FixState::Working | FixState::NeedsConsent)
                            }
                            on:click=move |_| run_fix(false)
                        >
                            {move || label.get()}
                        </button>
                    }
                    .into_any()
                };
                Some(view)
            }
        }
        {move || match fix.get() {
            FixState::Idle => None,
            FixState::NeedsConsent => {
                let run_fix = run_fix.clone();
                Some(view! {
                    <div class="consent" role="status">
                        <p>{tx(|t| t.groups().ext_needs_group_rw)}</p>
                        <button type="button" class="button button--primary" on:click=move |_| run_fix(true)>
                            {tx(|t| t.groups().ext_consent)}
                        </button>
                    </div>
                }.into_any())
            }
            FixState::Working => Some(view! { <p role="status" aria-busy="true">{tx(|t| t.groups().working)}</p> }.into_any()),
            FixState::Done => Some(view! { <p role="status" class="success">{tx(|t| t.groups().ext_fixed)}</p> }.into_any()),
            FixState::Failed(f) => Some(view! { <FailureView failure=f/> }.into_any()),
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guestlist_core::domain::plan::TargetGroup;
    use guestlist_core::domain::powershell::exchange_script;

    #[test]
    fn the_opening_script_quotes_the_identity_and_keeps_names_on_one_line() {
        let target = TargetGroup {
            id: "g1".into(),
            name: "O’Neil's\nlist".into(),
            mail: Some("o’neil@contoso.example".into()),
            kind: GroupKind::Distribution,
            external_senders: ExternalSenders::Rejected,
            dynamic_membership: false,
            on_premises_synced: false,
        };
        let plan = Plan::opening(&target).expect("a DG has the setting");
        let script = exchange_script(&plan, None).expect("script");
        assert!(script.contains("Connect-ExchangeOnline"));
        // PowerShell treats ’ as a quote too: doubled inside the single-quoted string.
        assert!(
            script.contains("-Identity 'o’’neil@contoso.example'"),
            "{script}"
        );
        assert!(
            script.contains("-RequireSenderAuthenticationEnabled $false"),
            "{script}"
        );
        // The name never breaks a line of the script.
        assert!(
            !script.lines().any(|l| l.trim_end().ends_with("O’Neil's")),
            "{script}"
        );
    }
}

//! Whether a group accepts mail from outside the organisation, said in one sentence, with the
//! one-click fix through the API that owns the setting:
//! - distribution lists and mail-enabled security groups: Exchange
//!   `Set-DistributionGroup -RequireSenderAuthenticationEnabled:$false` (direct mode), or that
//!   line as a script (script mode);
//! - Microsoft 365 groups: Graph `PATCH /groups/{id}` `{"allowExternalSenders": true}`, which
//!   needs `Group.ReadWrite.All`. That permission is asked only when needed (`auth::scopes`):
//!   the first time, the silent token fails with "interaction required", the card explains why
//!   and offers a button that asks consent in a popup, then runs the fix.

use super::{explain, log_activity, FailureView, GroupInfo, ScriptBox};
use crate::activity::{Action, Entry, Outcome};
use crate::auth::BridgeError;
use crate::i18n::{fill, use_i18n};
use crate::platform::now_ms;
use crate::probe::Mode;
use crate::ui::groups::tx;
use crate::ui::session::Session;
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::domain::powershell::quote;
use guestlist_core::tenant::{AuthError, GroupId, Resource, TenantError};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The script-mode line that opens a distribution group, with its connect header.
pub fn open_script(
    info: &GroupInfo,
) -> Result<String, guestlist_core::domain::powershell::PsError> {
    let identity = quote(info.target.exchange_identity())?;
    Ok(format!(
        "# Guestlist: let {} receive mail from outside the organisation.\n\
         Connect-ExchangeOnline -ShowBanner:$false\n\
         Set-DistributionGroup -Identity {identity} -RequireSenderAuthenticationEnabled:$false -BypassSecurityGroupManagerCheck\n",
        info.target.name.replace(['\r', '\n'], " ")
    ))
}

#[derive(Clone, Debug, PartialEq)]
enum FixState {
    Idle,
    Working,
    /// Graph wants the admin's consent to `Group.ReadWrite.All` first.
    NeedsConsent,
    Done,
    Failed(Failure),
}

/// Runs the fix through the API that owns the setting.
async fn open_group(session: &Session, info: &GroupInfo) -> (Service, Result<(), TenantError>) {
    match info.target.kind {
        GroupKind::Microsoft365 => (
            Service::Graph,
            session
                .graph_when_needed
                .set_allow_external_senders(&GroupId(info.target.id.clone()), true)
                .await,
        ),
        _ => (
            Service::Exchange,
            session
                .exchange
                .set_require_sender_authentication(info.target.exchange_identity(), false)
                .await,
        ),
    }
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
    let name = info.target.name.clone();
    let sentence = move || {
        let t = i18n.t();
        let text = match (kind, status.get()) {
            (GroupKind::Security, _) | (_, ExternalSenders::NotApplicable) => {
                t.groups.ext_not_applicable
            }
            (GroupKind::DynamicDistribution, ExternalSenders::Rejected) => {
                t.groups.ext_rejected_dynamic
            }
            (_, ExternalSenders::Allowed) => t.groups.ext_allowed,
            (_, ExternalSenders::Rejected) => t.groups.ext_rejected,
            (GroupKind::Microsoft365, ExternalSenders::Unknown) => t.groups.ext_unknown_m365,
            (_, ExternalSenders::Unknown) => t.groups.ext_unknown_exchange,
        };
        fill(text, &[("group", &name)])
    };
    view! {
        <section class="card external" aria-labelledby="ext-heading">
            <h2 id="ext-heading">{tx(|t| t.groups.ext_heading)}</h2>
            <p class="ext-sentence">{sentence}</p>
            {move || unread.get().map(|f| view! { <FailureView failure=f/> })}
            <OpenToExternalSenders session info status label=Signal::derive(move || i18n.t().groups.ext_fix.to_owned())/>
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
    let fix = RwSignal::new(FixState::Idle);
    let show_script = RwSignal::new(false);
    let script = open_script(&info);
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
                    let scopes = crate::auth::scopes::when_needed_scopes(Resource::Graph);
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
                let (service, result) = open_group(&session, &info).await;
                let action = Action::OpenToExternalSenders {
                    group: info.target.name.clone(),
                };
                match result {
                    Ok(()) => {
                        log_activity(Entry::new(
                            action,
                            info.target.name.clone(),
                            Outcome::Done,
                            now_ms(),
                        ));
                        status.try_set(ExternalSenders::Allowed);
                        fix.try_set(FixState::Done);
                    }
                    // No consent to Group.ReadWrite.All yet: nothing was changed; ask for it.
                    Err(TenantError::SignInAgain(_))
                        if service == Service::Graph && !consent_first =>
                    {
                        fix.try_set(FixState::NeedsConsent);
                    }
                    Err(e) => {
                        let failure = explain(service, &e);
                        log_activity(Entry::failed(
                            action,
                            info.target.name.clone(),
                            &failure,
                            now_ms(),
                        ));
                        fix.try_set(FixState::Failed(failure));
                    }
                }
            });
        }
    };

    // Memos, so that the fix's button is rebuilt only when what it does changes: a button
    // rebuilt under the admin's click (Idle → Working) would drop keyboard focus.
    let fixable = Memo::new(move |_| {
        matches!(
            kind,
            GroupKind::Distribution | GroupKind::MailEnabledSecurity | GroupKind::Microsoft365
        ) && matches!(
            status.get(),
            ExternalSenders::Rejected | ExternalSenders::Unknown
        ) && fix.get() != FixState::Done
    });
    let via_script = {
        let session = session.clone();
        Memo::new(move |_| kind != GroupKind::Microsoft365 && session.mode() != Some(Mode::Direct))
    };

    view! {
        {
            let run_fix = run_fix.clone();
            let script = script.clone();
            let file = format!("open-{}.ps1", super::file_stem(&info.target.name));
            move || {
                if !fixable.get() {
                    return None;
                }
                let view = if via_script.get() {
                    match script.clone() {
                        Ok(script) => {
                            let file = file.clone();
                            view! {
                                <button type="button" class="button" on:click=move |_| show_script.update(|s| *s = !*s)>
                                    {tx(|t| t.groups.ext_fix_script)}
                                </button>
                                <Show when=move || show_script.get()>
                                    <ScriptBox script=script.clone() file_name=file.clone()/>
                                </Show>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <p class="failure">{e.to_string()}</p> }.into_any(),
                    }
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
                        <p>{tx(|t| t.groups.ext_needs_group_rw)}</p>
                        <button type="button" class="button button--primary" on:click=move |_| run_fix(true)>
                            {tx(|t| t.groups.ext_consent)}
                        </button>
                    </div>
                }.into_any())
            }
            FixState::Working => Some(view! { <p role="status" aria-busy="true">{tx(|t| t.groups.working)}</p> }.into_any()),
            FixState::Done => Some(view! { <p role="status" class="success">{tx(|t| t.groups.ext_fixed)}</p> }.into_any()),
            FixState::Failed(f) => Some(view! { <FailureView failure=f/> }.into_any()),
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guestlist_core::domain::plan::TargetGroup;

    #[test]
    fn open_script_quotes_the_identity_and_keeps_names_on_one_line() {
        let info = GroupInfo {
            target: TargetGroup {
                id: "g1".into(),
                name: "O’Neil's\nlist".into(),
                mail: Some("o’neil@contoso.example".into()),
                kind: GroupKind::Distribution,
                external_senders: ExternalSenders::Rejected,
                dynamic_membership: false,
                on_premises_synced: false,
            },
            description: None,
            recipient_filter: None,
        };
        let script = open_script(&info).expect("script");
        assert!(script.contains("Connect-ExchangeOnline"));
        // PowerShell treats ’ as a quote too: doubled inside the single-quoted string.
        assert!(
            script.contains(
                "-Identity 'o’’neil@contoso.example' -RequireSenderAuthenticationEnabled:$false"
            ),
            "{script}"
        );
        assert_eq!(script.lines().count(), 3, "{script}");
    }
}

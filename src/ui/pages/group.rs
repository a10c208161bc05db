//! One group: details, external senders, members, add an external person.

use crate::i18n::{fill, use_i18n};
use crate::probe::{ExchangeStatus, Mode};
use crate::ui::browser;
use crate::ui::groups::add_person::AddPersonDialog;
use crate::ui::groups::delivery::{read_any, DeliveryBadge, DeliveryCheckCard};
use crate::ui::groups::external::ExternalSendersCard;
use crate::ui::groups::finder::DYNAMIC_PREFIX;
use crate::ui::groups::members::{load_members, LoadState, MemberList, MemberRow};
use crate::ui::groups::tx;
use crate::ui::groups::{explain, GroupInfo, KindBadge};
use crate::ui::pages::groups::SignInFirst;
use crate::ui::router::use_params;
use crate::ui::router::A;
use crate::ui::session::{use_session, Session};
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::domain::plan::TargetGroup;
use guestlist_core::engine::reads::{from_require_sender_authentication, target_group};
use guestlist_core::tenant::GroupId;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Route `/groups/:id`.
#[component]
pub fn GroupPage() -> impl IntoView {
    let params = use_params();
    move || {
        let id = params.with(|p| p.get("id").unwrap_or_default());
        match use_session() {
            Some(session) => view! { <GroupLoader session id/> }.into_any(),
            None => view! { <SignInFirst/> }.into_any(),
        }
    }
}

async fn load_info(session: &Session, id: &str) -> Result<GroupInfo, Failure> {
    if let Some(guid) = id.strip_prefix(DYNAMIC_PREFIX) {
        let d = session
            .exchange
            .get_dynamic_distribution_group(guid)
            .await
            .map_err(|e| explain(Service::Exchange, &e))?;
        return Ok(GroupInfo {
            target: TargetGroup {
                id: id.to_owned(),
                name: d.display_name.or(d.name).unwrap_or_default(),
                mail: d.primary_smtp_address,
                kind: GroupKind::DynamicDistribution,
                external_senders: from_require_sender_authentication(
                    d.require_sender_authentication_enabled,
                ),
                dynamic_membership: true,
                on_premises_synced: false,
            },
            description: None,
            recipient_filter: d.recipient_filter,
        });
    }
    let g = session
        .graph
        .get_group(&GroupId(id.to_owned()))
        .await
        .map_err(|e| explain(Service::Graph, &e))?;
    // Without Exchange here: a distribution group's sender setting is Exchange's, and
    // `read_exchange_senders` reads it in place once the mode probe says Exchange is reachable.
    let target = target_group(&session.graph, None, &g)
        .await
        .map_err(|e| explain(Service::Graph, &e))?;
    Ok(GroupInfo {
        target,
        description: g.description,
        recipient_filter: g.membership_rule,
    })
}

#[component]
fn GroupLoader(session: Session, id: String) -> impl IntoView {
    let info = {
        let session = session.clone();
        LocalResource::new(move || {
            let session = session.clone();
            let id = id.clone();
            // Tracks nothing but the route: a page rebuilt when the mode probe finishes would
            // throw away what the admin already started (an open dialog, a running fix).
            async move { load_info(&session, &id).await }
        })
    };
    view! {
        <div class="page">
            <p class="breadcrumb"><A href="/">{tx(|t| t.groups().back_to_groups)}</A></p>
            {move || match info.get() {
                None => view! {
                    <h1 class="page-title" tabindex="-1">{tx(|t| t.groups().group_loading)}</h1>
                    <p role="status" aria-busy="true">{tx(|t| t.groups().group_loading)}</p>
                }
                .into_any(),
                Some(Err(f)) => view! {
                    <h1 class="page-title" tabindex="-1">{tx(|t| t.groups().group_failed)}</h1>
                    <crate::ui::groups::FailureView failure=f/>
                }
                .into_any(),
                Some(Ok(info)) => view! { <GroupView session=session.clone() info/> }.into_any(),
            }}
        </div>
    }
}

/// A distribution group's `RequireSenderAuthenticationEnabled` lives in Exchange only: read it
/// once the mode probe says Exchange answers this browser (the page may show before the probe
/// is done, after a reload). The page stays as it is; only the status changes.
fn read_exchange_senders(
    session: &Session,
    info: &GroupInfo,
    status: RwSignal<ExternalSenders>,
    unread: RwSignal<Option<Failure>>,
) {
    if !matches!(
        info.target.kind,
        GroupKind::Distribution | GroupKind::MailEnabledSecurity
    ) {
        return;
    }
    let session = session.clone();
    let target = info.target.clone();
    let asked = StoredValue::new(false);
    Effect::new(move |_| {
        if session.mode() != Some(Mode::Direct) || asked.get_value() {
            return;
        }
        asked.set_value(true);
        let session = session.clone();
        let target = target.clone();
        spawn_local(async move {
            match session.engine().external_senders(&target).await {
                Ok(s) => {
                    status.try_set(s);
                }
                Err(e) => {
                    unread.try_set(Some(explain(Service::Exchange, &e)));
                }
            }
        });
    });
}

#[component]
fn GroupView(session: Session, info: GroupInfo) -> impl IntoView {
    let i18n = use_i18n();
    let name = info.target.name.clone();
    {
        let name = name.clone();
        Effect::new(move |_| {
            let t = i18n.t();
            browser::set_document_title(&fill(t.common.document_title, &[("page", &name)]));
        });
    }
    let external = RwSignal::new(info.target.external_senders);
    let external_unread = RwSignal::new(None::<Failure>);
    read_exchange_senders(&session, &info, external, external_unread);
    let any_check = RwSignal::new(None);
    read_any(&session, &info, any_check, external);
    let rows = RwSignal::new(Vec::<MemberRow>::new());
    let state = RwSignal::new(LoadState::Loading);
    let adding = RwSignal::new(false);
    let kind = info.target.kind;
    let reload = {
        let session = session.clone();
        let id = info.target.id.clone();
        move || {
            if kind == GroupKind::DynamicDistribution {
                state.set(LoadState::Done);
                return;
            }
            rows.set(Vec::new());
            state.set(LoadState::Loading);
            spawn_local(load_members(
                session.clone(),
                GroupId(id.clone()),
                rows,
                state,
            ));
        }
    };
    reload();

    let mode_note = {
        let session = session.clone();
        move || {
            let t = i18n.t();
            let report = session.report()?;
            if report.mode == Mode::Direct {
                return None;
            }
            let text = match report.exchange {
                ExchangeStatus::NoRole => t.groups().mode_no_role,
                _ => t.groups().mode_script,
            };
            Some(view! { <p class="notice mode-note">{text}</p> })
        }
    };
    let can_add = kind != GroupKind::DynamicDistribution && !info.target.on_premises_synced;
    let details = info.clone();
    view! {
        <h1 class="page-title" tabindex="-1">{name.clone()}</h1>
        <section class="card group-details" aria-labelledby="details-heading">
            <h2 id="details-heading" class="visually-hidden">{tx(|t| t.groups().details_heading)}</h2>
            <p><KindBadge kind=kind/> " " <DeliveryBadge any=any_check external/> " " <span class="group-mail">{details.target.mail.clone().unwrap_or_default()}</span></p>
            {details.description.clone().map(|d| view! { <p class="group-description">{d}</p> })}
            {(kind == GroupKind::DynamicDistribution).then(|| {
                let filter = details.recipient_filter.clone().unwrap_or_default();
                view! {
                    <p class="notice">{tx(|t| t.groups().dynamic_explain)}</p>
                    <p><span>{tx(|t| t.groups().dynamic_rule)}</span> " " <code>{filter.clone()}</code></p>
                }
            })}
            {details.target.on_premises_synced.then(|| view! { <p class="notice">{tx(|t| t.groups().onprem_explain)}</p> })}
            {mode_note}
            {can_add.then(|| view! {
                <div class="actions">
                    <button type="button" class="button button--primary" on:click=move |_| adding.set(true)>
                        {tx(|t| t.groups().add_person)}
                    </button>
                    <span class="hint">{move || i18n.t().groups().add_route(kind)}</span>
                </div>
            })}
        </section>
        <ExternalSendersCard session=session.clone() info=info.clone() status=external unread=external_unread/>
        {(kind != GroupKind::Security).then(|| view! {
            <DeliveryCheckCard session=session.clone() info=info.clone() any=any_check/>
        })}
        {(kind != GroupKind::DynamicDistribution).then(|| view! {
            <MemberList session=session.clone() info=info.clone() rows state/>
        })}
        {
            let session = session.clone();
            let info = info.clone();
            move || adding.get().then(|| {
                let reload = reload.clone();
                view! {
                    <AddPersonDialog
                        session=session.clone()
                        info=info.clone()
                        members=rows
                        external
                        on_close=move |changed| {
                            adding.set(false);
                            if changed {
                                reload();
                            }
                        }
                    />
                }
            })
        }
    }
}

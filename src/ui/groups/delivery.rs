//! "Can they mail the group, and will they receive its mail?" on the group page: the group's
//! delivery restrictions read through Exchange (`Get-DistributionGroup` / `Get-UnifiedGroup`, a
//! Microsoft 365 group's `allowExternalSenders` through Graph), evaluated by the domain
//! (`domain::delivery::evaluate`) for any external sender and for an address the admin types;
//! each setting that decides it, with the outcome and the bounce code linked to Microsoft's page;
//! each finding's fix as a plan shown before anything changes, run through the change engine
//! (journalled, recorded in Activity; in script mode the script and Verify). Opening the group to
//! external senders is the page's own fix, on its external-senders card
//! (`external::OpenToExternalSenders`, which asks the consent a Microsoft 365 group needs): the
//! check points there rather than offer a second button. Dynamic and synced groups are explained,
//! with no fix.

use super::add_person::finished::{finished, not_run, Finished, FinishedView};
use super::{explain, ExternalsBadge as Badge, FailureView, GroupInfo};
use crate::i18n::{fill, use_i18n, Texts};
use crate::platform::BrowserClock;
use crate::probe::Mode;
use crate::ui::groups::tx;
use crate::ui::session::Session;
use guestlist_core::domain::delivery::{
    outcome, Fix, Membership, NdrCode, NoFixReason, Outcome, ReceiveCheck, ReceiveFinding,
    ReportedBounce, Restriction, Sender,
};
use guestlist_core::domain::email::EmailAddress;
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::domain::plan::Plan;
use guestlist_core::engine::reads::{
    from_allow_external_senders, from_require_sender_authentication,
};
use guestlist_core::tenant::graph::MAX_BATCH;
use guestlist_core::tenant::{DeliveryCheck, GroupId};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashMap;
use std::sync::Arc;

/// The badge for the group page: the "any external sender" check, or the switch alone.
pub fn badge(any: Option<&DeliveryCheck>, external: ExternalSenders) -> Option<Badge> {
    Badge::of(any.map(|c| &c.send.outcome), external)
}

/// The delivery badge of the group page.
#[component]
pub fn DeliveryBadge(
    any: RwSignal<Option<Result<DeliveryCheck, Failure>>>,
    external: RwSignal<ExternalSenders>,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let b = any.with(|a| badge(a.as_ref().and_then(|r| r.as_ref().ok()), external.get()))?;
        let (class, text) = b.class_and_text(i18n.t());
        Some(view! { <span class=class data-testid="delivery-badge">{text}</span> })
    }
}

/// A group the finder found, as the delivery check sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundDelivery {
    /// The external-senders switch (`RequireSenderAuthenticationEnabled`, a Microsoft 365
    /// group's `allowExternalSenders`).
    pub external: ExternalSenders,
    /// What any external sender gets, where Exchange's restrictions were read (direct mode).
    pub any_external: Option<Outcome>,
}

/// A dynamic distribution group the finder found: Exchange knows it, Graph doesn't.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundDynamic {
    /// Its Exchange GUID (it has no Entra object id).
    pub guid: String,
    pub name: String,
    pub mail: Option<String>,
    /// `RequireSenderAuthenticationEnabled`.
    pub external: ExternalSenders,
}

/// The finder's badges: what [`found_delivery`] read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FoundBadges {
    /// By lower-cased object id.
    pub groups: HashMap<String, FoundDelivery>,
    /// In direct mode, the dynamic distribution groups matching the query (`Get-DynamicDistributionGroup`).
    pub dynamic: Vec<FoundDynamic>,
    /// Exchange couldn't add its part (Graph's still stands).
    pub exchange_failed: Option<Failure>,
}

/// The finder's part of the check, for the results of `query`:
/// - the Microsoft 365 groups among them (`unified`, object ids): `allowExternalSenders`, 20
///   groups to a Graph `$batch` (Graph shows it only on a single-group GET), in both modes;
/// - in direct mode, the distribution and mail-enabled security groups matching `query`
///   (`Get-DistributionGroup -Anr`) and the Microsoft 365 ones by id (`Get-UnifiedGroup
///   -Filter`), one call each, which show their restrictions: each with what any external
///   sender gets; and the dynamic distribution groups matching `query`, which only Exchange
///   knows.
///
/// A group whose switch can't be read keeps no badge (the list is what matters). A split point
/// of its own with the `split` feature (see `lazy_view!` in `ui/mod.rs`): decoding the
/// restrictions and the rules stay out of the first load, fetched with the first search.
#[cfg_attr(feature = "split", leptos::lazy)]
pub async fn found_delivery(
    session: Session,
    query: String,
    unified: Vec<String>,
    direct: bool,
) -> FoundBadges {
    // Graph's switches and Exchange's lists are read side by side: the results wait for the
    // slower of the two, not for both in turn.
    let exchange = &session.exchange;
    let exchange_reads = async {
        if direct {
            Some(
                futures::future::join3(
                    exchange.find_distribution_groups(&query),
                    exchange.unified_groups_by_id(&unified),
                    exchange.find_dynamic_distribution_groups(&query),
                )
                .await,
            )
        } else {
            None
        }
    };
    let (allow, exchange_answers) =
        futures::future::join(unified_switches(&session, &unified), exchange_reads).await;
    let mut found = FoundBadges::default();
    for (id, a) in &allow {
        found.groups.insert(
            id.clone(),
            FoundDelivery {
                external: from_allow_external_senders(Some(*a)),
                any_external: None,
            },
        );
    }
    let Some((lists, unified_lists, dynamic)) = exchange_answers else {
        return found;
    };
    let anyone = Sender::any_external("");
    for answer in [lists, unified_lists] {
        let groups = match answer {
            Ok(g) => g,
            Err(e) => {
                found
                    .exchange_failed
                    .get_or_insert(explain(Service::Exchange, &e));
                continue;
            }
        };
        for d in groups {
            let Some(id) = d.recipient.external_directory_object_id.as_deref() else {
                continue;
            };
            let id = crate::ui::lowercase(id);
            let Some(kind) = d
                .recipient
                .recipient_type_details
                .as_deref()
                .and_then(|t| GroupKind::from_recipient_type_details(t).ok())
            else {
                continue;
            };
            // Graph's switch, where read, wins over Exchange's view of it.
            let settings = d.settings(kind, allow.get(&id).copied());
            found.groups.insert(
                id,
                FoundDelivery {
                    external: settings.external_senders,
                    any_external: Some(outcome(&settings, &anyone)),
                },
            );
        }
    }
    match dynamic {
        Ok(groups) => {
            found.dynamic = groups
                .into_iter()
                .filter_map(|d| {
                    Some(FoundDynamic {
                        guid: d.guid?,
                        name: d.display_name.or(d.name).unwrap_or_default(),
                        mail: d.primary_smtp_address,
                        external: from_require_sender_authentication(
                            d.require_sender_authentication_enabled,
                        ),
                    })
                })
                .collect();
        }
        Err(e) => {
            found
                .exchange_failed
                .get_or_insert(explain(Service::Exchange, &e));
        }
    }
    found
}

/// `allowExternalSenders` of the Microsoft 365 groups `ids`, by lower-cased id: the batches of 20
/// sent together; a batch or a group that fails is left out.
async fn unified_switches(session: &Session, ids: &[String]) -> HashMap<String, bool> {
    let ids: Vec<GroupId> = ids.iter().map(|id| GroupId(id.clone())).collect();
    let batches = ids
        .chunks(MAX_BATCH)
        .map(|chunk| session.graph.allow_external_senders_of(chunk));
    let mut allow = HashMap::new();
    for (chunk, answers) in ids
        .chunks(MAX_BATCH)
        .zip(futures::future::join_all(batches).await)
    {
        match answers {
            Ok(answers) => {
                for (id, a) in chunk.iter().zip(answers) {
                    match a {
                        Ok(Some(a)) => {
                            allow.insert(crate::ui::lowercase(id.as_str()), a);
                        }
                        Ok(None) => {}
                        Err(e) => {
                            leptos::logging::log!("external senders of {id:?} not shown: {e}")
                        }
                    }
                }
            }
            Err(e) => leptos::logging::log!("external senders not shown: {e}"),
        }
    }
    allow
}

/// Reads the "any external sender" answer once Exchange answers this browser (direct mode), and
/// again when the page's external-senders card has opened the group (the badge follows).
pub fn read_any(
    session: &Session,
    info: &GroupInfo,
    any: RwSignal<Option<Result<DeliveryCheck, Failure>>>,
    external: RwSignal<ExternalSenders>,
) {
    if info.target.kind == GroupKind::Security {
        return;
    }
    let session = session.clone();
    let target = info.target.clone();
    // The switch as it was at the last read (`None`: not read yet).
    let read_at = StoredValue::new(None::<ExternalSenders>);
    Effect::new(move |_| {
        let now = external.get();
        if session.mode() != Some(Mode::Direct) {
            return;
        }
        let again = match read_at.get_value() {
            None => true,
            Some(before) => before != ExternalSenders::Allowed && now == ExternalSenders::Allowed,
        };
        if !again {
            return;
        }
        read_at.set_value(Some(now));
        let session = session.clone();
        let target = target.clone();
        spawn_local(async move {
            let r = session
                .engine()
                .delivery_check_any(&target)
                .await
                .map_err(|e| explain(Service::Exchange, &e));
            any.try_set(Some(r));
        });
    });
}

/// An address's check: can they send, will they receive.
#[derive(Clone, Debug, PartialEq)]
struct Checked {
    check: DeliveryCheck,
    receive: Option<ReceiveCheck>,
}

/// Where a chosen fix is.
#[derive(Clone)]
enum FixStep {
    None,
    /// The plan, shown before anything changes.
    Review(Arc<Plan>),
    Running,
    Finished(Arc<Finished>),
}

/// How the sender is named in sentences: the address, or "any external sender".
fn sender_name(t: &'static Texts, check: &DeliveryCheck) -> String {
    if check.sender.address.is_empty() {
        t.groups().dl_any_sender.to_owned()
    } else {
        check.sender.address.clone()
    }
}

/// The sender named inside a sentence: the address, or "an external sender".
fn sender_mid(t: &'static Texts, check: &DeliveryCheck) -> String {
    if check.sender.address.is_empty() {
        t.groups().dl_any_sender_mid.to_owned()
    } else {
        check.sender.address.clone()
    }
}

fn moderators(t: &'static Texts, list: &[String]) -> String {
    if list.is_empty() {
        t.groups().dl_owners.to_owned()
    } else {
        list.join(", ")
    }
}

/// A bounce code linked to Microsoft's page for it.
#[component]
fn CodeLink(code: NdrCode) -> impl IntoView {
    view! {
        <a class="ndr-code" href=code.page() target="_blank" rel="noopener noreferrer">{code.as_str()}</a>
    }
}

/// The outcome of a check, in a sentence, with the code's link.
#[component]
fn OutcomeLine(check: DeliveryCheck, group: String) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let t = i18n.t();
        let sender = sender_name(t, &check);
        let args = [("sender", sender.as_str()), ("group", group.as_str())];
        match &check.send.outcome {
            Outcome::Delivered => view! {
                <p class="outcome outcome--ok" role="status">{fill(t.groups().dl_delivered, &args)}</p>
            }
            .into_any(),
            Outcome::Held { moderators: m } => {
                let m = moderators(t, m);
                view! {
                    <p class="outcome outcome--held" role="status">
                        {fill(t.groups().dl_held, &[("sender", sender.as_str()), ("group", group.as_str()), ("moderators", m.as_str())])}
                    </p>
                }
                .into_any()
            }
            Outcome::Rejected { code } => view! {
                <p class="outcome outcome--bounce" role="status">
                    {fill(t.groups().dl_rejected, &args)} " " <CodeLink code=*code/>
                </p>
            }
            .into_any(),
        }
    }
}

/// One restriction in words.
fn restriction_text(t: &'static Texts, r: &Restriction, sender: &str) -> String {
    let g = t.groups();
    match r {
        Restriction::SenderAuthentication => g.dl_r_auth.to_owned(),
        Restriction::Blocked {
            list,
            entry,
            via_group: false,
        } => fill(
            g.dl_r_blocked,
            &[("entry", entry.as_str()), ("list", list.parameter())],
        ),
        Restriction::Blocked {
            list,
            entry,
            via_group: true,
        } => fill(
            g.dl_r_blocked_group,
            &[
                ("sender", sender),
                ("entry", entry.as_str()),
                ("list", list.parameter()),
            ],
        ),
        Restriction::NotAllowed => fill(g.dl_r_not_allowed, &[("sender", sender)]),
        Restriction::Moderated { moderators: m } => {
            let m = moderators(t, m);
            fill(g.dl_r_moderated, &[("moderators", m.as_str())])
        }
    }
}

/// A fix's button words; `None` for "no fix" (explained instead).
fn fix_text(t: &'static Texts, fix: &Fix, sender: &str) -> Option<String> {
    let g = t.groups();
    Some(match fix {
        Fix::OpenToExternalSenders { .. } => g.ext_fix.to_owned(),
        Fix::AllowSender {
            create_contact: false,
        } => fill(g.dl_fix_allow, &[("sender", sender)]),
        Fix::AllowSender {
            create_contact: true,
        } => fill(g.dl_fix_allow_contact, &[("sender", sender)]),
        Fix::AllowGroupMembers => g.dl_fix_allow_members.to_owned(),
        Fix::BypassModeration {
            create_contact: false,
        } => fill(g.dl_fix_bypass, &[("sender", sender)]),
        Fix::BypassModeration {
            create_contact: true,
        } => fill(g.dl_fix_bypass_contact, &[("sender", sender)]),
        Fix::Unblock { entry, .. } => fill(g.dl_fix_unblock, &[("entry", entry.as_str())]),
        Fix::None { .. } => return None,
    })
}

fn no_fix_text(t: &'static Texts, reason: NoFixReason) -> &'static str {
    match reason {
        NoFixReason::RuleBasedMembership => t.groups().dl_no_fix_dynamic,
        NoFixReason::MasteredOnPremises => t.groups().dl_no_fix_onprem,
    }
}

/// The receiving side in sentences.
fn receive_lines(t: &'static Texts, r: &ReceiveCheck, sender: &str, group: &str) -> Vec<String> {
    let g = t.groups();
    let args = [("sender", sender), ("group", group)];
    let mut out = Vec::new();
    match &r.membership {
        Membership::Direct => out.push(fill(g.dl_receive_direct, &args)),
        Membership::Nested { .. } => out.push(fill(g.dl_receive_nested, &args)),
        Membership::NotMember => {}
    }
    for f in &r.findings {
        out.push(match f {
            ReceiveFinding::NotAMember => fill(g.dl_receive_not_member, &args),
            ReceiveFinding::AddressNotCarried { .. } => {
                fill(g.dl_receive_not_carried, &[("sender", sender)])
            }
            ReceiveFinding::NoReturnPath => g.dl_receive_no_return.to_owned(),
        });
    }
    out
}

/// The findings of a check, each with its fixes; a chosen fix goes to `chosen`.
#[component]
fn Findings(
    session: Session,
    info: GroupInfo,
    check: DeliveryCheck,
    step: RwSignal<FixStep>,
    /// The "any external sender" check: no person to name in a list, so only opening is offered.
    any: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let group_kind = info.target.kind;
    let findings = check.send.findings.clone();
    let list = findings
        .into_iter()
        .enumerate()
        .map(|(n, finding)| {
            let check = check.clone();
            let session = session.clone();
            let info = info.clone();
            let outcome = finding.restriction.outcome();
            let text = {
                let check = check.clone();
                let r = finding.restriction.clone();
                move || {
                    let t = i18n.t();
                    restriction_text(t, &r, &sender_mid(t, &check))
                }
            };
            let badge = match outcome {
                Outcome::Rejected { code } => view! { <span class="finding-outcome">{tx(|t| t.groups().dl_outcome_bounce)} " " <CodeLink code/></span> }.into_any(),
                _ => view! { <span class="finding-outcome">{tx(|t| t.groups().dl_outcome_held)}</span> }.into_any(),
            };
            let no_fix_m365 = finding.fixes.is_empty()
                && matches!(finding.restriction, Restriction::Moderated { .. })
                && group_kind == GroupKind::Microsoft365;
            let fixes = finding
                .fixes
                .into_iter()
                .map(|fix| {
                    let check = check.clone();
                    let session = session.clone();
                    let info = info.clone();
                    match fix {
                        Fix::None { reason } => view! {
                            <p class="notice">{move || no_fix_text(i18n.t(), reason)}</p>
                        }
                        .into_any(),
                        // The page's own external-senders card makes this change (with the
                        // consent a Microsoft 365 group needs): one button for it on the page.
                        Fix::OpenToExternalSenders { .. } => view! {
                            <p class="hint">{tx(|t| t.groups().dl_fix_open_above)}</p>
                        }
                        .into_any(),
                        _ if any => view! { <p class="hint">{tx(|t| t.groups().dl_any_fix_hint)}</p> }.into_any(),
                        fix => {
                            let label = {
                                let check = check.clone();
                                let fix = fix.clone();
                                move || {
                                    let t = i18n.t();
                                    fix_text(t, &fix, &check.sender.address).unwrap_or_default()
                                }
                            };
                            let review = move |_| {
                                let plan = session.engine().delivery_fix(&info.target, &check, &fix);
                                if let Some(plan) = plan {
                                    step.set(FixStep::Review(Arc::new(plan)));
                                }
                            };
                            view! {
                                <button type="button" class="button" on:click=review>{label}</button>
                            }
                            .into_any()
                        }
                    }
                })
                .collect_view();
            view! {
                <li class="finding" data-finding=n>
                    <p>{text} " " {badge}</p>
                    {no_fix_m365.then(|| view! { <p class="notice">{tx(|t| t.groups().dl_no_fix_m365_moderation)}</p> })}
                    <div class="actions">{fixes}</div>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="findings">{list}</ol> }
}

/// A fix's plan, its run and its result.
#[component]
fn FixView(session: Session, info: GroupInfo, step: RwSignal<FixStep>) -> impl IntoView {
    let i18n = use_i18n();
    move || match step.get() {
        FixStep::None => None,
        FixStep::Running => Some(
            view! { <p role="status" aria-busy="true">{tx(|t| t.groups().running)}</p> }.into_any(),
        ),
        FixStep::Finished(f) => Some(
            view! { <FinishedView session=session.clone() finished=f info=info.clone() fix=true/> }
                .into_any(),
        ),
        FixStep::Review(plan) => {
            let direct = session.mode() == Some(Mode::Direct);
            let lines = {
                let plan = plan.clone();
                move || {
                    let t = i18n.t();
                    plan.ops
                        .iter()
                        .map(|o| view! { <li>{t.operation(&plan, &o.op)}</li> })
                        .collect_view()
                }
            };
            let run = {
                let session = session.clone();
                let plan = plan.clone();
                move |_| {
                    let session = session.clone();
                    let plan = (*plan).clone();
                    step.set(FixStep::Running);
                    spawn_local(async move {
                        let r = session
                            .engine()
                            .run_now(&plan, None, &BrowserClock, &session.activity())
                            .await;
                        let f = match r {
                            Ok(run) => finished(plan, run),
                            Err(e) => not_run(plan, &e),
                        };
                        step.try_set(FixStep::Finished(Arc::new(f)));
                    });
                }
            };
            Some(
                view! {
                    <section class="fix-plan" aria-labelledby="fix-plan-heading">
                        <h3 id="fix-plan-heading">{tx(|t| t.groups().plan_heading)}</h3>
                        <p>{move || if direct { i18n.t().groups().plan_direct } else { i18n.t().groups().plan_script }}</p>
                        <ul class="op-list">{lines}</ul>
                        <div class="actions">
                            <button type="button" class="button button--primary" on:click=run>
                                {move || if direct { i18n.t().groups().make_changes } else { i18n.t().groups().make_changes_script }}
                            </button>
                            <button type="button" class="button" on:click=move |_| step.set(FixStep::None)>
                                {tx(|t| t.groups().cancel)}
                            </button>
                        </div>
                    </section>
                }
                .into_any(),
            )
        }
    }
}

/// Reads an address's check and its receiving side.
async fn check_address(
    session: &Session,
    info: &GroupInfo,
    address: &str,
) -> Result<Checked, Failure> {
    let engine = session.engine();
    let check = engine
        .delivery_check(&info.target, address)
        .await
        .map_err(|e| explain(Service::Exchange, &e))?;
    let receive = engine
        .receive_check(&info.target, &check)
        .await
        .map_err(|e| explain(Service::Exchange, &e))?;
    Ok(Checked { check, receive })
}

/// What became of a script-mode request for a fix (the plan itself goes to the fix's step).
#[derive(Clone, Debug, PartialEq)]
enum Reported {
    BadAddress,
    NoFix,
    Failed(Failure),
}

/// Script mode: Exchange's restrictions can't be read here, but the bounce the sender got names
/// the cause. The admin types the address and picks what they got; the fix's plan (a contact
/// where Graph shows none, then the list change) becomes the script, which looks first, and
/// Verify.
#[component]
fn ReportedFix(session: Session, info: GroupInfo, step: RwSignal<FixStep>) -> impl IntoView {
    let address = RwSignal::new(String::new());
    let bounce = RwSignal::new(ReportedBounce::NotAllowed);
    let reported = RwSignal::new(None::<Reported>);
    let m365 = info.target.kind == GroupKind::Microsoft365;
    let submit = {
        let session = session.clone();
        let info = info.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            reported.set(None);
            step.set(FixStep::None);
            let Ok(a) = EmailAddress::parse(address.get_untracked().trim()) else {
                reported.set(Some(Reported::BadAddress));
                return;
            };
            let b = bounce.get_untracked();
            let session = session.clone();
            let info = info.clone();
            spawn_local(async move {
                match session.engine().reported_fix(&info.target, &a, b).await {
                    Ok(Some(plan)) => {
                        step.try_set(FixStep::Review(Arc::new(plan)));
                    }
                    Ok(None) => {
                        reported.try_set(Some(Reported::NoFix));
                    }
                    Err(e) => {
                        reported.try_set(Some(Reported::Failed(explain(Service::Graph, &e))));
                    }
                }
            });
        }
    };
    view! {
        <p>{tx(|t| t.groups().dl_script_offer)}</p>
        <form class="delivery-form" on:submit=submit>
            <label for="delivery-reported-address">{tx(|t| t.groups().dl_address_label)}</label>
            <input
                id="delivery-reported-address"
                type="email"
                autocomplete="off"
                prop:value=move || address.get()
                on:input=move |ev| address.set(event_target_value(&ev))
            />
            <label for="delivery-bounce">{tx(|t| t.groups().dl_bounce_label)}</label>
            <select
                id="delivery-bounce"
                on:change=move |ev| {
                    bounce.set(if event_target_value(&ev) == "held" {
                        ReportedBounce::Held
                    } else {
                        ReportedBounce::NotAllowed
                    })
                }
            >
                <option value="allowed">{tx(|t| t.groups().dl_bounce_not_allowed)}</option>
                {(!m365).then(|| view! { <option value="held">{tx(|t| t.groups().dl_bounce_held)}</option> })}
            </select>
            <button type="submit" class="button">{tx(|t| t.groups().dl_show_fix)}</button>
        </form>
        {move || match reported.get() {
            None => None,
            Some(Reported::BadAddress) => Some(view! { <p class="form-errors" role="alert">{tx(|t| t.groups().dl_bad_address)}</p> }.into_any()),
            Some(Reported::NoFix) => Some(view! { <p class="notice">{tx(|t| t.groups().dl_no_reported_fix)}</p> }.into_any()),
            Some(Reported::Failed(f)) => Some(view! { <FailureView failure=f/> }.into_any()),
        }}
        <FixView session info step/>
    }
}

/// The group page's delivery check card.
#[component]
pub fn DeliveryCheckCard(
    session: Session,
    info: GroupInfo,
    /// The "any external sender" check (read by [`read_any`]).
    any: RwSignal<Option<Result<DeliveryCheck, Failure>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let name = info.target.name.clone();
    let address = RwSignal::new(String::new());
    let checked = RwSignal::new(None::<Result<Checked, Failure>>);
    let checking = RwSignal::new(false);
    let any_step = RwSignal::new(FixStep::None);
    let step = RwSignal::new(FixStep::None);
    let direct = {
        let session = session.clone();
        Memo::new(move |_| session.mode() == Some(Mode::Direct))
    };
    let submit = {
        let session = session.clone();
        let info = info.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let a = address.get_untracked().trim().to_owned();
            if a.is_empty() {
                return;
            }
            checking.set(true);
            step.set(FixStep::None);
            let session = session.clone();
            let info = info.clone();
            spawn_local(async move {
                let r = check_address(&session, &info, &a).await;
                checking.try_set(false);
                checked.try_set(Some(r));
            });
        }
    };
    let any_view = {
        let session = session.clone();
        let info = info.clone();
        let name = name.clone();
        move || {
            if !direct.get() {
                return Some(
                    view! {
                        <p class="notice">{tx(|t| t.groups().dl_script_mode)}</p>
                        <ReportedFix session=session.clone() info=info.clone() step=any_step/>
                    }
                    .into_any(),
                );
            }
            match any.get() {
                None => Some(view! { <p role="status" aria-busy="true">{tx(|t| t.groups().dl_checking)}</p> }.into_any()),
                Some(Err(f)) => Some(view! { <FailureView failure=f/> }.into_any()),
                Some(Ok(check)) => Some(view! {
                    <OutcomeLine check=check.clone() group=name.clone()/>
                    {check.send.external_senders_unknown.then(|| view! { <p class="notice">{tx(|t| t.groups().dl_unknown_switch)}</p> })}
                    <Findings session=session.clone() info=info.clone() check step=any_step any=true/>
                }.into_any()),
            }
        }
    };
    let address_view = {
        let session = session.clone();
        let info = info.clone();
        let name = name.clone();
        move || match checked.get() {
            None => None,
            Some(Err(f)) => Some(view! { <FailureView failure=f/> }.into_any()),
            Some(Ok(c)) => {
                let receive = c.receive.clone().map(|r| {
                    let check = c.check.clone();
                    let name = name.clone();
                    view! {
                        <h3>{tx(|t| t.groups().dl_receive_heading)}</h3>
                        <ul class="receive">
                            {move || {
                                let t = i18n.t();
                                receive_lines(t, &r, &sender_name(t, &check), &name)
                                    .into_iter()
                                    .map(|l| view! { <li>{l}</li> })
                                    .collect_view()
                            }}
                        </ul>
                    }
                });
                Some(view! {
                    <OutcomeLine check=c.check.clone() group=name.clone()/>
                    <Findings session=session.clone() info=info.clone() check=c.check.clone() step any=false/>
                    <FixView session=session.clone() info=info.clone() step/>
                    {receive}
                }.into_any())
            }
        }
    };
    view! {
        <section class="card delivery" aria-labelledby="delivery-heading">
            <h2 id="delivery-heading">{tx(|t| t.groups().dl_heading)}</h2>
            <h3>{tx(|t| t.groups().dl_any_heading)}</h3>
            {any_view}
            <Show when=move || direct.get()>
                <form class="delivery-form" on:submit=submit.clone()>
                    <label for="delivery-address">{tx(|t| t.groups().dl_address_label)}</label>
                    <input
                        id="delivery-address"
                        type="email"
                        autocomplete="off"
                        prop:value=move || address.get()
                        on:input=move |ev| address.set(event_target_value(&ev))
                    />
                    <button type="submit" class="button" disabled=move || checking.get()>
                        {tx(|t| t.groups().dl_check)}
                    </button>
                </form>
                {move || checking.get().then(|| view! { <p role="status" aria-busy="true">{tx(|t| t.groups().dl_checking)}</p> })}
                {address_view.clone()}
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guestlist_core::domain::delivery::{
        evaluate, DeliverySettings, RecipientRef, SendCheck, Sender,
    };

    fn check(settings: &DeliverySettings) -> DeliveryCheck {
        let sender = Sender::any_external(String::new());
        let send: SendCheck = evaluate(settings, &sender);
        DeliveryCheck {
            settings: settings.clone(),
            sender,
            send,
        }
    }

    #[test]
    fn the_badge_follows_the_first_restriction_and_falls_back_to_the_switch() {
        let mut s = DeliverySettings::open(
            RecipientRef::new("Sales", &["sales@contoso.example"]),
            GroupKind::Distribution,
        );
        assert_eq!(
            badge(Some(&check(&s)), ExternalSenders::Allowed),
            Some(Badge::Open)
        );
        s.moderation_enabled = true;
        assert_eq!(
            badge(Some(&check(&s)), ExternalSenders::Allowed),
            Some(Badge::Moderated)
        );
        s.accept_messages_only_from = vec!["Chris".into()];
        assert_eq!(
            badge(Some(&check(&s)), ExternalSenders::Allowed),
            Some(Badge::Bounces(NdrCode::NotInAllowedSenders))
        );
        s.external_senders = ExternalSenders::Rejected;
        assert_eq!(
            badge(Some(&check(&s)), ExternalSenders::Allowed),
            Some(Badge::Bounces(NdrCode::SenderNotAuthenticated))
        );
        // Script mode: only the switch is known.
        assert_eq!(
            badge(None, ExternalSenders::Rejected),
            Some(Badge::Bounces(NdrCode::SenderNotAuthenticated))
        );
        assert_eq!(badge(None, ExternalSenders::Unknown), None);
        assert_eq!(badge(None, ExternalSenders::Allowed), None);
    }
}

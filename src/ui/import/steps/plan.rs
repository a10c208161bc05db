//! Step 5, the plan: bulk reads and the planner, then totals, the groups' warnings (with their
//! fixes) and the plan row by row, before anything changes.

use super::{more_rows, session_fn, SHOWN};
use crate::i18n::{fill, use_i18n, Texts};
use crate::ui::groups::external::OpenToExternalSenders;
use crate::ui::groups::GroupInfo;
use crate::ui::import::driver;
use crate::ui::import::state::ImportState;
use crate::ui::session::Session;
use guestlist_core::domain::group::ExternalSenders;
use guestlist_core::domain::plan::{GroupWarning, OpId, OutcomeKind, Plan};
use leptos::prelude::*;

const OUTCOMES: [OutcomeKind; 9] = [
    OutcomeKind::CreateContact,
    OutcomeKind::ReuseContact,
    OutcomeKind::InviteGuest,
    OutcomeKind::ReuseGuest,
    OutcomeKind::ReuseUser,
    OutcomeKind::AlreadyMember,
    OutcomeKind::Invalid,
    OutcomeKind::Duplicate,
    OutcomeKind::NotPossible,
];

fn warning_view(
    t: &'static Texts,
    plan: &Plan,
    w: &GroupWarning,
    declined: &ArcRwSignal<Vec<OpId>>,
    scope: &str,
    session: Option<Session>,
) -> AnyView {
    let group = |i: usize| {
        plan.groups
            .get(i)
            .map(|g| g.name.clone())
            .unwrap_or_default()
    };
    match w {
        GroupWarning::RejectsExternalSenders { group: g, fix }
            if plan.op(*fix).is_some_and(|o| o.op.opens_microsoft_365_group()) =>
        {
            // Needs Group.ReadWrite.All by consent, which only a click can ask (a popup): a
            // button here, not a step of the run.
            let name = group(*g);
            let fix_view = match (session, plan.groups.get(*g)) {
                (Some(session), Some(target)) => {
                    let info = GroupInfo {
                        target: target.clone(),
                        description: None,
                        recipient_filter: None,
                    };
                    let label = fill(t.import().warn_open_now, &[("group", &name)]);
                    Some(view! {
                        <OpenToExternalSenders
                            session
                            info
                            status=RwSignal::new(ExternalSenders::Rejected)
                            label=Signal::stored(label)
                        />
                    })
                }
                _ => None,
            };
            view! {
                <li class="import-warning">
                    <p>{fill(t.import().warn_rejects, &[("group", &name)])}</p>
                    {fix_view}
                </li>
            }
            .into_any()
        }
        GroupWarning::RejectsExternalSenders { group: g, fix } => {
            let name = group(*g);
            let fix = *fix;
            let declined = declined.clone();
            let declined_read = declined.clone();
            let id = format!("imp-fix{scope}-{}", fix.0);
            view! {
                <li class="import-warning">
                    <p>{fill(t.import().warn_rejects, &[("group", &name)])}</p>
                    <input type="checkbox" id=id.clone()
                        prop:checked=move || declined_read.with(|d| !d.contains(&fix))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            declined.update(|d| {
                                d.retain(|x| *x != fix);
                                if !on { d.push(fix) }
                            });
                        }/>
                    <label for=id>{fill(t.import().warn_fix, &[("group", &name)])}</label>
                </li>
            }
            .into_any()
        }
        GroupWarning::NotOnAllowedSenders { group: g, fixes } => {
            let name = group(*g);
            let fixes = fixes.clone();
            let first = fixes.first().map_or(0, |f| f.0);
            let declined = declined.clone();
            let declined_read = declined.clone();
            let (read, toggle) = (fixes.clone(), fixes);
            let id = format!("imp-allow{scope}-{first}");
            view! {
                <li class="import-warning">
                    <p>{fill(t.import().warn_not_allowed, &[("group", &name)])}</p>
                    <input type="checkbox" id=id.clone()
                        prop:checked=move || declined_read.with(|d| !read.iter().any(|f| d.contains(f)))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            declined.update(|d| {
                                d.retain(|x| !toggle.contains(x));
                                if !on { d.extend(toggle.iter().copied()) }
                            });
                        }/>
                    <label for=id>{fill(t.import().warn_allow_fix, &[("group", &name)])}</label>
                </li>
            }
            .into_any()
        }
        GroupWarning::ExternalSendersUnknown { group: g } => {
            view! { <li class="import-warning">{fill(t.import().warn_unknown, &[("group", &group(*g))])}</li> }.into_any()
        }
        GroupWarning::DynamicGroup { group: g } => {
            view! { <li class="import-warning">{fill(t.import().warn_dynamic, &[("group", &group(*g))])}</li> }.into_any()
        }
        GroupWarning::OnPremisesSynced { group: g } => {
            view! { <li class="import-warning">{fill(t.import().warn_synced, &[("group", &group(*g))])}</li> }.into_any()
        }
        GroupWarning::GuestAddressHeldByContact { row, .. } => {
            view! { <li class="import-warning">{fill(t.import().warn_guest_contact, &[("line", &row.to_string())])}</li> }.into_any()
        }
    }
}

/// The plan's warnings about its groups, each fix with its tick box (unticked: in `declined`).
/// A partner's import shows a list per tenant, `scope` keeping their ids apart.
pub(super) fn warnings_view(
    t: &'static Texts,
    plan: &Plan,
    declined: &ArcRwSignal<Vec<OpId>>,
    scope: &str,
    session: Option<Session>,
) -> Option<impl IntoView> {
    (!plan.warnings.is_empty()).then(|| {
        let items = plan
            .warnings
            .iter()
            .map(|w| warning_view(t, plan, w, declined, scope, session.clone()))
            .collect_view();
        view! { <ul class="import-warnings" aria-label=t.import().warnings_label>{items}</ul> }
    })
}

/// The plan's totals by outcome.
pub(super) fn totals_view(t: &'static Texts, plan: &Plan) -> impl IntoView {
    let totals = OUTCOMES
        .iter()
        .filter(|k| plan.totals.count(**k) > 0)
        .map(|k| view! {
            <div><dt>{t.import().outcome(*k)}</dt><dd>{t.count(plan.totals.count(*k) as u64).to_string()}</dd></div>
        })
        .collect_view();
    view! { <dl class="import-totals" aria-label=t.import().totals_label>{totals}</dl> }
}

#[component]
pub(crate) fn PlanStep(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    let session = session_fn();
    let filter = RwSignal::new(String::new());
    let ready = {
        let (v, g) = (st.validated.clone(), st.groups.clone());
        move || {
            v.with(|v| matches!(v, Some(Ok(v)) if v.valid_count() > 0))
                && g.with(|g| !g.is_empty())
                && session().is_some_and(|s| s.mode().is_some())
        }
    };
    let prepare = {
        let st = st.clone();
        move |_| {
            if let Some(s) = session() {
                driver::prepare(st.clone(), s)
            }
        }
    };
    let planning = st.planning.clone();
    let planned = st.planned.clone();
    let st_view = st.clone();
    let preview = move || {
        let t = i18n.t();
        planned.with(|p| match p {
            None => ().into_any(),
            Some(Err(e)) => view! {
                <p class="import-error" role="alert">{fill(t.import().error, &[("detail", &e.words(t))])}</p>
            }.into_any(),
            Some(Ok(p)) => {
                let plan = &p.plan;
                let totals = totals_view(t, plan);
                let warnings = warnings_view(t, plan, &st_view.declined, "", session());
                let st = st_view.clone();
                let start = move |_| {
                    if let Some(s) = session() {
                        driver::start(st.clone(), s)
                    }
                };
                let script_mode = session().is_some_and(|s| s.mode() == Some(crate::probe::Mode::Script));
                view! {
                    <p>{t.import().plan_intro}</p>
                    {totals}
                    {warnings}
                    <div class="field">
                        <label for="imp-plan-filter">{t.import().filter_label}</label>
                        <select id="imp-plan-filter" on:change=move |ev| filter.set(event_target_value(&ev))>
                            <option value="">{t.import().filter_every_row}</option>
                            {OUTCOMES.iter().enumerate().map(|(n, k)| view! {
                                <option value=n.to_string()>{t.import().outcome(*k)}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <PlanTable plan=plan.clone() filter/>
                    <button type="button" class="button button--primary" on:click=start>
                        {if script_mode { t.import().start_script } else { t.import().start }}
                    </button>
                }.into_any()
            }
        })
    };
    plan_section(ready, planning, prepare, (), preview)
}

/// The plan step's card: its heading, `before` (a partner's file: the rows naming none of their
/// tenants), "Prepare the plan" (enabled when `ready`, not while `planning`, which is said) and
/// the `preview`.
pub(super) fn plan_section(
    ready: impl Fn() -> bool + Send + Sync + 'static,
    planning: ArcRwSignal<bool>,
    prepare: impl FnMut(leptos::ev::MouseEvent) + 'static,
    before: impl IntoView + 'static,
    preview: impl IntoView + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let busy = planning.clone();
    view! {
        <section class="card import-step" aria-labelledby="imp-plan-h">
            <h2 id="imp-plan-h">{move || i18n.t().import().plan_heading}</h2>
            {before}
            <button type="button" class="button" disabled=move || !ready() || planning.get() on:click=prepare>
                {move || i18n.t().import().plan_button}
            </button>
            {move || busy.get().then(|| view! { <p role="status" aria-busy="true">{i18n.t().import().planning}</p> })}
            {preview}
        </section>
    }
}

#[component]
pub(super) fn PlanTable(plan: Plan, filter: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let t = i18n.t();
        let f = filter.get();
        let wanted: Option<OutcomeKind> = f
            .parse::<usize>()
            .ok()
            .and_then(|n| OUTCOMES.get(n).copied());
        let matching: Vec<_> = plan
            .entries
            .iter()
            .filter(|e| wanted.is_none_or(|k| e.outcome() == k))
            .collect();
        let total = matching.len();
        let rows = matching
            .into_iter()
            .take(SHOWN)
            .map(|e| {
                let group = plan
                    .groups
                    .get(e.group)
                    .map(|g| g.name.clone())
                    .unwrap_or_default();
                let why = e
                    .skip_reason()
                    .map(|r| t.skip_reason(r))
                    .unwrap_or_default();
                view! {
                    <tr>
                        <td>{e.row}</td>
                        <td>{e.address.as_ref().map(|a| a.to_string()).unwrap_or_default()}</td>
                        <td>{group}</td>
                        <td>{t.import().outcome(e.outcome())}</td>
                        <td>{why}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="import-table">
                <caption>{t.import().plan_caption}</caption>
                <thead><tr>
                    <th scope="col">{t.import().col_line}</th>
                    <th scope="col">{t.import().col_address}</th>
                    <th scope="col">{t.import().col_group}</th>
                    <th scope="col">{t.import().col_action}</th>
                    <th scope="col">{t.import().col_why}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {more_rows(t, total)}
        }
    }
}

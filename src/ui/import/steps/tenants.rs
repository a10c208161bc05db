//! A partner's file for several tenants ([`crate::ui::import::tenants`]): the plan step with one
//! plan per tenant, previewed together; then the run, tenant by tenant, and one report with a
//! tenant column.

use super::plan::{plan_section, totals_view, warnings_view, PlanTable};
use super::report::{report_row, report_table};
use super::run::{run_controls, script_view, state_text};
use super::{session_fn, SHOWN};
use crate::i18n::{fill, use_i18n};
use crate::tenancy::{split_by_tenant, TenantChoice};
use crate::ui::components::ConsentLink;
use crate::ui::import::driver;
use crate::ui::import::state::{ImportState, Phase};
use crate::ui::import::tenants::{self, PartPlan};
use crate::ui::tenants::{tenant_label, OtherSessions, Tenants};
use leptos::prelude::*;

/// The admin's tenants (tracked; empty outside the shell).
fn choices() -> impl Fn() -> Vec<TenantChoice> + Copy + 'static {
    let tenants = use_context::<Tenants>().map(|t| t.choices);
    move || tenants.map(|c| c.get()).unwrap_or_default()
}

#[component]
pub(crate) fn TenantsPlanStep(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    let session = session_fn();
    let choices = choices();
    let reach = use_context::<OtherSessions>();
    let ready = {
        let (v, g) = (st.validated.clone(), st.tenant_groups.clone());
        let reachable = reach.is_some();
        move || {
            reachable
                && v.with(|v| matches!(v, Some(Ok(v)) if v.valid_count() > 0))
                && g.with(|g| !g.is_empty())
                && session().is_some_and(|s| s.mode().is_some())
        }
    };
    let prepare = {
        let (st, reach) = (st.clone(), reach.clone());
        move |_| {
            if let (Some(s), Some(reach)) = (session(), reach.clone()) {
                tenants::prepare(st.clone(), s, reach, untrack(choices))
            }
        }
    };
    // Rows naming none of the admin's tenants: not imported, and said so before planning.
    let unknown = {
        let v = st.validated.clone();
        move || {
            let t = i18n.t();
            let unknown = v.with(|v| match v {
                Some(Ok(v)) => split_by_tenant(v, &choices()).1,
                _ => Vec::new(),
            });
            (!unknown.is_empty()).then(|| {
                view! {
                    <ul class="import-warnings" aria-label=t.import().col_tenant>
                        {unknown.into_iter().map(|u| view! {
                            <li class="import-warning">{fill(t.import().tenant_unknown, &[
                                ("line", &u.line.to_string()),
                                ("value", &u.value),
                            ])}</li>
                        }).collect_view()}
                    </ul>
                }
            })
        }
    };
    let parts = st.parts.clone();
    let st_start = st.clone();
    let preview = move || {
        let t = i18n.t();
        let parts = parts.get()?;
        let runnable = parts.iter().any(|p| matches!(p.plan, PartPlan::Planned(_)));
        let sections = parts
            .into_iter()
            .map(|part| {
                let head = tenant_label(t, &part.tenant);
                let name = part.tenant.name.clone();
                // The tenant's own session, for a fix made now (opening a Microsoft 365 group).
                let tenant_session = session()
                    .zip(reach.as_ref())
                    .and_then(|(s, reach)| reach.kept(&s, &part.tenant));
                let scope = format!("-{}", part.tenant.id);
                let body = match part.plan {
                    PartPlan::Planned(p) => view! {
                        {totals_view(t, &p.plan)}
                        {warnings_view(t, &p.plan, &part.declined, &scope, tenant_session)}
                        <PlanTable plan=p.plan filter=RwSignal::new(String::new())/>
                    }
                    .into_any(),
                    PartPlan::NoGroups => view! {
                        <p role="alert">{fill(t.import().tenant_no_groups, &[("tenant", &name)])}</p>
                    }
                    .into_any(),
                    PartPlan::NotConsented => view! {
                        <p role="alert">{fill(t.import().tenant_consent, &[("tenant", &name)])}</p>
                        <ConsentLink tenant=part.tenant/>
                    }
                    .into_any(),
                    PartPlan::Failed(e) => view! {
                        <p class="import-error" role="alert">{fill(t.import().error, &[("detail", &e.words(t))])}</p>
                    }
                    .into_any(),
                };
                let label = head.clone();
                view! { <section class="import-tenant" aria-label=label><h3>{head}</h3>{body}</section> }
            })
            .collect_view();
        let (st, reach) = (st_start.clone(), reach.clone());
        let start = move |_| {
            if let (Some(s), Some(reach)) = (session(), reach.clone()) {
                tenants::start(st.clone(), s, reach)
            }
        };
        Some(view! {
            <p>{t.import().tenants_plan_intro}</p>
            {sections}
            {runnable.then(|| view! {
                <button type="button" class="button button--primary" on:click=start>{t.import().start}</button>
            })}
        })
    };
    plan_section(ready, st.planning.clone(), prepare, unknown, preview)
}

/// The runs of a partner's import, tenant by tenant, and their one report.
#[component]
pub(crate) fn TenantsRunSection(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    let session = session_fn();
    let reach = use_context::<OtherSessions>();
    let parts = st.parts.clone();
    let states = {
        let parts = parts.clone();
        move || {
            let t = i18n.t();
            let parts = parts.get().unwrap_or_default();
            parts
                .into_iter()
                .filter_map(|p| {
                    let run = p.run?;
                    let state = state_text(t, &run.phase, run.progress.as_ref());
                    let counts = run.progress.map(|p| {
                        let settled = p.done + p.failed + p.pending_script;
                        format!(" ({settled}/{})", p.total)
                    });
                    Some(view! {
                        <li>
                            <span class="import-tenant-name">{tenant_label(t, &p.tenant)}</span>
                            ": " <span class="import-run-state">{state}</span>{counts}
                        </li>
                    })
                })
                .collect_view()
        }
    };
    // Each tenant in script mode: its script and Verify, in that tenant.
    let scripts = {
        let (parts, st, reach) = (parts.clone(), st.clone(), reach.clone());
        move || {
            let t = i18n.t();
            let parts = parts.get().unwrap_or_default();
            parts
                .into_iter()
                .enumerate()
                .filter_map(|(index, p)| {
                    let run = p.run?;
                    let (st, reach) = (st.clone(), reach.clone());
                    Some(script_view(
                        t,
                        run.script?,
                        run.verify,
                        Some(&p.tenant),
                        move || {
                            if let (Some(s), Some(reach)) = (session(), reach.clone()) {
                                tenants::verify(st.clone(), s, reach, index)
                            }
                        },
                    ))
                })
                .collect_view()
        }
    };
    let controls = {
        let (parts, st) = (parts.clone(), st.clone());
        move || {
            let t = i18n.t();
            let interrupted = parts.with(|p| {
                p.iter()
                    .flatten()
                    .filter_map(|p| p.run.as_ref())
                    .any(|r| tenants::resumable(&r.phase))
            });
            // The tenant's run under way: Pause, Resume and Cancel, as in a single-tenant run.
            let running = parts.with(|p| {
                p.iter()
                    .flatten()
                    .filter_map(|p| p.run.as_ref())
                    .find(|r| r.phase == Phase::Running)
                    .map(|r| r.progress.as_ref().map(|p| p.state))
            });
            let (st, st2, reach) = (st.clone(), st.clone(), reach.clone());
            view! {
                {running.map(|state| run_controls(t, st.control(), state))}
                {interrupted.then(|| view! {
                    <button type="button" class="button button--primary" on:click=move |_| {
                        if let (Some(s), Some(reach)) = (session(), reach.clone()) {
                            tenants::resume(st.clone(), s, reach)
                        }
                    }>{t.import().resume_run}</button>
                })}
                <button type="button" class="button" on:click=move |_| driver::new_import(st2.clone())>
                    {t.import().new_import}
                </button>
            }
        }
    };
    let report = move || {
        let t = i18n.t();
        let reports: Vec<(String, guestlist_core::domain::report::RunReport)> = parts
            .get()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| Some((p.tenant.name, p.run?.report?)))
            .collect();
        if reports.is_empty() {
            return None;
        }
        let csv = {
            let reports = reports.clone();
            move |_| {
                let named: Vec<_> = reports.iter().map(|(n, r)| (n.as_str(), r)).collect();
                let text =
                    guestlist_core::domain::report::tenants_report_csv(&named, Default::default());
                let _ =
                    crate::ui::groups::download("guestlist-import-report.csv", "text/csv", &text);
            }
        };
        let total: usize = reports.iter().map(|(_, r)| r.rows.len()).sum();
        let rows = reports
            .iter()
            .flat_map(|(name, r)| r.rows.iter().map(move |row| (name, row)))
            .take(SHOWN)
            .map(|(name, row)| report_row(t, row, Some(name.clone())))
            .collect_view();
        Some(view! {
            <section class="card import-step" aria-labelledby="imp-report-h">
                <h2 id="imp-report-h">{t.import().report_heading}</h2>
                <div class="import-actions">
                    <button type="button" class="button" on:click=csv>{t.import().download_csv}</button>
                </div>
                {report_table(t, true, rows, total)}
            </section>
        })
    };
    view! {
        <section class="card import-step" aria-labelledby="imp-run-h">
            <h2 id="imp-run-h">{move || i18n.t().import().run_heading}</h2>
            <div role="status"><ul class="import-tenant-runs">{states}</ul></div>
            <div class="import-actions">{controls}</div>
        </section>
        {scripts}
        {report}
    }
}

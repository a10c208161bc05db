//! Partners (GDAP): offboarding the people chosen in the cross-tenant register
//! ([`super::tenants`]), each in their own tenant. The chosen rows are split by tenant; each
//! tenant's part is planned from fresh reads of that tenant in that tenant's session
//! ([`offboard::prepare`], the page's own planning), all parts previewed together, then run one
//! tenant after the other, each an ordinary offboarding run ([`offboard_run::execute`]) with
//! its own journal naming its tenant and its own Activity. A tenant where Guestlist isn't
//! consented yet is reported with its consent link, and the others still run. One report, with
//! a tenant column.
//!
//! The panel's state is the page's: leaving the page during a run loses the report (each
//! tenant's journal and Activity entries stay), and a reload doesn't resume the run.

use super::offboard::{self, ModeChoice, PlanPreview, Prepared};
use super::offboard_run::{self, Finished};
use super::tenants::Joined;
use crate::i18n::{fill, plural, use_i18n};
use crate::tenancy::TenantChoice;
use crate::ui::components::ConsentLink;
use crate::ui::groups::run_result::{OpLine, ScriptAndVerify};
use crate::ui::groups::{explain, tx, FailureView};
use crate::ui::session::Session;
use crate::ui::tenants::{not_consented, OtherSessions};
use guestlist_core::domain::journal::{Failure, Service};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Where one tenant's part stands.
#[derive(Clone)]
enum PartState {
    Planned(Arc<Prepared>),
    NotConsented,
    Failed(Failure),
    Running,
    /// Stopped before deleting guests: `User.ReadWrite.All` isn't consented in the tenant.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    NeedsConsent,
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    Ran(Arc<Finished>, Session),
}

#[derive(Clone)]
struct Part {
    tenant: TenantChoice,
    state: PartState,
}

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Idle,
    Planning,
    Preview,
    Running,
    Done,
}

/// Runs `prepared` in `session`'s tenant as an ordinary offboarding run.
async fn run_part(session: Session, prepared: &Prepared) -> PartState {
    let saved = offboard_run::new_run(&session, prepared);
    #[cfg(target_arch = "wasm32")]
    {
        use offboard_run::{execute, Ran};
        let control = guestlist_core::run::RunControl::new();
        match execute(&session, &saved, true, None, control, |_| {}).await {
            Ok(Ran::Finished(f)) => PartState::Ran(Arc::new(f), session),
            Ok(Ran::NeedsConsent) => PartState::NeedsConsent,
            Err(e) => PartState::Failed(Failure::new(Service::Graph, e)),
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        // Natively the UI is only type-checked: there is no IndexedDB to journal in.
        let _ = (session, saved);
        PartState::Failed(Failure::new(
            Service::Graph,
            "no IndexedDB outside the browser",
        ))
    }
}

/// The offboarding of the rows chosen in the cross-tenant register.
#[component]
pub fn TenantsOffboard(
    session: Session,
    joined: Memo<Joined>,
    /// Rows of the joined register.
    selected: RwSignal<BTreeSet<u32>>,
    /// After a run, "back to the list": the tenants are read again.
    on_finished: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let others = use_context::<OtherSessions>();
    let stage = RwSignal::new(Stage::Idle);
    let parts = RwSignal::new_local(Vec::<Part>::new());
    let deleting = RwSignal::new(false);

    let plan = {
        let (session, others) = (session.clone(), others.clone());
        move |_| {
            let (Some(others), current) = (others.clone(), session.clone()) else {
                return;
            };
            let delete = deleting.get_untracked();
            // Each tenant's chosen people, as that tenant's leavers.
            let chosen: Vec<(TenantChoice, _)> = joined.with_untracked(|j| {
                let rows =
                    selected.with_untracked(|s| j.register.rows_by_tenant(s.iter().copied()));
                rows.into_iter()
                    .map(|(t, rows)| {
                        let people = rows
                            .iter()
                            .map(|&r| &j.register.register.people[r as usize]);
                        (j.tenants[t].clone(), offboard::leavers(people))
                    })
                    .collect()
            });
            stage.set(Stage::Planning);
            spawn_local(async move {
                let mut planned = Vec::with_capacity(chosen.len());
                for (tenant, leavers) in chosen {
                    let state = match others.session(&current, &tenant).await {
                        Ok(s) if not_consented(&s) => PartState::NotConsented,
                        Ok(s) => match offboard::prepare(&s, leavers, delete).await {
                            Ok(p) => PartState::Planned(Arc::new(p)),
                            Err(e) => PartState::Failed(explain(Service::Graph, &e)),
                        },
                        Err(e) => PartState::Failed(explain(Service::Graph, &e)),
                    };
                    planned.push(Part { tenant, state });
                }
                if parts.try_set(planned).is_none() {
                    stage.try_set(Stage::Preview);
                }
            });
        }
    };
    let run = {
        let (session, others) = (session.clone(), others.clone());
        move |_| {
            let (Some(others), current) = (others.clone(), session.clone()) else {
                return;
            };
            stage.set(Stage::Running);
            spawn_local(async move {
                let todo: Vec<(usize, TenantChoice, Arc<Prepared>)> = parts.with_untracked(|v| {
                    v.iter()
                        .enumerate()
                        .filter_map(|(i, p)| match &p.state {
                            PartState::Planned(prepared) if !prepared.plan.ops.is_empty() => {
                                Some((i, p.tenant.clone(), prepared.clone()))
                            }
                            _ => None,
                        })
                        .collect()
                });
                for (i, tenant, prepared) in todo {
                    let set = |state: PartState| {
                        parts.try_update(|v| {
                            if let Some(p) = v.get_mut(i) {
                                p.state = state;
                            }
                        })
                    };
                    if set(PartState::Running).is_none() {
                        return;
                    }
                    // The tenant's own session: its tokens, its mode, its Activity.
                    let state = match others.session(&current, &tenant).await {
                        Ok(s) => run_part(s, &prepared).await,
                        Err(e) => PartState::Failed(explain(Service::Graph, &e)),
                    };
                    if set(state).is_none() {
                        return;
                    }
                }
                stage.try_set(Stage::Done);
            });
        }
    };

    let start_view = move || {
        let n = selected.with(BTreeSet::len) as u64;
        let plan = plan.clone();
        view! {
            <ModeChoice deleting name="tenants-offboard-mode"/>
            <div class="actions">
                <button type="button" class="button button--primary" disabled=n == 0 on:click=plan>
                    {move || { let t = i18n.t(); plural(&t.externals().tenants_offboard, t.count(n), &[]) }}
                </button>
            </div>
        }
    };
    // Each tenant's part: its plan, or why it has none.
    let preview = move || {
        let t = i18n.t();
        parts.with(|v| {
            v.iter()
                .map(|p| {
                    let heading = fill(t.externals().tenants_part, &[("tenant", &p.tenant.name)]);
                    let body = match &p.state {
                        PartState::Planned(prepared) => {
                            view! { <PlanPreview prepared=prepared.clone()/> }.into_any()
                        }
                        PartState::NotConsented => view! {
                            <p>{fill(t.externals().tenants_not_consented, &[("tenant", &p.tenant.name)])}</p>
                            <ConsentLink tenant=p.tenant.clone()/>
                        }
                        .into_any(),
                        PartState::Failed(f) => view! { <FailureView failure=f.clone()/> }.into_any(),
                        _ => ().into_any(),
                    };
                    view! { <h3>{heading}</h3> {body} }
                })
                .collect_view()
        })
    };
    let running = move || {
        let t = i18n.t();
        parts.with(|v| {
            v.iter()
                .find(|p| matches!(p.state, PartState::Running))
                .map(|p| fill(t.externals().tenants_running, &[("tenant", &p.tenant.name)]))
        })
    };
    // One report: a row per operation, its tenant first; a tenant without a run says why.
    let report = move || {
        let t = i18n.t();
        let rows = parts.with(|v| {
            v.iter()
                .flat_map(|p| {
                    let name = p.tenant.name.clone();
                    let row = |status: String, what: AnyView| {
                        view! { <tr><td>{name.clone()}</td><td>{status}</td><td>{what}</td></tr> }
                    };
                    match &p.state {
                        PartState::Ran(f, _) => f
                            .lines
                            .iter()
                            .filter_map(|(id, line)| {
                                let op = f.plan.op(*id)?;
                                let what = t.operation(&f.plan, &op.op);
                                let failure = match line {
                                    OpLine::Failed(x) => {
                                        Some(view! { <FailureView failure=x.clone()/> })
                                    }
                                    _ => None,
                                };
                                let (status, _) = line.status(t);
                                Some(row(
                                    status.to_owned(),
                                    view! { {what} {failure} }.into_any(),
                                ))
                            })
                            .collect::<Vec<_>>(),
                        PartState::NotConsented => vec![row(
                            t.groups().status_failed.to_owned(),
                            view! {
                                {fill(t.externals().tenants_not_consented, &[("tenant", &name)])}
                                <ConsentLink tenant=p.tenant.clone()/>
                            }
                            .into_any(),
                        )],
                        PartState::Failed(f) => vec![row(
                            t.groups().status_failed.to_owned(),
                            view! { <FailureView failure=f.clone()/> }.into_any(),
                        )],
                        PartState::NeedsConsent => vec![row(
                            t.groups().status_failed.to_owned(),
                            fill(
                                t.externals().tenants_needs_people_consent,
                                &[("tenant", &name)],
                            )
                            .into_any(),
                        )],
                        PartState::Planned(x) => {
                            let why = if x.plan.ops.is_empty() {
                                t.externals().plan_nothing
                            } else {
                                t.externals().tenants_waiting
                            };
                            vec![row(t.externals().status_not_run.to_owned(), why.into_any())]
                        }
                        PartState::Running => vec![],
                    }
                })
                .collect_view()
        });
        let scripts = parts.with(|v| {
            v.iter()
                .filter_map(|p| match &p.state {
                    PartState::Ran(f, session) => f.script.clone().map(|script| {
                        let heading = fill(t.externals().tenants_part, &[("tenant", &p.tenant.name)]);
                        view! {
                            <h3>{heading}</h3>
                            <ScriptAndVerify session=session.clone() plan=f.plan.clone() store=f.store.clone() script
                                file_name=format!("offboarding-{}.ps1", p.tenant.id) intro=|t| t.externals().script_intro/>
                        }
                    }),
                    _ => None,
                })
                .collect_view()
        });
        view! {
            <table class="import-table">
                <caption>{t.externals().tenants_report_caption}</caption>
                <thead><tr>
                    <th scope="col">{t.externals().col_tenant}</th>
                    <th scope="col">{t.externals().col_result}</th>
                    <th scope="col">{t.externals().col_operation}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {scripts}
        }
    };
    let runnable = move || {
        parts.with(|v| {
            v.iter()
                .any(|p| matches!(&p.state, PartState::Planned(x) if !x.plan.ops.is_empty()))
        })
    };
    let body = move || match stage.get() {
        Stage::Idle => start_view().into_any(),
        Stage::Planning => view! {
            <p role="status" aria-busy="true">{tx(|t| t.externals().tenants_planning)}</p>
        }
        .into_any(),
        Stage::Preview => {
            let run = run.clone();
            view! {
                {preview}
                <div class="actions">
                    {runnable().then(|| view! {
                        <button type="button" class="button button--danger" on:click=run>
                            {tx(|t| t.externals().tenants_run)}
                        </button>
                    })}
                    <button type="button" class="button" on:click=move |_| stage.set(Stage::Idle)>
                        {tx(|t| t.groups().cancel)}
                    </button>
                </div>
            }
            .into_any()
        }
        Stage::Running => view! {
            <p role="status" aria-busy="true">{running}</p>
            {report}
        }
        .into_any(),
        Stage::Done => view! {
            <h3>{tx(|t| t.externals().report_heading)}</h3>
            {report}
            <div class="actions">
                <button type="button" class="button" on:click=move |_| {
                    stage.set(Stage::Idle);
                    parts.set(Vec::new());
                    on_finished.run(());
                }>{tx(|t| t.externals().back)}</button>
            </div>
        }
        .into_any(),
    };
    view! {
        <section class="card offboard" aria-labelledby="tenants-offboard-heading">
            <h2 id="tenants-offboard-heading">{tx(|t| t.externals().tenants_offboard_heading)}</h2>
            {body}
        </section>
    }
}

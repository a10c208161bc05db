//! Offboarding the chosen people: fresh reads of the register → `plan::offboarding` (one
//! `RemoveMember` per group they are in) → the plan previewed → run through the change engine
//! (journalled, recorded in Activity) → a line per operation; in script mode the Exchange
//! removals come back as the engine's script, then Verify. The run and the panel's state are
//! the tab's ([`super::offboard_run`]): journalled in IndexedDB and resumed after a reload.

use super::offboard_run::{self, offboard_job, Step};
use super::Load;
use crate::i18n::{fill, plural, use_i18n};
use crate::ui::groups::run_result::{OpLine, OpLines, ScriptAndVerify};
use crate::ui::groups::{explain, tx, FailureView};
use crate::ui::session::Session;
use guestlist_core::domain::group::ExternalSenders;
use guestlist_core::domain::journal::Service;
use guestlist_core::domain::plan::{
    offboarding, offboarding_deleting, Leaver, LeaverSkip, Plan, TargetGroup,
};
use guestlist_core::domain::register::{Filter, Person, Register};
use guestlist_core::engine::reads::register_snapshot;
use guestlist_core::tenant::{Group, TenantError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

/// A group as an offboarding target: no external-senders read (removing doesn't need it).
/// `None` for a group Guestlist can't classify.
pub fn offboarding_target(g: &Group) -> Option<TargetGroup> {
    let kind = g.kind().ok()?;
    Some(TargetGroup {
        id: g.id.as_str().to_owned(),
        name: g
            .display_name
            .clone()
            .unwrap_or_else(|| g.id.as_str().to_owned()),
        mail: g.mail.clone(),
        kind,
        external_senders: ExternalSenders::Unknown,
        dynamic_membership: g.is_dynamic(),
        on_premises_synced: g.on_premises_sync_enabled.unwrap_or(false),
    })
}

/// The plan, with the names of the people in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prepared {
    pub plan: Plan,
    /// Per leaver: the name to show.
    pub names: Vec<String>,
    pub skips: Vec<(usize, LeaverSkip)>,
    /// The people are deleted (and so leave every group), not only taken out of their groups.
    #[serde(default)]
    pub deleting: bool,
}

/// The people of `people` offboarding can plan for, and the names to show for them.
pub fn leavers<'a>(people: impl IntoIterator<Item = &'a Person>) -> (Vec<Leaver>, Vec<String>) {
    let mut leavers: Vec<Leaver> = Vec::new();
    let mut names = Vec::new();
    for p in people {
        if let Some(l) = p.leaver() {
            leavers.push(l);
            names.push(if p.name.is_empty() {
                p.address.clone()
            } else {
                p.name.clone()
            });
        }
    }
    (leavers, names)
}

/// Reads `session`'s tenant afresh and plans taking `leavers` (as [`leavers`] found them) out
/// of every group they are in, or (`deleting`) deleting them.
pub async fn prepare(
    session: &Session,
    (leavers, names): (Vec<Leaver>, Vec<String>),
    deleting: bool,
) -> Result<Prepared, TenantError> {
    let reads = session.graph.register_reads().await?;
    let snapshot = register_snapshot(&reads);
    if deleting {
        let off = offboarding_deleting(&leavers, &snapshot);
        return Ok(Prepared {
            plan: off.plan,
            names,
            skips: off.skips,
            deleting,
        });
    }
    let held: HashSet<&str> = leavers.iter().map(|l| l.id.as_str()).collect();
    let targets: Vec<TargetGroup> = reads
        .groups
        .iter()
        .zip(&reads.members)
        .filter(|(_, members)| members.iter().any(|m| held.contains(m.as_str())))
        .filter_map(|(g, _)| offboarding_target(g))
        .collect();
    let off = offboarding(&leavers, &targets, &snapshot);
    Ok(Prepared {
        plan: off.plan,
        names,
        skips: off.skips,
        deleting,
    })
}

/// What the plan does: its summary, each operation, and who or what it leaves alone.
#[component]
pub fn PlanPreview(prepared: Arc<Prepared>) -> impl IntoView {
    let i18n = use_i18n();
    let p = prepared;
    let summary = {
        let p = p.clone();
        move || {
            let t = i18n.t();
            let totals = &p.plan.totals;
            let x = t.externals();
            if p.plan.ops.is_empty() {
                return if p.deleting {
                    x.plan_nothing_delete
                } else {
                    x.plan_nothing
                }
                .to_owned();
            }
            let exchange = t.count(totals.exchange_ops as u64);
            let graph = t.count(totals.graph_ops as u64);
            plural(
                if p.deleting {
                    &x.plan_summary_delete
                } else {
                    &x.plan_summary
                },
                t.count(p.plan.ops.len() as u64),
                &[("exchange", exchange.as_str()), ("graph", graph.as_str())],
            )
        }
    };
    let ops = {
        let p = p.clone();
        move || {
            let t = i18n.t();
            p.plan
                .ops
                .iter()
                .map(|o| view! { <li>{t.operation(&p.plan, &o.op)}</li> })
                .collect_view()
        }
    };
    let deleting = p.deleting;
    let skips = move || {
        let t = i18n.t();
        p.skips
            .iter()
            .filter_map(|(li, s)| {
                let name = p.names.get(*li)?;
                let text = match s {
                    LeaverSkip::AlreadyGone => fill(t.externals().skip_gone, &[("name", name)]),
                    LeaverSkip::NotChangeable { group } => fill(
                        t.externals().skip_not_changeable,
                        &[("name", name), ("group", &p.plan.groups.get(*group)?.name)],
                    ),
                    LeaverSkip::AlreadyOut { .. } => return None,
                };
                Some(view! { <li>{text}</li> })
            })
            .collect_view()
    };
    view! {
        <p role="status">{summary}</p>
        <p class="hint">
            {move || if deleting { i18n.t().externals().plan_note_delete } else { i18n.t().externals().plan_note }}
        </p>
        <ul class="plan-ops">{ops}</ul>
        <ul class="plan-skips">{skips}</ul>
    }
}

/// Take the people out of their groups, or delete them (`deleting`): radio buttons named
/// `name` (one group per panel).
#[component]
pub fn ModeChoice(deleting: RwSignal<bool>, name: &'static str) -> impl IntoView {
    view! {
        <fieldset class="offboard-mode">
            <legend>{tx(|t| t.externals().mode_label)}</legend>
            <label class="checkbox">
                <input type="radio" name=name prop:checked=move || !deleting.get()
                    on:change=move |_| deleting.set(false)/>
                {tx(|t| t.externals().mode_remove)}
            </label>
            <label class="checkbox">
                <input type="radio" name=name prop:checked=move || deleting.get()
                    on:change=move |_| deleting.set(true)/>
                {tx(|t| t.externals().mode_delete)}
            </label>
        </fieldset>
    }
}

/// The offboard button, the plan's preview, the run and its report.
#[component]
pub fn OffboardPanel(
    session: Session,
    register: RwSignal<Register>,
    load: RwSignal<Load>,
    selected: RwSignal<BTreeSet<String>>,
    /// After a run, "back to the list": the register is read again.
    on_finished: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let job = offboard_job();
    let step = RwSignal::from(job.step.clone());
    let progress = RwSignal::from(job.progress.clone());
    let job = StoredValue::new_local(job);
    // Delete the people rather than only take them out of their groups.
    let deleting = RwSignal::new(false);
    let direct = {
        let session = session.clone();
        move || session.is_direct()
    };
    // The people whose access has ended (as the register's "access ended" filter finds them).
    let ended = Memo::new(move |_| {
        let only = Filter {
            access_ended_by: Some(super::today()),
            ..Filter::default()
        };
        register.with(|r| {
            r.filter(&only)
                .into_iter()
                .map(|i| r.people[i as usize].id.clone())
                .collect::<BTreeSet<String>>()
        })
    });

    let start = {
        let session = session.clone();
        move || {
            let session = session.clone();
            let step = job.get_value().step;
            step.set(Step::Planning);
            let ids = selected.get_untracked();
            let snapshot = register.get_untracked();
            let delete = deleting.get_untracked();
            spawn_local(async move {
                let chosen = leavers(snapshot.people.iter().filter(|p| ids.contains(&p.id)));
                let next = match prepare(&session, chosen, delete).await {
                    Ok(p) => Step::Preview(Arc::new(p)),
                    Err(e) => Step::Failed(explain(Service::Graph, &e)),
                };
                step.set(next);
            });
        }
    };
    let body = move || {
        match step.get() {
        Step::Idle => {
            let n = selected.with(BTreeSet::len) as u64;
            let ready = load.with(Load::groups_read);
            let ended = ended.get();
            let n_ended = ended.len() as u64;
            let start_chosen = {
                let start = start.clone();
                move |_| start()
            };
            // "Access ended" in one click: everyone whose end date has passed, planned at once.
            let start_ended = {
                let start = start.clone();
                move |_| {
                    selected.set(ended.clone());
                    start();
                }
            };
            view! {
                <ModeChoice deleting name="offboard-mode"/>
                <div class="actions">
                    <button type="button" class="button button--primary" disabled=n == 0 || !ready on:click=start_chosen>
                        {move || { let t = i18n.t(); plural(&t.externals().offboard, t.count(n), &[]) }}
                    </button>
                    {(n_ended > 0).then(|| view! {
                        <button type="button" class="button" disabled=!ready on:click=start_ended>
                            {move || { let t = i18n.t(); plural(&t.externals().offboard_ended, t.count(n_ended), &[]) }}
                        </button>
                    })}
                </div>
                {(!ready).then(|| view! { <p class="hint">{tx(|t| t.externals().offboard_wait)}</p> })}
            }
            .into_any()
        }
        Step::Planning => view! {
            <p role="status" aria-busy="true">{tx(|t| t.externals().planning)}</p>
        }
        .into_any(),
        Step::Failed(f) => view! {
            <FailureView failure=f/>
            <div class="actions">
                <button type="button" class="button" on:click=move |_| offboard_run::forget(&job.get_value())>{tx(|t| t.externals().back)}</button>
            </div>
        }
        .into_any(),
        Step::OtherTenant(planned) => view! {
            <p class="notice" role="alert">
                {move || fill(i18n.t().externals().other_tenant, &[("planned", &planned)])}
            </p>
            <div class="actions">
                <button type="button" class="button" on:click=move |_| offboard_run::forget(&job.get_value())>{tx(|t| t.externals().forget_run)}</button>
            </div>
        }
        .into_any(),
        Step::Preview(p) => {
            let has_ops = !p.plan.ops.is_empty();
            let go = {
                let session = session.clone();
                let p = p.clone();
                move |_| offboard_run::start(job.get_value(), session.clone(), p.clone())
            };
            let direct = direct.clone();
            view! {
                <PlanPreview prepared=p.clone()/>
                <div class="actions">
                    {has_ops.then(|| view! {
                        <button type="button" class="button button--danger" on:click=go.clone()>
                            {move || {
                                let x = i18n.t().externals();
                                match (p.deleting, direct()) {
                                    (true, true) => x.run_delete,
                                    (false, true) => x.run_direct,
                                    (_, false) => x.run_script,
                                }
                            }}
                        </button>
                    })}
                    <button type="button" class="button" on:click=move |_| step.set(Step::Idle)>
                        {tx(|t| t.groups().cancel)}
                    </button>
                </div>
            }
            .into_any()
        }
        Step::Running(saved) => {
            let total = saved.prepared.plan.ops.len() as u64;
            view! {
                <PlanPreview prepared=Arc::new(saved.prepared.clone())/>
                <p role="status" aria-busy="true">
                    {move || {
                        let t = i18n.t();
                        let done = t.count(progress.get() as u64);
                        plural(&t.externals().running, t.count(total), &[("done", done.as_str())])
                    }}
                </p>
                <div class="actions">
                    <button type="button" class="button" on:click=move |_| job.get_value().cancel()>
                        {tx(|t| t.externals().cancel_run)}
                    </button>
                </div>
            }
            .into_any()
        }
        Step::NeedsConsent(saved) => {
            let go = {
                let session = session.clone();
                move || {
                    let session = session.clone();
                    let saved = saved.clone();
                    let job = job.get_value();
                    spawn_local(async move {
                        match super::consent_to_people().await {
                            Ok(true) => offboard_run::resume(job, session, saved),
                            Ok(false) => {}
                            Err(f) => job.step.set(Step::Failed(f)),
                        }
                    });
                }
            };
            view! {
                <super::ConsentNeeded on_consent=go on_leave=move || offboard_run::forget(&job.get_value())
                    leave=|t| t.externals().forget_run/>
            }
            .into_any()
        }
        Step::Interrupted(saved, finished) => {
            let total = saved.prepared.plan.ops.len().to_string();
            let finished = finished.to_string();
            let go = {
                let session = session.clone();
                let saved = saved.clone();
                move |_| offboard_run::resume(job.get_value(), session.clone(), saved.clone())
            };
            view! {
                <p class="notice" role="status">
                    {move || fill(i18n.t().externals().interrupted, &[("done", &finished), ("count", &total)])}
                </p>
                <PlanPreview prepared=Arc::new(saved.prepared.clone())/>
                <div class="actions">
                    <button type="button" class="button button--primary" on:click=go>{tx(|t| t.externals().resume_run)}</button>
                    <button type="button" class="button" on:click=move |_| offboard_run::forget(&job.get_value())>{tx(|t| t.externals().forget_run)}</button>
                </div>
            }
            .into_any()
        }
        Step::Finished(f) => {
            let count = |want: fn(&OpLine) -> bool| f.lines.iter().filter(|(_, l)| want(l)).count() as u64;
            let done = count(|l| matches!(l, OpLine::Done));
            let already = count(|l| matches!(l, OpLine::AlreadyDone));
            let failed = count(|l| matches!(l, OpLine::Failed(_)));
            let scripted = count(|l| matches!(l, OpLine::InScript));
            let not_run = count(|l| matches!(l, OpLine::NotRun));
            let summary = move || {
                let t = i18n.t();
                let (d, a, x, s) = (t.count(done), t.count(already), t.count(failed), t.count(scripted));
                let cancelled = if not_run > 0 {
                    plural(&t.externals().not_run, t.count(not_run), &[])
                } else {
                    String::new()
                };
                let summary = fill(
                    t.externals().report_summary,
                    &[("done", d.as_str()), ("already", a.as_str()), ("failed", x.as_str()), ("script", s.as_str())],
                );
                format!("{summary} {cancelled}").trim_end().to_owned()
            };
            let script = f.script.clone().map(|script| view! {
                <ScriptAndVerify session=session.clone() plan=f.plan.clone() store=f.store.clone() script
                    file_name="offboarding.ps1".to_owned() intro=|t| t.externals().script_intro/>
            });
            let back = on_finished.clone();
            view! {
                <h3>{tx(|t| t.externals().report_heading)}</h3>
                <p role="status">{summary}</p>
                <OpLines plan=f.plan.clone() lines=f.lines.clone()/>
                {script}
                <div class="actions">
                    <button type="button" class="button" on:click=move |_| {
                        offboard_run::forget(&job.get_value());
                        back();
                    }>{tx(|t| t.externals().back)}</button>
                </div>
            }
            .into_any()
        }
    }
    };
    view! {
        <section class="card offboard" aria-labelledby="offboard-heading">
            <h2 id="offboard-heading">{tx(|t| t.externals().plan_heading)}</h2>
            {body}
        </section>
    }
}

//! Offboarding the chosen people: fresh reads of the register → `plan::offboarding` (one
//! `RemoveMember` per group they are in) → the plan previewed → run through the change engine
//! (journalled, recorded in Activity) → a line per operation; in script mode the Exchange
//! removals come back as the engine's script, then Verify.

use super::Load;
use crate::i18n::{fill, plural, use_i18n};
use crate::platform::BrowserClock;
use crate::ui::groups::run_result::{op_lines, OpLine, OpLines, ScriptAndVerify};
use crate::ui::groups::{explain, tx, FailureView};
use crate::ui::session::Session;
use guestlist_core::domain::group::ExternalSenders;
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::domain::plan::{offboarding, Leaver, LeaverSkip, OpId, Plan, TargetGroup};
use guestlist_core::domain::register::{Filter, Register};
use guestlist_core::engine::reads::register_snapshot;
use guestlist_core::engine::RunSetup;
use guestlist_core::run::{MemoryJournalStore, RunControl, RunEvent};
use guestlist_core::tenant::{Group, TenantError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;
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
pub struct Prepared {
    pub plan: Plan,
    /// Per leaver: the name to show.
    pub names: Vec<String>,
    pub skips: Vec<(usize, LeaverSkip)>,
}

pub struct Finished {
    plan: Arc<Plan>,
    lines: Vec<(OpId, OpLine)>,
    script: Option<String>,
    store: SendWrapper<Rc<MemoryJournalStore>>,
}

#[derive(Clone)]
enum Step {
    Idle,
    Planning,
    Preview(Arc<Prepared>),
    Running(Arc<Prepared>),
    Finished(Arc<Finished>),
    Failed(Failure),
}

/// Reads the tenant afresh and plans taking the people with `ids` (as the register shows them)
/// out of every group they are in.
async fn prepare(
    session: &Session,
    register: &Register,
    ids: &BTreeSet<String>,
) -> Result<Prepared, TenantError> {
    let mut leavers: Vec<Leaver> = Vec::new();
    let mut names = Vec::new();
    for p in register.people.iter().filter(|p| ids.contains(&p.id)) {
        if let Some(l) = p.leaver() {
            leavers.push(l);
            names.push(if p.name.is_empty() {
                p.address.clone()
            } else {
                p.name.clone()
            });
        }
    }
    let reads = session.graph.register_reads().await?;
    let held: HashSet<&str> = leavers.iter().map(|l| l.id.as_str()).collect();
    let targets: Vec<TargetGroup> = reads
        .groups
        .iter()
        .zip(&reads.members)
        .filter(|(_, members)| members.iter().any(|m| held.contains(m.as_str())))
        .filter_map(|(g, _)| offboarding_target(g))
        .collect();
    let off = offboarding(&leavers, &targets, &register_snapshot(&reads));
    Ok(Prepared {
        plan: off.plan,
        names,
        skips: off.skips,
    })
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
    let step = RwSignal::new(Step::Idle);
    // Operations finished in the run under way, and its control (cancel).
    let progress = RwSignal::new(0usize);
    let control = StoredValue::new_local(None::<RunControl>);
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
            step.set(Step::Planning);
            let ids = selected.get_untracked();
            let snapshot = register.get_untracked();
            spawn_local(async move {
                let next = match prepare(&session, &snapshot, &ids).await {
                    Ok(p) => Step::Preview(Arc::new(p)),
                    Err(e) => Step::Failed(explain(Service::Graph, &e)),
                };
                step.try_set(next);
            });
        }
    };
    let run = {
        let session = session.clone();
        move |prepared: Arc<Prepared>| {
            let session = session.clone();
            progress.set(0);
            let ctl = RunControl::new();
            control.set_value(Some(ctl.clone()));
            step.set(Step::Running(prepared.clone()));
            spawn_local(async move {
                let engine = session.engine();
                let store = MemoryJournalStore::new();
                let needs_sign_in = RefCell::new(None::<String>);
                // As the engine's run_now, with the progress shown and a cancel button: a
                // token that can't be had without the admin ends the run.
                let setup = RunSetup::default()
                    .with_control(ctl.clone())
                    .on_event(|e| match e {
                        RunEvent::OpFinished { .. } => {
                            progress.try_update(|n| *n += 1);
                        }
                        RunEvent::NeedsSignIn { message, .. } => {
                            needs_sign_in.replace(Some(message.clone()));
                            ctl.cancel();
                        }
                        _ => {}
                    });
                let outcome = engine
                    .run(
                        &prepared.plan,
                        &store,
                        &BrowserClock,
                        &session.activity(),
                        setup,
                    )
                    .await;
                control.set_value(None);
                let next = match outcome {
                    Err(e) => Step::Failed(Failure::new(Service::Graph, e.to_string())),
                    Ok(outcome) => {
                        let script = engine
                            .script(&prepared.plan, &outcome.pending_script)
                            .unwrap_or_else(|e| Some(format!("# {e}")));
                        let lines = op_lines(
                            &prepared.plan,
                            &outcome.journal,
                            &outcome.pending_script,
                            needs_sign_in.into_inner().as_deref(),
                        );
                        Step::Finished(Arc::new(Finished {
                            plan: Arc::new(prepared.plan.clone()),
                            lines,
                            script,
                            store: SendWrapper::new(Rc::new(store)),
                        }))
                    }
                };
                step.try_set(next);
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
                <button type="button" class="button" on:click=move |_| step.set(Step::Idle)>{tx(|t| t.externals().back)}</button>
            </div>
        }
        .into_any(),
        Step::Preview(p) | Step::Running(p) => {
            let running = matches!(step.get_untracked(), Step::Running(_));
            let summary = {
                let p = p.clone();
                move || {
                    let t = i18n.t();
                    let totals = &p.plan.totals;
                    if p.plan.ops.is_empty() {
                        return t.externals().plan_nothing.to_owned();
                    }
                    let exchange = t.count(totals.exchange_ops as u64);
                    let graph = t.count(totals.graph_ops as u64);
                    plural(
                        &t.externals().plan_summary,
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
            let skips = {
                let p = p.clone();
                move || {
                    let t = i18n.t();
                    p.skips
                        .iter()
                        .filter_map(|(li, s)| {
                            let name = p.names.get(*li)?;
                            let text = match s {
                                LeaverSkip::AlreadyGone => {
                                    fill(t.externals().skip_gone, &[("name", name)])
                                }
                                LeaverSkip::NotChangeable { group } => fill(
                                    t.externals().skip_not_changeable,
                                    &[("name", name), ("group", &p.plan.groups.get(*group)?.name)],
                                ),
                                LeaverSkip::AlreadyOut { .. } => return None,
                            };
                            Some(view! { <li>{text}</li> })
                        })
                        .collect_view()
                }
            };
            let has_ops = !p.plan.ops.is_empty();
            let go = {
                let run = run.clone();
                let p = p.clone();
                move |_| run(p.clone())
            };
            let direct = direct.clone();
            view! {
                <p role="status">{summary}</p>
                <p class="hint">{tx(|t| t.externals().plan_note)}</p>
                <ul class="plan-ops">{ops}</ul>
                <ul class="plan-skips">{skips}</ul>
                {if running {
                    let total = p.plan.ops.len() as u64;
                    view! {
                        <p role="status" aria-busy="true">
                            {move || {
                                let t = i18n.t();
                                let done = t.count(progress.get() as u64);
                                plural(&t.externals().running, t.count(total), &[("done", done.as_str())])
                            }}
                        </p>
                        <div class="actions">
                            <button type="button" class="button" on:click=move |_| {
                                control.with_value(|c| if let Some(c) = c { c.cancel() });
                            }>{tx(|t| t.externals().cancel_run)}</button>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <div class="actions">
                            {has_ops.then(|| view! {
                                <button type="button" class="button button--danger" on:click=go.clone()>
                                    {move || if direct() { i18n.t().externals().run_direct } else { i18n.t().externals().run_script }}
                                </button>
                            })}
                            <button type="button" class="button" on:click=move |_| step.set(Step::Idle)>
                                {tx(|t| t.groups().cancel)}
                            </button>
                        </div>
                    }.into_any()
                }}
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
                        step.set(Step::Idle);
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

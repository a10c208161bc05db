//! After the run: each step done, skipped or failed; in script mode the script and Verify.

use crate::i18n::{fill, use_i18n};
use crate::platform::BrowserClock;
use crate::ui::groups::tx;
use crate::ui::groups::{explain, FailureView, GroupInfo, ScriptBox};
use crate::ui::session::Session;
use guestlist_core::domain::journal::{Failure, OpResult, Service};
use guestlist_core::domain::plan::{OpId, Plan, SkipReason};
use guestlist_core::domain::verify::Verified;
use guestlist_core::engine::{EngineError, RunNow};
use guestlist_core::run::MemoryJournalStore;
use guestlist_core::tenant::TenantError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use std::rc::Rc;
use std::sync::Arc;

/// The result of a run, per operation.
pub(crate) struct Finished {
    pub(crate) plan: Plan,
    pub(crate) results: Vec<(OpId, OpLine)>,
    /// Script mode: the script for the Exchange steps.
    pub(crate) script: Option<String>,
    pub(crate) skip: Option<SkipReason>,
    /// The run's journal, which Verify reads and writes.
    pub(crate) store: SendWrapper<Rc<MemoryJournalStore>>,
}

#[derive(Clone, PartialEq)]
pub(crate) enum OpLine {
    Done,
    AlreadyDone,
    Failed(Failure),
    /// Left for the script.
    InScript,
}

/// The run's result per operation, from the engine's answer.
pub(crate) fn finished(plan: Plan, run: RunNow) -> Finished {
    let skip = plan.entries.first().and_then(|e| e.skip_reason().cloned());
    let sign_in = run
        .needs_sign_in
        .as_ref()
        .map(|why| explain(Service::Graph, &TenantError::SignInAgain(why.clone())));
    let results = plan
        .ops
        .iter()
        .map(|op| {
            let line = match run.result(op.id) {
                Some(OpResult::Done { .. }) => OpLine::Done,
                Some(OpResult::AlreadyDone { .. }) => OpLine::AlreadyDone,
                Some(OpResult::Failed(f)) => OpLine::Failed(f),
                None => match &sign_in {
                    Some(f) => OpLine::Failed(f.clone()),
                    None => OpLine::InScript,
                },
            };
            (op.id, line)
        })
        .collect();
    Finished {
        plan,
        results,
        script: run.script,
        skip,
        store: SendWrapper::new(Rc::new(run.store)),
    }
}

/// The engine's failure to run at all (the in-memory journal can't fail to be written; if it
/// ever does, say so) as every operation's result.
pub(crate) fn not_run(plan: Plan, e: &impl std::fmt::Display) -> Finished {
    let f = Failure::new(Service::Graph, e.to_string());
    let results = plan
        .ops
        .iter()
        .map(|o| (o.id, OpLine::Failed(f.clone())))
        .collect();
    Finished {
        skip: plan.entries.first().and_then(|e| e.skip_reason().cloned()),
        plan,
        results,
        script: None,
        store: SendWrapper::new(Rc::new(MemoryJournalStore::new())),
    }
}

/// Verify's failure in the admin's words.
fn verify_failure(e: &EngineError) -> Failure {
    match e {
        EngineError::Tenant(t) => explain(Service::Graph, t),
        other => Failure::new(Service::Graph, other.to_string()),
    }
}

/// After the run: each step done, skipped or failed; in script mode the script and Verify.
#[component]
pub(crate) fn FinishedView(
    session: Session,
    finished: Arc<Finished>,
    info: GroupInfo,
    /// A delivery fix (the group page's delivery check), not a person added: its own summary.
    #[prop(optional)]
    fix: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let verified = RwSignal::new(None::<Result<Vec<(OpId, Verified)>, Failure>>);
    let verifying = RwSignal::new(false);
    let f = finished.clone();
    let failed = f
        .results
        .iter()
        .any(|(_, l)| matches!(l, OpLine::Failed(_)));
    let in_script = f.script.is_some();
    let summary = {
        let f = f.clone();
        let name = info.target.name.clone();
        move || {
            let t = i18n.t();
            let address = f
                .plan
                .entries
                .first()
                .and_then(|e| e.address.as_ref())
                .map(ToString::to_string)
                .unwrap_or_default();
            let args = [("address", address.as_str()), ("group", name.as_str())];
            if fix {
                if failed {
                    t.groups().dl_fix_failed.to_owned()
                } else if in_script {
                    fill(t.groups().result_script, &args)
                } else {
                    t.groups().dl_fix_done.to_owned()
                }
            } else if let Some(reason) = &f.skip {
                t.skip_in_group(reason, &name, &address)
            } else if failed {
                fill(t.groups().result_failed, &args)
            } else if in_script {
                fill(t.groups().result_script, &args)
            } else {
                fill(t.groups().result_done, &args)
            }
        }
    };
    let lines = {
        let f = f.clone();
        move || {
            let t = i18n.t();
            f.results
                .iter()
                .filter_map(|(id, line)| {
                    let op = f.plan.op(*id)?;
                    let what = t.operation(&f.plan, &op.op);
                    let (status, class) = match line {
                        OpLine::Done => (t.groups().status_done, "op op--done"),
                        OpLine::AlreadyDone => (t.groups().status_already, "op op--done"),
                        OpLine::Failed(_) => (t.groups().status_failed, "op op--failed"),
                        OpLine::InScript => (t.groups().status_script, "op op--script"),
                    };
                    let fail = match line {
                        OpLine::Failed(f) => Some(f.clone()),
                        _ => None,
                    };
                    Some(view! {
                        <li class=class>
                            <span class="op-status">{status}</span> " " {what}
                            {fail.map(|f| view! { <FailureView failure=f/> })}
                        </li>
                    })
                })
                .collect_view()
        }
    };
    let verify_click = {
        let session = session.clone();
        let f = f.clone();
        move |_| {
            let session = session.clone();
            let f = f.clone();
            verifying.set(true);
            spawn_local(async move {
                let r = session
                    .engine()
                    .verify(
                        &f.plan,
                        &**f.store,
                        &BrowserClock,
                        &session.activity(),
                        None,
                    )
                    .await
                    .map(|v| v.results)
                    .map_err(|e| verify_failure(&e));
                verifying.try_set(false);
                verified.try_set(Some(r));
            });
        }
    };
    let verify_lines = {
        let f = f.clone();
        move || {
            let t = i18n.t();
            match verified.get() {
                None => None,
                Some(Err(e)) => Some(view! { <FailureView failure=e/> }.into_any()),
                Some(Ok(list)) => {
                    let all_done = list.iter().all(|(_, v)| !matches!(v, Verified::Missing));
                    Some(view! {
                        <p role="status" class=if all_done { "success" } else { "notice" }>
                            {if all_done { t.groups().verify_all_done } else { t.groups().verify_some_missing }}
                        </p>
                        <ul class="verify-list" aria-label=t.groups().verify_heading>
                            {list.into_iter().filter_map(|(id, v)| {
                                let op = f.plan.op(id)?;
                                let what = t.operation(&f.plan, &op.op);
                                let (status, class, reason) = match v {
                                    Verified::Done { .. } => (t.groups().status_done, "op op--done", None),
                                    Verified::Missing => (t.groups().status_missing, "op op--failed", None),
                                    Verified::CannotCheck { reason } => (t.groups().status_cannot_check, "op op--script", Some(reason)),
                                };
                                Some(view! {
                                    <li class=class>
                                        <span class="op-status">{status}</span> " " {what}
                                        {reason.map(|r| view! { <span class="hint">" (" {r} ")"</span> })}
                                    </li>
                                })
                            }).collect_view()}
                        </ul>
                    }.into_any())
                }
            }
        }
    };
    let script = f.script.clone();
    let file = format!(
        "guestlist-{}.ps1",
        crate::ui::groups::file_stem(&info.target.name)
    );
    view! {
        <section class="result" aria-labelledby="result-heading">
            <h3 id="result-heading" tabindex="-1">{tx(|t| t.groups().result_heading)}</h3>
            <p role="status" class=if failed { "failure" } else { "success" }>{summary}</p>
            <ul class="op-list">{lines}</ul>
            {script.map(|s| view! {
                <h3>{tx(|t| t.groups().script_heading)}</h3>
                <p>{tx(|t| t.groups().script_intro)}</p>
                <ScriptBox script=s file_name=file.clone()/>
                <div class="actions">
                    <button type="button" class="button button--primary" disabled=move || verifying.get() on:click=verify_click.clone()>
                        {tx(|t| t.groups().verify)}
                    </button>
                </div>
                {move || verifying.get().then(|| view! { <p role="status" aria-busy="true">{tx(|t| t.groups().verifying)}</p> })}
                {verify_lines.clone()}
            })}
        </section>
    }
}

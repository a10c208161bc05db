//! How a run ended, operation by operation, and script mode's script with Verify: what the
//! add-person dialog, offboarding and a person's page show after the change engine has run a
//! plan.

use super::{explain, tx, FailureView, ScriptBox};
use crate::i18n::use_i18n;
use crate::platform::BrowserClock;
use crate::ui::components::TextFn;
use crate::ui::session::Session;
use guestlist_core::domain::journal::{Failure, Journal, OpResult, OpState, Service};
use guestlist_core::domain::plan::{OpId, Plan};
use guestlist_core::domain::verify::Verified;
use guestlist_core::engine::EngineError;
use guestlist_core::run::JournalStore;
use guestlist_core::tenant::TenantError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use std::rc::Rc;
use std::sync::Arc;

/// How one operation of a run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum OpLine {
    Done,
    AlreadyDone,
    Failed(Failure),
    /// Left for the script.
    InScript,
    /// Not reached: the run was stopped.
    NotRun,
}

impl OpLine {
    /// The line's status word and its CSS class.
    pub fn status(&self, t: &crate::i18n::Texts) -> (&'static str, &'static str) {
        match self {
            OpLine::Done => (t.groups().status_done, "op op--done"),
            OpLine::AlreadyDone => (t.groups().status_already, "op op--done"),
            OpLine::Failed(_) => (t.groups().status_failed, "op op--failed"),
            OpLine::InScript => (t.groups().status_script, "op op--script"),
            OpLine::NotRun => (t.externals().status_not_run, "op op--failed"),
        }
    }

    pub fn is_failed(&self) -> bool {
        matches!(self, OpLine::Failed(_))
    }
}

/// Every operation of `plan` as its run left it: finished as the journal says, handed to the
/// script (`pending`), or not reached — failed with the sign-in the run stopped for
/// (`needs_sign_in`), else not run.
pub fn op_lines(
    plan: &Plan,
    journal: &Journal,
    pending: &[OpId],
    needs_sign_in: Option<&str>,
) -> Vec<(OpId, OpLine)> {
    let sign_in =
        needs_sign_in.map(|why| explain(Service::Graph, &TenantError::SignInAgain(why.into())));
    plan.ops
        .iter()
        .map(|op| {
            let line = match journal.state(op.id) {
                OpState::Finished(OpResult::Done { .. }) => OpLine::Done,
                OpState::Finished(OpResult::AlreadyDone { .. }) => OpLine::AlreadyDone,
                OpState::Finished(OpResult::Failed(f)) => OpLine::Failed(f),
                _ if pending.contains(&op.id) => OpLine::InScript,
                _ => match &sign_in {
                    Some(f) => OpLine::Failed(f.clone()),
                    None => OpLine::NotRun,
                },
            };
            (op.id, line)
        })
        .collect()
}

/// The per-operation result list: the status, what was done in the admin's words, and a
/// failure's words with its request id.
#[component]
pub fn OpLines(plan: Arc<Plan>, lines: Vec<(OpId, OpLine)>) -> impl IntoView {
    let i18n = use_i18n();
    let items = move || {
        let t = i18n.t();
        lines
            .iter()
            .filter_map(|(id, line)| {
                let op = plan.op(*id)?;
                let what = t.operation(&plan, &op.op);
                let (status, class) = line.status(t);
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
    };
    view! { <ul class="op-list">{items}</ul> }
}

/// Verify's failure in the admin's words.
fn verify_failure(e: &EngineError) -> Failure {
    match e {
        EngineError::Tenant(t) => explain(Service::Graph, t),
        other => Failure::new(Service::Graph, other.to_string()),
    }
}

/// Script mode: the script for the steps left to it, and Verify, which reads the tenant afresh
/// through Graph, records what is now done in the run's journal (`store`) and Activity, and lists
/// every operation done, missing or not checkable from here.
#[component]
pub fn ScriptAndVerify<S: JournalStore + 'static>(
    session: Session,
    plan: Arc<Plan>,
    /// The run's journal (in memory, or IndexedDB for a journalled run).
    store: SendWrapper<Rc<S>>,
    script: String,
    file_name: String,
    /// The sentence before the script.
    intro: TextFn,
) -> impl IntoView {
    let i18n = use_i18n();
    let verified = RwSignal::new(None::<Result<Vec<(OpId, Verified)>, Failure>>);
    let verifying = RwSignal::new(false);
    let verify = {
        let plan = plan.clone();
        move |_| {
            let session = session.clone();
            let plan = plan.clone();
            let store = store.clone();
            verifying.set(true);
            spawn_local(async move {
                let r = session
                    .engine()
                    .verify(&plan, &**store, &BrowserClock, &session.activity(), None)
                    .await
                    .map(|v| v.results)
                    .map_err(|e| verify_failure(&e));
                verifying.try_set(false);
                verified.try_set(Some(r));
            });
        }
    };
    let results = move || {
        let t = i18n.t();
        if verifying.get() {
            return Some(
                view! { <p role="status" aria-busy="true">{t.groups().verifying}</p> }.into_any(),
            );
        }
        match verified.get()? {
            Err(e) => Some(view! { <FailureView failure=e/> }.into_any()),
            Ok(list) => {
                let all_done = list.iter().all(|(_, v)| !matches!(v, Verified::Missing));
                let items = list
                    .into_iter()
                    .filter_map(|(id, v)| {
                        let op = plan.op(id)?;
                        let what = t.operation(&plan, &op.op);
                        let (status, class, reason) = match v {
                            Verified::Done { .. } => (t.groups().status_done, "op op--done", None),
                            Verified::Missing => (t.groups().status_missing, "op op--failed", None),
                            Verified::CannotCheck { reason } => (
                                t.groups().status_cannot_check,
                                "op op--script",
                                Some(reason),
                            ),
                        };
                        Some(view! {
                            <li class=class>
                                <span class="op-status">{status}</span> " " {what}
                                {reason.map(|r| view! { <span class="hint">" (" {r} ")"</span> })}
                            </li>
                        })
                    })
                    .collect_view();
                Some(
                    view! {
                        <p role="status" class=if all_done { "success" } else { "notice" }>
                            {if all_done { t.groups().verify_all_done } else { t.groups().verify_some_missing }}
                        </p>
                        <ul class="verify-list" aria-label=t.groups().verify_heading>{items}</ul>
                    }
                    .into_any(),
                )
            }
        }
    };
    view! {
        <h3>{tx(|t| t.groups().script_heading)}</h3>
        <p>{tx(intro)}</p>
        <ScriptBox script file_name/>
        <div class="actions">
            <button type="button" class="button button--primary" disabled=move || verifying.get() on:click=verify>
                {tx(|t| t.groups().verify)}
            </button>
        </div>
        {results}
    }
}

//! After the run: each step done, skipped or failed; in script mode the script and Verify.

use crate::i18n::{fill, use_i18n};
pub(crate) use crate::ui::groups::run_result::OpLine;
use crate::ui::groups::run_result::{op_lines, OpLines, ScriptAndVerify};
use crate::ui::groups::tx;
use crate::ui::groups::GroupInfo;
use crate::ui::session::Session;
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::domain::plan::{OpId, Plan, SkipReason};
use guestlist_core::engine::RunNow;
use guestlist_core::run::MemoryJournalStore;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::rc::Rc;
use std::sync::Arc;

/// The result of a run, per operation.
pub(crate) struct Finished {
    pub(crate) plan: Arc<Plan>,
    pub(crate) results: Vec<(OpId, OpLine)>,
    /// Script mode: the script for the Exchange steps.
    pub(crate) script: Option<String>,
    pub(crate) skip: Option<SkipReason>,
    /// The run's journal, which Verify reads and writes.
    pub(crate) store: SendWrapper<Rc<MemoryJournalStore>>,
}

/// The run's result per operation, from the engine's answer.
pub(crate) fn finished(plan: Plan, run: RunNow) -> Finished {
    let skip = plan.entries.first().and_then(|e| e.skip_reason().cloned());
    let results = op_lines(
        &plan,
        &run.outcome.journal,
        &run.outcome.pending_script,
        run.needs_sign_in.as_deref(),
    );
    Finished {
        plan: Arc::new(plan),
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
        plan: Arc::new(plan),
        results,
        script: None,
        store: SendWrapper::new(Rc::new(MemoryJournalStore::new())),
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
    let f = finished.clone();
    let failed = f.results.iter().any(|(_, l)| l.is_failed());
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
    let script = f.script.clone();
    let file = format!(
        "guestlist-{}.ps1",
        crate::ui::groups::file_stem(&info.target.name)
    );
    view! {
        <section class="result" aria-labelledby="result-heading">
            <h3 id="result-heading" tabindex="-1">{tx(|t| t.groups().result_heading)}</h3>
            <p role="status" class=if failed { "failure" } else { "success" }>{summary}</p>
            <OpLines plan=f.plan.clone() lines=f.results.clone()/>
            {script.map(|script| view! {
                <ScriptAndVerify session plan=f.plan.clone() store=f.store.clone() script file_name=file
                    intro=|t| t.groups().script_intro/>
            })}
        </section>
    }
}

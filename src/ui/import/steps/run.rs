//! The run: its state and progress, pause, resume, cancel, retry; in script mode the
//! PowerShell for the Exchange steps and Verify. The report follows ([`super::report`]).

use super::report::ReportView;
use super::session_fn;
use crate::i18n::{fill, plural, use_i18n, Texts};
use crate::ui::import::driver;

use crate::tenancy::TenantChoice;
use crate::ui::externals::{consent_to_people, writes_users, ConsentNeeded};
use crate::ui::import::state::{ImportProblem, ImportState, Phase, RunInfo, VerifyCounts};
use crate::ui::tenants::{tenant_label, Tenants};
use guestlist_core::run::{RunControl, RunState};
use leptos::prelude::*;
use send_wrapper::SendWrapper;

/// Whether the run writes guests (their end dates), which needs `User.ReadWrite.All`.
fn writes_people(run: &ArcRwSignal<Option<RunInfo>>) -> bool {
    run.with(|r| {
        r.as_ref()
            .is_some_and(|r| r.saved.plan.ops.iter().any(|o| writes_users(&o.op)))
    })
}

pub(super) fn state_text(
    t: &Texts,
    phase: &Phase,
    progress: Option<&guestlist_core::run::Progress>,
) -> String {
    let progress_state = progress.map(|p| p.state);
    match phase {
        Phase::Interrupted => t.import().state_interrupted.to_owned(),
        Phase::Starting => t.import().state_starting.to_owned(),
        Phase::Error(e) => fill(t.import().error, &[("detail", &e.words(t))]),
        Phase::Running | Phase::Ended(_) => {
            let s = match phase {
                Phase::Ended(s) => Some(*s),
                _ => progress_state,
            };
            // Operations already sent when the pause came still finish: until they have, the
            // run is pausing, not paused (nothing changes in the tenant once it says Paused).
            let under_way = progress.map_or(0, |p| p.in_flight);
            if matches!(phase, Phase::Running) && s == Some(RunState::Paused) && under_way > 0 {
                return plural(&t.import().state_pausing, t.count(under_way as u64), &[]);
            }
            match s {
                Some(RunState::Paused) => t.import().state_paused,
                Some(RunState::NeedsSignIn) => t.import().state_sign_in,
                Some(RunState::Cancelling) => t.import().state_cancelling,
                Some(RunState::Cancelled) => t.import().state_cancelled,
                Some(RunState::Finished) => t.import().state_finished,
                Some(RunState::Running) | None => t.import().state_running,
            }
            .to_owned()
        }
    }
}

/// A running run's buttons: Pause (or Resume, once paused) and Cancel, on its `control`.
pub(super) fn run_controls(
    t: &'static Texts,
    control: Option<RunControl>,
    state: Option<RunState>,
) -> impl IntoView {
    let paused = matches!(state, Some(RunState::Paused | RunState::NeedsSignIn));
    let cancel = control.clone();
    view! {
        {if paused {
            view! { <button type="button" class="button" on:click=move |_| {
                if let Some(c) = &control { c.resume() }
            }>{t.import().resume}</button> }.into_any()
        } else {
            view! { <button type="button" class="button" on:click=move |_| {
                if let Some(c) = &control { c.pause() }
            }>{t.import().pause}</button> }.into_any()
        }}
        <button type="button" class="button" on:click=move |_| {
            if let Some(c) = &cancel { c.cancel() }
        }>{t.import().cancel}</button>
    }
}

fn fmt_duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

#[component]
pub(crate) fn RunSection(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    let session = session_fn();
    let run = st.run.clone();
    let status = {
        let run = run.clone();
        move || {
            run.with(|r| {
                r.as_ref()
                    .map(|r| state_text(i18n.t(), &r.phase, r.progress.as_ref()))
            })
        }
    };
    let progress = {
        let run = run.clone();
        move || {
            let t = i18n.t();
            run.with(|r| {
                let p = r.as_ref()?.progress.clone()?;
                let settled = p.done + p.failed + p.pending_script;
                let label = plural(
                    &t.import().progress,
                    t.count(p.total as u64),
                    &[("done", t.count(settled as u64).as_str())],
                );
                let rate = match (p.rate_per_sec, p.eta) {
                    (Some(rate), Some(eta)) if p.remaining() > 0 => fill(
                        t.import().rate,
                        &[
                            ("rate", &i18n.lang().decimal(rate)),
                            ("eta", &fmt_duration(eta)),
                        ],
                    ),
                    _ => String::new(),
                };
                let failed = (p.failed > 0).then(|| {
                    fill(
                        t.import().failed_count,
                        &[("failed", t.count(p.failed as u64).as_str())],
                    )
                });
                Some(view! {
                    <div class="import-progress">
                        // A native <progress>: its value needs no inline style, which the
                        // Content-Security-Policy (style-src 'self') would refuse.
                        <progress
                            class="import-bar"
                            aria-label=t.import().progress_label
                            max=p.total.to_string()
                            value=settled.to_string()
                            aria-valuetext=label.clone()
                        ></progress>
                        <p class="import-progress-text">{label} " " {rate} " " {failed}</p>
                    </div>
                })
            })
        }
    };
    let controls = {
        let run = run.clone();
        let st = st.clone();
        move || {
            let t = i18n.t();
            let (phase, pstate) = run.with(|r| {
                r.as_ref()
                    .map(|r| (r.phase.clone(), r.progress.as_ref().map(|p| p.state)))
                    .unwrap_or((Phase::Interrupted, None))
            });
            let st = st.clone();
            match phase {
                Phase::Error(ImportProblem::OtherTenant { planned }) => {
                    let st2 = st.clone();
                    let choice = use_context::<Tenants>().and_then(|tenants| {
                        let c = tenants
                            .choices
                            .get_untracked()
                            .into_iter()
                            .find(|c| c.id == planned)?;
                        Some((tenants, c))
                    });
                    view! {
                        {choice.map(|(tenants, c)| view! {
                            <button type="button" class="button button--primary" on:click=move |_| {
                                tenants.choose((!c.home).then(|| c.clone()));
                                st.update_run(|r| r.phase = Phase::Interrupted);
                            }>{t.import().switch_tenant}</button>
                        })}
                        <button type="button" class="button" on:click=move |_| driver::new_import(st2.clone())>
                            {t.import().new_import}
                        </button>
                    }.into_any()
                }
                Phase::Interrupted | Phase::Ended(RunState::Cancelled) => {
                    let st2 = st.clone();
                    view! {
                        <button type="button" class="button button--primary" on:click=move |_| {
                            if let Some(s) = session() { driver::resume(st.clone(), s) }
                        }>{t.import().resume_run}</button>
                        <button type="button" class="button" on:click=move |_| driver::new_import(st2.clone())>
                            {t.import().new_import}
                        </button>
                    }.into_any()
                }
                Phase::Running if pstate == Some(RunState::NeedsSignIn) && writes_people(&run) => {
                    // Guests' end dates need User.ReadWrite.All, asked the first time it is
                    // needed: the run waits, paused, before what needs it is sent.
                    let control = SendWrapper::new(st.control());
                    let cancel = control.clone();
                    view! {
                        <ConsentNeeded
                            on_consent=move || {
                                let control = control.clone();
                                leptos::task::spawn_local(async move {
                                    if let (Ok(true), Some(c)) = (consent_to_people().await, &*control) {
                                        c.resume();
                                    }
                                });
                            }
                            on_leave=move || if let Some(c) = &*cancel { c.cancel() }
                            leave=|t| t.import().cancel/>
                    }
                    .into_any()
                }
                Phase::Running => run_controls(t, st.control(), pstate).into_any(),
                Phase::Ended(_) | Phase::Error(_) => {
                    let st2 = st.clone();
                    let failed = run.with(|r| {
                        r.as_ref()
                            .and_then(|r| r.report.as_ref())
                            .is_some_and(|rep| rep.totals.failed > 0)
                    });
                    view! {
                        {failed.then(|| view! {
                            <button type="button" class="button button--primary" on:click=move |_| {
                                if let Some(s) = session() { driver::retry_failed(st.clone(), s) }
                            }>{t.import().retry_failed}</button>
                        })}
                        <button type="button" class="button" on:click=move |_| driver::new_import(st2.clone())>
                            {t.import().new_import}
                        </button>
                    }.into_any()
                }
                Phase::Starting => ().into_any(),
            }
        }
    };
    let report = {
        let run = run.clone();
        move || {
            run.with(|r| {
                let r = r.as_ref()?;
                let report = r.report.clone()?;
                Some(view! { <ReportView report info=r.saved.clone() journal=r.journal.clone()/> })
            })
        }
    };
    let script = {
        let run = run.clone();
        let st = st.clone();
        move || {
            run.with(|r| {
                let r = r.as_ref()?;
                let st = st.clone();
                Some(script_view(
                    i18n.t(),
                    r.script.clone()?,
                    r.verify.clone(),
                    None,
                    move || {
                        if let Some(s) = session() {
                            driver::verify(st.clone(), s)
                        }
                    },
                ))
            })
        }
    };
    view! {
        <section class="card import-step" aria-labelledby="imp-run-h">
            <h2 id="imp-run-h">{move || i18n.t().import().run_heading}</h2>
            <p class="import-run-state" role="status">{status}</p>
            {progress}
            <div class="import-actions">{controls}</div>
        </section>
        {script}
        {report}
    }
}

/// Script mode: the PowerShell for a run's Exchange steps, Verify and what it found. A
/// partner's import shows one for each tenant in script mode (`tenant`), named after it.
pub(super) fn script_view(
    t: &'static Texts,
    script: Result<String, ImportProblem>,
    verify: Option<Result<VerifyCounts, ImportProblem>>,
    tenant: Option<&TenantChoice>,
    on_verify: impl Fn() + 'static,
) -> impl IntoView {
    let (heading, suffix) = match tenant {
        Some(c) => (
            fill(
                t.import().tenant_script_heading,
                &[("tenant", &tenant_label(t, c))],
            ),
            format!("-{}", c.id),
        ),
        None => (t.import().script_heading.to_owned(), String::new()),
    };
    let heading_id = format!("imp-script-h{suffix}");
    let labelled_by = heading_id.clone();
    let area_id = format!("imp-script{suffix}");
    let file = format!("guestlist-import{suffix}.ps1");
    view! {
        <section class="card import-step" aria-labelledby=labelled_by>
            <h2 id=heading_id>{heading}</h2>
            <p>{t.import().script_intro}</p>
            {match script {
                Ok(text) => {
                    let dl = text.clone();
                    view! {
                        <label for=area_id.clone()>{t.import().script_label}</label>
                        <textarea id=area_id class="import-script" readonly rows="12" prop:value=text></textarea>
                        <button type="button" class="button" on:click=move |_| {
                            let _ = crate::ui::groups::download(&file, "text/plain", &dl);
                        }>{t.import().script_download}</button>
                    }.into_any()
                }
                Err(e) => view! { <p class="import-error">{e.words(t)}</p> }.into_any(),
            }}
            <button type="button" class="button button--primary" on:click=move |_| on_verify()>{t.import().verify}</button>
            {verify.map(|v| match v {
                Ok(c) => view! { <p role="status">{t.import().verify_result(t.count(c.done as u64), t.count(c.missing as u64))}</p> }.into_any(),
                Err(e) => view! { <p class="import-error" role="alert">{fill(t.import().error, &[("detail", &e.words(t))])}</p> }.into_any(),
            })}
        </section>
    }
}

//! The mode panel: after sign-in, says in plain words whether Guestlist makes the Exchange
//! changes itself (direct mode) or hands the admin a script (script mode), and why. The decision
//! is [`crate::probe`]; the session ([`crate::ui::session`]) runs it once per sign-in and again on
//! "Check again"; this panel shows its verdict.

use crate::auth::{use_auth, SignInMode};
use crate::i18n::{fill, use_i18n, Texts};
use crate::probe::{ExchangeStatus, GraphStatus, Mode, ModeReport};
use crate::ui::session::use_session;
use guestlist_core::tenant::TenantError;
use leptos::prelude::*;

/// Shown while someone is signed in: "checking" until the session's probe has decided.
#[component]
pub fn ModePanel() -> impl IntoView {
    move || {
        let session = use_session()?;
        Some(match session.report() {
            Some(report) => view! { <ModeReportView report/> }.into_any(),
            None => view! { <Checking/> }.into_any(),
        })
    }
}

#[component]
fn Checking() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card mode-panel" aria-labelledby="mode-heading" aria-busy="true">
            <h2 id="mode-heading">{move || i18n.t().common.mode_heading_checking}</h2>
            <p>{move || i18n.t().common.mode_checking}</p>
        </section>
    }
}

fn graph_line(t: &Texts, graph: &GraphStatus) -> String {
    match graph {
        GraphStatus::Ready => t.common.graph_ready.to_owned(),
        GraphStatus::MissingScopes(missing) => {
            fill(t.common.graph_missing, &[("scopes", &missing.join(", "))])
        }
        GraphStatus::Failed(e) => fill(t.common.graph_failed, &[("detail", &e.to_string())]),
    }
}

/// (summary, what the admin can do) for Exchange.
fn exchange_lines(t: &Texts, exchange: &ExchangeStatus) -> (String, Option<&'static str>) {
    match exchange {
        ExchangeStatus::Writable => (t.common.mode_direct_body.to_owned(), None),
        ExchangeStatus::NoRole => (
            t.common.mode_no_role.to_owned(),
            Some(t.common.mode_no_role_fix),
        ),
        ExchangeStatus::Unreachable(detail) => (
            fill(t.common.mode_unreachable, &[("detail", detail)]),
            Some(t.common.mode_unreachable_fix),
        ),
        ExchangeStatus::Failed(e) => (
            fill(t.common.mode_exchange_failed, &[("detail", &e.to_string())]),
            Some(t.common.mode_exchange_failed_fix),
        ),
    }
}

#[component]
fn ModeReportView(report: ModeReport) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let mode = report.mode;
    let class = match mode {
        Mode::Direct => "card mode-panel mode-panel--direct",
        Mode::Script => "card mode-panel mode-panel--script",
    };
    // A token that can't be had silently any more: only a new sign-in helps.
    let sign_in_again = matches!(
        report.graph,
        GraphStatus::Failed(TenantError::SignInAgain(_))
    ) || matches!(
        report.exchange,
        ExchangeStatus::Failed(TenantError::SignInAgain(_))
    );
    let graph = report.graph.clone();
    let exchange = report.exchange.clone();
    let exchange_fix = exchange.clone();
    view! {
        <section class=class aria-labelledby="mode-heading">
            <h2 id="mode-heading">
                {move || match mode {
                    Mode::Direct => i18n.t().common.mode_direct,
                    Mode::Script => i18n.t().common.mode_script,
                }}
            </h2>
            <p class="mode-summary">{move || exchange_lines(i18n.t(), &exchange).0}</p>
            {move || {
                exchange_lines(i18n.t(), &exchange_fix)
                    .1
                    .map(|fix| view! { <p class="mode-fix">{fix}</p> })
            }}
            <p class="mode-graph">{move || graph_line(i18n.t(), &graph)}</p>
            <div class="mode-actions">
                {sign_in_again.then(|| view! {
                    <button
                        type="button"
                        class="button button--primary"
                        on:click=move |_| auth.sign_in(SignInMode::Redirect)
                    >
                        {move || i18n.t().common.sign_in_again}
                    </button>
                })}
                <button type="button" class="button" on:click=move |_| auth.recheck()>
                    {move || i18n.t().common.mode_recheck}
                </button>
            </div>
        </section>
    }
}

//! Direct or script mode, after sign-in: whether Guestlist makes the Exchange changes itself or
//! hands the admin a script, and why. The decision is [`crate::probe`]; the session
//! ([`crate::ui::session`]) runs it once per sign-in and again on "Check again".
//!
//! The header carries a compact status ([`ModeStatus`]: "Direct mode" / "Script mode", a
//! button). The full panel ([`ModePanel`], below the header) opens on that button, and by
//! itself only when the admin has to act ([`ModeReport::needs_action`]): missing Graph
//! permissions, a sign-in to renew, an Exchange error. So a steady script mode doesn't push every
//! page's own content down.

use crate::auth::{use_auth, SignInMode};
use crate::i18n::{fill, use_i18n, Texts};
use crate::probe::{ExchangeStatus, GraphStatus, Mode, ModeReport};
use crate::tenancy::{admin_consent_url, TenantChoice};
use crate::ui::groups::tx;
use crate::ui::session::use_session;
use leptos::prelude::*;

/// Whether the mode panel is open. The shell provides it; the header's status button toggles it.
#[derive(Clone, Copy)]
pub struct ModeDetails(RwSignal<bool>);

impl ModeDetails {
    pub fn provide() {
        provide_context(ModeDetails(RwSignal::new(false)));
    }
}

fn mode_details() -> RwSignal<bool> {
    use_context::<ModeDetails>()
        .map(|d| d.0)
        // Outside the shell (component tests) a panel of its own, closed.
        .unwrap_or_else(|| RwSignal::new(false))
}

/// The id of the panel, which the header's button controls.
const PANEL_ID: &str = "mode-details";

/// The header's status while someone is signed in: "Checking…", then "Direct mode" or "Script
/// mode", a button that opens and closes the panel.
#[component]
pub fn ModeStatus() -> impl IntoView {
    let i18n = use_i18n();
    let open = mode_details();
    move || {
        let session = use_session()?;
        let mode = session.mode();
        let class = match mode {
            None => "mode-status",
            Some(Mode::Direct) => "mode-status mode-status--direct",
            Some(Mode::Script) => "mode-status mode-status--script",
        };
        Some(view! {
            <button
                type="button"
                class=class
                aria-expanded=move || open.get().to_string()
                aria-controls=PANEL_ID
                aria-busy=mode.is_none().to_string()
                title=tx(|t| t.common.mode_status_hint)
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span class="mode-status-dot" aria-hidden="true"></span>
                {move || match mode {
                    None => i18n.t().common.mode_status_checking,
                    Some(Mode::Direct) => i18n.t().common.mode_direct,
                    Some(Mode::Script) => i18n.t().common.mode_script,
                }}
            </button>
        })
    }
}

/// The full panel: open when the header's button says so, and opened by itself when the probe's
/// verdict needs the admin's action.
#[component]
pub fn ModePanel() -> impl IntoView {
    let open = mode_details();
    Effect::new(move |_| match use_session() {
        None => open.set(false),
        Some(session) => {
            if session.report().is_some_and(|r| r.needs_action()) {
                open.set(true);
            }
        }
    });
    move || {
        let session = use_session()?;
        if !open.get() {
            return None;
        }
        Some(match session.report() {
            Some(report) => crate::ui::lazy(mode_report_view(report, open)),
            None => view! { <Checking/> }.into_any(),
        })
    }
}

#[component]
fn Checking() -> impl IntoView {
    view! {
        <section id=PANEL_ID class="card mode-panel" aria-labelledby="mode-heading" aria-busy="true">
            <h2 id="mode-heading">{tx(|t| t.common.mode_heading_checking)}</h2>
            <p>{tx(|t| t.common.mode_checking)}</p>
        </section>
    }
}

fn graph_line(t: &Texts, graph: &GraphStatus, tenant: &str) -> String {
    match graph {
        GraphStatus::NotConsented(e) => fill(
            t.mode().tenant_no_consent,
            &[("tenant", tenant), ("detail", &e.to_string())],
        ),
        GraphStatus::Ready => t.mode().graph_ready.to_owned(),
        GraphStatus::MissingScopes(missing) => {
            fill(t.mode().graph_missing, &[("scopes", &missing.join(", "))])
        }
        GraphStatus::Failed(e) => fill(t.mode().graph_failed, &[("detail", &e.to_string())]),
    }
}

/// (summary, what the admin can do) for Exchange.
fn exchange_lines(t: &Texts, exchange: &ExchangeStatus) -> (String, Option<&'static str>) {
    match exchange {
        ExchangeStatus::Writable => (t.mode().mode_direct_body.to_owned(), None),
        ExchangeStatus::NoRole => (
            t.mode().mode_no_role.to_owned(),
            Some(t.mode().mode_no_role_fix),
        ),
        ExchangeStatus::Unreachable(detail) => (
            fill(t.mode().mode_unreachable, &[("detail", detail)]),
            Some(t.mode().mode_unreachable_fix),
        ),
        ExchangeStatus::Failed(e) => (
            fill(t.mode().mode_exchange_failed, &[("detail", &e.to_string())]),
            Some(t.mode().mode_exchange_failed_fix),
        ),
    }
}

/// The verdict's panel. A split point of its own with the `split` feature (see `lazy_view!` in
/// `ui/mod.rs`): fetched when a verdict is first shown, like the probe that makes it.
#[cfg_attr(feature = "split", leptos::lazy)]
async fn mode_report_view(report: ModeReport, open: RwSignal<bool>) -> AnyView {
    view! { <ModeReportView report open/> }.into_any()
}

#[component]
fn ModeReportView(report: ModeReport, open: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let mode = report.mode;
    let class = match mode {
        Mode::Direct => "card mode-panel mode-panel--direct",
        Mode::Script => "card mode-panel mode-panel--script",
    };
    let sign_in_again = report.sign_in_again();
    let tenant = use_session()
        .map(|s| s.tenant)
        .unwrap_or_else(|| TenantChoice {
            id: String::new(),
            name: String::new(),
            home: true,
            domain: None,
        });
    let tenant_name = tenant.name.clone();
    let not_consented = matches!(report.graph, GraphStatus::NotConsented(_));
    let consent = not_consented.then(|| view! { <ConsentLink tenant/> });
    let graph = report.graph.clone();
    let exchange = report.exchange.clone();
    view! {
        <section id=PANEL_ID class=class aria-labelledby="mode-heading">
            <h2 id="mode-heading">
                {move || match mode {
                    Mode::Direct => i18n.t().common.mode_direct,
                    Mode::Script => i18n.t().common.mode_script,
                }}
            </h2>
            // Without consent in the tenant Exchange refuses for the same reason: said once,
            // below.
            {move || {
                (!not_consented).then(|| {
                    let (summary, fix) = exchange_lines(i18n.t(), &exchange);
                    view! {
                        <p class="mode-summary">{summary}</p>
                        {fix.map(|fix| view! { <p class="mode-fix">{fix}</p> })}
                    }
                })
            }}
            <p class="mode-graph">{move || graph_line(i18n.t(), &graph, &tenant_name)}</p>
            {consent}
            <div class="mode-actions">
                {sign_in_again.then(|| view! {
                    <button
                        type="button"
                        class="button button--primary"
                        on:click=move |_| auth.sign_in(SignInMode::Redirect)
                    >
                        {move || i18n.t().mode().sign_in_again}
                    </button>
                })}
                <button type="button" class="button" on:click=move |_| auth.recheck()>
                    {move || i18n.t().mode().mode_recheck}
                </button>
                <button type="button" class="button button--quiet" on:click=move |_| open.set(false)>
                    {move || i18n.t().mode().mode_close}
                </button>
            </div>
        </section>
    }
}

/// First use in a GDAP customer's tenant: the admin-consent link for that tenant (a new tab:
/// the app's state stays here), then "Check again" in the panel.
#[component]
pub fn ConsentLink(tenant: TenantChoice) -> impl IntoView {
    let i18n = use_i18n();
    let config = use_context::<crate::config::Config>();
    let href =
        config.map(|c| admin_consent_url(&c, &tenant.id, &crate::ui::browser::app_base_url()));
    let name = tenant.name.clone();
    view! {
        <p class="mode-fix">
            <a class="button button--primary" href=href target="_blank" rel="noopener">
                {move || fill(i18n.t().mode().tenant_consent_link, &[("tenant", &name)])}
            </a>
        </p>
        <p class="mode-fix">{move || i18n.t().mode().tenant_consent_then}</p>
    }
}

//! The mode panel: after sign-in, says in plain words whether Guestlist makes the Exchange
//! changes itself (direct mode) or hands the admin a script (script mode), and why. The decision
//! is [`crate::probe`]; this file only does the requests.

use crate::auth::{use_auth, Account, SignInMode};
use crate::config::Config;
use crate::i18n::{fill, use_i18n, Texts};
use crate::probe::{ExchangeStatus, GraphStatus, Mode, ModeReport, Observations};
use crate::tenant::TenantError;
use leptos::prelude::*;

/// Shown while someone is signed in; probes once per sign-in and on "Check again".
#[component]
pub fn ModePanel() -> impl IntoView {
    let auth = use_auth();
    let config = expect_context::<Config>();
    let report = LocalResource::new(move || {
        let account = auth.account();
        // Tracked: "Check again" bumps it.
        let _generation = auth.generation();
        let config = config.clone();
        async move {
            match account {
                Some(account) => Some(probe(&config, &account).await),
                None => None,
            }
        }
    });
    move || {
        auth.account()?;
        Some(match report.get() {
            Some(Some(report)) => view! { <ModeReportView report/> }.into_any(),
            _ => view! { <Checking/> }.into_any(),
        })
    }
}

#[component]
fn Checking() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card mode-panel" aria-labelledby="mode-heading" aria-busy="true">
            <h2 id="mode-heading">{move || i18n.t().mode_heading_checking}</h2>
            <p>{move || i18n.t().mode_checking}</p>
        </section>
    }
}

fn graph_line(t: &Texts, graph: &GraphStatus) -> String {
    match graph {
        GraphStatus::Ready => t.graph_ready.to_owned(),
        GraphStatus::MissingScopes(missing) => {
            fill(t.graph_missing, &[("scopes", &missing.join(", "))])
        }
        GraphStatus::Failed(e) => fill(t.graph_failed, &[("detail", &e.to_string())]),
    }
}

/// (summary, what the admin can do) for Exchange.
fn exchange_lines(t: &Texts, exchange: &ExchangeStatus) -> (String, Option<&'static str>) {
    match exchange {
        ExchangeStatus::Writable => (t.mode_direct_body.to_owned(), None),
        ExchangeStatus::NoRole => (t.mode_no_role.to_owned(), Some(t.mode_no_role_fix)),
        ExchangeStatus::Unreachable(detail) => (
            fill(t.mode_unreachable, &[("detail", detail)]),
            Some(t.mode_unreachable_fix),
        ),
        ExchangeStatus::Failed(e) => (
            fill(t.mode_exchange_failed, &[("detail", &e.to_string())]),
            Some(t.mode_exchange_failed_fix),
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
                    Mode::Direct => i18n.t().mode_direct,
                    Mode::Script => i18n.t().mode_script,
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
                        {move || i18n.t().sign_in_again}
                    </button>
                })}
                <button type="button" class="button" on:click=move |_| auth.recheck()>
                    {move || i18n.t().mode_recheck}
                </button>
            </div>
        </section>
    }
}

/// Runs the three checks of [`crate::probe`] with the browser's `fetch` and the MSAL bridge.
#[cfg(target_arch = "wasm32")]
async fn probe(config: &Config, account: &Account) -> ModeReport {
    use crate::auth::bridge;
    use crate::auth::BridgeTokenSource;
    use crate::probe::ROLE_CHECK_IDENTITY;
    use crate::tenant::{
        AuthError, ExchangeClient, FetchTransport, GraphClient, ReplicationWait, Resource,
        RetryPolicy, TimeoutSleeper,
    };
    use std::rc::Rc;

    let transport = match FetchTransport::new() {
        Ok(t) => Rc::new(t),
        Err(e) => return unavailable(TenantError::Transport(e)),
    };
    // One retry at most: a refused CORS preflight fails the same way every time, and the admin
    // can check again.
    let policy = RetryPolicy {
        max_attempts: 2,
        ..RetryPolicy::default()
    };
    let graph_token = bridge::token(Resource::Graph, false)
        .await
        .map(|t| t.scopes)
        .map_err(|e| TenantError::from(AuthError::from(e)));
    // config.json names the host; the client wants the version root.
    let graph = GraphClient::new(
        format!("{}/v1.0", config.graph_base_url),
        transport.clone(),
        BridgeTokenSource,
        TimeoutSleeper,
    )
    .with_policy(policy.clone());
    let graph_me = graph.me().await.map(|_| ());
    let tenant = if account.tenant_id.is_empty() {
        config.tenant.as_str().to_owned()
    } else {
        account.tenant_id.clone()
    };
    let exchange = ExchangeClient::new(
        config.exchange_base_url.clone(),
        tenant,
        &account.username,
        transport.clone(),
        BridgeTokenSource,
        TimeoutSleeper,
    )
    .with_policy(policy);
    let exchange_read = exchange.get_organization_config().await.map(|_| ());
    let exchange_role_check = match exchange_read {
        Ok(()) => Some(
            exchange
                .set_mail_contact_hidden(ROLE_CHECK_IDENTITY, true, ReplicationWait::None)
                .await,
        ),
        Err(_) => None,
    };
    Observations {
        graph_token,
        graph_me,
        exchange_read,
        exchange_role_check,
    }
    .decide()
}

/// Natively there is no browser to probe from (the UI is only type-checked there).
#[cfg(not(target_arch = "wasm32"))]
async fn probe(_config: &Config, _account: &Account) -> ModeReport {
    use crate::tenant::TransportError;
    unavailable(TenantError::Transport(TransportError::Invalid(
        "the mode probe runs in the browser only".into(),
    )))
}

fn unavailable(e: TenantError) -> ModeReport {
    Observations {
        graph_token: Err(e.clone()),
        graph_me: Err(e.clone()),
        exchange_read: Err(e),
        exchange_role_check: None,
    }
    .decide()
}

use crate::auth::problem::SignInProblem;
use crate::auth::scopes::{short_name, sign_in_scopes};
use crate::config::{self, Config, ConfigError};
use crate::deployment::{self, Endpoint, Outcome, Policy};
use crate::i18n::signin::{FixValues, LISTED};
use crate::i18n::{fill, use_i18n, Texts};
use crate::probe::{ExchangeStatus, GraphStatus, ModeReport};
use crate::ui::browser;
use crate::ui::components::{Page, TextFn};
use crate::ui::session::use_session;
use guestlist_core::tenant::Resource;
use leptos::prelude::*;

/// What Guestlist is, which tenant and endpoints this installation talks to, whether it is
/// deployed the way Guestlist needs ([`DeploymentCheck`]), and what sign-in failures mean
/// ([`SignInHelp`]). Reachable before sign-in.
#[component]
pub fn AboutPage() -> impl IntoView {
    let i18n = use_i18n();
    let config = expect_context::<Config>();
    let rows: [(TextFn, String); 6] = [
        (|t| t.common.about_client_id, config.client_id.clone()),
        (|t| t.common.about_tenant, config.tenant.as_str().to_owned()),
        (|t| t.common.about_authority, config.authority_url()),
        (|t| t.common.about_redirect, config.redirect_uri.clone()),
        (|t| t.common.about_graph, config.graph_base_url.clone()),
        (
            |t| t.common.about_exchange,
            config.exchange_base_url.clone(),
        ),
    ];
    view! {
        <Page title=|t| t.common.about_title>
            <p class="lead">{move || i18n.t().common.about_intro}</p>
            <p>{move || i18n.t().common.about_privacy}</p>
            <section class="card">
                <h2>{move || i18n.t().common.about_installation}</h2>
                <dl class="facts">
                    {rows
                        .map(|(label, value)| {
                            view! {
                                <dt>{move || label(i18n.t())}</dt>
                                <dd>
                                    <code>{value}</code>
                                </dd>
                            }
                        })}
                </dl>
            </section>
            <DeploymentCheck config=config.clone()/>
            <SignInHelp config/>
        </Page>
    }
}

/// What the check fetched from this site.
#[derive(Clone, Debug)]
struct Fetched {
    /// config.json read again.
    config: Result<Config, ConfigError>,
    /// The redirect page: (address, what it answered).
    redirect_page: (String, Result<(u16, String), String>),
    /// The main `.wasm` index.html names: (address, its Content-Type); `None` outside a build.
    wasm: Option<(String, Result<String, String>)>,
    /// The page's policies: the `<meta>` tag's and the response header's.
    policies: Vec<Policy>,
    /// This page's address (what `'self'` means).
    page_url: String,
}

/// GET `url`, not from the HTTP cache: (status, Content-Type, body).
async fn get(url: &str) -> Result<(u16, String, String), String> {
    let response = gloo_net::http::Request::get(url)
        .cache(web_sys::RequestCache::NoCache)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let content_type = response.headers().get("content-type").unwrap_or_default();
    let status = response.status();
    let body = response.text().await.map_err(|e| e.to_string())?;
    Ok((status, content_type, body))
}

fn attribute(selector: &str, name: &str) -> Option<String> {
    web_sys::window()?
        .document()?
        .query_selector(selector)
        .ok()??
        .get_attribute(name)
}

async fn fetch_all(in_use: Config) -> Fetched {
    let base = browser::app_base_url();
    let config = config::load(&browser::default_redirect_uri()).await;
    // The redirect page of the file as it is now, or of the configuration in use.
    let redirect = config
        .as_ref()
        .map_or(in_use.redirect_uri.clone(), |c| c.redirect_uri.clone());
    // Another origin's page can't be read from here (and is already a failure of its own):
    // check the one next to index.html instead.
    let page = if deployment::same_origin(&redirect, &base) {
        redirect
    } else {
        browser::default_redirect_uri()
    };
    let answer = get(&page).await.map(|(status, _, body)| (status, body));
    let wasm = match attribute("script[data-bindgen-wasm]", "data-bindgen-wasm") {
        Some(file) => {
            let url = web_sys::Url::new_with_base(&file, &base)
                .map(|u| u.href())
                .unwrap_or(file);
            let answer = get(&url).await.map(|(_, content_type, _)| content_type);
            Some((url, answer))
        }
        None => None,
    };
    let mut policies = Vec::new();
    if let Some(meta) = attribute("meta[http-equiv='Content-Security-Policy' i]", "content") {
        policies.push(deployment::parse_policy(&meta));
    }
    if let Ok(response) = gloo_net::http::Request::get(&base)
        .cache(web_sys::RequestCache::NoCache)
        .send()
        .await
    {
        if let Some(header) = response.headers().get("content-security-policy") {
            policies.extend(deployment::parse_policies(&header));
        }
    }
    Fetched {
        config,
        redirect_page: (page, answer),
        wasm,
        policies,
        page_url: base,
    }
}

/// A line of the check: its outcome and its words.
type Line = (Outcome, String);

fn site_lines(t: &'static Texts, f: &Fetched, in_use: &Config) -> Vec<Line> {
    let d = t.deploy();
    let mut lines = Vec::new();
    lines.push(match &f.config {
        Ok(_) => (Outcome::Pass, d.config_ok.to_owned()),
        Err(e) => (
            Outcome::Fail,
            fill(t.deploy().config_bad, &[("problem", &t.config().error(e))]),
        ),
    });
    let config = f.config.as_ref().unwrap_or(in_use);
    let origin = crate::i18n::signin::origin_of(&f.page_url);
    let expected = browser::default_redirect_uri();
    let origin_args = [
        ("redirect", config.redirect_uri.as_str()),
        ("origin", origin.as_str()),
        ("expected", expected.as_str()),
    ];
    lines.push(
        if deployment::same_origin(&config.redirect_uri, &f.page_url) {
            (
                Outcome::Pass,
                fill(t.deploy().redirect_origin_ok, &origin_args),
            )
        } else {
            (
                Outcome::Fail,
                fill(t.deploy().redirect_origin_bad, &origin_args),
            )
        },
    );
    let (page, answer) = &f.redirect_page;
    lines.push(match answer {
        Ok((200, body)) if deployment::is_redirect_page(body) => (
            Outcome::Pass,
            fill(t.deploy().redirect_page_ok, &[("page", page)]),
        ),
        Ok((200, _)) => (
            Outcome::Fail,
            fill(t.deploy().redirect_page_other, &[("page", page)]),
        ),
        Ok((status, _)) => (
            Outcome::Fail,
            fill(
                t.deploy().redirect_page_status,
                &[("page", page), ("status", &status.to_string())],
            ),
        ),
        Err(detail) => (
            Outcome::Fail,
            fill(
                t.deploy().redirect_page_network,
                &[("page", page), ("detail", detail)],
            ),
        ),
    });
    if let Some((file, answer)) = &f.wasm {
        lines.push(match answer {
            Ok(ct) if deployment::is_wasm_type(ct) => (Outcome::Pass, d.wasm_ok.to_owned()),
            Ok(ct) => (
                Outcome::Fail,
                fill(t.deploy().wasm_bad, &[("file", file), ("type", ct)]),
            ),
            Err(detail) => (
                Outcome::Fail,
                fill(
                    t.deploy().wasm_network,
                    &[("file", file), ("detail", detail)],
                ),
            ),
        });
    }
    let endpoints = deployment::endpoints(
        &config.authority,
        &config.graph_base_url,
        &config.exchange_base_url,
    );
    let blocked = deployment::blocked(&f.policies, &endpoints, &f.page_url);
    if f.policies.is_empty() {
        lines.push((Outcome::Pass, d.csp_none.to_owned()));
    } else if blocked.is_empty() {
        lines.push((Outcome::Pass, d.csp_ok.to_owned()));
    }
    for Endpoint {
        key,
        url,
        directive,
    } in &blocked
    {
        let source = deployment::source_for(url);
        lines.push((
            Outcome::Fail,
            fill(
                t.deploy().csp_blocked,
                &[
                    ("url", url),
                    ("key", key),
                    ("source", &source),
                    ("directive", directive),
                ],
            ),
        ));
    }
    lines
}

/// The permissions and Exchange lines: from the mode probe's report after sign-in.
fn session_lines(
    t: &'static Texts,
    report: Option<Option<ModeReport>>,
    client_id: &str,
) -> [Line; 2] {
    let d = t.deploy();
    let Some(report) = report else {
        return [
            (Outcome::Pending, d.permissions_signed_out.to_owned()),
            (Outcome::Pending, d.exchange_signed_out.to_owned()),
        ];
    };
    let Some(report) = report else {
        return [
            (Outcome::Pending, d.permissions_checking.to_owned()),
            (Outcome::Pending, d.exchange_checking.to_owned()),
        ];
    };
    let asked: Vec<String> = sign_in_scopes(Resource::Graph)
        .iter()
        .map(|s| short_name(s).to_owned())
        .collect();
    let permissions = match &report.graph {
        GraphStatus::Ready => (
            Outcome::Pass,
            fill(t.deploy().permissions_ok, &[("granted", &asked.join(", "))]),
        ),
        GraphStatus::MissingScopes(missing) => {
            let granted: Vec<&str> = asked
                .iter()
                .filter(|s| !missing.contains(s))
                .map(String::as_str)
                .collect();
            (
                Outcome::Fail,
                fill(
                    t.deploy().permissions_missing,
                    &[
                        ("missing", &missing.join(", ")),
                        ("granted", &granted.join(", ")),
                        ("client_id", client_id),
                    ],
                ),
            )
        }
        GraphStatus::Failed(e) | GraphStatus::NotConsented(e) => (
            Outcome::Fail,
            fill(t.deploy().permissions_failed, &[("detail", &e.to_string())]),
        ),
    };
    let exchange = match &report.exchange {
        ExchangeStatus::Writable => (Outcome::Pass, d.exchange_ok.to_owned()),
        ExchangeStatus::NoRole => (Outcome::Fail, d.exchange_no_role.to_owned()),
        ExchangeStatus::Unreachable(detail) => (
            Outcome::Fail,
            fill(t.deploy().exchange_unreachable, &[("detail", detail)]),
        ),
        ExchangeStatus::Failed(e) => (
            Outcome::Fail,
            fill(t.deploy().exchange_failed, &[("detail", &e.to_string())]),
        ),
    };
    [permissions, exchange]
}

/// The deployment check: one line per thing checked, passing or saying what to fix.
#[component]
fn DeploymentCheck(config: Config) -> impl IntoView {
    let i18n = use_i18n();
    let runs = RwSignal::new(0u32);
    let in_use = config.clone();
    let fetched = LocalResource::new(move || {
        runs.track();
        fetch_all(in_use.clone())
    });
    let client_id = config.client_id.clone();
    let lines = move || {
        let t = i18n.t();
        let mut lines = match fetched.get() {
            Some(f) => site_lines(t, &f, &config),
            None => vec![(Outcome::Pending, t.deploy().checking.to_owned())],
        };
        let report = use_session().map(|s| s.report());
        lines.extend(session_lines(t, report, &client_id));
        lines
            .into_iter()
            .map(|(outcome, text)| {
                let (class, word) = match outcome {
                    Outcome::Pass => ("check check--pass", t.deploy().pass),
                    Outcome::Fail => ("check check--fail", t.deploy().fail),
                    Outcome::Pending => ("check check--pending", t.deploy().pending),
                };
                view! {
                    <li class=class>
                        <strong class="check-outcome">{word}</strong>
                        " "
                        <span>{text}</span>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card deploy-check" aria-labelledby="deploy-check-heading">
            <h2 id="deploy-check-heading">{move || i18n.t().deploy().heading}</h2>
            <p>{move || i18n.t().deploy().intro}</p>
            <ul class="checks" aria-busy=move || fetched.get().is_none().to_string()>
                {lines}
            </ul>
            <button type="button" class="button" on:click=move |_| runs.update(|n| *n += 1)>
                {move || i18n.t().deploy().check_again}
            </button>
        </section>
    }
}

/// Every sign-in problem Guestlist recognises and what to change, with this installation's
/// values: the explanation for the ones Microsoft answers on its own page.
#[component]
fn SignInHelp(config: Config) -> impl IntoView {
    let i18n = use_i18n();
    let values = FixValues::new(&config, &browser::app_base_url());
    let items = move || {
        let t = i18n.t().signin();
        LISTED.map(|p: SignInProblem| {
            let title = match p.code() {
                Some(code) => format!("{} ({code})", t.title(p)),
                None => t.title(p).to_owned(),
            };
            view! {
                <li>
                    <strong>{title}</strong>
                    " "
                    {t.fix(p, &values)}
                </li>
            }
        })
    };
    view! {
        <section class="card sign-in-help" id="sign-in-help" aria-labelledby="sign-in-help-heading">
            <h2 id="sign-in-help-heading">{move || i18n.t().signin().about_heading}</h2>
            <p>{move || i18n.t().signin().about_intro}</p>
            <ul>{items}</ul>
        </section>
    }
}

//! Setup and steps for the end-to-end suites that sign in (tests/e2e_signin.rs, e2e_groups.rs,
//! e2e_import.rs; included there with `#[path]` so the shared `support` module stays as it is):
//! the sim and the app, signing in, and reading the sim's state.
//!
//! The simulated tenant listens on **HTTPS** (self-signed; the test browser is told to ignore
//! certificate errors through the DevTools protocol, nothing else is), and the built app is served
//! from a **different origin** (plain HTTP on another port of 127.0.0.1, a secure context for the
//! browser) with a config.json pointing at the sim: so every call MSAL and the clients make is a
//! cross-origin `fetch` and CORS is exercised. index.html's Content-Security-Policy gets the sim's
//! origin added to `connect-src`/`frame-src`, as an administrator would for their own endpoints.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use guestlist_sim::{Knobs, RunningSim, SimConfig};
use serde_json::{json, Value};
use tower_http::services::ServeDir;

use crate::support::browser::Browser;
use crate::support::wait;
use crate::support::{check, dist_dir, Error, Result, DEADLINE};

pub struct SignInSetup {
    pub sim: RunningSim,
    /// `http://127.0.0.1:PORT`
    pub app_url: String,
    server: tokio::task::JoinHandle<()>,
}

struct Site {
    dist: PathBuf,
    sim_origin: String,
    config: serde_json::Value,
}

async fn index(State(site): State<Arc<Site>>) -> Response {
    match tokio::fs::read_to_string(site.dist.join("index.html")).await {
        Ok(html) => Html(allow_origin_in_csp(&html, &site.sim_origin)).into_response(),
        Err(e) => (axum::http::StatusCode::NOT_FOUND, e.to_string()).into_response(),
    }
}

/// Adds `origin` to `connect-src` and `frame-src` of the Content-Security-Policy `<meta>` tag.
/// The release build's index.html is minified (`<meta content="…" http-equiv=Content-Security-Policy>`,
/// attribute order and quotes changed), so the tag is found by its policy name, wherever it stands.
pub fn allow_origin_in_csp(html: &str, origin: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let Some(at) = lower.find("content-security-policy") else {
        return html.to_owned();
    };
    let start = lower[..at].rfind("<meta").unwrap_or(at);
    let end = lower[at..].find('>').map_or(html.len(), |e| at + e);
    let Some(content) = lower[start..end].find("content=\"") else {
        return html.to_owned();
    };
    let value_start = start + content + "content=\"".len();
    let Some(len) = html[value_start..end].find('"') else {
        return html.to_owned();
    };
    let policy: Vec<String> = html[value_start..value_start + len]
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let name = d
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if name == "connect-src" || name == "frame-src" {
                format!("{d} {origin}")
            } else {
                d.to_owned()
            }
        })
        .collect();
    format!(
        "{}{}{}",
        &html[..value_start],
        policy.join("; "),
        &html[value_start + len..]
    )
}

async fn config(State(site): State<Arc<Site>>) -> Response {
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Json(site.config.clone()),
    )
        .into_response()
}

impl SignInSetup {
    /// The sim over HTTPS with `knobs`, and the app from `dist` on its own origin.
    pub async fn start(dist: &Path, knobs: Knobs) -> Result<SignInSetup> {
        SignInSetup::start_serving(dist, knobs, false, false, |_| {}).await
    }

    /// [`SignInSetup::start`] with the sim's large tenant (thousands of contacts and guests
    /// across hundreds of groups, on top of the default one): the register's measurement.
    pub async fn start_large(dist: &Path, knobs: Knobs) -> Result<SignInSetup> {
        SignInSetup::start_serving(dist, knobs, false, true, |_| {}).await
    }

    /// [`SignInSetup::start`] with the app's config.json changed by `edit` (e.g. another
    /// tenantId), as an administrator's mistake in the deployed file would.
    pub async fn start_with_config(
        dist: &Path,
        knobs: Knobs,
        edit: fn(&mut Value),
    ) -> Result<SignInSetup> {
        SignInSetup::start_serving(dist, knobs, false, false, edit).await
    }

    /// [`SignInSetup::start`] with the app's files gzip-compressed on the wire, as a static host
    /// serves them (the cold-load measurement).
    pub async fn start_compressed(dist: &Path, knobs: Knobs) -> Result<SignInSetup> {
        SignInSetup::start_serving(dist, knobs, true, false, |_| {}).await
    }

    async fn start_serving(
        dist: &Path,
        knobs: Knobs,
        compress: bool,
        large_tenant: bool,
        edit: fn(&mut Value),
    ) -> Result<SignInSetup> {
        let sim = guestlist_sim::start(SimConfig {
            http: None,
            https: Some(([127, 0, 0, 1], 0).into()),
            knobs,
            large_tenant,
            ..SimConfig::default()
        })
        .await
        .map_err(|e| Error::Setup(format!("the simulated tenant did not start: {e}")))?;
        let sim_url = sim
            .https_url
            .clone()
            .ok_or_else(|| Error::Setup("the sim has no HTTPS listener".into()))?;

        let (listener, addr) = crate::support::bind_app_server().await?;
        let app_url = format!("http://{addr}");
        // Keys as src/config.rs reads them. The redirect URI is MSAL 5's bridge page.
        let mut app_config = json!({
            "clientId": guestlist_sim::identity::SIM_CLIENT_ID,
            "tenantId": guestlist_sim::state::TENANT_ID,
            "authority": sim_url,
            "redirectUri": format!("{app_url}/redirect.html"),
            "graphBaseUrl": sim_url,
            "exchangeBaseUrl": sim_url,
        });
        edit(&mut app_config);
        let site = Arc::new(Site {
            dist: dist.to_path_buf(),
            sim_origin: sim_url.clone(),
            config: app_config,
        });
        let index_route = get(index).with_state(site.clone());
        let router = Router::new()
            .route("/", index_route.clone())
            .route("/index.html", index_route.clone())
            .route("/config.json", get(config).with_state(site.clone()))
            .fallback_service(ServeDir::new(dist).fallback(index_route));
        let router = if compress {
            router.layer(tower_http::compression::CompressionLayer::new().gzip(true))
        } else {
            router
        };
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                eprintln!("app server stopped: {e}");
            }
        });
        Ok(SignInSetup {
            sim,
            app_url,
            server,
        })
    }

    pub fn app(&self, path: &str) -> String {
        format!("{}/{}", self.app_url, path.trim_start_matches('/'))
    }

    /// A fresh sim with `knobs` and a browser (screenshots named `label`…) that trusts the
    /// sim's certificate, at the app's start page.
    pub async fn open(label: &str, knobs: Knobs) -> Result<(SignInSetup, Browser)> {
        let setup = SignInSetup::start(&dist_dir()?, knobs).await?;
        let browser = Browser::start(label).await?;
        ignore_certificate_errors(&browser).await?;
        browser.goto(&setup.app("/")).await?;
        Ok((setup, browser))
    }

    /// [`SignInSetup::open`], then signed in as `upn` with the probe's verdict shown (`mode`
    /// is the mode panel's heading: "Direct mode" or "Script mode").
    pub async fn signed_in(
        label: &str,
        knobs: Knobs,
        upn: &str,
        mode: &str,
    ) -> Result<(SignInSetup, Browser)> {
        let (setup, browser) = SignInSetup::open(label, knobs).await?;
        sign_in(&browser, &setup, upn, mode).await?;
        Ok((setup, browser))
    }

    /// The sim behaves as `knobs` says from the next request on.
    pub fn set_knobs(&self, knobs: Knobs) -> Result<()> {
        self.sim
            .set_knobs(knobs)
            .map_err(|e| Error::Setup(format!("setting the sim's knobs: {e}")))
    }

    /// The sim's tenant as `GET /_sim/state` gives it (read in-process): a snapshot, so compare
    /// two of them for what changed in between.
    pub fn state(&self) -> Value {
        self.sim
            .state
            .tenant
            .lock()
            .expect("tenant lock")
            .snapshot()
    }

    /// The sim's delivery oracle (`POST /_sim/deliver`): what a message from `from` to `to`
    /// would meet, `{"outcome", "code", "recipients"}`.
    pub async fn deliver(&self, from: &str, to: &str) -> Result<Value> {
        let setup_error = |e: reqwest::Error| Error::Setup(e.to_string());
        // The sim serves HTTPS with its own certificate here.
        reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .map_err(setup_error)?
            .post(format!("{}/_sim/deliver", self.sim.base_url()))
            .json(&json!({"from": from, "to": to}))
            .send()
            .await
            .map_err(setup_error)?
            .json()
            .await
            .map_err(setup_error)
    }

    /// The group called `name` as the sim holds it now.
    pub fn group(&self, name: &str) -> Result<Value> {
        group(&self.state(), name).cloned()
    }
}

/// The group called `name` in a snapshot of the sim's state.
pub fn group<'a>(state: &'a Value, name: &str) -> Result<&'a Value> {
    state["groups"]
        .as_array()
        .and_then(|gs| gs.iter().find(|g| g["displayName"] == name))
        .ok_or_else(|| Error::Setup(format!("the sim has no group {name:?}")))
}

/// The ids of the members of the group called `name` in a snapshot of the sim's state.
pub fn members(state: &Value, name: &str) -> Result<Vec<String>> {
    Ok(group(state, name)?["members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().map(str::to_owned))
        .collect())
}

impl Drop for SignInSetup {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The sim's knobs for a tenant whose Exchange endpoint refuses the browser's cross-origin calls:
/// the app falls back to script mode.
pub fn exchange_refuses_cors() -> Knobs {
    Knobs {
        exchange_cors_refused: true,
        ..Knobs::default()
    }
}

/// Only this test browser accepts the sim's self-signed certificate (DevTools protocol
/// `Security.setIgnoreCertificateErrors`, the same effect as `--ignore-certificate-errors`).
pub async fn ignore_certificate_errors(browser: &Browser) -> Result<()> {
    browser
        .cdp(
            "Security.setIgnoreCertificateErrors",
            json!({ "ignore": true }),
        )
        .await?;
    Ok(())
}

/// The accessible name of an account's radio button on the sim's sign-in page: its label, the
/// display name then the user principal name.
pub fn account_choice(sim: &RunningSim, upn: &str) -> Result<String> {
    let accounts = guestlist_sim::identity::all_accounts(&sim.state);
    accounts
        .iter()
        .find(|a| a.upn.eq_ignore_ascii_case(upn))
        .map(|a| format!("{} {}", a.display_name, a.upn))
        .ok_or_else(|| Error::Setup(format!("the sim has no account {upn}")))
}

/// The display name the sim gives `upn`.
pub fn display_name(sim: &RunningSim, upn: &str) -> Result<String> {
    let accounts = guestlist_sim::identity::all_accounts(&sim.state);
    accounts
        .iter()
        .find(|a| a.upn.eq_ignore_ascii_case(upn))
        .map(|a| a.display_name.clone())
        .ok_or_else(|| Error::Setup(format!("the sim has no account {upn}")))
}

/// Fills the sim's sign-in page the way a person does: picks the account by its label, types the
/// password into the field labelled "Password", presses "Sign in".
pub async fn sign_in_on_sim_page(browser: &Browser, choice: &str, password: &str) -> Result<()> {
    browser.click("radio", choice).await?;
    let field = field_by_label(browser, "Password").await?;
    field.send_keys(password).await?;
    browser.click("button", "Sign in").await?;
    Ok(())
}

/// [`sign_in_on_sim_page`] as `upn`, with the sim's demo password.
/// The incremental consent for opening the Microsoft 365 group `group`, after the admin's first
/// click: the consent panel is there and nothing changed yet (screenshot `shot`); its button
/// opens Microsoft's popup, where `upn` consents, and then the group is open in the tenant.
pub async fn consent_and_see_group_opened(
    setup: &SignInSetup,
    browser: &Browser,
    group: &str,
    upn: &str,
    shot: &str,
) -> Result<()> {
    const CONSENT: &str = "Consent and open the group";
    browser.find("button", CONSENT).await?;
    let open = || -> Result<bool> { Ok(setup.group(group)?["allowExternalSenders"] == true) };
    check(!open()?, || format!("{group} changed before consent"))?;
    browser
        .eval("document.querySelector('.consent').scrollIntoView({block: 'center'}); return null")
        .await?;
    browser.screenshot(shot).await?;
    browser.click("button", CONSENT).await?;
    sign_in_in_popup(browser, &setup.sim, upn).await?;
    browser
        .wait_text("Done: the group now accepts mail from outside the organisation.")
        .await?;
    check(open()?, || {
        format!("after consent {group} should accept external senders")
    })
}

/// Signs in as `upn` in the MSAL popup the app has just opened, waits until the popup closes
/// and switches back to the app's window.
pub async fn sign_in_in_popup(browser: &Browser, sim: &RunningSim, upn: &str) -> Result<()> {
    let main = browser.client.window().await?;
    let popup = wait::until("the sign-in popup", DEADLINE, || async {
        let windows = browser.client.windows().await?;
        Ok(match windows.into_iter().find(|w| *w != main) {
            Some(w) => wait::Poll::Ready(w),
            None => wait::Poll::NotYet("only the app's window".into()),
        })
    })
    .await?;
    browser.client.switch_to_window(popup).await?;
    // MSAL opens the popup blank and then navigates it to /authorize. Reloading before that
    // navigation has started would cancel it and leave the popup blank, so wait for it first.
    wait::until("the popup to leave about:blank", DEADLINE, || async {
        let url = browser.client.current_url().await?;
        Ok(if url.as_str() == "about:blank" {
            wait::Poll::NotYet(url.to_string())
        } else {
            wait::Poll::Ready(())
        })
    })
    .await?;
    // The popup is a fresh page: it needs the certificate exception too, then a reload of the
    // refused first attempt.
    ignore_certificate_errors(browser).await?;
    browser.client.refresh().await?;
    sign_in_on_sim_page_as(browser, sim, upn).await?;
    // redirect.html hands the answer to the app over a BroadcastChannel and closes the popup.
    wait::until("the popup to close", DEADLINE, || async {
        let n = browser.client.windows().await?.len();
        Ok(if n == 1 {
            wait::Poll::Ready(())
        } else {
            wait::Poll::NotYet(format!("{n} windows"))
        })
    })
    .await?;
    browser.client.switch_to_window(main).await?;
    Ok(())
}

pub async fn sign_in_on_sim_page_as(browser: &Browser, sim: &RunningSim, upn: &str) -> Result<()> {
    sign_in_on_sim_page(
        browser,
        &account_choice(sim, upn)?,
        guestlist_sim::store::DEMO_PASSWORD,
    )
    .await
}

/// Signs in as `upn` from the app's start page and waits for the signed-in header and the
/// probe's verdict (`mode` is the header's status: "Direct mode" or "Script mode").
pub async fn sign_in(browser: &Browser, setup: &SignInSetup, upn: &str, mode: &str) -> Result<()> {
    browser.click("button", "Sign in").await?;
    sign_in_on_sim_page_as(browser, &setup.sim, upn).await?;
    browser.find("group", "Signed-in account").await?;
    browser.find("button", mode).await?;
    Ok(())
}

/// A journalled run's buttons and texts, for [`reload_mid_run`].
pub struct RunPage<'a> {
    /// The button that starts the run.
    pub start: &'a str,
    /// What the page says after a reload about the run that didn't finish.
    pub stopped: &'a str,
    /// The button that resumes it.
    pub resume: &'a str,
}

/// Starts a run, reloads the page once a quarter of it is done, and resumes it, with the sim's
/// latency making the reload land mid-run whatever the machine's speed (no sleeps): 150 ms
/// per request while running; 2 s from the quarter on, so the run can't end before the page
/// goes and the requests under way then are the ones the resume must check. `progress` reads
/// `(done, total)` off the page. Returns where the run was; the sim stays at 150 ms.
pub async fn reload_mid_run<F, Fut>(
    setup: &SignInSetup,
    browser: &Browser,
    page: RunPage<'_>,
    deadline: std::time::Duration,
    mut progress: F,
) -> Result<(u64, u64)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<(u64, u64)>>>,
{
    let latency = |latency_ms| Knobs {
        latency_ms,
        ..Knobs::default()
    };
    setup.set_knobs(latency(150))?;
    browser.click("button", page.start).await?;
    let at = wait::until("a quarter of the run", deadline, || {
        let read = progress();
        async move {
            Ok(match read.await? {
                Some((done, total)) if done * 4 >= total && done < total => {
                    wait::Poll::Ready((done, total))
                }
                other => wait::Poll::NotYet(format!("{other:?}")),
            })
        }
    })
    .await?;
    setup.set_knobs(latency(2_000))?;
    browser.client.refresh().await?;
    browser.wait_text_within(page.stopped, deadline).await?;
    browser.find("group", "Signed-in account").await?;
    setup.set_knobs(latency(150))?;
    browser.click("button", page.resume).await?;
    Ok(at)
}

/// The mode panel's text, opened from the header's status button named `mode` ("Direct
/// mode") as an admin would, unless it is open already.
pub async fn mode_details(browser: &Browser, mode: &str) -> Result<String> {
    let status = browser.find("button", mode).await?;
    if status.attr("aria-expanded").await?.as_deref() != Some("true") {
        browser.click("button", mode).await?;
    }
    Ok(browser.find("region", mode).await?.text().await?)
}

/// Switches the app to Dutch with the header's language switch, as an admin would.
pub async fn switch_to_dutch(browser: &Browser) -> Result<()> {
    browser
        .find("combobox", "Language")
        .await?
        .select_by_label("Nederlands")
        .await?;
    browser.find("combobox", "Taal").await?;
    Ok(())
}

/// The form control whose `<label>` reads exactly `label` (password fields have no ARIA role,
/// so role queries can't find them).
pub async fn field_by_label(
    browser: &Browser,
    label: &str,
) -> Result<fantoccini::elements::Element> {
    let script = r#"
        const want = arguments[0];
        const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
        const hit = [...document.querySelectorAll('label')].find((l) => norm(l.textContent) === want);
        return hit && hit.control ? hit.control : null;
    "#;
    let what = format!("a field labelled {label:?}");
    crate::support::wait::until(&what, crate::support::DEADLINE, || async {
        let value = browser.client.execute(script, vec![json!(label)]).await?;
        if value.is_null() {
            return Ok(crate::support::wait::Poll::NotYet(
                browser.client.current_url().await?.to_string(),
            ));
        }
        let id = value["element-6066-11e4-a52e-4f735466cecf"]
            .as_str()
            .ok_or_else(|| Error::Page(format!("not an element reference: {value}")))?;
        let element = fantoccini::elements::Element::from_element_id(
            browser.client.clone(),
            fantoccini::elements::ElementRef::from(id.to_owned()),
        );
        Ok(crate::support::wait::Poll::Ready(element))
    })
    .await
}

/// An Exchange cmdlet as the admin, the way the generated script would run it (a password-grant
/// token, then InvokeCommand).
pub async fn run_cmdlet(
    setup: &SignInSetup,
    cmdlet: &str,
    params: serde_json::Value,
) -> Result<()> {
    run_cmdlet_in(
        setup,
        guestlist_sim::state::TENANT_ID,
        guestlist_sim::store::ADMIN_UPN,
        cmdlet,
        params,
    )
    .await
}

/// [`run_cmdlet`] in tenant `tenant` as `upn` (e.g. a customer's own admin running the script
/// a partner handed over).
pub async fn run_cmdlet_in(
    setup: &SignInSetup,
    tenant: &str,
    upn: &str,
    cmdlet: &str,
    params: serde_json::Value,
) -> Result<()> {
    let base = setup.sim.https_url.clone().unwrap_or_default();
    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .map_err(|e| Error::Setup(e.to_string()))?;
    let token: serde_json::Value = http
        .post(format!("{base}/{tenant}/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", guestlist_sim::identity::SIM_CLIENT_ID),
            ("username", upn),
            ("password", guestlist_sim::store::DEMO_PASSWORD),
            ("scope", "https://outlook.office365.com/Exchange.Manage"),
        ])
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| Error::Setup(e.to_string()))?
        .json()
        .await
        .map_err(|e| Error::Setup(e.to_string()))?;
    let bearer = token["access_token"].as_str().unwrap_or_default();
    let resp = http
        .post(format!("{base}/adminapi/beta/{tenant}/InvokeCommand"))
        .bearer_auth(bearer)
        .header("X-AnchorMailbox", format!("UPN:{upn}"))
        .json(&serde_json::json!({"CmdletInput": {"CmdletName": cmdlet, "Parameters": params}}))
        .send()
        .await
        .map_err(|e| Error::Setup(e.to_string()))?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    crate::support::check(status.is_success(), || {
        format!("{cmdlet} {params}: {status} {body}")
    })
}

/// The Exchange steps of a script-mode run as (cmdlet, parameters), read from the script the
/// page shows in the text area `area_id`: the plan's operations that the script covers.
pub async fn exchange_steps(browser: &Browser, area_id: &str) -> Result<Vec<(String, Value)>> {
    let script = browser
        .eval(&format!(
            "return document.getElementById({area_id:?}).value"
        ))
        .await?;
    let script = script.as_str().unwrap_or_default();
    // The script is the contract: each step names its cmdlet and single-quoted values. Read the
    // cmdlet lines it would run.
    let mut steps = Vec::new();
    for line in script.lines().map(str::trim) {
        let cmdlet = [
            "New-MailContact",
            "Add-DistributionGroupMember",
            "Set-MailContact",
            "Set-DistributionGroup",
        ]
        .into_iter()
        .find(|c| line.starts_with(c));
        let Some(cmdlet) = cmdlet else { continue };
        let mut params = serde_json::Map::new();
        let mut rest = &line[cmdlet.len()..];
        while let Some(dash) = rest.find(" -") {
            rest = &rest[dash + 2..];
            let name_end = rest.find([' ', ':']).unwrap_or(rest.len());
            let name = rest[..name_end].to_owned();
            rest = &rest[name_end..];
            let value = if let Some(r) = rest.strip_prefix(":$") {
                let end = r.find(' ').unwrap_or(r.len());
                let v = json!(&r[..end] == "true");
                rest = &r[end..];
                v
            } else if let Some(r) = rest.strip_prefix(" '") {
                let mut v = String::new();
                let mut chars = r.char_indices();
                let mut end = r.len();
                while let Some((i, ch)) = chars.next() {
                    if ch == '\'' {
                        if r[i + 1..].starts_with('\'') {
                            v.push('\'');
                            chars.next();
                            continue;
                        }
                        end = i + 1;
                        break;
                    }
                    v.push(ch);
                }
                rest = &r[end..];
                json!(v)
            } else {
                json!(true)
            };
            params.insert(name, value);
        }
        steps.push((cmdlet.to_owned(), Value::Object(params)));
    }
    Ok(steps)
}

//! End-to-end sign-in: the built app with the **real MSAL.js** (the pinned npm bundle in dist/)
//! against the simulated tenant, in headless Chromium.
//!
//! The sim runs over HTTPS with a self-signed certificate (only the test browser ignores
//! certificate errors) and the app is served from another origin, so MSAL's discovery and token
//! calls and the Graph and Exchange calls all cross origins (CORS). See tests/support/signin.rs.
//! The demo path (`cargo xtask demo`: the sim over plain HTTP serving the app itself) is covered
//! too.
//!
//! Run: `cargo xtask test --only build,e2e`, or with an existing build
//! `cargo test -p guestlist --test e2e_signin`. Screenshots: test-output/e2e/signin-*.png.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)] // Helpers shared with the other end-to-end suites.
#[path = "support/signin.rs"]
mod signin;
mod support;

use guestlist_sim::store::{ADMIN_UPN, HELPDESK_UPN};
use guestlist_sim::{Knobs, RegistrationProblem};
use signin::{
    account_choice, consent_and_see_group_opened, display_name, exchange_refuses_cors,
    ignore_certificate_errors, sign_in_in_popup, sign_in_on_sim_page_as, switch_to_dutch,
    SignInSetup,
};
use support::app::{App, ConfigJson};
use support::browser::Browser;
use support::{check, dist_dir, Result};

const TENANT_ID: &str = guestlist_sim::state::TENANT_ID;

/// Starts at the app, presses "Sign in", signs in on the sim's page as `upn`, and waits until the
/// header shows the account. Returns the header's account text.
async fn sign_in(browser: &Browser, sim: &guestlist_sim::RunningSim, upn: &str) -> Result<String> {
    browser.click("button", "Sign in").await?;
    sign_in_on_sim_page_as(browser, sim, upn).await?;
    signed_in_as(browser, sim, upn).await
}

/// Waits until the header shows `upn`'s account; returns the header's account text.
async fn signed_in_as(
    browser: &Browser,
    sim: &guestlist_sim::RunningSim,
    upn: &str,
) -> Result<String> {
    let account = browser.find("group", "Signed-in account").await?;
    let text = account.text().await?;
    let name = display_name(sim, upn)?;
    check(
        text.contains(&name) && text.contains(upn) && text.contains(TENANT_ID),
        || format!("the header shows {text:?}, expected {name}, {upn} and tenant {TENANT_ID}"),
    )?;
    Ok(text)
}

/// The mode panel's text once it has a verdict (`mode` is the header's status and the panel's
/// title), opened from the header.
async fn mode_panel(browser: &Browser, mode: &str) -> Result<String> {
    signin::mode_details(browser, mode).await
}

#[tokio::test]
async fn admin_signs_in_with_msal_sees_account_and_direct_mode_then_signs_out() -> Result<()> {
    let (setup, browser) = SignInSetup::open("signin-admin", Knobs::default()).await?;

    sign_in(&browser, &setup.sim, ADMIN_UPN).await?;
    // MSAL came back through the redirect bridge page to the app, which cleaned up the URL.
    let url = browser.client.current_url().await?;
    check(
        url.as_str().starts_with(&setup.app_url) && url.query().is_none(),
        || format!("after sign-in the address is {url}"),
    )?;
    // Direct mode asks nothing of the admin: the header says it, the panel stays closed.
    browser.find("button", "Direct mode").await?;
    browser.wait_gone("region", "Direct mode").await?;
    browser.screenshot("signin-header-admin").await?;

    let panel = mode_panel(&browser, "Direct mode").await?;
    check(
        panel.contains("Guestlist makes the Exchange changes itself.")
            && panel.contains("all permissions granted"),
        || format!("direct-mode panel says {panel:?}"),
    )?;
    browser.screenshot("signin-mode-direct").await?;
    // WCAG 2.1 AA (axe-core): signed-in header and mode panel.
    support::axe::check_page(&browser, "the signed-in page").await?;

    // Tokens are in sessionStorage (MSAL's cache), not localStorage.
    let stored = browser
        .eval(
            "return [Object.keys(sessionStorage).filter(k => k.startsWith('msal.')).length, \
             Object.keys(localStorage).filter(k => k.startsWith('msal.')).length]",
        )
        .await?;
    check(stored[0].as_u64() > Some(0) && stored[1] == 0, || {
        format!("MSAL keys in (sessionStorage, localStorage): {stored}")
    })?;

    browser.click("button", "Sign out").await?;
    browser.find("button", "Sign in").await?;
    browser.wait_gone("group", "Signed-in account").await?;
    browser.wait_gone("button", "Direct mode").await?;
    browser.wait_gone("region", "Direct mode").await?;
    // The sign-out ended the session at the identity provider too: signing in asks again.
    browser.click("button", "Sign in").await?;
    browser
        .find("radio", &account_choice(&setup.sim, ADMIN_UPN)?)
        .await?;
    browser.close().await
}

/// When each of the app's files began and finished arriving (`performance`'s resource
/// timing), by a part of its URL: `[startTime, responseEnd]` of the first such request, or
/// null.
async fn fetched(browser: &Browser, url_part: &str) -> Result<serde_json::Value> {
    browser
        .eval(&format!(
            "const r = performance.getEntriesByType('resource')\
               .find(e => e.name.includes({url_part:?}));\
             return r ? [r.startTime, r.responseEnd] : null;"
        ))
        .await
}

/// Waits until `url_part` has been fetched (MSAL follows the first screen), then returns when.
async fn fetched_eventually(browser: &Browser, url_part: &str) -> Result<serde_json::Value> {
    support::wait::until(url_part, std::time::Duration::from_secs(30), || async {
        let at = fetched(browser, url_part).await?;
        Ok(if at.is_null() {
            let names = browser
                .eval("return performance.getEntriesByType('resource').map(e => e.name)")
                .await?;
            support::wait::Poll::NotYet(format!("{url_part} not among {names}"))
        } else {
            support::wait::Poll::Ready(at)
        })
    })
    .await
}

/// Installed into every new document: records in `window.__signInShown` when (`performance.now()`)
/// the header's "Sign in" button first appears.
const WATCH_SIGN_IN: &str = r#"(() => {
  window.__signInShown = null;
  new MutationObserver(() => {
    if (window.__signInShown === null && [...document.querySelectorAll(".sign-in-slot button")]
        .some((b) => b.textContent.trim() === "Sign in")) {
      window.__signInShown = performance.now();
    }
  }).observe(document, { childList: true, subtree: true });
})();"#;

/// Checks that the page said "Sign in" before it asked for MSAL.js (`what`: when).
async fn sign_in_shown_before_msal(browser: &Browser, what: &str) -> Result<()> {
    browser.find("button", "Sign in").await?;
    let shown = browser.eval("return window.__signInShown").await?;
    let msal = fetched_eventually(browser, "msal-browser").await?;
    check(
        shown.as_f64().is_some() && msal[0].as_f64() >= shown.as_f64(),
        || format!("{what}: MSAL.js was requested at {msal} ms, \"Sign in\" shown at {shown} ms"),
    )
}

#[tokio::test]
async fn msal_follows_the_first_screen_signed_out_and_after_a_signed_in_reload() -> Result<()> {
    let setup = SignInSetup::start(&dist_dir()?, Knobs::default()).await?;
    let browser = Browser::start("signin-msal-later").await?;
    ignore_certificate_errors(&browser).await?;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": WATCH_SIGN_IN }),
        )
        .await?;
    browser.goto(&setup.app("/")).await?;

    // Signed out: the page asks to sign in without MSAL.js (it is not part of the first load),
    // which follows, ahead of a click.
    sign_in_shown_before_msal(&browser, "signed out").await?;
    sign_in(&browser, &setup.sim, ADMIN_UPN).await?;
    browser.find("button", "Direct mode").await?;

    // Signed in, reloaded: the finder's first list comes from the tab's session (account and
    // token), and MSAL.js is only requested after Graph has answered it.
    browser.goto(&setup.app("/")).await?;
    browser.find("list", "Groups found").await?;
    let search = fetched(&browser, "/groups?").await?;
    let msal = fetched_eventually(&browser, "msal-browser").await?;
    check(
        !search.is_null() && msal[0].as_f64() >= search[1].as_f64(),
        || format!("MSAL.js was requested at {msal} ms, the finder's search answered at {search}"),
    )?;
    // The signed-in account is the one MSAL signed in, and MSAL still serves what follows.
    signed_in_as(&browser, &setup.sim, ADMIN_UPN).await?;
    browser.find("button", "Direct mode").await?;

    // Signing out forgets the tab's session too: a reload is signed out, and again MSAL.js (which
    // has run in this tab before) is only fetched once the page has said so.
    browser.click("button", "Sign out").await?;
    browser.find("button", "Sign in").await?;
    browser.goto(&setup.app("/")).await?;
    sign_in_shown_before_msal(&browser, "reloaded after sign-out").await?;
    browser.wait_gone("group", "Signed-in account").await?;
    browser.close().await
}

#[tokio::test]
async fn helpdesk_sees_that_exchange_writes_are_unavailable_and_why() -> Result<()> {
    let (setup, browser) = SignInSetup::open("signin-helpdesk", Knobs::default()).await?;

    sign_in(&browser, &setup.sim, HELPDESK_UPN).await?;
    let panel = mode_panel(&browser, "Script mode").await?;
    check(
        panel.contains(
            "Exchange writes unavailable: your account has no Exchange Recipient Management role.",
        ) && panel.contains("Recipient Management role group"),
        || format!("helpdesk's panel says {panel:?}"),
    )?;
    browser.screenshot("signin-mode-script-no-role").await?;
    browser.close().await
}

#[tokio::test]
async fn exchange_refusing_cors_gives_script_mode() -> Result<()> {
    let (setup, browser) = SignInSetup::open("signin-cors", exchange_refuses_cors()).await?;

    sign_in(&browser, &setup.sim, ADMIN_UPN).await?;
    let panel = mode_panel(&browser, "Script mode").await?;
    check(
        panel.contains("Exchange can't be reached from this browser")
            && panel.contains("exchangeBaseUrl")
            // Graph still works: only Exchange is refused.
            && panel.contains("all permissions granted"),
        || format!("script-mode panel says {panel:?}"),
    )?;
    browser.screenshot("signin-mode-script-cors").await?;
    // WCAG 2.1 AA (axe-core): signed-in header and mode panel.
    support::axe::check_page(&browser, "the signed-in page").await?;

    // The admin's answer to "what can I do": once Exchange is reachable, checking again says so.
    setup.set_knobs(Knobs::default())?;
    browser.click("button", "Check again").await?;
    mode_panel(&browser, "Direct mode").await?;
    // The header's status in Dutch, the panel open.
    switch_to_dutch(&browser).await?;
    browser.find("button", "Directe modus").await?;
    browser.find("region", "Directe modus").await?;
    browser.screenshot("signin-header-status-nl").await?;
    browser.close().await
}

#[tokio::test]
async fn demo_over_plain_http_signs_in_with_msal_and_says_it_is_simulated() -> Result<()> {
    let app = App::through_sim(&dist_dir()?).await?;
    let sim = app
        .sim()
        .ok_or_else(|| support::Error::Setup("no sim behind the app".into()))?;
    let browser = Browser::start("signin-demo").await?;
    browser.goto(&app.url("/")).await?;

    // The header says this is the simulated tenant, before and after sign-in.
    browser.find("button", "Sign in").await?;
    let badge = browser
        .eval("return document.querySelector('.badge--demo')?.textContent ?? null")
        .await?;
    check(badge == "Simulated tenant (demo)", || {
        format!("demo badge: {badge}")
    })?;
    sign_in(&browser, sim, ADMIN_UPN).await?;
    mode_panel(&browser, "Direct mode").await?;
    browser.screenshot("signin-demo-http").await?;
    // Sign-out goes through the sim's (plain HTTP) end-session endpoint and back.
    browser.click("button", "Sign out").await?;
    browser.find("button", "Sign in").await?;
    browser.wait_gone("group", "Signed-in account").await?;

    // `cargo xtask demo --script-mode`: the same demo, whose Exchange refuses the browser.
    let scripted = App::through_sim_in_script_mode(&dist_dir()?).await?;
    let sim = scripted
        .sim()
        .ok_or_else(|| support::Error::Setup("no sim behind the app".into()))?;
    browser.goto(&scripted.url("/")).await?;
    sign_in(&browser, sim, ADMIN_UPN).await?;
    let panel = mode_panel(&browser, "Script mode").await?;
    check(
        panel.contains("Exchange can't be reached from this browser")
            && panel.contains("all permissions granted"),
        || format!("the script-mode demo's panel says {panel:?}"),
    )?;
    browser.screenshot("signin-demo-script-mode").await?;
    browser.close().await
}

#[tokio::test]
async fn popup_sign_in_comes_back_through_the_redirect_bridge() -> Result<()> {
    let (setup, browser) = SignInSetup::open("signin-popup", Knobs::default()).await?;

    let main = browser.client.window().await?;
    browser.click("button", "Sign in in a popup window").await?;
    sign_in_in_popup(&browser, &setup.sim, ADMIN_UPN).await?;
    browser.client.switch_to_window(main).await?;
    let account = browser
        .find("group", "Signed-in account")
        .await?
        .text()
        .await?;
    check(account.contains(ADMIN_UPN), || {
        format!("after the popup the header shows {account:?}")
    })?;
    mode_panel(&browser, "Direct mode").await?;
    browser.close().await
}

#[tokio::test]
async fn opening_a_microsoft_365_group_asks_consent_to_group_readwrite_all_once() -> Result<()> {
    let (setup, browser) = SignInSetup::open("signin-consent", Knobs::default()).await?;
    sign_in(&browser, &setup.sim, ADMIN_UPN).await?;
    mode_panel(&browser, "Direct mode").await?;

    // Marketing: a Microsoft 365 group that accepts internal senders only.
    let marketing = setup.group("Marketing")?;
    check(marketing["allowExternalSenders"] == false, || {
        "Marketing should start closed to external senders".into()
    })?;
    let id = marketing["id"]
        .as_str()
        .ok_or_else(|| support::Error::Setup("Marketing has no id".into()))?;
    browser.goto(&setup.app(&format!("/groups/{id}"))).await?;
    browser.click("button", "Open to external senders").await?;
    // Sign-in didn't ask for Group.ReadWrite.All: the silent token is refused (AADSTS65001),
    // nothing is changed, and the card says why and offers consent.
    browser.find("button", "Consent and open the group").await?;
    let card = browser
        .find("region", "Mail from outside the organisation")
        .await?
        .text()
        .await?;
    check(card.contains("Group.ReadWrite.All"), || {
        format!("the card should name the permission: {card:?}")
    })?;
    consent_and_see_group_opened(
        &setup,
        &browser,
        "Marketing",
        ADMIN_UPN,
        "signin-consent-asked",
    )
    .await?;
    browser.screenshot("signin-consent-done").await?;
    browser.close().await
}

#[test]
fn csp_gets_the_sims_origin_in_minified_and_plain_index_html() {
    let minified = r#"<meta content="default-src 'self'; connect-src 'self' https://graph.microsoft.com; frame-src https://login.microsoftonline.com" http-equiv=Content-Security-Policy><title>x</title>"#;
    let out = signin::allow_origin_in_csp(minified, "https://127.0.0.1:9");
    assert!(out.contains("connect-src 'self' https://graph.microsoft.com https://127.0.0.1:9;"));
    assert!(out.contains("frame-src https://login.microsoftonline.com https://127.0.0.1:9\""));
    assert!(out.ends_with("http-equiv=Content-Security-Policy><title>x</title>"));
    let plain = r#"<meta http-equiv="Content-Security-Policy" content="default-src 'self'; connect-src 'self'">"#;
    let out = signin::allow_origin_in_csp(plain, "https://h:1");
    assert_eq!(
        out,
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'self'; connect-src 'self' https://h:1">"#
    );
}

// ---------------------------------------------------------------------------------------------
// Sign-in problems a misconfigured deployment meets (the sim's `registrationProblem` knob, and
// config.json mistakes): the page says what to change, with the value to put where.

/// The heading of the explanation the page shows after a recognised sign-in failure.
const PROBLEM: &str = "Sign-in didn't work: what to change";

/// The explanation's text, once it is there.
async fn problem_panel(browser: &Browser) -> Result<String> {
    Ok(browser.find("region", PROBLEM).await?.text().await?)
}

/// A fresh start page (no failure shown), with the sim answering as `problem` says.
async fn start_over(
    setup: &SignInSetup,
    browser: &Browser,
    problem: Option<RegistrationProblem>,
) -> Result<()> {
    setup.set_knobs(Knobs {
        registration_problem: problem,
        ..Knobs::default()
    })?;
    browser.goto(&setup.app("/")).await?;
    browser.find("button", "Sign in").await?;
    Ok(())
}

#[tokio::test]
async fn each_sign_in_problem_of_a_misregistered_app_is_explained_with_its_fix() -> Result<()> {
    let (setup, browser) = SignInSetup::open("signin-problems", Knobs::default()).await?;
    let redirect = setup.app("/redirect.html");
    let client_id = guestlist_sim::identity::SIM_CLIENT_ID;

    // A blocked popup: what a popup blocker does to window.open.
    browser.find("button", "Sign in").await?;
    browser
        .eval("window.open = () => null; return null")
        .await?;
    browser.click("button", "Sign in in a popup window").await?;
    let panel = problem_panel(&browser).await?;
    check(
        panel.contains("The browser blocked the sign-in window")
            && panel.contains(&format!("Allow pop-ups for {}", setup.app_url)),
        || format!("blocked popup: {panel:?}"),
    )?;

    // Redirect URI not registered: Entra answers on its own page and never comes back. Back in
    // the app, the page says what such a page means and what to register where.
    start_over(
        &setup,
        &browser,
        Some(RegistrationProblem::RedirectUriNotRegistered),
    )
    .await?;
    browser.click("button", "Sign in").await?;
    browser.wait_text("AADSTS50011").await?;
    browser.client.back().await?;
    let panel = problem_panel(&browser).await?;
    check(
        panel.contains("The sign-in didn't come back to Guestlist")
            && panel.contains("The redirect URI isn't registered (AADSTS50011)")
            && panel.contains(&format!(
                "add {redirect} as a redirect URI under Single-page application"
            )),
        || format!("redirect URI not registered: {panel:?}"),
    )?;
    browser.screenshot("signin-problem-no-answer").await?;
    support::axe::check_page(&browser, "a sign-in problem").await?;

    // Unknown client id: also Entra's own page; the explanation names the client id to check.
    start_over(&setup, &browser, Some(RegistrationProblem::UnknownClient)).await?;
    browser.click("button", "Sign in").await?;
    browser.wait_text("AADSTS700016").await?;
    browser.client.back().await?;
    let panel = problem_panel(&browser).await?;
    check(
        panel.contains("The app isn't known in this tenant (AADSTS700016)")
            && panel.contains(&format!("Application (client) ID {client_id}")),
        || format!("unknown client: {panel:?}"),
    )?;

    // Registered under Web: the sign-in comes back, the token redemption is refused.
    start_over(&setup, &browser, Some(RegistrationProblem::WebPlatform)).await?;
    browser.click("button", "Sign in").await?;
    sign_in_on_sim_page_as(&browser, &setup.sim, ADMIN_UPN).await?;
    let panel = problem_panel(&browser).await?;
    check(
        panel.contains(
            "The redirect URI is registered for a web app, not a single-page application (AADSTS9002326)",
        ) && panel.contains(&format!("remove {redirect} from the Web platform")),
        || format!("web platform: {panel:?}"),
    )?;
    // The header only announces it; the raw answer is folded away under the explanation.
    let header = browser.find_unnamed("banner").await?.text().await?;
    check(
        header.contains("Sign-in failed; see below.") && !header.contains("AADSTS"),
        || format!("header: {header:?}"),
    )?;
    browser.screenshot("signin-problem-web-platform").await?;
    switch_to_dutch(&browser).await?;
    let panel = browser
        .find("region", "Aanmelden is niet gelukt: wat u moet aanpassen")
        .await?
        .text()
        .await?;
    check(
        panel.contains("niet voor een single-page application (AADSTS9002326)"),
        || format!("web platform in Dutch: {panel:?}"),
    )?;
    browser.screenshot("signin-problem-web-platform-nl").await?;
    browser
        .find("combobox", "Taal")
        .await?
        .select_by_label("English")
        .await?;

    // Consent blocked by the tenant's policy: "Need admin approval", and back without consent.
    start_over(&setup, &browser, Some(RegistrationProblem::ConsentBlocked)).await?;
    browser.click("button", "Sign in").await?;
    sign_in_on_sim_page_as(&browser, &setup.sim, ADMIN_UPN).await?;
    browser.wait_text("Need admin approval").await?;
    browser
        .click(
            "button",
            "Return to the application without granting consent",
        )
        .await?;
    let panel = problem_panel(&browser).await?;
    check(
        panel.contains("(AADSTS65004)")
            && panel.contains(&format!("the app with ID {client_id} → API permissions"))
            && panel.contains("Grant admin consent"),
        || format!("consent blocked: {panel:?}"),
    )?;

    // Registered as the README says: signing in works, and no explanation is left.
    start_over(&setup, &browser, None).await?;
    browser.click("button", "Sign in").await?;
    sign_in_on_sim_page_as(&browser, &setup.sim, ADMIN_UPN).await?;
    browser.find("group", "Signed-in account").await?;
    browser.wait_gone("region", PROBLEM).await?;

    // An unknown tenant in config.json: the discovery document's answer names it.
    let wrong_tenant = SignInSetup::start_with_config(&dist_dir()?, Knobs::default(), |c| {
        c["tenantId"] = "contoso-typo.onmicrosoft.com".into();
    })
    .await?;
    browser.goto(&wrong_tenant.app("/")).await?;
    browser.click("button", "Sign in").await?;
    let panel = problem_panel(&browser).await?;
    check(
        panel.contains("The tenant wasn't found (AADSTS90002)")
            && panel.contains("knows no tenant contoso-typo.onmicrosoft.com")
            && panel.contains("in tenantId in config.json"),
        || format!("unknown tenant: {panel:?}"),
    )?;
    browser.close().await
}

// ---------------------------------------------------------------------------------------------
// The About page's deployment check.

const CHECK: &str = "Deployment check";

/// The check's text once the site lines are in (no "Checking…" left).
async fn deployment_check(browser: &Browser) -> Result<String> {
    let what = "the deployment check to finish";
    support::wait::until(what, support::DEADLINE, || async {
        let text = browser.find("region", CHECK).await?.text().await?;
        Ok(if text.contains("Checking…") {
            support::wait::Poll::NotYet(text)
        } else {
            support::wait::Poll::Ready(text)
        })
    })
    .await
}

#[tokio::test]
async fn the_deployment_check_passes_on_the_demo_and_names_the_permissions_after_sign_in(
) -> Result<()> {
    let app = App::through_sim(&dist_dir()?).await?;
    let sim = app
        .sim()
        .ok_or_else(|| support::Error::Setup("no sim behind the app".into()))?;
    let browser = Browser::start("deploy-demo").await?;
    browser.goto(&app.url("/about")).await?;
    let text = deployment_check(&browser).await?;
    for line in [
        "OK config.json is there and valid.",
        &format!(
            "OK redirectUri {} is on this site",
            app.url("/redirect.html")
        ),
        &format!("OK {} is served.", app.url("/redirect.html")),
        "OK The WebAssembly file is served as application/wasm.",
        "OK The Content-Security-Policy lets through every address in config.json",
        "Waiting Permissions: sign in to see which are granted.",
    ] {
        check(text.contains(line), || format!("no {line:?} in {text:?}"))?;
    }
    check(!text.contains("To fix"), || format!("demo: {text:?}"))?;
    // Before sign-in, the sign-in problems Microsoft answers on its own pages are listed with
    // this installation's values.
    let help = browser
        .find("region", "If sign-in fails")
        .await?
        .text()
        .await?;
    check(
        help.contains(&format!(
            "add {} as a redirect URI",
            app.url("/redirect.html")
        )),
        || format!("sign-in help: {help:?}"),
    )?;

    browser.click("button", "Sign in").await?;
    sign_in_on_sim_page_as(&browser, sim, ADMIN_UPN).await?;
    browser.find("group", "Signed-in account").await?;
    browser.click("link", "About").await?;
    let text = browser
        .wait_text("All permissions are granted: User.Read, User.Read.All, GroupMember.ReadWrite.All, OrgContact.Read.All, User.Invite.All.")
        .await?;
    check(
        text.contains(
            "Exchange Online answered, and your account may make changes there: direct mode.",
        ),
        || format!("signed in: {text:?}"),
    )?;
    let text = deployment_check(&browser).await?;
    check(
        !text.contains("To fix") && !text.contains("Waiting"),
        || format!("signed in: {text:?}"),
    )?;
    browser
        .eval("document.querySelector('.deploy-check').scrollIntoView(); return null")
        .await?;
    browser.screenshot("deploy-check-demo").await?;
    support::axe::check_page(&browser, "the About page with the deployment check").await?;
    switch_to_dutch(&browser).await?;
    let text = browser
        .find("region", "Controle van de installatie")
        .await?
        .text()
        .await?;
    check(text.contains("Alle machtigingen zijn verleend"), || {
        format!("Dutch: {text:?}")
    })?;
    browser
        .eval("document.querySelector('.deploy-check').scrollIntoView(); return null")
        .await?;
    browser.screenshot("deploy-check-demo-nl").await?;
    browser.close().await
}

/// index.html as an administrator might have trimmed it: Microsoft Graph left out of the
/// policy's connect-src.
fn csp_without_graph(html: &str) -> String {
    html.replacen(" https://graph.microsoft.com", "", 1)
}

#[tokio::test]
async fn the_deployment_check_names_what_to_fix_in_config_json_and_the_csp() -> Result<()> {
    let dist = dist_dir()?;
    let browser = Browser::start("deploy-broken").await?;
    ignore_certificate_errors(&browser).await?;

    // A config.json copied from another installation: its redirect URI is elsewhere, and its
    // Exchange gateway isn't in the policy.
    let app = App::serve(
        &dist,
        ConfigJson::Text(
            serde_json::json!({
                "clientId": "11111111-2222-4333-8444-555555555555",
                "tenantId": "contoso.onmicrosoft.com",
                "redirectUri": "https://guestlist.fabrikam.example/redirect.html",
                "exchangeBaseUrl": "https://exo-gateway.contoso.example",
            })
            .to_string(),
        ),
    )
    .await?;
    browser.goto(&app.url("/about")).await?;
    let text = deployment_check(&browser).await?;
    check(
        text.contains(&format!(
            "To fix redirectUri https://guestlist.fabrikam.example/redirect.html is not on this site ({}), so the sign-in's answer can't reach Guestlist. Set redirectUri in config.json to {}",
            app.url("").trim_end_matches('/'),
            app.url("/redirect.html")
        )),
        || format!("redirect elsewhere: {text:?}"),
    )?;
    check(
        text.contains("To fix The Content-Security-Policy blocks https://exo-gateway.contoso.example (exchangeBaseUrl in config.json). Add https://exo-gateway.contoso.example to connect-src"),
        || format!("gateway not in the policy: {text:?}"),
    )?;
    // What is right still passes.
    check(
        text.contains(&format!("OK {} is served.", app.url("/redirect.html"))),
        || format!("redirect page: {text:?}"),
    )?;
    browser
        .eval("document.querySelector('.deploy-check').scrollIntoView(); return null")
        .await?;
    browser.screenshot("deploy-check-broken").await?;

    // The file is edited while the page is open, and broken: checking again says where.
    app.set_config(ConfigJson::Text(
        "{\"clientId\": \"11111111-2222-4333-8444-555555555555\",\n\"tenantId\": }".into(),
    ));
    browser.click("button", "Check again").await?;
    let text = browser
        .wait_text("To fix config.json: config.json is not valid JSON: line 2")
        .await?;
    check(text.contains("To fix"), || text.clone())?;

    // A policy that leaves out one of config.json's endpoints.
    let trimmed = App::serve_with(&dist, ConfigJson::Valid, Some(csp_without_graph)).await?;
    browser.goto(&trimmed.url("/about")).await?;
    let text = deployment_check(&browser).await?;
    check(
        text.contains("To fix The Content-Security-Policy blocks https://graph.microsoft.com (graphBaseUrl in config.json). Add https://graph.microsoft.com to connect-src")
            && text.contains("OK config.json is there and valid."),
        || format!("graph not in the policy: {text:?}"),
    )?;
    switch_to_dutch(&browser).await?;
    let text = browser
        .find("region", "Controle van de installatie")
        .await?
        .text()
        .await?;
    check(
        text.contains(
            "Herstellen De Content-Security-Policy houdt https://graph.microsoft.com tegen",
        ),
        || format!("Dutch: {text:?}"),
    )?;
    browser
        .eval("document.querySelector('.deploy-check').scrollIntoView(); return null")
        .await?;
    browser.screenshot("deploy-check-csp-nl").await?;
    browser.close().await
}

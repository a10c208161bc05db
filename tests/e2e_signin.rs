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
use guestlist_sim::Knobs;
use signin::{
    account_choice, consent_and_see_group_opened, display_name, exchange_refuses_cors,
    sign_in_in_popup, sign_in_on_sim_page_as, SignInSetup,
};
use support::app::App;
use support::browser::Browser;
use support::{check, dist_dir, Result};

const TENANT_ID: &str = guestlist_sim::state::TENANT_ID;

/// Starts at the app, presses "Sign in", signs in on the sim's page as `upn`, and waits until the
/// header shows the account. Returns the header's account text.
async fn sign_in(browser: &Browser, sim: &guestlist_sim::RunningSim, upn: &str) -> Result<String> {
    browser.click("button", "Sign in").await?;
    sign_in_on_sim_page_as(browser, sim, upn).await?;
    let account = browser.find("group", "Signed-in account").await?;
    let text = account.text().await?;
    let name = display_name(sim, upn)?;
    check(
        text.contains(&name) && text.contains(upn) && text.contains(TENANT_ID),
        || format!("the header shows {text:?}, expected {name}, {upn} and tenant {TENANT_ID}"),
    )?;
    Ok(text)
}

/// The mode panel's text once it has a verdict (`heading` is its title).
async fn mode_panel(browser: &Browser, heading: &str) -> Result<String> {
    Ok(browser.find("region", heading).await?.text().await?)
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
    browser.wait_gone("region", "Direct mode").await?;
    // The sign-out ended the session at the identity provider too: signing in asks again.
    browser.click("button", "Sign in").await?;
    browser
        .find("radio", &account_choice(&setup.sim, ADMIN_UPN)?)
        .await?;
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

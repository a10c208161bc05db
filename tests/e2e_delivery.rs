//! End-to-end: the group page's delivery check in headless Chromium with the real MSAL.js
//! against the simulated tenant. Vendor Portal Updates takes mail only from its allowed senders:
//! the badge says so, checking a stranger's address shows bounce 5.7.124 and its fix, the fix's
//! plan runs, and the sim's own delivery oracle (`POST /_sim/deliver`) then delivers.
//!
//! Run: `cargo xtask test --only build,e2e`, or with an existing build
//! `GUESTLIST_DIST=dist cargo test -p guestlist --test e2e_delivery`.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)] // Helpers shared with tests/e2e_signin.rs.
#[path = "support/signin.rs"]
mod signin;
mod support;

use guestlist_sim::store::ADMIN_UPN;
use guestlist_sim::Knobs;
use serde_json::{json, Value};
use signin::SignInSetup;
use support::browser::Browser;
use support::{check, Result};

const FROM: &str = "new.vendor@unknown.example";
const TO: &str = "vendor-updates@contoso.onmicrosoft.com";

/// The sim's delivery oracle: (outcome, code).
async fn oracle(setup: &SignInSetup) -> Result<(String, Option<String>)> {
    // The sim serves HTTPS with its own certificate here.
    let v: Value = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .map_err(|e| support::Error::Setup(e.to_string()))?
        .post(format!("{}/_sim/deliver", setup.sim.base_url()))
        .json(&json!({"from": FROM, "to": TO}))
        .send()
        .await
        .map_err(|e| support::Error::Setup(e.to_string()))?
        .json()
        .await
        .map_err(|e| support::Error::Setup(e.to_string()))?;
    Ok((
        v["outcome"].as_str().unwrap_or_default().to_owned(),
        v["code"].as_str().map(str::to_owned),
    ))
}

async fn open_vendor_updates(browser: &Browser) -> Result<()> {
    let searchbox = browser.find("searchbox", "Search groups by name").await?;
    searchbox.send_keys("Vendor").await?;
    browser.wait_text("found for “Vendor”.").await?;
    browser.click("link", "Vendor Portal Updates").await?;
    browser.find("heading", "Vendor Portal Updates").await?;
    Ok(())
}

#[tokio::test]
async fn an_allowed_senders_bounce_is_checked_fixed_and_then_delivered() -> Result<()> {
    let (setup, browser) =
        SignInSetup::signed_in("delivery", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    let before = oracle(&setup).await?;
    check(
        before == ("rejected".into(), Some("5.7.124".into())),
        || format!("the oracle before the fix: {before:?}"),
    )?;
    open_vendor_updates(&browser).await?;
    browser.wait_text("Bounces externals: 5.7.124").await?;

    let address = browser.find("textbox", "Check an external address").await?;
    address.send_keys(FROM).await?;
    browser.click("button", "Check").await?;
    browser
        .wait_text(&format!(
            "{FROM} gets a bounce from Vendor Portal Updates, with code 5.7.124"
        ))
        .await?;
    browser
        .click(
            "button",
            &format!("Create a mail contact for {FROM} and put it on the allowed senders"),
        )
        .await?;
    // The plan first: nothing changed yet.
    let plan = browser.wait_text("What will happen").await?;
    check(
        plan.contains("on the allowed senders of Vendor Portal Updates (AcceptMessagesOnlyFrom)."),
        || format!("page: {plan}"),
    )?;
    check(oracle(&setup).await?.0 == "rejected", || {
        "the plan changed the tenant before it was confirmed".into()
    })?;
    browser.screenshot("delivery-plan").await?;
    browser.click("button", "Make these changes").await?;
    browser
        .wait_text("Done. Check the address again to see what the sender gets now.")
        .await?;
    let after = oracle(&setup).await?;
    check(after == ("delivered".into(), None), || {
        format!("the oracle after the fix: {after:?}")
    })?;
    // The check agrees.
    browser.click("button", "Check").await?;
    browser
        .wait_text(&format!(
            "{FROM} can mail Vendor Portal Updates: the message is delivered."
        ))
        .await?;
    browser.screenshot("delivery-delivered").await?;
    browser.close().await
}

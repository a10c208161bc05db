//! Measurement for `cargo xtask bench`: the 50,000-member "All Company Broadcast" group in
//! headless Chromium against the sim. Prints, as `key=value` lines:
//! - `members_first_rows_after_data_ms`: from the end of the first members response to the
//!   first row in the DOM (goal < 300 ms);
//! - `members_first_rows_after_click_ms`: from the click on the group to the first row;
//! - `members_all_loaded_ms`: until all 50,000 are loaded;
//! - `members_row_elements`: row elements in the DOM with everything loaded (goal ≤ ~300).
//!
//! Run: `GUESTLIST_DIST=dist cargo test -p guestlist --test bench_members -- --ignored --nocapture`.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)] // Helpers shared with tests/e2e_signin.rs.
#[path = "support/signin.rs"]
mod signin;
mod support;

use guestlist_sim::store::ADMIN_UPN;
use guestlist_sim::Knobs;
use signin::{account_choice, ignore_certificate_errors, sign_in_on_sim_page, SignInSetup};
use std::time::Duration;
use support::browser::Browser;
use support::wait::{until, Poll};
use support::{check, dist_dir, Result};

#[tokio::test]
#[ignore = "a measurement for cargo xtask bench, not a test"]
async fn bench_fifty_thousand_members() -> Result<()> {
    let setup = SignInSetup::start(&dist_dir()?, Knobs::default()).await?;
    let browser = Browser::start("bench-members").await?;
    ignore_certificate_errors(&browser).await?;
    browser.goto(&setup.app("/")).await?;
    browser.click("button", "Sign in").await?;
    sign_in_on_sim_page(&browser, &account_choice(&setup.sim, ADMIN_UPN)?, "demo").await?;
    browser.find("button", "Direct mode").await?;
    let searchbox = browser.find("searchbox", "Search groups by name").await?;
    searchbox.send_keys("All Company").await?;
    let link = until("the group's link", Duration::from_secs(30), || async {
        let text = browser.eval("return document.body.innerText").await?;
        Ok(
            if text
                .as_str()
                .is_some_and(|t| t.contains("found for “All Company”."))
            {
                Poll::Ready(())
            } else {
                Poll::NotYet(String::new())
            },
        )
    });
    link.await?;
    // Watch for the first row, then click in the page (no WebDriver round trip in the timing).
    browser
        .eval(
            "window.__firstRow = null; performance.clearResourceTimings(); \
             const obs = new MutationObserver(() => { \
               if (window.__firstRow === null && document.querySelector('.member-row')) { \
                 window.__firstRow = performance.now(); obs.disconnect(); } }); \
             obs.observe(document.body, {childList: true, subtree: true}); \
             window.__clicked = performance.now(); \
             [...document.querySelectorAll('a')].find(a => a.textContent === 'All Company Broadcast').click(); \
             return null",
        )
        .await?;
    until("all members loaded", Duration::from_secs(180), || async {
        let text = browser.eval("return document.body.innerText").await?;
        let text = text.as_str().unwrap_or_default();
        Ok(
            if text.contains("50,000 members.") && !text.contains("Loading more") {
                Poll::Ready(())
            } else {
                Poll::NotYet(String::new())
            },
        )
    })
    .await?;
    let figures = browser
        .eval(
            "const first = performance.getEntriesByType('resource') \
               .filter(e => e.name.includes('/members')) \
               .sort((a, b) => a.responseEnd - b.responseEnd)[0]; \
             return { \
               afterData: window.__firstRow - first.responseEnd, \
               afterClick: window.__firstRow - window.__clicked, \
               allLoaded: performance.now() - window.__clicked, \
               rows: document.querySelectorAll('.member-row').length }",
        )
        .await?;
    let get = |k: &str| figures[k].as_f64().unwrap_or(f64::NAN);
    println!("members_first_rows_after_data_ms={:.0}", get("afterData"));
    println!("members_first_rows_after_click_ms={:.0}", get("afterClick"));
    println!("members_all_loaded_ms={:.0}", get("allLoaded"));
    println!("members_row_elements={}", get("rows"));
    check(get("rows") <= 300.0, || format!("figures: {figures}"))?;
    browser.close().await
}

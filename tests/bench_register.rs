//! Measurement for `cargo xtask bench`: the External people page over the sim's large tenant
//! (thousands of mail contacts and guests across hundreds of groups) in headless Chromium.
//! Prints, as `key=value` lines:
//! - `register_externals`: the people the register lists;
//! - `register_requests`: requests the page sent to the tenant to read them and their groups;
//! - `register_first_rows_ms`: from the click on "External people" to the first row;
//! - `register_all_memberships_ms`: until every group's members are read (the group filter opens);
//! - `register_row_elements`: row elements the virtual list keeps in the page (goal ≤ ~100).
//!
//! Run: `GUESTLIST_DIST=dist cargo test -p guestlist --test bench_register -- --ignored --nocapture`.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)] // Helpers shared with tests/e2e_signin.rs.
#[path = "support/signin.rs"]
mod signin;
mod support;

use guestlist_sim::store::ADMIN_UPN;
use guestlist_sim::Knobs;
use signin::{ignore_certificate_errors, sign_in, SignInSetup};
use std::time::Duration;
use support::browser::Browser;
use support::wait::{until, Poll};
use support::{check, dist_dir, Result};

#[tokio::test]
#[ignore = "a measurement for cargo xtask bench, not a test"]
async fn bench_the_register_of_a_large_tenant() -> Result<()> {
    let setup = SignInSetup::start_large(&dist_dir()?, Knobs::default()).await?;
    let browser = Browser::start("bench-register").await?;
    ignore_certificate_errors(&browser).await?;
    browser.goto(&setup.app("/")).await?;
    sign_in(&browser, &setup, ADMIN_UPN, "Direct mode").await?;
    // Watch for the first row, then click in the page (no WebDriver round trip in the timing).
    browser
        .eval(
            "window.__firstRow = null; performance.clearResourceTimings(); \
             performance.setResourceTimingBufferSize(100000); \
             const obs = new MutationObserver(() => { \
               if (window.__firstRow === null && document.querySelector('.register-row')) { \
                 window.__firstRow = performance.now(); obs.disconnect(); } }); \
             obs.observe(document.body, {childList: true, subtree: true}); \
             window.__clicked = performance.now(); \
             [...document.querySelectorAll('a')].find(a => a.textContent === 'External people').click(); \
             return null",
        )
        .await?;
    // Every membership is read once the group filter can be used.
    until(
        "every membership read",
        Duration::from_secs(300),
        || async {
            let ready = browser
                .eval(
                    "const g = document.getElementById('register-group'); \
                 if (g && !g.disabled && window.__groupsRead === undefined) \
                   window.__groupsRead = performance.now(); \
                 return window.__groupsRead !== undefined",
                )
                .await?;
            Ok(if ready.as_bool() == Some(true) {
                Poll::Ready(())
            } else {
                Poll::NotYet(String::new())
            })
        },
    )
    .await?;
    let sim = setup.sim.base_url();
    let figures = browser
        .eval(&format!(
            "const count = document.querySelector('.members-count').textContent; \
             return {{ \
               externals: Number((count.match(/^[\\d,.]+/) || ['NaN'])[0].replace(/[,.]/g, '')), \
               requests: performance.getEntriesByType('resource') \
                 .filter(e => e.name.startsWith('{sim}') && e.startTime >= window.__clicked).length, \
               firstRows: window.__firstRow - window.__clicked, \
               allMemberships: window.__groupsRead - window.__clicked, \
               rows: document.querySelectorAll('.register-row').length }}"
        ))
        .await?;
    let get = |k: &str| figures[k].as_f64().unwrap_or(f64::NAN);
    println!("register_externals={}", get("externals"));
    println!("register_requests={}", get("requests"));
    println!("register_first_rows_ms={:.0}", get("firstRows"));
    println!("register_all_memberships_ms={:.0}", get("allMemberships"));
    println!("register_row_elements={}", get("rows"));
    check(
        get("externals") > 1_000.0 && get("rows") > 0.0 && get("rows") <= 100.0,
        || format!("figures: {figures}"),
    )?;
    browser.close().await
}

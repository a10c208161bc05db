//! Measurement for `cargo xtask bench`: the Activity page after bulk runs filled the log to its
//! bound (`activity::MAX_ENTRIES` entries, as the engine records them), in headless Chromium.
//! Prints, as `key=value` lines:
//! - `activity_entries`: entries in the stored log;
//! - `activity_first_rows_after_click_ms`: from the click on "Activity" to the first rows in the
//!   DOM (the page's lazily loaded module included);
//! - `activity_row_elements`: table rows in the DOM (one page, not the whole log).
//!
//! Run: `GUESTLIST_DIST=dist cargo test -p guestlist --test bench_activity -- --ignored --nocapture`.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)] // Helpers shared with tests/e2e_signin.rs.
#[path = "support/signin.rs"]
mod signin;
mod support;

use guestlist::activity::{Action, Entry, Log, Outcome, MAX_ENTRIES, STORAGE_KEY};
use guestlist::i18n::Lang;
use guestlist_sim::Knobs;
use signin::SignInSetup;
use std::time::Duration;
use support::browser::Browser;
use support::wait::{until, Poll};
use support::{check, dist_dir, Result};

/// A full log as a run of bulk imports leaves it: adds, newest first, each of its run.
fn full_log() -> Log {
    let mut log = Log::default();
    log.extend((0..MAX_ENTRIES as u64).map(|n| {
        Entry::new(
            Action::AddMember {
                member: format!("person.{n}@partner{}.example", n % 7),
                group: "Sales Team".into(),
            },
            "Sales Team".into(),
            Outcome::Done,
            1_795_717_205_000 + n * 250,
        )
        .of_run("run-bench", n as u32)
    }));
    log
}

#[tokio::test]
#[ignore = "a measurement for cargo xtask bench, not a test"]
async fn bench_activity_page_with_a_full_log() -> Result<()> {
    let setup = SignInSetup::start(&dist_dir()?, Knobs::default()).await?;
    let browser = Browser::start("bench-activity").await?;
    browser.goto(&setup.app("/about")).await?;
    // The log and its key as JavaScript string literals.
    let literal = |s: &str| serde_json::Value::from(s).to_string();
    browser
        .eval(&format!(
            "localStorage.setItem({}, {}); return null",
            literal(STORAGE_KEY),
            literal(&full_log().to_json())
        ))
        .await?;
    browser.find("link", "Activity").await?;
    // Watch for the first rows, then click in the page (no WebDriver round trip in the timing).
    browser
        .eval(
            "window.__firstRows = null; \
             const obs = new MutationObserver(() => { \
               if (window.__firstRows === null && document.querySelector('.activity-table tbody tr')) { \
                 window.__firstRows = performance.now(); obs.disconnect(); } }); \
             obs.observe(document.body, {childList: true, subtree: true}); \
             window.__clicked = performance.now(); \
             [...document.querySelectorAll('a')].find(a => a.textContent === 'Activity').click(); \
             return null",
        )
        .await?;
    until("the activity table", Duration::from_secs(60), || async {
        let seen = browser.eval("return window.__firstRows !== null").await?;
        Ok(if seen.as_bool() == Some(true) {
            Poll::Ready(())
        } else {
            Poll::NotYet(String::new())
        })
    })
    .await?;
    let figures = browser
        .eval(
            "return { \
               afterClick: window.__firstRows - window.__clicked, \
               rows: document.querySelectorAll('.activity-table tbody tr').length, \
               status: document.querySelector('.activity-count').textContent }",
        )
        .await?;
    let get = |k: &str| figures[k].as_f64().unwrap_or(f64::NAN);
    println!("activity_entries={MAX_ENTRIES}");
    println!(
        "activity_first_rows_after_click_ms={:.0}",
        get("afterClick")
    );
    println!("activity_row_elements={}", get("rows"));
    check(
        figures["status"]
            .as_str()
            // The page writes counts as English does: "5,000".
            .is_some_and(|s| {
                s.contains(&format!(
                    "of {} changes",
                    Lang::En.count(MAX_ENTRIES as u64)
                ))
            }),
        || format!("figures: {figures}"),
    )?;
    browser.close().await
}

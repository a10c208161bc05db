//! Measurement for `cargo xtask bench`: cold loads of the built app in headless Chromium, with
//! an empty HTTP cache, under emulated networks (DevTools `Network.emulateNetworkConditions`:
//! the throughput and a latency added to every request), the app's files gzip-compressed on the
//! wire as a static host serves them. For each network it prints, as `key=value` lines, the
//! median of [`RUNS`] loads:
//! - `…_signed_out_ms`: from navigation start until the header's "Sign in" button works (it is
//!   shown, its handler attached, once the app knows nobody is signed in in the tab);
//! - `…_signed_out_msal_ms`: until MSAL.js, which follows the first screen, has arrived too: from
//!   then on a click on "Sign in" goes to the sign-in page without waiting for it;
//! - `…_signed_in_ms`: signed in (tokens already in the session), from navigation start until
//!   the group finder has answered a query typed into its search box as soon as the box is there
//!   (the token from the tab's session, or MSAL's when it has none, and the search itself
//!   included; the list doesn't wait for MSAL.js or the mode probe, which start after the first
//!   list, nor for its badges and counts, which follow it);
//! - `…_kb`: the app's bytes transferred by then (same-origin files: index.html, scripts, wasm,
//!   styles, config.json; the sim's cross-origin answers report no size).
//!
//! Run: `GUESTLIST_DIST=dist cargo test -p guestlist --test bench_cold_load -- --ignored --nocapture`.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)] // Helpers shared with tests/e2e_signin.rs.
#[path = "support/signin.rs"]
mod signin;
mod support;

use guestlist_sim::Knobs;
use serde_json::{json, Value};
use signin::SignInSetup;
use std::time::Duration;
use support::browser::Browser;
use support::wait::{until, Poll};
use support::{check, dist_dir, Result};

/// Loads per network and state; the median is printed.
const RUNS: usize = 5;

/// The networks the issue names: (figure prefix, kbit/s, round-trip ms).
const NETWORKS: [(&str, u64, u64); 2] =
    [("10mbit_40ms", 10_000, 40), ("1_6mbit_150ms", 1_600, 150)];

/// Installed into every new document before its own scripts run: watches the DOM and records
/// when the first screen works. On the signed-in screen it types the query into the finder's
/// search box the moment the box appears (in the page, so no WebDriver round trip is timed).
const WATCH: &str = r#"(() => {
  if (location.host !== "__HOST__" || location.pathname.endsWith("redirect.html")) return;
  const cold = (window.__cold = {
    signInWorks: null, msalReady: null, typed: null, searchAnswered: null,
  });
  const transferred = () => {
    const nav = performance.getEntriesByType("navigation")[0];
    const res = performance.getEntriesByType("resource");
    return {
      ms: performance.now(),
      bytes: (nav ? nav.transferSize : 0) + res.reduce((n, r) => n + r.transferSize, 0),
      wasmFromNetwork: res.some((r) => r.name.endsWith("_bg.wasm") && r.transferSize > 0),
    };
  };
  const look = () => {
    if (cold.signInWorks === null) {
      const button = [...document.querySelectorAll(".sign-in-slot button")]
        .find((b) => b.textContent.trim() === "Sign in");
      if (button) cold.signInWorks = transferred();
    }
    const box = document.getElementById("group-search");
    if (box && cold.typed === null) {
      cold.typed = performance.now();
      box.value = "Sales";
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }
    if (cold.typed !== null && cold.searchAnswered === null) {
      const status = document.querySelector(".finder-status");
      const results = document.querySelector(".finder-results");
      if (status && status.textContent.includes("\u201cSales\u201d")
          && results && results.getAttribute("aria-busy") === "false"
          && document.querySelector(".group-result-name")) {
        cold.searchAnswered = transferred();
      }
    }
  };
  // Scripts' load events don't bubble; the capture phase on the document sees them.
  document.addEventListener("load", (e) => {
    if (cold.msalReady === null && (e.target.src || "").includes("msal-browser")) {
      cold.msalReady = transferred();
    }
  }, true);
  new MutationObserver(look).observe(document, {
    childList: true, subtree: true, attributes: true, characterData: true,
  });
})();"#;

/// One cold load of `url` under `network`; returns the `window.__cold[key]` record of each of
/// `keys` once all are there.
async fn cold_load(
    browser: &Browser,
    url: &str,
    (_, kbit, rtt): (&str, u64, u64),
    keys: &[&str],
) -> Result<Vec<Value>> {
    browser.goto("about:blank").await?;
    browser.cdp("Network.clearBrowserCache", json!({})).await?;
    let bytes_per_s = kbit * 1000 / 8;
    browser
        .cdp(
            "Network.emulateNetworkConditions",
            json!({
                "offline": false,
                "latency": rtt,
                "downloadThroughput": bytes_per_s,
                "uploadThroughput": bytes_per_s,
            }),
        )
        .await?;
    browser.goto(url).await?;
    let script = format!(
        "const c = window.__cold, keys = {keys:?};\
         return c && keys.every(k => c[k]) ? keys.map(k => c[k]) : null;"
    );
    let records = until(&keys.join(", "), Duration::from_secs(120), || async {
        let v = browser.eval(&script).await?;
        Ok(if v.is_null() {
            Poll::NotYet(String::new())
        } else {
            Poll::Ready(v)
        })
    })
    .await?;
    // Back to the full speed for whatever comes next.
    browser
        .cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await?;
    let records = records.as_array().cloned().unwrap_or_default();
    for record in &records {
        check(record["wasmFromNetwork"].as_bool() == Some(true), || {
            format!("the main wasm module came from the cache, not the network: {record}")
        })?;
    }
    Ok(records)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Runs [`RUNS`] cold loads per network and prints, for each `(key, label)` of `figures`, the
/// medians as `{prefix}_{label}_ms` / `_kb`.
async fn measure(browser: &Browser, url: &str, figures: &[(&str, &str)]) -> Result<()> {
    let keys: Vec<&str> = figures.iter().map(|(key, _)| *key).collect();
    for network in NETWORKS {
        let mut runs = Vec::new();
        for _ in 0..RUNS {
            runs.push(cold_load(browser, url, network, &keys).await?);
        }
        for (i, (_, label)) in figures.iter().enumerate() {
            let figure = |name: &str, scale: f64| {
                median(
                    runs.iter()
                        .map(|r| r[i][name].as_f64().unwrap_or(f64::NAN) / scale)
                        .collect(),
                )
            };
            let prefix = format!("cold_load_{}_{label}", network.0);
            println!("{prefix}_ms={:.0}", figure("ms", 1.0));
            println!("{prefix}_kb={:.1}", figure("bytes", 1000.0));
        }
    }
    Ok(())
}

#[tokio::test]
#[ignore = "a measurement for cargo xtask bench, not a test"]
async fn bench_cold_loads_under_emulated_networks() -> Result<()> {
    let setup = SignInSetup::start_compressed(&dist_dir()?, Knobs::default()).await?;
    let browser = Browser::start("bench-cold-load").await?;
    signin::ignore_certificate_errors(&browser).await?;
    browser.cdp("Network.enable", json!({})).await?;
    let host = setup.app_url.trim_start_matches("http://");
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": WATCH.replace("__HOST__", host) }),
        )
        .await?;
    println!("cold_load_runs_per_figure={RUNS}");
    let start = setup.app("/");
    measure(
        &browser,
        &start,
        &[
            ("signInWorks", "signed_out"),
            ("msalReady", "signed_out_msal"),
        ],
    )
    .await?;

    // Signed in at full speed once; the tokens stay in the tab's session for the loads after.
    browser.goto(&start).await?;
    signin::sign_in(
        &browser,
        &setup,
        guestlist_sim::store::ADMIN_UPN,
        "Direct mode",
    )
    .await?;
    measure(&browser, &start, &[("searchAnswered", "signed_in")]).await?;
    browser.close().await
}

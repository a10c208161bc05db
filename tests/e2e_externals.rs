//! End-to-end: the External people page in headless Chromium with the real MSAL.js against the
//! simulated tenant over HTTPS — the register's filters, and offboarding a person from every
//! group in direct mode and in script mode (script run against the sim, then Verify). The sim's
//! state is read afterwards to check that the tenant really changed.
//!
//! Run: `cargo xtask test --only build,e2e`, or with an existing build
//! `GUESTLIST_DIST=dist cargo test -p guestlist --test e2e_externals`.
//! Screenshots: test-output/e2e/externals-*.png.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)] // Helpers shared with tests/e2e_signin.rs.
#[path = "support/signin.rs"]
mod signin;
mod support;

use guestlist_sim::store::ADMIN_UPN;
use guestlist_sim::Knobs;
use serde_json::{json, Value};
use signin::{exchange_refuses_cors, members, run_cmdlet, SignInSetup};
use support::browser::Browser;
use support::{check, Result};

/// The register's rows as `[name, address, groups]`.
const ROWS: &str = "return Array.from(document.querySelectorAll('.register-row')).map((li) => [\
    li.querySelector('.member-name').textContent, \
    li.querySelector('.register-who .member-mail').textContent, \
    li.querySelector('.register-groups').textContent])";

async fn rows(browser: &Browser) -> Result<Vec<[String; 3]>> {
    let v = browser.eval(ROWS).await?;
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let s = |i: usize| r[i].as_str().unwrap_or_default().to_owned();
            [s(0), s(1), s(2)]
        })
        .collect())
}

/// Opens the page from the navigation and waits until the groups are read.
async fn open_register(browser: &Browser) -> Result<()> {
    browser.click("link", "External people").await?;
    browser.find("heading", "External people").await?;
    browser.wait_text("2 groups: ").await?;
    Ok(())
}

async fn search(browser: &Browser, text: &str) -> Result<()> {
    let searchbox = browser
        .find("searchbox", "Search name, address or company")
        .await?;
    searchbox.clear().await?;
    searchbox.send_keys(text).await?;
    Ok(())
}

fn id_of(state: &Value, list: &str, address: &str) -> Result<String> {
    state[list]
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| {
            ["mail", "externalEmailAddress"].iter().any(|k| {
                o[*k]
                    .as_str()
                    .is_some_and(|a| a.trim_start_matches("SMTP:").eq_ignore_ascii_case(address))
            })
        })
        .and_then(|o| o["id"].as_str().map(str::to_owned))
        .ok_or_else(|| support::Error::Check(format!("no {list} entry for {address}")))
}

#[tokio::test]
async fn register_filters_then_a_guest_leaves_every_group_in_direct_mode() -> Result<()> {
    let (setup, browser) = SignInSetup::signed_in(
        "externals-direct",
        Knobs::default(),
        ADMIN_UPN,
        "Direct mode",
    )
    .await?;
    let kim = id_of(&setup.state(), "users", "kim.akers@fabrikam.com")?;
    let before = setup.state();
    for g in ["Partner Announcements", "Project Falcon"] {
        check(members(&before, g)?.contains(&kim), || {
            format!("the seed has Kim in {g}")
        })?;
    }
    open_register(&browser).await?;
    support::axe::check_page(&browser, "the External people page").await?;

    // The domain filter keeps only that domain's people.
    browser
        .find("combobox", "Domain")
        .await?
        .select_by_value("fabrikam.com")
        .await?;
    browser.wait_text("external people shown.").await?;
    let shown = rows(&browser).await?;
    check(
        shown.len() >= 3 && shown.iter().all(|r| r[1].ends_with("@fabrikam.com")),
        || format!("fabrikam.com rows: {shown:?}"),
    )?;
    // Search as you type, within the domain.
    search(&browser, "kim").await?;
    browser.wait_text("1 of ").await?;
    let shown = rows(&browser).await?;
    check(
        shown.len() == 1
            && shown[0][0] == "Kim Akers (Fabrikam)"
            && shown[0][2].starts_with("2 groups: ")
            && shown[0][2].contains("Partner Announcements")
            && shown[0][2].contains("Project Falcon"),
        || format!("Kim's row: {shown:?}"),
    )?;
    browser.screenshot("externals-register").await?;

    browser
        .click("checkbox", "Select Kim Akers (Fabrikam)")
        .await?;
    browser
        .click("button", "Take 1 person out of their groups…")
        .await?;
    let plan = browser
        .wait_text("2 removals: 1 through Exchange, 1 through Microsoft Graph.")
        .await?;
    check(
        plan.contains("Partner Announcements") && plan.contains("Project Falcon"),
        || format!("plan: {plan:?}"),
    )?;
    browser.click("button", "Remove them now").await?;
    browser
        .wait_text("Done: 2. Already so: 0. Failed: 0. In the script: 0.")
        .await?;
    browser.screenshot("externals-offboarded").await?;
    let after = setup.state();
    for g in ["Partner Announcements", "Project Falcon"] {
        check(!members(&after, g)?.contains(&kim), || {
            format!("Kim is still in {g}")
        })?;
    }
    // Back to the list, read again (the filters stay): Kim is in no group now, and still in
    // the directory.
    browser.click("button", "Back to the list").await?;
    browser.wait_text("No group").await?;
    browser
        .find("checkbox", "In no group")
        .await?
        .click()
        .await?;
    browser.wait_text("Kim Akers (Fabrikam)").await?;
    id_of(&setup.state(), "users", "kim.akers@fabrikam.com")?;
    browser.close().await?;
    Ok(())
}

#[tokio::test]
async fn script_mode_scripts_the_exchange_removals_then_verify() -> Result<()> {
    let (setup, browser) = SignInSetup::signed_in(
        "externals-script",
        exchange_refuses_cors(),
        ADMIN_UPN,
        "Script mode",
    )
    .await?;
    let aaron = id_of(&setup.state(), "contacts", "aaron.con@fabrikam.com")?;
    open_register(&browser).await?;
    search(&browser, "aaron.con@").await?;
    browser.wait_text("1 of ").await?;
    // A contact's end date is Exchange's: not readable in script mode, and the row says so.
    browser
        .wait_text("End date not readable in script mode")
        .await?;
    browser
        .click("checkbox", "Select Aaron Con (Fabrikam)")
        .await?;
    browser
        .click("button", "Take 1 person out of their groups…")
        .await?;
    browser
        .wait_text("2 removals: 2 through Exchange, 0 through Microsoft Graph.")
        .await?;
    browser
        .click("button", "Run the Graph steps and make the script")
        .await?;
    let report = browser
        .wait_text("Done: 0. Already so: 0. Failed: 0. In the script: 2.")
        .await?;
    check(report.contains("Remove-DistributionGroupMember"), || {
        format!("script: {report:?}")
    })?;
    // Nothing changed yet: the script is the admin's to run.
    check(
        members(&setup.state(), "Sales Team")?.contains(&aaron),
        || "Aaron left Sales Team before the script ran".to_owned(),
    )?;
    browser.click("button", "Verify").await?;
    browser
        .wait_text("Some steps are still missing; run the script, then verify again.")
        .await?;
    for group in [
        "sales@contoso.onmicrosoft.com",
        "partners@contoso.onmicrosoft.com",
    ] {
        run_cmdlet(
            &setup,
            "Remove-DistributionGroupMember",
            json!({"Identity": group, "Member": "aaron.con@fabrikam.com"}),
        )
        .await?;
    }
    browser.click("button", "Verify").await?;
    browser.wait_text("Every step is done.").await?;
    browser.screenshot("externals-script-verified").await?;
    for g in ["Sales Team", "Partner Announcements"] {
        check(!members(&setup.state(), g)?.contains(&aaron), || {
            format!("Aaron is still in {g}")
        })?;
    }
    browser.close().await?;
    Ok(())
}

//! End-to-end: the groups workflow in headless Chromium with the real MSAL.js against the
//! simulated tenant over HTTPS (see tests/e2e_signin.rs for the sign-in itself). Everything is
//! found by role and accessible name; the sim's state is read afterwards to check that the
//! tenant really changed.
//!
//! Run: `cargo xtask test --only build,e2e`, or with an existing build
//! `GUESTLIST_DIST=dist cargo test -p guestlist --test e2e_groups`.
//! Screenshots: test-output/e2e/groups-*.png.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)] // Helpers shared with tests/e2e_signin.rs.
#[path = "support/signin.rs"]
mod signin;
mod support;

use guestlist_sim::store::{ADMIN_UPN, HELPDESK_UPN};
use guestlist_sim::Knobs;
use serde_json::{json, Value};
use signin::{
    account_choice, ignore_certificate_errors, run_cmdlet, sign_in_on_sim_page, SignInSetup,
};
use support::browser::{Browser, Options};
use support::wait::{until, Poll};
use support::{check, dist_dir, Result, DEADLINE};

const PASSWORD: &str = "demo";

/// Signs in as `upn` from the app's start page and waits for the probe's verdict (`mode` is the
/// mode panel's heading: "Direct mode" or "Script mode").
async fn sign_in(browser: &Browser, setup: &SignInSetup, upn: &str, mode: &str) -> Result<()> {
    browser.find("button", "Sign in").await?.click().await?;
    sign_in_on_sim_page(browser, &account_choice(&setup.sim, upn)?, PASSWORD).await?;
    browser.find("group", "Signed-in account").await?;
    browser.find("region", mode).await?;
    Ok(())
}

async fn start(label: &str, knobs: Knobs, upn: &str, mode: &str) -> Result<(SignInSetup, Browser)> {
    start_with(label, knobs, upn, mode, Options::default()).await
}

async fn start_with(
    label: &str,
    knobs: Knobs,
    upn: &str,
    mode: &str,
    options: Options,
) -> Result<(SignInSetup, Browser)> {
    let setup = SignInSetup::start(&dist_dir()?, knobs).await?;
    let browser = Browser::start_with(label, options).await?;
    ignore_certificate_errors(&browser).await?;
    browser.goto(&setup.app("/")).await?;
    sign_in(&browser, &setup, upn, mode).await?;
    Ok((setup, browser))
}

/// Types into the search box and opens the group's page.
async fn open_group(browser: &Browser, search: &str, name: &str) -> Result<()> {
    let searchbox = browser.find("searchbox", "Search groups by name").await?;
    searchbox.clear().await?;
    searchbox.send_keys(search).await?;
    // Click only once the results answer this query (an older answer may still be shown).
    wait_text(browser, &format!("found for “{search}”.")).await?;
    click_link(browser, name).await?;
    browser.find("heading", name).await?;
    // The member list has loaded once its count is there.
    wait_text(browser, " members.").await?;
    Ok(())
}

/// Clicks the link named `name`. The finder replaces its list when a later answer differs
/// (e.g. direct mode adds Exchange's dynamic groups once the probe is done), so a link found a
/// moment ago may be gone: then it is looked up again, until the deadline.
async fn click_link(browser: &Browser, name: &str) -> Result<()> {
    let what = format!("a click on the link {name:?}");
    until(&what, DEADLINE, || async {
        let link = browser.find("link", name).await?;
        Ok(match link.click().await {
            Ok(()) => Poll::Ready(()),
            Err(e) => Poll::NotYet(e.to_string()),
        })
    })
    .await
}

/// Waits until the page's visible text contains `needle`; returns the text.
async fn wait_text(browser: &Browser, needle: &str) -> Result<String> {
    let what = format!("the page to say {needle:?}");
    until(&what, DEADLINE, || async {
        let text = browser.eval("return document.body.innerText").await?;
        let text = text.as_str().unwrap_or_default().to_owned();
        Ok(if text.contains(needle) {
            Poll::Ready(text)
        } else {
            Poll::NotYet(text.chars().take(2000).collect())
        })
    })
    .await
}

/// The sim's state (`GET /_sim/state`, read in-process).
fn state(setup: &SignInSetup) -> Value {
    setup
        .sim
        .state
        .tenant
        .lock()
        .expect("tenant lock")
        .snapshot()
}

fn group<'a>(state: &'a Value, name: &str) -> &'a Value {
    state["groups"]
        .as_array()
        .and_then(|gs| gs.iter().find(|g| g["displayName"] == name))
        .unwrap_or(&Value::Null)
}

fn contact_by_address<'a>(state: &'a Value, address: &str) -> Option<&'a Value> {
    state["contacts"].as_array().and_then(|cs| {
        cs.iter().find(|c| {
            c["externalEmailAddress"]
                .as_str()
                .is_some_and(|a| a.trim_start_matches("SMTP:").eq_ignore_ascii_case(address))
        })
    })
}

fn is_member(state: &Value, group_name: &str, id: &str) -> bool {
    group(state, group_name)["members"]
        .as_array()
        .is_some_and(|m| m.iter().any(|x| x == id))
}

async fn audit(browser: &Browser, what: &str) -> Result<()> {
    let violations = support::axe::audit(browser).await?;
    let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
    check(list.is_empty(), || {
        format!(
            "accessibility violations on {what}:\n  {}",
            list.join("\n  ")
        )
    })
}

/// Fills the add-person dialog and asks for the plan; returns the plan's text.
async fn plan_for(
    browser: &Browser,
    group_name: &str,
    address: &str,
    name: &str,
) -> Result<String> {
    browser
        .find("button", "Add an external person")
        .await?
        .click()
        .await?;
    browser
        .find("dialog", &format!("Add an external person to {group_name}"))
        .await?;
    browser
        .find("textbox", "E-mail address")
        .await?
        .send_keys(address)
        .await?;
    if !name.is_empty() {
        browser
            .find("textbox", "Display name")
            .await?
            .send_keys(name)
            .await?;
    }
    browser
        .find("button", "Review the plan")
        .await?
        .click()
        .await?;
    Ok(browser
        .find("region", "What will happen")
        .await?
        .text()
        .await?)
}

#[tokio::test]
async fn dg_direct_mode_new_contact_plan_then_done() -> Result<()> {
    let (setup, browser) = start("groups-dg", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    // Dynamic distribution groups come from Exchange (direct mode), read-only.
    let searchbox = browser.find("searchbox", "Search groups by name").await?;
    searchbox.send_keys("All Sales").await?;
    wait_text(&browser, "found for “All Sales”.").await?;
    click_link(&browser, "All Sales Department Users").await?;
    browser
        .find("heading", "All Sales Department Users")
        .await?;
    let text = wait_text(&browser, "A rule chooses this group's members").await?;
    check(
        text.contains("Dynamic distribution group")
            && text.contains("(RecipientType -eq 'UserMailbox')")
            && !text.contains("Add an external person"),
        || format!("dynamic group page: {text:?}"),
    )?;
    browser.find("link", "← All groups").await?.click().await?;

    let searchbox = browser.find("searchbox", "Search groups by name").await?;
    searchbox.send_keys("Sales").await?;
    wait_text(&browser, "found for “Sales”.").await?;
    let results = browser.find("list", "Groups found").await?.text().await?;
    check(
        results.contains("Sales Team")
            && results.contains("Distribution group")
            && results.contains("sales@contoso.onmicrosoft.com")
            && results.contains("internal senders only"),
        || format!("finder results: {results:?}"),
    )?;
    browser.screenshot("groups-finder").await?;
    audit(&browser, "the finder").await?;

    click_link(&browser, "Sales Team").await?;
    browser.find("heading", "Sales Team").await?;
    wait_text(&browser, "6 members.").await?;
    let ext = browser
        .find("region", "Mail from outside the organisation")
        .await?
        .text()
        .await?;
    check(ext.contains("5.7.133"), || {
        format!("external senders: {ext:?}")
    })?;
    browser.screenshot("groups-group-page").await?;
    audit(&browser, "the group page").await?;

    let address = "jan.devries@partner.example";
    let plan = plan_for(&browser, "Sales Team", address, "Jan de Vries").await?;
    check(
        plan.contains("Create mail contact Jan de Vries <jan.devries@partner.example>. (hidden from address lists)")
            && plan.contains("Add jan.devries@partner.example to Sales Team (Distribution group).")
            && plan.contains("Warning: Sales Team rejects mail from external senders (they get bounce 5.7.133).")
            && plan.contains("Nothing has changed yet."),
        || format!("plan: {plan:?}"),
    )?;
    // Nothing changed before the admin confirms.
    check(
        contact_by_address(&state(&setup), address).is_none(),
        || "the contact exists before the plan was confirmed".into(),
    )?;
    browser.screenshot("groups-dialog-plan").await?;
    audit(&browser, "the add-person dialog").await?;

    browser
        .find("button", "Make these changes")
        .await?
        .click()
        .await?;
    wait_text(
        &browser,
        "Done: jan.devries@partner.example is a member of Sales Team.",
    )
    .await?;
    browser.screenshot("groups-add-done").await?;
    let s = state(&setup);
    let contact = contact_by_address(&s, address)
        .ok_or_else(|| support::Error::Check(format!("no contact for {address} in the sim")))?;
    check(
        contact["displayName"] == "Jan de Vries"
            && contact["hiddenFromAddressListsEnabled"] == true,
        || format!("contact: {contact}"),
    )?;
    let id = contact["id"].as_str().unwrap_or_default();
    check(is_member(&s, "Sales Team", id), || {
        format!("Sales Team members: {}", group(&s, "Sales Team")["members"])
    })?;

    // Closing reloads the members: the new contact is listed.
    browser.find("button", "Close").await?.click().await?;
    wait_text(&browser, "7 members.").await?;
    browser.find("button", "Remove Jan de Vries").await?;

    // The Activity page lists the changes, with their results.
    browser.find("link", "Activity").await?.click().await?;
    let text = wait_text(
        &browser,
        "Create mail contact Jan de Vries <jan.devries@partner.example>",
    )
    .await?;
    check(
        text.contains("Add jan.devries@partner.example to Sales Team"),
        || format!("activity: {text:?}"),
    )?;
    browser.close().await
}

#[tokio::test]
async fn m365_group_invites_a_guest_and_adds_it() -> Result<()> {
    let (setup, browser) = start("groups-m365", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    open_group(&browser, "Falcon", "Project Falcon").await?;
    let address = "ana.lima@fabrikam.example";
    let plan = plan_for(&browser, "Project Falcon", address, "Ana Lima").await?;
    check(
        plan.contains("Invite ana.lima@fabrikam.example as a guest (no invitation mail).")
            && plan
                .contains("Add ana.lima@fabrikam.example to Project Falcon (Microsoft 365 group).")
            && !plan.contains("mail contact"),
        || format!("plan: {plan:?}"),
    )?;
    browser
        .find("button", "Make these changes")
        .await?
        .click()
        .await?;
    wait_text(
        &browser,
        "Done: ana.lima@fabrikam.example is a member of Project Falcon.",
    )
    .await?;
    let s = state(&setup);
    let guest = s["users"].as_array().and_then(|us| {
        us.iter().find(|u| {
            u["userType"] == "Guest"
                && u["mail"]
                    .as_str()
                    .is_some_and(|m| m.eq_ignore_ascii_case(address))
        })
    });
    let guest = guest.ok_or_else(|| support::Error::Check(format!("no guest for {address}")))?;
    let id = guest["id"].as_str().unwrap_or_default();
    check(is_member(&s, "Project Falcon", id), || {
        format!(
            "Project Falcon members: {}",
            group(&s, "Project Falcon")["members"]
        )
    })?;

    // Removing goes through Graph for Microsoft 365 groups (DELETE …/members/{id}/$ref): the
    // guest leaves the group and stays in the directory.
    browser.find("button", "Close").await?.click().await?;
    browser
        .find("button", "Remove Ana Lima")
        .await?
        .click()
        .await?;
    browser
        .find("dialog", "Remove Ana Lima from Project Falcon?")
        .await?;
    browser
        .find("button", "Remove member")
        .await?
        .click()
        .await?;
    wait_text(&browser, "Removed Ana Lima from Project Falcon.").await?;
    let s = state(&setup);
    check(!is_member(&s, "Project Falcon", id), || {
        "the guest is still a member".into()
    })?;
    check(
        s["users"]
            .as_array()
            .is_some_and(|us| us.iter().any(|u| u["id"] == id)),
        || "the guest user was deleted".into(),
    )?;
    browser.close().await
}

#[tokio::test]
async fn existing_contact_is_reused_and_a_member_is_left_alone() -> Result<()> {
    let (setup, browser) =
        start("groups-reuse", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    let s = state(&setup);
    let contacts_before = s["contacts"].as_array().map_or(0, Vec::len);
    // A seeded contact already in Partner Announcements, and one that is not in Sales Team.
    let partners = group(&s, "Partner Announcements")["members"].clone();
    let sales = group(&s, "Sales Team")["members"].clone();
    let all = s["contacts"].as_array().cloned().unwrap_or_default();
    let member = all
        .iter()
        .find(|c| partners.as_array().is_some_and(|m| m.contains(&c["id"])))
        .cloned()
        .ok_or_else(|| support::Error::Check("no contact in Partner Announcements".into()))?;
    let outsider = all
        .iter()
        .find(|c| !sales.as_array().is_some_and(|m| m.contains(&c["id"])))
        .cloned()
        .ok_or_else(|| support::Error::Check("every contact is in Sales Team".into()))?;
    let addr = |c: &Value| {
        c["externalEmailAddress"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("SMTP:")
            .to_owned()
    };

    open_group(&browser, "Partner", "Partner Announcements").await?;
    let plan = plan_for(&browser, "Partner Announcements", &addr(&member), "").await?;
    check(
        plan.contains(&format!(
            "{} is already a member of Partner Announcements: nothing to do.",
            addr(&member)
        )) && !plan.contains("Create mail contact"),
        || format!("plan for a member: {plan:?}"),
    )?;
    browser.find("button", "Close").await?.click().await?;

    browser.find("link", "← All groups").await?.click().await?;
    open_group(&browser, "Sales", "Sales Team").await?;
    let plan = plan_for(&browser, "Sales Team", &addr(&outsider), "").await?;
    check(
        plan.contains(&format!(
            "Use the existing mail contact for {} (no duplicate is created).",
            addr(&outsider)
        )) && !plan.contains("Create mail contact"),
        || format!("plan for an existing contact: {plan:?}"),
    )?;
    browser
        .find("button", "Make these changes")
        .await?
        .click()
        .await?;
    wait_text(
        &browser,
        &format!("Done: {} is a member of Sales Team.", addr(&outsider)),
    )
    .await?;
    let s = state(&setup);
    check(
        s["contacts"].as_array().map_or(0, Vec::len) == contacts_before
            && is_member(
                &s,
                "Sales Team",
                outsider["id"].as_str().unwrap_or_default(),
            ),
        || "the contact was duplicated or not added".into(),
    )?;
    browser.close().await
}

#[tokio::test]
async fn external_senders_fix_and_remove_a_member() -> Result<()> {
    let (setup, browser) = start("groups-fix", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    open_group(&browser, "Sales", "Sales Team").await?;
    check(
        group(&state(&setup), "Sales Team")["requireSenderAuthenticationEnabled"] == true,
        || "Sales Team starts open".into(),
    )?;
    browser
        .find("button", "Open to external senders")
        .await?
        .click()
        .await?;
    wait_text(
        &browser,
        "Done: the group now accepts mail from outside the organisation.",
    )
    .await?;
    check(
        group(&state(&setup), "Sales Team")["requireSenderAuthenticationEnabled"] == false,
        || "Set-DistributionGroup did not reach the sim".into(),
    )?;

    // Remove a contact member, with confirmation.
    let s = state(&setup);
    let members = group(&s, "Sales Team")["members"].clone();
    let contact = s["contacts"]
        .as_array()
        .and_then(|cs| {
            cs.iter()
                .find(|c| members.as_array().is_some_and(|m| m.contains(&c["id"])))
        })
        .cloned()
        .ok_or_else(|| support::Error::Check("no contact in Sales Team".into()))?;
    let name = contact["displayName"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    browser
        .find("button", &format!("Remove {name}"))
        .await?
        .click()
        .await?;
    browser
        .find("dialog", &format!("Remove {name} from Sales Team?"))
        .await?;
    browser
        .find("button", "Remove member")
        .await?
        .click()
        .await?;
    wait_text(&browser, &format!("Removed {name} from Sales Team.")).await?;
    wait_text(&browser, "5 members.").await?;
    check(
        !is_member(
            &state(&setup),
            "Sales Team",
            contact["id"].as_str().unwrap_or_default(),
        ),
        || "the member is still in the sim's group".into(),
    )?;
    // The contact itself is kept.
    check(
        state(&setup)["contacts"]
            .as_array()
            .is_some_and(|cs| cs.iter().any(|c| c["id"] == contact["id"])),
        || "the contact object was deleted".into(),
    )?;
    browser.close().await
}

#[tokio::test]
async fn hostile_display_names_are_rendered_as_text() -> Result<()> {
    let (_setup, browser) =
        start("groups-hostile", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    open_group(&browser, "Marketing", "Marketing").await?;
    let text = wait_text(&browser, "<script>alert('owned')</script> Mallory").await?;
    check(
        text.contains("<img src=x onerror=alert(1)> =HYPERLINK(\"http://evil\") Trudy"),
        || format!("page: {text:?}"),
    )?;
    // No element came out of the names: no <img src=x>, no script in the member list.
    let found = browser
        .eval(
            "return [document.querySelectorAll('img[src=\"x\"]').length, \
             document.querySelectorAll('.member-rows script').length, \
             typeof window.__owned]",
        )
        .await?;
    check(found == json!([0, 0, "undefined"]), || {
        format!("elements made from names: {found}")
    })?;
    browser
        .find("button", "Remove <script>alert('owned')</script> Mallory")
        .await?;
    browser.close().await
}

#[tokio::test]
async fn helpdesk_is_told_why_it_cannot_write() -> Result<()> {
    let (_setup, browser) = start(
        "groups-helpdesk",
        Knobs::default(),
        HELPDESK_UPN,
        "Script mode",
    )
    .await?;
    open_group(&browser, "Sales", "Sales Team").await?;
    wait_text(
        &browser,
        "Your account has no Exchange Recipient Management role, so Guestlist can't make Exchange changes for you",
    )
    .await?;
    browser.close().await
}

#[tokio::test]
async fn script_mode_dg_script_then_verify() -> Result<()> {
    let knobs = Knobs {
        exchange_cors_refused: true,
        ..Knobs::default()
    };
    let (setup, browser) = start("groups-script", knobs, ADMIN_UPN, "Script mode").await?;
    open_group(&browser, "Sales", "Sales Team").await?;
    wait_text(
        &browser,
        "Script mode: Exchange can't be reached from this browser",
    )
    .await?;
    let address = "piet.bakker@partner.example";
    let plan = plan_for(&browser, "Sales Team", address, "Piet Bakker").await?;
    check(
        plan.contains("the Exchange steps become a PowerShell script"),
        || format!("plan: {plan:?}"),
    )?;
    browser
        .find("button", "Run the Graph steps and create the script")
        .await?
        .click()
        .await?;
    let script = browser.find("generic", "PowerShell script").await;
    let script = match script {
        Ok(e) => e.text().await?,
        Err(_) => wait_text(&browser, "Connect-ExchangeOnline").await?,
    };
    check(
        script.contains("Connect-ExchangeOnline")
            && script.contains("New-MailContact")
            && script.contains("'piet.bakker@partner.example'")
            && script.contains("'Piet Bakker'")
            && script.contains("Add-DistributionGroupMember")
            && script.contains("'sales@contoso.onmicrosoft.com'"),
        || format!("script: {script}"),
    )?;
    browser.find("link", "Open Azure Cloud Shell").await?;
    // Nothing has happened in Exchange yet: Verify says so.
    browser.find("button", "Verify").await?.click().await?;
    wait_text(&browser, "Some steps are still missing").await?;

    // Do what the script does.
    run_cmdlet(
        &setup,
        "New-MailContact",
        json!({"Name": "Piet Bakker", "DisplayName": "Piet Bakker", "ExternalEmailAddress": address}),
    )
    .await?;
    run_cmdlet(
        &setup,
        "Add-DistributionGroupMember",
        json!({"Identity": "sales@contoso.onmicrosoft.com", "Member": address}),
    )
    .await?;
    browser.find("button", "Verify").await?.click().await?;
    wait_text(&browser, "Every step is done.").await?;
    browser
        .eval(
            "document.querySelector('.verify-list').scrollIntoView({block: 'center'}); return null",
        )
        .await?;
    browser.screenshot("groups-script-verify").await?;
    browser.close().await
}

#[tokio::test]
async fn dutch_finder_and_plan() -> Result<()> {
    let options = Options {
        lang: "nl-NL".into(),
        ..Options::default()
    };
    let setup = SignInSetup::start(&dist_dir()?, Knobs::default()).await?;
    let browser = Browser::start_with("groups-nl", options).await?;
    ignore_certificate_errors(&browser).await?;
    browser.goto(&setup.app("/")).await?;
    // The sign-in controls are the auth part's; find them by whatever the Dutch page says.
    let sign_in = wait_text(&browser, "Aanmelden").await;
    check(sign_in.is_ok(), || "no Dutch sign-in button".into())?;
    browser.find("button", "Aanmelden").await?.click().await?;
    sign_in_on_sim_page(&browser, &account_choice(&setup.sim, ADMIN_UPN)?, PASSWORD).await?;
    let searchbox = browser.find("searchbox", "Groepen zoeken op naam").await?;
    searchbox.send_keys("Sales").await?;
    wait_text(&browser, "gevonden voor “Sales”.").await?;
    browser.screenshot("groups-finder-nl").await?;
    click_link(&browser, "Sales Team").await?;
    wait_text(&browser, "6 leden.").await?;
    browser.screenshot("groups-group-page-nl").await?;
    browser
        .find("button", "Externe persoon toevoegen")
        .await?
        .click()
        .await?;
    browser
        .find("textbox", "E-mailadres")
        .await?
        .send_keys("jan@partner.example")
        .await?;
    browser
        .find("button", "Plan bekijken")
        .await?
        .click()
        .await?;
    let plan = browser
        .find("region", "Wat er gaat gebeuren")
        .await?
        .text()
        .await?;
    check(
        plan.contains("E-mailcontact") && plan.contains("toevoegen aan Sales Team"),
        || format!("Dutch plan: {plan:?}"),
    )?;
    browser.screenshot("groups-dialog-plan-nl").await?;
    browser.close().await
}

#[tokio::test]
async fn fifty_thousand_members_keep_the_dom_small() -> Result<()> {
    let (_setup, browser) =
        start("groups-bulk", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    let searchbox = browser.find("searchbox", "Search groups by name").await?;
    searchbox.send_keys("All Company").await?;
    wait_text(&browser, "found for “All Company”.").await?;
    click_link(&browser, "All Company Broadcast").await?;
    let what = "all 50,000 members loaded";
    until(what, std::time::Duration::from_secs(120), || async {
        let text = browser.eval("return document.body.innerText").await?;
        let text = text.as_str().unwrap_or_default();
        Ok(
            if text.contains("50000 members.") && !text.contains("Loading more") {
                Poll::Ready(())
            } else {
                Poll::NotYet(
                    text.lines()
                        .find(|l| l.contains("members"))
                        .unwrap_or("")
                        .to_owned(),
                )
            },
        )
    })
    .await?;
    let rows = browser
        .eval("return document.querySelectorAll('.member-row').length")
        .await?;
    check(
        rows.as_u64().is_some_and(|n| (10..=300).contains(&n)),
        || format!("{rows} row elements for 50,000 members"),
    )?;
    // Scroll to the middle: the rows there are rendered, still few.
    let mid = browser
        .eval(
            "const v = document.querySelector('.member-viewport'); \
             v.scrollTop = v.scrollHeight / 2; v.dispatchEvent(new Event('scroll')); \
             return null",
        )
        .await;
    mid?;
    wait_text(&browser, "Staff Member 25").await?;
    let rows = browser
        .eval("return document.querySelectorAll('.member-row').length")
        .await?;
    check(rows.as_u64().is_some_and(|n| n <= 300), || {
        format!("{rows} row elements after scrolling")
    })?;
    // The filter narrows the list.
    browser
        .find("searchbox", "Filter members")
        .await?
        .send_keys("Staff Member 4999")
        .await?;
    wait_text(&browser, "10 of 50000 members match the filter.").await?;
    browser.close().await
}

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

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use guestlist_sim::store::{ADMIN_UPN, HELPDESK_UPN};
use guestlist_sim::Knobs;
use serde_json::{json, Value};
use signin::{
    exchange_refuses_cors, ignore_certificate_errors, members, run_cmdlet, sign_in,
    sign_in_in_popup, switch_to_dutch, SignInSetup,
};
use support::browser::{Browser, Options};
use support::wait::{until, Poll};
use support::{check, dist_dir, fill, Result, DEADLINE};

/// The texts of the group pages the tests look for, per language (as in src/i18n/).
struct Ui {
    /// The finder's search box.
    search: &'static str,
    /// The finder's answer to a query: "… found for “{query}”."
    found: &'static str,
    /// The end of the group page's member count: "{count} members."
    members: &'static str,
    add: &'static str,
    /// The add-person dialog: "Add an external person to {group}"
    dialog: &'static str,
    email: &'static str,
    display_name: &'static str,
    review: &'static str,
    /// The dialog's plan.
    plan: &'static str,
}

const EN: Ui = Ui {
    search: "Search groups by name",
    found: "found for “{query}”.",
    members: " members.",
    add: "Add an external person",
    dialog: "Add an external person to {group}",
    email: "E-mail address",
    display_name: "Display name",
    review: "Review the plan",
    plan: "What will happen",
};

const NL: Ui = Ui {
    search: "Groepen zoeken op naam",
    found: "gevonden voor “{query}”.",
    members: " leden.",
    add: "Externe persoon toevoegen",
    dialog: "Externe persoon toevoegen aan {group}",
    email: "E-mailadres",
    display_name: "Weergavenaam",
    review: "Plan bekijken",
    plan: "Wat er gaat gebeuren",
};

/// Types `query` into the finder's search box and waits until the results answer it (an older
/// answer may still be shown until then).
async fn search(browser: &Browser, ui: &Ui, query: &str) -> Result<()> {
    let searchbox = browser.find("searchbox", ui.search).await?;
    searchbox.clear().await?;
    searchbox.send_keys(query).await?;
    browser
        .wait_text(&fill(ui.found, &[("query", query)]))
        .await?;
    Ok(())
}

/// Searches for `query` and opens the page of the group called `name`.
async fn open_group(browser: &Browser, ui: &Ui, query: &str, name: &str) -> Result<()> {
    search(browser, ui, query).await?;
    browser.click("link", name).await?;
    browser.find("heading", name).await?;
    // The member list has loaded once its count is there.
    browser.wait_text(ui.members).await?;
    Ok(())
}

/// What the generated script does for Piet Bakker in Sales, run against the sim.
async fn run_script_steps(setup: &SignInSetup, address: &str) -> Result<()> {
    run_cmdlet(
        setup,
        "New-MailContact",
        json!({"Name": "Piet Bakker", "DisplayName": "Piet Bakker", "ExternalEmailAddress": address}),
    )
    .await?;
    run_cmdlet(
        setup,
        "Add-DistributionGroupMember",
        json!({"Identity": "sales@contoso.onmicrosoft.com", "Member": address}),
    )
    .await?;
    Ok(())
}

/// A screenshot with Verify's list of steps in view.
async fn verify_list_screenshot(browser: &Browser, name: &str) -> Result<()> {
    browser
        .eval(
            "document.querySelector('.verify-list').scrollIntoView({block: 'center'}); return null",
        )
        .await?;
    browser.screenshot(name).await?;
    Ok(())
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

/// A mail contact that is a member of the group called `group_name`.
fn contact_in(state: &Value, group_name: &str) -> Result<Value> {
    let ids = members(state, group_name)?;
    state["contacts"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| ids.iter().any(|m| c["id"] == m.as_str()))
        .cloned()
        .ok_or_else(|| support::Error::Check(format!("no contact in {group_name}")))
}

fn is_member(state: &Value, group_name: &str, id: &str) -> Result<bool> {
    Ok(members(state, group_name)?.iter().any(|m| m == id))
}

/// The finder's result rows as `[name, member count text or null]`.
const RESULT_ROWS: &str =
    "return Array.from(document.querySelectorAll('.group-result')).map((li) => [\
    li.querySelector('.group-result-name').textContent, \
    (li.querySelector('.group-result-count') || {}).textContent || null])";

async fn result_rows(browser: &Browser) -> Result<Vec<(String, Option<String>)>> {
    let rows = browser.eval(RESULT_ROWS).await?;
    Ok(rows
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| {
                    (
                        r[0].as_str().unwrap_or_default().to_owned(),
                        r[1].as_str().map(str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default())
}

/// Waits until the finder's row for `group` shows `count` (e.g. "6 members"); returns all rows.
async fn wait_count(
    browser: &Browser,
    group: &str,
    count: &str,
) -> Result<Vec<(String, Option<String>)>> {
    let what = format!("the finder to show {count:?} for {group:?}");
    until(&what, DEADLINE, || async {
        let rows = result_rows(browser).await?;
        let shown = rows
            .iter()
            .any(|(name, c)| name == group && c.as_deref() == Some(count));
        Ok(if shown {
            Poll::Ready(rows)
        } else {
            Poll::NotYet(format!("{rows:?}"))
        })
    })
    .await
}

/// Presses keys as a keyboard does (WebDriver actions go to whatever has focus): all down in
/// order, then up in reverse, so `[Shift, Tab]` is Shift+Tab.
async fn press(browser: &Browser, keys: &[Key]) -> Result<()> {
    let mut actions = KeyActions::new("keyboard".into());
    for k in keys {
        actions = actions.then(KeyAction::Down { value: (*k).into() });
    }
    for k in keys.iter().rev() {
        actions = actions.then(KeyAction::Up { value: (*k).into() });
    }
    browser.client.perform_actions(actions).await?;
    Ok(())
}

/// Where focus is: whether a modal `<dialog>` is open (`:modal`: the page behind it is inert),
/// whether focus is inside it, and the focused element's id, label or text.
const FOCUS_STATE: &str = "const d = document.querySelector('dialog[open]'); \
    const a = document.activeElement; \
    return { open: !!d, modal: !!document.querySelector('dialog:modal'), \
      inside: !!d && !!a && a !== d && d.contains(a), \
      focused: a ? (a.id || a.getAttribute('aria-label') || a.textContent.trim().slice(0, 60)) : null }";

struct Focus {
    open: bool,
    modal: bool,
    inside: bool,
    focused: String,
}

async fn focus(browser: &Browser) -> Result<Focus> {
    let v = browser.eval(FOCUS_STATE).await?;
    Ok(Focus {
        open: v["open"] == true,
        modal: v["modal"] == true,
        inside: v["inside"] == true,
        focused: v["focused"].as_str().unwrap_or_default().to_owned(),
    })
}

/// Waits until focus is on the element whose id, label or text is `name`.
async fn wait_focus(browser: &Browser, name: &str) -> Result<Focus> {
    let what = format!("focus on {name:?}");
    until(&what, DEADLINE, || async {
        let f = focus(browser).await?;
        Ok(if f.focused == name {
            Poll::Ready(f)
        } else {
            Poll::NotYet(format!(
                "focus on {:?} (dialog open: {})",
                f.focused, f.open
            ))
        })
    })
    .await
}

/// Presses Tab `n` times and returns what had focus after each; every one must be inside the
/// open modal dialog.
async fn tab_through(browser: &Browser, n: usize, backwards: bool) -> Result<Vec<String>> {
    let mut seen = Vec::new();
    for _ in 0..n {
        if backwards {
            press(browser, &[Key::Shift, Key::Tab]).await?;
        } else {
            press(browser, &[Key::Tab]).await?;
        }
        let f = focus(browser).await?;
        check(f.open && f.modal && f.inside, || {
            format!(
                "focus left the dialog after {} Tab presses ({seen:?}, then {:?})",
                seen.len() + 1,
                f.focused
            )
        })?;
        seen.push(f.focused);
    }
    Ok(seen)
}

/// Tabs once around the open dialog from `start`: focus must come back to `start` after at
/// most `max` presses, inside the dialog all the way; Shift+Tab then goes back to the last
/// element before it. Returns the cycle.
async fn check_cycle(browser: &Browser, start: &str, max: usize) -> Result<Vec<String>> {
    let mut cycle = Vec::new();
    for _ in 0..max {
        let step = tab_through(browser, 1, false).await?;
        cycle.extend(step);
        if cycle.last().map(String::as_str) == Some(start) {
            break;
        }
    }
    check(
        cycle.last().map(String::as_str) == Some(start) && cycle.len() >= 2,
        || format!("Tab did not cycle back to {start:?}: {cycle:?}"),
    )?;
    let back = tab_through(browser, 1, true).await?;
    let before_start = &cycle[cycle.len() - 2];
    check(&back[0] == before_start, || {
        format!(
            "Shift+Tab from {start:?} went to {:?}, not {before_start:?}",
            back[0]
        )
    })?;
    Ok(cycle)
}

/// Fills the add-person dialog in the page's language `ui` and asks for the plan; returns the
/// plan's text.
async fn plan_for(
    browser: &Browser,
    ui: &Ui,
    group_name: &str,
    address: &str,
    name: &str,
) -> Result<String> {
    browser.click("button", ui.add).await?;
    browser
        .find("dialog", &fill(ui.dialog, &[("group", group_name)]))
        .await?;
    browser
        .find("textbox", ui.email)
        .await?
        .send_keys(address)
        .await?;
    if !name.is_empty() {
        browser
            .find("textbox", ui.display_name)
            .await?
            .send_keys(name)
            .await?;
    }
    browser.click("button", ui.review).await?;
    Ok(browser.find("region", ui.plan).await?.text().await?)
}

#[tokio::test]
async fn dg_direct_mode_new_contact_plan_then_done() -> Result<()> {
    let (setup, browser) =
        SignInSetup::signed_in("groups-dg", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    // Dynamic distribution groups come from Exchange (direct mode), read-only.
    search(&browser, &EN, "All Sales").await?;
    browser.click("link", "All Sales Department Users").await?;
    browser
        .find("heading", "All Sales Department Users")
        .await?;
    let text = browser
        .wait_text("A rule chooses this group's members")
        .await?;
    check(
        text.contains("Dynamic distribution group")
            && text.contains("(RecipientType -eq 'UserMailbox')")
            && !text.contains("Add an external person"),
        || format!("dynamic group page: {text:?}"),
    )?;
    browser.click("link", "← All groups").await?;

    search(&browser, &EN, "Sales").await?;
    // The badges follow the list (Exchange's restrictions, read in direct mode).
    browser.wait_text("Bounces externals: 5.7.133").await?;
    let results = browser.find("list", "Groups found").await?.text().await?;
    check(
        results.contains("Sales Team")
            && results.contains("Distribution group")
            && results.contains("sales@contoso.onmicrosoft.com")
            && results.contains("Bounces externals: 5.7.133"),
        || format!("finder results: {results:?}"),
    )?;
    // Member counts follow the list.
    wait_count(&browser, "Sales Team", "6 members").await?;
    browser.screenshot("groups-finder").await?;
    support::axe::check_page(&browser, "the finder").await?;

    browser.click("link", "Sales Team").await?;
    browser.find("heading", "Sales Team").await?;
    browser.wait_text("6 members.").await?;
    let ext = browser
        .find("region", "Mail from outside the organisation")
        .await?
        .text()
        .await?;
    check(ext.contains("5.7.133"), || {
        format!("external senders: {ext:?}")
    })?;
    browser.screenshot("groups-group-page").await?;
    support::axe::check_page(&browser, "the group page").await?;

    let address = "jan.devries@partner.example";
    let plan = plan_for(&browser, &EN, "Sales Team", address, "Jan de Vries").await?;
    check(
        plan.contains("Create mail contact Jan de Vries <jan.devries@partner.example>. (hidden from address lists)")
            && plan.contains("Add jan.devries@partner.example to Sales Team (Distribution group).")
            && plan.contains("Warning: Sales Team rejects mail from external senders (they get bounce 5.7.133).")
            && plan.contains("Nothing has changed yet."),
        || format!("plan: {plan:?}"),
    )?;
    // Nothing changed before the admin confirms.
    check(
        contact_by_address(&setup.state(), address).is_none(),
        || "the contact exists before the plan was confirmed".into(),
    )?;
    browser.screenshot("groups-dialog-plan").await?;
    support::axe::check_page(&browser, "the add-person dialog").await?;

    browser.click("button", "Make these changes").await?;
    browser
        .wait_text("Done: jan.devries@partner.example is a member of Sales Team.")
        .await?;
    browser.screenshot("groups-add-done").await?;
    let s = setup.state();
    let contact = contact_by_address(&s, address)
        .ok_or_else(|| support::Error::Check(format!("no contact for {address} in the sim")))?;
    check(
        contact["displayName"] == "Jan de Vries"
            && contact["hiddenFromAddressListsEnabled"] == true,
        || format!("contact: {contact}"),
    )?;
    let id = contact["id"].as_str().unwrap_or_default();
    let sales = members(&s, "Sales Team")?;
    check(sales.iter().any(|m| m == id), || {
        format!("Sales Team members: {sales:?}")
    })?;

    // Closing reloads the members: the new contact is listed.
    browser.click("button", "Close").await?;
    browser.wait_text("7 members.").await?;
    browser.find("button", "Remove Jan de Vries").await?;

    // The Activity page lists the changes, with their results.
    browser.click("link", "Activity").await?;
    let text = browser
        .wait_text("Create mail contact Jan de Vries <jan.devries@partner.example>")
        .await?;
    check(
        text.contains("Add jan.devries@partner.example to Sales Team"),
        || format!("activity: {text:?}"),
    )?;
    browser.close().await
}

#[tokio::test]
async fn m365_group_invites_a_guest_and_adds_it() -> Result<()> {
    let (setup, browser) =
        SignInSetup::signed_in("groups-m365", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    open_group(&browser, &EN, "Falcon", "Project Falcon").await?;
    let address = "ana.lima@fabrikam.example";
    let plan = plan_for(&browser, &EN, "Project Falcon", address, "Ana Lima").await?;
    check(
        plan.contains("Invite ana.lima@fabrikam.example as a guest (no invitation mail).")
            && plan
                .contains("Add ana.lima@fabrikam.example to Project Falcon (Microsoft 365 group).")
            && !plan.contains("mail contact"),
        || format!("plan: {plan:?}"),
    )?;
    browser.click("button", "Make these changes").await?;
    browser
        .wait_text("Done: ana.lima@fabrikam.example is a member of Project Falcon.")
        .await?;
    let s = setup.state();
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
    let falcon = members(&s, "Project Falcon")?;
    check(falcon.iter().any(|m| m == id), || {
        format!("Project Falcon members: {falcon:?}")
    })?;

    // Removing goes through Graph for Microsoft 365 groups (DELETE …/members/{id}/$ref): the
    // guest leaves the group and stays in the directory.
    browser.click("button", "Close").await?;
    browser.click("button", "Remove Ana Lima").await?;
    browser
        .find("dialog", "Remove Ana Lima from Project Falcon?")
        .await?;
    browser.click("button", "Remove member").await?;
    browser
        .wait_text("Removed Ana Lima from Project Falcon.")
        .await?;
    let s = setup.state();
    check(!is_member(&s, "Project Falcon", id)?, || {
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
async fn a_guests_end_date_at_add_time_asks_consent_first_then_is_written() -> Result<()> {
    let (setup, browser) =
        SignInSetup::signed_in("groups-until", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    open_group(&browser, &EN, "Falcon", "Project Falcon").await?;
    let address = "end.date@fabrikam.example";
    browser.click("button", EN.add).await?;
    browser
        .find("textbox", EN.email)
        .await?
        .send_keys(address)
        .await?;
    // A date control takes keys in the browser's locale order: set its value as the control
    // reports a chosen date instead.
    browser
        .eval("const d = document.getElementById('add-until'); d.value = '2031-03-31'; d.dispatchEvent(new Event('input', {bubbles: true})); return null")
        .await?;
    browser.click("button", EN.review).await?;
    browser.find("region", EN.plan).await?;
    browser.click("button", "Make these changes").await?;
    // User.ReadWrite.All is asked the first time a guest's end date is written; nothing of
    // the plan's Graph steps has been sent before the admin consents.
    browser.find("button", "Consent and go on").await?;
    let guest_of = |s: &Value| {
        s["users"].as_array().and_then(|us| {
            us.iter()
                .find(|u| {
                    u["mail"]
                        .as_str()
                        .is_some_and(|m| m.eq_ignore_ascii_case(address))
                })
                .and_then(|u| u["id"].as_str().map(str::to_owned))
        })
    };
    check(guest_of(&setup.state()).is_none(), || {
        "the guest was invited before the consent".to_owned()
    })?;
    browser.click("button", "Consent and go on").await?;
    sign_in_in_popup(&browser, &setup.sim, ADMIN_UPN).await?;
    browser
        .wait_text(&format!("Done: {address} is a member of Project Falcon."))
        .await?;
    let failed = browser
        .eval("return document.querySelectorAll('.op--failed').length")
        .await?;
    check(failed == 0, || format!("{failed} failed steps"))?;
    let id = guest_of(&setup.state())
        .ok_or_else(|| support::Error::Check(format!("no guest for {address}")))?;
    let stored = {
        let t = setup.sim.state.tenant.lock().expect("tenant lock");
        t.user(&id).map(|u| {
            u.extension_attributes[guestlist_sim::seed::ACCESS_UNTIL_ATTRIBUTE - 1].clone()
        })
    };
    check(stored == Some(Some("2031-03-31".into())), || {
        format!("the end date in the tenant: {stored:?}")
    })?;
    browser.close().await
}

#[tokio::test]
async fn existing_contact_is_reused_and_a_member_is_left_alone() -> Result<()> {
    let (setup, browser) =
        SignInSetup::signed_in("groups-reuse", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    let s = setup.state();
    let contacts_before = s["contacts"].as_array().map_or(0, Vec::len);
    // A seeded contact already in Partner Announcements, and one that is not in Sales Team.
    let member = contact_in(&s, "Partner Announcements")?;
    let sales = members(&s, "Sales Team")?;
    let outsider = s["contacts"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| !sales.iter().any(|m| c["id"] == m.as_str()))
        .cloned()
        .ok_or_else(|| support::Error::Check("every contact is in Sales Team".into()))?;
    let addr = |c: &Value| {
        c["externalEmailAddress"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("SMTP:")
            .to_owned()
    };

    open_group(&browser, &EN, "Partner", "Partner Announcements").await?;
    let plan = plan_for(&browser, &EN, "Partner Announcements", &addr(&member), "").await?;
    check(
        plan.contains(&format!(
            "{} is already a member of Partner Announcements: nothing to do.",
            addr(&member)
        )) && !plan.contains("Create mail contact"),
        || format!("plan for a member: {plan:?}"),
    )?;
    browser.click("button", "Close").await?;

    browser.click("link", "← All groups").await?;
    open_group(&browser, &EN, "Sales", "Sales Team").await?;
    let plan = plan_for(&browser, &EN, "Sales Team", &addr(&outsider), "").await?;
    check(
        plan.contains(&format!(
            "Use the existing mail contact for {} (no duplicate is created).",
            addr(&outsider)
        )) && !plan.contains("Create mail contact"),
        || format!("plan for an existing contact: {plan:?}"),
    )?;
    browser.click("button", "Make these changes").await?;
    browser
        .wait_text(&format!(
            "Done: {} is a member of Sales Team.",
            addr(&outsider)
        ))
        .await?;
    let s = setup.state();
    check(
        s["contacts"].as_array().map_or(0, Vec::len) == contacts_before
            && is_member(
                &s,
                "Sales Team",
                outsider["id"].as_str().unwrap_or_default(),
            )?,
        || "the contact was duplicated or not added".into(),
    )?;
    browser.close().await
}

#[tokio::test]
async fn external_senders_fix_and_remove_a_member() -> Result<()> {
    let (setup, browser) =
        SignInSetup::signed_in("groups-fix", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    open_group(&browser, &EN, "Sales", "Sales Team").await?;
    check(
        setup.group("Sales Team")?["requireSenderAuthenticationEnabled"] == true,
        || "Sales Team starts open".into(),
    )?;
    browser.click("button", "Open to external senders").await?;
    browser
        .wait_text("Done: the group now accepts mail from outside the organisation.")
        .await?;
    check(
        setup.group("Sales Team")?["requireSenderAuthenticationEnabled"] == false,
        || "Set-DistributionGroup did not reach the sim".into(),
    )?;

    // Remove a contact member, with confirmation.
    let contact = contact_in(&setup.state(), "Sales Team")?;
    let name = contact["displayName"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    browser.click("button", &format!("Remove {name}")).await?;
    browser
        .find("dialog", &format!("Remove {name} from Sales Team?"))
        .await?;
    browser.click("button", "Remove member").await?;
    browser
        .wait_text(&format!("Removed {name} from Sales Team."))
        .await?;
    browser.wait_text("5 members.").await?;
    check(
        !is_member(
            &setup.state(),
            "Sales Team",
            contact["id"].as_str().unwrap_or_default(),
        )?,
        || "the member is still in the sim's group".into(),
    )?;
    // The contact itself is kept.
    check(
        setup.state()["contacts"]
            .as_array()
            .is_some_and(|cs| cs.iter().any(|c| c["id"] == contact["id"])),
        || "the contact object was deleted".into(),
    )?;
    browser.close().await
}

#[tokio::test]
async fn hostile_display_names_are_rendered_as_text() -> Result<()> {
    let (_setup, browser) =
        SignInSetup::signed_in("groups-hostile", Knobs::default(), ADMIN_UPN, "Direct mode")
            .await?;
    open_group(&browser, &EN, "Marketing", "Marketing").await?;
    let text = browser
        .wait_text("<script>alert('owned')</script> Mallory")
        .await?;
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
    let (_setup, browser) = SignInSetup::signed_in(
        "groups-helpdesk",
        Knobs::default(),
        HELPDESK_UPN,
        "Script mode",
    )
    .await?;
    open_group(&browser, &EN, "Sales", "Sales Team").await?;
    browser.wait_text("Your account has no Exchange Recipient Management role, so Guestlist can't make Exchange changes for you",
    )
    .await?;
    browser.close().await
}

#[tokio::test]
async fn script_mode_dg_script_then_verify() -> Result<()> {
    let (setup, browser) = SignInSetup::signed_in(
        "groups-script",
        exchange_refuses_cors(),
        ADMIN_UPN,
        "Script mode",
    )
    .await?;
    // The first list is searched again once the mode is known and comes out the same: its
    // counts still arrive.
    wait_count(&browser, "Sales Team", "6 members").await?;
    open_group(&browser, &EN, "Sales", "Sales Team").await?;
    browser
        .wait_text("Script mode: Exchange can't be reached from this browser")
        .await?;
    let address = "piet.bakker@partner.example";
    let plan = plan_for(&browser, &EN, "Sales Team", address, "Piet Bakker").await?;
    check(
        plan.contains("the Exchange steps become a PowerShell script"),
        || format!("plan: {plan:?}"),
    )?;
    browser
        .click("button", "Run the Graph steps and create the script")
        .await?;
    let script = browser.find("generic", "PowerShell script").await;
    let script = match script {
        Ok(e) => e.text().await?,
        Err(_) => browser.wait_text("Connect-ExchangeOnline").await?,
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
    browser.click("button", "Verify").await?;
    browser.wait_text("Some steps are still missing").await?;

    // Do what the script does.
    run_script_steps(&setup, address).await?;
    browser.click("button", "Verify").await?;
    browser.wait_text("Every step is done.").await?;
    verify_list_screenshot(&browser, "groups-script-verify").await?;
    browser.close().await
}

/// The English screenshots again in Dutch (suffix `-nl`): finder, group page, the dialog's plan
/// and a finished add; the language is switched in the app, not by the browser's language.
#[tokio::test]
async fn dutch_finder_plan_and_finished_add() -> Result<()> {
    let (setup, browser) =
        SignInSetup::signed_in("groups-nl", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    switch_to_dutch(&browser).await?;
    search(&browser, &NL, "Sales").await?;
    wait_count(&browser, "Sales Team", "6 leden").await?;
    browser.screenshot("groups-finder-nl").await?;
    support::axe::check_page(&browser, "the Dutch finder").await?;

    browser.click("link", "Sales Team").await?;
    browser.find("heading", "Sales Team").await?;
    browser.wait_text("6 leden.").await?;
    browser.screenshot("groups-group-page-nl").await?;

    let address = "jan.devries@partner.example";
    let plan = plan_for(&browser, &NL, "Sales Team", address, "Jan de Vries").await?;
    check(
        plan.contains("E-mailcontact Jan de Vries <jan.devries@partner.example> aanmaken.")
            && plan.contains(
                "jan.devries@partner.example toevoegen aan Sales Team (Distributiegroep).",
            ),
        || format!("Dutch plan: {plan:?}"),
    )?;
    browser.screenshot("groups-dialog-plan-nl").await?;
    support::axe::check_page(&browser, "the Dutch add-person dialog").await?;

    browser.click("button", "Wijzigingen uitvoeren").await?;
    browser
        .wait_text(&format!("Klaar: {address} is lid van Sales Team."))
        .await?;
    browser.screenshot("groups-add-done-nl").await?;
    check(
        contact_by_address(&setup.state(), address).is_some(),
        || "the Dutch run created no contact".into(),
    )?;
    browser.close().await
}

/// Script mode with Verify, in Dutch.
#[tokio::test]
async fn dutch_script_mode_then_verify() -> Result<()> {
    let (setup, browser) = SignInSetup::signed_in(
        "groups-script-nl",
        exchange_refuses_cors(),
        ADMIN_UPN,
        "Script mode",
    )
    .await?;
    switch_to_dutch(&browser).await?;
    open_group(&browser, &NL, "Sales", "Sales Team").await?;
    browser
        .wait_text("Scriptmodus: Exchange is vanuit deze browser niet bereikbaar")
        .await?;
    let address = "piet.bakker@partner.example";
    plan_for(&browser, &NL, "Sales Team", address, "Piet Bakker").await?;
    browser
        .click("button", "Graph-stappen uitvoeren en script maken")
        .await?;
    browser.wait_text("Connect-ExchangeOnline").await?;
    browser.click("button", "Controleren").await?;
    browser
        .wait_text("Sommige stappen ontbreken nog; voer het script uit en controleer opnieuw.")
        .await?;
    run_script_steps(&setup, address).await?;
    browser.click("button", "Controleren").await?;
    browser.wait_text("Alle stappen zijn klaar.").await?;
    verify_list_screenshot(&browser, "groups-script-verify-nl").await?;
    browser.close().await
}

/// Holds every Graph `$batch` of member counts (`/members/$count`) until the test answers it:
/// `release()` sends it to the sim, `answer(status, body)` answers instead of the sim. Each
/// entry notes the ids it asked for and when the app has read the answer. Installed before
/// any page script runs (CDP), so it sees the very first search too.
const HOLD_BATCHES: &str = r#"
(() => {
  const send = window.fetch.bind(window);
  window.__batches = [];
  window.fetch = (input, init) => {
    // A string, a URL (the split loader fetches its modules with one) or a Request.
    const url = input instanceof Request ? input.url : String(input);
    if (!url.endsWith('/$batch')) return send(input, init);
    const body = input instanceof Request ? input.clone().text() : Promise.resolve(init && init.body);
    return body.then((t) => JSON.parse(t).requests).then((requests) => {
      // Only the member counts' batches are held; the finder's other reads (the Microsoft 365
      // groups' delivery badges) go to the sim.
      if (!requests.some((r) => r.url.endsWith('/members/$count'))) return send(input, init);
      return new Promise((resolve, reject) => {
        const entry = { requests, read: false };
        const noting = (r) => {
          const text = r.text.bind(r);
          r.text = () => text().then((t) => { entry.read = true; return t; });
          return r;
        };
        entry.release = () => send(input, init).then((r) => resolve(noting(r)), reject);
        entry.answer = (status, json) => resolve(noting(new Response(JSON.stringify(json),
          { status, headers: { 'Content-Type': 'application/json' } })));
        window.__batches.push(entry);
      });
    });
  };
})();
"#;

/// How many `$batch` requests are held, and whether all of them have noted their requests.
async fn held_batches(browser: &Browser) -> Result<usize> {
    let v = browser
        .eval("return window.__batches.filter((b) => !b.done && b.requests).length")
        .await?;
    Ok(v.as_u64().unwrap_or(0) as usize)
}

/// Waits until at least `n` batches are held (each with its requests read).
async fn wait_held(browser: &Browser, n: usize) -> Result<()> {
    let what = format!("{n} held $batch requests");
    until(&what, DEADLINE, || async {
        let held = held_batches(browser).await?;
        Ok(if held >= n {
            Poll::Ready(())
        } else {
            Poll::NotYet(format!("{held} held"))
        })
    })
    .await
}

/// Answers every held batch but the newest with `status`/`body` (`body` may use `requests`, the
/// batch's own requests), waits until the app has read each answer, and returns how many.
async fn answer_older(browser: &Browser, answer: &str) -> Result<usize> {
    let script = format!(
        "const open = window.__batches.filter((b) => !b.done); \
         const older = open.slice(0, -1); \
         for (const b of older) {{ const requests = b.requests; b.done = true; {answer} }} \
         return older.length"
    );
    let n = browser.eval(&script).await?.as_u64().unwrap_or(0) as usize;
    until("the app to read the answered batches", DEADLINE, || async {
        let unread = browser
            .eval("return window.__batches.filter((b) => b.done && !b.read).length")
            .await?;
        Ok(if unread == 0 {
            Poll::Ready(())
        } else {
            Poll::NotYet(format!("{unread} unread"))
        })
    })
    .await?;
    Ok(n)
}

/// Answers the newest held batch: `release` to the sim or a scripted answer.
async fn answer_newest(browser: &Browser, answer: &str) -> Result<()> {
    let script = format!(
        "const open = window.__batches.filter((b) => !b.done); \
         const b = open[open.length - 1]; const requests = b.requests; b.done = true; {answer} \
         return requests.map((r) => r.url)"
    );
    browser.eval(&script).await?;
    Ok(())
}

/// A fake count of 999 for every request of a batch.
const ANSWER_999: &str =
    "b.answer(200, { responses: requests.map((r) => ({ id: r.id, status: 200, \
    headers: { 'Content-Type': 'text/plain' }, body: 999 })) });";

#[tokio::test]
async fn finder_counts_follow_the_list_stale_ones_are_dropped_failures_stay_quiet() -> Result<()> {
    let setup = SignInSetup::start(&dist_dir()?, Knobs::default()).await?;
    let browser = Browser::start_with("groups-counts", Options::default()).await?;
    ignore_certificate_errors(&browser).await?;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": HOLD_BATCHES }),
        )
        .await?;
    browser.goto(&setup.app("/")).await?;
    sign_in(&browser, &setup, ADMIN_UPN, "Direct mode").await?;

    // The list is there while its counts are still held: counts never delay the results.
    browser.wait_text(" groups.").await?;
    wait_held(&browser, 1).await?;
    let rows = result_rows(&browser).await?;
    check(
        !rows.is_empty() && rows.iter().all(|(_, c)| c.is_none()),
        || format!("rows before any count arrived: {rows:?}"),
    )?;
    // Direct mode lists Exchange's dynamic groups too (asked for no count: see the end).
    browser.wait_text("All Sales Department Users").await?;

    // A newer search overtakes the first one's counts: their (fake) answers are dropped.
    search(&browser, &EN, "Falcon").await?;
    let newest_asks_falcon = "return (() => { const open = window.__batches.filter((b) => !b.done); \
        const b = open[open.length - 1]; return !!b && !!b.requests && b.requests.length === 1; })()";
    until(
        "a held count batch for the Falcon search",
        DEADLINE,
        || async {
            Ok(if browser.eval(newest_asks_falcon).await? == true {
                Poll::Ready(())
            } else {
                Poll::NotYet(format!("{} held", held_batches(&browser).await?))
            })
        },
    )
    .await?;
    let stale = answer_older(&browser, ANSWER_999).await?;
    check(stale >= 1, || "no stale batch to answer".into())?;
    let rows = result_rows(&browser).await?;
    check(rows.iter().all(|(_, c)| c.is_none()), || {
        format!("a stale count was shown: {rows:?}")
    })?;
    // The current search's own batch goes to the sim: the real count shows.
    answer_newest(&browser, "b.release();").await?;
    let falcon = members(&setup.state(), "Project Falcon")?.len();
    let rows = wait_count(&browser, "Project Falcon", &format!("{falcon} members")).await?;
    check(!format!("{rows:?}").contains("999"), || {
        format!("a stale count was shown: {rows:?}")
    })?;

    // A count that fails shows nothing, and says nothing.
    search(&browser, &EN, "Marketing").await?;
    wait_held(&browser, 1).await?;
    answer_newest(
        &browser,
        "b.answer(400, { error: { code: 'BadRequest', message: 'Invalid batch payload format.' } });",
    )
    .await?;
    until("the app to read the failed batch", DEADLINE, || async {
        let unread = browser
            .eval("return window.__batches.filter((b) => b.done && !b.read).length")
            .await?;
        Ok(if unread == 0 {
            Poll::Ready(())
        } else {
            Poll::NotYet(format!("{unread} unread"))
        })
    })
    .await?;
    let rows = result_rows(&browser).await?;
    let finder = browser.find("region", "Find a group").await?.text().await?;
    let alerts = browser
        .eval("return document.querySelectorAll('.finder [role=alert], .finder .failure').length")
        .await?;
    check(
        rows.iter().any(|(n, _)| n == "Marketing")
            && rows.iter().all(|(_, c)| c.is_none())
            && alerts == 0
            && !finder.contains("failed"),
        || format!("after a failed count: rows {rows:?}, {alerts} alerts, finder {finder:?}"),
    )?;

    // Every count asked was a members/$count of a Graph group; dynamic groups were never asked.
    let urls = browser
        .eval("return window.__batches.flatMap((b) => (b.requests || []).map((r) => r.url))")
        .await?;
    let urls: Vec<String> = urls
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    check(
        !urls.is_empty()
            && urls.iter().all(|u| {
                u.starts_with("/groups/")
                    && u.ends_with("/members/$count")
                    && !u.contains("dynamic-")
            }),
        || format!("count requests: {urls:?}"),
    )?;
    browser.close().await
}

#[tokio::test]
async fn dialogs_trap_focus_close_on_escape_and_give_focus_back() -> Result<()> {
    let (setup, browser) =
        SignInSetup::signed_in("groups-focus", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    open_group(&browser, &EN, "Sales", "Sales Team").await?;

    // The add-person dialog: modal, focus on its first field.
    browser.click("button", "Add an external person").await?;
    browser
        .find("dialog", "Add an external person to Sales Team")
        .await?;
    let f = wait_focus(&browser, "add-email").await?;
    check(f.modal && f.inside, || "the add dialog is not modal".into())?;
    let cycle = check_cycle(&browser, "add-email", 20).await?;
    check(cycle.iter().any(|c| c == "Cancel"), || {
        format!("the cycle skipped the Cancel button: {cycle:?}")
    })?;
    press(&browser, &[Key::Escape]).await?;
    browser
        .wait_gone("dialog", "Add an external person to Sales Team")
        .await?;
    wait_focus(&browser, "Add an external person").await?;

    // Again, up to the plan: focus follows the new step, stays inside, Escape closes.
    plan_for(
        &browser,
        &EN,
        "Sales Team",
        "focus.test@partner.example",
        "",
    )
    .await?;
    wait_focus(&browser, "plan-heading").await?;
    let seen = tab_through(&browser, 8, false).await?;
    check(seen.iter().any(|c| c == "Make these changes"), || {
        format!("Tab never reached the plan's button: {seen:?}")
    })?;
    tab_through(&browser, 8, true).await?;
    press(&browser, &[Key::Escape]).await?;
    browser
        .wait_gone("dialog", "Add an external person to Sales Team")
        .await?;
    wait_focus(&browser, "Add an external person").await?;

    // The remove confirmation: focus on Cancel (the safe choice), trapped, Escape closes and
    // focus returns to the member's Remove button.
    let contact = contact_in(&setup.state(), "Sales Team")?;
    let name = contact["displayName"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let remove_label = format!("Remove {name}");
    browser.click("button", &remove_label).await?;
    let title = format!("Remove {name} from Sales Team?");
    browser.find("dialog", &title).await?;
    let f = wait_focus(&browser, "remove-cancel").await?;
    check(f.modal, || "the remove dialog is not modal".into())?;
    let cycle = check_cycle(&browser, "remove-cancel", 6).await?;
    check(cycle.iter().any(|c| c == "Remove member"), || {
        format!("the cycle skipped Remove member: {cycle:?}")
    })?;
    press(&browser, &[Key::Escape]).await?;
    browser.wait_gone("dialog", &title).await?;
    wait_focus(&browser, &remove_label).await?;

    // After a removal the row is gone: focus goes to the member list.
    browser.click("button", &remove_label).await?;
    browser.find("dialog", &title).await?;
    browser.click("button", "Remove member").await?;
    browser
        .wait_text(&format!("Removed {name} from Sales Team."))
        .await?;
    wait_focus(&browser, "Members").await?;
    browser.close().await
}

#[tokio::test]
async fn fifty_thousand_members_keep_the_dom_small() -> Result<()> {
    let (_setup, browser) =
        SignInSetup::signed_in("groups-bulk", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    search(&browser, &EN, "All Company").await?;
    browser.click("link", "All Company Broadcast").await?;
    let what = "all 50,000 members loaded";
    until(what, std::time::Duration::from_secs(120), || async {
        let text = browser.eval("return document.body.innerText").await?;
        let text = text.as_str().unwrap_or_default();
        Ok(
            if text.contains("50,000 members.") && !text.contains("Loading more") {
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
    browser.wait_text("Staff Member 25").await?;
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
    browser
        .wait_text("10 of 50,000 members match the filter.")
        .await?;
    browser.close().await
}

//! End-to-end: the External people page in headless Chromium with the real MSAL.js against the
//! simulated tenant over HTTPS — the register's filters, and offboarding a person from every
//! group in direct mode and in script mode (script run against the sim, then Verify); a person's
//! own page: out of a distribution, a Microsoft 365 and a security group (directly, and as a
//! script + Verify), an invitation sent again, a guest deleted (after the consent to
//! User.ReadWrite.All) and restored from Activity; a reload in the middle of a domain's
//! offboarding run, resumed without repeating a step. The sim's state is read afterwards to check
//! that the tenant really changed.
//!
//! Run: `cargo xtask test --only build,e2e`, or with an existing build
//! `GUESTLIST_DIST=dist cargo test -p guestlist --test e2e_externals`.
//! Screenshots: test-output/e2e/externals-*.png.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)] // Helpers shared with tests/e2e_signin.rs.
#[path = "support/signin.rs"]
mod signin;
mod support;

use std::time::Duration;

use guestlist_sim::store::{Provenance, ADMIN_UPN};
use guestlist_sim::Knobs;
use serde_json::{json, Value};
use signin::{
    exchange_refuses_cors, members, reload_mid_run, run_cmdlet, sign_in_in_popup, RunPage,
    SignInSetup,
};
use support::browser::Browser;
use support::externals::{access_ended, open_register};
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

const KIM: &str = "kim.akers@fabrikam.com";
const KIM_NAME: &str = "Kim Akers (Fabrikam)";
/// Kim's groups in the seed (a distribution group and a Microsoft 365 group), and the security
/// group the tests put Kim in.
const KIM_GROUPS: [&str; 3] = ["Partner Announcements", "Project Falcon", "VPN Users"];

/// Puts `member` in the group called `group` (in the sim's store: the setup, not what is tested).
fn add_to_group(setup: &SignInSetup, group: &str, member: &str) -> Result<()> {
    let id = signin::group(&setup.state(), group)?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut t = setup.sim.state.tenant.lock().expect("tenant lock");
    t.group_mut(&id)
        .ok_or_else(|| support::Error::Setup(format!("no group {group}")))?
        .add_member(member);
    Ok(())
}

/// Opens the person's page from their row in the register.
async fn open_person(browser: &Browser, query: &str, name: &str) -> Result<()> {
    open_register(browser).await?;
    search(browser, query).await?;
    browser.wait_text("1 of ").await?;
    browser.click("link", name).await?;
    browser.find("heading", name).await?;
    Ok(())
}

/// Kim in the three groups, and the person's page open.
async fn kim_in_three_groups(setup: &SignInSetup, browser: &Browser) -> Result<String> {
    let kim = id_of(&setup.state(), "users", KIM)?;
    add_to_group(setup, "VPN Users", &kim)?;
    open_person(browser, "kim", KIM_NAME).await?;
    browser.wait_text("3 groups: ").await?;
    for g in KIM_GROUPS {
        browser.find("checkbox", &format!("Choose {g}")).await?;
    }
    Ok(kim)
}

fn groups_holding(setup: &SignInSetup, id: &str) -> Result<Vec<&'static str>> {
    let state = setup.state();
    let mut out = Vec::new();
    for g in KIM_GROUPS {
        if members(&state, g)?.iter().any(|m| m == id) {
            out.push(g);
        }
    }
    Ok(out)
}

#[tokio::test]
async fn a_persons_page_takes_them_out_of_a_dl_an_m365_and_a_security_group_directly() -> Result<()>
{
    let (setup, browser) = SignInSetup::signed_in(
        "externals-person-direct",
        Knobs::default(),
        ADMIN_UPN,
        "Direct mode",
    )
    .await?;
    let kim = kim_in_three_groups(&setup, &browser).await?;
    support::axe::check_page(&browser, "a person's page").await?;
    browser.click("button", "Remove from all groups…").await?;
    let preview = browser
        .wait_text("3 changes, shown before anything happens:")
        .await?;
    check(groups_holding(&setup, &kim)?.len() == 3, || {
        format!("changed before the run: {preview:?}")
    })?;
    browser.click("button", "Make the change").await?;
    browser.wait_text("What was done").await?;
    // Read again afterwards: in no group.
    browser.wait_text("In no group.").await?;
    browser.screenshot("externals-person-removed").await?;
    let failed = browser
        .eval("return document.querySelectorAll('.op--failed').length")
        .await?;
    check(failed == 0, || format!("{failed} failed steps"))?;
    let left = groups_holding(&setup, &kim)?;
    check(left.is_empty(), || format!("Kim is still in {left:?}"))?;
    browser.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_persons_page_in_script_mode_scripts_the_dl_removal_then_verify() -> Result<()> {
    let (setup, browser) = SignInSetup::signed_in(
        "externals-person-script",
        exchange_refuses_cors(),
        ADMIN_UPN,
        "Script mode",
    )
    .await?;
    let kim = kim_in_three_groups(&setup, &browser).await?;
    let upn = setup.state()["users"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|u| u["id"] == kim.as_str())
        .and_then(|u| u["userPrincipalName"].as_str().map(str::to_owned))
        .unwrap_or_default();
    browser.click("button", "Remove from all groups…").await?;
    browser
        .wait_text("3 changes, shown before anything happens:")
        .await?;
    browser
        .click("button", "Run the Graph steps and make the script")
        .await?;
    let report = browser.wait_text("Remove-DistributionGroupMember").await?;
    check(report.contains(&upn), || format!("script: {report:?}"))?;
    // The Graph removals are done; the distribution group waits for the script.
    browser.wait_text("Partner Announcements").await?;
    check(
        groups_holding(&setup, &kim)? == ["Partner Announcements"],
        || format!("after the Graph steps: {:?}", groups_holding(&setup, &kim)),
    )?;
    browser.click("button", "Verify").await?;
    browser
        .wait_text("Some steps are still missing; run the script, then verify again.")
        .await?;
    run_cmdlet(
        &setup,
        "Remove-DistributionGroupMember",
        json!({"Identity": "partners@contoso.onmicrosoft.com", "Member": upn}),
    )
    .await?;
    browser.click("button", "Verify").await?;
    browser.wait_text("Every step is done.").await?;
    browser
        .screenshot("externals-person-script-verified")
        .await?;
    let left = groups_holding(&setup, &kim)?;
    check(left.is_empty(), || format!("Kim is still in {left:?}"))?;
    browser.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_pending_guest_is_invited_again_with_a_personal_message() -> Result<()> {
    const MEI: &str = "mei.lin@tailspintoys.com";
    const MESSAGE: &str = "Here is the link again; see you on Monday.";
    let (setup, browser) = SignInSetup::signed_in(
        "externals-person-resend",
        Knobs::default(),
        ADMIN_UPN,
        "Direct mode",
    )
    .await?;
    let mei = id_of(&setup.state(), "users", MEI)?;
    open_person(&browser, "mei.lin@", "Mei Lin (Tailspin)").await?;
    browser
        .find("textbox", "Personal message in the mail (optional)")
        .await?
        .send_keys(MESSAGE)
        .await?;
    browser.click("button", "Invite again…").await?;
    browser.wait_text(&format!("Invite {MEI} again")).await?;
    check(
        setup.state()["invitationMails"]
            .as_array()
            .is_none_or(|m| m.is_empty()),
        || "an invitation went out before the run".to_owned(),
    )?;
    browser.click("button", "Make the change").await?;
    browser.wait_text("What was done").await?;
    let state = setup.state();
    let mails = state["invitationMails"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    check(
        mails.len() == 1
            && mails[0]["to"] == MEI
            && mails[0]["userId"] == mei.as_str()
            && mails[0]["message"] == MESSAGE,
        || format!("invitation mails: {mails:?}"),
    )?;
    // The same guest, still pending.
    id_of(&state, "users", MEI)?;
    browser.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_deleted_guest_is_restored_from_its_activity_entry() -> Result<()> {
    let (setup, browser) = SignInSetup::signed_in(
        "externals-person-delete",
        Knobs::default(),
        ADMIN_UPN,
        "Direct mode",
    )
    .await?;
    let kim = id_of(&setup.state(), "users", KIM)?;
    let before = groups_holding(&setup, &kim)?;
    check(before.len() == 2, || format!("Kim's groups: {before:?}"))?;
    open_person(&browser, "kim", KIM_NAME).await?;
    browser.click("button", "Delete this guest…").await?;
    browser
        .wait_text("restorable from deleted items for 30 days")
        .await?;
    browser.click("button", "Make the change").await?;
    // User.ReadWrite.All is asked the first time it is needed; nothing is deleted before.
    browser.find("button", "Consent and go on").await?;
    id_of(&setup.state(), "users", KIM)?;
    browser.screenshot("externals-person-consent").await?;
    browser.click("button", "Consent and go on").await?;
    sign_in_in_popup(&browser, &setup.sim, ADMIN_UPN).await?;
    browser.wait_text("What was done").await?;
    let state = setup.state();
    check(id_of(&state, "users", KIM).is_err(), || {
        "Kim is still a user".to_owned()
    })?;
    check(state["counts"]["deletedUsers"] == 1, || {
        format!("deleted items: {}", state["counts"])
    })?;
    check(groups_holding(&setup, &kim)?.is_empty(), || {
        "a deleted guest left their groups".to_owned()
    })?;

    browser.click("link", "Activity").await?;
    browser
        .click("button", &format!("Restore {KIM_NAME} from deleted items"))
        .await?;
    browser.click("button", "Make the change").await?;
    browser.wait_text("What was done").await?;
    browser.screenshot("externals-person-restored").await?;
    id_of(&setup.state(), "users", KIM)?;
    let after = groups_holding(&setup, &kim)?;
    check(after == before, || {
        format!("back in {after:?}, was in {before:?}")
    })?;
    browser.close().await?;
    Ok(())
}

#[tokio::test]
async fn an_end_date_set_on_a_persons_page_shows_as_access_ended_and_plans_the_offboarding(
) -> Result<()> {
    let (setup, browser) = SignInSetup::signed_in(
        "externals-person-until",
        Knobs::default(),
        ADMIN_UPN,
        "Direct mode",
    )
    .await?;
    open_person(&browser, "kim", KIM_NAME).await?;
    // A date control takes keys in the browser's locale order: set its value as the control
    // reports a chosen date instead.
    browser
        .eval("const d = document.getElementById('person-until-date'); d.value = '2020-01-31'; d.dispatchEvent(new Event('input', {bubbles: true})); return null")
        .await?;
    browser.click("button", "Set the end date…").await?;
    browser
        .wait_text(&format!(
            "Set the end date of {KIM_NAME} <{KIM}> to 2020-01-31"
        ))
        .await?;
    browser.click("button", "Make the change").await?;
    // User.ReadWrite.All is asked the first time a guest's attribute is written.
    browser.click("button", "Consent and go on").await?;
    sign_in_in_popup(&browser, &setup.sim, ADMIN_UPN).await?;
    browser.wait_text("Ended 2020-01-31").await?;
    let kim = id_of(&setup.state(), "users", KIM)?;
    let stored = {
        let t = setup.sim.state.tenant.lock().expect("tenant lock");
        t.user(&kim).map(|u| {
            u.extension_attributes[guestlist_sim::seed::ACCESS_UNTIL_ATTRIBUTE - 1].clone()
        })
    };
    check(stored == Some(Some("2020-01-31".into())), || {
        format!("the end date in the tenant: {stored:?}")
    })?;

    // The register's "access ended" filter finds Kim, and one button plans the offboarding.
    access_ended(&browser, "2020-01-31", KIM_NAME).await?;
    let ended = rows(&browser).await?;
    check(ended.iter().any(|r| r[0] == KIM_NAME), || {
        format!("access ended: {ended:?}")
    })?;
    let button = browser
        .eval("return Array.from(document.querySelectorAll('button')).map((b) => b.textContent).find((t) => t.includes('whose access ended')) || ''")
        .await?;
    let label = button.as_str().unwrap_or_default().to_owned();
    check(!label.is_empty(), || "no access-ended button".to_owned())?;
    browser.click("button", &label).await?;
    let plan = browser.wait_text("through Microsoft Graph.").await?;
    check(
        plan.contains("Partner Announcements") && plan.contains("Project Falcon"),
        || format!("plan: {plan:?}"),
    )?;
    browser.screenshot("externals-access-ended-plan").await?;
    browser.close().await?;
    Ok(())
}

/// A domain of leavers the seed doesn't have, for the bulk offboarding tests.
const LEAVING: &str = "leaving.example";
/// A slow machine runs a few hundred operations for minutes.
const RUN_DEADLINE: Duration = Duration::from_secs(300);

/// Adds `n` guests at [`LEAVING`] to Project Falcon (removed through Graph) and `n` mail
/// contacts there to Partner Announcements (removed through Exchange), in the sim's store (the
/// setup, not what is tested). Returns the guests' and the contacts' ids.
fn leavers(setup: &SignInSetup, n: usize) -> Result<(Vec<String>, Vec<String>)> {
    let state = setup.state();
    let group_id = |name: &str| -> Result<String> {
        Ok(signin::group(&state, name)?["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned())
    };
    let (falcon, partners) = (
        group_id("Project Falcon")?,
        group_id("Partner Announcements")?,
    );
    let mut t = setup.sim.state.tenant.lock().expect("tenant lock");
    let template = t
        .contacts()
        .first()
        .cloned()
        .ok_or_else(|| support::Error::Setup("no contact in the sim".into()))?;
    let mut guests = Vec::new();
    let mut contacts = Vec::new();
    for i in 0..n {
        let address = format!("guest.{i:02}@{LEAVING}");
        let g = guestlist_sim::seed::guest_user(
            &mut t,
            &format!("Leaving Guest {i:02}"),
            &address,
            true,
            Provenance::SEEDED,
        );
        guests.push(t.insert_user(g));
        let mut c = template.clone();
        c.id = t.new_guid();
        c.exchange_guid = t.new_guid();
        c.name = format!("Leaving Contact {i:02}");
        c.alias = format!("leavingcontact{i:02}");
        c.display_name = c.name.clone();
        c.external_email = format!("contact.{i:02}@{LEAVING}");
        c.company_name = Some("Leaving Ltd".into());
        contacts.push(t.insert_contact(c));
    }
    for (group, ids) in [(&falcon, &guests), (&partners, &contacts)] {
        let g = t
            .group_mut(group)
            .ok_or_else(|| support::Error::Setup(format!("no group {group}")))?;
        for id in ids {
            g.add_member(id);
        }
    }
    Ok((guests, contacts))
}

/// The offboarding panel's choice to delete the people rather than only take them out.
const DELETE_THEM: &str = "Delete them (contacts for good, guests to deleted items for 30 days)";

/// Everyone at [`LEAVING`] chosen in the register, and the plan made (`deleting` them, or
/// taking them out of their groups).
async fn plan_domain(browser: &Browser, people: usize, deleting: bool) -> Result<String> {
    open_register(browser).await?;
    browser
        .find("combobox", "Domain")
        .await?
        .select_by_value(LEAVING)
        .await?;
    browser
        .click("button", &format!("Select everyone at @{LEAVING}"))
        .await?;
    if deleting {
        browser.click("radio", DELETE_THEM).await?;
    }
    browser
        .click(
            "button",
            &format!("Take {people} people out of their groups…"),
        )
        .await?;
    browser.wait_text(" through Microsoft Graph.").await
}

/// A domain's offboarding planned: the sim, the browser, the leavers' ids, the sim's state
/// before, and the plan's text.
struct Planned {
    setup: SignInSetup,
    browser: Browser,
    guests: Vec<String>,
    contacts: Vec<String>,
    before: Value,
    plan: String,
}

/// Signed in (screenshots named `label`), `each` guests and contacts at [`LEAVING`] in their
/// groups ([`leavers`]), and everyone there planned for offboarding ([`plan_domain`]).
async fn leaving_domain_planned(label: &str, each: usize, deleting: bool) -> Result<Planned> {
    let (setup, browser) =
        SignInSetup::signed_in(label, Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    let (guests, contacts) = leavers(&setup, each)?;
    let before = setup.state();
    let plan = plan_domain(&browser, 2 * each, deleting).await?;
    Ok(Planned {
        setup,
        browser,
        guests,
        contacts,
        before,
        plan,
    })
}

/// The offboarding run's "Removing… {done} of {count}" while it runs.
async fn removing(browser: &Browser) -> Result<Option<(u64, u64)>> {
    let text = browser
        .eval("const s = document.querySelector('.offboard [aria-busy=true]'); return s ? s.textContent : ''")
        .await?;
    let text = text.as_str().unwrap_or_default();
    let Some(rest) = text.strip_prefix("Removing… ") else {
        return Ok(None);
    };
    let mut words = rest.split(' ');
    let done = words.next().and_then(|w| w.parse().ok());
    let total = words.nth(1).and_then(|w| w.parse().ok());
    Ok(done.zip(total))
}

/// "Done: d. Already so: a. Failed: f. In the script: s." as numbers.
fn report_totals(text: &str) -> Result<[usize; 4]> {
    let start = text
        .find("Done: ")
        .ok_or_else(|| support::Error::Check(format!("no report in {text:?}")))?;
    let mut out = [0; 4];
    let numbers = text[start..]
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .take(4);
    for (slot, n) in out.iter_mut().zip(numbers) {
        *slot = n.parse().unwrap_or(0);
    }
    Ok(out)
}

/// How many entries of each kind the Activity log in the browser holds.
async fn activity_kinds(browser: &Browser) -> Result<Value> {
    browser
        .eval(
            "const log = JSON.parse(localStorage.getItem('guestlist.activity') || '{}'); \
             const n = {}; \
             for (const e of log.entries || []) { \
               const t = e.action ? e.action.type : 'none'; n[t] = (n[t] || 0) + 1; } \
             return n;",
        )
        .await
}

#[tokio::test]
async fn a_reload_in_the_middle_of_an_offboarding_run_resumes_without_repeating_a_step(
) -> Result<()> {
    const EACH: usize = 40;
    let Planned {
        setup,
        browser,
        guests,
        contacts,
        before,
        plan,
    } = leaving_domain_planned("externals-offboard-reload", EACH, false).await?;
    check(
        plan.contains(&format!(
            "{} removals: {EACH} through Exchange, {EACH} through Microsoft Graph.",
            2 * EACH
        )),
        || format!("plan: {plan:?}"),
    )?;
    let page = RunPage {
        start: "Remove them now",
        stopped: "This offboarding stopped before it finished",
        resume: "Resume the offboarding",
    };
    let (done, total) =
        reload_mid_run(&setup, &browser, page, RUN_DEADLINE, || removing(&browser)).await?;
    let text = browser.wait_text_within("Done: ", RUN_DEADLINE).await?;
    setup.set_knobs(Knobs::default())?;
    let [d, a, f, s] = report_totals(&text)?;
    check(d + a == 2 * EACH && f == 0 && s == 0, || {
        format!("after the reload at {done}/{total}: {d} done, {a} already so, {f} failed, {s} in the script")
    })?;
    // In the tenant: every leaver out of their group, everyone else still in it, and the
    // leavers themselves still there (offboarding removes, it doesn't delete).
    let after = setup.state();
    for (group, ids) in [
        ("Project Falcon", &guests),
        ("Partner Announcements", &contacts),
    ] {
        let now = members(&after, group)?;
        let was = members(&before, group)?;
        check(
            ids.iter().all(|id| !now.contains(id))
                && now.len() + ids.len() == was.len()
                && now.iter().all(|id| was.contains(id)),
            || format!("{group}: {} members, {} before", now.len(), was.len()),
        )?;
    }
    for id in &guests {
        check(
            after["users"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|u| u["id"] == id.as_str()),
            || format!("guest {id} is gone from the tenant"),
        )?;
    }
    // Every removal recorded in Activity exactly once, those finished before the reload too.
    let kinds = activity_kinds(&browser).await?;
    check(
        kinds["removeMember"].as_u64() == Some(2 * EACH as u64),
        || format!("activity log by kind: {kinds}"),
    )?;
    // Done: leaving the report clears the run, and a reload doesn't offer it again.
    browser.click("button", "Back to the list").await?;
    browser.client.refresh().await?;
    open_register(&browser).await?;
    let page = browser.wait_text("out of their groups…").await?;
    check(!page.contains("This offboarding stopped"), || {
        "the finished run is offered again".to_owned()
    })?;
    browser.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_whole_domain_is_offboarded_with_deletion_and_its_guests_are_restorable() -> Result<()> {
    const EACH: usize = 3;
    let Planned {
        setup,
        browser,
        guests,
        contacts,
        before,
        plan,
    } = leaving_domain_planned("externals-offboard-delete", EACH, true).await?;
    check(
        plan.contains(&format!(
            "{} deletions: {EACH} through Exchange, {EACH} through Microsoft Graph.",
            2 * EACH
        )) && plan.contains("restored for 30 days"),
        || format!("plan: {plan:?}"),
    )?;
    // Nothing happens before the run.
    check(setup.state()["counts"] == before["counts"], || {
        "the tenant changed before the run".to_owned()
    })?;
    browser.click("button", "Delete them now").await?;
    // User.ReadWrite.All is asked the first time guests are deleted; the contacts (Exchange)
    // may go meanwhile, no guest is deleted before the consent.
    browser.click("button", "Consent and go on").await?;
    check(setup.state()["counts"]["deletedUsers"] == 0, || {
        "a guest was deleted before the consent".to_owned()
    })?;
    sign_in_in_popup(&browser, &setup.sim, ADMIN_UPN).await?;
    let text = browser.wait_text_within("Done: ", RUN_DEADLINE).await?;
    let [d, a, f, s] = report_totals(&text)?;
    check(d == 2 * EACH && a == 0 && f == 0 && s == 0, || {
        format!("report: {text:?}")
    })?;
    browser.screenshot("externals-offboard-deleted").await?;
    let after = setup.state();
    check(
        after["counts"]["deletedUsers"] == EACH
            && after["counts"]["contacts"].as_u64()
                == before["counts"]["contacts"]
                    .as_u64()
                    .map(|n| n - EACH as u64),
        || format!("counts after: {}", after["counts"]),
    )?;
    for (group, ids) in [
        ("Project Falcon", &guests),
        ("Partner Announcements", &contacts),
    ] {
        let now = members(&after, group)?;
        check(ids.iter().all(|id| !now.contains(id)), || {
            format!("a deleted person is still in {group}")
        })?;
    }
    // Each deleted guest can be restored from its Activity entry.
    browser.click("link", "Activity").await?;
    browser
        .find("button", "Restore Leaving Guest 00 from deleted items")
        .await?;
    browser.close().await?;
    Ok(())
}

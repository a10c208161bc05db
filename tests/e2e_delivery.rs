//! End-to-end: the group page's delivery check in headless Chromium with the real MSAL.js
//! against the simulated tenant, one seeded case after another in one signed-in session (sim
//! README, "Seeded delivery cases"): the badge, the check's explanation, the fix's plan, the run,
//! and then the sim's own delivery oracle (`POST /_sim/deliver`) delivers.
//! - allowed-senders list (Vendor Portal Updates): a stranger bounces 5.7.124; a contact is made
//!   and put on the list; the add dialog offers the list for a new member in the same plan;
//! - blocked sender (Customer Feedback): Paul West bounces 5.7.1; he is taken off the list;
//! - nested group (Alliance Network): a member of the nested Partner Announcements receives;
//! - Microsoft 365 group with an allowed-senders list (Customer Advisory Board): the guest Kim
//!   Akers bounces 5.7.124; she is put on the list;
//! - sender authentication (Sales Team): 5.7.133, opened on the page's external-senders card;
//! - a group synced from on-premises and a dynamic group: explained, with no fix offered;
//! - moderation (Press Releases), in Dutch: held; a contact is made and let skip moderation.
//!
//! And script mode: the fix for a reported 5.7.124 becomes the script, its cmdlets run against
//! the sim, Verify says done and the oracle delivers. The finder's rows carry the same badges
//! (Microsoft 365 groups' too); in script mode a Microsoft 365 group's row says its switch.
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
use serde_json::json;
use signin::{exchange_refuses_cors, run_cmdlet, switch_to_dutch, SignInSetup};
use support::browser::Browser;
use support::{check, fill, wait, Result, DEADLINE};

const STRANGER: &str = "new.vendor@unknown.example";

/// What the sim's delivery oracle answers for a message from `from` to `to`.
#[derive(Debug)]
struct Delivery {
    outcome: String,
    code: Option<String>,
    recipients: Vec<String>,
}

impl Delivery {
    fn delivered(&self) -> bool {
        self.outcome == "delivered" && self.code.is_none()
    }

    fn rejected(&self, code: &str) -> bool {
        self.outcome == "rejected" && self.code.as_deref() == Some(code)
    }
}

async fn oracle(setup: &SignInSetup, from: &str, to: &str) -> Result<Delivery> {
    let v = setup.deliver(from, to).await?;
    Ok(Delivery {
        outcome: v["outcome"].as_str().unwrap_or_default().to_owned(),
        code: v["code"].as_str().map(str::to_owned),
        recipients: v["recipients"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect(),
    })
}

/// The words the steps look for, in the UI's language.
struct Ui {
    groups: &'static str,
    search: &'static str,
    found: &'static str,
    address: &'static str,
    check: &'static str,
    plan: &'static str,
    make_changes: &'static str,
    fix_done: &'static str,
}

const EN: Ui = Ui {
    groups: "Groups",
    search: "Search groups by name",
    found: "found for “{query}”.",
    address: "Check an external address",
    check: "Check",
    plan: "What will happen",
    make_changes: "Make these changes",
    fix_done: "Done. Check the address again to see what the sender gets now.",
};

const NL: Ui = Ui {
    groups: "Groepen",
    search: "Groepen zoeken op naam",
    found: "gevonden voor “{query}”.",
    address: "Een extern adres controleren",
    check: "Controleren",
    plan: "Wat er gaat gebeuren",
    make_changes: "Wijzigingen uitvoeren",
    fix_done: "Klaar. Controleer het adres opnieuw om te zien wat de afzender nu krijgt.",
};

/// The text of the finder's result row for the group `name` (empty while there is none).
async fn finder_row(browser: &Browser, name: &str) -> Result<String> {
    let row = browser
        .client
        .execute(
            r#"const row = [...document.querySelectorAll('.group-result')]
                .find((li) => li.querySelector('a')?.textContent.trim() === arguments[0]);
            return row ? row.textContent : '';"#,
            vec![json!(name)],
        )
        .await?;
    Ok(row.as_str().unwrap_or_default().to_owned())
}

/// From anywhere in the app: the finder, a search for `query` whose row for the group `name`
/// carries the delivery badge `badge` when `in_finder` (Exchange's restrictions come with the
/// search in direct mode; a dynamic group's only on its page), then the group's page with the
/// same badge.
async fn open_group(
    browser: &Browser,
    ui: &Ui,
    query: &str,
    name: &str,
    badge: &str,
    in_finder: bool,
) -> Result<()> {
    search(browser, ui, query).await?;
    if in_finder {
        wait_row(browser, name, badge).await?;
    }
    open_found(browser, name).await?;
    browser.wait_text(badge).await?;
    Ok(())
}

/// Waits until the finder's row for the group `name` says `badge`.
async fn wait_row(browser: &Browser, name: &str, badge: &str) -> Result<()> {
    let what = format!("the finder's badge {badge:?} for {name}");
    wait::until(&what, DEADLINE, || async {
        let row = finder_row(browser, name).await?;
        Ok(if row.contains(badge) {
            wait::Poll::Ready(())
        } else {
            wait::Poll::NotYet(row)
        })
    })
    .await
}

/// From anywhere in the app: the finder, and a search for `query` answered.
async fn search(browser: &Browser, ui: &Ui, query: &str) -> Result<()> {
    browser.click("link", ui.groups).await?;
    let searchbox = browser.find("searchbox", ui.search).await?;
    searchbox.clear().await?;
    searchbox.send_keys(query).await?;
    browser
        .wait_text(&fill(ui.found, &[("query", query)]))
        .await?;
    Ok(())
}

/// The page of the group `name` from the finder's results.
async fn open_found(browser: &Browser, name: &str) -> Result<()> {
    browser.click("link", name).await?;
    browser.find("heading", name).await?;
    Ok(())
}

/// Checks `address` and waits for the outcome's sentence, `says`.
async fn check_address(browser: &Browser, ui: &Ui, address: &str, says: &str) -> Result<String> {
    let field = browser.find("textbox", ui.address).await?;
    field.clear().await?;
    field.send_keys(address).await?;
    browser.click("button", ui.check).await?;
    browser.wait_text(says).await
}

/// Picks the fix `button`, sees its plan (which must hold `line`) before anything changes, and
/// runs it.
async fn fix(
    setup: &SignInSetup,
    browser: &Browser,
    ui: &Ui,
    button: &str,
    line: &str,
    still: (&str, &str),
    shot: &str,
) -> Result<()> {
    browser.click("button", button).await?;
    let plan = browser.wait_text(ui.plan).await?;
    check(plan.contains(line), || {
        format!("the plan lacks {line:?}: {plan}")
    })?;
    let before = oracle(setup, still.0, still.1).await?;
    check(!before.delivered(), || {
        format!("the plan changed the tenant before it was confirmed: {before:?}")
    })?;
    browser.screenshot(shot).await?;
    browser.click("button", ui.make_changes).await?;
    browser.wait_text(ui.fix_done).await?;
    Ok(())
}

async fn delivered(setup: &SignInSetup, from: &str, to: &str) -> Result<Delivery> {
    let after = oracle(setup, from, to).await?;
    check(after.delivered(), || {
        format!("the oracle after the fix, {from} → {to}: {after:?}")
    })?;
    Ok(after)
}

/// Vendor Portal Updates takes mail only from its allowed senders.
async fn allowed_senders_list(setup: &SignInSetup, browser: &Browser) -> Result<()> {
    let to = "vendor-updates@contoso.onmicrosoft.com";
    let before = oracle(setup, STRANGER, to).await?;
    check(before.rejected("5.7.124"), || {
        format!("before the fix: {before:?}")
    })?;
    open_group(
        browser,
        &EN,
        "Vendor",
        "Vendor Portal Updates",
        "Bounces externals: 5.7.124",
        true,
    )
    .await?;
    let page = check_address(
        browser,
        &EN,
        STRANGER,
        &format!("{STRANGER} gets a bounce from Vendor Portal Updates, with code 5.7.124"),
    )
    .await?;
    check(
        page.contains(&format!(
            "The group takes mail only from its allowed senders (AcceptMessagesOnlyFrom…), and {STRANGER} isn't one of them"
        )),
        || format!("the explanation: {page}"),
    )?;
    fix(
        setup,
        browser,
        &EN,
        &format!("Create a mail contact for {STRANGER} and put it on the allowed senders"),
        "on the allowed senders of Vendor Portal Updates (AcceptMessagesOnlyFrom).",
        (STRANGER, to),
        "delivery-plan",
    )
    .await?;
    delivered(setup, STRANGER, to).await?;
    // The check agrees.
    browser.click("button", "Check").await?;
    browser
        .wait_text(&format!(
            "{STRANGER} can mail Vendor Portal Updates: the message is delivered."
        ))
        .await?;
    browser.screenshot("delivery-delivered").await?;
    Ok(())
}

/// Adding a person to Vendor Portal Updates: the dialog's plan warns that its allowed-senders list
/// would still bounce them and offers to list them in the same plan; taken, the oracle delivers
/// their mail.
async fn add_dialog_offers_the_allowed_senders_list(
    setup: &SignInSetup,
    browser: &Browser,
) -> Result<()> {
    let (address, to) = (
        "nina.new@partner.example",
        "vendor-updates@contoso.onmicrosoft.com",
    );
    open_group(
        browser,
        &EN,
        "Vendor",
        "Vendor Portal Updates",
        "Bounces externals: 5.7.124",
        true,
    )
    .await?;
    browser.click("button", "Add an external person").await?;
    browser
        .find("dialog", "Add an external person to Vendor Portal Updates")
        .await?;
    browser
        .find("textbox", "E-mail address")
        .await?
        .send_keys(address)
        .await?;
    browser
        .find("textbox", "Display name")
        .await?
        .send_keys("Nina New")
        .await?;
    browser.click("button", "Review the plan").await?;
    let plan = browser
        .find("region", "What will happen")
        .await?
        .text()
        .await?;
    check(
        plan.contains("Vendor Portal Updates takes mail only from its allowed senders"),
        || format!("the plan should warn of the list: {plan}"),
    )?;
    browser
        .click(
            "checkbox",
            "Also put them on the allowed senders of Vendor Portal Updates",
        )
        .await?;
    browser.screenshot("delivery-add-dialog-list").await?;
    browser.click("button", "Make these changes").await?;
    browser
        .wait_text(&format!(
            "Done: {address} is a member of Vendor Portal Updates."
        ))
        .await?;
    let d = delivered(setup, address, to).await?;
    check(d.recipients.iter().any(|r| r == address), || {
        format!("the new member should receive the group's mail: {d:?}")
    })?;
    browser.click("button", "Close").await
}

/// Customer Feedback rejects Paul West's contact; its delivery reports go nowhere.
async fn blocked_sender(setup: &SignInSetup, browser: &Browser) -> Result<()> {
    let (from, to) = ("paul.west@gmail.com", "feedback@contoso.onmicrosoft.com");
    check(oracle(setup, from, to).await?.rejected("5.7.1"), || {
        "Paul West should bounce with 5.7.1 first".into()
    })?;
    open_group(
        browser,
        &EN,
        "Feedback",
        "Customer Feedback",
        "Externals can mail it",
        true,
    )
    .await?;
    let page = check_address(
        browser,
        &EN,
        from,
        &format!("{from} gets a bounce from Customer Feedback, with code 5.7.1"),
    )
    .await?;
    check(
        page.contains("Paul West is on the group's blocked senders (RejectMessagesFrom).")
            && page.contains("The group sends delivery reports nowhere"),
        || format!("the explanation: {page}"),
    )?;
    fix(
        setup,
        browser,
        &EN,
        "Take Paul West off the blocked senders",
        "Take Paul West off the blocked senders of Customer Feedback (RejectMessagesFrom).",
        (from, to),
        "delivery-blocked-plan",
    )
    .await?;
    delivered(setup, from, to).await?;
    Ok(())
}

/// Alliance Network holds Partner Announcements: its members receive the group's mail.
async fn nested_group(setup: &SignInSetup, browser: &Browser) -> Result<()> {
    let (member, to) = ("aaron.con@fabrikam.com", "alliance@contoso.onmicrosoft.com");
    open_group(
        browser,
        &EN,
        "Alliance",
        "Alliance Network",
        "Externals can mail it",
        true,
    )
    .await?;
    check_address(
        browser,
        &EN,
        member,
        &format!(
            "{member} receives the mail of Alliance Network as a member of a group nested in it."
        ),
    )
    .await?;
    browser
        .wait_text(&format!(
            "{member} can mail Alliance Network: the message is delivered."
        ))
        .await?;
    // Nothing to fix: the oracle agrees on both sides.
    let d = delivered(setup, member, to).await?;
    check(d.recipients.iter().any(|r| r == member), || {
        format!("the nested member should receive the mail: {d:?}")
    })
}

/// Customer Advisory Board (Microsoft 365) takes mail only from Luis Bonifaz and Miriam Graham.
async fn microsoft_365_allowed_senders(setup: &SignInSetup, browser: &Browser) -> Result<()> {
    let (guest, to) = ("kim.akers@fabrikam.com", "cab@contoso.onmicrosoft.com");
    check(oracle(setup, guest, to).await?.rejected("5.7.124"), || {
        "Kim Akers should bounce with 5.7.124 first".into()
    })?;
    open_group(
        browser,
        &EN,
        "Advisory",
        "Customer Advisory Board",
        "Bounces externals: 5.7.124",
        true,
    )
    .await?;
    check_address(
        browser,
        &EN,
        guest,
        &format!("{guest} gets a bounce from Customer Advisory Board, with code 5.7.124"),
    )
    .await?;
    fix(
        setup,
        browser,
        &EN,
        &format!("Put {guest} on the allowed senders"),
        "on the allowed senders of Customer Advisory Board",
        (guest, to),
        "delivery-m365-plan",
    )
    .await?;
    delivered(setup, guest, to).await?;
    Ok(())
}

/// Sales Team accepts mail only from inside: the page's external-senders card opens it, and the
/// badge follows.
async fn sender_authentication(setup: &SignInSetup, browser: &Browser) -> Result<()> {
    let to = "sales@contoso.onmicrosoft.com";
    check(
        oracle(setup, STRANGER, to).await?.rejected("5.7.133"),
        || "a stranger should bounce from Sales Team with 5.7.133 first".into(),
    )?;
    open_group(
        browser,
        &EN,
        "Sales",
        "Sales Team",
        "Bounces externals: 5.7.133",
        true,
    )
    .await?;
    let page = browser
        .wait_text("The group accepts mail only from inside the organisation (RequireSenderAuthenticationEnabled).")
        .await?;
    check(page.contains("Fix: \"Open to external senders\""), || {
        format!("the check should point at the card's fix: {page}")
    })?;
    browser.click("button", "Open to external senders").await?;
    browser
        .wait_text("Done: the group now accepts mail from outside the organisation.")
        .await?;
    browser.wait_text("Externals can mail it").await?;
    delivered(setup, STRANGER, to).await?;
    Ok(())
}

/// Groups Guestlist can't change: synced from on-premises (Legacy Staff List) and dynamic (All
/// Sales Department Users). The check explains the bounce and offers no fix; neither does the
/// external-senders card.
async fn no_fix_where_exchange_online_cannot_change(
    setup: &SignInSetup,
    browser: &Browser,
) -> Result<()> {
    for (query, name, to, why) in [
        (
            "Legacy",
            "Legacy Staff List",
            "legacy-staff@contoso.onmicrosoft.com",
            "This group is synchronised from on-premises Active Directory: its settings are changed there",
        ),
        (
            "All Sales",
            "All Sales Department Users",
            "allsales@contoso.onmicrosoft.com",
            "This is a dynamic distribution group: Guestlist explains its settings but doesn't change them.",
        ),
    ] {
        open_group(browser, &EN, query, name, "Bounces externals: 5.7.133", true).await?;
        let page = browser.wait_text(why).await?;
        check(
            page.contains("The group accepts mail only from inside the organisation (RequireSenderAuthenticationEnabled).")
                && !page.contains("Open to external senders"),
            || format!("{name}: explained, with no fix: {page}"),
        )?;
        let still = oracle(setup, STRANGER, to).await?;
        check(still.rejected("5.7.133"), || format!("{name}: {still:?}"))?;
    }
    browser.screenshot("delivery-synced-no-fix").await?;
    Ok(())
}

/// Press Releases is moderated, in Dutch: a stranger's mail waits; a contact for them skips it.
async fn moderated_in_dutch(setup: &SignInSetup, browser: &Browser) -> Result<()> {
    // Not the stranger of the first case: that one has a contact by now.
    let (from, to) = (
        "press.contact@unknown.example",
        "press@contoso.onmicrosoft.com",
    );
    let before = oracle(setup, from, to).await?;
    check(before.outcome == "held", || {
        format!("before the fix: {before:?}")
    })?;
    switch_to_dutch(browser).await?;
    open_group(browser, &NL, "Press", "Press Releases", "Gemodereerd", true).await?;
    check_address(
        browser,
        &NL,
        from,
        &format!("{from} kan Press Releases mailen, maar het bericht wacht tot een moderator het goedkeurt"),
    )
    .await?;
    fix(
        setup,
        browser,
        &NL,
        &format!("Een e-mailcontact voor {from} maken en de moderatie laten overslaan"),
        "naar Press Releases laten mailen zonder op een moderator te wachten (BypassModerationFromSendersOrMembers).",
        (from, to),
        "delivery-moderated-plan-nl",
    )
    .await?;
    delivered(setup, from, to).await?;
    browser.click("button", "Controleren").await?;
    browser
        .wait_text(&format!(
            "{from} kan Press Releases mailen: het bericht wordt bezorgd."
        ))
        .await?;
    Ok(())
}

/// One signed-in session and one sim for every case (each case changes only its own group).
#[tokio::test]
async fn each_seeded_case_is_explained_fixed_and_then_delivered() -> Result<()> {
    let (setup, browser) =
        SignInSetup::signed_in("delivery", Knobs::default(), ADMIN_UPN, "Direct mode").await?;
    allowed_senders_list(&setup, &browser).await?;
    add_dialog_offers_the_allowed_senders_list(&setup, &browser).await?;
    blocked_sender(&setup, &browser).await?;
    nested_group(&setup, &browser).await?;
    microsoft_365_allowed_senders(&setup, &browser).await?;
    sender_authentication(&setup, &browser).await?;
    no_fix_where_exchange_online_cannot_change(&setup, &browser).await?;
    moderated_in_dutch(&setup, &browser).await?;
    browser.close().await
}

/// Script mode: Exchange's restrictions can't be read from the browser, so the admin reports the
/// bounce; the fix's plan becomes the script; once its cmdlets ran, Verify says done (the list
/// itself only Exchange shows) and the oracle delivers.
#[tokio::test]
async fn script_mode_fix_for_a_reported_bounce_then_verify() -> Result<()> {
    let (setup, browser) = SignInSetup::signed_in(
        "delivery-script",
        exchange_refuses_cors(),
        ADMIN_UPN,
        "Script mode",
    )
    .await?;
    // Microsoft 365 groups' rows carry Graph's switch (Exchange's lists can't be read here).
    search(&browser, &EN, "Marketing").await?;
    wait_row(&browser, "Marketing", "Bounces externals: 5.7.133").await?;
    search(&browser, &EN, "Falcon").await?;
    wait_row(&browser, "Project Falcon", "accepts external mail").await?;

    let to = "vendor-updates@contoso.onmicrosoft.com";
    search(&browser, &EN, "Vendor").await?;
    open_found(&browser, "Vendor Portal Updates").await?;
    browser.wait_text("so they can't be checked here.").await?;
    browser
        .find("textbox", EN.address)
        .await?
        .send_keys(STRANGER)
        .await?;
    browser.click("button", "Show the fix").await?;
    let plan = browser.wait_text(EN.plan).await?;
    check(
        plan.contains(&format!(
            "Put {STRANGER} on the allowed senders of Vendor Portal Updates (AcceptMessagesOnlyFrom)."
        )),
        || format!("plan: {plan}"),
    )?;
    browser
        .click("button", "Run the Graph steps and create the script")
        .await?;
    let script = browser.wait_text("Connect-ExchangeOnline").await?;
    check(
        script.contains("New-MailContact")
            && script.contains(&format!("'{STRANGER}'"))
            && script.contains("Set-DistributionGroup")
            && script.contains("-AcceptMessagesOnlyFrom @{Add="),
        || format!("script: {script}"),
    )?;
    browser.click("button", "Verify").await?;
    browser.wait_text("Some steps are still missing").await?;
    check(
        oracle(&setup, STRANGER, to).await?.rejected("5.7.124"),
        || "nothing should have changed before the script ran".into(),
    )?;

    // What the script does.
    run_cmdlet(
        &setup,
        "New-MailContact",
        json!({"Name": STRANGER, "ExternalEmailAddress": STRANGER}),
    )
    .await?;
    run_cmdlet(
        &setup,
        "Set-DistributionGroup",
        json!({
            "Identity": to,
            "AcceptMessagesOnlyFrom": {"@odata.type": "#Exchange.GenericHashTable", "Add": [STRANGER]},
            "BypassSecurityGroupManagerCheck": true,
        }),
    )
    .await?;
    browser.click("button", "Verify").await?;
    browser.wait_text("Every step is done.").await?;
    browser.screenshot("delivery-script-verify").await?;
    delivered(&setup, STRANGER, to).await?;
    browser.close().await
}

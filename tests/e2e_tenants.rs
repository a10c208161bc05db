//! End-to-end: a Microsoft partner's admin (GDAP) works in several customer tenants from one
//! browser. The app is deployed with `tenantId` `organizations`; the partner's admin signs in at
//! home, picks a customer in the header's tenant switcher, and every change lands in that
//! customer's tenant only. A customer where the app was never consented shows the consent path.
//! Across customers at once: a CSV with a tenant column imports each row into its own tenant,
//! and the cross-tenant register lists chosen customers' people, filters them with a tenant
//! filter besides the register's own, and exports them with a tenant column; offboarding people
//! of two customers in one go takes each tenant's people out there and nowhere else.
//!
//! Run with an existing build: `GUESTLIST_DIST=dist cargo test -p guestlist --test e2e_tenants`.
//! Screenshots: test-output/e2e/tenants-*.png.
#![cfg(not(target_arch = "wasm32"))]

#[allow(dead_code)] // Helpers shared with tests/e2e_signin.rs.
#[path = "support/signin.rs"]
mod signin;
mod support;

use fantoccini::Locator;
use guestlist_sim::contract::{Organization, Role, CUSTOMERS, HOME};
use guestlist_sim::Knobs;
use serde_json::Value;
use signin::{exchange_steps, ignore_certificate_errors, run_cmdlet_in, sign_in, SignInSetup};
use support::browser::Browser;
use support::wait::{until, Poll};
use support::{check, dist_dir, output_dir, Result, DEADLINE};

const PARTNER_ADMIN: &str = "admin@litwarepartners.onmicrosoft.com";

/// The app deployed for partners (`tenantId` `organizations`), a browser at its start page,
/// the partner's admin signed in (direct mode in their own tenant).
async fn partner_signed_in(label: &str) -> Result<(SignInSetup, Browser)> {
    let setup = SignInSetup::start_with_config(&dist_dir()?, Knobs::default(), |c| {
        c["tenantId"] = "organizations".into();
    })
    .await?;
    let browser = Browser::start(label).await?;
    ignore_certificate_errors(&browser).await?;
    browser.goto(&setup.app("/")).await?;
    sign_in(&browser, &setup, PARTNER_ADMIN, "Direct mode").await?;
    Ok((setup, browser))
}

/// The switcher's option for `org`, as the header shows it: the customer's name, its default
/// domain (from `findTenantInformationByTenantId`) and its tenant id.
fn option(org: &Organization) -> String {
    format!("{} · {} · {}", org.name, org.domain, org.id)
}

/// Picks `org` in the header's tenant switcher.
async fn switch_to(browser: &Browser, org: &Organization) -> Result<()> {
    browser
        .find("combobox", "Tenant")
        .await?
        .select_by_label(&option(org))
        .await?;
    Ok(())
}

/// A snapshot of tenant `id` as the sim holds it now.
fn tenant_state(setup: &SignInSetup, id: &str) -> Value {
    setup.sim.state.tenant_of(id).snapshot()
}

/// The addresses of the mail contacts in a snapshot.
fn contact_addresses(state: &Value) -> Vec<String> {
    state["contacts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["externalEmailAddress"].as_str().map(str::to_lowercase))
        .collect()
}

/// Opens group `name` from the finder and adds `address` to it through the add-person dialog,
/// until the dialog says it is done.
async fn add_person(browser: &Browser, group: &str, address: &str, display: &str) -> Result<()> {
    let searchbox = browser.find("searchbox", "Search groups by name").await?;
    searchbox.clear().await?;
    searchbox.send_keys(group).await?;
    browser.wait_text(&format!("found for “{group}”.")).await?;
    browser.click("link", group).await?;
    browser.find("heading", group).await?;
    browser.click("button", "Add an external person").await?;
    browser
        .find("dialog", &format!("Add an external person to {group}"))
        .await?;
    browser
        .find("textbox", "E-mail address")
        .await?
        .send_keys(address)
        .await?;
    browser
        .find("textbox", "Display name")
        .await?
        .send_keys(display)
        .await?;
    browser.click("button", "Review the plan").await?;
    browser.find("region", "What will happen").await?;
    browser.click("button", "Make these changes").await?;
    browser
        .wait_text(&format!("Done: {address} is a member of {group}."))
        .await?;
    browser.click("button", "Close").await?;
    browser.click("link", "← All groups").await?;
    Ok(())
}

#[tokio::test]
async fn a_partner_switches_customers_and_each_tenant_holds_its_own_change() -> Result<()> {
    let (setup, browser) = partner_signed_in("tenants-switch").await?;
    let [northwind, tailspin, _] = CUSTOMERS;
    let contoso_before = contact_addresses(&setup.state());

    // The switcher: the partner's own tenant first, then the customers.
    let switcher = browser.find("combobox", "Tenant").await?.text().await?;
    let mine = switcher.find("(your tenant)");
    let first_customer = switcher.find(&option(&CUSTOMERS[2]));
    check(
        mine.is_some() && first_customer.is_some() && mine < first_customer,
        || format!("switcher: {switcher:?}"),
    )?;
    browser.screenshot("tenants-switcher").await?;
    support::axe::check_page(&browser, "the header with the tenant switcher").await?;

    switch_to(&browser, &northwind).await?;
    browser.find("button", "Direct mode").await?;
    add_person(
        &browser,
        "Northwind Suppliers",
        "ines@fabrikam.example",
        "Ines Ruiz",
    )
    .await?;

    switch_to(&browser, &tailspin).await?;
    browser.find("button", "Direct mode").await?;
    add_person(
        &browser,
        "Tailspin Suppliers",
        "olu@fabrikam.example",
        "Olu Ade",
    )
    .await?;
    browser.screenshot("tenants-tailspin-done").await?;

    let in_northwind = contact_addresses(&tenant_state(&setup, northwind.id));
    let in_tailspin = contact_addresses(&tenant_state(&setup, tailspin.id));
    check(
        in_northwind.contains(&"ines@fabrikam.example".to_string())
            && !in_northwind.contains(&"olu@fabrikam.example".to_string()),
        || format!("Northwind's contacts: {in_northwind:?}"),
    )?;
    check(
        in_tailspin.contains(&"olu@fabrikam.example".to_string())
            && !in_tailspin.contains(&"ines@fabrikam.example".to_string()),
        || format!("Tailspin's contacts: {in_tailspin:?}"),
    )?;
    check(contact_addresses(&setup.state()) == contoso_before, || {
        "Contoso changed".into()
    })?;
    check(
        !contact_addresses(&tenant_state(&setup, HOME.id)).contains(&"olu@fabrikam.example".into()),
        || "the home tenant got a customer's contact".into(),
    )?;

    // Activity is kept per tenant: Tailspin's lists its change and not Northwind's.
    browser.click("link", "Activity").await?;
    let text = browser.wait_text("olu@fabrikam.example").await?;
    check(!text.contains("ines@fabrikam.example"), || {
        format!("Tailspin's activity: {text:?}")
    })?;
    switch_to(&browser, &northwind).await?;
    let text = browser.wait_text("ines@fabrikam.example").await?;
    check(!text.contains("olu@fabrikam.example"), || {
        format!("Northwind's activity: {text:?}")
    })?;
    browser.close().await
}

#[tokio::test]
async fn a_customer_without_consent_shows_the_consent_path() -> Result<()> {
    let (setup, browser) = partner_signed_in("tenants-consent").await?;
    let adatum = CUSTOMERS[2];
    switch_to(&browser, &adatum).await?;
    let text = browser
        .wait_text(&format!("Guestlist isn't consented in {} yet", adatum.name))
        .await?;
    check(text.contains("AADSTS65001"), || format!("panel: {text:?}"))?;
    let link = browser
        .find("link", &format!("Grant admin consent for {}", adatum.name))
        .await?;
    let href = link.attr("href").await?.unwrap_or_default();
    check(
        href.contains(&format!("/{}/v2.0/adminconsent?client_id=", adatum.id)),
        || format!("consent link: {href}"),
    )?;
    browser.screenshot("tenants-consent").await?;
    support::axe::check_page(&browser, "the consent path").await?;

    // An admin follows it (here in the same tab): Entra consents for Adatum and sends the
    // browser back to the app, which is still in Adatum and now works there.
    browser.goto(&href).await?;
    browser.find("button", "Direct mode").await?;
    check(setup.sim.state.tenancy.consented(adatum.id), || {
        "Adatum not consented".into()
    })?;
    let selected = browser
        .eval("return document.getElementById('tenant-switcher').selectedOptions[0].textContent")
        .await?;
    check(selected == Value::String(option(&adatum)), || {
        format!("selected tenant after consent: {selected}")
    })?;
    browser.close().await
}

/// The run's progress bar (settled operations, all operations), once shown.
async fn progress(browser: &Browser) -> Result<Option<(u64, u64)>> {
    let v = browser
        .eval(
            "const b = document.querySelector('progress.import-bar'); \
             return b ? [Number(b.value), Number(b.max)] : null",
        )
        .await?;
    Ok(v.as_array().map(|a| {
        (
            a[0].as_u64().unwrap_or_default(),
            a[1].as_u64().unwrap_or_default(),
        )
    }))
}

#[tokio::test]
async fn a_run_reloaded_in_one_customer_resumes_only_there() -> Result<()> {
    let (setup, browser) = partner_signed_in("tenants-reload").await?;
    let [northwind, tailspin, _] = CUSTOMERS;
    switch_to(&browser, &tailspin).await?;
    browser.find("button", "Direct mode").await?;
    let group = "Tailspin Suppliers";

    // A bulk import into Tailspin's distribution group.
    let rows = 40;
    let mut text = String::from("Voornaam;Achternaam;E-mailadres\r\n");
    let addresses: Vec<String> = (1..=rows)
        .map(|i| format!("reload.{i:03}@partner.example"))
        .collect();
    for (i, a) in addresses.iter().enumerate() {
        text.push_str(&format!("Row;{i};{a}\r\n"));
    }
    let path = output_dir("e2e")?.join("tenants-reload.csv");
    std::fs::write(&path, &text).map_err(|source| support::Error::Io {
        what: format!("writing {}", path.display()),
        source,
    })?;
    upload(&browser, &path, rows).await?;
    let q = browser.find("searchbox", "Find a group").await?;
    q.send_keys(group).await?;
    browser.click("button", "Search").await?;
    browser
        .click("button", &format!("Add {group} as a target"))
        .await?;
    prepare_plan(&browser).await?;
    browser.find("table", "The plan, row by row").await?;
    // Slow enough that the reload lands mid-run.
    setup.set_knobs(Knobs {
        latency_ms: 200,
        ..Knobs::default()
    })?;
    browser.click("button", "Start the run").await?;
    until("a part of the run", DEADLINE, || async {
        Ok(match progress(&browser).await? {
            Some((done, total)) if done >= 2 && done < total => Poll::Ready(()),
            other => Poll::NotYet(format!("{other:?}")),
        })
    })
    .await?;
    browser.client.refresh().await?;
    setup.set_knobs(Knobs::default())?;

    // After the reload: still in Tailspin. The admin switches to Northwind first: the run
    // is not resumed there.
    browser
        .wait_text("This import stopped before it finished")
        .await?;
    switch_to(&browser, &northwind).await?;
    browser.find("button", "Direct mode").await?;
    browser.click("button", "Resume the import").await?;
    let text = browser
        .wait_text(&format!("This run was planned for tenant {}", tailspin.id))
        .await?;
    check(text.contains("nothing changed"), || {
        format!("page: {text:?}")
    })?;
    browser.screenshot("tenants-other-tenant").await?;
    let nothing_in_northwind = || {
        let contacts = contact_addresses(&tenant_state(&setup, northwind.id));
        !addresses.iter().any(|a| contacts.contains(a))
    };
    check(nothing_in_northwind(), || {
        "the run acted in Northwind".into()
    })?;

    // Switching back from the message, then resuming, finishes the run in Tailspin.
    browser
        .click("button", "Switch to the run's tenant")
        .await?;
    browser.find("button", "Direct mode").await?;
    browser.click("button", "Resume the import").await?;
    until("the run to finish", DEADLINE * 4, || async {
        let contacts = contact_addresses(&tenant_state(&setup, tailspin.id));
        let missing = addresses.iter().filter(|a| !contacts.contains(a)).count();
        Ok(if missing == 0 {
            Poll::Ready(())
        } else {
            Poll::NotYet(format!("{missing} contacts missing in Tailspin"))
        })
    })
    .await?;
    browser.wait_text("Finished").await?;
    check(nothing_in_northwind(), || {
        "the run acted in Northwind".into()
    })?;
    browser.close().await
}

/// Opens the Import page and uploads the CSV at `path`, until it says all `rows` can be
/// imported.
async fn upload(browser: &Browser, path: &std::path::Path, rows: usize) -> Result<()> {
    browser.click("link", "Import").await?;
    browser.find("heading", "Import").await?;
    let input = browser.client.find(Locator::Css("#imp-file")).await?;
    input.send_keys(&path.to_string_lossy()).await?;
    browser
        .wait_text(&format!("{rows} rows can be imported"))
        .await?;
    Ok(())
}

/// "Prepare the plan", once the page enables it (the mode probe has answered).
async fn prepare_plan(browser: &Browser) -> Result<()> {
    until("Prepare the plan to be enabled", DEADLINE, || async {
        let prepare = browser.find("button", "Prepare the plan").await?;
        Ok(match prepare.is_enabled().await {
            Ok(true) => Poll::Ready(()),
            Ok(false) => Poll::NotYet("disabled".into()),
            Err(e) if e.is_stale_element_reference() => Poll::NotYet(e.to_string()),
            Err(e) => return Err(e.into()),
        })
    })
    .await?;
    browser.click("button", "Prepare the plan").await
}

/// The text of the table captioned `caption`, empty while there is none (read afresh each time:
/// the page re-renders it as the tenants' work comes in).
async fn table_text(browser: &Browser, caption: &str) -> Result<String> {
    let script = format!(
        "const t = [...document.querySelectorAll('table')].find(t => t.caption && t.caption.textContent === {caption:?}); \
         return t ? t.innerText : ''"
    );
    Ok(browser
        .eval(&script)
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// Writes `text` as a CSV file for the browser to upload, and returns its path.
fn csv_file(name: &str, text: &str) -> Result<std::path::PathBuf> {
    let path = output_dir("e2e")?.join(name);
    std::fs::write(&path, text).map_err(|source| support::Error::Io {
        what: format!("writing {}", path.display()),
        source,
    })?;
    Ok(path)
}

/// In the import's groups step: searches `group` in `org` and adds it as a target.
async fn choose_group_in(browser: &Browser, org: &Organization, group: &str) -> Result<()> {
    browser
        .find("combobox", "Search in tenant")
        .await?
        .select_by_label(&option(org))
        .await?;
    let q = browser.find("searchbox", "Find a group").await?;
    q.clear().await?;
    q.send_keys(group).await?;
    browser.click("button", "Search").await?;
    browser
        .click("button", &format!("Add {group} as a target"))
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_csv_with_a_tenant_column_imports_each_row_into_its_own_tenant() -> Result<()> {
    let (setup, browser) = partner_signed_in("tenants-import").await?;
    let [northwind, tailspin, adatum] = CUSTOMERS;
    let contoso_before = contact_addresses(&setup.state());
    // Rows for Northwind (by name, in any case) and Tailspin (by tenant id); one for Adatum,
    // where Guestlist isn't consented; one for a tenant the partner doesn't have.
    let text = format!(
        "E-mailadres;Voornaam;Achternaam;Klant\r\n\
         nw.one@fabrikam.example;Nia;One;{nw}\r\n\
         ts.one@fabrikam.example;Tom;One;{ts}\r\n\
         nw.two@fabrikam.example;Noor;Two;{nw_lower}\r\n\
         ts.two@fabrikam.example;Tess;Two;{ts}\r\n\
         ad.one@fabrikam.example;Ada;One;{ad}\r\n\
         xx.one@fabrikam.example;Xavi;One;Fabrikam\r\n",
        nw = northwind.name,
        nw_lower = northwind.name.to_lowercase(),
        ts = tailspin.id,
        ad = adatum.name,
    );
    let path = csv_file("tenants-import.csv", &text)?;
    upload(&browser, &path, 6).await?;
    browser
        .wait_text("“Fabrikam” is none of your tenants")
        .await?;

    choose_group_in(&browser, &northwind, "Northwind Suppliers").await?;
    choose_group_in(&browser, &tailspin, "Tailspin Suppliers").await?;
    prepare_plan(&browser).await?;

    // One plan per tenant, previewed together; Adatum with its consent path.
    for org in [&northwind, &tailspin] {
        let part = browser.find("region", &option(org)).await?;
        let text = part.text().await?;
        check(text.contains("The plan, row by row"), || {
            format!("{}'s plan: {text:?}", org.name)
        })?;
    }
    browser
        .wait_text(&format!(
            "Guestlist isn't consented in {} yet, so its rows are not imported",
            adatum.name
        ))
        .await?;
    browser
        .find("link", &format!("Grant admin consent for {}", adatum.name))
        .await?;
    browser.screenshot("tenants-import-plan").await?;
    support::axe::check_page(&browser, "a plan per tenant").await?;

    browser.click("button", "Start the run").await?;
    let rows: Vec<String> = ["nw.one", "ts.one", "nw.two", "ts.two", "ad.one", "xx.one"]
        .iter()
        .map(|p| format!("{p}@fabrikam.example"))
        .collect();
    // Whether every row `org` holds starts with `prefix`, and how many it holds.
    let own = |org: &Organization, prefix: &str| {
        let contacts = contact_addresses(&tenant_state(&setup, org.id));
        let theirs: Vec<&String> = rows.iter().filter(|a| contacts.contains(a)).collect();
        (theirs.iter().all(|a| a.starts_with(prefix)), theirs.len())
    };
    until("each tenant to hold its own rows", DEADLINE * 4, || async {
        Ok(match (own(&northwind, "nw."), own(&tailspin, "ts.")) {
            ((true, 2), (true, 2)) => Poll::Ready(()),
            other => Poll::NotYet(format!("{other:?}")),
        })
    })
    .await?;
    until("both tenants' runs finished, in one report", DEADLINE * 2, || async {
        let report = table_text(&browser, "Every row and what happened").await?;
        let states = browser
            .eval("const l = document.querySelector('.import-tenant-runs'); return l ? l.innerText : ''")
            .await?;
        let finished = states.as_str().unwrap_or_default().matches("Finished").count();
        Ok(
            if finished == 2 && report.contains(northwind.name) && report.contains(tailspin.name) {
                Poll::Ready(())
            } else {
                Poll::NotYet(format!("{states}; report: {report}"))
            },
        )
    })
    .await?;
    browser.screenshot("tenants-import-report").await?;
    // Nothing anywhere else: not in Adatum, the partner's own tenant or Contoso.
    for org in [&adatum, &guestlist_sim::contract::PARTNER] {
        let (_, n) = own(org, "");
        check(n == 0, || format!("{} got {n} of the rows", org.name))?;
    }
    check(contact_addresses(&setup.state()) == contoso_before, || {
        "Contoso changed".into()
    })?;
    browser.close().await
}

#[tokio::test]
async fn the_cross_tenant_register_lists_customers_people_and_exports_a_tenant_column() -> Result<()>
{
    let (_setup, browser) = partner_signed_in("tenants-register").await?;
    let [northwind, tailspin, adatum] = CUSTOMERS;
    // The seeds of both customers hold the same people; each is in the customer's own groups
    // (`Northwind Suppliers`), so a row names its tenant and that tenant's group.
    let in_tenant = |text: &str, org: &Organization| {
        let short = org.name.split(' ').next().unwrap_or(org.name);
        text.lines().any(|l| {
            // The first cell is the row's checkbox.
            l.trim_start().starts_with(&format!("{}\t", org.name))
                && l.contains(&format!("{short} Suppliers"))
        })
    };

    browser.click("link", "External people").await?;
    browser.find("region", "All customers").await?;
    // Only Northwind and Tailspin: the partner's own tenant and Adatum unticked.
    let home = guestlist_sim::contract::PARTNER;
    for label in [
        format!("{} (your tenant) · {}", home.domain, home.id),
        option(&adatum),
    ] {
        browser.click("checkbox", &label).await?;
    }
    browser.click("button", "Read the chosen tenants").await?;
    let caption = "External people in the chosen tenants";
    until("both customers' people", DEADLINE * 2, || async {
        let text = table_text(&browser, caption).await?;
        Ok(
            if in_tenant(&text, &northwind) && in_tenant(&text, &tailspin) {
                Poll::Ready(())
            } else {
                Poll::NotYet(text)
            },
        )
    })
    .await?;
    let text = table_text(&browser, caption).await?;
    check(!text.contains(adatum.name), || {
        format!("the list: {text:?}")
    })?;
    browser.screenshot("tenants-register").await?;
    support::axe::check_page(&browser, "the cross-tenant register").await?;

    catch_downloads(&browser).await?;
    browser.click("button", "Export all as CSV").await?;
    let csv = last_download(&browser).await?;
    let mut lines = csv.lines();
    check(
        lines
            .next()
            .is_some_and(|h| h.starts_with("Tenant,Name,Address,")),
        || format!("CSV: {csv:?}"),
    )?;
    let rows: Vec<&str> = lines.collect();
    // The CSV's cells are comma-separated: a row of each tenant, in that tenant's group.
    let csv_in = |org: &Organization| {
        let short = org.name.split(' ').next().unwrap_or(org.name);
        rows.iter().any(|l| {
            l.starts_with(&format!("{},", org.name)) && l.contains(&format!("{short} Suppliers"))
        })
    };
    check(csv_in(&northwind) && csv_in(&tailspin), || {
        format!("CSV rows: {rows:?}")
    })?;

    // The page register's filters over every tenant read (the same controls as the page's own
    // register, so found by their ids): a domain, then one tenant, then a search as you type.
    // Each customer's seed holds three people at fabrikam.com of its five.
    register_control(&browser, "domain")
        .await?
        .select_by_value("fabrikam.com")
        .await?;
    browser.wait_text("6 of 10 external people shown.").await?;
    register_control(&browser, "tenant")
        .await?
        .select_by_label(&format!("{} (5)", tailspin.name))
        .await?;
    browser.wait_text("3 of 10 external people shown.").await?;
    let text = table_text(&browser, caption).await?;
    let rows: Vec<&str> = text.lines().skip(2).collect();
    check(
        rows.len() == 3
            && rows
                .iter()
                .all(|l| l.trim_start().starts_with(tailspin.name)),
        || format!("Tailspin at fabrikam.com: {text:?}"),
    )?;
    register_control(&browser, "search")
        .await?
        .send_keys("aaron")
        .await?;
    browser.wait_text("1 of 10 external people shown.").await?;
    // The export takes the rows shown, and says so.
    browser.click("button", "Export the 1 shown as CSV").await?;
    let csv = last_download(&browser).await?;
    let lines: Vec<&str> = csv.lines().collect();
    check(
        lines.len() == 2
            && lines[1].starts_with(&format!(
                "{},Aaron Con (Fabrikam),aaron.con@fabrikam.com,",
                tailspin.name
            )),
        || format!("the filtered CSV: {csv:?}"),
    )?;
    browser.close().await
}

/// A control of the cross-tenant register's filters: the same controls as the page's own
/// register (the same names), so found by their ids.
async fn register_control(browser: &Browser, name: &str) -> Result<fantoccini::elements::Element> {
    let css = format!("#tenants-register-{name}");
    Ok(browser.client.find(Locator::Css(&css)).await?)
}

/// Keeps every file the page hands to the browser, for [`last_download`].
async fn catch_downloads(browser: &Browser) -> Result<()> {
    browser
        .eval(
            "window.__blobs = []; const make = URL.createObjectURL; \
             URL.createObjectURL = b => { window.__blobs.push(b); return make.call(URL, b); }; \
             return true",
        )
        .await?;
    Ok(())
}

/// The text of the last file the page handed to the browser, without a byte order mark.
async fn last_download(browser: &Browser) -> Result<String> {
    let csv = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__blobs[window.__blobs.length - 1].text().then(done)",
            vec![],
        )
        .await?;
    Ok(csv
        .as_str()
        .unwrap_or_default()
        .trim_start_matches('\u{feff}')
        .to_owned())
}

#[tokio::test]
async fn a_cross_tenant_import_reloaded_mid_run_resumes_each_tenant_in_its_own() -> Result<()> {
    let (setup, browser) = partner_signed_in("tenants-import-reload").await?;
    let [northwind, tailspin, _] = CUSTOMERS;
    let rows = 20;
    let (path, lists) = tenants_csv("tenants-import-reload", &[&northwind, &tailspin], rows)?;
    let (nw_rows, ts_rows) = (&lists[0], &lists[1]);
    plan_in_suppliers(&browser, &path, 2 * rows).await?;
    // Slow enough that the reload lands in Northwind's part.
    setup.set_knobs(Knobs {
        latency_ms: 200,
        ..Knobs::default()
    })?;
    browser.click("button", "Start the run").await?;
    until("a part of Northwind's run", DEADLINE, || async {
        Ok(match held(&setup, &northwind, nw_rows) {
            n if n >= 2 && n < rows => Poll::Ready(()),
            n => Poll::NotYet(format!("{n} in Northwind")),
        })
    })
    .await?;
    browser.client.refresh().await?;
    setup.set_knobs(Knobs::default())?;

    // After the reload, from Tailspin in the header: each tenant's part resumes in its own.
    browser.find("button", "Direct mode").await?;
    switch_to(&browser, &tailspin).await?;
    browser.find("button", "Direct mode").await?;
    browser.click("button", "Resume the import").await?;
    until(
        "each tenant to hold exactly its rows",
        DEADLINE * 4,
        || async {
            let own = (
                held(&setup, &northwind, nw_rows),
                held(&setup, &tailspin, ts_rows),
            );
            let crossed = (
                held(&setup, &northwind, ts_rows),
                held(&setup, &tailspin, nw_rows),
            );
            if crossed != (0, 0) {
                return Err(support::Error::Check(format!(
                    "rows in the wrong tenant: {crossed:?}"
                )));
            }
            Ok(if own == (rows, rows) {
                Poll::Ready(())
            } else {
                Poll::NotYet(format!("{own:?}"))
            })
        },
    )
    .await?;
    browser.close().await
}

/// The partner's admin loses Exchange Recipient Administrator in `org` (the GDAP relationship's
/// roles, as the partner may set them): Guestlist's probe finds no Exchange role there, so it
/// works in `org` in script mode.
fn without_exchange_role(setup: &SignInSetup, org: &Organization) {
    let tenancy = &setup.sim.state.tenancy;
    let mut roles = tenancy
        .gdap_roles(PARTNER_ADMIN, org.id)
        .unwrap_or_default();
    roles.retain(|r| *r != Role::ExchangeRecipientManagement);
    tenancy.set_gdap_roles(PARTNER_ADMIN, org.id, roles);
}

/// A CSV with a tenant column: `rows` addresses for each of `orgs` (by name), tagged with the
/// tenant's first word; returns its path and each tenant's addresses.
fn tenants_csv(
    name: &str,
    orgs: &[&Organization],
    rows: usize,
) -> Result<(std::path::PathBuf, Vec<Vec<String>>)> {
    let mut text = String::from("E-mailadres;Voornaam;Achternaam;Klant\r\n");
    let mut lists = Vec::new();
    for org in orgs {
        let tag = org
            .name
            .split(' ')
            .next()
            .unwrap_or(org.name)
            .to_lowercase();
        let list: Vec<String> = (1..=rows)
            .map(|i| format!("{name}.{tag}.{i:03}@partner.example"))
            .collect();
        for (i, a) in list.iter().enumerate() {
            text.push_str(&format!("{a};Row;{i};{}\r\n", org.name));
        }
        lists.push(list);
    }
    Ok((csv_file(&format!("{name}.csv"), &text)?, lists))
}

/// How many of `list` tenant `org` holds as mail contacts.
fn held(setup: &SignInSetup, org: &Organization, list: &[String]) -> usize {
    let contacts = contact_addresses(&tenant_state(setup, org.id));
    list.iter().filter(|a| contacts.contains(a)).count()
}

/// Uploads the CSV at `path` (`rows` rows for Northwind and Tailspin), chooses each tenant's
/// Suppliers group and prepares the plan, until both tenants' plans are shown.
async fn plan_in_suppliers(browser: &Browser, path: &std::path::Path, rows: usize) -> Result<()> {
    let [northwind, tailspin, _] = CUSTOMERS;
    upload(browser, path, rows).await?;
    choose_group_in(browser, &northwind, "Northwind Suppliers").await?;
    choose_group_in(browser, &tailspin, "Tailspin Suppliers").await?;
    prepare_plan(browser).await?;
    browser.find("region", &option(&tailspin)).await?;
    Ok(())
}

#[tokio::test]
async fn a_customer_in_script_mode_gets_its_script_and_verify_in_a_cross_tenant_import(
) -> Result<()> {
    let (setup, browser) = partner_signed_in("tenants-import-script").await?;
    let [northwind, tailspin, _] = CUSTOMERS;
    without_exchange_role(&setup, &tailspin);
    let (path, lists) = tenants_csv("tenants-script", &[&northwind, &tailspin], 2)?;
    let (nw_rows, ts_rows) = (&lists[0], &lists[1]);
    plan_in_suppliers(&browser, &path, 4).await?;
    browser.click("button", "Start the run").await?;

    // Tailspin's part hands over its script, in a section of its own.
    let area = format!("imp-script-{}", tailspin.id);
    let script = until("Tailspin's script", DEADLINE * 4, || async {
        let v = browser
            .eval(&format!(
                "const t = document.getElementById({area:?}); return t ? t.value : null"
            ))
            .await?;
        Ok(match v.as_str() {
            Some(s) if !s.is_empty() => Poll::Ready(s.to_owned()),
            _ => Poll::NotYet("no script yet".into()),
        })
    })
    .await?;
    check(
        ts_rows.iter().all(|a| script.contains(a.as_str()))
            && !nw_rows.iter().any(|a| script.contains(a.as_str())),
        || format!("Tailspin's script: {script}"),
    )?;
    let region = format!("PowerShell for the Exchange steps in {}", option(&tailspin));
    browser.find("region", &region).await?;
    // Northwind, in direct mode, has its rows and no script.
    until("Northwind's rows", DEADLINE * 2, || async {
        Ok(match held(&setup, &northwind, nw_rows) {
            2 => Poll::Ready(()),
            n => Poll::NotYet(format!("{n} in Northwind")),
        })
    })
    .await?;
    let nw_script = browser
        .eval(&format!(
            "return document.getElementById('imp-script-{}') !== null",
            northwind.id
        ))
        .await?;
    check(nw_script == Value::Bool(false), || {
        "Northwind (direct mode) got a script".into()
    })?;
    check(held(&setup, &tailspin, ts_rows) == 0, || {
        "Tailspin changed before its script ran".into()
    })?;
    browser.screenshot("tenants-import-script").await?;
    support::axe::check_page(&browser, "a tenant's script in a cross-tenant import").await?;

    // Tailspin's own admin runs the script there; then Verify, in Tailspin's session.
    let tailspin_admin = format!("admin@{}", tailspin.domain);
    for (cmdlet, params) in exchange_steps(&browser, &area).await? {
        run_cmdlet_in(&setup, tailspin.id, &tailspin_admin, &cmdlet, params).await?;
    }
    browser.click("button", "Verify").await?;
    let text = browser
        .wait_text_within("are still missing.", DEADLINE * 2)
        .await?;
    check(text.contains("; 0 are still missing."), || {
        format!("verify: {text}")
    })?;
    // The one report: every row of both tenants done.
    until("every row done in the report", DEADLINE * 2, || async {
        let report = table_text(&browser, "Every row and what happened").await?;
        let done = |org: &Organization, list: &[String]| {
            list.iter().all(|a| {
                report.lines().any(|l| {
                    l.starts_with(org.name) && l.contains(a.as_str()) && l.contains("\tdone")
                })
            })
        };
        Ok(if done(&northwind, nw_rows) && done(&tailspin, ts_rows) {
            Poll::Ready(())
        } else {
            Poll::NotYet(report)
        })
    })
    .await?;
    browser.screenshot("tenants-import-script-verified").await?;
    // Each tenant holds exactly its own rows.
    check(
        (
            held(&setup, &northwind, nw_rows),
            held(&setup, &tailspin, ts_rows),
        ) == (2, 2)
            && (
                held(&setup, &northwind, ts_rows),
                held(&setup, &tailspin, nw_rows),
            ) == (0, 0),
        || "rows in the wrong tenant".into(),
    )?;
    browser.close().await
}

/// Whether group `name` of tenant `org` still accepts mail only from inside the organisation.
fn rejects_external_senders(setup: &SignInSetup, org: &Organization, name: &str) -> Result<bool> {
    let state = tenant_state(setup, org.id);
    Ok(signin::group(&state, name)?["requireSenderAuthenticationEnabled"] == true)
}

#[tokio::test]
async fn a_group_fix_unticked_in_one_tenant_leaves_only_that_tenants_group_closed() -> Result<()> {
    let (setup, browser) = partner_signed_in("tenants-import-fixes").await?;
    let [northwind, tailspin, _] = CUSTOMERS;
    let (path, lists) = tenants_csv("tenants-fixes", &[&northwind, &tailspin], 2)?;
    let (nw_group, ts_group) = ("Northwind All Staff", "Tailspin All Staff");
    for (org, group) in [(&northwind, nw_group), (&tailspin, ts_group)] {
        check(rejects_external_senders(&setup, org, group)?, || {
            format!("{group} is seeded open")
        })?;
    }
    upload(&browser, &path, 4).await?;
    choose_group_in(&browser, &northwind, nw_group).await?;
    choose_group_in(&browser, &tailspin, ts_group).await?;
    prepare_plan(&browser).await?;

    // Each tenant's preview offers to open its group, ticked; the admin unticks Tailspin's.
    let fix = |group: &str| format!("Open {group} to external senders in this run");
    for group in [nw_group, ts_group] {
        let tick = browser.find("checkbox", &fix(group)).await?;
        check(tick.is_selected().await?, || {
            format!("{group}'s fix unticked")
        })?;
    }
    browser.click("checkbox", &fix(ts_group)).await?;
    check(
        !browser
            .find("checkbox", &fix(ts_group))
            .await?
            .is_selected()
            .await?,
        || "Tailspin's fix still ticked".into(),
    )?;
    browser.screenshot("tenants-import-fixes").await?;
    browser.click("button", "Start the run").await?;

    until("both tenants' runs finished", DEADLINE * 4, || async {
        let states = run_states(&browser).await?;
        Ok(if states.matches("Finished").count() == 2 {
            Poll::Ready(())
        } else {
            Poll::NotYet(states)
        })
    })
    .await?;
    check(
        (
            held(&setup, &northwind, &lists[0]),
            held(&setup, &tailspin, &lists[1]),
        ) == (2, 2),
        || "a tenant is missing its rows".into(),
    )?;
    check(
        !rejects_external_senders(&setup, &northwind, nw_group)?,
        || format!("{nw_group} was not opened"),
    )?;
    check(
        rejects_external_senders(&setup, &tailspin, ts_group)?,
        || format!("{ts_group} was opened though its fix was unticked"),
    )?;
    browser.close().await
}

/// The state of each tenant's run as the run section lists them.
async fn run_states(browser: &Browser) -> Result<String> {
    let states = browser
        .eval(
            "const l = document.querySelector('.import-tenant-runs'); return l ? l.innerText : ''",
        )
        .await?;
    Ok(states.as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_cross_tenant_run_pauses_and_resumes_by_the_buttons() -> Result<()> {
    let (setup, browser) = partner_signed_in("tenants-import-pause").await?;
    let [northwind, tailspin, _] = CUSTOMERS;
    let rows = 15;
    let (path, lists) = tenants_csv("tenants-pause", &[&northwind, &tailspin], rows)?;
    plan_in_suppliers(&browser, &path, 2 * rows).await?;
    // Slow enough to pause in the middle of Northwind's run.
    setup.set_knobs(Knobs {
        latency_ms: 150,
        ..Knobs::default()
    })?;
    let held = || {
        (
            held(&setup, &northwind, &lists[0]),
            held(&setup, &tailspin, &lists[1]),
        )
    };
    browser.click("button", "Start the run").await?;
    until("a part of Northwind's run", DEADLINE, || async {
        Ok(match held() {
            (n, _) if n >= 2 && n < rows => Poll::Ready(()),
            other => Poll::NotYet(format!("{other:?}")),
        })
    })
    .await?;
    browser.click("button", "Pause").await?;
    // Operations already sent finish ("Pausing: …"); then it says Paused.
    until("Paused", DEADLINE, || async {
        let states = run_states(&browser).await?;
        Ok(if states.contains("Paused") {
            Poll::Ready(())
        } else {
            Poll::NotYet(states)
        })
    })
    .await?;
    browser.find("button", "Resume").await?;
    let paused = held();
    check(paused.0 < rows && paused.1 == 0, || {
        format!("paused at {paused:?}")
    })?;
    // Nothing moves while paused, in either tenant.
    let watched = std::time::Instant::now();
    while watched.elapsed() < std::time::Duration::from_secs(2) {
        let now = held();
        check(now == paused, || {
            format!("the sim changed while paused: {paused:?} → {now:?}")
        })?;
        // The polling interval of the watch, not a wait for anything.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    browser.screenshot("tenants-import-paused").await?;
    browser.click("button", "Resume").await?;
    setup.set_knobs(Knobs::default())?;
    both_finished(&browser, DEADLINE * 4, held, rows, |_| Ok(())).await?;
    browser.close().await
}

/// Waits until both tenants' runs say Finished and each tenant holds its `rows`; `stopped`
/// fails the wait early on run states that can't lead there.
async fn both_finished(
    browser: &Browser,
    deadline: std::time::Duration,
    held: impl Fn() -> (usize, usize),
    rows: usize,
    stopped: impl Fn(&str) -> Result<()>,
) -> Result<()> {
    until("both tenants' runs finished", deadline, || async {
        let states = run_states(browser).await?;
        stopped(&states)?;
        Ok(
            if states.matches("Finished").count() == 2 && held() == (rows, rows) {
                Poll::Ready(())
            } else {
                Poll::NotYet(format!("{states}; {:?}", held()))
            },
        )
    })
    .await
}

#[tokio::test]
async fn a_token_expiring_in_a_customers_run_is_renewed_silently() -> Result<()> {
    let (setup, browser) = partner_signed_in("tenants-import-token").await?;
    let [northwind, tailspin, _] = CUSTOMERS;
    let rows = 20;
    // The customers' tokens are got for the plan's reads, after this: they live 5 s (whole
    // seconds in `exp`, so at least 4 s, time enough for the reads).
    let short = Knobs {
        token_lifetime_secs: 5,
        ..Knobs::default()
    };
    setup.set_knobs(short.clone())?;
    let (path, lists) = tenants_csv("tenants-token", &[&northwind, &tailspin], rows)?;
    plan_in_suppliers(&browser, &path, 2 * rows).await?;
    // Throttled requests are retried after 6 s with the token they were sent with, expired by
    // then: each tenant's run must get a new one without the admin and go on.
    setup.set_knobs(Knobs {
        throttle_fraction: 0.1,
        retry_after_secs: 6,
        ..short.clone()
    })?;
    // Every token grant of the run is counted (Resource Timing; its default buffer holds 250).
    browser
        .eval(
            "performance.setResourceTimingBufferSize(100000); \
             performance.clearResourceTimings(); return null",
        )
        .await?;
    browser.click("button", "Start the run").await?;
    let started = std::time::Instant::now();
    let held = || {
        (
            held(&setup, &northwind, &lists[0]),
            held(&setup, &tailspin, &lists[1]),
        )
    };
    both_finished(&browser, DEADLINE * 6, held, rows, |states| {
        check(
            !states.contains("Cancelled") && !states.contains("Paused"),
            || format!("a tenant's run stopped: {states}"),
        )
    })
    .await?;
    let took = started.elapsed();
    setup.set_knobs(short)?;
    // The runs outlived several tokens, and new ones came without the admin: at least one
    // grant per lifetime the runs lasted.
    let lifetimes = took.as_secs() / 5;
    check(lifetimes >= 2, || {
        format!("the runs took {took:?}: too short to outlive 5 s tokens")
    })?;
    let grants = browser
        .eval(
            "return performance.getEntriesByType('resource') \
             .filter(e => e.name.includes('/oauth2/v2.0/token')).length",
        )
        .await?;
    check(grants.as_u64().unwrap_or(0) >= lifetimes, || {
        format!("{grants} token grants in {took:?}")
    })?;
    let resume = browser
        .eval(
            "return [...document.querySelectorAll('button')] \
             .filter(b => b.innerText.trim() === 'Resume the import').length",
        )
        .await?;
    check(resume.as_u64() == Some(0), || {
        "the import asks to be resumed".to_owned()
    })?;
    browser.close().await
}

/// How many removals from a group `org`'s Activity log (kept per tenant in the browser) holds.
async fn removals_logged(browser: &Browser, org: &Organization) -> Result<u64> {
    let key = if org.id == guestlist_sim::contract::PARTNER.id {
        "guestlist.activity".to_owned()
    } else {
        format!("guestlist.activity.{}", org.id.to_ascii_lowercase())
    };
    let n = browser
        .eval(&format!(
            "const log = JSON.parse(localStorage.getItem({key:?}) || '{{}}'); \
             return (log.entries || []).filter(e => e.action && e.action.type === 'removeMember').length;"
        ))
        .await?;
    Ok(n.as_u64().unwrap_or(0))
}

/// The (group, member) pairs of a snapshot's groups.
fn memberships(state: &Value) -> std::collections::BTreeSet<(String, String)> {
    state["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| {
            let group = g["id"].as_str().unwrap_or_default().to_owned();
            g["members"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(move |m| Some((group.clone(), m.as_str()?.to_owned())))
        })
        .collect()
}

/// The ids of a snapshot's mail contacts and users whose address is at `domain`.
fn people_at(state: &Value, domain: &str) -> std::collections::BTreeSet<String> {
    let at = format!("@{domain}");
    let contacts = state["contacts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| {
            c["externalEmailAddress"]
                .as_str()
                .is_some_and(|a| a.to_lowercase().ends_with(&at))
        });
    let users = state["users"].as_array().into_iter().flatten().filter(|u| {
        u["mail"]
            .as_str()
            .is_some_and(|a| a.to_lowercase().ends_with(&at))
    });
    contacts
        .chain(users)
        .filter_map(|p| p["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn offboarding_across_customers_takes_each_tenants_people_out_there_only() -> Result<()> {
    let (setup, browser) = partner_signed_in("tenants-offboard").await?;
    let [northwind, tailspin, adatum] = CUSTOMERS;
    let home = guestlist_sim::contract::PARTNER;
    let orgs = [home, northwind, tailspin, adatum];
    let before: Vec<Value> = orgs.iter().map(|o| tenant_state(&setup, o.id)).collect();

    browser.click("link", "External people").await?;
    browser.find("region", "All customers").await?;
    for label in [
        format!("{} (your tenant) · {}", home.domain, home.id),
        option(&adatum),
    ] {
        browser.click("checkbox", &label).await?;
    }
    browser.click("button", "Read the chosen tenants").await?;
    browser
        .wait_text_within("10 external people in 2 tenants.", DEADLINE * 2)
        .await?;
    // The partnership with Fabrikam ends: everyone at fabrikam.com in both customers.
    register_control(&browser, "domain")
        .await?
        .select_by_value("fabrikam.com")
        .await?;
    browser.wait_text("6 of 10 external people shown.").await?;
    browser
        .click(
            "button",
            "Select everyone at @fabrikam.com in every tenant read",
        )
        .await?;
    browser.wait_text("6 selected.").await?;
    browser
        .click("button", "Plan offboarding 6 people in their tenants")
        .await?;
    // Each customer's part, planned there.
    for org in [&northwind, &tailspin] {
        browser.find("heading", &format!("In {}", org.name)).await?;
    }
    browser.screenshot("tenants-offboard-preview").await?;
    browser
        .click("button", "Make these changes, tenant by tenant")
        .await?;
    browser.find("button", "Back to the list").await?;
    let report = table_text(
        &browser,
        "Offboarding in every tenant, operation by operation",
    )
    .await?;
    browser.screenshot("tenants-offboard-report").await?;
    support::axe::check_page(&browser, "the cross-tenant offboarding report").await?;
    let rows: Vec<&str> = report.lines().skip(1).collect();
    check(
        !rows.is_empty()
            && rows.iter().all(|l| !l.contains("Failed"))
            && [&northwind, &tailspin]
                .iter()
                .all(|o| rows.iter().any(|l| l.starts_with(o.name))),
        || format!("the report: {report:?}"),
    )?;

    // Each customer lost exactly its own Fabrikam people's memberships; the people stay (they
    // were taken out, not deleted); the partner's tenant and Adatum are untouched. Each
    // tenant's Activity holds its own removals, and only those.
    for (org, was) in orgs.iter().zip(&before) {
        let now = tenant_state(&setup, org.id);
        let (then, after) = (memberships(was), memberships(&now));
        let expected: std::collections::BTreeSet<_> =
            if [northwind.id, tailspin.id].contains(&org.id) {
                let leaving = people_at(was, "fabrikam.com");
                check(then.iter().any(|(_, m)| leaving.contains(m)), || {
                    format!("{}: no Fabrikam member to take out", org.name)
                })?;
                then.iter()
                    .filter(|(_, m)| !leaving.contains(m))
                    .cloned()
                    .collect()
            } else {
                then.clone()
            };
        let removed = (then.len() - expected.len()) as u64;
        let logged = removals_logged(&browser, org).await?;
        check(logged == removed, || {
            format!(
                "{}: {logged} removals in its Activity, {removed} made",
                org.name
            )
        })?;
        check(after == expected, || {
            format!(
                "{}: memberships now {after:?}, expected {expected:?}",
                org.name
            )
        })?;
        check(contact_addresses(&now) == contact_addresses(was), || {
            format!("{}: contacts changed", org.name)
        })?;
    }
    browser.close().await
}

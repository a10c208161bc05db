//! End-to-end tests of the built app (dist/) in headless Chromium.
//!
//! Run by `cargo xtask test` (stage e2e, after the release build), which sets GUESTLIST_DIST.
//! By hand: `cargo xtask test --only build,e2e`, or with an existing build
//! `cargo test -p guestlist --test e2e`. Screenshots go to test-output/e2e/.
//!
//! Elements are found by role and accessible name, as a screen-reader user meets them; see
//! tests/support/a11y.rs.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use fantoccini::key::Key;
use support::app::{App, ConfigJson};
use support::browser::{Browser, Options};
use support::{check, dist_dir, Result};

/// (nav link, level-1 heading of the page it opens, path), in English and in Dutch.
const PAGES_EN: [(&str, &str, &str); 5] = [
    ("Import", "Import", "/import"),
    ("External people", "External people", "/externals"),
    ("Activity", "Activity", "/activity"),
    ("About", "About Guestlist", "/about"),
    ("Groups", "Groups", "/"),
];
const PAGES_NL: [(&str, &str, &str); 5] = [
    ("Importeren", "Importeren", "/import"),
    ("Externe personen", "Externe personen", "/externals"),
    ("Activiteit", "Activiteit", "/activity"),
    ("Over", "Over Guestlist", "/about"),
    ("Groepen", "Groepen", "/"),
];

/// The configuration error page: its heading, then the text of its "What is wrong" section.
async fn config_problem(browser: &Browser) -> Result<String> {
    browser
        .find("heading", "Guestlist can't start: check config.json")
        .await?;
    Ok(browser
        .find("region", "What is wrong")
        .await?
        .text()
        .await?)
}

async fn path_of(browser: &Browser) -> Result<String> {
    Ok(browser.client.current_url().await?.path().to_owned())
}

/// Clicks each nav link in turn and checks the page that opens: its heading, its address, and
/// that the link is marked as the current page.
async fn visit_all(browser: &Browser, nav: &str, pages: &[(&str, &str, &str)]) -> Result<()> {
    for (link, heading, path) in pages {
        browser.click("link", link).await?;
        browser.find("heading", heading).await?;
        let at = path_of(browser).await?;
        check(at == *path, || {
            format!("after {link:?} the address is {at}, not {path}")
        })?;
        // Re-find the link: the router may have re-rendered it. aria-current tells assistive
        // technology which page is open.
        let current = browser
            .find("link", link)
            .await?
            .attr("aria-current")
            .await?;
        check(current.as_deref() == Some("page"), || {
            format!("link {link:?} has aria-current={current:?} on its own page")
        })?;
        browser.find("navigation", nav).await?;
    }
    Ok(())
}

#[tokio::test]
async fn shell_has_landmarks_and_navigates_by_role_and_name() -> Result<()> {
    let app = App::serve(&dist_dir()?, ConfigJson::Valid).await?;
    let browser = Browser::start("shell-en").await?;
    browser.goto(&app.url("/")).await?;

    browser.find_unnamed("banner").await?;
    browser.find_unnamed("main").await?;
    browser.find_unnamed("contentinfo").await?;
    browser.find("navigation", "Main navigation").await?;
    browser.find("combobox", "Language").await?;
    browser.find("heading", "Groups").await?;
    let lang = browser.eval("return document.documentElement.lang").await?;
    check(lang == "en", || {
        format!("<html lang> is {lang}, expected en")
    })?;
    browser.screenshot("shell-en").await?;

    visit_all(&browser, "Main navigation", &PAGES_EN).await?;

    // A reload on a deep link starts the app on that page (the server falls back to index.html
    // and the router takes over).
    browser.goto(&app.url("/activity")).await?;
    browser.find("heading", "Activity").await?;
    browser.close().await
}

#[tokio::test]
async fn language_switch_changes_the_text_and_is_remembered() -> Result<()> {
    let app = App::serve(&dist_dir()?, ConfigJson::Valid).await?;
    let browser = Browser::start("shell-nl").await?;
    browser.goto(&app.url("/")).await?;

    let select = browser.find("combobox", "Language").await?;
    select.select_by_label("Nederlands").await?;

    // The whole shell follows: the select's own label, the landmarks, the links, the heading.
    browser.find("combobox", "Taal").await?;
    browser.find("navigation", "Hoofdnavigatie").await?;
    browser.find("heading", "Groepen").await?;
    for (link, _, _) in PAGES_NL {
        browser.find("link", link).await?;
    }
    browser.wait_gone("link", "Import").await?;
    let lang = browser.eval("return document.documentElement.lang").await?;
    check(lang == "nl", || {
        format!("<html lang> is {lang}, expected nl")
    })?;
    browser.screenshot("shell-nl").await?;

    visit_all(&browser, "Hoofdnavigatie", &PAGES_NL).await?;

    // The choice outlives a reload, although the browser itself speaks English.
    browser.client.refresh().await?;
    browser.find("heading", "Groepen").await?;
    browser.find("combobox", "Taal").await?;

    // And switching back works the same way.
    browser
        .find("combobox", "Taal")
        .await?
        .select_by_label("English")
        .await?;
    browser.find("navigation", "Main navigation").await?;
    browser.find("heading", "Groups").await?;
    browser.close().await
}

#[tokio::test]
async fn browser_language_is_the_default() -> Result<()> {
    let app = App::serve(&dist_dir()?, ConfigJson::Valid).await?;
    let options = Options {
        lang: "nl-NL".into(),
        ..Options::default()
    };
    let browser = Browser::start_with("browser-nl", options).await?;
    browser.goto(&app.url("/")).await?;
    let navigator = browser.eval("return navigator.language").await?;
    check(navigator == "nl-NL" || navigator == "nl", || {
        format!("the test browser reports navigator.language {navigator}, not Dutch")
    })?;
    browser.find("navigation", "Hoofdnavigatie").await?;
    browser.find("heading", "Groepen").await?;
    browser.close().await
}

#[tokio::test]
async fn keyboard_skip_link_moves_focus_to_the_main_content() -> Result<()> {
    let app = App::serve(&dist_dir()?, ConfigJson::Valid).await?;
    let browser = Browser::start("keyboard").await?;
    browser.goto(&app.url("/about")).await?;
    browser.find("heading", "About Guestlist").await?;

    // The first Tab lands on the skip link, Enter moves focus into <main>.
    let body = browser
        .client
        .find(fantoccini::Locator::Css("body"))
        .await?;
    body.send_keys(&Key::Tab.to_string()).await?;
    let skip = browser.find("link", "Skip to main content").await?;
    let focused = browser.client.active_element().await?;
    check(focused.element_id() == skip.element_id(), || {
        "the first Tab stop is not the skip link".to_owned()
    })?;
    skip.send_keys(&Key::Enter.to_string()).await?;
    let main = browser.find_unnamed("main").await?;
    support::wait::until("focus in <main>", support::DEADLINE, || async {
        let now = browser.client.active_element().await?;
        Ok(if now.element_id() == main.element_id() {
            support::wait::Poll::Ready(())
        } else {
            support::wait::Poll::NotYet(now.html(false).await.unwrap_or_default())
        })
    })
    .await?;
    browser.close().await
}

#[tokio::test]
async fn missing_config_shows_what_to_put_there() -> Result<()> {
    let app = App::serve(&dist_dir()?, ConfigJson::Missing).await?;
    let browser = Browser::start("config-missing").await?;
    browser.goto(&app.url("/")).await?;

    let problem = config_problem(&browser).await?;
    check(
        problem.contains("config.json") && problem.contains("404"),
        || format!("the problem is not explained: {problem:?}"),
    )?;
    let fix = browser
        .find("region", "What to put there")
        .await?
        .text()
        .await?;
    for key in ["clientId", "tenantId", "redirectUri"] {
        check(fix.contains(key), || {
            format!("the example does not show {key}: {fix:?}")
        })?;
    }
    browser.find("button", "Reload").await?;
    // Without a configuration there is nothing to navigate to.
    browser.wait_gone("navigation", "Main navigation").await?;
    browser.screenshot("config-missing").await?;
    browser.close().await
}

#[tokio::test]
async fn invalid_config_names_the_key_at_fault() -> Result<()> {
    let config = r#"{ "clientId": "my-app", "tenantId": "contoso.onmicrosoft.com" }"#;
    let app = App::serve(&dist_dir()?, ConfigJson::Text(config.into())).await?;
    let browser = Browser::start("config-invalid").await?;
    browser.goto(&app.url("/")).await?;

    let problem = config_problem(&browser).await?;
    check(
        problem.contains("clientId") && problem.contains("\"my-app\""),
        || format!("the problem does not name clientId \"my-app\": {problem:?}"),
    )?;
    browser.close().await
}

/// axe-core's WCAG 2.1 A/AA rules (contrast included) on every page, in light and dark mode,
/// and on the configuration error page.
#[tokio::test]
async fn pages_pass_the_axe_accessibility_audit_in_light_and_dark() -> Result<()> {
    let dist = dist_dir()?;
    let app = App::serve(&dist, ConfigJson::Valid).await?;
    let broken = App::serve(&dist, ConfigJson::Missing).await?;
    let mut failures = Vec::new();
    for dark in [false, true] {
        let scheme = if dark { "dark" } else { "light" };
        let options = Options {
            dark,
            ..Options::default()
        };
        let browser = Browser::start_with(&format!("axe-{scheme}"), options).await?;
        let is_dark = browser
            .eval("return matchMedia('(prefers-color-scheme: dark)').matches")
            .await?;
        check(is_dark == dark, || {
            format!("the test browser's colour scheme is not {scheme}")
        })?;
        let pages = [
            (app.url("/"), "Groups"),
            (app.url("/import"), "Import"),
            (app.url("/externals"), "External people"),
            (app.url("/activity"), "Activity"),
            (app.url("/about"), "About Guestlist"),
            (broken.url("/"), "Guestlist can't start: check config.json"),
        ];
        for (url, heading) in pages {
            browser.goto(&url).await?;
            browser.find("heading", heading).await?;
            for v in support::axe::audit(&browser).await? {
                failures.push(format!("{scheme} {url}: {v}"));
            }
        }
        browser.screenshot(&format!("shell-en-{scheme}")).await?;
        browser.close().await?;
    }
    check(failures.is_empty(), || {
        format!("accessibility violations:\n  {}", failures.join("\n  "))
    })
}

/// The app served by the simulated tenant picks up the config.json the sim generates: the About
/// page shows the sim as sign-in authority and as Graph and Exchange endpoint.
#[tokio::test]
async fn app_served_by_the_sim_uses_the_sims_configuration() -> Result<()> {
    let app = App::through_sim(&dist_dir()?).await?;
    let sim = app.sim().map(|s| (s.authority(), s.base_url().to_owned()));
    let Some((authority, base)) = sim else {
        return Err(support::Error::Setup("not served by the sim".into()));
    };
    let browser = Browser::start("sim-about").await?;
    browser.goto(&app.url("/about")).await?;
    browser.find("heading", "About Guestlist").await?;
    browser.find("heading", "This installation").await?;
    let main = browser.find_unnamed("main").await?.text().await?;
    check(main.contains(&authority), || {
        format!("the About page does not show the sim's authority {authority}: {main:?}")
    })?;
    check(main.contains(&format!("{base}/")), || {
        format!("the About page does not show the sim's redirect URI {base}/: {main:?}")
    })?;
    browser.close().await
}

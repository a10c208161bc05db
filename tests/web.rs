//! The app shell in a real browser (wasm-bindgen-test, headless Chromium).
//!
//! Run: `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test web`
//! (Chromium flags for running as root are in `webdriver.json`.)
//!
//! Each test mounts the shell into a fresh element with a configuration of its own (no network)
//! and looks at the DOM the way assistive technology does: landmarks, accessible names,
//! `aria-current`, `lang`. Leptos applies reactive updates asynchronously, so checks after an
//! interaction poll for the expected state with a deadline.
#![cfg(target_arch = "wasm32")]

// Each suite uses part of what the suites share.
#[allow(dead_code)]
mod web_support;

use guestlist::config::{Config, ConfigError, Tenant};
use guestlist::ui::browser::LANG_KEY;
use guestlist::ui::router::{provide_router, use_params, Page, Routes, A};
use guestlist::ui::AppWithConfig;
use leptos::prelude::view;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, Event, EventInit, HtmlElement, HtmlSelectElement};

use web_support::{document, mount_with, until, Mounted};

wasm_bindgen_test_configure!(run_in_browser);

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

fn test_config() -> Config {
    Config {
        client_id: "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b".into(),
        tenant: Tenant::Domain("contoso.onmicrosoft.com".into()),
        authority: "https://login.microsoftonline.com".into(),
        redirect_uri: "http://127.0.0.1/".into(),
        graph_base_url: "https://graph.microsoft.com".into(),
        exchange_base_url: "https://outlook.office365.com".into(),
        access_until_attribute: 15,
    }
}

/// Mounts the app at `/` with `stored_lang` as the remembered language choice.
fn mount(config: Result<Config, ConfigError>, stored_lang: Option<&str>) -> Mounted {
    // Earlier tests may have navigated; the router reads the location when it starts.
    web_sys::window()
        .unwrap()
        .history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/"))
        .unwrap();
    match stored_lang {
        Some(lang) => storage().set_item(LANG_KEY, lang).unwrap(),
        None => storage().remove_item(LANG_KEY).unwrap(),
    }
    // The app provides its own language context (from the stored choice or the browser).
    mount_with(|| (), move || view! { <AppWithConfig config/> }).0
}

impl Mounted {
    fn find(&self, selector: &str) -> Option<Element> {
        self.root.query_selector(selector).unwrap()
    }

    fn get(&self, selector: &str) -> Element {
        self.find(selector)
            .unwrap_or_else(|| panic!("no element matches {selector}"))
    }

    fn text(&self, selector: &str) -> String {
        self.get(selector).text_content().unwrap_or_default()
    }

    /// Navigation and the routed page are both rendered (routes render a tick later).
    fn ready(&self) -> bool {
        self.count("nav a") == 5 && self.find("main h1").is_some()
    }

    /// The visible names of the primary navigation's links, in order.
    fn nav_links(&self) -> Vec<String> {
        let links = self.root.query_selector_all("nav a").unwrap();
        (0..links.length())
            .map(|i| links.get(i).unwrap().text_content().unwrap_or_default())
            .collect()
    }
}

fn html_lang() -> String {
    document()
        .document_element()
        .unwrap()
        .get_attribute("lang")
        .unwrap_or_default()
}

fn choose_language(app: &Mounted, code: &str) {
    let select: HtmlSelectElement = app.get("select").unchecked_into();
    select.set_value(code);
    let init = EventInit::new();
    init.set_bubbles(true);
    let change = Event::new_with_event_init_dict("change", &init).unwrap();
    select.dispatch_event(&change).unwrap();
}

#[wasm_bindgen_test]
async fn switching_language_changes_visible_text_and_html_lang() {
    let app = mount(Ok(test_config()), Some("en"));
    until("English shell", || app.ready()).await;
    assert_eq!(
        app.nav_links(),
        ["Groups", "Import", "External people", "Activity", "About"]
    );
    assert_eq!(
        app.get("nav").get_attribute("aria-label").as_deref(),
        Some("Main navigation")
    );
    assert_eq!(app.text("h1"), "Groups");
    until("<html lang=en>", || html_lang() == "en").await;

    choose_language(&app, "nl");

    until("Dutch navigation", || app.nav_links()[0] == "Groepen").await;
    assert_eq!(
        app.nav_links(),
        [
            "Groepen",
            "Importeren",
            "Externe personen",
            "Activiteit",
            "Over"
        ]
    );
    assert_eq!(
        app.get("nav").get_attribute("aria-label").as_deref(),
        Some("Hoofdnavigatie")
    );
    assert_eq!(app.text("h1"), "Groepen");
    assert_eq!(app.text("label[for='lang-select']"), "Taal");
    until("<html lang=nl>", || html_lang() == "nl").await;
    until("Dutch document title", || {
        document().title() == "Groepen – Guestlist"
    })
    .await;
    // The explicit choice is remembered for the next visit.
    assert_eq!(storage().get_item(LANG_KEY).unwrap().as_deref(), Some("nl"));

    choose_language(&app, "en");
    until("English again", || app.nav_links()[0] == "Groups").await;
    until("<html lang=en> again", || html_lang() == "en").await;
}

#[wasm_bindgen_test]
async fn a_remembered_choice_wins() {
    let app = mount(Ok(test_config()), Some("nl"));
    until("Dutch shell", || app.ready()).await;
    assert_eq!(app.nav_links()[0], "Groepen");
    let select: HtmlSelectElement = app.get("select").unchecked_into();
    assert_eq!(select.value(), "nl");
    until("<html lang=nl>", || html_lang() == "nl").await;
}

#[wasm_bindgen_test]
async fn shell_has_landmarks_labels_and_a_current_page() {
    let app = mount(Ok(test_config()), Some("en"));
    until("shell", || app.ready()).await;

    for landmark in ["header", "nav", "main", "footer"] {
        assert_eq!(app.count(landmark), 1, "exactly one <{landmark}>");
    }
    assert!(app.text("header").contains("Guestlist"));
    // The account area says so once sign-in has started (MSAL answers asynchronously).
    until("signed-out header", || {
        app.text("header").contains("Not signed in")
    })
    .await;
    assert_eq!(app.get("main").id(), "main");

    // The skip link is the first focusable element and targets the main landmark.
    let first_focusable = app.get("a[href], button, select, input, [tabindex='0']");
    assert_eq!(first_focusable.class_name(), "skip-link");
    assert_eq!(
        first_focusable.get_attribute("href").as_deref(),
        Some("#main")
    );
    first_focusable.unchecked_ref::<HtmlElement>().click();
    let main = app.get("main");
    until("focus on <main>", || {
        document().active_element().as_ref() == Some(&main)
    })
    .await;

    // The language select has a visible label bound to it.
    let select = app.get("select");
    let label = app.get("label[for='lang-select']");
    assert_eq!(select.id(), "lang-select");
    assert_eq!(label.text_content().as_deref(), Some("Language"));

    // Only the current page's link carries aria-current.
    assert_eq!(app.count("nav a[aria-current='page']"), 1);
    assert_eq!(app.text("nav a[aria-current='page']"), "Groups");

    // Following a link moves aria-current, shows the page and puts focus on its heading.
    let about = app.get("nav a[href='/about']");
    about.unchecked_ref::<HtmlElement>().click();
    until("About page", || app.text("h1") == "About Guestlist").await;
    assert_eq!(app.count("nav a[aria-current='page']"), 1);
    assert_eq!(app.text("nav a[aria-current='page']"), "About");
    let heading = app.get("h1");
    until("focus on the new page's heading", || {
        document().active_element().as_ref() == Some(&heading)
    })
    .await;
    // The About page shows the configuration it was given.
    assert!(app.text("main").contains("contoso.onmicrosoft.com"));
    assert!(app
        .text("main")
        .contains("6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"));
}

#[wasm_bindgen_test]
async fn bad_config_gets_an_explanatory_page() {
    let app = mount(
        Err(ConfigError::ClientIdNotGuid {
            value: "my-app".into(),
        }),
        Some("en"),
    );
    until("config error page", || app.find("h1").is_some()).await;
    assert_eq!(app.text("h1"), "Guestlist can't start: check config.json");
    assert!(
        app.text(".config-error-message")
            .contains("clientId \"my-app\" is not an Application (client) ID"),
        "{}",
        app.text(".config-error-message")
    );
    // A complete example to copy, with every key.
    let example = app.text("pre");
    for key in [
        "clientId",
        "tenantId",
        "authority",
        "redirectUri",
        "graphBaseUrl",
        "exchangeBaseUrl",
    ] {
        assert!(
            example.contains(&format!("\"{key}\"")),
            "{key} in {example}"
        );
    }
    // Still a proper page: landmarks, no navigation into an app that can't work.
    assert_eq!(app.count("header"), 1);
    assert_eq!(app.count("main"), 1);
    assert_eq!(app.count("nav"), 0);

    choose_language(&app, "nl");
    until("Dutch explanation", || {
        app.text(".config-error-message")
            .contains("clientId \"my-app\" is geen toepassings-ID")
    })
    .await;
}

#[wasm_bindgen_test]
async fn missing_config_says_so() {
    let app = mount(Err(ConfigError::NotFound), Some("en"));
    until("config error page", || {
        app.find(".config-error-message").is_some()
    })
    .await;
    assert!(app
        .text(".config-error-message")
        .contains("There is no config.json"));
}

thread_local! {
    /// What the router test's group page saw: how often it was built, and each `id` it read.
    static GROUP_PAGE: std::cell::RefCell<(u32, Vec<Option<String>>)> = Default::default();
}

/// The router test's pages: a group page that records what it sees, and a home page.
fn router_test_page(page: Page) -> leptos::prelude::AnyView {
    use leptos::prelude::*;
    match page {
        // As the app's pages are: built when their module is here, reading the parameters as
        // they render.
        Page::Group => Suspend::new(async {
            let params = use_params();
            GROUP_PAGE.with(|g| g.borrow_mut().0 += 1);
            let id = move || {
                let id = params.with(|p| p.get("id"));
                GROUP_PAGE.with(|g| g.borrow_mut().1.push(id.clone()));
                id
            };
            view! { <h1>{id}</h1> }
        })
        .into_any(),
        Page::Groups => view! { <h1>"home"</h1> }.into_any(),
        _ => view! { <h1>"other"</h1> }.into_any(),
    }
}

fn pathname() -> String {
    web_sys::window().unwrap().location().pathname().unwrap()
}

#[wasm_bindgen_test]
async fn links_stay_in_the_tab_and_a_page_follows_its_parameters() {
    use leptos::prelude::*;
    let history = web_sys::window().unwrap().history().unwrap();
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/"))
        .unwrap();
    let length = history.length().unwrap();
    let (app, ()) = mount_with(
        || {
            provide_router(String::new());
        },
        || {
            view! {
                <nav>
                    <A href="/groups/g1">"one"</A>
                    <A href="/groups/g%202">"two"</A>
                    <A href="/" exact=true>"home"</A>
                </nav>
                <Routes page=router_test_page/>
            }
        },
    );
    let click = |name: &str| {
        let links = app.root.query_selector_all("nav a").unwrap();
        let link = (0..links.length())
            .filter_map(|i| links.get(i))
            .find(|l| l.text_content().as_deref() == Some(name))
            .unwrap();
        link.unchecked_into::<HtmlElement>().click();
    };
    assert_eq!(app.text("h1"), "home");
    assert_eq!(app.text("nav a[aria-current='page']"), "home");

    click("one");
    until("the first group", || app.text("h1") == "g1").await;
    assert_eq!(pathname(), "/groups/g1");
    assert_eq!(app.text("nav a[aria-current='page']"), "one");
    // Another group: the same page, its parameter decoded.
    click("two");
    until("the second group", || app.text("h1") == "g 2").await;
    // Home: the group page is taken down without ever reading the home page's (no) id.
    click("home");
    until("home again", || app.text("h1") == "home").await;
    assert_eq!(pathname(), "/");
    let (built, seen) = GROUP_PAGE.with(|g| g.borrow().clone());
    assert_eq!(built, 1, "one group page for both groups");
    assert_eq!(seen, [Some("g1".to_owned()), Some("g 2".to_owned())]);
    // Each link was a history entry of this tab, not a page load (the app is still here).
    assert_eq!(history.length().unwrap(), length + 3);

    // Back: the second group again, from the browser's own button.
    history.back().unwrap();
    until("back to the second group", || app.text("h1") == "g 2").await;
    assert_eq!(GROUP_PAGE.with(|g| g.borrow().0), 2);
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/"))
        .unwrap();
}

//! The External people page's register list in a real browser (wasm-bindgen-test, headless
//! Chromium): 10,000 people in a small window of rows, the first rows before the groups are
//! read, search as you type, the filters, "everyone at @domain", names as text.
//!
//! Run: `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test web_externals`
#![cfg(target_arch = "wasm32")]

#[allow(dead_code)]
mod web_support;

use guestlist::i18n::Lang;
use guestlist::ui::externals::{Load, RegisterList};
use guestlist_core::domain::group::GroupKind;
use guestlist_core::domain::register::{
    AccessUntil, Day, InvitationState, Register, RegisterGroup, Source, SourcePerson,
};
use leptos::prelude::*;
use std::collections::BTreeSet;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlInputElement, HtmlSelectElement};

use web_support::{document, until, Mounted};

wasm_bindgen_test_configure!(run_in_browser);

const TODAY: Day = Day {
    year: 2026,
    month: 12,
    day: 6,
};

/// 10,000 people: contacts at fabrikam.com (every tenth in the Partners group), guests at
/// tailspin.example (every other one pending, guest 7 with access ended), and one hostile name.
fn source() -> Source {
    let contacts: Vec<SourcePerson> = (0..6_000)
        .map(|n| SourcePerson {
            id: format!("c{n}"),
            name: format!("Contact {n:05}"),
            address: format!("contact{n:05}@fabrikam.com"),
            company: Some("Fabrikam".into()),
            access_until: Some(AccessUntil::NotAvailable),
            ..SourcePerson::default()
        })
        .chain(std::iter::once(SourcePerson {
            id: "evil".into(),
            name: "<img src=x onerror=alert(1)> Mallory".into(),
            address: "mallory@evil.example".into(),
            ..SourcePerson::default()
        }))
        .collect();
    let guests: Vec<SourcePerson> = (0..3_999)
        .map(|n| SourcePerson {
            id: format!("g{n}"),
            name: format!("Guest {n:05}"),
            address: format!("guest{n:05}@tailspin.example"),
            company: Some("Tailspin Toys".into()),
            invitation: Some(if n % 2 == 0 {
                InvitationState::PendingAcceptance
            } else {
                InvitationState::Accepted
            }),
            access_until: Some(if n == 7 {
                AccessUntil::Until(Day {
                    year: 2026,
                    month: 1,
                    day: 31,
                })
            } else {
                AccessUntil::None
            }),
            ..SourcePerson::default()
        })
        .collect();
    let partners: Vec<String> = (0..6_000)
        .step_by(10)
        .map(|n| format!("c{n}"))
        .chain(["g1".to_owned()])
        .collect();
    let all_guests: Vec<String> = (0..3_999).map(|n| format!("g{n}")).collect();
    Source {
        contacts,
        guests,
        groups: vec![
            RegisterGroup {
                id: "dl".into(),
                name: "Partners".into(),
                kind: GroupKind::Distribution,
            },
            RegisterGroup {
                id: "m365".into(),
                name: "Project Falcon".into(),
                kind: GroupKind::Microsoft365,
            },
        ],
        members: vec![partners, all_guests],
    }
}

/// Only the people, as the page has them before the memberships arrive.
fn people_only() -> Source {
    Source {
        groups: Vec::new(),
        members: Vec::new(),
        ..source()
    }
}

struct Page {
    app: Mounted,
    register: RwSignal<Register>,
    load: RwSignal<Load>,
    selected: RwSignal<BTreeSet<String>>,
}

fn mount(source: Source, load: Load) -> Page {
    viewport_style();
    let register = RwSignal::new(Register::build(source));
    let load = RwSignal::new(load);
    let selected = RwSignal::new(BTreeSet::new());
    let (app, _) = web_support::mount_with(
        || provide_context(guestlist::i18n::I18n::new(Lang::En)),
        move || view! { <RegisterList register load selected today=TODAY/> },
    );
    Page {
        app,
        register,
        load,
        selected,
    }
}

fn viewport_style() {
    if document()
        .get_element_by_id("externals-test-style")
        .is_some()
    {
        return;
    }
    let style = document().create_element("style").unwrap();
    style.set_id("externals-test-style");
    style.set_text_content(Some(
        ".member-viewport { height: 528px; overflow-y: auto; } .member-row { height: 52px; }",
    ));
    document().head().unwrap().append_child(&style).unwrap();
}

impl Page {
    fn text(&self) -> String {
        self.app.root.inner_text()
    }

    fn status(&self) -> String {
        self.app
            .root
            .query_selector(".members-count")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap_or_default()
    }

    fn input(&self, id: &str) -> HtmlInputElement {
        self.app
            .root
            .query_selector(&format!("#{id}"))
            .unwrap()
            .unwrap()
            .unchecked_into()
    }

    fn search(&self, text: &str) {
        let input = self.input("register-search");
        input.set_value(text);
        input
            .dispatch_event(&web_sys::Event::new("input").unwrap())
            .unwrap();
    }

    fn select(&self, id: &str) -> HtmlSelectElement {
        self.app
            .root
            .query_selector(&format!("#{id}"))
            .unwrap()
            .unwrap()
            .unchecked_into()
    }

    fn choose(&self, id: &str, value: &str) {
        let select = self.select(id);
        select.set_value(value);
        assert_eq!(select.value(), value, "{id} has the option {value}");
        select
            .dispatch_event(&web_sys::Event::new("change").unwrap())
            .unwrap();
    }

    fn tick(&self, id: &str, on: bool) {
        let input = self.input(id);
        input.set_checked(on);
        input
            .dispatch_event(&web_sys::Event::new("change").unwrap())
            .unwrap();
    }

    fn click(&self, text: &str) {
        let buttons = self.app.root.query_selector_all("button").unwrap();
        for i in 0..buttons.length() {
            let b: web_sys::HtmlElement = buttons.item(i).unwrap().unchecked_into();
            if b.text_content().unwrap_or_default().trim() == text {
                b.click();
                return;
            }
        }
        panic!("no button {text:?} in {}", self.text());
    }
}

#[wasm_bindgen_test]
async fn ten_thousand_people_render_a_small_window_and_groups_follow() {
    let page = mount(people_only(), Load::Groups);
    until("the first rows", || {
        page.status()
            .contains("10,000 external people. Reading the groups and their members…")
    })
    .await;
    let rendered = page.app.count(".register-row");
    assert!((10..=60).contains(&rendered), "{rendered} rows in the DOM");
    let first = page
        .app
        .root
        .query_selector(".register-row")
        .unwrap()
        .unwrap();
    assert_eq!(
        first.get_attribute("aria-setsize").as_deref(),
        Some("10000")
    );
    assert!(
        page.text().contains("Groups not read yet"),
        "{}",
        page.text()
    );
    // No group filters while the groups are read.
    assert!(page.input("register-orphans").disabled());
    assert!(page.select("register-group").disabled());

    page.register.set(Register::build(source()));
    page.load.set(Load::Done);
    until("the groups", || page.text().contains("1 group: Partners")).await;
    assert!(!page.select("register-group").disabled());
    assert_eq!(page.status(), "10,000 external people.");
    // A hostile name is text, not markup.
    page.search("mallory");
    until("the search", || {
        page.status() == "1 of 10,000 external people shown."
    })
    .await;
    assert!(page.text().contains("<img src=x onerror=alert(1)> Mallory"));
    assert_eq!(page.app.count(".register-row img"), 0);
    assert!(page.text().contains("No group"));
}

#[wasm_bindgen_test]
async fn filters_narrow_the_list_and_select_a_whole_domain() {
    let page = mount(source(), Load::Done);
    until("the list", || page.status() == "10,000 external people.").await;

    // Search as you type over name, address and company.
    page.search("tailspin");
    until("the search", || {
        page.status() == "3,999 of 10,000 external people shown."
    })
    .await;
    page.search("");

    page.choose("register-invitation", "pending");
    until("pending guests", || {
        page.status() == "2,000 of 10,000 external people shown."
    })
    .await;
    page.choose("register-invitation", "");

    // Group index 0 is Partners: 600 contacts and one guest.
    page.choose("register-group", "0");
    until("the group", || {
        page.status() == "601 of 10,000 external people shown."
    })
    .await;
    page.choose("register-kind", "guest");
    until("guests in the group", || {
        page.status() == "1 of 10,000 external people shown."
    })
    .await;
    assert!(page.text().contains("Guest 00001"), "{}", page.text());
    page.click("Clear filters");
    until("cleared", || page.status() == "10,000 external people.").await;

    // Contacts not in Partners are in no group: 5,400 of them, and Mallory.
    page.tick("register-orphans", true);
    until("orphans", || {
        page.status() == "5,401 of 10,000 external people shown."
    })
    .await;
    page.tick("register-orphans", false);

    page.tick("register-ended", true);
    until("access ended", || {
        page.status() == "1 of 10,000 external people shown."
    })
    .await;
    assert!(page.text().contains("Ended 2026-01-31"), "{}", page.text());
    page.tick("register-ended", false);

    page.choose("register-domain", "fabrikam.com");
    until("the domain", || {
        page.status() == "6,000 of 10,000 external people shown."
    })
    .await;
    // Narrowed further, "everyone at @domain" still takes the whole domain.
    page.search("contact0000");
    until("narrowed", || {
        page.status() == "10 of 10,000 external people shown."
    })
    .await;
    page.click("Select everyone at @fabrikam.com");
    until("selected", || page.status().ends_with("6,000 selected.")).await;
    assert_eq!(page.selected.with(BTreeSet::len), 6_000);
    assert!(page
        .selected
        .with(|s| s.contains("c5999") && !s.contains("g1")));
    page.click("Clear selection");
    until("unselected", || !page.status().contains("selected")).await;

    // A row's checkbox selects that person.
    let boxes = page
        .app
        .root
        .query_selector_all(".register-row input[type=checkbox]")
        .unwrap();
    let first: HtmlInputElement = boxes.item(0).unwrap().unchecked_into();
    assert_eq!(
        first.get_attribute("aria-label").as_deref(),
        Some("Select Contact 00000")
    );
    first.set_checked(true);
    first
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    until("one selected", || page.status().ends_with("1 selected.")).await;
    assert!(page.selected.with(|s| s.contains("c0")));
}

#[wasm_bindgen_test]
async fn people_chosen_from_a_pasted_list_of_addresses() {
    let page = mount(source(), Load::Done);
    until("the list", || page.status() == "10,000 external people.").await;
    let area: web_sys::HtmlTextAreaElement = page
        .app
        .root
        .query_selector("#register-addresses")
        .unwrap()
        .unwrap()
        .unchecked_into();
    area.set_value("email\nGUEST00003@tailspin.example\n\"C\" <contact00042@fabrikam.com>; nobody@nowhere.example");
    area.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    page.click("Select these people");
    until("the list's people", || {
        page.status().ends_with("2 selected.")
    })
    .await;
    assert!(page
        .selected
        .with(|s| s.contains("g3") && s.contains("c42")));
    let text = page.text();
    assert!(
        text.contains(
            "2 people from the list selected. Not in the register: nobody@nowhere.example"
        ),
        "{text}"
    );
}

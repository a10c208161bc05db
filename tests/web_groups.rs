//! The groups components in a real browser (wasm-bindgen-test, headless Chromium): the
//! virtualized member list with 50,000 rows, hostile names as text, the activity log (in the
//! page's language, older English-only entries as stored), and the add-person dialog's address
//! problems in the admin's language.
//!
//! Run: `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test web_groups`
#![cfg(target_arch = "wasm32")]

// Each suite uses part of what the suites share.
#[allow(dead_code)]
mod web_support;

use guestlist::activity::{Entry, Log, Outcome, STORAGE_KEY};
use guestlist::auth::Account;
use guestlist::config::{Config, Tenant};
use guestlist::i18n::Lang;
use guestlist::ui::groups::members::{LoadState, MemberList, MemberRow};
use guestlist::ui::groups::GroupInfo;
use guestlist::ui::pages::ActivityPage;
use guestlist::ui::session::Session;
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::plan::TargetGroup;
use guestlist_core::tenant::{Member, ObjectId, User};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

use web_support::{document, until, Mounted};

wasm_bindgen_test_configure!(run_in_browser);

fn config() -> Config {
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

fn info() -> GroupInfo {
    GroupInfo {
        target: TargetGroup {
            id: "g1".into(),
            name: "All Company Broadcast".into(),
            mail: Some("allcompany@contoso.onmicrosoft.com".into()),
            kind: GroupKind::Distribution,
            external_senders: ExternalSenders::Rejected,
            dynamic_membership: false,
            on_premises_synced: false,
        },
        description: None,
        recipient_filter: None,
    }
}

fn user(n: usize, name: &str) -> MemberRow {
    MemberRow::from_member(Member::User(User {
        id: ObjectId(format!("u{n}")),
        display_name: Some(name.to_owned()),
        mail: Some(format!("staff{n:05}@contoso.onmicrosoft.com")),
        ..User::default()
    }))
}

/// Mounted in English; the suites that switch language take the `I18n` from `mount`.
fn mount<V: IntoView + 'static>(view: impl FnOnce() -> V + 'static) -> Mounted {
    web_support::mount(Lang::En, view).0
}

impl Mounted {
    fn text(&self) -> String {
        self.root.inner_text()
    }
}

fn session() -> Session {
    let account = Account {
        name: "Contoso Admin".into(),
        username: "admin@contoso.onmicrosoft.com".into(),
        tenant_id: "b6a2f1c4-3e5d-4f7a-9c8b-1d2e3f4a5b6c".into(),
    };
    Session::new(&config(), account, None).unwrap()
}

/// The member list's scrolling box, as style/groups.css makes it (the test page has no CSS).
fn viewport_style() {
    if document().get_element_by_id("groups-test-style").is_some() {
        return;
    }
    let style = document().create_element("style").unwrap();
    style.set_id("groups-test-style");
    style.set_text_content(Some(
        ".member-viewport { height: 528px; overflow-y: auto; } .member-row { height: 44px; }",
    ));
    document().head().unwrap().append_child(&style).unwrap();
}

#[wasm_bindgen_test]
async fn fifty_thousand_members_render_a_small_window() {
    viewport_style();
    let app = mount(|| {
        let rows: Vec<MemberRow> = (1..=50_000)
            .map(|n| user(n, &format!("Staff Member {n:05}")))
            .collect();
        let rows = RwSignal::new(rows);
        let state = RwSignal::new(LoadState::Done);
        view! { <MemberList session=session() info=info() rows state/> }
    });
    until("the count", || app.text().contains("50,000 members.")).await;
    let rendered = app.count(".member-row");
    assert!((10..=60).contains(&rendered), "{rendered} rows in the DOM");
    let first = app.root.query_selector(".member-row").unwrap().unwrap();
    assert_eq!(
        first.get_attribute("aria-setsize").as_deref(),
        Some("50000")
    );
    assert_eq!(first.get_attribute("aria-posinset").as_deref(), Some("1"));

    // Scrolled to the middle: the rows there, still a small window.
    let viewport: HtmlElement = app
        .root
        .query_selector(".member-viewport")
        .unwrap()
        .unwrap()
        .unchecked_into();
    viewport.set_scroll_top(viewport.scroll_height() / 2);
    until("rows from the middle", || {
        app.text().contains("Staff Member 25")
    })
    .await;
    assert!(app.count(".member-row") <= 60);
}

#[wasm_bindgen_test]
async fn hostile_names_stay_text() {
    let hostile = "<img src=x onerror=alert(1)> <script>alert('owned')</script> Mallory";
    let app = mount(move || {
        let rows = RwSignal::new(vec![user(1, hostile)]);
        let state = RwSignal::new(LoadState::Done);
        view! { <MemberList session=session() info=info() rows state/> }
    });
    until("the row", || app.text().contains("Mallory")).await;
    assert!(app.text().contains(hostile));
    assert!(app.text().contains("1 member."), "{}", app.text());
    assert_eq!(app.count("img"), 0);
    assert_eq!(app.count("script"), 0);
}

#[wasm_bindgen_test]
async fn activity_page_lists_the_stored_changes() {
    let mut log = Log::default();
    log.push(Entry {
        at_ms: 1_795_717_205_000,
        what: "Add jan@partner.nl to Sales Team".into(),
        group: "Sales Team".into(),
        outcome: Outcome::Failed,
        detail: "You aren't allowed to do this.".into(),
        request_id: Some("rid-42".into()),
        action: None,
        reason: None,
        run: None,
    });
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .set_item(STORAGE_KEY, &log.to_json())
        .unwrap();
    let app = mount(|| view! { <ActivityPage/> });
    until("the entry", || {
        app.text().contains("Add jan@partner.nl to Sales Team")
    })
    .await;
    let text = app.text();
    assert!(text.contains("2026-11-26T18:20:05Z"), "{text}");
    assert!(text.contains("Failed:"), "{text}");
    assert!(text.contains("rid-42"), "{text}");
}

#[wasm_bindgen_test]
async fn failure_view_follows_the_language_switch() {
    use guestlist::ui::groups::FailureView;
    use guestlist_core::domain::journal::Service;
    use guestlist_core::tenant::{ErrorDetail, TenantError};

    let failure = guestlist_core::run::failure(
        Service::Exchange,
        &TenantError::UnknownCommand(Box::new(ErrorDetail {
            status: 400,
            code: "BadRequest".into(),
            message: "A parameter cannot be found that matches parameter name 'HiddenFromAddressListsEnabled'.".into(),
            exception_type: Some(
                "System.Management.Automation.ParameterBindingException".into(),
            ),
            request_id: Some("rid-nl-1".into()),
            date: None,
        })),
    );
    let stored = failure.message.clone();
    let (app, i18n) = web_support::mount(
        Lang::En,
        move || view! { <FailureView failure raw="raw answer".to_owned()/> },
    );
    until("the English sentence", || {
        app.text()
            .contains("Exchange refused the command: your admin role doesn't include it.")
    })
    .await;
    let text = app.text();
    assert!(
        text.contains("The service said: A parameter cannot be found"),
        "{text}"
    );
    assert!(text.contains("rid-nl-1"), "{text}");

    i18n.set(Lang::Nl);
    until("the Dutch sentence", || {
        app.text()
            .contains("Exchange weigerde de opdracht: uw beheerdersrol omvat deze niet.")
    })
    .await;
    let text = app.text();
    assert!(
        text.contains("De service meldde: A parameter cannot be found"),
        "{text}"
    );
    assert!(!text.contains("Exchange refused the command"), "{text}");
    assert!(text.contains("rid-nl-1"), "{text}");
    assert_eq!(app.count("details.failure-raw"), 1);
    // What is stored (journal, activity log, exports) stays English.
    assert!(
        stored.starts_with("Exchange refused the command"),
        "{stored}"
    );
}

#[wasm_bindgen_test]
async fn activity_page_follows_the_language_switch() {
    use guestlist::activity::{Action, Reason};
    use guestlist::i18n::EN;
    use guestlist_core::domain::journal::{Failure, FailureKind, Service};

    // Written before actions were typed: English only, shown as stored in every language.
    let old = r#"{"entries":[{"atMs":1795717205000,"what":"Add jan@partner.nl to Sales Team","group":"Sales Team","outcome":"failed","detail":"You aren't allowed to do this.","requestId":"rid-42"}]}"#;
    let mut log = Log::from_json(old);
    assert_eq!(log.entries.len(), 1);
    log.push(
        Entry::new(
            Action::AddMember {
                member: "piet@partner.nl".into(),
                group: "Sales Team".into(),
            },
            "Sales Team".into(),
            Outcome::Script,
            1_795_717_300_000,
        )
        .because(Reason::InScript),
    );
    let said = "Insufficient privileges to complete the operation.";
    let failure = Failure {
        kind: Some(FailureKind::Forbidden),
        said: Some(said.into()),
        request_id: Some("rid-43".into()),
        ..Failure::new(
            Service::Graph,
            EN.compose_failure(FailureKind::Forbidden, Service::Graph, Some(said)),
        )
    };
    log.push(Entry::failed(
        Action::RemoveMember {
            member: "kees@partner.nl".into(),
            group: "Sales Team".into(),
        },
        "Sales Team".into(),
        &failure,
        1_795_717_400_000,
    ));
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .set_item(STORAGE_KEY, &log.to_json())
        .unwrap();

    let (app, i18n) = web_support::mount(Lang::En, move || view! { <ActivityPage/> });
    until("the English entries", || {
        app.text()
            .contains("Remove kees@partner.nl from Sales Team")
    })
    .await;
    let text = app.text();
    for expected in [
        "Add piet@partner.nl to Sales Team",
        "In the script: handed over as a PowerShell script",
        "Failed: You aren't allowed to do this: your account lacks a permission",
        "The service said: Insufficient privileges",
        "Add jan@partner.nl to Sales Team",
        "Failed: You aren't allowed to do this.",
        "rid-43",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }

    i18n.set(Lang::Nl);
    until("the Dutch entries", || {
        app.text()
            .contains("kees@partner.nl uit Sales Team verwijderen")
    })
    .await;
    let text = app.text();
    for expected in [
        "piet@partner.nl toevoegen aan Sales Team",
        "In het script: overgedragen als PowerShell-script",
        "Mislukt: U heeft hier geen rechten voor",
        "De service meldde: Insufficient privileges",
        // The old entry, as stored.
        "Add jan@partner.nl to Sales Team",
        "Mislukt: You aren't allowed to do this.",
        "rid-43",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    for english in [
        "Add piet@partner.nl",
        "handed over",
        "Remove kees@partner.nl",
    ] {
        assert!(!text.contains(english), "{english} in {text}");
    }
}

#[wasm_bindgen_test]
async fn member_type_icons_are_decorative_inline_svg() {
    use guestlist_core::tenant::{Group, GroupId, OrgContact};

    let rows = vec![
        user(1, "Staff Member"),
        MemberRow::from_member(Member::User(User {
            id: ObjectId("u2".into()),
            display_name: Some("Visiting Guest".into()),
            mail: Some("guest@partner.example".into()),
            user_type: Some("Guest".into()),
            ..User::default()
        })),
        MemberRow::from_member(Member::Contact(OrgContact {
            id: ObjectId("c1".into()),
            display_name: Some("Mail Contact".into()),
            mail: Some("contact@partner.example".into()),
            ..OrgContact::default()
        })),
        MemberRow::from_member(Member::Group(Group {
            id: GroupId("g2".into()),
            display_name: Some("Nested Group".into()),
            ..Group::default()
        })),
        MemberRow::from_member(Member::Other {
            odata_type: "#microsoft.graph.device".into(),
            id: ObjectId("d1".into()),
        }),
    ];
    let app = mount(move || {
        let rows = RwSignal::new(rows);
        let state = RwSignal::new(LoadState::Done);
        view! { <MemberList session=session() info=info() rows state/> }
    });
    until("the rows", || app.text().contains("5 members.")).await;
    assert_eq!(app.count(".member-row"), 5);
    // One icon per row, hidden from assistive technology (the type is written out).
    assert_eq!(
        app.count(".member-row .member-icon[aria-hidden='true'] > svg"),
        5
    );
    const SVG: &str = "http://www.w3.org/2000/svg";
    let icons = app.root.query_selector_all(".member-icon svg").unwrap();
    let mut drawings = Vec::new();
    for i in 0..icons.length() {
        let svg: web_sys::Element = icons.item(i).unwrap().unchecked_into();
        assert_eq!(svg.namespace_uri().as_deref(), Some(SVG));
        assert_eq!(svg.get_attribute("stroke").as_deref(), Some("currentColor"));
        assert_eq!(svg.get_attribute("viewBox").as_deref(), Some("0 0 24 24"));
        let shapes = svg.children();
        assert!(shapes.length() > 0, "an empty icon");
        for j in 0..shapes.length() {
            assert_eq!(
                shapes.item(j).unwrap().namespace_uri().as_deref(),
                Some(SVG)
            );
        }
        drawings.push(svg.inner_html());
    }
    drawings.sort();
    drawings.dedup();
    assert_eq!(drawings.len(), 5, "each type has its own icon");
    // No emoji left to fall back to an empty box.
    let text = app.text();
    for emoji in ["👤", "🧳", "✉", "👥"] {
        assert!(!text.contains(emoji), "{emoji} in {text}");
    }
    for label in ["User", "Guest", "Mail contact", "Group", "Other"] {
        assert!(text.contains(label), "{label} in {text}");
    }
}

#[wasm_bindgen_test]
async fn add_person_dialog_words_address_problems_in_the_admins_language() {
    use guestlist::ui::groups::add_person::AddPersonDialog;
    use web_sys::{HtmlButtonElement, HtmlInputElement};

    let (app, _) = web_support::mount(Lang::Nl, move || {
        let members = RwSignal::new(Vec::<MemberRow>::new());
        let external = RwSignal::new(ExternalSenders::Allowed);
        view! { <AddPersonDialog session=session() info=info() members external on_close=|_| ()/> }
    });
    until("the form", || {
        app.root.query_selector("#add-email").unwrap().is_some()
    })
    .await;
    let email: HtmlInputElement = app
        .root
        .query_selector("#add-email")
        .unwrap()
        .unwrap()
        .unchecked_into();
    email.set_value("jan.partner.nl");
    email
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    let submit: HtmlButtonElement = app
        .root
        .query_selector(".add-form button[type=submit]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    submit.click();
    until("the problem in Dutch", || {
        app.text().contains("E-mailadres: het adres heeft geen @")
    })
    .await;
    let errors = app
        .root
        .query_selector(".form-errors")
        .unwrap()
        .expect("the problems are listed")
        .text_content()
        .unwrap_or_default();
    assert_eq!(errors, "E-mailadres: het adres heeft geen @");
    assert!(!app.text().contains("has no @"), "{}", app.text());
}

/// The header's mode status and the panel behind it: a steady mode keeps the panel closed until
/// the status button is pressed; a verdict that needs the admin's action opens it by itself.
#[wasm_bindgen_test]
async fn mode_status_opens_the_panel_on_demand_and_by_itself_when_the_admin_must_act() {
    use guestlist::auth::{bridge_settings, Auth};
    use guestlist::probe::{ExchangeStatus, GraphStatus, Mode, ModeReport};
    use guestlist::ui::components::{ModeDetails, ModePanel, ModeStatus};
    use guestlist::ui::session::{provide_fixed_session, ModeState};
    use web_sys::HtmlButtonElement;

    let status = |app: &Mounted| -> HtmlButtonElement {
        app.root
            .query_selector(".mode-status")
            .unwrap()
            .expect("the header's status")
            .unchecked_into()
    };
    let panel_open = |app: &Mounted| app.root.query_selector("#mode-details").unwrap().is_some();

    // Script mode because the browser can't reach Exchange: steady, nothing to act on.
    let session = session();
    let mode_state = session.mode_state;
    let (app, _) = web_support::mount(Lang::Nl, move || {
        Auth::provide(bridge_settings(&config(), "http://127.0.0.1/"));
        ModeDetails::provide();
        provide_fixed_session(Some(session));
        view! { <ModeStatus/> <ModePanel/> }
    });
    until("the status while checking", || {
        status(&app).text_content().unwrap_or_default() == "Modus wordt gecontroleerd…"
    })
    .await;
    mode_state.set(ModeState::Known(ModeReport {
        graph: GraphStatus::Ready,
        exchange: ExchangeStatus::Unreachable("TypeError: Failed to fetch".into()),
        mode: Mode::Script,
    }));
    until("the script-mode status", || {
        status(&app).text_content().unwrap_or_default() == "Scriptmodus"
    })
    .await;
    assert!(
        !panel_open(&app),
        "a steady script mode keeps the panel closed"
    );
    assert_eq!(
        status(&app).get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert_eq!(
        status(&app).get_attribute("aria-controls").as_deref(),
        Some("mode-details")
    );

    // Why, on demand.
    status(&app).click();
    until("the panel", || panel_open(&app)).await;
    assert_eq!(
        status(&app).get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    assert!(
        app.text()
            .contains("Exchange is vanuit deze browser niet bereikbaar"),
        "{}",
        app.text()
    );
    status(&app).click();
    until("the panel closed", || !panel_open(&app)).await;

    // Graph permissions missing: the admin must act, so the panel opens by itself.
    mode_state.set(ModeState::Known(ModeReport {
        graph: GraphStatus::MissingScopes(vec!["User.Invite.All".into()]),
        exchange: ExchangeStatus::Writable,
        mode: Mode::Direct,
    }));
    until("the panel opened by itself", || panel_open(&app)).await;
    assert_eq!(
        status(&app).text_content().unwrap_or_default(),
        "Directe modus"
    );
    assert!(app.text().contains("User.Invite.All"), "{}", app.text());
    // Its own close button closes it.
    let close: HtmlButtonElement = app
        .root
        .query_selector("#mode-details .button--quiet")
        .unwrap()
        .expect("the panel's close button")
        .unchecked_into();
    assert_eq!(close.text_content().unwrap_or_default(), "Sluiten");
    close.click();
    until("the panel closed again", || !panel_open(&app)).await;
}

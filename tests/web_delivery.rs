//! The group page's delivery check in a real browser (wasm-bindgen-test, headless Chromium):
//! the badge and the "any external sender" answer for a group with an allowed-senders list, a
//! moderated group and a group synced from on-premises (explained, no fix offered), the bounce
//! code linked to Microsoft's page, script mode saying why it can't check, and Dutch.
//!
//! Run: `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test web_delivery`
#![cfg(target_arch = "wasm32")]

#[allow(dead_code)]
mod web_support;

use guestlist::auth::Account;
use guestlist::config::{Config, Tenant};
use guestlist::i18n::Lang;
use guestlist::probe::{ExchangeStatus, GraphStatus, Mode, ModeReport};
use guestlist::ui::groups::delivery::{DeliveryBadge, DeliveryCheckCard};
use guestlist::ui::groups::GroupInfo;
use guestlist::ui::session::{ModeState, Session};
use guestlist_core::domain::delivery::{
    evaluate, DeliverySettings, Mastered, NdrCode, RecipientRef, Sender,
};
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::journal::Failure;
use guestlist_core::domain::plan::TargetGroup;
use guestlist_core::tenant::DeliveryCheck;
use leptos::prelude::*;
use wasm_bindgen_test::*;

use web_support::{until, Mounted};

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

fn session(mode: Mode) -> Session {
    let account = Account {
        name: "Contoso Admin".into(),
        username: "admin@contoso.onmicrosoft.com".into(),
        tenant_id: "b6a2f1c4-3e5d-4f7a-9c8b-1d2e3f4a5b6c".into(),
    };
    let s = Session::new(&config(), account, None).unwrap();
    s.mode_state.set(ModeState::Known(report(mode)));
    s
}

fn report(mode: Mode) -> ModeReport {
    ModeReport {
        graph: GraphStatus::Ready,
        exchange: match mode {
            Mode::Direct => ExchangeStatus::Writable,
            Mode::Script => ExchangeStatus::Unreachable("TypeError: Failed to fetch".into()),
        },
        mode,
    }
}

fn info(name: &str, synced: bool) -> GroupInfo {
    GroupInfo {
        target: TargetGroup {
            id: "g1".into(),
            name: name.into(),
            mail: Some("vendor-updates@contoso.onmicrosoft.com".into()),
            kind: GroupKind::Distribution,
            external_senders: ExternalSenders::Allowed,
            dynamic_membership: false,
            on_premises_synced: synced,
        },
        description: None,
        recipient_filter: None,
    }
}

/// The "any external sender" answer the page reads, made by the domain from `settings`.
fn any(settings: DeliverySettings) -> Option<Result<DeliveryCheck, Failure>> {
    let sender = Sender::any_external(String::new());
    let send = evaluate(&settings, &sender);
    Some(Ok(DeliveryCheck {
        settings,
        sender,
        send,
    }))
}

fn settings() -> DeliverySettings {
    DeliverySettings::open(
        RecipientRef::new(
            "Vendor Portal Updates",
            &["vendor-updates@contoso.onmicrosoft.com"],
        ),
        GroupKind::Distribution,
    )
}

fn mount_card(
    lang: Lang,
    session: Session,
    info: GroupInfo,
    check: Option<Result<DeliveryCheck, Failure>>,
) -> Mounted {
    web_support::mount(lang, move || {
        let any = RwSignal::new(check);
        let external = RwSignal::new(ExternalSenders::Allowed);
        view! {
            <DeliveryBadge any external/>
            <DeliveryCheckCard session info any/>
        }
    })
    .0
}

fn text(app: &Mounted) -> String {
    app.root.inner_text()
}

#[wasm_bindgen_test]
async fn an_allowed_senders_list_bounces_externals_with_5_7_124_linked_to_microsoft() {
    let mut s = settings();
    s.accept_messages_only_from = vec!["Chris Preston".into()];
    let session = session(Mode::Direct);
    let mode = session.mode_state;
    let app = mount_card(
        Lang::En,
        session,
        info("Vendor Portal Updates", false),
        any(s),
    );
    until("the badge", || {
        text(&app).contains("Bounces externals: 5.7.124")
    })
    .await;
    let t = text(&app);
    assert!(
        t.contains(
            "Any external sender gets a bounce from Vendor Portal Updates, with code 5.7.124"
        ),
        "{t}"
    );
    assert!(
        t.contains("and an external sender isn't one of them"),
        "{t}"
    );
    // No person to name in the list: the fix needs an address.
    assert!(t.contains("Check a specific address below"), "{t}");
    let links = app.root.query_selector_all("a.ndr-code").unwrap();
    assert_eq!(links.length(), 2, "the outcome's code and the finding's");
    for i in 0..links.length() {
        let a: web_sys::Element = wasm_bindgen::JsCast::unchecked_into(links.get(i).unwrap());
        assert_eq!(
            a.get_attribute("href").as_deref(),
            Some(NdrCode::NotInAllowedSenders.page())
        );
        assert_eq!(a.text_content().as_deref(), Some("5.7.124"));
    }
    assert!(app
        .root
        .query_selector("#delivery-address")
        .unwrap()
        .is_some());

    // Script mode: Exchange's restrictions can't be read here, and the page says so.
    mode.set(ModeState::Known(report(Mode::Script)));
    until("the script-mode notice", || {
        text(&app).contains("can't be checked here")
    })
    .await;
    assert!(app
        .root
        .query_selector("#delivery-address")
        .unwrap()
        .is_none());
    // Instead the admin reports the bounce the sender got, and gets the fix's script.
    assert!(app
        .root
        .query_selector("#delivery-reported-address")
        .unwrap()
        .is_some());
    assert_eq!(app.count("#delivery-bounce option"), 2, "5.7.124 and held");
    assert!(text(&app).contains("Show the fix"), "{}", text(&app));
}

#[wasm_bindgen_test]
async fn a_moderated_group_holds_externals_and_an_open_one_delivers() {
    let mut s = settings();
    s.moderation_enabled = true;
    s.moderated_by = vec!["Megan Bowen".into()];
    let app = mount_card(
        Lang::En,
        session(Mode::Direct),
        info("Press Releases", false),
        any(s),
    );
    until("the badge", || text(&app).contains("Moderated")).await;
    let t = text(&app);
    assert!(
        t.contains("waits until a moderator approves it (Megan Bowen)"),
        "{t}"
    );
    assert!(!t.contains("Bounces externals"), "{t}");
    drop(app);

    let app = mount_card(
        Lang::En,
        session(Mode::Direct),
        info("Sales", false),
        any(settings()),
    );
    until("the badge", || text(&app).contains("Externals can mail it")).await;
    assert!(
        text(&app).contains("Any external sender can mail Sales: the message is delivered."),
        "{}",
        text(&app)
    );
    assert_eq!(app.count(".finding"), 0);
}

#[wasm_bindgen_test]
async fn a_synced_group_is_explained_without_a_fix_in_dutch() {
    let mut s = settings();
    s.mastered = Mastered::OnPremises;
    s.external_senders = ExternalSenders::Rejected;
    let app = mount_card(
        Lang::Nl,
        session(Mode::Direct),
        info("Legacy Staff List", true),
        any(s),
    );
    until("the badge", || {
        text(&app).contains("Weigert externen: 5.7.133")
    })
    .await;
    let t = text(&app);
    assert!(
        t.contains("De groep accepteert alleen mail van binnen de organisatie"),
        "{t}"
    );
    assert!(
        t.contains("on-premises Active Directory: de instellingen worden daar gewijzigd"),
        "{t}"
    );
    // No button offers a change Exchange Online would refuse.
    assert_eq!(app.count(".finding button"), 0, "{t}");
    assert!(!t.contains("Openen voor externe afzenders"), "{t}");
}

#[wasm_bindgen_test]
async fn a_closed_group_points_to_the_pages_one_open_button() {
    let mut s = settings();
    s.external_senders = ExternalSenders::Rejected;
    let app = mount_card(
        Lang::En,
        session(Mode::Direct),
        info("Sales Team", false),
        any(s),
    );
    until("the badge", || {
        text(&app).contains("Bounces externals: 5.7.133")
    })
    .await;
    let t = text(&app);
    assert!(
        t.contains(
            "Fix: \"Open to external senders\" under \"Mail from outside the organisation\" above."
        ),
        "{t}"
    );
    // The external-senders card has the button; the check doesn't add a second one.
    assert_eq!(
        app.count(".delivery button"),
        1,
        "only the address form's Check: {t}"
    );
}

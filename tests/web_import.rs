//! The bulk import in a real browser.
//!
//! - In-browser measurement of the import's pure work for 10,000 rows: read + recognise +
//!   validate (`csv_import::import`), then plan them into a distribution group and a Microsoft
//!   365 group against a tenant snapshot. Prints the times; asserts only that the work was done
//!   (the figures are for `cargo xtask bench`, not a pass/fail threshold).
//! - The import page's row counts in English and Dutch, singular and plural.
//!
//! Run: `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! CHROMEDRIVER=/usr/bin/chromedriver cargo test --release --target wasm32-unknown-unknown
//! --test web_import -- --nocapture` — the runner prints a line
//! `BENCH import rows=10000 parse_validate_ms=… plan_ms=… entries=…`.
#![cfg(target_arch = "wasm32")]

// Each suite uses part of what the suites share.
#[allow(dead_code)]
mod web_support;

use guestlist::i18n::Lang;
use guestlist::ui::pages::ImportPage;
use guestlist_core::domain::csv_import::{import, synthetic_csv, ExampleFile, MAX_ROWS};
use guestlist_core::domain::email::EmailAddress;
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::plan::{
    plan, ExistingContact, PlanOptions, TargetGroup, TenantSnapshot,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlTextAreaElement};

use web_support::{mount, until};

wasm_bindgen_test_configure!(run_in_browser);

/// `performance.now()`, in milliseconds with sub-millisecond resolution.
fn now() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap();
    let f: js_sys::Function = js_sys::Reflect::get(&perf, &"now".into())
        .unwrap()
        .unchecked_into();
    f.call0(&perf).unwrap().as_f64().unwrap()
}

fn group(id: &str, kind: GroupKind) -> TargetGroup {
    TargetGroup {
        id: id.into(),
        name: id.into(),
        mail: Some(format!("{id}@contoso.com")),
        kind,
        external_senders: ExternalSenders::Allowed,
        dynamic_membership: false,
        on_premises_synced: false,
    }
}

#[wasm_bindgen_test]
fn parse_validate_and_plan_ten_thousand_rows() {
    let csv = synthetic_csv(MAX_ROWS);

    let t0 = now();
    let imported = import(csv.as_bytes()).expect("the synthetic file reads");
    let t1 = now();
    let validated = imported.validated.expect("the Dutch header is recognised");
    assert_eq!(validated.rows.len(), MAX_ROWS);

    // Every tenth address already exists as a contact (bulk reads would have found it).
    let desired = validated.desired();
    let contacts: Vec<ExistingContact> = desired
        .iter()
        .filter_map(|d| d.person.as_ref().ok())
        .step_by(10)
        .enumerate()
        .map(|(i, p)| ExistingContact {
            id: format!("contact-{i}"),
            mail: EmailAddress::parse(&p.email.to_string()).unwrap(),
            display_name: format!("Existing {i}"),
        })
        .collect();
    let snapshot = TenantSnapshot {
        contacts,
        ..TenantSnapshot::default()
    };
    let groups = [
        group("dg", GroupKind::Distribution),
        group("m365", GroupKind::Microsoft365),
    ];
    let t2 = now();
    let planned = plan(&groups, &desired, &snapshot, &PlanOptions::default());
    let t3 = now();
    assert_eq!(planned.entries.len(), MAX_ROWS * 2);

    console_log!(
        "BENCH import rows={} parse_validate_ms={:.1} plan_ms={:.1} entries={} ops={}",
        MAX_ROWS,
        t1 - t0,
        t3 - t2,
        planned.entries.len(),
        planned.ops.len()
    );
}

/// Pastes `text` into the page's paste box and reads it.
fn paste(root: &HtmlElement, text: &str) {
    let area: HtmlTextAreaElement = root
        .query_selector("#imp-paste")
        .unwrap()
        .expect("the paste box")
        .unchecked_into();
    area.set_value(text);
    let button: HtmlElement = area
        .next_element_sibling()
        .expect("the paste button")
        .unchecked_into();
    button.click();
}

#[wasm_bindgen_test]
async fn row_counts_are_singular_for_one_and_plural_otherwise_in_both_languages() {
    let (app, i18n) = mount(Lang::En, || view! { <ImportPage/> });
    let root = &app.root;
    let text = || root.inner_text();

    paste(root, "jan@partner.example");
    until("one row", || text().contains("pasted rows: 1 row, UTF-8")).await;
    let t = text();
    assert!(
        t.contains("1 row can be imported; 0 rows have a problem and will be skipped."),
        "{t}"
    );
    assert!(!t.contains("1 rows"), "{t}");

    i18n.set(Lang::Nl);
    until("one row in Dutch", || text().contains(": 1 rij, UTF-8")).await;
    let t = text();
    assert!(
        t.contains("1 rij kan worden geïmporteerd; 0 rijen hebben een probleem"),
        "{t}"
    );
    assert!(!t.contains("1 rijen"), "{t}");

    paste(
        root,
        "jan@partner.example\npiet@partner.example\nnot an address",
    );
    until("three rows in Dutch", || {
        text().contains(": 3 rijen, UTF-8")
    })
    .await;
    let t = text();
    assert!(
        t.contains(
            "2 rijen kunnen worden geïmporteerd; 1 rij heeft een probleem en wordt overgeslagen."
        ),
        "{t}"
    );

    i18n.set(Lang::En);
    until("three rows in English", || {
        text().contains(": 3 rows, UTF-8")
    })
    .await;
    let t = text();
    assert!(
        t.contains("2 rows can be imported; 1 row has a problem and will be skipped."),
        "{t}"
    );
}

/// The button of the page whose text is `label`.
fn button(root: &HtmlElement, label: &str) -> HtmlElement {
    let buttons = root.query_selector_all("button").unwrap();
    (0..buttons.length())
        .filter_map(|i| buttons.item(i))
        .map(|b| b.unchecked_into::<HtmlElement>())
        .find(|b| b.inner_text().trim() == label)
        .unwrap_or_else(|| panic!("no button {label:?}"))
}

/// The `n`th file the page offered for download: its name and its bytes. The app clicks an
/// anchor with a Blob URL and revokes the URL right after, so the test's click handler reads
/// the blob at once.
async fn downloaded(n: u32) -> (String, Vec<u8>) {
    let list = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__downloads".into()).unwrap();
    let item = js_sys::Array::from(&list).get(n);
    let name = js_sys::Reflect::get(&item, &"name".into())
        .unwrap()
        .as_string()
        .unwrap();
    let bytes: js_sys::Promise = js_sys::Reflect::get(&item, &"bytes".into())
        .unwrap()
        .unchecked_into();
    let buffer = wasm_bindgen_futures::JsFuture::from(bytes).await.unwrap();
    (name, js_sys::Uint8Array::new(&buffer).to_vec())
}

#[wasm_bindgen_test]
async fn the_example_file_downloads_in_the_page_language_and_reads_back_in_full() {
    js_sys::eval(
        "window.__downloads = []; \
         HTMLAnchorElement.prototype.click = function () { \
           window.__downloads.push({ name: this.download, \
             bytes: fetch(this.href).then((r) => r.arrayBuffer()) }); };",
    )
    .unwrap();
    let (app, i18n) = mount(Lang::Nl, || view! { <ImportPage/> });
    let root = &app.root;

    button(root, "Voorbeeldbestand downloaden").click();
    let (name, bytes) = downloaded(0).await;
    assert_eq!(name, "guestlist-voorbeeld.csv");
    assert_eq!(bytes, ExampleFile::Dutch.text().into_bytes());
    // What Excel would give back unchanged reads in full: every row importable.
    paste(root, &String::from_utf8(bytes).unwrap());
    until("the example's rows", || {
        root.inner_text()
            .contains("2 rijen kunnen worden geïmporteerd; 0 rijen hebben een probleem")
    })
    .await;

    i18n.set(Lang::En);
    until("the English button", || {
        root.inner_text().contains("Download an example file")
    })
    .await;
    button(root, "Download an example file").click();
    let (name, bytes) = downloaded(1).await;
    assert_eq!(name, "guestlist-example.csv");
    assert_eq!(bytes, ExampleFile::English.text().into_bytes());

    js_sys::eval("delete HTMLAnchorElement.prototype.click; delete window.__downloads;").unwrap();
}

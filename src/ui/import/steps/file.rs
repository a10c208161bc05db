//! Step 1, the file: a CSV chosen or rows pasted, read with its encoding and separator
//! detected; an example file to download in the page's language.

use crate::i18n::{plural, use_i18n, Lang};
use crate::ui::import::state::{ImportState, LoadProblem};
use guestlist_core::domain::csv_import::{read_pasted, ColumnMapping, Encoding, ExampleFile};
use leptos::prelude::*;

fn encoding_name(e: Encoding) -> &'static str {
    match e {
        Encoding::Utf8 => "UTF-8",
        Encoding::Utf8Bom => "UTF-8 (BOM)",
        Encoding::Utf16Le => "UTF-16 LE",
        Encoding::Utf16Be => "UTF-16 BE",
        Encoding::Windows1252 => "Windows-1252",
    }
}

#[cfg(target_arch = "wasm32")]
fn read_file(ev: leptos::ev::Event, st: ImportState) {
    let Some((name, bytes)) = crate::ui::browser::chosen_file(&ev) else {
        return;
    };
    leptos::task::spawn_local(async move {
        match bytes.await {
            Ok(bytes) => match guestlist_core::domain::csv_import::import(&bytes) {
                Ok(imp) => st.set_table(name, imp.table, imp.mapping),
                Err(e) => st.load_error.set(Some(LoadProblem::File(e))),
            },
            Err(said) => st.load_error.set(Some(LoadProblem::Browser(said))),
        }
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn read_file(_ev: leptos::ev::Event, _st: ImportState) {}

#[component]
pub(crate) fn FileStep(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    let paste = NodeRef::<leptos::html::Textarea>::new();
    let on_file = {
        let st = st.clone();
        move |ev: leptos::ev::Event| read_file(ev, st.clone())
    };
    let on_paste = {
        let st = st.clone();
        move |_| {
            let text = paste.get().map(|t| t.value()).unwrap_or_default();
            match read_pasted(&text) {
                Ok(table) => {
                    let mapping = ColumnMapping::for_table(&table);
                    st.set_table(i18n.t().import().pasted.to_owned(), table, mapping);
                }
                Err(e) => st.load_error.set(Some(LoadProblem::File(e))),
            }
        }
    };
    let loaded = st.loaded.clone();
    let error = st.load_error.clone();
    // In the page's language: Dutch headers and semicolons, as Dutch Excel writes them.
    let download_example = {
        let error = error.clone();
        move |_| {
            let example = match i18n.lang() {
                Lang::En => ExampleFile::English,
                Lang::Nl => ExampleFile::Dutch,
            };
            let text = example.text();
            if let Err(e) =
                crate::ui::groups::download(example.file_name(), "text/csv;charset=utf-8", &text)
            {
                error.set(Some(LoadProblem::Download(e)));
            }
        }
    };
    view! {
        <section class="card import-step" aria-labelledby="imp-file-h">
            <h2 id="imp-file-h">{move || i18n.t().import().file_heading}</h2>
            <div class="import-inputs">
                <div class="field">
                    <label for="imp-file">{move || i18n.t().import().file_label}</label>
                    <input id="imp-file" type="file" accept=".csv,.txt,text/csv" on:change=on_file/>
                </div>
                <div class="field">
                    <label for="imp-paste">{move || i18n.t().import().paste_label}</label>
                    <textarea id="imp-paste" rows="4" node_ref=paste spellcheck="false"></textarea>
                    <button type="button" class="button" on:click=on_paste>
                        {move || i18n.t().import().paste_button}
                    </button>
                </div>
            </div>
            <p class="import-example">
                <button type="button" class="button" on:click=download_example>
                    {move || i18n.t().import().example_download}
                </button>
                " "
                <span class="hint">{move || i18n.t().import().example_hint}</span>
            </p>
            {move || error.get().map(|e| view! { <p class="import-error" role="alert">{i18n.t().import().load_problem(&e)}</p> })}
            {move || loaded.with(|l| l.as_ref().map(|l| {
                let t = i18n.t();
                let text = plural(&t.import().detected, t.count(l.table.rows.len() as u64), &[
                    ("name", &l.name),
                    ("encoding", encoding_name(l.table.encoding)),
                    ("delimiter", t.import().delimiter(l.table.delimiter)),
                ]);
                let no_header = (!l.table.has_header).then_some(t.import().no_header);
                view! {
                    <p class="import-detected" role="status">{text}</p>
                    {no_header.map(|h| view! { <p>{h}</p> })}
                }
            }))}
        </section>
    }
}

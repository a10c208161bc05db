//! Step 3, the rows: how many can be imported, and each row's problems, filtered by field.

use super::SHOWN;
use crate::i18n::{fill, use_i18n};
use crate::ui::import::state::ImportState;
use guestlist_core::domain::csv_import::RowIssue;
use guestlist_core::domain::person::PersonField;
use leptos::prelude::*;

#[component]
pub(crate) fn RowsStep(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    // "" = every field, else the PersonField's index.
    let filter = RwSignal::new(String::new());
    let validated = st.validated.clone();
    let summary = {
        let validated = validated.clone();
        move || {
            validated.with(|v| match v {
                Some(Ok(v)) => {
                    let t = i18n.t();
                    t.import().rows_summary(
                        t.count(v.valid_count() as u64),
                        t.count(v.invalid_count() as u64),
                    )
                }
                _ => String::new(),
            })
        }
    };
    let list = {
        let validated = validated.clone();
        move || {
            let t = i18n.t();
            let f = filter.get();
            validated.with(|v| {
            let Some(Ok(v)) = v else {
                return Vec::new();
            };
            let matching: Vec<&RowIssue> = v
                .issues()
                .filter(|i| {
                    f.is_empty()
                        || PersonField::ALL
                            .iter()
                            .position(|p| *p == i.error.field)
                            .is_some_and(|p| p.to_string() == f)
                })
                .collect();
            let total = matching.len();
            let mut items: Vec<AnyView> = matching
                .into_iter()
                .take(SHOWN)
                .map(|i| view! { <li>{t.row_issue(i)}</li> }.into_any())
                .collect();
            if total > SHOWN {
                items.push(
                    view! {
                        <li class="import-more">
                            {fill(t.import().shown_of, &[("shown", t.count(SHOWN as u64).as_str()), ("total", t.count(total as u64).as_str())])}
                        </li>
                    }
                    .into_any(),
                );
            }
            items
        })
        }
    };
    // Cells reading changed (line breaks joined): the rows stay importable, the admin sees how.
    let notes = move || {
        let t = i18n.t();
        validated.with(|v| {
            let Some(Ok(v)) = v else {
                return None;
            };
            let total = v.notes().count();
            (total > 0).then(|| {
                let items: Vec<AnyView> = v
                    .notes()
                    .take(SHOWN)
                    .map(|n| view! { <li>{t.row_note(n)}</li> }.into_any())
                    .collect();
                let more = (total > SHOWN).then(|| {
                    view! {
                        <p class="import-more">
                            {fill(t.import().shown_of, &[("shown", t.count(SHOWN as u64).as_str()), ("total", t.count(total as u64).as_str())])}
                        </p>
                    }
                });
                view! {
                    <h3 id="imp-notes-h">{t.import().notes_label}</h3>
                    <ul class="import-notes" aria-labelledby="imp-notes-h">{items}</ul>
                    {more}
                }
            })
        })
    };
    view! {
        <section class="card import-step" aria-labelledby="imp-rows-h">
            <h2 id="imp-rows-h">{move || i18n.t().import().rows_heading}</h2>
            <p role="status">{summary}</p>
            <div class="field">
                <label for="imp-issue-filter">{move || i18n.t().import().filter_label}</label>
                <select id="imp-issue-filter" on:change=move |ev| filter.set(event_target_value(&ev))>
                    <option value="">{move || i18n.t().import().filter_all}</option>
                    {PersonField::ALL.iter().enumerate().map(|(n, f)| {
                        let f = *f;
                        view! { <option value=n.to_string()>{move || i18n.t().person().person_field(f)}</option> }
                    }).collect_view()}
                </select>
            </div>
            <ul class="import-issues" aria-label=move || i18n.t().import().issues_label>{list}</ul>
            {notes}
        </section>
    }
}

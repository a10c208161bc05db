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
                Some(Ok(v)) => i18n
                    .t()
                    .import()
                    .rows_summary(v.valid_count() as u64, v.invalid_count() as u64),
                _ => String::new(),
            })
        }
    };
    let list = move || {
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
                            {fill(t.import().shown_of, &[("shown", &SHOWN.to_string()), ("total", &total.to_string())])}
                        </li>
                    }
                    .into_any(),
                );
            }
            items
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
                        view! { <option value=n.to_string()>{move || i18n.t().common.person_field(f)}</option> }
                    }).collect_view()}
                </select>
            </div>
            <ul class="import-issues" aria-label=move || i18n.t().import().issues_label>{list}</ul>
        </section>
    }
}

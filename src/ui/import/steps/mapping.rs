//! Step 2, the columns: which column holds each field (recognised English and Dutch column
//! names are chosen already).

use crate::i18n::use_i18n;
use crate::ui::import::state::ImportState;
use guestlist_core::domain::csv_import::MapTarget;
use leptos::prelude::*;

fn map_target_id(target: MapTarget) -> &'static str {
    match target {
        MapTarget::Email => "imp-map-email",
        MapTarget::DisplayName => "imp-map-display",
        MapTarget::FirstName => "imp-map-first",
        MapTarget::LastNamePrefix => "imp-map-prefix",
        MapTarget::LastName => "imp-map-last",
        MapTarget::Company => "imp-map-company",
        MapTarget::AccessUntil => "imp-map-until",
        MapTarget::Tenant => "imp-map-tenant",
    }
}

#[component]
pub(crate) fn MappingStep(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    let headers: Vec<String> = st
        .loaded
        .with_untracked(|l| l.as_ref().map(|l| l.table.headers.clone()))
        .unwrap_or_default();
    let fields = MapTarget::ALL
        .into_iter()
        .map(|target| {
            let mapping = st.mapping.clone();
            let st = st.clone();
            let options = headers
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    let mapping = mapping.clone();
                    view! {
                        <option
                            value=i.to_string()
                            selected=move || mapping.with(|m| m.get(target) == Some(i))
                        >
                            {h.clone()}
                        </option>
                    }
                })
                .collect_view();
            let none_mapping = mapping.clone();
            view! {
                <div class="field import-map-field">
                    <label for=map_target_id(target)>{move || i18n.t().map_target(target)}</label>
                    <select
                        id=map_target_id(target)
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            st.map(target, v.parse().ok());
                        }
                    >
                        <option value="" selected=move || none_mapping.with(|m| m.get(target).is_none())>
                            {move || i18n.t().import().map_none}
                        </option>
                        {options}
                    </select>
                </div>
            }
        })
        .collect_view();
    let validated = st.validated.clone();
    view! {
        <section class="card import-step" aria-labelledby="imp-map-h">
            <h2 id="imp-map-h">{move || i18n.t().import().map_heading}</h2>
            <p>{move || i18n.t().import().map_intro}</p>
            <div class="import-map">{fields}</div>
            {move || validated.with(|v| matches!(v, Some(Err(_)))).then(|| view! {
                <p class="import-error" role="alert">{move || i18n.t().import().map_need_email}</p>
            })}
        </section>
    }
}

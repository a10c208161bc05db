//! Step 4, the groups: search the tenant's groups and choose the targets.

use super::session_fn;
use crate::i18n::{fill, use_i18n};
use crate::ui::groups::{explain, FailureView};
use crate::ui::import::state::ImportState;
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::tenant::{Group, GroupFilter};
use leptos::prelude::*;

#[component]
pub(crate) fn GroupsStep(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    let session = session_fn();
    let query = RwSignal::new(String::new());
    let results: RwSignal<Option<Result<Vec<Group>, Failure>>> = RwSignal::new(None);
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(s) = session() else { return };
        let q = query.get_untracked();
        leptos::task::spawn_local(async move {
            let r = s
                .graph
                .search_groups(&q, GroupFilter::Any)
                .await
                .map(|p| p.items)
                .map_err(|e| explain(Service::Graph, &e));
            // The page may be gone by now.
            results.try_set(Some(r));
        });
    };
    let chosen = st.groups.clone();
    let add_to = chosen.clone();
    let result_list = move || {
        let t = i18n.t();
        results.get().map(|r| match r {
            Err(e) => view! { <FailureView failure=e/> }.into_any(),
            Ok(groups) => view! {
                <ul class="import-group-results" aria-label=t.import().group_results>
                    {groups.into_iter().map(|g| {
                        let name = g.display_name.clone().unwrap_or_else(|| g.id.to_string());
                        let kind = t.finder.kind_or_unknown(g.kind().ok());
                        let mail = g.mail.clone().unwrap_or_default();
                        let label = fill(t.import().group_add, &[("name", &name)]);
                        let add_to = add_to.clone();
                        view! {
                            <li>
                                <span class="import-group-name">{name}</span>
                                " " <span class="badge">{kind}</span>
                                " " <span class="import-group-mail">{mail}</span>
                                " "
                                <button type="button" class="button" aria-label=label on:click=move |_| {
                                    let g = g.clone();
                                    add_to.update(|v| if !v.iter().any(|x| x.id == g.id) { v.push(g) });
                                }>{t.import().add}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any(),
        })
    };
    let chosen_list = move || {
        let t = i18n.t();
        let groups = chosen.get();
        if groups.is_empty() {
            return view! { <p>{t.import().groups_none}</p> }.into_any();
        }
        let remove_from = chosen.clone();
        view! {
            <ul class="import-chosen" aria-label=t.import().groups_chosen>
                {groups.into_iter().map(|g| {
                    let name = g.display_name.clone().unwrap_or_else(|| g.id.to_string());
                    let label = fill(t.import().group_remove, &[("name", &name)]);
                    let remove_from = remove_from.clone();
                    let id = g.id.clone();
                    view! {
                        <li>
                            <span>{name}</span> " " <span class="badge">{t.finder.kind_or_unknown(g.kind().ok())}</span> " "
                            <button type="button" class="button" aria-label=label on:click=move |_| {
                                remove_from.update(|v| v.retain(|x| x.id != id));
                            }>{t.import().remove}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }.into_any()
    };
    view! {
        <section class="card import-step" aria-labelledby="imp-groups-h">
            <h2 id="imp-groups-h">{move || i18n.t().import().groups_heading}</h2>
            {move || session().is_none().then(|| view! { <p>{i18n.t().import().sign_in_first}</p> })}
            <form class="import-group-search" role="search" on:submit=search>
                <label for="imp-group-q">{move || i18n.t().import().group_search}</label>
                <input id="imp-group-q" type="search" prop:value=query on:input=move |ev| query.set(event_target_value(&ev))/>
                <button type="submit" class="button">{move || i18n.t().import().group_search_button}</button>
            </form>
            {result_list}
            <h3>{move || i18n.t().import().groups_chosen}</h3>
            {chosen_list}
        </section>
    }
}

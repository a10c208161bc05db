//! Step 4, the groups: search the tenant's groups and choose the targets. A partner's file with
//! a tenant column chooses them in each of its tenants (searched in that tenant).

use super::session_fn;
use crate::i18n::{fill, use_i18n};
use crate::tenancy::TenantChoice;
use crate::ui::groups::{explain, FailureView};
use crate::ui::import::state::ImportState;
use crate::ui::import::tenants::file_tenants;
use crate::ui::tenants::OtherSessions;
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::tenant::{Group, GroupFilter};
use leptos::prelude::*;

#[component]
pub(crate) fn GroupsStep(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    let session = session_fn();
    let query = RwSignal::new(String::new());
    // The results, and the tenant they were searched in (a partner's file).
    type Found = (Option<TenantChoice>, Result<Vec<Group>, Failure>);
    let results: RwSignal<Option<Found>> = RwSignal::new(None);
    let tenants = file_tenants(st.clone());
    let search_in = RwSignal::new(String::new());
    let in_tenant = move || {
        let list = tenants.get();
        let id = search_in.get();
        list.iter().find(|t| t.id == id).or(list.first()).cloned()
    };
    let reach = use_context::<OtherSessions>();
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(s) = session() else { return };
        let q = query.get_untracked();
        let tenant = untrack(in_tenant);
        let reach = reach.clone();
        leptos::task::spawn_local(async move {
            let r = async {
                let s = match (&tenant, &reach) {
                    (Some(t), Some(reach)) => reach.session(&s, t).await?,
                    _ => s,
                };
                s.graph
                    .search_groups(&q, GroupFilter::Any)
                    .await
                    .map(|p| p.items)
            }
            .await
            .map_err(|e| explain(Service::Graph, &e));
            // The page may be gone by now.
            results.try_set(Some((tenant, r)));
        });
    };
    let chosen = st.groups.clone();
    let add_to = chosen.clone();
    let add_in_tenant = st.tenant_groups.clone();
    let result_list = move || {
        let t = i18n.t();
        results.get().map(|(tenant, r)| match r {
            Err(e) => view! { <FailureView failure=e/> }.into_any(),
            Ok(groups) => view! {
                <ul class="import-group-results" aria-label=t.import().group_results>
                    {groups.into_iter().map(|g| {
                        let name = g.display_name.clone().unwrap_or_else(|| g.id.to_string());
                        let kind = t.finder.kind_or_unknown(g.kind().ok());
                        let mail = g.mail.clone().unwrap_or_default();
                        let label = fill(t.import().group_add, &[("name", &name)]);
                        let add_to = add_to.clone();
                        let add_in_tenant = add_in_tenant.clone();
                        let tenant = tenant.clone();
                        view! {
                            <li>
                                <span class="import-group-name">{name}</span>
                                " " <span class="badge">{kind}</span>
                                " " <span class="import-group-mail">{mail}</span>
                                " "
                                <button type="button" class="button" aria-label=label on:click=move |_| {
                                    let g = g.clone();
                                    match &tenant {
                                        Some(t) => add_in_tenant.update(|v| {
                                            if !v.iter().any(|(x, y)| x.id == t.id && y.id == g.id) {
                                                v.push((t.clone(), g))
                                            }
                                        }),
                                        None => add_to.update(|v| if !v.iter().any(|x| x.id == g.id) { v.push(g) }),
                                    }
                                }>{t.import().add}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any(),
        })
    };
    let by_tenant = st.tenant_groups.clone();
    let tenant_select = move || {
        let list = tenants.get();
        (!list.is_empty()).then(|| {
            let t = i18n.t();
            view! {
                <div class="field">
                    <label for="imp-group-tenant">{t.import().tenant_search_in}</label>
                    <select id="imp-group-tenant" on:change=move |ev| search_in.set(event_target_value(&ev))>
                        {list.into_iter().map(|c| view! {
                            <option value=c.id.clone()>{crate::ui::tenants::tenant_label(t, &c)}</option>
                        }).collect_view()}
                    </select>
                </div>
            }
        })
    };
    let chosen_list = move || {
        let t = i18n.t();
        if !tenants.with(Vec::is_empty) {
            let groups = by_tenant.get();
            if groups.is_empty() {
                return view! { <p>{t.import().groups_none}</p> }.into_any();
            }
            let remove_from = by_tenant.clone();
            return view! {
                <ul class="import-chosen" aria-label=t.import().groups_chosen>
                    {groups.into_iter().map(|(tenant, g)| {
                        let name = g.display_name.clone().unwrap_or_else(|| g.id.to_string());
                        let label = fill(t.import().group_remove, &[("name", &name)]);
                        let remove_from = remove_from.clone();
                        let (tid, gid) = (tenant.id.clone(), g.id.clone());
                        view! {
                            <li>
                                <span>{name}</span> " " <span class="badge">{tenant.name.clone()}</span> " "
                                <button type="button" class="button" aria-label=label on:click=move |_| {
                                    remove_from.update(|v| v.retain(|(x, y)| !(x.id == tid && y.id == gid)));
                                }>{t.import().remove}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any();
        }
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
            {tenant_select}
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

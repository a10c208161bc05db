//! The register's search and filters (domain, company, kind, group, invitation, "in no group",
//! "access ended"), shared by the page's own register and partners' cross-tenant one: one
//! [`Filter`] they edit, the choices counted from the register they filter.

use crate::i18n::use_i18n;
use crate::ui::groups::tx;
use guestlist_core::domain::register::{Day, ExternalKind, Filter, InvitationState, Register};
use leptos::prelude::*;

/// `Some(value)` unless the select's value is empty ("all").
fn chosen(value: String) -> Option<String> {
    Some(value).filter(|v| !v.is_empty())
}

/// The search box and the filters' fieldset, editing `filter`.
#[component]
pub fn RegisterFilters(
    filter: RwSignal<Filter>,
    /// The rows the choices are counted from.
    #[prop(into)]
    register: Signal<Register>,
    /// Whether the memberships are in (the group filter and "in no group" wait for them).
    #[prop(into)]
    groups_read: Signal<bool>,
    today: Day,
    /// The controls' ids start with it (two registers can share a page).
    prefix: &'static str,
    /// After every change (the list scrolls back to the top).
    on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let set = move |change: fn(&mut Filter, String), value: String| {
        filter.update(|f| change(f, value));
        on_change.run(());
    };
    let domains = Memo::new(move |_| {
        register.with(|r| {
            r.domains()
                .into_iter()
                .map(|(d, n)| (d.to_owned(), n))
                .collect::<Vec<_>>()
        })
    });
    let companies = Memo::new(move |_| {
        register.with(|r| {
            r.companies()
                .into_iter()
                .map(|(c, n)| (c.to_owned(), n))
                .collect::<Vec<_>>()
        })
    });
    // (index, name, externals in it), by name; groups without externals are left out.
    let groups = Memo::new(move |_| {
        register.with(|r| {
            let per = r.externals_per_group();
            let mut out: Vec<(u32, String, u32)> = r
                .groups
                .iter()
                .enumerate()
                .filter(|(i, _)| per[*i] > 0)
                .map(|(i, g)| (i as u32, g.name.clone(), per[i]))
                .collect();
            out.sort_by_key(|a| a.1.to_lowercase());
            out
        })
    });

    let clear = move |_| {
        filter.set(Filter::default());
        on_change.run(());
    };
    view! {
        <div class="field">
            <label for=format!("{prefix}-search")>{tx(|t| t.externals().search_label)}</label>
            <input id=format!("{prefix}-search") type="search" autocomplete="off"
                prop:value=move || filter.with(|f| f.search.clone())
                on:input=move |ev| set(|f, v| f.search = v, event_target_value(&ev))/>
        </div>
        <fieldset class="register-filters">
            <legend>{tx(|t| t.externals().filters_label)}</legend>
            <div class="field">
                <label for=format!("{prefix}-domain")>{tx(|t| t.externals().domain_label)}</label>
                <select id=format!("{prefix}-domain")
                    prop:value=move || filter.with(|f| f.domain.clone().unwrap_or_default())
                    on:change=move |ev| set(|f, v| f.domain = chosen(v), event_target_value(&ev))>
                    <option value="">{tx(|t| t.externals().domain_all)}</option>
                    {move || domains.get().into_iter().map(|(d, n)| {
                        let label = format!("{d} ({})", i18n.t().count(n.into()));
                        view! { <option value=d>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for=format!("{prefix}-company")>{tx(|t| t.externals().company_label)}</label>
                <select id=format!("{prefix}-company")
                    prop:value=move || filter.with(|f| f.company.clone().unwrap_or_default())
                    on:change=move |ev| set(|f, v| f.company = chosen(v), event_target_value(&ev))>
                    <option value="">{tx(|t| t.externals().company_all)}</option>
                    {move || companies.get().into_iter().map(|(c, n)| {
                        let label = format!("{c} ({})", i18n.t().count(n.into()));
                        view! { <option value=c>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for=format!("{prefix}-kind")>{tx(|t| t.externals().kind_label)}</label>
                <select id=format!("{prefix}-kind")
                    prop:value=move || match filter.with(|f| f.kind) {
                        Some(ExternalKind::Contact) => "contact",
                        Some(ExternalKind::Guest) => "guest",
                        None => "",
                    }
                    on:change=move |ev| set(|f, v| f.kind = match v.as_str() {
                        "contact" => Some(ExternalKind::Contact),
                        "guest" => Some(ExternalKind::Guest),
                        _ => None,
                    }, event_target_value(&ev))>
                    <option value="">{tx(|t| t.externals().kind_all)}</option>
                    <option value="contact">{tx(|t| t.externals().kind_contacts)}</option>
                    <option value="guest">{tx(|t| t.externals().kind_guests)}</option>
                </select>
            </div>
            <div class="field">
                <label for=format!("{prefix}-group")>{tx(|t| t.externals().group_label)}</label>
                <select id=format!("{prefix}-group") disabled=move || !groups_read.get()
                    prop:value=move || filter.with(|f| f.group.map(|g| g.to_string()).unwrap_or_default())
                    on:change=move |ev| set(|f, v| f.group = v.parse().ok(), event_target_value(&ev))>
                    <option value="">
                        {move || if groups_read.get() { i18n.t().externals().group_all } else { i18n.t().externals().groups_loading }}
                    </option>
                    {move || groups.get().into_iter().map(|(i, name, n)| {
                        let label = format!("{name} ({})", i18n.t().count(n.into()));
                        view! { <option value=i.to_string()>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for=format!("{prefix}-invitation")>{tx(|t| t.externals().invitation_label)}</label>
                <select id=format!("{prefix}-invitation")
                    prop:value=move || match filter.with(|f| f.invitation) {
                        Some(InvitationState::PendingAcceptance) => "pending",
                        Some(InvitationState::Accepted) => "accepted",
                        None => "",
                    }
                    on:change=move |ev| set(|f, v| f.invitation = match v.as_str() {
                        "pending" => Some(InvitationState::PendingAcceptance),
                        "accepted" => Some(InvitationState::Accepted),
                        _ => None,
                    }, event_target_value(&ev))>
                    <option value="">{tx(|t| t.externals().invitation_all)}</option>
                    <option value="pending">{tx(|t| t.externals().pending)}</option>
                    <option value="accepted">{tx(|t| t.externals().accepted)}</option>
                </select>
            </div>
            <label class="checkbox">
                <input type="checkbox" id=format!("{prefix}-orphans") disabled=move || !groups_read.get()
                    prop:checked=move || filter.with(|f| f.in_no_group)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        filter.update(|f| f.in_no_group = on);
                        on_change.run(());
                    }/>
                {tx(|t| t.externals().in_no_group)}
            </label>
            <label class="checkbox">
                <input type="checkbox" id=format!("{prefix}-ended")
                    prop:checked=move || filter.with(|f| f.access_ended_by.is_some())
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        filter.update(|f| f.access_ended_by = on.then_some(today));
                        on_change.run(());
                    }/>
                {tx(|t| t.externals().access_ended)}
            </label>
            <button type="button" class="button" on:click=clear>{tx(|t| t.externals().clear_filters)}</button>
        </fieldset>
    }
}

//! Partners (GDAP): the cross-tenant register — every external person and their groups in the
//! tenants the admin chooses, read in each tenant with that tenant's session (the same two
//! reads as the page's own register: `register_people`, then `register_memberships`), shown in
//! one list with a tenant column and exported as one CSV with a tenant column
//! (`Register::tenants_csv`, formula-safe like every export). Shown only to partners.

use super::{access_attribute, groups_text, kind_text};
use crate::i18n::{fill, plural, use_i18n};
use crate::tenancy::TenantChoice;
use crate::ui::components::ConsentLink;
use crate::ui::groups::{download, explain};
use crate::ui::session::Session;
use crate::ui::tenants::{not_consented, tenant_label, OtherSessions, Tenants};
use guestlist_core::domain::csv_export::ExportOptions;
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::domain::register::{Filter, Register};
use leptos::prelude::*;
use std::collections::BTreeSet;

/// Rows of the list shown at once; the CSV holds everything.
const SHOWN: usize = 200;

/// One tenant's register, as far as it has been read.
#[derive(Clone)]
enum TenantRead {
    Reading,
    Read(Register),
    NotConsented,
    Failed(Failure),
}

/// Reads `tenant`'s register through its own session.
async fn read_tenant(
    others: &OtherSessions,
    current: &Session,
    tenant: &TenantChoice,
    attribute: u8,
) -> TenantRead {
    let session = match others.session(current, tenant).await {
        Ok(s) if not_consented(&s) => return TenantRead::NotConsented,
        Ok(s) => s,
        Err(e) => return TenantRead::Failed(explain(Service::Graph, &e)),
    };
    let read = async {
        let mut reads = session.graph.register_people().await?;
        session.graph.register_memberships(&mut reads).await?;
        Ok::<_, guestlist_core::tenant::TenantError>(Register::build(reads.source(attribute)))
    };
    match read.await {
        Ok(r) => TenantRead::Read(r),
        Err(e) => TenantRead::Failed(explain(Service::Graph, &e)),
    }
}

/// "All customers" on the External people page, for partners.
#[component]
pub fn AllCustomers(session: Session) -> impl IntoView {
    let i18n = use_i18n();
    let tenants = use_context::<Tenants>();
    let others = use_context::<OtherSessions>();
    let attribute = access_attribute();
    let list = move || tenants.map(|t| t.choices.get()).unwrap_or_default();
    // Every tenant is chosen until the admin unticks it.
    let unticked = RwSignal::new(BTreeSet::<String>::new());
    let results: RwSignal<Vec<(TenantChoice, TenantRead)>> = RwSignal::new(Vec::new());
    let reading = RwSignal::new(false);
    let read = move |_| {
        let (Some(others), session) = (others.clone(), session.clone()) else {
            return;
        };
        let chosen: Vec<TenantChoice> = untrack(list)
            .into_iter()
            .filter(|c| !unticked.with_untracked(|u| u.contains(&c.id)))
            .collect();
        results.set(
            chosen
                .iter()
                .map(|c| (c.clone(), TenantRead::Reading))
                .collect(),
        );
        reading.set(true);
        leptos::task::spawn_local(async move {
            // One tenant after the other: each has its own budgets, but the browser has one
            // connection pool, and the first tenants' rows show while the others are read.
            for (i, tenant) in chosen.iter().enumerate() {
                let r = read_tenant(&others, &session, tenant, attribute).await;
                if results
                    .try_update(|v| {
                        if let Some(slot) = v.get_mut(i) {
                            slot.1 = r
                        }
                    })
                    .is_none()
                {
                    return;
                }
            }
            reading.try_set(false);
        });
    };
    let export = move |_| {
        let parts: Vec<(String, Register, Vec<u32>)> = results.with(|v| {
            v.iter()
                .filter_map(|(c, r)| match r {
                    TenantRead::Read(reg) => {
                        Some((c.name.clone(), reg.clone(), reg.filter(&Filter::default())))
                    }
                    _ => None,
                })
                .collect()
        });
        let named: Vec<_> = parts
            .iter()
            .map(|(n, r, rows)| (n.as_str(), r, rows.as_slice()))
            .collect();
        let csv = Register::tenants_csv(&named, ExportOptions::default());
        if let Err(e) = download(
            "guestlist-external-people-all-tenants.csv",
            "text/csv;charset=utf-8",
            &csv,
        ) {
            leptos::logging::warn!("{e}");
        }
    };
    let choices_view = move || {
        list()
            .into_iter()
            .map(|c| {
                let id = format!("ext-tenant-{}", c.id);
                let tid = c.id.clone();
                let checked = {
                    let tid = tid.clone();
                    move || unticked.with(|u| !u.contains(&tid))
                };
                let label = tenant_label(i18n.t(), &c);
                view! {
                    <div>
                        <input type="checkbox" id=id.clone() prop:checked=checked on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            unticked.update(|u| {
                                if on { u.remove(&tid); } else { u.insert(tid.clone()); }
                            });
                        }/>
                        <label for=id>{label}</label>
                    </div>
                }
            })
            .collect_view()
    };
    let states = move || {
        let t = i18n.t();
        results.with(|v| {
            v.iter()
                .filter_map(|(c, r)| {
                    let name = c.name.clone();
                    Some(match r {
                        TenantRead::Read(_) => return None,
                        TenantRead::Reading => view! {
                            <li>{fill(t.externals().tenants_reading, &[("tenant", &name)])}</li>
                        }
                        .into_any(),
                        TenantRead::NotConsented => view! {
                            <li>
                                {fill(t.externals().tenants_not_consented, &[("tenant", &name)])}
                                <ConsentLink tenant=c.clone()/>
                            </li>
                        }
                        .into_any(),
                        TenantRead::Failed(f) => view! {
                            <li class="import-error">{fill(t.externals().tenants_failed, &[
                                ("tenant", &name),
                                ("detail", &t.failure(f)),
                            ])}</li>
                        }
                        .into_any(),
                    })
                })
                .collect_view()
        })
    };
    let table = move || {
        let t = i18n.t();
        results.with(|v| {
            let read: Vec<(&TenantChoice, &Register)> = v
                .iter()
                .filter_map(|(c, r)| match r {
                    TenantRead::Read(reg) => Some((c, reg)),
                    _ => None,
                })
                .collect();
            if read.is_empty() {
                return None;
            }
            let total: usize = read.iter().map(|(_, r)| r.people.len()).sum();
            let summary = plural(
                &t.externals().tenants_summary,
                t.count(total as u64),
                &[("tenants", t.count(read.len() as u64).as_str())],
            );
            let rows = read
                .iter()
                .flat_map(|(c, reg)| {
                    reg.filter(&Filter::default())
                        .into_iter()
                        .map(move |i| (c, reg, i))
                })
                .take(SHOWN)
                .map(|(c, reg, i)| {
                    let p = &reg.people[i as usize];
                    view! {
                        <tr>
                            <td>{c.name.clone()}</td>
                            <td>{p.name.clone()}</td>
                            <td>{p.address.clone()}</td>
                            <td>{kind_text(t, p)}</td>
                            <td>{groups_text(t, reg, p, true)}</td>
                        </tr>
                    }
                })
                .collect_view();
            Some(view! {
                <p role="status">{summary}</p>
                <button type="button" class="button" on:click=export>{t.externals().tenants_export}</button>
                <table class="import-table">
                    <caption>{t.externals().tenants_caption}</caption>
                    <thead><tr>
                        <th scope="col">{t.externals().col_tenant}</th>
                        <th scope="col">{t.externals().col_name}</th>
                        <th scope="col">{t.externals().col_address}</th>
                        <th scope="col">{t.externals().col_kind}</th>
                        <th scope="col">{t.externals().col_groups}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            })
        })
    };
    move || {
        (list().len() > 1).then(|| {
            view! {
                <section class="card" aria-labelledby="ext-tenants-h">
                    <h2 id="ext-tenants-h">{move || i18n.t().externals().tenants_heading}</h2>
                    <p>{move || i18n.t().externals().tenants_intro}</p>
                    <fieldset>
                        <legend>{move || i18n.t().externals().tenants_choose}</legend>
                        {choices_view}
                    </fieldset>
                    <button type="button" class="button" disabled=move || reading.get() on:click=read.clone()>
                        {move || i18n.t().externals().tenants_read}
                    </button>
                    <ul class="import-tenant-runs">{states}</ul>
                    {table}
                </section>
            }
        })
    }
}

//! Partners (GDAP): the cross-tenant register — every external person and their groups in the
//! tenants the admin chooses, read in each tenant with that tenant's session (the same two
//! reads as the page's own register: `register_people`, then `register_memberships`), shown in
//! one list with a tenant column and exported as one CSV with a tenant column
//! (`Register::tenants_csv`, formula-safe like every export). Shown only to partners.
//!
//! The tenants read are joined into one [`TenantsRegister`], filtered and searched with the
//! page's own register filters ([`RegisterFilters`]) plus a tenant filter; the export takes
//! the rows shown.

use super::filters::RegisterFilters;
use super::offboard_tenants::TenantsOffboard;
use super::{access_attribute, count_words, groups_text, kind_text, today};
use crate::i18n::{fill, plural, use_i18n};
use crate::tenancy::TenantChoice;
use crate::ui::components::ConsentLink;
use crate::ui::groups::{download, explain};
use crate::ui::session::Session;
use crate::ui::tenants::{not_consented, tenant_label, OtherSessions, Tenants};
use guestlist_core::domain::csv_export::ExportOptions;
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::domain::register::{Filter, Register, Sort};
use guestlist_core::domain::register_tenants::TenantsRegister;
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

/// The tenants read so far, joined: their choices (in the register's tenant order) and rows.
#[derive(Clone, Default, PartialEq)]
pub struct Joined {
    pub tenants: Vec<TenantChoice>,
    pub register: TenantsRegister,
}

fn join(results: &[(TenantChoice, TenantRead)]) -> Joined {
    let read: Vec<(&TenantChoice, &Register)> = results
        .iter()
        .filter_map(|(c, r)| match r {
            TenantRead::Read(reg) => Some((c, reg)),
            _ => None,
        })
        .collect();
    let parts: Vec<(String, &Register)> = read.iter().map(|(c, r)| (c.name.clone(), *r)).collect();
    Joined {
        tenants: read.into_iter().map(|(c, _)| c.clone()).collect(),
        register: TenantsRegister::merge(&parts),
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
    let joined = Memo::new(move |_| results.with(|v| join(v)));
    let filter = RwSignal::new(Filter::default());
    // Index into the joined tenants; `None`: every tenant.
    let tenant = RwSignal::new(None::<usize>);
    // Rows of the joined register the admin chose.
    let selected = RwSignal::new(BTreeSet::<u32>::new());
    let visible = Memo::new(move |_| {
        let t = tenant.get();
        filter.with(|f| joined.with(|j| j.register.select(f, t, Sort::default())))
    });
    let filtered =
        Memo::new(move |_| tenant.get().is_some() || filter.with(|f| *f != Filter::default()));
    let rows_register = Memo::new(move |_| joined.with(|j| j.register.register.clone()));
    let read = {
        let others = others.clone();
        let session = session.clone();
        move || {
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
            // Rows and tenants are numbered afresh.
            selected.set(BTreeSet::new());
            tenant.set(None);
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
        }
    };
    // After an offboarding: the same tenants read again.
    let reread = {
        let read = read.clone();
        Callback::new(move |_| read())
    };
    let export = move |_| {
        let csv =
            visible.with(|rows| joined.with(|j| j.register.to_csv(rows, ExportOptions::default())));
        if let Err(e) = download(
            "guestlist-external-people-all-tenants.csv",
            "text/csv;charset=utf-8",
            &csv,
        ) {
            leptos::logging::warn!("{e}");
        }
    };
    let select_shown = move |_| selected.update(|s| s.extend(visible.get_untracked()));
    // A partnership ending: everyone at the domain, in every tenant read, whatever else the
    // filters say.
    let select_domain = move |_| {
        let Some(domain) = filter.with_untracked(|f| f.domain.clone()) else {
            return;
        };
        let only = Filter {
            domain: Some(domain),
            ..Filter::default()
        };
        let rows = joined.with_untracked(|j| j.register.register.filter(&only));
        selected.update(|s| s.extend(rows));
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
    let count_text = move || {
        let t = i18n.t();
        let (total, n_tenants) =
            joined.with(|j| (j.register.register.people.len(), j.tenants.len()));
        let mut text = if filtered.get() {
            count_words(t, total, visible.with(Vec::len), true)
        } else {
            plural(
                &t.externals().tenants_summary,
                t.count(total as u64),
                &[("tenants", t.count(n_tenants as u64).as_str())],
            )
        };
        let n = selected.with(BTreeSet::len) as u64;
        if n > 0 {
            text = format!(
                "{text} {}",
                plural(&t.externals().selected, t.count(n), &[])
            );
        }
        text
    };
    let tenant_filter = move || {
        let t = i18n.t();
        let options = joined.with(|j| {
            j.tenants
                .iter()
                .zip(j.register.counts())
                .enumerate()
                .map(|(i, (c, n))| {
                    let label = format!("{} ({})", c.name, t.count(n.into()));
                    view! { <option value=i.to_string()>{label}</option> }
                })
                .collect_view()
        });
        view! {
            <div class="field">
                <label for="tenants-register-tenant">{t.externals().tenants_filter}</label>
                <select id="tenants-register-tenant"
                    prop:value=move || tenant.get().map(|i| i.to_string()).unwrap_or_default()
                    on:change=move |ev| tenant.set(event_target_value(&ev).parse().ok())>
                    <option value="">{t.externals().tenants_all}</option>
                    {options}
                </select>
            </div>
        }
    };
    let table = move || {
        let t = i18n.t();
        joined.with(|j| {
            let r = &j.register.register;
            let rows = visible.with(|v| {
                v.iter()
                    .take(SHOWN)
                    .map(|&i| {
                        let p = &r.people[i as usize];
                        let tenant = j.tenants[j.register.tenant_of(i)].name.clone();
                        let name = if p.name.is_empty() { p.address.clone() } else { p.name.clone() };
                        let label = fill(
                            t.externals().tenants_select_row,
                            &[("name", &name), ("tenant", &tenant)],
                        );
                        let checked = move || selected.with(|s| s.contains(&i));
                        let toggle = move |ev| {
                            let on = event_target_checked(&ev);
                            selected.update(|s| {
                                if on { s.insert(i); } else { s.remove(&i); }
                            });
                        };
                        view! {
                            <tr>
                                <td><input type="checkbox" prop:checked=checked on:change=toggle aria-label=label/></td>
                                <td>{tenant}</td>
                                <td>{name}</td>
                                <td>{p.address.clone()}</td>
                                <td>{kind_text(t, p)}</td>
                                <td>{groups_text(t, r, p, true)}</td>
                            </tr>
                        }
                    })
                    .collect_view()
            });
            view! {
                <table class="import-table">
                    <caption>{t.externals().tenants_caption}</caption>
                    <thead><tr>
                        <td></td>
                        <th scope="col">{t.externals().col_tenant}</th>
                        <th scope="col">{t.externals().col_name}</th>
                        <th scope="col">{t.externals().col_address}</th>
                        <th scope="col">{t.externals().col_kind}</th>
                        <th scope="col">{t.externals().col_groups}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
        })
    };
    let export_label = move || {
        let t = i18n.t();
        if filtered.get() {
            plural(
                &t.externals().tenants_export_shown,
                t.count(visible.with(Vec::len) as u64),
                &[],
            )
        } else {
            t.externals().tenants_export.to_owned()
        }
    };
    let list_view = move || {
        (!joined.with(|j| j.tenants.is_empty())).then(|| {
            view! {
                {tenant_filter}
                <RegisterFilters filter register=Signal::from(rows_register) groups_read=Signal::stored(true)
                    today=today() prefix="tenants-register" on_change=Callback::new(|_| ())/>
                <p class="members-count" role="status">{count_text}</p>
                <div class="actions">
                    <button type="button" class="button" on:click=select_shown>{move || i18n.t().externals().select_shown}</button>
                    {move || filter.with(|f| f.domain.clone()).map(|domain| view! {
                        <button type="button" class="button" on:click=select_domain>
                            {move || fill(i18n.t().externals().tenants_select_domain, &[("domain", &domain)])}
                        </button>
                    })}
                    <button type="button" class="button" on:click=move |_| selected.set(BTreeSet::new())
                        disabled=move || selected.with(BTreeSet::is_empty)>
                        {move || i18n.t().externals().clear_selection}
                    </button>
                    <button type="button" class="button" on:click=export>{export_label}</button>
                </div>
                {table}
                <TenantsOffboard session=session.clone() joined selected on_finished=reread/>
            }
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
                    <button type="button" class="button" disabled=move || reading.get() on:click={ let read = read.clone(); move |_| read() }>
                        {move || i18n.t().externals().tenants_read}
                    </button>
                    <ul class="import-tenant-runs">{states}</ul>
                    {list_view.clone()}
                </section>
            }
        })
    }
}

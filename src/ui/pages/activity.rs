use crate::activity::{self, iso_time, Log, Outcome};
use crate::i18n::{fill, plural, use_i18n, Texts};
use crate::ui::components::Page;
use crate::ui::externals::{Change, ChangePanel};
use crate::ui::groups::download;
use crate::ui::groups::tx;
use crate::ui::session::use_session;
use guestlist_core::domain::plan::Plan;
use leptos::prelude::*;
use std::sync::Arc;

fn outcome_label(t: &Texts, o: Outcome) -> &'static str {
    match o {
        Outcome::Done => t.groups().status_done,
        Outcome::Skipped => t.groups().status_already,
        Outcome::Failed => t.groups().status_failed,
        Outcome::Script => t.groups().status_script,
    }
}

/// Rows shown at first, and added by "Show older changes": a bulk run records thousands of
/// changes, and a table of thousands of rows would make the page slow to open.
pub const PAGE_ROWS: usize = 100;

/// Every change this browser made, newest first, a page at a time, exportable as CSV and JSON.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let i18n = use_i18n();
    // The log of the tenant Guestlist acts in (a partner's customers each have their own).
    let tenant =
        Memo::new(|_| use_session().and_then(|s| s.tenant.authority_tenant().map(str::to_owned)));
    let log = RwSignal::new(activity::load(tenant.get_untracked().as_deref()));
    Effect::new(move |previous: Option<()>| {
        let tenant = tenant.get();
        if previous.is_some() {
            log.set(activity::load(tenant.as_deref()));
        }
    });
    let shown = RwSignal::new(PAGE_ROWS);
    let notice = RwSignal::new(None::<String>);
    let export_csv = move |_| {
        let csv = log.with(Log::to_csv);
        if let Err(e) = download("guestlist-activity.csv", "text/csv;charset=utf-8", &csv) {
            notice.set(Some(e));
        }
    };
    let export_json = move |_| {
        let json = log.with(Log::to_export_json);
        if let Err(e) = download("guestlist-activity.json", "application/json", &json) {
            notice.set(Some(e));
        }
    };
    let clear = move |_| match activity::clear(tenant.get_untracked().as_deref()) {
        Ok(()) => log.set(Log::default()),
        Err(e) => notice.set(Some(e.to_string())),
    };
    // A deleted guest's entry offers the restore, run through the change engine like any change.
    let change = RwSignal::new(Change::Idle);
    let session = use_session();
    let can_restore = session.is_some();
    let restore_panel = session.map(|session| {
        view! {
            <section class="card" aria-live="polite">
                <ChangePanel session change on_done=move || log.set(activity::load(tenant.get_untracked().as_deref()))/>
            </section>
        }
    });
    view! {
        <Page title=|t| t.common.activity_title>
            <p class="lead">{tx(|t| t.common.activity_intro)}</p>
            <div class="actions">
                <button type="button" class="button" on:click=export_csv>{tx(|t| t.groups().export_csv)}</button>
                <button type="button" class="button" on:click=export_json>{tx(|t| t.groups().export_json)}</button>
                <button type="button" class="button" on:click=clear>{tx(|t| t.groups().activity_clear)}</button>
            </div>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            {restore_panel}
            {move || {
                let total = log.with(|l| l.entries.len());
                let entries = log.with(|l| l.entries.iter().take(shown.get()).cloned().collect::<Vec<_>>());
                if entries.is_empty() {
                    return view! { <p class="card card--placeholder">{tx(|t| t.groups().activity_empty)}</p> }.into_any();
                }
                let count = {
                    let n = entries.len() as u64;
                    move || {
                        let t = i18n.t();
                        plural(&t.common.activity_showing, t.count(total as u64), &[("shown", t.count(n).as_str())])
                    }
                };
                view! {
                    <p class="activity-count" role="status">{count}</p>
                    <table class="activity-table">
                        <caption class="visually-hidden">{tx(|t| t.common.activity_title)}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{tx(|t| t.groups().col_when)}</th>
                                <th scope="col">{tx(|t| t.groups().col_what)}</th>
                                <th scope="col">{tx(|t| t.groups().col_group)}</th>
                                <th scope="col">{tx(|t| t.groups().col_result)}</th>
                                <th scope="col">{tx(|t| t.finder.request_id)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {entries.into_iter().map(|e| {
                                let when = iso_time(e.at_ms);
                                let datetime = when.clone();
                                let group = e.group.clone();
                                let request_id = e.request_id.clone().unwrap_or_default();
                                let restore = e.deleted_guest().filter(|_| can_restore).map(|guest| {
                                    let label = {
                                        let name = guest.name.clone();
                                        move || fill(i18n.t().externals().restore_label, &[("name", &name)])
                                    };
                                    view! {
                                        " "
                                        <button type="button" class="button" aria-label=label on:click=move |_| {
                                            change.set(Change::Preview(Arc::new(Plan::restoring(guest.clone()))));
                                        }>{tx(|t| t.externals().restore)}</button>
                                    }
                                });
                                let e = std::sync::Arc::new(e);
                                let what = {
                                    let e = e.clone();
                                    move || i18n.t().activity_what(&e)
                                };
                                // The outcome word carries its colon ("Failed:"); the detail follows.
                                let result = move || {
                                    let t = i18n.t();
                                    let detail = t.activity_detail(&e);
                                    let label = outcome_label(t, e.outcome);
                                    if detail.is_empty() {
                                        label.to_owned()
                                    } else {
                                        format!("{label} {detail}")
                                    }
                                };
                                view! {
                                    <tr>
                                        <td><time datetime=datetime>{when}</time></td>
                                        <td>{what}</td>
                                        <td>{group}</td>
                                        <td>{result}{restore}</td>
                                        <td><code>{request_id}</code></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    {(total > shown.get()).then(|| view! {
                        <button type="button" class="button" on:click=move |_| shown.update(|n| *n += PAGE_ROWS)>
                            {tx(|t| t.common.activity_show_more)}
                        </button>
                    })}
                }
                .into_any()
            }}
        </Page>
    }
}

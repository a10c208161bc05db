//! The run's report: totals, every row and what became of it, the report CSV and the audit
//! JSON to download.

use super::{more_rows, SHOWN};
use crate::i18n::{fill, use_i18n, Texts};
use crate::ui::import::state::SavedRun;
use guestlist_core::domain::report::{ReportRow, RowOutcome, RunReport};
use leptos::prelude::*;

/// One row of a report; a partner's import into several tenants names the row's tenant first.
pub(super) fn report_row(
    t: &'static Texts,
    r: &ReportRow,
    tenant: Option<String>,
) -> impl IntoView {
    let (why, request) = match &r.outcome {
        RowOutcome::Skipped(reason) => (t.skip_reason(reason), String::new()),
        RowOutcome::Failed(f) => (t.failure(f), f.request_id.clone().unwrap_or_default()),
        _ => (String::new(), String::new()),
    };
    view! {
        <tr class=format!("import-row--{}", r.outcome.status())>
            {tenant.map(|name| view! { <td>{name}</td> })}
            <td>{r.row}</td>
            <td>{r.address.clone().unwrap_or_default()}</td>
            <td>{r.group_name.clone()}</td>
            <td>{t.import().row_status(&r.outcome)}</td>
            <td>{why}</td>
            <td>{request}</td>
        </tr>
    }
}

/// A report's table of `rows` (`total` in all, only the first [`SHOWN`] of them given): a
/// partner's import into several tenants has a tenant column first.
pub(super) fn report_table(
    t: &'static Texts,
    tenants: bool,
    rows: impl IntoView,
    total: usize,
) -> impl IntoView {
    view! {
        <table class="import-table">
            <caption>{t.import().report_caption}</caption>
            <thead><tr>
                {tenants.then(|| view! { <th scope="col">{t.import().col_tenant}</th> })}
                <th scope="col">{t.import().col_line}</th>
                <th scope="col">{t.import().col_address}</th>
                <th scope="col">{t.import().col_group}</th>
                <th scope="col">{t.import().col_status}</th>
                <th scope="col">{t.import().col_why}</th>
                <th scope="col">{t.import().col_request}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {more_rows(t, total)}
    }
}

#[component]
pub(super) fn ReportView(
    report: RunReport,
    info: SavedRun,
    journal: guestlist_core::domain::journal::Journal,
) -> impl IntoView {
    let i18n = use_i18n();
    let filter = RwSignal::new(String::new());
    let totals = report.totals.clone();
    let csv = {
        let report = report.clone();
        move |_| {
            let text = guestlist_core::domain::report::report_csv(&report, Default::default());
            let _ = crate::ui::groups::download("guestlist-import-report.csv", "text/csv", &text);
        }
    };
    let json = move |_| {
        let meta = guestlist_core::domain::report::AuditMeta {
            run_id: info.id.clone(),
            signed_in_as: info.signed_in_as.clone(),
            tenant_id: info.tenant_id.clone(),
            started_at: info.started_at.clone(),
            finished_at: None,
            mode: if info.direct { "direct" } else { "script" }.into(),
        };
        let audit = guestlist_core::domain::report::audit_file(meta, &info.plan, &journal);
        match serde_json::to_string_pretty(&audit) {
            Ok(text) => {
                let _ = crate::ui::groups::download(
                    "guestlist-import-audit.json",
                    "application/json",
                    &text,
                );
            }
            Err(e) => leptos::logging::error!("audit file: {e}"),
        }
    };
    let rows = move || {
        let t = i18n.t();
        let f = filter.get();
        let matching: Vec<_> = report
            .rows
            .iter()
            .filter(|r| f.is_empty() || r.outcome.status() == f)
            .collect();
        let total = matching.len();
        let body = matching
            .into_iter()
            .take(SHOWN)
            .map(|r| report_row(t, r, None))
            .collect_view();
        report_table(t, false, body, total)
    };
    view! {
        <section class="card import-step" aria-labelledby="imp-report-h">
            <h2 id="imp-report-h">{move || i18n.t().import().report_heading}</h2>
            <p class="import-report-totals" role="status">{move || { let t = i18n.t(); fill(t.import().report_totals, &[
                ("done", t.count(totals.done as u64).as_str()),
                ("skipped", t.count(totals.skipped as u64).as_str()),
                ("failed", t.count(totals.failed as u64).as_str()),
                ("pending", t.count(totals.pending as u64).as_str()),
            ])}}</p>
            <div class="import-actions">
                <button type="button" class="button" on:click=csv>{move || i18n.t().import().download_csv}</button>
                <button type="button" class="button" on:click=json>{move || i18n.t().import().download_json}</button>
            </div>
            <div class="field">
                <label for="imp-report-filter">{move || i18n.t().import().filter_label}</label>
                <select id="imp-report-filter" on:change=move |ev| filter.set(event_target_value(&ev))>
                    <option value="">{move || i18n.t().import().filter_every_row}</option>
                    <option value="done">{move || i18n.t().import().status_done}</option>
                    <option value="skipped">{move || i18n.t().import().status_skipped}</option>
                    <option value="failed">{move || i18n.t().import().status_failed}</option>
                    <option value="pending">{move || i18n.t().import().status_pending}</option>
                </select>
            </div>
            {rows}
        </section>
    }
}

//! The run report: every (row, group) of the plan ends done, skipped (why) or failed (why,
//! with the service's request id); downloadable as CSV and as a JSON audit file.

use super::csv_export::{to_csv, ExportOptions};
use super::journal::{Failure, Journal, JournalEntry, OpResult, OpState};
use super::plan::{Operation, OutcomeKind, Plan, PlannedOp, RowKey, SkipReason, Step};
use crate::activity::{Action, ACTIVITY_EN};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowOutcome {
    Done,
    Skipped(SkipReason),
    Failed(Failure),
    /// Not finished yet (run paused, or an operation awaiting its re-check).
    Pending,
}

impl RowOutcome {
    /// The word for the status column (English; the UI translates by variant).
    pub fn status(&self) -> &'static str {
        match self {
            RowOutcome::Done => "done",
            RowOutcome::Skipped(_) => "skipped",
            RowOutcome::Failed(_) => "failed",
            RowOutcome::Pending => "pending",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRow {
    pub row: RowKey,
    pub group_id: String,
    pub group_name: String,
    pub address: Option<String>,
    /// What the plan intended.
    pub planned: OutcomeKind,
    pub outcome: RowOutcome,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTotals {
    pub done: usize,
    pub skipped: usize,
    pub failed: usize,
    pub pending: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    pub rows: Vec<ReportRow>,
    pub totals: ReportTotals,
}

/// Combines the plan with the journal.
///
/// Per entry: a planned skip stays that skip; otherwise the first failed operation makes the
/// row failed; all operations successful → done, except when the member add found the person
/// already a member (someone else added them meanwhile) → skipped, already a member; anything
/// unfinished → pending.
pub fn build_report(plan: &Plan, journal: &Journal) -> RunReport {
    let states = journal.states();
    let mut rows = Vec::with_capacity(plan.entries.len());
    let mut totals = ReportTotals::default();
    for entry in &plan.entries {
        let group = &plan.groups[entry.group];
        let outcome = if let Some(reason) = entry.skip_reason() {
            RowOutcome::Skipped(reason.clone())
        } else {
            let mut outcome = RowOutcome::Done;
            for op in entry.op_ids() {
                match states.get(&op) {
                    Some(OpState::Finished(OpResult::Failed(f))) => {
                        outcome = RowOutcome::Failed(f.clone());
                        break;
                    }
                    Some(OpState::Finished(OpResult::AlreadyDone { .. }))
                        if entry
                            .steps
                            .last()
                            .is_some_and(|s| *s == Step::AddMember(op)) =>
                    {
                        if outcome == RowOutcome::Done {
                            outcome = RowOutcome::Skipped(SkipReason::AlreadyMember);
                        }
                    }
                    Some(OpState::Finished(_)) => {}
                    None | Some(OpState::NotStarted) | Some(OpState::InFlight) => {
                        outcome = RowOutcome::Pending;
                    }
                }
            }
            outcome
        };
        match outcome {
            RowOutcome::Done => totals.done += 1,
            RowOutcome::Skipped(_) => totals.skipped += 1,
            RowOutcome::Failed(_) => totals.failed += 1,
            RowOutcome::Pending => totals.pending += 1,
        }
        rows.push(ReportRow {
            row: entry.row,
            group_id: group.id.clone(),
            group_name: group.name.clone(),
            address: entry.address.as_ref().map(|a| a.to_string()),
            planned: entry.outcome(),
            outcome,
        });
    }
    RunReport { rows, totals }
}

const REPORT_HEADER: [&str; 6] = ["Line", "Address", "Group", "Status", "Reason", "Request id"];

/// A report row's cells, as the CSV has them.
fn report_cells(r: &ReportRow) -> Vec<String> {
    let (reason, request_id) = match &r.outcome {
        RowOutcome::Skipped(reason) => (reason.to_string(), String::new()),
        RowOutcome::Failed(f) => (f.message.clone(), f.request_id.clone().unwrap_or_default()),
        RowOutcome::Done | RowOutcome::Pending => (String::new(), String::new()),
    };
    vec![
        r.row.to_string(),
        r.address.clone().unwrap_or_default(),
        r.group_name.clone(),
        r.outcome.status().to_owned(),
        reason,
        request_id,
    ]
}

/// The report as CSV (formula injection neutralised by the writer).
pub fn report_csv(report: &RunReport, options: ExportOptions) -> String {
    to_csv(
        &REPORT_HEADER,
        report.rows.iter().map(report_cells),
        options,
    )
}

/// A partner's import into several tenants as one CSV: each tenant's report (named by the
/// tenant's name or id) with a first column "Tenant".
pub fn tenants_report_csv(parts: &[(&str, &RunReport)], options: ExportOptions) -> String {
    let header: Vec<&str> = std::iter::once("Tenant").chain(REPORT_HEADER).collect();
    let rows = parts.iter().flat_map(|(tenant, report)| {
        report.rows.iter().map(move |r| {
            let mut cells = vec![(*tenant).to_owned()];
            cells.extend(report_cells(r));
            cells
        })
    });
    to_csv(&header, rows, options)
}

/// Who ran it where and when: filled in by the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditMeta {
    pub run_id: String,
    pub signed_in_as: String,
    pub tenant_id: String,
    /// RFC 3339 timestamps.
    pub started_at: String,
    pub finished_at: Option<String>,
    pub mode: String,
}

/// One operation with every answer it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditOperation {
    pub op: PlannedOp,
    pub attempts: Vec<JournalEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFile {
    pub meta: AuditMeta,
    pub operations: Vec<AuditOperation>,
    pub rows: Vec<ReportRow>,
    pub totals: ReportTotals,
}

/// The JSON audit file of a run.
pub fn audit_file(meta: AuditMeta, plan: &Plan, journal: &Journal) -> AuditFile {
    let mut by_op: HashMap<_, Vec<JournalEntry>> = HashMap::new();
    for e in &journal.entries {
        by_op.entry(e.op()).or_default().push(e.clone());
    }
    let operations = plan
        .ops
        .iter()
        .map(|op| AuditOperation {
            op: op.clone(),
            attempts: by_op.remove(&op.id).unwrap_or_default(),
        })
        .collect();
    let report = build_report(plan, journal);
    AuditFile {
        meta,
        operations,
        rows: report.rows,
        totals: report.totals,
    }
}

/// A one-line English description of an operation (for the activity list and the audit).
pub fn describe(op: &Operation) -> String {
    ACTIVITY_EN.action(&Action::from(op))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::journal::{Failure, Service};
    use crate::domain::plan::OpId;

    fn plan() -> Plan {
        crate::domain::fixtures::two_group_plan()
    }

    fn failed(msg: &str) -> OpResult {
        OpResult::Failed(Failure {
            status: Some(403),
            code: Some("Authorization_RequestDenied".into()),
            request_id: Some("rid-9".into()),
            ..Failure::new(Service::Graph, msg)
        })
    }

    #[test]
    fn every_row_is_accounted_for() {
        // per person p: invite (3p), add to Sales (3p+1), add to Project (3p+2)
        let p = plan();
        let mut j = Journal::default();
        // row 2: guest invited and added to Sales; Project found it already a member
        j.finished(
            OpId(0),
            1,
            OpResult::Done {
                object_id: Some("g".into()),
            },
        );
        j.finished(OpId(1), 2, OpResult::Done { object_id: None });
        j.finished(OpId(2), 3, OpResult::AlreadyDone { object_id: None });
        // row 3: the invitation failed, so neither group can get the guest
        j.finished(
            OpId(3),
            4,
            failed("You don't have permission to invite guests."),
        );
        // row 4: invitation in flight
        j.started(OpId(6), 5);
        let r = build_report(&p, &j);
        assert_eq!(r.rows.len(), 6);
        assert_eq!(r.rows[0].outcome, RowOutcome::Done);
        assert_eq!(
            r.rows[1].outcome,
            RowOutcome::Skipped(SkipReason::AlreadyMember)
        );
        for row in &r.rows[2..4] {
            assert!(
                matches!(&row.outcome, RowOutcome::Failed(f) if f.request_id.as_deref() == Some("rid-9")),
                "{row:?}"
            );
        }
        assert_eq!(r.rows[4].outcome, RowOutcome::Pending);
        assert_eq!(r.rows[5].outcome, RowOutcome::Pending);
        assert_eq!(
            r.totals,
            ReportTotals {
                done: 1,
                skipped: 1,
                failed: 2,
                pending: 2
            }
        );
        assert!(r.rows.iter().all(|r| r.planned == OutcomeKind::InviteGuest));
    }

    #[test]
    fn csv_report_has_reasons_and_request_ids() {
        let p = plan();
        let mut j = Journal::default();
        j.finished(OpId(0), 1, failed("=HYPERLINK(\"x\") can't"));
        let csv = report_csv(
            &build_report(&p, &j),
            ExportOptions {
                delimiter: b',',
                bom: false,
            },
        );
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("Line,Address,Group,Status,Reason,Request id")
        );
        assert_eq!(
            lines.next(),
            Some("2,a@x.nl,Sales,failed,\"'=HYPERLINK(\"\"x\"\") can't\",rid-9")
        );
        // The failed invitation is the reason in both of row 2's groups.
        assert_eq!(
            lines.next(),
            Some("2,a@x.nl,Project,failed,\"'=HYPERLINK(\"\"x\"\") can't\",rid-9")
        );
        assert_eq!(lines.next(), Some("3,b@x.nl,Sales,pending,,"));
    }

    #[test]
    fn a_tenants_report_has_a_tenant_column_and_stays_formula_safe() {
        let p = plan();
        let report = build_report(&p, &Journal::default());
        let options = ExportOptions {
            delimiter: b',',
            bom: false,
        };
        let csv = tenants_report_csv(&[("Northwind", &report), ("=cmd", &report)], options);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "Tenant,Line,Address,Group,Status,Reason,Request id"
        );
        assert_eq!(lines[1], "Northwind,2,a@x.nl,Sales,pending,,");
        assert_eq!(lines.len(), 1 + 2 * report.rows.len());
        assert!(lines[1 + report.rows.len()].starts_with("'=cmd,2,"));
    }

    #[test]
    fn audit_file_lists_each_operation_and_answer() {
        let p = plan();
        let mut j = Journal::default();
        j.started(OpId(0), 1);
        j.finished(OpId(0), 2, failed("no"));
        j.started(OpId(0), 3);
        j.finished(
            OpId(0),
            4,
            OpResult::Done {
                object_id: Some("c".into()),
            },
        );
        let meta = AuditMeta {
            run_id: "run-1".into(),
            signed_in_as: "admin@contoso.com".into(),
            tenant_id: "tid".into(),
            started_at: "2026-11-26T17:00:00Z".into(),
            finished_at: None,
            mode: "direct".into(),
        };
        let audit = audit_file(meta, &p, &j);
        assert_eq!(audit.operations.len(), p.ops.len());
        assert_eq!(audit.operations[0].attempts.len(), 4);
        assert!(audit.operations[1].attempts.is_empty());
        let json = serde_json::to_string_pretty(&audit).unwrap();
        let back: AuditFile = serde_json::from_str(&json).unwrap();
        assert_eq!(back, audit);
        assert_eq!(describe(&p.ops[0].op), "Invite a@x.nl as guest");
        assert_eq!(describe(&p.ops[2].op), "Add a@x.nl to Project");
        // Into the DG alone, a person gets a mail contact.
        let dg_only = crate::domain::plan::plan(
            &p.groups[..1],
            &crate::domain::fixtures::addresses(&["a@x.nl"]),
            &crate::domain::plan::TenantSnapshot::default(),
            &crate::domain::plan::PlanOptions::default(),
        );
        assert_eq!(
            describe(&dg_only.ops[0].op),
            "Create mail contact a@x.nl <a@x.nl>"
        );
    }
}

//! The run journal: an append-only record of each operation's start and result, stored in the
//! browser (IndexedDB) so that a reload or a crash resumes where the run stopped.
//!
//! Writing "started" before the request and "finished" after the answer means an operation
//! with a start and no result *may* have happened (the request went out, the answer was lost).
//! Such an operation is re-checked against the tenant before anything is repeated: nothing is
//! created twice, nothing is lost.

use super::plan::{OpId, Plan, RowKey};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

/// Which service answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Service {
    Graph,
    Exchange,
}

/// What kind of failure it was, in the categories an admin acts on differently. Each has its
/// sentence in every language (`i18n`, block "failures"), so a failure is shown in the admin's
/// language while [`Failure::message`] keeps the English one for audit files and support cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FailureKind {
    /// The object doesn't exist, or isn't visible yet (replication).
    NotFound,
    /// Already a member of the group.
    AlreadyMember,
    /// Not a member of the group (any more).
    NotMember,
    /// The name or address is taken by another recipient.
    AlreadyExists,
    /// More than one object matches the identity given.
    Ambiguous,
    /// Graph can't change the members of a mail-enabled group; Exchange can.
    CannotUpdateMailEnabledGroup,
    /// The admin lacks a permission or role.
    Forbidden,
    /// Exchange doesn't offer the cmdlet or parameter to this admin (a missing role).
    UnknownCommand,
    /// Still throttled after the retries.
    Throttled,
    /// Still unavailable after the retries.
    Unavailable,
    /// No answer: it may or may not have happened.
    ConnectionLost,
    /// The token was refused or has expired: the admin has to sign in again.
    SignInAgain,
    /// The service refused in a way without a name of its own here.
    #[default]
    Other,
    /// No usable answer, for a reason on Guestlist's side (an answer it couldn't read, a request
    /// it couldn't build, a token it couldn't get).
    Unexpected,
}

impl FailureKind {
    pub const ALL: [FailureKind; 14] = [
        FailureKind::NotFound,
        FailureKind::AlreadyMember,
        FailureKind::NotMember,
        FailureKind::AlreadyExists,
        FailureKind::Ambiguous,
        FailureKind::CannotUpdateMailEnabledGroup,
        FailureKind::Forbidden,
        FailureKind::UnknownCommand,
        FailureKind::Throttled,
        FailureKind::Unavailable,
        FailureKind::ConnectionLost,
        FailureKind::SignInAgain,
        FailureKind::Other,
        FailureKind::Unexpected,
    ];
}

impl Service {
    /// The service's name, the same in every language.
    pub fn name(self) -> &'static str {
        match self {
            Service::Graph => "Microsoft Graph",
            Service::Exchange => "Exchange Online",
        }
    }
}

/// Why an operation failed, as the service said it, plus the words for the admin.
///
/// `kind` and `said` let screens compose the sentence in the admin's language
/// (`Texts::failure`); a failure without a kind (another screen's own words, a journal written
/// before kinds existed) is shown as its stored `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub service: Service,
    /// HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// Graph `error.code` or the Exchange exception type.
    pub code: Option<String>,
    /// A sentence an admin understands, in English: stable for audit files, CSV and JSON exports
    /// and support cases. Screens show it in the admin's language (`Texts::failure`).
    pub message: String,
    /// The service's `request-id`, for support cases.
    pub request_id: Option<String>,
    /// What kind of failure it was; `None` for a message composed elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FailureKind>,
    /// What the service said, verbatim (for [`FailureKind::Unexpected`]: the technical detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub said: Option<String>,
}

impl Failure {
    /// A failure in words composed by the caller (no kind, so shown as written).
    pub fn new(service: Service, message: impl Into<String>) -> Failure {
        Failure {
            service,
            status: None,
            code: None,
            message: message.into(),
            request_id: None,
            kind: None,
            said: None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpResult {
    /// Changed the tenant; `object_id` of what was created (contact, guest), if anything.
    Done {
        object_id: Option<String>,
    },
    /// Found already in the desired state (contact exists, already a member, group open).
    AlreadyDone {
        object_id: Option<String>,
    },
    Failed(Failure),
}

impl OpResult {
    pub fn is_success(&self) -> bool {
        !matches!(self, OpResult::Failed(_))
    }
    pub fn object_id(&self) -> Option<&str> {
        match self {
            OpResult::Done { object_id } | OpResult::AlreadyDone { object_id } => {
                object_id.as_deref()
            }
            OpResult::Failed(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JournalEntry {
    Started {
        op: OpId,
        at_ms: u64,
    },
    Finished {
        op: OpId,
        at_ms: u64,
        result: OpResult,
    },
    /// Script mode: the operation went to the admin as part of the PowerShell script. Changes
    /// nothing about where it stands (it is still to be done until a run or Verify says so); it
    /// records that the handover happened, once, for the activity log.
    HandedOver {
        op: OpId,
        at_ms: u64,
    },
}

impl JournalEntry {
    pub fn op(&self) -> OpId {
        match self {
            JournalEntry::Started { op, .. }
            | JournalEntry::Finished { op, .. }
            | JournalEntry::HandedOver { op, .. } => *op,
        }
    }
}

/// Where one operation stands according to the journal (its latest entry wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpState {
    NotStarted,
    /// Started, no result recorded: may or may not have happened.
    InFlight,
    Finished(OpResult),
}

impl OpState {
    /// Finished successfully (done or found already done).
    pub fn is_finished_ok(&self) -> bool {
        matches!(self, OpState::Finished(r) if r.is_success())
    }
}

/// What to do with an operation when a run (re)starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResumeAction {
    Run,
    /// Read the tenant first: do it only if it didn't happen.
    Recheck,
    /// Finished successfully: nothing to do.
    Skip,
    /// Failed before; stays failed until the admin retries failed rows.
    KeepFailed,
    /// An operation it depends on failed.
    Blocked {
        failed: OpId,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub entries: Vec<JournalEntry>,
}

impl Journal {
    pub fn started(&mut self, op: OpId, at_ms: u64) {
        self.entries.push(JournalEntry::Started { op, at_ms });
    }

    pub fn finished(&mut self, op: OpId, at_ms: u64, result: OpResult) {
        self.entries
            .push(JournalEntry::Finished { op, at_ms, result });
    }

    /// The latest state of every operation mentioned.
    pub fn states(&self) -> HashMap<OpId, OpState> {
        let mut states = HashMap::new();
        for e in &self.entries {
            let state = match e {
                JournalEntry::Started { .. } => OpState::InFlight,
                JournalEntry::Finished { result, .. } => OpState::Finished(result.clone()),
                JournalEntry::HandedOver { .. } => continue,
            };
            states.insert(e.op(), state);
        }
        states
    }

    pub fn state(&self, op: OpId) -> OpState {
        self.entries
            .iter()
            .rev()
            .find_map(|e| match e {
                JournalEntry::Started { op: o, .. } if *o == op => Some(OpState::InFlight),
                JournalEntry::Finished { op: o, result, .. } if *o == op => {
                    Some(OpState::Finished(result.clone()))
                }
                _ => None,
            })
            .unwrap_or(OpState::NotStarted)
    }

    /// The operations already handed to the admin in a script.
    pub fn handed_over(&self) -> HashSet<OpId> {
        self.entries
            .iter()
            .filter_map(|e| match e {
                JournalEntry::HandedOver { op, .. } => Some(*op),
                _ => None,
            })
            .collect()
    }

    /// The id of the object an operation created or found (a new contact's id for the add).
    pub fn object_id(&self, op: OpId) -> Option<String> {
        match self.state(op) {
            OpState::Finished(r) => r.object_id().map(str::to_owned),
            _ => None,
        }
    }
}

/// For each operation of the plan, in plan order, what to do on (re)start.
pub fn resume_actions(plan: &Plan, journal: &Journal) -> Vec<(OpId, ResumeAction)> {
    let states = journal.states();
    let mut actions: HashMap<OpId, ResumeAction> = HashMap::with_capacity(plan.ops.len());
    let mut out = Vec::with_capacity(plan.ops.len());
    // Dependencies always come earlier in the plan, so one pass in order sees them decided.
    for planned in &plan.ops {
        let action = match states.get(&planned.id).unwrap_or(&OpState::NotStarted) {
            OpState::Finished(r) if r.is_success() => ResumeAction::Skip,
            OpState::Finished(_) => ResumeAction::KeepFailed,
            OpState::InFlight => ResumeAction::Recheck,
            OpState::NotStarted => planned
                .depends_on
                .iter()
                .find_map(|dep| match actions.get(dep) {
                    Some(ResumeAction::KeepFailed) => Some(ResumeAction::Blocked { failed: *dep }),
                    Some(ResumeAction::Blocked { failed }) => {
                        Some(ResumeAction::Blocked { failed: *failed })
                    }
                    _ => None,
                })
                .unwrap_or(ResumeAction::Run),
        };
        actions.insert(planned.id, action.clone());
        out.push((planned.id, action));
    }
    out
}

/// The rows to re-plan for "retry failed rows": rows with an operation that failed or was
/// blocked by a failure. Re-planning (with fresh tenant reads) rather than re-running the old
/// operations picks up whatever did get done meanwhile.
pub fn failed_rows(plan: &Plan, journal: &Journal) -> Vec<RowKey> {
    let actions: HashMap<OpId, ResumeAction> = resume_actions(plan, journal).into_iter().collect();
    let mut rows = BTreeSet::new();
    for entry in &plan.entries {
        let failed = entry.op_ids().any(|op| {
            matches!(
                actions.get(&op),
                Some(ResumeAction::KeepFailed | ResumeAction::Blocked { .. })
            )
        });
        if failed {
            rows.insert(entry.row);
        }
    }
    rows.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::two_group_plan;
    use crate::domain::plan::Operation;

    fn failure() -> OpResult {
        OpResult::Failed(Failure {
            status: Some(400),
            code: Some("ProxyAddressExistsException".into()),
            request_id: Some("req-1".into()),
            kind: Some(FailureKind::AlreadyExists),
            ..Failure::new(
                Service::Exchange,
                "The address is already used by another recipient.",
            )
        })
    }

    fn done(id: &str) -> OpResult {
        OpResult::Done {
            object_id: Some(id.into()),
        }
    }

    #[test]
    fn plan_shape_for_these_tests() {
        // per person p: invite guest (3p), add it to the DG (3p+1) and to the M365 group (3p+2)
        let p = two_group_plan();
        assert_eq!(p.ops.len(), 9);
        assert!(matches!(p.ops[0].op, Operation::InviteGuest { .. }));
        assert_eq!(p.ops[1].depends_on, vec![OpId(0)]);
        assert_eq!(p.ops[2].depends_on, vec![OpId(0)]);
        assert!(matches!(p.ops[3].op, Operation::InviteGuest { .. }));
    }

    #[test]
    fn a_handover_changes_nothing_about_where_an_operation_stands() {
        let mut j = Journal::default();
        j.started(OpId(1), 1);
        j.entries.push(JournalEntry::HandedOver {
            op: OpId(1),
            at_ms: 2,
        });
        j.entries.push(JournalEntry::HandedOver {
            op: OpId(2),
            at_ms: 2,
        });
        assert_eq!(j.state(OpId(1)), OpState::InFlight);
        assert_eq!(j.state(OpId(2)), OpState::NotStarted);
        assert_eq!(j.states().get(&OpId(2)), None);
        assert_eq!(j.handed_over(), HashSet::from([OpId(1), OpId(2)]));
        // Stored and read back as written; a journal from before handovers reads as it was.
        let json = serde_json::to_string(&j).unwrap();
        assert_eq!(serde_json::from_str::<Journal>(&json).unwrap(), j);
        let old: Journal =
            serde_json::from_str(r#"{"entries":[{"Started":{"op":1,"at_ms":1}}]}"#).unwrap();
        assert!(old.handed_over().is_empty());
    }

    #[test]
    fn fresh_run_runs_everything() {
        let p = two_group_plan();
        let actions = resume_actions(&p, &Journal::default());
        assert!(actions.iter().all(|(_, a)| *a == ResumeAction::Run));
        assert_eq!(actions.len(), 9);
    }

    #[test]
    fn resume_skips_done_rechecks_in_flight_and_blocks_dependents() {
        let p = two_group_plan();
        let mut j = Journal::default();
        // a: guest invited, added to the DG; the M365 add in flight when the tab died
        j.started(OpId(0), 1);
        j.finished(OpId(0), 2, done("guest-a"));
        j.started(OpId(1), 3);
        j.finished(OpId(1), 4, OpResult::AlreadyDone { object_id: None });
        j.started(OpId(2), 5);
        // b: the invitation failed
        j.started(OpId(3), 6);
        j.finished(OpId(3), 7, failure());
        // c: the invitation in flight
        j.started(OpId(6), 8);
        let actions = resume_actions(&p, &j);
        let a: HashMap<_, _> = actions.into_iter().collect();
        assert_eq!(a[&OpId(0)], ResumeAction::Skip);
        assert_eq!(a[&OpId(1)], ResumeAction::Skip);
        assert_eq!(a[&OpId(2)], ResumeAction::Recheck);
        assert_eq!(a[&OpId(3)], ResumeAction::KeepFailed);
        assert_eq!(a[&OpId(4)], ResumeAction::Blocked { failed: OpId(3) });
        assert_eq!(a[&OpId(5)], ResumeAction::Blocked { failed: OpId(3) });
        assert_eq!(a[&OpId(6)], ResumeAction::Recheck);
        // depends on an in-flight op: runs (after the recheck settles it)
        assert_eq!(a[&OpId(7)], ResumeAction::Run);
        assert_eq!(a[&OpId(8)], ResumeAction::Run);
        assert_eq!(j.object_id(OpId(0)).as_deref(), Some("guest-a"));
        assert_eq!(j.object_id(OpId(2)), None);
        assert_eq!(j.object_id(OpId(3)), None);
    }

    #[test]
    fn latest_entry_wins() {
        let p = two_group_plan();
        let mut j = Journal::default();
        j.started(OpId(0), 1);
        j.finished(OpId(0), 2, failure());
        // retried later, succeeded
        j.started(OpId(0), 3);
        j.finished(OpId(0), 4, done("c"));
        assert_eq!(j.state(OpId(0)), OpState::Finished(done("c")));
        assert_eq!(resume_actions(&p, &j)[0].1, ResumeAction::Skip);
        j.started(OpId(0), 5);
        assert_eq!(j.state(OpId(0)), OpState::InFlight);
        assert_eq!(j.state(OpId(8)), OpState::NotStarted);
    }

    #[test]
    fn failed_rows_are_selected_for_retry() {
        let p = two_group_plan();
        let mut j = Journal::default();
        j.finished(OpId(0), 1, done("guest-a"));
        j.finished(OpId(1), 2, done(""));
        j.finished(OpId(3), 3, failure()); // row 3's invitation
        j.finished(OpId(8), 4, failure()); // row 4's M365 add
        assert_eq!(failed_rows(&p, &j), vec![3, 4]);
        assert!(failed_rows(&p, &Journal::default()).is_empty());
    }

    #[test]
    fn journal_round_trips_through_json() {
        let mut j = Journal::default();
        j.started(OpId(0), 1);
        j.finished(OpId(0), 2, failure());
        let json = serde_json::to_string(&j).unwrap();
        let back: Journal = serde_json::from_str(&json).unwrap();
        assert_eq!(back, j);
    }
}

//! The activity log: every change made (what, when, result, the service's request id), newest
//! first, bounded so it can't fill the browser's storage quota. The change engine writes an
//! entry per operation of every run; the app keeps the log in localStorage.
//!
//! Each entry keeps what was done in two ways: typed ([`Action`], [`Reason`]), so the Activity
//! page says it in the admin's language, and as English sentences (`what`, `detail`), which the
//! CSV and JSON exports carry for audit files and support cases. Entries written before the
//! typed fields existed have only the English and are shown as stored.

use crate::domain::csv_export::{to_csv, ExportOptions};
use crate::domain::delivery::SenderList;
use crate::domain::email::EmailAddress;
use crate::domain::group::GroupKind;
use crate::domain::journal::{Failure, FailureKind, Service};
use crate::domain::plan::{Operation, PersonRef};
use crate::domain::template::fill;
use crate::run::failure::FailureTexts;
use serde::{Deserialize, Serialize};

/// At most this many entries are kept; the oldest go first. Enough for a bulk run of a couple
/// of thousand people with every operation recorded (~300–600 bytes each: 1.5–3 MB of JSON,
/// within the 5 MB localStorage quota); the Activity page shows them a page at a time.
pub const MAX_ENTRIES: usize = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Done,
    /// Nothing to do (already a member, already open).
    Skipped,
    Failed,
    /// Handed to the admin as a PowerShell script (script mode).
    Script,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
            Outcome::Script => "script",
        }
    }
}

/// What a change was, with what it was done to: worded per language by
/// [`ActivityTexts::action`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Action {
    /// A new Exchange mail contact.
    CreateContact {
        name: String,
        address: String,
    },
    /// A guest invited through Microsoft Graph.
    InviteGuest {
        address: String,
    },
    AddMember {
        member: String,
        group: String,
    },
    RemoveMember {
        member: String,
        group: String,
    },
    /// The group now accepts mail from outside the organisation.
    OpenToExternalSenders {
        group: String,
    },
    /// A delivery fix: `entry` added to or removed from one of the group's sender lists.
    EditSenderList {
        entry: String,
        group: String,
        list: SenderList,
        add: bool,
    },
    /// A mail contact deleted (Exchange `Remove-MailContact`).
    DeleteContact {
        name: String,
        address: String,
    },
    /// A guest deleted (Graph): in deleted items for 30 days, restorable by `id` from the
    /// Activity page.
    DeleteGuest {
        name: String,
        address: String,
        id: String,
    },
    /// A deleted guest restored from deleted items.
    RestoreGuest {
        name: String,
        address: String,
        id: String,
    },
    /// A guest's invitation sent again.
    ResendInvitation {
        address: String,
    },
    /// A contact's details changed.
    EditContact {
        name: String,
        address: String,
    },
    /// A person's end date set (`until`, `YYYY-MM-DD`) or cleared.
    SetAccessUntil {
        name: String,
        address: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<String>,
    },
}

impl From<&Operation> for Action {
    fn from(op: &Operation) -> Action {
        match op {
            Operation::CreateContact {
                address,
                display_name,
                ..
            } => Action::CreateContact {
                name: display_name.clone(),
                address: address.to_string(),
            },
            Operation::InviteGuest { address, .. } => Action::InviteGuest {
                address: address.to_string(),
            },
            Operation::AddMember {
                group_name, member, ..
            } => Action::AddMember {
                member: member.address.to_string(),
                group: group_name.clone(),
            },
            Operation::OpenExternalSenders { group_name, .. } => Action::OpenToExternalSenders {
                group: group_name.clone(),
            },
            Operation::RemoveMember {
                group_name, member, ..
            } => Action::RemoveMember {
                member: member.address.to_string(),
                group: group_name.clone(),
            },
            Operation::EditSenderList {
                group_name,
                list,
                entry,
                add,
                ..
            } => Action::EditSenderList {
                entry: entry.clone(),
                group: group_name.clone(),
                list: *list,
                add: *add,
            },
            Operation::DeleteContact { person } => Action::DeleteContact {
                name: person.name.clone(),
                address: person.address.to_string(),
            },
            Operation::DeleteGuest { person } => Action::DeleteGuest {
                name: person.name.clone(),
                address: person.address.to_string(),
                id: person.id.clone(),
            },
            Operation::RestoreGuest { person } => Action::RestoreGuest {
                name: person.name.clone(),
                address: person.address.to_string(),
                id: person.id.clone(),
            },
            Operation::ResendInvitation { person, .. } => Action::ResendInvitation {
                address: person.address.to_string(),
            },
            Operation::EditContact { person, .. } => Action::EditContact {
                name: person.name.clone(),
                address: person.address.to_string(),
            },
            Operation::SetAccessUntil { person, until, .. } => Action::SetAccessUntil {
                name: person.name.clone(),
                address: person.address.to_string(),
                until: until.clone(),
            },
        }
    }
}

/// Why a change was skipped, handed over or failed: worded per language by
/// [`ActivityTexts::reason`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Reason {
    /// It was already so; nothing was changed.
    AlreadyDone,
    /// Script mode: the admin runs it as PowerShell.
    InScript,
    /// Script mode: Verify found it done after the script ran.
    ConfirmedByVerify,
    /// A failure of a known kind (see [`FailureTexts::compose`]).
    Failed {
        service: Service,
        kind: FailureKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        said: Option<String>,
    },
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// What was done, in English ("Add jan@partner.nl to Sales Team"): what the exports carry.
    pub what: String,
    /// The group concerned.
    pub group: String,
    pub outcome: Outcome,
    /// Why it failed or was skipped, when it did, in English.
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub request_id: Option<String>,
    /// `what`, typed; `None` in entries written before actions were stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    /// `detail`, typed; `None` where there is no detail, in older entries, and for a failure
    /// worded by its screen (no kind), whose English `detail` is then shown as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// The journalled run and operation this entry is of (bulk runs): an operation's outcome is
    /// recorded once however often the run is resumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunOp>,
}

/// Which operation of which journalled run an entry records.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RunOp {
    pub run: String,
    pub op: u32,
}

impl Entry {
    /// A change made at `at_ms`, with its English sentence.
    pub fn new(action: Action, group: String, outcome: Outcome, at_ms: u64) -> Entry {
        Entry {
            at_ms,
            what: ACTIVITY_EN.action(&action),
            group,
            outcome,
            detail: String::new(),
            request_id: None,
            action: Some(action),
            reason: None,
            run: None,
        }
    }

    /// Marks the entry as the outcome of `op` in the journalled run `run`.
    pub fn of_run(self, run: &str, op: u32) -> Entry {
        Entry {
            run: Some(RunOp {
                run: run.to_owned(),
                op,
            }),
            ..self
        }
    }

    /// What makes an entry of a journalled run the same record: its operation, and whether it
    /// records the handover to a script or how the operation ended (a step handed over and later
    /// confirmed by Verify is two records; its outcome is one, however it was learnt).
    fn key(&self) -> Option<(&RunOp, bool)> {
        self.run
            .as_ref()
            .map(|r| (r, self.outcome == Outcome::Script))
    }

    /// The change failed: the failure's English message, its kind and its request id.
    pub fn failed(action: Action, group: String, failure: &Failure, at_ms: u64) -> Entry {
        Entry {
            detail: failure.message.clone(),
            request_id: failure.request_id.clone(),
            reason: failure.kind.map(|kind| Reason::Failed {
                service: failure.service,
                kind,
                said: failure.said.clone(),
            }),
            ..Entry::new(action, group, Outcome::Failed, at_ms)
        }
    }

    /// The guest this entry deleted, while it may still be in deleted items: what the Activity
    /// page offers to restore ([`crate::domain::plan::Plan::restoring`]).
    pub fn deleted_guest(&self) -> Option<PersonRef> {
        if !matches!(self.outcome, Outcome::Done | Outcome::Skipped) {
            return None;
        }
        match &self.action {
            Some(Action::DeleteGuest { name, address, id }) => Some(PersonRef {
                id: id.clone(),
                name: name.clone(),
                address: EmailAddress::parse(address).ok()?,
                exchange_identity: id.clone(),
            }),
            _ => None,
        }
    }

    /// Adds why (skipped, handed over), in English and typed.
    pub fn because(self, reason: Reason) -> Entry {
        Entry {
            detail: ACTIVITY_EN.reason(&reason),
            reason: Some(reason),
            ..self
        }
    }
}

/// The log, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Log {
    pub entries: Vec<Entry>,
}

impl Log {
    /// Reads the stored JSON; anything unreadable (hand-edited, an older shape) starts a new log
    /// rather than keeping the app from working.
    pub fn from_json(text: &str) -> Log {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{\"entries\":[]}".into())
    }

    /// Adds `entry` at the front and drops the oldest beyond [`MAX_ENTRIES`].
    pub fn push(&mut self, entry: Entry) {
        self.entries.insert(0, entry);
        self.entries.truncate(MAX_ENTRIES);
    }

    /// Adds `entries` (oldest first, as a run makes them) in one go: the newest ends up first.
    /// An entry of a journalled run's operation that the log already holds is not added again.
    pub fn extend(&mut self, entries: impl IntoIterator<Item = Entry>) {
        let held: std::collections::HashSet<(&RunOp, bool)> =
            self.entries.iter().filter_map(Entry::key).collect();
        let mut new: Vec<Entry> = entries
            .into_iter()
            .filter(|e| e.key().is_none_or(|k| !held.contains(&k)))
            .collect();
        new.reverse();
        new.truncate(MAX_ENTRIES);
        new.append(&mut self.entries);
        new.truncate(MAX_ENTRIES);
        self.entries = new;
    }

    /// The export as CSV (cells neutralised against formula injection).
    pub fn to_csv(&self) -> String {
        to_csv(
            &["time", "what", "group", "result", "detail", "request id"],
            self.entries.iter().map(|e| {
                vec![
                    iso_time(e.at_ms),
                    e.what.clone(),
                    e.group.clone(),
                    e.outcome.as_str().to_owned(),
                    e.detail.clone(),
                    e.request_id.clone().unwrap_or_default(),
                ]
            }),
            ExportOptions::default(),
        )
    }

    /// The export as pretty JSON (an array of entries).
    pub fn to_export_json(&self) -> String {
        serde_json::to_string_pretty(&self.entries).unwrap_or_else(|_| "[]".into())
    }
}

/// `2026-11-26T18:20:05Z` from epoch milliseconds (UTC; civil-from-days, no date crate).
pub fn iso_time(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

/// The words of the activity log in one language; [`ACTIVITY_EN`] is what entries store.
#[derive(Debug)]
pub struct ActivityTexts {
    /// What a change was ([`Action`]). The English ones are what the log's `what` and its
    /// exports keep, worded as `domain::report::describe` words the same operations.
    pub create_contact: &'static str,
    pub invite_guest: &'static str,
    pub add_member: &'static str,
    pub remove_member: &'static str,
    pub open_to_external_senders: &'static str,
    /// Delivery fixes on a group's sender lists ([`Action::EditSenderList`]): the sender on the
    /// allowed-senders list, the group's own members allowed, past moderation, off a blocked
    /// list; any other list change with the list's Exchange name (`{list}`).
    pub allow_sender: &'static str,
    pub allow_members: &'static str,
    pub bypass_moderation: &'static str,
    pub unblock_sender: &'static str,
    pub list_add: &'static str,
    pub list_remove: &'static str,
    /// Deleting and restoring people ([`Action::DeleteContact`], [`Action::DeleteGuest`],
    /// [`Action::RestoreGuest`]).
    pub delete_contact: &'static str,
    pub delete_guest: &'static str,
    pub restore_guest: &'static str,
    pub resend_invitation: &'static str,
    pub edit_contact: &'static str,
    /// `{date}`: the new end date.
    pub set_access_until: &'static str,
    pub clear_access_until: &'static str,
    /// Why a change was skipped or handed over ([`Reason`]).
    pub already_done: &'static str,
    pub in_script: &'static str,
    pub confirmed_by_verify: &'static str,
    /// How failures are worded in the same language.
    pub failures: &'static FailureTexts,
}

/// The English words: what entries store and exports carry.
pub static ACTIVITY_EN: ActivityTexts = ActivityTexts {
    create_contact: "Create mail contact {name} <{address}>",
    invite_guest: "Invite {address} as guest",
    add_member: "Add {member} to {group}",
    remove_member: "Remove {member} from {group}",
    open_to_external_senders: "Let {group} receive mail from outside the organisation",
    allow_sender: "Put {entry} on the allowed senders of {group}",
    allow_members: "Let the members of {entry} send to {group}",
    bypass_moderation: "Let {entry} mail {group} without moderation",
    unblock_sender: "Take {entry} off the blocked senders of {group}",
    list_add: "Add {entry} to {list} of {group}",
    list_remove: "Remove {entry} from {list} of {group}",
    delete_contact: "Delete mail contact {name} <{address}>",
    delete_guest: "Delete guest {name} <{address}> (restorable from deleted items for 30 days)",
    restore_guest: "Restore guest {name} <{address}> from deleted items",
    resend_invitation: "Invite {address} again",
    edit_contact: "Change the details of mail contact {name} <{address}>",
    set_access_until: "Set the end date of {name} <{address}> to {date}",
    clear_access_until: "Clear the end date of {name} <{address}>",
    already_done: "already done",
    in_script: "handed over as a PowerShell script",
    confirmed_by_verify: "confirmed by Verify after the script ran",
    failures: &crate::run::failure::FAILURES_EN,
};

impl ActivityTexts {
    /// `(field name, text)` for every text of this area (failures apart), for the catalogue's
    /// tests.
    pub fn entries(&self) -> [(&'static str, &'static str); 21] {
        [
            ("create_contact", self.create_contact),
            ("invite_guest", self.invite_guest),
            ("add_member", self.add_member),
            ("remove_member", self.remove_member),
            ("open_to_external_senders", self.open_to_external_senders),
            ("allow_sender", self.allow_sender),
            ("allow_members", self.allow_members),
            ("bypass_moderation", self.bypass_moderation),
            ("unblock_sender", self.unblock_sender),
            ("list_add", self.list_add),
            ("list_remove", self.list_remove),
            ("delete_contact", self.delete_contact),
            ("delete_guest", self.delete_guest),
            ("restore_guest", self.restore_guest),
            ("resend_invitation", self.resend_invitation),
            ("edit_contact", self.edit_contact),
            ("set_access_until", self.set_access_until),
            ("clear_access_until", self.clear_access_until),
            ("already_done", self.already_done),
            ("in_script", self.in_script),
            ("confirmed_by_verify", self.confirmed_by_verify),
        ]
    }

    /// A change in this language.
    pub fn action(&self, action: &Action) -> String {
        match action {
            Action::CreateContact { name, address } => {
                fill(self.create_contact, &[("name", name), ("address", address)])
            }
            Action::InviteGuest { address } => fill(self.invite_guest, &[("address", address)]),
            Action::AddMember { member, group } => {
                fill(self.add_member, &[("member", member), ("group", group)])
            }
            Action::RemoveMember { member, group } => {
                fill(self.remove_member, &[("member", member), ("group", group)])
            }
            Action::OpenToExternalSenders { group } => {
                fill(self.open_to_external_senders, &[("group", group)])
            }
            Action::EditSenderList {
                entry,
                group,
                list,
                add,
            } => {
                let text = match (list, add) {
                    (SenderList::AcceptMessagesOnlyFrom, true) => self.allow_sender,
                    (SenderList::AcceptMessagesOnlyFromDLMembers, true) => self.allow_members,
                    (SenderList::BypassModerationFromSendersOrMembers, true) => {
                        self.bypass_moderation
                    }
                    (
                        SenderList::RejectMessagesFrom | SenderList::RejectMessagesFromDLMembers,
                        false,
                    ) => self.unblock_sender,
                    (_, true) => self.list_add,
                    (_, false) => self.list_remove,
                };
                fill(
                    text,
                    &[
                        ("entry", entry),
                        ("group", group),
                        ("list", list.parameter(GroupKind::Distribution)),
                    ],
                )
            }
            Action::DeleteContact { name, address } => {
                fill(self.delete_contact, &[("name", name), ("address", address)])
            }
            Action::DeleteGuest { name, address, .. } => {
                fill(self.delete_guest, &[("name", name), ("address", address)])
            }
            Action::RestoreGuest { name, address, .. } => {
                fill(self.restore_guest, &[("name", name), ("address", address)])
            }
            Action::ResendInvitation { address } => {
                fill(self.resend_invitation, &[("address", address)])
            }
            Action::EditContact { name, address } => {
                fill(self.edit_contact, &[("name", name), ("address", address)])
            }
            Action::SetAccessUntil {
                name,
                address,
                until: Some(date),
            } => fill(
                self.set_access_until,
                &[("name", name), ("address", address), ("date", date)],
            ),
            Action::SetAccessUntil {
                name,
                address,
                until: None,
            } => fill(
                self.clear_access_until,
                &[("name", name), ("address", address)],
            ),
        }
    }

    /// Why a change was skipped, handed over or failed, in this language.
    pub fn reason(&self, reason: &Reason) -> String {
        match reason {
            Reason::AlreadyDone => self.already_done.to_owned(),
            Reason::InScript => self.in_script.to_owned(),
            Reason::ConfirmedByVerify => self.confirmed_by_verify.to_owned(),
            Reason::Failed {
                service,
                kind,
                said,
            } => self.failures.compose(*kind, *service, said.as_deref()),
        }
    }

    /// An entry's "what" in this language; an entry stored before actions were typed keeps its
    /// English words.
    pub fn what(&self, entry: &Entry) -> String {
        match &entry.action {
            Some(action) => self.action(action),
            None => entry.what.clone(),
        }
    }

    /// An entry's detail in this language, or as stored where it isn't typed.
    pub fn detail(&self, entry: &Entry) -> String {
        match &entry.reason {
            Some(reason) => self.reason(reason),
            None => entry.detail.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u64, what: &str) -> Entry {
        Entry {
            at_ms: n,
            what: what.into(),
            group: "Sales Team".into(),
            outcome: Outcome::Done,
            detail: String::new(),
            request_id: Some(format!("rid-{n}")),
            action: None,
            reason: None,
            run: None,
        }
    }

    #[test]
    fn an_operation_of_a_run_is_recorded_once() {
        let mut log = Log::default();
        log.extend([
            entry(1, "a").of_run("run-1", 0),
            entry(2, "b").of_run("run-1", 1),
        ]);
        // A resumed run records what it finished again: only the new one is added.
        log.extend([
            entry(3, "a").of_run("run-1", 0),
            entry(4, "b").of_run("run-1", 1),
            entry(5, "c").of_run("run-1", 2),
            entry(6, "a").of_run("run-2", 0),
        ]);
        let at: Vec<u64> = log.entries.iter().map(|e| e.at_ms).collect();
        assert_eq!(at, [6, 5, 2, 1]);
        // Entries outside journalled runs are all kept; the handover to a script is a record
        // of its own, the outcome one however it was learnt.
        log.extend([entry(7, "x"), entry(8, "x")]);
        let mut script = entry(9, "a").of_run("run-1", 0);
        script.outcome = Outcome::Script;
        log.extend([script]);
        assert_eq!(log.entries.len(), 7);
        let mut skipped = entry(10, "a").of_run("run-1", 0);
        skipped.outcome = Outcome::Skipped;
        log.extend([skipped]);
        assert_eq!(log.entries.len(), 7);
    }

    #[test]
    fn newest_first_and_bounded() {
        let mut log = Log::default();
        for n in 0..(MAX_ENTRIES as u64 + 5) {
            log.push(entry(n, "x"));
        }
        assert_eq!(log.entries.len(), MAX_ENTRIES);
        assert_eq!(log.entries[0].at_ms, MAX_ENTRIES as u64 + 4);
        assert_eq!(log.entries.last().map(|e| e.at_ms), Some(5));
    }

    #[test]
    fn json_round_trip_and_unreadable_storage() {
        let mut log = Log::default();
        log.push(entry(1, "Add a@b.example to Sales Team"));
        assert_eq!(Log::from_json(&log.to_json()), log);
        assert_eq!(Log::from_json("not json"), Log::default());
        let export: serde_json::Value = serde_json::from_str(&log.to_export_json()).unwrap();
        assert_eq!(export[0]["requestId"], "rid-1");
        assert_eq!(export[0]["outcome"], "done");
    }

    #[test]
    fn csv_neutralises_formulas() {
        let mut log = Log::default();
        log.push(entry(0, "=HYPERLINK(\"http://evil\")"));
        let csv = log.to_csv();
        assert!(csv.contains("1970-01-01T00:00:00Z"), "{csv}");
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
        assert!(!csv.contains(",=HYPERLINK"), "{csv}");
    }

    #[test]
    fn extend_puts_a_runs_entries_newest_first_and_stays_bounded() {
        let mut log = Log::default();
        log.push(entry(0, "older"));
        log.extend((1..=3).map(|n| entry(n, "run")));
        let at: Vec<u64> = log.entries.iter().map(|e| e.at_ms).collect();
        assert_eq!(at, [3, 2, 1, 0]);
        log.extend((10..10 + MAX_ENTRIES as u64 + 7).map(|n| entry(n, "big run")));
        assert_eq!(log.entries.len(), MAX_ENTRIES);
        assert_eq!(log.entries[0].at_ms, 10 + MAX_ENTRIES as u64 + 6);
        assert_eq!(log.entries.last().map(|e| e.at_ms), Some(17));
    }

    #[test]
    fn iso_times() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_time(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(iso_time(1_795_717_205_000), "2026-11-26T18:20:05Z");
    }
}

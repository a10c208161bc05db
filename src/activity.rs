//! The activity log: every change this browser made (what, when, result, the service's request
//! id), kept in localStorage across reloads, newest first, bounded so it can't fill the quota.
//!
//! The log itself is plain data with native tests; only [`load`] and [`record`] touch the
//! browser.
//!
//! Each entry keeps what was done in two ways: typed ([`Action`], [`Reason`]), so the Activity
//! page says it in the admin's language, and as English sentences (`what`, `detail`), which the
//! CSV and JSON exports carry for audit files and support cases. Entries written before the
//! typed fields existed have only the English and are shown as stored.

use crate::domain::csv_export::{to_csv, ExportOptions};
use crate::domain::journal::{Failure, FailureKind, Service};
use crate::domain::plan::Operation;
use crate::i18n::EN;
use serde::{Deserialize, Serialize};

/// localStorage key.
pub const STORAGE_KEY: &str = "guestlist.activity";
/// At most this many entries are kept; the oldest go first. (~300–600 bytes each: far below the
/// 5 MB localStorage quota, and plenty for a browser's recent history.)
pub const MAX_ENTRIES: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
/// `Texts::activity_action`.
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
        }
    }
}

/// Why a change was skipped, handed over or failed: worded per language by
/// `Texts::activity_reason`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Reason {
    /// It was already so; nothing was changed.
    AlreadyDone,
    /// Script mode: the admin runs it as PowerShell.
    InScript,
    /// A failure of a known kind (see `Texts::compose_failure`).
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
}

impl Entry {
    /// A change made now, with its English sentence from the catalogue.
    pub fn new(action: Action, group: String, outcome: Outcome) -> Entry {
        Entry {
            at_ms: now_ms(),
            what: EN.activity_action(&action),
            group,
            outcome,
            detail: String::new(),
            request_id: None,
            action: Some(action),
            reason: None,
        }
    }

    /// The change failed: the failure's English message, its kind and its request id.
    pub fn failed(action: Action, group: String, failure: &Failure) -> Entry {
        Entry {
            detail: failure.message.clone(),
            request_id: failure.request_id.clone(),
            reason: failure.kind.map(|kind| Reason::Failed {
                service: failure.service,
                kind,
                said: failure.said.clone(),
            }),
            ..Entry::new(action, group, Outcome::Failed)
        }
    }

    /// Adds why (skipped, handed over), in English and typed.
    pub fn because(self, reason: Reason) -> Entry {
        Entry {
            detail: EN.activity_reason(&reason),
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

/// The stored log (empty where storage is unavailable).
pub fn load() -> Log {
    #[cfg(target_arch = "wasm32")]
    {
        storage()
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
            .map(|t| Log::from_json(&t))
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Log::default()
    }
}

/// Appends one entry to the stored log. Storage may be full or disabled (private mode): the
/// change itself has happened either way, so that is reported, not fatal.
pub fn record(entry: Entry) -> Result<(), StorageError> {
    #[cfg(target_arch = "wasm32")]
    {
        let s = storage().ok_or(StorageError::Unavailable)?;
        let mut log = load();
        log.push(entry);
        s.set_item(STORAGE_KEY, &log.to_json())
            .map_err(|e| StorageError::Write(format!("{e:?}")))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = entry;
        Err(StorageError::Unavailable)
    }
}

/// Empties the stored log.
pub fn clear() -> Result<(), StorageError> {
    #[cfg(target_arch = "wasm32")]
    {
        let s = storage().ok_or(StorageError::Unavailable)?;
        s.remove_item(STORAGE_KEY)
            .map_err(|e| StorageError::Write(format!("{e:?}")))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Err(StorageError::Unavailable)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    #[error("this browser keeps no local storage for the app")]
    Unavailable,
    #[error("the activity log could not be saved: {0}")]
    Write(String),
}

#[cfg(target_arch = "wasm32")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Now, in epoch milliseconds.
pub fn now_ms() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now() as u64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::{ExternalSenders, GroupKind};
    use crate::domain::plan::{plan, Desired, PlanOptions, TargetGroup, TenantSnapshot};
    use crate::domain::report::describe;
    use crate::i18n::NL;

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
        }
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

    /// An entry as this module wrote it before actions and reasons were typed.
    const OLD_LOG: &str = r#"{"entries":[{"atMs":1795717205000,"what":"Add jan@partner.nl to Sales Team","group":"Sales Team","outcome":"failed","detail":"You aren't allowed to do this.","requestId":"rid-42"},{"atMs":1795717100000,"what":"Let Sales Team receive mail from outside the organisation","group":"Sales Team","outcome":"done","requestId":null}]}"#;

    #[test]
    fn entries_written_before_actions_load_and_show_their_english() {
        let log = Log::from_json(OLD_LOG);
        assert_eq!(log.entries.len(), 2);
        let old = &log.entries[0];
        assert_eq!(old.action, None);
        assert_eq!(old.reason, None);
        for t in [&EN, &NL] {
            assert_eq!(t.activity_what(old), "Add jan@partner.nl to Sales Team");
            assert_eq!(t.activity_detail(old), "You aren't allowed to do this.");
            assert_eq!(t.activity_detail(&log.entries[1]), "");
        }
        // Saved again, old entries get no typed fields made up for them.
        let again: serde_json::Value = serde_json::from_str(&log.to_json()).unwrap();
        assert!(again["entries"][0].get("action").is_none(), "{again}");
        assert_eq!(Log::from_json(&log.to_json()), log);
    }

    fn sales(external_senders: ExternalSenders) -> TargetGroup {
        TargetGroup {
            id: "dg".into(),
            name: "Sales Team".into(),
            mail: Some("sales@contoso.com".into()),
            kind: GroupKind::Distribution,
            external_senders,
            dynamic_membership: false,
            on_premises_synced: false,
        }
    }

    #[test]
    fn actions_are_worded_per_language_and_the_english_is_the_reports() {
        let dg = plan(
            &[sales(ExternalSenders::Rejected)],
            &Desired::addresses(&["jan@partner.nl"]),
            &TenantSnapshot::default(),
            &PlanOptions::default(),
        );
        let both = crate::domain::journal::tests::two_group_plan();
        let mut seen = Vec::new();
        for op in dg.ops.iter().chain(&both.ops) {
            let action = Action::from(&op.op);
            let entry = Entry::new(action.clone(), "Sales Team".into(), Outcome::Done);
            // The English kept for exports is the report's wording of the same operation.
            assert_eq!(entry.what, describe(&op.op));
            assert_eq!(EN.activity_what(&entry), entry.what);
            let nl = NL.activity_what(&entry);
            assert_ne!(nl, entry.what);
            assert!(!nl.contains('{'), "{nl}");
            let tag = serde_json::to_value(&action).unwrap()["type"].clone();
            if !seen.contains(&tag) {
                seen.push(tag);
            }
        }
        seen.sort_by_key(|t| t.to_string());
        assert_eq!(
            seen,
            [
                "addMember",
                "createContact",
                "inviteGuest",
                "openToExternalSenders"
            ]
        );

        let remove = Entry::new(
            Action::RemoveMember {
                member: "jan@partner.nl".into(),
                group: "Sales Team".into(),
            },
            "Sales Team".into(),
            Outcome::Done,
        );
        assert_eq!(remove.what, "Remove jan@partner.nl from Sales Team");
        assert_eq!(
            NL.activity_what(&remove),
            "jan@partner.nl uit Sales Team verwijderen"
        );
    }

    #[test]
    fn reasons_are_typed_the_export_stays_english() {
        let action = Action::AddMember {
            member: "jan@partner.nl".into(),
            group: "Sales Team".into(),
        };
        let said = "Insufficient privileges to complete the operation.";
        // Worded as `run::failure` words it: the English sentence for its kind.
        let failure = Failure {
            request_id: Some("rid-7".into()),
            kind: Some(FailureKind::Forbidden),
            said: Some(said.into()),
            ..Failure::new(
                Service::Graph,
                EN.compose_failure(FailureKind::Forbidden, Service::Graph, Some(said)),
            )
        };
        let mut log = Log::default();
        log.push(
            Entry::new(action.clone(), "Sales Team".into(), Outcome::Skipped)
                .because(Reason::AlreadyDone),
        );
        log.push(
            Entry::new(action.clone(), "Sales Team".into(), Outcome::Script)
                .because(Reason::InScript),
        );
        log.push(Entry::failed(action.clone(), "Sales Team".into(), &failure));
        // A failure worded by its screen, without a kind.
        log.push(Entry::failed(
            action,
            "Sales Team".into(),
            &Failure::new(Service::Exchange, "Something else went wrong."),
        ));

        let stored = Log::from_json(&log.to_json());
        assert_eq!(stored, log);
        let [untyped, failed, script, already] = &stored.entries[..] else {
            panic!("{stored:?}");
        };
        assert_eq!(already.detail, "already done");
        assert_eq!(NL.activity_detail(already), "was al zo");
        assert_eq!(script.detail, "handed over as a PowerShell script");
        assert_eq!(
            NL.activity_detail(script),
            "overgedragen als PowerShell-script"
        );
        assert_eq!(failed.outcome, Outcome::Failed);
        assert_eq!(failed.request_id.as_deref(), Some("rid-7"));
        assert_eq!(EN.activity_detail(failed), failure.message);
        assert_eq!(
            NL.activity_detail(failed),
            "U heeft hier geen rechten voor: uw account mist een machtiging of beheerdersrol. De service meldde: Insufficient privileges to complete the operation."
        );
        assert_eq!(untyped.reason, None);
        assert_eq!(NL.activity_detail(untyped), "Something else went wrong.");

        let csv = stored.to_csv();
        assert!(csv.contains("Add jan@partner.nl to Sales Team"), "{csv}");
        assert!(csv.contains("already done"), "{csv}");
        assert!(
            csv.contains("The service said: Insufficient privileges"),
            "{csv}"
        );
        assert!(
            !csv.contains("toevoegen") && !csv.contains("De service meldde"),
            "{csv}"
        );
        let json: serde_json::Value = serde_json::from_str(&stored.to_export_json()).unwrap();
        assert_eq!(json[1]["what"], "Add jan@partner.nl to Sales Team");
        assert_eq!(json[1]["detail"], failure.message);
        assert_eq!(json[1]["action"]["type"], "addMember");
        assert_eq!(json[1]["reason"]["kind"], "Forbidden");
    }

    #[test]
    fn iso_times() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_time(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(iso_time(1_795_717_205_000), "2026-11-26T18:20:05Z");
    }
}

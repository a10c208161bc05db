//! The activity log in this browser: the core's [`Log`] kept in localStorage across reloads,
//! one log per tenant (a partner's GDAP customers each have their own; the admin's own tenant
//! keeps the key single-tenant deployments have always used). The change engine records every
//! operation through [`LocalActivity`] (one write per run's batch of entries, not one per entry).

pub use guestlist_core::activity::*;
use guestlist_core::engine::record::ActivitySink;

/// localStorage key of the admin's own tenant's log.
pub const STORAGE_KEY: &str = "guestlist.activity";

/// The localStorage key of `tenant`'s log: a GDAP customer's id, `None` for the admin's own.
pub fn key(tenant: Option<&str>) -> String {
    match tenant {
        None => STORAGE_KEY.to_owned(),
        Some(id) => format!("{STORAGE_KEY}.{}", id.to_ascii_lowercase()),
    }
}

/// The stored log of `tenant` (empty where storage is unavailable).
pub fn load(tenant: Option<&str>) -> Log {
    #[cfg(target_arch = "wasm32")]
    {
        storage()
            .and_then(|s| s.get_item(&key(tenant)).ok().flatten())
            .map(|t| Log::from_json(&t))
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = tenant;
        Log::default()
    }
}

/// Appends entries (oldest first) to the stored log in one read and one write. Storage may be
/// full or disabled (private mode): the changes themselves have happened either way, so that is
/// reported, not fatal.
pub fn record(tenant: Option<&str>, entries: Vec<Entry>) -> Result<(), StorageError> {
    if entries.is_empty() {
        return Ok(());
    }
    #[cfg(target_arch = "wasm32")]
    {
        let s = storage().ok_or(StorageError::Unavailable)?;
        let mut log = load(tenant);
        log.extend(entries);
        s.set_item(&key(tenant), &log.to_json())
            .map_err(|e| StorageError::Write(format!("{e:?}")))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        drop((tenant, entries));
        Err(StorageError::Unavailable)
    }
}

/// The browser's [`ActivitySink`] for one tenant's log: the change engine records through it.
/// A log that can't be written doesn't undo the changes; it is reported on the console for
/// whoever investigates.
#[derive(Debug, Clone, Default)]
pub struct LocalActivity {
    /// A GDAP customer's id; `None`: the admin's own tenant.
    pub tenant: Option<String>,
}

impl ActivitySink for LocalActivity {
    fn record(&self, entries: Vec<Entry>) {
        if let Err(e) = record(self.tenant.as_deref(), entries) {
            leptos::logging::warn!("{e}");
        }
    }
}

/// Empties `tenant`'s stored log.
pub fn clear(tenant: Option<&str>) -> Result<(), StorageError> {
    #[cfg(target_arch = "wasm32")]
    {
        let s = storage().ok_or(StorageError::Unavailable)?;
        s.remove_item(&key(tenant))
            .map_err(|e| StorageError::Write(format!("{e:?}")))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = tenant;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, NL};
    use guestlist_core::domain::group::{ExternalSenders, GroupKind};
    use guestlist_core::domain::journal::{Failure, FailureKind, Service};
    use guestlist_core::domain::plan::{plan, PlanOptions, TargetGroup, TenantSnapshot};
    use guestlist_core::domain::report::describe;

    /// An entry as this module wrote it before actions and reasons were typed.
    const OLD_LOG: &str = r#"{"entries":[{"atMs":1795717205000,"what":"Add jan@partner.nl to Sales Team","group":"Sales Team","outcome":"failed","detail":"You aren't allowed to do this.","requestId":"rid-42"},{"atMs":1795717100000,"what":"Let Sales Team receive mail from outside the organisation","group":"Sales Team","outcome":"done","requestId":null}]}"#;

    #[test]
    fn each_customer_tenant_has_its_own_log_and_home_keeps_the_old_key() {
        assert_eq!(key(None), "guestlist.activity");
        assert_eq!(
            key(Some("8A1F3C55-2d4b-4f6e-9b7a-0c1d2e3f4a5b")),
            "guestlist.activity.8a1f3c55-2d4b-4f6e-9b7a-0c1d2e3f4a5b"
        );
    }

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
            &guestlist_core::domain::fixtures::addresses(&["jan@partner.nl"]),
            &TenantSnapshot::default(),
            &PlanOptions::default(),
        );
        let both = guestlist_core::domain::fixtures::two_group_plan();
        let mut seen = Vec::new();
        for op in dg.ops.iter().chain(&both.ops) {
            let action = Action::from(&op.op);
            let entry = Entry::new(action.clone(), "Sales Team".into(), Outcome::Done, 0);
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
            0,
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
            Entry::new(action.clone(), "Sales Team".into(), Outcome::Skipped, 1)
                .because(Reason::AlreadyDone),
        );
        log.push(
            Entry::new(action.clone(), "Sales Team".into(), Outcome::Script, 2)
                .because(Reason::InScript),
        );
        log.push(Entry::failed(
            action.clone(),
            "Sales Team".into(),
            &failure,
            3,
        ));
        // A failure worded by its screen, without a kind.
        log.push(Entry::failed(
            action,
            "Sales Team".into(),
            &Failure::new(Service::Exchange, "Something else went wrong."),
            4,
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
}

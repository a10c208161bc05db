//! The activity log: every change this browser made (what, when, result, the service's request
//! id), kept in localStorage across reloads, newest first, bounded so it can't fill the quota.
//!
//! The log itself is plain data with native tests; only [`load`] and [`record`] touch the
//! browser.

use crate::domain::csv_export::{to_csv, ExportOptions};
use serde::{Deserialize, Serialize};

/// localStorage key.
pub const STORAGE_KEY: &str = "guestlist.activity";
/// At most this many entries are kept; the oldest go first. (~300 bytes each: far below the
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

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// What was done, in words ("Add jan@partner.nl to Sales Team").
    pub what: String,
    /// The group concerned.
    pub group: String,
    pub outcome: Outcome,
    /// Why it failed or was skipped, when it did.
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub request_id: Option<String>,
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

    fn entry(n: u64, what: &str) -> Entry {
        Entry {
            at_ms: n,
            what: what.into(),
            group: "Sales Team".into(),
            outcome: Outcome::Done,
            detail: String::new(),
            request_id: Some(format!("rid-{n}")),
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

    #[test]
    fn iso_times() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_time(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(iso_time(1_795_717_205_000), "2026-11-26T18:20:05Z");
    }
}

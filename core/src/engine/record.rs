//! The engine's record of every change: one activity entry per operation of every run — done,
//! already so, failed (with the service's request id), handed over as a script, confirmed by
//! Verify — written to an [`ActivitySink`] in batches, so a run of thousands costs a handful of
//! writes rather than one per operation.

use std::cell::RefCell;

use crate::activity::{Action, Entry, Log, Outcome, Reason};
use crate::domain::journal::{Journal, JournalEntry, OpResult};
use crate::domain::plan::{OpId, Plan};
use crate::run::RunEvent;

/// Where the activity log is kept (localStorage in the browser; memory in tests).
pub trait ActivitySink {
    /// Adds `entries`, oldest first. A log that can't be written doesn't undo the changes: the
    /// sink reports that its own way.
    fn record(&self, entries: Vec<Entry>);
}

impl<A: ActivitySink + ?Sized> ActivitySink for &A {
    fn record(&self, entries: Vec<Entry>) {
        (**self).record(entries)
    }
}

/// A log in memory: for tests, and where the platform keeps none.
#[derive(Debug, Default)]
pub struct MemoryActivity {
    pub log: RefCell<Log>,
    /// How many times [`ActivitySink::record`] was called (writes, for a storage-backed sink).
    pub writes: std::cell::Cell<usize>,
}

impl ActivitySink for MemoryActivity {
    fn record(&self, entries: Vec<Entry>) {
        self.writes.set(self.writes.get() + 1);
        self.log.borrow_mut().extend(entries);
    }
}

/// The entry for an operation's result.
pub fn finished(plan: &Plan, op: OpId, result: &OpResult, at_ms: u64) -> Option<Entry> {
    let planned = plan.op(op)?;
    let action = Action::from(&planned.op);
    let group = plan.group_of(op).to_owned();
    Some(match result {
        OpResult::Done { .. } => Entry::new(action, group, Outcome::Done, at_ms),
        OpResult::AlreadyDone { .. } => {
            Entry::new(action, group, Outcome::Skipped, at_ms).because(Reason::AlreadyDone)
        }
        OpResult::Failed(f) => Entry::failed(action, group, f, at_ms),
    })
}

/// The entry for an operation handed to the admin as PowerShell, or confirmed by Verify.
pub fn scripted(plan: &Plan, op: OpId, reason: Reason, at_ms: u64) -> Option<Entry> {
    let planned = plan.op(op)?;
    let outcome = match reason {
        Reason::ConfirmedByVerify => Outcome::Done,
        _ => Outcome::Script,
    };
    Some(
        Entry::new(
            Action::from(&planned.op),
            plan.group_of(op).to_owned(),
            outcome,
            at_ms,
        )
        .because(reason),
    )
}

/// Entries are written when this many are waiting, when the oldest waiting one is
/// [`FLUSH_AFTER_MS`] old, when the run pauses, and at its end.
pub const FLUSH_AT: usize = 200;
pub const FLUSH_AFTER_MS: u64 = 1_000;

/// The entries a journal already holds outcomes for: what a resumed run records again, so that
/// whatever a reload kept from being written is not missing (the log drops the ones it has).
pub fn from_journal(plan: &Plan, journal: &Journal, run: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    for e in &journal.entries {
        let entry = match e {
            JournalEntry::Finished { op, at_ms, result } => finished(plan, *op, result, *at_ms),
            JournalEntry::HandedOver { op, at_ms } => scripted(plan, *op, Reason::InScript, *at_ms),
            JournalEntry::Started { .. } => None,
        };
        out.extend(entry.map(|en| en.of_run(run, e.op().0)));
    }
    out
}

/// Turns a run's events into activity entries.
pub(crate) struct Recorder<'a, A: ActivitySink> {
    plan: &'a Plan,
    sink: &'a A,
    /// The journalled run's id: its entries are marked with it (recorded once per operation).
    run: Option<&'a str>,
    waiting: RefCell<Vec<Entry>>,
}

impl<'a, A: ActivitySink> Recorder<'a, A> {
    pub(crate) fn new(plan: &'a Plan, sink: &'a A, run: Option<&'a str>) -> Self {
        Recorder {
            plan,
            sink,
            run,
            waiting: RefCell::new(Vec::new()),
        }
    }

    fn wait(&self, op: OpId, entry: Option<Entry>) {
        let entry = match (entry, self.run) {
            (Some(e), Some(run)) => Some(e.of_run(run, op.0)),
            (e, _) => e,
        };
        self.waiting.borrow_mut().extend(entry);
    }

    pub(crate) fn on_event(&self, event: &RunEvent, at_ms: u64) {
        let flush = match event {
            RunEvent::OpFinished { op, result } => {
                self.wait(*op, finished(self.plan, *op, result, at_ms));
                let waiting = self.waiting.borrow();
                waiting.len() >= FLUSH_AT
                    || waiting
                        .first()
                        .is_some_and(|e| at_ms.saturating_sub(e.at_ms) >= FLUSH_AFTER_MS)
            }
            RunEvent::HandedOver(ops) => {
                for op in ops {
                    self.wait(*op, scripted(self.plan, *op, Reason::InScript, at_ms));
                }
                true
            }
            RunEvent::NeedsSignIn { .. } => true,
            RunEvent::Progress(p) => p.state != crate::run::RunState::Running,
            RunEvent::OpStarted { .. } => false,
        };
        if flush {
            self.flush();
        }
    }

    pub(crate) fn flush(&self) {
        let entries = std::mem::take(&mut *self.waiting.borrow_mut());
        if !entries.is_empty() {
            self.sink.record(entries);
        }
    }
}

impl<A: ActivitySink> Drop for Recorder<'_, A> {
    /// A run dropped mid-way (its page closed) still records what it finished.
    fn drop(&mut self) {
        self.flush();
    }
}

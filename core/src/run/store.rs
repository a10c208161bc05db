//! Where a run's journal is kept between sessions. The browser backs it with IndexedDB (one
//! record per entry, appended); tests and the benchmark use [`MemoryJournalStore`].
//!
//! Append-only on purpose: each write is one entry, so a 10,000-operation run costs the same per
//! operation at the end as at the start, and a crash can lose at most the entry being written —
//! never one already written.
#![allow(async_fn_in_trait)]

use std::cell::{Cell, RefCell};

use crate::domain::journal::{Journal, JournalEntry};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The browser refused the write (quota, private mode) or the database is gone.
    #[error("the run's journal could not be saved: {0}")]
    Write(String),
    #[error("the run's journal could not be read: {0}")]
    Read(String),
}

/// A run's journal, persisted.
pub trait JournalStore {
    /// The journal so far (empty for a new run).
    async fn load(&self) -> Result<Journal, StoreError>;
    /// Appends one entry; when this returns `Ok`, the entry survives a reload.
    async fn append(&self, entry: &JournalEntry) -> Result<(), StoreError>;
}

impl<J: JournalStore + ?Sized> JournalStore for &J {
    async fn load(&self) -> Result<Journal, StoreError> {
        (**self).load().await
    }
    async fn append(&self, entry: &JournalEntry) -> Result<(), StoreError> {
        (**self).append(entry).await
    }
}

/// An in-memory store. Clones of the journal it returns are independent, like a reload's.
#[derive(Debug, Default)]
pub struct MemoryJournalStore {
    journal: RefCell<Journal>,
    /// Fail every append from this entry count on (tests of a full disk).
    fail_after: Cell<Option<usize>>,
}

impl MemoryJournalStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_journal(journal: Journal) -> Self {
        MemoryJournalStore {
            journal: RefCell::new(journal),
            fail_after: Cell::new(None),
        }
    }

    /// What has been saved so far.
    pub fn snapshot(&self) -> Journal {
        self.journal.borrow().clone()
    }

    /// Appends fail once the journal holds `entries` entries.
    pub fn fail_after(&self, entries: usize) {
        self.fail_after.set(Some(entries));
    }
}

impl JournalStore for MemoryJournalStore {
    async fn load(&self) -> Result<Journal, StoreError> {
        Ok(self.journal.borrow().clone())
    }

    async fn append(&self, entry: &JournalEntry) -> Result<(), StoreError> {
        let mut j = self.journal.borrow_mut();
        if self.fail_after.get().is_some_and(|n| j.entries.len() >= n) {
            return Err(StoreError::Write("quota exceeded".into()));
        }
        j.entries.push(entry.clone());
        Ok(())
    }
}

//! A run's journal in IndexedDB: one object store, `runs`, keyed by `[run id, sequence]`.
//! Sequence 0 holds the run itself (the job's own header: plan, mode, tenant, start time) as
//! JSON; 1, 2, … the journal entries in the order written. Appending is one small `put` whose transaction has completed
//! before [`JournalStore::append`] returns, so a reload loses nothing that was acknowledged.

use std::cell::Cell;

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbKeyRange, IdbObjectStore, IdbRequest, IdbTransactionMode};

use serde::de::DeserializeOwned;
use serde::Serialize;

use guestlist_core::domain::journal::{Journal, JournalEntry};
use guestlist_core::run::{JournalStore, StoreError};

const DB: &str = "guestlist";
const STORE: &str = "runs";

fn js_text(v: &JsValue) -> String {
    v.as_string()
        .or_else(|| {
            v.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .or_else(|| {
            v.dyn_ref::<web_sys::DomException>()
                .map(|e| format!("{}: {}", e.name(), e.message()))
        })
        .unwrap_or_else(|| format!("{v:?}"))
}

/// Resolves with the request's result once it succeeds.
async fn request(req: &IdbRequest) -> Result<JsValue, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok_req = req.clone();
        let on_ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &ok_req.result().unwrap_or(JsValue::NULL));
        });
        let err_req = req.clone();
        let on_err = Closure::once_into_js(move |_: web_sys::Event| {
            let e = err_req
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or(JsValue::NULL);
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        req.set_onsuccess(Some(on_ok.unchecked_ref()));
        req.set_onerror(Some(on_err.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(|e| js_text(&e))
}

async fn open() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .ok_or("no window")?
        .indexed_db()
        .map_err(|e| js_text(&e))?
        .ok_or("IndexedDB is not available in this browser (private mode?)")?;
    let open = factory.open_with_u32(DB, 1).map_err(|e| js_text(&e))?;
    let upgrade_req = open.clone();
    let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
        if let Ok(db) = upgrade_req.result() {
            let db: IdbDatabase = db.unchecked_into();
            if !db.object_store_names().contains(STORE) {
                let _ = db.create_object_store(STORE);
            }
        }
    });
    open.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    Ok(request(&open).await?.unchecked_into())
}

fn key(run: &str, seq: u32) -> JsValue {
    Array::of2(&JsValue::from_str(run), &JsValue::from_f64(f64::from(seq))).into()
}

/// Puts one record and waits until its transaction has committed.
async fn put(db: &IdbDatabase, k: JsValue, value: &str) -> Result<(), String> {
    let tx = db
        .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
        .map_err(|e| js_text(&e))?;
    let done = Promise::new(&mut |resolve, reject| {
        let on_done = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let reject2 = reject.clone();
        let on_err = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("transaction failed"));
        });
        let on_abort = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject2.call1(&JsValue::NULL, &JsValue::from_str("transaction aborted"));
        });
        tx.set_oncomplete(Some(on_done.unchecked_ref()));
        tx.set_onerror(Some(on_err.unchecked_ref()));
        tx.set_onabort(Some(on_abort.unchecked_ref()));
    });
    let store: IdbObjectStore = tx.object_store(STORE).map_err(|e| js_text(&e))?;
    store
        .put_with_key(&JsValue::from_str(value), &k)
        .map_err(|e| js_text(&e))?;
    JsFuture::from(done).await.map_err(|e| js_text(&e))?;
    Ok(())
}

/// All records of `run`, in key order.
async fn records(db: &IdbDatabase, run: &str) -> Result<Vec<String>, String> {
    let tx = db.transaction_with_str(STORE).map_err(|e| js_text(&e))?;
    let store = tx.object_store(STORE).map_err(|e| js_text(&e))?;
    let range = IdbKeyRange::bound(&key(run, 0), &key(run, u32::MAX)).map_err(|e| js_text(&e))?;
    let req = store.get_all_with_key(&range).map_err(|e| js_text(&e))?;
    let all: Array = request(&req).await?.unchecked_into();
    Ok(all.iter().filter_map(|v| v.as_string()).collect())
}

/// One run's journal in IndexedDB.
pub struct IdbJournalStore {
    db: IdbDatabase,
    run: String,
    next: Cell<u32>,
}

impl IdbJournalStore {
    /// Saves a new run `run`'s header; its journal starts empty.
    pub async fn create<H: Serialize>(run: &str, header: &H) -> Result<Self, StoreError> {
        let db = open().await.map_err(StoreError::Write)?;
        let json = serde_json::to_string(header).map_err(|e| StoreError::Write(e.to_string()))?;
        put(&db, key(run, 0), &json)
            .await
            .map_err(StoreError::Write)?;
        Ok(IdbJournalStore {
            db,
            run: run.to_owned(),
            next: Cell::new(1),
        })
    }

    /// Opens a saved run: its header and the journal written so far.
    pub async fn open<H: DeserializeOwned>(run: &str) -> Result<(Self, H, Journal), StoreError> {
        let db = open().await.map_err(StoreError::Read)?;
        let recs = records(&db, run).await.map_err(StoreError::Read)?;
        let mut it = recs.iter();
        let header = it
            .next()
            .ok_or_else(|| StoreError::Read(format!("run {run} is not saved in this browser")))?;
        let saved: H = serde_json::from_str(header).map_err(|e| StoreError::Read(e.to_string()))?;
        let mut journal = Journal::default();
        for r in it {
            let entry: JournalEntry =
                serde_json::from_str(r).map_err(|e| StoreError::Read(e.to_string()))?;
            journal.entries.push(entry);
        }
        let store = IdbJournalStore {
            db,
            run: run.to_owned(),
            next: Cell::new(recs.len() as u32),
        };
        Ok((store, saved, journal))
    }
}

impl JournalStore for IdbJournalStore {
    async fn load(&self) -> Result<Journal, StoreError> {
        let recs = records(&self.db, &self.run)
            .await
            .map_err(StoreError::Read)?;
        let mut journal = Journal::default();
        for r in recs.iter().skip(1) {
            journal
                .entries
                .push(serde_json::from_str(r).map_err(|e| StoreError::Read(e.to_string()))?);
        }
        self.next.set(recs.len().max(1) as u32);
        Ok(journal)
    }

    async fn append(&self, entry: &JournalEntry) -> Result<(), StoreError> {
        let json = serde_json::to_string(entry).map_err(|e| StoreError::Write(e.to_string()))?;
        // Reserved before the await: the executor appends from several operations at once.
        let seq = self.next.get();
        self.next.set(seq + 1);
        put(&self.db, key(&self.run, seq), &json)
            .await
            .map_err(StoreError::Write)
    }
}

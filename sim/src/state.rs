//! The state every handler is handed ([`AppState`]): the tenant, the knobs and the identity's keys
//! and grants.
//!
//! The shared types it is built from live in [`crate::contract`]; the ones callers have always
//! reached through `state` are re-exported here.

use std::sync::{Arc, Mutex, MutexGuard, RwLock};

pub use crate::contract::{
    Account, AuthFailure, Caller, Knobs, Role, EXCHANGE_AUDIENCE, GRAPH_AUDIENCE, TENANT_DOMAIN,
    TENANT_ID,
};
use crate::store::Tenant;
use crate::tenancy::Tenancy;
use crate::tokens::Identity;

/// Shared, cheaply clonable application state handed to every handler.
#[derive(Clone)]
pub struct AppState {
    /// The home tenant's directory and Exchange data.
    pub tenant: Arc<Mutex<Tenant>>,
    /// The partner's and customers' tenants, GDAP relationships and consents.
    pub tenancy: Arc<Tenancy>,
    /// Current knobs; the server updates them from `/_sim/config`.
    pub knobs: Arc<RwLock<Knobs>>,
    /// Signing keys and issued-code bookkeeping; only the token code looks inside.
    pub identity: Arc<Identity>,
    /// Graph writes counted against the write budget.
    pub graph_writes: Arc<crate::graph::WriteLedger>,
}

impl AppState {
    pub fn knobs(&self) -> Knobs {
        self.knobs.read().expect("knobs lock").clone()
    }

    /// Locks the store of tenant `tid` (a token's `tid`, which `auth::authenticate` admits only
    /// for tenants the sim holds; anything else is the home tenant).
    pub fn tenant_of(&self, tid: &str) -> MutexGuard<'_, Tenant> {
        // A panic while holding the lock would poison it; the data is still consistent for reads, so
        // recover the guard instead of failing every later request.
        self.tenancy
            .lock(tid)
            .unwrap_or_else(|| self.tenant.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

//! The in-memory tenant (placeholder until the tenant half lands).
use crate::state::Account;

#[derive(Default)]
pub struct Tenant {}

impl Tenant {
    /// The accounts that can sign in.
    pub fn accounts(&self) -> Vec<Account> {
        Vec::new()
    }
}

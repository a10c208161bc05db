//! The contract between the server half (identity, knobs, router) and the tenant half (store, Graph,
//! Exchange) of the sim.

use std::sync::{Arc, Mutex};

/// Seeded tenant id and primary domain.
pub const TENANT_ID: &str = "b6a2f1c4-3e5d-4f7a-9c8b-1d2e3f4a5b6c";
pub const TENANT_DOMAIN: &str = "contoso.onmicrosoft.com";

/// Audiences of the two resources, as Entra puts them in `aud`.
pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
pub const EXCHANGE_AUDIENCE: &str = "https://outlook.office365.com";

/// The verified identity behind a request: produced by `identity` from a bearer token, consumed by
/// `graph` and `exchange` for authorization decisions.
#[derive(Clone, Debug)]
pub struct Caller {
    /// `oid`: the signed-in user's object id.
    pub oid: String,
    /// `upn`.
    pub upn: String,
    pub tid: String,
    /// `scp`, split on spaces (e.g. `GroupMember.ReadWrite.All`, `Exchange.Manage`).
    pub scopes: Vec<String>,
    /// Directory / Exchange roles the user holds (sim-side facts, not token claims).
    pub roles: Vec<Role>,
}

impl Caller {
    pub fn has_scope(&self, s: &str) -> bool {
        self.scopes.iter().any(|x| x.eq_ignore_ascii_case(s))
    }
    pub fn has_role(&self, r: Role) -> bool {
        self.roles.contains(&r)
    }
}

/// Roles the sim models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Role {
    /// Exchange "Recipient Management" role group: may run the write cmdlets.
    ExchangeRecipientManagement,
    /// Entra "Groups Administrator": may change any group's membership/settings through Graph.
    GroupsAdministrator,
    /// Entra "Guest Inviter" (or any admin who may invite).
    GuestInviter,
}

/// A seeded account that can sign in (the store owns the list; identity reads it).
#[derive(Clone, Debug)]
pub struct Account {
    pub oid: String,
    pub upn: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<Role>,
}

/// Shared, cheaply clonable application state handed to every handler.
#[derive(Clone)]
pub struct AppState {
    pub tenant: Arc<Mutex<crate::store::Tenant>>,
}

//! The other tenants in the one sim: the partner's and its customers' ([`Tenancy`], held in
//! `AppState` beside the home tenant), who holds which GDAP roles where, and in which customer
//! the app has been consented.
//!
//! Granular delegated admin privileges (GDAP): a partner's admin acts in a customer tenant with
//! their own account, holding only the Entra roles the relationship grants there
//! (<https://learn.microsoft.com/partner-center/customers/gdap-introduction>). They get tokens
//! from the customer's authority (`{authority}/{customer tenant id}`), whose `tid` is the
//! customer's; every Graph and Exchange call then answers within that tenant and those roles
//! (`auth::authenticate`). An app is usable in a customer only once it has a service principal
//! there, that is once an admin consented
//! (<https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent>).

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use crate::contract::{Organization, Role, CUSTOMERS, HOME, PARTNER};
use crate::store::Tenant;

/// A GDAP relationship's role assignment: the partner account `upn` holds `roles` in `customer`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relationship {
    pub upn: String,
    pub customer: &'static str,
    pub roles: Vec<Role>,
}

/// The roles a partner gives its admins for Guestlist's work: Exchange Recipient Administrator
/// (contacts, distribution groups), Groups Administrator, Guest Inviter, User Administrator.
const ADMIN_ROLES: [Role; 4] = [
    Role::ExchangeRecipientManagement,
    Role::GroupsAdministrator,
    Role::GuestInviter,
    Role::UserAdministrator,
];

/// The partner's and the customers' tenants, the GDAP relationships and the consents.
pub struct Tenancy {
    tenants: Vec<(Organization, Mutex<Tenant>)>,
    relationships: Mutex<Vec<Relationship>>,
    /// Tenants (other than the home and partner tenants) where the app has been consented.
    consented: Mutex<HashSet<&'static str>>,
}

impl Tenancy {
    /// Seeded from `seed`: the partner (`admin@` holds [`ADMIN_ROLES`] in every customer,
    /// `helpdesk@` only Guest Inviter in the first), three customers, the app consented in the
    /// first two.
    pub fn seeded(seed: u64) -> Tenancy {
        let tenants = std::iter::once(PARTNER)
            .chain(CUSTOMERS)
            .enumerate()
            .map(|(i, org)| {
                let mut t = Tenant::empty_for(seed.wrapping_add(1 + i as u64), org);
                crate::seed::populate_organization(&mut t);
                (org, Mutex::new(t))
            })
            .collect();
        let admin = format!("admin@{}", PARTNER.domain);
        let mut relationships: Vec<Relationship> = CUSTOMERS
            .iter()
            .map(|c| Relationship {
                upn: admin.clone(),
                customer: c.id,
                roles: ADMIN_ROLES.to_vec(),
            })
            .collect();
        relationships.push(Relationship {
            upn: format!("helpdesk@{}", PARTNER.domain),
            customer: CUSTOMERS[0].id,
            roles: vec![Role::GuestInviter],
        });
        Tenancy {
            tenants,
            relationships: Mutex::new(relationships),
            consented: Mutex::new([CUSTOMERS[0].id, CUSTOMERS[1].id].into_iter().collect()),
        }
    }

    /// The store of tenant `id` (not the home tenant's, which `AppState::tenant` holds).
    pub fn store(&self, id: &str) -> Option<&Mutex<Tenant>> {
        self.tenants
            .iter()
            .find(|(org, _)| org.id.eq_ignore_ascii_case(id))
            .map(|(_, t)| t)
    }

    /// Locks tenant `id`'s store.
    pub fn lock(&self, id: &str) -> Option<MutexGuard<'_, Tenant>> {
        self.store(id).map(lock)
    }

    /// Every account that signs in at a tenant of this tenancy.
    pub fn accounts(&self) -> Vec<crate::contract::Account> {
        self.tenants
            .iter()
            .flat_map(|(_, t)| lock(t).accounts())
            .collect()
    }

    /// The roles account `upn` holds in `customer` through GDAP; `None` without a relationship.
    pub fn gdap_roles(&self, upn: &str, customer: &str) -> Option<Vec<Role>> {
        lock(&self.relationships)
            .iter()
            .find(|r| r.upn.eq_ignore_ascii_case(upn) && r.customer.eq_ignore_ascii_case(customer))
            .map(|r| r.roles.clone())
    }

    /// The customers of `partner` with an active relationship (`delegatedAdminCustomers`): one
    /// entry per customer, whoever in the partner holds the roles.
    pub fn customers_of(&self, partner: &str) -> Vec<Organization> {
        if !partner.eq_ignore_ascii_case(PARTNER.id) {
            return Vec::new();
        }
        let relationships = lock(&self.relationships);
        CUSTOMERS
            .into_iter()
            .filter(|c| relationships.iter().any(|r| r.customer == c.id))
            .collect()
    }

    /// The partner changes the roles account `upn` holds in `customer` (a relationship's
    /// security groups and roles are the partner's to change in Partner Center:
    /// <https://learn.microsoft.com/partner-center/customers/gdap-assign-microsoft-entra-roles>).
    /// E.g. without Exchange Recipient Administrator the admin works there in script mode.
    pub fn set_gdap_roles(&self, upn: &str, customer: &str, roles: Vec<Role>) {
        let mut relationships = lock(&self.relationships);
        match relationships
            .iter_mut()
            .find(|r| r.upn.eq_ignore_ascii_case(upn) && r.customer.eq_ignore_ascii_case(customer))
        {
            Some(r) => r.roles = roles,
            None => {
                if let Some(org) = organization(customer) {
                    relationships.push(Relationship {
                        upn: upn.to_owned(),
                        customer: org.id,
                        roles,
                    });
                }
            }
        }
    }

    /// Whether the app may be used in tenant `id`: always in the home and partner tenants (they
    /// registered it), in a customer once an admin consented.
    pub fn consented(&self, id: &str) -> bool {
        id.eq_ignore_ascii_case(HOME.id)
            || id.eq_ignore_ascii_case(PARTNER.id)
            || self
                .consented
                .lock()
                .expect("consent lock")
                .iter()
                .any(|c| c.eq_ignore_ascii_case(id))
    }

    /// An admin of tenant `id` consented to the app for the whole organisation.
    pub fn consent(&self, id: &str) {
        if let Some(org) = organization(id) {
            self.consented.lock().expect("consent lock").insert(org.id);
        }
    }

    /// Back to the seeded state (`/_sim/reset`).
    pub fn reset(&self, seed: u64) {
        let fresh = Tenancy::seeded(seed);
        for ((_, mine), (_, theirs)) in self.tenants.iter().zip(fresh.tenants) {
            *lock(mine) = theirs.into_inner().unwrap_or_else(|p| p.into_inner());
        }
        *self.consented.lock().expect("consent lock") =
            fresh.consented.into_inner().unwrap_or_default();
        *lock(&self.relationships) = fresh.relationships.into_inner().unwrap_or_default();
    }
}

/// The organisation a tenant id or initial domain names, among every tenant of the sim.
pub fn organization(id_or_domain: &str) -> Option<Organization> {
    std::iter::once(HOME)
        .chain(std::iter::once(PARTNER))
        .chain(CUSTOMERS)
        .find(|o| {
            o.id.eq_ignore_ascii_case(id_or_domain) || o.domain.eq_ignore_ascii_case(id_or_domain)
        })
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock poisons it; the data is still consistent for reads.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

//! The in-memory tenant: one directory that Graph and Exchange both read and write ("one tenant, two
//! views"), seeded deterministically from a number.
//!
//! Every object carries its [`Provenance`]: which side created it and when. An object made on one side
//! becomes visible on the other side only after `Knobs::replication_delay_ms`, as Entra ID and Exchange
//! Online replicate to each other (a contact made with New-MailContact is not yet in Graph's `/contacts`,
//! and Add-DistributionGroupMember may not find it for a few seconds).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use crate::state::{Account, Role, TENANT_DOMAIN};

/// Which service created an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Graph,
    Exchange,
}

/// Where and when an object was created; seeded objects have `at == None` and are visible everywhere.
#[derive(Clone, Copy, Debug)]
pub struct Provenance {
    pub origin: Side,
    pub at: Option<Instant>,
}

impl Provenance {
    pub const SEEDED: Provenance = Provenance {
        origin: Side::Graph,
        at: None,
    };

    pub fn now(origin: Side) -> Self {
        Provenance {
            origin,
            at: Some(Instant::now()),
        }
    }

    /// True once the object has replicated (or was seeded).
    pub fn replicated(&self, delay: Duration) -> bool {
        match self.at {
            None => true,
            Some(t) => t.elapsed() >= delay,
        }
    }

    /// Whether `side` sees the object: its own side at once, the other after the delay.
    pub fn visible_to(&self, side: Side, delay: Duration) -> bool {
        self.origin == side || self.replicated(delay)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserType {
    Member,
    Guest,
}

impl UserType {
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Member => "Member",
            UserType::Guest => "Guest",
        }
    }
}

#[derive(Clone, Debug)]
pub struct User {
    /// Entra object id (Graph `id`, Exchange `ExternalDirectoryObjectId`).
    pub id: String,
    /// Exchange's own object `Guid`.
    pub exchange_guid: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub mail: Option<String>,
    pub user_principal_name: String,
    pub mail_nickname: String,
    pub user_type: UserType,
    pub other_mails: Vec<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    pub mobile_phone: Option<String>,
    pub business_phones: Vec<String>,
    pub preferred_language: Option<String>,
    /// `PendingAcceptance` / `Accepted` for guests, `None` for members.
    pub external_user_state: Option<String>,
    pub external_user_state_change: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
    pub account_enabled: bool,
    pub proxy_addresses: Vec<String>,
    /// Generated filler (members of the 50,000-member group); left out of snapshots.
    pub bulk: bool,
    pub provenance: Provenance,
}

#[derive(Clone, Debug)]
pub struct Contact {
    /// Entra object id (Graph orgContact `id`, Exchange `ExternalDirectoryObjectId`).
    pub id: String,
    pub exchange_guid: String,
    /// Exchange `Name` (unique among recipients).
    pub name: String,
    /// Exchange `Alias`, Graph `mailNickname`.
    pub alias: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    /// The external address, without the `SMTP:` prefix.
    pub external_email: String,
    pub company_name: Option<String>,
    pub department: Option<String>,
    pub job_title: Option<String>,
    pub hidden_from_address_lists: bool,
    pub created: DateTime<Utc>,
    pub provenance: Provenance,
}

impl Contact {
    pub fn proxy_addresses(&self) -> Vec<String> {
        vec![format!("SMTP:{}", self.external_email)]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// Distribution list: mailEnabled, not securityEnabled, no groupTypes.
    Distribution,
    /// Mail-enabled security group.
    MailSecurity,
    /// Microsoft 365 group (`groupTypes` contains `Unified`).
    Unified,
    /// Security group, not mail-enabled.
    Security,
    /// Dynamic distribution group: exists in Exchange only, never in Graph.
    DynamicDistribution,
}

impl GroupKind {
    pub fn in_graph(self) -> bool {
        self != GroupKind::DynamicDistribution
    }
    pub fn mail_enabled(self) -> bool {
        !matches!(self, GroupKind::Security)
    }
    /// Groups Exchange manages as distribution groups (Get-DistributionGroup, *-DistributionGroupMember).
    pub fn is_exchange_distribution(self) -> bool {
        matches!(self, GroupKind::Distribution | GroupKind::MailSecurity)
    }
}

#[derive(Clone, Debug)]
pub struct Group {
    pub id: String,
    pub exchange_guid: String,
    pub kind: GroupKind,
    /// Exchange `Name`.
    pub name: String,
    pub display_name: String,
    /// Exchange `Alias`, Graph `mailNickname`.
    pub alias: String,
    pub mail: Option<String>,
    pub description: Option<String>,
    /// Microsoft 365 groups may also be security-enabled.
    pub security_enabled: bool,
    /// Exchange `RequireSenderAuthenticationEnabled` (distribution and mail-enabled security groups).
    pub require_sender_auth: bool,
    /// Graph `allowExternalSenders` (Microsoft 365 groups).
    pub allow_external_senders: bool,
    pub hidden_from_address_lists: bool,
    pub visibility: Option<String>,
    /// Exchange `ManagedBy`: object ids of users.
    pub managed_by: Vec<String>,
    /// Member object ids in insertion order (paging walks this), mirrored by `member_set` for O(1) checks.
    members: Vec<String>,
    member_set: HashSet<String>,
    /// Dynamic distribution groups: Exchange's `RecipientFilter`.
    pub recipient_filter: Option<String>,
    pub created: DateTime<Utc>,
    pub provenance: Provenance,
}

impl Group {
    pub fn members(&self) -> &[String] {
        &self.members
    }
    pub fn has_member(&self, id: &str) -> bool {
        self.member_set.contains(id)
    }
    /// Adds `id`; false when it was already a member.
    pub fn add_member(&mut self, id: &str) -> bool {
        if self.member_set.insert(id.to_string()) {
            self.members.push(id.to_string());
            true
        } else {
            false
        }
    }
    /// Removes `id`; false when it was not a member.
    pub fn remove_member(&mut self, id: &str) -> bool {
        if self.member_set.remove(id) {
            self.members.retain(|m| m != id);
            true
        } else {
            false
        }
    }
    pub fn proxy_addresses(&self) -> Vec<String> {
        self.mail.iter().map(|m| format!("SMTP:{m}")).collect()
    }
}

/// Kind of a directory object, for id lookups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjKind {
    User,
    Contact,
    Group,
}

/// A resolved directory object.
#[derive(Clone, Copy, Debug)]
pub enum Obj<'a> {
    User(&'a User),
    Contact(&'a Contact),
    Group(&'a Group),
}

impl Obj<'_> {
    pub fn provenance(&self) -> Provenance {
        match self {
            Obj::User(u) => u.provenance,
            Obj::Contact(c) => c.provenance,
            Obj::Group(g) => g.provenance,
        }
    }
    pub fn id(&self) -> &str {
        match self {
            Obj::User(u) => &u.id,
            Obj::Contact(c) => &c.id,
            Obj::Group(g) => &g.id,
        }
    }
}

/// The accepted domains of the seeded organisation (Get-AcceptedDomain).
pub const ACCEPTED_DOMAINS: [&str; 2] = [TENANT_DOMAIN, "contoso.com"];

pub const ADMIN_UPN: &str = "admin@contoso.onmicrosoft.com";
pub const HELPDESK_UPN: &str = "helpdesk@contoso.onmicrosoft.com";
/// Password of both seeded accounts.
pub const DEMO_PASSWORD: &str = "demo";
/// Display name of the seeded group with 50,000 members.
pub const BULK_GROUP_NAME: &str = "All Company Broadcast";
pub const BULK_GROUP_MEMBERS: usize = 50_000;

/// The tenant: users, contacts and groups, with an id index over all three.
pub struct Tenant {
    pub seed: u64,
    users: Vec<User>,
    contacts: Vec<Contact>,
    groups: Vec<Group>,
    index: HashMap<String, (ObjKind, usize)>,
    rng: ChaCha8Rng,
    /// Counter for generated names (bulk groups), so they never collide.
    bulk_groups: usize,
}

impl Tenant {
    /// The seeded tenant: the same seed gives the same objects and ids.
    pub fn seeded(seed: u64) -> Tenant {
        let mut t = Tenant {
            seed,
            users: Vec::new(),
            contacts: Vec::new(),
            groups: Vec::new(),
            index: HashMap::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            bulk_groups: 0,
        };
        crate::seed::populate(&mut t);
        t
    }

    /// A new GUID from the tenant's RNG (deterministic for a given seed and history).
    pub fn new_guid(&mut self) -> String {
        let bytes: [u8; 16] = self.rng.random();
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    /// A deterministic timestamp in 2023–2024, for seeded `createdDateTime`s.
    pub fn seed_date(&mut self) -> DateTime<Utc> {
        let base = Utc
            .with_ymd_and_hms(2023, 1, 9, 8, 0, 0)
            .single()
            .expect("valid date");
        base + chrono::Duration::seconds(self.rng.random_range(0..(600 * 86_400)))
    }

    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    /// The accounts that can sign in.
    pub fn accounts(&self) -> Vec<Account> {
        let roles_of = |upn: &str| -> Vec<Role> {
            if upn == ADMIN_UPN {
                vec![
                    Role::ExchangeRecipientManagement,
                    Role::GroupsAdministrator,
                    Role::GuestInviter,
                ]
            } else {
                Vec::new()
            }
        };
        [ADMIN_UPN, HELPDESK_UPN]
            .iter()
            .filter_map(|upn| self.user_by_upn(upn))
            .map(|u| Account {
                oid: u.id.clone(),
                upn: u.user_principal_name.clone(),
                display_name: u.display_name.clone(),
                password: DEMO_PASSWORD.to_string(),
                roles: roles_of(&u.user_principal_name),
            })
            .collect()
    }

    // ----- reads -----

    pub fn users(&self) -> &[User] {
        &self.users
    }
    pub fn contacts(&self) -> &[Contact] {
        &self.contacts
    }
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    pub fn kind_of(&self, id: &str) -> Option<ObjKind> {
        self.index.get(&id.to_ascii_lowercase()).map(|(k, _)| *k)
    }

    pub fn get(&self, id: &str) -> Option<Obj<'_>> {
        let (k, i) = *self.index.get(&id.to_ascii_lowercase())?;
        Some(match k {
            ObjKind::User => Obj::User(&self.users[i]),
            ObjKind::Contact => Obj::Contact(&self.contacts[i]),
            ObjKind::Group => Obj::Group(&self.groups[i]),
        })
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        match self.get(id)? {
            Obj::User(u) => Some(u),
            _ => None,
        }
    }
    pub fn contact(&self, id: &str) -> Option<&Contact> {
        match self.get(id)? {
            Obj::Contact(c) => Some(c),
            _ => None,
        }
    }
    pub fn group(&self, id: &str) -> Option<&Group> {
        match self.get(id)? {
            Obj::Group(g) => Some(g),
            _ => None,
        }
    }

    pub fn user_mut(&mut self, id: &str) -> Option<&mut User> {
        match self.index.get(&id.to_ascii_lowercase()) {
            Some((ObjKind::User, i)) => Some(&mut self.users[*i]),
            _ => None,
        }
    }
    pub fn contact_mut(&mut self, id: &str) -> Option<&mut Contact> {
        match self.index.get(&id.to_ascii_lowercase()) {
            Some((ObjKind::Contact, i)) => Some(&mut self.contacts[*i]),
            _ => None,
        }
    }
    pub fn group_mut(&mut self, id: &str) -> Option<&mut Group> {
        match self.index.get(&id.to_ascii_lowercase()) {
            Some((ObjKind::Group, i)) => Some(&mut self.groups[*i]),
            _ => None,
        }
    }

    pub fn user_by_upn(&self, upn: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.user_principal_name.eq_ignore_ascii_case(upn))
    }

    // ----- writes -----

    pub fn insert_user(&mut self, u: User) -> String {
        let id = u.id.clone();
        self.index
            .insert(id.to_ascii_lowercase(), (ObjKind::User, self.users.len()));
        self.users.push(u);
        id
    }

    pub fn insert_contact(&mut self, c: Contact) -> String {
        let id = c.id.clone();
        self.index.insert(
            id.to_ascii_lowercase(),
            (ObjKind::Contact, self.contacts.len()),
        );
        self.contacts.push(c);
        id
    }

    pub fn insert_group(&mut self, g: Group) -> String {
        let id = g.id.clone();
        self.index
            .insert(id.to_ascii_lowercase(), (ObjKind::Group, self.groups.len()));
        self.groups.push(g);
        id
    }

    /// Deletes a contact and its memberships.
    pub fn remove_contact(&mut self, id: &str) -> bool {
        let Some((ObjKind::Contact, i)) = self.index.get(&id.to_ascii_lowercase()).copied() else {
            return false;
        };
        self.contacts.remove(i);
        for g in &mut self.groups {
            g.remove_member(id);
        }
        self.reindex();
        true
    }

    fn reindex(&mut self) {
        self.index.clear();
        for (i, u) in self.users.iter().enumerate() {
            self.index
                .insert(u.id.to_ascii_lowercase(), (ObjKind::User, i));
        }
        for (i, c) in self.contacts.iter().enumerate() {
            self.index
                .insert(c.id.to_ascii_lowercase(), (ObjKind::Contact, i));
        }
        for (i, g) in self.groups.iter().enumerate() {
            self.index
                .insert(g.id.to_ascii_lowercase(), (ObjKind::Group, i));
        }
    }

    /// Adds `n` generated Microsoft 365 and distribution groups (named `Bulk Group 00001` …), for
    /// paging tests that need thousands of groups. Returns their ids.
    pub fn add_bulk_groups(&mut self, n: usize) -> Vec<String> {
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            self.bulk_groups += 1;
            let k = self.bulk_groups;
            let kind = if k.is_multiple_of(2) {
                GroupKind::Unified
            } else {
                GroupKind::Distribution
            };
            let alias = format!("bulkgroup{k:05}");
            let g = Group {
                id: self.new_guid(),
                exchange_guid: self.new_guid(),
                kind,
                name: format!("Bulk Group {k:05}"),
                display_name: format!("Bulk Group {k:05}"),
                mail: Some(format!("{alias}@{TENANT_DOMAIN}")),
                alias,
                description: None,
                security_enabled: false,
                require_sender_auth: true,
                allow_external_senders: false,
                hidden_from_address_lists: false,
                visibility: (kind == GroupKind::Unified).then(|| "Private".to_string()),
                managed_by: Vec::new(),
                members: Vec::new(),
                member_set: HashSet::new(),
                recipient_filter: None,
                created: Utc
                    .with_ymd_and_hms(2024, 6, 1, 0, 0, 0)
                    .single()
                    .expect("valid date"),
                provenance: Provenance::SEEDED,
            };
            ids.push(self.insert_group(g));
        }
        ids
    }

    /// A JSON summary of the tenant for `GET /_sim/state` (bulk users are counted, not listed; group
    /// members are listed for groups of at most 200 members).
    pub fn snapshot(&self) -> Value {
        let users: Vec<Value> = self
            .users
            .iter()
            .filter(|u| !u.bulk)
            .map(|u| {
                json!({
                    "id": u.id,
                    "displayName": u.display_name,
                    "userPrincipalName": u.user_principal_name,
                    "mail": u.mail,
                    "userType": u.user_type.as_str(),
                    "externalUserState": u.external_user_state,
                    "seeded": u.provenance.at.is_none(),
                })
            })
            .collect();
        let contacts: Vec<Value> = self
            .contacts
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "name": c.name,
                    "displayName": c.display_name,
                    "externalEmailAddress": c.external_email,
                    "hiddenFromAddressListsEnabled": c.hidden_from_address_lists,
                })
            })
            .collect();
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|g| {
                json!({
                    "id": g.id,
                    "kind": format!("{:?}", g.kind),
                    "displayName": g.display_name,
                    "mail": g.mail,
                    "requireSenderAuthenticationEnabled": g.require_sender_auth,
                    "allowExternalSenders": g.allow_external_senders,
                    "memberCount": g.members.len(),
                    "members": if g.members.len() <= 200 { json!(g.members) } else { Value::Null },
                })
            })
            .collect();
        json!({
            "seed": self.seed,
            "tenantId": crate::state::TENANT_ID,
            "domain": TENANT_DOMAIN,
            "counts": {
                "users": self.users.len(),
                "bulkUsers": self.users.iter().filter(|u| u.bulk).count(),
                "contacts": self.contacts.len(),
                "groups": self.groups.len(),
            },
            "users": users,
            "contacts": contacts,
            "groups": groups,
        })
    }
}

/// Builder helpers used by the seed and by the services when creating objects.
impl Group {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: String,
        exchange_guid: String,
        kind: GroupKind,
        display_name: &str,
        alias: &str,
        created: DateTime<Utc>,
        provenance: Provenance,
    ) -> Group {
        Group {
            id,
            exchange_guid,
            kind,
            name: display_name.to_string(),
            display_name: display_name.to_string(),
            alias: alias.to_string(),
            mail: kind
                .mail_enabled()
                .then(|| format!("{alias}@{TENANT_DOMAIN}")),
            description: None,
            security_enabled: matches!(kind, GroupKind::MailSecurity | GroupKind::Security),
            require_sender_auth: true,
            allow_external_senders: false,
            hidden_from_address_lists: false,
            visibility: (kind == GroupKind::Unified).then(|| "Public".to_string()),
            managed_by: Vec::new(),
            members: Vec::new(),
            member_set: HashSet::new(),
            recipient_filter: None,
            created,
            provenance,
        }
    }

    /// Bulk member load (seed only): skips the duplicate check, the ids are fresh.
    pub(crate) fn extend_members_unchecked(&mut self, ids: Vec<String>) {
        self.member_set.extend(ids.iter().cloned());
        self.members.extend(ids);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_tenant_other_seed_other_ids() {
        let (a, b, c) = (Tenant::seeded(7), Tenant::seeded(7), Tenant::seeded(8));
        assert_eq!(a.snapshot(), b.snapshot());
        assert_ne!(a.users()[0].id, c.users()[0].id);
        assert_eq!(a.users()[0].display_name, c.users()[0].display_name);
    }

    #[test]
    fn accounts_are_admin_with_roles_and_helpdesk_without() {
        let t = Tenant::seeded(1);
        let acc = t.accounts();
        assert_eq!(acc.len(), 2);
        let admin = acc.iter().find(|a| a.upn == ADMIN_UPN).expect("admin");
        assert!(admin.roles.contains(&Role::ExchangeRecipientManagement));
        assert!(admin.roles.contains(&Role::GroupsAdministrator));
        assert!(admin.roles.contains(&Role::GuestInviter));
        let helpdesk = acc
            .iter()
            .find(|a| a.upn == HELPDESK_UPN)
            .expect("helpdesk");
        assert!(helpdesk.roles.is_empty());
        assert!(acc.iter().all(|a| a.password == DEMO_PASSWORD));
        assert_eq!(
            t.user(&admin.oid).map(|u| u.user_principal_name.as_str()),
            Some(ADMIN_UPN)
        );
    }

    #[test]
    fn seed_has_every_group_kind_and_the_bulk_group() {
        let t = Tenant::seeded(1);
        for k in [
            GroupKind::Distribution,
            GroupKind::MailSecurity,
            GroupKind::Unified,
            GroupKind::Security,
            GroupKind::DynamicDistribution,
        ] {
            assert!(t.groups().iter().any(|g| g.kind == k), "{k:?}");
        }
        let bulk = t
            .groups()
            .iter()
            .find(|g| g.display_name == BULK_GROUP_NAME)
            .expect("bulk group");
        assert_eq!(bulk.members().len(), BULK_GROUP_MEMBERS);
        assert!(t.contacts().len() >= 20);
        assert!(t.users().iter().filter(|u| !u.bulk).count() >= 40);
        assert!(t
            .users()
            .iter()
            .any(|u| u.display_name.contains("<script>")));
        // A distribution group nested in another.
        assert!(t
            .groups()
            .iter()
            .any(|g| g.members().iter().any(|m| t.group(m).is_some())));
    }

    #[test]
    fn removing_a_contact_drops_its_memberships() {
        let mut t = Tenant::seeded(1);
        let id = t.contacts()[0].id.clone();
        assert!(t.groups().iter().any(|g| g.has_member(&id)));
        assert!(t.remove_contact(&id));
        assert!(t.contact(&id).is_none());
        assert!(!t.groups().iter().any(|g| g.has_member(&id)));
        // The index still resolves the others after the shift.
        let next = t.contacts()[0].id.clone();
        assert_eq!(t.contact(&next).map(|c| c.id.as_str()), Some(next.as_str()));
    }
}

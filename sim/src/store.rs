//! The in-memory tenant: one directory that Graph and Exchange both read and write ("one tenant, two
//! views"), seeded deterministically from a number.
//!
//! Every object carries its [`Provenance`]: which side created it and when. An object made on one side
//! becomes visible on the other side only after `Knobs::replication_delay_ms`, as Entra ID and Exchange
//! Online replicate to each other (a contact made with New-MailContact is not yet in Graph's `/contacts`,
//! and Add-DistributionGroupMember may not find it for a few seconds).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::Hasher;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use crate::contract::{Account, Organization, Role, HOME, TENANT_DOMAIN};

/// Which service created an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Graph,
    Exchange,
}

/// Where and when an object was created; seeded objects have `at == None` and are visible everywhere.
/// A removed object keeps its place in the store as a tombstone (`removed`): the side that removed it
/// stops seeing it at once, the other side after the replication delay, like a creation in reverse.
#[derive(Clone, Copy, Debug)]
pub struct Provenance {
    pub origin: Side,
    pub at: Option<Instant>,
    /// Which side removed the object, and when.
    pub removed: Option<(Side, Instant)>,
}

impl Provenance {
    pub const SEEDED: Provenance = Provenance {
        origin: Side::Graph,
        at: None,
        removed: None,
    };

    pub fn now(origin: Side) -> Self {
        Provenance {
            origin,
            at: Some(Instant::now()),
            removed: None,
        }
    }

    /// Whether the object has been removed (deleted on either side), whoever still sees it.
    pub fn is_removed(&self) -> bool {
        self.removed.is_some()
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
        if let Some((by, at)) = self.removed {
            if by == side || at.elapsed() >= delay {
                return false;
            }
        }
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
    /// Graph `companyName`.
    pub company_name: Option<String>,
    /// Graph `onPremisesSyncEnabled`: true for users synced from on-premises Active Directory,
    /// whose `onPremisesExtensionAttributes` Graph refuses to write.
    pub on_premises_sync_enabled: bool,
    /// Graph `onPremisesExtensionAttributes` (`extensionAttribute1..15`), Exchange's custom
    /// attributes 1–15 of the same user.
    pub extension_attributes: [Option<String>; 15],
    /// When Graph's `DELETE /users/{id}` put the user in deleted items (its `provenance.removed`
    /// says who sees it), and the groups it was in, which a restore gives back.
    pub deleted: Option<(DateTime<Utc>, Vec<String>)>,
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
    /// Exchange `CustomAttribute1..15` (Set-MailContact).
    pub custom_attributes: [Option<String>; 15],
    pub created: DateTime<Utc>,
    pub provenance: Provenance,
}

impl Contact {
    pub fn proxy_addresses(&self) -> Vec<String> {
        vec![format!("SMTP:{}", self.external_email)]
    }
}

/// An address without its `SMTP:` / `smtp:` prefix.
pub fn strip_smtp(s: &str) -> &str {
    s.strip_prefix("SMTP:")
        .or_else(|| s.strip_prefix("smtp:"))
        .unwrap_or(s)
}

impl User {
    /// Every string Exchange resolves this user from (compared ASCII case-insensitively): alias,
    /// display name, UPN, object id, Exchange GUID, primary and proxy addresses.
    pub fn identity_keys(&self) -> Vec<&str> {
        let mut v = vec![
            self.mail_nickname.as_str(),
            self.display_name.as_str(),
            self.user_principal_name.as_str(),
            self.id.as_str(),
            self.exchange_guid.as_str(),
        ];
        v.extend(self.mail.as_deref());
        v.extend(self.proxy_addresses.iter().map(|p| strip_smtp(p)));
        v
    }
}

impl Contact {
    /// Every string Exchange resolves this contact from: name, alias, external address, ids.
    pub fn identity_keys(&self) -> Vec<&str> {
        vec![
            self.name.as_str(),
            self.alias.as_str(),
            self.external_email.as_str(),
            self.id.as_str(),
            self.exchange_guid.as_str(),
        ]
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
    /// Delivery restrictions (Set-DistributionGroup / Set-UnifiedGroup), as object ids:
    /// `AcceptMessagesOnlyFrom` (users and contacts) and `AcceptMessagesOnlyFromDLMembers`
    /// (groups); `AcceptMessagesOnlyFromSendersOrMembers` is their union.
    pub accept_from: Vec<String>,
    pub accept_from_dl: Vec<String>,
    /// `RejectMessagesFrom` / `RejectMessagesFromDLMembers` (`…SendersOrMembers`: the union).
    pub reject_from: Vec<String>,
    pub reject_from_dl: Vec<String>,
    pub moderation_enabled: bool,
    /// `ModeratedBy`: object ids of users (or contacts).
    pub moderated_by: Vec<String>,
    /// `BypassModerationFromSendersOrMembers`: senders and groups.
    pub bypass_moderation: Vec<String>,
    pub report_to_originator: bool,
    pub report_to_manager: bool,
    /// `IsDirSynced`: mastered in on-premises Active Directory.
    pub dir_synced: bool,
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
    /// Every string Exchange resolves this group from: name, alias, ids, primary address.
    pub fn identity_keys(&self) -> Vec<&str> {
        let mut v = vec![
            self.name.as_str(),
            self.alias.as_str(),
            self.id.as_str(),
            self.exchange_guid.as_str(),
        ];
        v.extend(self.mail.as_deref());
        v
    }
}

/// Kind of a directory object, for id lookups. The order (users, contacts, groups) is the order
/// in which the store lists recipients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

impl<'a> Obj<'a> {
    pub fn provenance(&self) -> Provenance {
        match self {
            Obj::User(u) => u.provenance,
            Obj::Contact(c) => c.provenance,
            Obj::Group(g) => g.provenance,
        }
    }
    pub fn id(&self) -> &'a str {
        match *self {
            Obj::User(u) => &u.id,
            Obj::Contact(c) => &c.id,
            Obj::Group(g) => &g.id,
        }
    }
    pub fn identity_keys(&self) -> Vec<&'a str> {
        match *self {
            Obj::User(u) => u.identity_keys(),
            Obj::Contact(c) => c.identity_keys(),
            Obj::Group(g) => g.identity_keys(),
        }
    }
    fn has_identity(&self, identity: &str) -> bool {
        self.identity_keys()
            .iter()
            .any(|k| k.eq_ignore_ascii_case(identity))
    }
}

/// Where an object sits in the store: its kind and its position in that kind's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Slot {
    kind: ObjKind,
    pos: u32,
}

/// The bucket of an identity: a hash of its ASCII-lower-cased text. Buckets only narrow the search;
/// every candidate is checked against the object's current identities, so a collision costs a
/// comparison, never a wrong answer.
fn identity_hash(identity: &str) -> u64 {
    // FNV-1a over the lower-cased bytes: stable across runs, no allocation, and cheap even in
    // debug builds (seeding hashes ~260,000 identities).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in identity.bytes() {
        h ^= u64::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The buckets' keys are hashes already: use them as they are instead of hashing them again.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed with this; fold anything else in all the same.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The objects in one bucket: nearly always one, so that case needs no allocation of its own.
enum Bucket {
    One(Slot),
    Many(Vec<Slot>),
}

impl Bucket {
    fn slots(&self) -> &[Slot] {
        match self {
            Bucket::One(s) => std::slice::from_ref(s),
            Bucket::Many(v) => v,
        }
    }
}

/// Identity index: bucket -> the objects with an identity in that bucket (each slot once per
/// bucket). Resolving a name, alias or address costs one bucket instead of a scan over the
/// ~52,500 seeded recipients.
#[derive(Default)]
struct IdentityIndex {
    buckets: HashMap<u64, Bucket, std::hash::BuildHasherDefault<PassThrough>>,
}

impl IdentityIndex {
    fn add(&mut self, slot: Slot, keys: &[&str]) {
        for (n, k) in keys.iter().enumerate() {
            // UPN, primary address and proxy address are often the same text.
            if keys[..n].iter().any(|e| e.eq_ignore_ascii_case(k)) {
                continue;
            }
            match self.buckets.entry(identity_hash(k)) {
                Entry::Vacant(e) => {
                    e.insert(Bucket::One(slot));
                }
                Entry::Occupied(mut e) => match e.get_mut() {
                    Bucket::One(s) if *s == slot => {}
                    Bucket::One(s) => {
                        let first = *s;
                        e.insert(Bucket::Many(vec![first, slot]));
                    }
                    Bucket::Many(v) => {
                        if !v.contains(&slot) {
                            v.push(slot);
                        }
                    }
                },
            }
        }
    }
    fn remove(&mut self, slot: Slot, hashes: impl IntoIterator<Item = u64>) {
        for h in hashes {
            let Entry::Occupied(mut e) = self.buckets.entry(h) else {
                continue;
            };
            match e.get_mut() {
                Bucket::One(s) if *s == slot => {
                    e.remove();
                }
                Bucket::One(_) => {}
                Bucket::Many(v) => {
                    v.retain(|s| *s != slot);
                    if v.is_empty() {
                        e.remove();
                    }
                }
            }
        }
    }
    fn candidates(&self, identity: &str) -> &[Slot] {
        self.buckets
            .get(&identity_hash(identity))
            .map(Bucket::slots)
            .unwrap_or(&[])
    }
}

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
    /// Which organisation this is (the home tenant, the partner or a customer).
    pub org: Organization,
    users: Vec<User>,
    contacts: Vec<Contact>,
    groups: Vec<Group>,
    index: HashMap<String, (ObjKind, usize)>,
    /// Names, aliases, addresses and ids -> objects (see [`Tenant::by_identity`]).
    identities: IdentityIndex,
    /// The object last handed out by a `*_mut` accessor and the buckets of its identities at that
    /// moment: its identities may have changed since, so lookups check it directly and the next
    /// write re-indexes it ([`Tenant::settle`]).
    unsettled: Option<(Slot, Vec<u64>)>,
    rng: ChaCha8Rng,
    /// Counter for generated names (bulk groups), so they never collide.
    bulk_groups: usize,
    /// The invitation mails Microsoft would have sent (`sendInvitationMessage: true`): the
    /// tests' evidence that an invitation went out again, with its personal message.
    invitation_mails: Vec<InvitationMail>,
}

/// An invitation mail the tenant sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationMail {
    pub to: String,
    pub user_id: String,
    /// `invitedUserMessageInfo.customizedMessageBody`.
    pub message: Option<String>,
}

impl Tenant {
    /// An empty home tenant whose RNG starts from `seed`. `seed.rs` fills it ([`Tenant::seeded`]).
    pub(crate) fn empty(seed: u64) -> Tenant {
        Tenant::empty_for(seed, HOME)
    }

    /// An empty tenant of `org`.
    pub(crate) fn empty_for(seed: u64, org: Organization) -> Tenant {
        Tenant {
            seed,
            org,
            users: Vec::new(),
            contacts: Vec::new(),
            groups: Vec::new(),
            index: HashMap::new(),
            identities: IdentityIndex::default(),
            unsettled: None,
            rng: ChaCha8Rng::seed_from_u64(seed),
            bulk_groups: 0,
            invitation_mails: Vec::new(),
        }
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
            if upn.starts_with("admin@") {
                vec![
                    Role::ExchangeRecipientManagement,
                    Role::GroupsAdministrator,
                    Role::GuestInviter,
                    Role::UserAdministrator,
                ]
            } else {
                Vec::new()
            }
        };
        let domain = self.org.domain;
        [format!("admin@{domain}"), format!("helpdesk@{domain}")]
            .iter()
            .filter_map(|upn| self.user_by_upn(upn))
            .map(|u| Account {
                tenant_id: self.org.id,
                oid: u.id.clone(),
                upn: u.user_principal_name.clone(),
                display_name: u.display_name.clone(),
                password: DEMO_PASSWORD.to_string(),
                roles: roles_of(&u.user_principal_name),
            })
            .collect()
    }

    /// The organisation's accepted domains (Get-AcceptedDomain): the initial domain and the
    /// custom one.
    pub fn accepted_domains(&self) -> [&'static str; 2] {
        [self.org.domain, self.org.mail_domain]
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
        match self.index.get(&id.to_ascii_lowercase()).copied() {
            Some((ObjKind::User, i)) => {
                self.unsettle(ObjKind::User, i);
                Some(&mut self.users[i])
            }
            _ => None,
        }
    }
    pub fn contact_mut(&mut self, id: &str) -> Option<&mut Contact> {
        match self.index.get(&id.to_ascii_lowercase()).copied() {
            Some((ObjKind::Contact, i)) => {
                self.unsettle(ObjKind::Contact, i);
                Some(&mut self.contacts[i])
            }
            _ => None,
        }
    }
    pub fn group_mut(&mut self, id: &str) -> Option<&mut Group> {
        match self.index.get(&id.to_ascii_lowercase()).copied() {
            Some((ObjKind::Group, i)) => {
                self.unsettle(ObjKind::Group, i);
                Some(&mut self.groups[i])
            }
            _ => None,
        }
    }

    pub fn user_by_upn(&self, upn: &str) -> Option<&User> {
        self.by_identity(upn).into_iter().find_map(|o| match o {
            Obj::User(u) if u.user_principal_name.eq_ignore_ascii_case(upn) => Some(u),
            _ => None,
        })
    }

    /// The objects that have `identity` among their [`Obj::identity_keys`] (ASCII case-insensitive),
    /// in store order: users, then contacts, then groups, each in insertion order — the order a
    /// scan over all objects would find them in. Visibility is the caller's business.
    pub fn by_identity(&self, identity: &str) -> Vec<Obj<'_>> {
        let mut slots: Vec<Slot> = self.identities.candidates(identity).to_vec();
        if let Some((s, _)) = &self.unsettled {
            slots.push(*s);
        }
        slots.sort_unstable();
        slots.dedup();
        slots
            .into_iter()
            .map(|s| self.at(s))
            .filter(|o| o.has_identity(identity))
            .collect()
    }

    fn at(&self, s: Slot) -> Obj<'_> {
        let i = s.pos as usize;
        match s.kind {
            ObjKind::User => Obj::User(&self.users[i]),
            ObjKind::Contact => Obj::Contact(&self.contacts[i]),
            ObjKind::Group => Obj::Group(&self.groups[i]),
        }
    }

    fn slot(kind: ObjKind, pos: usize) -> Slot {
        Slot {
            kind,
            pos: u32::try_from(pos).expect("fewer than 2^32 objects of a kind"),
        }
    }

    /// Re-indexes the object last handed out by a `*_mut` accessor: drops the buckets of the
    /// identities it had then, adds those it has now. Every write calls this first, so at most one
    /// object is ever unsettled.
    fn settle(&mut self) {
        if let Some((slot, old)) = self.unsettled.take() {
            self.identities.remove(slot, old);
            self.index_identities(slot);
        }
    }

    fn unsettle(&mut self, kind: ObjKind, pos: usize) {
        self.settle();
        let slot = Self::slot(kind, pos);
        let hashes = self
            .at(slot)
            .identity_keys()
            .into_iter()
            .map(identity_hash)
            .collect();
        self.unsettled = Some((slot, hashes));
    }

    fn index_identities(&mut self, slot: Slot) {
        let Tenant {
            users,
            contacts,
            groups,
            identities,
            ..
        } = self;
        let i = slot.pos as usize;
        let keys = match slot.kind {
            ObjKind::User => users[i].identity_keys(),
            ObjKind::Contact => contacts[i].identity_keys(),
            ObjKind::Group => groups[i].identity_keys(),
        };
        identities.add(slot, &keys);
    }

    // ----- writes -----

    pub fn insert_user(&mut self, u: User) -> String {
        self.settle();
        let id = u.id.clone();
        let pos = self.users.len();
        self.index
            .insert(id.to_ascii_lowercase(), (ObjKind::User, pos));
        self.users.push(u);
        self.index_identities(Self::slot(ObjKind::User, pos));
        id
    }

    pub fn insert_contact(&mut self, c: Contact) -> String {
        self.settle();
        let id = c.id.clone();
        let pos = self.contacts.len();
        self.index
            .insert(id.to_ascii_lowercase(), (ObjKind::Contact, pos));
        self.contacts.push(c);
        self.index_identities(Self::slot(ObjKind::Contact, pos));
        id
    }

    pub fn insert_group(&mut self, g: Group) -> String {
        self.settle();
        let id = g.id.clone();
        let pos = self.groups.len();
        self.index
            .insert(id.to_ascii_lowercase(), (ObjKind::Group, pos));
        self.groups.push(g);
        self.index_identities(Self::slot(ObjKind::Group, pos));
        id
    }

    /// Deletes a contact and its memberships.
    pub fn remove_contact(&mut self, id: &str) -> bool {
        self.settle();
        let Some((ObjKind::Contact, i)) = self.index.get(&id.to_ascii_lowercase()).copied() else {
            return false;
        };
        // The contacts after it move up one place: move their slots in the index with them.
        for j in i..self.contacts.len() {
            let slot = Self::slot(ObjKind::Contact, j);
            let hashes: Vec<u64> = self.contacts[j]
                .identity_keys()
                .into_iter()
                .map(identity_hash)
                .collect();
            self.identities.remove(slot, hashes);
        }
        self.contacts.remove(i);
        for j in i..self.contacts.len() {
            self.index_identities(Self::slot(ObjKind::Contact, j));
        }
        for g in &mut self.groups {
            g.remove_member(id);
        }
        self.reindex();
        true
    }

    /// Exchange's Remove-MailContact: the contact leaves every group at once and stays in the store as
    /// a tombstone, gone for Exchange now and for Graph once the replication delay has passed
    /// ([`Provenance::visible_to`]). False when there was no such live contact.
    pub fn remove_contact_by(&mut self, side: Side, id: &str) -> bool {
        let Some(c) = self.contact_mut(id) else {
            return false;
        };
        if c.provenance.is_removed() {
            return false;
        }
        c.provenance.removed = Some((side, Instant::now()));
        for g in &mut self.groups {
            g.remove_member(id);
        }
        true
    }

    /// Graph's `DELETE /users/{id}`: the user goes to deleted items with the list of its groups, and
    /// leaves them. False when there was no such live user.
    pub fn delete_user(&mut self, id: &str) -> bool {
        let Some(uid) = self
            .user(id)
            .filter(|u| !u.provenance.is_removed())
            .map(|u| u.id.clone())
        else {
            return false;
        };
        let mut was_in = Vec::new();
        for g in &mut self.groups {
            if g.remove_member(&uid) {
                was_in.push(g.id.clone());
            }
        }
        let u = self.user_mut(&uid).expect("user just found");
        u.provenance.removed = Some((Side::Graph, Instant::now()));
        u.deleted = Some((Utc::now(), was_in));
        true
    }

    /// Records an invitation mail sent to `to`.
    pub fn send_invitation_mail(&mut self, mail: InvitationMail) {
        self.invitation_mails.push(mail);
    }

    /// The invitation mails sent, oldest first.
    pub fn invitation_mails(&self) -> &[InvitationMail] {
        &self.invitation_mails
    }

    /// The users in deleted items, in store order.
    pub fn deleted_users(&self) -> impl Iterator<Item = &User> {
        self.users.iter().filter(|u| u.deleted.is_some())
    }

    /// Brings a user back from deleted items, into the groups it was in (those that still exist).
    /// `Err` names the live object holding its user principal name or address, which blocks it.
    pub fn restore_user(&mut self, id: &str) -> Result<Option<&User>, String> {
        let Some(u) = self.user(id).filter(|u| u.deleted.is_some()) else {
            return Ok(None);
        };
        let uid = u.id.clone();
        let mut keys: Vec<String> = vec![u.user_principal_name.clone()];
        keys.extend(u.mail.clone());
        for k in &keys {
            let clash = self.by_identity(k).into_iter().find(|o| {
                o.id() != uid
                    && !o.provenance().is_removed()
                    && match o {
                        Obj::User(v) => {
                            v.user_principal_name.eq_ignore_ascii_case(k)
                                || v.mail.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(k))
                        }
                        Obj::Contact(c) => c.external_email.eq_ignore_ascii_case(k),
                        Obj::Group(g) => {
                            g.mail.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(k))
                        }
                    }
            });
            if let Some(o) = clash {
                return Err(o.id().to_string());
            }
        }
        let u = self.user_mut(&uid).expect("user just found");
        u.provenance.removed = None;
        let groups = u.deleted.take().map(|(_, g)| g).unwrap_or_default();
        for gid in groups {
            if let Some(g) = self.group_mut(&gid) {
                g.add_member(&uid);
            }
        }
        Ok(self.user(&uid))
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
            let (id, exchange_guid) = (self.new_guid(), self.new_guid());
            let created = Utc
                .with_ymd_and_hms(2024, 6, 1, 0, 0, 0)
                .single()
                .expect("valid date");
            let mut g = Group::new(
                id,
                exchange_guid,
                kind,
                &format!("Bulk Group {k:05}"),
                &alias,
                created,
                Provenance::SEEDED,
            );
            g.security_enabled = false;
            g.visibility = (kind == GroupKind::Unified).then(|| "Private".to_string());
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
            .filter(|u| !u.bulk && !u.provenance.is_removed())
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
            .filter(|c| !c.provenance.is_removed())
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
            "tenantId": crate::contract::TENANT_ID,
            "domain": TENANT_DOMAIN,
            "counts": {
                "users": self.users.iter().filter(|u| !u.provenance.is_removed()).count(),
                "bulkUsers": self.users.iter().filter(|u| u.bulk).count(),
                "contacts": self.contacts.iter().filter(|c| !c.provenance.is_removed()).count(),
                "deletedUsers": self.deleted_users().count(),
                "groups": self.groups.len(),
            },
            "users": users,
            "contacts": contacts,
            "groups": groups,
            "invitationMails": self.invitation_mails.iter().map(|m| json!({
                "to": m.to,
                "userId": m.user_id,
                "message": m.message,
            })).collect::<Vec<_>>(),
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
            accept_from: Vec::new(),
            accept_from_dl: Vec::new(),
            reject_from: Vec::new(),
            reject_from_dl: Vec::new(),
            moderation_enabled: false,
            moderated_by: Vec::new(),
            bypass_moderation: Vec::new(),
            // Exchange's defaults for a new group (Set-DistributionGroup page).
            report_to_originator: true,
            report_to_manager: false,
            dir_synced: false,
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

#[cfg(test)]
mod identity_index_tests {
    use super::*;

    fn contact(t: &mut Tenant, name: &str, email: &str) -> Contact {
        Contact {
            id: t.new_guid(),
            exchange_guid: t.new_guid(),
            name: name.to_string(),
            alias: name.replace(' ', ""),
            display_name: name.to_string(),
            given_name: None,
            surname: None,
            external_email: email.to_string(),
            company_name: None,
            department: None,
            job_title: None,
            hidden_from_address_lists: false,
            custom_attributes: Default::default(),
            created: Utc::now(),
            provenance: Provenance::now(Side::Exchange),
        }
    }

    /// What `by_identity` must answer: a scan over every object, in store order.
    fn scan<'a>(t: &'a Tenant, identity: &str) -> Vec<&'a str> {
        let users = t.users().iter().map(Obj::User);
        let contacts = t.contacts().iter().map(Obj::Contact);
        let groups = t.groups().iter().map(Obj::Group);
        users
            .chain(contacts)
            .chain(groups)
            .filter(|o| o.has_identity(identity))
            .map(|o| o.id())
            .collect()
    }

    fn ids<'a>(t: &'a Tenant, identity: &str) -> Vec<&'a str> {
        let found: Vec<&str> = t.by_identity(identity).iter().map(|o| o.id()).collect();
        assert_eq!(found, scan(t, identity), "{identity}");
        found
    }

    #[test]
    fn index_follows_create_rename_and_delete() {
        let mut t = Tenant::seeded(5);
        let first = t.contacts()[0].id.clone();
        let c = contact(&mut t, "Ina Index", "ina@index.example");
        let id = t.insert_contact(c);
        for key in ["Ina Index", "INA@INDEX.example", "inaindex", id.as_str()] {
            assert_eq!(ids(&t, key), vec![id.as_str()], "{key}");
        }
        // Rename through the mutable accessor: visible at once (the object is unsettled) ...
        let c = t.contact_mut(&id).expect("contact");
        c.name = "Ina Renamed".into();
        c.alias = "inarenamed".into();
        c.external_email = "ina@renamed.example".into();
        assert!(ids(&t, "Ina Index").is_empty());
        assert!(ids(&t, "ina@index.example").is_empty());
        assert_eq!(ids(&t, "ina renamed"), vec![id.as_str()]);
        // ... and after the next write has settled it into the index.
        let sales = t
            .groups()
            .iter()
            .find(|g| g.alias == "sales")
            .map(|g| g.id.clone())
            .expect("sales");
        t.group_mut(&sales).expect("group").name = "Sales Renamed".into();
        assert!(ids(&t, "Ina Index").is_empty());
        assert_eq!(ids(&t, "ina@renamed.example"), vec![id.as_str()]);
        assert_eq!(ids(&t, "Sales Renamed"), vec![sales.as_str()]);
        assert!(ids(&t, "Sales Team").is_empty());
        // Deleting an earlier contact moves the later ones up; the index moves with them.
        assert!(t.remove_contact(&first));
        assert!(ids(&t, &first).is_empty());
        assert_eq!(ids(&t, "inarenamed"), vec![id.as_str()]);
        for c in t.contacts().to_vec() {
            assert_eq!(ids(&t, &c.name), vec![c.id.as_str()], "{}", c.name);
        }
        assert!(t.remove_contact(&id));
        assert!(ids(&t, "Ina Renamed").is_empty());
        assert!(ids(&t, "ina@renamed.example").is_empty());
        // Seeded users (the UPN lookup goes through the index too).
        let admin = t.user_by_upn(&ADMIN_UPN.to_uppercase()).expect("admin");
        assert_eq!(admin.user_principal_name, ADMIN_UPN);
        let bulk = t.users().last().expect("bulk user").clone();
        assert_eq!(ids(&t, &bulk.mail_nickname), vec![bulk.id.as_str()]);
    }

    #[test]
    fn shared_identities_give_every_holder_in_store_order() {
        let mut t = Tenant::seeded(5);
        let a = contact(&mut t, "Twin", "twin@one.example");
        let a = t.insert_contact(a);
        // The second contact's name is the first one's address.
        let b = contact(&mut t, "twin@one.example", "twin@two.example");
        let b = t.insert_contact(b);
        assert_eq!(ids(&t, "TWIN@one.example"), vec![a.as_str(), b.as_str()]);
        // A user with the same display name as the first contact's name comes first.
        let u = t.users()[3].id.clone();
        t.user_mut(&u).expect("user").display_name = "Twin".into();
        assert_eq!(ids(&t, "twin"), vec![u.as_str(), a.as_str()]);
    }
}

//! The plan: desired people × target groups + what the tenant already holds → the operations
//! that bring the tenant to the desired state, each (person, group) pair with its outcome.
//!
//! Rules (DESIGN.md, issue 5/6):
//! - built from bulk reads (maps), never one lookup per row; deterministic for the same input;
//! - an existing contact, guest or member user with the address is reused, never duplicated
//!   (creating a contact for an address a guest already holds would also fail: proxy addresses
//!   are unique across recipients);
//! - a person who already is a member (through any of their objects) is skipped, not an error;
//! - a contact is created at most once per person and a guest invited at most once, however
//!   many groups need it; the add-member operations depend on that operation;
//! - a new person who goes into a Microsoft 365 group is invited as a guest, and that guest also
//!   joins their other groups: a contact for the same address would collide with the guest's
//!   proxy address (New-MailContact fails with ProxyAddressExists);
//! - distribution and mail-enabled security groups: members through Exchange; Microsoft 365
//!   and security groups through Graph; dynamic groups can't take members;
//! - a target group that rejects external senders gets one optional "open it" operation;
//! - a target group that takes mail only from its allowed senders (read by the engine, direct
//!   mode) gets, for each new member the list doesn't name, one optional operation that puts
//!   them on it ([`Plan::allowing_senders`]): otherwise they'd still bounce (5.7.124) after the
//!   switch is open.

use super::delivery::{DeliveryChange, DeliverySettings, RecipientRef, SenderList};
use super::email::EmailAddress;
use super::group::{ExternalSenders, ExternalSendersControl, GroupKind, MemberKind, MembershipApi};
use super::person::{derive_contact_name, FieldError, Person, TakenNames};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// Identifies a desired row: the CSV line number, or an index for the single-person dialog.
pub type RowKey = u64;

/// A group to add people to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetGroup {
    /// Entra object id.
    pub id: String,
    pub name: String,
    /// Primary SMTP address; Exchange cmdlets identify the group by it.
    pub mail: Option<String>,
    pub kind: GroupKind,
    pub external_senders: ExternalSenders,
    /// Entra dynamic membership (`groupTypes` contains `DynamicMembership`): a rule decides the
    /// members, adding by hand is refused.
    #[serde(default)]
    pub dynamic_membership: bool,
    /// `onPremisesSyncEnabled`: the group is mastered in on-premises Active Directory and its
    /// members can only be changed there.
    #[serde(default)]
    pub on_premises_synced: bool,
}

impl TargetGroup {
    /// How Exchange cmdlets should name this group.
    pub fn exchange_identity(&self) -> &str {
        self.mail.as_deref().unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExistingContact {
    pub id: String,
    pub mail: EmailAddress,
    pub display_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserType {
    Member,
    Guest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExistingUser {
    pub id: String,
    pub user_type: UserType,
    pub user_principal_name: String,
    pub mail: Option<EmailAddress>,
    pub other_mails: Vec<EmailAddress>,
    pub display_name: String,
}

/// What bulk reads found in the tenant.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TenantSnapshot {
    pub contacts: Vec<ExistingContact>,
    pub users: Vec<ExistingUser>,
    /// Object ids of the current members, per group id.
    pub members: HashMap<String, HashSet<String>>,
    /// Recipient `Name`s already in use (for unique contact names): from Exchange
    /// (`Get-Recipient`) when reachable. Existing contacts' display names are added
    /// automatically, because a contact's Name usually equals its display name.
    pub taken_names: Vec<String>,
}

/// One desired person (or why the input row is unusable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desired {
    pub row: RowKey,
    pub person: Result<Person, Vec<FieldError>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOptions {
    /// Hide new contacts from address lists (the default: they exist so that group mail
    /// reaches them, not to appear in every employee's address book).
    pub hide_contacts: bool,
    /// Let Microsoft send its invitation mail to new guests.
    pub send_invitation: bool,
    /// Where a guest lands after redeeming the invitation.
    pub invite_redirect_url: String,
    /// Allow inviting guests at all (for Microsoft 365 groups).
    pub allow_guest_invites: bool,
    /// Which attribute (1–15) holds a person's "access until" date, as `config.json` names it.
    #[serde(default = "default_access_attribute")]
    pub access_until_attribute: u8,
}

fn default_access_attribute() -> u8 {
    15
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            hide_contacts: true,
            send_invitation: false,
            invite_redirect_url: "https://myapps.microsoft.com".into(),
            allow_guest_invites: true,
            access_until_attribute: default_access_attribute(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OpId(pub u32);

impl fmt::Display for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "op{}", self.0)
    }
}

/// Who is added: an object that exists, or the one an earlier operation creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberTarget {
    Existing { id: String },
    Created { op: OpId },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRef {
    pub kind: MemberKind,
    pub target: MemberTarget,
    pub address: EmailAddress,
    /// How Exchange cmdlets name it: the address for contacts, the UPN for users and guests.
    pub exchange_identity: String,
}

impl MemberRef {
    /// The strings that name it in Exchange's lists, as far as the plan knows them: its address,
    /// its Exchange identity and, for someone who exists, the object id.
    pub fn recipient_ref(&self) -> RecipientRef {
        let mut identities = vec![self.address.to_string(), self.exchange_identity.clone()];
        if let MemberTarget::Existing { id } = &self.target {
            identities.push(id.clone());
        }
        RecipientRef {
            display: self.address.to_string(),
            identities,
        }
    }

    /// Whether it exists in the tenant already (only someone who exists can be on a list).
    pub fn exists(&self) -> bool {
        matches!(self.target, MemberTarget::Existing { .. })
    }
}

/// An operation that changes the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    /// Exchange `New-MailContact` (+ `Set-MailContact -HiddenFromAddressListsEnabled`,
    /// `Set-Contact -Company`).
    CreateContact {
        address: EmailAddress,
        name: String,
        display_name: String,
        first_name: Option<String>,
        last_name: Option<String>,
        company: Option<String>,
        hidden: bool,
    },
    /// Graph `POST /invitations`.
    InviteGuest {
        address: EmailAddress,
        display_name: String,
        send_invitation: bool,
        redirect_url: String,
    },
    AddMember {
        group_id: String,
        group_name: String,
        /// How Exchange names the group (primary address, else id).
        group_exchange_identity: String,
        member: MemberRef,
        via: MembershipApi,
    },
    OpenExternalSenders {
        group_id: String,
        group_name: String,
        group_exchange_identity: String,
        control: ExternalSendersControl,
    },
    /// Exchange `Remove-DistributionGroupMember` or Graph `DELETE /groups/{id}/members/{id}/$ref`.
    /// "Not a member" is already done.
    RemoveMember {
        group_id: String,
        group_name: String,
        group_exchange_identity: String,
        member: MemberRef,
        via: MembershipApi,
    },
    /// A delivery fix's change to one of the group's sender lists (allowed senders, blocked
    /// senders, moderation bypass): Exchange `Set-DistributionGroup -<list> @{Add=…}` /
    /// `@{Remove=…}`, or `Set-UnifiedGroup` with the list set whole (see
    /// [`crate::domain::delivery::DeliveryChange::EditList`]). `entry` names the recipient (the
    /// sender's address, or a group's identity).
    EditSenderList {
        group_id: String,
        group_name: String,
        group_exchange_identity: String,
        kind: GroupKind,
        list: SenderList,
        entry: String,
        add: bool,
    },
    /// Exchange `Remove-MailContact`: the contact is deleted and leaves every group
    /// (<https://learn.microsoft.com/powershell/module/exchangepowershell/remove-mailcontact>).
    /// Gone already is done.
    DeleteContact { person: PersonRef },
    /// Graph `DELETE /users/{id}`: the guest goes to deleted items, where it can be restored for
    /// 30 days, and leaves its groups (<https://learn.microsoft.com/graph/api/user-delete>). Gone
    /// already is done.
    DeleteGuest { person: PersonRef },
    /// Graph `POST /directory/deletedItems/{id}/restore`: a deleted guest back, with its id
    /// (<https://learn.microsoft.com/graph/api/directory-deleteditems-restore>). Back already is
    /// done.
    RestoreGuest { person: PersonRef },
    /// Graph `POST /invitations` again for a guest who hasn't accepted: the same user, a new
    /// redemption link, Microsoft's mail if asked, with a personal message
    /// (<https://learn.microsoft.com/graph/api/invitation-post>).
    ResendInvitation {
        person: PersonRef,
        send_mail: bool,
        message: Option<String>,
        redirect_url: String,
    },
    /// A contact's details as the admin edited them (Exchange `Set-MailContact`, `Set-Contact`).
    EditContact {
        person: PersonRef,
        edit: ContactEdit,
    },
    /// A person's "access until" date, `YYYY-MM-DD` (`None` clears it), kept in the tenant (an
    /// empty `person.id`: the object the operation it depends on created): a
    /// guest's `onPremisesExtensionAttributes.extensionAttribute{attribute}` through Graph
    /// (<https://learn.microsoft.com/graph/api/resources/onpremisesextensionattributes>), a
    /// contact's `CustomAttribute{attribute}` through Exchange `Set-MailContact`.
    SetAccessUntil {
        person: PersonRef,
        kind: MemberKind,
        attribute: u8,
        until: Option<String>,
    },
}

/// A contact's details to change: `None` leaves a field as it is, an empty string clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactEdit {
    pub display_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub hidden: Option<bool>,
}

/// The external person a delete or restore is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRef {
    /// Entra object id.
    pub id: String,
    pub name: String,
    pub address: EmailAddress,
    /// How Exchange cmdlets name them: the address for a contact, the UPN for a guest.
    pub exchange_identity: String,
}

impl From<&Leaver> for PersonRef {
    fn from(l: &Leaver) -> PersonRef {
        PersonRef {
            id: l.id.clone(),
            name: l.name.clone(),
            address: l.address.clone(),
            exchange_identity: l.exchange_identity.clone(),
        }
    }
}

impl Operation {
    /// Deleting `leaver`: [`Operation::DeleteContact`] or [`Operation::DeleteGuest`]; `None` for
    /// a member user, whom Guestlist doesn't delete.
    pub fn deleting(leaver: &Leaver) -> Option<Operation> {
        let person = PersonRef::from(leaver);
        match leaver.kind {
            MemberKind::MailContact => Some(Operation::DeleteContact { person }),
            MemberKind::Guest => Some(Operation::DeleteGuest { person }),
            MemberKind::MemberUser => None,
        }
    }

    /// The person a delete or restore is about.
    pub fn person(&self) -> Option<&PersonRef> {
        match self {
            Operation::DeleteContact { person }
            | Operation::DeleteGuest { person }
            | Operation::RestoreGuest { person }
            | Operation::ResendInvitation { person, .. }
            | Operation::EditContact { person, .. }
            | Operation::SetAccessUntil { person, .. } => Some(person),
            _ => None,
        }
    }

    /// Opening a Microsoft 365 group to external senders (Graph `allowExternalSenders`).
    pub fn opens_microsoft_365_group(&self) -> bool {
        matches!(
            self,
            Operation::OpenExternalSenders {
                control: ExternalSendersControl::GraphAllowExternalSenders,
                ..
            }
        )
    }

    /// The person's address the operation concerns (none for a group setting).
    pub fn address(&self) -> Option<&EmailAddress> {
        match self {
            Operation::CreateContact { address, .. } | Operation::InviteGuest { address, .. } => {
                Some(address)
            }
            Operation::AddMember { member, .. } | Operation::RemoveMember { member, .. } => {
                Some(&member.address)
            }
            Operation::DeleteContact { person }
            | Operation::DeleteGuest { person }
            | Operation::RestoreGuest { person }
            | Operation::ResendInvitation { person, .. }
            | Operation::EditContact { person, .. }
            | Operation::SetAccessUntil { person, .. } => Some(&person.address),
            Operation::OpenExternalSenders { .. } | Operation::EditSenderList { .. } => None,
        }
    }

    /// The name of the group the operation changes (none for creating a person).
    pub fn group_name(&self) -> Option<&str> {
        match self {
            Operation::AddMember { group_name, .. }
            | Operation::RemoveMember { group_name, .. }
            | Operation::OpenExternalSenders { group_name, .. }
            | Operation::EditSenderList { group_name, .. } => Some(group_name),
            Operation::CreateContact { .. }
            | Operation::InviteGuest { .. }
            | Operation::DeleteContact { .. }
            | Operation::DeleteGuest { .. }
            | Operation::RestoreGuest { .. }
            | Operation::ResendInvitation { .. }
            | Operation::EditContact { .. }
            | Operation::SetAccessUntil { .. } => None,
        }
    }

    /// The service that performs it.
    pub fn service(&self) -> MembershipApi {
        match self {
            Operation::CreateContact { .. }
            | Operation::EditSenderList { .. }
            | Operation::DeleteContact { .. }
            | Operation::EditContact { .. } => MembershipApi::Exchange,
            Operation::InviteGuest { .. }
            | Operation::DeleteGuest { .. }
            | Operation::RestoreGuest { .. }
            | Operation::ResendInvitation { .. } => MembershipApi::Graph,
            Operation::SetAccessUntil { kind, .. } => match kind {
                MemberKind::MailContact => MembershipApi::Exchange,
                MemberKind::Guest | MemberKind::MemberUser => MembershipApi::Graph,
            },
            Operation::AddMember { via, .. } | Operation::RemoveMember { via, .. } => *via,
            Operation::OpenExternalSenders { control, .. } => match control {
                ExternalSendersControl::ExchangeRequireSenderAuthentication => {
                    MembershipApi::Exchange
                }
                ExternalSendersControl::GraphAllowExternalSenders => MembershipApi::Graph,
            },
        }
    }

    /// The delivery change an [`Operation::EditSenderList`] makes.
    pub fn sender_list_change(&self) -> Option<DeliveryChange> {
        match self {
            Operation::EditSenderList {
                group_exchange_identity,
                kind,
                list,
                entry,
                add,
                ..
            } => Some(DeliveryChange::EditList {
                group: group_exchange_identity.clone(),
                kind: *kind,
                list: *list,
                entry: entry.clone(),
                add: *add,
            }),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedOp {
    pub id: OpId,
    pub op: Operation,
    /// Operations that must be done first (a new contact before adding it).
    pub depends_on: Vec<OpId>,
    /// Offered, not required: the admin chooses (opening a group to external senders).
    pub optional: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SkipReason {
    AlreadyMember,
    Invalid(Vec<FieldError>),
    /// The same address is on an earlier row.
    Duplicate {
        first_row: RowKey,
    },
    /// Dynamic distribution groups compute their members from a filter.
    DynamicGroup,
    /// Microsoft 365 groups can't hold contacts and inviting guests is switched off.
    ContactIntoM365,
    /// The group is synchronised from on-premises Active Directory.
    OnPremisesSynced,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::AlreadyMember => f.write_str("already a member"),
            SkipReason::Invalid(problems) => {
                f.write_str("invalid: ")?;
                let parts: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
                f.write_str(&parts.join("; "))
            }
            SkipReason::Duplicate { first_row } => {
                write!(f, "the same address is already on line {first_row}")
            }
            SkipReason::DynamicGroup => f.write_str(
                "dynamic distribution groups choose their members by a rule; members can't be added by hand",
            ),
            SkipReason::OnPremisesSynced => f.write_str(
                "this group is synchronised from on-premises Active Directory; change its members there",
            ),
            SkipReason::ContactIntoM365 => f.write_str(
                "Microsoft 365 groups can't contain mail contacts, and inviting guests is switched off",
            ),
        }
    }
}

/// One step of a (person, group) entry, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    CreateContact(OpId),
    ReuseContact { id: String },
    InviteGuest(OpId),
    ReuseGuest { id: String },
    ReuseUser { id: String },
    AddMember(OpId),
    Skip(SkipReason),
}

/// The headline of an entry, for the preview's totals and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OutcomeKind {
    CreateContact,
    ReuseContact,
    InviteGuest,
    ReuseGuest,
    ReuseUser,
    AlreadyMember,
    Invalid,
    Duplicate,
    NotPossible,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanEntry {
    pub row: RowKey,
    /// Index into [`Plan::groups`].
    pub group: usize,
    pub address: Option<EmailAddress>,
    pub steps: Vec<Step>,
}

impl PlanEntry {
    pub fn outcome(&self) -> OutcomeKind {
        let mut kind = None;
        for step in &self.steps {
            match step {
                Step::Skip(SkipReason::AlreadyMember) => return OutcomeKind::AlreadyMember,
                Step::Skip(SkipReason::Invalid(_)) => return OutcomeKind::Invalid,
                Step::Skip(SkipReason::Duplicate { .. }) => return OutcomeKind::Duplicate,
                Step::Skip(_) => return OutcomeKind::NotPossible,
                Step::CreateContact(_) => kind = Some(OutcomeKind::CreateContact),
                Step::ReuseContact { .. } => kind = Some(OutcomeKind::ReuseContact),
                Step::InviteGuest(_) => kind = Some(OutcomeKind::InviteGuest),
                Step::ReuseGuest { .. } => kind = Some(OutcomeKind::ReuseGuest),
                Step::ReuseUser { .. } => kind = Some(OutcomeKind::ReuseUser),
                Step::AddMember(_) => {}
            }
        }
        kind.unwrap_or(OutcomeKind::NotPossible)
    }

    /// The operations this entry needs, in order.
    pub fn op_ids(&self) -> impl Iterator<Item = OpId> + '_ {
        self.steps.iter().filter_map(|s| match s {
            Step::CreateContact(id) | Step::InviteGuest(id) | Step::AddMember(id) => Some(*id),
            _ => None,
        })
    }

    pub fn skip_reason(&self) -> Option<&SkipReason> {
        self.steps.iter().find_map(|s| match s {
            Step::Skip(r) => Some(r),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupWarning {
    /// External senders get NDR 5.7.133; an optional operation to open the group is offered.
    RejectsExternalSenders { group: usize, fix: OpId },
    /// Couldn't read the setting (e.g. Exchange unreachable); the script checks it.
    ExternalSendersUnknown { group: usize },
    /// Members can't be added to a dynamic group.
    DynamicGroup { group: usize },
    /// Members of a group synchronised from on-premises AD are changed there.
    OnPremisesSynced { group: usize },
    /// The group takes mail only from its allowed senders, and the people this plan adds aren't
    /// on the list: even with the group open to external senders their mail bounces (5.7.124).
    /// `fixes` are the optional operations that put them on it, one per person.
    NotOnAllowedSenders { group: usize, fixes: Vec<OpId> },
    /// A guest is invited for an address a mail contact already holds. Proxy addresses are
    /// unique in Exchange, so the new guest's mail user may not get that address while the
    /// contact exists; the admin should know (once per person, not per group).
    GuestAddressHeldByContact { row: RowKey, contact_id: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub by_outcome: BTreeMap<OutcomeKind, usize>,
    pub exchange_ops: usize,
    pub graph_ops: usize,
}

impl Totals {
    pub fn count(&self, kind: OutcomeKind) -> usize {
        self.by_outcome.get(&kind).copied().unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub groups: Vec<TargetGroup>,
    /// One per (row, group), rows in input order, groups in target order.
    pub entries: Vec<PlanEntry>,
    pub ops: Vec<PlannedOp>,
    pub warnings: Vec<GroupWarning>,
    pub totals: Totals,
}

impl Plan {
    /// The operation with this id (ops stay sorted by id, also after dropping optional ones).
    pub fn op(&self, id: OpId) -> Option<&PlannedOp> {
        self.ops
            .binary_search_by_key(&id, |o| o.id)
            .ok()
            .map(|i| &self.ops[i])
    }

    /// Drops optional operations the admin declined (and the warnings' links stay valid: the
    /// ids of kept operations don't change).
    pub fn without_optional(mut self, keep: impl Fn(&PlannedOp) -> bool) -> Plan {
        self.ops.retain(|o| !o.optional || keep(o));
        self
    }

    /// What a bulk run carries out: without the fixes the admin declined, and without opening
    /// Microsoft 365 groups to external senders, which needs `Group.ReadWrite.All` by incremental
    /// consent (a popup from a click on the group page) that a run's Graph client doesn't hold.
    pub fn for_bulk_run(self, declined: &[OpId]) -> Plan {
        self.without_optional(|o| !declined.contains(&o.id) && !o.op.opens_microsoft_365_group())
    }

    /// A plan of one operation on one group, which nothing else depends on: what the group
    /// page's single changes (remove a member, open to external senders) go through, so that
    /// they are journalled, reported, scripted and recorded like any run.
    pub fn single(group: TargetGroup, op: Operation) -> Plan {
        Plan::of(vec![group], vec![op])
    }

    /// A plan of independent operations on `groups` (none for changes to a person alone), in
    /// this order: what a person's page and the Activity page's restore go through.
    pub fn of(groups: Vec<TargetGroup>, ops: Vec<Operation>) -> Plan {
        let mut totals = Totals::default();
        for op in &ops {
            match op.service() {
                MembershipApi::Exchange => totals.exchange_ops += 1,
                MembershipApi::Graph => totals.graph_ops += 1,
            }
        }
        Plan {
            groups,
            entries: Vec::new(),
            ops: ops
                .into_iter()
                .enumerate()
                .map(|(i, op)| PlannedOp {
                    id: OpId(i as u32),
                    op,
                    depends_on: Vec::new(),
                    optional: false,
                })
                .collect(),
            warnings: Vec::new(),
            totals,
        }
    }

    /// Deleting `leaver` as a one-operation plan (see [`Operation::deleting`]).
    pub fn deletion(leaver: &Leaver) -> Option<Plan> {
        Some(Plan::of(Vec::new(), vec![Operation::deleting(leaver)?]))
    }

    /// Bringing a deleted guest back from deleted items, as a one-operation plan.
    pub fn restoring(guest: PersonRef) -> Plan {
        Plan::of(Vec::new(), vec![Operation::RestoreGuest { person: guest }])
    }

    /// The group an operation is for: its own, or for a new contact or guest the group of the
    /// first operation that adds them (empty when there is none).
    pub fn group_of(&self, id: OpId) -> &str {
        let Some(planned) = self.op(id) else {
            return "";
        };
        planned
            .op
            .group_name()
            .or_else(|| {
                self.ops
                    .iter()
                    .filter(|o| o.depends_on.contains(&id))
                    .find_map(|o| o.op.group_name())
            })
            .unwrap_or("")
    }

    /// Opening `group` to external senders as a one-operation plan; `None` for a kind of group
    /// without that setting here (security groups have no mail; dynamic groups are Exchange's).
    pub fn opening(group: &TargetGroup) -> Option<Plan> {
        // Exchange Online refuses changes to a group synced from on-premises: its settings are
        // made there (`DeliverySettings::no_fix_reason`).
        if group.kind == GroupKind::DynamicDistribution || group.on_premises_synced {
            return None;
        }
        let control = group.kind.external_senders_control()?;
        let op = Operation::OpenExternalSenders {
            group_id: group.id.clone(),
            group_name: group.name.clone(),
            group_exchange_identity: group.exchange_identity().to_owned(),
            control,
        };
        Some(Plan::single(group.clone(), op))
    }

    /// Taking `member` out of `group` as a one-operation plan; `None` where members can't be
    /// changed by hand (dynamic membership, synchronised from on-premises).
    pub fn removal(group: &TargetGroup, member: MemberRef) -> Option<Plan> {
        if group.dynamic_membership || group.on_premises_synced {
            return None;
        }
        let via = group.kind.membership_api()?;
        let op = Operation::RemoveMember {
            group_id: group.id.clone(),
            group_name: group.name.clone(),
            group_exchange_identity: group.exchange_identity().to_owned(),
            member,
            via,
        };
        Some(Plan::single(group.clone(), op))
    }

    /// A delivery fix's changes ([`crate::domain::delivery::changes_for`]) on `group` as a plan:
    /// a mail contact for the sender (hidden from address lists, named by its address) as
    /// [`Operation::CreateContact`], opening the group as [`Operation::OpenExternalSenders`], a
    /// list change as [`Operation::EditSenderList`]; each change after a new contact depends on
    /// it. `None` when there is nothing to change, or the group's members can't be changed here
    /// (dynamic, synchronised from on-premises: the check explains those and offers no fix).
    pub fn fixing(group: &TargetGroup, changes: &[DeliveryChange]) -> Option<Plan> {
        if changes.is_empty()
            || group.on_premises_synced
            || group.kind == GroupKind::DynamicDistribution
        {
            return None;
        }
        let mut builder = Builder { ops: Vec::new() };
        let mut contact: Option<OpId> = None;
        for change in changes {
            let depends_on: Vec<OpId> = contact.into_iter().collect();
            let op = match change {
                DeliveryChange::CreateContact { address } => {
                    let address = EmailAddress::parse(address).ok()?;
                    let op = Operation::CreateContact {
                        name: address.to_string(),
                        display_name: address.to_string(),
                        address,
                        first_name: None,
                        last_name: None,
                        company: None,
                        hidden: true,
                    };
                    contact = Some(builder.push(op, Vec::new(), false));
                    continue;
                }
                DeliveryChange::OpenToExternalSenders { control, .. } => {
                    Operation::OpenExternalSenders {
                        group_id: group.id.clone(),
                        group_name: group.name.clone(),
                        group_exchange_identity: group.exchange_identity().to_owned(),
                        control: *control,
                    }
                }
                DeliveryChange::EditList {
                    list, entry, add, ..
                } => Operation::EditSenderList {
                    group_id: group.id.clone(),
                    group_name: group.name.clone(),
                    group_exchange_identity: group.exchange_identity().to_owned(),
                    kind: group.kind,
                    list: *list,
                    entry: entry.clone(),
                    add: *add,
                },
            };
            builder.push(op, depends_on, false);
        }
        let mut totals = Totals::default();
        for o in &builder.ops {
            match o.op.service() {
                MembershipApi::Exchange => totals.exchange_ops += 1,
                MembershipApi::Graph => totals.graph_ops += 1,
            }
        }
        Some(Plan {
            groups: vec![group.clone()],
            entries: Vec::new(),
            ops: builder.ops,
            warnings: Vec::new(),
            totals,
        })
    }

    /// Whether this plan adds to the group `group` someone who exists already (whom its
    /// allowed-senders list may name: nobody new can be on it).
    pub fn adds_existing_to(&self, group: usize) -> bool {
        self.entries
            .iter()
            .filter(|e| e.group == group)
            .flat_map(|e| &e.steps)
            .any(|s| match s {
                Step::AddMember(id) => matches!(
                    self.op(*id).map(|o| &o.op),
                    Some(Operation::AddMember { member, .. }) if member.exists()
                ),
                _ => false,
            })
    }

    /// `settings` are the delivery restrictions of the target group `group`. Where it takes mail
    /// only from its allowed senders, each person this plan adds to it whom the lists don't name
    /// (by address, Exchange identity or object id, or by Name through `resolved`, the
    /// recipients Exchange resolves the list's entries to: see
    /// [`DeliverySettings::lists_as_allowed`]) gets an optional
    /// [`Operation::EditSenderList`] putting them on `AcceptMessagesOnlyFrom` (a Microsoft 365
    /// group's `AcceptMessagesOnlyFromSendersOrMembers`), run after they are added (the contact
    /// or guest exists by then), and the group a [`GroupWarning::NotOnAllowedSenders`]. Nothing
    /// for a group Guestlist can't change (dynamic, synchronised from on-premises).
    pub fn allowing_senders(
        mut self,
        group: usize,
        settings: &DeliverySettings,
        resolved: &[RecipientRef],
    ) -> Plan {
        let Some(g) = self.groups.get(group) else {
            return self;
        };
        if !settings.has_allowed_senders_list() || settings.no_fix_reason().is_some() {
            return self;
        }
        let listed = |m: &MemberRef| settings.lists_as_allowed(&m.recipient_ref(), resolved);
        let adds: Vec<(OpId, String)> = self
            .entries
            .iter()
            .filter(|e| e.group == group)
            .flat_map(|e| &e.steps)
            .filter_map(|s| match s {
                Step::AddMember(id) => Some(*id),
                _ => None,
            })
            .filter_map(|id| match self.op(id).map(|o| &o.op) {
                Some(Operation::AddMember { member, .. }) if !listed(member) => {
                    Some((id, member.exchange_identity.clone()))
                }
                _ => None,
            })
            .collect();
        if adds.is_empty() {
            return self;
        }
        let op = |entry: String| Operation::EditSenderList {
            group_id: g.id.clone(),
            group_name: g.name.clone(),
            group_exchange_identity: g.exchange_identity().to_owned(),
            kind: g.kind,
            list: SenderList::AcceptMessagesOnlyFrom,
            entry,
            add: true,
        };
        let ops: Vec<Operation> = adds.iter().map(|(_, e)| op(e.clone())).collect();
        let mut builder = Builder {
            ops: std::mem::take(&mut self.ops),
        };
        let fixes = adds
            .iter()
            .zip(ops)
            .map(|((add, _), o)| builder.push(o, vec![*add], true))
            .collect();
        self.totals.exchange_ops += adds.len();
        self.ops = builder.ops;
        self.warnings
            .push(GroupWarning::NotOnAllowedSenders { group, fixes });
        self
    }

    /// Entries with this outcome (for the preview's filters).
    pub fn entries_with(&self, kind: OutcomeKind) -> impl Iterator<Item = &PlanEntry> + '_ {
        self.entries.iter().filter(move |e| e.outcome() == kind)
    }
}

/// The tenant's objects indexed by lower-cased address.
struct Index<'a> {
    contacts: HashMap<&'a str, &'a ExistingContact>,
    users: HashMap<String, &'a ExistingUser>,
}

impl<'a> Index<'a> {
    fn new(snapshot: &'a TenantSnapshot) -> Self {
        let mut contacts = HashMap::with_capacity(snapshot.contacts.len());
        for c in &snapshot.contacts {
            contacts.entry(c.mail.key()).or_insert(c);
        }
        // Priority when two users claim an address: `mail`, then the UPN, then `otherMails`;
        // within each, the snapshot's order. Deterministic, and `mail` is what Exchange routes on.
        let mut users: HashMap<String, &ExistingUser> =
            HashMap::with_capacity(snapshot.users.len() * 2);
        for u in &snapshot.users {
            if let Some(m) = &u.mail {
                users.entry(m.key().to_owned()).or_insert(u);
            }
        }
        for u in &snapshot.users {
            users
                .entry(u.user_principal_name.to_lowercase())
                .or_insert(u);
        }
        for u in &snapshot.users {
            for m in &u.other_mails {
                users.entry(m.key().to_owned()).or_insert(u);
            }
        }
        Index { contacts, users }
    }
}

/// What the planner chose to add for one (person, group).
enum Principal {
    Existing {
        id: String,
        kind: MemberKind,
        exchange_identity: String,
    },
    NewContact,
    NewGuest,
}

struct Builder {
    ops: Vec<PlannedOp>,
}

impl Builder {
    fn push(&mut self, op: Operation, depends_on: Vec<OpId>, optional: bool) -> OpId {
        let id = OpId(self.ops.len() as u32);
        self.ops.push(PlannedOp {
            id,
            op,
            depends_on,
            optional,
        });
        id
    }
}

/// Builds the plan. See the module documentation for the rules.
pub fn plan(
    groups: &[TargetGroup],
    desired: &[Desired],
    tenant: &TenantSnapshot,
    options: &PlanOptions,
) -> Plan {
    let index = Index::new(tenant);
    let empty = HashSet::new();
    let mut taken = TakenNames::new(
        tenant
            .taken_names
            .iter()
            .chain(tenant.contacts.iter().map(|c| &c.display_name)),
    );
    let mut builder = Builder { ops: Vec::new() };
    let mut entries = Vec::with_capacity(desired.len() * groups.len());
    let mut first_row: HashMap<&str, RowKey> = HashMap::with_capacity(desired.len());
    let mut person_warnings = Vec::new();

    for d in desired {
        let person = match &d.person {
            Ok(p) => p,
            Err(problems) => {
                for g in 0..groups.len() {
                    entries.push(PlanEntry {
                        row: d.row,
                        group: g,
                        address: None,
                        steps: vec![Step::Skip(SkipReason::Invalid(problems.clone()))],
                    });
                }
                continue;
            }
        };
        let key = person.email.key();
        if let Some(&first) = first_row.get(key) {
            for g in 0..groups.len() {
                entries.push(PlanEntry {
                    row: d.row,
                    group: g,
                    address: Some(person.email.clone()),
                    steps: vec![Step::Skip(SkipReason::Duplicate { first_row: first })],
                });
            }
            continue;
        }
        first_row.insert(key, d.row);

        let contact = index.contacts.get(key).copied();
        let user = index.users.get(key).copied();
        let known_ids: Vec<&str> = contact
            .map(|c| c.id.as_str())
            .into_iter()
            .chain(user.map(|u| u.id.as_str()))
            .collect();
        let mut created_contact: Option<OpId> = None;
        let mut invited_guest: Option<OpId> = None;
        // The objects that stand for this person in their groups: each gets the end date.
        let mut dated: Vec<MemberRef> = Vec::new();
        // Whether this person gets a new guest (for a Microsoft 365 group): if so, that guest
        // is their object in every group, and no contact is created for the same address.
        let guest_for_all = user.is_none()
            && contact.is_none()
            && groups.iter().any(|g| {
                group_block(g).is_none()
                    && matches!(
                        choose_principal(g.kind, contact, user, options),
                        Some(Principal::NewGuest)
                    )
            });

        for (gi, group) in groups.iter().enumerate() {
            let mut steps = Vec::new();
            let via = match (group.kind.membership_api(), group_block(group)) {
                (Some(via), None) => via,
                (_, reason) => {
                    // Dynamic distribution groups have no membership API at all.
                    steps.push(Step::Skip(reason.unwrap_or(SkipReason::DynamicGroup)));
                    entries.push(PlanEntry {
                        row: d.row,
                        group: gi,
                        address: Some(person.email.clone()),
                        steps,
                    });
                    continue;
                }
            };
            let members = tenant.members.get(&group.id).unwrap_or(&empty);
            let principal = match choose_principal(group.kind, contact, user, options) {
                Some(Principal::NewContact) if guest_for_all => Some(Principal::NewGuest),
                other => other,
            };
            match &principal {
                Some(Principal::Existing {
                    id,
                    kind,
                    exchange_identity,
                }) => {
                    steps.push(match kind {
                        MemberKind::MailContact => Step::ReuseContact { id: id.clone() },
                        MemberKind::Guest => Step::ReuseGuest { id: id.clone() },
                        MemberKind::MemberUser => Step::ReuseUser { id: id.clone() },
                    });
                    // Dated even where already a member: the date is the person's.
                    let target = MemberTarget::Existing { id: id.clone() };
                    if !dated.iter().any(|m| m.target == target) {
                        dated.push(MemberRef {
                            kind: *kind,
                            target,
                            address: person.email.clone(),
                            exchange_identity: exchange_identity.clone(),
                        });
                    }
                }
                Some(Principal::NewContact) | Some(Principal::NewGuest) => {}
                None => {}
            }
            // Already a member through any of the person's objects: they already get the mail.
            if known_ids.iter().any(|id| members.contains(*id)) {
                steps.push(Step::Skip(SkipReason::AlreadyMember));
                entries.push(PlanEntry {
                    row: d.row,
                    group: gi,
                    address: Some(person.email.clone()),
                    steps,
                });
                continue;
            }
            let member = match principal {
                None => {
                    steps.push(Step::Skip(SkipReason::ContactIntoM365));
                    entries.push(PlanEntry {
                        row: d.row,
                        group: gi,
                        address: Some(person.email.clone()),
                        steps,
                    });
                    continue;
                }
                Some(Principal::Existing {
                    id,
                    kind,
                    exchange_identity,
                }) => MemberRef {
                    kind,
                    target: MemberTarget::Existing { id },
                    address: person.email.clone(),
                    exchange_identity,
                },
                Some(Principal::NewContact) => {
                    let op = *created_contact.get_or_insert_with(|| {
                        builder.push(
                            Operation::CreateContact {
                                address: person.email.clone(),
                                name: derive_contact_name(person, &mut taken),
                                display_name: person.display_name.clone(),
                                first_name: person.first_name.clone(),
                                last_name: person.last_name.clone(),
                                company: person.company.clone(),
                                hidden: options.hide_contacts,
                            },
                            vec![],
                            false,
                        )
                    });
                    steps.push(Step::CreateContact(op));
                    MemberRef {
                        kind: MemberKind::MailContact,
                        target: MemberTarget::Created { op },
                        address: person.email.clone(),
                        exchange_identity: person.email.to_string(),
                    }
                }
                Some(Principal::NewGuest) => {
                    if invited_guest.is_none() {
                        if let Some(c) = contact {
                            person_warnings.push(GroupWarning::GuestAddressHeldByContact {
                                row: d.row,
                                contact_id: c.id.clone(),
                            });
                        }
                    }
                    let op = *invited_guest.get_or_insert_with(|| {
                        builder.push(
                            Operation::InviteGuest {
                                address: person.email.clone(),
                                display_name: person.display_name.clone(),
                                send_invitation: options.send_invitation,
                                redirect_url: options.invite_redirect_url.clone(),
                            },
                            vec![],
                            false,
                        )
                    });
                    steps.push(Step::InviteGuest(op));
                    MemberRef {
                        kind: MemberKind::Guest,
                        target: MemberTarget::Created { op },
                        address: person.email.clone(),
                        exchange_identity: person.email.to_string(),
                    }
                }
            };
            let depends_on = match &member.target {
                MemberTarget::Created { op } => vec![*op],
                MemberTarget::Existing { .. } => vec![],
            };
            if !dated.iter().any(|m| m.target == member.target) {
                dated.push(member.clone());
            }
            let add = builder.push(
                Operation::AddMember {
                    group_id: group.id.clone(),
                    group_name: group.name.clone(),
                    group_exchange_identity: group.exchange_identity().to_owned(),
                    member,
                    via,
                },
                depends_on,
                false,
            );
            steps.push(Step::AddMember(add));
            entries.push(PlanEntry {
                row: d.row,
                group: gi,
                address: Some(person.email.clone()),
                steps,
            });
        }
        if let Some(until) = person.access_until {
            // External people only: a member of staff's attributes are not Guestlist's.
            for member in dated
                .into_iter()
                .filter(|m| m.kind != MemberKind::MemberUser)
            {
                let (id, depends_on) = match member.target {
                    MemberTarget::Existing { id } => (id, vec![]),
                    // Known once the operation that creates it has run.
                    MemberTarget::Created { op } => (String::new(), vec![op]),
                };
                builder.push(
                    Operation::SetAccessUntil {
                        person: PersonRef {
                            id,
                            name: person.display_name.clone(),
                            address: person.email.clone(),
                            exchange_identity: member.exchange_identity,
                        },
                        kind: member.kind,
                        attribute: options.access_until_attribute,
                        until: Some(until.to_string()),
                    },
                    depends_on,
                    false,
                );
            }
        }
    }

    let mut warnings = Vec::new();
    for (gi, group) in groups.iter().enumerate() {
        match group_block(group) {
            Some(SkipReason::OnPremisesSynced) => {
                warnings.push(GroupWarning::OnPremisesSynced { group: gi });
                continue;
            }
            Some(_) => {
                warnings.push(GroupWarning::DynamicGroup { group: gi });
                continue;
            }
            None => {}
        }
        let Some(control) = group.kind.external_senders_control() else {
            continue;
        };
        match group.external_senders {
            ExternalSenders::Rejected => {
                let fix = builder.push(
                    Operation::OpenExternalSenders {
                        group_id: group.id.clone(),
                        group_name: group.name.clone(),
                        group_exchange_identity: group.exchange_identity().to_owned(),
                        control,
                    },
                    vec![],
                    true,
                );
                warnings.push(GroupWarning::RejectsExternalSenders { group: gi, fix });
            }
            ExternalSenders::Unknown => {
                warnings.push(GroupWarning::ExternalSendersUnknown { group: gi })
            }
            ExternalSenders::Allowed | ExternalSenders::NotApplicable => {}
        }
    }

    warnings.extend(person_warnings);

    let mut totals = Totals::default();
    for e in &entries {
        *totals.by_outcome.entry(e.outcome()).or_default() += 1;
    }
    for o in &builder.ops {
        match o.op.service() {
            MembershipApi::Exchange => totals.exchange_ops += 1,
            MembershipApi::Graph => totals.graph_ops += 1,
        }
    }
    Plan {
        groups: groups.to_vec(),
        entries,
        ops: builder.ops,
        warnings,
        totals,
    }
}

/// Why no member can be added to this group by hand, if so.
fn group_block(group: &TargetGroup) -> Option<SkipReason> {
    if group.on_premises_synced {
        Some(SkipReason::OnPremisesSynced)
    } else if group.dynamic_membership || group.kind == GroupKind::DynamicDistribution {
        Some(SkipReason::DynamicGroup)
    } else {
        None
    }
}

/// Which object represents the person in a group of `kind`; `None` when nothing may.
fn choose_principal(
    kind: GroupKind,
    contact: Option<&ExistingContact>,
    user: Option<&ExistingUser>,
    options: &PlanOptions,
) -> Option<Principal> {
    let existing_user = user.map(|u| Principal::Existing {
        id: u.id.clone(),
        kind: match u.user_type {
            UserType::Member => MemberKind::MemberUser,
            UserType::Guest => MemberKind::Guest,
        },
        exchange_identity: u.user_principal_name.clone(),
    });
    let existing_contact = contact.map(|c| Principal::Existing {
        id: c.id.clone(),
        kind: MemberKind::MailContact,
        exchange_identity: c.mail.to_string(),
    });
    match kind {
        GroupKind::DynamicDistribution => None,
        // Contacts can't join: a user or guest, or invite one.
        GroupKind::Microsoft365 => {
            existing_user.or_else(|| options.allow_guest_invites.then_some(Principal::NewGuest))
        }
        // A contact is the lightest object that receives mail; an existing user or guest is
        // used as is (a new contact for their address would collide with their proxy address).
        GroupKind::Distribution | GroupKind::MailEnabledSecurity | GroupKind::Security => {
            existing_contact
                .or(existing_user)
                .or(Some(Principal::NewContact))
        }
    }
}

/// Someone to take out of their groups (offboarding), as the register knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leaver {
    /// Entra object id.
    pub id: String,
    /// The display name (the address when there is none).
    #[serde(default)]
    pub name: String,
    /// [`MemberKind::MailContact`] or [`MemberKind::Guest`].
    pub kind: MemberKind,
    pub address: EmailAddress,
    /// How Exchange cmdlets name them: the address for a contact, the UPN for a guest.
    pub exchange_identity: String,
}

/// Why a leaver keeps a membership or is not in the plan at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeaverSkip {
    /// No contact or user with this id any more: nothing to do.
    AlreadyGone,
    /// Not a member of this group any more (index into the plan's groups): nothing to do.
    AlreadyOut { group: usize },
    /// The group's members can't be changed from here (dynamic membership, synchronised from
    /// on-premises, a dynamic distribution group); index into the plan's groups.
    NotChangeable { group: usize },
}

/// The offboarding plan: the removals, and per leaver what needs nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offboarding {
    /// `RemoveMember` operations only, in leaver order then group order; ready for the executor,
    /// Verify and the PowerShell script like any plan.
    pub plan: Plan,
    /// `(index into the leavers, why)`.
    pub skips: Vec<(usize, LeaverSkip)>,
}

/// The ids of every contact and user in `snapshot`.
fn existing_ids(snapshot: &TenantSnapshot) -> HashSet<&str> {
    snapshot
        .contacts
        .iter()
        .map(|c| c.id.as_str())
        .chain(snapshot.users.iter().map(|u| u.id.as_str()))
        .collect()
}

/// Plans taking `leavers` out of every group in `groups` that fresh reads (`snapshot`) show them
/// in: one `RemoveMember` per membership, through Exchange for distribution and mail-enabled
/// security groups and through Graph for Microsoft 365 and security groups. Someone who no longer
/// exists is skipped as already gone, a group that no longer holds them as already out (so a
/// plan made again after a partial run holds only what is left), and a group whose members can't
/// be changed by hand is named rather than tried. The same person chosen twice is planned once.
pub fn offboarding(
    leavers: &[Leaver],
    groups: &[TargetGroup],
    snapshot: &TenantSnapshot,
) -> Offboarding {
    let exists = existing_ids(snapshot);
    let mut ops = Vec::new();
    let mut skips = Vec::new();
    let mut totals = Totals::default();
    let mut seen = HashSet::new();
    for (li, l) in leavers.iter().enumerate() {
        if !seen.insert(l.id.as_str()) {
            continue;
        }
        if !exists.contains(l.id.as_str()) {
            skips.push((li, LeaverSkip::AlreadyGone));
            continue;
        }
        for (gi, g) in groups.iter().enumerate() {
            let is_member = snapshot
                .members
                .get(&g.id)
                .is_some_and(|m| m.contains(&l.id));
            if !is_member {
                skips.push((li, LeaverSkip::AlreadyOut { group: gi }));
                continue;
            }
            let via = match g.kind.membership_api() {
                Some(via) if !g.dynamic_membership && !g.on_premises_synced => via,
                _ => {
                    skips.push((li, LeaverSkip::NotChangeable { group: gi }));
                    continue;
                }
            };
            match via {
                MembershipApi::Exchange => totals.exchange_ops += 1,
                MembershipApi::Graph => totals.graph_ops += 1,
            }
            ops.push(PlannedOp {
                id: OpId(ops.len() as u32),
                op: Operation::RemoveMember {
                    group_id: g.id.clone(),
                    group_name: g.name.clone(),
                    group_exchange_identity: g.exchange_identity().to_owned(),
                    member: MemberRef {
                        kind: l.kind,
                        target: MemberTarget::Existing { id: l.id.clone() },
                        address: l.address.clone(),
                        exchange_identity: l.exchange_identity.clone(),
                    },
                    via,
                },
                depends_on: Vec::new(),
                optional: false,
            });
        }
    }
    Offboarding {
        plan: Plan {
            groups: groups.to_vec(),
            entries: Vec::new(),
            ops,
            warnings: Vec::new(),
            totals,
        },
        skips,
    }
}

/// Plans deleting `leavers` outright ([`Operation::deleting`]: a contact with
/// `Remove-MailContact`, a guest to deleted items), which also takes them out of every group.
/// Someone no longer in `snapshot` is skipped as already gone; the same person chosen twice is
/// planned once.
pub fn offboarding_deleting(leavers: &[Leaver], snapshot: &TenantSnapshot) -> Offboarding {
    let exists = existing_ids(snapshot);
    let mut ops = Vec::new();
    let mut skips = Vec::new();
    let mut seen = HashSet::new();
    for (li, l) in leavers.iter().enumerate() {
        if !seen.insert(l.id.as_str()) {
            continue;
        }
        if !exists.contains(l.id.as_str()) {
            skips.push((li, LeaverSkip::AlreadyGone));
            continue;
        }
        ops.extend(Operation::deleting(l));
    }
    Offboarding {
        plan: Plan::of(Vec::new(), ops),
        skips,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::person::{FieldProblem, PersonField, PersonInput};

    fn addr(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    fn person(email: &str, display: &str) -> Person {
        PersonInput {
            email: email.into(),
            display_name: display.into(),
            ..Default::default()
        }
        .validate()
        .unwrap()
    }

    fn desired(rows: &[(&str, &str)]) -> Vec<Desired> {
        rows.iter()
            .enumerate()
            .map(|(i, (e, n))| Desired {
                row: i as u64 + 2,
                person: Ok(person(e, n)),
            })
            .collect()
    }

    fn group(id: &str, kind: GroupKind, ext: ExternalSenders) -> TargetGroup {
        TargetGroup {
            id: id.into(),
            name: format!("{id} name"),
            mail: (kind != GroupKind::Security).then(|| format!("{id}@contoso.com")),
            kind,
            external_senders: ext,
            dynamic_membership: false,
            on_premises_synced: false,
        }
    }

    fn tenant() -> TenantSnapshot {
        TenantSnapshot {
            contacts: vec![ExistingContact {
                id: "c-anna".into(),
                mail: addr("Anna@Partner.nl"),
                display_name: "Anna".into(),
            }],
            users: vec![
                ExistingUser {
                    id: "g-bob".into(),
                    user_type: UserType::Guest,
                    user_principal_name: "bob_ext.com#EXT#@contoso.onmicrosoft.com".into(),
                    mail: Some(addr("bob@ext.com")),
                    other_mails: vec![],
                    display_name: "Bob".into(),
                },
                ExistingUser {
                    id: "u-carol".into(),
                    user_type: UserType::Member,
                    user_principal_name: "carol@contoso.com".into(),
                    mail: Some(addr("carol@contoso.com")),
                    other_mails: vec![addr("carol.private@home.nl")],
                    display_name: "Carol".into(),
                },
            ],
            members: HashMap::from([("dg".to_string(), HashSet::from(["c-anna".to_string()]))]),
            taken_names: vec!["Dirk".into()],
        }
    }

    fn only(plan: &Plan, row: u64, group: usize) -> &PlanEntry {
        let v: Vec<_> = plan
            .entries
            .iter()
            .filter(|e| e.row == row && e.group == group)
            .collect();
        assert_eq!(v.len(), 1);
        v[0]
    }

    #[test]
    fn distribution_group_routes() {
        let groups = [group(
            "dg",
            GroupKind::Distribution,
            ExternalSenders::Allowed,
        )];
        let rows = desired(&[
            ("anna@partner.nl", "Anna"),    // existing contact, already member
            ("bob@EXT.com", "Bob"),         // existing guest → reuse via Exchange
            ("carol.private@home.nl", "C"), // member user via otherMails
            ("dirk@new.nl", "Dirk"),        // new contact, name "Dirk" taken
        ]);
        let p = plan(&groups, &rows, &tenant(), &PlanOptions::default());
        assert_eq!(
            only(&p, 2, 0).steps,
            vec![
                Step::ReuseContact {
                    id: "c-anna".into()
                },
                Step::Skip(SkipReason::AlreadyMember)
            ]
        );
        assert_eq!(only(&p, 2, 0).outcome(), OutcomeKind::AlreadyMember);
        let bob = only(&p, 3, 0);
        assert_eq!(bob.outcome(), OutcomeKind::ReuseGuest);
        let Step::AddMember(add) = bob.steps[1] else {
            panic!("{:?}", bob.steps)
        };
        match &p.op(add).unwrap().op {
            Operation::AddMember {
                member,
                via,
                group_exchange_identity,
                ..
            } => {
                assert_eq!(*via, MembershipApi::Exchange);
                assert_eq!(group_exchange_identity, "dg@contoso.com");
                assert_eq!(
                    member.exchange_identity,
                    "bob_ext.com#EXT#@contoso.onmicrosoft.com"
                );
                assert_eq!(member.target, MemberTarget::Existing { id: "g-bob".into() });
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(only(&p, 4, 0).outcome(), OutcomeKind::ReuseUser);
        let dirk = only(&p, 5, 0);
        assert_eq!(dirk.outcome(), OutcomeKind::CreateContact);
        let Step::CreateContact(create) = dirk.steps[0] else {
            panic!()
        };
        let Step::AddMember(add) = dirk.steps[1] else {
            panic!()
        };
        assert_eq!(p.op(add).unwrap().depends_on, vec![create]);
        match &p.op(create).unwrap().op {
            Operation::CreateContact {
                name,
                hidden,
                address,
                ..
            } => {
                assert_eq!(name, "Dirk (dirk@new.nl)");
                assert!(*hidden);
                assert_eq!(address.to_string(), "dirk@new.nl");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(p.totals.count(OutcomeKind::AlreadyMember), 1);
        assert_eq!(p.totals.count(OutcomeKind::CreateContact), 1);
        assert_eq!(p.totals.exchange_ops, 4); // 1 create + 3 adds
        assert_eq!(p.totals.graph_ops, 0);
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn microsoft_365_group_routes() {
        let groups = [group(
            "m365",
            GroupKind::Microsoft365,
            ExternalSenders::Allowed,
        )];
        let rows = desired(&[
            ("anna@partner.nl", "Anna"), // only a contact → invite a guest
            ("bob@ext.com", "Bob"),      // guest → reuse
            ("carol@contoso.com", "C"),  // member user → reuse
            ("eve@new.nl", "Eve"),       // nobody → invite
        ]);
        let p = plan(&groups, &rows, &tenant(), &PlanOptions::default());
        assert_eq!(only(&p, 2, 0).outcome(), OutcomeKind::InviteGuest);
        assert_eq!(
            p.warnings,
            vec![GroupWarning::GuestAddressHeldByContact {
                row: 2,
                contact_id: "c-anna".into()
            }]
        );
        assert_eq!(only(&p, 3, 0).outcome(), OutcomeKind::ReuseGuest);
        assert_eq!(only(&p, 4, 0).outcome(), OutcomeKind::ReuseUser);
        let eve = only(&p, 5, 0);
        let Step::InviteGuest(inv) = eve.steps[0] else {
            panic!()
        };
        assert!(matches!(
            &p.op(inv).unwrap().op,
            Operation::InviteGuest {
                send_invitation: false,
                ..
            }
        ));
        assert!(p
            .ops
            .iter()
            .all(|o| !matches!(o.op, Operation::CreateContact { .. })));
        assert!(p.ops.iter().all(|o| o.op.service() == MembershipApi::Graph));

        let no_invites = PlanOptions {
            allow_guest_invites: false,
            ..PlanOptions::default()
        };
        let p = plan(&groups, &rows, &tenant(), &no_invites);
        assert_eq!(
            only(&p, 2, 0).skip_reason(),
            Some(&SkipReason::ContactIntoM365)
        );
        assert_eq!(only(&p, 3, 0).outcome(), OutcomeKind::ReuseGuest);
    }

    #[test]
    fn security_group_adds_contacts_through_graph() {
        let groups = [group(
            "sec",
            GroupKind::Security,
            ExternalSenders::NotApplicable,
        )];
        let rows = desired(&[("anna@partner.nl", "Anna"), ("new@x.nl", "New")]);
        let p = plan(&groups, &rows, &tenant(), &PlanOptions::default());
        assert_eq!(only(&p, 2, 0).outcome(), OutcomeKind::ReuseContact);
        assert_eq!(only(&p, 3, 0).outcome(), OutcomeKind::CreateContact);
        let adds: Vec<_> = p
            .ops
            .iter()
            .filter(|o| matches!(o.op, Operation::AddMember { .. }))
            .collect();
        assert_eq!(adds.len(), 2);
        assert!(adds.iter().all(|o| o.op.service() == MembershipApi::Graph));
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn dynamic_group_is_skipped_with_reason_and_warning() {
        let groups = [group(
            "dyn",
            GroupKind::DynamicDistribution,
            ExternalSenders::Unknown,
        )];
        let p = plan(
            &groups,
            &desired(&[("x@y.nl", "X")]),
            &tenant(),
            &PlanOptions::default(),
        );
        assert_eq!(
            only(&p, 2, 0).skip_reason(),
            Some(&SkipReason::DynamicGroup)
        );
        assert_eq!(only(&p, 2, 0).outcome(), OutcomeKind::NotPossible);
        assert!(p.ops.is_empty());
        assert_eq!(p.warnings, vec![GroupWarning::DynamicGroup { group: 0 }]);
    }

    #[test]
    fn entra_dynamic_and_on_premises_groups_are_skipped() {
        let mut dynamic = group(
            "dynsec",
            GroupKind::Security,
            ExternalSenders::NotApplicable,
        );
        dynamic.dynamic_membership = true;
        let mut synced = group("onprem", GroupKind::Distribution, ExternalSenders::Rejected);
        synced.on_premises_synced = true;
        let p = plan(
            &[dynamic, synced],
            &desired(&[("x@y.nl", "X")]),
            &tenant(),
            &PlanOptions::default(),
        );
        assert_eq!(
            only(&p, 2, 0).skip_reason(),
            Some(&SkipReason::DynamicGroup)
        );
        assert_eq!(
            only(&p, 2, 1).skip_reason(),
            Some(&SkipReason::OnPremisesSynced)
        );
        assert!(
            p.ops.is_empty(),
            "no contact created when no group can take it"
        );
        assert_eq!(
            p.warnings,
            vec![
                GroupWarning::DynamicGroup { group: 0 },
                GroupWarning::OnPremisesSynced { group: 1 }
            ]
        );
    }

    #[test]
    fn one_contact_and_one_guest_per_person_across_groups() {
        let groups = [
            group("dg", GroupKind::Distribution, ExternalSenders::Allowed),
            group(
                "dg2",
                GroupKind::MailEnabledSecurity,
                ExternalSenders::Allowed,
            ),
            group("m365", GroupKind::Microsoft365, ExternalSenders::Allowed),
            group("m365b", GroupKind::Microsoft365, ExternalSenders::Allowed),
        ];
        let p = plan(
            &groups,
            &desired(&[("x@y.nl", "X")]),
            &tenant(),
            &PlanOptions::default(),
        );
        let creates = p
            .ops
            .iter()
            .filter(|o| matches!(o.op, Operation::CreateContact { .. }))
            .count();
        let invites = p
            .ops
            .iter()
            .filter(|o| matches!(o.op, Operation::InviteGuest { .. }))
            .count();
        // One guest, invited once, joins all four groups; no contact for the same address.
        assert_eq!((creates, invites), (0, 1));
        assert_eq!(p.ops.len(), 5);
        for g in 0..4 {
            assert_eq!(only(&p, 2, g).outcome(), OutcomeKind::InviteGuest);
            assert_eq!(only(&p, 2, g).steps[0], only(&p, 2, 0).steps[0]);
        }
        let exchange_adds: Vec<&MemberRef> = p
            .ops
            .iter()
            .filter_map(|o| match &o.op {
                Operation::AddMember {
                    member,
                    via: MembershipApi::Exchange,
                    ..
                } => Some(member),
                _ => None,
            })
            .collect();
        assert_eq!(exchange_adds.len(), 2);
        for m in exchange_adds {
            assert_eq!(m.kind, MemberKind::Guest);
            assert_eq!(m.exchange_identity, "x@y.nl");
        }
    }

    #[test]
    fn a_contact_only_when_no_group_needs_a_guest() {
        let groups = [
            group("dg", GroupKind::Distribution, ExternalSenders::Allowed),
            group("m365", GroupKind::Microsoft365, ExternalSenders::Allowed),
        ];
        // Guest invites off: the M365 group is skipped, the DG gets a contact.
        let no_invites = PlanOptions {
            allow_guest_invites: false,
            ..PlanOptions::default()
        };
        let p = plan(
            &groups,
            &desired(&[("x@y.nl", "X")]),
            &tenant(),
            &no_invites,
        );
        assert_eq!(only(&p, 2, 0).outcome(), OutcomeKind::CreateContact);
        assert_eq!(only(&p, 2, 1).outcome(), OutcomeKind::NotPossible);
        // DG only: a contact, as ever.
        let p = plan(
            &groups[..1],
            &desired(&[("x@y.nl", "X")]),
            &tenant(),
            &PlanOptions::default(),
        );
        assert_eq!(only(&p, 2, 0).outcome(), OutcomeKind::CreateContact);
    }

    #[test]
    fn external_senders_fix_offered_once_per_group() {
        let groups = [
            group("dg", GroupKind::Distribution, ExternalSenders::Rejected),
            group("m365", GroupKind::Microsoft365, ExternalSenders::Rejected),
            group("dg3", GroupKind::Distribution, ExternalSenders::Unknown),
            group("sec", GroupKind::Security, ExternalSenders::NotApplicable),
        ];
        let rows = desired(&[("a@b.nl", "A"), ("c@d.nl", "C"), ("e@f.nl", "E")]);
        let p = plan(&groups, &rows, &tenant(), &PlanOptions::default());
        let fixes: Vec<_> = p.ops.iter().filter(|o| o.optional).collect();
        assert_eq!(fixes.len(), 2);
        assert!(matches!(
            &fixes[0].op,
            Operation::OpenExternalSenders {
                control: ExternalSendersControl::ExchangeRequireSenderAuthentication,
                group_exchange_identity,
                ..
            } if group_exchange_identity == "dg@contoso.com"
        ));
        assert!(matches!(
            &fixes[1].op,
            Operation::OpenExternalSenders {
                control: ExternalSendersControl::GraphAllowExternalSenders,
                ..
            }
        ));
        assert_eq!(
            p.warnings,
            vec![
                GroupWarning::RejectsExternalSenders {
                    group: 0,
                    fix: fixes[0].id
                },
                GroupWarning::RejectsExternalSenders {
                    group: 1,
                    fix: fixes[1].id
                },
                GroupWarning::ExternalSendersUnknown { group: 2 },
            ]
        );
        let declined = p.clone().without_optional(|o| o.id == fixes[1].id);
        assert_eq!(declined.ops.len(), p.ops.len() - 1);
        assert!(declined.op(fixes[0].id).is_none());
        assert!(declined.op(fixes[1].id).is_some());
    }

    #[test]
    fn bulk_runs_leave_out_declined_fixes_and_microsoft_365_openings() {
        let groups = [
            group("dg", GroupKind::Distribution, ExternalSenders::Rejected),
            group("dg2", GroupKind::Distribution, ExternalSenders::Rejected),
            group("m365", GroupKind::Microsoft365, ExternalSenders::Rejected),
        ];
        let p = plan(
            &groups,
            &desired(&[("x@y.nl", "X")]),
            &tenant(),
            &PlanOptions::default(),
        );
        let fixes: Vec<&PlannedOp> = p
            .ops
            .iter()
            .filter(|o| matches!(o.op, Operation::OpenExternalSenders { .. }))
            .collect();
        assert_eq!(fixes.len(), 3);
        assert!(fixes[2].op.opens_microsoft_365_group());
        let declined = [fixes[1].id];
        let kept: Vec<OpId> = p
            .clone()
            .for_bulk_run(&declined)
            .ops
            .iter()
            .map(|o| o.id)
            .collect();
        assert!(kept.contains(&fixes[0].id));
        assert!(!kept.contains(&fixes[1].id));
        assert!(!kept.contains(&fixes[2].id));
        assert_eq!(kept.len(), p.ops.len() - 2);
    }

    #[test]
    fn invalid_and_duplicate_rows_are_skipped_per_group() {
        let groups = [
            group("dg", GroupKind::Distribution, ExternalSenders::Allowed),
            group("m365", GroupKind::Microsoft365, ExternalSenders::Allowed),
        ];
        let problems = vec![FieldError {
            field: PersonField::Email,
            problem: FieldProblem::Missing,
        }];
        let rows = vec![
            Desired {
                row: 2,
                person: Ok(person("x@y.nl", "X")),
            },
            Desired {
                row: 3,
                person: Err(problems.clone()),
            },
            Desired {
                row: 4,
                person: Ok(person("X@Y.NL", "X again")),
            },
        ];
        let p = plan(&groups, &rows, &tenant(), &PlanOptions::default());
        assert_eq!(p.entries.len(), 6);
        assert_eq!(
            only(&p, 3, 1).skip_reason(),
            Some(&SkipReason::Invalid(problems))
        );
        assert_eq!(
            only(&p, 4, 0).skip_reason(),
            Some(&SkipReason::Duplicate { first_row: 2 })
        );
        assert_eq!(p.totals.count(OutcomeKind::Invalid), 2);
        assert_eq!(p.totals.count(OutcomeKind::Duplicate), 2);
        // x: one guest invite (it serves the DG too) and two adds.
        assert_eq!(p.ops.len(), 3);
    }

    #[test]
    fn already_member_through_another_object_counts() {
        // Bob's guest is in the DG; planning a DG add for Bob must not add anything.
        let mut t = tenant();
        t.members
            .insert("dg".into(), HashSet::from(["g-bob".to_string()]));
        let groups = [group(
            "dg",
            GroupKind::Distribution,
            ExternalSenders::Allowed,
        )];
        let p = plan(
            &groups,
            &desired(&[("bob@ext.com", "Bob")]),
            &t,
            &PlanOptions::default(),
        );
        assert_eq!(only(&p, 2, 0).outcome(), OutcomeKind::AlreadyMember);
        assert!(p.ops.is_empty());
    }

    #[test]
    fn user_lookup_prefers_mail_over_other_mails_and_matches_upn() {
        let mut t = tenant();
        t.users.push(ExistingUser {
            id: "u-other".into(),
            user_type: UserType::Member,
            user_principal_name: "other@contoso.com".into(),
            mail: Some(addr("carol.private@home.nl")),
            other_mails: vec![],
            display_name: "Other".into(),
        });
        let groups = [group(
            "m365",
            GroupKind::Microsoft365,
            ExternalSenders::Allowed,
        )];
        let p = plan(
            &groups,
            &desired(&[("carol.private@home.nl", "C"), ("CAROL@contoso.com", "C2")]),
            &t,
            &PlanOptions::default(),
        );
        assert_eq!(
            only(&p, 2, 0).steps[0],
            Step::ReuseUser {
                id: "u-other".into()
            }
        );
        assert_eq!(
            only(&p, 3, 0).steps[0],
            Step::ReuseUser {
                id: "u-carol".into()
            }
        );
    }

    #[test]
    fn deterministic_and_serializable() {
        let groups = [
            group("dg", GroupKind::Distribution, ExternalSenders::Rejected),
            group("m365", GroupKind::Microsoft365, ExternalSenders::Allowed),
        ];
        let rows = desired(&[("a@b.nl", "A"), ("bob@ext.com", "B"), ("c@d.nl", "A")]);
        let a = plan(&groups, &rows, &tenant(), &PlanOptions::default());
        let b = plan(&groups, &rows, &tenant(), &PlanOptions::default());
        assert_eq!(a, b);
        let json = serde_json::to_string(&a).unwrap();
        let back: Plan = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
        // two people with the same display name get distinct contact names (DG only: with the
        // Microsoft 365 group, new people become guests instead)
        let dg_only = plan(&groups[..1], &rows, &tenant(), &PlanOptions::default());
        let names: Vec<&str> = dg_only
            .ops
            .iter()
            .filter_map(|o| match &o.op {
                Operation::CreateContact { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(names, vec!["A", "A (c@d.nl)"]);
    }

    #[test]
    fn existing_contact_display_names_count_as_taken() {
        let groups = [group(
            "dg",
            GroupKind::Distribution,
            ExternalSenders::Allowed,
        )];
        // "Anna" is the display name of the existing contact c-anna.
        let p = plan(
            &groups,
            &desired(&[("anna2@x.nl", "Anna")]),
            &tenant(),
            &PlanOptions::default(),
        );
        assert!(matches!(
            &p.ops[0].op,
            Operation::CreateContact { name, .. } if name == "Anna (anna2@x.nl)"
        ));
    }

    fn leaver(id: &str, kind: MemberKind, address: &str, identity: &str) -> Leaver {
        Leaver {
            id: id.into(),
            name: id.into(),
            kind,
            address: addr(address),
            exchange_identity: identity.into(),
        }
    }

    #[test]
    fn an_end_date_is_set_on_each_object_the_person_joins_with_after_it_is_made() {
        let groups = [
            group("dg", GroupKind::Distribution, ExternalSenders::Allowed),
            group("m365", GroupKind::Microsoft365, ExternalSenders::Allowed),
        ];
        let dated = |email: &str| Desired {
            row: 2,
            person: PersonInput {
                email: email.into(),
                access_until: "2027-03-31".into(),
                ..Default::default()
            }
            .validate(),
        };
        // A new person: one guest for both groups, dated once the invitation has made it.
        let p = plan(
            &groups,
            &[dated("new@x.example")],
            &TenantSnapshot::default(),
            &PlanOptions::default(),
        );
        let sets: Vec<&PlannedOp> = p
            .ops
            .iter()
            .filter(|o| matches!(o.op, Operation::SetAccessUntil { .. }))
            .collect();
        assert_eq!(sets.len(), 1);
        let invite = p
            .ops
            .iter()
            .find(|o| matches!(o.op, Operation::InviteGuest { .. }))
            .unwrap();
        assert_eq!(sets[0].depends_on, [invite.id]);
        match &sets[0].op {
            Operation::SetAccessUntil {
                person,
                kind,
                attribute,
                until,
            } => {
                assert!(person.id.is_empty());
                assert_eq!(*kind, MemberKind::Guest);
                assert_eq!(*attribute, 15);
                assert_eq!(until.as_deref(), Some("2027-03-31"));
            }
            _ => unreachable!(),
        }
        // An existing contact into the distribution group: its own id, nothing to wait for.
        let p = plan(
            &groups[..1],
            &[dated("Anna@Partner.nl")],
            &tenant(),
            &PlanOptions {
                access_until_attribute: 7,
                ..PlanOptions::default()
            },
        );
        let set = p
            .ops
            .iter()
            .find(|o| matches!(o.op, Operation::SetAccessUntil { .. }))
            .expect("dated");
        assert!(set.depends_on.is_empty());
        assert!(matches!(
            &set.op,
            Operation::SetAccessUntil { person, kind: MemberKind::MailContact, attribute: 7, .. }
                if person.id == "c-anna"
        ));
        // Without a date, nothing is written.
        let p = plan(
            &groups,
            &desired(&[("new@x.example", "New")]),
            &TenantSnapshot::default(),
            &PlanOptions::default(),
        );
        assert!(!p
            .ops
            .iter()
            .any(|o| matches!(o.op, Operation::SetAccessUntil { .. })));
    }

    #[test]
    fn offboarding_removes_each_membership_through_its_service_and_skips_what_is_gone() {
        let mut groups = vec![
            group("dg", GroupKind::Distribution, ExternalSenders::Allowed),
            group("m365", GroupKind::Microsoft365, ExternalSenders::Allowed),
            group("sec", GroupKind::Security, ExternalSenders::Allowed),
            group(
                "synced",
                GroupKind::MailEnabledSecurity,
                ExternalSenders::Allowed,
            ),
        ];
        groups[3].on_premises_synced = true;
        let mut snap = tenant();
        snap.members = HashMap::from([
            (
                "dg".to_string(),
                HashSet::from(["c-anna".to_string(), "g-bob".to_string()]),
            ),
            ("m365".to_string(), HashSet::from(["g-bob".to_string()])),
            ("sec".to_string(), HashSet::from(["g-bob".to_string()])),
            ("synced".to_string(), HashSet::from(["g-bob".to_string()])),
        ]);
        let bob = leaver(
            "g-bob",
            MemberKind::Guest,
            "bob@ext.com",
            "bob_ext.com#EXT#@contoso.onmicrosoft.com",
        );
        let leavers = vec![
            bob.clone(),
            leaver(
                "c-anna",
                MemberKind::MailContact,
                "Anna@Partner.nl",
                "Anna@Partner.nl",
            ),
            leaver(
                "c-gone",
                MemberKind::MailContact,
                "gone@x.example",
                "gone@x.example",
            ),
            bob,
        ];
        let o = offboarding(&leavers, &groups, &snap);
        let ops: Vec<(&str, &str, MembershipApi)> = o
            .plan
            .ops
            .iter()
            .map(|p| match &p.op {
                Operation::RemoveMember {
                    group_id,
                    member,
                    via,
                    ..
                } => (group_id.as_str(), member.exchange_identity.as_str(), *via),
                other => panic!("not a removal: {other:?}"),
            })
            .collect();
        assert_eq!(
            ops,
            [
                (
                    "dg",
                    "bob_ext.com#EXT#@contoso.onmicrosoft.com",
                    MembershipApi::Exchange
                ),
                (
                    "m365",
                    "bob_ext.com#EXT#@contoso.onmicrosoft.com",
                    MembershipApi::Graph
                ),
                (
                    "sec",
                    "bob_ext.com#EXT#@contoso.onmicrosoft.com",
                    MembershipApi::Graph
                ),
                ("dg", "Anna@Partner.nl", MembershipApi::Exchange),
            ]
        );
        assert_eq!(
            (o.plan.totals.exchange_ops, o.plan.totals.graph_ops),
            (2, 2)
        );
        assert!(o
            .plan
            .ops
            .iter()
            .enumerate()
            .all(|(i, p)| p.id == OpId(i as u32)));
        assert_eq!(
            o.skips,
            [
                (0, LeaverSkip::NotChangeable { group: 3 }),
                (1, LeaverSkip::AlreadyOut { group: 1 }),
                (1, LeaverSkip::AlreadyOut { group: 2 }),
                (1, LeaverSkip::AlreadyOut { group: 3 }),
                (2, LeaverSkip::AlreadyGone),
            ]
        );
        // Made again once the removals are done: nothing left to do.
        for m in snap.members.values_mut() {
            m.remove("c-anna");
            m.remove("g-bob");
        }
        let again = offboarding(&leavers, &groups[..3], &snap);
        assert!(again.plan.ops.is_empty());
        assert_eq!(
            again
                .skips
                .iter()
                .filter(|(_, s)| *s == LeaverSkip::AlreadyGone)
                .count(),
            1
        );
        // The Exchange steps as an idempotent script: remove, "not a member" is done.
        let script = crate::domain::powershell::exchange_script(&o.plan, None).unwrap();
        assert_eq!(
            script.matches("Remove-DistributionGroupMember").count(),
            2,
            "{script}"
        );
        assert!(script.contains("MemberNotFoundException"), "{script}");
        assert!(
            !script.contains("m365@contoso.com"),
            "Graph steps are not in the script"
        );
    }

    #[test]
    fn a_delivery_fix_becomes_ops_that_wait_for_the_new_contact() {
        use crate::domain::delivery::{DeliveryChange, SenderList};
        use crate::domain::powershell::exchange_script;
        let g = group(
            "vendors",
            GroupKind::Distribution,
            ExternalSenders::Rejected,
        );
        let changes = vec![
            DeliveryChange::CreateContact {
                address: "jan@partner.example".into(),
            },
            DeliveryChange::OpenToExternalSenders {
                group: "vendors@contoso.com".into(),
                control: ExternalSendersControl::ExchangeRequireSenderAuthentication,
            },
            DeliveryChange::EditList {
                group: "vendors@contoso.com".into(),
                kind: GroupKind::Distribution,
                list: SenderList::AcceptMessagesOnlyFrom,
                entry: "jan@partner.example".into(),
                add: true,
            },
        ];
        let p = Plan::fixing(&g, &changes).expect("a plan");
        assert_eq!(p.ops.len(), 3);
        assert!(matches!(
            &p.ops[0].op,
            Operation::CreateContact { hidden: true, address, .. } if address.to_string() == "jan@partner.example"
        ));
        assert!(p.ops[0].depends_on.is_empty());
        assert_eq!(p.ops[1].depends_on, vec![OpId(0)]);
        assert_eq!(p.ops[2].depends_on, vec![OpId(0)]);
        assert_eq!(p.ops[2].op.sender_list_change().as_ref(), changes.get(2));
        assert_eq!(p.totals.exchange_ops, 3);
        assert!(p.ops.iter().all(|o| !o.optional));
        // The script carries every Exchange step, the list change looking first.
        let script = exchange_script(&p, None).unwrap();
        assert!(
            script.contains("New-MailContact -Name 'jan@partner.example'"),
            "{script}"
        );
        assert!(
            script.contains("-RequireSenderAuthenticationEnabled $false"),
            "{script}"
        );
        assert!(
            script.contains("-AcceptMessagesOnlyFrom @{Add='jan@partner.example'}"),
            "{script}"
        );
        assert!(script.contains("$Total = 4"), "{script}");
        // Nothing to change, or a group Guestlist can't change: no plan.
        assert!(Plan::fixing(&g, &[]).is_none());
        let mut synced = g.clone();
        synced.on_premises_synced = true;
        assert!(Plan::fixing(&synced, &changes).is_none());
        let dynamic = group(
            "all",
            GroupKind::DynamicDistribution,
            ExternalSenders::Allowed,
        );
        assert!(Plan::fixing(&dynamic, &changes).is_none());
    }

    #[test]
    fn a_group_with_an_allowed_senders_list_offers_to_list_the_new_members() {
        let dl = group("dl", GroupKind::Distribution, ExternalSenders::Allowed);
        let rows = desired(&[
            ("new@partner.nl", "New"),
            ("anna@partner.nl", "Anna"),
            ("listed@partner.nl", "Listed"),
        ]);
        let p = plan(
            std::slice::from_ref(&dl),
            &rows,
            &tenant(),
            &PlanOptions::default(),
        );
        let mut settings = DeliverySettings::open(
            RecipientRef::new("dl name", &["dl"]),
            GroupKind::Distribution,
        );
        // No list: nothing to say.
        assert_eq!(p.clone().allowing_senders(0, &settings, &[]), p);
        settings.accept_messages_only_from =
            vec!["Chris Preston".into(), "LISTED@partner.nl".into()];
        let exchange_ops = p.totals.exchange_ops;
        let listed = p.clone().allowing_senders(0, &settings, &[]);
        let Some(GroupWarning::NotOnAllowedSenders { group: 0, fixes }) = listed.warnings.last()
        else {
            panic!("{:?}", listed.warnings)
        };
        // The new contact and the existing one; the listed person is already on it.
        assert_eq!(fixes.len(), 2);
        assert_eq!(listed.totals.exchange_ops, exchange_ops + 2);
        let mut entries = Vec::new();
        for f in fixes {
            let o = listed.op(*f).expect("the fix is in the plan");
            assert!(o.optional);
            // After the person is added to the group (their contact exists by then).
            let [add] = o.depends_on[..] else {
                panic!("{o:?}")
            };
            assert!(matches!(
                listed.op(add).map(|a| &a.op),
                Some(Operation::AddMember { .. })
            ));
            match &o.op {
                Operation::EditSenderList {
                    list: SenderList::AcceptMessagesOnlyFrom,
                    add: true,
                    entry,
                    group_id,
                    ..
                } if group_id == "dl" => entries.push(entry.to_lowercase()),
                other => panic!("{other:?}"),
            }
        }
        entries.sort();
        assert_eq!(entries, ["anna@partner.nl", "new@partner.nl"]);
        assert!(p.adds_existing_to(0), "Anna's contact exists");
        // Anna's contact listed by its Name, which is neither her address nor her display name:
        // Exchange resolves the entry to her contact, so no offer for her.
        settings
            .accept_messages_only_from
            .push("Anna van Dijk".into());
        let anna = RecipientRef::new(
            "Anna (Partner)",
            &["Anna van Dijk", "annavandijk", "anna@partner.nl", "c-anna"],
        );
        let chris = RecipientRef::new("Chris", &["Chris Preston", "chris@northwind.example"]);
        let by_name = p
            .clone()
            .allowing_senders(0, &settings, &[chris.clone(), anna.clone()]);
        let Some(GroupWarning::NotOnAllowedSenders { fixes, .. }) = by_name.warnings.last() else {
            panic!("{:?}", by_name.warnings)
        };
        assert_eq!(fixes.len(), 1, "only the new contact");
        // A resolved recipient counts only if the list names it: Anna resolved, but not listed.
        settings.accept_messages_only_from.pop();
        let unlisted = p.clone().allowing_senders(0, &settings, &[anna]);
        let Some(GroupWarning::NotOnAllowedSenders { fixes, .. }) = unlisted.warnings.last() else {
            panic!("{:?}", unlisted.warnings)
        };
        assert_eq!(fixes.len(), 2);
        // Declined, the plan is what it was.
        let declined = listed.clone().without_optional(|_| false);
        assert_eq!(declined.ops.len(), p.ops.len());
        // A group Guestlist can't change gets no offer.
        settings.mastered = crate::domain::delivery::Mastered::OnPremises;
        assert_eq!(p.clone().allowing_senders(0, &settings, &[]), p);
    }

    #[test]
    fn opening_is_offered_only_where_guestlist_can_change_the_setting() {
        let dl = group("dl", GroupKind::Distribution, ExternalSenders::Rejected);
        assert_eq!(Plan::opening(&dl).map(|p| p.ops.len()), Some(1));
        let mut synced = dl.clone();
        synced.on_premises_synced = true;
        assert!(Plan::opening(&synced).is_none());
        let dynamic = group(
            "all",
            GroupKind::DynamicDistribution,
            ExternalSenders::Rejected,
        );
        assert!(Plan::opening(&dynamic).is_none());
        let security = group("sec", GroupKind::Security, ExternalSenders::NotApplicable);
        assert!(Plan::opening(&security).is_none());
    }
}

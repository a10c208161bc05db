//! "Why can't they mail the group?": a group's delivery settings, evaluated for one sender, in the
//! order Exchange Online applies them, with the finding and the fix for each setting that stops
//! the mail.
//!
//! Pure: the caller reads the settings (Exchange `Get-DistributionGroup` / `Get-UnifiedGroup`,
//! Graph `allowExternalSenders`) and what the directory holds for the sender (a mail contact, a
//! guest or a mailbox for the address; the groups it is a member of) and hands them in.
//!
//! ## The settings (Set-DistributionGroup / Set-UnifiedGroup parameters)
//! <https://learn.microsoft.com/powershell/module/exchangepowershell/set-distributiongroup>,
//! <https://learn.microsoft.com/powershell/module/exchangepowershell/set-unifiedgroup>:
//! - `RequireSenderAuthenticationEnabled` `$true`: senders from outside the organisation are
//!   rejected. A Microsoft 365 group's Graph `allowExternalSenders` is the same switch seen from
//!   Graph.
//! - `AcceptMessagesOnlyFrom` (senders), `AcceptMessagesOnlyFromDLMembers` (groups: every member),
//!   `AcceptMessagesOnlyFromSendersOrMembers` (the union of both, kept in sync by Exchange): when
//!   any is non-empty, only those may send; "By default, this parameter is blank ($null), which
//!   allows this recipient to accept messages from all senders." Entries are recipients of the
//!   organisation (mailboxes, mail users, mail contacts, groups), so an external sender needs a
//!   mail contact (or a mail user / guest) to be listed (5.7.124 and 5.7.133 pages: "To add an
//!   external sender to a group's allowed senders list, you must first create a mail contact or a
//!   mail user").
//! - `RejectMessagesFrom`, `RejectMessagesFromDLMembers`, `RejectMessagesFromSendersOrMembers`:
//!   "who isn't allowed to send messages to this recipient. Messages from these senders are
//!   rejected."
//! - `ModerationEnabled`: "Messages sent to this recipient must be approved by a moderator before
//!   the messages are delivered." `ModeratedBy` names the moderators; for distribution groups an
//!   empty `ModeratedBy` makes the owners (`ManagedBy`) the moderators. A moderator's own message
//!   isn't moderated; `BypassModerationFromSendersOrMembers` (senders or groups) skip moderation.
//! - `ReportToOriginatorEnabled` / `ReportToManagerEnabled`: where delivery reports go; both off
//!   leaves no return path for delivery reports.
//!
//! ## The order
//! [`evaluate`] decides the outcome by the first of these that stops the message, and reports a
//! [`Finding`] for every one that would (so that opening the group to external senders doesn't
//! merely uncover the next bounce):
//! 1. sender authentication (5.7.133): Microsoft's 5.7.133 page puts the allowed-senders list
//!    *behind* the switch (its method 2 still selects "Allow messages from people inside and
//!    outside my organization" before naming senders), so it is checked first;
//! 2. the blocked-senders lists (5.7.1 "Delivery not authorized");
//! 3. the allowed-senders lists (5.7.124);
//! 4. moderation (held for a moderator): only a message that is accepted is sent for approval.
//!
//! Microsoft does not document which of a reject list and an accept list wins when a sender is on
//! both; a blocked sender bouncing is what the reject list's text ("Messages from these senders
//! are rejected") says without exception, so the reject lists come before the accept lists.
//!
//! NDR codes (the enhanced status codes Exchange Online puts in the bounce):
//! <https://learn.microsoft.com/troubleshoot/exchange/email-delivery/ndr/non-delivery-reports-in-exchange-online>.

use std::collections::{HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use super::group::{ExternalSenders, ExternalSendersControl, GroupKind};

/// A reference to a recipient: every string that names it (Name, Alias, addresses, object ids).
/// Exchange lists name their entries by any of these, compared ASCII case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientRef {
    /// What the UI shows (display name or address).
    pub display: String,
    /// Every identity of the recipient.
    pub identities: Vec<String>,
}

impl RecipientRef {
    pub fn new(display: impl Into<String>, identities: &[&str]) -> Self {
        RecipientRef {
            display: display.into(),
            identities: identities.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Whether a list entry names this recipient (an `SMTP:` prefix is ignored).
    pub fn is_named_by(&self, entry: &str) -> bool {
        let e = strip_smtp(entry.trim());
        !e.is_empty() && self.identities.iter().any(|i| i.eq_ignore_ascii_case(e))
    }

    /// The entry of `list` naming this recipient, if any.
    fn entry_in<'a>(&self, list: &'a [String]) -> Option<&'a String> {
        list.iter().find(|e| self.is_named_by(e))
    }
}

/// An address without its `SMTP:` / `smtp:` proxy prefix.
pub fn strip_smtp(s: &str) -> &str {
    if s.len() > 5 && s[..5].eq_ignore_ascii_case("smtp:") {
        &s[5..]
    } else {
        s
    }
}

/// Where a group's settings are mastered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Mastered {
    /// Exchange Online: the settings can be changed here.
    #[default]
    Cloud,
    /// Synced from on-premises Active Directory (`IsDirSynced`): Exchange Online refuses changes;
    /// they are made on-premises.
    OnPremises,
}

/// A group's delivery settings, as Exchange (and for Microsoft 365 groups Graph) reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverySettings {
    /// The group itself (its identities), for "add the group itself to its allowed senders".
    pub group: RecipientRef,
    pub kind: GroupKind,
    pub mastered: Mastered,
    /// `RequireSenderAuthenticationEnabled` (and for Microsoft 365 groups `allowExternalSenders`).
    pub external_senders: ExternalSenders,
    pub accept_messages_only_from: Vec<String>,
    pub accept_messages_only_from_dl_members: Vec<String>,
    pub accept_messages_only_from_senders_or_members: Vec<String>,
    pub reject_messages_from: Vec<String>,
    pub reject_messages_from_dl_members: Vec<String>,
    pub reject_messages_from_senders_or_members: Vec<String>,
    pub moderation_enabled: bool,
    pub moderated_by: Vec<String>,
    /// `ManagedBy`: the moderators of a moderated distribution group without `ModeratedBy`.
    pub managed_by: Vec<String>,
    pub bypass_moderation_from_senders_or_members: Vec<String>,
    /// `ReportToOriginatorEnabled`; Microsoft 365 groups don't have it (`None`).
    pub report_to_originator_enabled: Option<bool>,
    /// `ReportToManagerEnabled`; Microsoft 365 groups don't have it (`None`).
    pub report_to_manager_enabled: Option<bool>,
}

impl DeliverySettings {
    /// A group of `kind` with Exchange's defaults for a group nobody restricted:
    /// open to external senders, no lists, no moderation, delivery reports to the originator.
    pub fn open(group: RecipientRef, kind: GroupKind) -> Self {
        let exchange = kind != GroupKind::Microsoft365;
        DeliverySettings {
            group,
            kind,
            mastered: Mastered::Cloud,
            external_senders: ExternalSenders::Allowed,
            accept_messages_only_from: Vec::new(),
            accept_messages_only_from_dl_members: Vec::new(),
            accept_messages_only_from_senders_or_members: Vec::new(),
            reject_messages_from: Vec::new(),
            reject_messages_from_dl_members: Vec::new(),
            reject_messages_from_senders_or_members: Vec::new(),
            moderation_enabled: false,
            moderated_by: Vec::new(),
            managed_by: Vec::new(),
            bypass_moderation_from_senders_or_members: Vec::new(),
            report_to_originator_enabled: exchange.then_some(true),
            report_to_manager_enabled: exchange.then_some(false),
        }
    }

    /// Whether an allowed-senders list is in force.
    pub fn has_allowed_senders_list(&self) -> bool {
        !(self.accept_messages_only_from.is_empty()
            && self.accept_messages_only_from_dl_members.is_empty()
            && self.accept_messages_only_from_senders_or_members.is_empty())
    }

    /// The entries of the allowed-senders lists that can name a sender (`AcceptMessagesOnlyFrom`
    /// and `AcceptMessagesOnlyFromSendersOrMembers`), each once. Exchange shows each entry as the
    /// recipient's Name (the lists hold recipients, `MultiValuedProperty<ADObjectId>`), and a
    /// Name needn't be an address or the display name: [`DeliverySettings::lists_as_allowed`]
    /// takes the recipients they resolve to.
    pub fn allowed_sender_entries(&self) -> Vec<&String> {
        let mut seen = HashSet::new();
        self.accept_messages_only_from
            .iter()
            .chain(&self.accept_messages_only_from_senders_or_members)
            .filter(|e| seen.insert(e.trim().to_ascii_lowercase()))
            .collect()
    }

    /// Whether the allowed-senders lists name `sender` itself: an entry is one of its identities
    /// (an address, an object id, its Name), or `resolved` — the recipients the entries name, as
    /// Exchange resolves them (`Get-Recipient`: "any value that uniquely identifies the
    /// recipient", Set-DistributionGroup's page) — holds one that is `sender`.
    pub fn lists_as_allowed(&self, sender: &RecipientRef, resolved: &[RecipientRef]) -> bool {
        let entries: Vec<String> = self.allowed_sender_entries().into_iter().cloned().collect();
        sender.entry_in(&entries).is_some()
            || resolved
                .iter()
                .any(|r| r.entry_in(&entries).is_some() && same_recipient(r, sender))
    }

    /// Where the "accept mail from outside" switch is changed.
    pub fn external_senders_control(&self) -> ExternalSendersControl {
        if self.kind == GroupKind::Microsoft365 {
            ExternalSendersControl::GraphAllowExternalSenders
        } else {
            ExternalSendersControl::ExchangeRequireSenderAuthentication
        }
    }

    /// Why Guestlist can't change this group's settings, if it can't.
    pub fn no_fix_reason(&self) -> Option<NoFixReason> {
        if self.mastered == Mastered::OnPremises {
            Some(NoFixReason::MasteredOnPremises)
        } else if self.kind == GroupKind::DynamicDistribution {
            Some(NoFixReason::RuleBasedMembership)
        } else {
            None
        }
    }
}

/// What the directory holds for the sender's address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SenderRecipient {
    /// Nothing: an external sender no list can name until a contact exists.
    None,
    /// A mail contact.
    Contact(RecipientRef),
    /// A guest (a mail user in Exchange). A contact for the same address can't be made: the
    /// guest holds it as a proxy address.
    Guest(RecipientRef),
    /// A mailbox of the organisation (an internal sender).
    Mailbox(RecipientRef),
}

impl SenderRecipient {
    pub fn recipient(&self) -> Option<&RecipientRef> {
        match self {
            SenderRecipient::None => None,
            SenderRecipient::Contact(r)
            | SenderRecipient::Guest(r)
            | SenderRecipient::Mailbox(r) => Some(r),
        }
    }
}

/// Who sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    pub address: String,
    /// Mail from outside the organisation reaches Exchange Online unauthenticated; a guest's or a
    /// contact's mail is still external.
    pub external: bool,
    pub recipient: SenderRecipient,
    /// The groups the sender's recipient is a member of, directly or through nested groups (see
    /// [`member_of`]); empty when there is no recipient.
    pub member_of: Vec<RecipientRef>,
}

impl Sender {
    /// "Any external sender": an address with nothing in the directory.
    pub fn any_external(address: impl Into<String>) -> Self {
        Sender {
            address: address.into(),
            external: true,
            recipient: SenderRecipient::None,
            member_of: Vec::new(),
        }
    }

    /// The entry of `list` naming the sender itself.
    fn named_in<'a>(&self, list: &'a [String]) -> Option<&'a String> {
        self.recipient.recipient().and_then(|r| r.entry_in(list))
    }

    /// The entry of `list` naming a group the sender is a member of.
    fn group_in<'a>(&self, list: &'a [String]) -> Option<&'a String> {
        self.member_of.iter().find_map(|g| g.entry_in(list))
    }

    /// Whether a new mail contact must be made before the sender can be listed.
    fn needs_contact(&self) -> bool {
        self.recipient.recipient().is_none()
    }
}

/// A non-delivery report's enhanced status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NdrCode {
    /// 5.7.133 "Sender not authenticated for group": "The recipient address is a group
    /// distribution list that is set up to reject messages sent from outside its organization."
    /// <https://learn.microsoft.com/troubleshoot/exchange/email-delivery/ndr/fix-error-code-5-7-133-in-exchange-online>
    SenderNotAuthenticated,
    /// 5.7.124 "Sender not in allowed-senders list": "the sender isn't in the group's
    /// allowed-senders list" (directly or as a member of a group).
    /// <https://learn.microsoft.com/troubleshoot/exchange/email-delivery/ndr/fix-error-code-5-7-124-in-exchange-online>
    NotInAllowedSenders,
    /// 5.7.1 "Delivery not authorized": "The sender of the message isn't allowed to send messages
    /// to the recipient." (the NDR table's entry for a blocked sender).
    /// <https://learn.microsoft.com/troubleshoot/exchange/email-delivery/ndr/fix-error-code-550-5-7-1-in-exchange-online>
    DeliveryNotAuthorized,
}

impl NdrCode {
    pub fn as_str(self) -> &'static str {
        match self {
            NdrCode::SenderNotAuthenticated => "5.7.133",
            NdrCode::NotInAllowedSenders => "5.7.124",
            NdrCode::DeliveryNotAuthorized => "5.7.1",
        }
    }

    /// Microsoft's page for the code.
    pub fn page(self) -> &'static str {
        match self {
            NdrCode::SenderNotAuthenticated => "https://learn.microsoft.com/troubleshoot/exchange/email-delivery/ndr/fix-error-code-5-7-133-in-exchange-online",
            NdrCode::NotInAllowedSenders => "https://learn.microsoft.com/troubleshoot/exchange/email-delivery/ndr/fix-error-code-5-7-124-in-exchange-online",
            NdrCode::DeliveryNotAuthorized => "https://learn.microsoft.com/troubleshoot/exchange/email-delivery/ndr/fix-error-code-550-5-7-1-in-exchange-online",
        }
    }
}

/// What happens to the sender's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Delivered,
    /// Waits for one of `moderators` to approve it.
    Held {
        moderators: Vec<String>,
    },
    Rejected {
        code: NdrCode,
    },
}

/// A blocked-senders list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BlockList {
    RejectMessagesFrom,
    RejectMessagesFromDLMembers,
    RejectMessagesFromSendersOrMembers,
}

impl BlockList {
    pub fn parameter(self) -> &'static str {
        match self {
            BlockList::RejectMessagesFrom => "RejectMessagesFrom",
            BlockList::RejectMessagesFromDLMembers => "RejectMessagesFromDLMembers",
            BlockList::RejectMessagesFromSendersOrMembers => "RejectMessagesFromSendersOrMembers",
        }
    }
}

/// The setting that stops (or holds) the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Restriction {
    /// RequireSenderAuthenticationEnabled / allowExternalSenders false.
    SenderAuthentication,
    /// The sender (`via_group: None`) or a group it's in is on a blocked list as `entry`.
    Blocked {
        list: BlockList,
        entry: String,
        via_group: bool,
    },
    /// An allowed-senders list is set and names neither the sender nor a group it's in.
    NotAllowed,
    /// Moderated, and the sender is neither a moderator nor on the bypass list.
    Moderated { moderators: Vec<String> },
}

impl Restriction {
    /// What the sender gets for this restriction alone.
    pub fn outcome(&self) -> Outcome {
        match self {
            Restriction::SenderAuthentication => Outcome::Rejected {
                code: NdrCode::SenderNotAuthenticated,
            },
            Restriction::Blocked { .. } => Outcome::Rejected {
                code: NdrCode::DeliveryNotAuthorized,
            },
            Restriction::NotAllowed => Outcome::Rejected {
                code: NdrCode::NotInAllowedSenders,
            },
            Restriction::Moderated { moderators } => Outcome::Held {
                moderators: moderators.clone(),
            },
        }
    }
}

/// Why there is no fix Guestlist can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NoFixReason {
    /// A dynamic distribution group: membership comes from a recipient filter.
    RuleBasedMembership,
    /// Synced from on-premises (`IsDirSynced`): change it in on-premises Active Directory /
    /// Exchange; Exchange Online refuses.
    MasteredOnPremises,
}

/// A change that resolves a finding. Multi-valued parameters change with `Add` / `Remove`
/// (the `@{Add=…}` syntax of the Set-DistributionGroup page; on the admin API the
/// `#Exchange.GenericHashTable` object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fix {
    /// `Set-DistributionGroup -RequireSenderAuthenticationEnabled $false`, or for a Microsoft 365
    /// group `PATCH /groups/{id}` `{"allowExternalSenders": true}`.
    OpenToExternalSenders { control: ExternalSendersControl },
    /// `-AcceptMessagesOnlyFrom @{Add=<sender>}` (AcceptMessagesOnlyFromSendersOrMembers takes
    /// no Add/Remove: "use the AcceptMessagesOnlyFrom and AcceptMessagesOnlyFromDLMembers
    /// parameters"), creating the person's mail contact first when nothing in the directory
    /// carries the address.
    AllowSender { create_contact: bool },
    /// `-AcceptMessagesOnlyFromDLMembers @{Add=<the group itself>}`: every member may send
    /// (offered when the sender is a member).
    AllowGroupMembers,
    /// `-BypassModerationFromSendersOrMembers @{Add=<sender>}`, the contact created first where
    /// needed.
    BypassModeration { create_contact: bool },
    /// `-RejectMessagesFrom @{Remove=<entry>}` or `-RejectMessagesFromDLMembers @{Remove=<entry>}`
    /// (the SendersOrMembers list follows them).
    Unblock { parameter: BlockList, entry: String },
    /// Nothing Guestlist can change.
    None { reason: NoFixReason },
}

/// One setting that stops or holds the message, and the fixes that would resolve it (any one of
/// them is enough).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub restriction: Restriction,
    pub fixes: Vec<Fix>,
}

/// The answer to "can they send to the group?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendCheck {
    pub outcome: Outcome,
    /// Every restriction that applies, in the order Exchange evaluates them; the first decides
    /// [`SendCheck::outcome`].
    pub findings: Vec<Finding>,
    /// The group's "accept mail from outside" switch wasn't read (script mode): the outcome
    /// assumes it lets the sender through.
    pub external_senders_unknown: bool,
}

/// Every setting of `settings` that stops `sender`'s message, in the order Exchange applies them.
pub fn restrictions(settings: &DeliverySettings, sender: &Sender) -> Vec<Restriction> {
    let mut restrictions = Vec::new();

    // 1. Sender authentication (5.7.133).
    if sender.external && settings.external_senders == ExternalSenders::Rejected {
        restrictions.push(Restriction::SenderAuthentication);
    }

    // 2. Blocked senders (5.7.1): the sender itself, then the groups it's in.
    let blocked = [
        (
            BlockList::RejectMessagesFrom,
            &settings.reject_messages_from,
        ),
        (
            BlockList::RejectMessagesFromSendersOrMembers,
            &settings.reject_messages_from_senders_or_members,
        ),
    ]
    .into_iter()
    .find_map(|(list, entries)| {
        sender.named_in(entries).map(|e| Restriction::Blocked {
            list,
            entry: e.clone(),
            via_group: false,
        })
    })
    .or_else(|| {
        [
            (
                BlockList::RejectMessagesFromDLMembers,
                &settings.reject_messages_from_dl_members,
            ),
            (
                BlockList::RejectMessagesFromSendersOrMembers,
                &settings.reject_messages_from_senders_or_members,
            ),
        ]
        .into_iter()
        .find_map(|(list, entries)| {
            sender.group_in(entries).map(|e| Restriction::Blocked {
                list,
                entry: e.clone(),
                via_group: true,
            })
        })
    });
    restrictions.extend(blocked);

    // 3. Allowed senders (5.7.124).
    if settings.has_allowed_senders_list() {
        let allowed = sender
            .named_in(&settings.accept_messages_only_from)
            .or_else(|| sender.named_in(&settings.accept_messages_only_from_senders_or_members))
            .or_else(|| sender.group_in(&settings.accept_messages_only_from_dl_members))
            .or_else(|| sender.group_in(&settings.accept_messages_only_from_senders_or_members))
            .is_some();
        if !allowed {
            restrictions.push(Restriction::NotAllowed);
        }
    }

    // 4. Moderation (held).
    if settings.moderation_enabled {
        let moderators = if settings.moderated_by.is_empty() {
            &settings.managed_by
        } else {
            &settings.moderated_by
        };
        let exempt = sender.named_in(moderators).is_some()
            || sender
                .named_in(&settings.bypass_moderation_from_senders_or_members)
                .is_some()
            || sender
                .group_in(&settings.bypass_moderation_from_senders_or_members)
                .is_some();
        if !exempt {
            restrictions.push(Restriction::Moderated {
                moderators: moderators.clone(),
            });
        }
    }

    restrictions
}

/// What `sender` gets: the outcome of the first restriction, or delivered. (The finder's badge
/// needs only this, not the findings and their fixes.)
pub fn outcome(settings: &DeliverySettings, sender: &Sender) -> Outcome {
    restrictions(settings, sender)
        .first()
        .map(Restriction::outcome)
        .unwrap_or(Outcome::Delivered)
}

/// Evaluates `settings` for `sender`: the outcome and a finding, with its fixes, for every
/// restriction.
pub fn evaluate(settings: &DeliverySettings, sender: &Sender) -> SendCheck {
    let restrictions = restrictions(settings, sender);
    let outcome = restrictions
        .first()
        .map(Restriction::outcome)
        .unwrap_or(Outcome::Delivered);
    let findings = restrictions
        .into_iter()
        .map(|r| Finding {
            fixes: fixes_for(settings, sender, &r),
            restriction: r,
        })
        .collect();
    SendCheck {
        outcome,
        findings,
        external_senders_unknown: sender.external
            && settings.external_senders == ExternalSenders::Unknown,
    }
}

fn fixes_for(settings: &DeliverySettings, sender: &Sender, r: &Restriction) -> Vec<Fix> {
    if let Some(reason) = settings.no_fix_reason() {
        return vec![Fix::None { reason }];
    }
    let create_contact = sender.needs_contact();
    match r {
        Restriction::SenderAuthentication => vec![Fix::OpenToExternalSenders {
            control: settings.external_senders_control(),
        }],
        Restriction::Blocked {
            list,
            entry,
            via_group,
        } => {
            // The SendersOrMembers list is the union of the other two: remove through the one
            // that holds the entry.
            let parameter = match (list, via_group) {
                (BlockList::RejectMessagesFromSendersOrMembers, false) => {
                    BlockList::RejectMessagesFrom
                }
                (BlockList::RejectMessagesFromSendersOrMembers, true) => {
                    BlockList::RejectMessagesFromDLMembers
                }
                (l, _) => *l,
            };
            vec![Fix::Unblock {
                parameter,
                entry: entry.clone(),
            }]
        }
        Restriction::NotAllowed => {
            let mut v = vec![Fix::AllowSender { create_contact }];
            if sender
                .member_of
                .iter()
                .any(|g| same_recipient(g, &settings.group))
            {
                v.push(Fix::AllowGroupMembers);
            }
            v
        }
        // Set-UnifiedGroup has no BypassModerationFromSendersOrMembers: a moderated Microsoft 365
        // group's senders wait for approval, whoever they are.
        Restriction::Moderated { .. } if settings.kind == GroupKind::Microsoft365 => Vec::new(),
        Restriction::Moderated { .. } => vec![Fix::BypassModeration { create_contact }],
    }
}

fn same_recipient(a: &RecipientRef, b: &RecipientRef) -> bool {
    a.identities.iter().any(|i| b.is_named_by(i))
}

// ----- what a fix changes -----

/// A list a fix edits, as the Set-DistributionGroup parameter that edits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SenderList {
    AcceptMessagesOnlyFrom,
    AcceptMessagesOnlyFromDLMembers,
    RejectMessagesFrom,
    RejectMessagesFromDLMembers,
    BypassModerationFromSendersOrMembers,
}

impl SenderList {
    /// The parameter that changes the list on a group of `kind`: Set-UnifiedGroup has only the
    /// `…SendersOrMembers` forms.
    pub fn parameter(self, kind: GroupKind) -> &'static str {
        match (self, kind == GroupKind::Microsoft365) {
            (SenderList::AcceptMessagesOnlyFrom, false) => "AcceptMessagesOnlyFrom",
            (SenderList::AcceptMessagesOnlyFromDLMembers, false) => {
                "AcceptMessagesOnlyFromDLMembers"
            }
            (SenderList::RejectMessagesFrom, false) => "RejectMessagesFrom",
            (SenderList::RejectMessagesFromDLMembers, false) => "RejectMessagesFromDLMembers",
            (
                SenderList::AcceptMessagesOnlyFrom | SenderList::AcceptMessagesOnlyFromDLMembers,
                true,
            ) => "AcceptMessagesOnlyFromSendersOrMembers",
            (SenderList::RejectMessagesFrom | SenderList::RejectMessagesFromDLMembers, true) => {
                "RejectMessagesFromSendersOrMembers"
            }
            (SenderList::BypassModerationFromSendersOrMembers, _) => {
                "BypassModerationFromSendersOrMembers"
            }
        }
    }

    /// The property that shows the entry once it's there (the union property for the accept and
    /// reject lists).
    pub fn property(self) -> &'static str {
        match self {
            SenderList::AcceptMessagesOnlyFrom | SenderList::AcceptMessagesOnlyFromDLMembers => {
                "AcceptMessagesOnlyFromSendersOrMembers"
            }
            SenderList::RejectMessagesFrom | SenderList::RejectMessagesFromDLMembers => {
                "RejectMessagesFromSendersOrMembers"
            }
            SenderList::BypassModerationFromSendersOrMembers => {
                "BypassModerationFromSendersOrMembers"
            }
        }
    }
}

/// One change to the tenant that a [`Fix`] makes, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryChange {
    /// `New-MailContact -Name <address> -ExternalEmailAddress <address>`, so a list can name the
    /// sender ("To add an external sender to a group's allowed senders list, you must first
    /// create a mail contact or a mail user", 5.7.124 page). A contact that exists is done.
    CreateContact { address: String },
    /// `Set-DistributionGroup -RequireSenderAuthenticationEnabled $false`, or Graph's
    /// `allowExternalSenders` for a Microsoft 365 group.
    OpenToExternalSenders {
        group: String,
        control: ExternalSendersControl,
    },
    /// Adds `entry` to (or removes it from) `list` of `group` (a group of `kind`).
    EditList {
        group: String,
        kind: GroupKind,
        list: SenderList,
        entry: String,
        add: bool,
    },
}

/// How the changes name the group: its primary address when known, else its first identity.
fn group_identity(settings: &DeliverySettings) -> String {
    settings
        .group
        .identities
        .iter()
        .find(|i| i.contains('@'))
        .or(settings.group.identities.first())
        .cloned()
        .unwrap_or_default()
}

/// The changes that make `fix`, in the order they must run. The sender is named by its address
/// (Exchange resolves a contact, a guest or a mailbox from it).
pub fn changes_for(settings: &DeliverySettings, sender: &Sender, fix: &Fix) -> Vec<DeliveryChange> {
    let group = group_identity(settings);
    let kind = settings.kind;
    let edit = |list, entry: &str, add| DeliveryChange::EditList {
        group: group.clone(),
        kind,
        list,
        entry: entry.to_string(),
        add,
    };
    let contact = |create: bool| {
        create.then(|| DeliveryChange::CreateContact {
            address: sender.address.clone(),
        })
    };
    match fix {
        Fix::OpenToExternalSenders { control } => vec![DeliveryChange::OpenToExternalSenders {
            group: group.clone(),
            control: *control,
        }],
        Fix::AllowSender { create_contact } => contact(*create_contact)
            .into_iter()
            .chain([edit(
                SenderList::AcceptMessagesOnlyFrom,
                &sender.address,
                true,
            )])
            .collect(),
        Fix::AllowGroupMembers => vec![edit(
            SenderList::AcceptMessagesOnlyFromDLMembers,
            &group,
            true,
        )],
        Fix::BypassModeration { create_contact } => contact(*create_contact)
            .into_iter()
            .chain([edit(
                SenderList::BypassModerationFromSendersOrMembers,
                &sender.address,
                true,
            )])
            .collect(),
        Fix::Unblock { parameter, entry } => {
            let list = match parameter {
                BlockList::RejectMessagesFromDLMembers => SenderList::RejectMessagesFromDLMembers,
                _ => SenderList::RejectMessagesFrom,
            };
            vec![edit(list, entry, false)]
        }
        Fix::None { .. } => Vec::new(),
    }
}

/// Verify for script mode: which changes of a delivery fix fresh Graph reads show as made.
/// Graph sees contacts (`contacts`: address, ASCII-lower-cased → object id) and a Microsoft 365
/// group's `allowExternalSenders` (`external_senders`, by the change's group identity); a
/// distribution group's `RequireSenderAuthenticationEnabled` and every group's sender lists are
/// Exchange settings Graph doesn't return, so those are reported as such, not guessed. Where
/// Exchange is reachable, [`evaluate`] on fresh Exchange reads is the better check.
pub fn verify_changes(
    changes: &[DeliveryChange],
    contacts: &HashMap<String, String>,
    external_senders: &HashMap<String, ExternalSenders>,
) -> Vec<super::verify::Verified> {
    use super::verify::Verified;
    changes
        .iter()
        .map(|c| match c {
            DeliveryChange::CreateContact { address } => {
                match contacts.get(&address.to_ascii_lowercase()) {
                    Some(id) => Verified::Done {
                        object_id: Some(id.clone()),
                    },
                    None => Verified::Missing,
                }
            }
            DeliveryChange::OpenToExternalSenders {
                group,
                control: ExternalSendersControl::GraphAllowExternalSenders,
            } => match external_senders.get(group) {
                Some(ExternalSenders::Allowed) => Verified::Done { object_id: None },
                Some(ExternalSenders::Rejected) => Verified::Missing,
                _ => Verified::CannotCheck {
                    reason: "allowExternalSenders could not be read for this group".into(),
                },
            },
            DeliveryChange::OpenToExternalSenders { .. } => Verified::CannotCheck {
                reason: "this setting is kept by Exchange only; check the script's output".into(),
            },
            DeliveryChange::EditList { .. } => Verified::CannotCheck {
                reason:
                    "the group's sender lists are kept by Exchange only; check the script's output"
                        .into(),
            },
        })
        .collect()
}

/// What an external sender reports they got, for script mode: Exchange keeps the group's
/// restrictions, so the browser can't read them, but the sender's bounce names the cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReportedBounce {
    /// 5.7.124: not on the group's allowed senders.
    NotAllowed,
    /// The message waits for a moderator.
    Held,
}

/// Script mode: the fix for a bounce the sender reports, with the settings and sender it is made
/// for (the group as far as it is known: its identity and kind; the sender as the directory
/// holds it, so a contact is created only where none carries the address). `None` where there
/// is no fix (a Microsoft 365 group has no moderation bypass list; dynamic and synced groups).
/// The script looks at the list before each change, so a wrong guess changes nothing that is
/// already so.
pub fn fix_for_reported(
    group: RecipientRef,
    kind: GroupKind,
    mastered: Mastered,
    sender: Sender,
    bounce: ReportedBounce,
) -> Option<(DeliverySettings, Sender, Fix)> {
    let mut settings = DeliverySettings::open(group, kind);
    settings.mastered = mastered;
    if settings.no_fix_reason().is_some() {
        return None;
    }
    let create_contact = sender.needs_contact();
    let fix = match bounce {
        ReportedBounce::NotAllowed => Fix::AllowSender { create_contact },
        ReportedBounce::Held if kind == GroupKind::Microsoft365 => return None,
        ReportedBounce::Held => Fix::BypassModeration { create_contact },
    };
    Some((settings, sender, fix))
}

// ----- will they receive -----

/// How a recipient belongs to a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Membership {
    NotMember,
    Direct,
    /// Through nested groups: the chain of group ids from the group's direct member down to the
    /// group that holds the person.
    Nested {
        via: Vec<String>,
    },
}

/// Where the person stands in a group's membership, from a map group id → member ids (groups
/// not in the map have no members we know of). Breadth-first, so the shortest chain is reported;
/// cycles of nested groups are walked once.
pub fn membership(group: &str, person: &str, members: &HashMap<String, Vec<String>>) -> Membership {
    let direct = members.get(group).map(Vec::as_slice).unwrap_or_default();
    if direct.iter().any(|m| m == person) {
        return Membership::Direct;
    }
    let mut seen: HashSet<&str> = HashSet::from([group]);
    let mut queue: VecDeque<(&str, Vec<String>)> = direct
        .iter()
        .filter(|m| members.contains_key(m.as_str()))
        .map(|m| (m.as_str(), vec![m.clone()]))
        .collect();
    while let Some((g, path)) = queue.pop_front() {
        if !seen.insert(g) {
            continue;
        }
        let inner = members.get(g).map(Vec::as_slice).unwrap_or_default();
        if inner.iter().any(|m| m == person) {
            return Membership::Nested { via: path };
        }
        for m in inner {
            if members.contains_key(m.as_str()) && !seen.contains(m.as_str()) {
                let mut p = path.clone();
                p.push(m.clone());
                queue.push_back((m.as_str(), p));
            }
        }
    }
    Membership::NotMember
}

/// The groups `person` is a member of, directly or through nested groups (what the DL-member
/// lists are checked against), in the map's terms; sorted.
pub fn member_of(person: &str, members: &HashMap<String, Vec<String>>) -> Vec<String> {
    let mut out: Vec<String> = members
        .keys()
        .filter(|g| membership(g, person, members) != Membership::NotMember)
        .cloned()
        .collect();
    out.sort();
    out
}

/// Something that keeps the group's mail from reaching the person, or its bounces from anyone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReceiveFinding {
    /// Not a member, directly or through a nested group.
    NotAMember,
    /// The person's contact or guest doesn't carry the address the admin asked about.
    AddressNotCarried { carried: Option<String> },
    /// `ReportToOriginatorEnabled` and `ReportToManagerEnabled` are both off: delivery reports
    /// (bounces from members' servers) go nowhere.
    NoReturnPath,
}

/// The answer to "will they receive the group's mail?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiveCheck {
    pub membership: Membership,
    pub findings: Vec<ReceiveFinding>,
}

impl ReceiveCheck {
    pub fn receives(&self) -> bool {
        !self
            .findings
            .iter()
            .any(|f| !matches!(f, ReceiveFinding::NoReturnPath))
    }
}

/// Evaluates the receiving side. `address` is what the admin asked about; `carried` the external
/// address of the person's contact or guest (`None` when none exists). A guest in a Microsoft 365
/// group is always subscribed to its mail (Set-UnifiedGroup page), so membership suffices there.
pub fn receive_check(
    settings: &DeliverySettings,
    membership: Membership,
    address: &str,
    carried: Option<&str>,
) -> ReceiveCheck {
    let mut findings = Vec::new();
    if membership == Membership::NotMember {
        findings.push(ReceiveFinding::NotAMember);
    }
    if !carried.is_some_and(|c| strip_smtp(c.trim()).eq_ignore_ascii_case(address.trim())) {
        findings.push(ReceiveFinding::AddressNotCarried {
            carried: carried.map(str::to_string),
        });
    }
    if settings.report_to_originator_enabled == Some(false)
        && settings.report_to_manager_enabled == Some(false)
    {
        findings.push(ReceiveFinding::NoReturnPath);
    }
    ReceiveCheck {
        membership,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXT: &str = "jan@partner.example";

    fn group() -> RecipientRef {
        RecipientRef::new("Sales", &["Sales", "sales", "sales@contoso.example", "g-1"])
    }
    fn dl() -> DeliverySettings {
        DeliverySettings::open(group(), GroupKind::Distribution)
    }
    fn contact() -> RecipientRef {
        RecipientRef::new("Jan", &["Jan Jansen", "JanJansen", EXT, "c-1"])
    }
    fn with_contact(member_of: Vec<RecipientRef>) -> Sender {
        Sender {
            address: EXT.into(),
            external: true,
            recipient: SenderRecipient::Contact(contact()),
            member_of,
        }
    }
    fn partners() -> RecipientRef {
        RecipientRef::new("Partners", &["Partners", "partners@contoso.example", "g-2"])
    }
    fn internal() -> Sender {
        Sender {
            address: "adele@contoso.example".into(),
            external: false,
            recipient: SenderRecipient::Mailbox(RecipientRef::new(
                "Adele",
                &["Adele Vance", "adelevance", "adele@contoso.example"],
            )),
            member_of: vec![],
        }
    }
    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }
    fn kinds(c: &SendCheck) -> Vec<&'static str> {
        c.findings
            .iter()
            .map(|f| match f.restriction {
                Restriction::SenderAuthentication => "auth",
                Restriction::Blocked { .. } => "blocked",
                Restriction::NotAllowed => "allowed",
                Restriction::Moderated { .. } => "moderated",
            })
            .collect()
    }
    fn rejected(code: NdrCode) -> Outcome {
        Outcome::Rejected { code }
    }

    #[test]
    fn an_open_group_delivers_to_anyone() {
        for sender in [Sender::any_external(EXT), with_contact(vec![]), internal()] {
            let c = evaluate(&dl(), &sender);
            assert_eq!(c.outcome, Outcome::Delivered);
            assert!(c.findings.is_empty());
        }
    }

    /// The finder's badge reads `outcome` alone: it is evaluate's outcome, setting by setting and
    /// in Exchange's order.
    #[test]
    fn outcome_alone_is_evaluates_outcome() {
        let anyone = Sender::any_external("");
        let mut g = dl();
        assert_eq!(outcome(&g, &anyone), Outcome::Delivered);
        g.moderation_enabled = true;
        g.managed_by = s(&["admin"]);
        assert_eq!(
            outcome(&g, &anyone),
            Outcome::Held {
                moderators: s(&["admin"])
            }
        );
        g.accept_messages_only_from = s(&["Jan Jansen"]);
        assert_eq!(outcome(&g, &anyone), rejected(NdrCode::NotInAllowedSenders));
        // The listed contact is allowed, and then held.
        assert_eq!(
            outcome(&g, &with_contact(vec![])),
            evaluate(&g, &with_contact(vec![])).outcome
        );
        g.external_senders = ExternalSenders::Rejected;
        assert_eq!(
            outcome(&g, &anyone),
            rejected(NdrCode::SenderNotAuthenticated)
        );
        assert_eq!(outcome(&g, &anyone), evaluate(&g, &anyone).outcome);
    }

    #[test]
    fn sender_authentication_rejects_externals_with_5_7_133_only() {
        let mut g = dl();
        g.external_senders = ExternalSenders::Rejected;
        let c = evaluate(&g, &Sender::any_external(EXT));
        assert_eq!(c.outcome, rejected(NdrCode::SenderNotAuthenticated));
        assert_eq!(
            c.findings[0].fixes,
            vec![Fix::OpenToExternalSenders {
                control: ExternalSendersControl::ExchangeRequireSenderAuthentication
            }]
        );
        // A contact doesn't make the sender authenticated.
        assert_eq!(
            evaluate(&g, &with_contact(vec![])).outcome,
            rejected(NdrCode::SenderNotAuthenticated)
        );
        // Internal senders pass.
        assert_eq!(evaluate(&g, &internal()).outcome, Outcome::Delivered);
    }

    #[test]
    fn microsoft_365_groups_are_opened_through_graph() {
        let mut g = DeliverySettings::open(group(), GroupKind::Microsoft365);
        g.external_senders = ExternalSenders::Rejected;
        let c = evaluate(&g, &Sender::any_external(EXT));
        assert_eq!(c.outcome, rejected(NdrCode::SenderNotAuthenticated));
        assert_eq!(
            c.findings[0].fixes,
            vec![Fix::OpenToExternalSenders {
                control: ExternalSendersControl::GraphAllowExternalSenders
            }]
        );
    }

    #[test]
    fn unknown_switch_is_flagged_not_assumed_closed() {
        let mut g = dl();
        g.external_senders = ExternalSenders::Unknown;
        let c = evaluate(&g, &Sender::any_external(EXT));
        assert_eq!(c.outcome, Outcome::Delivered);
        assert!(c.external_senders_unknown);
        assert!(!evaluate(&g, &internal()).external_senders_unknown);
    }

    #[test]
    fn each_allowed_list_alone_admits_whom_it_names_and_bounces_others_with_5_7_124() {
        // AcceptMessagesOnlyFrom: the sender by any identity, case-insensitively.
        let mut g = dl();
        g.accept_messages_only_from = s(&["JAN@partner.example"]);
        assert_eq!(
            evaluate(&g, &with_contact(vec![])).outcome,
            Outcome::Delivered
        );
        assert_eq!(
            evaluate(&g, &internal()).outcome,
            rejected(NdrCode::NotInAllowedSenders)
        );
        // An entry with an SMTP: prefix names the same recipient.
        g.accept_messages_only_from = s(&["smtp:jan@partner.example"]);
        assert_eq!(
            evaluate(&g, &with_contact(vec![])).outcome,
            Outcome::Delivered
        );

        // AcceptMessagesOnlyFromDLMembers: members of the listed group.
        let mut g = dl();
        g.accept_messages_only_from_dl_members = s(&["Partners"]);
        assert_eq!(
            evaluate(&g, &with_contact(vec![partners()])).outcome,
            Outcome::Delivered
        );
        assert_eq!(
            evaluate(&g, &with_contact(vec![])).outcome,
            rejected(NdrCode::NotInAllowedSenders)
        );
        // The DL list names groups: the sender's own name there doesn't count.
        g.accept_messages_only_from_dl_members = s(&["Jan Jansen"]);
        assert_eq!(
            evaluate(&g, &with_contact(vec![])).outcome,
            rejected(NdrCode::NotInAllowedSenders)
        );

        // AcceptMessagesOnlyFromSendersOrMembers: either.
        let mut g = dl();
        g.accept_messages_only_from_senders_or_members = s(&["c-1"]);
        assert_eq!(
            evaluate(&g, &with_contact(vec![])).outcome,
            Outcome::Delivered
        );
        g.accept_messages_only_from_senders_or_members = s(&["partners@contoso.example"]);
        assert_eq!(
            evaluate(&g, &with_contact(vec![partners()])).outcome,
            Outcome::Delivered
        );
        assert_eq!(
            evaluate(&g, &with_contact(vec![])).outcome,
            rejected(NdrCode::NotInAllowedSenders)
        );
    }

    #[test]
    fn a_contact_listed_by_its_name_is_recognised() {
        // Exchange shows list entries as the recipients' Names; the check's sender carries its
        // Name among its identities (Get-Recipient), so an entry by Name admits it.
        let mut g = dl();
        g.accept_messages_only_from = s(&["jan jansen"]);
        assert_eq!(
            evaluate(&g, &with_contact(vec![])).outcome,
            Outcome::Delivered
        );
        // Someone known only by address and id (a plan's member) is listed by Name through the
        // recipient Exchange resolves the entry to; another recipient's Name doesn't count.
        let known = RecipientRef::new(EXT, &[EXT, "c-1"]);
        assert!(!g.lists_as_allowed(&known, &[]));
        assert!(g.lists_as_allowed(&known, &[contact()]));
        let other = RecipientRef::new("Piet", &["Piet Pietersen", "piet@partner.example"]);
        assert!(!g.lists_as_allowed(&known, &[other]));
        // A resolved recipient the lists don't name doesn't count either.
        g.accept_messages_only_from = s(&["Somebody Else"]);
        assert!(!g.lists_as_allowed(&known, &[contact()]));
        // By address or id: no read needed. Each entry once across both lists.
        g.accept_messages_only_from = s(&["C-1", "Partners"]);
        g.accept_messages_only_from_senders_or_members = s(&["c-1", "partners", "Sales"]);
        assert!(g.lists_as_allowed(&known, &[]));
        assert_eq!(g.allowed_sender_entries(), ["C-1", "Partners", "Sales"]);
    }

    #[test]
    fn an_external_without_a_contact_can_never_be_on_a_list_and_the_fix_creates_one() {
        let mut g = dl();
        g.accept_messages_only_from = s(&[EXT]);
        let c = evaluate(&g, &Sender::any_external(EXT));
        assert_eq!(c.outcome, rejected(NdrCode::NotInAllowedSenders));
        assert_eq!(
            c.findings[0].fixes,
            vec![Fix::AllowSender {
                create_contact: true
            }]
        );
        // With a contact: list it, no creation.
        g.accept_messages_only_from = s(&["someone else"]);
        let c = evaluate(&g, &with_contact(vec![]));
        assert_eq!(
            c.findings[0].fixes,
            vec![Fix::AllowSender {
                create_contact: false
            }]
        );
        // A guest is listed as it is (a contact for its address can't be made).
        let guest = Sender {
            recipient: SenderRecipient::Guest(RecipientRef::new("Jan", &[EXT, "u-9"])),
            ..Sender::any_external(EXT)
        };
        let c = evaluate(&g, &guest);
        assert_eq!(
            c.findings[0].fixes,
            vec![Fix::AllowSender {
                create_contact: false
            }]
        );
    }

    #[test]
    fn a_member_of_the_group_is_also_offered_listing_the_group_itself() {
        let mut g = dl();
        g.accept_messages_only_from = s(&["Board"]);
        let c = evaluate(&g, &with_contact(vec![group()]));
        assert_eq!(
            c.findings[0].fixes,
            vec![
                Fix::AllowSender {
                    create_contact: false
                },
                Fix::AllowGroupMembers
            ]
        );
        // Listing the group itself then admits its members.
        g.accept_messages_only_from_dl_members = s(&["sales@contoso.example"]);
        assert_eq!(
            evaluate(&g, &with_contact(vec![group()])).outcome,
            Outcome::Delivered
        );
    }

    #[test]
    fn each_blocked_list_alone_bounces_with_5_7_1_and_the_fix_removes_the_entry() {
        let cases: Vec<(BlockList, &str, Vec<RecipientRef>, BlockList)> = vec![
            (
                BlockList::RejectMessagesFrom,
                "Jan Jansen",
                vec![],
                BlockList::RejectMessagesFrom,
            ),
            (
                BlockList::RejectMessagesFromDLMembers,
                "Partners",
                vec![partners()],
                BlockList::RejectMessagesFromDLMembers,
            ),
            (
                BlockList::RejectMessagesFromSendersOrMembers,
                "jan@partner.example",
                vec![],
                BlockList::RejectMessagesFrom,
            ),
            (
                BlockList::RejectMessagesFromSendersOrMembers,
                "g-2",
                vec![partners()],
                BlockList::RejectMessagesFromDLMembers,
            ),
        ];
        for (list, entry, member_of, fix_param) in cases {
            let mut g = dl();
            match list {
                BlockList::RejectMessagesFrom => g.reject_messages_from = s(&[entry]),
                BlockList::RejectMessagesFromDLMembers => {
                    g.reject_messages_from_dl_members = s(&[entry])
                }
                BlockList::RejectMessagesFromSendersOrMembers => {
                    g.reject_messages_from_senders_or_members = s(&[entry])
                }
            }
            let c = evaluate(&g, &with_contact(member_of.clone()));
            assert_eq!(
                c.outcome,
                rejected(NdrCode::DeliveryNotAuthorized),
                "{list:?} {entry}"
            );
            assert_eq!(
                c.findings[0].fixes,
                vec![Fix::Unblock {
                    parameter: fix_param,
                    entry: entry.to_string()
                }]
            );
            // Someone else isn't blocked.
            assert_eq!(evaluate(&g, &internal()).outcome, Outcome::Delivered);
        }
        // A DL list naming the sender itself (not a group) blocks no one.
        let mut g = dl();
        g.reject_messages_from_dl_members = s(&["Jan Jansen"]);
        assert_eq!(
            evaluate(&g, &with_contact(vec![])).outcome,
            Outcome::Delivered
        );
        // Nobody is blocked by name without a recipient.
        g.reject_messages_from = s(&[EXT]);
        assert_eq!(
            evaluate(&g, &Sender::any_external(EXT)).outcome,
            Outcome::Delivered
        );
    }

    #[test]
    fn moderation_holds_for_the_moderators_unless_exempt() {
        let mut g = dl();
        g.moderation_enabled = true;
        g.moderated_by = s(&["Adele Vance"]);
        g.managed_by = s(&["admin"]);
        let c = evaluate(&g, &with_contact(vec![]));
        assert_eq!(
            c.outcome,
            Outcome::Held {
                moderators: s(&["Adele Vance"])
            }
        );
        assert_eq!(
            c.findings[0].fixes,
            vec![Fix::BypassModeration {
                create_contact: false
            }]
        );
        assert_eq!(
            evaluate(&g, &Sender::any_external(EXT)).findings[0].fixes,
            vec![Fix::BypassModeration {
                create_contact: true
            }]
        );
        // A moderator's own message isn't moderated.
        assert_eq!(evaluate(&g, &internal()).outcome, Outcome::Delivered);
        // Bypass: by the sender or by a group it's in.
        g.bypass_moderation_from_senders_or_members = s(&["JanJansen"]);
        assert_eq!(
            evaluate(&g, &with_contact(vec![])).outcome,
            Outcome::Delivered
        );
        g.bypass_moderation_from_senders_or_members = s(&["Partners"]);
        assert_eq!(
            evaluate(&g, &with_contact(vec![partners()])).outcome,
            Outcome::Delivered
        );
        assert!(matches!(
            evaluate(&g, &with_contact(vec![])).outcome,
            Outcome::Held { .. }
        ));
    }

    #[test]
    fn a_moderated_microsoft_365_group_offers_no_bypass() {
        // Set-UnifiedGroup has ModeratedBy and ModerationEnabled but no bypass list.
        let mut g = DeliverySettings::open(group(), GroupKind::Microsoft365);
        g.moderation_enabled = true;
        g.moderated_by = s(&["Adele Vance"]);
        let c = evaluate(&g, &with_contact(vec![]));
        assert!(matches!(c.outcome, Outcome::Held { .. }));
        assert!(c.findings[0].fixes.is_empty());
    }

    #[test]
    fn moderation_without_moderators_goes_to_the_owners() {
        let mut g = dl();
        g.moderation_enabled = true;
        g.managed_by = s(&["Adele Vance"]);
        assert_eq!(
            evaluate(&g, &with_contact(vec![])).outcome,
            Outcome::Held {
                moderators: s(&["Adele Vance"])
            }
        );
        assert_eq!(evaluate(&g, &internal()).outcome, Outcome::Delivered);
        // Moderation off: the moderator list means nothing.
        g.moderation_enabled = false;
        assert_eq!(
            evaluate(&g, &with_contact(vec![])).outcome,
            Outcome::Delivered
        );
    }

    /// Everything on at once: every finding is listed in Exchange's order, the first decides.
    fn everything() -> DeliverySettings {
        let mut g = dl();
        g.external_senders = ExternalSenders::Rejected;
        g.reject_messages_from = s(&["Jan Jansen"]);
        g.accept_messages_only_from = s(&["Adele Vance"]);
        g.moderation_enabled = true;
        g.moderated_by = s(&["Adele Vance"]);
        g
    }

    #[test]
    fn order_is_authentication_blocked_allowed_moderation() {
        let mut g = everything();
        let c = evaluate(&g, &with_contact(vec![]));
        assert_eq!(kinds(&c), ["auth", "blocked", "allowed", "moderated"]);
        assert_eq!(c.outcome, rejected(NdrCode::SenderNotAuthenticated));

        // Fix one at a time: the next restriction decides.
        g.external_senders = ExternalSenders::Allowed;
        let c = evaluate(&g, &with_contact(vec![]));
        assert_eq!(kinds(&c), ["blocked", "allowed", "moderated"]);
        assert_eq!(c.outcome, rejected(NdrCode::DeliveryNotAuthorized));

        g.reject_messages_from.clear();
        let c = evaluate(&g, &with_contact(vec![]));
        assert_eq!(kinds(&c), ["allowed", "moderated"]);
        assert_eq!(c.outcome, rejected(NdrCode::NotInAllowedSenders));

        g.accept_messages_only_from.push("c-1".into());
        let c = evaluate(&g, &with_contact(vec![]));
        assert_eq!(kinds(&c), ["moderated"]);
        assert!(matches!(c.outcome, Outcome::Held { .. }));

        g.bypass_moderation_from_senders_or_members.push(EXT.into());
        assert_eq!(
            evaluate(&g, &with_contact(vec![])).outcome,
            Outcome::Delivered
        );
    }

    #[test]
    fn blocked_wins_over_allowed_when_on_both() {
        let mut g = dl();
        g.accept_messages_only_from = s(&["Jan Jansen"]);
        g.reject_messages_from = s(&["Jan Jansen"]);
        let c = evaluate(&g, &with_contact(vec![]));
        assert_eq!(c.outcome, rejected(NdrCode::DeliveryNotAuthorized));
        assert_eq!(kinds(&c), ["blocked"]);
    }

    #[test]
    fn internal_senders_skip_authentication_but_not_the_lists() {
        let mut g = everything();
        g.moderated_by = s(&["someone"]);
        let c = evaluate(&g, &internal());
        assert_eq!(kinds(&c), ["moderated"]);
        g.accept_messages_only_from = s(&["other"]);
        assert_eq!(
            evaluate(&g, &internal()).outcome,
            rejected(NdrCode::NotInAllowedSenders)
        );
    }

    #[test]
    fn dynamic_and_synced_groups_explain_without_a_fix() {
        for (kind, mastered, reason) in [
            (
                GroupKind::DynamicDistribution,
                Mastered::Cloud,
                NoFixReason::RuleBasedMembership,
            ),
            (
                GroupKind::Distribution,
                Mastered::OnPremises,
                NoFixReason::MasteredOnPremises,
            ),
            (
                GroupKind::DynamicDistribution,
                Mastered::OnPremises,
                NoFixReason::MasteredOnPremises,
            ),
        ] {
            let mut g = everything();
            g.kind = kind;
            g.mastered = mastered;
            let c = evaluate(&g, &with_contact(vec![]));
            assert_eq!(c.outcome, rejected(NdrCode::SenderNotAuthenticated));
            assert_eq!(c.findings.len(), 4);
            for f in &c.findings {
                assert_eq!(f.fixes, vec![Fix::None { reason }]);
            }
        }
    }

    #[test]
    fn codes_and_pages() {
        for (c, s) in [
            (NdrCode::SenderNotAuthenticated, "5.7.133"),
            (NdrCode::NotInAllowedSenders, "5.7.124"),
            (NdrCode::DeliveryNotAuthorized, "5.7.1"),
        ] {
            assert_eq!(c.as_str(), s);
            assert!(c.page().starts_with("https://learn.microsoft.com/"));
            assert!(c.page().contains(&s.replace('.', "-")), "{}", c.page());
        }
    }

    fn tree() -> HashMap<String, Vec<String>> {
        HashMap::from([
            ("emea".to_string(), s(&["u1", "sales"])),
            ("sales".to_string(), s(&["u2", "c-1", "deep"])),
            ("deep".to_string(), s(&["c-9", "emea"])), // a cycle back to the top
            ("other".to_string(), s(&["u3"])),
        ])
    }

    #[test]
    fn membership_direct_nested_and_none_with_cycles() {
        let t = tree();
        assert_eq!(membership("emea", "u1", &t), Membership::Direct);
        assert_eq!(
            membership("emea", "c-1", &t),
            Membership::Nested { via: s(&["sales"]) }
        );
        assert_eq!(
            membership("emea", "c-9", &t),
            Membership::Nested {
                via: s(&["sales", "deep"])
            }
        );
        assert_eq!(membership("emea", "u3", &t), Membership::NotMember);
        assert_eq!(membership("missing", "u1", &t), Membership::NotMember);
        assert_eq!(member_of("c-9", &t), s(&["deep", "emea", "sales"]));
        assert_eq!(member_of("u3", &t), s(&["other"]));
        assert!(member_of("nobody", &t).is_empty());
    }

    #[test]
    fn receiving_needs_membership_and_the_address_and_flags_no_return_path() {
        let g = dl();
        let ok = receive_check(
            &g,
            Membership::Direct,
            EXT,
            Some("SMTP:Jan@Partner.example"),
        );
        assert!(ok.receives());
        assert!(ok.findings.is_empty());

        let nested = receive_check(
            &g,
            Membership::Nested { via: s(&["sales"]) },
            EXT,
            Some(EXT),
        );
        assert!(nested.receives());

        let out = receive_check(&g, Membership::NotMember, EXT, Some(EXT));
        assert!(!out.receives());
        assert_eq!(out.findings, vec![ReceiveFinding::NotAMember]);

        let other = receive_check(&g, Membership::Direct, EXT, Some("jan@old.example"));
        assert!(!other.receives());
        assert_eq!(
            other.findings,
            vec![ReceiveFinding::AddressNotCarried {
                carried: Some("jan@old.example".into())
            }]
        );
        let none = receive_check(&g, Membership::NotMember, EXT, None);
        assert_eq!(
            none.findings,
            vec![
                ReceiveFinding::NotAMember,
                ReceiveFinding::AddressNotCarried { carried: None }
            ]
        );

        let mut quiet = dl();
        quiet.report_to_originator_enabled = Some(false);
        let c = receive_check(&quiet, Membership::Direct, EXT, Some(EXT));
        assert_eq!(c.findings, vec![ReceiveFinding::NoReturnPath]);
        assert!(c.receives(), "no return path doesn't stop delivery");
        quiet.report_to_manager_enabled = Some(true);
        assert!(receive_check(&quiet, Membership::Direct, EXT, Some(EXT))
            .findings
            .is_empty());
        // Microsoft 365 groups have neither setting: nothing to flag.
        let m365 = DeliverySettings::open(group(), GroupKind::Microsoft365);
        assert!(receive_check(&m365, Membership::Direct, EXT, Some(EXT))
            .findings
            .is_empty());
    }
    #[test]
    fn each_fix_becomes_its_changes() {
        let mut g = everything();
        g.moderated_by = s(&["Adele Vance"]);
        let nobody = Sender::any_external(EXT);
        let c = evaluate(&g, &nobody);
        let all: Vec<Vec<DeliveryChange>> = c
            .findings
            .iter()
            .map(|f| changes_for(&g, &nobody, &f.fixes[0]))
            .collect();
        let group = "sales@contoso.example".to_string();
        assert_eq!(
            all[0],
            vec![DeliveryChange::OpenToExternalSenders {
                group: group.clone(),
                control: ExternalSendersControl::ExchangeRequireSenderAuthentication
            }]
        );
        // Nobody is blocked without a recipient: the next findings are the list and moderation,
        // each creating the contact first.
        assert_eq!(
            all[1],
            vec![
                DeliveryChange::CreateContact {
                    address: EXT.into()
                },
                DeliveryChange::EditList {
                    group: group.clone(),
                    kind: GroupKind::Distribution,
                    list: SenderList::AcceptMessagesOnlyFrom,
                    entry: EXT.into(),
                    add: true
                }
            ]
        );
        assert_eq!(
            all[2][1],
            DeliveryChange::EditList {
                group: group.clone(),
                kind: GroupKind::Distribution,
                list: SenderList::BypassModerationFromSendersOrMembers,
                entry: EXT.into(),
                add: true
            }
        );
        // Unblocking removes the entry as listed; the group itself goes on the DL list.
        let unblock = changes_for(
            &g,
            &with_contact(vec![]),
            &Fix::Unblock {
                parameter: BlockList::RejectMessagesFromDLMembers,
                entry: "Partners".into(),
            },
        );
        assert_eq!(
            unblock,
            vec![DeliveryChange::EditList {
                group: group.clone(),
                kind: GroupKind::Distribution,
                list: SenderList::RejectMessagesFromDLMembers,
                entry: "Partners".into(),
                add: false
            }]
        );
        let members = changes_for(&g, &with_contact(vec![]), &Fix::AllowGroupMembers);
        assert!(
            matches!(&members[..], [DeliveryChange::EditList { list: SenderList::AcceptMessagesOnlyFromDLMembers, entry, add: true, .. }] if *entry == group)
        );
        // No fix, no change.
        assert!(changes_for(
            &g,
            &nobody,
            &Fix::None {
                reason: NoFixReason::MasteredOnPremises
            }
        )
        .is_empty());
    }

    #[test]
    fn list_parameters_follow_the_cmdlet() {
        use GroupKind::{Distribution as Dl, Microsoft365 as M365};
        assert_eq!(
            SenderList::AcceptMessagesOnlyFrom.parameter(Dl),
            "AcceptMessagesOnlyFrom"
        );
        assert_eq!(
            SenderList::AcceptMessagesOnlyFrom.parameter(M365),
            "AcceptMessagesOnlyFromSendersOrMembers"
        );
        assert_eq!(
            SenderList::RejectMessagesFromDLMembers.parameter(M365),
            "RejectMessagesFromSendersOrMembers"
        );
        assert_eq!(
            SenderList::RejectMessagesFromDLMembers.parameter(Dl),
            "RejectMessagesFromDLMembers"
        );
        assert_eq!(
            SenderList::AcceptMessagesOnlyFromDLMembers.property(),
            "AcceptMessagesOnlyFromSendersOrMembers"
        );
    }
    #[test]
    fn verify_shows_what_graph_can_see_and_says_what_it_cannot() {
        use crate::domain::verify::Verified;
        let changes = vec![
            DeliveryChange::CreateContact {
                address: "Jan@Partner.example".into(),
            },
            DeliveryChange::CreateContact {
                address: "other@partner.example".into(),
            },
            DeliveryChange::OpenToExternalSenders {
                group: "m365@contoso.example".into(),
                control: ExternalSendersControl::GraphAllowExternalSenders,
            },
            DeliveryChange::OpenToExternalSenders {
                group: "closed@contoso.example".into(),
                control: ExternalSendersControl::GraphAllowExternalSenders,
            },
            DeliveryChange::OpenToExternalSenders {
                group: "unread@contoso.example".into(),
                control: ExternalSendersControl::GraphAllowExternalSenders,
            },
            DeliveryChange::OpenToExternalSenders {
                group: "sales@contoso.example".into(),
                control: ExternalSendersControl::ExchangeRequireSenderAuthentication,
            },
            DeliveryChange::EditList {
                group: "sales@contoso.example".into(),
                kind: GroupKind::Distribution,
                list: SenderList::AcceptMessagesOnlyFrom,
                entry: EXT.into(),
                add: true,
            },
        ];
        let contacts = HashMap::from([("jan@partner.example".to_string(), "c-1".to_string())]);
        let senders = HashMap::from([
            ("m365@contoso.example".to_string(), ExternalSenders::Allowed),
            (
                "closed@contoso.example".to_string(),
                ExternalSenders::Rejected,
            ),
        ]);
        let v = verify_changes(&changes, &contacts, &senders);
        assert_eq!(
            v[0],
            Verified::Done {
                object_id: Some("c-1".into())
            }
        );
        assert_eq!(v[1], Verified::Missing);
        assert_eq!(v[2], Verified::Done { object_id: None });
        assert_eq!(v[3], Verified::Missing);
        assert_eq!(v.len(), 7);
        for (i, x) in v.iter().enumerate().skip(4) {
            assert!(matches!(x, Verified::CannotCheck { .. }), "{i}: {x:?}");
        }
    }

    #[test]
    fn a_reported_bounce_gets_its_fix_and_a_contact_only_where_none_exists() {
        let (_, _, fix) = fix_for_reported(
            group(),
            GroupKind::Distribution,
            Mastered::Cloud,
            Sender::any_external(EXT),
            ReportedBounce::NotAllowed,
        )
        .expect("a fix");
        assert_eq!(
            fix,
            Fix::AllowSender {
                create_contact: true
            }
        );
        let (settings, sender, fix) = fix_for_reported(
            group(),
            GroupKind::Distribution,
            Mastered::Cloud,
            with_contact(vec![]),
            ReportedBounce::Held,
        )
        .expect("a fix");
        assert_eq!(
            fix,
            Fix::BypassModeration {
                create_contact: false
            }
        );
        assert_eq!(
            changes_for(&settings, &sender, &fix),
            vec![DeliveryChange::EditList {
                group: "sales@contoso.example".into(),
                kind: GroupKind::Distribution,
                list: SenderList::BypassModerationFromSendersOrMembers,
                entry: EXT.into(),
                add: true,
            }]
        );
        // No bypass list on a Microsoft 365 group; nothing to change on a synced or dynamic one.
        for (kind, mastered, bounce) in [
            (
                GroupKind::Microsoft365,
                Mastered::Cloud,
                ReportedBounce::Held,
            ),
            (
                GroupKind::Distribution,
                Mastered::OnPremises,
                ReportedBounce::NotAllowed,
            ),
            (
                GroupKind::DynamicDistribution,
                Mastered::Cloud,
                ReportedBounce::NotAllowed,
            ),
        ] {
            assert!(
                fix_for_reported(group(), kind, mastered, Sender::any_external(EXT), bounce)
                    .is_none(),
                "{kind:?} {mastered:?} {bounce:?}"
            );
        }
    }
}

//! The reads behind the delivery check ("why can't they mail the group?"): a group's delivery
//! restrictions from Exchange (`Get-DistributionGroup`, `Get-UnifiedGroup`,
//! `Get-DynamicDistributionGroup`), what the directory holds for a sender's address
//! (`Get-Recipient`), the sender's membership of the groups those restrictions name, and a group's
//! nested membership (`Get-DistributionGroupMember`), turned into the domain's
//! [`DeliverySettings`] and [`Sender`] for [`crate::domain::delivery::evaluate`]; and the fixes'
//! changes made through Exchange ([`ExchangeClient::apply_delivery_change`]).
//!
//! Property names: the Set-DistributionGroup and Set-UnifiedGroup pages
//! (<https://learn.microsoft.com/powershell/module/exchangepowershell/set-distributiongroup>,
//! <https://learn.microsoft.com/powershell/module/exchangepowershell/set-unifiedgroup>).
//! Exchange renders an empty multi-valued property as `[]` or `null`: both decode as empty
//! ([`super::exchange::null_as_empty`]).

use std::collections::{HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::exchange::{null_as_empty as list, ExchangeClient, NewMailContact, Recipient};
use super::http::{Sleeper, TokenSource, Transport};
use super::retry::ReplicationWait;
use super::TenantError;
use crate::domain::delivery::{
    evaluate, DeliveryChange, DeliverySettings, Mastered, RecipientRef, SendCheck, Sender,
    SenderList, SenderRecipient,
};
use crate::domain::group::{ExternalSenders, ExternalSendersControl, GroupKind};

/// At most this many groups are expanded for one question (nested groups, groups named in lists).
const MAX_GROUPS_EXPANDED: usize = 200;

/// A group's delivery restrictions as Exchange shows them (`Get-DistributionGroup`,
/// `Get-UnifiedGroup`, `Get-DynamicDistributionGroup`), with the group's identity: the fields
/// every recipient has, decoded as a [`Recipient`] from the same object. (Decoded twice rather
/// than with `#[serde(flatten)]`, whose buffering code is large in wasm.)
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupDelivery {
    pub recipient: Recipient,
    pub restrictions: Restrictions,
}

impl<'de> Deserialize<'de> for GroupDelivery {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        Ok(GroupDelivery {
            recipient: Recipient::deserialize(&v).map_err(D::Error::custom)?,
            restrictions: Restrictions::deserialize(&v).map_err(D::Error::custom)?,
        })
    }
}

/// The delivery settings of a group's Exchange object, by their PowerShell names.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Restrictions {
    #[serde(default)]
    pub require_sender_authentication_enabled: Option<bool>,
    #[serde(default, deserialize_with = "list")]
    pub accept_messages_only_from: Vec<String>,
    #[serde(
        default,
        rename = "AcceptMessagesOnlyFromDLMembers",
        deserialize_with = "list"
    )]
    pub accept_messages_only_from_dl_members: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub accept_messages_only_from_senders_or_members: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub reject_messages_from: Vec<String>,
    #[serde(
        default,
        rename = "RejectMessagesFromDLMembers",
        deserialize_with = "list"
    )]
    pub reject_messages_from_dl_members: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub reject_messages_from_senders_or_members: Vec<String>,
    #[serde(default)]
    pub moderation_enabled: Option<bool>,
    #[serde(default, deserialize_with = "list")]
    pub moderated_by: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub managed_by: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub bypass_moderation_from_senders_or_members: Vec<String>,
    #[serde(default)]
    pub report_to_originator_enabled: Option<bool>,
    #[serde(default)]
    pub report_to_manager_enabled: Option<bool>,
    #[serde(default)]
    pub is_dir_synced: Option<bool>,
}

impl GroupDelivery {
    /// The domain's settings. `kind` is what the caller knows the group to be;
    /// `allow_external_senders` is Graph's switch for a Microsoft 365 group, when read (it wins
    /// over Exchange's `RequireSenderAuthenticationEnabled`, the same switch seen from Exchange).
    pub fn settings(
        &self,
        kind: GroupKind,
        allow_external_senders: Option<bool>,
    ) -> DeliverySettings {
        let r = &self.restrictions;
        let external_senders = match (kind, allow_external_senders) {
            (GroupKind::Microsoft365, Some(true)) => ExternalSenders::Allowed,
            (GroupKind::Microsoft365, Some(false)) => ExternalSenders::Rejected,
            _ => match r.require_sender_authentication_enabled {
                Some(true) => ExternalSenders::Rejected,
                Some(false) => ExternalSenders::Allowed,
                None => ExternalSenders::Unknown,
            },
        };
        DeliverySettings {
            group: self.recipient.recipient_ref(),
            kind,
            mastered: if r.is_dir_synced == Some(true) {
                Mastered::OnPremises
            } else {
                Mastered::Cloud
            },
            external_senders,
            accept_messages_only_from: r.accept_messages_only_from.clone(),
            accept_messages_only_from_dl_members: r.accept_messages_only_from_dl_members.clone(),
            accept_messages_only_from_senders_or_members: r
                .accept_messages_only_from_senders_or_members
                .clone(),
            reject_messages_from: r.reject_messages_from.clone(),
            reject_messages_from_dl_members: r.reject_messages_from_dl_members.clone(),
            reject_messages_from_senders_or_members: r
                .reject_messages_from_senders_or_members
                .clone(),
            moderation_enabled: r.moderation_enabled.unwrap_or(false),
            moderated_by: r.moderated_by.clone(),
            managed_by: r.managed_by.clone(),
            bypass_moderation_from_senders_or_members: r
                .bypass_moderation_from_senders_or_members
                .clone(),
            report_to_originator_enabled: r.report_to_originator_enabled,
            report_to_manager_enabled: r.report_to_manager_enabled,
        }
    }
}

/// Whether `RecipientTypeDetails` is a group `Get-DistributionGroupMember` expands.
fn is_distribution_group(details: Option<&str>) -> bool {
    matches!(
        details,
        Some(
            "MailUniversalDistributionGroup"
                | "MailUniversalSecurityGroup"
                | "MailNonUniversalGroup"
                | "RoomList"
        )
    )
}

/// A delivery check's reads and its answer.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryCheck {
    pub settings: DeliverySettings,
    pub sender: Sender,
    pub send: SendCheck,
}

impl<T: Transport, K: TokenSource, S: Sleeper> ExchangeClient<T, K, S> {
    /// A group's delivery restrictions, from the cmdlet for its kind: `Get-DistributionGroup`
    /// (distribution and mail-enabled security groups), `Get-UnifiedGroup` (Microsoft 365
    /// groups), `Get-DynamicDistributionGroup`. A security group has no address, so no
    /// restrictions: [`TenantError::InvalidRequest`].
    pub async fn get_group_delivery(
        &self,
        identity: &str,
        kind: GroupKind,
    ) -> Result<GroupDelivery, TenantError> {
        let cmdlet = match kind {
            GroupKind::Distribution | GroupKind::MailEnabledSecurity => "Get-DistributionGroup",
            GroupKind::Microsoft365 => "Get-UnifiedGroup",
            GroupKind::DynamicDistribution => "Get-DynamicDistributionGroup",
            GroupKind::Security => {
                return Err(TenantError::InvalidRequest(
                    "a security group has no mail address, so no delivery restrictions".into(),
                ))
            }
        };
        self.invoke_typed::<GroupDelivery>(cmdlet, json!({ "Identity": identity }))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| TenantError::Decode {
                what: format!("InvokeCommand {cmdlet}"),
                path: "value".into(),
                message: "no result object".into(),
            })
    }

    /// The direct members of each distribution group reachable from `root` (nested groups
    /// expanded, each once), keyed by `ExternalDirectoryObjectId`: the map
    /// [`crate::domain::delivery::membership`] walks. Returns the root's id too.
    pub async fn member_tree(
        &self,
        root: &str,
    ) -> Result<(String, HashMap<String, Vec<String>>), TenantError> {
        let group = self.get_recipient(root).await?;
        let root_id = group
            .external_directory_object_id
            .clone()
            .unwrap_or_else(|| root.to_owned());
        let mut tree = HashMap::new();
        let mut queue = VecDeque::from([root_id.clone()]);
        while let Some(id) = queue.pop_front() {
            if tree.contains_key(&id) || tree.len() >= MAX_GROUPS_EXPANDED {
                continue;
            }
            let members = self.get_distribution_group_member(&id).await?;
            let mut ids = Vec::with_capacity(members.len());
            for m in &members {
                let Some(mid) = m.external_directory_object_id.clone() else {
                    continue;
                };
                if is_distribution_group(m.recipient_type_details.as_deref()) {
                    queue.push_back(mid.clone());
                }
                ids.push(mid);
            }
            tree.insert(id, ids);
        }
        Ok((root_id, tree))
    }

    /// Whether the recipient `member_id` is in the distribution group `group`, directly or through
    /// nested groups; `Ok(false)` when `group` isn't a distribution group Exchange can expand.
    async fn contains(&self, group: &str, member_id: &str) -> Result<bool, TenantError> {
        let mut seen = HashSet::new();
        let mut queue = VecDeque::from([group.to_owned()]);
        while let Some(g) = queue.pop_front() {
            if !seen.insert(g.to_ascii_lowercase()) || seen.len() > MAX_GROUPS_EXPANDED {
                continue;
            }
            let members = match self.get_distribution_group_member(&g).await {
                Ok(m) => m,
                // A list entry that is a sender, a Microsoft 365 or a dynamic group.
                Err(TenantError::NotFound(_)) if g == group => return Ok(false),
                Err(e) => return Err(e),
            };
            for m in &members {
                if m.external_directory_object_id.as_deref() == Some(member_id) {
                    return Ok(true);
                }
                if is_distribution_group(m.recipient_type_details.as_deref()) {
                    if let Some(id) = &m.external_directory_object_id {
                        queue.push_back(id.clone());
                    }
                }
            }
        }
        Ok(false)
    }

    /// The recipients a list's `entries` name (`Get-Recipient` each; an entry that is an address
    /// names whoever carries it, which [`RecipientRef::is_named_by`] matches without a read, and
    /// one that no longer resolves names nobody).
    pub async fn resolve_entries(
        &self,
        entries: &[&String],
    ) -> Result<Vec<RecipientRef>, TenantError> {
        let mut resolved = Vec::new();
        for e in entries.iter().filter(|e| !e.contains('@')) {
            match self.get_recipient(e).await {
                Ok(r) => resolved.push(r.recipient_ref()),
                Err(TenantError::NotFound(_)) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(resolved)
    }

    /// Who `address` is to Exchange (`Get-Recipient`; not found → nobody: an external sender no
    /// list can name yet), and which of the groups `settings` names (and the group itself) it is a
    /// member of. Contacts and guests (mail users) send from outside; mailboxes from inside.
    pub async fn delivery_sender(
        &self,
        address: &str,
        settings: &DeliverySettings,
    ) -> Result<Sender, TenantError> {
        let found = match self.get_recipient(address).await {
            Ok(r) => Some(r),
            Err(TenantError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let Some(r) = found else {
            return Ok(Sender::any_external(address));
        };
        let me = r.recipient_ref();
        let recipient = match r.recipient_type_details.as_deref() {
            Some("MailContact") => SenderRecipient::Contact(me),
            Some("GuestMailUser" | "MailUser") => SenderRecipient::Guest(me),
            _ => SenderRecipient::Mailbox(me),
        };
        let external = !matches!(recipient, SenderRecipient::Mailbox(_));
        let mut member_of = Vec::new();
        if let Some(id) = r.external_directory_object_id.as_deref() {
            let mut candidates: Vec<&String> = settings
                .accept_messages_only_from_dl_members
                .iter()
                .chain(&settings.accept_messages_only_from_senders_or_members)
                .chain(&settings.reject_messages_from_dl_members)
                .chain(&settings.reject_messages_from_senders_or_members)
                .chain(&settings.bypass_moderation_from_senders_or_members)
                .collect();
            // The group itself matters only for "let its members send" (an allowed-senders
            // list is set): a big group isn't expanded otherwise.
            let own = settings
                .has_allowed_senders_list()
                .then(|| settings.group.identities.first())
                .flatten();
            candidates.extend(own);
            let mut seen = HashSet::new();
            for c in candidates {
                // Entries naming the sender itself aren't groups.
                if !seen.insert(c.to_ascii_lowercase()) || recipient_named(&recipient, c) {
                    continue;
                }
                if self.contains(c, id).await? {
                    let mut g = RecipientRef::new(c.clone(), &[c.as_str()]);
                    if own == Some(c) {
                        g.identities = settings.group.identities.clone();
                    }
                    member_of.push(g);
                }
            }
        }
        Ok(Sender {
            address: address.to_owned(),
            external,
            recipient,
            member_of,
        })
    }

    /// Reads the group's restrictions and the sender, and evaluates them. `allow_external_senders`
    /// as in [`GroupDelivery::settings`].
    pub async fn delivery_check(
        &self,
        group: &str,
        kind: GroupKind,
        address: &str,
        allow_external_senders: Option<bool>,
    ) -> Result<DeliveryCheck, TenantError> {
        let settings = self
            .get_group_delivery(group, kind)
            .await?
            .settings(kind, allow_external_senders);
        let sender = self.delivery_sender(address, &settings).await?;
        let send = evaluate(&settings, &sender);
        Ok(DeliveryCheck {
            settings,
            sender,
            send,
        })
    }
}

/// What applying a [`DeliveryChange`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Done,
    /// It was so already (the contact exists; the entry was on / off the list).
    AlreadyDone,
}

impl<T: Transport, K: TokenSource, S: Sleeper> ExchangeClient<T, K, S> {
    /// Makes one change of a delivery fix through Exchange (direct mode). Lists of distribution
    /// groups change with a GenericHashTable `Add` / `Remove`
    /// (`{"@odata.type": "#Exchange.GenericHashTable", "Add": [entry]}`); a Microsoft 365 group's
    /// list is read and set whole (Set-UnifiedGroup documents no Add/Remove for it). `wait`
    /// covers a contact created by the change before. Graph's `allowExternalSenders` is
    /// [`crate::tenant::GraphClient::set_allow_external_senders`]: asking this client for it is
    /// [`TenantError::InvalidRequest`].
    pub async fn apply_delivery_change(
        &self,
        change: &DeliveryChange,
        wait: ReplicationWait,
    ) -> Result<Applied, TenantError> {
        match change {
            DeliveryChange::CreateContact { address } => {
                let c = NewMailContact {
                    name: address.clone(),
                    external_email_address: address.clone(),
                    ..NewMailContact::default()
                };
                match self.new_mail_contact(&c).await {
                    Ok(_) => Ok(Applied::Done),
                    Err(TenantError::AlreadyExists(_)) => Ok(Applied::AlreadyDone),
                    Err(e) => Err(e),
                }
            }
            DeliveryChange::OpenToExternalSenders {
                group,
                control: ExternalSendersControl::ExchangeRequireSenderAuthentication,
            } => {
                self.set_require_sender_authentication(group, false).await?;
                Ok(Applied::Done)
            }
            DeliveryChange::OpenToExternalSenders {
                control: ExternalSendersControl::GraphAllowExternalSenders,
                ..
            } => Err(TenantError::InvalidRequest(
                "a Microsoft 365 group is opened through Graph (allowExternalSenders)".into(),
            )),
            DeliveryChange::EditList {
                group,
                kind: GroupKind::Microsoft365,
                list,
                entry,
                add,
            } => {
                let param = list.parameter(GroupKind::Microsoft365);
                let current = self
                    .get_group_delivery(group, GroupKind::Microsoft365)
                    .await?;
                let mut names = match list {
                    SenderList::AcceptMessagesOnlyFrom
                    | SenderList::AcceptMessagesOnlyFromDLMembers => {
                        current
                            .restrictions
                            .accept_messages_only_from_senders_or_members
                    }
                    SenderList::RejectMessagesFrom | SenderList::RejectMessagesFromDLMembers => {
                        current.restrictions.reject_messages_from_senders_or_members
                    }
                    SenderList::BypassModerationFromSendersOrMembers => {
                        current
                            .restrictions
                            .bypass_moderation_from_senders_or_members
                    }
                };
                // The lists show Names: compare with the entry's own (a guest this run just
                // invited may take seconds to reach Exchange).
                let seen = if *add { wait } else { ReplicationWait::None };
                let name = match self.get_recipient_waiting(entry, seen).await {
                    Ok(r) => r.name.unwrap_or_else(|| entry.clone()),
                    Err(TenantError::NotFound(_)) if !add => return Ok(Applied::AlreadyDone),
                    Err(e) => return Err(e),
                };
                let there = names.iter().any(|n| n.eq_ignore_ascii_case(&name));
                if there == *add {
                    return Ok(Applied::AlreadyDone);
                }
                if *add {
                    names.push(name);
                } else {
                    names.retain(|n| !n.eq_ignore_ascii_case(&name));
                }
                self.invoke_waiting(
                    "Set-UnifiedGroup",
                    json!({ "Identity": group, param: names }),
                    wait,
                )
                .await?;
                Ok(Applied::Done)
            }
            DeliveryChange::EditList {
                group,
                kind,
                list,
                entry,
                add,
            } => {
                let verb = if *add { "Add" } else { "Remove" };
                let params = json!({
                    "Identity": group,
                    "BypassSecurityGroupManagerCheck": true,
                    list.parameter(*kind): {
                        "@odata.type": "#Exchange.GenericHashTable",
                        verb: [entry],
                    },
                });
                self.invoke_waiting("Set-DistributionGroup", params, wait)
                    .await?;
                Ok(Applied::Done)
            }
        }
    }
}

fn recipient_named(r: &SenderRecipient, entry: &str) -> bool {
    r.recipient().is_some_and(|me| me.is_named_by(entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_exchange_shapes_with_null_lists_and_dl_spelling() {
        let g: GroupDelivery = serde_json::from_value(json!({
            "Name": "Sales", "Alias": "sales", "PrimarySmtpAddress": "sales@contoso.example",
            "EmailAddresses": ["SMTP:sales@contoso.example", "smtp:s@contoso.example"],
            "RecipientTypeDetails": "MailUniversalDistributionGroup",
            "RequireSenderAuthenticationEnabled": true,
            "AcceptMessagesOnlyFrom": null,
            "AcceptMessagesOnlyFromDLMembers": ["Partners"],
            "AcceptMessagesOnlyFromSendersOrMembers": ["Partners"],
            "RejectMessagesFromDLMembers": ["Blocked"],
            "ModerationEnabled": true, "ModeratedBy": ["adele"], "ManagedBy": ["admin"],
            "ReportToOriginatorEnabled": false, "ReportToManagerEnabled": false,
            "IsDirSynced": true,
            "SomethingElse": 1
        }))
        .unwrap();
        assert!(g.restrictions.accept_messages_only_from.is_empty());
        assert_eq!(
            g.restrictions.accept_messages_only_from_dl_members,
            ["Partners"]
        );
        assert_eq!(g.restrictions.reject_messages_from_dl_members, ["Blocked"]);
        assert_eq!(g.recipient.alias.as_deref(), Some("sales"));
        let s = g.settings(GroupKind::Distribution, None);
        assert_eq!(s.external_senders, ExternalSenders::Rejected);
        assert_eq!(s.mastered, Mastered::OnPremises);
        assert!(s.moderation_enabled);
        assert_eq!(s.report_to_originator_enabled, Some(false));
        assert!(s.group.is_named_by("s@contoso.example"));
        assert!(s.group.is_named_by("SALES"));
    }

    #[test]
    fn graph_switch_wins_for_microsoft_365_groups_and_unknown_stays_unknown() {
        let g = GroupDelivery {
            restrictions: Restrictions {
                require_sender_authentication_enabled: Some(true),
                ..Restrictions::default()
            },
            ..GroupDelivery::default()
        };
        assert_eq!(
            g.settings(GroupKind::Microsoft365, Some(true))
                .external_senders,
            ExternalSenders::Allowed
        );
        assert_eq!(
            g.settings(GroupKind::Microsoft365, None).external_senders,
            ExternalSenders::Rejected
        );
        // Graph's switch means nothing for a distribution group.
        assert_eq!(
            g.settings(GroupKind::Distribution, Some(true))
                .external_senders,
            ExternalSenders::Rejected
        );
        assert_eq!(
            GroupDelivery::default()
                .settings(GroupKind::Distribution, None)
                .external_senders,
            ExternalSenders::Unknown
        );
    }
}

//! Group kinds and what each allows.
//!
//! From Graph's group properties (<https://learn.microsoft.com/graph/api/resources/groups-overview>,
//! "Group types in Microsoft Entra ID and Microsoft Graph"):
//! - `groupTypes` contains `"Unified"` → Microsoft 365 group, whatever `securityEnabled` says
//!   (M365 groups may be security-enabled);
//! - `mailEnabled && securityEnabled` → mail-enabled security group;
//! - `mailEnabled && !securityEnabled` → distribution group;
//! - `!mailEnabled && securityEnabled` → security group.
//!
//! Dynamic distribution groups don't exist in Graph; they come from Exchange's
//! `RecipientTypeDetails` (<https://learn.microsoft.com/exchange/recipients-in-exchange-online/manage-dynamic-distribution-groups/manage-dynamic-distribution-groups>).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of a target group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GroupKind {
    Distribution,
    MailEnabledSecurity,
    Microsoft365,
    Security,
    DynamicDistribution,
}

/// The service whose API changes a group's membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MembershipApi {
    /// `Add-DistributionGroupMember` / `Remove-DistributionGroupMember`: Graph refuses these
    /// groups with 400 "Cannot Update a mail-enabled security groups and or distribution list."
    Exchange,
    /// `POST /groups/{id}/members/$ref`.
    Graph,
}

/// The kind of directory object that could become a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MemberKind {
    MailContact,
    Guest,
    MemberUser,
}

/// Where a group's "accept mail from outside the organisation" switch lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExternalSendersControl {
    /// `Set-DistributionGroup -RequireSenderAuthenticationEnabled $false`.
    ExchangeRequireSenderAuthentication,
    /// `PATCH /groups/{id}` `{"allowExternalSenders": true}`.
    GraphAllowExternalSenders,
}

/// Whether a group currently accepts mail from external senders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ExternalSenders {
    Allowed,
    /// External senders get NDR 5.7.133 (RequireSenderAuthenticationEnabled = true) or the
    /// M365 group's allowExternalSenders is false.
    Rejected,
    /// Not read (yet), e.g. Exchange unreachable in script mode.
    #[default]
    Unknown,
    /// The group has no mailbox address (security group).
    NotApplicable,
}

/// Graph properties that don't describe any group kind we know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum GroupKindError {
    #[error("this group is neither mail-enabled nor security-enabled, so it can't be used here")]
    NeitherMailNorSecurity,
    #[error("Exchange reports recipient type \"{0}\", which is not a group this app handles")]
    UnknownRecipientType(String),
}

impl GroupKind {
    /// From Graph's `groupTypes`, `mailEnabled` and `securityEnabled`.
    pub fn from_graph<S: AsRef<str>>(
        group_types: &[S],
        mail_enabled: bool,
        security_enabled: bool,
    ) -> Result<Self, GroupKindError> {
        if group_types
            .iter()
            .any(|t| t.as_ref().eq_ignore_ascii_case("Unified"))
        {
            return Ok(GroupKind::Microsoft365);
        }
        match (mail_enabled, security_enabled) {
            (true, true) => Ok(GroupKind::MailEnabledSecurity),
            (true, false) => Ok(GroupKind::Distribution),
            (false, true) => Ok(GroupKind::Security),
            (false, false) => Err(GroupKindError::NeitherMailNorSecurity),
        }
    }

    /// From Exchange's `RecipientTypeDetails`
    /// (<https://learn.microsoft.com/powershell/module/exchange/get-recipient>, -RecipientTypeDetails).
    pub fn from_recipient_type_details(value: &str) -> Result<Self, GroupKindError> {
        match value {
            "MailUniversalDistributionGroup" | "MailNonUniversalGroup" | "RoomList" => {
                Ok(GroupKind::Distribution)
            }
            "MailUniversalSecurityGroup" => Ok(GroupKind::MailEnabledSecurity),
            "GroupMailbox" => Ok(GroupKind::Microsoft365),
            "DynamicDistributionGroup" => Ok(GroupKind::DynamicDistribution),
            other => Err(GroupKindError::UnknownRecipientType(other.to_owned())),
        }
    }

    /// Which API adds and removes members; `None` when membership is computed (dynamic).
    pub fn membership_api(self) -> Option<MembershipApi> {
        match self {
            GroupKind::Distribution | GroupKind::MailEnabledSecurity => {
                Some(MembershipApi::Exchange)
            }
            GroupKind::Microsoft365 | GroupKind::Security => Some(MembershipApi::Graph),
            GroupKind::DynamicDistribution => None,
        }
    }

    /// Whether an object of `member` kind can be added as a member.
    /// - DG / mail-enabled security: contacts, guests (mail users) and users.
    /// - Microsoft 365: users and guests; contacts can't be members.
    /// - Security: users, guests and organisational contacts through Graph.
    /// - Dynamic: nothing can be added by hand.
    pub fn accepts(self, member: MemberKind) -> bool {
        match self {
            GroupKind::DynamicDistribution => false,
            GroupKind::Microsoft365 => member != MemberKind::MailContact,
            GroupKind::Distribution | GroupKind::MailEnabledSecurity | GroupKind::Security => true,
        }
    }

    /// How a new external person is represented: a mail contact where contacts are accepted
    /// (no licence, no sign-in, just an address), a guest for Microsoft 365 groups.
    pub fn preferred_external(self) -> Option<MemberKind> {
        match self {
            GroupKind::DynamicDistribution => None,
            GroupKind::Microsoft365 => Some(MemberKind::Guest),
            _ => Some(MemberKind::MailContact),
        }
    }

    /// Where the external-senders switch is; `None` for groups without it (security groups
    /// have no address; dynamic groups are read-only here).
    pub fn external_senders_control(self) -> Option<ExternalSendersControl> {
        match self {
            GroupKind::Distribution | GroupKind::MailEnabledSecurity => {
                Some(ExternalSendersControl::ExchangeRequireSenderAuthentication)
            }
            GroupKind::Microsoft365 => Some(ExternalSendersControl::GraphAllowExternalSenders),
            GroupKind::Security | GroupKind::DynamicDistribution => None,
        }
    }

    pub fn is_mail_enabled(self) -> bool {
        self != GroupKind::Security
    }
}

/// Whether Graph's `groupTypes` marks an Entra dynamic-membership group (members come from a
/// rule; adding by hand is refused). Orthogonal to the kind: M365 and security groups can be
/// dynamic. See [`crate::domain::plan::TargetGroup::dynamic_membership`].
pub fn has_dynamic_membership<S: AsRef<str>>(group_types: &[S]) -> bool {
    group_types
        .iter()
        .any(|t| t.as_ref().eq_ignore_ascii_case("DynamicMembership"))
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GroupKind::Distribution => "distribution group",
            GroupKind::MailEnabledSecurity => "mail-enabled security group",
            GroupKind::Microsoft365 => "Microsoft 365 group",
            GroupKind::Security => "security group",
            GroupKind::DynamicDistribution => "dynamic distribution group",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use GroupKind::*;

    #[test]
    fn kind_from_graph_properties() {
        let none: [&str; 0] = [];
        assert_eq!(
            GroupKind::from_graph(&["Unified"], true, false),
            Ok(Microsoft365)
        );
        assert_eq!(
            GroupKind::from_graph(&["Unified"], true, true),
            Ok(Microsoft365)
        );
        assert_eq!(
            GroupKind::from_graph(&["DynamicMembership", "Unified"], true, true),
            Ok(Microsoft365)
        );
        assert_eq!(
            GroupKind::from_graph(&none, true, true),
            Ok(MailEnabledSecurity)
        );
        assert_eq!(GroupKind::from_graph(&none, true, false), Ok(Distribution));
        assert_eq!(GroupKind::from_graph(&none, false, true), Ok(Security));
        assert_eq!(
            GroupKind::from_graph(&none, false, false),
            Err(GroupKindError::NeitherMailNorSecurity)
        );
    }

    #[test]
    fn dynamic_membership_flag() {
        assert!(has_dynamic_membership(&["DynamicMembership", "Unified"]));
        assert!(has_dynamic_membership(&["dynamicmembership"]));
        assert!(!has_dynamic_membership(&["Unified"]));
    }

    #[test]
    fn kind_from_exchange_recipient_type() {
        assert_eq!(
            GroupKind::from_recipient_type_details("MailUniversalDistributionGroup"),
            Ok(Distribution)
        );
        assert_eq!(
            GroupKind::from_recipient_type_details("MailUniversalSecurityGroup"),
            Ok(MailEnabledSecurity)
        );
        assert_eq!(
            GroupKind::from_recipient_type_details("GroupMailbox"),
            Ok(Microsoft365)
        );
        assert_eq!(
            GroupKind::from_recipient_type_details("DynamicDistributionGroup"),
            Ok(DynamicDistribution)
        );
        assert_eq!(
            GroupKind::from_recipient_type_details("UserMailbox"),
            Err(GroupKindError::UnknownRecipientType("UserMailbox".into()))
        );
    }

    #[test]
    fn membership_rules_per_kind() {
        assert_eq!(Distribution.membership_api(), Some(MembershipApi::Exchange));
        assert_eq!(
            MailEnabledSecurity.membership_api(),
            Some(MembershipApi::Exchange)
        );
        assert_eq!(Microsoft365.membership_api(), Some(MembershipApi::Graph));
        assert_eq!(Security.membership_api(), Some(MembershipApi::Graph));
        assert_eq!(DynamicDistribution.membership_api(), None);

        assert!(!Microsoft365.accepts(MemberKind::MailContact));
        assert!(Microsoft365.accepts(MemberKind::Guest));
        assert!(Distribution.accepts(MemberKind::MailContact));
        assert!(Security.accepts(MemberKind::MailContact));
        assert!(!DynamicDistribution.accepts(MemberKind::MemberUser));

        assert_eq!(Microsoft365.preferred_external(), Some(MemberKind::Guest));
        assert_eq!(
            Distribution.preferred_external(),
            Some(MemberKind::MailContact)
        );
        assert_eq!(DynamicDistribution.preferred_external(), None);
    }

    #[test]
    fn external_senders_switch_per_kind() {
        assert_eq!(
            Distribution.external_senders_control(),
            Some(ExternalSendersControl::ExchangeRequireSenderAuthentication)
        );
        assert_eq!(
            Microsoft365.external_senders_control(),
            Some(ExternalSendersControl::GraphAllowExternalSenders)
        );
        assert_eq!(Security.external_senders_control(), None);
        assert!(!Security.is_mail_enabled());
        assert_eq!(
            MailEnabledSecurity.to_string(),
            "mail-enabled security group"
        );
    }
}

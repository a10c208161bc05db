//! Graph v1.0 models. Property names are Graph's own (camelCase), taken from Microsoft's published
//! v1.0 CSDL (see `shared/reference/graph-v1.0-entities.json`); everything the service may omit is an
//! `Option` or defaults to empty.

use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::domain::group::{GroupKind, GroupKindError};

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }
    };
}

id_type!(
    /// A group's object id.
    GroupId
);
id_type!(
    /// Any directory object's id (user, guest, org contact, group as a member).
    ObjectId
);

/// One page of a Graph collection; `next` is the `@odata.nextLink` to follow, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
    /// `@odata.count`, when `$count=true` was asked.
    pub count: Option<u64>,
}

impl<T> Page<T> {
    pub fn is_last(&self) -> bool {
        self.next.is_none()
    }
}

/// The wire shape of a collection answer.
#[derive(Deserialize)]
pub(crate) struct Collection<T> {
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<String>,
    #[serde(rename = "@odata.count", default)]
    pub count: Option<u64>,
}

impl<T> From<Collection<T>> for Page<T> {
    fn from(c: Collection<T>) -> Self {
        Page {
            items: c.value,
            next: c.next_link,
            count: c.count,
        }
    }
}

/// A partner's GDAP customer (`delegatedAdminCustomer`:
/// <https://learn.microsoft.com/graph/api/resources/delegatedadmincustomer>).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DelegatedAdminCustomer {
    /// The customer's tenant id: the authority its tokens come from.
    pub tenant_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// A tenant's public facts (`tenantInformation`), from
/// `findTenantInformationByTenantId`
/// (<https://learn.microsoft.com/graph/api/resources/tenantinformation>).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantInformation {
    pub tenant_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub default_domain_name: Option<String>,
}

/// `GET /me` and user search results. (`user` in the CSDL.)
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: ObjectId,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub user_principal_name: Option<String>,
    #[serde(default)]
    pub other_mails: Vec<String>,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub surname: Option<String>,
    /// `Member` or `Guest`.
    #[serde(default)]
    pub user_type: Option<String>,
    /// For guests: `PendingAcceptance` or `Accepted`.
    #[serde(default)]
    pub external_user_state: Option<String>,
    #[serde(default)]
    pub account_enabled: Option<bool>,
    /// When `externalUserState` last changed (invited, accepted); `$select` only.
    #[serde(default)]
    pub external_user_state_change_date_time: Option<String>,
    #[serde(default)]
    pub created_date_time: Option<String>,
    #[serde(default)]
    pub company_name: Option<String>,
    /// True for users synced from on-premises Active Directory, whose extension attributes Graph
    /// won't write.
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    /// Exchange's custom attributes 1–15 of the user; `$select` only
    /// (<https://learn.microsoft.com/graph/api/resources/onpremisesextensionattributes>).
    #[serde(default)]
    pub on_premises_extension_attributes: Option<ExtensionAttributes>,
}

/// `onPremisesExtensionAttributes`: `extensionAttribute1` … `extensionAttribute15`, each a string
/// or null. Kept as the object Graph sends; [`ExtensionAttributes::get`] reads one by number.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExtensionAttributes(pub serde_json::Map<String, serde_json::Value>);

const EXTENSION_ATTRIBUTE_NAMES: [&str; 15] = [
    "extensionAttribute1",
    "extensionAttribute2",
    "extensionAttribute3",
    "extensionAttribute4",
    "extensionAttribute5",
    "extensionAttribute6",
    "extensionAttribute7",
    "extensionAttribute8",
    "extensionAttribute9",
    "extensionAttribute10",
    "extensionAttribute11",
    "extensionAttribute12",
    "extensionAttribute13",
    "extensionAttribute14",
    "extensionAttribute15",
];

impl ExtensionAttributes {
    /// The Graph name of attribute `n` (1–15), e.g. `extensionAttribute15`.
    pub fn name(n: u8) -> Option<&'static str> {
        EXTENSION_ATTRIBUTE_NAMES
            .get(usize::from(n).checked_sub(1)?)
            .copied()
    }

    /// Attribute `n` (1–15), when set and not empty.
    pub fn get(&self, n: u8) -> Option<&str> {
        self.0
            .get(Self::name(n)?)?
            .as_str()
            .filter(|s| !s.is_empty())
    }
}

impl User {
    pub fn is_guest(&self) -> bool {
        self.user_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("Guest"))
    }
}

/// An Exchange mail contact as Graph sees it (`orgContact`, read-only in Graph).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgContact {
    pub id: ObjectId,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub mail_nickname: Option<String>,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub surname: Option<String>,
    #[serde(default)]
    pub company_name: Option<String>,
    #[serde(default)]
    pub proxy_addresses: Vec<String>,
}

/// `group` in the CSDL.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: GroupId,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub mail_nickname: Option<String>,
    #[serde(default)]
    pub mail_enabled: Option<bool>,
    #[serde(default)]
    pub security_enabled: Option<bool>,
    #[serde(default)]
    pub group_types: Vec<String>,
    #[serde(default)]
    pub membership_rule: Option<String>,
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    /// Only returned on a single-group GET with `$select=allowExternalSenders`.
    #[serde(default)]
    pub allow_external_senders: Option<bool>,
    #[serde(default)]
    pub proxy_addresses: Vec<String>,
}

impl Group {
    /// The group's kind, from `groupTypes`, `mailEnabled` and `securityEnabled` (the domain's rules).
    pub fn kind(&self) -> Result<GroupKind, GroupKindError> {
        GroupKind::from_graph(
            &self.group_types,
            self.mail_enabled.unwrap_or(false),
            self.security_enabled.unwrap_or(false),
        )
    }

    /// Dynamic membership (`groupTypes` contains `DynamicMembership`): members can't be added.
    pub fn is_dynamic(&self) -> bool {
        self.group_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case("DynamicMembership"))
    }
}

/// A group member, typed by its `@odata.type`. Without `OrgContact.Read.All` contacts arrive bare
/// (`{"@odata.type","id"}`): they decode as a `Contact` whose fields are all `None`.
#[derive(Clone, Debug, PartialEq)]
pub enum Member {
    User(User),
    Contact(OrgContact),
    Group(Group),
    /// A type the app doesn't model (device, service principal).
    Other {
        odata_type: String,
        id: ObjectId,
    },
}

impl Member {
    /// The member's directory object id.
    pub fn id(&self) -> &str {
        match self {
            Member::User(u) => u.id.as_str(),
            Member::Contact(c) => c.id.as_str(),
            Member::Group(g) => g.id.as_str(),
            Member::Other { id, .. } => id.as_str(),
        }
    }

    /// The member's mail address, when the caller may see it.
    pub fn mail(&self) -> Option<&str> {
        match self {
            Member::User(u) => u.mail.as_deref(),
            Member::Contact(c) => c.mail.as_deref(),
            Member::Group(g) => g.mail.as_deref(),
            Member::Other { .. } => None,
        }
    }
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        let ty = v
            .get("@odata.type")
            .and_then(|t| t.as_str())
            .unwrap_or_default()
            .to_owned();
        let member = match ty.as_str() {
            "#microsoft.graph.user" => {
                Member::User(serde_json::from_value(v).map_err(D::Error::custom)?)
            }
            "#microsoft.graph.orgContact" => {
                Member::Contact(serde_json::from_value(v).map_err(D::Error::custom)?)
            }
            "#microsoft.graph.group" => {
                Member::Group(serde_json::from_value(v).map_err(D::Error::custom)?)
            }
            _ => {
                let id = v
                    .get("id")
                    .and_then(|i| i.as_str())
                    .ok_or_else(|| D::Error::missing_field("id"))?;
                Member::Other {
                    odata_type: ty.clone(),
                    id: ObjectId(id.to_owned()),
                }
            }
        };
        Ok(member)
    }
}

/// `invitation` in the CSDL: the answer to `POST /invitations`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub invited_user_display_name: Option<String>,
    #[serde(default)]
    pub invited_user_email_address: Option<String>,
    #[serde(default)]
    pub invited_user_type: Option<String>,
    #[serde(default)]
    pub invite_redeem_url: Option<String>,
    #[serde(default)]
    pub invite_redirect_url: Option<String>,
    #[serde(default)]
    pub send_invitation_message: Option<bool>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub invited_user: Option<InvitedUser>,
}

/// The guest user an invitation created (or found).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InvitedUser {
    pub id: ObjectId,
}

/// What to invite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInvitation {
    pub email: String,
    pub display_name: Option<String>,
    /// Where the guest lands after redeeming (e.g. `https://myapplications.microsoft.com`).
    pub redirect_url: String,
    pub send_invitation_message: bool,
    /// A personal message in Microsoft's invitation mail (`invitedUserMessageInfo`
    /// `customizedMessageBody`).
    pub message: Option<String>,
}

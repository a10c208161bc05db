//! The delegated permissions Guestlist asks for: one list, quoted by the README.
//!
//! Least privilege: each entry names the feature that needs it. Graph and Exchange are separate
//! resources, so a token is always for one of them (Entra refuses scopes of two resources in one
//! token request, AADSTS28000); consent for both is asked at sign-in (`extraScopesToConsent`).

use guestlist_core::tenant::Resource;

/// When a permission is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asked {
    /// At sign-in, for every admin.
    AtSignIn,
    /// Only when the feature that needs it is used (incremental consent).
    WhenNeeded(Need),
    /// At sign-in, only in a partner's deployment (`tenantId` `organizations`): listing the
    /// GDAP customers.
    ForPartners,
}

/// The features whose permission is asked only when they are used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Opening a Microsoft 365 group to external senders.
    GroupSettings,
    /// Deleting and restoring guests, writing their end date.
    People,
}

/// One delegated permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope {
    pub resource: Resource,
    /// The full scope string as sent to the token endpoint.
    pub scope: &'static str,
    pub asked: Asked,
    /// What needs it (English, for the README and code readers).
    pub why: &'static str,
}

/// Every delegated permission Guestlist may ask for.
pub const DELEGATED_SCOPES: &[Scope] = &[
    Scope {
        resource: Resource::Graph,
        scope: "https://graph.microsoft.com/User.Read",
        asked: Asked::AtSignIn,
        why: "sign in and read the signed-in admin's own profile (the mode probe's GET /me)",
    },
    Scope {
        resource: Resource::Graph,
        scope: "https://graph.microsoft.com/User.Read.All",
        asked: Asked::AtSignIn,
        why: "find existing users and guests by e-mail address before inviting anyone",
    },
    Scope {
        resource: Resource::Graph,
        scope: "https://graph.microsoft.com/GroupMember.ReadWrite.All",
        asked: Asked::AtSignIn,
        why: "list groups and their members; add and remove members of Microsoft 365 and security groups",
    },
    Scope {
        resource: Resource::Graph,
        scope: "https://graph.microsoft.com/OrgContact.Read.All",
        asked: Asked::AtSignIn,
        why: "see mail contacts among group members and find contacts by address",
    },
    Scope {
        resource: Resource::Graph,
        scope: "https://graph.microsoft.com/User.Invite.All",
        asked: Asked::AtSignIn,
        why: "invite external people as guests",
    },
    Scope {
        resource: Resource::Graph,
        scope: "https://graph.microsoft.com/Group.ReadWrite.All",
        asked: Asked::WhenNeeded(Need::GroupSettings),
        why: "open a Microsoft 365 group to external senders (allowExternalSenders accepts nothing less)",
    },
    Scope {
        resource: Resource::Graph,
        scope: "https://graph.microsoft.com/DelegatedAdminRelationship.Read.All",
        asked: Asked::ForPartners,
        why: "partners: list the customers whose tenants you administer through GDAP (the tenant switcher)",
    },
    Scope {
        resource: Resource::Graph,
        scope: "https://graph.microsoft.com/CrossTenantInformation.ReadBasic.All",
        asked: Asked::ForPartners,
        why: "partners: each customer's default domain in the tenant switcher (findTenantInformationByTenantId)",
    },
    Scope {
        resource: Resource::Graph,
        scope: "https://graph.microsoft.com/User.ReadWrite.All",
        asked: Asked::WhenNeeded(Need::People),
        why: "delete a guest and restore it from deleted items, and write a guest's end date (onPremisesExtensionAttributes)",
    },
    Scope {
        resource: Resource::Exchange,
        scope: "https://outlook.office365.com/Exchange.Manage",
        asked: Asked::AtSignIn,
        why: "create mail contacts and change distribution group members and settings (with an Exchange role)",
    },
];

/// The permissions asked only when `need`'s feature is used (incremental consent), for
/// `resource`.
pub fn when_needed_scopes(resource: Resource, need: Need) -> Vec<String> {
    DELEGATED_SCOPES
        .iter()
        .filter(|s| s.resource == resource && s.asked == Asked::WhenNeeded(need))
        .map(|s| s.scope.to_owned())
        .collect()
}

/// The permissions a partner's deployment asks at sign-in besides [`sign_in_scopes`].
pub fn partner_scopes() -> Vec<String> {
    DELEGATED_SCOPES
        .iter()
        .filter(|s| s.asked == Asked::ForPartners)
        .map(|s| s.scope.to_owned())
        .collect()
}

/// The scopes asked at sign-in for `resource`, as sent to MSAL.
pub fn sign_in_scopes(resource: Resource) -> Vec<String> {
    DELEGATED_SCOPES
        .iter()
        .filter(|s| s.resource == resource && s.asked == Asked::AtSignIn)
        .map(|s| s.scope.to_owned())
        .collect()
}

/// The permission name without its resource: `https://graph.microsoft.com/User.Read` → `User.Read`.
pub fn short_name(scope: &str) -> &str {
    scope.rsplit_once('/').map_or(scope, |(_, name)| name)
}

/// Which of the sign-in scopes for `resource` are missing from what the token response granted.
/// Granted scopes come back with or without the resource prefix and in any case (Entra answers
/// `User.Read` for Graph), so they are compared by short name, case-insensitively.
pub fn missing_scopes(resource: Resource, granted: &[String]) -> Vec<String> {
    sign_in_scopes(resource)
        .iter()
        .map(|s| short_name(s))
        .filter(|want| {
            !granted
                .iter()
                .any(|g| short_name(g).eq_ignore_ascii_case(want))
        })
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_asks_five_graph_permissions_and_exchange_manage() {
        let graph = sign_in_scopes(Resource::Graph);
        assert_eq!(
            graph.iter().map(|s| short_name(s)).collect::<Vec<_>>(),
            [
                "User.Read",
                "User.Read.All",
                "GroupMember.ReadWrite.All",
                "OrgContact.Read.All",
                "User.Invite.All"
            ]
        );
        assert!(!graph.iter().any(
            |s| s.ends_with("Group.ReadWrite.All") && !s.ends_with("GroupMember.ReadWrite.All")
        ));
        assert_eq!(
            sign_in_scopes(Resource::Exchange),
            ["https://outlook.office365.com/Exchange.Manage"]
        );
    }

    #[test]
    fn each_feature_asks_its_own_permission_when_needed() {
        assert_eq!(
            when_needed_scopes(Resource::Graph, Need::GroupSettings),
            ["https://graph.microsoft.com/Group.ReadWrite.All"]
        );
        assert_eq!(
            when_needed_scopes(Resource::Graph, Need::People),
            ["https://graph.microsoft.com/User.ReadWrite.All"]
        );
        assert!(!sign_in_scopes(Resource::Graph)
            .iter()
            .any(|s| s.ends_with("User.ReadWrite.All")));
        assert!(when_needed_scopes(Resource::Exchange, Need::People).is_empty());
    }

    #[test]
    fn every_scope_names_its_own_resource() {
        for s in DELEGATED_SCOPES {
            let host = match s.resource {
                Resource::Graph => "https://graph.microsoft.com/",
                Resource::Exchange => "https://outlook.office365.com/",
            };
            assert!(s.scope.starts_with(host), "{}", s.scope);
            assert!(!s.why.is_empty());
        }
    }

    #[test]
    fn missing_scopes_compares_short_names_case_insensitively() {
        let granted: Vec<String> = [
            "openid",
            "profile",
            "https://graph.microsoft.com/User.Read",
            "user.read.all",
            "GroupMember.ReadWrite.All",
            "https://graph.microsoft.com/OrgContact.Read.All",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            missing_scopes(Resource::Graph, &granted),
            ["User.Invite.All"]
        );
        assert!(missing_scopes(
            Resource::Exchange,
            &["https://outlook.office365.com/Exchange.Manage".to_owned()]
        )
        .is_empty());
        assert_eq!(missing_scopes(Resource::Exchange, &[]), ["Exchange.Manage"]);
    }
}

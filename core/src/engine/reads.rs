//! What the tenant holds, read the cheap way, in the plan's terms: a group's kind and whether it
//! takes mail from outside, and the snapshot of contacts, users and members a plan is made from
//! (and Verify re-reads). The conversions from the clients' models are here once.

use std::collections::{BTreeSet, HashMap};

use crate::domain::email::EmailAddress;
use crate::domain::group::{ExternalSenders, GroupKind, MemberKind};
use crate::domain::plan::{
    ExistingContact, ExistingUser, MemberRef, MemberTarget, Plan, TargetGroup, TenantSnapshot,
    UserType,
};
use crate::domain::verify::{self, PersonDetails};
use crate::tenant::lookup::RegisterReads;
use crate::tenant::{
    ExchangeClient, GraphClient, Group, GroupId, Member, OrgContact, Sleeper, TenantError,
    TokenSource, Transport, User,
};

/// A contact as the plan sees it; `None` without a usable `mail`.
pub fn existing_contact(c: OrgContact) -> Option<ExistingContact> {
    let mail = EmailAddress::parse(c.mail.as_deref()?).ok()?;
    Some(ExistingContact {
        id: c.id.as_str().to_owned(),
        display_name: c.display_name.unwrap_or_else(|| mail.to_string()),
        mail,
    })
}

/// A user (member or guest) as the plan sees it.
pub fn existing_user(u: User) -> ExistingUser {
    ExistingUser {
        user_type: if u.is_guest() {
            UserType::Guest
        } else {
            UserType::Member
        },
        mail: u.mail.as_deref().and_then(|m| EmailAddress::parse(m).ok()),
        other_mails: u
            .other_mails
            .iter()
            .filter_map(|m| EmailAddress::parse(m).ok())
            .collect(),
        user_principal_name: u.user_principal_name.unwrap_or_default(),
        display_name: u.display_name.unwrap_or_default(),
        id: u.id.0,
    }
}

/// The register's reads as the snapshot an offboarding plan is made from: the contacts and
/// guests that exist, and each group's member ids.
pub fn register_snapshot(reads: &RegisterReads) -> TenantSnapshot {
    TenantSnapshot {
        contacts: reads
            .contacts
            .iter()
            .cloned()
            .filter_map(existing_contact)
            .collect(),
        users: reads.guests.iter().cloned().map(existing_user).collect(),
        members: reads
            .groups
            .iter()
            .zip(&reads.members)
            .map(|(g, m)| (g.id.as_str().to_owned(), m.iter().cloned().collect()))
            .collect(),
        taken_names: Vec::new(),
    }
}

/// A group's member as a plan names it, for taking them out: by object id (Exchange's
/// `-Member` takes it too), with the address the log and the script show — `mail`, else the
/// UPN; `None` for a member with neither (a device, a group without mail).
pub fn member_ref(member: &Member) -> Option<MemberRef> {
    let (kind, address) = match member {
        Member::Contact(c) => (MemberKind::MailContact, c.mail.clone()?),
        Member::User(u) => (
            if u.is_guest() {
                MemberKind::Guest
            } else {
                MemberKind::MemberUser
            },
            u.mail.clone().or_else(|| u.user_principal_name.clone())?,
        ),
        Member::Group(_) | Member::Other { .. } => return None,
    };
    Some(MemberRef {
        kind,
        target: MemberTarget::Existing {
            id: member.id().to_owned(),
        },
        address: EmailAddress::parse(&address).ok()?,
        exchange_identity: member.id().to_owned(),
    })
}

/// `allowExternalSenders` in the plan's terms.
pub fn from_allow_external_senders(allow: Option<bool>) -> ExternalSenders {
    match allow {
        Some(true) => ExternalSenders::Allowed,
        Some(false) => ExternalSenders::Rejected,
        None => ExternalSenders::Unknown,
    }
}

/// `RequireSenderAuthenticationEnabled` in the plan's terms (`true`: externals get 5.7.133).
pub fn from_require_sender_authentication(required: Option<bool>) -> ExternalSenders {
    match required {
        Some(true) => ExternalSenders::Rejected,
        Some(false) => ExternalSenders::Allowed,
        None => ExternalSenders::Unknown,
    }
}

/// Whether a group takes mail from outside the organisation, for any kind of group: Microsoft
/// 365 groups through Graph's `allowExternalSenders`; distribution and mail-enabled security
/// groups through Exchange's `RequireSenderAuthenticationEnabled` — unknown without Exchange
/// (script mode), as is a dynamic group here; security groups have no mail.
pub async fn external_senders<T: Transport, K: TokenSource, S: Sleeper>(
    graph: &GraphClient<T, K, S>,
    exchange: Option<&ExchangeClient<T, K, S>>,
    id: &GroupId,
    kind: GroupKind,
    exchange_identity: &str,
) -> Result<ExternalSenders, TenantError> {
    Ok(match kind {
        GroupKind::Microsoft365 => {
            from_allow_external_senders(graph.allow_external_senders(id).await?)
        }
        GroupKind::Distribution | GroupKind::MailEnabledSecurity => match exchange {
            Some(x) => from_require_sender_authentication(
                x.get_distribution_group(exchange_identity)
                    .await?
                    .require_sender_authentication_enabled,
            ),
            None => ExternalSenders::Unknown,
        },
        GroupKind::Security => ExternalSenders::NotApplicable,
        GroupKind::DynamicDistribution => ExternalSenders::Unknown,
    })
}

/// A group as a planning target: its kind and whether it takes mail from outside.
pub async fn target_group<T: Transport, K: TokenSource, S: Sleeper>(
    graph: &GraphClient<T, K, S>,
    exchange: Option<&ExchangeClient<T, K, S>>,
    group: &Group,
) -> Result<TargetGroup, TenantError> {
    let kind = group
        .kind()
        .map_err(|e| TenantError::InvalidRequest(e.to_string()))?;
    let identity = group.mail.as_deref().unwrap_or(group.id.as_str());
    let external_senders = external_senders(graph, exchange, &group.id, kind, identity).await?;
    Ok(TargetGroup {
        id: group.id.as_str().to_owned(),
        name: group
            .display_name
            .clone()
            .unwrap_or_else(|| group.id.as_str().to_owned()),
        mail: group.mail.clone(),
        kind,
        external_senders,
        dynamic_membership: group.is_dynamic(),
        on_premises_synced: group.on_premises_sync_enabled.unwrap_or(false),
    })
}

/// Contacts and users holding any of `addresses`, and the members of each group (dynamic
/// distribution groups have none to read).
pub async fn snapshot<T: Transport, K: TokenSource, S: Sleeper>(
    graph: &GraphClient<T, K, S>,
    groups: &[TargetGroup],
    addresses: &[EmailAddress],
) -> Result<TenantSnapshot, TenantError> {
    let ascii: Vec<String> = addresses.iter().map(ToString::to_string).collect();
    let contacts = graph
        .contacts_with_mail(&ascii)
        .await?
        .into_iter()
        .filter_map(existing_contact)
        .collect();
    let users = graph
        .users_with_mail(&ascii)
        .await?
        .into_iter()
        .map(existing_user)
        .collect();
    let mut members = HashMap::new();
    for g in groups {
        if g.kind == GroupKind::DynamicDistribution {
            continue;
        }
        members.insert(
            g.id.clone(),
            graph.member_ids(&GroupId(g.id.clone())).await?,
        );
    }
    Ok(TenantSnapshot {
        contacts,
        users,
        members,
        taken_names: Vec::new(),
    })
}

/// The addresses a plan concerns, each once, in a stable order.
pub fn plan_addresses(plan: &Plan) -> Vec<EmailAddress> {
    plan.entries
        .iter()
        .filter_map(|e| e.address.clone())
        .chain(plan.ops.iter().filter_map(|o| o.op.address().cloned()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// What Verify re-reads: the snapshot for the plan's people and groups, the external-senders
/// setting of every Microsoft 365 group (the one Graph can show), and what Graph shows of the
/// people whose details or end date the plan changes ([`verify::readbacks`]).
pub async fn after_snapshot<T: Transport, K: TokenSource, S: Sleeper>(
    graph: &GraphClient<T, K, S>,
    plan: &Plan,
) -> Result<AfterReads, TenantError> {
    let after = snapshot(graph, &plan.groups, &plan_addresses(plan)).await?;
    let mut senders = HashMap::new();
    for g in plan
        .groups
        .iter()
        .filter(|g| g.kind == GroupKind::Microsoft365)
    {
        let s = from_allow_external_senders(
            graph.allow_external_senders(&GroupId(g.id.clone())).await?,
        );
        senders.insert(g.id.clone(), s);
    }
    let mut details = HashMap::new();
    for (id, contact) in verify::readbacks(plan, &after) {
        let read = if contact {
            graph
                .register_contact(&id)
                .await
                .map(|c| contact_details(&c))
        } else {
            graph.register_guest(&id).await.map(|u| user_details(&u))
        };
        match read {
            Ok(d) => {
                details.insert(id, d);
            }
            // Gone: whatever was to change on them is not there.
            Err(TenantError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(AfterReads {
        after,
        senders,
        details,
    })
}

/// What [`after_snapshot`] read.
pub struct AfterReads {
    pub after: TenantSnapshot,
    pub senders: HashMap<String, ExternalSenders>,
    pub details: HashMap<String, PersonDetails>,
}

/// What Graph's orgContact shows of a contact's details: `displayName`, `givenName`, `surname`,
/// `companyName` (<https://learn.microsoft.com/graph/api/resources/orgcontact>).
fn contact_details(c: &OrgContact) -> PersonDetails {
    PersonDetails {
        display_name: c.display_name.clone(),
        given_name: c.given_name.clone(),
        surname: c.surname.clone(),
        company: c.company_name.clone(),
        extension_attributes: Vec::new(),
    }
}

/// A user's names and `onPremisesExtensionAttributes`
/// (<https://learn.microsoft.com/graph/api/resources/onpremisesextensionattributes>).
fn user_details(u: &User) -> PersonDetails {
    let attributes = u.on_premises_extension_attributes.as_ref();
    PersonDetails {
        display_name: u.display_name.clone(),
        given_name: u.given_name.clone(),
        surname: u.surname.clone(),
        company: u.company_name.clone(),
        extension_attributes: (1..=15)
            .map(|n| attributes.and_then(|a| a.get(n)).map(str::to_owned))
            .collect(),
    }
}

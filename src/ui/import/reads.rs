//! The bulk reads behind the plan preview: the target groups' settings and members, and every
//! contact and user holding one of the file's addresses — in Graph `$batch`es of filtered
//! queries (20 requests of several addresses each), not one lookup per row.
//!
//! Generic over the clients' transport, so the same code runs in the browser and natively
//! against the simulated tenant.

use guestlist_core::domain::email::EmailAddress;
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::plan::{
    ExistingContact, ExistingUser, TargetGroup, TenantSnapshot, UserType,
};
use guestlist_core::tenant::graph::odata_string;
use guestlist_core::tenant::{
    BatchRequest, ExchangeClient, GraphClient, Group, Method, OrgContact, Sleeper, TenantError,
    TokenSource, Transport, User,
};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// Graph's limit of requests in one `$batch`
/// (<https://learn.microsoft.com/graph/json-batching>).
const BATCH: usize = 20;
/// Addresses per contact query: `mail eq … or mail eq …`. Kept well under Graph's limit on
/// `or` clauses in one filter.
const CONTACT_CHUNK: usize = 10;
/// Addresses per user query: three clauses each (mail, UPN, otherMails).
const USER_CHUNK: usize = 5;

#[derive(Deserialize)]
struct Collection<T> {
    value: Vec<T>,
}

/// A chosen group as a planning target: its kind, and whether it accepts external senders —
/// `allowExternalSenders` (Graph, Microsoft 365 groups) or `RequireSenderAuthenticationEnabled`
/// (Exchange, distribution and mail-enabled security groups; unknown without Exchange).
pub async fn target_group<T: Transport, K: TokenSource, S: Sleeper>(
    graph: &GraphClient<T, K, S>,
    exchange: Option<&ExchangeClient<T, K, S>>,
    group: &Group,
) -> Result<TargetGroup, TenantError> {
    let kind = group
        .kind()
        .map_err(|e| TenantError::InvalidRequest(e.to_string()))?;
    let external_senders = match kind {
        GroupKind::Microsoft365 => {
            let full = graph.get_group(&group.id, true).await?;
            match full.allow_external_senders {
                Some(true) => ExternalSenders::Allowed,
                Some(false) => ExternalSenders::Rejected,
                None => ExternalSenders::Unknown,
            }
        }
        GroupKind::Distribution | GroupKind::MailEnabledSecurity => match exchange {
            Some(x) => {
                let identity = group.mail.as_deref().unwrap_or(group.id.as_str());
                match x
                    .get_distribution_group(identity)
                    .await?
                    .require_sender_authentication_enabled
                {
                    Some(true) => ExternalSenders::Rejected,
                    Some(false) => ExternalSenders::Allowed,
                    None => ExternalSenders::Unknown,
                }
            }
            None => ExternalSenders::Unknown,
        },
        GroupKind::Security => ExternalSenders::NotApplicable,
        GroupKind::DynamicDistribution => ExternalSenders::Unknown,
    };
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

/// Runs `urls` as `$batch`es of 20 and returns every item of every answer.
async fn batched<R, T, K, S>(
    graph: &GraphClient<T, K, S>,
    urls: Vec<String>,
    eventual: bool,
) -> Result<Vec<R>, TenantError>
where
    R: serde::de::DeserializeOwned,
    T: Transport,
    K: TokenSource,
    S: Sleeper,
{
    let mut out = Vec::new();
    for (n, chunk) in urls.chunks(BATCH).enumerate() {
        let requests = chunk
            .iter()
            .enumerate()
            .map(|(i, url)| {
                let mut r = BatchRequest::new(format!("{n}-{i}"), Method::Get, url.clone());
                if eventual {
                    r.headers
                        .push(("ConsistencyLevel".into(), "eventual".into()));
                }
                r
            })
            .collect();
        for answer in graph.batch(requests).await? {
            let c: Collection<R> = answer.decode()?;
            out.extend(c.value);
        }
    }
    Ok(out)
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Contacts and users holding any of `addresses`, and the members of each group.
pub async fn snapshot<T: Transport, K: TokenSource, S: Sleeper>(
    graph: &GraphClient<T, K, S>,
    groups: &[TargetGroup],
    addresses: &[EmailAddress],
) -> Result<TenantSnapshot, TenantError> {
    let contact_urls = addresses
        .chunks(CONTACT_CHUNK)
        .map(|chunk| {
            let filter = chunk
                .iter()
                .map(|a| format!("mail eq {}", odata_string(&a.to_string())))
                .collect::<Vec<_>>()
                .join(" or ");
            format!(
                "/contacts?$filter={}&$select=id,displayName,mail",
                encode(&filter)
            )
        })
        .collect();
    let user_urls = addresses
        .chunks(USER_CHUNK)
        .map(|chunk| {
            let filter = chunk
                .iter()
                .map(|a| {
                    let a = odata_string(&a.to_string());
                    format!("mail eq {a} or userPrincipalName eq {a} or otherMails/any(x:x eq {a})")
                })
                .collect::<Vec<_>>()
                .join(" or ");
            format!(
                "/users?$filter={}&$select=id,displayName,mail,otherMails,userPrincipalName,userType&$count=true",
                encode(&filter)
            )
        })
        .collect();
    let contacts: Vec<OrgContact> = batched(graph, contact_urls, false).await?;
    let users: Vec<User> = batched(graph, user_urls, true).await?;

    let mut seen = HashSet::new();
    let contacts = contacts
        .into_iter()
        .filter(|c| seen.insert(c.id.as_str().to_owned()))
        .filter_map(|c| {
            let mail = EmailAddress::parse(c.mail.as_deref()?).ok()?;
            Some(ExistingContact {
                id: c.id.as_str().to_owned(),
                display_name: c.display_name.unwrap_or_else(|| mail.to_string()),
                mail,
            })
        })
        .collect();
    let mut seen = HashSet::new();
    let users = users
        .into_iter()
        .filter(|u| seen.insert(u.id.as_str().to_owned()))
        .map(|u| ExistingUser {
            id: u.id.as_str().to_owned(),
            user_type: if u.is_guest() {
                UserType::Guest
            } else {
                UserType::Member
            },
            user_principal_name: u.user_principal_name.clone().unwrap_or_default(),
            mail: u.mail.as_deref().and_then(|m| EmailAddress::parse(m).ok()),
            other_mails: u
                .other_mails
                .iter()
                .filter_map(|m| EmailAddress::parse(m).ok())
                .collect(),
            display_name: u.display_name.clone().unwrap_or_default(),
        })
        .collect();

    let mut members = HashMap::new();
    for g in groups {
        if g.kind == GroupKind::DynamicDistribution {
            continue;
        }
        let id = guestlist_core::tenant::GroupId(g.id.clone());
        let first = graph.list_members(&id).await?;
        let all = graph.all_pages(first, usize::MAX).await?;
        members.insert(
            g.id.clone(),
            all.items.iter().map(|m| m.id().to_owned()).collect(),
        );
    }
    Ok(TenantSnapshot {
        contacts,
        users,
        members,
        taken_names: Vec::new(),
    })
}

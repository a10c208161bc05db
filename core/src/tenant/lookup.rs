//! Bulk reads as typed client methods: contacts and users by address in Graph `$batch`es of
//! filtered queries (20 requests of several addresses each, not one lookup per row), all of a
//! group's member ids, a Microsoft 365 group's `allowExternalSenders`, Exchange's group
//! lists, and the externals register's reads ([`GraphClient::register_reads`]). The change
//! engine's snapshot is built from these; no caller builds their URLs.

use std::collections::{HashMap, HashSet};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use super::delivery::GroupDelivery;
use super::exchange::{DistributionGroup, ExchangeClient};
use super::graph::{odata_string, BatchRequest, GraphClient, MAX_BATCH};
use super::http::{
    encode_path_segment, encode_query_value, HttpRequest, Method, Sleeper, TokenSource, Transport,
};
use super::models::{
    Collection as Paged, Group, GroupId, Member, ObjectId, OrgContact, Page, User,
};
use super::TenantError;
use crate::domain::plan::ContactEdit;
use crate::domain::register::{
    AccessUntil, Day, ExternalKind, InvitationState, RegisterGroup, Source, SourcePerson,
};

/// Addresses per contact query: `mail eq … or mail eq …`, kept well under Graph's limit on `or`
/// clauses in one filter.
const CONTACT_CHUNK: usize = 10;
/// Addresses per user query: three clauses each (mail, UPN, otherMails).
const USER_CHUNK: usize = 5;

const CONTACT_LOOKUP_SELECT: &str = "id,displayName,mail";
const USER_LOOKUP_SELECT: &str = "id,displayName,mail,otherMails,userPrincipalName,userType";

#[derive(Deserialize)]
struct Collection<T> {
    value: Vec<T>,
}

/// A group's `allowExternalSenders` as `GET /groups/{id}?$select=…` answers it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Senders {
    #[serde(default)]
    allow_external_senders: Option<bool>,
}

/// The one request Graph shows a group's `allowExternalSenders` on.
fn senders_path(group: &GroupId) -> String {
    format!(
        "/groups/{}?$select=id,allowExternalSenders",
        encode_path_segment(group.as_str())
    )
}

impl<T: Transport, K: TokenSource, S: Sleeper> GraphClient<T, K, S> {
    /// Every contact whose `mail` is one of `addresses` (each contact once)
    /// (<https://learn.microsoft.com/graph/api/orgcontact-list>).
    pub async fn contacts_with_mail(
        &self,
        addresses: &[String],
    ) -> Result<Vec<OrgContact>, TenantError> {
        let urls = addresses
            .chunks(CONTACT_CHUNK)
            .map(|chunk| {
                let filter = chunk
                    .iter()
                    .map(|a| format!("mail eq {}", odata_string(a)))
                    .collect::<Vec<_>>()
                    .join(" or ");
                format!(
                    "/contacts?$filter={}&$select={CONTACT_LOOKUP_SELECT}",
                    encode_query_value(&filter)
                )
            })
            .collect();
        let contacts: Vec<OrgContact> = self.batched_lists(urls, false).await?;
        let mut seen = HashSet::new();
        Ok(contacts
            .into_iter()
            .filter(|c| seen.insert(c.id.as_str().to_owned()))
            .collect())
    }

    /// Every user (member or guest) holding one of `addresses` as `mail`, as UPN or in
    /// `otherMails` (each user once). `otherMails/any` is an advanced query: it needs
    /// `ConsistencyLevel: eventual` and `$count=true`
    /// (<https://learn.microsoft.com/graph/aad-advanced-queries>).
    pub async fn users_with_mail(&self, addresses: &[String]) -> Result<Vec<User>, TenantError> {
        let urls = addresses
            .chunks(USER_CHUNK)
            .map(|chunk| {
                let filter = chunk
                    .iter()
                    .map(|a| {
                        let a = odata_string(a);
                        format!(
                            "mail eq {a} or userPrincipalName eq {a} or otherMails/any(x:x eq {a})"
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" or ");
                format!(
                    "/users?$filter={}&$select={USER_LOOKUP_SELECT}&$count=true",
                    encode_query_value(&filter)
                )
            })
            .collect();
        let users: Vec<User> = self.batched_lists(urls, true).await?;
        let mut seen = HashSet::new();
        Ok(users
            .into_iter()
            .filter(|u| seen.insert(u.id.as_str().to_owned()))
            .collect())
    }

    /// The ids of every direct member of a group, all pages.
    pub async fn member_ids(&self, group: &GroupId) -> Result<HashSet<String>, TenantError> {
        let first = self.list_members(group).await?;
        let all = self.all_pages::<Member>(first, usize::MAX).await?;
        Ok(all.items.iter().map(|m| m.id().to_owned()).collect())
    }

    /// A Microsoft 365 group's `allowExternalSenders`, which Graph returns only on a
    /// single-group GET that `$select`s it
    /// (<https://learn.microsoft.com/graph/api/group-get>); `None` when it isn't returned.
    pub async fn allow_external_senders(
        &self,
        group: &GroupId,
    ) -> Result<Option<bool>, TenantError> {
        let s: Senders = self
            .get_json(
                "GET /groups/{id}?$select=allowExternalSenders",
                self.url(&senders_path(group)),
                false,
            )
            .await?;
        Ok(s.allow_external_senders)
    }

    /// [`GraphClient::allow_external_senders`] of up to [`MAX_BATCH`] groups in one `POST
    /// /$batch`: still one single-group GET per group, the only request Graph answers it on
    /// ("Returned only on `$select`. Supported only on the Get group API (`GET /groups/{ID}`)":
    /// the group resource's properties, <https://learn.microsoft.com/graph/api/resources/group>).
    /// One result per id, in order; the outer error is the batch's own.
    pub async fn allow_external_senders_of(
        &self,
        groups: &[GroupId],
    ) -> Result<Vec<Result<Option<bool>, TenantError>>, TenantError> {
        let requests = groups
            .iter()
            .enumerate()
            .map(|(i, g)| BatchRequest::new(i.to_string(), Method::Get, senders_path(g)))
            .collect();
        let answers = self.batch(requests).await?;
        Ok(answers
            .into_iter()
            .map(|a| match a.error() {
                Some(e) => Err(e),
                None => serde_json::from_value::<Senders>(a.body.unwrap_or_default())
                    .map(|s| s.allow_external_senders)
                    .map_err(|e| TenantError::Decode {
                        what: format!("$batch item {} (allowExternalSenders)", a.id),
                        path: "body".into(),
                        message: e.to_string(),
                    }),
            })
            .collect())
    }

    /// Runs list queries (paths under the Graph root) as `$batch`es of 20 and returns every
    /// item of every answer.
    async fn batched_lists<R: DeserializeOwned>(
        &self,
        paths: Vec<String>,
        eventual: bool,
    ) -> Result<Vec<R>, TenantError> {
        let mut out = Vec::new();
        for (n, chunk) in paths.chunks(MAX_BATCH).enumerate() {
            let requests = chunk
                .iter()
                .enumerate()
                .map(|(i, path)| {
                    let mut r = BatchRequest::new(format!("{n}-{i}"), Method::Get, path.clone());
                    if eventual {
                        r.headers
                            .push(("ConsistencyLevel".into(), "eventual".into()));
                    }
                    r
                })
                .collect();
            for answer in self.batch(requests).await? {
                let c: Collection<R> = answer.decode()?;
                out.extend(c.value);
            }
        }
        Ok(out)
    }
}

// ----- the externals register -----

/// The page size asked of directory collections: 999, the documented maximum
/// (<https://learn.microsoft.com/graph/paging>).
pub const PAGE_SIZE: usize = 999;

/// A group with more members than this has a second page of members; the register then reads
/// only its contacts and guests (two cast queries) instead of paging through its staff.
pub const MEMBER_PAGE: usize = PAGE_SIZE;

const REGISTER_CONTACT_SELECT: &str =
    "id,displayName,mail,givenName,surname,companyName,proxyAddresses";
const REGISTER_GUEST_SELECT: &str = "id,displayName,mail,userPrincipalName,otherMails,givenName,surname,userType,companyName,createdDateTime,externalUserState,externalUserStateChangeDateTime,onPremisesSyncEnabled,onPremisesExtensionAttributes";

/// What the register reads from Graph: every mail contact, every guest, every group, and each
/// group's member ids (aligned with `groups`), plus the HTTP requests it took.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegisterReads {
    pub contacts: Vec<OrgContact>,
    pub guests: Vec<User>,
    pub groups: Vec<Group>,
    /// Member ids of `groups[i]`.
    pub members: Vec<Vec<String>>,
    /// Requests sent (each page and each `$batch` once; retries not counted).
    pub requests: usize,
}

/// The requests [`GraphClient::register_reads`] makes for a tenant of `contacts` mail contacts,
/// `guests` guests and `groups` groups of which `large_groups` have more than [`MEMBER_PAGE`]
/// members (and at most that many contacts and guests each): a page of 999 per started
/// thousand contacts, guests and groups, one `$batch` per 20 groups for their first page of
/// members, and one per 20 of the two cast queries each large group needs.
///
/// For 5,000 contacts, 2,000 guests and 300 groups that fit in a page: 6 + 3 + 1 + 15 = 25
/// requests (one `memberOf` per person would be 7,000).
pub fn register_read_requests(
    contacts: usize,
    guests: usize,
    groups: usize,
    large_groups: usize,
) -> usize {
    let pages = |n: usize| n.div_ceil(PAGE_SIZE).max(1);
    pages(contacts)
        + pages(guests)
        + pages(groups)
        + groups.div_ceil(MAX_BATCH)
        + (2 * large_groups).div_ceil(MAX_BATCH)
}

/// A members query waiting for its `$batch`.
struct MemberJob {
    group: usize,
    /// Relative to the version root.
    path: String,
    /// The whole member list's first page (a next link makes it a large group).
    first_page: bool,
    eventual: bool,
}

impl<T: Transport, K: TokenSource, S: Sleeper> GraphClient<T, K, S> {
    /// Everything the externals register needs, the cheap way: all mail contacts
    /// (`GET /contacts`, 999 a page, <https://learn.microsoft.com/graph/api/orgcontact-list>),
    /// all guests (`GET /users?$filter=userType eq 'Guest'` with `$select` of
    /// `externalUserState`, `externalUserStateChangeDateTime`, `createdDateTime`,
    /// `onPremisesExtensionAttributes` …, which come on `$select` only,
    /// <https://learn.microsoft.com/graph/api/user-list>), all groups, and the members of every
    /// group read in `$batch`es of 20 (<https://learn.microsoft.com/graph/json-batching>) and
    /// inverted by [`RegisterReads::source`] — not one `memberOf` per person. A group whose
    /// members run past one page (an all-staff list) is read again as its contacts
    /// (`/members/microsoft.graph.orgContact`) and guests (`/members/microsoft.graph.user` with
    /// `$filter=userType eq 'Guest'`, an advanced query) rather than paged through; those lists'
    /// own next links are followed in later batches. [`register_read_requests`] states the cost.
    pub async fn register_reads(&self) -> Result<RegisterReads, TenantError> {
        let mut reads = self.register_people().await?;
        self.register_memberships(&mut reads).await?;
        Ok(reads)
    }

    /// The first half of [`register_reads`](Self::register_reads): every mail contact and every
    /// guest, without groups — enough for the register's first rows. `groups` and `members` stay
    /// empty until [`register_memberships`](Self::register_memberships).
    pub async fn register_people(&self) -> Result<RegisterReads, TenantError> {
        let mut requests = 0;
        let contacts: Vec<OrgContact> = self
            .every_page(
                "GET /contacts",
                &format!("/contacts?$select={REGISTER_CONTACT_SELECT}&$top={PAGE_SIZE}"),
                false,
                &mut requests,
            )
            .await?;
        let guest_filter = encode_query_value("userType eq 'Guest'");
        let guests: Vec<User> = self
            .every_page(
                "GET /users (guests)",
                &format!(
                    "/users?$filter={guest_filter}&$select={REGISTER_GUEST_SELECT}&$top={PAGE_SIZE}"
                ),
                false,
                &mut requests,
            )
            .await?;
        Ok(RegisterReads {
            contacts,
            guests,
            requests,
            ..RegisterReads::default()
        })
    }

    /// The second half: every group and each group's member ids, into `reads` (its request
    /// count grows by what they took).
    pub async fn register_memberships(&self, reads: &mut RegisterReads) -> Result<(), TenantError> {
        let mut requests = 0;
        let groups: Vec<Group> = {
            let first = self.list_groups().await?;
            requests += 1;
            let mut items = first.items;
            let mut next = first.next;
            while let Some(link) = next {
                let page: Page<Group> = self.next_page(&link).await?;
                requests += 1;
                items.extend(page.items);
                next = page.next;
            }
            items
        };
        let members = self.members_in_batches(&groups, &mut requests).await?;
        reads.groups = groups;
        reads.members = members;
        reads.requests += requests;
        Ok(())
    }

    /// A contact with the register's `$select` (`GET /contacts/{id}`: names, company, address;
    /// <https://learn.microsoft.com/graph/api/orgcontact-get>). Gone → [`TenantError::NotFound`].
    pub async fn register_contact(&self, id: &str) -> Result<OrgContact, TenantError> {
        let seg = encode_path_segment(id);
        let url = self.url(&format!(
            "/contacts/{seg}?$select={REGISTER_CONTACT_SELECT}"
        ));
        self.get_json("GET /contacts/{id}", url, false).await
    }

    /// A guest (or any user) with the register's `$select` (`GET /users/{id}`, with
    /// `onPremisesExtensionAttributes`). Gone → [`TenantError::NotFound`].
    pub async fn register_guest(&self, id: &str) -> Result<User, TenantError> {
        let seg = encode_path_segment(id);
        let url = self.url(&format!("/users/{seg}?$select={REGISTER_GUEST_SELECT}"));
        self.get_json("GET /users/{id}", url, false).await
    }

    /// One person of the register read afresh, for their own page: the contact
    /// (`GET /contacts/{id}`) or guest (`GET /users/{id}`, with the register's `$select`), and
    /// every group they are directly in (`GET /contacts/{id}/memberOf`,
    /// `GET /users/{id}/memberOf`: <https://learn.microsoft.com/graph/api/orgcontact-list-memberof>,
    /// <https://learn.microsoft.com/graph/api/user-list-memberof>), as [`RegisterReads`] of one
    /// person (`members` holds just them) so that [`RegisterReads::source`] makes their row.
    /// Gone → [`TenantError::NotFound`].
    pub async fn register_person(
        &self,
        kind: ExternalKind,
        id: &str,
    ) -> Result<RegisterReads, TenantError> {
        let seg = encode_path_segment(id);
        let mut reads = RegisterReads::default();
        let collection = match kind {
            ExternalKind::Contact => {
                reads.contacts.push(self.register_contact(id).await?);
                "contacts"
            }
            ExternalKind::Guest => {
                reads.guests.push(self.register_guest(id).await?);
                "users"
            }
        };
        reads.requests = 1;
        // memberOf lists directory roles and administrative units too: groups only.
        let of: Vec<serde_json::Value> = self
            .every_page(
                "GET memberOf",
                &format!("/{collection}/{seg}/memberOf?$top={PAGE_SIZE}"),
                false,
                &mut reads.requests,
            )
            .await?;
        for item in of {
            if item.get("@odata.type").and_then(|t| t.as_str()) != Some("#microsoft.graph.group") {
                continue;
            }
            reads.groups.push(
                serde_json::from_value(item).map_err(|e| TenantError::Decode {
                    what: "GET memberOf".into(),
                    path: "value[]".into(),
                    message: e.to_string(),
                })?,
            );
            reads.members.push(vec![id.to_owned()]);
        }
        Ok(reads)
    }

    /// Every item of a collection, following `@odata.nextLink`s.
    async fn every_page<R: DeserializeOwned>(
        &self,
        what: &str,
        path: &str,
        eventual: bool,
        requests: &mut usize,
    ) -> Result<Vec<R>, TenantError> {
        let first: Paged<R> = self.get_json(what, self.url(path), eventual).await?;
        *requests += 1;
        let mut items = first.value;
        let mut next = first.next_link;
        while let Some(link) = next {
            let page: Page<R> = self.next_page(&link).await?;
            *requests += 1;
            items.extend(page.items);
            next = page.next;
        }
        Ok(items)
    }

    /// The member ids of each group (aligned with `groups`), 20 member queries a `$batch`.
    async fn members_in_batches(
        &self,
        groups: &[Group],
        requests: &mut usize,
    ) -> Result<Vec<Vec<String>>, TenantError> {
        let mut members: Vec<Vec<String>> = vec![Vec::new(); groups.len()];
        let mut seen: Vec<HashSet<String>> = vec![HashSet::new(); groups.len()];
        let mut queue: std::collections::VecDeque<MemberJob> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| MemberJob {
                group: i,
                path: format!(
                    "/groups/{}/members?$select=id&$top={MEMBER_PAGE}",
                    encode_path_segment(g.id.as_str())
                ),
                first_page: true,
                eventual: false,
            })
            .collect();
        let base = format!("{}/", self.base_url());
        // Rounds: every group's first page, then what those asked for (a large group's two cast
        // queries, next links), and so on; each round in batches of 20. Keeping rounds apart
        // makes the cost a function of the tenant's shape alone ([`register_read_requests`]).
        let mut later: std::collections::VecDeque<MemberJob> = std::collections::VecDeque::new();
        loop {
            if queue.is_empty() {
                if later.is_empty() {
                    break;
                }
                std::mem::swap(&mut queue, &mut later);
            }
            let take = queue.len().min(MAX_BATCH);
            let jobs: Vec<MemberJob> = queue.drain(..take).collect();
            let batch = jobs
                .iter()
                .enumerate()
                .map(|(i, j)| {
                    let mut r = BatchRequest::new(i.to_string(), Method::Get, j.path.clone());
                    if j.eventual {
                        r.headers
                            .push(("ConsistencyLevel".into(), "eventual".into()));
                    }
                    r
                })
                .collect();
            let answers = self.batch(batch).await?;
            *requests += 1;
            for (job, answer) in jobs.iter().zip(answers) {
                let page: Paged<IdOnly> = answer.decode()?;
                for m in page.value {
                    if seen[job.group].insert(m.id.clone()) {
                        members[job.group].push(m.id);
                    }
                }
                let Some(link) = page.next_link else { continue };
                if job.first_page {
                    // A large group: its contacts and guests only.
                    let id = encode_path_segment(groups[job.group].id.as_str());
                    later.push_back(MemberJob {
                        group: job.group,
                        path: format!(
                            "/groups/{id}/members/microsoft.graph.orgContact?$select=id&$top={MEMBER_PAGE}"
                        ),
                        first_page: false,
                        eventual: false,
                    });
                    later.push_back(MemberJob {
                        group: job.group,
                        path: format!(
                            "/groups/{id}/members/microsoft.graph.user?$filter={}&$count=true&$select=id&$top={MEMBER_PAGE}",
                            encode_query_value("userType eq 'Guest'")
                        ),
                        first_page: false,
                        eventual: true,
                    });
                } else {
                    // A batch item's URL is relative to the version root: the link must lie
                    // under this client's base (the token goes nowhere else).
                    let Some(rel) = link.strip_prefix(&base) else {
                        return Err(TenantError::InvalidRequest(format!(
                            "next link {link} is outside {}",
                            self.base_url()
                        )));
                    };
                    later.push_back(MemberJob {
                        group: job.group,
                        path: format!("/{rel}"),
                        first_page: false,
                        eventual: job.eventual,
                    });
                }
            }
        }
        Ok(members)
    }
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

impl RegisterReads {
    /// The register's source: contacts and guests as people, the groups with their kinds
    /// (groups Guestlist can't classify are left out with their members), and the access-until
    /// date from a guest's `onPremisesExtensionAttributes.extensionAttribute{access_attribute}`.
    /// Graph has no custom attributes or creation date for contacts: they stay unknown here
    /// ([`AccessUntil::NotAvailable`]) until [`RegisterReads::add_exchange_contacts`] fills them.
    pub fn source(&self, access_attribute: u8) -> Source {
        let contacts = self
            .contacts
            .iter()
            .map(|c| SourcePerson {
                id: c.id.as_str().to_owned(),
                name: c.display_name.clone().unwrap_or_default(),
                address: c.mail.clone().unwrap_or_default(),
                company: c.company_name.clone(),
                access_until: Some(AccessUntil::NotAvailable),
                ..SourcePerson::default()
            })
            .collect();
        let guests = self
            .guests
            .iter()
            .map(|u| SourcePerson {
                id: u.id.as_str().to_owned(),
                name: u.display_name.clone().unwrap_or_default(),
                address: u
                    .mail
                    .clone()
                    .or_else(|| u.other_mails.first().cloned())
                    .unwrap_or_default(),
                user_principal_name: u.user_principal_name.clone(),
                company: u.company_name.clone(),
                invitation: u
                    .external_user_state
                    .as_deref()
                    .and_then(InvitationState::from_graph),
                invitation_since: u
                    .external_user_state_change_date_time
                    .as_deref()
                    .and_then(Day::parse),
                created: u.created_date_time.as_deref().and_then(Day::parse),
                access_until: Some(AccessUntil::from_attribute(
                    u.on_premises_extension_attributes
                        .as_ref()
                        .and_then(|a| a.get(access_attribute)),
                )),
            })
            .collect();
        let mut groups = Vec::new();
        let mut members = Vec::new();
        for (g, m) in self.groups.iter().zip(&self.members) {
            let Ok(kind) = g.kind() else { continue };
            groups.push(RegisterGroup {
                id: g.id.as_str().to_owned(),
                name: g.display_name.clone().unwrap_or_default(),
                kind,
            });
            members.push(m.clone());
        }
        Source {
            contacts,
            guests,
            groups,
            members,
        }
    }
}

/// A mail contact's Exchange-only facts: when it was made and its custom attributes
/// (Get-MailContact; Graph's orgContact has neither).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactDetails {
    pub created: Option<Day>,
    /// `CustomAttribute1..15`.
    pub custom_attributes: [Option<String>; 15],
}

impl Source {
    /// Fills contacts' created dates and access-until dates from Exchange (direct mode), keyed
    /// by Entra object id (`ExternalDirectoryObjectId`). A contact Exchange didn't list keeps
    /// "not available".
    pub fn add_exchange_contacts(
        &mut self,
        details: &HashMap<String, ContactDetails>,
        access_attribute: u8,
    ) {
        let slot = usize::from(access_attribute)
            .checked_sub(1)
            .filter(|i| *i < 15);
        for c in &mut self.contacts {
            if let Some(d) = details.get(&c.id) {
                c.created = d.created.or(c.created);
                c.access_until = Some(AccessUntil::from_attribute(
                    slot.and_then(|i| d.custom_attributes[i].as_deref()),
                ));
            }
        }
    }
}

/// A user in deleted items (`GET /directory/deletedItems/microsoft.graph.user`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedUser {
    #[serde(flatten)]
    pub user: User,
    #[serde(default)]
    pub deleted_date_time: Option<String>,
}

impl<T: Transport, K: TokenSource, S: Sleeper> GraphClient<T, K, S> {
    /// Deletes a user (a guest): `DELETE /users/{id}`. The user goes to deleted items, where it
    /// can be restored for 30 days, and leaves its groups
    /// (<https://learn.microsoft.com/graph/api/user-delete>). Gone already →
    /// [`TenantError::NotFound`]. Needs `User.ReadWrite.All` and an Entra role that may.
    pub async fn delete_user(&self, id: &ObjectId) -> Result<(), TenantError> {
        let url = self.url(&format!("/users/{}", encode_path_segment(id.as_str())));
        self.send_request(HttpRequest::new(Method::Delete, url))
            .await?;
        Ok(())
    }

    /// The users in deleted items, all pages
    /// (<https://learn.microsoft.com/graph/api/directory-deleteditems-list>).
    pub async fn deleted_users(&self) -> Result<Vec<DeletedUser>, TenantError> {
        let mut n = 0;
        self.every_page(
            "GET /directory/deletedItems/microsoft.graph.user",
            "/directory/deletedItems/microsoft.graph.user?$select=id,displayName,mail,userPrincipalName,userType,deletedDateTime&$top=999",
            false,
            &mut n,
        )
        .await
    }

    /// Restores a deleted user: `POST /directory/deletedItems/{id}/restore`
    /// (<https://learn.microsoft.com/graph/api/directory-deleteditems-restore>). Not in deleted
    /// items → [`TenantError::NotFound`].
    pub async fn restore_deleted_user(&self, id: &ObjectId) -> Result<User, TenantError> {
        let url = self.url(&format!(
            "/directory/deletedItems/{}/restore",
            encode_path_segment(id.as_str())
        ));
        let resp = self
            .send_request(HttpRequest::new(Method::Post, url).json(&json!({})))
            .await?;
        super::error::decode_json("POST /directory/deletedItems/{id}/restore", &resp.body)
    }

    /// Sets (or with `None` clears) a user's `onPremisesExtensionAttributes.extensionAttribute{n}`
    /// with `PATCH /users/{id}`: possible on cloud-only users; Graph refuses it for users synced
    /// from on-premises
    /// (<https://learn.microsoft.com/graph/api/resources/onpremisesextensionattributes>).
    pub async fn set_extension_attribute(
        &self,
        id: &ObjectId,
        n: u8,
        value: Option<&str>,
    ) -> Result<(), TenantError> {
        let Some(name) = super::models::ExtensionAttributes::name(n) else {
            return Err(TenantError::InvalidRequest(format!(
                "extension attributes are numbered 1 to 15, not {n}"
            )));
        };
        let url = self.url(&format!("/users/{}", encode_path_segment(id.as_str())));
        let body = json!({ "onPremisesExtensionAttributes": { name: value } });
        self.send_request(HttpRequest::new(Method::Patch, url).json(&body))
            .await?;
        Ok(())
    }
}

impl<T: Transport, K: TokenSource, S: Sleeper> ExchangeClient<T, K, S> {
    /// `Remove-MailContact`: the contact is deleted and leaves every group
    /// (<https://learn.microsoft.com/powershell/module/exchangepowershell/remove-mailcontact>).
    /// Gone already → [`TenantError::NotFound`].
    pub async fn remove_mail_contact(&self, identity: &str) -> Result<(), TenantError> {
        self.invoke(
            "Remove-MailContact",
            json!({ "Identity": identity, "Confirm": false }),
        )
        .await?;
        Ok(())
    }

    /// A contact's details as the admin edited them: `Set-MailContact` for the display name and
    /// "hidden from address lists", `Set-Contact` for the first and last name and the company
    /// (<https://learn.microsoft.com/powershell/module/exchangepowershell/set-mailcontact>,
    /// <https://learn.microsoft.com/powershell/module/exchangepowershell/set-contact>); a field
    /// left `None` is not sent, an empty one clears it. Gone → [`TenantError::NotFound`].
    pub async fn edit_mail_contact(
        &self,
        identity: &str,
        edit: &ContactEdit,
    ) -> Result<(), TenantError> {
        let mut mail = serde_json::Map::new();
        if let Some(v) = &edit.display_name {
            mail.insert("DisplayName".into(), json!(v));
        }
        if let Some(v) = edit.hidden {
            mail.insert("HiddenFromAddressListsEnabled".into(), json!(v));
        }
        let mut contact = serde_json::Map::new();
        for (key, v) in [
            ("FirstName", &edit.first_name),
            ("LastName", &edit.last_name),
            ("Company", &edit.company),
        ] {
            if let Some(v) = v {
                contact.insert(key.into(), json!(v));
            }
        }
        for (cmdlet, mut params) in [("Set-MailContact", mail), ("Set-Contact", contact)] {
            if params.is_empty() {
                continue;
            }
            params.insert("Identity".into(), json!(identity));
            self.invoke(cmdlet, serde_json::Value::Object(params))
                .await?;
        }
        Ok(())
    }

    /// `Set-MailContact -CustomAttribute{n}` (an empty value clears it)
    /// (<https://learn.microsoft.com/powershell/module/exchangepowershell/set-mailcontact>).
    pub async fn set_mail_contact_custom_attribute(
        &self,
        identity: &str,
        n: u8,
        value: Option<&str>,
    ) -> Result<(), TenantError> {
        if !(1..=15).contains(&n) {
            return Err(TenantError::InvalidRequest(format!(
                "custom attributes are numbered 1 to 15, not {n}"
            )));
        }
        let mut params = serde_json::Map::new();
        params.insert("Identity".into(), json!(identity));
        params.insert(format!("CustomAttribute{n}"), json!(value.unwrap_or("")));
        self.invoke("Set-MailContact", serde_json::Value::Object(params))
            .await?;
        Ok(())
    }
}

/// A `Get-MailContact` item's Entra object id with its creation date and custom attributes.
fn contact_details(v: &serde_json::Value) -> Option<(String, ContactDetails)> {
    let id = v.get("ExternalDirectoryObjectId")?.as_str()?;
    let created = v
        .get("WhenCreatedUTC")
        .or_else(|| v.get("WhenCreated"))
        .and_then(|x| x.as_str())
        .and_then(Day::parse);
    let mut custom: [Option<String>; 15] = Default::default();
    for (i, slot) in custom.iter_mut().enumerate() {
        *slot = v
            .get(format!("CustomAttribute{}", i + 1))
            .and_then(|x| x.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
    }
    Some((
        id.to_owned(),
        ContactDetails {
            created,
            custom_attributes: custom,
        },
    ))
}

impl<T: Transport, K: TokenSource, S: Sleeper> ExchangeClient<T, K, S> {
    /// One mail contact's creation date and custom attributes (`Get-MailContact -Identity`),
    /// by Entra object id as [`ExchangeClient::mail_contact_details`] has them.
    pub async fn mail_contact_detail(
        &self,
        identity: &str,
    ) -> Result<HashMap<String, ContactDetails>, TenantError> {
        let items = self
            .invoke("Get-MailContact", json!({ "Identity": identity }))
            .await?;
        Ok(items.iter().filter_map(contact_details).collect())
    }

    /// Every mail contact's creation date and custom attributes, by Entra object id:
    /// `Get-MailContact -ResultSize Unlimited`, 1,000 a page
    /// (<https://learn.microsoft.com/powershell/module/exchangepowershell/get-mailcontact>).
    pub async fn mail_contact_details(
        &self,
    ) -> Result<HashMap<String, ContactDetails>, TenantError> {
        let items = self
            .invoke("Get-MailContact", json!({ "ResultSize": "Unlimited" }))
            .await?;
        Ok(items.iter().filter_map(contact_details).collect())
    }
}

impl<T: Transport, K: TokenSource, S: Sleeper> ExchangeClient<T, K, S> {
    /// `Get-DistributionGroup` for the groups matching `query` by ambiguous name resolution
    /// (`-Anr`), or the first 1,000 without one
    /// (<https://learn.microsoft.com/powershell/module/exchange/get-distributiongroup>).
    /// Each comes with its delivery restrictions, which Get-DistributionGroup always shows: the
    /// finder's delivery badge needs no further read.
    pub async fn find_distribution_groups(
        &self,
        query: &str,
    ) -> Result<Vec<GroupDelivery>, TenantError> {
        self.invoke_list("Get-DistributionGroup", query).await
    }

    /// The Microsoft 365 groups `ids` (object ids) with their delivery restrictions (the allowed
    /// and blocked senders, moderation), in one `Get-UnifiedGroup -Filter
    /// "ExternalDirectoryObjectId -eq '…' -or …"` for the finder's whole page: the groups Graph's
    /// `$search` found by a word of their name, which Exchange's `-Anr` (a prefix match) may not
    /// (<https://learn.microsoft.com/powershell/module/exchangepowershell/get-unifiedgroup>,
    /// <https://learn.microsoft.com/powershell/exchange/filter-properties>). Decoded leniently,
    /// like the lists below.
    pub async fn unified_groups_by_id(
        &self,
        ids: &[String],
    ) -> Result<Vec<GroupDelivery>, TenantError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = ids
            .iter()
            .map(|id| format!("ExternalDirectoryObjectId -eq '{}'", id.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join(" -or ");
        Ok(self
            .invoke("Get-UnifiedGroup", json!({ "Filter": filter }))
            .await?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect())
    }

    /// `Get-DynamicDistributionGroup`, the same way: dynamic groups are not in Graph at all
    /// (<https://learn.microsoft.com/powershell/module/exchange/get-dynamicdistributiongroup>).
    pub async fn find_dynamic_distribution_groups(
        &self,
        query: &str,
    ) -> Result<Vec<DistributionGroup>, TenantError> {
        self.invoke_list("Get-DynamicDistributionGroup", query)
            .await
    }

    async fn invoke_list<R: DeserializeOwned>(
        &self,
        cmdlet: &str,
        query: &str,
    ) -> Result<Vec<R>, TenantError> {
        let params = if query.trim().is_empty() {
            json!({ "ResultSize": 1000 })
        } else {
            json!({ "Anr": query.trim() })
        };
        // Decoded leniently: the list only adds what Graph can't tell to the finder's results
        // (a group's sender setting, dynamic groups), and each group page reads its group
        // itself; an item of another shape is left out rather than failing the search. (This
        // also keeps the path-finding decoder, whose code is large in wasm, out of the first
        // load, which the finder is part of.)
        Ok(self
            .invoke(cmdlet, params)
            .await?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect())
    }
}

#[cfg(test)]
mod register_cost {
    use super::register_read_requests;

    /// The figure the register's note states: 5,000 contacts, 2,000 guests and 300 groups (none
    /// past a page of members) take 6 pages of contacts, 3 of guests, 1 of groups and 15
    /// `$batch`es of member lists; each all-staff group past a page adds two cast queries.
    #[test]
    fn a_tenant_of_5000_contacts_2000_guests_300_groups_costs_25_requests() {
        assert_eq!(register_read_requests(5_000, 2_000, 300, 0), 25);
        assert_eq!(register_read_requests(5_000, 2_000, 300, 3), 26);
        assert_eq!(register_read_requests(5_000, 2_000, 300, 11), 27);
        assert_eq!(register_read_requests(0, 0, 0, 0), 3);
        assert_eq!(register_read_requests(999, 1_000, 20, 0), 1 + 2 + 1 + 1);
    }
}

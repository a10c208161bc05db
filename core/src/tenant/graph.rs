//! The Microsoft Graph v1.0 client: groups, members, contacts, users, invitations, `$batch`.
//!
//! Requests and answers follow Microsoft's documentation; each method names its Learn page.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::error::{decode_json, graph_error, graph_error_value, TenantError};
use super::http::{
    encode_path_segment, encode_query_value, HttpRequest, HttpResponse, Method, Resource, Sleeper,
    TokenSource, Transport,
};
use super::models::{
    Collection, DelegatedAdminCustomer, Group, GroupId, Invitation, Member, NewInvitation,
    ObjectId, OrgContact, Page, TenantInformation, User,
};
use super::retry::{execute, next_delay, retry_not_found, Ctx, ReplicationWait, RetryPolicy};

/// The public Graph v1.0 root.
pub const GRAPH_V1: &str = "https://graph.microsoft.com/v1.0";

/// Graph accepts at most 20 requests in one `$batch`
/// (<https://learn.microsoft.com/graph/json-batching>).
pub const MAX_BATCH: usize = 20;

/// Properties asked for on group lists: the ones that tell a group's kind, plus its names.
const GROUP_SELECT: &str =
    "id,displayName,description,mail,mailNickname,mailEnabled,securityEnabled,groupTypes,membershipRule,visibility,onPremisesSyncEnabled";

const USER_SELECT: &str =
    "id,displayName,mail,userPrincipalName,otherMails,givenName,surname,userType,externalUserState";

/// Which groups a search returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GroupFilter {
    #[default]
    Any,
    /// `mailEnabled eq true`: distribution lists, mail-enabled security groups, Microsoft 365 groups.
    MailEnabled,
    /// `groupTypes/any(c:c eq 'Unified')`.
    Microsoft365,
    /// `securityEnabled eq true`.
    SecurityEnabled,
}

impl GroupFilter {
    pub fn to_odata(self) -> Option<&'static str> {
        match self {
            GroupFilter::Any => None,
            GroupFilter::MailEnabled => Some("mailEnabled eq true"),
            GroupFilter::Microsoft365 => Some("groupTypes/any(c:c eq 'Unified')"),
            GroupFilter::SecurityEnabled => Some("securityEnabled eq true"),
        }
    }
}

/// An OData string literal: single quotes doubled
/// (<https://learn.microsoft.com/graph/query-parameters#escaping-single-quotes>).
pub fn odata_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A `$search` clause `"property:term"`; double quotes and backslashes in the term are escaped.
pub fn search_clause(property: &str, term: &str) -> String {
    let escaped = term.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{property}:{escaped}\"")
}

/// One request inside a `$batch`. `url` is relative to the version root (`/groups/{id}`).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchRequest {
    pub id: String,
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    pub depends_on: Vec<String>,
}

impl BatchRequest {
    pub fn new(id: impl Into<String>, method: Method, url: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            depends_on: Vec::new(),
        }
    }

    pub fn body(mut self, body: Value) -> Self {
        self.headers
            .push(("Content-Type".into(), "application/json".into()));
        self.body = Some(body);
        self
    }

    pub fn depends_on(mut self, id: impl Into<String>) -> Self {
        self.depends_on.push(id.into());
        self
    }

    fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), json!(self.id));
        o.insert("method".into(), json!(self.method.as_str()));
        o.insert("url".into(), json!(self.url));
        if !self.headers.is_empty() {
            let h: Map<String, Value> = self
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            o.insert("headers".into(), Value::Object(h));
        }
        if let Some(b) = &self.body {
            o.insert("body".into(), b.clone());
        }
        if !self.depends_on.is_empty() {
            o.insert("dependsOn".into(), json!(self.depends_on));
        }
        Value::Object(o)
    }
}

/// One answer inside a `$batch` response.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct BatchResponse {
    pub id: String,
    pub status: u16,
    #[serde(default, deserialize_with = "de_headers")]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: Option<Value>,
}

fn de_headers<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    let m: Option<Map<String, Value>> = Option::deserialize(d)?;
    Ok(m.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect())
}

impl BatchResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The inner error, decoded like a top-level Graph error (inner `Retry-After` included).
    pub fn error(&self) -> Option<TenantError> {
        if self.is_success() {
            return None;
        }
        Some(graph_error_value(
            self.status,
            &self.headers,
            self.body.as_ref().unwrap_or(&Value::Null),
        ))
    }

    /// Decodes a successful body.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, TenantError> {
        if let Some(e) = self.error() {
            return Err(e);
        }
        let body = self.body.clone().unwrap_or(Value::Null);
        super::error::decode_value(&format!("$batch item {}", self.id), body)
    }
}

#[derive(Deserialize)]
struct BatchEnvelope {
    responses: Vec<BatchResponse>,
}

/// A write [`GraphClient::write_batch`] can send inside a `$batch`.
#[derive(Clone, Debug, PartialEq)]
pub enum GraphWrite {
    /// `POST /invitations`.
    Invite(NewInvitation),
    /// `POST /groups/{id}/members/$ref`.
    AddMember { group: GroupId, member: ObjectId },
}

/// A [`GraphWrite`]'s answer.
#[derive(Clone, Debug, PartialEq)]
pub enum GraphWritten {
    Invited(Invitation),
    Added,
}

/// `/groups/{id}/members/$ref`, relative to the version root.
fn member_ref_path(group: &GroupId) -> String {
    format!(
        "/groups/{}/members/$ref",
        encode_path_segment(group.as_str())
    )
}

/// The reference to add: Graph takes its own public URL, whatever base this client talks to.
fn member_ref_body(member: &ObjectId) -> Value {
    json!({ "@odata.id": format!("{GRAPH_V1}/directoryObjects/{}", member.as_str()) })
}

/// The body of `POST /invitations` (<https://learn.microsoft.com/graph/api/invitation-post>).
fn invitation_body(invite: &NewInvitation) -> Value {
    let mut body = json!({
        "invitedUserEmailAddress": invite.email,
        "inviteRedirectUrl": invite.redirect_url,
        "sendInvitationMessage": invite.send_invitation_message,
    });
    if let Some(name) = &invite.display_name {
        body["invitedUserDisplayName"] = json!(name);
    }
    if let Some(message) = &invite.message {
        body["invitedUserMessageInfo"] = json!({ "customizedMessageBody": message });
    }
    body
}

/// Typed Microsoft Graph client. `base_url` is the version root (e.g. [`GRAPH_V1`] or the simulated
/// tenant's `/v1.0`).
pub struct GraphClient<T, K, S> {
    base_url: String,
    transport: T,
    tokens: K,
    sleeper: S,
    policy: RetryPolicy,
}

impl<T: Transport, K: TokenSource, S: Sleeper> GraphClient<T, K, S> {
    pub fn new(base_url: impl Into<String>, transport: T, tokens: K, sleeper: S) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Self {
            base_url,
            transport,
            tokens,
            sleeper,
            policy: RetryPolicy::default(),
        }
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    fn ctx(&self) -> Ctx<'_, T, K, S> {
        Ctx {
            transport: &self.transport,
            tokens: &self.tokens,
            sleeper: &self.sleeper,
            policy: &self.policy,
        }
    }

    pub(super) fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base_url, path_and_query)
    }

    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TenantError> {
        let req = req.header("Accept", "application/json");
        execute(&self.ctx(), Resource::Graph, &req, graph_error).await
    }

    /// Sends a request with the client's retries (for the bulk and register methods elsewhere
    /// in the tenant module).
    pub(super) async fn send_request(&self, req: HttpRequest) -> Result<HttpResponse, TenantError> {
        self.send(req).await
    }

    pub(super) async fn get_json<R: DeserializeOwned>(
        &self,
        what: &str,
        url: String,
        eventual: bool,
    ) -> Result<R, TenantError> {
        let mut req = HttpRequest::new(Method::Get, url);
        if eventual {
            req = req.header("ConsistencyLevel", "eventual");
        }
        let resp = self.send(req).await?;
        decode_json(what, &resp.body)
    }

    /// `GET /me`: the signed-in admin (<https://learn.microsoft.com/graph/api/user-get>).
    pub async fn me(&self) -> Result<User, TenantError> {
        self.get_json(
            "GET /me",
            self.url(&format!("/me?$select={USER_SELECT}")),
            false,
        )
        .await
    }

    /// Whether Graph answers for the signed-in user (the mode probe): `GET /me?$select=id`,
    /// its body left undecoded, so the first load needn't carry a user's decoder.
    pub async fn me_answers(&self) -> Result<(), TenantError> {
        self.get_json::<serde::de::IgnoredAny>("GET /me", self.url("/me?$select=id"), false)
            .await
            .map(|_| ())
    }

    /// Searches groups by display name (`$search="displayName:…"`), optionally filtered by kind.
    /// `$search` needs `ConsistencyLevel: eventual`; `$count=true` makes advanced filters work
    /// (<https://learn.microsoft.com/graph/aad-advanced-queries>). An empty query lists instead.
    pub async fn search_groups(
        &self,
        query: &str,
        filter: GroupFilter,
    ) -> Result<Page<Group>, TenantError> {
        let mut q = vec![format!("$select={GROUP_SELECT}"), "$count=true".to_owned()];
        let query = query.trim();
        if !query.is_empty() {
            q.push(format!(
                "$search={}",
                encode_query_value(&search_clause("displayName", query))
            ));
        }
        if let Some(f) = filter.to_odata() {
            q.push(format!("$filter={}", encode_query_value(f)));
        }
        q.push("$top=100".into());
        let url = self.url(&format!("/groups?{}", q.join("&")));
        let c: Collection<Group> = self.get_json("GET /groups ($search)", url, true).await?;
        Ok(c.into())
    }

    /// First page of all groups (`GET /groups`, 999 a page, the documented maximum). Follow with
    /// [`GraphClient::next_page`] or [`GraphClient::all_pages`]
    /// (<https://learn.microsoft.com/graph/api/group-list>, <https://learn.microsoft.com/graph/paging>).
    pub async fn list_groups(&self) -> Result<Page<Group>, TenantError> {
        let url = self.url(&format!("/groups?$select={GROUP_SELECT}&$top=999"));
        let c: Collection<Group> = self.get_json("GET /groups", url, false).await?;
        Ok(c.into())
    }

    /// Every GDAP customer of the signed-in admin's tenant, all pages (300 a page, the documented
    /// maximum); empty for a tenant that is nobody's partner. Needs
    /// `DelegatedAdminRelationship.Read.All`
    /// (<https://learn.microsoft.com/graph/api/tenantrelationship-list-delegatedadmincustomers>).
    pub async fn delegated_admin_customers(
        &self,
    ) -> Result<Vec<DelegatedAdminCustomer>, TenantError> {
        let url = self.url("/tenantRelationships/delegatedAdminCustomers?$top=300");
        let c: Collection<DelegatedAdminCustomer> = self
            .get_json(
                "GET /tenantRelationships/delegatedAdminCustomers",
                url,
                false,
            )
            .await?;
        Ok(self.all_pages(c.into(), usize::MAX).await?.items)
    }

    /// A tenant's display name and default domain, by its id
    /// (`GET /tenantRelationships/findTenantInformationByTenantId(tenantId='{id}')`, delegated
    /// `CrossTenantInformation.ReadBasic.All`, no Entra role needed:
    /// <https://learn.microsoft.com/graph/api/tenantrelationship-findtenantinformationbytenantid>).
    /// A GDAP customer (`delegatedAdminCustomer`) has no domain of its own.
    pub async fn tenant_information(
        &self,
        tenant_id: &str,
    ) -> Result<TenantInformation, TenantError> {
        let url = self.url(&format!(
            "/tenantRelationships/findTenantInformationByTenantId(tenantId='{}')",
            encode_path_segment(tenant_id)
        ));
        self.get_json("GET findTenantInformationByTenantId", url, false)
            .await
    }

    /// Follows an `@odata.nextLink`. The link must lie under this client's base URL: the bearer token
    /// is never sent anywhere else.
    pub async fn next_page<R: DeserializeOwned>(
        &self,
        next_link: &str,
    ) -> Result<Page<R>, TenantError> {
        if !next_link.starts_with(&format!("{}/", self.base_url)) {
            return Err(TenantError::InvalidRequest(format!(
                "next link {next_link} is outside {}",
                self.base_url
            )));
        }
        // A next link of an advanced query needs the same ConsistencyLevel header; on a basic query
        // it is harmless.
        let c: Collection<R> = self
            .get_json("next page", next_link.to_owned(), true)
            .await?;
        Ok(c.into())
    }

    /// Follows `first.next` until the last page or until at least `cap` items are held. The result's
    /// `next` is `Some` when it stopped at the cap.
    pub async fn all_pages<R: DeserializeOwned>(
        &self,
        first: Page<R>,
        cap: usize,
    ) -> Result<Page<R>, TenantError> {
        let Page {
            mut items,
            mut next,
            count,
        } = first;
        while let Some(link) = next.take() {
            if items.len() >= cap {
                next = Some(link);
                break;
            }
            let page: Page<R> = self.next_page(&link).await?;
            items.extend(page.items);
            next = page.next;
        }
        Ok(Page { items, next, count })
    }

    /// One group (<https://learn.microsoft.com/graph/api/group-get>). Its
    /// `allowExternalSenders` is [`GraphClient::allow_external_senders`].
    pub async fn get_group(&self, id: &GroupId) -> Result<Group, TenantError> {
        let url = self.url(&format!(
            "/groups/{}?$select={GROUP_SELECT}",
            encode_path_segment(id.as_str())
        ));
        self.get_json("GET /groups/{id}", url, false).await
    }

    /// First page of a group's direct members, typed by `@odata.type`
    /// (<https://learn.microsoft.com/graph/api/group-list-members>).
    pub async fn list_members(&self, id: &GroupId) -> Result<Page<Member>, TenantError> {
        let url = self.url(&format!(
            "/groups/{}/members?$top=999",
            encode_path_segment(id.as_str())
        ));
        let c: Collection<Member> = self
            .get_json("GET /groups/{id}/members", url, false)
            .await?;
        Ok(c.into())
    }

    /// First page of a group's members that are org contacts (the cast
    /// `/members/microsoft.graph.orgContact`): how script mode verifies the contacts Exchange added
    /// (<https://learn.microsoft.com/graph/api/group-list-members>).
    pub async fn list_contact_members(
        &self,
        id: &GroupId,
    ) -> Result<Page<OrgContact>, TenantError> {
        let url = self.url(&format!(
            "/groups/{}/members/microsoft.graph.orgContact?$top=999",
            encode_path_segment(id.as_str())
        ));
        let c: Collection<OrgContact> = self
            .get_json(
                "GET /groups/{id}/members/microsoft.graph.orgContact",
                url,
                false,
            )
            .await?;
        Ok(c.into())
    }

    /// Org contacts whose `mail` is `address` (<https://learn.microsoft.com/graph/api/orgcontact-list>).
    pub async fn find_contacts_by_mail(
        &self,
        address: &str,
    ) -> Result<Vec<OrgContact>, TenantError> {
        let filter = format!("mail eq {}", odata_string(address));
        let url = self.url(&format!(
            "/contacts?$filter={}",
            encode_query_value(&filter)
        ));
        let c: Collection<OrgContact> = self.get_json("GET /contacts", url, false).await?;
        Ok(c.value)
    }

    /// Users (members and guests) holding `address` as `mail`, in `otherMails`, or as their
    /// `userPrincipalName` (<https://learn.microsoft.com/graph/api/user-list>).
    pub async fn find_users_by_mail(&self, address: &str) -> Result<Vec<User>, TenantError> {
        let a = odata_string(address);
        let filter =
            format!("mail eq {a} or otherMails/any(x:x eq {a}) or userPrincipalName eq {a}");
        let url = self.url(&format!(
            "/users?$filter={}&$select={USER_SELECT}&$count=true",
            encode_query_value(&filter)
        ));
        let c: Collection<User> = self.get_json("GET /users", url, true).await?;
        Ok(c.value)
    }

    /// Adds `member` to a security or Microsoft 365 group: `POST /groups/{id}/members/$ref`
    /// (<https://learn.microsoft.com/graph/api/group-post-members>). `wait` retries a NotFound for a
    /// member created moments ago. Already a member → [`TenantError::AlreadyMember`].
    pub async fn add_member_ref(
        &self,
        group: &GroupId,
        member: &ObjectId,
        wait: ReplicationWait,
    ) -> Result<(), TenantError> {
        let url = self.url(&member_ref_path(group));
        let req = HttpRequest::new(Method::Post, url).json(&member_ref_body(member));
        retry_not_found(&self.sleeper, &self.policy, wait, || self.send(req.clone())).await?;
        Ok(())
    }

    /// Removes `member` from a group: `DELETE /groups/{id}/members/{member}/$ref`. Always with `/$ref`:
    /// without it the request would delete the object itself
    /// (<https://learn.microsoft.com/graph/api/group-delete-members>).
    pub async fn remove_member_ref(
        &self,
        group: &GroupId,
        member: &ObjectId,
    ) -> Result<(), TenantError> {
        let url = self.url(&format!(
            "/groups/{}/members/{}/$ref",
            encode_path_segment(group.as_str()),
            encode_path_segment(member.as_str())
        ));
        self.send(HttpRequest::new(Method::Delete, url)).await?;
        Ok(())
    }

    /// Invites a guest: `POST /invitations` (<https://learn.microsoft.com/graph/api/invitation-post>).
    pub async fn invite_guest(&self, invite: &NewInvitation) -> Result<Invitation, TenantError> {
        let req =
            HttpRequest::new(Method::Post, self.url("/invitations")).json(&invitation_body(invite));
        let resp = self.send(req).await?;
        decode_json("POST /invitations", &resp.body)
    }

    /// `PATCH /groups/{id}` with `allowExternalSenders` sent alone, as Graph requires
    /// (<https://learn.microsoft.com/graph/api/group-update>).
    pub async fn set_allow_external_senders(
        &self,
        group: &GroupId,
        allow: bool,
    ) -> Result<(), TenantError> {
        let url = self.url(&format!("/groups/{}", encode_path_segment(group.as_str())));
        let req =
            HttpRequest::new(Method::Patch, url).json(&json!({ "allowExternalSenders": allow }));
        self.send(req).await?;
        Ok(())
    }

    /// Up to [`MAX_BATCH`] writes in one `POST /$batch`, one result per write, in order. Each
    /// request in a batch is throttled and answered on its own
    /// (<https://learn.microsoft.com/graph/throttling#throttling-and-batching>): items answered
    /// 429/503 are sent again after their `Retry-After` (see [`batch`](Self::batch)); any other
    /// error is that write's result, decoded as the single request's would be ("already a
    /// member" included), and the others still count. No `dependsOn`: the writes are independent.
    /// The outer error is the batch's own (the whole request failed).
    pub async fn write_batch(
        &self,
        writes: &[GraphWrite],
    ) -> Result<Vec<Result<GraphWritten, TenantError>>, TenantError> {
        let requests = writes
            .iter()
            .enumerate()
            .map(|(i, w)| match w {
                GraphWrite::Invite(invite) => {
                    BatchRequest::new(i.to_string(), Method::Post, "/invitations")
                        .body(invitation_body(invite))
                }
                GraphWrite::AddMember { group, member } => {
                    BatchRequest::new(i.to_string(), Method::Post, member_ref_path(group))
                        .body(member_ref_body(member))
                }
            })
            .collect();
        let answers = self.batch(requests).await?;
        Ok(answers
            .iter()
            .zip(writes)
            .map(|(a, w)| match w {
                GraphWrite::Invite(_) => a.decode().map(GraphWritten::Invited),
                GraphWrite::AddMember { .. } => match a.error() {
                    Some(e) => Err(e),
                    None => Ok(GraphWritten::Added),
                },
            })
            .collect())
    }

    /// The sleeper this client waits with (retries; the executor's pacing).
    pub fn sleeper(&self) -> &S {
        &self.sleeper
    }

    /// Member counts of up to [`MAX_BATCH`] groups in one `POST /$batch` of
    /// `GET /groups/{id}/members/$count`, each with `ConsistencyLevel: eventual` ("Get only a count
    /// of all membership", <https://learn.microsoft.com/graph/api/group-list-members>). One result
    /// per id, in order: a group whose count can't be read carries its own error, the others still
    /// count. The outer error is the batch's own (the whole request failed).
    pub async fn member_counts(
        &self,
        ids: &[GroupId],
    ) -> Result<Vec<Result<u64, TenantError>>, TenantError> {
        let requests = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let mut r = BatchRequest::new(
                    i.to_string(),
                    Method::Get,
                    format!(
                        "/groups/{}/members/$count",
                        encode_path_segment(id.as_str())
                    ),
                );
                r.headers
                    .push(("ConsistencyLevel".into(), "eventual".into()));
                r
            })
            .collect();
        let answers = self.batch(requests).await?;
        Ok(answers
            .iter()
            .map(|a| match a.error() {
                Some(e) => Err(e),
                None => count_from_body(a.body.as_ref()).ok_or_else(|| TenantError::Decode {
                    what: format!("$batch item {} (members/$count)", a.id),
                    path: "body".into(),
                    message: format!("not a count: {}", a.body.clone().unwrap_or(Value::Null)),
                }),
            })
            .collect())
    }

    /// Sends up to 20 requests in one `POST /$batch` and returns their answers in request order.
    /// Items answered 429/503 (each with its own `Retry-After`) are sent again after the longest wait
    /// asked, along with items that failed only because they depended on one of them (424); other
    /// inner errors are returned as they are (<https://learn.microsoft.com/graph/json-batching>).
    pub async fn batch(
        &self,
        requests: Vec<BatchRequest>,
    ) -> Result<Vec<BatchResponse>, TenantError> {
        if requests.len() > MAX_BATCH {
            return Err(TenantError::InvalidRequest(format!(
                "{} requests in one batch; Graph accepts at most {MAX_BATCH}",
                requests.len()
            )));
        }
        let mut done: Vec<Option<BatchResponse>> = vec![None; requests.len()];
        let mut pending: Vec<usize> = (0..requests.len()).collect();
        let mut attempts = 0u32;
        while !pending.is_empty() {
            attempts += 1;
            let pending_ids: Vec<&str> = pending.iter().map(|&i| requests[i].id.as_str()).collect();
            let wire: Vec<Value> = pending
                .iter()
                .map(|&i| {
                    let mut r = requests[i].clone();
                    // A dependency that already succeeded is not in this round.
                    r.depends_on.retain(|d| pending_ids.contains(&d.as_str()));
                    r.to_json()
                })
                .collect();
            let req = HttpRequest::new(Method::Post, self.url("/$batch"))
                .json(&json!({ "requests": wire }));
            let resp = self.send(req).await?;
            let env: BatchEnvelope = decode_json("POST /$batch", &resp.body)?;

            let mut again: Vec<usize> = Vec::new();
            let mut failed_dependency: Vec<usize> = Vec::new();
            let mut worst: Option<TenantError> = None;
            for r in env.responses {
                let Some(i) = requests.iter().position(|q| q.id == r.id) else {
                    continue;
                };
                match r.error() {
                    Some(e) if e.is_transient() => {
                        if worst
                            .as_ref()
                            .is_none_or(|w| e.retry_after() > w.retry_after())
                        {
                            worst = Some(e);
                        }
                        again.push(i);
                    }
                    Some(_) if r.status == 424 => failed_dependency.push(i),
                    _ => {}
                }
                done[i] = Some(r);
            }
            // A 424 is retried only when something it depends on is retried (transitively).
            loop {
                let before = again.len();
                failed_dependency.retain(|&i| {
                    let waits_on_retry = requests[i]
                        .depends_on
                        .iter()
                        .any(|d| again.iter().any(|&j| &requests[j].id == d));
                    if waits_on_retry {
                        again.push(i);
                    }
                    !waits_on_retry
                });
                if again.len() == before {
                    break;
                }
            }
            let Some(reason) = worst else { break };
            match next_delay(&self.policy, attempts, &reason, self.sleeper.jitter()) {
                Some(wait) => self.sleeper.sleep(wait).await,
                None => break,
            }
            again.sort_unstable();
            pending = again;
        }
        done.into_iter()
            .zip(&requests)
            .map(|(r, q)| {
                r.ok_or_else(|| TenantError::Decode {
                    what: "POST /$batch".into(),
                    path: "responses".into(),
                    message: format!("no answer for request {}", q.id),
                })
            })
            .collect()
    }
}

/// The count in a `$count` answer inside a `$batch`. The answer is `text/plain` outside a batch;
/// inside one the body may arrive as a JSON number, as the digits in a string, or base64-encoded
/// like other non-JSON bodies (<https://learn.microsoft.com/graph/json-batching>): all three are
/// read.
pub fn count_from_body(body: Option<&Value>) -> Option<u64> {
    match body? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<u64>().ok().or_else(|| {
                let bytes = base64_decode(s)?;
                std::str::from_utf8(&bytes).ok()?.trim().parse::<u64>().ok()
            })
        }
        _ => None,
    }
}

/// Standard base64 (RFC 4648 §4, padding optional); `None` for anything else.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let s = s.trim_end_matches('=').as_bytes();
    if s.is_empty() || s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= sextet(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod member_count_tests {
    use super::*;
    use crate::tenant::http::{AuthError, TransportError};
    use std::cell::RefCell;
    use std::time::Duration;

    #[test]
    fn counts_come_as_numbers_digits_or_base64() {
        assert_eq!(count_from_body(Some(&json!(17))), Some(17));
        assert_eq!(count_from_body(Some(&json!("17"))), Some(17));
        // "17" and "50000" in base64.
        assert_eq!(count_from_body(Some(&json!("MTc="))), Some(17));
        assert_eq!(count_from_body(Some(&json!("NTAwMDA="))), Some(50000));
        assert_eq!(count_from_body(Some(&json!("NTAwMDA"))), Some(50000));
        assert_eq!(count_from_body(Some(&json!(-1))), None);
        assert_eq!(count_from_body(Some(&json!("many"))), None);
        assert_eq!(count_from_body(Some(&json!({"value": 3}))), None);
        assert_eq!(count_from_body(None), None);
    }

    struct OneAnswer {
        body: String,
        seen: RefCell<Vec<HttpRequest>>,
    }

    impl Transport for OneAnswer {
        async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
            self.seen.borrow_mut().push(req);
            Ok(HttpResponse {
                status: 200,
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: self.body.clone(),
            })
        }
    }

    struct Token;
    impl TokenSource for Token {
        async fn token(&self, _r: Resource, _force: bool) -> Result<String, AuthError> {
            Ok("t".into())
        }
    }

    struct NoWait;
    impl Sleeper for NoWait {
        async fn sleep(&self, _d: Duration) {}
    }

    #[test]
    fn delegated_admin_customers_decode_as_documented() {
        // The list's answer as Learn shows it (tenantrelationship-list-delegatedadmincustomers).
        let answer = json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#tenantRelationships/delegatedAdminCustomers",
            "value": [{
                "@odata.type": "#microsoft.graph.delegatedAdminCustomer",
                "@odata.etag": "W/\"JyIwMzAwZTM0Ni0wMDAwLTAyMDAtMDAwMC02M2IzOGMwZTAwMDAiJw==\"",
                "id": "7336c0f9-1a1b-4b7c-9a7d-e3e2bbcbfc0e",
                "tenantId": "7336c0f9-1a1b-4b7c-9a7d-e3e2bbcbfc0e",
                "displayName": "Contoso Ltd"
            }]
        });
        let transport = OneAnswer {
            body: answer.to_string(),
            seen: RefCell::default(),
        };
        let g = GraphClient::new(GRAPH_V1, &transport, Token, NoWait);
        let customers = futures::executor::block_on(g.delegated_admin_customers()).expect("list");
        assert_eq!(
            customers,
            [DelegatedAdminCustomer {
                tenant_id: "7336c0f9-1a1b-4b7c-9a7d-e3e2bbcbfc0e".into(),
                display_name: Some("Contoso Ltd".into()),
            }]
        );
        assert_eq!(
            transport.seen.borrow()[0].url,
            "https://graph.microsoft.com/v1.0/tenantRelationships/delegatedAdminCustomers?$top=300"
        );
    }

    #[test]
    fn member_counts_batch_eventual_count_requests_and_keep_failures_per_group() {
        let answer = json!({"responses": [
            {"id": "1", "status": 404, "headers": {"Content-Type": "application/json"},
             "body": {"error": {"code": "Request_ResourceNotFound", "message": "gone"}}},
            {"id": "0", "status": 200, "headers": {"Content-Type": "text/plain"}, "body": 6},
            {"id": "2", "status": 200, "headers": {"Content-Type": "text/plain"}, "body": "NTAwMDA="},
        ]});
        let transport = OneAnswer {
            body: answer.to_string(),
            seen: RefCell::default(),
        };
        let g = GraphClient::new(GRAPH_V1, &transport, Token, NoWait);
        let ids = [
            GroupId("a".into()),
            GroupId("b/c".into()),
            GroupId("d".into()),
        ];
        let counts = futures::executor::block_on(g.member_counts(&ids)).expect("batch answered");
        assert!(matches!(counts[0], Ok(6)));
        assert!(
            matches!(counts[1], Err(TenantError::NotFound(_))),
            "{:?}",
            counts[1]
        );
        assert!(matches!(counts[2], Ok(50000)));

        let seen = transport.seen.borrow();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].url, "https://graph.microsoft.com/v1.0/$batch");
        let body: Value =
            serde_json::from_str(seen[0].body.as_deref().unwrap_or("")).expect("json");
        let reqs = body["requests"].as_array().expect("requests");
        assert_eq!(reqs.len(), 3);
        assert_eq!(reqs[1]["url"], "/groups/b%2Fc/members/$count");
        assert_eq!(reqs[0]["method"], "GET");
        assert_eq!(reqs[0]["headers"]["ConsistencyLevel"], "eventual");
    }

    #[test]
    fn more_than_twenty_is_refused_before_sending() {
        let transport = OneAnswer {
            body: String::new(),
            seen: RefCell::default(),
        };
        let g = GraphClient::new(GRAPH_V1, &transport, Token, NoWait);
        let ids: Vec<GroupId> = (0..21).map(|i| GroupId(i.to_string())).collect();
        let r = futures::executor::block_on(g.member_counts(&ids));
        assert!(matches!(r, Err(TenantError::InvalidRequest(_))));
        assert!(transport.seen.borrow().is_empty());
    }
}

//! Bulk reads as typed client methods: contacts and users by address in Graph `$batch`es of
//! filtered queries (20 requests of several addresses each, not one lookup per row), all of a
//! group's member ids, a Microsoft 365 group's `allowExternalSenders`, and Exchange's group
//! lists. The change engine's snapshot is built from these; no caller builds their URLs.

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use super::exchange::{DistributionGroup, ExchangeClient};
use super::graph::{odata_string, BatchRequest, GraphClient, MAX_BATCH};
use super::http::{
    encode_path_segment, encode_query_value, Method, Sleeper, TokenSource, Transport,
};
use super::models::{GroupId, Member, OrgContact, User};
use super::TenantError;

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
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Senders {
            #[serde(default)]
            allow_external_senders: Option<bool>,
        }
        let path = format!(
            "/groups/{}?$select=id,allowExternalSenders",
            encode_path_segment(group.as_str())
        );
        let s: Senders = self
            .get_json(
                "GET /groups/{id}?$select=allowExternalSenders",
                self.url(&path),
                false,
            )
            .await?;
        Ok(s.allow_external_senders)
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

impl<T: Transport, K: TokenSource, S: Sleeper> ExchangeClient<T, K, S> {
    /// `Get-DistributionGroup` for the groups matching `query` by ambiguous name resolution
    /// (`-Anr`), or the first 1,000 without one
    /// (<https://learn.microsoft.com/powershell/module/exchange/get-distributiongroup>).
    pub async fn find_distribution_groups(
        &self,
        query: &str,
    ) -> Result<Vec<DistributionGroup>, TenantError> {
        self.invoke_list("Get-DistributionGroup", query).await
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

    async fn invoke_list(
        &self,
        cmdlet: &str,
        query: &str,
    ) -> Result<Vec<DistributionGroup>, TenantError> {
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

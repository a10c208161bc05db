//! The Exchange Online admin API client: cmdlets through `POST {base}/adminapi/beta/{tenant}/InvokeCommand`
//! (the REST endpoint behind the ExchangeOnlineManagement V3 module).
//!
//! Body `{"CmdletInput":{"CmdletName":…,"Parameters":{…}}}`, results in `value`, paging by
//! re-POSTing the same body to `@odata.nextLink`. Parameter names are the cmdlets' own, as documented on
//! Learn (e.g. <https://learn.microsoft.com/powershell/module/exchange/new-mailcontact>).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::domain::delivery::{strip_smtp, RecipientRef};

use super::error::{decode_json, decode_value, exchange_error, TenantError};
use super::http::{
    encode_path_segment, HttpRequest, Method, Resource, Sleeper, TokenSource, Transport,
};
use super::retry::{execute, retry_not_found, Ctx, ReplicationWait, RetryPolicy};

/// The public Exchange Online host.
pub const EXCHANGE_ONLINE: &str = "https://outlook.office365.com";

/// At most this many results a page (`Prefer: odata.maxpagesize`).
const MAX_PAGE_SIZE: u32 = 1000;

/// Guards against a server that keeps answering with a next link.
const MAX_PAGES: usize = 1000;

/// `Get-OrganizationConfig`: only what the mode probe shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrganizationConfig {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub identity: Option<String>,
}

/// A mail contact (`Get-MailContact`, `New-MailContact` output).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MailContact {
    #[serde(default)]
    pub identity: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub alias: Option<String>,
    /// Often with its prefix, e.g. `SMTP:ann@fabrikam.com`.
    #[serde(default)]
    pub external_email_address: Option<String>,
    #[serde(default)]
    pub primary_smtp_address: Option<String>,
    #[serde(default)]
    pub hidden_from_address_lists_enabled: Option<bool>,
    /// The Entra object id: the same object Graph lists as an `orgContact`.
    #[serde(default)]
    pub external_directory_object_id: Option<String>,
    #[serde(default)]
    pub guid: Option<String>,
    #[serde(default)]
    pub recipient_type_details: Option<String>,
}

/// Any recipient (`Get-Recipient`, `Get-DistributionGroupMember` items), and the identity part
/// of every other cmdlet's object (`GroupDelivery` flattens it in).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Recipient {
    #[serde(default)]
    pub identity: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub alias: Option<String>,
    #[serde(default)]
    pub primary_smtp_address: Option<String>,
    #[serde(default)]
    pub external_email_address: Option<String>,
    /// e.g. `MailContact`, `UserMailbox`, `MailUniversalDistributionGroup`.
    #[serde(default)]
    pub recipient_type: Option<String>,
    /// e.g. `MailContact`, `GuestMailUser`, `MailUniversalSecurityGroup`.
    #[serde(default)]
    pub recipient_type_details: Option<String>,
    #[serde(default)]
    pub external_directory_object_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub email_addresses: Vec<String>,
    #[serde(default)]
    pub guid: Option<String>,
}

/// Exchange renders an empty multi-valued property as `[]` or `null`: both decode as empty.
pub(super) fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

impl Recipient {
    /// Every string that names the recipient, as Exchange's lists may name it: Identity, Name,
    /// DisplayName, Alias, the addresses, the object ids.
    pub fn recipient_ref(&self) -> RecipientRef {
        let mut ids: Vec<String> = [
            &self.identity,
            &self.name,
            &self.display_name,
            &self.alias,
            &self.primary_smtp_address,
            &self.external_directory_object_id,
            &self.guid,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
        ids.extend(
            self.external_email_address
                .iter()
                .chain(&self.email_addresses)
                .map(|a| strip_smtp(a).to_owned()),
        );
        RecipientRef {
            display: self
                .display_name
                .clone()
                .or_else(|| self.name.clone())
                .unwrap_or_default(),
            identities: ids,
        }
    }
}

/// `Get-DistributionGroup` output: distribution lists and mail-enabled security groups.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DistributionGroup {
    #[serde(default)]
    pub identity: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub alias: Option<String>,
    #[serde(default)]
    pub primary_smtp_address: Option<String>,
    /// `MailUniversalDistributionGroup`, `MailUniversalSecurityGroup`, `RoomList`, …
    #[serde(default)]
    pub recipient_type_details: Option<String>,
    /// `true`: only senders inside the organisation are accepted (externals get NDR 5.7.133).
    #[serde(default)]
    pub require_sender_authentication_enabled: Option<bool>,
    #[serde(default)]
    pub external_directory_object_id: Option<String>,
    #[serde(default)]
    pub guid: Option<String>,
    /// Dynamic distribution groups: the OPATH filter that chooses the members.
    #[serde(default)]
    pub recipient_filter: Option<String>,
}

impl DistributionGroup {
    /// The group's kind, from `RecipientTypeDetails` (the domain's rules).
    pub fn kind(
        &self,
    ) -> Option<Result<crate::domain::group::GroupKind, crate::domain::group::GroupKindError>> {
        self.recipient_type_details
            .as_deref()
            .map(crate::domain::group::GroupKind::from_recipient_type_details)
    }
}

/// `New-MailContact` parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewMailContact {
    pub name: String,
    pub external_email_address: String,
    pub display_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// Typed Exchange Online admin API client.
pub struct ExchangeClient<T, K, S> {
    base_url: String,
    tenant_id: String,
    anchor: String,
    transport: T,
    tokens: K,
    sleeper: S,
    policy: RetryPolicy,
}

impl<T: Transport, K: TokenSource, S: Sleeper> ExchangeClient<T, K, S> {
    /// `base_url` is the host root (e.g. [`EXCHANGE_ONLINE`], a CORS gateway, or the simulated
    /// tenant); `anchor_upn` is the signed-in admin, sent as `X-AnchorMailbox: UPN:{upn}` so the call
    /// is routed to the admin's own forest.
    pub fn new(
        base_url: impl Into<String>,
        tenant_id: impl Into<String>,
        anchor_upn: &str,
        transport: T,
        tokens: K,
        sleeper: S,
    ) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            tenant_id: tenant_id.into(),
            anchor: format!("UPN:{anchor_upn}"),
            transport,
            tokens,
            sleeper,
            policy: RetryPolicy::default(),
        }
    }

    /// Replaces the whole `X-AnchorMailbox` value (e.g. `APP:SystemMailbox{…}@{tenant}`).
    pub fn with_anchor(mut self, anchor: impl Into<String>) -> Self {
        self.anchor = anchor.into();
        self
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The InvokeCommand endpoint this client posts to.
    pub fn endpoint(&self) -> String {
        format!(
            "{}/adminapi/beta/{}/InvokeCommand",
            self.base_url,
            encode_path_segment(&self.tenant_id)
        )
    }

    fn ctx(&self) -> Ctx<'_, T, K, S> {
        Ctx {
            transport: &self.transport,
            tokens: &self.tokens,
            sleeper: &self.sleeper,
            policy: &self.policy,
        }
    }

    /// Runs a cmdlet and returns every result object, following `@odata.nextLink`.
    /// `params` must be a JSON object of the cmdlet's parameters (switches as `true`/`false`).
    pub async fn invoke(&self, cmdlet: &str, params: Value) -> Result<Vec<Value>, TenantError> {
        let params = match params {
            Value::Null => Value::Object(Map::new()),
            p @ Value::Object(_) => p,
            other => {
                return Err(TenantError::InvalidRequest(format!(
                    "parameters of {cmdlet} must be an object, not {other}"
                )))
            }
        };
        let body = json!({ "CmdletInput": { "CmdletName": cmdlet, "Parameters": params } });
        let what = format!("InvokeCommand {cmdlet}");
        let mut url = self.endpoint();
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let req = HttpRequest::new(Method::Post, url)
                .header("Accept", "application/json")
                .header("X-AnchorMailbox", self.anchor.clone())
                .header("Prefer", format!("odata.maxpagesize={MAX_PAGE_SIZE}"))
                .json(&body);
            let resp = execute(&self.ctx(), Resource::Exchange, &req, exchange_error).await?;
            if resp.body.trim().is_empty() {
                return Ok(out);
            }
            let page: InvokePage = decode_json(&what, &resp.body)?;
            out.extend(page.value);
            match page.next_link {
                // Same body to the next link; never send the token outside this client's base.
                Some(next) if next.starts_with(&format!("{}/", self.base_url)) => url = next,
                Some(next) => {
                    return Err(TenantError::InvalidRequest(format!(
                        "next link {next} is outside {}",
                        self.base_url
                    )))
                }
                None => return Ok(out),
            }
        }
        Err(TenantError::InvalidRequest(format!(
            "{cmdlet}: more than {MAX_PAGES} pages"
        )))
    }

    pub(super) async fn invoke_typed<R: DeserializeOwned>(
        &self,
        cmdlet: &str,
        params: Value,
    ) -> Result<Vec<R>, TenantError> {
        let what = format!("InvokeCommand {cmdlet}");
        self.invoke(cmdlet, params)
            .await?
            .into_iter()
            .map(|v| decode_value(&what, v))
            .collect()
    }

    /// [`ExchangeClient::invoke`], retrying "couldn't be found" along `wait` (an object created
    /// moments ago).
    pub(super) async fn invoke_waiting(
        &self,
        cmdlet: &str,
        params: Value,
        wait: ReplicationWait,
    ) -> Result<Vec<Value>, TenantError> {
        retry_not_found(&self.sleeper, &self.policy, wait, || {
            self.invoke(cmdlet, params.clone())
        })
        .await
    }

    async fn invoke_one<R: DeserializeOwned>(
        &self,
        cmdlet: &str,
        params: Value,
    ) -> Result<R, TenantError> {
        self.invoke_typed(cmdlet, params)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| TenantError::Decode {
                what: format!("InvokeCommand {cmdlet}"),
                path: "value".into(),
                message: "no result object".into(),
            })
    }

    /// `Get-OrganizationConfig`: the mode probe's harmless read.
    pub async fn get_organization_config(&self) -> Result<OrganizationConfig, TenantError> {
        self.invoke_one("Get-OrganizationConfig", json!({})).await
    }

    /// `New-MailContact` (<https://learn.microsoft.com/powershell/module/exchange/new-mailcontact>).
    /// A taken name or address → [`TenantError::AlreadyExists`].
    pub async fn new_mail_contact(&self, c: &NewMailContact) -> Result<MailContact, TenantError> {
        let mut p = Map::new();
        p.insert("Name".into(), json!(c.name));
        p.insert(
            "ExternalEmailAddress".into(),
            json!(c.external_email_address),
        );
        for (k, v) in [
            ("DisplayName", &c.display_name),
            ("FirstName", &c.first_name),
            ("LastName", &c.last_name),
        ] {
            if let Some(v) = v {
                p.insert(k.into(), json!(v));
            }
        }
        self.invoke_one("New-MailContact", Value::Object(p)).await
    }

    /// `Set-MailContact -HiddenFromAddressListsEnabled`
    /// (<https://learn.microsoft.com/powershell/module/exchange/set-mailcontact>).
    pub async fn set_mail_contact_hidden(
        &self,
        identity: &str,
        hidden: bool,
        wait: ReplicationWait,
    ) -> Result<(), TenantError> {
        let params = json!({ "Identity": identity, "HiddenFromAddressListsEnabled": hidden });
        retry_not_found(&self.sleeper, &self.policy, wait, || {
            self.invoke("Set-MailContact", params.clone())
        })
        .await?;
        Ok(())
    }

    /// `Get-MailContact -Identity` (<https://learn.microsoft.com/powershell/module/exchange/get-mailcontact>).
    pub async fn get_mail_contact(&self, identity: &str) -> Result<MailContact, TenantError> {
        self.invoke_one("Get-MailContact", json!({ "Identity": identity }))
            .await
    }

    /// `Get-Recipient -Identity` (<https://learn.microsoft.com/powershell/module/exchange/get-recipient>).
    pub async fn get_recipient(&self, identity: &str) -> Result<Recipient, TenantError> {
        self.invoke_one("Get-Recipient", json!({ "Identity": identity }))
            .await
    }

    /// [`ExchangeClient::get_recipient`], retrying "couldn't be found" as `wait` says (a
    /// recipient this run just created may not be visible to Exchange for seconds).
    pub(super) async fn get_recipient_waiting(
        &self,
        identity: &str,
        wait: ReplicationWait,
    ) -> Result<Recipient, TenantError> {
        retry_not_found(&self.sleeper, &self.policy, wait, || {
            self.get_recipient(identity)
        })
        .await
    }

    /// `Get-DistributionGroup -Identity`
    /// (<https://learn.microsoft.com/powershell/module/exchange/get-distributiongroup>).
    pub async fn get_distribution_group(
        &self,
        identity: &str,
    ) -> Result<DistributionGroup, TenantError> {
        self.invoke_one("Get-DistributionGroup", json!({ "Identity": identity }))
            .await
    }

    /// `Get-DynamicDistributionGroup -Identity`
    /// (<https://learn.microsoft.com/powershell/module/exchange/get-dynamicdistributiongroup>).
    pub async fn get_dynamic_distribution_group(
        &self,
        identity: &str,
    ) -> Result<DistributionGroup, TenantError> {
        self.invoke_one(
            "Get-DynamicDistributionGroup",
            json!({ "Identity": identity }),
        )
        .await
    }

    /// `Set-DistributionGroup -RequireSenderAuthenticationEnabled`
    /// (<https://learn.microsoft.com/powershell/module/exchange/set-distributiongroup>).
    pub async fn set_require_sender_authentication(
        &self,
        identity: &str,
        required: bool,
    ) -> Result<(), TenantError> {
        let params = json!({
            "Identity": identity,
            "RequireSenderAuthenticationEnabled": required,
            "BypassSecurityGroupManagerCheck": true,
        });
        self.invoke("Set-DistributionGroup", params).await?;
        Ok(())
    }

    /// `Add-DistributionGroupMember` (<https://learn.microsoft.com/powershell/module/exchange/add-distributiongroupmember>).
    /// `wait` retries "couldn't be found" for a contact created moments ago. Already a member →
    /// [`TenantError::AlreadyMember`].
    pub async fn add_distribution_group_member(
        &self,
        identity: &str,
        member: &str,
        wait: ReplicationWait,
    ) -> Result<(), TenantError> {
        let params = json!({ "Identity": identity, "Member": member, "BypassSecurityGroupManagerCheck": true });
        retry_not_found(&self.sleeper, &self.policy, wait, || {
            self.invoke("Add-DistributionGroupMember", params.clone())
        })
        .await?;
        Ok(())
    }

    /// `Set-Contact -Company` (<https://learn.microsoft.com/powershell/module/exchange/set-contact>).
    pub async fn set_contact_company(
        &self,
        identity: &str,
        company: &str,
    ) -> Result<(), TenantError> {
        self.invoke(
            "Set-Contact",
            json!({ "Identity": identity, "Company": company }),
        )
        .await?;
        Ok(())
    }

    /// `Remove-DistributionGroupMember` (<https://learn.microsoft.com/powershell/module/exchange/remove-distributiongroupmember>).
    /// Not a member → [`TenantError::NotMember`].
    pub async fn remove_distribution_group_member(
        &self,
        identity: &str,
        member: &str,
    ) -> Result<(), TenantError> {
        let params = json!({ "Identity": identity, "Member": member, "BypassSecurityGroupManagerCheck": true });
        self.invoke("Remove-DistributionGroupMember", params)
            .await?;
        Ok(())
    }

    /// `Get-DistributionGroupMember -Identity` (<https://learn.microsoft.com/powershell/module/exchange/get-distributiongroupmember>).
    pub async fn get_distribution_group_member(
        &self,
        identity: &str,
    ) -> Result<Vec<Recipient>, TenantError> {
        self.invoke_typed(
            "Get-DistributionGroupMember",
            json!({ "Identity": identity, "ResultSize": "Unlimited" }),
        )
        .await
    }
}

#[derive(Deserialize)]
struct InvokePage {
    #[serde(default)]
    value: Vec<Value>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
}

//! The tenant calls the executor makes, behind one small trait ([`TenantApi`]) so that the
//! executor is generic over the clients' transport, token source and sleeper — and could be run
//! against an in-memory fake. [`Clients`] implements it with the real clients.
#![allow(async_fn_in_trait)]

use std::time::Duration;

use crate::domain::delivery::DeliveryChange;
use crate::domain::plan::ContactEdit;
use crate::tenant::{
    Applied, ExchangeClient, GraphClient, GraphWrite, GraphWritten, GroupId, Invitation,
    MailContact, NewInvitation, NewMailContact, ObjectId, Recipient, ReplicationWait, Sleeper,
    TenantError, TokenSource, Transport,
};

/// What the executor asks of the tenant. Each method is one documented call (the clients retry
/// throttling, unavailability and dropped connections themselves).
pub trait TenantApi {
    /// Direct mode (`true`) or script mode: without Exchange, Exchange operations are left for
    /// the PowerShell script.
    fn exchange_available(&self) -> bool;

    /// `New-MailContact`.
    async fn new_mail_contact(&self, c: &NewMailContact) -> Result<MailContact, TenantError>;
    /// `Get-MailContact -Identity` (an address works as identity).
    async fn get_mail_contact(&self, identity: &str) -> Result<MailContact, TenantError>;
    /// `Get-Recipient -Identity`: any recipient (contact, guest mail user, mailbox).
    async fn get_recipient(&self, identity: &str) -> Result<Recipient, TenantError>;
    /// `Set-MailContact -HiddenFromAddressListsEnabled $true`.
    async fn hide_mail_contact(
        &self,
        identity: &str,
        wait: ReplicationWait,
    ) -> Result<(), TenantError>;
    /// `Set-Contact -Company` (<https://learn.microsoft.com/powershell/module/exchange/set-contact>).
    async fn set_contact_company(&self, identity: &str, company: &str) -> Result<(), TenantError>;
    /// `Add-DistributionGroupMember`.
    async fn add_distribution_group_member(
        &self,
        group: &str,
        member: &str,
        wait: ReplicationWait,
    ) -> Result<(), TenantError>;
    /// `Remove-DistributionGroupMember`.
    async fn remove_distribution_group_member(
        &self,
        group: &str,
        member: &str,
    ) -> Result<(), TenantError>;
    /// `Set-DistributionGroup -RequireSenderAuthenticationEnabled $false`.
    async fn open_distribution_group(&self, group: &str) -> Result<(), TenantError>;
    /// A delivery fix's change through Exchange (`Set-DistributionGroup` / `Set-UnifiedGroup`
    /// sender lists): [`ExchangeClient::apply_delivery_change`].
    async fn apply_delivery_change(
        &self,
        change: &DeliveryChange,
        wait: ReplicationWait,
    ) -> Result<Applied, TenantError>;

    /// `Remove-MailContact` ([`ExchangeClient::remove_mail_contact`]).
    async fn remove_mail_contact(&self, identity: &str) -> Result<(), TenantError>;
    /// `Set-MailContact` / `Set-Contact` ([`ExchangeClient::edit_mail_contact`]).
    async fn edit_mail_contact(
        &self,
        identity: &str,
        edit: &ContactEdit,
    ) -> Result<(), TenantError>;
    /// `Set-MailContact -CustomAttribute{n}`
    /// ([`ExchangeClient::set_mail_contact_custom_attribute`]).
    async fn set_mail_contact_custom_attribute(
        &self,
        identity: &str,
        n: u8,
        value: Option<&str>,
    ) -> Result<(), TenantError>;

    /// Graph `POST /invitations`.
    async fn invite_guest(&self, invite: &NewInvitation) -> Result<Invitation, TenantError>;
    /// Graph `DELETE /users/{id}` ([`GraphClient::delete_user`]).
    async fn delete_user(&self, id: &ObjectId) -> Result<(), TenantError>;
    /// Graph `PATCH /users/{id}` of one extension attribute
    /// ([`GraphClient::set_extension_attribute`]).
    async fn set_extension_attribute(
        &self,
        id: &ObjectId,
        n: u8,
        value: Option<&str>,
    ) -> Result<(), TenantError>;
    /// Graph `POST /directory/deletedItems/{id}/restore`
    /// ([`GraphClient::restore_deleted_user`]).
    async fn restore_deleted_user(&self, id: &ObjectId) -> Result<(), TenantError>;
    /// The id of a guest holding `address`, if any (Graph user list by mail).
    async fn find_guest(&self, address: &str) -> Result<Option<ObjectId>, TenantError>;
    /// Graph `POST /groups/{id}/members/$ref`.
    async fn add_member_ref(
        &self,
        group: &GroupId,
        member: &ObjectId,
        wait: ReplicationWait,
    ) -> Result<(), TenantError>;
    /// Graph `DELETE /groups/{id}/members/{id}/$ref`.
    async fn remove_member_ref(
        &self,
        group: &GroupId,
        member: &ObjectId,
    ) -> Result<(), TenantError>;
    /// Graph `PATCH /groups/{id}` `allowExternalSenders: true`.
    async fn open_m365_group(&self, group: &GroupId) -> Result<(), TenantError>;
    /// Up to 20 Graph writes in one `POST /$batch`: one result per write, in order; the outer
    /// error is the batch's own.
    async fn graph_write_batch(
        &self,
        writes: &[GraphWrite],
    ) -> Result<Vec<Result<GraphWritten, TenantError>>, TenantError>;
    /// Waits `duration` (pacing writes to Graph's budget).
    async fn sleep(&self, duration: Duration);
}

impl<A: TenantApi + ?Sized> TenantApi for &A {
    fn exchange_available(&self) -> bool {
        (**self).exchange_available()
    }
    async fn new_mail_contact(&self, c: &NewMailContact) -> Result<MailContact, TenantError> {
        (**self).new_mail_contact(c).await
    }
    async fn get_mail_contact(&self, identity: &str) -> Result<MailContact, TenantError> {
        (**self).get_mail_contact(identity).await
    }
    async fn get_recipient(&self, identity: &str) -> Result<Recipient, TenantError> {
        (**self).get_recipient(identity).await
    }
    async fn hide_mail_contact(
        &self,
        identity: &str,
        wait: ReplicationWait,
    ) -> Result<(), TenantError> {
        (**self).hide_mail_contact(identity, wait).await
    }
    async fn set_contact_company(&self, identity: &str, company: &str) -> Result<(), TenantError> {
        (**self).set_contact_company(identity, company).await
    }
    async fn add_distribution_group_member(
        &self,
        group: &str,
        member: &str,
        wait: ReplicationWait,
    ) -> Result<(), TenantError> {
        (**self)
            .add_distribution_group_member(group, member, wait)
            .await
    }
    async fn remove_distribution_group_member(
        &self,
        group: &str,
        member: &str,
    ) -> Result<(), TenantError> {
        (**self)
            .remove_distribution_group_member(group, member)
            .await
    }
    async fn open_distribution_group(&self, group: &str) -> Result<(), TenantError> {
        (**self).open_distribution_group(group).await
    }
    async fn apply_delivery_change(
        &self,
        change: &DeliveryChange,
        wait: ReplicationWait,
    ) -> Result<Applied, TenantError> {
        (**self).apply_delivery_change(change, wait).await
    }
    async fn remove_mail_contact(&self, identity: &str) -> Result<(), TenantError> {
        (**self).remove_mail_contact(identity).await
    }
    async fn edit_mail_contact(
        &self,
        identity: &str,
        edit: &ContactEdit,
    ) -> Result<(), TenantError> {
        (**self).edit_mail_contact(identity, edit).await
    }
    async fn set_mail_contact_custom_attribute(
        &self,
        identity: &str,
        n: u8,
        value: Option<&str>,
    ) -> Result<(), TenantError> {
        (**self)
            .set_mail_contact_custom_attribute(identity, n, value)
            .await
    }
    async fn invite_guest(&self, invite: &NewInvitation) -> Result<Invitation, TenantError> {
        (**self).invite_guest(invite).await
    }
    async fn delete_user(&self, id: &ObjectId) -> Result<(), TenantError> {
        (**self).delete_user(id).await
    }
    async fn set_extension_attribute(
        &self,
        id: &ObjectId,
        n: u8,
        value: Option<&str>,
    ) -> Result<(), TenantError> {
        (**self).set_extension_attribute(id, n, value).await
    }
    async fn restore_deleted_user(&self, id: &ObjectId) -> Result<(), TenantError> {
        (**self).restore_deleted_user(id).await
    }
    async fn find_guest(&self, address: &str) -> Result<Option<ObjectId>, TenantError> {
        (**self).find_guest(address).await
    }
    async fn add_member_ref(
        &self,
        group: &GroupId,
        member: &ObjectId,
        wait: ReplicationWait,
    ) -> Result<(), TenantError> {
        (**self).add_member_ref(group, member, wait).await
    }
    async fn remove_member_ref(
        &self,
        group: &GroupId,
        member: &ObjectId,
    ) -> Result<(), TenantError> {
        (**self).remove_member_ref(group, member).await
    }
    async fn open_m365_group(&self, group: &GroupId) -> Result<(), TenantError> {
        (**self).open_m365_group(group).await
    }
    async fn graph_write_batch(
        &self,
        writes: &[GraphWrite],
    ) -> Result<Vec<Result<GraphWritten, TenantError>>, TenantError> {
        (**self).graph_write_batch(writes).await
    }
    async fn sleep(&self, duration: Duration) {
        (**self).sleep(duration).await
    }
}

/// The real clients. `exchange: None` is script mode.
pub struct Clients<'c, T, K, S> {
    pub graph: &'c GraphClient<T, K, S>,
    pub exchange: Option<&'c ExchangeClient<T, K, S>>,
}

impl<T, K, S> Clients<'_, T, K, S> {
    fn exchange(&self) -> Result<&ExchangeClient<T, K, S>, TenantError> {
        self.exchange.ok_or_else(|| {
            TenantError::InvalidRequest("Exchange is not reachable from here (script mode)".into())
        })
    }
}

impl<T: Transport, K: TokenSource, S: Sleeper> TenantApi for Clients<'_, T, K, S> {
    fn exchange_available(&self) -> bool {
        self.exchange.is_some()
    }

    async fn new_mail_contact(&self, c: &NewMailContact) -> Result<MailContact, TenantError> {
        self.exchange()?.new_mail_contact(c).await
    }

    async fn get_mail_contact(&self, identity: &str) -> Result<MailContact, TenantError> {
        self.exchange()?.get_mail_contact(identity).await
    }

    async fn get_recipient(&self, identity: &str) -> Result<Recipient, TenantError> {
        self.exchange()?.get_recipient(identity).await
    }

    async fn hide_mail_contact(
        &self,
        identity: &str,
        wait: ReplicationWait,
    ) -> Result<(), TenantError> {
        self.exchange()?
            .set_mail_contact_hidden(identity, true, wait)
            .await
    }

    async fn set_contact_company(&self, identity: &str, company: &str) -> Result<(), TenantError> {
        self.exchange()?
            .set_contact_company(identity, company)
            .await
    }

    async fn add_distribution_group_member(
        &self,
        group: &str,
        member: &str,
        wait: ReplicationWait,
    ) -> Result<(), TenantError> {
        self.exchange()?
            .add_distribution_group_member(group, member, wait)
            .await
    }

    async fn remove_distribution_group_member(
        &self,
        group: &str,
        member: &str,
    ) -> Result<(), TenantError> {
        self.exchange()?
            .remove_distribution_group_member(group, member)
            .await
    }

    async fn open_distribution_group(&self, group: &str) -> Result<(), TenantError> {
        self.exchange()?
            .set_require_sender_authentication(group, false)
            .await
    }

    async fn apply_delivery_change(
        &self,
        change: &DeliveryChange,
        wait: ReplicationWait,
    ) -> Result<Applied, TenantError> {
        self.exchange()?.apply_delivery_change(change, wait).await
    }

    async fn remove_mail_contact(&self, identity: &str) -> Result<(), TenantError> {
        self.exchange()?.remove_mail_contact(identity).await
    }

    async fn edit_mail_contact(
        &self,
        identity: &str,
        edit: &ContactEdit,
    ) -> Result<(), TenantError> {
        self.exchange()?.edit_mail_contact(identity, edit).await
    }

    async fn set_mail_contact_custom_attribute(
        &self,
        identity: &str,
        n: u8,
        value: Option<&str>,
    ) -> Result<(), TenantError> {
        self.exchange()?
            .set_mail_contact_custom_attribute(identity, n, value)
            .await
    }

    async fn invite_guest(&self, invite: &NewInvitation) -> Result<Invitation, TenantError> {
        self.graph.invite_guest(invite).await
    }

    async fn delete_user(&self, id: &ObjectId) -> Result<(), TenantError> {
        self.graph.delete_user(id).await
    }

    async fn set_extension_attribute(
        &self,
        id: &ObjectId,
        n: u8,
        value: Option<&str>,
    ) -> Result<(), TenantError> {
        self.graph.set_extension_attribute(id, n, value).await
    }

    async fn restore_deleted_user(&self, id: &ObjectId) -> Result<(), TenantError> {
        self.graph.restore_deleted_user(id).await.map(drop)
    }

    async fn find_guest(&self, address: &str) -> Result<Option<ObjectId>, TenantError> {
        Ok(self
            .graph
            .find_users_by_mail(address)
            .await?
            .into_iter()
            .find(|u| u.is_guest())
            .map(|u| u.id))
    }

    async fn add_member_ref(
        &self,
        group: &GroupId,
        member: &ObjectId,
        wait: ReplicationWait,
    ) -> Result<(), TenantError> {
        self.graph.add_member_ref(group, member, wait).await
    }

    async fn remove_member_ref(
        &self,
        group: &GroupId,
        member: &ObjectId,
    ) -> Result<(), TenantError> {
        self.graph.remove_member_ref(group, member).await
    }

    async fn open_m365_group(&self, group: &GroupId) -> Result<(), TenantError> {
        self.graph.set_allow_external_senders(group, true).await
    }

    async fn graph_write_batch(
        &self,
        writes: &[GraphWrite],
    ) -> Result<Vec<Result<GraphWritten, TenantError>>, TenantError> {
        self.graph.write_batch(writes).await
    }

    async fn sleep(&self, duration: Duration) {
        self.graph.sleeper().sleep(duration).await
    }
}

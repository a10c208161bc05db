//! Recipients as Exchange sees them ([`Rec`]): users (mailboxes, guest mail users), contacts and
//! mail-enabled groups, resolved by identity through a [`View`] of the tenant that hides what
//! hasn't replicated yet, and rendered with PowerShell's property names (Get-Recipient).
//!
//! - Get-Recipient (default ResultSize 1000): https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/get-recipient

use std::time::Duration;

use serde_json::{json, Value};

use super::cmdlets::Params;
use super::opath::parse_opath;
use super::ExoError;
use crate::contract::TENANT_DOMAIN;
use crate::store::{
    strip_smtp, Contact, Group, GroupKind, Obj, Provenance, Side, Tenant, User, UserType,
};

/// A recipient as Exchange sees it.
#[derive(Clone, Copy)]
pub(super) enum Rec<'a> {
    User(&'a User),
    Contact(&'a Contact),
    Group(&'a Group),
}

impl Rec<'_> {
    pub(super) fn id(&self) -> &str {
        match self {
            Rec::User(u) => &u.id,
            Rec::Contact(c) => &c.id,
            Rec::Group(g) => &g.id,
        }
    }
    pub(super) fn name(&self) -> String {
        match self {
            Rec::User(u) => u.mail_nickname.clone(),
            Rec::Contact(c) => c.name.clone(),
            Rec::Group(g) => g.name.clone(),
        }
    }
    pub(super) fn provenance(&self) -> Provenance {
        match self {
            Rec::User(u) => u.provenance,
            Rec::Contact(c) => c.provenance,
            Rec::Group(g) => g.provenance,
        }
    }
}

pub(super) struct View<'a> {
    pub(super) t: &'a Tenant,
    pub(super) delay: Duration,
}

impl<'a> View<'a> {
    /// Exchange recipients visible now: users (mailboxes, guest mail users), contacts and mail-enabled
    /// groups (security-only groups aren't recipients).
    pub(super) fn recipients(&self) -> impl Iterator<Item = Rec<'a>> + '_ {
        let d = self.delay;
        let users = self.t.users().iter().map(Rec::User);
        let contacts = self.t.contacts().iter().map(Rec::Contact);
        let groups = self
            .t
            .groups()
            .iter()
            .filter(|g| g.kind.mail_enabled())
            .map(Rec::Group);
        users
            .chain(contacts)
            .chain(groups)
            .filter(move |r| r.provenance().visible_to(Side::Exchange, d))
    }

    pub(super) fn rec_by_id(&self, id: &str) -> Option<Rec<'a>> {
        self.rec_of(self.t.get(id)?)
    }

    /// The recipient an object is, if it is one and is visible now.
    pub(super) fn rec_of(&self, o: Obj<'a>) -> Option<Rec<'a>> {
        let r = match o {
            Obj::User(u) => Rec::User(u),
            Obj::Contact(c) => Rec::Contact(c),
            Obj::Group(g) if g.kind.mail_enabled() => Rec::Group(g),
            Obj::Group(_) => return None,
        };
        r.provenance()
            .visible_to(Side::Exchange, self.delay)
            .then_some(r)
    }

    /// The visible recipients with `identity` among their names, aliases, addresses and ids, in
    /// the order [`View::recipients`] lists them (from the store's identity index, not a scan).
    pub(super) fn with_identity(&self, identity: &str) -> impl Iterator<Item = Rec<'a>> + '_ {
        self.t
            .by_identity(identity)
            .into_iter()
            .filter_map(|o| self.rec_of(o))
    }

    /// Resolves an identity among the recipients `keep` accepts. `replicated_only` hides objects that
    /// haven't finished replicating (what Add-DistributionGroupMember sees right after a create).
    pub(super) fn resolve(
        &self,
        identity: &str,
        keep: impl Fn(&Rec) -> bool,
        replicated_only: bool,
    ) -> Result<Rec<'a>, ExoError> {
        let needle = strip_smtp(identity.trim());
        // Fast path for object ids (the app passes ExternalDirectoryObjectId / Guid often).
        if let Some(r) = self.rec_by_id(needle).filter(|r| keep(r)) {
            if replicated_only && !r.provenance().replicated(self.delay) {
                return Err(ExoError::not_found(identity));
            }
            return Ok(r);
        }
        let mut hits = self.with_identity(needle).filter(|r| keep(r));
        let first = hits.next().ok_or_else(|| ExoError::not_found(identity))?;
        if hits.next().is_some() {
            return Err(ExoError::ambiguous(identity));
        }
        if replicated_only && !first.provenance().replicated(self.delay) {
            return Err(ExoError::not_found(identity));
        }
        Ok(first)
    }

    pub(super) fn resolve_group(&self, identity: &str) -> Result<&'a Group, ExoError> {
        match self.resolve(
            identity,
            |r| matches!(r, Rec::Group(g) if g.kind.is_exchange_distribution()),
            false,
        )? {
            Rec::Group(g) => Ok(g),
            _ => Err(ExoError::not_found(identity)),
        }
    }

    pub(super) fn json(&self, r: Rec) -> Value {
        recipient_json(r)
    }
}

fn dn(name: &str) -> String {
    format!("CN={name},OU={TENANT_DOMAIN},OU=Microsoft Exchange Hosted Organizations,DC=EURPR06A001,DC=prod,DC=outlook,DC=com")
}

fn when(d: &chrono::DateTime<chrono::Utc>) -> Value {
    Value::String(d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// The Get-Recipient view of an object (PowerShell property names).
pub(super) fn recipient_json(r: Rec) -> Value {
    let synced = matches!(r, Rec::Group(g) if g.dir_synced);
    let (
        rtype,
        rdetails,
        name,
        alias,
        display,
        primary,
        emails,
        external,
        hidden,
        created,
        guid,
        id,
    ) = match r {
        Rec::User(u) => {
            let guest = u.user_type == UserType::Guest;
            (
                if guest { "MailUser" } else { "UserMailbox" },
                if guest {
                    "GuestMailUser"
                } else {
                    "UserMailbox"
                },
                u.mail_nickname.clone(),
                u.mail_nickname.clone(),
                u.display_name.clone(),
                u.mail.clone().unwrap_or_default(),
                u.proxy_addresses.clone(),
                guest.then(|| format!("SMTP:{}", u.mail.clone().unwrap_or_default())),
                guest,
                u.created,
                u.exchange_guid.clone(),
                u.id.clone(),
            )
        }
        Rec::Contact(c) => (
            "MailContact",
            "MailContact",
            c.name.clone(),
            c.alias.clone(),
            c.display_name.clone(),
            c.external_email.clone(),
            c.proxy_addresses(),
            Some(format!("SMTP:{}", c.external_email)),
            c.hidden_from_address_lists,
            c.created,
            c.exchange_guid.clone(),
            c.id.clone(),
        ),
        Rec::Group(g) => {
            let (t, d) = match g.kind {
                GroupKind::MailSecurity => {
                    ("MailUniversalSecurityGroup", "MailUniversalSecurityGroup")
                }
                GroupKind::Unified => ("MailUniversalDistributionGroup", "GroupMailbox"),
                GroupKind::DynamicDistribution => {
                    ("DynamicDistributionGroup", "DynamicDistributionGroup")
                }
                _ => (
                    "MailUniversalDistributionGroup",
                    "MailUniversalDistributionGroup",
                ),
            };
            (
                t,
                d,
                g.name.clone(),
                g.alias.clone(),
                g.display_name.clone(),
                g.mail.clone().unwrap_or_default(),
                g.proxy_addresses(),
                None,
                g.hidden_from_address_lists,
                g.created,
                g.exchange_guid.clone(),
                g.id.clone(),
            )
        }
    };
    // CustomAttribute1..15: a contact's own (Set-MailContact), a user's are its Graph
    // onPremisesExtensionAttributes ("also known as Exchange custom attributes 1-15",
    // https://learn.microsoft.com/graph/api/resources/onpremisesextensionattributes).
    let custom: Option<&[Option<String>; 15]> = match r {
        Rec::User(u) => Some(&u.extension_attributes),
        Rec::Contact(c) => Some(&c.custom_attributes),
        Rec::Group(_) => None,
    };
    let mut out = json!({
        "Identity": name,
        "Id": name,
        "Name": name,
        "Alias": alias,
        "DisplayName": display,
        "PrimarySmtpAddress": primary,
        "EmailAddresses": emails,
        "ExternalEmailAddress": external,
        "RecipientType": rtype,
        "RecipientTypeDetails": rdetails,
        "HiddenFromAddressListsEnabled": hidden,
        "Guid": guid,
        "ExternalDirectoryObjectId": id,
        "DistinguishedName": dn(&name),
        "OrganizationalUnit": format!("EURPR06A001.prod.outlook.com/Microsoft Exchange Hosted Organizations/{TENANT_DOMAIN}"),
        "IsDirSynced": synced,
        "WhenCreated": when(&created),
        "WhenCreatedUTC": when(&created),
    });
    if let (Some(attrs), Some(m)) = (custom, out.as_object_mut()) {
        for (i, a) in attrs.iter().enumerate() {
            m.insert(format!("CustomAttribute{}", i + 1), json!(a));
        }
    }
    out
}

pub(super) fn get_recipients<'a>(
    v: &View<'a>,
    p: &Params,
    keep: &dyn Fn(&Rec) -> bool,
) -> Result<Vec<Rec<'a>>, ExoError> {
    if let Some(id) = p.str("Identity") {
        return Ok(vec![v.resolve(&id, keep, false)?]);
    }
    let size = p.result_size()?;
    let filter = p.str("Filter").map(|f| parse_opath(&f)).transpose()?;
    let anr = p.str("Anr").map(|s| s.to_lowercase());
    let types: Option<Vec<String>> = match p.0.get("RecipientTypeDetails") {
        Some(Value::Array(a)) => Some(
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_lowercase)
                .collect(),
        ),
        _ => p.str("RecipientTypeDetails").map(|s| {
            s.split(',')
                .map(|x| x.trim().to_ascii_lowercase())
                .filter(|x| !x.is_empty())
                .collect()
        }),
    };
    let needs_json = filter.is_some() || anr.is_some() || types.is_some();
    Ok(v.recipients()
        .filter(|r| keep(r))
        .filter(|r| {
            if !needs_json {
                return true;
            }
            let j = v.json(*r);
            types.as_ref().is_none_or(|ts| {
                j.get("RecipientTypeDetails")
                    .and_then(Value::as_str)
                    .is_some_and(|d| ts.contains(&d.to_ascii_lowercase()))
            }) && filter.as_ref().is_none_or(|f| f.matches(&j))
                && anr.as_ref().is_none_or(|a| {
                    ["Name", "Alias", "DisplayName", "PrimarySmtpAddress"]
                        .iter()
                        .any(|k| {
                            j.get(*k)
                                .and_then(Value::as_str)
                                .is_some_and(|s| s.to_lowercase().starts_with(a.as_str()))
                        })
                })
        })
        .take(size)
        .collect())
}

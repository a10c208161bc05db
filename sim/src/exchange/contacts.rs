//! The mail-contact cmdlets: New-MailContact, Set-MailContact, Set-Contact, Remove-MailContact.
//!
//! - New-MailContact: https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/new-mailcontact
//! - Set-MailContact: https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/set-mailcontact
//! - Set-Contact: https://learn.microsoft.com/powershell/module/exchange/set-contact

use std::time::Duration;

use serde_json::Value;

use super::cmdlets::Params;
use super::recipients::{recipient_json, Rec, View};
use super::{ExoError, NAME_EXISTS_TYPE, PROXY_EXISTS_TYPE};
use crate::address::{valid_address, Dialect};
use crate::store::{strip_smtp, Contact, Provenance, Side, Tenant};

pub(super) fn new_mail_contact(
    t: &mut Tenant,
    p: &Params,
    delay: Duration,
) -> Result<Vec<Value>, ExoError> {
    let name = p.required("Name")?;
    let external = p.required("ExternalEmailAddress")?;
    // Exchange takes the address in proxy form too (`SMTP:x@y`): the prefix is stripped before the
    // check, which is shared with Graph's invitations; see `address::Dialect` for where they differ.
    let address = strip_smtp(external.trim()).to_string();
    if !valid_address(&address, Dialect::Exchange) {
        return Err(ExoError::new(
            "Microsoft.Exchange.Data.DataValidationException",
            format!("\"{external}\" isn't a valid SMTP address."),
        ));
    }
    let view = View { t: &*t, delay };
    // Names are unique among recipients; so are proxy addresses (New-MailContact page, "Name" parameter).
    // Names, aliases and addresses are all identities, so the identity index narrows each check
    // to the few recipients that carry the text.
    if view
        .with_identity(&name)
        .any(|r| r.name().eq_ignore_ascii_case(&name))
    {
        return Err(ExoError::new(
            NAME_EXISTS_TYPE,
            format!("The name \"{name}\" is already being used. Please try another name."),
        ));
    }
    let holder = view.with_identity(&address).find(|r| match r {
        Rec::User(u) => {
            u.mail
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(&address))
                || u.proxy_addresses
                    .iter()
                    .any(|p| strip_smtp(p).eq_ignore_ascii_case(&address))
        }
        Rec::Contact(c) => c.external_email.eq_ignore_ascii_case(&address),
        Rec::Group(g) => g
            .mail
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case(&address)),
    });
    if let Some(h) = holder {
        return Err(ExoError::new(
            PROXY_EXISTS_TYPE,
            format!(
                "The proxy address \"SMTP:{address}\" is already being used by the proxy addresses or LegacyExchangeDN of \"{}\". Please choose another proxy address.",
                h.name()
            ),
        ));
    }
    let base_alias: String = p
        .str("Alias")
        .unwrap_or_else(|| name.clone())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let base_alias = if base_alias.is_empty() {
        "contact".to_string()
    } else {
        base_alias
    };
    let taken = |a: &str| {
        view.with_identity(a).any(|r| match r {
            Rec::User(u) => u.mail_nickname.eq_ignore_ascii_case(a),
            Rec::Contact(c) => c.alias.eq_ignore_ascii_case(a),
            Rec::Group(g) => g.alias.eq_ignore_ascii_case(a),
        })
    };
    let mut alias = base_alias.clone();
    let mut n = 1;
    while taken(&alias) {
        alias = format!("{base_alias}{n}");
        n += 1;
    }
    let first = p.str("FirstName");
    let last = p.str("LastName");
    let c = Contact {
        id: t.new_guid(),
        exchange_guid: t.new_guid(),
        display_name: p.str("DisplayName").unwrap_or_else(|| name.clone()),
        name,
        alias,
        given_name: first,
        surname: last,
        external_email: address,
        company_name: None,
        department: None,
        job_title: None,
        hidden_from_address_lists: false,
        custom_attributes: Default::default(),
        created: chrono::Utc::now(),
        provenance: Provenance::now(Side::Exchange),
    };
    let json = recipient_json(Rec::Contact(&c));
    t.insert_contact(c);
    Ok(vec![json])
}

/// Set-MailContact: hidden from address lists, display name, alias, CustomAttribute1..15 (an
/// empty value or `$null` clears one).
pub(super) fn set_mail_contact(
    t: &mut Tenant,
    p: &Params,
    delay: Duration,
) -> Result<Vec<Value>, ExoError> {
    let view = View { t: &*t, delay };
    let id = p.required("Identity")?;
    let cid = match view.resolve(&id, |r| matches!(r, Rec::Contact(_)), false)? {
        Rec::Contact(c) => c.id.clone(),
        _ => return Err(ExoError::not_found(&id)),
    };
    let hidden = p.bool("HiddenFromAddressListsEnabled")?;
    let display = p.str("DisplayName");
    let alias = p.str("Alias");
    let custom: Vec<(usize, Option<String>)> = (1..=15)
        .filter_map(|n| {
            let key = format!("CustomAttribute{n}");
            p.0.contains_key(key.as_str())
                .then(|| (n - 1, p.str(&key).filter(|v| !v.is_empty())))
        })
        .collect();
    if let Some(c) = t.contact_mut(&cid) {
        for (i, v) in custom {
            c.custom_attributes[i] = v;
        }
        if let Some(h) = hidden {
            c.hidden_from_address_lists = h;
        }
        if let Some(d) = display {
            c.display_name = d;
        }
        if let Some(a) = alias {
            c.alias = a;
        }
    }
    Ok(vec![])
}

/// Set-Contact: the directory attributes Set-MailContact lacks (empty clears them).
pub(super) fn set_contact(
    t: &mut Tenant,
    p: &Params,
    delay: Duration,
) -> Result<Vec<Value>, ExoError> {
    let view = View { t: &*t, delay };
    let id = p.required("Identity")?;
    let cid = match view.resolve(&id, |r| matches!(r, Rec::Contact(_)), false)? {
        Rec::Contact(c) => c.id.clone(),
        _ => return Err(ExoError::not_found(&id)),
    };
    let company = p.str("Company");
    let first = p.str("FirstName");
    let last = p.str("LastName");
    let display = p.str("DisplayName");
    if let Some(c) = t.contact_mut(&cid) {
        // An empty value clears the attribute, as $null does in PowerShell.
        let opt = |v: String| (!v.is_empty()).then_some(v);
        if let Some(v) = company {
            c.company_name = opt(v);
        }
        if let Some(v) = first {
            c.given_name = opt(v);
        }
        if let Some(v) = last {
            c.surname = opt(v);
        }
        if let Some(v) = display {
            c.display_name = v;
        }
    }
    Ok(vec![])
}

/// Remove-MailContact: the contact leaves every group at once; Exchange no longer finds it, Graph
/// still lists it until the replication delay has passed (the store keeps it as a tombstone).
/// https://learn.microsoft.com/powershell/module/exchangepowershell/remove-mailcontact
pub(super) fn remove_mail_contact(
    t: &mut Tenant,
    p: &Params,
    delay: Duration,
) -> Result<Vec<Value>, ExoError> {
    let view = View { t: &*t, delay };
    let id = p.required("Identity")?;
    let cid = match view.resolve(&id, |r| matches!(r, Rec::Contact(_)), false)? {
        Rec::Contact(c) => c.id.clone(),
        _ => return Err(ExoError::not_found(&id)),
    };
    t.remove_contact_by(Side::Exchange, &cid);
    Ok(vec![])
}

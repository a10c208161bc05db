//! Delivery restrictions of groups: how Get-DistributionGroup / Get-UnifiedGroup show them, how
//! Set-DistributionGroup / Set-UnifiedGroup change them (multi-valued parameters as a plain array,
//! which replaces, or as `{"@odata.type": "#Exchange.GenericHashTable", "Add": […], "Remove": […]}`),
//! and the sim's delivery oracle behind `POST /_sim/deliver`.
//!
//! This is the sim's own reading of Microsoft's documentation, written apart from the app's
//! `guestlist_core::domain::delivery` (the sim doesn't depend on the app's core) so that the tests
//! compare two readings, not one with itself.
//!
//! - Set-DistributionGroup (every list parameter, its default and its `@{Add=…; Remove=…}` syntax;
//!   AcceptMessagesOnlyFrom/…DLMembers copied into …SendersOrMembers and not usable with it in one
//!   command; moderators; owners moderating when ModeratedBy is empty; moderators' own mail not
//!   moderated): https://learn.microsoft.com/powershell/module/exchangepowershell/set-distributiongroup
//! - Set-UnifiedGroup (AcceptMessagesOnlyFromSendersOrMembers, RejectMessagesFromSendersOrMembers,
//!   ModeratedBy, ModerationEnabled, RequireSenderAuthenticationEnabled; guests always
//!   subscribed): https://learn.microsoft.com/powershell/module/exchangepowershell/set-unifiedgroup
//! - The GenericHashTable wire shape: the Exchange admin API docs for GrantSendOnBehalfTo, and
//!   CIPP-API's Invoke-ExecEditMailboxPermissions.
//! - NDR codes: https://learn.microsoft.com/troubleshoot/exchange/email-delivery/ndr/non-delivery-reports-in-exchange-online
//!   (5.7.133 "Sender not authenticated for group", 5.7.124 "Sender not in allowed-senders list",
//!   5.7.1 "Delivery not authorized" for a sender the recipient doesn't accept).

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::cmdlets::Params;
use super::opath::parse_opath;
use super::recipients::{recipient_json, Rec, View};
use super::ExoError;
use crate::store::{strip_smtp, Group, GroupKind, Obj, Tenant, UserType};

// ----- Get-* -----

/// The delivery properties of a group, with each list entry shown by the recipient's Name.
pub(super) fn delivery_props(v: &View, g: &Group, m: &mut Map<String, Value>) {
    let names = |ids: &[String]| -> Value {
        json!(ids
            .iter()
            .filter_map(|id| v.rec_by_id(id))
            .map(|r| r.name())
            .collect::<Vec<_>>())
    };
    let union =
        |a: &[String], b: &[String]| -> Vec<String> { a.iter().chain(b).cloned().collect() };
    let rsae = if g.kind == GroupKind::Unified {
        !g.allow_external_senders
    } else {
        g.require_sender_auth
    };
    m.insert("RequireSenderAuthenticationEnabled".into(), json!(rsae));
    m.insert("AcceptMessagesOnlyFrom".into(), names(&g.accept_from));
    m.insert(
        "AcceptMessagesOnlyFromDLMembers".into(),
        names(&g.accept_from_dl),
    );
    m.insert(
        "AcceptMessagesOnlyFromSendersOrMembers".into(),
        names(&union(&g.accept_from, &g.accept_from_dl)),
    );
    m.insert("RejectMessagesFrom".into(), names(&g.reject_from));
    m.insert(
        "RejectMessagesFromDLMembers".into(),
        names(&g.reject_from_dl),
    );
    m.insert(
        "RejectMessagesFromSendersOrMembers".into(),
        names(&union(&g.reject_from, &g.reject_from_dl)),
    );
    m.insert("ModerationEnabled".into(), json!(g.moderation_enabled));
    m.insert("ModeratedBy".into(), names(&g.moderated_by));
    m.insert(
        "BypassModerationFromSendersOrMembers".into(),
        names(&g.bypass_moderation),
    );
    if g.kind != GroupKind::Unified {
        m.insert(
            "ReportToOriginatorEnabled".into(),
            json!(g.report_to_originator),
        );
        m.insert("ReportToManagerEnabled".into(), json!(g.report_to_manager));
    }
    m.insert("IsDirSynced".into(), json!(g.dir_synced));
}

/// Get-UnifiedGroup: the recipient plus the group's settings.
pub(super) fn unified_extra(v: &View, mut r: Value) -> Value {
    let Some(g) = r
        .get("ExternalDirectoryObjectId")
        .and_then(Value::as_str)
        .and_then(|id| v.t.group(id))
    else {
        return r;
    };
    if let Value::Object(m) = &mut r {
        let owners: Vec<String> = g
            .managed_by
            .iter()
            .filter_map(|id| v.t.user(id))
            .map(|u| u.mail_nickname.clone())
            .collect();
        m.insert("ManagedBy".into(), json!(owners));
        m.insert(
            "AccessType".into(),
            json!(g.visibility.clone().unwrap_or_else(|| "Public".into())),
        );
        m.insert(
            "Notes".into(),
            json!(g.description.clone().unwrap_or_default()),
        );
        delivery_props(v, g, m);
    }
    r
}

// ----- Set-* -----

/// A multi-valued parameter's value: a plain value or array replaces the list; a GenericHashTable
/// adds and removes.
#[derive(Debug, PartialEq)]
enum Change {
    Replace(Vec<String>),
    Edit {
        add: Vec<String>,
        remove: Vec<String>,
    },
}

fn strings(name: &str, v: &Value) -> Result<Vec<String>, ExoError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => Ok(s.clone()),
                other => Err(ExoError::parameter(format!(
                    "Cannot process argument transformation on parameter '{name}'. Cannot convert value \"{other}\" to type \"Microsoft.Exchange.Data.MultiValuedProperty\"."
                ))),
            })
            .collect(),
        other => Err(ExoError::parameter(format!(
            "Cannot process argument transformation on parameter '{name}'. Cannot convert value \"{other}\" to type \"Microsoft.Exchange.Data.MultiValuedProperty\"."
        ))),
    }
}

fn change(p: &Params, name: &str) -> Result<Option<Change>, ExoError> {
    let Some(v) = p.0.get(name) else {
        return Ok(None);
    };
    let Value::Object(o) = v else {
        return strings(name, v).map(|s| Some(Change::Replace(s)));
    };
    let (mut add, mut remove) = (Vec::new(), Vec::new());
    for (k, val) in o {
        if k == "@odata.type" {
            if val.as_str() != Some("#Exchange.GenericHashTable") {
                return Err(ExoError::parameter(format!(
                    "Cannot process argument transformation on parameter '{name}'. The type {val} isn't supported."
                )));
            }
        } else if k.eq_ignore_ascii_case("Add") {
            add.extend(strings(name, val)?);
        } else if k.eq_ignore_ascii_case("Remove") {
            remove.extend(strings(name, val)?);
        } else {
            return Err(ExoError::parameter(format!(
                "Cannot process argument transformation on parameter '{name}'. The hash table key '{k}' isn't valid; use Add or Remove."
            )));
        }
    }
    Ok(Some(Change::Edit { add, remove }))
}

/// What an entry of a list may be.
#[derive(Clone, Copy, PartialEq)]
enum Takes {
    /// Mailboxes, mail users, mail contacts.
    Senders,
    /// Groups.
    Groups,
    /// Either.
    Both,
}

fn resolve_ids(
    v: &View,
    entries: &[String],
    takes: Takes,
) -> Result<Vec<(String, bool)>, ExoError> {
    entries
        .iter()
        .map(|e| {
            let keep = |r: &Rec| match (takes, r) {
                (Takes::Senders, Rec::Group(_)) => false,
                (Takes::Groups, Rec::Group(_)) => true,
                (Takes::Groups, _) => false,
                _ => true,
            };
            // A just-created contact isn't found until it has replicated, as with membership.
            v.resolve(e, keep, true)
                .map(|r| (r.id().to_string(), matches!(r, Rec::Group(_))))
        })
        .collect()
}

fn apply(list: &mut Vec<String>, c: &ResolvedChange, keep: impl Fn(bool) -> bool) {
    match c {
        ResolvedChange::Replace(ids) => {
            *list = ids
                .iter()
                .filter(|(_, g)| keep(*g))
                .map(|(id, _)| id.clone())
                .collect();
        }
        ResolvedChange::Edit { add, remove } => {
            for (id, g) in add {
                if keep(*g) && !list.contains(id) {
                    list.push(id.clone());
                }
            }
            list.retain(|x| !remove.iter().any(|(id, _)| id == x));
        }
    }
}

enum ResolvedChange {
    Replace(Vec<(String, bool)>),
    Edit {
        add: Vec<(String, bool)>,
        remove: Vec<(String, bool)>,
    },
}

fn resolved(
    v: &View,
    p: &Params,
    name: &str,
    takes: Takes,
) -> Result<Option<ResolvedChange>, ExoError> {
    Ok(match change(p, name)? {
        None => None,
        Some(Change::Replace(e)) => Some(ResolvedChange::Replace(resolve_ids(v, &e, takes)?)),
        Some(Change::Edit { add, remove }) => Some(ResolvedChange::Edit {
            add: resolve_ids(v, &add, takes)?,
            remove: resolve_ids(v, &remove, takes)?,
        }),
    })
}

/// Applies the delivery parameters of a Set-DistributionGroup / Set-UnifiedGroup call to group `gid`.
pub(super) fn set_delivery(
    t: &mut Tenant,
    gid: &str,
    p: &Params,
    delay: Duration,
) -> Result<(), ExoError> {
    for (one, union) in [
        (
            "AcceptMessagesOnlyFrom",
            "AcceptMessagesOnlyFromSendersOrMembers",
        ),
        (
            "AcceptMessagesOnlyFromDLMembers",
            "AcceptMessagesOnlyFromSendersOrMembers",
        ),
        ("RejectMessagesFrom", "RejectMessagesFromSendersOrMembers"),
        (
            "RejectMessagesFromDLMembers",
            "RejectMessagesFromSendersOrMembers",
        ),
    ] {
        if p.0.contains_key(one) && p.0.contains_key(union) {
            return Err(ExoError::parameter(format!(
                "The parameters {one} and {union} can't be used in the same command."
            )));
        }
    }
    let view = View { t: &*t, delay };
    let accept_from = resolved(&view, p, "AcceptMessagesOnlyFrom", Takes::Senders)?;
    let accept_dl = resolved(&view, p, "AcceptMessagesOnlyFromDLMembers", Takes::Groups)?;
    let accept_any = resolved(
        &view,
        p,
        "AcceptMessagesOnlyFromSendersOrMembers",
        Takes::Both,
    )?;
    let reject_from = resolved(&view, p, "RejectMessagesFrom", Takes::Senders)?;
    let reject_dl = resolved(&view, p, "RejectMessagesFromDLMembers", Takes::Groups)?;
    let reject_any = resolved(&view, p, "RejectMessagesFromSendersOrMembers", Takes::Both)?;
    let moderated_by = resolved(&view, p, "ModeratedBy", Takes::Senders)?;
    let bypass = resolved(
        &view,
        p,
        "BypassModerationFromSendersOrMembers",
        Takes::Both,
    )?;
    let moderation = p.bool("ModerationEnabled")?;
    let originator = p.bool("ReportToOriginatorEnabled")?;
    let manager = p.bool("ReportToManagerEnabled")?;
    let Some(g) = t.group_mut(gid) else {
        return Err(ExoError::not_found(gid));
    };
    let senders = |is_group: bool| !is_group;
    let groups = |is_group: bool| is_group;
    if let Some(c) = &accept_from {
        apply(&mut g.accept_from, c, senders);
    }
    if let Some(c) = &accept_dl {
        apply(&mut g.accept_from_dl, c, groups);
    }
    if let Some(c) = &accept_any {
        apply(&mut g.accept_from, c, senders);
        apply(&mut g.accept_from_dl, c, groups);
    }
    if let Some(c) = &reject_from {
        apply(&mut g.reject_from, c, senders);
    }
    if let Some(c) = &reject_dl {
        apply(&mut g.reject_from_dl, c, groups);
    }
    if let Some(c) = &reject_any {
        apply(&mut g.reject_from, c, senders);
        apply(&mut g.reject_from_dl, c, groups);
    }
    if let Some(c) = &moderated_by {
        apply(&mut g.moderated_by, c, |_| true);
    }
    if let Some(c) = &bypass {
        apply(&mut g.bypass_moderation, c, |_| true);
    }
    if let Some(b) = moderation {
        g.moderation_enabled = b;
    }
    if let Some(b) = originator {
        g.report_to_originator = b;
    }
    if let Some(b) = manager {
        g.report_to_manager = b;
    }
    Ok(())
}

/// Set-UnifiedGroup: delivery settings, sender authentication (the same switch as Graph's
/// `allowExternalSenders`), address-list visibility, display name.
pub(super) fn set_unified_group(
    t: &mut Tenant,
    p: &Params,
    delay: Duration,
) -> Result<Vec<Value>, ExoError> {
    let view = View { t: &*t, delay };
    let id = p.required("Identity")?;
    let gid = match view.resolve(
        &id,
        |r| matches!(r, Rec::Group(g) if g.kind == GroupKind::Unified),
        false,
    )? {
        Rec::Group(g) => g.id.clone(),
        _ => return Err(ExoError::not_found(&id)),
    };
    set_delivery(t, &gid, p, delay)?;
    let rsae = p.bool("RequireSenderAuthenticationEnabled")?;
    let hidden = p.bool("HiddenFromAddressListsEnabled")?;
    let display = p.str("DisplayName");
    if let Some(g) = t.group_mut(&gid) {
        if let Some(v) = rsae {
            g.require_sender_auth = v;
            g.allow_external_senders = !v;
        }
        if let Some(v) = hidden {
            g.hidden_from_address_lists = v;
        }
        if let Some(d) = display {
            g.display_name = d;
        }
    }
    Ok(vec![])
}

// ----- the delivery oracle -----

/// Why the oracle can't answer.
#[derive(Debug, PartialEq, Eq)]
pub struct DeliverError {
    pub status: u16,
    pub message: String,
}

/// The members of a dynamic distribution group: the recipients its `RecipientFilter` matches
/// (users carry their Department, which the seeded filter uses).
fn dynamic_members(t: &Tenant, g: &Group) -> Vec<String> {
    let Some(f) = g
        .recipient_filter
        .as_deref()
        .and_then(|f| parse_opath(f).ok())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for u in t.users() {
        let mut j = recipient_json(Rec::User(u));
        if let (Value::Object(m), Some(d)) = (&mut j, &u.department) {
            m.insert("Department".into(), json!(d));
        }
        if f.matches(&j) {
            out.push(u.id.clone());
        }
    }
    for c in t.contacts() {
        if f.matches(&recipient_json(Rec::Contact(c))) {
            out.push(c.id.clone());
        }
    }
    out
}

fn members_of(t: &Tenant, g: &Group) -> Vec<String> {
    if g.kind == GroupKind::DynamicDistribution {
        dynamic_members(t, g)
    } else {
        g.members().to_vec()
    }
}

/// Whether `id` is in group `gid`, directly or through nested groups.
fn is_member(t: &Tenant, gid: &str, id: &str) -> bool {
    let mut seen = HashSet::new();
    let mut queue = VecDeque::from([gid.to_string()]);
    while let Some(g) = queue.pop_front() {
        if !seen.insert(g.clone()) {
            continue;
        }
        let Some(group) = t.group(&g) else { continue };
        let members = members_of(t, group);
        if members.iter().any(|m| m == id) {
            return true;
        }
        queue.extend(members.into_iter().filter(|m| t.group(m).is_some()));
    }
    false
}

/// Whether the sender is named in `senders` or is a member of a group in `groups`.
fn listed(t: &Tenant, sender: Option<&str>, senders: &[String], groups: &[String]) -> bool {
    let Some(s) = sender else { return false };
    senders.iter().any(|x| x == s) || groups.iter().any(|g| is_member(t, g, s))
}

/// Every address the group's mail reaches: members expanded through nested groups, each once.
fn expand(t: &Tenant, g: &Group) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen_addr = HashSet::new();
    let mut seen_group = HashSet::from([g.id.clone()]);
    let mut queue = VecDeque::from([members_of(t, g)]);
    while let Some(members) = queue.pop_front() {
        for m in members {
            let addr = match t.get(&m) {
                Some(Obj::User(u)) => u.mail.clone(),
                Some(Obj::Contact(c)) => Some(c.external_email.clone()),
                Some(Obj::Group(inner)) => {
                    if seen_group.insert(inner.id.clone()) {
                        queue.push_back(members_of(t, inner));
                    }
                    None
                }
                None => None,
            };
            if let Some(a) = addr {
                if seen_addr.insert(a.to_ascii_lowercase()) {
                    out.push(a);
                }
            }
        }
    }
    out
}

/// `POST /_sim/deliver`: what happens to a message from `from` to the group at `to`, by the rules
/// in sim/README.md ("The delivery oracle"), in this order: sender authentication (5.7.133), the
/// blocked-senders lists (5.7.1), the allowed-senders lists (5.7.124), moderation (held).
pub fn deliver(t: &Tenant, from: &str, to: &str) -> Result<Value, DeliverError> {
    let (from, to) = (strip_smtp(from.trim()), strip_smtp(to.trim()));
    if !from.contains('@') || !to.contains('@') {
        return Err(DeliverError {
            status: 400,
            message: "\"from\" and \"to\" must be e-mail addresses".into(),
        });
    }
    let group = t
        .by_identity(to)
        .into_iter()
        .find_map(|o| match o {
            Obj::Group(g)
                if g.kind.mail_enabled()
                    && g.proxy_addresses()
                        .iter()
                        .any(|p| strip_smtp(p).eq_ignore_ascii_case(to)) =>
            {
                Some(g)
            }
            _ => None,
        })
        .ok_or_else(|| DeliverError {
            status: 404,
            message: format!("no group has the address {to}"),
        })?;
    // The sender: whatever in the directory carries the address (users first, as Exchange lists
    // recipients); only a member user's mailbox sends from inside the organisation.
    let sender = t.by_identity(from).into_iter().find(|o| match o {
        Obj::User(u) => {
            u.mail
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(from))
                || u.proxy_addresses
                    .iter()
                    .any(|p| strip_smtp(p).eq_ignore_ascii_case(from))
        }
        Obj::Contact(c) => c.external_email.eq_ignore_ascii_case(from),
        Obj::Group(_) => false,
    });
    let internal = matches!(sender, Some(Obj::User(u)) if u.user_type == UserType::Member);
    let sid = sender.map(|o| o.id());

    let answer = |outcome: &str,
                  code: Option<&str>,
                  recipients: Vec<String>,
                  extra: Option<(&str, Value)>| {
        let mut m = Map::new();
        m.insert("outcome".into(), json!(outcome));
        m.insert("code".into(), json!(code));
        m.insert("recipients".into(), json!(recipients));
        if let Some((k, v)) = extra {
            m.insert(k.into(), v);
        }
        Ok(Value::Object(m))
    };

    // 1. Sender authentication: a Microsoft 365 group's switch is allowExternalSenders.
    let closed = if group.kind == GroupKind::Unified {
        !group.allow_external_senders
    } else {
        group.require_sender_auth
    };
    if closed && !internal {
        return answer("rejected", Some("5.7.133"), vec![], None);
    }
    // 2. Blocked senders.
    if listed(t, sid, &group.reject_from, &group.reject_from_dl) {
        return answer("rejected", Some("5.7.1"), vec![], None);
    }
    // 3. Allowed senders: only when a list is set.
    let has_list = !(group.accept_from.is_empty() && group.accept_from_dl.is_empty());
    if has_list && !listed(t, sid, &group.accept_from, &group.accept_from_dl) {
        return answer("rejected", Some("5.7.124"), vec![], None);
    }
    // 4. Moderation: moderators (or, with none, the owners) and the bypass list skip it.
    if group.moderation_enabled {
        let moderators = if group.moderated_by.is_empty() {
            &group.managed_by
        } else {
            &group.moderated_by
        };
        let exempt = sid.is_some_and(|s| moderators.iter().any(|m| m == s))
            || listed(t, sid, &group.bypass_moderation, &group.bypass_moderation);
        if !exempt {
            let addrs: Vec<String> = moderators
                .iter()
                .filter_map(|m| match t.get(m) {
                    Some(Obj::User(u)) => u.mail.clone(),
                    Some(Obj::Contact(c)) => Some(c.external_email.clone()),
                    _ => None,
                })
                .collect();
            return answer("held", None, vec![], Some(("moderators", json!(addrs))));
        }
    }
    answer("delivered", None, expand(t, group), None)
}

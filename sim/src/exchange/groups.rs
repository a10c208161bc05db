//! The distribution-group cmdlets: Set-DistributionGroup, Add- and
//! Remove-DistributionGroupMember, the group manager check, and the properties Get-DistributionGroup
//! and Get-DynamicDistributionGroup add to a recipient.
//!
//! - Get/Set-DistributionGroup: https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/set-distributiongroup
//! - Add-DistributionGroupMember (BypassSecurityGroupManagerCheck): https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/add-distributiongroupmember
//! - Remove-DistributionGroupMember: https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/remove-distributiongroupmember
//! - Get-DynamicDistributionGroup: https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/get-dynamicdistributiongroup
//! - Groups synchronised from on-premises Active Directory (`IsDirSynced`) are mastered there:
//!   Exchange Online refuses to change them ("Group source of authority" overview,
//!   https://learn.microsoft.com/entra/identity/hybrid/concept-source-of-authority-overview: a
//!   synced group is read-only in the cloud and managed on-premises until its source of authority
//!   is converted; `onPremisesSyncBehavior`,
//!   https://learn.microsoft.com/graph/api/resources/onpremisessyncbehavior).

use std::time::Duration;

use serde_json::{json, Value};

use super::cmdlets::Params;
use super::delivery::{delivery_props, set_delivery};
use super::recipients::View;
use super::{
    ExoError, GROUP_MANAGER_TYPE, INVALID_ARGUMENT_TYPE, MEMBER_EXISTS_TYPE, MEMBER_NOT_FOUND_TYPE,
    SYNCED_OBJECT_TYPE,
};
use crate::contract::Caller;
use crate::store::{Group, GroupKind, Tenant};

/// Get-DistributionGroup / Get-DynamicDistributionGroup extras.
pub(super) fn group_extra(v: &View, mut r: Value) -> Value {
    let Some(id) = r
        .get("ExternalDirectoryObjectId")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return r;
    };
    let Some(g) = v.t.group(&id) else { return r };
    let managers: Vec<String> = g
        .managed_by
        .iter()
        .filter_map(|m| v.t.user(m))
        .map(|u| u.mail_nickname.clone())
        .collect();
    if let Value::Object(m) = &mut r {
        m.insert("ManagedBy".into(), json!(managers));
        m.insert(
            "Description".into(),
            json!(g.description.iter().collect::<Vec<_>>()),
        );
        delivery_props(v, g, m);
        if g.kind == GroupKind::DynamicDistribution {
            m.insert("RecipientFilter".into(), json!(g.recipient_filter));
            m.insert("IncludedRecipients".into(), json!("MailboxUsers"));
        } else {
            m.insert(
                "GroupType".into(),
                json!(if g.kind == GroupKind::MailSecurity {
                    "Universal, SecurityEnabled"
                } else {
                    "Universal"
                }),
            );
            m.insert("MemberJoinRestriction".into(), json!("Closed"));
            m.insert(
                "MemberDepartRestriction".into(),
                json!(if g.kind == GroupKind::MailSecurity {
                    "Closed"
                } else {
                    "Open"
                }),
            );
        }
    }
    r
}

/// Group managers may change a group; others need `-BypassSecurityGroupManagerCheck`
/// (Add-DistributionGroupMember page).
fn check_manager(caller: &Caller, g: &Group, p: &Params) -> Result<(), ExoError> {
    if g.managed_by.contains(&caller.oid) || p.switch("BypassSecurityGroupManagerCheck")? {
        Ok(())
    } else {
        Err(ExoError::new(
            GROUP_MANAGER_TYPE,
            "You don't have sufficient permissions. This operation can only be performed by a manager of the group.",
        ))
    }
}

/// A group synchronised from on-premises can't be changed in Exchange Online: every
/// Set-DistributionGroup and membership change is refused, in the words Exchange Online uses
/// (the action, the object, and where to make the change instead).
fn check_cloud_mastered(cmdlet: &str, g: &Group) -> Result<(), ExoError> {
    if !g.dir_synced {
        return Ok(());
    }
    Err(ExoError::new(
        SYNCED_OBJECT_TYPE,
        format!(
            "The action '{cmdlet}' can't be performed on the object '{}' because the object is being synchronized from your on-premises organization. This action should be performed on the object in your on-premises organization.",
            g.name
        ),
    ))
}

/// Set-DistributionGroup: sender authentication, address-list visibility, display name, and the
/// delivery restrictions (`delivery::set_delivery`).
pub(super) fn set_distribution_group(
    t: &mut Tenant,
    caller: &Caller,
    p: &Params,
    delay: Duration,
) -> Result<Vec<Value>, ExoError> {
    let view = View { t: &*t, delay };
    let id = p.required("Identity")?;
    let g = view.resolve_group(&id)?;
    check_cloud_mastered("Set-DistributionGroup", g)?;
    check_manager(caller, g, p)?;
    let gid = g.id.clone();
    let rsa = p.bool("RequireSenderAuthenticationEnabled")?;
    let hidden = p.bool("HiddenFromAddressListsEnabled")?;
    let display = p.str("DisplayName");
    set_delivery(t, &gid, p, delay)?;
    if let Some(g) = t.group_mut(&gid) {
        if let Some(v) = rsa {
            g.require_sender_auth = v;
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

/// Add-DistributionGroupMember (`adding`) and Remove-DistributionGroupMember.
pub(super) fn change_membership(
    t: &mut Tenant,
    caller: &Caller,
    p: &Params,
    delay: Duration,
    adding: bool,
) -> Result<Vec<Value>, ExoError> {
    let view = View { t: &*t, delay };
    let id = p.required("Identity")?;
    let member = p.required("Member")?;
    let g = view.resolve_group(&id)?;
    let cmdlet = if adding {
        "Add-DistributionGroupMember"
    } else {
        "Remove-DistributionGroupMember"
    };
    check_cloud_mastered(cmdlet, g)?;
    check_manager(caller, g, p)?;
    // A just-created recipient isn't found by the membership cmdlets until it has replicated
    // (the app retries "couldn't be found" for a few seconds).
    let m = view.resolve(&member, |_| true, adding)?;
    let (gid, gname, mid, mname) = (g.id.clone(), g.name.clone(), m.id().to_string(), m.name());
    if mid == gid {
        return Err(ExoError::new(
            INVALID_ARGUMENT_TYPE,
            format!("The group \"{gname}\" can't be a member of itself."),
        ));
    }
    let Some(g) = t.group_mut(&gid) else {
        return Err(ExoError::not_found(&id));
    };
    if adding {
        if !g.add_member(&mid) {
            return Err(ExoError::new(
                MEMBER_EXISTS_TYPE,
                format!("The recipient \"{mname}\" is already a member of the group \"{gname}\"."),
            ));
        }
    } else if !g.remove_member(&mid) {
        return Err(ExoError::new(
            MEMBER_NOT_FOUND_TYPE,
            format!("The recipient \"{mname}\" isn't a member of the group \"{gname}\"."),
        ));
    }
    Ok(vec![])
}

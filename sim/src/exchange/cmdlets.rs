//! The cmdlets InvokeCommand runs: their parameter sets ([`CMDLETS`]), parameter binding
//! ([`Params`]), role checks, and [`run`], which hands each cmdlet to its family's module
//! (`contacts`, `groups`, `config`, `recipients`) and pages what the read cmdlets output.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Map, Value};

use super::config::{accepted_domains, org_config};
use super::groups::group_extra;
use super::recipients::{get_recipients, Rec, View};
use super::{contacts, delivery, groups, ExoError, COMMAND_NOT_FOUND_TYPE, DEFAULT_RESULT_SIZE};
use crate::contract::{Caller, Role};
use crate::store::{GroupKind, Tenant};

// ----- cmdlets -----

/// Parameters every cmdlet accepts (PowerShell common parameters the module passes through).
const COMMON: &[&str] = &[
    "ErrorAction",
    "WarningAction",
    "Confirm",
    "WhatIf",
    "Verbose",
];

struct Spec {
    name: &'static str,
    write: bool,
    params: &'static [&'static str],
}

const CMDLETS: &[Spec] = &[
    Spec {
        name: "New-MailContact",
        write: true,
        params: &[
            "Name",
            "ExternalEmailAddress",
            "DisplayName",
            "FirstName",
            "LastName",
            "Initials",
            "Alias",
        ],
    },
    Spec {
        name: "Get-MailContact",
        write: false,
        params: &["Identity", "ResultSize", "Filter", "Anr"],
    },
    Spec {
        name: "Set-MailContact",
        write: true,
        // Set-MailContact takes the mail attributes, CustomAttribute1..15 among them; the name
        // parts and Company are Set-Contact's (below):
        // https://learn.microsoft.com/powershell/module/exchangepowershell/set-mailcontact
        params: &[
            "Identity",
            "HiddenFromAddressListsEnabled",
            "DisplayName",
            "Alias",
            "CustomAttribute1",
            "CustomAttribute2",
            "CustomAttribute3",
            "CustomAttribute4",
            "CustomAttribute5",
            "CustomAttribute6",
            "CustomAttribute7",
            "CustomAttribute8",
            "CustomAttribute9",
            "CustomAttribute10",
            "CustomAttribute11",
            "CustomAttribute12",
            "CustomAttribute13",
            "CustomAttribute14",
            "CustomAttribute15",
        ],
    },
    // Set-Contact changes the directory attributes of a contact that Set-MailContact lacks
    // (Company, FirstName, LastName, ...):
    // https://learn.microsoft.com/powershell/module/exchange/set-contact
    Spec {
        name: "Set-Contact",
        write: true,
        params: &[
            "Identity",
            "Company",
            "FirstName",
            "LastName",
            "DisplayName",
        ],
    },
    Spec {
        name: "Remove-MailContact",
        write: true,
        params: &["Identity"],
    },
    Spec {
        name: "Get-Recipient",
        write: false,
        params: &[
            "Identity",
            "ResultSize",
            "Filter",
            "RecipientTypeDetails",
            "Anr",
        ],
    },
    Spec {
        name: "Get-DistributionGroup",
        write: false,
        params: &[
            "Identity",
            "ResultSize",
            "Filter",
            "Anr",
            "RecipientTypeDetails",
        ],
    },
    Spec {
        name: "Set-DistributionGroup",
        write: true,
        params: &[
            "Identity",
            "RequireSenderAuthenticationEnabled",
            "HiddenFromAddressListsEnabled",
            "DisplayName",
            "BypassSecurityGroupManagerCheck",
            "AcceptMessagesOnlyFrom",
            "AcceptMessagesOnlyFromDLMembers",
            "AcceptMessagesOnlyFromSendersOrMembers",
            "RejectMessagesFrom",
            "RejectMessagesFromDLMembers",
            "RejectMessagesFromSendersOrMembers",
            "ModerationEnabled",
            "ModeratedBy",
            "BypassModerationFromSendersOrMembers",
            "ReportToOriginatorEnabled",
            "ReportToManagerEnabled",
        ],
    },
    // Microsoft 365 groups in Exchange:
    // https://learn.microsoft.com/powershell/module/exchangepowershell/get-unifiedgroup
    Spec {
        name: "Get-UnifiedGroup",
        write: false,
        params: &[
            "Identity",
            "ResultSize",
            "Filter",
            "Anr",
            "IncludeAllProperties",
        ],
    },
    // https://learn.microsoft.com/powershell/module/exchangepowershell/set-unifiedgroup
    Spec {
        name: "Set-UnifiedGroup",
        write: true,
        params: &[
            "Identity",
            "AcceptMessagesOnlyFromSendersOrMembers",
            "RejectMessagesFromSendersOrMembers",
            "ModerationEnabled",
            "ModeratedBy",
            "RequireSenderAuthenticationEnabled",
            "HiddenFromAddressListsEnabled",
            "DisplayName",
        ],
    },
    Spec {
        name: "Get-DistributionGroupMember",
        write: false,
        params: &["Identity", "ResultSize"],
    },
    Spec {
        name: "Add-DistributionGroupMember",
        write: true,
        params: &["Identity", "Member", "BypassSecurityGroupManagerCheck"],
    },
    Spec {
        name: "Remove-DistributionGroupMember",
        write: true,
        params: &["Identity", "Member", "BypassSecurityGroupManagerCheck"],
    },
    Spec {
        name: "Get-DynamicDistributionGroup",
        write: false,
        params: &["Identity", "ResultSize", "Filter", "Anr"],
    },
    Spec {
        name: "Get-OrganizationConfig",
        write: false,
        params: &[],
    },
    Spec {
        name: "Get-AcceptedDomain",
        write: false,
        params: &["Identity"],
    },
];

/// Parameters with names normalised to the cmdlet's spelling (PowerShell binds case-insensitively).
pub(super) struct Params(pub(super) HashMap<&'static str, Value>);

impl Params {
    fn bind(spec: &Spec, raw: &Map<String, Value>) -> Result<Params, ExoError> {
        let mut out = HashMap::new();
        for (k, v) in raw {
            let Some(name) = spec
                .params
                .iter()
                .chain(COMMON)
                .find(|p| p.eq_ignore_ascii_case(k))
            else {
                return Err(ExoError::parameter(format!(
                    "A parameter cannot be found that matches parameter name '{k}'."
                )));
            };
            out.insert(*name, v.clone());
        }
        Ok(Params(out))
    }
    pub(super) fn str(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_string),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }
    pub(super) fn required(&self, name: &str) -> Result<String, ExoError> {
        self.str(name).filter(|s| !s.trim().is_empty()).ok_or_else(|| {
            ExoError::parameter(format!(
                "Cannot process command because of one or more missing mandatory parameters: {name}."
            ))
        })
    }
    pub(super) fn bool(&self, name: &str) -> Result<Option<bool>, ExoError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) => Ok(Some(n.as_i64() != Some(0))),
            Some(Value::String(s)) => match s.trim().trim_start_matches('$').to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(ExoError::parameter(format!(
                    "Cannot process argument transformation on parameter '{name}'. Cannot convert value \"{s}\" to type \"System.Boolean\"."
                ))),
            },
            Some(other) => Err(ExoError::parameter(format!(
                "Cannot process argument transformation on parameter '{name}'. Cannot convert value \"{other}\" to type \"System.Boolean\"."
            ))),
        }
    }
    pub(super) fn switch(&self, name: &str) -> Result<bool, ExoError> {
        Ok(self.bool(name)?.unwrap_or(false))
    }
    /// `ResultSize`: a number or `Unlimited`; Get-* cmdlets default to 1000.
    pub(super) fn result_size(&self) -> Result<usize, ExoError> {
        match self.str("ResultSize") {
            None => Ok(DEFAULT_RESULT_SIZE),
            Some(s) if s.eq_ignore_ascii_case("unlimited") => Ok(usize::MAX),
            Some(s) => s.trim().parse().map_err(|_| {
                ExoError::parameter(format!(
                    "Cannot process argument transformation on parameter 'ResultSize'. Cannot convert value \"{s}\" to type \"Microsoft.Exchange.Data.Unlimited`1[System.UInt32]\"."
                ))
            }),
        }
    }
}

/// Runs one cmdlet; returns the objects it outputs.
pub fn run(
    t: &mut Tenant,
    caller: &Caller,
    cmdlet: &str,
    raw: &Map<String, Value>,
    delay: Duration,
    window: Window,
) -> Result<(Vec<Value>, usize), ExoError> {
    let Some(spec) = CMDLETS.iter().find(|s| s.name.eq_ignore_ascii_case(cmdlet)) else {
        return Err(ExoError::new(
            COMMAND_NOT_FOUND_TYPE,
            format!("The term '{cmdlet}' is not recognized as a name of a cmdlet, function, script file, or executable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."),
        ));
    };
    // Role-based access: the write cmdlets belong to the Mail Recipients / Distribution Groups roles
    // of the Recipient Management role group.
    if spec.write && !caller.has_role(Role::ExchangeRecipientManagement) {
        return Err(ExoError::denied(caller, spec.name));
    }
    let p = Params::bind(spec, raw)?;
    if !spec.write {
        let view = View { t: &*t, delay };
        return read(&view, spec.name, &p).map(|out| out.page(&view, window));
    }
    let done = |r: Result<Vec<Value>, ExoError>| {
        r.map(|v| {
            let n = v.len();
            (v, n)
        })
    };
    done(match spec.name {
        "New-MailContact" => contacts::new_mail_contact(t, &p, delay),
        "Set-MailContact" => contacts::set_mail_contact(t, &p, delay),
        "Set-Contact" => contacts::set_contact(t, &p, delay),
        "Remove-MailContact" => contacts::remove_mail_contact(t, &p, delay),
        "Set-DistributionGroup" => groups::set_distribution_group(t, caller, &p, delay),
        "Set-UnifiedGroup" => delivery::set_unified_group(t, &p, delay),
        "Add-DistributionGroupMember" => groups::change_membership(t, caller, &p, delay, true),
        "Remove-DistributionGroupMember" => groups::change_membership(t, caller, &p, delay, false),
        _ => Err(ExoError::new(
            COMMAND_NOT_FOUND_TYPE,
            format!("The term '{cmdlet}' is not recognized."),
        )),
    })
}

/// Which slice of a cmdlet's output one InvokeCommand page carries.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub offset: usize,
    pub size: usize,
}

impl Window {
    pub const ALL: Window = Window {
        offset: 0,
        size: usize::MAX,
    };
}

/// How a recipient is rendered for a cmdlet's output.
#[derive(Clone, Copy)]
enum Render {
    Recipient,
    Group,
    Unified,
}

/// What a read cmdlet outputs: built objects, or recipients rendered only for the requested page
/// (so paging a 50,000-member group costs O(page) JSON per request).
enum Output<'a> {
    Values(Vec<Value>),
    Recs(Vec<Rec<'a>>, Render),
}

impl Output<'_> {
    fn page(self, v: &View, w: Window) -> (Vec<Value>, usize) {
        match self {
            Output::Values(vals) => {
                let total = vals.len();
                (
                    vals.into_iter().skip(w.offset).take(w.size).collect(),
                    total,
                )
            }
            Output::Recs(recs, render) => {
                let total = recs.len();
                let page = recs
                    .into_iter()
                    .skip(w.offset)
                    .take(w.size)
                    .map(|r| match render {
                        Render::Recipient => v.json(r),
                        Render::Group => group_extra(v, v.json(r)),
                        Render::Unified => delivery::unified_extra(v, v.json(r)),
                    })
                    .collect();
                (page, total)
            }
        }
    }
}

fn read<'a>(view: &View<'a>, name: &str, p: &Params) -> Result<Output<'a>, ExoError> {
    let recs = |keep: &dyn Fn(&Rec) -> bool, render| {
        get_recipients(view, p, keep).map(|r| Output::Recs(r, render))
    };
    match name {
        "Get-OrganizationConfig" => Ok(Output::Values(vec![org_config(view.t)])),
        "Get-AcceptedDomain" => accepted_domains(view.t, p).map(Output::Values),
        "Get-Recipient" => recs(&|_| true, Render::Recipient),
        "Get-MailContact" => recs(&|r| matches!(r, Rec::Contact(_)), Render::Recipient),
        "Get-DistributionGroup" => recs(
            &|r| matches!(r, Rec::Group(g) if g.kind.is_exchange_distribution()),
            Render::Group,
        ),
        "Get-UnifiedGroup" => recs(
            &|r| matches!(r, Rec::Group(g) if g.kind == GroupKind::Unified),
            Render::Unified,
        ),
        "Get-DynamicDistributionGroup" => recs(
            &|r| matches!(r, Rec::Group(g) if g.kind == GroupKind::DynamicDistribution),
            Render::Group,
        ),
        "Get-DistributionGroupMember" => {
            let id = p.required("Identity")?;
            let g = view.resolve_group(&id)?;
            let size = p.result_size()?;
            let members = g
                .members()
                .iter()
                .filter_map(|m| view.rec_by_id(m))
                .take(size)
                .collect();
            Ok(Output::Recs(members, Render::Recipient))
        }
        other => Err(ExoError::new(
            COMMAND_NOT_FOUND_TYPE,
            format!("The term '{other}' is not recognized."),
        )),
    }
}

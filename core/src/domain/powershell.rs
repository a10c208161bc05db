//! PowerShell for script mode: the Exchange steps of a plan as one idempotent script for the
//! ExchangeOnlineManagement module (runs in Azure Cloud Shell).
//!
//! Every value from the tenant or a CSV is data and goes into a single-quoted string. In a
//! single-quoted string PowerShell expands nothing (`$(…)`, `$var` and backticks stay literal)
//! and the only special characters are the quote characters — and PowerShell treats the
//! typographic single quotes ‘ (U+2018), ’ (U+2019), ‚ (U+201A) and ‛ (U+201B) as quotes too
//! (about_Quoting_Rules, "PowerShell treats smart quotation marks … as normal quotation marks":
//! <https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_quoting_rules>).
//! A quote inside is written twice. Control characters (NUL, newlines, …) are refused: no
//! name or address legitimately has them, and a newline would let a value break the line.

use super::delivery::{DeliveryChange, SenderList};
use super::email::EmailAddress;
use super::group::{ExternalSendersControl, GroupKind, MemberKind, MembershipApi};
use super::plan::{MemberRef, Operation, Plan};
use std::fmt::Write as _;

/// The characters PowerShell reads as a single quote.
pub const SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PsError {
    #[error("the value \"{value}\" contains an invisible control character (U+{code:04X}) at position {position}; remove it before generating the script")]
    ControlCharacter {
        value: String,
        position: usize,
        code: u32,
    },
}

/// `value` as a single-quoted PowerShell string literal, quotes included.
pub fn quote(value: &str) -> Result<String, PsError> {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for (position, ch) in value.chars().enumerate() {
        if ch.is_control() {
            return Err(PsError::ControlCharacter {
                value: value.chars().filter(|c| !c.is_control()).collect(),
                position,
                code: ch as u32,
            });
        }
        if SINGLE_QUOTES.contains(&ch) {
            out.push(ch);
        }
        out.push(ch);
    }
    out.push('\'');
    Ok(out)
}

/// The address as the script passes it: ASCII (ACE) domain, accepted everywhere.
fn ps_address(a: &EmailAddress) -> String {
    a.to_ascii()
}

const PRELUDE: &str = r#"$Results = [System.Collections.Generic.List[object]]::new()

# True when the error is Exchange's exception of that type (matched on the type, not the text).
function Test-ExchangeError {
    param($ErrorRecord, [string]$TypeName)
    $text = '{0} {1} {2} {3}' -f $ErrorRecord.CategoryInfo.Reason, $ErrorRecord.FullyQualifiedErrorId, $ErrorRecord.Exception.GetType().FullName, $ErrorRecord.Exception.Message
    return $text -match [regex]::Escape($TypeName)
}

# Runs one step, waits out replication delay ("couldn't be found" right after creating an
# object), records the result and carries on with the next step whatever happens.
function Invoke-GuestlistStep {
    param([int]$Number, [string]$Label, [scriptblock]$Action)
    Write-Progress -Activity 'Guestlist' -Status $Label -PercentComplete ([int](100 * ($Number - 1) / $Total))
    $delays = @(2, 3, 5, 8, 13, 21)
    for ($attempt = 0; ; $attempt++) {
        try {
            $outcome = & $Action
            $Results.Add([pscustomobject]@{ Step = $Number; Label = $Label; Result = $outcome; Error = '' })
            Write-Host ('[{0}/{1}] {2}: {3}' -f $Number, $Total, $outcome, $Label)
            return
        } catch {
            if ((Test-ExchangeError $_ 'ManagementObjectNotFoundException') -and $attempt -lt $delays.Count) {
                Write-Host ('[{0}/{1}] waiting {2}s for Exchange to see a new object: {3}' -f $Number, $Total, $delays[$attempt], $Label)
                Start-Sleep -Seconds $delays[$attempt]
                continue
            }
            $Results.Add([pscustomobject]@{ Step = $Number; Label = $Label; Result = 'failed'; Error = $_.Exception.Message })
            Write-Warning ('[{0}/{1}] failed: {2}: {3}' -f $Number, $Total, $Label, $_.Exception.Message)
            return
        }
    }
}
"#;

const SUMMARY: &str = r#"
Write-Progress -Activity 'Guestlist' -Completed
$done = @($Results | Where-Object Result -eq 'done').Count
$already = @($Results | Where-Object Result -eq 'already done').Count
$failed = @($Results | Where-Object Result -eq 'failed')
Write-Host ''
Write-Host ('Done: {0}. Already done: {1}. Failed: {2}.' -f $done, $already, $failed.Count)
if ($failed.Count -gt 0) {
    $failed | Format-Table Step, Label, Error -AutoSize -Wrap
    Write-Host 'Fix the cause and run the script again: finished steps are skipped.'
}
Write-Host 'Then go back to Guestlist and choose Verify.'
"#;

struct Steps {
    body: String,
    count: usize,
}

impl Steps {
    /// A step: `label` is only what the script prints (names from the tenant may hold line
    /// breaks: they become spaces there), `action` the cmdlets, whose values stay refused
    /// when they hold control characters.
    fn add(&mut self, label: &str, action: &str) -> Result<(), PsError> {
        self.count += 1;
        let label: String = label
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let _ = writeln!(
            self.body,
            "\nInvoke-GuestlistStep {} {} {{\n{}}}",
            self.count,
            quote(&label)?,
            action
        );
        Ok(())
    }
}

/// A membership change as a step: `cmdlet` on the group for the member; the exception that
/// means it is so already (already a member, not a member) is "already done".
fn member_change(
    cmdlet: &str,
    switches: &str,
    already: &str,
    group: &str,
    member: &MemberRef,
) -> Result<String, PsError> {
    // The address (PowerShell-safe form) when that is all the plan knows, its UPN or id otherwise.
    let identity = if member.exchange_identity == member.address.to_string() {
        ps_address(&member.address)
    } else {
        member.exchange_identity.clone()
    };
    Ok(format!(
        "    try {{\n        {cmdlet} -Identity {} -Member {} -BypassSecurityGroupManagerCheck{switches}\n        'done'\n    }} catch {{\n        if (Test-ExchangeError $_ '{already}') {{ 'already done' }} else {{ throw }}\n    }}\n",
        quote(group)?,
        quote(&identity)?
    ))
}

/// The first comment of a plan's script.
const PLAN_INTRO: &str = "# Generated by Guestlist: the Exchange steps of your plan.\n";

/// The idempotent Exchange script for the plan's Exchange operations (in plan order; drop
/// declined optional operations from the plan first). `admin_upn` pre-fills the sign-in.
pub fn exchange_script(plan: &Plan, admin_upn: Option<&str>) -> Result<String, PsError> {
    let mut steps = Steps {
        body: String::new(),
        count: 0,
    };
    plan_steps(plan, &mut steps)?;
    wrap(PLAN_INTRO, steps, admin_upn)
}

/// The plan's Exchange operations as steps, in plan order.
fn plan_steps(plan: &Plan, steps: &mut Steps) -> Result<(), PsError> {
    for planned in &plan.ops {
        match &planned.op {
            Operation::CreateContact {
                address,
                name,
                display_name,
                first_name,
                last_name,
                company,
                hidden,
            } => {
                let addr = quote(&ps_address(address))?;
                let mut new = format!(
                    "New-MailContact -Name {} -ExternalEmailAddress {addr} -DisplayName {}",
                    quote(name)?,
                    quote(display_name)?
                );
                if let Some(f) = first_name {
                    let _ = write!(new, " -FirstName {}", quote(f)?);
                }
                if let Some(l) = last_name {
                    let _ = write!(new, " -LastName {}", quote(l)?);
                }
                steps.add(
                    &format!("Create mail contact {display_name} <{address}>"),
                    &format!(
                        "    if (Get-MailContact -Identity {addr} -ErrorAction SilentlyContinue) {{ return 'already done' }}\n    {new} | Out-Null\n    'done'\n"
                    ),
                )?;
                // Applied on every run: setting the same value again is harmless, and a run
                // interrupted right after New-MailContact still ends hidden.
                if *hidden {
                    steps.add(
                        &format!("Hide {address} from address lists"),
                        &format!("    Set-MailContact -Identity {addr} -HiddenFromAddressListsEnabled $true\n    'done'\n"),
                    )?;
                }
                if let Some(c) = company {
                    steps.add(
                        &format!("Set company of {address} to {c}"),
                        &format!(
                            "    Set-Contact -Identity {addr} -Company {}\n    'done'\n",
                            quote(c)?
                        ),
                    )?;
                }
            }
            Operation::AddMember {
                group_name,
                group_exchange_identity,
                member,
                via: MembershipApi::Exchange,
                ..
            } => {
                steps.add(
                    &format!("Add {} to {group_name}", member.address),
                    &member_change(
                        "Add-DistributionGroupMember",
                        "",
                        "MemberAlreadyExistsException",
                        group_exchange_identity,
                        member,
                    )?,
                )?;
            }
            Operation::RemoveMember {
                group_name,
                group_exchange_identity,
                member,
                via: MembershipApi::Exchange,
                ..
            } => {
                steps.add(
                    &format!("Remove {} from {group_name}", member.address),
                    &member_change(
                        "Remove-DistributionGroupMember",
                        " -Confirm:$false",
                        "MemberNotFoundException",
                        group_exchange_identity,
                        member,
                    )?,
                )?;
            }
            Operation::OpenExternalSenders {
                group_name,
                group_exchange_identity,
                control: ExternalSendersControl::ExchangeRequireSenderAuthentication,
                ..
            } => {
                let g = quote(group_exchange_identity)?;
                steps.add(
                    &format!("Let {group_name} receive mail from outside the organisation"),
                    &format!(
                        "    if (-not (Get-DistributionGroup -Identity {g}).RequireSenderAuthenticationEnabled) {{ return 'already done' }}\n    Set-DistributionGroup -Identity {g} -RequireSenderAuthenticationEnabled $false\n    'done'\n"
                    ),
                )?;
            }
            Operation::EditSenderList {
                group_exchange_identity,
                kind,
                list,
                entry,
                add,
                ..
            } => list_step(steps, group_exchange_identity, *kind, *list, entry, *add)?,
            Operation::DeleteContact { person } => {
                // By its address (what the admin recognises in the script) unless the plan only
                // knows another identity.
                let identity = if person.exchange_identity == person.address.to_string() {
                    ps_address(&person.address)
                } else {
                    person.exchange_identity.clone()
                };
                steps.add(
                    &format!("Delete the mail contact {}", person.address),
                    &format!(
                        "    try {{\n        Remove-MailContact -Identity {} -Confirm:$false\n        'done'\n    }} catch {{\n        if (Test-ExchangeError $_ 'ManagementObjectNotFoundException') {{ 'already done' }} else {{ throw }}\n    }}\n",
                        quote(&identity)?
                    ),
                )?;
            }
            Operation::EditContact { person, edit } => {
                let id = quote(&ps_address(&person.address))?;
                let mut mail = String::new();
                if let Some(v) = &edit.display_name {
                    let _ = write!(mail, " -DisplayName {}", quote(v)?);
                }
                if let Some(h) = edit.hidden {
                    let _ = write!(mail, " -HiddenFromAddressListsEnabled ${h}");
                }
                let mut contact = String::new();
                for (param, v) in [
                    ("FirstName", &edit.first_name),
                    ("LastName", &edit.last_name),
                    ("Company", &edit.company),
                ] {
                    if let Some(v) = v {
                        let _ = write!(contact, " -{param} {}", quote(v)?);
                    }
                }
                // Setting a value it already has changes nothing: safe to run again.
                let mut body = String::new();
                if !mail.is_empty() {
                    let _ = writeln!(body, "    Set-MailContact -Identity {id}{mail}");
                }
                if !contact.is_empty() {
                    let _ = writeln!(body, "    Set-Contact -Identity {id}{contact}");
                }
                body.push_str("    'done'\n");
                steps.add(
                    &format!("Change the details of the mail contact {}", person.address),
                    &body,
                )?;
            }
            Operation::SetAccessUntil {
                person,
                kind: MemberKind::MailContact,
                attribute,
                until,
            } => {
                let value = match until {
                    Some(d) => quote(d)?,
                    None => "$null".to_owned(),
                };
                steps.add(
                    &format!(
                        "Set the end date of {} to {}",
                        person.address,
                        until.as_deref().unwrap_or("none")
                    ),
                    &format!(
                        "    Set-MailContact -Identity {} -CustomAttribute{attribute} {value}\n    'done'\n",
                        quote(&ps_address(&person.address))?
                    ),
                )?;
            }
            // Graph steps run in the browser.
            Operation::SetAccessUntil { .. }
            | Operation::ResendInvitation { .. }
            | Operation::DeleteGuest { .. }
            | Operation::RestoreGuest { .. }
            | Operation::InviteGuest { .. }
            | Operation::AddMember {
                via: MembershipApi::Graph,
                ..
            }
            | Operation::RemoveMember {
                via: MembershipApi::Graph,
                ..
            }
            | Operation::OpenExternalSenders {
                control: ExternalSendersControl::GraphAllowExternalSenders,
                ..
            } => {}
        }
    }
    Ok(())
}

/// The script around its steps: sign-in, the step runner, the steps, the summary.
fn wrap(intro: &str, steps: Steps, admin_upn: Option<&str>) -> Result<String, PsError> {
    let mut out = String::new();
    out.push_str("#Requires -Modules ExchangeOnlineManagement\n");
    out.push_str(intro);
    out.push_str(
        "# Safe to run more than once: each step checks first or accepts \"already done\".\n",
    );
    out.push_str("# Run it in Azure Cloud Shell (https://shell.azure.com) or PowerShell 7.\n\n");
    // Before connecting: a failed sign-in must stop the script, not run every step into errors.
    out.push_str("$ErrorActionPreference = 'Stop'\n");
    match admin_upn {
        Some(upn) => {
            let _ = writeln!(
                out,
                "Connect-ExchangeOnline -UserPrincipalName {} -ShowBanner:$false",
                quote(upn)?
            );
        }
        None => out.push_str("Connect-ExchangeOnline -ShowBanner:$false\n"),
    }
    out.push('\n');
    out.push_str(PRELUDE);
    let _ = writeln!(out, "$Total = {}", steps.count);
    out.push_str(&steps.body);
    out.push_str(SUMMARY);
    Ok(out)
}

/// A step that adds `entry` to (or removes it from) `list` of `group`, looking first: an entry
/// already there (or already gone) is "already done". Lists are compared by the recipient's Name,
/// as Exchange shows them; a Microsoft 365 group's lists are set whole (Set-UnifiedGroup takes no
/// Add/Remove for them).
fn list_step(
    steps: &mut Steps,
    group: &str,
    kind: GroupKind,
    list: SenderList,
    entry: &str,
    add: bool,
) -> Result<(), PsError> {
    let (g, e) = (quote(group)?, quote(entry)?);
    let param = list.parameter(kind);
    let label = if add {
        format!("Add {entry} to {param} of {group}")
    } else {
        format!("Remove {entry} from {param} of {group}")
    };
    let (done_when, verb) = if add {
        ("-contains", "Add")
    } else {
        ("-notcontains", "Remove")
    };
    let action = if kind == GroupKind::Microsoft365 {
        let new_list = if add {
            "@($list + $r.Name)".to_string()
        } else {
            "@($list | Where-Object { $_ -ne $r.Name })".to_string()
        };
        format!(
            "    $r = Get-Recipient -Identity {e}\n    $list = @((Get-UnifiedGroup -Identity {g}).{param})\n    if ($list {done_when} $r.Name) {{ return 'already done' }}\n    $new = {new_list}\n    if ($new.Count -eq 0) {{ $new = $null }}\n    Set-UnifiedGroup -Identity {g} -{param} $new\n    'done'\n"
        )
    } else {
        let property = list.property();
        format!(
            "    $r = Get-Recipient -Identity {e}\n    $list = @((Get-DistributionGroup -Identity {g}).{property})\n    if ($list {done_when} $r.Name) {{ return 'already done' }}\n    Set-DistributionGroup -Identity {g} -{param} @{{{verb}={e}}} -BypassSecurityGroupManagerCheck\n    'done'\n"
        )
    };
    steps.add(&label, &action)
}

/// The idempotent Exchange script for the changes of delivery fixes
/// ([`crate::domain::delivery::changes_for`]), in order. Each list step looks first: an entry
/// already there (or already gone) is "already done". Lists are compared by the recipient's Name,
/// as Exchange shows them. A Microsoft 365 group's lists are set whole (Set-UnifiedGroup takes no
/// Add/Remove for them); Graph's `allowExternalSenders` runs in the browser.
pub fn delivery_script(
    changes: &[DeliveryChange],
    admin_upn: Option<&str>,
) -> Result<String, PsError> {
    let mut steps = Steps {
        body: String::new(),
        count: 0,
    };
    for change in changes {
        match change {
            DeliveryChange::CreateContact { address } => {
                let a = quote(address)?;
                steps.add(
                    &format!("Create mail contact {address}"),
                    &format!(
                        "    if (Get-MailContact -Identity {a} -ErrorAction SilentlyContinue) {{ return 'already done' }}\n    New-MailContact -Name {a} -ExternalEmailAddress {a} | Out-Null\n    'done'\n"
                    ),
                )?;
            }
            DeliveryChange::OpenToExternalSenders {
                group,
                control: ExternalSendersControl::ExchangeRequireSenderAuthentication,
            } => {
                let g = quote(group)?;
                steps.add(
                    &format!("Let {group} receive mail from outside the organisation"),
                    &format!(
                        "    if (-not (Get-DistributionGroup -Identity {g}).RequireSenderAuthenticationEnabled) {{ return 'already done' }}\n    Set-DistributionGroup -Identity {g} -RequireSenderAuthenticationEnabled $false -BypassSecurityGroupManagerCheck\n    'done'\n"
                    ),
                )?;
            }
            DeliveryChange::OpenToExternalSenders {
                control: ExternalSendersControl::GraphAllowExternalSenders,
                ..
            } => {}
            DeliveryChange::EditList {
                group,
                kind,
                list,
                entry,
                add,
            } => list_step(&mut steps, group, *kind, *list, entry, *add)?,
        }
    }
    wrap(
        "# Generated by Guestlist: the Exchange changes that let the sender mail the group.\n",
        steps,
        admin_upn,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::{ExternalSenders, GroupKind};
    use crate::domain::person::PersonInput;
    use crate::domain::plan::{
        plan, Desired, ExistingUser, PlanOptions, TargetGroup, TenantSnapshot, UserType,
    };

    #[test]
    fn quotes_plain_and_hostile_values() {
        assert_eq!(quote("Jan de Vries").unwrap(), "'Jan de Vries'");
        assert_eq!(quote("").unwrap(), "''");
        assert_eq!(quote("O'Brien").unwrap(), "'O''Brien'");
        assert_eq!(
            quote("\u{2018}a\u{2019}b\u{201A}c\u{201B}").unwrap(),
            "'\u{2018}\u{2018}a\u{2019}\u{2019}b\u{201A}\u{201A}c\u{201B}\u{201B}'"
        );
        // Expansion syntax is inert inside single quotes: left as is.
        assert_eq!(
            quote("$(Remove-Item C:\\ -Recurse) `n $env:USERNAME \"x\"").unwrap(),
            "'$(Remove-Item C:\\ -Recurse) `n $env:USERNAME \"x\"'"
        );
        // Double quotes (straight and curly) are not special in single-quoted strings.
        assert_eq!(quote("“x”").unwrap(), "'“x”'");
    }

    /// Reads a single-quoted literal back as PowerShell's tokenizer does: a quote character
    /// followed by another quote character is one literal quote (the second); a lone one ends
    /// the string. Returns the value and what follows.
    fn ps_unquote(s: &str) -> (String, &str) {
        let mut chars = s.char_indices().peekable();
        let (_, first) = chars.next().unwrap();
        assert!(SINGLE_QUOTES.contains(&first));
        let mut value = String::new();
        while let Some((i, c)) = chars.next() {
            if SINGLE_QUOTES.contains(&c) {
                match chars.peek() {
                    Some(&(_, n)) if SINGLE_QUOTES.contains(&n) => {
                        chars.next();
                        value.push(n);
                    }
                    _ => return (value, &s[i + c.len_utf8()..]),
                }
            } else {
                value.push(c);
            }
        }
        panic!("unterminated string in {s:?}")
    }

    #[test]
    fn hostile_values_round_trip_and_never_end_the_string_early() {
        for hostile in [
            "'; Remove-Mailbox -Identity * -Confirm:$false; '",
            "\u{2019}; iex 'calc'; \u{2018}",
            "\u{201A}\u{201B}''\u{2018}\u{2019}",
            "a'\u{2019}",
            "$(whoami)`$x",
            "'",
            "\u{2019}",
        ] {
            let q = quote(hostile).unwrap();
            let (value, rest) = ps_unquote(&q);
            assert_eq!(value, hostile);
            assert_eq!(rest, "", "string ended early for {hostile:?}");
        }
    }

    /// Deterministic xorshift, so a failure is reproducible.
    fn strings(count: usize, alphabet: &[char]) -> Vec<String> {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..count)
            .map(|_| {
                let len = (next() % 12) as usize;
                (0..len)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                    .collect()
            })
            .collect()
    }

    #[test]
    fn many_generated_values_round_trip() {
        let alphabet = [
            '\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}', '"', '$', '(', ')', '`', ';',
            ' ', 'a', 'é', '😀', '@', '{', '}', '#',
        ];
        for value in strings(5000, &alphabet) {
            let q = quote(&value).unwrap();
            let (back, rest) = ps_unquote(&q);
            assert_eq!(back, value);
            assert_eq!(rest, "", "{value:?} ended early");
        }
    }

    #[test]
    fn control_characters_are_refused() {
        for (s, pos, code) in [
            ("a\nb", 1, 0x0A),
            ("a\r\n", 1, 0x0D),
            ("\u{0000}x", 0, 0),
            ("x\u{001B}[31m", 1, 0x1B),
            ("tab\there", 3, 9),
        ] {
            assert_eq!(
                quote(s),
                Err(PsError::ControlCharacter {
                    value: s.chars().filter(|c| !c.is_control()).collect(),
                    position: pos,
                    code
                })
            );
        }
    }

    #[test]
    fn a_removal_is_one_step_that_accepts_not_a_member() {
        use crate::domain::group::MemberKind;
        use crate::domain::plan::{MemberRef, MemberTarget};
        let group = crate::domain::fixtures::group("dg", "O’Neil's\nlist", GroupKind::Distribution);
        let member = MemberRef {
            kind: MemberKind::MailContact,
            target: MemberTarget::Existing { id: "c-1".into() },
            address: "ann@fabrikam.example".parse().unwrap(),
            exchange_identity: "c-1".into(),
        };
        let plan = Plan::removal(&group, member).expect("a DG's members can change");
        let script = exchange_script(&plan, None).unwrap();
        assert!(
            script.contains(
                "Remove-DistributionGroupMember -Identity 'dg@contoso.com' -Member 'c-1' -BypassSecurityGroupManagerCheck -Confirm:$false"
            ),
            "{script}"
        );
        assert!(script.contains("'MemberNotFoundException'"), "{script}");
        assert!(script.contains("$Total = 1"), "{script}");
        // The group's name is only a label: its line break became a space.
        assert!(
            script.contains("'Remove ann@fabrikam.example from O’’Neil''s list'"),
            "{script}"
        );
    }

    fn snapshot_plan() -> Plan {
        let groups = [
            TargetGroup {
                id: "11111111-1111-1111-1111-111111111111".into(),
                name: "Sales Partners".into(),
                mail: Some("sales-partners@contoso.com".into()),
                kind: GroupKind::Distribution,
                external_senders: ExternalSenders::Rejected,
                dynamic_membership: false,
                on_premises_synced: false,
            },
            TargetGroup {
                id: "22222222-2222-2222-2222-222222222222".into(),
                name: "Project X".into(),
                mail: None,
                kind: GroupKind::Security,
                external_senders: ExternalSenders::Allowed,
                dynamic_membership: false,
                on_premises_synced: false,
            },
        ];
        let people = [
            PersonInput {
                email: "jan@partner.nl".into(),
                display_name: "Jan de Vries".into(),
                first_name: "Jan".into(),
                last_name: "de Vries".into(),
                company: "Partner B.V.".into(),
                access_until: String::new(),
            },
            PersonInput {
                email: "seán@bücher.de".replace('á', "a"),
                display_name: "Seán O\u{2019}Brien's $(Get-Date) `test".into(),
                ..Default::default()
            },
            PersonInput {
                email: "bob@ext.com".into(),
                ..Default::default()
            },
        ];
        let desired: Vec<Desired> = people
            .iter()
            .enumerate()
            .map(|(i, p)| Desired {
                row: i as u64 + 2,
                person: Ok(p.validate().unwrap()),
            })
            .collect();
        let tenant = TenantSnapshot {
            users: vec![ExistingUser {
                id: "33333333-3333-3333-3333-333333333333".into(),
                user_type: UserType::Guest,
                user_principal_name: "bob_ext.com#EXT#@contoso.onmicrosoft.com".into(),
                mail: Some(EmailAddress::parse("bob@ext.com").unwrap()),
                other_mails: vec![],
                display_name: "Bob".into(),
            }],
            ..Default::default()
        };
        plan(&groups, &desired, &tenant, &PlanOptions::default())
    }

    #[test]
    fn script_snapshot() {
        let script = exchange_script(&snapshot_plan(), Some("admin@contoso.com")).unwrap();
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/domain/snapshots/exchange_script.ps1"
        );
        if std::env::var_os("GUESTLIST_UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(path, &script).unwrap();
        }
        let expected = std::fs::read_to_string(path)
            .expect("snapshot file; run with GUESTLIST_UPDATE_SNAPSHOTS=1 to create");
        assert_eq!(script, expected);
    }

    #[test]
    fn script_structure() {
        let script = exchange_script(&snapshot_plan(), Some("admin@contoso.com")).unwrap();
        assert!(script.starts_with("#Requires -Modules ExchangeOnlineManagement\n"));
        assert!(script.contains(
            "Connect-ExchangeOnline -UserPrincipalName 'admin@contoso.com' -ShowBanner:$false"
        ));
        // Two new contacts (Jan, Seán), each created only if missing, hidden; Jan's company.
        assert_eq!(script.matches("New-MailContact ").count(), 2);
        assert_eq!(script.matches("if (Get-MailContact -Identity ").count(), 2);
        assert_eq!(
            script
                .matches("-HiddenFromAddressListsEnabled $true")
                .count(),
            2
        );
        assert!(script.contains("Set-Contact -Identity 'jan@partner.nl' -Company 'Partner B.V.'"));
        // IDN address passed in ACE form; hostile name doubled quotes, expansion left literal.
        assert!(script.contains("-ExternalEmailAddress 'sean@xn--bcher-kva.de'"));
        assert!(script.contains("-DisplayName 'Seán O\u{2019}\u{2019}Brien''s $(Get-Date) `test'"));
        // Three DG adds (2 new contacts + the existing guest by UPN); the security group's adds
        // are Graph's: absent.
        assert_eq!(script.matches("Add-DistributionGroupMember ").count(), 3);
        assert!(script.contains("-Member 'bob_ext.com#EXT#@contoso.onmicrosoft.com'"));
        assert!(!script.contains("Project X"));
        assert!(!script.contains("22222222-2222-2222-2222-222222222222"));
        assert_eq!(script.matches("MemberAlreadyExistsException").count(), 3);
        // External senders opened once, after checking.
        assert_eq!(
            script.matches("Set-DistributionGroup -Identity 'sales-partners@contoso.com' -RequireSenderAuthenticationEnabled $false").count(),
            1
        );
        assert!(script.contains("$Total = 9\n"));
        assert!(script.contains("Start-Sleep -Seconds"));
        assert!(script.contains("Done: {0}. Already done: {1}. Failed: {2}."));
    }

    #[test]
    fn a_new_guest_joins_the_dg_by_address_without_a_contact() {
        // Into a DG and a Microsoft 365 group: the guest invited for the M365 group (a Graph
        // step, run in the browser) is what the script adds to the DG; a contact for the same
        // address would fail with ProxyAddressExists.
        let mut plan = snapshot_plan();
        plan.groups[1].kind = GroupKind::Microsoft365;
        let plan = crate::domain::plan::plan(
            &plan.groups,
            &crate::domain::fixtures::addresses(&["jan@partner.nl"]),
            &TenantSnapshot::default(),
            &PlanOptions::default(),
        );
        let script = exchange_script(&plan, None).unwrap();
        assert!(!script.contains("New-MailContact"));
        assert_eq!(
            script
                .matches("Add-DistributionGroupMember -Identity 'sales-partners@contoso.com' -Member 'jan@partner.nl'")
                .count(),
            1
        );
    }

    #[test]
    fn without_upn_and_with_declined_fix() {
        let plan = snapshot_plan().without_optional(|_| false);
        let script = exchange_script(&plan, None).unwrap();
        assert!(script.contains("\nConnect-ExchangeOnline -ShowBanner:$false\n"));
        assert!(!script.contains("Set-DistributionGroup"));
        assert!(script.contains("$Total = 8\n"));
    }

    #[test]
    fn hostile_upn_is_quoted() {
        let script = exchange_script(&snapshot_plan(), Some("x'; Get-Secret; '")).unwrap();
        assert!(script.contains("-UserPrincipalName 'x''; Get-Secret; ''' "));
        assert!(exchange_script(&snapshot_plan(), Some("a\nb")).is_err());
    }

    #[test]
    fn deleting_a_contact_is_an_idempotent_remove_mail_contact_and_a_guest_is_graphs() {
        use crate::domain::group::MemberKind;
        use crate::domain::plan::{offboarding_deleting, ExistingContact, Leaver};
        let contact = Leaver {
            id: "c1".into(),
            name: "O'Brien".into(),
            kind: MemberKind::MailContact,
            address: EmailAddress::parse("o'brien@partner.example").unwrap(),
            exchange_identity: "o'brien@partner.example".into(),
        };
        let guest = Leaver {
            id: "g1".into(),
            name: "Kim".into(),
            kind: MemberKind::Guest,
            address: EmailAddress::parse("kim@partner.example").unwrap(),
            exchange_identity: "kim_partner.example#EXT#@contoso.onmicrosoft.com".into(),
        };
        let gone = Leaver {
            id: "c-gone".into(),
            address: EmailAddress::parse("gone@partner.example").unwrap(),
            exchange_identity: "gone@partner.example".into(),
            ..contact.clone()
        };
        let snapshot = TenantSnapshot {
            contacts: vec![ExistingContact {
                id: "c1".into(),
                mail: contact.address.clone(),
                display_name: "O'Brien".into(),
            }],
            users: vec![ExistingUser {
                id: "g1".into(),
                user_type: UserType::Guest,
                user_principal_name: guest.exchange_identity.clone(),
                mail: Some(guest.address.clone()),
                other_mails: vec![],
                display_name: "Kim".into(),
            }],
            ..TenantSnapshot::default()
        };
        let off = offboarding_deleting(&[contact, guest, gone], &snapshot);
        assert_eq!(off.plan.ops.len(), 2);
        assert_eq!(
            (off.plan.totals.exchange_ops, off.plan.totals.graph_ops),
            (1, 1)
        );
        let script = exchange_script(&off.plan, Some("admin@contoso.com")).unwrap();
        assert!(script.contains("$Total = 1"), "{script}");
        assert_eq!(
            script.matches("Remove-MailContact").count(),
            1,
            "guests are Graph's"
        );
        assert!(script
            .contains("Remove-MailContact -Identity 'o''brien@partner.example' -Confirm:$false"));
        // Gone already is done, as the member removals' "not a member" is.
        assert!(script.contains(
            "if (Test-ExchangeError $_ 'ManagementObjectNotFoundException') { 'already done' } else { throw }"
        ));
    }

    #[test]
    fn delivery_script_looks_before_each_change_and_quotes_every_value() {
        use crate::domain::delivery::SenderList;
        let changes = vec![
            DeliveryChange::OpenToExternalSenders {
                group: "sales@contoso.example".into(),
                control: ExternalSendersControl::ExchangeRequireSenderAuthentication,
            },
            DeliveryChange::OpenToExternalSenders {
                group: "m365@contoso.example".into(),
                control: ExternalSendersControl::GraphAllowExternalSenders,
            },
            DeliveryChange::CreateContact {
                address: "jan@partner.example".into(),
            },
            DeliveryChange::EditList {
                group: "sales@contoso.example".into(),
                kind: GroupKind::Distribution,
                list: SenderList::AcceptMessagesOnlyFrom,
                entry: "jan@partner.example".into(),
                add: true,
            },
            DeliveryChange::EditList {
                group: "sales@contoso.example".into(),
                kind: GroupKind::Distribution,
                list: SenderList::RejectMessagesFrom,
                entry: "O'Brien $(evil)".into(),
                add: false,
            },
            DeliveryChange::EditList {
                group: "cab@contoso.example".into(),
                kind: GroupKind::Microsoft365,
                list: SenderList::AcceptMessagesOnlyFrom,
                entry: "kim@fabrikam.example".into(),
                add: true,
            },
        ];
        let script = delivery_script(&changes, Some("admin@contoso.example")).unwrap();
        // Five Exchange steps; the Graph switch isn't one.
        assert!(script.contains("$Total = 5"), "{script}");
        assert!(!script.contains("m365@contoso.example"));
        assert!(
            script.contains("Connect-ExchangeOnline -UserPrincipalName 'admin@contoso.example'")
        );
        assert!(script.contains(
            "if (Get-MailContact -Identity 'jan@partner.example' -ErrorAction SilentlyContinue) { return 'already done' }"
        ));
        assert!(script.contains(
            "$list = @((Get-DistributionGroup -Identity 'sales@contoso.example').AcceptMessagesOnlyFromSendersOrMembers)\n    if ($list -contains $r.Name) { return 'already done' }\n    Set-DistributionGroup -Identity 'sales@contoso.example' -AcceptMessagesOnlyFrom @{Add='jan@partner.example'} -BypassSecurityGroupManagerCheck"
        ));
        // Removal: done when absent; the hostile entry stays one quoted literal.
        assert!(script.contains("if ($list -notcontains $r.Name) { return 'already done' }"));
        assert!(script.contains("-RejectMessagesFrom @{Remove='O''Brien $(evil)'}"));
        // Microsoft 365: the whole list, through Set-UnifiedGroup's SendersOrMembers parameter.
        assert!(script.contains(
            "Set-UnifiedGroup -Identity 'cab@contoso.example' -AcceptMessagesOnlyFromSendersOrMembers $new"
        ));
        // The contact step comes before the list step that names it.
        let create = script.find("New-MailContact").unwrap();
        let list = script.find("-AcceptMessagesOnlyFrom @{Add=").unwrap();
        assert!(create < list);
        // A control character is refused, not written.
        let bad = [DeliveryChange::CreateContact {
            address: "a\nb@c.example".into(),
        }];
        assert!(delivery_script(&bad, None).is_err());
    }
}

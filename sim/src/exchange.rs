//! Exchange Online admin REST subset: `POST /adminapi/beta/{tenant}/InvokeCommand`, the endpoint behind
//! the ExchangeOnlineManagement V3 module. Body `{"CmdletInput":{"CmdletName":…,"Parameters":{…}}}`;
//! results in `value`; paging by re-POSTing the same body to `@odata.nextLink`; page size from
//! `Prefer: odata.maxpagesize=N`.
//!
//! Cmdlet behaviour follows the Exchange PowerShell reference on Microsoft Learn:
//! - New-MailContact: https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/new-mailcontact
//! - Set-MailContact: https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/set-mailcontact
//! - Get-Recipient (default ResultSize 1000): https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/get-recipient
//! - Get/Set-DistributionGroup: https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/set-distributiongroup
//! - Add-DistributionGroupMember (BypassSecurityGroupManagerCheck): https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/add-distributiongroupmember
//! - Remove-DistributionGroupMember: https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/remove-distributiongroupmember
//! - Get-DynamicDistributionGroup: https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/get-dynamicdistributiongroup
//!
//! Errors carry the cmdlet's exception type name in `error.details[].message` (a JSON string holding
//! `Message` and `TypeName`), which is what clients match on.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query as QueryPairs, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::contract::{
    AuthFailure, Caller, RequestMeta, Role, EXCHANGE_AUDIENCE, TENANT_DOMAIN, TENANT_ID,
};
use crate::state::AppState;
use crate::store::{
    strip_smtp, Contact, Group, GroupKind, Obj, Provenance, Side, Tenant, User, UserType,
    ACCEPTED_DOMAINS,
};

/// Default and largest page of an InvokeCommand answer.
pub const MAX_PAGE: usize = 1000;
/// Get-* cmdlets return at most 1000 objects unless `ResultSize` says otherwise (Get-Recipient page).
pub const DEFAULT_RESULT_SIZE: usize = 1000;
/// The directory server named in "couldn't be found on '…'" messages.
pub const DC_NAME: &str = "AM6PR06A001DC01.EURPR06A001.prod.outlook.com";

pub const NOT_FOUND_TYPE: &str =
    "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException";
pub const AMBIGUOUS_TYPE: &str =
    "Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException";
pub const MEMBER_EXISTS_TYPE: &str =
    "Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException";
pub const MEMBER_NOT_FOUND_TYPE: &str =
    "Microsoft.Exchange.Management.Tasks.MemberNotFoundException";
pub const NAME_EXISTS_TYPE: &str =
    "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException";
pub const PROXY_EXISTS_TYPE: &str =
    "Microsoft.Exchange.Configuration.ObjectModel.ProxyAddressExistsException";
pub const GROUP_MANAGER_TYPE: &str =
    "Microsoft.Exchange.Management.Tasks.OperationRequiresGroupManagerException";
pub const ACCESS_DENIED_TYPE: &str =
    "Microsoft.Exchange.Configuration.Authorization.CmdletAccessDeniedException";
pub const COMMAND_NOT_FOUND_TYPE: &str = "System.Management.Automation.CommandNotFoundException";
pub const PARAMETER_TYPE: &str = "System.Management.Automation.ParameterBindingException";
pub const INVALID_ARGUMENT_TYPE: &str =
    "Microsoft.Exchange.Configuration.Tasks.InvalidArgumentException";

/// An error a cmdlet raises, rendered in Exchange's REST error shape.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{type_name}: {message}")]
pub struct ExoError {
    pub status: u16,
    pub type_name: &'static str,
    pub message: String,
}

impl ExoError {
    fn new(type_name: &'static str, message: impl Into<String>) -> Self {
        ExoError {
            status: 400,
            type_name,
            message: message.into(),
        }
    }
    pub fn not_found(identity: &str) -> Self {
        Self::new(
            NOT_FOUND_TYPE,
            format!("The operation couldn't be performed because object '{identity}' couldn't be found on '{DC_NAME}'."),
        )
    }
    fn ambiguous(identity: &str) -> Self {
        Self::new(
            AMBIGUOUS_TYPE,
            format!("The operation couldn't be performed because '{identity}' matches multiple entries."),
        )
    }
    fn parameter(message: impl Into<String>) -> Self {
        Self::new(PARAMETER_TYPE, message)
    }
    fn denied(caller: &Caller, cmdlet: &str) -> Self {
        ExoError {
            status: 403,
            type_name: ACCESS_DENIED_TYPE,
            message: format!(
                "The user \"{}\" isn't assigned to any management roles that allow running the cmdlet '{cmdlet}'.",
                caller.upn
            ),
        }
    }

    /// `{"error":{"code","message","details":[{"code","target","message":"{\"Message\",\"TypeName\"}"}],"innererror":{…}}}`
    pub fn body(&self) -> Value {
        let detail = json!({ "Message": self.message, "TypeName": self.type_name }).to_string();
        json!({
            "error": {
                "code": code_for(self.status),
                "message": self.message,
                "details": [{ "code": "Context", "target": "", "message": detail }],
                "innererror": {
                    "message": self.message,
                    "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
                    "stacktrace": "",
                    "internalexception": { "message": self.message, "type": self.type_name, "stacktrace": "" }
                }
            }
        })
    }
}

fn code_for(status: u16) -> &'static str {
    match status {
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        _ => "BadRequest",
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/InvokeCommand", post(invoke))
}

fn tenant(state: &AppState) -> std::sync::MutexGuard<'_, Tenant> {
    state.tenant.lock().unwrap_or_else(|p| p.into_inner())
}

fn error_response(e: &ExoError, request_id: &str) -> Response {
    let mut r = (
        StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
        axum::Json(e.body()),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("request-id", v);
    }
    r
}

/// 401 with the `WWW-Authenticate` challenge Exchange Online sends.
fn auth_response(f: &AuthFailure, request_id: &str) -> Response {
    let e = ExoError {
        status: f.status,
        type_name: if f.status == 401 {
            "Microsoft.Exchange.Security.Authentication.InvalidTokenException"
        } else {
            ACCESS_DENIED_TYPE
        },
        message: f.message.clone(),
    };
    let mut r = error_response(&e, request_id);
    if f.status == 401 {
        r.headers_mut().insert(
            http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static(
                "Bearer client_id=\"00000002-0000-0ff1-ce00-000000000000\", trusted_issuers=\"00000001-0000-0000-c000-000000000000@*\", token_types=\"app_asserted_user_v1 service_asserted_app_v1\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", error=\"invalid_token\"",
            ),
        );
    }
    r
}

fn page_size(headers: &HeaderMap) -> usize {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|p| p.trim().strip_prefix("odata.maxpagesize="))
        .filter_map(|n| n.trim().parse::<usize>().ok())
        .next()
        .map(|n| n.clamp(1, MAX_PAGE))
        .unwrap_or(MAX_PAGE)
}

async fn invoke(
    State(state): State<AppState>,
    Path(path): Path<HashMap<String, String>>,
    headers: HeaderMap,
    meta: RequestMeta,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
    body: Bytes,
) -> Response {
    let request_id = meta.request_id.clone();
    let caller = match crate::auth::authenticate(&state, &headers, EXCHANGE_AUDIENCE) {
        Ok(c) => c,
        Err(f) => return auth_response(&f, &request_id),
    };
    if !caller.has_scope("Exchange.Manage") && !caller.has_scope("Exchange.ManageAsApp") {
        return auth_response(
            &AuthFailure {
                status: 403,
                code: "Forbidden",
                message: "The token lacks the Exchange.Manage scope.".into(),
            },
            &request_id,
        );
    }
    let tenant_seg = path
        .get("tenant")
        .cloned()
        .unwrap_or_else(|| TENANT_ID.to_string());
    if !(tenant_seg.eq_ignore_ascii_case(TENANT_ID)
        || tenant_seg.eq_ignore_ascii_case(TENANT_DOMAIN))
    {
        return error_response(
            &ExoError {
                status: 404,
                type_name: NOT_FOUND_TYPE,
                message: format!("Tenant '{tenant_seg}' not found."),
            },
            &request_id,
        );
    }
    let Ok(input) = serde_json::from_slice::<Value>(&body) else {
        return error_response(
            &ExoError::parameter("The request body isn't valid JSON."),
            &request_id,
        );
    };
    let Some(cmdlet) = input
        .pointer("/CmdletInput/CmdletName")
        .and_then(Value::as_str)
    else {
        return error_response(
            &ExoError::parameter("CmdletInput.CmdletName is required."),
            &request_id,
        );
    };
    let params = match input.pointer("/CmdletInput/Parameters") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return error_response(
                &ExoError::parameter("CmdletInput.Parameters must be an object."),
                &request_id,
            )
        }
    };
    let offset = pairs
        .iter()
        .find(|(k, _)| k.trim_start_matches('$').eq_ignore_ascii_case("skiptoken"))
        .and_then(|(_, v)| crate::odata::decode_skiptoken(v))
        .unwrap_or(0);
    let delay = Duration::from_millis(state.knobs().replication_delay_ms);
    let size = page_size(&headers);
    let result = {
        let mut t = tenant(&state);
        run(
            &mut t,
            &caller,
            cmdlet,
            &params,
            delay,
            Window { offset, size },
        )
    };
    let (items, total) = match result {
        Ok(out) => out,
        Err(e) => return error_response(&e, &request_id),
    };
    let origin = meta.origin;
    let base = format!("{origin}/adminapi/beta/{tenant_seg}");
    let end = offset.saturating_add(items.len());
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!(
            "{base}/$metadata#Collection(Exchange.GenericHashTable)"
        )),
    );
    if end < total {
        out.insert(
            "@odata.nextLink".into(),
            json!(format!(
                "{base}/InvokeCommand?$skiptoken={}",
                crate::odata::encode_skiptoken(end)
            )),
        );
    }
    out.insert("value".into(), Value::Array(items));
    let mut r = (StatusCode::OK, axum::Json(Value::Object(out))).into_response();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        r.headers_mut().insert("request-id", v);
    }
    if headers.contains_key("prefer") {
        if let Ok(v) = HeaderValue::from_str(&format!("odata.maxpagesize={size}")) {
            r.headers_mut().insert("preference-applied", v);
        }
    }
    r
}

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
        params: &[
            "Identity",
            "HiddenFromAddressListsEnabled",
            "DisplayName",
            "Alias",
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
struct Params(HashMap<&'static str, Value>);

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
    fn str(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_string),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }
    fn required(&self, name: &str) -> Result<String, ExoError> {
        self.str(name).filter(|s| !s.trim().is_empty()).ok_or_else(|| {
            ExoError::parameter(format!(
                "Cannot process command because of one or more missing mandatory parameters: {name}."
            ))
        })
    }
    fn bool(&self, name: &str) -> Result<Option<bool>, ExoError> {
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
    fn switch(&self, name: &str) -> Result<bool, ExoError> {
        Ok(self.bool(name)?.unwrap_or(false))
    }
    /// `ResultSize`: a number or `Unlimited`; Get-* cmdlets default to 1000.
    fn result_size(&self) -> Result<usize, ExoError> {
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
    let view = View { t: &*t, delay };
    let done = |r: Result<Vec<Value>, ExoError>| {
        r.map(|v| {
            let n = v.len();
            (v, n)
        })
    };
    done(match spec.name {
        "New-MailContact" => new_mail_contact(t, &p, delay),
        "Set-MailContact" => {
            let id = p.required("Identity")?;
            let cid = match view.resolve(&id, |r| matches!(r, Rec::Contact(_)), false)? {
                Rec::Contact(c) => c.id.clone(),
                _ => return Err(ExoError::not_found(&id)),
            };
            let hidden = p.bool("HiddenFromAddressListsEnabled")?;
            let display = p.str("DisplayName");
            let alias = p.str("Alias");
            if let Some(c) = t.contact_mut(&cid) {
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
        "Set-Contact" => {
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
        "Remove-MailContact" => {
            let id = p.required("Identity")?;
            let cid = match view.resolve(&id, |r| matches!(r, Rec::Contact(_)), false)? {
                Rec::Contact(c) => c.id.clone(),
                _ => return Err(ExoError::not_found(&id)),
            };
            t.remove_contact(&cid);
            Ok(vec![])
        }
        "Set-DistributionGroup" => {
            let id = p.required("Identity")?;
            let g = view.resolve_group(&id)?;
            check_manager(caller, g, &p)?;
            let gid = g.id.clone();
            let rsa = p.bool("RequireSenderAuthenticationEnabled")?;
            let hidden = p.bool("HiddenFromAddressListsEnabled")?;
            let display = p.str("DisplayName");
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
        "Add-DistributionGroupMember" | "Remove-DistributionGroupMember" => {
            let adding = spec.name.starts_with("Add");
            let id = p.required("Identity")?;
            let member = p.required("Member")?;
            let g = view.resolve_group(&id)?;
            check_manager(caller, g, &p)?;
            // A just-created recipient isn't found by the membership cmdlets until it has replicated
            // (the app retries "couldn't be found" for a few seconds).
            let m = view.resolve(&member, |_| true, adding)?;
            let (gid, gname, mid, mname) =
                (g.id.clone(), g.name.clone(), m.id().to_string(), m.name());
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
        "Get-OrganizationConfig" => Ok(Output::Values(vec![org_config()])),
        "Get-AcceptedDomain" => accepted_domains(p).map(Output::Values),
        "Get-Recipient" => recs(&|_| true, Render::Recipient),
        "Get-MailContact" => recs(&|r| matches!(r, Rec::Contact(_)), Render::Recipient),
        "Get-DistributionGroup" => recs(
            &|r| matches!(r, Rec::Group(g) if g.kind.is_exchange_distribution()),
            Render::Group,
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

/// A recipient as Exchange sees it.
#[derive(Clone, Copy)]
enum Rec<'a> {
    User(&'a User),
    Contact(&'a Contact),
    Group(&'a Group),
}

impl Rec<'_> {
    fn id(&self) -> &str {
        match self {
            Rec::User(u) => &u.id,
            Rec::Contact(c) => &c.id,
            Rec::Group(g) => &g.id,
        }
    }
    fn name(&self) -> String {
        match self {
            Rec::User(u) => u.mail_nickname.clone(),
            Rec::Contact(c) => c.name.clone(),
            Rec::Group(g) => g.name.clone(),
        }
    }
    fn provenance(&self) -> Provenance {
        match self {
            Rec::User(u) => u.provenance,
            Rec::Contact(c) => c.provenance,
            Rec::Group(g) => g.provenance,
        }
    }
}

struct View<'a> {
    t: &'a Tenant,
    delay: Duration,
}

impl<'a> View<'a> {
    /// Exchange recipients visible now: users (mailboxes, guest mail users), contacts and mail-enabled
    /// groups (security-only groups aren't recipients).
    fn recipients(&self) -> impl Iterator<Item = Rec<'a>> + '_ {
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

    fn rec_by_id(&self, id: &str) -> Option<Rec<'a>> {
        self.rec_of(self.t.get(id)?)
    }

    /// The recipient an object is, if it is one and is visible now.
    fn rec_of(&self, o: Obj<'a>) -> Option<Rec<'a>> {
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
    fn with_identity(&self, identity: &str) -> impl Iterator<Item = Rec<'a>> + '_ {
        self.t
            .by_identity(identity)
            .into_iter()
            .filter_map(|o| self.rec_of(o))
    }

    /// Resolves an identity among the recipients `keep` accepts. `replicated_only` hides objects that
    /// haven't finished replicating (what Add-DistributionGroupMember sees right after a create).
    fn resolve(
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

    fn resolve_group(&self, identity: &str) -> Result<&'a Group, ExoError> {
        match self.resolve(
            identity,
            |r| matches!(r, Rec::Group(g) if g.kind.is_exchange_distribution()),
            false,
        )? {
            Rec::Group(g) => Ok(g),
            _ => Err(ExoError::not_found(identity)),
        }
    }

    fn json(&self, r: Rec) -> Value {
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
fn recipient_json(r: Rec) -> Value {
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
    json!({
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
        "IsDirSynced": false,
        "WhenCreated": when(&created),
        "WhenCreatedUTC": when(&created),
    })
}

/// Get-DistributionGroup / Get-DynamicDistributionGroup extras.
fn group_extra(v: &View, mut r: Value) -> Value {
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
        m.insert(
            "RequireSenderAuthenticationEnabled".into(),
            json!(g.require_sender_auth),
        );
        m.insert("ManagedBy".into(), json!(managers));
        m.insert(
            "Description".into(),
            json!(g.description.iter().collect::<Vec<_>>()),
        );
        m.insert("AcceptMessagesOnlyFromSendersOrMembers".into(), json!([]));
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

fn get_recipients<'a>(
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

fn org_config() -> Value {
    json!({
        "Name": TENANT_DOMAIN,
        "DisplayName": "Contoso",
        "Identity": TENANT_DOMAIN,
        "Guid": TENANT_ID,
        "IsDehydrated": false,
        "OrganizationId": format!("EURPR06A001.prod.outlook.com/Microsoft Exchange Hosted Organizations/{TENANT_DOMAIN} - EURPR06A001.prod.outlook.com/ConfigurationUnits/{TENANT_DOMAIN}/Configuration"),
    })
}

fn accepted_domains(p: &Params) -> Result<Vec<Value>, ExoError> {
    let all: Vec<Value> = ACCEPTED_DOMAINS
        .iter()
        .map(|d| {
            json!({
                "Identity": d, "Name": d, "DomainName": d, "DomainType": "Authoritative",
                "Default": *d != TENANT_DOMAIN, "InitialDomain": *d == TENANT_DOMAIN,
            })
        })
        .collect();
    match p.str("Identity") {
        None => Ok(all),
        Some(id) => all
            .into_iter()
            .find(|d| {
                d["Name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&id))
            })
            .map(|d| vec![d])
            .ok_or_else(|| ExoError::not_found(&id)),
    }
}

fn valid_address(a: &str) -> bool {
    let Some((local, domain)) = a.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !a
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ',' | ';'))
}

fn new_mail_contact(t: &mut Tenant, p: &Params, delay: Duration) -> Result<Vec<Value>, ExoError> {
    let name = p.required("Name")?;
    let external = p.required("ExternalEmailAddress")?;
    let address = strip_smtp(external.trim()).to_string();
    if !valid_address(&address) {
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
        created: chrono::Utc::now(),
        provenance: Provenance::now(Side::Exchange),
    };
    let json = recipient_json(Rec::Contact(&c));
    t.insert_contact(c);
    Ok(vec![json])
}

// ----- OPATH -Filter subset: `Prop -eq 'v'`, `-ne`, `-like` with `*`, joined by -and / -or -----

#[derive(Debug, Clone)]
enum Opath {
    Cmp {
        prop: String,
        op: String,
        value: String,
    },
    And(Box<Opath>, Box<Opath>),
    Or(Box<Opath>, Box<Opath>),
}

impl Opath {
    fn matches(&self, j: &Value) -> bool {
        match self {
            Opath::And(a, b) => a.matches(j) && b.matches(j),
            Opath::Or(a, b) => a.matches(j) || b.matches(j),
            Opath::Cmp { prop, op, value } => {
                let vals: Vec<String> = match j
                    .as_object()
                    .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(prop)))
                {
                    Some((_, Value::Array(a))) => a
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                    Some((_, Value::String(s))) => vec![s.clone()],
                    Some((_, Value::Bool(b))) => vec![b.to_string()],
                    _ => vec![],
                };
                let value = value.trim_start_matches('$');
                let hit = |v: &String| match op.as_str() {
                    "-like" => like(v, value),
                    _ => v.eq_ignore_ascii_case(value),
                };
                match op.as_str() {
                    "-ne" => !vals.iter().any(hit),
                    _ => vals.iter().any(hit),
                }
            }
        }
    }
}

fn like(v: &str, pat: &str) -> bool {
    let (v, pat) = (v.to_lowercase(), pat.to_lowercase());
    let parts: Vec<&str> = pat.split('*').collect();
    if parts.len() == 1 {
        return v == pat;
    }
    let mut rest = v.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(pos) = rest.find(part) {
            rest = &rest[pos + part.len()..];
        } else {
            return false;
        }
    }
    true
}

fn parse_opath(s: &str) -> Result<Opath, ExoError> {
    let bad = || {
        ExoError::new(INVALID_ARGUMENT_TYPE, format!("Cannot bind parameter 'Filter' to the target. Exception setting \"Filter\": \"Invalid filter syntax. For a description of the filter parameter syntax see the command help. \"{s}\"\""))
    };
    // Tokens: words, quoted strings, parentheses.
    let mut toks = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == ')' {
            toks.push(c.to_string());
            i += 1;
        } else if c == '\'' || c == '"' {
            let q = c;
            let mut v = String::new();
            i += 1;
            while i < chars.len() && chars[i] != q {
                v.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return Err(bad());
            }
            i += 1;
            toks.push(format!("\u{1}{v}"));
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '(' && chars[i] != ')'
            {
                i += 1;
            }
            toks.push(chars[start..i].iter().collect());
        }
    }
    fn or(t: &[String], i: &mut usize, bad: &dyn Fn() -> ExoError) -> Result<Opath, ExoError> {
        let mut l = and(t, i, bad)?;
        while t.get(*i).is_some_and(|x| x.eq_ignore_ascii_case("-or")) {
            *i += 1;
            l = Opath::Or(Box::new(l), Box::new(and(t, i, bad)?));
        }
        Ok(l)
    }
    fn and(t: &[String], i: &mut usize, bad: &dyn Fn() -> ExoError) -> Result<Opath, ExoError> {
        let mut l = atom(t, i, bad)?;
        while t.get(*i).is_some_and(|x| x.eq_ignore_ascii_case("-and")) {
            *i += 1;
            l = Opath::And(Box::new(l), Box::new(atom(t, i, bad)?));
        }
        Ok(l)
    }
    fn atom(t: &[String], i: &mut usize, bad: &dyn Fn() -> ExoError) -> Result<Opath, ExoError> {
        if t.get(*i).map(String::as_str) == Some("(") {
            *i += 1;
            let e = or(t, i, bad)?;
            if t.get(*i).map(String::as_str) != Some(")") {
                return Err(bad());
            }
            *i += 1;
            return Ok(e);
        }
        let prop = t.get(*i).ok_or_else(bad)?.clone();
        let op = t.get(*i + 1).ok_or_else(bad)?.to_ascii_lowercase();
        let value = t.get(*i + 2).ok_or_else(bad)?;
        if !matches!(op.as_str(), "-eq" | "-ne" | "-like") {
            return Err(bad());
        }
        *i += 3;
        Ok(Opath::Cmp {
            prop,
            op,
            value: value.trim_start_matches('\u{1}').to_string(),
        })
    }
    let mut i = 0;
    let e = or(&toks, &mut i, &bad)?;
    if i != toks.len() {
        return Err(bad());
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ADMIN_UPN, HELPDESK_UPN};

    fn caller(t: &Tenant, upn: &str) -> Caller {
        let a = t
            .accounts()
            .into_iter()
            .find(|a| a.upn == upn)
            .expect("account");
        Caller {
            oid: a.oid,
            upn: a.upn,
            tid: TENANT_ID.into(),
            scopes: vec!["Exchange.Manage".into()],
            roles: a.roles,
        }
    }

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn new_contact_then_conflicts_and_membership() {
        let mut t = Tenant::seeded(3);
        let admin = caller(&t, ADMIN_UPN);
        let d = Duration::ZERO;
        let out = run(
            &mut t,
            &admin,
            "New-MailContact",
            &params(json!({"Name": "Zoe Quill", "ExternalEmailAddress": "SMTP:zoe@quill.example"})),
            d,
            Window::ALL,
        )
        .map(|o| o.0)
        .unwrap();
        assert_eq!(out[0]["RecipientTypeDetails"], "MailContact");
        assert_eq!(out[0]["ExternalEmailAddress"], "SMTP:zoe@quill.example");
        let e = run(
            &mut t,
            &admin,
            "New-MailContact",
            &params(json!({"Name": "Zoe Quill", "ExternalEmailAddress": "z2@quill.example"})),
            d,
            Window::ALL,
        )
        .unwrap_err();
        assert_eq!(e.type_name, NAME_EXISTS_TYPE);
        let e = run(
            &mut t,
            &admin,
            "New-MailContact",
            &params(json!({"Name": "Zoe Q2", "ExternalEmailAddress": "ZOE@quill.example"})),
            d,
            Window::ALL,
        )
        .unwrap_err();
        assert_eq!(e.type_name, PROXY_EXISTS_TYPE);
        assert!(e.message.contains("\"Zoe Quill\""), "{}", e.message);
        run(
            &mut t,
            &admin,
            "Add-DistributionGroupMember",
            &params(
                json!({"Identity": "sales@contoso.onmicrosoft.com", "Member": "zoe@quill.example"}),
            ),
            d,
            Window::ALL,
        )
        .unwrap();
        let e = run(
            &mut t,
            &admin,
            "Add-DistributionGroupMember",
            &params(json!({"Identity": "Sales Team", "Member": "Zoe Quill"})),
            d,
            Window::ALL,
        )
        .unwrap_err();
        assert_eq!(e.type_name, MEMBER_EXISTS_TYPE);
        run(
            &mut t,
            &admin,
            "Remove-DistributionGroupMember",
            &params(json!({"Identity": "Sales Team", "Member": "Zoe Quill", "Confirm": false})),
            d,
            Window::ALL,
        )
        .unwrap();
        let e = run(
            &mut t,
            &admin,
            "Remove-DistributionGroupMember",
            &params(json!({"Identity": "Sales Team", "Member": "Zoe Quill"})),
            d,
            Window::ALL,
        )
        .unwrap_err();
        assert_eq!(e.type_name, MEMBER_NOT_FOUND_TYPE);
    }

    #[test]
    fn unknowns_and_permissions() {
        let mut t = Tenant::seeded(3);
        let admin = caller(&t, ADMIN_UPN);
        let helpdesk = caller(&t, HELPDESK_UPN);
        let d = Duration::ZERO;
        assert_eq!(
            run(&mut t, &admin, "Get-Nothing", &Map::new(), d, Window::ALL)
                .unwrap_err()
                .type_name,
            COMMAND_NOT_FOUND_TYPE
        );
        let e = run(
            &mut t,
            &admin,
            "Get-Recipient",
            &params(json!({"Bogus": 1})),
            d,
            Window::ALL,
        )
        .unwrap_err();
        assert_eq!(e.type_name, PARAMETER_TYPE);
        assert!(e.message.contains("'Bogus'"));
        let e = run(
            &mut t,
            &helpdesk,
            "New-MailContact",
            &params(json!({"Name": "x", "ExternalEmailAddress": "x@y.example"})),
            d,
            Window::ALL,
        )
        .unwrap_err();
        assert_eq!((e.status, e.type_name), (403, ACCESS_DENIED_TYPE));
        assert!(run(
            &mut t,
            &helpdesk,
            "Get-AcceptedDomain",
            &Map::new(),
            d,
            Window::ALL
        )
        .is_ok());
        let e = run(
            &mut t,
            &admin,
            "Get-DistributionGroup",
            &params(json!({"Identity": "nope"})),
            d,
            Window::ALL,
        )
        .unwrap_err();
        assert_eq!(e.type_name, NOT_FOUND_TYPE);
        assert_eq!(e.message, format!("The operation couldn't be performed because object 'nope' couldn't be found on '{DC_NAME}'."));
    }

    #[test]
    fn replication_hides_fresh_contacts_from_membership_cmdlets() {
        let mut t = Tenant::seeded(3);
        let admin = caller(&t, ADMIN_UPN);
        let d = Duration::from_secs(3600);
        run(
            &mut t,
            &admin,
            "New-MailContact",
            &params(json!({"Name": "Late Larry", "ExternalEmailAddress": "larry@late.example"})),
            d,
            Window::ALL,
        )
        .unwrap();
        assert_eq!(
            run(
                &mut t,
                &admin,
                "Get-MailContact",
                &params(json!({"Identity": "Late Larry"})),
                d,
                Window::ALL
            )
            .unwrap()
            .1,
            1
        );
        let e = run(
            &mut t,
            &admin,
            "Add-DistributionGroupMember",
            &params(json!({"Identity": "Sales Team", "Member": "larry@late.example"})),
            d,
            Window::ALL,
        )
        .unwrap_err();
        assert_eq!(e.type_name, NOT_FOUND_TYPE);
    }

    #[test]
    fn identities_shared_by_two_recipients_are_ambiguous() {
        let mut t = Tenant::seeded(3);
        let admin = caller(&t, ADMIN_UPN);
        let d = Duration::ZERO;
        let go = |t: &mut Tenant, cmdlet: &str, p: Value| {
            run(t, &admin, cmdlet, &params(p), d, Window::ALL)
        };
        go(
            &mut t,
            "New-MailContact",
            json!({"Name": "Amy Twin", "ExternalEmailAddress": "amy@twin.example"}),
        )
        .unwrap();
        // A name may be another recipient's address: both are identities of their own recipient.
        go(
            &mut t,
            "New-MailContact",
            json!({"Name": "amy@twin.example", "ExternalEmailAddress": "amy@other.example"}),
        )
        .unwrap();
        for (cmdlet, p, identity) in [
            (
                "Get-Recipient",
                json!({"Identity": "AMY@twin.example"}),
                "AMY@twin.example",
            ),
            (
                "Get-MailContact",
                json!({"Identity": "amy@twin.example"}),
                "amy@twin.example",
            ),
            (
                "Add-DistributionGroupMember",
                json!({"Identity": "Sales Team", "Member": "SMTP:amy@twin.example"}),
                "SMTP:amy@twin.example",
            ),
        ] {
            let e = go(&mut t, cmdlet, p).unwrap_err();
            assert_eq!(e, ExoError::ambiguous(identity), "{cmdlet}");
        }
        // Unambiguous identities of the same two still resolve.
        assert_eq!(
            go(&mut t, "Get-Recipient", json!({"Identity": "Amy Twin"}))
                .unwrap()
                .1,
            1
        );
        // An alias changed by Set-MailContact is an identity at once, and can collide too.
        go(
            &mut t,
            "Set-MailContact",
            json!({"Identity": "amy@other.example", "Alias": "AmyTwin"}),
        )
        .unwrap();
        let e = go(&mut t, "Get-Recipient", json!({"Identity": "amytwin"})).unwrap_err();
        assert_eq!(e.type_name, AMBIGUOUS_TYPE);
        // Removing one of the two ends the ambiguity.
        go(
            &mut t,
            "Remove-MailContact",
            json!({"Identity": "amy@other.example"}),
        )
        .unwrap();
        let (out, n) = go(
            &mut t,
            "Get-Recipient",
            json!({"Identity": "amy@twin.example"}),
        )
        .unwrap();
        assert_eq!((n, out[0]["Name"].as_str()), (1, Some("Amy Twin")));
        assert_eq!(
            go(&mut t, "Get-Recipient", json!({"Identity": "amytwin"}))
                .unwrap()
                .1,
            1
        );
    }

    #[test]
    fn opath_and_like() {
        let f =
            parse_opath("(EmailAddresses -eq 'smtp:a@b.example') -or (Name -like 'Sal*')").unwrap();
        assert!(f.matches(&json!({"EmailAddresses": ["SMTP:a@b.example"], "Name": "x"})));
        assert!(f.matches(&json!({"EmailAddresses": [], "Name": "Sales Team"})));
        assert!(!f.matches(&json!({"EmailAddresses": [], "Name": "Board"})));
        assert!(parse_opath("Name -eq").is_err());
    }
}

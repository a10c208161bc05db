//! Exchange Online admin REST subset: `POST /adminapi/beta/{tenant}/InvokeCommand`, the endpoint behind
//! the ExchangeOnlineManagement V3 module. Body `{"CmdletInput":{"CmdletName":…,"Parameters":{…}}}`;
//! results in `value`; paging by re-POSTing the same body to `@odata.nextLink`; page size from
//! `Prefer: odata.maxpagesize=N`.
//!
//! This module holds the endpoint ([`router`], `invoke`: token, tenant, body, paging) and the
//! error shape ([`ExoError`]); `cmdlets` binds parameters and dispatches to the cmdlet families
//! (`contacts`, `groups`, `config`, `delivery`), which work on `recipients` and filter with `opath`. Cmdlet
//! behaviour follows the Exchange PowerShell reference on Microsoft Learn; each family's module
//! cites its cmdlets' pages.
//!
//! Errors carry the cmdlet's exception type name in `error.details[].message` (a JSON string holding
//! `Message` and `TypeName`), which is what clients match on.

mod cmdlets;
mod config;
mod contacts;
mod delivery;
mod groups;
mod opath;
mod recipients;
#[cfg(test)]
mod tests;

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

pub use cmdlets::{run, Window};
pub use delivery::{deliver, DeliverError};

use crate::contract::{
    AuthFailure, Caller, RequestMeta, EXCHANGE_AUDIENCE, TENANT_DOMAIN, TENANT_ID,
};
use crate::state::AppState;
use crate::store::Tenant;

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
/// A change to an object synchronised from on-premises (`groups::check_cloud_mastered`).
pub const SYNCED_OBJECT_TYPE: &str = "Microsoft.Exchange.Configuration.Tasks.TaskException";

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

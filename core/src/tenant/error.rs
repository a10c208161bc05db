//! One error type for both services, decoded from the service's own error body.
//!
//! Graph: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`
//! (<https://learn.microsoft.com/graph/errors>).
//! Exchange admin API: `error.details[].message` holds either a JSON string
//! `{"Message": …, "TypeName": "Microsoft.Exchange.….Exception"}` or the older
//! `ExXXXXXX|Microsoft.Exchange.….Exception|message`; Exchange errors are classified by exception TYPE,
//! never by their English text.

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::http::{find_header, AuthError, HttpResponse, TransportError};

/// What the service said about a failure, kept verbatim for the run report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorDetail {
    /// HTTP status of the answer (for a `$batch` item: the inner status).
    pub status: u16,
    /// Graph `error.code` (e.g. `Request_BadRequest`) or Exchange `error.code` (e.g. `BadRequest`).
    pub code: String,
    /// The most specific message: Graph `error.message`, Exchange's inner exception message.
    pub message: String,
    /// Exchange exception type, e.g. `Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException`.
    pub exception_type: Option<String>,
    /// `request-id` from the body's inner error or the response headers: admins quote it to support.
    pub request_id: Option<String>,
    /// Graph `innerError.date`.
    pub date: Option<String>,
}

impl fmt::Display for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "HTTP {}", self.status)?;
        } else {
            f.write_str(&self.message)?;
        }
        let kind = self
            .exception_type
            .as_deref()
            .map(short_type)
            .unwrap_or(&self.code);
        if kind.is_empty() {
            write!(f, " (HTTP {}", self.status)?;
        } else {
            write!(f, " ({kind}, HTTP {}", self.status)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, ", request id {id}")?;
        }
        f.write_str(")")
    }
}

/// Every way a Graph or Exchange call can fail. Variants the app acts on are named; the rest is
/// [`TenantError::Other`] with the service's status, code and message.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TenantError {
    /// The object (group, user, contact, recipient) does not exist — or does not exist *yet*
    /// (replication after a create).
    #[error("not found: {0}")]
    NotFound(Box<ErrorDetail>),
    /// Already a member (Graph 400 "One or more added object references already exist…", Exchange
    /// `MemberAlreadyExistsException`). A skip for the plan, not a failure.
    #[error("already a member: {0}")]
    AlreadyMember(Box<ErrorDetail>),
    /// Not a member, on removal (Exchange `MemberNotFoundException`). Also a skip.
    #[error("not a member: {0}")]
    NotMember(Box<ErrorDetail>),
    /// The name or address is already taken (Exchange `ADObjectAlreadyExistsException`,
    /// `ProxyAddressExistsException`, `ManagementObjectAlreadyExistsException`).
    #[error("already exists: {0}")]
    AlreadyExists(Box<ErrorDetail>),
    /// More than one object matches the identity given (Exchange `ManagementObjectAmbiguousException`).
    #[error("ambiguous: {0}")]
    Ambiguous(Box<ErrorDetail>),
    /// Graph refuses to change members of a distribution list or mail-enabled security group: it
    /// must be done through Exchange.
    #[error("this group's members can only be changed through Exchange: {0}")]
    CannotUpdateMailEnabledGroup(Box<ErrorDetail>),
    /// The signed-in admin lacks a permission or role (Graph `Authorization_RequestDenied`, Exchange
    /// `CmdletAccessDeniedException`, any 403).
    #[error("not allowed: {0}")]
    Forbidden(Box<ErrorDetail>),
    /// 429: too many requests. `retry_after` is the service's `Retry-After`, when it sent one.
    #[error("throttled by the service: {detail}")]
    Throttled {
        retry_after: Option<Duration>,
        detail: Box<ErrorDetail>,
    },
    /// 503/502/504: the service is briefly unavailable.
    #[error("service unavailable: {detail}")]
    Unavailable {
        retry_after: Option<Duration>,
        detail: Box<ErrorDetail>,
    },
    /// 401: the token was refused. The clients refresh once before giving up with `SignInAgain`.
    #[error("the token was refused: {0}")]
    Unauthorized(Box<ErrorDetail>),
    /// A fresh token was refused too, or no token can be had without the admin: sign in again.
    #[error("please sign in again: {0}")]
    SignInAgain(String),
    /// Graph can't run this query (`Request_UnsupportedQuery`, e.g. `$search` without
    /// `ConsistencyLevel: eventual`).
    #[error("query not supported: {0}")]
    UnsupportedQuery(Box<ErrorDetail>),
    /// Exchange doesn't know the cmdlet or one of its parameters (`CommandNotFoundException`,
    /// `ParameterBindingException`): usually a missing role.
    #[error("unknown command or parameter: {0}")]
    UnknownCommand(Box<ErrorDetail>),
    /// Any other answer from the service.
    #[error("the service refused the request: {0}")]
    Other(Box<ErrorDetail>),
    /// No HTTP answer at all.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The token source failed for a reason other than "interaction required".
    #[error(transparent)]
    Auth(AuthError),
    /// A success answer did not have the shape expected; `path` names the field that broke.
    #[error("unexpected answer from {what}: at `{path}`: {message}")]
    Decode {
        what: String,
        path: String,
        message: String,
    },
    /// The client refused to build the request (e.g. more than 20 requests in a batch).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl TenantError {
    /// Worth retrying after a wait: throttling, unavailability, a dropped connection.
    pub fn is_transient(&self) -> bool {
        match self {
            TenantError::Throttled { .. } | TenantError::Unavailable { .. } => true,
            TenantError::Transport(TransportError::Network(_)) => true,
            // An internal server error is worth another try too (the domain's retry policy agrees).
            TenantError::Other(d) => d.status == 500,
            _ => false,
        }
    }

    /// The wait the service asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            TenantError::Throttled { retry_after, .. }
            | TenantError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// What the service said, for variants that came from an answer.
    pub fn detail(&self) -> Option<&ErrorDetail> {
        match self {
            TenantError::NotFound(d)
            | TenantError::AlreadyMember(d)
            | TenantError::NotMember(d)
            | TenantError::AlreadyExists(d)
            | TenantError::Ambiguous(d)
            | TenantError::CannotUpdateMailEnabledGroup(d)
            | TenantError::Forbidden(d)
            | TenantError::Unauthorized(d)
            | TenantError::UnsupportedQuery(d)
            | TenantError::UnknownCommand(d)
            | TenantError::Other(d) => Some(d),
            TenantError::Throttled { detail, .. } | TenantError::Unavailable { detail, .. } => {
                Some(detail)
            }
            _ => None,
        }
    }

    /// The service's request id, to quote to support.
    pub fn request_id(&self) -> Option<&str> {
        self.detail().and_then(|d| d.request_id.as_deref())
    }
}

impl From<AuthError> for TenantError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::InteractionRequired(why) => TenantError::SignInAgain(why),
            other => TenantError::Auth(other),
        }
    }
}

/// `Retry-After` as delta-seconds. (The HTTP-date form is not used by Graph or Exchange; if it ever
/// came, it is treated as absent and the backoff applies.)
pub fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    value
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// Decodes a JSON body into `T`; on failure names the field path that broke.
///
/// The path comes from where serde_json stopped in the text ([`json_path_at`]) rather than from
/// a path-tracking deserializer wrapped around every `T`: that wrapper doubles the decoding code
/// of each type in the wasm, for a path that is only needed on failure.
pub fn decode_json<T: DeserializeOwned>(what: &str, body: &str) -> Result<T, TenantError> {
    serde_json::from_str(body).map_err(|e| decode_error(what, body, &e))
}

/// Decodes an already-parsed value into `T`, naming the field that broke.
pub fn decode_value<T: DeserializeOwned>(what: &str, value: Value) -> Result<T, TenantError> {
    T::deserialize(&value).map_err(|e| {
        // A value has no positions: the text form, decoded again, says where it stopped.
        let text = value.to_string();
        let path = match serde_json::from_str::<T>(&text) {
            Err(again) => json_path_at(&text, &again),
            Ok(_) => ".".to_owned(),
        };
        TenantError::Decode {
            what: what.to_owned(),
            path,
            message: e.to_string(),
        }
    })
}

fn decode_error(what: &str, text: &str, error: &serde_json::Error) -> TenantError {
    TenantError::Decode {
        what: what.to_owned(),
        path: json_path_at(text, error),
        message: error.to_string(),
    }
}

/// The path (`value[0].mailEnabled`; `.` for the top level, `?` for a key not read yet) of what
/// serde_json was decoding when it failed with `error` on `text`, in serde_path_to_error's
/// notation: the error's line and column (1-based, column in bytes) say how far it read.
pub fn json_path_at(text: &str, error: &serde_json::Error) -> String {
    let (line, column) = (error.line(), error.column());
    enum Frame {
        /// The key being read, once known.
        Object(Option<String>),
        /// The element's index, while one is being read.
        Array(usize, bool),
    }
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    let mut end = (line_start + column).min(text.len());
    // A syntax error's column is the byte that did not fit: not part of what was read.
    if error.is_syntax() {
        end = end.saturating_sub(1);
    }
    let bytes = &text.as_bytes()[..end];
    let mut stack: Vec<Frame> = Vec::new();
    let mut expect_key = false;
    // A string or literal value was the last thing read.
    let mut scalar = false;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if !byte.is_ascii_whitespace() {
            scalar = byte == b'"' || byte.is_ascii_alphanumeric() || b"+-.".contains(&byte);
            // An element starts with its first byte.
            if let Some(Frame::Array(_, reading @ false)) = stack.last_mut() {
                *reading = !b",]".contains(&byte);
            }
        }
        match byte {
            b'"' => {
                let start = i + 1;
                i = start;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if expect_key && i < bytes.len() {
                    let raw = &text[start..i];
                    let key = serde_json::from_str::<String>(&text[start - 1..=i])
                        .unwrap_or_else(|_| raw.to_owned());
                    if let Some(Frame::Object(k)) = stack.last_mut() {
                        *k = Some(key);
                    }
                    expect_key = false;
                    scalar = false;
                }
            }
            b'{' => {
                stack.push(Frame::Object(None));
                expect_key = true;
            }
            b'[' => stack.push(Frame::Array(0, false)),
            b'}' | b']' => {
                stack.pop();
                // An error right at a closing bracket (a missing field) is about that object,
                // under its key. Otherwise the key's value is complete and the parser is between
                // keys, which the notation writes `?`.
                // Likewise an array between elements has no index in the path.
                let at_error = i + 1 == bytes.len() && !error.is_eof();
                match stack.last_mut().filter(|_| !at_error) {
                    Some(Frame::Object(k)) => *k = None,
                    Some(Frame::Array(_, reading)) => *reading = false,
                    None => {}
                }
                expect_key = false;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array(n, reading)) => {
                    *n += 1;
                    *reading = false;
                }
                Some(Frame::Object(k)) => {
                    *k = None;
                    expect_key = true;
                }
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    // Input ended after a complete value: the parser was looking for what comes next.
    if scalar && error.is_eof() {
        match stack.last_mut() {
            Some(Frame::Object(k)) => *k = None,
            Some(Frame::Array(_, reading)) => *reading = false,
            None => {}
        }
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Array(n, true) => path.push_str(&format!("[{n}]")),
            Frame::Array(_, false) => {}
            Frame::Object(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key.as_deref().unwrap_or("?"));
            }
        }
    }
    if path.is_empty() {
        path.push('.');
    }
    path
}

fn str_at<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str))
}

fn short_type(t: &str) -> &str {
    t.rsplit('.').next().unwrap_or(t)
}

// ---------------------------------------------------------------- Graph

/// Decodes a Graph error answer (status ≥ 400) into a [`TenantError`].
pub fn graph_error(resp: &HttpResponse) -> TenantError {
    graph_error_parts(resp.status, &resp.headers, &resp.body)
}

/// Same, from parts: a `$batch` item has its own status, headers and (already parsed) body.
pub fn graph_error_parts(status: u16, headers: &[(String, String)], body: &str) -> TenantError {
    let parsed: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    graph_error_value(status, headers, &parsed)
}

pub(crate) fn graph_error_value(
    status: u16,
    headers: &[(String, String)],
    body: &Value,
) -> TenantError {
    let err = body.get("error").unwrap_or(&Value::Null);
    // Graph spells it `innerError`; some workloads send `innererror`.
    let inner = err
        .get("innerError")
        .or_else(|| err.get("innererror"))
        .unwrap_or(&Value::Null);
    let detail = ErrorDetail {
        status,
        code: str_at(err, &["code"]).unwrap_or_default().to_owned(),
        message: str_at(err, &["message"]).unwrap_or_default().to_owned(),
        exception_type: None,
        request_id: str_at(inner, &["request-id"])
            .or_else(|| find_header(headers, "request-id"))
            .map(str::to_owned),
        date: str_at(inner, &["date"]).map(str::to_owned),
    };
    let retry_after = parse_retry_after(find_header(headers, "Retry-After"));
    classify_graph(detail, retry_after)
}

fn classify_graph(detail: ErrorDetail, retry_after: Option<Duration>) -> TenantError {
    let msg = detail.message.to_ascii_lowercase();
    let code = detail.code.clone();
    let status = detail.status;
    let detail = Box::new(detail);
    let code = code.as_str();
    match status {
        429 => TenantError::Throttled {
            retry_after,
            detail,
        },
        502..=504 => TenantError::Unavailable {
            retry_after,
            detail,
        },
        401 => TenantError::Unauthorized(detail),
        403 => TenantError::Forbidden(detail),
        404 => TenantError::NotFound(detail),
        // Documented on "Add members": the reference is already there.
        400 if msg.contains("one or more added object references already exist") => {
            TenantError::AlreadyMember(detail)
        }
        // Distribution lists and mail-enabled security groups are Exchange's; current and older text.
        400 if msg.contains("cannot update a mail-enabled security group")
            || msg.contains("originated within an external service") =>
        {
            TenantError::CannotUpdateMailEnabledGroup(detail)
        }
        _ if code == "Request_UnsupportedQuery" => TenantError::UnsupportedQuery(detail),
        _ if code == "Authorization_RequestDenied" => TenantError::Forbidden(detail),
        _ if code == "Request_ResourceNotFound" => TenantError::NotFound(detail),
        _ => TenantError::Other(detail),
    }
}

// ---------------------------------------------------------------- Exchange

/// Decodes an Exchange admin API error answer into a [`TenantError`], by exception type.
pub fn exchange_error(resp: &HttpResponse) -> TenantError {
    let parsed: Value = serde_json::from_str(&resp.body).unwrap_or(Value::Null);
    let err = parsed.get("error").unwrap_or(&Value::Null);
    let inner = err
        .get("innererror")
        .or_else(|| err.get("innerError"))
        .unwrap_or(&Value::Null);
    let code = str_at(err, &["code"]).unwrap_or_default().to_owned();
    let outer_message = str_at(err, &["message"]).unwrap_or_default().to_owned();

    // The specific exception hides in details[].message (JSON or pipe form); the outer message is
    // usually the generic "Error executing cmdlet", but the older form sometimes puts the pipe text
    // there.
    let mut found: Option<(String, String)> = None;
    if let Some(details) = err.get("details").and_then(Value::as_array) {
        found = details
            .iter()
            .filter_map(|d| d.get("message").and_then(Value::as_str))
            .find_map(parse_exchange_message);
    }
    if found.is_none() {
        found = parse_exchange_message(&outer_message);
    }
    let (exception_type, message) = match found {
        Some((t, m)) => (Some(t), m),
        None => (None, outer_message),
    };
    let detail = ErrorDetail {
        status: resp.status,
        code,
        message,
        exception_type,
        request_id: str_at(inner, &["request-id", "requestId"])
            .or_else(|| resp.header("request-id"))
            .or_else(|| resp.header("x-ms-request-id"))
            .map(str::to_owned),
        date: str_at(inner, &["date"]).map(str::to_owned),
    };
    let retry_after = parse_retry_after(resp.header("Retry-After"));
    classify_exchange(detail, retry_after)
}

/// `{"Message":…,"TypeName":…}` or `ExXXXXXX|Type|Message` → (type, message).
fn parse_exchange_message(text: &str) -> Option<(String, String)> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
            if let Some(t) = str_at(&v, &["TypeName", "typeName"]) {
                let m = str_at(&v, &["Message", "message"]).unwrap_or_default();
                return Some((t.to_owned(), m.to_owned()));
            }
        }
        return None;
    }
    let mut parts = trimmed.splitn(3, '|');
    let (_code, t, m) = (parts.next()?, parts.next()?, parts.next()?);
    if t.ends_with("Exception") && !t.contains(' ') {
        Some((t.to_owned(), m.to_owned()))
    } else {
        None
    }
}

fn classify_exchange(detail: ErrorDetail, retry_after: Option<Duration>) -> TenantError {
    let status = detail.status;
    let ty = detail
        .exception_type
        .as_deref()
        .map(short_type)
        .unwrap_or_default()
        .to_owned();
    let detail = Box::new(detail);
    // Status first where it alone decides; then the exception type; then status again.
    match status {
        429 => {
            return TenantError::Throttled {
                retry_after,
                detail,
            }
        }
        502..=504 => {
            return TenantError::Unavailable {
                retry_after,
                detail,
            }
        }
        401 => return TenantError::Unauthorized(detail),
        _ => {}
    }
    match ty.as_str() {
        "MemberAlreadyExistsException" => return TenantError::AlreadyMember(detail),
        "MemberNotFoundException" => return TenantError::NotMember(detail),
        "ManagementObjectNotFoundException"
        | "ADNoSuchObjectException"
        | "RecipientNotFoundException" => return TenantError::NotFound(detail),
        "ADObjectAlreadyExistsException"
        | "ProxyAddressExistsException"
        | "ManagementObjectAlreadyExistsException"
        | "WLCDManagedMemberExistsException" => return TenantError::AlreadyExists(detail),
        "ManagementObjectAmbiguousException" => return TenantError::Ambiguous(detail),
        "CmdletAccessDeniedException"
        | "OperationRequiresGroupManagerException"
        | "UnauthorizedAccessException" => return TenantError::Forbidden(detail),
        "CommandNotFoundException"
        | "ParameterBindingException"
        | "ParameterBindingValidationException" => return TenantError::UnknownCommand(detail),
        _ => {}
    }
    match status {
        403 => TenantError::Forbidden(detail),
        404 => TenantError::NotFound(detail),
        _ => TenantError::Other(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    mod path {
        //! [`json_path_at`] against serde_path_to_error (a dev-dependency, the crate the
        //! decoders used before): same path and message for the same broken answers.
        use super::*;
        use serde::Deserialize;

        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        #[serde(rename_all = "camelCase")]
        struct Group {
            id: String,
            mail_enabled: bool,
            #[serde(default)]
            group_types: Vec<String>,
            owner: Option<Owner>,
        }

        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Owner {
            id: String,
            #[serde(rename = "display name")]
            name: Option<String>,
        }

        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Page {
            value: Vec<Group>,
            #[serde(rename = "@odata.nextLink")]
            next: Option<String>,
        }

        fn reference<T: DeserializeOwned + fmt::Debug>(body: &str) -> (String, String) {
            let de = &mut serde_json::Deserializer::from_str(body);
            let e = serde_path_to_error::deserialize::<_, T>(de).unwrap_err();
            (e.path().to_string(), e.inner().to_string())
        }

        fn decoded<T: DeserializeOwned + fmt::Debug>(body: &str) -> (String, String) {
            match decode_json::<T>("test", body).unwrap_err() {
                TenantError::Decode { path, message, .. } => (path, message),
                other => panic!("{other:?}"),
            }
        }

        fn from_value<T: DeserializeOwned + fmt::Debug>(body: &str) -> (String, String) {
            let value: Value = serde_json::from_str(body).unwrap();
            match decode_value::<T>("test", value).unwrap_err() {
                TenantError::Decode { path, message, .. } => (path, message),
                other => panic!("{other:?}"),
            }
        }

        fn value_reference<T: DeserializeOwned + fmt::Debug>(body: &str) -> (String, String) {
            let value: Value = serde_json::from_str(body).unwrap();
            let e = serde_path_to_error::deserialize::<_, T>(value).unwrap_err();
            (e.path().to_string(), e.inner().to_string())
        }

        const PAGES: &[&str] = &[
            r#"{"value":[{"id":"g1","mailEnabled":"yes"}]}"#,
            r#"{"value":[{"id":"g1","mailEnabled":true},{"id":2,"mailEnabled":true}]}"#,
            r#"{"value":[{"id":"g1"}]}"#,
            r#"{"value":[{"id":"g1","mailEnabled":true,"groupTypes":["Unified",7]}]}"#,
            r#"{"value":[{"id":"g1","mailEnabled":true,"owner":{"display name":5,"id":"o"}}]}"#,
            r#"{"value":[{"id":"g1","mailEnabled":true,"owner":{"display name":"x"}}]}"#,
            r#"{"value":[{"id":"g\"1","mail\u0045nabled":1}]}"#,
            r#"{"value":{"id":"g1"}}"#,
            r#"{"@odata.nextLink":3,"value":[]}"#,
            r#"{"value":[]"#,
            r#"[]"#,
            r#"{"value":[{"id":"g1","mailEnabled":true}"#,
            r#"{"value":[{"id":"g1","mailEnabled":true"#,
            r#"{"value":[{"id":"g1","#,
            r#"{"value":[{"#,
            r#"{"value":["#,
            r#"{"value":[{"id":"g1","mailEnabled":true}] x"#,
            r#"{"value":[{"id":"g1","mailEnabled":tru}]}"#,
            r#"{"value":[[1]]}"#,
            r#"{"value":[{"id":"ééé, ü","mailEnabled":"ja"}]}"#,
            r#"{"value":[{"id":"x","mailEnabled":false,"groupTypes":[],"owner":{"id":"o","display name":["n"]}}]}"#,
            r#"{"value":[{"id":"x","mailEnabled":false}],"@odata.nextLink":{"a":1}}"#,
            "{\n  \"value\": [\n    {\"id\": \"g1\",\n     \"mailEnabled\": null}\n  ]\n}",
        ];

        #[test]
        fn text_paths_and_messages_match_serde_path_to_error() {
            for body in PAGES {
                assert_eq!(decoded::<Page>(body), reference::<Page>(body), "{body}");
            }
        }

        #[test]
        fn value_paths_and_messages_match_serde_path_to_error() {
            for body in PAGES
                .iter()
                .filter(|b| serde_json::from_str::<Value>(b).is_ok())
            {
                assert_eq!(
                    from_value::<Page>(body),
                    value_reference::<Page>(body),
                    "{body}"
                );
            }
        }

        #[test]
        fn paths_name_the_field() {
            assert_eq!(decoded::<Page>(PAGES[0]).0, "value[0].mailEnabled");
            assert_eq!(decoded::<Page>(PAGES[3]).0, "value[0].groupTypes[1]");
            assert_eq!(
                from_value::<Page>(PAGES[4]).0,
                "value[0].owner.display name"
            );
        }
    }

    #[test]
    fn pipe_form_is_split_into_type_and_message() {
        let (t, m) = parse_exchange_message(
            "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'x' couldn't be found on 'AM0PR01A001DC01.EURPR01A001.prod.outlook.com'.",
        )
        .expect("pipe form");
        assert_eq!(
            t,
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
        );
        assert!(m.starts_with("The operation couldn't be performed"));
    }

    #[test]
    fn plain_text_with_pipes_is_not_taken_for_an_exception() {
        assert_eq!(parse_exchange_message("a | b | c"), None);
        assert_eq!(parse_exchange_message("Error executing cmdlet"), None);
    }

    #[test]
    fn retry_after_takes_seconds_only() {
        assert_eq!(parse_retry_after(Some(" 3 ")), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
        assert_eq!(parse_retry_after(None), None);
    }
}

//! Runtime configuration: `config.json` next to `index.html`.
//!
//! The same build is deployed anywhere by editing this one file, so nothing here is baked in at
//! compile time except Microsoft's public endpoints as defaults. Parsing and validation are pure
//! functions (tested natively); fetching lives in [`load`] and only runs in the browser.
//!
//! Keys are camelCase exactly as written below; the simulated tenant generates this file for the
//! demo, so the names are a contract.

use serde::Deserialize;
use thiserror::Error;

/// Default sign-in authority (Microsoft Entra ID, worldwide cloud).
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
/// Default Microsoft Graph endpoint.
pub const DEFAULT_GRAPH_BASE_URL: &str = "https://graph.microsoft.com";
/// Default Exchange Online endpoint (admin REST behind the ExchangeOnlineManagement module).
pub const DEFAULT_EXCHANGE_BASE_URL: &str = "https://outlook.office365.com";
/// Default attribute number for a person's "access until" date: a guest's
/// `onPremisesExtensionAttributes.extensionAttribute15`, a mail contact's `CustomAttribute15`
/// (`accessUntilAttribute` in `config.json`, 1 to 15).
pub const DEFAULT_ACCESS_UNTIL_ATTRIBUTE: u8 = 15;
/// Where the app looks for its configuration, relative to the document's base URL.
pub const CONFIG_PATH: &str = "config.json";

/// Shown on the error page: a complete, valid file an admin can start from, with this site's
/// own address as the redirect URI (the value they will register in Entra).
pub fn example_config(redirect_uri: &str) -> String {
    // serde_json quotes and escapes the address; it comes from the page URL.
    let redirect = serde_json::Value::from(redirect_uri);
    format!(
        r#"{{
  "clientId": "00000000-0000-0000-0000-000000000000",
  "tenantId": "contoso.onmicrosoft.com",
  "authority": "{DEFAULT_AUTHORITY}",
  "redirectUri": {redirect},
  "graphBaseUrl": "{DEFAULT_GRAPH_BASE_URL}",
  "exchangeBaseUrl": "{DEFAULT_EXCHANGE_BASE_URL}"
}}"#
    )
}

/// A validated configuration. URLs carry no trailing slash except `redirect_uri`, which is kept
/// exactly as it must be registered in Entra.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Application (client) ID of the app registration, a GUID.
    pub client_id: String,
    pub tenant: Tenant,
    /// Authority host without tenant, e.g. `https://login.microsoftonline.com`.
    pub authority: String,
    pub redirect_uri: String,
    pub graph_base_url: String,
    pub exchange_base_url: String,
    /// Which of the 15 extension / custom attributes holds "access until" (1 to 15).
    pub access_until_attribute: u8,
}

impl Config {
    /// The full authority MSAL signs in against: authority host + tenant.
    pub fn authority_url(&self) -> String {
        format!("{}/{}", self.authority, self.tenant.as_str())
    }
}

/// Which directory the admin signs in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenant {
    /// Directory (tenant) ID, a GUID, lower-cased.
    Id(String),
    /// A verified domain of the tenant, e.g. `contoso.onmicrosoft.com`, lower-cased.
    Domain(String),
    /// Any work or school account; the tenant is learned from the signed-in account.
    Organizations,
}

impl Tenant {
    pub fn as_str(&self) -> &str {
        match self {
            Tenant::Id(s) | Tenant::Domain(s) => s,
            Tenant::Organizations => "organizations",
        }
    }
}

/// Configuration keys, for error messages that name the key at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKey {
    Authority,
    RedirectUri,
    GraphBaseUrl,
    ExchangeBaseUrl,
}

impl ConfigKey {
    /// The key as written in `config.json`.
    pub fn json_name(self) -> &'static str {
        match self {
            ConfigKey::Authority => "authority",
            ConfigKey::RedirectUri => "redirectUri",
            ConfigKey::GraphBaseUrl => "graphBaseUrl",
            ConfigKey::ExchangeBaseUrl => "exchangeBaseUrl",
        }
    }
}

/// What is wrong with a URL in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlProblem {
    /// Not of the form `https://host[/path]`.
    NotAbsolute,
    /// `http://` to anything but this machine: tokens would travel in clear text.
    NotHttps,
    /// Spaces or control characters.
    Whitespace,
    /// `user:password@` in the URL.
    Credentials,
    /// A `?query` or `#fragment` where only a base URL makes sense (or a fragment in a
    /// redirect URI, which OAuth forbids).
    QueryOrFragment,
}

/// Why the app cannot start. The `Display` text is English, for logs; the page shows the
/// translated text from [`crate::i18n`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("config.json was not found next to index.html (HTTP 404)")]
    NotFound,
    #[error("config.json could not be fetched: HTTP {status}")]
    Http { status: u16 },
    #[error("config.json could not be fetched: {detail}")]
    Network { detail: String },
    #[error("config.json returned an HTML page instead of JSON")]
    Html,
    #[error("config.json is not valid JSON: {detail} (line {line}, column {column})")]
    Syntax {
        line: usize,
        column: usize,
        detail: String,
    },
    #[error("config.json has a value of the wrong kind: {detail} (line {line}, column {column})")]
    Shape {
        line: usize,
        column: usize,
        detail: String,
    },
    #[error("clientId is missing")]
    MissingClientId,
    #[error("clientId {value:?} is not a GUID")]
    ClientIdNotGuid { value: String },
    #[error("tenantId is missing")]
    MissingTenant,
    #[error("tenantId {value:?} is neither a GUID, a domain name nor \"organizations\"")]
    InvalidTenant { value: String },
    #[error("accessUntilAttribute {value:?} is not a number from 1 to 15")]
    BadAttribute { value: String },
    #[error("{} {value:?} is not a usable URL: {problem:?}", key.json_name())]
    BadUrl {
        key: ConfigKey,
        value: String,
        problem: UrlProblem,
    },
}

/// The file as written; every key optional so that we can say precisely which one is missing.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConfig {
    client_id: Option<String>,
    tenant_id: Option<String>,
    authority: Option<String>,
    redirect_uri: Option<String>,
    graph_base_url: Option<String>,
    exchange_base_url: Option<String>,
    /// A number, or a number in quotes: kept as written (not as a `serde_json::Value`, whose
    /// map and printer would otherwise be in the first load for this one key).
    access_until_attribute: Option<Box<serde_json::value::RawValue>>,
}

/// Parses and validates the text of `config.json`.
///
/// `default_redirect_uri` is used when the file has no `redirectUri`: the app passes MSAL 5's
/// redirect bridge page next to index.html (e.g. `https://guestlist.contoso.com/redirect.html`,
/// see `ui::browser::default_redirect_uri`).
/// Empty strings count as absent, so a template with blanks falls back to the defaults.
pub fn parse(text: &str, default_redirect_uri: &str) -> Result<Config, ConfigError> {
    // Static hosts often answer a missing file with the app's index.html (SPA fallback);
    // "expected value at line 1 column 1" would hide that.
    if text.trim_start().starts_with('<') {
        return Err(ConfigError::Html);
    }
    let raw: RawConfig = serde_json::from_str(text).map_err(json_error)?;

    let client_id = present(raw.client_id).ok_or(ConfigError::MissingClientId)?;
    if !is_guid(&client_id) {
        return Err(ConfigError::ClientIdNotGuid { value: client_id });
    }
    let tenant = parse_tenant(&present(raw.tenant_id).ok_or(ConfigError::MissingTenant)?)?;

    let base = |key: ConfigKey, value: Option<String>, default: &str| {
        let value = present(value).unwrap_or_else(|| default.to_owned());
        check_url(key, &value, false).map(|()| value.trim_end_matches('/').to_owned())
    };
    let authority = base(ConfigKey::Authority, raw.authority, DEFAULT_AUTHORITY)?;
    let graph_base_url = base(
        ConfigKey::GraphBaseUrl,
        raw.graph_base_url,
        DEFAULT_GRAPH_BASE_URL,
    )?;
    let exchange_base_url = base(
        ConfigKey::ExchangeBaseUrl,
        raw.exchange_base_url,
        DEFAULT_EXCHANGE_BASE_URL,
    )?;
    let access_until_attribute = attribute(raw.access_until_attribute)?;
    let redirect_uri = present(raw.redirect_uri).unwrap_or_else(|| default_redirect_uri.to_owned());
    check_url(ConfigKey::RedirectUri, &redirect_uri, true)?;

    Ok(Config {
        client_id: client_id.to_ascii_lowercase(),
        tenant,
        authority,
        redirect_uri,
        graph_base_url,
        exchange_base_url,
        access_until_attribute,
    })
}

/// `accessUntilAttribute`: absent, null or empty is the default; otherwise 1 to 15, as a number
/// or in quotes.
fn attribute(value: Option<Box<serde_json::value::RawValue>>) -> Result<u8, ConfigError> {
    // Absent and null are both `None` (serde's `Option`).
    let raw = value.as_deref().map_or("", |v| v.get());
    let text = if raw.starts_with('"') {
        // A JSON string: what it says, escapes resolved.
        serde_json::from_str::<String>(raw).map_err(json_error)?
    } else {
        raw.to_owned()
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(DEFAULT_ACCESS_UNTIL_ATTRIBUTE);
    }
    text.parse::<u8>()
        .ok()
        .filter(|n| (1..=15).contains(n))
        .ok_or_else(|| ConfigError::BadAttribute {
            value: text.to_owned(),
        })
}

/// Maps the HTTP outcome of fetching `config.json` to the text to parse or the error to show.
pub fn check_status(status: u16) -> Result<(), ConfigError> {
    match status {
        200..=299 => Ok(()),
        404 => Err(ConfigError::NotFound),
        status => Err(ConfigError::Http { status }),
    }
}

fn present(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn json_error(e: serde_json::Error) -> ConfigError {
    let (line, column) = (e.line(), e.column());
    // serde_json's Display appends " at line L column C"; we show the position separately.
    let full = e.to_string();
    let suffix = format!(" at line {line} column {column}");
    let detail = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    match e.classify() {
        serde_json::error::Category::Data => ConfigError::Shape {
            line,
            column,
            detail,
        },
        _ => ConfigError::Syntax {
            line,
            column,
            detail,
        },
    }
}

/// `8-4-4-4-12` hexadecimal digits, as Entra shows application and directory IDs.
pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn parse_tenant(value: &str) -> Result<Tenant, ConfigError> {
    let lower = value.to_ascii_lowercase();
    if is_guid(&lower) {
        Ok(Tenant::Id(lower))
    } else if lower == "organizations" {
        Ok(Tenant::Organizations)
    } else if is_domain(&lower) {
        Ok(Tenant::Domain(lower))
    } else {
        // "common" and "consumers" also admit personal Microsoft accounts, which can never
        // administer a tenant, so they are refused here rather than at sign-in.
        Err(ConfigError::InvalidTenant {
            value: value.to_owned(),
        })
    }
}

/// At least two dot-separated labels of letters, digits and inner hyphens (RFC 1123 host
/// names), the last one alphabetic, as every verified Microsoft 365 domain is.
fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && s.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// A small absolute-URL check. The `url` crate would add tens of kilobytes of wasm for the
/// same verdict on the handful of shapes an admin writes here.
fn check_url(key: ConfigKey, value: &str, redirect: bool) -> Result<(), ConfigError> {
    let fail = |problem| ConfigError::BadUrl {
        key,
        value: value.to_owned(),
        problem,
    };
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(fail(UrlProblem::Whitespace));
    }
    let lower = value.to_ascii_lowercase();
    let (secure, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(fail(UrlProblem::NotAbsolute));
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    if authority.contains('@') {
        return Err(fail(UrlProblem::Credentials));
    }
    let host = host_of(authority).ok_or_else(|| fail(UrlProblem::NotAbsolute))?;
    if !secure && !is_loopback(host) {
        return Err(fail(UrlProblem::NotHttps));
    }
    let tail = &rest[authority_end..];
    let forbidden: &[char] = if redirect { &['#'] } else { &['?', '#'] };
    if tail.contains(forbidden) {
        return Err(fail(UrlProblem::QueryOrFragment));
    }
    Ok(())
}

/// Host part of `host[:port]` or `[v6]:port`; `None` when empty or the port is not a number.
fn host_of(authority: &str) -> Option<&str> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let end = v6.find(']')?;
        let port = v6[end + 1..].strip_prefix(':');
        if port.is_none() && end + 1 != v6.len() {
            return None;
        }
        (&authority[..end + 2], port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'));
    (port_ok && host_ok).then_some(host)
}

/// Plain HTTP is accepted only to this machine (the simulated tenant in the demo).
fn is_loopback(host: &str) -> bool {
    let octets: Vec<&str> = host.split('.').collect();
    host == "localhost"
        || host == "[::1]"
        || (octets.len() == 4
            && octets[0] == "127"
            && octets.iter().all(|o| o.parse::<u8>().is_ok()))
}

/// Fetches and validates `config.json`. Browser only: it compiles natively (so the UI can be
/// type-checked and linted there) but needs `fetch` at run time.
pub async fn load(default_redirect_uri: &str) -> Result<Config, ConfigError> {
    use gloo_net::http::Request;
    use web_sys::RequestCache;

    let network = |e: gloo_net::Error| ConfigError::Network {
        detail: e.to_string(),
    };
    // An admin edits the file and reloads: never take it from the HTTP cache.
    let response = Request::get(CONFIG_PATH)
        .cache(RequestCache::NoCache)
        .send()
        .await
        .map_err(network)?;
    check_status(response.status())?;
    let text = response.text().await.map_err(network)?;
    parse(&text, default_redirect_uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUID: &str = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b";
    const ORIGIN: &str = "https://guestlist.example.org/";

    fn with(extra: &str) -> String {
        format!(r#"{{"clientId":"{GUID}","tenantId":"contoso.onmicrosoft.com"{extra}}}"#)
    }

    #[test]
    fn minimal_file_gets_microsoft_defaults_and_own_origin() {
        let c = parse(&with(""), ORIGIN).unwrap();
        assert_eq!(c.client_id, GUID);
        assert_eq!(c.tenant, Tenant::Domain("contoso.onmicrosoft.com".into()));
        assert_eq!(c.authority, DEFAULT_AUTHORITY);
        assert_eq!(c.graph_base_url, DEFAULT_GRAPH_BASE_URL);
        assert_eq!(c.exchange_base_url, DEFAULT_EXCHANGE_BASE_URL);
        assert_eq!(c.redirect_uri, ORIGIN);
        assert_eq!(c.access_until_attribute, DEFAULT_ACCESS_UNTIL_ATTRIBUTE);
        assert_eq!(
            c.authority_url(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com"
        );
    }

    #[test]
    fn the_access_until_attribute_is_a_number_from_1_to_15() {
        for (extra, want) in [
            (r#","accessUntilAttribute":3"#, 3),
            (r#","accessUntilAttribute":"12""#, 12),
            (r#","accessUntilAttribute":" 7 ""#, 7),
            (r#","accessUntilAttribute":"\u0039""#, 9),
            (
                r#","accessUntilAttribute":" ""#,
                DEFAULT_ACCESS_UNTIL_ATTRIBUTE,
            ),
            (
                r#","accessUntilAttribute":null"#,
                DEFAULT_ACCESS_UNTIL_ATTRIBUTE,
            ),
        ] {
            assert_eq!(
                parse(&with(extra), ORIGIN).unwrap().access_until_attribute,
                want,
                "{extra}"
            );
        }
        for (extra, value) in [
            (r#","accessUntilAttribute":0"#, "0"),
            (r#","accessUntilAttribute":16"#, "16"),
            (
                r#","accessUntilAttribute":"extensionAttribute3""#,
                "extensionAttribute3",
            ),
            (r#","accessUntilAttribute":2.5"#, "2.5"),
            (r#","accessUntilAttribute":true"#, "true"),
            (r#","accessUntilAttribute":[3]"#, "[3]"),
        ] {
            assert_eq!(
                parse(&with(extra), ORIGIN),
                Err(ConfigError::BadAttribute {
                    value: value.into()
                }),
                "{extra}"
            );
        }
    }

    #[test]
    fn example_config_is_valid_and_names_this_site() {
        let c = parse(&example_config("https://app.contoso.com/gl/"), ORIGIN).unwrap();
        assert_eq!(c.redirect_uri, "https://app.contoso.com/gl/");
        assert_eq!(c.authority, DEFAULT_AUTHORITY);
        let odd = example_config("http://localhost:8080/\"a");
        assert!(
            serde_json::from_str::<serde_json::Value>(&odd).is_ok(),
            "{odd}"
        );
    }

    #[test]
    fn given_values_win_and_base_urls_lose_trailing_slash() {
        let c = parse(
            &with(
                r#","authority":"http://127.0.0.1:8443/","redirectUri":"http://localhost:8080/app/",
                "graphBaseUrl":"http://127.0.0.1:8443/graph/","exchangeBaseUrl":"https://gw.contoso.com/exo""#,
            ),
            ORIGIN,
        )
        .unwrap();
        assert_eq!(c.authority, "http://127.0.0.1:8443");
        assert_eq!(c.redirect_uri, "http://localhost:8080/app/");
        assert_eq!(c.graph_base_url, "http://127.0.0.1:8443/graph");
        assert_eq!(c.exchange_base_url, "https://gw.contoso.com/exo");
    }

    #[test]
    fn empty_strings_and_nulls_fall_back_to_defaults() {
        let c = parse(&with(r#","authority":"","graphBaseUrl":null"#), ORIGIN).unwrap();
        assert_eq!(c.authority, DEFAULT_AUTHORITY);
        assert_eq!(c.graph_base_url, DEFAULT_GRAPH_BASE_URL);
    }

    #[test]
    fn unknown_keys_are_ignored() {
        assert!(parse(&with(r#","comment":"made by the demo""#), ORIGIN).is_ok());
    }

    #[test]
    fn missing_file_and_http_errors() {
        assert_eq!(check_status(404), Err(ConfigError::NotFound));
        assert_eq!(check_status(500), Err(ConfigError::Http { status: 500 }));
        assert_eq!(check_status(200), Ok(()));
    }

    #[test]
    fn html_instead_of_json_is_named() {
        assert_eq!(
            parse("\n<!DOCTYPE html><html></html>", ORIGIN),
            Err(ConfigError::Html)
        );
    }

    #[test]
    fn invalid_json_reports_line_and_column() {
        let text = "{\n  \"clientId\": \"x\",\n  \"tenantId\": \"y\" oops\n}";
        match parse(text, ORIGIN) {
            Err(ConfigError::Syntax {
                line,
                column,
                detail,
            }) => {
                assert_eq!((line, column), (3, 19));
                assert!(!detail.contains("at line"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("", ORIGIN),
            Err(ConfigError::Syntax { line: 1, .. })
        ));
    }

    #[test]
    fn wrong_kinds_are_shape_errors() {
        match parse("{\"clientId\": 42}", ORIGIN) {
            Err(ConfigError::Shape { line, column, .. }) => assert_eq!((line, column), (1, 15)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("[]", ORIGIN),
            Err(ConfigError::Shape { .. })
        ));
    }

    #[test]
    fn client_id_is_required_and_a_guid() {
        assert_eq!(
            parse(r#"{"tenantId":"organizations"}"#, ORIGIN),
            Err(ConfigError::MissingClientId)
        );
        assert_eq!(
            parse(r#"{"clientId":"  ","tenantId":"organizations"}"#, ORIGIN),
            Err(ConfigError::MissingClientId)
        );
        for bad in [
            "my-app",
            "6f1d2c3b4a5e4f608a7b9c0d1e2f3a4b",
            "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4",
            "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4g",
            "{6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b}",
        ] {
            let text = format!(r#"{{"clientId":"{bad}","tenantId":"organizations"}}"#);
            assert_eq!(
                parse(&text, ORIGIN),
                Err(ConfigError::ClientIdNotGuid { value: bad.into() }),
                "{bad}"
            );
        }
        let upper = format!(
            r#"{{"clientId":"{}","tenantId":"organizations"}}"#,
            GUID.to_uppercase()
        );
        assert_eq!(parse(&upper, ORIGIN).unwrap().client_id, GUID);
    }

    #[test]
    fn tenant_forms() {
        let tenant = |t: &str| {
            parse(
                &format!(r#"{{"clientId":"{GUID}","tenantId":"{t}"}}"#),
                ORIGIN,
            )
            .map(|c| c.tenant)
        };
        assert_eq!(
            tenant("72F988BF-86F1-41AF-91AB-2D7CD011DB47"),
            Ok(Tenant::Id("72f988bf-86f1-41af-91ab-2d7cd011db47".into()))
        );
        assert_eq!(
            tenant("Contoso.OnMicrosoft.com"),
            Ok(Tenant::Domain("contoso.onmicrosoft.com".into()))
        );
        assert_eq!(tenant("organizations"), Ok(Tenant::Organizations));
        for bad in [
            "common",
            "consumers",
            "contoso",
            "-x.com",
            "a..b",
            "x.c0m",
            "x y.com",
        ] {
            assert_eq!(
                tenant(bad),
                Err(ConfigError::InvalidTenant { value: bad.into() }),
                "{bad}"
            );
        }
        assert_eq!(
            parse(&format!(r#"{{"clientId":"{GUID}"}}"#), ORIGIN),
            Err(ConfigError::MissingTenant)
        );
    }

    #[test]
    fn bad_urls_name_key_and_problem() {
        let problem = |key: &str, value: &str| match parse(
            &with(&format!(r#","{key}":"{value}""#)),
            ORIGIN,
        ) {
            Err(ConfigError::BadUrl {
                key: k,
                value: v,
                problem,
            }) => {
                assert_eq!((k.json_name(), v.as_str()), (key, value));
                problem
            }
            other => panic!("{key}={value}: {other:?}"),
        };
        assert_eq!(
            problem("graphBaseUrl", "graph.microsoft.com"),
            UrlProblem::NotAbsolute
        );
        assert_eq!(
            problem("graphBaseUrl", "ftp://graph.microsoft.com"),
            UrlProblem::NotAbsolute
        );
        assert_eq!(problem("graphBaseUrl", "https://"), UrlProblem::NotAbsolute);
        assert_eq!(
            problem("graphBaseUrl", "https://host:port"),
            UrlProblem::NotAbsolute
        );
        assert_eq!(
            problem("authority", "http://login.microsoftonline.com"),
            UrlProblem::NotHttps
        );
        assert_eq!(
            problem("exchangeBaseUrl", "https://out look.com"),
            UrlProblem::Whitespace
        );
        assert_eq!(
            problem("exchangeBaseUrl", "https://u:p@gw.contoso.com"),
            UrlProblem::Credentials
        );
        assert_eq!(
            problem("graphBaseUrl", "https://graph.microsoft.com/?x=1"),
            UrlProblem::QueryOrFragment
        );
        assert_eq!(
            problem("redirectUri", "https://app.contoso.com/#x"),
            UrlProblem::QueryOrFragment
        );
        assert_eq!(problem("redirectUri", "/relative"), UrlProblem::NotAbsolute);
    }

    #[test]
    fn loopback_may_use_http() {
        for url in [
            "http://localhost:3000",
            "http://127.0.0.1",
            "http://[::1]:8080/x",
        ] {
            let c = parse(&with(&format!(r#","graphBaseUrl":"{url}""#)), ORIGIN).unwrap();
            assert_eq!(c.graph_base_url, url);
        }
        assert_eq!(
            parse(
                &with(r#","graphBaseUrl":"http://127.0.0.1.evil.com""#),
                ORIGIN
            )
            .ok()
            .map(|c| c.graph_base_url),
            None
        );
    }

    #[test]
    fn redirect_uri_may_carry_a_query() {
        let c = parse(
            &with(r#","redirectUri":"https://app.contoso.com/?x=1""#),
            ORIGIN,
        )
        .unwrap();
        assert_eq!(c.redirect_uri, "https://app.contoso.com/?x=1");
    }
}

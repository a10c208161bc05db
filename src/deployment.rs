//! The About page's deployment check, its decisions: pure, tested natively. The page
//! (`ui::pages::about`) fetches what is checked and words each [`Line`].
//!
//! What is checked, and why:
//! - `config.json` is found and valid (read again, not from the HTTP cache: an admin edits it
//!   while the page is open);
//! - `redirectUri` is on this site's origin: MSAL's redirect bridge hands the answer to the app
//!   through `sessionStorage` and a `BroadcastChannel`, both per origin;
//! - `redirect.html` is served (the redirect bridge page; a host that answers every unknown path
//!   with `index.html` would hide its absence behind a 200);
//! - the `.wasm` files are served as `application/wasm` (`WebAssembly.instantiateStreaming`
//!   refuses anything else);
//! - the Content-Security-Policy (the `<meta>` in index.html and any header the host adds: a
//!   request must pass every policy) lets through the endpoints of `config.json`: the authority,
//!   Graph and Exchange in `connect-src`, the authority in `frame-src` (silent renewal in a
//!   hidden iframe). Source matching follows CSP Level 3 §6.7.2
//!   (<https://www.w3.org/TR/CSP3/#match-url-to-source-expression>), for the source kinds a
//!   policy for these endpoints uses: `*`, `'self'`, scheme sources and host sources with
//!   wildcard hosts, ports and paths; `'none'` and keywords allow nothing else.
//! - after sign-in, the permissions granted and missing, and whether Exchange answered (the mode
//!   probe's report, `crate::probe`).

use std::collections::BTreeMap;

/// One parsed policy: directive name (lower case) → its source list.
pub type Policy = BTreeMap<String, Vec<String>>;

/// Parses a policy (`default-src 'self'; connect-src https://a`). A later duplicate directive is
/// ignored, as browsers do. Several policies in one header (comma-separated) are split by
/// [`parse_policies`].
pub fn parse_policy(text: &str) -> Policy {
    let mut policy = Policy::new();
    for directive in text.split(';') {
        let mut parts = directive.split_ascii_whitespace();
        let Some(name) = parts.next() else { continue };
        policy
            .entry(name.to_ascii_lowercase())
            .or_insert_with(|| parts.map(str::to_owned).collect());
    }
    policy
}

/// The policies of a `Content-Security-Policy` header value (a comma separates policies).
pub fn parse_policies(header: &str) -> Vec<Policy> {
    header
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(parse_policy)
        .collect()
}

/// A URL's parts as CSP matching needs them.
#[derive(Debug, PartialEq, Eq)]
struct Parts<'a> {
    scheme: String,
    host: String,
    port: Option<u16>,
    path: &'a str,
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "https" | "wss" => Some(443),
        "http" | "ws" => Some(80),
        _ => None,
    }
}

fn parts(url: &str) -> Option<Parts<'_>> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => match p.parse() {
            Ok(p) => (h, Some(p)),
            // `[::1]` splits inside the brackets: no port.
            Err(_) => (authority, None),
        },
        None => (authority, None),
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    Some(Parts {
        scheme: scheme.to_ascii_lowercase(),
        host: host.to_ascii_lowercase(),
        port,
        path: if path.is_empty() { "/" } else { path },
    })
}

/// Whether `url` matches one source expression, for a page at `page_origin`.
fn matches_source(source: &str, url: &Parts, page: &Parts) -> bool {
    let s = source.to_ascii_lowercase();
    match s.as_str() {
        // `*` matches any network scheme (CSP3: http(s), ws(s) and the page's own scheme).
        "*" => matches!(url.scheme.as_str(), "http" | "https" | "ws" | "wss"),
        "'self'" => {
            let same_scheme =
                url.scheme == page.scheme || (page.scheme == "http" && url.scheme == "https");
            same_scheme
                && url.host == page.host
                && url.port.or(default_port(&url.scheme))
                    == page.port.or(default_port(&page.scheme))
        }
        _ if s.starts_with('\'') => false,
        _ if s.ends_with(':') && !s.contains('/') => {
            // Scheme source: `https:` also allows `wss:`; `http:` allows https too.
            let scheme = &s[..s.len() - 1];
            url.scheme == scheme
                || (scheme == "http" && url.scheme == "https")
                || (scheme == "ws" && matches!(url.scheme.as_str(), "wss" | "http" | "https"))
        }
        _ => host_source_matches(&s, url, page),
    }
}

fn host_source_matches(source: &str, url: &Parts, page: &Parts) -> bool {
    let (scheme, rest) = match source.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, source),
    };
    match scheme {
        Some(s) if s == url.scheme => {}
        Some("http") if url.scheme == "https" => {}
        Some("ws") if matches!(url.scheme.as_str(), "wss" | "http" | "https") => {}
        Some(_) => return false,
        // No scheme: the page's scheme, or its secure upgrade.
        None => {
            let ok = url.scheme == page.scheme || (page.scheme == "http" && url.scheme == "https");
            if !ok {
                return false;
            }
        }
    }
    let end = rest.find('/').unwrap_or(rest.len());
    let (host_port, path) = rest.split_at(end);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() => (h, Some(p)),
        _ => (host_port, None),
    };
    let host_ok = match host.strip_prefix("*.") {
        Some(suffix) => url.host.ends_with(&format!(".{suffix}")),
        None => host == "*" || host == url.host,
    };
    if !host_ok {
        return false;
    }
    let url_port = url.port.or(default_port(&url.scheme));
    let port_ok = match port {
        Some("*") => true,
        Some(p) => p.parse::<u16>().ok() == url_port,
        // No port: the scheme's default (and 443 for an upgraded http: source).
        None => {
            url_port == default_port(&url.scheme)
                || (scheme == Some("http") && url_port == Some(443))
        }
    };
    if !port_ok {
        return false;
    }
    if path.is_empty() || path == "/" {
        return true;
    }
    if path.ends_with('/') {
        url.path.starts_with(path)
    } else {
        url.path == path
    }
}

/// Whether `policy` lets `url` through `directive` (falling back to `default-src`; a policy
/// without either allows it).
pub fn allows(policy: &Policy, directive: &str, url: &str, page_url: &str) -> bool {
    let Some(sources) = policy.get(directive).or_else(|| policy.get("default-src")) else {
        return true;
    };
    let (Some(u), Some(page)) = (parts(url), parts(page_url)) else {
        return false;
    };
    sources.iter().any(|s| matches_source(s, &u, &page))
}

/// An endpoint of config.json a directive has to let through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The config.json key it comes from (`authority`, `graphBaseUrl`, `exchangeBaseUrl`).
    pub key: &'static str,
    pub url: String,
    pub directive: &'static str,
}

/// What the app connects to (and frames) with `config`.
pub fn endpoints(authority: &str, graph: &str, exchange: &str) -> Vec<Endpoint> {
    vec![
        Endpoint {
            key: "authority",
            url: authority.to_owned(),
            directive: "connect-src",
        },
        Endpoint {
            key: "graphBaseUrl",
            url: graph.to_owned(),
            directive: "connect-src",
        },
        Endpoint {
            key: "exchangeBaseUrl",
            url: exchange.to_owned(),
            directive: "connect-src",
        },
        // Silent renewal loads the authority in a hidden iframe.
        Endpoint {
            key: "authority",
            url: authority.to_owned(),
            directive: "frame-src",
        },
    ]
}

/// The endpoints some policy blocks.
pub fn blocked(policies: &[Policy], endpoints: &[Endpoint], page_url: &str) -> Vec<Endpoint> {
    endpoints
        .iter()
        .filter(|e| {
            !policies
                .iter()
                .all(|p| allows(p, e.directive, &e.url, page_url))
        })
        .cloned()
        .collect()
}

/// The origin to add to a policy for `url`: `scheme://host[:port]`.
pub fn source_for(url: &str) -> String {
    crate::i18n::signin::origin_of(url)
}

/// Whether a redirect URI is on the page's origin.
pub fn same_origin(a: &str, b: &str) -> bool {
    match (parts(a), parts(b)) {
        (Some(a), Some(b)) => {
            a.scheme == b.scheme
                && a.host == b.host
                && a.port.or(default_port(&a.scheme)) == b.port.or(default_port(&b.scheme))
        }
        _ => false,
    }
}

/// Whether a `Content-Type` is WebAssembly's (`application/wasm`, parameters allowed).
pub fn is_wasm_type(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/wasm"))
}

/// Whether a fetched `redirect.html` is Guestlist's redirect page (it loads MSAL's redirect
/// bridge), not a page a host answers unknown paths with.
pub fn is_redirect_page(html: &str) -> bool {
    html.contains("msal-redirect-bridge") && html.contains("redirect.js")
}

/// The outcome of one line of the check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    /// Not decided yet (being fetched), or needs a sign-in first.
    Pending,
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://guestlist.contoso.com/";

    /// index.html's own policy (as shipped).
    const SHIPPED: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' https://login.microsoftonline.com https://graph.microsoft.com https://outlook.office365.com; style-src 'self'; img-src 'self' data:; frame-src https://login.microsoftonline.com; base-uri 'self'; form-action 'self'; object-src 'none'";

    fn microsoft() -> Vec<Endpoint> {
        endpoints(
            "https://login.microsoftonline.com",
            "https://graph.microsoft.com",
            "https://outlook.office365.com",
        )
    }

    #[test]
    fn the_shipped_policy_lets_microsofts_endpoints_through() {
        let p = parse_policy(SHIPPED);
        assert!(blocked(&[p], &microsoft(), PAGE).is_empty());
    }

    #[test]
    fn an_endpoint_missing_from_connect_src_is_named() {
        let p = parse_policy(SHIPPED);
        let gateway = endpoints(
            "https://login.microsoftonline.com",
            "https://graph.microsoft.com",
            "https://exo-gateway.contoso.com",
        );
        let b = blocked(&[p], &gateway, PAGE);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].key, "exchangeBaseUrl");
        assert_eq!(b[0].directive, "connect-src");
        assert_eq!(source_for(&b[0].url), "https://exo-gateway.contoso.com");
    }

    #[test]
    fn every_policy_must_allow_and_default_src_is_the_fallback() {
        let meta = parse_policy(SHIPPED);
        // A header from the host that only allows 'self'.
        let header = parse_policies("default-src 'self'");
        let mut all = vec![meta];
        all.extend(header);
        let b = blocked(&all, &microsoft(), PAGE);
        assert_eq!(b.len(), 4, "{b:?}");
        // No policy at all lets everything through.
        assert!(blocked(&[], &microsoft(), PAGE).is_empty());
        // A policy without connect-src and default-src doesn't restrict connections.
        assert!(allows(
            &parse_policy("script-src 'self'"),
            "connect-src",
            "https://x.example",
            PAGE
        ));
    }

    #[test]
    fn source_expressions_match_as_csp_says() {
        let ok = |source: &str, url: &str| {
            allows(
                &parse_policy(&format!("connect-src {source}")),
                "connect-src",
                url,
                PAGE,
            )
        };
        assert!(ok("*", "https://graph.microsoft.com/v1.0"));
        assert!(ok("https:", "https://graph.microsoft.com"));
        assert!(!ok("https:", "http://127.0.0.1:8400"));
        assert!(ok("'self'", "https://guestlist.contoso.com/config.json"));
        assert!(!ok("'self'", "https://graph.microsoft.com"));
        assert!(ok("*.microsoft.com", "https://graph.microsoft.com"));
        assert!(!ok("*.microsoft.com", "https://microsoft.com"));
        assert!(ok(
            "graph.microsoft.com",
            "https://graph.microsoft.com/v1.0/me"
        ));
        assert!(!ok(
            "https://graph.microsoft.com:8443",
            "https://graph.microsoft.com"
        ));
        assert!(ok(
            "https://127.0.0.1:8443",
            "https://127.0.0.1:8443/b6a2/v2.0"
        ));
        assert!(!ok("https://127.0.0.1:8443", "https://127.0.0.1:9443"));
        assert!(ok("https://127.0.0.1:*", "https://127.0.0.1:9443"));
        assert!(ok("http://h.example", "https://h.example"));
        assert!(!ok("https://h.example", "http://h.example"));
        assert!(ok("https://h.example/api/", "https://h.example/api/x"));
        assert!(!ok("https://h.example/api", "https://h.example/api/x"));
        assert!(!ok("'none'", "https://graph.microsoft.com"));
        assert!(!ok("'unsafe-inline'", "https://graph.microsoft.com"));
        // Directive names are case-insensitive; hosts too.
        assert!(allows(
            &parse_policy("CONNECT-SRC https://Graph.Microsoft.com"),
            "connect-src",
            "https://graph.microsoft.com",
            PAGE
        ));
    }

    #[test]
    fn origins_content_types_and_the_redirect_page() {
        assert!(same_origin(
            "https://guestlist.contoso.com/redirect.html",
            "https://guestlist.contoso.com/"
        ));
        assert!(same_origin("https://h:443/r", "https://h/"));
        assert!(!same_origin("https://h:8443/r", "https://h/"));
        assert!(!same_origin("http://h/r", "https://h/"));
        assert!(!same_origin(
            "https://other.example/redirect.html",
            "https://h/"
        ));
        assert!(is_wasm_type("application/wasm"));
        assert!(is_wasm_type("Application/WASM; charset=binary"));
        assert!(!is_wasm_type("application/octet-stream"));
        assert!(!is_wasm_type(""));
        assert!(is_redirect_page(
            r#"<script defer src="msal-redirect-bridge.min.js"></script><script defer src="redirect.js"></script>"#
        ));
        assert!(!is_redirect_page(
            "<title>Guestlist</title><script src=boot.js>"
        ));
    }
}

//! The seams the clients are built on: how a request travels ([`Transport`]), where bearer tokens come
//! from ([`TokenSource`]) and how a retry waits ([`Sleeper`]). The browser and the native tests plug in
//! their own implementations; the clients never know which one they hold.
//!
//! Futures here are deliberately not `Send`: in the browser every request is a JS promise bound to the
//! page's single thread.
#![allow(async_fn_in_trait)]

use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// HTTP methods the clients use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request as the clients build it: already absolute, already authorised.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// Body text; its `Content-Type` is among `headers`.
    pub body: Option<String>,
}

impl HttpRequest {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// A JSON body, with its content type.
    pub fn json(mut self, body: &serde_json::Value) -> Self {
        self.headers
            .push(("Content-Type".into(), "application/json".into()));
        self.body = Some(body.to_string());
        self
    }

    /// First value of a header, names compared case-insensitively.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// A response as a transport hands it back: status, headers and the whole body as text.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    /// First value of a header, names compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

pub(crate) fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Why a request got no HTTP answer at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The connection failed or was dropped before a full answer arrived (also what a browser reports
    /// when CORS refuses the call: it can't tell the two apart).
    #[error("network error: {0}")]
    Network(String),
    /// The request was cancelled on purpose (its page went away).
    #[error("the request was cancelled")]
    Aborted,
    /// The request could not even be built (bad header value, bad URL).
    #[error("the request could not be built: {0}")]
    Invalid(String),
}

/// Sends one HTTP request.
pub trait Transport {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError>;
}

impl<T: Transport + ?Sized> Transport for &T {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        (**self).send(req).await
    }
}

impl<T: Transport + ?Sized> Transport for Rc<T> {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        (**self).send(req).await
    }
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        (**self).send(req).await
    }
}

/// The two resources Guestlist holds tokens for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    /// `https://graph.microsoft.com`
    Graph,
    /// `https://outlook.office365.com` (Exchange.Manage)
    Exchange,
}

/// Why no token could be had.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Silent acquisition is impossible: the admin has to sign in (or consent) again.
    #[error("sign-in required: {0}")]
    InteractionRequired(String),
    /// Anything else the token source reports (network, configuration).
    #[error("could not get a token: {0}")]
    Failed(String),
}

/// Hands out bearer tokens. `force_refresh` asks for a fresh one, bypassing any cache: the clients
/// use it exactly once after a 401.
pub trait TokenSource {
    async fn token(&self, resource: Resource, force_refresh: bool) -> Result<String, AuthError>;
}

impl<K: TokenSource + ?Sized> TokenSource for &K {
    async fn token(&self, resource: Resource, force_refresh: bool) -> Result<String, AuthError> {
        (**self).token(resource, force_refresh).await
    }
}

impl<K: TokenSource + ?Sized> TokenSource for Rc<K> {
    async fn token(&self, resource: Resource, force_refresh: bool) -> Result<String, AuthError> {
        (**self).token(resource, force_refresh).await
    }
}

impl<K: TokenSource + ?Sized> TokenSource for Arc<K> {
    async fn token(&self, resource: Resource, force_refresh: bool) -> Result<String, AuthError> {
        (**self).token(resource, force_refresh).await
    }
}

/// Waits. Real timers in the browser (`setTimeout`), tokio's in native tests, so retry waits are both
/// real and measurable. The sleeper also hands out the jitter that spreads backoff waits, since
/// randomness is a platform service too (`Math.random()` in the browser).
pub trait Sleeper {
    async fn sleep(&self, duration: Duration);

    /// A number in `[0, 1)` for jitter; not cryptographic.
    fn jitter(&self) -> f64 {
        super::retry::std_jitter()
    }
}

impl<S: Sleeper + ?Sized> Sleeper for &S {
    async fn sleep(&self, duration: Duration) {
        (**self).sleep(duration).await
    }

    fn jitter(&self) -> f64 {
        (**self).jitter()
    }
}

impl<S: Sleeper + ?Sized> Sleeper for Rc<S> {
    async fn sleep(&self, duration: Duration) {
        (**self).sleep(duration).await
    }

    fn jitter(&self) -> f64 {
        (**self).jitter()
    }
}

impl<S: Sleeper + ?Sized> Sleeper for Arc<S> {
    async fn sleep(&self, duration: Duration) {
        (**self).sleep(duration).await
    }

    fn jitter(&self) -> f64 {
        (**self).jitter()
    }
}

/// Percent-encodes a query value (everything but RFC 3986 unreserved characters).
pub fn encode_query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Percent-encodes one path segment (ids, UPNs): same set as query values.
pub(crate) fn encode_path_segment(s: &str) -> String {
    encode_query_value(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_found_case_insensitively() {
        let r = HttpResponse {
            status: 429,
            headers: vec![("retry-after".into(), "7".into())],
            body: String::new(),
        };
        assert_eq!(r.header("Retry-After"), Some("7"));
        assert_eq!(r.header("request-id"), None);
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode_query_value("mail eq 'a+b@x.com'"),
            "mail%20eq%20%27a%2Bb%40x.com%27"
        );
        assert_eq!(encode_query_value("é"), "%C3%A9");
    }
}

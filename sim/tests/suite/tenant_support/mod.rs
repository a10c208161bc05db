//! Shared helpers for the tenant-half tests (Graph, Exchange, replication): start a sim over real
//! HTTP, mint tokens for the seeded accounts, call Graph and InvokeCommand.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use guestlist_sim::state::{EXCHANGE_AUDIENCE, GRAPH_AUDIENCE, TENANT_ID};
use guestlist_sim::store::{ADMIN_UPN, HELPDESK_UPN};
use guestlist_sim::{identity, start, Knobs, RunningSim, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The scopes Guestlist asks for on Graph (least privilege) plus the writes.
pub const ADMIN_GRAPH_SCOPES: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",
    "OrgContact.Read.All",
    "User.Invite.All",
];
pub const READ_SCOPES: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "GroupMember.Read.All",
    "OrgContact.Read.All",
];

/// Exchange's exception type for an identity that matches nothing.
pub const NOT_FOUND: &str =
    "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException";

pub struct Sim {
    pub sim: RunningSim,
    pub http: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Sim {
    pub async fn start(knobs: Knobs) -> Sim {
        let sim = start(SimConfig {
            seed: 7,
            knobs,
            ..SimConfig::default()
        })
        .await
        .expect("sim starts");
        Sim {
            sim,
            http: reqwest::Client::new(),
        }
    }

    pub fn base(&self) -> &str {
        self.sim.base_url()
    }

    pub fn token(&self, upn: &str, audience: &str, scopes: &[&str]) -> String {
        let account = {
            let t = self.sim.state.tenant.lock().expect("tenant lock");
            t.accounts()
                .into_iter()
                .find(|a| a.upn == upn)
                .expect("seeded account")
        };
        identity::issue_access_token(&self.sim.state, &account, audience, scopes)
    }

    pub fn admin_graph(&self) -> String {
        self.token(ADMIN_UPN, GRAPH_AUDIENCE, ADMIN_GRAPH_SCOPES)
    }
    pub fn helpdesk_graph(&self) -> String {
        self.token(HELPDESK_UPN, GRAPH_AUDIENCE, READ_SCOPES)
    }
    pub fn admin_exo(&self) -> String {
        self.token(ADMIN_UPN, EXCHANGE_AUDIENCE, &["Exchange.Manage"])
    }
    pub fn helpdesk_exo(&self) -> String {
        self.token(HELPDESK_UPN, EXCHANGE_AUDIENCE, &["Exchange.Manage"])
    }

    /// Sends a request; `url` is absolute or a Graph path under `/v1.0`.
    pub async fn send(
        &self,
        method: Method,
        token: Option<&str>,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Reply {
        let url = if url.starts_with("http") {
            url.to_string()
        } else {
            format!("{}/v1.0{url}", self.base())
        };
        let mut rb = self.http.request(method, &url);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.expect("request sent");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, token: &str, path: &str) -> Reply {
        self.send(Method::GET, Some(token), path, &[], None).await
    }

    /// POST `body` as JSON.
    pub async fn post(&self, token: &str, path: &str, body: Value) -> Reply {
        self.send(Method::POST, Some(token), path, &[], Some(body))
            .await
    }

    /// PATCH `body` as JSON.
    pub async fn patch(&self, token: &str, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, Some(token), path, &[], Some(body))
            .await
    }

    pub async fn delete(&self, token: &str, path: &str) -> Reply {
        self.send(Method::DELETE, Some(token), path, &[], None)
            .await
    }

    pub async fn get_eventual(&self, token: &str, path: &str) -> Reply {
        self.send(
            Method::GET,
            Some(token),
            path,
            &[("ConsistencyLevel", "eventual")],
            None,
        )
        .await
    }

    pub fn exo_url(&self) -> String {
        format!("{}/adminapi/beta/{TENANT_ID}/InvokeCommand", self.base())
    }

    /// Runs a cmdlet through InvokeCommand.
    pub async fn exo(&self, token: &str, cmdlet: &str, params: Value) -> Reply {
        let body = json!({"CmdletInput": {"CmdletName": cmdlet, "Parameters": params}});
        self.send(Method::POST, Some(token), &self.exo_url(), &[], Some(body))
            .await
    }

    /// Runs a cmdlet that must succeed, as the caller of `token`; the answer's body.
    pub async fn exo_ok(&self, token: &str, cmdlet: &str, params: Value) -> Value {
        let r = self.exo(token, cmdlet, params).await;
        assert_eq!(r.status, 200, "{cmdlet}: {}", r.text);
        r.body
    }

    /// Runs a cmdlet and follows `@odata.nextLink` by re-POSTing the same body; returns every item.
    pub async fn exo_all(
        &self,
        token: &str,
        cmdlet: &str,
        params: Value,
        page: usize,
    ) -> (Vec<Value>, usize) {
        let body = json!({"CmdletInput": {"CmdletName": cmdlet, "Parameters": params}});
        let prefer = format!("odata.maxpagesize={page}");
        let mut url = self.exo_url();
        let mut all = Vec::new();
        let mut pages = 0;
        loop {
            let r = self
                .send(
                    Method::POST,
                    Some(token),
                    &url,
                    &[("Prefer", &prefer)],
                    Some(body.clone()),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            pages += 1;
            let items = r.body["value"].as_array().expect("value").clone();
            assert!(items.len() <= page, "page larger than asked");
            all.extend(items);
            match r.body["@odata.nextLink"].as_str() {
                Some(next) => url = next.to_string(),
                None => break,
            }
        }
        (all, pages)
    }

    /// Follows Graph `@odata.nextLink`s from `path`; returns every item and the number of pages.
    pub async fn graph_all(
        &self,
        token: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (Vec<Value>, usize) {
        let mut url = format!("{}/v1.0{path}", self.base());
        let mut all = Vec::new();
        let mut pages = 0;
        loop {
            let r = self
                .send(Method::GET, Some(token), &url, headers, None)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            pages += 1;
            all.extend(r.body["value"].as_array().expect("value").iter().cloned());
            match r.body["@odata.nextLink"].as_str() {
                Some(next) => url = next.to_string(),
                None => break,
            }
        }
        (all, pages)
    }

    /// Object id of the first seeded group with this display name.
    pub fn group_id(&self, name: &str) -> String {
        let t = self.sim.state.tenant.lock().expect("tenant lock");
        t.groups()
            .iter()
            .find(|g| g.display_name == name)
            .expect("seeded group")
            .id
            .clone()
    }
}

/// The Exchange exception type named in an InvokeCommand error body.
pub fn exo_type(body: &Value) -> String {
    let detail = body["error"]["details"][0]["message"]
        .as_str()
        .expect("details[0].message");
    let inner: Value = serde_json::from_str(detail).expect("details message is JSON");
    inner["TypeName"].as_str().expect("TypeName").to_string()
}

pub fn exo_message(body: &Value) -> String {
    let detail = body["error"]["details"][0]["message"]
        .as_str()
        .expect("details[0].message");
    let inner: Value = serde_json::from_str(detail).expect("details message is JSON");
    inner["Message"].as_str().expect("Message").to_string()
}

/// Polls `check` until it returns true or `deadline` passes; returns how long it took.
pub async fn eventually<F, Fut>(deadline: Duration, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < deadline,
            "condition not met within {deadline:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asserts a Graph error: status, `error.code`, `error.message` and the `innerError` ids.
pub fn assert_graph_error(r: &Reply, status: u16, code: &str, message: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    assert_eq!(r.body["error"]["code"], code, "{}", r.text);
    assert_eq!(r.body["error"]["message"], message, "{}", r.text);
    let inner = &r.body["error"]["innerError"];
    for k in ["date", "request-id", "client-request-id"] {
        assert!(inner[k].is_string(), "innerError.{k} missing: {}", r.text);
    }
}

/// An Exchange error answer: status, exception type, and a message containing `part`.
pub fn assert_exo_error_containing(r: &Reply, status: u16, exception: &str, part: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    assert_eq!(exo_type(&r.body), exception, "{}", r.text);
    assert!(exo_message(&r.body).contains(part), "{}", r.text);
}

/// An Exchange error answer: status, exception type and message.
pub fn assert_exo_error(r: &Reply, status: u16, exception: &str, message: impl AsRef<str>) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    assert_eq!(exo_type(&r.body), exception, "{}", r.text);
    assert_eq!(exo_message(&r.body), message.as_ref(), "{}", r.text);
}

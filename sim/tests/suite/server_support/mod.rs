//! Helpers shared by the server-half tests (identity, knobs, server): start a sim, get tokens,
//! decode JWTs, run the authorization-code flow over HTTP.
#![allow(dead_code)]

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use guestlist_sim::state::TENANT_ID;
use guestlist_sim::{start, Knobs, RunningSim, SimConfig};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

pub const ADMIN: &str = "admin@contoso.onmicrosoft.com";
pub const HELPDESK: &str = "helpdesk@contoso.onmicrosoft.com";
pub const PASSWORD: &str = "demo";
pub const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
pub const REDIRECT_URI: &str = "http://localhost:3000/";
pub const APP_ORIGIN: &str = "http://localhost:3000";
pub const GRAPH_SCOPES: &str =
    "https://graph.microsoft.com/GroupMember.Read.All openid profile offline_access";
/// What the service tests' tokens carry (`/me` needs User.Read).
pub const USER_SCOPES: &str =
    "https://graph.microsoft.com/User.Read https://graph.microsoft.com/GroupMember.Read.All openid profile offline_access";
pub const EXCHANGE_SCOPES: &str =
    "https://outlook.office365.com/Exchange.Manage openid profile offline_access";

pub async fn sim_with(knobs: Knobs) -> RunningSim {
    start(SimConfig {
        knobs,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts")
}

pub async fn sim() -> RunningSim {
    sim_with(Knobs::default()).await
}

/// A client that doesn't follow redirects (the authorize answers are what we inspect).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub fn token_url(sim: &RunningSim) -> String {
    format!("{}/{TENANT_ID}/oauth2/v2.0/token", sim.base_url())
}

pub fn authorize_url(sim: &RunningSim) -> String {
    format!("{}/{TENANT_ID}/oauth2/v2.0/authorize", sim.base_url())
}

/// `grant_type=password` (ROPC) → (HTTP status, JSON body).
pub async fn ropc(sim: &RunningSim, user: &str, password: &str, scope: &str) -> (u16, Value) {
    let resp = client()
        .post(token_url(sim))
        .form(&[
            ("grant_type", "password"),
            ("client_id", CLIENT_ID),
            ("username", user),
            ("password", password),
            ("scope", scope),
            ("client_info", "1"),
        ])
        .send()
        .await
        .expect("token request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("token JSON"))
}

/// A Graph access token for `user` by ROPC.
pub async fn graph_token(sim: &RunningSim, user: &str) -> String {
    let (status, body) = ropc(sim, user, PASSWORD, USER_SCOPES).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

pub fn decode_part(jwt: &str, index: usize) -> Value {
    let part = jwt.split('.').nth(index).expect("JWT part");
    serde_json::from_slice(&B64URL.decode(part).expect("base64url")).expect("JSON")
}

pub fn claims(jwt: &str) -> Value {
    decode_part(jwt, 1)
}

/// (verifier, S256 challenge).
pub fn pkce(seed: &str) -> (String, String) {
    let verifier = format!("verifier-{seed}-0123456789abcdefghijklmnopqrstuvwxyz0123456789");
    let challenge = B64URL.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Authorize request parameters as MSAL.js sends them.
pub fn authorize_params(
    challenge: &str,
    response_mode: &str,
    scope: &str,
) -> Vec<(String, String)> {
    [
        ("client_id", CLIENT_ID),
        ("scope", scope),
        ("redirect_uri", REDIRECT_URI),
        ("client-request-id", "0b9d6f7e-1111-4a4a-9b9b-222233334444"),
        ("response_mode", response_mode),
        ("response_type", "code"),
        ("x-client-SKU", "msal.js.browser"),
        ("client_info", "1"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
        ("nonce", "nonce-7f3a"),
        (
            "state",
            "eyJpZCI6IjEyMyIsIm1ldGEiOnsiaW50ZXJhY3Rpb25UeXBlIjoicmVkaXJlY3QifX0=|app+state",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Parameters the sim sent back in a redirect's query or fragment.
pub fn redirect_params(location: &str, response_mode: &str) -> HashMap<String, String> {
    let url = url::Url::parse(location).expect("absolute Location");
    let raw = if response_mode == "fragment" {
        url.fragment().unwrap_or("")
    } else {
        url.query().unwrap_or("")
    };
    url::form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect()
}

/// Signs in on the sim's page (POST of the form) and returns the redirect `Location`.
pub async fn sign_in(
    sim: &RunningSim,
    params: &[(String, String)],
    login: &str,
    password: &str,
) -> reqwest::Response {
    let mut form = params.to_vec();
    form.push(("login".into(), login.into()));
    form.push(("passwd".into(), password.into()));
    client()
        .post(authorize_url(sim))
        .form(&form)
        .send()
        .await
        .expect("sign-in POST")
}

/// The sign-in session cookie (`name=value`) a sign-in response set.
pub fn session_cookie(signed_in: &reqwest::Response) -> String {
    signed_in.headers()["set-cookie"]
        .to_str()
        .expect("Set-Cookie")
        .split(';')
        .next()
        .expect("cookie")
        .to_string()
}

/// A silent authorize request (`prompt=none` added to `params`), with the session `cookie` if
/// any; the parameters the sim redirected back with.
pub async fn silent_authorize(
    sim: &RunningSim,
    params: &[(String, String)],
    response_mode: &str,
    cookie: Option<&str>,
) -> HashMap<String, String> {
    let mut params = params.to_vec();
    params.push(("prompt".into(), "none".into()));
    let mut req = client().get(authorize_url(sim)).query(&params);
    if let Some(cookie) = cookie {
        req = req.header("Cookie", cookie);
    }
    let resp = req.send().await.expect("authorize request");
    assert_eq!(resp.status(), 302, "a silent request always redirects back");
    redirect_params(
        resp.headers()["location"].to_str().expect("Location"),
        response_mode,
    )
}

/// Runs the authorization-code flow up to the code (sign-in page answered by POST).
pub async fn get_code(
    sim: &RunningSim,
    challenge: &str,
    response_mode: &str,
    scope: &str,
) -> HashMap<String, String> {
    let params = authorize_params(challenge, response_mode, scope);
    let resp = sign_in(sim, &params, ADMIN, PASSWORD).await;
    assert_eq!(resp.status().as_u16(), 302, "sign-in should redirect");
    let location = resp.headers()["location"]
        .to_str()
        .expect("Location")
        .to_string();
    redirect_params(&location, response_mode)
}

/// Redeems a code as a browser (SPA) would: cross-origin, with the PKCE verifier.
pub async fn redeem(
    sim: &RunningSim,
    code: &str,
    verifier: &str,
    redirect_uri: &str,
) -> reqwest::Response {
    client()
        .post(token_url(sim))
        .header("Origin", APP_ORIGIN)
        .form(&[
            ("client_id", CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
            ("scope", GRAPH_SCOPES),
            ("client_info", "1"),
        ])
        .send()
        .await
        .expect("token request")
}

/// Asserts an Entra error body: `error`, first of `error_codes`, AADSTS prefix, ids and timestamp.
pub fn assert_sts_error(body: &Value, error: &str, code: u64) {
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"][0].as_u64(), Some(code), "{body}");
    let desc = body["error_description"]
        .as_str()
        .expect("error_description");
    assert!(desc.starts_with(&format!("AADSTS{code}: ")), "{desc}");
    for k in ["timestamp", "trace_id", "correlation_id"] {
        assert!(
            body[k].as_str().is_some_and(|s| !s.is_empty()),
            "{k} missing in {body}"
        );
    }
}

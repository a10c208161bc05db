//! Bindings to `globalThis.guestlistAuth` (js/auth.js). Strings cross the boundary, nothing else:
//! settings and results as JSON text, failures as JSON reasons ([`BridgeError::from_reason`]).
//!
//! Compiles on every target so the UI can be checked natively; the functions only work in the
//! browser, where the bridge script is loaded by index.html before the app starts.

use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::scopes::{partner_scopes, sign_in_scopes, when_needed_scopes, Need};
use super::{Account, BridgeError, BridgeSettings};
use guestlist_core::tenant::{AuthError, Resource, TokenSource};

#[wasm_bindgen]
extern "C" {
    // `catch`: if the bridge script did not load, the lookup itself throws (ReferenceError).
    #[wasm_bindgen(catch, js_namespace = guestlistAuth, js_name = init)]
    fn js_init(settings: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = guestlistAuth, js_name = signIn)]
    fn js_sign_in(mode: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = guestlistAuth, js_name = token)]
    fn js_token(
        scopes: &str,
        force_refresh: bool,
        tenant: Option<String>,
    ) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = guestlistAuth, js_name = consent)]
    fn js_consent(scopes: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = guestlistAuth, js_name = signOut)]
    fn js_sign_out() -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = guestlistAuth, js_name = prefetch)]
    fn js_prefetch() -> Result<(), JsValue>;
}

/// How the sign-in page is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignInMode {
    /// The whole tab goes to the sign-in page and comes back (works everywhere; the default).
    #[default]
    Redirect,
    /// A popup window (needs popups allowed and the redirect URI on redirect.html).
    Popup,
}

impl SignInMode {
    fn as_str(self) -> &'static str {
        match self {
            SignInMode::Redirect => "redirect",
            SignInMode::Popup => "popup",
        }
    }
}

/// A token and what the service granted with it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    pub access_token: String,
    /// The token response's `scope`, as MSAL reports it.
    #[serde(default)]
    pub scopes: Vec<String>,
}

fn reason(value: JsValue) -> BridgeError {
    if let Some(text) = value.as_string() {
        return BridgeError::from_reason(&text);
    }
    // Not the bridge's own rejection: a script error (the bridge or MSAL did not load).
    let text = value
        .dyn_ref::<js_sys::Error>()
        .map(|e| format!("{}: {}", e.name(), e.message()))
        .unwrap_or_else(|| format!("{value:?}"));
    BridgeError::Failed {
        code: "bridge_unavailable".into(),
        message: text,
    }
}

async fn call(promise: Result<js_sys::Promise, JsValue>) -> Result<JsValue, BridgeError> {
    JsFuture::from(promise.map_err(reason)?)
        .await
        .map_err(reason)
}

fn account_of(value: JsValue) -> Result<Option<Account>, BridgeError> {
    Account::from_bridge(value.as_string().as_deref())
}

/// Starts MSAL, completes a redirect sign-in if this page load is its return, and says who is
/// signed in.
pub async fn init(settings: &BridgeSettings) -> Result<Option<Account>, BridgeError> {
    let json = serde_json::to_string(settings).map_err(|e| BridgeError::Failed {
        code: "settings".into(),
        message: e.to_string(),
    })?;
    account_of(call(js_init(&json)).await?)
}

/// Signs in. With [`SignInMode::Redirect`] the page navigates away and this only returns on
/// failure (or `None` while the navigation happens).
pub async fn sign_in(mode: SignInMode) -> Result<Option<Account>, BridgeError> {
    account_of(call(js_sign_in(mode.as_str())).await?)
}

fn token_response(value: JsValue) -> Result<TokenResponse, BridgeError> {
    let text = value.as_string().unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| BridgeError::Failed {
        code: "bad_token_response".into(),
        message: e.to_string(),
    })
}

/// A token for `resource` with the sign-in permissions, silently, in `tenant` (a GDAP
/// customer's id; `None`: the configured tenant). `force_refresh` bypasses MSAL's cache.
pub async fn token(
    resource: Resource,
    force_refresh: bool,
    tenant: Option<&str>,
) -> Result<TokenResponse, BridgeError> {
    token_for(&sign_in_scopes(resource), force_refresh, tenant).await
}

/// A token for exactly `scopes` (one resource), silently, in `tenant` (`None`: the configured
/// tenant's authority; a customer's id: that tenant's authority).
pub async fn token_for(
    scopes: &[String],
    force_refresh: bool,
    tenant: Option<&str>,
) -> Result<TokenResponse, BridgeError> {
    let scopes = serde_json::to_string(scopes).unwrap_or_default();
    token_response(call(js_token(&scopes, force_refresh, tenant.map(str::to_owned))).await?)
}

/// Asks the admin to consent to `scopes` (a popup; call it from a click). Afterwards
/// [`token_for`] gets them silently.
pub async fn consent(scopes: &[String]) -> Result<TokenResponse, BridgeError> {
    let scopes = serde_json::to_string(scopes).unwrap_or_default();
    token_response(call(js_consent(&scopes)).await?)
}

/// Fetches and starts MSAL.js ahead of its first use (js/auth.js loads it on demand
/// otherwise). Nothing to report: a failed start is tried again, and reported, by the first
/// call that needs MSAL.
pub fn prefetch() {
    let _ = js_prefetch();
}

/// Signs out at the identity provider and comes back to the app (navigates away).
pub async fn sign_out() -> Result<(), BridgeError> {
    call(js_sign_out()).await.map(|_| ())
}

/// Which permissions a token source asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Permissions {
    /// What sign-in consented to (every client but one).
    #[default]
    SignIn,
    /// The resource's incremental permission for opening Microsoft 365 groups
    /// ([`Need::GroupSettings`]: `Group.ReadWrite.All`). Until the admin consents, tokens fail
    /// with "interaction required" and the caller offers [`consent`].
    GroupSettings,
    /// What sign-in consented to and the permission for changing people ([`Need::People`]:
    /// `User.ReadWrite.All`), so that one client carries out a person's whole plan (removals,
    /// deletion, end date). Until the admin consents, as above.
    People,
    /// A partner's: listing the GDAP customers ([`super::scopes::partner_scopes`]).
    Partners,
}

/// The clients' token source in the browser: MSAL through the bridge. On a 401 the clients ask
/// once more with `force_refresh`; if that fails too they report "sign in again".
#[derive(Clone, Debug, Default)]
pub struct BridgeTokenSource {
    pub permissions: Permissions,
    /// The tenant whose authority issues the tokens: a GDAP customer's id, `None` for the
    /// configured tenant.
    pub tenant: Option<String>,
}

impl TokenSource for BridgeTokenSource {
    async fn token(&self, resource: Resource, force_refresh: bool) -> Result<String, AuthError> {
        let scopes = match self.permissions {
            Permissions::SignIn => sign_in_scopes(resource),
            Permissions::GroupSettings => when_needed_scopes(resource, Need::GroupSettings),
            Permissions::People => {
                let mut scopes = sign_in_scopes(resource);
                scopes.extend(when_needed_scopes(resource, Need::People));
                scopes
            }
            Permissions::Partners => partner_scopes(),
        };
        token_for(&scopes, force_refresh, self.tenant.as_deref())
            .await
            .map(|t| t.access_token)
            .map_err(AuthError::from)
    }
}

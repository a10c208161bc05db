//! Sign-in: the MSAL.js bridge (js/auth.js), the signed-in account, the auth state the UI reads,
//! and the [`TokenSource`](guestlist_core::tenant::TokenSource) the Graph and Exchange clients use.
//!
//! - [`scopes`]: the delegated permissions, one list.
//! - [`settings`]: what MSAL is told, decided from `config.json` (pure, tested natively).
//! - [`bridge`]: `wasm_bindgen` bindings to `globalThis.guestlistAuth`; plain strings both ways.
//! - [`state`]: the auth state in context (signed out, signing in, signed in, failed).
//! - [`problem`]: the failures a misconfigured deployment produces, recognised for the page.

pub mod bridge;
pub mod problem;
pub mod scopes;
pub mod settings;
pub mod state;

use serde::Deserialize;

pub use bridge::{BridgeTokenSource, Permissions, SignInMode, TokenResponse};
pub use scopes::{Asked, Need, Scope, DELEGATED_SCOPES};
pub use settings::{bridge_settings, BridgeSettings, ProtocolMode};
pub use state::{use_auth, Auth, AuthStatus};

/// The signed-in admin, as MSAL reports the account.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Display name (`name` claim).
    #[serde(default)]
    pub name: String,
    /// User principal name (`preferred_username`), e.g. `admin@contoso.onmicrosoft.com`.
    pub username: String,
    /// Directory (tenant) ID, a GUID (`tid`).
    #[serde(default)]
    pub tenant_id: String,
}

impl Account {
    /// `null` (nobody signed in) or the account JSON the bridge returns.
    pub fn from_bridge(json: Option<&str>) -> Result<Option<Account>, BridgeError> {
        match json {
            None => Ok(None),
            Some(text) => serde_json::from_str(text)
                .map(Some)
                .map_err(|e| BridgeError::Failed {
                    code: "bad_account".into(),
                    message: format!("the sign-in bridge returned an unreadable account: {e}"),
                }),
        }
    }
}

/// Why the bridge could not do what was asked. Decoded from the JSON reason js/auth.js rejects
/// with: `{"kind","code","message"}`; `code` is MSAL's error code (e.g. `interaction_required`,
/// `user_cancelled`, `AADSTS50058`-style server codes).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BridgeError {
    /// The admin has to sign in (or consent) again.
    #[error("sign-in required ({code}): {message}")]
    InteractionRequired { code: String, message: String },
    /// The admin closed the sign-in window.
    #[error("sign-in cancelled ({code}): {message}")]
    Cancelled { code: String, message: String },
    /// Anything else: configuration, network, the identity provider's answer.
    #[error("sign-in failed ({code}): {message}")]
    Failed { code: String, message: String },
}

#[derive(Deserialize)]
struct Reason {
    kind: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

impl BridgeError {
    /// Decodes a rejection reason. Anything that is not the bridge's JSON (a script error before
    /// the bridge existed) becomes [`BridgeError::Failed`] with the text as message.
    pub fn from_reason(text: &str) -> BridgeError {
        match serde_json::from_str::<Reason>(text) {
            Ok(r) => match r.kind.as_str() {
                "interaction_required" => BridgeError::InteractionRequired {
                    code: r.code,
                    message: r.message,
                },
                "cancelled" => BridgeError::Cancelled {
                    code: r.code,
                    message: r.message,
                },
                _ => BridgeError::Failed {
                    code: r.code,
                    message: r.message,
                },
            },
            Err(_) => BridgeError::Failed {
                code: "script_error".into(),
                message: text.to_owned(),
            },
        }
    }

    pub fn code(&self) -> &str {
        match self {
            BridgeError::InteractionRequired { code, .. }
            | BridgeError::Cancelled { code, .. }
            | BridgeError::Failed { code, .. } => code,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            BridgeError::InteractionRequired { message, .. }
            | BridgeError::Cancelled { message, .. }
            | BridgeError::Failed { message, .. } => message,
        }
    }
}

impl From<BridgeError> for guestlist_core::tenant::AuthError {
    fn from(e: BridgeError) -> Self {
        match e {
            // A cancelled sign-in leaves nobody with a token: the same "sign in again" for callers.
            BridgeError::InteractionRequired { .. } | BridgeError::Cancelled { .. } => {
                guestlist_core::tenant::AuthError::InteractionRequired(e.to_string())
            }
            BridgeError::Failed { .. } => guestlist_core::tenant::AuthError::Failed(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guestlist_core::tenant::AuthError;

    #[test]
    fn account_json_from_the_bridge() {
        let a = Account::from_bridge(Some(
            r#"{"name":"Megan Bowen","username":"admin@contoso.onmicrosoft.com","tenantId":"b6a2f1c4-3e5d-4f7a-9c8b-1d2e3f4a5b6c"}"#,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(a.name, "Megan Bowen");
        assert_eq!(a.username, "admin@contoso.onmicrosoft.com");
        assert_eq!(a.tenant_id, "b6a2f1c4-3e5d-4f7a-9c8b-1d2e3f4a5b6c");
        assert_eq!(Account::from_bridge(None), Ok(None));
        assert!(matches!(
            Account::from_bridge(Some("{}")),
            Err(BridgeError::Failed { .. })
        ));
    }

    #[test]
    fn rejection_reasons_decode_to_kinds() {
        let e = BridgeError::from_reason(
            r#"{"kind":"interaction_required","code":"login_required","message":"AADSTS50058"}"#,
        );
        assert_eq!(
            e,
            BridgeError::InteractionRequired {
                code: "login_required".into(),
                message: "AADSTS50058".into()
            }
        );
        assert!(matches!(
            AuthError::from(e),
            AuthError::InteractionRequired(_)
        ));
        let c = BridgeError::from_reason(r#"{"kind":"cancelled","code":"user_cancelled"}"#);
        assert_eq!(c.code(), "user_cancelled");
        assert!(matches!(
            AuthError::from(c),
            AuthError::InteractionRequired(_)
        ));
        let f = BridgeError::from_reason(r#"{"kind":"failed","code":"x","message":"y"}"#);
        assert!(matches!(AuthError::from(f.clone()), AuthError::Failed(_)));
        assert_eq!(f.message(), "y");
        let raw = BridgeError::from_reason("ReferenceError: guestlistAuth is not defined");
        assert_eq!(raw.code(), "script_error");
        assert!(raw.message().contains("guestlistAuth"));
    }
}

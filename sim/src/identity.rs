//! The sim's Microsoft Entra ID as a service: the OpenID Connect endpoints the real MSAL.js talks
//! to, in [`endpoints`].
//!
//! What the Graph and Exchange handlers need from it lives in shared modules: the bearer check and
//! token claims in `auth`, the signing key and issued grants in `tokens`. They are re-exported here
//! under the paths tests and the app's test support use (`identity::issue_access_token`, …).

pub mod endpoints;

use std::time::Duration;

pub use crate::auth::{
    account_by_upn, all_accounts, authenticate, issue_access_token, issue_access_token_in,
    EXCHANGE_APP_ID, GRAPH_APP_ID, SIM_CLIENT_ID,
};
pub use crate::tokens::{Identity, TokenError, DEFAULT_CODE_LIFETIME};

/// Refresh tokens issued to single-page apps (redeemed cross-origin) live 24 hours, fixed
/// (<https://learn.microsoft.com/entra/identity-platform/refresh-tokens#token-lifetime>).
pub const SPA_REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Other refresh tokens: 90 days.
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);

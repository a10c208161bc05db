//! OpenID Connect provider and token validation (server half; placeholder).
use crate::state::{AppState, AuthFailure, Caller};

#[derive(Default)]
pub struct Identity {}

/// Validates the request's bearer token for `audience` and returns who is calling.
/// The tenant half calls this at the top of every Graph/Exchange handler.
pub fn authenticate(
    _state: &AppState,
    _headers: &http::HeaderMap,
    _audience: &str,
) -> Result<Caller, AuthFailure> {
    Err(AuthFailure { status: 401, code: "InvalidAuthenticationToken", message: "Access token is empty.".into() })
}

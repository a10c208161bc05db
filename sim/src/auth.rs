//! What every handler needs from the sim's Entra ID: the claims of the tokens it issues and the
//! bearer check ([`authenticate`]) at the top of every Graph and Exchange handler. The keys that
//! sign and verify them are in `tokens`; the OpenID Connect endpoints in `identity::endpoints`.
//!
//! Access tokens for Graph and Exchange are shaped like Entra's v1.0 access tokens, which is what
//! those two resources receive
//! (<https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference>); id tokens
//! are v2.0 (<https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference>).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use crate::contract::{Account, AuthFailure, Caller, Role, EXCHANGE_AUDIENCE, GRAPH_AUDIENCE};
use crate::state::AppState;
use crate::tokens::TokenError;

/// Client id the sim hands out in its generated `config.json` and uses for tokens minted by
/// [`issue_access_token`]. The sim accepts any client id at its endpoints (there is no app
/// registration to check against); this one is just a stable default.
pub const SIM_CLIENT_ID: &str = "5f0c7a2e-9b1d-4c3a-8e6f-2a4b6c8d0e1f";

/// Graph's well-known application id, which Entra also accepts as the resource / audience.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Exchange Online's well-known application id.
pub const EXCHANGE_APP_ID: &str = "00000002-0000-0ff1-ce00-000000000000";

/// Lifetime of id tokens (Entra: one hour).
const ID_TOKEN_LIFETIME_SECS: i64 = 3600;

/// Directory role template ids Entra puts in the `wids` claim
/// (<https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference>).
/// The Exchange "Recipient Management" role group is Exchange RBAC, not a directory role, so it has
/// no `wids` entry.
fn role_template_id(role: Role) -> Option<&'static str> {
    match role {
        Role::GroupsAdministrator => Some("fdd7a751-b60b-444a-984c-02652fe8fa1c"),
        Role::GuestInviter => Some("95e79109-95c0-4d8e-aee3-d01accf2d47b"),
        Role::UserAdministrator => Some("fe930be7-5e62-47db-91af-98c3a49a38b1"),
        Role::ExchangeRecipientManagement => None,
    }
}

pub(crate) fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Resource (audience) aliases Entra accepts: URI or well-known app id.
pub(crate) fn canonical_resource(resource: &str) -> Option<&'static str> {
    let r = resource.trim_end_matches('/').to_ascii_lowercase();
    match r.as_str() {
        "https://graph.microsoft.com" | GRAPH_APP_ID => Some(GRAPH_AUDIENCE),
        "https://outlook.office365.com" | "https://outlook.office.com" | EXCHANGE_APP_ID => {
            Some(EXCHANGE_AUDIENCE)
        }
        _ => None,
    }
}

/// Claims of a v1.0 access token for `audience` (Graph or Exchange) in tenant `tid`, as Entra
/// issues them. A token for another tenant than the account's own (a partner's admin in a
/// customer, through GDAP) carries `idp`, the account's home issuer, as Entra does for accounts
/// "not in the same tenant as the issuer".
pub(crate) fn access_token_claims(
    account: &Account,
    tid: &str,
    audience: &str,
    client_id: &str,
    scp: &str,
    lifetime_secs: u64,
    uti: &str,
) -> Value {
    let now = now_secs();
    let wids: Vec<&str> = account
        .roles
        .iter()
        .filter_map(|r| role_template_id(*r))
        .collect();
    let (given, family) = split_name(&account.display_name);
    let mut claims = json!({
        "aud": audience,
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime_secs as i64,
        "acr": "1",
        "amr": ["pwd"],
        "app_displayname": "Guestlist",
        "appid": client_id,
        "appidacr": "0",
        "family_name": family,
        "given_name": given,
        "idtyp": "user",
        "name": account.display_name,
        "oid": account.oid,
        "scp": scp,
        "sub": pairwise_sub(&account.oid, client_id),
        "tid": tid,
        "unique_name": account.upn,
        "upn": account.upn,
        "uti": uti,
        "ver": "1.0",
        "wids": wids,
    });
    if !tid.eq_ignore_ascii_case(account.tenant_id) {
        claims["idp"] = Value::String(format!("https://sts.windows.net/{}/", account.tenant_id));
    }
    claims
}

/// Claims of a v2.0 id token from tenant `tid`'s `issuer`.
pub(crate) fn id_token_claims(
    account: &Account,
    tid: &str,
    issuer: &str,
    client_id: &str,
    nonce: Option<&str>,
    sid: &str,
    uti: &str,
) -> Value {
    let now = now_secs();
    let mut claims = json!({
        "aud": client_id,
        "iss": issuer,
        "iat": now,
        "nbf": now,
        "exp": now + ID_TOKEN_LIFETIME_SECS,
        "name": account.display_name,
        "oid": account.oid,
        "preferred_username": account.upn,
        "sid": sid,
        "sub": pairwise_sub(&account.oid, client_id),
        "tid": tid,
        "uti": uti,
        "ver": "2.0",
    });
    if let Some(n) = nonce {
        claims["nonce"] = Value::String(n.to_string());
    }
    claims
}

/// Entra's `sub` is pairwise: unique per user and application.
fn pairwise_sub(oid: &str, client_id: &str) -> String {
    B64URL.encode(&Sha256::digest(format!("{oid}|{client_id}").as_bytes())[..32])
}

fn split_name(display: &str) -> (String, String) {
    match display.rsplit_once(' ') {
        Some((g, f)) => (g.to_string(), f.to_string()),
        None => (display.to_string(), String::new()),
    }
}

/// Every account that can sign in: the home tenant's and those of the partner and customers.
pub fn all_accounts(state: &AppState) -> Vec<Account> {
    let mut accounts = state.tenant.lock().expect("tenant lock").accounts();
    accounts.extend(state.tenancy.accounts());
    accounts
}

/// The account behind `oid`, in whichever tenant it lives.
pub(crate) fn account_by_oid(state: &AppState, oid: &str) -> Option<Account> {
    all_accounts(state)
        .into_iter()
        .find(|a| a.oid.eq_ignore_ascii_case(oid))
}

/// The account signing in as `upn` (case-insensitive, as Entra).
pub fn account_by_upn(state: &AppState, upn: &str) -> Option<Account> {
    all_accounts(state)
        .into_iter()
        .find(|a| a.upn.eq_ignore_ascii_case(upn.trim()))
}

/// The roles `account` holds in tenant `tid`: its own in its home tenant, the GDAP
/// relationship's in a customer; `None` where it has no access at all.
pub(crate) fn roles_in(state: &AppState, account: &Account, tid: &str) -> Option<Vec<Role>> {
    if tid.eq_ignore_ascii_case(account.tenant_id) {
        Some(account.roles.clone())
    } else {
        state.tenancy.gdap_roles(&account.upn, tid)
    }
}

/// Mints an access token for `account` and `audience` (`GRAPH_AUDIENCE` or `EXCHANGE_AUDIENCE`)
/// with the given delegated scopes (short names, e.g. `GroupMember.Read.All`), valid for the
/// current `token_lifetime_secs` knob. Meant for tests of the Graph and Exchange handlers, which can then call their
/// Graph/Exchange routes without going through a sign-in.
pub fn issue_access_token(
    state: &AppState,
    account: &Account,
    audience: &str,
    scopes: &[&str],
) -> String {
    issue_access_token_in(state, account, account.tenant_id, audience, scopes)
}

/// [`issue_access_token`] for tenant `tid` (as from `{authority}/{tid}`): a partner's admin in a
/// customer. Unchecked: it mints whatever it is asked, so tests can also present a token for a
/// tenant the account may not enter.
pub fn issue_access_token_in(
    state: &AppState,
    account: &Account,
    tid: &str,
    audience: &str,
    scopes: &[&str],
) -> String {
    let lifetime = state.knobs().token_lifetime_secs;
    let uti = state.identity.random_token(16);
    let claims = access_token_claims(
        account,
        tid,
        audience,
        SIM_CLIENT_ID,
        &scopes.join(" "),
        lifetime,
        &uti,
    );
    state.identity.sign(&claims)
}

fn unauthorized(message: &str) -> AuthFailure {
    AuthFailure {
        status: 401,
        code: "InvalidAuthenticationToken",
        message: message.to_string(),
    }
}

/// Validates the request's bearer token for `audience` and returns who is calling.
/// Every Graph and Exchange handler calls this first.
///
/// Checks, as the real resources do: a `Bearer` token is present, it is a JWT signed with the sim's
/// key, `aud` is the resource (URI or app id), `nbf <= now < exp`, and `tid` is one of the sim's
/// tenants that the account for `oid` may enter (its own, or a customer through GDAP).
/// `Caller.tid` picks the tenant every handler answers from; `Caller.roles` are the account's in
/// that tenant (roles are directory facts, not token claims). Every failure is a 401 with Graph's code `InvalidAuthenticationToken`; scope and role
/// checks (403) are the caller's business. Don't hold the tenant lock while calling this.
pub fn authenticate(
    state: &AppState,
    headers: &http::HeaderMap,
    audience: &str,
) -> Result<Caller, AuthFailure> {
    let header = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    let token = match header.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ if header.is_empty() => "",
        _ => return Err(unauthorized("Access token is empty.")),
    };
    if token.is_empty() {
        return Err(unauthorized("Access token is empty."));
    }
    if !token.contains('.') {
        return Err(unauthorized(
            "IDX14100: JWT is not well formed, there are no dots (.).",
        ));
    }
    let claims = match state.identity.verify(token) {
        Ok(c) => c,
        Err(TokenError::Malformed) => {
            return Err(unauthorized(
                "Access token validation failure. The token is malformed.",
            ))
        }
        Err(TokenError::BadSignature) => {
            return Err(unauthorized(
                "Access token validation failure. Invalid signature.",
            ))
        }
    };
    let aud = claims.get("aud").and_then(Value::as_str).unwrap_or("");
    if canonical_resource(aud) != canonical_resource(audience) || canonical_resource(aud).is_none()
    {
        return Err(unauthorized(
            "Access token validation failure. Invalid audience.",
        ));
    }
    let now = now_secs();
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if now >= exp {
        return Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
        ));
    }
    let nbf = claims.get("nbf").and_then(Value::as_i64).unwrap_or(0);
    if nbf > now {
        return Err(unauthorized(
            "Lifetime validation failed, the token is not yet valid.",
        ));
    }
    let tid = claims.get("tid").and_then(Value::as_str).unwrap_or("");
    let Some(org) = crate::tenancy::organization(tid) else {
        return Err(unauthorized(
            "Access token validation failure. Invalid tenant.",
        ));
    };
    let oid = claims.get("oid").and_then(Value::as_str).unwrap_or("");
    let user_gone =
        || unauthorized("Access token validation failure. The user does not exist in the tenant.");
    let account = account_by_oid(state, oid).ok_or_else(user_gone)?;
    // A partner's admin enters a customer only through a GDAP relationship, with its roles.
    let roles = roles_in(state, &account, org.id).ok_or_else(user_gone)?;
    let scopes = claims
        .get("scp")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    Ok(Caller {
        oid: account.oid,
        upn: account.upn,
        tid: org.id.to_string(),
        scopes,
        roles,
    })
}

//! The sim's Microsoft Entra ID: signing keys, token issuance and validation, and (in [`endpoints`])
//! the OpenID Connect endpoints the real MSAL.js talks to.
//!
//! Tokens are RS256 JWTs signed with one RSA key published at the JWKS endpoint. Access tokens for
//! Graph and Exchange are shaped like Entra's v1.0 access tokens, which is what those two resources
//! receive (<https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference>);
//! id tokens are v2.0 (<https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference>).

pub mod endpoints;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use rand_chacha_03::rand_core::SeedableRng as _;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{SignatureEncoding as _, Signer as _, Verifier as _};
use rsa::traits::PublicKeyParts as _;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use crate::state::{
    Account, AppState, AuthFailure, Caller, Role, EXCHANGE_AUDIENCE, GRAPH_AUDIENCE, TENANT_ID,
};

/// Client id the sim hands out in its generated `config.json` and uses for tokens minted by
/// [`issue_access_token`]. The sim accepts any client id at its endpoints (there is no app
/// registration to check against); this one is just a stable default.
pub const SIM_CLIENT_ID: &str = "5f0c7a2e-9b1d-4c3a-8e6f-2a4b6c8d0e1f";

/// Graph's well-known application id, which Entra also accepts as the resource / audience.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Exchange Online's well-known application id.
pub const EXCHANGE_APP_ID: &str = "00000002-0000-0ff1-ce00-000000000000";

/// Entra authorization codes are short-lived: "typically ... about 10 minutes"
/// (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#redeem-a-code-for-an-access-token>).
pub const DEFAULT_CODE_LIFETIME: Duration = Duration::from_secs(600);

/// Refresh tokens issued to single-page apps (redeemed cross-origin) live 24 hours, fixed
/// (<https://learn.microsoft.com/entra/identity-platform/refresh-tokens#token-lifetime>).
pub const SPA_REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Other refresh tokens: 90 days.
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);

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
        Role::ExchangeRecipientManagement => None,
    }
}

/// The sim's signing key and its public JWK.
struct SigningKeys {
    signing: SigningKey<Sha256>,
    verifying: VerifyingKey<Sha256>,
    kid: String,
    n: String,
    e: String,
}

impl SigningKeys {
    fn from_private(key: RsaPrivateKey) -> Self {
        let public: RsaPublicKey = key.to_public_key();
        let n_bytes = public.n().to_bytes_be();
        // Entra's `kid`/`x5t` are a base64url certificate thumbprint; a digest of the modulus is the
        // same kind of stable, opaque identifier.
        let kid = B64URL.encode(&Sha256::digest(&n_bytes)[..20]);
        Self {
            signing: SigningKey::<Sha256>::new(key),
            verifying: VerifyingKey::<Sha256>::new(public.clone()),
            kid,
            n: B64URL.encode(&n_bytes),
            e: B64URL.encode(public.e().to_bytes_be()),
        }
    }
}

/// RSA key generation is slow in unoptimised builds (seconds), and every in-process sim with the
/// same seed would produce the same key anyway, so keys are made once per seed per process.
fn private_key_for_seed(seed: u64) -> RsaPrivateKey {
    static KEYS: OnceLock<Mutex<HashMap<u64, RsaPrivateKey>>> = OnceLock::new();
    let keys = KEYS.get_or_init(Default::default);
    if let Some(k) = keys.lock().expect("key cache lock").get(&seed) {
        return k.clone();
    }
    // Generated outside the lock so sims with different seeds don't queue behind each other.
    let mut rng = rand_chacha_03::ChaCha20Rng::seed_from_u64(seed ^ 0x5349_4d4b_4559_u64);
    let key = RsaPrivateKey::new(&mut rng, 2048).expect("RSA key generation");
    keys.lock()
        .expect("key cache lock")
        .entry(seed)
        .or_insert(key)
        .clone()
}

/// An authorization code waiting to be redeemed.
#[derive(Clone, Debug)]
pub(crate) struct PendingCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub oid: String,
    pub issued: Instant,
    pub redeemed: bool,
}

/// What a refresh token stands for. Entra refresh tokens are multi-resource: one can be redeemed
/// for any resource the user has consented to.
#[derive(Clone, Debug)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub oid: String,
    pub expires: Instant,
    pub spa: bool,
}

#[derive(Default)]
pub(crate) struct Grants {
    pub codes: HashMap<String, PendingCode>,
    pub refresh: HashMap<String, RefreshGrant>,
    /// Browser sign-in sessions (cookie value → oid), used for `prompt=none`.
    pub sessions: HashMap<String, String>,
    /// Delegated permissions each user consented to per app, (client id, oid) → `aud/permission`
    /// in lower case. Recorded at an interactive sign-in for every permission its `scope` names
    /// (MSAL puts `extraScopesToConsent` there too); see `endpoints::unconsented`.
    pub consents: HashMap<(String, String), std::collections::HashSet<String>>,
}

/// Signing keys and issued-grant bookkeeping (opaque to the tenant half).
pub struct Identity {
    keys: SigningKeys,
    pub(crate) grants: Mutex<Grants>,
    code_lifetime: Mutex<Duration>,
    rng: Mutex<rand_chacha::ChaCha12Rng>,
}

impl Default for Identity {
    /// An identity with the key for seed 0 (see [`Identity::new`]).
    fn default() -> Self {
        Self::new(0)
    }
}

impl Identity {
    /// Keys derived from `seed`: the same seed gives the same key (and `kid`).
    pub fn new(seed: u64) -> Self {
        use rand::SeedableRng as _;
        Self {
            keys: SigningKeys::from_private(private_key_for_seed(seed)),
            grants: Mutex::new(Grants::default()),
            code_lifetime: Mutex::new(DEFAULT_CODE_LIFETIME),
            rng: Mutex::new(rand_chacha::ChaCha12Rng::seed_from_u64(
                seed ^ 0x0047_5241_4e54,
            )),
        }
    }

    /// How long an authorization code can be redeemed after it is issued.
    pub fn code_lifetime(&self) -> Duration {
        *self.code_lifetime.lock().expect("code lifetime lock")
    }

    pub fn set_code_lifetime(&self, lifetime: Duration) {
        *self.code_lifetime.lock().expect("code lifetime lock") = lifetime;
    }

    /// Key id (`kid` header of every token, `kid` of the JWK).
    pub fn kid(&self) -> &str {
        &self.keys.kid
    }

    /// The JSON Web Key Set published at the keys endpoint.
    pub fn jwks(&self, issuer: &str) -> Value {
        json!({ "keys": [{
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.keys.kid,
            "x5t": self.keys.kid,
            "n": self.keys.n,
            "e": self.keys.e,
            "issuer": issuer,
        }]})
    }

    /// Opaque random value (codes, refresh tokens, session ids).
    pub(crate) fn random_token(&self, bytes: usize) -> String {
        use rand::RngCore as _;
        let mut buf = vec![0u8; bytes];
        self.rng
            .lock()
            .expect("identity rng lock")
            .fill_bytes(&mut buf);
        B64URL.encode(buf)
    }

    /// Signs `claims` as an RS256 JWT with this sim's key.
    pub fn sign(&self, claims: &Value) -> String {
        let header =
            json!({ "typ": "JWT", "alg": "RS256", "x5t": self.keys.kid, "kid": self.keys.kid });
        let signing_input = format!(
            "{}.{}",
            B64URL.encode(header.to_string()),
            B64URL.encode(claims.to_string())
        );
        let signature: Signature = self.keys.signing.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", B64URL.encode(signature.to_bytes()))
    }

    /// Checks the RS256 signature of a compact JWT and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Value, TokenError> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header: Value = decode_segment(h)?;
        if header.get("alg").and_then(Value::as_str) != Some("RS256") {
            return Err(TokenError::BadSignature);
        }
        let sig_bytes = B64URL.decode(s).map_err(|_| TokenError::Malformed)?;
        let signature =
            Signature::try_from(sig_bytes.as_slice()).map_err(|_| TokenError::BadSignature)?;
        self.keys
            .verifying
            .verify(format!("{h}.{p}").as_bytes(), &signature)
            .map_err(|_| TokenError::BadSignature)?;
        decode_segment(p)
    }
}

fn decode_segment(segment: &str) -> Result<Value, TokenError> {
    let bytes = B64URL.decode(segment).map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)
}

/// Why a JWT did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's signature does not verify against the sim's key")]
    BadSignature,
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

/// Claims of a v1.0 access token for `audience` (Graph or Exchange), as Entra issues them.
pub(crate) fn access_token_claims(
    account: &Account,
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
    json!({
        "aud": audience,
        "iss": format!("https://sts.windows.net/{TENANT_ID}/"),
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
        "tid": TENANT_ID,
        "unique_name": account.upn,
        "upn": account.upn,
        "uti": uti,
        "ver": "1.0",
        "wids": wids,
    })
}

/// Claims of a v2.0 id token.
pub(crate) fn id_token_claims(
    account: &Account,
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
        "tid": TENANT_ID,
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

/// The account behind `oid` in the tenant's seeded sign-in accounts.
pub(crate) fn account_by_oid(state: &AppState, oid: &str) -> Option<Account> {
    let tenant = state.tenant.lock().expect("tenant lock");
    tenant
        .accounts()
        .into_iter()
        .find(|a| a.oid.eq_ignore_ascii_case(oid))
}

/// The account signing in as `upn` (case-insensitive, as Entra).
pub(crate) fn account_by_upn(state: &AppState, upn: &str) -> Option<Account> {
    let tenant = state.tenant.lock().expect("tenant lock");
    tenant
        .accounts()
        .into_iter()
        .find(|a| a.upn.eq_ignore_ascii_case(upn.trim()))
}

/// Mints an access token for `account` and `audience` (`GRAPH_AUDIENCE` or `EXCHANGE_AUDIENCE`)
/// with the given delegated scopes (short names, e.g. `GroupMember.Read.All`), valid for the
/// current `token_lifetime_secs` knob. Meant for tests of the tenant half, which can then call the
/// Graph/Exchange routes without going through a sign-in.
pub fn issue_access_token(
    state: &AppState,
    account: &Account,
    audience: &str,
    scopes: &[&str],
) -> String {
    let lifetime = state.knobs().token_lifetime_secs;
    let uti = state.identity.random_token(16);
    let claims = access_token_claims(
        account,
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
/// The tenant half calls this at the top of every Graph/Exchange handler.
///
/// Checks, as the real resources do: a `Bearer` token is present, it is a JWT signed with the sim's
/// key, `aud` is the resource (URI or app id), `nbf <= now < exp`, and `tid` is the sim's tenant.
/// `Caller.roles` come from the tenant's account for `oid` (roles are directory facts, not token
/// claims). Every failure is a 401 with Graph's code `InvalidAuthenticationToken`; scope and role
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
    if !tid.eq_ignore_ascii_case(TENANT_ID) {
        return Err(unauthorized(
            "Access token validation failure. Invalid tenant.",
        ));
    }
    let oid = claims.get("oid").and_then(Value::as_str).unwrap_or("");
    let account = account_by_oid(state, oid).ok_or_else(|| {
        unauthorized("Access token validation failure. The user does not exist in the tenant.")
    })?;
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
        tid: tid.to_string(),
        scopes,
        roles: account.roles,
    })
}

//! The sim's Entra signing key and grant bookkeeping ([`Identity`], held in `AppState`): RS256
//! signing and verification of compact JWTs, and the authorization codes, refresh tokens, sign-in
//! sessions and consents the OpenID Connect endpoints (`identity::endpoints`) have issued.
//!
//! Tokens are RS256 JWTs signed with one RSA key published at the JWKS endpoint. The claims that
//! go into them are built in `auth`.

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

/// Entra authorization codes are short-lived: "typically ... about 10 minutes"
/// (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#redeem-a-code-for-an-access-token>).
pub const DEFAULT_CODE_LIFETIME: Duration = Duration::from_secs(600);

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
    /// (MSAL puts `extraScopesToConsent` there too); see `identity::endpoints::unconsented`.
    pub consents: HashMap<(String, String), std::collections::HashSet<String>>,
}

/// Signing keys and issued-grant bookkeeping (opaque to the Graph and Exchange handlers).
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

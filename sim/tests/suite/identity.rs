//! The sim's Entra ID over real HTTP: discovery, keys, the authorization-code flow with PKCE, refresh
//! tokens across resources, ROPC, Entra's error codes, and bearer-token validation.

use crate::server_support;

use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use guestlist_sim::identity::{authenticate, issue_access_token};
use guestlist_sim::state::{AppState, Role, EXCHANGE_AUDIENCE, GRAPH_AUDIENCE, TENANT_ID};
use guestlist_sim::{start, Knobs, RegistrationProblem, RunningSim, SimConfig};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier as _;
use rsa::{BigUint, RsaPublicKey};
use serde_json::{json, Value};
use server_support::*;
use sha2::Sha256;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn discovery_document_is_shaped_like_entra_and_served_with_cors() {
    let sim = sim().await;
    let base = sim.base_url().to_string();
    for tenant in [
        TENANT_ID,
        "contoso.onmicrosoft.com",
        "CONTOSO.onmicrosoft.com",
    ] {
        let resp = client()
            .get(format!(
                "{base}/{tenant}/v2.0/.well-known/openid-configuration"
            ))
            .header("Origin", APP_ORIGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["access-control-allow-origin"], "*");
        let doc: Value = resp.json().await.unwrap();
        // A domain authority resolves to the tenant id, as Entra's discovery does.
        assert_eq!(doc["issuer"], format!("{base}/{TENANT_ID}/v2.0"));
        assert_eq!(
            doc["authorization_endpoint"],
            format!("{base}/{TENANT_ID}/oauth2/v2.0/authorize")
        );
        assert_eq!(
            doc["token_endpoint"],
            format!("{base}/{TENANT_ID}/oauth2/v2.0/token")
        );
        assert_eq!(
            doc["end_session_endpoint"],
            format!("{base}/{TENANT_ID}/oauth2/v2.0/logout")
        );
        assert_eq!(
            doc["jwks_uri"],
            format!("{base}/{TENANT_ID}/discovery/v2.0/keys")
        );
        assert_eq!(
            doc["response_modes_supported"],
            json!(["query", "fragment", "form_post"])
        );
        assert_eq!(
            doc["id_token_signing_alg_values_supported"],
            json!(["RS256"])
        );
        assert!(doc["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("offline_access")));
    }
    // Multi-tenant authorities keep their segment and Entra's `{tenantid}` issuer template.
    let doc: Value = client()
        .get(format!(
            "{base}/organizations/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], format!("{base}/{{tenantid}}/v2.0"));
    assert_eq!(
        doc["token_endpoint"],
        format!("{base}/organizations/oauth2/v2.0/token")
    );

    let resp = client()
        .get(format!(
            "{base}/fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_sts_error(&resp.json().await.unwrap(), "invalid_tenant", 90002);
}

#[tokio::test]
async fn tokens_verify_against_the_published_jwks() {
    let sim = sim().await;
    let (status, body) = ropc(&sim, ADMIN, PASSWORD, GRAPH_SCOPES).await;
    assert_eq!(status, 200, "{body}");
    let resp = client()
        .get(format!(
            "{}/{TENANT_ID}/discovery/v2.0/keys",
            sim.base_url()
        ))
        .header("Origin", APP_ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let jwks: Value = resp.json().await.unwrap();
    // The v1 path serves the same keys.
    let v1: Value = client()
        .get(format!("{}/{TENANT_ID}/discovery/keys", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"], v1["keys"]);

    for field in ["access_token", "id_token"] {
        let jwt = body[field].as_str().unwrap();
        let header = decode_part(jwt, 0);
        assert_eq!(header["alg"], "RS256");
        let key = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == header["kid"])
            .expect("token's kid is published");
        assert_eq!(key["kty"], "RSA");
        let n = BigUint::from_bytes_be(&B64URL.decode(key["n"].as_str().unwrap()).unwrap());
        let e = BigUint::from_bytes_be(&B64URL.decode(key["e"].as_str().unwrap()).unwrap());
        let verifying = VerifyingKey::<Sha256>::new(RsaPublicKey::new(n, e).unwrap());
        let (signed, sig) = jwt.rsplit_once('.').unwrap();
        let sig = Signature::try_from(B64URL.decode(sig).unwrap().as_slice()).unwrap();
        verifying
            .verify(signed.as_bytes(), &sig)
            .expect("signature verifies with the JWKS key");
        // A changed payload no longer verifies.
        let tampered = signed.replacen('.', ".e30", 1);
        assert!(verifying.verify(tampered.as_bytes(), &sig).is_err());
    }
}

#[tokio::test]
async fn password_grant_issues_entra_shaped_tokens_for_both_accounts() {
    let sim = sim().await;
    let accounts = sim.state.tenant.lock().unwrap().accounts();
    for user in [ADMIN, HELPDESK] {
        let account = accounts
            .iter()
            .find(|a| a.upn == user)
            .expect("seeded account");
        let (status, body) = ropc(&sim, user, PASSWORD, GRAPH_SCOPES).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3600);
        assert_eq!(body["ext_expires_in"], 3600);
        assert_eq!(
            body["scope"],
            "openid profile https://graph.microsoft.com/GroupMember.Read.All"
        );
        assert!(body["refresh_token"]
            .as_str()
            .is_some_and(|s| !s.is_empty()));
        let info: Value = serde_json::from_slice(
            &B64URL
                .decode(body["client_info"].as_str().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(info, json!({ "uid": account.oid, "utid": TENANT_ID }));

        let at = claims(body["access_token"].as_str().unwrap());
        assert_eq!(at["aud"], GRAPH_AUDIENCE);
        assert_eq!(at["tid"], TENANT_ID);
        assert_eq!(at["oid"], account.oid.as_str());
        assert_eq!(at["upn"], user);
        assert_eq!(at["name"], account.display_name.as_str());
        assert_eq!(at["scp"], "openid profile GroupMember.Read.All");
        assert_eq!(at["ver"], "1.0");
        assert_eq!(at["iss"], format!("https://sts.windows.net/{TENANT_ID}/"));
        assert_eq!(at["appid"], CLIENT_ID);
        assert_eq!(
            at["exp"].as_i64().unwrap() - at["iat"].as_i64().unwrap(),
            3600
        );
        assert!(at["nbf"].as_i64().unwrap() <= now());

        let id = claims(body["id_token"].as_str().unwrap());
        assert_eq!(id["aud"], CLIENT_ID);
        assert_eq!(id["iss"], format!("{}/{TENANT_ID}/v2.0", sim.base_url()));
        assert_eq!(id["ver"], "2.0");
        assert_eq!(id["preferred_username"], user);
        assert_eq!(id["oid"], account.oid.as_str());
        assert_eq!(id["tid"], TENANT_ID);
        assert!(id["sub"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(id.get("nonce").is_none());
    }
    // The directory role of the admin shows in `wids`; the helpdesk account has none.
    let admin = claims(&graph_token(&sim, ADMIN).await);
    assert!(admin["wids"]
        .as_array()
        .unwrap()
        .contains(&json!("fdd7a751-b60b-444a-984c-02652fe8fa1c")));
    let helpdesk = claims(&graph_token(&sim, HELPDESK).await);
    assert_eq!(helpdesk["wids"], json!([]));
}

#[tokio::test]
async fn password_grant_failures_use_entra_codes() {
    let sim = sim().await;
    let (status, body) = ropc(&sim, ADMIN, "wrong", GRAPH_SCOPES).await;
    assert_eq!(status, 400);
    assert_sts_error(&body, "invalid_grant", 50126);

    let (status, body) = ropc(
        &sim,
        "nobody@contoso.onmicrosoft.com",
        PASSWORD,
        GRAPH_SCOPES,
    )
    .await;
    assert_eq!(status, 400);
    assert_sts_error(&body, "invalid_grant", 50034);

    let (status, body) = ropc(
        &sim,
        ADMIN,
        PASSWORD,
        "https://graph.microsoft.com/User.Read https://outlook.office365.com/Exchange.Manage",
    )
    .await;
    assert_eq!(status, 400);
    assert_sts_error(&body, "invalid_scope", 28000);

    let (status, body) = ropc(&sim, ADMIN, PASSWORD, "https://api.fabrikam.com/Read").await;
    assert_eq!(status, 400);
    assert_sts_error(&body, "invalid_resource", 500011);

    let resp = client()
        .post(token_url(&sim))
        .form(&[("client_id", CLIENT_ID), ("username", ADMIN)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_sts_error(&body, "invalid_request", 900144);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("'grant_type'"));

    let resp = client()
        .post(token_url(&sim))
        .form(&[
            ("client_id", CLIENT_ID),
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ])
        .send()
        .await
        .unwrap();
    assert_sts_error(&resp.json().await.unwrap(), "unsupported_grant_type", 70003);
}

#[tokio::test]
async fn exchange_scope_gives_an_exchange_audience_token() {
    let sim = sim().await;
    let (status, body) = ropc(&sim, ADMIN, PASSWORD, EXCHANGE_SCOPES).await;
    assert_eq!(status, 200, "{body}");
    let at = claims(body["access_token"].as_str().unwrap());
    assert_eq!(at["aud"], EXCHANGE_AUDIENCE);
    assert_eq!(at["scp"], "Exchange.Manage");
    // `.default` grants the app's configured permissions of that resource.
    let (_, body) = ropc(
        &sim,
        ADMIN,
        PASSWORD,
        "https://outlook.office365.com/.default",
    )
    .await;
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["scp"],
        "Exchange.Manage"
    );
}

#[tokio::test]
async fn sign_in_page_lists_the_seeded_accounts() {
    let sim = sim().await;
    let (_, challenge) = pkce("page");
    let resp = client()
        .get(authorize_url(&sim))
        .query(&authorize_params(&challenge, "fragment", GRAPH_SCOPES))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = resp.text().await.unwrap();
    assert!(html.contains(&format!("value=\"{ADMIN}\"")));
    assert!(html.contains(&format!("value=\"{HELPDESK}\"")));
    assert!(html.contains("type=\"password\""));
    // The authorize parameters ride along in the form (HTML-escaped).
    assert!(html.contains(&format!("name=\"code_challenge\" value=\"{challenge}\"")));

    // A wrong password shows the page again with Entra's message, and no redirect.
    let resp = sign_in(
        &sim,
        &authorize_params(&challenge, "fragment", GRAPH_SCOPES),
        ADMIN,
        "nope",
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("Your account or password is incorrect."));
}

#[tokio::test]
async fn authorization_code_with_pkce_in_fragment_and_query_mode() {
    let sim = sim().await;
    for mode in ["fragment", "query"] {
        let (verifier, challenge) = pkce(mode);
        let params = get_code(&sim, &challenge, mode, GRAPH_SCOPES).await;
        // `state` round-trips byte for byte (including `|`, `+` and `=`).
        assert_eq!(
            params["state"],
            authorize_params(&challenge, mode, GRAPH_SCOPES)[11].1
        );
        assert!(params.contains_key("session_state"));
        let info: Value =
            serde_json::from_slice(&B64URL.decode(params["client_info"].as_str()).unwrap())
                .unwrap();
        assert_eq!(info["utid"], TENANT_ID);

        let resp = redeem(&sim, &params["code"], &verifier, REDIRECT_URI).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["access-control-allow-origin"], "*");
        assert!(resp.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store"));
        let body: Value = resp.json().await.unwrap();
        let id = claims(body["id_token"].as_str().unwrap());
        assert_eq!(id["nonce"], "nonce-7f3a");
        assert_eq!(id["preferred_username"], ADMIN);
        assert_eq!(
            claims(body["access_token"].as_str().unwrap())["aud"],
            GRAPH_AUDIENCE
        );
        // Redeemed cross-origin: a single-page app's refresh token, fixed 24 h.
        assert_eq!(body["refresh_token_expires_in"], 86400);
    }
}

#[tokio::test]
async fn authorization_code_failures_use_entra_codes() {
    let sim = sim().await;
    let (verifier, challenge) = pkce("fail");

    let code = get_code(&sim, &challenge, "fragment", GRAPH_SCOPES).await["code"].clone();
    let resp = redeem(
        &sim,
        &code,
        "a-different-verifier-0123456789012345678901234567890",
        REDIRECT_URI,
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert_sts_error(&resp.json().await.unwrap(), "invalid_grant", 50148);

    let resp = redeem(&sim, &code, &verifier, "http://localhost:3000/other").await;
    assert_eq!(resp.status(), 401);
    assert_sts_error(&resp.json().await.unwrap(), "invalid_client", 500112);

    // Failed attempts don't use the code up; the first good redemption does.
    assert_eq!(
        redeem(&sim, &code, &verifier, REDIRECT_URI).await.status(),
        200
    );
    let resp = redeem(&sim, &code, &verifier, REDIRECT_URI).await;
    assert_eq!(resp.status(), 400);
    assert_sts_error(&resp.json().await.unwrap(), "invalid_grant", 54005);

    let resp = redeem(&sim, "1.not-a-code", &verifier, REDIRECT_URI).await;
    assert_eq!(resp.status(), 400);
    assert_sts_error(&resp.json().await.unwrap(), "invalid_grant", 9002313);

    // A browser redemption of a code requested without PKCE is refused.
    let mut params = authorize_params(&challenge, "query", GRAPH_SCOPES);
    params.retain(|(k, _)| !k.starts_with("code_challenge"));
    let location = sign_in(&sim, &params, ADMIN, PASSWORD).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let code = redirect_params(&location, "query")["code"].clone();
    let resp = redeem(&sim, &code, "", REDIRECT_URI).await;
    assert_sts_error(&resp.json().await.unwrap(), "invalid_request", 9002325);
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let sim = start(SimConfig {
        auth_code_lifetime: Duration::ZERO,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (verifier, challenge) = pkce("expired");
    let code = get_code(&sim, &challenge, "fragment", GRAPH_SCOPES).await["code"].clone();
    let resp = redeem(&sim, &code, &verifier, REDIRECT_URI).await;
    assert_eq!(resp.status(), 400);
    assert_sts_error(&resp.json().await.unwrap(), "invalid_grant", 70008);
}

#[tokio::test]
async fn authorize_errors_go_to_the_page_or_back_to_the_app() {
    let sim = sim().await;
    let (_, challenge) = pkce("authz");
    // No redirect URI to trust: Entra's own error page.
    let mut params = authorize_params(&challenge, "query", GRAPH_SCOPES);
    params.retain(|(k, _)| k != "redirect_uri");
    let resp = client()
        .get(authorize_url(&sim))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("AADSTS900144"));

    // A bad scope is reported to the app, with its state.
    let params = authorize_params(&challenge, "query", "https://api.fabrikam.com/Read");
    let resp = client()
        .get(authorize_url(&sim))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let back = redirect_params(resp.headers()["location"].to_str().unwrap(), "query");
    assert_eq!(back["error"], "invalid_resource");
    assert!(back["error_description"].starts_with("AADSTS500011"));
    assert_eq!(back["state"], params[11].1);

    // Permissions of two resources are fine at /authorize (consent asked up front, as MSAL's
    // extraScopesToConsent does); only the token endpoint insists on one resource per token.
    let params = authorize_params(
        &challenge,
        "query",
        "https://graph.microsoft.com/User.Read https://outlook.office365.com/Exchange.Manage",
    );
    let resp = client()
        .get(authorize_url(&sim))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        200,
        "the sign-in page, not an error redirect"
    );
}

#[tokio::test]
async fn a_misregistered_app_gets_entras_answers() {
    let sim = sim().await;
    let problem = |p| {
        sim.set_knobs(Knobs {
            registration_problem: p,
            ..Knobs::default()
        })
        .unwrap()
    };
    let (verifier, challenge) = pkce("registration");
    let params = authorize_params(&challenge, "query", GRAPH_SCOPES);
    let authorize = || async {
        client()
            .get(authorize_url(&sim))
            .query(&params)
            .send()
            .await
            .unwrap()
    };

    // A redirect URI that is not registered, an unknown client id: Entra's own page, no redirect.
    for (p, code) in [
        (RegistrationProblem::RedirectUriNotRegistered, "AADSTS50011"),
        (RegistrationProblem::UnknownClient, "AADSTS700016"),
    ] {
        problem(Some(p));
        let resp = authorize().await;
        assert_eq!(resp.status(), 400, "{p:?}");
        assert!(resp.headers().get("location").is_none(), "{p:?}");
        assert!(resp.text().await.unwrap().contains(code), "{p:?}");
        // Posting the sign-in form is refused alike.
        let resp = sign_in(&sim, &params, ADMIN, PASSWORD).await;
        assert!(resp.headers().get("location").is_none(), "{p:?}");
    }
    // The token endpoint doesn't know the client either.
    let (status, body) = ropc(&sim, ADMIN, PASSWORD, GRAPH_SCOPES).await;
    assert_eq!(status, 400);
    assert_sts_error(&body, "unauthorized_client", 700016);

    // Registered under Web: the code is issued, the browser's redemption refused.
    problem(Some(RegistrationProblem::WebPlatform));
    let code = get_code(&sim, &challenge, "query", GRAPH_SCOPES).await["code"].clone();
    let resp = redeem(&sim, &code, &verifier, REDIRECT_URI).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_sts_error(&body, "invalid_request", 9002326);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains(&format!("Request origin: '{APP_ORIGIN}'")));
    // A server-side (no Origin) password grant still works: only cross-origin is refused.
    assert_eq!(ropc(&sim, ADMIN, PASSWORD, GRAPH_SCOPES).await.0, 200);

    // Consent blocked: "Need admin approval" instead of a code; its way back is access_denied.
    problem(Some(RegistrationProblem::ConsentBlocked));
    let resp = sign_in(&sim, &params, ADMIN, PASSWORD).await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Need admin approval") && html.contains("AADSTS90094"));
    assert!(html.contains("name=\"consent_declined\""));
    let mut back = params.clone();
    back.push(("consent_declined".into(), "1".into()));
    let resp = client()
        .post(authorize_url(&sim))
        .form(&back)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let answer = redirect_params(resp.headers()["location"].to_str().unwrap(), "query");
    assert_eq!(answer["error"], "access_denied");
    assert!(answer["error_description"].starts_with("AADSTS65004"));
    assert_eq!(answer["state"], params[11].1);

    // Registered as the README says: signing in works again.
    problem(None);
    assert!(get_code(&sim, &challenge, "query", GRAPH_SCOPES)
        .await
        .contains_key("code"));
}

#[tokio::test]
async fn silent_sign_in_needs_a_session_and_logout_ends_it() {
    let sim = sim().await;
    let (_, challenge) = pkce("silent");
    let params = authorize_params(&challenge, "fragment", GRAPH_SCOPES);
    let back = silent_authorize(&sim, &params, "fragment", None).await;
    assert_eq!(back["error"], "login_required");
    assert!(back["error_description"].starts_with("AADSTS50058"));

    let signed_in = sign_in(&sim, &params, ADMIN, PASSWORD).await;
    let cookie = session_cookie(&signed_in);
    let back = silent_authorize(&sim, &params, "fragment", Some(&cookie)).await;
    assert!(back.contains_key("code"), "{back:?}");

    let resp = client()
        .get(format!("{}/{TENANT_ID}/oauth2/v2.0/logout", sim.base_url()))
        .query(&[("post_logout_redirect_uri", REDIRECT_URI)])
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"], REDIRECT_URI);
    let back = silent_authorize(&sim, &params, "fragment", Some(&cookie)).await;
    assert_eq!(back["error"], "login_required");
}

#[tokio::test]
async fn a_refresh_token_is_redeemed_for_another_resource() {
    let sim = sim().await;
    let (_, body) = ropc(&sim, ADMIN, PASSWORD, GRAPH_SCOPES).await;
    let rt = body["refresh_token"].as_str().unwrap();
    let resp = client()
        .post(token_url(&sim))
        .form(&[
            ("client_id", CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("scope", EXCHANGE_SCOPES),
            ("client_info", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let at = claims(body["access_token"].as_str().unwrap());
    assert_eq!(at["aud"], EXCHANGE_AUDIENCE);
    assert_eq!(at["scp"], "Exchange.Manage");
    assert_eq!(at["upn"], ADMIN);
    assert!(body["refresh_token"].as_str().is_some_and(|n| n != rt));

    let resp = client()
        .post(token_url(&sim))
        .form(&[
            ("client_id", CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", "1.bogus"),
            ("scope", GRAPH_SCOPES),
        ])
        .send()
        .await
        .unwrap();
    assert_sts_error(&resp.json().await.unwrap(), "invalid_grant", 9002313);

    let resp = client()
        .post(token_url(&sim))
        .form(&[
            ("client_id", "another-client"),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("scope", GRAPH_SCOPES),
        ])
        .send()
        .await
        .unwrap();
    assert_sts_error(&resp.json().await.unwrap(), "invalid_grant", 70000);
}

#[tokio::test]
async fn token_endpoint_answers_cors_preflight() {
    let sim = sim().await;
    let resp = client()
        .request(reqwest::Method::OPTIONS, token_url(&sim))
        .header("Origin", APP_ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    assert!(resp.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));
}

/// A tiny route standing in for a service handler: authenticates for `audience`.
async fn whoami_server(state: AppState) -> String {
    async fn whoami(
        State(state): State<AppState>,
        headers: HeaderMap,
    ) -> (axum::http::StatusCode, Json<Value>) {
        match authenticate(&state, &headers, GRAPH_AUDIENCE) {
            Ok(c) => (
                axum::http::StatusCode::OK,
                Json(
                    json!({ "oid": c.oid, "upn": c.upn, "tid": c.tid, "scopes": c.scopes, "roles": c.roles }),
                ),
            ),
            Err(f) => (
                axum::http::StatusCode::from_u16(f.status).unwrap(),
                Json(json!({ "code": f.code, "message": f.message })),
            ),
        }
    }
    let app = Router::new()
        .route("/whoami", get(whoami))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/whoami", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn call(url: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = client().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn authenticate_accepts_good_tokens_and_rejects_bad_ones_with_401() {
    let sim = sim().await;
    let url = whoami_server(sim.state.clone()).await;

    let token = graph_token(&sim, ADMIN).await;
    let (status, body) = call(&url, Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["upn"], ADMIN);
    assert_eq!(body["tid"], TENANT_ID);
    assert!(body["scopes"]
        .as_array()
        .unwrap()
        .contains(&json!("GroupMember.Read.All")));
    let roles = body["roles"].as_array().unwrap();
    for r in [
        "ExchangeRecipientManagement",
        "GroupsAdministrator",
        "GuestInviter",
    ] {
        assert!(roles.contains(&json!(r)), "{body}");
    }
    let (_, body) = call(&url, Some(&graph_token(&sim, HELPDESK).await)).await;
    assert_eq!(body["roles"], json!([]));

    let (status, body) = call(&url, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
    assert_eq!(body["message"], "Access token is empty.");

    let (status, body) = call(&url, Some("not-a-jwt")).await;
    assert_eq!(status, 401, "{body}");

    // Exchange token at a Graph route: wrong audience.
    let (_, ex) = ropc(&sim, ADMIN, PASSWORD, EXCHANGE_SCOPES).await;
    let (status, body) = call(&url, ex["access_token"].as_str()).await;
    assert_eq!(status, 401);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Invalid audience"),
        "{body}"
    );

    // Same claims, another sim's key (different seed): bad signature.
    let other = start(SimConfig {
        seed: 7,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let account = sim
        .state
        .tenant
        .lock()
        .unwrap()
        .accounts()
        .into_iter()
        .find(|a| a.upn == ADMIN)
        .unwrap();
    let foreign = issue_access_token(&other.state, &account, GRAPH_AUDIENCE, &["User.Read"]);
    let (status, body) = call(&url, Some(&foreign)).await;
    assert_eq!(status, 401);
    assert!(
        body["message"].as_str().unwrap().contains("signature"),
        "{body}"
    );

    // A token minted with lifetime 0 is already expired.
    sim.state.knobs.write().unwrap().token_lifetime_secs = 0;
    let expired = issue_access_token(&sim.state, &account, GRAPH_AUDIENCE, &["User.Read"]);
    let (status, body) = call(&url, Some(&expired)).await;
    assert_eq!(status, 401);
    assert!(
        body["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );
}

#[tokio::test]
async fn issue_access_token_gives_callers_their_roles() {
    let sim = sim_with(Knobs::default()).await;
    let accounts = sim.state.tenant.lock().unwrap().accounts();
    let admin = accounts.iter().find(|a| a.upn == ADMIN).unwrap();
    let token = issue_access_token(&sim.state, admin, EXCHANGE_AUDIENCE, &["Exchange.Manage"]);
    let mut headers = HeaderMap::new();
    headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    let caller = authenticate(&sim.state, &headers, EXCHANGE_AUDIENCE).expect("valid");
    assert!(caller.has_scope("exchange.manage"));
    assert!(caller.has_role(Role::ExchangeRecipientManagement));
    assert_eq!(
        authenticate(&sim.state, &headers, GRAPH_AUDIENCE)
            .unwrap_err()
            .status,
        401
    );
}

#[tokio::test]
async fn the_signing_key_follows_the_seed() {
    let a = start(SimConfig {
        seed: 7,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let b = start(SimConfig {
        seed: 7,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = start(SimConfig {
        seed: 0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    assert_eq!(a.state.identity.kid(), b.state.identity.kid());
    assert_ne!(a.state.identity.kid(), c.state.identity.kid());
    let _: &RunningSim = &a;
}

#[tokio::test]
async fn service_routes_refuse_a_token_for_the_other_resource() {
    let sim = sim().await;
    let graph = graph_token(&sim, ADMIN).await;
    let (_, ex) = ropc(&sim, ADMIN, PASSWORD, EXCHANGE_SCOPES).await;
    let exchange = ex["access_token"].as_str().unwrap();

    let resp = client()
        .get(format!("{}/v1.0/me", sim.base_url()))
        .bearer_auth(exchange)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    let resp = client()
        .get(format!("{}/v1.0/me", sim.base_url()))
        .bearer_auth(&graph)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let invoke = format!("{}/adminapi/beta/{TENANT_ID}/InvokeCommand", sim.base_url());
    let cmd = json!({ "CmdletInput": { "CmdletName": "Get-AcceptedDomain", "Parameters": {} } });
    let resp = client()
        .post(&invoke)
        .bearer_auth(&graph)
        .json(&cmd)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().contains_key("www-authenticate"));
    let resp = client()
        .post(&invoke)
        .bearer_auth(exchange)
        .json(&cmd)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

/// A minimal W3C WebDriver client (chromedriver speaks JSON over HTTP).
struct WebDriver {
    http: reqwest::Client,
    session: String,
}

impl WebDriver {
    async fn call(
        http: &reqwest::Client,
        method: reqwest::Method,
        url: String,
        body: Option<Value>,
    ) -> Value {
        let mut req = http.request(method, &url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("webdriver {url}: {e}"));
        let status = resp.status();
        let v: Value = resp.json().await.expect("webdriver JSON");
        assert!(status.is_success(), "webdriver {url}: {v}");
        v["value"].clone()
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        Self::call(&self.http, method, format!("{}{path}", self.session), body).await
    }

    async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    async fn script(&self, code: &str) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": code, "args": [] })),
        )
        .await
    }

    /// Like [`WebDriver::script`], but `None` when the browser refuses (e.g. between documents).
    async fn try_script(&self, code: &str) -> Option<Value> {
        let resp = self
            .http
            .post(format!("{}/execute/sync", self.session))
            .json(&json!({ "script": code, "args": [] }))
            .send()
            .await
            .ok()?;
        if !resp.status().is_success() {
            return None;
        }
        resp.json::<Value>().await.ok().map(|v| v["value"].clone())
    }

    async fn element(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .expect("element id")
            .to_string()
    }
}

/// Kills the chromedriver process this test started.
struct Driver(std::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real @azure/msal-browser (the npm package the app bundles), in headless Chromium, against
/// the sim over HTTPS: sign-in by redirect (PKCE, fragment response), silent tokens for Exchange
/// from the Graph refresh token, the token cache, a forced refresh, a cross-origin Graph call,
/// `ssoSilent` in an iframe (prompt=none with the sim's session), and sign-out by redirect.
#[tokio::test(flavor = "multi_thread")]
async fn the_real_msal_browser_accepts_the_sim() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = root.join("../node_modules/@azure/msal-browser/lib");
    assert!(
        lib.join("msal-browser.min.js").is_file(),
        "@azure/msal-browser is not installed: run `npm ci` at the workspace root"
    );
    let site = std::env::temp_dir().join(format!("guestlist-sim-msal-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&site).unwrap();
    for f in ["index.html", "app.js", "bridge.html", "bridge.js"] {
        std::fs::copy(root.join("tests/msal_page").join(f), site.join(f)).unwrap();
    }
    std::fs::copy(
        lib.join("msal-browser.min.js"),
        site.join("msal-browser.min.js"),
    )
    .unwrap();
    std::fs::copy(
        lib.join("redirect-bridge/msal-redirect-bridge.min.js"),
        site.join("msal-redirect-bridge.min.js"),
    )
    .unwrap();
    // MSAL only accepts https:// authorities.
    let sim = start(SimConfig {
        http: None,
        https: Some("127.0.0.1:0".parse().unwrap()),
        serve_dir: Some(site.clone()),
        ..SimConfig::default()
    })
    .await
    .unwrap();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _driver = Driver(
        std::process::Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver is installed"),
    );
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while http.get(format!("{base}/status")).send().await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "chromedriver did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let profile = site.join("profile");
    let caps = json!({ "capabilities": { "alwaysMatch": {
        "browserName": "chrome",
        "acceptInsecureCerts": true,
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--ignore-certificate-errors", format!("--user-data-dir={}", profile.display())]
        }
    }}});
    let session = WebDriver::call(
        &http,
        reqwest::Method::POST,
        format!("{base}/session"),
        Some(caps),
    )
    .await;
    let wd = WebDriver {
        http: http.clone(),
        session: format!("{base}/session/{}", session["sessionId"].as_str().unwrap()),
    };

    let app = sim.https_url.clone().unwrap();
    wd.cmd(
        reqwest::Method::POST,
        "/url",
        Some(json!({ "url": format!("{app}/") })),
    )
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !wd.url().await.contains("/oauth2/v2.0/authorize") {
        assert!(
            std::time::Instant::now() < deadline,
            "MSAL did not redirect to the sign-in page"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let admin = wd.element(&format!("input[value=\"{ADMIN}\"]")).await;
    wd.cmd(
        reqwest::Method::POST,
        &format!("/element/{admin}/click"),
        Some(json!({})),
    )
    .await;
    let password = wd.element("#i0118").await;
    wd.cmd(
        reqwest::Method::POST,
        &format!("/element/{password}/value"),
        Some(json!({ "text": PASSWORD })),
    )
    .await;
    let submit = wd.element("#idSIButton9").await;
    wd.cmd(
        reqwest::Method::POST,
        &format!("/element/{submit}/click"),
        Some(json!({})),
    )
    .await;

    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let title = loop {
        // The page navigates a few times; a script sent mid-navigation may fail: ask again.
        let t = wd
            .try_script("return document.title")
            .await
            .unwrap_or(Value::Null);
        if t == "DONE" || t == "ERROR" {
            break t;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the MSAL page did not finish"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let results: Value = serde_json::from_str(
        wd.script("return sessionStorage.getItem('simResults')")
            .await
            .as_str()
            .unwrap_or("[]"),
    )
    .unwrap();
    let _ = wd.cmd(reqwest::Method::DELETE, "", None).await;
    let _ = std::fs::remove_dir_all(&site);
    assert_eq!(title, "DONE", "{results:#}");

    let step = |name: &str| {
        results
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(step("login")["user"], ADMIN, "{results:#}");
    assert_eq!(step("login")["tenantId"], TENANT_ID);
    assert_eq!(step("login")["nonce"], true);
    assert!(step("login")["homeAccountId"]
        .as_str()
        .unwrap()
        .ends_with(&format!(".{TENANT_ID}")));
    assert_eq!(step("exchange")["aud"], EXCHANGE_AUDIENCE);
    assert_eq!(step("exchange")["fromCache"], false);
    assert_eq!(step("graph-cached")["fromCache"], true);
    assert_eq!(step("graph-refreshed")["fromCache"], false);
    assert_eq!(step("me")["status"], 200);
    assert_eq!(step("ssoSilent")["user"], ADMIN);
    assert_eq!(step("signed-out")["accounts"], 0);
}

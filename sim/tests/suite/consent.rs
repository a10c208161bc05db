//! Incremental consent: a browser app gets silent tokens only for permissions the user consented
//! to at an interactive sign-in; anything more needs interaction (AADSTS65001, suberror
//! `consent_required`), after which silent tokens carry it.

use crate::server_support;

use guestlist_sim::RunningSim;
use serde_json::Value;
use server_support::*;

const GROUP_WRITE: &str =
    "https://graph.microsoft.com/Group.ReadWrite.All openid profile offline_access";

/// Signs in interactively asking `scope`, redeems the code as a browser would; the refresh token.
async fn browser_sign_in(sim: &RunningSim, scope: &str) -> String {
    let (verifier, challenge) = pkce("consent");
    let params = get_code(sim, &challenge, "query", scope).await;
    let resp = redeem(sim, &params["code"], &verifier, REDIRECT_URI).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    body["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_string()
}

/// A silent token request as MSAL makes it from the browser.
async fn refresh(sim: &RunningSim, rt: &str, scope: &str) -> (u16, Value) {
    let resp = client()
        .post(token_url(sim))
        .header("Origin", APP_ORIGIN)
        .form(&[
            ("client_id", CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("scope", scope),
            ("client_info", "1"),
        ])
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn a_permission_not_consented_needs_interaction_then_is_silent() {
    let sim = sim().await;
    // Sign-in consents to what it names, Exchange included (MSAL's extraScopesToConsent).
    let rt = browser_sign_in(
        &sim,
        &format!("{GRAPH_SCOPES} https://outlook.office365.com/Exchange.Manage"),
    )
    .await;
    let (status, _) = refresh(&sim, &rt, EXCHANGE_SCOPES).await;
    assert_eq!(status, 200, "consented at sign-in");

    // Group.ReadWrite.All was not asked at sign-in.
    let (status, body) = refresh(&sim, &rt, GROUP_WRITE).await;
    assert_eq!(status, 400);
    assert_sts_error(&body, "invalid_grant", 65001);
    assert_eq!(body["suberror"], "consent_required");

    // Nor can a hidden iframe (prompt=none) get it with the live session.
    let (_, challenge) = pkce("silent");
    let signed_in = sign_in(
        &sim,
        &authorize_params(&challenge, "query", GRAPH_SCOPES),
        ADMIN,
        PASSWORD,
    )
    .await;
    let cookie = session_cookie(&signed_in);
    let params = authorize_params(&challenge, "query", GROUP_WRITE);
    let back = silent_authorize(&sim, &params, "query", Some(&cookie)).await;
    assert_eq!(back["error"], "consent_required");
    assert!(back["error_description"].starts_with("AADSTS65001: "));

    // The interactive request (MSAL's acquireTokenPopup) consents; then it is silent too.
    let rt2 = browser_sign_in(&sim, GROUP_WRITE).await;
    let (status, body) = refresh(&sim, &rt2, GROUP_WRITE).await;
    assert_eq!(status, 200, "{body}");
    let at = claims(body["access_token"].as_str().unwrap());
    assert!(at["scp"].as_str().unwrap().contains("Group.ReadWrite.All"));
    // Consent belongs to the user and app, not to one refresh token.
    let (status, _) = refresh(&sim, &rt, GROUP_WRITE).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_password_grant_stands_for_consent_given_beforehand() {
    let sim = sim().await;
    let (status, body) = ropc(&sim, ADMIN, PASSWORD, GROUP_WRITE).await;
    assert_eq!(status, 200, "{body}");
}

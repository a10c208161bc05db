//! Many tenants in one sim: a partner's admin signs in at home, lists the GDAP customers, gets
//! tokens from each customer's authority (refused until the app is consented there) and every
//! Graph and Exchange call answers within the token's tenant and the relationship's roles.

use crate::tenant_support;

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use guestlist_sim::contract::{Role, CUSTOMERS, HOME, PARTNER};
use guestlist_sim::state::GRAPH_AUDIENCE;
use guestlist_sim::{identity, Knobs};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use tenant_support::{Reply, Sim};

const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
const REDIRECT_URI: &str = "http://localhost:3000/";
const PARTNER_ADMIN: &str = "admin@litwarepartners.onmicrosoft.com";
const PARTNER_HELPDESK: &str = "helpdesk@litwarepartners.onmicrosoft.com";
const GRAPH: &str = "https://graph.microsoft.com/.default openid profile offline_access";
const EXCHANGE: &str = "https://outlook.office365.com/.default openid profile offline_access";
/// What the partner's sign-in consents to (`.default` can't be combined with other scopes).
const SIGN_IN: &str = "https://graph.microsoft.com/User.Read \
    https://graph.microsoft.com/DelegatedAdminRelationship.Read.All openid profile offline_access";
const CUSTOMERS_SCOPE: &str =
    "https://graph.microsoft.com/DelegatedAdminRelationship.Read.All openid profile offline_access";

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).expect("JWT payload");
    serde_json::from_slice(&B64URL.decode(part).expect("base64url")).expect("JSON")
}

fn query_of(location: &str) -> HashMap<String, String> {
    let url = url::Url::parse(location).expect("absolute Location");
    url.query_pairs().into_owned().collect()
}

/// A sign-in as MSAL makes it at `organizations` (the partner's deployment): the sign-in page
/// answered for `upn`, the code redeemed cross-origin. The refresh token and the session cookie.
async fn sign_in(sim: &Sim, upn: &str) -> (String, String) {
    let verifier = "verifier-tenants-0123456789abcdefghijklmnopqrstuvwxyz0123456789";
    let challenge = B64URL.encode(Sha256::digest(verifier.as_bytes()));
    let base = sim.base();
    let signed_in = browser()
        .post(format!("{base}/organizations/oauth2/v2.0/authorize"))
        .form(&[
            ("client_id", CLIENT_ID),
            ("scope", SIGN_IN),
            ("redirect_uri", REDIRECT_URI),
            ("response_mode", "query"),
            ("response_type", "code"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("login", upn),
            ("passwd", "demo"),
        ])
        .send()
        .await
        .expect("sign-in");
    assert_eq!(signed_in.status(), 302);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let code = query_of(signed_in.headers()["location"].to_str().unwrap())["code"].clone();
    let (status, body) = token_at(
        sim,
        "organizations",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier),
            ("scope", GRAPH),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let rt = body["refresh_token"].as_str().expect("refresh token");
    (rt.to_string(), cookie)
}

/// A token request at `{sim}/{tenant}/oauth2/v2.0/token` from the browser.
async fn token_at(sim: &Sim, tenant: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let mut form = form.to_vec();
    form.extend([("client_id", CLIENT_ID), ("client_info", "1")]);
    let resp = browser()
        .post(format!("{}/{tenant}/oauth2/v2.0/token", sim.base()))
        .header("Origin", "http://localhost:3000")
        .form(&form)
        .send()
        .await
        .expect("token request");
    (resp.status().as_u16(), resp.json().await.expect("JSON"))
}

/// MSAL's silent request with the customer's `authority`: the refresh token redeemed there.
async fn refresh_at(sim: &Sim, tenant: &str, rt: &str, scope: &str) -> (u16, Value) {
    token_at(
        sim,
        tenant,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("scope", scope),
        ],
    )
    .await
}

async fn access_token_at(sim: &Sim, tenant: &str, rt: &str, scope: &str) -> String {
    let (status, body) = refresh_at(sim, tenant, rt, scope).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("token").to_string()
}

fn names(reply: &Reply) -> Vec<String> {
    reply.body["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|g| g["displayName"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn exo_url(sim: &Sim, tenant: &str) -> String {
    format!("{}/adminapi/beta/{tenant}/InvokeCommand", sim.base())
}

async fn exo_at(sim: &Sim, tenant: &str, token: &str, cmdlet: &str, params: Value) -> Reply {
    let body = json!({"CmdletInput": {"CmdletName": cmdlet, "Parameters": params}});
    sim.send(
        reqwest::Method::POST,
        Some(token),
        &exo_url(sim, tenant),
        &[],
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_partner_lists_its_customers_and_others_see_none() {
    let sim = Sim::start(Knobs::default()).await;
    let (rt, _) = sign_in(&sim, PARTNER_ADMIN).await;
    let token = access_token_at(&sim, "organizations", &rt, CUSTOMERS_SCOPE).await;
    assert_eq!(
        claims(&token)["tid"],
        PARTNER.id,
        "organizations: the home tenant"
    );

    let r = sim
        .get(&token, "/tenantRelationships/delegatedAdminCustomers")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let customers = r.body["value"].as_array().expect("value");
    assert_eq!(customers.len(), CUSTOMERS.len());
    for (item, org) in customers.iter().zip(CUSTOMERS) {
        assert_eq!(item["tenantId"], org.id);
        assert_eq!(item["id"], org.id);
        assert_eq!(item["displayName"], org.name);
        assert!(item["@odata.etag"].is_string(), "{item}");
    }

    // Without DelegatedAdminRelationship.Read.All: 403.
    let plain = access_token_at(&sim, "organizations", &rt, GRAPH).await;
    let r = sim
        .get(&plain, "/tenantRelationships/delegatedAdminCustomers")
        .await;
    assert_eq!(r.status, 403, "{}", r.text);

    // Contoso's admin is nobody's partner: an empty list, nothing new.
    let contoso = sim.token(
        "admin@contoso.onmicrosoft.com",
        GRAPH_AUDIENCE,
        &["DelegatedAdminRelationship.Read.All"],
    );
    let r = sim
        .get(&contoso, "/tenantRelationships/delegatedAdminCustomers")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["value"], json!([]));
}

#[tokio::test]
async fn tokens_from_a_customers_authority_answer_within_that_customer() {
    let sim = Sim::start(Knobs::default()).await;
    let (rt, _) = sign_in(&sim, PARTNER_ADMIN).await;
    let [northwind, tailspin, _] = CUSTOMERS;

    let (status, body) = refresh_at(&sim, northwind.id, &rt, GRAPH).await;
    assert_eq!(status, 200, "{body}");
    let graph = body["access_token"].as_str().unwrap().to_string();
    let c = claims(&graph);
    assert_eq!(c["tid"], northwind.id);
    assert_eq!(c["upn"], PARTNER_ADMIN);
    assert_eq!(c["idp"], format!("https://sts.windows.net/{}/", PARTNER.id));
    assert_eq!(
        claims(body["id_token"].as_str().unwrap())["tid"],
        northwind.id
    );
    // MSAL keys the account by client_info: still the partner's home account.
    let info: Value = serde_json::from_slice(
        &B64URL
            .decode(body["client_info"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(info["utid"], PARTNER.id);
    // The domain works as the authority too.
    let (status, _) = refresh_at(&sim, tailspin.domain, &rt, GRAPH).await;
    assert_eq!(status, 200);

    // Graph answers from Northwind's directory only.
    let groups = sim.get(&graph, "/groups").await;
    assert_eq!(groups.status, 200, "{}", groups.text);
    let listed = names(&groups);
    assert!(
        listed.contains(&"Northwind Suppliers".to_string()),
        "{listed:?}"
    );
    assert!(
        listed.iter().all(|n| n.starts_with("Northwind ")),
        "{listed:?}"
    );
    // /me is still the partner's admin.
    let me = sim.get(&graph, "/me").await;
    assert_eq!(me.body["userPrincipalName"], PARTNER_ADMIN, "{}", me.text);

    // A write lands in Northwind and nowhere else.
    let invited = sim
        .post(
            &graph,
            "/invitations",
            json!({"invitedUserEmailAddress": "ann@fabrikam.com", "inviteRedirectUrl": "https://myapps.microsoft.com"}),
        )
        .await;
    assert_eq!(invited.status, 201, "{}", invited.text);
    let has_ann = |org: &str| {
        sim.sim
            .state
            .tenant_of(org)
            .users()
            .iter()
            .any(|u| u.mail.as_deref() == Some("ann@fabrikam.com"))
    };
    assert!(has_ann(northwind.id));
    assert!(!has_ann(tailspin.id) && !has_ann(HOME.id) && !has_ann(PARTNER.id));

    // Exchange the same, through the customer's own URL.
    let exo = access_token_at(&sim, northwind.id, &rt, EXCHANGE).await;
    let r = exo_at(
        &sim,
        northwind.id,
        &exo,
        "Get-OrganizationConfig",
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["value"][0]["DisplayName"], northwind.name);
    let r = exo_at(&sim, northwind.id, &exo, "Get-DistributionGroup", json!({})).await;
    let listed: Vec<&str> = r.body["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter_map(|g| g["DisplayName"].as_str())
        .collect();
    assert_eq!(
        listed.len(),
        3,
        "two distribution groups and a mail-enabled security group"
    );
    assert!(
        listed.iter().all(|n| n.starts_with("Northwind ")),
        "{listed:?}"
    );
}

#[tokio::test]
async fn a_token_for_one_tenant_is_refused_on_another() {
    let sim = Sim::start(Knobs::default()).await;
    let (rt, _) = sign_in(&sim, PARTNER_ADMIN).await;
    let [northwind, tailspin, _] = CUSTOMERS;
    let exo = access_token_at(&sim, northwind.id, &rt, EXCHANGE).await;

    // Exchange names the tenant in its URL: Northwind's token doesn't open Tailspin.
    let r = exo_at(&sim, tailspin.id, &exo, "Get-OrganizationConfig", json!({})).await;
    assert_eq!(r.status, 401, "{}", r.text);
    let r = exo_at(&sim, HOME.id, &exo, "Get-OrganizationConfig", json!({})).await;
    assert_eq!(r.status, 401, "{}", r.text);

    // Graph answers from the token's tenant: Tailspin's group is unknown with Northwind's token.
    let tailspin_graph = access_token_at(&sim, tailspin.id, &rt, GRAPH).await;
    let groups = sim.get(&tailspin_graph, "/groups").await;
    let id = groups.body["value"][0]["id"].as_str().unwrap().to_string();
    let northwind_graph = access_token_at(&sim, northwind.id, &rt, GRAPH).await;
    assert_eq!(
        sim.get(&tailspin_graph, &format!("/groups/{id}"))
            .await
            .status,
        200
    );
    assert_eq!(
        sim.get(&northwind_graph, &format!("/groups/{id}"))
            .await
            .status,
        404
    );

    // A token for a tenant the account has no relationship with is no token at all.
    let account = identity::account_by_upn(&sim.sim.state, PARTNER_ADMIN).expect("partner admin");
    let forged = identity::issue_access_token_in(
        &sim.sim.state,
        &account,
        HOME.id,
        GRAPH_AUDIENCE,
        &["GroupMember.Read.All"],
    );
    let r = sim.get(&forged, "/groups").await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "InvalidAuthenticationToken");
    // Nor does Entra issue one: AADSTS50020 at Contoso's authority.
    let (status, body) = refresh_at(&sim, HOME.id, &rt, GRAPH).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error_codes"][0], 50020, "{body}");
}

#[tokio::test]
async fn calls_in_a_customer_hold_only_the_relationships_roles() {
    let sim = Sim::start(Knobs::default()).await;
    let (rt, _) = sign_in(&sim, PARTNER_HELPDESK).await;
    let [northwind, tailspin, _] = CUSTOMERS;
    // The helpdesk holds Guest Inviter in Northwind, and nothing in Tailspin.
    let (status, body) = refresh_at(&sim, tailspin.id, &rt, GRAPH).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error_codes"][0], 50020, "{body}");

    let graph = access_token_at(&sim, northwind.id, &rt, GRAPH).await;
    let invited = sim
        .post(
            &graph,
            "/invitations",
            json!({"invitedUserEmailAddress": "bo@fabrikam.com", "inviteRedirectUrl": "https://myapps.microsoft.com"}),
        )
        .await;
    assert_eq!(invited.status, 201, "{}", invited.text);
    let guest = invited.body["invitedUser"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let groups = sim.get(&graph, "/groups").await;
    let projects = groups.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["displayName"] == "Northwind Projects")
        .expect("Northwind Projects")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let add = sim
        .post(
            &graph,
            &format!("/groups/{projects}/members/$ref"),
            json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{guest}")}),
        )
        .await;
    assert_eq!(
        add.status, 403,
        "no Groups Administrator role: {}",
        add.text
    );

    let exo = access_token_at(&sim, northwind.id, &rt, EXCHANGE).await;
    let r = exo_at(
        &sim,
        northwind.id,
        &exo,
        "New-MailContact",
        json!({"Name": "Cy", "ExternalEmailAddress": "cy@fabrikam.com"}),
    )
    .await;
    assert_eq!(r.status.as_u16() / 100, 4, "no Exchange role: {}", r.text);
}

#[tokio::test]
async fn a_partner_who_drops_the_exchange_role_in_one_customer_is_refused_only_there() {
    let sim = Sim::start(Knobs::default()).await;
    let (rt, _) = sign_in(&sim, PARTNER_ADMIN).await;
    let [northwind, tailspin, _] = CUSTOMERS;
    let tenancy = &sim.sim.state.tenancy;
    let seeded = tenancy
        .gdap_roles(PARTNER_ADMIN, tailspin.id)
        .expect("a relationship with Tailspin");
    let mut roles = seeded.clone();
    roles.retain(|r| *r != Role::ExchangeRecipientManagement);
    tenancy.set_gdap_roles(PARTNER_ADMIN, tailspin.id, roles);
    let contact =
        |name: &str| json!({"Name": name, "ExternalEmailAddress": format!("{name}@fabrikam.com")});
    for (org, allowed) in [(tailspin, false), (northwind, true)] {
        let exo = access_token_at(&sim, org.id, &rt, EXCHANGE).await;
        let r = exo_at(&sim, org.id, &exo, "New-MailContact", contact(org.id)).await;
        assert_eq!(r.status.is_success(), allowed, "{}: {}", org.name, r.text);
    }
    tenancy.set_gdap_roles(PARTNER_ADMIN, tailspin.id, seeded);
    let exo = access_token_at(&sim, tailspin.id, &rt, EXCHANGE).await;
    let r = exo_at(&sim, tailspin.id, &exo, "New-MailContact", contact("again")).await;
    assert!(r.status.is_success(), "{}", r.text);
}

#[tokio::test]
async fn a_customer_without_consent_refuses_until_an_admin_consents() {
    let sim = Sim::start(Knobs::default()).await;
    let (rt, cookie) = sign_in(&sim, PARTNER_ADMIN).await;
    let adatum = CUSTOMERS[2];

    let (status, body) = refresh_at(&sim, adatum.id, &rt, GRAPH).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_codes"][0], 65001, "{body}");
    assert_eq!(body["suberror"], "consent_required");
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS65001: The user or administrator has not consented"));

    // The admin-consent link for Adatum, followed in the signed-in browser.
    let consent = browser()
        .get(format!("{}/{}/v2.0/adminconsent", sim.base(), adatum.id))
        .query(&[
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("state", "s1"),
        ])
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(consent.status(), 302);
    let back = query_of(consent.headers()["location"].to_str().unwrap());
    assert_eq!(back["admin_consent"], "True");
    assert_eq!(back["tenant"], adatum.id);
    assert_eq!(back["state"], "s1");

    let (status, body) = refresh_at(&sim, adatum.id, &rt, GRAPH).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["tid"],
        adatum.id
    );

    // Without a signed-in session there is nobody to consent.
    let anonymous = browser()
        .get(format!("{}/{}/v2.0/adminconsent", sim.base(), adatum.id))
        .query(&[("client_id", CLIENT_ID), ("redirect_uri", REDIRECT_URI)])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 400);
}

#[tokio::test]
async fn a_customers_default_domain_is_found_by_its_tenant_id() {
    let sim = Sim::start(Knobs::default()).await;
    // Any tenant's public facts, whoever asks (no Entra role needed).
    let token = sim.token(
        "admin@contoso.onmicrosoft.com",
        GRAPH_AUDIENCE,
        &["CrossTenantInformation.ReadBasic.All"],
    );
    for org in CUSTOMERS {
        let path = format!(
            "/tenantRelationships/findTenantInformationByTenantId(tenantId='{}')",
            org.id
        );
        let r = sim.get(&token, &path).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["tenantId"], org.id);
        assert_eq!(r.body["displayName"], org.name);
        assert_eq!(r.body["defaultDomainName"], org.domain);
        assert!(r.body["@odata.context"]
            .as_str()
            .is_some_and(|c| c.ends_with("$metadata#microsoft.graph.tenantInformation")));
    }
    // An unknown tenant: 404; without the permission: 403.
    let r = sim
        .get(
            &token,
            "/tenantRelationships/findTenantInformationByTenantId(tenantId='00000000-0000-0000-0000-000000000000')",
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let plain = sim.token(
        "admin@contoso.onmicrosoft.com",
        GRAPH_AUDIENCE,
        &["User.Read"],
    );
    let path = format!(
        "/tenantRelationships/findTenantInformationByTenantId(tenantId='{}')",
        CUSTOMERS[0].id
    );
    assert_eq!(sim.get(&plain, &path).await.status, 403);
}

/// Graph's write budgets are per tenant and per app and tenant
/// (<https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits>):
/// a partner's admin who spends one customer's budget can still write in another customer.
#[tokio::test]
async fn one_customers_spent_write_budget_does_not_throttle_another() {
    for knobs in [
        Knobs {
            graph_app_write_limit: 2,
            graph_app_write_window_ms: 60_000,
            graph_tenant_write_limit: 0,
            ..Knobs::default()
        },
        Knobs {
            graph_app_write_limit: 0,
            graph_tenant_write_limit: 2,
            graph_tenant_write_window_ms: 60_000,
            ..Knobs::default()
        },
    ] {
        let sim = Sim::start(knobs).await;
        let (rt, _) = sign_in(&sim, PARTNER_ADMIN).await;
        let [northwind, tailspin, _] = CUSTOMERS;
        let northwind_token = access_token_at(&sim, northwind.id, &rt, GRAPH).await;
        let tailspin_token = access_token_at(&sim, tailspin.id, &rt, GRAPH).await;
        let invite = |token: String, n: usize| {
            let sim = &sim;
            async move {
                sim.post(
                    &token,
                    "/invitations",
                    json!({"invitedUserEmailAddress": format!("budget{n}@fabrikam.com"),
                           "inviteRedirectUrl": "https://myapps.microsoft.com"}),
                )
                .await
            }
        };
        for n in 0..2 {
            let r = invite(northwind_token.clone(), n).await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        let r = invite(northwind_token.clone(), 2).await;
        assert_eq!(r.status, 429, "Northwind's budget is spent: {}", r.text);
        assert!(r.headers.contains_key("retry-after"), "{:?}", r.headers);
        // Tailspin's is untouched: the same admin and app write there.
        for n in 0..2 {
            let r = invite(tailspin_token.clone(), n).await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        assert_eq!(invite(tailspin_token.clone(), 2).await.status, 429);
    }
}

//! Graph v1.0 subset over real HTTP: queries, paging, members and `$ref`, contacts, invitations,
//! `$batch`, scopes and error bodies.

use crate::tenant_support;

use std::collections::HashSet;

use guestlist_sim::state::{EXCHANGE_AUDIENCE, GRAPH_AUDIENCE};
use guestlist_sim::store::{ADMIN_UPN, BULK_GROUP_MEMBERS, BULK_GROUP_NAME, HELPDESK_UPN};
use guestlist_sim::Knobs;
use reqwest::Method;
use serde_json::{json, Value};
use tenant_support::{assert_graph_error, Sim};

const DL_MSG: &str = "Cannot Update a mail-enabled security groups and or distribution list.";
const EXISTS_MSG: &str =
    "One or more added object references already exist for the following modified properties: 'members'.";
const SEARCH_MSG: &str =
    "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'";

fn names(v: &Value) -> Vec<String> {
    v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["displayName"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn me_and_users_with_filters() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_graph();
    let me = s.get(&tok, "/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["userPrincipalName"], ADMIN_UPN);
    assert!(me.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/v1.0/$metadata#users/$entity"));

    let guests = s
        .get(
            &tok,
            "/users?$filter=userType%20eq%20'Guest'&$select=id,userPrincipalName,userType",
        )
        .await;
    assert_eq!(guests.status, 200, "{}", guests.text);
    let items = guests.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for g in items {
        assert_eq!(g["userType"], "Guest");
        assert!(g["userPrincipalName"]
            .as_str()
            .unwrap()
            .contains("#EXT#@contoso.onmicrosoft.com"));
        assert_eq!(
            g.as_object().unwrap().len(),
            3,
            "only the selected properties: {g}"
        );
    }
    let by_mail = s
        .get(
            &tok,
            "/users?$filter=mail%20eq%20'ADELEVANCE@contoso.onmicrosoft.com'",
        )
        .await;
    assert_eq!(names(&by_mail.body), ["Adele Vance"]);
    // Default properties of a user do not include userType (user-list page).
    assert!(by_mail.body["value"][0].get("userType").is_none());
    let other = s
        .get(
            &tok,
            "/users?$filter=otherMails/any(x:x%20eq%20'adelevance.personal@outlook.com')",
        )
        .await;
    assert_eq!(names(&other.body), ["Adele Vance"]);
    let upn = s
        .get(
            &tok,
            "/users?$filter=startswith(userPrincipalName,'helpdesk')",
        )
        .await;
    assert_eq!(upn.body["value"][0]["userPrincipalName"], HELPDESK_UPN);
}

#[tokio::test]
async fn group_filters_match_kinds_and_dynamic_groups_are_absent() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.helpdesk_graph();
    let all = s.get(&tok, "/groups?$top=999").await;
    assert_eq!(all.status, 200, "{}", all.text);
    let all_names = names(&all.body);
    assert!(all_names.contains(&"Sales Team".to_string()));
    assert!(
        !all_names.contains(&"All Sales Department Users".to_string()),
        "dynamic DGs are Exchange-only"
    );

    let unified = s
        .get(&tok, "/groups?$filter=groupTypes/any(c:c+eq+'Unified')")
        .await;
    let u = names(&unified.body);
    assert_eq!(u.len(), 4, "{u:?}");
    assert!(unified.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["groupTypes"] == json!(["Unified"])));

    let dls = s
        .get(
            &tok,
            "/groups?$filter=mailEnabled%20eq%20true%20and%20securityEnabled%20eq%20false",
        )
        .await;
    let d = names(&dls.body);
    assert!(d.contains(&"Sales Team".to_string()) && d.contains(&"Project Falcon".to_string()));
    assert!(!d.contains(&"Finance Approvers".to_string()) && !d.contains(&"VPN Users".to_string()));

    let mes = s
        .get(
            &tok,
            "/groups?$filter=mailEnabled%20eq%20true%20and%20securityEnabled%20eq%20true",
        )
        .await;
    assert_eq!(names(&mes.body), ["Finance Approvers", "Facilities Access"]);

    let starts = s
        .get(&tok, "/groups?$filter=startswith(displayName,'sales')")
        .await;
    assert_eq!(names(&starts.body), ["Sales Team"]);
    let by_mail = s
        .get(
            &tok,
            "/groups?$filter=startswith(mail,'partners@')&$select=id,mail",
        )
        .await;
    assert_eq!(
        by_mail.body["value"][0]["mail"],
        "partners@contoso.onmicrosoft.com"
    );
    assert_eq!(by_mail.body["value"][0].as_object().unwrap().len(), 2);

    let bad = s
        .get(&tok, "/groups?$filter=mail%20eq%20'unterminated")
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["error"]["code"], "BadRequest");
}

#[tokio::test]
async fn search_and_count_need_consistency_level() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.helpdesk_graph();
    let r = s
        .get(&tok, "/groups?$search=%22displayName:falcon%22")
        .await;
    assert_graph_error(&r, 400, "Request_UnsupportedQuery", SEARCH_MSG);
    let ok = s
        .get_eventual(&tok, "/groups?$search=%22displayName:falcon%22")
        .await;
    assert_eq!(names(&ok.body), ["Project Falcon"]);
    // Token prefixes match: "board" finds "Board Communications" and "Customer Advisory Board".
    let three = s
        .get_eventual(
            &tok,
            "/groups?$search=%22displayName:falcon%22%20OR%20%22displayName:board%22",
        )
        .await;
    assert_eq!(
        names(&three.body),
        [
            "Board Communications",
            "Project Falcon",
            "Customer Advisory Board"
        ]
    );

    let c = s.get(&tok, "/groups?$count=true").await;
    assert_graph_error(
        &c,
        400,
        "Request_BadRequest",
        "$count is not currently supported.",
    );
    let c = s
        .get_eventual(
            &tok,
            "/groups?$count=true&$filter=groupTypes/any(c:c+eq+'Unified')&$top=1",
        )
        .await;
    assert_eq!(c.body["@odata.count"], 4);
    assert_eq!(c.body["value"].as_array().unwrap().len(), 1);

    // ne / endswith are advanced: they need the header and $count=true.
    let adv = s
        .get(
            &tok,
            "/groups?$filter=endswith(mail,'contoso.onmicrosoft.com')",
        )
        .await;
    assert_eq!(adv.status, 400);
    assert_eq!(adv.body["error"]["code"], "Request_UnsupportedQuery");
    let adv = s
        .get_eventual(
            &tok,
            "/groups?$filter=endswith(mail,'@contoso.onmicrosoft.com')&$count=true",
        )
        .await;
    assert_eq!(adv.status, 200, "{}", adv.text);

    let contacts = s
        .get(&tok, "/contacts?$search=%22displayName:bianca%22")
        .await;
    assert_graph_error(&contacts, 400, "Request_UnsupportedQuery", SEARCH_MSG);
}

#[tokio::test]
async fn top_limits_and_no_skip() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.helpdesk_graph();
    let r = s.get(&tok, "/groups?$top=1000").await;
    assert_graph_error(
        &r,
        400,
        "Request_UnsupportedQuery",
        "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.",
    );
    assert_eq!(s.get(&tok, "/groups?$top=999").await.status, 200);
    let skip = s.get(&tok, "/groups?$skip=10").await;
    assert_graph_error(
        &skip,
        400,
        "Request_BadRequest",
        "'$skip' is not supported by the service.",
    );
}

#[tokio::test]
async fn pages_through_thousands_of_groups_with_next_links() {
    let s = Sim::start(Knobs::default()).await;
    s.sim.state.tenant.lock().unwrap().add_bulk_groups(2600);
    let tok = s.helpdesk_graph();
    let expected = s
        .sim
        .state
        .tenant
        .lock()
        .unwrap()
        .groups()
        .iter()
        .filter(|g| g.kind.in_graph())
        .count();
    assert!(expected > 2600);

    // Default page size is 100.
    let first = s.get(&tok, "/groups").await;
    assert_eq!(first.body["value"].as_array().unwrap().len(), 100);
    let next = first.body["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}/v1.0/groups?", s.base())),
        "{next}"
    );
    assert!(next.contains("$skiptoken="));

    let (all, pages) = s
        .graph_all(&tok, "/groups?$top=999&$select=id,displayName", &[])
        .await;
    assert_eq!(all.len(), expected);
    assert_eq!(pages, expected.div_ceil(999));
    let ids: HashSet<&str> = all.iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), expected, "no group twice");

    // Paging keeps the filter.
    let (unified, _) = s
        .graph_all(
            &tok,
            "/groups?$filter=groupTypes/any(c:c+eq+'Unified')&$top=500",
            &[],
        )
        .await;
    assert_eq!(unified.len(), 1300 + 4);
    assert!(unified
        .iter()
        .all(|g| g["groupTypes"] == json!(["Unified"])));
}

#[tokio::test]
async fn fifty_thousand_members_page_quickly() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.helpdesk_graph();
    let id = s.group_id(BULK_GROUP_NAME);
    let started = std::time::Instant::now();
    let (all, pages) = s
        .graph_all(
            &tok,
            &format!("/groups/{id}/members?$top=999&$select=id"),
            &[],
        )
        .await;
    assert_eq!(all.len(), BULK_GROUP_MEMBERS);
    assert_eq!(pages, BULK_GROUP_MEMBERS.div_ceil(999));
    let unique: HashSet<&str> = all.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), BULK_GROUP_MEMBERS);
    // Each page costs O(page): 51 pages of a 50,000-member group take well under the limit even in
    // a debug build on a shared machine.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );

    let count = s
        .get_eventual(&tok, &format!("/groups/{id}/members/$count"))
        .await;
    assert_eq!(count.text, BULK_GROUP_MEMBERS.to_string());
    let no_header = s.get(&tok, &format!("/groups/{id}/members/$count")).await;
    assert_graph_error(
        &no_header,
        400,
        "Request_BadRequest",
        "$count is not currently supported.",
    );
}

#[tokio::test]
async fn allow_external_senders_only_with_select_and_patched_alone() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_graph();
    let falcon = s.group_id("Project Falcon");
    let marketing = s.group_id("Marketing");
    let sales = s.group_id("Sales Team");

    let plain = s.get(&tok, &format!("/groups/{marketing}")).await;
    assert_eq!(plain.status, 200);
    assert!(plain.body.get("allowExternalSenders").is_none());
    let sel = s
        .get(
            &tok,
            &format!("/groups/{marketing}?$select=allowExternalSenders,displayName"),
        )
        .await;
    assert_eq!(sel.body["allowExternalSenders"], false);
    // Not on a list, even `$select`ed ("Supported only on the Get group API (GET /groups/{ID})",
    // the group resource's page), but on each single-group GET inside a `$batch`.
    let listed = s.get(&tok, "/groups?$select=id,allowExternalSenders").await;
    assert_eq!(listed.status, 200);
    let items = listed.body["value"].as_array().expect("value");
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|g| g.get("allowExternalSenders").is_none()));
    let batched = s
        .post(
            &tok,
            "/$batch",
            json!({"requests": [
                {"id": "1", "method": "GET", "url": format!("/groups/{marketing}?$select=id,allowExternalSenders")},
                {"id": "2", "method": "GET", "url": format!("/groups/{falcon}?$select=id,allowExternalSenders")},
            ]}),
        )
        .await;
    assert_eq!(batched.status, 200);
    let by_id = |id: &str| {
        batched.body["responses"]
            .as_array()
            .and_then(|r| r.iter().find(|x| x["id"] == id))
            .map(|x| x["body"]["allowExternalSenders"].clone())
    };
    assert_eq!(by_id("1"), Some(json!(false)));
    assert_eq!(by_id("2"), Some(json!(true)));
    assert_eq!(sel.body["displayName"], "Marketing");
    let sel = s
        .get(
            &tok,
            &format!("/groups/{falcon}?$select=allowExternalSenders"),
        )
        .await;
    assert_eq!(sel.body["allowExternalSenders"], true);

    let url = format!("/groups/{marketing}");
    let r = s
        .patch(&tok, &url, json!({"allowExternalSenders": true}))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let sel = s
        .get(
            &tok,
            &format!("/groups/{marketing}?$select=allowExternalSenders"),
        )
        .await;
    assert_eq!(sel.body["allowExternalSenders"], true);

    let mixed = s
        .patch(
            &tok,
            &url,
            json!({"allowExternalSenders": false, "description": "x"}),
        )
        .await;
    assert_eq!(mixed.status, 400);
    assert_eq!(mixed.body["error"]["code"], "Request_BadRequest");
    let dl = s
        .patch(
            &tok,
            &format!("/groups/{sales}"),
            json!({"allowExternalSenders": true}),
        )
        .await;
    assert_eq!(dl.status, 400);

    // Group.ReadWrite.All is required.
    let reader = s.helpdesk_graph();
    let r = s
        .patch(&reader, &url, json!({"allowExternalSenders": false}))
        .await;
    assert_graph_error(
        &r,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    );
    let missing = s
        .get(&tok, "/groups/00000000-0000-0000-0000-000000000000")
        .await;
    assert_graph_error(
        &missing,
        404,
        "Request_ResourceNotFound",
        "Resource '00000000-0000-0000-0000-000000000000' does not exist or one of its queried reference-property objects are not present.",
    );
}

#[tokio::test]
async fn members_carry_types_casts_filter_and_contacts_need_their_scope() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_graph();
    let sales = s.group_id("Sales Team");
    let emea = s.group_id("Regional Sales EMEA");
    let r = s.get(&tok, &format!("/groups/{sales}/members")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let types: Vec<&str> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["@odata.type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "#microsoft.graph.user")
            .count(),
        4
    );
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "#microsoft.graph.orgContact")
            .count(),
        2
    );
    let contact = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["@odata.type"] == "#microsoft.graph.orgContact")
        .unwrap();
    assert_eq!(contact["mail"], "aaron.con@fabrikam.com");

    let cast = s
        .get(
            &tok,
            &format!("/groups/{sales}/members/microsoft.graph.orgContact"),
        )
        .await;
    assert_eq!(cast.body["value"].as_array().unwrap().len(), 2);
    assert!(cast.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("$metadata#contacts"));
    let nested = s
        .get(
            &tok,
            &format!("/groups/{emea}/members/microsoft.graph.group"),
        )
        .await;
    assert_eq!(names(&nested.body), ["Sales Team"]);

    // Without OrgContact.Read.All, contacts come back with limited information: @odata.type and id,
    // every other property null.
    let narrow = s.token(ADMIN_UPN, GRAPH_AUDIENCE, &["GroupMember.Read.All"]);
    let r = s.get(&narrow, &format!("/groups/{sales}/members")).await;
    let c = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["@odata.type"] == "#microsoft.graph.orgContact")
        .unwrap();
    assert!(c["id"].is_string());
    for (k, v) in c.as_object().unwrap() {
        if k != "id" && k != "@odata.type" {
            assert!(v.is_null(), "{k} should be null: {c}");
        }
    }
    assert!(c.get("mail").is_some(), "properties are present, as null");
    let unknown = s
        .get(
            &tok,
            &format!("/groups/{sales}/members/microsoft.graph.device"),
        )
        .await;
    assert_eq!(unknown.status, 400);
}

#[tokio::test]
async fn member_ref_add_and_remove_give_graphs_answers() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_graph();
    let (sales, falcon, finance, vpn) = (
        s.group_id("Sales Team"),
        s.group_id("Project Falcon"),
        s.group_id("Finance Approvers"),
        s.group_id("VPN Users"),
    );
    let (user, contact) = {
        let t = s.sim.state.tenant.lock().unwrap();
        let user = t
            .users()
            .iter()
            .find(|u| u.display_name == "Alex Wilber")
            .unwrap()
            .id
            .clone();
        (user, t.contacts()[5].id.clone())
    };
    let reference = |id: &str| json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")});
    let add = |g: &str| format!("/groups/{g}/members/$ref");

    for g in [&sales, &finance] {
        let r = s.post(&tok, &add(g), reference(&user)).await;
        assert_graph_error(&r, 400, "Request_BadRequest", DL_MSG);
    }
    let r = s.post(&tok, &add(&falcon), reference(&user)).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let again = s.post(&tok, &add(&falcon), reference(&user)).await;
    assert_graph_error(&again, 400, "Request_BadRequest", EXISTS_MSG);
    let c = s.post(&tok, &add(&falcon), reference(&contact)).await;
    assert_eq!(c.status, 400);
    assert_eq!(c.body["error"]["code"], "Request_BadRequest");
    let ghost = "11111111-2222-4333-8444-555555555555";
    let r = s.post(&tok, &add(&falcon), reference(ghost)).await;
    assert_graph_error(
        &r,
        404,
        "Request_ResourceNotFound",
        &format!("Resource '{ghost}' does not exist or one of its queried reference-property objects are not present."),
    );
    // Microsoft 365 groups can't be members of a security group.
    let marketing = s.group_id("Marketing");
    let r = s.post(&tok, &add(&vpn), reference(&marketing)).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "Request_BadRequest");
    // Security groups take contacts.
    let r = s.post(&tok, &add(&vpn), reference(&contact)).await;
    assert_eq!(r.status, 204, "{}", r.text);

    let members = s
        .get(&tok, &format!("/groups/{falcon}/members?$select=id"))
        .await;
    assert!(members.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["id"] == user.as_str()));
    let del = format!("/groups/{falcon}/members/{user}/$ref");
    assert_eq!(s.delete(&tok, &del).await.status, 204);
    let r = s.delete(&tok, &del).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error"]["code"], "Request_ResourceNotFound");
    let r = s
        .delete(&tok, &format!("/groups/{sales}/members/{user}/$ref"))
        .await;
    assert_graph_error(&r, 400, "Request_BadRequest", DL_MSG);

    // The helpdesk holds no write scope: 403.
    let reader = s.helpdesk_graph();
    let r = s.post(&reader, &add(&falcon), reference(&user)).await;
    assert_graph_error(
        &r,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    );
    // A write scope without a directory role or ownership is still refused.
    let helpdesk_writer = s.token(HELPDESK_UPN, GRAPH_AUDIENCE, &["GroupMember.ReadWrite.All"]);
    let r = s
        .post(&helpdesk_writer, &add(&falcon), reference(&user))
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn contacts_are_read_only_and_filterable() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_graph();
    let r = s
        .get(
            &tok,
            "/contacts?$filter=mail%20eq%20'Bianca.Pisani@fabrikam.com'",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["value"][0]["mail"], "bianca.pisani@fabrikam.com");
    assert!(r.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("$metadata#contacts"));
    let all = s.get(&tok, "/contacts").await;
    assert_eq!(all.body["value"].as_array().unwrap().len(), 20);
    let search = s
        .get_eventual(&tok, "/contacts?$search=%22displayName:fabrikam%22")
        .await;
    assert_eq!(search.body["value"].as_array().unwrap().len(), 2);

    let post = s
        .post(
            &tok,
            "/contacts",
            json!({"displayName": "X", "mail": "x@y.example"}),
        )
        .await;
    assert_graph_error(
        &post,
        405,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    );
    // Reading contacts needs OrgContact.Read.All (or Directory.Read.All).
    let narrow = s.token(ADMIN_UPN, GRAPH_AUDIENCE, &["GroupMember.Read.All"]);
    let r = s.get(&narrow, "/contacts").await;
    assert_graph_error(
        &r,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    );
}

#[tokio::test]
async fn invitations_create_or_reuse_guests() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_graph();
    let body = json!({
        "invitedUserEmailAddress": "new.partner@fabrikam.com",
        "invitedUserDisplayName": "New Partner",
        "inviteRedirectUrl": "https://myapps.microsoft.com",
        "sendInvitationMessage": false
    });
    let r = s.post(&tok, "/invitations", body.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "PendingAcceptance");
    assert_eq!(r.body["invitedUserType"], "Guest");
    assert!(r.body["inviteRedeemUrl"]
        .as_str()
        .unwrap()
        .starts_with("https://login.microsoftonline.com/redeem?"));
    let uid = r.body["invitedUser"]["id"].as_str().unwrap().to_string();
    let u = s
        .get(
            &tok,
            &format!("/users/{uid}?$select=id,userPrincipalName,userType,externalUserState,mail"),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(u.body["userType"], "Guest");
    assert_eq!(u.body["externalUserState"], "PendingAcceptance");
    assert_eq!(
        u.body["userPrincipalName"],
        "new.partner_fabrikam.com#EXT#@contoso.onmicrosoft.com"
    );

    let again = s.post(&tok, "/invitations", body.clone()).await;
    assert_eq!(again.status, 201);
    assert_eq!(
        again.body["invitedUser"]["id"],
        uid.as_str(),
        "the existing guest is reused"
    );
    let seeded = s
        .post(&tok, "/invitations", json!({"invitedUserEmailAddress": "kim.akers@fabrikam.com", "inviteRedirectUrl": "https://myapps.microsoft.com"}))
        .await;
    assert_eq!(
        seeded.body["status"], "Completed",
        "an accepted guest's invitation is complete"
    );

    let missing = s
        .post(
            &tok,
            "/invitations",
            json!({"invitedUserEmailAddress": "a@b.example"}),
        )
        .await;
    assert_eq!(missing.status, 400);
    let bad = s
        .post(
            &tok,
            "/invitations",
            json!({"invitedUserEmailAddress": "not-an-address", "inviteRedirectUrl": "https://x"}),
        )
        .await;
    assert_eq!(bad.status, 400);
    let reader = s.helpdesk_graph();
    let r = s.post(&reader, "/invitations", body).await;
    assert_graph_error(
        &r,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    );
}

#[tokio::test]
async fn batch_limits_depends_on_and_inner_statuses() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_graph();
    let too_many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let r = s.post(&tok, "/$batch", json!({"requests": too_many})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["code"], "BadRequest");
    let twenty: Vec<Value> = (0..20)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let r = s.post(&tok, "/$batch", json!({"requests": twenty})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["responses"].as_array().unwrap().len(), 20);

    let sales = s.group_id("Sales Team");
    let falcon = s.group_id("Project Falcon");
    let user = s
        .sim
        .state
        .tenant
        .lock()
        .unwrap()
        .users()
        .iter()
        .find(|u| u.display_name == "Lee Gu")
        .unwrap()
        .id
        .clone();
    let reference =
        json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{user}")});
    let reqs = json!({"requests": [
        {"id": "1", "method": "POST", "url": format!("/groups/{sales}/members/$ref"), "headers": {"Content-Type": "application/json"}, "body": reference},
        {"id": "2", "method": "GET", "url": format!("/groups/{sales}?$select=displayName"), "dependsOn": ["1"]},
        {"id": "3", "method": "POST", "url": format!("/groups/{falcon}/members/$ref"), "headers": {"Content-Type": "application/json"}, "body": reference},
        {"id": "4", "method": "GET", "url": "/groups?$search=\"displayName:falcon\"", "headers": {"ConsistencyLevel": "eventual"}, "dependsOn": ["3"]},
        {"id": "5", "method": "GET", "url": "/groups?$search=\"displayName:falcon\""}
    ]});
    let r = s.post(&tok, "/$batch", reqs).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let by_id = |id: &str| {
        r.body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("1")["status"], 400);
    assert_eq!(by_id("1")["body"]["error"]["message"], DL_MSG);
    assert_eq!(by_id("2")["status"], 424);
    assert_eq!(by_id("3")["status"], 204);
    assert_eq!(by_id("4")["status"], 200);
    assert_eq!(
        by_id("4")["body"]["value"][0]["displayName"],
        "Project Falcon"
    );
    assert_eq!(by_id("5")["status"], 400);
    assert_eq!(
        by_id("5")["body"]["error"]["code"],
        "Request_UnsupportedQuery"
    );

    let dup = json!({"requests": [{"id": "a", "method": "GET", "url": "/me"}, {"id": "A", "method": "GET", "url": "/me"}]});
    assert_eq!(s.post(&tok, "/$batch", dup).await.status, 400);
    let forward = json!({"requests": [{"id": "a", "method": "GET", "url": "/me", "dependsOn": ["b"]}, {"id": "b", "method": "GET", "url": "/me"}]});
    assert_eq!(s.post(&tok, "/$batch", forward).await.status, 400);
}

/// Graph's write budget (per app and tenant, scaled down): writes beyond it are answered 429
/// with `Retry-After`, inside a 200 batch per inner request and at the top level alike; the
/// `$batch` envelope and reads don't count.
#[tokio::test]
async fn writes_over_the_budget_are_throttled_inside_batches_and_alone() {
    let s = Sim::start(Knobs {
        graph_app_write_limit: 3,
        graph_app_write_window_ms: 60_000,
        ..Knobs::default()
    })
    .await;
    let tok = s.admin_graph();
    let invite = |i: usize| {
        json!({"invitedUserEmailAddress": format!("budget{i}@partner.example"),
               "inviteRedirectUrl": "https://myapplications.microsoft.com"})
    };
    let reqs: Vec<Value> = (0..5)
        .map(|i| {
            json!({"id": i.to_string(), "method": "POST", "url": "/invitations",
                        "headers": {"Content-Type": "application/json"}, "body": invite(i)})
        })
        .collect();
    let r = s.post(&tok, "/$batch", json!({"requests": reqs})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let statuses: Vec<u64> = r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 201, 201, 429, 429]);
    let throttled = &r.body["responses"][3];
    assert_eq!(throttled["body"]["error"]["code"], "TooManyRequests");
    let retry: u64 = throttled["headers"]["Retry-After"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((59..=60).contains(&retry), "{retry}");

    let alone = s.post(&tok, "/invitations", invite(9)).await;
    assert_eq!(alone.status, 429, "{}", alone.text);
    assert!(alone.headers.contains_key("retry-after"));
    assert_eq!(s.get(&tok, "/me").await.status, 200, "reads don't count");
    let counts = s.sim.state.graph_writes.counts();
    assert_eq!((counts.admitted, counts.throttled), (3, 3));
}

/// Inner 429s inside a 200 batch: driven through the Graph router directly, so the service-wide
/// throttling middleware (server half) doesn't answer the outer request first.
#[tokio::test]
async fn batch_inner_requests_are_throttled_individually() {
    use tower::ServiceExt;
    let knobs = Knobs {
        throttle_fraction: 1.0,
        retry_after_secs: 7,
        ..Knobs::default()
    };
    let state = guestlist_sim::app_state(7, false, knobs);
    let account = state
        .tenant
        .lock()
        .unwrap()
        .accounts()
        .into_iter()
        .find(|a| a.upn == ADMIN_UPN)
        .unwrap();
    let tok = guestlist_sim::identity::issue_access_token(
        &state,
        &account,
        GRAPH_AUDIENCE,
        &["User.Read"],
    );
    let app = guestlist_sim::graph::router(&state).with_state(state);
    let body = json!({"requests": [{"id": "1", "method": "GET", "url": "/me"}, {"id": "2", "method": "GET", "url": "/me"}]});
    let req = http::Request::post("/$batch")
        .header("authorization", format!("Bearer {tok}"))
        .header("content-type", "application/json")
        .header("host", "sim.test")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let resp = app.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    for r in v["responses"].as_array().unwrap() {
        assert_eq!(r["status"], 429);
        assert_eq!(r["headers"]["Retry-After"], "7");
        assert_eq!(r["body"]["error"]["code"], "TooManyRequests");
    }
}

#[tokio::test]
async fn tokens_and_scopes_are_checked() {
    let s = Sim::start(Knobs::default()).await;
    let none = s.send(Method::GET, None, "/groups", &[], None).await;
    assert_eq!(none.status, 401);
    assert_eq!(none.body["error"]["code"], "InvalidAuthenticationToken");
    assert!(none.headers.contains_key("www-authenticate"));
    let exo = s.token(ADMIN_UPN, EXCHANGE_AUDIENCE, &["Exchange.Manage"]);
    let wrong = s.get(&exo, "/groups").await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body["error"]["code"], "InvalidAuthenticationToken");
    let no_scope = s.token(HELPDESK_UPN, GRAPH_AUDIENCE, &["User.Read"]);
    let r = s.get(&no_scope, "/groups").await;
    assert_graph_error(
        &r,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    );
    assert_eq!(s.get(&no_scope, "/me").await.status, 200);
    let unknown = s.get(&no_scope, "/nothing-here").await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.body["error"]["message"],
        "Resource not found for the segment 'nothing-here'."
    );
    // client-request-id is echoed in innerError.
    let r = s
        .send(
            Method::GET,
            Some(&no_scope),
            "/groups",
            &[("client-request-id", "abc-123")],
            None,
        )
        .await;
    assert_eq!(
        r.body["error"]["innerError"]["client-request-id"],
        "abc-123"
    );
}

// ----- Microsoft's documented example responses (sim/tests/fixtures/graph) -----

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/graph/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("fixture JSON")
}

/// Property names of a Graph entity type in the v1.0 CSDL (copied from shared/reference).
fn csdl(entity: &str) -> HashSet<String> {
    let v = fixture("graph-v1.0-entities.json");
    v["types"][entity]
        .as_object()
        .expect("entity type")
        .keys()
        .cloned()
        .collect()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every property of the documented object exists in the sim's with a compatible JSON type (null is
/// compatible with anything: the examples and the sim hold different data), recursively.
fn assert_covers(doc: &Value, sim: &Value, path: &str) {
    match (doc, sim) {
        (Value::Object(d), Value::Object(s)) => {
            for (k, dv) in d {
                let sv = s.get(k).unwrap_or_else(|| {
                    panic!("{path}.{k} is documented but missing from the sim: {sim}")
                });
                assert_covers(dv, sv, &format!("{path}.{k}"));
            }
        }
        (Value::Array(d), Value::Array(s)) => {
            if let (Some(d0), Some(s0)) = (d.first(), s.first()) {
                assert_covers(d0, s0, &format!("{path}[0]"));
            }
        }
        (Value::Null, _) | (_, Value::Null) => {}
        (d, s) => assert_eq!(kind(d), kind(s), "{path}: documented {d}, sim {s}"),
    }
}

fn assert_csdl_names(item: &Value, names: &HashSet<String>) {
    for k in item.as_object().unwrap().keys() {
        assert!(
            k.starts_with('@') || names.contains(k),
            "'{k}' is not a property of the entity in the CSDL"
        );
    }
}

#[tokio::test]
async fn shapes_match_microsofts_documented_examples() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_graph();

    // group-list example 1: default properties of each group.
    let doc = fixture("group-list.json");
    let sim = s.get(&tok, "/groups").await;
    assert_eq!(sim.status.as_u16(), doc["status"]);
    let group_names = csdl("group");
    let unified = sim.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["groupTypes"] == json!(["Unified"]))
        .unwrap();
    let dl = sim.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["displayName"] == "Sales Team")
        .unwrap();
    assert_covers(&doc["response"]["value"][0], unified, "group");
    assert_covers(&doc["response"]["value"][1], dl, "group");
    for g in sim.body["value"].as_array().unwrap() {
        assert_csdl_names(g, &group_names);
    }
    assert!(sim.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/v1.0/$metadata#groups"));

    // group-list example 2: $count, $filter, $select.
    let doc = fixture("group-list-count-select.json");
    let sim = s
        .get_eventual(
            &tok,
            "/groups?$count=true&$filter=mailEnabled+eq+true&$select=id,displayName",
        )
        .await;
    assert_covers(&doc["response"], &sim.body, "groups");
    assert!(sim.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("$metadata#groups(id,displayName)"));
    for g in sim.body["value"].as_array().unwrap() {
        let keys: HashSet<&str> = g.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, HashSet::from(["id", "displayName"]));
    }

    // orgcontact-list example 1.
    let doc = fixture("orgcontact-list.json");
    let sim = s.get(&tok, "/contacts").await;
    let mut documented = doc["response"]["value"][0].clone();
    // The sim's seeded contacts have no phone numbers; compare the phone shape separately below.
    documented.as_object_mut().unwrap().remove("phones");
    assert_covers(&documented, &sim.body["value"][0], "orgContact");
    assert!(sim.body["value"][0]["phones"].is_array());
    let contact_names = csdl("orgContact");
    for c in sim.body["value"].as_array().unwrap() {
        assert_csdl_names(c, &contact_names);
    }
    let sel = s
        .get(
            &tok,
            "/users?$select=id,userType,externalUserState,otherMails,mail,proxyAddresses",
        )
        .await;
    let user_names = csdl("user");
    assert_csdl_names(
        &s.get(
            &tok,
            "/me?$select=id,displayName,userType,externalUserState,creationType",
        )
        .await
        .body,
        &user_names,
    );
    for u in sel.body["value"].as_array().unwrap() {
        assert_csdl_names(u, &user_names);
    }

    // user-list example 1: exactly the default user properties.
    let doc = fixture("user-list.json");
    let sim = s.get(&tok, "/users?$top=5").await;
    for (i, u) in sim.body["value"].as_array().unwrap().iter().enumerate() {
        let d = &doc["response"]["value"][i % 2];
        assert_covers(d, u, "user");
        assert_covers(u, d, "user (reverse)");
    }

    // invitation-post: the same properties, nested ones included, and nothing else.
    let doc = fixture("invitation-post.json");
    let sim = s
        .post(&tok, "/invitations", json!({"invitedUserEmailAddress": "admin@fabrikam.com", "inviteRedirectUrl": "https://myapp.contoso.com"}))
        .await;
    assert_eq!(sim.status.as_u16(), doc["status"]);
    assert_covers(&doc["response"], &sim.body, "invitation");
    assert_covers(&sim.body, &doc["response"], "invitation (reverse)");
    assert_csdl_names(&sim.body, &csdl("invitation"));

    // json-batching: a 403, a 405 and a 200 with $select/$count inside one batch.
    let doc = fixture("json-batching-response.json");
    let reader = s.helpdesk_graph();
    let falcon = s.group_id("Project Falcon");
    let batch = json!({"requests": [
        {"id": "3", "method": "PATCH", "url": format!("/groups/{falcon}"), "headers": {"Content-Type": "application/json"}, "body": {"allowExternalSenders": true}},
        {"id": "4", "method": "POST", "url": "/contacts", "headers": {"Content-Type": "application/json"}, "body": {}},
        {"id": "5", "method": "GET", "url": "users?$select=id,displayName,userPrincipalName&$filter=userType eq 'Guest'&$count=true", "headers": {"ConsistencyLevel": "eventual"}}
    ]});
    let sim = s.post(&reader, "/$batch", batch).await;
    assert_eq!(sim.status.as_u16(), doc["status"]);
    for d in doc["response"]["responses"].as_array().unwrap() {
        let id = d["id"].as_str().unwrap();
        let r = sim.body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap();
        assert_eq!(r["status"], d["status"], "response {id}: {r}");
        let mut documented = d.clone();
        // Only the headers both send are compared; x-ms-resource-unit etc. are service telemetry.
        documented["headers"] =
            json!({"Content-Type": d["headers"]["Content-Type"], "Cache-Control": "no-cache"});
        if id == "5" {
            documented["body"]["@odata.context"] = Value::Null;
        }
        assert_covers(&documented, r, &format!("responses[{id}]"));
        if let Some(code) = d["body"]["error"]["code"].as_str() {
            assert_eq!(r["body"]["error"]["code"], code);
            assert_eq!(r["body"]["error"]["message"], d["body"]["error"]["message"]);
        }
    }
}

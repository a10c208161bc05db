//! What the externals register needs from the tenant, over real HTTP: memberOf of contacts and
//! users, `externalUserState` on `$select` and in `$filter`, deleting and restoring a guest,
//! re-inviting a pending guest, `onPremisesExtensionAttributes`, Remove-MailContact across the
//! replication delay, Set-MailContact's custom attributes, and the large seed.

use crate::tenant_support;

use std::collections::HashSet;
use std::time::Duration;

use guestlist_sim::seed::{ACCESS_UNTIL_ATTRIBUTE, LARGE_CONTACTS, LARGE_GROUPS, LARGE_GUESTS};
use guestlist_sim::state::GRAPH_AUDIENCE;
use guestlist_sim::store::{GroupKind, Tenant, UserType, ADMIN_UPN, HELPDESK_UPN};
use guestlist_sim::Knobs;
use serde_json::{json, Value};
use tenant_support::{
    assert_graph_error, eventually, exo_type, Reply, Sim, ADMIN_GRAPH_SCOPES, NOT_FOUND,
};

const INSUFFICIENT: &str = "Insufficient privileges to complete the operation.";

/// The admin's Graph token with the user writes the register needs.
fn writer(s: &Sim) -> String {
    let mut scopes = ADMIN_GRAPH_SCOPES.to_vec();
    scopes.push("User.ReadWrite.All");
    s.token(ADMIN_UPN, GRAPH_AUDIENCE, &scopes)
}

/// A fresh sim, the admin's writing token ([`writer`]) and the id of the seeded guest `mail`.
async fn writing_on_guest(mail: &str) -> (Sim, String, String) {
    let s = Sim::start(Knobs::default()).await;
    let tok = writer(&s);
    let guest = user_id(&s, mail);
    (s, tok, guest)
}

fn ids(v: &Value) -> HashSet<String> {
    v["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_string())
        .collect()
}

/// The ids of the Graph groups holding `id`, read from the store.
fn groups_of(s: &Sim, id: &str) -> HashSet<String> {
    let t = s.sim.state.tenant.lock().unwrap();
    t.groups()
        .iter()
        .filter(|g| g.kind != GroupKind::DynamicDistribution && g.has_member(id))
        .map(|g| g.id.clone())
        .collect()
}

fn user_id(s: &Sim, mail: &str) -> String {
    let t = s.sim.state.tenant.lock().unwrap();
    t.users()
        .iter()
        .find(|u| u.mail.as_deref() == Some(mail))
        .expect("seeded user")
        .id
        .clone()
}

fn contact_id(s: &Sim, mail: &str) -> String {
    let t = s.sim.state.tenant.lock().unwrap();
    t.contacts()
        .iter()
        .find(|c| c.external_email == mail)
        .expect("seeded contact")
        .id
        .clone()
}

/// `POST /directory/deletedItems/{id}/restore`.
async fn restore(s: &Sim, tok: &str, id: &str) -> Reply {
    s.post(
        tok,
        &format!("/directory/deletedItems/{id}/restore"),
        json!({}),
    )
    .await
}

/// `GET /directory/deletedItems/microsoft.graph.user`.
async fn deleted_users(s: &Sim, tok: &str) -> Reply {
    s.get(tok, "/directory/deletedItems/microsoft.graph.user")
        .await
}

/// Get-MailContact's answer for `identity`.
async fn mail_contact(s: &Sim, exo: &str, identity: &str) -> Value {
    s.exo_ok(exo, "Get-MailContact", json!({"Identity": identity}))
        .await["value"][0]
        .clone()
}

#[tokio::test]
async fn member_of_lists_the_direct_groups_of_contacts_and_users() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_graph();
    let contact = contact_id(&s, "aaron.con@fabrikam.com");
    let want = groups_of(&s, &contact);
    assert!(!want.is_empty(), "the seeded contact is in a group");
    let r = s.get(&tok, &format!("/contacts/{contact}/memberOf")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r.body), want);
    for g in r.body["value"].as_array().unwrap() {
        assert_eq!(g["@odata.type"], "#microsoft.graph.group");
        assert!(g["displayName"].is_string());
    }
    let guest = user_id(&s, "kim.akers@fabrikam.com");
    let want = groups_of(&s, &guest);
    assert!(!want.is_empty(), "the seeded guest is in a group");
    let r = s
        .get(
            &tok,
            &format!("/users/{guest}/memberOf?$select=id,displayName"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r.body), want);
    let first = r.body["value"][0].as_object().unwrap();
    assert_eq!(
        first.keys().filter(|k| !k.starts_with('@')).count(),
        2,
        "{first:?}"
    );
    // Paged with $top like any collection.
    let (all, pages) = s
        .graph_all(&tok, &format!("/users/{guest}/memberOf?$top=1"), &[])
        .await;
    assert_eq!(all.len(), want.len());
    assert_eq!(pages, want.len());
    let missing = s
        .get(
            &tok,
            "/contacts/00000000-0000-0000-0000-000000000000/memberOf",
        )
        .await;
    assert_eq!(missing.status, 404, "{}", missing.text);
}

#[tokio::test]
async fn external_user_state_only_on_select_and_filterable() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_graph();
    let plain = s.get(&tok, "/users?$filter=userType%20eq%20'Guest'").await;
    assert_eq!(plain.status, 200, "{}", plain.text);
    for g in plain.body["value"].as_array().unwrap() {
        assert!(g.get("externalUserState").is_none(), "{g}");
    }
    let sel = s
        .get(
            &tok,
            "/users?$filter=userType%20eq%20'Guest'&$select=id,mail,externalUserState,externalUserStateChangeDateTime,onPremisesExtensionAttributes,companyName,createdDateTime",
        )
        .await;
    assert_eq!(sel.status, 200, "{}", sel.text);
    let states: Vec<(String, String)> = sel.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            assert!(g["externalUserStateChangeDateTime"].is_string(), "{g}");
            assert!(g["onPremisesExtensionAttributes"]["extensionAttribute15"].is_null());
            (
                g["mail"].as_str().unwrap().to_string(),
                g["externalUserState"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(states.contains(&(
        "mei.lin@tailspintoys.com".into(),
        "PendingAcceptance".into()
    )));
    assert!(states.contains(&("kim.akers@fabrikam.com".into(), "Accepted".into())));
    let pending = s
        .get(
            &tok,
            "/users?$filter=externalUserState%20eq%20'PendingAcceptance'&$select=mail",
        )
        .await;
    assert_eq!(pending.status, 200, "{}", pending.text);
    let mails: Vec<&str> = pending.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["mail"].as_str().unwrap())
        .collect();
    assert_eq!(mails, ["mei.lin@tailspintoys.com"]);
    let both = s
        .get(
            &tok,
            "/users?$filter=externalUserState%20in%20('PendingAcceptance','Accepted')&$select=id",
        )
        .await;
    assert_eq!(both.status, 200, "{}", both.text);
    assert_eq!(both.body["value"].as_array().unwrap().len(), 3);
    // `ne` is an advanced query: ConsistencyLevel and $count (aad-advanced-queries page).
    let ne = "/users?$filter=externalUserState%20ne%20'Accepted'%20and%20userType%20eq%20'Guest'&$count=true&$select=mail";
    let plain_ne = s.get(&tok, ne).await;
    assert_eq!(plain_ne.status, 400, "{}", plain_ne.text);
    let adv = s.get_eventual(&tok, ne).await;
    assert_eq!(adv.status, 200, "{}", adv.text);
    assert_eq!(adv.body["@odata.count"], 1);
}

#[tokio::test]
async fn deleting_a_guest_puts_it_in_deleted_items_and_restore_gives_its_groups_back() {
    let (s, tok, guest) = writing_on_guest("kim.akers@fabrikam.com").await;
    let groups = groups_of(&s, &guest);
    assert!(!groups.is_empty());
    // Reading is not enough to delete.
    let denied = s.delete(&s.admin_graph(), &format!("/users/{guest}")).await;
    assert_graph_error(&denied, 403, "Authorization_RequestDenied", INSUFFICIENT);
    let helpdesk = s.token(HELPDESK_UPN, GRAPH_AUDIENCE, &["User.ReadWrite.All"]);
    let denied = s.delete(&helpdesk, &format!("/users/{guest}")).await;
    assert_graph_error(&denied, 403, "Authorization_RequestDenied", INSUFFICIENT);

    let del = s.delete(&tok, &format!("/users/{guest}")).await;
    assert_eq!(del.status, 204, "{}", del.text);
    assert!(groups_of(&s, &guest).is_empty(), "out of every group");
    assert_eq!(s.get(&tok, &format!("/users/{guest}")).await.status, 404);
    for g in &groups {
        let m = s
            .get(&tok, &format!("/groups/{g}/members?$select=id"))
            .await;
        assert!(!ids(&m.body).contains(&guest));
    }
    let again = s.delete(&tok, &format!("/users/{guest}")).await;
    assert_eq!(again.status, 404, "{}", again.text);
    let deleted = deleted_users(&s, &tok).await;
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    let items = deleted.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], guest.as_str());
    assert!(items[0]["deletedDateTime"].is_string(), "{}", items[0]);

    let restored = restore(&s, &tok, &guest).await;
    assert_eq!(restored.status, 200, "{}", restored.text);
    assert_eq!(restored.body["id"], guest.as_str());
    assert_eq!(restored.body["@odata.type"], "#microsoft.graph.user");
    assert_eq!(groups_of(&s, &guest), groups, "back in its groups");
    assert_eq!(s.get(&tok, &format!("/users/{guest}")).await.status, 200);
    let none = deleted_users(&s, &tok).await;
    assert!(none.body["value"].as_array().unwrap().is_empty());
    let twice = restore(&s, &tok, &guest).await;
    assert_eq!(twice.status, 404, "{}", twice.text);
}

#[tokio::test]
async fn a_new_guest_for_a_deleted_guests_address_blocks_its_restore() {
    let (s, tok, guest) = writing_on_guest("mei.lin@tailspintoys.com").await;
    assert_eq!(s.delete(&tok, &format!("/users/{guest}")).await.status, 204);
    let inv = s
        .post(
            &tok,
            "/invitations",
            json!({"invitedUserEmailAddress": "mei.lin@tailspintoys.com", "inviteRedirectUrl": "https://myapps.microsoft.com"}),
        )
        .await;
    assert_eq!(inv.status, 201, "{}", inv.text);
    assert_ne!(inv.body["invitedUser"]["id"], guest.as_str(), "a new user");
    let r = restore(&s, &tok, &guest).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "Request_BadRequest");
}

#[tokio::test]
async fn inviting_a_pending_guest_again_returns_the_same_user() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_graph();
    let guest = user_id(&s, "mei.lin@tailspintoys.com");
    let mut urls = HashSet::new();
    for _ in 0..2 {
        let r = s
            .post(
                &tok,
                "/invitations",
                json!({"invitedUserEmailAddress": "Mei.Lin@tailspintoys.com", "inviteRedirectUrl": "https://myapps.microsoft.com", "sendInvitationMessage": true}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["invitedUser"]["id"], guest.as_str());
        assert_eq!(r.body["status"], "PendingAcceptance");
        urls.insert(r.body["inviteRedeemUrl"].as_str().unwrap().to_string());
    }
    assert_eq!(urls.len(), 2, "a new redeem URL each time");
    let t = s.sim.state.tenant.lock().unwrap();
    let n = t
        .users()
        .iter()
        .filter(|u| u.mail.as_deref() == Some("mei.lin@tailspintoys.com"))
        .count();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn extension_attributes_are_written_on_cloud_users_and_refused_on_synced_ones() {
    let (s, tok, guest) = writing_on_guest("kim.akers@fabrikam.com").await;
    let r = s
        .patch(
            &tok,
            &format!("/users/{guest}"),
            json!({"onPremisesExtensionAttributes": {"extensionAttribute15": "2026-03-31"}, "companyName": "Fabrikam"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let got = s
        .get(
            &tok,
            &format!("/users/{guest}?$select=onPremisesExtensionAttributes,companyName"),
        )
        .await;
    assert_eq!(
        got.body["onPremisesExtensionAttributes"]["extensionAttribute15"],
        "2026-03-31"
    );
    assert_eq!(got.body["companyName"], "Fabrikam");
    let filtered = s
        .get_eventual(
            &tok,
            "/users?$filter=onPremisesExtensionAttributes/extensionAttribute15%20eq%20'2026-03-31'&$count=true&$select=id",
        )
        .await;
    assert_eq!(filtered.status, 200, "{}", filtered.text);
    assert_eq!(ids(&filtered.body), HashSet::from([guest.clone()]));
    // null clears it.
    let r = s
        .patch(
            &tok,
            &format!("/users/{guest}"),
            json!({"onPremisesExtensionAttributes": {"extensionAttribute15": null}}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let got = s
        .get(
            &tok,
            &format!("/users/{guest}?$select=onPremisesExtensionAttributes"),
        )
        .await;
    assert!(got.body["onPremisesExtensionAttributes"]["extensionAttribute15"].is_null());

    let synced = user_id(&s, "benwalters@contoso.onmicrosoft.com");
    let r = s
        .patch(
            &tok,
            &format!("/users/{synced}"),
            json!({"onPremisesExtensionAttributes": {"extensionAttribute1": "x"}}),
        )
        .await;
    assert_graph_error(
        &r,
        400,
        "Request_BadRequest",
        "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.",
    );
    let bad = s
        .patch(
            &tok,
            &format!("/users/{guest}"),
            json!({"onPremisesExtensionAttributes": {"extensionAttribute16": "x"}}),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    let denied = s
        .patch(
            &s.admin_graph(),
            &format!("/users/{guest}"),
            json!({"companyName": "x"}),
        )
        .await;
    assert_eq!(denied.status, 403, "{}", denied.text);
}

#[tokio::test]
async fn set_mail_contact_custom_attributes_and_remove_mail_contact_across_the_delay() {
    let delay = Duration::from_millis(1500);
    let s = Sim::start(Knobs {
        replication_delay_ms: delay.as_millis() as u64,
        ..Knobs::default()
    })
    .await;
    let (exo, graph) = (s.admin_exo(), s.admin_graph());
    let contact = contact_id(&s, "aaron.con@fabrikam.com");
    s.exo_ok(
        &exo,
        "Set-MailContact",
        json!({"Identity": "aaron.con@fabrikam.com", "CustomAttribute15": "2025-06-30", "CustomAttribute3": "x"}),
    )
    .await;
    let got = mail_contact(&s, &exo, &contact).await;
    assert_eq!(got["CustomAttribute15"], "2025-06-30");
    assert_eq!(got["CustomAttribute3"], "x");
    assert!(got["CustomAttribute1"].is_null());
    // Names and company are Set-Contact's, not Set-MailContact's.
    let wrong = s
        .exo(
            &exo,
            "Set-MailContact",
            json!({"Identity": contact, "Company": "Fabrikam"}),
        )
        .await;
    assert_eq!(wrong.status, 400, "{}", wrong.text);
    s.exo_ok(
        &exo,
        "Set-MailContact",
        json!({"Identity": contact, "CustomAttribute3": ""}),
    )
    .await;
    assert!(mail_contact(&s, &exo, &contact).await["CustomAttribute3"].is_null());

    let groups = groups_of(&s, &contact);
    assert!(!groups.is_empty());
    s.exo_ok(
        &exo,
        "Remove-MailContact",
        json!({"Identity": contact, "Confirm": false}),
    )
    .await;
    assert!(
        groups_of(&s, &contact).is_empty(),
        "out of every group at once"
    );
    let gone = s
        .exo(&exo, "Get-MailContact", json!({"Identity": contact}))
        .await;
    assert_eq!(exo_type(&gone.body), NOT_FOUND, "{}", gone.text);
    let again = s
        .exo(&exo, "Remove-MailContact", json!({"Identity": contact}))
        .await;
    assert_eq!(exo_type(&again.body), NOT_FOUND, "{}", again.text);
    // Graph still has it until the deletion has replicated.
    assert_eq!(
        s.get(&graph, &format!("/contacts/{contact}")).await.status,
        200
    );
    let took = eventually(Duration::from_secs(20), || async {
        s.get(&graph, &format!("/contacts/{contact}")).await.status == 404
    })
    .await;
    assert!(took >= delay / 2, "gone only after the delay ({took:?})");
    let (all, _) = s.graph_all(&graph, "/contacts?$select=id", &[]).await;
    assert!(all.iter().all(|c| c["id"] != contact.as_str()));
    // Its address is free again for a new contact.
    s.exo_ok(
        &exo,
        "New-MailContact",
        json!({"Name": "Aaron Con", "ExternalEmailAddress": "aaron.con@fabrikam.com"}),
    )
    .await;
}

#[test]
fn the_large_seed_adds_externals_and_groups_and_keeps_the_default_objects() {
    let small = Tenant::seeded(3);
    let large = Tenant::seeded_large(3);
    // The default objects come first, unchanged.
    for (a, b) in small.contacts().iter().zip(large.contacts()) {
        assert_eq!((&a.id, &a.external_email), (&b.id, &b.external_email));
    }
    for (a, b) in small.groups().iter().zip(large.groups()) {
        assert_eq!(a.id, b.id);
    }
    assert_eq!(
        large.contacts().len(),
        small.contacts().len() + LARGE_CONTACTS
    );
    let guests: Vec<_> = large
        .users()
        .iter()
        .filter(|u| u.user_type == UserType::Guest)
        .collect();
    let small_guests = small
        .users()
        .iter()
        .filter(|u| u.user_type == UserType::Guest)
        .count();
    assert_eq!(guests.len(), small_guests + LARGE_GUESTS);
    let added_groups: usize = LARGE_GROUPS.iter().map(|(_, n)| n).sum();
    assert_eq!(large.groups().len(), small.groups().len() + added_groups);
    let pending = guests
        .iter()
        .filter(|u| u.external_user_state.as_deref() == Some("PendingAcceptance"))
        .count();
    assert!(
        pending > LARGE_GUESTS / 10 && pending < LARGE_GUESTS / 3,
        "{pending}"
    );
    let today = "2026-01-01";
    let a = ACCESS_UNTIL_ATTRIBUTE - 1;
    let dates: Vec<&str> = large
        .contacts()
        .iter()
        .filter_map(|c| c.custom_attributes[a].as_deref())
        .chain(
            guests
                .iter()
                .filter_map(|u| u.extension_attributes[a].as_deref()),
        )
        .collect();
    assert!(dates.iter().any(|d| *d < today), "some passed");
    assert!(dates.iter().any(|d| *d > today), "some to come");
    let in_a_group: HashSet<&str> = large
        .groups()
        .iter()
        .flat_map(|g| g.members().iter().map(String::as_str))
        .collect();
    let orphans = large
        .contacts()
        .iter()
        .filter(|c| !in_a_group.contains(c.id.as_str()))
        .count();
    assert!(orphans > 0 && orphans < LARGE_CONTACTS / 4, "{orphans}");
    // Contacts only in distribution and mail-enabled security groups.
    for g in large
        .groups()
        .iter()
        .filter(|g| g.alias.starts_with("partners"))
    {
        if !g.kind.is_exchange_distribution() {
            assert!(
                g.members().iter().all(|m| large.contact(m).is_none()),
                "{}",
                g.display_name
            );
        }
    }
    // Deterministic.
    let again = Tenant::seeded_large(3);
    assert_eq!(again.snapshot(), large.snapshot());
}

#[tokio::test]
async fn the_large_tenant_is_served_and_kept_across_a_reset() {
    let sim = guestlist_sim::start(guestlist_sim::SimConfig {
        large_tenant: true,
        ..guestlist_sim::SimConfig::default()
    })
    .await
    .expect("sim starts");
    let http = reqwest::Client::new();
    let state = |body: Value| {
        (
            body["counts"]["contacts"].as_u64().unwrap() as usize,
            body["counts"]["groups"].as_u64().unwrap() as usize,
        )
    };
    let before: Value = http
        .get(format!("{}/_sim/state", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (contacts, groups) = state(before);
    assert!(contacts > LARGE_CONTACTS, "{contacts}");
    assert!(groups > 300, "{groups}");
    let reset = http
        .post(format!("{}/_sim/reset", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert!(reset.status().is_success());
    let after: Value = http
        .get(format!("{}/_sim/state", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state(after), (contacts, groups));
}

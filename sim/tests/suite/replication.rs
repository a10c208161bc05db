//! One tenant, two views: objects made on one side reach the other after `replication_delay_ms`
//! (Exchange contact → Graph `/contacts` and members; Graph guest → Exchange mail user), and the
//! membership operations can't find them until then. Polls with a deadline; no fixed sleeps.

use crate::tenant_support;

use std::time::{Duration, Instant};

use guestlist_sim::Knobs;
use serde_json::json;
use tenant_support::{eventually, exo_type, Sim, NOT_FOUND};

const DELAY: Duration = Duration::from_millis(1500);
const DEADLINE: Duration = Duration::from_secs(20);

fn delayed() -> Knobs {
    Knobs {
        replication_delay_ms: DELAY.as_millis() as u64,
        ..Knobs::default()
    }
}

#[tokio::test]
async fn exchange_contact_reaches_graph_after_the_delay() {
    let s = Sim::start(delayed()).await;
    let (exo, graph) = (s.admin_exo(), s.admin_graph());
    let sales = s.group_id("Sales Team");
    let created = Instant::now();
    let r = s
        .exo(
            &exo,
            "New-MailContact",
            json!({"Name": "Rita Replica", "ExternalEmailAddress": "rita@replica.example"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let oid = r.body["value"][0]["ExternalDirectoryObjectId"]
        .as_str()
        .unwrap()
        .to_string();

    // Exchange itself sees the contact at once…
    let own = s
        .exo(
            &exo,
            "Get-MailContact",
            json!({"Identity": "rita@replica.example"}),
        )
        .await;
    assert_eq!(own.status, 200);
    // …but the membership cmdlet and Graph don't yet.
    let add = s
        .exo(
            &exo,
            "Add-DistributionGroupMember",
            json!({"Identity": "Sales Team", "Member": "rita@replica.example"}),
        )
        .await;
    if created.elapsed() < DELAY {
        assert_eq!(add.status, 400, "{}", add.text);
        assert_eq!(exo_type(&add.body), NOT_FOUND);
    }
    let filter = "/contacts?$filter=mail%20eq%20'rita@replica.example'";
    let early = s.get(&graph, filter).await;
    if created.elapsed() < DELAY {
        assert_eq!(early.body["value"].as_array().unwrap().len(), 0);
        assert_eq!(s.get(&graph, &format!("/contacts/{oid}")).await.status, 404);
    }

    // Graph sees it once replicated, never before the delay.
    eventually(DEADLINE, || async {
        s.get(&graph, filter).await.body["value"]
            .as_array()
            .is_some_and(|v| v.len() == 1)
    })
    .await;
    assert!(
        created.elapsed() >= DELAY,
        "visible after {:?}",
        created.elapsed()
    );

    // Now the add works (the app's retry), and Graph lists the contact among the DL's members.
    let add = s
        .exo(
            &exo,
            "Add-DistributionGroupMember",
            json!({"Identity": "Sales Team", "Member": "rita@replica.example"}),
        )
        .await;
    assert_eq!(add.status, 200, "{}", add.text);
    let members = s
        .get(
            &graph,
            &format!("/groups/{sales}/members/microsoft.graph.orgContact?$select=id,mail"),
        )
        .await;
    assert!(
        members.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["mail"] == "rita@replica.example"),
        "{}",
        members.text
    );
}

#[tokio::test]
async fn graph_guest_reaches_exchange_and_membership_after_the_delay() {
    let s = Sim::start(delayed()).await;
    let (exo, graph) = (s.admin_exo(), s.admin_graph());
    let falcon = s.group_id("Project Falcon");
    let created = Instant::now();
    let inv = s
        .post(&graph, "/invitations", json!({"invitedUserEmailAddress": "gus.guest@tailspintoys.com", "inviteRedirectUrl": "https://myapps.microsoft.com"}))
        .await;
    assert_eq!(inv.status, 201, "{}", inv.text);
    let uid = inv.body["invitedUser"]["id"].as_str().unwrap().to_string();

    // Graph has the user at once.
    assert_eq!(s.get(&graph, &format!("/users/{uid}")).await.status, 200);
    let reference =
        json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{uid}")});
    let add_url = format!("/groups/{falcon}/members/$ref");
    let early = s.post(&graph, &add_url, reference.clone()).await;
    let recipient = s
        .exo(
            &exo,
            "Get-Recipient",
            json!({"Identity": "gus.guest@tailspintoys.com"}),
        )
        .await;
    if created.elapsed() < DELAY {
        // A fresh guest may 404 when added to a group, and Exchange doesn't know it yet.
        assert_eq!(early.status, 404, "{}", early.text);
        assert_eq!(early.body["error"]["code"], "Request_ResourceNotFound");
        assert_eq!(recipient.status, 400);
        assert_eq!(exo_type(&recipient.body), NOT_FOUND);
    }

    eventually(DEADLINE, || async {
        let r = s.post(&graph, &add_url, reference.clone()).await;
        r.status == 204
    })
    .await;
    assert!(created.elapsed() >= DELAY);
    let r = s
        .exo(
            &exo,
            "Get-Recipient",
            json!({"Identity": "gus.guest@tailspintoys.com"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["value"][0]["RecipientTypeDetails"], "GuestMailUser");
    assert_eq!(
        r.body["value"][0]["ExternalDirectoryObjectId"],
        uid.as_str()
    );
    // And the guest can be a distribution group member now.
    let add = s
        .exo(
            &exo,
            "Add-DistributionGroupMember",
            json!({"Identity": "Partner Announcements", "Member": uid}),
        )
        .await;
    assert_eq!(add.status, 200, "{}", add.text);
}

#[tokio::test]
async fn without_a_delay_both_views_agree_at_once_and_the_knob_applies_live() {
    let s = Sim::start(Knobs::default()).await;
    let (exo, graph) = (s.admin_exo(), s.admin_graph());
    let r = s
        .exo(
            &exo,
            "New-MailContact",
            json!({"Name": "Ivy Instant", "ExternalEmailAddress": "ivy@instant.example"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let g = s
        .get(
            &graph,
            "/contacts?$filter=mail%20eq%20'ivy@instant.example'",
        )
        .await;
    assert_eq!(g.body["value"].as_array().unwrap().len(), 1);
    let add = s
        .exo(
            &exo,
            "Add-DistributionGroupMember",
            json!({"Identity": "Suppliers", "Member": "Ivy Instant"}),
        )
        .await;
    assert_eq!(add.status, 200, "{}", add.text);

    // Raising the knob at runtime hides the next new contact from Graph.
    s.sim
        .set_knobs(Knobs {
            replication_delay_ms: 3_600_000,
            ..Knobs::default()
        })
        .unwrap();
    let r = s
        .exo(
            &exo,
            "New-MailContact",
            json!({"Name": "Lou Later", "ExternalEmailAddress": "lou@later.example"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let g = s
        .get(&graph, "/contacts?$filter=mail%20eq%20'lou@later.example'")
        .await;
    assert_eq!(g.body["value"].as_array().unwrap().len(), 0);
    // Lowering it again makes the contact visible without a restart.
    s.sim.set_knobs(Knobs::default()).unwrap();
    let g = s
        .get(&graph, "/contacts?$filter=mail%20eq%20'lou@later.example'")
        .await;
    assert_eq!(g.body["value"].as_array().unwrap().len(), 1);
}

//! The register's writes against the simulated tenant over HTTP: deleting a guest (to deleted
//! items, out of its groups) and restoring it, deleting a contact with Remove-MailContact, and the
//! access-until date written to a guest's extension attribute and a contact's custom attribute
//! and read back by the register.
#![cfg(not(target_arch = "wasm32"))]

use guestlist_core::domain::register::{AccessUntil, Day, Register};
use guestlist_core::tenant::{
    AuthError, ExchangeClient, GraphClient, ObjectId, Resource, TenantError, TokenSource,
};
use guestlist_sim::auth::issue_access_token;
use guestlist_sim::client::{SimTransport, TokioSleeper};
use guestlist_sim::seed::ACCESS_UNTIL_ATTRIBUTE;
use guestlist_sim::state::{EXCHANGE_AUDIENCE, GRAPH_AUDIENCE, TENANT_ID};
use guestlist_sim::store::ADMIN_UPN;
use guestlist_sim::{RunningSim, SimConfig};

/// The admin with `User.ReadWrite.All` consented (incremental consent in the app).
struct Tokens {
    graph: String,
    exchange: String,
}

impl TokenSource for Tokens {
    async fn token(&self, resource: Resource, _force: bool) -> Result<String, AuthError> {
        Ok(match resource {
            Resource::Graph => self.graph.clone(),
            Resource::Exchange => self.exchange.clone(),
        })
    }
}

type Graph = GraphClient<SimTransport, std::rc::Rc<Tokens>, TokioSleeper>;
type Exchange = ExchangeClient<SimTransport, std::rc::Rc<Tokens>, TokioSleeper>;

async fn start() -> (RunningSim, Graph, Exchange) {
    let sim = guestlist_sim::start(SimConfig::default())
        .await
        .expect("sim starts");
    let account = {
        let t = sim.state.tenant.lock().unwrap();
        t.accounts()
            .into_iter()
            .find(|a| a.upn == ADMIN_UPN)
            .unwrap()
    };
    let tokens = std::rc::Rc::new(Tokens {
        graph: issue_access_token(
            &sim.state,
            &account,
            GRAPH_AUDIENCE,
            &[
                "User.ReadWrite.All",
                "GroupMember.ReadWrite.All",
                "OrgContact.Read.All",
            ],
        ),
        exchange: issue_access_token(
            &sim.state,
            &account,
            EXCHANGE_AUDIENCE,
            &["Exchange.Manage"],
        ),
    });
    let graph = GraphClient::new(
        format!("{}/v1.0", sim.base_url()),
        SimTransport::new(),
        tokens.clone(),
        TokioSleeper::default(),
    );
    let exchange = ExchangeClient::new(
        sim.base_url(),
        TENANT_ID,
        ADMIN_UPN,
        SimTransport::new(),
        tokens,
        TokioSleeper::default(),
    );
    (sim, graph, exchange)
}

fn groups_holding(sim: &RunningSim, id: &str) -> Vec<String> {
    let t = sim.state.tenant.lock().unwrap();
    t.groups()
        .iter()
        .filter(|g| g.has_member(id))
        .map(|g| g.id.clone())
        .collect()
}

fn id_of_user(sim: &RunningSim, mail: &str) -> String {
    let t = sim.state.tenant.lock().unwrap();
    t.users()
        .iter()
        .find(|u| u.mail.as_deref() == Some(mail))
        .unwrap()
        .id
        .clone()
}

#[tokio::test]
async fn a_deleted_guest_waits_in_deleted_items_and_comes_back_with_its_groups() {
    let (sim, graph, _) = start().await;
    let id = ObjectId(id_of_user(&sim, "kim.akers@fabrikam.com"));
    let groups = groups_holding(&sim, id.as_str());
    assert!(!groups.is_empty());
    graph.delete_user(&id).await.expect("delete");
    assert!(groups_holding(&sim, id.as_str()).is_empty());
    assert!(matches!(
        graph.delete_user(&id).await,
        Err(TenantError::NotFound(_))
    ));
    // The register no longer lists it.
    let reads = graph.register_reads().await.expect("reads");
    assert!(reads.guests.iter().all(|g| g.id != id));
    let deleted = graph.deleted_users().await.expect("deleted items");
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].user.id, id);
    assert!(deleted[0].deleted_date_time.is_some());
    let back = graph.restore_deleted_user(&id).await.expect("restore");
    assert_eq!(back.id, id);
    assert_eq!(groups_holding(&sim, id.as_str()), groups);
    assert!(graph
        .deleted_users()
        .await
        .expect("deleted items")
        .is_empty());
    assert!(matches!(
        graph.restore_deleted_user(&id).await,
        Err(TenantError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_removed_contact_is_gone_from_groups_and_a_second_removal_is_not_found() {
    let (sim, graph, exchange) = start().await;
    let id = {
        let t = sim.state.tenant.lock().unwrap();
        t.contacts()
            .iter()
            .find(|c| c.external_email == "aaron.con@fabrikam.com")
            .unwrap()
            .id
            .clone()
    };
    assert!(!groups_holding(&sim, &id).is_empty());
    exchange
        .remove_mail_contact("aaron.con@fabrikam.com")
        .await
        .expect("Remove-MailContact");
    assert!(groups_holding(&sim, &id).is_empty());
    assert!(matches!(
        exchange.remove_mail_contact("aaron.con@fabrikam.com").await,
        Err(TenantError::NotFound(_))
    ));
    let reads = graph.register_reads().await.expect("reads");
    assert!(reads.contacts.iter().all(|c| c.id.as_str() != id));
}

#[tokio::test]
async fn access_until_is_written_in_the_tenant_and_read_back_by_the_register() {
    let (sim, graph, exchange) = start().await;
    let n = ACCESS_UNTIL_ATTRIBUTE as u8;
    let guest = ObjectId(id_of_user(&sim, "mei.lin@tailspintoys.com"));
    graph
        .set_extension_attribute(&guest, n, Some("2025-09-30"))
        .await
        .expect("PATCH");
    exchange
        .set_mail_contact_custom_attribute("aaron.con@fabrikam.com", n, Some("2031-01-15"))
        .await
        .expect("Set-MailContact");
    let reads = graph.register_reads().await.expect("reads");
    let mut source = reads.source(n);
    source.add_exchange_contacts(
        &exchange
            .mail_contact_details()
            .await
            .expect("Get-MailContact"),
        n,
    );
    let register = Register::build(source);
    let row = |address: &str| {
        register
            .people
            .iter()
            .find(|p| p.address == address)
            .unwrap()
    };
    let day = |s: &str| Day::parse(s).unwrap();
    assert_eq!(
        row("mei.lin@tailspintoys.com").access_until,
        AccessUntil::Until(day("2025-09-30"))
    );
    assert_eq!(
        row("aaron.con@fabrikam.com").access_until,
        AccessUntil::Until(day("2031-01-15"))
    );
    assert!(row("mei.lin@tailspintoys.com").access_ended(day("2026-01-01")));
    assert!(!row("aaron.con@fabrikam.com").access_ended(day("2026-01-01")));
    // Cleared again: no date.
    graph
        .set_extension_attribute(&guest, n, None)
        .await
        .expect("PATCH");
    exchange
        .set_mail_contact_custom_attribute("aaron.con@fabrikam.com", n, None)
        .await
        .expect("Set-MailContact");
    let reads = graph.register_reads().await.expect("reads");
    let mut source = reads.source(n);
    source.add_exchange_contacts(&exchange.mail_contact_details().await.unwrap(), n);
    let register = Register::build(source);
    assert!(
        register
            .people
            .iter()
            .filter(|p| p.address == "mei.lin@tailspintoys.com"
                || p.address == "aaron.con@fabrikam.com")
            .all(|p| p.access_until == AccessUntil::None)
    );
    // A synced user's attribute is refused by Graph; numbers outside 1..15 never leave.
    let synced = ObjectId(id_of_user(&sim, "benwalters@contoso.onmicrosoft.com"));
    assert!(graph
        .set_extension_attribute(&synced, n, Some("2030-01-01"))
        .await
        .is_err());
    assert!(matches!(
        graph.set_extension_attribute(&guest, 16, None).await,
        Err(TenantError::InvalidRequest(_))
    ));
    assert!(matches!(
        exchange
            .set_mail_contact_custom_attribute("aaron.con@fabrikam.com", 0, None)
            .await,
        Err(TenantError::InvalidRequest(_))
    ));
}

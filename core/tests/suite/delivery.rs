//! The delivery check's reads against the simulated tenant over real HTTP: a group's restrictions
//! through Get-DistributionGroup / Get-UnifiedGroup, the sender through Get-Recipient and the
//! groups it's in, nested membership through Get-DistributionGroupMember; and the domain's answer
//! on those reads compared with the sim's own delivery oracle (`POST /_sim/deliver`, written apart
//! from the domain) for every seeded case, before and after a fix.
#![cfg(not(target_arch = "wasm32"))]

use std::time::Duration;

use guestlist_core::domain::delivery::{
    changes_for, membership, receive_check, DeliveryChange, Fix, Membership, NdrCode, NoFixReason,
    Outcome, ReceiveFinding, Restriction, SenderRecipient,
};
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::retry::{ReplicationSchedule, RetryPolicy};
use guestlist_core::tenant::{
    Applied, ExchangeClient, GraphClient, GroupId, ReplicationWait, TenantError,
};
use guestlist_sim::client::{SimTokens, SimTransport, TokioSleeper};
use guestlist_sim::state::TENANT_ID;
use guestlist_sim::store::ADMIN_UPN;
use guestlist_sim::{RunningSim, SimConfig};
use serde_json::{json, Value};

struct Env {
    sim: RunningSim,
    transport: SimTransport,
    tokens: SimTokens,
    sleeper: TokioSleeper,
    http: reqwest::Client,
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base: Duration::from_millis(100),
        cap: Duration::from_secs(1),
        replication: ReplicationSchedule {
            delays: vec![Duration::from_millis(200); 3],
        },
    }
}

impl Env {
    async fn start() -> Env {
        let sim = guestlist_sim::start(SimConfig::default())
            .await
            .expect("sim starts");
        let tokens = SimTokens::new(&sim, ADMIN_UPN);
        Env {
            sim,
            transport: SimTransport::new(),
            tokens,
            sleeper: TokioSleeper::default(),
            http: reqwest::Client::new(),
        }
    }

    fn exchange(&self) -> ExchangeClient<&SimTransport, &SimTokens, &TokioSleeper> {
        ExchangeClient::new(
            self.sim.base_url(),
            TENANT_ID,
            self.tokens.username(),
            &self.transport,
            &self.tokens,
            &self.sleeper,
        )
        .with_policy(policy())
    }

    fn graph(&self) -> GraphClient<&SimTransport, &SimTokens, &TokioSleeper> {
        GraphClient::new(
            format!("{}/v1.0", self.sim.base_url()),
            &self.transport,
            &self.tokens,
            &self.sleeper,
        )
        .with_policy(policy())
    }

    /// The sim's oracle: (outcome, code).
    async fn oracle(&self, from: &str, to: &str) -> (String, Option<String>) {
        let v: Value = self
            .http
            .post(format!("{}/_sim/deliver", self.sim.base_url()))
            .json(&json!({"from": from, "to": to}))
            .send()
            .await
            .expect("oracle answers")
            .json()
            .await
            .expect("oracle JSON");
        (
            v["outcome"].as_str().expect("outcome").to_owned(),
            v["code"].as_str().map(str::to_owned),
        )
    }

    fn group_id(&self, alias: &str) -> String {
        let t = self.sim.state.tenant.lock().unwrap();
        t.groups()
            .iter()
            .find(|g| g.alias == alias)
            .expect("seeded group")
            .id
            .clone()
    }
}

fn as_oracle(o: &Outcome) -> (String, Option<String>) {
    match o {
        Outcome::Delivered => ("delivered".into(), None),
        Outcome::Held { .. } => ("held".into(), None),
        Outcome::Rejected { code } => ("rejected".into(), Some(code.as_str().into())),
    }
}

const D: &str = "@contoso.onmicrosoft.com";

/// (alias, kind) of the groups the matrix covers.
const GROUPS: &[(&str, GroupKind)] = &[
    ("sales", GroupKind::Distribution),
    ("partners", GroupKind::Distribution),
    ("vendor-updates", GroupKind::Distribution),
    ("feedback", GroupKind::Distribution),
    ("press", GroupKind::Distribution),
    ("alliance", GroupKind::Distribution),
    ("legacy-staff", GroupKind::Distribution),
    ("allsales", GroupKind::DynamicDistribution),
    ("finance-approvers", GroupKind::MailEnabledSecurity),
    ("cab", GroupKind::Microsoft365),
    ("marketing", GroupKind::Microsoft365),
    ("projectfalcon", GroupKind::Microsoft365),
];

/// Senders of every kind: unknown externals, contacts (members of various groups, listed,
/// blocked, bypassing), guests, mailboxes (a moderator among them).
const SENDERS: &[&str] = &[
    "someone@unknown.example",
    "aaron.con@fabrikam.com",
    "chris.preston@northwindtraders.com",
    "dorena.paschke@northwindtraders.com",
    "lars.berg@woodgrovebank.com",
    "paul.west@gmail.com",
    "rosa.alvarez@contosopartners.net",
    "kim.akers@fabrikam.com",
    "luis.bonifaz@northwindtraders.com",
    "adelevance@contoso.onmicrosoft.com",
    "jonisherman@contoso.onmicrosoft.com",
    "meganbowen@contoso.onmicrosoft.com",
    "miriamgraham@contoso.onmicrosoft.com",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_the_seeded_restrictions() {
    let env = Env::start().await;
    let exo = env.exchange();

    let v = exo
        .get_group_delivery("vendor-updates", GroupKind::Distribution)
        .await
        .unwrap();
    let r = &v.restrictions;
    assert_eq!(r.require_sender_authentication_enabled, Some(false));
    assert_eq!(
        r.accept_messages_only_from,
        ["Chris Preston", "jonisherman"]
    );
    assert_eq!(r.accept_messages_only_from_dl_members, ["Suppliers"]);
    let s = v.settings(GroupKind::Distribution, None);
    assert!(s.has_allowed_senders_list());
    assert_eq!(s.external_senders, ExternalSenders::Allowed);
    assert!(s
        .group
        .is_named_by("vendor-updates@contoso.onmicrosoft.com"));

    let cab = exo
        .get_group_delivery("cab", GroupKind::Microsoft365)
        .await
        .unwrap();
    assert_eq!(
        cab.recipient.recipient_type_details.as_deref(),
        Some("GroupMailbox")
    );
    assert_eq!(
        cab.restrictions
            .accept_messages_only_from_senders_or_members
            .len(),
        2
    );
    assert_eq!(cab.restrictions.report_to_originator_enabled, None);

    let press = exo
        .get_group_delivery("press", GroupKind::Distribution)
        .await
        .unwrap()
        .settings(GroupKind::Distribution, None);
    assert!(press.moderation_enabled);
    assert_eq!(press.moderated_by, ["meganbowen"]);
    assert_eq!(
        press.bypass_moderation_from_senders_or_members,
        ["Rosa Alvarez"]
    );

    // The dynamic group through its own cmdlet; a security group has no restrictions to read.
    let dynamic = exo
        .get_group_delivery("allsales", GroupKind::DynamicDistribution)
        .await
        .unwrap();
    assert_eq!(
        dynamic.recipient.recipient_type_details.as_deref(),
        Some("DynamicDistributionGroup")
    );
    assert!(matches!(
        exo.get_group_delivery("vpnusers", GroupKind::Security)
            .await,
        Err(TenantError::InvalidRequest(_))
    ));
    // A distribution group isn't a Microsoft 365 group.
    assert!(matches!(
        exo.get_group_delivery("sales", GroupKind::Microsoft365)
            .await,
        Err(TenantError::NotFound(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_who_the_sender_is_and_which_named_groups_hold_it() {
    let env = Env::start().await;
    let exo = env.exchange();
    let vendor = exo
        .get_group_delivery("vendor-updates", GroupKind::Distribution)
        .await
        .unwrap()
        .settings(GroupKind::Distribution, None);

    let nobody = exo
        .delivery_sender("someone@unknown.example", &vendor)
        .await
        .unwrap();
    assert!(nobody.external);
    assert_eq!(nobody.recipient, SenderRecipient::None);

    // Lars's contact is a member of Suppliers, which the allowed list names.
    let lars = exo
        .delivery_sender("lars.berg@woodgrovebank.com", &vendor)
        .await
        .unwrap();
    assert!(lars.external);
    assert!(matches!(lars.recipient, SenderRecipient::Contact(_)));
    let groups: Vec<&str> = lars.member_of.iter().map(|g| g.display.as_str()).collect();
    assert_eq!(groups, ["Suppliers"]);

    // Dorena's contact is a member of the group itself.
    let dorena = exo
        .delivery_sender("dorena.paschke@northwindtraders.com", &vendor)
        .await
        .unwrap();
    assert_eq!(dorena.member_of.len(), 1);
    assert!(dorena.member_of[0].is_named_by("vendor-updates@contoso.onmicrosoft.com"));

    // A guest is a mail user; a member's mailbox is internal.
    let kim = exo
        .delivery_sender("kim.akers@fabrikam.com", &vendor)
        .await
        .unwrap();
    assert!(matches!(kim.recipient, SenderRecipient::Guest(_)));
    assert!(kim.external);
    let adele = exo
        .delivery_sender(&format!("adelevance{D}"), &vendor)
        .await
        .unwrap();
    assert!(matches!(adele.recipient, SenderRecipient::Mailbox(_)));
    assert!(!adele.external);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_membership_is_read_through_exchange() {
    let env = Env::start().await;
    let exo = env.exchange();
    let (root, tree) = exo.member_tree("alliance").await.unwrap();
    assert_eq!(root, env.group_id("alliance"));
    let aaron = exo.get_recipient("aaron.con@fabrikam.com").await.unwrap();
    let aaron = aaron.external_directory_object_id.unwrap();
    assert_eq!(
        membership(&root, &aaron, &tree),
        Membership::Nested {
            via: vec![env.group_id("partners")]
        }
    );
    let nestor = exo
        .get_recipient(&format!("nestorwilke{D}"))
        .await
        .unwrap()
        .external_directory_object_id
        .unwrap();
    assert_eq!(membership(&root, &nestor, &tree), Membership::Direct);
    let paul = exo
        .get_recipient("paul.west@gmail.com")
        .await
        .unwrap()
        .external_directory_object_id
        .unwrap();
    assert_eq!(membership(&root, &paul, &tree), Membership::NotMember);

    // The receive side: a member through the nested group, on a group with a return path; and
    // the feedback group, whose delivery reports go nowhere.
    let alliance = exo
        .get_group_delivery("alliance", GroupKind::Distribution)
        .await
        .unwrap()
        .settings(GroupKind::Distribution, None);
    let r = receive_check(
        &alliance,
        membership(&root, &aaron, &tree),
        "aaron.con@fabrikam.com",
        Some("aaron.con@fabrikam.com"),
    );
    assert!(r.receives());
    assert!(r.findings.is_empty());
    let feedback = exo
        .get_group_delivery("feedback", GroupKind::Distribution)
        .await
        .unwrap()
        .settings(GroupKind::Distribution, None);
    let r = receive_check(
        &feedback,
        Membership::Direct,
        "x@y.example",
        Some("x@y.example"),
    );
    assert_eq!(r.findings, vec![ReceiveFinding::NoReturnPath]);
}

/// Every seeded group × every kind of sender: the domain's answer on the reads equals the oracle's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_domain_on_real_reads_agrees_with_the_oracle() {
    let env = Env::start().await;
    let exo = env.exchange();
    let mut compared = 0;
    let mut outcomes = std::collections::BTreeSet::new();
    for (alias, kind) in GROUPS {
        let to = format!("{alias}{D}");
        for from in SENDERS {
            let check = exo.delivery_check(alias, *kind, from, None).await.unwrap();
            let ours = as_oracle(&check.send.outcome);
            let theirs = env.oracle(from, &to).await;
            assert_eq!(ours, theirs, "{from} → {to}: {:#?}", check.send);
            outcomes.insert(ours);
            compared += 1;
        }
    }
    assert_eq!(compared, GROUPS.len() * SENDERS.len());
    // The matrix covers every outcome and code.
    for o in [
        ("delivered", None),
        ("held", None),
        ("rejected", Some("5.7.133")),
        ("rejected", Some("5.7.124")),
        ("rejected", Some("5.7.1")),
    ] {
        assert!(
            outcomes.contains(&(o.0.to_owned(), o.1.map(str::to_owned))),
            "{o:?} not met"
        );
    }
}

/// Graph's `allowExternalSenders` is the switch for a Microsoft 365 group: read it, use it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsoft_365_switch_from_graph() {
    let env = Env::start().await;
    let id = GroupId(env.group_id("marketing"));
    let allow = env.graph().allow_external_senders(&id).await.unwrap();
    assert_eq!(allow, Some(false));
    let check = env
        .exchange()
        .delivery_check(
            "marketing",
            GroupKind::Microsoft365,
            "someone@unknown.example",
            allow,
        )
        .await
        .unwrap();
    assert_eq!(
        check.send.outcome,
        Outcome::Rejected {
            code: NdrCode::SenderNotAuthenticated
        }
    );
    assert!(matches!(
        check.send.findings[0].fixes[0],
        Fix::OpenToExternalSenders { .. }
    ));
}

/// The fixes the domain proposes, made through Exchange by hand here (the plan's operations come
/// later): after each, the reads, the domain and the oracle all say the next thing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_each_proposed_fix_domain_and_oracle_agree() {
    let env = Env::start().await;
    let exo = env.exchange();
    let to = format!("vendor-updates{D}");
    let dorena = "dorena.paschke@northwindtraders.com";

    let before = exo
        .delivery_check("vendor-updates", GroupKind::Distribution, dorena, None)
        .await
        .unwrap();
    assert_eq!(
        before.send.outcome,
        Outcome::Rejected {
            code: NdrCode::NotInAllowedSenders
        }
    );
    // She's a member: listing her contact or the group itself would both do.
    assert_eq!(
        before.send.findings[0].fixes,
        vec![
            Fix::AllowSender {
                create_contact: false
            },
            Fix::AllowGroupMembers
        ]
    );
    exo.invoke(
        "Set-DistributionGroup",
        json!({"Identity": "vendor-updates", "BypassSecurityGroupManagerCheck": true,
               "AcceptMessagesOnlyFromDLMembers": {"@odata.type": "#Exchange.GenericHashTable", "Add": ["vendor-updates@contoso.onmicrosoft.com"]}}),
    )
    .await
    .unwrap();
    let after = exo
        .delivery_check("vendor-updates", GroupKind::Distribution, dorena, None)
        .await
        .unwrap();
    assert_eq!(after.send.outcome, Outcome::Delivered);
    assert_eq!(env.oracle(dorena, &to).await, ("delivered".into(), None));

    // The blocked sender.
    let paul = "paul.west@gmail.com";
    let blocked = exo
        .delivery_check("feedback", GroupKind::Distribution, paul, None)
        .await
        .unwrap();
    let Restriction::Blocked { entry, .. } = &blocked.send.findings[0].restriction else {
        panic!("{:?}", blocked.send)
    };
    assert_eq!(entry, "Paul West");
    exo.invoke(
        "Set-DistributionGroup",
        json!({"Identity": "feedback", "BypassSecurityGroupManagerCheck": true,
               "RejectMessagesFrom": {"@odata.type": "#Exchange.GenericHashTable", "Remove": [entry]}}),
    )
    .await
    .unwrap();
    let after = exo
        .delivery_check("feedback", GroupKind::Distribution, paul, None)
        .await
        .unwrap();
    assert_eq!(after.send.outcome, Outcome::Delivered);
    assert_eq!(
        env.oracle(paul, &format!("feedback{D}")).await,
        ("delivered".into(), None)
    );
}

/// Every seeded case, fixed the way the check proposes (its first finding's first fix, the
/// changes made through Exchange) until the domain says delivered; the oracle agrees after every
/// round, and making the same changes again finds them done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proposed_fixes_made_through_exchange_let_the_mail_through() {
    let env = Env::start().await;
    let exo = env.exchange();
    let cases: &[(&str, GroupKind, &str, usize)] = &[
        (
            "sales",
            GroupKind::Distribution,
            "someone@unknown.example",
            1,
        ),
        (
            "vendor-updates",
            GroupKind::Distribution,
            "new.person@unknown.example",
            1,
        ),
        (
            "feedback",
            GroupKind::Distribution,
            "paul.west@gmail.com",
            1,
        ),
        (
            "press",
            GroupKind::Distribution,
            "eva.corets@adventure-works.com",
            1,
        ),
        ("cab", GroupKind::Microsoft365, "kim.akers@fabrikam.com", 1),
        (
            "cab",
            GroupKind::Microsoft365,
            "another.person@unknown.example",
            1,
        ),
        // Closed, then a list, then moderation: three rounds.
        (
            "events2025",
            GroupKind::Distribution,
            "third.person@unknown.example",
            3,
        ),
    ];
    exo.invoke(
        "Set-DistributionGroup",
        json!({"Identity": "events2025", "BypassSecurityGroupManagerCheck": true,
               "RequireSenderAuthenticationEnabled": true, "AcceptMessagesOnlyFrom": ["Aaron Con"],
               "ModerationEnabled": true, "ModeratedBy": ["meganbowen"]}),
    )
    .await
    .unwrap();
    for (alias, kind, from, rounds) in cases {
        let to = format!("{alias}{D}");
        let mut made = Vec::new();
        let mut n = 0;
        loop {
            let check = exo.delivery_check(alias, *kind, from, None).await.unwrap();
            assert_eq!(
                as_oracle(&check.send.outcome),
                env.oracle(from, &to).await,
                "{from} → {to}, round {n}"
            );
            if check.send.outcome == Outcome::Delivered {
                break;
            }
            assert!(n < *rounds, "{from} → {to}: still {:?}", check.send.outcome);
            let fix = &check.send.findings[0].fixes[0];
            for change in changes_for(&check.settings, &check.sender, fix) {
                let applied = exo
                    .apply_delivery_change(&change, ReplicationWait::JustCreated)
                    .await
                    .unwrap_or_else(|e| panic!("{change:?}: {e}"));
                assert_eq!(applied, Applied::Done, "{change:?}");
                made.push(change);
            }
            n += 1;
        }
        assert_eq!(n, *rounds, "{from} → {to}");
        // Again: the contact exists; a Microsoft 365 list has the entry already.
        for change in &made {
            let again = exo
                .apply_delivery_change(change, ReplicationWait::None)
                .await
                .unwrap();
            let idempotent_read = matches!(change, DeliveryChange::CreateContact { .. })
                || matches!(
                    change,
                    DeliveryChange::EditList {
                        kind: GroupKind::Microsoft365,
                        ..
                    }
                );
            if idempotent_read {
                assert_eq!(again, Applied::AlreadyDone, "{change:?}");
            }
        }
        assert_eq!(env.oracle(from, &to).await, ("delivered".into(), None));
    }
}

/// Groups Guestlist can't change: the check explains the bounce and offers no fix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synced_and_dynamic_groups_are_explained_without_a_fix() {
    let env = Env::start().await;
    let exo = env.exchange();
    for (alias, kind, reason) in [
        (
            "legacy-staff",
            GroupKind::Distribution,
            NoFixReason::MasteredOnPremises,
        ),
        (
            "allsales",
            GroupKind::DynamicDistribution,
            NoFixReason::RuleBasedMembership,
        ),
    ] {
        let check = exo
            .delivery_check(alias, kind, "someone@unknown.example", None)
            .await
            .unwrap();
        assert_eq!(
            check.send.outcome,
            Outcome::Rejected {
                code: NdrCode::SenderNotAuthenticated
            },
            "{alias}"
        );
        assert_eq!(
            check.send.findings[0].fixes,
            vec![Fix::None { reason }],
            "{alias}"
        );
        assert!(changes_for(
            &check.settings,
            &check.sender,
            &check.send.findings[0].fixes[0]
        )
        .is_empty());
    }
}

/// Script mode's Verify after the changes were made: Graph shows the new contact and a
/// Microsoft 365 group's switch; the Exchange-only settings are reported as such.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_reads_graph_after_the_changes() {
    use guestlist_core::domain::delivery::verify_changes;
    use guestlist_core::domain::verify::Verified;
    use std::collections::HashMap;

    let env = Env::start().await;
    let exo = env.exchange();
    let from = "fresh.sender@unknown.example";
    let check = exo
        .delivery_check("vendor-updates", GroupKind::Distribution, from, None)
        .await
        .unwrap();
    let changes = changes_for(
        &check.settings,
        &check.sender,
        &check.send.findings[0].fixes[0],
    );
    assert_eq!(changes.len(), 2, "{changes:?}");

    let verify = |contacts: Vec<guestlist_core::tenant::OrgContact>| {
        let found: HashMap<String, String> = contacts
            .into_iter()
            .filter_map(|c| Some((c.mail?.to_ascii_lowercase(), c.id.as_str().to_owned())))
            .collect();
        verify_changes(&changes, &found, &HashMap::new())
    };
    let before = verify(
        env.graph()
            .contacts_with_mail(&[from.to_owned()])
            .await
            .unwrap(),
    );
    assert_eq!(before[0], Verified::Missing);

    for c in &changes {
        exo.apply_delivery_change(c, ReplicationWait::JustCreated)
            .await
            .unwrap();
    }
    let after = verify(
        env.graph()
            .contacts_with_mail(&[from.to_owned()])
            .await
            .unwrap(),
    );
    assert!(
        matches!(&after[0], Verified::Done { object_id: Some(_) }),
        "{after:?}"
    );
    assert!(matches!(after[1], Verified::CannotCheck { .. }));
    assert_eq!(
        env.oracle(from, &format!("vendor-updates{D}")).await,
        ("delivered".into(), None)
    );
}

/// The finder's badge for Microsoft 365 groups: `allowExternalSenders` of a page of groups in one
/// `$batch` of single-group GETs (Graph shows it on nothing else), each group's own answer kept
/// (a distribution group has none; a group that's gone fails alone); in direct mode
/// `Get-UnifiedGroup -Filter` on their ids adds the lists, one call for all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsoft_365_groups_external_senders_for_a_page_in_one_batch() {
    let env = Env::start().await;
    let ids: Vec<GroupId> = ["marketing", "projectfalcon", "cab", "sales"]
        .iter()
        .map(|a| GroupId(env.group_id(a)))
        .chain([GroupId("00000000-0000-0000-0000-000000000000".into())])
        .collect();
    let answers = env
        .graph()
        .allow_external_senders_of(&ids)
        .await
        .expect("the batch answers");
    assert_eq!(answers.len(), 5);
    let values: Vec<Option<bool>> = answers[..4]
        .iter()
        .map(|a| *a.as_ref().expect("answered"))
        .collect();
    assert_eq!(values, [Some(false), Some(true), Some(true), None]);
    assert!(
        matches!(answers[4], Err(TenantError::NotFound(_))),
        "{:?}",
        answers[4]
    );
    let unified: Vec<String> = ids[..3].iter().map(|g| g.0.clone()).collect();
    let found = env
        .exchange()
        .unified_groups_by_id(&unified)
        .await
        .expect("Get-UnifiedGroup -Filter");
    assert_eq!(found.len(), 3);
    let cab = found
        .iter()
        .find(|g| g.recipient.external_directory_object_id.as_deref() == Some(ids[2].as_str()))
        .expect("the Customer Advisory Board");
    let settings = cab.settings(GroupKind::Microsoft365, Some(true));
    assert!(settings.has_allowed_senders_list());
    assert_eq!(
        guestlist_core::domain::delivery::outcome(
            &settings,
            &guestlist_core::domain::delivery::Sender::any_external("")
        ),
        Outcome::Rejected {
            code: NdrCode::NotInAllowedSenders
        }
    );
}

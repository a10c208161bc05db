//! Delivery restrictions over real HTTP: Get-/Set-DistributionGroup and Get-/Set-UnifiedGroup with
//! the list properties (plain arrays replace, GenericHashTable Add/Remove edits),
//! Get-DistributionGroupMember with a nested group, and the oracle `POST /_sim/deliver` on every
//! seeded case, before and after the fix that resolves it.

use crate::tenant_support;

use guestlist_sim::Knobs;
use reqwest::Method;
use serde_json::{json, Value};
use tenant_support::{assert_exo_error, assert_exo_error_containing, Sim, NOT_FOUND};

const PARAMETER: &str = "System.Management.Automation.ParameterBindingException";
const SYNCED: &str = "Microsoft.Exchange.Configuration.Tasks.TaskException";

fn hashtable(add: &[&str], remove: &[&str]) -> Value {
    json!({"@odata.type": "#Exchange.GenericHashTable", "Add": add, "Remove": remove})
}

async fn deliver(s: &Sim, from: &str, to: &str) -> Value {
    let r = s
        .send(
            Method::POST,
            None,
            &format!("{}/_sim/deliver", s.base()),
            &[],
            Some(json!({"from": from, "to": to})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn outcome(v: &Value) -> (&str, Option<&str>) {
    (v["outcome"].as_str().unwrap(), v["code"].as_str())
}

fn names(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

async fn group(s: &Sim, cmdlet: &str, identity: &str) -> Value {
    s.exo_ok(&s.admin_exo(), cmdlet, json!({"Identity": identity}))
        .await["value"][0]
        .clone()
}

async fn set(s: &Sim, cmdlet: &str, params: Value) {
    s.exo_ok(&s.admin_exo(), cmdlet, params).await;
}

const EXTERNAL: &str = "someone@unknown.example";

#[tokio::test]
async fn get_distribution_group_shows_the_lists_in_exchange_shapes() {
    let s = Sim::start(Knobs::default()).await;
    let g = group(
        &s,
        "Get-DistributionGroup",
        "vendor-updates@contoso.onmicrosoft.com",
    )
    .await;
    assert_eq!(g["RequireSenderAuthenticationEnabled"], false);
    assert_eq!(
        names(&g["AcceptMessagesOnlyFrom"]),
        ["Chris Preston", "jonisherman"]
    );
    assert_eq!(names(&g["AcceptMessagesOnlyFromDLMembers"]), ["Suppliers"]);
    assert_eq!(
        names(&g["AcceptMessagesOnlyFromSendersOrMembers"]),
        ["Chris Preston", "jonisherman", "Suppliers"]
    );
    assert!(names(&g["RejectMessagesFromSendersOrMembers"]).is_empty());
    assert_eq!(g["ModerationEnabled"], false);
    assert_eq!(g["ReportToOriginatorEnabled"], true);
    assert_eq!(g["ReportToManagerEnabled"], false);
    assert_eq!(g["IsDirSynced"], false);

    let f = group(&s, "Get-DistributionGroup", "feedback").await;
    assert_eq!(names(&f["RejectMessagesFrom"]), ["Paul West"]);
    assert_eq!(
        names(&f["RejectMessagesFromSendersOrMembers"]),
        ["Paul West"]
    );
    assert_eq!(f["ReportToOriginatorEnabled"], false);

    let p = group(&s, "Get-DistributionGroup", "press").await;
    assert_eq!(p["ModerationEnabled"], true);
    assert_eq!(names(&p["ModeratedBy"]), ["meganbowen"]);
    assert_eq!(
        names(&p["BypassModerationFromSendersOrMembers"]),
        ["Rosa Alvarez"]
    );

    // Synced from on-premises: every view of it says so.
    let legacy = group(&s, "Get-DistributionGroup", "legacy-staff").await;
    assert_eq!(legacy["IsDirSynced"], true);
    assert_eq!(
        group(&s, "Get-Recipient", "legacy-staff").await["IsDirSynced"],
        true
    );

    // A group nobody restricted: empty lists, not missing ones.
    let sales = group(&s, "Get-DistributionGroup", "sales").await;
    assert_eq!(sales["RequireSenderAuthenticationEnabled"], true);
    for k in [
        "AcceptMessagesOnlyFrom",
        "AcceptMessagesOnlyFromDLMembers",
        "AcceptMessagesOnlyFromSendersOrMembers",
        "RejectMessagesFrom",
        "RejectMessagesFromDLMembers",
        "RejectMessagesFromSendersOrMembers",
        "ModeratedBy",
        "BypassModerationFromSendersOrMembers",
    ] {
        assert_eq!(sales[k], json!([]), "{k}");
    }
}

#[tokio::test]
async fn get_unified_group_lists_microsoft_365_groups_with_their_restrictions() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_exo();
    let all = s.exo(&tok, "Get-UnifiedGroup", json!({})).await;
    assert_eq!(all.status, 200, "{}", all.text);
    let all = all.body["value"].as_array().unwrap();
    assert!(all
        .iter()
        .all(|g| g["RecipientTypeDetails"] == "GroupMailbox"));
    assert_eq!(all.len(), 4, "the seeded Microsoft 365 groups");

    let cab = group(&s, "Get-UnifiedGroup", "cab").await;
    assert_eq!(cab["RequireSenderAuthenticationEnabled"], false);
    let listed = names(&cab["AcceptMessagesOnlyFromSendersOrMembers"]);
    assert_eq!(listed.len(), 2);
    assert!(
        listed[0].starts_with("luis.bonifaz_northwindtraders.com"),
        "{listed:?}"
    );
    assert_eq!(listed[1], "miriamgraham");
    assert!(cab.get("ReportToOriginatorEnabled").is_none());
    let marketing = group(&s, "Get-UnifiedGroup", "marketing").await;
    assert_eq!(marketing["RequireSenderAuthenticationEnabled"], true);

    // Distribution groups aren't Microsoft 365 groups.
    let r = s
        .exo(&tok, "Get-UnifiedGroup", json!({"Identity": "sales"}))
        .await;
    assert_exo_error_containing(&r, 400, NOT_FOUND, "");
}

#[tokio::test]
async fn multi_valued_parameters_replace_add_and_remove() {
    let s = Sim::start(Knobs::default()).await;
    let id = "events2025";
    // Add by address and by name; the list takes the sender kinds only.
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": id, "AcceptMessagesOnlyFrom": hashtable(&["aaron.con@fabrikam.com", "Bianca Pisani"], &[])}),
    )
    .await;
    let g = group(&s, "Get-DistributionGroup", id).await;
    assert_eq!(
        names(&g["AcceptMessagesOnlyFrom"]),
        ["Aaron Con", "Bianca Pisani"]
    );
    // Adding what's there changes nothing; Remove takes it out.
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": id, "AcceptMessagesOnlyFrom": hashtable(&["Aaron Con"], &["bianca.pisani@fabrikam.com"])}),
    )
    .await;
    let g = group(&s, "Get-DistributionGroup", id).await;
    assert_eq!(names(&g["AcceptMessagesOnlyFrom"]), ["Aaron Con"]);
    // A plain array replaces: senders and groups of SendersOrMembers go to their own lists.
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": id, "AcceptMessagesOnlyFromSendersOrMembers": ["Eva Corets", "Suppliers"]}),
    )
    .await;
    let g = group(&s, "Get-DistributionGroup", id).await;
    assert_eq!(names(&g["AcceptMessagesOnlyFrom"]), ["Eva Corets"]);
    assert_eq!(names(&g["AcceptMessagesOnlyFromDLMembers"]), ["Suppliers"]);
    // null clears.
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": id, "AcceptMessagesOnlyFromSendersOrMembers": null}),
    )
    .await;
    let g = group(&s, "Get-DistributionGroup", id).await;
    assert_eq!(g["AcceptMessagesOnlyFromSendersOrMembers"], json!([]));
    // Moderation, bypass, report settings.
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": id, "ModerationEnabled": true, "ModeratedBy": ["meganbowen"],
               "BypassModerationFromSendersOrMembers": hashtable(&["Partner Announcements"], &[]),
               "ReportToOriginatorEnabled": false, "ReportToManagerEnabled": "$true"}),
    )
    .await;
    let g = group(&s, "Get-DistributionGroup", id).await;
    assert_eq!(g["ModerationEnabled"], true);
    assert_eq!(names(&g["ModeratedBy"]), ["meganbowen"]);
    assert_eq!(
        names(&g["BypassModerationFromSendersOrMembers"]),
        ["Partner Announcements"]
    );
    assert_eq!(g["ReportToOriginatorEnabled"], false);
    assert_eq!(g["ReportToManagerEnabled"], true);
}

#[tokio::test]
async fn multi_valued_parameters_refuse_what_exchange_refuses() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_exo();
    // An unknown recipient.
    let r = s
        .exo(
            &tok,
            "Set-DistributionGroup",
            json!({"Identity": "events2025", "RejectMessagesFrom": hashtable(&["nobody@nowhere.example"], &[])}),
        )
        .await;
    assert_exo_error_containing(&r, 400, NOT_FOUND, "nobody@nowhere.example");
    // A group where only senders go.
    let r = s
        .exo(
            &tok,
            "Set-DistributionGroup",
            json!({"Identity": "events2025", "RejectMessagesFrom": ["Suppliers"]}),
        )
        .await;
    assert_exo_error_containing(&r, 400, NOT_FOUND, "Suppliers");
    // A list and its SendersOrMembers union in one command.
    let r = s
        .exo(
            &tok,
            "Set-DistributionGroup",
            json!({"Identity": "events2025", "AcceptMessagesOnlyFrom": ["Aaron Con"], "AcceptMessagesOnlyFromSendersOrMembers": ["Aaron Con"]}),
        )
        .await;
    assert_exo_error_containing(&r, 400, PARAMETER, "can't be used in the same command");
    // A hashtable key other than Add / Remove.
    let r = s
        .exo(
            &tok,
            "Set-DistributionGroup",
            json!({"Identity": "events2025", "ModeratedBy": {"Replace": ["x"]}}),
        )
        .await;
    assert_exo_error_containing(&r, 400, PARAMETER, "'Replace'");
    // Nothing changed on the way.
    let g = group(&s, "Get-DistributionGroup", "events2025").await;
    assert_eq!(g["RejectMessagesFromSendersOrMembers"], json!([]));
    assert_eq!(g["AcceptMessagesOnlyFromSendersOrMembers"], json!([]));
    assert_eq!(g["ModeratedBy"], json!([]));
    // Set-UnifiedGroup has no AcceptMessagesOnlyFrom parameter.
    let r = s
        .exo(
            &tok,
            "Set-UnifiedGroup",
            json!({"Identity": "cab", "AcceptMessagesOnlyFrom": ["Aaron Con"]}),
        )
        .await;
    assert_exo_error_containing(&r, 400, PARAMETER, "'AcceptMessagesOnlyFrom'");
}

/// A group synchronised from on-premises is changed there: Exchange Online refuses every change
/// to it (settings and members) and Graph shows `onPremisesSyncEnabled`.
#[tokio::test]
async fn a_group_synced_from_on_premises_refuses_changes() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_exo();
    let refused = |cmdlet: &str| {
        format!("The action '{cmdlet}' can't be performed on the object 'Legacy Staff List' because the object is being synchronized from your on-premises organization. This action should be performed on the object in your on-premises organization.")
    };
    for params in [
        json!({"Identity": "legacy-staff", "RequireSenderAuthenticationEnabled": false}),
        json!({"Identity": "legacy-staff", "AcceptMessagesOnlyFrom": hashtable(&["Aaron Con"], &[]), "BypassSecurityGroupManagerCheck": true}),
    ] {
        let r = s.exo(&tok, "Set-DistributionGroup", params).await;
        assert_exo_error(&r, 400, SYNCED, refused("Set-DistributionGroup"));
    }
    for cmdlet in [
        "Add-DistributionGroupMember",
        "Remove-DistributionGroupMember",
    ] {
        let r = s
            .exo(
                &tok,
                cmdlet,
                json!({"Identity": "legacy-staff", "Member": "aaron.con@fabrikam.com"}),
            )
            .await;
        assert_exo_error(&r, 400, SYNCED, refused(cmdlet));
    }
    // Nothing changed.
    let g = group(&s, "Get-DistributionGroup", "legacy-staff").await;
    assert_eq!(g["RequireSenderAuthenticationEnabled"], true);
    assert_eq!(g["AcceptMessagesOnlyFromSendersOrMembers"], json!([]));
    assert_eq!(
        outcome(&deliver(&s, EXTERNAL, "legacy-staff@contoso.onmicrosoft.com").await),
        ("rejected", Some("5.7.133"))
    );
    // Graph says where the group is mastered; a cloud group says nothing.
    let graph = s.admin_graph();
    let id = s.group_id("Legacy Staff List");
    let r = s
        .get(
            &graph,
            &format!("/groups/{id}?$select=onPremisesSyncEnabled"),
        )
        .await;
    assert_eq!(r.body["onPremisesSyncEnabled"], true, "{}", r.text);
    let id = s.group_id("Vendor Portal Updates");
    let r = s
        .get(
            &graph,
            &format!("/groups/{id}?$select=onPremisesSyncEnabled"),
        )
        .await;
    assert!(r.body["onPremisesSyncEnabled"].is_null(), "{}", r.text);
    // A cloud group's settings still change.
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "sales", "RequireSenderAuthenticationEnabled": false}),
    )
    .await;
}

#[tokio::test]
async fn distribution_group_member_lists_nested_groups() {
    let s = Sim::start(Knobs::default()).await;
    let r = s
        .exo(
            &s.admin_exo(),
            "Get-DistributionGroupMember",
            json!({"Identity": "alliance@contoso.onmicrosoft.com"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let members = r.body["value"].as_array().unwrap();
    let nested: Vec<&Value> = members
        .iter()
        .filter(|m| m["RecipientTypeDetails"] == "MailUniversalDistributionGroup")
        .collect();
    assert_eq!(nested.len(), 1);
    assert_eq!(nested[0]["Name"], "Partner Announcements");
    assert_eq!(
        nested[0]["PrimarySmtpAddress"],
        "partners@contoso.onmicrosoft.com"
    );
}

#[tokio::test]
async fn oracle_sender_authentication_and_its_fix() {
    let s = Sim::start(Knobs::default()).await;
    let to = "sales@contoso.onmicrosoft.com";
    assert_eq!(
        outcome(&deliver(&s, EXTERNAL, to).await),
        ("rejected", Some("5.7.133"))
    );
    // A contact is still an external, unauthenticated sender.
    assert_eq!(
        outcome(&deliver(&s, "aaron.con@fabrikam.com", to).await),
        ("rejected", Some("5.7.133"))
    );
    // Internal senders pass; the mail reaches every member once, the sender included.
    let d = deliver(&s, "christiecline@contoso.onmicrosoft.com", to).await;
    assert_eq!(outcome(&d), ("delivered", None));
    assert_eq!(d["recipients"].as_array().unwrap().len(), 6);

    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "sales", "RequireSenderAuthenticationEnabled": false}),
    )
    .await;
    let d = deliver(&s, EXTERNAL, to).await;
    assert_eq!(outcome(&d), ("delivered", None));
    assert!(names(&d["recipients"]).contains(&"aaron.con@fabrikam.com"));

    // Microsoft 365 groups: the same switch, from Graph or Set-UnifiedGroup.
    let m = "marketing@contoso.onmicrosoft.com";
    assert_eq!(
        outcome(&deliver(&s, EXTERNAL, m).await),
        ("rejected", Some("5.7.133"))
    );
    set(
        &s,
        "Set-UnifiedGroup",
        json!({"Identity": "marketing", "RequireSenderAuthenticationEnabled": false}),
    )
    .await;
    assert_eq!(
        outcome(&deliver(&s, EXTERNAL, m).await),
        ("delivered", None)
    );
    let graph = s
        .get(
            &s.admin_graph(),
            &format!(
                "/groups/{}?$select=allowExternalSenders",
                s.group_id("Marketing")
            ),
        )
        .await;
    assert_eq!(graph.body["allowExternalSenders"], true, "{}", graph.text);
}

#[tokio::test]
async fn oracle_allowed_senders_list_and_its_fixes() {
    let s = Sim::start(Knobs::default()).await;
    let to = "vendor-updates@contoso.onmicrosoft.com";
    // Listed contact; a member of a listed group; listed staff.
    for ok in [
        "chris.preston@northwindtraders.com",
        "lars.berg@woodgrovebank.com",
        "jonisherman@contoso.onmicrosoft.com",
    ] {
        let d = deliver(&s, ok, to).await;
        assert_eq!(outcome(&d), ("delivered", None), "{ok}");
        assert_eq!(
            names(&d["recipients"]),
            [
                "jonisherman@contoso.onmicrosoft.com",
                "fatimazahra@contoso.onmicrosoft.com",
                "dorena.paschke@northwindtraders.com"
            ]
        );
    }
    // Not listed: an unknown address, a member of the group itself, an internal user.
    for no in [
        EXTERNAL,
        "dorena.paschke@northwindtraders.com",
        "adelevance@contoso.onmicrosoft.com",
    ] {
        let d = deliver(&s, no, to).await;
        assert_eq!(outcome(&d), ("rejected", Some("5.7.124")), "{no}");
        assert_eq!(d["recipients"], json!([]));
    }
    // Fix 1: the person's contact on the list.
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "vendor-updates", "AcceptMessagesOnlyFrom": hashtable(&["dorena.paschke@northwindtraders.com"], &[])}),
    )
    .await;
    assert_eq!(
        outcome(&deliver(&s, "dorena.paschke@northwindtraders.com", to).await),
        ("delivered", None)
    );
    // Fix 2: the group itself on its DL-members list lets every member send.
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "vendor-updates", "AcceptMessagesOnlyFromDLMembers": hashtable(&["Vendor Portal Updates"], &[])}),
    )
    .await;
    assert_eq!(
        outcome(&deliver(&s, "fatimazahra@contoso.onmicrosoft.com", to).await),
        ("delivered", None)
    );
    assert_eq!(
        outcome(&deliver(&s, EXTERNAL, to).await),
        ("rejected", Some("5.7.124"))
    );
    // Emptying every list opens the group again.
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "vendor-updates", "AcceptMessagesOnlyFromSendersOrMembers": []}),
    )
    .await;
    assert_eq!(
        outcome(&deliver(&s, EXTERNAL, to).await),
        ("delivered", None)
    );
}

#[tokio::test]
async fn oracle_microsoft_365_allowed_senders() {
    let s = Sim::start(Knobs::default()).await;
    let to = "cab@contoso.onmicrosoft.com";
    assert_eq!(
        outcome(&deliver(&s, "luis.bonifaz@northwindtraders.com", to).await),
        ("delivered", None)
    );
    assert_eq!(
        outcome(&deliver(&s, "kim.akers@fabrikam.com", to).await),
        ("rejected", Some("5.7.124"))
    );
    set(
        &s,
        "Set-UnifiedGroup",
        json!({"Identity": "cab", "AcceptMessagesOnlyFromSendersOrMembers": hashtable(&["kim.akers@fabrikam.com"], &[])}),
    )
    .await;
    let d = deliver(&s, "kim.akers@fabrikam.com", to).await;
    assert_eq!(outcome(&d), ("delivered", None));
    assert!(names(&d["recipients"]).contains(&"luis.bonifaz@northwindtraders.com"));
}

#[tokio::test]
async fn oracle_blocked_sender_and_its_fix() {
    let s = Sim::start(Knobs::default()).await;
    let to = "feedback@contoso.onmicrosoft.com";
    assert_eq!(
        outcome(&deliver(&s, "paul.west@gmail.com", to).await),
        ("rejected", Some("5.7.1"))
    );
    assert_eq!(
        outcome(&deliver(&s, EXTERNAL, to).await),
        ("delivered", None)
    );
    // Blocking a group blocks its members, nested ones too.
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "feedback", "RejectMessagesFromDLMembers": ["Alliance Network"]}),
    )
    .await;
    assert_eq!(
        outcome(&deliver(&s, "aaron.con@fabrikam.com", to).await),
        ("rejected", Some("5.7.1")),
        "Aaron is in Partner Announcements, nested in Alliance Network"
    );
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "feedback", "RejectMessagesFrom": hashtable(&[], &["Paul West"]), "RejectMessagesFromDLMembers": null}),
    )
    .await;
    assert_eq!(
        outcome(&deliver(&s, "paul.west@gmail.com", to).await),
        ("delivered", None)
    );
    assert_eq!(
        outcome(&deliver(&s, "aaron.con@fabrikam.com", to).await),
        ("delivered", None)
    );
}

#[tokio::test]
async fn oracle_moderation_and_its_fix() {
    let s = Sim::start(Knobs::default()).await;
    let to = "press@contoso.onmicrosoft.com";
    let held = deliver(&s, EXTERNAL, to).await;
    assert_eq!(outcome(&held), ("held", None));
    assert_eq!(held["recipients"], json!([]));
    assert_eq!(
        held["moderators"],
        json!(["meganbowen@contoso.onmicrosoft.com"])
    );
    // The bypass list and the moderator herself skip moderation.
    assert_eq!(
        outcome(&deliver(&s, "rosa.alvarez@contosopartners.net", to).await),
        ("delivered", None)
    );
    assert_eq!(
        outcome(&deliver(&s, "meganbowen@contoso.onmicrosoft.com", to).await),
        ("delivered", None)
    );
    // Fix: the person's contact on the bypass list.
    assert_eq!(
        outcome(&deliver(&s, "eva.corets@adventure-works.com", to).await),
        ("held", None)
    );
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "press", "BypassModerationFromSendersOrMembers": hashtable(&["Eva Corets"], &[])}),
    )
    .await;
    assert_eq!(
        outcome(&deliver(&s, "eva.corets@adventure-works.com", to).await),
        ("delivered", None)
    );
    // Without ModeratedBy the owners moderate.
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "press", "ModeratedBy": null}),
    )
    .await;
    let held = deliver(&s, EXTERNAL, to).await;
    assert_eq!(held["moderators"], json!(["admin@contoso.onmicrosoft.com"]));
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "press", "ModerationEnabled": false}),
    )
    .await;
    assert_eq!(
        outcome(&deliver(&s, EXTERNAL, to).await),
        ("delivered", None)
    );
}

#[tokio::test]
async fn oracle_order_and_nesting() {
    let s = Sim::start(Knobs::default()).await;
    // Nested: the mail reaches the nested group's members, each address once.
    let d = deliver(&s, EXTERNAL, "alliance@contoso.onmicrosoft.com").await;
    assert_eq!(outcome(&d), ("delivered", None));
    let r = names(&d["recipients"]);
    for a in [
        "nestorwilke@contoso.onmicrosoft.com",
        "aaron.con@fabrikam.com",
        "kim.akers@fabrikam.com",
    ] {
        assert!(r.contains(&a), "{a} in {r:?}");
    }
    assert!(
        !r.contains(&"partners@contoso.onmicrosoft.com"),
        "groups expand, they don't receive"
    );
    let mut unique = r.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), r.len());

    // A dynamic distribution group reaches what its RecipientFilter matches (Sales mailboxes).
    let d = deliver(
        &s,
        "adelevance@contoso.onmicrosoft.com",
        "allsales@contoso.onmicrosoft.com",
    )
    .await;
    assert_eq!(outcome(&d), ("delivered", None));
    let mut r = names(&d["recipients"]);
    r.sort();
    assert_eq!(
        r,
        [
            "christiecline@contoso.onmicrosoft.com",
            "isaiahlanger@contoso.onmicrosoft.com",
            "raulrazo@contoso.onmicrosoft.com",
            "saradavis@contoso.onmicrosoft.com"
        ]
    );

    // Every restriction on one group: each fix uncovers the next, in Exchange's order.
    let to = "events2025@contoso.onmicrosoft.com";
    let paul = "paul.west@gmail.com";
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "events2025", "RequireSenderAuthenticationEnabled": true,
               "RejectMessagesFrom": ["Paul West"], "AcceptMessagesOnlyFromDLMembers": ["Suppliers"],
               "ModerationEnabled": true, "ModeratedBy": ["meganbowen"]}),
    )
    .await;
    assert_eq!(
        outcome(&deliver(&s, paul, to).await),
        ("rejected", Some("5.7.133"))
    );
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "events2025", "RequireSenderAuthenticationEnabled": false}),
    )
    .await;
    assert_eq!(
        outcome(&deliver(&s, paul, to).await),
        ("rejected", Some("5.7.1"))
    );
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "events2025", "RejectMessagesFrom": []}),
    )
    .await;
    assert_eq!(
        outcome(&deliver(&s, paul, to).await),
        ("rejected", Some("5.7.124"))
    );
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "events2025", "AcceptMessagesOnlyFrom": hashtable(&["Paul West"], &[])}),
    )
    .await;
    assert_eq!(outcome(&deliver(&s, paul, to).await), ("held", None));
    set(
        &s,
        "Set-DistributionGroup",
        json!({"Identity": "events2025", "BypassModerationFromSendersOrMembers": ["Paul West"]}),
    )
    .await;
    assert_eq!(outcome(&deliver(&s, paul, to).await), ("delivered", None));
}

#[tokio::test]
async fn oracle_answers_errors_plainly() {
    let s = Sim::start(Knobs::default()).await;
    let url = format!("{}/_sim/deliver", s.base());
    let r = s
        .send(
            Method::POST,
            None,
            &url,
            &[],
            Some(json!({"from": EXTERNAL, "to": "nobody@contoso.onmicrosoft.com"})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = s
        .send(
            Method::POST,
            None,
            &url,
            &[],
            Some(json!({"from": EXTERNAL})),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = s
        .send(
            Method::POST,
            None,
            &url,
            &[],
            Some(json!({"from": "not-an-address", "to": "sales@contoso.onmicrosoft.com"})),
        )
        .await;
    assert_eq!(r.status, 400);
    // Security groups have no address: not a mail target.
    let r = s
        .send(
            Method::POST,
            None,
            &url,
            &[],
            Some(json!({"from": EXTERNAL, "to": "vpnusers@contoso.onmicrosoft.com"})),
        )
        .await;
    assert_eq!(r.status, 404);
}

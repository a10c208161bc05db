//! Exchange `InvokeCommand` over real HTTP: cmdlets, identity resolution, paging by re-POST, error
//! bodies with exception type names, tokens and roles.

use crate::tenant_support;

use std::collections::HashSet;

use guestlist_sim::exchange::DC_NAME;
use guestlist_sim::state::{EXCHANGE_AUDIENCE, GRAPH_AUDIENCE, TENANT_ID};
use guestlist_sim::store::{ADMIN_UPN, BULK_GROUP_MEMBERS, BULK_GROUP_NAME};
use guestlist_sim::Knobs;
use reqwest::Method;
use serde_json::{json, Value};
use tenant_support::{assert_exo_error, exo_message, exo_type, Sim, NOT_FOUND};

fn not_found_message(id: &str) -> String {
    format!("The operation couldn't be performed because object '{id}' couldn't be found on '{DC_NAME}'.")
}

#[tokio::test]
async fn probe_cmdlets_answer_with_value_and_context() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.helpdesk_exo();
    let r = s.exo(&tok, "Get-OrganizationConfig", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["@odata.context"],
        format!(
            "{}/adminapi/beta/{TENANT_ID}/$metadata#Collection(Exchange.GenericHashTable)",
            s.base()
        )
    );
    assert_eq!(r.body["value"][0]["Name"], "contoso.onmicrosoft.com");
    let d = s.exo(&tok, "Get-AcceptedDomain", json!({})).await;
    let domains: Vec<&str> = d.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["DomainName"].as_str().unwrap())
        .collect();
    assert_eq!(domains, ["contoso.onmicrosoft.com", "contoso.com"]);
    assert_eq!(d.body["value"][0]["InitialDomain"], true);
    // The tenant segment may also be the domain; an unknown tenant is refused.
    let url = format!(
        "{}/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand",
        s.base()
    );
    let body = json!({"CmdletInput": {"CmdletName": "Get-AcceptedDomain"}});
    assert_eq!(s.post(&tok, &url, body.clone()).await.status, 200);
    let url = format!("{}/adminapi/beta/other.example/InvokeCommand", s.base());
    assert_eq!(s.post(&tok, &url, body).await.status, 404);
}

#[tokio::test]
async fn distribution_groups_report_sender_restriction_and_types() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_exo();
    let r = s
        .exo(
            &tok,
            "Get-DistributionGroup",
            json!({"ResultSize": "Unlimited"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let groups = r.body["value"].as_array().unwrap();
    let by_name = |n: &str| {
        groups
            .iter()
            .find(|g| g["Name"] == n)
            .unwrap_or_else(|| panic!("{n}"))
            .clone()
    };
    assert_eq!(
        by_name("Sales Team")["RequireSenderAuthenticationEnabled"],
        true
    );
    assert_eq!(
        by_name("Partner Announcements")["RequireSenderAuthenticationEnabled"],
        false
    );
    assert_eq!(
        by_name("Sales Team")["RecipientTypeDetails"],
        "MailUniversalDistributionGroup"
    );
    assert_eq!(
        by_name("Finance Approvers")["RecipientTypeDetails"],
        "MailUniversalSecurityGroup"
    );
    assert_eq!(by_name("Sales Team")["ManagedBy"], json!(["admin"]));
    // Neither Microsoft 365 groups nor dynamic or security-only groups are distribution groups.
    for absent in ["Project Falcon", "All Sales Department Users", "VPN Users"] {
        assert!(groups.iter().all(|g| g["Name"] != absent), "{absent}");
    }
    let ddg = s.exo(&tok, "Get-DynamicDistributionGroup", json!({})).await;
    assert_eq!(ddg.body["value"][0]["Name"], "All Sales Department Users");
    assert_eq!(
        ddg.body["value"][0]["RecipientTypeDetails"],
        "DynamicDistributionGroup"
    );
    assert!(ddg.body["value"][0]["RecipientFilter"]
        .as_str()
        .unwrap()
        .contains("Department -eq 'Sales'"));

    let set = s
        .exo(&tok, "Set-DistributionGroup", json!({"Identity": "sales@contoso.onmicrosoft.com", "RequireSenderAuthenticationEnabled": false}))
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.body["value"], json!([]));
    let g = s
        .exo(
            &tok,
            "Get-DistributionGroup",
            json!({"Identity": "Sales Team"}),
        )
        .await;
    assert_eq!(
        g.body["value"][0]["RequireSenderAuthenticationEnabled"],
        false
    );
    // PowerShell-style "$false" strings bind too.
    let set = s
        .exo(
            &tok,
            "Set-DistributionGroup",
            json!({"Identity": "sales", "RequireSenderAuthenticationEnabled": "$true"}),
        )
        .await;
    assert_eq!(set.status, 200);
    let g = s
        .exo(&tok, "Get-DistributionGroup", json!({"Identity": "sales"}))
        .await;
    assert_eq!(
        g.body["value"][0]["RequireSenderAuthenticationEnabled"],
        true
    );
}

#[tokio::test]
async fn mail_contacts_lifecycle_and_identity_resolution() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_exo();
    let r = s
        .exo(
            &tok,
            "New-MailContact",
            json!({"Name": "Pat Partner", "DisplayName": "Pat Partner (Litware)", "ExternalEmailAddress": "pat@litwareinc.com", "FirstName": "Pat", "LastName": "Partner"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let c = &r.body["value"][0];
    assert_eq!(c["RecipientTypeDetails"], "MailContact");
    assert_eq!(c["ExternalEmailAddress"], "SMTP:pat@litwareinc.com");
    assert_eq!(c["PrimarySmtpAddress"], "pat@litwareinc.com");
    assert_eq!(c["Alias"], "PatPartner");
    let guid = c["Guid"].as_str().unwrap().to_string();
    let oid = c["ExternalDirectoryObjectId"].as_str().unwrap().to_string();

    for identity in [
        "Pat Partner",
        "PatPartner",
        "pat@litwareinc.com",
        "SMTP:pat@litwareinc.com",
        guid.as_str(),
        oid.as_str(),
    ] {
        let g = s
            .exo(&tok, "Get-MailContact", json!({"Identity": identity}))
            .await;
        assert_eq!(g.status, 200, "{identity}: {}", g.text);
        assert_eq!(g.body["value"][0]["Name"], "Pat Partner", "{identity}");
    }
    let hide = s
        .exo(
            &tok,
            "Set-MailContact",
            json!({"Identity": "Pat Partner", "HiddenFromAddressListsEnabled": true}),
        )
        .await;
    assert_eq!(hide.status, 200, "{}", hide.text);
    let g = s
        .exo(
            &tok,
            "Get-Recipient",
            json!({"Identity": "pat@litwareinc.com"}),
        )
        .await;
    assert_eq!(g.body["value"][0]["HiddenFromAddressListsEnabled"], true);
    // Set-Contact carries the directory attributes Set-MailContact lacks; Graph shows them.
    let company = s
        .exo(
            &tok,
            "Set-Contact",
            json!({"Identity": "pat@litwareinc.com", "Company": "Litware, Inc."}),
        )
        .await;
    assert_eq!(company.status, 200, "{}", company.text);
    let graph = s.get(&s.admin_graph(), &format!("/contacts/{oid}")).await;
    assert_eq!(graph.status, 200, "{}", graph.text);
    assert_eq!(graph.body["companyName"], "Litware, Inc.");
    let filtered = s
        .exo(
            &tok,
            "Get-Recipient",
            json!({"Filter": "EmailAddresses -eq 'smtp:pat@litwareinc.com'"}),
        )
        .await;
    assert_eq!(filtered.body["value"].as_array().unwrap().len(), 1);
    let contacts = s
        .exo(
            &tok,
            "Get-Recipient",
            json!({"RecipientTypeDetails": "MailContact", "ResultSize": "Unlimited"}),
        )
        .await;
    assert_eq!(contacts.body["value"].as_array().unwrap().len(), 21);

    let rm = s
        .exo(
            &tok,
            "Remove-MailContact",
            json!({"Identity": "Pat Partner", "Confirm": false}),
        )
        .await;
    assert_eq!(rm.status, 200, "{}", rm.text);
    let gone = s
        .exo(&tok, "Get-MailContact", json!({"Identity": "Pat Partner"}))
        .await;
    assert_exo_error(&gone, 400, NOT_FOUND, not_found_message("Pat Partner"));
    assert_eq!(
        gone.body["error"]["message"],
        not_found_message("Pat Partner")
    );
}

#[tokio::test]
async fn new_mail_contact_conflicts_name_the_exception_types() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_exo();
    // The name of a seeded contact.
    let r = s
        .exo(
            &tok,
            "New-MailContact",
            json!({"Name": "Aaron Con", "ExternalEmailAddress": "someone.else@fabrikam.com"}),
        )
        .await;
    assert_exo_error(
        &r,
        400,
        "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
        "The name \"Aaron Con\" is already being used. Please try another name.",
    );
    // The address of a seeded contact, of a guest mail user and of a group.
    for (addr, holder) in [
        ("Aaron.Con@fabrikam.com", "Aaron Con"),
        ("kim.akers@fabrikam.com", "kim.akers_fabrikam.com"),
        ("sales@contoso.onmicrosoft.com", "Sales Team"),
    ] {
        let r = s
            .exo(
                &tok,
                "New-MailContact",
                json!({"Name": format!("New {addr}"), "ExternalEmailAddress": addr}),
            )
            .await;
        assert_exo_error(&r, 400, "Microsoft.Exchange.Configuration.ObjectModel.ProxyAddressExistsException", format!("The proxy address \"SMTP:{addr}\" is already being used by the proxy addresses or LegacyExchangeDN of \"{holder}\". Please choose another proxy address."));
    }
    let r = s
        .exo(&tok, "New-MailContact", json!({"Name": "No Address"}))
        .await;
    assert_eq!(
        exo_type(&r.body),
        "System.Management.Automation.ParameterBindingException"
    );
    assert_eq!(
        exo_message(&r.body),
        "Cannot process command because of one or more missing mandatory parameters: ExternalEmailAddress."
    );
    let r = s
        .exo(
            &tok,
            "New-MailContact",
            json!({"Name": "Bad", "ExternalEmailAddress": "not an address"}),
        )
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn membership_cmdlets_add_remove_and_refuse() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.admin_exo();
    let add = s
        .exo(
            &tok,
            "Add-DistributionGroupMember",
            json!({"Identity": "Sales Team", "Member": "eva.corets@adventure-works.com"}),
        )
        .await;
    assert_eq!(add.status, 200, "{}", add.text);
    assert_eq!(add.body["value"], json!([]));
    let again = s
        .exo(
            &tok,
            "Add-DistributionGroupMember",
            json!({"Identity": "sales", "Member": "Eva Corets"}),
        )
        .await;
    assert_exo_error(
        &again,
        400,
        "Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException",
        "The recipient \"Eva Corets\" is already a member of the group \"Sales Team\".",
    );

    let members = s
        .exo(
            &tok,
            "Get-DistributionGroupMember",
            json!({"Identity": "Sales Team"}),
        )
        .await;
    let names: Vec<&str> = members.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Eva Corets"));
    assert!(members.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["RecipientTypeDetails"] == "UserMailbox"));
    let nested = s
        .exo(
            &tok,
            "Get-DistributionGroupMember",
            json!({"Identity": "Regional Sales EMEA"}),
        )
        .await;
    assert!(nested.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["Name"] == "Sales Team"));

    let rm = s
        .exo(&tok, "Remove-DistributionGroupMember", json!({"Identity": "Sales Team", "Member": "Eva Corets", "BypassSecurityGroupManagerCheck": true, "Confirm": false}))
        .await;
    assert_eq!(rm.status, 200, "{}", rm.text);
    let rm = s
        .exo(
            &tok,
            "Remove-DistributionGroupMember",
            json!({"Identity": "Sales Team", "Member": "Eva Corets"}),
        )
        .await;
    assert_eq!(
        exo_type(&rm.body),
        "Microsoft.Exchange.Management.Tasks.MemberNotFoundException"
    );

    let missing = s
        .exo(
            &tok,
            "Add-DistributionGroupMember",
            json!({"Identity": "Sales Team", "Member": "nobody@nowhere.example"}),
        )
        .await;
    assert_eq!(exo_type(&missing.body), NOT_FOUND);
    assert_eq!(
        exo_message(&missing.body),
        not_found_message("nobody@nowhere.example")
    );
    let m365 = s
        .exo(
            &tok,
            "Add-DistributionGroupMember",
            json!({"Identity": "Project Falcon", "Member": "Eva Corets"}),
        )
        .await;
    assert_eq!(
        exo_type(&m365.body),
        NOT_FOUND,
        "Microsoft 365 groups aren't distribution groups"
    );

    // Groups without the caller among their managers need -BypassSecurityGroupManagerCheck.
    let bulk_name = {
        let mut t = s.sim.state.tenant.lock().unwrap();
        let id = t.add_bulk_groups(1).remove(0);
        t.group(&id).unwrap().name.clone()
    };
    let r = s
        .exo(
            &tok,
            "Add-DistributionGroupMember",
            json!({"Identity": bulk_name, "Member": "Eva Corets"}),
        )
        .await;
    assert_eq!(
        exo_type(&r.body),
        "Microsoft.Exchange.Management.Tasks.OperationRequiresGroupManagerException"
    );
    let r = s
        .exo(&tok, "Add-DistributionGroupMember", json!({"Identity": bulk_name, "Member": "Eva Corets", "BypassSecurityGroupManagerCheck": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn fifty_thousand_members_page_by_reposting_the_same_body() {
    let s = Sim::start(Knobs::default()).await;
    let tok = s.helpdesk_exo();
    // Without ResultSize, Get-* cmdlets stop at 1000.
    let capped = s
        .exo(
            &tok,
            "Get-DistributionGroupMember",
            json!({"Identity": BULK_GROUP_NAME}),
        )
        .await;
    assert_eq!(capped.body["value"].as_array().unwrap().len(), 1000);
    assert!(capped.body.get("@odata.nextLink").is_none());

    let (all, pages) = s
        .exo_all(
            &tok,
            "Get-DistributionGroupMember",
            json!({"Identity": BULK_GROUP_NAME, "ResultSize": "Unlimited"}),
            1000,
        )
        .await;
    assert_eq!(all.len(), BULK_GROUP_MEMBERS);
    assert_eq!(pages, BULK_GROUP_MEMBERS / 1000);
    let unique: HashSet<&str> = all.iter().map(|m| m["Guid"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), BULK_GROUP_MEMBERS);

    // The page size comes from Prefer: odata.maxpagesize and is echoed in Preference-Applied.
    let body = json!({"CmdletInput": {"CmdletName": "Get-Recipient", "Parameters": {"ResultSize": "Unlimited"}}});
    let r = s
        .send(
            Method::POST,
            Some(&tok),
            &s.exo_url(),
            &[("Prefer", "odata.maxpagesize=25")],
            Some(body),
        )
        .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 25);
    assert_eq!(r.headers["preference-applied"], "odata.maxpagesize=25");
    assert!(r.body["@odata.nextLink"]
        .as_str()
        .unwrap()
        .starts_with(&s.exo_url()));
}

#[tokio::test]
async fn unknown_cmdlets_parameters_and_roles_are_refused() {
    let s = Sim::start(Knobs::default()).await;
    let admin = s.admin_exo();
    let r = s.exo(&admin, "Get-Everything", json!({})).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        exo_type(&r.body),
        "System.Management.Automation.CommandNotFoundException"
    );
    assert!(exo_message(&r.body)
        .starts_with("The term 'Get-Everything' is not recognized as a name of a cmdlet"));
    let r = s
        .exo(&admin, "Get-Recipient", json!({"Colour": "blue"}))
        .await;
    assert_eq!(
        exo_type(&r.body),
        "System.Management.Automation.ParameterBindingException"
    );
    assert_eq!(
        exo_message(&r.body),
        "A parameter cannot be found that matches parameter name 'Colour'."
    );
    // Parameter names bind case-insensitively, as in PowerShell.
    assert_eq!(
        s.exo(&admin, "Get-Recipient", json!({"identity": "Sales Team"}))
            .await
            .status,
        200
    );

    // The helpdesk reads but holds no Recipient Management role.
    let helpdesk = s.helpdesk_exo();
    assert_eq!(
        s.exo(
            &helpdesk,
            "Get-Recipient",
            json!({"Identity": "Sales Team"})
        )
        .await
        .status,
        200
    );
    for (cmdlet, params) in [
        (
            "New-MailContact",
            json!({"Name": "X", "ExternalEmailAddress": "x@x.example"}),
        ),
        (
            "Add-DistributionGroupMember",
            json!({"Identity": "Sales Team", "Member": "Eva Corets"}),
        ),
        (
            "Set-DistributionGroup",
            json!({"Identity": "Sales Team", "RequireSenderAuthenticationEnabled": false}),
        ),
    ] {
        let r = s.exo(&helpdesk, cmdlet, params).await;
        assert_eq!(r.status, 403, "{cmdlet}");
        assert_eq!(
            exo_type(&r.body),
            "Microsoft.Exchange.Configuration.Authorization.CmdletAccessDeniedException"
        );
        assert!(exo_message(&r.body).contains(cmdlet));
    }
}

#[tokio::test]
async fn tokens_for_the_wrong_resource_get_a_bearer_challenge() {
    let s = Sim::start(Knobs::default()).await;
    let body = json!({"CmdletInput": {"CmdletName": "Get-AcceptedDomain"}});
    let none = s
        .send(Method::POST, None, &s.exo_url(), &[], Some(body.clone()))
        .await;
    assert_eq!(none.status, 401);
    let challenge = none.headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    let graph = s.token(ADMIN_UPN, GRAPH_AUDIENCE, &["GroupMember.Read.All"]);
    let wrong = s.post(&graph, &s.exo_url(), body.clone()).await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.headers.contains_key("www-authenticate"));
    let no_scope = s.token(ADMIN_UPN, EXCHANGE_AUDIENCE, &["User.Read"]);
    let r = s.post(&no_scope, &s.exo_url(), body).await;
    assert_eq!(r.status, 403);
    let bad_body = s
        .send(
            Method::POST,
            Some(&s.admin_exo()),
            &s.exo_url(),
            &[],
            Some(json!({"nope": 1})),
        )
        .await;
    assert_eq!(bad_body.status, 400);
    let _: Value = bad_body.body;
}

//! Unit tests of the cmdlets, run on a seeded tenant without HTTP.

use super::opath::parse_opath;
use super::*;
use crate::store::{ADMIN_UPN, HELPDESK_UPN};

fn caller(t: &Tenant, upn: &str) -> Caller {
    let a = t
        .accounts()
        .into_iter()
        .find(|a| a.upn == upn)
        .expect("account");
    Caller {
        oid: a.oid,
        upn: a.upn,
        tid: TENANT_ID.into(),
        scopes: vec!["Exchange.Manage".into()],
        roles: a.roles,
    }
}

fn params(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

#[test]
fn new_contact_then_conflicts_and_membership() {
    let mut t = Tenant::seeded(3);
    let admin = caller(&t, ADMIN_UPN);
    let d = Duration::ZERO;
    let out = run(
        &mut t,
        &admin,
        "New-MailContact",
        &params(json!({"Name": "Zoe Quill", "ExternalEmailAddress": "SMTP:zoe@quill.example"})),
        d,
        Window::ALL,
    )
    .map(|o| o.0)
    .unwrap();
    assert_eq!(out[0]["RecipientTypeDetails"], "MailContact");
    assert_eq!(out[0]["ExternalEmailAddress"], "SMTP:zoe@quill.example");
    let e = run(
        &mut t,
        &admin,
        "New-MailContact",
        &params(json!({"Name": "Zoe Quill", "ExternalEmailAddress": "z2@quill.example"})),
        d,
        Window::ALL,
    )
    .unwrap_err();
    assert_eq!(e.type_name, NAME_EXISTS_TYPE);
    let e = run(
        &mut t,
        &admin,
        "New-MailContact",
        &params(json!({"Name": "Zoe Q2", "ExternalEmailAddress": "ZOE@quill.example"})),
        d,
        Window::ALL,
    )
    .unwrap_err();
    assert_eq!(e.type_name, PROXY_EXISTS_TYPE);
    assert!(e.message.contains("\"Zoe Quill\""), "{}", e.message);
    run(
        &mut t,
        &admin,
        "Add-DistributionGroupMember",
        &params(
            json!({"Identity": "sales@contoso.onmicrosoft.com", "Member": "zoe@quill.example"}),
        ),
        d,
        Window::ALL,
    )
    .unwrap();
    let e = run(
        &mut t,
        &admin,
        "Add-DistributionGroupMember",
        &params(json!({"Identity": "Sales Team", "Member": "Zoe Quill"})),
        d,
        Window::ALL,
    )
    .unwrap_err();
    assert_eq!(e.type_name, MEMBER_EXISTS_TYPE);
    run(
        &mut t,
        &admin,
        "Remove-DistributionGroupMember",
        &params(json!({"Identity": "Sales Team", "Member": "Zoe Quill", "Confirm": false})),
        d,
        Window::ALL,
    )
    .unwrap();
    let e = run(
        &mut t,
        &admin,
        "Remove-DistributionGroupMember",
        &params(json!({"Identity": "Sales Team", "Member": "Zoe Quill"})),
        d,
        Window::ALL,
    )
    .unwrap_err();
    assert_eq!(e.type_name, MEMBER_NOT_FOUND_TYPE);
}

#[test]
fn unknowns_and_permissions() {
    let mut t = Tenant::seeded(3);
    let admin = caller(&t, ADMIN_UPN);
    let helpdesk = caller(&t, HELPDESK_UPN);
    let d = Duration::ZERO;
    assert_eq!(
        run(&mut t, &admin, "Get-Nothing", &Map::new(), d, Window::ALL)
            .unwrap_err()
            .type_name,
        COMMAND_NOT_FOUND_TYPE
    );
    let e = run(
        &mut t,
        &admin,
        "Get-Recipient",
        &params(json!({"Bogus": 1})),
        d,
        Window::ALL,
    )
    .unwrap_err();
    assert_eq!(e.type_name, PARAMETER_TYPE);
    assert!(e.message.contains("'Bogus'"));
    let e = run(
        &mut t,
        &helpdesk,
        "New-MailContact",
        &params(json!({"Name": "x", "ExternalEmailAddress": "x@y.example"})),
        d,
        Window::ALL,
    )
    .unwrap_err();
    assert_eq!((e.status, e.type_name), (403, ACCESS_DENIED_TYPE));
    assert!(run(
        &mut t,
        &helpdesk,
        "Get-AcceptedDomain",
        &Map::new(),
        d,
        Window::ALL
    )
    .is_ok());
    let e = run(
        &mut t,
        &admin,
        "Get-DistributionGroup",
        &params(json!({"Identity": "nope"})),
        d,
        Window::ALL,
    )
    .unwrap_err();
    assert_eq!(e.type_name, NOT_FOUND_TYPE);
    assert_eq!(e.message, format!("The operation couldn't be performed because object 'nope' couldn't be found on '{DC_NAME}'."));
}

#[test]
fn replication_hides_fresh_contacts_from_membership_cmdlets() {
    let mut t = Tenant::seeded(3);
    let admin = caller(&t, ADMIN_UPN);
    let d = Duration::from_secs(3600);
    run(
        &mut t,
        &admin,
        "New-MailContact",
        &params(json!({"Name": "Late Larry", "ExternalEmailAddress": "larry@late.example"})),
        d,
        Window::ALL,
    )
    .unwrap();
    assert_eq!(
        run(
            &mut t,
            &admin,
            "Get-MailContact",
            &params(json!({"Identity": "Late Larry"})),
            d,
            Window::ALL
        )
        .unwrap()
        .1,
        1
    );
    let e = run(
        &mut t,
        &admin,
        "Add-DistributionGroupMember",
        &params(json!({"Identity": "Sales Team", "Member": "larry@late.example"})),
        d,
        Window::ALL,
    )
    .unwrap_err();
    assert_eq!(e.type_name, NOT_FOUND_TYPE);
}

#[test]
fn identities_shared_by_two_recipients_are_ambiguous() {
    let mut t = Tenant::seeded(3);
    let admin = caller(&t, ADMIN_UPN);
    let d = Duration::ZERO;
    let go =
        |t: &mut Tenant, cmdlet: &str, p: Value| run(t, &admin, cmdlet, &params(p), d, Window::ALL);
    go(
        &mut t,
        "New-MailContact",
        json!({"Name": "Amy Twin", "ExternalEmailAddress": "amy@twin.example"}),
    )
    .unwrap();
    // A name may be another recipient's address: both are identities of their own recipient.
    go(
        &mut t,
        "New-MailContact",
        json!({"Name": "amy@twin.example", "ExternalEmailAddress": "amy@other.example"}),
    )
    .unwrap();
    for (cmdlet, p, identity) in [
        (
            "Get-Recipient",
            json!({"Identity": "AMY@twin.example"}),
            "AMY@twin.example",
        ),
        (
            "Get-MailContact",
            json!({"Identity": "amy@twin.example"}),
            "amy@twin.example",
        ),
        (
            "Add-DistributionGroupMember",
            json!({"Identity": "Sales Team", "Member": "SMTP:amy@twin.example"}),
            "SMTP:amy@twin.example",
        ),
    ] {
        let e = go(&mut t, cmdlet, p).unwrap_err();
        assert_eq!(e, ExoError::ambiguous(identity), "{cmdlet}");
    }
    // Unambiguous identities of the same two still resolve.
    assert_eq!(
        go(&mut t, "Get-Recipient", json!({"Identity": "Amy Twin"}))
            .unwrap()
            .1,
        1
    );
    // An alias changed by Set-MailContact is an identity at once, and can collide too.
    go(
        &mut t,
        "Set-MailContact",
        json!({"Identity": "amy@other.example", "Alias": "AmyTwin"}),
    )
    .unwrap();
    let e = go(&mut t, "Get-Recipient", json!({"Identity": "amytwin"})).unwrap_err();
    assert_eq!(e.type_name, AMBIGUOUS_TYPE);
    // Removing one of the two ends the ambiguity.
    go(
        &mut t,
        "Remove-MailContact",
        json!({"Identity": "amy@other.example"}),
    )
    .unwrap();
    let (out, n) = go(
        &mut t,
        "Get-Recipient",
        json!({"Identity": "amy@twin.example"}),
    )
    .unwrap();
    assert_eq!((n, out[0]["Name"].as_str()), (1, Some("Amy Twin")));
    assert_eq!(
        go(&mut t, "Get-Recipient", json!({"Identity": "amytwin"}))
            .unwrap()
            .1,
        1
    );
}

#[test]
fn opath_and_like() {
    let f = parse_opath("(EmailAddresses -eq 'smtp:a@b.example') -or (Name -like 'Sal*')").unwrap();
    assert!(f.matches(&json!({"EmailAddresses": ["SMTP:a@b.example"], "Name": "x"})));
    assert!(f.matches(&json!({"EmailAddresses": [], "Name": "Sales Team"})));
    assert!(!f.matches(&json!({"EmailAddresses": [], "Name": "Board"})));
    assert!(parse_opath("Name -eq").is_err());
}

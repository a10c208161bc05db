//! The catalogue's own checks: no text empty, Dutch translated, the same placeholders in both
//! languages, plural forms with their count, and the texts that word domain values.
use super::*;
use crate::config::{ConfigError, ConfigKey, UrlProblem};
use guestlist_core::domain::journal::{Failure, FailureKind, Service};

/// Texts that are rightly the same in English and Dutch: names and loanwords.
const SAME_IN_BOTH: &[&str] = &[
    "common.app_name",
    "common.document_title",
    "common.about_tenant",
    "common.about_graph",
    "common.about_exchange",
    "common.account_tenant",
    "common.tenant_label",
    "common.tenant_customer",
    "common.tenant_customer_domain",
    "import.col_tenant",
    "externals.tenants_choose",
    "externals.tenants_failed",
    "externals.col_tenant",
    "externals.tenants_part",
    "deploy.config_bad",
];

fn placeholders(s: &str) -> Vec<&str> {
    let mut names: Vec<&str> = s
        .split('{')
        .skip(1)
        .filter_map(|p| p.split_once('}').map(|(n, _)| n))
        .collect();
    names.sort_unstable();
    names
}

#[test]
fn every_area_is_listed() {
    let names = EN.entries();
    for area in [
        "common",
        "finder",
        "person",
        "mode",
        "groups",
        "import",
        "config",
        "signin",
        "deploy",
        "externals",
        "failures",
        "activity",
    ] {
        let prefix = format!("{area}.");
        assert!(names.iter().any(|(n, _)| n.starts_with(&prefix)), "{area}");
    }
    // No two texts of the catalogue share a name.
    let mut sorted: Vec<&String> = names.iter().map(|(n, _)| n).collect();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len());
}

#[test]
fn no_text_is_empty() {
    for lang in Lang::ALL {
        for (name, text) in lang.texts().entries() {
            assert!(!text.trim().is_empty(), "{lang:?}.{name} is empty");
        }
    }
}

#[test]
fn dutch_is_translated() {
    for ((name, en), (_, nl)) in EN.entries().into_iter().zip(NL.entries()) {
        if SAME_IN_BOTH.contains(&name.as_str()) {
            assert_eq!(en, nl, "{name} is listed as identical but differs");
        } else {
            assert_ne!(en, nl, "{name} is not translated");
        }
    }
}

#[test]
fn both_languages_use_the_same_placeholders() {
    for ((name, en), (_, nl)) in EN.entries().into_iter().zip(NL.entries()) {
        assert_eq!(placeholders(en), placeholders(nl), "{name}");
    }
}

/// Every plural form shows its number, so `plural` never drops the count.
fn plural_fields(t: &Texts) -> Vec<(String, &'static str)> {
    t.entries()
        .into_iter()
        .filter(|(name, _)| name.ends_with(".one") || name.ends_with(".other"))
        .collect()
}

#[test]
fn plural_forms_hold_their_count() {
    let forms = plural_fields(&EN);
    assert!(forms.len() >= 20, "{forms:?}");
    for lang in Lang::ALL {
        for (name, text) in plural_fields(lang.texts()) {
            assert!(text.contains("{count}"), "{lang:?}.{name}: {text}");
        }
    }
}

#[test]
fn plural_picks_one_only_for_exactly_one() {
    let p = Plural {
        one: "{count} row in {name}",
        other: "{count} rows in {name}",
    };
    assert_eq!(
        plural(&p, EN.count(1), &[("name", "a.csv")]),
        "1 row in a.csv"
    );
    assert_eq!(
        plural(&p, EN.count(2), &[("name", "a.csv")]),
        "2 rows in a.csv"
    );
    assert_eq!(
        plural(&p, EN.count(0), &[("name", "a.csv")]),
        "0 rows in a.csv"
    );
    assert_eq!(plural(&p, EN.count(11), &[]), "11 rows in {name}");
    assert_eq!(plural(&p, EN.count(21), &[]), "21 rows in {name}");
}

#[test]
fn counts_are_grouped_as_each_language_writes_them() {
    let en = |n| Lang::En.count(n).to_string();
    let nl = |n| Lang::Nl.count(n).to_string();
    assert_eq!(en(0), "0");
    assert_eq!(en(999), "999");
    assert_eq!(en(1000), "1,000");
    assert_eq!(en(50_000), "50,000");
    assert_eq!(en(123_456), "123,456");
    assert_eq!(en(1_000_000), "1,000,000");
    assert_eq!(en(u64::MAX), "18,446,744,073,709,551,615");
    assert_eq!(nl(1000), "1.000");
    assert_eq!(nl(50_000), "50.000");
    assert_eq!(nl(1_234_567), "1.234.567");
    assert_eq!(Lang::Nl.count(50_000).value(), 50_000);
    assert_eq!(
        plural(&NL.groups().members_count, NL.count(50_000), &[]),
        "50.000 leden."
    );
    assert_eq!(
        EN.import().rows_summary(EN.count(12_000), EN.count(1)),
        "12,000 rows can be imported; 1 row has a problem and will be skipped."
    );
    assert_eq!(Lang::En.decimal(2.46), "2.5");
    assert_eq!(Lang::Nl.decimal(2.46), "2,5");
    assert_eq!(Lang::Nl.decimal(1234.0), "1.234,0");
}

#[test]
fn counts_meet_their_nouns_in_both_languages() {
    assert_eq!(
        plural(&EN.groups().members_count, EN.count(1), &[]),
        "1 member."
    );
    assert_eq!(
        plural(&EN.groups().members_count, EN.count(2), &[]),
        "2 members."
    );
    assert_eq!(
        plural(&NL.groups().members_count, NL.count(1), &[]),
        "1 lid."
    );
    assert_eq!(
        plural(&NL.groups().members_count, NL.count(0), &[]),
        "0 leden."
    );
    assert_eq!(
        EN.import().rows_summary(EN.count(1), EN.count(2)),
        "1 row can be imported; 2 rows have a problem and will be skipped."
    );
    assert_eq!(
        EN.import().rows_summary(EN.count(190), EN.count(1)),
        "190 rows can be imported; 1 row has a problem and will be skipped."
    );
    assert_eq!(
        NL.import().rows_summary(NL.count(1), NL.count(0)),
        "1 rij kan worden geïmporteerd; 0 rijen hebben een probleem en worden overgeslagen."
    );
    assert_eq!(
        EN.import().verify_result(EN.count(1), EN.count(3)),
        "1 operation is in place; 3 are still missing."
    );
    assert_eq!(
        NL.import().verify_result(NL.count(2), NL.count(1)),
        "2 bewerkingen zijn uitgevoerd; 1 ontbreekt nog."
    );
    assert_eq!(
        plural(&EN.import().progress, EN.count(1), &[("done", "0")]),
        "0 of 1 operation done"
    );
    assert_eq!(
        plural(&NL.finder.found_count, NL.count(1), &[("query", "Sales")]),
        "1 groep gevonden voor “Sales”."
    );
}

#[test]
fn every_failure_kind_has_an_english_and_a_dutch_sentence_that_differ() {
    for kind in FailureKind::ALL {
        for service in [Service::Graph, Service::Exchange] {
            let en = EN.failure_sentence(kind, service);
            let nl = NL.failure_sentence(kind, service);
            assert!(!en.trim().is_empty() && !nl.trim().is_empty(), "{kind:?}");
            assert_ne!(en, nl, "{kind:?} is not translated");
            assert!(!en.contains('{') && !nl.contains('{'), "{en} / {nl}");
        }
    }
}

#[test]
fn failure_sentences_are_distinct_in_each_language() {
    // Admins act differently on each kind: two kinds mustn't read the same.
    for service in [Service::Graph, Service::Exchange] {
        for lang in Lang::ALL {
            let t = lang.texts();
            let mut seen: Vec<String> = FailureKind::ALL
                .iter()
                .map(|k| t.failure_sentence(*k, service))
                .collect();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), FailureKind::ALL.len(), "{lang:?}");
        }
    }
}

#[test]
fn stored_failures_are_shown_in_dutch_with_the_services_words_verbatim() {
    use guestlist_core::run::failure;
    use guestlist_core::tenant::{ErrorDetail, TenantError};
    let detail = |status: u16, message: &str| {
        Box::new(ErrorDetail {
            status,
            code: "Request_BadRequest".into(),
            message: message.into(),
            exception_type: None,
            request_id: Some("rid-1".into()),
            date: None,
        })
    };
    let f = failure(
        Service::Graph,
        &TenantError::Forbidden(detail(
            403,
            "Insufficient privileges to complete the operation.",
        )),
    );
    assert_eq!(
        NL.failure(&f),
        "U heeft hier geen rechten voor: uw account mist een machtiging of beheerdersrol. \
         De service meldde: Insufficient privileges to complete the operation."
    );
    assert_eq!(EN.failure(&f), f.message);
    let throttled = failure(
        Service::Exchange,
        &TenantError::Throttled {
            retry_after: None,
            detail: detail(429, ""),
        },
    );
    assert!(NL
        .failure(&throttled)
        .starts_with("Exchange Online bleef vragen"));
    // Words that look like our own lead-in, or like a placeholder, stay as they are.
    let words = "The service said: {said} — Réessayez plus tard.";
    let other = failure(Service::Exchange, &TenantError::Other(detail(400, words)));
    assert_eq!(
        NL.failure(&other),
        format!("Exchange Online kon het verzoek niet uitvoeren. De service meldde: {words}")
    );
    let decode = TenantError::Decode {
        what: "group".into(),
        path: "value[0].id".into(),
        message: "invalid type: null".into(),
    };
    let nl = NL.failure(&failure(Service::Graph, &decode));
    assert!(nl.starts_with("Het verzoek aan Microsoft Graph is op een onverwachte manier mislukt. Details: unexpected answer from group"), "{nl}");
    // Another screen's own words (or an older journal's): shown as stored.
    let plain = Failure::new(
        Service::Graph,
        "the journal could not be written: quota exceeded",
    );
    assert_eq!(NL.failure(&plain), plain.message);
}

#[test]
fn config_errors_are_explained_in_both_languages() {
    let cases = [
        (ConfigError::Http { status: 503 }, "503"),
        (
            ConfigError::Syntax {
                line: 7,
                column: 12,
                detail: "trailing comma".into(),
            },
            "7",
        ),
        (
            ConfigError::ClientIdNotGuid {
                value: "my-app".into(),
            },
            "\"my-app\"",
        ),
        (
            ConfigError::BadUrl {
                key: ConfigKey::GraphBaseUrl,
                value: "graph".into(),
                problem: UrlProblem::NotAbsolute,
            },
            "graphBaseUrl \"graph\"",
        ),
    ];
    for (error, needle) in cases {
        let en = EN.config().error(&error);
        let nl = NL.config().error(&error);
        assert!(en.contains(needle) && nl.contains(needle), "{en} / {nl}");
        assert!(!en.contains('{') && !nl.contains('{'), "{en} / {nl}");
        assert_ne!(en, nl);
    }
    let syntax = EN.config().error(&ConfigError::Syntax {
        line: 7,
        column: 12,
        detail: "trailing comma".into(),
    });
    assert_eq!(
        syntax,
        "config.json is not valid JSON: line 7, column 12 (trailing comma)."
    );
    assert!(NL
        .config()
        .error(&ConfigError::NotFound)
        .contains("404 Not Found"));
}

#[test]
fn language_tags() {
    assert_eq!(Lang::from_tag("nl"), Some(Lang::Nl));
    assert_eq!(Lang::from_tag("nl-BE"), Some(Lang::Nl));
    assert_eq!(Lang::from_tag("NL_nl"), Some(Lang::Nl));
    assert_eq!(Lang::from_tag("en-GB"), Some(Lang::En));
    assert_eq!(Lang::from_tag("de-DE"), None);
    assert_eq!(Lang::from_tag("nld"), None);
    assert_eq!(Lang::from_tag(""), None);
}

#[test]
fn initial_language() {
    assert_eq!(Lang::initial(None, Some("nl-NL")), Lang::Nl);
    assert_eq!(Lang::initial(None, Some("fr-FR")), Lang::En);
    assert_eq!(Lang::initial(None, None), Lang::En);
    assert_eq!(Lang::initial(Some("en"), Some("nl-NL")), Lang::En);
    assert_eq!(Lang::initial(Some("nl"), Some("en-US")), Lang::Nl);
    // A stored value we don't understand (older version, hand-edited) is ignored.
    assert_eq!(Lang::initial(Some("klingon"), Some("nl")), Lang::Nl);
}

mod words {
    use super::super::{EN, NL};
    use guestlist_core::domain::email::{EmailAddress, EmailError};
    use guestlist_core::domain::group::{ExternalSenders, GroupKind};
    use guestlist_core::domain::person::{FieldError, FieldProblem, PersonField, PersonInput};
    use guestlist_core::domain::plan::{
        plan, Desired, ExistingContact, Plan, PlanOptions, SkipReason, Step, TargetGroup,
        TenantSnapshot,
    };
    use std::collections::HashSet;

    #[test]
    fn problems_and_skip_reasons_are_worded_in_each_language_with_every_value_filled() {
        // One of every address problem, so a placeholder misspelt in either language shows.
        let mut problems: Vec<FieldProblem> = EmailError::examples()
            .into_iter()
            .map(FieldProblem::InvalidEmail)
            .collect();
        problems.extend([
            FieldProblem::Missing,
            FieldProblem::TooLong { len: 300, max: 256 },
            FieldProblem::ControlCharacter {
                position: 1,
                code: 7,
            },
            FieldProblem::DuplicateOf { first_line: 4 },
        ]);
        for p in &problems {
            let (en, nl) = (EN.person().field_problem(p), NL.person().field_problem(p));
            // English reads as the domain's own sentence; Dutch is another sentence.
            assert_eq!(en, p.to_string());
            assert_ne!(nl, en, "{p:?} not translated");
            assert!(!nl.contains('{') && !en.contains('{'), "{nl} / {en}");
        }
        let missing_at = FieldError {
            field: PersonField::Email,
            problem: FieldProblem::InvalidEmail(EmailError::MissingAt),
        };
        assert_eq!(
            NL.person().field_error(&missing_at),
            "E-mailadres: het adres heeft geen @"
        );
        assert_eq!(
            EN.person().field_error(&missing_at),
            "E-mail address: the address has no @"
        );
        let invalid = SkipReason::Invalid(vec![missing_at]);
        assert_eq!(
            NL.skip_reason(&invalid),
            "ongeldig: E-mailadres: het adres heeft geen @"
        );
        for r in [
            SkipReason::AlreadyMember,
            SkipReason::Duplicate { first_row: 7 },
            SkipReason::DynamicGroup,
            SkipReason::OnPremisesSynced,
            SkipReason::ContactIntoM365,
        ] {
            assert_eq!(EN.skip_reason(&r), r.to_string());
            assert_ne!(NL.skip_reason(&r), r.to_string());
        }
    }

    #[test]
    fn a_group_kind_has_one_wording_for_every_page() {
        let kinds = [
            GroupKind::Distribution,
            GroupKind::MailEnabledSecurity,
            GroupKind::Microsoft365,
            GroupKind::Security,
            GroupKind::DynamicDistribution,
        ];
        for t in [&EN, &NL] {
            let mut words: Vec<&str> = kinds.iter().map(|k| t.finder.kind(*k)).collect();
            words.push(t.finder.kind_or_unknown(None));
            words.sort_unstable();
            words.dedup();
            assert_eq!(words.len(), kinds.len() + 1);
        }
        assert_eq!(
            EN.finder.kind_or_unknown(Some(GroupKind::Distribution)),
            "Distribution group"
        );
        assert_eq!(
            NL.finder.kind(GroupKind::MailEnabledSecurity),
            "Beveiligingsgroep met e-mail"
        );
    }

    fn group(kind: GroupKind) -> TargetGroup {
        TargetGroup {
            id: "g1".into(),
            name: "Sales Partners".into(),
            mail: Some("partners@contoso.example".into()),
            kind,
            external_senders: ExternalSenders::Rejected,
            dynamic_membership: false,
            on_premises_synced: false,
        }
    }

    fn plan_for(kind: GroupKind, contacts: Vec<ExistingContact>, members: &[&str]) -> Plan {
        let person = PersonInput {
            email: "jan@partner.nl".into(),
            display_name: "Jan de Vries".into(),
            ..PersonInput::default()
        }
        .validate()
        .expect("valid person");
        let mut snapshot = TenantSnapshot {
            contacts,
            ..TenantSnapshot::default()
        };
        let members: HashSet<String> = members.iter().map(|m| (*m).to_owned()).collect();
        snapshot.members.insert("g1".into(), members);
        plan(
            &[group(kind)],
            &[Desired {
                row: 1,
                person: Ok(person),
            }],
            &snapshot,
            &PlanOptions::default(),
        )
    }

    #[test]
    fn the_add_person_plan_in_words_in_both_languages() {
        let p = plan_for(GroupKind::Distribution, vec![], &[]);
        let words = |t: &super::super::Texts| -> Vec<String> {
            p.ops.iter().map(|o| t.operation(&p, &o.op)).collect()
        };
        assert_eq!(
            words(&EN),
            [
                "Create mail contact Jan de Vries <jan@partner.nl>. (hidden from address lists)",
                "Add jan@partner.nl to Sales Partners (Distribution group).",
                "Let Sales Partners receive mail from outside the organisation.",
            ]
        );
        assert_eq!(
            words(&NL)[1],
            "jan@partner.nl toevoegen aan Sales Partners (Distributiegroep)."
        );
        let p = plan_for(GroupKind::Microsoft365, vec![], &[]);
        assert_eq!(
            EN.operation(&p, &p.ops[0].op),
            "Invite jan@partner.nl as a guest (no invitation mail)."
        );

        let contact = ExistingContact {
            id: "c1".into(),
            mail: EmailAddress::parse("jan@partner.nl").expect("address"),
            display_name: "Jan de Vries".into(),
        };
        let p = plan_for(GroupKind::Distribution, vec![contact.clone()], &[]);
        assert!(matches!(p.entries[0].steps[0], Step::ReuseContact { .. }));
        assert_eq!(
            EN.groups()
                .step(&p.entries[0].steps[0], "jan@partner.nl")
                .as_deref(),
            Some("Use the existing mail contact for jan@partner.nl (no duplicate is created).")
        );
        let p = plan_for(GroupKind::Distribution, vec![contact], &["c1"]);
        let skipped = p.entries[0].skip_reason().expect("skipped");
        assert_eq!(
            EN.skip_in_group(skipped, "Sales Partners", "jan@partner.nl"),
            "jan@partner.nl is already a member of Sales Partners: nothing to do."
        );
        assert_eq!(
            NL.skip_in_group(skipped, "Sales Partners", "jan@partner.nl"),
            "jan@partner.nl is al lid van Sales Partners: niets te doen."
        );
        // What only the import words (a bad row) is worded the import's way, in the language.
        let duplicate = SkipReason::Duplicate { first_row: 3 };
        assert_eq!(
            NL.skip_in_group(&duplicate, "Sales Partners", "jan@partner.nl"),
            "hetzelfde adres staat al op regel 3"
        );
    }
}

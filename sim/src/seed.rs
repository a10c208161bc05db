//! The seeded Contoso: ~40 users (two with hostile display names for escaping tests), guests, ~20 mail
//! contacts, every kind of group the app meets, a dynamic distribution group (Exchange only) and one
//! group with 50,000 members. Names are fixed; ids and dates come from the seeded RNG.

use crate::contract::TENANT_DOMAIN;
use crate::store::{
    Contact, Group, GroupKind, Provenance, Tenant, User, UserType, ADMIN_UPN, BULK_GROUP_MEMBERS,
    BULK_GROUP_NAME, HELPDESK_UPN,
};

/// (given name, surname, job title, department)
const PEOPLE: &[(&str, &str, &str, &str)] = &[
    ("Adele", "Vance", "Retail Manager", "Retail"),
    ("Alex", "Wilber", "Marketing Assistant", "Marketing"),
    ("Allan", "Deyoung", "Corporate Security Officer", "Security"),
    ("Christie", "Cline", "Buyer", "Sales"),
    (
        "Debra",
        "Berger",
        "Administrative Assistant",
        "Executive Management",
    ),
    ("Diego", "Siciliani", "HR Manager", "HR"),
    ("Emily", "Braun", "Budget Analyst", "Finance"),
    ("Enrico", "Cattaneo", "Attorney", "Legal"),
    ("Grady", "Archie", "Designer", "Research & Development"),
    (
        "Henrietta",
        "Mueller",
        "Developer",
        "Research & Development",
    ),
    ("Irvin", "Sayers", "Director", "Research & Development"),
    ("Isaiah", "Langer", "Sales Rep", "Sales"),
    ("Johanna", "Lorenz", "Senior Engineer", "Engineering"),
    ("Joni", "Sherman", "Paralegal", "Legal"),
    ("Lee", "Gu", "Director", "Manufacturing"),
    ("Lidia", "Holloway", "Product Manager", "Engineering"),
    ("Lynne", "Robbins", "Planner", "Retail"),
    ("Megan", "Bowen", "Marketing Manager", "Marketing"),
    ("Miriam", "Graham", "Director", "Sales & Marketing"),
    ("Nestor", "Wilke", "Director", "Operations"),
    ("Patti", "Fernandez", "President", "Executive Management"),
    ("Pradeep", "Gupta", "Accountant", "Finance"),
    ("Raul", "Razo", "Sales Rep", "Sales"),
    ("Sara", "Davis", "Sales Manager", "Sales"),
    ("Tomasz", "Nowak", "Field Engineer", "Engineering"),
    ("Ana", "Bowman", "Office Manager", "Operations"),
    ("Ben", "Walters", "Support Engineer", "IT"),
    ("Carlos", "Grilo", "Logistics Lead", "Operations"),
    ("Dana", "O\u{2019}Neil", "Events Coordinator", "Marketing"),
    ("Erik", "Nason", "Analyst", "Finance"),
    ("Fatima", "Zahra", "Recruiter", "HR"),
    ("Gabriel", "Ortiz", "Procurement Lead", "Operations"),
    ("Hana", "Sato", "UX Researcher", "Research & Development"),
    ("Ivan", "Petrov", "Network Engineer", "IT"),
];

/// Display names that must be rendered as text, never markup, and escaped in PowerShell and CSV.
const HOSTILE_NAMES: &[(&str, &str)] = &[
    ("<script>alert('owned')</script> Mallory", "mallory"),
    (
        "<img src=x onerror=alert(1)> =HYPERLINK(\"http://evil\") Trudy",
        "trudy",
    ),
];

/// Guests that already exist: (display name, external address, accepted?)
const GUESTS: &[(&str, &str, bool)] = &[
    ("Kim Akers (Fabrikam)", "kim.akers@fabrikam.com", true),
    (
        "Luis Bonifaz (Northwind)",
        "luis.bonifaz@northwindtraders.com",
        true,
    ),
    ("Mei Lin (Tailspin)", "mei.lin@tailspintoys.com", false),
];

/// Mail contacts: (first, last, external address, company)
const CONTACTS: &[(&str, &str, &str, &str)] = &[
    ("Aaron", "Con", "aaron.con@fabrikam.com", "Fabrikam"),
    ("Bianca", "Pisani", "bianca.pisani@fabrikam.com", "Fabrikam"),
    (
        "Chris",
        "Preston",
        "chris.preston@northwindtraders.com",
        "Northwind Traders",
    ),
    (
        "Dorena",
        "Paschke",
        "dorena.paschke@northwindtraders.com",
        "Northwind Traders",
    ),
    (
        "Eva",
        "Corets",
        "eva.corets@adventure-works.com",
        "Adventure Works",
    ),
    (
        "Filip",
        "Novak",
        "filip.novak@adventure-works.com",
        "Adventure Works",
    ),
    (
        "Greta",
        "Lindqvist",
        "greta.lindqvist@tailspintoys.com",
        "Tailspin Toys",
    ),
    ("Hugo", "Martin", "hugo.martin@litwareinc.com", "Litware"),
    ("Ines", "Duarte", "ines.duarte@litwareinc.com", "Litware"),
    (
        "Jamal",
        "Hartnett",
        "jamal.hartnett@wingtiptoys.com",
        "Wingtip Toys",
    ),
    (
        "Katie",
        "Jordan",
        "katie.jordan@wingtiptoys.com",
        "Wingtip Toys",
    ),
    (
        "Lars",
        "Berg",
        "lars.berg@woodgrovebank.com",
        "Woodgrove Bank",
    ),
    (
        "Maria",
        "Campbell",
        "maria.campbell@woodgrovebank.com",
        "Woodgrove Bank",
    ),
    (
        "Nikolai",
        "Sokolov",
        "nikolai.sokolov@proseware.com",
        "Proseware",
    ),
    ("Olivia", "Reyes", "olivia.reyes@proseware.com", "Proseware"),
    ("Paul", "West", "paul.west@gmail.com", ""),
    ("Quinn", "Baker", "quinn.baker@outlook.com", ""),
    (
        "Rosa",
        "Alvarez",
        "rosa.alvarez@contosopartners.net",
        "Contoso Partners",
    ),
    (
        "Sven",
        "Olsen",
        "sven.olsen@fourthcoffee.com",
        "Fourth Coffee",
    ),
    (
        "Tara",
        "Singh",
        "tara.singh@fourthcoffee.com",
        "Fourth Coffee",
    ),
];

fn mk_user(
    t: &mut Tenant,
    display: &str,
    given: Option<&str>,
    sur: Option<&str>,
    alias: &str,
) -> User {
    let upn = format!("{alias}@{}", t.org.domain);
    User {
        id: t.new_guid(),
        exchange_guid: t.new_guid(),
        display_name: display.to_string(),
        given_name: given.map(str::to_string),
        surname: sur.map(str::to_string),
        mail: Some(upn.clone()),
        proxy_addresses: vec![format!("SMTP:{upn}")],
        user_principal_name: upn,
        mail_nickname: alias.to_string(),
        user_type: UserType::Member,
        other_mails: Vec::new(),
        job_title: None,
        department: None,
        office_location: None,
        mobile_phone: None,
        business_phones: Vec::new(),
        preferred_language: Some("en-US".to_string()),
        external_user_state: None,
        external_user_state_change: None,
        created: t.seed_date(),
        account_enabled: true,
        company_name: None,
        on_premises_sync_enabled: false,
        extension_attributes: Default::default(),
        deleted: None,
        bulk: false,
        provenance: Provenance::SEEDED,
    }
}

/// A seeded mail contact (`company` empty: none).
fn mk_contact(t: &mut Tenant, first: &str, last: &str, addr: &str, company: &str) -> Contact {
    let alias: String = format!("{first}{last}")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    Contact {
        id: t.new_guid(),
        exchange_guid: t.new_guid(),
        name: format!("{first} {last}"),
        alias,
        display_name: if company.is_empty() {
            format!("{first} {last}")
        } else {
            format!("{first} {last} ({company})")
        },
        given_name: Some(first.to_string()),
        surname: Some(last.to_string()),
        external_email: addr.to_string(),
        company_name: (!company.is_empty()).then(|| company.to_string()),
        department: None,
        job_title: None,
        hidden_from_address_lists: false,
        custom_attributes: Default::default(),
        created: t.seed_date(),
        provenance: Provenance::SEEDED,
    }
}

/// The guest UPN Entra builds for an external address: `@` becomes `_`, then `#EXT#@{initial domain}`.
/// (https://learn.microsoft.com/en-us/entra/external-id/user-properties)
pub fn guest_upn(initial_domain: &str, address: &str) -> String {
    format!("{}#EXT#@{initial_domain}", address.replace('@', "_"))
}

/// Builds a guest user object for `address` (used by the seed and by POST /invitations).
pub fn guest_user(
    t: &mut Tenant,
    display: &str,
    address: &str,
    accepted: bool,
    prov: Provenance,
) -> User {
    let upn = guest_upn(t.org.domain, address);
    let alias = upn.split('#').next().unwrap_or_default().to_string();
    let created = if prov.at.is_some() {
        chrono::Utc::now()
    } else {
        t.seed_date()
    };
    User {
        id: t.new_guid(),
        exchange_guid: t.new_guid(),
        display_name: display.to_string(),
        given_name: None,
        surname: None,
        mail: Some(address.to_string()),
        proxy_addresses: vec![format!("SMTP:{address}")],
        user_principal_name: upn,
        mail_nickname: alias,
        user_type: UserType::Guest,
        other_mails: vec![address.to_string()],
        job_title: None,
        department: None,
        office_location: None,
        mobile_phone: None,
        business_phones: Vec::new(),
        preferred_language: None,
        external_user_state: Some(
            if accepted {
                "Accepted"
            } else {
                "PendingAcceptance"
            }
            .to_string(),
        ),
        external_user_state_change: Some(created),
        created,
        account_enabled: true,
        company_name: None,
        on_premises_sync_enabled: false,
        extension_attributes: Default::default(),
        deleted: None,
        bulk: false,
        provenance: prov,
    }
}

impl Tenant {
    /// The seeded tenant: the same seed gives the same objects and ids.
    pub fn seeded(seed: u64) -> Tenant {
        let mut t = Tenant::empty(seed);
        populate(&mut t);
        t
    }
}

/// Fills `t` with the seed data.
pub fn populate(t: &mut Tenant) {
    // Accounts first: identity finds them by UPN.
    let admin = mk_user(
        t,
        "Contoso Admin",
        None,
        None,
        ADMIN_UPN.split('@').next().unwrap_or("admin"),
    );
    let admin = t.insert_user(admin);
    let helpdesk = mk_user(
        t,
        "Helpdesk Operator",
        None,
        None,
        HELPDESK_UPN.split('@').next().unwrap_or("helpdesk"),
    );
    t.insert_user(helpdesk);

    let mut staff = Vec::new();
    for (i, (given, sur, title, dept)) in PEOPLE.iter().enumerate() {
        let alias: String = format!("{}{}", given, sur)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let mut u = mk_user(t, &format!("{given} {sur}"), Some(given), Some(sur), &alias);
        u.job_title = Some(title.to_string());
        u.department = Some(dept.to_string());
        u.office_location = Some(format!("{}/{}", 10 + i % 7, 1000 + i * 7));
        u.business_phones = vec![format!("+1 425 555 {:04}", 100 + i)];
        if i % 5 == 0 {
            u.other_mails = vec![format!("{alias}.personal@outlook.com")];
        }
        // The IT staff come from on-premises Active Directory (Entra Connect): Graph won't write
        // their onPremisesExtensionAttributes.
        u.on_premises_sync_enabled = *dept == "IT";
        staff.push(t.insert_user(u));
    }
    let mut hostile = Vec::new();
    for (display, alias) in HOSTILE_NAMES {
        let u = mk_user(t, display, None, None, alias);
        hostile.push(t.insert_user(u));
    }
    let mut guests = Vec::new();
    for (display, addr, accepted) in GUESTS {
        let g = guest_user(t, display, addr, *accepted, Provenance::SEEDED);
        guests.push(t.insert_user(g));
    }
    let mut contacts = Vec::new();
    for (first, last, addr, company) in CONTACTS {
        let c = mk_contact(t, first, last, addr, company);
        contacts.push(t.insert_contact(c));
    }

    // (kind, display name, alias, RequireSenderAuthenticationEnabled / allowExternalSenders, members)
    let s = |i: usize| staff[i % staff.len()].clone();
    let c = |i: usize| contacts[i % contacts.len()].clone();
    let g = |i: usize| guests[i % guests.len()].clone();
    struct Spec {
        kind: GroupKind,
        name: &'static str,
        alias: &'static str,
        /// DL/mail-enabled security: RequireSenderAuthenticationEnabled; M365: !allowExternalSenders.
        internal_only: bool,
        description: &'static str,
        members: Vec<String>,
    }
    let specs = vec![
        Spec {
            kind: GroupKind::Distribution,
            name: "Sales Team",
            alias: "sales",
            internal_only: true,
            description: "Everyone in Sales",
            members: vec![s(3), s(11), s(22), s(23), c(0), c(2)],
        },
        Spec {
            kind: GroupKind::Distribution,
            name: "Partner Announcements",
            alias: "partners",
            internal_only: false,
            description: "News for our partners; external senders welcome",
            members: vec![s(17), c(0), c(1), c(4), c(6), c(8), g(0)],
        },
        Spec {
            kind: GroupKind::Distribution,
            name: "Event Attendees 2025",
            alias: "events2025",
            internal_only: false,
            description: "Attendees of the Contoso partner summit",
            members: vec![s(28), c(9), c(10), c(15), c(16)],
        },
        Spec {
            kind: GroupKind::Distribution,
            name: "Board Communications",
            alias: "board",
            internal_only: true,
            description: "Board members and their assistants",
            members: vec![s(20), s(4)],
        },
        Spec {
            kind: GroupKind::Distribution,
            name: "Regional Sales EMEA",
            alias: "sales-emea",
            internal_only: true,
            description: "EMEA sales, includes the Sales Team",
            members: vec![s(24), s(12)],
        },
        Spec {
            kind: GroupKind::Distribution,
            name: "Suppliers",
            alias: "suppliers",
            internal_only: false,
            description: "Suppliers and logistics partners",
            members: vec![s(27), s(31), c(11), c(12), c(13)],
        },
        Spec {
            kind: GroupKind::MailSecurity,
            name: "Finance Approvers",
            alias: "finance-approvers",
            internal_only: true,
            description: "Approvers for purchase orders",
            members: vec![s(6), s(21), s(29)],
        },
        Spec {
            kind: GroupKind::MailSecurity,
            name: "Facilities Access",
            alias: "facilities",
            internal_only: false,
            description: "Building access and facilities",
            members: vec![s(25), s(27), c(18)],
        },
        Spec {
            kind: GroupKind::Unified,
            name: "Project Falcon",
            alias: "projectfalcon",
            internal_only: false,
            description: "Joint project with Fabrikam",
            members: vec![s(9), s(12), s(15), g(0)],
        },
        Spec {
            kind: GroupKind::Unified,
            name: "Marketing",
            alias: "marketing",
            internal_only: true,
            description: "Marketing department",
            members: vec![s(1), s(17), s(18), s(28)],
        },
        Spec {
            kind: GroupKind::Unified,
            name: "Customer Advisory Board",
            alias: "cab",
            internal_only: false,
            description: "Customers advising on the roadmap",
            members: vec![s(18), g(1), g(2)],
        },
        Spec {
            kind: GroupKind::Unified,
            name: "Engineering",
            alias: "engineering",
            internal_only: true,
            description: "Engineering department",
            members: vec![s(12), s(15), s(24), s(26), s(33)],
        },
        Spec {
            kind: GroupKind::Security,
            name: "VPN Users",
            alias: "vpnusers",
            internal_only: true,
            description: "May use the VPN",
            members: vec![s(26), s(33), s(9)],
        },
        Spec {
            kind: GroupKind::Security,
            name: "Laptop Administrators",
            alias: "laptopadmins",
            internal_only: true,
            description: "Local admin on laptops",
            members: vec![s(26)],
        },
        Spec {
            kind: GroupKind::DynamicDistribution,
            name: "All Sales Department Users",
            alias: "allsales",
            internal_only: true,
            description: "",
            members: vec![],
        },
    ];
    let mut by_alias = std::collections::HashMap::new();
    for spec in specs {
        let (id, eg, created) = (t.new_guid(), t.new_guid(), t.seed_date());
        let mut grp = Group::new(
            id,
            eg,
            spec.kind,
            spec.name,
            spec.alias,
            created,
            Provenance::SEEDED,
        );
        grp.description = (!spec.description.is_empty()).then(|| spec.description.to_string());
        match spec.kind {
            GroupKind::Unified => {
                grp.allow_external_senders = !spec.internal_only;
                grp.require_sender_auth = spec.internal_only;
            }
            _ => grp.require_sender_auth = spec.internal_only,
        }
        if spec.kind == GroupKind::DynamicDistribution {
            grp.recipient_filter =
                Some("((RecipientType -eq 'UserMailbox') -and (Department -eq 'Sales'))".into());
        }
        grp.managed_by = vec![admin.clone()];
        for m in &spec.members {
            grp.add_member(m);
        }
        by_alias.insert(spec.alias, t.insert_group(grp));
    }
    // The nested group: the Sales Team is a member of Regional Sales EMEA.
    let sales = by_alias["sales"].clone();
    if let Some(emea) = t.group_mut(&by_alias["sales-emea"]) {
        emea.add_member(&sales);
    }
    // Hostile names belong somewhere visible.
    if let Some(mkt) = t.group_mut(&by_alias["marketing"]) {
        for h in &hostile {
            mkt.add_member(h);
        }
    }

    // The 50,000-member distribution group: generated users, cheap to build (no per-member lookups).
    let mut ids = Vec::with_capacity(BULK_GROUP_MEMBERS);
    for n in 1..=BULK_GROUP_MEMBERS {
        let alias = format!("staff{n:05}");
        let upn = format!("{alias}@{TENANT_DOMAIN}");
        let u = User {
            id: t.new_guid(),
            exchange_guid: t.new_guid(),
            display_name: format!("Staff Member {n:05}"),
            given_name: Some("Staff".into()),
            surname: Some(format!("Member {n:05}")),
            mail: Some(upn.clone()),
            proxy_addresses: vec![format!("SMTP:{upn}")],
            user_principal_name: upn,
            mail_nickname: alias,
            user_type: UserType::Member,
            other_mails: Vec::new(),
            job_title: None,
            department: None,
            office_location: None,
            mobile_phone: None,
            business_phones: Vec::new(),
            preferred_language: None,
            external_user_state: None,
            external_user_state_change: None,
            created: chrono::DateTime::<chrono::Utc>::from_timestamp(1_704_067_200, 0)
                .unwrap_or_default(),
            account_enabled: true,
            company_name: None,
            on_premises_sync_enabled: false,
            extension_attributes: Default::default(),
            deleted: None,
            bulk: true,
            provenance: Provenance::SEEDED,
        };
        ids.push(t.insert_user(u));
    }
    let (id, eg, created) = (t.new_guid(), t.new_guid(), t.seed_date());
    let mut bulk = Group::new(
        id,
        eg,
        GroupKind::Distribution,
        BULK_GROUP_NAME,
        "allcompany",
        created,
        Provenance::SEEDED,
    );
    bulk.description = Some("Company-wide announcements (50,000 recipients)".into());
    bulk.managed_by = vec![admin.clone()];
    bulk.extend_members_unchecked(ids);
    t.insert_group(bulk);

    delivery_cases(t, &admin, &staff, &contacts, &guests, &by_alias);
}

/// The groups whose delivery restrictions the delivery check and `POST /_sim/deliver` exercise
/// (sim/README.md, "Seeded delivery cases"). Made after everything else, so the ids of the
/// objects seeded before them stay what they were.
fn delivery_cases(
    t: &mut Tenant,
    admin: &str,
    staff: &[String],
    contacts: &[String],
    guests: &[String],
    by_alias: &std::collections::HashMap<&str, String>,
) {
    let s = |i: usize| staff[i].clone();
    let c = |i: usize| contacts[i].clone();
    let mut add = |name: &str,
                   alias: &str,
                   description: &str,
                   members: Vec<String>,
                   set: &dyn Fn(&mut Group)| {
        let (id, eg, created) = (t.new_guid(), t.new_guid(), t.seed_date());
        let mut g = Group::new(
            id,
            eg,
            GroupKind::Distribution,
            name,
            alias,
            created,
            Provenance::SEEDED,
        );
        g.description = Some(description.to_string());
        g.require_sender_auth = false;
        g.managed_by = vec![admin.to_string()];
        for m in &members {
            g.add_member(m);
        }
        set(&mut g);
        t.insert_group(g);
    };
    // An allowed-senders list: Chris Preston's contact and the members of Suppliers may send;
    // everyone else (even the member Dorena Paschke) gets 5.7.124.
    let suppliers = by_alias["suppliers"].clone();
    add(
        "Vendor Portal Updates",
        "vendor-updates",
        "Portal news; only listed senders may post",
        vec![s(13), s(30), c(3)],
        &|g| {
            g.accept_from = vec![c(2), s(13)];
            g.accept_from_dl = vec![suppliers.clone()];
        },
    );
    // A blocked sender: Paul West's contact gets 5.7.1. No return path for delivery reports.
    add(
        "Customer Feedback",
        "feedback",
        "Feedback from customers",
        vec![s(2), s(16)],
        &|g| {
            g.reject_from = vec![c(15)];
            g.report_to_originator = false;
            g.report_to_manager = false;
        },
    );
    // Moderated by Megan Bowen; Rosa Alvarez's contact bypasses moderation.
    add(
        "Press Releases",
        "press",
        "Outgoing press releases; moderated",
        vec![s(1), s(17)],
        &|g| {
            g.moderation_enabled = true;
            g.moderated_by = vec![s(17)];
            g.bypass_moderation = vec![c(17)];
        },
    );
    // A nested group: Partner Announcements (contacts and a guest) is a member.
    let partners = by_alias["partners"].clone();
    add(
        "Alliance Network",
        "alliance",
        "Everyone in our partner programmes",
        vec![s(19), partners],
        &|_| {},
    );
    // Synced from on-premises Active Directory (IsDirSynced): internal only, changed on-premises.
    add(
        "Legacy Staff List",
        "legacy-staff",
        "Mastered in the on-premises directory",
        vec![s(5), s(7)],
        &|g| {
            g.require_sender_auth = true;
            g.dir_synced = true;
        },
    );
    // A Microsoft 365 group with an allowed-senders list: the guest Luis Bonifaz and Miriam Graham.
    let (luis, miriam) = (guests[1].clone(), s(18));
    if let Some(cab) = t.group_mut(&by_alias["cab"]) {
        cab.accept_from = vec![luis, miriam];
    }
}

/// The large tenant's shape (`--large-tenant`): on top of the default seed.
pub const LARGE_CONTACTS: usize = 4_000;
pub const LARGE_GUESTS: usize = 1_600;
/// Groups by kind: distribution, mail-enabled security, Microsoft 365, security.
pub const LARGE_GROUPS: [(GroupKind, usize); 4] = [
    (GroupKind::Distribution, 110),
    (GroupKind::MailSecurity, 30),
    (GroupKind::Unified, 120),
    (GroupKind::Security, 40),
];
/// The attribute holding a person's "access until" date (ISO `YYYY-MM-DD`) in the large seed:
/// a guest's `onPremisesExtensionAttributes.extensionAttribute15`, a contact's `CustomAttribute15`
/// (the same attribute seen from Exchange).
pub const ACCESS_UNTIL_ATTRIBUTE: usize = 15;

const LARGE_FIRST: &[&str] = &[
    "Anna", "Bram", "Chloé", "Daan", "Eva", "Femke", "Gert", "Hugo", "Iris", "Jan", "Karin",
    "Lars", "Maud", "Niels", "Olga", "Pieter", "Quinn", "Rosa", "Sven", "Tess", "Umar", "Vera",
    "Wout", "Xena", "Yara", "Zoë", "Ahmed", "Björn", "Carmen", "Dmitri",
];
const LARGE_LAST: &[&str] = &[
    "Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos", "Vos",
    "Peters", "Hendriks", "van Dijk", "Dekker", "Brouwer", "O'Brien", "García", "Müller",
    "Kowalski", "Nguyen", "Okafor", "Rossi", "Svensson", "Tanaka", "Yilmaz",
];
/// (company, domain)
const LARGE_COMPANIES: &[(&str, &str)] = &[
    ("Adatum", "adatum.example"),
    ("Alpine Ski House", "alpineskihouse.example"),
    ("Bellows College", "bellowscollege.example"),
    ("Best For You Organics", "bestforyou.example"),
    ("Coho Winery", "cohowinery.example"),
    ("Contoso Pharmaceuticals", "contosopharma.example"),
    ("Datum Corporation", "datum.example"),
    ("Fabrikam Residences", "fabrikamres.example"),
    ("First Up Consultants", "firstup.example"),
    ("Fourth Coffee", "fourthcoffee.example"),
    ("Graphic Design Institute", "gdi.example"),
    ("Humongous Insurance", "humongous.example"),
    ("Lamna Healthcare", "lamna.example"),
    ("Liberty's Delightful", "libertys.example"),
    ("Litware", "litware.example"),
    ("Lucerne Publishing", "lucernepublishing.example"),
    ("Margie's Travel", "margiestravel.example"),
    ("Munson's Pickles", "munsons.example"),
    ("Nod Publishers", "nodpublishers.example"),
    ("Northwind Traders", "northwind.example"),
    ("Proseware", "proseware.example"),
    ("Relecloud", "relecloud.example"),
    ("School of Fine Art", "fineart.example"),
    ("Southridge Video", "southridgevideo.example"),
    ("Tailspin Toys", "tailspin.example"),
    ("Trey Research", "treyresearch.example"),
    ("VanArsdel", "vanarsdel.example"),
    ("Wide World Importers", "wideworldimporters.example"),
    ("Wingtip Toys", "wingtiptoys.example"),
    ("Woodgrove Bank", "woodgrovebank.example"),
];

impl Tenant {
    /// The default seed plus [`populate_large`].
    pub fn seeded_large(seed: u64) -> Tenant {
        let mut t = Tenant::seeded(seed);
        populate_large(&mut t);
        t
    }
}

/// Adds the large tenant: [`LARGE_CONTACTS`] mail contacts and [`LARGE_GUESTS`] guests from 30
/// partner companies, [`LARGE_GROUPS`] groups; contacts in 0–4 distribution and mail-enabled
/// security groups, guests in 0–3 groups of any kind; about a fifth of the guests pending
/// acceptance; about one person in ten with an access end date (attribute
/// [`ACCESS_UNTIL_ATTRIBUTE`]), half of them passed (2025), half to come (2030); about one in
/// twelve in no group. Deterministic for a seed; runs after [`populate`], so the default objects
/// and their ids stay as they are.
pub fn populate_large(t: &mut Tenant) {
    use rand::Rng;
    let mut by_kind: Vec<(GroupKind, Vec<String>)> = Vec::new();
    let mut n = 0;
    for (kind, count) in LARGE_GROUPS {
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            n += 1;
            let label = match kind {
                GroupKind::Distribution => "Partners List",
                GroupKind::MailSecurity => "Partner Access",
                GroupKind::Unified => "Partner Project",
                _ => "Partner Security",
            };
            let (id, eg, created) = (t.new_guid(), t.new_guid(), t.seed_date());
            let g = Group::new(
                id,
                eg,
                kind,
                &format!("{label} {n:03}"),
                &format!("partners{n:03}"),
                created,
                Provenance::SEEDED,
            );
            ids.push(t.insert_group(g));
        }
        by_kind.push((kind, ids));
    }
    let exchange_groups: Vec<String> = by_kind
        .iter()
        .filter(|(k, _)| k.is_exchange_distribution())
        .flat_map(|(_, ids)| ids.iter().cloned())
        .collect();
    let all_groups: Vec<String> = by_kind
        .iter()
        .flat_map(|(_, ids)| ids.iter().cloned())
        .collect();
    let until = |t: &mut Tenant| -> Option<String> {
        match t.rng().random_range(0..20) {
            0 => Some(format!(
                "2025-{:02}-{:02}",
                t.rng().random_range(1..=12),
                t.rng().random_range(1..=28)
            )),
            1 => Some(format!(
                "2030-{:02}-{:02}",
                t.rng().random_range(1..=12),
                t.rng().random_range(1..=28)
            )),
            _ => None,
        }
    };
    let join = |t: &mut Tenant, id: &str, pool: &[String], max: usize| {
        // One in twelve in no group.
        if t.rng().random_range(0..12) == 0 {
            return;
        }
        let k = t.rng().random_range(1..=max);
        for _ in 0..k {
            let gid = pool[t.rng().random_range(0..pool.len())].clone();
            if let Some(g) = t.group_mut(&gid) {
                g.add_member(id);
            }
        }
    };
    for i in 0..LARGE_CONTACTS {
        let first = LARGE_FIRST[i % LARGE_FIRST.len()];
        let last = LARGE_LAST[(i / LARGE_FIRST.len()) % LARGE_LAST.len()];
        let (company, domain) = LARGE_COMPANIES[t.rng().random_range(0..LARGE_COMPANIES.len())];
        let local: String = format!("{first}.{last}.{i}")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect::<String>()
            .to_ascii_lowercase();
        let name = format!("{first} {last} {i:04}");
        let mut custom: [Option<String>; 15] = Default::default();
        custom[ACCESS_UNTIL_ATTRIBUTE - 1] = until(t);
        let c = Contact {
            id: t.new_guid(),
            exchange_guid: t.new_guid(),
            alias: format!("ext{i:04}"),
            display_name: format!("{first} {last} ({company})"),
            name,
            given_name: Some(first.to_string()),
            surname: Some(last.to_string()),
            external_email: format!("{local}@{domain}"),
            company_name: Some(company.to_string()),
            department: None,
            job_title: None,
            hidden_from_address_lists: true,
            custom_attributes: custom,
            created: t.seed_date(),
            provenance: Provenance::SEEDED,
        };
        let id = t.insert_contact(c);
        join(t, &id, &exchange_groups, 4);
    }
    for i in 0..LARGE_GUESTS {
        let first = LARGE_FIRST[(i + 7) % LARGE_FIRST.len()];
        let last = LARGE_LAST[(i / LARGE_FIRST.len() + 3) % LARGE_LAST.len()];
        let (company, domain) = LARGE_COMPANIES[t.rng().random_range(0..LARGE_COMPANIES.len())];
        let local: String = format!("{first}{last}g{i}")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let accepted = t.rng().random_range(0..5) != 0;
        let mut g = guest_user(
            t,
            &format!("{first} {last} ({company})"),
            &format!("{local}@{domain}"),
            accepted,
            Provenance::SEEDED,
        );
        g.given_name = Some(first.to_string());
        g.surname = Some(last.to_string());
        g.company_name = Some(company.to_string());
        if accepted {
            // Accepted some days after the invitation.
            let days = t.rng().random_range(0..30);
            g.external_user_state_change = Some(g.created + chrono::Duration::days(days));
        }
        g.extension_attributes[ACCESS_UNTIL_ATTRIBUTE - 1] = until(t);
        let id = t.insert_user(g);
        join(t, &id, &all_groups, 3);
    }
}

/// A small organisation for the partner's tenant and each customer's (`crate::tenancy`): its admin
/// and helpdesk accounts, a few staff, two guests and three mail contacts, and one group of each
/// kind the app changes, named after the organisation (`Northwind Suppliers`, …) so a test can
/// tell the tenants apart. The same seed gives the same objects.
pub fn populate_organization(t: &mut Tenant) {
    let short = t.org.name.split(' ').next().unwrap_or(t.org.name);
    let admin = mk_user(t, &format!("{short} Admin"), None, None, "admin");
    let admin = t.insert_user(admin);
    let helpdesk = mk_user(t, &format!("{short} Helpdesk"), None, None, "helpdesk");
    t.insert_user(helpdesk);
    let staff: Vec<String> = PEOPLE
        .iter()
        .take(4)
        .map(|(given, sur, title, dept)| {
            let alias = format!("{given}.{sur}").to_ascii_lowercase();
            let mut u = mk_user(t, &format!("{given} {sur}"), Some(given), Some(sur), &alias);
            u.job_title = Some(title.to_string());
            u.department = Some(dept.to_string());
            t.insert_user(u)
        })
        .collect();
    let guests: Vec<String> = GUESTS
        .iter()
        .take(2)
        .map(|(display, addr, accepted)| {
            let g = guest_user(t, display, addr, *accepted, Provenance::SEEDED);
            t.insert_user(g)
        })
        .collect();
    let contacts: Vec<String> = CONTACTS
        .iter()
        .take(3)
        .map(|(first, last, addr, company)| {
            let c = mk_contact(t, first, last, addr, company);
            t.insert_contact(c)
        })
        .collect();
    let specs = [
        (GroupKind::Distribution, "Suppliers", "suppliers", false),
        (GroupKind::Distribution, "All Staff", "allstaff", true),
        (GroupKind::MailSecurity, "Finance", "finance", true),
        (GroupKind::Unified, "Projects", "projects", false),
    ];
    for (kind, name, alias, internal_only) in specs {
        let (id, eg, created) = (t.new_guid(), t.new_guid(), t.seed_date());
        let display = format!("{short} {name}");
        let mut g = Group::new(id, eg, kind, &display, alias, created, Provenance::SEEDED);
        g.mail = Some(format!("{alias}@{}", t.org.mail_domain));
        g.require_sender_auth = internal_only;
        g.allow_external_senders = kind == GroupKind::Unified && !internal_only;
        g.managed_by = vec![admin.clone()];
        for m in &staff {
            g.add_member(m);
        }
        match kind {
            GroupKind::Distribution if !internal_only => {
                for c in &contacts {
                    g.add_member(c);
                }
            }
            GroupKind::Unified => {
                g.add_member(&guests[0]);
            }
            _ => {}
        }
        t.insert_group(g);
    }
}

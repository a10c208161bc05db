//! The first screen's texts: the groups page's title, the group finder, the one wording of a
//! group's kind, and the failure view's labels. Apart from [`super::groups`] so that the first
//! load carries only these (the rest are read only by lazily loaded pages).

use super::Plural;

area! {
    /// The first screen's texts of one language.
    pub struct FinderTexts {
        title,
        intro,
        sign_in_first,
        kind_distribution,
        kind_mail_security,
        kind_m365,
        kind_security,
        kind_dynamic,
        /// A group whose kind could not be told (the import's search results).
        kind_unknown,
        request_id,
        raw_detail,
        finder_heading,
        search_label,
        search_placeholder,
        searching,
        search_failed,
        found_none,
        found_count: Plural,
        found_all: Plural,
        exchange_part_failed,
        results_label,
        ext_allowed_short,
        ext_rejected_short,
        /// Member count in a finder result: "1 member", "12 members".
        result_members: Plural,
    }
}

pub static EN: FinderTexts = FinderTexts {
    title: "Groups",
    intro: "Find a distribution list, mail-enabled security group or Microsoft 365 group and see who is in it.",
    sign_in_first: "Sign in to find groups and see their members.",
    kind_distribution: "Distribution group",
    kind_mail_security: "Mail-enabled security group",
    kind_m365: "Microsoft 365 group",
    kind_security: "Security group",
    kind_dynamic: "Dynamic distribution group",
    kind_unknown: "Unknown kind",
    request_id: "Request id:",
    raw_detail: "Technical detail",
    finder_heading: "Find a group",
    search_label: "Search groups by name",
    search_placeholder: "e.g. Sales",
    searching: "Searching…",
    search_failed: "The search failed.",
    found_none: "No groups found for “{query}”.",
    found_count: Plural {
        one: "{count} group found for “{query}”.",
        other: "{count} groups found for “{query}”.",
    },
    found_all: Plural {
        one: "{count} group.",
        other: "{count} groups.",
    },
    exchange_part_failed: "Exchange could not add dynamic groups and sender settings:",
    results_label: "Groups found",
    ext_allowed_short: "accepts external mail",
    ext_rejected_short: "internal senders only",
    result_members: Plural {
        one: "{count} member",
        other: "{count} members",
    },
};

pub static NL: FinderTexts = FinderTexts {
    title: "Groepen",
    intro: "Zoek een distributielijst, beveiligingsgroep met e-mail of Microsoft 365-groep en bekijk wie erin zit.",
    sign_in_first: "Meld je aan om groepen te zoeken en hun leden te zien.",
    kind_distribution: "Distributiegroep",
    kind_mail_security: "Beveiligingsgroep met e-mail",
    kind_m365: "Microsoft 365-groep",
    kind_security: "Beveiligingsgroep",
    kind_dynamic: "Dynamische distributiegroep",
    kind_unknown: "Onbekende soort",
    request_id: "Aanvraag-id:",
    raw_detail: "Technische details",
    finder_heading: "Groep zoeken",
    search_label: "Groepen zoeken op naam",
    search_placeholder: "bijv. Verkoop",
    searching: "Bezig met zoeken…",
    search_failed: "Het zoeken is mislukt.",
    found_none: "Geen groepen gevonden voor “{query}”.",
    found_count: Plural {
        one: "{count} groep gevonden voor “{query}”.",
        other: "{count} groepen gevonden voor “{query}”.",
    },
    found_all: Plural {
        one: "{count} groep.",
        other: "{count} groepen.",
    },
    exchange_part_failed: "Exchange kon geen dynamische groepen en afzenderinstellingen toevoegen:",
    results_label: "Gevonden groepen",
    ext_allowed_short: "accepteert externe mail",
    ext_rejected_short: "alleen interne afzenders",
    result_members: Plural {
        one: "{count} lid",
        other: "{count} leden",
    },
};

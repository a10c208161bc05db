//! Failure sentences (`run::failure::FailureTexts`): the English ones are the core's
//! [`FAILURES_EN`], which journals and exports store; the Dutch ones are here.

pub use guestlist_core::run::failure::{FailureTexts, FAILURES_EN};

/// The Dutch failure sentences.
pub static FAILURES_NL: FailureTexts = FailureTexts {
    not_found: "Het object is niet gevonden: het is misschien verwijderd, of nog niet zichtbaar.",
    already_member: "Al lid van de groep: er hoeft niets te veranderen.",
    not_member: "Geen lid (meer) van de groep: er valt niets te verwijderen.",
    already_exists: "De naam of het adres is al in gebruik bij een andere ontvanger.",
    ambiguous: "Er komt meer dan één object overeen; kies het aan de hand van het adres.",
    mail_enabled_group: "De leden van deze groep kunnen alleen via Exchange worden gewijzigd.",
    forbidden: "U heeft hier geen rechten voor: uw account mist een machtiging of beheerdersrol.",
    unknown_command: "Exchange weigerde de opdracht: uw beheerdersrol omvat deze niet.",
    throttled: "{service} bleef vragen om het rustiger aan te doen; probeer de mislukte rijen over een paar minuten opnieuw.",
    unavailable: "{service} was niet beschikbaar; probeer de mislukte rijen over een paar minuten opnieuw.",
    connection_lost: "Geen antwoord van {service} (de verbinding is verbroken). Misschien is het wel gebeurd, misschien niet; bij het opnieuw proberen van de mislukte rijen wordt dat eerst gecontroleerd.",
    sign_in_again: "Uw aanmelding is verlopen of geweigerd: meld u opnieuw aan en probeer het dan nog eens.",
    refused: "{service} kon het verzoek niet uitvoeren.",
    unexpected: "Het verzoek aan {service} is op een onverwachte manier mislukt.",
    service_said: "De service meldde: {said}",
    detail: "Details: {detail}",
};

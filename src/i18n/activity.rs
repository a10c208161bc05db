//! What a change was and why it was skipped (`activity::ActivityTexts`): the English ones are
//! the core's [`ACTIVITY_EN`], which the activity log and its exports store; the Dutch ones are
//! here.

pub use guestlist_core::activity::{ActivityTexts, ACTIVITY_EN};

/// The Dutch activity texts.
pub static ACTIVITY_NL: ActivityTexts = ActivityTexts {
    create_contact: "E-mailcontact {name} <{address}> aanmaken",
    invite_guest: "{address} als gast uitnodigen",
    add_member: "{member} toevoegen aan {group}",
    remove_member: "{member} uit {group} verwijderen",
    open_to_external_senders: "{group} mail van buiten de organisatie laten ontvangen",
    allow_sender: "{entry} op de toegestane afzenders van {group} zetten",
    allow_members: "De leden van {entry} laten mailen naar {group}",
    bypass_moderation: "{entry} zonder moderatie laten mailen naar {group}",
    unblock_sender: "{entry} van de geblokkeerde afzenders van {group} halen",
    list_add: "{entry} toevoegen aan {list} van {group}",
    list_remove: "{entry} verwijderen uit {list} van {group}",
    delete_contact: "E-mailcontact {name} <{address}> verwijderen",
    delete_guest:
        "Gast {name} <{address}> verwijderen (30 dagen terug te zetten uit verwijderde items)",
    restore_guest: "Gast {name} <{address}> terugzetten uit verwijderde items",
    resend_invitation: "{address} opnieuw uitnodigen",
    edit_contact: "De gegevens van e-mailcontact {name} <{address}> wijzigen",
    set_access_until: "De einddatum van {name} <{address}> op {date} zetten",
    clear_access_until: "De einddatum van {name} <{address}> wissen",
    already_done: "was al zo",
    in_script: "overgedragen als PowerShell-script",
    confirmed_by_verify: "bevestigd door Controleren nadat het script was uitgevoerd",
    failures: &super::FAILURES_NL,
};

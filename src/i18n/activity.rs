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
    already_done: "was al zo",
    in_script: "overgedragen als PowerShell-script",
    confirmed_by_verify: "bevestigd door Controleren nadat het script was uitgevoerd",
    failures: &super::FAILURES_NL,
};

//! Pieces shared by several screens.

mod language_switch;
mod mode_panel;
mod page;
mod sign_in_problem;
mod sign_in_slot;

pub use language_switch::LanguageSwitch;
pub use mode_panel::{ConsentLink, ModeDetails, ModePanel, ModeStatus};
pub use page::{ComingSoon, Page, TextFn};
pub use sign_in_problem::SignInProblemPanel;
pub use sign_in_slot::SignInSlot;

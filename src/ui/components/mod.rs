//! Pieces shared by several screens.

mod language_switch;
mod page;
mod sign_in_slot;

pub use language_switch::LanguageSwitch;
pub use page::{ComingSoon, Page, TextFn};
pub use sign_in_slot::SignInSlot;

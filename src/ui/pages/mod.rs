//! One screen per file; the Import page, with a file per step, is in [`crate::ui::import`].

mod about;
mod activity;
mod config_error;
mod group;
pub(crate) mod groups;
mod not_found;

pub use crate::ui::externals::{ExternalsPage, PersonPage};
pub use crate::ui::import::ImportPage;
pub use about::AboutPage;
pub use activity::ActivityPage;
pub use config_error::ConfigErrorPage;
pub use group::GroupPage;
pub use groups::GroupsPage;
pub use not_found::NotFoundPage;

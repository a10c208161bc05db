//! One screen per file.

mod about;
mod activity;
mod config_error;
mod group;
pub(crate) mod groups;
mod import;
mod not_found;

pub use about::AboutPage;
pub use activity::ActivityPage;
pub use config_error::ConfigErrorPage;
pub use group::GroupPage;
pub use groups::GroupsPage;
pub use import::ImportPage;
pub use not_found::NotFoundPage;

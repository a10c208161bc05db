//! The import page's steps, one file each, top to bottom: [`file`], [`mapping`], [`rows`],
//! [`groups`], [`plan`]; once a run exists, [`run`] with its [`report`] instead. A partner's
//! file for several tenants plans and runs through [`tenants`].

mod file;
mod groups;
mod mapping;
mod plan;
mod report;
mod rows;
mod run;
mod tenants;

pub(crate) use file::FileStep;
pub(crate) use groups::GroupsStep;
pub(crate) use mapping::MappingStep;
pub(crate) use plan::PlanStep;
pub(crate) use rows::RowsStep;
pub(crate) use run::RunSection;
pub(crate) use tenants::{TenantsPlanStep, TenantsRunSection};

use crate::ui::session::{Session, SessionSlot};
use leptos::prelude::*;

/// Rows of a list shown at once; the downloads hold everything.
const SHOWN: usize = 200;

/// Under a list cut at [`SHOWN`] rows: how many of all are shown (nothing when all are).
fn more_rows(t: &'static crate::i18n::Texts, total: usize) -> Option<impl IntoView> {
    (total > SHOWN).then(|| {
        let text = crate::i18n::fill(
            t.import().shown_of,
            &[
                ("shown", t.count(SHOWN as u64).as_str()),
                ("total", t.count(total as u64).as_str()),
            ],
        );
        view! { <p class="import-more">{text}</p> }
    })
}

/// The signed-in session, if any (tracked).
fn session_fn() -> impl Fn() -> Option<Session> + Copy + 'static {
    let slot = use_context::<SessionSlot>();
    move || slot.and_then(|s| s.0.get())
}

//! The Import page: a CSV of people into one or more groups. Its steps, top to bottom, are in
//! [`super::steps`]: the file, its columns, the rows' problems, the groups, the plan; then the
//! run and its report. The state lives above the routes ([`super::state`]), so the page can be
//! left and found again.

use super::state::{import_state, ImportState};
use super::steps::{
    FileStep, GroupsStep, MappingStep, PlanStep, RowsStep, RunSection, TenantsPlanStep,
    TenantsRunSection,
};
use crate::i18n::use_i18n;
use crate::ui::components::Page;
use leptos::prelude::*;

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let st = import_state();
    let has_run = {
        let run = st.run.clone();
        Memo::new(move |_| run.with(|r| r.is_some()))
    };
    // A partner's import into several tenants, once its runs have started.
    let has_runs = {
        let parts = st.parts.clone();
        Memo::new(move |_| parts.with(|p| p.iter().flatten().any(|p| p.run.is_some())))
    };
    let st2 = st.clone();
    view! {
        <Page title=|t| t.import().title>
            <p class="lead">{move || i18n.t().import().intro}</p>
            {move || {
                let st = st2.clone();
                if has_run.get() {
                    view! { <RunSection st/> }.into_any()
                } else if has_runs.get() {
                    view! { <TenantsRunSection st/> }.into_any()
                } else {
                    view! { <Wizard st/> }.into_any()
                }
            }}
        </Page>
    }
}

#[component]
fn Wizard(st: ImportState) -> impl IntoView {
    let has_table = {
        let loaded = st.loaded.clone();
        Memo::new(move |_| loaded.with(|l| l.is_some()))
    };
    let st2 = st.clone();
    view! {
        <FileStep st=st.clone()/>
        {move || {
            let st = st2.clone();
            has_table.get().then(|| view! {
                <MappingStep st=st.clone()/>
                <RowsStep st=st.clone()/>
                <GroupsStep st=st.clone()/>
                {
                    let st = st.clone();
                    move || if st.by_tenant() {
                        view! { <TenantsPlanStep st=st.clone()/> }.into_any()
                    } else {
                        view! { <PlanStep st=st.clone()/> }.into_any()
                    }
                }
            })
        }}
    }
}

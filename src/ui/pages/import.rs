//! The Import page: a CSV of people into one or more groups. Steps, top to bottom: the file,
//! its columns, the rows' problems, the groups, the plan; then the run and its report. The
//! state lives above the routes ([`bulk::state`]), so the page can be left and found again.

#[path = "../import/mod.rs"]
pub(crate) mod bulk;

use crate::i18n::{fill, plural, use_i18n, Lang, Texts};
use crate::ui::components::Page;
use crate::ui::groups::external::OpenToExternalSenders;
use crate::ui::groups::GroupInfo;
use crate::ui::session::{Session, SessionSlot};
use bulk::driver;
use bulk::state::{import_state, ImportState, Phase};
use guestlist_core::domain::csv_import::{
    read_pasted, ColumnMapping, Encoding, ExampleFile, MapTarget, RowIssue, Table,
};
use guestlist_core::domain::email::EmailAddress;
use guestlist_core::domain::group::ExternalSenders;
use guestlist_core::domain::person::PersonField;
use guestlist_core::domain::plan::{GroupWarning, OutcomeKind, Plan};
use guestlist_core::domain::report::{RowOutcome, RunReport};
use guestlist_core::run::RunState;
use guestlist_core::tenant::{Group, GroupFilter};
use leptos::prelude::*;

/// Rows of a list shown at once; the downloads hold everything.
const SHOWN: usize = 200;

fn session_fn() -> impl Fn() -> Option<Session> + Copy + 'static {
    let slot = use_context::<SessionSlot>();
    move || slot.and_then(|s| s.0.get())
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let st = import_state();
    let has_run = {
        let run = st.run.clone();
        Memo::new(move |_| run.with(|r| r.is_some()))
    };
    let st2 = st.clone();
    view! {
        <Page title=|t| t.import.title>
            <p class="lead">{move || i18n.t().import.intro}</p>
            {move || {
                let st = st2.clone();
                if has_run.get() {
                    view! { <RunSection st/> }.into_any()
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
                <PlanStep st/>
            })
        }}
    }
}

fn encoding_name(e: Encoding) -> &'static str {
    match e {
        Encoding::Utf8 => "UTF-8",
        Encoding::Utf8Bom => "UTF-8 (BOM)",
        Encoding::Utf16Le => "UTF-16 LE",
        Encoding::Utf16Be => "UTF-16 BE",
        Encoding::Windows1252 => "Windows-1252",
    }
}

/// The mapping for a table without a recognised header: the first column holding an address.
fn initial_mapping(table: &Table) -> ColumnMapping {
    if table.has_header {
        ColumnMapping::recognise(&table.headers)
    } else {
        ColumnMapping {
            email: table
                .rows
                .first()
                .and_then(|r| r.fields.iter().position(|f| EmailAddress::parse(f).is_ok())),
            ..Default::default()
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn read_file(ev: leptos::ev::Event, st: ImportState) {
    use wasm_bindgen::JsCast;
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    leptos::task::spawn_local(async move {
        let name = file.name();
        match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
            Ok(buf) => {
                let bytes = js_sys::Uint8Array::new(&buf).to_vec();
                match guestlist_core::domain::csv_import::import(&bytes) {
                    Ok(imp) => st.set_table(name, imp.table, imp.mapping),
                    Err(e) => st.load_error.set(Some(e.to_string())),
                }
            }
            Err(e) => st.load_error.set(Some(format!("{e:?}"))),
        }
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn read_file(_ev: leptos::ev::Event, _st: ImportState) {}

#[component]
fn FileStep(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    let paste = NodeRef::<leptos::html::Textarea>::new();
    let on_file = {
        let st = st.clone();
        move |ev: leptos::ev::Event| read_file(ev, st.clone())
    };
    let on_paste = {
        let st = st.clone();
        move |_| {
            let text = paste.get().map(|t| t.value()).unwrap_or_default();
            match read_pasted(&text) {
                Ok(table) => {
                    let mapping = initial_mapping(&table);
                    st.set_table(i18n.t().import.pasted.to_owned(), table, mapping);
                }
                Err(e) => st.load_error.set(Some(e.to_string())),
            }
        }
    };
    let loaded = st.loaded.clone();
    let error = st.load_error.clone();
    // In the page's language: Dutch headers and semicolons, as Dutch Excel writes them.
    let download_example = {
        let error = error.clone();
        move |_| {
            let example = match i18n.lang() {
                Lang::En => ExampleFile::English,
                Lang::Nl => ExampleFile::Dutch,
            };
            let text = example.text();
            if let Err(e) =
                crate::ui::groups::download(example.file_name(), "text/csv;charset=utf-8", &text)
            {
                error.set(Some(e));
            }
        }
    };
    view! {
        <section class="card import-step" aria-labelledby="imp-file-h">
            <h2 id="imp-file-h">{move || i18n.t().import.file_heading}</h2>
            <div class="import-inputs">
                <div class="field">
                    <label for="imp-file">{move || i18n.t().import.file_label}</label>
                    <input id="imp-file" type="file" accept=".csv,.txt,text/csv" on:change=on_file/>
                </div>
                <div class="field">
                    <label for="imp-paste">{move || i18n.t().import.paste_label}</label>
                    <textarea id="imp-paste" rows="4" node_ref=paste spellcheck="false"></textarea>
                    <button type="button" class="button" on:click=on_paste>
                        {move || i18n.t().import.paste_button}
                    </button>
                </div>
            </div>
            <p class="import-example">
                <button type="button" class="button" on:click=download_example>
                    {move || i18n.t().import.example_download}
                </button>
                " "
                <span class="hint">{move || i18n.t().import.example_hint}</span>
            </p>
            {move || error.get().map(|e| view! { <p class="import-error" role="alert">{e}</p> })}
            {move || loaded.with(|l| l.as_ref().map(|l| {
                let t = i18n.t();
                let text = plural(&t.import.detected, l.table.rows.len() as u64, &[
                    ("name", &l.name),
                    ("encoding", encoding_name(l.table.encoding)),
                    ("delimiter", t.import.delimiter(l.table.delimiter)),
                ]);
                let no_header = (!l.table.has_header).then_some(t.import.no_header);
                view! {
                    <p class="import-detected" role="status">{text}</p>
                    {no_header.map(|h| view! { <p>{h}</p> })}
                }
            }))}
        </section>
    }
}

fn map_target_id(target: MapTarget) -> &'static str {
    match target {
        MapTarget::Email => "imp-map-email",
        MapTarget::DisplayName => "imp-map-display",
        MapTarget::FirstName => "imp-map-first",
        MapTarget::LastNamePrefix => "imp-map-prefix",
        MapTarget::LastName => "imp-map-last",
        MapTarget::Company => "imp-map-company",
    }
}

#[component]
fn MappingStep(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    let headers: Vec<String> = st
        .loaded
        .with_untracked(|l| l.as_ref().map(|l| l.table.headers.clone()))
        .unwrap_or_default();
    let fields = MapTarget::ALL
        .into_iter()
        .map(|target| {
            let mapping = st.mapping.clone();
            let st = st.clone();
            let options = headers
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    let mapping = mapping.clone();
                    view! {
                        <option
                            value=i.to_string()
                            selected=move || mapping.with(|m| m.get(target) == Some(i))
                        >
                            {h.clone()}
                        </option>
                    }
                })
                .collect_view();
            let none_mapping = mapping.clone();
            view! {
                <div class="field import-map-field">
                    <label for=map_target_id(target)>{move || i18n.t().map_target(target)}</label>
                    <select
                        id=map_target_id(target)
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            st.map(target, v.parse().ok());
                        }
                    >
                        <option value="" selected=move || none_mapping.with(|m| m.get(target).is_none())>
                            {move || i18n.t().import.map_none}
                        </option>
                        {options}
                    </select>
                </div>
            }
        })
        .collect_view();
    let validated = st.validated.clone();
    view! {
        <section class="card import-step" aria-labelledby="imp-map-h">
            <h2 id="imp-map-h">{move || i18n.t().import.map_heading}</h2>
            <p>{move || i18n.t().import.map_intro}</p>
            <div class="import-map">{fields}</div>
            {move || validated.with(|v| matches!(v, Some(Err(_)))).then(|| view! {
                <p class="import-error" role="alert">{move || i18n.t().import.map_need_email}</p>
            })}
        </section>
    }
}

#[component]
fn RowsStep(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    // "" = every field, else the PersonField's index.
    let filter = RwSignal::new(String::new());
    let validated = st.validated.clone();
    let summary = {
        let validated = validated.clone();
        move || {
            validated.with(|v| match v {
                Some(Ok(v)) => i18n
                    .t()
                    .import
                    .rows_summary(v.valid_count() as u64, v.invalid_count() as u64),
                _ => String::new(),
            })
        }
    };
    let list = move || {
        let t = i18n.t();
        let f = filter.get();
        validated.with(|v| {
            let Some(Ok(v)) = v else {
                return Vec::new();
            };
            let matching: Vec<&RowIssue> = v
                .issues()
                .filter(|i| {
                    f.is_empty()
                        || PersonField::ALL
                            .iter()
                            .position(|p| *p == i.error.field)
                            .is_some_and(|p| p.to_string() == f)
                })
                .collect();
            let total = matching.len();
            let mut items: Vec<AnyView> = matching
                .into_iter()
                .take(SHOWN)
                .map(|i| view! { <li>{t.row_issue(i)}</li> }.into_any())
                .collect();
            if total > SHOWN {
                items.push(
                    view! {
                        <li class="import-more">
                            {fill(t.import.shown_of, &[("shown", &SHOWN.to_string()), ("total", &total.to_string())])}
                        </li>
                    }
                    .into_any(),
                );
            }
            items
        })
    };
    view! {
        <section class="card import-step" aria-labelledby="imp-rows-h">
            <h2 id="imp-rows-h">{move || i18n.t().import.rows_heading}</h2>
            <p role="status">{summary}</p>
            <div class="field">
                <label for="imp-issue-filter">{move || i18n.t().import.filter_label}</label>
                <select id="imp-issue-filter" on:change=move |ev| filter.set(event_target_value(&ev))>
                    <option value="">{move || i18n.t().import.filter_all}</option>
                    {PersonField::ALL.iter().enumerate().map(|(n, f)| {
                        let f = *f;
                        view! { <option value=n.to_string()>{move || i18n.t().common.person_field(f)}</option> }
                    }).collect_view()}
                </select>
            </div>
            <ul class="import-issues" aria-label=move || i18n.t().import.issues_label>{list}</ul>
        </section>
    }
}

#[component]
fn GroupsStep(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    let session = session_fn();
    let query = RwSignal::new(String::new());
    let results: RwSignal<Option<Result<Vec<Group>, String>>> = RwSignal::new(None);
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(s) = session() else { return };
        let q = query.get_untracked();
        leptos::task::spawn_local(async move {
            let r = s
                .graph
                .search_groups(&q, GroupFilter::Any)
                .await
                .map(|p| p.items)
                .map_err(|e| e.to_string());
            // The page may be gone by now.
            results.try_set(Some(r));
        });
    };
    let chosen = st.groups.clone();
    let add_to = chosen.clone();
    let result_list = move || {
        let t = i18n.t();
        results.get().map(|r| match r {
            Err(e) => view! { <p class="import-error" role="alert">{e}</p> }.into_any(),
            Ok(groups) => view! {
                <ul class="import-group-results" aria-label=t.import.group_results>
                    {groups.into_iter().map(|g| {
                        let name = g.display_name.clone().unwrap_or_else(|| g.id.to_string());
                        let kind = t.groups.kind_or_unknown(g.kind().ok());
                        let mail = g.mail.clone().unwrap_or_default();
                        let label = fill(t.import.group_add, &[("name", &name)]);
                        let add_to = add_to.clone();
                        view! {
                            <li>
                                <span class="import-group-name">{name}</span>
                                " " <span class="badge">{kind}</span>
                                " " <span class="import-group-mail">{mail}</span>
                                " "
                                <button type="button" class="button" aria-label=label on:click=move |_| {
                                    let g = g.clone();
                                    add_to.update(|v| if !v.iter().any(|x| x.id == g.id) { v.push(g) });
                                }>{t.import.add}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any(),
        })
    };
    let chosen_list = move || {
        let t = i18n.t();
        let groups = chosen.get();
        if groups.is_empty() {
            return view! { <p>{t.import.groups_none}</p> }.into_any();
        }
        let remove_from = chosen.clone();
        view! {
            <ul class="import-chosen" aria-label=t.import.groups_chosen>
                {groups.into_iter().map(|g| {
                    let name = g.display_name.clone().unwrap_or_else(|| g.id.to_string());
                    let label = fill(t.import.group_remove, &[("name", &name)]);
                    let remove_from = remove_from.clone();
                    let id = g.id.clone();
                    view! {
                        <li>
                            <span>{name}</span> " " <span class="badge">{t.groups.kind_or_unknown(g.kind().ok())}</span> " "
                            <button type="button" class="button" aria-label=label on:click=move |_| {
                                remove_from.update(|v| v.retain(|x| x.id != id));
                            }>{t.import.remove}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }.into_any()
    };
    view! {
        <section class="card import-step" aria-labelledby="imp-groups-h">
            <h2 id="imp-groups-h">{move || i18n.t().import.groups_heading}</h2>
            {move || session().is_none().then(|| view! { <p>{i18n.t().import.sign_in_first}</p> })}
            <form class="import-group-search" role="search" on:submit=search>
                <label for="imp-group-q">{move || i18n.t().import.group_search}</label>
                <input id="imp-group-q" type="search" prop:value=query on:input=move |ev| query.set(event_target_value(&ev))/>
                <button type="submit" class="button">{move || i18n.t().import.group_search_button}</button>
            </form>
            {result_list}
            <h3>{move || i18n.t().import.groups_chosen}</h3>
            {chosen_list}
        </section>
    }
}

const OUTCOMES: [OutcomeKind; 9] = [
    OutcomeKind::CreateContact,
    OutcomeKind::ReuseContact,
    OutcomeKind::InviteGuest,
    OutcomeKind::ReuseGuest,
    OutcomeKind::ReuseUser,
    OutcomeKind::AlreadyMember,
    OutcomeKind::Invalid,
    OutcomeKind::Duplicate,
    OutcomeKind::NotPossible,
];

fn warning_view(
    t: &'static Texts,
    plan: &Plan,
    w: &GroupWarning,
    st: &ImportState,
    session: Option<Session>,
) -> AnyView {
    let group = |i: usize| {
        plan.groups
            .get(i)
            .map(|g| g.name.clone())
            .unwrap_or_default()
    };
    match w {
        GroupWarning::RejectsExternalSenders { group: g, fix }
            if plan.op(*fix).is_some_and(|o| o.op.opens_microsoft_365_group()) =>
        {
            // Needs Group.ReadWrite.All by consent, which only a click can ask (a popup): a
            // button here, not a step of the run.
            let name = group(*g);
            let fix_view = match (session, plan.groups.get(*g)) {
                (Some(session), Some(target)) => {
                    let info = GroupInfo {
                        target: target.clone(),
                        description: None,
                        recipient_filter: None,
                    };
                    let label = fill(t.import.warn_open_now, &[("group", &name)]);
                    Some(view! {
                        <OpenToExternalSenders
                            session
                            info
                            status=RwSignal::new(ExternalSenders::Rejected)
                            label=Signal::stored(label)
                        />
                    })
                }
                _ => None,
            };
            view! {
                <li class="import-warning">
                    <p>{fill(t.import.warn_rejects, &[("group", &name)])}</p>
                    {fix_view}
                </li>
            }
            .into_any()
        }
        GroupWarning::RejectsExternalSenders { group: g, fix } => {
            let name = group(*g);
            let fix = *fix;
            let declined = st.declined.clone();
            let declined_read = declined.clone();
            let id = format!("imp-fix-{}", fix.0);
            view! {
                <li class="import-warning">
                    <p>{fill(t.import.warn_rejects, &[("group", &name)])}</p>
                    <input type="checkbox" id=id.clone()
                        prop:checked=move || declined_read.with(|d| !d.contains(&fix))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            declined.update(|d| {
                                d.retain(|x| *x != fix);
                                if !on { d.push(fix) }
                            });
                        }/>
                    <label for=id>{fill(t.import.warn_fix, &[("group", &name)])}</label>
                </li>
            }
            .into_any()
        }
        GroupWarning::ExternalSendersUnknown { group: g } => {
            view! { <li class="import-warning">{fill(t.import.warn_unknown, &[("group", &group(*g))])}</li> }.into_any()
        }
        GroupWarning::DynamicGroup { group: g } => {
            view! { <li class="import-warning">{fill(t.import.warn_dynamic, &[("group", &group(*g))])}</li> }.into_any()
        }
        GroupWarning::OnPremisesSynced { group: g } => {
            view! { <li class="import-warning">{fill(t.import.warn_synced, &[("group", &group(*g))])}</li> }.into_any()
        }
        GroupWarning::GuestAddressHeldByContact { row, .. } => {
            view! { <li class="import-warning">{fill(t.import.warn_guest_contact, &[("line", &row.to_string())])}</li> }.into_any()
        }
    }
}

#[component]
fn PlanStep(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    let session = session_fn();
    let filter = RwSignal::new(String::new());
    let ready = {
        let (v, g) = (st.validated.clone(), st.groups.clone());
        move || {
            v.with(|v| matches!(v, Some(Ok(v)) if v.valid_count() > 0))
                && g.with(|g| !g.is_empty())
                && session().is_some_and(|s| s.mode().is_some())
        }
    };
    let prepare = {
        let st = st.clone();
        move |_| {
            if let Some(s) = session() {
                driver::prepare(st.clone(), s)
            }
        }
    };
    let planning = st.planning.clone();
    let planned = st.planned.clone();
    let st_view = st.clone();
    let preview = move || {
        let t = i18n.t();
        planned.with(|p| match p {
            None => ().into_any(),
            Some(Err(e)) => view! {
                <p class="import-error" role="alert">{fill(t.import.error, &[("detail", e)])}</p>
            }.into_any(),
            Some(Ok(p)) => {
                let plan = &p.plan;
                let totals = OUTCOMES.iter().filter(|k| plan.totals.count(**k) > 0).map(|k| view! {
                    <div><dt>{t.import.outcome(*k)}</dt><dd>{plan.totals.count(*k)}</dd></div>
                }).collect_view();
                let warnings = plan.warnings.iter().map(|w| warning_view(t, plan, w, &st_view, session())).collect_view();
                let st = st_view.clone();
                let start = move |_| {
                    if let Some(s) = session() {
                        driver::start(st.clone(), s)
                    }
                };
                let script_mode = session().is_some_and(|s| s.mode() == Some(crate::probe::Mode::Script));
                view! {
                    <p>{t.import.plan_intro}</p>
                    <dl class="import-totals" aria-label=t.import.totals_label>{totals}</dl>
                    {(!plan.warnings.is_empty()).then(|| view! {
                        <ul class="import-warnings" aria-label=t.import.warnings_label>{warnings}</ul>
                    })}
                    <div class="field">
                        <label for="imp-plan-filter">{t.import.filter_label}</label>
                        <select id="imp-plan-filter" on:change=move |ev| filter.set(event_target_value(&ev))>
                            <option value="">{t.import.filter_every_row}</option>
                            {OUTCOMES.iter().enumerate().map(|(n, k)| view! {
                                <option value=n.to_string()>{t.import.outcome(*k)}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <PlanTable plan=plan.clone() filter/>
                    <button type="button" class="button button--primary" on:click=start>
                        {if script_mode { t.import.start_script } else { t.import.start }}
                    </button>
                }.into_any()
            }
        })
    };
    view! {
        <section class="card import-step" aria-labelledby="imp-plan-h">
            <h2 id="imp-plan-h">{move || i18n.t().import.plan_heading}</h2>
            <button type="button" class="button" disabled=move || !ready() || planning.get() on:click=prepare>
                {move || i18n.t().import.plan_button}
            </button>
            {
                let planning = st.planning.clone();
                move || planning.get().then(|| view! { <p role="status" aria-busy="true">{i18n.t().import.planning}</p> })
            }
            {preview}
        </section>
    }
}

#[component]
fn PlanTable(plan: Plan, filter: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let t = i18n.t();
        let f = filter.get();
        let wanted: Option<OutcomeKind> = f
            .parse::<usize>()
            .ok()
            .and_then(|n| OUTCOMES.get(n).copied());
        let matching: Vec<_> = plan
            .entries
            .iter()
            .filter(|e| wanted.is_none_or(|k| e.outcome() == k))
            .collect();
        let total = matching.len();
        let rows = matching
            .into_iter()
            .take(SHOWN)
            .map(|e| {
                let group = plan
                    .groups
                    .get(e.group)
                    .map(|g| g.name.clone())
                    .unwrap_or_default();
                let why = e
                    .skip_reason()
                    .map(|r| t.skip_reason(r))
                    .unwrap_or_default();
                view! {
                    <tr>
                        <td>{e.row}</td>
                        <td>{e.address.as_ref().map(|a| a.to_string()).unwrap_or_default()}</td>
                        <td>{group}</td>
                        <td>{t.import.outcome(e.outcome())}</td>
                        <td>{why}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="import-table">
                <caption>{t.import.plan_caption}</caption>
                <thead><tr>
                    <th scope="col">{t.import.col_line}</th>
                    <th scope="col">{t.import.col_address}</th>
                    <th scope="col">{t.import.col_group}</th>
                    <th scope="col">{t.import.col_action}</th>
                    <th scope="col">{t.import.col_why}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {(total > SHOWN).then(|| view! {
                <p class="import-more">{fill(t.import.shown_of, &[("shown", &SHOWN.to_string()), ("total", &total.to_string())])}</p>
            })}
        }
    }
}

fn state_text(
    t: &Texts,
    phase: &Phase,
    progress: Option<&guestlist_core::run::Progress>,
) -> String {
    let progress_state = progress.map(|p| p.state);
    match phase {
        Phase::Interrupted => t.import.state_interrupted.to_owned(),
        Phase::Starting => t.import.state_starting.to_owned(),
        Phase::Error(e) => fill(t.import.error, &[("detail", e)]),
        Phase::Running | Phase::Ended(_) => {
            let s = match phase {
                Phase::Ended(s) => Some(*s),
                _ => progress_state,
            };
            // Operations already sent when the pause came still finish: until they have, the
            // run is pausing, not paused (nothing changes in the tenant once it says Paused).
            let under_way = progress.map_or(0, |p| p.in_flight);
            if matches!(phase, Phase::Running) && s == Some(RunState::Paused) && under_way > 0 {
                return plural(&t.import.state_pausing, under_way as u64, &[]);
            }
            match s {
                Some(RunState::Paused) => t.import.state_paused,
                Some(RunState::NeedsSignIn) => t.import.state_sign_in,
                Some(RunState::Cancelling) => t.import.state_cancelling,
                Some(RunState::Cancelled) => t.import.state_cancelled,
                Some(RunState::Finished) => t.import.state_finished,
                Some(RunState::Running) | None => t.import.state_running,
            }
            .to_owned()
        }
    }
}

fn fmt_duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

#[component]
fn RunSection(st: ImportState) -> impl IntoView {
    let i18n = use_i18n();
    let session = session_fn();
    let run = st.run.clone();
    let status = {
        let run = run.clone();
        move || {
            run.with(|r| {
                r.as_ref()
                    .map(|r| state_text(i18n.t(), &r.phase, r.progress.as_ref()))
            })
        }
    };
    let progress = {
        let run = run.clone();
        move || {
            let t = i18n.t();
            run.with(|r| {
                let p = r.as_ref()?.progress.clone()?;
                let settled = p.done + p.failed + p.pending_script;
                let label = plural(
                    &t.import.progress,
                    p.total as u64,
                    &[("done", &settled.to_string())],
                );
                let rate = match (p.rate_per_sec, p.eta) {
                    (Some(rate), Some(eta)) if p.remaining() > 0 => fill(
                        t.import.rate,
                        &[("rate", &format!("{rate:.1}")), ("eta", &fmt_duration(eta))],
                    ),
                    _ => String::new(),
                };
                let failed = (p.failed > 0)
                    .then(|| fill(t.import.failed_count, &[("failed", &p.failed.to_string())]));
                Some(view! {
                    <div class="import-progress">
                        // A native <progress>: its value needs no inline style, which the
                        // Content-Security-Policy (style-src 'self') would refuse.
                        <progress
                            class="import-bar"
                            aria-label=t.import.progress_label
                            max=p.total.to_string()
                            value=settled.to_string()
                            aria-valuetext=label.clone()
                        ></progress>
                        <p class="import-progress-text">{label} " " {rate} " " {failed}</p>
                    </div>
                })
            })
        }
    };
    let controls = {
        let run = run.clone();
        let st = st.clone();
        move || {
            let t = i18n.t();
            let (phase, pstate) = run.with(|r| {
                r.as_ref()
                    .map(|r| (r.phase.clone(), r.progress.as_ref().map(|p| p.state)))
                    .unwrap_or((Phase::Interrupted, None))
            });
            let st = st.clone();
            match phase {
                Phase::Interrupted | Phase::Ended(RunState::Cancelled) => {
                    let st2 = st.clone();
                    view! {
                        <button type="button" class="button button--primary" on:click=move |_| {
                            if let Some(s) = session() { driver::resume(st.clone(), s) }
                        }>{t.import.resume_run}</button>
                        <button type="button" class="button" on:click=move |_| driver::new_import(st2.clone())>
                            {t.import.new_import}
                        </button>
                    }.into_any()
                }
                Phase::Running => {
                    let paused = matches!(pstate, Some(RunState::Paused | RunState::NeedsSignIn));
                    view! {
                        {if paused {
                            view! { <button type="button" class="button" on:click=move |_| {
                                if let Some(c) = bulk::state::control() { c.resume() }
                            }>{t.import.resume}</button> }.into_any()
                        } else {
                            view! { <button type="button" class="button" on:click=move |_| {
                                if let Some(c) = bulk::state::control() { c.pause() }
                            }>{t.import.pause}</button> }.into_any()
                        }}
                        <button type="button" class="button" on:click=move |_| {
                            if let Some(c) = bulk::state::control() { c.cancel() }
                        }>{t.import.cancel}</button>
                    }
                    .into_any()
                }
                Phase::Ended(_) | Phase::Error(_) => {
                    let st2 = st.clone();
                    let failed = run.with(|r| {
                        r.as_ref()
                            .and_then(|r| r.report.as_ref())
                            .is_some_and(|rep| rep.totals.failed > 0)
                    });
                    view! {
                        {failed.then(|| view! {
                            <button type="button" class="button button--primary" on:click=move |_| {
                                if let Some(s) = session() { driver::retry_failed(st.clone(), s) }
                            }>{t.import.retry_failed}</button>
                        })}
                        <button type="button" class="button" on:click=move |_| driver::new_import(st2.clone())>
                            {t.import.new_import}
                        </button>
                    }.into_any()
                }
                Phase::Starting => ().into_any(),
            }
        }
    };
    let report = {
        let run = run.clone();
        move || {
            run.with(|r| {
                let r = r.as_ref()?;
                let report = r.report.clone()?;
                Some(view! { <ReportView report info=r.saved.clone() journal=r.journal.clone()/> })
            })
        }
    };
    let script = {
        let run = run.clone();
        let st = st.clone();
        move || {
            let t = i18n.t();
            run.with(|r| {
                let r = r.as_ref()?;
                let script = r.script.clone()?;
                let verify = r.verify.clone();
                let st = st.clone();
                Some(view! {
                    <section class="card import-step" aria-labelledby="imp-script-h">
                        <h2 id="imp-script-h">{t.import.script_heading}</h2>
                        <p>{t.import.script_intro}</p>
                        {match script {
                            Ok(text) => {
                                let dl = text.clone();
                                view! {
                                    <label for="imp-script">{t.import.script_label}</label>
                                    <textarea id="imp-script" class="import-script" readonly rows="12" prop:value=text></textarea>
                                    <button type="button" class="button" on:click=move |_| {
                                        let _ = crate::ui::groups::download("guestlist-import.ps1", "text/plain", &dl);
                                    }>{t.import.script_download}</button>
                                }.into_any()
                            }
                            Err(e) => view! { <p class="import-error">{e}</p> }.into_any(),
                        }}
                        <button type="button" class="button button--primary" on:click=move |_| {
                            if let Some(s) = session() { driver::verify(st.clone(), s) }
                        }>{t.import.verify}</button>
                        {verify.map(|v| match v {
                            Ok(c) => view! { <p role="status">{t.import.verify_result(c.done as u64, c.missing as u64)}</p> }.into_any(),
                            Err(e) => view! { <p class="import-error" role="alert">{fill(t.import.error, &[("detail", &e)])}</p> }.into_any(),
                        })}
                    </section>
                })
            })
        }
    };
    view! {
        <section class="card import-step" aria-labelledby="imp-run-h">
            <h2 id="imp-run-h">{move || i18n.t().import.run_heading}</h2>
            <p class="import-run-state" role="status">{status}</p>
            {progress}
            <div class="import-actions">{controls}</div>
        </section>
        {script}
        {report}
    }
}

#[component]
fn ReportView(
    report: RunReport,
    info: bulk::state::SavedRun,
    journal: guestlist_core::domain::journal::Journal,
) -> impl IntoView {
    let i18n = use_i18n();
    let filter = RwSignal::new(String::new());
    let totals = report.totals.clone();
    let csv = {
        let report = report.clone();
        move |_| {
            let text = guestlist_core::domain::report::report_csv(&report, Default::default());
            let _ = crate::ui::groups::download("guestlist-import-report.csv", "text/csv", &text);
        }
    };
    let json = move |_| {
        let meta = guestlist_core::domain::report::AuditMeta {
            run_id: info.id.clone(),
            signed_in_as: info.signed_in_as.clone(),
            tenant_id: info.tenant_id.clone(),
            started_at: info.started_at.clone(),
            finished_at: None,
            mode: if info.direct { "direct" } else { "script" }.into(),
        };
        let audit = guestlist_core::domain::report::audit_file(meta, &info.plan, &journal);
        match serde_json::to_string_pretty(&audit) {
            Ok(text) => {
                let _ = crate::ui::groups::download(
                    "guestlist-import-audit.json",
                    "application/json",
                    &text,
                );
            }
            Err(e) => leptos::logging::error!("audit file: {e}"),
        }
    };
    let rows = move || {
        let t = i18n.t();
        let f = filter.get();
        let matching: Vec<_> = report
            .rows
            .iter()
            .filter(|r| f.is_empty() || r.outcome.status() == f)
            .collect();
        let total = matching.len();
        let body = matching
            .into_iter()
            .take(SHOWN)
            .map(|r| {
                let (why, request) = match &r.outcome {
                    RowOutcome::Skipped(reason) => (t.skip_reason(reason), String::new()),
                    RowOutcome::Failed(f) => {
                        (t.failure(f), f.request_id.clone().unwrap_or_default())
                    }
                    _ => (String::new(), String::new()),
                };
                view! {
                    <tr class=format!("import-row--{}", r.outcome.status())>
                        <td>{r.row}</td>
                        <td>{r.address.clone().unwrap_or_default()}</td>
                        <td>{r.group_name.clone()}</td>
                        <td>{t.import.row_status(&r.outcome)}</td>
                        <td>{why}</td>
                        <td>{request}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="import-table">
                <caption>{t.import.report_caption}</caption>
                <thead><tr>
                    <th scope="col">{t.import.col_line}</th>
                    <th scope="col">{t.import.col_address}</th>
                    <th scope="col">{t.import.col_group}</th>
                    <th scope="col">{t.import.col_status}</th>
                    <th scope="col">{t.import.col_why}</th>
                    <th scope="col">{t.import.col_request}</th>
                </tr></thead>
                <tbody>{body}</tbody>
            </table>
            {(total > SHOWN).then(|| view! {
                <p class="import-more">{fill(t.import.shown_of, &[("shown", &SHOWN.to_string()), ("total", &total.to_string())])}</p>
            })}
        }
    };
    view! {
        <section class="card import-step" aria-labelledby="imp-report-h">
            <h2 id="imp-report-h">{move || i18n.t().import.report_heading}</h2>
            <p class="import-report-totals" role="status">{move || fill(i18n.t().import.report_totals, &[
                ("done", &totals.done.to_string()),
                ("skipped", &totals.skipped.to_string()),
                ("failed", &totals.failed.to_string()),
                ("pending", &totals.pending.to_string()),
            ])}</p>
            <div class="import-actions">
                <button type="button" class="button" on:click=csv>{move || i18n.t().import.download_csv}</button>
                <button type="button" class="button" on:click=json>{move || i18n.t().import.download_json}</button>
            </div>
            <div class="field">
                <label for="imp-report-filter">{move || i18n.t().import.filter_label}</label>
                <select id="imp-report-filter" on:change=move |ev| filter.set(event_target_value(&ev))>
                    <option value="">{move || i18n.t().import.filter_every_row}</option>
                    <option value="done">{move || i18n.t().import.status_done}</option>
                    <option value="skipped">{move || i18n.t().import.status_skipped}</option>
                    <option value="failed">{move || i18n.t().import.status_failed}</option>
                    <option value="pending">{move || i18n.t().import.status_pending}</option>
                </select>
            </div>
            {rows}
        </section>
    }
}

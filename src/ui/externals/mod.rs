//! The External people page: every mail contact and guest of the tenant in one register (the
//! core's `domain::register`), with the groups each is in, filters, search as you type, a
//! virtualized list, CSV export, and offboarding the chosen people through the change engine
//! ([`offboard`]). Each row's name opens the person's own page ([`person`]), where every change
//! for one person is made ([`change`]). Partners also get every chosen customer's externals in
//! one list with the same filters ([`filters`], [`tenants`]), and offboard people of several
//! customers at once, each in their own tenant ([`offboard_tenants`]).
//!
//! The register is read in two halves (`GraphClient::register_people`, then
//! `register_memberships`): the first rows show as soon as the people are in, the groups when
//! the memberships arrive; in direct mode Exchange then adds contacts' creation dates and
//! end dates (`Get-MailContact`).

mod change;
mod filters;
mod offboard;
mod offboard_run;
mod offboard_tenants;
mod person;
mod tenants;

use crate::config::{Config, DEFAULT_ACCESS_UNTIL_ATTRIBUTE};
use crate::i18n::{fill, plural, use_i18n, Texts};
use crate::platform::BrowserClock;
use crate::ui::components::Page;
use crate::ui::groups::virtual_list::{Scroll, VirtualRows, Window};
use crate::ui::groups::{download, explain, tx, FailureView};
use crate::ui::pages::groups::SignInFirst;
use crate::ui::router::A;
use crate::ui::session::{use_session, Session};
use guestlist_core::domain::csv_export::ExportOptions;
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::domain::register::{
    AccessUntil, Day, ExternalKind, Filter, InvitationState, Person, Register, Sort,
};
use guestlist_core::run::Clock;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeSet;

pub use change::{
    consent_to_people, run_now_for_people, writes_users, Change, ChangePanel, ConsentNeeded,
    PeopleRun,
};
use filters::RegisterFilters;
pub use offboard::OffboardPanel;
pub use person::PersonPage;

/// Row height in pixels; style/groups.css gives `.register-row` the same height.
pub const ROW_PX: f64 = 52.0;
/// Rows rendered above and below the visible ones.
pub const OVERSCAN: usize = 10;
/// The list's height before it has been measured (the CSS height of `.member-viewport`).
const DEFAULT_VIEWPORT_PX: f64 = 528.0;

/// Where reading the register stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    /// Reading contacts and guests: no rows yet.
    People,
    /// The people are in; groups and their members are being read.
    Groups,
    Done,
    Failed(Failure),
}

impl Load {
    /// Whether the groups are in (filters on groups, offboarding).
    pub fn groups_read(&self) -> bool {
        matches!(self, Load::Done)
    }
}

/// Today (UTC), for "access ended".
pub fn today() -> Day {
    let iso = guestlist_core::activity::iso_time(BrowserClock.now_ms());
    Day::parse(&iso).unwrap_or(Day {
        year: 1970,
        month: 1,
        day: 1,
    })
}

/// The attribute number `config.json` names for "access until" (its default without a config).
pub fn access_attribute() -> u8 {
    use_context::<Config>().map_or(DEFAULT_ACCESS_UNTIL_ATTRIBUTE, |c| c.access_until_attribute)
}

/// Reads the register into `register`: the people first, then the groups, then (direct mode)
/// Exchange's details of the contacts. Stops quietly when the page that asked is gone.
pub async fn load_register(
    session: Session,
    attribute: u8,
    register: RwSignal<Register>,
    load: RwSignal<Load>,
) {
    if load.try_set(Load::People).is_some() {
        return;
    }
    let mut reads = match session.graph.register_people().await {
        Ok(r) => r,
        Err(e) => {
            load.try_set(Load::Failed(explain(Service::Graph, &e)));
            return;
        }
    };
    if register
        .try_set(Register::build(reads.source(attribute)))
        .is_some()
    {
        return;
    }
    load.try_set(Load::Groups);
    if let Err(e) = session.graph.register_memberships(&mut reads).await {
        load.try_set(Load::Failed(explain(Service::Graph, &e)));
        return;
    }
    let mut source = reads.source(attribute);
    if session.is_direct() {
        // Contacts' creation dates and custom attributes are Exchange's; without them a
        // contact's end date stays "not readable", which the row says.
        if let Ok(details) = session.exchange.mail_contact_details().await {
            source.add_exchange_contacts(&details, attribute);
        }
    }
    if register.try_set(Register::build(source)).is_some() {
        return;
    }
    load.try_set(Load::Done);
}

/// Route `/externals`.
#[component]
pub fn ExternalsPage() -> impl IntoView {
    view! {
        <Page title=|t| t.externals().title>
            <p class="lead">{tx(|t| t.externals().intro)}</p>
            {move || match use_session() {
                Some(session) => view! { <Externals session/> }.into_any(),
                None => view! { <SignInFirst/> }.into_any(),
            }}
        </Page>
    }
}

/// The register read through `session`, its list and the offboarding panel.
#[component]
fn Externals(session: Session) -> impl IntoView {
    let register = RwSignal::new(Register::default());
    let load = RwSignal::new(Load::People);
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let attribute = access_attribute();
    let reload = {
        let session = session.clone();
        move || {
            let session = session.clone();
            spawn_local(load_register(session, attribute, register, load));
        }
    };
    reload();
    // Read before the mode probe answered: once it says direct mode, read again, so that the
    // contacts' end dates (Exchange's) are filled in rather than left unknown.
    {
        let session = session.clone();
        let reload = reload.clone();
        let was_known = StoredValue::new(session.mode().is_some());
        Effect::new(move |_| {
            let direct = session.mode() == Some(crate::probe::Mode::Direct);
            if !was_known.get_value() && session.mode().is_some() {
                was_known.set_value(true);
                if direct {
                    reload();
                }
            }
        });
    }
    view! {
        <tenants::AllCustomers session=session.clone()/>
        <RegisterList register load selected today=today()/>
        <OffboardPanel session register load selected on_finished=move || {
            selected.set(BTreeSet::new());
            reload();
        }/>
    }
}

fn kind_word(t: &Texts, k: ExternalKind) -> &'static str {
    match k {
        ExternalKind::Contact => t.externals().contact,
        ExternalKind::Guest => t.externals().guest,
    }
}

fn state_word(t: &Texts, s: InvitationState) -> &'static str {
    match s {
        InvitationState::PendingAcceptance => t.externals().pending,
        InvitationState::Accepted => t.externals().accepted,
    }
}

/// A row's kind and, for a guest, the invitation state and since when.
pub fn kind_text(t: &Texts, p: &Person) -> String {
    let kind = kind_word(t, p.kind);
    match (p.invitation, p.invitation_since) {
        (Some(s), Some(d)) => format!(
            "{kind} · {}",
            fill(
                t.externals().state_since,
                &[("state", state_word(t, s)), ("date", &d.to_string())]
            )
        ),
        (Some(s), None) => format!("{kind} · {}", state_word(t, s)),
        _ => kind.to_owned(),
    }
}

/// A row's groups: how many and their names; "not read yet" while memberships are read.
pub fn groups_text(t: &Texts, register: &Register, p: &Person, groups_read: bool) -> String {
    if !groups_read {
        return t.externals().groups_not_read.to_owned();
    }
    if p.groups.is_empty() {
        return t.externals().no_group.to_owned();
    }
    let names: Vec<&str> = p
        .groups
        .iter()
        .filter_map(|&g| register.groups.get(g as usize).map(|g| g.name.as_str()))
        .collect();
    let count = plural(
        &t.externals().group_count,
        t.count(p.groups.len() as u64),
        &[],
    );
    format!("{count}: {}", names.join(", "))
}

/// A row's end date, or why there is none to show. `mode_known`: the mode probe has answered
/// (before that, a contact's date that Graph can't show may yet be read from Exchange: it is
/// said to be unknown, not unreadable).
pub fn until_text(t: &Texts, p: &Person, today: Day, mode_known: bool) -> String {
    match &p.access_until {
        AccessUntil::None => String::new(),
        AccessUntil::Until(d) if *d < today => {
            fill(t.externals().ended, &[("date", &d.to_string())])
        }
        AccessUntil::Until(d) => fill(t.externals().until, &[("date", &d.to_string())]),
        AccessUntil::Unreadable(v) => fill(t.externals().until_unreadable, &[("value", v)]),
        AccessUntil::NotAvailable if !mode_known => t.externals().until_mode_unknown.to_owned(),
        AccessUntil::NotAvailable => t.externals().until_not_available.to_owned(),
    }
}

/// The addresses in pasted text: every piece holding an `@`, split at line breaks, commas,
/// semicolons, tabs and spaces, quotes and angle brackets taken off ("Name <a@b.c>" pastes).
pub fn addresses_in(text: &str) -> Vec<String> {
    text.split(['\n', '\r', ',', ';', '\t', ' '])
        .map(|p| p.trim_matches(|c: char| c == '"' || c == '\'' || c == '<' || c == '>'))
        .filter(|p| p.contains('@'))
        .map(str::to_owned)
        .collect()
}

/// "12 external people." or, filtered, "3 of 12 external people shown." (counts as written).
pub fn count_words(t: &Texts, total: usize, shown: usize, filtered: bool) -> String {
    let (total, shown) = (t.count(total as u64), t.count(shown as u64));
    if filtered {
        plural(
            &t.externals().count_filtered,
            total,
            &[("shown", shown.as_str())],
        )
    } else {
        plural(&t.externals().count_all, total, &[])
    }
}

/// The register's filters, count, selection and virtualized list.
#[component]
pub fn RegisterList(
    register: RwSignal<Register>,
    load: RwSignal<Load>,
    /// The chosen people's ids.
    selected: RwSignal<BTreeSet<String>>,
    today: Day,
) -> impl IntoView {
    let i18n = use_i18n();
    let filter = RwSignal::new(Filter::default());
    let scroll = Scroll::new(DEFAULT_VIEWPORT_PX);
    // Without a session (tests mounting the list alone) there is no probe to wait for.
    let session = use_session();
    let mode_known = Signal::derive(move || session.as_ref().is_none_or(|s| s.mode().is_some()));
    let notice = RwSignal::new(None::<String>);
    // Row indices the filter keeps, by name.
    let visible =
        Memo::new(move |_| filter.with(|f| register.with(|r| r.select(f, Sort::default()))));
    let groups_read = Memo::new(move |_| load.with(Load::groups_read));
    let count_text = move || {
        let t = i18n.t();
        let total = register.with(|r| r.people.len());
        let shown = visible.with(Vec::len);
        let filtered = filter.with(|f| *f != Filter::default());
        let mut text = count_words(t, total, shown, filtered);
        let n = selected.with(BTreeSet::len) as u64;
        if n > 0 {
            text = format!(
                "{text} {}",
                plural(&t.externals().selected, t.count(n), &[])
            );
        }
        match load.get() {
            Load::People => format!("{text} {}", t.externals().reading_people),
            Load::Groups => format!("{text} {}", t.externals().reading_groups),
            _ => text,
        }
    };
    let export = move |_| {
        let csv = visible.with(|rows| register.with(|r| r.to_csv(rows, ExportOptions::default())));
        if let Err(e) = download(
            "guestlist-external-people.csv",
            "text/csv;charset=utf-8",
            &csv,
        ) {
            notice.set(Some(e));
        }
    };
    let select_shown = move |_| {
        let ids: Vec<String> = visible.with(|rows| {
            register.with(|r| {
                rows.iter()
                    .map(|&i| r.people[i as usize].id.clone())
                    .collect()
            })
        });
        selected.update(|s| s.extend(ids));
    };
    let select_domain = move |_| {
        let Some(domain) = filter.with(|f| f.domain.clone()) else {
            return;
        };
        let only = Filter {
            domain: Some(domain),
            ..Filter::default()
        };
        let ids: Vec<String> = register.with(|r| {
            r.filter(&only)
                .into_iter()
                .map(|i| r.people[i as usize].id.clone())
                .collect()
        });
        selected.update(|s| s.extend(ids));
    };
    let pasted = RwSignal::new(String::new());
    // Chooses the people with these addresses, and says who isn't in the register.
    let select_addresses = move |addresses: Vec<String>| {
        let (ids, missing): (Vec<String>, Vec<String>) = register.with_untracked(|r| {
            let (rows, missing) = r.find_addresses(&addresses);
            (
                rows.into_iter()
                    .map(|i| r.people[i as usize].id.clone())
                    .collect(),
                missing.into_iter().map(str::to_owned).collect(),
            )
        });
        let found = ids.len() as u64;
        selected.update(|s| s.extend(ids));
        let t = untrack(|| i18n.t());
        let mut text = plural(&t.externals().by_list_found, t.count(found), &[]);
        if !missing.is_empty() {
            let list = missing.join(", ");
            text = format!(
                "{text} {}",
                fill(t.externals().by_list_missing, &[("addresses", &list)])
            );
        }
        notice.set(Some(text));
    };
    let select_list = move |_| select_addresses(addresses_in(&pasted.get_untracked()));
    // A CSV of addresses, read as the import reads a file: its e-mail column.
    let select_file = move |ev: leptos::ev::Event| {
        #[cfg(target_arch = "wasm32")]
        if let Some((name, bytes)) = crate::ui::browser::chosen_file(&ev) {
            spawn_local(async move {
                use crate::ui::import::state::LoadProblem;
                let read = bytes.await.map_err(LoadProblem::Browser).and_then(|b| {
                    guestlist_core::domain::csv_import::addresses(&b).map_err(LoadProblem::File)
                });
                let t = untrack(|| i18n.t());
                let problem = match read {
                    Ok(Some(addresses)) => return select_addresses(addresses),
                    Ok(None) => fill(t.externals().by_file_no_column, &[("file", &name)]),
                    Err(p) => t.import().load_problem(&p),
                };
                notice.try_set(Some(problem));
            });
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = ev;
    };
    view! {
        <section class="card register">
            <RegisterFilters filter register=Signal::from(register) groups_read=Signal::from(groups_read) today prefix="register"
                on_change=Callback::new(move |_| scroll.to_top())/>
            <p class="members-count" role="status">{count_text}</p>
            {move || match load.get() {
                Load::Failed(f) => Some(view! { <FailureView failure=f/> }),
                _ => None,
            }}
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <div class="actions">
                <button type="button" class="button" on:click=select_shown>{tx(|t| t.externals().select_shown)}</button>
                {move || filter.with(|f| f.domain.clone()).map(|domain| view! {
                    <button type="button" class="button" on:click=select_domain>
                        {move || fill(i18n.t().externals().select_domain, &[("domain", &domain)])}
                    </button>
                })}
                <button type="button" class="button" on:click=move |_| selected.set(BTreeSet::new())
                    disabled=move || selected.with(BTreeSet::is_empty)>
                    {tx(|t| t.externals().clear_selection)}
                </button>
                <button type="button" class="button" on:click=export>{tx(|t| t.groups().export_csv)}</button>
            </div>
            <details class="register-by-list">
                <summary>{tx(|t| t.externals().by_list)}</summary>
                <div class="field">
                    <label for="register-addresses">{tx(|t| t.externals().by_list_label)}</label>
                    <textarea id="register-addresses" rows="4"
                        on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
                </div>
                <button type="button" class="button" on:click=select_list>{tx(|t| t.externals().by_list_button)}</button>
                <div class="field">
                    <label for="register-file">{tx(|t| t.externals().by_file_label)}</label>
                    <input id="register-file" type="file" accept=".csv,.txt,text/csv,text/plain" on:change=select_file/>
                </div>
            </details>
            <VirtualRows scroll len=Signal::derive(move || visible.with(Vec::len)) row_px=ROW_PX overscan=OVERSCAN
                label=|t| t.externals().list_label class="register-viewport"
                rows=move |w: Window, total: usize| {
                    let read = groups_read.get();
                    let t = i18n.t();
                    let rows: Vec<(usize, Person, String)> = visible.with(|v| {
                        register.with(|r| {
                            v[w.start..w.end.min(v.len())]
                                .iter()
                                .enumerate()
                                .map(|(k, &i)| {
                                    let p = r.people[i as usize].clone();
                                    let groups = groups_text(t, r, &p, read);
                                    (w.start + k, p, groups)
                                })
                                .collect()
                        })
                    });
                    rows.into_iter().map(|(pos, p, groups)| {
                        let id = p.id.clone();
                        let checked = {
                            let id = id.clone();
                            move || selected.with(|s| s.contains(&id))
                        };
                        let toggle = move |ev| {
                            let on = event_target_checked(&ev);
                            selected.update(|s| {
                                if on {
                                    s.insert(id.clone());
                                } else {
                                    s.remove(&id);
                                }
                            });
                        };
                        let name = if p.name.is_empty() { p.address.clone() } else { p.name.clone() };
                        let select_label = {
                            let name = name.clone();
                            move || fill(i18n.t().externals().select_row, &[("name", &name)])
                        };
                        let kind = {
                            let p = p.clone();
                            move || kind_text(i18n.t(), &p)
                        };
                        let until = {
                            let p = p.clone();
                            move || until_text(i18n.t(), &p, today, mode_known.get())
                        };
                        let ended = p.access_ended(today);
                        view! {
                            <li class="member-row register-row" class:register-row--ended=ended
                                aria-setsize=total aria-posinset=pos + 1>
                                <input type="checkbox" prop:checked=checked on:change=toggle aria-label=select_label/>
                                <span class="register-who">
                                    <A href=person::person_href(&p) attr:class="member-name">{name}</A>
                                    <span class="member-mail">{p.address.clone()}</span>
                                </span>
                                <span class="member-mail register-company">{p.company.clone().unwrap_or_default()}</span>
                                <span class="member-type">{kind}</span>
                                <span class="member-mail register-groups">{groups}</span>
                                <span class="member-type">{until}</span>
                            </li>
                        }
                    }).collect_view()
                }
            />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, NL};
    use guestlist_core::domain::group::GroupKind;
    use guestlist_core::domain::register::{RegisterGroup, Source, SourcePerson};

    const TODAY: Day = Day {
        year: 2026,
        month: 12,
        day: 6,
    };

    fn register() -> Register {
        Register::build(Source {
            contacts: vec![SourcePerson {
                id: "c1".into(),
                name: "Jan".into(),
                address: "jan@partner.nl".into(),
                access_until: Some(AccessUntil::NotAvailable),
                ..SourcePerson::default()
            }],
            guests: vec![SourcePerson {
                id: "g1".into(),
                name: "Kim".into(),
                address: "kim@fabrikam.com".into(),
                invitation: Some(InvitationState::PendingAcceptance),
                invitation_since: Day::parse("2026-11-30"),
                access_until: Some(AccessUntil::Until(Day::parse("2026-12-05").unwrap())),
                ..SourcePerson::default()
            }],
            groups: vec![
                RegisterGroup {
                    id: "a".into(),
                    name: "Sales".into(),
                    kind: GroupKind::Distribution,
                },
                RegisterGroup {
                    id: "b".into(),
                    name: "Falcon".into(),
                    kind: GroupKind::Microsoft365,
                },
            ],
            members: vec![vec!["g1".into()], vec!["g1".into()]],
        })
    }

    #[test]
    fn addresses_from_pasted_text() {
        assert_eq!(
            addresses_in(
                "email\r\njan@partner.nl\n\"Kim\" <kim@fabrikam.com>; x@y.z,\tnot-an-address"
            ),
            ["jan@partner.nl", "kim@fabrikam.com", "x@y.z"]
        );
        assert!(addresses_in("email\nname").is_empty());
    }

    #[test]
    fn a_row_in_words() {
        let r = register();
        let (jan, kim) = (&r.people[0], &r.people[1]);
        assert_eq!(kind_text(&EN, jan), "Mail contact");
        assert_eq!(
            kind_text(&EN, kim),
            "Guest · Pending acceptance since 2026-11-30"
        );
        assert_eq!(
            kind_text(&NL, kim),
            "Gast · Wacht op acceptatie sinds 2026-11-30"
        );
        assert_eq!(groups_text(&EN, &r, kim, true), "2 groups: Sales, Falcon");
        assert_eq!(groups_text(&EN, &r, jan, true), "No group");
        // Before the memberships are read, no row claims to be in no group.
        assert_eq!(groups_text(&EN, &r, jan, false), "Groups not read yet");
        // The end day itself still counts as access.
        assert_eq!(until_text(&EN, kim, TODAY, true), "Ended 2026-12-05");
        let day_of = Day::parse("2026-12-05").unwrap();
        assert_eq!(until_text(&EN, kim, day_of, true), "Until 2026-12-05");
        assert_eq!(
            until_text(&EN, jan, TODAY, true),
            "End date not readable in script mode"
        );
        // Before the mode probe has answered, a contact's date may yet come from Exchange.
        assert_eq!(
            until_text(&EN, jan, TODAY, false),
            "End date unknown until the mode is known"
        );
        assert_eq!(until_text(&EN, kim, TODAY, false), "Ended 2026-12-05");
    }

    #[test]
    fn offboarding_targets_keep_what_makes_a_group_unchangeable() {
        use guestlist_core::tenant::{Group, GroupId};
        let dynamic = Group {
            id: GroupId("d".into()),
            display_name: Some("All guests".into()),
            mail_enabled: Some(false),
            security_enabled: Some(true),
            group_types: vec!["DynamicMembership".into()],
            ..Group::default()
        };
        let t = offboard::offboarding_target(&dynamic).expect("a security group");
        assert_eq!(t.kind, GroupKind::Security);
        assert!(t.dynamic_membership && !t.on_premises_synced);
        let synced = Group {
            id: GroupId("s".into()),
            display_name: Some("Partners".into()),
            mail: Some("partners@contoso.com".into()),
            mail_enabled: Some(true),
            security_enabled: Some(false),
            on_premises_sync_enabled: Some(true),
            ..Group::default()
        };
        let t = offboard::offboarding_target(&synced).expect("a distribution group");
        assert_eq!(t.kind, GroupKind::Distribution);
        assert!(t.on_premises_synced);
        assert_eq!(t.exchange_identity(), "partners@contoso.com");
    }
}

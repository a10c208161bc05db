//! A group's members in a virtualized list: fixed row height, only the visible rows plus some
//! overscan in the DOM, so 50,000 members scroll as smoothly as 5. With a filter box, CSV export
//! (formula injection neutralised) and remove-with-confirmation through the API that owns the
//! group's kind.

mod remove;

use super::virtual_list::window;
use super::{download, explain, file_stem, FailureView, GroupInfo};
use crate::i18n::{fill, plural, use_i18n, Texts};
use crate::ui::groups::tx;
use crate::ui::session::Session;
use guestlist_core::domain::csv_export::{to_csv, ExportOptions};
use guestlist_core::domain::email::EmailAddress;
use guestlist_core::domain::group::{GroupKind, MemberKind};
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::domain::plan::{MemberRef, MemberTarget};
use guestlist_core::tenant::{GroupId, Member};
use leptos::html::Div;
use leptos::prelude::*;
use remove::{display, Removal, RemoveDialog, RemoveState};

/// Row height in pixels; style/groups.css gives `.member-row` the same height.
pub const ROW_PX: f64 = 44.0;
/// Rows rendered above and below the visible ones.
pub const OVERSCAN: usize = 10;
/// The viewport's height before it has been measured (the CSS height of `.member-viewport`).
const DEFAULT_VIEWPORT_PX: f64 = 528.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberType {
    User,
    Guest,
    Contact,
    Group,
    Other,
}

/// One member as the list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberRow {
    pub id: String,
    pub name: String,
    pub mail: String,
    pub kind: MemberType,
    /// Lower-cased name and address, for filtering without allocating per keystroke.
    search: String,
}

impl MemberRow {
    pub fn from_member(m: Member) -> MemberRow {
        let (id, name, mail, kind) = match m {
            Member::User(u) => {
                let kind = if u.is_guest() {
                    MemberType::Guest
                } else {
                    MemberType::User
                };
                let mail = u.mail.or(u.user_principal_name).unwrap_or_default();
                (u.id.0, u.display_name.unwrap_or_default(), mail, kind)
            }
            Member::Contact(c) => (
                c.id.0,
                c.display_name.unwrap_or_default(),
                c.mail.unwrap_or_default(),
                MemberType::Contact,
            ),
            Member::Group(g) => (
                g.id.0,
                g.display_name.unwrap_or_default(),
                g.mail.unwrap_or_default(),
                MemberType::Group,
            ),
            Member::Other { id, .. } => (id.0, String::new(), String::new(), MemberType::Other),
        };
        let search = format!("{name}\n{mail}").to_lowercase();
        MemberRow {
            id,
            name,
            mail,
            kind,
            search,
        }
    }

    /// The member as a plan names it, for taking them out; `None` for a member with no address
    /// to show (a device, a group without mail).
    pub fn member_ref(&self) -> Option<MemberRef> {
        let kind = match self.kind {
            MemberType::Contact => MemberKind::MailContact,
            MemberType::Guest => MemberKind::Guest,
            MemberType::User | MemberType::Group => MemberKind::MemberUser,
            MemberType::Other => return None,
        };
        Some(MemberRef {
            kind,
            target: MemberTarget::Existing {
                id: self.id.clone(),
            },
            address: EmailAddress::parse(&self.mail).ok()?,
            // By object id, which `-Member` takes too: an address can be ambiguous.
            exchange_identity: self.id.clone(),
        })
    }

    pub fn matches(&self, needle_lower: &str) -> bool {
        needle_lower.is_empty() || self.search.contains(needle_lower)
    }
}

pub fn type_label(t: &Texts, k: MemberType) -> &'static str {
    match k {
        MemberType::User => t.groups().member_user,
        MemberType::Guest => t.groups().member_guest,
        MemberType::Contact => t.groups().member_contact,
        MemberType::Group => t.groups().member_group,
        MemberType::Other => t.groups().member_other,
    }
}

/// A member type's icon: a small inline SVG drawn in the text colour, the same on every system
/// (emoji need a font that headless browsers and locked-down desktops often lack). Decorative:
/// the type is written out next to it, so it is hidden from assistive technology.
fn type_icon(k: MemberType) -> AnyView {
    // 24×24 strokes; the size comes from `.member-icon svg` in style/groups.css.
    let shape = match k {
        // Head and shoulders.
        MemberType::User => view! {
            <circle cx="12" cy="8" r="4"/>
            <path d="M4 21a8 8 0 0 1 16 0"/>
        }
        .into_any(),
        // A suitcase: someone visiting from outside.
        MemberType::Guest => view! {
            <rect x="3" y="7" width="18" height="13" rx="2"/>
            <path d="M9 7V5a1 1 0 0 1 1-1h4a1 1 0 0 1 1 1v2M8 7v13M16 7v13"/>
        }
        .into_any(),
        // An envelope: an address without an account.
        MemberType::Contact => view! {
            <rect x="3" y="5" width="18" height="14" rx="2"/>
            <path d="m3 7 9 6 9-6"/>
        }
        .into_any(),
        // Two people.
        MemberType::Group => view! {
            <circle cx="9" cy="8" r="3.5"/>
            <path d="M2 20a7 7 0 0 1 14 0"/>
            <path d="M16 4.6a3.5 3.5 0 0 1 0 6.8M18.5 13.5A7 7 0 0 1 22 20"/>
        }
        .into_any(),
        MemberType::Other => {
            view! { <circle cx="12" cy="12" r="3" fill="currentColor"/> }.into_any()
        }
    };
    view! {
        <svg
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="1.75"
            stroke-linecap="round"
            stroke-linejoin="round"
            focusable="false"
        >
            {shape}
        </svg>
    }
    .into_any()
}

/// The members CSV: name, address, type, object id.
pub fn members_csv(t: &Texts, rows: &[MemberRow]) -> String {
    to_csv(
        &["name", "email", "type", "id"],
        rows.iter().map(|r| {
            vec![
                r.name.clone(),
                r.mail.clone(),
                type_label(t, r.kind).to_owned(),
                r.id.clone(),
            ]
        }),
        ExportOptions::default(),
    )
}

/// Where loading the members stands.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadState {
    Loading,
    Done,
    Failed(Failure),
}

/// Loads every page of members (`$top=999`), appending each page as it arrives. Stops quietly
/// when the page that asked is gone (the signals are disposed).
pub async fn load_members(
    session: Session,
    group: GroupId,
    rows: RwSignal<Vec<MemberRow>>,
    state: RwSignal<LoadState>,
) {
    let mut page = match session.graph.list_members(&group).await {
        Ok(p) => p,
        Err(e) => {
            state.try_set(LoadState::Failed(explain(Service::Graph, &e)));
            return;
        }
    };
    loop {
        let batch: Vec<MemberRow> = page.items.drain(..).map(MemberRow::from_member).collect();
        if rows.try_update(|r| r.extend(batch)).is_none() {
            return;
        }
        let Some(next) = page.next.take() else { break };
        page = match session.graph.next_page::<Member>(&next).await {
            Ok(p) => p,
            Err(e) => {
                state.try_set(LoadState::Failed(explain(Service::Graph, &e)));
                return;
            }
        };
    }
    state.try_set(LoadState::Done);
}

/// The member list card.
#[component]
pub fn MemberList(
    session: Session,
    info: GroupInfo,
    rows: RwSignal<Vec<MemberRow>>,
    state: RwSignal<LoadState>,
) -> impl IntoView {
    let i18n = use_i18n();
    let filter = RwSignal::new(String::new());
    let scroll_top = RwSignal::new(0.0f64);
    let viewport_px = RwSignal::new(DEFAULT_VIEWPORT_PX);
    let viewport = NodeRef::<Div>::new();
    let removing = RwSignal::new(None::<RemoveState>);
    // The last removal went through: its row (the dialog's opener) is gone or reused.
    let removed = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let group_name = info.target.name.clone();
    let kind = info.target.kind;
    let can_remove = kind != GroupKind::DynamicDistribution && !info.target.on_premises_synced;

    // Indices of the rows that pass the filter.
    let visible = Memo::new(move |_| {
        let needle = filter.get().trim().to_lowercase();
        rows.with(|rs| {
            rs.iter()
                .enumerate()
                .filter(|(_, r)| r.matches(&needle))
                .map(|(i, _)| i)
                .collect::<Vec<usize>>()
        })
    });
    let win = Memo::new(move |_| {
        let len = visible.with(Vec::len);
        window(scroll_top.get(), viewport_px.get(), ROW_PX, len, OVERSCAN)
    });
    let on_scroll = move |_| {
        if let Some(el) = viewport.get() {
            scroll_top.set(el.scroll_top() as f64);
            let h = el.client_height() as f64;
            if h > 0.0 {
                viewport_px.set(h);
            }
        }
    };
    let on_filter = move |ev: leptos::ev::Event| {
        filter.set(event_target_value(&ev));
        // Back to the top: the old position means nothing in the filtered list.
        scroll_top.set(0.0);
        if let Some(el) = viewport.get() {
            el.set_scroll_top(0);
        }
    };
    let export = {
        let name = group_name.clone();
        move |_| {
            let csv = rows.with(|r| members_csv(i18n.t(), r));
            let file = format!("{}-members.csv", file_stem(&name));
            if let Err(e) = download(&file, "text/csv;charset=utf-8", &csv) {
                notice.set(Some(e));
            }
        }
    };

    let confirm_remove = {
        let session = session.clone();
        let info = info.clone();
        move |row: MemberRow| {
            remove::remove(
                session.clone(),
                info.clone(),
                row,
                Removal {
                    removing,
                    removed,
                    rows,
                    notice,
                    i18n,
                },
            )
        }
    };

    let count_text = move || {
        let t = i18n.t();
        let total = rows.with(Vec::len) as u64;
        let shown = t.count(visible.with(Vec::len) as u64);
        let loading = matches!(state.get(), LoadState::Loading);
        let base = if filter.with(|f| f.trim().is_empty()) {
            plural(&t.groups().members_count, t.count(total), &[])
        } else {
            plural(
                &t.groups().members_filtered,
                t.count(total),
                &[("shown", shown.as_str())],
            )
        };
        if loading {
            format!("{base} {}", t.groups().members_loading_more)
        } else {
            base
        }
    };

    view! {
        <section class="card members" aria-labelledby="members-heading">
            <h2 id="members-heading">{tx(|t| t.groups().members_heading)}</h2>
            <div class="members-tools">
                <div class="field">
                    <label for="member-filter">{tx(|t| t.groups().filter_label)}</label>
                    <input id="member-filter" type="search" autocomplete="off" on:input=on_filter/>
                </div>
                <button type="button" class="button" on:click=export>
                    {tx(|t| t.groups().export_csv)}
                </button>
            </div>
            <p class="members-count" role="status">{count_text}</p>
            {move || match state.get() {
                LoadState::Failed(f) => Some(view! { <FailureView failure=f/> }),
                _ => None,
            }}
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <div class="member-viewport" node_ref=viewport on:scroll=on_scroll tabindex="0"
                aria-label=tx(|t| t.groups().members_heading)>
                <div class="member-spacer" style:height=move || format!("{}px", visible.with(Vec::len) as f64 * ROW_PX)>
                    <ul
                        class="member-rows"
                        aria-label=tx(|t| t.groups().members_heading)
                        style:transform=move || format!("translateY({}px)", win.get().start as f64 * ROW_PX)
                    >
                        {
                            let confirm_remove = confirm_remove.clone();
                            move || {
                                let w = win.get();
                                let total = visible.with(Vec::len);
                                let slice: Vec<(usize, MemberRow)> = visible.with(|v| {
                                    rows.with(|rs| {
                                        v[w.start..w.end]
                                            .iter()
                                            .enumerate()
                                            .map(|(k, &i)| (w.start + k, rs[i].clone()))
                                            .collect()
                                    })
                                });
                                slice
                                    .into_iter()
                                    .map(|(pos, row)| {
                                        let ask = {
                                            let row = row.clone();
                                            move |_| {
                                                removed.set(false);
                                                removing.set(Some(RemoveState::Confirm(row.clone())));
                                            }
                                        };
                                        let _ = &confirm_remove;
                                        let name_for_button = display(&row).to_owned();
                                        view! {
                                            <li class="member-row" aria-setsize=total aria-posinset=pos + 1>
                                                <span class="member-icon" aria-hidden="true">{type_icon(row.kind)}</span>
                                                <span class="member-name">{row.name.clone()}</span>
                                                <span class="member-mail">{row.mail.clone()}</span>
                                                <span class="member-type">{move || type_label(i18n.t(), row.kind)}</span>
                                                {can_remove.then(|| view! {
                                                    <button
                                                        type="button"
                                                        class="button button--small"
                                                        aria-label=move || fill(i18n.t().groups().remove_named, &[("name", &name_for_button)])
                                                        on:click=ask.clone()
                                                    >
                                                        {tx(|t| t.groups().remove)}
                                                    </button>
                                                })}
                                            </li>
                                        }
                                    })
                                    .collect_view()
                            }
                        }
                    </ul>
                </div>
            </div>
            {
                let group_name = group_name.clone();
                // Mounted while something is being removed; its content follows the steps.
                let open = Memo::new(move |_| removing.with(Option::is_some));
                move || open.get().then(|| {
                    let confirm_remove = confirm_remove.clone();
                    view! {
                        <RemoveDialog state=removing removed=removed.into() group=group_name.clone() on_confirm=move |row| confirm_remove(row) on_close=move || removing.set(None)/>
                    }
                })
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::EN;
    use guestlist_core::tenant::{ObjectId, OrgContact, User};

    fn rows() -> Vec<MemberRow> {
        vec![
            MemberRow::from_member(Member::User(User {
                id: ObjectId("u1".into()),
                display_name: Some(
                    "<img src=x onerror=alert(1)> =HYPERLINK(\"http://evil\") Trudy".into(),
                ),
                user_principal_name: Some("trudy@contoso.example".into()),
                ..User::default()
            })),
            MemberRow::from_member(Member::User(User {
                id: ObjectId("g1".into()),
                display_name: Some("Kim Akers".into()),
                mail: Some("kim@fabrikam.example".into()),
                user_type: Some("Guest".into()),
                ..User::default()
            })),
            MemberRow::from_member(Member::Contact(OrgContact {
                id: ObjectId("c1".into()),
                display_name: Some("=1+2 Jan".into()),
                mail: Some("jan@partner.nl".into()),
                ..OrgContact::default()
            })),
        ]
    }

    #[test]
    fn rows_know_their_type_and_filter_on_name_and_address() {
        let r = rows();
        assert_eq!(
            r.iter().map(|x| x.kind).collect::<Vec<_>>(),
            [MemberType::User, MemberType::Guest, MemberType::Contact]
        );
        // A user without mail shows the UPN.
        assert_eq!(r[0].mail, "trudy@contoso.example");
        assert!(r[1].matches("fabrikam"));
        assert!(r[1].matches("kim a"));
        assert!(!r[2].matches("fabrikam"));
        assert!(r[2].matches(""));
    }

    #[test]
    fn csv_export_neutralises_formulas() {
        let csv = members_csv(&EN, &rows());
        assert!(csv.starts_with("\u{FEFF}name,email,type,id"), "{csv}");
        assert!(
            csv.contains("'=1+2 Jan,jan@partner.nl,Mail contact,c1"),
            "{csv}"
        );
        assert!(
            csv.contains("Kim Akers,kim@fabrikam.example,Guest,g1"),
            "{csv}"
        );
        assert!(!csv.contains("\n=1+2"), "{csv}");
    }
}

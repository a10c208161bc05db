//! The group finder: search as you type. Graph's `$search` (with `ConsistencyLevel: eventual`)
//! finds distribution lists, mail-enabled security, Microsoft 365 and security groups, and the
//! list is shown as soon as Graph answers. What follows it, never holding it up:
//! - each row's badge, what any external sender gets, as the group page's says
//!   (`delivery::found_delivery`, a split point of its own): the Microsoft 365 groups'
//!   `allowExternalSenders` in Graph `$batch`es of 20, in both modes; in direct mode the
//!   restrictions of the groups found, one Exchange call per cmdlet (`Get-DistributionGroup`,
//!   `Get-UnifiedGroup`): delivered, bounced with its code, held for a moderator. Script mode
//!   shows the switch alone. In direct mode Exchange also adds the dynamic distribution groups
//!   (which Graph doesn't know), in name order with the rest;
//! - member counts: `GET /groups/{id}/members/$count`, 20 groups to a `$batch`
//!   ([`guestlist_core::tenant::GraphClient::member_counts`], a split point too). A count that
//!   can't be read simply isn't shown (the list is what matters). Dynamic distribution groups
//!   live in Exchange only: no count.
//!
//! Typing is debounced (300 ms) and every search carries a generation number: an answer that
//! arrives after a newer search started is dropped, so results never jump back to an older query.
//! Badges and counts asked for a list that has since been replaced are dropped likewise.

use super::delivery::{FoundDelivery, FoundDynamic};
use super::{explain, sleep_ms, ExternalsBadge, KindBadge};
use crate::i18n::{fill, plural, use_i18n, Texts};
use crate::probe::Mode;
use crate::ui::groups::tx;
use crate::ui::router::A;
use crate::ui::session::Session;
use crate::ui::FirstScreen;
use guestlist_core::domain::delivery::Outcome;
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::tenant::graph::MAX_BATCH;
use guestlist_core::tenant::{GroupFilter, GroupId, TenantError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashMap;

/// Debounce delay: long enough to skip the keystrokes of a word, short enough to feel live.
pub const DEBOUNCE_MS: u64 = 300;

/// Route ids of dynamic distribution groups (which have no Entra object id) start with this,
/// followed by their Exchange GUID.
pub const DYNAMIC_PREFIX: &str = "dynamic-";

/// One search result.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundGroup {
    /// The id in the group page's route.
    pub route_id: String,
    pub name: String,
    pub mail: Option<String>,
    pub kind: GroupKind,
    pub external: ExternalSenders,
    /// What any external sender gets, where Exchange's restrictions were read.
    pub delivery: Option<Outcome>,
}

#[derive(Clone, Debug, PartialEq)]
enum SearchState {
    Searching,
    Found {
        /// The query these results answer.
        query: String,
        groups: Vec<FoundGroup>,
        /// Exchange couldn't add its part (the Graph results still stand).
        exchange_note: Option<Failure>,
    },
    Failed(Failure),
}

/// The external-senders status before any Exchange or per-group read.
fn initial_external(kind: GroupKind) -> ExternalSenders {
    match kind {
        GroupKind::Security => ExternalSenders::NotApplicable,
        _ => ExternalSenders::Unknown,
    }
}

/// Graph's part of a search: the list, shown at once. Badges and, in direct mode, Exchange's
/// dynamic groups follow ([`load_badges`]).
async fn search(session: &Session, query: &str) -> SearchState {
    let page = match session.graph.search_groups(query, GroupFilter::Any).await {
        Ok(p) => p,
        Err(e) => return SearchState::Failed(explain(Service::Graph, &e)),
    };
    let mut groups: Vec<FoundGroup> = page
        .items
        .into_iter()
        .filter_map(|g| {
            // Groups that are neither mail- nor security-enabled can't be used here.
            let kind = g.kind().ok()?;
            Some(FoundGroup {
                route_id: g.id.0,
                name: g.display_name.unwrap_or_default(),
                mail: g.mail,
                kind,
                external: initial_external(kind),
                delivery: None,
            })
        })
        .collect();
    by_name(&mut groups);
    SearchState::Found {
        query: query.trim().to_owned(),
        groups,
        exchange_note: None,
    }
}

/// Sorts a list by name as people read it (case-insensitive). Both lists, Graph's and the one
/// with Exchange's dynamic groups, sort here: one copy of the sort in the first load. Each
/// name is lower-cased once (a JavaScript call in the browser), not per comparison.
fn by_name(groups: &mut [FoundGroup]) {
    groups.sort_by_cached_key(|g| crate::ui::lowercase(&g.name));
}

/// The Microsoft 365 groups of a list (their badges need Graph's switch).
fn unified(groups: &[FoundGroup]) -> Vec<String> {
    groups
        .iter()
        .filter(|g| g.kind == GroupKind::Microsoft365)
        .map(|g| g.route_id.clone())
        .collect()
}

/// Badges read so far, by lower-cased group id ([`super::delivery::found_delivery`]'s keys).
pub type Badges = HashMap<String, FoundDelivery>;

/// What a row's badge says, from the badges read so far: what [`super::delivery::found_delivery`]
/// read for `group`, or what the list knew before (a dynamic group's own switch, or nothing
/// yet). The group's key is lower-cased once, not on every change of the badges.
fn row_badge(
    group: &FoundGroup,
) -> impl Fn(&Badges) -> (ExternalSenders, Option<Outcome>) + Send + Sync + 'static {
    let key = crate::ui::lowercase(&group.route_id);
    let before = (group.external, group.delivery.clone());
    move |badges| match badges.get(&key) {
        Some(d) => (d.external, d.any_external.clone()),
        None => before.clone(),
    }
}

/// Graph's list with Exchange's part of the answer: the dynamic groups it found (in name order
/// with the others) and its failure, if any.
fn with_exchange_part(
    graph_list: &SearchState,
    dynamic: Vec<FoundDynamic>,
    exchange_failed: Option<Failure>,
) -> SearchState {
    let SearchState::Found { query, groups, .. } = graph_list else {
        return graph_list.clone();
    };
    let mut groups = groups.clone();
    groups.extend(dynamic.into_iter().map(|d| FoundGroup {
        route_id: format!("{DYNAMIC_PREFIX}{}", d.guid),
        name: d.name,
        mail: d.mail,
        kind: GroupKind::DynamicDistribution,
        external: d.external,
        delivery: None,
    }));
    by_name(&mut groups);
    SearchState::Found {
        query: query.clone(),
        groups,
        exchange_note: exchange_failed,
    }
}

/// Reads the badges of the list on screen (`graph_list`, Graph's answer to `query`): each row's
/// badge follows by itself, and the list changes only when Exchange adds dynamic groups or
/// couldn't answer — unless another badge load has started since (`started` is no longer
/// `load`: a newer list, or the mode became known). The badges' reads and rules are the group
/// page's code, a split point of their own: the list never waits for them.
async fn load_badges(
    session: Session,
    graph_list: SearchState,
    direct: bool,
    load: u64,
    started: StoredValue<u64>,
    state: RwSignal<SearchState>,
    badges: RwSignal<Badges>,
) {
    let SearchState::Found { query, groups, .. } = &graph_list else {
        return;
    };
    let found =
        super::delivery::found_delivery(session, query.clone(), unified(groups), direct).await;
    if started.try_get_value() != Some(load) {
        return;
    }
    badges.try_update(|b| b.extend(found.groups));
    if !found.dynamic.is_empty() || found.exchange_failed.is_some() {
        state.try_set(with_exchange_part(
            &graph_list,
            found.dynamic,
            found.exchange_failed,
        ));
    }
}

/// Groups whose member count Graph can give: every result except Exchange's dynamic groups.
fn countable(groups: &[FoundGroup]) -> Vec<String> {
    groups
        .iter()
        .filter(|g| g.kind != GroupKind::DynamicDistribution)
        .map(|g| g.route_id.clone())
        .collect()
}

/// Member counts by group id; `None` while unknown (not asked yet, or could not be read).
pub type Counts = HashMap<String, u64>;

/// Reads the member counts of `ids`, 20 to a batch, and adds each batch's counts to `counts`
/// as it arrives — unless the list on screen has changed since (`shown` is no longer `list`).
/// Failures (the batch's or one group's) leave those counts unknown: the result list never
/// shows count errors.
async fn load_counts(
    session: Session,
    ids: Vec<String>,
    list: u64,
    shown: StoredValue<u64>,
    counts: RwSignal<Counts>,
) {
    for chunk in ids.chunks(MAX_BATCH) {
        if shown.try_get_value() != Some(list) {
            return;
        }
        let group_ids: Vec<GroupId> = chunk.iter().map(|id| GroupId(id.clone())).collect();
        let answers = match member_counts(session.clone(), group_ids).await {
            Ok(a) => a,
            Err(e) => {
                leptos::logging::log!("member counts not shown: {e}");
                continue;
            }
        };
        if shown.try_get_value() != Some(list) {
            return;
        }
        counts.try_update(|c| {
            for (id, answer) in chunk.iter().zip(answers) {
                match answer {
                    Ok(n) => {
                        c.insert(id.clone(), n);
                    }
                    Err(e) => leptos::logging::log!("member count of {id} not shown: {e}"),
                }
            }
        });
    }
}

/// One `$batch` of member counts ([`guestlist_core::tenant::GraphClient::member_counts`]). A
/// split point of its own with the `split` feature (see `lazy_view!` in `ui/mod.rs`): `$batch`
/// and its JSON are fetched after the first list is on screen, not with the first load.
#[cfg_attr(feature = "split", leptos::lazy)]
async fn member_counts(
    session: Session,
    ids: Vec<GroupId>,
) -> Result<Vec<Result<u64, TenantError>>, TenantError> {
    session.graph.member_counts(&ids).await
}

/// The words for an external-senders status in a result row; `None` where it says nothing.
pub fn external_short(t: &Texts, e: ExternalSenders) -> Option<&'static str> {
    match e {
        ExternalSenders::Allowed => Some(t.finder.ext_allowed_short),
        ExternalSenders::Rejected => Some(t.finder.ext_rejected_short),
        ExternalSenders::Unknown | ExternalSenders::NotApplicable => None,
    }
}

/// The finder: a search box and the live result list.
#[component]
pub fn Finder(session: Session) -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    let state = RwSignal::new(SearchState::Searching);
    // The previous results stay on screen while a new search runs; this marks them busy.
    let busy = RwSignal::new(true);
    let generation = StoredValue::new(0u64);
    // Which list is on screen: counts asked for an older list are dropped. (Not the search
    // generation: a newer search that finds the same list keeps the counts coming.)
    let shown = StoredValue::new(0u64);
    let counts = RwSignal::new(Counts::new());
    let badges = RwSignal::new(Badges::new());

    // Graph's answer on screen (before badges), and whether its badges were read in direct mode:
    // the same answer again needs no new list, and new badges only once the mode is direct.
    let graph_list = StoredValue::new(None::<(SearchState, bool)>);
    // Which badge load may still show its badges (a newer list or mode starts another).
    let badge_load = StoredValue::new(0u64);
    let first_screen = use_context::<FirstScreen>();

    let start_search = {
        let session = session.clone();
        move |text: String, debounce: bool| {
            let gen = generation.get_value() + 1;
            generation.set_value(gen);
            let session = session.clone();
            spawn_local(async move {
                if debounce {
                    sleep_ms(DEBOUNCE_MS).await;
                    // A newer keystroke came in while waiting: that one searches.
                    if generation.try_get_value() != Some(gen) {
                        return;
                    }
                }
                busy.try_set(true);
                let result = search(&session, &text).await;
                // Stale answers (an older query finishing late) are dropped.
                if generation.try_get_value() != Some(gen) {
                    return;
                }
                busy.try_set(false);
                let direct = untrack(|| session.mode()) == Some(Mode::Direct);
                let before = graph_list.try_get_value().flatten();
                let same_list = before.as_ref().is_some_and(|(list, _)| list == &result);
                if same_list && before.as_ref().is_some_and(|(_, d)| *d == direct) {
                    // The same answer again leaves the list and its badges as they are.
                    return;
                }
                graph_list.try_set_value(Some((result.clone(), direct)));
                if !same_list {
                    // Counts of groups still listed stay (they were read moments ago); the
                    // others are asked for after the list is on screen.
                    let missing = match &result {
                        SearchState::Found { groups, .. } => {
                            let ids = countable(groups);
                            counts.try_update(|c| c.retain(|id, _| ids.contains(id)));
                            counts
                                .try_with_untracked(|c| {
                                    ids.into_iter().filter(|id| !c.contains_key(id)).collect()
                                })
                                .unwrap_or_default()
                        }
                        _ => Vec::new(),
                    };
                    state.try_set(result.clone());
                    let list = shown.try_get_value().unwrap_or_default() + 1;
                    shown.try_set_value(list);
                    if !missing.is_empty() {
                        spawn_local(load_counts(session.clone(), missing, list, shown, counts));
                    }
                    if let Some(first) = first_screen {
                        first.shown();
                    }
                }
                // Badges (and in direct mode Exchange's dynamic groups) follow the list.
                let load = badge_load.try_get_value().unwrap_or_default() + 1;
                badge_load.try_set_value(load);
                let needs_badges = matches!(&result, SearchState::Found { groups, .. }
                    if direct || groups.iter().any(|g| g.kind == GroupKind::Microsoft365));
                if needs_badges {
                    spawn_local(load_badges(
                        session, result, direct, load, badge_load, state, badges,
                    ));
                }
            });
        }
    };

    // Search at once, and again when the mode becomes known (direct mode adds Exchange's part).
    {
        let start_search = start_search.clone();
        let session = session.clone();
        Effect::new(move |_| {
            let _mode = session.mode();
            start_search(query.get_untracked(), false);
        });
    }

    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        query.set(text.clone());
        start_search(text, true);
    };

    view! {
        <section class="card finder" aria-labelledby="finder-heading">
            <h2 id="finder-heading">{tx(|t| t.finder.finder_heading)}</h2>
            <div class="field">
                <label for="group-search">{tx(|t| t.finder.search_label)}</label>
                <input
                    id="group-search"
                    type="search"
                    autocomplete="off"
                    placeholder=tx(|t| t.finder.search_placeholder)
                    prop:value=move || query.get()
                    on:input=on_input
                />
            </div>
            <div class="finder-results" aria-busy=move || busy.get().to_string()>
            {move || match state.get() {
                SearchState::Searching => view! {
                    <p class="finder-status" role="status" aria-busy="true">
                        {tx(|t| t.finder.searching)}
                    </p>
                }
                .into_any(),
                SearchState::Failed(f) => view! {
                    <p class="finder-status" role="status">{tx(|t| t.finder.search_failed)}</p>
                    <super::FailureView failure=f/>
                }
                .into_any(),
                SearchState::Found { query, groups, exchange_note } => {
                    let count = groups.len();
                    view! {
                        <p class="finder-status" role="status">
                            {move || {
                                let t = i18n.t();
                                let args = [("query", query.as_str())];
                                match (count, query.is_empty()) {
                                    (0, _) => fill(t.finder.found_none, &args),
                                    (_, true) => plural(&t.finder.found_all, t.count(count as u64), &[]),
                                    (_, false) => plural(&t.finder.found_count, t.count(count as u64), &args),
                                }
                            }}
                        </p>
                        {exchange_note.map(|f| view! {
                            <p class="note">{tx(|t| t.finder.exchange_part_failed)} " " {move || i18n.t().failure(&f)}</p>
                        })}
                        <ul class="group-results" aria-label=tx(|t| t.finder.results_label)>
                            {groups.into_iter().map(|g| {
                                let id = g.route_id.clone();
                                let count = Signal::derive(move || counts.with(|c| c.get(&id).copied()));
                                let badge_of = row_badge(&g);
                                let badge = Signal::derive(move || badges.with(&badge_of));
                                view! { <ResultRow group=g count badge/> }
                            }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }
            }}
            </div>
        </section>
    }
}

/// A member count in a result row: "1 member", "12 members".
pub fn members_short(t: &Texts, n: u64) -> String {
    plural(&t.finder.result_members, t.count(n), &[])
}

#[component]
fn ResultRow(
    group: FoundGroup,
    count: Signal<Option<u64>>,
    badge: Signal<(ExternalSenders, Option<Outcome>)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!("/groups/{}", group.route_id);
    view! {
        <li class="group-result">
            // The name is text: Leptos sets it as a text node, so markup in it stays inert.
            <A href=href attr:class="group-result-name">{group.name.clone()}</A>
            <KindBadge kind=group.kind/>
            <span class="group-result-mail">{group.mail.clone().unwrap_or_default()}</span>
            {move || count.get().map(|n| view! {
                <span class="group-result-count">{members_short(i18n.t(), n)}</span>
            })}
            {move || {
                let t = i18n.t();
                let (external, delivery) = badge.get();
                match ExternalsBadge::of(delivery.as_ref(), external) {
                    Some(b) => {
                        let (class, text) = b.class_and_text(t);
                        Some(view! { <span class=class>{text}</span> }.into_any())
                    }
                    // The switch is open but the rest wasn't read: say only that.
                    None => external_short(t, external)
                        .map(|s| view! { <span class="ext ext--allowed">{s}</span> }.into_any()),
                }
            }}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, NL};

    fn found(id: &str, kind: GroupKind) -> FoundGroup {
        FoundGroup {
            route_id: id.into(),
            name: id.into(),
            mail: None,
            kind,
            external: initial_external(kind),
            delivery: None,
        }
    }

    #[test]
    fn badges_follow_the_rows_and_dynamic_groups_join_the_list_in_name_order() {
        let mut bravo = found("Bravo-ID", GroupKind::Microsoft365);
        bravo.name = "bravo".into();
        let mut delta = found("delta-id", GroupKind::Distribution);
        delta.name = "Delta".into();
        assert_eq!(unified(&[bravo.clone(), delta.clone()]), ["Bravo-ID"]);
        // Keyed by lower-cased id, as Exchange and Graph spell ids differently.
        let badges = Badges::from([(
            "bravo-id".to_owned(),
            FoundDelivery {
                external: ExternalSenders::Allowed,
                any_external: None,
            },
        )]);
        assert_eq!(row_badge(&bravo)(&badges), (ExternalSenders::Allowed, None));
        // A group nothing was read for keeps what the list knew.
        assert_eq!(row_badge(&delta)(&badges), (ExternalSenders::Unknown, None));

        let graph_list = SearchState::Found {
            query: "a".into(),
            groups: vec![bravo, delta],
            exchange_note: None,
        };
        let note = Failure::new(Service::Exchange, "Get-DynamicDistributionGroup failed");
        let dynamic = vec![FoundDynamic {
            guid: "g-1".into(),
            name: "Charlie".into(),
            mail: Some("charlie@contoso.com".into()),
            external: ExternalSenders::Rejected,
        }];
        let SearchState::Found {
            groups,
            exchange_note,
            query,
        } = with_exchange_part(&graph_list, dynamic, Some(note.clone()))
        else {
            panic!("a list stays a list");
        };
        assert_eq!(query, "a");
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["bravo", "Charlie", "Delta"]);
        assert_eq!(groups[1].route_id, format!("{DYNAMIC_PREFIX}g-1"));
        assert_eq!(groups[1].kind, GroupKind::DynamicDistribution);
        assert_eq!(
            row_badge(&groups[1])(&badges),
            (ExternalSenders::Rejected, None)
        );
        assert_eq!(exchange_note, Some(note));
        // A failed search has nothing to add to.
        let failed = SearchState::Failed(Failure::new(Service::Graph, "down"));
        assert_eq!(with_exchange_part(&failed, Vec::new(), None), failed);
    }

    #[test]
    fn counts_are_asked_for_graph_groups_only() {
        let groups = [
            found("dl", GroupKind::Distribution),
            found(
                &format!("{DYNAMIC_PREFIX}guid"),
                GroupKind::DynamicDistribution,
            ),
            found("m365", GroupKind::Microsoft365),
            found("sec", GroupKind::Security),
        ];
        assert_eq!(countable(&groups), ["dl", "m365", "sec"]);
    }

    #[test]
    fn member_counts_in_words() {
        assert_eq!(members_short(&EN, 1), "1 member");
        assert_eq!(members_short(&EN, 0), "0 members");
        assert_eq!(members_short(&EN, 50000), "50,000 members");
        assert_eq!(members_short(&NL, 50000), "50.000 leden");
        assert_eq!(members_short(&EN, 1_234_567), "1,234,567 members");
        assert_eq!(members_short(&EN, 999), "999 members");
        assert_eq!(members_short(&NL, 1), "1 lid");
        assert_eq!(members_short(&NL, 6), "6 leden");
    }
}

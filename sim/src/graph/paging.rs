//! Collections and single entities: paging with `$skiptoken`, `@odata.context`, `@odata.count`,
//! `@odata.nextLink`, and the start of every read (authorise, then parse the OData query).
//!
//! - Paging: https://learn.microsoft.com/en-us/graph/paging

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::{authorize, eventual, into_map, Ctx, Origin};
use crate::contract::Caller;
use crate::odata::Query;
use crate::state::AppState;

// ----- paging -----

pub(super) struct PageOut {
    items: Vec<Value>,
    next: Option<usize>,
    count: Option<usize>,
}

/// Pages a collection: O(page) when there is no `$filter`/`$search`/`$orderby` (the skip token is the
/// raw position in `items`); otherwise filters the whole collection and pages the result.
pub(super) fn paginate<T>(
    items: &[T],
    q: &Query,
    visible: impl Fn(&T) -> bool,
    full: impl Fn(&T) -> Map<String, Value>,
    shape: impl Fn(Map<String, Value>) -> Value,
) -> PageOut {
    let top = q.page_size();
    if q.is_trivial() {
        let mut out = Vec::with_capacity(top.min(items.len()));
        let mut i = q.offset.min(items.len());
        while i < items.len() && out.len() < top {
            if visible(&items[i]) {
                out.push(shape(full(&items[i])));
            }
            i += 1;
        }
        while i < items.len() && !visible(&items[i]) {
            i += 1;
        }
        let next = (i < items.len()).then_some(i);
        let count = q.count.then(|| items.iter().filter(|x| visible(x)).count());
        return PageOut {
            items: out,
            next,
            count,
        };
    }
    let mut hits: Vec<Map<String, Value>> = items
        .iter()
        .filter(|x| visible(x))
        .map(&full)
        .filter(|m| q.keeps(&Value::Object(m.clone())))
        .collect();
    if let Some((prop, desc)) = &q.orderby {
        let key = |m: &Map<String, Value>| {
            m.get(prop)
                .and_then(Value::as_str)
                .map(str::to_lowercase)
                .unwrap_or_default()
        };
        hits.sort_by_key(key);
        if *desc {
            hits.reverse();
        }
    }
    let total = hits.len();
    let start = q.offset.min(total);
    let end = (start + top).min(total);
    let items = hits.drain(start..end).map(shape).collect();
    PageOut {
        items,
        next: (end < total).then_some(end),
        count: q.count.then_some(total),
    }
}

pub(super) fn collection(
    ctx: &Ctx,
    q: &Query,
    context: &str,
    path: &str,
    page: PageOut,
) -> Response {
    let mut body = Map::new();
    // With $select the context names the selection, e.g. `$metadata#groups(id,displayName)`.
    let context = match &q.select {
        Some(sel) => format!("{context}({})", sel.join(",")),
        None => context.to_string(),
    };
    body.insert(
        "@odata.context".into(),
        Value::String(ctx.context(&context)),
    );
    if let Some(c) = page.count {
        body.insert("@odata.count".into(), json!(c));
    }
    if let Some(next) = page.next {
        body.insert(
            "@odata.nextLink".into(),
            Value::String(q.next_link(&format!("{}{path}", ctx.base()), next)),
        );
    }
    body.insert("value".into(), Value::Array(page.items));
    ctx.json(StatusCode::OK, Value::Object(body))
}

pub(super) fn parse_query(
    ctx: &Ctx,
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<Query, Box<Response>> {
    Query::parse(pairs, eventual(headers)).map_err(|e| Box::new(ctx.query_error(e)))
}

/// A read request as a handler receives it.
pub(super) struct Read<'a> {
    state: &'a AppState,
    headers: &'a HeaderMap,
    origin: Origin,
    pairs: &'a [(String, String)],
}

impl<'a> Read<'a> {
    pub(super) fn new(
        state: &'a AppState,
        headers: &'a HeaderMap,
        origin: Origin,
        pairs: &'a [(String, String)],
    ) -> Self {
        Read {
            state,
            headers,
            origin,
            pairs,
        }
    }

    /// The start of every read: the caller's token holds one of `scopes`, then the OData query
    /// parses (an unauthorised caller hears 401/403 before any query error); then `answer` gets
    /// the request's context, the caller and the query.
    pub(super) fn answer(
        self,
        scopes: &[&str],
        answer: impl FnOnce(Ctx, Caller, Query) -> Response,
    ) -> Response {
        let ctx = Ctx::new(self.origin);
        let caller = match authorize(self.state, self.headers, &ctx, scopes) {
            Ok(c) => c,
            Err(r) => return *r,
        };
        match parse_query(&ctx, self.headers, self.pairs) {
            Ok(q) => answer(ctx, caller, q),
            Err(r) => *r,
        }
    }
}

/// A single entity: `@odata.context` (`{set}/$entity`) first, then the selected properties.
pub(super) fn entity(ctx: &Ctx, q: &Query, set: &str, m: Map<String, Value>) -> Response {
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        Value::String(ctx.context(&format!("{set}/$entity"))),
    );
    out.extend(into_map(q.project(m)));
    ctx.json(StatusCode::OK, Value::Object(out))
}

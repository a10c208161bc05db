//! OData query options for the Graph subset: `$filter` (the subset Guestlist and Microsoft's examples
//! use), `$search`, `$select`, `$top`, `$count`, `$orderby` and `$skiptoken` paging.
//!
//! Rules from "Use query parameters to customize responses"
//! (https://learn.microsoft.com/en-us/graph/query-parameters) and "Advanced query capabilities on
//! Microsoft Entra ID objects" (https://learn.microsoft.com/en-us/graph/aad-advanced-queries):
//! `$search` on directory objects needs `ConsistencyLevel: eventual`; `ne`, `not` and `endsWith` are
//! advanced filters that also need `$count=true`; `$top` is 1–999 for directory objects; `$skip` is not
//! supported for them.

use base64::Engine;
use serde_json::Value;
use thiserror::Error;

/// Default and maximum page sizes for directory objects
/// (https://learn.microsoft.com/en-us/graph/paging).
pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 999;

/// A query the service refuses; rendered as a Graph 400.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// `code` is Graph's error code (`Request_UnsupportedQuery`, `Request_BadRequest`, `BadRequest`).
    #[error("{code}: {message}")]
    Refused { code: &'static str, message: String },
}

impl QueryError {
    fn unsupported(message: impl Into<String>) -> Self {
        QueryError::Refused {
            code: "Request_UnsupportedQuery",
            message: message.into(),
        }
    }
    fn bad(message: impl Into<String>) -> Self {
        QueryError::Refused {
            code: "Request_BadRequest",
            message: message.into(),
        }
    }
    fn syntax(message: impl Into<String>) -> Self {
        QueryError::Refused {
            code: "BadRequest",
            message: message.into(),
        }
    }
    pub fn code(&self) -> &'static str {
        match self {
            QueryError::Refused { code, .. } => code,
        }
    }
    pub fn message(&self) -> &str {
        match self {
            QueryError::Refused { message, .. } => message,
        }
    }
}

/// A literal in a filter.
#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Str(String),
    Bool(bool),
    Null,
}

/// A field of a stored object, for [`Filter::may_match`].
pub enum Field<'a> {
    Str(Option<&'a str>),
    List(&'a [String]),
}

/// A parsed `$filter` expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Eq(String, Lit),
    Ne(String, Lit),
    StartsWith(String, String),
    EndsWith(String, String),
    /// `prop/any(x:x eq 'v')`
    AnyEq(String, Lit),
    /// `prop in ('a', 'b')`
    In(String, Vec<Lit>),
}

impl Filter {
    /// Whether the expression uses an operator that only advanced queries support.
    pub fn is_advanced(&self) -> bool {
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => a.is_advanced() || b.is_advanced(),
            Filter::Not(_) | Filter::Ne(..) | Filter::EndsWith(..) => true,
            _ => false,
        }
    }

    /// A cheap, conservative pre-check against an object's fields before its JSON is built: false only
    /// when the object certainly doesn't match. `field` returns None for properties it doesn't know.
    pub fn may_match<'a>(&self, field: &dyn Fn(&str) -> Option<Field<'a>>) -> bool {
        match self {
            Filter::And(a, b) => a.may_match(field) && b.may_match(field),
            Filter::Or(a, b) => a.may_match(field) || b.may_match(field),
            Filter::Eq(p, l) => match (field(p), l) {
                (Some(Field::Str(v)), Lit::Str(x)) => v.is_some_and(|v| v.eq_ignore_ascii_case(x)),
                (Some(Field::Str(v)), Lit::Null) => v.is_none(),
                _ => true,
            },
            Filter::StartsWith(p, x) => match field(p) {
                Some(Field::Str(v)) => v.is_some_and(|v| starts_with_ci(v, x)),
                _ => true,
            },
            Filter::AnyEq(p, Lit::Str(x)) => match field(p) {
                Some(Field::List(items)) => items.iter().any(|i| i.eq_ignore_ascii_case(x)),
                _ => true,
            },
            Filter::In(p, lits) => match field(p) {
                Some(Field::Str(v)) => lits.iter().any(|l| match l {
                    Lit::Str(x) => v.is_some_and(|v| v.eq_ignore_ascii_case(x)),
                    Lit::Null => v.is_none(),
                    Lit::Bool(_) => false,
                }),
                _ => true,
            },
            _ => true,
        }
    }

    /// First property named, for error messages.
    pub fn first_property(&self) -> &str {
        match self {
            Filter::And(a, _) | Filter::Or(a, _) => a.first_property(),
            Filter::Not(a) => a.first_property(),
            Filter::Eq(p, _)
            | Filter::Ne(p, _)
            | Filter::StartsWith(p, _)
            | Filter::EndsWith(p, _)
            | Filter::AnyEq(p, _)
            | Filter::In(p, _) => p,
        }
    }

    /// Evaluates against an object's JSON. Directory string comparisons are case-insensitive.
    pub fn matches(&self, obj: &Value) -> bool {
        match self {
            Filter::And(a, b) => a.matches(obj) && b.matches(obj),
            Filter::Or(a, b) => a.matches(obj) || b.matches(obj),
            Filter::Not(a) => !a.matches(obj),
            Filter::Eq(p, l) => lit_eq(prop(obj, p), l),
            Filter::Ne(p, l) => !lit_eq(prop(obj, p), l),
            Filter::StartsWith(p, s) => prop(obj, p)
                .and_then(Value::as_str)
                .is_some_and(|v| starts_with_ci(v, s)),
            Filter::EndsWith(p, s) => prop(obj, p)
                .and_then(Value::as_str)
                .is_some_and(|v| v.to_lowercase().ends_with(&s.to_lowercase())),
            Filter::AnyEq(p, l) => prop(obj, p)
                .and_then(Value::as_array)
                .is_some_and(|items| items.iter().any(|i| lit_eq(Some(i), l))),
            Filter::In(p, lits) => {
                let v = prop(obj, p);
                lits.iter().any(|l| lit_eq(v, l))
            }
        }
    }
}

fn starts_with_ci(v: &str, prefix: &str) -> bool {
    v.to_lowercase().starts_with(&prefix.to_lowercase())
}

/// Property lookup; OData property names in queries are matched case-insensitively. A path
/// (`onPremisesExtensionAttributes/extensionAttribute1`) walks into complex properties.
fn prop<'a>(obj: &'a Value, name: &str) -> Option<&'a Value> {
    if let Some((head, rest)) = name.split_once('/') {
        return prop(prop(obj, head)?, rest);
    }
    let map = obj.as_object()?;
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn lit_eq(v: Option<&Value>, l: &Lit) -> bool {
    match (v, l) {
        (None | Some(Value::Null), Lit::Null) => true,
        (Some(Value::String(s)), Lit::Str(x)) => s.eq_ignore_ascii_case(x),
        (Some(Value::Bool(b)), Lit::Bool(x)) => b == x,
        _ => false,
    }
}

// ----- $filter parser -----

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    LParen,
    RParen,
    Comma,
    Colon,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, QueryError> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            ':' => {
                out.push(Tok::Colon);
                i += 1
            }
            '\'' => {
                // OData string literal; '' is an escaped quote.
                let mut v = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(syntax_error(s, i)),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            v.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            v.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(v));
            }
            c if c.is_alphanumeric()
                || c == '_'
                || c == '/'
                || c == '.'
                || c == '@'
                || c == '-' =>
            {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric()
                        || matches!(chars[i], '_' | '/' | '.' | '@' | '-'))
                {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            _ => return Err(syntax_error(s, i)),
        }
    }
    Ok(out)
}

fn syntax_error(s: &str, pos: usize) -> QueryError {
    QueryError::syntax(format!(
        "Invalid filter clause: Syntax error at position {pos} in '{s}'."
    ))
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    src: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn err(&self) -> QueryError {
        syntax_error(self.src, self.pos)
    }
    fn expect(&mut self, t: Tok) -> Result<(), QueryError> {
        if self.next() == Some(t) {
            Ok(())
        } else {
            Err(self.err())
        }
    }
    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(i)) if i.eq_ignore_ascii_case(kw))
    }

    fn or_expr(&mut self) -> Result<Filter, QueryError> {
        let mut left = self.and_expr()?;
        while self.keyword("or") {
            self.pos += 1;
            let right = self.and_expr()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Filter, QueryError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, QueryError> {
        if self.keyword("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.or_expr()?;
            self.expect(Tok::RParen)?;
            return Ok(e);
        }
        let Some(Tok::Ident(name)) = self.next() else {
            return Err(self.err());
        };
        let lname = name.to_ascii_lowercase();
        if (lname == "startswith" || lname == "endswith") && self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let Some(Tok::Ident(p)) = self.next() else {
                return Err(self.err());
            };
            self.expect(Tok::Comma)?;
            let Some(Tok::Str(v)) = self.next() else {
                return Err(self.err());
            };
            self.expect(Tok::RParen)?;
            return Ok(if lname == "startswith" {
                Filter::StartsWith(p, v)
            } else {
                Filter::EndsWith(p, v)
            });
        }
        if let Some(p) = name.strip_suffix("/any") {
            // prop/any(x:x eq 'v')
            self.expect(Tok::LParen)?;
            let Some(Tok::Ident(var)) = self.next() else {
                return Err(self.err());
            };
            self.expect(Tok::Colon)?;
            let Some(Tok::Ident(var2)) = self.next() else {
                return Err(self.err());
            };
            if var != var2 || !self.keyword("eq") {
                return Err(self.err());
            }
            self.pos += 1;
            let lit = self.literal()?;
            self.expect(Tok::RParen)?;
            return Ok(Filter::AnyEq(p.to_string(), lit));
        }
        let op = match self.next() {
            Some(Tok::Ident(op)) => op.to_ascii_lowercase(),
            _ => return Err(self.err()),
        };
        if op == "in" {
            // prop in ('a', 'b'): https://learn.microsoft.com/graph/filter-query-parameter#operators-and-functions-supported-in-filter-expressions
            self.expect(Tok::LParen)?;
            let mut lits = vec![self.literal()?];
            while self.peek() == Some(&Tok::Comma) {
                self.pos += 1;
                lits.push(self.literal()?);
            }
            self.expect(Tok::RParen)?;
            return Ok(Filter::In(name, lits));
        }
        let lit = self.literal()?;
        match op.as_str() {
            "eq" => Ok(Filter::Eq(name, lit)),
            "ne" => Ok(Filter::Ne(name, lit)),
            _ => Err(QueryError::unsupported(format!(
                "Unsupported or invalid query filter clause specified for property '{name}'."
            ))),
        }
    }

    fn literal(&mut self) -> Result<Lit, QueryError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Lit::Str(s)),
            Some(Tok::Ident(i)) if i.eq_ignore_ascii_case("true") => Ok(Lit::Bool(true)),
            Some(Tok::Ident(i)) if i.eq_ignore_ascii_case("false") => Ok(Lit::Bool(false)),
            Some(Tok::Ident(i)) if i.eq_ignore_ascii_case("null") => Ok(Lit::Null),
            _ => Err(self.err()),
        }
    }
}

pub fn parse_filter(s: &str) -> Result<Filter, QueryError> {
    let toks = tokenize(s)?;
    let mut p = Parser {
        toks,
        pos: 0,
        src: s,
    };
    let f = p.or_expr()?;
    if p.pos != p.toks.len() {
        return Err(p.err());
    }
    Ok(f)
}

// ----- $search -----

/// `$search="displayName:x" OR "mail:y"`: clauses joined by AND/OR (left to right).
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    clauses: Vec<(String, String)>,
    /// Connectors between clauses: true = AND.
    ands: Vec<bool>,
}

impl Search {
    /// Graph tokenizes directory properties on spaces and punctuation and matches token prefixes
    /// (https://learn.microsoft.com/en-us/graph/search-query-parameter#using-search-on-directory-object-collections).
    pub fn matches(&self, obj: &Value) -> bool {
        let hit = |(p, term): &(String, String)| {
            let Some(v) = prop(obj, p).and_then(Value::as_str) else {
                return false;
            };
            let v = v.to_lowercase();
            let term = term.to_lowercase();
            v.starts_with(&term)
                || v.split(|c: char| !c.is_alphanumeric())
                    .any(|tok| tok.starts_with(&term))
        };
        let mut acc = hit(&self.clauses[0]);
        for (i, c) in self.clauses.iter().enumerate().skip(1) {
            acc = if self.ands[i - 1] {
                acc && hit(c)
            } else {
                acc || hit(c)
            };
        }
        acc
    }
}

pub fn parse_search(s: &str) -> Result<Search, QueryError> {
    let invalid = || QueryError::syntax(format!("Invalid search clause: '{s}'."));
    let mut clauses = Vec::new();
    let mut ands = Vec::new();
    let mut rest = s.trim();
    loop {
        let body = rest.strip_prefix('"').ok_or_else(invalid)?;
        let end = body.find('"').ok_or_else(invalid)?;
        let clause = &body[..end];
        let (p, v) = clause.split_once(':').ok_or_else(|| {
            QueryError::syntax(format!(
                "Syntax error: character ':' is expected in the $search clause '{clause}'."
            ))
        })?;
        clauses.push((p.trim().to_string(), v.trim().to_string()));
        rest = body[end + 1..].trim_start();
        if rest.is_empty() {
            break;
        }
        let (word, after) = rest.split_once(' ').ok_or_else(invalid)?;
        match word {
            "AND" => ands.push(true),
            "OR" => ands.push(false),
            _ => return Err(invalid()),
        }
        rest = after.trim_start();
    }
    Ok(Search { clauses, ands })
}

// ----- the whole query -----

/// The query options of one collection request.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub filter: Option<Filter>,
    pub search: Option<Search>,
    pub select: Option<Vec<String>>,
    pub top: Option<usize>,
    pub count: bool,
    pub orderby: Option<(String, bool)>,
    /// Offset decoded from `$skiptoken`.
    pub offset: usize,
    /// The raw pairs (without `$skiptoken`), to rebuild `@odata.nextLink`.
    pub raw: Vec<(String, String)>,
    pub consistency_eventual: bool,
}

impl Query {
    /// Parses the query pairs and applies Graph's rules for directory objects.
    pub fn parse(
        pairs: &[(String, String)],
        consistency_eventual: bool,
    ) -> Result<Query, QueryError> {
        let mut q = Query {
            consistency_eventual,
            ..Query::default()
        };
        for (k, v) in pairs {
            // Graph accepts the options with or without the `$` prefix.
            let key = k.trim_start_matches('$').to_ascii_lowercase();
            match key.as_str() {
                "filter" => q.filter = Some(parse_filter(v)?),
                "search" => q.search = Some(parse_search(v)?),
                "select" => {
                    q.select = Some(
                        v.split(',')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect(),
                    )
                }
                "top" => {
                    let n: i64 = v.trim().parse().map_err(|_| {
                        QueryError::syntax(format!(
                            "Invalid value '{v}' for $top query option found."
                        ))
                    })?;
                    if !(1..=MAX_PAGE as i64).contains(&n) {
                        return Err(QueryError::unsupported(format!(
                            "Invalid page size specified: '{n}'. Must be between 1 and {MAX_PAGE} inclusive."
                        )));
                    }
                    q.top = Some(n as usize);
                }
                "count" => q.count = v.eq_ignore_ascii_case("true"),
                "orderby" => {
                    let mut it = v.split_whitespace();
                    let p = it.next().unwrap_or_default().to_string();
                    let desc = it.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
                    q.orderby = Some((p, desc));
                }
                "skiptoken" => {
                    q.offset = decode_skiptoken(v).ok_or_else(|| {
                        QueryError::bad("Skip token is null or invalid.".to_string())
                    })?;
                    continue;
                }
                "skip" => return Err(QueryError::bad("'$skip' is not supported by the service.")),
                "expand" | "format" => {}
                _ => {}
            }
            if k.starts_with('$')
                || matches!(
                    key.as_str(),
                    "filter" | "search" | "select" | "top" | "count" | "orderby"
                )
            {
                q.raw.push((k.clone(), v.clone()));
            }
        }
        // https://learn.microsoft.com/en-us/graph/aad-advanced-queries
        if q.search.is_some() && !consistency_eventual {
            return Err(QueryError::unsupported(
                "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
            ));
        }
        if q.count && !consistency_eventual {
            return Err(QueryError::bad("$count is not currently supported."));
        }
        if let Some(f) = &q.filter {
            if f.is_advanced() && !(consistency_eventual && q.count) {
                return Err(QueryError::unsupported(format!(
                    "Unsupported or invalid query filter clause specified for property '{}' of resource 'directoryObject'.",
                    f.first_property()
                )));
            }
            if q.orderby.is_some() && !(consistency_eventual && q.count) {
                return Err(QueryError::unsupported(
                    "Sorting not supported for current query.",
                ));
            }
        }
        Ok(q)
    }

    pub fn page_size(&self) -> usize {
        self.top.unwrap_or(DEFAULT_PAGE)
    }

    /// Whether an object passes `$filter` and `$search`.
    pub fn keeps(&self, obj: &Value) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(obj))
            && self.search.as_ref().is_none_or(|s| s.matches(obj))
    }

    pub fn is_trivial(&self) -> bool {
        self.filter.is_none() && self.search.is_none() && self.orderby.is_none()
    }

    /// The `@odata.nextLink` for the page starting at `offset`.
    pub fn next_link(&self, base: &str, offset: usize) -> String {
        let mut s = String::from(base);
        s.push('?');
        for (k, v) in &self.raw {
            s.push_str(&encode(k));
            s.push('=');
            s.push_str(&encode(v));
            s.push('&');
        }
        s.push_str("$skiptoken=");
        s.push_str(&encode_skiptoken(offset));
        s
    }

    /// Applies `$select` to an object; `@odata.type` is kept (Graph always returns it on
    /// directoryObject collections).
    pub fn project(&self, mut obj: serde_json::Map<String, Value>) -> Value {
        if let Some(sel) = &self.select {
            obj.retain(|k, _| k.starts_with('@') || sel.iter().any(|s| s.eq_ignore_ascii_case(k)));
        }
        Value::Object(obj)
    }
}

/// Percent-encodes a query component (RFC 3986 unreserved characters and `$` stay).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'$') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Skip tokens are opaque to clients; ours carries the offset of the next page.
pub fn encode_skiptoken(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("sim-offset:{offset}"))
}

pub fn decode_skiptoken(t: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t.trim())
        .ok()?;
    let s = String::from_utf8(bytes).ok()?;
    s.strip_prefix("sim-offset:")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn in_lists_and_complex_property_paths() {
        let u = json!({"userType": "Guest", "externalUserState": "PendingAcceptance",
            "onPremisesExtensionAttributes": {"extensionAttribute15": "2026-01-31", "extensionAttribute1": null}});
        for (f, want) in [
            (
                "externalUserState in ('PendingAcceptance', 'Accepted')",
                true,
            ),
            ("externalUserState in ('accepted')", false),
            (
                "externalUserState in ('Accepted') or userType eq 'guest'",
                true,
            ),
            (
                "onPremisesExtensionAttributes/extensionAttribute15 eq '2026-01-31'",
                true,
            ),
            (
                "onPremisesExtensionAttributes/extensionAttribute1 eq null",
                true,
            ),
            (
                "onPremisesExtensionAttributes/extensionAttribute2 eq 'x'",
                false,
            ),
            ("externalUserState ne 'Accepted'", true),
        ] {
            assert_eq!(parse_filter(f).expect(f).matches(&u), want, "{f}");
        }
        assert_eq!(
            parse_filter("externalUserState in ('A','B')").unwrap(),
            Filter::In(
                "externalUserState".into(),
                vec![Lit::Str("A".into()), Lit::Str("B".into())]
            )
        );
        assert!(parse_filter("externalUserState in ('A',)").is_err());
        assert!(parse_filter("externalUserState in 'A'").is_err());
    }

    #[test]
    fn filters_match_like_graph() {
        let g = json!({"mailEnabled": true, "securityEnabled": false, "groupTypes": ["Unified"],
            "displayName": "Project Falcon", "mail": "falcon@contoso.com"});
        for (f, want) in [
            ("mailEnabled eq true and securityEnabled eq false", true),
            ("groupTypes/any(c:c eq 'Unified')", true),
            ("groupTypes/any(c:c eq 'DynamicMembership')", false),
            ("startswith(displayName,'proj')", true),
            ("startswith(mail, 'x') or mailEnabled eq true", true),
            ("(mailEnabled eq false) or (securityEnabled eq true)", false),
            ("mail eq 'FALCON@contoso.com'", true),
            ("displayName eq 'O''Neil'", false),
        ] {
            assert_eq!(parse_filter(f).expect(f).matches(&g), want, "{f}");
        }
        assert_eq!(
            parse_filter("displayName eq 'O''Neil'").unwrap(),
            Filter::Eq("displayName".into(), Lit::Str("O'Neil".into()))
        );
    }

    #[test]
    fn may_match_rejects_only_certain_misses() {
        let others = vec!["Alt@Example.com".to_string()];
        let field = |p: &str| match p {
            "mail" => Some(Field::Str(Some("a@contoso.com"))),
            "otherMails" => Some(Field::List(&others)),
            _ => None,
        };
        let f = |s: &str| parse_filter(s).unwrap().may_match(&field);
        assert!(f("mail eq 'A@CONTOSO.com'"));
        assert!(!f("mail eq 'b@contoso.com'"));
        assert!(!f("startswith(mail,'b')"));
        assert!(f("otherMails/any(x:x eq 'alt@example.com')"));
        assert!(!f("otherMails/any(x:x eq 'nope@example.com')"));
        assert!(
            f("mail eq 'b@contoso.com' or jobTitle eq 'x'"),
            "unknown fields stay possible"
        );
        assert!(!f("mail eq 'b@contoso.com' and jobTitle eq 'x'"));
        assert!(
            f("not (mail eq 'a@contoso.com')"),
            "negations are not pre-judged"
        );
    }

    #[test]
    fn malformed_filter_is_a_bad_request() {
        let e = parse_filter("mail eq 'unterminated").unwrap_err();
        assert_eq!(e.code(), "BadRequest");
        assert!(parse_filter("mail gt 'a'").is_err());
    }

    #[test]
    fn search_needs_consistency_level_and_top_is_bounded() {
        let p = pairs(&[("$search", "\"displayName:fal\"")]);
        let e = Query::parse(&p, false).unwrap_err();
        assert_eq!(e.code(), "Request_UnsupportedQuery");
        assert!(e.message().contains("ConsistencyLevel: eventual"));
        let q = Query::parse(&p, true).unwrap();
        assert!(q.keeps(&json!({"displayName": "Project Falcon"})));
        assert!(!q.keeps(&json!({"displayName": "Marketing"})));
        assert_eq!(
            Query::parse(&pairs(&[("$top", "1000")]), false)
                .unwrap_err()
                .code(),
            "Request_UnsupportedQuery"
        );
        assert_eq!(
            Query::parse(&pairs(&[("$top", "999")]), false)
                .unwrap()
                .page_size(),
            999
        );
        assert_eq!(
            Query::parse(&pairs(&[("$skip", "5")]), false)
                .unwrap_err()
                .code(),
            "Request_BadRequest"
        );
        assert_eq!(
            Query::parse(&pairs(&[("$count", "true")]), false)
                .unwrap_err()
                .code(),
            "Request_BadRequest"
        );
        assert!(Query::parse(&pairs(&[("$filter", "mail ne null")]), true).is_err());
        assert!(Query::parse(
            &pairs(&[("$filter", "mail ne null"), ("$count", "true")]),
            true
        )
        .is_ok());
    }

    #[test]
    fn skiptoken_round_trips_and_next_link_keeps_the_query() {
        assert_eq!(decode_skiptoken(&encode_skiptoken(4200)), Some(4200));
        assert_eq!(decode_skiptoken("garbage!"), None);
        let q = Query::parse(
            &pairs(&[("$filter", "mailEnabled eq true"), ("$top", "5")]),
            false,
        )
        .unwrap();
        let link = q.next_link("http://sim/v1.0/groups", 5);
        assert!(link.starts_with(
            "http://sim/v1.0/groups?$filter=mailEnabled%20eq%20true&$top=5&$skiptoken="
        ));
    }
}

//! The OPATH `-Filter` subset of the Get-* cmdlets: `Prop -eq 'v'`, `-ne`, `-like` with `*`,
//! joined by `-and` / `-or`, with parentheses.

use serde_json::Value;

use super::{ExoError, INVALID_ARGUMENT_TYPE};

#[derive(Debug, Clone)]
pub(super) enum Opath {
    Cmp {
        prop: String,
        op: String,
        value: String,
    },
    And(Box<Opath>, Box<Opath>),
    Or(Box<Opath>, Box<Opath>),
}

impl Opath {
    pub(super) fn matches(&self, j: &Value) -> bool {
        match self {
            Opath::And(a, b) => a.matches(j) && b.matches(j),
            Opath::Or(a, b) => a.matches(j) || b.matches(j),
            Opath::Cmp { prop, op, value } => {
                let vals: Vec<String> = match j
                    .as_object()
                    .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(prop)))
                {
                    Some((_, Value::Array(a))) => a
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                    Some((_, Value::String(s))) => vec![s.clone()],
                    Some((_, Value::Bool(b))) => vec![b.to_string()],
                    _ => vec![],
                };
                let value = value.trim_start_matches('$');
                let hit = |v: &String| match op.as_str() {
                    "-like" => like(v, value),
                    _ => v.eq_ignore_ascii_case(value),
                };
                match op.as_str() {
                    "-ne" => !vals.iter().any(hit),
                    _ => vals.iter().any(hit),
                }
            }
        }
    }
}

pub(super) fn like(v: &str, pat: &str) -> bool {
    let (v, pat) = (v.to_lowercase(), pat.to_lowercase());
    let parts: Vec<&str> = pat.split('*').collect();
    if parts.len() == 1 {
        return v == pat;
    }
    let mut rest = v.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(pos) = rest.find(part) {
            rest = &rest[pos + part.len()..];
        } else {
            return false;
        }
    }
    true
}

pub(super) fn parse_opath(s: &str) -> Result<Opath, ExoError> {
    let bad = || {
        ExoError::new(INVALID_ARGUMENT_TYPE, format!("Cannot bind parameter 'Filter' to the target. Exception setting \"Filter\": \"Invalid filter syntax. For a description of the filter parameter syntax see the command help. \"{s}\"\""))
    };
    // Tokens: words, quoted strings, parentheses.
    let mut toks = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == ')' {
            toks.push(c.to_string());
            i += 1;
        } else if c == '\'' || c == '"' {
            let q = c;
            let mut v = String::new();
            i += 1;
            while i < chars.len() && chars[i] != q {
                v.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return Err(bad());
            }
            i += 1;
            toks.push(format!("\u{1}{v}"));
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '(' && chars[i] != ')'
            {
                i += 1;
            }
            toks.push(chars[start..i].iter().collect());
        }
    }
    fn or(t: &[String], i: &mut usize, bad: &dyn Fn() -> ExoError) -> Result<Opath, ExoError> {
        let mut l = and(t, i, bad)?;
        while t.get(*i).is_some_and(|x| x.eq_ignore_ascii_case("-or")) {
            *i += 1;
            l = Opath::Or(Box::new(l), Box::new(and(t, i, bad)?));
        }
        Ok(l)
    }
    fn and(t: &[String], i: &mut usize, bad: &dyn Fn() -> ExoError) -> Result<Opath, ExoError> {
        let mut l = atom(t, i, bad)?;
        while t.get(*i).is_some_and(|x| x.eq_ignore_ascii_case("-and")) {
            *i += 1;
            l = Opath::And(Box::new(l), Box::new(atom(t, i, bad)?));
        }
        Ok(l)
    }
    fn atom(t: &[String], i: &mut usize, bad: &dyn Fn() -> ExoError) -> Result<Opath, ExoError> {
        if t.get(*i).map(String::as_str) == Some("(") {
            *i += 1;
            let e = or(t, i, bad)?;
            if t.get(*i).map(String::as_str) != Some(")") {
                return Err(bad());
            }
            *i += 1;
            return Ok(e);
        }
        let prop = t.get(*i).ok_or_else(bad)?.clone();
        let op = t.get(*i + 1).ok_or_else(bad)?.to_ascii_lowercase();
        let value = t.get(*i + 2).ok_or_else(bad)?;
        if !matches!(op.as_str(), "-eq" | "-ne" | "-like") {
            return Err(bad());
        }
        *i += 3;
        Ok(Opath::Cmp {
            prop,
            op,
            value: value.trim_start_matches('\u{1}').to_string(),
        })
    }
    let mut i = 0;
    let e = or(&toks, &mut i, &bad)?;
    if i != toks.len() {
        return Err(bad());
    }
    Ok(e)
}

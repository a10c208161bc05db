//! Finding elements the way people and assistive technology do: by ARIA role and accessible
//! name, not by CSS classes or ids that change with the styling.
//!
//! The role and name are computed in the page by a small script following WAI-ARIA 1.2, HTML-AAM
//! (implicit roles) and the Accessible Name computation (aria-labelledby, aria-label, `<label>`,
//! alt, text content). Every element a test acts on is then checked against Chromium's own
//! accessibility tree through WebDriver's "Get Computed Role" and "Get Computed Label", so the
//! script cannot quietly drift from what a screen reader would announce.

use fantoccini::elements::{Element, ElementRef};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Client;
use serde_json::Value;

use super::{Error, Result};

/// WebDriver's key for an element reference in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Returns `{ matches: [elements], seen: ["role \"name\"", …] }` for arguments (role, name or
/// null). Only rendered, non-hidden elements count.
const QUERY_SCRIPT: &str = r#"
const [wantRole, wantName] = arguments;
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();

const SECTIONING = 'article, aside, main, nav, section';
const NAME_FROM_CONTENT = new Set(['button', 'cell', 'checkbox', 'columnheader', 'gridcell',
  'heading', 'link', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'option', 'radio',
  'row', 'rowheader', 'switch', 'tab', 'tooltip', 'treeitem']);

function hasAuthorName(el) {
  return norm(el.getAttribute('aria-label')) !== '' || norm(el.getAttribute('aria-labelledby')) !== '';
}

// HTML-AAM: the role an element has without a role attribute.
function implicitRole(el) {
  const tag = el.localName;
  switch (tag) {
    case 'a': case 'area': return el.hasAttribute('href') ? 'link' : null;
    case 'button': case 'summary': return tag === 'button' ? 'button' : null;
    case 'nav': return 'navigation';
    case 'main': return 'main';
    case 'aside': return 'complementary';
    // header/footer are landmarks only when not scoped to a sectioning element.
    case 'header': return el.parentElement && el.parentElement.closest(SECTIONING) ? null : 'banner';
    case 'footer': return el.parentElement && el.parentElement.closest(SECTIONING) ? null : 'contentinfo';
    case 'section': return hasAuthorName(el) ? 'region' : null;
    case 'form': return hasAuthorName(el) ? 'form' : null;
    case 'h1': case 'h2': case 'h3': case 'h4': case 'h5': case 'h6': return 'heading';
    case 'ul': case 'ol': case 'menu': return 'list';
    case 'li': return 'listitem';
    case 'dialog': return 'dialog';
    case 'table': return 'table';
    case 'tr': return 'row';
    case 'td': return 'cell';
    case 'th': return 'columnheader';
    case 'p': return 'paragraph';
    case 'fieldset': return 'group';
    case 'progress': return 'progressbar';
    case 'output': return 'status';
    case 'textarea': return 'textbox';
    case 'option': return 'option';
    case 'img': return el.getAttribute('alt') === '' ? 'presentation' : 'img';
    case 'select': return (el.multiple || el.size > 1) ? 'listbox' : 'combobox';
    case 'input': {
      const type = (el.getAttribute('type') || 'text').toLowerCase();
      switch (type) {
        case 'button': case 'submit': case 'reset': case 'image': return 'button';
        case 'checkbox': return 'checkbox';
        case 'radio': return 'radio';
        case 'range': return 'slider';
        case 'number': return 'spinbutton';
        case 'hidden': case 'file': case 'color': case 'date': case 'datetime-local':
        case 'month': case 'time': case 'week': case 'password': return null;
        case 'search': return el.hasAttribute('list') ? 'combobox' : 'searchbox';
        default: return el.hasAttribute('list') ? 'combobox' : 'textbox';
      }
    }
    default: return null;
  }
}

function role(el) {
  const explicit = norm(el.getAttribute('role'));
  return explicit ? explicit.split(' ')[0] : implicitRole(el);
}

function isHidden(el) {
  if (el.closest('[aria-hidden="true"], [hidden], [inert]')) return true;
  if (typeof el.checkVisibility === 'function') {
    return !el.checkVisibility({ visibilityProperty: true });
  }
  const cs = getComputedStyle(el);
  return cs.display === 'none' || cs.visibility === 'hidden' || el.getClientRects().length === 0;
}

// Text of a subtree as the name computation sees it: hidden parts skipped, embedded labels and
// alt texts used, block boundaries as spaces.
function textFrom(node) {
  let out = '';
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) { out += child.textContent; continue; }
    if (child.nodeType !== Node.ELEMENT_NODE) continue;
    if (child.getAttribute('aria-hidden') === 'true') continue;
    const cs = getComputedStyle(child);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    const label = norm(child.getAttribute('aria-label'));
    let part;
    if (label) part = label;
    else if (child.localName === 'img') part = child.getAttribute('alt') || '';
    else part = textFrom(child);
    out += cs.display.startsWith('inline') ? part : ' ' + part + ' ';
  }
  return out;
}

function accessibleName(el) {
  const labelledby = norm(el.getAttribute('aria-labelledby'));
  if (labelledby) {
    const text = labelledby.split(' ').map((id) => document.getElementById(id)).filter(Boolean)
      .map((ref) => norm(ref.getAttribute('aria-label')) || norm(textFrom(ref))).join(' ');
    if (norm(text)) return norm(text);
  }
  const label = norm(el.getAttribute('aria-label'));
  if (label) return label;
  if (el.labels && el.labels.length) {
    return norm(Array.from(el.labels).map((l) => textFrom(l)).join(' '));
  }
  if (el.localName === 'img' || (el.localName === 'input' && el.type === 'image')) {
    return norm(el.getAttribute('alt'));
  }
  if (el.localName === 'input' && ['button', 'submit', 'reset'].includes(el.type)) {
    return norm(el.value) || (el.type === 'submit' ? 'Submit' : el.type === 'reset' ? 'Reset' : '');
  }
  if (el.localName === 'fieldset') {
    const legend = el.querySelector(':scope > legend');
    if (legend) return norm(textFrom(legend));
  }
  if (el.localName === 'table' && el.caption) return norm(textFrom(el.caption));
  if (NAME_FROM_CONTENT.has(role(el))) {
    const text = norm(textFrom(el));
    if (text) return text;
  }
  return norm(el.getAttribute('title'));
}

const matches = [];
const seen = [];
for (const el of document.body.querySelectorAll('*')) {
  const r = role(el);
  if (!r || r === 'presentation' || r === 'none' || r === 'generic') continue;
  if (isHidden(el)) continue;
  const name = accessibleName(el);
  if (!['paragraph', 'listitem', 'list', 'cell', 'row'].includes(r)) {
    seen.push(name ? `${r} "${name}"` : r);
  }
  if (r === wantRole && (wantName === null || name === norm(wantName))) matches.push(el);
}
return { matches, seen };
"#;

/// What the page holds for a role query.
pub struct Query {
    pub matches: Vec<Element>,
    /// Every visible role (and name) on the page, for error messages.
    pub seen: Vec<String>,
}

/// All visible elements with `role` and, if given, exactly this accessible name
/// (whitespace-normalised).
pub async fn query(client: &Client, role: &str, name: Option<&str>) -> Result<Query> {
    let answer = client
        .execute(
            QUERY_SCRIPT,
            vec![
                Value::from(role),
                name.map(Value::from).unwrap_or(Value::Null),
            ],
        )
        .await?;
    let matches = answer["matches"]
        .as_array()
        .ok_or_else(|| Error::Page(format!("role query returned {answer}")))?
        .iter()
        .map(|v| element_from_json(client, v))
        .collect::<Result<Vec<_>>>()?;
    let seen = answer["seen"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok(Query { matches, seen })
}

fn element_from_json(client: &Client, value: &Value) -> Result<Element> {
    let id = value[ELEMENT_KEY]
        .as_str()
        .ok_or_else(|| Error::Page(format!("not an element reference: {value}")))?;
    Ok(Element::from_element_id(
        client.clone(),
        ElementRef::from(id.to_owned()),
    ))
}

/// WebDriver "Get Computed Role" / "Get Computed Label": Chromium's accessibility tree.
#[derive(Debug)]
struct Computed {
    element: String,
    what: &'static str,
}

impl WebDriverCompatibleCommand for Computed {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> std::result::Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!(
            "session/{session}/element/{}/{}",
            self.element, self.what
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::GET, None)
    }
}

async fn computed(client: &Client, element: &Element, what: &'static str) -> Result<String> {
    let value = client
        .issue_cmd(Computed {
            element: element.element_id().to_string(),
            what,
        })
        .await?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

/// Checks the element against Chromium's accessibility tree: same role, same name.
pub async fn verify(client: &Client, element: &Element, role: &str, name: &str) -> Result<()> {
    let computed_role = computed(client, element, "computedrole").await?;
    let computed_name = computed(client, element, "computedlabel").await?;
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    if computed_role == role && norm(&computed_name) == norm(name) {
        Ok(())
    } else {
        Err(Error::A11yMismatch {
            role: role.to_owned(),
            name: name.to_owned(),
            computed_role,
            computed_name,
        })
    }
}

/// Checks only the role against Chromium's accessibility tree (for unnamed landmarks).
pub async fn verify_role(client: &Client, element: &Element, role: &str) -> Result<()> {
    let computed_role = computed(client, element, "computedrole").await?;
    if computed_role == role {
        Ok(())
    } else {
        Err(Error::A11yMismatch {
            role: role.to_owned(),
            name: String::new(),
            computed_name: computed(client, element, "computedlabel").await?,
            computed_role,
        })
    }
}

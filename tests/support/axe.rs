//! Automated accessibility audit with axe-core (the pinned npm package in node_modules):
//! WCAG 2.1 A and AA rules, colour contrast included, run on the page as it is rendered.

use serde_json::Value;

use super::browser::Browser;
use super::{check, repo_root, Error, Result};

/// Runs after axe's source: the rule sets we hold the app to, and a plain-JSON summary.
const AUDIT: &str = r#"
return window.axe
  .run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    resultTypes: ['violations'],
  })
  .then((r) => r.violations.map((v) => ({
    id: v.id,
    impact: v.impact || '',
    help: v.help,
    targets: v.nodes.map((n) =>
      `${n.target.join(' ')} [${(n.failureSummary || '').replace(/\s+/g, ' ').trim()}]`),
  })));
"#;

/// One failed rule: its id, impact, help text and the elements that fail it.
#[derive(Debug)]
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    pub targets: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {} — {}",
            self.id,
            self.impact,
            self.help,
            self.targets.join(", ")
        )
    }
}

/// Injects axe-core into the current page and returns its violations.
pub async fn audit(browser: &Browser) -> Result<Vec<Violation>> {
    let path = repo_root().join("node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&path).map_err(|source| Error::Io {
        what: format!("reading {} (run `cargo xtask setup`)", path.display()),
        source,
    })?;
    // WebDriver scripts run outside the page's Content-Security-Policy, so axe needs no
    // exception in it. The script's promise is awaited by the WebDriver "execute script" step.
    let script = format!("{source}\n;{AUDIT}");
    let answer = browser.client.execute(&script, vec![]).await?;
    let list = answer
        .as_array()
        .ok_or_else(|| Error::Page(format!("axe returned {answer}")))?;
    Ok(list
        .iter()
        .map(|v| Violation {
            id: text(&v["id"]),
            impact: text(&v["impact"]),
            help: text(&v["help"]),
            targets: v["targets"]
                .as_array()
                .map(|t| t.iter().map(text).collect())
                .unwrap_or_default(),
        })
        .collect())
}

/// Fails with the list of violations if the page as it is now has any (`what` names the page in
/// the message).
pub async fn check_page(browser: &Browser, what: &str) -> Result<()> {
    let list: Vec<String> = audit(browser)
        .await?
        .iter()
        .map(ToString::to_string)
        .collect();
    check(list.is_empty(), || {
        format!(
            "accessibility violations on {what}:\n  {}",
            list.join("\n  ")
        )
    })
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

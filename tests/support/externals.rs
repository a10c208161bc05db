//! Steps on the External people page that several e2e suites take.

use super::browser::Browser;
use super::{check, Result};

/// Opens the page from the navigation and waits until the groups are read.
pub async fn open_register(browser: &Browser) -> Result<()> {
    browser.click("link", "External people").await?;
    browser.find("heading", "External people").await?;
    browser.wait_text("2 groups: ").await?;
    Ok(())
}

/// Opens the register, ticks "Access ended", and waits until it shows "Ended {date}" for
/// `name` (a name or an address in its row). Returns the page's text.
pub async fn access_ended(browser: &Browser, date: &str, name: &str) -> Result<String> {
    open_register(browser).await?;
    browser
        .find("checkbox", "Access ended")
        .await?
        .click()
        .await?;
    let text = browser.wait_text(&format!("Ended {date}")).await?;
    check(text.contains(name), || format!("access ended: {text}"))?;
    Ok(text)
}

//! After a failed sign-in that [`SignInProblem`] recognises: what happened and what to change,
//! with this installation's values, in the admin's language. Shown above every page, since a
//! redirect sign-in comes back to wherever it started.
//!
//! The texts (both languages) come from a split point of their own ([`sign_in_help_texts`]):
//! they are only needed after a failure, so the first load doesn't carry them.

use crate::auth::problem::{aadsts_code, SignInProblem};
use crate::auth::{use_auth, AuthStatus};
use crate::config::Config;
use crate::i18n::signin::{FixValues, SignInHelpTexts, UNANSWERED};
use crate::i18n::{use_i18n, Lang};
use crate::ui::browser;
use leptos::prelude::*;

/// The sign-in help texts, English and Dutch. With the `split` feature a split point (see
/// `lazy_route!` in `ui/mod.rs`), fetched the first time a sign-in problem is shown.
#[cfg_attr(feature = "split", leptos::lazy)]
async fn sign_in_help_texts() -> [&'static SignInHelpTexts; 2] {
    Lang::ALL.map(|l| l.texts().signin())
}

/// Nothing, or the explanation of the current sign-in failure.
#[component]
pub fn SignInProblemPanel() -> impl IntoView {
    let auth = use_auth();
    let failure = Memo::new(move |_| match auth.status() {
        AuthStatus::Failed(e) => SignInProblem::of(&e).map(|p| (p, e.message().to_owned())),
        _ => None,
    });
    move || {
        failure
            .get()
            .map(|(problem, detail)| view! { <Explained problem detail/> })
    }
}

/// `title (AADSTSnnnn)`: the code Microsoft sent, else the one the problem stands for.
fn titled(t: &SignInHelpTexts, problem: SignInProblem, detail: Option<&str>) -> String {
    let code = detail
        .and_then(aadsts_code)
        .map(|n| format!("AADSTS{n}"))
        .or_else(|| problem.code().map(str::to_owned));
    match code {
        Some(code) => format!("{} ({code})", t.title(problem)),
        None => t.title(problem).to_owned(),
    }
}

#[component]
fn Explained(problem: SignInProblem, detail: String) -> impl IntoView {
    let i18n = use_i18n();
    let values = use_context::<Config>()
        .map(|c| FixValues::new(&c, &browser::app_base_url()))
        .unwrap_or_default();
    let texts = LocalResource::new(sign_in_help_texts);
    move || {
        let pair = texts.get()?;
        let t = if i18n.lang() == Lang::Nl {
            pair[1]
        } else {
            pair[0]
        };
        let unanswered = (problem == SignInProblem::NoAnswer).then(|| {
            view! {
                <ul class="sign-in-problem-list">
                    {UNANSWERED
                        .map(|p| {
                            view! {
                                <li>
                                    <strong>{titled(t, p, None)}</strong>
                                    " "
                                    {t.fix(p, &values)}
                                </li>
                            }
                        })}
                </ul>
            }
        });
        Some(view! {
            <section
                class="card message-bar message-bar--error sign-in-problem"
                aria-labelledby="sign-in-problem-heading"
            >
                <h2 id="sign-in-problem-heading">{t.heading}</h2>
                <h3>{titled(t, problem, Some(&detail))}</h3>
                <p class="sign-in-problem-fix">{t.fix(problem, &values)}</p>
                {unanswered}
                <details>
                    <summary>{t.details_label}</summary>
                    <p class="sign-in-problem-detail">{detail.clone()}</p>
                </details>
            </section>
        })
    }
}

//! After a failed sign-in: for a failure [`SignInProblem`] recognises, what happened and what to
//! change, with this installation's values, in the admin's language; for any other, Microsoft's
//! or the browser's words. Shown above every page, since a redirect sign-in comes back to
//! wherever it started; the header only announces it.
//!
//! The explanation, its texts and the recognition come from a split point of their own
//! ([`sign_in_problem_view`]): they are only needed after a failure.

use crate::auth::problem::{aadsts_code, SignInProblem};
use crate::auth::{use_auth, AuthStatus};
use crate::config::Config;
use crate::i18n::signin::{FixValues, SignInHelpTexts, UNANSWERED};
use crate::i18n::{fill, use_i18n};
use crate::ui::browser;
use leptos::prelude::*;
use leptos::reactive::computed::ScopedFuture;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use std::cell::RefCell;
use std::rc::Rc;

/// The explanation, with its texts (both languages) and code: a split point of its own with the
/// `split` feature (see `lazy_view!` in `ui/mod.rs`), fetched the first time a sign-in fails.
#[cfg_attr(feature = "split", leptos::lazy)]
async fn sign_in_problem_view() -> AnyView {
    view! { <Explained/> }.into_any()
}

fn recognised(status: &AuthStatus) -> Option<(SignInProblem, String)> {
    match status {
        AuthStatus::Failed(e) => SignInProblem::of(e).map(|p| (p, e.message().to_owned())),
        _ => None,
    }
}

/// Nothing, or the explanation of the current sign-in failure. The explanation is fetched and
/// made once, at the first failure, and follows the auth state from then on. (A
/// spawned future and a signal rather than `Suspend`, whose rendering code the first load
/// doesn't otherwise carry.)
#[component]
pub fn SignInProblemPanel() -> impl IntoView {
    let auth = use_auth();
    let made: Rc<RefCell<Option<AnyView>>> = Rc::default();
    let ready = RwSignal::new(false);
    let started = StoredValue::new(false);
    let slot = Rc::clone(&made);
    Effect::new(move |_| {
        if !auth.failed() || started.get_value() {
            return;
        }
        started.set_value(true);
        let slot = Rc::clone(&slot);
        // Scoped: the explanation reads the page's contexts (language, auth, config).
        spawn_local(ScopedFuture::new(async move {
            let view = sign_in_problem_view().await;
            *slot.borrow_mut() = Some(view);
            ready.set(true);
        }));
    });
    // Views are Send in Leptos; this one stays on the page's thread like everything in the app.
    let made = SendWrapper::new(made);
    move || ready.get().then(|| made.borrow_mut().take()).flatten()
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

/// The explanation of the current failure (nothing once there is none).
#[component]
fn Explained() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let values = use_context::<Config>()
        .map(|c| FixValues::new(&c, &browser::app_base_url()))
        .unwrap_or_default();
    move || {
        let AuthStatus::Failed(error) = auth.status() else {
            return None;
        };
        let Some((problem, detail)) = recognised(&auth.status()) else {
            // Not a deployment problem: Microsoft's (or the browser's) own words.
            return Some(
                view! {
                    <p class="card message-bar message-bar--error sign-in-failure">
                        {fill(i18n.t().common.sign_in_failed, &[("detail", &error.to_string())])}
                    </p>
                }
                .into_any(),
            );
        };
        let t = i18n.t().signin();
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
        Some(
            view! {
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
                        <p class="sign-in-problem-detail">{detail}</p>
                    </details>
                </section>
            }
            .into_any(),
        )
    }
}

//! Sign-in failures a misconfigured deployment produces, recognised so the page can say what to
//! change and where (pure, tested natively; the words are in `i18n::signin`).
//!
//! Entra's codes and their meaning: Microsoft's AADSTS reference,
//! <https://learn.microsoft.com/entra/identity-platform/reference-error-codes>. Microsoft warns
//! that codes and texts may change: a failure that matches nothing here is still shown, with
//! Entra's own text.
//!
//! What the app can and cannot see (the simulated tenant mirrors it, sim/README.md):
//! - A redirect URI that is not registered (AADSTS50011) and an unknown client id
//!   (AADSTS700016) are answered on Entra's own error page: OAuth 2.0 forbids redirecting to an
//!   untrusted redirect URI (RFC 6749 §4.1.2.1), so nothing comes back to the app. The bridge
//!   notices only that a redirect sign-in it started came back without an answer
//!   ([`SignInProblem::NoAnswer`]); the page then lists what Entra's page may have said, with
//!   the values to register, and the About page's deployment check compares the configuration
//!   with this origin.
//! - Everything else comes back: on the redirect (`error=access_denied` or `consent_required`,
//!   with the code in `error_description`), from the token endpoint (JSON with `error_codes`),
//!   or from the discovery document (tenant not found). MSAL hands these on as a `ServerError`
//!   (or `InteractionRequiredAuthError`) whose message holds `AADSTSnnnn`.

use super::BridgeError;

/// A sign-in problem the page can explain with a fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInProblem {
    /// AADSTS50011 `InvalidReplyTo`: the redirect URI is not registered for the app (or differs
    /// in scheme, host, port, path or case).
    RedirectUriNotRegistered,
    /// AADSTS9002326: cross-origin token redemption is permitted only for the *Single-page
    /// application* client type, so the redirect URI is registered under *Web*.
    /// <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#redirect-uris-for-single-page-apps-spas>
    WebPlatform,
    /// AADSTS700016 `UnauthorizedClient_DoesNotMatchRequest`: no application with this client
    /// id in the directory (wrong `clientId`, or registered in another tenant).
    UnknownClient,
    /// AADSTS90002 `InvalidTenantName`: the tenant wasn't found (wrong `tenantId`, or another
    /// cloud's authority).
    TenantNotFound,
    /// AADSTS65001 `DelegationDoesNotExist` (nobody consented to the app's permissions), or
    /// AADSTS65004 (consent was declined on Microsoft's consent page).
    ConsentMissing,
    /// AADSTS90094 `AdminConsentRequired` (and 90093, 900941): the permissions need an
    /// administrator's consent, or the tenant's policy lets users grant none.
    /// <https://learn.microsoft.com/entra/identity/enterprise-apps/application-sign-in-unexpected-user-consent-error>
    AdminConsentRequired,
    /// AADSTS50020 `UserUnauthorized`: the account is from another identity provider or tenant
    /// and isn't a member or guest of this one.
    AccountNotInTenant,
    /// MSAL's `popup_window_error` / `empty_window_error`: the browser blocked the sign-in
    /// window (the app opens popups for "Sign in in a popup window" and incremental consent).
    PopupBlocked,
    /// A redirect sign-in went to Microsoft's page and the tab came back without an answer:
    /// what happens when Entra shows its own error page (AADSTS50011, AADSTS700016) and the admin
    /// returns with Back. Reported by js/auth.js as `no_answer`.
    NoAnswer,
}

/// The first `AADSTSnnnn` number in an error text (MSAL's messages carry Entra's
/// `error_description`, or "Error(s): nnnn - … Description: AADSTSnnnn: …").
pub fn aadsts_code(text: &str) -> Option<u32> {
    let mut rest = text;
    while let Some(at) = rest.find("AADSTS") {
        let digits: String = rest[at + 6..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(n) = digits.parse() {
            return Some(n);
        }
        rest = &rest[at + 6..];
    }
    None
}

impl SignInProblem {
    /// The problem a failure is, from MSAL's error code and message.
    pub fn classify(code: &str, message: &str) -> Option<SignInProblem> {
        match code {
            "popup_window_error" | "empty_window_error" => {
                return Some(SignInProblem::PopupBlocked)
            }
            "no_answer" => return Some(SignInProblem::NoAnswer),
            _ => {}
        }
        let number = aadsts_code(message).or_else(|| aadsts_code(code))?;
        Some(match number {
            50011 => SignInProblem::RedirectUriNotRegistered,
            9002326 => SignInProblem::WebPlatform,
            700016 => SignInProblem::UnknownClient,
            90002 => SignInProblem::TenantNotFound,
            65001 | 65004 => SignInProblem::ConsentMissing,
            90093 | 90094 | 900941 => SignInProblem::AdminConsentRequired,
            50020 => SignInProblem::AccountNotInTenant,
            _ => return None,
        })
    }

    /// The problem a bridge failure is, whatever its kind (a missing consent comes back as
    /// "interaction required", a declined one as a failure).
    pub fn of(error: &BridgeError) -> Option<SignInProblem> {
        SignInProblem::classify(error.code(), error.message())
    }

    /// The AADSTS number this problem stands for, as the page names it (none for the browser's
    /// own problems).
    pub fn code(self) -> Option<&'static str> {
        match self {
            SignInProblem::RedirectUriNotRegistered => Some("AADSTS50011"),
            SignInProblem::WebPlatform => Some("AADSTS9002326"),
            SignInProblem::UnknownClient => Some("AADSTS700016"),
            SignInProblem::TenantNotFound => Some("AADSTS90002"),
            SignInProblem::ConsentMissing => Some("AADSTS65001"),
            SignInProblem::AdminConsentRequired => Some("AADSTS90094"),
            SignInProblem::AccountNotInTenant => Some("AADSTS50020"),
            SignInProblem::PopupBlocked | SignInProblem::NoAnswer => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(code: &str, message: &str) -> BridgeError {
        BridgeError::Failed {
            code: code.into(),
            message: message.into(),
        }
    }

    #[test]
    fn aadsts_numbers_are_read_from_msal_messages() {
        assert_eq!(
            aadsts_code(
                "AADSTS50011: The redirect URI 'x' specified in the request does not match"
            ),
            Some(50011)
        );
        // A token-endpoint ServerError as MSAL words it.
        assert_eq!(
            aadsts_code(
                "Error(s): 9002326 - Timestamp: 2026-12-01 10:00:00Z - Description: AADSTS9002326: \
                 Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type."
            ),
            Some(9002326)
        );
        assert_eq!(
            aadsts_code("AADSTS: nothing AADSTS90002 later"),
            Some(90002)
        );
        assert_eq!(aadsts_code("no code here"), None);
        assert_eq!(aadsts_code("ends with AADSTS"), None);
    }

    #[test]
    fn each_deployment_problem_is_recognised() {
        let cases = [
            ("invalid_request", "AADSTS50011: The redirect URI 'https://app/redirect.html' specified in the request does not match the redirect URIs configured for the application", SignInProblem::RedirectUriNotRegistered),
            ("invalid_request", "Error(s): 9002326 - Description: AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: 'https://app'.", SignInProblem::WebPlatform),
            ("unauthorized_client", "AADSTS700016: Application with identifier '5f0c7a2e-9b1d-4c3a-8e6f-2a4b6c8d0e1f' was not found in the directory 'contoso.onmicrosoft.com'.", SignInProblem::UnknownClient),
            ("invalid_tenant", "AADSTS90002: Tenant 'contoso-typo.onmicrosoft.com' not found.", SignInProblem::TenantNotFound),
            ("consent_required", "AADSTS65001: The user or administrator has not consented to use the application", SignInProblem::ConsentMissing),
            ("access_denied", "AADSTS65004: User declined to consent to access the app.", SignInProblem::ConsentMissing),
            ("access_denied", "AADSTS90094: The grant requires admin permission.", SignInProblem::AdminConsentRequired),
            ("access_denied", "AADSTS50020: User account 'x@fabrikam.com' from identity provider 'https://sts.windows.net/…/' does not exist in tenant 'Contoso'", SignInProblem::AccountNotInTenant),
            ("popup_window_error", "Error opening popup window.", SignInProblem::PopupBlocked),
            ("empty_window_error", "window.open returned null or undefined window object.", SignInProblem::PopupBlocked),
            ("no_answer", "The sign-in page did not come back to Guestlist.", SignInProblem::NoAnswer),
        ];
        for (code, message, want) in cases {
            assert_eq!(
                SignInProblem::classify(code, message),
                Some(want),
                "{code}: {message}"
            );
        }
    }

    #[test]
    fn the_kind_of_failure_does_not_matter() {
        // A missing consent comes back from MSAL as "interaction required".
        let e = BridgeError::InteractionRequired {
            code: "consent_required".into(),
            message: "AADSTS65001: not consented".into(),
        };
        assert_eq!(SignInProblem::of(&e), Some(SignInProblem::ConsentMissing));
        assert_eq!(
            SignInProblem::of(&BridgeError::from_reason(
                r#"{"kind":"failed","code":"access_denied","message":"AADSTS90094: admin"}"#
            )),
            Some(SignInProblem::AdminConsentRequired)
        );
    }

    #[test]
    fn other_failures_are_not_dressed_up_as_deployment_problems() {
        for (code, message) in [
            ("user_cancelled", "User cancelled the flow."),
            (
                "interaction_required",
                "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
            ),
            (
                "invalid_grant",
                "AADSTS70008: The provided authorization code or refresh token has expired",
            ),
            (
                "bridge_unavailable",
                "ReferenceError: guestlistAuth is not defined",
            ),
            ("no_network_connectivity", "No network connectivity."),
        ] {
            assert_eq!(SignInProblem::of(&failed(code, message)), None, "{code}");
        }
    }

    #[test]
    fn each_code_the_page_names_is_the_one_it_recognises() {
        for p in [
            SignInProblem::RedirectUriNotRegistered,
            SignInProblem::WebPlatform,
            SignInProblem::UnknownClient,
            SignInProblem::TenantNotFound,
            SignInProblem::ConsentMissing,
            SignInProblem::AdminConsentRequired,
            SignInProblem::AccountNotInTenant,
        ] {
            let code = p.code().unwrap();
            assert_eq!(SignInProblem::classify("x", &format!("{code}: …")), Some(p));
        }
        assert_eq!(SignInProblem::PopupBlocked.code(), None);
    }
}

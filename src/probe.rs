//! The mode probe: after sign-in, what Guestlist can do from this browser.
//!
//! Three questions, asked once per sign-in and on "Check again" (the I/O is
//! [`crate::ui::session::Session::probe`], its Exchange calls with [`RetryPolicy::probe`]: two
//! tries at most):
//! 1. **Graph**: were the sign-in permissions granted? The token response's `scope` says
//!    (access tokens are opaque to the app), and `GET /me` proves the token works.
//! 2. **Exchange reachable from this browser?** A harmless read, `Get-OrganizationConfig`. A
//!    `fetch` that fails without any answer (`TypeError: Failed to fetch`) is what a browser
//!    reports when CORS refuses the call, and also when the network is down: either way the
//!    Exchange steps can't run here.
//! 3. **Exchange role?** Reads work with any Exchange role, so the role is checked with a write
//!    cmdlet that cannot change anything: `Set-MailContact` on an identity that cannot exist.
//!    Exchange checks the caller's role before it looks the object up (role-based access control
//!    hides cmdlets outside the caller's roles:
//!    <https://learn.microsoft.com/exchange/permissions-exo/permissions-exo>), so "couldn't be
//!    found" means the role is there, and access denied / unknown cmdlet means it is not.
//!
//! **Direct mode** needs all three; otherwise **script mode**: Guestlist does the Graph steps and
//! hands the admin the PowerShell for the Exchange steps.

#[cfg(doc)]
use guestlist_core::domain::retry::RetryPolicy;
use guestlist_core::tenant::{Resource, TenantError, TransportError};

/// The identity the role check aims at: a name no recipient can have (Exchange names are at most
/// 64 characters, so no object carries this 80-character one).
pub const ROLE_CHECK_IDENTITY: &str =
    "guestlist-role-check-00000000-0000-0000-0000-000000000000-not-a-recipient-xxxxxx";

/// What the probe observed. Failures are kept whole so the panel can quote them.
#[derive(Clone, Debug, PartialEq)]
pub struct Observations {
    /// Scopes the Graph token response granted, or why no Graph token could be had.
    pub graph_token: Result<Vec<String>, TenantError>,
    /// `GET /me`.
    pub graph_me: Result<(), TenantError>,
    /// `Get-OrganizationConfig`.
    pub exchange_read: Result<(), TenantError>,
    /// The role check; `None` when the read already failed.
    pub exchange_role_check: Option<Result<(), TenantError>>,
    /// The probe ran in a GDAP customer's tenant, not the admin's own.
    pub customer: bool,
}

/// Microsoft Graph, as far as the app is concerned.
#[derive(Clone, Debug, PartialEq)]
pub enum GraphStatus {
    Ready,
    /// Permissions not granted (short names, e.g. `User.Invite.All`).
    MissingScopes(Vec<String>),
    /// The token or `/me` failed.
    Failed(TenantError),
    /// In a customer's tenant: the app isn't consented there yet (Entra's AADSTS65001). Signing
    /// in again doesn't help; an admin consent for that tenant does.
    NotConsented(TenantError),
}

/// Exchange Online, as far as the app is concerned.
#[derive(Clone, Debug, PartialEq)]
pub enum ExchangeStatus {
    /// Reachable and the account may run the write cmdlets.
    Writable,
    /// Reachable, but the account has no Exchange Recipient Management role.
    NoRole,
    /// No answer from this browser (CORS refused or network): the detail is the browser's words.
    Unreachable(String),
    /// Exchange answered with an error the probe can't interpret as either.
    Failed(TenantError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Guestlist makes the Exchange changes itself.
    Direct,
    /// Guestlist does the Graph steps; the Exchange steps are a generated PowerShell script.
    Script,
}

/// The probe's verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeReport {
    pub graph: GraphStatus,
    pub exchange: ExchangeStatus,
    pub mode: Mode,
}

impl ModeReport {
    /// Whether the admin has to act before Guestlist can work as it should: Graph permissions
    /// missing or Graph failing, a sign-in that has to be renewed, or an Exchange error nobody
    /// can interpret. Script mode because the browser can't reach Exchange, or because the
    /// account has no Exchange role, is a steady state: the header says which mode it is, and
    /// why on demand.
    pub fn needs_action(&self) -> bool {
        self.graph != GraphStatus::Ready || matches!(self.exchange, ExchangeStatus::Failed(_))
    }

    /// Whether only a new sign-in helps: a token can't be had silently any more.
    pub fn sign_in_again(&self) -> bool {
        if matches!(self.graph, GraphStatus::NotConsented(_)) {
            return false;
        }
        matches!(self.graph, GraphStatus::Failed(TenantError::SignInAgain(_)))
            || matches!(
                self.exchange,
                ExchangeStatus::Failed(TenantError::SignInAgain(_))
            )
    }
}

fn no_role(e: &TenantError) -> bool {
    matches!(
        e,
        TenantError::Forbidden(_) | TenantError::UnknownCommand(_)
    )
}

fn unreachable(e: &TenantError) -> Option<String> {
    match e {
        TenantError::Transport(TransportError::Network(detail)) => Some(detail.clone()),
        _ => None,
    }
}

impl Observations {
    /// Decides the mode from what was observed.
    pub fn decide(self) -> ModeReport {
        let graph = match (self.graph_token, self.graph_me) {
            (Err(e), _) if self.customer && crate::tenancy::consent_missing(&e) => {
                GraphStatus::NotConsented(e)
            }
            (Err(e), _) | (Ok(_), Err(e)) => GraphStatus::Failed(e),
            (Ok(granted), Ok(())) => {
                let missing = crate::auth::scopes::missing_scopes(Resource::Graph, &granted);
                if missing.is_empty() {
                    GraphStatus::Ready
                } else {
                    GraphStatus::MissingScopes(missing)
                }
            }
        };
        let exchange = match self.exchange_read {
            Err(e) => match unreachable(&e) {
                Some(detail) => ExchangeStatus::Unreachable(detail),
                None if no_role(&e) => ExchangeStatus::NoRole,
                None => ExchangeStatus::Failed(e),
            },
            Ok(()) => match self.exchange_role_check {
                // Accepted, or "couldn't be found": the cmdlet is within the caller's roles.
                None | Some(Ok(())) | Some(Err(TenantError::NotFound(_))) => {
                    ExchangeStatus::Writable
                }
                Some(Err(e)) => match unreachable(&e) {
                    Some(detail) => ExchangeStatus::Unreachable(detail),
                    None if no_role(&e) => ExchangeStatus::NoRole,
                    None => ExchangeStatus::Failed(e),
                },
            },
        };
        let mode = if exchange == ExchangeStatus::Writable {
            Mode::Direct
        } else {
            Mode::Script
        };
        ModeReport {
            graph,
            exchange,
            mode,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guestlist_core::tenant::ErrorDetail;

    fn detail(status: u16, exception: &str) -> Box<ErrorDetail> {
        Box::new(ErrorDetail {
            status,
            code: "x".into(),
            message: "m".into(),
            exception_type: Some(exception.into()),
            request_id: None,
            date: None,
        })
    }

    fn all_graph() -> Vec<String> {
        crate::auth::scopes::sign_in_scopes(Resource::Graph)
    }

    fn observed(
        exchange_read: Result<(), TenantError>,
        role: Option<Result<(), TenantError>>,
    ) -> Observations {
        Observations {
            graph_token: Ok(all_graph()),
            graph_me: Ok(()),
            exchange_read,
            exchange_role_check: role,
            customer: false,
        }
    }

    #[test]
    fn only_what_the_admin_must_act_on_needs_the_full_panel() {
        let cors =
            TenantError::Transport(TransportError::Network("TypeError: Failed to fetch".into()));
        let denied = TenantError::Forbidden(detail(403, "CmdletAccessDeniedException"));
        // Direct mode, script mode through CORS, script mode without a role: steady states.
        for quiet in [
            observed(Ok(()), Some(Ok(()))),
            observed(Err(cors), None),
            observed(Err(denied), None),
        ] {
            let r = quiet.decide();
            assert!(!r.needs_action(), "{r:?}");
            assert!(!r.sign_in_again(), "{r:?}");
        }
        // Exchange answering with an error nobody can interpret.
        let boom = TenantError::Other(detail(500, "System.Exception"));
        assert!(observed(Err(boom), None).decide().needs_action());
        // A sign-in to renew, on either service.
        let expired = observed(Err(TenantError::SignInAgain("expired".into())), None).decide();
        assert!(expired.needs_action() && expired.sign_in_again());
        let mut graph_expired = observed(Ok(()), Some(Ok(())));
        graph_expired.graph_token = Err(TenantError::SignInAgain("expired".into()));
        let r = graph_expired.decide();
        assert!(r.needs_action() && r.sign_in_again());
        // Graph permissions not granted.
        let mut missing = observed(Ok(()), Some(Ok(())));
        missing.graph_token = Ok(vec!["User.Read".into()]);
        let r = missing.decide();
        assert!(matches!(r.graph, GraphStatus::MissingScopes(_)));
        assert!(r.needs_action() && !r.sign_in_again());
    }

    #[test]
    fn reachable_with_role_is_direct_mode() {
        let not_found = TenantError::NotFound(detail(
            404,
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
        ));
        let r = observed(Ok(()), Some(Err(not_found))).decide();
        assert_eq!(r.mode, Mode::Direct);
        assert_eq!(r.exchange, ExchangeStatus::Writable);
        assert_eq!(r.graph, GraphStatus::Ready);
    }

    #[test]
    fn access_denied_on_the_write_check_means_no_role() {
        let denied = TenantError::Forbidden(detail(
            403,
            "Microsoft.Exchange.Management.Tasks.CmdletAccessDeniedException",
        ));
        let r = observed(Ok(()), Some(Err(denied))).decide();
        assert_eq!(r.exchange, ExchangeStatus::NoRole);
        assert_eq!(r.mode, Mode::Script);
        let unknown = TenantError::UnknownCommand(detail(
            400,
            "System.Management.Automation.CommandNotFoundException",
        ));
        assert_eq!(
            observed(Ok(()), Some(Err(unknown))).decide().exchange,
            ExchangeStatus::NoRole
        );
    }

    #[test]
    fn a_failed_fetch_means_unreachable_and_script_mode() {
        let cors =
            TenantError::Transport(TransportError::Network("TypeError: Failed to fetch".into()));
        let r = observed(Err(cors), None).decide();
        assert_eq!(
            r.exchange,
            ExchangeStatus::Unreachable("TypeError: Failed to fetch".into())
        );
        assert_eq!(r.mode, Mode::Script);
        // Graph is judged on its own.
        assert_eq!(r.graph, GraphStatus::Ready);
    }

    #[test]
    fn other_exchange_errors_are_reported_not_guessed() {
        let boom = TenantError::Other(detail(500, "System.Exception"));
        let r = observed(Err(boom.clone()), None).decide();
        assert_eq!(r.exchange, ExchangeStatus::Failed(boom.clone()));
        assert_eq!(r.mode, Mode::Script);
        let r = observed(Ok(()), Some(Err(boom.clone()))).decide();
        assert_eq!(r.exchange, ExchangeStatus::Failed(boom));
        let again = TenantError::SignInAgain("expired".into());
        assert!(matches!(
            observed(Err(again), None).decide().exchange,
            ExchangeStatus::Failed(TenantError::SignInAgain(_))
        ));
        // A read refused for lack of any Exchange role: no role.
        let denied = TenantError::Forbidden(detail(403, "CmdletAccessDeniedException"));
        assert_eq!(
            observed(Err(denied), None).decide().exchange,
            ExchangeStatus::NoRole
        );
    }

    #[test]
    fn graph_missing_scopes_and_failures() {
        let mut o = observed(Ok(()), Some(Ok(())));
        o.graph_token = Ok(vec!["openid".into(), "User.Read".into()]);
        let r = o.decide();
        assert_eq!(
            r.graph,
            GraphStatus::MissingScopes(vec![
                "User.Read.All".into(),
                "GroupMember.ReadWrite.All".into(),
                "OrgContact.Read.All".into(),
                "User.Invite.All".into()
            ])
        );
        assert_eq!(r.mode, Mode::Direct);

        let mut o = observed(Ok(()), Some(Ok(())));
        let unauthorized = TenantError::SignInAgain("refused twice".into());
        o.graph_me = Err(unauthorized.clone());
        assert_eq!(o.decide().graph, GraphStatus::Failed(unauthorized));
    }

    #[test]
    fn a_customer_without_consent_is_told_apart_from_a_sign_in_to_renew() {
        let refused = TenantError::from(guestlist_core::tenant::AuthError::InteractionRequired(
            "invalid_grant: AADSTS65001: The user or administrator has not consented to use the application".into(),
        ));
        let mut o = observed(Err(refused.clone()), None);
        o.graph_token = Err(refused.clone());
        o.customer = true;
        let r = o.decide();
        assert_eq!(r.graph, GraphStatus::NotConsented(refused.clone()));
        assert!(r.needs_action());
        assert!(
            !r.sign_in_again(),
            "a new sign-in doesn't consent for the customer"
        );
        // At home the same answer is a sign-in to renew (incremental consent).
        let mut o = observed(Err(refused.clone()), None);
        o.graph_token = Err(refused.clone());
        assert_eq!(o.decide().graph, GraphStatus::Failed(refused));
    }

    #[test]
    fn role_check_identity_cannot_be_an_exchange_name() {
        // Exchange Name: at most 64 characters (New-MailContact -Name).
        assert!(ROLE_CHECK_IDENTITY.chars().count() > 64);
    }
}

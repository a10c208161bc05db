//! What a sign-in problem means and what to change ([`SignInProblem`]), for the explanation
//! the page shows after a failed sign-in and the About page's list. Read through
//! `Texts::signin()`, which only the lazily loaded help calls, so these texts stay out of the
//! first load.

use super::fill;
use crate::auth::problem::SignInProblem;
use crate::config::Config;

area! {
    /// The sign-in help's texts of one language.
    pub struct SignInHelpTexts {
        /// Heading of the explanation after a failed sign-in.
        heading,
        /// Summary of the collapsed raw answer.
        details_label,
        redirect_title,
        redirect_fix,
        web_title,
        web_fix,
        client_title,
        client_fix,
        tenant_title,
        tenant_fix,
        consent_title,
        consent_fix,
        admin_consent_title,
        admin_consent_fix,
        account_title,
        account_fix,
        popup_title,
        popup_fix,
        no_answer_title,
        no_answer_intro,
        /// The About page's section.
        about_heading,
        about_intro,
    }
}

/// The installation's values the fixes name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FixValues {
    /// `redirectUri` of config.json.
    pub redirect: String,
    pub client_id: String,
    pub tenant: String,
    /// The sign-in authority (`https://login.microsoftonline.com`).
    pub authority: String,
    /// This page's origin (`https://guestlist.contoso.com`).
    pub origin: String,
}

impl FixValues {
    /// The values of `config`, for the app served at `app_url` (its directory URL).
    pub fn new(config: &Config, app_url: &str) -> FixValues {
        FixValues {
            redirect: config.redirect_uri.clone(),
            client_id: config.client_id.clone(),
            tenant: config.tenant.as_str().to_owned(),
            authority: config.authority.clone(),
            origin: origin_of(app_url),
        }
    }
}

/// `scheme://host[:port]` of a URL.
pub fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            format!("{scheme}://{host}")
        }
        None => url.to_owned(),
    }
}

impl SignInHelpTexts {
    /// The problem's one-line title.
    pub fn title(&self, problem: SignInProblem) -> &'static str {
        match problem {
            SignInProblem::RedirectUriNotRegistered => self.redirect_title,
            SignInProblem::WebPlatform => self.web_title,
            SignInProblem::UnknownClient => self.client_title,
            SignInProblem::TenantNotFound => self.tenant_title,
            SignInProblem::ConsentMissing => self.consent_title,
            SignInProblem::AdminConsentRequired => self.admin_consent_title,
            SignInProblem::AccountNotInTenant => self.account_title,
            SignInProblem::PopupBlocked => self.popup_title,
            SignInProblem::NoAnswer => self.no_answer_title,
        }
    }

    /// What to change, with this installation's values filled in.
    pub fn fix(&self, problem: SignInProblem, v: &FixValues) -> String {
        let args = [
            ("redirect", v.redirect.as_str()),
            ("client_id", v.client_id.as_str()),
            ("tenant", v.tenant.as_str()),
            ("authority", v.authority.as_str()),
            ("origin", v.origin.as_str()),
        ];
        match problem {
            SignInProblem::RedirectUriNotRegistered => fill(self.redirect_fix, &args),
            SignInProblem::WebPlatform => fill(self.web_fix, &args),
            SignInProblem::UnknownClient => fill(self.client_fix, &args),
            SignInProblem::TenantNotFound => fill(self.tenant_fix, &args),
            SignInProblem::ConsentMissing => fill(self.consent_fix, &args),
            SignInProblem::AdminConsentRequired => fill(self.admin_consent_fix, &args),
            SignInProblem::AccountNotInTenant => fill(self.account_fix, &args),
            SignInProblem::PopupBlocked => fill(self.popup_fix, &args),
            SignInProblem::NoAnswer => fill(self.no_answer_intro, &args),
        }
    }
}

/// The problems Entra answers on its own page, without coming back to the app: what a sign-in
/// that came back without an answer may have met ([`SignInProblem::NoAnswer`]).
pub const UNANSWERED: [SignInProblem; 3] = [
    SignInProblem::RedirectUriNotRegistered,
    SignInProblem::UnknownClient,
    SignInProblem::AdminConsentRequired,
];

/// Every problem with a fix, in the order the About page lists them.
pub const LISTED: [SignInProblem; 8] = [
    SignInProblem::RedirectUriNotRegistered,
    SignInProblem::WebPlatform,
    SignInProblem::UnknownClient,
    SignInProblem::TenantNotFound,
    SignInProblem::ConsentMissing,
    SignInProblem::AdminConsentRequired,
    SignInProblem::AccountNotInTenant,
    SignInProblem::PopupBlocked,
];

pub static EN: SignInHelpTexts = SignInHelpTexts {
    heading: "Sign-in didn't work: what to change",
    details_label: "What Microsoft answered",
    redirect_title: "The redirect URI isn't registered",
    redirect_fix: "In the Microsoft Entra admin center, open App registrations → the app with ID {client_id} → Authentication, and add {redirect} as a redirect URI under Single-page application, exactly as written here (scheme, host, port and path). It must be the same as redirectUri in config.json.",
    web_title: "The redirect URI is registered for a web app, not a single-page application",
    web_fix: "In App registrations → the app with ID {client_id} → Authentication, remove {redirect} from the Web platform and add it under Single-page application. A browser may redeem sign-ins only for redirect URIs of a single-page application.",
    client_title: "The app isn't known in this tenant",
    client_fix: "Tenant {tenant} has no app registration with the Application (client) ID {client_id}. Copy the Application (client) ID from the app's Overview page in App registrations into clientId in config.json, and check that tenantId is the tenant where the app is registered.",
    tenant_title: "The tenant wasn't found",
    tenant_fix: "{authority} knows no tenant {tenant}. Put your tenant's ID (Entra admin center → Overview → Tenant ID) or its primary domain, such as contoso.onmicrosoft.com, in tenantId in config.json. For a national cloud, set authority to that cloud's sign-in address.",
    consent_title: "Nobody has consented to Guestlist's permissions",
    consent_fix: "An administrator opens App registrations → the app with ID {client_id} → API permissions and chooses Grant admin consent for the tenant, then you sign in again.",
    admin_consent_title: "An administrator has to approve Guestlist first",
    admin_consent_fix: "Guestlist's permissions need an administrator's consent, or your tenant lets users consent to nothing. A Global Administrator or Privileged Role Administrator opens App registrations → the app with ID {client_id} → API permissions and chooses Grant admin consent for the tenant; then sign in again.",
    account_title: "This account doesn't belong to the tenant",
    account_fix: "Sign in with a work account of tenant {tenant}. A personal Microsoft account or an account of another organisation can use Guestlist only once it has been invited to {tenant} as a guest and given an admin role there.",
    popup_title: "The browser blocked the sign-in window",
    popup_fix: "Allow pop-ups for {origin} (the blocked pop-up icon in the browser's address bar) and try again, or use Sign in, which opens Microsoft's page in this tab instead.",
    no_answer_title: "The sign-in didn't come back to Guestlist",
    no_answer_intro: "Microsoft's sign-in page answers some configuration problems on its own page and doesn't return here. If it showed one of these codes, this is what to change:",
    about_heading: "If sign-in fails",
    about_intro: "What Microsoft's sign-in answers when this installation and its app registration don't match, and what to change, with this installation's values:",
};

pub static NL: SignInHelpTexts = SignInHelpTexts {
    heading: "Aanmelden is niet gelukt: wat u moet aanpassen",
    details_label: "Wat Microsoft antwoordde",
    redirect_title: "De omleidings-URI is niet geregistreerd",
    redirect_fix: "Open in het Microsoft Entra-beheercentrum App-registraties → de app met ID {client_id} → Verificatie, en voeg {redirect} toe als omleidings-URI onder Single-page application, precies zoals hier geschreven (schema, host, poort en pad). Het moet gelijk zijn aan redirectUri in config.json.",
    web_title: "De omleidings-URI is geregistreerd voor een web-app, niet voor een single-page application",
    web_fix: "Verwijder in App-registraties → de app met ID {client_id} → Verificatie {redirect} bij het platform Web en voeg het toe onder Single-page application. Een browser mag aanmeldingen alleen inwisselen voor omleidings-URI's van een single-page application.",
    client_title: "De app is onbekend in deze tenant",
    client_fix: "Tenant {tenant} heeft geen app-registratie met de toepassings-ID (client) {client_id}. Neem de toepassings-ID (client) over van de overzichtspagina van de app in App-registraties naar clientId in config.json, en controleer dat tenantId de tenant is waarin de app geregistreerd is.",
    tenant_title: "De tenant is niet gevonden",
    tenant_fix: "{authority} kent geen tenant {tenant}. Zet de ID van uw tenant (Entra-beheercentrum → Overzicht → Tenant-ID) of het primaire domein, zoals contoso.onmicrosoft.com, bij tenantId in config.json. Zet voor een nationale cloud authority op het aanmeldadres van die cloud.",
    consent_title: "Niemand heeft toestemming gegeven voor de machtigingen van Guestlist",
    consent_fix: "Een beheerder opent App-registraties → de app met ID {client_id} → API-machtigingen en kiest Beheerderstoestemming verlenen voor de tenant; meld u daarna opnieuw aan.",
    admin_consent_title: "Een beheerder moet Guestlist eerst goedkeuren",
    admin_consent_fix: "De machtigingen van Guestlist vragen toestemming van een beheerder, of uw tenant laat gebruikers nergens toestemming voor geven. Een globale beheerder of beheerder met bevoorrechte rol opent App-registraties → de app met ID {client_id} → API-machtigingen en kiest Beheerderstoestemming verlenen voor de tenant; meld u daarna opnieuw aan.",
    account_title: "Dit account hoort niet bij de tenant",
    account_fix: "Meld u aan met een werkaccount van tenant {tenant}. Een persoonlijk Microsoft-account of een account van een andere organisatie kan Guestlist pas gebruiken als het als gast in {tenant} is uitgenodigd en daar een beheerdersrol heeft gekregen.",
    popup_title: "De browser heeft het aanmeldvenster tegengehouden",
    popup_fix: "Sta pop-ups toe voor {origin} (het pictogram voor tegengehouden pop-ups in de adresbalk van de browser) en probeer het opnieuw, of gebruik Aanmelden, dat de pagina van Microsoft in dit tabblad opent.",
    no_answer_title: "De aanmelding is niet teruggekomen bij Guestlist",
    no_answer_intro: "De aanmeldpagina van Microsoft beantwoordt sommige configuratieproblemen op een eigen pagina en keert niet hierheen terug. Als die een van deze codes toonde, moet u dit aanpassen:",
    about_heading: "Als aanmelden mislukt",
    about_intro: "Wat de aanmelding van Microsoft antwoordt als deze installatie en de app-registratie niet overeenkomen, en wat u moet aanpassen, met de waarden van deze installatie:",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_of_app_addresses() {
        assert_eq!(
            origin_of("https://guestlist.contoso.com/tools/"),
            "https://guestlist.contoso.com"
        );
        assert_eq!(origin_of("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
        assert_eq!(origin_of("https://h?x"), "https://h");
    }

    #[test]
    fn every_fix_names_the_values_to_put_where() {
        let v = FixValues {
            redirect: "https://guestlist.contoso.com/redirect.html".into(),
            client_id: "5f0c7a2e-9b1d-4c3a-8e6f-2a4b6c8d0e1f".into(),
            tenant: "contoso.onmicrosoft.com".into(),
            authority: "https://login.microsoftonline.com".into(),
            origin: "https://guestlist.contoso.com".into(),
        };
        for texts in [&EN, &NL] {
            let fix = |p| texts.fix(p, &v);
            assert!(fix(SignInProblem::RedirectUriNotRegistered).contains(&v.redirect));
            assert!(
                fix(SignInProblem::RedirectUriNotRegistered).contains("Single-page application")
            );
            assert!(fix(SignInProblem::WebPlatform).contains(&v.redirect));
            assert!(fix(SignInProblem::UnknownClient).contains(&v.client_id));
            assert!(fix(SignInProblem::UnknownClient).contains("clientId"));
            assert!(fix(SignInProblem::TenantNotFound).contains("tenantId"));
            assert!(fix(SignInProblem::TenantNotFound).contains(&v.tenant));
            assert!(fix(SignInProblem::ConsentMissing).contains(&v.client_id));
            assert!(fix(SignInProblem::AdminConsentRequired).contains(&v.client_id));
            assert!(fix(SignInProblem::AccountNotInTenant).contains(&v.tenant));
            assert!(fix(SignInProblem::PopupBlocked).contains(&v.origin));
            for p in LISTED.into_iter().chain(UNANSWERED) {
                assert!(!fix(p).contains('{'), "{p:?} left a placeholder");
                assert!(!texts.title(p).is_empty());
            }
        }
    }
}

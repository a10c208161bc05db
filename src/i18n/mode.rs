//! The mode panel's verdict: what Guestlist can do from this browser, why, and what to change.
//! Read through `Texts::mode()` by the lazily loaded verdict panel; the header's status and the
//! panel's "checking" state stay in [`super::common`].

area! {
    /// The mode verdict's texts of one language.
    pub struct ModeTexts {
        /// The mode panel when the app isn't consented in the chosen customer tenant.
        tenant_no_consent,
        tenant_consent_link,
        tenant_consent_then,
        mode_direct_body,
        mode_unreachable,
        mode_unreachable_fix,
        mode_no_role,
        mode_no_role_fix,
        mode_exchange_failed,
        mode_exchange_failed_fix,
        graph_ready,
        graph_missing,
        graph_failed,
        mode_recheck,
        mode_close,
        sign_in_again,
    }
}

pub static EN: ModeTexts = ModeTexts {
    tenant_no_consent: "Guestlist isn't consented in {tenant} yet: Microsoft Entra answers that no administrator has allowed the app there ({detail}). A customer's tenant needs its own admin consent once; after that you work there with your GDAP roles.",
    tenant_consent_link: "Grant admin consent for {tenant}",
    tenant_consent_then: "The link opens Microsoft's consent page for that tenant in a new tab (an administrator there, or you with a GDAP role that may consent, such as Cloud Application Administrator). Come back and press Check again.",
    mode_direct_body: "Guestlist makes the Exchange changes itself.",
    mode_unreachable: "Exchange can't be reached from this browser ({detail}). Guestlist does the Microsoft Graph steps itself and gives you a PowerShell script for the Exchange steps.",
    mode_unreachable_fix: "To let Guestlist make the Exchange changes itself, put a CORS-enabled gateway in front of Exchange Online and set exchangeBaseUrl in config.json to its address. Until then, run the generated script in Azure Cloud Shell or in PowerShell with the ExchangeOnlineManagement module.",
    mode_no_role: "Exchange writes unavailable: your account has no Exchange Recipient Management role.",
    mode_no_role_fix: "Guestlist can read Exchange with this account but can't create mail contacts or change distribution group members. Ask an Exchange administrator to add you to the Recipient Management role group, or give the generated PowerShell script to someone who is in it.",
    mode_exchange_failed: "Exchange answered with an error, so Guestlist can't tell whether it may make changes there: {detail}",
    mode_exchange_failed_fix: "Guestlist does the Microsoft Graph steps itself and gives you a PowerShell script for the Exchange steps. Check again later, or quote the request ID above to Microsoft support.",
    graph_ready: "Microsoft Graph: connected, all permissions granted.",
    graph_missing: "Microsoft Graph: these permissions were not granted: {scopes}. Ask a Global Administrator to grant admin consent for Guestlist in Microsoft Entra ID.",
    graph_failed: "Microsoft Graph can't be used: {detail}",
    mode_recheck: "Check again",
    mode_close: "Close",
    sign_in_again: "Sign in again",
};

pub static NL: ModeTexts = ModeTexts {
    tenant_no_consent: "Guestlist heeft nog geen toestemming in {tenant}: Microsoft Entra antwoordt dat geen beheerder de app daar heeft toegestaan ({detail}). De tenant van een klant heeft één keer een eigen beheerderstoestemming nodig; daarna werkt u er met uw GDAP-rollen.",
    tenant_consent_link: "Beheerderstoestemming geven voor {tenant}",
    tenant_consent_then: "De link opent de toestemmingspagina van Microsoft voor die tenant in een nieuw tabblad (voor een beheerder daar, of voor u met een GDAP-rol die toestemming mag geven, zoals Cloud Application Administrator). Kom terug en kies Opnieuw controleren.",
    mode_direct_body: "Guestlist voert de wijzigingen in Exchange zelf uit.",
    mode_unreachable: "Exchange is vanuit deze browser niet bereikbaar ({detail}). Guestlist voert de stappen in Microsoft Graph zelf uit en geeft u een PowerShell-script voor de stappen in Exchange.",
    mode_unreachable_fix: "Wilt u dat Guestlist de wijzigingen in Exchange zelf uitvoert, zet dan een gateway met CORS vóór Exchange Online en vul het adres ervan in bij exchangeBaseUrl in config.json. Voer tot die tijd het gegenereerde script uit in Azure Cloud Shell of in PowerShell met de module ExchangeOnlineManagement.",
    mode_no_role: "Schrijven in Exchange is niet mogelijk: uw account heeft geen Exchange-rol Recipient Management.",
    mode_no_role_fix: "Guestlist kan Exchange met dit account lezen, maar geen e-mailcontacten maken of leden van distributiegroepen wijzigen. Vraag een Exchange-beheerder u toe te voegen aan de rolgroep Recipient Management, of geef het gegenereerde PowerShell-script aan iemand die erin zit.",
    mode_exchange_failed: "Exchange antwoordde met een fout, dus Guestlist kan niet nagaan of het daar wijzigingen mag doen: {detail}",
    mode_exchange_failed_fix: "Guestlist voert de stappen in Microsoft Graph zelf uit en geeft u een PowerShell-script voor de stappen in Exchange. Controleer het later opnieuw, of noem de aanvraag-ID hierboven aan Microsoft-ondersteuning.",
    graph_ready: "Microsoft Graph: verbonden, alle machtigingen verleend.",
    graph_missing: "Microsoft Graph: deze machtigingen zijn niet verleend: {scopes}. Vraag een globale beheerder om beheerderstoestemming voor Guestlist te geven in Microsoft Entra ID.",
    graph_failed: "Microsoft Graph kan niet worden gebruikt: {detail}",
    mode_recheck: "Opnieuw controleren",
    mode_close: "Sluiten",
    sign_in_again: "Opnieuw aanmelden",
};

//! What the MSAL bridge (js/auth.js) is told, decided from `config.json` by one pure function.
//!
//! Three kinds of authority:
//! - **Microsoft Entra ID** (`login.microsoftonline.com` and the national clouds): MSAL's normal
//!   `AAD` protocol mode, and consent for Exchange asked at sign-in next to Graph
//!   (`extraScopesToConsent`).
//! - **Any other `https://` authority** (the simulated tenant in the tests): MSAL's `OIDC` mode
//!   and the host in `knownAuthorities`, so MSAL reads the authority's own discovery document
//!   instead of asking login.microsoftonline.com for instance discovery. Consent for Exchange is
//!   asked at sign-in here too: the simulated tenant behaves as Entra, which gives silent tokens
//!   only for permissions consented to (several resources in one authorize request is Entra's
//!   extension of OpenID Connect, and the only kind of authority Guestlist serves).
//! - **Plain `http://` on this computer** (`cargo xtask demo`: the simulated tenant on
//!   127.0.0.1): MSAL refuses every authority that is not `https:` (msal-common
//!   `UrlString.validateAsUri`, error `authority_uri_insecure`, no exception for localhost), so the
//!   bridge reads the discovery document itself and passes it as `authorityMetadata`; MSAL then
//!   uses the endpoints it names and the `https:` authority is only an identifier. The UI labels
//!   this as a simulated sign-in. `config.rs` accepts `http://` only for loopback hosts, so this
//!   can't happen for a real tenant.

use serde::Serialize;

use super::scopes::{partner_scopes, sign_in_scopes};
use crate::config::Config;
use guestlist_core::tenant::Resource;

/// Hosts of Microsoft Entra ID (worldwide and national clouds), where MSAL's AAD mode applies.
/// <https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud#microsoft-entra-authentication-endpoints>
pub const ENTRA_HOSTS: &[&str] = &[
    "login.microsoftonline.com",
    "login.microsoft.com",
    "login.windows.net",
    "login.microsoftonline.us",
    "login.partner.microsoftonline.cn",
    "login.chinacloudapi.cn",
];

/// MSAL's `system.protocolMode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ProtocolMode {
    #[serde(rename = "AAD")]
    Aad,
    #[serde(rename = "OIDC")]
    Oidc,
}

/// The JSON js/auth.js `init()` reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BridgeSettings {
    pub client_id: String,
    /// Full authority with tenant, always `https:`.
    pub authority: String,
    /// The authority without its tenant: a GDAP customer's is `{authority_base}/{tenant id}`.
    pub authority_base: String,
    pub known_authorities: Vec<String>,
    pub protocol_mode: ProtocolMode,
    /// Set only for the plain-HTTP simulated tenant: where the bridge fetches the discovery
    /// document it hands MSAL as `authorityMetadata`.
    pub authority_metadata_url: Option<String>,
    pub redirect_uri: String,
    /// Where sign-out returns: the app itself.
    pub post_logout_redirect_uri: String,
    /// Graph scopes: the sign-in token is for Graph.
    pub scopes: Vec<String>,
    pub extra_scopes_to_consent: Vec<String>,
}

impl BridgeSettings {
    /// Sign-in goes to a simulated tenant over plain HTTP (the demo), not to a real one.
    pub fn is_simulated_http(&self) -> bool {
        self.authority_metadata_url.is_some()
    }
}

/// `https://host:port/path` → ("https", "host:port", "/path").
fn split_url(url: &str) -> (&str, &str, &str) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let end = rest.find('/').unwrap_or(rest.len());
    (scheme, &rest[..end], &rest[end..])
}

/// The host without port, lower-case.
fn host_name(host_port: &str) -> String {
    let host = if host_port.starts_with('[') {
        host_port
            .split_once(']')
            .map_or(host_port, |(h, _)| h)
            .trim_start_matches('[')
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    host.to_ascii_lowercase()
}

/// Settings for the bridge. `app_url` is the app's own directory URL (e.g.
/// `https://guestlist.contoso.com/`), where sign-out returns.
pub fn bridge_settings(config: &Config, app_url: &str) -> BridgeSettings {
    let (scheme, host_port, path) = split_url(&config.authority);
    let tenant = config.tenant.as_str();
    let entra = scheme.eq_ignore_ascii_case("https")
        && ENTRA_HOSTS.contains(&host_name(host_port).as_str());
    let plain_http = scheme.eq_ignore_ascii_case("http");
    let (protocol_mode, known_authorities) = if entra {
        (ProtocolMode::Aad, Vec::new())
    } else {
        (ProtocolMode::Oidc, vec![host_port.to_owned()])
    };
    let extra = sign_in_scopes(Resource::Exchange);
    let authority_metadata_url = plain_http.then(|| {
        format!(
            "{}/{tenant}/v2.0/.well-known/openid-configuration",
            config.authority
        )
    });
    let mut extra = extra;
    if config.tenant == crate::config::Tenant::Organizations {
        // A partner's deployment: consent to list the GDAP customers, asked with the rest.
        extra.extend(partner_scopes());
    }
    BridgeSettings {
        client_id: config.client_id.clone(),
        authority: format!("https://{host_port}{path}/{tenant}"),
        authority_base: format!("https://{host_port}{path}"),
        known_authorities,
        protocol_mode,
        authority_metadata_url,
        redirect_uri: config.redirect_uri.clone(),
        post_logout_redirect_uri: app_url.to_owned(),
        scopes: sign_in_scopes(Resource::Graph),
        extra_scopes_to_consent: extra,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;

    const APP: &str = "https://guestlist.contoso.com/";

    fn config(extra: &str) -> Config {
        parse(
            &format!(
                r#"{{"clientId":"6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b","tenantId":"contoso.onmicrosoft.com"{extra}}}"#
            ),
            APP,
        )
        .unwrap()
    }

    #[test]
    fn entra_uses_aad_mode_and_asks_exchange_consent_up_front() {
        let s = bridge_settings(&config(""), APP);
        assert_eq!(s.protocol_mode, ProtocolMode::Aad);
        assert_eq!(
            s.authority,
            "https://login.microsoftonline.com/contoso.onmicrosoft.com"
        );
        assert!(s.known_authorities.is_empty());
        assert_eq!(s.authority_metadata_url, None);
        assert_eq!(
            s.extra_scopes_to_consent,
            ["https://outlook.office365.com/Exchange.Manage"]
        );
        assert_eq!(s.scopes.len(), 5);
        assert!(s
            .scopes
            .iter()
            .all(|x| x.starts_with("https://graph.microsoft.com/")));
        assert_eq!(s.redirect_uri, APP);
        assert_eq!(s.post_logout_redirect_uri, APP);
        assert!(!s.is_simulated_http());

        let us = bridge_settings(
            &config(r#","authority":"https://LOGIN.microsoftonline.us""#),
            APP,
        );
        assert_eq!(us.protocol_mode, ProtocolMode::Aad);
    }

    #[test]
    fn other_https_authority_is_a_known_oidc_authority() {
        let s = bridge_settings(
            &config(
                r#","authority":"https://127.0.0.1:8443","redirectUri":"https://app.example/redirect.html""#,
            ),
            APP,
        );
        assert_eq!(s.protocol_mode, ProtocolMode::Oidc);
        assert_eq!(s.known_authorities, ["127.0.0.1:8443"]);
        assert_eq!(
            s.authority,
            "https://127.0.0.1:8443/contoso.onmicrosoft.com"
        );
        assert_eq!(
            s.extra_scopes_to_consent,
            ["https://outlook.office365.com/Exchange.Manage"]
        );
        assert_eq!(s.authority_metadata_url, None);
        assert_eq!(s.redirect_uri, "https://app.example/redirect.html");
    }

    #[test]
    fn plain_http_loopback_gets_metadata_from_the_bridge() {
        let s = bridge_settings(&config(r#","authority":"http://127.0.0.1:8080""#), APP);
        assert!(s.is_simulated_http());
        assert_eq!(s.protocol_mode, ProtocolMode::Oidc);
        assert_eq!(
            s.authority,
            "https://127.0.0.1:8080/contoso.onmicrosoft.com"
        );
        assert_eq!(s.known_authorities, ["127.0.0.1:8080"]);
        assert_eq!(
            s.authority_metadata_url.as_deref(),
            Some("http://127.0.0.1:8080/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration")
        );
    }

    #[test]
    fn partners_consent_to_list_their_customers_at_sign_in() {
        let partner = parse(
            r#"{"clientId":"6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b","tenantId":"organizations"}"#,
            APP,
        )
        .unwrap();
        let s = bridge_settings(&partner, APP);
        assert_eq!(
            s.authority,
            "https://login.microsoftonline.com/organizations"
        );
        assert_eq!(
            s.extra_scopes_to_consent,
            [
                "https://outlook.office365.com/Exchange.Manage",
                "https://graph.microsoft.com/DelegatedAdminRelationship.Read.All",
                "https://graph.microsoft.com/CrossTenantInformation.ReadBasic.All"
            ]
        );
        // A single-tenant deployment asks nothing new.
        assert_eq!(
            bridge_settings(&config(""), APP)
                .extra_scopes_to_consent
                .len(),
            1
        );
    }

    #[test]
    fn authority_with_a_path_keeps_it() {
        let s = bridge_settings(&config(r#","authority":"https://idp.example/sts""#), APP);
        assert_eq!(
            s.authority,
            "https://idp.example/sts/contoso.onmicrosoft.com"
        );
        assert_eq!(s.authority_base, "https://idp.example/sts");
        assert_eq!(s.known_authorities, ["idp.example"]);
    }

    #[test]
    fn settings_serialise_as_the_bridge_reads_them() {
        let json = serde_json::to_value(bridge_settings(&config(""), APP)).unwrap();
        for key in [
            "clientId",
            "authority",
            "authorityBase",
            "knownAuthorities",
            "protocolMode",
            "authorityMetadataUrl",
            "redirectUri",
            "postLogoutRedirectUri",
            "scopes",
            "extraScopesToConsent",
        ] {
            assert!(json.get(key).is_some(), "{key} missing in {json}");
        }
        assert_eq!(json["protocolMode"], "AAD");
    }

    #[test]
    fn host_names() {
        assert_eq!(
            host_name("Login.MicrosoftOnline.com"),
            "login.microsoftonline.com"
        );
        assert_eq!(host_name("127.0.0.1:8443"), "127.0.0.1");
        assert_eq!(host_name("[::1]:8443"), "::1");
    }
}

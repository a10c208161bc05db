// Guestlist's sign-in bridge over MSAL.js (@azure/msal-browser, loaded before this file as
// globalThis.msal from the pinned npm package).
//
// The Rust side (src/auth/bridge.rs) talks to MSAL only through globalThis.guestlistAuth and only
// in plain strings: settings and results are JSON text, and every failure is a rejected promise
// whose reason is JSON text {"kind","code","message"}. Binding MSAL's object graph from Rust
// would tie the app to MSAL's internal shapes; this file is the one place that knows them.
//
// kind: "interaction_required" (the admin has to sign in or consent again), "cancelled" (the
// admin closed the popup or cancelled), "failed" (anything else: configuration, network, server).
//
// A plain script (no module, no eval, no inline code): the Content-Security-Policy allows
// script-src 'self' only.
(function () {
  "use strict";

  let app = null;
  let settings = null;

  // Set while a redirect sign-in is away at Microsoft's page. Entra answers some configuration
  // problems (a redirect URI that isn't registered, AADSTS50011; an unknown client id,
  // AADSTS700016) on its own error page and never redirects back (OAuth 2.0 forbids redirecting
  // to an untrusted redirect URI, RFC 6749 §4.1.2.1). If the admin comes back to the app with
  // Back instead, the app says the sign-in came back without an answer (code "no_answer"), so
  // the page can say what such a page means: init() finds this marker still set on a fresh page
  // load, and signIn() hears it from MSAL when the browser restores the page from its
  // back/forward cache (MSAL then rejects loginRedirect with user_cancelled).
  const PENDING = "guestlist.signInPending";

  function storage() {
    try {
      return globalThis.sessionStorage;
    } catch (e) {
      return null;
    }
  }


  function failure(kind, code, message) {
    return JSON.stringify({ kind: kind, code: String(code || ""), message: String(message || "") });
  }

  // MSAL errors carry errorCode and errorMessage; anything else is reported by name and message.
  function fromError(error) {
    const msal = globalThis.msal;
    const code = (error && (error.errorCode || error.name)) || "error";
    const message = (error && (error.errorMessage || error.message)) || String(error);
    if (msal && error instanceof msal.InteractionRequiredAuthError) {
      return failure("interaction_required", code, message);
    }
    if (code === "user_cancelled") {
      return failure("cancelled", code, message);
    }
    return failure("failed", code, message);
  }

  // MSAL reports a discovery document it could not read as endpoints_resolution_error (or
  // openid_config_error) and drops the authority's answer, which names the problem (an unknown
  // tenant: 400 invalid_tenant, AADSTS90002). Ask for the document once more to pass it on.
  async function discoveryAnswer(error) {
    const code = error && error.errorCode;
    if (!settings || (code !== "endpoints_resolution_error" && code !== "openid_config_error")) {
      return null;
    }
    const url = settings.authorityMetadataUrl ||
      settings.authority + "/v2.0/.well-known/openid-configuration";
    try {
      const response = await fetch(url, { cache: "no-store" });
      const body = await response.json();
      if (body && body.error) {
        return failure("failed", body.error, body.error_description || "");
      }
    } catch (e) {
      // Unreachable or not JSON: MSAL's own error says enough.
    }
    return null;
  }

  // Every entry point rejects with a JSON string, never with an MSAL object.
  function guard(run) {
    return function () {
      const args = arguments;
      return Promise.resolve()
        .then(function () { return run.apply(null, args); })
        .catch(async function (error) {
          if (typeof error === "string") {
            throw error;
          }
          throw (await discoveryAnswer(error)) || fromError(error);
        });
    };
  }

  function accountJson(account) {
    if (!account) {
      return null;
    }
    const claims = account.idTokenClaims || {};
    return JSON.stringify({
      name: account.name || claims.name || "",
      username: account.username || claims.preferred_username || "",
      tenantId: account.tenantId || claims.tid || "",
    });
  }

  function requireApp() {
    if (!app) {
      throw failure("failed", "not_initialized", "The sign-in bridge was used before init().");
    }
    return app;
  }

  // The discovery document with its endpoints' tenant segment replaced by "{tenant}", which MSAL
  // fills with the tenant of whichever authority a request uses (msal-common
  // Authority.replaceTenant). Without it, a request for a customer's authority (see token())
  // would still go to the configured tenant's endpoints: MSAL uses authorityMetadata for every
  // authority.
  function tenantNeutral(text) {
    const metadata = JSON.parse(text);
    for (const key of ["authorization_endpoint", "token_endpoint", "end_session_endpoint",
      "jwks_uri", "device_authorization_endpoint"]) {
      const value = metadata[key];
      if (typeof value === "string") {
        const url = new URL(value);
        const segments = url.pathname.split("/");
        if (segments.length > 1 && segments[1]) {
          segments[1] = "{tenant}";
        }
        metadata[key] = url.origin + segments.join("/");
      }
    }
    return JSON.stringify(metadata);
  }

  // The authority of tenant `tenantId` (a GDAP customer); undefined: the configured one.
  function authorityFor(tenantId) {
    return tenantId ? settings.authorityBase + "/" + tenantId : undefined;
  }

  // The account as MSAL knows it in tenant `tenantId`. MSAL looks cached tokens up by the
  // account's tenantId before the request's authority (msal-common SilentFlowClient), so the
  // home account would be handed its home tenant's token: the customer's profile once MSAL has
  // one, else the home account with the customer's tenant id (the refresh token is found by the
  // home account id and redeemed at the customer's authority, which then adds the profile).
  function inTenant(pca, account, tenantId) {
    const known = pca.getAccount({ homeAccountId: account.homeAccountId, tenantId: tenantId });
    return known || Object.assign({}, account, { tenantId: tenantId });
  }

  // Settings come from src/auth/settings.rs (one pure function, tested natively).
  async function init(settingsJson) {
    const msal = globalThis.msal;
    if (!msal || !msal.PublicClientApplication) {
      throw failure("failed", "msal_missing", "MSAL.js (msal-browser.min.js) did not load.");
    }
    settings = JSON.parse(settingsJson);
    const auth = {
      clientId: settings.clientId,
      authority: settings.authority,
      knownAuthorities: settings.knownAuthorities,
      redirectUri: settings.redirectUri,
      postLogoutRedirectUri: settings.postLogoutRedirectUri,
    };
    if (settings.authorityMetadataUrl) {
      // The simulated tenant over plain HTTP (the demo): MSAL only accepts https authorities, so
      // the discovery document is read here and handed to MSAL, which then uses the endpoints it
      // names and never contacts the authority URL itself. See src/auth/settings.rs.
      const response = await fetch(settings.authorityMetadataUrl, { cache: "no-store" });
      if (!response.ok) {
        // Entra's error body (e.g. invalid_tenant, AADSTS90002) says why.
        const body = await response.json().catch(function () { return null; });
        if (body && body.error) {
          throw failure("failed", body.error, body.error_description || "");
        }
        throw failure("failed", "metadata_" + response.status,
          "The sign-in server's discovery document answered HTTP " + response.status + ".");
      }
      auth.authorityMetadata = tenantNeutral(await response.text());
    }
    app = new msal.PublicClientApplication({
      auth: auth,
      // Tokens live as long as the tab: nothing is left behind in the browser profile.
      cache: { cacheLocation: msal.BrowserCacheLocation.SessionStorage },
      system: { protocolMode: settings.protocolMode },
    });
    // MSAL requires initialize() before any other call.
    await app.initialize();
    // Completes a redirect sign-in (the answer is in the URL, or was put in sessionStorage by
    // redirect.html) and returns null on an ordinary page load.
    const s = storage();
    const pending = s && s.getItem(PENDING);
    if (s) {
      s.removeItem(PENDING);
    }
    const result = await app.handleRedirectPromise();
    if (!result && pending && !app.getActiveAccount()) {
      throw failure("failed", "no_answer",
        "The sign-in went to Microsoft's page and came back without an answer.");
    }
    if (result && result.account) {
      app.setActiveAccount(result.account);
    } else if (!app.getActiveAccount()) {
      const accounts = app.getAllAccounts();
      if (accounts.length === 1) {
        app.setActiveAccount(accounts[0]);
      }
    }
    return accountJson(app.getActiveAccount());
  }

  // Sign-in asks consent for both resources at once where the authority supports it
  // (extraScopesToConsent); the token it returns is for the first resource (Graph).
  async function signIn(mode) {
    const pca = requireApp();
    const request = {
      scopes: settings.scopes,
      extraScopesToConsent: settings.extraScopesToConsent,
      prompt: "select_account",
    };
    if (mode === "popup") {
      const result = await pca.loginPopup(request);
      pca.setActiveAccount(result.account);
      return accountJson(result.account);
    }
    // Navigates away; the answer is picked up by init() on the way back.
    const s = storage();
    if (s) {
      s.setItem(PENDING, "1");
    }
    try {
      await pca.loginRedirect(request);
    } catch (error) {
      if (s) {
        s.removeItem(PENDING);
      }
      // Back from Microsoft's page into this page, restored from the back/forward cache.
      if (error && error.errorCode === "user_cancelled") {
        throw failure("failed", "no_answer",
          "The sign-in went to Microsoft's page and came back without an answer.");
      }
      // Otherwise it never left the page (e.g. the tenant is unknown).
      throw error;
    }
    return null;
  }

  // A token for one resource, silently (cache, then refresh token, then a hidden iframe through
  // redirect.html). Interaction is left to the caller: an InteractionRequiredAuthError comes
  // back as kind "interaction_required" and the app offers "Sign in again".
  //
  // `tenantId` (optional) asks for a token of another tenant for the same account: a partner's
  // admin in a GDAP customer. MSAL takes the tenant's authority on the request and redeems the
  // account's refresh token there (msal-browser's acquireTokenSilent, request.authority).
  async function token(scopesJson, forceRefresh, tenantId) {
    const pca = requireApp();
    const account = pca.getActiveAccount();
    if (!account) {
      throw failure("interaction_required", "no_account", "Nobody is signed in.");
    }
    const result = await pca.acquireTokenSilent({
      scopes: JSON.parse(scopesJson),
      account: tenantId ? inTenant(pca, account, tenantId) : account,
      authority: authorityFor(tenantId),
      forceRefresh: !!forceRefresh,
    });
    return JSON.stringify({
      accessToken: result.accessToken,
      // What the service granted (the token response's scope), for the mode probe.
      scopes: result.scopes || [],
      expiresOn: result.expiresOn ? result.expiresOn.getTime() : null,
    });
  }

  // Incremental consent: asks the admin, in a popup, for permissions not granted at sign-in
  // (Group.ReadWrite.All, only when a Microsoft 365 group is opened to external senders). A
  // popup keeps the page and its state; it has to be called from a click, or the browser
  // blocks it (MSAL then reports popup_window_error).
  async function consent(scopesJson) {
    const pca = requireApp();
    const result = await pca.acquireTokenPopup({
      scopes: JSON.parse(scopesJson),
      account: pca.getActiveAccount() || undefined,
    });
    return JSON.stringify({
      accessToken: result.accessToken,
      scopes: result.scopes || [],
      expiresOn: result.expiresOn ? result.expiresOn.getTime() : null,
    });
  }

  function account() {
    return app ? accountJson(app.getActiveAccount()) : null;
  }

  // Ends the session at the identity provider too, then comes back to the app.
  async function signOut() {
    const pca = requireApp();
    await pca.logoutRedirect({
      account: pca.getActiveAccount(),
      postLogoutRedirectUri: settings.postLogoutRedirectUri,
    });
  }

  globalThis.guestlistAuth = Object.freeze({
    init: guard(init),
    signIn: guard(signIn),
    token: guard(token),
    consent: guard(consent),
    account: account,
    signOut: guard(signOut),
  });
})();

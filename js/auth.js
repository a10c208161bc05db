// Guestlist's sign-in bridge over MSAL.js (@azure/msal-browser from the pinned npm package,
// msal-browser.min.js next to this file, which defines globalThis.msal).
//
// MSAL is not part of the first load. This file fetches it when something needs it: completing
// a redirect sign-in, signing in or out, consent, a token that isn't in the tab's session yet.
// The app asks for it in advance once its first screen works (prefetch()), so that a click on
// "Sign in" doesn't wait for it. What lets a signed-in visitor's first screen go without MSAL is
// the tab's session (SESSION): the signed-in account and the tokens MSAL gave this tab, in
// sessionStorage like MSAL's own cache, used while they are valid for MARGIN_MS more.
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

  let settings = null;
  // Resolves once init() has the settings (its body runs a microtask after the call, see guard).
  let settingsKnown = null;
  const settingsReady = new Promise(function (resolve) { settingsKnown = resolve; });

  // Set while a redirect sign-in is away at Microsoft's page. Entra answers some configuration
  // problems (a redirect URI that isn't registered, AADSTS50011; an unknown client id,
  // AADSTS700016) on its own error page and never redirects back (OAuth 2.0 forbids redirecting
  // to an untrusted redirect URI, RFC 6749 §4.1.2.1). If the admin comes back to the app with
  // Back instead, the app says the sign-in came back without an answer (code "no_answer"), so
  // the page can say what such a page means: init() finds this marker still set on a fresh page
  // load, and signIn() hears it from MSAL when the browser restores the page from its
  // back/forward cache (MSAL then rejects loginRedirect with user_cancelled).
  const PENDING = "guestlist.signInPending";

  // The tab's session: { app, account, tokens: { "<tenant> <scopes>": { accessToken, scopes,
  // expiresOn } } } for the app `app` (its client id and authority), written from what MSAL
  // returned in this tab, removed at sign-out and when MSAL no longer knows the account.
  const SESSION = "guestlist.session";
  // A token is used from the session only while it stays valid this much longer (5 minutes,
  // MSAL's own default for renewing a token before it expires).
  const MARGIN_MS = 5 * 60 * 1000;
  // MSAL, next to this file (the file's own URL is only known while it runs).
  const MSAL_URL = new URL("msal-browser.min.js", document.currentScript.src).href;

  function storage() {
    try {
      return globalThis.sessionStorage;
    } catch (e) {
      return null;
    }
  }


  function readSession() {
    const s = storage();
    try {
      const session = s && JSON.parse(s.getItem(SESSION) || "null");
      return session && settings && session.app === appKey() ? session : null;
    } catch (e) {
      return null;
    }
  }

  function writeSession(update) {
    const s = storage();
    if (!s) {
      return;
    }
    const session = readSession() || { app: appKey(), account: null, tokens: {} };
    update(session);
    try {
      s.setItem(SESSION, JSON.stringify(session));
    } catch (e) {
      // Storage full or refused: the next load asks MSAL, as without a session.
    }
  }

  function forgetSession() {
    const s = storage();
    if (s) {
      s.removeItem(SESSION);
    }
  }

  function appKey() {
    return settings.clientId + " " + settings.authority;
  }

  // MSAL's own state in this tab: its cache and a redirect sign-in under way live in
  // sessionStorage under "msal." keys; "msal.version", which MSAL writes as it starts, says
  // nothing of an account.
  function msalHasState() {
    const s = storage();
    if (!s) {
      return true;
    }
    for (let i = 0; i < s.length; i++) {
      const key = s.key(i) || "";
      if (key.startsWith("msal.") && key !== "msal.version") {
        return true;
      }
    }
    return false;
  }

  // Fetches MSAL once (a plain script, which the Content-Security-Policy's script-src 'self'
  // allows), resolving to globalThis.msal.
  let msalLoad = null;
  function loadMsal() {
    if (!msalLoad) {
      msalLoad = new Promise(function (resolve, reject) {
        if (globalThis.msal) {
          resolve(globalThis.msal);
          return;
        }
        const missing = function () {
          msalLoad = null;
          reject(failure("failed", "msal_missing", "MSAL.js (msal-browser.min.js) did not load."));
        };
        const script = document.createElement("script");
        script.src = MSAL_URL;
        script.onload = function () {
          if (globalThis.msal && globalThis.msal.PublicClientApplication) {
            resolve(globalThis.msal);
          } else {
            missing();
          }
        };
        script.onerror = function () {
          script.remove();
          missing();
        };
        document.head.appendChild(script);
      });
    }
    return msalLoad;
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

  // What the app shows of an account (src/auth/mod.rs, Account::from_bridge).
  function accountRecord(account) {
    const claims = account.idTokenClaims || {};
    return {
      name: account.name || claims.name || "",
      username: account.username || claims.preferred_username || "",
      tenantId: account.tenantId || claims.tid || "",
    };
  }

  function accountJson(account) {
    return account ? JSON.stringify(accountRecord(account)) : null;
  }

  // A token as the app reads it (src/auth/bridge.rs, TokenResponse).
  function tokenAnswer(result) {
    return {
      accessToken: result.accessToken,
      // What the service granted (the token response's scope), for the mode probe.
      scopes: result.scopes || [],
      expiresOn: result.expiresOn ? result.expiresOn.getTime() : null,
    };
  }

  // Where the tab's session keeps the token for `scopesJson` in tenant `tenantId` (optional).
  function tokenKey(scopesJson, tenantId) {
    return (tenantId || "") + " " + scopesJson;
  }

  // Keeps `answer`, MSAL's token for `key`, in the tab's session with the signed-in account.
  function remember(account, key, answer) {
    if (answer.expiresOn) {
      writeSession(function (session) {
        session.account = accountRecord(account);
        session.tokens[key] = answer;
      });
    }
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

  // MSAL started for this page: fetched, initialised, and a redirect sign-in that came back
  // completed. Started once, by the first call that needs MSAL; a failed start is tried again by
  // the next.
  let appStart = null;
  function ensureApp() {
    if (!settings) {
      return Promise.reject(
        failure("failed", "not_initialized", "The sign-in bridge was used before init()."));
    }
    if (!appStart) {
      appStart = startMsal().catch(function (error) {
        appStart = null;
        throw error;
      });
    }
    return appStart;
  }

  async function startMsal() {
    const msal = await loadMsal();
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
    const pca = new msal.PublicClientApplication({
      auth: auth,
      // Tokens live as long as the tab: nothing is left behind in the browser profile.
      cache: { cacheLocation: msal.BrowserCacheLocation.SessionStorage },
      system: { protocolMode: settings.protocolMode },
    });
    // MSAL requires initialize() before any other call.
    await pca.initialize();
    // Completes a redirect sign-in (the answer is in the URL, or was put in sessionStorage by
    // redirect.html) and returns null on an ordinary page load.
    const s = storage();
    const pending = s && s.getItem(PENDING);
    if (s) {
      s.removeItem(PENDING);
    }
    const result = await pca.handleRedirectPromise();
    if (!result && pending && !pca.getActiveAccount()) {
      throw failure("failed", "no_answer",
        "The sign-in went to Microsoft's page and came back without an answer.");
    }
    if (result && result.account) {
      pca.setActiveAccount(result.account);
    } else if (!pca.getActiveAccount()) {
      const accounts = pca.getAllAccounts();
      if (accounts.length === 1) {
        pca.setActiveAccount(accounts[0]);
      }
    }
    const account = pca.getActiveAccount();
    if (account) {
      writeSession(function (session) { session.account = accountRecord(account); });
    } else {
      forgetSession();
    }
    return pca;
  }

  // Settings come from src/auth/settings.rs (one pure function, tested natively). The account
  // comes from the tab's session when it has one and no redirect sign-in is coming back; nobody
  // is signed in when neither the session nor MSAL has anything in this tab. Otherwise MSAL
  // starts now and says.
  async function init(settingsJson) {
    settings = JSON.parse(settingsJson);
    settingsKnown();
    const s = storage();
    if (!(s && s.getItem(PENDING))) {
      const session = readSession();
      if (session && session.account) {
        return JSON.stringify(session.account);
      }
      if (!msalHasState()) {
        return null;
      }
    }
    return accountJson((await ensureApp()).getActiveAccount());
  }

  // Sign-in asks consent for both resources at once where the authority supports it
  // (extraScopesToConsent); the token it returns is for the first resource (Graph).
  async function signIn(mode) {
    const pca = await ensureApp();
    const request = {
      scopes: settings.scopes,
      extraScopesToConsent: settings.extraScopesToConsent,
      prompt: "select_account",
    };
    if (mode === "popup") {
      const result = await pca.loginPopup(request);
      pca.setActiveAccount(result.account);
      writeSession(function (session) { session.account = accountRecord(result.account); });
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
  //
  // A token MSAL gave this tab before is taken from the tab's session while it stays valid for
  // MARGIN_MS more, without MSAL; `forceRefresh` (the service refused it) always asks MSAL.
  async function token(scopesJson, forceRefresh, tenantId) {
    const key = tokenKey(scopesJson, tenantId);
    if (!forceRefresh) {
      const session = readSession();
      const saved = session && session.account && session.tokens[key];
      if (saved && saved.expiresOn - Date.now() > MARGIN_MS) {
        return JSON.stringify(saved);
      }
    }
    const pca = await ensureApp();
    const account = pca.getActiveAccount();
    if (!account) {
      forgetSession();
      throw failure("interaction_required", "no_account", "Nobody is signed in.");
    }
    const result = await pca.acquireTokenSilent({
      scopes: JSON.parse(scopesJson),
      account: tenantId ? inTenant(pca, account, tenantId) : account,
      authority: authorityFor(tenantId),
      forceRefresh: !!forceRefresh,
    });
    const answer = tokenAnswer(result);
    remember(account, key, answer);
    return JSON.stringify(answer);
  }

  // Incremental consent: asks the admin, in a popup, for permissions not granted at sign-in
  // (Group.ReadWrite.All, only when a Microsoft 365 group is opened to external senders). A
  // popup keeps the page and its state; it has to be called from a click, or the browser
  // blocks it (MSAL then reports popup_window_error).
  async function consent(scopesJson) {
    const pca = await ensureApp();
    const result = await pca.acquireTokenPopup({
      scopes: JSON.parse(scopesJson),
      account: pca.getActiveAccount() || undefined,
    });
    const answer = tokenAnswer(result);
    if (result.account) {
      remember(result.account, tokenKey(scopesJson), answer);
    }
    return JSON.stringify(answer);
  }

  // Fetches and starts MSAL ahead of its first use; the app calls this once its first screen
  // works. Started, it lets a click on "Sign in" open MSAL's popup at once, while the click
  // still allows the browser to open one.
  function prefetch() {
    settingsReady.then(ensureApp).catch(function () {
      // The first call that needs MSAL tries again and says what failed.
    });
  }

  // Ends the session at the identity provider too, then comes back to the app.
  async function signOut() {
    const pca = await ensureApp();
    // After MSAL has started: starting writes the signed-in account to the tab's session.
    forgetSession();
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
    prefetch: prefetch,
    signOut: guard(signOut),
  });
})();

// Signs in with a redirect, gets tokens for Graph and Exchange silently (refresh token across
// resources), calls Graph cross-origin, signs in silently in an iframe, signs out. Each step is
// recorded in sessionStorage (which survives the redirects) for the test to read.
const results = JSON.parse(sessionStorage.getItem("simResults") || "[]");
const record = (o) => {
  results.push(o);
  sessionStorage.setItem("simResults", JSON.stringify(results));
};
const claims = (jwt) => JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
const GRAPH = ["https://graph.microsoft.com/User.Read", "https://graph.microsoft.com/GroupMember.Read.All"];
const EXCHANGE = ["https://outlook.office365.com/Exchange.Manage"];

async function main() {
  const cfg = await (await fetch("/config.json")).json();
  const pca = new msal.PublicClientApplication({
    auth: {
      clientId: cfg.clientId,
      authority: `${cfg.authority}/${cfg.tenantId}`,
      knownAuthorities: [location.host],
      redirectUri: cfg.redirectUri,
      postLogoutRedirectUri: cfg.redirectUri,
    },
    cache: { cacheLocation: "sessionStorage" },
  });
  await pca.initialize();
  const result = await pca.handleRedirectPromise();
  if (result) {
    record({
      step: "login",
      user: result.account.username,
      tenantId: result.tenantId,
      homeAccountId: result.account.homeAccountId,
      nonce: typeof result.idTokenClaims.nonce === "string",
      scopes: result.scopes,
    });
    const ex = await pca.acquireTokenSilent({ scopes: EXCHANGE, account: result.account });
    record({ step: "exchange", aud: claims(ex.accessToken).aud, fromCache: ex.fromCache });
    const cached = await pca.acquireTokenSilent({ scopes: GRAPH, account: result.account });
    record({ step: "graph-cached", fromCache: cached.fromCache });
    const fresh = await pca.acquireTokenSilent({ scopes: GRAPH, account: result.account, forceRefresh: true });
    record({ step: "graph-refreshed", fromCache: fresh.fromCache });
    const me = await fetch(`${cfg.graphBaseUrl}/v1.0/me`, { headers: { Authorization: `Bearer ${fresh.accessToken}` } });
    record({ step: "me", status: me.status });
    const sso = await pca.ssoSilent({
      scopes: GRAPH,
      loginHint: result.account.username,
      redirectUri: `${location.origin}/bridge.html`,
    });
    record({ step: "ssoSilent", user: sso.account.username, fromCache: sso.fromCache });
    await pca.logoutRedirect({ account: result.account });
  } else if (results.length > 0) {
    record({ step: "signed-out", accounts: pca.getAllAccounts().length });
    document.title = "DONE";
  } else {
    // Consent to Exchange up front, as Guestlist does: silent tokens need consent (tests/consent.rs).
    await pca.loginRedirect({ scopes: GRAPH, extraScopesToConsent: EXCHANGE });
  }
}

main().catch((e) => {
  record({ error: String(e), code: e.errorCode });
  document.title = "ERROR";
});

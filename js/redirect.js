// MSAL 5's redirect bridge: the page the identity provider sends its answer to (redirect.html).
//
// For a redirect sign-in it stores the answer in sessionStorage and returns to the page the
// sign-in started from, where guestlistAuth.init() (handleRedirectPromise) completes it. For a
// popup or a hidden iframe (silent renewal) it hands the answer to the app's window over a
// BroadcastChannel and closes. msalRedirectBridge comes from msal-redirect-bridge.min.js of the
// pinned @azure/msal-browser package, loaded just before this file.
// https://learn.microsoft.com/entra/msal/javascript/browser/redirect-bridge
"use strict";

globalThis.msalRedirectBridge.broadcastResponseToMainFrame().catch(function (error) {
  console.error("Guestlist sign-in: the answer could not be passed back to the app.", error);
  const p = document.getElementById("status");
  if (p) {
    p.textContent =
      "Sign-in could not be completed. Close this window and try again. / " +
      "Aanmelden kon niet worden voltooid. Sluit dit venster en probeer het opnieuw. (" +
      (error && (error.errorCode || error.message) || error) + ")";
  }
});

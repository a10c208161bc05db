// What the app uses of MSAL.js (js/auth.js reads it from globalThis.msal). The release build
// (xtask/src/split.rs) bundles @azure/msal-browser's ES modules from this entry with esbuild,
// which leaves out what nothing here reaches, and minifies the bundle with terser: a smaller
// msal-browser.min.js than the package's own UMD build, which debug builds copy as it is.
export {
    BrowserCacheLocation,
    InteractionRequiredAuthError,
    PublicClientApplication,
} from "@azure/msal-browser";

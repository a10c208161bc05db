// Starts the Guestlist WebAssembly app.
//
// Trunk's default loader is an inline <script type="module">, which a Content-Security-Policy
// without 'unsafe-inline' blocks. Trunk.toml's pattern_script instead emits
//   <script type="module" src="boot.js" data-bindgen-js="…" data-bindgen-wasm="…">
// with the hashed file names, and this file does what the inline loader would have done.
const tag = document.querySelector("script[data-bindgen-js]");

try {
  const { default: init } = await import(tag.dataset.bindgenJs);
  const wasm = await init({ module_or_path: tag.dataset.bindgenWasm });
  // Same event Trunk's own loader fires, for anything that waits on it.
  dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));
} catch (error) {
  // Without the wasm nothing else can explain the problem, so say it here (both languages,
  // as the language choice lives in the wasm).
  console.error(error);
  const p = document.createElement("p");
  p.className = "boot-error";
  p.setAttribute("role", "alert");
  p.textContent =
    "Guestlist could not start in this browser. / Guestlist kon niet starten in deze browser. (" +
    error + ")";
  document.body.append(p);
}

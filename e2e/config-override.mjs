// Overrides of the app's `/auth_config.json` for one test or one bench mode, applied inside the
// page rather than with Playwright's request interception (`route`). Once a context has any route,
// Playwright intercepts every request of it and answers each from Node: measured on this machine,
// that added ~40 ms to every request in Firefox (through WebDriver BiDi) and 1–5 ms in Chromium, to
// the provider's and the API's requests as much as to the configuration's. It made the suite twice
// as slow in Firefox and every network step of a measured renewal look slower than it is.
//
// Here an init script wraps the page's `fetch` for one URL, the app's own `/auth_config.json`, and
// merges the overrides into the JSON the server sent. Every other request goes to the network
// untouched. A response that is not a successful JSON object (a test's own route answering 500 or
// broken JSON) is passed on as it came.

/** Runs in every document of the context before the page's scripts. The last one added wins: each
 *  sets the overrides, and the first also wraps `fetch`. Self-contained: Playwright sends its source. */
export function overrideConfig(overrides) {
  globalThis.__configOverrides = overrides;
  if (globalThis.__configOverridden) return;
  globalThis.__configOverridden = true;
  const realFetch = globalThis.fetch;
  globalThis.fetch = async function fetch(input, init) {
    const response = await realFetch.call(this, input, init);
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    if (url.origin !== location.origin || url.pathname !== '/auth_config.json' || !response.ok) return response;
    let config;
    try { config = await response.clone().json(); } catch { return response; }
    if (config === null || typeof config !== 'object' || Array.isArray(config)) return response;
    return new Response(JSON.stringify({ ...config, ...globalThis.__configOverrides }), {
      status: response.status, headers: { 'content-type': 'application/json' },
    });
  };
}

/** Serves `/auth_config.json` with `overrides` to every document of `context` loaded from now on
 *  (a document already open keeps what it read). A later call replaces the overrides. */
export async function configure(context, overrides) {
  await context.addInitScript(overrideConfig, overrides);
}

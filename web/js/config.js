// Where the API lives comes from config.json next to the page, never from the code:
// `portrait dev` generates it from its own ports, and `portrait web publish` writes the
// deployed stack's API URL into the bucket the pages are hosted from.
let loaded = null;

export function getConfig() {
  if (!loaded) {
    loaded = fetch(new URL("config.json", document.baseURI), { cache: "no-store" })
      .then((reply) => {
        if (!reply.ok) throw new Error(`config.json answered ${reply.status}`);
        return reply.json();
      })
      .then((config) => {
        if (!config || typeof config.apiBaseUrl !== "string") {
          throw new Error("config.json has no apiBaseUrl");
        }
        // One form of the URL everywhere: no trailing slash, so paths join with "/...".
        return Object.freeze({ ...config, apiBaseUrl: config.apiBaseUrl.replace(/\/+$/, "") });
      });
    loaded.catch(() => { loaded = null; }); // a failed load may be retried later
  }
  return loaded;
}

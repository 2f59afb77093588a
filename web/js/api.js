// The one way pages talk to the API: JSON in and out, the bearer token added, a
// 401 turned into one silent refresh and retry, and every failure an ApiError
// carrying the API's own code and message (and the wait of a 429).
import { getConfig } from "./config.js";

export class ApiError extends Error {
  constructor(status, code, message, { retryAfter = null, details = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter; // seconds, for 429s
    this.details = details;       // [{field, message, type}] for 422s
  }

  get rateLimited() { return this.status === 429; }
}

// auth.js plugs in here (api.js must not import it: auth.js itself calls the API).
let session = null;
export function useSession(hooks) { session = hooks; }

function retryAfterSeconds(header) {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const when = Date.parse(header); // Retry-After may also be an HTTP date
  return Number.isNaN(when) ? null : Math.max(0, Math.ceil((when - Date.now()) / 1000));
}

async function errorFrom(reply) {
  let document = null;
  try { document = await reply.json(); } catch { /* not JSON: a proxy's page */ }
  // Our API answers {"error": {code, message}}; API Gateway's own replies are {"message"}.
  const error = document?.error ?? {};
  const message = error.message ?? document?.message ?? `The server answered ${reply.status}.`;
  return new ApiError(reply.status, error.code ?? `http_${reply.status}`, message, {
    retryAfter: retryAfterSeconds(reply.headers.get("retry-after")),
    details: error.details ?? null,
  });
}

export async function apiUrl(path) {
  const { apiBaseUrl } = await getConfig();
  return apiBaseUrl + path;
}

/**
 * Call the API. `auth: false` for the routes that take no token (login, register...).
 * Resolves to the parsed JSON (null for an empty body); rejects with an ApiError.
 */
export async function api(path, { method = "GET", body, auth = true, signal } = {}) {
  const url = await apiUrl(path);
  const send = async () => {
    const headers = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (auth && session) {
      const token = await session.accessToken();
      if (token) headers.authorization = `Bearer ${token}`;
    }
    try {
      return await fetch(url, {
        method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ApiError(0, "network_error",
        "Can't reach the server. Check your connection and try again.");
    }
  };

  let reply = await send();
  if (reply.status === 401 && auth && session) {
    // An access token can expire between our check and the server's: refresh once, retry once.
    if (await session.refresh()) {
      reply = await send();
    }
    if (reply.status === 401) {
      session.ended();
      throw await errorFrom(reply);
    }
  }
  if (!reply.ok) throw await errorFrom(reply);
  const text = await reply.text();
  return text ? JSON.parse(text) : null;
}

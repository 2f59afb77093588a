// The session: tokens kept in localStorage so a reload or a second tab stays signed in.
// (A script injected into the page could read them; the page loads no script but its own.)
// Access tokens are short-lived and refreshed silently; the refresh token is rotated on
// every use, and the API revokes the whole session when an old one is presented again.
import { api, useSession } from "./api.js";

const KEY = "portrait.session";
const EARLY_SECONDS = 30; // refresh this long before expiry, not after a failed call
const listeners = new Set();
let refreshing = null;

function read() {
  try { return JSON.parse(localStorage.getItem(KEY)) ?? null; } catch { return null; }
}

function write(value) {
  if (value) localStorage.setItem(KEY, JSON.stringify(value));
  else localStorage.removeItem(KEY);
  for (const listener of listeners) listener(value, { remote: false });
}

function store(tokens, user) {
  write({
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    expires_at: Date.now() + tokens.expires_in * 1000,
    user: user ?? read()?.user ?? null,
  });
}

export function currentSession() { return read(); }
export function currentUser() { return read()?.user ?? null; }
export function signedIn() { return Boolean(read()?.refresh_token); }
export function onSessionChange(listener) { listeners.add(listener); return () => listeners.delete(listener); }

/** Keep the cached user (shown in the header) in step with what the API last said. */
export function rememberUser(user) {
  const value = read();
  if (value) write({ ...value, user });
}

export async function logIn(login, password) {
  const reply = await api("/auth/login", { method: "POST", auth: false, body: { login, password } });
  store(reply, reply.user);
  return reply.user;
}

export async function signUp({ username, email, password, name }) {
  await api("/auth/register", { method: "POST", auth: false, body: { username, email, password, name } });
  return logIn(username, password);
}

export async function logOut() {
  const value = read();
  write(null);
  if (value?.refresh_token) {
    // Revoke server-side too; the local session is gone whatever the answer.
    try {
      await api("/auth/logout", { method: "POST", auth: false, body: { refresh_token: value.refresh_token } });
    } catch { /* offline or already revoked: nothing more to do */ }
  }
}

async function rotate(used) {
  const now = read();
  // Another tab may have rotated the token while we waited for the lock: use its result
  // rather than presenting the old token again (which the API treats as theft).
  if (!now) return false;
  if (now.refresh_token !== used) return true;
  try {
    const pair = await api("/auth/refresh", { method: "POST", auth: false, body: { refresh_token: used } });
    store(pair);
    return true;
  } catch (err) {
    if (err.status === 401 || err.status === 422) {
      write(null); // rejected: revoked, expired or reused
      return false;
    }
    throw err; // offline or a server error: keep the session, the call fails as it is
  }
}

/** Get a new token pair. One refresh at a time, across tabs when the browser can lock. */
export function refresh() {
  const used = read()?.refresh_token;
  if (!used) return Promise.resolve(false);
  if (!refreshing) {
    const run = () => rotate(used);
    refreshing = (navigator.locks ? navigator.locks.request("portrait.refresh", run) : run())
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

async function accessToken() {
  const value = read();
  if (!value) return null;
  if (value.expires_at - EARLY_SECONDS * 1000 < Date.now()) {
    if (!(await refresh())) return null;
  }
  return read()?.access_token ?? null;
}

/** The refresh token was rejected: back to the login page, saying why. */
function ended() {
  const back = location.hash && !location.hash.startsWith("#/login") ? location.hash.slice(1) : "";
  location.hash = `#/login?expired=1${back ? `&next=${encodeURIComponent(back)}` : ""}`;
  write(null); // after the hash: the login page renders (on hashchange) with no session
}

useSession({ accessToken, refresh, ended });

// Logging out (or in) in one tab does the same in the others.
window.addEventListener("storage", (event) => {
  if (event.key !== KEY) return;
  for (const listener of listeners) listener(read(), { remote: true });
});

// The signed-in user's own record, fetched fresh and remembered for the header.
import { api } from "./api.js";
import { rememberUser } from "./auth.js";

export async function loadMe() {
  const me = await api("/me");
  rememberUser(me);
  return me;
}

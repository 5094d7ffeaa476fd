// Accounts made through the REST edge, as a client makes them: register, then log in.
import type { ExecutionContext } from "ava";
import { call, type JsonResponse } from "./http.js";

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Gateway rate limits no test reaches: every request of a suite comes from one address. */
export const UNLIMITED_RATE = { perIpPerMinute: 100_000, perUserPerMinute: 100_000, timeoutMs: 5000 };

export interface RestAccount {
  id: string;
  username: string;
  token: string;
}

/** The answer's body, after asserting its status (the body is in the message when it differs). */
export function expectStatus(t: ExecutionContext, res: JsonResponse<Json>, status: number, what: string): Json {
  t.is(res.status, status, `${what}: ${res.text}`);
  return res.body;
}

let seq = 0;

/** A fresh account named `<prefix><pid>_<n>_<random>` (15 characters at most) unless `username` is given. */
export async function signUp(t: ExecutionContext, base: string, o: { prefix: string; username?: string; displayName?: string }): Promise<RestAccount> {
  const username = o.username ?? `${o.prefix}${process.pid % 1000}_${seq++}_${Math.random().toString(36).slice(2, 5)}`.slice(0, 15);
  const json = { username, email: `${username}@example.com`, password: "correct horse battery", display_name: o.displayName };
  const user = expectStatus(t, await call<Json>(base, "POST", "/api/v1/users", { json }), 200, "register").user;
  const session = expectStatus(t, await call<Json>(base, "POST", "/api/v1/auth/login", { json: { login: username, password: "correct horse battery" } }), 200, "login").session;
  return { id: user.user_id, username, token: session.access_token };
}

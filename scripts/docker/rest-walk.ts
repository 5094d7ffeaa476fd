// The REST API walked through the gateway, as the README's curl walkthrough does.
import { sleep } from "./proc.js";

async function api(gw: number, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`http://127.0.0.1:${gw}${path}`, {
    method,
    headers: { ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json };
}

async function expectOk(gw: number, what: string, method: string, path: string, body?: unknown, token?: string): Promise<any> {
  const r = await api(gw, method, path, body, token);
  if (r.status < 200 || r.status > 299) throw new Error(`REST ${what}: ${method} ${path} answered ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

/** Register and log in two accounts, follow, post, and find the post on the follower's home timeline; a summary line. */
export async function walk(gw: number, runId: string): Promise<string> {
  const password = "correct horse battery";
  const users: Array<{ id: string; token: string; name: string }> = [];
  for (const who of ["a", "b"]) {
    const name = `sm${who}${runId}`.slice(0, 15);
    const reg = await expectOk(gw, "register", "POST", "/api/v1/users", { username: name, email: `${name}@example.com`, password });
    const login = await expectOk(gw, "log in", "POST", "/api/v1/auth/login", { login: name, password });
    const id = String(login.user?.user_id ?? "");
    const token = String(login.session?.access_token ?? "");
    if (!id || id !== String(reg.user?.user_id) || !token) throw new Error(`REST log in: unexpected answer ${JSON.stringify(login)}`);
    users.push({ id, token, name });
  }
  const [alice, bob] = users as [(typeof users)[0], (typeof users)[0]];
  const anon = await api(gw, "POST", "/api/v1/tweets", { content: "no token" });
  if (anon.status !== 401) throw new Error(`REST post without a token: expected 401, got ${anon.status} ${JSON.stringify(anon.json)}`);
  const follow = await expectOk(gw, "follow", "POST", `/api/v1/users/${bob.id}/follow`, { followee_id: alice.id }, bob.token);
  if (follow.created !== true) throw new Error(`REST follow: unexpected answer ${JSON.stringify(follow)}`);
  const content = `hello from the image smoke test ${runId}`;
  const posted = await expectOk(gw, "post", "POST", "/api/v1/tweets", { content }, alice.token);
  const tweetId = String(posted.tweet?.tweet_id ?? "");
  if (!tweetId) throw new Error(`REST post: unexpected answer ${JSON.stringify(posted)}`);
  // The fan-out worker's container puts it on Bob's home timeline, asynchronously.
  const deadline = Date.now() + 20_000;
  let last: unknown;
  for (;;) {
    const home = await expectOk(gw, "home timeline", "GET", "/api/v1/timeline/home?limit=5", undefined, bob.token);
    last = home;
    const hit = (home.tweets ?? []).find((t: any) => String(t.tweet?.tweet_id) === tweetId);
    if (hit) {
      if (hit.tweet.content !== content || hit.author?.username !== alice.name) throw new Error(`REST home timeline: wrong entry ${JSON.stringify(hit)}`);
      break;
    }
    if (Date.now() > deadline) throw new Error(`REST home timeline: Alice's tweet ${tweetId} not on Bob's home timeline after 20s; last answer ${JSON.stringify(last)}`);
    await sleep(250);
  }
  return `REST walk through the gateway container: registered and logged in ${alice.name} and ${bob.name}, ${bob.name} follows ${alice.name}, ${alice.name} posted ${tweetId}, it is on ${bob.name}'s home timeline; a post without a token answers 401`;
}

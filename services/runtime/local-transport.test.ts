import test from "ava";
import { Code, ConnectError } from "@connectrpc/connect";
import { testRuntime } from "../platform/testing/runtime.js";
import { start as startGraph } from "../graph/target.js";
import { start as startTweet } from "../tweet/target.js";
import { start as startUser } from "../user/target.js";

// The configured addresses are a closed port: only in-process calls can answer.
const env = Object.fromEntries(
  ["USER", "GRAPH", "TWEET"].flatMap((s) => [
    [`CHIRP_${s}_ADDR`, "http://127.0.0.1:9"],
    [`CHIRP_${s}_PORT`, "0"],
  ]),
);

async function code(p: Promise<unknown>): Promise<Code | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

test("a service started in this process is called in memory, with its interceptors", async (t) => {
  const { rt, cleanup } = await testRuntime("embedded", "local_on", {}, env);
  t.teardown(cleanup);
  for (const start of [startUser, startGraph, startTweet]) {
    const s = await start(rt);
    t.teardown(() => s.stop());
  }
  const { user: created } = await rt.clients.user.register({ username: "inproc", email: "inproc@example.com", password: "correct horse" });
  t.is(created?.username, "inproc");
  // Validation and authentication still apply on the in-memory path.
  t.is(await code(rt.clients.user.register({ username: "x", email: "bad", password: "short" })), Code.InvalidArgument);
  t.is(await code(rt.clients.user.updateProfile({ userId: created!.userId, displayName: "Nope" })), Code.Unauthenticated);
  const { session } = await rt.clients.user.login({ login: "inproc", password: "correct horse" });
  const as = { headers: { authorization: `Bearer ${session!.accessToken}` } };
  const updated = await rt.clients.user.updateProfile({ userId: created!.userId, displayName: "In Process" }, as);
  t.is(updated.user?.displayName, "In Process");
  t.is(await code(rt.clients.user.updateProfile({ userId: created!.userId + 1n, displayName: "Other" }, as)), Code.PermissionDenied);
  // The metrics see in-memory calls like network ones.
  t.regex(await rt.metrics.registry.metrics(), /method="UpdateProfile"/);
});

test("with CHIRP_INPROCESS_CALLS=false the same call goes to the configured address", async (t) => {
  const { rt, cleanup } = await testRuntime("embedded", "local_off", {}, { ...env, CHIRP_INPROCESS_CALLS: "false" });
  t.teardown(cleanup);
  const user = await startUser(rt);
  t.teardown(() => user.stop());
  t.is(rt.local, undefined);
  t.is(await code(rt.clients.user.getUser({ userId: 1n })), Code.Unavailable);
});

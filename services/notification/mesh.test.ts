// The notification target in its own process, as the chart runs it: the
// gateway finds it by its address, it finds the user and tweet services by
// theirs, and its consumer shares JetStream with the others.
import test from "ava";
import { call } from "../gateway/testing/http.js";
import { startChirpProcesses } from "../testing/chirp-processes.js";
import { eventually } from "../testing/eventually.js";
import { UNLIMITED_RATE } from "../gateway/testing/rest-accounts.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test("one process per target: a follow and a mention over REST become notifications", async (t) => {
  const s = await startChirpProcesses({
    label: "notif_mesh",
    // Every target: the gateway is ready only when every service it calls answers.
    gateway: { rateLimit: UNLIMITED_RATE },
    startTimeoutMs: 90_000,
  });
  try {
    const [ann, bob] = [await s.register(), await s.register()];
    const annName = (await s.clients.user.getUser({ userId: ann })).user!.username;
    const token = async (id: bigint) => ((await s.as(id)).headers as Record<string, string>).authorization!.slice("Bearer ".length);
    const [annToken, bobToken] = [await token(ann), await token(bob)];
    t.is((await call<Json>(s.base, "POST", `/api/v1/users/${bob}/follow`, { token: bobToken, json: { followee_id: String(ann) } })).status, 200);
    t.is((await call<Json>(s.base, "POST", "/api/v1/tweets", { token: bobToken, json: { content: `hi @${annName}` } })).status, 200);
    let body: Json = {};
    t.true(
      await eventually(async () => ((body = (await call<Json>(s.base, "GET", "/api/v1/notifications", { token: annToken })).body).groups ?? []).length === 2, 30_000, 100),
      JSON.stringify(body),
    );
    t.deepEqual(
      body.groups.map((g: Json) => g.type),
      ["mention", "follow"],
    );
    t.is((await call<Json>(s.base, "GET", "/api/v1/notifications/unread_count", { token: annToken })).body.count, "2");
  } finally {
    await s.stop();
  }
});

// The gateway as deployed (one OS process per target, on NATS, Redis and
// Cassandra) killed with SIGKILL while tweets keep coming, and started again
// on its address: clients that reconnect with their last ids miss nothing
// and see nothing twice, since the events wait in the LIVE stream, not in the
// gateway; a second gateway process's client, connected throughout, gets every one too.
import test from "ava";
import { startChirpProcesses, type ChirpProcesses } from "../../testing/chirp-processes.js";
import { gatewayEnv } from "../../testing/chirp-processes.js";
import { eventually } from "../../testing/eventually.js";
import { mustOpen, type WsClient } from "../testing/ws.js";

let mesh: ChirpProcesses | undefined;
test.after.always(async () => mesh?.stop());

test("a gateway killed and restarted while its clients reconnect with their last ids: nothing missed, nothing twice", async (t) => {
  t.timeout(240_000);
  // Every target: the gateway is ready only with every service it routes to.
  mesh = await startChirpProcesses({ label: "ws_kill", startTimeoutMs: 90_000 });
  const s = mesh;
  const [author, reader] = [await s.register(), await s.register()];
  await s.follow(reader, author);
  await s.homeIds(reader);
  const token = ((await s.as(reader)).headers as Record<string, string>).authorization!.slice("Bearer ".length);
  const query = `?stream=home&stream=user:${author}`;
  const got = [0, 1, 2].map(() => [] as string[]);
  const lastIds = ["", "", ""];
  const ids = got.map(() => [] as bigint[]);
  const follow = (i: number, c: WsClient) =>
    c.ws.on("message", (data) => {
      const f = JSON.parse(data.toString());
      if (f.id) {
        lastIds[i] = f.id;
        ids[i]!.push(BigInt(f.id));
      }
      if (f.event === "update" && f.stream === "home") got[i]!.push(f.payload.tweet.tweet_id);
    });
  const first = await Promise.all(got.map(() => mustOpen(s.base, query, { token })));
  first.forEach((c, i) => follow(i, c));
  await Promise.all(first.map((c) => c.next((f) => f.event === "subscribed" && f.stream === "home")));
  // Another gateway process (a second replica behind the Service): its client stays connected throughout.
  const replica = await s.extraGateway({});
  const steady = await mustOpen(replica.url, query, { token });
  const steadyGot: string[] = [];
  steady.ws.on("message", (data) => {
    const f = JSON.parse(data.toString());
    if (f.event === "update" && f.stream === "home") steadyGot.push(f.payload.tweet.tweet_id);
  });
  await steady.next((f) => f.event === "subscribed" && f.stream === "home");

  const posted: string[] = [];
  let posting = true;
  const poster = (async () => {
    while (posting) {
      posted.push(String(await s.post(author, `tick ${posted.length}`)));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await eventually(() => got.every((g) => g.length >= 3), 10_000);

  const old = s.mesh.procs.find((p) => p.name === "gateway")!;
  const port = new URL(old.url).port;
  old.child.kill("SIGKILL");
  await Promise.all(first.map((c) => c.closed));
  await eventually(() => old.exit !== undefined);
  old.crashed = false; // killed on purpose: not a crash to keep logs for
  // Tweets go on while no gateway runs; then one starts on the same address.
  await new Promise((r) => setTimeout(r, 500));
  const proc = s.mesh.add("gateway-restarted", "gateway", { ...gatewayEnv({}), CHIRP_GATEWAY_PORT: port });
  await s.mesh.ready(90_000, [proc]);
  const again = await Promise.all(got.map(async (_, i) => mustOpen(proc.url, `${query}&since=${lastIds[i]}`, { token })));
  again.forEach((c, i) => follow(i, c));
  await new Promise((r) => setTimeout(r, 500));
  posting = false;
  await poster;
  t.true(await eventually(() => got.every((g) => g.length >= posted.length) && steadyGot.length >= posted.length, 15_000), `got ${got.map((g) => g.length)}, ${steadyGot.length} of ${posted.length}`);
  await new Promise((r) => setTimeout(r, 300));
  // Fan-out handles tweets concurrently, so the stream's order may differ from the posting order; every client sees the stream's.
  const sorted = (xs: string[]) => [...xs].sort();
  for (const g of got) t.deepEqual(sorted(g), sorted(posted), "every tweet, once");
  t.deepEqual(got[1], got[0], "the same order for every client");
  t.deepEqual(steadyGot, got[0], "the other replica's client: everything, in the same order, without a reconnect");
  t.deepEqual(got[2], got[0]);
  for (const x of ids) t.true(x.every((id, k) => k === 0 || id > x[k - 1]!), "ids only increase, across the reconnect");
  again.forEach((c) => c.close());
  steady.close();
});

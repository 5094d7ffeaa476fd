// The services' clients mark their calls as calls between services, which the
// admission limit lets through; a call that says otherwise (the gateway's) keeps it.
import test from "ava";
import { pino } from "pino";
import { UserService } from "../../gen/chirp/user/v1/user_pb.js";
import { TokenVerifier } from "../kit/auth.js";
import { HealthMonitor } from "../kit/health.js";
import { generateKeyPairPem } from "../kit/keys.js";
import { createMetrics } from "../kit/metrics.js";
import { INTERNAL_CALL_HEADER } from "../kit/request-context.js";
import { serve } from "../kit/server.js";
import { serviceClient } from "./clients.js";

const logger = pino({ level: "silent" });
const seen: Array<string | null> = [];
const server = await serve({
  name: "clients-test",
  host: "127.0.0.1",
  port: 0,
  services: [UserService],
  health: new HealthMonitor({ services: [UserService.typeName], checks: [], logger, intervalMs: 60_000 }),
  logger,
  metrics: createMetrics({ defaultMetrics: false }),
  verifier: await TokenVerifier.fromPem((await generateKeyPairPem()).publicKeyPem, { issuer: "chirp", audience: "chirp" }),
  routes(router) {
    router.service(UserService, {
      getUser(req, ctx) {
        seen.push(ctx.requestHeader.get(INTERNAL_CALL_HEADER));
        return { user: { userId: req.userId, username: "alice" } };
      },
    });
  },
});
test.after.always(() => server.close(1000));

test("a service's call says it is internal; an explicit \"0\" (the gateway's) is kept", async (t) => {
  const client = serviceClient(UserService, `http://127.0.0.1:${server.port}`);
  await client.getUser({ userId: 1n });
  await client.getUser({ userId: 2n }, { headers: { [INTERNAL_CALL_HEADER]: "0" } });
  t.deepEqual(seen, ["1", "0"]);
});

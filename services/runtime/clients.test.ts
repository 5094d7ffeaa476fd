// The services' clients mark their calls as calls between services, which the
// admission limit lets through; a call that says otherwise (the gateway's) keeps it.
import test from "ava";
import { UserService } from "../../gen/chirp/user/v1/user_pb.js";
import { INTERNAL_CALL_HEADER } from "../kit/request-context.js";
import { serveForTest } from "../testing/serve-for-test.js";
import { implement } from "../kit/unary-call.js";
import { serviceClient } from "./clients.js";

const seen: Array<string | null> = [];
const server = await serveForTest({
  name: "clients-test",
  implementations: [
    implement(UserService, {
      getUser(req, ctx) {
        seen.push(ctx.requestHeader.get(INTERNAL_CALL_HEADER));
        return { user: { userId: req.userId, username: "alice" } };
      },
    }),
  ],
});
test.after.always(() => server.close(1000));

test("a service's call says it is internal; an explicit \"0\" (the gateway's) is kept", async (t) => {
  const client = serviceClient(UserService, `http://127.0.0.1:${server.port}`);
  await client.getUser({ userId: 1n });
  await client.getUser({ userId: 2n }, { headers: { [INTERNAL_CALL_HEADER]: "0" } });
  t.deepEqual(seen, ["1", "0"]);
});

// The notice to the timeline service when it cannot be reached: UNAVAILABLE
// with a message a client can act on, and no internal address in it.
import test from "ava";
import { Code } from "@connectrpc/connect";
import { pino } from "pino";
import { toConnectError } from "../kit/errors.js";
import { createServiceClients } from "../runtime/clients.js";
import { invalidateViewerStates } from "./context.js";

test("a timeline service that cannot be reached: UNAVAILABLE, saved and safe to retry, no internal detail", async (t) => {
  const down = "http://127.0.0.1:1";
  const clients = createServiceClients({ user: down, graph: down, tweet: down, timeline: down });
  const notify = invalidateViewerStates({ clients }, pino({ level: "silent" }));
  // As the service answers it (the kit maps domain errors to codes).
  const err = toConnectError(await t.throwsAsync(notify(42n))).error;
  t.is(err.code, Code.Unavailable);
  t.regex(err.rawMessage, /the change is saved, but home timelines could not be told of it; retry, which is safe/);
  t.notRegex(err.rawMessage, /127\.0\.0\.1|ECONNREFUSED/);
});

// A fan-out worker in a process of its own, configured from the environment
// like services/main.ts would be (tests pass the harness's env), so a test can
// SIGKILL it mid-fan-out. CHIRP_TEST_BATCH_DELAY_MS slows each fanout.batch
// job down (the work itself is unchanged) so the kill lands in the middle.
import { createRuntime } from "../../runtime/runtime.js";
import { readConfig } from "../../runtime/config.js";
import type { EventBus } from "../../platform/bus/port.js";
import { SUBJECTS } from "../../platform/bus/streams.js";
import { startTargets } from "../../start-targets.js";

function delayed(bus: EventBus, ms: number): EventBus {
  return {
    publish: (s, d, id) => bus.publish(s, d, id),
    consume: (spec) =>
      bus.consume(
        spec.subjects.includes(SUBJECTS.fanoutBatch)
          ? { ...spec, handler: async (m) => (await new Promise((r) => setTimeout(r, ms)), spec.handler(m)) }
          : spec,
      ),
    publishEphemeral: (s, d) => bus.publishEphemeral(s, d),
    subscribeEphemeral: (s, fn) => bus.subscribeEphemeral(s, fn),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
}

const rt = await createRuntime(readConfig());
const delayMs = Number(process.env.CHIRP_TEST_BATCH_DELAY_MS ?? 0);
if (delayMs > 0) rt.bus = delayed(rt.bus, delayMs);
await startTargets(rt, ["fanout"]);
process.stdout.write("ready\n");

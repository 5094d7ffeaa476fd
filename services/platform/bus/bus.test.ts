import test from "ava";
import { pino } from "pino";
import { backends, reachable, uniqueName } from "../../testing/backends.js";
import { busContract } from "./contract.js";
import { JetStreamBus } from "./jetstream.js";
import { MemoryBus } from "./memory.js";

busContract(test, "memory", async () => {
  const bus = new MemoryBus();
  return { bus, cleanup: () => bus.close() };
});

busContract(test, "jetstream", async () => {
  const bus = await reachable("NATS JetStream", backends.natsUrl, () =>
    JetStreamBus.connect({ url: backends.natsUrl, prefix: `${uniqueName("bus")}.`, logger: pino({ level: "silent" }) }),
  );
  return {
    bus,
    cleanup: async () => {
      await bus.deleteStreams();
      await bus.close();
    },
  };
});

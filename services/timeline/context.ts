// What the timeline service and the fan-out worker share within one process:
// the settings and the store. In the embedded mode they must share the very
// same in-process store, so it is made once per Runtime and closed with it.
import type { Runtime } from "../runtime/runtime.js";
import { readTimelineConfig, type TimelineConfig } from "./config.js";
import { connectRedis } from "./store/connect.js";
import { MemoryTimelineStore } from "./store/memory.js";
import type { TimelineStore } from "./store/port.js";
import { RedisTimelineStore } from "./store/redis.js";

export interface TimelineContext {
  rt: Runtime;
  config: TimelineConfig;
  store: TimelineStore;
}

const stores = new WeakMap<Runtime, Promise<TimelineStore>>();

/**
 * The context for a target. `overrides` (tests, the benchmark) win over the
 * environment; the first target started on a Runtime decides the store's cap.
 */
export async function timelineContext(rt: Runtime, overrides: Partial<TimelineConfig> = {}): Promise<TimelineContext> {
  const config = { ...readTimelineConfig(), ...overrides };
  let store = stores.get(rt);
  if (!store) {
    store = openStore(rt, config);
    stores.set(rt, store);
    store.then(
      (s) => rt.onClose(() => s.close()),
      () => stores.delete(rt),
    );
  }
  return { rt, config, store: await store };
}

async function openStore(rt: Runtime, config: TimelineConfig): Promise<TimelineStore> {
  const ttlMs = config.ttlSeconds * 1000;
  if (rt.config.mode === "embedded") return new MemoryTimelineStore({ cap: config.cap, ttlMs });
  const client = await connectRedis(rt.config.redis);
  return new RedisTimelineStore(client, { prefix: rt.config.redis.prefix, cap: config.cap, ttlMs });
}

// Starts a set of targets from the table in one process over one Runtime, in
// the table's order, and stops them in reverse. Each target that serves a
// service records where it listens, so the others call it there whatever
// port was configured; shared pieces open on first use and close last.
import { ConfigError } from "./kit/config.js";
import { addrVariable } from "./runtime/addresses.js";
import type { ChirpConfig, ServiceName } from "./runtime/config.js";
import type { Runtime } from "./runtime/runtime.js";
import type { Started } from "./runtime/service.js";
import { serviceOf, SHARED, TARGET_NAMES, TARGETS, type Shared, type TargetName, type TargetOverrides } from "./targets.js";

export type StartedTarget = Started & { port: number };

export interface RunningTargets {
  /** The targets running now, by name. */
  started: Map<TargetName, StartedTarget>;
  /** The shared pieces, opened on first use. */
  shared: Shared;
  /** Starts one more target of the table (or one stopped before) in this process. */
  start(name: TargetName): Promise<StartedTarget>;
  /** Stops one target; the shared pieces stay open for the others. */
  stopOne(name: TargetName): Promise<void>;
  /** Stops every target, newest first, then closes the shared pieces. */
  stop(): Promise<void>;
}

/** The services that `targets` call and that no target of theirs serves: they need an address. */
export function calledElsewhere(targets: TargetName[]): ServiceName[] {
  const here = new Set(targets.flatMap((t) => serviceOf(t) ?? []));
  return [...new Set(targets.flatMap((t) => TARGETS[t].calls))].filter((s) => !here.has(s));
}

/** Cluster mode: every service called from this process and run elsewhere must have an address. */
export function checkAddresses(config: ChirpConfig, targets: TargetName[]): void {
  if (config.mode !== "cluster") return;
  const missing = calledElsewhere(targets).filter((s) => !config.addrs[s]);
  if (!missing.length) return;
  throw new ConfigError(
    `invalid configuration:\n${missing
      .map((s) => `  ${addrVariable(s)}: not set; --target=${targets.join(",")} calls the ${s} service, which runs in another process`)
      .join("\n")}`,
  );
}

export async function startTargets(rt: Runtime, names: TargetName[], overrides: TargetOverrides = {}): Promise<RunningTargets> {
  const opened = new Map<keyof Shared, Promise<unknown>>();
  const shared = Object.fromEntries(Object.keys(SHARED).map((name) => [name, () => open(name as keyof Shared)])) as unknown as Shared;
  function open(name: keyof Shared): Promise<unknown> {
    let p = opened.get(name);
    if (!p) {
      p = SHARED[name].open(rt, overrides, shared);
      opened.set(name, p);
      p.catch(() => opened.delete(name));
    }
    return p;
  }
  const started = new Map<TargetName, StartedTarget>();
  const order: TargetName[] = [];

  const running: RunningTargets = {
    started,
    shared,
    async start(name) {
      if (started.has(name)) throw new Error(`target ${name} is running already`);
      const spec = TARGETS[name];
      const s = await spec.start(rt, shared, overrides);
      started.set(name, s);
      order.push(name);
      const serves = serviceOf(name);
      if (serves) rt.addrs.serving(serves, s.url!);
      return s;
    },
    async stopOne(name) {
      const s = started.get(name);
      if (!s) return;
      started.delete(name);
      order.splice(order.indexOf(name), 1);
      await s.stop();
    },
    async stop() {
      // Newest first: the gateway before the services it calls.
      for (const name of [...order].reverse()) {
        await running.stopOne(name).catch((err) => rt.logger.warn({ err, target: name }, "stop failed"));
      }
      for (const [name, p] of opened) {
        const value = await p.catch(() => undefined);
        if (value !== undefined) await SHARED[name].close?.(value as never).catch((err) => rt.logger.warn({ err, piece: name }, "close failed"));
      }
      opened.clear();
    },
  };

  try {
    for (const name of TARGET_NAMES.filter((t) => names.includes(t))) await running.start(name);
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}

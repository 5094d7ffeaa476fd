// Preloaded into the benchmark's service processes (node --import), so the
// CPU profile covers exactly the step being profiled: the first SIGUSR2
// starts the V8 sampling profiler, the second stops it and writes a
// .cpuprofile (the same format `node --cpu-prof` writes) into
// BENCH_PROFILE_DIR. Nothing happens without the signal.
import { renameSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.BENCH_PROFILE_DIR;
const name = process.env.BENCH_PROFILE_NAME ?? `pid${process.pid}`;
let session: Session | undefined;

function post<T>(s: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => s.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
}

if (dir) {
  process.on("SIGUSR2", () => {
    void (async () => {
      if (!session) {
        session = new Session();
        session.connect();
        await post(session, "Profiler.enable");
        // 1 ms, as --cpu-prof-interval's default is 1000 µs.
        await post(session, "Profiler.setSamplingInterval", { interval: 1000 });
        await post(session, "Profiler.start");
        return;
      }
      const s = session;
      session = undefined;
      const { profile } = await post<{ profile: unknown }>(s, "Profiler.stop");
      s.disconnect();
      const file = join(dir, `${name}.cpuprofile`);
      writeFileSync(`${file}.tmp`, JSON.stringify(profile));
      // Renamed whole, so a reader never sees half a file.
      renameSync(`${file}.tmp`, file);
    })().catch((err: unknown) => process.stderr.write(`bench profiler hook: ${String(err)}\n`));
  });
}

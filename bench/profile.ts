// Reads a V8 .cpuprofile (from `node --cpu-prof` or the profiler hook) and
// sums self time per function and per area (a package, a Chirp service, the
// Node runtime, the garbage collector), as a short "where the time goes";
// and waits for the files the profiler hook writes.
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  process: string;
  /** Wall time the profile covers and the part of it not idle, in ms. */
  wallMs: number;
  busyMs: number;
  top: Array<{ fn: string; where: string; area: string; selfMs: number; pctBusy: number }>;
  areas: Array<{ area: string; selfMs: number; pctBusy: number }>;
}

export function shortUrl(url: string, root: string): string {
  let u = url.replace(/^file:\/\//, "");
  if (u.startsWith(root)) u = u.slice(root.length).replace(/^\//, "");
  return u;
}

export function areaOf(fn: string, url: string): string {
  if (!url) {
    if (fn === "(garbage collector)") return "GC";
    if (fn === "(program)") return "V8/native (program)";
    if (fn === "(idle)") return "idle";
    return "native";
  }
  if (url.startsWith("node:")) {
    const parts = url.slice(5).split("/");
    // node:internal/streams/readable → node:internal/streams; node:events → node:events
    return `node:${parts[0] === "internal" && parts.length > 1 ? `internal/${parts[1]}` : parts[0]}`;
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const svc = /(?:^|\/)services\/([^/]+)\//.exec(url);
  if (svc) return `services/${svc[1]}`;
  if (/(?:^|\/)gen\//.test(url)) return "gen (protobuf)";
  if (/(?:^|\/)bench\//.test(url)) return "bench";
  return "other";
}

export function summarizeProfile(file: string, processName: string, root: string, topN = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const meanDelta = p.timeDeltas.length ? (p.endTime - p.startTime) / p.timeDeltas.length : 0;
  for (let k = 0; k < p.samples.length; k++) {
    // A sample's duration is the gap to the next one.
    const d = k + 1 < p.timeDeltas.length ? p.timeDeltas[k + 1]! : meanDelta;
    self.set(p.samples[k]!, (self.get(p.samples[k]!) ?? 0) + Math.max(0, d));
  }
  const fns = new Map<string, { fn: string; where: string; area: string; us: number }>();
  const areas = new Map<string, number>();
  let idleUs = 0;
  let totalUs = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = n.callFrame;
    const fn = functionName || "(anonymous)";
    const area = areaOf(fn, url);
    if (area === "idle") {
      idleUs += us;
      continue;
    }
    const where = url ? `${shortUrl(url, root)}:${lineNumber + 1}` : "";
    const key = `${fn}@${where}`;
    const e = fns.get(key) ?? { fn, where, area, us: 0 };
    e.us += us;
    fns.set(key, e);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busyUs = Math.max(1, totalUs - idleUs);
  const pct = (us: number) => Math.round((us / busyUs) * 1000) / 10;
  return {
    file,
    process: processName,
    wallMs: Math.round((p.endTime - p.startTime) / 1000),
    busyMs: Math.round(busyUs / 1000),
    top: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((e) => ({ fn: e.fn, where: e.where, area: e.area, selfMs: Math.round(e.us / 1000), pctBusy: pct(e.us) })),
    areas: [...areas]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([area, us]) => ({ area, selfMs: Math.round(us / 1000), pctBusy: pct(us) })),
  };
}

/** Waits up to `timeoutMs` for a file the profiler hook writes (it renames a whole file into place). */
export async function waitForFile(file: string, timeoutMs = 30_000): Promise<boolean> {
  for (let waited = 0; !existsSync(file) && waited < timeoutMs; waited += 100) await sleep(100);
  return existsSync(file);
}

/** The processes' profiles `<name>.cpuprofile` in `dir`, renamed `<name>.<suffix>.cpuprofile`; the ones that did not appear are left out. */
export async function keepProfiles(dir: string, names: readonly string[], suffix: string, timeoutMs?: number): Promise<Array<{ process: string; file: string }>> {
  const kept: Array<{ process: string; file: string }> = [];
  for (const name of names) {
    const from = join(dir, `${name}.cpuprofile`);
    if (!(await waitForFile(from, timeoutMs))) continue;
    const file = join(dir, `${name}.${suffix}.cpuprofile`);
    renameSync(from, file);
    kept.push({ process: name, file });
  }
  return kept;
}

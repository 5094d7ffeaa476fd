// CPU use per process over a window, from /proc (Linux): user+system time of
// each watched pid (threads included, so libuv and argon2 workers count) and
// of the whole machine. 100% = one core busy for the whole window.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const TICK_MS = 10; // CLK_TCK is 100 on Linux

export interface Watched {
  name: string;
  pid: number;
}

function procTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After "pid (comm) ": state is field 3, utime 14, stime 15 → indexes 11 and 12 here.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

export interface CpuWindow {
  /** Percent of one core, per watched process (and "bench" for this process). */
  processes: Record<string, number>;
  /** Percent of all cores together that were busy (any process on the machine). */
  machineBusy: number;
}

export class CpuMeter {
  private startAt = 0;
  private startTicks = new Map<string, number>();
  private startSelf = process.cpuUsage();
  private startMachine = machineTicks();

  constructor(private readonly watched: () => Watched[]) {}

  start(): void {
    this.startAt = performance.now();
    this.startTicks = new Map();
    for (const w of this.watched()) {
      const t = procTicks(w.pid);
      if (t !== undefined) this.startTicks.set(`${w.name}:${w.pid}`, t);
    }
    this.startSelf = process.cpuUsage();
    this.startMachine = machineTicks();
  }

  stop(): CpuWindow {
    const ms = Math.max(1, performance.now() - this.startAt);
    const processes: Record<string, number> = {};
    for (const w of this.watched()) {
      const before = this.startTicks.get(`${w.name}:${w.pid}`);
      const now = procTicks(w.pid);
      if (before !== undefined && now !== undefined) processes[w.name] = round(((now - before) * TICK_MS * 100) / ms);
    }
    const self = process.cpuUsage(this.startSelf);
    processes.bench = round(((self.user + self.system) / 1000 / ms) * 100);
    const m = machineTicks();
    const machineBusy = round(((m.busy - this.startMachine.busy) / Math.max(1, m.total - this.startMachine.total)) * 100);
    return { processes, machineBusy };
  }
}

const round = (x: number) => Math.round(x * 10) / 10;

/** The pid listening on a loopback TCP port, if any (for Redis, NATS, Cassandra). */
export function pidOnPort(port: number): number | undefined {
  try {
    const out = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8", timeout: 3000 });
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

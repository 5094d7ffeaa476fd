// A progress bar on stderr with count, rate and ETA. On a terminal it redraws
// one line; elsewhere (make in CI, a log file) it prints a line every few
// seconds, so logs stay readable.

const TTY = Boolean(process.stderr.isTTY);
const WIDTH = 24;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--";
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60 ? `${m}m${String(s).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export class Progress {
  private done = 0;
  private readonly started = performance.now();
  private lastDraw = 0;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {
    this.timer = setInterval(() => this.draw(false), TTY ? 250 : 5000);
    this.timer.unref();
    if (!TTY) process.stderr.write(`  ${label}: ${total.toLocaleString("en-US")} to do\n`);
  }

  tick(n = 1): void {
    this.done += n;
    if (TTY && performance.now() - this.lastDraw > 100) this.draw(false);
  }

  /** Elapsed seconds and the mean rate, for the caller's records. */
  finish(): { seconds: number; perSecond: number; count: number } {
    if (!this.closed) {
      this.closed = true;
      clearInterval(this.timer);
      this.draw(true);
    }
    const seconds = (performance.now() - this.started) / 1000;
    return { seconds, perSecond: this.done / Math.max(seconds, 1e-9), count: this.done };
  }

  private draw(final: boolean): void {
    this.lastDraw = performance.now();
    const seconds = (this.lastDraw - this.started) / 1000;
    const rate = this.done / Math.max(seconds, 1e-9);
    const frac = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const eta = rate > 0 ? (this.total - this.done) / rate : Infinity;
    const filled = Math.round(frac * WIDTH);
    const bar = `[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}]`;
    const text =
      `  ${this.label.padEnd(18)} ${bar} ${this.done.toLocaleString("en-US")}/${this.total.toLocaleString("en-US")} ` +
      `${(frac * 100).toFixed(0).padStart(3)}%  ${rate.toFixed(rate < 10 ? 1 : 0)}/s  ` +
      (final ? `in ${formatDuration(seconds)}` : `ETA ${formatDuration(eta)}`);
    if (TTY) process.stderr.write(`\r${text}\x1b[K${final ? "\n" : ""}`);
    else process.stderr.write(`${text}\n`);
  }
}

/** Runs fn over 0..count-1 with at most `concurrency` in flight, ticking the bar. */
export async function forEachLimit(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<void>,
  progress?: Progress,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < count && failed === undefined) {
      const i = next++;
      try {
        await fn(i);
      } catch (err) {
        failed ??= err;
      }
      progress?.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  if (failed !== undefined) throw failed;
}

const started = performance.now();
/** A time-stamped line on stderr. */
export function log(msg: string): void {
  process.stderr.write(`[${formatDuration((performance.now() - started) / 1000).padStart(6)}] ${msg}\n`);
}

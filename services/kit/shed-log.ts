// Requests refused for overload, logged the cheap way: no line (and no
// stack) per refusal, but one line per window with how many were refused
// and what for, e.g. {"msg":"shed calls: overloaded","count":37,
// "methods":{"chirp.timeline.v1.TimelineService/GetHomeTimeline":37}}.
// Overload is when refusals come by the thousand a second; a line each
// would add the cost of logging to a process that has none to spare.
// The first refusal after a quiet spell opens a window; its line is written
// when the window ends, so lines are at least `windowMs` apart.
import type { Logger } from "./logger.js";

export class ShedLog {
  private count = 0;
  private readonly byKey = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param msg the line's message ("shed calls: overloaded")
   * @param field the name under which the counts by key go ("methods")
   * @param fields written on every line as they are (the limit, say)
   */
  constructor(
    private readonly logger: Logger,
    private readonly msg: string,
    private readonly field: string,
    private readonly fields: Record<string, unknown> = {},
    private readonly windowMs = 1000,
  ) {}

  /** One refusal, of `key` (a method, a route, who refused). */
  note(key: string): void {
    this.count++;
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.windowMs);
      this.timer.unref();
    }
  }

  /** Writes the window's line now, if anything was refused (at shutdown). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.count === 0) return;
    const line = { ...this.fields, count: this.count, [this.field]: Object.fromEntries(this.byKey) };
    this.count = 0;
    this.byKey.clear();
    this.logger.warn(line, this.msg);
  }
}

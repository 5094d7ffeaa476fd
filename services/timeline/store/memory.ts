// The timeline store of the embedded mode: plain maps in this process, with
// the same semantics as the Redis store (checked by the same contract suite).
// Nothing survives a restart, which is fine: missing timelines are rebuilt.
import { IdList } from "./id-list.js";
import { freshStatesVersion, type FanoutProgress, type TimelinePage, type TimelineStore } from "./port.js";

export interface MemoryStoreOptions {
  cap: number;
  ttlMs: number;
  /** The lists are contiguous (port.ts): user timelines. */
  contiguous?: boolean;
  now?: () => number;
}

interface Timeline {
  built: boolean;
  /** Holds the owner's whole history (port.ts TimelinePage.complete). */
  complete: boolean;
  ids: IdList;
  expiresAt: number;
}

export class MemoryTimelineStore implements TimelineStore {
  readonly cap: number;
  private readonly ttlMs: number;
  private readonly contiguous: boolean;
  private readonly now: () => number;
  private readonly timelines = new Map<bigint, Timeline>();
  private readonly locks = new Map<bigint, { token: string; expiresAt: number }>();
  private readonly largeAccountIds = new Set<bigint>();
  private readonly presence = new Map<bigint, number>();
  private readonly progress = new Map<string, { value: FanoutProgress; expiresAt: number }>();
  private readonly versions = new Map<bigint, { value: number; expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(opts: MemoryStoreOptions) {
    this.cap = opts.cap;
    this.ttlMs = opts.ttlMs;
    this.contiguous = opts.contiguous ?? false;
    this.now = opts.now ?? Date.now;
    // Expired entries are ignored when read; this only returns their memory.
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async add(userIds: readonly bigint[], tweetIds: readonly bigint[]): Promise<number> {
    let written = 0;
    for (const u of userIds) {
      const tl = this.live(u);
      if (!tl) continue;
      for (const id of this.admitted(tl, tweetIds)) tl.ids.insert(id);
      this.trim(tl);
      written++;
    }
    return written;
  }

  async remove(userIds: readonly bigint[], tweetIds: readonly bigint[]): Promise<void> {
    const gone = new Set(tweetIds);
    for (const u of userIds) {
      const tl = this.live(u);
      tl?.ids.removeAll(gone);
    }
  }

  async page(userId: bigint, before: bigint | undefined, limit: number, withStatesVersion = false): Promise<TimelinePage> {
    const version = withStatesVersion ? { statesVersion: await this.statesVersion(userId) } : {};
    const tl = this.live(userId);
    if (!tl) return { built: false, ids: [], ...version };
    tl.expiresAt = this.now() + this.ttlMs;
    if (!tl.built) return { built: false, ids: [], ...version };
    return { built: true, ids: tl.ids.page(before, limit), ...version, ...(tl.complete ? { complete: true as const } : {}) };
  }

  async statesVersion(userId: bigint): Promise<string> {
    const now = this.now();
    let v = this.versions.get(userId);
    if (!v || v.expiresAt <= now) this.versions.set(userId, (v = { value: Number(freshStatesVersion()), expiresAt: 0 }));
    v.expiresAt = now + this.ttlMs;
    return String(v.value);
  }

  async bumpStatesVersion(userId: bigint): Promise<void> {
    const v = this.versions.get(userId);
    if (v && v.expiresAt > this.now()) v.value++;
  }

  async contains(userIds: readonly bigint[], tweetId: bigint): Promise<boolean[]> {
    return userIds.map((u) => this.live(u)?.ids.has(tweetId) ?? false);
  }

  async beginBuild(userId: bigint): Promise<void> {
    if (!this.live(userId)) this.timelines.set(userId, { built: false, complete: false, ids: new IdList(), expiresAt: this.now() + this.ttlMs });
  }

  async finishBuild(userId: bigint, tweetIds: readonly bigint[], complete = false): Promise<void> {
    await this.beginBuild(userId);
    const tl = this.live(userId)!;
    for (const id of tweetIds) tl.ids.insert(id);
    if (this.contiguous && !complete) {
      const oldest = tweetIds.length ? tweetIds.reduce((a, b) => (b < a ? b : a)) : undefined;
      if (oldest === undefined) tl.ids.clear();
      else tl.ids.dropBelow(oldest);
    }
    tl.built = true;
    tl.complete ||= complete;
    this.trim(tl);
    tl.expiresAt = this.now() + this.ttlMs;
  }

  /** What add() may write into `tl`: in a contiguous store, nothing below an incomplete built list's oldest id. */
  private admitted(tl: Timeline, tweetIds: readonly bigint[]): readonly bigint[] {
    if (!this.contiguous || !tl.built || tl.complete) return tweetIds;
    const oldest = tl.ids.oldest();
    return oldest === undefined ? [] : tweetIds.filter((id) => id > oldest);
  }

  /** As the Redis store: a list that reaches the cap is no longer complete; beyond it, the oldest go. */
  private trim(tl: Timeline): void {
    if (tl.ids.length >= this.cap) tl.complete = false;
    tl.ids.trimTo(this.cap);
  }

  async tryLock(userId: bigint, token: string, ttlMs: number): Promise<boolean> {
    const held = this.locks.get(userId);
    if (held && held.expiresAt > this.now()) return false;
    this.locks.set(userId, { token, expiresAt: this.now() + ttlMs });
    return true;
  }

  async unlock(userId: bigint, token: string): Promise<void> {
    if (this.locks.get(userId)?.token === token) this.locks.delete(userId);
  }

  async isLocked(userId: bigint): Promise<boolean> {
    const held = this.locks.get(userId);
    return held !== undefined && held.expiresAt > this.now();
  }

  async addLargeAccount(userId: bigint): Promise<void> {
    this.largeAccountIds.add(userId);
  }

  async largeAccounts(): Promise<bigint[]> {
    return [...this.largeAccountIds];
  }

  async isLargeAccount(userId: bigint): Promise<boolean> {
    return this.largeAccountIds.has(userId);
  }

  async markOnline(userId: bigint, ttlMs: number): Promise<void> {
    this.presence.set(userId, Math.max(this.presence.get(userId) ?? 0, this.now() + ttlMs));
  }

  async online(userIds: readonly bigint[]): Promise<bigint[]> {
    const now = this.now();
    return userIds.filter((u) => (this.presence.get(u) ?? 0) > now);
  }

  async getProgress(key: string): Promise<FanoutProgress | undefined> {
    const p = this.progress.get(key);
    return p && p.expiresAt > this.now() ? { ...p.value } : undefined;
  }

  async setProgress(key: string, progress: FanoutProgress, ttlMs: number): Promise<void> {
    this.progress.set(key, { value: { ...progress }, expiresAt: this.now() + ttlMs });
  }

  async dropAll(): Promise<void> {
    this.timelines.clear();
    this.locks.clear();
    this.largeAccountIds.clear();
    this.presence.clear();
    this.progress.clear();
    this.versions.clear();
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private live(userId: bigint): Timeline | undefined {
    const tl = this.timelines.get(userId);
    if (tl && tl.expiresAt <= this.now()) {
      this.timelines.delete(userId);
      return undefined;
    }
    return tl;
  }

  private sweep(): void {
    const now = this.now();
    for (const [u, tl] of this.timelines) if (tl.expiresAt <= now) this.timelines.delete(u);
    for (const [u, l] of this.locks) if (l.expiresAt <= now) this.locks.delete(u);
    for (const [u, t] of this.presence) if (t <= now) this.presence.delete(u);
    for (const [k, p] of this.progress) if (p.expiresAt <= now) this.progress.delete(k);
    for (const [u, v] of this.versions) if (v.expiresAt <= now) this.versions.delete(u);
  }
}

// Snowflake ids: 41 bits of milliseconds since CHIRP_EPOCH_MS, 10 bits of worker
// id, 12 bits of sequence. Ids stay unique and strictly increasing per worker
// even when the wall clock steps back: the generator keeps its own logical
// time and never moves it backwards (it borrows the next millisecond instead
// of waiting when a millisecond's 4096 ids are used up).

/** 2025-01-01T00:00:00Z. Fixed forever: changing it would reorder ids. */
export const CHIRP_EPOCH_MS = 1735689600000;
const WORKER_BITS = 10n;
const SEQUENCE_BITS = 12n;
export const MAX_WORKER_ID = (1 << Number(WORKER_BITS)) - 1;
const MAX_SEQUENCE = (1 << Number(SEQUENCE_BITS)) - 1;
const TIME_SHIFT = WORKER_BITS + SEQUENCE_BITS;
const MAX_MS = 2 ** 41 - 1;

export interface SnowflakeOptions {
  workerId: number;
  now?: () => number;
  /** Called once per step back, with how far the clock went back. */
  onClockBackwards?: (ms: number) => void;
}

export class Snowflake {
  readonly workerId: number;
  private readonly now: () => number;
  private readonly onClockBackwards: (ms: number) => void;
  private lastMs = -1;
  private sequence = 0;

  constructor(opts: SnowflakeOptions) {
    if (!Number.isInteger(opts.workerId) || opts.workerId < 0 || opts.workerId > MAX_WORKER_ID) {
      throw new RangeError(`worker id must be an integer from 0 to ${MAX_WORKER_ID}, got ${opts.workerId}`);
    }
    this.workerId = opts.workerId;
    this.now = opts.now ?? Date.now;
    this.onClockBackwards = opts.onClockBackwards ?? (() => {});
  }

  next(): bigint {
    const ms = this.now() - CHIRP_EPOCH_MS;
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.sequence = 0;
    } else {
      if (ms < this.lastMs) this.onClockBackwards(this.lastMs - ms);
      if (this.sequence === MAX_SEQUENCE) {
        this.lastMs += 1;
        this.sequence = 0;
      } else {
        this.sequence += 1;
      }
    }
    if (this.lastMs < 0 || this.lastMs > MAX_MS) {
      throw new RangeError("clock is outside the Snowflake epoch range");
    }
    return (BigInt(this.lastMs) << TIME_SHIFT) | (BigInt(this.workerId) << SEQUENCE_BITS) | BigInt(this.sequence);
  }
}

/** Unix milliseconds at which an id was generated. */
export function snowflakeTime(id: bigint): number {
  return Number(id >> TIME_SHIFT) + CHIRP_EPOCH_MS;
}

/** The smallest id that can be generated at or after a Unix millisecond. */
export function snowflakeFloor(unixMs: number): bigint {
  return BigInt(Math.max(0, unixMs - CHIRP_EPOCH_MS)) << TIME_SHIFT;
}

// Latency histograms (HdrHistogram, microsecond resolution, 3 significant
// digits, up to 10 minutes) and the summary every report uses.
import * as hdr from "hdr-histogram-js";

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export class Latency {
  private readonly h = hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  /** Records one latency given in milliseconds (clamped to the trackable range). */
  record(ms: number): void {
    this.h.recordValue(Math.min(600_000_000, Math.max(1, Math.round(ms * 1000))));
  }

  get count(): number {
    return this.h.totalCount;
  }

  add(other: Latency): void {
    this.h.add(other.h);
  }

  summary(): LatencySummary {
    const at = (p: number) => (this.h.totalCount ? this.h.getValueAtPercentile(p) / 1000 : 0);
    return {
      count: this.h.totalCount,
      mean: this.h.totalCount ? this.h.mean / 1000 : 0,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: this.h.totalCount ? this.h.maxValue / 1000 : 0,
    };
  }
}

export function emptySummary(): LatencySummary {
  return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
}

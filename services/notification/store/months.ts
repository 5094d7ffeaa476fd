// Month partitions of notification ids (Snowflakes: their time is in them).
import { snowflakeFloor, snowflakeTime } from "../../kit/snowflake.js";

/** The month partition of an id: months since year 0, UTC. */
export function monthOf(id: bigint): number {
  const d = new Date(snowflakeTime(id));
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

export const monthOfMs = (ms: number) => monthOf(snowflakeFloor(ms));

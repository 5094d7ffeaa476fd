// The page size of both searches: 1 to 100, 0 for the default. protovalidate
// checks the same at the edge; this keeps the service right when called directly.
import { invalidArgument } from "../../kit/errors.js";

export const MAX_LIMIT = 100;

export function checkLimit(limit: number, fallback: number): number {
  if (limit < 0 || limit > MAX_LIMIT) throw invalidArgument("limit", `must be between 1 and ${MAX_LIMIT}, got ${limit}`);
  return limit || fallback;
}

// "Does this account exist?" for Follow, asked of the user service. Accounts
// are never deleted, so a yes is cached for good (bounded, oldest dropped
// first); a no is not cached, since the account may be registered next. Checks
// of one id in flight at once share one call.
import { Code, ConnectError } from "@connectrpc/connect";
import { unavailable } from "../kit/errors.js";
import type { Logger } from "../kit/logger.js";

export type UserExists = (userId: bigint) => Promise<boolean>;

export function cachedUserExists(getUser: (userId: bigint) => Promise<unknown>, logger: Logger, capacity = 100_000): UserExists {
  const known = new Set<bigint>();
  const inFlight = new Map<bigint, Promise<boolean>>();
  async function ask(userId: bigint): Promise<boolean> {
    try {
      await getUser(userId);
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.NotFound) return false;
      logger.warn({ err, userId: userId.toString() }, "user service did not answer GetUser");
      throw unavailable("cannot check that the account exists right now, retry later");
    }
    if (known.size >= capacity) known.delete(known.values().next().value!);
    known.add(userId);
    return true;
  }
  return (userId) => {
    if (known.has(userId)) return Promise.resolve(true);
    let p = inFlight.get(userId);
    if (!p) {
      p = ask(userId).finally(() => inFlight.delete(userId));
      inFlight.set(userId, p);
    }
    return p;
  };
}

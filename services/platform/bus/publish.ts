// Publishing an event right after the store write it reports, for services
// without an outbox: a few quick retries, then UNAVAILABLE. The message id
// names the change, so the client's retry of the (idempotent) call finds the
// store as it left it and publishes the same event again, which JetStream's
// de-duplication keeps once.
import { unavailable } from "../../kit/errors.js";
import type { Logger } from "../../kit/logger.js";
import type { EventBus } from "./port.js";

export type Publish = (subject: string, data: Uint8Array, msgId: string) => Promise<void>;

export function publishWithRetry(bus: EventBus, logger: Logger, retryDelaysMs: number[] = [50, 250]): Publish {
  return async (subject, data, msgId) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await bus.publish(subject, data, msgId);
        return;
      } catch (err) {
        const delay = retryDelaysMs[attempt];
        if (delay === undefined) {
          logger.error({ err, subject, msgId }, "event not published; the client's retry will publish it");
          throw unavailable("the change is saved but its event could not be published: retry the call");
        }
        logger.warn({ err, subject, msgId, attempt: attempt + 1 }, "publish failed, retrying");
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  };
}

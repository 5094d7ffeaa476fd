// The admission limit on unary calls from outside the mesh, one count per
// server, whichever path a call takes: the unary gRPC fast path checks it
// before it decodes a message (shedding has to be cheap), and an interceptor
// on Connect's handler checks the rest (Connect and gRPC-Web protocols,
// compressed requests), which otherwise went around the limit.
//
// Past capacity, calls that queue only add memory, garbage collection and
// socket writes until almost none finish in time, while with a limit the
// admitted calls are answered and the rest refused at once (bench/HISTORY.md,
// "The admission limit"). Calls between
// services are not limited: they serve calls already admitted, and limiting
// them could deadlock services that call each other (graph and user).
// Health checks and streams are not limited either.
//
// A refusal is cheap: answered at once, before the message is decoded, as an
// error built without a stack trace, and logged by the server one line per
// second with a count (shed-log.ts), never one line per call. It carries the
// SHED_HEADER trailer (errors.ts), so a caller (the gateway) can tell it from
// an outage and log it the same way.
import type { ConnectError, Interceptor } from "@connectrpc/connect";
import type { DescMethod } from "@bufbuild/protobuf";
import { overloaded } from "./errors.js";
import { Health } from "./health.js";
import { INTERNAL_CALL_HEADER } from "./request-context.js";

export class Admission {
  private running = 0;
  private readonly refusal: string;

  /**
   * @param max entry calls run at once; one more is refused (0: no limit).
   * @param onShed told of each refusal (metrics, the shed log).
   */
  constructor(
    readonly max: number,
    private readonly onShed?: (method: DescMethod) => void,
  ) {
    this.refusal = `overloaded: ${max} calls in flight; retry with backoff`;
  }

  /** Whether the limit applies to a unary call of `method` with this internal-call header value. */
  limits(method: DescMethod, internalHeader: string | string[] | null | undefined): boolean {
    return this.max > 0 && internalHeader !== "1" && method.parent !== Health;
  }

  /** Takes a slot, or returns the UNAVAILABLE to answer (counted as shed). Every slot taken must be given back with leave(). */
  enter(method: DescMethod): ConnectError | undefined {
    if (this.running >= this.max) {
      this.onShed?.(method);
      return overloaded(this.refusal);
    }
    this.running++;
    return undefined;
  }

  leave(): void {
    this.running--;
  }
}

/** The limit for the calls Connect's handler serves (the fast path counts its own, into the same Admission). */
export function admit(admission: Admission): Interceptor {
  return (next) => async (req) => {
    if (req.stream || !admission.limits(req.method, req.header.get(INTERNAL_CALL_HEADER))) return next(req);
    const refused = admission.enter(req.method);
    if (refused) throw refused;
    try {
      return await next(req);
    } finally {
      admission.leave();
    }
  };
}

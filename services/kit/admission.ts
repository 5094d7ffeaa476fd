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
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { DescMethod } from "@bufbuild/protobuf";
import { Health } from "./health.js";
import { INTERNAL_CALL_HEADER } from "./request-context.js";

export class Admission {
  private running = 0;

  /**
   * @param max entry calls run at once; one more is refused (0: no limit).
   * @param onShed told of each refusal (metrics).
   */
  constructor(
    readonly max: number,
    private readonly onShed?: (method: DescMethod) => void,
  ) {}

  /** Whether the limit applies to a unary call of `method` with this internal-call header value. */
  limits(method: DescMethod, internalHeader: string | string[] | null | undefined): boolean {
    return this.max > 0 && internalHeader !== "1" && method.parent !== Health;
  }

  /** Takes a slot, or returns the UNAVAILABLE to answer (counted as shed). Every slot taken must be given back with leave(). */
  enter(method: DescMethod): ConnectError | undefined {
    if (this.running >= this.max) {
      this.onShed?.(method);
      return new ConnectError(`overloaded: ${this.max} calls in flight; retry with backoff`, Code.Unavailable);
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

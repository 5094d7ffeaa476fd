// Calls between targets that share a process (the all-in-one `make run`, or
// a test) skip the loopback network: a Connect router transport runs the
// callee's handlers in memory with the same server interceptors (auth,
// validation, metrics, error mapping). Over HTTP/2 each hop cost about ten
// times the CPU of the handler stack alone. Targets elsewhere are called over
// gRPC as before.
import type { DescService } from "@bufbuild/protobuf";
import { createRouterTransport, type ConnectRouter, type Interceptor, type Transport } from "@connectrpc/connect";

export class LocalServices {
  private readonly transports = new Map<string, Transport>();

  constructor(private readonly clientInterceptors: Interceptor[]) {}

  /** Makes `services` (served by `routes`) callable in process. */
  register(services: DescService[], routes: (router: ConnectRouter) => void, serverInterceptors: Interceptor[]): void {
    const transport = createRouterTransport(routes, {
      router: { interceptors: serverInterceptors },
      transport: { interceptors: this.clientInterceptors, defaultTimeoutMs: 10_000 },
    });
    for (const s of services) this.transports.set(s.typeName, transport);
  }

  get(typeName: string): Transport | undefined {
    return this.transports.get(typeName);
  }
}

/** Per call: the in-process transport when the service is registered by then, else `remote`. */
export function localFirst(local: LocalServices, remote: Transport): Transport {
  const pick = (typeName: string) => local.get(typeName) ?? remote;
  return {
    unary: (method, ...rest) => pick(method.parent.typeName).unary(method, ...rest),
    stream: (method, ...rest) => pick(method.parent.typeName).stream(method, ...rest),
  };
}

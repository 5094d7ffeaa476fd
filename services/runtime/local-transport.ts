// Calls between targets that share a process (the all-in-one `make run`, or
// a test) skip the loopback network. Unary calls go straight to the callee's
// implementation through the same server interceptors (auth, validation,
// metrics, error mapping), with the request and the answer cloned so neither
// side can change what the other holds (the answer is not, for a caller that
// only serializes it); streams use Connect's router
// transport. A call in memory costs a small fraction of a loopback HTTP/2 hop's CPU.
// Targets elsewhere are called over gRPC as before.
import { clone, type DescMethod } from "@bufbuild/protobuf";
import {
  createContextKey,
  createRouterTransport,
  type Interceptor,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { callContext } from "../kit/handler-context.js";
import { clientUnary, invokeUnary, ownSignal, routesOf, unarySpecs, type Implementations, type UnarySpec } from "../kit/unary-call.js";

/**
 * Set by a caller that only serializes the answer (the REST edge): the
 * answer is handed over as the callee built it, without the copy.
 */
export const readOnlyAnswer = createContextKey(false, { description: "the caller only reads the answer" });

export class LocalServices {
  private readonly streams = new Map<string, Transport>();
  private readonly unaries = new Map<DescMethod, { spec: UnarySpec; interceptors: Interceptor[] }>();
  private registered: Array<{ impls: Implementations; interceptors: Interceptor[]; streams: Transport }> = [];

  constructor(
    private readonly clientInterceptors: Interceptor[],
    /** For calls that set no deadline, as the network clients' defaultTimeoutMs. */
    private readonly defaultTimeoutMs: number,
  ) {}

  /** Makes the services callable in process, with the same implementation objects the network server serves. */
  register(impls: Implementations, serverInterceptors: Interceptor[]): void {
    const streams = createRouterTransport(routesOf(impls), {
      router: { interceptors: serverInterceptors },
      transport: { interceptors: this.clientInterceptors, defaultTimeoutMs: this.defaultTimeoutMs },
    });
    this.registered.push({ impls, interceptors: serverInterceptors, streams });
    this.index();
  }

  /** Their target stopped: calls go to another instance in this process, or to the network. */
  unregister(impls: Implementations): void {
    this.registered = this.registered.filter((r) => r.impls !== impls);
    this.index();
  }

  // The newest registration of a service wins.
  private index(): void {
    this.unaries.clear();
    this.streams.clear();
    for (const { impls, interceptors, streams } of this.registered) {
      for (const spec of unarySpecs(impls).values()) this.unaries.set(spec.method, { spec, interceptors });
      for (const [s] of impls) this.streams.set(s.typeName, streams);
    }
  }

  /** A Transport for the registered services; `remote` for everything else. */
  transport(remote: Transport): Transport {
    return {
      unary: (method, signal, timeoutMs, header, input, contextValues) => {
        const local = this.unaries.get(method);
        if (!local) return remote.unary(method, signal, timeoutMs, header, input, contextValues);
        const url = `in-process:/${method.parent.typeName}/${method.name}`;
        return clientUnary({ method, url, signal, header, input, contextValues }, this.clientInterceptors, (req) =>
          callUnary(local.spec, local.interceptors, req, timeoutMs ?? this.defaultTimeoutMs, contextValues?.get(readOnlyAnswer) ?? false),
        );
      },
      stream: (method, ...rest) => (this.streams.get(method.parent.typeName) ?? remote).stream(method, ...rest),
    };
  }
}

// The server half of a unary call, as the Connect handler would run it minus
// the wire: a handler context of its own (fresh context values, the
// deadline), the server interceptors, and the answer cloned.
async function callUnary(spec: UnarySpec, interceptors: Interceptor[], req: UnaryRequest, timeoutMs: number, readOnly: boolean): Promise<UnaryResponse> {
  const { method } = req;
  const ctx = callContext({
    method,
    protocolName: "in-process",
    url: req.url,
    timeoutMs,
    requestSignal: ownSignal(req.signal),
    requestHeader: req.header,
  });
  const output = await invokeUnary(spec, ctx, clone(method.input, req.message as never), interceptors);
  return {
    stream: false,
    service: method.parent,
    method,
    header: ctx.responseHeader,
    trailer: ctx.responseTrailer,
    message: readOnly ? output : clone(method.output, output as never),
  } as UnaryResponse;
}

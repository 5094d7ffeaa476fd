// Calls between targets that share a process (the all-in-one `make run`, or
// a test) skip the loopback network. Unary calls go straight to the callee's
// implementation through the same server interceptors (auth, validation,
// metrics, error mapping), with the request and the answer cloned so neither
// side can change what the other holds; streams use Connect's router
// transport. A loopback HTTP/2 hop cost ~2 ms of CPU here, this ~0.1 ms.
// Targets elsewhere are called over gRPC as before.
import { clone, type DescMethod, type DescService } from "@bufbuild/protobuf";
import {
  createHandlerContext,
  createRouterTransport,
  type ConnectRouter,
  type Interceptor,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { clientUnary, invokeUnary, ownSignal, recordServices, replay, unarySpecs, type UnarySpec } from "../kit/unary-call.js";

export class LocalServices {
  private readonly streams = new Map<string, Transport>();
  private readonly unaries = new Map<DescMethod, { spec: UnarySpec; interceptors: Interceptor[] }>();

  constructor(
    private readonly clientInterceptors: Interceptor[],
    /** For calls that set no deadline, as the network clients' defaultTimeoutMs. */
    private readonly defaultTimeoutMs: number,
  ) {}

  /** Makes `services` (served by `routes`) callable in process. */
  register(services: DescService[], routes: (router: ConnectRouter) => void, serverInterceptors: Interceptor[]): void {
    // The routes are built once, recorded, and served both ways from the same implementations.
    const impls = recordServices(routes);
    for (const spec of unarySpecs(impls).values()) this.unaries.set(spec.method, { spec, interceptors: serverInterceptors });
    const streams = createRouterTransport(replay(impls), {
      router: { interceptors: serverInterceptors },
      transport: { interceptors: this.clientInterceptors, defaultTimeoutMs: this.defaultTimeoutMs },
    });
    for (const s of services) this.streams.set(s.typeName, streams);
  }

  /** A Transport for the registered services; `remote` for everything else. */
  transport(remote: Transport): Transport {
    return {
      unary: (method, signal, timeoutMs, header, input, contextValues) => {
        const local = this.unaries.get(method);
        if (!local) return remote.unary(method, signal, timeoutMs, header, input, contextValues);
        const url = `in-process:/${method.parent.typeName}/${method.name}`;
        return clientUnary({ method, url, signal, header, input, contextValues }, this.clientInterceptors, (req) =>
          callUnary(local.spec, local.interceptors, req, timeoutMs ?? this.defaultTimeoutMs),
        );
      },
      stream: (method, ...rest) => (this.streams.get(method.parent.typeName) ?? remote).stream(method, ...rest),
    };
  }
}

// The server half of a unary call, as the Connect handler would run it minus
// the wire: a handler context of its own (fresh context values, the
// deadline), the server interceptors, and the answer cloned.
async function callUnary(spec: UnarySpec, interceptors: Interceptor[], req: UnaryRequest, timeoutMs: number): Promise<UnaryResponse> {
  const { method } = req;
  const ctx = createHandlerContext({
    service: method.parent,
    method,
    protocolName: "in-process",
    requestMethod: "POST",
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
    message: clone(method.output, output as never),
  } as UnaryResponse;
}

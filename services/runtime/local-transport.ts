// Calls between targets that share a process (the all-in-one `make run`, or
// a test) skip the loopback network. Unary calls go straight to the callee's
// implementation through the same server interceptors (auth, validation,
// metrics, error mapping), with the request and the answer cloned so neither
// side can change what the other holds; streams use Connect's router
// transport. A loopback HTTP/2 hop cost ~2 ms of CPU here, this ~0.1 ms.
// Targets elsewhere are called over gRPC as before.
import { clone, create, type DescMethod, type DescService } from "@bufbuild/protobuf";
import {
  createContextValues,
  createHandlerContext,
  createRouterTransport,
  type ConnectRouter,
  type Interceptor,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { invokeUnary, recordServices, replay, unarySpecs, type UnarySpec } from "../kit/unary-call.js";

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
        const server: UnaryFn = (req) => callUnary(local.spec, local.interceptors, req, timeoutMs ?? this.defaultTimeoutMs);
        const next = this.clientInterceptors.reduceRight<UnaryFn>((n, interceptor) => interceptor(n as never) as UnaryFn, server);
        return next({
          stream: false,
          service: method.parent,
          method,
          requestMethod: "POST",
          url: `in-process:/${method.parent.typeName}/${method.name}`,
          header: new Headers(header),
          contextValues: contextValues ?? createContextValues(),
          message: create(method.input, input),
          signal: signal ?? NEVER,
        }) as never;
      },
      stream: (method, ...rest) => (this.streams.get(method.parent.typeName) ?? remote).stream(method, ...rest),
    };
  }
}

type UnaryFn = (req: UnaryRequest) => Promise<UnaryResponse>;

/** For calls made without a signal of their own. */
const NEVER = new AbortController().signal;

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
    requestSignal: req.signal === NEVER ? undefined : req.signal,
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

// gRPC clients for calling the other services. The request id and the
// caller's token travel along, so logs join up and downstream services apply
// their own authorization; each call says it comes from inside the mesh, so
// the callee's admission limit lets it through (kit/grpc-unary.ts). With
// tracing on, each call is a client span whose traceparent goes along too.
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createUnaryGrpcTransport } from "../kit/grpc-unary-client.js";
import { INTERNAL_CALL_HEADER, REQUEST_ID_HEADER, requestScope } from "../kit/request-context.js";
import { traceClient, type Tracing } from "../kit/tracing.js";
import { addrVariable, Addresses } from "./addresses.js";
import { SERVICE_NAMES, type ServiceName } from "./config.js";
import { LocalServices } from "./local-transport.js";
import { SERVICES } from "./services.js";

const forwardScope: Interceptor = (next) => async (req) => {
  if (!req.header.has(INTERNAL_CALL_HEADER)) req.header.set(INTERNAL_CALL_HEADER, "1");
  const scope = requestScope.getStore();
  if (scope) {
    req.header.set(REQUEST_ID_HEADER, scope.requestId);
    if (scope.authorization && !req.header.has("authorization")) req.header.set("authorization", scope.authorization);
  }
  return next(req);
};

/** Unless the caller sets a deadline. */
const CALL_TIMEOUT_MS = 10_000;

/** The client interceptors: the call's span first when tracing is on. */
function interceptors(tracing: Tracing | undefined, inProcess = false): Interceptor[] {
  return tracing?.enabled ? [traceClient(tracing, { inProcess }), forwardScope] : [forwardScope];
}

/** In-process calls forward the scope (and the trace, in the async context itself) and default their deadline the same way. */
export function localServices(tracing?: Tracing): LocalServices {
  return new LocalServices(interceptors(tracing, true), CALL_TIMEOUT_MS);
}

// No compression between services: on a datacenter network gzip costs more
// CPU than the bytes it saves. Unary calls take the short path
// (kit/grpc-unary-client.ts).
const remote = (baseUrl: string, tracing?: Tracing) =>
  createUnaryGrpcTransport({ baseUrl, interceptors: interceptors(tracing), defaultTimeoutMs: CALL_TIMEOUT_MS });

export function serviceClient<T extends DescService>(service: T, baseUrl: string, local?: LocalServices): Client<T> {
  return createClient(service, local ? local.transport(remote(baseUrl)) : remote(baseUrl));
}

/** A transport to wherever `addrs` says the service is at call time (a target may start after its callers). */
export function addressedTransport(name: ServiceName, addrs: Addresses, tracing?: Tracing): Transport {
  let url: string | undefined;
  let transport: Transport | undefined;
  const current = () => {
    const now = addrs.get(name);
    if (now !== url || !transport) {
      url = now;
      transport = remote(now, tracing);
    }
    return transport;
  };
  return {
    unary: async (...args) => current().unary(...args),
    stream: async (...args) => current().stream(...args),
  };
}

/** A service left out of a fixed list of addresses: its calls fail UNAVAILABLE, naming the variable to set. */
function unaddressed(name: ServiceName): Transport {
  const fail = async (): Promise<never> => {
    throw new ConnectError(`the ${name} service has no address: set ${addrVariable(name)}`, Code.Unavailable);
  };
  return { unary: fail, stream: fail };
}

export type ServiceClients = { [N in ServiceName]: Client<(typeof SERVICES)[N]> };

/** Clients of the four services: in memory for those registered in `local`, else over gRPC. */
export function createServiceClients(addrs: Addresses | Partial<Record<ServiceName, string>>, local?: LocalServices, tracing?: Tracing): ServiceClients {
  const client = <N extends ServiceName>(name: N) => {
    const at = addrs instanceof Addresses ? undefined : addrs[name];
    const net = addrs instanceof Addresses ? addressedTransport(name, addrs, tracing) : at ? remote(at, tracing) : unaddressed(name);
    return createClient(SERVICES[name], local ? local.transport(net) : net);
  };
  return Object.fromEntries(SERVICE_NAMES.map((name) => [name, client(name)])) as ServiceClients;
}

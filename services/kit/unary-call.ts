// Unary calls without Connect's streaming pipeline. Server half: a target's
// implementations, and one call run through the
// server interceptors (the gRPC fast path, grpc-unary.ts, and the in-process
// transport; both build their own handler context). Client half: the request
// a Transport builds, through the client interceptors (grpc-unary-client.ts
// and the in-process transport).
import { create, type DescMessage, type DescMethod, type DescMethodUnary, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  createServiceImplSpec,
  type ContextValues,
  type ConnectRouter,
  type HandlerContext,
  type Interceptor,
  type MethodImplSpec,
  type ServiceImpl,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { invokeUnaryImplementation } from "@connectrpc/connect/protocol";
import { LightHeaders } from "./light-headers.js";

export type UnarySpec = MethodImplSpec & { kind: "unary" };

export type UnaryFn = (req: UnaryRequest) => Promise<UnaryResponse>;

/** For calls made without a signal of their own. */
export const NO_SIGNAL = new AbortController().signal;

/**
 * The call's own signal, or undefined for NO_SIGNAL: it never aborts, and
 * every call made without a signal shares it, so a listener on it per call
 * would make each add cost O(calls in flight).
 */
export function ownSignal(signal: AbortSignal): AbortSignal | undefined {
  return signal === NO_SIGNAL ? undefined : signal;
}

/**
 * The client half of a unary call, for a Transport's unary(): the request
 * as Connect's own transports build it, run through the client
 * interceptors (first one outermost) into `send`.
 */
export function clientUnary<I extends DescMessage, O extends DescMessage>(
  call: {
    method: DescMethodUnary<I, O>;
    url: string;
    signal: AbortSignal | undefined;
    header: Parameters<Transport["unary"]>[3];
    input: MessageInitShape<I>;
    contextValues: ContextValues | undefined;
  },
  interceptors: Interceptor[],
  send: UnaryFn,
): Promise<UnaryResponse<I, O>> {
  const next = interceptors.reduceRight<UnaryFn>((n, interceptor) => interceptor(n as never) as UnaryFn, send);
  return next({
    stream: false,
    service: call.method.parent,
    method: call.method,
    requestMethod: "POST",
    url: call.url,
    header: new LightHeaders(call.header),
    contextValues: call.contextValues ?? createContextValues(),
    message: create(call.method.input, call.input),
    signal: call.signal ?? NO_SIGNAL,
  } as UnaryRequest) as never;
}

/** A service's implementations, as a target builds them once and every transport serves them. */
export type Implementations = Array<[DescService, Partial<ServiceImpl<DescService>>]>;

/** One entry of Implementations, typed against its service. */
export function implement<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): [DescService, Partial<ServiceImpl<DescService>>] {
  return [service, impl as Partial<ServiceImpl<DescService>>];
}

/** A routes function registering the implementations, for Connect's router and router transport. */
export function routesOf(impls: Implementations): (router: ConnectRouter) => void {
  return (router) => {
    for (const [service, impl] of impls) router.service(service, impl);
  };
}

/** Every unary method of the implementations. */
export function unarySpecs(impls: Implementations): Map<DescMethod, UnarySpec> {
  const out = new Map<DescMethod, UnarySpec>();
  for (const [service, impl] of impls) {
    for (const spec of Object.values(createServiceImplSpec(service, impl).methods)) {
      if (spec.kind === "unary") out.set(spec.method, spec as UnarySpec);
    }
  }
  return out;
}

/** Ends a finished call's context without building an AbortError (a DOMException and its stack). */
const FINISHED = Object.freeze({ finished: true });

/**
 * Runs `input` through the interceptors into the implementation; rejects with
 * the context's abort reason (DEADLINE_EXCEEDED, CANCELED) as soon as it is
 * aborted, and always ends the context.
 */
export async function invokeUnary(spec: UnarySpec, ctx: HandlerContext & { abort(reason?: unknown): void }, input: unknown, interceptors: Interceptor[]): Promise<unknown> {
  const { signal } = ctx;
  let fail = () => {};
  const aborted = new Promise<never>((_, reject) => {
    fail = () => reject(ConnectError.from(signal.reason, Code.Canceled));
  });
  if (signal.aborted) fail();
  else signal.addEventListener("abort", fail, { once: true });
  try {
    return await Promise.race([invokeUnaryImplementation(spec as never, ctx, input as never, interceptors), aborted]);
  } finally {
    signal.removeEventListener("abort", fail);
    ctx.abort(FINISHED);
  }
}

// The server half of a unary call without Connect's streaming pipeline: the
// implementations a routes function registers, and one call run through the
// server interceptors. Used by the in-process transport and by the gRPC unary
// fast path (grpc-unary.ts); both build their own handler context.
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createServiceImplSpec,
  type ConnectRouter,
  type HandlerContext,
  type Interceptor,
  type MethodImplSpec,
  type ServiceImpl,
} from "@connectrpc/connect";
import { invokeUnaryImplementation } from "@connectrpc/connect/protocol";

export type UnarySpec = MethodImplSpec & { kind: "unary" };

export type RecordedServices = Array<[DescService, Partial<ServiceImpl<DescService>>]>;

/** The services a routes function registers, recorded instead of served. */
export function recordServices(routes: (router: ConnectRouter) => void): RecordedServices {
  const impls: RecordedServices = [];
  const recorder = {
    handlers: [],
    service(service: DescService, impl: Partial<ServiceImpl<DescService>>) {
      impls.push([service, impl]);
      return recorder;
    },
    // Single-method registrations (reflection) stay with Connect's router.
    rpc() {
      return recorder;
    },
  };
  routes(recorder as unknown as ConnectRouter);
  return impls;
}

/**
 * A routes function that registers the recorded implementations again, so
 * every way a service is served shares one set of implementation objects
 * (routes functions build them; a second call would build a second set).
 */
export function replay(impls: RecordedServices): (router: ConnectRouter) => void {
  return (router) => {
    for (const [service, impl] of impls) router.service(service, impl);
  };
}

/** Every unary method of the recorded services, with its implementation. */
export function unarySpecs(impls: RecordedServices): Map<DescMethod, UnarySpec> {
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

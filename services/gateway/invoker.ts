// Calls an RPC by its descriptor through a Connect client, so the transcoder
// stays generic: any service with google.api.http rules can be put behind
// the gateway by handing it a client. The request id and the caller's
// Authorization header go along; the services do their own authentication.
import type { DescMethod, DescService, Message } from "@bufbuild/protobuf";
import { createContextValues, type Client, type ContextValues } from "@connectrpc/connect";
import { INTERNAL_CALL_HEADER, REQUEST_ID_HEADER } from "../kit/request-context.js";
import { readOnlyAnswer } from "../runtime/local-transport.js";

export interface CallContext {
  requestId: string;
  authorization: string | undefined;
  signal: AbortSignal;
}

type AnyMethod = (
  req: Message,
  opts: { signal: AbortSignal; headers: Record<string, string>; timeoutMs?: number; contextValues?: ContextValues },
) => unknown;

export class Invoker {
  private readonly clients = new Map<string, Record<string, AnyMethod>>();

  /** Pairs of a service and a Connect client for it. */
  constructor(clients: Array<[DescService, Client<DescService>]>) {
    for (const [service, client] of clients) this.clients.set(service.typeName, client as unknown as Record<string, AnyMethod>);
  }

  has(service: DescService): boolean {
    return this.clients.has(service.typeName);
  }

  private fn(method: DescMethod): AnyMethod {
    const client = this.clients.get(method.parent.typeName);
    const fn = client?.[method.localName];
    if (!fn) throw new Error(`no client for ${method.parent.typeName}.${method.name}`);
    return fn;
  }

  private static headers(ctx: CallContext): Record<string, string> {
    // Calls from outside the mesh: the services' admission limit counts them.
    const h: Record<string, string> = { [REQUEST_ID_HEADER]: ctx.requestId, [INTERNAL_CALL_HEADER]: "0" };
    if (ctx.authorization !== undefined) h.authorization = ctx.authorization;
    return h;
  }

  unary(method: DescMethod, req: Message, ctx: CallContext): Promise<Message> {
    // The answer is only serialized: a service in this process need not copy it.
    // One set per call: the server's interceptors write the caller into it.
    const contextValues = createContextValues().set(readOnlyAnswer, true);
    return this.fn(method)(req, { signal: ctx.signal, headers: Invoker.headers(ctx), contextValues }) as Promise<Message>;
  }

  /** Server streaming, without the clients' default deadline: it lasts as long as the caller stays. */
  stream(method: DescMethod, req: Message, ctx: CallContext): AsyncIterable<Message> {
    return this.fn(method)(req, { signal: ctx.signal, headers: Invoker.headers(ctx), timeoutMs: 0 }) as AsyncIterable<Message>;
  }
}

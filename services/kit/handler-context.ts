// A unary call's handler context, as Connect's createHandlerContext builds it
// but with one AbortController instead of three linked ones, a deadline timer
// only when the call has a deadline, and LightHeaders instead of three
// validated Fetch Headers. Built for every call the gRPC fast path and the
// in-process transport run.
import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import { LightHeaders } from "./light-headers.js";

export type CallContext = HandlerContext & {
  /** Ends the call: its signal aborts with `reason`, its timer and listener go. */
  abort(reason?: unknown): void;
};

export interface CallContextInit {
  method: DescMethod;
  protocolName: string;
  url: string;
  /** The call's deadline from now; none without. */
  timeoutMs: number | undefined;
  /** The caller gave up (a closed stream, an aborted request): the call's signal aborts with its reason. */
  requestSignal: AbortSignal | undefined;
  requestHeader: Headers;
  contextValues?: ContextValues;
}

export function callContext(init: CallContextInit): CallContext {
  const controller = new AbortController();
  const { requestSignal, timeoutMs } = init;
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const onRequestAbort = () => abort(requestSignal!.reason);
  function abort(reason?: unknown): void {
    if (timer !== undefined) clearTimeout(timer);
    requestSignal?.removeEventListener("abort", onRequestAbort);
    if (!controller.signal.aborted) controller.abort(reason);
  }
  const timedOut = () => abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
  if (requestSignal?.aborted) abort(requestSignal.reason);
  else if (timeoutMs !== undefined && timeoutMs <= 0) timedOut();
  else {
    requestSignal?.addEventListener("abort", onRequestAbort);
    if (timeoutMs !== undefined) timer = setTimeout(timedOut, timeoutMs);
  }
  return {
    method: init.method,
    service: init.method.parent,
    requestMethod: "POST",
    protocolName: init.protocolName,
    url: init.url,
    signal: controller.signal,
    timeoutMs: () => (deadline === undefined ? undefined : deadline - Date.now()),
    requestHeader: init.requestHeader,
    responseHeader: new LightHeaders(),
    responseTrailer: new LightHeaders(),
    values: init.contextValues ?? createContextValues(),
    abort,
  };
}

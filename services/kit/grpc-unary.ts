// gRPC unary calls over HTTP/2 without Connect's streaming pipeline. Connect's
// handler runs every call, unary or not, through chains of async generators,
// where an allocation profile put most of a unary call's garbage. Unary gRPC
// requests (the service-to-service and load-generator traffic) are answered
// here instead: the body read whole, one envelope, the same server
// interceptors and implementations, the same status trailers (Connect's
// setTrailerStatus). Everything else (streams, Connect and gRPC-Web
// protocols, compressed requests, reflection) goes to Connect's handler.
// Served on Node's HTTP/2 stream API: the compatibility layer's request and
// response objects around each stream are not built.
//
// Kept because it pays: in bench/services/kit/transport.ts (2026-12-06,
// bedf3dc, 2 cores) it served 15,606 20-tweet home pages/s at 73 µs of CPU
// each, against 6,230/s at 201 µs with connectNodeAdapter alone (×2.5 the
// throughput, −64% CPU per request); serve({ unaryFastPath: false }) is that
// comparison's stock side.
import type http2 from "node:http2";
import { fromBinary, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { specGrpcMessage } from "./grpc-message.js";
import { envelope, webHeaders } from "./grpc-wire.js";
import { callContext, type CallContext } from "./handler-context.js";
import { LightHeaders } from "./light-headers.js";
import type { StreamHandler } from "./listener.js";
import type { Admission } from "./admission.js";
import { INTERNAL_CALL_HEADER } from "./request-context.js";
import { stopOnAbort, type StopOnAbort } from "./stop-on-abort.js";
import { invokeUnary, unarySpecs, type Implementations, type UnarySpec } from "./unary-call.js";

export interface GrpcUnaryOptions {
  /** The implementations Connect's handler serves too. */
  services: Implementations;
  interceptors: Interceptor[];
  shutdownSignal: AbortSignal;
  readMaxBytes: number;
  /** The admission limit on calls from outside the mesh (admission.ts), shared with Connect's handler. */
  admission: Admission;
}

const CANCELED = new ConnectError("the client cancelled the call", Code.Canceled);
const ignore = () => {};

interface InFlight {
  calls: StopOnAbort<CallContext>;
}

export function grpcUnaryFastPath(opts: GrpcUnaryOptions): StreamHandler {
  const byPath = new Map<string, UnarySpec>();
  for (const spec of unarySpecs(opts.services).values()) {
    byPath.set(`/${spec.method.parent.typeName}/${spec.method.name}`, spec);
  }
  // Calls in flight, aborted together at shutdown (not each linked to the
  // shutdown signal, Connect's way: see stop-on-abort.ts).
  const inFlight: InFlight = { calls: stopOnAbort<CallContext>(opts.shutdownSignal, (ctx, reason) => ctx.abort(reason)) };
  return (stream, headers) => {
    const spec = headers[":method"] === "POST" ? byPath.get(headers[":path"] ?? "") : undefined;
    const type = headers["content-type"];
    const encoding = headers["grpc-encoding"];
    if (!spec || (type !== "application/grpc" && type !== "application/grpc+proto") || (encoding !== undefined && encoding !== "identity")) {
      return false;
    }
    serve(spec, opts, inFlight, stream, headers);
    return true;
  };
}

function serve(spec: UnarySpec, opts: GrpcUnaryOptions, inFlight: InFlight, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  let answered = false;
  // A stream the client resets with an error code emits one; the call's own
  // end is the "close" below.
  stream.on("error", ignore);
  stream.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > opts.readMaxBytes + 5) tooLarge = true;
    else chunks.push(chunk);
  });
  stream.on("end", () => {
    const answer = (err?: ConnectError, output?: unknown, ctx?: CallContext) => {
      if (answered || stream.destroyed || stream.closed) return;
      answered = true;
      const header: http2.OutgoingHttpHeaders = { ":status": 200, "content-type": "application/grpc+proto" };
      ctx?.responseHeader.forEach((v, k) => (header[k] = v));
      // The call is over: its own trailer takes the status (no copy).
      const trailer = ctx?.responseTrailer ?? new LightHeaders();
      setTrailerStatus(trailer, err);
      const trailers: http2.OutgoingHttpHeaders = {};
      trailer.forEach((v, k) => (trailers[k] = k === "grpc-message" ? specGrpcMessage(v) : v));
      stream.respond(header, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers(trailers));
      stream.end(output === undefined ? undefined : envelope(toBinary(spec.method.output, output as never)));
    };
    if (tooLarge) return answer(new ConnectError(`message size is larger than configured readMaxBytes ${opts.readMaxBytes}`, Code.ResourceExhausted));
    // Refused before the message is decoded: shedding has to be cheap.
    const entry = opts.admission.limits(spec.method, headers[INTERNAL_CALL_HEADER]);
    const refused = entry ? opts.admission.enter(spec.method) : undefined;
    if (refused) return answer(refused);
    const input = parseSingle(spec.method.input, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    const timeout = parseTimeout(headers["grpc-timeout"] as string | undefined ?? null, Number.MAX_SAFE_INTEGER);
    const bad = input instanceof ConnectError ? input : timeout.error;
    if (bad) {
      if (entry) opts.admission.leave();
      return answer(bad);
    }
    const cancel = new AbortController();
    stream.once("close", () => {
      if (!answered) cancel.abort(CANCELED); // closed before the answer: the client gave up
    });
    const ctx = callContext({
      method: spec.method,
      protocolName: "grpc",
      url: headers[":path"]!,
      timeoutMs: timeout.timeoutMs,
      requestSignal: cancel.signal,
      requestHeader: webHeaders(headers),
    });
    inFlight.calls.add(ctx);
    invokeUnary(spec, ctx, input, opts.interceptors)
      .then(
        (output) => answer(undefined, output, ctx),
        (err: unknown) => answer(ConnectError.from(err), undefined, ctx),
      )
      .finally(() => {
        inFlight.calls.delete(ctx);
        if (entry) opts.admission.leave();
      });
  });
}

/** Exactly one uncompressed envelope holding a `schema` message. */
function parseSingle(schema: DescMessage, body: Buffer): unknown {
  if (body.length < 5) return new ConnectError("protocol error: a unary request carries exactly one message, got none", Code.InvalidArgument);
  if ((body[0]! & 1) === 1) return new ConnectError("protocol error: compressed message without a grpc-encoding header", Code.InvalidArgument);
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) {
    return new ConnectError(`protocol error: the envelope promised ${length} bytes and the body holds ${body.length - 5}`, Code.InvalidArgument);
  }
  try {
    return fromBinary(schema, body.subarray(5));
  } catch (err) {
    return new ConnectError(`cannot decode ${schema.typeName}: ${err instanceof Error ? err.message : String(err)}`, Code.InvalidArgument);
  }
}

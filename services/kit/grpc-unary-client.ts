// The client half of grpc-unary.ts: a Connect Transport whose unary calls go
// straight onto an HTTP/2 stream (one envelope out, one back, the status from
// the trailers, read with Connect's own findTrailerError), while streaming
// calls use Connect's gRPC transport on the same connection. Connect's client
// runs unary calls through the same async-generator pipeline its server does;
// between services and in the load generators that was most of a call's CPU.
//
// Kept because it pays: in bench/services/kit/transport.ts (2026-12-06,
// bedf3dc, 2 cores) it made 6,292 home-page calls/s at 135 µs of the
// caller's CPU each, against 4,343/s at 250 µs with connect-node's
// createGrpcTransport (×1.45 the throughput, −46% CPU per call).
import http2 from "node:http2";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type Interceptor,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { codeFromHttpStatus, findTrailerError } from "@connectrpc/connect/protocol-grpc";
import { envelope, webHeaders } from "./grpc-wire.js";
import { H2_SESSION_MEMORY_MB } from "./listener.js";
import { clientUnary, ownSignal } from "./unary-call.js";

export interface UnaryGrpcTransportOptions {
  baseUrl: string;
  interceptors?: Interceptor[];
  /** For calls that set no deadline of their own. */
  defaultTimeoutMs?: number;
}

export function createUnaryGrpcTransport(opts: UnaryGrpcTransportOptions): Transport {
  const session = new Http2SessionManager(opts.baseUrl, {}, { maxSessionMemory: H2_SESSION_MEMORY_MB });
  const streams = createGrpcTransport({
    baseUrl: opts.baseUrl,
    interceptors: opts.interceptors,
    defaultTimeoutMs: opts.defaultTimeoutMs,
    acceptCompression: [],
    sessionManager: session,
  });
  const interceptors = opts.interceptors ?? [];
  const root = opts.baseUrl.replace(/\/$/, "");
  const basePath = new URL(root).pathname.replace(/\/$/, "");
  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      const rpc = `/${method.parent.typeName}/${method.name}`;
      return clientUnary({ method, url: root + rpc, signal, header, input, contextValues }, interceptors, (req) =>
        exchange(session, basePath + rpc, req, timeoutMs ?? opts.defaultTimeoutMs),
      );
    },
    stream: (...args) => streams.stream(...args),
  };
}

async function exchange(session: Http2SessionManager, path: string, req: UnaryRequest, timeoutMs: number | undefined): Promise<UnaryResponse> {
  const { method } = req;
  if (req.signal.aborted) throw ConnectError.from(req.signal.reason, Code.Canceled);
  const headers: http2.OutgoingHttpHeaders = { "content-type": "application/grpc+proto", te: "trailers" };
  req.header.forEach((v, k) => (headers[k] = v));
  if (timeoutMs !== undefined) headers["grpc-timeout"] = `${Math.max(1, Math.ceil(timeoutMs))}m`;
  const frame = envelope(toBinary(method.input, req.message as never));
  let stream: http2.ClientHttp2Stream;
  try {
    stream = await session.request("POST", path, headers, {});
  } catch (err) {
    throw ConnectError.from(err, Code.Unavailable);
  }
  return new Promise<UnaryResponse>((resolve, reject) => {
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let failure: ConnectError | undefined;
    const fail = (err: ConnectError) => {
      failure ??= err;
      stream.close(http2.constants.NGHTTP2_CANCEL);
    };
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => fail(new ConnectError("the operation timed out", Code.DeadlineExceeded)), timeoutMs);
    const onAbort = () => fail(ConnectError.from(req.signal.reason, Code.Canceled));
    const signal = ownSignal(req.signal);
    signal?.addEventListener("abort", onAbort, { once: true });
    stream.on("response", (h) => (responseHeaders = h));
    stream.on("trailers", (t) => (trailers = t));
    stream.on("data", (c: Buffer) => {
      chunks.push(c);
      session.notifyResponseByteRead(stream);
    });
    stream.on("error", (err) => fail(ConnectError.from(err, Code.Unavailable)));
    stream.on("close", () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (failure) return reject(failure);
      try {
        resolve(answer(req, responseHeaders, trailers, chunks));
      } catch (err) {
        reject(ConnectError.from(err, Code.Internal));
      }
    });
    stream.end(frame);
  });
}

function answer(req: UnaryRequest, h: http2.IncomingHttpHeaders, t: http2.IncomingHttpHeaders, chunks: Buffer[]): UnaryResponse {
  const header = webHeaders(h);
  const trailer = webHeaders(t);
  const status = Number(h[":status"]);
  // A trailers-only answer carries its status in the headers.
  const error = findTrailerError(trailer.has("grpc-status") ? trailer : header);
  if (error) throw error;
  if (status !== 200) throw new ConnectError(`HTTP ${status}`, codeFromHttpStatus(status));
  if (!trailer.has("grpc-status") && !header.has("grpc-status")) throw new ConnectError("protocol error: missing status", Code.Internal);
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  if (body.length < 5 || body.readUInt32BE(1) !== body.length - 5 || (body[0]! & 1) === 1) {
    throw new ConnectError("protocol error: expected one uncompressed message in the answer", Code.Internal);
  }
  return {
    stream: false,
    service: req.service,
    method: req.method,
    header,
    trailer,
    message: fromBinary(req.method.output, body.subarray(5)),
  } as UnaryResponse;
}

// Server-streaming RPCs as server-sent events (text/event-stream): one event
// per message, named after the message's oneof case when it has one
// ("tweet", "deleted_tweet_id", "keep_alive"), its proto3 JSON as the data.
// A message with an `id` field sends it as the event's id (the gateway passes
// Last-Event-ID back as the request's `since`).
// Comment lines keep an idle stream open through proxies. When the client
// goes away (or the gateway shuts down) the upstream call is cancelled.
//
// An error the service answers straight away (no or a bad token) is sent as
// an ordinary JSON error with its HTTP status, so EventSource and curl see a
// 401, not a 200 that ends at once; one after the stream has begun becomes an
// "error" event followed by the end of the stream.
import type { ServerResponse } from "node:http";
import { toJsonString, type DescMessage, type Message, type Registry } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { StopOnAbort } from "../kit/stop-on-abort.js";
import { writeOptions } from "./transcode/json.js";

export interface EventStreamOptions {
  res: ServerResponse;
  output: DescMessage;
  /** Starts the upstream call; aborting the signal cancels it. */
  open: (signal: AbortSignal) => AsyncIterable<Message>;
  registry: Registry;
  keepAliveMs: number;
  /** Open streams, ended together at graceful shutdown. */
  streams: StopOnAbort<() => void>;
  /** How long to wait for the first message or an error before sending the headers. */
  firstWaitMs?: number;
  /** Headers to send with the 200 (request id, rate limits, CORS). */
  headers: Record<string, string>;
  /** Writes an error response while the headers are not yet sent. */
  fail: (err: unknown) => void;
  /** Turns an error into the JSON of an "error" event. */
  errorJson: (err: unknown) => string;
}

const SHUTTING_DOWN = new ConnectError("the gateway is shutting down; reconnect", Code.Unavailable);

function eventName(output: DescMessage, msg: Message): string {
  if (output.oneofs.length !== 1) return "message";
  return reflect(output, msg).oneofCase(output.oneofs[0]!)?.name ?? "message";
}

/** Resolves when the stream is over, for whatever reason. */
export async function serveEventStream(o: EventStreamOptions): Promise<void> {
  const cancel = new AbortController();
  const stop = () => cancel.abort();
  const shutDown = () => cancel.abort(SHUTTING_DOWN);
  // "close" on the response: the client hung up (or we ended it).
  o.res.once("close", stop);
  o.streams.add(shutDown);
  const it = o.open(cancel.signal)[Symbol.asyncIterator]();
  let keepAlive: NodeJS.Timeout | undefined;
  try {
    let next = it.next();
    // Wait a moment for an immediate answer (usually an error such as 401);
    // a quiet stream then starts without its first message.
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([
      next.then((r) => ({ r }), (err: unknown) => ({ err })),
      new Promise<"quiet">((r) => (timer = setTimeout(() => r("quiet"), o.firstWaitMs ?? 3000))),
    ]);
    clearTimeout(timer);
    if (first !== "quiet" && "err" in first) {
      // A stream opened as the gateway shuts down is told so, not left hanging.
      if (cancel.signal.reason === SHUTTING_DOWN) o.fail(SHUTTING_DOWN);
      else if (!cancel.signal.aborted) o.fail(first.err);
      return;
    }

    o.res.writeHead(200, {
      ...o.headers,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-store",
      connection: "keep-alive",
      // nginx and friends: do not buffer the stream.
      "x-accel-buffering": "no",
    });
    o.res.write(`retry: 3000\n\n`);
    keepAlive = setInterval(() => o.res.write(`: keep-alive\n\n`), o.keepAliveMs);

    // A message with an id (a live event) names it, so EventSource resumes after it with Last-Event-ID.
    const idField = o.output.fields.find((f) => f.name === "id" && f.fieldKind === "scalar");
    const send = (msg: Message) => {
      const id = idField ? String(reflect(o.output, msg).get(idField)) : "";
      o.res.write(`${id !== "" ? `id: ${id}\n` : ""}event: ${eventName(o.output, msg)}\ndata: ${toJsonString(o.output, msg, writeOptions(o.registry))}\n\n`);
    };
    for (;;) {
      let r: IteratorResult<Message>;
      try {
        r = await next;
      } catch (err) {
        if (!cancel.signal.aborted) o.res.write(`event: error\ndata: ${o.errorJson(err)}\n\n`);
        break;
      }
      if (r.done) break;
      send(r.value);
      next = it.next();
    }
  } finally {
    clearInterval(keepAlive);
    o.res.off("close", stop);
    o.streams.delete(shutDown);
    cancel.abort();
    if (!o.res.writableEnded && o.res.headersSent) o.res.end();
  }
}

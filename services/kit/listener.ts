// One TCP port for HTTP/2 cleartext (gRPC clients use prior knowledge) and
// HTTP/1.1 (Connect, gRPC-Web, curl, Prometheus): peek at the first bytes of
// each connection and hand it to the matching Node server. Node's plain
// http2.createServer cannot fall back to HTTP/1.1 by itself.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface DualListener {
  readonly port: number;
  /** Stops accepting, asks open connections to finish, destroys what is left after graceMs. */
  close(graceMs: number): Promise<void>;
}

/**
 * HTTP/2 session memory in MB, for servers and clients alike. nghttp2 resets
 * streams with ENHANCE_YOUR_CALM once a session buffers more than this (10 MB
 * by default); one connection (the gateway's, another service's, a load
 * generator's) carries thousands of calls in a burst, and those should queue,
 * not fail.
 */
export const H2_SESSION_MEMORY_MB = 64;

/** Takes an HTTP/2 stream (true) or leaves it to the request handler (false). */
export type StreamHandler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean;

export async function listenDual(handler: RequestHandler, host: string, port: number, streams?: StreamHandler): Promise<DualListener> {
  const h1 = http.createServer({ keepAliveTimeout: 65_000 }, handler);
  const h2 = http2.createServer({ maxSessionMemory: H2_SESSION_MEMORY_MB }, handler);
  if (streams) {
    // Node's compatibility layer (request and response objects around each
    // stream) is itself a "stream" listener: streams taken here skip it.
    const compat = h2.listeners("stream") as Array<(...args: unknown[]) => void>;
    h2.removeAllListeners("stream");
    h2.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, ...rest: unknown[]) => {
      if (!streams(stream, headers)) for (const l of compat) l.call(h2, stream, headers, ...rest);
    });
  }
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (s) => {
    sessions.add(s);
    s.once("close", () => sessions.delete(s));
  });

  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, PREFACE.length);
      const isH2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (isH2 && seen.length < PREFACE.length) return; // need more bytes to decide
      socket.off("data", onData);
      socket.pause();
      socket.unshift(seen);
      if (isH2) {
        // The HTTP/2 session reads the buffered bytes and then the handle
        // itself; resuming the JS stream here would steal frames from it.
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  });

  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, host, () => {
      tcp.off("error", reject);
      resolve();
    });
  });
  const address = tcp.address() as net.AddressInfo;

  return {
    port: address.port,
    async close(graceMs: number) {
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const s of sessions) s.close(); // GOAWAY: in-flight streams finish
      h1.closeIdleConnections();
      const deadline = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, graceMs);
      const idle = setInterval(() => h1.closeIdleConnections(), 50);
      await closed;
      clearTimeout(deadline);
      clearInterval(idle);
    },
  };
}

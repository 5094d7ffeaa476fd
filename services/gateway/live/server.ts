// GET /api/v1/streaming: the WebSocket endpoint, on the gateway's HTTP
// server. The upgrade is answered 401 without a valid access token (from the
// Authorization header, or from Sec-WebSocket-Protocol for browsers, which
// cannot set headers; the protocol is then echoed back, as Mastodon does).
// Streams come from the query (?stream=home&stream=notifications&since=<id>)
// or from messages; every socket reads the one live feed of this process.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Registry } from "@bufbuild/protobuf";
import { decodeJwt } from "jose";
import { WebSocketServer, type WebSocket } from "ws";
import { bearerToken, type Caller, type TokenVerifier } from "../../kit/auth.js";
import type { Logger } from "../../kit/logger.js";
import type { LargeFolloweesSource } from "../../platform/bus/home-subjects.js";
import type { LiveFeed } from "../../platform/bus/live-feed.js";
import type { LiveMessage } from "../../platform/bus/port.js";
import type { LiveConfig } from "./config.js";
import type { LiveMetrics } from "./metrics.js";
import { Renderer, type ReaderStates } from "./render.js";
import { CLOSE, LiveSocket } from "./socket.js";

export const STREAMING_PATH = "/api/v1/streaming";

export interface LiveServerOptions {
  feed: LiveFeed;
  registry: Registry;
  config: LiveConfig;
  verifier: TokenVerifier;
  metrics: LiveMetrics;
  logger: Logger;
  markOnline(userId: bigint): Promise<void>;
  /** The large accounts a user follows (a home stream follows their own streams). */
  largeFollowees: LargeFolloweesSource;
  /** A reader's likes and retweets of these tweets, asked with their own access token. */
  viewerStates(token: string, viewerId: bigint, tweetIds: bigint[]): Promise<ReaderStates>;
  /** Whether the rate limits let this upgrade through (false: 429). */
  admit?(req: IncomingMessage): Promise<boolean>;
}

interface Authenticated {
  caller: Caller;
  token: string;
  expiresMs: number;
  /** The Sec-WebSocket-Protocol value that carried the token, echoed back. */
  protocol?: string | undefined;
}

export class LiveServer {
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<LiveSocket>();
  private readonly renderer: Renderer;
  private readonly pinger: NodeJS.Timeout;
  private readonly auth = new WeakMap<IncomingMessage, Authenticated>();
  /** The last message rendered: every socket following it on that stream sends the same text. */
  private last: { seq: number; subject: string; stream: string; text: string | undefined } | undefined;

  constructor(private readonly o: LiveServerOptions) {
    this.renderer = new Renderer(o.registry);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: o.config.maxFrameBytes,
      // Compression costs memory per socket (a zlib context each) for small JSON frames.
      perMessageDeflate: false,
      handleProtocols: (_offered, req) => this.auth.get(req)?.protocol ?? false,
    });
    this.pinger = setInterval(() => {
      for (const s of this.sockets) s.heartbeat();
    }, o.config.pingIntervalMs);
    this.pinger.unref();
  }

  get size(): number {
    return this.sockets.size;
  }

  /** The HTTP server's "upgrade" event. */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    void this.accept(req, socket, head).catch((err) => {
      this.o.logger.error({ err }, "websocket upgrade failed");
      reject(socket, 500, "internal", "the upgrade failed; retry");
    });
  };

  /** Says goodbye to every socket (1001: reconnect and resume elsewhere). */
  close(): void {
    clearInterval(this.pinger);
    for (const s of this.sockets) s.close(CLOSE.goingAway, "the gateway is shutting down: reconnect and resume", "shutdown");
    this.sockets.clear();
    this.wss.close();
    this.o.feed.close();
  }

  private async accept(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => {}); // a client gone mid-upgrade is not our error
    const url = new URL(req.url ?? "/", "http://gateway");
    if (url.pathname !== STREAMING_PATH) return reject(socket, 404, "not_found", `no WebSocket endpoint at ${url.pathname}: use ${STREAMING_PATH}`);
    if ((req.method ?? "GET") !== "GET") return reject(socket, 405, "unimplemented", "the upgrade is a GET");
    if (this.o.admit && !(await this.o.admit(req))) return reject(socket, 429, "resource_exhausted", "rate limit reached (per client address); reconnect later, with backoff");
    let auth: Authenticated;
    try {
      auth = await this.authenticate(req);
    } catch (err) {
      return reject(socket, 401, "unauthenticated", err instanceof Error ? err.message : "access token is not valid");
    }
    this.auth.set(req, auth);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, auth, url));
  }

  private async authenticate(req: IncomingMessage): Promise<Authenticated> {
    const header = req.headers.authorization;
    let token = header !== undefined ? bearerToken(header) : undefined;
    let protocol: string | undefined;
    if (token === undefined) {
      // Browsers: the token as the (only, or first) subprotocol.
      protocol = req.headers["sec-websocket-protocol"]?.split(",").map((p) => p.trim()).find((p) => p.length > 0);
      token = protocol;
    }
    if (!token) throw new Error("an access token is required: 'Authorization: Bearer <token>', or the token as Sec-WebSocket-Protocol");
    const caller = await this.o.verifier.verify(token);
    const exp = decodeJwt(token).exp;
    return { caller, token, expiresMs: (exp ?? 0) * 1000, protocol };
  }

  private open(ws: WebSocket, auth: Authenticated, url: URL): void {
    const socket = new LiveSocket(ws, auth.caller.userId, auth.expiresMs, {
      feed: this.o.feed,
      config: this.o.config,
      metrics: this.o.metrics,
      logger: this.o.logger,
      render: (msg, stream) => this.render(msg, stream),
      statesShown: (msg) => this.renderer.statesShown(msg),
      renderFor: (msg, stream, states) => this.renderer.frameFor(stream, msg, states),
      readerStates: (ids) => this.o.viewerStates(auth.token, auth.caller.userId, ids),
      markOnline: this.o.markOnline,
      largeFollowees: this.o.largeFollowees,
    });
    this.sockets.add(socket);
    this.o.metrics.sockets.inc();
    ws.once("close", () => {
      this.sockets.delete(socket);
      this.o.metrics.sockets.dec();
      this.o.metrics.subjects.set(this.o.feed.subjects);
    });
    void socket
      .start(url.searchParams.getAll("stream"), url.searchParams.get("since"))
      .then(() => this.o.metrics.subjects.set(this.o.feed.subjects))
      .catch((err) => this.o.logger.warn({ err }, "websocket start failed"));
  }

  private render(msg: LiveMessage, stream: string): string | undefined {
    const l = this.last;
    if (l?.seq === msg.seq && l.subject === msg.subject && l.stream === stream) return l.text;
    const text = this.renderer.frame(stream, msg);
    this.last = { seq: msg.seq, subject: msg.subject, stream, text };
    return text;
  }
}

/** Answers an upgrade with an HTTP error and its JSON body, as every other route does. */
function reject(socket: Duplex, status: number, code: string, message: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ code, message, details: [] });
  const reason = { 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed", 429: "Too Many Requests", 500: "Internal Server Error" }[status] ?? "Error";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

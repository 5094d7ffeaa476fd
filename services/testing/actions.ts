// What a test does to a running system from outside: gRPC clients of the
// four services over the network, tokens, and the few steps most tests take
// (register, post, follow, read a whole home timeline).
import { createClient, type CallOptions, type Transport } from "@connectrpc/connect";
import { TokenSigner } from "../kit/auth.js";
import { createUnaryGrpcTransport } from "../kit/grpc-unary-client.js";
import type { ServiceClients } from "../runtime/clients.js";
import { SERVICE_NAMES, type ChirpConfig, type ServiceName } from "../runtime/config.js";
import { SERVICES } from "../runtime/services.js";
import { testKeys } from "./runtime.js";

export type TestClients = ServiceClients;

/**
 * Clients of the services where `urls` says they are at each call (a target
 * restarted on a new port is followed); one that is not running fails its
 * calls UNAVAILABLE.
 */
export function networkClients(urls: () => Partial<Record<ServiceName, string>>): TestClients {
  const t = (name: ServiceName): Transport => {
    let url = "";
    let transport: Transport | undefined;
    const current = () => {
      const now = urls()[name] ?? "http://127.0.0.1:1";
      if (now !== url || !transport) {
        url = now;
        transport = createUnaryGrpcTransport({ baseUrl: now });
      }
      return transport;
    };
    return { unary: (...a) => current().unary(...a), stream: (...a) => current().stream(...a) };
  };
  return Object.fromEntries(SERVICE_NAMES.map((name) => [name, createClient(SERVICES[name], t(name))])) as TestClients;
}

export interface Actions {
  /** Call options carrying a valid access token for `userId`. */
  as(userId: bigint): Promise<CallOptions>;
  /** A new account with a unique name; its id. */
  register(): Promise<bigint>;
  post(authorId: bigint, content?: string): Promise<bigint>;
  follow(follower: bigint, followee: bigint): Promise<void>;
  unfollow(follower: bigint, followee: bigint): Promise<void>;
  /** Every id of the user's home timeline, walking all pages of `limit`. */
  homeIds(userId: bigint, limit?: number): Promise<bigint[]>;
}

let seq = 0;

export async function actions(clients: TestClients, jwt: Pick<ChirpConfig["jwt"], "issuer" | "audience" | "accessTtlSeconds">): Promise<Actions> {
  const signer = await TokenSigner.fromPem(testKeys.privateKeyPem, { issuer: jwt.issuer, audience: jwt.audience, ttlSeconds: jwt.accessTtlSeconds });
  const as = async (userId: bigint): Promise<CallOptions> => {
    const { token } = await signer.sign({ userId, sessionId: "test" });
    return { headers: { authorization: `Bearer ${token}` } };
  };
  return {
    as,
    async register() {
      const name = `t${process.pid % 1000}_${seq++}_${Math.random().toString(36).slice(2, 6)}`.slice(0, 15);
      const res = await clients.user.register({ username: name, email: `${name}@example.com`, password: "correct horse battery" });
      return res.user!.userId;
    },
    async post(authorId, content = "hello") {
      const res = await clients.tweet.createTweet({ content }, await as(authorId));
      return res.tweet!.tweetId;
    },
    async follow(follower, followee) {
      await clients.graph.follow({ userId: follower, followeeId: followee }, await as(follower));
    },
    async unfollow(follower, followee) {
      await clients.graph.unfollow({ userId: follower, followeeId: followee }, await as(follower));
    },
    async homeIds(userId, limit = 100) {
      const ids: bigint[] = [];
      let cursor = "";
      for (let guard = 0; guard < 10_000; guard++) {
        const res = await clients.timeline.getHomeTimeline({ limit, cursor }, await as(userId));
        ids.push(...res.tweets.map((h) => h.tweet!.tweetId));
        if (!res.hasMore) return ids;
        cursor = res.nextCursor;
      }
      throw new Error("home timeline paging did not end");
    },
  };
}

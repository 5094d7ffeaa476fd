// A reader's StreamHomeTimeline read in the background, as the live tests
// compare it with SSE and the WebSocket: the tweet events with their ids.
import type { Chirp } from "../../testing/chirp.js";

export interface GrpcHome {
  /** The tweet events so far, in order. */
  tweets: Array<{ id: string; tweetId: string }>;
  /** Whether the first message (a keep-alive, once subscribed) came. */
  live(): boolean;
  /** Cancels the call and waits for the reading to end. */
  stop(): Promise<void>;
}

export async function readGrpcHome(s: Chirp, reader: bigint): Promise<GrpcHome> {
  const abort = new AbortController();
  const tweets: GrpcHome["tweets"] = [];
  let live = false;
  const stream = s.clients.timeline.streamHomeTimeline({}, { ...(await s.as(reader)), signal: abort.signal });
  const reading = (async () => {
    try {
      for await (const m of stream) {
        live = true;
        if (m.event.case === "tweet") tweets.push({ id: m.id, tweetId: String(m.event.value.tweet!.tweetId) });
      }
    } catch {
      // cancelled at the end
    }
  })();
  return {
    tweets,
    live: () => live,
    stop: async () => {
      abort.abort();
      await reading;
    },
  };
}
